/* SPDX-License-Identifier: GPL-2.0-or-later */
/* debug_exit.h: QEMU's isa-debug-exit test device.
 *
 * Board wiring: map region at iobase (iosize bytes; the parser's defaults
 * are QEMU's, 0x501 and 2).  A guest write of v arrives as
 * dev_request(env, SYS_EXIT, (v << 1) | 1): the process exit status. */
#ifndef HW_MISC_DEBUG_EXIT_H
#define HW_MISC_DEBUG_EXIT_H

#include "core/device.h"

#define DEBUG_EXIT_DEFAULT_IOBASE 0x501
#define DEBUG_EXIT_DEFAULT_IOSIZE 0x02

struct debug_exit {
    struct mem_region region;
    const struct dev_env *env;
    uint32_t iosize;
};

/* iosize is clamped to 1..0x10000. */
struct debug_exit *debug_exit_new(const struct dev_env *env, uint32_t iosize);
/* Parse "iobase=0xf4,iosize=0x04" (the part after "isa-debug-exit,"; NULL or
 * "" gives the defaults).  Returns 0, or -1 with a one-line message in *err
 * (caller g_free()s it). */
int debug_exit_parse_opts(const char *opts, uint16_t *iobase, uint32_t *iosize, char **err);

extern const struct dev_class debug_exit_class;

#endif
