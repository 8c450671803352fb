/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fpu_fxsave.c: the 0F AE group: FXSAVE, FXRSTOR, LDMXCSR, STMXCSR,
 * CLFLUSH, LFENCE, MFENCE, SFENCE.
 *
 * Intel SDM Vol. 2 pages of those instructions; the FXSAVE image is
 * "FXSAVE—Save x87 FPU, MMX Technology, and SSE State", tables 3-53 (32-bit
 * and 64-bit without REX.W: FIP/FDP as 32-bit offsets plus FCS/FDS) and
 * 3-56 (REX.W: 64-bit FIP/FDP).  Only the defined part is written: 160
 * bytes of x87/MXCSR state and the XMM registers (8 outside 64-bit mode, 16
 * in it); bytes 464-511 belong to software (Linux keeps its XSAVE magic
 * there).  MXCSR and the XMM registers are saved and restored whatever
 * CR4.OSFXSR says (the SDM leaves that implementation dependent).
 *
 * MXCSR_MASK is 0xFFFF: DAZ (bit 6) is supported, as on every x86-64
 * processor; sse.c must honour it.  Setting a bit outside the mask (bits
 * 16-31) raises #GP in LDMXCSR and FXRSTOR.  XSAVE, XRSTOR and XSAVEOPT
 * (/4 /5 /6) are not advertised and raise #UD, as do the FSGSBASE and
 * PTWRITE register forms.  The fences are no-ops: all vCPUs run in one
 * thread and memory accesses happen in program order.  CLFLUSH only checks
 * that its address could be read (caches are not modelled).
 *
 * Threat model: the 512-byte image is read completely (and MXCSR checked)
 * before any state changes; stores are probed for faults first. */
#include "cpu/soft/fpu.h"

#define MXCSR_MASK 0xffffu
#define FX_XMM 160

static unsigned fx_size(const struct cpu *c)
{
    return FX_XMM + ((c->mode & MODE_LONG64) ? 16 : 8) * 16;
}

/* #NM with EM or TS; segment checks for the whole 512-byte operand; #GP
 * for an image not on a 16-byte boundary. */
static uint64_t fx_check(struct cpu *c, const struct insn *i, bool write)
{
    if (c->cr0 & (CR0_EM | CR0_TS))
        cpu_raise(c, EX_NM, 0);
    uint64_t ea = insn_ea(c, i);
    if (cpu_lin(c, i->seg, ea, 512, write) & 15)
        cpu_gp0(c);
    return ea;
}

static void op_fxsave(struct cpu *c, const struct insn *i)
{
    uint64_t ea = fx_check(c, i, true);
    uint8_t b[FX_XMM + 16 * 16];
    unsigned n = fx_size(c);
    memset(b, 0, sizeof(b));
    st16(b, c->fcw);
    st16(b + 2, fpu_fsw(c));
    for (unsigned p = 0; p < 8; p++)
        if (fpu_tag(c, p) != TAG_EMPTY)
            b[4] |= (uint8_t)(1u << p); /* abridged tag: 1 = in use */
    st16(b + 6, c->fop & 0x7ff);
    if (i->rex & 8) {
        st64(b + 8, c->fip);
        st64(b + 16, c->fdp);
    } else {
        st32(b + 8, (uint32_t)c->fip);
        st16(b + 12, c->fcs);
        st32(b + 16, (uint32_t)c->fdp);
        st16(b + 20, c->fds);
    }
    st32(b + 24, c->mxcsr);
    st32(b + 28, MXCSR_MASK);
    for (unsigned k = 0; k < 8; k++) {
        struct f80 v = fpu_get(c, k);
        memcpy(b + 32 + 16 * k, &v.m, 8);
        memcpy(b + 40 + 16 * k, &v.se, 2);
    }
    memcpy(b + FX_XMM, c->xmm, n - FX_XMM);
    fpu_write_buf(c, i, ea, b, n);
    next(c, i);
}

static void op_fxrstor(struct cpu *c, const struct insn *i)
{
    uint64_t ea = fx_check(c, i, false);
    uint8_t b[FX_XMM + 16 * 16];
    unsigned n = fx_size(c);
    fpu_read_buf(c, i, ea, b, n);
    uint32_t mxcsr = ld32(b + 24);
    if (mxcsr & ~MXCSR_MASK)
        cpu_gp0(c);
    uint16_t sw = ld16(b + 2);
    c->fcw = (uint16_t)((ld16(b) & FCW_WRITABLE) | FCW_ONES);
    c->fsw = sw & ~FSW_TOP;
    c->ftop = (sw >> 11) & 7;
    c->fop = ld16(b + 6) & 0x7ff;
    if (i->rex & 8) {
        c->fip = ld64(b + 8);
        c->fdp = ld64(b + 16);
        c->fcs = c->fds = 0;
    } else {
        c->fip = ld32(b + 8);
        c->fcs = ld16(b + 12);
        c->fdp = ld32(b + 16);
        c->fds = ld16(b + 20);
    }
    for (unsigned k = 0; k < 8; k++) {
        struct f80 v;
        memcpy(&v.m, b + 32 + 16 * k, 8);
        memcpy(&v.se, b + 40 + 16 * k, 2);
        fpu_set(c, k, v);
    }
    /* The abridged tag says which registers are in use; their full tags
     * come from the contents. */
    for (unsigned p = 0; p < 8; p++)
        if (!(b[4] & (1u << p)))
            fpu_set_empty(c, p);
    c->mxcsr = mxcsr;
    memcpy(c->xmm, b + FX_XMM, n - FX_XMM);
    fpu_update_es(c);
    next(c, i);
}

/* LDMXCSR/STMXCSR: #UD unless SSE is enabled (CR4.OSFXSR, CR0.EM clear),
 * then #NM with TS. */
static void mxcsr_check(struct cpu *c)
{
    if ((c->cr0 & CR0_EM) || !(c->cr4 & CR4_OSFXSR))
        cpu_ud(c);
    if (c->cr0 & CR0_TS)
        cpu_raise(c, EX_NM, 0);
}

static void op_ldmxcsr(struct cpu *c, const struct insn *i)
{
    mxcsr_check(c);
    uint32_t v = cpu_rd32(c, i->seg, insn_ea(c, i));
    if (v & ~MXCSR_MASK)
        cpu_gp0(c);
    c->mxcsr = v;
    next(c, i);
}

static void op_stmxcsr(struct cpu *c, const struct insn *i)
{
    mxcsr_check(c);
    cpu_wr32(c, i->seg, insn_ea(c, i), c->mxcsr);
    next(c, i);
}

/* CLFLUSH m8: faults like a byte read (segment, page), touches nothing. */
static void op_clflush(struct cpu *c, const struct insn *i)
{
    uint64_t lin = cpu_lin(c, i->seg, insn_ea(c, i), 1, false);
    if (c->cr0 & CR0_PG)
        cpu_translate(c, lin, ACC_R, c->cpl == 3);
    next(c, i);
}

#define E(f) { .fn = (f) }

const struct opdesc fpu_grp15_mem[8] = {
    E(op_fxsave), E(op_fxrstor), E(op_ldmxcsr), E(op_stmxcsr),
    {}, {}, {}, E(op_clflush),
};

const struct opdesc fpu_grp15_reg[8] = {
    [5] = E(op_nop), /* LFENCE */
    [6] = E(op_nop), /* MFENCE */
    [7] = E(op_nop), /* SFENCE */
};
