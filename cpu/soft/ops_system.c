/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ops_system.c: the system instruction group.
 *
 * Intel SDM Vol. 2 instruction pages for: MOV to/from CR0/2/3/4/8, MOV
 * to/from DR0-7, LGDT LIDT SGDT SIDT, LLDT SLDT LTR STR, VERR VERW, LAR
 * LSL, SMSW LMSW, CLTS, INVLPG, INVD WBINVD, RDMSR WRMSR, RDPMC, RDTSCP,
 * SWAPGS, XGETBV XSETBV, SYSCALL SYSRET, SYSENTER SYSEXIT, UD0 UD1; and
 * Vol. 3A 17.3.1.4 for the single-step trap (cpu_step_traced: the run loop
 * calls it instead of running a block when EFLAGS.TF is set at the block's
 * start; TF only changes at block-ending instructions and event delivery).
 *
 * Emulated: the privilege (#GP(0) at CPL > 0, in VM86 too) and mode (#UD
 * in real/VM86 mode for the descriptor-table instructions) checks of each
 * page; 16/32/64-bit operand forms of the descriptor-table instructions
 * (the 16-bit LGDT/LIDT load a 24-bit base; SGDT/SIDT always store 32 bits
 * of base outside 64-bit mode); 16-byte system descriptors for LLDT/LTR in
 * IA-32e mode; LTR marks the TSS busy; the valid descriptor types of LAR
 * and LSL per mode (SDM tables 3-52/3-63); SYSCALL/SYSRET in 64-bit mode,
 * compatibility mode (CSTAR) and legacy mode (AMD semantics, with
 * EFER.SCE), with the fixed segment caches the SDM specifies; SYSENTER/
 * SYSEXIT in all protected modes, REX.W SYSEXIT to 64-bit mode; CR8 through
 * the local APIC (a plain register without one).
 * Not emulated (documented choices): debug registers are stored but
 * hardware breakpoints and DR7.GD are not armed; RDPMC reads 0 from the
 * architectural counter numbers (no PMU is advertised, CPUID leaf 0xA is
 * 0); MONITOR/MWAIT, VMX/SVM, SMAP (CLAC/STAC), PKU, UMIP and TSX forms are
 * #UD; XGETBV/XSETBV are #UD until CR4.OSXSAVE can be set (msr.c does not
 * allow it: XSAVE is not advertised).  MOV CR/DR ignore ModRM.mod like the
 * hardware, but the decoder still consumes the displacement bytes of a
 * mod != 3 encoding (assemblers never emit one).
 *
 * Threat model: all operands are guest data; descriptor and TSS reads are
 * limit-checked (seg.c); MSR numbers go through cpu_rdmsr/cpu_wrmsr, which
 * refuse unknown ones. */
#include "cpu/soft/ops.h"
#include "cpu/soft/seg.h"
#include "cpu/soft/soft.h"

#define DR6_BS (1u << 14)

static bool in_pmode(const struct cpu *c)
{
    return (c->mode & MODE_PE) && !(c->mode & MODE_VM86);
}

/* #GP(0) unless CPL 0 (real mode counts as CPL 0; VM86 as CPL 3). */
static void need_cpl0(struct cpu *c)
{
    if ((c->mode & MODE_PE) && c->cpl != 0)
        cpu_gp0(c);
}

/* #UD in real and virtual-8086 mode. */
static void need_pmode(struct cpu *c)
{
    if (!in_pmode(c))
        cpu_ud(c);
}

static void set_zf(struct cpu *c, bool zf)
{
    cpu_set_eflags(c, zf ? F_ZF : 0, F_ZF);
}

/* ---- MOV CR / MOV DR ---- */

/* The general register of MOV CR/DR: ModRM.rm extended by REX.B whatever
 * the mod field says. */
static unsigned crdr_gpr(const struct insn *i)
{
    return (i->rm & 7) | ((i->rex & 1u) << 3);
}

static unsigned crdr_size(const struct cpu *c)
{
    return (c->mode & MODE_LONG64) ? 8 : 4;
}

static uint64_t get_cr8(struct cpu *c)
{
    if (!c->intc)
        return c->cr8;
    machine_lock(c->m);
    uint8_t v = c->intc->ops->get_cr8(c->intc->apic);
    machine_unlock(c->m);
    return v & 15;
}

static void set_cr8(struct cpu *c, uint64_t v)
{
    if (c->intc) {
        machine_lock(c->m);
        c->intc->ops->set_cr8(c->intc->apic, (uint8_t)v);
        machine_unlock(c->m);
        /* A lower priority may unmask a waiting interrupt: re-check. */
        atomic_fetch_or(&c->irq_req, CPU_SIG_INTR);
    }
    c->cr8 = (uint8_t)v;
}

static bool valid_cr(unsigned n)
{
    return n == 0 || n == 2 || n == 3 || n == 4 || n == 8;
}

static void op_mov_from_cr(struct cpu *c, const struct insn *i)
{
    unsigned n = i->reg;
    if (!valid_cr(n))
        cpu_ud(c);
    need_cpl0(c);
    uint64_t v;
    switch (n) {
    case 0: v = c->cr0; break;
    case 2: v = c->cr2; break;
    case 3: v = c->cr3; break;
    case 4: v = c->cr4; break;
    default: v = get_cr8(c); break;
    }
    reg_write(c, crdr_gpr(i), crdr_size(c), true, v);
    next(c, i);
}

static void op_mov_to_cr(struct cpu *c, const struct insn *i)
{
    unsigned n = i->reg;
    if (!valid_cr(n))
        cpu_ud(c);
    need_cpl0(c);
    uint64_t v = reg_read(c, crdr_gpr(i), crdr_size(c), true);
    switch (n) {
    case 0: cpu_set_cr0(c, v); break;
    case 2: c->cr2 = v; break;
    case 3: cpu_set_cr3(c, v); break;
    case 4: cpu_set_cr4(c, v); break;
    default:
        if (v >> 4)
            cpu_gp0(c);
        set_cr8(c, v);
        break;
    }
    c->stop_block = true;
    next(c, i);
}

/* DR4/DR5 alias DR6/DR7 unless CR4.DE; DR8-15 do not exist. */
static unsigned dr_index(struct cpu *c, unsigned n)
{
    if (n > 7)
        cpu_ud(c);
    need_cpl0(c);
    if (n == 4 || n == 5) {
        if (c->cr4 & CR4_DE)
            cpu_ud(c);
        n += 2;
    }
    return n;
}

static void op_mov_from_dr(struct cpu *c, const struct insn *i)
{
    unsigned n = dr_index(c, i->reg);
    reg_write(c, crdr_gpr(i), crdr_size(c), true, c->dr[n]);
    next(c, i);
}

static void op_mov_to_dr(struct cpu *c, const struct insn *i)
{
    unsigned n = dr_index(c, i->reg);
    uint64_t v = reg_read(c, crdr_gpr(i), crdr_size(c), true);
    if (n >= 6 && (v >> 32))
        cpu_gp0(c);
    if (n == 6)
        v = (v & 0xe00f) | 0xffff0ff0ULL; /* reserved bits read as 1 (bit 12 as 0) */
    else if (n == 7)
        v = (v & ~0xd800ULL) | 0x400; /* bits 11, 12, 14, 15 are 0, bit 10 is 1 */
    c->dr[n] = v;
    next(c, i);
}

/* ---- descriptor tables (0F 01 /0-/3, 0F 00) ---- */

static void store_dtable(struct cpu *c, const struct insn *i, const struct x86_dtable *t)
{
    uint64_t ea = insn_ea(c, i);
    cpu_wr16(c, i->seg, ea, t->limit);
    if (c->mode & MODE_LONG64)
        cpu_wr64(c, i->seg, addr_mask(i->adsize, ea + 2), t->base);
    else
        cpu_wr32(c, i->seg, addr_mask(i->adsize, ea + 2), (uint32_t)t->base);
    next(c, i);
}

static void load_dtable(struct cpu *c, const struct insn *i, struct x86_dtable *t)
{
    need_cpl0(c);
    uint64_t ea = insn_ea(c, i);
    uint16_t limit = cpu_rd16(c, i->seg, ea);
    uint64_t base;
    if (c->mode & MODE_LONG64)
        base = cpu_rd64(c, i->seg, addr_mask(i->adsize, ea + 2));
    else
        base = cpu_rd32(c, i->seg, addr_mask(i->adsize, ea + 2));
    if (!(c->mode & MODE_LONG64) && i->opsize == 2)
        base &= 0xffffff; /* the 16-bit form loads a 24-bit base */
    t->limit = limit;
    t->base = base;
    next(c, i);
}

static void op_sgdt(struct cpu *c, const struct insn *i) { store_dtable(c, i, &c->gdt); }
static void op_sidt(struct cpu *c, const struct insn *i) { store_dtable(c, i, &c->idt); }
static void op_lgdt(struct cpu *c, const struct insn *i) { load_dtable(c, i, &c->gdt); }
static void op_lidt(struct cpu *c, const struct insn *i) { load_dtable(c, i, &c->idt); }

/* SLDT/STR: a register destination takes the operand size (zero-extended),
 * memory always 16 bits. */
static void store_sel(struct cpu *c, const struct insn *i, uint16_t sel)
{
    need_pmode(c);
    if (i->mod == 3)
        reg_write(c, i->rm, i->opsize, true, sel);
    else
        rm_write(c, i, 2, sel);
    next(c, i);
}

static void op_sldt(struct cpu *c, const struct insn *i) { store_sel(c, i, c->seg[S_LDTR].sel); }
static void op_str(struct cpu *c, const struct insn *i) { store_sel(c, i, c->seg[S_TR].sel); }

/* A GDT system descriptor for LLDT/LTR: 16 bytes in IA-32e mode. */
static void sys_desc(struct cpu *c, uint16_t sel, uint64_t *d, struct seg *s)
{
    if ((sel & 4) || !cpu_read_desc(c, sel, d))
        cpu_raise(c, EX_GP, sel & 0xfffc);
    cpu_seg_from_desc(s, sel, *d);
    if (c->efer & EFER_LMA) {
        uint64_t hi;
        if (!cpu_read_desc_hi(c, sel, &hi) || ((hi >> 40) & 0x1f))
            cpu_raise(c, EX_GP, sel & 0xfffc);
        s->base |= hi << 32;
        if (!is_canonical(s->base))
            cpu_raise(c, EX_GP, sel & 0xfffc);
    }
}

static void op_lldt(struct cpu *c, const struct insn *i)
{
    need_pmode(c);
    need_cpl0(c);
    uint16_t sel = (uint16_t)rm_read(c, i, 2);
    if ((sel & ~3u) == 0) {
        c->seg[S_LDTR] = (struct seg){ .sel = sel, .flags = 0 }; /* unusable */
        next(c, i);
        return;
    }
    uint64_t d;
    struct seg s;
    sys_desc(c, sel, &d, &s);
    if ((d & DESC_S) || desc_type(d) != SYS_LDT)
        cpu_raise(c, EX_GP, sel & 0xfffc);
    if (!(d & DESC_P))
        cpu_raise(c, EX_NP, sel & 0xfffc);
    c->seg[S_LDTR] = s;
    next(c, i);
}

static void op_ltr(struct cpu *c, const struct insn *i)
{
    need_pmode(c);
    need_cpl0(c);
    uint16_t sel = (uint16_t)rm_read(c, i, 2);
    if ((sel & ~3u) == 0)
        cpu_gp0(c);
    uint64_t d;
    struct seg s;
    sys_desc(c, sel, &d, &s);
    unsigned t = desc_type(d);
    bool ok = (c->efer & EFER_LMA) ? t == SYS_TSS32 : (t == SYS_TSS32 || t == SYS_TSS16);
    if ((d & DESC_S) || !ok)
        cpu_raise(c, EX_GP, sel & 0xfffc);
    if (!(d & DESC_P))
        cpu_raise(c, EX_NP, sel & 0xfffc);
    cpu_wr_sys(c, c->gdt.base + (sel & ~7u) + 5, (uint8_t)((d >> 40) | 2), 1); /* busy */
    s.flags |= 2;
    c->seg[S_TR] = s;
    next(c, i);
}

/* Visibility of a code/data descriptor at CPL and RPL (VERR/VERW/LAR/LSL):
 * conforming code is always visible. */
static bool visible(const struct cpu *c, uint16_t sel, uint64_t d)
{
    unsigned dpl = desc_dpl(d);
    if (desc_is_code(d) && (d & DESC_CONF))
        return true;
    return dpl >= c->cpl && dpl >= (sel & 3u);
}

static void op_verrw(struct cpu *c, const struct insn *i)
{
    need_pmode(c);
    uint16_t sel = (uint16_t)rm_read(c, i, 2);
    uint64_t d;
    bool ok = (sel & ~3u) && cpu_read_desc(c, sel, &d) && (d & DESC_S) && visible(c, sel, d);
    if (ok) {
        if (i->aux) /* VERW: writable data */
            ok = desc_is_data(d) && (d & DESC_RW);
        else        /* VERR: data, or readable code */
            ok = desc_is_data(d) || (d & DESC_RW);
    }
    set_zf(c, ok);
    next(c, i);
}

/* Valid system types for LAR (lar = true) and LSL (SDM tables 3-52, 3-63). */
static bool lar_lsl_type_ok(const struct cpu *c, unsigned t, bool lar)
{
    if (c->efer & EFER_LMA) {
        if (lar)
            return t == SYS_TSS32 || t == SYS_TSS32_BUSY || t == SYS_CALL32;
        return t == SYS_LDT || t == SYS_TSS32 || t == SYS_TSS32_BUSY;
    }
    switch (t) {
    case SYS_TSS16: case SYS_LDT: case SYS_TSS16_BUSY: case SYS_TSS32: case SYS_TSS32_BUSY:
        return true;
    case SYS_CALL16: case SYS_TASK: case SYS_CALL32:
        return lar;
    default:
        return false;
    }
}

/* The descriptor LAR/LSL reports on, or false (ZF = 0). */
static bool lar_lsl_desc(struct cpu *c, uint16_t sel, bool lar, uint64_t *d)
{
    if (!(sel & ~3u) || !cpu_read_desc(c, sel, d))
        return false;
    if (!(*d & DESC_S)) {
        if (!lar_lsl_type_ok(c, desc_type(*d), lar))
            return false;
        if (c->efer & EFER_LMA) {
            /* The upper half of a 16-byte descriptor must have type 0. */
            uint64_t hi;
            if (!cpu_read_desc_hi(c, sel, &hi) || ((hi >> 40) & 0x1f))
                return false;
        }
    }
    return visible(c, sel, *d);
}

static void op_lar(struct cpu *c, const struct insn *i)
{
    need_pmode(c);
    uint16_t sel = (uint16_t)rm_read(c, i, 2);
    uint64_t d;
    bool ok = lar_lsl_desc(c, sel, true, &d);
    if (ok) {
        uint32_t ar = (uint32_t)(d >> 32) & (i->opsize == 2 ? 0xff00u : 0x00f0ff00u);
        reg_write(c, i->reg, i->opsize, true, ar);
    }
    set_zf(c, ok);
    next(c, i);
}

static void op_lsl(struct cpu *c, const struct insn *i)
{
    need_pmode(c);
    uint16_t sel = (uint16_t)rm_read(c, i, 2);
    uint64_t d;
    bool ok = lar_lsl_desc(c, sel, false, &d);
    if (ok) {
        struct seg s;
        cpu_seg_from_desc(&s, sel, d);
        reg_write(c, i->reg, i->opsize, true, s.limit);
    }
    set_zf(c, ok);
    next(c, i);
}

/* ---- machine status word, TS, caches, TLB ---- */

static void op_smsw(struct cpu *c, const struct insn *i)
{
    if (i->mod == 3)
        reg_write(c, i->rm, i->opsize, true, c->cr0);
    else
        rm_write(c, i, 2, c->cr0 & 0xffff);
    next(c, i);
}

static void op_lmsw(struct cpu *c, const struct insn *i)
{
    need_cpl0(c);
    uint64_t src = rm_read(c, i, 2);
    /* Only PE, MP, EM and TS; PE can be set but not cleared. */
    uint64_t v = (c->cr0 & ~0xeULL) | (src & 0xe) | ((c->cr0 | src) & CR0_PE);
    cpu_set_cr0(c, v);
    next(c, i);
}

static void op_clts(struct cpu *c, const struct insn *i)
{
    need_cpl0(c);
    c->cr0 &= ~(uint64_t)CR0_TS;
    next(c, i);
}

static void op_invd(struct cpu *c, const struct insn *i)
{
    need_cpl0(c); /* no caches to write back or invalidate */
    next(c, i);
}

static void op_invlpg(struct cpu *c, const struct insn *i)
{
    need_cpl0(c);
    uint64_t lin = insn_ea(c, i);
    if (c->mode & MODE_LONG64) {
        if (i->seg == S_FS || i->seg == S_GS)
            lin += c->seg[i->seg].base;
        if (!is_canonical(lin)) { /* no operation */
            next(c, i);
            return;
        }
    } else {
        lin = (lin + c->seg[i->seg].base) & 0xffffffffULL;
    }
    /* The TLB holds 4 KiB pieces of large pages too: drop every entry of
     * the largest page that can contain lin (4 MiB without PAE, 2 MiB
     * with; 1 GiB pages are not advertised). */
    unsigned shift = (c->cr4 & CR4_PAE) ? 21 : 22;
    uint64_t region = lin >> shift;
    cpu_tlb_flush_page(c, lin);
    for (int u = 0; u < 2; u++)
        for (unsigned k = 0; k < TLB_SIZE; k++) {
            struct tlb_entry *e = &c->tlb[u][k];
            uint64_t tags[3] = { e->tag_r, e->tag_w, e->tag_x };
            for (unsigned t = 0; t < 3; t++)
                if (tags[t] != TLB_INVALID && (tags[t] >> shift) == region) {
                    e->tag_r = e->tag_w = e->tag_x = TLB_INVALID;
                    break;
                }
        }
    c->stop_block = true; /* the code of this block may be mapped elsewhere now */
    next(c, i);
}

/* ---- MSRs, counters ---- */

static void op_rdmsr(struct cpu *c, const struct insn *i)
{
    need_cpl0(c);
    uint64_t v;
    if (!cpu_rdmsr(c, (uint32_t)c->regs[R_CX], &v))
        cpu_gp0(c);
    c->regs[R_AX] = v & 0xffffffff;
    c->regs[R_DX] = v >> 32;
    next(c, i);
}

static void op_wrmsr(struct cpu *c, const struct insn *i)
{
    need_cpl0(c);
    uint64_t v = (c->regs[R_AX] & 0xffffffff) | (c->regs[R_DX] << 32);
    if (!cpu_wrmsr(c, (uint32_t)c->regs[R_CX], v))
        cpu_gp0(c);
    c->stop_block = true;
    next(c, i);
}

static void op_rdpmc(struct cpu *c, const struct insn *i)
{
    if ((c->mode & MODE_PE) && c->cpl != 0 && !(c->cr4 & CR4_PCE))
        cpu_gp0(c);
    uint32_t n = (uint32_t)c->regs[R_CX];
    bool gp = n < 4, fixed = n >= 0x40000000u && n < 0x40000003u;
    if (!gp && !fixed)
        cpu_gp0(c);
    c->regs[R_AX] = 0;
    c->regs[R_DX] = 0;
    next(c, i);
}

static void op_rdtscp(struct cpu *c, const struct insn *i)
{
    if ((c->cr4 & CR4_TSD) && c->cpl != 0 && (c->mode & MODE_PE))
        cpu_gp0(c);
    uint64_t t = cpu_rdtsc(c);
    c->regs[R_AX] = t & 0xffffffff;
    c->regs[R_DX] = t >> 32;
    c->regs[R_CX] = c->tsc_aux & 0xffffffff;
    next(c, i);
}

static void op_swapgs(struct cpu *c, const struct insn *i)
{
    if (!(c->mode & MODE_LONG64))
        cpu_ud(c);
    need_cpl0(c);
    uint64_t t = c->seg[S_GS].base;
    c->seg[S_GS].base = c->kernel_gs_base;
    c->kernel_gs_base = t;
    next(c, i);
}

/* XCR0: x87 and SSE state only (no AVX). */
static void op_xgetbv(struct cpu *c, const struct insn *i)
{
    if (!(c->cr4 & CR4_OSXSAVE))
        cpu_ud(c);
    if ((uint32_t)c->regs[R_CX] != 0)
        cpu_gp0(c);
    c->regs[R_AX] = c->xcr0 & 0xffffffff;
    c->regs[R_DX] = c->xcr0 >> 32;
    next(c, i);
}

static void op_xsetbv(struct cpu *c, const struct insn *i)
{
    if (!(c->cr4 & CR4_OSXSAVE))
        cpu_ud(c);
    need_cpl0(c);
    uint64_t v = (c->regs[R_AX] & 0xffffffff) | (c->regs[R_DX] << 32);
    if ((uint32_t)c->regs[R_CX] != 0 || !(v & 1) || (v & ~3ULL))
        cpu_gp0(c);
    c->xcr0 = v;
    next(c, i);
}

/* ---- fast system calls ---- */

/* The flat segment caches SYSCALL/SYSRET/SYSENTER/SYSEXIT load without
 * reading the GDT. */
static void flat_seg(struct cpu *c, int s, uint16_t sel, unsigned dpl, bool code, bool l64)
{
    uint16_t f = SEGF_P | SEGF_S | SEGF_G | (uint16_t)(dpl << SEGF_DPL_SHIFT);
    if (code)
        f |= 0xb | (l64 ? SEGF_L : SEGF_DB);
    else
        f |= 0x3 | SEGF_DB;
    c->seg[s] = (struct seg){ .sel = sel, .base = 0, .limit = 0xffffffff, .flags = f };
}

static void op_syscall(struct cpu *c, const struct insn *i)
{
    if (!(c->efer & EFER_SCE) || !in_pmode(c))
        cpu_ud(c);
    uint64_t next_rip = c->rip + i->len;
    uint16_t sel = (uint16_t)(c->star >> 32) & 0xfffc;
    uint32_t fl = cpu_get_eflags(c);
    if (c->efer & EFER_LMA) {
        c->regs[R_CX] = (c->mode & MODE_LONG64) ? next_rip : next_rip & 0xffffffff;
        c->regs[R_R11] = fl & ~F_RF;
        cpu_set_eflags(c, fl & ~(uint32_t)c->sfmask, 0xffffffff);
        c->eflags &= ~F_RF;
        flat_seg(c, S_CS, sel, 0, true, true);
        c->rip = (c->mode & MODE_LONG64) ? c->lstar : c->cstar;
    } else {
        /* Legacy mode (AMD): EIP from STAR[31:0]. */
        c->regs[R_CX] = next_rip & 0xffffffff;
        c->eflags &= ~(F_VM | F_IF | F_RF);
        flat_seg(c, S_CS, sel, 0, true, false);
        c->rip = c->star & 0xffffffff;
    }
    flat_seg(c, S_SS, (uint16_t)(sel + 8), 0, false, false);
    cpu_recompute_mode(c);
}

static void op_sysret(struct cpu *c, const struct insn *i)
{
    bool lma = c->efer & EFER_LMA;
    if (!(c->efer & EFER_SCE) || !in_pmode(c) || (lma && !(c->mode & MODE_LONG64)))
        cpu_ud(c);
    need_cpl0(c);
    uint16_t base = (uint16_t)(c->star >> 48);
    bool to64 = lma && (i->rex & 8);
    if (to64 && !is_canonical(c->regs[R_CX]))
        cpu_gp0(c);
    if (lma) {
        cpu_set_eflags(c, ((uint32_t)c->regs[R_R11] & 0x3c7fd7) | 2, 0xffffffff);
        c->rip = to64 ? c->regs[R_CX] : c->regs[R_CX] & 0xffffffff;
    } else {
        c->eflags |= F_IF; /* legacy mode (AMD) */
        c->rip = c->regs[R_CX] & 0xffffffff;
    }
    flat_seg(c, S_CS, (uint16_t)((to64 ? base + 16 : base) | 3), 3, true, to64);
    /* SS keeps its selector RPL but the cache is a flat DPL-3 stack. */
    flat_seg(c, S_SS, (uint16_t)((base + 8) | 3), 3, false, false);
    cpu_recompute_mode(c);
}

static void op_sysenter(struct cpu *c, const struct insn *i)
{
    (void)i;
    if (!(c->mode & MODE_PE) || !(c->sysenter_cs & 0xfffc))
        cpu_gp0(c);
    bool lma = c->efer & EFER_LMA;
    uint16_t sel = (uint16_t)c->sysenter_cs & 0xfffc;
    c->eflags &= ~(F_VM | F_IF | F_RF);
    flat_seg(c, S_CS, sel, 0, true, lma);
    flat_seg(c, S_SS, (uint16_t)(sel + 8), 0, false, false);
    c->regs[R_SP] = lma ? c->sysenter_esp : c->sysenter_esp & 0xffffffff;
    c->rip = lma ? c->sysenter_eip : c->sysenter_eip & 0xffffffff;
    cpu_recompute_mode(c);
}

static void op_sysexit(struct cpu *c, const struct insn *i)
{
    if (!in_pmode(c) || !(c->sysenter_cs & 0xfffc))
        cpu_gp0(c);
    need_cpl0(c);
    bool to64 = (c->mode & MODE_LONG64) && (i->rex & 8);
    uint16_t sel = (uint16_t)c->sysenter_cs;
    if (to64 && (!is_canonical(c->regs[R_DX]) || !is_canonical(c->regs[R_CX])))
        cpu_gp0(c);
    flat_seg(c, S_CS, (uint16_t)((sel + (to64 ? 32 : 16)) | 3), 3, true, to64);
    flat_seg(c, S_SS, (uint16_t)((sel + (to64 ? 40 : 24)) | 3), 3, false, false);
    c->regs[R_SP] = to64 ? c->regs[R_CX] : c->regs[R_CX] & 0xffffffff;
    c->rip = to64 ? c->regs[R_DX] : c->regs[R_DX] & 0xffffffff;
    cpu_recompute_mode(c);
}

/* ---- single step ---- */

/* Run one instruction with EFLAGS.TF set at its start and deliver the
 * single-step trap after it (SDM Vol. 3A 17.3.1.4).  No trap follows an
 * instruction that faulted (the fault unwinds past this), one that
 * delivered a software interrupt or SYSCALL with TF cleared (the handler
 * is not stepped), or MOV SS / POP SS (the trap waits for the next
 * instruction, as interrupts do). */
void cpu_step_traced(struct cpu *c, const struct insn *i)
{
    i->fn(c, i);
    if (i->map == 0) {
        bool intn = i->op == 0xcc || i->op == 0xcd || i->op == 0xce || i->op == 0xf1;
        if (intn && !(c->eflags & F_TF))
            return;
        if (i->op == 0x17 || (i->op == 0x8e && (i->reg & 7) == S_SS))
            return;
    } else if (i->map == 1 && i->op == 0x05 && !(c->eflags & F_TF)) {
        return;
    }
    c->dr[6] |= DR6_BS;
    c->delivering = true;
    c->delivering_vec = EX_DB;
    cpu_deliver(c, EX_DB, false, 0, false, c->rip);
    c->delivering = false;
}

/* ---- the table ---- */

#define E(f, fl, ...) { .fn = (f), .flags = (fl), __VA_ARGS__ }
#define BR OPF_END

static const struct opdesc grp6[8] = {
    E(op_sldt, 0), E(op_str, 0), E(op_lldt, 0), E(op_ltr, 0),
    E(op_verrw, 0, .aux = 0), E(op_verrw, 0, .aux = 1),
};

/* 0F 01 with a memory operand. */
static const struct opdesc grp7[8] = {
    E(op_sgdt, OPF_MEMONLY), E(op_sidt, OPF_MEMONLY), E(op_lgdt, OPF_MEMONLY),
    E(op_lidt, OPF_MEMONLY), E(op_smsw, 0), {0}, E(op_lmsw, BR), E(op_invlpg, OPF_MEMONLY | BR),
};

/* 0F 01 with mod = 3: by reg, then by rm. */
static const struct opdesc grp7_r2[8] = { E(op_xgetbv, 0), E(op_xsetbv, BR) };
static const struct opdesc grp7_r7[8] = { E(op_swapgs, 0), E(op_rdtscp, 0) };
static const struct opdesc grp7_reg[8] = {
    [2] = { .group = grp7_r2 },
    [4] = E(op_smsw, 0),
    [6] = E(op_lmsw, BR),
    [7] = { .group = grp7_r7 },
};

static const struct opdesc map1[256] = {
    [0x00] = E(NULL, OPF_GROUP, .group = grp6),
    [0x01] = E(NULL, OPF_GROUP | OPF_GROUPRM, .group = grp7, .group2 = grp7_reg),
    [0x02] = E(op_lar, OPF_MODRM),
    [0x03] = E(op_lsl, OPF_MODRM),
    [0x05] = E(op_syscall, BR),
    [0x06] = E(op_clts, 0),
    [0x07] = E(op_sysret, BR),
    [0x08] = E(op_invd, 0),
    [0x09] = E(op_invd, 0),
    [0x20] = E(op_mov_from_cr, OPF_FORCEREG),
    [0x21] = E(op_mov_from_dr, OPF_FORCEREG),
    [0x22] = E(op_mov_to_cr, OPF_FORCEREG | BR),
    [0x23] = E(op_mov_to_dr, OPF_FORCEREG),
    [0x30] = E(op_wrmsr, BR),
    [0x32] = E(op_rdmsr, 0),
    [0x33] = E(op_rdpmc, 0),
    [0x34] = E(op_sysenter, BR),
    [0x35] = E(op_sysexit, BR),
    [0xb9] = E(op_ud, OPF_MODRM | BR), /* UD1 */
    [0xff] = E(op_ud, OPF_MODRM | BR), /* UD0 */
};

const struct optable ops_system_table = {
    .name = "system",
    .map = { NULL, map1, NULL, NULL },
};
