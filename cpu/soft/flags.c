/* SPDX-License-Identifier: GPL-2.0-or-later */
/* flags.c: lazy arithmetic flags (Intel SDM Vol. 1, 3.4.3 "EFLAGS").
 *
 * A flag-setting instruction stores its operation, operand size, result and
 * operands (cc_set); flags are computed here only when something reads
 * them.  Conventions per cc_op:
 *   ADD/ADC/SUB/SBB  res = dst op src (op carry-in, kept in cc_src2)
 *   INC/DEC          as ADD/SUB with src = 1; CF is the old CF in cc_src2
 *   LOGIC            CF = OF = AF = 0
 *   SHL/SHR/SAR/MUL  CF and OF precomputed by the instruction in cc_src2
 *                    (as F_CF/F_OF bits); ZF/SF/PF from res; AF = 0
 *   BMI              CF from cc_src2, ZF/SF from res, OF = 0
 *   ROL/ROR          CF/OF in cc_src2; SF/ZF/AF/PF from the lazy state before
 *                    the rotate, kept in prev_* (never itself a rotate)
 *   EFLAGS           the flags themselves are in cc_src */
#include "cpu/soft/cpu.h"

static uint64_t top_bit(unsigned size)
{
    return 1ULL << (size * 8 - 1);
}

static uint32_t szp(uint64_t res, unsigned size)
{
    uint64_t r = res & size_mask(size);
    uint32_t f = 0;
    if (!r)
        f |= F_ZF;
    if (r & top_bit(size))
        f |= F_SF;
    if (!__builtin_parity((unsigned)(r & 0xff)))
        f |= F_PF;
    return f;
}

static uint32_t compute_op(const struct cpu *c, enum cc_op op, unsigned size, uint64_t cres,
                           uint64_t cdst, uint64_t csrc, uint64_t csrc2);

static uint32_t compute(const struct cpu *c)
{
    if (c->cc_op == CC_ROL || c->cc_op == CC_ROR) {
        /* SF/ZF/AF/PF from the state before the rotate, CF/OF its own. */
        uint32_t before = compute_op(c, (enum cc_op)c->prev_op, c->prev_size, c->prev_res,
                                     c->prev_dst, c->prev_src, c->prev_src2);
        return (before & (F_SF | F_ZF | F_AF | F_PF)) | ((uint32_t)c->cc_src2 & (F_CF | F_OF));
    }
    return compute_op(c, c->cc_op, c->cc_size, c->cc_res, c->cc_dst, c->cc_src, c->cc_src2);
}

static uint32_t compute_op(const struct cpu *c, enum cc_op op, unsigned size, uint64_t cres,
                           uint64_t cdst, uint64_t csrc, uint64_t csrc2)
{
    (void)c;
    /* Materialised flags carry no operand size. */
    if (op == CC_EFLAGS)
        return (uint32_t)csrc & F_ARITH;
    if (!size)
        size = 8;
    uint64_t m = size_mask(size), tb = top_bit(size);
    uint64_t res = cres & m, dst = cdst & m, src = csrc & m;
    uint32_t f;
    switch (op) {
    case CC_ADD:
    case CC_ADC:
    case CC_INC:
        f = szp(res, size) | (uint32_t)((res ^ dst ^ src) & F_AF);
        if ((dst ^ res) & (src ^ res) & tb)
            f |= F_OF;
        if (op == CC_INC)
            f |= (uint32_t)csrc2 & F_CF;
        else if (op == CC_ADC && csrc2 ? res <= dst : res < dst)
            f |= F_CF;
        return f;
    case CC_SUB:
    case CC_SBB:
    case CC_DEC:
        f = szp(res, size) | (uint32_t)((res ^ dst ^ src) & F_AF);
        if ((dst ^ src) & (dst ^ res) & tb)
            f |= F_OF;
        if (op == CC_DEC)
            f |= (uint32_t)csrc2 & F_CF;
        else if (op == CC_SBB && csrc2 ? dst <= src : dst < src)
            f |= F_CF;
        return f;
    case CC_LOGIC:
        return szp(res, size);
    case CC_SHL:
    case CC_SHR:
    case CC_SAR:
    case CC_MUL:
        return szp(res, size) | ((uint32_t)csrc2 & (F_CF | F_OF));
    case CC_BMI:
        return (szp(res, size) & (F_ZF | F_SF)) | ((uint32_t)csrc2 & F_CF);
    default:
        return 0;
    }
}

uint32_t cpu_get_eflags(struct cpu *c)
{
    return (c->eflags & ~F_ARITH) | compute(c) | 2u;
}

void cpu_set_eflags(struct cpu *c, uint32_t val, uint32_t writable)
{
    uint32_t cur = cpu_get_eflags(c);
    uint32_t v = (cur & ~writable) | (val & writable);
    c->cc_op = CC_EFLAGS;
    c->cc_src = v & F_ARITH;
    c->eflags = (v & ~F_ARITH) | 2u;
}

bool cpu_cf(struct cpu *c)
{
    unsigned size = c->cc_size;
    uint64_t m = size_mask(size);
    switch (c->cc_op) {
    case CC_ADD:
        return (c->cc_res & m) < (c->cc_dst & m);
    case CC_SUB:
        return (c->cc_dst & m) < (c->cc_src & m);
    case CC_LOGIC:
        return false;
    case CC_INC:
    case CC_DEC:
    case CC_SHL:
    case CC_SHR:
    case CC_SAR:
    case CC_MUL:
    case CC_BMI:
    case CC_ROL:
    case CC_ROR:
        return c->cc_src2 & F_CF; /* carried or precomputed */
    case CC_EFLAGS:
        return c->cc_src & F_CF;
    default:
        return compute(c) & F_CF;
    }
}

bool cpu_cond(struct cpu *c, unsigned cc)
{
    bool r;
    unsigned size = c->cc_size;
    uint64_t m = size_mask(size);
    /* Fast paths for the overwhelmingly common CMP/SUB and TEST/logic. */
    if (c->cc_op == CC_SUB) {
        uint64_t d = c->cc_dst & m, s = c->cc_src & m;
        int64_t sd = sext(d, size), ss = sext(s, size);
        switch (cc >> 1) {
        case 1: r = d < s; goto out;            /* B */
        case 2: r = d == s; goto out;           /* E */
        case 3: r = d <= s; goto out;           /* BE */
        case 6: r = sd < ss; goto out;          /* L */
        case 7: r = sd <= ss; goto out;         /* LE */
        default: break;
        }
    } else if (c->cc_op == CC_LOGIC) {
        uint64_t res = c->cc_res & m;
        bool sf = res & top_bit(size);
        switch (cc >> 1) {
        case 0: r = false; goto out;            /* O */
        case 1: r = false; goto out;            /* B */
        case 2: r = res == 0; goto out;         /* E */
        case 3: r = res == 0; goto out;         /* BE */
        case 4: r = sf; goto out;               /* S */
        case 6: r = sf; goto out;               /* L: SF != OF, OF = 0 */
        case 7: r = sf || res == 0; goto out;   /* LE */
        default: break;
        }
    }
    if (c->cc_op != CC_EFLAGS && c->cc_op != CC_ROL && c->cc_op != CC_ROR &&
        ((cc >> 1) == 2 || (cc >> 1) == 4)) {
        /* ZF and SF come straight from the result for every lazy op (the
         * loop branch after DEC, INC, shifts...). */
        uint64_t res = c->cc_res & m;
        r = (cc >> 1) == 2 ? res == 0 : (res & top_bit(size)) != 0;
        goto out;
    }
    {
        uint32_t f = compute(c);
        bool cf = f & F_CF, zf = f & F_ZF, sf = f & F_SF, of = f & F_OF, pf = f & F_PF;
        switch (cc >> 1) {
        case 0: r = of; break;
        case 1: r = cf; break;
        case 2: r = zf; break;
        case 3: r = cf || zf; break;
        case 4: r = sf; break;
        case 5: r = pf; break;
        case 6: r = sf != of; break;
        default: r = zf || sf != of; break;
        }
    }
out:
    return (cc & 1) ? !r : r;
}
