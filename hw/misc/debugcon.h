/* SPDX-License-Identifier: GPL-2.0-or-later */
/* debugcon.h: QEMU's isa-debugcon ("port E9" debug console).
 *
 * Board wiring: map region at iobase (1 byte).  The parser's default is
 * 0x402, where SeaBIOS writes its log (QEMU's own default is the Bochs port
 * 0xe9: "iobase=0xe9" gives that).  The chardev gets every byte written;
 * NULL discards them.  Set readback after creation if configured. */
#ifndef HW_MISC_DEBUGCON_H
#define HW_MISC_DEBUGCON_H

#include "core/chardev.h"
#include "core/device.h"

#define DEBUGCON_DEFAULT_IOBASE 0x402
#define DEBUGCON_DEFAULT_READBACK 0xe9

struct debugcon {
    struct mem_region region;
    const struct dev_env *env;
    struct chardev *cd; /* not owned */
    uint8_t readback;   /* what reads return; the board may set it */
};

struct debugcon *debugcon_new(const struct dev_env *env, struct chardev *cd);
/* Parse "iobase=0x402,chardev=ID,readback=0xe9" (the part after
 * "isa-debugcon,"; NULL or "" gives the defaults: iobase 0x402, readback
 * 0xe9, no chardev).  *chardev_id gets a g_strdup()ed id or NULL.  Returns
 * 0, or -1 with a one-line message in *err (caller g_free()s it). */
int debugcon_parse_opts_full(const char *opts, uint16_t *iobase, uint8_t *readback,
                             char **chardev_id, char **err);
/* The same for boards without a readback setting: a readback= other than
 * 0xe9 is refused rather than silently ignored. */
int debugcon_parse_opts(const char *opts, uint16_t *iobase, char **chardev_id, char **err);

extern const struct dev_class debugcon_class;

#endif
