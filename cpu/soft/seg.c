/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seg.c: segment registers, descriptors, stacks and far control transfers.
 *
 * Intel SDM Vol. 3A chapter 3 (segment descriptors, selectors), 5.5-5.8
 * (privilege checks for data and stack segments, conforming and
 * non-conforming code, call gates and the stack switch with parameter copy,
 * far JMP/CALL/RET), 5.8.6 / 6.14 (64-bit call gates and IRET), 20.2-20.3
 * (entering and leaving virtual-8086 mode) and the instruction pages for
 * MOV Sreg, POP Sreg, LDS/LES/LFS/LGS/LSS, JMP/CALL far, RET far and IRET
 * in Vol. 2.
 *
 * Emulated: real-mode and VM86 loads; protected-mode data, stack and code
 * segment loads with their type, privilege and presence checks; accessed
 * bits; far JMP/CALL to code segments, through 16/32-bit call gates (same
 * or inner privilege, stack switch from the TSS, parameter copy) and 64-bit
 * call gates in IA-32e mode; JMP/CALL to a TSS or task gate (task.c); far
 * RET and IRET to the same or an outer privilege; IRET with NT (task
 * return), IRET to VM86 from CPL 0, IRET inside VM86 with IOPL 3; the
 * interrupt frame from VM86 to ring 0.
 * Not emulated: VME (CR4.VME/PVI; not advertised in CPUID): in VM86 with
 * IOPL < 3, IRET raises #GP(0) as on a CPU without VME.
 *
 * Instructions that fault leave the CPU state unchanged: stack values are
 * read before RSP moves and frames are written to the target stack before
 * any register is committed.
 *
 * Threat model: selectors and descriptors are guest data; every table access
 * is limit-checked and faults as the hardware does; parameter counts are
 * 5-bit fields. */
#include "cpu/soft/seg.h"
#include "cpu/soft/soft.h"

bool cpu_read_desc(struct cpu *c, uint16_t sel, uint64_t *desc)
{
    uint64_t base, limit;
    if (sel & 4) {
        if (!(c->seg[S_LDTR].flags & SEGF_P))
            return false;
        base = c->seg[S_LDTR].base;
        limit = c->seg[S_LDTR].limit;
    } else {
        base = c->gdt.base;
        limit = c->gdt.limit;
    }
    if ((uint64_t)(sel & ~7u) + 7 > limit)
        return false;
    *desc = cpu_rd_sys(c, base + (sel & ~7u), 8);
    return true;
}

bool cpu_read_desc_hi(struct cpu *c, uint16_t sel, uint64_t *hi)
{
    uint64_t base, limit;
    if (sel & 4) {
        if (!(c->seg[S_LDTR].flags & SEGF_P))
            return false;
        base = c->seg[S_LDTR].base;
        limit = c->seg[S_LDTR].limit;
    } else {
        base = c->gdt.base;
        limit = c->gdt.limit;
    }
    if ((uint64_t)(sel & ~7u) + 15 > limit)
        return false;
    *hi = cpu_rd_sys(c, base + (sel & ~7u) + 8, 8);
    return true;
}

void cpu_seg_from_desc(struct seg *s, uint16_t sel, uint64_t d)
{
    s->sel = sel;
    s->base = ((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000ULL);
    uint32_t limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));
    s->flags = (uint16_t)((d >> 40) & 0xf0ff);
    if (s->flags & SEGF_G)
        limit = (limit << 12) | 0xfff;
    s->limit = limit;
}

void cpu_set_accessed(struct cpu *c, uint16_t sel, uint64_t d)
{
    if (d & DESC_A)
        return;
    uint64_t base = (sel & 4) ? c->seg[S_LDTR].base : c->gdt.base;
    cpu_wr_sys(c, base + (sel & ~7u) + 5, (uint8_t)((d >> 40) | 1), 1);
}

void cpu_set_seg_real(struct cpu *c, int seg, uint16_t sel)
{
    struct seg *s = &c->seg[seg];
    s->sel = sel;
    s->base = (uint64_t)sel << 4;
    if (c->eflags & F_VM) {
        s->limit = 0xffff;
        s->flags = SEGF_P | SEGF_S | (seg == S_CS ? 0xb : 0x3) | (3u << SEGF_DPL_SHIFT);
    } else if (!(s->flags & SEGF_P)) {
        s->flags |= SEGF_P; /* a real-mode load makes the segment usable */
    }
    if (seg == S_CS || seg == S_SS)
        cpu_recompute_mode(c);
}

void cpu_load_seg(struct cpu *c, int seg, uint16_t sel)
{
    if (!(c->cr0 & CR0_PE) || (c->eflags & F_VM)) {
        cpu_set_seg_real(c, seg, sel);
        return;
    }
    unsigned rpl = sel & 3;
    if ((sel & ~3u) == 0) {
        if (seg == S_SS && !((c->mode & MODE_LONG64) && c->cpl < 3 && rpl == c->cpl))
            cpu_gp0(c);
        /* Null selector: the register becomes unusable. */
        c->seg[seg] = (struct seg){ .sel = sel, .flags = 0 };
        if (seg == S_SS) {
            c->seg[seg].flags = SEGF_P | SEGF_S | 0x3 | SEGF_DB | (uint16_t)(c->cpl << SEGF_DPL_SHIFT);
            c->seg[seg].limit = 0xffffffff;
        }
        return;
    }
    uint64_t d;
    if (!cpu_read_desc(c, sel, &d))
        cpu_raise(c, EX_GP, sel & 0xfffc);
    unsigned dpl = desc_dpl(d);
    if (seg == S_SS) {
        if (rpl != c->cpl || dpl != c->cpl || !desc_is_data(d) || !(d & DESC_RW))
            cpu_raise(c, EX_GP, sel & 0xfffc);
        if (!(d & DESC_P))
            cpu_raise(c, EX_SS, sel & 0xfffc);
    } else {
        bool code = desc_is_code(d);
        if (!desc_is_data(d) && !(code && (d & DESC_RW)))
            cpu_raise(c, EX_GP, sel & 0xfffc);
        bool conforming_code = code && (d & DESC_CONF);
        if (!conforming_code && (dpl < c->cpl || dpl < rpl))
            cpu_raise(c, EX_GP, sel & 0xfffc);
        if (!(d & DESC_P))
            cpu_raise(c, EX_NP, sel & 0xfffc);
    }
    cpu_set_accessed(c, sel, d);
    cpu_seg_from_desc(&c->seg[seg], sel, d);
    if ((c->mode & MODE_LONG64) && (seg == S_FS || seg == S_GS))
        c->seg[seg].base &= 0xffffffffULL; /* 32-bit base from the descriptor */
    if (seg == S_SS)
        cpu_recompute_mode(c);
}

void cpu_fetch_code_seg(struct cpu *c, uint16_t sel, struct seg *out, bool ext)
{
    uint64_t d;
    uint32_t e = (sel & 0xfffc) | ext;
    if ((sel & ~3u) == 0 || !cpu_read_desc(c, sel, &d) || !desc_is_code(d))
        cpu_raise(c, EX_GP, e);
    if (desc_dpl(d) > c->cpl)
        cpu_raise(c, EX_GP, e);
    if (!(d & DESC_P))
        cpu_raise(c, EX_NP, e);
    cpu_set_accessed(c, sel, d);
    cpu_seg_from_desc(out, sel, d);
}

void cpu_fetch_stack_seg(struct cpu *c, uint16_t sel, unsigned dpl, struct seg *out, bool ext)
{
    uint64_t d;
    uint32_t e = (sel & 0xfffc) | ext;
    if ((sel & ~3u) == 0 || !cpu_read_desc(c, sel, &d))
        cpu_raise(c, EX_TS, e);
    if ((sel & 3) != dpl || desc_dpl(d) != dpl || !desc_is_data(d) || !(d & DESC_RW))
        cpu_raise(c, EX_TS, e);
    if (!(d & DESC_P))
        cpu_raise(c, EX_SS, e);
    cpu_set_accessed(c, sel, d);
    cpu_seg_from_desc(out, sel, d);
}

void cpu_tss_stack(struct cpu *c, unsigned dpl, uint16_t *ss, uint32_t *sp, bool ext)
{
    const struct seg *tr = &c->seg[S_TR];
    bool tss32 = (tr->flags & SEGF_TYPE) & 8;
    unsigned off = tss32 ? 4 + dpl * 8 : 2 + dpl * 4;
    unsigned n = tss32 ? 8 : 4;
    if (off + n - 1 > tr->limit)
        cpu_raise(c, EX_TS, (tr->sel & 0xfffc) | ext);
    if (tss32) {
        *sp = (uint32_t)cpu_rd_sys(c, tr->base + off, 4);
        *ss = (uint16_t)cpu_rd_sys(c, tr->base + off + 4, 2);
    } else {
        *sp = (uint32_t)cpu_rd_sys(c, tr->base + off, 2);
        *ss = (uint16_t)cpu_rd_sys(c, tr->base + off + 2, 2);
    }
}

uint64_t cpu_tss64_read(struct cpu *c, unsigned off, bool ext)
{
    const struct seg *tr = &c->seg[S_TR];
    if (off + 7 > tr->limit)
        cpu_raise(c, EX_TS, (tr->sel & 0xfffc) | ext);
    return cpu_rd_sys(c, tr->base + off, 8);
}

/* ---- stack ---- */

unsigned cpu_stack_size(const struct cpu *c)
{
    if (c->mode & MODE_LONG64)
        return 8;
    return (c->mode & MODE_SS32) ? 4 : 2;
}

void cpu_push(struct cpu *c, uint64_t v, unsigned size)
{
    unsigned ss = cpu_stack_size(c);
    uint64_t sp = (c->regs[R_SP] - size) & size_mask(ss);
    cpu_wr(c, S_SS, sp, v, size); /* write first: a fault leaves RSP alone */
    if (ss == 2)
        c->regs[R_SP] = (c->regs[R_SP] & ~0xffffULL) | sp;
    else
        c->regs[R_SP] = sp; /* 32-bit stack: ESP zero-extends (outside 64-bit mode) */
}

uint64_t cpu_pop(struct cpu *c, unsigned size)
{
    unsigned ss = cpu_stack_size(c);
    uint64_t sp = c->regs[R_SP] & size_mask(ss);
    uint64_t v = cpu_rd(c, S_SS, sp, size);
    sp = (sp + size) & size_mask(ss);
    if (ss == 2)
        c->regs[R_SP] = (c->regs[R_SP] & ~0xffffULL) | sp;
    else
        c->regs[R_SP] = sp;
    return v;
}

/* Read the stack `at` bytes above the stack pointer without moving it. */
static uint64_t stk_peek(struct cpu *c, uint64_t at, unsigned size)
{
    uint64_t m = size_mask(cpu_stack_size(c));
    return cpu_rd(c, S_SS, (c->regs[R_SP] + at) & m, size);
}

/* Move the stack pointer up by n bytes (within its width). */
static void stk_release(struct cpu *c, uint64_t n)
{
    unsigned ss = cpu_stack_size(c);
    uint64_t sp = (c->regs[R_SP] + n) & size_mask(ss);
    if (ss == 2)
        c->regs[R_SP] = (c->regs[R_SP] & ~0xffffULL) | sp;
    else
        c->regs[R_SP] = sp;
}

bool cpu_seg_off_ok(const struct seg *s, uint64_t off, unsigned size)
{
    uint64_t end = off + size - 1;
    if ((s->flags & (SEGF_S | 0xc)) == (SEGF_S | 0x4)) { /* expand-down data */
        uint64_t upper = (s->flags & SEGF_DB) ? 0xffffffffULL : 0xffffULL;
        return off > s->limit && end <= upper && end >= off;
    }
    return end <= s->limit && end >= off;
}

void cpu_frame_current(struct cpu *c, struct frame *f)
{
    f->ss = c->seg[S_SS];
    f->sp = c->regs[R_SP];
    f->mask = size_mask(cpu_stack_size(c));
    f->flat64 = c->mode & MODE_LONG64;
    f->sys = c->cpl < 3;
    f->err = 0;
}

void cpu_frame_push(struct cpu *c, struct frame *f, uint64_t v, unsigned size)
{
    uint64_t off = (f->sp - size) & f->mask;
    uint64_t lin;
    if (f->flat64) {
        lin = off;
        if (!is_canonical(lin))
            cpu_raise(c, EX_SS, 0);
    } else {
        if (!cpu_seg_off_ok(&f->ss, off, size))
            cpu_raise(c, EX_SS, f->err);
        lin = (f->ss.base + off) & 0xffffffffULL;
    }
    if (f->sys)
        cpu_wr_sys(c, lin, v & size_mask(size), size);
    else
        cpu_wr(c, S_NONE, lin, v, size); /* CPL 3: a user access */
    f->sp = (f->sp & ~f->mask) | off;
}

/* ---- far transfers ---- */

static void check_rip(struct cpu *c, const struct seg *cs, uint64_t off)
{
    if ((c->efer & EFER_LMA) && (cs->flags & SEGF_L)) {
        if (!is_canonical(off))
            cpu_gp0(c);
    } else if (off > cs->limit) {
        cpu_gp0(c);
    }
}

/* Make cs the code segment at privilege cpl and continue at rip. */
static void commit_cs(struct cpu *c, const struct seg *cs, unsigned cpl, uint64_t rip)
{
    c->seg[S_CS] = *cs;
    c->seg[S_CS].sel = (uint16_t)((cs->sel & 0xfffc) | cpl);
    c->cpl = cpl;
    c->rip = rip;
    cpu_recompute_mode(c);
}

/* Read the descriptor a far JMP/CALL names: #GP(0) for a null selector,
 * #GP(sel) beyond the table. */
static uint64_t far_desc(struct cpu *c, uint16_t sel)
{
    uint64_t d;
    if ((sel & ~3u) == 0)
        cpu_gp0(c);
    if (!cpu_read_desc(c, sel, &d))
        cpu_raise(c, EX_GP, sel & 0xfffc);
    return d;
}

/* A code segment named directly by JMP/CALL far. */
static void direct_code(struct cpu *c, uint16_t sel, uint64_t d, struct seg *cs)
{
    if (!desc_is_code(d))
        cpu_raise(c, EX_GP, sel & 0xfffc);
    unsigned dpl = desc_dpl(d), rpl = sel & 3;
    if (d & DESC_CONF) {
        if (dpl > c->cpl)
            cpu_raise(c, EX_GP, sel & 0xfffc);
    } else if (rpl > c->cpl || dpl != c->cpl) {
        cpu_raise(c, EX_GP, sel & 0xfffc);
    }
    if (!(d & DESC_P))
        cpu_raise(c, EX_NP, sel & 0xfffc);
    cpu_seg_from_desc(cs, sel, d);
}

/* JMP/CALL to a TSS descriptor or through a task gate (not in IA-32e mode). */
static void far_task(struct cpu *c, uint16_t sel, uint64_t d, bool call, uint64_t next_rip)
{
    unsigned dpl = desc_dpl(d);
    if (dpl < c->cpl || dpl < (sel & 3u))
        cpu_raise(c, EX_GP, sel & 0xfffc);
    uint16_t tsel = sel;
    uint64_t td = d;
    if (desc_type(d) == SYS_TASK) {
        if (!(d & DESC_P))
            cpu_raise(c, EX_NP, sel & 0xfffc);
        tsel = (uint16_t)(d >> 16);
        if ((tsel & 4) || !cpu_read_desc(c, tsel, &td))
            cpu_raise(c, EX_GP, tsel & 0xfffc);
    } else if (sel & 4) {
        cpu_raise(c, EX_GP, sel & 0xfffc); /* a TSS descriptor lives in the GDT */
    }
    unsigned t = desc_type(td);
    if ((td & DESC_S) || (t != SYS_TSS16 && t != SYS_TSS32))
        cpu_raise(c, EX_GP, tsel & 0xfffc); /* busy or not a TSS */
    cpu_task_switch(c, tsel, td, call ? TASK_CALL : TASK_JMP, next_rip, false, 0, false);
}

/* JMP/CALL through a call gate (SDM Vol. 3A 5.8.3-5.8.6). */
static void far_gate(struct cpu *c, uint16_t gsel, uint64_t g, bool call, uint64_t next_rip)
{
    bool lma = c->efer & EFER_LMA;
    unsigned gdpl = desc_dpl(g);
    uint64_t ghi = 0;
    if (gdpl < c->cpl || gdpl < (gsel & 3u))
        cpu_raise(c, EX_GP, gsel & 0xfffc);
    if (!(g & DESC_P))
        cpu_raise(c, EX_NP, gsel & 0xfffc);
    if (lma && (!cpu_read_desc_hi(c, gsel, &ghi) || ((ghi >> 40) & 0x1f)))
        cpu_raise(c, EX_GP, gsel & 0xfffc);
    bool g32 = desc_type(g) == SYS_CALL32;
    unsigned gsz = lma ? 8 : g32 ? 4 : 2;
    uint64_t goff = g & 0xffff;
    if (g32)
        goff |= (g >> 32) & 0xffff0000ULL;
    if (lma)
        goff |= ghi << 32;
    unsigned nparams = lma ? 0 : (unsigned)(g >> 32) & 0x1f;

    uint16_t csel = (uint16_t)(g >> 16);
    uint64_t d;
    if ((csel & ~3u) == 0)
        cpu_gp0(c);
    if (!cpu_read_desc(c, csel, &d) || !desc_is_code(d))
        cpu_raise(c, EX_GP, csel & 0xfffc);
    unsigned dpl = desc_dpl(d);
    bool conf = d & DESC_CONF;
    if (call ? dpl > c->cpl : (conf ? dpl > c->cpl : dpl != c->cpl))
        cpu_raise(c, EX_GP, csel & 0xfffc);
    if (!(d & DESC_P))
        cpu_raise(c, EX_NP, csel & 0xfffc);
    if (lma && (!(d & DESC_L) || (d & DESC_DB)))
        cpu_raise(c, EX_GP, csel & 0xfffc);
    struct seg cs;
    cpu_seg_from_desc(&cs, csel, d);
    if (lma ? !is_canonical(goff) : goff > cs.limit)
        cpu_gp0(c);

    unsigned new_cpl = c->cpl;
    struct frame f;
    if (call && !conf && dpl < c->cpl) {
        /* Inner privilege: a new stack from the TSS. */
        new_cpl = dpl;
        if (lma) {
            uint64_t rsp = cpu_tss64_read(c, 4 + dpl * 8, false);
            f = (struct frame){ .sp = rsp, .mask = ~0ULL, .flat64 = true, .sys = true };
            f.ss = (struct seg){ .sel = (uint16_t)dpl, .limit = 0xffffffff,
                                 .flags = SEGF_P | SEGF_S | 0x3 | SEGF_DB | SEGF_G |
                                          (uint16_t)(dpl << SEGF_DPL_SHIFT) };
        } else {
            uint16_t nss;
            uint32_t nsp;
            cpu_tss_stack(c, dpl, &nss, &nsp, false);
            cpu_fetch_stack_seg(c, nss, dpl, &f.ss, false);
            f.sp = nsp;
            f.mask = (f.ss.flags & SEGF_DB) ? 0xffffffffULL : 0xffffULL;
            f.flat64 = false;
            f.sys = true;
            f.err = nss & 0xfffc;
        }
        uint64_t old_sp = c->regs[R_SP];
        cpu_frame_push(c, &f, c->seg[S_SS].sel, gsz);
        cpu_frame_push(c, &f, old_sp, gsz);
        /* Parameters keep their order: the one at the lowest address of
         * the caller's stack lands just above the return address. */
        for (unsigned k = nparams; k-- > 0;)
            cpu_frame_push(c, &f, stk_peek(c, (uint64_t)k * gsz, gsz), gsz);
    } else {
        cpu_frame_current(c, &f);
        if (!call) {
            cpu_set_accessed(c, csel, d);
            commit_cs(c, &cs, c->cpl, goff);
            return;
        }
    }
    cpu_frame_push(c, &f, c->seg[S_CS].sel, gsz);
    cpu_frame_push(c, &f, next_rip, gsz);
    cpu_set_accessed(c, csel, d);
    c->seg[S_SS] = f.ss;
    c->regs[R_SP] = f.sp;
    commit_cs(c, &cs, new_cpl, goff);
}

/* JMP/CALL far to a system descriptor: gates and TSSs. */
static void far_system(struct cpu *c, uint16_t sel, uint64_t d, bool call, uint64_t next_rip)
{
    unsigned t = desc_type(d);
    if (c->efer & EFER_LMA) {
        if (t != SYS_CALL32)
            cpu_raise(c, EX_GP, sel & 0xfffc);
        far_gate(c, sel, d, call, next_rip);
        return;
    }
    switch (t) {
    case SYS_CALL16:
    case SYS_CALL32:
        far_gate(c, sel, d, call, next_rip);
        return;
    case SYS_TASK:
    case SYS_TSS16:
    case SYS_TSS32:
        far_task(c, sel, d, call, next_rip);
        return;
    default:
        cpu_raise(c, EX_GP, sel & 0xfffc);
    }
}

void cpu_far_jump(struct cpu *c, uint16_t sel, uint64_t off, unsigned opsize, uint64_t next_rip)
{
    if (!(c->cr0 & CR0_PE) || (c->eflags & F_VM)) {
        off &= size_mask(opsize);
        if (off > c->seg[S_CS].limit && (c->eflags & F_VM))
            cpu_gp0(c);
        cpu_set_seg_real(c, S_CS, sel);
        c->rip = off;
        return;
    }
    uint64_t d = far_desc(c, sel);
    if (!(d & DESC_S)) {
        far_system(c, sel, d, false, next_rip & size_mask(opsize));
        return;
    }
    struct seg cs;
    direct_code(c, sel, d, &cs);
    check_rip(c, &cs, off);
    cpu_set_accessed(c, sel, d);
    commit_cs(c, &cs, c->cpl, off);
}

void cpu_far_call(struct cpu *c, uint16_t sel, uint64_t off, unsigned opsize, uint64_t next_rip)
{
    struct frame f;
    cpu_frame_current(c, &f);
    if (!(c->cr0 & CR0_PE) || (c->eflags & F_VM)) {
        f.ss.flags = SEGF_P | SEGF_S | 0x3; /* real mode: only the limit counts */
        cpu_frame_push(c, &f, c->seg[S_CS].sel, opsize);
        cpu_frame_push(c, &f, next_rip, opsize);
        c->regs[R_SP] = f.sp;
        cpu_set_seg_real(c, S_CS, sel);
        c->rip = off & size_mask(opsize);
        return;
    }
    uint64_t d = far_desc(c, sel);
    if (!(d & DESC_S)) {
        far_system(c, sel, d, true, next_rip);
        return;
    }
    struct seg cs;
    direct_code(c, sel, d, &cs);
    check_rip(c, &cs, off);
    cpu_frame_push(c, &f, c->seg[S_CS].sel, opsize);
    cpu_frame_push(c, &f, next_rip, opsize);
    cpu_set_accessed(c, sel, d);
    c->regs[R_SP] = f.sp;
    commit_cs(c, &cs, c->cpl, off);
}

/* The SS:SP a return to an outer privilege (or a 64-bit IRET) loads:
 * checked here, committed by the caller. */
static void outer_ss(struct cpu *c, unsigned new_cpl, uint16_t ss_sel, bool to64,
                     struct seg *ss)
{
    if (to64 && (ss_sel & ~3u) == 0 && new_cpl < 3 && (ss_sel & 3) == new_cpl) {
        *ss = (struct seg){ .sel = ss_sel, .limit = 0xffffffff,
                            .flags = SEGF_P | SEGF_S | 0x3 | SEGF_DB | SEGF_G |
                                     (uint16_t)(new_cpl << SEGF_DPL_SHIFT) };
        return;
    }
    uint64_t d;
    if ((ss_sel & ~3u) == 0)
        cpu_gp0(c);
    if (!cpu_read_desc(c, ss_sel, &d))
        cpu_raise(c, EX_GP, ss_sel & 0xfffc);
    if ((ss_sel & 3) != new_cpl || desc_dpl(d) != new_cpl || !desc_is_data(d) ||
        !(d & DESC_RW))
        cpu_raise(c, EX_GP, ss_sel & 0xfffc);
    if (!(d & DESC_P))
        cpu_raise(c, EX_SS, ss_sel & 0xfffc);
    cpu_set_accessed(c, ss_sel, d);
    cpu_seg_from_desc(ss, ss_sel, d);
}

/* After a return to an outer privilege: data segments the new CPL may not
 * use become null (SDM Vol. 2 RET, IRET: "FOR each of segment register"). */
static void null_inner_data_segs(struct cpu *c, unsigned new_cpl)
{
    static const int data[] = { S_ES, S_DS, S_FS, S_GS };
    for (unsigned k = 0; k < 4; k++) {
        struct seg *s = &c->seg[data[k]];
        unsigned dpl = (s->flags >> SEGF_DPL_SHIFT) & 3;
        bool conf_code = (s->flags & (SEGF_S | 0xc)) == (SEGF_S | 0xc);
        if ((s->flags & SEGF_P) && !conf_code && dpl < new_cpl)
            *s = (struct seg){ .sel = 0, .flags = 0 };
    }
}

static void set_sp(struct cpu *c, const struct seg *ss, uint64_t sp, bool long64)
{
    if (long64 || (ss->flags & SEGF_DB))
        c->regs[R_SP] = long64 ? sp : sp & 0xffffffffULL;
    else
        c->regs[R_SP] = (c->regs[R_SP] & ~0xffffULL) | (sp & 0xffff);
}

static void load_return_cs(struct cpu *c, uint16_t sel, struct seg *cs, uint64_t *desc)
{
    uint64_t d;
    unsigned rpl = sel & 3;
    if ((sel & ~3u) == 0)
        cpu_gp0(c);
    if (!cpu_read_desc(c, sel, &d) || !desc_is_code(d) || rpl < c->cpl)
        cpu_raise(c, EX_GP, sel & 0xfffc);
    unsigned dpl = desc_dpl(d);
    if ((d & DESC_CONF) ? dpl > rpl : dpl != rpl)
        cpu_raise(c, EX_GP, sel & 0xfffc);
    if (!(d & DESC_P))
        cpu_raise(c, EX_NP, sel & 0xfffc);
    if ((c->efer & EFER_LMA) && (d & DESC_L) && (d & DESC_DB))
        cpu_raise(c, EX_GP, sel & 0xfffc);
    cpu_seg_from_desc(cs, sel, d);
    *desc = d;
}

void cpu_far_ret(struct cpu *c, unsigned opsize, uint16_t pop_extra)
{
    uint64_t ip = stk_peek(c, 0, opsize);
    uint16_t sel = (uint16_t)stk_peek(c, opsize, 2);
    if (!(c->cr0 & CR0_PE) || (c->eflags & F_VM)) {
        ip &= size_mask(opsize);
        if ((c->eflags & F_VM) && ip > 0xffff)
            cpu_gp0(c);
        stk_release(c, 2ULL * opsize + pop_extra);
        cpu_set_seg_real(c, S_CS, sel);
        c->rip = ip;
        return;
    }
    struct seg cs;
    uint64_t d;
    load_return_cs(c, sel, &cs, &d);
    unsigned rpl = sel & 3;
    if (opsize < 8)
        ip &= size_mask(opsize);
    check_rip(c, &cs, ip);
    if (rpl > c->cpl) {
        uint64_t at = 2ULL * opsize + pop_extra;
        uint64_t nsp = stk_peek(c, at, opsize);
        uint16_t nss = (uint16_t)stk_peek(c, at + opsize, 2);
        bool to64 = (c->efer & EFER_LMA) && (cs.flags & SEGF_L);
        struct seg ss;
        outer_ss(c, rpl, nss, to64, &ss);
        cpu_set_accessed(c, sel, d);
        c->seg[S_SS] = ss;
        set_sp(c, &ss, nsp + pop_extra, to64);
        commit_cs(c, &cs, rpl, ip);
        null_inner_data_segs(c, rpl);
    } else {
        cpu_set_accessed(c, sel, d);
        stk_release(c, 2ULL * opsize + pop_extra);
        commit_cs(c, &cs, c->cpl, ip);
    }
}

/* All EFLAGS bits an IRET or a task switch may load. */
#define EFL_ALL (F_ARITH | F_TF | F_IF | F_DF | F_IOPL | F_NT | F_RF | F_VM | F_AC | F_VIF | \
                 F_VIP | F_ID)

/* IRET executed in virtual-8086 mode (SDM IRET: "IF VM = 1"). */
static void iret_in_vm86(struct cpu *c, unsigned opsize)
{
    if (((c->eflags & F_IOPL) >> 12) < 3)
        cpu_gp0(c); /* no VME */
    uint64_t ip = stk_peek(c, 0, opsize);
    uint16_t sel = (uint16_t)stk_peek(c, opsize, 2);
    uint32_t fl = (uint32_t)stk_peek(c, 2ULL * opsize, opsize);
    if (ip > 0xffff)
        cpu_gp0(c);
    uint32_t mask = EFL_ALL & ~(F_VM | F_IOPL | F_VIP | F_VIF);
    if (opsize == 2)
        mask &= 0xffff;
    stk_release(c, 3ULL * opsize);
    cpu_set_eflags(c, fl, mask);
    cpu_set_seg_real(c, S_CS, sel);
    c->rip = ip;
}

/* IRET from CPL 0 to virtual-8086 mode (SDM IRET: RETURN-TO-VIRTUAL-8086-MODE). */
static void iret_to_vm86(struct cpu *c, uint32_t ip, uint16_t cs_sel, uint32_t fl)
{
    uint32_t v[6];
    for (unsigned k = 0; k < 6; k++)
        v[k] = (uint32_t)stk_peek(c, 12 + 4ULL * k, 4); /* ESP SS ES DS FS GS */
    if (ip > 0xffff)
        cpu_gp0(c);
    cpu_set_eflags(c, fl, EFL_ALL);
    c->regs[R_SP] = v[0];
    cpu_set_seg_real(c, S_ES, (uint16_t)v[2]);
    cpu_set_seg_real(c, S_DS, (uint16_t)v[3]);
    cpu_set_seg_real(c, S_FS, (uint16_t)v[4]);
    cpu_set_seg_real(c, S_GS, (uint16_t)v[5]);
    cpu_set_seg_real(c, S_SS, (uint16_t)v[1]);
    cpu_set_seg_real(c, S_CS, cs_sel);
    c->rip = ip;
    cpu_recompute_mode(c);
}

static void iret_real(struct cpu *c, unsigned opsize)
{
    uint64_t ip = stk_peek(c, 0, opsize);
    uint16_t sel = (uint16_t)stk_peek(c, opsize, 2);
    uint32_t fl = (uint32_t)stk_peek(c, 2ULL * opsize, opsize);
    ip &= size_mask(opsize);
    stk_release(c, 3ULL * opsize);
    cpu_set_seg_real(c, S_CS, sel);
    c->rip = ip;
    uint32_t mask = F_ARITH | F_TF | F_IF | F_DF | F_NT | F_IOPL;
    if (opsize == 4)
        mask |= F_AC | F_ID | F_RF;
    cpu_set_eflags(c, fl, opsize == 2 ? (mask & 0xffff) : mask);
    cpu_recompute_mode(c);
}

static void iret_protected(struct cpu *c, unsigned opsize)
{
    bool long64 = c->mode & MODE_LONG64;
    uint64_t ip = stk_peek(c, 0, opsize);
    uint16_t sel = (uint16_t)stk_peek(c, opsize, 2);
    uint32_t fl = (uint32_t)stk_peek(c, 2ULL * opsize, opsize);
    if (opsize < 8)
        ip &= size_mask(opsize);
    if ((fl & F_VM) && c->cpl == 0 && opsize == 4 && !(c->efer & EFER_LMA)) {
        iret_to_vm86(c, (uint32_t)ip, sel, fl);
        return;
    }
    struct seg cs;
    uint64_t d;
    load_return_cs(c, sel, &cs, &d);
    unsigned rpl = sel & 3;
    uint32_t mask = F_ARITH | F_TF | F_DF | F_NT | F_RF | F_AC | F_ID;
    if (c->cpl == 0)
        mask |= F_IOPL | F_VIF | F_VIP;
    if (c->cpl <= ((c->eflags & F_IOPL) >> 12))
        mask |= F_IF;
    if (opsize == 2)
        mask &= 0xffff;
    check_rip(c, &cs, ip);
    unsigned old_cpl = c->cpl;
    if (rpl > old_cpl || long64) {
        uint64_t nsp = stk_peek(c, 3ULL * opsize, opsize);
        uint16_t nss = (uint16_t)stk_peek(c, 4ULL * opsize, 2);
        bool to64 = (c->efer & EFER_LMA) && (cs.flags & SEGF_L);
        struct seg ss;
        outer_ss(c, rpl, nss, to64, &ss);
        cpu_set_accessed(c, sel, d);
        cpu_set_eflags(c, fl, mask);
        c->seg[S_SS] = ss;
        set_sp(c, &ss, nsp, to64);
        commit_cs(c, &cs, rpl, ip);
        if (rpl > old_cpl)
            null_inner_data_segs(c, rpl);
    } else {
        cpu_set_accessed(c, sel, d);
        cpu_set_eflags(c, fl, mask);
        stk_release(c, 3ULL * opsize);
        commit_cs(c, &cs, rpl, ip);
    }
}

void cpu_iret(struct cpu *c, unsigned opsize)
{
    if (!(c->cr0 & CR0_PE)) {
        iret_real(c, opsize);
    } else if (c->eflags & F_VM) {
        iret_in_vm86(c, opsize);
    } else if (c->eflags & F_NT) {
        if (c->efer & EFER_LMA)
            cpu_gp0(c); /* no task switches in IA-32e mode */
        /* The old task resumes after this IRET: decode it for its length. */
        struct insn tmp;
        uint64_t lin = (c->seg[S_CS].base + c->rip) & 0xffffffffULL;
        unsigned len = cpu_decode(c, lin, &tmp);
        cpu_task_return(c, (c->rip + len) & ((c->mode & MODE_CS32) ? 0xffffffffULL : 0xffffULL));
    } else {
        iret_protected(c, opsize);
    }
    c->nmi_blocked = false; /* every IRET ends NMI blocking (SDM Vol. 3A 6.7.1) */
}

/* ---- interrupts from virtual-8086 mode (SDM Vol. 2 INT n:
 * INTERRUPT-FROM-VIRTUAL-8086-MODE; Vol. 3A 20.3.1.1) ---- */

void cpu_vm86_interrupt(struct cpu *c, uint16_t sel, struct seg *cs, uint32_t off, unsigned sz,
                        bool has_err, uint32_t err, uint64_t ret, bool trap, bool ext)
{
    /* The handler must be non-conforming ring-0 code. */
    if ((cs->flags & 0xc) == 0xc || ((cs->flags >> SEGF_DPL_SHIFT) & 3) != 0)
        cpu_raise(c, EX_GP, (sel & 0xfffc) | ext);
    uint16_t nss;
    uint32_t nsp;
    cpu_tss_stack(c, 0, &nss, &nsp, ext);
    struct frame f = { .sp = nsp, .sys = true, .err = (nss & 0xfffc) | ext };
    cpu_fetch_stack_seg(c, nss, 0, &f.ss, ext);
    f.mask = (f.ss.flags & SEGF_DB) ? 0xffffffffULL : 0xffffULL;
    f.sp &= f.mask;
    if (off > cs->limit)
        cpu_raise(c, EX_GP, ext);
    uint32_t fl = cpu_get_eflags(c);
    static const int segs[] = { S_GS, S_FS, S_DS, S_ES };
    for (unsigned k = 0; k < 4; k++)
        cpu_frame_push(c, &f, c->seg[segs[k]].sel, sz);
    cpu_frame_push(c, &f, c->seg[S_SS].sel, sz);
    cpu_frame_push(c, &f, c->regs[R_SP], sz);
    cpu_frame_push(c, &f, fl, sz);
    cpu_frame_push(c, &f, c->seg[S_CS].sel, sz);
    cpu_frame_push(c, &f, ret, sz);
    if (has_err)
        cpu_frame_push(c, &f, err, sz);
    c->eflags &= ~(F_VM | F_TF | F_RF | F_NT);
    if (!trap)
        c->eflags &= ~F_IF;
    for (unsigned k = 0; k < 4; k++)
        c->seg[segs[k]] = (struct seg){ .sel = 0, .flags = 0 };
    c->seg[S_SS] = f.ss;
    c->regs[R_SP] = f.sp;
    commit_cs(c, cs, 0, sz == 2 ? off & 0xffff : off);
}
