/* SPDX-License-Identifier: GPL-2.0-or-later */
/* debugcon.c: isa-debugcon, the Bochs-style "port E9" debug console.
 *
 * Reference: QEMU's documented -debugcon / "-device isa-debugcon,iobase=,
 * chardev=,readback=" and the Bochs "port 0xE9 hack": every byte written
 * goes to the console; a read returns the readback value (0xe9 by default),
 * which firmware uses to detect that the port is there.  Emulated as such;
 * no state, no input (reads never consume console input).  One deliberate
 * difference: the default iobase is 0x402 (SeaBIOS's log port) where QEMU
 * uses 0xe9, so a bare "-device isa-debugcon,chardev=ID" shows the BIOS log.
 *
 * Guests: SeaBIOS writes its debug log to 0x402 after checking that a read
 * returns 0xe9; OVMF and many hobby kernels log to 0xe9 or 0x402.
 *
 * Threat model: a write forwards one byte to the chardev (which never blocks
 * for long, see core/chardev.h); nothing is stored or looped over. */
#include <stdlib.h>
#include <glib.h>
#include "core/options.h"
#include "hw/misc/debugcon.h"

static uint64_t debugcon_read(void *opaque, uint64_t off, unsigned size)
{
    struct debugcon *d = opaque;
    return d->readback;
}

static void debugcon_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct debugcon *d = opaque;
    uint8_t b = (uint8_t)val;
    if (d->cd)
        chardev_write(d->cd, &b, 1);
}

static const struct io_ops debugcon_ops = {
    .read = debugcon_read,
    .write = debugcon_write,
    .min_size = 1,
    .max_size = 1,
};

static void debugcon_reset(void *dev, enum reset_kind kind)
{
}

static void debugcon_save(void *dev, struct vm_writer *w)
{
}

static int debugcon_load(void *dev, struct vm_reader *r)
{
    return vmr_failed(r) ? -1 : 0;
}

static void debugcon_destroy(void *dev)
{
    free(dev);
}

const struct dev_class debugcon_class = {
    .name = "isa-debugcon",
    .version = 1,
    .reset = debugcon_reset,
    .save = debugcon_save,
    .load = debugcon_load,
    .destroy = debugcon_destroy,
};

struct debugcon *debugcon_new(const struct dev_env *env, struct chardev *cd)
{
    struct debugcon *d = calloc(1, sizeof(*d));
    if (!d)
        abort();
    d->env = env;
    d->cd = cd;
    d->readback = DEBUGCON_DEFAULT_READBACK;
    region_init_io(&d->region, "isa-debugcon", 1, &debugcon_ops, d);
    return d;
}

static int parse_num(const char *key, const char *val, uint64_t max, uint64_t *out,
                     char **err)
{
    if (!val || !parse_uint(val, max, out))
        return 0;
    *err = g_strdup_printf("isa-debugcon: %s '%s' is not a number from 0 to 0x%llx", key,
                           val, (unsigned long long)max);
    return -1;
}

int debugcon_parse_opts_full(const char *opts, uint16_t *iobase, uint8_t *readback,
                             char **chardev_id, char **err)
{
    static const char *const allowed[] = { "iobase", "chardev", "readback", NULL };
    uint64_t base = DEBUGCON_DEFAULT_IOBASE, rb = DEBUGCON_DEFAULT_READBACK;
    char *id = NULL;
    if (opts && *opts) {
        struct optlist *l = optlist_parse(opts, NULL, err);
        if (!l)
            return -1;
        const char *cd = optlist_get(l, "chardev");
        int rc = optlist_check(l, "isa-debugcon", allowed, err);
        if (!rc)
            rc = parse_num("iobase", optlist_get(l, "iobase"), 0xffff, &base, err);
        if (!rc)
            rc = parse_num("readback", optlist_get(l, "readback"), 0xff, &rb, err);
        if (!rc && cd && !*cd) {
            *err = g_strdup("isa-debugcon: chardev needs an id");
            rc = -1;
        }
        if (!rc && cd)
            id = g_strdup(cd);
        optlist_free(l);
        if (rc)
            return -1;
    }
    *iobase = (uint16_t)base;
    *readback = (uint8_t)rb;
    *chardev_id = id;
    return 0;
}

int debugcon_parse_opts(const char *opts, uint16_t *iobase, char **chardev_id, char **err)
{
    uint8_t rb;
    if (debugcon_parse_opts_full(opts, iobase, &rb, chardev_id, err))
        return -1;
    if (rb != DEBUGCON_DEFAULT_READBACK) {
        g_free(*chardev_id);
        *chardev_id = NULL;
        *err = g_strdup_printf("isa-debugcon: readback other than 0x%x is not supported",
                               DEBUGCON_DEFAULT_READBACK);
        return -1;
    }
    return 0;
}
