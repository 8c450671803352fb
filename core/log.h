/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.h: error reporting and runtime trace switches (-d, -D).
 *
 * Trace points are named "<device>" or "<device>.<event>" and switched on
 * with -d trace:PATTERN (glob).  Devices test trace_on() once at creation
 * and keep the bool, so a disabled trace costs one branch. */
#ifndef CORE_LOG_H
#define CORE_LOG_H

#include <stdio.h>
#include "core/base.h"

enum log_mask {
    LOG_GUEST_ERROR = 1 << 0, /* guest did something the hardware rejects */
    LOG_UNIMP = 1 << 1,       /* guest used a feature hvemu lacks */
    LOG_TRACE = 1 << 2,       /* at least one trace pattern is set */
};

struct log {
    FILE *out;          /* stderr or the -D file */
    unsigned mask;      /* enum log_mask */
    char **patterns;    /* NULL-terminated trace globs */
};

void log_init(struct log *l);
void log_destroy(struct log *l);
/* Parse a -d argument ("guest_errors,unimp,trace:uart*").  Returns 0, or -1
 * with a message in *err (caller frees). */
int log_parse(struct log *l, const char *arg, char **err);
int log_set_file(struct log *l, const char *path, char **err);
bool trace_on(const struct log *l, const char *name);
void log_printf(const struct log *l, const char *fmt, ...) PRINTF_FMT(2, 3);
/* Guest errors and unimplemented features: printed only when enabled. */
void log_guest_error(const struct log *l, const char *dev, const char *fmt, ...)
    PRINTF_FMT(3, 4);
void log_unimp(const struct log *l, const char *dev, const char *fmt, ...)
    PRINTF_FMT(3, 4);

/* The one-line user error: "hvemu: <message>" on stderr. */
void error_report(const char *fmt, ...) PRINTF_FMT(1, 2);
void warn_report(const char *fmt, ...) PRINTF_FMT(1, 2);

#define TRACE(l, on, ...)                 \
    do {                                  \
        if (unlikely(on))                 \
            log_printf((l), __VA_ARGS__); \
    } while (0)

#endif
