/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-debugcon: the debug console port (SeaBIOS's log at 0x402) with a
 * readback value; no chardev (output discarded, as the board allows). */
#include "hw/misc/debugcon.h"
#include "tests/fuzz/harness.h"

static void *create(struct test_env *t)
{
    struct debugcon *d = debugcon_new(&t->env, NULL);
    d->readback = 0xe9;
    as_add(&t->io, &d->region, 0x402, 0);
    as_commit(&t->io);
    debugcon_class.reset(d, RESET_COLD);
    return d;
}

static const struct fuzz_target target = {
    .cls = &debugcon_class,
    .regions = { { false, 0x402, 1 } },
    .nregions = 1,
    .create = create,
};

FUZZ_TARGET(target)
