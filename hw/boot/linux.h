/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.h: direct boot of a Linux/x86 bzImage (the kernel's
 * Documentation/arch/x86/boot.rst, "The Linux/x86 Boot Protocol").
 *
 * Only bzImages (loadflags LOADED_HIGH, protocol 2.02 or later) are
 * accepted, as with QEMU's -kernel; plain vmlinux ELF files are not.  The
 * kernel is entered through the 32-bit boot protocol, or through the 64-bit
 * one when the image says it has a 64-bit entry (xloadflags XLF_KERNEL_64).
 *
 * Guest-physical layout at install (all below 640 KiB is RAM in the e820
 * map, so the kernel reclaims it once it has copied what it needs):
 *   LINUX_GDT_ADDR      GDT: 0x10 code, 0x18 data
 *   LINUX_PML4_ADDR..   64-bit entry only: PML4, PDPT and four page
 *                       directories identity-mapping 0-4 GiB with 2 MiB
 *                       pages (0x2000-0x7FFF); the kernel builds its own
 *   LINUX_ZERO_PAGE     struct boot_params (4 KiB)
 *   LINUX_CMDLINE_ADDR  the command line, NUL-terminated
 *   LINUX_LOAD_ADDR     the protected-mode kernel (1 MiB)
 *   initrd              the highest 4 KiB-aligned address below
 *                       min(initrd_addr_max + 1, below_4g) that stays clear
 *                       of the kernel and of its decompression area
 *                       (runtime start address + init_size). */
#ifndef HW_BOOT_LINUX_H
#define HW_BOOT_LINUX_H

#include "core/base.h"

struct machine;
struct x86_boot_state;

#define LINUX_GDT_ADDR 0x1000ULL
#define LINUX_PML4_ADDR 0x2000ULL
#define LINUX_PDPT_ADDR 0x3000ULL
#define LINUX_PD_ADDR 0x4000ULL /* four pages */
#define LINUX_ZERO_PAGE 0x10000ULL
#define LINUX_CMDLINE_ADDR 0x20000ULL
#define LINUX_LOAD_ADDR 0x100000ULL

/* The setup header as parsed; fields absent from the image's protocol
 * version hold the protocol's documented defaults. */
struct linux_header {
    uint16_t version;          /* 0x0206 is 2.06 */
    uint8_t setup_sects;       /* as in the file (0 means 4) */
    uint32_t syssize;          /* 16-byte paragraphs */
    uint8_t loadflags;
    uint16_t xloadflags;       /* 2.12+, else 0 */
    uint32_t initrd_addr_max;  /* 2.03+, else 0x37FFFFFF */
    uint32_t kernel_alignment; /* 2.05+ */
    bool relocatable;          /* 2.05+ */
    uint32_t cmdline_size;     /* 2.06+, else 255 */
    uint64_t pref_address;     /* 2.10+, else LINUX_LOAD_ADDR */
    uint32_t init_size;        /* 2.10+, else the protected-mode size */
    size_t setup_size;         /* (setup_sects + 1) * 512 */
    size_t kernel_size;        /* protected-mode bytes in the file */
    size_t header_end;         /* end of the setup header in the file */
};

#define LINUX_LOADED_HIGH 0x01
#define LINUX_CAN_USE_HEAP 0x80
#define LINUX_XLF_KERNEL_64 0x0001

struct linux_image;

/* True when buf looks like a bzImage setup ("HdrS" at 0x202); the parser
 * may still reject it (too old, zImage, truncated). */
bool linux_probe(const uint8_t *buf, size_t len);

/* Read kernel (and initrd when non-NULL and non-empty) and parse. */
struct linux_image *linux_image_load(const char *kernel, const char *initrd,
                                     const char *cmdline, char **err);
/* Parse a kernel already in memory; takes ownership of kbuf (g_malloc'd),
 * also on failure.  kname is used in messages.  A command line longer than
 * the kernel accepts is truncated with a warning on stderr. */
struct linux_image *linux_image_new(const char *kname, uint8_t *kbuf, size_t klen,
                                    const char *initrd, const char *cmdline,
                                    char **err);
const struct linux_header *linux_image_header(const struct linux_image *img);
/* Copy into guest RAM, fill *bs.  0, or -1 + *err (e.g. does not fit). */
int linux_image_install(struct linux_image *img, struct machine *m,
                        struct x86_boot_state *bs, char **err);
void linux_image_free(struct linux_image *img);

/* Booting behind the firmware (firmware/linuxboot.S loads what the board
 * serves through fw_cfg and enters the real-mode setup code): the setup
 * sectors with the loader fields patched, the protected-mode kernel, the
 * initrd and the command line, each with its guest-physical load address.
 * setup is a copy owned by the caller (g_free); the rest point into img. */
#define LINUX_FW_SETUP_ADDR 0x10000u    /* setup segment 0x1000 */
#define LINUX_FW_STACK_TOP 0xe000u      /* SP at entry, relative to the setup */
#define LINUX_FW_HIGH_RESERVE (1 * MiB) /* left below the top of low RAM for
                                         * the firmware's own tables */
struct linux_fw_load {
    uint32_t setup_addr, kernel_addr, initrd_addr, cmdline_addr;
    uint8_t *setup;
    const uint8_t *kernel, *initrd;
    const char *cmdline;
    uint32_t setup_size, kernel_size, initrd_size, cmdline_size; /* cmdline: with NUL */
};
int linux_image_fw_load(const struct linux_image *img, const struct machine *m,
                        struct linux_fw_load *out, char **err);

#endif
