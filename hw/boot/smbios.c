/* SPDX-License-Identifier: GPL-2.0-or-later */
/* smbios.c: SMBIOS structures and entry points, and the -smbios option.
 *
 * Source: DMTF DSP0134 System Management BIOS (SMBIOS) Reference
 * Specification 3.x: 5.2.1 (32-bit entry point, "_SM_" ... "_DMI_"), 5.2.2
 * (64-bit entry point "_SM3_"), 6.1.2 (structure header, handles), 6.1.3
 * (text strings: 1-based indexes, each NUL-terminated, the set ended by a
 * second NUL, two NULs when there is none), 7.1 type 0 BIOS (2.4 layout,
 * extension byte 2 bit 3 UEFI and bit 4 "virtual machine"), 7.2 type 1
 * System (7.2.1 UUID: the first three fields little-endian since 2.6), 7.3
 * type 2 Baseboard, 7.4 type 3 Enclosure (2.7 layout with SKU), 7.5 type 4
 * Processor (2.6 layout with Processor Family 2), 7.17 type 16 Physical
 * Memory Array (2.7 layout with Extended Maximum Capacity), 7.18 type 17
 * Memory Device (2.8 layout), 7.20 type 19 Memory Array Mapped Address (2.7
 * layout with extended addresses), 7.33 type 32 System Boot, 7.44 type 127.
 * What SeaBIOS 1.16 accepts: see hw/boot/smbios.h.
 *
 * Emitted: the structures above with the 2.8 layouts; a 32-bit ("_SM_",
 * SMBIOS 2.8) or 64-bit ("_SM3_", SMBIOS 3.0) entry point.  Handles:
 * type 0 0x0000, 1 0x0100, 2 0x0200, 3 0x0300, 4 0x0400 + CPU, 16 0x1000,
 * 17 0x1100 + n, 19 0x1300 + n, 32 0x2000, 127 0x7F00 (SeaBIOS gives the
 * type 0 it adds handle 0, which nothing else uses).  Defaults: system
 * manufacturer "hvemu", product "Standard PC (i440FX + PIIX, 1996)" (QEMU's
 * pc machine's name, so guests and scripts that match it behave the
 * same), version "pc"; one type 4 per CPU ("CPU n", family "Other", the
 * processor ID from -smbios type=4,processor-id= or else CPUID.1 EAX and
 * EDX as the accelerator's vCPUs report them, which the board passes in);
 * RAM as DIMMs of at most 16 GiB
 * ("DIMM n"), memory type "RAM", 64 bits wide, no error correction;
 * the type 1 UUID from -smbios type=1,uuid= or else -uuid (all zero:
 * dmidecode prints "Not Settable").
 * Not emitted: type 11 OEM strings, type 9 slots, caches (type 4 cache
 * handles are 0xFFFF: none), binary tables from files (-smbios file=).
 *
 * Guests: Linux's DMI code (dmidecode, /sys/class/dmi/id, quirk tables
 * matching vendor and product names), Windows (System Information, WMI
 * Win32_ComputerSystemProduct UUID), SeaBIOS ("Machine UUID" line).
 *
 * Threat model: the input is the user's -smbios text: every value is
 * checked (numbers against their field widths, strings at most
 * SMBIOS_STR_MAX bytes), so the tables are bounded: at most 255 CPUs and
 * 512 memory devices, and a build whose tables do not fit the entry point's
 * length fields is refused with an error. */
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include "config.h"
#include "core/options.h"
#include "hw/boot/smbios.h"

#define T0_HANDLE 0x0000
#define T1_HANDLE 0x0100
#define T2_HANDLE 0x0200
#define T3_HANDLE 0x0300
#define T4_HANDLE 0x0400
#define T16_HANDLE 0x1000
#define T17_HANDLE 0x1100
#define T19_HANDLE 0x1300
#define T32_HANDLE 0x2000
#define T127_HANDLE 0x7F00
#define MAX_CPUS 255
#define MAX_DIMMS 0x200

#define DEFAULT_MANUFACTURER "hvemu"
#define DEFAULT_PRODUCT "Standard PC (i440FX + PIIX, 1996)"
#define DEFAULT_VERSION "pc"
#define DEFAULT_BIOS_DATE "01/01/2025"

/* ---- the -smbios option ---- */

static const struct {
    uint8_t type;
    const char *key;
    uint8_t field;
} smbios_keys[] = {
    { 0, "vendor", SMBIOS_T0_VENDOR },
    { 0, "version", SMBIOS_T0_VERSION },
    { 0, "date", SMBIOS_T0_DATE },
    { 0, "release", SMBIOS_T0_RELEASE },
    { 0, "uefi", SMBIOS_T0_UEFI },
    { 1, "manufacturer", SMBIOS_T1_MANUFACTURER },
    { 1, "product", SMBIOS_T1_PRODUCT },
    { 1, "version", SMBIOS_T1_VERSION },
    { 1, "serial", SMBIOS_T1_SERIAL },
    { 1, "uuid", SMBIOS_T1_UUID },
    { 1, "sku", SMBIOS_T1_SKU },
    { 1, "family", SMBIOS_T1_FAMILY },
    { 2, "manufacturer", SMBIOS_T2_MANUFACTURER },
    { 2, "product", SMBIOS_T2_PRODUCT },
    { 2, "version", SMBIOS_T2_VERSION },
    { 2, "serial", SMBIOS_T2_SERIAL },
    { 2, "asset", SMBIOS_T2_ASSET },
    { 2, "location", SMBIOS_T2_LOCATION },
    { 3, "manufacturer", SMBIOS_T3_MANUFACTURER },
    { 3, "version", SMBIOS_T3_VERSION },
    { 3, "serial", SMBIOS_T3_SERIAL },
    { 3, "asset", SMBIOS_T3_ASSET },
    { 3, "sku", SMBIOS_T3_SKU },
    { 4, "sock_pfx", SMBIOS_T4_SOCK_PFX },
    { 4, "manufacturer", SMBIOS_T4_MANUFACTURER },
    { 4, "version", SMBIOS_T4_VERSION },
    { 4, "serial", SMBIOS_T4_SERIAL },
    { 4, "asset", SMBIOS_T4_ASSET },
    { 4, "part", SMBIOS_T4_PART },
    { 4, "max-speed", SMBIOS_T4_MAX_SPEED },
    { 4, "current-speed", SMBIOS_T4_CURRENT_SPEED },
    { 4, "processor-id", SMBIOS_T4_PROCESSOR_ID },
    { 17, "loc_pfx", SMBIOS_T17_LOC_PFX },
    { 17, "bank", SMBIOS_T17_BANK },
    { 17, "manufacturer", SMBIOS_T17_MANUFACTURER },
    { 17, "serial", SMBIOS_T17_SERIAL },
    { 17, "asset", SMBIOS_T17_ASSET },
    { 17, "part", SMBIOS_T17_PART },
    { 17, "speed", SMBIOS_T17_SPEED },
};

/* xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx into 16 bytes in text order. */
static bool parse_uuid(const char *s, uint8_t out[16])
{
    if (strlen(s) != 36)
        return false;
    for (int i = 0, k = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
            continue;
        }
        if (!g_ascii_isxdigit(s[i]) || !g_ascii_isxdigit(s[i + 1]))
            return false;
        out[k++] = (uint8_t)(g_ascii_xdigit_value(s[i]) << 4 | g_ascii_xdigit_value(s[i + 1]));
        i++;
    }
    return true;
}

/* "major.minor", each 0-255. */
static bool parse_release(const char *s, uint8_t *major, uint8_t *minor)
{
    const char *dot = strchr(s, '.');
    uint64_t a, b;
    if (!dot)
        return false;
    char *left = g_strndup(s, (gsize)(dot - s));
    bool ok = !parse_uint(left, 255, &a) && !parse_uint(dot + 1, 255, &b);
    g_free(left);
    if (ok) {
        *major = (uint8_t)a;
        *minor = (uint8_t)b;
    }
    return ok;
}

/* Check and convert the numeric fields; NULL or the error text. */
static char *smbios_check_value(struct smbios_settings *s, unsigned field, const char *key,
                                const char *v)
{
    uint64_t n;
    if (strlen(v) > SMBIOS_STR_MAX)
        return g_strdup_printf("%s is longer than %d bytes", key, SMBIOS_STR_MAX);
    switch (field) {
    case SMBIOS_T0_RELEASE:
        if (!parse_release(v, &s->bios_major, &s->bios_minor))
            return g_strdup_printf("release must be MAJOR.MINOR (0-255 each), not '%s'", v);
        break;
    case SMBIOS_T0_UEFI:
        if (parse_bool(v, &s->uefi))
            return g_strdup_printf("uefi must be on or off, not '%s'", v);
        break;
    case SMBIOS_T1_UUID:
        if (!parse_uuid(v, s->uuid))
            return g_strdup_printf("invalid UUID '%s' (expected "
                                   "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", v);
        break;
    case SMBIOS_T4_MAX_SPEED:
    case SMBIOS_T4_CURRENT_SPEED:
    case SMBIOS_T17_SPEED:
        if (parse_uint(v, 0xfffe, &n))
            return g_strdup_printf("%s must be a number from 0 to 65534, not '%s'", key, v);
        if (field == SMBIOS_T4_MAX_SPEED)
            s->max_speed = (uint16_t)n;
        else if (field == SMBIOS_T4_CURRENT_SPEED)
            s->current_speed = (uint16_t)n;
        else
            s->mem_speed = (uint16_t)n;
        break;
    case SMBIOS_T4_PROCESSOR_ID:
        if (parse_uint(v, UINT64_MAX, &n))
            return g_strdup_printf("processor-id must be a number, not '%s'", v);
        s->processor_id = n;
        break;
    default:
        break;
    }
    return NULL;
}

static int smbios_field_of(unsigned type, const char *key)
{
    for (size_t i = 0; i < ARRAY_SIZE(smbios_keys); i++)
        if (smbios_keys[i].type == type && !strcmp(smbios_keys[i].key, key))
            return smbios_keys[i].field;
    return -1;
}

int smbios_parse_opt(struct smbios_settings *s, const char *arg, char **err)
{
    char *perr = NULL;
    struct optlist *l = optlist_parse(arg, NULL, &perr);
    if (!l) {
        *err = g_strdup_printf("-smbios %s", perr);
        g_free(perr);
        return -1;
    }
    const char *type_s = optlist_get(l, "type");
    uint64_t type;
    int rc = -1;
    if (optlist_get(l, "file")) {
        *err = g_strdup_printf("-smbios %s: binary tables (file=) are not supported", arg);
        goto out;
    }
    if (!type_s) {
        *err = g_strdup_printf("-smbios %s: missing type=", arg);
        goto out;
    }
    if (parse_uint(type_s, 255, &type) || (type > 4 && type != 17)) {
        *err = g_strdup_printf("-smbios %s: unsupported type '%s' (supported: 0, 1, 2, 3, 4, 17)",
                               arg, type_s);
        goto out;
    }
    for (size_t i = 0; i < l->n; i++) {
        const char *key = l->items[i].key, *val = l->items[i].val;
        if (!strcmp(key, "type"))
            continue;
        int f = smbios_field_of((unsigned)type, key);
        if (f < 0) {
            *err = g_strdup_printf("-smbios %s: type %u has no field '%s'", arg, (unsigned)type,
                                   key);
            goto out;
        }
        char *bad = smbios_check_value(s, (unsigned)f, key, val);
        if (bad) {
            *err = g_strdup_printf("-smbios %s: %s", arg, bad);
            g_free(bad);
            goto out;
        }
        g_free(s->val[f]);
        s->val[f] = g_strdup(val);
    }
    s->types |= 1u << type;
    rc = 0;
out:
    optlist_free(l);
    return rc;
}

void smbios_settings_free(struct smbios_settings *s)
{
    for (unsigned i = 0; i < SMBIOS_NFIELDS; i++) {
        g_free(s->val[i]);
        s->val[i] = NULL;
    }
}

/* ---- structure building ---- */

struct sb {
    GByteArray *buf;
    size_t start;   /* offset of the structure being built */
    uint8_t nstr;   /* strings so far in it */
    unsigned count;
    size_t max;
};

static uint8_t *sb_at(struct sb *b, size_t off)
{
    return b->buf->data + b->start + off;
}

static void sb_begin(struct sb *b, uint8_t type, uint8_t len, uint16_t handle)
{
    static const uint8_t zero[256];
    b->start = b->buf->len;
    b->nstr = 0;
    g_byte_array_append(b->buf, zero, len);
    uint8_t *p = sb_at(b, 0);
    p[0] = type;
    p[1] = len;
    st16(p + 2, handle);
}

static void sb_u8(struct sb *b, size_t off, uint8_t v)
{
    *sb_at(b, off) = v;
}

static void sb_u16(struct sb *b, size_t off, uint16_t v)
{
    st16(sb_at(b, off), v);
}

static void sb_u32(struct sb *b, size_t off, uint32_t v)
{
    st32(sb_at(b, off), v);
}

static void sb_u64(struct sb *b, size_t off, uint64_t v)
{
    st64(sb_at(b, off), v);
}

/* A string field: appended to the string set; NULL or "" gives index 0. */
static void sb_str(struct sb *b, size_t off, const char *s)
{
    if (!s || !*s) {
        sb_u8(b, off, 0);
        return;
    }
    g_byte_array_append(b->buf, (const uint8_t *)s, (guint)strlen(s) + 1);
    sb_u8(b, off, ++b->nstr);
}

static void sb_end(struct sb *b)
{
    static const uint8_t nul[2];
    /* The set ends with a second NUL; an empty set is two NULs. */
    g_byte_array_append(b->buf, nul, b->nstr ? 1 : 2);
    b->count++;
    b->max = MAX(b->max, b->buf->len - b->start);
}

static const char *val_or(const struct smbios_settings *s, unsigned f, const char *def)
{
    return s->val[f] ? s->val[f] : def;
}

static void build_type0(struct sb *b, const struct smbios_settings *s)
{
    bool rel = s->val[SMBIOS_T0_RELEASE] != NULL;
    sb_begin(b, 0, 0x18, T0_HANDLE);
    sb_str(b, 0x04, val_or(s, SMBIOS_T0_VENDOR, DEFAULT_MANUFACTURER));
    sb_str(b, 0x05, val_or(s, SMBIOS_T0_VERSION, HVEMU_VERSION));
    sb_u16(b, 0x06, 0xE800); /* starting segment, as SeaBIOS reports */
    sb_str(b, 0x08, val_or(s, SMBIOS_T0_DATE, DEFAULT_BIOS_DATE));
    sb_u8(b, 0x09, 0);       /* ROM size: 64 KiB */
    sb_u64(b, 0x0A, 1u << 3); /* "BIOS Characteristics are not supported" */
    /* Extension byte 2: targeted content distribution, virtual machine,
     * UEFI if asked. */
    sb_u8(b, 0x13, (uint8_t)(1u << 2 | 1u << 4 | (s->val[SMBIOS_T0_UEFI] && s->uefi ? 1u << 3 : 0)));
    sb_u8(b, 0x14, rel ? s->bios_major : 0xFF);
    sb_u8(b, 0x15, rel ? s->bios_minor : 0xFF);
    sb_u8(b, 0x16, 0xFF); /* no embedded controller */
    sb_u8(b, 0x17, 0xFF);
    sb_end(b);
}

/* 16 bytes RFC 4122 order -> SMBIOS 2.6+ order (first three fields LE). */
static void uuid_to_smbios(const uint8_t in[16], uint8_t out[16])
{
    static const uint8_t order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
    for (int i = 0; i < 16; i++)
        out[i] = in[order[i]];
}

static void build_type1(struct sb *b, const struct smbios_settings *s,
                        const struct smbios_machine *mc)
{
    uint8_t uuid[16];
    uuid_to_smbios(s->val[SMBIOS_T1_UUID] ? s->uuid : mc->uuid, uuid);
    sb_begin(b, 1, 0x1B, T1_HANDLE);
    sb_str(b, 0x04, val_or(s, SMBIOS_T1_MANUFACTURER, DEFAULT_MANUFACTURER));
    sb_str(b, 0x05, val_or(s, SMBIOS_T1_PRODUCT, DEFAULT_PRODUCT));
    sb_str(b, 0x06, val_or(s, SMBIOS_T1_VERSION, DEFAULT_VERSION));
    sb_str(b, 0x07, s->val[SMBIOS_T1_SERIAL]);
    memcpy(sb_at(b, 0x08), uuid, 16);
    sb_u8(b, 0x18, 0x06); /* woken by the power switch */
    sb_str(b, 0x19, s->val[SMBIOS_T1_SKU]);
    sb_str(b, 0x1A, s->val[SMBIOS_T1_FAMILY]);
    sb_end(b);
}

static void build_type2(struct sb *b, const struct smbios_settings *s)
{
    sb_begin(b, 2, 0x0F, T2_HANDLE);
    sb_str(b, 0x04, val_or(s, SMBIOS_T2_MANUFACTURER, DEFAULT_MANUFACTURER));
    sb_str(b, 0x05, val_or(s, SMBIOS_T2_PRODUCT, DEFAULT_PRODUCT));
    sb_str(b, 0x06, val_or(s, SMBIOS_T2_VERSION, DEFAULT_VERSION));
    sb_str(b, 0x07, s->val[SMBIOS_T2_SERIAL]);
    sb_str(b, 0x08, s->val[SMBIOS_T2_ASSET]);
    sb_u8(b, 0x09, 0x01); /* feature flags: hosting board */
    sb_str(b, 0x0A, s->val[SMBIOS_T2_LOCATION]);
    sb_u16(b, 0x0B, T3_HANDLE);
    sb_u8(b, 0x0D, 0x0A); /* motherboard */
    sb_u8(b, 0x0E, 0);    /* no contained objects */
    sb_end(b);
}

static void build_type3(struct sb *b, const struct smbios_settings *s)
{
    sb_begin(b, 3, 0x16, T3_HANDLE);
    sb_str(b, 0x04, val_or(s, SMBIOS_T3_MANUFACTURER, DEFAULT_MANUFACTURER));
    sb_u8(b, 0x05, 0x01); /* type: Other */
    sb_str(b, 0x06, val_or(s, SMBIOS_T3_VERSION, DEFAULT_VERSION));
    sb_str(b, 0x07, s->val[SMBIOS_T3_SERIAL]);
    sb_str(b, 0x08, s->val[SMBIOS_T3_ASSET]);
    sb_u8(b, 0x09, 0x03); /* boot-up, power supply, thermal: safe */
    sb_u8(b, 0x0A, 0x03);
    sb_u8(b, 0x0B, 0x03);
    sb_u8(b, 0x0C, 0x02); /* security status: unknown */
    /* OEM-defined 0, height 0 (unspecified), no power cords or contained
     * elements; the SKU string follows the (empty) element list. */
    sb_str(b, 0x15, s->val[SMBIOS_T3_SKU]);
    sb_end(b);
}

static void build_type4(struct sb *b, const struct smbios_settings *s,
                        const struct smbios_machine *mc, unsigned cpu)
{
    char sock[SMBIOS_STR_MAX + 16];
    snprintf(sock, sizeof(sock), "%s %u", val_or(s, SMBIOS_T4_SOCK_PFX, "CPU"), cpu);
    uint16_t cur = s->val[SMBIOS_T4_CURRENT_SPEED] ? s->current_speed : 2000;
    uint16_t max = s->val[SMBIOS_T4_MAX_SPEED] ? s->max_speed : 2000;
    sb_begin(b, 4, 0x2A, (uint16_t)(T4_HANDLE + cpu));
    sb_str(b, 0x04, sock);
    sb_u8(b, 0x05, 0x03); /* central processor */
    sb_u8(b, 0x06, 0x01); /* family: Other */
    sb_str(b, 0x07, val_or(s, SMBIOS_T4_MANUFACTURER, DEFAULT_MANUFACTURER));
    sb_u64(b, 0x08, s->val[SMBIOS_T4_PROCESSOR_ID] ? s->processor_id : mc->cpu_id);
    sb_str(b, 0x10, val_or(s, SMBIOS_T4_VERSION, DEFAULT_VERSION));
    sb_u8(b, 0x11, 0);    /* voltage: not given */
    sb_u16(b, 0x12, 0);   /* external clock: unknown */
    sb_u16(b, 0x14, max);
    sb_u16(b, 0x16, cur);
    sb_u8(b, 0x18, 0x41); /* socket populated, CPU enabled */
    sb_u8(b, 0x19, 0x01); /* upgrade: other */
    sb_u16(b, 0x1A, 0xFFFF); /* no cache information */
    sb_u16(b, 0x1C, 0xFFFF);
    sb_u16(b, 0x1E, 0xFFFF);
    sb_str(b, 0x20, s->val[SMBIOS_T4_SERIAL]);
    sb_str(b, 0x21, s->val[SMBIOS_T4_ASSET]);
    sb_str(b, 0x22, s->val[SMBIOS_T4_PART]);
    sb_u8(b, 0x23, 1);    /* cores, enabled cores, threads: one per socket */
    sb_u8(b, 0x24, 1);
    sb_u8(b, 0x25, 1);
    sb_u16(b, 0x26, 0x02); /* characteristics: unknown */
    sb_u16(b, 0x28, 0x01); /* family 2: Other */
    sb_end(b);
}

static void build_type16(struct sb *b, uint64_t ram, unsigned ndimms)
{
    uint64_t kib = ram / KiB;
    sb_begin(b, 16, 0x17, T16_HANDLE);
    sb_u8(b, 0x04, 0x01); /* location: other */
    sb_u8(b, 0x05, 0x03); /* use: system memory */
    sb_u8(b, 0x06, 0x03); /* error correction: none */
    if (kib < 0x80000000ULL) {
        sb_u32(b, 0x07, (uint32_t)kib);
    } else {
        sb_u32(b, 0x07, 0x80000000u); /* see the extended field (bytes) */
        sb_u64(b, 0x0F, ram);
    }
    sb_u16(b, 0x0B, 0xFFFE); /* no error information */
    sb_u16(b, 0x0D, (uint16_t)ndimms);
    sb_end(b);
}

static void build_type17(struct sb *b, const struct smbios_settings *s, unsigned i,
                         uint64_t size)
{
    char loc[SMBIOS_STR_MAX + 16];
    snprintf(loc, sizeof(loc), "%s %u", val_or(s, SMBIOS_T17_LOC_PFX, "DIMM"), i);
    uint64_t mib = (size + MiB - 1) / MiB; /* <= 16384 */
    uint16_t speed = s->val[SMBIOS_T17_SPEED] ? s->mem_speed : 0;
    sb_begin(b, 17, 0x28, (uint16_t)(T17_HANDLE + i));
    sb_u16(b, 0x04, T16_HANDLE);
    sb_u16(b, 0x06, 0xFFFE); /* no error information */
    sb_u16(b, 0x08, 64);     /* total and data width in bits */
    sb_u16(b, 0x0A, 64);
    sb_u16(b, 0x0C, (uint16_t)mib);
    sb_u8(b, 0x0E, 0x09);    /* form factor: DIMM */
    sb_u8(b, 0x0F, 0);       /* not part of a set */
    sb_str(b, 0x10, loc);
    sb_str(b, 0x11, s->val[SMBIOS_T17_BANK]);
    sb_u8(b, 0x12, 0x07);    /* type: RAM */
    sb_u16(b, 0x13, 0x0002); /* type detail: other */
    sb_u16(b, 0x15, speed);
    sb_str(b, 0x17, val_or(s, SMBIOS_T17_MANUFACTURER, DEFAULT_MANUFACTURER));
    sb_str(b, 0x18, s->val[SMBIOS_T17_SERIAL]);
    sb_str(b, 0x19, s->val[SMBIOS_T17_ASSET]);
    sb_str(b, 0x1A, s->val[SMBIOS_T17_PART]);
    sb_u8(b, 0x1B, 0);       /* rank: unknown */
    sb_u32(b, 0x1C, 0);      /* extended size: not needed below 32 GiB */
    sb_u16(b, 0x20, speed);  /* configured speed */
    sb_end(b);
}

/* [start, start + size) of RAM, size > 0. */
static void build_type19(struct sb *b, unsigned i, uint64_t start, uint64_t size)
{
    uint64_t first = start / KiB, last = (start + size) / KiB - 1;
    sb_begin(b, 19, 0x1F, (uint16_t)(T19_HANDLE + i));
    if (last < 0xFFFFFFFFULL) {
        sb_u32(b, 0x04, (uint32_t)first);
        sb_u32(b, 0x08, (uint32_t)last);
    } else {
        sb_u32(b, 0x04, 0xFFFFFFFFu); /* see the extended fields (bytes) */
        sb_u32(b, 0x08, 0xFFFFFFFFu);
        sb_u64(b, 0x0F, start);
        sb_u64(b, 0x17, start + size - 1);
    }
    sb_u16(b, 0x0C, T16_HANDLE);
    sb_u8(b, 0x0E, 1); /* partition width */
    sb_end(b);
}

static void build_type32(struct sb *b)
{
    sb_begin(b, 32, 0x0B, T32_HANDLE);
    sb_u8(b, 0x0A, 0); /* no errors detected */
    sb_end(b);
}

static void build_type127(struct sb *b)
{
    sb_begin(b, 127, 0x04, T127_HANDLE);
    sb_end(b);
}

static void fill_anchor(struct smbios_blob *out, enum smbios_entry entry, uint64_t addr)
{
    uint8_t *a = out->anchor;
    memset(a, 0, sizeof(out->anchor));
    if (entry == SMBIOS_ENTRY_64) {
        memcpy(a, "_SM3_", 5);
        a[6] = SMBIOS_ANCHOR64_LEN;
        a[7] = 3;   /* SMBIOS 3.0.0 */
        a[8] = 0;
        a[9] = 0;
        a[10] = 1;  /* entry point revision */
        st32(a + 12, (uint32_t)out->tables_len); /* maximum size */
        st64(a + 16, addr);
        a[5] = checksum8(a, SMBIOS_ANCHOR64_LEN);
        out->anchor_len = SMBIOS_ANCHOR64_LEN;
        return;
    }
    memcpy(a, "_SM_", 4);
    a[5] = SMBIOS_ANCHOR32_LEN;
    a[6] = 2;       /* SMBIOS 2.8 */
    a[7] = 8;
    st16(a + 8, (uint16_t)out->max_struct);
    memcpy(a + 16, "_DMI_", 5);
    st16(a + 22, (uint16_t)out->tables_len);
    st32(a + 24, (uint32_t)addr);
    st16(a + 28, (uint16_t)out->count);
    a[30] = 0x28;   /* BCD revision */
    a[21] = checksum8(a + 16, 15);
    a[4] = checksum8(a, 16);
    out->anchor_len = SMBIOS_ANCHOR32_LEN;
}

int smbios_build(const struct smbios_settings *s, const struct smbios_machine *mc,
                 enum smbios_entry entry, bool with_type0, struct smbios_blob *out, char **err)
{
    uint64_t ram = mc->below_4g + mc->above_4g;
    unsigned ndimms = (unsigned)((ram + SMBIOS_DIMM_MAX - 1) / SMBIOS_DIMM_MAX);
    memset(out, 0, sizeof(*out));
    if (mc->cpus == 0 || mc->cpus > MAX_CPUS || ram == 0 || ndimms > MAX_DIMMS) {
        *err = g_strdup_printf("SMBIOS: cannot describe %u CPUs and %" G_GUINT64_FORMAT
                               " bytes of RAM", mc->cpus, ram);
        return -1;
    }
    struct sb b = { .buf = g_byte_array_new() };
    if (with_type0 || (s->types & 1u))
        build_type0(&b, s);
    build_type1(&b, s, mc);
    if (s->types & (1u << 2))
        build_type2(&b, s);
    build_type3(&b, s);
    for (unsigned i = 0; i < mc->cpus; i++)
        build_type4(&b, s, mc, i);
    build_type16(&b, ram, ndimms);
    for (unsigned i = 0; i < ndimms; i++)
        build_type17(&b, s, i, MIN(SMBIOS_DIMM_MAX, ram - (uint64_t)i * SMBIOS_DIMM_MAX));
    unsigned n19 = 0;
    if (mc->below_4g)
        build_type19(&b, n19++, 0, mc->below_4g);
    if (mc->above_4g)
        build_type19(&b, n19++, 4 * GiB, mc->above_4g);
    build_type32(&b);
    build_type127(&b);

    /* The 32-bit entry point has 16-bit length fields; SeaBIOS also needs
     * room below 64 KiB for the type 0 it may add. */
    size_t limit = entry == SMBIOS_ENTRY_32 ? 0xFFFF - 512 : UINT32_MAX;
    if (b.buf->len > limit) {
        *err = g_strdup_printf("SMBIOS tables too large (%u bytes) for the %s entry point",
                               b.buf->len, entry == SMBIOS_ENTRY_32 ? "32-bit" : "64-bit");
        g_byte_array_free(b.buf, TRUE);
        return -1;
    }
    out->count = b.count;
    out->max_struct = b.max;
    out->tables_len = b.buf->len;
    out->tables = g_byte_array_free(b.buf, FALSE);
    fill_anchor(out, entry, 0);
    return 0;
}

void smbios_set_table_address(struct smbios_blob *b, uint64_t addr)
{
    fill_anchor(b, b->anchor_len == SMBIOS_ANCHOR64_LEN ? SMBIOS_ENTRY_64 : SMBIOS_ENTRY_32,
                addr);
}

void smbios_blob_free(struct smbios_blob *b)
{
    g_free(b->tables);
    b->tables = NULL;
}
