/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the HPET, programmed through its MMIO window the way
 * Linux's arch/x86/kernel/hpet.c and the HPET specification's examples do,
 * with the manual virtual clock stepped to exact 10 ns counter ticks.
 *
 * Recorder inputs: 0 and 8 are the legacy replacement outputs (ISA IRQ 0
 * and 8), 20-23 the IOAPIC route outputs, 30 the `legacy` gate line. */
#include <string.h>
#include "hw/timer/hpet.h"
#include "tests/support/testenv.h"

#define B HPET_DEFAULT_BASE
#define GATE 30
#define TICK HPET_NS_PER_TICK

struct fx {
    struct test_env *t;
    struct hpet *h;
};

static struct hpet *make_hpet(struct test_env *t)
{
    struct hpet *h = hpet_new(&t->env);
    as_add(&t->mem, &h->region, B, 0);
    as_commit(&t->mem);
    for (int i = 0; i < HPET_NUM_ROUTES; i++)
        test_irq_connect(t, &h->irq[i], HPET_ROUTE_FIRST + i);
    test_irq_connect(t, &h->irq0, 0);
    test_irq_connect(t, &h->irq8, 8);
    test_irq_connect(t, &h->legacy, GATE);
    hpet_class.reset(h, RESET_COLD);
    hpet_class.settle(h);
    return h;
}

static struct fx setup(void)
{
    struct fx f;
    f.t = test_env_new(0);
    f.h = make_hpet(f.t);
    return f;
}

static void teardown(struct fx *f)
{
    hpet_class.destroy(f->h);
    test_env_free(f->t);
}

static uint64_t rd64(struct fx *f, uint64_t off)
{
    return test_readm(f->t, B + off, 8);
}

static uint32_t rd32(struct fx *f, uint64_t off)
{
    return (uint32_t)test_readm(f->t, B + off, 4);
}

static void wr64(struct fx *f, uint64_t off, uint64_t v)
{
    test_writem(f->t, B + off, 8, v);
}

static void wr32(struct fx *f, uint64_t off, uint32_t v)
{
    test_writem(f->t, B + off, 4, v);
}

static void step_to(struct fx *f, int64_t ns)
{
    int64_t now = vclock_now(&f->t->clock);
    g_assert_cmpint(ns, >=, now);
    test_step(f->t, ns - now);
}

static int64_t now(struct fx *f)
{
    return vclock_now(&f->t->clock);
}

static int raises(struct fx *f, int n)
{
    return f->t->irq.raises[n];
}

static int level(struct fx *f, int n)
{
    return f->t->irq.level[n];
}

static void cfg_set(struct fx *f, uint32_t bits)
{
    wr32(f, HPET_REG_CONFIG, rd32(f, HPET_REG_CONFIG) | bits);
}

static void cfg_clear(struct fx *f, uint32_t bits)
{
    wr32(f, HPET_REG_CONFIG, rd32(f, HPET_REG_CONFIG) & ~bits);
}

static uint32_t route(unsigned gsi)
{
    return gsi << HPET_TN_ROUTE_SHIFT;
}

/* ---- registers ---- */

static void test_capabilities(void)
{
    struct fx f = setup();
    uint64_t cap = rd64(&f, HPET_REG_CAP);
    g_assert_cmphex(cap & 0xff, ==, 1);                 /* REV_ID */
    g_assert_cmphex((cap >> 8) & 0x1f, ==, 2);          /* NUM_TIM_CAP: 3 timers */
    g_assert_true(cap & BIT(13));                       /* 64-bit counter */
    g_assert_true(cap & BIT(15));                       /* legacy replacement */
    g_assert_cmphex((cap >> 16) & 0xffff, ==, 0x8086);
    g_assert_cmphex(cap >> 32, ==, 10000000);           /* 10 ns in fs */
    g_assert_cmphex(rd32(&f, HPET_REG_CAP + 4), ==, 10000000);
    g_assert_cmphex(rd32(&f, HPET_REG_CAP), ==, hpet_block_id());
    g_assert_cmphex(hpet_block_id(), ==, 0x8086a201);
    /* The capability register is read-only. */
    wr64(&f, HPET_REG_CAP, 0);
    g_assert_cmphex(rd64(&f, HPET_REG_CAP), ==, cap);

    /* Timer 0: periodic-capable, 64-bit; 1 and 2: 32-bit one-shot; none
     * FSB-capable; all may use IOAPIC inputs 20-23. */
    uint64_t t0 = rd64(&f, HPET_REG_TN_CONFIG(0));
    g_assert_cmphex(t0, ==, HPET_TN_PER_CAP | HPET_TN_SIZE_CAP | 0x00F0000000000000ULL);
    for (unsigned n = 1; n < 3; n++)
        g_assert_cmphex(rd64(&f, HPET_REG_TN_CONFIG(n)), ==, 0x00F0000000000000ULL);
    /* Reset values: halted, comparators all ones within their width. */
    g_assert_cmphex(rd64(&f, HPET_REG_CONFIG), ==, 0);
    g_assert_cmphex(rd64(&f, HPET_REG_ISR), ==, 0);
    g_assert_cmphex(rd64(&f, HPET_REG_COUNTER), ==, 0);
    g_assert_cmphex(rd64(&f, HPET_REG_TN_CMP(0)), ==, UINT64_MAX);
    g_assert_cmphex(rd64(&f, HPET_REG_TN_CMP(1)), ==, UINT32_MAX);
    g_assert_cmphex(rd64(&f, HPET_REG_TN_FSB(0)), ==, 0);
    teardown(&f);
}

/* What Linux's hpet_enable() checks before it uses the HPET. */
static void test_linux_probe(void)
{
    struct fx f = setup();
    uint32_t period = rd32(&f, HPET_REG_CAP + 4);
    g_assert_cmpuint(period, >=, 100000);    /* HPET_MIN_PERIOD */
    g_assert_cmpuint(period, <=, 100000000); /* HPET_MAX_PERIOD */
    g_assert_cmphex(rd32(&f, HPET_REG_CONFIG), !=, 0xffffffff);
    for (unsigned n = 0; n < 3; n++) {
        /* No bits Linux does not know ("Unrecognized bits ... set in cfg"). */
        uint32_t cfg = rd32(&f, HPET_REG_TN_CONFIG(n));
        cfg &= ~(HPET_TN_INT_ENB | HPET_TN_INT_TYPE | HPET_TN_FSB_EN);
        cfg &= ~(HPET_TN_TYPE | HPET_TN_PER_CAP | HPET_TN_SIZE_CAP | HPET_TN_32MODE |
                 HPET_TN_ROUTE_MASK | HPET_TN_FSB_EN | HPET_TN_FSB_CAP);
        g_assert_cmphex(cfg, ==, 0);
    }
    /* hpet_clocksource_register: restart the counter, it must move. */
    cfg_clear(&f, HPET_CFG_ENABLE);
    wr32(&f, HPET_REG_COUNTER, 0);
    wr32(&f, HPET_REG_COUNTER + 4, 0);
    cfg_set(&f, HPET_CFG_ENABLE);
    uint32_t t1 = rd32(&f, HPET_REG_COUNTER);
    test_step(f.t, 50000); /* 200000 TSC cycles at 4 GHz */
    g_assert_cmpuint(rd32(&f, HPET_REG_COUNTER), ==, t1 + 5000);
    teardown(&f);
}

static void test_counter(void)
{
    struct fx f = setup();
    /* Halted at reset: the clock passing does not move it. */
    test_step(f.t, 1000000);
    g_assert_cmphex(rd64(&f, HPET_REG_COUNTER), ==, 0);
    cfg_set(&f, HPET_CFG_ENABLE);
    test_step(f.t, 12345);
    g_assert_cmphex(rd64(&f, HPET_REG_COUNTER), ==, 1234); /* whole 10 ns periods */
    test_step(f.t, 5);
    g_assert_cmphex(rd64(&f, HPET_REG_COUNTER), ==, 1235);
    test_step(f.t, 1000000000);
    g_assert_cmphex(rd64(&f, HPET_REG_COUNTER), ==, 100001235);
    /* Writes while running are ignored. */
    wr64(&f, HPET_REG_COUNTER, 42);
    g_assert_cmphex(rd64(&f, HPET_REG_COUNTER), ==, 100001235);
    /* Halt: the value holds; write it in two halves. */
    cfg_clear(&f, HPET_CFG_ENABLE);
    test_step(f.t, 777777);
    g_assert_cmphex(rd64(&f, HPET_REG_COUNTER), ==, 100001235);
    wr32(&f, HPET_REG_COUNTER, 0xfffffff0);
    wr32(&f, HPET_REG_COUNTER + 4, 0x1);
    g_assert_cmphex(rd64(&f, HPET_REG_COUNTER), ==, 0x1fffffff0ULL);
    cfg_set(&f, HPET_CFG_ENABLE);
    test_step(f.t, 200);
    /* The 32-bit halves carry as a 64-bit counter. */
    g_assert_cmphex(rd32(&f, HPET_REG_COUNTER), ==, 0x4);
    g_assert_cmphex(rd32(&f, HPET_REG_COUNTER + 4), ==, 0x2);
    /* The general configuration keeps only its two bits. */
    wr64(&f, HPET_REG_CONFIG, ~0ULL);
    g_assert_cmphex(rd64(&f, HPET_REG_CONFIG), ==, 3);
    teardown(&f);
}

/* ---- timers ---- */

/* Linux's clock event in periodic mode (hpet_set_periodic at HZ=250). */
static void test_linux_periodic(void)
{
    struct fx f = setup();
    cfg_set(&f, HPET_CFG_ENABLE);
    test_step(f.t, 1000);
    cfg_set(&f, HPET_CFG_LEG_RT); /* hpet_enable_legacy_int */
    g_assert_cmpint(level(&f, GATE), ==, 1);

    uint32_t delta = 400000; /* 4 ms */
    cfg_clear(&f, HPET_CFG_ENABLE);
    uint32_t cnt = rd32(&f, HPET_REG_COUNTER);
    g_assert_cmpuint(cnt, ==, 100);
    uint32_t cfg = rd32(&f, HPET_REG_TN_CONFIG(0));
    cfg |= HPET_TN_INT_ENB | HPET_TN_TYPE | HPET_TN_VAL_SET | HPET_TN_32MODE;
    wr32(&f, HPET_REG_TN_CONFIG(0), cfg);
    g_assert_true(rd32(&f, HPET_REG_TN_CONFIG(0)) & HPET_TN_VAL_SET);
    wr32(&f, HPET_REG_TN_CMP(0), cnt + delta);
    g_assert_false(rd32(&f, HPET_REG_TN_CONFIG(0)) & HPET_TN_VAL_SET); /* self-clearing */
    test_step(f.t, 1000); /* udelay(1): the counter is halted */
    wr32(&f, HPET_REG_TN_CMP(0), delta); /* the period only */
    g_assert_cmphex(rd64(&f, HPET_REG_TN_CMP(0)), ==, cnt + delta);
    cfg_set(&f, HPET_CFG_ENABLE);
    int64_t start = now(&f);

    step_to(&f, start + (int64_t)delta * TICK - 1);
    g_assert_cmpint(raises(&f, 0), ==, 0);
    step_to(&f, start + (int64_t)delta * TICK);
    g_assert_cmpint(raises(&f, 0), ==, 1);
    g_assert_cmpint(level(&f, 0), ==, 0); /* edge: a pulse */
    g_assert_cmphex(rd64(&f, HPET_REG_TN_CMP(0)), ==, cnt + 2 * delta);
    step_to(&f, start + 10LL * delta * TICK);
    g_assert_cmpint(raises(&f, 0), ==, 10);
    g_assert_cmphex(rd32(&f, HPET_REG_TN_CMP(0)), ==, cnt + 11 * delta);
    /* Edge-triggered timers leave the status register alone; nothing
     * reaches the IOAPIC route lines or IRQ 8. */
    g_assert_cmphex(rd32(&f, HPET_REG_ISR), ==, 0);
    for (int i = 0; i < HPET_NUM_ROUTES; i++)
        g_assert_cmpint(raises(&f, HPET_ROUTE_FIRST + i), ==, 0);
    g_assert_cmpint(raises(&f, 8), ==, 0);

    /* Shut down (clear Tn_INT_ENB): no more interrupts, nothing armed. */
    wr32(&f, HPET_REG_TN_CONFIG(0), rd32(&f, HPET_REG_TN_CONFIG(0)) & ~HPET_TN_INT_ENB);
    g_assert_false(vtimer_pending(&f.h->timer));
    step_to(&f, start + 20LL * delta * TICK);
    g_assert_cmpint(raises(&f, 0), ==, 10);
    /* ...but a periodic comparator keeps advancing. */
    g_assert_cmphex(rd32(&f, HPET_REG_TN_CMP(0)), ==, cnt + 21 * delta);
    teardown(&f);
}

/* Linux's clock event in one-shot mode (hpet_next_event) and its ETIME
 * check, then the 32-bit comparator matching again after a wrap. */
static void test_linux_oneshot(void)
{
    struct fx f = setup();
    cfg_set(&f, HPET_CFG_ENABLE | HPET_CFG_LEG_RT);
    uint32_t cfg = rd32(&f, HPET_REG_TN_CONFIG(0));
    cfg &= ~HPET_TN_TYPE;
    cfg |= HPET_TN_INT_ENB | HPET_TN_32MODE;
    wr32(&f, HPET_REG_TN_CONFIG(0), cfg);
    test_step(f.t, 333);
    uint32_t cnt = rd32(&f, HPET_REG_COUNTER) + 1000;
    int64_t at = now(&f) / TICK * TICK + 1000 * TICK;
    wr32(&f, HPET_REG_TN_CMP(0), cnt);
    g_assert_cmpint((int32_t)(cnt - rd32(&f, HPET_REG_COUNTER)), >=, 128);
    step_to(&f, at - 1);
    g_assert_cmpint(raises(&f, 0), ==, 0);
    step_to(&f, at);
    g_assert_cmpint(raises(&f, 0), ==, 1);
    g_assert_cmphex(rd32(&f, HPET_REG_TN_CMP(0)), ==, cnt); /* one-shot: unchanged */
    step_to(&f, at + 40LL * NS_PER_SEC);
    g_assert_cmpint(raises(&f, 0), ==, 1);
    /* A 32-bit comparator matches again 2^32 ticks later. */
    step_to(&f, at + (1LL << 32) * TICK);
    g_assert_cmpint(raises(&f, 0), ==, 2);
    teardown(&f);
}

/* A 64-bit comparator compares all 64 bits; in 32-bit mode only the low
 * half, and the upper half reads 0 and ignores writes. */
static void test_comparator_width(void)
{
    struct fx f = setup();
    wr64(&f, HPET_REG_COUNTER, 0xffffff00ULL);
    wr64(&f, HPET_REG_TN_CONFIG(0), HPET_TN_INT_ENB | route(20));
    wr64(&f, HPET_REG_TN_CMP(0), 0x200000010ULL);
    g_assert_cmphex(rd64(&f, HPET_REG_TN_CMP(0)), ==, 0x200000010ULL);
    cfg_set(&f, HPET_CFG_ENABLE);
    int64_t start = now(&f);
    step_to(&f, start + 0x110 * TICK);
    g_assert_cmpint(raises(&f, 20), ==, 0); /* low halves equal, high not */
    step_to(&f, start + 0x100000110LL * TICK);
    g_assert_cmpint(raises(&f, 20), ==, 1);

    /* 32-bit mode: the comparator's upper half is dropped. */
    cfg_clear(&f, HPET_CFG_ENABLE);
    wr64(&f, HPET_REG_COUNTER, 0xffffff00ULL);
    wr64(&f, HPET_REG_TN_CMP(0), 0x200000010ULL);
    wr32(&f, HPET_REG_TN_CONFIG(0), rd32(&f, HPET_REG_TN_CONFIG(0)) | HPET_TN_32MODE);
    g_assert_cmphex(rd64(&f, HPET_REG_TN_CMP(0)), ==, 0x10);
    wr32(&f, HPET_REG_TN_CMP(0) + 4, 0x5);
    g_assert_cmphex(rd64(&f, HPET_REG_TN_CMP(0)), ==, 0x10);
    cfg_set(&f, HPET_CFG_ENABLE);
    start = now(&f);
    /* Within 10 us of the previous callback the vtimer waits; an access
     * sees the match at once. */
    step_to(&f, start + 0x110 * TICK);
    g_assert_cmpint(raises(&f, 20), ==, 1);
    g_assert_cmphex(rd32(&f, HPET_REG_COUNTER), ==, 0x10);
    g_assert_cmpint(raises(&f, 20), ==, 2);

    /* Timers 1 and 2 are 32-bit and one-shot only. */
    wr64(&f, HPET_REG_TN_CMP(1), 0x1234567887654321ULL);
    g_assert_cmphex(rd64(&f, HPET_REG_TN_CMP(1)), ==, 0x87654321);
    wr64(&f, HPET_REG_TN_CONFIG(2), HPET_TN_TYPE | HPET_TN_VAL_SET | HPET_TN_32MODE |
                                        HPET_TN_FSB_EN | HPET_TN_INT_TYPE);
    g_assert_cmphex(rd32(&f, HPET_REG_TN_CONFIG(2)), ==, HPET_TN_INT_TYPE);
    wr64(&f, HPET_REG_TN_CONFIG(0), HPET_TN_FSB_EN | HPET_TN_FSB_CAP | HPET_TN_PER_CAP);
    /* (route 0 is outside the capability: the old route stays) */
    g_assert_cmphex(rd32(&f, HPET_REG_TN_CONFIG(0)), ==,
                    HPET_TN_PER_CAP | HPET_TN_SIZE_CAP | route(20));
    /* FSB route registers: no FSB delivery. */
    wr64(&f, HPET_REG_TN_FSB(1), 0xfee00000000000ffULL);
    g_assert_cmphex(rd64(&f, HPET_REG_TN_FSB(1)), ==, 0);
    teardown(&f);
}

/* Periodic in 32-bit mode: the accumulator wraps at 32 bits. */
static void test_periodic_32bit_wrap(void)
{
    struct fx f = setup();
    wr64(&f, HPET_REG_COUNTER, 0x7ffffff00ULL); /* low half near its wrap */
    wr32(&f, HPET_REG_TN_CONFIG(0), HPET_TN_INT_ENB | HPET_TN_TYPE | HPET_TN_32MODE |
                                        HPET_TN_VAL_SET | route(23));
    wr32(&f, HPET_REG_TN_CMP(0), 0xffffff80);
    wr32(&f, HPET_REG_TN_CMP(0), 0x1000);
    cfg_set(&f, HPET_CFG_ENABLE);
    int64_t start = now(&f);
    step_to(&f, start + 0x80 * TICK);
    g_assert_cmpint(raises(&f, 23), ==, 1);
    g_assert_cmphex(rd64(&f, HPET_REG_TN_CMP(0)), ==, 0x00000f80);
    step_to(&f, start + (0x80 + 0x1000) * TICK - 1);
    g_assert_cmpint(raises(&f, 23), ==, 1);
    step_to(&f, start + (0x80 + 0x1000) * TICK);
    g_assert_cmpint(raises(&f, 23), ==, 2);
    g_assert_cmphex(rd64(&f, HPET_REG_TN_CMP(0)), ==, 0x00001f80);
    g_assert_cmphex(rd64(&f, HPET_REG_COUNTER), ==, 0x800000f80ULL);
    teardown(&f);
}

/* The Intel datasheets' way to set a 64-bit periodic comparator from a
 * 32-bit environment: VAL_SET before each half. */
static void test_periodic_64bit_halves(void)
{
    struct fx f = setup();
    uint32_t cfg = HPET_TN_INT_ENB | HPET_TN_TYPE | route(21);
    wr32(&f, HPET_REG_TN_CONFIG(0), cfg | HPET_TN_VAL_SET);
    wr32(&f, HPET_REG_TN_CMP(0), 5000);
    wr32(&f, HPET_REG_TN_CONFIG(0), cfg | HPET_TN_VAL_SET);
    wr32(&f, HPET_REG_TN_CMP(0) + 4, 0);
    g_assert_cmphex(rd64(&f, HPET_REG_TN_CMP(0)), ==, 5000);
    /* Without VAL_SET a write changes the period, not the accumulator. */
    wr64(&f, HPET_REG_TN_CMP(0), 3000);
    g_assert_cmphex(rd64(&f, HPET_REG_TN_CMP(0)), ==, 5000);
    cfg_set(&f, HPET_CFG_ENABLE);
    step_to(&f, 5000 * TICK);
    g_assert_cmpint(raises(&f, 21), ==, 1);
    g_assert_cmphex(rd64(&f, HPET_REG_TN_CMP(0)), ==, 8000);
    step_to(&f, 11000 * TICK);
    g_assert_cmpint(raises(&f, 21), ==, 3);
    g_assert_cmphex(rd64(&f, HPET_REG_TN_CMP(0)), ==, 14000);
    teardown(&f);
}

/* Level-triggered: status bit set on a match (even with the interrupt
 * disabled), line held until the bit is written with 1. */
static void test_level(void)
{
    struct fx f = setup();
    cfg_set(&f, HPET_CFG_ENABLE);
    wr32(&f, HPET_REG_TN_CONFIG(2), HPET_TN_INT_TYPE | HPET_TN_INT_ENB | route(22));
    wr32(&f, HPET_REG_TN_CONFIG(1), HPET_TN_INT_TYPE | route(21)); /* interrupt off */
    wr32(&f, HPET_REG_TN_CMP(2), 50);
    wr32(&f, HPET_REG_TN_CMP(1), 70);
    step_to(&f, 49 * TICK);
    g_assert_cmpint(level(&f, 22), ==, 0);
    step_to(&f, 50 * TICK);
    g_assert_cmpint(level(&f, 22), ==, 1);
    g_assert_cmphex(rd32(&f, HPET_REG_ISR), ==, 0x4);
    step_to(&f, 100 * TICK);
    g_assert_cmpint(level(&f, 22), ==, 1);
    g_assert_cmpint(level(&f, 21), ==, 0);
    g_assert_cmphex(rd32(&f, HPET_REG_ISR), ==, 0x6);
    /* Writing 0 does nothing; 1 clears. */
    wr32(&f, HPET_REG_ISR, 0);
    g_assert_cmphex(rd32(&f, HPET_REG_ISR), ==, 0x6);
    wr32(&f, HPET_REG_ISR, 0x4);
    g_assert_cmphex(rd32(&f, HPET_REG_ISR), ==, 0x2);
    g_assert_cmpint(level(&f, 22), ==, 0);
    g_assert_cmpint(raises(&f, 22), ==, 1);
    /* Enabling the interrupt with the status set asserts the line; halting
     * the counter (ENABLE_CNF = 0) masks every timer interrupt. */
    wr32(&f, HPET_REG_TN_CONFIG(1), HPET_TN_INT_TYPE | HPET_TN_INT_ENB | route(21));
    g_assert_cmpint(level(&f, 21), ==, 1);
    cfg_clear(&f, HPET_CFG_ENABLE);
    g_assert_cmpint(level(&f, 21), ==, 0);
    cfg_set(&f, HPET_CFG_ENABLE);
    g_assert_cmpint(level(&f, 21), ==, 1);
    /* Switching to edge drops the level. */
    wr32(&f, HPET_REG_TN_CONFIG(1), HPET_TN_INT_ENB | route(21));
    g_assert_cmpint(level(&f, 21), ==, 0);
    /* The next match (after the 32-bit wrap) sets the status again. */
    wr32(&f, HPET_REG_ISR, 0x7);
    wr32(&f, HPET_REG_TN_CMP(2), (uint32_t)(rd32(&f, HPET_REG_COUNTER) + 10));
    test_step(f.t, 10 * TICK);
    g_assert_cmphex(rd32(&f, HPET_REG_ISR), ==, 0x4);
    g_assert_cmpint(raises(&f, 22), ==, 2);
    teardown(&f);
}

static void test_route_cap(void)
{
    struct fx f = setup();
    cfg_set(&f, HPET_CFG_ENABLE);
    /* Routes outside Tn_INT_ROUTE_CAP are not stored. */
    wr32(&f, HPET_REG_TN_CONFIG(1), HPET_TN_INT_ENB | route(5));
    g_assert_cmphex(rd32(&f, HPET_REG_TN_CONFIG(1)), ==, HPET_TN_INT_ENB);
    wr32(&f, HPET_REG_TN_CONFIG(1), HPET_TN_INT_ENB | route(21));
    g_assert_cmphex(rd32(&f, HPET_REG_TN_CONFIG(1)), ==, HPET_TN_INT_ENB | route(21));
    wr32(&f, HPET_REG_TN_CONFIG(1), HPET_TN_INT_ENB | route(2));
    g_assert_cmphex(rd32(&f, HPET_REG_TN_CONFIG(1)), ==, HPET_TN_INT_ENB | route(21));
    wr32(&f, HPET_REG_TN_CMP(1), (uint32_t)(rd32(&f, HPET_REG_COUNTER) + 10));
    test_step(f.t, 10 * TICK);
    g_assert_cmpint(raises(&f, 21), ==, 1);
    for (int i = 0; i < TEST_IRQS; i++)
        if (i != 21)
            g_assert_cmpint(raises(&f, i), ==, 0);
    /* An edge timer with no valid route (route 0 at reset) interrupts
     * nothing and arms no host timer. */
    wr32(&f, HPET_REG_TN_CONFIG(2), HPET_TN_INT_ENB);
    wr32(&f, HPET_REG_TN_CMP(2), (uint32_t)(rd32(&f, HPET_REG_COUNTER) + 10));
    test_step(f.t, 10 * TICK);
    for (int i = 0; i < TEST_IRQS; i++)
        if (i != 21)
            g_assert_cmpint(raises(&f, i), ==, 0);
    teardown(&f);
}

/* Legacy replacement: timers 0 and 1 move to ISA IRQ 0 and 8 whatever
 * their route fields say, timer 2 keeps its route, and the gate line tells
 * the board to cut off the PIT and RTC. */
static void test_legacy(void)
{
    struct fx f = setup();
    for (unsigned n = 0; n < 3; n++)
        wr32(&f, HPET_REG_TN_CONFIG(n), HPET_TN_INT_ENB | route(20 + n));
    cfg_set(&f, HPET_CFG_ENABLE);
    g_assert_cmpint(level(&f, GATE), ==, 0);
    /* (matches within 10 us of a callback wait for the next one) */
    for (unsigned n = 0; n < 3; n++)
        wr64(&f, HPET_REG_TN_CMP(n), 100 + 10 * n);
    step_to(&f, 2000 * TICK);
    g_assert_cmpint(raises(&f, 20), ==, 1);
    g_assert_cmpint(raises(&f, 21), ==, 1);
    g_assert_cmpint(raises(&f, 22), ==, 1);

    cfg_set(&f, HPET_CFG_LEG_RT);
    g_assert_cmpint(level(&f, GATE), ==, 1);
    for (unsigned n = 0; n < 3; n++)
        wr64(&f, HPET_REG_TN_CMP(n), 3000 + 10 * n);
    step_to(&f, 5000 * TICK);
    g_assert_cmpint(raises(&f, 0), ==, 1);
    g_assert_cmpint(raises(&f, 8), ==, 1);
    g_assert_cmpint(raises(&f, 20), ==, 1);
    g_assert_cmpint(raises(&f, 21), ==, 1);
    g_assert_cmpint(raises(&f, 22), ==, 2);
    /* The gate follows LEG_RT_CNF alone (the PCH's mapping option 1). */
    cfg_clear(&f, HPET_CFG_ENABLE);
    g_assert_cmpint(level(&f, GATE), ==, 1);
    cfg_clear(&f, HPET_CFG_LEG_RT);
    g_assert_cmpint(level(&f, GATE), ==, 0);

    /* A level-triggered timer 1 in legacy mode holds IRQ 8. */
    wr32(&f, HPET_REG_TN_CONFIG(1), HPET_TN_INT_ENB | HPET_TN_INT_TYPE | route(21));
    wr32(&f, HPET_REG_TN_CMP(1), (uint32_t)(rd32(&f, HPET_REG_COUNTER) + 10));
    cfg_set(&f, HPET_CFG_ENABLE | HPET_CFG_LEG_RT);
    test_step(f.t, 10 * TICK);
    g_assert_cmpint(level(&f, 8), ==, 1);
    g_assert_cmpint(level(&f, 21), ==, 0);
    /* Leaving legacy mode moves the held level to the route line. */
    cfg_clear(&f, HPET_CFG_LEG_RT);
    g_assert_cmpint(level(&f, 8), ==, 0);
    g_assert_cmpint(level(&f, 21), ==, 1);
    teardown(&f);
}

/* A tiny period is delivered at most once per HPET_MIN_TIMER_NS (10 us);
 * missed periods are dropped and the accumulator moves to the next period
 * boundary after the count. */
static void test_missed_ticks(void)
{
    struct fx f = setup();
    cfg_set(&f, HPET_CFG_LEG_RT);
    wr32(&f, HPET_REG_TN_CONFIG(0), HPET_TN_INT_ENB | HPET_TN_TYPE | HPET_TN_VAL_SET);
    wr64(&f, HPET_REG_TN_CMP(0), 100); /* 1 us */
    cfg_set(&f, HPET_CFG_ENABLE);
    step_to(&f, 100000);
    /* Callbacks at 1, 11, 21, ... 91 us. */
    g_assert_cmpint(raises(&f, 0), ==, 10);
    /* The read sees the match due at 100 us, fires it once and moves on. */
    g_assert_cmphex(rd64(&f, HPET_REG_TN_CMP(0)), ==, 10100);
    g_assert_cmpint(raises(&f, 0), ==, 11);

    /* A clock jump (no callback in between, as after a host stall): one
     * interrupt, the accumulator at the first boundary after the count. */
    wr64(&f, HPET_REG_TN_CONFIG(0), HPET_TN_INT_ENB | HPET_TN_TYPE | HPET_TN_VAL_SET);
    wr64(&f, HPET_REG_TN_CMP(0), 12345678);
    vtimer_del(&f.h->timer);
    vclock_set(&f.t->clock, now(&f) + NS_PER_SEC / 2 + 7);
    uint64_t c = rd64(&f, HPET_REG_COUNTER);
    g_assert_cmphex(c, ==, 10000 + 50000000);
    g_assert_cmpint(raises(&f, 0), ==, 12);
    uint64_t next = rd64(&f, HPET_REG_TN_CMP(0));
    g_assert_cmphex(next, >, c);
    g_assert_cmphex(next - c, <=, 12345678);
    g_assert_cmphex(next % 12345678, ==, 0);
    g_assert_cmpint(raises(&f, 0), ==, 12);
    teardown(&f);
}

/* ---- reset, save/load ---- */

static void test_reset(void)
{
    struct fx f = setup();
    wr32(&f, HPET_REG_TN_CONFIG(2), HPET_TN_INT_TYPE | HPET_TN_INT_ENB | route(22));
    wr32(&f, HPET_REG_TN_CMP(2), 10);
    cfg_set(&f, HPET_CFG_ENABLE | HPET_CFG_LEG_RT);
    test_step(f.t, 1000);
    g_assert_cmpint(level(&f, 22), ==, 1);
    hpet_class.reset(f.h, RESET_WARM);
    g_assert_cmpint(level(&f, 22), ==, 1); /* no side effects in reset */
    g_assert_cmpint(level(&f, GATE), ==, 1);
    g_assert_false(vtimer_pending(&f.h->timer));
    hpet_class.settle(f.h);
    g_assert_cmpint(level(&f, 22), ==, 0);
    g_assert_cmpint(level(&f, GATE), ==, 0);
    g_assert_cmphex(rd64(&f, HPET_REG_CONFIG), ==, 0);
    g_assert_cmphex(rd64(&f, HPET_REG_COUNTER), ==, 0);
    g_assert_cmphex(rd64(&f, HPET_REG_TN_CONFIG(2)), ==, 0x00F0000000000000ULL);
    g_assert_cmphex(rd64(&f, HPET_REG_TN_CMP(2)), ==, UINT32_MAX);
    teardown(&f);
}

static void test_generic(void)
{
    struct fx f = setup();
    test_dev_reset_idempotent(&hpet_class, f.h);
    hpet_class.settle(f.h);
    /* Interesting state: periodic timer 0 in legacy mode, a held level
     * on timer 2, the counter running, the vtimer armed. */
    wr32(&f, HPET_REG_TN_CONFIG(0), HPET_TN_INT_ENB | HPET_TN_TYPE | HPET_TN_VAL_SET);
    wr64(&f, HPET_REG_TN_CMP(0), 1000);
    wr32(&f, HPET_REG_TN_CONFIG(2), HPET_TN_INT_TYPE | HPET_TN_INT_ENB | route(22));
    wr32(&f, HPET_REG_TN_CMP(2), 500);
    wr32(&f, HPET_REG_TN_CONFIG(1), HPET_TN_INT_ENB | route(21));
    wr32(&f, HPET_REG_TN_CMP(1), 2500);
    cfg_set(&f, HPET_CFG_ENABLE | HPET_CFG_LEG_RT);
    step_to(&f, 1500 * TICK + 3);
    g_assert_true(vtimer_pending(&f.h->timer));
    g_assert_cmpint(raises(&f, 0), ==, 1);

    struct test_env *t2 = test_env_new(0);
    struct fx g = { t2, make_hpet(t2) };
    step_to(&g, 1500 * TICK + 3);
    test_dev_roundtrip(&hpet_class, f.h, g.h);
    hpet_class.settle(g.h);
    g_assert_cmpint(level(&g, 22), ==, 1);
    g_assert_cmpint(level(&g, GATE), ==, 1);
    g_assert_cmphex(rd64(&g, HPET_REG_COUNTER), ==, rd64(&f, HPET_REG_COUNTER));
    int r0f = raises(&f, 0), r0g = raises(&g, 0);
    step_to(&f, 10500 * TICK);
    step_to(&g, 10500 * TICK);
    g_assert_cmpint(raises(&f, 0) - r0f, ==, 9);
    g_assert_cmpint(raises(&g, 0) - r0g, ==, 9);
    g_assert_cmpint(raises(&g, 8), ==, 1); /* timer 1 in legacy mode at 2500 */
    g_assert_cmphex(rd64(&g, HPET_REG_TN_CMP(0)), ==, rd64(&f, HPET_REG_TN_CMP(0)));
    hpet_class.destroy(g.h);
    test_env_free(t2);
    teardown(&f);
}

static void expect_reject(struct hpet *h, const char *field, int kind, int64_t v)
{
    struct vm_writer w;
    g_assert_cmpint(vmw_begin(&w), ==, 0);
    vmw_node_begin(&w, "dev");
    if (kind == 4)
        vmw_u32(&w, field, (uint32_t)v);
    else if (kind == 8)
        vmw_u64(&w, field, (uint64_t)v);
    else
        vmw_i64(&w, field, v);
    vmw_node_end(&w);
    size_t n;
    void *blob = vmw_finish(&w, &n);
    g_assert_nonnull(blob);
    char err[200];
    int rc = test_dev_load(&hpet_class, h, blob, n, err, sizeof(err));
    if (rc != -1)
        g_error("field %s = 0x%llx was accepted", field, (unsigned long long)v);
    g_free(blob);
}

static void test_load_rejects(void)
{
    struct fx f = setup();
    size_t n0;
    void *before = test_dev_save(&hpet_class, f.h, &n0);
    expect_reject(f.h, "config", 8, 0x4);
    expect_reject(f.h, "isr", 8, 0x8);
    expect_reject(f.h, "last", 8, 5); /* halted: must equal the counter */
    expect_reject(f.h, "base_ns", -1, INT64_MAX);
    expect_reject(f.h, "last_fire", -1, INT64_MIN);
    expect_reject(f.h, "timer_deadline", -1, -5);
    expect_reject(f.h, "timer_deadline", -1, INT64_MAX);
    expect_reject(f.h, "t0_config", 8, 5 << HPET_TN_ROUTE_SHIFT); /* not in the route cap */
    expect_reject(f.h, "t0_config", 8, HPET_TN_FSB_EN);
    expect_reject(f.h, "t0_config", 8, HPET_TN_PER_CAP);
    expect_reject(f.h, "t1_config", 8, HPET_TN_TYPE);   /* timer 1 is one-shot only */
    expect_reject(f.h, "t2_config", 8, HPET_TN_32MODE); /* and 32-bit */
    expect_reject(f.h, "t1_cmp", 8, 0x100000000LL);
    expect_reject(f.h, "t2_period", 8, 0x100000000LL);
    expect_reject(f.h, "counter", 4, 0); /* wrong size */
    size_t n1;
    void *after = test_dev_save(&hpet_class, f.h, &n1);
    g_assert_cmpuint(n0, ==, n1);
    g_assert_cmpint(memcmp(before, after, n0), ==, 0);
    g_free(before);
    g_free(after);
    teardown(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hpet/capabilities", test_capabilities);
    g_test_add_func("/hpet/linux-probe", test_linux_probe);
    g_test_add_func("/hpet/counter", test_counter);
    g_test_add_func("/hpet/linux-periodic", test_linux_periodic);
    g_test_add_func("/hpet/linux-oneshot", test_linux_oneshot);
    g_test_add_func("/hpet/comparator-width", test_comparator_width);
    g_test_add_func("/hpet/periodic-32bit-wrap", test_periodic_32bit_wrap);
    g_test_add_func("/hpet/periodic-64bit-halves", test_periodic_64bit_halves);
    g_test_add_func("/hpet/level", test_level);
    g_test_add_func("/hpet/route-cap", test_route_cap);
    g_test_add_func("/hpet/legacy", test_legacy);
    g_test_add_func("/hpet/missed-ticks", test_missed_ticks);
    g_test_add_func("/hpet/reset", test_reset);
    g_test_add_func("/hpet/generic", test_generic);
    g_test_add_func("/hpet/load-rejects", test_load_rejects);
    return g_test_run();
}
