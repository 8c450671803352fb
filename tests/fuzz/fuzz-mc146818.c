/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: the MC146818A RTC/CMOS through ports 0x70-0x73, with clock
 * steps, resets and save/load round trips from the harness. */
#include "hw/rtc/mc146818.h"
#include "tests/fuzz/harness.h"

static void *create(struct test_env *t)
{
    /* 2099-12-31 23:59:00: century rollover within reach of clock steps. */
    struct mc146818 *rtc = mc146818_new(&t->env, 4102444740LL);
    as_add(&t->io, &rtc->region, 0x70, 0);
    as_commit(&t->io);
    test_irq_connect(t, &rtc->irq, 8);
    mc146818_set_pc_memory(rtc, 128 * MiB, 0);
    mc146818_set_checksum(rtc);
    return rtc;
}

static const struct fuzz_target ft = {
    .cls = &mc146818_class,
    .regions = { { .mmio = false, .base = 0x70, .size = 4 } },
    .nregions = 1,
    .create = create,
};

FUZZ_TARGET(ft)
