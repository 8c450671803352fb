/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bootorder.h: turning QEMU-style -boot drive letters into what SeaBIOS
 * reads: the fw_cfg "bootorder" file (OpenFirmware device paths, one per
 * line) and the legacy CMOS boot-order bytes.
 *
 * Letters (QEMU's): a, b floppy; c the first hard disk; d the first
 * CD-ROM; n-p network.  Unknown letters and repeats are ignored (the
 * command line validates them; this code only has to be safe).
 *
 * CMOS (SeaBIOS src/boot.c boot_init, the Bochs/QEMU convention):
 *   0x3d bits 3:0 first device, bits 7:4 second; 0x38 bits 7:4 third,
 *   bit 0 set = skip the floppy boot-signature check (left clear, as QEMU
 *   does by default); device codes 1 floppy, 2 hard disk, 3 CD-ROM,
 *   4 network.  At most three devices fit.
 *
 * bootorder: SeaBIOS matches each line against the path it builds for a
 * device (src/boot.c build_ata_path: "/pci@i0cf8/<any>@1,1/drive@<channel>
 * /disk@<unit>" for the PIIX IDE function 00:01.1); hvemu writes QEMU's
 * spelling "ide@1,1".  Floppy and network letters produce no line (no
 * such devices yet), only their CMOS code.  -boot strict=on adds a last
 * line "HALT": SeaBIOS then boots only the listed devices. */
#ifndef HW_BOOT_BOOTORDER_H
#define HW_BOOT_BOOTORDER_H

#include "core/base.h"

/* IDE drives, index = 2 * channel + unit. */
#define BOOT_MAX_IDE 4

struct boot_ide_drive {
    bool present;
    bool cdrom;
};

/* The QEMU pc machine's default order when -boot gives none. */
#define BOOT_ORDER_DEFAULT "cad"

/* CMOS bytes 0x3d and 0x38 for `order` (NULL or "" means the default). */
void boot_order_cmos(const char *order, uint8_t *reg3d, uint8_t *reg38);

/* The "bootorder" file for `order`: paths joined by '\n', then "HALT" if
 * strict, NUL-terminated (the NUL counted in *len, as QEMU's file has it).
 * Returns a g_malloc'd buffer; *len is 1 (just the NUL) when there is no
 * line. */
char *boot_order_fw_paths(const char *order, const struct boot_ide_drive drives[BOOT_MAX_IDE],
                          bool strict, size_t *len);

#endif
