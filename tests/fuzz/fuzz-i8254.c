/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: the 8254 PIT through ports 0x40-0x43 and port 0x61, with
 * the harness's clock steps, resets and save/load round trips.  The
 * "input" op checks invariants: IRQ 0 is at the level the PIT thinks it
 * drives, and an armed timer never lies in the past. */
#include "hw/timer/i8254.h"
#include "tests/fuzz/harness.h"

static void *create(struct test_env *t)
{
    struct i8254 *pit = i8254_new(&t->env);
    as_add(&t->io, &pit->region, 0x40, 0);
    as_add(&t->io, &pit->region_port61, 0x61, 0);
    as_commit(&t->io);
    test_irq_connect(t, &pit->irq, 0);
    return pit;
}

static void input(void *dev, const uint8_t *buf, size_t len)
{
    struct i8254 *pit = dev;
    if (pit->irq.level != (int)pit->line)
        __builtin_trap();
    if (vtimer_pending(&pit->timer) && pit->timer.deadline < vclock_now(pit->timer.clock))
        __builtin_trap();
}

static const struct fuzz_target ft = {
    .cls = &i8254_class,
    .regions = {
        { .mmio = false, .base = 0x40, .size = 4 },
        { .mmio = false, .base = 0x61, .size = 1 },
    },
    .nregions = 2,
    .create = create,
    .input = input,
};

FUZZ_TARGET(ft)
