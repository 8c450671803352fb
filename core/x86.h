/* SPDX-License-Identifier: GPL-2.0-or-later */
/* x86.h: the architectural CPU state a boot loader hands to an accelerator.
 *
 * The direct kernel loaders (Linux, Multiboot) describe the bootstrap
 * processor's first instruction as registers; every accelerator applies
 * them the same way.  Without a boot state the BSP starts at the reset vector
 * (CS base 0xFFFF0000, IP 0xFFF0) as the hardware does. */
#ifndef CORE_X86_H
#define CORE_X86_H

#include "core/base.h"

struct x86_seg {
    uint16_t sel;
    uint64_t base;
    uint32_t limit; /* byte granular (already scaled by G) */
    uint8_t type;   /* descriptor type nibble */
    uint8_t s, dpl, present, db, l, g, avl, unusable;
};

struct x86_dtable {
    uint64_t base;
    uint16_t limit;
};

struct x86_boot_state {
    bool valid;
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp, rip, rflags;
    struct x86_seg cs, ds, es, fs, gs, ss, tr, ldt;
    struct x86_dtable gdt, idt;
    uint64_t cr0, cr3, cr4, efer;
};

/* Flat 32-bit code/data segments (base 0, limit 4 GiB). */
void x86_flat32(struct x86_seg *s, uint16_t sel, bool code);
/* 64-bit code segment. */
void x86_code64(struct x86_seg *s, uint16_t sel);

#define X86_CR0_PE BIT(0)
#define X86_CR0_ET BIT(4)
#define X86_CR0_NE BIT(5)
#define X86_CR0_PG BIT(31)
#define X86_CR4_PAE BIT(5)
#define X86_EFER_LME BIT(8)
#define X86_EFER_LMA BIT(10)

#endif
