/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: the -smbios option parser (user input) and the table
 * builder it feeds.  The input is a few machine parameters and then
 * newline-separated -smbios arguments; whatever is accepted is built with
 * both entry points and the result walked: every structure must be well
 * formed (string sets terminated inside the table, string indexes in
 * range), the count, lengths and checksums must match the entry point,
 * and the table must end with type 127. */
#include <string.h>
#include <glib.h>
#include "hw/boot/smbios.h"

static uint8_t sum8(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

static void check(const struct smbios_blob *b, bool entry64)
{
    const uint8_t *t = b->tables, *end = t + b->tables_len;
    unsigned n = 0, last = 0;
    while (t < end) {
        if (end - t < 4 || t[1] < 4 || end - t < t[1] + 2)
            __builtin_trap();
        const uint8_t *s = t + t[1];
        unsigned nstr = 0;
        if (s[0] == 0 && s[1] == 0) {
            s += 2;
        } else {
            while (s < end && *s) {
                const uint8_t *z = memchr(s, 0, (size_t)(end - s));
                if (!z)
                    __builtin_trap();
                s = z + 1;
                nstr++;
            }
            if (s >= end)
                __builtin_trap();
            s++;
        }
        /* Every byte of the formatted area that is a string index (we
         * cannot tell which are) is at least not beyond 255; check the
         * ones every structure has: type 1's manufacturer at 4. */
        if (t[0] == 1 && t[4] > nstr)
            __builtin_trap();
        last = t[0];
        n++;
        t = s;
    }
    if (n != b->count || last != 127)
        __builtin_trap();
    if (entry64) {
        if (b->anchor_len != SMBIOS_ANCHOR64_LEN || sum8(b->anchor, 24) ||
            ld32(b->anchor + 12) != b->tables_len)
            __builtin_trap();
    } else {
        if (b->anchor_len != SMBIOS_ANCHOR32_LEN || sum8(b->anchor, 31) ||
            ld16(b->anchor + 22) != b->tables_len || ld16(b->anchor + 28) != b->count)
            __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    struct smbios_machine mc = {
        .cpus = data[0],
        .below_4g = (uint64_t)(data[1] % 4) * GiB + (uint64_t)data[2] * MiB,
        .above_4g = (uint64_t)(data[3] % 64) * 64 * GiB,
    };
    bool with_type0 = data[3] & 0x80;
    char *text = g_strndup((const char *)data + 4, size - 4);
    char **args = g_strsplit(text, "\n", 17);
    struct smbios_settings s = { 0 };
    for (int i = 0; args[i] && i < 16; i++) {
        char *err = NULL;
        if (smbios_parse_opt(&s, args[i], &err)) {
            /* One line, naming the option. */
            if (!err || strncmp(err, "-smbios ", 8))
                __builtin_trap();
            g_free(err);
        } else if (err) {
            __builtin_trap();
        }
    }
    for (int e = 0; e < 2; e++) {
        struct smbios_blob b;
        char *err = NULL;
        if (smbios_build(&s, &mc, e ? SMBIOS_ENTRY_64 : SMBIOS_ENTRY_32, with_type0, &b, &err)) {
            g_free(err);
            continue;
        }
        check(&b, e);
        smbios_set_table_address(&b, 0xF8020);
        check(&b, e);
        smbios_blob_free(&b);
    }
    smbios_settings_free(&s);
    g_strfreev(args);
    g_free(text);
    return 0;
}
