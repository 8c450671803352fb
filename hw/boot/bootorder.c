/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bootorder.c: -boot drive letters -> SeaBIOS's CMOS boot-order bytes and
 * fw_cfg "bootorder" device paths (see bootorder.h for both formats).
 *
 * Sources: the CMOS layout SeaBIOS 1.16 reads (src/boot.c, boot_init:
 * CMOS_BIOS_BOOTFLAG1 0x38, CMOS_BIOS_BOOTFLAG2 0x3d) and the device path
 * it builds for ATA drives (src/boot.c, build_ata_path); the OpenFirmware
 * PCI binding (IEEE 1275 PCI bus binding 2.1, "unit address": dev,fn).
 *
 * Threat model: the order string comes from the command line; any bytes
 * are accepted (fuzzed): each letter is looked at once, unknown ones are
 * skipped, at most 26 distinct letters produce output, so the result is
 * bounded whatever the input length. */
#include <string.h>
#include <glib.h>
#include "hw/boot/bootorder.h"

enum { DEV_NONE, DEV_FLOPPY, DEV_DISK, DEV_CDROM, DEV_NET };

static int device_of(char c)
{
    switch (c) {
    case 'a':
    case 'b':
        return DEV_FLOPPY;
    case 'c':
        return DEV_DISK;
    case 'd':
        return DEV_CDROM;
    case 'n':
    case 'o':
    case 'p':
        return DEV_NET;
    default:
        return DEV_NONE;
    }
}

/* Calls fn for each distinct known letter of order, in order. */
static void for_each_letter(const char *order, void (*fn)(void *, char), void *opaque)
{
    bool seen[26] = { false };
    if (!order || !*order)
        order = BOOT_ORDER_DEFAULT;
    for (const char *p = order; *p; p++) {
        if (*p < 'a' || *p > 'z' || seen[*p - 'a'] || device_of(*p) == DEV_NONE)
            continue;
        seen[*p - 'a'] = true;
        fn(opaque, *p);
    }
}

struct cmos_acc {
    uint8_t codes[3];
    unsigned n;
};

static void add_cmos(void *opaque, char c)
{
    struct cmos_acc *a = opaque;
    if (a->n < ARRAY_SIZE(a->codes))
        a->codes[a->n++] = (uint8_t)device_of(c);
}

void boot_order_cmos(const char *order, uint8_t *reg3d, uint8_t *reg38)
{
    struct cmos_acc a = { { 0 }, 0 };
    for_each_letter(order, add_cmos, &a);
    *reg3d = (uint8_t)(a.codes[0] | a.codes[1] << 4);
    *reg38 = (uint8_t)(a.codes[2] << 4);
}

struct path_acc {
    const struct boot_ide_drive *drives;
    GString *s;
};

static void add_path(void *opaque, char c)
{
    struct path_acc *a = opaque;
    int dev = device_of(c);
    if (dev != DEV_DISK && dev != DEV_CDROM)
        return;
    for (unsigned i = 0; i < BOOT_MAX_IDE; i++) {
        const struct boot_ide_drive *d = &a->drives[i];
        if (!d->present || d->cdrom != (dev == DEV_CDROM))
            continue;
        if (a->s->len)
            g_string_append_c(a->s, '\n');
        g_string_append_printf(a->s, "/pci@i0cf8/ide@1,1/drive@%u/disk@%u", i / 2, i % 2);
        return;
    }
}

char *boot_order_fw_paths(const char *order, const struct boot_ide_drive drives[BOOT_MAX_IDE],
                          bool strict, size_t *len)
{
    struct path_acc a = { drives, g_string_new(NULL) };
    for_each_letter(order, add_path, &a);
    if (strict)
        g_string_append(a.s, a.s->len ? "\nHALT" : "HALT");
    *len = a.s->len + 1;
    return g_string_free(a.s, false);
}
