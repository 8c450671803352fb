/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boot.h: direct kernel boot (-kernel/-initrd/-append) without firmware.
 *
 * Two phases, so that user mistakes surface once at start-up and every reset
 * boots the same bytes:
 *   load    (start-up)  read the files, validate every header field, keep
 *                       the parsed image; errors are one line naming the
 *                       option, the file and the problem.
 *   install (each reset) copy the image into guest RAM with
 *                       machine_write_phys and fill the BSP's
 *                       struct x86_boot_state; fails cleanly when the image
 *                       does not fit in guest RAM.
 *
 * boot_image_* tries the Linux bzImage loader (hw/boot/linux.h), then the
 * Multiboot loader (hw/boot/multiboot.h).  The board keeps the boot_image,
 * calls boot_image_install() from its reset hook into &m->boot, and then
 * mptable_install() (hw/boot/mptable.h) for the SMP description.  The board
 * must leave 0-0xA0000, 0xF0000-0x100000 and 1 MiB-below_4g as plain RAM
 * (no BIOS ROM mapped) for a direct boot, and the A20 gate enabled. */
#ifndef HW_BOOT_BOOT_H
#define HW_BOOT_BOOT_H

#include "core/base.h"

struct machine;
struct x86_boot_state;

/* ---- the combined loader ---- */

enum boot_kind {
    BOOT_LINUX,
    BOOT_MULTIBOOT,
};

struct boot_image;

/* Read and validate kernel (required), initrd (NULL or "": none; for a
 * Multiboot kernel it is the module list "file args,file args" with ",,"
 * for a literal comma) and the command line append (NULL: empty).
 * Returns NULL with *err set ("-kernel foo: not a Linux bzImage or
 * Multiboot kernel", "-initrd bar: No such file or directory", ...). */
struct boot_image *boot_image_load(const char *kernel, const char *initrd,
                                   const char *append, char **err);
/* Copy into guest RAM and fill *bs (bs->valid set).  0, or -1 + *err. */
int boot_image_install(struct boot_image *img, struct machine *m,
                       struct x86_boot_state *bs, char **err);
enum boot_kind boot_image_kind(const struct boot_image *img);
/* The Linux image inside (NULL for other kinds). */
struct linux_image *boot_image_linux(const struct boot_image *img);
void boot_image_free(struct boot_image *img);

/* ---- shared by the loaders ---- */

/* Read a whole file given to option opt ("-kernel", "-initrd").  Files
 * larger than 4 GiB are refused (nothing can be loaded above 4 GiB); empty
 * files are refused unless allow_empty.  0, or -1 + *err naming opt, path
 * and the problem. */
int boot_read_file(const char *opt, const char *path, bool allow_empty,
                   uint8_t **buf, size_t *len, char **err);

/* The selectors both boot protocols use (Linux __BOOT_CS/__BOOT_DS). */
#define BOOT_CS 0x10
#define BOOT_DS 0x18
#define BOOT_GDT_SIZE 32 /* null, null, code, data */

/* Write a flat GDT at gdt_addr and describe the CPU entry state in *bs:
 * protected mode (CR0 = PE|ET), CS = BOOT_CS (64-bit code when long_mode,
 * else flat 32-bit), DS/ES/FS/GS/SS = BOOT_DS flat data, a busy TSS and an
 * LDT as a reset leaves them, EFLAGS = 2 (IF = 0), every GPR 0.  long_mode
 * also sets CR0.PG, CR4.PAE and EFER.LME|LMA; the caller sets CR3.
 * Returns -1 if the GDT is not in RAM. */
int boot_enter_flat(struct machine *m, uint64_t gdt_addr, bool long_mode,
                    struct x86_boot_state *bs);

#endif
