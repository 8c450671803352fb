/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sse.h: shared helpers of the MMX/SSE/SSE2/SSE3/SSSE3 group (sse.c,
 * sse_int.c, sse_fp.c).
 *
 * State (Intel SDM Vol. 1, 9.2 and 10.2): struct cpu's xmm[16] and mxcsr;
 * the eight MMX registers alias the significands of the x87 physical
 * registers R0-R7 (c->st[], indexed by physical register; ST(i) is
 * st[(ftop + i) & 7]).  Every MMX access goes through mmx_get/mmx_set so a
 * change of the x87 representation is one edit here.
 *
 * Exceptions checked before any state changes (SDM Vol. 3A 13.1 and the
 * instruction pages' "Exceptions" tables):
 *   SSE form (XMM operand):  #UD if CR0.EM or !CR4.OSFXSR, else #NM if CR0.TS
 *   MMX form (MM operand):   #UD if CR0.EM, else #NM if CR0.TS, else #MF if an
 *                            unmasked x87 exception is pending (FSW.ES)
 * and every MMX instruction but EMMS puts the x87 unit in MMX state: TOP = 0,
 * all tags valid (SDM Vol. 1, 9.5). */
#ifndef CPU_SOFT_SSE_H
#define CPU_SOFT_SSE_H

#include <float.h>
#include <string.h>
#include "cpu/soft/ops.h"

/* One XMM register's worth of data (the type of struct cpu's xmm[]). */
typedef __typeof__(((struct cpu *)0)->xmm[0]) xmm_t;

/* MXCSR (SDM Vol. 1, 10.2.3) */
#define MX_IE 0x0001u
#define MX_DE 0x0002u
#define MX_ZE 0x0004u
#define MX_OE 0x0008u
#define MX_UE 0x0010u
#define MX_PE 0x0020u
#define MX_FLAGS 0x003fu
#define MX_DAZ 0x0040u
#define MX_MASK_SHIFT 7
#define MX_OM 0x0400u
#define MX_UM 0x0800u
#define MX_RC_SHIFT 13
#define MX_FTZ 0x8000u
/* Writable MXCSR bits: DAZ is supported, so FXSAVE's MXCSR_MASK is 0xffff
 * and LDMXCSR/FXRSTOR #GP on bits 31:16. */
#define MXCSR_MASK 0xffffu

/* x87 status word bits the MMX transition touches. */
#define FSW_ES 0x0080u
#define FSW_TOP 0x3800u

/* ---- exception checks ---- */

__attribute__((noreturn)) void sse_unavailable(struct cpu *c);
void mmx_unavailable(struct cpu *c);

static inline void sse_enter(struct cpu *c)
{
    if (unlikely((c->cr0 & (CR0_EM | CR0_TS)) || !(c->cr4 & CR4_OSFXSR)))
        sse_unavailable(c);
}

/* The x87 -> MMX transition (SDM Vol. 1, 9.5.1). */
static inline void mmx_transition(struct cpu *c)
{
    c->ftop = 0;
    c->fsw &= (uint16_t)~FSW_TOP;
    c->ftw = 0; /* all valid */
}

/* The checks of an MMX-register instruction.  The transition itself comes
 * with the instruction's register write (mmx_set) or, for instructions
 * that only read MMX registers, an explicit mmx_transition() once nothing
 * can fault any more. */
static inline void mmx_enter(struct cpu *c)
{
    if (unlikely((c->cr0 & (CR0_EM | CR0_TS)) || (c->fsw & FSW_ES)))
        mmx_unavailable(c);
}

/* ---- the MMX registers: physical x87 register r, low 64 bits ---- */

static inline uint64_t mmx_get(const struct cpu *c, unsigned r)
{
    uint64_t v;
    memcpy(&v, &c->st[r & 7], 8);
    return v;
}

/* An MMX register write: the value, sign and exponent all ones, and the
 * transition to MMX state. */
static inline void mmx_set(struct cpu *c, unsigned r, uint64_t v)
{
    uint8_t *p = (uint8_t *)&c->st[r & 7];
    memcpy(p, &v, 8);
#if LDBL_MANT_DIG == 64
    p[8] = p[9] = 0xff;
#endif
    mmx_transition(c);
}

/* ---- memory ---- */

/* 16-byte accesses (two 8-byte halves, both checked before the write
 * starts).  `align`: the legacy-SSE 16-byte alignment rule (#GP(0)). */
void sse_rd128(struct cpu *c, int seg, uint64_t off, xmm_t *v, bool align);
void sse_wr128(struct cpu *c, int seg, uint64_t off, const xmm_t *v, bool align);

/* The xmm/m128 source operand (ModRM.rm). */
static inline void xmm_src(struct cpu *c, const struct insn *i, xmm_t *v, bool align)
{
    if (i->mod == 3)
        *v = c->xmm[i->rm];
    else
        sse_rd128(c, i->seg, insn_ea(c, i), v, align);
}

/* The low 64 bits of an xmm/m64 source. */
static inline uint64_t xmm_src64(struct cpu *c, const struct insn *i)
{
    return i->mod == 3 ? c->xmm[i->rm].q[0] : cpu_rd64(c, i->seg, insn_ea(c, i));
}

static inline uint32_t xmm_src32(struct cpu *c, const struct insn *i)
{
    return i->mod == 3 ? c->xmm[i->rm].d[0] : cpu_rd32(c, i->seg, insn_ea(c, i));
}

/* mm/m64 source (MMX register numbers ignore REX). */
static inline uint64_t mmx_src(struct cpu *c, const struct insn *i)
{
    return i->mod == 3 ? mmx_get(c, i->rm) : cpu_rd64(c, i->seg, insn_ea(c, i));
}

/* Operand size of a GPR operand of an SSE instruction: 64 with REX.W, else
 * 32 (the 66 prefix and the mode's default do not apply). */
static inline unsigned sse_gpr_size(const struct insn *i)
{
    return (i->rex & 8) ? 8 : 4;
}

/* ---- SIMD floating point (sse_fp.c) ---- */

/* Merge exception flags into MXCSR and raise #XM (or #UD without
 * CR4.OSXMMEXCPT) if one is unmasked; returns only if all are masked.
 * Pre-computation flags (IE, DE, ZE) that are unmasked suppress the
 * post-computation ones (SDM Vol. 1, 11.5.3.2). */
void sse_fp_flags(struct cpu *c, uint32_t flags);

/* ---- handlers (sse.c's tables refer to them) ---- */

/* sse_int.c: packed integer operations, MMX (mmx_*) and XMM (sse_*) forms */
#define SSE_INT_OPS(X)                                                                      \
    X(punpcklbw) X(punpcklwd) X(punpckldq) X(punpckhbw) X(punpckhwd) X(punpckhdq)           \
    X(packsswb) X(packssdw) X(packuswb) X(pcmpgtb) X(pcmpgtw) X(pcmpgtd) X(pcmpeqb)         \
    X(pcmpeqw) X(pcmpeqd) X(psrlw) X(psrld) X(psrlq) X(psraw) X(psrad) X(psllw) X(pslld)   \
    X(psllq) X(paddb) X(paddw) X(paddd) X(paddq) X(psubb) X(psubw) X(psubd) X(psubq)        \
    X(paddsb) X(paddsw) X(paddusb) X(paddusw) X(psubsb) X(psubsw) X(psubusb) X(psubusw)     \
    X(pmullw) X(pmulhw) X(pmulhuw) X(pmuludq) X(pmaddwd) X(pand) X(pandn) X(por) X(pxor)    \
    X(pavgb) X(pavgw) X(pminub) X(pmaxub) X(pminsw) X(pmaxsw) X(psadbw) X(pshufb)           \
    X(phaddw) X(phaddd) X(phaddsw) X(phsubw) X(phsubd) X(phsubsw) X(pmaddubsw) X(pmulhrsw)  \
    X(psignb) X(psignw) X(psignd) X(pabsb) X(pabsw) X(pabsd)
#define SSE_DECL_INT(n) insn_fn mmx_##n, sse_##n;
SSE_INT_OPS(SSE_DECL_INT)
insn_fn sse_punpcklqdq, sse_punpckhqdq, sse_pshufw, sse_pshufd, sse_pshufhw, sse_pshuflw,
    mmx_palignr, sse_palignr, sse_psrldq_i, sse_pslldq_i;
/* the shift-by-immediate groups 0F 71-73 */
#define SSE_SHIFT_OPS(X) X(psrlw) X(psraw) X(psllw) X(psrld) X(psrad) X(pslld) X(psrlq) X(psllq)
#define SSE_DECL_SHIFT(n) insn_fn mmx_##n##_i, sse_##n##_i;
SSE_SHIFT_OPS(SSE_DECL_SHIFT)

/* sse_fp.c: floating point */
#define SSE_FP_OPS(X) X(add) X(sub) X(mul) X(div) X(min) X(max) X(sqrt)
#define SSE_DECL_FP(n) insn_fn sse_##n##ps, sse_##n##ss, sse_##n##pd, sse_##n##sd;
SSE_FP_OPS(SSE_DECL_FP)
insn_fn sse_rcpps, sse_rcpss, sse_rsqrtps, sse_rsqrtss, sse_cmpps, sse_cmpss, sse_cmppd,
    sse_cmpsd, sse_comiss, sse_comisd, sse_shufps, sse_shufpd, sse_addsubps, sse_addsubpd,
    sse_haddps, sse_haddpd, sse_hsubps, sse_hsubpd, sse_cvtpi2ps, sse_cvtpi2pd, sse_cvtsi2ss,
    sse_cvtsi2sd, sse_cvtps2pi, sse_cvtpd2pi, sse_cvtss2si, sse_cvtsd2si, sse_cvtps2pd,
    sse_cvtpd2ps, sse_cvtss2sd, sse_cvtsd2ss, sse_cvtdq2ps, sse_cvtps2dq, sse_cvtdq2pd,
    sse_cvtpd2dq;

#endif
