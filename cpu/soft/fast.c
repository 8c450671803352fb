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
 * 64-bit addressing, register/immediate), the selector returns a threaded
 * entry (insn.run, see ops.h) that does exactly that shape with constant
 * sizes and the TLB hit inline, then runs the block's next instruction.
 *
 * RIP is lazy: fast handlers do not advance it.  c->rip holds the RIP of
 * a sync point (the block start, or the end of the last generic
 * instruction, which advanced it itself) and insn.off the distance from
 * there (soft.c decode_block, cpu_insn_place); generic entries and the
 * block end add it.  So only branches write RIP, and straight-line code
 * has no chain of read-modify-writes through it.  A fast handler never
 * faults without first setting RIP (its memory slow paths are the generic
 * handler's, and a branch to a non-canonical target syncs first).
 *
 * The generic handler stays in insn.fn: single-stepping (TF) runs it, and
 * so does a fast handler whose memory operand misses the TLB fast path (a
 * TLB miss, a page crossing, MMIO, a page holding code, a fault): it checks
 * before changing anything and hands the whole instruction to the generic
 * handler (insn_run_fallback), which takes the slow path with all its
 * checks.  So a fast handler needs only the common case, and its results
 * are the generic handler's bit for bit (the same lazy-flag records); the
 * SDM references are those of ops_int.c, and the unit tests and the
 * differential test against KVM cover both.
 *
 * Selectors may only write decoded fields the generic handler ignores:
 * rm for the accumulator forms and for registers named by the opcode
 * (B8+r, 50+r, 58+r), imm for shift counts (the masked count the generic
 * handler computes too), disp and imm2 of branches (the taken and the
 * fall-through RIP relative to the sync point: len + displacement, len;
 * cpu_insn_place adds off).  Memory operands use imm2 as displacement
 * (decode.c copies disp; for RIP-relative ones cpu_insn_place adds off).
 *
 * Threat model: as the generic handlers: guest-controlled addresses reach
 * host memory only through a TLB hit (a page the guest may access this
 * way, checked when the entry was filled); shift counts are masked as the
 * hardware masks them. */
#include <string.h>
#include "cpu/soft/ops.h"

#define AI static inline __attribute__((always_inline))

/* Threaded entries: FNR for handlers that always complete (register
 * operands), FNM for those that may hand the instruction to the generic
 * handler: their body returns false, having changed nothing. */
#define FNR(name)                                                                    \
    AI void name##_b(struct cpu *c, const struct insn *i);                           \
    static void name(struct cpu *c, const struct insn *i)                            \
    {                                                                                \
        name##_b(c, i);                                                              \
        insn_next(c, i);                                                             \
    }                                                                                \
    AI void name##_b(struct cpu *c, const struct insn *i)
#define FNM(name)                                                                    \
    AI bool name##_b(struct cpu *c, const struct insn *i);                           \
    static void name(struct cpu *c, const struct insn *i)                            \
    {                                                                                \
        if (likely(name##_b(c, i)))                                                  \
            insn_next(c, i);                                                         \
        else                                                                         \
            insn_run_fallback(c, i);                                                 \
    }                                                                                \
    AI bool name##_b(struct cpu *c, const struct insn *i)

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP, ALU_TEST };

/* ---- operands ---- */

AI uint64_t gr(const struct cpu *c, unsigned r, unsigned sz)
{
    return sz == 8 ? c->regs[r] : (uint32_t)c->regs[r];
}

/* Effective address with 64-bit addressing (selectors check adsize); the
 * displacement is imm2 (see above: RIP-relative ones count from the sync
 * point in c->rip). */
AI uint64_t ea64(const struct cpu *c, const struct insn *i)
{
    return i->imm2 + c->xregs[i->base] + (c->xregs[i->index] << i->scale);
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

/* The host address for reading / writing sz bytes at lin, if the TLB
 * maps it directly (false: not on the fast path). */
AI bool rd_at(const struct cpu *c, const struct insn *i, uint64_t lin, unsigned sz,
              uint8_t **p)
{
    const struct tlb_entry *e = tlb_at(c, i, lin);
    if (unlikely(e->tag_r != last_page(lin, sz)))
        return false;
    *p = (uint8_t *)(uintptr_t)(lin + e->addend);
    return true;
}

AI bool wr_at(const struct cpu *c, const struct insn *i, uint64_t lin, unsigned sz,
              uint8_t **p)
{
    const struct tlb_entry *e = tlb_at(c, i, lin);
    if (unlikely(e->tag_w != last_page(lin, sz)))
        return false;
    *p = (uint8_t *)(uintptr_t)(lin + e->addend);
    return true;
}

/* Memory operand accesses; false: not on the fast path. */
AI bool ld(const struct cpu *c, const struct insn *i, unsigned sz, uint64_t *v)
{
    uint8_t *p;
    if (!rd_at(c, i, lin64(c, i, ea64(c, i)), sz, &p))
        return false;
    *v = hload(p, sz);
    return true;
}

AI bool st(const struct cpu *c, const struct insn *i, unsigned sz, uint64_t v)
{
    uint8_t *p;
    if (!wr_at(c, i, lin64(c, i, ea64(c, i)), sz, &p))
        return false;
    hstore(p, v, sz);
    return true;
}

/* The operand of a read-modify-write: the write permission is what the
 * access needs (the generic path reads with cpu_rd_w). */
AI bool rmw_at(const struct cpu *c, const struct insn *i, unsigned sz, uint8_t **p)
{
    return wr_at(c, i, lin64(c, i, ea64(c, i)), sz, p);
}

/* 64-bit stack: SS has no base, the width is 64 bits. */
AI bool push8(struct cpu *c, const struct insn *i, uint64_t v)
{
    uint64_t sp = c->regs[R_SP] - 8;
    uint8_t *p;
    if (!wr_at(c, i, sp, 8, &p))
        return false;
    hstore(p, v, 8);
    c->regs[R_SP] = sp;
    return true;
}

AI bool pop8(struct cpu *c, const struct insn *i, uint64_t *v)
{
    uint64_t sp = c->regs[R_SP];
    uint8_t *p;
    if (!rd_at(c, i, sp, 8, &p))
        return false;
    *v = hload(p, 8);
    c->regs[R_SP] = sp + 8;
    return true;
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

/* Memory destination: read-modify-write, or only a read for CMP/TEST. */
AI bool alu_mem(struct cpu *c, const struct insn *i, unsigned op, unsigned sz, uint64_t b)
{
    if (!alu_writes(op)) {
        uint64_t a;
        if (!ld(c, i, sz, &a))
            return false;
        alu_k(c, op, sz, a, b);
        return true;
    }
    uint8_t *p;
    if (!rmw_at(c, i, sz, &p))
        return false;
    hstore(p, alu_k(c, op, sz, hload(p, sz), b), sz);
    return true;
}

/* Forms: rr (E,G: dst rm, src reg), rv (G,E: dst reg, src rm), ri (dst rm,
 * imm), rm (dst reg, src memory), mr (memory dst, src reg), mi (memory
 * dst, imm). */
#define ALU_FORMS(OP, N, SZ)                                                        \
    FNR(N##_rr##SZ)                                                                 \
    {                                                                               \
        uint64_t r = alu_k(c, OP, SZ, gr(c, i->rm, SZ), gr(c, i->reg, SZ));         \
        if (alu_writes(OP))                                                         \
            c->regs[i->rm] = r;                                                     \
                                                                         \
    }                                                                               \
    FNR(N##_rv##SZ)                                                                 \
    {                                                                               \
        uint64_t r = alu_k(c, OP, SZ, gr(c, i->reg, SZ), gr(c, i->rm, SZ));         \
        if (alu_writes(OP))                                                         \
            c->regs[i->reg] = r;                                                    \
                                                                         \
    }                                                                               \
    FNR(N##_ri##SZ)                                                                 \
    {                                                                               \
        uint64_t r = alu_k(c, OP, SZ, gr(c, i->rm, SZ), i->imm);                    \
        if (alu_writes(OP))                                                         \
            c->regs[i->rm] = r;                                                     \
                                                                         \
    }                                                                               \
    FNM(N##_rm##SZ)                                                                 \
    {                                                                               \
        uint64_t b;                                                                 \
        if (!ld(c, i, SZ, &b))                                                      \
            return false;                                                           \
        uint64_t r = alu_k(c, OP, SZ, gr(c, i->reg, SZ), b);                        \
        if (alu_writes(OP))                                                         \
            c->regs[i->reg] = r;                                                    \
                                                                         \
        return true;                                                                \
    }                                                                               \
    FNM(N##_mr##SZ)                                                                 \
    {                                                                               \
        if (!alu_mem(c, i, OP, SZ, gr(c, i->reg, SZ)))                              \
            return false;                                                           \
                                                                         \
        return true;                                                                \
    }                                                                               \
    FNM(N##_mi##SZ)                                                                 \
    {                                                                               \
        if (!alu_mem(c, i, OP, SZ, i->imm))                                         \
            return false;                                                           \
                                                                         \
        return true;                                                                \
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

enum { FORM_RR, FORM_RV, FORM_RI, FORM_RM, FORM_MR, FORM_MI };
#define ALU_ROW(N) \
    { { N##_rr4, N##_rr8 }, { N##_rv4, N##_rv8 }, { N##_ri4, N##_ri8 }, \
      { N##_rm4, N##_rm8 }, { N##_mr4, N##_mr8 }, { N##_mi4, N##_mi8 } }
static insn_fn *const alu_tab[9][6][2] = {
    ALU_ROW(add), ALU_ROW(or), ALU_ROW(adc), ALU_ROW(sbb), ALU_ROW(and),
    ALU_ROW(sub), ALU_ROW(xor), ALU_ROW(cmp), ALU_ROW(test),
};

/* Byte CMP/TEST with memory or low-byte registers (string scanning). */
FNM(cmp_mi1) { if (!alu_mem(c, i, ALU_CMP, 1, i->imm)) return false; return true; }
FNM(test_mi1) { if (!alu_mem(c, i, ALU_TEST, 1, i->imm)) return false; return true; }
FNR(cmp_ri1) { alu_k(c, ALU_CMP, 1, c->regs[i->rm], i->imm); }
FNR(test_ri1) { alu_k(c, ALU_TEST, 1, c->regs[i->rm], i->imm); }
FNR(cmp_rr1) { alu_k(c, ALU_CMP, 1, c->regs[i->rm], c->regs[i->reg]); }
FNR(test_rr1) { alu_k(c, ALU_TEST, 1, c->regs[i->rm], c->regs[i->reg]); }

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

static insn_fn *alu_form(const struct insn *i, unsigned op, int form)
{
    if (!ok_size(i) || (form >= FORM_RM && !ok_mem(i)))
        return NULL;
    return alu_tab[op][form][i->opsize == 8];
}

/* 00-3D: ALU E,G / G,E / acc,imm (op in aux). */
insn_fn *fast_alu(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64))
        return NULL;
    unsigned op = i->aux;
    switch (i->op & 7) {
    case 1:
        return alu_form(i, op, i->mod == 3 ? FORM_RR : FORM_MR);
    case 3:
        return alu_form(i, op, i->mod == 3 ? FORM_RV : FORM_RM);
    case 5:
        if (!ok_size(i))
            return NULL;
        i->rm = R_AX;
        return alu_form(i, op, FORM_RI);
    case 0:
        if (op == ALU_CMP && i->mod == 3 && low_byte_reg(i, i->rm) && low_byte_reg(i, i->reg))
            return cmp_rr1;
        return NULL;
    case 4:
        if (op == ALU_CMP) {
            i->rm = R_AX;
            return cmp_ri1;
        }
        return NULL;
    default:
        return NULL;
    }
}

/* 80/81/83: group 1 with an immediate (op in ModRM.reg). */
insn_fn *fast_grp1(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64))
        return NULL;
    unsigned op = i->reg & 7;
    if (i->opsize == 1) {
        if (op != ALU_CMP)
            return NULL;
        if (i->mod == 3)
            return low_byte_reg(i, i->rm) ? cmp_ri1 : NULL;
        return ok_mem(i) ? cmp_mi1 : NULL;
    }
    return alu_form(i, op, i->mod == 3 ? FORM_RI : FORM_MI);
}

/* 84/85 TEST E,G; A8/A9 TEST acc,imm; F6/F7 /0 /1 TEST E,imm. */
insn_fn *fast_test(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64))
        return NULL;
    bool modrm = i->op == 0x84 || i->op == 0x85, acc = i->op == 0xa8 || i->op == 0xa9;
    if (acc)
        i->rm = R_AX;
    if (i->opsize == 1) {
        if (modrm)
            return i->mod == 3 && low_byte_reg(i, i->rm) && low_byte_reg(i, i->reg) ? test_rr1
                                                                                  : NULL;
        if (acc || i->mod == 3)
            return acc || low_byte_reg(i, i->rm) ? test_ri1 : NULL;
        return ok_mem(i) ? test_mi1 : NULL;
    }
    if (modrm)
        return alu_form(i, ALU_TEST, i->mod == 3 ? FORM_RR : FORM_MR);
    return alu_form(i, ALU_TEST, (acc || i->mod == 3) ? FORM_RI : FORM_MI);
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
    FNR(N##_r##SZ)                                                                  \
    {                                                                               \
        c->regs[i->rm] = incdec_k(c, SZ, gr(c, i->rm, SZ), DEC);                    \
                                                                         \
    }                                                                               \
    FNM(N##_m##SZ)                                                                  \
    {                                                                               \
        uint8_t *p;                                                                 \
        if (!rmw_at(c, i, SZ, &p))                                                  \
            return false;                                                           \
        hstore(p, incdec_k(c, SZ, hload(p, SZ), DEC), SZ);                          \
                                                                         \
        return true;                                                                \
    }
INCDEC_FORMS(inc, false, 4)
INCDEC_FORMS(inc, false, 8)
INCDEC_FORMS(dec, true, 4)
INCDEC_FORMS(dec, true, 8)

insn_fn *fast_incdec(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64) || !ok_size(i))
        return NULL;
    bool dec = i->reg & 1, q = i->opsize == 8;
    if (i->mod == 3)
        return dec ? (q ? dec_r8 : dec_r4) : (q ? inc_r8 : inc_r4);
    if (!ok_mem(i))
        return NULL;
    return dec ? (q ? dec_m8 : dec_m4) : (q ? inc_m8 : inc_m4);
}

/* ---- MOV ---- */

FNR(mov_rr4) { c->regs[i->rm] = (uint32_t)c->regs[i->reg]; }
FNR(mov_rr8) { c->regs[i->rm] = c->regs[i->reg]; }
FNR(mov_rv4) { c->regs[i->reg] = (uint32_t)c->regs[i->rm]; }
FNR(mov_rv8) { c->regs[i->reg] = c->regs[i->rm]; }
FNR(mov_ri4) { c->regs[i->rm] = (uint32_t)i->imm; }
FNR(mov_ri8) { c->regs[i->rm] = i->imm; }

/* Loads into the whole register (zero-extended) and stores. */
#define MOV_LD(SZ)                                                                  \
    FNM(mov_ld##SZ)                                                                 \
    {                                                                               \
        uint64_t v;                                                                 \
        if (!ld(c, i, SZ, &v))                                                      \
            return false;                                                           \
        c->regs[i->reg] = v;                                                        \
                                                                         \
        return true;                                                                \
    }
#define MOV_ST(SZ)                                                                  \
    FNM(mov_st##SZ)                                                                 \
    {                                                                               \
        if (!st(c, i, SZ, c->regs[i->reg]))                                         \
            return false;                                                           \
                                                                         \
        return true;                                                                \
    }                                                                               \
    FNM(mov_mi##SZ)                                                                 \
    {                                                                               \
        if (!st(c, i, SZ, i->imm))                                                  \
            return false;                                                           \
                                                                         \
        return true;                                                                \
    }
MOV_LD(4)
MOV_LD(8)
MOV_ST(1)
MOV_ST(2)
MOV_ST(4)
MOV_ST(8)

/* Byte and word loads merge into the register. */
#define MOV_MERGE(N, SZ, SHIFT, REG)                                                \
    FNM(N)                                                                          \
    {                                                                               \
        uint64_t v;                                                                 \
        if (!ld(c, i, SZ, &v))                                                      \
            return false;                                                           \
        uint64_t m = size_mask(SZ) << (SHIFT);                                      \
        c->regs[REG] = (c->regs[REG] & ~m) | (v << (SHIFT));                        \
                                                                         \
        return true;                                                                \
    }
MOV_MERGE(mov_ldb, 1, 0, i->reg)
MOV_MERGE(mov_ldbh, 1, 8, i->reg - 4)
MOV_MERGE(mov_ldw, 2, 0, i->reg)
FNM(mov_st1h)
{
    if (!st(c, i, 1, c->regs[i->reg - 4] >> 8))
        return false;
   
    return true;
}

/* 88/89/8A/8B MOV E,G / G,E; C6/C7 /0 MOV E,imm; B8+r MOV r,imm. */
insn_fn *fast_mov(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64))
        return NULL;
    unsigned sz = i->opsize;
    bool q = sz == 8;
    if (i->op >= 0xb8 && i->op <= 0xbf) {
        i->rm = (uint8_t)((i->op & 7) | ((i->rex & 1) << 3));
        return sz == 8 ? mov_ri8 : sz == 4 ? mov_ri4 : NULL;
    }
    if (i->op == 0xc6 || i->op == 0xc7) {
        if (i->mod == 3)
            return sz == 8 ? mov_ri8 : sz == 4 ? mov_ri4 : NULL;
        if (!ok_mem(i))
            return NULL;
        return sz == 8 ? mov_mi8 : sz == 4 ? mov_mi4 : sz == 2 ? mov_mi2 : mov_mi1;
    }
    bool load = i->op & 2;
    if (i->mod == 3) {
        if (!ok_size(i))
            return NULL;
        return load ? (q ? mov_rv8 : mov_rv4) : (q ? mov_rr8 : mov_rr4);
    }
    if (!ok_mem(i))
        return NULL;
    if (sz == 1) {
        if (!low_byte_reg(i, i->reg))
            return load ? mov_ldbh : mov_st1h;
        return load ? mov_ldb : mov_st1;
    }
    if (sz == 2)
        return load ? mov_ldw : mov_st2;
    return load ? (q ? mov_ld8 : mov_ld4) : (q ? mov_st8 : mov_st4);
}

/* ---- MOVZX / MOVSX / MOVSXD ---- */

/* A 32- or 64-bit destination gets the whole zero-extended value either
 * way; sign extension depends on the destination size. */
#define MOVX_LD(N, SZ, EXPR)                                                        \
    FNM(N)                                                                          \
    {                                                                               \
        uint64_t v;                                                                 \
        if (!ld(c, i, SZ, &v))                                                      \
            return false;                                                           \
        c->regs[i->reg] = (EXPR);                                                   \
                                                                         \
        return true;                                                                \
    }
MOVX_LD(movzb_ld, 1, v)
MOVX_LD(movzw_ld, 2, v)
MOVX_LD(movsb_ld4, 1, (uint32_t)(int8_t)v)
MOVX_LD(movsb_ld8, 1, (uint64_t)(int8_t)v)
MOVX_LD(movsw_ld4, 2, (uint32_t)(int16_t)v)
MOVX_LD(movsw_ld8, 2, (uint64_t)(int16_t)v)
MOVX_LD(movsxd_ld, 4, (uint64_t)(int32_t)v)
FNR(movzb_rr) { c->regs[i->reg] = (uint8_t)c->regs[i->rm]; }
FNR(movzb_rrh) { c->regs[i->reg] = (uint8_t)(c->regs[i->rm - 4] >> 8); }
FNR(movzw_rr) { c->regs[i->reg] = (uint16_t)c->regs[i->rm]; }
FNR(movsb_rr4) { c->regs[i->reg] = (uint32_t)(int8_t)c->regs[i->rm]; }
FNR(movsb_rr8) { c->regs[i->reg] = (uint64_t)(int8_t)c->regs[i->rm]; }
FNR(movsw_rr4) { c->regs[i->reg] = (uint32_t)(int16_t)c->regs[i->rm]; }
FNR(movsw_rr8) { c->regs[i->reg] = (uint64_t)(int16_t)c->regs[i->rm]; }
FNR(movsxd_rr) { c->regs[i->reg] = (uint64_t)(int32_t)c->regs[i->rm]; }

/* 0F B6/B7 MOVZX, 0F BE/BF MOVSX. */
insn_fn *fast_movx(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64) || !ok_size(i))
        return NULL;
    bool word = i->op & 1, sx = i->op & 8, q = i->opsize == 8;
    if (i->mod != 3) {
        if (!ok_mem(i))
            return NULL;
        if (!sx)
            return word ? movzw_ld : movzb_ld;
        return word ? (q ? movsw_ld8 : movsw_ld4) : (q ? movsb_ld8 : movsb_ld4);
    }
    if (word)
        return !sx ? movzw_rr : q ? movsw_rr8 : movsw_rr4;
    if (!low_byte_reg(i, i->rm))
        return sx ? NULL : movzb_rrh;
    return !sx ? movzb_rr : q ? movsb_rr8 : movsb_rr4;
}

/* 63 in 64-bit mode with REX.W: MOVSXD. */
insn_fn *fast_movsxd(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64) || i->opsize != 8)
        return NULL;
    if (i->mod == 3)
        return movsxd_rr;
    return ok_mem(i) ? movsxd_ld : NULL;
}

/* ---- LEA ---- */

FNR(lea4) { c->regs[i->reg] = (uint32_t)ea64(c, i); }
FNR(lea8) { c->regs[i->reg] = ea64(c, i); }

insn_fn *fast_lea(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64) || !ok_size(i) || !ok_mem(i))
        return NULL;
    return i->opsize == 8 ? lea8 : lea4;
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
    FNR(N##_ri##SZ)                                                                 \
    {                                                                               \
        c->regs[i->rm] = shift_k(c, OP, SZ, gr(c, i->rm, SZ), (unsigned)i->imm);    \
                                                                         \
    }                                                                               \
    FNR(N##_rc##SZ)                                                                 \
    {                                                                               \
        unsigned cnt = (unsigned)c->regs[R_CX] & (SZ == 8 ? 63 : 31);               \
        if (cnt)                                                                    \
            c->regs[i->rm] = shift_k(c, OP, SZ, gr(c, i->rm, SZ), cnt);             \
        else if (SZ == 4)                                                           \
            c->regs[i->rm] = (uint32_t)c->regs[i->rm]; /* zero-extends */           \
                                                                         \
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
                                                                         \
    }
SHIFT16(0, rol)
SHIFT16(1, ror)
SHIFT16(4, shl)
SHIFT16(5, shr)
SHIFT16(7, sar)
static insn_fn *const shift16_tab[8] = {
    [0] = rol_ri2, [1] = ror_ri2, [4] = shl_ri2, [5] = shr_ri2, [6] = shl_ri2, [7] = sar_ri2,
};

#define SHIFT_ROW(N) { { N##_ri4, N##_ri8 }, { N##_rc4, N##_rc8 } }
static insn_fn *const shift_tab[8][2][2] = {
    [0] = SHIFT_ROW(rol), [1] = SHIFT_ROW(ror), [4] = SHIFT_ROW(shl),
    [5] = SHIFT_ROW(shr), [6] = SHIFT_ROW(shl), [7] = SHIFT_ROW(sar),
};

insn_fn *fast_shift(struct insn *i, uint32_t mode)
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

#define IMUL_FORMS(SZ)                                                              \
    FNR(imul_rr##SZ) { imul_k(c, i, SZ, c->regs[i->rm], c->regs[i->reg]); } \
    FNR(imul_rri##SZ) { imul_k(c, i, SZ, c->regs[i->rm], i->imm); }     \
    FNM(imul_rm##SZ)                                                                \
    {                                                                               \
        uint64_t v;                                                                 \
        if (!ld(c, i, SZ, &v))                                                      \
            return false;                                                           \
        imul_k(c, i, SZ, v, c->regs[i->reg]);                                       \
                                                                         \
        return true;                                                                \
    }                                                                               \
    FNM(imul_rmi##SZ)                                                               \
    {                                                                               \
        uint64_t v;                                                                 \
        if (!ld(c, i, SZ, &v))                                                      \
            return false;                                                           \
        imul_k(c, i, SZ, v, i->imm);                                                \
                                                                         \
        return true;                                                                \
    }
IMUL_FORMS(4)
IMUL_FORMS(8)

/* 0F AF, 69, 6B. */
insn_fn *fast_imul(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64) || !ok_size(i) || (i->mod != 3 && !ok_mem(i)))
        return NULL;
    bool q = i->opsize == 8, imm = i->op != 0xaf;
    if (i->mod == 3)
        return imm ? (q ? imul_rri8 : imul_rri4) : (q ? imul_rr8 : imul_rr4);
    return imm ? (q ? imul_rmi8 : imul_rmi4) : (q ? imul_rm8 : imul_rm4);
}

/* ---- group 3 (F7): NOT, NEG, MUL, IMUL on registers ---- */

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

#define GRP3_FORMS(SZ)                                                              \
    FNR(not_r##SZ)                                                                  \
    {                                                                               \
        c->regs[i->rm] = gr(c, i->rm, SZ) ^ size_mask(SZ);                          \
                                                                         \
    }                                                                               \
    FNR(neg_r##SZ)                                                                  \
    {                                                                               \
        c->regs[i->rm] = alu_k(c, ALU_SUB, SZ, 0, gr(c, i->rm, SZ));                \
                                                                         \
    }                                                                               \
    FNR(mul_r##SZ) { mul1_k(c, SZ, gr(c, i->rm, SZ), false); }          \
    FNR(imul1_r##SZ) { mul1_k(c, SZ, gr(c, i->rm, SZ), true); }
GRP3_FORMS(4)
GRP3_FORMS(8)

/* F7 /2 /3 /4 /5 with a register operand. */
insn_fn *fast_grp3(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64) || !ok_size(i) || i->mod != 3)
        return NULL;
    bool q = i->opsize == 8;
    switch (i->reg & 7) {
    case 2: return q ? not_r8 : not_r4;
    case 3: return q ? neg_r8 : neg_r4;
    case 4: return q ? mul_r8 : mul_r4;
    case 5: return q ? imul1_r8 : imul1_r4;
    default: return NULL;
    }
}

/* ---- branches, calls, stack ---- */

/* Branches are the last instruction of their block: their entries return
 * to the run loop instead of running the block-end record (which would
 * add its offset to the new RIP).  FNBM: may hand over to the generic
 * handler, which then also ends the block. */
#define FNB(name)                                                                    \
    AI void name##_b(struct cpu *c, const struct insn *i);                           \
    static void name(struct cpu *c, const struct insn *i) { name##_b(c, i); }        \
    AI void name##_b(struct cpu *c, const struct insn *i)
#define FNBM(name)                                                                   \
    AI bool name##_b(struct cpu *c, const struct insn *i);                           \
    static void name(struct cpu *c, const struct insn *i)                            \
    {                                                                                \
        if (unlikely(!name##_b(c, i)))                                               \
            insn_run_generic_last(c, i);                                             \
    }                                                                                \
    AI bool name##_b(struct cpu *c, const struct insn *i)

/* A near jump in 64-bit mode: #GP(0) with RIP on the instruction before
 * RIP changes if the target is not canonical (as jump_to in ops_int.c). */
AI void jump64(struct cpu *c, const struct insn *i, uint64_t t)
{
    if (unlikely(!is_canonical(t))) {
        c->rip += i->off;
        cpu_gp0(c);
    }
    c->rip = t;
}

#define JCC(N)                                                                      \
    FNB(jcc_##N)                                                                    \
    {                                                                               \
        if (cond_k(c, N))                                                           \
            jump64(c, i, c->rip + i->disp);                                         \
        else                                                                        \
            c->rip += i->imm2;                                                      \
    }
JCC(0) JCC(1) JCC(2) JCC(3) JCC(4) JCC(5) JCC(6) JCC(7)
JCC(8) JCC(9) JCC(10) JCC(11) JCC(12) JCC(13) JCC(14) JCC(15)
static insn_fn *const jcc_tab[16] = {
    jcc_0, jcc_1, jcc_2, jcc_3, jcc_4, jcc_5, jcc_6, jcc_7,
    jcc_8, jcc_9, jcc_10, jcc_11, jcc_12, jcc_13, jcc_14, jcc_15,
};

FNB(jmp_rel) { jump64(c, i, c->rip + i->disp); }
FNBM(call_rel)
{
    if (!push8(c, i, c->rip + i->imm2))
        return false;
    c->rip += i->disp;
    return true;
}
FNBM(ret_near)
{
    uint64_t t;
    if (!pop8(c, i, &t))
        return false;
    c->rip = t;
    return true;
}
FNM(push_r)
{
    if (!push8(c, i, c->regs[i->rm]))
        return false;
   
    return true;
}
FNM(push_i)
{
    if (!push8(c, i, i->imm))
        return false;
   
    return true;
}
FNM(pop_r)
{
    uint64_t v;
    if (!pop8(c, i, &v))
        return false;
    c->regs[i->rm] = v; /* POP RSP: the popped value wins */
   
    return true;
}
FNR(nop64) { }

/* ---- CMP/TEST/SUB/AND + Jcc, fused ---- */

/* The condition after r = a - b (CMP, SUB) or r = a & b (TEST, AND) with
 * a, b, r of size sz, from the operands themselves: the branch does not
 * wait for the lazy-flag record it has just stored. */
AI bool cond_sub(unsigned cc, unsigned sz, uint64_t a, uint64_t b, uint64_t r)
{
    unsigned sh = 64 - 8 * sz;
    uint64_t da = a << sh, db = b << sh, dr = r << sh;
    bool t;
    switch (cc >> 1) {
    case 0: t = (int64_t)((da ^ db) & (da ^ dr)) < 0; break; /* OF */
    case 1: t = da < db; break;
    case 2: t = da == db; break;
    case 3: t = da <= db; break;
    case 4: t = (int64_t)dr < 0; break;
    case 5: t = !__builtin_parity((unsigned)(r & 0xff)); break;
    case 6: t = (int64_t)da < (int64_t)db; break;
    default: t = (int64_t)da <= (int64_t)db; break;
    }
    return (cc & 1) ? !t : t;
}

AI bool cond_logic(unsigned cc, unsigned sz, uint64_t r)
{
    int64_t dr = (int64_t)(r << (64 - 8 * sz));
    bool t;
    switch (cc >> 1) {
    case 0: case 1: t = false; break;  /* OF = CF = 0 */
    case 2: case 3: t = dr == 0; break;
    case 4: case 6: t = dr < 0; break; /* SF; SF != OF */
    case 5: t = !__builtin_parity((unsigned)(r & 0xff)); break;
    default: t = dr <= 0; break;       /* ZF or SF != OF */
    }
    return (cc & 1) ? !t : t;
}

/* The Jcc record after the fused instruction (same block, last). */
AI void fused_branch(struct cpu *c, const struct insn *i, bool taken)
{
    const struct insn *j = i + 1;
    if (taken)
        jump64(c, j, c->rip + j->disp);
    else
        c->rip += j->imm2;
}

#define FUSE1(OP, N, SZ, CC)                                                        \
    FNB(N##_rr##SZ##_j##CC)                                                         \
    {                                                                               \
        uint64_t a = gr(c, i->rm, SZ), b = gr(c, i->reg, SZ);                       \
        uint64_t r = alu_k(c, OP, SZ, a, b);                                        \
        if (alu_writes(OP))                                                         \
            c->regs[i->rm] = r;                                                     \
        fused_branch(c, i, (OP == ALU_CMP || OP == ALU_SUB) ? cond_sub(CC, SZ, a, b, r) \
                                                           : cond_logic(CC, SZ, r));   \
    }                                                                               \
    FNB(N##_ri##SZ##_j##CC)                                                         \
    {                                                                               \
        uint64_t a = gr(c, i->rm, SZ), b = i->imm & size_mask(SZ);                  \
        uint64_t r = alu_k(c, OP, SZ, a, b);                                        \
        if (alu_writes(OP))                                                         \
            c->regs[i->rm] = r;                                                     \
        fused_branch(c, i, (OP == ALU_CMP || OP == ALU_SUB) ? cond_sub(CC, SZ, a, b, r) \
                                                           : cond_logic(CC, SZ, r));   \
    }
#define FUSE16(OP, N, SZ)                                                           \
    FUSE1(OP, N, SZ, 0) FUSE1(OP, N, SZ, 1) FUSE1(OP, N, SZ, 2) FUSE1(OP, N, SZ, 3)   \
    FUSE1(OP, N, SZ, 4) FUSE1(OP, N, SZ, 5) FUSE1(OP, N, SZ, 6) FUSE1(OP, N, SZ, 7)   \
    FUSE1(OP, N, SZ, 8) FUSE1(OP, N, SZ, 9) FUSE1(OP, N, SZ, 10) FUSE1(OP, N, SZ, 11) \
    FUSE1(OP, N, SZ, 12) FUSE1(OP, N, SZ, 13) FUSE1(OP, N, SZ, 14) FUSE1(OP, N, SZ, 15)
#define FUSE_OP(OP, N) FUSE16(OP, N, 4) FUSE16(OP, N, 8)
FUSE_OP(ALU_CMP, cmp)
FUSE_OP(ALU_TEST, test)
FUSE_OP(ALU_SUB, sub)
FUSE_OP(ALU_AND, and)

#define FROW16(N, F, SZ)                                                            \
    { N##_##F##SZ##_j0, N##_##F##SZ##_j1, N##_##F##SZ##_j2, N##_##F##SZ##_j3,        \
      N##_##F##SZ##_j4, N##_##F##SZ##_j5, N##_##F##SZ##_j6, N##_##F##SZ##_j7,        \
      N##_##F##SZ##_j8, N##_##F##SZ##_j9, N##_##F##SZ##_j10, N##_##F##SZ##_j11,      \
      N##_##F##SZ##_j12, N##_##F##SZ##_j13, N##_##F##SZ##_j14, N##_##F##SZ##_j15 }
#define FROW(N) { { FROW16(N, rr, 4), FROW16(N, rr, 8) }, { FROW16(N, ri, 4), FROW16(N, ri, 8) } }
/* [op: cmp test sub and][form: rr ri][size: 4 8][condition] */
static insn_fn *const fuse_tab[4][2][2][16] = { FROW(cmp), FROW(test), FROW(sub), FROW(and) };

insn_fn *fast_fuse(const struct insn *i, const struct insn *j)
{
    static insn_fn *const rr[4][2] = { { cmp_rr4, cmp_rr8 }, { test_rr4, test_rr8 },
                                       { sub_rr4, sub_rr8 }, { and_rr4, and_rr8 } };
    static insn_fn *const ri[4][2] = { { cmp_ri4, cmp_ri8 }, { test_ri4, test_ri8 },
                                       { sub_ri4, sub_ri8 }, { and_ri4, and_ri8 } };
    unsigned cc = 0;
    for (; cc < 16; cc++)
        if (j->run == jcc_tab[cc])
            break;
    if (cc == 16)
        return NULL;
    for (unsigned op = 0; op < 4; op++)
        for (unsigned q = 0; q < 2; q++) {
            if (i->run == rr[op][q])
                return fuse_tab[op][0][q][cc];
            if (i->run == ri[op][q])
                return fuse_tab[op][1][q][cc];
        }
    return NULL;
}

/* 70-7F, 0F 80-8F. */
insn_fn *fast_jcc(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64))
        return NULL;
    i->disp = (int64_t)(i->len + i->imm);
    i->imm2 = i->len;
    return jcc_tab[i->op & 15];
}

/* E8 CALL rel32, E9/EB JMP rel, C3 RET. */
insn_fn *fast_branch(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64))
        return NULL;
    i->disp = (int64_t)(i->len + i->imm);
    i->imm2 = i->len;
    switch (i->op) {
    case 0xe8: return call_rel;
    case 0xe9: case 0xeb: return jmp_rel;
    case 0xc3: return i->opsize == 8 ? ret_near : NULL;
    default: return NULL;
    }
}

/* 50+r PUSH, 58+r POP, 68/6A PUSH imm (64-bit operand size only). */
insn_fn *fast_stack(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64) || i->opsize != 8)
        return NULL;
    if (i->op == 0x68 || i->op == 0x6a)
        return push_i;
    i->rm = (uint8_t)((i->op & 7) | ((i->rex & 1) << 3));
    return (i->op & 8) ? pop_r : push_r;
}

/* 90 (NOP, not XCHG r8 or PAUSE), 0F 18-1F hint NOPs. */
insn_fn *fast_nop(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64))
        return NULL;
    if (i->map == 0 && (i->op != 0x90 || (i->rex & 1) || i->rep == 0xf3))
        return NULL; /* XCHG r, rAX (with REX.B: XCHG R8, RAX); PAUSE yields */
    return nop64;
}

/* ---- CMOVcc, SETcc ---- */

FNR(cmov_rr4)
{
    uint64_t v = (uint32_t)c->regs[i->rm];
    c->regs[i->reg] = cond_k(c, i->op & 15) ? v : (uint32_t)c->regs[i->reg];
   
}
FNR(cmov_rr8)
{
    if (cond_k(c, i->op & 15))
        c->regs[i->reg] = c->regs[i->rm];
   
}
FNM(cmov_rm4)
{
    uint64_t v;
    if (!ld(c, i, 4, &v)) /* the source is always read */
        return false;
    c->regs[i->reg] = cond_k(c, i->op & 15) ? v : (uint32_t)c->regs[i->reg];
   
    return true;
}
FNM(cmov_rm8)
{
    uint64_t v;
    if (!ld(c, i, 8, &v))
        return false;
    if (cond_k(c, i->op & 15))
        c->regs[i->reg] = v;
   
    return true;
}
FNR(setcc_r)
{
    c->regs[i->rm] = (c->regs[i->rm] & ~0xffULL) | cond_k(c, i->op & 15);
   
}
FNM(setcc_m)
{
    if (!st(c, i, 1, cond_k(c, i->op & 15)))
        return false;
   
    return true;
}

/* 0F 40-4F. */
insn_fn *fast_cmov(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64) || !ok_size(i))
        return NULL;
    bool q = i->opsize == 8;
    if (i->mod == 3)
        return q ? cmov_rr8 : cmov_rr4;
    return ok_mem(i) ? (q ? cmov_rm8 : cmov_rm4) : NULL;
}

/* 0F 90-9F. */
insn_fn *fast_setcc(struct insn *i, uint32_t mode)
{
    if (!(mode & MODE_LONG64))
        return NULL;
    if (i->mod == 3)
        return low_byte_reg(i, i->rm) ? setcc_r : NULL;
    return ok_mem(i) ? setcc_m : NULL;
}
