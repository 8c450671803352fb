/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seg.h: descriptor-table helpers shared by seg.c and exc.c. */
#ifndef CPU_SOFT_SEG_H
#define CPU_SOFT_SEG_H

#include "cpu/soft/cpu.h"

/* Read the 8-byte descriptor for sel from the GDT or LDT; false if it is
 * beyond the table limit. */
bool cpu_read_desc(struct cpu *c, uint16_t sel, uint64_t *desc);
/* Fill a segment cache from a descriptor. */
void cpu_seg_from_desc(struct seg *s, uint16_t sel, uint64_t desc);
/* Fetch a code segment for an interrupt/exception gate target: #GP(sel) if
 * not a code segment or beyond the limit, #NP(sel) if not present. */
void cpu_fetch_code_seg(struct cpu *c, uint16_t sel, struct seg *out, bool ext);
/* Fetch a stack segment for privilege level dpl: #TS(sel) on violations. */
void cpu_fetch_stack_seg(struct cpu *c, uint16_t sel, unsigned dpl, struct seg *out, bool ext);
/* Stack for privilege level dpl from the current 16- or 32-bit TSS. */
void cpu_tss_stack(struct cpu *c, unsigned dpl, uint16_t *ss, uint32_t *sp, bool ext);
/* A 64-bit field of the 64-bit TSS at byte offset off. */
uint64_t cpu_tss64_read(struct cpu *c, unsigned off, bool ext);
/* Interrupt through a task gate (task switch). */
void cpu_task_gate_interrupt(struct cpu *c, uint16_t tss_sel, bool has_err, uint32_t err,
                             uint64_t ret);
/* Interrupt from virtual-8086 mode to a ring-0 handler. */
void cpu_vm86_interrupt(struct cpu *c, uint16_t sel, struct seg *cs, uint32_t off, unsigned sz,
                        bool has_err, uint32_t err, uint64_t ret, bool trap);

#endif
