/* SPDX-License-Identifier: GPL-2.0-or-later */
/* roms.h: firmware built from this tree and linked into hvemu.
 *
 * linuxboot_rom: firmware/linuxboot.S, the option ROM that loads a -kernel
 * from fw_cfg when the guest boots through SeaBIOS.  Its size byte and
 * checksums are left zero: the board fills them (pc.c) when it serves the
 * ROM, so the build needs no post-processing tool. */
#ifndef FIRMWARE_ROMS_H
#define FIRMWARE_ROMS_H

#include <stddef.h>
#include <stdint.h>

extern const uint8_t linuxboot_rom[];
extern const size_t linuxboot_rom_size;

#endif
