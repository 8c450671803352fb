/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the local APIC and the APIC bus, programmed the way
 * SeaBIOS and Linux program them: through the xAPIC page (lapic_ops.mmio_*,
 * as the CPU routes it) and the x2APIC MSRs, with a recording cpu_link per
 * CPU and a fake 8259 behind ExtINT. */
#include <string.h>
#include "hw/intc/lapic.h"
#include "tests/support/testenv.h"

#define NCPU_MAX 4

struct rec {
    struct cpu_link link;
    unsigned intr, nmi, init, sipi, smi;
    uint8_t sipi_vector;
};

struct fx {
    struct test_env *t;
    struct apic_bus *bus;
    struct lapic *a[NCPU_MAX];
    struct rec rec[NCPU_MAX];
    int n;
    uint8_t pic_vector;
    int pic_acks;
};

static void rec_signal(void *cpu, unsigned sig, uint8_t vector)
{
    struct rec *r = cpu;
    r->intr += !!(sig & CPU_SIG_INTR);
    r->nmi += !!(sig & CPU_SIG_NMI);
    r->init += !!(sig & CPU_SIG_INIT);
    r->smi += !!(sig & CPU_SIG_SMI);
    if (sig & CPU_SIG_SIPI) {
        r->sipi++;
        r->sipi_vector = vector;
    }
}

static uint8_t fake_pic_ack(void *opaque)
{
    struct fx *f = opaque;
    f->pic_acks++;
    return f->pic_vector;
}

static struct lapic_config cfg_for(struct fx *f, int i)
{
    return (struct lapic_config){
        .apic_id = (uint32_t)i,
        .bsp = i == 0,
        .tsc_hz = 2000000000ULL, /* 2 GHz: 2 TSC ticks per ns */
        .bus = f->bus,
        .link = &f->rec[i].link,
        .extint_ack = fake_pic_ack,
        .extint_opaque = f,
    };
}

static struct fx *setup(int n)
{
    struct fx *f = g_new0(struct fx, 1);
    f->t = test_env_new(0);
    f->bus = apic_bus_new(&f->t->log);
    f->n = n;
    f->pic_vector = 0x08;
    for (int i = 0; i < n; i++) {
        f->rec[i].link = (struct cpu_link){ .signal = rec_signal, .cpu = &f->rec[i] };
        struct lapic_config c = cfg_for(f, i);
        f->a[i] = lapic_new(&f->t->env, &c);
        g_assert_nonnull(f->a[i]);
        lapic_class.reset(f->a[i], RESET_COLD);
        lapic_class.settle(f->a[i]);
    }
    return f;
}

static void teardown(struct fx *f)
{
    for (int i = 0; i < f->n; i++)
        lapic_class.destroy(f->a[i]);
    apic_bus_free(f->bus);
    test_env_free(f->t);
    g_free(f);
}

static uint32_t rd(struct lapic *a, uint32_t off)
{
    return (uint32_t)lapic_ops.mmio_read(a, off, 4);
}

static void wr(struct lapic *a, uint32_t off, uint32_t v)
{
    lapic_ops.mmio_write(a, off, v, 4);
}

/* What SeaBIOS and Linux do first: software-enable, TPR 0. */
static void enable(struct lapic *a, uint8_t spurious)
{
    wr(a, LAPIC_SVR, LAPIC_SVR_ENABLE | spurious);
    wr(a, LAPIC_TPR, 0);
}

static bool irr(struct lapic *a, unsigned v)
{
    return rd(a, LAPIC_IRR + (v / 32) * 16) >> (v % 32) & 1;
}

static bool isr(struct lapic *a, unsigned v)
{
    return rd(a, LAPIC_ISR + (v / 32) * 16) >> (v % 32) & 1;
}

static bool tmr(struct lapic *a, unsigned v)
{
    return rd(a, LAPIC_TMR + (v / 32) * 16) >> (v % 32) & 1;
}

static bool pending(struct lapic *a)
{
    return lapic_ops.intr_pending(a);
}

static uint8_t ack(struct lapic *a)
{
    return lapic_ops.intr_ack(a);
}

static void eoi(struct lapic *a)
{
    wr(a, LAPIC_EOI, 0);
}

static void ipi(struct lapic *a, uint8_t dest, uint32_t lo)
{
    wr(a, LAPIC_ICR_HI, (uint32_t)dest << 24);
    wr(a, LAPIC_ICR_LO, lo);
}

static uint32_t esr(struct lapic *a)
{
    wr(a, LAPIC_ESR, 0);
    return rd(a, LAPIC_ESR);
}

static bool rdmsr(struct lapic *a, uint32_t msr, uint64_t *v)
{
    return lapic_ops.rdmsr(a, msr, v);
}

static bool wrmsr(struct lapic *a, uint32_t msr, uint64_t v)
{
    return lapic_ops.wrmsr(a, msr, v);
}

/* ---- reset state and register file ---- */

static void test_reset_state(void)
{
    struct fx *f = setup(2);
    uint64_t base;
    g_assert_cmphex(rd(f->a[0], LAPIC_VER), ==, 0x00050014);
    g_assert_cmphex(rd(f->a[0], LAPIC_ID), ==, 0);
    g_assert_cmphex(rd(f->a[1], LAPIC_ID), ==, 1u << 24);
    g_assert_cmphex(rd(f->a[0], LAPIC_SVR), ==, 0xFF);
    g_assert_cmphex(rd(f->a[0], LAPIC_DFR), ==, 0xFFFFFFFF);
    g_assert_cmphex(rd(f->a[0], LAPIC_LDR), ==, 0);
    g_assert_cmphex(rd(f->a[0], LAPIC_TPR), ==, 0);
    for (uint32_t off = LAPIC_LVT_TIMER; off <= LAPIC_LVT_ERROR; off += 16)
        g_assert_cmphex(rd(f->a[0], off), ==, LAPIC_LVT_MASKED);
    g_assert_true(rdmsr(f->a[0], MSR_IA32_APIC_BASE, &base));
    g_assert_cmphex(base, ==, 0xFEE00900);
    g_assert_true(rdmsr(f->a[1], MSR_IA32_APIC_BASE, &base));
    g_assert_cmphex(base, ==, 0xFEE00800);
    g_assert_cmphex(lapic_base(f->a[1]), ==, LAPIC_DEFAULT_BASE);
    g_assert_true(lapic_mmio_active(f->a[0]));
    g_assert_false(lapic_x2apic_mode(f->a[0]));
    /* Writable bits only. */
    wr(f->a[0], LAPIC_DFR, 0x0);
    g_assert_cmphex(rd(f->a[0], LAPIC_DFR), ==, 0x0FFFFFFF);
    wr(f->a[0], LAPIC_LDR, 0xFFFFFFFF);
    g_assert_cmphex(rd(f->a[0], LAPIC_LDR), ==, 0xFF000000);
    wr(f->a[0], LAPIC_SVR, 0xFFFFFFFF);
    g_assert_cmphex(rd(f->a[0], LAPIC_SVR), ==, 0x3FF);
    wr(f->a[0], LAPIC_LVT_LINT0, 0xFFFFFFFF);
    g_assert_cmphex(rd(f->a[0], LAPIC_LVT_LINT0), ==, 0x1A7FF);
    wr(f->a[0], LAPIC_LVT_TIMER, 0xFFFFFFFF & ~(3u << 17));
    g_assert_cmphex(rd(f->a[0], LAPIC_LVT_TIMER), ==, 0x100FF);
    wr(f->a[0], LAPIC_TDCR, 0xFF);
    g_assert_cmphex(rd(f->a[0], LAPIC_TDCR), ==, 0xB);
    /* The xAPIC ID register is writable; version is not. */
    wr(f->a[1], LAPIC_ID, 0x05123456);
    g_assert_cmphex(rd(f->a[1], LAPIC_ID), ==, 0x05000000);
    wr(f->a[1], LAPIC_VER, 0);
    g_assert_cmphex(rd(f->a[1], LAPIC_VER), ==, 0x00050014);
    g_assert_cmphex(rd(f->a[1], LAPIC_APR), ==, 0);
    teardown(f);
}

static void test_mmio_widths(void)
{
    struct fx *f = setup(1);
    enable(f->a[0], 0xFF);
    wr(f->a[0], LAPIC_TPR, 0x20);
    g_assert_cmphex(lapic_ops.mmio_read(f->a[0], LAPIC_TPR, 1), ==, 0);
    g_assert_cmphex(lapic_ops.mmio_read(f->a[0], LAPIC_TPR, 2), ==, 0);
    g_assert_cmphex(lapic_ops.mmio_read(f->a[0], LAPIC_TPR, 8), ==, 0);
    g_assert_cmphex(lapic_ops.mmio_read(f->a[0], LAPIC_TPR + 1, 4), ==, 0);
    g_assert_cmphex(lapic_ops.mmio_read(f->a[0], LAPIC_TPR + 4, 4), ==, 0);
    lapic_ops.mmio_write(f->a[0], LAPIC_TPR, 0x30, 1);
    lapic_ops.mmio_write(f->a[0], LAPIC_TPR + 2, 0x30, 4);
    lapic_ops.mmio_write(f->a[0], LAPIC_TPR, 0x30, 8);
    g_assert_cmphex(rd(f->a[0], LAPIC_TPR), ==, 0x20);
    lapic_ops.mmio_write(f->a[0], 0x5000, 0x30, 4);
    g_assert_cmphex(esr(f->a[0]), ==, 0); /* width errors are not register errors */
    teardown(f);
}

/* ---- software enable, ExtINT, LINTs ---- */

static void test_sw_enable(void)
{
    struct fx *f = setup(2);
    struct lapic *a = f->a[1];
    /* A software-disabled APIC drops fixed interrupts. */
    ipi(f->a[0], 1, 0x40);
    g_assert_false(irr(a, 0x40));
    /* ... but still takes NMI and INIT. */
    ipi(f->a[0], 1, APIC_DM_NMI << 8);
    g_assert_cmpuint(f->rec[1].nmi, ==, 1);
    /* LVTs cannot be unmasked while disabled. */
    wr(a, LAPIC_LVT_LINT0, 0x700);
    g_assert_cmphex(rd(a, LAPIC_LVT_LINT0), ==, 0x10700);
    enable(a, 0xFF);
    g_assert_cmphex(rd(a, LAPIC_SVR), ==, 0x1FF);
    ipi(f->a[0], 1, 0x40);
    g_assert_true(irr(a, 0x40));
    g_assert_cmpuint(f->rec[1].intr, >=, 1);
    wr(a, LAPIC_LVT_LINT0, 0x700);
    wr(a, LAPIC_LVT_TIMER, 0x30);
    g_assert_cmphex(rd(a, LAPIC_LVT_LINT0), ==, 0x700);
    /* Software disable masks every LVT and keeps IRR. */
    wr(a, LAPIC_SVR, 0xFF);
    g_assert_cmphex(rd(a, LAPIC_LVT_LINT0), ==, 0x10700);
    g_assert_cmphex(rd(a, LAPIC_LVT_TIMER), ==, 0x10030);
    g_assert_true(irr(a, 0x40));
    g_assert_true(pending(a));
    teardown(f);
}

static void test_extint_lint0(void)
{
    struct fx *f = setup(2);
    struct lapic *bsp = f->a[0], *ap = f->a[1];
    /* SeaBIOS: enable, LINT0 ExtINT (level), LINT1 NMI, on the BSP only. */
    wr(bsp, LAPIC_SVR, rd(bsp, LAPIC_SVR) | LAPIC_SVR_ENABLE);
    wr(bsp, LAPIC_LVT_LINT0, 0x8700);
    wr(bsp, LAPIC_LVT_LINT1, 0x8400);
    enable(ap, 0xFF);
    g_assert_false(pending(bsp));
    unsigned intr0 = f->rec[0].intr;
    for (int i = 0; i < 2; i++)
        lapic_set_lint(f->a[i], 0, 1);
    g_assert_true(pending(bsp));
    g_assert_cmpuint(f->rec[0].intr, >, intr0);
    g_assert_false(pending(ap)); /* AP's LINT0 stays masked */
    f->pic_vector = 0x20;
    g_assert_cmphex(ack(bsp), ==, 0x20);
    g_assert_cmpint(f->pic_acks, ==, 1);
    g_assert_false(isr(bsp, 0x20)); /* ExtINT bypasses IRR/ISR */
    for (int i = 0; i < 2; i++)
        lapic_set_lint(f->a[i], 0, 0);
    g_assert_false(pending(bsp));
    /* Nothing pending: the spurious vector, no INTA cycle. */
    g_assert_cmphex(ack(bsp), ==, 0xFF);
    g_assert_cmpint(f->pic_acks, ==, 1);
    /* ExtINT ignores TPR. */
    wr(bsp, LAPIC_TPR, 0xF0);
    lapic_set_lint(bsp, 0, 1);
    g_assert_true(pending(bsp));
    lapic_set_lint(bsp, 0, 0);
    /* LINT1 NMI on each asserting edge only. */
    lapic_set_lint(bsp, 1, 1);
    lapic_set_lint(bsp, 1, 1);
    lapic_set_lint(bsp, 1, 0);
    g_assert_cmpuint(f->rec[0].nmi, ==, 1);
    lapic_set_lint(bsp, 1, 1);
    g_assert_cmpuint(f->rec[0].nmi, ==, 2);
    lapic_set_lint(bsp, 1, 0);
    /* Active-low polarity: the falling edge is the asserting one. */
    wr(bsp, LAPIC_LVT_LINT1, 0x2400);
    lapic_set_lint(bsp, 1, 1);
    g_assert_cmpuint(f->rec[0].nmi, ==, 2);
    lapic_set_lint(bsp, 1, 0);
    g_assert_cmpuint(f->rec[0].nmi, ==, 3);
    teardown(f);
}

static void test_lint_level_fixed(void)
{
    struct fx *f = setup(1);
    struct lapic *a = f->a[0];
    enable(a, 0xFF);
    wr(a, LAPIC_LVT_LINT0, LAPIC_LVT_LEVEL | 0x50);
    lapic_set_lint(a, 0, 1);
    g_assert_true(irr(a, 0x50));
    g_assert_true(tmr(a, 0x50));
    g_assert_cmphex(rd(a, LAPIC_LVT_LINT0), ==, LAPIC_LVT_LEVEL | LAPIC_LVT_REMOTE_IRR | 0x50);
    g_assert_cmphex(ack(a), ==, 0x50);
    eoi(a); /* still asserted: remote IRR clears and it comes again */
    g_assert_true(irr(a, 0x50));
    g_assert_cmphex(ack(a), ==, 0x50);
    lapic_set_lint(a, 0, 0);
    eoi(a);
    g_assert_false(irr(a, 0x50));
    g_assert_cmphex(rd(a, LAPIC_LVT_LINT0), ==, LAPIC_LVT_LEVEL | 0x50);
    /* Edge-triggered fixed: once per rising edge. */
    wr(a, LAPIC_LVT_LINT0, 0x51);
    lapic_set_lint(a, 0, 1);
    g_assert_true(irr(a, 0x51));
    g_assert_false(tmr(a, 0x51));
    teardown(f);
}

static void test_global_disable_passthrough(void)
{
    struct fx *f = setup(1);
    struct lapic *a = f->a[0];
    g_assert_true(wrmsr(a, MSR_IA32_APIC_BASE, 0xFEE00000 | APIC_BASE_BSP));
    g_assert_false(lapic_mmio_active(a));
    g_assert_cmphex(rd(a, LAPIC_VER), ==, 0); /* not decoded */
    lapic_set_lint(a, 0, 1);
    g_assert_true(pending(a));
    f->pic_vector = 0x09;
    g_assert_cmphex(ack(a), ==, 0x09);
    lapic_set_lint(a, 0, 0);
    g_assert_false(pending(a));
    lapic_set_lint(a, 1, 1);
    g_assert_cmpuint(f->rec[0].nmi, ==, 1);
    teardown(f);
}

/* ---- IPIs and destinations ---- */

static void test_ipi_fixed(void)
{
    struct fx *f = setup(2);
    for (int i = 0; i < 2; i++)
        enable(f->a[i], 0xFF);
    /* Self (shorthand). */
    wr(f->a[0], LAPIC_ICR_LO, LAPIC_ICR_SELF | 0x41);
    g_assert_true(irr(f->a[0], 0x41));
    g_assert_false(irr(f->a[1], 0x41));
    /* Physical to APIC 1; delivery status reads idle. */
    ipi(f->a[0], 1, 0x42);
    g_assert_true(irr(f->a[1], 0x42));
    g_assert_false(irr(f->a[0], 0x42));
    g_assert_cmphex(rd(f->a[0], LAPIC_ICR_LO) & LAPIC_LVT_PENDING, ==, 0);
    g_assert_cmphex(rd(f->a[0], LAPIC_ICR_LO), ==, 0x42);
    g_assert_cmphex(rd(f->a[0], LAPIC_ICR_HI), ==, 0x01000000);
    /* The trigger bit means nothing for IPIs: they are edge (TMR clear). */
    ipi(f->a[0], 1, LAPIC_ICR_LEVEL | LAPIC_ICR_ASSERT | 0x43);
    g_assert_true(irr(f->a[1], 0x43));
    g_assert_false(tmr(f->a[1], 0x43));
    /* Nobody at ID 7. */
    ipi(f->a[0], 7, 0x44);
    g_assert_false(irr(f->a[0], 0x44) || irr(f->a[1], 0x44));
    /* A rewritten xAPIC ID is what physical mode matches. */
    wr(f->a[1], LAPIC_ID, 0x09000000);
    ipi(f->a[0], 9, 0x45);
    g_assert_true(irr(f->a[1], 0x45));
    ipi(f->a[0], 1, 0x46);
    g_assert_false(irr(f->a[1], 0x46));
    teardown(f);
}

static void test_ipi_broadcast(void)
{
    struct fx *f = setup(3);
    for (int i = 0; i < 3; i++)
        enable(f->a[i], 0xFF);
    wr(f->a[1], LAPIC_ICR_LO, LAPIC_ICR_ALL | 0x50);
    for (int i = 0; i < 3; i++)
        g_assert_true(irr(f->a[i], 0x50));
    wr(f->a[1], LAPIC_ICR_LO, LAPIC_ICR_ALL_BUT_SELF | 0x51);
    g_assert_true(irr(f->a[0], 0x51));
    g_assert_false(irr(f->a[1], 0x51));
    g_assert_true(irr(f->a[2], 0x51));
    ipi(f->a[2], 0xFF, 0x52); /* physical broadcast */
    for (int i = 0; i < 3; i++)
        g_assert_true(irr(f->a[i], 0x52));
    teardown(f);
}

static void test_logical_flat_cluster(void)
{
    struct fx *f = setup(4);
    /* Flat: Linux's "1 << cpu". */
    for (int i = 0; i < 4; i++) {
        enable(f->a[i], 0xFF);
        wr(f->a[i], LAPIC_DFR, 0xFFFFFFFF);
        wr(f->a[i], LAPIC_LDR, (1u << i) << 24);
    }
    ipi(f->a[0], 0x0A, LAPIC_ICR_LOGICAL | 0x60); /* CPUs 1 and 3 */
    g_assert_false(irr(f->a[0], 0x60));
    g_assert_true(irr(f->a[1], 0x60));
    g_assert_false(irr(f->a[2], 0x60));
    g_assert_true(irr(f->a[3], 0x60));
    /* Cluster: cluster in bits 7:4, member bitmap in 3:0. */
    for (int i = 0; i < 4; i++) {
        wr(f->a[i], LAPIC_DFR, 0x0FFFFFFF);
        wr(f->a[i], LAPIC_LDR, (uint32_t)((i / 2) << 4 | 1 << (i % 2)) << 24);
    }
    ipi(f->a[0], 0x12, LAPIC_ICR_LOGICAL | 0x61); /* cluster 1, member 1 = CPU 3 */
    for (int i = 0; i < 4; i++)
        g_assert_cmpint(irr(f->a[i], 0x61), ==, i == 3);
    ipi(f->a[0], 0x03, LAPIC_ICR_LOGICAL | 0x62); /* cluster 0, both */
    for (int i = 0; i < 4; i++)
        g_assert_cmpint(irr(f->a[i], 0x62), ==, i < 2);
    ipi(f->a[0], 0xFF, LAPIC_ICR_LOGICAL | 0x63); /* broadcast */
    for (int i = 0; i < 4; i++)
        g_assert_true(irr(f->a[i], 0x63));
    teardown(f);
}

static void test_lowest_priority(void)
{
    struct fx *f = setup(3);
    for (int i = 0; i < 3; i++) {
        enable(f->a[i], 0xFF);
        wr(f->a[i], LAPIC_LDR, (1u << i) << 24);
        wr(f->a[i], LAPIC_SVR, 0x3FF); /* focus checking off */
    }
    uint32_t lp = LAPIC_ICR_LOGICAL | APIC_DM_LOWEST << 8;
    /* All idle: the tie goes to the lowest APIC ID. */
    ipi(f->a[2], 0x07, lp | 0x70);
    g_assert_true(irr(f->a[0], 0x70));
    g_assert_false(irr(f->a[1], 0x70) || irr(f->a[2], 0x70));
    /* Raise CPU 0's TPR: CPU 1 is now lowest. */
    wr(f->a[0], LAPIC_TPR, 0x40);
    ipi(f->a[2], 0x07, lp | 0x71);
    g_assert_true(irr(f->a[1], 0x71));
    g_assert_false(irr(f->a[0], 0x71) || irr(f->a[2], 0x71));
    /* CPU 1 busy in service at class 8; CPU 2 is lowest. */
    ipi(f->a[0], 0x02, 0x80 | LAPIC_ICR_LOGICAL);
    g_assert_cmphex(ack(f->a[1]), ==, 0x80);
    ipi(f->a[0], 0x07, lp | 0x72);
    g_assert_true(irr(f->a[2], 0x72));
    /* Only the addressed APICs compete. */
    ipi(f->a[0], 0x03, lp | 0x73);
    g_assert_true(irr(f->a[0], 0x73)); /* TPR 0x40 beats ISR 0x80 */
    /* Focus: with focus checking on, the APIC already holding the vector
     * gets it even at a higher priority. */
    wr(f->a[1], LAPIC_SVR, 0x1FF);
    ipi(f->a[0], 0x07, lp | 0x80);
    g_assert_true(irr(f->a[1], 0x80));
    g_assert_false(irr(f->a[0], 0x80) || irr(f->a[2], 0x80));
    /* A software-disabled APIC does not take part. */
    wr(f->a[0], LAPIC_SVR, 0xFF);
    wr(f->a[0], LAPIC_TPR, 0);
    ipi(f->a[2], 0x01, lp | 0x74);
    g_assert_false(irr(f->a[0], 0x74));
    teardown(f);
}

static void test_init_sipi(void)
{
    struct fx *f = setup(3);
    enable(f->a[0], 0xFF);
    /* SeaBIOS: broadcast INIT then SIPI to everyone but itself. */
    wr(f->a[0], LAPIC_ICR_LO, 0x000C4500);
    wr(f->a[0], LAPIC_ICR_LO, 0x000C4600 | 0x9F);
    g_assert_cmpuint(f->rec[0].init, ==, 0);
    g_assert_cmpuint(f->rec[0].sipi, ==, 0);
    for (int i = 1; i < 3; i++) {
        g_assert_cmpuint(f->rec[i].init, ==, 1);
        g_assert_cmpuint(f->rec[i].sipi, ==, 1);
        g_assert_cmphex(f->rec[i].sipi_vector, ==, 0x9F);
    }
    /* Linux: INIT assert, INIT de-assert (ignored), SIPI twice, by ID. */
    ipi(f->a[0], 2, LAPIC_ICR_LEVEL | LAPIC_ICR_ASSERT | APIC_DM_INIT << 8);
    ipi(f->a[0], 2, LAPIC_ICR_LEVEL | APIC_DM_INIT << 8);
    g_assert_cmpuint(f->rec[2].init, ==, 2);
    ipi(f->a[0], 2, APIC_DM_STARTUP << 8 | 0x10);
    g_assert_cmpuint(f->rec[2].sipi, ==, 2);
    g_assert_cmphex(f->rec[2].sipi_vector, ==, 0x10);
    g_assert_cmpuint(f->rec[1].init, ==, 1);
    /* SMI and NMI by IPI. */
    ipi(f->a[0], 1, APIC_DM_SMI << 8);
    ipi(f->a[0], 1, APIC_DM_NMI << 8);
    g_assert_cmpuint(f->rec[1].smi, ==, 1);
    g_assert_cmpuint(f->rec[1].nmi, ==, 1);
    teardown(f);
}

static void test_msi(void)
{
    struct fx *f = setup(3);
    for (int i = 0; i < 3; i++) {
        enable(f->a[i], 0xFF);
        wr(f->a[i], LAPIC_LDR, (1u << i) << 24);
    }
    /* Physical, fixed, edge to APIC 2 (Linux's format). */
    apic_bus_msi(f->bus, 0xFEE02000, 0x0041);
    g_assert_true(irr(f->a[2], 0x41));
    g_assert_false(tmr(f->a[2], 0x41));
    g_assert_false(irr(f->a[0], 0x41) || irr(f->a[1], 0x41));
    /* Logical (DM) with RH: lowest priority among CPUs 1 and 2. */
    wr(f->a[1], LAPIC_TPR, 0x30);
    apic_bus_msi(f->bus, 0xFEE06000 | MSI_ADDR_DM | MSI_ADDR_RH, 0x0042);
    g_assert_true(irr(f->a[2], 0x42));
    g_assert_false(irr(f->a[1], 0x42));
    /* Logical without RH, fixed: both. */
    apic_bus_msi(f->bus, 0xFEE06000 | MSI_ADDR_DM, 0x0043);
    g_assert_true(irr(f->a[1], 0x43) && irr(f->a[2], 0x43));
    /* Level-triggered assert sets TMR; de-assert is no interrupt. */
    apic_bus_msi(f->bus, 0xFEE00000, MSI_DATA_TRIGGER | MSI_DATA_LEVEL | 0x44);
    g_assert_true(irr(f->a[0], 0x44) && tmr(f->a[0], 0x44));
    apic_bus_msi(f->bus, 0xFEE00000, MSI_DATA_TRIGGER | 0x45);
    g_assert_false(irr(f->a[0], 0x45));
    /* NMI delivery mode; broadcast destination. */
    apic_bus_msi(f->bus, 0xFEEFF000, APIC_DM_NMI << 8);
    for (int i = 0; i < 3; i++)
        g_assert_cmpuint(f->rec[i].nmi, ==, 1);
    /* Not an interrupt address: dropped. */
    apic_bus_msi(f->bus, 0xFED00000, 0x46);
    apic_bus_msi(f->bus, 0x1FEE00000ULL, 0x46);
    for (int i = 0; i < 3; i++)
        g_assert_false(irr(f->a[i], 0x46));
    teardown(f);
}

/* ---- priorities, acknowledge, EOI ---- */

static void test_tpr_ppr(void)
{
    struct fx *f = setup(1);
    struct lapic *a = f->a[0];
    enable(a, 0xFF);
    wr(a, LAPIC_TPR, 0x50);
    wr(a, LAPIC_ICR_LO, LAPIC_ICR_SELF | 0x5F);
    g_assert_true(irr(a, 0x5F));
    g_assert_false(pending(a)); /* same class as TPR: held */
    g_assert_cmphex(ack(a), ==, 0xFF); /* spurious */
    g_assert_true(irr(a, 0x5F));
    unsigned intr = f->rec[0].intr;
    lapic_ops.set_cr8(a, 4); /* TPR = 0x40 */
    g_assert_cmphex(rd(a, LAPIC_TPR), ==, 0x40);
    g_assert_cmpuint(lapic_ops.get_cr8(a), ==, 4);
    g_assert_true(pending(a));
    g_assert_cmpuint(f->rec[0].intr, >, intr); /* a halted CPU wakes */
    g_assert_cmphex(rd(a, LAPIC_PPR), ==, 0x40);
    g_assert_cmphex(ack(a), ==, 0x5F);
    g_assert_cmphex(rd(a, LAPIC_PPR), ==, 0x50); /* ISRV class */
    wr(a, LAPIC_TPR, 0x67);
    g_assert_cmphex(rd(a, LAPIC_PPR), ==, 0x67); /* TPR wins, low bits too */
    eoi(a);
    wr(a, LAPIC_TPR, 0);
    g_assert_cmphex(rd(a, LAPIC_PPR), ==, 0);
    teardown(f);
}

static void test_nested_eoi(void)
{
    struct fx *f = setup(1);
    struct lapic *a = f->a[0];
    enable(a, 0xFF);
    wr(a, LAPIC_ICR_LO, LAPIC_ICR_SELF | 0x30);
    g_assert_cmphex(ack(a), ==, 0x30);
    g_assert_true(isr(a, 0x30));
    wr(a, LAPIC_ICR_LO, LAPIC_ICR_SELF | 0x35); /* same class: waits */
    g_assert_false(pending(a));
    wr(a, LAPIC_ICR_LO, LAPIC_ICR_SELF | 0x80); /* higher: nests */
    g_assert_true(pending(a));
    g_assert_cmphex(ack(a), ==, 0x80);
    g_assert_false(pending(a));
    eoi(a); /* clears the highest in service: 0x80 */
    g_assert_false(isr(a, 0x80));
    g_assert_true(isr(a, 0x30));
    g_assert_false(pending(a));
    eoi(a);
    g_assert_false(isr(a, 0x30));
    g_assert_true(pending(a));
    g_assert_cmphex(ack(a), ==, 0x35);
    eoi(a);
    eoi(a); /* nothing in service: ignored */
    g_assert_false(pending(a));
    /* Linux's boot-time drain: EOI for every ISR bit leaves ISR empty. */
    for (int i = 0; i < 8; i++)
        g_assert_cmphex(rd(a, LAPIC_ISR + 16 * i), ==, 0);
    teardown(f);
}

/* ---- errors ---- */

static void test_esr(void)
{
    struct fx *f = setup(2);
    struct lapic *a = f->a[0];
    enable(a, 0xFF);
    enable(f->a[1], 0xFF);
    wr(a, LAPIC_LVT_ERROR, 0xFE);
    /* Send illegal vector: not sent, latched until the next ESR write. */
    ipi(a, 1, 0x05);
    g_assert_false(irr(f->a[1], 0x05));
    g_assert_cmphex(rd(a, LAPIC_ESR), ==, 0); /* not yet written */
    g_assert_true(irr(a, 0xFE)); /* the error interrupt */
    wr(a, LAPIC_ESR, 0);
    g_assert_cmphex(rd(a, LAPIC_ESR), ==, LAPIC_ESR_SEND_ILLEGAL);
    g_assert_cmphex(rd(a, LAPIC_ESR), ==, LAPIC_ESR_SEND_ILLEGAL);
    wr(a, LAPIC_ESR, 0);
    g_assert_cmphex(rd(a, LAPIC_ESR), ==, 0);
    /* Receive illegal vector: from an LVT. */
    wr(a, LAPIC_LVT_LINT0, 0x03);
    lapic_set_lint(a, 0, 1);
    g_assert_cmphex(esr(a), ==, LAPIC_ESR_RECV_ILLEGAL);
    g_assert_cmphex(rd(a, LAPIC_IRR), ==, 0);
    /* ... and from the bus (an MSI). */
    apic_bus_msi(f->bus, 0xFEE01000, 0x0A);
    g_assert_cmphex(esr(f->a[1]), ==, LAPIC_ESR_RECV_ILLEGAL);
    /* Illegal register address. */
    g_assert_cmphex(rd(a, LAPIC_SELF_IPI), ==, 0);
    rd(a, 0x2F0); /* CMCI: no such LVT with max LVT 5 */
    wr(a, 0x040, 1);
    g_assert_cmphex(esr(a), ==, LAPIC_ESR_ILLEGAL_REG);
    /* An illegal error vector records bit 6 and does not recurse. */
    wr(a, LAPIC_LVT_ERROR, 0x02);
    ipi(a, 1, 0x01);
    g_assert_cmphex(esr(a), ==, LAPIC_ESR_SEND_ILLEGAL | LAPIC_ESR_RECV_ILLEGAL);
    teardown(f);
}

/* ---- timer ---- */

static void timer_setup(struct lapic *a, uint32_t lvt, uint32_t tdcr)
{
    enable(a, 0xFF);
    wr(a, LAPIC_TDCR, tdcr);
    wr(a, LAPIC_LVT_TIMER, lvt);
}

/* Take and EOI every timer interrupt; returns how many there were. */
static int drain(struct lapic *a, uint8_t vector)
{
    int n = 0;
    while (irr(a, vector)) {
        g_assert_cmphex(ack(a), ==, vector);
        eoi(a);
        n++;
    }
    return n;
}

static void test_timer_oneshot(void)
{
    struct fx *f = setup(1);
    struct lapic *a = f->a[0];
    timer_setup(a, 0xEF, 0xB); /* divide by 1 */
    wr(a, LAPIC_TMICT, 1000);
    g_assert_cmpuint(rd(a, LAPIC_TMCCT), ==, 1000);
    g_assert_cmpuint(rd(a, LAPIC_TMICT), ==, 1000);
    test_step(f->t, 250);
    g_assert_cmpuint(rd(a, LAPIC_TMCCT), ==, 750);
    test_step(f->t, 749);
    g_assert_cmpuint(rd(a, LAPIC_TMCCT), ==, 1);
    g_assert_false(irr(a, 0xEF));
    test_step(f->t, 1);
    g_assert_true(irr(a, 0xEF));
    g_assert_cmpuint(rd(a, LAPIC_TMCCT), ==, 0);
    g_assert_cmpint(drain(a, 0xEF), ==, 1);
    test_step(f->t, 1000000);
    g_assert_false(irr(a, 0xEF)); /* one-shot: once */
    /* Divide by 16 (Linux's calibration setting): 16 ns per count. */
    wr(a, LAPIC_TDCR, 0x3);
    wr(a, LAPIC_TMICT, 100);
    test_step(f->t, 16 * 10 + 15);
    g_assert_cmpuint(rd(a, LAPIC_TMCCT), ==, 90);
    test_step(f->t, 1);
    g_assert_cmpuint(rd(a, LAPIC_TMCCT), ==, 89);
    /* Masked: counts, expires, no interrupt. */
    wr(a, LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | 0xEF);
    test_step(f->t, 16 * 100);
    g_assert_cmpuint(rd(a, LAPIC_TMCCT), ==, 0);
    g_assert_false(irr(a, 0xEF));
    /* Initial count 0 stops it. */
    wr(a, LAPIC_LVT_TIMER, 0xEF);
    wr(a, LAPIC_TMICT, 100);
    wr(a, LAPIC_TMICT, 0);
    test_step(f->t, 16 * 1000);
    g_assert_false(irr(a, 0xEF));
    g_assert_false(vtimer_pending(&a->timer));
    teardown(f);
}

static void test_timer_periodic(void)
{
    struct fx *f = setup(1);
    struct lapic *a = f->a[0];
    timer_setup(a, LAPIC_TIMER_PERIODIC | 0xEC, 0x0); /* divide by 2 */
    wr(a, LAPIC_TMICT, 50000); /* 100 us period */
    int fired = 0;
    for (int i = 0; i < 100; i++) {
        test_step(f->t, 10000);
        fired += drain(a, 0xEC);
    }
    g_assert_cmpint(fired, ==, 10); /* exactly 1 ms / 100 us */
    g_assert_cmpuint(rd(a, LAPIC_TMCCT), ==, 50000); /* at a period boundary */
    test_step(f->t, 12346);
    g_assert_cmpuint(rd(a, LAPIC_TMCCT), ==, 50000 - 6173);
    /* No drift: 1,000 periods in odd-sized steps still fire 1,000 times. */
    fired = 0;
    for (int i = 0; i < 1000; i++) {
        test_step(f->t, 99991);
        fired += drain(a, 0xEC);
    }
    test_step(f->t, 100000 * 1000 - 99991 * 1000);
    fired += drain(a, 0xEC);
    g_assert_cmpint(fired, ==, 1000);
    g_assert_cmpuint(rd(a, LAPIC_TMCCT), ==, 50000 - 6173);
    /* Changing the divider mid-period: the count continues from where it
     * is at the new rate. */
    wr(a, LAPIC_TDCR, 0xB);
    uint32_t c = rd(a, LAPIC_TMCCT);
    test_step(f->t, 100);
    g_assert_cmpuint(rd(a, LAPIC_TMCCT), ==, c - 100);
    teardown(f);
}

static void test_timer_min_period(void)
{
    struct fx *f = setup(1);
    struct lapic *a = f->a[0];
    timer_setup(a, LAPIC_TIMER_PERIODIC | 0xEC, 0xB);
    wr(a, LAPIC_TMICT, 1); /* 1 ns asked: floored */
    int fired = 0;
    for (int i = 0; i < 1000; i++) {
        test_step(f->t, 1000);
        fired += drain(a, 0xEC);
    }
    g_assert_cmpint(fired, ==, 1000000 / LAPIC_MIN_PERIOD_NS);
    /* One big step costs one event, not millions. */
    test_step(f->t, 10 * NS_PER_SEC);
    g_assert_cmpint(drain(a, 0xEC), ==, 1);
    teardown(f);
}

static void test_tsc_deadline(void)
{
    struct fx *f = setup(1);
    struct lapic *a = f->a[0];
    uint64_t v;
    timer_setup(a, LAPIC_TIMER_TSC_DEADLINE | 0xED, 0);
    /* TSC = ns * 2 here. */
    g_assert_true(wrmsr(a, MSR_IA32_TSC_DEADLINE, 20000));
    g_assert_true(rdmsr(a, MSR_IA32_TSC_DEADLINE, &v));
    g_assert_cmpuint(v, ==, 20000);
    wr(a, LAPIC_TMICT, 5); /* ignored in TSC-deadline mode */
    g_assert_cmpuint(rd(a, LAPIC_TMICT), ==, 0);
    g_assert_cmpuint(rd(a, LAPIC_TMCCT), ==, 0);
    test_step(f->t, 9999);
    g_assert_false(irr(a, 0xED));
    test_step(f->t, 1);
    g_assert_true(irr(a, 0xED));
    g_assert_true(rdmsr(a, MSR_IA32_TSC_DEADLINE, &v));
    g_assert_cmpuint(v, ==, 0); /* cleared on expiry */
    drain(a, 0xED);
    /* A deadline in the past fires at once; 0 disarms. */
    g_assert_true(wrmsr(a, MSR_IA32_TSC_DEADLINE, 1));
    g_assert_true(irr(a, 0xED));
    drain(a, 0xED);
    g_assert_true(wrmsr(a, MSR_IA32_TSC_DEADLINE, 30000));
    g_assert_true(wrmsr(a, MSR_IA32_TSC_DEADLINE, 0));
    test_step(f->t, 100000);
    g_assert_false(irr(a, 0xED));
    /* Far future never arms a host timer past the clock's range. */
    g_assert_true(wrmsr(a, MSR_IA32_TSC_DEADLINE, UINT64_MAX));
    g_assert_false(vtimer_pending(&a->timer));
    /* Leaving TSC-deadline mode disarms; in other modes the MSR reads 0
     * and writes are ignored. */
    g_assert_true(wrmsr(a, MSR_IA32_TSC_DEADLINE, 1000000));
    wr(a, LAPIC_LVT_TIMER, 0xED);
    g_assert_true(rdmsr(a, MSR_IA32_TSC_DEADLINE, &v));
    g_assert_cmpuint(v, ==, 0);
    g_assert_true(wrmsr(a, MSR_IA32_TSC_DEADLINE, 1000000));
    test_step(f->t, NS_PER_SEC);
    g_assert_false(irr(a, 0xED));
    /* Switching into TSC-deadline mode stops a running count. */
    wr(a, LAPIC_TMICT, 1000);
    wr(a, LAPIC_LVT_TIMER, LAPIC_TIMER_TSC_DEADLINE | 0xED);
    g_assert_cmpuint(rd(a, LAPIC_TMICT), ==, 0);
    test_step(f->t, 1000000);
    g_assert_false(irr(a, 0xED));
    teardown(f);
}

/* ---- x2APIC and IA32_APIC_BASE ---- */

static void test_x2apic(void)
{
    struct fx *f = setup(3);
    struct lapic *a = f->a[1];
    uint64_t v;
    /* Not in x2APIC mode yet: the MSRs fault. */
    g_assert_false(rdmsr(a, 0x802, &v));
    for (int i = 0; i < 3; i++) {
        g_assert_true(wrmsr(f->a[i], MSR_IA32_APIC_BASE,
                            0xFEE00000 | APIC_BASE_EN | APIC_BASE_EXTD));
        g_assert_true(lapic_x2apic_mode(f->a[i]));
        g_assert_false(lapic_mmio_active(f->a[i]));
        g_assert_true(wrmsr(f->a[i], 0x80F, 0x1FF));
    }
    g_assert_true(rdmsr(f->a[0], MSR_IA32_APIC_BASE, &v));
    g_assert_cmphex(v, ==, 0xFEE00D00);
    g_assert_cmphex(rd(a, LAPIC_VER), ==, 0); /* MMIO off */
    g_assert_true(rdmsr(a, 0x802, &v));
    g_assert_cmphex(v, ==, 1);
    g_assert_true(rdmsr(a, 0x803, &v));
    g_assert_cmphex(v, ==, 0x00050014);
    g_assert_true(rdmsr(a, 0x80D, &v));
    g_assert_cmphex(v, ==, 0x00000002); /* cluster 0, bit 1 */
    /* #GP: read-only, write-only, absent, reserved bits, non-zero EOI/ESR. */
    g_assert_false(wrmsr(a, 0x802, 5));
    g_assert_false(wrmsr(a, 0x803, 0));
    g_assert_false(wrmsr(a, 0x80D, 0));
    g_assert_false(wrmsr(a, 0x80A, 0));
    g_assert_false(wrmsr(a, 0x839, 0));
    g_assert_false(wrmsr(a, 0x810, 0));
    g_assert_false(rdmsr(a, 0x80B, &v));
    g_assert_false(rdmsr(a, 0x83F, &v));
    g_assert_false(rdmsr(a, 0x80E, &v));
    g_assert_false(rdmsr(a, 0x809, &v));
    g_assert_false(rdmsr(a, 0x831, &v));
    g_assert_false(rdmsr(a, 0x82F, &v));
    g_assert_false(rdmsr(a, 0x8FF, &v));
    g_assert_false(wrmsr(a, 0x80B, 1));
    g_assert_false(wrmsr(a, 0x828, 1));
    g_assert_false(wrmsr(a, 0x808, 0x100));
    g_assert_false(wrmsr(a, 0x808, 1ULL << 32));
    g_assert_false(wrmsr(a, 0x80F, 0x1000));
    g_assert_false(wrmsr(a, 0x83E, 0x4));
    g_assert_false(wrmsr(a, 0x83F, 0x100));
    g_assert_false(wrmsr(a, 0x830, 1u << 12));
    g_assert_false(wrmsr(a, 0x835, 1u << 17));
    /* Read-modify-write of an LVT with its read-only bits is fine. */
    g_assert_true(wrmsr(a, 0x835, LAPIC_LVT_REMOTE_IRR | LAPIC_LVT_MASKED | 0x700));
    g_assert_true(wrmsr(a, 0x808, 0x20));
    g_assert_true(rdmsr(a, 0x808, &v));
    g_assert_cmphex(v, ==, 0x20);
    g_assert_true(wrmsr(a, 0x808, 0));
    /* 64-bit ICR, 32-bit destination. */
    g_assert_true(wrmsr(f->a[0], 0x830, (2ULL << 32) | 0x51));
    g_assert_true(irr(f->a[2], 0x51) == false); /* MMIO reads are off... */
    g_assert_true(rdmsr(f->a[2], 0x822, &v)); /* IRR 0x40-0x5F */
    g_assert_cmphex(v, ==, 1u << (0x51 - 0x40));
    g_assert_true(rdmsr(f->a[0], 0x830, &v));
    g_assert_cmphex(v, ==, (2ULL << 32) | 0x51);
    /* Broadcast 0xFFFFFFFF; logical cluster 0, members 0 and 2. */
    g_assert_true(wrmsr(f->a[0], 0x830, (0xFFFFFFFFULL << 32) | LAPIC_ICR_ALL_BUT_SELF | 0x52));
    g_assert_true(wrmsr(f->a[0], 0x830, (0x5ULL << 32) | LAPIC_ICR_LOGICAL | 0x53));
    uint64_t irr2[3];
    for (int i = 0; i < 3; i++)
        g_assert_true(rdmsr(f->a[i], 0x822, &irr2[i]));
    g_assert_cmphex(irr2[0], ==, 1u << (0x53 - 0x40));
    g_assert_cmphex(irr2[1], ==, 1u << (0x52 - 0x40));
    g_assert_cmphex(irr2[2], ==, 1u << (0x51 - 0x40) | 1u << (0x52 - 0x40) | 1u << (0x53 - 0x40));
    /* SELF IPI, ack, EOI by MSR. */
    g_assert_true(wrmsr(a, 0x83F, 0x90));
    g_assert_cmphex(ack(a), ==, 0x90);
    g_assert_true(wrmsr(a, 0x80B, 0));
    g_assert_cmphex(ack(a), ==, 0x52);
    /* The timer through MSRs. */
    g_assert_true(wrmsr(a, 0x83E, 0xB));
    g_assert_true(wrmsr(a, 0x832, 0xE0));
    g_assert_true(wrmsr(a, 0x838, 500));
    test_step(f->t, 100);
    g_assert_true(rdmsr(a, 0x839, &v));
    g_assert_cmpuint(v, ==, 400);
    /* An IOAPIC-style 8-bit message to 0xFF still reaches everyone. */
    struct apic_msg m = { .dest = 0xFF, .vector = 0x61 };
    g_assert_cmpuint(apic_bus_deliver(f->bus, &m), ==, 3);
    teardown(f);
}

static void test_apic_base(void)
{
    struct fx *f = setup(2);
    struct lapic *a = f->a[1];
    uint64_t v;
    /* Relocation; the BSP flag is read-only. */
    g_assert_true(wrmsr(a, MSR_IA32_APIC_BASE, 0xFED00000 | APIC_BASE_EN | APIC_BASE_BSP));
    g_assert_cmphex(lapic_base(a), ==, 0xFED00000);
    g_assert_true(rdmsr(a, MSR_IA32_APIC_BASE, &v));
    g_assert_cmphex(v, ==, 0xFED00000 | APIC_BASE_EN);
    g_assert_true(wrmsr(a, MSR_IA32_APIC_BASE, 0xFEE00000 | APIC_BASE_EN));
    /* Reserved bits. */
    g_assert_false(wrmsr(a, MSR_IA32_APIC_BASE, 0xFEE00000 | APIC_BASE_EN | 1));
    g_assert_false(wrmsr(a, MSR_IA32_APIC_BASE, 0xFEE00000 | APIC_BASE_EN | BIT(9)));
    g_assert_false(wrmsr(a, MSR_IA32_APIC_BASE, (1ULL << 40) | APIC_BASE_EN));
    /* EXTD without EN is invalid. */
    g_assert_false(wrmsr(a, MSR_IA32_APIC_BASE, 0xFEE00000 | APIC_BASE_EXTD));
    /* Global disable returns the APIC to its power-up state. */
    enable(a, 0x3F);
    wr(a, LAPIC_TPR, 0x30);
    wr(a, LAPIC_ID, 0x07000000);
    g_assert_true(wrmsr(a, MSR_IA32_APIC_BASE, 0xFEE00000));
    g_assert_false(lapic_mmio_active(a));
    /* Disabled -> x2APIC is illegal; disabled -> xAPIC is fine. */
    g_assert_false(wrmsr(a, MSR_IA32_APIC_BASE, 0xFEE00000 | APIC_BASE_EN | APIC_BASE_EXTD));
    g_assert_true(wrmsr(a, MSR_IA32_APIC_BASE, 0xFEE00000 | APIC_BASE_EN));
    g_assert_cmphex(rd(a, LAPIC_SVR), ==, 0xFF);
    g_assert_cmphex(rd(a, LAPIC_TPR), ==, 0);
    g_assert_cmphex(rd(a, LAPIC_ID), ==, 1u << 24);
    /* A disabled APIC hears nothing. */
    g_assert_true(wrmsr(a, MSR_IA32_APIC_BASE, 0xFEE00000));
    enable(f->a[0], 0xFF);
    ipi(f->a[0], 1, APIC_DM_NMI << 8);
    g_assert_cmpuint(f->rec[1].nmi, ==, 0);
    g_assert_true(wrmsr(a, MSR_IA32_APIC_BASE, 0xFEE00000 | APIC_BASE_EN));
    /* xAPIC -> x2APIC -> xAPIC is illegal; x2APIC -> disabled is fine. */
    g_assert_true(wrmsr(a, MSR_IA32_APIC_BASE, 0xFEE00000 | APIC_BASE_EN | APIC_BASE_EXTD));
    g_assert_true(wrmsr(a, 0x80F, 0x1FF));
    g_assert_false(wrmsr(a, MSR_IA32_APIC_BASE, 0xFEE00000 | APIC_BASE_EN));
    g_assert_true(lapic_x2apic_mode(a));
    g_assert_true(wrmsr(a, MSR_IA32_APIC_BASE, 0xFEE00000));
    g_assert_false(lapic_x2apic_mode(a));
    g_assert_true(wrmsr(a, MSR_IA32_APIC_BASE, 0xFEE00000 | APIC_BASE_EN));
    g_assert_cmphex(rd(a, LAPIC_SVR), ==, 0xFF);
    g_assert_cmphex(rd(a, LAPIC_LDR), ==, 0);
    /* MSRs outside the APIC's set are not ours. */
    g_assert_false(rdmsr(a, 0x10, &v));
    g_assert_false(wrmsr(a, 0x1A0, 0));
    teardown(f);
}

static void test_init_reset(void)
{
    struct fx *f = setup(2);
    struct lapic *a = f->a[1];
    enable(a, 0xFF);
    wr(a, LAPIC_ID, 0x06000000);
    wr(a, LAPIC_TPR, 0x20);
    wr(a, LAPIC_LDR, 0x02000000);
    wr(a, LAPIC_LVT_LINT0, 0x700);
    wr(a, LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | 0x40);
    wr(a, LAPIC_TMICT, 100000);
    wr(a, LAPIC_ICR_LO, LAPIC_ICR_SELF | 0x50);
    g_assert_true(wrmsr(a, MSR_IA32_APIC_BASE, 0xFED00000 | APIC_BASE_EN));
    lapic_ops.init_reset(a);
    g_assert_cmphex(rd(a, LAPIC_ID), ==, 0x06000000); /* kept */
    g_assert_cmphex(lapic_base(a), ==, 0xFED00000);   /* kept */
    g_assert_cmphex(rd(a, LAPIC_SVR), ==, 0xFF);
    g_assert_cmphex(rd(a, LAPIC_TPR), ==, 0);
    g_assert_cmphex(rd(a, LAPIC_LDR), ==, 0);
    g_assert_cmphex(rd(a, LAPIC_LVT_LINT0), ==, LAPIC_LVT_MASKED);
    g_assert_cmphex(rd(a, LAPIC_TMICT), ==, 0);
    g_assert_false(irr(a, 0x50));
    g_assert_false(vtimer_pending(&a->timer));
    /* In x2APIC mode INIT keeps the mode and the derived LDR. */
    g_assert_true(wrmsr(a, MSR_IA32_APIC_BASE, 0xFED00000 | APIC_BASE_EN | APIC_BASE_EXTD));
    lapic_ops.init_reset(a);
    uint64_t v;
    g_assert_true(lapic_x2apic_mode(a));
    g_assert_true(rdmsr(a, 0x80D, &v));
    g_assert_cmphex(v, ==, 2);
    /* Power-on reset: back to xAPIC at the default base. */
    lapic_class.reset(a, RESET_COLD);
    g_assert_false(lapic_x2apic_mode(a));
    g_assert_cmphex(lapic_base(a), ==, LAPIC_DEFAULT_BASE);
    g_assert_cmphex(rd(a, LAPIC_ID), ==, 1u << 24);
    teardown(f);
}

static void test_bus_slots(void)
{
    struct fx *f = setup(1);
    struct lapic_config c = cfg_for(f, 0);
    g_assert_null(lapic_new(&f->t->env, &c)); /* slot taken */
    c.apic_id = 255;
    g_assert_null(lapic_new(&f->t->env, &c));
    /* A lone APIC without a bus still takes self IPIs. */
    c.apic_id = 3;
    c.bus = NULL;
    struct lapic *lone = lapic_new(&f->t->env, &c);
    enable(lone, 0xFF);
    wr(lone, LAPIC_ICR_LO, LAPIC_ICR_ALL | 0x40);
    g_assert_true(irr(lone, 0x40));
    lapic_class.destroy(lone);
    teardown(f);
}

/* ---- generic device checks ---- */

static void busy_state(struct fx *f)
{
    struct lapic *a = f->a[0];
    enable(a, 0xFF);
    wr(a, LAPIC_TPR, 0x10);
    wr(a, LAPIC_LDR, 0x01000000);
    wr(a, LAPIC_LVT_LINT0, LAPIC_LVT_LEVEL | 0x58);
    lapic_set_lint(a, 0, 1);
    wr(a, LAPIC_ICR_LO, LAPIC_ICR_SELF | 0x77);
    ack(a);
    wr(a, LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | 0xEC);
    wr(a, LAPIC_TMICT, 123456);
    test_step(f->t, 5000);
    wr(a, LAPIC_TDCR, 0x1);
    ipi(a, 0, 0x02); /* an error */
}

static void test_generic(void)
{
    struct fx *f = setup(2);
    struct fx *g = setup(1); /* a fresh CPU 0 on its own bus */
    busy_state(f);
    test_dev_reset_idempotent(&lapic_class, f->a[1]);
    test_step(g->t, vclock_now(&f->t->clock));
    test_dev_roundtrip(&lapic_class, f->a[0], g->a[0]);
    /* The loaded APIC behaves like the saved one: the timer runs on. */
    g_assert_cmpuint(rd(g->a[0], LAPIC_TMCCT), ==, rd(f->a[0], LAPIC_TMCCT));
    g_assert_true(vtimer_pending(&g->a[0]->timer));
    g_assert_cmphex(rd(g->a[0], LAPIC_LVT_LINT0), ==, rd(f->a[0], LAPIC_LVT_LINT0));
    g_assert_true(isr(g->a[0], 0x77));
    test_step(f->t, 1000000);
    test_step(g->t, 1000000);
    g_assert_cmpuint(rd(g->a[0], LAPIC_TMCCT), ==, rd(f->a[0], LAPIC_TMCCT));
    g_assert_cmpint(drain(g->a[0], 0xEC), ==, drain(f->a[0], 0xEC));
    teardown(g);
    teardown(f);
}

static void expect_reject(struct lapic *a, const char *field, const void *val, size_t len)
{
    struct vm_writer w;
    g_assert_cmpint(vmw_begin(&w), ==, 0);
    vmw_node_begin(&w, "dev");
    vmw_bytes(&w, field, val, len);
    vmw_node_end(&w);
    size_t n;
    void *blob = vmw_finish(&w, &n);
    char err[200];
    g_assert_cmpint(test_dev_load(&lapic_class, a, blob, n, err, sizeof(err)), ==, -1);
    g_assert_nonnull(strstr(err, field));
    g_free(blob);
}

static void reject_u32(struct lapic *a, const char *field, uint32_t v)
{
    uint8_t b[4];
    b[0] = (uint8_t)(v >> 24); /* FDT properties are big-endian */
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
    expect_reject(a, field, b, 4);
}

static void reject_u64(struct lapic *a, const char *field, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (56 - 8 * i));
    expect_reject(a, field, b, 8);
}

static void test_load_rejects(void)
{
    struct fx *f = setup(2);
    reject_u64(f->a[0], "apic_base", 0xFEE00000 | APIC_BASE_BSP | APIC_BASE_EXTD);
    reject_u64(f->a[0], "apic_base", 0xFEE00001 | APIC_BASE_BSP | APIC_BASE_EN);
    reject_u64(f->a[1], "apic_base", 0xFEE00000 | APIC_BASE_BSP | APIC_BASE_EN);
    reject_u32(f->a[0], "svr", 0x1000);
    reject_u32(f->a[0], "dfr", 0);
    reject_u32(f->a[0], "id", 0x00000001);
    reject_u32(f->a[0], "tdcr", 0x4);
    reject_u32(f->a[0], "tmr_count0", 5); /* more than tmict (0) */
    reject_u64(f->a[0], "icr", 1u << 12);
    uint8_t lvt[4 * LVT_NUM] = { 0 };
    expect_reject(f->a[0], "lvt", lvt, 7); /* wrong length */
    uint8_t bad[4 * LVT_NUM];
    memset(bad, 0, sizeof(bad));
    st32(bad + 4 * LVT_TIMER, 1u << 20);
    expect_reject(f->a[0], "lvt", bad, sizeof(bad));
    /* The register file is untouched by a rejected load. */
    g_assert_cmphex(rd(f->a[0], LAPIC_SVR), ==, 0xFF);
    teardown(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/lapic/reset-state", test_reset_state);
    g_test_add_func("/lapic/mmio-widths", test_mmio_widths);
    g_test_add_func("/lapic/sw-enable", test_sw_enable);
    g_test_add_func("/lapic/extint-lint0", test_extint_lint0);
    g_test_add_func("/lapic/lint-level-fixed", test_lint_level_fixed);
    g_test_add_func("/lapic/global-disable-passthrough", test_global_disable_passthrough);
    g_test_add_func("/lapic/ipi-fixed", test_ipi_fixed);
    g_test_add_func("/lapic/ipi-broadcast", test_ipi_broadcast);
    g_test_add_func("/lapic/logical-flat-cluster", test_logical_flat_cluster);
    g_test_add_func("/lapic/lowest-priority", test_lowest_priority);
    g_test_add_func("/lapic/init-sipi", test_init_sipi);
    g_test_add_func("/lapic/msi", test_msi);
    g_test_add_func("/lapic/tpr-ppr", test_tpr_ppr);
    g_test_add_func("/lapic/nested-eoi", test_nested_eoi);
    g_test_add_func("/lapic/esr", test_esr);
    g_test_add_func("/lapic/timer-oneshot", test_timer_oneshot);
    g_test_add_func("/lapic/timer-periodic", test_timer_periodic);
    g_test_add_func("/lapic/timer-min-period", test_timer_min_period);
    g_test_add_func("/lapic/tsc-deadline", test_tsc_deadline);
    g_test_add_func("/lapic/x2apic", test_x2apic);
    g_test_add_func("/lapic/apic-base", test_apic_base);
    g_test_add_func("/lapic/init-reset", test_init_reset);
    g_test_add_func("/lapic/bus-slots", test_bus_slots);
    g_test_add_func("/lapic/generic", test_generic);
    g_test_add_func("/lapic/load-rejects", test_load_rejects);
    return g_test_run();
}
