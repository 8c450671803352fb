/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the SMBIOS tables and the -smbios option: the structures
 * are walked as an OS would (header, formatted area, string set), the
 * entry points checked as SeaBIOS and the spec require, and, where the
 * dmidecode tool is installed, a dump file is decoded by it. */
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include "hw/boot/smbios.h"
#include "tests/support/testenv.h"

#define MAX_STRUCTS 1100

struct dmi {
    uint8_t type;
    uint8_t len;
    uint16_t handle;
    const uint8_t *p;      /* formatted area */
    const char *strs[16];  /* 1-based: strs[1] is string 1 */
    unsigned nstrs;
    size_t total;          /* with strings */
};

struct walk {
    struct dmi s[MAX_STRUCTS];
    unsigned n;
};

static uint8_t sum8(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

/* Walk the structures as dmidecode does; assert everything is well formed
 * and matches what the blob says about itself. */
static void walk(const struct smbios_blob *b, struct walk *w)
{
    const uint8_t *t = b->tables, *end = t + b->tables_len;
    size_t max = 0;
    w->n = 0;
    while (t < end) {
        g_assert_cmpuint(w->n, <, MAX_STRUCTS);
        struct dmi *d = &w->s[w->n];
        memset(d, 0, sizeof(*d));
        g_assert_cmpint(end - t, >=, 4);
        d->type = t[0];
        d->len = t[1];
        d->handle = ld16(t + 2);
        d->p = t;
        g_assert_cmpuint(d->len, >=, 4);
        g_assert_cmpint(end - t, >=, d->len + 2);
        const uint8_t *s = t + d->len;
        if (s[0] == 0 && s[1] == 0) {
            s += 2;
        } else {
            while (*s) {
                size_t l = strnlen((const char *)s, (size_t)(end - s));
                g_assert_cmpint((ptrdiff_t)l, <, end - s);
                g_assert_cmpuint(d->nstrs, <, 15);
                d->strs[++d->nstrs] = (const char *)s;
                s += l + 1;
                g_assert_true(s < end);
            }
            s++;
        }
        d->total = (size_t)(s - t);
        max = MAX(max, d->total);
        for (unsigned i = 0; i < w->n; i++)
            g_assert_cmphex(w->s[i].handle, !=, d->handle);
        w->n++;
        t = s;
    }
    g_assert_true(t == end);
    g_assert_cmpuint(w->n, ==, b->count);
    g_assert_cmpuint(max, ==, b->max_struct);
    g_assert_cmpuint(w->s[w->n - 1].type, ==, 127);
}

static const struct dmi *find(const struct walk *w, uint8_t type, unsigned nth)
{
    for (unsigned i = 0; i < w->n; i++)
        if (w->s[i].type == type && nth-- == 0)
            return &w->s[i];
    return NULL;
}

static unsigned count(const struct walk *w, uint8_t type)
{
    unsigned n = 0;
    for (unsigned i = 0; i < w->n; i++)
        n += w->s[i].type == type;
    return n;
}

/* String field at offset off (NULL for index 0). */
static const char *str(const struct dmi *d, size_t off)
{
    g_assert_cmpuint(off, <, d->len);
    uint8_t i = d->p[off];
    g_assert_cmpuint(i, <=, d->nstrs);
    return i ? d->strs[i] : NULL;
}

static void check_anchor32(const struct smbios_blob *b, uint32_t addr)
{
    const uint8_t *a = b->anchor;
    g_assert_cmpuint(b->anchor_len, ==, 31);
    g_assert_cmpmem(a, 4, "_SM_", 4);
    g_assert_cmpuint(a[5], ==, 31);
    g_assert_cmpuint(a[6], ==, 2);
    g_assert_cmpuint(a[7], ==, 8);
    g_assert_cmpuint(ld16(a + 8), ==, b->max_struct);
    g_assert_cmpmem(a + 16, 5, "_DMI_", 5);
    g_assert_cmpuint(ld16(a + 22), ==, b->tables_len);
    g_assert_cmphex(ld32(a + 24), ==, addr);
    g_assert_cmpuint(ld16(a + 28), ==, b->count);
    g_assert_cmphex(a[30], ==, 0x28);
    /* SeaBIOS checks the first 16 bytes and the intermediate part apart;
     * the spec sums the whole entry point. */
    g_assert_cmpuint(sum8(a, 16), ==, 0);
    g_assert_cmpuint(sum8(a + 16, 15), ==, 0);
    g_assert_cmpuint(sum8(a, 31), ==, 0);
}

static struct smbios_machine machine(unsigned cpus, uint64_t below, uint64_t above)
{
    struct smbios_machine mc = { .cpus = cpus, .below_4g = below, .above_4g = above };
    static const uint8_t uuid[16] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
                                      0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
    memcpy(mc.uuid, uuid, 16);
    return mc;
}

static void build_ok(const struct smbios_settings *s, const struct smbios_machine *mc,
                     enum smbios_entry e, bool t0, struct smbios_blob *b, struct walk *w)
{
    char *err = NULL;
    if (smbios_build(s, mc, e, t0, b, &err))
        g_error("smbios_build: %s", err);
    walk(b, w);
}

static void parse_ok(struct smbios_settings *s, const char *arg)
{
    char *err = NULL;
    if (smbios_parse_opt(s, arg, &err))
        g_error("-smbios %s: %s", arg, err);
}

/* ---- structures ---- */

static void test_defaults(void)
{
    struct smbios_settings s = { 0 };
    struct smbios_machine mc = machine(2, 1 * GiB, 0);
    struct smbios_blob b;
    struct walk *w = g_new0(struct walk, 1);
    build_ok(&s, &mc, SMBIOS_ENTRY_32, false, &b, w);
    check_anchor32(&b, 0);
    /* Behind SeaBIOS: no type 0 (SeaBIOS adds its own, with handle 0). */
    static const uint8_t order[] = { 1, 3, 4, 4, 16, 17, 19, 32, 127 };
    g_assert_cmpuint(w->n, ==, sizeof(order));
    for (unsigned i = 0; i < w->n; i++) {
        g_assert_cmpuint(w->s[i].type, ==, order[i]);
        g_assert_cmphex(w->s[i].handle, !=, 0);
    }
    const struct dmi *t1 = find(w, 1, 0);
    g_assert_cmpuint(t1->len, ==, 0x1B);
    g_assert_cmpstr(str(t1, 4), ==, "hvemu");
    g_assert_cmpstr(str(t1, 5), ==, "Standard PC (i440FX + PIIX, 1996)");
    g_assert_cmpstr(str(t1, 6), ==, "pc");
    g_assert_null(str(t1, 7));
    /* UUID 12345678-9abc-def0-...: first three fields little-endian. */
    static const uint8_t want[16] = { 0x78, 0x56, 0x34, 0x12, 0xbc, 0x9a, 0xf0, 0xde,
                                      0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
    g_assert_cmpmem(t1->p + 8, 16, want, 16);
    g_assert_cmphex(t1->p[0x18], ==, 0x06);

    const struct dmi *t4 = find(w, 4, 1);
    g_assert_cmpuint(t4->len, ==, 0x2A);
    g_assert_cmphex(t4->handle, ==, 0x401);
    g_assert_cmpstr(str(t4, 4), ==, "CPU 1");
    g_assert_cmphex(t4->p[5], ==, 3);    /* central processor */
    g_assert_cmphex(t4->p[0x18], ==, 0x41); /* populated, enabled */
    g_assert_cmphex(ld16(t4->p + 0x1A), ==, 0xFFFF);

    const struct dmi *t16 = find(w, 16, 0), *t17 = find(w, 17, 0), *t19 = find(w, 19, 0);
    g_assert_cmphex(ld32(t16->p + 7), ==, 1024 * 1024); /* KiB */
    g_assert_cmpuint(ld16(t16->p + 0x0D), ==, 1);
    g_assert_cmpuint(t17->len, ==, 0x28);
    g_assert_cmphex(ld16(t17->p + 4), ==, t16->handle);
    g_assert_cmpuint(ld16(t17->p + 0x0C), ==, 1024); /* MiB */
    g_assert_cmpstr(str(t17, 0x10), ==, "DIMM 0");
    g_assert_cmphex(ld16(t19->p + 0x0C), ==, t16->handle);
    g_assert_cmphex(ld32(t19->p + 4), ==, 0);
    g_assert_cmphex(ld32(t19->p + 8), ==, 1024 * 1024 - 1);
    /* Structures with no strings end in two NULs. */
    const struct dmi *t32 = find(w, 32, 0);
    g_assert_cmpuint(t32->nstrs, ==, 0);
    g_assert_cmpuint(t32->total, ==, t32->len + 2u);
    smbios_blob_free(&b);
    g_free(w);
}

static void test_type0_direct(void)
{
    struct smbios_settings s = { 0 };
    struct smbios_machine mc = machine(1, 128 * MiB, 0);
    struct smbios_blob b;
    struct walk *w = g_new0(struct walk, 1);
    build_ok(&s, &mc, SMBIOS_ENTRY_32, true, &b, w);
    const struct dmi *t0 = &w->s[0];
    g_assert_cmpuint(t0->type, ==, 0);
    g_assert_cmphex(t0->handle, ==, 0);
    g_assert_cmpuint(t0->len, ==, 0x18);
    g_assert_cmpstr(str(t0, 4), ==, "hvemu");
    g_assert_nonnull(str(t0, 5));
    g_assert_cmpstr(str(t0, 8), ==, "01/01/2025");
    g_assert_cmphex(ld16(t0->p + 6), ==, 0xE800);
    g_assert_cmphex(t0->p[0x13], ==, 0x14); /* targeted content, virtual machine */
    g_assert_cmphex(t0->p[0x14], ==, 0xFF); /* no release given */
    /* The entry point follows the tables to their guest address. */
    smbios_set_table_address(&b, SMBIOS_DIRECT_TABLES);
    check_anchor32(&b, SMBIOS_DIRECT_TABLES);
    smbios_blob_free(&b);
    g_free(w);
}

static void test_overrides(void)
{
    struct smbios_settings s = { 0 };
    parse_ok(&s, "type=0,vendor=Acme BIOS,version=9.9,date=12/31/2023,release=3.17,uefi=on");
    parse_ok(&s, "type=1,manufacturer=Acme,product=Box,,Mark 2,version=v1,serial=S123,"
                 "uuid=00112233-4455-6677-8899-aabbccddeeff,sku=K,family=F");
    parse_ok(&s, "type=1,serial=S456"); /* later options win, per field */
    parse_ok(&s, "type=2,manufacturer=BoardCo,asset=A1,location=middle");
    parse_ok(&s, "type=3,manufacturer=CaseCo,sku=C9");
    parse_ok(&s, "type=4,sock_pfx=Socket,manufacturer=ChipCo,version=Fast,max-speed=3000,"
                 "current-speed=2500,processor-id=0x178bfbff00800f12,part=P1");
    parse_ok(&s, "type=17,loc_pfx=Bank,manufacturer=RamCo,speed=3200,serial=R1");
    struct smbios_machine mc = machine(1, 512 * MiB, 0);
    struct smbios_blob b;
    struct walk *w = g_new0(struct walk, 1);
    build_ok(&s, &mc, SMBIOS_ENTRY_32, false, &b, w);
    const struct dmi *t0 = find(w, 0, 0);
    g_assert_nonnull(t0); /* -smbios type=0 makes us send it */
    g_assert_cmpstr(str(t0, 4), ==, "Acme BIOS");
    g_assert_cmpstr(str(t0, 5), ==, "9.9");
    g_assert_cmpstr(str(t0, 8), ==, "12/31/2023");
    g_assert_cmpuint(t0->p[0x14], ==, 3);
    g_assert_cmpuint(t0->p[0x15], ==, 17);
    g_assert_cmphex(t0->p[0x13], ==, 0x1C);
    const struct dmi *t1 = find(w, 1, 0);
    g_assert_cmpstr(str(t1, 5), ==, "Box,Mark 2");
    g_assert_cmpstr(str(t1, 7), ==, "S456");
    g_assert_cmpstr(str(t1, 0x19), ==, "K");
    g_assert_cmpstr(str(t1, 0x1A), ==, "F");
    static const uint8_t want[16] = { 0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66,
                                      0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
    g_assert_cmpmem(t1->p + 8, 16, want, 16);
    const struct dmi *t2 = find(w, 2, 0), *t3 = find(w, 3, 0);
    g_assert_nonnull(t2);
    g_assert_cmpstr(str(t2, 4), ==, "BoardCo");
    g_assert_cmpstr(str(t2, 8), ==, "A1");
    g_assert_cmpstr(str(t2, 0x0A), ==, "middle");
    g_assert_cmphex(ld16(t2->p + 0x0B), ==, t3->handle);
    g_assert_cmpstr(str(t3, 4), ==, "CaseCo");
    g_assert_cmpstr(str(t3, 0x15), ==, "C9");
    const struct dmi *t4 = find(w, 4, 0);
    g_assert_cmpstr(str(t4, 4), ==, "Socket 0");
    g_assert_cmpstr(str(t4, 7), ==, "ChipCo");
    g_assert_cmpstr(str(t4, 0x10), ==, "Fast");
    g_assert_cmpstr(str(t4, 0x22), ==, "P1");
    g_assert_cmphex(ld64(t4->p + 8), ==, 0x178bfbff00800f12ULL);
    g_assert_cmpuint(ld16(t4->p + 0x14), ==, 3000);
    g_assert_cmpuint(ld16(t4->p + 0x16), ==, 2500);
    const struct dmi *t17 = find(w, 17, 0);
    g_assert_cmpstr(str(t17, 0x10), ==, "Bank 0");
    g_assert_cmpstr(str(t17, 0x17), ==, "RamCo");
    g_assert_cmpstr(str(t17, 0x18), ==, "R1");
    g_assert_cmpuint(ld16(t17->p + 0x15), ==, 3200);
    smbios_blob_free(&b);
    smbios_settings_free(&s);
    g_free(w);
}

/* RAM over several DIMMs and both sides of the PCI hole. */
static void test_memory(void)
{
    struct smbios_settings s = { 0 };
    struct smbios_machine mc = machine(1, 3 * GiB, 37 * GiB);
    struct smbios_blob b;
    struct walk *w = g_new0(struct walk, 1);
    build_ok(&s, &mc, SMBIOS_ENTRY_32, false, &b, w);
    g_assert_cmpuint(count(w, 17), ==, 3);
    g_assert_cmpuint(ld16(find(w, 17, 0)->p + 0x0C), ==, 16384);
    g_assert_cmpuint(ld16(find(w, 17, 1)->p + 0x0C), ==, 16384);
    g_assert_cmpuint(ld16(find(w, 17, 2)->p + 0x0C), ==, 8192);
    g_assert_cmpuint(ld16(find(w, 16, 0)->p + 0x0D), ==, 3);
    g_assert_cmphex(ld32(find(w, 16, 0)->p + 7), ==, 40ULL * 1024 * 1024);
    g_assert_cmpuint(count(w, 19), ==, 2);
    const struct dmi *lo = find(w, 19, 0), *hi = find(w, 19, 1);
    g_assert_cmphex(ld32(lo->p + 4), ==, 0);
    g_assert_cmphex(ld32(lo->p + 8), ==, 3ULL * 1024 * 1024 - 1);
    g_assert_cmphex(ld32(hi->p + 4), ==, 4ULL * 1024 * 1024);
    g_assert_cmphex(ld32(hi->p + 8), ==, 41ULL * 1024 * 1024 - 1);
    smbios_blob_free(&b);

    /* 6 TiB: the type 19 range above 4 TiB and the type 16 capacity use
     * the extended (byte) fields. */
    mc = machine(1, 3 * GiB, 6 * 1024 * GiB);
    build_ok(&s, &mc, SMBIOS_ENTRY_64, false, &b, w);
    const struct dmi *t16 = find(w, 16, 0);
    g_assert_cmphex(ld32(t16->p + 7), ==, 0x80000000u);
    g_assert_cmphex(ld64(t16->p + 0x0F), ==, 6 * 1024 * GiB + 3 * GiB);
    hi = find(w, 19, 1);
    g_assert_cmphex(ld32(hi->p + 4), ==, 0xFFFFFFFFu);
    g_assert_cmphex(ld64(hi->p + 0x0F), ==, 4 * GiB);
    g_assert_cmphex(ld64(hi->p + 0x17), ==, 4 * GiB + 6 * 1024 * GiB - 1);
    g_assert_cmpuint(count(w, 17), ==, 385);
    smbios_blob_free(&b);
    g_free(w);
}

static void test_entry64(void)
{
    struct smbios_settings s = { 0 };
    struct smbios_machine mc = machine(4, 2 * GiB, 0);
    struct smbios_blob b;
    struct walk *w = g_new0(struct walk, 1);
    build_ok(&s, &mc, SMBIOS_ENTRY_64, false, &b, w);
    const uint8_t *a = b.anchor;
    g_assert_cmpuint(b.anchor_len, ==, 24);
    g_assert_cmpmem(a, 5, "_SM3_", 5);
    g_assert_cmpuint(a[6], ==, 24);
    g_assert_cmpuint(a[7], ==, 3);
    g_assert_cmpuint(a[10], ==, 1);
    g_assert_cmpuint(ld32(a + 12), ==, b.tables_len); /* SeaBIOS: must equal the file */
    g_assert_cmpuint(sum8(a, 24), ==, 0);
    smbios_set_table_address(&b, 0x123456789ULL);
    g_assert_cmphex(ld64(b.anchor + 16), ==, 0x123456789ULL);
    g_assert_cmpuint(sum8(b.anchor, 24), ==, 0);
    g_assert_cmpuint(count(w, 4), ==, 4);
    smbios_blob_free(&b);
    g_free(w);
}

/* ---- limits and errors ---- */

static void test_too_large(void)
{
    struct smbios_settings s = { 0 };
    GString *arg = g_string_new("type=4,manufacturer=");
    for (int i = 0; i < SMBIOS_STR_MAX; i++)
        g_string_append_c(arg, 'x');
    parse_ok(&s, arg->str);
    g_string_free(arg, TRUE);
    struct smbios_machine mc = machine(255, 1 * GiB, 0);
    struct smbios_blob b;
    char *err = NULL;
    g_assert_cmpint(smbios_build(&s, &mc, SMBIOS_ENTRY_32, false, &b, &err), ==, -1);
    g_assert_nonnull(strstr(err, "too large"));
    g_free(err);
    /* The 64-bit entry point takes it. */
    struct walk *w = g_new0(struct walk, 1);
    build_ok(&s, &mc, SMBIOS_ENTRY_64, false, &b, w);
    g_assert_cmpuint(b.tables_len, >, 0xFFFF);
    smbios_blob_free(&b);
    /* Nonsense machines are refused, not described. */
    mc = machine(0, 1 * GiB, 0);
    g_assert_cmpint(smbios_build(&s, &mc, SMBIOS_ENTRY_64, false, &b, &err), ==, -1);
    g_free(err);
    smbios_settings_free(&s);
    g_free(w);
}

static void test_parse_errors(void)
{
    static const struct {
        const char *arg, *msg;
    } bad[] = {
        { "vendor=x", "missing type=" },
        { "type=5,foo=bar", "unsupported type '5'" },
        { "type=x", "unsupported type 'x'" },
        { "type=256", "unsupported type" },
        { "type=1,vendor=x", "type 1 has no field 'vendor'" },
        { "type=0,release=1", "release must be MAJOR.MINOR" },
        { "type=0,release=1.256", "release must be MAJOR.MINOR" },
        { "type=0,uefi=maybe", "uefi must be on or off" },
        { "type=1,uuid=1234", "invalid UUID '1234'" },
        { "type=1,uuid=0011223344556677-8899-aabbccddeeff-xx", "invalid UUID" },
        { "type=4,max-speed=70000", "max-speed must be a number from 0 to 65534" },
        { "type=4,processor-id=zz", "processor-id must be a number" },
        { "type=17,speed=-1", "speed must be a number" },
        { "file=/tmp/x", "binary tables (file=) are not supported" },
        { ",type=1", "empty option" },
        { "type=1,=x", "option with no name" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct smbios_settings s = { 0 };
        char *err = NULL;
        if (smbios_parse_opt(&s, bad[i].arg, &err) != -1)
            g_error("-smbios %s was accepted", bad[i].arg);
        if (!strstr(err, bad[i].msg) || strncmp(err, "-smbios ", 8) || strchr(err, '\n'))
            g_error("-smbios %s: message '%s' lacks '%s'", bad[i].arg, err, bad[i].msg);
        g_free(err);
        smbios_settings_free(&s);
    }
    /* Too long a string. */
    struct smbios_settings s = { 0 };
    char *err = NULL;
    GString *arg = g_string_new("type=1,serial=");
    for (int i = 0; i <= SMBIOS_STR_MAX; i++)
        g_string_append_c(arg, 's');
    g_assert_cmpint(smbios_parse_opt(&s, arg->str, &err), ==, -1);
    g_assert_nonnull(strstr(err, "serial is longer than 1024 bytes"));
    g_free(err);
    g_string_free(arg, TRUE);
    /* Empty values are accepted and give no string. */
    parse_ok(&s, "type=1,serial=,manufacturer=");
    struct smbios_machine mc = machine(1, 64 * MiB, 0);
    struct smbios_blob b;
    struct walk *w = g_new0(struct walk, 1);
    build_ok(&s, &mc, SMBIOS_ENTRY_32, false, &b, w);
    g_assert_null(str(find(w, 1, 0), 4));
    g_assert_null(str(find(w, 1, 0), 7));
    smbios_blob_free(&b);
    smbios_settings_free(&s);
    g_free(w);
}

/* ---- dmidecode ---- */

/* dmidecode --dump-bin's layout: the entry point at 0 with the table
 * address set to 32, the structures at 32. */
static char *write_dump(struct smbios_blob *b)
{
    char *path = NULL;
    int fd = g_file_open_tmp("hvemu-smbios-XXXXXX", &path, NULL);
    g_assert_cmpint(fd, >=, 0);
    smbios_set_table_address(b, 32);
    uint8_t head[32] = { 0 };
    memcpy(head, b->anchor, b->anchor_len);
    FILE *f = fdopen(fd, "wb");
    g_assert_nonnull(f);
    g_assert_cmpuint(fwrite(head, 1, 32, f), ==, 32);
    g_assert_cmpuint(fwrite(b->tables, 1, b->tables_len, f), ==, b->tables_len);
    fclose(f);
    return path;
}

static const char *dmidecode_path(void)
{
    static const char *const paths[] = { "/usr/sbin/dmidecode", "/sbin/dmidecode" };
    for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
        if (g_file_test(paths[i], G_FILE_TEST_IS_EXECUTABLE))
            return paths[i];
    return NULL;
}

static char *run_dmidecode(struct smbios_blob *b)
{
    char *path = write_dump(b);
    const char *argv[] = { dmidecode_path(), "--from-dump", path, NULL };
    char *out = NULL, *errout = NULL;
    int status = 0;
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               &errout, &status, NULL));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    if (*errout)
        g_error("dmidecode complained: %s", errout);
    g_free(errout);
    g_unlink(path);
    g_free(path);
    return out;
}

static void expect(const char *out, const char *line)
{
    if (!strstr(out, line))
        g_error("dmidecode output lacks '%s':\n%s", line, out);
}

static void test_dmidecode(void)
{
    if (!dmidecode_path()) {
        g_test_skip("dmidecode not installed (Debian package dmidecode)");
        return;
    }
    struct smbios_settings s = { 0 };
    parse_ok(&s, "type=1,serial=XYZ,family=Virtual");
    parse_ok(&s, "type=2,product=Board");
    struct smbios_machine mc = machine(2, 3 * GiB, 1 * GiB);
    struct smbios_blob b;
    struct walk *w = g_new0(struct walk, 1);
    build_ok(&s, &mc, SMBIOS_ENTRY_32, true, &b, w);
    char *out = run_dmidecode(&b);
    expect(out, "SMBIOS 2.8 present.");
    expect(out, "12 structures occupying");
    expect(out, "Handle 0x0000, DMI type 0, 24 bytes\nBIOS Information\n\tVendor: hvemu");
    expect(out, "\tRelease Date: 01/01/2025");
    expect(out, "\tSystem is a virtual machine");
    expect(out, "Handle 0x0100, DMI type 1, 27 bytes\nSystem Information\n\tManufacturer: hvemu\n"
                "\tProduct Name: Standard PC (i440FX + PIIX, 1996)\n\tVersion: pc\n"
                "\tSerial Number: XYZ\n\tUUID: 12345678-9abc-def0-0123-456789abcdef\n"
                "\tWake-up Type: Power Switch\n");
    expect(out, "\tFamily: Virtual");
    expect(out, "Base Board Information\n\tManufacturer: hvemu\n\tProduct Name: Board");
    expect(out, "Chassis Information\n\tManufacturer: hvemu\n\tType: Other");
    expect(out, "\tSocket Designation: CPU 1\n\tType: Central Processor");
    expect(out, "Physical Memory Array\n\tLocation: Other\n\tUse: System Memory\n"
                "\tError Correction Type: None\n\tMaximum Capacity: 4 GB");
    expect(out, "Memory Device\n\tArray Handle: 0x1000");
    expect(out, "\tSize: 4 GB\n\tForm Factor: DIMM");
    expect(out, "Memory Array Mapped Address\n\tStarting Address: 0x00000000000\n"
                "\tEnding Address: 0x000BFFFFFFF\n\tRange Size: 3 GB");
    expect(out, "\tStarting Address: 0x00100000000\n\tEnding Address: 0x0013FFFFFFF\n"
                "\tRange Size: 1 GB");
    expect(out, "System Boot Information\n\tStatus: No errors detected");
    expect(out, "End Of Table");
    g_assert_null(strstr(out, "<OUT OF SPEC>"));
    g_assert_null(strstr(out, "Invalid"));
    g_free(out);
    smbios_blob_free(&b);

    build_ok(&s, &mc, SMBIOS_ENTRY_64, false, &b, w);
    out = run_dmidecode(&b);
    expect(out, "SMBIOS 3.0.0 present.");
    expect(out, "System Information\n\tManufacturer: hvemu");
    g_assert_null(strstr(out, "BIOS Information"));
    g_free(out);
    smbios_blob_free(&b);
    smbios_settings_free(&s);
    g_free(w);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smbios/defaults", test_defaults);
    g_test_add_func("/smbios/type0-direct", test_type0_direct);
    g_test_add_func("/smbios/overrides", test_overrides);
    g_test_add_func("/smbios/memory", test_memory);
    g_test_add_func("/smbios/entry64", test_entry64);
    g_test_add_func("/smbios/too-large", test_too_large);
    g_test_add_func("/smbios/parse-errors", test_parse_errors);
    g_test_add_func("/smbios/dmidecode", test_dmidecode);
    return g_test_run();
}
