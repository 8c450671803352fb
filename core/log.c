/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.c: -d/-D handling, trace patterns and the one-line user errors. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include "core/log.h"

void log_init(struct log *l)
{
    l->out = stderr;
    l->mask = 0;
    l->patterns = g_new0(char *, 1);
}

void log_destroy(struct log *l)
{
    if (l->out && l->out != stderr)
        fclose(l->out);
    g_strfreev(l->patterns);
    l->patterns = NULL;
}

static void add_pattern(struct log *l, const char *pat)
{
    guint n = g_strv_length(l->patterns);
    l->patterns = g_renew(char *, l->patterns, n + 2);
    l->patterns[n] = g_strdup(pat);
    l->patterns[n + 1] = NULL;
    l->mask |= LOG_TRACE;
}

int log_parse(struct log *l, const char *arg, char **err)
{
    char **items = g_strsplit(arg, ",", -1);
    int rc = 0;
    for (char **it = items; *it; it++) {
        const char *s = *it;
        if (!strcmp(s, "guest_errors"))
            l->mask |= LOG_GUEST_ERROR;
        else if (!strcmp(s, "unimp"))
            l->mask |= LOG_UNIMP;
        else if (!strncmp(s, "trace:", 6) && s[6])
            add_pattern(l, s + 6);
        else if (!strcmp(s, "help")) {
            *err = g_strdup("log items: guest_errors, unimp, trace:PATTERN "
                            "(glob over trace point names such as uart.* or kvm.exit)");
            rc = -1;
            break;
        } else {
            *err = g_strdup_printf("-d: unknown log item '%s' (try -d help)", s);
            rc = -1;
            break;
        }
    }
    g_strfreev(items);
    return rc;
}

int log_set_file(struct log *l, const char *path, char **err)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        *err = g_strdup_printf("-D: cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    setvbuf(f, NULL, _IOLBF, 0);
    if (l->out && l->out != stderr)
        fclose(l->out);
    l->out = f;
    return 0;
}

bool trace_on(const struct log *l, const char *name)
{
    if (!(l->mask & LOG_TRACE))
        return false;
    for (char **p = l->patterns; *p; p++)
        if (g_pattern_match_simple(*p, name))
            return true;
    return false;
}

static void vlog(const struct log *l, const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void vlog(const struct log *l, const char *prefix, const char *fmt, va_list ap)
{
    FILE *f = l && l->out ? l->out : stderr;
    flockfile(f);
    if (prefix)
        fputs(prefix, f);
    vfprintf(f, fmt, ap);
    fputc('\n', f);
    funlockfile(f);
}

void log_printf(const struct log *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(l, NULL, fmt, ap);
    va_end(ap);
}

void log_guest_error(const struct log *l, const char *dev, const char *fmt, ...)
{
    if (!l || !(l->mask & LOG_GUEST_ERROR))
        return;
    char *prefix = g_strdup_printf("%s: guest error: ", dev);
    va_list ap;
    va_start(ap, fmt);
    vlog(l, prefix, fmt, ap);
    va_end(ap);
    g_free(prefix);
}

void log_unimp(const struct log *l, const char *dev, const char *fmt, ...)
{
    if (!l || !(l->mask & LOG_UNIMP))
        return;
    char *prefix = g_strdup_printf("%s: unimplemented: ", dev);
    va_list ap;
    va_start(ap, fmt);
    vlog(l, prefix, fmt, ap);
    va_end(ap);
    g_free(prefix);
}

void error_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(NULL, "hvemu: ", fmt, ap);
    va_end(ap);
}

void warn_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(NULL, "hvemu: warning: ", fmt, ap);
    va_end(ap);
}
