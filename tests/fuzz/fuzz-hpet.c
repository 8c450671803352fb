/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: the HPET through its 1 KiB MMIO window, with the harness's
 * clock steps, resets and save/load round trips.  The "input" op checks
 * invariants: every output is at the level the state implies (a
 * level-triggered timer with its status bit set holds its line, edge
 * pulses end low), the legacy gate follows LEG_RT_CNF, a halted counter
 * has no pending matches, and an armed timer never lies in the past. */
#include "hw/timer/hpet.h"
#include "tests/fuzz/harness.h"

static void *create(struct test_env *t)
{
    struct hpet *h = hpet_new(&t->env);
    as_add(&t->mem, &h->region, HPET_DEFAULT_BASE, 0);
    as_commit(&t->mem);
    for (int i = 0; i < HPET_NUM_ROUTES; i++)
        test_irq_connect(t, &h->irq[i], HPET_ROUTE_FIRST + i);
    test_irq_connect(t, &h->irq0, 0);
    test_irq_connect(t, &h->irq8, 8);
    test_irq_connect(t, &h->legacy, 30);
    return h;
}

/* The output timer n drives (recorder index), or -1. */
static int expected_line(const struct hpet *h, unsigned n)
{
    if ((h->config & HPET_CFG_LEG_RT) && n < 2)
        return n ? 8 : 0;
    unsigned r = (unsigned)((h->t[n].config & HPET_TN_ROUTE_MASK) >> HPET_TN_ROUTE_SHIFT);
    if (r < 32 && (HPET_ROUTE_CAP & (1u << r)))
        return (int)r;
    return -1;
}

static void input(void *dev, const uint8_t *buf, size_t len)
{
    struct hpet *h = dev;
    int want[32] = { 0 };
    for (unsigned n = 0; n < HPET_NUM_TIMERS; n++) {
        int l = expected_line(h, n);
        const uint64_t c = h->t[n].config;
        if (l >= 0 && (h->config & HPET_CFG_ENABLE) && (c & HPET_TN_INT_ENB) &&
            (c & HPET_TN_INT_TYPE) && (h->isr & (1u << n)))
            want[l] = 1;
    }
    for (int i = 0; i < HPET_NUM_ROUTES; i++)
        if (h->irq[i].level != want[HPET_ROUTE_FIRST + i])
            __builtin_trap();
    if (h->irq0.level != want[0] || h->irq8.level != want[8])
        __builtin_trap();
    if (h->legacy.level != !!(h->config & HPET_CFG_LEG_RT))
        __builtin_trap();
    if (!(h->config & HPET_CFG_ENABLE) && h->last != h->counter)
        __builtin_trap();
    if (vtimer_pending(&h->timer) && h->timer.deadline < vclock_now(h->timer.clock))
        __builtin_trap();
}

static const struct fuzz_target ft = {
    .cls = &hpet_class,
    .regions = {
        { .mmio = true, .base = HPET_DEFAULT_BASE, .size = HPET_MMIO_SIZE },
    },
    .nregions = 1,
    .create = create,
    .input = input,
};

FUZZ_TARGET(ft)
