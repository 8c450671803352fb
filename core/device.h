/* SPDX-License-Identifier: GPL-2.0-or-later */
/* device.h: what every device is built from.
 *
 * A device is plain data (its own struct) plus a const dev_class.  It sees
 * the world only through the dev_env the board hands it at creation: the
 * virtual clock, the memory space for DMA, logging, and a way to ask the
 * machine for a reset, power-off or exit.  Output interrupts are irq_lines
 * in the device's struct, which the board connects.  No device includes
 * anything from cpu/.
 *
 * Reset is two-phase: reset() restores the device's own registers with no
 * side effects (no IRQ changes, no DMA, timers cancelled); after every device
 * has been reset, settle() drives outputs (irq_set, A20...) from the new
 * state.  Cold (power-on) and warm (0xcf9, keyboard controller) resets
 * differ where the hardware does. */
#ifndef CORE_DEVICE_H
#define CORE_DEVICE_H

#include "core/base.h"
#include "core/clock.h"
#include "core/irq.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/vmstate.h"

enum reset_kind { RESET_COLD, RESET_WARM };

enum sys_request {
    SYS_RESET,    /* warm reset of the whole machine */
    SYS_POWEROFF, /* guest powered off (exit status 0 unless -no-shutdown) */
    SYS_EXIT,     /* leave hvemu now with status arg (isa-debug-exit) */
};

struct dev_env {
    struct vclock *clock;
    struct address_space *mem; /* DMA target: RAM only */
    const struct log *log;
    void (*request)(void *opaque, enum sys_request req, int arg);
    void *request_opaque;
};

static inline void dev_request(const struct dev_env *env, enum sys_request req, int arg)
{
    if (env->request)
        env->request(env->request_opaque, req, arg);
}

struct dev_class {
    const char *name;  /* chip name, e.g. "uart16550" */
    uint32_t version;  /* state layout version; loads accept <= this */
    void (*reset)(void *dev, enum reset_kind kind);
    void (*settle)(void *dev);             /* may be NULL */
    void (*save)(void *dev, struct vm_writer *w);
    int (*load)(void *dev, struct vm_reader *r); /* 0 or -1 (vmr error set) */
    void (*destroy)(void *dev);            /* frees dev */
};

/* The board's list entry for a device instance. */
struct device {
    const struct dev_class *cls;
    void *dev;
    char id[32]; /* unique per machine: "com1", "rtc", ... */
    struct device *next;
};

#endif
