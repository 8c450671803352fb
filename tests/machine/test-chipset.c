/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The chipset on the whole PC board with the test accelerator (no CPU):
 * PCI enumeration through 0xcf8/0xcfc, the PM function's I/O block sizing,
 * PAM over RAM and a real firmware image in all four modes, PIRQ routing of
 * a PCI function's INTx to ISA IRQs/GSIs (and re-routing while asserted),
 * the PM timer's rate on the manual clock, S5 power-off, the 0xcf9 reset,
 * what a firmware-less boot finds, and whole-machine save/load. */
#include <string.h>
#include <unistd.h>
#include "cpu/accel.h"
#include "cpu/test.h"
#include "hw/acpi/piix4_pm.h"
#include "hw/pc.h"
#include "hw/pci/i440fx.h"
#include "hw/pci/piix3.h"
#include "monitor/monitor.h"
#include "tests/support/board.h"

#define BIOS_SIZE (256 * KiB)

struct board {
    struct machine *m;
    struct pc *pc;
    char *bios_path;
};

static uint8_t bios_byte(uint64_t off)
{
    return (uint8_t)(off * 13 + (off >> 12));
}

static struct board *board_new(bool with_bios)
{
    struct board *b = g_new0(struct board, 1);
    b->m = tb_machine(64 * MiB, 1, NULL);
    struct pc_config cfg = { .rtc_base = 1577934245, .serial = { [0] = { true, NULL } } };
    if (with_bios) {
        uint8_t *img = g_malloc(BIOS_SIZE);
        for (uint64_t i = 0; i < BIOS_SIZE; i++)
            img[i] = bios_byte(i);
        int fd = g_file_open_tmp("hvemu-bios-XXXXXX", &b->bios_path, NULL);
        g_assert_cmpint(fd, >=, 0);
        close(fd);
        g_assert_true(g_file_set_contents(b->bios_path, (char *)img, BIOS_SIZE, NULL));
        g_free(img);
        cfg.bios = b->bios_path;
    }
    b->pc = tb_pc(b->m, &cfg);
    return b;
}

static void board_free(struct board *b)
{
    machine_free(b->m);
    if (b->bios_path) {
        unlink(b->bios_path);
        g_free(b->bios_path);
    }
    g_free(b);
}

static uint64_t in(struct board *b, uint16_t port, unsigned size)
{
    return tb_in(b->m, port, size);
}

static void out(struct board *b, uint16_t port, unsigned size, uint64_t v)
{
    tb_out(b->m, port, size, v);
}

static uint64_t rdm(struct board *b, uint64_t a, unsigned size)
{
    return tb_rdm(b->m, a, size);
}

static void wrm(struct board *b, uint64_t a, unsigned size, uint64_t v)
{
    tb_wrm(b->m, a, size, v);
}

static uint32_t cfg_rd(struct board *b, unsigned devfn, unsigned reg, unsigned size)
{
    out(b, 0xcf8, 4, 0x80000000u | devfn << 8 | (reg & 0xfc));
    return (uint32_t)in(b, 0xcfc + (reg & 3), size);
}

static void cfg_wr(struct board *b, unsigned devfn, unsigned reg, uint32_t v, unsigned size)
{
    out(b, 0xcf8, 4, 0x80000000u | devfn << 8 | (reg & 0xfc));
    out(b, 0xcfc + (reg & 3), size, v);
}

static int gsi(struct board *b, int n)
{
    return ((struct test_accel *)b->m->accel_state)->gsi_level[n];
}

static void test_enumeration(void)
{
    struct board *b = board_new(true);
    static const struct {
        uint8_t devfn;
        uint32_t id, class_rev;
        uint8_t header;
    } want[] = {
        { PCI_DEVFN(0, 0), 0x12378086, 0x06000002, 0x00 },
        { PCI_DEVFN(1, 0), 0x70008086, 0x06010000, 0x80 },
        { PCI_DEVFN(1, 3), 0x71138086, 0x06800003, 0x00 },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
        g_assert_cmphex(cfg_rd(b, want[i].devfn, 0, 4), ==, want[i].id);
        g_assert_cmphex(cfg_rd(b, want[i].devfn, 8, 4), ==, want[i].class_rev);
        g_assert_cmphex(cfg_rd(b, want[i].devfn, PCI_HEADER_TYPE, 1), ==, want[i].header);
    }
    /* A scan the way firmware does it: slots absent read all-ones. */
    unsigned found = 0;
    for (unsigned devfn = 0; devfn < 256; devfn++)
        if (cfg_rd(b, devfn, 0, 2) != 0xffff)
            found++;
    g_assert_cmpuint(found, >=, 3);
    g_assert_cmphex(cfg_rd(b, PCI_DEVFN(31, 0), 0, 4), ==, 0xffffffff);
    g_assert_cmphex(cfg_rd(b, PCI_DEVFN(0, 1), 0, 4), ==, 0xffffffff);
    g_assert_cmphex(cfg_rd(b, PCI_DEVFN(1, 7), 0, 4), ==, 0xffffffff);
    /* Bus 1 does not exist. */
    out(b, 0xcf8, 4, 0x80010000);
    g_assert_cmphex(in(b, 0xcfc, 4), ==, 0xffffffff);
    board_free(b);
}

static void test_pm_block_sizing(void)
{
    struct board *b = board_new(true);
    unsigned pm = PCI_DEVFN(1, 3);
    /* PMBA sizes like an I/O BAR: 64 bytes. */
    cfg_wr(b, pm, PIIX4_PMBA, 0xffffffff, 4);
    uint32_t v = cfg_rd(b, pm, PIIX4_PMBA, 4);
    g_assert_cmphex(v, ==, 0x0000ffc1);
    g_assert_cmpuint((~(v & 0xfffc) & 0xffff) + 1, ==, PIIX4_PMIO_SIZE);
    cfg_wr(b, pm, PIIX4_SMBBA, 0xffffffff, 4);
    g_assert_cmphex(cfg_rd(b, pm, PIIX4_SMBBA, 4), ==, 0x0000fff1);
    /* SeaBIOS's placement; the block appears where programmed. */
    cfg_wr(b, pm, PIIX4_PMBA, PIIX4_PM_BASE_DEFAULT | 1, 4);
    g_assert_cmphex(in(b, PIIX4_PM_TMR_BLK, 4), ==, 0xffffffff);
    cfg_wr(b, pm, PIIX4_PMREGMISC, 1, 1);
    g_assert_cmphex(in(b, PIIX4_PM1A_CNT_BLK, 2), ==, 0);
    board_free(b);
}

static void test_pam(void)
{
    struct board *b = board_new(true);
    unsigned h = PCI_DEVFN(0, 0);
    uint8_t *ram = b->m->ram;
    uint64_t rom = BIOS_SIZE - 128 * KiB; /* image offset of 0xE0000 */
    /* Reset: the ISA alias of the image's last 128 KiB; the reset vector
     * reads the same bytes at both ends. */
    g_assert_cmphex(rdm(b, 0xFFFF0, 4), ==, rdm(b, 0xFFFFFFF0ULL, 4));
    g_assert_cmphex(rdm(b, 0xE0123, 1), ==, bios_byte(rom + 0x123));
    g_assert_cmphex(rdm(b, 0xC0000, 4), ==, 0xffffffff);
    ram[0xF0100] = 0xaa;
    /* 00: ROM, writes lost. */
    wrm(b, 0xF0100, 1, 0x55);
    g_assert_cmphex(rdm(b, 0xF0100, 1), ==, bios_byte(rom + 0x10100));
    g_assert_cmphex(ram[0xF0100], ==, 0xaa);
    /* 10: the shadow copy: read ROM, write RAM. */
    cfg_wr(b, h, I440FX_PAM0, 0x20, 1);
    for (uint64_t a = 0xF0000; a < 0xF0010; a += 4)
        wrm(b, a, 4, rdm(b, a, 4));
    g_assert_cmphex(ram[0xF0003], ==, bios_byte(rom + 0x10003));
    g_assert_cmphex(rdm(b, 0xF0100, 1), ==, bios_byte(rom + 0x10100));
    /* 11: RAM. */
    cfg_wr(b, h, I440FX_PAM0, 0x30, 1);
    g_assert_cmphex(rdm(b, 0xF0100, 1), ==, 0xaa);
    wrm(b, 0xF0100, 1, 0x5a);
    g_assert_cmphex(ram[0xF0100], ==, 0x5a);
    /* 01: read-only RAM. */
    cfg_wr(b, h, I440FX_PAM0, 0x10, 1);
    wrm(b, 0xF0100, 1, 0x11);
    g_assert_cmphex(rdm(b, 0xF0100, 1), ==, 0x5a);
    /* C segment in RAM mode is plain RAM; read-only after. */
    cfg_wr(b, h, I440FX_PAM0 + 1, 0x03, 1);
    wrm(b, 0xC0000, 4, 0x12345678);
    g_assert_cmphex(rdm(b, 0xC0000, 4), ==, 0x12345678);
    cfg_wr(b, h, I440FX_PAM0 + 1, 0x01, 1);
    wrm(b, 0xC0000, 4, 0);
    g_assert_cmphex(rdm(b, 0xC0000, 4), ==, 0x12345678);
    /* A warm reset (0xcf9) puts the ROM back, as hardware does. */
    out(b, 0xcf9, 1, 0x02);
    out(b, 0xcf9, 1, 0x06);
    g_assert_cmpuint(atomic_load(&b->m->requests) & REQ_RESET, !=, 0);
    machine_reset_devices(b->m, RESET_WARM);
    g_assert_cmphex(rdm(b, 0xF0100, 1), ==, bios_byte(rom + 0x10100));
    board_free(b);
}

struct tfn {
    struct pci_dev pci;
};

static void test_pirq(void)
{
    struct board *b = board_new(true);
    struct pci_bus *bus = pc_pci_bus(b->pc);
    struct tfn *f = g_new0(struct tfn, 1);
    /* Slot 5, INTA# -> PIRQ (5 + 1 - 1) & 3 = B. */
    g_assert_cmpint(pci_dev_init(&f->pci, bus, PCI_DEVFN(5, 0), "tfn", 0x1234, 0x1111, 0xff0000,
                                 0, NULL), ==, 0);
    pci_set_interrupt_pin(&f->pci, PCI_INTA);
    unsigned isa = PCI_DEVFN(1, 0);
    machine_lock(b->m);
    pci_set_irq(&f->pci, 1);
    machine_unlock(b->m);
    for (int i = 0; i < 16; i++)
        g_assert_cmpint(gsi(b, i), ==, 0); /* PIRQRC disabled at reset */
    cfg_wr(b, isa, PIIX3_PIRQRC + 1, 11, 1);
    g_assert_cmpint(gsi(b, 11), ==, 1);
    /* Re-route while asserted. */
    cfg_wr(b, isa, PIIX3_PIRQRC + 1, 10, 1);
    g_assert_cmpint(gsi(b, 11), ==, 0);
    g_assert_cmpint(gsi(b, 10), ==, 1);
    /* Two functions on one PIRQ (slot 6 INTD# -> (6 + 4 - 1) & 3 = B):
     * wire-OR. */
    struct tfn *g = g_new0(struct tfn, 1);
    g_assert_cmpint(pci_dev_init(&g->pci, bus, PCI_DEVFN(6, 0), "tfn2", 0x1234, 0x2222, 0xff0000,
                                 0, NULL), ==, 0);
    pci_set_interrupt_pin(&g->pci, PCI_INTD);
    machine_lock(b->m);
    pci_set_irq(&g->pci, 1);
    pci_set_irq(&f->pci, 0);
    machine_unlock(b->m);
    g_assert_cmpint(gsi(b, 10), ==, 1);
    /* INTx disable in the function's command register, through 0xcfc. */
    cfg_wr(b, PCI_DEVFN(6, 0), PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, 2);
    g_assert_cmpint(gsi(b, 10), ==, 0);
    g_assert_cmphex(cfg_rd(b, PCI_DEVFN(6, 0), PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, ==,
                    PCI_STATUS_INTERRUPT);
    /* Disabled PIRQ: nothing. */
    cfg_wr(b, PCI_DEVFN(6, 0), PCI_COMMAND, 0, 2);
    g_assert_cmpint(gsi(b, 10), ==, 1);
    cfg_wr(b, isa, PIIX3_PIRQRC + 1, 0x8a, 1);
    g_assert_cmpint(gsi(b, 10), ==, 0);
    /* A PIRQ shares ISA IRQ 4 with COM1: the line is the OR of both. */
    cfg_wr(b, isa, PIIX3_PIRQRC + 1, 4, 1);
    g_assert_cmpint(gsi(b, 4), ==, 1);
    out(b, 0x3f8 + 4, 1, 0x08); /* MCR.OUT2 gates the UART's IRQ */
    out(b, 0x3f8 + 1, 1, 0x02); /* IER.ETBEI: THR empty -> interrupt */
    machine_lock(b->m);
    pci_set_irq(&g->pci, 0);
    machine_unlock(b->m);
    g_assert_cmpint(gsi(b, 4), ==, 1);
    out(b, 0x3f8 + 1, 1, 0x00);
    g_assert_cmpint(gsi(b, 4), ==, 0);
    machine_lock(b->m);
    pci_set_irq(&g->pci, 1);
    machine_unlock(b->m);
    g_assert_cmpint(gsi(b, 4), ==, 1);
    pci_dev_remove(&f->pci);
    pci_dev_remove(&g->pci);
    g_free(f);
    g_free(g);
    board_free(b);
}

static void test_pm(void)
{
    struct board *b = board_new(true);
    unsigned pm = PCI_DEVFN(1, 3);
    cfg_wr(b, pm, PIIX4_PMBA, PIIX4_PM_BASE_DEFAULT | 1, 4);
    cfg_wr(b, pm, PIIX4_PMREGMISC, 1, 1);
    /* Rate: 3.579545 MHz on the virtual clock. */
    uint32_t a = (uint32_t)in(b, PIIX4_PM_TMR_BLK, 4);
    machine_lock(b->m);
    vclock_step(&b->m->clock, 2 * NS_PER_SEC);
    machine_unlock(b->m);
    uint32_t c = (uint32_t)in(b, PIIX4_PM_TMR_BLK, 4);
    g_assert_cmpuint((c - a) & 0xffffff, ==, (2 * PIIX4_PM_TIMER_HZ) & 0xffffff);
    /* The SCI reaches GSI 9: ACPI on, power button. */
    out(b, PIIX4_SMI_CMD_PORT, 1, PIIX4_ACPI_ENABLE);
    out(b, PIIX4_PM1A_EVT_BLK + 2, 2, PM1_PWRBTN);
    g_assert_cmpint(gsi(b, PIIX4_SCI_IRQ), ==, 0);
    machine_lock(b->m);
    piix4_pm_power_button((struct piix4_pm *)machine_find_device(b->m, "piix4_pm")->dev);
    machine_unlock(b->m);
    g_assert_cmpint(gsi(b, PIIX4_SCI_IRQ), ==, 1);
    out(b, PIIX4_PM1A_EVT_BLK, 2, PM1_PWRBTN);
    g_assert_cmpint(gsi(b, PIIX4_SCI_IRQ), ==, 0);
    /* S5. */
    atomic_store(&b->m->requests, 0);
    out(b, PIIX4_PM1A_CNT_BLK, 2, PMCNT_SUS_EN | PIIX4_SLP_TYP_S5 << PMCNT_SUS_TYP_SHIFT | 1);
    g_assert_cmpuint(atomic_load(&b->m->requests), ==, REQ_POWEROFF);
    board_free(b);
}

static void test_firmwareless(void)
{
    /* -kernel without firmware: the board does what SeaBIOS would. */
    struct board *b = board_new(false);
    g_assert_cmphex(cfg_rd(b, PCI_DEVFN(0, 0), 0x58, 4) >> 8, ==, 0x333330);
    g_assert_cmphex(cfg_rd(b, PCI_DEVFN(0, 0), 0x5c, 4), ==, 0x33333333);
    g_assert_cmphex(in(b, PIIX4_PM1A_CNT_BLK, 2), ==, 0);
    wrm(b, 0xF0000, 4, 0xfeedf00d);
    g_assert_cmphex(b->m->ram[0xF0000], ==, 0x0d);
    /* And again after a reset. */
    machine_reset_devices(b->m, RESET_WARM);
    g_assert_cmphex(cfg_rd(b, PCI_DEVFN(1, 3), PIIX4_PMBA, 4), ==, PIIX4_PM_BASE_DEFAULT | 1);
    g_assert_cmphex(rdm(b, 0xF0000, 4), ==, 0xfeedf00d);
    board_free(b);
}

static void test_save_load(void)
{
    struct board *b = board_new(true), *c = board_new(true);
    cfg_wr(b, PCI_DEVFN(0, 0), I440FX_PAM0, 0x10, 1);
    cfg_wr(b, PCI_DEVFN(1, 0), PIIX3_PIRQRC, 0x0b0b0a0a, 4);
    cfg_wr(b, PCI_DEVFN(1, 3), PIIX4_PMBA, 0x601, 4);
    cfg_wr(b, PCI_DEVFN(1, 3), PIIX4_PMREGMISC, 1, 1);
    b->m->ram[0xF0000] = 0x77;
    c->m->ram[0xF0000] = 0x77;
    size_t n;
    void *blob = machine_save_devices(b->m, &n);
    g_assert_nonnull(blob);
    char *err = NULL;
    g_assert_cmpint(machine_load_devices(c->m, blob, n, &err), ==, 0);
    g_assert_cmphex(rdm(c, 0xF0000, 1), ==, 0x77);
    g_assert_cmphex(cfg_rd(c, PCI_DEVFN(1, 0), PIIX3_PIRQRC, 4), ==, 0x0b0b0a0a);
    g_assert_cmphex(in(c, 0x604, 2), ==, 0);
    g_free(blob);
    board_free(b);
    board_free(c);
}

static void test_info_pci(void)
{
    struct board *b = board_new(true);
    struct monitor *mon = monitor_new(b->m);
    machine_lock(b->m);
    char *outp = monitor_hmp_command(mon, "info pci");
    machine_unlock(b->m);
    g_assert_nonnull(strstr(outp, "  Bus  0, device   0, function 0:\n    Class 0600: PCI device 8086:1237\n"));
    g_assert_nonnull(strstr(outp, "  Bus  0, device   1, function 0:\n    Class 0601: PCI device 8086:7000\n"));
    g_assert_nonnull(strstr(outp, "  Bus  0, device   1, function 3:\n    Class 0680: PCI device 8086:7113\n"
                                  "      IRQ 0, pin A\n"));
    g_free(outp);
    monitor_free(mon);
    board_free(b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/chipset/enumeration", test_enumeration);
    g_test_add_func("/chipset/pm-block-sizing", test_pm_block_sizing);
    g_test_add_func("/chipset/pam", test_pam);
    g_test_add_func("/chipset/pirq", test_pirq);
    g_test_add_func("/chipset/pm", test_pm);
    g_test_add_func("/chipset/firmwareless", test_firmwareless);
    g_test_add_func("/chipset/save-load", test_save_load);
    g_test_add_func("/chipset/info-pci", test_info_pci);
    return g_test_run();
}
