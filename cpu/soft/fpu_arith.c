/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fpu_arith.c: x87 arithmetic, comparisons and transcendental instructions.
 *
 * Intel SDM Vol. 2 pages of FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR (and the P and
 * I forms), FCOM/FCOMP/FCOMPP, FUCOM*, FICOM*, FCOMI/FUCOMI(P), FCMOVcc,
 * FTST, FXAM, FCHS, FABS, FSQRT, FSCALE, FPREM, FPREM1, FRNDINT, FXTRACT,
 * F2XM1, FYL2X, FYL2XP1, FPTAN, FPATAN, FSIN, FCOS, FSINCOS; exception
 * responses from Vol. 1 8.5.
 *
 * Every result is computed by the same instruction on the host x87 under
 * the guest's rounding and precision control (fpu.h), so values, the C1
 * round-up bit, C2 for out-of-range trigonometric operands, the FPREM
 * quotient bits and the exponent-biased results of an unmasked overflow or
 * underflow are the hardware's.  This file applies the guest's invalid,
 * denormal and zero-divide masks: unmasked, nothing changes.  Where the SDM
 * leaves flags undefined we do what processors do (checked against the host
 * by tests/unit/test-softcpu-fpu.c's native-diff test): comparisons report
 * "unordered" even when IE is unmasked, FCMOV and FCOMI leave C1, FPREM with
 * a NaN result leaves C0/C3, stack faults clear C2.
 *
 * Threat model: operands are arbitrary 80-bit patterns run through the
 * host x87, which never traps (fpu.h: invalid, denormal and zero-divide
 * masked, raised flags cleared before anything waits); no guest value
 * indexes anything but the 3-bit register fields. */
#include "cpu/soft/fpu.h"

/* ---- the result policy ---- */

bool fpu_reg_result(struct cpu *c, unsigned sw, unsigned cc)
{
    unsigned e = sw & FE_ALL;
    if (e & ~c->fcw & FE_PRE) {
        fpu_signal(c, e & FE_PRE);
        c->fsw &= (uint16_t)~(FSW_C1 | (cc & FSW_C2));
        return false;
    }
    cc |= FSW_C1;
    c->fsw = (uint16_t)((c->fsw & ~cc) | (sw & cc));
    fpu_signal(c, e);
    return true;
}

/* ---- add, sub, mul, div ---- */

/* ModRM.reg: 0 a+b, 1 a*b, 4 a-b, 5 b-a, 6 a/b, 7 b/a with a = ST(0).  In
 * the DC/DE register forms the SDM's FSUBR ST(i),ST(0) (reg 4) is ST(0) -
 * ST(i) too, so one mapping serves every form; only the destination differs. */
static unsigned arith(struct cpu *c, unsigned op, const struct f80 *a, const struct f80 *b,
                      struct f80 *r)
{
    uint16_t cw = hx_cw_reg(c);
    switch (op) {
    case 0: return hx_add(cw, a, b, r);
    case 1: return hx_mul(cw, a, b, r);
    case 4: return hx_sub(cw, a, b, r);
    case 5: return hx_sub(cw, b, a, r);
    case 6: return hx_div(cw, a, b, r);
    default: return hx_div(cw, b, a, r);
    }
}

/* Store a computed result (sw from the host) to ST(dst), pop if asked. */
static void arith_finish(struct cpu *c, unsigned sw, const struct f80 *r, unsigned dst,
                         bool pop)
{
    if (!fpu_reg_result(c, sw, 0))
        return;
    fpu_set(c, dst, *r);
    if (pop)
        fpu_pop(c);
}

/* The masked response to an empty operand: the destination gets the
 * indefinite.  Returns true if the instruction is done. */
static bool arith_underflow(struct cpu *c, bool empty, unsigned dst, bool pop)
{
    if (!empty)
        return false;
    if (fpu_underflow(c)) {
        fpu_set(c, dst, f80_indefinite);
        if (pop)
            fpu_pop(c);
    }
    return true;
}

static void arith_common(struct cpu *c, unsigned op, struct f80 b, bool b_empty, unsigned dst,
                         bool pop)
{
    if (arith_underflow(c, fpu_empty(c, 0) || b_empty, dst, pop))
        return;
    struct f80 a = fpu_get(c, 0), r;
    unsigned sw = arith(c, op, &a, &b, &r);
    arith_finish(c, sw, &r, dst, pop);
}

typedef unsigned m32_fn(uint16_t cw, const struct f80 *a, const uint32_t *m, struct f80 *r);
typedef unsigned m64_fn(uint16_t cw, const struct f80 *a, const uint64_t *m, struct f80 *r);
static m32_fn *const ops_m32[8] = { hx_add_m32, hx_mul_m32, NULL, NULL,
                                    hx_sub_m32, hx_subr_m32, hx_div_m32, hx_divr_m32 };
static m64_fn *const ops_m64[8] = { hx_add_m64, hx_mul_m64, NULL, NULL,
                                    hx_sub_m64, hx_subr_m64, hx_div_m64, hx_divr_m64 };

void fpu_arith_m32(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    uint64_t ea = insn_ea(c, i);
    uint32_t m = cpu_rd32(c, i->seg, ea);
    if (!arith_underflow(c, fpu_empty(c, 0), 0, false)) {
        struct f80 a = fpu_get(c, 0), r;
        arith_finish(c, ops_m32[i->aux & 7](hx_cw_reg(c), &a, &m, &r), &r, 0, false);
    }
    fpu_note_mem(c, i, ea);
    next(c, i);
}

void fpu_arith_m64(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    uint64_t ea = insn_ea(c, i);
    uint64_t m = cpu_rd64(c, i->seg, ea);
    if (!arith_underflow(c, fpu_empty(c, 0), 0, false)) {
        struct f80 a = fpu_get(c, 0), r;
        arith_finish(c, ops_m64[i->aux & 7](hx_cw_reg(c), &a, &m, &r), &r, 0, false);
    }
    fpu_note_mem(c, i, ea);
    next(c, i);
}

void fpu_arith_i16(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    uint64_t ea = insn_ea(c, i);
    struct f80 b = f80_from_i64((int16_t)cpu_rd16(c, i->seg, ea));
    arith_common(c, i->aux, b, false, 0, false);
    fpu_note_mem(c, i, ea);
    next(c, i);
}

void fpu_arith_i32(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    uint64_t ea = insn_ea(c, i);
    struct f80 b = f80_from_i64((int32_t)cpu_rd32(c, i->seg, ea));
    arith_common(c, i->aux, b, false, 0, false);
    fpu_note_mem(c, i, ea);
    next(c, i);
}

/* D8 /r: ST(0) <- ST(0) op ST(i) */
void fpu_arith_st0(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    unsigned r = i->rm & 7;
    arith_common(c, i->aux, fpu_get(c, r), fpu_empty(c, r), 0, false);
    fpu_note(c, i);
    next(c, i);
}

/* DC /r: ST(i) <- ST(0) op ST(i) */
void fpu_arith_sti(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    unsigned r = i->rm & 7;
    arith_common(c, i->aux, fpu_get(c, r), fpu_empty(c, r), r, false);
    fpu_note(c, i);
    next(c, i);
}

/* DE /r: ST(i) <- ST(0) op ST(i), pop */
void fpu_arith_stip(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    unsigned r = i->rm & 7;
    arith_common(c, i->aux, fpu_get(c, r), fpu_empty(c, r), r, true);
    fpu_note(c, i);
    next(c, i);
}

/* ---- comparisons ---- */

static void pops(struct cpu *c, unsigned n)
{
    while (n--)
        fpu_pop(c);
}

/* FCOM/FUCOM family: C3 C2 C0 = 000 (>), 001 (<), 100 (=), 111 (unordered).
 * `sw` is the host's comparison; returns false on a stack fault. */
/* An invalid comparison reports "unordered" even when IE is unmasked
 * (processors do); only the pops wait for a masked IE. */
static bool com_empty(struct cpu *c, bool empty, unsigned npop)
{
    if (!empty)
        return false;
    bool masked = fpu_underflow(c);
    c->fsw |= FSW_C0 | FSW_C2 | FSW_C3;
    if (masked)
        pops(c, npop);
    return true;
}

static void com_finish(struct cpu *c, unsigned sw, unsigned npop)
{
    unsigned e = sw & FE_ALL;
    fpu_signal(c, e);
    c->fsw = (uint16_t)((c->fsw & ~FSW_CC) | (sw & (FSW_C0 | FSW_C2 | FSW_C3)));
    if (e & ~c->fcw & FE_PRE)
        return;
    pops(c, npop);
}

static void com_common(struct cpu *c, struct f80 b, bool b_empty, unsigned npop, bool unordered)
{
    if (com_empty(c, fpu_empty(c, 0) || b_empty, npop))
        return;
    struct f80 a = fpu_get(c, 0);
    com_finish(c, (unordered ? hx_ucom : hx_com)(hx_cw(c), &a, &b), npop);
}

void fpu_com_m32(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    uint64_t ea = insn_ea(c, i);
    uint32_t m = cpu_rd32(c, i->seg, ea);
    if (!com_empty(c, fpu_empty(c, 0), i->aux)) {
        struct f80 a = fpu_get(c, 0), r;
        com_finish(c, hx_com_m32(hx_cw(c), &a, &m, &r), i->aux);
    }
    fpu_note_mem(c, i, ea);
    next(c, i);
}

void fpu_com_m64(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    uint64_t ea = insn_ea(c, i);
    uint64_t m = cpu_rd64(c, i->seg, ea);
    if (!com_empty(c, fpu_empty(c, 0), i->aux)) {
        struct f80 a = fpu_get(c, 0), r;
        com_finish(c, hx_com_m64(hx_cw(c), &a, &m, &r), i->aux);
    }
    fpu_note_mem(c, i, ea);
    next(c, i);
}

void fpu_com_i16(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    uint64_t ea = insn_ea(c, i);
    com_common(c, f80_from_i64((int16_t)cpu_rd16(c, i->seg, ea)), false, i->aux, false);
    fpu_note_mem(c, i, ea);
    next(c, i);
}

void fpu_com_i32(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    uint64_t ea = insn_ea(c, i);
    com_common(c, f80_from_i64((int32_t)cpu_rd32(c, i->seg, ea)), false, i->aux, false);
    fpu_note_mem(c, i, ea);
    next(c, i);
}

/* FCOM/FCOMP ST(i) (aux: pops) */
void fpu_com_st(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    unsigned r = i->rm & 7;
    com_common(c, fpu_get(c, r), fpu_empty(c, r), i->aux, false);
    fpu_note(c, i);
    next(c, i);
}

void fpu_ucom_st(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    unsigned r = i->rm & 7;
    com_common(c, fpu_get(c, r), fpu_empty(c, r), i->aux, true);
    fpu_note(c, i);
    next(c, i);
}

void fpu_compp(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    com_common(c, fpu_get(c, 1), fpu_empty(c, 1), 2, false);
    fpu_note(c, i);
    next(c, i);
}

void fpu_ucompp(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    com_common(c, fpu_get(c, 1), fpu_empty(c, 1), 2, true);
    fpu_note(c, i);
    next(c, i);
}

/* FCOMI/FUCOMI(P): ZF PF CF from the comparison, OF SF AF cleared.
 * aux bit 0: pop, bit 1: unordered form. */
void fpu_comi(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    unsigned r = i->rm & 7;
    uint32_t fl;
    bool pop = i->aux & 1;
    if (fpu_empty(c, 0) || fpu_empty(c, r)) {
        pop &= fpu_underflow(c);
        fl = F_ZF | F_PF | F_CF;
    } else {
        struct f80 a = fpu_get(c, 0), b = fpu_get(c, r);
        unsigned sw = ((i->aux & 2) ? hx_ucom : hx_com)(hx_cw(c), &a, &b);
        unsigned e = sw & FE_ALL;
        fpu_signal(c, e);
        if (e & ~c->fcw & FE_PRE)
            pop = false; /* the flags are still set (unordered for IE) */
        fl = ((sw & FSW_C3) ? F_ZF : 0) | ((sw & FSW_C2) ? F_PF : 0) |
             ((sw & FSW_C0) ? F_CF : 0);
        /* C1 stays as it was: processors clear it only on underflow. */
    }
    cc_set(c, CC_EFLAGS, 4, 0, 0, fl);
    if (pop)
        fpu_pop(c);
    fpu_note(c, i);
    next(c, i);
}

/* FCMOVcc ST(0), ST(i): aux is the Jcc condition (B E BE U / NB NE NBE NU). */
void fpu_fcmov(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    unsigned r = i->rm & 7;
    if (fpu_empty(c, 0) || fpu_empty(c, r)) {
        /* The masked response replaces ST(0) whatever the condition. */
        if (fpu_underflow(c))
            fpu_set(c, 0, f80_indefinite);
    } else {
        /* C1 is left alone (as the hardware does). */
        if (cpu_cond(c, i->aux))
            fpu_set(c, 0, fpu_get(c, r));
    }
    fpu_note(c, i);
    next(c, i);
}

/* ---- one operand ---- */

/* FCHS (aux 0) / FABS: sign bit only, no exceptions but the stack's. */
static void sign_op(struct cpu *c, const struct insn *i, bool abs)
{
    fpu_enter(c);
    if (fpu_empty(c, 0)) {
        if (fpu_underflow(c))
            fpu_set(c, 0, f80_indefinite);
    } else {
        struct f80 v = fpu_get(c, 0);
        v.se = abs ? (uint16_t)(v.se & ~F80_SIGN) : (uint16_t)(v.se ^ F80_SIGN);
        fpu_set(c, 0, v);
        c->fsw &= ~FSW_C1;
    }
    fpu_note(c, i);
    next(c, i);
}

void fpu_fchs(struct cpu *c, const struct insn *i)
{
    sign_op(c, i, false);
}

void fpu_fabs(struct cpu *c, const struct insn *i)
{
    sign_op(c, i, true);
}

void fpu_ftst(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    if (!com_empty(c, fpu_empty(c, 0), 0)) {
        struct f80 a = fpu_get(c, 0), r;
        com_finish(c, hx_tst(hx_cw(c), &a, &r), 0);
    }
    fpu_note(c, i);
    next(c, i);
}

/* FXAM: C3 C2 C0 give the class, C1 the sign; an empty register is 101. */
void fpu_fxam(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    struct f80 a = fpu_get(c, 0), r;
    unsigned cc;
    if (fpu_empty(c, 0))
        cc = FSW_C3 | FSW_C0 | ((a.se & F80_SIGN) ? FSW_C1 : 0);
    else
        cc = hx_xam(hx_cw(c), &a, &r) & FSW_CC;
    c->fsw = (uint16_t)((c->fsw & ~FSW_CC) | cc);
    fpu_note(c, i);
    next(c, i);
}

typedef unsigned unary_fn(uint16_t cw, const struct f80 *a, struct f80 *r);

/* ST(0) <- f(ST(0)); `cc` are the condition bits f defines (C2 for the
 * trigonometric out-of-range report, which leaves ST(0) as it was). */
static void unary(struct cpu *c, const struct insn *i, unary_fn *f, unsigned cc)
{
    fpu_enter(c);
    if (fpu_empty(c, 0)) {
        c->fsw &= (uint16_t)~(cc & FSW_C2); /* a stack fault completes: C2 = 0 */
        if (fpu_underflow(c))
            fpu_set(c, 0, f80_indefinite);
    } else {
        struct f80 a = fpu_get(c, 0), r;
        unsigned sw = f(hx_cw_reg(c), &a, &r);
        if (fpu_reg_result(c, sw, cc))
            fpu_set(c, 0, r);
    }
    fpu_note(c, i);
    next(c, i);
}

void fpu_fsqrt(struct cpu *c, const struct insn *i)
{
    unary(c, i, hx_sqrt, 0);
}

void fpu_frndint(struct cpu *c, const struct insn *i)
{
    unary(c, i, hx_rndint, 0);
}

void fpu_f2xm1(struct cpu *c, const struct insn *i)
{
    unary(c, i, hx_f2xm1, 0);
}

void fpu_fsin(struct cpu *c, const struct insn *i)
{
    unary(c, i, hx_sin, FSW_C2);
}

void fpu_fcos(struct cpu *c, const struct insn *i)
{
    unary(c, i, hx_cos, FSW_C2);
}

/* ---- two operands ---- */

typedef unsigned binary_fn(uint16_t cw, const struct f80 *a, const struct f80 *b,
                           struct f80 *r);

/* ST(0) <- f(ST(0), ST(1)): FPREM, FPREM1, FSCALE. */
static void st01(struct cpu *c, const struct insn *i, binary_fn *f, unsigned cc)
{
    fpu_enter(c);
    if (fpu_empty(c, 0) || fpu_empty(c, 1)) {
        c->fsw &= (uint16_t)~(cc & FSW_C2);
        if (fpu_underflow(c))
            fpu_set(c, 0, f80_indefinite);
    } else {
        struct f80 a = fpu_get(c, 0), b = fpu_get(c, 1), r;
        unsigned sw = f(hx_cw_reg(c), &a, &b, &r);
        if ((cc & FSW_C0) && F80_EXP(r) == 0x7fff && r.m != 1ULL << 63)
            /* FPREM with a NaN result leaves C0 and C3 and clears C1 and
             * C2, as processors do (the host's own C0/C3 would be stale). */
            sw = (sw & ~FSW_CC) | (c->fsw & (FSW_C0 | FSW_C3));
        if (fpu_reg_result(c, sw, cc))
            fpu_set(c, 0, r);
    }
    fpu_note(c, i);
    next(c, i);
}

/* FPREM/FPREM1: C2 = incomplete, C0 C3 C1 = quotient bits 2, 1, 0. */
void fpu_fprem(struct cpu *c, const struct insn *i)
{
    st01(c, i, hx_prem, FSW_C0 | FSW_C2 | FSW_C3);
}

void fpu_fprem1(struct cpu *c, const struct insn *i)
{
    st01(c, i, hx_prem1, FSW_C0 | FSW_C2 | FSW_C3);
}

void fpu_fscale(struct cpu *c, const struct insn *i)
{
    st01(c, i, hx_scale, 0);
}

/* ST(1) <- f(ST(0), ST(1)), pop: FYL2X, FYL2XP1, FPATAN. */
static void st1_pop(struct cpu *c, const struct insn *i, binary_fn *f)
{
    fpu_enter(c);
    if (fpu_empty(c, 0) || fpu_empty(c, 1)) {
        if (fpu_underflow(c)) {
            fpu_set(c, 1, f80_indefinite);
            fpu_pop(c);
        }
    } else {
        struct f80 a = fpu_get(c, 0), b = fpu_get(c, 1), r;
        unsigned sw = f(hx_cw_reg(c), &a, &b, &r);
        if (fpu_reg_result(c, sw, 0)) {
            fpu_set(c, 1, r);
            fpu_pop(c);
        }
    }
    fpu_note(c, i);
    next(c, i);
}

void fpu_fyl2x(struct cpu *c, const struct insn *i)
{
    st1_pop(c, i, hx_yl2x);
}

void fpu_fyl2xp1(struct cpu *c, const struct insn *i)
{
    st1_pop(c, i, hx_yl2xp1);
}

void fpu_fpatan(struct cpu *c, const struct insn *i)
{
    st1_pop(c, i, hx_patan);
}

/* ---- results that push: FPTAN, FSINCOS, FXTRACT ---- */

typedef unsigned push_fn(uint16_t cw, const struct f80 *a, struct f80 *r0, struct f80 *r1);

/* ST(0) <- r1, then push r0.  With C2 in `cc` an out-of-range operand (C2
 * set) leaves the stack as it was. */
static void push_op(struct cpu *c, const struct insn *i, push_fn *f, unsigned cc)
{
    fpu_enter(c);
    bool room = fpu_tag(c, (c->ftop - 1) & 7) == TAG_EMPTY;
    if (fpu_empty(c, 0) || !room) {
        c->fsw &= (uint16_t)~(cc & FSW_C2);
        bool masked = fpu_empty(c, 0) ? fpu_underflow(c) : fpu_overflow(c);
        if (masked) {
            fpu_set(c, 0, f80_indefinite);
            fpu_push(c, f80_indefinite);
        }
    } else {
        struct f80 a = fpu_get(c, 0), r0, r1;
        unsigned sw = f(hx_cw_reg(c), &a, &r0, &r1);
        if (fpu_reg_result(c, sw, cc) && !(sw & cc & FSW_C2)) {
            fpu_set(c, 0, r1);
            fpu_push(c, r0);
        }
    }
    fpu_note(c, i);
    next(c, i);
}

void fpu_fptan(struct cpu *c, const struct insn *i)
{
    push_op(c, i, hx_ptan, FSW_C2);
}

void fpu_fsincos(struct cpu *c, const struct insn *i)
{
    push_op(c, i, hx_sincos, FSW_C2);
}

void fpu_fxtract(struct cpu *c, const struct insn *i)
{
    push_op(c, i, hx_xtract, 0);
}
