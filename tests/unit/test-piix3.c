/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-piix3: PIIX3 function 0: PIRQ routing to ISA IRQs (including
 * re-routing while asserted and the reserved IRQs), the reset control
 * register at 0xcf9, register reset values, state save/load. */
#include <string.h>
#include "hw/pci/piix3.h"
#include "tests/support/testenv.h"

struct fx {
    struct test_env *t;
    struct pci_bus bus;
    struct piix3 *p;
};

static struct fx *fx_new(void)
{
    struct fx *f = g_new0(struct fx, 1);
    f->t = test_env_new(0);
    pci_bus_init(&f->bus, &f->t->io, &f->t->mem, &f->t->log);
    f->p = piix3_new(&f->t->env, &f->bus, PCI_DEVFN(1, 0));
    f->bus.set_irq = piix3_set_pirq;
    f->bus.opaque = f->p;
    for (int i = 0; i < 16; i++)
        test_irq_connect(f->t, &f->p->isa_irq[i], i);
    as_add(&f->t->io, &f->p->rcr, 0xcf9, 0);
    as_commit(&f->t->io);
    piix3_class.reset(f->p, RESET_COLD);
    piix3_class.settle(f->p);
    return f;
}

static void fx_free(struct fx *f)
{
    piix3_class.destroy(f->p);
    test_env_free(f->t);
    g_free(f);
}

static uint32_t rd(struct fx *f, unsigned off, unsigned size)
{
    return pci_bus_config_read(&f->bus, PCI_DEVFN(1, 0), off, size);
}

static void wr(struct fx *f, unsigned off, uint32_t v, unsigned size)
{
    pci_bus_config_write(&f->bus, PCI_DEVFN(1, 0), off, v, size);
}

static int levels(struct fx *f)
{
    int m = 0;
    for (int i = 0; i < 16; i++)
        m |= f->t->irq.level[i] << i;
    return m;
}

static void test_identity(void)
{
    struct fx *f = fx_new();
    g_assert_cmphex(rd(f, 0, 4), ==, 0x70008086);
    g_assert_cmphex(rd(f, 8, 4) >> 8, ==, 0x060100);
    g_assert_cmphex(rd(f, PCI_HEADER_TYPE, 1), ==, 0x80);
    g_assert_cmphex(rd(f, PCI_COMMAND, 2), ==, 0x0007);
    g_assert_cmphex(rd(f, PIIX3_PIRQRC, 4), ==, 0x80808080);
    g_assert_cmphex(rd(f, PIIX3_IORT, 1), ==, 0x4d);
    g_assert_cmphex(rd(f, PIIX3_XBCS, 2), ==, 0x0003);
    g_assert_cmphex(rd(f, PIIX3_TOM, 1), ==, 0x02);
    g_assert_cmphex(rd(f, PIIX3_MBIRQ0, 2), ==, 0x8080);
    g_assert_cmphex(rd(f, PIIX3_APICBASE, 1), ==, 0);
    g_assert_cmphex(rd(f, PIIX3_SMICNTL, 1), ==, 0x08);
    /* PIRQRC bits 6:4 are reserved. */
    wr(f, PIIX3_PIRQRC, 0xff, 1);
    g_assert_cmphex(rd(f, PIIX3_PIRQRC, 1), ==, 0x8f);
    fx_free(f);
}

static void test_routing(void)
{
    struct fx *f = fx_new();
    /* Disabled at reset: an asserted PIRQ goes nowhere. */
    piix3_set_pirq(f->p, 0, 1);
    g_assert_cmphex(levels(f), ==, 0);
    g_assert_cmpint(piix3_pirq_route(f->p, 0), ==, -1);
    /* SeaBIOS: A,B -> 10, C,D -> 11. */
    wr(f, PIIX3_PIRQRC, 0x0b0b0a0a, 4);
    g_assert_cmphex(levels(f), ==, 1 << 10);
    g_assert_cmpint(piix3_pirq_route(f->p, 3), ==, 11);
    /* Two PIRQs on one IRQ: wire-OR. */
    piix3_set_pirq(f->p, 1, 1);
    piix3_set_pirq(f->p, 0, 0);
    g_assert_cmphex(levels(f), ==, 1 << 10);
    piix3_set_pirq(f->p, 1, 0);
    g_assert_cmphex(levels(f), ==, 0);
    g_assert_cmpint(f->t->irq.lowers[10], ==, 1);
    /* Re-route while asserted: the level moves with the route. */
    piix3_set_pirq(f->p, 2, 1);
    g_assert_cmphex(levels(f), ==, 1 << 11);
    wr(f, PIIX3_PIRQRC + 2, 5, 1);
    g_assert_cmphex(levels(f), ==, 1 << 5);
    /* Reserved IRQs (0-2, 8, 13) are not routable. */
    static const uint8_t reserved[] = { 0, 1, 2, 8, 13 };
    for (unsigned i = 0; i < ARRAY_SIZE(reserved); i++) {
        wr(f, PIIX3_PIRQRC + 2, reserved[i], 1);
        g_assert_cmphex(levels(f), ==, 0);
    }
    wr(f, PIIX3_PIRQRC + 2, 15, 1);
    g_assert_cmphex(levels(f), ==, 1 << 15);
    /* Bit 7 disables. */
    wr(f, PIIX3_PIRQRC + 2, 0x8f, 1);
    g_assert_cmphex(levels(f), ==, 0);
    wr(f, PIIX3_PIRQRC + 2, 0x0f, 1);
    g_assert_cmphex(levels(f), ==, 1 << 15);
    /* Reset restores the registers silently; settle drives the outputs. */
    piix3_class.reset(f->p, RESET_WARM);
    g_assert_cmphex(levels(f), ==, 1 << 15);
    piix3_class.settle(f->p);
    g_assert_cmphex(levels(f), ==, 0);
    fx_free(f);
}

static void test_reset_control(void)
{
    struct fx *f = fx_new();
    struct test_env *t = f->t;
    g_assert_cmphex(test_inb(t, 0xcf9), ==, 0);
    /* SeaBIOS/Linux: 0x02 then 0x06 -> one hard reset. */
    test_outb(t, 0xcf9, 0x02);
    g_assert_cmpint(t->nrequests, ==, 0);
    g_assert_cmphex(test_inb(t, 0xcf9), ==, 0x02);
    test_outb(t, 0xcf9, 0x06);
    g_assert_cmpint(t->nrequests, ==, 1);
    g_assert_cmpint(t->last_request, ==, SYS_RESET);
    g_assert_cmpint(t->last_arg, ==, 1);
    /* Only a 0->1 transition of RCPU. */
    test_outb(t, 0xcf9, 0x06);
    g_assert_cmpint(t->nrequests, ==, 1);
    /* Soft reset. */
    test_outb(t, 0xcf9, 0x00);
    test_outb(t, 0xcf9, 0x04);
    g_assert_cmpint(t->nrequests, ==, 2);
    g_assert_cmpint(t->last_arg, ==, 0);
    /* Reserved bits read 0; the reset clears the register. */
    test_outb(t, 0xcf9, 0xf9);
    g_assert_cmphex(test_inb(t, 0xcf9), ==, 0x00);
    piix3_class.reset(f->p, RESET_WARM);
    g_assert_cmphex(test_inb(t, 0xcf9), ==, 0);
    fx_free(f);
}

static void test_state(void)
{
    struct fx *f = fx_new(), *g = fx_new();
    test_dev_reset_idempotent(&piix3_class, f->p);
    piix3_class.settle(f->p);
    wr(f, PIIX3_PIRQRC, 0x0b0b0a0a, 4);
    wr(f, PIIX3_APICBASE, 0x12, 1);
    piix3_set_pirq(f->p, 3, 1);
    test_outb(f->t, 0xcf9, 0x02);
    test_dev_roundtrip(&piix3_class, f->p, g->p);
    piix3_class.settle(g->p);
    g_assert_cmphex(levels(g), ==, 1 << 11);
    g_assert_cmphex(test_inb(g->t, 0xcf9), ==, 0x02);
    g_assert_cmphex(rd(g, PIIX3_APICBASE, 1), ==, 0x12);

    char err[200];
    size_t n;
    struct vm_writer w;
    g_assert_cmpint(vmw_begin(&w), ==, 0);
    vmw_node_begin(&w, "dev");
    vmw_u8(&w, "pirq-in", 0x10);
    vmw_node_end(&w);
    void *blob = vmw_finish(&w, &n);
    g_assert_cmpint(test_dev_load(&piix3_class, g->p, blob, n, err, sizeof(err)), ==, -1);
    g_assert_nonnull(strstr(err, "pirq-in"));
    g_free(blob);
    g_assert_cmpint(vmw_begin(&w), ==, 0);
    vmw_node_begin(&w, "dev");
    vmw_u8(&w, "rc", 0x01);
    vmw_node_end(&w);
    blob = vmw_finish(&w, &n);
    g_assert_cmpint(test_dev_load(&piix3_class, g->p, blob, n, err, sizeof(err)), ==, -1);
    g_free(blob);
    /* PIRQRC reserved bits in the stream. */
    uint8_t cfg[PCI_CONFIG_SIZE];
    memcpy(cfg, f->p->pci.config, sizeof(cfg));
    cfg[PIIX3_PIRQRC] |= 0x70;
    g_assert_cmpint(vmw_begin(&w), ==, 0);
    vmw_node_begin(&w, "dev");
    vmw_bytes(&w, "pci-config", cfg, sizeof(cfg));
    vmw_node_end(&w);
    blob = vmw_finish(&w, &n);
    g_assert_cmpint(test_dev_load(&piix3_class, g->p, blob, n, err, sizeof(err)), ==, -1);
    g_free(blob);
    g_assert_cmphex(rd(g, PIIX3_PIRQRC, 1), ==, 0x0a);
    fx_free(f);
    fx_free(g);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/piix3/identity", test_identity);
    g_test_add_func("/piix3/routing", test_routing);
    g_test_add_func("/piix3/reset-control", test_reset_control);
    g_test_add_func("/piix3/state", test_state);
    return g_test_run();
}
