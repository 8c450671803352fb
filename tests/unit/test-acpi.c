/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ACPI tables, the linker/loader, and the -boot items.
 *
 * Tables are built for several machines, the etc/table-loader commands are
 * executed the way SeaBIOS executes them (hw/acpi/loader.c) into fake
 * zones, and then an OS-eye walk checks everything: RSDP (both checksums)
 * -> RSDT and XSDT (same tables) -> each table's checksum, the FADT's
 * blocks and their X_ twins, FACS alignment, DSDT and its patched Names,
 * the SSDT's processor objects, MADT entries, the HPET table.  The
 * executor is also fed malformed commands.  The board test reads the
 * items through the fw_cfg ports as firmware does, including -boot once=
 * reverting at the next reset.
 *
 * The iasl round trip: each table of two configurations is decompiled
 * with `iasl -d` and the result compiled again with warnings as errors;
 * both must succeed without an Error or Warning line.  With
 * HVEMU_ACPI_DUMP=DIR in the environment the tables are also kept there,
 * one file per table. */
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "config.h"
#include "core/chardev.h"
#include "cpu/accel.h"
#include "cpu/test.h"
#include "hw/acpi/loader.h"
#include "hw/acpi/tables.h"
#include "hw/boot/bootorder.h"
#include "hw/misc/fw_cfg.h"
#include "hw/pc.h"
#include "tests/support/board.h"

/* Where the fake firmware allocates: SeaBIOS-like (HIGH near the top of
 * low RAM, FSEG in the F segment). */
#define HIGH_BASE 0x7F00000ULL
#define HIGH_SIZE 0x100000ULL
#define FSEG_BASE 0xF0000ULL
#define FSEG_SIZE 0x10000ULL

static const struct acpi_loader_zone zones[2] = {
    { HIGH_BASE, HIGH_SIZE },
    { FSEG_BASE, FSEG_SIZE },
};

/* ---- running the loader and reading "guest memory" ---- */

static void run(const struct acpi_tables *t, struct acpi_loader_result *res)
{
    const struct acpi_loader_file files[] = {
        { ACPI_FILE_TABLES, t->tables, t->tables_len },
        { ACPI_FILE_RSDP, t->rsdp, t->rsdp_len },
    };
    g_assert_cmpint(t->loader_len % ACPI_LOADER_ENTRY_SIZE, ==, 0);
    g_assert_cmpint(acpi_loader_run(t->loader, t->loader_len, files, 2, zones, res), ==, 0);
    g_assert_cmpuint(res->errors, ==, 0);
    g_assert_cmpuint(res->skipped, ==, 0);
    g_assert_cmpuint(res->nfiles, ==, 2);
}

static const uint8_t *mem(const struct acpi_loader_result *res, uint64_t addr, uint64_t len)
{
    const uint8_t *p = acpi_loader_result_ptr(res, addr, len);
    if (!p)
        g_error("no placed file covers %#llx+%llu", (unsigned long long)addr,
                (unsigned long long)len);
    return p;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return s;
}

/* A table at addr with the given signature and a valid checksum. */
static const uint8_t *table(const struct acpi_loader_result *res, uint64_t addr, const char *sig)
{
    const uint8_t *h = mem(res, addr, 36);
    g_assert_cmpmem(h, 4, sig, 4);
    uint32_t len = ld32(h + 4);
    g_assert_cmpuint(len, >=, 36);
    h = mem(res, addr, len);
    g_assert_cmpuint(sum(h, len), ==, 0);
    g_assert_cmpmem(h + 10, 5, "HVEMU", 5); /* iasl pads the DSDT's with NUL */
    return h;
}

/* ---- the walk ---- */

struct found {
    const uint8_t *fadt, *facs, *dsdt, *ssdt, *madt, *hpet;
    uint64_t facs_addr;
};

static const uint8_t *find_rsdp(const struct acpi_loader_result *res)
{
    /* Scan the F segment on 16-byte boundaries, as an OS does. */
    for (uint64_t a = FSEG_BASE; a < FSEG_BASE + FSEG_SIZE; a += 16) {
        const uint8_t *p = acpi_loader_result_ptr(res, a, 36);
        if (p && !memcmp(p, "RSD PTR ", 8))
            return p;
    }
    g_error("no RSDP in the F segment");
}

static void walk(const struct acpi_loader_result *res, struct found *f)
{
    const uint8_t *rsdp = find_rsdp(res);
    g_assert_cmpuint(sum(rsdp, 20), ==, 0);
    g_assert_cmpuint(sum(rsdp, 36), ==, 0);
    g_assert_cmpuint(rsdp[15], ==, 2);
    g_assert_cmpuint(ld32(rsdp + 20), ==, 36);
    const uint8_t *rsdt = table(res, ld32(rsdp + 16), "RSDT");
    const uint8_t *xsdt = table(res, ld64(rsdp + 24), "XSDT");
    unsigned n = (ld32(rsdt + 4) - 36) / 4;
    g_assert_cmpuint((ld32(xsdt + 4) - 36) / 8, ==, n);
    memset(f, 0, sizeof(*f));
    for (unsigned i = 0; i < n; i++) {
        uint64_t a = ld32(rsdt + 36 + 4 * i);
        g_assert_cmphex(ld64(xsdt + 36 + 8 * i), ==, a);
        const uint8_t *t = mem(res, a, 36);
        const uint8_t **slot = !memcmp(t, "FACP", 4)   ? &f->fadt
                               : !memcmp(t, "SSDT", 4) ? &f->ssdt
                               : !memcmp(t, "APIC", 4) ? &f->madt
                               : !memcmp(t, "HPET", 4) ? &f->hpet
                                                       : NULL;
        g_assert_nonnull(slot);
        g_assert_null(*slot); /* each once */
        char sig[5] = { 0 };
        memcpy(sig, t, 4);
        *slot = table(res, a, sig);
    }
    g_assert_nonnull(f->fadt);
    /* ACPI 6.4 5.2.7: the FADT comes first. */
    g_assert_cmpmem(mem(res, ld32(rsdt + 36), 4), 4, "FACP", 4);
    f->facs_addr = ld32(f->fadt + 36);
    g_assert_cmpuint(f->facs_addr % 64, ==, 0);
    f->facs = mem(res, f->facs_addr, 64);
    g_assert_cmpmem(f->facs, 4, "FACS", 4);
    g_assert_cmpuint(ld32(f->facs + 4), ==, 64);
    g_assert_cmphex(ld64(f->fadt + 132), ==, 0); /* X_FIRMWARE_CTRL unused */
    g_assert_cmphex(ld64(f->fadt + 140), ==, ld32(f->fadt + 40)); /* X_DSDT == DSDT */
    f->dsdt = table(res, ld32(f->fadt + 40), "DSDT");
}

static void check_gas(const uint8_t *g, uint8_t space, uint8_t bits, uint64_t addr)
{
    g_assert_cmpuint(g[0], ==, space);
    g_assert_cmpuint(g[1], ==, bits);
    g_assert_cmpuint(g[2], ==, 0);
    g_assert_cmphex(ld64(g + 4), ==, addr);
}

static void check_fadt(const uint8_t *f)
{
    g_assert_cmpuint(ld32(f + 4), ==, 244);
    g_assert_cmpuint(f[8], ==, 3);
    g_assert_cmpuint(ld16(f + 46), ==, 9);      /* SCI */
    g_assert_cmphex(ld32(f + 48), ==, 0xb2);    /* SMI_CMD */
    g_assert_cmphex(f[52], ==, 0xf1);
    g_assert_cmphex(f[53], ==, 0xf0);
    /* Each block: 32-bit address, length, X_ GAS with the same ports. */
    static const struct {
        unsigned addr, len, gas;
        uint32_t port;
        uint8_t bytes;
    } blocks[] = {
        { 56, 88, 148, 0x600, 4 }, /* PM1a_EVT */
        { 64, 89, 172, 0x604, 2 }, /* PM1a_CNT */
        { 76, 91, 208, 0x608, 4 }, /* PM_TMR */
        { 80, 92, 220, 0x60c, 4 }, /* GPE0 */
    };
    for (size_t i = 0; i < ARRAY_SIZE(blocks); i++) {
        g_assert_cmphex(ld32(f + blocks[i].addr), ==, blocks[i].port);
        g_assert_cmpuint(f[blocks[i].len], ==, blocks[i].bytes);
        check_gas(f + blocks[i].gas, 1, blocks[i].bytes * 8, blocks[i].port);
    }
    /* Absent blocks: zero everywhere (PM1b, PM2, GPE1). */
    g_assert_cmphex(ld32(f + 60) | ld32(f + 68) | ld32(f + 72) | ld32(f + 84), ==, 0);
    g_assert_cmphex(f[90] | f[93], ==, 0);
    g_assert_cmphex(ld64(f + 164) | ld64(f + 188) | ld64(f + 200) | ld64(f + 236), ==, 0);
    g_assert_cmphex(f[108], ==, 0x32);          /* century */
    g_assert_cmphex(ld16(f + 109), ==, 0x3);    /* legacy devices, 8042 */
    uint32_t flags = ld32(f + 112);
    g_assert_true(flags & BIT(10));             /* RESET_REG_SUP */
    g_assert_false(flags & BIT(4));             /* fixed-feature power button */
    g_assert_false(flags & BIT(8));             /* 24-bit PM timer */
    check_gas(f + 116, 1, 8, 0xcf9);
    g_assert_cmphex(f[128], ==, 6);
    g_assert_cmpuint(ld16(f + 96), >, 100);     /* no C2 */
    g_assert_cmpuint(ld16(f + 98), >, 1000);    /* no C3 */
}

static void check_madt(const uint8_t *m, const struct acpi_config *cfg)
{
    uint32_t len = ld32(m + 4);
    g_assert_cmphex(ld32(m + 36), ==, 0xFEE00000);
    g_assert_cmphex(ld32(m + 40), ==, 1);
    unsigned lapics = 0, ioapics = 0, nmis = 0;
    uint16_t iso_flags[16];
    int iso_gsi[16];
    for (int i = 0; i < 16; i++)
        iso_gsi[i] = -1;
    for (uint32_t o = 44; o < len;) {
        const uint8_t *e = m + o;
        g_assert_cmpuint(e[1], >=, 2);
        g_assert_cmpuint(o + e[1], <=, len);
        switch (e[0]) {
        case 0:
            g_assert_cmpuint(e[1], ==, 8);
            g_assert_cmpuint(e[2], ==, lapics); /* UID */
            g_assert_cmpuint(e[3], ==, lapics); /* APIC ID */
            g_assert_cmpuint(ld32(e + 4), ==, 1);
            lapics++;
            break;
        case 1:
            g_assert_cmpuint(e[1], ==, 12);
            g_assert_cmpuint(e[2], ==, cfg->ioapic_id);
            g_assert_cmphex(ld32(e + 4), ==, 0xFEC00000);
            g_assert_cmpuint(ld32(e + 8), ==, 0);
            ioapics++;
            break;
        case 2:
            g_assert_cmpuint(e[1], ==, 10);
            g_assert_cmpuint(e[2], ==, 0);
            g_assert_cmpuint(e[3], <, 16);
            g_assert_cmpint(iso_gsi[e[3]], ==, -1);
            iso_gsi[e[3]] = (int)ld32(e + 4);
            iso_flags[e[3]] = ld16(e + 8);
            break;
        case 4:
            g_assert_cmpuint(e[1], ==, 6);
            g_assert_cmphex(e[2], ==, 0xff);
            g_assert_cmpuint(e[5], ==, 1); /* LINT1 */
            nmis++;
            break;
        default:
            g_assert_not_reached();
        }
        o += e[1];
    }
    g_assert_cmpuint(lapics, ==, cfg->ncpus);
    g_assert_cmpuint(ioapics, ==, 1);
    g_assert_cmpuint(nmis, ==, 1);
    g_assert_cmpint(iso_gsi[0], ==, 2);
    g_assert_cmphex(iso_flags[0], ==, 0);
    static const int level_high[] = { 5, 9, 10, 11 };
    for (size_t i = 0; i < ARRAY_SIZE(level_high); i++) {
        g_assert_cmpint(iso_gsi[level_high[i]], ==, level_high[i]);
        g_assert_cmphex(iso_flags[level_high[i]], ==, 0xd);
    }
    for (int i = 0; i < 16; i++)
        if (i != 0 && i != 5 && i != 9 && i != 10 && i != 11)
            g_assert_cmpint(iso_gsi[i], ==, -1);
}

static void check_dsdt(const uint8_t *d, const struct acpi_config *cfg)
{
    uint32_t len = ld32(d + 4);
    uint64_t v;
    g_assert_true(acpi_aml_find_name(d, len, "PMLO", &v));
    g_assert_cmphex(v, ==, cfg->below_4g);
    uint64_t p64 = (4 * GiB + cfg->above_4g + GiB - 1) & ~(GiB - 1);
    g_assert_true(acpi_aml_find_name(d, len, "P64B", &v));
    g_assert_cmphex(v, ==, p64 / GiB);
    g_assert_true(acpi_aml_find_name(d, len, "P64L", &v));
    g_assert_cmphex(v, ==, 32);
    g_assert_true(acpi_aml_find_name(d, len, "HPEN", &v));
    g_assert_cmpuint(v, ==, cfg->hpet);
    static const char *const com[] = { "C1EN", "C2EN", "C3EN", "C4EN" };
    for (int i = 0; i < 4; i++) {
        g_assert_true(acpi_aml_find_name(d, len, com[i], &v));
        g_assert_cmpuint(v, ==, cfg->serial[i]);
    }
    /* No placeholder survived (they all read 0xDEAD....). */
    for (uint32_t i = 36; i + 4 <= len; i++)
        g_assert_false(ld16(d + i + 2) == 0xDEAD && ld16(d + i) >= 1 && ld16(d + i) <= 8);
    /* Things an OS looks for by name. */
    static const char *const must[] = { "PCI0", "_PRT", "LNKA", "LNKD", "_S5_", "_PIC",
                                        "PRQA", "HPET", "COM1", "KBD_", "RTC_" };
    for (size_t i = 0; i < ARRAY_SIZE(must); i++)
        g_assert_nonnull(memmem(d + 36, len - 36, must[i], 4));
}

static void check_ssdt(const uint8_t *s, const struct acpi_config *cfg)
{
    uint32_t len = ld32(s + 4);
    unsigned n = 0;
    for (const uint8_t *p = s + 36; (p = memmem(p, len - (p - s), "ACPI0007", 8)); p += 8)
        n++;
    g_assert_cmpuint(n, ==, cfg->ncpus);
    char last[8];
    snprintf(last, sizeof(last), "C%03X", (cfg->ncpus - 1) & 0xfff);
    g_assert_nonnull(memmem(s + 36, len - 36, last, 4));
    /* Scope (\_SB): ScopeOp, PkgLength, then the root-relative name. */
    g_assert_cmphex(s[36], ==, 0x10);
    unsigned pkg_bytes = 1 + (s[37] >> 6);
    g_assert_cmpmem(s + 37 + pkg_bytes, 5, "\\_SB_", 5);
    /* The PkgLength covers exactly the rest of the table. */
    uint32_t pkglen = s[37] & (pkg_bytes == 1 ? 0x3f : 0x0f);
    for (unsigned i = 1; i < pkg_bytes; i++)
        pkglen |= (uint32_t)s[37 + i] << (4 + 8 * (i - 1));
    g_assert_cmpuint(37 + pkglen, ==, len);
}

static void check_hpet(const uint8_t *h)
{
    g_assert_cmpuint(ld32(h + 4), ==, 56);
    g_assert_cmphex(ld32(h + 36), ==, 0x8086A201);
    check_gas(h + 40, 0, 64, 0xFED00000);
    g_assert_cmpuint(h[52], ==, 0);
}

static void dump(const char *dir, const struct found *f, const char *tag)
{
    const uint8_t *t[] = { f->dsdt, f->ssdt, f->fadt, f->madt, f->hpet };
    for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
        if (!t[i])
            continue;
        char name[5] = { 0 };
        memcpy(name, t[i], 4);
        char *path = g_strdup_printf("%s/%s-%s.dat", dir, tag, name);
        g_assert_true(g_file_set_contents(path, (const char *)t[i], ld32(t[i] + 4), NULL));
        g_free(path);
    }
    char *path = g_strdup_printf("%s/%s-FACS.dat", dir, tag);
    g_assert_true(g_file_set_contents(path, (const char *)f->facs, 64, NULL));
    g_free(path);
}

static void build_and_check_in(const struct acpi_config *cfg, const char *tag, const char *dir)
{
    struct acpi_tables t;
    char *err = NULL;
    g_assert_cmpint(acpi_build(cfg, &t, &err), ==, 0);
    struct acpi_loader_result res;
    run(&t, &res);
    struct found f;
    walk(&res, &f);
    check_fadt(f.fadt);
    check_dsdt(f.dsdt, cfg);
    g_assert_nonnull(f.ssdt);
    check_ssdt(f.ssdt, cfg);
    g_assert_nonnull(f.madt);
    check_madt(f.madt, cfg);
    g_assert_true(!f.hpet == !cfg->hpet);
    if (f.hpet)
        check_hpet(f.hpet);
    /* The placements obey the commands: RSDP in FSEG, tables 64-aligned. */
    for (size_t i = 0; i < res.nfiles; i++) {
        const struct acpi_loader_placed *p = &res.files[i];
        if (!strcmp(p->name, ACPI_FILE_RSDP))
            g_assert_cmpuint(p->addr, >=, FSEG_BASE);
        else
            g_assert_cmpuint(p->addr % 64, ==, 0);
    }
    if (dir)
        dump(dir, &f, tag);
    acpi_loader_result_free(&res);
    acpi_tables_free(&t);
}

static void build_and_check(const struct acpi_config *cfg, const char *tag)
{
    build_and_check_in(cfg, tag, g_getenv("HVEMU_ACPI_DUMP"));
}

static void test_small(void)
{
    const struct acpi_config cfg = {
        .ncpus = 1, .ioapic_id = 1, .below_4g = 256 * MiB, .serial = { true },
    };
    build_and_check(&cfg, "small");
}

static void test_4g(void)
{
    /* 4 GiB: 3 GiB below the hole, 1 GiB above 4 GiB. */
    const struct acpi_config cfg = {
        .ncpus = 4, .ioapic_id = 4, .below_4g = 3 * GiB, .above_4g = 1 * GiB,
        .hpet = true, .serial = { true, true },
    };
    build_and_check(&cfg, "4g");
}

static void test_max_cpus(void)
{
    /* 255 CPUs: a multi-byte PkgLength in the SSDT, a large MADT. */
    const struct acpi_config cfg = {
        .ncpus = 255, .ioapic_id = 255, .below_4g = 2 * GiB, .hpet = true,
        .serial = { false, false, true, true },
    };
    build_and_check(&cfg, "max");
}

/* Run iasl in dir; its output must have no Error/Warning line. */
static void iasl(const char *dir, const char *a1, const char *a2, const char *a3,
                 const char *a4)
{
    const char *argv[] = { HVEMU_IASL, a1, a2, a3, a4, NULL };
    char *out = NULL, *errs = NULL;
    int status;
    GError *gerr = NULL;
    g_assert_true(g_spawn_sync(dir, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               &errs, &status, &gerr));
    g_assert_no_error(gerr);
    char *all = g_strconcat(out, errs, NULL);
    if (!g_spawn_check_wait_status(status, NULL))
        g_error("iasl %s %s failed:\n%s", a1, a2, all);
    char **lines = g_strsplit(all, "\n", -1);
    for (char **l = lines; *l; l++)
        if (g_str_has_prefix(*l, "Error") || g_str_has_prefix(*l, "Warning"))
            g_error("iasl %s %s: %s\n%s", a1, a2, *l, all);
    g_strfreev(lines);
    g_free(all);
    g_free(out);
    g_free(errs);
}

static void test_iasl(void)
{
    if (!g_file_test(HVEMU_IASL, G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_skip("iasl (acpica-tools) is not installed");
        return;
    }
    char *dir = g_dir_make_tmp("hvemu-acpi-XXXXXX", NULL);
    g_assert_nonnull(dir);
    const struct acpi_config a = {
        .ncpus = 4, .ioapic_id = 4, .below_4g = 3 * GiB, .above_4g = GiB, .hpet = true,
        .serial = { true, true },
    };
    const struct acpi_config b = {
        .ncpus = 255, .ioapic_id = 255, .below_4g = 256 * MiB, .serial = { true },
    };
    build_and_check_in(&a, "a", dir);
    build_and_check_in(&b, "b", dir);
    static const char *const names[] = {
        "a-DSDT", "a-SSDT", "a-FACP", "a-APIC", "a-HPET", "a-FACS",
        "b-DSDT", "b-SSDT", "b-FACP", "b-APIC", "b-FACS",
    };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        char *dat = g_strdup_printf("%s.dat", names[i]);
        char *dsl = g_strdup_printf("%s.dsl", names[i]);
        char *prefix = g_strdup_printf("rt-%s", names[i]);
        iasl(dir, "-d", dat, NULL, NULL);
        iasl(dir, "-we", "-p", prefix, dsl);
        g_free(dat);
        g_free(dsl);
        g_free(prefix);
    }
    GDir *d = g_dir_open(dir, 0, NULL);
    for (const char *n; (n = g_dir_read_name(d));) {
        char *p = g_build_filename(dir, n, NULL);
        g_unlink(p);
        g_free(p);
    }
    g_dir_close(d);
    g_rmdir(dir);
    g_free(dir);
}

static void test_bad_config(void)
{
    struct acpi_tables t;
    char *err = NULL;
    struct acpi_config cfg = { .ncpus = 0, .below_4g = 256 * MiB };
    g_assert_cmpint(acpi_build(&cfg, &t, &err), ==, -1);
    g_assert_nonnull(strstr(err, "CPUs"));
    g_clear_pointer(&err, g_free);
    cfg.ncpus = 256;
    g_assert_cmpint(acpi_build(&cfg, &t, &err), ==, -1);
    g_clear_pointer(&err, g_free);
    cfg.ncpus = 1;
    cfg.below_4g = 0xFEC00000ULL;
    g_assert_cmpint(acpi_build(&cfg, &t, &err), ==, -1);
    g_assert_nonnull(strstr(err, "PCI hole"));
    g_free(err);
}

/* A large RAM above 4 GiB pushes the 64-bit window past its limit: none. */
static void test_no_pci64(void)
{
    const struct acpi_config cfg = {
        .ncpus = 2, .ioapic_id = 2, .below_4g = 3 * GiB, .above_4g = 500 * GiB,
    };
    struct acpi_tables t;
    char *err = NULL;
    g_assert_cmpint(acpi_build(&cfg, &t, &err), ==, 0);
    struct acpi_loader_result res;
    run(&t, &res);
    struct found f;
    walk(&res, &f);
    uint64_t v;
    g_assert_true(acpi_aml_find_name(f.dsdt, ld32(f.dsdt + 4), "P64L", &v));
    g_assert_cmpuint(v, ==, 0);
    acpi_loader_result_free(&res);
    acpi_tables_free(&t);
}

static void test_aml_patch(void)
{
    /* NameOp "ABCD" DWordPrefix, NameOp "QQQQ" QWordPrefix, twice "TWO_". */
    uint8_t aml[] = {
        0x08, 'A', 'B', 'C', 'D', 0x0C, 1, 2, 3, 4,
        0x08, 'Q', 'Q', 'Q', 'Q', 0x0E, 1, 2, 3, 4, 5, 6, 7, 8,
        0x08, 'T', 'W', 'O', '_', 0x0C, 0, 0, 0, 0,
        0x08, 'T', 'W', 'O', '_', 0x0C, 0, 0, 0, 0,
        0x08, 'B', 'Y', 'T', 'E', 0x0A, 5,
        0x08, 'E', 'N', 'D', '_', 0x0C, 1, 2, /* truncated */
    };
    uint64_t v;
    g_assert_cmpint(acpi_aml_patch_name(aml, sizeof(aml), "ABCD", 0xCAFEF00D), ==, 0);
    g_assert_true(acpi_aml_find_name(aml, sizeof(aml), "ABCD", &v));
    g_assert_cmphex(v, ==, 0xCAFEF00D);
    g_assert_cmpint(acpi_aml_patch_name(aml, sizeof(aml), "ABCD", 1ULL << 32), ==, -1);
    g_assert_cmpint(acpi_aml_patch_name(aml, sizeof(aml), "QQQQ", 1ULL << 40), ==, 0);
    g_assert_true(acpi_aml_find_name(aml, sizeof(aml), "QQQQ", &v));
    g_assert_cmphex(v, ==, 1ULL << 40);
    g_assert_cmpint(acpi_aml_patch_name(aml, sizeof(aml), "TWO_", 1), ==, -1);
    g_assert_cmpint(acpi_aml_patch_name(aml, sizeof(aml), "BYTE", 1), ==, -1);
    g_assert_cmpint(acpi_aml_patch_name(aml, sizeof(aml), "END_", 1), ==, -1);
    g_assert_cmpint(acpi_aml_patch_name(aml, sizeof(aml), "NONE", 1), ==, -1);
    g_assert_cmpint(acpi_aml_patch_name(aml, sizeof(aml), "LONGER", 1), ==, -1);
    g_assert_false(acpi_aml_find_name(aml, sizeof(aml), "END_", &v));
}

/* ---- the executor against bad commands ---- */

static void put_cmd(uint8_t *e, uint32_t cmd, const char *n1, const char *n2)
{
    memset(e, 0, ACPI_LOADER_ENTRY_SIZE);
    st32(e, cmd);
    if (n1)
        memcpy(e + 4, n1, strlen(n1));
    if (n2)
        memcpy(e + 60, n2, strlen(n2));
}

static void test_loader_errors(void)
{
    uint8_t data[64] = { 0 };
    const struct acpi_loader_file files[] = {
        { "a", data, sizeof(data) },
        { "b", data, 16 },
        { "empty", data, 0 },
    };
    const struct acpi_loader_zone z[2] = { { 0x1000, 0x70 }, { 0xF0000, 0x40 } };
    uint8_t cmds[12 * ACPI_LOADER_ENTRY_SIZE];
    uint8_t *e = cmds;
    put_cmd(e, ACPI_LOADER_ALLOCATE, "a", NULL); /* HIGH, align 0 -> 16 */
    e[64] = ACPI_LOADER_ZONE_HIGH;
    e += 128;
    put_cmd(e, ACPI_LOADER_ALLOCATE, "b", NULL); /* bad align */
    st32(e + 60, 24);
    e[64] = ACPI_LOADER_ZONE_FSEG;
    e += 128;
    put_cmd(e, ACPI_LOADER_ALLOCATE, "b", NULL); /* bad zone */
    e[64] = 3;
    e += 128;
    put_cmd(e, ACPI_LOADER_ALLOCATE, "b", NULL); /* FSEG, 32-aligned */
    st32(e + 60, 32);
    e[64] = ACPI_LOADER_ZONE_FSEG;
    e += 128;
    put_cmd(e, ACPI_LOADER_ALLOCATE, "empty", NULL); /* silently nothing */
    e[64] = ACPI_LOADER_ZONE_FSEG;
    e += 128;
    put_cmd(e, ACPI_LOADER_ALLOCATE, "a", NULL); /* does not fit any more */
    e[64] = ACPI_LOADER_ZONE_HIGH;
    e += 128;
    put_cmd(e, ACPI_LOADER_ADD_POINTER, "a", "b"); /* a[60..64) += &b */
    st32(e + 116, 60);
    e[120] = 4;
    e += 128;
    put_cmd(e, ACPI_LOADER_ADD_POINTER, "a", "b"); /* past the end */
    st32(e + 116, 61);
    e[120] = 4;
    e += 128;
    put_cmd(e, ACPI_LOADER_ADD_POINTER, "a", "b"); /* size 3 */
    e[120] = 3;
    e += 128;
    put_cmd(e, ACPI_LOADER_ADD_CHECKSUM, "b", NULL); /* start + len wraps */
    st32(e + 60, 0);
    st32(e + 64, 8);
    st32(e + 68, 0xFFFFFFFF);
    e += 128;
    put_cmd(e, ACPI_LOADER_ADD_CHECKSUM, NULL, NULL); /* name not terminated */
    memset(e + 4, 'x', ACPI_LOADER_FILESZ);
    e += 128;
    put_cmd(e, 0x77, NULL, NULL); /* unknown */
    e += 128;

    struct acpi_loader_result res;
    g_assert_cmpint(acpi_loader_run(cmds, sizeof(cmds), files, ARRAY_SIZE(files), z, &res), ==, 0);
    g_assert_cmpuint(res.nfiles, ==, 2);
    g_assert_cmpuint(res.errors, ==, 7);
    g_assert_cmpuint(res.skipped, ==, 1);
    g_assert_cmpstr(res.files[0].name, ==, "a");
    g_assert_cmphex(res.files[0].addr, ==, 0x1000);
    g_assert_cmpstr(res.files[1].name, ==, "b");
    g_assert_cmphex(res.files[1].addr, ==, 0xF0000);
    g_assert_cmphex(ld32(res.files[0].data + 60), ==, 0xF0000);
    g_assert_null(acpi_loader_result_ptr(&res, 0xF0000, 17));
    g_assert_nonnull(acpi_loader_result_ptr(&res, 0xF0000, 16));
    acpi_loader_result_free(&res);

    /* Not a whole number of entries: nothing runs. */
    g_assert_cmpint(acpi_loader_run(cmds, 100, files, ARRAY_SIZE(files), z, &res), ==, -1);
    g_assert_cmpuint(res.nfiles, ==, 0);
    acpi_loader_result_free(&res);
}

/* ---- -boot: CMOS bytes and bootorder paths ---- */

static void test_boot_cmos(void)
{
    static const struct {
        const char *order;
        uint8_t r3d, r38;
    } cases[] = {
        { "", 0x12, 0x30 },   /* default "cad" */
        { NULL, 0x12, 0x30 },
        { "c", 0x02, 0x00 },
        { "d", 0x03, 0x00 },
        { "dc", 0x23, 0x00 },
        { "cdn", 0x32, 0x40 },
        { "ccdd", 0x32, 0x00 }, /* repeats ignored */
        { "ndca", 0x34, 0x20 }, /* at most three */
        { "x?Zd", 0x03, 0x00 }, /* unknown letters ignored */
        { "b", 0x01, 0x00 },
        { "p", 0x04, 0x00 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        uint8_t r3d = 0xee, r38 = 0xee;
        boot_order_cmos(cases[i].order, &r3d, &r38);
        g_assert_cmphex(r3d, ==, cases[i].r3d);
        g_assert_cmphex(r38, ==, cases[i].r38);
    }
}

/* SeaBIOS's bootorder matching (src/boot.c glob_prefix): '*' in the
 * firmware's pattern matches any run of characters other than '/' and the
 * pattern's next character.  Written here from its description, to check
 * our lines against the pattern SeaBIOS builds for a PIIX IDE drive. */
static bool seabios_match(const char *glob, const char *str)
{
    for (;;) {
        if (!*glob)
            return !*str || *str == '/' || *str == '\n';
        if (*glob == '*') {
            if (!*str || *str == '/' || *str == glob[1])
                glob++;
            else
                str++;
            continue;
        }
        if (*glob++ != *str++)
            return false;
    }
}

static void test_boot_paths(void)
{
    const struct boot_ide_drive drives[BOOT_MAX_IDE] = {
        { true, false }, /* ide0 master: disk */
        { false, false },
        { true, true },  /* ide1 master: CD-ROM */
        { true, true },  /* ide1 slave: CD-ROM */
    };
    size_t len;
    char *p = boot_order_fw_paths("dc", drives, false, &len);
    g_assert_cmpstr(p, ==, "/pci@i0cf8/ide@1,1/drive@1/disk@0\n/pci@i0cf8/ide@1,1/drive@0/disk@0");
    g_assert_cmpuint(len, ==, strlen(p) + 1);
    g_assert_true(seabios_match("/pci@i0cf8/*@1,1/drive@1/disk@0", p));
    g_assert_false(seabios_match("/pci@i0cf8/*@1,1/drive@1/disk@1", p));
    g_assert_true(seabios_match("/pci@i0cf8/*@1,1/drive@0/disk@0", strchr(p, '\n') + 1));
    g_free(p);
    /* Network and floppy name no drive; a missing kind gives no line. */
    p = boot_order_fw_paths("nad", drives, false, &len);
    g_assert_cmpstr(p, ==, "/pci@i0cf8/ide@1,1/drive@1/disk@0");
    g_free(p);
    /* strict=on: SeaBIOS boots nothing past HALT. */
    p = boot_order_fw_paths("c", drives, true, &len);
    g_assert_cmpstr(p, ==, "/pci@i0cf8/ide@1,1/drive@0/disk@0\nHALT");
    g_free(p);
    const struct boot_ide_drive none[BOOT_MAX_IDE] = { { false, false } };
    p = boot_order_fw_paths("cd", none, false, &len);
    g_assert_cmpstr(p, ==, "");
    g_assert_cmpuint(len, ==, 1);
    g_free(p);
    p = boot_order_fw_paths("cd", none, true, &len);
    g_assert_cmpstr(p, ==, "HALT");
    g_free(p);
}

/* ---- the board: fw_cfg items as firmware reads them ---- */

struct board {
    struct machine *m;
    struct pc *pc;
    struct chardev *com1;
};

static uint64_t in(struct board *b, uint16_t port, unsigned size)
{
    return tb_in(b->m, port, size);
}

static void out(struct board *b, uint16_t port, unsigned size, uint64_t v)
{
    tb_out(b->m, port, size, v);
}

static uint8_t cmos(struct board *b, uint8_t idx)
{
    return tb_cmos(b->m, idx);
}

/* A fw_cfg file's contents by name, through the ports; NULL if absent. */
static uint8_t *fw_file(struct board *b, const char *name, uint32_t *len)
{
    out(b, 0x510, 2, FW_CFG_FILE_DIR);
    uint32_t count = 0;
    for (int i = 0; i < 4; i++)
        count = count << 8 | (uint32_t)in(b, 0x511, 1);
    int key = -1;
    for (uint32_t e = 0; e < count; e++) {
        uint8_t ent[64];
        for (int i = 0; i < 64; i++)
            ent[i] = (uint8_t)in(b, 0x511, 1);
        if (!strcmp((char *)ent + 8, name)) {
            *len = (uint32_t)ent[0] << 24 | ent[1] << 16 | ent[2] << 8 | ent[3];
            key = ent[4] << 8 | ent[5];
        }
    }
    if (key < 0)
        return NULL;
    out(b, 0x510, 2, (uint64_t)key);
    uint8_t *buf = g_malloc(*len + 1);
    for (uint32_t i = 0; i < *len; i++)
        buf[i] = (uint8_t)in(b, 0x511, 1);
    buf[*len] = 0;
    return buf;
}

static struct board *board_new(const struct pc_config *base)
{
    struct board *b = g_new0(struct board, 1);
    b->m = tb_machine(128 * MiB, 2, NULL);
    b->com1 = chardev_new_buffer("com1");
    struct pc_config cfg = *base;
    cfg.serial[0] = (struct pc_serial){ true, b->com1 };
    b->pc = tb_pc(b->m, &cfg);
    return b;
}

static void board_free(struct board *b)
{
    machine_free(b->m);
    chardev_free(b->com1);
    g_free(b);
}

static void test_board_tables(void)
{
    const struct pc_config cfg = { .boot_reboot_timeout = -1, .boot_splash_time = -1 };
    struct board *b = board_new(&cfg);
    struct acpi_tables t = { 0 };
    t.tables = fw_file(b, ACPI_FILE_TABLES, &t.tables_len);
    t.rsdp = fw_file(b, ACPI_FILE_RSDP, &t.rsdp_len);
    t.loader = fw_file(b, ACPI_FILE_LOADER, &t.loader_len);
    g_assert_nonnull(t.tables);
    g_assert_nonnull(t.rsdp);
    g_assert_nonnull(t.loader);
    struct acpi_loader_result res;
    run(&t, &res);
    struct found f;
    walk(&res, &f);
    check_fadt(f.fadt);
    /* The test accelerator leaves the HPET to hvemu: the board has one. */
    const struct acpi_config ac = {
        .ncpus = 2, .ioapic_id = 0, .below_4g = 128 * MiB, .hpet = true, .serial = { true },
    };
    check_dsdt(f.dsdt, &ac);
    check_madt(f.madt, &ac);
    /* The MADT's IOAPIC ID is what the IOAPIC's ID register holds. */
    uint64_t v = 0;
    io_dispatch(&b->m->mem, 0xFEC00000, 4, true, &v); /* IOREGSEL = 0: ID */
    io_dispatch(&b->m->mem, 0xFEC00010, 4, false, &v);
    g_assert_cmphex((v >> 24) & 0xf, ==, ac.ioapic_id);
    check_ssdt(f.ssdt, &ac);
    g_assert_nonnull(f.hpet);
    check_hpet(f.hpet);
    /* The table's event timer block ID is the device's capabilities
     * register (low half), as the HPET specification requires. */
    uint64_t cap = 0;
    io_dispatch(&b->m->mem, 0xFED00000, 4, false, &cap);
    g_assert_cmphex(cap, ==, ld32(f.hpet + 36));
    acpi_loader_result_free(&res);
    acpi_tables_free(&t);
    /* No VGA: SeaBIOS's console goes to COM1. */
    uint32_t len;
    uint8_t *p = fw_file(b, "etc/sercon-port", &len);
    g_assert_nonnull(p);
    g_assert_cmpuint(len, ==, 2);
    g_assert_cmphex(ld16(p), ==, 0x3f8);
    g_free(p);
    p = fw_file(b, "etc/boot-fail-wait", &len);
    g_assert_nonnull(p);
    g_assert_cmpuint(len, ==, 4);
    g_assert_cmphex(ld32(p), ==, 0xffffffff);
    g_free(p);
    g_assert_null(fw_file(b, "bootorder", &len)); /* no drives: no file */
    g_assert_null(fw_file(b, "etc/boot-menu-wait", &len));
    g_assert_cmphex(cmos(b, 0x3d), ==, 0x12); /* default order cad */
    g_assert_cmphex(cmos(b, 0x38), ==, 0x30);
    board_free(b);
}

static void test_board_boot_once(void)
{
    struct pc_config cfg = {
        .boot_order = "c",
        .boot_once = "d",
        .boot_menu = true,
        .boot_splash_time = 5000,
        .boot_reboot_timeout = 3000,
    };
    /* Two CD-ROM drives without discs (hvemu's IDE takes those without a
     * backend). */
    cfg.ide[1] = (struct pc_drive){ .present = true, .media = PC_MEDIA_CDROM, .id = "ide0-cd1" };
    cfg.ide[2] = (struct pc_drive){ .present = true, .media = PC_MEDIA_CDROM, .id = "ide1-cd0" };
    struct board *b = board_new(&cfg);
    uint32_t len;
    uint8_t *p = fw_file(b, "bootorder", &len);
    g_assert_nonnull(p);
    g_assert_cmpstr((char *)p, ==, "/pci@i0cf8/ide@1,1/drive@0/disk@1");
    g_assert_cmpuint(len, ==, strlen((char *)p) + 1);
    g_free(p);
    g_assert_cmphex(cmos(b, 0x3d), ==, 0x03);
    g_assert_cmphex(cmos(b, 0x38), ==, 0x00);
    p = fw_file(b, "etc/show-boot-menu", &len);
    g_assert_cmpuint(ld16(p), ==, 1);
    g_free(p);
    out(b, 0x510, 2, FW_CFG_BOOT_MENU);
    g_assert_cmpuint(in(b, 0x511, 1), ==, 1);
    p = fw_file(b, "etc/boot-menu-wait", &len);
    g_assert_cmpuint(len, ==, 2);
    g_assert_cmpuint(ld16(p), ==, 5000);
    g_free(p);
    p = fw_file(b, "etc/boot-fail-wait", &len);
    g_assert_cmpuint(ld32(p), ==, 3000);
    g_free(p);

    /* The next reset (a guest reboot) goes back to order=c: no disk, so
     * the file names nothing and CMOS says hard disk. */
    machine_reset_devices(b->m, RESET_WARM);
    p = fw_file(b, "bootorder", &len);
    g_assert_nonnull(p);
    g_assert_cmpuint(len, ==, 1);
    g_free(p);
    g_assert_cmphex(cmos(b, 0x3d), ==, 0x02);
    /* And it stays so. */
    machine_reset_devices(b->m, RESET_COLD);
    g_assert_cmphex(cmos(b, 0x3d), ==, 0x02);
    board_free(b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/acpi/tables/small", test_small);
    g_test_add_func("/acpi/tables/4g-hpet-smp4", test_4g);
    g_test_add_func("/acpi/tables/255-cpus", test_max_cpus);
    g_test_add_func("/acpi/tables/bad-config", test_bad_config);
    g_test_add_func("/acpi/tables/no-pci64", test_no_pci64);
    g_test_add_func("/acpi/tables/iasl", test_iasl);
    g_test_add_func("/acpi/aml-patch", test_aml_patch);
    g_test_add_func("/acpi/loader/errors", test_loader_errors);
    g_test_add_func("/acpi/boot/cmos", test_boot_cmos);
    g_test_add_func("/acpi/boot/paths", test_boot_paths);
    g_test_add_func("/acpi/board/tables", test_board_tables);
    g_test_add_func("/acpi/board/boot-once", test_board_boot_once);
    return g_test_run();
}
