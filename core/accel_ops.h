/* SPDX-License-Identifier: GPL-2.0-or-later */
/* accel_ops.h: the interface every accelerator implements (kvm, test; soft
 * and xen later).  It lives in core/ because the main loop (core) drives it
 * and the accelerators (cpu/) implement it; cpu/accel.h lists them.
 *
 * The board asks the accelerator which chips it owns (the in-kernel
 * PIC/IOAPIC/LAPIC/PIT under KVM; more under Xen) and sends every GSI level
 * change to accel->set_irq.  vCPUs reach devices only through io_dispatch()
 * on the machine's address spaces. */
#ifndef CORE_ACCEL_OPS_H
#define CORE_ACCEL_OPS_H

#include <stdbool.h>

struct machine;
struct x86_boot_state;

enum accel_owns {
    OWN_PIC = 1 << 0,
    OWN_IOAPIC = 1 << 1,
    OWN_LAPIC = 1 << 2,
    OWN_PIT = 1 << 3,
    OWN_RTC_TIME = 1 << 4,
    OWN_HPET = 1 << 5,
    OWN_PM_TIMER = 1 << 6,
};

struct accel_ops {
    const char *name;
    unsigned owns; /* enum accel_owns */
    /* Create the VM: RAM listener, irqchip, CPUID model.  0 or -1 + *err. */
    int (*init)(struct machine *m, char **err);
    /* Drive a GSI (0-23); called under the machine lock. */
    void (*set_irq)(struct machine *m, unsigned gsi, int level);
    /* Create the vCPUs in their reset state and let them run. */
    int (*start)(struct machine *m, char **err);
    /* Stop all vCPUs outside guest mode and wait until they are parked. */
    void (*pause)(struct machine *m);
    void (*resume)(struct machine *m);
    /* Architectural reset of every vCPU (BSP takes m->boot if valid). */
    void (*reset_cpus)(struct machine *m);
    void (*destroy)(struct machine *m);
    /* The A20 gate (keyboard controller / port 0x92); NULL: always on. */
    void (*set_a20)(struct machine *m, bool on);
    /* HPET legacy replacement on/off: an in-kernel PIT must stop (on) or
     * resume (off) interrupting.  NULL: the accelerator has no PIT of its
     * own (the board gates hvemu's PIT itself). */
    void (*set_hpet_legacy)(struct machine *m, bool on);
};

#endif
