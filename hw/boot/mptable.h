/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mptable.h: Intel MultiProcessor Specification 1.4 tables for guests
 * booted directly (-kernel), where no firmware builds them.
 *
 * The floating pointer structure is at MPTABLE_ADDR (the start of the BIOS
 * area 0xF0000-0xFFFFF, which the MP spec 4.0 tells an OS to search and
 * which the e820 map reports reserved) and the configuration table follows
 * it.  The board must have RAM there (no BIOS ROM mapped: true for direct
 * boots) and calls mptable_install() from its reset hook after the kernel
 * is installed. */
#ifndef HW_BOOT_MPTABLE_H
#define HW_BOOT_MPTABLE_H

#include "core/base.h"

struct machine;

#define MPTABLE_ADDR 0xF0000ULL
#define MPTABLE_MAX_CPUS 254 /* APIC IDs 0..ncpus-1 and the IOAPIC's ncpus fit 8 bits */
#define MPTABLE_IOAPIC_ADDR 0xFEC00000u
#define MPTABLE_LAPIC_ADDR 0xFEE00000u

/* What a processor entry says about each CPU when the board does not know
 * (mptable_install): family 6, and FPU, MCE, CX8 and APIC, the feature bits
 * the MP spec (table 4-5) lists. */
#define MPTABLE_DEFAULT_SIGNATURE 0x00000600u
#define MPTABLE_DEFAULT_FEATURES 0x00000381u

struct mptable_cfg {
    unsigned ncpus;         /* 1..MPTABLE_MAX_CPUS; APIC IDs 0..ncpus-1 */
    uint32_t cpu_signature; /* CPUID.01H:EAX (stepping, model, family) */
    uint32_t cpu_features;  /* CPUID.01H:EDX */
};

/* Write the floating pointer and the configuration table (processors, ISA
 * bus 0, the I/O APIC with ID ncpus, ISA IRQs 0-15 but 2 with IRQ0 on pin 2,
 * ExtINT on LINT0 and NMI on LINT1 of every LAPIC).  0, or -1 + *err. */
int mptable_install_cfg(struct machine *m, const struct mptable_cfg *cfg, char **err);
/* The same with the default CPU signature and features. */
int mptable_install(struct machine *m, unsigned ncpus, char **err);

#endif
