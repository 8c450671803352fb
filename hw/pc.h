/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pc.h: the PC board.  Builds the machine's devices from a pc_config and
 * wires them: ports, ISA interrupts to GSIs, A20, firmware or a directly
 * booted kernel. */
#ifndef HW_PC_H
#define HW_PC_H

#include "block/block.h"
#include "core/chardev.h"
#include "core/machine.h"

#define PC_MAX_SERIAL 4
#define PC_MAX_DEBUG_EXIT 4

struct pc_serial {
    bool present;
    struct chardev *cd; /* NULL: the port exists, its output goes nowhere */
};

struct pc_debug_exit {
    uint16_t iobase;
    uint32_t iosize;
};

/* IDE drives: index = 2 * bus + unit (ide0-hd0 is the primary master). */
#define PC_MAX_IDE 4

enum pc_media { PC_MEDIA_DISK, PC_MEDIA_CDROM };

struct pc_drive {
    bool present;
    enum pc_media media;
    struct blk *blk;   /* NULL: a CD-ROM drive without a disc */
    char id[32];       /* QMP/HMP device name: "ide0-hd0", "ide1-cd0", ... */
};

struct smbios_settings;

struct pc_config {
    const char *bios;   /* firmware image path; NULL: none (direct boot) */
    const char *kernel; /* -kernel: Linux bzImage or Multiboot */
    const char *initrd;
    const char *append;
    struct pc_serial serial[PC_MAX_SERIAL];
    struct pc_debug_exit debug_exit[PC_MAX_DEBUG_EXIT];
    int ndebug_exit;
    bool debugcon;
    uint16_t debugcon_iobase;
    struct chardev *debugcon_cd;
    int64_t rtc_base; /* seconds since the epoch, as the guest's RTC shows */

    struct pc_drive ide[PC_MAX_IDE];
    /* -boot: order/once as drive letters ("cd": disk then CD-ROM, as QEMU's
     * a/b floppy, c first disk, d first CD-ROM, n network); menu and its
     * splash time (ms, -1: not given); reboot-timeout (ms, -1: none). */
    char boot_order[16];
    char boot_once[16];
    bool boot_menu;
    int boot_splash_time;
    int boot_reboot_timeout;
    bool boot_strict; /* strict=on: only the listed devices (SeaBIOS: HALT) */
    /* -smbios fields (hw/boot/smbios.h); NULL: the defaults. */
    const struct smbios_settings *smbios;
};

struct pc;

/* A drive as the monitor reports it (query-block, info block). */
struct pc_drive_info {
    const char *id;    /* "ide0-hd0", ... or the -drive id= */
    enum pc_media media;
    struct blk *blk;   /* the medium now; NULL: none */
    bool tray_open;    /* CD-ROM tray */
    bool locked;       /* the guest locked the medium in (PREVENT ALLOW MEDIUM REMOVAL) */
};
/* Fill *out for IDE index (0..PC_MAX_IDE-1); false if there is no drive. */
bool pc_drive_info(const struct pc *pc, int index, struct pc_drive_info *out);

/* Create and wire every device.  Needs m->accel set (the board asks it which
 * chips it owns and sends it GSIs).  Returns NULL with *err on user errors
 * (missing firmware, bad kernel image, bad device options). */
struct pc *pc_new(struct machine *m, const struct pc_config *cfg, char **err);
void pc_free(struct pc *pc);
/* Cold reset: devices, then firmware/kernel re-installed (also called by the
 * main loop on warm resets through m->board_reset). */
int pc_power_on(struct pc *pc, char **err);
/* The PS/2 keyboard behind the i8042, for the monitor's send-key. */
struct ps2_kbd *pc_keyboard(struct pc *pc);

/* The board's PCI bus 0 (i440FX at 00:00.0, PIIX3 00:01.0, PIIX4 PM
 * 00:01.3): for PCI devices created outside pc.c (tests) and the monitor's
 * query-pci. */
struct pci_bus;
struct pci_bus *pc_pci_bus(struct pc *pc);
/* Press the ACPI power button (PIIX4 PWRBTN_STS, SCI if enabled): for QMP
 * system_powerdown.  Machine lock held. */
void pc_power_button(struct pc *pc);
/* ---- removable media (the monitor's eject / change; lock held) ----
 * Drives are named by their pc_drive id ("ide1-cd0").  Both return 0, or
 * -ENODEV (no such drive) / -1 (anything else) with *err set to QEMU's
 * message.  eject: opens the tray and removes the disc (-1 if the guest
 * locked the tray and !force: the guest is asked to eject instead).
 * change: eject, open `file` (format NULL or "raw"; CDs are always opened
 * read-only, ro_mode "retain"/"read-only"/"read-write" applies to disks'
 * future use), insert it and close the tray, which the guest sees as a
 * media change. */
int pc_drive_eject(struct pc *pc, const char *id, bool force, char **err);
int pc_drive_change(struct pc *pc, const char *id, const char *file, const char *format,
                    const char *ro_mode, bool force, char **err);
/* Tray moves (guest or monitor) go to fn: the monitor's DEVICE_TRAY_MOVED. */
typedef void pc_tray_fn(void *opaque, const char *id, bool open);
void pc_set_tray_listener(struct pc *pc, pc_tray_fn *fn, void *opaque);

#endif
