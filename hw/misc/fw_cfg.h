/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fw_cfg.h: QEMU's firmware configuration interface (x86 port I/O flavour).
 *
 * The board creates it, maps `region` at port 0x510 (12 bytes: 0x510
 * selector, 0x511 data, 0x514-0x51B DMA address), and adds the items the
 * firmware reads (RAM size, CPU counts, UUID, e820, ACPI/SMBIOS files, boot
 * order, kernel/initrd/cmdline...).  Items are configuration, not guest
 * state: add them before the guest runs (or whenever the board must change
 * one); they are not saved. */
#ifndef HW_MISC_FW_CFG_H
#define HW_MISC_FW_CFG_H

#include "core/device.h"

/* Selector keys (docs/specs/fw_cfg.rst and the x86 items SeaBIOS reads). */
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_ID 0x0001
#define FW_CFG_UUID 0x0002
#define FW_CFG_RAM_SIZE 0x0003
#define FW_CFG_NOGRAPHIC 0x0004
#define FW_CFG_NB_CPUS 0x0005
#define FW_CFG_MACHINE_ID 0x0006
#define FW_CFG_KERNEL_ADDR 0x0007
#define FW_CFG_KERNEL_SIZE 0x0008
#define FW_CFG_KERNEL_CMDLINE 0x0009
#define FW_CFG_INITRD_ADDR 0x000a
#define FW_CFG_INITRD_SIZE 0x000b
#define FW_CFG_BOOT_DEVICE 0x000c
#define FW_CFG_NUMA 0x000d
#define FW_CFG_BOOT_MENU 0x000e
#define FW_CFG_MAX_CPUS 0x000f
#define FW_CFG_KERNEL_ENTRY 0x0010
#define FW_CFG_KERNEL_DATA 0x0011
#define FW_CFG_INITRD_DATA 0x0012
#define FW_CFG_CMDLINE_ADDR 0x0013
#define FW_CFG_CMDLINE_SIZE 0x0014
#define FW_CFG_CMDLINE_DATA 0x0015
#define FW_CFG_SETUP_ADDR 0x0016
#define FW_CFG_SETUP_SIZE 0x0017
#define FW_CFG_SETUP_DATA 0x0018
#define FW_CFG_FILE_DIR 0x0019
#define FW_CFG_FILE_FIRST 0x0020
#define FW_CFG_WRITE_CHANNEL 0x4000 /* selector bit 14: write mode (ignored) */
#define FW_CFG_ARCH_LOCAL 0x8000    /* selector bit 15: architecture-specific */
#define FW_CFG_KEY_MASK 0x3fff

#define FW_CFG_NAME_MAX 56 /* name field of a directory entry, NUL included */
#define FW_CFG_DIR_ENTRY_SIZE 64

#define FW_CFG_FEATURE_TRADITIONAL 0x1
#define FW_CFG_FEATURE_DMA 0x2

#define FW_CFG_DMA_CTL_ERROR 0x01
#define FW_CFG_DMA_CTL_READ 0x02
#define FW_CFG_DMA_CTL_SKIP 0x04
#define FW_CFG_DMA_CTL_SELECT 0x08
#define FW_CFG_DMA_CTL_WRITE 0x10
#define FW_CFG_DMA_SIGNATURE 0x51454d5520434647ULL /* "QEMU CFG" */

/* Port layout relative to the region base (0x510 on a PC). */
#define FW_CFG_PORT_SEL 0x0
#define FW_CFG_PORT_DATA 0x1
#define FW_CFG_PORT_DMA 0x4 /* 8 bytes, big-endian; the write to 0x518 starts DMA */
#define FW_CFG_IO_SIZE 12

struct fw_cfg_item {
    uint16_t key;
    uint32_t len;
    uint8_t *data;
    char name[FW_CFG_NAME_MAX]; /* "" unless it is a file */
};

struct fw_cfg {
    struct mem_region region; /* ports 0x510-0x51B */

    /* Everything below is private to fw_cfg.c. */
    const struct dev_env *env;
    bool trace;
    struct fw_cfg_item *items;
    size_t nitems, cap;
    uint16_t next_file_key;
    uint8_t *e820; /* etc/e820 contents, 20 bytes an entry */
    uint32_t e820_len;
    /* Guest-visible registers. */
    uint16_t selector;
    uint32_t offset;     /* into the selected item, <= its length */
    uint8_t dma_addr[8]; /* as written, big-endian */
    int cur;             /* index of the selected item, -1 if none */
};

extern const struct dev_class fw_cfg_class;

struct fw_cfg *fw_cfg_new(const struct dev_env *env);

/* Set (or replace) a fixed-key item: 0x0000-0x001f except the directory,
 * and the architecture-specific 0x8000-0xbfff.  Copies the data.  Other
 * keys are refused with a warning (0x0020-0x3fff belong to files). */
void fw_cfg_add_bytes(struct fw_cfg *fw, uint16_t key, const void *data, uint32_t len);
void fw_cfg_add_u16(struct fw_cfg *fw, uint16_t key, uint16_t value); /* little-endian */
void fw_cfg_add_u32(struct fw_cfg *fw, uint16_t key, uint32_t value);
void fw_cfg_add_u64(struct fw_cfg *fw, uint16_t key, uint64_t value);

/* Add a named file (listed in the directory, key from 0x0020 up in order of
 * addition); adding an existing name replaces its contents and keeps its
 * key.  Copies the data.  Returns the key, or -1 if the name is empty or
 * longer than 55 bytes, or the key space is full. */
int fw_cfg_add_file(struct fw_cfg *fw, const char *name, const void *data, uint32_t len);

/* Append one entry {le64 address, le64 length, le32 type} to "etc/e820",
 * the memory map SeaBIOS uses instead of CMOS when it is present. */
void fw_cfg_add_e820(struct fw_cfg *fw, uint64_t addr, uint64_t len, uint32_t type);

#endif
