/* SPDX-License-Identifier: GPL-2.0-or-later */
/* loader.h: QEMU's ACPI "linker/loader" command file (fw_cfg
 * etc/table-loader), which SeaBIOS (src/fw/romfile_loader.c, 1.16) and
 * OVMF execute to place ACPI tables in guest memory and link them.
 *
 * The file is an array of 128-byte little-endian entries:
 *   u32 command, then per command (names are 56-byte NUL-padded fw_cfg
 *   file names, the last byte always NUL):
 *   1 ALLOCATE      file[56], u32 align (power of 2), u8 zone (1 HIGH, 2 FSEG)
 *                   copy the fw_cfg file into newly allocated memory
 *   2 ADD_POINTER   dest[56], src[56], u32 offset, u8 size (1, 2, 4, 8)
 *                   dest[offset..+size] += address where src was allocated
 *   3 ADD_CHECKSUM  file[56], u32 offset, u32 start, u32 length
 *                   file[offset] -= sum(file[start..start+length))
 *   4 WRITE_POINTER dest[56], src[56], u32 dst_offset, u32 src_offset, u8 size
 *                   write src's address + src_offset back into a fw_cfg
 *                   file (unused by hvemu; skipped by the executor here)
 * Unknown commands are skipped, as firmware does.
 *
 * Two halves: a builder (used by hw/acpi/tables.c to write the command
 * file) and an executor that does what firmware does against a pair of
 * memory zones (used by the board for firmware-less -kernel boots, which
 * writes the result into guest RAM, and by the unit test and fuzzer).
 *
 * Threat model: the executor takes the command file as untrusted input
 * (the fuzzer feeds it arbitrary bytes): every name is NUL-checked, every
 * offset/size/length is checked against the file it addresses with
 * overflow-safe arithmetic, allocations are bounded by the zones, and the
 * number of placed files by the number of commands.  Bad commands are
 * counted and skipped, never fatal. */
#ifndef HW_ACPI_LOADER_H
#define HW_ACPI_LOADER_H

#include "core/base.h"

#define ACPI_LOADER_ENTRY_SIZE 128
#define ACPI_LOADER_FILESZ 56

enum acpi_loader_cmd {
    ACPI_LOADER_ALLOCATE = 1,
    ACPI_LOADER_ADD_POINTER = 2,
    ACPI_LOADER_ADD_CHECKSUM = 3,
    ACPI_LOADER_WRITE_POINTER = 4,
};

enum acpi_loader_zone_id {
    ACPI_LOADER_ZONE_HIGH = 1, /* anywhere in RAM (SeaBIOS: top of low RAM) */
    ACPI_LOADER_ZONE_FSEG = 2, /* 0xE0000-0xFFFFF, where OSes scan for the RSDP */
};

/* ---- builder ---- */

struct acpi_loader {
    uint8_t *buf;
    size_t len, cap;
};

void acpi_loader_init(struct acpi_loader *l);
void acpi_loader_free(struct acpi_loader *l);
/* Names must be shorter than ACPI_LOADER_FILESZ (the board's own names:
 * asserted). */
void acpi_loader_alloc(struct acpi_loader *l, const char *file, uint32_t align,
                       enum acpi_loader_zone_id zone);
void acpi_loader_add_pointer(struct acpi_loader *l, const char *dest, uint32_t offset,
                             uint8_t size, const char *src);
void acpi_loader_add_checksum(struct acpi_loader *l, const char *file, uint32_t offset,
                              uint32_t start, uint32_t length);

/* ---- executor ---- */

/* A fw_cfg file the commands may name. */
struct acpi_loader_file {
    const char *name;
    const uint8_t *data;
    uint32_t len;
};

/* A range of guest-physical memory to allocate from, bottom up. */
struct acpi_loader_zone {
    uint64_t base, size;
};

/* A file as placed: its guest address and its contents after linking. */
struct acpi_loader_placed {
    char name[ACPI_LOADER_FILESZ];
    uint64_t addr;
    uint8_t *data;
    uint32_t len;
};

struct acpi_loader_result {
    struct acpi_loader_placed *files;
    size_t nfiles;
    unsigned errors; /* commands skipped because they were malformed */
    unsigned skipped; /* unknown commands and WRITE_POINTER */
};

/* Execute `cmds` (len bytes) as SeaBIOS does: ALLOCATE copies a file from
 * `files` into zone high (zones[0]) or fseg (zones[1]) at the requested
 * alignment (at least 16); ADD_POINTER and ADD_CHECKSUM patch the copies.
 * Returns 0, or -1 if len is not a multiple of the entry size (nothing is
 * executed then, as in SeaBIOS).  The result is always initialised; free
 * it with acpi_loader_result_free. */
int acpi_loader_run(const uint8_t *cmds, size_t len, const struct acpi_loader_file *files,
                    size_t nfiles, const struct acpi_loader_zone zones[2],
                    struct acpi_loader_result *res);
void acpi_loader_result_free(struct acpi_loader_result *res);

/* The placed file covering guest-physical [addr, addr + len), or NULL:
 * how a test reads "guest memory" after a run. */
const uint8_t *acpi_loader_result_ptr(const struct acpi_loader_result *res, uint64_t addr,
                                      uint64_t len);

#endif
