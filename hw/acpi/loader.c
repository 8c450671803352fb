/* SPDX-License-Identifier: GPL-2.0-or-later */
/* loader.c: QEMU's ACPI linker/loader command file ("etc/table-loader"):
 * writing it, and executing it the way firmware does.
 *
 * Format: the 128-byte command entries SeaBIOS 1.16 executes
 * (src/fw/romfile_loader.h documents the layout; see loader.h).  The
 * executor follows the semantics firmware implements: ALLOCATE copies a
 * fw_cfg file into a zone (HIGH or FSEG) at a power-of-two alignment of
 * at least 16; a missing or empty file is silently not allocated; the
 * first allocation of a name is the one later commands see; ADD_POINTER
 * adds the source's address to a 1/2/4/8-byte little-endian field of the
 * destination; ADD_CHECKSUM subtracts the 8-bit sum of a range from a
 * byte; malformed commands are skipped; unknown commands and
 * WRITE_POINTER (which needs a writable fw_cfg file) are skipped.
 *
 * Users: hw/acpi/tables.c builds the commands; the board runs them for
 * firmware-less -kernel boots (tables in the BIOS areas, as SeaBIOS would
 * leave them); tests/unit/test-acpi.c and tests/fuzz/fuzz-acpi-loader.c
 * run them to check pointers and checksums.
 *
 * Threat model: the command bytes are untrusted (fuzzed).  Names must be
 * NUL-terminated within 56 bytes; offsets, sizes and lengths are checked
 * against the addressed file in 64-bit arithmetic (no wrap); allocations
 * must fit their zone; at most one placed file per command. */
#include <string.h>
#include <glib.h>
#include "hw/acpi/loader.h"

#define MIN_ALIGN 16 /* SeaBIOS's MALLOC_MIN_ALIGN */

/* Offsets inside an entry (after the u32 command). */
#define E_NAME1 4
#define E_NAME2 (E_NAME1 + ACPI_LOADER_FILESZ)
#define E_ALLOC_ALIGN (E_NAME1 + ACPI_LOADER_FILESZ)
#define E_ALLOC_ZONE (E_ALLOC_ALIGN + 4)
#define E_PTR_OFFSET (E_NAME2 + ACPI_LOADER_FILESZ)
#define E_PTR_SIZE (E_PTR_OFFSET + 4)
#define E_CK_OFFSET (E_NAME1 + ACPI_LOADER_FILESZ)
#define E_CK_START (E_CK_OFFSET + 4)
#define E_CK_LENGTH (E_CK_START + 4)

/* ---- builder ---- */

void acpi_loader_init(struct acpi_loader *l)
{
    *l = (struct acpi_loader){ 0 };
}

void acpi_loader_free(struct acpi_loader *l)
{
    g_free(l->buf);
    *l = (struct acpi_loader){ 0 };
}

static uint8_t *new_entry(struct acpi_loader *l, uint32_t cmd)
{
    if (l->len + ACPI_LOADER_ENTRY_SIZE > l->cap) {
        l->cap = MAX(l->cap * 2, 16 * ACPI_LOADER_ENTRY_SIZE);
        l->buf = g_realloc(l->buf, l->cap);
    }
    uint8_t *e = l->buf + l->len;
    memset(e, 0, ACPI_LOADER_ENTRY_SIZE);
    st32(e, cmd);
    l->len += ACPI_LOADER_ENTRY_SIZE;
    return e;
}

static void put_name(uint8_t *dst, const char *name)
{
    size_t n = strlen(name);
    g_assert(n > 0 && n < ACPI_LOADER_FILESZ); /* our own names */
    memcpy(dst, name, n);
}

void acpi_loader_alloc(struct acpi_loader *l, const char *file, uint32_t align,
                       enum acpi_loader_zone_id zone)
{
    g_assert(align && !(align & (align - 1)));
    uint8_t *e = new_entry(l, ACPI_LOADER_ALLOCATE);
    put_name(e + E_NAME1, file);
    st32(e + E_ALLOC_ALIGN, align);
    e[E_ALLOC_ZONE] = (uint8_t)zone;
}

void acpi_loader_add_pointer(struct acpi_loader *l, const char *dest, uint32_t offset,
                             uint8_t size, const char *src)
{
    g_assert(size == 1 || size == 2 || size == 4 || size == 8);
    uint8_t *e = new_entry(l, ACPI_LOADER_ADD_POINTER);
    put_name(e + E_NAME1, dest);
    put_name(e + E_NAME2, src);
    st32(e + E_PTR_OFFSET, offset);
    e[E_PTR_SIZE] = size;
}

void acpi_loader_add_checksum(struct acpi_loader *l, const char *file, uint32_t offset,
                              uint32_t start, uint32_t length)
{
    uint8_t *e = new_entry(l, ACPI_LOADER_ADD_CHECKSUM);
    put_name(e + E_NAME1, file);
    st32(e + E_CK_OFFSET, offset);
    st32(e + E_CK_START, start);
    st32(e + E_CK_LENGTH, length);
}

/* ---- executor ---- */

struct run {
    const struct acpi_loader_file *files;
    size_t nfiles;
    struct acpi_loader_zone zones[2];
    uint64_t used[2];
    struct acpi_loader_result *res;
};

/* A name field is valid when NUL-terminated inside its 56 bytes. */
static bool name_ok(const uint8_t *field)
{
    return field[ACPI_LOADER_FILESZ - 1] == 0;
}

static struct acpi_loader_placed *find_placed(struct run *r, const uint8_t *field)
{
    if (!name_ok(field))
        return NULL;
    for (size_t i = 0; i < r->res->nfiles; i++)
        if (!strcmp(r->res->files[i].name, (const char *)field))
            return &r->res->files[i];
    return NULL;
}

static const struct acpi_loader_file *find_file(struct run *r, const char *name)
{
    for (size_t i = 0; i < r->nfiles; i++)
        if (r->files[i].name && !strcmp(r->files[i].name, name))
            return &r->files[i];
    return NULL;
}

/* Bottom-up allocation in a zone; false when it does not fit. */
static bool zone_alloc(struct run *r, int z, uint64_t len, uint64_t align, uint64_t *addr)
{
    const struct acpi_loader_zone *zone = &r->zones[z];
    uint64_t start = zone->base + r->used[z];
    if (start < zone->base) /* wrapped */
        return false;
    uint64_t a = (start + align - 1) & ~(align - 1);
    if (a < start || len > zone->size || a - zone->base > zone->size - len)
        return false;
    *addr = a;
    r->used[z] = a - zone->base + len;
    return true;
}

static void do_allocate(struct run *r, const uint8_t *e)
{
    uint32_t align = ld32(e + E_ALLOC_ALIGN);
    uint8_t zone = e[E_ALLOC_ZONE];
    if ((align & (align - 1)) || (zone != ACPI_LOADER_ZONE_HIGH && zone != ACPI_LOADER_ZONE_FSEG) ||
        !name_ok(e + E_NAME1)) {
        r->res->errors++;
        return;
    }
    const struct acpi_loader_file *f = find_file(r, (const char *)e + E_NAME1);
    if (!f || !f->len)
        return; /* firmware silently skips absent or empty files */
    uint64_t addr;
    if (!zone_alloc(r, zone - 1, f->len, MAX(align, MIN_ALIGN), &addr)) {
        r->res->errors++; /* SeaBIOS: warn_noalloc */
        return;
    }
    struct acpi_loader_placed *p = &r->res->files[r->res->nfiles++];
    g_strlcpy(p->name, (const char *)e + E_NAME1, sizeof(p->name));
    p->addr = addr;
    p->len = f->len;
    p->data = g_memdup2(f->data, f->len);
}

static void do_add_pointer(struct run *r, const uint8_t *e)
{
    struct acpi_loader_placed *dst = find_placed(r, e + E_NAME1);
    struct acpi_loader_placed *src = find_placed(r, e + E_NAME2);
    uint64_t offset = ld32(e + E_PTR_OFFSET);
    uint8_t size = e[E_PTR_SIZE];
    if (!dst || !src || (size != 1 && size != 2 && size != 4 && size != 8) ||
        offset + size > dst->len) {
        r->res->errors++;
        return;
    }
    uint8_t bytes[8] = { 0 };
    memcpy(bytes, dst->data + offset, size);
    uint64_t v = ld64(bytes) + src->addr;
    st64(bytes, v);
    memcpy(dst->data + offset, bytes, size);
}

static void do_add_checksum(struct run *r, const uint8_t *e)
{
    struct acpi_loader_placed *f = find_placed(r, e + E_NAME1);
    uint64_t offset = ld32(e + E_CK_OFFSET);
    uint64_t start = ld32(e + E_CK_START), length = ld32(e + E_CK_LENGTH);
    if (!f || offset >= f->len || start + length > f->len) {
        r->res->errors++;
        return;
    }
    uint8_t sum = 0;
    for (uint64_t i = 0; i < length; i++)
        sum += f->data[start + i];
    f->data[offset] -= sum;
}

int acpi_loader_run(const uint8_t *cmds, size_t len, const struct acpi_loader_file *files,
                    size_t nfiles, const struct acpi_loader_zone zones[2],
                    struct acpi_loader_result *res)
{
    *res = (struct acpi_loader_result){ 0 };
    if (len % ACPI_LOADER_ENTRY_SIZE)
        return -1;
    size_t n = len / ACPI_LOADER_ENTRY_SIZE;
    struct run r = { files, nfiles, { zones[0], zones[1] }, { 0, 0 }, res };
    res->files = g_new0(struct acpi_loader_placed, MAX(n, 1));
    for (size_t i = 0; i < n; i++) {
        const uint8_t *e = cmds + i * ACPI_LOADER_ENTRY_SIZE;
        switch (ld32(e)) {
        case ACPI_LOADER_ALLOCATE:
            do_allocate(&r, e);
            break;
        case ACPI_LOADER_ADD_POINTER:
            do_add_pointer(&r, e);
            break;
        case ACPI_LOADER_ADD_CHECKSUM:
            do_add_checksum(&r, e);
            break;
        default: /* WRITE_POINTER needs writable fw_cfg files; others unknown */
            res->skipped++;
            break;
        }
    }
    return 0;
}

void acpi_loader_result_free(struct acpi_loader_result *res)
{
    for (size_t i = 0; i < res->nfiles; i++)
        g_free(res->files[i].data);
    g_free(res->files);
    *res = (struct acpi_loader_result){ 0 };
}

const uint8_t *acpi_loader_result_ptr(const struct acpi_loader_result *res, uint64_t addr,
                                      uint64_t len)
{
    for (size_t i = 0; i < res->nfiles; i++) {
        const struct acpi_loader_placed *p = &res->files[i];
        if (addr >= p->addr && addr - p->addr <= p->len && len <= p->len - (addr - p->addr))
            return p->data + (addr - p->addr);
    }
    return NULL;
}
