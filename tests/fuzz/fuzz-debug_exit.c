/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-debug_exit: isa-debug-exit (0xf4, 4 bytes) next to isa-debugcon
 * (0x402, NULL chardev), plus their option parsers on the input bytes. */
#include <glib.h>
#include "hw/misc/debug_exit.h"
#include "hw/misc/debugcon.h"
#include "tests/fuzz/harness.h"

struct pair {
    struct debug_exit *exit;
    struct debugcon *con;
};

static void *create(struct test_env *t)
{
    struct debug_exit *d = debug_exit_new(&t->env, 4);
    struct debugcon *c = debugcon_new(&t->env, NULL);
    as_add(&t->io, &d->region, 0xf4, 0);
    as_add(&t->io, &c->region, 0x402, 0);
    as_commit(&t->io);
    (void)c;
    /* The harness owns one device; the debugcon rides along, freed with
     * the exit device through the class below. */
    struct pair *p = g_new0(struct pair, 1);
    p->exit = d;
    p->con = c;
    return p;
}

static void pair_reset(void *dev, enum reset_kind kind)
{
    struct pair *p = dev;
    debug_exit_class.reset(p->exit, kind);
    debugcon_class.reset(p->con, kind);
}

static void pair_save(void *dev, struct vm_writer *w)
{
    struct pair *p = dev;
    debug_exit_class.save(p->exit, w);
    debugcon_class.save(p->con, w);
}

static int pair_load(void *dev, struct vm_reader *r)
{
    struct pair *p = dev;
    if (debug_exit_class.load(p->exit, r))
        return -1;
    return debugcon_class.load(p->con, r);
}

static void pair_destroy(void *dev)
{
    struct pair *p = dev;
    debug_exit_class.destroy(p->exit);
    debugcon_class.destroy(p->con);
    g_free(p);
}

static const struct dev_class pair_class = {
    .name = "debug-pair",
    .version = 1,
    .reset = pair_reset,
    .save = pair_save,
    .load = pair_load,
    .destroy = pair_destroy,
};

/* Backend input: run the bytes through both option parsers. */
static void input(void *dev, const uint8_t *buf, size_t len)
{
    char *s = g_strndup((const char *)buf, len);
    uint16_t base;
    uint32_t size;
    uint8_t rb;
    char *id = NULL, *err = NULL;
    if (debug_exit_parse_opts(s, &base, &size, &err) == 0 && (uint32_t)base + size > 0x10000)
        __builtin_trap();
    g_free(err);
    err = NULL;
    if (debugcon_parse_opts_full(s, &base, &rb, &id, &err) == 0)
        g_free(id);
    else if (!err)
        __builtin_trap(); /* every failure explains itself */
    g_free(err);
    g_free(s);
}

static const struct fuzz_target target = {
    .cls = &pair_class,
    .regions = { { false, 0xf4, 4 }, { false, 0x402, 1 } },
    .nregions = 2,
    .create = create,
    .input = input,
};

FUZZ_TARGET(target)
