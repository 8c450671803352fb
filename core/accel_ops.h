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
#include "core/x86.h"

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

/* One vCPU's registers as the monitor shows them (HMP info registers, the
 * x command's page walk). */
enum { ACCEL_SEG_ES, ACCEL_SEG_CS, ACCEL_SEG_SS, ACCEL_SEG_DS, ACCEL_SEG_FS, ACCEL_SEG_GS,
       ACCEL_SEG_LDT, ACCEL_SEG_TR, ACCEL_NSEGS };

struct accel_regs {
    uint64_t gpr[16]; /* RAX RCX RDX RBX RSP RBP RSI RDI R8..R15 (encoding order) */
    uint64_t rip, rflags;
    struct x86_seg seg[ACCEL_NSEGS];
    struct x86_dtable gdt, idt;
    uint64_t cr0, cr2, cr3, cr4, cr8, efer;
    uint64_t dr[8];
    bool halted;
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
    /* Optional (NULL: not available).  get_regs: vCPU cpu's registers;
     * called from the main loop thread while the vCPUs are paused
     * (accel->pause), with or without the machine lock; 0, or -1 if the
     * vCPU does not exist (yet). */
    int (*get_regs)(struct machine *m, unsigned cpu, struct accel_regs *out);
    /* The host thread (Linux thread id) that runs vCPU cpu, 0 if unknown.
     * Any thread, any time. */
    long (*vcpu_thread_id)(struct machine *m, unsigned cpu);
    /* HPET legacy replacement on/off: an in-kernel PIT must stop (on) or
     * resume (off) interrupting.  NULL: the accelerator has no PIT of its
     * own (the board gates hvemu's PIT itself). */
    void (*set_hpet_legacy)(struct machine *m, bool on);
    /* CPUID leaf/subleaf as vCPU 0 sees it, after init (the board's SMBIOS
     * type 4 processor ID).  NULL: the accelerator has no CPU model. */
    void (*cpuid)(struct machine *m, uint32_t leaf, uint32_t sub, uint32_t out[4]);
};

#endif
