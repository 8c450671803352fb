/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the I/O APIC, programmed through its MMIO window at
 * 0xFEC00000 as Linux programs it, delivering into real LAPICs on an APIC
 * bus. */
#include <string.h>
#include "hw/intc/ioapic.h"
#include "hw/intc/lapic.h"
#include "tests/support/testenv.h"

#define BASE IOAPIC_DEFAULT_BASE

struct rec {
    struct cpu_link link;
    unsigned nmi, intr;
};

struct fx {
    struct test_env *t;
    struct apic_bus *bus;
    struct ioapic *io;
    struct lapic *a[2];
    struct rec rec[2];
    int pic_acks;
};

static void rec_signal(void *cpu, unsigned sig, uint8_t vector)
{
    struct rec *r = cpu;
    (void)vector;
    r->nmi += !!(sig & CPU_SIG_NMI);
    r->intr += !!(sig & CPU_SIG_INTR);
}

static uint8_t fake_pic_ack(void *opaque)
{
    struct fx *f = opaque;
    f->pic_acks++;
    return 0x30;
}

static struct fx *setup(void)
{
    struct fx *f = g_new0(struct fx, 1);
    f->t = test_env_new(0);
    f->bus = apic_bus_new(&f->t->log);
    for (int i = 0; i < 2; i++) {
        f->rec[i].link = (struct cpu_link){ .signal = rec_signal, .cpu = &f->rec[i] };
        struct lapic_config c = {
            .apic_id = (uint32_t)i,
            .bsp = i == 0,
            .bus = f->bus,
            .link = &f->rec[i].link,
            .extint_ack = fake_pic_ack,
            .extint_opaque = f,
        };
        f->a[i] = lapic_new(&f->t->env, &c);
        lapic_ops.mmio_write(f->a[i], LAPIC_SVR, 0x1FF, 4);
        lapic_ops.mmio_write(f->a[i], LAPIC_LDR, (1u << i) << 24, 4);
    }
    f->io = ioapic_new(&f->t->env, f->bus);
    as_add(&f->t->mem, &f->io->region, BASE, 0);
    as_commit(&f->t->mem);
    ioapic_class.reset(f->io, RESET_COLD);
    return f;
}

static void teardown(struct fx *f)
{
    ioapic_class.destroy(f->io);
    for (int i = 0; i < 2; i++)
        lapic_class.destroy(f->a[i]);
    apic_bus_free(f->bus);
    test_env_free(f->t);
    g_free(f);
}

static uint32_t io_rd(struct fx *f, uint8_t reg)
{
    test_writem(f->t, BASE + IOAPIC_IOREGSEL, 4, reg);
    return (uint32_t)test_readm(f->t, BASE + IOAPIC_IOWIN, 4);
}

static void io_wr(struct fx *f, uint8_t reg, uint32_t v)
{
    test_writem(f->t, BASE + IOAPIC_IOREGSEL, 4, reg);
    test_writem(f->t, BASE + IOAPIC_IOWIN, 4, v);
}

/* Linux writes the high half first, then the low half. */
static void set_rte(struct fx *f, unsigned pin, uint64_t e)
{
    io_wr(f, (uint8_t)(IOAPIC_REG_REDTBL + 2 * pin + 1), (uint32_t)(e >> 32));
    io_wr(f, (uint8_t)(IOAPIC_REG_REDTBL + 2 * pin), (uint32_t)e);
}

static uint64_t get_rte(struct fx *f, unsigned pin)
{
    uint64_t hi = io_rd(f, (uint8_t)(IOAPIC_REG_REDTBL + 2 * pin + 1));
    return hi << 32 | io_rd(f, (uint8_t)(IOAPIC_REG_REDTBL + 2 * pin));
}

static bool irr(struct lapic *a, unsigned v)
{
    return lapic_ops.mmio_read(a, LAPIC_IRR + (v / 32) * 16, 4) >> (v % 32) & 1;
}

static bool tmr(struct lapic *a, unsigned v)
{
    return lapic_ops.mmio_read(a, LAPIC_TMR + (v / 32) * 16, 4) >> (v % 32) & 1;
}

static void take(struct lapic *a, uint8_t v)
{
    g_assert_cmphex(lapic_ops.intr_ack(a), ==, v);
}

static void lapic_eoi(struct lapic *a)
{
    lapic_ops.mmio_write(a, LAPIC_EOI, 0, 4);
}

#define DEST(id) ((uint64_t)(id) << IOAPIC_RTE_DEST_SHIFT)

static void test_registers(void)
{
    struct fx *f = setup();
    g_assert_cmphex(io_rd(f, IOAPIC_REG_VER), ==, 0x00170020);
    g_assert_cmphex(io_rd(f, IOAPIC_REG_ID), ==, 0);
    io_wr(f, IOAPIC_REG_ID, 0xFF123456);
    g_assert_cmphex(io_rd(f, IOAPIC_REG_ID), ==, 0x0F000000);
    g_assert_cmphex(io_rd(f, IOAPIC_REG_ARB), ==, 0x0F000000); /* loaded from the ID */
    io_wr(f, IOAPIC_REG_VER, 0);
    io_wr(f, IOAPIC_REG_ARB, 0);
    g_assert_cmphex(io_rd(f, IOAPIC_REG_VER), ==, 0x00170020);
    g_assert_cmphex(io_rd(f, IOAPIC_REG_ARB), ==, 0x0F000000);
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
        g_assert_cmphex(get_rte(f, pin), ==, IOAPIC_RTE_MASKED);
    /* Delivery status, remote IRR and bits 55:17 are not writable. */
    set_rte(f, 3, 0xFFFFFFFFFFFFFFFFULL);
    g_assert_cmphex(get_rte(f, 3), ==, 0xFF0000000001AFFFULL);
    /* IOREGSEL reads back; undefined registers read 0. */
    test_writem(f->t, BASE + IOAPIC_IOREGSEL, 4, 0x40);
    g_assert_cmphex(test_readm(f->t, BASE + IOAPIC_IOREGSEL, 4), ==, 0x40);
    g_assert_cmphex(io_rd(f, 0x40), ==, 0);
    g_assert_cmphex(io_rd(f, 0x03), ==, 0);
    /* Byte access through the dispatcher (widened to 32 bits). */
    test_writem(f->t, BASE + IOAPIC_IOREGSEL, 1, IOAPIC_REG_VER);
    g_assert_cmphex(test_readm(f->t, BASE + IOAPIC_IOWIN, 1), ==, 0x20);
    g_assert_cmphex(test_readm(f->t, BASE + IOAPIC_IOWIN + 2, 1), ==, 0x17);
    /* The reset ID for boards whose tables name another. */
    ioapic_set_reset_id(f->io, 2);
    ioapic_class.reset(f->io, RESET_WARM);
    g_assert_cmphex(io_rd(f, IOAPIC_REG_ID), ==, 0x02000000);
    g_assert_cmphex(get_rte(f, 3), ==, IOAPIC_RTE_MASKED);
    teardown(f);
}

static void test_edge(void)
{
    struct fx *f = setup();
    set_rte(f, 2, DEST(1) | 0x31);
    ioapic_set_irq(f->io, 2, 1);
    g_assert_true(irr(f->a[1], 0x31));
    g_assert_false(irr(f->a[0], 0x31));
    g_assert_false(tmr(f->a[1], 0x31));
    take(f->a[1], 0x31);
    ioapic_set_irq(f->io, 2, 1); /* no edge */
    g_assert_false(irr(f->a[1], 0x31));
    ioapic_set_irq(f->io, 2, 0);
    ioapic_set_irq(f->io, 2, 1);
    g_assert_true(irr(f->a[1], 0x31));
    lapic_eoi(f->a[1]);
    take(f->a[1], 0x31);
    lapic_eoi(f->a[1]);
    ioapic_set_irq(f->io, 2, 0);
    /* Masked edges are lost, also after unmasking. */
    set_rte(f, 2, IOAPIC_RTE_MASKED | DEST(1) | 0x31);
    ioapic_set_irq(f->io, 2, 1);
    set_rte(f, 2, DEST(1) | 0x31);
    g_assert_false(irr(f->a[1], 0x31));
    ioapic_set_irq(f->io, 2, 0);
    /* Active low: the falling edge asserts. */
    set_rte(f, 4, IOAPIC_RTE_ACTIVE_LOW | DEST(0) | 0x32);
    ioapic_set_irq(f->io, 4, 1);
    g_assert_false(irr(f->a[0], 0x32));
    ioapic_set_irq(f->io, 4, 0);
    g_assert_true(irr(f->a[0], 0x32));
    /* Pins out of range are ignored. */
    ioapic_set_irq(f->io, 24, 1);
    ioapic_set_irq(f->io, 1000, 1);
    teardown(f);
}

static void test_level_eoi_broadcast(void)
{
    struct fx *f = setup();
    uint64_t e = IOAPIC_RTE_LEVEL | IOAPIC_RTE_ACTIVE_LOW | DEST(0) | 0x41;
    ioapic_set_irq(f->io, 11, 1); /* a PCI INTx line: idle high */
    set_rte(f, 11, e);            /* level, active low */
    g_assert_false(irr(f->a[0], 0x41));
    ioapic_set_irq(f->io, 11, 0); /* asserted */
    g_assert_true(irr(f->a[0], 0x41));
    g_assert_true(tmr(f->a[0], 0x41));
    g_assert_cmphex(get_rte(f, 11), ==, e | IOAPIC_RTE_REMOTE_IRR);
    take(f->a[0], 0x41);
    /* Still asserted (the handler has not quietened the device): the EOI
     * broadcast clears remote IRR and the interrupt comes again. */
    lapic_eoi(f->a[0]);
    g_assert_true(irr(f->a[0], 0x41));
    g_assert_cmphex(get_rte(f, 11), ==, e | IOAPIC_RTE_REMOTE_IRR);
    take(f->a[0], 0x41);
    /* Now the device deasserts before the EOI: no re-delivery. */
    ioapic_set_irq(f->io, 11, 1);
    g_assert_cmphex(get_rte(f, 11), ==, e | IOAPIC_RTE_REMOTE_IRR);
    lapic_eoi(f->a[0]);
    g_assert_cmphex(get_rte(f, 11), ==, e);
    g_assert_false(irr(f->a[0], 0x41));
    /* While remote IRR is set a re-assert is held, then delivered. */
    ioapic_set_irq(f->io, 11, 0);
    take(f->a[0], 0x41);
    ioapic_set_irq(f->io, 11, 1);
    ioapic_set_irq(f->io, 11, 0);
    g_assert_false(irr(f->a[0], 0x41));
    lapic_eoi(f->a[0]);
    g_assert_true(irr(f->a[0], 0x41));
    teardown(f);
}

static void test_mask_unmask_level(void)
{
    struct fx *f = setup();
    uint64_t e = IOAPIC_RTE_LEVEL | DEST(1) | 0x51;
    set_rte(f, 9, e | IOAPIC_RTE_MASKED);
    ioapic_set_irq(f->io, 9, 1);
    g_assert_false(irr(f->a[1], 0x51));
    set_rte(f, 9, e); /* unmasking an asserted level input delivers */
    g_assert_true(irr(f->a[1], 0x51));
    g_assert_cmphex(get_rte(f, 9), ==, e | IOAPIC_RTE_REMOTE_IRR);
    /* Writing the entry again keeps remote IRR (read-only). */
    set_rte(f, 9, e);
    g_assert_cmphex(get_rte(f, 9), ==, e | IOAPIC_RTE_REMOTE_IRR);
    /* Linux's fix for a stale remote IRR on old IOAPICs: flip to edge. */
    set_rte(f, 9, (e & ~IOAPIC_RTE_LEVEL) | IOAPIC_RTE_MASKED);
    g_assert_cmphex(get_rte(f, 9) & IOAPIC_RTE_REMOTE_IRR, ==, 0);
    teardown(f);
}

static void test_eoi_register(void)
{
    struct fx *f = setup();
    uint64_t e = IOAPIC_RTE_LEVEL | DEST(0) | 0x61;
    set_rte(f, 5, e);
    set_rte(f, 6, IOAPIC_RTE_LEVEL | DEST(1) | 0x62);
    ioapic_set_irq(f->io, 5, 1);
    ioapic_set_irq(f->io, 6, 1);
    g_assert_cmphex(get_rte(f, 5), ==, e | IOAPIC_RTE_REMOTE_IRR);
    take(f->a[1], 0x62);
    take(f->a[0], 0x61);
    /* Only the matching vector's remote IRR clears; the line is still high
     * so it is delivered again. */
    test_writem(f->t, BASE + IOAPIC_EOI, 4, 0x61);
    g_assert_true(irr(f->a[0], 0x61));
    g_assert_false(irr(f->a[1], 0x62));
    g_assert_cmphex(get_rte(f, 6) & IOAPIC_RTE_REMOTE_IRR, !=, 0);
    ioapic_set_irq(f->io, 5, 0);
    test_writem(f->t, BASE + IOAPIC_EOI, 4, 0x61);
    g_assert_cmphex(get_rte(f, 5), ==, e);
    teardown(f);
}

static void test_destinations_and_modes(void)
{
    struct fx *f = setup();
    /* Logical flat, lowest priority to both CPUs (Windows): CPU 0 has a
     * higher TPR, so CPU 1 takes it. */
    lapic_ops.mmio_write(f->a[0], LAPIC_TPR, 0x20, 4);
    set_rte(f, 1, IOAPIC_RTE_LOGICAL | (uint64_t)APIC_DM_LOWEST << 8 | DEST(3) | 0x71);
    ioapic_set_irq(f->io, 1, 1);
    g_assert_true(irr(f->a[1], 0x71));
    g_assert_false(irr(f->a[0], 0x71));
    /* Logical fixed to both. */
    set_rte(f, 7, IOAPIC_RTE_LOGICAL | DEST(3) | 0x72);
    ioapic_set_irq(f->io, 7, 1);
    g_assert_true(irr(f->a[0], 0x72) && irr(f->a[1], 0x72));
    /* NMI. */
    set_rte(f, 8, (uint64_t)APIC_DM_NMI << 8 | DEST(1));
    ioapic_set_irq(f->io, 8, 1);
    g_assert_cmpuint(f->rec[1].nmi, ==, 1);
    g_assert_cmpuint(f->rec[0].nmi, ==, 0);
    /* ExtINT (virtual wire through the IOAPIC): the INTA goes to the 8259. */
    set_rte(f, 0, (uint64_t)APIC_DM_EXTINT << 8 | DEST(0));
    ioapic_set_irq(f->io, 0, 1);
    g_assert_true(lapic_ops.intr_pending(f->a[0]));
    take(f->a[0], 0x30);
    g_assert_cmpint(f->pic_acks, ==, 1);
    /* Reserved delivery modes deliver nothing. */
    set_rte(f, 12, 3ULL << 8 | DEST(0) | 0x73);
    ioapic_set_irq(f->io, 12, 1);
    g_assert_false(irr(f->a[0], 0x73));
    teardown(f);
}

static void test_disabled_lapic_no_remote_irr(void)
{
    struct fx *f = setup();
    /* Nobody accepts (software-disabled LAPIC): remote IRR stays clear so
     * the pin is not wedged, and it delivers once the LAPIC is enabled and
     * the entry is rewritten. */
    lapic_ops.mmio_write(f->a[1], LAPIC_SVR, 0xFF, 4);
    uint64_t e = IOAPIC_RTE_LEVEL | DEST(1) | 0x81;
    set_rte(f, 10, e);
    ioapic_set_irq(f->io, 10, 1);
    g_assert_false(irr(f->a[1], 0x81));
    g_assert_cmphex(get_rte(f, 10), ==, e);
    lapic_ops.mmio_write(f->a[1], LAPIC_SVR, 0x1FF, 4);
    set_rte(f, 10, e);
    g_assert_true(irr(f->a[1], 0x81));
    teardown(f);
}

static void test_no_bus(void)
{
    struct test_env *t = test_env_new(0);
    struct ioapic *io = ioapic_new(&t->env, NULL);
    io->rte[0] = IOAPIC_RTE_LEVEL | 0x40;
    ioapic_set_irq(io, 0, 1);
    g_assert_cmphex(io->rte[0] & IOAPIC_RTE_REMOTE_IRR, ==, 0);
    ioapic_class.destroy(io);
    test_env_free(t);
}

static void test_generic(void)
{
    struct fx *f = setup();
    set_rte(f, 3, IOAPIC_RTE_LEVEL | DEST(0) | 0x44);
    set_rte(f, 4, IOAPIC_RTE_ACTIVE_LOW | DEST(1) | 0x45);
    ioapic_set_irq(f->io, 3, 1);
    ioapic_set_irq(f->io, 4, 1);
    io_wr(f, IOAPIC_REG_ID, 0x03000000);
    struct ioapic *fresh = ioapic_new(&f->t->env, NULL);
    test_dev_roundtrip(&ioapic_class, f->io, fresh);
    g_assert_cmphex(fresh->rte[3], ==, IOAPIC_RTE_LEVEL | IOAPIC_RTE_REMOTE_IRR | DEST(0) | 0x44);
    g_assert_cmphex(fresh->pin_level, ==, 0x18);
    test_dev_reset_idempotent(&ioapic_class, fresh);
    g_assert_cmphex(fresh->pin_level, ==, 0x18); /* inputs survive reset */
    ioapic_class.destroy(fresh);
    teardown(f);
}

static void expect_reject(struct ioapic *io, const char *field, const void *val, size_t len)
{
    struct vm_writer w;
    g_assert_cmpint(vmw_begin(&w), ==, 0);
    vmw_node_begin(&w, "dev");
    vmw_bytes(&w, field, val, len);
    vmw_node_end(&w);
    size_t n;
    void *blob = vmw_finish(&w, &n);
    char err[200];
    g_assert_cmpint(test_dev_load(&ioapic_class, io, blob, n, err, sizeof(err)), ==, -1);
    g_assert_nonnull(strstr(err, field));
    g_free(blob);
}

static void test_load_rejects(void)
{
    struct fx *f = setup();
    uint8_t id = 0x10;
    expect_reject(f->io, "id", &id, 1);
    expect_reject(f->io, "arb_id", &id, 1);
    uint8_t lvl[4] = { 0x01, 0, 0, 0 }; /* pin 24 (big-endian) */
    expect_reject(f->io, "pin_level", lvl, 4);
    uint8_t rte[8 * IOAPIC_PINS];
    memset(rte, 0, sizeof(rte));
    st64(rte + 8 * 5, BIT(20)); /* reserved bit */
    expect_reject(f->io, "rte", rte, sizeof(rte));
    memset(rte, 0, sizeof(rte));
    st64(rte + 8 * 5, IOAPIC_RTE_REMOTE_IRR); /* remote IRR on an edge entry */
    expect_reject(f->io, "rte", rte, sizeof(rte));
    expect_reject(f->io, "rte", rte, 16);
    g_assert_cmphex(get_rte(f, 5), ==, IOAPIC_RTE_MASKED);
    teardown(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ioapic/registers", test_registers);
    g_test_add_func("/ioapic/edge", test_edge);
    g_test_add_func("/ioapic/level-eoi-broadcast", test_level_eoi_broadcast);
    g_test_add_func("/ioapic/mask-unmask-level", test_mask_unmask_level);
    g_test_add_func("/ioapic/eoi-register", test_eoi_register);
    g_test_add_func("/ioapic/destinations-and-modes", test_destinations_and_modes);
    g_test_add_func("/ioapic/disabled-lapic", test_disabled_lapic_no_remote_irr);
    g_test_add_func("/ioapic/no-bus", test_no_bus);
    g_test_add_func("/ioapic/generic", test_generic);
    g_test_add_func("/ioapic/load-rejects", test_load_rejects);
    return g_test_run();
}
