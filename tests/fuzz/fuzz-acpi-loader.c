/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz the ACPI/fw_cfg parsers of untrusted or user input (not a device:
 * no harness).  The first byte picks what the rest is:
 *   0  an etc/table-loader command file, executed (hw/acpi/loader.c)
 *      against real tables plus a file made of input bytes, into small
 *      zones: malformed commands must be skipped, never crash or write
 *      outside a placed file;
 *   1  a machine configuration (CPUs, RAM layout, HPET, COM ports): the
 *      tables built for it must load with no command error and every
 *      checksum must come out right;
 *   2  a -boot order string and a drive layout: the CMOS bytes and the
 *      bootorder file must be well-formed (one path per drive letter at
 *      most, NUL-terminated). */
#include <string.h>
#include <glib.h>
#include "hw/acpi/loader.h"
#include "hw/acpi/tables.h"
#include "hw/boot/bootorder.h"

static uint8_t sum8(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return s;
}

static void fuzz_commands(const uint8_t *data, size_t size)
{
    static const struct acpi_config cfg = {
        .ncpus = 2, .ioapic_id = 2, .below_4g = 64 * MiB, .hpet = true, .serial = { true },
    };
    struct acpi_tables t;
    char *err = NULL;
    g_assert_cmpint(acpi_build(&cfg, &t, &err), ==, 0);
    /* The first 64 bytes (or fewer) double as a file named "x". */
    const struct acpi_loader_file files[] = {
        { ACPI_FILE_TABLES, t.tables, t.tables_len },
        { ACPI_FILE_RSDP, t.rsdp, t.rsdp_len },
        { "x", data, (uint32_t)MIN(size, 64) },
    };
    const struct acpi_loader_zone zones[2] = { { 0x100000, 0x4000 }, { 0xF0000, 0x100 } };
    struct acpi_loader_result res;
    size_t whole = size - size % ACPI_LOADER_ENTRY_SIZE;
    g_assert_cmpint(acpi_loader_run(data, whole, files, ARRAY_SIZE(files), zones, &res), ==, 0);
    g_assert_cmpuint(res.nfiles, <=, whole / ACPI_LOADER_ENTRY_SIZE);
    for (size_t i = 0; i < res.nfiles; i++) {
        const struct acpi_loader_placed *p = &res.files[i];
        int z = p->addr >= zones[0].base && p->addr < zones[0].base + zones[0].size ? 0 : 1;
        g_assert_cmpuint(p->addr, >=, zones[z].base);
        g_assert_cmpuint(p->addr + p->len, <=, zones[z].base + zones[z].size);
        g_assert_cmpuint(p->addr % 16, ==, 0);
    }
    acpi_loader_result_free(&res);
    if (size % ACPI_LOADER_ENTRY_SIZE) {
        g_assert_cmpint(acpi_loader_run(data, size, files, 3, zones, &res), ==, -1);
        acpi_loader_result_free(&res);
    }
    acpi_tables_free(&t);
}

static void fuzz_config(const uint8_t *data, size_t size)
{
    uint8_t b[16] = { 0 };
    memcpy(b, data, MIN(size, sizeof(b)));
    struct acpi_config cfg = {
        .ncpus = b[0] | (b[1] & 1) << 8, /* 0..511: out of range ones fail */
        .ioapic_id = b[2],
        .below_4g = (uint64_t)ld32(b + 3) << 12 & 0xFFFFF000ULL,
        .above_4g = (uint64_t)ld32(b + 7) << 20,
        .hpet = b[11] & 1,
        .serial = { b[11] & 2, b[11] & 4, b[11] & 8, b[11] & 16 },
    };
    struct acpi_tables t;
    char *err = NULL;
    if (acpi_build(&cfg, &t, &err)) {
        g_assert_nonnull(err);
        g_free(err);
        return;
    }
    const struct acpi_loader_file files[] = {
        { ACPI_FILE_TABLES, t.tables, t.tables_len },
        { ACPI_FILE_RSDP, t.rsdp, t.rsdp_len },
    };
    const struct acpi_loader_zone zones[2] = { { 0x7000000, 0x100000 }, { 0xF0000, 0x10000 } };
    struct acpi_loader_result res;
    g_assert_cmpint(acpi_loader_run(t.loader, t.loader_len, files, 2, zones, &res), ==, 0);
    g_assert_cmpuint(res.errors, ==, 0);
    g_assert_cmpuint(res.nfiles, ==, 2);
    const uint8_t *rsdp = res.files[0].data;
    g_assert_cmpuint(sum8(rsdp, 20), ==, 0);
    g_assert_cmpuint(sum8(rsdp, 36), ==, 0);
    /* Every table the XSDT lists has a valid checksum. */
    const uint8_t *x = acpi_loader_result_ptr(&res, ld64(rsdp + 24), 36);
    g_assert_nonnull(x);
    x = acpi_loader_result_ptr(&res, ld64(rsdp + 24), ld32(x + 4));
    g_assert_nonnull(x);
    for (uint32_t o = 36; o + 8 <= ld32(x + 4); o += 8) {
        const uint8_t *h = acpi_loader_result_ptr(&res, ld64(x + o), 36);
        g_assert_nonnull(h);
        h = acpi_loader_result_ptr(&res, ld64(x + o), ld32(h + 4));
        g_assert_nonnull(h);
        g_assert_cmpuint(sum8(h, ld32(h + 4)), ==, 0);
    }
    acpi_loader_result_free(&res);
    acpi_tables_free(&t);
}

static void fuzz_boot(const uint8_t *data, size_t size)
{
    struct boot_ide_drive drives[BOOT_MAX_IDE] = { { false, false } };
    if (size) {
        for (int i = 0; i < BOOT_MAX_IDE; i++)
            drives[i] = (struct boot_ide_drive){ data[0] & (1 << i), data[0] & (16 << i) };
        data++;
        size--;
    }
    char *order = g_strndup((const char *)data, size);
    uint8_t r3d, r38;
    boot_order_cmos(order, &r3d, &r38);
    g_assert_cmpuint(r3d & 0x0f, <=, 4);
    g_assert_cmpuint(r3d >> 4, <=, 4);
    g_assert_cmpuint(r38 & 0x0f, ==, 0);
    g_assert_cmpuint(r38 >> 4, <=, 4);
    size_t len;
    bool strict = size && (data[0] & 0x80);
    char *paths = boot_order_fw_paths(order, drives, strict, &len);
    g_assert_cmpuint(len, ==, strlen(paths) + 1);
    unsigned lines = 0;
    char **l = g_strsplit(paths, "\n", -1);
    for (char **p = l; *p; p++) {
        if (**p && !(strict && !p[1] && !strcmp(*p, "HALT"))) {
            g_assert_true(g_str_has_prefix(*p, "/pci@i0cf8/ide@1,1/drive@"));
            lines++;
        }
    }
    g_strfreev(l);
    g_assert_cmpuint(lines, <=, 2); /* first disk, first CD-ROM */
    g_free(paths);
    g_free(order);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    switch (data[0] % 3) {
    case 0:
        fuzz_commands(data + 1, size - 1);
        break;
    case 1:
        fuzz_config(data + 1, size - 1);
        break;
    default:
        fuzz_boot(data + 1, size - 1);
        break;
    }
    return 0;
}
