/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sse.c: the MMX / SSE / SSE2 / SSE3 / SSSE3 instruction group: the opcode
 * tables, the availability checks, 128-bit memory access and the data
 * movement instructions.  Packed integer operations live in sse_int.c,
 * floating point in sse_fp.c.
 *
 * Intel SDM Vol. 2 instruction pages (MOVAPS ... PALIGNR), Vol. 1 chapters
 * 9-12 (MMX state and the x87 aliasing, MXCSR, SIMD exceptions), Vol. 3A
 * 13.1 (CR0.EM/TS/MP, CR4.OSFXSR/OSXMMEXCPT).
 *
 * Emulated: every MMX, SSE, SSE2, SSE3 and SSSE3 instruction except the ones
 * other groups own (0F 18 prefetches and 0F 0D in the integer group;
 * LDMXCSR/STMXCSR, FXSAVE/FXRSTOR, the fences and CLFLUSH (0F AE) and
 * FISTTP in the x87 group; PAUSE in the integer group) and MONITOR/MWAIT
 * (not advertised).  Non-temporal hints (MOVNT*, MASKMOV*) are plain
 * stores; there is no cache to bypass.
 *
 * Threat model: every operand comes from the guest; register numbers are
 * 4-bit decoder fields (MMX ones masked to 3 bits), shuffle and insert
 * indices are masked to the element count, shift counts are compared
 * before use, and memory goes through cpu_rd/cpu_wr (segment and paging
 * checks). */
#include "cpu/soft/sse.h"

/* ---- availability ---- */

void sse_unavailable(struct cpu *c)
{
    if ((c->cr0 & CR0_EM) || !(c->cr4 & CR4_OSFXSR))
        cpu_ud(c);
    cpu_raise(c, EX_NM, 0);
}

void mmx_unavailable(struct cpu *c)
{
    if (c->cr0 & CR0_EM)
        cpu_ud(c);
    if (c->cr0 & CR0_TS)
        cpu_raise(c, EX_NM, 0);
    /* A pending unmasked x87 exception is reported before the MMX
     * instruction runs.  With CR0.NE clear the legacy FERR# path is the x87
     * group's business; the instruction proceeds. */
    if ((c->fsw & FSW_ES) && (c->cr0 & CR0_NE))
        cpu_raise(c, EX_MF, 0);
}

/* ---- 128-bit memory ---- */

static uint64_t lin_add(const struct cpu *c, uint64_t lin, uint64_t k)
{
    return (c->mode & MODE_LONG64) ? lin + k : (lin + k) & 0xffffffffULL;
}

/* Segment-check a 16-byte (or n-byte) access and return its linear
 * address; in 64-bit mode the last byte must be canonical too. */
static uint64_t lin_range(struct cpu *c, int seg, uint64_t off, unsigned n, bool write,
                          bool align)
{
    uint64_t lin = cpu_lin(c, seg, off, n, write);
    if (align && (lin & (n - 1)))
        cpu_gp0(c);
    if (c->mode & MODE_LONG64) {
        uint64_t end = lin + n - 1;
        if (!is_canonical(end))
            cpu_raise(c, seg == S_SS ? EX_SS : EX_GP, 0);
    }
    return lin;
}

/* Before a multi-part write that crosses a page, fault on either page
 * before any byte is stored (CR2: the first byte on the faulting page). */
static void probe_write(struct cpu *c, uint64_t lin, unsigned n)
{
    if ((lin & 0xfff) + n > 4096) {
        cpu_translate(c, lin, ACC_W, c->cpl == 3);
        cpu_translate(c, lin_add(c, lin, n - 1) & ~0xfffULL, ACC_W, c->cpl == 3);
    }
}

void sse_rd128(struct cpu *c, int seg, uint64_t off, xmm_t *v, bool align)
{
    uint64_t lin = lin_range(c, seg, off, 16, false, align);
    uint64_t lo = cpu_rd(c, S_NONE, lin, 8);
    uint64_t hi = cpu_rd(c, S_NONE, lin_add(c, lin, 8), 8);
    v->q[0] = lo;
    v->q[1] = hi;
}

void sse_wr128(struct cpu *c, int seg, uint64_t off, const xmm_t *v, bool align)
{
    uint64_t lin = lin_range(c, seg, off, 16, true, align);
    probe_write(c, lin, 16);
    cpu_wr(c, S_NONE, lin, v->q[0], 8);
    cpu_wr(c, S_NONE, lin_add(c, lin, 8), v->q[1], 8);
}

/* ---- 128-bit moves ---- */

/* MOVUPS/MOVUPD/MOVDQU/LDDQU load (aux 0) and MOVAPS/MOVAPD/MOVDQA (aux 1) */
static void op_mov128(struct cpu *c, const struct insn *i)
{
    xmm_t v;
    sse_enter(c);
    xmm_src(c, i, &v, i->aux);
    c->xmm[i->reg] = v;
    next(c, i);
}

/* The stores, and MOVNTPS/MOVNTPD/MOVNTDQ (aligned, memory only). */
static void op_mov128_st(struct cpu *c, const struct insn *i)
{
    sse_enter(c);
    if (i->mod == 3)
        c->xmm[i->rm] = c->xmm[i->reg];
    else
        sse_wr128(c, i->seg, insn_ea(c, i), &c->xmm[i->reg], i->aux);
    next(c, i);
}

/* MOVSS (aux 4) / MOVSD (aux 8) load: register form merges the low
 * element, memory form zeroes the rest. */
static void op_movs(struct cpu *c, const struct insn *i)
{
    xmm_t *d = &c->xmm[i->reg];
    sse_enter(c);
    if (i->aux == 4) {
        if (i->mod == 3) {
            d->d[0] = c->xmm[i->rm].d[0];
        } else {
            uint32_t v = cpu_rd32(c, i->seg, insn_ea(c, i));
            d->q[1] = 0;
            d->q[0] = v;
        }
    } else {
        if (i->mod == 3) {
            d->q[0] = c->xmm[i->rm].q[0];
        } else {
            d->q[0] = cpu_rd64(c, i->seg, insn_ea(c, i));
            d->q[1] = 0;
        }
    }
    next(c, i);
}

static void op_movs_st(struct cpu *c, const struct insn *i)
{
    const xmm_t *s = &c->xmm[i->reg];
    sse_enter(c);
    if (i->aux == 4) {
        if (i->mod == 3)
            c->xmm[i->rm].d[0] = s->d[0];
        else
            cpu_wr32(c, i->seg, insn_ea(c, i), s->d[0]);
    } else {
        if (i->mod == 3)
            c->xmm[i->rm].q[0] = s->q[0];
        else
            cpu_wr64(c, i->seg, insn_ea(c, i), s->q[0]);
    }
    next(c, i);
}

/* 0F 12: MOVLPS/MOVLPD xmm, m64, or MOVHLPS xmm, xmm (register form) */
static void op_movlps(struct cpu *c, const struct insn *i)
{
    sse_enter(c);
    uint64_t v = i->mod == 3 ? c->xmm[i->rm].q[1] : cpu_rd64(c, i->seg, insn_ea(c, i));
    c->xmm[i->reg].q[0] = v;
    next(c, i);
}

/* 0F 16: MOVHPS/MOVHPD xmm, m64, or MOVLHPS xmm, xmm */
static void op_movhps(struct cpu *c, const struct insn *i)
{
    sse_enter(c);
    uint64_t v = i->mod == 3 ? c->xmm[i->rm].q[0] : cpu_rd64(c, i->seg, insn_ea(c, i));
    c->xmm[i->reg].q[1] = v;
    next(c, i);
}

/* 0F 13 / 0F 17 (memory only): store the low (aux 0) or high (aux 1) half. */
static void op_movlhps_st(struct cpu *c, const struct insn *i)
{
    sse_enter(c);
    cpu_wr64(c, i->seg, insn_ea(c, i), c->xmm[i->reg].q[i->aux]);
    next(c, i);
}

/* MOVSLDUP (aux 0) / MOVSHDUP (aux 1) */
static void op_movsdup(struct cpu *c, const struct insn *i)
{
    xmm_t s;
    sse_enter(c);
    xmm_src(c, i, &s, true);
    xmm_t *d = &c->xmm[i->reg];
    d->d[0] = d->d[1] = s.d[i->aux];
    d->d[2] = d->d[3] = s.d[2 + i->aux];
    next(c, i);
}

static void op_movddup(struct cpu *c, const struct insn *i)
{
    sse_enter(c);
    uint64_t v = xmm_src64(c, i);
    c->xmm[i->reg].q[0] = c->xmm[i->reg].q[1] = v;
    next(c, i);
}

/* MOVMSKPS (aux 4) / MOVMSKPD (aux 8): sign bits into a GPR. */
static void op_movmsk(struct cpu *c, const struct insn *i)
{
    sse_enter(c);
    const xmm_t *s = &c->xmm[i->rm];
    uint32_t m;
    if (i->aux == 4)
        m = (s->d[0] >> 31) | (s->d[1] >> 31) << 1 | (s->d[2] >> 31) << 2 | (s->d[3] >> 31) << 3;
    else
        m = (uint32_t)((s->q[0] >> 63) | (s->q[1] >> 63) << 1);
    reg_write(c, i->reg, sse_gpr_size(i), 0, m);
    next(c, i);
}

/* ---- MOVD / MOVQ ---- */

/* 0F 6E: MOVD/MOVQ mm, r/m32/64 */
static void op_movd_mm(struct cpu *c, const struct insn *i)
{
    mmx_enter(c);
    uint64_t v = rm_read(c, i, sse_gpr_size(i));
    mmx_set(c, i->reg, v);
    next(c, i);
}

/* 0F 7E: MOVD/MOVQ r/m32/64, mm */
static void op_movd_mm_st(struct cpu *c, const struct insn *i)
{
    mmx_enter(c);
    rm_write(c, i, sse_gpr_size(i), mmx_get(c, i->reg));
    mmx_transition(c);
    next(c, i);
}

/* 0F 6F: MOVQ mm, mm/m64 */
static void op_movq_mm(struct cpu *c, const struct insn *i)
{
    mmx_enter(c);
    uint64_t v = mmx_src(c, i);
    mmx_set(c, i->reg, v);
    next(c, i);
}

/* 0F 7F: MOVQ mm/m64, mm; 0F E7 MOVNTQ m64, mm (memory only) */
static void op_movq_mm_st(struct cpu *c, const struct insn *i)
{
    mmx_enter(c);
    uint64_t v = mmx_get(c, i->reg);
    if (i->mod == 3)
        mmx_set(c, i->rm, v);
    else
        cpu_wr64(c, i->seg, insn_ea(c, i), v);
    mmx_transition(c);
    next(c, i);
}

/* 66 0F 6E: MOVD/MOVQ xmm, r/m32/64 (zero-extended) */
static void op_movd_xmm(struct cpu *c, const struct insn *i)
{
    sse_enter(c);
    uint64_t v = rm_read(c, i, sse_gpr_size(i));
    c->xmm[i->reg].q[0] = v;
    c->xmm[i->reg].q[1] = 0;
    next(c, i);
}

/* 66 0F 7E: MOVD/MOVQ r/m32/64, xmm */
static void op_movd_xmm_st(struct cpu *c, const struct insn *i)
{
    sse_enter(c);
    rm_write(c, i, sse_gpr_size(i), c->xmm[i->reg].q[0]);
    next(c, i);
}

/* F3 0F 7E: MOVQ xmm, xmm/m64 (zero-extended) */
static void op_movq_xmm(struct cpu *c, const struct insn *i)
{
    sse_enter(c);
    uint64_t v = xmm_src64(c, i);
    c->xmm[i->reg].q[0] = v;
    c->xmm[i->reg].q[1] = 0;
    next(c, i);
}

/* 66 0F D6: MOVQ xmm/m64, xmm (the register form zero-extends) */
static void op_movq_xmm_st(struct cpu *c, const struct insn *i)
{
    sse_enter(c);
    uint64_t v = c->xmm[i->reg].q[0];
    if (i->mod == 3) {
        c->xmm[i->rm].q[0] = v;
        c->xmm[i->rm].q[1] = 0;
    } else {
        cpu_wr64(c, i->seg, insn_ea(c, i), v);
    }
    next(c, i);
}

/* F3 0F D6: MOVQ2DQ xmm, mm */
static void op_movq2dq(struct cpu *c, const struct insn *i)
{
    sse_enter(c);
    mmx_enter(c);
    c->xmm[i->reg].q[0] = mmx_get(c, i->rm);
    c->xmm[i->reg].q[1] = 0;
    mmx_transition(c);
    next(c, i);
}

/* F2 0F D6: MOVDQ2Q mm, xmm */
static void op_movdq2q(struct cpu *c, const struct insn *i)
{
    sse_enter(c);
    mmx_enter(c);
    mmx_set(c, i->reg, c->xmm[i->rm].q[0]);
    next(c, i);
}

/* 0F C3: MOVNTI m32/64, r32/64 */
static void op_movnti(struct cpu *c, const struct insn *i)
{
    unsigned sz = sse_gpr_size(i);
    cpu_wr(c, i->seg, insn_ea(c, i), reg_read(c, i->reg, sz, 0), sz);
    next(c, i);
}

/* MASKMOVQ / MASKMOVDQU: store the bytes of `data` whose mask byte has
 * its top bit set to DS:rDI (segment override allowed). */
static void maskmov(struct cpu *c, const struct insn *i, const xmm_t *data, const xmm_t *mask,
                    unsigned n)
{
    uint32_t sel = 0;
    for (unsigned k = 0; k < n; k++)
        sel |= (uint32_t)(mask->b[k] >> 7) << k;
    /* With an all-zero mask nothing is accessed (faults on such an access
     * are implementation dependent; this implementation raises none). */
    if (!sel)
        return;
    uint64_t off = addr_mask(i->adsize, c->regs[R_DI]);
    uint64_t lin = lin_range(c, i->seg, off, n, true, false);
    probe_write(c, lin, n);
    for (unsigned k = 0; k < n; k++)
        if (sel & (1u << k))
            cpu_wr(c, S_NONE, lin_add(c, lin, k), data->b[k], 1);
}

static void op_maskmovq(struct cpu *c, const struct insn *i)
{
    xmm_t d, m;
    mmx_enter(c);
    d.q[0] = mmx_get(c, i->reg);
    m.q[0] = mmx_get(c, i->rm);
    maskmov(c, i, &d, &m, 8);
    mmx_transition(c);
    next(c, i);
}

static void op_maskmovdqu(struct cpu *c, const struct insn *i)
{
    sse_enter(c);
    maskmov(c, i, &c->xmm[i->reg], &c->xmm[i->rm], 16);
    next(c, i);
}

/* 0F 77: EMMS: all x87 tags empty. */
static void op_emms(struct cpu *c, const struct insn *i)
{
    mmx_enter(c);
    c->ftw = 0xffff;
    c->ftop = 0; /* every MMX instruction, EMMS included, sets TOP to 0 */
    next(c, i);
}

/* ---- PMOVMSKB / PEXTRW / PINSRW ---- */

static uint32_t byte_signs(const xmm_t *s, unsigned n)
{
    uint32_t m = 0;
    for (unsigned k = 0; k < n; k++)
        m |= (uint32_t)(s->b[k] >> 7) << k;
    return m;
}

static void op_pmovmskb_mm(struct cpu *c, const struct insn *i)
{
    xmm_t s;
    mmx_enter(c);
    s.q[0] = mmx_get(c, i->rm);
    reg_write(c, i->reg, sse_gpr_size(i), 0, byte_signs(&s, 8));
    mmx_transition(c);
    next(c, i);
}

static void op_pmovmskb_xmm(struct cpu *c, const struct insn *i)
{
    sse_enter(c);
    reg_write(c, i->reg, sse_gpr_size(i), 0, byte_signs(&c->xmm[i->rm], 16));
    next(c, i);
}

static void op_pextrw_mm(struct cpu *c, const struct insn *i)
{
    mmx_enter(c);
    uint64_t v = mmx_get(c, i->rm);
    reg_write(c, i->reg, sse_gpr_size(i), 0, (v >> ((i->imm & 3) * 16)) & 0xffff);
    mmx_transition(c);
    next(c, i);
}

static void op_pextrw_xmm(struct cpu *c, const struct insn *i)
{
    sse_enter(c);
    reg_write(c, i->reg, sse_gpr_size(i), 0, c->xmm[i->rm].w[i->imm & 7]);
    next(c, i);
}

/* PINSRW's source: the low word of r32, or m16. */
static uint16_t pinsrw_src(struct cpu *c, const struct insn *i)
{
    if (i->mod == 3)
        return (uint16_t)c->regs[i->rm];
    return cpu_rd16(c, i->seg, insn_ea(c, i));
}

static void op_pinsrw_mm(struct cpu *c, const struct insn *i)
{
    mmx_enter(c);
    uint16_t w = pinsrw_src(c, i);
    unsigned sh = (i->imm & 3) * 16;
    uint64_t v = mmx_get(c, i->reg);
    v = (v & ~(0xffffULL << sh)) | ((uint64_t)w << sh);
    mmx_set(c, i->reg, v);
    next(c, i);
}

static void op_pinsrw_xmm(struct cpu *c, const struct insn *i)
{
    sse_enter(c);
    uint16_t w = pinsrw_src(c, i);
    c->xmm[i->reg].w[i->imm & 7] = w;
    next(c, i);
}

/* ---- the tables ---- */

#define E(f, fl, ...) { .fn = (f), .flags = (fl), __VA_ARGS__ }
#define X0 { 0 }
#define M OPF_MODRM
#define MI (OPF_MODRM | OPF_IMM8U)
#define MEM (OPF_MODRM | OPF_MEMONLY)
#define REG (OPF_MODRM | OPF_REGONLY)
/* One opcode with its four mandatory-prefix forms: none, 66, F3, F2. */
#define SSE(a, b, c3, d) \
    E(NULL, OPF_SSE, .sse = (const struct opdesc[4]){ a, b, c3, d })
/* The common shapes: MMX/XMM integer op; PS/PD/SS/SD FP op. */
#define PI(n) SSE(E(mmx_##n, M), E(sse_##n, M), X0, X0)
#define PX(n) SSE(X0, E(sse_##n, M), X0, X0)
#define FP4(n) SSE(E(sse_##n##ps, M), E(sse_##n##pd, M), E(sse_##n##ss, M), E(sse_##n##sd, M))
#define FP2(f) SSE(E(f, M), E(f, M), X0, X0)

static const struct opdesc grp71_mm[8] = {
    [2] = E(mmx_psrlw_i, REG | OPF_IMM8U), [4] = E(mmx_psraw_i, REG | OPF_IMM8U),
    [6] = E(mmx_psllw_i, REG | OPF_IMM8U),
};
static const struct opdesc grp71_xmm[8] = {
    [2] = E(sse_psrlw_i, REG | OPF_IMM8U), [4] = E(sse_psraw_i, REG | OPF_IMM8U),
    [6] = E(sse_psllw_i, REG | OPF_IMM8U),
};
static const struct opdesc grp72_mm[8] = {
    [2] = E(mmx_psrld_i, REG | OPF_IMM8U), [4] = E(mmx_psrad_i, REG | OPF_IMM8U),
    [6] = E(mmx_pslld_i, REG | OPF_IMM8U),
};
static const struct opdesc grp72_xmm[8] = {
    [2] = E(sse_psrld_i, REG | OPF_IMM8U), [4] = E(sse_psrad_i, REG | OPF_IMM8U),
    [6] = E(sse_pslld_i, REG | OPF_IMM8U),
};
static const struct opdesc grp73_mm[8] = {
    [2] = E(mmx_psrlq_i, REG | OPF_IMM8U), [6] = E(mmx_psllq_i, REG | OPF_IMM8U),
};
static const struct opdesc grp73_xmm[8] = {
    [2] = E(sse_psrlq_i, REG | OPF_IMM8U), [3] = E(sse_psrldq_i, REG | OPF_IMM8U),
    [6] = E(sse_psllq_i, REG | OPF_IMM8U), [7] = E(sse_pslldq_i, REG | OPF_IMM8U),
};

static const struct opdesc map1[256] = {
    [0x10] = SSE(E(op_mov128, M), E(op_mov128, M), E(op_movs, M, .aux = 4),
                 E(op_movs, M, .aux = 8)),
    [0x11] = SSE(E(op_mov128_st, M), E(op_mov128_st, M), E(op_movs_st, M, .aux = 4),
                 E(op_movs_st, M, .aux = 8)),
    [0x12] = SSE(E(op_movlps, M), E(op_movlps, MEM), E(op_movsdup, M, .aux = 0),
                 E(op_movddup, M)),
    [0x13] = SSE(E(op_movlhps_st, MEM), E(op_movlhps_st, MEM), X0, X0),
    /* UNPCKL/HPS and UNPCKL/HPD move the same bits as PUNPCKL/HDQ and
     * PUNPCKL/HQDQ; the logic ops are PAND/PANDN/POR/PXOR. */
    [0x14] = SSE(E(sse_punpckldq, M), E(sse_punpcklqdq, M), X0, X0),
    [0x15] = SSE(E(sse_punpckhdq, M), E(sse_punpckhqdq, M), X0, X0),
    [0x16] = SSE(E(op_movhps, M), E(op_movhps, MEM), E(op_movsdup, M, .aux = 1), X0),
    [0x17] = SSE(E(op_movlhps_st, MEM, .aux = 1), E(op_movlhps_st, MEM, .aux = 1), X0, X0),
    [0x28] = SSE(E(op_mov128, M, .aux = 1), E(op_mov128, M, .aux = 1), X0, X0),
    [0x29] = SSE(E(op_mov128_st, M, .aux = 1), E(op_mov128_st, M, .aux = 1), X0, X0),
    [0x2a] = SSE(E(sse_cvtpi2ps, M), E(sse_cvtpi2pd, M), E(sse_cvtsi2ss, M), E(sse_cvtsi2sd, M)),
    [0x2b] = SSE(E(op_mov128_st, MEM, .aux = 1), E(op_mov128_st, MEM, .aux = 1), X0, X0),
    [0x2c] = SSE(E(sse_cvtps2pi, M, .aux = 1), E(sse_cvtpd2pi, M, .aux = 1),
                 E(sse_cvtss2si, M, .aux = 1), E(sse_cvtsd2si, M, .aux = 1)),
    [0x2d] = SSE(E(sse_cvtps2pi, M), E(sse_cvtpd2pi, M), E(sse_cvtss2si, M), E(sse_cvtsd2si, M)),
    [0x2e] = SSE(E(sse_comiss, M), E(sse_comisd, M), X0, X0),
    [0x2f] = SSE(E(sse_comiss, M, .aux = 1), E(sse_comisd, M, .aux = 1), X0, X0),
    [0x50] = SSE(E(op_movmsk, REG, .aux = 4), E(op_movmsk, REG, .aux = 8), X0, X0),
    [0x51] = FP4(sqrt),
    [0x52] = SSE(E(sse_rsqrtps, M), X0, E(sse_rsqrtss, M), X0),
    [0x53] = SSE(E(sse_rcpps, M), X0, E(sse_rcpss, M), X0),
    [0x54] = FP2(sse_pand),
    [0x55] = FP2(sse_pandn),
    [0x56] = FP2(sse_por),
    [0x57] = FP2(sse_pxor),
    [0x58] = FP4(add),
    [0x59] = FP4(mul),
    [0x5a] = SSE(E(sse_cvtps2pd, M), E(sse_cvtpd2ps, M), E(sse_cvtss2sd, M), E(sse_cvtsd2ss, M)),
    [0x5b] = SSE(E(sse_cvtdq2ps, M), E(sse_cvtps2dq, M), E(sse_cvtps2dq, M, .aux = 1), X0),
    [0x5c] = FP4(sub),
    [0x5d] = FP4(min),
    [0x5e] = FP4(div),
    [0x5f] = FP4(max),
    [0x60] = PI(punpcklbw),
    [0x61] = PI(punpcklwd),
    [0x62] = PI(punpckldq),
    [0x63] = PI(packsswb),
    [0x64] = PI(pcmpgtb),
    [0x65] = PI(pcmpgtw),
    [0x66] = PI(pcmpgtd),
    [0x67] = PI(packuswb),
    [0x68] = PI(punpckhbw),
    [0x69] = PI(punpckhwd),
    [0x6a] = PI(punpckhdq),
    [0x6b] = PI(packssdw),
    [0x6c] = PX(punpcklqdq),
    [0x6d] = PX(punpckhqdq),
    [0x6e] = SSE(E(op_movd_mm, M), E(op_movd_xmm, M), X0, X0),
    [0x6f] = SSE(E(op_movq_mm, M), E(op_mov128, M, .aux = 1), E(op_mov128, M), X0),
    [0x70] = SSE(E(sse_pshufw, MI), E(sse_pshufd, MI), E(sse_pshufhw, MI), E(sse_pshuflw, MI)),
    [0x71] = SSE(E(NULL, OPF_GROUP, .group = grp71_mm), E(NULL, OPF_GROUP, .group = grp71_xmm),
                 X0, X0),
    [0x72] = SSE(E(NULL, OPF_GROUP, .group = grp72_mm), E(NULL, OPF_GROUP, .group = grp72_xmm),
                 X0, X0),
    [0x73] = SSE(E(NULL, OPF_GROUP, .group = grp73_mm), E(NULL, OPF_GROUP, .group = grp73_xmm),
                 X0, X0),
    [0x74] = PI(pcmpeqb),
    [0x75] = PI(pcmpeqw),
    [0x76] = PI(pcmpeqd),
    [0x77] = SSE(E(op_emms, 0), X0, X0, X0),
    [0x7c] = SSE(X0, E(sse_haddpd, M), X0, E(sse_haddps, M)),
    [0x7d] = SSE(X0, E(sse_hsubpd, M), X0, E(sse_hsubps, M)),
    [0x7e] = SSE(E(op_movd_mm_st, M), E(op_movd_xmm_st, M), E(op_movq_xmm, M), X0),
    [0x7f] = SSE(E(op_movq_mm_st, M), E(op_mov128_st, M, .aux = 1), E(op_mov128_st, M), X0),
    [0xc2] = SSE(E(sse_cmpps, MI), E(sse_cmppd, MI), E(sse_cmpss, MI), E(sse_cmpsd, MI)),
    [0xc3] = SSE(E(op_movnti, MEM), X0, X0, X0),
    [0xc4] = SSE(E(op_pinsrw_mm, MI), E(op_pinsrw_xmm, MI), X0, X0),
    [0xc5] = SSE(E(op_pextrw_mm, REG | OPF_IMM8U), E(op_pextrw_xmm, REG | OPF_IMM8U), X0, X0),
    [0xc6] = SSE(E(sse_shufps, MI), E(sse_shufpd, MI), X0, X0),
    [0xd0] = SSE(X0, E(sse_addsubpd, M), X0, E(sse_addsubps, M)),
    [0xd1] = PI(psrlw),
    [0xd2] = PI(psrld),
    [0xd3] = PI(psrlq),
    [0xd4] = PI(paddq),
    [0xd5] = PI(pmullw),
    [0xd6] = SSE(X0, E(op_movq_xmm_st, M), E(op_movq2dq, REG), E(op_movdq2q, REG)),
    [0xd7] = SSE(E(op_pmovmskb_mm, REG), E(op_pmovmskb_xmm, REG), X0, X0),
    [0xd8] = PI(psubusb),
    [0xd9] = PI(psubusw),
    [0xda] = PI(pminub),
    [0xdb] = PI(pand),
    [0xdc] = PI(paddusb),
    [0xdd] = PI(paddusw),
    [0xde] = PI(pmaxub),
    [0xdf] = PI(pandn),
    [0xe0] = PI(pavgb),
    [0xe1] = PI(psraw),
    [0xe2] = PI(psrad),
    [0xe3] = PI(pavgw),
    [0xe4] = PI(pmulhuw),
    [0xe5] = PI(pmulhw),
    [0xe6] = SSE(X0, E(sse_cvtpd2dq, M, .aux = 1), E(sse_cvtdq2pd, M), E(sse_cvtpd2dq, M)),
    [0xe7] = SSE(E(op_movq_mm_st, MEM), E(op_mov128_st, MEM, .aux = 1), X0, X0),
    [0xe8] = PI(psubsb),
    [0xe9] = PI(psubsw),
    [0xea] = PI(pminsw),
    [0xeb] = PI(por),
    [0xec] = PI(paddsb),
    [0xed] = PI(paddsw),
    [0xee] = PI(pmaxsw),
    [0xef] = PI(pxor),
    [0xf0] = SSE(X0, X0, X0, E(op_mov128, MEM)),
    [0xf1] = PI(psllw),
    [0xf2] = PI(pslld),
    [0xf3] = PI(psllq),
    [0xf4] = PI(pmuludq),
    [0xf5] = PI(pmaddwd),
    [0xf6] = PI(psadbw),
    [0xf7] = SSE(E(op_maskmovq, REG), E(op_maskmovdqu, REG), X0, X0),
    [0xf8] = PI(psubb),
    [0xf9] = PI(psubw),
    [0xfa] = PI(psubd),
    [0xfb] = PI(psubq),
    [0xfc] = PI(paddb),
    [0xfd] = PI(paddw),
    [0xfe] = PI(paddd),
};

/* 0F 38: SSSE3 */
static const struct opdesc map2[256] = {
    [0x00] = PI(pshufb),
    [0x01] = PI(phaddw),
    [0x02] = PI(phaddd),
    [0x03] = PI(phaddsw),
    [0x04] = PI(pmaddubsw),
    [0x05] = PI(phsubw),
    [0x06] = PI(phsubd),
    [0x07] = PI(phsubsw),
    [0x08] = PI(psignb),
    [0x09] = PI(psignw),
    [0x0a] = PI(psignd),
    [0x0b] = PI(pmulhrsw),
    [0x1c] = PI(pabsb),
    [0x1d] = PI(pabsw),
    [0x1e] = PI(pabsd),
};

/* 0F 3A: SSSE3 PALIGNR */
static const struct opdesc map3[256] = {
    [0x0f] = SSE(E(mmx_palignr, MI), E(sse_palignr, MI), X0, X0),
};

const struct optable ops_sse_table = {
    .name = "sse",
    .map = { NULL, map1, map2, map3 },
};
