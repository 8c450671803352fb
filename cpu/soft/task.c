/* SPDX-License-Identifier: GPL-2.0-or-later */
/* task.c: hardware task switching (Intel SDM Vol. 3A chapter 7, "Task
 * Management": 7.2 TSS formats, 7.3 "Task Switching" with table 7-1 of the
 * exception conditions, 7.4 task linking and the busy flag, 7.6 the 16-bit
 * TSS).
 *
 * Emulated: JMP/CALL to a TSS descriptor or a task gate, interrupts and
 * exceptions through task gates (the error code is pushed on the new
 * task's stack), IRET with EFLAGS.NT back to the previous task; 32-bit and
 * 16-bit TSSs; the busy bits, the previous-task link and NT, CR0.TS, CR3
 * (32-bit TSS with paging on) and LDTR loads, a new task in virtual-8086
 * mode, and the T bit (#DB with DR6.BT after the switch).
 * Faults found before the switch commits (new TSS not present or too
 * small, busy state, unreadable TSS pages) leave the old task intact; faults
 * in the new task's LDT or segment descriptors are raised in the context of
 * the new task, as the SDM describes.
 * Not emulated: the I/O-map base and the shadow-stack fields; a switch to a
 * 16-bit TSS leaves FS and GS as they are (that TSS has no slots for them)
 * and zero-extends the 16-bit registers it loads.
 *
 * Threat model: TSS contents and descriptors are guest data; every TSS is
 * limit-checked against the minimum size of its format before it is read
 * or written, and all accesses go through the paging checks of mem.c. */
#include "cpu/soft/seg.h"
#include "cpu/soft/soft.h"

#define DR6_BT (1u << 15)
#define EFL_LOADABLE (F_ARITH | F_TF | F_IF | F_DF | F_IOPL | F_NT | F_RF | F_VM | F_AC | \
                      F_VIF | F_VIP | F_ID)

/* The dynamic state of a task as a TSS holds it. */
struct tss_state {
    uint32_t eip, eflags, cr3;
    uint32_t regs[8];
    uint16_t sel[6]; /* ES CS SS DS FS GS: the order of enum S_* and of the TSS */
    uint16_t ldt;
    bool trap;
};

static bool tss_is32(uint64_t desc)
{
    return desc_type(desc) & 8;
}

static void tss_read(struct cpu *c, uint64_t base, bool is32, struct tss_state *t)
{
    if (is32) {
        t->cr3 = (uint32_t)cpu_rd_sys(c, base + 0x1c, 4);
        t->eip = (uint32_t)cpu_rd_sys(c, base + 0x20, 4);
        t->eflags = (uint32_t)cpu_rd_sys(c, base + 0x24, 4);
        for (unsigned r = 0; r < 8; r++)
            t->regs[r] = (uint32_t)cpu_rd_sys(c, base + 0x28 + 4 * r, 4);
        for (unsigned s = 0; s < 6; s++)
            t->sel[s] = (uint16_t)cpu_rd_sys(c, base + 0x48 + 4 * s, 2);
        t->ldt = (uint16_t)cpu_rd_sys(c, base + 0x60, 2);
        t->trap = cpu_rd_sys(c, base + 0x64, 2) & 1;
    } else {
        t->cr3 = 0;
        t->eip = (uint32_t)cpu_rd_sys(c, base + 0x0e, 2);
        t->eflags = (uint32_t)cpu_rd_sys(c, base + 0x10, 2);
        for (unsigned r = 0; r < 8; r++)
            t->regs[r] = (uint32_t)cpu_rd_sys(c, base + 0x12 + 2 * r, 2);
        for (unsigned s = 0; s < 4; s++)
            t->sel[s] = (uint16_t)cpu_rd_sys(c, base + 0x22 + 2 * s, 2);
        t->sel[S_FS] = t->sel[S_GS] = 0;
        t->ldt = (uint16_t)cpu_rd_sys(c, base + 0x2a, 2);
        t->trap = false;
    }
}

/* Save the current task's dynamic fields into its TSS. */
static void tss_save(struct cpu *c, uint64_t base, bool is32, uint32_t eip, uint32_t eflags)
{
    if (is32) {
        cpu_wr_sys(c, base + 0x20, eip, 4);
        cpu_wr_sys(c, base + 0x24, eflags, 4);
        for (unsigned r = 0; r < 8; r++)
            cpu_wr_sys(c, base + 0x28 + 4 * r, c->regs[r] & 0xffffffff, 4);
        for (unsigned s = 0; s < 6; s++)
            cpu_wr_sys(c, base + 0x48 + 4 * s, c->seg[s].sel, 2);
    } else {
        cpu_wr_sys(c, base + 0x0e, eip & 0xffff, 2);
        cpu_wr_sys(c, base + 0x10, eflags & 0xffff, 2);
        for (unsigned r = 0; r < 8; r++)
            cpu_wr_sys(c, base + 0x12 + 2 * r, c->regs[r] & 0xffff, 2);
        for (unsigned s = 0; s < 4; s++)
            cpu_wr_sys(c, base + 0x22 + 2 * s, c->seg[s].sel, 2);
    }
}

/* Set or clear the busy bit of the TSS descriptor sel in the GDT. */
static void set_busy(struct cpu *c, uint16_t sel, bool busy)
{
    uint64_t at = c->gdt.base + (sel & ~7u) + 5;
    uint8_t b = (uint8_t)cpu_rd_sys(c, at, 1);
    b = busy ? (uint8_t)(b | 2) : (uint8_t)(b & ~2);
    cpu_wr_sys(c, at, b, 1);
}

static __attribute__((noreturn)) void ts_fault(struct cpu *c, int vec, uint16_t sel, bool ext)
{
    cpu_raise(c, vec, (sel & 0xfffc) | ext);
}

/* LDTR of the new task (table 7-1: #TS(LDT selector) on every failure). */
static void task_load_ldt(struct cpu *c, uint16_t sel, bool ext)
{
    uint64_t d;
    if ((sel & ~3u) == 0) {
        c->seg[S_LDTR] = (struct seg){ .sel = sel, .flags = 0 };
        return;
    }
    if ((sel & 4) || (uint64_t)(sel & ~7u) + 7 > c->gdt.limit)
        ts_fault(c, EX_TS, sel, ext);
    d = cpu_rd_sys(c, c->gdt.base + (sel & ~7u), 8);
    if ((d & DESC_S) || desc_type(d) != SYS_LDT || !(d & DESC_P))
        ts_fault(c, EX_TS, sel, ext);
    cpu_seg_from_desc(&c->seg[S_LDTR], sel, d);
}

static uint64_t task_desc(struct cpu *c, uint16_t sel, bool ext)
{
    uint64_t d;
    if (!cpu_read_desc(c, sel, &d))
        ts_fault(c, EX_TS, sel, ext);
    return d;
}

static void task_load_cs(struct cpu *c, uint16_t sel, bool ext)
{
    if ((sel & ~3u) == 0)
        ts_fault(c, EX_TS, sel, ext);
    uint64_t d = task_desc(c, sel, ext);
    unsigned dpl = desc_dpl(d), rpl = sel & 3;
    if (!desc_is_code(d) || ((d & DESC_CONF) ? dpl > rpl : dpl != rpl))
        ts_fault(c, EX_TS, sel, ext);
    if (!(d & DESC_P))
        ts_fault(c, EX_NP, sel, ext);
    cpu_set_accessed(c, sel, d);
    cpu_seg_from_desc(&c->seg[S_CS], sel, d);
}

static void task_load_ss(struct cpu *c, uint16_t sel, unsigned cpl, bool ext)
{
    if ((sel & ~3u) == 0)
        ts_fault(c, EX_TS, sel, ext);
    uint64_t d = task_desc(c, sel, ext);
    if (!desc_is_data(d) || !(d & DESC_RW) || (sel & 3) != cpl || desc_dpl(d) != cpl)
        ts_fault(c, EX_TS, sel, ext);
    if (!(d & DESC_P))
        ts_fault(c, EX_SS, sel, ext);
    cpu_set_accessed(c, sel, d);
    cpu_seg_from_desc(&c->seg[S_SS], sel, d);
}

static void task_load_data(struct cpu *c, int s, uint16_t sel, unsigned cpl, bool ext)
{
    if ((sel & ~3u) == 0) {
        c->seg[s] = (struct seg){ .sel = sel, .flags = 0 };
        return;
    }
    uint64_t d = task_desc(c, sel, ext);
    bool code = desc_is_code(d);
    unsigned dpl = desc_dpl(d);
    if (!desc_is_data(d) && !(code && (d & DESC_RW)))
        ts_fault(c, EX_TS, sel, ext);
    if (!(code && (d & DESC_CONF)) && (dpl < cpl || dpl < (sel & 3u)))
        ts_fault(c, EX_TS, sel, ext);
    if (!(d & DESC_P))
        ts_fault(c, EX_NP, sel, ext);
    cpu_set_accessed(c, sel, d);
    cpu_seg_from_desc(&c->seg[s], sel, d);
}

/* Load the new task's registers from its TSS image (the commit point is
 * passed: faults from here on belong to the new task). */
static void task_load(struct cpu *c, const struct tss_state *t, bool is32, bool ext)
{
    if (is32) {
        for (unsigned r = 0; r < 8; r++)
            c->regs[r] = t->regs[r];
        c->rip = t->eip;
    } else {
        /* "The upper 16 bits of the registers are modified" (SDM 7.6):
         * here they become 0. */
        for (unsigned r = 0; r < 8; r++)
            c->regs[r] = t->regs[r];
        c->rip = t->eip & 0xffff;
    }
    cpu_set_eflags(c, t->eflags, EFL_LOADABLE);
    bool vm86 = c->eflags & F_VM;
    unsigned nseg = is32 ? 6 : 4;
    /* The selectors are loaded first so a fault handler sees them; data
     * caches stay unusable until their descriptors pass the checks.  CS
     * and SS get flat placeholder caches at the new CPL (the SDM leaves
     * them undefined after such a fault), so a handler at that privilege
     * can still take the fault. */
    unsigned cpl = vm86 ? 3 : t->sel[S_CS] & 3;
    for (unsigned s = 0; s < nseg; s++)
        c->seg[s] = (struct seg){ .sel = t->sel[s], .flags = 0 };
    uint16_t flat = (uint16_t)(SEGF_P | SEGF_S | SEGF_DB | SEGF_G | (cpl << SEGF_DPL_SHIFT));
    c->seg[S_CS] = (struct seg){ .sel = t->sel[S_CS], .limit = 0xffffffff, .flags = flat | 0xb };
    c->seg[S_SS] = (struct seg){ .sel = t->sel[S_SS], .limit = 0xffffffff, .flags = flat | 0x3 };
    c->seg[S_LDTR] = (struct seg){ .sel = t->ldt, .flags = 0 };
    cpu_recompute_mode(c);
    c->stop_block = true;

    task_load_ldt(c, t->ldt, ext);
    if (vm86) {
        for (unsigned s = 0; s < 6; s++)
            cpu_set_seg_real(c, (int)s, t->sel[s]);
    } else {
        task_load_cs(c, t->sel[S_CS], ext);
        task_load_ss(c, t->sel[S_SS], cpl, ext);
        static const int data[] = { S_DS, S_ES, S_FS, S_GS };
        for (unsigned k = 0; k < 4; k++)
            if ((unsigned)data[k] < nseg)
                task_load_data(c, data[k], t->sel[data[k]], cpl, ext);
    }
    cpu_recompute_mode(c);
}

void cpu_task_switch(struct cpu *c, uint16_t sel, uint64_t desc, enum task_src src,
                     uint64_t next_eip, bool has_err, uint32_t err, bool ext)
{
    /* Checks before anything changes (table 7-1, first rows). */
    if (!(desc & DESC_P))
        ts_fault(c, EX_NP, sel, ext);
    bool new32 = tss_is32(desc);
    struct seg ntr;
    cpu_seg_from_desc(&ntr, sel, desc);
    if (ntr.limit < (new32 ? 0x67u : 0x2bu))
        ts_fault(c, EX_TS, sel, ext);
    bool busy = desc & DESC_BUSY;
    if (src == TASK_IRET ? !busy : busy)
        ts_fault(c, src == TASK_IRET ? EX_TS : EX_GP, sel, ext);
    const struct seg otr = c->seg[S_TR];
    bool old32 = otr.flags & 8;
    if (otr.limit < (old32 ? 0x5fu : 0x29u))
        ts_fault(c, EX_TS, otr.sel, ext);

    /* Reading the whole new TSS and writing the old one first makes any
     * page fault happen while the old task is still intact. */
    struct tss_state t;
    tss_read(c, ntr.base, new32, &t);
    uint32_t eflags = cpu_get_eflags(c);
    if (src == TASK_IRET)
        eflags &= ~F_NT;
    tss_save(c, otr.base, old32, (uint32_t)next_eip, eflags);
    if (src == TASK_CALL || src == TASK_INT)
        cpu_wr_sys(c, ntr.base, otr.sel, 2); /* previous-task link */

    /* Commit. */
    if (src == TASK_JMP || src == TASK_IRET)
        set_busy(c, otr.sel, false);
    if (src != TASK_IRET)
        set_busy(c, sel, true);
    ntr.flags |= 2; /* busy */
    c->seg[S_TR] = ntr;
    c->cr0 |= CR0_TS;
    if (new32 && (c->cr0 & CR0_PG))
        cpu_set_cr3(c, t.cr3);
    if (!new32)
        t.eflags &= 0xffff; /* a 16-bit TSS holds FLAGS only */
    if (src == TASK_CALL || src == TASK_INT)
        t.eflags |= F_NT;
    task_load(c, &t, new32, ext);

    if (has_err)
        cpu_push(c, err, new32 ? 4 : 2);
    if (c->rip > c->seg[S_CS].limit)
        cpu_raise(c, EX_GP, ext);
    if (t.trap) {
        /* The T bit: a debug trap before the new task's first instruction.
         * The switch (and any event delivery that caused it) is complete,
         * so the trap unwinds to the run loop as a new event rather than
         * nesting deliveries: a chain of trapping task gates cannot
         * recurse. */
        c->dr[6] |= DR6_BT;
        c->delivering = false;
        cpu_raise(c, EX_DB, 0);
    }
}

void cpu_task_gate_interrupt(struct cpu *c, uint16_t tss_sel, bool has_err, uint32_t err,
                             uint64_t ret, bool ext)
{
    uint64_t d;
    if ((tss_sel & 4) || !cpu_read_desc(c, tss_sel, &d))
        ts_fault(c, EX_GP, tss_sel, ext);
    unsigned t = desc_type(d);
    if ((d & DESC_S) || (t != SYS_TSS16 && t != SYS_TSS32))
        ts_fault(c, EX_GP, tss_sel, ext); /* busy or not a TSS */
    cpu_task_switch(c, tss_sel, d, TASK_INT, ret, has_err, err, ext);
}

void cpu_task_return(struct cpu *c, uint64_t next_eip)
{
    const struct seg *tr = &c->seg[S_TR];
    uint16_t link = (uint16_t)cpu_rd_sys(c, tr->base, 2);
    uint64_t d;
    if ((link & 4) || !cpu_read_desc(c, link, &d))
        ts_fault(c, EX_TS, link, false);
    unsigned t = desc_type(d);
    if ((d & DESC_S) || (t != SYS_TSS16_BUSY && t != SYS_TSS32_BUSY))
        ts_fault(c, EX_TS, link, false);
    cpu_task_switch(c, link, d, TASK_IRET, next_eip, false, 0, false);
}
