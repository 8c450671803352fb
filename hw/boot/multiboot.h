/* SPDX-License-Identifier: GPL-2.0-or-later */
/* multiboot.h: direct boot of a Multiboot kernel (Multiboot Specification
 * version 0.6.96).
 *
 * The kernel is an ELF32 file (or an ELF64 file whose loadable segments have
 * physical addresses below 4 GiB), loaded by its program headers at
 * p_paddr, or any file with the "a.out kludge" address fields (header flags
 * bit 16), which take precedence.  -initrd names the modules:
 * "file1 args,file2 args" (",," is a literal comma); each module's command
 * line is the whole "file args" string.  Modules are loaded page-aligned
 * after the kernel (never below 1 MiB).  The GDT and the Multiboot
 * information (mbi, memory map, module list, strings) go together in one
 * block in low memory (preferably at MULTIBOOT_INFO_PREFERRED, else the
 * lowest free 16-byte-aligned place between 4 KiB and 639 KiB) that
 * overlaps neither the kernel nor the modules. */
#ifndef HW_BOOT_MULTIBOOT_H
#define HW_BOOT_MULTIBOOT_H

#include "core/base.h"

struct machine;
struct x86_boot_state;

#define MULTIBOOT_HEADER_MAGIC 0x1BADB002u
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u
#define MULTIBOOT_SEARCH 8192 /* the header lies in the first 8 KiB */

/* Header flags (spec 3.1.2). */
#define MULTIBOOT_PAGE_ALIGN BIT(0)
#define MULTIBOOT_MEMORY_INFO BIT(1)
#define MULTIBOOT_VIDEO_MODE BIT(2)
#define MULTIBOOT_AOUT_KLUDGE BIT(16)

/* Multiboot information flags (spec 3.3) that hvemu sets. */
#define MBI_MEMORY BIT(0)
#define MBI_CMDLINE BIT(2)
#define MBI_MODS BIT(3)
#define MBI_MMAP BIT(6)
#define MBI_LOADER_NAME BIT(9)

/* The information block: GDT (BOOT_GDT_SIZE bytes), then the mbi. */
#define MULTIBOOT_INFO_PREFERRED 0x10000ULL
#define MULTIBOOT_INFO_MIN 0x1000ULL
#define MULTIBOOT_MBI_SIZE 120 /* the 0.6.96 structure, zero-padded */

struct multiboot_image;

/* True when buf has the header magic at a 4-byte aligned offset in its
 * first 8 KiB (the parser may still reject the header). */
bool multiboot_probe(const uint8_t *buf, size_t len);

/* Read the kernel and the modules named by modules (NULL or "": none). */
struct multiboot_image *multiboot_image_load(const char *kernel, const char *modules,
                                             const char *cmdline, char **err);
/* Parse a kernel already in memory; takes ownership of kbuf (g_malloc'd),
 * also on failure. */
struct multiboot_image *multiboot_image_new(const char *kname, uint8_t *kbuf, size_t klen,
                                            const char *modules, const char *cmdline,
                                            char **err);
/* Copy into guest RAM, fill *bs (EAX = 0x2BADB002, EBX = mbi address, flat
 * 32-bit protected mode, paging off, IF = 0).  0, or -1 + *err. */
int multiboot_image_install(struct multiboot_image *img, struct machine *m,
                            struct x86_boot_state *bs, char **err);
void multiboot_image_free(struct multiboot_image *img);

#endif
