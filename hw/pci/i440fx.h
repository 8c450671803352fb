/* SPDX-License-Identifier: GPL-2.0-or-later */
/* i440fx.h: Intel 82441FX PCI and Memory Controller (PMC), the host bridge
 * of the 440FX PCIset, at PCI 00:00.0 (8086:1237 rev 2).
 *
 * Board wiring (hw/pc.c):
 *   h = i440fx_new(env, bus, ram, ram_size, bios_low, bios_low_size)
 *     bus: the machine's PCI bus (pci_bus_init done); h registers 00:00.0.
 *     ram: guest RAM backing (gpa 0 = ram[0]), ram_size bytes of it below
 *     4 GiB; bios_low: the firmware bytes that appear at
 *     1 MiB - bios_low_size .. 1 MiB when a PAM segment reads from PCI
 *     (the ISA BIOS alias, at most 128 KiB; NULL: none).
 *   I/O: h->cf8 at 0xcf8 (4 bytes, CONFADD; non-dword accesses are passed
 *   to *h->cf9_target if set, e.g. the PIIX3 reset control register at
 *   0xcf9), h->cfc at 0xcfc (4 bytes, CONFDATA).
 *   Memory: i440fx_map_legacy(h, mem) adds the PAM segment regions
 *   (0xC0000-0xFFFFF, priority I440FX_PRIO_PAM) and the SMRAM window
 *   (0xA0000-0xBFFFF); the device switches them itself and commits the
 *   memory space (bus->mem) on PAM/SMRAM writes.
 *   add_dev(h, &i440fx_class). */
#ifndef HW_PCI_I440FX_H
#define HW_PCI_I440FX_H

#include "hw/pci/pci.h"

#define I440FX_VENDOR 0x8086
#define I440FX_DEVICE 0x1237
#define I440FX_REVISION 0x02

/* Configuration registers (82441FX datasheet, 3.2). */
#define I440FX_PMCCFG 0x50
#define I440FX_DETURBO 0x52
#define I440FX_DBC 0x53
#define I440FX_AXC 0x54
#define I440FX_DRAMR 0x55
#define I440FX_DRAMC 0x57
#define I440FX_DRAMT 0x58
#define I440FX_PAM0 0x59 /* PAM0-PAM6: 0x59-0x5f */
#define I440FX_DRB0 0x60 /* DRB0-DRB7: 0x60-0x67 */
#define I440FX_FDHC 0x68
#define I440FX_MTT 0x70
#define I440FX_CLT 0x71
#define I440FX_SMRAM 0x72
#define I440FX_ERRCMD 0x90
#define I440FX_ERRSTS 0x91
#define I440FX_TRC 0x93

/* PAM attribute field (2 bits per segment). */
#define PAM_RE 1 /* reads from DRAM */
#define PAM_WE 2 /* writes to DRAM */

/* SMRAM register bits. */
#define SMRAM_C_BASE_SEG 0x02 /* fixed: the A0000 segment */
#define SMRAM_G_SMRAME 0x08
#define SMRAM_D_LCK 0x10
#define SMRAM_D_CLS 0x20
#define SMRAM_D_OPEN 0x40

/* Memory priorities: RAM is 0; the PAM and SMRAM-open RAM windows sit
 * above everything a PCI device may map into the legacy range (a VGA
 * window goes at I440FX_PRIO_VGA, over the unassigned SMRAM window). */
#define I440FX_PRIO_LEGACY 1
#define I440FX_PRIO_VGA 2
#define I440FX_PRIO_PAM 3

#define I440FX_PAM_SEGS 13 /* F0000 (64 KiB) + 12 x 16 KiB C0000-EFFFF */

struct i440fx;

struct i440fx_pam_seg {
    struct i440fx *h;
    uint64_t base, size;
    /* One region per attribute; exactly one is enabled. */
    struct mem_region ram;   /* 11: DRAM read/write */
    struct mem_region ram_ro; /* 01: DRAM read, writes to PCI (dropped) */
    struct mem_region wo;    /* 10: reads from PCI, writes to DRAM */
    struct mem_region pci;   /* 00: PCI (ROM alias or unassigned) */
    const uint8_t *rom;      /* PCI-side bytes (ROM alias) or NULL */
};

struct i440fx {
    struct pci_dev pci;
    const struct dev_env *env;
    struct mem_region cf8, cfc;
    struct mem_region *cf9_target; /* non-dword accesses to 0xcf8-0xcfb */
    uint32_t confadd;

    uint8_t *ram;
    uint64_t ram_size;
    struct i440fx_pam_seg pam[I440FX_PAM_SEGS];
    struct mem_region smram_pci; /* A0000-BFFFF with SMRAM closed: PCI */
    struct mem_region smram_ram; /* A0000-BFFFF with D_OPEN: DRAM */
    bool trace;
};

struct i440fx *i440fx_new(const struct dev_env *env, struct pci_bus *bus, uint8_t *ram,
                          uint64_t ram_size, const uint8_t *bios_low, uint64_t bios_low_size);
void i440fx_map_legacy(struct i440fx *h, struct address_space *mem);
/* PAM attribute (0-3) of the segment holding gpa (0xC0000-0xFFFFF). */
unsigned i440fx_pam_attr(const struct i440fx *h, uint64_t gpa);

extern const struct dev_class i440fx_class;

#endif
