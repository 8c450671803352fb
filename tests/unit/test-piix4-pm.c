/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-piix4-pm: PIIX4 function 3: PM I/O decode through PMBA/PMREGMISC,
 * PM1 status/enable/SCI, the PM timer's rate and overflow status, sleep
 * requests (S5 -> power-off), the power button, APM ACPI enable/disable,
 * the SMBus stub, state save/load. */
#include <string.h>
#include "hw/acpi/piix4_pm.h"
#include "tests/support/testenv.h"

#define SCI 9
#define PM PIIX4_PM_BASE_DEFAULT

struct fx {
    struct test_env *t;
    struct pci_bus bus;
    struct piix4_pm *pm;
};

static struct fx *fx_new(void)
{
    struct fx *f = g_new0(struct fx, 1);
    f->t = test_env_new(0);
    pci_bus_init(&f->bus, &f->t->io, &f->t->mem, &f->t->log);
    f->pm = piix4_pm_new(&f->t->env, &f->bus, PCI_DEVFN(1, 3));
    test_irq_connect(f->t, &f->pm->sci, SCI);
    as_add(&f->t->io, &f->pm->apm, 0xb2, 0);
    as_commit(&f->t->io);
    piix4_pm_class.reset(f->pm, RESET_COLD);
    piix4_pm_class.settle(f->pm);
    return f;
}

static void fx_free(struct fx *f)
{
    piix4_pm_class.destroy(f->pm);
    test_env_free(f->t);
    g_free(f);
}

static uint32_t rd(struct fx *f, unsigned off, unsigned size)
{
    return pci_bus_config_read(&f->bus, PCI_DEVFN(1, 3), off, size);
}

static void wr(struct fx *f, unsigned off, uint32_t v, unsigned size)
{
    pci_bus_config_write(&f->bus, PCI_DEVFN(1, 3), off, v, size);
}

/* What SeaBIOS's piix4_pm_setup does. */
static void seabios_setup(struct fx *f)
{
    wr(f, PCI_INTERRUPT_LINE, 9, 1);
    wr(f, PIIX4_PMBA, PM | 1, 4);
    wr(f, PIIX4_PMREGMISC, 1, 1);
    wr(f, PIIX4_SMBBA, PIIX4_SMBUS_BASE_DEFAULT | 1, 4);
    wr(f, PIIX4_SMBHSTCFG, 0x09, 1);
}

static void test_config(void)
{
    struct fx *f = fx_new();
    struct test_env *t = f->t;
    g_assert_cmphex(rd(f, 0, 4), ==, 0x71138086);
    g_assert_cmphex(rd(f, 8, 4), ==, 0x06800003);
    g_assert_cmphex(rd(f, PCI_INTERRUPT_PIN, 1), ==, 1);
    g_assert_cmphex(rd(f, PIIX4_PMBA, 4), ==, 1);
    g_assert_cmphex(rd(f, PIIX4_SMBBA, 4), ==, 1);
    g_assert_cmphex(rd(f, PIIX4_DEVACTB, 4), ==, PIIX4_DEVACTB_APMC_EN);
    /* Not decoded until PMREGMISC enables it. */
    wr(f, PIIX4_PMBA, PM | 1, 4);
    g_assert_cmphex(test_in(t, PM + 8, 4), ==, 0xffffffff);
    wr(f, PIIX4_PMREGMISC, 1, 1);
    test_step(t, 1000);
    g_assert_cmphex(test_in(t, PM + 8, 4), !=, 0xffffffff);
    /* PMBA is 64-byte aligned; bit 0 reads 1. */
    wr(f, PIIX4_PMBA, 0xb03f, 4);
    g_assert_cmphex(rd(f, PIIX4_PMBA, 4), ==, 0xb001);
    g_assert_cmphex(test_in(t, PM + 8, 4), ==, 0xffffffff);
    g_assert_cmphex(test_in(t, 0xb008, 4) >> 24, ==, 0);
    /* Base 0 never decodes. */
    wr(f, PIIX4_PMBA, 0, 4);
    g_assert_cmphex(test_in(t, 0x8, 4), ==, 0xffffffff);
    wr(f, PIIX4_PMREGMISC, 0, 1);
    seabios_setup(f);
    g_assert_cmphex(rd(f, PCI_INTERRUPT_LINE, 1), ==, 9);
    g_assert_cmphex(test_in(t, PM + PIIX4_PMCNTRL, 2), ==, 0);
    /* Direct boot programming. */
    piix4_pm_class.reset(f->pm, RESET_WARM);
    piix4_pm_class.settle(f->pm);
    g_assert_cmphex(test_in(t, PM + 4, 2), ==, 0xffff);
    piix4_pm_enable_default(f->pm);
    g_assert_cmphex(test_in(t, PM + 4, 2), ==, 0);
    g_assert_cmphex(rd(f, PIIX4_PMBA, 4), ==, PM | 1);
    fx_free(f);
}

static void test_timer(void)
{
    struct fx *f = fx_new();
    struct test_env *t = f->t;
    piix4_pm_enable_default(f->pm);
    uint32_t a = (uint32_t)test_in(t, PM + 8, 4);
    test_step(t, NS_PER_SEC);
    uint32_t b = (uint32_t)test_in(t, PM + 8, 4);
    g_assert_cmpuint((b - a) & 0xffffff, ==, PIIX4_PM_TIMER_HZ);
    g_assert_cmpuint(b >> 24, ==, 0);
    /* 1 ms = 3579.545 ticks. */
    a = b;
    test_step(t, 1000000);
    b = (uint32_t)test_in(t, PM + 8, 4);
    g_assert_cmpuint((b - a) & 0xffffff, >=, 3579);
    g_assert_cmpuint((b - a) & 0xffffff, <=, 3580);
    /* Byte reads see the same counter. */
    g_assert_cmphex(test_in(t, PM + 9, 1), ==, (b >> 8) & 0xff);
    /* Writes are ignored. */
    test_out(t, PM + 8, 4, 0);
    g_assert_cmphex(test_in(t, PM + 8, 4), ==, b);
    /* TMROF_STS on each bit-23 toggle (every 2^23 ticks ~ 2.34 s). */
    g_assert_cmphex(test_in(t, PM, 2) & PM1_TMROF, ==, 0);
    test_out(t, PM + 2, 2, PM1_TMROF); /* TMROF_EN */
    test_out(t, PM + 4, 2, PMCNT_SCI_EN);
    while (!(test_in(t, PM + 8, 4) & 0x800000)) {
        g_assert_cmpint(t->irq.level[SCI], ==, 0);
        test_step(t, 10000000);
    }
    g_assert_cmphex(test_in(t, PM, 2) & PM1_TMROF, ==, PM1_TMROF);
    g_assert_cmpint(t->irq.level[SCI], ==, 1);
    /* W1C: writing 0 keeps it, writing 1 clears it and the SCI. */
    test_out(t, PM, 2, 0);
    g_assert_cmpint(t->irq.level[SCI], ==, 1);
    test_out(t, PM, 2, PM1_TMROF);
    g_assert_cmpint(t->irq.level[SCI], ==, 0);
    /* The next toggle (bit 23 back to 0) 2^23 ticks later. */
    uint64_t left = 0x1000000 - (test_in(t, PM + 8, 4) & 0xffffff);
    test_step(t, (int64_t)(left * NS_PER_SEC / PIIX4_PM_TIMER_HZ) - 1000000);
    g_assert_cmpint(t->irq.level[SCI], ==, 0);
    test_step(t, 1000000);
    g_assert_cmpint(t->irq.level[SCI], ==, 1);
    g_assert_cmphex(test_in(t, PM + 8, 4) & 0x800000, ==, 0);
    /* SCI_EN clear: status only (would be an SMI), no SCI. */
    test_out(t, PM + 4, 2, 0);
    g_assert_cmpint(t->irq.level[SCI], ==, 0);
    g_assert_cmphex(test_in(t, PM, 2) & PM1_TMROF, ==, PM1_TMROF);
    fx_free(f);
}

static void test_sleep(void)
{
    struct fx *f = fx_new();
    struct test_env *t = f->t;
    piix4_pm_enable_default(f->pm);
    /* S1-like types wake at once. */
    test_out(t, PM + 4, 2, PMCNT_SUS_EN | 1 << PMCNT_SUS_TYP_SHIFT | PMCNT_SCI_EN);
    g_assert_cmpint(t->nrequests, ==, 0);
    g_assert_cmphex(test_in(t, PM, 2) & PM1_WAK, ==, PM1_WAK);
    /* SUS_EN reads 0, SUS_TYP and SCI_EN stick. */
    g_assert_cmphex(test_in(t, PM + 4, 2), ==, 1 << PMCNT_SUS_TYP_SHIFT | PMCNT_SCI_EN);
    /* Writing SUS_TYP without SUS_EN does nothing. */
    test_out(t, PM + 4, 2, PMCNT_SCI_EN);
    g_assert_cmpint(t->nrequests, ==, 0);
    /* S5: SLP_TYP 0 | SLP_EN, as Linux writes it (a word write). */
    test_out(t, PM + 4, 2, PMCNT_SUS_EN | PIIX4_SLP_TYP_S5 << PMCNT_SUS_TYP_SHIFT | PMCNT_SCI_EN);
    g_assert_cmpint(t->nrequests, ==, 1);
    g_assert_cmpint(t->last_request, ==, SYS_POWEROFF);
    /* A byte write to the high byte works too. */
    test_outb(t, PM + 5, PMCNT_SUS_EN >> 8);
    g_assert_cmpint(t->nrequests, ==, 2);
    fx_free(f);
}

static void test_power_button_apm(void)
{
    struct fx *f = fx_new();
    struct test_env *t = f->t;
    piix4_pm_enable_default(f->pm);
    test_out(t, PM + 2, 2, PM1_PWRBTN);
    piix4_pm_power_button(f->pm);
    g_assert_cmphex(test_in(t, PM, 2) & PM1_PWRBTN, ==, PM1_PWRBTN);
    g_assert_cmpint(t->irq.level[SCI], ==, 0); /* ACPI not enabled yet */
    /* The OS enables ACPI through SMI_CMD. */
    test_outb(t, 0xb2, PIIX4_ACPI_ENABLE);
    g_assert_cmphex(test_in(t, PM + 4, 2) & PMCNT_SCI_EN, ==, PMCNT_SCI_EN);
    g_assert_cmpint(t->irq.level[SCI], ==, 1);
    g_assert_cmphex(test_inb(t, 0xb2), ==, PIIX4_ACPI_ENABLE);
    test_out(t, PM, 2, PM1_PWRBTN);
    g_assert_cmpint(t->irq.level[SCI], ==, 0);
    /* Other APMC values and APMS are plain storage. */
    test_outb(t, 0xb3, 0x5a);
    test_outb(t, 0xb2, 0x00);
    g_assert_cmphex(test_inb(t, 0xb3), ==, 0x5a);
    g_assert_cmphex(test_in(t, PM + 4, 2) & PMCNT_SCI_EN, ==, PMCNT_SCI_EN);
    test_outb(t, 0xb2, PIIX4_ACPI_DISABLE);
    g_assert_cmphex(test_in(t, PM + 4, 2) & PMCNT_SCI_EN, ==, 0);
    /* GBL_STS from the BIOS's release bit. */
    test_outb(t, 0xb2, PIIX4_ACPI_ENABLE);
    test_out(t, PM + 2, 2, PM1_GBL);
    test_out(t, PM + PIIX4_GLBCTL, 4, 2);
    g_assert_cmphex(test_in(t, PM, 2) & PM1_GBL, ==, PM1_GBL);
    g_assert_cmphex(test_in(t, PM + PIIX4_GLBCTL, 4), ==, 0);
    g_assert_cmpint(t->irq.level[SCI], ==, 1);
    /* GPE0: status W1C, enable R/W. */
    test_out(t, PM + 0xe, 2, 0x1234);
    g_assert_cmphex(test_in(t, PM + 0xc, 4), ==, 0x12340000);
    fx_free(f);
}

static void test_smbus(void)
{
    struct fx *f = fx_new();
    struct test_env *t = f->t;
    uint16_t s = PIIX4_SMBUS_BASE_DEFAULT;
    g_assert_cmphex(test_inb(t, s), ==, 0xff);
    seabios_setup(f);
    wr(f, PCI_COMMAND, PCI_COMMAND_IO, 2); /* SeaBIOS's generic init does this */
    g_assert_cmphex(test_inb(t, s), ==, 0);
    test_outb(t, s + SMB_HSTADD, 0xa1);
    test_outb(t, s + SMB_HSTCNT, SMBCNT_START | 0x08 | SMBCNT_INTEREN);
    g_assert_cmphex(test_inb(t, s + SMB_HSTSTS), ==, SMBSTS_DEV_ERR);
    g_assert_cmphex(test_inb(t, s + SMB_HSTADD), ==, 0xa1);
    g_assert_cmpint(t->irq.level[SCI], ==, 1); /* SMBHSTCFG 0x09: IRQ 9 */
    test_outb(t, s + SMB_HSTSTS, SMBSTS_DEV_ERR);
    g_assert_cmphex(test_inb(t, s + SMB_HSTSTS), ==, 0);
    g_assert_cmpint(t->irq.level[SCI], ==, 0);
    /* The I/O space enable gates the block. */
    wr(f, PCI_COMMAND, 0, 2);
    g_assert_cmphex(test_inb(t, s), ==, 0xff);
    fx_free(f);
}

static void test_state(void)
{
    struct fx *f = fx_new(), *g = fx_new();
    test_dev_reset_idempotent(&piix4_pm_class, f->pm);
    piix4_pm_class.settle(f->pm);
    seabios_setup(f);
    test_out(f->t, PM + 2, 2, PM1_PWRBTN);
    test_outb(f->t, 0xb2, PIIX4_ACPI_ENABLE);
    piix4_pm_power_button(f->pm);
    test_out(f->t, PM + PIIX4_GPOREG, 4, 0xcafe);
    g_assert_cmpint(f->t->irq.level[SCI], ==, 1);
    test_dev_roundtrip(&piix4_pm_class, f->pm, g->pm);
    piix4_pm_class.settle(g->pm);
    g_assert_cmpint(g->t->irq.level[SCI], ==, 1);
    g_assert_cmphex(test_in(g->t, PM + PIIX4_GPOREG, 4), ==, 0xcafe);
    g_assert_true(vtimer_pending(&g->pm->tmr));

    static const char *const fields[] = { "pmsts", "pmen", "pmcntrl" };
    static const uint16_t bad[] = { 0x0002, 0x0002, 0x2000 };
    char err[200];
    for (unsigned i = 0; i < ARRAY_SIZE(fields); i++) {
        struct vm_writer w;
        size_t n;
        g_assert_cmpint(vmw_begin(&w), ==, 0);
        vmw_node_begin(&w, "dev");
        vmw_u16(&w, fields[i], bad[i]);
        vmw_node_end(&w);
        void *blob = vmw_finish(&w, &n);
        g_assert_cmpint(test_dev_load(&piix4_pm_class, g->pm, blob, n, err, sizeof(err)), ==, -1);
        g_assert_nonnull(strstr(err, fields[i]));
        g_free(blob);
    }
    g_assert_cmphex(test_in(g->t, PM + 2, 2), ==, PM1_PWRBTN);
    fx_free(f);
    fx_free(g);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/piix4-pm/config", test_config);
    g_test_add_func("/piix4-pm/timer", test_timer);
    g_test_add_func("/piix4-pm/sleep", test_sleep);
    g_test_add_func("/piix4-pm/power-button-apm", test_power_button_apm);
    g_test_add_func("/piix4-pm/smbus", test_smbus);
    g_test_add_func("/piix4-pm/state", test_state);
    return g_test_run();
}
