/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-port92: System Control Port A. */
#include "hw/misc/port92.h"
#include "tests/fuzz/harness.h"

static void *create(struct test_env *t)
{
    struct port92 *p = port92_new(&t->env);
    as_add(&t->io, &p->region, 0x92, 0);
    as_commit(&t->io);
    test_irq_connect(t, &p->a20, 20);
    port92_class.reset(p, RESET_COLD);
    port92_class.settle(p);
    return p;
}

static const struct fuzz_target target = {
    .cls = &port92_class,
    .regions = { { false, 0x92, 1 } },
    .nregions = 1,
    .create = create,
};

FUZZ_TARGET(target)
