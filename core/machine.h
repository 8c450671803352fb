/* SPDX-License-Identifier: GPL-2.0-or-later */
/* machine.h: one virtual machine.  No global mutable state: two machines can
 * live in one process (tests do exactly that).
 *
 * The machine owns guest RAM, the two address spaces, the virtual clock, the
 * device list, the big lock, the GLib main context, and the run-state
 * requests (reset, power-off, exit) that devices and vCPUs post and the main
 * loop carries out.  The board (hw/) fills it with devices; an accelerator
 * (cpu/) runs the CPUs. */
#ifndef CORE_MACHINE_H
#define CORE_MACHINE_H

#include <glib.h>
#include <pthread.h>
#include <stdatomic.h>
#include "core/base.h"
#include "core/clock.h"
#include "core/cpu_intc.h"
#include "core/device.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/runstate.h"
#include "core/x86.h"

struct accel_ops;

/* The PC memory map below 4 GiB: RAM up to below_4g, then the PCI hole. */
#define PCI_HOLE_START_LARGE 0xC0000000ULL /* when RAM >= 3.5 GiB */
#define PCI_HOLE_THRESHOLD 0xE0000000ULL
#define MAX_VCPUS 255

enum machine_req {
    REQ_RESET = 1 << 0,
    REQ_POWEROFF = 1 << 1,
    REQ_EXIT = 1 << 2,
    REQ_QUIT = 1 << 3, /* user asked (Ctrl-A x, signal, QMP quit); status: shutdown cause */
    REQ_STOP = 1 << 4, /* pause (QMP stop) */
    REQ_CONT = 1 << 5, /* resume from prelaunch or paused (QMP cont) */
    REQ_INTERNAL_ERROR = 1 << 6, /* an accelerator cannot go on: stop, keep the monitor */
    REQ_POWERDOWN = 1 << 7, /* press the power button (QMP system_powerdown) */
};

struct machine {
    pthread_mutex_t lock; /* the big lock: every device callback runs under it */
    struct log log;
    struct vclock clock;
    struct address_space io, mem;
    GMainContext *ctx;

    /* Guest RAM: one anonymous mapping, low part below the PCI hole and the
     * rest above 4 GiB. */
    uint64_t ram_size, below_4g, above_4g;
    uint8_t *ram;
    struct mem_region ram_lo, ram_hi;

    unsigned smp_cpus;
    unsigned icount_shift; /* -icount shift=N (clock mode VCLOCK_ICOUNT) */
    char *cpu_model;
    char *name;
    uint8_t uuid[16];
    bool no_reboot, no_shutdown;

    struct device *devices, **devices_tail;
    struct dev_env env; /* handed to every device */

    const struct accel_ops *accel;
    void *accel_state;
    /* Userspace interrupt controllers (soft/test accelerators): the
     * accelerator fills cpu_links[smp_cpus] in init; the board creates a
     * LAPIC per CPU and fills intc[smp_cpus].  Both NULL under KVM. */
    struct cpu_link *cpu_links;
    struct cpu_intc *intc;

    /* The board: resets firmware/kernel images, routes GSIs. */
    void (*board_reset)(struct machine *m, enum reset_kind kind);
    void (*board_free)(void *board); /* after the accelerator and devices */
    /* Press the power button (QMP system_powerdown); machine lock held.
     * NULL: the board has none (only the POWERDOWN event happens). */
    void (*board_powerdown)(struct machine *m);
    void *board;
    struct x86_boot_state boot; /* BSP entry from a direct loader */

    _Atomic unsigned requests; /* enum machine_req */
    _Atomic int exit_status;
    /* Run state (core/runstate.h), changed only by the main loop thread. */
    _Atomic int state;                     /* enum run_state */
    _Atomic int quit_cause, reset_cause;   /* enum shutdown_cause of REQ_QUIT/REQ_RESET */
    struct run_listener run_listener;      /* the monitor */
    bool quit;
};

/* Create with RAM of ram_size bytes (a multiple of 4 KiB) and the given clock
 * mode.  Returns NULL with *err set when RAM cannot be mapped. */
struct machine *machine_new(uint64_t ram_size, enum vclock_mode clock_mode, char **err);
void machine_free(struct machine *m);

struct device *machine_add_device(struct machine *m, const struct dev_class *cls,
                                  void *dev, const char *id);
struct device *machine_find_device(struct machine *m, const char *id);
/* Two-phase reset of every device, then the board hook. */
void machine_reset_devices(struct machine *m, enum reset_kind kind);

/* Post a request from any thread; the main loop acts on it.  status: the
 * exit status for REQ_EXIT, the enum shutdown_cause for REQ_QUIT and
 * REQ_RESET (0: Ctrl-A x / a guest reset), ignored otherwise. */
void machine_request(struct machine *m, enum machine_req req, int status);
/* Main loop: run until quit.  Returns the process exit status. */
int machine_main_loop(struct machine *m);
void machine_lock(struct machine *m);
void machine_unlock(struct machine *m);

/* Save/load all device state as one FDT blob (guest RAM not included). */
void *machine_save_devices(struct machine *m, size_t *size);
int machine_load_devices(struct machine *m, const void *blob, size_t size, char **err);

/* Guest-physical helpers for loaders: copy into RAM (fails outside RAM). */
int machine_write_phys(struct machine *m, uint64_t gpa, const void *buf, uint64_t len);
int machine_read_phys(struct machine *m, uint64_t gpa, void *buf, uint64_t len);

#endif
