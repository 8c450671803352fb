/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seg.c: segment registers, descriptors, stacks and far control transfers.
 *
 * Intel SDM Vol. 3A chapter 3 (segment descriptors, selectors), 5.5-5.8
 * (privilege checks for data and stack segments, conforming and
 * non-conforming code, far JMP/CALL/RET), 6.14 (64-bit IRET) and the
 * instruction pages for MOV Sreg, POP Sreg, LDS/LES/LFS/LGS/LSS, JMP/CALL
 * far, RET far and IRET in Vol. 2.
 *
 * Emulated: real-mode and VM86 loads; protected-mode data, stack and code
 * segment loads with their type, privilege and presence checks; accessed
 * bits; far JMP/CALL/RET to code segments at the same privilege and RET/IRET
 * to an outer privilege; IRET in real, protected and 64-bit mode.
 * Not yet: call gates, task switches (JMP/CALL to a TSS or task gate, IRET
 * with NT, task-gate interrupts) and VM86 entry/exit through IRET and
 * interrupts; those raise #GP and log "unimplemented".
 *
 * Threat model: selectors and descriptors are guest data; every table access
 * is limit-checked and faults as the hardware does. */
#include "cpu/soft/seg.h"
#include "cpu/soft/soft.h"

#define DESC_P (1ULL << 47)

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

static void set_accessed(struct cpu *c, uint16_t sel, uint64_t d)
{
    if (d & (1ULL << 40))
        return;
    uint64_t base = (sel & 4) ? c->seg[S_LDTR].base : c->gdt.base;
    cpu_wr_sys(c, base + (sel & ~7u) + 5, (uint8_t)((d >> 40) | 1), 1);
}

static unsigned desc_dpl(uint64_t d)
{
    return (d >> 45) & 3;
}

static bool desc_is_code(uint64_t d)
{
    return (d & (1ULL << 44)) && (d & (1ULL << 43));
}

static bool desc_is_data(uint64_t d)
{
    return (d & (1ULL << 44)) && !(d & (1ULL << 43));
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
        if (rpl != c->cpl || dpl != c->cpl || !desc_is_data(d) || !(d & (1ULL << 41)))
            cpu_raise(c, EX_GP, sel & 0xfffc);
        if (!(d & DESC_P))
            cpu_raise(c, EX_SS, sel & 0xfffc);
    } else {
        bool code = desc_is_code(d);
        if (!desc_is_data(d) && !(code && (d & (1ULL << 41))))
            cpu_raise(c, EX_GP, sel & 0xfffc);
        bool conforming_code = code && (d & (1ULL << 42));
        if (!conforming_code && (dpl < c->cpl || dpl < rpl))
            cpu_raise(c, EX_GP, sel & 0xfffc);
        if (!(d & DESC_P))
            cpu_raise(c, EX_NP, sel & 0xfffc);
    }
    set_accessed(c, sel, d);
    uint64_t keep_base = c->seg[seg].base;
    cpu_seg_from_desc(&c->seg[seg], sel, d);
    if ((c->mode & MODE_LONG64) && (seg == S_FS || seg == S_GS))
        c->seg[seg].base = (c->seg[seg].base & 0xffffffffULL); /* 32-bit base from descriptor */
    (void)keep_base;
    if (seg == S_SS)
        cpu_recompute_mode(c);
}

void cpu_fetch_code_seg(struct cpu *c, uint16_t sel, struct seg *out, bool ext)
{
    uint64_t d;
    uint32_t e = (sel & 0xfffc) | ext;
    if ((sel & ~3u) == 0 || !cpu_read_desc(c, sel, &d) || !desc_is_code(d))
        cpu_raise(c, EX_GP, e);
    if (desc_dpl(d) > c->cpl && !(d & (1ULL << 42)))
        cpu_raise(c, EX_GP, e);
    if (!(d & DESC_P))
        cpu_raise(c, EX_NP, e);
    set_accessed(c, sel, d);
    cpu_seg_from_desc(out, sel, d);
}

void cpu_fetch_stack_seg(struct cpu *c, uint16_t sel, unsigned dpl, struct seg *out, bool ext)
{
    uint64_t d;
    uint32_t e = (sel & 0xfffc) | ext;
    if ((sel & ~3u) == 0 || !cpu_read_desc(c, sel, &d))
        cpu_raise(c, EX_TS, e);
    if ((sel & 3) != dpl || desc_dpl(d) != dpl || !desc_is_data(d) || !(d & (1ULL << 41)))
        cpu_raise(c, EX_TS, e);
    if (!(d & DESC_P))
        cpu_raise(c, EX_SS, e);
    set_accessed(c, sel, d);
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

void cpu_task_gate_interrupt(struct cpu *c, uint16_t tss_sel, bool has_err, uint32_t err,
                             uint64_t ret)
{
    (void)has_err;
    (void)err;
    (void)ret;
    log_unimp(&c->m->log, "soft-cpu", "task gate interrupt (TSS 0x%x)", tss_sel);
    cpu_raise(c, EX_GP, tss_sel & 0xfffc);
}

void cpu_vm86_interrupt(struct cpu *c, uint16_t sel, struct seg *cs, uint32_t off, unsigned sz,
                        bool has_err, uint32_t err, uint64_t ret, bool trap)
{
    (void)cs;
    (void)off;
    (void)sz;
    (void)has_err;
    (void)err;
    (void)ret;
    (void)trap;
    log_unimp(&c->m->log, "soft-cpu", "interrupt from virtual-8086 mode");
    cpu_raise(c, EX_GP, sel & 0xfffc);
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
    else if (ss == 4)
        c->regs[R_SP] = sp; /* 32-bit stack: ESP zero-extends (outside 64-bit mode) */
    else
        c->regs[R_SP] = sp;
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

/* ---- far transfers ---- */

static void check_rip(struct cpu *c, const struct seg *cs, uint64_t off)
{
    if (c->efer & EFER_LMA && (cs->flags & SEGF_L)) {
        if ((uint64_t)(((int64_t)off << 16) >> 16) != off)
            cpu_gp0(c);
    } else if (off > cs->limit) {
        cpu_gp0(c);
    }
}

/* Load a code segment for JMP/CALL far (no gates). */
static void far_code(struct cpu *c, uint16_t sel, struct seg *cs)
{
    uint64_t d;
    if ((sel & ~3u) == 0)
        cpu_gp0(c);
    if (!cpu_read_desc(c, sel, &d))
        cpu_raise(c, EX_GP, sel & 0xfffc);
    if (!(d & (1ULL << 44))) {
        log_unimp(&c->m->log, "soft-cpu", "far transfer through a gate or TSS (type %u)",
                  (unsigned)((d >> 40) & 0xf));
        cpu_raise(c, EX_GP, sel & 0xfffc);
    }
    if (!desc_is_code(d))
        cpu_raise(c, EX_GP, sel & 0xfffc);
    unsigned dpl = desc_dpl(d), rpl = sel & 3;
    if (d & (1ULL << 42)) { /* conforming */
        if (dpl > c->cpl)
            cpu_raise(c, EX_GP, sel & 0xfffc);
    } else if (rpl > c->cpl || dpl != c->cpl) {
        cpu_raise(c, EX_GP, sel & 0xfffc);
    }
    if (!(d & DESC_P))
        cpu_raise(c, EX_NP, sel & 0xfffc);
    set_accessed(c, sel, d);
    cpu_seg_from_desc(cs, (uint16_t)((sel & 0xfffc) | c->cpl), d);
}

void cpu_far_jump(struct cpu *c, uint16_t sel, uint64_t off, unsigned opsize, uint64_t next_rip)
{
    (void)next_rip;
    if (!(c->cr0 & CR0_PE) || (c->eflags & F_VM)) {
        cpu_set_seg_real(c, S_CS, sel);
        c->rip = off & size_mask(opsize);
        return;
    }
    struct seg cs;
    far_code(c, sel, &cs);
    check_rip(c, &cs, off);
    c->seg[S_CS] = cs;
    c->rip = off;
    cpu_recompute_mode(c);
}

void cpu_far_call(struct cpu *c, uint16_t sel, uint64_t off, unsigned opsize, uint64_t next_rip)
{
    if (!(c->cr0 & CR0_PE) || (c->eflags & F_VM)) {
        cpu_push(c, c->seg[S_CS].sel, opsize);
        cpu_push(c, next_rip, opsize);
        cpu_set_seg_real(c, S_CS, sel);
        c->rip = off & size_mask(opsize);
        return;
    }
    struct seg cs;
    far_code(c, sel, &cs);
    check_rip(c, &cs, off);
    uint64_t sp = c->regs[R_SP];
    cpu_push(c, c->seg[S_CS].sel, opsize);
    c->regs[R_SP] = sp; /* both pushes must succeed before anything changes */
    cpu_push(c, c->seg[S_CS].sel, opsize);
    cpu_push(c, next_rip, opsize);
    c->seg[S_CS] = cs;
    c->rip = off;
    cpu_recompute_mode(c);
}

/* Return to an outer privilege level: check and load SS:SP popped off the
 * stack, and null data segments the new CPL may not use. */
static void return_outer(struct cpu *c, unsigned new_cpl, uint16_t ss_sel, uint64_t sp)
{
    if (!((c->mode & MODE_LONG64) && (ss_sel & ~3u) == 0 && new_cpl < 3)) {
        struct seg ss;
        uint64_t d;
        if ((ss_sel & ~3u) == 0 || !cpu_read_desc(c, ss_sel, &d))
            cpu_raise(c, EX_GP, ss_sel & 0xfffc);
        if ((ss_sel & 3) != new_cpl || desc_dpl(d) != new_cpl || !desc_is_data(d) ||
            !(d & (1ULL << 41)))
            cpu_raise(c, EX_GP, ss_sel & 0xfffc);
        if (!(d & DESC_P))
            cpu_raise(c, EX_SS, ss_sel & 0xfffc);
        set_accessed(c, ss_sel, d);
        cpu_seg_from_desc(&ss, ss_sel, d);
        c->seg[S_SS] = ss;
    } else {
        c->seg[S_SS] = (struct seg){ .sel = ss_sel, .limit = 0xffffffff,
                                     .flags = SEGF_P | SEGF_S | 0x3 | SEGF_DB |
                                              (uint16_t)(new_cpl << SEGF_DPL_SHIFT) };
    }
    c->regs[R_SP] = (c->seg[S_SS].flags & SEGF_DB) || (c->mode & MODE_LONG64)
                        ? sp
                        : ((c->regs[R_SP] & ~0xffffULL) | (sp & 0xffff));
    static const int data[] = { S_ES, S_DS, S_FS, S_GS };
    for (unsigned k = 0; k < 4; k++) {
        struct seg *s = &c->seg[data[k]];
        unsigned dpl = (s->flags >> SEGF_DPL_SHIFT) & 3;
        bool conf_code = (s->flags & 0xc) == 0xc;
        if ((s->flags & SEGF_P) && !conf_code && dpl < new_cpl)
            *s = (struct seg){ .sel = 0, .flags = 0 };
    }
}

static void load_return_cs(struct cpu *c, uint16_t sel, struct seg *cs)
{
    uint64_t d;
    unsigned rpl = sel & 3;
    if ((sel & ~3u) == 0)
        cpu_gp0(c);
    if (!cpu_read_desc(c, sel, &d) || !desc_is_code(d) || rpl < c->cpl)
        cpu_raise(c, EX_GP, sel & 0xfffc);
    unsigned dpl = desc_dpl(d);
    if ((d & (1ULL << 42)) ? dpl > rpl : dpl != rpl)
        cpu_raise(c, EX_GP, sel & 0xfffc);
    if (!(d & DESC_P))
        cpu_raise(c, EX_NP, sel & 0xfffc);
    set_accessed(c, sel, d);
    cpu_seg_from_desc(cs, sel, d);
}

void cpu_far_ret(struct cpu *c, unsigned opsize, uint16_t pop_extra)
{
    if (!(c->cr0 & CR0_PE) || (c->eflags & F_VM)) {
        uint64_t ip = cpu_pop(c, opsize);
        uint16_t sel = (uint16_t)cpu_pop(c, opsize);
        cpu_set_seg_real(c, S_CS, sel);
        c->rip = ip;
        c->regs[R_SP] += pop_extra; /* wraps per stack size below */
        return;
    }
    uint64_t sp0 = c->regs[R_SP];
    uint64_t ip = cpu_pop(c, opsize);
    uint16_t sel = (uint16_t)cpu_pop(c, opsize);
    struct seg cs;
    load_return_cs(c, sel, &cs);
    unsigned rpl = sel & 3;
    if (rpl > c->cpl) {
        c->regs[R_SP] += pop_extra;
        uint64_t nsp = cpu_pop(c, opsize);
        uint16_t nss = (uint16_t)cpu_pop(c, opsize);
        check_rip(c, &cs, ip);
        c->seg[S_CS] = cs;
        c->cpl = rpl;
        return_outer(c, rpl, nss, nsp + pop_extra);
    } else {
        check_rip(c, &cs, ip);
        c->seg[S_CS] = cs;
        c->regs[R_SP] += pop_extra;
    }
    (void)sp0;
    c->rip = ip;
    cpu_recompute_mode(c);
}

void cpu_iret(struct cpu *c, unsigned opsize)
{
    if (!(c->cr0 & CR0_PE)) {
        uint64_t ip = cpu_pop(c, opsize);
        uint16_t sel = (uint16_t)cpu_pop(c, opsize);
        uint32_t fl = (uint32_t)cpu_pop(c, opsize);
        cpu_set_seg_real(c, S_CS, sel);
        c->rip = ip & size_mask(opsize);
        uint32_t mask = F_ARITH | F_TF | F_IF | F_DF | F_NT | F_IOPL;
        if (opsize == 4)
            mask |= F_AC | F_ID | F_RF;
        cpu_set_eflags(c, fl, opsize == 2 ? (mask & 0xffff) : mask);
        cpu_recompute_mode(c);
        return;
    }
    if (c->eflags & F_VM) {
        log_unimp(&c->m->log, "soft-cpu", "IRET in virtual-8086 mode");
        cpu_gp0(c);
    }
    if ((c->eflags & F_NT) && !(c->efer & EFER_LMA)) {
        log_unimp(&c->m->log, "soft-cpu", "IRET with NT set (task return)");
        cpu_gp0(c);
    }
    uint64_t ip = cpu_pop(c, opsize);
    uint16_t sel = (uint16_t)cpu_pop(c, opsize);
    uint32_t fl = (uint32_t)cpu_pop(c, opsize);
    if ((fl & F_VM) && c->cpl == 0 && opsize == 4 && !(c->efer & EFER_LMA)) {
        log_unimp(&c->m->log, "soft-cpu", "IRET to virtual-8086 mode");
        cpu_gp0(c);
    }
    struct seg cs;
    load_return_cs(c, sel, &cs);
    unsigned rpl = sel & 3;
    bool long64 = c->mode & MODE_LONG64;
    uint32_t mask = F_ARITH | F_TF | F_DF | F_NT | F_RF | F_AC | F_ID;
    if (c->cpl == 0)
        mask |= F_IOPL | F_VIF | F_VIP;
    if (c->cpl <= ((c->eflags & F_IOPL) >> 12))
        mask |= F_IF;
    if (opsize == 2)
        mask &= 0xffff;
    if (rpl > c->cpl || long64) {
        uint64_t nsp = cpu_pop(c, opsize);
        uint16_t nss = (uint16_t)cpu_pop(c, opsize);
        check_rip(c, &cs, ip);
        cpu_set_eflags(c, fl, mask);
        c->seg[S_CS] = cs;
        if (rpl != c->cpl || long64) {
            c->cpl = rpl;
            return_outer(c, rpl, nss, nsp);
        }
    } else {
        check_rip(c, &cs, ip);
        cpu_set_eflags(c, fl, mask);
        c->seg[S_CS] = cs;
    }
    c->rip = ip;
    c->nmi_blocked = false;
    cpu_recompute_mode(c);
}
