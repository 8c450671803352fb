/* SPDX-License-Identifier: GPL-2.0-or-later */
/* e820.h: the PC physical memory map hvemu presents to guests.
 *
 * One function builds the map from the machine's RAM layout; the direct
 * kernel loaders (Linux zero page, Multiboot mmap) and fw_cfg's etc/e820
 * all report the same map.  Types are the ACPI address range types (ACPI
 * 6.4, section 15, "System Address Map Interfaces"). */
#ifndef HW_BOOT_E820_H
#define HW_BOOT_E820_H

#include "core/base.h"

struct machine;

/* The fixed landmarks of the PC map below 1 MiB and near 4 GiB. */
#define PC_BASE_MEM_END 0x9FC00ULL   /* 639 KiB: the EBDA's last KiB starts here */
#define PC_EBDA_END 0xA0000ULL       /* legacy VGA window follows */
#define PC_BIOS_AREA 0xF0000ULL      /* system BIOS segment */
#define PC_HIGH_MEM 0x100000ULL      /* 1 MiB */
#define PC_KVM_TSS_START 0xFEFFC000ULL /* KVM's identity-map page and TSS */
#define PC_KVM_TSS_END 0xFF000000ULL
#define PC_BIOS_ROM_START 0xFFFC0000ULL /* the BIOS ROM alias under 4 GiB */

enum e820_type {
    E820_RAM = 1,
    E820_RESERVED = 2,
    E820_ACPI = 3,
    E820_NVS = 4,
    E820_UNUSABLE = 5,
};

struct e820_entry {
    uint64_t addr, size;
    uint32_t type; /* enum e820_type */
};

/* Size of one entry as the guest sees it (BIOS INT 15h E820h, boot_params
 * e820_table): u64 base, u64 length, u32 type, packed little-endian. */
#define E820_ENTRY_SIZE 20
/* The PC map never has more entries than this: an array of E820_MAX
 * entries always holds the whole map. */
#define E820_MAX 8

/* Fill out[0..max) with the map, sorted by address, non-overlapping:
 *   RAM       0 - 0x9FC00 (or less if RAM is smaller)
 *   reserved  0x9FC00 - 0xA0000 (EBDA: the MP table's possible home)
 *   reserved  0xF0000 - 0x100000 (system BIOS area)
 *   RAM       1 MiB - below_4g
 *   reserved  0xFEFFC000 - 0xFF000000 (KVM's identity-map page and TSS)
 *   reserved  0xFFFC0000 - 4 GiB (BIOS ROM alias)
 *   RAM       4 GiB - 4 GiB + above_4g
 * The IOAPIC and LAPIC pages are not listed, as a PC BIOS does not list them
 * (ACPI/MP tables describe them).  Returns the number of entries written
 * (at most max; E820_MAX always suffices).  fw_cfg can pass the whole map as
 * etc/e820: SeaBIOS merges entries that overlap its own reservations. */
size_t pc_e820_map(const struct machine *m, struct e820_entry *out, size_t max);

/* Pack one entry into its 20-byte guest layout. */
void e820_entry_pack(const struct e820_entry *e, uint8_t out[E820_ENTRY_SIZE]);

#endif
