/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fast.c: specialised handlers for the hot integer instructions in 64-bit
 * mode, chosen at decode time.
 *
 * The generic handlers in ops_int.c serve every mode, operand size and
 * operand kind, so each run re-examines the ModRM fields, switches on the
 * size and goes through the segmented memory path.  Here each opcode
 * descriptor that has a `fast` selector (ops.h) gets a second look after
 * decoding: when the CPU is in 64-bit mode and the instruction has a common
 * shape (32/64-bit operands, register/register, register/memory with
 * 64-bit addressing, register/immediate), the selector returns a handler
 * that does exactly that shape with constant sizes, the memory fast path
 * inline (a TLB hit: one compare and a host load/store) and RIP advanced
 * without masking.  Everything else keeps the generic handler.
 *
 * The results are those of the generic handlers bit for bit (the same
 * lazy-flag records, the same fault order, the same slow paths on a TLB
 * miss), so the SDM references are those of ops_int.c; the unit tests and
 * the differential test against KVM cover both.
 *
 * Conventions a selector may set up in the decoded record for its handler:
 *   - register/register ALU and MOV forms: destination in rm, source in
 *     reg (the selector swaps them for the "G, E" direction);
 *   - register operands named by the opcode (B8+r, 50+r, 58+r) and the
 *     accumulator forms: the register in rm;
 *   - byte registers AH/CH/DH/BH (no REX, 4-7): the handler variant "h"
 *     and the register number of the containing register (rm - 4);
 *   - shift counts known at decode (C1 imm8, D1): in imm, already masked;
 *   - branch targets: imm2 = len + displacement.
 *
 * Threat model: as the generic handlers: guest-controlled addresses go
 * through the TLB (a hit is a page the guest may access) or the slow path
 * with its checks; shift counts are masked as the hardware masks them. */
#include <string.h>
#include "cpu/soft/ops.h"

#define AI static inline __attribute__((always_inline))

/* A handler: its body, the plain entry (one instruction, for single-step
 * and one-instruction blocks) and the threaded entry (then the block's next
 * instruction: ops.h insn_next).  FN for handlers that touch memory (a slow
 * path may have set stop_block), FNR for those that cannot. */
#define FN_(name, NEXT)                                                              \
    AI void name##_b(struct cpu *c, const struct insn *i);                           \
    static void name(struct cpu *c, const struct insn *i) { name##_b(c, i); }        \
    static void name##_t(struct cpu *c, const struct insn *i)                        \
    {                                                                                \
        name##_b(c, i);                                                              \
        NEXT(c, i);                                                                  \
    }                                                                                \
    static const struct fastfn name##_f = { name, name##_t };                        \
    AI void name##_b(struct cpu *c, const struct insn *i)
#define FN(name) FN_(name, insn_next_checked)
#define FNR(name) FN_(name, insn_next)

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP, ALU_TEST };

/* ---- operands ---- */

AI uint64_t gr(const struct cpu *c, unsigned r, unsigned sz)
{
    return sz == 8 ? c->regs[r] : (uint32_t)c->regs[r];
}

/* Effective address with 64-bit addressing (selectors check adsize). */
AI uint64_t ea64(const struct cpu *c, const struct insn *i)
{
    return (uint64_t)i->disp + c->xregs[i->base] + (c->xregs[i->index] << i->scale);
}

/* In 64-bit mode only FS and GS add a base (decode leaves DS/SS/FS/GS). */
AI uint64_t lin64(const struct cpu *c, const struct insn *i, uint64_t ea)
{
    return unlikely(i->seg >= S_FS) ? ea + c->seg[i->seg].base : ea;
}

/* The TLB entry for lin, in the TLB of the block's privilege class (the
 * decoder stored its offset in tlb_off: the CPL is part of the block key). */
AI const struct tlb_entry *tlb_at(const struct cpu *c, const struct insn *i, uint64_t lin)
{
    const struct tlb_entry *t = (const void *)((const char *)c + i->tlb_off);
    return &t[(lin >> 12) & (TLB_SIZE - 1)];
}

/* The page of an access's last byte.  An entry's tag equals it only if
 * the access hits a directly mapped page and stays within it (a crossing
 * access ends in the next page, whose tag lives at the next index). */
AI uint64_t last_page(uint64_t lin, unsigned sz)
{
    return (lin + sz - 1) & ~0xfffULL;
}

AI uint64_t hload(const uint8_t *p, unsigned sz)
{
    switch (sz) {
    case 1: return *p;
    case 2: { uint16_t x; memcpy(&x, p, 2); return x; }
    case 4: { uint32_t x; memcpy(&x, p, 4); return x; }
    default: { uint64_t x; memcpy(&x, p, 8); return x; }
    }
}

AI void hstore(uint8_t *p, uint64_t v, unsigned sz)
{
    switch (sz) {
    case 1: *p = (uint8_t)v; break;
    case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

AI uint8_t *hptr(const struct tlb_entry *e, uint64_t lin)
{
    return (uint8_t *)(uintptr_t)(lin + e->addend);
}

/* Loads and stores: the TLB hit inline, everything else (faults, MMIO,
 * code pages, page crossings) through mem.c's slow path. */
AI uint64_t ld(struct cpu *c, const struct insn *i, uint64_t ea, unsigned sz)
{
    uint64_t lin = lin64(c, i, ea);
    const struct tlb_entry *e = tlb_at(c, i, lin);
    if (likely(e->tag_r == last_page(lin, sz)))
        return hload(hptr(e, lin), sz);
    return cpu_rd_slow(c, i->seg, ea, sz);
}

AI void st(struct cpu *c, const struct insn *i, uint64_t ea, uint64_t v, unsigned sz)
{
    uint64_t lin = lin64(c, i, ea);
    const struct tlb_entry *e = tlb_at(c, i, lin);
    if (likely(e->tag_w == last_page(lin, sz)))
        hstore(hptr(e, lin), v, sz);
    else
        cpu_wr_slow(c, i->seg, ea, v & size_mask(sz), sz);
}

/* The write entry for a read-modify-write, or NULL (then the slow path). */
AI uint8_t *rmw_ptr(const struct cpu *c, const struct insn *i, uint64_t ea, unsigned sz)
{
    uint64_t lin = lin64(c, i, ea);
    const struct tlb_entry *e = tlb_at(c, i, lin);
    return likely(e->tag_w == last_page(lin, sz)) ? hptr(e, lin) : NULL;
}

/* 64-bit stack: SS has no base, the width is 64 bits. */
AI void push8(struct cpu *c, const struct insn *i, uint64_t v)
{
    uint64_t sp = c->regs[R_SP] - 8;
    const struct tlb_entry *e = tlb_at(c, i, sp);
    if (likely(e->tag_w == last_page(sp, 8)))
        hstore(hptr(e, sp), v, 8);
    else
        cpu_wr_slow(c, S_SS, sp, v, 8); /* write first: a fault leaves RSP alone */
    c->regs[R_SP] = sp;
}

AI uint64_t pop8(struct cpu *c, const struct insn *i)
{
    uint64_t sp = c->regs[R_SP], v;
    const struct tlb_entry *e = tlb_at(c, i, sp);
    if (likely(e->tag_r == last_page(sp, 8)))
        v = hload(hptr(e, sp), 8);
    else
        v = cpu_rd_slow(c, S_SS, sp, 8);
    c->regs[R_SP] = sp + 8;
    return v;
}

AI void adv(struct cpu *c, const struct insn *i)
{
    c->rip += i->len;
}

/* ---- flags ---- */

/* CF of the lazy state, the common cases inline. */
AI bool fast_cf(struct cpu *c)
{
    unsigned sh = 64 - 8 * c->cc_size;
    switch (c->cc_op) {
    case CC_ADD: return (c->cc_res << sh) < (c->cc_dst << sh);
    case CC_SUB: return (c->cc_dst << sh) < (c->cc_src << sh);
    case CC_LOGIC: return false;
    case CC_INC:
    case CC_DEC: return c->cc_src2 & F_CF;
    default: return cpu_cf(c);
    }
}

/* A Jcc/SETcc/CMOVcc condition: the comparisons after CMP/SUB and
 * TEST/logic, and ZF/SF from any result, inline (values shifted to the top
 * of 64 bits compare as their operand-size images); the rest in flags.c. */
AI bool cond_k(struct cpu *c, unsigned cc)
{
    unsigned sh = 64 - 8 * c->cc_size;
    bool r;
    switch (c->cc_op) {
    case CC_SUB: {
        uint64_t d = c->cc_dst << sh, s = c->cc_src << sh;
        switch (cc >> 1) {
        case 1: r = d < s; break;
        case 2: r = d == s; break;
        case 3: r = d <= s; break;
        case 6: r = (int64_t)d < (int64_t)s; break;
        case 7: r = (int64_t)d <= (int64_t)s; break;
        default: return cpu_cond(c, cc);
        }
        break;
    }
    case CC_LOGIC: {
        uint64_t res = c->cc_res << sh;
        switch (cc >> 1) {
        case 0: case 1: r = false; break;
        case 2: case 3: r = res == 0; break;
        case 4: case 6: r = (int64_t)res < 0; break;
        case 7: r = (int64_t)res <= 0; break;
        default: return cpu_cond(c, cc);
        }
        break;
    }
    case CC_ADD: case CC_ADC: case CC_SBB: case CC_INC: case CC_DEC:
    case CC_SHL: case CC_SHR: case CC_SAR: case CC_MUL: case CC_BMI: {
        uint64_t res = c->cc_res << sh;
        if ((cc >> 1) == 2)
            r = res == 0;
        else if ((cc >> 1) == 4)
            r = (int64_t)res < 0;
        else
            return cpu_cond(c, cc);
        break;
    }
    default:
        return cpu_cond(c, cc);
    }
    return (cc & 1) ? !r : r;
}

/* ---- ALU ---- */

AI bool alu_writes(unsigned op)
{
    return op != ALU_CMP && op != ALU_TEST;
}

/* One ALU operation with constant op and size: the result (masked to the
 * size) and the lazy-flag record the generic alu() makes. */
AI uint64_t alu_k(struct cpu *c, unsigned op, unsigned sz, uint64_t a, uint64_t b)
{
    uint64_t m = size_mask(sz), r;
    a &= m;
    b &= m;
    switch (op) {
    case ALU_ADD: r = (a + b) & m; cc_set(c, CC_ADD, sz, r, a, b); break;
    case ALU_OR: r = a | b; cc_set(c, CC_LOGIC, sz, r, a, b); break;
    case ALU_ADC: {
        uint64_t cf = fast_cf(c);
        r = (a + b + cf) & m;
        cc_set(c, CC_ADC, sz, r, a, b);
        c->cc_src2 = cf;
        break;
    }
    case ALU_SBB: {
        uint64_t cf = fast_cf(c);
        r = (a - b - cf) & m;
        cc_set(c, CC_SBB, sz, r, a, b);
        c->cc_src2 = cf;
        break;
    }
    case ALU_AND:
    case ALU_TEST: r = a & b; cc_set(c, CC_LOGIC, sz, r, a, b); break;
    case ALU_SUB:
    case ALU_CMP: r = (a - b) & m; cc_set(c, CC_SUB, sz, r, a, b); break;
    default: r = a ^ b; cc_set(c, CC_LOGIC, sz, r, a, b); break;
    }
    return r;
}

/* Memory destination: read-modify-write checked as a write (as cpu_rd_w),
 * or a plain read for CMP/TEST. */
AI void alu_mem(struct cpu *c, const struct insn *i, unsigned op, unsigned sz, uint64_t b)
{
    uint64_t ea = ea64(c, i);
    if (!alu_writes(op)) {
        alu_k(c, op, sz, ld(c, i, ea, sz), b);
        return;
    }
    uint8_t *p = rmw_ptr(c, i, ea, sz);
    if (likely(p)) {
        hstore(p, alu_k(c, op, sz, hload(p, sz), b), sz);
    } else {
        uint64_t r = alu_k(c, op, sz, cpu_rd_w(c, i->seg, ea, sz), b);
        cpu_wr(c, i->seg, ea, r, sz);
    }
}

/* Forms: rr (dst rm, src reg), ri (dst rm, imm), rm (dst reg, src memory),
 * mr (memory dst, src reg), mi (memory dst, imm). */
#define ALU_FORMS(OP, N, SZ)                                                        \
    FNR(N##_rr##SZ)                                                                  \
    {                                                                               \
        uint64_t r = alu_k(c, OP, SZ, gr(c, i->rm, SZ), gr(c, i->reg, SZ));         \
        if (alu_writes(OP))                                                         \
            c->regs[i->rm] = r;                                                     \
        adv(c, i);                                                                  \
    }                                                                               \
    FNR(N##_ri##SZ)                                                                  \
    {                                                                               \
        uint64_t r = alu_k(c, OP, SZ, gr(c, i->rm, SZ), i->imm);                    \
        if (alu_writes(OP))                                                         \
            c->regs[i->rm] = r;                                                     \
        adv(c, i);                                                                  \
    }                                                                               \
    FN(N##_rm##SZ)                                                                  \
    {                                                                               \
        uint64_t a = gr(c, i->reg, SZ);                                             \
        uint64_t r = alu_k(c, OP, SZ, a, ld(c, i, ea64(c, i), SZ));                 \
        if (alu_writes(OP))                                                         \
            c->regs[i->reg] = r;                                                    \
        adv(c, i);                                                                  \
    }                                                                               \
    FN(N##_mr##SZ)                                                                  \
    {                                                                               \
        alu_mem(c, i, OP, SZ, gr(c, i->reg, SZ));                                   \
        adv(c, i);                                                                  \
    }                                                                               \
    FN(N##_mi##SZ)                                                                  \
    {                                                                               \
        alu_mem(c, i, OP, SZ, i->imm);                                              \
        adv(c, i);                                                                  \
    }
#define ALU_BOTH(OP, N) ALU_FORMS(OP, N, 4) ALU_FORMS(OP, N, 8)
ALU_BOTH(ALU_ADD, add)
ALU_BOTH(ALU_OR, or)
ALU_BOTH(ALU_ADC, adc)
ALU_BOTH(ALU_SBB, sbb)
ALU_BOTH(ALU_AND, and)
ALU_BOTH(ALU_SUB, sub)
ALU_BOTH(ALU_XOR, xor)
ALU_BOTH(ALU_CMP, cmp)
ALU_BOTH(ALU_TEST, test)

enum { FORM_RR, FORM_RI, FORM_RM, FORM_MR, FORM_MI };
#define ALU_ROW(N) \
    { { &N##_rr4_f, &N##_rr8_f }, { &N##_ri4_f, &N##_ri8_f }, { &N##_rm4_f, &N##_rm8_f }, \
      { &N##_mr4_f, &N##_mr8_f }, { &N##_mi4_f, &N##_mi8_f } }
static const struct fastfn *const alu_tab[9][5][2] = {
    ALU_ROW(add), ALU_ROW(or), ALU_ROW(adc), ALU_ROW(sbb), ALU_ROW(and),
    ALU_ROW(sub), ALU_ROW(xor), ALU_ROW(cmp), ALU_ROW(test),
};

/* Byte CMP/TEST with memory or low-byte registers (string scanning). */
FN(cmp_mi1) { alu_mem(c, i, ALU_CMP, 1, i->imm); adv(c, i); }
FN(test_mi1) { alu_mem(c, i, ALU_TEST, 1, i->imm); adv(c, i); }
FNR(cmp_ri1) { alu_k(c, ALU_CMP, 1, c->regs[i->rm], i->imm); adv(c, i); }
FNR(test_ri1) { alu_k(c, ALU_TEST, 1, c->regs[i->rm], i->imm); adv(c, i); }
FNR(cmp_rr1) { alu_k(c, ALU_CMP, 1, c->regs[i->rm], c->regs[i->reg]); adv(c, i); }
FNR(test_rr1) { alu_k(c, ALU_TEST, 1, c->regs[i->rm], c->regs[i->reg]); adv(c, i); }

static bool ok_mem(const struct insn *i)
{
    return i->adsize == 8;
}

static bool ok_size(const struct insn *i)
{
    return i->opsize == 4 || i->opsize == 8;
}

/* A byte register without the AH..BH aliasing (REX present or 0-3). */
static bool low_byte_reg(const struct insn *i, unsigned r)
{
    return i->rex || r < 4;
}

static const struct fastfn *alu_form(struct insn *i, unsigned op, int form)
{
    if (!ok_size(i) || ((form == FORM_RM || form == FORM_MR || form == FORM_MI) && !ok_mem(i)))
        return NULL;
    return alu_tab[op][form][i->opsize == 8];
}

/* 00-3D: ALU E,G / G,E / acc,imm (op in aux). */
const struct fastfn *fast_alu(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64))
        return NULL;
    unsigned op = i->aux;
    switch (i->op & 7) {
    case 1:
        if (i->mod != 3)
            return alu_form(i, op, FORM_MR);
        return alu_form(i, op, FORM_RR);
    case 3:
        if (i->mod != 3)
            return alu_form(i, op, FORM_RM);
        if (!ok_size(i))
            return NULL;
        { uint8_t t = i->rm; i->rm = i->reg; i->reg = t; } /* dst in rm */
        return alu_form(i, op, FORM_RR);
    case 5:
        if (!ok_size(i))
            return NULL;
        i->rm = R_AX;
        return alu_form(i, op, FORM_RI);
    case 0:
        if (op == ALU_CMP && i->mod == 3 && low_byte_reg(i, i->rm) && low_byte_reg(i, i->reg))
            return &cmp_rr1_f;
        return NULL;
    case 4:
        if (op == ALU_CMP) {
            i->rm = R_AX;
            return &cmp_ri1_f;
        }
        return NULL;
    default:
        return NULL;
    }
}

/* 80/81/83: group 1 with an immediate (op in ModRM.reg). */
const struct fastfn *fast_grp1(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64))
        return NULL;
    unsigned op = i->reg & 7;
    if (i->opsize == 1) {
        if (op != ALU_CMP)
            return NULL;
        if (i->mod == 3)
            return low_byte_reg(i, i->rm) ? &cmp_ri1_f : NULL;
        return ok_mem(i) ? &cmp_mi1_f : NULL;
    }
    return alu_form(i, op, i->mod == 3 ? FORM_RI : FORM_MI);
}

/* 84/85 TEST E,G; A8/A9 TEST acc,imm; F6/F7 /0 /1 TEST E,imm. */
const struct fastfn *fast_test(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64))
        return NULL;
    bool modrm = i->op == 0x84 || i->op == 0x85;
    if (i->op == 0xa8 || i->op == 0xa9)
        i->rm = R_AX;
    if (i->opsize == 1) {
        if (modrm)
            return i->mod == 3 && low_byte_reg(i, i->rm) && low_byte_reg(i, i->reg) ? &test_rr1_f
                                                                                  : NULL;
        if (i->op == 0xa8 || i->mod == 3)
            return i->op == 0xa8 || low_byte_reg(i, i->rm) ? &test_ri1_f : NULL;
        return ok_mem(i) ? &test_mi1_f : NULL;
    }
    if (modrm)
        return alu_form(i, ALU_TEST, i->mod == 3 ? FORM_RR : FORM_MR);
    return alu_form(i, ALU_TEST, (i->op == 0xa9 || i->mod == 3) ? FORM_RI : FORM_MI);
}

/* ---- INC/DEC (FF /0 /1): CF kept ---- */

AI uint64_t incdec_k(struct cpu *c, unsigned sz, uint64_t v, bool dec)
{
    uint64_t cf = fast_cf(c) ? F_CF : 0;
    uint64_t r = (dec ? v - 1 : v + 1) & size_mask(sz);
    cc_set(c, dec ? CC_DEC : CC_INC, sz, r, v, 1);
    c->cc_src2 = cf;
    return r;
}

#define INCDEC_FORMS(N, DEC, SZ)                                                    \
    FNR(N##_r##SZ)                                                                   \
    {                                                                               \
        c->regs[i->rm] = incdec_k(c, SZ, gr(c, i->rm, SZ), DEC);                    \
        adv(c, i);                                                                  \
    }                                                                               \
    FN(N##_m##SZ)                                                                   \
    {                                                                               \
        uint64_t ea = ea64(c, i);                                                   \
        uint8_t *p = rmw_ptr(c, i, ea, SZ);                                         \
        if (likely(p)) {                                                            \
            hstore(p, incdec_k(c, SZ, hload(p, SZ), DEC), SZ);                      \
        } else {                                                                    \
            uint64_t v = cpu_rd_w(c, i->seg, ea, SZ);                               \
            cpu_wr(c, i->seg, ea, incdec_k(c, SZ, v, DEC), SZ);                     \
        }                                                                           \
        adv(c, i);                                                                  \
    }
INCDEC_FORMS(inc, false, 4)
INCDEC_FORMS(inc, false, 8)
INCDEC_FORMS(dec, true, 4)
INCDEC_FORMS(dec, true, 8)

const struct fastfn *fast_incdec(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64) || !ok_size(i))
        return NULL;
    bool dec = i->reg & 1, q = i->opsize == 8;
    if (i->mod == 3)
        return dec ? (q ? &dec_r8_f : &dec_r4_f) : (q ? &inc_r8_f : &inc_r4_f);
    if (!ok_mem(i))
        return NULL;
    return dec ? (q ? &dec_m8_f : &dec_m4_f) : (q ? &inc_m8_f : &inc_m4_f);
}

/* ---- MOV ---- */

FNR(mov_rr4) { c->regs[i->rm] = (uint32_t)c->regs[i->reg]; adv(c, i); }
FNR(mov_rr8) { c->regs[i->rm] = c->regs[i->reg]; adv(c, i); }
FNR(mov_ri4) { c->regs[i->rm] = (uint32_t)i->imm; adv(c, i); }
FNR(mov_ri8) { c->regs[i->rm] = i->imm; adv(c, i); }
FN(mov_ld4) { c->regs[i->reg] = ld(c, i, ea64(c, i), 4); adv(c, i); }
FN(mov_ld8) { c->regs[i->reg] = ld(c, i, ea64(c, i), 8); adv(c, i); }
FN(mov_st4) { st(c, i, ea64(c, i), c->regs[i->reg], 4); adv(c, i); }
FN(mov_st8) { st(c, i, ea64(c, i), c->regs[i->reg], 8); adv(c, i); }
FN(mov_mi4) { st(c, i, ea64(c, i), i->imm, 4); adv(c, i); }
FN(mov_mi8) { st(c, i, ea64(c, i), i->imm, 8); adv(c, i); }
FN(mov_mi1) { st(c, i, ea64(c, i), i->imm, 1); adv(c, i); }
FN(mov_mi2) { st(c, i, ea64(c, i), i->imm, 2); adv(c, i); }
FN(mov_st1) { st(c, i, ea64(c, i), c->regs[i->reg], 1); adv(c, i); }
FN(mov_st1h) { st(c, i, ea64(c, i), c->regs[i->reg] >> 8, 1); adv(c, i); }
FN(mov_st2) { st(c, i, ea64(c, i), c->regs[i->reg], 2); adv(c, i); }
FN(mov_ld1)
{
    uint64_t v = ld(c, i, ea64(c, i), 1);
    c->regs[i->reg] = (c->regs[i->reg] & ~0xffULL) | v;
    adv(c, i);
}
FN(mov_ld1h)
{
    uint64_t v = ld(c, i, ea64(c, i), 1);
    c->regs[i->reg] = (c->regs[i->reg] & ~0xff00ULL) | (v << 8);
    adv(c, i);
}
FN(mov_ld2)
{
    uint64_t v = ld(c, i, ea64(c, i), 2);
    c->regs[i->reg] = (c->regs[i->reg] & ~0xffffULL) | v;
    adv(c, i);
}

/* 88/89/8A/8B MOV E,G / G,E; C6/C7 /0 MOV E,imm; B8+r MOV r,imm. */
const struct fastfn *fast_mov(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64))
        return NULL;
    unsigned sz = i->opsize;
    bool q = sz == 8;
    if (i->op >= 0xb8 && i->op <= 0xbf) {
        i->rm = (uint8_t)((i->op & 7) | ((i->rex & 1) << 3));
        return sz == 8 ? &mov_ri8_f : sz == 4 ? &mov_ri4_f : NULL;
    }
    if (i->op == 0xc6 || i->op == 0xc7) {
        if (i->mod == 3)
            return sz == 8 ? &mov_ri8_f : sz == 4 ? &mov_ri4_f : NULL;
        if (!ok_mem(i))
            return NULL;
        return sz == 8 ? &mov_mi8_f : sz == 4 ? &mov_mi4_f : sz == 2 ? &mov_mi2_f : &mov_mi1_f;
    }
    if (i->mod == 3) {
        if (!ok_size(i))
            return NULL;
        if (i->op == 0x8b) {
            uint8_t t = i->rm;
            i->rm = i->reg;
            i->reg = t;
        }
        return q ? &mov_rr8_f : &mov_rr4_f;
    }
    if (!ok_mem(i))
        return NULL;
    bool load = i->op & 2;
    if (sz == 1) {
        bool high = !low_byte_reg(i, i->reg);
        if (high)
            i->reg = (uint8_t)(i->reg - 4);
        return load ? (high ? &mov_ld1h_f : &mov_ld1_f) : (high ? &mov_st1h_f : &mov_st1_f);
    }
    if (sz == 2)
        return load ? &mov_ld2_f : &mov_st2_f;
    return load ? (q ? &mov_ld8_f : &mov_ld4_f) : (q ? &mov_st8_f : &mov_st4_f);
}

/* ---- MOVZX / MOVSX / MOVSXD ---- */

/* A 32- or 64-bit destination gets the whole zero-extended value either
 * way; sign extension depends on the destination size. */
FN(movzb_ld) { c->regs[i->reg] = ld(c, i, ea64(c, i), 1); adv(c, i); }
FN(movzw_ld) { c->regs[i->reg] = ld(c, i, ea64(c, i), 2); adv(c, i); }
FNR(movzb_rr) { c->regs[i->reg] = (uint8_t)c->regs[i->rm]; adv(c, i); }
FNR(movzb_rrh) { c->regs[i->reg] = (uint8_t)(c->regs[i->rm] >> 8); adv(c, i); }
FNR(movzw_rr) { c->regs[i->reg] = (uint16_t)c->regs[i->rm]; adv(c, i); }
FN(movsb_ld4) { c->regs[i->reg] = (uint32_t)(int8_t)ld(c, i, ea64(c, i), 1); adv(c, i); }
FN(movsb_ld8) { c->regs[i->reg] = (uint64_t)(int8_t)ld(c, i, ea64(c, i), 1); adv(c, i); }
FN(movsw_ld4) { c->regs[i->reg] = (uint32_t)(int16_t)ld(c, i, ea64(c, i), 2); adv(c, i); }
FN(movsw_ld8) { c->regs[i->reg] = (uint64_t)(int16_t)ld(c, i, ea64(c, i), 2); adv(c, i); }
FNR(movsb_rr4) { c->regs[i->reg] = (uint32_t)(int8_t)c->regs[i->rm]; adv(c, i); }
FNR(movsb_rr8) { c->regs[i->reg] = (uint64_t)(int8_t)c->regs[i->rm]; adv(c, i); }
FNR(movsw_rr4) { c->regs[i->reg] = (uint32_t)(int16_t)c->regs[i->rm]; adv(c, i); }
FNR(movsw_rr8) { c->regs[i->reg] = (uint64_t)(int16_t)c->regs[i->rm]; adv(c, i); }
FNR(movsxd_rr) { c->regs[i->reg] = (uint64_t)(int32_t)c->regs[i->rm]; adv(c, i); }
FN(movsxd_ld) { c->regs[i->reg] = (uint64_t)(int32_t)ld(c, i, ea64(c, i), 4); adv(c, i); }

/* 0F B6/B7 MOVZX, 0F BE/BF MOVSX. */
const struct fastfn *fast_movx(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64) || !ok_size(i))
        return NULL;
    bool word = i->op & 1, sx = i->op & 8, q = i->opsize == 8;
    if (i->mod != 3) {
        if (!ok_mem(i))
            return NULL;
        if (!sx)
            return word ? &movzw_ld_f : &movzb_ld_f;
        return word ? (q ? &movsw_ld8_f : &movsw_ld4_f) : (q ? &movsb_ld8_f : &movsb_ld4_f);
    }
    if (word)
        return !sx ? &movzw_rr_f : q ? &movsw_rr8_f : &movsw_rr4_f;
    if (!low_byte_reg(i, i->rm)) {
        if (sx)
            return NULL;
        i->rm = (uint8_t)(i->rm - 4);
        return &movzb_rrh_f;
    }
    return !sx ? &movzb_rr_f : q ? &movsb_rr8_f : &movsb_rr4_f;
}

/* 63 in 64-bit mode with REX.W: MOVSXD. */
const struct fastfn *fast_movsxd(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64) || i->opsize != 8)
        return NULL;
    if (i->mod == 3)
        return &movsxd_rr_f;
    return ok_mem(i) ? &movsxd_ld_f : NULL;
}

/* ---- LEA ---- */

FNR(lea4) { c->regs[i->reg] = (uint32_t)ea64(c, i); adv(c, i); }
FNR(lea8) { c->regs[i->reg] = ea64(c, i); adv(c, i); }

const struct fastfn *fast_lea(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64) || !ok_size(i) || !ok_mem(i))
        return NULL;
    return i->opsize == 8 ? &lea8_f : &lea4_f;
}

/* ---- shifts and rotates on registers (C1, D1, D3: /0 /1 /4 /5 /6 /7) ---- */

AI uint64_t shift_k(struct cpu *c, unsigned op, unsigned sz, uint64_t v, unsigned cnt)
{
    unsigned bits = sz * 8;
    uint64_t m = size_mask(sz), top = 1ULL << (bits - 1), r;
    bool cf, of;
    switch (op) {
    case 0: /* ROL */
        r = ((v << cnt) | (v >> ((bits - cnt) & (bits - 1)))) & m;
        cf = r & 1;
        cc_rotate(c, CC_ROL, cf, ((r & top) != 0) != cf);
        return r;
    case 1: /* ROR */
        r = ((v >> cnt) | (v << ((bits - cnt) & (bits - 1)))) & m;
        cc_rotate(c, CC_ROR, r & top, ((r & top) != 0) != ((r & (top >> 1)) != 0));
        return r;
    case 4: /* SHL */
        r = (v << cnt) & m;
        cf = (v >> (bits - cnt)) & 1;
        of = ((r & top) != 0) != cf;
        cc_set(c, CC_SHL, sz, r, v, cnt);
        c->cc_src2 = (cf ? F_CF : 0) | (of ? F_OF : 0);
        return r;
    case 5: /* SHR */
        r = v >> cnt;
        cf = (v >> (cnt - 1)) & 1;
        cc_set(c, CC_SHR, sz, r, v, cnt);
        c->cc_src2 = (cf ? F_CF : 0) | ((v & top) ? F_OF : 0);
        return r;
    default: { /* SAR */
        int64_t sv = sext(v, sz);
        r = (uint64_t)(sv >> cnt) & m;
        cf = (sv >> (cnt - 1)) & 1;
        cc_set(c, CC_SAR, sz, r, v, cnt);
        c->cc_src2 = cf ? F_CF : 0;
        return r;
    }
    }
}

/* ri: count in imm (non-zero, masked at decode); rc: count in CL. */
#define SHIFT_FORMS(OP, N, SZ)                                                      \
    FNR(N##_ri##SZ)                                                                  \
    {                                                                               \
        c->regs[i->rm] = shift_k(c, OP, SZ, gr(c, i->rm, SZ), (unsigned)i->imm);    \
        adv(c, i);                                                                  \
    }                                                                               \
    FNR(N##_rc##SZ)                                                                  \
    {                                                                               \
        unsigned cnt = (unsigned)c->regs[R_CX] & (SZ == 8 ? 63 : 31);               \
        if (cnt)                                                                    \
            c->regs[i->rm] = shift_k(c, OP, SZ, gr(c, i->rm, SZ), cnt);             \
        else if (SZ == 4)                                                           \
            c->regs[i->rm] = (uint32_t)c->regs[i->rm]; /* zero-extends */           \
        adv(c, i);                                                                  \
    }
#define SHIFT_BOTH(OP, N) SHIFT_FORMS(OP, N, 4) SHIFT_FORMS(OP, N, 8)
SHIFT_BOTH(0, rol)
SHIFT_BOTH(1, ror)
SHIFT_BOTH(4, shl)
SHIFT_BOTH(5, shr)
SHIFT_BOTH(7, sar)

/* 16-bit operands, count from imm/1 in 1..15 (decode-time): the upper 48
 * bits of the register are kept. */
#define SHIFT16(OP, N)                                                              \
    FNR(N##_ri2)                                                                    \
    {                                                                               \
        uint64_t v = c->regs[i->rm];                                                \
        uint64_t r = shift_k(c, OP, 2, v & 0xffff, (unsigned)i->imm);               \
        c->regs[i->rm] = (v & ~0xffffULL) | r;                                      \
        adv(c, i);                                                                  \
    }
SHIFT16(0, rol)
SHIFT16(1, ror)
SHIFT16(4, shl)
SHIFT16(5, shr)
SHIFT16(7, sar)
static const struct fastfn *const shift16_tab[8] = {
    [0] = &rol_ri2_f, [1] = &ror_ri2_f, [4] = &shl_ri2_f, [5] = &shr_ri2_f, [6] = &shl_ri2_f,
    [7] = &sar_ri2_f,
};

#define SHIFT_ROW(N) { { &N##_ri4_f, &N##_ri8_f }, { &N##_rc4_f, &N##_rc8_f } }
static const struct fastfn *const shift_tab[8][2][2] = {
    [0] = SHIFT_ROW(rol), [1] = SHIFT_ROW(ror), [4] = SHIFT_ROW(shl),
    [5] = SHIFT_ROW(shr), [6] = SHIFT_ROW(shl), [7] = SHIFT_ROW(sar),
};

const struct fastfn *fast_shift(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64) || i->mod != 3)
        return NULL;
    unsigned op = i->reg & 7;
    if (!shift_tab[op][0][0])
        return NULL; /* RCL, RCR */
    if (i->opsize == 2) {
        /* Counts of 16 and more (masked to 5 bits) have their own flag
         * rules in the generic handler; so has CL. */
        unsigned cnt = i->op == 0xd1 ? 1 : i->op == 0xc1 ? (unsigned)i->imm & 31 : 0;
        if (cnt == 0 || cnt > 15)
            return NULL;
        i->imm = cnt;
        return shift16_tab[op];
    }
    if (!ok_size(i))
        return NULL;
    bool q = i->opsize == 8;
    if (i->op == 0xd3)
        return shift_tab[op][1][q];
    unsigned cnt = i->op == 0xd1 ? 1 : (unsigned)i->imm & (q ? 63 : 31);
    if (!cnt)
        return NULL; /* a zero count changes nothing, not even the upper half: generic */
    i->imm = cnt;
    return shift_tab[op][0][q];
}

/* ---- IMUL r, r/m (, imm) ---- */

AI void imul_k(struct cpu *c, const struct insn *i, unsigned sz, uint64_t a, uint64_t b)
{
    uint64_t lo;
    bool of;
    if (sz == 8) {
        int64_t p;
        of = __builtin_mul_overflow((int64_t)a, (int64_t)b, &p);
        lo = (uint64_t)p;
    } else {
        int64_t p = (int64_t)(int32_t)a * (int32_t)b;
        lo = (uint32_t)p;
        of = p != (int32_t)p;
    }
    c->regs[i->reg] = lo;
    cc_set(c, CC_MUL, sz, lo, 0, 0);
    c->cc_src2 = of ? (F_CF | F_OF) : 0;
}

FNR(imul_rr4) { imul_k(c, i, 4, c->regs[i->rm], c->regs[i->reg]); adv(c, i); }
FNR(imul_rr8) { imul_k(c, i, 8, c->regs[i->rm], c->regs[i->reg]); adv(c, i); }
FN(imul_rm4) { imul_k(c, i, 4, ld(c, i, ea64(c, i), 4), c->regs[i->reg]); adv(c, i); }
FN(imul_rm8) { imul_k(c, i, 8, ld(c, i, ea64(c, i), 8), c->regs[i->reg]); adv(c, i); }
FNR(imul_rri4) { imul_k(c, i, 4, c->regs[i->rm], i->imm); adv(c, i); }
FNR(imul_rri8) { imul_k(c, i, 8, c->regs[i->rm], i->imm); adv(c, i); }
FN(imul_rmi4) { imul_k(c, i, 4, ld(c, i, ea64(c, i), 4), i->imm); adv(c, i); }
FN(imul_rmi8) { imul_k(c, i, 8, ld(c, i, ea64(c, i), 8), i->imm); adv(c, i); }

/* 0F AF, 69, 6B. */
const struct fastfn *fast_imul(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64) || !ok_size(i) || (i->mod != 3 && !ok_mem(i)))
        return NULL;
    bool q = i->opsize == 8, imm = i->op != 0xaf;
    if (i->mod == 3)
        return imm ? (q ? &imul_rri8_f : &imul_rri4_f) : (q ? &imul_rr8_f : &imul_rr4_f);
    return imm ? (q ? &imul_rmi8_f : &imul_rmi4_f) : (q ? &imul_rm8_f : &imul_rm4_f);
}

/* ---- group 3 (F7): NOT, NEG, MUL, IMUL on registers ---- */

#define GRP3_FORMS(SZ)                                                              \
    FNR(not_r##SZ)                                                                  \
    {                                                                               \
        c->regs[i->rm] = gr(c, i->rm, SZ) ^ size_mask(SZ);                          \
        adv(c, i);                                                                  \
    }                                                                               \
    FNR(neg_r##SZ)                                                                  \
    {                                                                               \
        c->regs[i->rm] = alu_k(c, ALU_SUB, SZ, 0, gr(c, i->rm, SZ));                \
        adv(c, i);                                                                  \
    }                                                                               \
    FNR(mul_r##SZ) { mul1_k(c, SZ, gr(c, i->rm, SZ), false); adv(c, i); }          \
    FNR(imul1_r##SZ) { mul1_k(c, SZ, gr(c, i->rm, SZ), true); adv(c, i); }

/* MUL/IMUL r/m: rDX:rAX = rAX * src; CF = OF = the high half is
 * significant (as do_mul in ops_int.c). */
AI void mul1_k(struct cpu *c, unsigned sz, uint64_t src, bool sign)
{
    uint64_t a = gr(c, R_AX, sz), lo, hi;
    bool of;
    if (sz == 8) {
        if (sign) {
            __int128 p = (__int128)(int64_t)a * (int64_t)src;
            lo = (uint64_t)p;
            hi = (uint64_t)((unsigned __int128)p >> 64);
            of = p != (__int128)(int64_t)lo;
        } else {
            unsigned __int128 p = (unsigned __int128)a * src;
            lo = (uint64_t)p;
            hi = (uint64_t)(p >> 64);
            of = hi != 0;
        }
    } else {
        if (sign) {
            int64_t p = (int64_t)(int32_t)a * (int32_t)src;
            lo = (uint32_t)p;
            hi = (uint32_t)((uint64_t)p >> 32);
            of = p != (int32_t)p;
        } else {
            uint64_t p = a * src;
            lo = (uint32_t)p;
            hi = p >> 32;
            of = hi != 0;
        }
    }
    c->regs[R_AX] = lo;
    c->regs[R_DX] = hi;
    cc_set(c, CC_MUL, sz, lo, 0, 0);
    c->cc_src2 = of ? (F_CF | F_OF) : 0;
}

GRP3_FORMS(4)
GRP3_FORMS(8)

/* F7 /2 /3 /4 /5 with a register operand. */
const struct fastfn *fast_grp3(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64) || !ok_size(i) || i->mod != 3)
        return NULL;
    bool q = i->opsize == 8;
    switch (i->reg & 7) {
    case 2: return q ? &not_r8_f : &not_r4_f;
    case 3: return q ? &neg_r8_f : &neg_r4_f;
    case 4: return q ? &mul_r8_f : &mul_r4_f;
    case 5: return q ? &imul1_r8_f : &imul1_r4_f;
    default: return NULL;
    }
}

/* ---- branches, calls, stack ---- */

/* A near jump in 64-bit mode: #GP(0) before RIP changes if the target is
 * not canonical (as jump_to in ops_int.c). */
AI void jump64(struct cpu *c, uint64_t t)
{
    if (unlikely(!is_canonical(t)))
        cpu_gp0(c);
    c->rip = t;
}

#define JCC(N)                                                                      \
    FNR(jcc_##N)                                                                     \
    {                                                                               \
        if (cond_k(c, N))                                                           \
            jump64(c, c->rip + i->imm2);                                            \
        else                                                                        \
            adv(c, i);                                                              \
    }
JCC(0) JCC(1) JCC(2) JCC(3) JCC(4) JCC(5) JCC(6) JCC(7)
JCC(8) JCC(9) JCC(10) JCC(11) JCC(12) JCC(13) JCC(14) JCC(15)
static const struct fastfn *const jcc_tab[16] = {
    &jcc_0_f, &jcc_1_f, &jcc_2_f, &jcc_3_f, &jcc_4_f, &jcc_5_f, &jcc_6_f, &jcc_7_f,
    &jcc_8_f, &jcc_9_f, &jcc_10_f, &jcc_11_f, &jcc_12_f, &jcc_13_f, &jcc_14_f, &jcc_15_f,
};

FNR(jmp_rel) { jump64(c, c->rip + i->imm2); }
FN(call_rel)
{
    uint64_t ret = c->rip + i->len;
    push8(c, i, ret);
    c->rip = c->rip + i->imm2;
}
FN(ret_near) { c->rip = pop8(c, i); }
FN(push_r) { push8(c, i, c->regs[i->rm]); adv(c, i); }
FN(push_i) { push8(c, i, i->imm); adv(c, i); }
FN(pop_r)
{
    uint64_t v = pop8(c, i);
    c->regs[i->rm] = v; /* POP RSP: the popped value wins */
    adv(c, i);
}
FNR(nop64) { adv(c, i); }

/* 70-7F, 0F 80-8F. */
const struct fastfn *fast_jcc(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64))
        return NULL;
    i->imm2 = i->len + i->imm;
    return jcc_tab[i->op & 15];
}

/* E8 CALL rel32, E9/EB JMP rel, C3 RET. */
const struct fastfn *fast_branch(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64))
        return NULL;
    i->imm2 = i->len + i->imm;
    switch (i->op) {
    case 0xe8: return &call_rel_f;
    case 0xe9: case 0xeb: return &jmp_rel_f;
    case 0xc3: return i->opsize == 8 ? &ret_near_f : NULL;
    default: return NULL;
    }
}

/* 50+r PUSH, 58+r POP, 68/6A PUSH imm (64-bit operand size only). */
const struct fastfn *fast_stack(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64) || i->opsize != 8)
        return NULL;
    if (i->op == 0x68 || i->op == 0x6a)
        return &push_i_f;
    i->rm = (uint8_t)((i->op & 7) | ((i->rex & 1) << 3));
    return (i->op & 8) ? &pop_r_f : &push_r_f;
}

/* 90 (NOP/PAUSE, not XCHG r8), 0F 18-1F hint NOPs. */
const struct fastfn *fast_nop(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64))
        return NULL;
    if (i->map == 0 && (i->op != 0x90 || (i->rex & 1) || i->rep == 0xf3))
        return NULL; /* XCHG r, rAX (with REX.B: XCHG R8, RAX); PAUSE yields */
    return &nop64_f;
}

/* ---- CMOVcc, SETcc ---- */

FNR(cmov_rr4)
{
    uint64_t v = (uint32_t)c->regs[i->rm];
    c->regs[i->reg] = cond_k(c, i->op & 15) ? v : (uint32_t)c->regs[i->reg];
    adv(c, i);
}
FNR(cmov_rr8)
{
    if (cond_k(c, i->op & 15))
        c->regs[i->reg] = c->regs[i->rm];
    adv(c, i);
}
FN(cmov_rm4)
{
    uint64_t v = ld(c, i, ea64(c, i), 4); /* the source is always read */
    c->regs[i->reg] = cond_k(c, i->op & 15) ? v : (uint32_t)c->regs[i->reg];
    adv(c, i);
}
FN(cmov_rm8)
{
    uint64_t v = ld(c, i, ea64(c, i), 8);
    if (cond_k(c, i->op & 15))
        c->regs[i->reg] = v;
    adv(c, i);
}
FNR(setcc_r)
{
    c->regs[i->rm] = (c->regs[i->rm] & ~0xffULL) | cond_k(c, i->op & 15);
    adv(c, i);
}
FN(setcc_m)
{
    st(c, i, ea64(c, i), cond_k(c, i->op & 15), 1);
    adv(c, i);
}

/* 0F 40-4F. */
const struct fastfn *fast_cmov(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64) || !ok_size(i))
        return NULL;
    bool q = i->opsize == 8;
    if (i->mod == 3)
        return q ? &cmov_rr8_f : &cmov_rr4_f;
    return ok_mem(i) ? (q ? &cmov_rm8_f : &cmov_rm4_f) : NULL;
}

/* 0F 90-9F. */
const struct fastfn *fast_setcc(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64))
        return NULL;
    if (i->mod == 3)
        return low_byte_reg(i, i->rm) ? &setcc_r_f : NULL;
    return ok_mem(i) ? &setcc_m_f : NULL;
}
