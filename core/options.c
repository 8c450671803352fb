/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include "core/options.h"

char **opt_split(const char *s)
{
    GPtrArray *items = g_ptr_array_new();
    GString *cur = g_string_new(NULL);
    for (const char *p = s;; p++) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(cur, ',');
            p++;
        } else if (*p == ',' || *p == 0) {
            g_ptr_array_add(items, g_string_free(cur, FALSE));
            if (*p == 0)
                break;
            cur = g_string_new(NULL);
        } else {
            g_string_append_c(cur, *p);
        }
    }
    g_ptr_array_add(items, NULL);
    return (char **)g_ptr_array_free(items, FALSE);
}

struct optlist *optlist_parse(const char *s, const char *implied_key, char **err)
{
    char **items = opt_split(s);
    guint nitems = g_strv_length(items);
    struct optlist *l = g_new0(struct optlist, 1);
    l->items = g_new0(struct opt_kv, nitems);
    for (guint i = 0; i < nitems; i++) {
        const char *it = items[i];
        const char *eq = strchr(it, '=');
        if (!*it) {
            if (i + 1 == nitems && i > 0)
                continue; /* trailing comma */
            *err = g_strdup_printf("'%s': empty option", s);
            goto fail;
        }
        if (!eq) {
            if (i == 0 && implied_key) {
                l->items[l->n].key = g_strdup(implied_key);
                l->items[l->n].val = g_strdup(it);
            } else {
                /* QEMU's bare flags, e.g. "server" means server=on */
                l->items[l->n].key = g_strdup(it);
                l->items[l->n].val = g_strdup("on");
            }
        } else {
            if (eq == it) {
                *err = g_strdup_printf("'%s': option with no name", s);
                goto fail;
            }
            l->items[l->n].key = g_strndup(it, eq - it);
            l->items[l->n].val = g_strdup(eq + 1);
        }
        l->n++;
    }
    g_strfreev(items);
    return l;
fail:
    g_strfreev(items);
    optlist_free(l);
    return NULL;
}

void optlist_free(struct optlist *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        g_free(l->items[i].key);
        g_free(l->items[i].val);
    }
    g_free(l->items);
    g_free(l);
}

const char *optlist_get(const struct optlist *l, const char *key)
{
    const char *v = NULL;
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->items[i].key, key))
            v = l->items[i].val;
    return v;
}

int optlist_check(const struct optlist *l, const char *what, const char *const *allowed,
                  char **err)
{
    for (size_t i = 0; i < l->n; i++) {
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = !strcmp(*a, l->items[i].key);
        if (!ok) {
            *err = g_strdup_printf("%s: unknown option '%s'", what, l->items[i].key);
            return -1;
        }
    }
    return 0;
}

int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

int parse_size(const char *s, uint64_t default_unit, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0)
        return -1;
    uint64_t unit = default_unit;
    if (*end) {
        switch (g_ascii_toupper(*end)) {
        case 'B': unit = 1; break;
        case 'K': unit = KiB; break;
        case 'M': unit = MiB; break;
        case 'G': unit = GiB; break;
        case 'T': unit = 1024 * GiB; break;
        default: return -1;
        }
        end++;
        if (*end == 'i' && end[1] == 'B')
            end += 2;
        else if (*end == 'B' && unit != 1)
            end++;
        if (*end)
            return -1;
    }
    double bytes = v * (double)unit;
    if (bytes >= 18446744073709551616.0)
        return -1;
    *out = (uint64_t)bytes;
    return 0;
}

int parse_bool(const char *s, bool *out)
{
    if (!strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "true")) {
        *out = true;
        return 0;
    }
    if (!strcmp(s, "off") || !strcmp(s, "no") || !strcmp(s, "false")) {
        *out = false;
        return 0;
    }
    return -1;
}
