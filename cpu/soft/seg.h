/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seg.h: descriptor-table helpers shared by seg.c, task.c, exc.c and
 * ops_system.c. */
#ifndef CPU_SOFT_SEG_H
#define CPU_SOFT_SEG_H

#include "cpu/soft/cpu.h"

/* Descriptor bits (the 8-byte descriptor as a little-endian uint64_t). */
#define DESC_A (1ULL << 40)    /* accessed (code/data) */
#define DESC_BUSY (1ULL << 41) /* busy (TSS) */
#define DESC_RW (1ULL << 41)   /* readable code / writable data */
#define DESC_CONF (1ULL << 42) /* conforming code */
#define DESC_CODE (1ULL << 43)
#define DESC_S (1ULL << 44)    /* code or data (not system) */
#define DESC_P (1ULL << 47)
#define DESC_L (1ULL << 53)
#define DESC_DB (1ULL << 54)

/* System descriptor types. */
enum {
    SYS_TSS16 = 1, SYS_LDT = 2, SYS_TSS16_BUSY = 3, SYS_CALL16 = 4, SYS_TASK = 5,
    SYS_INT16 = 6, SYS_TRAP16 = 7, SYS_TSS32 = 9, SYS_TSS32_BUSY = 11, SYS_CALL32 = 12,
    SYS_INT32 = 14, SYS_TRAP32 = 15,
};

static inline unsigned desc_type(uint64_t d)
{
    return (d >> 40) & 0xf;
}

static inline unsigned desc_dpl(uint64_t d)
{
    return (d >> 45) & 3;
}

static inline bool desc_is_code(uint64_t d)
{
    return (d & DESC_S) && (d & DESC_CODE);
}

static inline bool desc_is_data(uint64_t d)
{
    return (d & DESC_S) && !(d & DESC_CODE);
}

/* is_canonical() is in cpu.h. */

/* Read the 8-byte descriptor for sel from the GDT or LDT; false if it is
 * beyond the table limit. */
bool cpu_read_desc(struct cpu *c, uint16_t sel, uint64_t *desc);
/* The upper half of a 16-byte IA-32e system descriptor; false if beyond
 * the table limit. */
bool cpu_read_desc_hi(struct cpu *c, uint16_t sel, uint64_t *hi);
/* Set the accessed bit of a code/data descriptor if it is clear. */
void cpu_set_accessed(struct cpu *c, uint16_t sel, uint64_t desc);
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

/* A stack frame built before any state changes (far CALL through gates,
 * interrupts from VM86): pushes check the limit or canonical form and the
 * paging rights of the target stack, so a fault leaves the CPU state as
 * it was.  `commit` by copying sp (and ss) into the CPU. */
struct frame {
    struct seg ss;   /* the stack segment the frame goes to */
    uint64_t sp;     /* full RSP value; pushes change only the bits in mask */
    uint64_t mask;   /* 0xffff, 0xffffffff or ~0 */
    bool flat64;     /* 64-bit stack: no base/limit, canonical check */
    bool sys;        /* supervisor access (the frame is for CPL < 3) */
    uint32_t err;    /* #SS error code on a limit violation */
};
void cpu_frame_current(struct cpu *c, struct frame *f);
void cpu_frame_push(struct cpu *c, struct frame *f, uint64_t v, unsigned size);
/* Does a segment allow an access of size bytes at off (limit, expand-down)? */
bool cpu_seg_off_ok(const struct seg *s, uint64_t off, unsigned size);

/* Task switches (task.c; SDM Vol. 3A 7.3). */
enum task_src { TASK_JMP, TASK_CALL, TASK_IRET, TASK_INT };
/* Switch to the task whose TSS descriptor `desc` is selected by sel.  The
 * caller has done the privilege checks of its instruction; next_eip is the
 * EIP saved in the old TSS.  For TASK_INT with has_err, the error code is
 * pushed on the new task's stack. */
void cpu_task_switch(struct cpu *c, uint16_t sel, uint64_t desc, enum task_src src,
                     uint64_t next_eip, bool has_err, uint32_t err, bool ext);
/* Interrupt through a task gate (task switch). */
void cpu_task_gate_interrupt(struct cpu *c, uint16_t tss_sel, bool has_err, uint32_t err,
                             uint64_t ret, bool ext);
/* IRET with EFLAGS.NT set outside IA-32e mode: back to the previous task. */
void cpu_task_return(struct cpu *c, uint64_t next_eip);
/* Interrupt from virtual-8086 mode to a ring-0 handler (interrupt or trap
 * gate of size sz, target code segment cs). */
void cpu_vm86_interrupt(struct cpu *c, uint16_t sel, struct seg *cs, uint32_t off, unsigned sz,
                        bool has_err, uint32_t err, uint64_t ret, bool trap, bool ext);

#endif
