/* SPDX-License-Identifier: GPL-2.0-or-later */
/* exc.c: exceptions and interrupts, reset state, mode bits.
 *
 * Intel SDM Vol. 3A chapter 6 "Interrupt and Exception Handling": vectors
 * and error codes (6.13), double-fault rules (table 6-5: benign /
 * contributory / page fault classes), delivery through the real-mode IVT,
 * protected-mode IDT interrupt and trap gates with a stack switch from the
 * TSS on a privilege change, 64-bit IDT gates with IST; and Vol. 3A 9.1
 * "Processor state after reset".  Task gates (task.c) and virtual-8086
 * delivery (seg.c) are handled through seg.h.
 *
 * Threat model: IDT/GDT contents come from the guest; every descriptor read
 * is limit-checked against its table and faults the way the hardware does;
 * a fault during double-fault delivery shuts the CPU down and resets the
 * machine (triple fault), never loops. */
#include <string.h>
#include "cpu/soft/soft.h"
#include "cpu/soft/seg.h"

static bool has_error_code(int vec)
{
    return vec == EX_DF || vec == EX_TS || vec == EX_NP || vec == EX_SS || vec == EX_GP ||
           vec == EX_PF || vec == EX_AC || vec == 21;
}

static bool contributory(int vec)
{
    return vec == EX_DE || (vec >= EX_TS && vec <= EX_GP);
}

void cpu_raise(struct cpu *c, int vec, uint32_t err)
{
    if (c->delivering) {
        int first = c->delivering_vec;
        if (first == EX_DF) {
            /* Triple fault: the CPU shuts down; the chipset resets. */
            machine_request(c->m, REQ_RESET, 0);
            c->halted = true;
            c->wait_sipi = true;
            c->exc_vec = -1;
            longjmp(c->jmp, 1);
        }
        if ((contributory(first) && contributory(vec)) ||
            (first == EX_PF && (contributory(vec) || vec == EX_PF))) {
            vec = EX_DF;
            err = 0;
        }
    }
    c->exc_vec = vec;
    c->exc_err = err;
    c->exc_has_err = has_error_code(vec);
    longjmp(c->jmp, 1);
}

void cpu_raise_pf(struct cpu *c, uint64_t addr, uint32_t err)
{
    c->cr2 = addr;
    cpu_raise(c, EX_PF, err);
}

void cpu_recompute_mode(struct cpu *c)
{
    uint32_t m = 0;
    bool pe = c->cr0 & CR0_PE;
    bool vm = pe && (c->eflags & F_VM);
    if (pe)
        m |= MODE_PE;
    if (vm)
        m |= MODE_VM86;
    if (c->efer & EFER_LMA)
        m |= MODE_LMA;
    if ((c->efer & EFER_LMA) && (c->seg[S_CS].flags & SEGF_L) && !vm)
        m |= MODE_LONG64;
    else if (pe && !vm && (c->seg[S_CS].flags & SEGF_DB))
        m |= MODE_CS32;
    /* SS.B sets the stack width outside 64-bit mode only; in 64-bit mode
     * it would split kernel code into two block sets (SS is a null
     * selector after an interrupt, a flat one elsewhere). */
    if (pe && !vm && (c->seg[S_SS].flags & SEGF_DB) && !(m & MODE_LONG64))
        m |= MODE_SS32;
    c->cpl = !pe ? 0 : vm ? 3 : (c->seg[S_CS].sel & 3);
    if (pe && !vm)
        c->cpl = (c->seg[S_CS].flags >> SEGF_DPL_SHIFT) & 3;
    if ((c->seg[S_CS].flags & SEGF_TYPE) >= 0xc && pe && !vm)
        c->cpl = c->seg[S_SS].flags >> SEGF_DPL_SHIFT & 3; /* conforming CS: CPL is SS.DPL */
    m |= c->cpl << MODE_CPL_SHIFT;
    if (c->cpl == 3)
        m |= MODE_CPL3;
    c->mode = m;
}

/* ---- delivery ---- */

static void push16_real(struct cpu *c, uint16_t v)
{
    uint16_t sp = (uint16_t)(c->regs[R_SP] - 2);
    cpu_wr16(c, S_SS, sp, v);
    c->regs[R_SP] = (c->regs[R_SP] & ~0xffffULL) | sp;
}

static void deliver_real(struct cpu *c, int vec, uint64_t ret)
{
    if ((uint32_t)vec * 4 + 3 > c->idt.limit)
        cpu_raise(c, EX_GP, (uint32_t)vec * 8 + 2);
    uint32_t ent = (uint32_t)cpu_rd_sys(c, c->idt.base + (uint64_t)vec * 4, 4);
    push16_real(c, (uint16_t)cpu_get_eflags(c));
    push16_real(c, c->seg[S_CS].sel);
    push16_real(c, (uint16_t)ret);
    c->eflags &= ~(F_IF | F_TF | F_AC | F_RF);
    cpu_set_seg_real(c, S_CS, (uint16_t)(ent >> 16));
    c->rip = ent & 0xffff;
}

/* Error code for a fault caused by descriptor `idx` of the IDT. */
static uint32_t idt_err(int vec, bool ext)
{
    return (uint32_t)vec * 8 + 2 + ext;
}

static void deliver_protected(struct cpu *c, int vec, bool has_err, uint32_t err, bool sw,
                              bool ext, uint64_t ret)
{
    if ((uint32_t)vec * 8 + 7 > c->idt.limit)
        cpu_raise(c, EX_GP, idt_err(vec, ext));
    uint64_t gate = cpu_rd_sys(c, c->idt.base + (uint64_t)vec * 8, 8);
    unsigned type = (gate >> 40) & 0x1f, dpl = (gate >> 45) & 3;
    if (type == 0x05) {
        if (sw && dpl < c->cpl)
            cpu_raise(c, EX_GP, idt_err(vec, ext));
        if (!(gate & (1ULL << 47)))
            cpu_raise(c, EX_NP, idt_err(vec, ext));
        cpu_task_gate_interrupt(c, (uint16_t)(gate >> 16), has_err, err, ret, ext);
        return;
    }
    if (type != 0x06 && type != 0x07 && type != 0x0e && type != 0x0f)
        cpu_raise(c, EX_GP, idt_err(vec, ext));
    if (sw && dpl < c->cpl)
        cpu_raise(c, EX_GP, idt_err(vec, ext));
    if (!(gate & (1ULL << 47)))
        cpu_raise(c, EX_NP, idt_err(vec, ext));
    bool gate32 = type & 8, trap = type & 1;
    uint16_t sel = (uint16_t)(gate >> 16);
    uint32_t off = (uint32_t)((gate & 0xffff) | ((gate >> 32) & 0xffff0000ULL));
    if (!gate32)
        off &= 0xffff;
    struct seg cs;
    cpu_fetch_code_seg(c, sel, &cs, ext); /* checks type/present; raises */
    unsigned new_dpl = (cs.flags >> SEGF_DPL_SHIFT) & 3;
    bool conforming = (cs.flags & 0xc) == 0xc;
    uint32_t old_flags = cpu_get_eflags(c);
    unsigned sz = gate32 ? 4 : 2;
    if (c->eflags & F_VM) {
        cpu_vm86_interrupt(c, sel, &cs, off, sz, has_err, err, ret, trap, ext);
        return;
    }
    if (!conforming && new_dpl < c->cpl) {
        /* Inner privilege: new stack from the TSS. */
        uint16_t old_ss = c->seg[S_SS].sel;
        uint32_t old_sp = (uint32_t)c->regs[R_SP];
        uint16_t nss;
        uint32_t nsp;
        cpu_tss_stack(c, new_dpl, &nss, &nsp, ext);
        struct seg ss;
        cpu_fetch_stack_seg(c, nss, new_dpl, &ss, ext);
        c->seg[S_SS] = ss;
        c->regs[R_SP] = (ss.flags & SEGF_DB) ? nsp : ((c->regs[R_SP] & ~0xffffULL) | (nsp & 0xffff));
        c->cpl = new_dpl; /* pushes below run at the new privilege */
        cpu_push(c, old_ss, sz);
        cpu_push(c, old_sp, sz);
    } else if (!conforming && new_dpl != c->cpl) {
        cpu_raise(c, EX_GP, sel & 0xfffc);
    }
    cpu_push(c, old_flags, sz);
    cpu_push(c, c->seg[S_CS].sel, sz);
    cpu_push(c, ret, sz);
    if (has_err)
        cpu_push(c, err, sz);
    cs.sel = (uint16_t)((sel & 0xfffc) | (conforming ? c->cpl : new_dpl));
    c->seg[S_CS] = cs;
    c->rip = off;
    c->eflags &= ~(F_TF | F_NT | F_RF | F_VM);
    if (!trap)
        c->eflags &= ~F_IF;
    cpu_recompute_mode(c);
}

static void deliver_long(struct cpu *c, int vec, bool has_err, uint32_t err, bool sw, bool ext,
                         uint64_t ret)
{
    if ((uint32_t)vec * 16 + 15 > c->idt.limit)
        cpu_raise(c, EX_GP, idt_err(vec, ext));
    uint64_t lo = cpu_rd_sys(c, c->idt.base + (uint64_t)vec * 16, 8);
    uint64_t hi = cpu_rd_sys(c, c->idt.base + (uint64_t)vec * 16 + 8, 8);
    unsigned type = (lo >> 40) & 0x1f, dpl = (lo >> 45) & 3, ist = (lo >> 32) & 7;
    if (type != 0x0e && type != 0x0f)
        cpu_raise(c, EX_GP, idt_err(vec, ext));
    if (sw && dpl < c->cpl)
        cpu_raise(c, EX_GP, idt_err(vec, ext));
    if (!(lo & (1ULL << 47)))
        cpu_raise(c, EX_NP, idt_err(vec, ext));
    uint16_t sel = (uint16_t)(lo >> 16);
    uint64_t off = (lo & 0xffff) | ((lo >> 32) & 0xffff0000ULL) | (hi << 32);
    struct seg cs;
    cpu_fetch_code_seg(c, sel, &cs, ext);
    if (!(cs.flags & SEGF_L) || (cs.flags & SEGF_DB))
        cpu_raise(c, EX_GP, sel & 0xfffc);
    unsigned new_dpl = (cs.flags >> SEGF_DPL_SHIFT) & 3;
    if ((cs.flags & 0xc) == 0xc)
        new_dpl = c->cpl;
    if (new_dpl > c->cpl)
        cpu_raise(c, EX_GP, sel & 0xfffc);
    uint64_t old_ss = c->seg[S_SS].sel, old_sp = c->regs[R_SP];
    uint32_t old_flags = cpu_get_eflags(c);
    uint64_t sp = c->regs[R_SP];
    if (ist)
        sp = cpu_tss64_read(c, 0x24 + (ist - 1) * 8, ext);
    else if (new_dpl < c->cpl)
        sp = cpu_tss64_read(c, 4 + new_dpl * 8, ext);
    sp &= ~15ULL;
    if (new_dpl < c->cpl) {
        /* SS becomes a null selector with RPL = new CPL. */
        c->seg[S_SS] = (struct seg){ .sel = (uint16_t)new_dpl, .base = 0, .limit = 0xffffffff,
                                     .flags = SEGF_P | SEGF_S | 0x3 | SEGF_DB | SEGF_G |
                                              (uint16_t)(new_dpl << SEGF_DPL_SHIFT) };
    }
    uint64_t frame[6];
    int n = 0;
    frame[n++] = old_ss;
    frame[n++] = old_sp;
    frame[n++] = old_flags;
    frame[n++] = c->seg[S_CS].sel;
    frame[n++] = ret;
    if (has_err)
        frame[n++] = err;
    for (int k = 0; k < n; k++) {
        sp -= 8;
        cpu_wr_sys(c, sp, frame[k], 8);
    }
    c->regs[R_SP] = sp;
    cs.sel = (uint16_t)((sel & 0xfffc) | new_dpl);
    c->seg[S_CS] = cs;
    c->rip = off;
    c->eflags &= ~(F_TF | F_NT | F_RF | F_VM);
    if (type == 0x0e)
        c->eflags &= ~F_IF;
    cpu_recompute_mode(c);
}

void cpu_deliver(struct cpu *c, int vec, bool has_err, uint32_t err, bool is_sw_int,
                 uint64_t ret)
{
    bool ext = !is_sw_int; /* SDM 6.13: EXT is set for everything but INT n/INT3/INTO */
    c->halted = false;
    if (!(c->cr0 & CR0_PE))
        deliver_real(c, vec, ret);
    else if (c->efer & EFER_LMA)
        deliver_long(c, vec, has_err, err, is_sw_int, ext, ret);
    else
        deliver_protected(c, vec, has_err, err, is_sw_int, ext, ret);
    c->stop_block = true;
}

/* ---- reset ---- */

static void seg_real(struct seg *s, uint16_t sel, uint64_t base, bool code)
{
    s->sel = sel;
    s->base = base;
    s->limit = 0xffff;
    s->flags = SEGF_P | SEGF_S | (code ? 0xb : 0x3);
}

void cpu_reset(struct cpu *c, bool init_only)
{
    memset(c->regs, 0, sizeof(c->regs));
    uint32_t sig[4];
    cpu_cpuid(c, 1, 0, sig);
    c->regs[R_DX] = sig[0]; /* family/model/stepping */
    c->rip = 0xfff0;
    c->eflags = 2;
    c->cc_op = CC_EFLAGS;
    c->cc_size = 4;
    c->cc_src = 0;
    c->cr0 = CR0_ET | CR0_NW | CR0_CD;
    c->cr2 = c->cr3 = c->cr4 = 0;
    c->efer = 0;
    c->xcr0 = 1;
    memset(c->dr, 0, sizeof(c->dr));
    c->dr[6] = 0xffff0ff0;
    c->dr[7] = 0x400;
    for (int s = 0; s < 6; s++)
        seg_real(&c->seg[s], 0, 0, false);
    seg_real(&c->seg[S_CS], 0xf000, 0xffff0000ULL, true);
    c->seg[S_LDTR] = (struct seg){ 0, 0, 0xffff, SEGF_P | 0x2 };
    c->seg[S_TR] = (struct seg){ 0, 0, 0xffff, SEGF_P | 0xb };
    c->gdt = (struct x86_dtable){ 0, 0xffff };
    c->idt = (struct x86_dtable){ 0, 0xffff };
    c->fcw = 0x40;
    c->fsw = 0;
    c->ftw = 0xffff;
    c->ftop = 0;
    c->mxcsr = 0x1f80;
    memset(c->xmm, 0, sizeof(c->xmm));
    c->halted = false;
    c->wait_sipi = false;
    c->intr_shadow = false;
    c->nmi_blocked = false;
    c->delivering = false;
    c->last_if = false;
    if (!init_only) {
        c->apic_base = 0xfee00000ULL | (1u << 11) | (c->index == 0 ? 1u << 8 : 0);
        c->pat = 0x0007040600070406ULL;
        c->misc_enable = 1; /* fast strings */
        c->tsc_offset = 0;
        c->star = c->lstar = c->cstar = c->sfmask = c->kernel_gs_base = 0;
        c->sysenter_cs = c->sysenter_esp = c->sysenter_eip = 0;
        atomic_store(&c->irq_req, 0);
    } else if (c->intc) {
        c->intc->ops->init_reset(c->intc->apic);
    }
    cpu_recompute_mode(c);
    cpu_tlb_flush(c, true);
}

static void seg_from_boot(struct seg *s, const struct x86_seg *b)
{
    s->sel = b->sel;
    s->base = b->base;
    s->limit = b->limit;
    s->flags = (uint16_t)(b->type | b->s << 4 | b->dpl << 5 | b->present << 7 | b->avl << 12 |
                          b->l << 13 | b->db << 14 | b->g << 15);
    if (b->unusable)
        s->flags &= ~SEGF_P;
}

void cpu_apply_boot(struct cpu *c, const struct x86_boot_state *bs)
{
    uint64_t r[8] = { bs->rax, bs->rcx, bs->rdx, bs->rbx, bs->rsp, bs->rbp, bs->rsi, bs->rdi };
    memset(c->regs, 0, sizeof(c->regs));
    memcpy(c->regs, r, sizeof(r));
    c->rip = bs->rip;
    cpu_set_eflags(c, (uint32_t)bs->rflags, 0xffffffff);
    seg_from_boot(&c->seg[S_CS], &bs->cs);
    seg_from_boot(&c->seg[S_DS], &bs->ds);
    seg_from_boot(&c->seg[S_ES], &bs->es);
    seg_from_boot(&c->seg[S_FS], &bs->fs);
    seg_from_boot(&c->seg[S_GS], &bs->gs);
    seg_from_boot(&c->seg[S_SS], &bs->ss);
    seg_from_boot(&c->seg[S_TR], &bs->tr);
    seg_from_boot(&c->seg[S_LDTR], &bs->ldt);
    c->gdt = bs->gdt;
    c->idt = bs->idt;
    c->cr0 = bs->cr0;
    c->cr3 = bs->cr3;
    c->cr4 = bs->cr4;
    c->efer = bs->efer;
    cpu_recompute_mode(c);
    cpu_tlb_flush(c, true);
}
