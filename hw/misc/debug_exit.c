/* SPDX-License-Identifier: GPL-2.0-or-later */
/* debug_exit.c: isa-debug-exit, the port a test guest writes to end the
 * emulator with a status of its choosing.
 *
 * Reference: QEMU's documented device ("-device isa-debug-exit,iobase=0xf4,
 * iosize=0x04"): a write of value v exits with status (v << 1) | 1, so a
 * guest can never fake a clean 0; reads return 0.  Properties iobase
 * (default 0x501) and iosize (default 2).  Emulated as documented, for any
 * access width up to 4 bytes at any offset of the range (the value written,
 * as wide as the access, is the status).  No state.
 *
 * Guests: test kernels (ours, and those written for QEMU such as Rust/OS
 * test runners) write their result code to 0xf4 or 0x501.
 *
 * Threat model: a write only posts a request to the machine; nothing is
 * stored.  Option strings come from the user and are parsed with bounds
 * (iobase <= 0xffff, iobase + iosize <= 0x10000). */
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include "core/options.h"
#include "hw/misc/debug_exit.h"

static uint64_t debug_exit_read(void *opaque, uint64_t off, unsigned size)
{
    return 0;
}

static void debug_exit_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct debug_exit *d = opaque;
    uint64_t v = size >= 8 ? val : val & ((1ULL << (8 * size)) - 1);
    dev_request(d->env, SYS_EXIT, (int)(uint32_t)((v << 1) | 1));
}

static const struct io_ops debug_exit_ops = {
    .read = debug_exit_read,
    .write = debug_exit_write,
    .min_size = 1,
    .max_size = 4,
};

static void debug_exit_reset(void *dev, enum reset_kind kind)
{
}

static void debug_exit_save(void *dev, struct vm_writer *w)
{
}

static int debug_exit_load(void *dev, struct vm_reader *r)
{
    return vmr_failed(r) ? -1 : 0;
}

static void debug_exit_destroy(void *dev)
{
    free(dev);
}

const struct dev_class debug_exit_class = {
    .name = "isa-debug-exit",
    .version = 1,
    .reset = debug_exit_reset,
    .save = debug_exit_save,
    .load = debug_exit_load,
    .destroy = debug_exit_destroy,
};

struct debug_exit *debug_exit_new(const struct dev_env *env, uint32_t iosize)
{
    struct debug_exit *d = calloc(1, sizeof(*d));
    if (!d)
        abort();
    d->env = env;
    d->iosize = MIN(MAX(iosize, 1u), 0x10000u);
    region_init_io(&d->region, "isa-debug-exit", d->iosize, &debug_exit_ops, d);
    return d;
}

int debug_exit_parse_opts(const char *opts, uint16_t *iobase, uint32_t *iosize, char **err)
{
    static const char *const allowed[] = { "iobase", "iosize", NULL };
    uint64_t base = DEBUG_EXIT_DEFAULT_IOBASE, size = DEBUG_EXIT_DEFAULT_IOSIZE;
    if (opts && *opts) {
        struct optlist *l = optlist_parse(opts, NULL, err);
        if (!l)
            return -1;
        int rc = optlist_check(l, "isa-debug-exit", allowed, err);
        const char *b = optlist_get(l, "iobase"), *s = optlist_get(l, "iosize");
        if (!rc && b && parse_uint(b, 0xffff, &base)) {
            *err = g_strdup_printf("isa-debug-exit: iobase '%s' is not a port number "
                                   "(0 to 0xffff)", b);
            rc = -1;
        }
        if (!rc && s && (parse_uint(s, 0x10000, &size) || !size)) {
            *err = g_strdup_printf("isa-debug-exit: iosize '%s' is not a size "
                                   "(1 to 0x10000)", s);
            rc = -1;
        }
        optlist_free(l);
        if (rc)
            return -1;
    }
    if (base + size > 0x10000) {
        *err = g_strdup_printf("isa-debug-exit: iobase 0x%llx + iosize 0x%llx is beyond "
                               "the I/O port space", (unsigned long long)base,
                               (unsigned long long)size);
        return -1;
    }
    *iobase = (uint16_t)base;
    *iosize = (uint32_t)size;
    return 0;
}
