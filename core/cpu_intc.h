/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cpu_intc.h: the link between a CPU and its local APIC, for accelerators
 * that model the interrupt controllers in userspace (soft, test).
 *
 * The local APIC is part of the processor: its MMIO page (at the address in
 * IA32_APIC_BASE) is seen only by its own CPU, so the CPU model routes
 * accesses to that page straight to lapic_ops.mmio_* instead of through the
 * memory address space, and forwards the x2APIC MSRs (0x800-0x8ff) and
 * IA32_APIC_BASE to it.  The APIC tells its CPU about new events through
 * cpu_link.signal.  All calls happen under the machine lock.
 *
 * The board creates one LAPIC per vCPU (hw/intc/lapic.c), connects them to
 * the APIC bus (IPIs, IOAPIC and MSI delivery), and hands each accelerator
 * vCPU its `struct cpu_intc` through machine->intc[cpu]. */
#ifndef CORE_CPU_INTC_H
#define CORE_CPU_INTC_H

#include "core/base.h"

/* Events an APIC signals to its CPU (a bitmask). */
enum cpu_signal {
    CPU_SIG_INTR = 1 << 0, /* a maskable interrupt may be deliverable: re-check */
    CPU_SIG_NMI = 1 << 1,
    CPU_SIG_INIT = 1 << 2,
    CPU_SIG_SIPI = 1 << 3, /* with the vector argument */
    CPU_SIG_SMI = 1 << 4,
};

/* Implemented by the accelerator: how an APIC reaches its CPU. */
struct cpu_link {
    void (*signal)(void *cpu, unsigned sig, uint8_t sipi_vector);
    void *cpu;
};

/* Implemented by the local APIC; called by its CPU. */
struct lapic_ops {
    /* Is a maskable interrupt (fixed/lowest-priority above PPR, or ExtINT
     * through LINT0) waiting?  The CPU checks EFLAGS.IF itself. */
    bool (*intr_pending)(void *apic);
    /* The interrupt-acknowledge cycle: the vector to take (IRR -> ISR), the
     * 8259's vector for ExtINT, or the spurious vector if nothing is left. */
    uint8_t (*intr_ack)(void *apic);
    uint64_t (*mmio_read)(void *apic, uint32_t offset, unsigned size);
    void (*mmio_write)(void *apic, uint32_t offset, uint64_t val, unsigned size);
    /* IA32_APIC_BASE (0x1b) and x2APIC MSRs 0x800-0x8ff.  Return false to
     * make the CPU raise #GP. */
    bool (*rdmsr)(void *apic, uint32_t msr, uint64_t *val);
    bool (*wrmsr)(void *apic, uint32_t msr, uint64_t val);
    /* CR8 is TPR[7:4]. */
    uint8_t (*get_cr8)(void *apic);
    void (*set_cr8)(void *apic, uint8_t val);
    /* INIT reset of the APIC (on INIT signal and RESET). */
    void (*init_reset)(void *apic);
};

struct cpu_intc {
    const struct lapic_ops *ops;
    void *apic;
    /* Filled in by the accelerator before the board wires the APICs. */
    struct cpu_link *link;
};

#endif
