/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test.c: the test accelerator: no CPU at all.
 *
 * Machine tests and fuzzers drive the board directly through io_dispatch and
 * the virtual clock.  It owns no chips (hvemu's own models run) and records
 * GSI levels so a test can assert interrupts arriving at the interrupt
 * controller inputs. */
#include <glib.h>
#include "cpu/accel.h"
#include "cpu/test.h"

static int test_init(struct machine *m, char **err)
{
    (void)err;
    m->accel_state = g_new0(struct test_accel, 1);
    return 0;
}

static void test_set_irq(struct machine *m, unsigned gsi, int level)
{
    struct test_accel *t = m->accel_state;
    if (gsi >= TEST_ACCEL_GSIS)
        return;
    if (level && !t->gsi_level[gsi])
        t->gsi_raises[gsi]++;
    t->gsi_level[gsi] = level;
}

static int test_start(struct machine *m, char **err)
{
    (void)m;
    (void)err;
    return 0;
}

static void test_nop(struct machine *m)
{
    (void)m;
}

static void test_destroy(struct machine *m)
{
    g_free(m->accel_state);
    m->accel_state = NULL;
}

const struct accel_ops accel_test = {
    .name = "test",
    .owns = 0,
    .init = test_init,
    .set_irq = test_set_irq,
    .start = test_start,
    .pause = test_nop,
    .resume = test_nop,
    .reset_cpus = test_nop,
    .destroy = test_destroy,
};
