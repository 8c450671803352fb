/* SPDX-License-Identifier: GPL-2.0-or-later */
/* options.h: QEMU-style option values.
 *
 * "key=val,key2=val2" lists where ",," is a literal comma and a leading
 * item without '=' is the value of an implied key (-machine pc,accel=kvm
 * means type=pc), sizes with K/M/G/T suffixes, on/off booleans. */
#ifndef CORE_OPTIONS_H
#define CORE_OPTIONS_H

#include "core/base.h"

struct opt_kv {
    char *key, *val;
};

struct optlist {
    struct opt_kv *items;
    size_t n;
};

/* Split "a,b=c,,d" at single commas (",," is a literal comma) into a
 * NULL-terminated vector (g_strfreev it). */
char **opt_split(const char *s);
/* Parse; implied_key may be NULL (then every item needs '=').  Returns NULL
 * with *err set on a malformed list. */
struct optlist *optlist_parse(const char *s, const char *implied_key, char **err);
void optlist_free(struct optlist *l);
/* Last value given for key, or NULL. */
const char *optlist_get(const struct optlist *l, const char *key);
/* Every key must be in the NULL-terminated allowed list; else *err names
 * the first unknown one ("what: unknown option 'x'"). */
int optlist_check(const struct optlist *l, const char *what, const char *const *allowed,
                  char **err);

/* Sizes: plain numbers are in units of default_unit bytes (1 for bytes,
 * MiB for -m); suffixes B, K, M, G, T (binary). */
int parse_size(const char *s, uint64_t default_unit, uint64_t *out);
/* Unsigned integers in decimal or 0x hex, whole string, <= max. */
int parse_uint(const char *s, uint64_t max, uint64_t *out);
/* on/off/yes/no/true/false */
int parse_bool(const char *s, bool *out);

#endif
