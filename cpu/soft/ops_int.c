/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ops_int.c: the core integer instruction set.
 *
 * Intel SDM Vol. 2 instruction pages for: ADD OR ADC SBB AND SUB XOR CMP,
 * INC DEC NEG NOT TEST, MUL IMUL DIV IDIV, ROL ROR RCL RCR SHL SHR SAR, MOV
 * (incl. moffs, Sreg, imm), MOVZX MOVSX MOVSXD, LEA, XCHG, CMPXCHG(8B/16B),
 * XADD, BSWAP, MOVBE, PUSH/POP (incl. Sreg, PUSHA/POPA, PUSHF/POPF),
 * ENTER/LEAVE, Jcc, JMP, CALL, RET (near/far), LOOP*, JrCXZ, CMOVcc, SETcc,
 * CBW..CQO, LAHF/SAHF, CLC/STC/CMC/CLD/STD/CLI/STI, IN/OUT, HLT, INT n,
 * INT3, INTO, INT1, IRET, CPUID, RDTSC, XLAT, LES/LDS/LSS/LFS/LGS, NOP forms,
 * UD2.  Flags follow the "Flags Affected" sections (undefined flags take the
 * values the lazy-flag conventions give, as documented in flags.c).
 *
 * LOCK: all vCPUs run in one thread, so a LOCKed read-modify-write is atomic
 * with respect to other vCPUs by construction.
 *
 * Threat model: operands come from the guest; divide faults (#DE) are
 * raised before any register changes; shift counts are masked as the
 * hardware masks them. */
#include "cpu/soft/ops.h"
#include "cpu/soft/soft.h"

#define REX(i) ((i)->rex)

/* ---- ALU core ---- */

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

static uint64_t alu(struct cpu *c, unsigned op, unsigned size, uint64_t a, uint64_t b)
{
    uint64_t m = size_mask(size), r;
    b &= m;
    a &= m;
    switch (op) {
    case ALU_ADD: r = a + b; cc_set(c, CC_ADD, size, r, a, b); break;
    case ALU_OR: r = a | b; cc_set(c, CC_LOGIC, size, r, a, b); break;
    case ALU_ADC: {
        uint64_t cf = cpu_cf(c);
        r = a + b + cf;
        cc_set(c, CC_ADC, size, r, a, b);
        c->cc_src2 = cf;
        break;
    }
    case ALU_SBB: {
        uint64_t cf = cpu_cf(c);
        r = a - b - cf;
        cc_set(c, CC_SBB, size, r, a, b);
        c->cc_src2 = cf;
        break;
    }
    case ALU_AND: r = a & b; cc_set(c, CC_LOGIC, size, r, a, b); break;
    case ALU_SUB:
    case ALU_CMP: r = a - b; cc_set(c, CC_SUB, size, r, a, b); break;
    default: r = a ^ b; cc_set(c, CC_LOGIC, size, r, a, b); break;
    }
    return r & m;
}

/* ALU E, G  (op in aux, direction by opcode bit 1) */
static void op_alu_rm(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize, op = i->aux;
    bool to_reg = i->op & 2;
    uint64_t g = reg_read(c, i->reg, sz, REX(i));
    if (to_reg) {
        uint64_t e = rm_read(c, i, sz);
        uint64_t r = alu(c, op, sz, g, e);
        if (op != ALU_CMP)
            reg_write(c, i->reg, sz, REX(i), r);
    } else if (i->mod == 3) {
        uint64_t e = reg_read(c, i->rm, sz, REX(i));
        uint64_t r = alu(c, op, sz, e, g);
        if (op != ALU_CMP)
            reg_write(c, i->rm, sz, REX(i), r);
    } else {
        uint64_t ea = insn_ea(c, i);
        uint64_t e = op == ALU_CMP ? cpu_rd(c, i->seg, ea, sz) : cpu_rd_w(c, i->seg, ea, sz);
        uint64_t r = alu(c, op, sz, e, g);
        if (op != ALU_CMP)
            cpu_wr(c, i->seg, ea, r, sz);
    }
    next(c, i);
}

/* ALU AL/eAX, imm */
static void op_alu_acc(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize;
    uint64_t r = alu(c, i->aux, sz, reg_read(c, R_AX, sz, 0), i->imm);
    if (i->aux != ALU_CMP)
        reg_write(c, R_AX, sz, 0, r);
    next(c, i);
}

/* Group 1: ALU Ev, imm (op in ModRM.reg) */
static void op_grp1(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize, op = i->reg & 7;
    if (i->mod == 3) {
        uint64_t r = alu(c, op, sz, reg_read(c, i->rm, sz, REX(i)), i->imm);
        if (op != ALU_CMP)
            reg_write(c, i->rm, sz, REX(i), r);
    } else {
        uint64_t ea = insn_ea(c, i);
        uint64_t v = op == ALU_CMP ? cpu_rd(c, i->seg, ea, sz) : cpu_rd_w(c, i->seg, ea, sz);
        uint64_t r = alu(c, op, sz, v, i->imm);
        if (op != ALU_CMP)
            cpu_wr(c, i->seg, ea, r, sz);
    }
    next(c, i);
}

static void op_test_rm(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize;
    alu(c, ALU_AND, sz, rm_read(c, i, sz), reg_read(c, i->reg, sz, REX(i)));
    next(c, i);
}

static void op_test_acc(struct cpu *c, const struct insn *i)
{
    alu(c, ALU_AND, i->opsize, reg_read(c, R_AX, i->opsize, 0), i->imm);
    next(c, i);
}

/* INC/DEC keep CF. */
static uint64_t incdec(struct cpu *c, unsigned size, uint64_t v, bool dec)
{
    uint64_t cf = cpu_cf(c) ? F_CF : 0;
    uint64_t r = (dec ? v - 1 : v + 1) & size_mask(size);
    cc_set(c, dec ? CC_DEC : CC_INC, size, r, v & size_mask(size), 1);
    c->cc_src2 = cf;
    return r;
}

static void op_incdec_r(struct cpu *c, const struct insn *i)
{
    unsigned r = i->op & 7, sz = i->opsize;
    reg_write(c, r, sz, 0, incdec(c, sz, reg_read(c, r, sz, 0), i->op & 8));
    next(c, i);
}

static void op_incdec_rm(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize;
    bool dec = i->reg & 1;
    if (i->mod == 3) {
        reg_write(c, i->rm, sz, REX(i), incdec(c, sz, reg_read(c, i->rm, sz, REX(i)), dec));
    } else {
        uint64_t ea = insn_ea(c, i);
        cpu_wr(c, i->seg, ea, incdec(c, sz, cpu_rd_w(c, i->seg, ea, sz), dec), sz);
    }
    next(c, i);
}

/* ---- group 3: TEST/NOT/NEG/MUL/IMUL/DIV/IDIV ---- */

static void mul_flags(struct cpu *c, unsigned size, uint64_t lo, bool overflow)
{
    cc_set(c, CC_MUL, size, lo, 0, 0);
    c->cc_src2 = overflow ? (F_CF | F_OF) : 0;
}

static void do_mul(struct cpu *c, unsigned sz, uint64_t src, bool sign)
{
    uint64_t a = reg_read(c, R_AX, sz, 0);
    if (sz == 1) {
        uint16_t r = sign ? (uint16_t)((int8_t)a * (int8_t)src) : (uint16_t)(a * (src & 0xff));
        reg_write(c, R_AX, 2, 0, r);
        bool of = sign ? (int16_t)r != (int8_t)r : (r >> 8) != 0;
        mul_flags(c, 1, r, of);
        return;
    }
    unsigned __int128 p;
    bool of;
    if (sign) {
        __int128 sp = (__int128)sext(a, sz) * sext(src, sz);
        p = (unsigned __int128)sp;
        of = sp != (__int128)sext((uint64_t)sp, sz);
    } else {
        p = (unsigned __int128)a * (src & size_mask(sz));
        of = (p >> (sz * 8)) != 0;
    }
    uint64_t lo = (uint64_t)p & size_mask(sz);
    uint64_t hi = (uint64_t)(p >> (sz * 8)) & size_mask(sz);
    reg_write(c, R_AX, sz, 0, lo);
    reg_write(c, R_DX, sz, 0, hi);
    mul_flags(c, sz, lo, of);
}

static void do_div(struct cpu *c, unsigned sz, uint64_t d, bool sign)
{
    d &= size_mask(sz);
    if (!d)
        cpu_raise(c, EX_DE, 0);
    if (sz == 1) {
        uint16_t a = (uint16_t)reg_read(c, R_AX, 2, 0);
        if (sign) {
            int q = (int16_t)a / (int8_t)d, r = (int16_t)a % (int8_t)d;
            if (q > 127 || q < -128)
                cpu_raise(c, EX_DE, 0);
            reg_write(c, R_AX, 2, 0, (uint16_t)((q & 0xff) | (r & 0xff) << 8));
        } else {
            unsigned q = a / (unsigned)d, r = a % (unsigned)d;
            if (q > 0xff)
                cpu_raise(c, EX_DE, 0);
            reg_write(c, R_AX, 2, 0, (uint16_t)(q | r << 8));
        }
        return;
    }
    unsigned bits = sz * 8;
    unsigned __int128 n = ((unsigned __int128)reg_read(c, R_DX, sz, 0) << bits) |
                          reg_read(c, R_AX, sz, 0);
    uint64_t q, r;
    if (sign) {
        __int128 sn = bits == 64 ? (__int128)n : (__int128)((int64_t)((uint64_t)n << (64 - 2 * bits)) >> (64 - 2 * bits));
        if (bits == 64)
            sn = (__int128)n;
        __int128 sd = sext(d, sz);
        /* INT128_MIN / -1 would overflow the host division (1 << 127 as a
         * signed shift is undefined too: compare the unsigned image). */
        if (sd == -1 && bits == 64 && n == (unsigned __int128)1 << 127)
            cpu_raise(c, EX_DE, 0);
        __int128 sq = sn / sd, sr = sn % sd;
        __int128 lim = (__int128)1 << (bits - 1);
        if (sq >= lim || sq < -lim)
            cpu_raise(c, EX_DE, 0);
        q = (uint64_t)sq;
        r = (uint64_t)sr;
    } else {
        unsigned __int128 uq = n / d;
        if (uq >> bits)
            cpu_raise(c, EX_DE, 0);
        q = (uint64_t)uq;
        r = (uint64_t)(n % d);
    }
    reg_write(c, R_AX, sz, 0, q);
    reg_write(c, R_DX, sz, 0, r);
}

static void op_grp3(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize;
    switch (i->reg & 7) {
    case 0:
    case 1:
        alu(c, ALU_AND, sz, rm_read(c, i, sz), i->imm);
        break;
    case 2:
        rm_write(c, i, sz, ~(i->mod == 3 ? rm_read(c, i, sz) : cpu_rd_w(c, i->seg, insn_ea(c, i), sz)));
        break;
    case 3: {
        uint64_t v = i->mod == 3 ? rm_read(c, i, sz) : cpu_rd_w(c, i->seg, insn_ea(c, i), sz);
        uint64_t r = alu(c, ALU_SUB, sz, 0, v);
        rm_write(c, i, sz, r);
        break;
    }
    case 4: do_mul(c, sz, rm_read(c, i, sz), false); break;
    case 5: do_mul(c, sz, rm_read(c, i, sz), true); break;
    case 6: do_div(c, sz, rm_read(c, i, sz), false); break;
    default: do_div(c, sz, rm_read(c, i, sz), true); break;
    }
    next(c, i);
}

/* IMUL r, r/m (, imm) */
static void op_imul3(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize;
    int64_t a = sext(rm_read(c, i, sz), sz);
    int64_t b = (i->op == 0xaf) ? sext(reg_read(c, i->reg, sz, REX(i)), sz) : sext(i->imm, sz);
    __int128 p = (__int128)a * b;
    uint64_t lo = (uint64_t)p & size_mask(sz);
    reg_write(c, i->reg, sz, REX(i), lo);
    mul_flags(c, sz, lo, p != (__int128)sext(lo, sz));
    next(c, i);
}

/* ---- shifts and rotates (group 2) ---- */

static uint64_t shift(struct cpu *c, unsigned op, unsigned sz, uint64_t v, unsigned cnt)
{
    unsigned bits = sz * 8;
    uint64_t m = size_mask(sz), top = 1ULL << (bits - 1);
    cnt &= sz == 8 ? 63 : 31;
    v &= m;
    if (!cnt)
        return v;
    /* RCL/RCR read CF; ROL/ROR keep SF/ZF/AF/PF lazily (cc_rotate). */
    uint32_t fl = (op == 2 || op == 3) ? cpu_get_eflags(c) : 0;
    uint64_t r;
    bool cf, of;
    switch (op) {
    case 0: /* ROL */
        cnt %= bits;
        r = cnt ? ((v << cnt) | (v >> (bits - cnt))) & m : v;
        cf = r & 1;
        of = ((r & top) != 0) != cf;
        cc_rotate(c, CC_ROL, cf, of);
        return r;
    case 1: /* ROR */
        cnt %= bits;
        r = cnt ? ((v >> cnt) | (v << (bits - cnt))) & m : v;
        cf = r & top;
        of = ((r & top) != 0) != ((r & (top >> 1)) != 0);
        cc_rotate(c, CC_ROR, cf, of);
        return r;
    case 2: /* RCL */
    case 3: { /* RCR */
        unsigned n = cnt % (bits + 1);
        unsigned __int128 w = ((unsigned __int128)((fl & F_CF) ? 1 : 0) << bits) | v;
        for (unsigned k = 0; k < n; k++) {
            if (op == 2)
                w = ((w << 1) | (w >> bits)) & (((unsigned __int128)1 << (bits + 1)) - 1);
            else
                w = ((w >> 1) | ((w & 1) << bits));
        }
        r = (uint64_t)w & m;
        cf = (w >> bits) & 1;
        if (op == 2)
            of = ((r & top) != 0) != cf;
        else
            of = ((r & top) != 0) != ((r & (top >> 1)) != 0);
        c->cc_op = CC_EFLAGS;
        c->cc_src = (fl & ~(F_CF | F_OF)) | (cf ? F_CF : 0) | (of ? F_OF : 0);
        return r;
    }
    case 4:
    case 6: /* SHL/SAL */
        r = cnt < 64 ? (v << cnt) & m : 0;
        cf = cnt <= bits ? (v >> (bits - cnt)) & 1 : 0;
        of = ((r & top) != 0) != cf;
        cc_set(c, CC_SHL, sz, r, v, cnt);
        c->cc_src2 = (cf ? F_CF : 0) | (of ? F_OF : 0);
        return r;
    case 5: /* SHR */
        r = cnt < 64 ? v >> cnt : 0;
        cf = cnt <= 64 ? (v >> (cnt - 1)) & 1 : 0;
        of = v & top;
        cc_set(c, CC_SHR, sz, r, v, cnt);
        c->cc_src2 = (cf ? F_CF : 0) | (of ? F_OF : 0);
        return r;
    default: { /* SAR */
        int64_t sv = sext(v, sz);
        unsigned s = cnt >= bits ? bits - 1 : cnt;
        r = (uint64_t)(sv >> s) & m;
        cf = cnt >= bits ? (sv < 0) : (sv >> (cnt - 1)) & 1;
        cc_set(c, CC_SAR, sz, r, v, cnt);
        c->cc_src2 = cf ? F_CF : 0;
        return r;
    }
    }
}

static void op_grp2(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize, cnt;
    if (i->op == 0xd0 || i->op == 0xd1)
        cnt = 1;
    else if (i->op == 0xd2 || i->op == 0xd3)
        cnt = (unsigned)c->regs[R_CX] & 0xff;
    else
        cnt = (unsigned)i->imm & 0xff;
    if (i->mod == 3) {
        uint64_t v = reg_read(c, i->rm, sz, REX(i));
        reg_write(c, i->rm, sz, REX(i), shift(c, i->reg & 7, sz, v, cnt));
    } else {
        uint64_t ea = insn_ea(c, i);
        uint64_t v = cpu_rd_w(c, i->seg, ea, sz);
        cpu_wr(c, i->seg, ea, shift(c, i->reg & 7, sz, v, cnt), sz);
    }
    next(c, i);
}

/* ---- data movement ---- */

static void op_mov_rm(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize;
    if (i->op & 2)
        reg_write(c, i->reg, sz, REX(i), rm_read(c, i, sz));
    else
        rm_write(c, i, sz, reg_read(c, i->reg, sz, REX(i)));
    next(c, i);
}

static void op_mov_rm_imm(struct cpu *c, const struct insn *i)
{
    rm_write(c, i, i->opsize, i->imm);
    next(c, i);
}

static void op_mov_r_imm(struct cpu *c, const struct insn *i)
{
    unsigned r = (i->op & 7) | ((i->rex & 1) << 3);
    reg_write(c, r, i->opsize, REX(i), i->imm);
    next(c, i);
}

static void op_mov_moffs(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize;
    uint64_t off = addr_mask(i->adsize, (uint64_t)i->disp);
    if (i->op & 2)
        cpu_wr(c, i->seg, off, reg_read(c, R_AX, sz, 0), sz);
    else
        reg_write(c, R_AX, sz, 0, cpu_rd(c, i->seg, off, sz));
    next(c, i);
}

static void op_lea(struct cpu *c, const struct insn *i)
{
    reg_write(c, i->reg, i->opsize, REX(i), insn_ea(c, i));
    next(c, i);
}

static void op_movzx(struct cpu *c, const struct insn *i)
{
    unsigned src = (i->op & 1) ? 2 : 1;
    reg_write(c, i->reg, i->opsize, REX(i), rm_read(c, i, src));
    next(c, i);
}

static void op_movsx(struct cpu *c, const struct insn *i)
{
    unsigned src = (i->op & 1) ? 2 : 1;
    reg_write(c, i->reg, i->opsize, REX(i), (uint64_t)sext(rm_read(c, i, src), src));
    next(c, i);
}

/* 63: ARPL outside 64-bit mode, MOVSXD inside */
static void op_63(struct cpu *c, const struct insn *i)
{
    if (c->mode & MODE_LONG64) {
        reg_write(c, i->reg, i->opsize, REX(i), (uint64_t)(int64_t)(int32_t)rm_read(c, i, 4));
        next(c, i);
        return;
    }
    if (!(c->mode & MODE_PE) || (c->mode & MODE_VM86))
        cpu_ud(c);
    uint16_t dst = (uint16_t)rm_read(c, i, 2), src = (uint16_t)reg_read(c, i->reg, 2, 0);
    uint32_t fl = cpu_get_eflags(c) & ~F_ZF;
    if ((dst & 3) < (src & 3)) {
        rm_write(c, i, 2, (dst & ~3u) | (src & 3));
        fl |= F_ZF;
    }
    cpu_set_eflags(c, fl, F_ZF);
    next(c, i);
}

static void op_xchg_rm(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize;
    uint64_t g = reg_read(c, i->reg, sz, REX(i));
    if (i->mod == 3) {
        uint64_t e = reg_read(c, i->rm, sz, REX(i));
        reg_write(c, i->rm, sz, REX(i), g);
        reg_write(c, i->reg, sz, REX(i), e);
    } else {
        uint64_t ea = insn_ea(c, i);
        uint64_t e = cpu_rd_w(c, i->seg, ea, sz);
        cpu_wr(c, i->seg, ea, g, sz);
        reg_write(c, i->reg, sz, REX(i), e);
    }
    next(c, i);
}

static void op_xchg_ax(struct cpu *c, const struct insn *i)
{
    unsigned r = (i->op & 7) | ((i->rex & 1) << 3), sz = i->opsize;
    if (r == 0 && i->op == 0x90) { /* NOP, or PAUSE with F3 */
        if (i->rep == 0xf3) {
            /* A spin-wait loop: the vCPU it waits for runs in this thread,
             * so end this one's slice (as pause-loop exiting would). */
            c->yield = true;
            c->stop_block = true;
        }
        next(c, i);
        return;
    }
    uint64_t a = reg_read(c, R_AX, sz, 0);
    reg_write(c, R_AX, sz, 0, reg_read(c, r, sz, 0));
    reg_write(c, r, sz, 0, a);
    next(c, i);
}

static void op_cbw(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize;
    reg_write(c, R_AX, sz, 0, (uint64_t)sext(reg_read(c, R_AX, sz / 2, 0), sz / 2));
    next(c, i);
}

static void op_cwd(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize;
    int64_t a = sext(reg_read(c, R_AX, sz, 0), sz);
    reg_write(c, R_DX, sz, 0, a < 0 ? ~0ULL : 0);
    next(c, i);
}

static void op_xlat(struct cpu *c, const struct insn *i)
{
    uint64_t off = addr_mask(i->adsize, c->regs[R_BX] + (c->regs[R_AX] & 0xff));
    reg_write(c, R_AX, 1, 0, cpu_rd8(c, i->seg, off));
    next(c, i);
}

static void op_bswap(struct cpu *c, const struct insn *i)
{
    unsigned r = (i->op & 7) | ((i->rex & 1) << 3);
    if (i->opsize == 8)
        c->regs[r] = __builtin_bswap64(c->regs[r]);
    else if (i->opsize == 4)
        reg_write(c, r, 4, 0, __builtin_bswap32((uint32_t)c->regs[r]));
    else
        reg_write(c, r, 2, 0, 0); /* undefined; hardware gives 0 */
    next(c, i);
}

static void op_movbe(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize;
    if (i->mod == 3)
        cpu_ud(c);
    uint64_t v;
    if (i->op == 0xf0) {
        v = rm_read(c, i, sz);
        v = sz == 2 ? __builtin_bswap16((uint16_t)v) : sz == 4 ? __builtin_bswap32((uint32_t)v) : __builtin_bswap64(v);
        reg_write(c, i->reg, sz, REX(i), v);
    } else {
        v = reg_read(c, i->reg, sz, REX(i));
        v = sz == 2 ? __builtin_bswap16((uint16_t)v) : sz == 4 ? __builtin_bswap32((uint32_t)v) : __builtin_bswap64(v);
        rm_write(c, i, sz, v);
    }
    next(c, i);
}

static void op_cmpxchg(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize;
    uint64_t acc = reg_read(c, R_AX, sz, 0);
    uint64_t ea = i->mod == 3 ? 0 : insn_ea(c, i);
    uint64_t dst = i->mod == 3 ? reg_read(c, i->rm, sz, REX(i)) : cpu_rd_w(c, i->seg, ea, sz);
    alu(c, ALU_CMP, sz, acc, dst);
    if ((acc & size_mask(sz)) == dst) {
        uint64_t src = reg_read(c, i->reg, sz, REX(i));
        if (i->mod == 3)
            reg_write(c, i->rm, sz, REX(i), src);
        else
            cpu_wr(c, i->seg, ea, src, sz);
    } else {
        if (i->mod != 3)
            cpu_wr(c, i->seg, ea, dst, sz); /* the hardware always writes */
        reg_write(c, R_AX, sz, 0, dst);
    }
    next(c, i);
}

static void op_xadd(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize;
    uint64_t src = reg_read(c, i->reg, sz, REX(i));
    if (i->mod == 3) {
        uint64_t dst = reg_read(c, i->rm, sz, REX(i));
        uint64_t r = alu(c, ALU_ADD, sz, dst, src);
        reg_write(c, i->reg, sz, REX(i), dst);
        reg_write(c, i->rm, sz, REX(i), r);
    } else {
        uint64_t ea = insn_ea(c, i);
        uint64_t dst = cpu_rd_w(c, i->seg, ea, sz);
        uint64_t r = alu(c, ALU_ADD, sz, dst, src);
        cpu_wr(c, i->seg, ea, r, sz);
        reg_write(c, i->reg, sz, REX(i), dst);
    }
    next(c, i);
}

/* 0F C7 /1: CMPXCHG8B / CMPXCHG16B */
static void op_cmpxchg8b(struct cpu *c, const struct insn *i)
{
    uint64_t ea = insn_ea(c, i);
    uint32_t fl = cpu_get_eflags(c) & ~F_ZF;
    if (i->rex & 8) {
        if (ea & 15)
            cpu_gp0(c);
        uint64_t lo = cpu_rd64(c, i->seg, ea), hi = cpu_rd64(c, i->seg, ea + 8);
        if (lo == c->regs[R_AX] && hi == c->regs[R_DX]) {
            cpu_wr64(c, i->seg, ea, c->regs[R_BX]);
            cpu_wr64(c, i->seg, ea + 8, c->regs[R_CX]);
            fl |= F_ZF;
        } else {
            cpu_wr64(c, i->seg, ea, lo);
            c->regs[R_AX] = lo;
            c->regs[R_DX] = hi;
        }
    } else {
        uint64_t v = cpu_rd64(c, i->seg, ea);
        uint64_t cmp = (c->regs[R_AX] & 0xffffffff) | (c->regs[R_DX] << 32);
        if (v == cmp) {
            cpu_wr64(c, i->seg, ea, (c->regs[R_BX] & 0xffffffff) | (c->regs[R_CX] << 32));
            fl |= F_ZF;
        } else {
            cpu_wr64(c, i->seg, ea, v);
            reg_write(c, R_AX, 4, 0, v & 0xffffffff);
            reg_write(c, R_DX, 4, 0, v >> 32);
        }
    }
    cpu_set_eflags(c, fl, F_ZF);
    next(c, i);
}

static void op_cmov(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize;
    uint64_t v = rm_read(c, i, sz); /* the source is always read */
    if (cpu_cond(c, i->op & 15))
        reg_write(c, i->reg, sz, REX(i), v);
    else if (sz == 4)
        reg_write(c, i->reg, 4, REX(i), reg_read(c, i->reg, 4, REX(i))); /* zero-extends */
    next(c, i);
}

static void op_setcc(struct cpu *c, const struct insn *i)
{
    rm_write(c, i, 1, cpu_cond(c, i->op & 15));
    next(c, i);
}

/* ---- stack ---- */

static unsigned push_size(const struct insn *i)
{
    return i->opsize;
}

static void op_push_r(struct cpu *c, const struct insn *i)
{
    unsigned r = (i->op & 7) | ((i->rex & 1) << 3);
    cpu_push(c, reg_read(c, r, push_size(i), 0), push_size(i));
    next(c, i);
}

static void op_pop_r(struct cpu *c, const struct insn *i)
{
    unsigned r = (i->op & 7) | ((i->rex & 1) << 3);
    uint64_t v = cpu_pop(c, push_size(i));
    reg_write(c, r, push_size(i), 0, v);
    next(c, i);
}

static void op_push_imm(struct cpu *c, const struct insn *i)
{
    cpu_push(c, i->imm, push_size(i));
    next(c, i);
}

static void op_pop_rm(struct cpu *c, const struct insn *i)
{
    unsigned sz = push_size(i);
    uint64_t sp = c->regs[R_SP];
    uint64_t v = cpu_pop(c, sz);
    /* The address is computed with the incremented stack pointer. */
    if (i->mod == 3) {
        reg_write(c, i->rm, sz, REX(i), v);
    } else {
        uint64_t ea = insn_ea(c, i);
        uint64_t nsp = c->regs[R_SP];
        c->regs[R_SP] = sp;
        cpu_wr(c, i->seg, ea, v, sz); /* a fault leaves RSP unchanged */
        c->regs[R_SP] = nsp;
    }
    next(c, i);
}

static const int sreg_of[8] = { S_ES, S_CS, S_SS, S_DS, S_FS, S_GS, -1, -1 };

static void op_push_sreg(struct cpu *c, const struct insn *i)
{
    int s = i->aux;
    unsigned sz = push_size(i);
    if (sz == 4 || sz == 8) {
        /* Modern CPUs write only 16 bits; keep the rest of the slot. */
        unsigned ss = cpu_stack_size(c);
        uint64_t sp = (c->regs[R_SP] - sz) & size_mask(ss);
        cpu_wr(c, S_SS, sp, c->seg[s].sel, 2);
        if (ss == 2)
            c->regs[R_SP] = (c->regs[R_SP] & ~0xffffULL) | sp;
        else
            c->regs[R_SP] = sp;
    } else {
        cpu_push(c, c->seg[s].sel, 2);
    }
    next(c, i);
}

static void op_pop_sreg(struct cpu *c, const struct insn *i)
{
    int s = i->aux;
    unsigned sz = push_size(i);
    unsigned ss = cpu_stack_size(c);
    uint64_t sp = c->regs[R_SP] & size_mask(ss);
    uint16_t sel = (uint16_t)cpu_rd(c, S_SS, sp, 2);
    cpu_load_seg(c, s, sel);
    sp = (sp + sz) & size_mask(ss);
    if (ss == 2)
        c->regs[R_SP] = (c->regs[R_SP] & ~0xffffULL) | sp;
    else
        c->regs[R_SP] = sp;
    if (s == S_SS) {
        c->intr_shadow = true;
        c->stop_block = true;
    }
    next(c, i);
}

static void op_pusha(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize;
    uint64_t sp = c->regs[R_SP];
    for (int r = R_AX; r <= R_DI; r++)
        cpu_push(c, r == R_SP ? sp : c->regs[r], sz);
    next(c, i);
}

static void op_popa(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize;
    for (int r = R_DI; r >= R_AX; r--) {
        uint64_t v = cpu_pop(c, sz);
        if (r != R_SP)
            reg_write(c, (unsigned)r, sz, 0, v);
    }
    next(c, i);
}

static void op_pushf(struct cpu *c, const struct insn *i)
{
    if ((c->eflags & F_VM) && ((c->eflags & F_IOPL) >> 12) < 3)
        cpu_gp0(c);
    cpu_push(c, cpu_get_eflags(c) & ~(F_VM | F_RF), i->opsize);
    next(c, i);
}

static void op_popf(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize;
    unsigned iopl = (c->eflags & F_IOPL) >> 12;
    if ((c->eflags & F_VM) && iopl < 3)
        cpu_gp0(c);
    uint32_t v = (uint32_t)cpu_pop(c, sz);
    uint32_t mask = F_ARITH | F_TF | F_DF | F_NT | F_AC | F_ID;
    if (!(c->mode & MODE_PE) || c->cpl == 0)
        mask |= F_IOPL | F_IF;
    else if (c->cpl <= iopl)
        mask |= F_IF;
    if (c->eflags & F_VM)
        mask = (mask | F_IF) & ~F_IOPL;
    if (sz == 2)
        mask &= 0xffff;
    cpu_set_eflags(c, v, mask);
    /* POPF ends its block; the run loop looks at TF and at IF going from 0
     * to 1 at every block boundary, so the chain of blocks need not stop
     * (spin_unlock_irqrestore is a POPF). */
    next(c, i);
}

static void op_enter(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize, ss = cpu_stack_size(c);
    unsigned level = (unsigned)i->imm2 & 31;
    uint64_t bp = c->regs[R_BP];
    cpu_push(c, bp, sz);
    uint64_t frame = c->regs[R_SP] & size_mask(ss);
    for (unsigned k = 1; k < level; k++) {
        bp = (bp - sz) & size_mask(ss);
        cpu_push(c, cpu_rd(c, S_SS, bp, sz), sz);
    }
    if (level)
        cpu_push(c, frame, sz);
    reg_write(c, R_BP, ss == 2 ? 2 : sz == 2 ? 2 : (ss == 8 ? 8 : 4), 0, frame);
    uint64_t sp = (c->regs[R_SP] - (i->imm & 0xffff)) & size_mask(ss);
    cpu_rd(c, S_SS, sp, 1); /* the new stack top must be accessible */
    if (ss == 2)
        c->regs[R_SP] = (c->regs[R_SP] & ~0xffffULL) | sp;
    else
        c->regs[R_SP] = sp;
    next(c, i);
}

static void op_leave(struct cpu *c, const struct insn *i)
{
    unsigned ss = cpu_stack_size(c);
    uint64_t sp = c->regs[R_BP] & size_mask(ss);
    uint64_t v = cpu_rd(c, S_SS, sp, i->opsize);
    if (ss == 2)
        c->regs[R_SP] = (c->regs[R_SP] & ~0xffffULL) | ((sp + i->opsize) & 0xffff);
    else
        c->regs[R_SP] = (sp + i->opsize) & size_mask(ss);
    reg_write(c, R_BP, i->opsize, 0, v);
    next(c, i);
}

/* ---- control flow ---- */

static uint64_t ip_mask(const struct cpu *c, unsigned opsize)
{
    if (c->mode & MODE_LONG64)
        return ~0ULL;
    return opsize == 2 ? 0xffff : 0xffffffffULL;
}

static void jump_to(struct cpu *c, uint64_t target, unsigned opsize)
{
    target &= ip_mask(c, opsize);
    if (c->mode & MODE_LONG64) {
        if (!is_canonical(target))
            cpu_gp0(c);
    } else if (target > c->seg[S_CS].limit) {
        cpu_gp0(c);
    }
    c->rip = target;
}

static void op_jcc(struct cpu *c, const struct insn *i)
{
    if (cpu_cond(c, i->op & 15))
        jump_to(c, c->rip + i->len + i->imm, i->opsize);
    else
        next(c, i);
}

static void op_jmp_rel(struct cpu *c, const struct insn *i)
{
    jump_to(c, c->rip + i->len + i->imm, i->opsize);
}

static void op_call_rel(struct cpu *c, const struct insn *i)
{
    uint64_t ret = (c->rip + i->len) & ip_mask(c, i->opsize);
    uint64_t target = (c->rip + i->len + i->imm) & ip_mask(c, i->opsize);
    if (!(c->mode & MODE_LONG64) && target > c->seg[S_CS].limit)
        cpu_gp0(c);
    cpu_push(c, ret, i->opsize);
    c->rip = target;
}

static void op_ret(struct cpu *c, const struct insn *i)
{
    uint64_t sp = c->regs[R_SP];
    uint64_t target = cpu_pop(c, i->opsize);
    if (i->op == 0xc2) {
        unsigned ss = cpu_stack_size(c);
        uint64_t nsp = (c->regs[R_SP] + (i->imm & 0xffff)) & size_mask(ss);
        c->regs[R_SP] = ss == 2 ? ((c->regs[R_SP] & ~0xffffULL) | nsp) : nsp;
    }
    target &= ip_mask(c, i->opsize);
    if (!(c->mode & MODE_LONG64) && target > c->seg[S_CS].limit) {
        c->regs[R_SP] = sp;
        cpu_gp0(c);
    }
    c->rip = target;
}

static void op_loop(struct cpu *c, const struct insn *i)
{
    unsigned as = i->adsize;
    bool take;
    if (i->op == 0xe3) {
        take = (c->regs[R_CX] & size_mask(as)) == 0;
    } else {
        uint64_t cx = (c->regs[R_CX] - 1) & size_mask(as);
        reg_write(c, R_CX, as, 0, cx);
        take = cx != 0;
        if (i->op == 0xe0)
            take = take && !cpu_cond(c, 4);
        else if (i->op == 0xe1)
            take = take && cpu_cond(c, 4);
    }
    if (take)
        jump_to(c, c->rip + i->len + i->imm, i->opsize);
    else
        next(c, i);
}

static void op_jmp_far(struct cpu *c, const struct insn *i)
{
    cpu_far_jump(c, (uint16_t)i->imm2, i->imm, i->opsize, c->rip + i->len);
}

static void op_call_far(struct cpu *c, const struct insn *i)
{
    cpu_far_call(c, (uint16_t)i->imm2, i->imm, i->opsize, (c->rip + i->len) & ip_mask(c, i->opsize));
}

static void op_retf(struct cpu *c, const struct insn *i)
{
    cpu_far_ret(c, i->opsize, i->op == 0xca ? (uint16_t)i->imm : 0);
}

/* Group 5: INC DEC CALL CALLF JMP JMPF PUSH */
static void op_grp5(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize;
    switch (i->reg & 7) {
    case 2: { /* CALL near indirect */
        unsigned os = (c->mode & MODE_LONG64) ? 8 : sz;
        uint64_t target = rm_read(c, i, os) & ip_mask(c, os);
        if (!(c->mode & MODE_LONG64) && target > c->seg[S_CS].limit)
            cpu_gp0(c);
        cpu_push(c, (c->rip + i->len) & ip_mask(c, os), os);
        c->rip = target;
        return;
    }
    case 4: { /* JMP near indirect */
        unsigned os = (c->mode & MODE_LONG64) ? 8 : sz;
        jump_to(c, rm_read(c, i, os), os);
        return;
    }
    case 3:
    case 5: { /* far indirect: m16:16/32/64 */
        if (i->mod == 3)
            cpu_ud(c);
        uint64_t ea = insn_ea(c, i);
        uint64_t off = cpu_rd(c, i->seg, ea, sz);
        uint16_t sel = cpu_rd16(c, i->seg, addr_mask(i->adsize, ea + sz));
        if ((i->reg & 7) == 3)
            cpu_far_call(c, sel, off, sz, (c->rip + i->len) & ip_mask(c, sz));
        else
            cpu_far_jump(c, sel, off, sz, c->rip + i->len);
        return;
    }
    case 6: { /* PUSH */
        unsigned os = (c->mode & MODE_LONG64) ? (sz == 2 ? 2 : 8) : sz;
        cpu_push(c, rm_read(c, i, os), os);
        next(c, i);
        return;
    }
    default:
        op_incdec_rm(c, i);
        return;
    }
}

/* ---- flags ---- */

static void op_flagop(struct cpu *c, const struct insn *i)
{
    uint32_t fl = cpu_get_eflags(c);
    switch (i->op) {
    case 0xf5: cpu_set_eflags(c, fl ^ F_CF, F_CF); break;
    case 0xf8: cpu_set_eflags(c, 0, F_CF); break;
    case 0xf9: cpu_set_eflags(c, F_CF, F_CF); break;
    case 0xfc: c->eflags &= ~F_DF; break;
    case 0xfd: c->eflags |= F_DF; break;
    }
    next(c, i);
}

static bool iopl_ok(const struct cpu *c)
{
    if (!(c->mode & MODE_PE))
        return true;
    return c->cpl <= ((c->eflags & F_IOPL) >> 12);
}

static void op_cli(struct cpu *c, const struct insn *i)
{
    if (!iopl_ok(c))
        cpu_gp0(c);
    c->eflags &= ~F_IF;
    next(c, i);
}

static void op_sti(struct cpu *c, const struct insn *i)
{
    if (!iopl_ok(c))
        cpu_gp0(c);
    if (!(c->eflags & F_IF)) {
        c->eflags |= F_IF;
        c->intr_shadow = true;
    }
    c->stop_block = true;
    next(c, i);
}

static void op_lahf(struct cpu *c, const struct insn *i)
{
    /* AH only: AL and the rest of RAX are preserved */
    c->regs[R_AX] = (c->regs[R_AX] & ~0xff00ULL) | ((uint64_t)(cpu_get_eflags(c) & 0xd7) << 8);
    next(c, i);
}

static void op_sahf(struct cpu *c, const struct insn *i)
{
    cpu_set_eflags(c, (uint32_t)(c->regs[R_AX] >> 8) & 0xd5, F_CF | F_PF | F_AF | F_ZF | F_SF);
    next(c, i);
}

/* ---- I/O, interrupts, misc ---- */

static void op_in(struct cpu *c, const struct insn *i)
{
    uint16_t port = (i->op & 8) ? (uint16_t)c->regs[R_DX] : (uint16_t)i->imm;
    unsigned sz = (i->op & 1) ? (i->opsize == 2 ? 2 : 4) : 1;
    reg_write(c, R_AX, sz, 0, cpu_io_in(c, port, sz));
    next(c, i);
}

static void op_out(struct cpu *c, const struct insn *i)
{
    uint16_t port = (i->op & 8) ? (uint16_t)c->regs[R_DX] : (uint16_t)i->imm;
    unsigned sz = (i->op & 1) ? (i->opsize == 2 ? 2 : 4) : 1;
    cpu_io_out(c, port, sz, reg_read(c, R_AX, sz, 0));
    c->stop_block = true; /* the device may have raised an interrupt */
    next(c, i);
}

static void op_hlt(struct cpu *c, const struct insn *i)
{
    if ((c->mode & MODE_PE) && c->cpl != 0)
        cpu_gp0(c);
    next(c, i);
    c->halted = true;
    c->stop_block = true;
}

static void op_int(struct cpu *c, const struct insn *i)
{
    uint64_t ret = (c->rip + i->len) & ip_mask(c, i->opsize);
    if ((c->eflags & F_VM) && ((c->eflags & F_IOPL) >> 12) < 3 && !(c->cr4 & CR4_VME))
        cpu_gp0(c);
    cpu_deliver(c, (int)(i->imm & 0xff), false, 0, true, ret);
}

static void op_int3(struct cpu *c, const struct insn *i)
{
    cpu_deliver(c, EX_BP, false, 0, true, (c->rip + i->len) & ip_mask(c, i->opsize));
}

static void op_into(struct cpu *c, const struct insn *i)
{
    if (cpu_cond(c, 0))
        cpu_deliver(c, EX_OF, false, 0, true, (c->rip + i->len) & ip_mask(c, i->opsize));
    else
        next(c, i);
}

static void op_int1(struct cpu *c, const struct insn *i)
{
    cpu_deliver(c, EX_DB, false, 0, false, (c->rip + i->len) & ip_mask(c, i->opsize));
}

static void op_iret(struct cpu *c, const struct insn *i)
{
    cpu_iret(c, i->opsize);
}

static void op_cpuid(struct cpu *c, const struct insn *i)
{
    uint32_t out[4];
    cpu_cpuid(c, (uint32_t)c->regs[R_AX], (uint32_t)c->regs[R_CX], out);
    c->regs[R_AX] = out[0];
    c->regs[R_BX] = out[1];
    c->regs[R_CX] = out[2];
    c->regs[R_DX] = out[3];
    next(c, i);
}

static void op_rdtsc(struct cpu *c, const struct insn *i)
{
    if ((c->cr4 & CR4_TSD) && c->cpl != 0 && (c->mode & MODE_PE))
        cpu_gp0(c);
    uint64_t t = cpu_rdtsc(c);
    c->regs[R_AX] = t & 0xffffffff;
    c->regs[R_DX] = t >> 32;
    next(c, i);
}

static void op_mov_from_sreg(struct cpu *c, const struct insn *i)
{
    int s = sreg_of[i->reg & 7];
    if (s < 0)
        cpu_ud(c);
    uint16_t v = c->seg[s].sel;
    if (i->mod == 3)
        reg_write(c, i->rm, i->opsize, REX(i), v); /* zero-extended into a register */
    else
        rm_write(c, i, 2, v);
    next(c, i);
}

static void op_mov_to_sreg(struct cpu *c, const struct insn *i)
{
    int s = sreg_of[i->reg & 7];
    if (s < 0 || s == S_CS)
        cpu_ud(c);
    cpu_load_seg(c, s, (uint16_t)rm_read(c, i, 2));
    if (s == S_SS) {
        c->intr_shadow = true;
        c->stop_block = true;
    }
    next(c, i);
}

/* LES LDS LSS LFS LGS */
static void op_lxs(struct cpu *c, const struct insn *i)
{
    uint64_t ea = insn_ea(c, i);
    unsigned sz = i->opsize;
    uint64_t off = cpu_rd(c, i->seg, ea, sz);
    uint16_t sel = cpu_rd16(c, i->seg, addr_mask(i->adsize, ea + sz));
    cpu_load_seg(c, i->aux, sel);
    reg_write(c, i->reg, sz, REX(i), off);
    if (i->aux == S_SS) {
        c->intr_shadow = true;
        c->stop_block = true;
    }
    next(c, i);
}

static void op_salc(struct cpu *c, const struct insn *i)
{
    reg_write(c, R_AX, 1, 0, cpu_cf(c) ? 0xff : 0);
    next(c, i);
}

/* ---- the table ---- */

#define E(f, fl, ...) { .fn = (f), .flags = (fl), __VA_ARGS__ }
#define FA .fast = fast_alu
#define ALU_ROW(base, op)                                                             \
    [base + 0] = E(op_alu_rm, OPF_MODRM | OPF_BYTE | OPF_LOCKOK, .aux = op, FA),      \
    [base + 1] = E(op_alu_rm, OPF_MODRM | OPF_LOCKOK, .aux = op, FA),                 \
    [base + 2] = E(op_alu_rm, OPF_MODRM | OPF_BYTE, .aux = op, FA),                   \
    [base + 3] = E(op_alu_rm, OPF_MODRM, .aux = op, FA),                              \
    [base + 4] = E(op_alu_acc, OPF_BYTE | OPF_IMM8, .aux = op, FA),                   \
    [base + 5] = E(op_alu_acc, OPF_IMMZ, .aux = op, FA)
#define R8(base, f, fl) \
    [base] = E(f, fl), [base + 1] = E(f, fl), [base + 2] = E(f, fl), [base + 3] = E(f, fl), \
    [base + 4] = E(f, fl), [base + 5] = E(f, fl), [base + 6] = E(f, fl), [base + 7] = E(f, fl)
#define R16(base, f, fl) R8(base, f, fl), R8(base + 8, f, fl)
/* The same with a fast-path selector. */
#define F(f, fl, sel) { .fn = (f), .flags = (fl), .fast = (sel) }
#define RF8(base, f, fl, sel) \
    [base] = F(f, fl, sel), [base + 1] = F(f, fl, sel), [base + 2] = F(f, fl, sel), \
    [base + 3] = F(f, fl, sel), [base + 4] = F(f, fl, sel), [base + 5] = F(f, fl, sel), \
    [base + 6] = F(f, fl, sel), [base + 7] = F(f, fl, sel)
#define RF16(base, f, fl, sel) RF8(base, f, fl, sel), RF8(base + 8, f, fl, sel)
#define ALLGF(f, fl, sel) \
    { F(f, fl, sel), F(f, fl, sel), F(f, fl, sel), F(f, fl, sel), F(f, fl, sel), \
      F(f, fl, sel), F(f, fl, sel), F(f, fl, sel) }

#define BR (OPF_END)
#define ALLG(f, fl) { E(f, fl), E(f, fl), E(f, fl), E(f, fl), E(f, fl), E(f, fl), E(f, fl), E(f, fl) }

static const struct opdesc grp1_b[8] = ALLGF(op_grp1, OPF_BYTE | OPF_IMM8 | OPF_LOCKOK, fast_grp1);
static const struct opdesc grp1_z[8] = ALLGF(op_grp1, OPF_IMMZ | OPF_LOCKOK, fast_grp1);
static const struct opdesc grp1_s8[8] = ALLGF(op_grp1, OPF_IMM8 | OPF_LOCKOK, fast_grp1);
static const struct opdesc grp2_b1[8] = ALLG(op_grp2, OPF_BYTE);
static const struct opdesc grp2_v1[8] = ALLGF(op_grp2, 0, fast_shift);
static const struct opdesc grp2_bi[8] = ALLG(op_grp2, OPF_BYTE | OPF_IMM8U);
static const struct opdesc grp2_vi[8] = ALLGF(op_grp2, OPF_IMM8U, fast_shift);
static const struct opdesc grp3_b[8] = {
    F(op_grp3, OPF_BYTE | OPF_IMM8, fast_test), F(op_grp3, OPF_BYTE | OPF_IMM8, fast_test),
    E(op_grp3, OPF_BYTE | OPF_LOCKOK), E(op_grp3, OPF_BYTE | OPF_LOCKOK),
    E(op_grp3, OPF_BYTE), E(op_grp3, OPF_BYTE), E(op_grp3, OPF_BYTE), E(op_grp3, OPF_BYTE),
};
static const struct opdesc grp3_v[8] = {
    F(op_grp3, OPF_IMMZ, fast_test), F(op_grp3, OPF_IMMZ, fast_test),
    F(op_grp3, OPF_LOCKOK, fast_grp3), F(op_grp3, OPF_LOCKOK, fast_grp3),
    F(op_grp3, 0, fast_grp3), F(op_grp3, 0, fast_grp3), E(op_grp3, 0), E(op_grp3, 0),
};
static const struct opdesc grp4[8] = {
    E(op_incdec_rm, OPF_BYTE | OPF_LOCKOK), E(op_incdec_rm, OPF_BYTE | OPF_LOCKOK),
};
static const struct opdesc grp5[8] = {
    F(op_incdec_rm, OPF_LOCKOK, fast_incdec), F(op_incdec_rm, OPF_LOCKOK, fast_incdec),
    E(op_grp5, BR | OPF_FORCE64),
    E(op_grp5, BR | OPF_MEMONLY), E(op_grp5, BR | OPF_FORCE64), E(op_grp5, BR | OPF_MEMONLY),
    E(op_grp5, OPF_DEF64),
};
static const struct opdesc grp_pop[8] = { E(op_pop_rm, OPF_DEF64) };
static const struct opdesc grp_mov_b[8] = { F(op_mov_rm_imm, OPF_BYTE | OPF_IMM8, fast_mov) };
static const struct opdesc grp_mov_v[8] = { F(op_mov_rm_imm, OPF_IMMZ, fast_mov) };

static const struct opdesc map0[256] = {
    ALU_ROW(0x00, ALU_ADD), ALU_ROW(0x08, ALU_OR), ALU_ROW(0x10, ALU_ADC), ALU_ROW(0x18, ALU_SBB),
    ALU_ROW(0x20, ALU_AND), ALU_ROW(0x28, ALU_SUB), ALU_ROW(0x30, ALU_XOR), ALU_ROW(0x38, ALU_CMP),
    [0x06] = E(op_push_sreg, OPF_NO64, .aux = S_ES),
    [0x07] = E(op_pop_sreg, OPF_NO64, .aux = S_ES),
    [0x0e] = E(op_push_sreg, OPF_NO64, .aux = S_CS),
    [0x16] = E(op_push_sreg, OPF_NO64, .aux = S_SS),
    [0x17] = E(op_pop_sreg, OPF_NO64 | BR, .aux = S_SS),
    [0x1e] = E(op_push_sreg, OPF_NO64, .aux = S_DS),
    [0x1f] = E(op_pop_sreg, OPF_NO64, .aux = S_DS),
    R16(0x40, op_incdec_r, OPF_NO64),
    RF8(0x50, op_push_r, OPF_DEF64, fast_stack),
    RF8(0x58, op_pop_r, OPF_DEF64, fast_stack),
    [0x60] = E(op_pusha, OPF_NO64),
    [0x61] = E(op_popa, OPF_NO64),
    [0x63] = F(op_63, OPF_MODRM, fast_movsxd),
    [0x68] = F(op_push_imm, OPF_DEF64 | OPF_IMMZ, fast_stack),
    [0x69] = F(op_imul3, OPF_MODRM | OPF_IMMZ, fast_imul),
    [0x6a] = F(op_push_imm, OPF_DEF64 | OPF_IMM8, fast_stack),
    [0x6b] = F(op_imul3, OPF_MODRM | OPF_IMM8, fast_imul),
    RF16(0x70, op_jcc, BR | OPF_REL8 | OPF_FORCE64, fast_jcc),
    [0x80] = E(NULL, OPF_GROUP | OPF_BYTE, .group = grp1_b),
    [0x81] = E(NULL, OPF_GROUP, .group = grp1_z),
    [0x82] = E(NULL, OPF_GROUP | OPF_BYTE | OPF_NO64, .group = grp1_b),
    [0x83] = E(NULL, OPF_GROUP, .group = grp1_s8),
    [0x84] = F(op_test_rm, OPF_MODRM | OPF_BYTE, fast_test),
    [0x85] = F(op_test_rm, OPF_MODRM, fast_test),
    [0x86] = E(op_xchg_rm, OPF_MODRM | OPF_BYTE | OPF_LOCKOK),
    [0x87] = E(op_xchg_rm, OPF_MODRM | OPF_LOCKOK),
    [0x88] = F(op_mov_rm, OPF_MODRM | OPF_BYTE, fast_mov),
    [0x89] = F(op_mov_rm, OPF_MODRM, fast_mov),
    [0x8a] = F(op_mov_rm, OPF_MODRM | OPF_BYTE, fast_mov),
    [0x8b] = F(op_mov_rm, OPF_MODRM, fast_mov),
    [0x8c] = E(op_mov_from_sreg, OPF_MODRM),
    [0x8d] = F(op_lea, OPF_MODRM | OPF_MEMONLY, fast_lea),
    [0x8e] = E(op_mov_to_sreg, OPF_MODRM), /* MOV SS stops the block itself */
    [0x8f] = E(NULL, OPF_GROUP | OPF_DEF64, .group = grp_pop),
    [0x90] = F(op_xchg_ax, 0, fast_nop),
    [0x91] = E(op_xchg_ax, 0), [0x92] = E(op_xchg_ax, 0), [0x93] = E(op_xchg_ax, 0),
    [0x94] = E(op_xchg_ax, 0), [0x95] = E(op_xchg_ax, 0), [0x96] = E(op_xchg_ax, 0),
    [0x97] = E(op_xchg_ax, 0),
    [0x98] = E(op_cbw, 0),
    [0x99] = E(op_cwd, 0),
    [0x9a] = E(op_call_far, OPF_NO64 | OPF_FAR | BR),
    [0x9c] = E(op_pushf, OPF_DEF64),
    [0x9d] = E(op_popf, OPF_DEF64 | BR),
    [0x9e] = E(op_sahf, 0),
    [0x9f] = E(op_lahf, 0),
    [0xa0] = E(op_mov_moffs, OPF_BYTE | OPF_MOFFS),
    [0xa1] = E(op_mov_moffs, OPF_MOFFS),
    [0xa2] = E(op_mov_moffs, OPF_BYTE | OPF_MOFFS),
    [0xa3] = E(op_mov_moffs, OPF_MOFFS),
    [0xa8] = F(op_test_acc, OPF_BYTE | OPF_IMM8, fast_test),
    [0xa9] = F(op_test_acc, OPF_IMMZ, fast_test),
    R8(0xb0, op_mov_r_imm, OPF_BYTE | OPF_IMM8U),
    RF8(0xb8, op_mov_r_imm, OPF_IMMV, fast_mov),
    [0xc0] = E(NULL, OPF_GROUP | OPF_BYTE, .group = grp2_bi),
    [0xc1] = E(NULL, OPF_GROUP, .group = grp2_vi),
    [0xc2] = E(op_ret, BR | OPF_FORCE64 | OPF_IMM16),
    [0xc3] = F(op_ret, BR | OPF_FORCE64, fast_branch),
    [0xc4] = E(op_lxs, OPF_MODRM | OPF_MEMONLY | OPF_NO64, .aux = S_ES),
    [0xc5] = E(op_lxs, OPF_MODRM | OPF_MEMONLY | OPF_NO64, .aux = S_DS),
    [0xc6] = E(NULL, OPF_GROUP | OPF_BYTE, .group = grp_mov_b),
    [0xc7] = E(NULL, OPF_GROUP, .group = grp_mov_v),
    [0xc8] = E(op_enter, OPF_DEF64 | OPF_IMM16 | OPF_IMM8X),
    [0xc9] = E(op_leave, OPF_DEF64),
    [0xca] = E(op_retf, BR | OPF_IMM16),
    [0xcb] = E(op_retf, BR),
    [0xcc] = E(op_int3, BR),
    [0xcd] = E(op_int, BR | OPF_IMM8U),
    [0xce] = E(op_into, BR | OPF_NO64),
    [0xcf] = E(op_iret, BR),
    [0xd0] = E(NULL, OPF_GROUP | OPF_BYTE, .group = grp2_b1),
    [0xd1] = E(NULL, OPF_GROUP, .group = grp2_v1),
    [0xd2] = E(NULL, OPF_GROUP | OPF_BYTE, .group = grp2_b1),
    [0xd3] = E(NULL, OPF_GROUP, .group = grp2_v1),
    [0xd6] = E(op_salc, OPF_NO64),
    [0xd7] = E(op_xlat, 0),
    [0xe0] = E(op_loop, BR | OPF_REL8 | OPF_FORCE64),
    [0xe1] = E(op_loop, BR | OPF_REL8 | OPF_FORCE64),
    [0xe2] = E(op_loop, BR | OPF_REL8 | OPF_FORCE64),
    [0xe3] = E(op_loop, BR | OPF_REL8 | OPF_FORCE64),
    [0xe4] = E(op_in, OPF_BYTE | OPF_IMM8U),
    [0xe5] = E(op_in, OPF_IMM8U),
    [0xe6] = E(op_out, OPF_BYTE | OPF_IMM8U | BR),
    [0xe7] = E(op_out, OPF_IMM8U | BR),
    [0xe8] = F(op_call_rel, BR | OPF_RELZ | OPF_FORCE64, fast_branch),
    [0xe9] = F(op_jmp_rel, BR | OPF_RELZ | OPF_FORCE64, fast_branch),
    [0xea] = E(op_jmp_far, BR | OPF_NO64 | OPF_FAR),
    [0xeb] = F(op_jmp_rel, BR | OPF_REL8 | OPF_FORCE64, fast_branch),
    [0xec] = E(op_in, OPF_BYTE),
    [0xed] = E(op_in, 0),
    [0xee] = E(op_out, OPF_BYTE | BR),
    [0xef] = E(op_out, BR),
    [0xf1] = E(op_int1, BR),
    [0xf4] = E(op_hlt, BR),
    [0xf5] = E(op_flagop, 0),
    [0xf6] = E(NULL, OPF_GROUP | OPF_BYTE, .group = grp3_b),
    [0xf7] = E(NULL, OPF_GROUP, .group = grp3_v),
    [0xf8] = E(op_flagop, 0),
    [0xf9] = E(op_flagop, 0),
    [0xfa] = E(op_cli, 0),
    [0xfb] = E(op_sti, BR),
    [0xfc] = E(op_flagop, 0),
    [0xfd] = E(op_flagop, 0),
    [0xfe] = E(NULL, OPF_GROUP | OPF_BYTE, .group = grp4),
    [0xff] = E(NULL, OPF_GROUP, .group = grp5),
};

static const struct opdesc grp9[8] = {
    [1] = E(op_cmpxchg8b, OPF_MEMONLY | OPF_LOCKOK),
};

static const struct opdesc map1[256] = {
    [0x0b] = E(op_ud, BR),
    [0x0d] = E(op_nop, OPF_MODRM), /* PREFETCHW */
    RF8(0x18, op_nop, OPF_MODRM, fast_nop), /* hint NOPs, NOP Ev */
    RF16(0x40, op_cmov, OPF_MODRM, fast_cmov),
    RF16(0x80, op_jcc, BR | OPF_RELZ | OPF_FORCE64, fast_jcc),
    RF16(0x90, op_setcc, OPF_MODRM | OPF_BYTE, fast_setcc),
    [0xa0] = E(op_push_sreg, OPF_DEF64, .aux = S_FS),
    [0xa1] = E(op_pop_sreg, OPF_DEF64, .aux = S_FS),
    [0xa2] = E(op_cpuid, BR),
    [0xa8] = E(op_push_sreg, OPF_DEF64, .aux = S_GS),
    [0xa9] = E(op_pop_sreg, OPF_DEF64, .aux = S_GS),
    [0xaf] = F(op_imul3, OPF_MODRM, fast_imul),
    [0xb0] = E(op_cmpxchg, OPF_MODRM | OPF_BYTE | OPF_LOCKOK),
    [0xb1] = E(op_cmpxchg, OPF_MODRM | OPF_LOCKOK),
    [0xb2] = E(op_lxs, OPF_MODRM | OPF_MEMONLY | BR, .aux = S_SS),
    [0xb4] = E(op_lxs, OPF_MODRM | OPF_MEMONLY, .aux = S_FS),
    [0xb5] = E(op_lxs, OPF_MODRM | OPF_MEMONLY, .aux = S_GS),
    [0xb6] = F(op_movzx, OPF_MODRM, fast_movx),
    [0xb7] = F(op_movzx, OPF_MODRM, fast_movx),
    [0xbe] = F(op_movsx, OPF_MODRM, fast_movx),
    [0xbf] = F(op_movsx, OPF_MODRM, fast_movx),
    [0xc0] = E(op_xadd, OPF_MODRM | OPF_BYTE | OPF_LOCKOK),
    [0xc1] = E(op_xadd, OPF_MODRM | OPF_LOCKOK),
    [0xc7] = E(NULL, OPF_GROUP, .group = grp9),
    R8(0xc8, op_bswap, 0),
    [0x31] = E(op_rdtsc, 0),
};

static const struct opdesc map2[256] = {
    [0xf0] = E(op_movbe, OPF_MODRM | OPF_MEMONLY),
    [0xf1] = E(op_movbe, OPF_MODRM | OPF_MEMONLY),
};

const struct optable ops_int_table = {
    .name = "integer",
    .map = { map0, map1, map2, NULL },
};
