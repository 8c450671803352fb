/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tables.h: the PC's ACPI tables (ACPI 6.4, chapter 5.2) and the fw_cfg
 * files that carry them to firmware.
 *
 * acpi_build() produces three fw_cfg files, as QEMU does for SeaBIOS/OVMF:
 *   etc/acpi/tables  FACS, DSDT, SSDT (processors), FADT, MADT, HPET (if
 *                    any), RSDT, XSDT, concatenated; pointers between
 *                    them hold offsets into this file
 *   etc/acpi/rsdp    the RSDP (revision 2), pointers as offsets into
 *                    etc/acpi/tables
 *   etc/table-loader the commands (hw/acpi/loader.h) that place both in
 *                    guest memory (tables: HIGH, 64-byte aligned for the
 *                    FACS; RSDP: FSEG, 16-byte aligned), turn the offsets
 *                    into addresses and fill in every checksum.
 *
 * The board also runs the commands itself for firmware-less -kernel boots
 * (ACPI_DIRECT_* zones below) and writes the result into guest RAM.
 *
 * Fixed platform numbers (the contract with the chipset and HPET models):
 * PIIX4 PM at I/O 0x600 (PM1a_EVT 0x600/4, PM1a_CNT 0x604/2, PM_TMR
 * 0x608/4, 24-bit, GPE0 0x60c/4), SCI on ISA IRQ 9, SMI_CMD 0xb2 with
 * ACPI_ENABLE 0xf1 / ACPI_DISABLE 0xf0, reset register I/O 0xcf9 value 6,
 * RTC century at CMOS 0x32, LAPICs at 0xFEE00000, the IOAPIC at 0xFEC00000
 * (GSI base 0), the HPET at 0xFED00000. */
#ifndef HW_ACPI_TABLES_H
#define HW_ACPI_TABLES_H

#include "core/base.h"

#define ACPI_FILE_TABLES "etc/acpi/tables"
#define ACPI_FILE_RSDP "etc/acpi/rsdp"
#define ACPI_FILE_LOADER "etc/table-loader"

#define ACPI_MAX_CPUS 255
#define ACPI_MAX_SERIAL 4

#define ACPI_PM_BASE 0x600
#define ACPI_SCI_IRQ 9
#define ACPI_SMI_CMD 0xb2
#define ACPI_ENABLE_CMD 0xf1
#define ACPI_DISABLE_CMD 0xf0
#define ACPI_RESET_PORT 0xcf9
#define ACPI_RESET_VALUE 0x06
#define ACPI_CENTURY_CMOS 0x32
#define ACPI_LAPIC_ADDR 0xFEE00000u
#define ACPI_IOAPIC_ADDR 0xFEC00000u
#define ACPI_HPET_ADDR 0xFED00000u
/* HPET capabilities low 32 bits for 3 timers: vendor 8086, legacy
 * replacement capable, 64-bit counter, 2 = timers - 1, revision 1. */
#define ACPI_HPET_BLOCK_ID 0x8086A201u
/* The 32-bit PCI hole ends where the IOAPIC starts. */
#define ACPI_PCI_HOLE_END 0xFEC00000ULL
/* The 64-bit PCI window: this size, 1 GiB-aligned above RAM, and only
 * while it ends within 39 physical address bits (every CPU model hvemu
 * offers has at least that many). */
#define ACPI_PCI64_SIZE (32 * GiB)
#define ACPI_PCI64_LIMIT (1ULL << 39)

/* Where a firmware-less boot puts the tables: neither range is RAM in the
 * e820 map (0xE0000-0xEFFFF is a hole, 0xF0000-0xFFFFF is reserved; Linux
 * reserves all of 0xA0000-0xFFFFF in any case), and both are inside the
 * 0xE0000-0xFFFFF area OSes scan for the RSDP.  The MP table owns
 * 0xF0000-0xF1FFF (hw/boot/mptable.h), SMBIOS 0xF8000 up (hw/boot/smbios.h). */
#define ACPI_DIRECT_HIGH_BASE 0xE0000ULL
#define ACPI_DIRECT_HIGH_SIZE 0x10000ULL
#define ACPI_DIRECT_FSEG_BASE 0xF4000ULL
#define ACPI_DIRECT_FSEG_SIZE 0x4000ULL

struct acpi_config {
    unsigned ncpus;        /* 1..ACPI_MAX_CPUS; APIC IDs = processor UIDs 0..n-1 */
    uint8_t ioapic_id;     /* the MP table's and the ID register's: 0 on the PC */
    uint64_t below_4g;     /* RAM below the PCI hole */
    uint64_t above_4g;     /* RAM from 4 GiB up */
    bool hpet;             /* an HPET at ACPI_HPET_ADDR */
    bool serial[ACPI_MAX_SERIAL]; /* COM1-COM4 exist */
};

struct acpi_tables {
    uint8_t *tables, *rsdp, *loader;
    uint32_t tables_len, rsdp_len, loader_len;
};

/* Build everything.  Returns 0, or -1 with *err for a configuration the
 * tables cannot describe (CPU count out of range, a 32-bit hole that
 * would start above its end). */
int acpi_build(const struct acpi_config *cfg, struct acpi_tables *out, char **err);
void acpi_tables_free(struct acpi_tables *t);

/* 8-bit two's complement checksum: the byte that makes p[0..n) sum to 0. */
uint8_t acpi_checksum(const uint8_t *p, size_t n);

/* AML helpers for the per-machine Names of firmware/dsdt.asl: the
 * encoding "NameOp(0x08) NameSeg DWordPrefix(0x0C)/QWordPrefix(0x0E)
 * value".  patch: overwrite the value of the one such Name called `name`
 * (4 characters); returns -1 unless it occurs exactly once or when value
 * does not fit a DWord slot.  find: read it back (tests); false if absent. */
int acpi_aml_patch_name(uint8_t *aml, size_t len, const char *name, uint64_t value);
bool acpi_aml_find_name(const uint8_t *aml, size_t len, const char *name, uint64_t *value);

#endif
