/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pc.h: the PC board.  Builds the machine's devices from a pc_config and
 * wires them: ports, ISA interrupts to GSIs, A20, firmware or a directly
 * booted kernel. */
#ifndef HW_PC_H
#define HW_PC_H

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
};

struct pc;

/* Create and wire every device.  Needs m->accel set (the board asks it which
 * chips it owns and sends it GSIs).  Returns NULL with *err on user errors
 * (missing firmware, bad kernel image, bad device options). */
struct pc *pc_new(struct machine *m, const struct pc_config *cfg, char **err);
void pc_free(struct pc *pc);
/* Cold reset: devices, then firmware/kernel re-installed (also called by the
 * main loop on warm resets through m->board_reset). */
int pc_power_on(struct pc *pc, char **err);

#endif
