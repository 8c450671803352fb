/* SPDX-License-Identifier: GPL-2.0-or-later */
/* diffgen.c: x86 test-case generator and encoder for differential testing
 * (see diffgen.h).
 *
 * Encoding follows the Intel SDM Vol. 2 chapter 2 (prefixes, REX, ModRM and
 * SIB tables 2-2/2-3, RIP-relative addressing); flag behaviour follows the
 * "Flags Affected" section of each instruction page in Vol. 2.
 *
 * Every emitter builds one instruction (struct dg_enc) and its effects
 * (struct eff: flags read, written and left undefined, registers read and
 * written, memory read and written) and hands both to emit(), which
 * rejects the instruction if it reads a flag currently undefined.  Emitters
 * may choose the initial value of a register or of scratch memory nothing
 * in the case has used yet ("claim"), which is how divisors, bit offsets,
 * index registers and string pointers stay in range.  A rejected attempt
 * restores the generator state and another instruction is drawn.
 *
 * A case has 1-3 slots; the last is an instruction of the case's group,
 * earlier ones are from the group or "mixers" (ALU, shifts, MOV, flag ops)
 * that leave the lazy flags in every state the group's instruction may
 * read (the soft CPU computes flags lazily: the interplay is where bugs
 * hide).  Some emitters produce short sequences (PUSH imm + POPF, CALL/JMP/
 * RET, a Jcc over one instruction), so a body may hold up to
 * DG_MAX_INSNS instructions. */
#include <stdio.h>
#include <string.h>
#include "core/base.h"
#include "tests/support/diffgen.h"

/* EFLAGS bits (SDM Vol. 1 3.4.3). */
#define CF 0x001u
#define PF 0x004u
#define AF 0x010u
#define ZF 0x040u
#define SF 0x080u
#define DF 0x400u
#define OF 0x800u
#define ARITH (CF | PF | AF | ZF | SF | OF)

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI };

/* ------------------------------------------------------------------ */
/* Encoder                                                             */
/* ------------------------------------------------------------------ */

struct rexinfo {
    unsigned rex;   /* W R X B bits */
    bool need, forbid;
};

/* Register field value for reg, noting REX needs. */
static int regcode(unsigned r, bool byte, unsigned rexbit, struct rexinfo *x)
{
    if (r >= DG_AH && r <= DG_BH) {
        x->forbid = true;
        return 4 + (int)(r - DG_AH);
    }
    if (r > 15)
        return -1;
    if (byte && r >= 4 && r < 8)
        x->need = true;
    if (r >= 8)
        x->rex |= rexbit;
    return (int)(r & 7);
}

static size_t put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned k = 0; k < n; k++)
        p[k] = (uint8_t)(v >> (8 * k));
    return n;
}

size_t dg_encode(const struct dg_enc *e, unsigned bits, uint64_t addr, uint8_t *out)
{
    uint8_t b[40];
    size_t n = 0, disp_at = 0;
    struct rexinfo x = { 0 };
    bool l64 = bits == 64;
    int regf = 0, rmf = 0, opr = 0;
    uint8_t modrm = 0, sib = 0;
    bool has_sib = false;
    unsigned dispsz = 0;
    const struct dg_mem *m = &e->m;

    for (unsigned k = 0; k < e->npfx; k++)
        b[n++] = e->pfx[k];
    if (e->modrm && e->rm_mem && m->seg)
        b[n++] = m->seg;
    if (e->modrm && e->rm_mem && m->addr32) {
        if (!l64)
            return 0; /* no 16-bit addressing */
        b[n++] = 0x67;
    }
    if (e->opsize == 2)
        b[n++] = 0x66;
    if (e->mand)
        b[n++] = e->mand;
    if (e->opsize == 8)
        x.rex |= 8;
    if (e->opreg != DG_NOREG && (opr = regcode(e->opreg, e->opreg_byte, 1, &x)) < 0)
        return 0;
    if (e->modrm) {
        if (e->reg_is_reg) {
            if ((regf = regcode(e->reg, e->reg_byte, 4, &x)) < 0)
                return 0;
        } else {
            regf = e->reg & 7;
        }
        if (!e->rm_mem) {
            if ((rmf = regcode(e->rm, e->rm_byte, 1, &x)) < 0)
                return 0;
            modrm = (uint8_t)(0xc0 | regf << 3 | rmf);
        } else if (m->rip) {
            if (!l64)
                return 0;
            modrm = (uint8_t)(regf << 3 | 5);
            dispsz = 4;
        } else if (m->base == DG_NOREG) {
            if (m->index == DG_NOREG && !l64) {
                modrm = (uint8_t)(regf << 3 | 5); /* 32-bit: mod 0 rm 5 = [disp32] */
            } else {
                unsigned idx = 4;
                if (m->index != DG_NOREG) {
                    if (m->index == RSP || m->index > 15)
                        return 0;
                    idx = m->index & 7;
                    if (m->index >= 8)
                        x.rex |= 2;
                }
                modrm = (uint8_t)(regf << 3 | 4);
                sib = (uint8_t)(m->scale << 6 | idx << 3 | 5);
                has_sib = true;
            }
            dispsz = 4;
        } else {
            if (m->base > 15)
                return 0;
            unsigned base = m->base & 7, mod;
            if (m->base >= 8)
                x.rex |= 1;
            dispsz = m->dispsz;
            if (dispsz == 0 && base == 5)
                dispsz = 1; /* [rbp]/[r13] exist only with a displacement */
            mod = dispsz == 0 ? 0 : dispsz == 1 ? 1 : 2;
            if (m->index != DG_NOREG || base == 4) {
                unsigned idx = 4;
                if (m->index != DG_NOREG) {
                    if (m->index == RSP || m->index > 15)
                        return 0;
                    idx = m->index & 7;
                    if (m->index >= 8)
                        x.rex |= 2;
                }
                modrm = (uint8_t)(mod << 6 | regf << 3 | 4);
                sib = (uint8_t)(m->scale << 6 | idx << 3 | base);
                has_sib = true;
            } else {
                modrm = (uint8_t)(mod << 6 | regf << 3 | base);
            }
        }
    }
    if (x.rex || x.need) {
        if (!l64 || x.forbid)
            return 0;
        b[n++] = (uint8_t)(0x40 | x.rex);
    }
    if (e->map) {
        b[n++] = 0x0f;
        if (e->map == 2)
            b[n++] = 0x38;
        else if (e->map == 3)
            b[n++] = 0x3a;
    }
    b[n++] = (uint8_t)(e->op + (e->opreg != DG_NOREG ? opr : 0));
    if (e->modrm) {
        b[n++] = modrm;
        if (has_sib)
            b[n++] = sib;
        disp_at = n;
        if (dispsz == 1) {
            if (m->disp < -128 || m->disp > 127)
                return 0;
            b[n++] = (uint8_t)m->disp;
        } else if (dispsz == 4) {
            n += put_le(b + n, (uint32_t)m->disp, 4);
        }
    }
    n += put_le(b + n, e->imm, e->immsz);
    n += put_le(b + n, e->imm2, e->imm2sz);
    if (n > 15)
        return 0;
    if (e->modrm && e->rm_mem && m->rip) {
        int64_t d = (int64_t)(m->target - (addr + n));
        if (m->addr32)
            d = (int64_t)(int32_t)(uint32_t)(m->target - (addr + n));
        if (d < INT32_MIN || d > INT32_MAX)
            return 0;
        put_le(b + disp_at, (uint32_t)d, 4);
    }
    memcpy(out, b, n);
    return n;
}

/* ------------------------------------------------------------------ */
/* Generator state                                                     */
/* ------------------------------------------------------------------ */

struct gen {
    struct dg_case *c;
    uint64_t rng;
    unsigned bits, nregs;
    uint64_t scratch, addr; /* guest addresses of the scratch area and body[0] */
    bool addr32;            /* 64-bit: this case's memory operands use 67 */
    uint32_t used, dirty;   /* registers used / written by the body so far */
    uint32_t reserved;      /* never written: the base register, RSP */
    bool mem_used, mem_dirty;
    bool no_rip;            /* the instruction may not be RIP-relative */
    bool maybe;             /* the instruction may be skipped by a branch */
    bool df;                /* current DF (known: only CLD/STD/POPF change it) */
    uint32_t undef;         /* flags undefined now */
    uint16_t fsw_undef;     /* x87 condition codes undefined now */
};

struct eff {
    uint32_t rd, wr, ud;    /* flags read, written, left undefined */
    uint16_t cw, cu;        /* x87 condition codes written, left undefined */
    uint32_t rregs, wregs;  /* GPRs read, written */
    bool mrd, mwr;
    bool df_set, df_val;
    const char *mnem;
    char form[28];
};

static uint64_t rnd(struct gen *g)
{
    /* splitmix64: tiny, deterministic and well mixed */
    uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static unsigned rndn(struct gen *g, unsigned n)
{
    return (unsigned)(rnd(g) % n);
}

static bool chance(struct gen *g, unsigned pct)
{
    return rndn(g, 100) < pct;
}

static uint64_t szmask(unsigned size)
{
    return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static int64_t sx(uint64_t v, unsigned size)
{
    unsigned sh = 64 - size * 8;
    return (int64_t)(v << sh) >> sh;
}

/* A value of `size` bytes biased towards the edge cases arithmetic gets
 * wrong: 0, 1, -1, the sign boundary, single bits, small numbers. */
static uint64_t interesting(struct gen *g, unsigned size)
{
    unsigned bits = size * 8;
    uint64_t top = 1ULL << (bits - 1), v;
    switch (rndn(g, 12)) {
    case 0: v = 0; break;
    case 1: v = rndn(g, 4); break;
    case 2: v = (uint64_t)-(int64_t)(1 + rndn(g, 3)); break;
    case 3: v = top - rndn(g, 2); break;
    case 4: v = top + rndn(g, 2); break;
    case 5: v = 1ULL << rndn(g, bits); break;
    case 6: v = rnd(g) & rnd(g) & rnd(g); break;
    case 7: v = rnd(g) | rnd(g); break;
    case 8: v = (uint64_t)(int64_t)(int8_t)rnd(g); break;
    case 9: v = 0x0909090909090909ULL * (rndn(g, 16)); break; /* BCD-ish digits */
    default: v = rnd(g); break;
    }
    return v & szmask(size);
}

/* v in the low `size` bytes, random above (the hardware must ignore or
 * keep those bits as the SDM says). */
static uint64_t upper_garbage(struct gen *g, uint64_t v, unsigned size)
{
    return (rnd(g) & ~szmask(size)) | (v & szmask(size));
}

static uint32_t rbit(unsigned r)
{
    return 1u << (r >= DG_AH ? r - DG_AH : r);
}

static unsigned regnum(unsigned r)
{
    return r >= DG_AH ? r - DG_AH : r;
}

static bool known(const struct gen *g, unsigned r)
{
    return !(g->dirty & rbit(r));
}

/* The current value of register r read with size bytes (only if known). */
static uint64_t kval(const struct gen *g, unsigned r, unsigned size)
{
    if (r >= DG_AH)
        return (g->c->regs[r - DG_AH] >> 8) & 0xff;
    return g->c->regs[r] & szmask(size);
}

/* Choose the initial value of a register nothing has used yet. */
static bool claim(struct gen *g, unsigned r, uint64_t v)
{
    if (r >= 16 || (g->used & rbit(r)) || (g->reserved & rbit(r)))
        return false;
    g->c->regs[r] = v;
    g->used |= rbit(r);
    return true;
}

static bool claim_mem(struct gen *g, uint32_t off, uint64_t v, unsigned size)
{
    if (g->mem_used)
        return false;
    for (unsigned k = 0; k < size; k++)
        g->c->scratch[off + k] = (uint8_t)(v >> (8 * k));
    return true;
}

static bool mem_known(const struct gen *g)
{
    return !g->mem_dirty;
}

static uint64_t mval(const struct gen *g, uint32_t off, unsigned size)
{
    uint64_t v = 0;
    for (unsigned k = 0; k < size; k++)
        v |= (uint64_t)g->c->scratch[off + k] << (8 * k);
    return v;
}

static void st32le(uint8_t *p, uint32_t v)
{
    for (unsigned b = 0; b < 4; b++)
        p[b] = (uint8_t)(v >> (8 * b));
}

static void st64le(uint8_t *p, uint64_t v)
{
    for (unsigned b = 0; b < 8; b++)
        p[b] = (uint8_t)(v >> (8 * b));
}

static unsigned pick_size(struct gen *g)
{
    static const uint8_t s64[] = { 1, 2, 4, 8, 4, 8 }, s32[] = { 1, 2, 4, 4 };
    return g->bits == 64 ? s64[rndn(g, 6)] : s32[rndn(g, 4)];
}

static unsigned pick_vsize(struct gen *g) /* 2, 4, 8 */
{
    static const uint8_t s64[] = { 2, 4, 8, 4, 8 }, s32[] = { 2, 4, 4 };
    return g->bits == 64 ? s64[rndn(g, 5)] : s32[rndn(g, 3)];
}

static bool dst_ok(const struct gen *g, unsigned r)
{
    return !(g->reserved & rbit(r)) && regnum(r) != RSP;
}

/* A register operand of `size` bytes; dst: it is written. */
static unsigned pick_reg(struct gen *g, unsigned size, bool dst)
{
    for (;;) {
        unsigned r;
        if (size == 1 && chance(g, 20))
            r = DG_AH + rndn(g, 4);
        else if (size == 1 && g->bits == 32)
            r = rndn(g, 4);
        else
            r = rndn(g, g->nregs);
        if (!dst || dst_ok(g, r))
            return r;
    }
}

static void note_reg(struct eff *f, unsigned r, bool rd, bool wr)
{
    if (rd)
        f->rregs |= rbit(r);
    if (wr)
        f->wregs |= rbit(r);
}

/* Pick a memory operand of `size` bytes (align: required alignment) in the
 * data area; returns its scratch offset via *off. */
static bool pick_mem(struct gen *g, struct dg_mem *m, struct eff *f, unsigned size,
                     unsigned align, uint32_t *off)
{
    uint32_t o = DG_BASE_OFF - 192 + rndn(g, 384);
    if (align > 1)
        o &= ~(align - 1);
    else if (chance(g, 50))
        o &= ~(size - 1);
    memset(m, 0, sizeof(*m));
    m->base = m->index = DG_NOREG;
    m->addr32 = g->addr32;
    uint64_t target = g->scratch + o;
    unsigned form = rndn(g, 11);
    if (form == 8 && (g->bits != 64 || g->no_rip))
        form = 1;
    if (form == 9 && (!known(g, RSP) || align > 8))
        form = 2;
    switch (form) {
    case 0: /* [base] */
        o = DG_BASE_OFF & ~(align ? align - 1 : 0);
        target = g->scratch + o;
        if (o != DG_BASE_OFF)
            return false;
        m->base = g->c->base;
        break;
    case 1: case 2: case 3: /* [base + disp8/disp32] */
        m->base = g->c->base;
        m->disp = (int32_t)o - DG_BASE_OFF;
        m->dispsz = (form == 1 && m->disp >= -128 && m->disp <= 127) ? 1 : 4;
        if (form == 3 && m->disp >= -128 && m->disp <= 127)
            m->dispsz = 1;
        break;
    case 4: case 5: case 6: { /* [base + index*scale + disp] or no base */
        unsigned idx = rndn(g, g->nregs);
        if (idx == RSP || !dst_ok(g, idx))
            return false;
        m->scale = (uint8_t)rndn(g, 4);
        int64_t v = (int64_t)rndn(g, 65) - 32;
        uint64_t rv = (uint64_t)v;
        if (g->addr32 || g->bits == 32)
            rv = upper_garbage(g, (uint32_t)v, 4);
        if (!claim(g, idx, rv))
            return false;
        m->index = (uint8_t)idx;
        f->rregs |= rbit(idx);
        if (form == 6) {
            m->disp = (int32_t)((int64_t)target - v * (1 << m->scale));
            m->dispsz = 4;
        } else {
            m->base = g->c->base;
            m->disp = (int32_t)((int64_t)o - DG_BASE_OFF - v * (1 << m->scale));
            m->dispsz = (m->disp >= -128 && m->disp <= 127 && chance(g, 70)) ? 1 : 4;
            if (m->disp == 0 && chance(g, 50))
                m->dispsz = 0;
        }
        break;
    }
    case 7: /* [disp32], or an FS/GS-relative address */
        m->disp = (int32_t)target;
        m->dispsz = 4;
        if (!g->addr32 && chance(g, 60)) {
            bool gs = chance(g, 50);
            uint64_t sbase = !gs ? DG_FS_BASE : g->bits == 64 ? DG_GS_BASE64 : DG_GS_BASE32;
            uint64_t ea = target - sbase; /* wraps around for the 64-bit GS base */
            if (g->bits == 32)
                ea &= 0xffffffff;
            m->seg = gs ? 0x65 : 0x64;
            if ((int64_t)ea == (int32_t)ea && chance(g, 50)) {
                m->disp = (int32_t)ea;
            } else {
                /* [index + disp8] with the index register holding the rest */
                unsigned idx = rndn(g, g->nregs);
                int32_t d = (int8_t)rnd(g);
                if (idx == RSP || !dst_ok(g, idx) || !claim(g, idx, ea - (uint64_t)(int64_t)d))
                    return false;
                m->index = (uint8_t)idx;
                m->scale = 0;
                m->disp = d;
                f->rregs |= rbit(idx);
            }
        }
        break;
    case 8: /* [rip + disp32] */
        m->rip = true;
        m->target = target;
        break;
    default: { /* [rsp + disp8] in the stack area */
        int d = (int)rndn(g, 240) - 128;
        d &= ~(int)((align ? align : 1) - 1);
        o = (uint32_t)(DG_STACK_OFF + d);
        m->base = RSP;
        m->disp = d;
        m->dispsz = d == 0 && chance(g, 50) ? 0 : 1;
        break;
    }
    }
    if (m->base != DG_NOREG)
        f->rregs |= rbit(m->base);
    f->mrd = true;
    *off = o;
    return true;
}

/* The ModRM rm operand: a register or (pct % of the time) memory. */
struct rmop {
    bool mem;
    unsigned reg;
    uint32_t off;
};

static bool rm_pick(struct gen *g, struct dg_enc *e, struct eff *f, struct rmop *o,
                    unsigned size, bool rd, bool wr, unsigned pct)
{
    e->modrm = true;
    e->rm_byte = size == 1;
    if (chance(g, pct)) {
        if (!pick_mem(g, &e->m, f, size, 0, &o->off))
            return false;
        e->rm_mem = o->mem = true;
        f->mwr |= wr;
        return true;
    }
    o->mem = false;
    o->reg = pick_reg(g, size, wr);
    e->rm = (uint8_t)o->reg;
    note_reg(f, o->reg, rd, wr);
    return true;
}

static unsigned reg_pick(struct gen *g, struct dg_enc *e, struct eff *f, unsigned size, bool rd,
                         bool wr)
{
    unsigned r = pick_reg(g, size, wr);
    e->modrm = true;
    e->reg_is_reg = true;
    e->reg_byte = size == 1;
    e->reg = (uint8_t)r;
    note_reg(f, r, rd, wr);
    return r;
}

static bool rm_known(const struct gen *g, const struct rmop *o, unsigned size, uint64_t *v)
{
    if (o->mem) {
        if (!mem_known(g))
            return false;
        *v = mval(g, o->off, size);
        return true;
    }
    if (!known(g, o->reg))
        return false;
    *v = kval(g, o->reg, size);
    return true;
}

/* Set (if unused) or read the value of an rm operand. */
static bool rm_claim(struct gen *g, const struct rmop *o, unsigned size, uint64_t want,
                     uint64_t *v)
{
    if (o->mem ? claim_mem(g, o->off, want, size)
               : (o->reg < DG_AH && claim(g, o->reg, upper_garbage(g, want, size)))) {
        *v = want & szmask(size);
        return true;
    }
    return rm_known(g, o, size, v);
}

static const char *const szname[9] = { "", "8", "16", "", "32", "", "", "", "64" };

/* "<mnemonic> <pre><size><post>" for reports, e.g. "shl r/m32,cl". */
static void form(struct eff *f, const char *pre, unsigned size, const char *post)
{
    size_t n = strcspn(f->mnem, "|");
    snprintf(f->form, sizeof(f->form), "%.*s %s%s%s", (int)n, f->mnem, pre, szname[size], post);
}

/* Encode and append; update the flag and register bookkeeping. */
static bool emit(struct gen *g, struct dg_enc *e, struct eff *f)
{
    struct dg_case *c = g->c;
    uint8_t buf[16];
    if (f->rd & g->undef)
        return false;
    if (f->df_set && g->maybe)
        return false; /* DF would be unknown afterwards */
    if (c->ninsns >= DG_MAX_INSNS)
        return false;
    size_t n = dg_encode(e, g->bits, g->addr + c->body_len, buf);
    if (!n || c->body_len + n > DG_MAX_BODY)
        return false;
    struct dg_insn_rec *r = &c->insn[c->ninsns++];
    r->off = (uint8_t)c->body_len;
    r->len = (uint8_t)n;
    r->mnem = f->mnem;
    memcpy(r->form, f->form[0] ? f->form : f->mnem, sizeof(r->form));
    r->form[sizeof(r->form) - 1] = 0;
    memcpy(c->body + c->body_len, buf, n);
    c->body_len += n;
    if (g->maybe) {
        g->undef |= f->ud;
        g->fsw_undef |= f->cu;
    } else {
        g->undef = (g->undef & ~f->wr) | f->ud;
        g->fsw_undef = (uint16_t)((g->fsw_undef & ~f->cw) | f->cu);
    }
    g->used |= f->rregs | f->wregs;
    g->dirty |= f->wregs;
    g->mem_used |= f->mrd | f->mwr;
    g->mem_dirty |= f->mwr;
    if (f->df_set)
        g->df = f->df_val;
    return true;
}

static void add_pfx(struct dg_enc *e, uint8_t p)
{
    e->pfx[e->npfx++] = p;
}

static void enc_init(struct dg_enc *e, struct eff *f)
{
    memset(e, 0, sizeof(*e));
    memset(f, 0, sizeof(*f));
    e->opreg = DG_NOREG;
    e->opsize = 4;
}

static unsigned imm_size(unsigned size)
{
    return size == 1 ? 1 : size == 2 ? 2 : 4;
}

/* ------------------------------------------------------------------ */
/* Integer ALU                                                         */
/* ------------------------------------------------------------------ */

static const struct {
    const char *mn;
    uint32_t rd, ud;
    bool writes;
} alu_ops[8] = {
    { "add", 0, 0, true }, { "or", 0, AF, true },  { "adc", CF, 0, true }, { "sbb", CF, 0, true },
    { "and", 0, AF, true }, { "sub", 0, 0, true }, { "xor", 0, AF, true }, { "cmp", 0, 0, false },
};

static bool em_alu(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    struct rmop o;
    enc_init(&e, &f);
    unsigned op = rndn(g, 8), size = pick_size(g);
    bool w = alu_ops[op].writes;
    f.rd = alu_ops[op].rd;
    f.wr = ARITH;
    f.ud = alu_ops[op].ud;
    f.mnem = alu_ops[op].mn;
    e.opsize = (uint8_t)size;
    switch (rndn(g, 5)) {
    case 0: /* Ev, Gv */
        e.op = (uint8_t)(op * 8 + (size > 1));
        if (!rm_pick(g, &e, &f, &o, size, true, w, 50))
            return false;
        reg_pick(g, &e, &f, size, true, false);
        if (o.mem && w && chance(g, 15))
            add_pfx(&e, 0xf0);
        form(&f, "r/m", size, ",r");
        break;
    case 1: /* Gv, Ev */
        e.op = (uint8_t)(op * 8 + 2 + (size > 1));
        reg_pick(g, &e, &f, size, true, w);
        if (!rm_pick(g, &e, &f, &o, size, true, false, 50))
            return false;
        /* xor/sub r, r idioms */
        if (!o.mem && chance(g, 20) && (!w || dst_ok(g, o.reg))) {
            e.reg = e.rm;
            note_reg(&f, o.reg, true, w);
        }
        form(&f, "r", size, ",r/m");
        break;
    case 2: /* AL/eAX, imm */
        if (w && !dst_ok(g, RAX))
            return false;
        e.op = (uint8_t)(op * 8 + 4 + (size > 1));
        e.immsz = (uint8_t)imm_size(size);
        e.imm = interesting(g, e.immsz);
        note_reg(&f, RAX, true, w);
        form(&f, "acc", size, ",imm");
        break;
    default: /* group 1: Ev, Ib / Iz / sign-extended Ib */
        e.reg = (uint8_t)op;
        if (size == 1) {
            e.op = 0x80;
            e.immsz = 1;
        } else if (chance(g, 50)) {
            e.op = 0x83;
            e.immsz = 1;
        } else {
            e.op = 0x81;
            e.immsz = (uint8_t)imm_size(size);
        }
        e.imm = interesting(g, e.immsz);
        if (!rm_pick(g, &e, &f, &o, size, true, w, 50))
            return false;
        if (o.mem && w && chance(g, 15))
            add_pfx(&e, 0xf0);
        form(&f, "r/m", size, e.op == 0x83 ? ",simm8" : ",imm");
        break;
    }
    return emit(g, &e, &f);
}

static bool em_test(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    struct rmop o;
    enc_init(&e, &f);
    unsigned size = pick_size(g);
    e.opsize = (uint8_t)size;
    f.wr = ARITH;
    f.ud = AF;
    f.mnem = "test";
    switch (rndn(g, 3)) {
    case 0:
        e.op = size == 1 ? 0x84 : 0x85;
        if (!rm_pick(g, &e, &f, &o, size, true, false, 40))
            return false;
        reg_pick(g, &e, &f, size, true, false);
        form(&f, "r/m", size, ",r");
        break;
    case 1:
        e.op = size == 1 ? 0xa8 : 0xa9;
        e.immsz = (uint8_t)imm_size(size);
        e.imm = interesting(g, e.immsz);
        note_reg(&f, RAX, true, false);
        form(&f, "acc", size, ",imm");
        break;
    default:
        e.op = size == 1 ? 0xf6 : 0xf7;
        e.reg = 0;
        e.immsz = (uint8_t)imm_size(size);
        e.imm = interesting(g, e.immsz);
        if (!rm_pick(g, &e, &f, &o, size, true, false, 40))
            return false;
        form(&f, "r/m", size, ",imm");
        break;
    }
    return emit(g, &e, &f);
}

static bool em_incdec(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    struct rmop o;
    enc_init(&e, &f);
    unsigned size = pick_size(g);
    bool dec = chance(g, 50);
    e.opsize = (uint8_t)size;
    f.wr = ARITH & ~CF; /* CF is not affected */
    f.mnem = dec ? "dec" : "inc";
    if (g->bits == 32 && size > 1 && chance(g, 40)) {
        /* 40+r / 48+r (REX prefixes in 64-bit mode) */
        unsigned r = pick_reg(g, size, true);
        e.op = dec ? 0x48 : 0x40;
        e.opreg = (uint8_t)r;
        note_reg(&f, r, true, true);
        form(&f, "r", size, " (short)");
        return emit(g, &e, &f);
    }
    e.op = size == 1 ? 0xfe : 0xff;
    e.reg = dec;
    if (!rm_pick(g, &e, &f, &o, size, true, true, 40))
        return false;
    if (o.mem && chance(g, 15))
        add_pfx(&e, 0xf0);
    form(&f, "r/m", size, "");
    return emit(g, &e, &f);
}

static bool em_negnot(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    struct rmop o;
    enc_init(&e, &f);
    unsigned size = pick_size(g);
    bool neg = chance(g, 60);
    e.opsize = (uint8_t)size;
    e.op = size == 1 ? 0xf6 : 0xf7;
    e.reg = neg ? 3 : 2;
    f.wr = neg ? ARITH : 0;
    f.mnem = neg ? "neg" : "not";
    if (!rm_pick(g, &e, &f, &o, size, true, true, 40))
        return false;
    if (o.mem && chance(g, 15))
        add_pfx(&e, 0xf0);
    if (neg && !o.mem && chance(g, 20))
        claim(g, o.reg, upper_garbage(g, interesting(g, size), size));
    form(&f, "r/m", size, "");
    return emit(g, &e, &f);
}

/* ------------------------------------------------------------------ */
/* Shifts and rotates                                                  */
/* ------------------------------------------------------------------ */

static unsigned pick_count(struct gen *g, unsigned size)
{
    unsigned bits = size * 8;
    switch (rndn(g, 8)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return bits - 1 + rndn(g, 3); /* bits-1, bits, bits+1 */
    case 3: return 31 + rndn(g, 3);
    case 4: return 63 + rndn(g, 3);
    case 5: return rndn(g, 256);
    default: return 1 + rndn(g, bits);
    }
}

/* The CL count: claim RCX, or use its known value. */
static bool cl_count(struct gen *g, unsigned want, unsigned *cnt)
{
    if (claim(g, RCX, upper_garbage(g, want, 1))) {
        *cnt = want;
        return true;
    }
    if (!known(g, RCX))
        return false;
    *cnt = (unsigned)(g->c->regs[RCX] & 0xff);
    return true;
}

static bool em_shift(struct gen *g)
{
    static const char *const mn[8] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "shl|sal", "sar" };
    struct dg_enc e;
    struct eff f;
    struct rmop o;
    enc_init(&e, &f);
    unsigned op = rndn(g, 8), size = pick_size(g), cnt, bits = size * 8;
    if (op == 6 && !chance(g, 20))
        op = 4; /* /6 is an undocumented alias of SHL: test it now and then */
    e.opsize = (uint8_t)size;
    e.reg = (uint8_t)op;
    f.mnem = mn[op];
    unsigned kind = rndn(g, 3);
    if (kind == 1) {
        if (!cl_count(g, pick_count(g, size), &cnt))
            kind = 2;
        note_reg(&f, RCX, true, false);
    }
    if (kind == 0) {
        e.op = size == 1 ? 0xd0 : 0xd1;
        cnt = 1;
        form(&f, "r/m", size, ",1");
    } else if (kind == 1) {
        e.op = size == 1 ? 0xd2 : 0xd3;
        form(&f, "r/m", size, ",cl");
    } else {
        e.op = size == 1 ? 0xc0 : 0xc1;
        cnt = pick_count(g, size);
        e.immsz = 1;
        e.imm = cnt;
        form(&f, "r/m", size, ",imm8");
    }
    if (!rm_pick(g, &e, &f, &o, size, true, true, 35))
        return false;
    unsigned n = cnt & (size == 8 ? 63 : 31);
    if (n) {
        switch (op) {
        case 0: case 1: /* ROL ROR: CF, OF (only for 1-bit rotates) */
            f.wr = CF | OF;
            f.ud = n == 1 ? 0 : OF;
            break;
        case 2: case 3: /* RCL RCR */
            f.rd = CF;
            f.wr = CF | OF;
            f.ud = n == 1 ? 0 : OF;
            break;
        case 7: /* SAR */
            f.wr = ARITH;
            f.ud = AF | (n == 1 ? 0 : OF);
            break;
        default: /* SHL SHR: CF undefined when count >= operand size */
            f.wr = ARITH;
            f.ud = AF | (n == 1 ? 0 : OF) | (n >= bits ? CF : 0);
            break;
        }
    }
    return emit(g, &e, &f);
}

static bool em_shiftd(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    struct rmop o;
    enc_init(&e, &f);
    unsigned size = pick_vsize(g), cnt = 0, want;
    bool right = chance(g, 50), cl = chance(g, 50);
    e.opsize = (uint8_t)size;
    e.map = 1;
    f.mnem = right ? "shrd" : "shld";
    /* 16-bit: a count above 16 gives an undefined result. */
    do {
        want = pick_count(g, size);
    } while (size == 2 && (want & 31) > 16);
    if (cl) {
        if (!cl_count(g, want, &cnt))
            return false;
        if (size == 2 && (cnt & 31) > 16)
            return false;
        note_reg(&f, RCX, true, false);
        e.op = right ? 0xad : 0xa5;
        form(&f, "r/m", size, ",r,cl");
    } else {
        cnt = want;
        e.op = right ? 0xac : 0xa4;
        e.immsz = 1;
        e.imm = cnt;
        form(&f, "r/m", size, ",r,imm8");
    }
    if (!rm_pick(g, &e, &f, &o, size, true, true, 35))
        return false;
    reg_pick(g, &e, &f, size, true, false);
    unsigned n = cnt & (size == 8 ? 63 : 31);
    if (n) {
        f.wr = ARITH;
        f.ud = AF | (n == 1 ? 0 : OF);
    }
    return emit(g, &e, &f);
}

/* ------------------------------------------------------------------ */
/* MUL IMUL DIV IDIV                                                   */
/* ------------------------------------------------------------------ */

static bool em_mul(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    struct rmop o;
    enc_init(&e, &f);
    unsigned size = pick_size(g);
    bool sign = chance(g, 50);
    e.opsize = (uint8_t)size;
    e.op = size == 1 ? 0xf6 : 0xf7;
    e.reg = sign ? 5 : 4;
    f.mnem = sign ? "imul" : "mul";
    f.wr = ARITH;
    f.ud = SF | ZF | AF | PF;
    if (!dst_ok(g, RAX) || !dst_ok(g, RDX))
        return false;
    note_reg(&f, RAX, true, true);
    if (size > 1)
        note_reg(&f, RDX, false, true);
    if (!rm_pick(g, &e, &f, &o, size, true, false, 35))
        return false;
    if (chance(g, 30))
        claim(g, RAX, upper_garbage(g, interesting(g, size), size));
    form(&f, "r/m", size, "");
    return emit(g, &e, &f);
}

static bool em_imul23(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    struct rmop o;
    enc_init(&e, &f);
    unsigned size = pick_vsize(g);
    e.opsize = (uint8_t)size;
    f.mnem = "imul";
    f.wr = ARITH;
    f.ud = SF | ZF | AF | PF;
    switch (rndn(g, 3)) {
    case 0:
        e.map = 1;
        e.op = 0xaf;
        reg_pick(g, &e, &f, size, true, true);
        form(&f, "r", size, ",r/m");
        break;
    case 1:
        e.op = 0x6b;
        e.immsz = 1;
        e.imm = interesting(g, 1);
        reg_pick(g, &e, &f, size, false, true);
        form(&f, "r", size, ",r/m,simm8");
        break;
    default:
        e.op = 0x69;
        e.immsz = (uint8_t)imm_size(size);
        e.imm = interesting(g, e.immsz);
        reg_pick(g, &e, &f, size, false, true);
        form(&f, "r", size, ",r/m,imm");
        break;
    }
    if (!rm_pick(g, &e, &f, &o, size, true, false, 35))
        return false;
    return emit(g, &e, &f);
}

static bool em_div(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    struct rmop o;
    enc_init(&e, &f);
    unsigned size = pick_size(g), n = size * 8;
    bool sign = chance(g, 50);
    e.opsize = (uint8_t)size;
    e.op = size == 1 ? 0xf6 : 0xf7;
    e.reg = sign ? 7 : 6;
    f.mnem = sign ? "idiv" : "div";
    f.wr = ARITH;
    f.ud = ARITH;
    if ((g->used & (rbit(RAX) | rbit(RDX))) || !dst_ok(g, RAX) || !dst_ok(g, RDX))
        return false;
    if (!rm_pick(g, &e, &f, &o, size, true, false, 35))
        return false;
    if (!o.mem && (regnum(o.reg) == RAX || regnum(o.reg) == RDX))
        return false;
    uint64_t d, want;
    do {
        want = interesting(g, size);
    } while (!want);
    if (!rm_claim(g, &o, size, want, &d) || !d)
        return false;
    /* dividend = q * d + r with |r| < |d| and r of the dividend's sign:
     * the quotient q is in range by construction (SDM DIV/IDIV). */
    __int128 q, r, num;
    if (sign) {
        __int128 sd = sx(d, size);
        __int128 ad = sd < 0 ? -sd : sd;
        q = sx(interesting(g, size), size);
        r = (__int128)(rnd(g) % (uint64_t)ad);
        __int128 qd = q * sd;
        bool neg = qd < 0 || (qd == 0 && chance(g, 50));
        num = qd + (neg ? -r : r);
    } else {
        unsigned __int128 uq = interesting(g, size);
        unsigned __int128 ur = rnd(g) % d;
        num = (__int128)(uq * d + ur);
    }
    unsigned __int128 u = (unsigned __int128)num;
    if (size == 1) {
        if (!claim(g, RAX, upper_garbage(g, (uint64_t)u & 0xffff, 2)))
            return false;
    } else if (!claim(g, RAX, upper_garbage(g, (uint64_t)u, size)) ||
               !claim(g, RDX, upper_garbage(g, (uint64_t)(u >> n), size))) {
        return false;
    }
    note_reg(&f, RAX, true, true);
    if (size > 1)
        note_reg(&f, RDX, true, true);
    form(&f, "r/m", size, "");
    return emit(g, &e, &f);
}

/* ------------------------------------------------------------------ */
/* Data movement                                                       */
/* ------------------------------------------------------------------ */

static bool em_movx(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    struct rmop o;
    enc_init(&e, &f);
    unsigned dsize = pick_vsize(g), ssize = chance(g, 50) ? 1 : 2;
    bool sign = chance(g, 50);
    if (g->bits == 64 && chance(g, 20)) {
        /* MOVSXD r64, r/m32 (and the plain r32 form without REX.W) */
        dsize = chance(g, 75) ? 8 : 4;
        e.opsize = (uint8_t)dsize;
        e.op = 0x63;
        f.mnem = "movsxd";
        reg_pick(g, &e, &f, dsize, false, true);
        if (!rm_pick(g, &e, &f, &o, 4, true, false, 40))
            return false;
        form(&f, "r", dsize, ",r/m32");
        return emit(g, &e, &f);
    }
    e.opsize = (uint8_t)dsize;
    e.map = 1;
    e.op = (uint8_t)((sign ? 0xbe : 0xb6) + (ssize == 2));
    f.mnem = sign ? "movsx" : "movzx";
    reg_pick(g, &e, &f, dsize, false, true);
    if (!rm_pick(g, &e, &f, &o, ssize, true, false, 40))
        return false;
    snprintf(f.form, sizeof(f.form), "%s r%s,r/m%s", f.mnem, szname[dsize], szname[ssize]);
    return emit(g, &e, &f);
}

static bool em_mov(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    struct rmop o;
    enc_init(&e, &f);
    unsigned size = pick_size(g);
    e.opsize = (uint8_t)size;
    f.mnem = "mov";
    switch (rndn(g, 6)) {
    case 0: /* Ev, Gv */
        e.op = size == 1 ? 0x88 : 0x89;
        if (!rm_pick(g, &e, &f, &o, size, false, true, 50))
            return false;
        reg_pick(g, &e, &f, size, true, false);
        form(&f, "r/m", size, ",r");
        break;
    case 1: /* Gv, Ev */
        e.op = size == 1 ? 0x8a : 0x8b;
        reg_pick(g, &e, &f, size, false, true);
        if (!rm_pick(g, &e, &f, &o, size, true, false, 50))
            return false;
        form(&f, "r", size, ",r/m");
        break;
    case 2: /* Ev, imm */
        e.op = size == 1 ? 0xc6 : 0xc7;
        e.reg = 0;
        e.immsz = (uint8_t)imm_size(size);
        e.imm = interesting(g, e.immsz);
        if (!rm_pick(g, &e, &f, &o, size, false, true, 50))
            return false;
        form(&f, "r/m", size, ",imm");
        break;
    case 3: { /* B0+r / B8+r */
        unsigned r = pick_reg(g, size, true);
        e.op = size == 1 ? 0xb0 : 0xb8;
        e.opreg = (uint8_t)r;
        e.opreg_byte = size == 1;
        e.immsz = (uint8_t)size;
        e.imm = interesting(g, size);
        if (size == 8)
            f.mnem = "movabs";
        note_reg(&f, r, false, true);
        form(&f, "r", size, ",imm");
        break;
    }
    case 4: { /* moffs */
        bool store = chance(g, 50);
        uint32_t off = DG_BASE_OFF - 128 + rndn(g, 256);
        if (!dst_ok(g, RAX) && !store)
            return false;
        e.op = (uint8_t)((store ? 0xa2 : 0xa0) + (size > 1));
        uint64_t a = g->scratch + off;
        if (g->bits == 64 && !g->addr32) {
            e.immsz = 8;
            f.mnem = "movabs";
        } else {
            e.immsz = 4;
            if (g->bits == 64)
                add_pfx(&e, 0x67);
        }
        e.imm = a;
        note_reg(&f, RAX, store, !store);
        f.mrd = !store;
        f.mwr = store;
        form(&f, store ? "moffs" : "acc", size, store ? ",acc" : ",moffs");
        break;
    }
    default: /* CBW CWDE CDQE / CWD CDQ CQO */
        if (size == 1)
            e.opsize = (uint8_t)(size = 4);
        if (chance(g, 50)) {
            static const char *const n98[9] = { 0, 0, "cbw", 0, "cwde", 0, 0, 0, "cdqe" };
            e.op = 0x98;
            f.mnem = n98[size];
            note_reg(&f, RAX, true, true);
        } else {
            static const char *const n99[9] = { 0, 0, "cwd", 0, "cdq", 0, 0, 0, "cqo" };
            e.op = 0x99;
            f.mnem = n99[size];
            if (!dst_ok(g, RDX))
                return false;
            note_reg(&f, RAX, true, false);
            note_reg(&f, RDX, false, true);
        }
        if (!dst_ok(g, RAX))
            return false;
        if (chance(g, 40))
            claim(g, RAX, upper_garbage(g, interesting(g, size), size));
        snprintf(f.form, sizeof(f.form), "%s", f.mnem);
        break;
    }
    return emit(g, &e, &f);
}

static bool em_xlat(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    enc_init(&e, &f);
    if (g->c->base != RBX || !dst_ok(g, RAX))
        return false;
    e.op = 0xd7;
    if (g->addr32)
        add_pfx(&e, 0x67);
    f.mnem = "xlat";
    f.mrd = true;
    note_reg(&f, RAX, true, true);
    note_reg(&f, RBX, true, false);
    snprintf(f.form, sizeof(f.form), "xlat");
    return emit(g, &e, &f);
}

static bool em_lea(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    enc_init(&e, &f);
    unsigned size = pick_vsize(g);
    e.opsize = (uint8_t)size;
    e.op = 0x8d;
    e.modrm = true;
    e.rm_mem = true;
    f.mnem = "lea";
    reg_pick(g, &e, &f, size, false, true);
    struct dg_mem *m = &e.m;
    m->base = m->index = DG_NOREG;
    m->addr32 = g->bits == 64 && chance(g, 25);
    unsigned kind = rndn(g, 10);
    if (kind == 9 && (g->bits != 64 || g->no_rip))
        kind = 0;
    if (kind < 7) {
        m->base = (uint8_t)rndn(g, g->nregs);
        f.rregs |= rbit(m->base);
    }
    if (kind >= 3 && kind < 9) {
        unsigned idx;
        do {
            idx = rndn(g, g->nregs);
        } while (idx == RSP);
        m->index = (uint8_t)idx;
        m->scale = (uint8_t)rndn(g, 4);
        f.rregs |= rbit(idx);
    }
    switch (rndn(g, 4)) {
    case 0: m->disp = 0; m->dispsz = 0; break;
    case 1: m->disp = (int8_t)rnd(g); m->dispsz = 1; break;
    case 2: m->disp = (int32_t)interesting(g, 4); m->dispsz = 4; break;
    default: m->disp = (int32_t)rnd(g); m->dispsz = 4; break;
    }
    if (m->base == DG_NOREG)
        m->dispsz = 4;
    if (kind == 9) {
        m->rip = true;
        m->target = g->addr + g->c->body_len + (uint64_t)(int64_t)(int32_t)rnd(g) / 4;
    }
    snprintf(f.form, sizeof(f.form), "lea r%s,[%s%s%s]", szname[size],
             m->rip ? "rip" : m->base != DG_NOREG ? "b" : "", m->index != DG_NOREG ? "+i*s" : "",
             m->addr32 ? " a32" : "");
    return emit(g, &e, &f);
}

/* ------------------------------------------------------------------ */
/* Conditions: SETcc CMOVcc Jcc JMP LOOP JrCXZ                          */
/* ------------------------------------------------------------------ */

static const uint32_t ccflags[8] = { OF, CF, ZF, CF | ZF, SF, PF, SF | OF, ZF | SF | OF };

/* A condition whose flags are all defined now, or -1. */
static int pick_cc(struct gen *g)
{
    for (int t = 0; t < 8; t++) {
        unsigned cc = rndn(g, 16);
        if (!(ccflags[cc >> 1] & g->undef))
            return (int)cc;
    }
    return -1;
}

static const char *cc_mnem(unsigned kind, unsigned cc)
{
    static const char *const mn[3][16] = {
        { "seto", "setno", "setb", "setae", "sete", "setne", "setbe", "seta",
          "sets", "setns", "setp", "setnp", "setl", "setge", "setle", "setg" },
        { "cmovo", "cmovno", "cmovb", "cmovae", "cmove", "cmovne", "cmovbe", "cmova",
          "cmovs", "cmovns", "cmovp", "cmovnp", "cmovl", "cmovge", "cmovle", "cmovg" },
        { "jo", "jno", "jb", "jae", "je", "jne", "jbe", "ja",
          "js", "jns", "jp", "jnp", "jl", "jge", "jle", "jg" },
    };
    return mn[kind][cc];
}

static bool em_setcc(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    struct rmop o;
    enc_init(&e, &f);
    int cc = pick_cc(g);
    if (cc < 0)
        return false;
    e.opsize = 1;
    e.map = 1;
    e.op = (uint8_t)(0x90 + cc);
    e.reg = 0;
    f.rd = ccflags[cc >> 1];
    f.mnem = cc_mnem(0, (unsigned)cc);
    if (!rm_pick(g, &e, &f, &o, 1, false, true, 30))
        return false;
    snprintf(f.form, sizeof(f.form), "%s r/m8", f.mnem);
    return emit(g, &e, &f);
}

static bool em_cmov(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    struct rmop o;
    enc_init(&e, &f);
    int cc = pick_cc(g);
    if (cc < 0)
        return false;
    unsigned size = pick_vsize(g);
    e.opsize = (uint8_t)size;
    e.map = 1;
    e.op = (uint8_t)(0x40 + cc);
    f.rd = ccflags[cc >> 1];
    f.mnem = cc_mnem(1, (unsigned)cc);
    reg_pick(g, &e, &f, size, true, true);
    if (!rm_pick(g, &e, &f, &o, size, true, false, 35))
        return false;
    snprintf(f.form, sizeof(f.form), "%s r%s,r/m", f.mnem, szname[size]);
    return emit(g, &e, &f);
}

static bool em_mixer(struct gen *g);

/* A branch over one instruction: both paths rejoin right after it. */
static bool em_branch(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    enc_init(&e, &f);
    struct dg_case *c = g->c;
    unsigned kind = rndn(g, 10), relsz = 1;
    int cc = -1;
    e.opsize = 4;
    if (kind < 5) { /* Jcc rel8 */
        if ((cc = pick_cc(g)) < 0)
            return false;
        e.op = (uint8_t)(0x70 + cc);
        f.rd = ccflags[cc >> 1];
        f.mnem = cc_mnem(2, (unsigned)cc);
        snprintf(f.form, sizeof(f.form), "%s rel8", f.mnem);
    } else if (kind < 7) { /* Jcc rel32 */
        if ((cc = pick_cc(g)) < 0)
            return false;
        e.map = 1;
        e.op = (uint8_t)(0x80 + cc);
        relsz = 4;
        f.rd = ccflags[cc >> 1];
        f.mnem = cc_mnem(2, (unsigned)cc);
        snprintf(f.form, sizeof(f.form), "%s rel32", f.mnem);
    } else if (kind == 7) { /* JMP rel8/rel32 */
        relsz = chance(g, 50) ? 1 : 4;
        e.op = relsz == 1 ? 0xeb : 0xe9;
        f.mnem = "jmp";
        snprintf(f.form, sizeof(f.form), "jmp rel%u", relsz * 8);
    } else { /* LOOP LOOPE LOOPNE JrCXZ */
        static const char *const ln[4] = { "loopne", "loope", "loop", "jrcxz|jecxz" };
        unsigned k = rndn(g, 4);
        if (!dst_ok(g, RCX))
            return false;
        e.op = (uint8_t)(0xe0 + k);
        if (k < 2)
            f.rd = ZF;
        bool a32 = g->bits == 64 && chance(g, 30);
        if (a32)
            add_pfx(&e, 0x67);
        if (chance(g, 50))
            claim(g, RCX, a32 || g->bits == 32 ? upper_garbage(g, rndn(g, 3), 4) : rndn(g, 3));
        note_reg(&f, RCX, true, k != 3);
        f.mnem = g->bits == 32 && k == 3 ? "jecxz" : ln[k];
        snprintf(f.form, sizeof(f.form), "%s%s", ln[k], a32 ? " a32" : "");
    }
    e.immsz = (uint8_t)relsz;
    size_t at = c->body_len;
    unsigned idx = c->ninsns;
    if (!emit(g, &e, &f))
        return false;
    bool saved_rip = g->no_rip, saved_maybe = g->maybe;
    g->no_rip = true; /* the skipped instruction is encoded once, in place */
    g->maybe = true;
    bool ok = false;
    for (int t = 0; t < 8 && !ok; t++)
        ok = em_mixer(g);
    g->no_rip = saved_rip;
    g->maybe = saved_maybe;
    if (!ok)
        return false;
    unsigned skip = c->insn[idx + 1].len;
    put_le(c->body + at + c->insn[idx].len - relsz, skip, relsz);
    return true;
}

/* ------------------------------------------------------------------ */
/* XCHG XADD CMPXCHG BSWAP MOVBE                                       */
/* ------------------------------------------------------------------ */

static bool em_xchg(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    struct rmop o;
    enc_init(&e, &f);
    unsigned size = pick_size(g);
    e.opsize = (uint8_t)size;
    f.mnem = "xchg";
    if (size > 1 && chance(g, 30)) {
        unsigned r = pick_reg(g, size, true);
        if (r == RAX || !dst_ok(g, RAX))
            return false;
        e.op = 0x90;
        e.opreg = (uint8_t)r;
        note_reg(&f, r, true, true);
        note_reg(&f, RAX, true, true);
        form(&f, "acc", size, ",r");
        return emit(g, &e, &f);
    }
    e.op = size == 1 ? 0x86 : 0x87;
    if (!rm_pick(g, &e, &f, &o, size, true, true, 50))
        return false;
    reg_pick(g, &e, &f, size, true, true);
    if (o.mem && chance(g, 20))
        add_pfx(&e, 0xf0);
    form(&f, "r/m", size, ",r");
    return emit(g, &e, &f);
}

static bool em_xadd(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    struct rmop o;
    enc_init(&e, &f);
    unsigned size = pick_size(g);
    e.opsize = (uint8_t)size;
    e.map = 1;
    e.op = size == 1 ? 0xc0 : 0xc1;
    f.mnem = "xadd";
    f.wr = ARITH;
    if (!rm_pick(g, &e, &f, &o, size, true, true, 50))
        return false;
    reg_pick(g, &e, &f, size, true, true);
    if (o.mem && chance(g, 30))
        add_pfx(&e, 0xf0);
    form(&f, "r/m", size, ",r");
    return emit(g, &e, &f);
}

static bool em_cmpxchg(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    struct rmop o;
    enc_init(&e, &f);
    unsigned size = pick_size(g);
    e.opsize = (uint8_t)size;
    e.map = 1;
    e.op = size == 1 ? 0xb0 : 0xb1;
    f.mnem = "cmpxchg";
    f.wr = ARITH;
    if (!dst_ok(g, RAX))
        return false;
    if (!rm_pick(g, &e, &f, &o, size, true, true, 50))
        return false;
    reg_pick(g, &e, &f, size, true, false);
    note_reg(&f, RAX, true, true);
    uint64_t v;
    if (chance(g, 50) && rm_known(g, &o, size, &v))
        claim(g, RAX, upper_garbage(g, v, size)); /* the equal case */
    if (o.mem && chance(g, 30))
        add_pfx(&e, 0xf0);
    form(&f, "r/m", size, ",r");
    return emit(g, &e, &f);
}

static bool em_cmpxchg8b(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    enc_init(&e, &f);
    bool q = g->bits == 64 && chance(g, 50);
    unsigned size = q ? 8 : 4;
    uint32_t off;
    e.opsize = (uint8_t)(q ? 8 : 4);
    e.map = 1;
    e.op = 0xc7;
    e.reg = 1;
    e.modrm = true;
    e.rm_mem = true;
    f.mnem = q ? "cmpxchg16b" : "cmpxchg8b";
    f.wr = ZF;
    if (!dst_ok(g, RAX) || !dst_ok(g, RDX))
        return false;
    if (!pick_mem(g, &e.m, &f, 2 * size, q ? 16 : 0, &off))
        return false;
    f.mwr = true;
    note_reg(&f, RAX, true, true);
    note_reg(&f, RDX, true, true);
    note_reg(&f, RBX, true, false);
    note_reg(&f, RCX, true, false);
    if (chance(g, 50) && mem_known(g)) {
        claim(g, RAX, q ? mval(g, off, 8) : upper_garbage(g, mval(g, off, 4), 4));
        claim(g, RDX, q ? mval(g, off + 8, 8) : upper_garbage(g, mval(g, off + 4, 4), 4));
    }
    if (chance(g, 30))
        add_pfx(&e, 0xf0);
    snprintf(f.form, sizeof(f.form), "%s m", f.mnem);
    return emit(g, &e, &f);
}

static bool em_bswap(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    enc_init(&e, &f);
    unsigned size = g->bits == 64 && chance(g, 50) ? 8 : 4; /* 16-bit: undefined */
    unsigned r = pick_reg(g, size, true);
    e.opsize = (uint8_t)size;
    e.map = 1;
    e.op = 0xc8;
    e.opreg = (uint8_t)r;
    f.mnem = "bswap";
    note_reg(&f, r, true, true);
    form(&f, "r", size, "");
    return emit(g, &e, &f);
}

static bool em_movbe(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    uint32_t off;
    enc_init(&e, &f);
    unsigned size = pick_vsize(g);
    bool store = chance(g, 50);
    if (g->bits == 32)
        return false; /* see DG_EMULATED_32 in diffgen.h */
    e.opsize = (uint8_t)size;
    e.map = 2;
    e.op = store ? 0xf1 : 0xf0;
    e.modrm = true;
    e.rm_mem = true;
    f.mnem = "movbe";
    if (!pick_mem(g, &e.m, &f, size, 0, &off))
        return false;
    f.mrd = !store;
    f.mwr = store;
    reg_pick(g, &e, &f, size, store, !store);
    form(&f, store ? "m" : "r", size, store ? ",r" : ",m");
    return emit(g, &e, &f);
}

/* ------------------------------------------------------------------ */
/* BT BTS BTR BTC BSF BSR POPCNT LZCNT                                  */
/* ------------------------------------------------------------------ */

static bool em_bt(struct gen *g)
{
    static const char *const mn[4] = { "bt", "bts", "btr", "btc" };
    struct dg_enc e;
    struct eff f;
    struct rmop o;
    enc_init(&e, &f);
    unsigned size = pick_vsize(g), k = rndn(g, 4);
    bool wr = k != 0;
    e.opsize = (uint8_t)size;
    e.map = 1;
    f.mnem = mn[k];
    f.wr = CF | OF | SF | AF | PF; /* ZF unaffected */
    f.ud = OF | SF | AF | PF;
    if (chance(g, 50)) { /* Ev, Ib: the offset is taken modulo the operand size */
        e.op = 0xba;
        e.reg = (uint8_t)(4 + k);
        e.immsz = 1;
        e.imm = rndn(g, 256);
        if (!rm_pick(g, &e, &f, &o, size, true, wr, 40))
            return false;
        form(&f, "r/m", size, ",imm8");
    } else { /* Ev, Gv: a memory operand is a bit string (signed offset) */
        static const uint8_t ops[4] = { 0xa3, 0xab, 0xb3, 0xbb };
        e.op = ops[k];
        if (!rm_pick(g, &e, &f, &o, size, true, wr, 40))
            return false;
        unsigned r = reg_pick(g, &e, &f, size, true, false);
        if (o.mem) {
            if (r >= 16 || (!o.mem && r == o.reg))
                return false;
            int64_t bitoff = (int64_t)rndn(g, 2048) - 1024;
            if (!claim(g, r, upper_garbage(g, (uint64_t)bitoff, size))) {
                if (!known(g, r))
                    return false;
                int64_t v = sx(kval(g, r, size), size);
                if (v < -1024 || v >= 1024)
                    return false;
            }
        }
        form(&f, "r/m", size, ",r");
    }
    if (o.mem && wr && chance(g, 20))
        add_pfx(&e, 0xf0);
    return emit(g, &e, &f);
}

static bool em_bsf(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    struct rmop o;
    enc_init(&e, &f);
    unsigned size = pick_vsize(g), k = rndn(g, 4);
    e.opsize = (uint8_t)size;
    e.map = 1;
    reg_pick(g, &e, &f, size, false, true);
    if (!rm_pick(g, &e, &f, &o, size, true, false, 35))
        return false;
    uint64_t v, want = interesting(g, size);
    if (k < 2) { /* BSF BSR: a zero source leaves the destination undefined */
        e.op = k ? 0xbd : 0xbc;
        f.mnem = k ? "bsr" : "bsf";
        f.wr = ARITH;
        f.ud = CF | OF | SF | AF | PF;
        if (!want)
            want = 1ULL << rndn(g, size * 8);
        if (!rm_claim(g, &o, size, want, &v) || !v)
            return false;
    } else { /* POPCNT LZCNT */
        if (g->bits == 32)
            return false; /* see DG_EMULATED_32 in diffgen.h */
        e.mand = 0xf3;
        e.op = k == 2 ? 0xb8 : 0xbd;
        f.mnem = k == 2 ? "popcnt" : "lzcnt";
        f.wr = ARITH;
        f.ud = k == 2 ? 0 : OF | SF | PF | AF;
        rm_claim(g, &o, size, want, &v);
    }
    form(&f, "r", size, ",r/m");
    return emit(g, &e, &f);
}

/* ------------------------------------------------------------------ */
/* Flags                                                               */
/* ------------------------------------------------------------------ */

static bool em_flagop(struct gen *g)
{
    static const struct {
        uint8_t op;
        const char *mn;
        uint32_t rd, wr;
    } t[] = {
        { 0xf8, "clc", 0, CF }, { 0xf9, "stc", 0, CF }, { 0xf5, "cmc", CF, CF },
        { 0xfc, "cld", 0, 0 },  { 0xfd, "std", 0, 0 },
        { 0x9f, "lahf", SF | ZF | AF | PF | CF, 0 },
        { 0x9e, "sahf", 0, SF | ZF | AF | PF | CF },
    };
    struct dg_enc e;
    struct eff f;
    enc_init(&e, &f);
    unsigned k = rndn(g, ARRAY_SIZE(t));
    e.op = t[k].op;
    f.mnem = t[k].mn;
    f.rd = t[k].rd;
    f.wr = t[k].wr;
    if (e.op == 0xfc || e.op == 0xfd) {
        f.df_set = true;
        f.df_val = e.op == 0xfd;
    }
    if (e.op == 0x9f) {
        if (!dst_ok(g, RAX))
            return false;
        note_reg(&f, RAX, false, true);
    }
    if (e.op == 0x9e)
        note_reg(&f, RAX, true, false);
    snprintf(f.form, sizeof(f.form), "%s", f.mnem);
    return emit(g, &e, &f);
}

/* PUSH imm; POPF: load the arithmetic flags and DF from an immediate. */
static bool em_popf(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    enc_init(&e, &f);
    if (!known(g, RSP))
        return false;
    bool w16 = chance(g, 25);
    uint32_t v = (uint32_t)(rnd(g) & (ARITH | DF)) | 2;
    e.op = 0x68;
    e.opsize = w16 ? 2 : 4;
    e.immsz = w16 ? 2 : 4;
    e.imm = v;
    f.mnem = w16 ? "pushw|push" : "push";
    f.mwr = true;
    note_reg(&f, RSP, true, true);
    snprintf(f.form, sizeof(f.form), "push imm%s", w16 ? "16" : "");
    if (!emit(g, &e, &f))
        return false;
    enc_init(&e, &f);
    e.op = 0x9d;
    e.opsize = w16 ? 2 : 4;
    f.mnem = w16 ? "popfw|popf" : "popf|popfd|popfq";
    f.wr = ARITH;
    f.df_set = true;
    f.df_val = v & DF;
    f.mrd = true;
    note_reg(&f, RSP, true, true);
    snprintf(f.form, sizeof(f.form), "popf%s", w16 ? "w" : "");
    return emit(g, &e, &f);
}

/* PUSHF; POP r; AND r, mask: the flags image, less the bits the two
 * accelerators may legitimately differ in (IF, reserved, RF...); then the
 * stack slot is overwritten so memory holds no such bits either. */
static bool em_pushf(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    enc_init(&e, &f);
    if (!known(g, RSP) || (g->undef & (ARITH)))
        return false;
    unsigned r = pick_reg(g, 8, true);
    if (r >= 16)
        return false;
    bool w16 = chance(g, 25);
    e.op = 0x9c;
    e.opsize = w16 ? 2 : 4;
    f.mnem = w16 ? "pushfw|pushf" : "pushf|pushfd|pushfq";
    f.rd = ARITH;
    f.mwr = true;
    note_reg(&f, RSP, true, true);
    snprintf(f.form, sizeof(f.form), "pushf%s", w16 ? "w" : "");
    if (!emit(g, &e, &f))
        return false;
    enc_init(&e, &f);
    e.op = 0x58;
    e.opsize = w16 ? 2 : 4;
    e.opreg = (uint8_t)r;
    f.mnem = w16 ? "pop" : "pop";
    f.mrd = true;
    note_reg(&f, RSP, true, true);
    note_reg(&f, r, false, true);
    snprintf(f.form, sizeof(f.form), "pop r%s", w16 ? "16" : "");
    if (!emit(g, &e, &f))
        return false;
    enc_init(&e, &f);
    e.op = 0x81;
    e.reg = 4;
    e.opsize = w16 ? 2 : 4;
    e.modrm = true;
    e.rm = (uint8_t)r;
    e.immsz = w16 ? 2 : 4;
    e.imm = ARITH | DF;
    f.mnem = "and";
    f.wr = ARITH;
    f.ud = AF;
    note_reg(&f, r, true, true);
    snprintf(f.form, sizeof(f.form), "and r,flagmask");
    if (!emit(g, &e, &f))
        return false;
    /* mov word/dword/qword [rsp - slot], 0 */
    enc_init(&e, &f);
    e.op = 0xc7;
    e.opsize = w16 ? 2 : (g->bits == 64 ? 8 : 4);
    e.modrm = true;
    e.rm_mem = true;
    e.m.base = RSP;
    e.m.index = DG_NOREG;
    e.m.disp = -(int)e.opsize;
    e.m.dispsz = 1;
    e.immsz = w16 ? 2 : 4;
    f.mnem = "mov";
    f.mwr = true;
    note_reg(&f, RSP, true, false);
    snprintf(f.form, sizeof(f.form), "mov [rsp-n],0");
    return emit(g, &e, &f);
}

/* ------------------------------------------------------------------ */
/* Stack                                                               */
/* ------------------------------------------------------------------ */

static unsigned stack_size(struct gen *g)
{
    /* 64-bit: 8 or 16 (66); 32-bit: 4 or 2 */
    if (chance(g, 20))
        return 2;
    return g->bits == 64 ? 8 : 4;
}

static bool em_push(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    enc_init(&e, &f);
    unsigned size = stack_size(g);
    e.opsize = (uint8_t)(size == 2 ? 2 : 4);
    f.mnem = size == 2 ? "push|pushw" : "push";
    f.mwr = true;
    note_reg(&f, RSP, true, true);
    switch (rndn(g, 4)) {
    case 0: {
        unsigned r = pick_reg(g, 8, false);
        e.op = 0x50;
        e.opreg = (uint8_t)r;
        note_reg(&f, r, true, false);
        form(&f, "r", size, "");
        break;
    }
    case 1:
        e.op = 0x6a;
        e.immsz = 1;
        e.imm = interesting(g, 1);
        form(&f, "simm8/", size, "");
        break;
    case 2:
        e.op = 0x68;
        e.immsz = size == 2 ? 2 : 4;
        e.imm = interesting(g, e.immsz);
        form(&f, "imm/", size, "");
        break;
    default: {
        uint32_t off;
        e.op = 0xff;
        e.reg = 6;
        e.modrm = true;
        e.rm_mem = true;
        if (!pick_mem(g, &e.m, &f, size, 0, &off))
            return false;
        form(&f, "m", size, "");
        break;
    }
    }
    return emit(g, &e, &f);
}

static bool em_pop(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    enc_init(&e, &f);
    unsigned size = stack_size(g);
    e.opsize = (uint8_t)(size == 2 ? 2 : 4);
    f.mnem = size == 2 ? "pop|popw" : "pop";
    f.mrd = true;
    note_reg(&f, RSP, true, true);
    if (chance(g, 60)) {
        unsigned r = pick_reg(g, 8, true);
        if (r >= 16)
            return false;
        e.op = 0x58;
        e.opreg = (uint8_t)r;
        note_reg(&f, r, false, true);
        form(&f, "r", size, "");
    } else {
        uint32_t off;
        e.op = 0x8f;
        e.reg = 0;
        e.modrm = true;
        e.rm_mem = true;
        if (!pick_mem(g, &e.m, &f, size, 0, &off))
            return false;
        f.mwr = true;
        form(&f, "m", size, "");
    }
    return emit(g, &e, &f);
}

/* CALL L; JMP over; L: RET [imm16] -- a call and return that rejoin. */
static bool em_callret(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    bool imm = chance(g, 40);
    unsigned retlen = imm ? 3 : 1;
    enc_init(&e, &f);
    e.op = 0xe8;
    e.immsz = 4;
    e.imm = 2; /* over the JMP */
    f.mnem = "call";
    f.mwr = true;
    note_reg(&f, RSP, true, true);
    snprintf(f.form, sizeof(f.form), "call rel32");
    if (!emit(g, &e, &f))
        return false;
    enc_init(&e, &f);
    e.op = 0xeb;
    e.immsz = 1;
    e.imm = retlen;
    f.mnem = "jmp";
    snprintf(f.form, sizeof(f.form), "jmp rel8");
    if (!emit(g, &e, &f))
        return false;
    enc_init(&e, &f);
    e.op = imm ? 0xc2 : 0xc3;
    if (imm) {
        e.immsz = 2;
        e.imm = 8 * rndn(g, 8);
    }
    f.mnem = "ret|retq|retd";
    f.mrd = true;
    note_reg(&f, RSP, true, true);
    snprintf(f.form, sizeof(f.form), imm ? "ret imm16" : "ret");
    return emit(g, &e, &f);
}

static bool em_enterleave(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    enc_init(&e, &f);
    unsigned ss = g->bits == 64 ? 8 : 4;
    if (!dst_ok(g, RBP))
        return false;
    note_reg(&f, RSP, true, true);
    note_reg(&f, RBP, true, true);
    f.mrd = true;
    if (chance(g, 50)) {
        /* LEAVE: RSP = RBP; pop RBP.  RBP must point into the stack area. */
        uint64_t v = g->scratch + DG_STACK_OFF + (uint64_t)(8 * ((int64_t)rndn(g, 17) - 8));
        if (!claim(g, RBP, v) && !(known(g, RBP) && kval(g, RBP, 8) == v))
            return false;
        e.op = 0xc9;
        if (chance(g, 20))
            e.opsize = 2;
        f.mnem = e.opsize == 2 ? "leavew|leave" : "leave";
        snprintf(f.form, sizeof(f.form), "leave%s", e.opsize == 2 ? "w" : "");
        return emit(g, &e, &f);
    }
    /* ENTER imm16, level: level > 0 copies frame pointers from [RBP-n]. */
    if (g->bits == 32)
        return false; /* see DG_EMULATED_32 in diffgen.h */
    unsigned level = chance(g, 50) ? 0 : rndn(g, 4);
    if (level > 1) {
        uint64_t v = g->scratch + DG_STACK_OFF + 8 * rndn(g, 8);
        if (!claim(g, RBP, v) && !(known(g, RBP) && kval(g, RBP, 8) == v))
            return false;
    }
    e.op = 0xc8;
    e.immsz = 2;
    e.imm = ss * rndn(g, 8);
    e.imm2sz = 1;
    e.imm2 = level;
    f.mwr = true;
    f.mnem = "enter|enterq";
    snprintf(f.form, sizeof(f.form), "enter imm16,%u", level);
    return emit(g, &e, &f);
}

/* ------------------------------------------------------------------ */
/* Strings                                                             */
/* ------------------------------------------------------------------ */

static bool em_string(struct gen *g)
{
    static const struct {
        uint8_t op;
        const char *mn;
        bool src, dst, cmp, acc_rd, acc_wr;
    } t[5] = {
        { 0xa4, "movs", true, true, false, false, false },
        { 0xa6, "cmps", true, true, true, false, false },
        { 0xaa, "stos", false, true, false, true, false },
        { 0xac, "lods", true, false, false, false, true },
        { 0xae, "scas", false, true, true, true, false },
    };
    struct dg_enc e;
    struct eff f;
    enc_init(&e, &f);
    unsigned k = rndn(g, 5), size = pick_size(g);
    bool a32 = g->addr32 || g->bits == 32;
    bool rep = chance(g, 60), repne = rep && t[k].cmp && chance(g, 50);
    unsigned cnt = rep ? rndn(g, 9) : 1;
    if (g->mem_used)
        return false;
    e.opsize = (uint8_t)size;
    e.op = (uint8_t)(t[k].op + (size > 1));
    f.mnem = t[k].mn;
    if (rep)
        add_pfx(&e, repne ? 0xf2 : 0xf3);
    /* A segment override applies to the source (DS:RSI) only: DS/CS have
     * no effect on these flat segments, FS adds DG_FS_BASE. */
    bool fs = t[k].src && chance(g, 20);
    if (fs)
        add_pfx(&e, 0x64);
    else if (chance(g, 15))
        add_pfx(&e, chance(g, 50) ? 0x3e : 0x2e);
    if (g->addr32)
        add_pfx(&e, 0x67);
    int step = g->df ? -(int)size : (int)size;
    /* Start offsets leaving room for cnt elements in either direction;
     * sometimes overlapping source and destination. */
    uint32_t so = 96 + rndn(g, 400);
    uint32_t dof = chance(g, 20) ? so + rndn(g, 17) - 8 : 512 + rndn(g, 400);
    /* With 32-bit addresses the upper halves must be ignored (and the
     * 32-bit register updates zero them).  Exception: REP with ECX = 0.
     * The SDM's pseudo-code then writes no register, but the hardware
     * (observed under KVM) still clears the upper halves of RCX, RSI and
     * RDI; the case is left out rather than declared undefined. */
    bool quirk = g->addr32 && rep && cnt == 0;
    uint64_t hi = g->addr32 && !quirk ? rnd(g) << 32 : 0;
    if (t[k].src) {
        uint64_t si = g->scratch + so - (fs ? DG_FS_BASE : 0);
        if (!dst_ok(g, RSI) || !claim(g, RSI, hi | si))
            return false;
        note_reg(&f, RSI, true, true);
    }
    if (t[k].dst) {
        if (!dst_ok(g, RDI) || !claim(g, RDI, hi | (g->scratch + dof)))
            return false;
        note_reg(&f, RDI, true, true);
    }
    if (rep) {
        if (!dst_ok(g, RCX) || !claim(g, RCX, (a32 && !quirk ? rnd(g) << 32 : 0) | cnt))
            return false;
        note_reg(&f, RCX, true, true);
    }
    if (t[k].acc_rd)
        note_reg(&f, RAX, true, false);
    if (t[k].acc_wr) {
        if (!dst_ok(g, RAX))
            return false;
        note_reg(&f, RAX, false, true);
    }
    if (t[k].cmp) {
        /* Make the first elements equal so REPE runs on for a while. */
        unsigned eq = rndn(g, cnt + 1);
        if (!t[k].src && eq && (g->used & rbit(RAX)) && !known(g, RAX))
            eq = 0;
        if (!t[k].src && eq)
            claim(g, RAX, upper_garbage(g, interesting(g, size), size));
        for (unsigned i = 0; i < eq; i++) {
            uint8_t *d = g->c->scratch + (int)dof + step * (int)i;
            if (t[k].src)
                memmove(d, g->c->scratch + (int)so + step * (int)i, size);
            else
                for (unsigned b = 0; b < size; b++)
                    d[b] = (uint8_t)(g->c->regs[RAX] >> (8 * b));
        }
        f.wr = cnt ? ARITH : 0;
    }
    f.mrd = true;
    f.mwr = t[k].dst && !t[k].cmp;
    snprintf(f.form, sizeof(f.form), "%s%s%s%s%s", rep ? (repne ? "repne " : "rep ") : "",
             fs ? "fs " : "", t[k].mn, szname[size], g->addr32 ? " a32" : "");
    return emit(g, &e, &f);
}

/* ------------------------------------------------------------------ */
/* BCD (not valid in 64-bit mode)                                      */
/* ------------------------------------------------------------------ */

static bool em_bcd(struct gen *g)
{
    static const struct {
        uint8_t op;
        const char *mn;
        uint32_t rd, ud;
    } t[6] = {
        { 0x27, "daa", CF | AF, OF }, { 0x2f, "das", CF | AF, OF },
        { 0x37, "aaa", AF, OF | SF | ZF | PF }, { 0x3f, "aas", AF, OF | SF | ZF | PF },
        { 0xd4, "aam", 0, OF | AF | CF }, { 0xd5, "aad", 0, OF | AF | CF },
    };
    struct dg_enc e;
    struct eff f;
    enc_init(&e, &f);
    unsigned k = rndn(g, 6);
    if (!dst_ok(g, RAX))
        return false;
    if (t[k].op == 0x27 || t[k].op == 0x37 || t[k].op == 0x3f)
        return false; /* DAA AAA AAS: see DG_EMULATED_32 in diffgen.h */
    e.op = t[k].op;
    f.mnem = t[k].mn;
    f.rd = t[k].rd;
    f.wr = ARITH;
    f.ud = t[k].ud;
    if (k >= 4) {
        /* The reference (KVM's emulator, DG_EMULATED_32) computes SF/ZF/PF
         * of AAM/AAD from AL before the instruction; the SDM says from the
         * result.  Not compared. */
        f.ud |= SF | ZF | PF;
        e.immsz = 1;
        e.imm = chance(g, 70) ? 10 : 1 + rndn(g, 255); /* AAM 0 is #DE */
    }
    note_reg(&f, RAX, true, true);
    if (chance(g, 50))
        claim(g, RAX, upper_garbage(g, interesting(g, 2), 2));
    snprintf(f.form, sizeof(f.form), "%s%s", f.mnem, k >= 4 && e.imm != 10 ? " imm8" : "");
    return emit(g, &e, &f);
}

/* ------------------------------------------------------------------ */
/* Exceptions (DG_FAULT): the case's last instruction faults or traps   */
/* ------------------------------------------------------------------ */

/* Append raw bytes as one instruction (forms the encoder does not build:
 * invalid opcodes, privileged instructions). */
static bool emit_raw(struct gen *g, const uint8_t *b, size_t n, const char *mnem, struct eff *f)
{
    struct dg_case *c = g->c;
    if (f->rd & g->undef)
        return false;
    if (c->ninsns >= DG_MAX_INSNS || c->body_len + n > DG_MAX_BODY)
        return false;
    struct dg_insn_rec *r = &c->insn[c->ninsns++];
    r->off = (uint8_t)c->body_len;
    r->len = (uint8_t)n;
    r->mnem = mnem;
    snprintf(r->form, sizeof(r->form), "%s", f->form[0] ? f->form : mnem);
    memcpy(c->body + c->body_len, b, n);
    c->body_len += n;
    g->undef = (g->undef & ~f->wr) | f->ud;
    g->used |= f->rregs | f->wregs;
    g->dirty |= f->wregs;
    return true;
}

/* DIV/IDIV raising #DE: divisor 0 or a quotient out of range.  Nothing
 * changes (SDM DIV/IDIV: "#DE if the quotient is too large"). */
static bool em_fault_div(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    struct rmop o;
    enc_init(&e, &f);
    unsigned size = pick_size(g), n = size * 8;
    bool sign = chance(g, 50), zero = chance(g, 40);
    e.opsize = (uint8_t)size;
    e.op = size == 1 ? 0xf6 : 0xf7;
    e.reg = sign ? 7 : 6;
    f.mnem = sign ? "idiv" : "div";
    if ((g->used & (rbit(RAX) | rbit(RDX))) || !dst_ok(g, RAX) || !dst_ok(g, RDX))
        return false;
    if (!rm_pick(g, &e, &f, &o, size, true, false, 35))
        return false;
    if (!o.mem && (regnum(o.reg) == RAX || regnum(o.reg) == RDX))
        return false;
    uint64_t d, want = zero ? 0 : interesting(g, size);
    if (!want && !zero)
        want = 1 + rndn(g, 5);
    if (!rm_claim(g, &o, size, want, &d) || (d == 0) != zero)
        return false;
    note_reg(&f, RAX, true, false);
    note_reg(&f, RDX, true, false);
    if (!zero) {
        __int128 num;
        if (sign) {
            __int128 sd = sx(d, size), lim = (__int128)1 << (n - 1);
            if (sd == -1 && chance(g, 50)) {
                num = -lim; /* the most negative dividend / -1 */
            } else {
                __int128 q = chance(g, 50) ? lim + rndn(g, 4) : -lim - 1 - rndn(g, 4);
                num = q * sd;
            }
            __int128 hi = (__int128)(((unsigned __int128)1 << (2 * n - 1)) - 1);
            if (num > hi || num < -hi - 1)
                return false; /* the dividend must fit in 2n bits */
        } else {
            unsigned __int128 q = ((unsigned __int128)1 << n) + rndn(g, 1000);
            unsigned __int128 un = q * d;
            if (n == 64 && un / d != q)
                return false;
            num = (__int128)un;
        }
        unsigned __int128 u = (unsigned __int128)num;
        if (size == 1) {
            if (!claim(g, RAX, upper_garbage(g, (uint64_t)u & 0xffff, 2)))
                return false;
        } else if (!claim(g, RAX, upper_garbage(g, (uint64_t)u, size)) ||
                   !claim(g, RDX, upper_garbage(g, (uint64_t)(u >> n), size))) {
            return false;
        }
    }
    g->c->faults = true;
    snprintf(f.form, sizeof(f.form), "%s r/m%s #DE (%s)", f.mnem, szname[size],
             zero ? "/0" : "overflow");
    return emit(g, &e, &f);
}

struct raw {
    uint8_t len, b[7];
    const char *mnem;
};

/* #UD: UD2/UD1, opcodes invalid in 64-bit mode, LOCK where it is not
 * allowed, LEA and MOV CS with forbidden operands, VEX with CR4.OSXSAVE
 * clear, SYSCALL/SYSRET with EFER.SCE clear. */
static bool em_fault_ud(struct gen *g)
{
    static const struct raw any[] = {
        { 2, { 0x0f, 0x0b }, "ud2" },
        { 3, { 0x0f, 0xb9, 0xc8 }, "ud1" },
        { 2, { 0xf0, 0x90 }, "*" },             /* LOCK NOP */
        { 3, { 0xf0, 0x01, 0xc0 }, "*" },       /* LOCK ADD eax, eax */
        { 3, { 0xf0, 0x8b, 0x03 }, "*" },       /* LOCK MOV */
        { 2, { 0x8d, 0xc0 }, "*" },             /* LEA eax, eax */
        { 2, { 0x8e, 0xc8 }, "*" },             /* MOV CS, ax */
        /* Not here, because the KVM under test runs user code with the
         * host's EFER and CR4: SYSCALL and SYSRET (they run, or #GP(0):
         * the host has EFER.SCE set) and VEX instructions (they run: the
         * host has CR4.OSXSAVE set). */
    };
    static const struct raw only64[] = {
        { 1, { 0x06 }, "*" }, { 1, { 0x07 }, "*" }, { 1, { 0x0e }, "*" }, { 1, { 0x16 }, "*" },
        { 1, { 0x17 }, "*" }, { 1, { 0x1e }, "*" }, { 1, { 0x1f }, "*" }, { 1, { 0x27 }, "*" },
        { 1, { 0x2f }, "*" }, { 1, { 0x37 }, "*" }, { 1, { 0x3f }, "*" }, { 1, { 0x60 }, "*" },
        { 1, { 0x61 }, "*" }, { 1, { 0xce }, "*" }, { 2, { 0xd4, 0x0a }, "*" },
        { 2, { 0xd5, 0x0a }, "*" }, { 1, { 0xd6 }, "*" }, { 3, { 0x82, 0xc0, 0x01 }, "*" },
    };
    struct eff f;
    memset(&f, 0, sizeof(f));
    const struct raw *r;
    unsigned k = rndn(g, ARRAY_SIZE(any) + (g->bits == 64 ? ARRAY_SIZE(only64) : 0));
    r = k < ARRAY_SIZE(any) ? &any[k] : &only64[k - ARRAY_SIZE(any)];
    g->c->faults = true;
    snprintf(f.form, sizeof(f.form), "#UD %02x%s%02x", r->b[0], r->len > 1 ? " " : "",
             r->len > 1 ? r->b[1] : 0);
    return emit_raw(g, r->b, r->len, r->mnem, &f);
}

/* Privileged or IOPL-sensitive instructions at CPL 3 (IOPL 0, no I/O
 * bitmap): #GP(0). */
static bool em_fault_priv(struct gen *g)
{
    static const struct raw t[] = {
        { 1, { 0xf4 }, "hlt" },
        { 1, { 0xfa }, "cli" },
        { 1, { 0xfb }, "sti" },
        { 1, { 0xec }, "in" },
        { 1, { 0xef }, "out" },
        { 2, { 0xe4, 0x60 }, "in" },
        { 2, { 0xe6, 0x80 }, "out" },
        { 1, { 0x6c }, "ins|insb" },
        { 1, { 0x6f }, "outs|outsd|outsl" },
        { 2, { 0x0f, 0x32 }, "rdmsr" },
        { 2, { 0x0f, 0x30 }, "wrmsr" },
        { 3, { 0x0f, 0x20, 0xc0 }, "mov" },
        { 3, { 0x0f, 0x22, 0xd8 }, "mov" },
        { 3, { 0x0f, 0x21, 0xc0 }, "mov" },
        { 3, { 0x0f, 0x23, 0xf8 }, "mov" },
        { 2, { 0x0f, 0x09 }, "wbinvd" },
        { 2, { 0x0f, 0x08 }, "invd" },
        { 2, { 0x0f, 0x06 }, "clts" },
        { 3, { 0x0f, 0x01, 0xf0 }, "lmsw" },
        { 3, { 0x0f, 0x00, 0xd0 }, "lldt" },
        { 3, { 0x0f, 0x00, 0xd8 }, "ltr" },
        { 2, { 0x0f, 0x33 }, "rdpmc" },
        { 3, { 0x0f, 0x01, 0xf8 }, "swapgs" }, /* 64-bit only (#UD otherwise) */
    };
    static const struct {
        uint8_t reg;
        const char *mn;
    } mem[3] = { { 2, "lgdt|lgdtd" }, { 3, "lidt|lidtd" }, { 7, "invlpg" } };
    struct eff f;
    memset(&f, 0, sizeof(f));
    g->c->faults = true;
    if (chance(g, 20)) {
        struct dg_enc e;
        uint32_t off;
        enc_init(&e, &f);
        unsigned k = rndn(g, 3);
        e.map = 1;
        e.op = 0x01;
        e.reg = mem[k].reg;
        e.modrm = e.rm_mem = true;
        if (!pick_mem(g, &e.m, &f, 10, 0, &off))
            return false;
        f.mnem = mem[k].mn;
        snprintf(f.form, sizeof(f.form), "%s m (CPL 3)", f.mnem);
        return emit(g, &e, &f);
    }
    unsigned k = rndn(g, ARRAY_SIZE(t) - (g->bits == 64 ? 0 : 1));
    snprintf(f.form, sizeof(f.form), "%s (CPL 3)", t[k].mnem);
    /* I/O at CPL 3 with IOPL 0 and no I/O bitmap is #GP(0) for every port
     * (SDM Vol. 1 19.5), but the KVM under test lets some ports through
     * (0, 4...) and can hang on INS there: ports known to fault under it. */
    if (t[k].b[0] == 0xec || t[k].b[0] == 0xef || t[k].b[0] == 0x6c || t[k].b[0] == 0x6f) {
        if (!claim(g, RDX, upper_garbage(g, chance(g, 50) ? 0x504 : 0x80, 2)))
            return false;
        note_reg(&f, RDX, true, false);
    }
    if (t[k].b[0] == 0x6c || t[k].b[0] == 0x6f) {
        /* The string operand: usually valid; otherwise the I/O permission
         * check must still come first (SDM INS/OUTS operation). */
        unsigned r = t[k].b[0] == 0x6c ? RDI : RSI;
        bool bad = chance(g, 30);
        if (!claim(g, r, bad ? 0x2000000000ULL + (rnd(g) & 0xffffff) : g->scratch + 64 + rndn(g, 512)))
            return false;
        note_reg(&f, r, true, false);
        if (bad)
            g->c->kind = "io-perm-first";
    }
    return emit_raw(g, t[k].b, t[k].len, t[k].mnem, &f);
}

/* Memory operands that fault: non-canonical (#GP(0), or #SS(0) through
 * RBP/RSP), not present / read-only / supervisor pages (#PF with CR2),
 * including accesses that cross into the faulting page. */
static bool em_fault_mem(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    enc_init(&e, &f);
    unsigned size = pick_size(g), kind = rndn(g, g->bits == 64 ? 6 : 4), form = rndn(g, 4);
    bool store = chance(g, 50);
    uint64_t addr;
    unsigned r = rndn(g, g->nregs);
    if (r == RSP || !dst_ok(g, r) || (g->used & rbit(r)))
        return false;
    /* The form first: it decides the access size. */
    if (form == 2 && size == 1)
        form = 0;
    if (form == 2)
        size = g->bits == 64 ? 8 : 4; /* PUSH/POP m: the stack width */
    if (form == 3)
        size = chance(g, 50) ? 1 : 2; /* MOVZX */
    if (form == 3)
        store = false;
    if (form == 1)
        store = true;
    if (kind == 3)
        store = true;
    switch (kind) {
    case 0: /* not present, maybe crossing into it from below */
        addr = DG_HOLE_NP + (chance(g, 40) ? -(uint64_t)(1 + rndn(g, size)) : rndn(g, 4096));
        break;
    case 1: /* read-only: only stores fault */
        addr = DG_HOLE_RO + rndn(g, 4096);
        break;
    case 2: /* supervisor-only */
        addr = DG_HOLE_SUP + (chance(g, 30) ? -(uint64_t)(1 + rndn(g, size)) : rndn(g, 4096));
        break;
    case 3: /* from the supervisor page into the read-only one: a crossing store */
        addr = DG_HOLE_RO - 1 - rndn(g, size);
        break;
    case 4: /* above 4 GiB: not mapped at the PDPT level */
        addr = 0x100000000ULL + (rnd(g) & 0x7fffffffffULL);
        break;
    default: /* non-canonical */
        addr = (chance(g, 50) ? 0x8000000000000000ULL : 0x0000800000000000ULL) +
               (rnd(g) & 0xffffffffffULL);
        break;
    }
    bool cross = (addr & 0xfff) + size > 4096;
    if (size == 1 && kind != 4 && kind != 5 && (addr & 0xfff) == 0xfff)
        addr++; /* a byte below the hole would not fault */
    if (g->bits == 32 && cross && store)
        return false; /* KVM's emulator (DG_EMULATED_32) stores the first part */
    int32_t disp = chance(g, 50) ? (int8_t)rnd(g) : 0;
    if (!claim(g, r, addr - (uint64_t)(int64_t)disp))
        return false;
    e.opsize = (uint8_t)size;
    e.modrm = e.rm_mem = true;
    e.rm_byte = size == 1;
    e.m.base = (uint8_t)r;
    e.m.index = DG_NOREG;
    e.m.disp = disp;
    e.m.dispsz = disp ? 1 : 0;
    f.rregs |= rbit(r);
    switch (form) {
    case 0: /* MOV load / store */
        e.op = (uint8_t)((store ? 0x88 : 0x8a) + (size > 1));
        reg_pick(g, &e, &f, size, store, !store);
        f.mnem = "mov";
        break;
    case 1: /* ADD r/m, imm8 (read-modify-write) */
        /* A read-only target: the KVM under test updates the flags of a
         * faulting RMW (it emulates the instruction); a crossing access:
         * kept to one known issue per case. */
        if (kind == 1 || kind == 3 || cross)
            return false;
        g->c->kind = kind < 5 ? "pf-rmw" : NULL;
        e.op = size == 1 ? 0x80 : 0x83;
        e.immsz = 1;
        e.imm = 1;
        f.mnem = "add"; /* it faults: no flags written */
        break;
    case 2: /* PUSH r/m, POP r/m (the other side is the stack) */
        e.opsize = 4; /* 64-bit in 64-bit mode */
        e.op = store ? 0x8f : 0xff;
        e.reg = store ? 0 : 6;
        e.rm_byte = false;
        f.mnem = store ? "pop" : "push";
        note_reg(&f, RSP, true, true);
        break;
    default: /* MOVZX load */
        e.opsize = 4;
        e.map = 1;
        e.op = size == 1 ? 0xb6 : 0xb7;
        reg_pick(g, &e, &f, 4, false, true);
        f.mnem = "movzx";
        break;
    }
    g->c->faults = true;
    if (cross && kind < 4)
        g->c->kind = "pf-split";
    snprintf(f.form, sizeof(f.form), "%s %s %s", f.mnem, store ? "st" : "ld",
             kind == 0 ? "#PF np" : kind == 1 ? "ro" : kind == 2 ? "#PF sup" : kind == 3 ? "#PF ro x"
             : kind == 4 ? "#PF >4G" : "noncanon");
    return emit(g, &e, &f);
}

/* REP STOS/MOVS running from the page below DG_HOLE_NP into it: the
 * elements before the hole are written, RCX/RDI/RSI stop at the fault. */
static bool em_fault_rep(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    enc_init(&e, &f);
    unsigned size = pick_size(g), before = rndn(g, 5), cnt = before + 1 + rndn(g, 4);
    bool movs = chance(g, 50);
    if (g->df || g->addr32)
        return false;
    e.opsize = (uint8_t)size;
    e.op = movs ? 0xa5 : 0xab;
    if (size == 1)
        e.op--;
    add_pfx(&e, 0xf3);
    uint64_t di = DG_HOLE_NP - (uint64_t)before * size - (chance(g, 30) ? rndn(g, size) : 0);
    if (!claim(g, RDI, di) || !claim(g, RCX, cnt))
        return false;
    note_reg(&f, RDI, true, true);
    note_reg(&f, RCX, true, true);
    if (movs) {
        if (!claim(g, RSI, g->scratch + 64 + rndn(g, 512)))
            return false;
        note_reg(&f, RSI, true, true);
        f.mrd = true;
    } else {
        note_reg(&f, RAX, true, false);
    }
    f.mnem = movs ? "movs" : "stos";
    g->c->faults = true;
    snprintf(f.form, sizeof(f.form), "rep %s%s #PF", f.mnem, szname[size]);
    return emit(g, &e, &f);
}

/* INT3, INT n, INT1, INTO: vectors 3 and 4 have DPL-3 gates (delivered,
 * RIP after the instruction), the others #GP(vector * 8 + 2) for the gate
 * DPL or the IDT limit. */
static bool em_fault_int(struct gen *g)
{
    struct eff f;
    memset(&f, 0, sizeof(f));
    uint8_t b[2];
    size_t n;
    const char *mn;
    if (g->bits == 32)
        return false; /* KVM's emulator (DG_EMULATED_32) has no INT/INT3/INT1/INTO */
    switch (rndn(g, 3)) {
    case 0:
        b[0] = 0xcc;
        n = 1;
        mn = "int3";
        break;
    case 1:
        /* INT n through a DPL-0 gate or beyond the IDT limit is #GP(n * 8 +
         * 2) (SDM INT n, soft CPU agrees), but the KVM under test raises
         * #UD for those: only the DPL-3 vectors here. */
        b[0] = 0xcd;
        b[1] = (uint8_t)(3 + rndn(g, 2));
        n = 2;
        mn = "int";
        break;
    case 2:
        b[0] = 0xf1;
        n = 1;
        mn = "int1|icebp";
        break;
    default:
        b[0] = 0xce; /* INTO: reads OF */
        n = 1;
        mn = "into";
        f.rd = OF;
        break;
    }
    g->c->faults = true;
    snprintf(f.form, sizeof(f.form), "%s%s", mn, n == 2 ? " n" : "");
    return emit_raw(g, b, n, mn, &f);
}

/* Single step: PUSH flags with TF; POPF; one instruction; #DB after it. */
static bool em_fault_tf(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    enc_init(&e, &f);
    if (!known(g, RSP))
        return false;
    uint32_t v = (uint32_t)(rnd(g) & (ARITH | DF)) | 2 | 0x100;
    e.op = 0x68;
    e.immsz = 4;
    e.imm = v;
    f.mnem = "push";
    f.mwr = true;
    note_reg(&f, RSP, true, true);
    snprintf(f.form, sizeof(f.form), "push flags|TF");
    if (!emit(g, &e, &f))
        return false;
    enc_init(&e, &f);
    e.op = 0x9d;
    f.mnem = "popf|popfd|popfq";
    f.wr = ARITH;
    f.df_set = true;
    f.df_val = v & DF;
    f.mrd = true;
    note_reg(&f, RSP, true, true);
    snprintf(f.form, sizeof(f.form), "popf (TF)");
    if (!emit(g, &e, &f))
        return false;
    g->c->faults = true;
    g->c->kind = "tf";
    for (int t = 0; t < 8; t++) {
        if (em_mixer(g))
            return true;
    }
    return false;
}

/* CMPXCHG16B on a misaligned operand: #GP(0). */
static bool em_fault_align(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    uint32_t off;
    enc_init(&e, &f);
    if (g->bits != 64)
        return false;
    e.opsize = 8;
    e.map = 1;
    e.op = 0xc7;
    e.reg = 1;
    e.modrm = e.rm_mem = true;
    if (!pick_mem(g, &e.m, &f, 16, 0, &off) || !(off & 15))
        return false;
    note_reg(&f, RAX, true, false);
    note_reg(&f, RDX, true, false);
    f.mnem = "cmpxchg16b";
    g->c->faults = true;
    snprintf(f.form, sizeof(f.form), "cmpxchg16b misaligned");
    return emit(g, &e, &f);
}

/* ------------------------------------------------------------------ */
/* SSE (64-bit only: compatibility mode is emulated, DG_EMULATED_32)    */
/* ------------------------------------------------------------------ */

/* IEEE single/double bit patterns biased to the cases FP code gets wrong:
 * signed zeros, infinities, quiet and signalling NaNs, denormals, the
 * extremes, ties for rounding, integer-conversion boundaries. */
static uint32_t fp32(struct gen *g)
{
    static const uint32_t special[] = {
        0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fa00000,
        0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff, 0x3f800000, 0xbf800000, 0x3f000000,
        0x3fc00000, 0x40200000, 0x4f000000, 0xcf000000, 0x4effffff, 0xcf000001, 0x5f000000,
        0x34000000, 0x4b000000, 0x3eaaaaab,
    };
    uint32_t sign = (uint32_t)rnd(g) & 0x80000000u;
    switch (rndn(g, 6)) {
    case 0: case 1: return special[rndn(g, ARRAY_SIZE(special))] ^ (chance(g, 20) ? sign : 0);
    case 2: return sign | ((uint32_t)rnd(g) & 0x007fffff); /* denormal */
    case 3: return sign | ((uint32_t)(118 + rndn(g, 20)) << 23) | ((uint32_t)rnd(g) & 0x7fffff);
    case 4: return (uint32_t)rnd(g) | 0x7f800000u; /* NaN or infinity */
    default: return (uint32_t)rnd(g);
    }
}

static uint64_t fp64(struct gen *g)
{
    static const uint64_t special[] = {
        0, 0x8000000000000000ULL, 0x7ff0000000000000ULL, 0xfff0000000000000ULL,
        0x7ff8000000000000ULL, 0xfff8000000000000ULL, 0x7ff4000000000000ULL, 1,
        0x800fffffffffffffULL, 0x0010000000000000ULL, 0x7fefffffffffffffULL,
        0x3ff0000000000000ULL, 0xbff0000000000000ULL, 0x3fe0000000000000ULL,
        0x3ff8000000000000ULL, 0x4004000000000000ULL, 0x41e0000000000000ULL,
        0xc1e0000000000000ULL, 0x41dfffffffc00000ULL, 0xc1e0000000200000ULL,
        0x43e0000000000000ULL, 0x3e80000000000000ULL, 0x47efffffe0000000ULL,
        0x36a0000000000000ULL, 0x3fd5555555555555ULL,
    };
    uint64_t sign = rnd(g) & 0x8000000000000000ULL;
    switch (rndn(g, 6)) {
    case 0: case 1: return special[rndn(g, ARRAY_SIZE(special))] ^ (chance(g, 20) ? sign : 0);
    case 2: return sign | (rnd(g) & 0x000fffffffffffffULL);
    case 3: return sign | ((uint64_t)(1000 + rndn(g, 48)) << 52) | (rnd(g) & 0xfffffffffffffULL);
    case 4: return rnd(g) | 0x7ff0000000000000ULL;
    default: return rnd(g);
    }
}

/* 16 bytes: single lanes, double lanes or integers. */
static void fill128(struct gen *g, uint8_t *p)
{
    unsigned how = rndn(g, 3);
    for (unsigned k = 0; k < 16;) {
        uint64_t v;
        unsigned n;
        if (how == 0) {
            v = fp32(g);
            n = 4;
        } else if (how == 1) {
            v = fp64(g);
            n = 8;
        } else {
            v = interesting(g, 8);
            n = 8;
        }
        for (unsigned b = 0; b < n; b++)
            p[k + b] = (uint8_t)(v >> (8 * b));
        k += n;
    }
}

/* A valid MXCSR: all exceptions masked (no #XM), random rounding, FTZ,
 * DAZ and sticky flags. */
static uint32_t mxcsr_val(struct gen *g)
{
    return 0x1f80u | ((uint32_t)rndn(g, 4) << 13) | (chance(g, 20) ? 0x8000u : 0) |
           (chance(g, 20) ? 0x40u : 0) | ((uint32_t)rnd(g) & 0x3f);
}

/* The FXSAVE image the case starts from (SDM FXSAVE, table 3-56). */
static void init_fx(struct gen *g)
{
    uint8_t *fx = g->c->fx;
    memset(fx, 0, 512);
    /* FCW: exceptions masked, random precision and rounding control */
    uint16_t fcw = (uint16_t)(0x3f | 0x40 | ((rndn(g, 4) == 1 ? 3 : rndn(g, 4)) << 8) |
                              (rndn(g, 4) << 10));
    fx[0] = (uint8_t)fcw;
    fx[1] = (uint8_t)(fcw >> 8);
    uint16_t fsw = (uint16_t)((rnd(g) & 0x4700) | (rnd(g) & 0x3f) | (rndn(g, 8) << 11));
    fx[2] = (uint8_t)fsw;
    fx[3] = (uint8_t)(fsw >> 8);
    fx[4] = (uint8_t)rnd(g); /* abridged tag */
    uint32_t mx = mxcsr_val(g);
    for (unsigned b = 0; b < 4; b++)
        fx[24 + b] = (uint8_t)(mx >> (8 * b));
    for (unsigned k = 0; k < 8; k++) { /* ST0-7: 80-bit values, mostly normal */
        uint8_t *st = fx + 32 + 16 * k;
        uint64_t m = rnd(g) | (chance(g, 90) ? 0x8000000000000000ULL : 0);
        uint16_t se = (uint16_t)(chance(g, 80) ? 0x3fff - 64 + rndn(g, 128) : rnd(g));
        if (chance(g, 10))
            m = 0, se &= 0x8000;
        for (unsigned b = 0; b < 8; b++)
            st[b] = (uint8_t)(m >> (8 * b));
        st[8] = (uint8_t)se;
        st[9] = (uint8_t)(se >> 8);
    }
    for (unsigned k = 0; k < 16; k++)
        fill128(g, fx + 160 + 16 * k);
}

struct sse_op {
    uint8_t mand, map, op;
    uint8_t kind;     /* SK_* */
    uint8_t msize;    /* memory operand size; 16 = aligned 128-bit (legacy SSE) */
    uint8_t digit;    /* SK_SHI: the /digit */
    const char *mn;
};

enum {
    SK_XX,   /* xmm, xmm/m */
    SK_XXI,  /* xmm, xmm/m, imm8 */
    SK_MX,   /* xmm/m, xmm (stores) */
    SK_SHI,  /* xmm, imm8 (shift groups, register only) */
    SK_XG,   /* xmm, r/m32/64 (opsize from REX.W) */
    SK_XGI,  /* xmm, r32/m16, imm8 (PINSRW) */
    SK_GX,   /* r32/64, xmm/m (conversions to integer) */
    SK_GXR,  /* r32, xmm, [imm8] (register only: PMOVMSKB, MOVMSK, PEXTRW) */
    SK_GS,   /* r/m32/64, xmm (MOVD/MOVQ stores) */
    SK_CMP,  /* xmm, xmm/m: EFLAGS (COMISS/UCOMISS) */
};

static const struct sse_op sse_ops[] = {
    /* packed integer (66) */
    { 0x66, 1, 0xfc, SK_XX, 16, 0, "paddb" }, { 0x66, 1, 0xfd, SK_XX, 16, 0, "paddw" },
    { 0x66, 1, 0xfe, SK_XX, 16, 0, "paddd" }, { 0x66, 1, 0xd4, SK_XX, 16, 0, "paddq" },
    { 0x66, 1, 0xf8, SK_XX, 16, 0, "psubb" }, { 0x66, 1, 0xf9, SK_XX, 16, 0, "psubw" },
    { 0x66, 1, 0xfa, SK_XX, 16, 0, "psubd" }, { 0x66, 1, 0xfb, SK_XX, 16, 0, "psubq" },
    { 0x66, 1, 0xec, SK_XX, 16, 0, "paddsb" }, { 0x66, 1, 0xed, SK_XX, 16, 0, "paddsw" },
    { 0x66, 1, 0xdc, SK_XX, 16, 0, "paddusb" }, { 0x66, 1, 0xdd, SK_XX, 16, 0, "paddusw" },
    { 0x66, 1, 0xe8, SK_XX, 16, 0, "psubsb" }, { 0x66, 1, 0xe9, SK_XX, 16, 0, "psubsw" },
    { 0x66, 1, 0xd8, SK_XX, 16, 0, "psubusb" }, { 0x66, 1, 0xd9, SK_XX, 16, 0, "psubusw" },
    { 0x66, 1, 0xd5, SK_XX, 16, 0, "pmullw" }, { 0x66, 1, 0xe5, SK_XX, 16, 0, "pmulhw" },
    { 0x66, 1, 0xe4, SK_XX, 16, 0, "pmulhuw" }, { 0x66, 1, 0xf4, SK_XX, 16, 0, "pmuludq" },
    { 0x66, 1, 0xf5, SK_XX, 16, 0, "pmaddwd" }, { 0x66, 1, 0xdb, SK_XX, 16, 0, "pand" },
    { 0x66, 1, 0xdf, SK_XX, 16, 0, "pandn" }, { 0x66, 1, 0xeb, SK_XX, 16, 0, "por" },
    { 0x66, 1, 0xef, SK_XX, 16, 0, "pxor" }, { 0x66, 1, 0x74, SK_XX, 16, 0, "pcmpeqb" },
    { 0x66, 1, 0x75, SK_XX, 16, 0, "pcmpeqw" }, { 0x66, 1, 0x76, SK_XX, 16, 0, "pcmpeqd" },
    { 0x66, 1, 0x64, SK_XX, 16, 0, "pcmpgtb" }, { 0x66, 1, 0x65, SK_XX, 16, 0, "pcmpgtw" },
    { 0x66, 1, 0x66, SK_XX, 16, 0, "pcmpgtd" }, { 0x66, 1, 0xf1, SK_XX, 16, 0, "psllw" },
    { 0x66, 1, 0xf2, SK_XX, 16, 0, "pslld" }, { 0x66, 1, 0xf3, SK_XX, 16, 0, "psllq" },
    { 0x66, 1, 0xd1, SK_XX, 16, 0, "psrlw" }, { 0x66, 1, 0xd2, SK_XX, 16, 0, "psrld" },
    { 0x66, 1, 0xd3, SK_XX, 16, 0, "psrlq" }, { 0x66, 1, 0xe1, SK_XX, 16, 0, "psraw" },
    { 0x66, 1, 0xe2, SK_XX, 16, 0, "psrad" }, { 0x66, 1, 0x60, SK_XX, 16, 0, "punpcklbw" },
    { 0x66, 1, 0x61, SK_XX, 16, 0, "punpcklwd" }, { 0x66, 1, 0x62, SK_XX, 16, 0, "punpckldq" },
    { 0x66, 1, 0x6c, SK_XX, 16, 0, "punpcklqdq" }, { 0x66, 1, 0x68, SK_XX, 16, 0, "punpckhbw" },
    { 0x66, 1, 0x69, SK_XX, 16, 0, "punpckhwd" }, { 0x66, 1, 0x6a, SK_XX, 16, 0, "punpckhdq" },
    { 0x66, 1, 0x6d, SK_XX, 16, 0, "punpckhqdq" }, { 0x66, 1, 0x63, SK_XX, 16, 0, "packsswb" },
    { 0x66, 1, 0x6b, SK_XX, 16, 0, "packssdw" }, { 0x66, 1, 0x67, SK_XX, 16, 0, "packuswb" },
    { 0x66, 1, 0xda, SK_XX, 16, 0, "pminub" }, { 0x66, 1, 0xde, SK_XX, 16, 0, "pmaxub" },
    { 0x66, 1, 0xea, SK_XX, 16, 0, "pminsw" }, { 0x66, 1, 0xee, SK_XX, 16, 0, "pmaxsw" },
    { 0x66, 1, 0xe0, SK_XX, 16, 0, "pavgb" }, { 0x66, 1, 0xe3, SK_XX, 16, 0, "pavgw" },
    { 0x66, 1, 0xf6, SK_XX, 16, 0, "psadbw" }, { 0x66, 1, 0x70, SK_XXI, 16, 0, "pshufd" },
    { 0xf3, 1, 0x70, SK_XXI, 16, 0, "pshufhw" }, { 0xf2, 1, 0x70, SK_XXI, 16, 0, "pshuflw" },
    { 0x66, 1, 0x71, SK_SHI, 0, 2, "psrlw" }, { 0x66, 1, 0x71, SK_SHI, 0, 4, "psraw" },
    { 0x66, 1, 0x71, SK_SHI, 0, 6, "psllw" }, { 0x66, 1, 0x72, SK_SHI, 0, 2, "psrld" },
    { 0x66, 1, 0x72, SK_SHI, 0, 4, "psrad" }, { 0x66, 1, 0x72, SK_SHI, 0, 6, "pslld" },
    { 0x66, 1, 0x73, SK_SHI, 0, 2, "psrlq" }, { 0x66, 1, 0x73, SK_SHI, 0, 3, "psrldq" },
    { 0x66, 1, 0x73, SK_SHI, 0, 6, "psllq" }, { 0x66, 1, 0x73, SK_SHI, 0, 7, "pslldq" },
    /* SSSE3 */
    { 0x66, 2, 0x00, SK_XX, 16, 0, "pshufb" }, { 0x66, 2, 0x01, SK_XX, 16, 0, "phaddw" },
    { 0x66, 2, 0x02, SK_XX, 16, 0, "phaddd" }, { 0x66, 2, 0x03, SK_XX, 16, 0, "phaddsw" },
    { 0x66, 2, 0x04, SK_XX, 16, 0, "pmaddubsw" }, { 0x66, 2, 0x05, SK_XX, 16, 0, "phsubw" },
    { 0x66, 2, 0x06, SK_XX, 16, 0, "phsubd" }, { 0x66, 2, 0x07, SK_XX, 16, 0, "phsubsw" },
    { 0x66, 2, 0x08, SK_XX, 16, 0, "psignb" }, { 0x66, 2, 0x09, SK_XX, 16, 0, "psignw" },
    { 0x66, 2, 0x0a, SK_XX, 16, 0, "psignd" }, { 0x66, 2, 0x0b, SK_XX, 16, 0, "pmulhrsw" },
    { 0x66, 2, 0x1c, SK_XX, 16, 0, "pabsb" }, { 0x66, 2, 0x1d, SK_XX, 16, 0, "pabsw" },
    { 0x66, 2, 0x1e, SK_XX, 16, 0, "pabsd" }, { 0x66, 3, 0x0f, SK_XXI, 16, 0, "palignr" },
    /* floating point: packed single, packed double, scalar single, scalar double */
    { 0, 1, 0x58, SK_XX, 16, 0, "addps" }, { 0x66, 1, 0x58, SK_XX, 16, 0, "addpd" },
    { 0xf3, 1, 0x58, SK_XX, 4, 0, "addss" }, { 0xf2, 1, 0x58, SK_XX, 8, 0, "addsd" },
    { 0, 1, 0x59, SK_XX, 16, 0, "mulps" }, { 0x66, 1, 0x59, SK_XX, 16, 0, "mulpd" },
    { 0xf3, 1, 0x59, SK_XX, 4, 0, "mulss" }, { 0xf2, 1, 0x59, SK_XX, 8, 0, "mulsd" },
    { 0, 1, 0x5c, SK_XX, 16, 0, "subps" }, { 0x66, 1, 0x5c, SK_XX, 16, 0, "subpd" },
    { 0xf3, 1, 0x5c, SK_XX, 4, 0, "subss" }, { 0xf2, 1, 0x5c, SK_XX, 8, 0, "subsd" },
    { 0, 1, 0x5e, SK_XX, 16, 0, "divps" }, { 0x66, 1, 0x5e, SK_XX, 16, 0, "divpd" },
    { 0xf3, 1, 0x5e, SK_XX, 4, 0, "divss" }, { 0xf2, 1, 0x5e, SK_XX, 8, 0, "divsd" },
    { 0, 1, 0x5d, SK_XX, 16, 0, "minps" }, { 0x66, 1, 0x5d, SK_XX, 16, 0, "minpd" },
    { 0xf3, 1, 0x5d, SK_XX, 4, 0, "minss" }, { 0xf2, 1, 0x5d, SK_XX, 8, 0, "minsd" },
    { 0, 1, 0x5f, SK_XX, 16, 0, "maxps" }, { 0x66, 1, 0x5f, SK_XX, 16, 0, "maxpd" },
    { 0xf3, 1, 0x5f, SK_XX, 4, 0, "maxss" }, { 0xf2, 1, 0x5f, SK_XX, 8, 0, "maxsd" },
    { 0, 1, 0x51, SK_XX, 16, 0, "sqrtps" }, { 0x66, 1, 0x51, SK_XX, 16, 0, "sqrtpd" },
    { 0xf3, 1, 0x51, SK_XX, 4, 0, "sqrtss" }, { 0xf2, 1, 0x51, SK_XX, 8, 0, "sqrtsd" },
    { 0, 1, 0xc2, SK_XXI, 16, 0, "cmp*" }, { 0x66, 1, 0xc2, SK_XXI, 16, 0, "cmp*" },
    { 0xf3, 1, 0xc2, SK_XXI, 4, 0, "cmp*" }, { 0xf2, 1, 0xc2, SK_XXI, 8, 0, "cmp*" },
    { 0, 1, 0x54, SK_XX, 16, 0, "andps" }, { 0x66, 1, 0x55, SK_XX, 16, 0, "andnpd" },
    { 0, 1, 0x56, SK_XX, 16, 0, "orps" }, { 0x66, 1, 0x57, SK_XX, 16, 0, "xorpd" },
    { 0, 1, 0x14, SK_XX, 16, 0, "unpcklps" }, { 0x66, 1, 0x15, SK_XX, 16, 0, "unpckhpd" },
    { 0, 1, 0xc6, SK_XXI, 16, 0, "shufps" }, { 0x66, 1, 0xc6, SK_XXI, 16, 0, "shufpd" },
    { 0, 1, 0x2e, SK_CMP, 4, 0, "ucomiss" }, { 0, 1, 0x2f, SK_CMP, 4, 0, "comiss" },
    { 0x66, 1, 0x2e, SK_CMP, 8, 0, "ucomisd" }, { 0x66, 1, 0x2f, SK_CMP, 8, 0, "comisd" },
    { 0, 1, 0x5a, SK_XX, 8, 0, "cvtps2pd" }, { 0x66, 1, 0x5a, SK_XX, 16, 0, "cvtpd2ps" },
    { 0xf3, 1, 0x5a, SK_XX, 4, 0, "cvtss2sd" }, { 0xf2, 1, 0x5a, SK_XX, 8, 0, "cvtsd2ss" },
    { 0, 1, 0x5b, SK_XX, 16, 0, "cvtdq2ps" }, { 0x66, 1, 0x5b, SK_XX, 16, 0, "cvtps2dq" },
    { 0xf3, 1, 0x5b, SK_XX, 16, 0, "cvttps2dq" }, { 0x66, 1, 0xe6, SK_XX, 16, 0, "cvttpd2dq" },
    { 0xf3, 1, 0xe6, SK_XX, 8, 0, "cvtdq2pd" }, { 0xf2, 1, 0xe6, SK_XX, 16, 0, "cvtpd2dq" },
    { 0xf3, 1, 0x2a, SK_XG, 0, 0, "cvtsi2ss" }, { 0xf2, 1, 0x2a, SK_XG, 0, 0, "cvtsi2sd" },
    { 0xf3, 1, 0x2c, SK_GX, 4, 0, "cvttss2si" }, { 0xf2, 1, 0x2c, SK_GX, 8, 0, "cvttsd2si" },
    { 0xf3, 1, 0x2d, SK_GX, 4, 0, "cvtss2si" }, { 0xf2, 1, 0x2d, SK_GX, 8, 0, "cvtsd2si" },
    /* SSE3 */
    { 0xf2, 1, 0x7c, SK_XX, 16, 0, "haddps" }, { 0x66, 1, 0x7c, SK_XX, 16, 0, "haddpd" },
    { 0xf2, 1, 0x7d, SK_XX, 16, 0, "hsubps" }, { 0x66, 1, 0x7d, SK_XX, 16, 0, "hsubpd" },
    { 0xf2, 1, 0xd0, SK_XX, 16, 0, "addsubps" }, { 0x66, 1, 0xd0, SK_XX, 16, 0, "addsubpd" },
    { 0xf3, 1, 0x12, SK_XX, 16, 0, "movsldup" }, { 0xf3, 1, 0x16, SK_XX, 16, 0, "movshdup" },
    { 0xf2, 1, 0x12, SK_XX, 8, 0, "movddup" },
    /* moves */
    { 0, 1, 0x28, SK_XX, 16, 0, "movaps" }, { 0, 1, 0x10, SK_XX, 17, 0, "movups" },
    { 0x66, 1, 0x6f, SK_XX, 16, 0, "movdqa" }, { 0xf3, 1, 0x6f, SK_XX, 17, 0, "movdqu" },
    { 0xf3, 1, 0x10, SK_XX, 4, 0, "movss" }, { 0xf2, 1, 0x10, SK_XX, 8, 0, "movsd" },
    { 0, 1, 0x29, SK_MX, 16, 0, "movaps" }, { 0x66, 1, 0x11, SK_MX, 17, 0, "movupd" },
    { 0x66, 1, 0x7f, SK_MX, 16, 0, "movdqa" }, { 0xf3, 1, 0x7f, SK_MX, 17, 0, "movdqu" },
    { 0xf3, 1, 0x11, SK_MX, 4, 0, "movss" }, { 0xf2, 1, 0x11, SK_MX, 8, 0, "movsd" },
    { 0xf3, 1, 0x7e, SK_XX, 8, 0, "movq" }, { 0x66, 1, 0xd6, SK_MX, 8, 0, "movq" },
    { 0x66, 1, 0x6e, SK_XG, 0, 0, "movd|movq" }, { 0x66, 1, 0x7e, SK_GS, 0, 0, "movd|movq" },
    { 0, 1, 0x12, SK_XX, 8, 0, "movlps|movhlps" }, { 0, 1, 0x16, SK_XX, 8, 0, "movhps|movlhps" },
    { 0x66, 1, 0xd7, SK_GXR, 0, 0, "pmovmskb" }, { 0, 1, 0x50, SK_GXR, 0, 0, "movmskps" },
    { 0x66, 1, 0x50, SK_GXR, 0, 0, "movmskpd" }, { 0x66, 1, 0xc5, SK_GXR, 1, 0, "pextrw" },
    { 0x66, 1, 0xc4, SK_XGI, 2, 0, "pinsrw" },
};

/* MMX forms (no mandatory prefix; registers MM0-7, which alias the x87
 * registers: the FXSAVE comparison checks TOP, the tags and the exponent
 * fields they set). */
static const struct sse_op mmx_ops[] = {
    { 0, 1, 0xfc, SK_XX, 8, 0, "paddb" }, { 0, 1, 0xfe, SK_XX, 8, 0, "paddd" },
    { 0, 1, 0xd4, SK_XX, 8, 0, "paddq" }, { 0, 1, 0xf9, SK_XX, 8, 0, "psubw" },
    { 0, 1, 0xed, SK_XX, 8, 0, "paddsw" }, { 0, 1, 0xd8, SK_XX, 8, 0, "psubusb" },
    { 0, 1, 0xd5, SK_XX, 8, 0, "pmullw" }, { 0, 1, 0xe5, SK_XX, 8, 0, "pmulhw" },
    { 0, 1, 0xf4, SK_XX, 8, 0, "pmuludq" }, { 0, 1, 0xf5, SK_XX, 8, 0, "pmaddwd" },
    { 0, 1, 0xdb, SK_XX, 8, 0, "pand" }, { 0, 1, 0xef, SK_XX, 8, 0, "pxor" },
    { 0, 1, 0x75, SK_XX, 8, 0, "pcmpeqw" }, { 0, 1, 0x66, SK_XX, 8, 0, "pcmpgtd" },
    { 0, 1, 0xf2, SK_XX, 8, 0, "pslld" }, { 0, 1, 0xd3, SK_XX, 8, 0, "psrlq" },
    { 0, 1, 0xe1, SK_XX, 8, 0, "psraw" }, { 0, 1, 0x60, SK_XX, 4, 0, "punpcklbw" },
    { 0, 1, 0x6a, SK_XX, 8, 0, "punpckhdq" }, { 0, 1, 0x63, SK_XX, 8, 0, "packsswb" },
    { 0, 1, 0x67, SK_XX, 8, 0, "packuswb" }, { 0, 1, 0xe0, SK_XX, 8, 0, "pavgb" },
    { 0, 1, 0xf6, SK_XX, 8, 0, "psadbw" }, { 0, 1, 0x70, SK_XXI, 8, 0, "pshufw" },
    { 0, 1, 0x71, SK_SHI, 0, 6, "psllw" }, { 0, 1, 0x72, SK_SHI, 0, 4, "psrad" },
    { 0, 1, 0x73, SK_SHI, 0, 2, "psrlq" }, { 0, 2, 0x00, SK_XX, 8, 0, "pshufb" },
    { 0, 2, 0x1d, SK_XX, 8, 0, "pabsw" }, { 0, 3, 0x0f, SK_XXI, 8, 0, "palignr" },
    { 0, 1, 0x6f, SK_XX, 8, 0, "movq" }, { 0, 1, 0x7f, SK_MX, 8, 0, "movq" },
    { 0, 1, 0x6e, SK_XG, 0, 0, "movd|movq" }, { 0, 1, 0x7e, SK_GS, 0, 0, "movd|movq" },
    { 0, 1, 0xd7, SK_GXR, 0, 0, "pmovmskb" }, { 0, 1, 0x77, SK_XX, 0, 0, "emms" },
};

/* A memory operand holding FP-ish data (claimed when memory is unused). */
static bool sse_mem(struct gen *g, struct dg_enc *e, struct eff *f, unsigned msize)
{
    uint32_t off;
    bool align16 = msize == 16;
    unsigned n = msize >= 16 ? 16 : msize;
    e->rm_mem = true;
    if (!pick_mem(g, &e->m, f, n, align16 ? 16 : 0, &off))
        return false;
    if (!g->mem_used && chance(g, 70)) {
        uint8_t v[16];
        fill128(g, v);
        memcpy(g->c->scratch + off, v, n);
    }
    return true;
}

static bool em_sse(struct gen *g)
{
    bool mmx = chance(g, 15);
    const struct sse_op *o = mmx ? &mmx_ops[rndn(g, ARRAY_SIZE(mmx_ops))]
                                 : &sse_ops[rndn(g, ARRAY_SIZE(sse_ops))];
    unsigned nx = mmx ? 8 : 16; /* MM0-7 (REX bits ignored), XMM0-15 */
    struct dg_enc e;
    struct eff f;
    enc_init(&e, &f);
    if (g->bits != 64)
        return false;
    if (mmx && o->op == 0x77) { /* EMMS */
        e.map = 1;
        e.op = 0x77;
        f.mnem = "emms";
        g->c->kind = "emms";
        snprintf(f.form, sizeof(f.form), "emms");
        return emit(g, &e, &f);
    }
    e.mand = o->mand;
    e.map = o->map;
    e.op = o->op;
    e.modrm = true;
    e.reg_is_reg = true;
    f.mnem = o->mn;
    bool mem = o->msize && chance(g, 35);
    unsigned gsize = chance(g, 50) ? 8 : 4;
    switch (o->kind) {
    case SK_XX: case SK_XXI: case SK_CMP: case SK_MX:
        e.reg = (uint8_t)rndn(g, nx);
        if (mem) {
            if (!sse_mem(g, &e, &f, o->msize))
                return false;
            if (o->kind == SK_MX)
                f.mwr = true;
        } else {
            e.rm = (uint8_t)rndn(g, nx);
        }
        if (o->kind == SK_XXI) {
            e.immsz = 1;
            e.imm = o->op == 0xc2 ? rndn(g, 8) : rnd(g) & 0xff;
        }
        if (o->kind == SK_CMP)
            f.wr = ARITH;
        if ((o->op == 0x12 || o->op == 0x16) && !o->mand && !mem)
            f.mnem = o->op == 0x12 ? "movhlps" : "movlhps";
        break;
    case SK_SHI:
        e.reg = o->digit;
        e.reg_is_reg = false;
        e.rm = (uint8_t)rndn(g, nx);
        e.immsz = 1;
        e.imm = chance(g, 70) ? rndn(g, 20) : rnd(g) & 0xff;
        break;
    case SK_XG: case SK_XGI: { /* xmm <- GPR or memory */
        struct rmop r;
        e.reg = (uint8_t)rndn(g, nx);
        e.reg_is_reg = true;
        if (o->kind == SK_XGI) {
            gsize = 4;
            e.immsz = 1;
            e.imm = rnd(g) & 0xff;
        }
        e.opsize = (uint8_t)gsize;
        if (!rm_pick(g, &e, &f, &r, o->kind == SK_XGI && chance(g, 50) ? 2 : gsize, true, false,
                     35))
            return false;
        e.rm_byte = false;
        if (o->op == 0x2a && !r.mem && chance(g, 50))
            claim(g, r.reg, upper_garbage(g, chance(g, 50) ? interesting(g, gsize)
                                             : (uint64_t)(int64_t)(int32_t)rndn(g, 20), gsize));
        if (o->op == 0x6e)
            f.mnem = gsize == 8 ? "movq" : "movd";
        break;
    }
    case SK_GX: { /* GPR <- xmm/m */
        unsigned r = pick_reg(g, gsize, true);
        if (r >= 16)
            return false;
        e.opsize = (uint8_t)gsize;
        e.reg = (uint8_t)r;
        note_reg(&f, r, false, true);
        if (mem) {
            if (!sse_mem(g, &e, &f, o->msize))
                return false;
        } else {
            e.rm = (uint8_t)rndn(g, nx);
        }
        break;
    }
    case SK_GXR: { /* r32 <- xmm (register only) */
        unsigned r = pick_reg(g, 4, true);
        if (r >= 16)
            return false;
        e.reg = (uint8_t)r;
        e.rm = (uint8_t)rndn(g, nx);
        note_reg(&f, r, false, true);
        if (o->msize == 1) {
            e.immsz = 1;
            e.imm = rnd(g) & 0xff;
        }
        break;
    }
    default: { /* SK_GS: r/m32/64 <- xmm */
        struct rmop r;
        e.opsize = (uint8_t)gsize;
        e.reg = (uint8_t)rndn(g, nx);
        if (!rm_pick(g, &e, &f, &r, gsize, false, true, 35))
            return false;
        e.rm_byte = false;
        /* rm_pick noted a GPR destination through its own register pick */
        f.mnem = gsize == 8 ? "movq" : "movd";
        break;
    }
    }
    const char *name = o->mn;
    if (o->op == 0xc2)
        name = !o->mand ? "cmpps" : o->mand == 0x66 ? "cmppd" : o->mand == 0xf3 ? "cmpss" : "cmpsd";
    snprintf(f.form, sizeof(f.form), "%s%s%s", name, mmx ? " mm" : "", mem ? " m" : "");
    return emit(g, &e, &f);
}

/* LDMXCSR / STMXCSR (rounding, FTZ, DAZ for the instructions that follow). */
static bool em_mxcsr(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    uint32_t off;
    enc_init(&e, &f);
    bool st = chance(g, 30);
    e.map = 1;
    e.op = 0xae;
    e.reg = st ? 3 : 2;
    e.modrm = e.rm_mem = true;
    if (!pick_mem(g, &e.m, &f, 4, 0, &off))
        return false;
    if (st) {
        f.mwr = true;
    } else if (!claim_mem(g, off, mxcsr_val(g), 4)) {
        return false;
    }
    f.mnem = st ? "stmxcsr" : "ldmxcsr";
    snprintf(f.form, sizeof(f.form), "%s m32", f.mnem);
    return emit(g, &e, &f);
}

/* ------------------------------------------------------------------ */
/* x87 (64-bit only, DG_EMULATED_32)                                   */
/* ------------------------------------------------------------------ */

#define C0 0x0100
#define C1 0x0200
#define C2 0x0400
#define C3 0x4000
#define CALL (C0 | C1 | C2 | C3)
#define C023 (C0 | C2 | C3)

enum { XK_MEM, XK_REG, XK_NONE };

struct x87_op {
    uint8_t kind;
    uint8_t op;     /* D8..DF */
    uint8_t modrm;  /* XK_MEM: the /digit; XK_REG: C0 + 8 * n base (+ i); XK_NONE: the byte */
    uint8_t msize;  /* memory: 2, 4, 8, 10; 'i' marks integer, 'b' BCD (low nibble = size) */
    uint8_t mtype;  /* 0 float, 1 integer, 2 BCD, 3 control word, 4 none (store) */
    bool store;
    const char *mn;
    uint16_t cu;    /* C bits left undefined (the rest of CALL are written) */
    uint32_t rdf, wrf; /* EFLAGS read (FCMOV), written (FCOMI) */
};

/* SDM Vol. 2 "FPU Flags Affected" per instruction: most arithmetic leaves
 * C0, C2, C3 undefined and sets C1 for rounding up / stack faults;
 * compares and FXAM define all four. */
static const struct x87_op x87_ops[] = {
    /* loads and stores */
    { XK_MEM, 0xd9, 0, 4, 0, false, "fld", C023, 0, 0 },
    { XK_MEM, 0xdd, 0, 8, 0, false, "fld", C023, 0, 0 },
    { XK_MEM, 0xdb, 5, 10, 0, false, "fld", C023, 0, 0 },
    { XK_REG, 0xd9, 0xc0, 0, 0, false, "fld", C023, 0, 0 },
    { XK_MEM, 0xd9, 2, 4, 0, true, "fst", C023, 0, 0 },
    { XK_MEM, 0xd9, 3, 4, 0, true, "fstp", C023, 0, 0 },
    { XK_MEM, 0xdd, 2, 8, 0, true, "fst", C023, 0, 0 },
    { XK_MEM, 0xdd, 3, 8, 0, true, "fstp", C023, 0, 0 },
    { XK_MEM, 0xdb, 7, 10, 0, true, "fstp", C023, 0, 0 },
    { XK_REG, 0xdd, 0xd0, 0, 0, false, "fst", C023, 0, 0 },
    { XK_REG, 0xdd, 0xd8, 0, 0, false, "fstp", C023, 0, 0 },
    { XK_MEM, 0xdf, 0, 2, 1, false, "fild", C023, 0, 0 },
    { XK_MEM, 0xdb, 0, 4, 1, false, "fild", C023, 0, 0 },
    { XK_MEM, 0xdf, 5, 8, 1, false, "fild", C023, 0, 0 },
    { XK_MEM, 0xdf, 2, 2, 1, true, "fist", C023, 0, 0 },
    { XK_MEM, 0xdf, 3, 2, 1, true, "fistp", C023, 0, 0 },
    { XK_MEM, 0xdb, 2, 4, 1, true, "fist", C023, 0, 0 },
    { XK_MEM, 0xdb, 3, 4, 1, true, "fistp", C023, 0, 0 },
    { XK_MEM, 0xdf, 7, 8, 1, true, "fistp", C023, 0, 0 },
    { XK_MEM, 0xdf, 1, 2, 1, true, "fisttp", C023, 0, 0 },
    { XK_MEM, 0xdb, 1, 4, 1, true, "fisttp", C023, 0, 0 },
    { XK_MEM, 0xdd, 1, 8, 1, true, "fisttp", C023, 0, 0 },
    { XK_MEM, 0xdf, 4, 10, 2, false, "fbld", C023, 0, 0 },
    { XK_MEM, 0xdf, 6, 10, 2, true, "fbstp", C023, 0, 0 },
    /* arithmetic: m32, m64, ST(0),ST(i), ST(i),ST(0), pop forms, integer */
    { XK_MEM, 0xd8, 0, 4, 0, false, "fadd", C023, 0, 0 },
    { XK_MEM, 0xd8, 1, 4, 0, false, "fmul", C023, 0, 0 },
    { XK_MEM, 0xd8, 4, 4, 0, false, "fsub", C023, 0, 0 },
    { XK_MEM, 0xd8, 5, 4, 0, false, "fsubr", C023, 0, 0 },
    { XK_MEM, 0xd8, 6, 4, 0, false, "fdiv", C023, 0, 0 },
    { XK_MEM, 0xd8, 7, 4, 0, false, "fdivr", C023, 0, 0 },
    { XK_MEM, 0xdc, 0, 8, 0, false, "fadd", C023, 0, 0 },
    { XK_MEM, 0xdc, 1, 8, 0, false, "fmul", C023, 0, 0 },
    { XK_MEM, 0xdc, 4, 8, 0, false, "fsub", C023, 0, 0 },
    { XK_MEM, 0xdc, 5, 8, 0, false, "fsubr", C023, 0, 0 },
    { XK_MEM, 0xdc, 6, 8, 0, false, "fdiv", C023, 0, 0 },
    { XK_MEM, 0xdc, 7, 8, 0, false, "fdivr", C023, 0, 0 },
    { XK_MEM, 0xda, 0, 4, 1, false, "fiadd", C023, 0, 0 },
    { XK_MEM, 0xde, 1, 2, 1, false, "fimul", C023, 0, 0 },
    { XK_MEM, 0xda, 4, 4, 1, false, "fisub", C023, 0, 0 },
    { XK_MEM, 0xde, 7, 2, 1, false, "fidivr", C023, 0, 0 },
    { XK_REG, 0xd8, 0xc0, 0, 0, false, "fadd", C023, 0, 0 },
    { XK_REG, 0xd8, 0xc8, 0, 0, false, "fmul", C023, 0, 0 },
    { XK_REG, 0xd8, 0xe0, 0, 0, false, "fsub", C023, 0, 0 },
    { XK_REG, 0xd8, 0xe8, 0, 0, false, "fsubr", C023, 0, 0 },
    { XK_REG, 0xd8, 0xf0, 0, 0, false, "fdiv", C023, 0, 0 },
    { XK_REG, 0xd8, 0xf8, 0, 0, false, "fdivr", C023, 0, 0 },
    { XK_REG, 0xdc, 0xc0, 0, 0, false, "fadd", C023, 0, 0 },
    { XK_REG, 0xdc, 0xe8, 0, 0, false, "fsub", C023, 0, 0 },
    { XK_REG, 0xdc, 0xf8, 0, 0, false, "fdiv", C023, 0, 0 },
    { XK_REG, 0xde, 0xc0, 0, 0, false, "faddp", C023, 0, 0 },
    { XK_REG, 0xde, 0xc8, 0, 0, false, "fmulp", C023, 0, 0 },
    { XK_REG, 0xde, 0xe0, 0, 0, false, "fsubrp", C023, 0, 0 },
    { XK_REG, 0xde, 0xf0, 0, 0, false, "fdivrp", C023, 0, 0 },
    /* compares */
    { XK_MEM, 0xd8, 2, 4, 0, false, "fcom", 0, 0, 0 },
    { XK_MEM, 0xdc, 3, 8, 0, false, "fcomp", 0, 0, 0 },
    { XK_MEM, 0xde, 2, 2, 1, false, "ficom", 0, 0, 0 },
    { XK_REG, 0xd8, 0xd0, 0, 0, false, "fcom", 0, 0, 0 },
    { XK_REG, 0xd8, 0xd8, 0, 0, false, "fcomp", 0, 0, 0 },
    { XK_REG, 0xdd, 0xe0, 0, 0, false, "fucom", 0, 0, 0 },
    { XK_REG, 0xdd, 0xe8, 0, 0, false, "fucomp", 0, 0, 0 },
    { XK_NONE, 0xde, 0xd9, 0, 0, false, "fcompp", 0, 0, 0 },
    { XK_NONE, 0xda, 0xe9, 0, 0, false, "fucompp", 0, 0, 0 },
    { XK_REG, 0xdb, 0xf0, 0, 0, false, "fcomi", C023, 0, ARITH },
    { XK_REG, 0xdf, 0xf0, 0, 0, false, "fcomip", C023, 0, ARITH },
    { XK_REG, 0xdb, 0xe8, 0, 0, false, "fucomi", C023, 0, ARITH },
    { XK_REG, 0xdf, 0xe8, 0, 0, false, "fucomip", C023, 0, ARITH },
    { XK_NONE, 0xd9, 0xe4, 0, 0, false, "ftst", 0, 0, 0 },
    { XK_NONE, 0xd9, 0xe5, 0, 0, false, "fxam", 0, 0, 0 },
    /* FCMOVcc: B E BE U, NB NE NBE NU */
    { XK_REG, 0xda, 0xc0, 0, 0, false, "fcmovb", C023, CF, 0 },
    { XK_REG, 0xda, 0xc8, 0, 0, false, "fcmove", C023, ZF, 0 },
    { XK_REG, 0xda, 0xd0, 0, 0, false, "fcmovbe", C023, CF | ZF, 0 },
    { XK_REG, 0xda, 0xd8, 0, 0, false, "fcmovu", C023, PF, 0 },
    { XK_REG, 0xdb, 0xc0, 0, 0, false, "fcmovnb", C023, CF, 0 },
    { XK_REG, 0xdb, 0xc8, 0, 0, false, "fcmovne", C023, ZF, 0 },
    { XK_REG, 0xdb, 0xd0, 0, 0, false, "fcmovnbe", C023, CF | ZF, 0 },
    { XK_REG, 0xdb, 0xd8, 0, 0, false, "fcmovnu", C023, PF, 0 },
    /* one-operand and stack */
    { XK_NONE, 0xd9, 0xe0, 0, 0, false, "fchs", C023, 0, 0 },
    { XK_NONE, 0xd9, 0xe1, 0, 0, false, "fabs", C023, 0, 0 },
    { XK_NONE, 0xd9, 0xfa, 0, 0, false, "fsqrt", C023, 0, 0 },
    { XK_NONE, 0xd9, 0xfc, 0, 0, false, "frndint", C023, 0, 0 },
    { XK_NONE, 0xd9, 0xfd, 0, 0, false, "fscale", C023, 0, 0 },
    { XK_NONE, 0xd9, 0xf4, 0, 0, false, "fxtract", C023, 0, 0 },
    { XK_NONE, 0xd9, 0xf8, 0, 0, false, "fprem", 0, 0, 0 },
    { XK_NONE, 0xd9, 0xf5, 0, 0, false, "fprem1", 0, 0, 0 },
    /* transcendentals (the soft CPU and the reference run on the same host,
     * so even their last-bit accuracy must match) */
    { XK_NONE, 0xd9, 0xf0, 0, 0, false, "f2xm1", C023, 0, 0 },
    { XK_NONE, 0xd9, 0xf1, 0, 0, false, "fyl2x", C023, 0, 0 },
    { XK_NONE, 0xd9, 0xf9, 0, 0, false, "fyl2xp1", C023, 0, 0 },
    { XK_NONE, 0xd9, 0xf2, 0, 0, false, "fptan", C0 | C3, 0, 0 },
    { XK_NONE, 0xd9, 0xf3, 0, 0, false, "fpatan", C023, 0, 0 },
    { XK_NONE, 0xd9, 0xfe, 0, 0, false, "fsin", C0 | C3, 0, 0 },
    { XK_NONE, 0xd9, 0xff, 0, 0, false, "fcos", C0 | C3, 0, 0 },
    { XK_NONE, 0xd9, 0xfb, 0, 0, false, "fsincos", C0 | C3, 0, 0 },
    { XK_NONE, 0xd9, 0xe8, 0, 0, false, "fld1", C023, 0, 0 },
    { XK_NONE, 0xd9, 0xeb, 0, 0, false, "fldpi", C023, 0, 0 },
    { XK_NONE, 0xd9, 0xea, 0, 0, false, "fldl2e", C023, 0, 0 },
    { XK_NONE, 0xd9, 0xee, 0, 0, false, "fldz", C023, 0, 0 },
    { XK_REG, 0xd9, 0xc8, 0, 0, false, "fxch", C023, 0, 0 },
    { XK_NONE, 0xd9, 0xf7, 0, 0, false, "fincstp", C023, 0, 0 },
    { XK_NONE, 0xd9, 0xf6, 0, 0, false, "fdecstp", C023, 0, 0 },
    { XK_REG, 0xdd, 0xc0, 0, 0, false, "ffree", CALL, 0, 0 },
    { XK_NONE, 0xd9, 0xd0, 0, 0, false, "fnop", 0, 0, 0 },
    /* control */
    { XK_NONE, 0xdf, 0xe0, 0, 0, false, "fnstsw", 0, 0, 0 },
    { XK_MEM, 0xdd, 7, 2, 4, true, "fnstsw", 0, 0, 0 },
    { XK_MEM, 0xd9, 7, 2, 4, true, "fnstcw", 0, 0, 0 },
    { XK_MEM, 0xd9, 5, 2, 3, false, "fldcw", 0, 0, 0 },
    { XK_NONE, 0xdb, 0xe2, 0, 0, false, "fnclex", CALL, 0, 0 },
};

/* An 80-bit value: mostly normal, sometimes zero, denormal, infinity,
 * NaN, or an unsupported encoding (unnormal, pseudo-NaN). */
static void fp80(struct gen *g, uint8_t *p)
{
    uint64_t m = rnd(g) | 0x8000000000000000ULL;
    uint16_t se = (uint16_t)((rnd(g) & 0x8000) | (0x3fff - 70 + rndn(g, 140)));
    switch (rndn(g, 10)) {
    case 0: m = 0; se &= 0x8000; break;
    case 1: m &= 0x7fffffffffffffffULL; se &= 0x8000; break; /* denormal */
    case 2: se |= 0x7fff; m = chance(g, 50) ? 0x8000000000000000ULL : m; break;
    case 3: m &= 0x7fffffffffffffffULL; break; /* unnormal: invalid operand */
    case 4: se = (uint16_t)((se & 0x8000) | (rnd(g) & 0x7fff)); break;
    default: break;
    }
    for (unsigned b = 0; b < 8; b++)
        p[b] = (uint8_t)(m >> (8 * b));
    p[8] = (uint8_t)se;
    p[9] = (uint8_t)(se >> 8);
}

static bool em_x87(struct gen *g)
{
    const struct x87_op *o = &x87_ops[rndn(g, ARRAY_SIZE(x87_ops))];
    struct dg_enc e;
    struct eff f;
    enc_init(&e, &f);
    if (g->bits != 64)
        return false;
    e.op = o->op;
    f.mnem = o->mn;
    f.cw = CALL;
    f.cu = o->cu;
    f.rd = o->rdf;
    f.wr = o->wrf;
    f.ud = o->wrf ? (OF | SF | AF) : 0; /* FCOMI: only ZF PF CF are specified */
    char buf[20] = "";
    if (o->kind == XK_MEM) {
        uint32_t off;
        e.modrm = e.rm_mem = true;
        e.reg = o->modrm;
        if (!pick_mem(g, &e.m, &f, o->msize, 0, &off))
            return false;
        if (o->store || o->mtype == 4) {
            f.mwr = true;
        } else if (o->mtype == 3 && g->mem_used) {
            return false; /* FLDCW must not unmask exceptions (#MF) */
        } else if (!g->mem_used) {
            uint8_t v[16];
            if (o->mtype == 0 && o->msize == 4)
                st32le(v, fp32(g));
            else if (o->mtype == 0 && o->msize == 8)
                st64le(v, fp64(g));
            else if (o->mtype == 0)
                fp80(g, v);
            else if (o->mtype == 1)
                st64le(v, interesting(g, o->msize));
            else if (o->mtype == 2) /* packed BCD, sometimes with invalid digits */
                for (unsigned b = 0; b < 10; b++)
                    v[b] = b == 9 ? (uint8_t)(rnd(g) & 0x80)
                                  : (uint8_t)(chance(g, 95) ? rndn(g, 10) << 4 | rndn(g, 10) : rnd(g));
            else /* a control word: exceptions masked, any PC/RC */
                st64le(v, 0x7f | (rndn(g, 4) << 8) | (rndn(g, 4) << 10) | (rnd(g) & 0x1000));
            memcpy(g->c->scratch + off, v, o->msize);
        }
        snprintf(buf, sizeof(buf), " m%u%s", o->msize * 8, o->mtype == 1 ? "int" : "");
    } else if (o->kind == XK_REG) {
        unsigned i = rndn(g, 8);
        e.op = o->op;
        e.immsz = 1; /* the ModRM byte, emitted as an "immediate" after the opcode */
        e.imm = o->modrm + i;
        snprintf(buf, sizeof(buf), " st(%u)", i);
    } else {
        e.immsz = 1;
        e.imm = o->modrm;
        if (o->op == 0xdf && o->modrm == 0xe0) { /* FNSTSW AX */
            if (!dst_ok(g, RAX))
                return false;
            note_reg(&f, RAX, false, true);
        }
    }
    snprintf(f.form, sizeof(f.form), "%s%s", o->mn, buf);
    return emit(g, &e, &f);
}

/* ------------------------------------------------------------------ */
/* Self-modifying code                                                 */
/* ------------------------------------------------------------------ */

/* A store into the bytes of an instruction a few bytes ahead: the CPU
 * executes the new bytes (SDM Vol. 3A 11.6: a write that hits a
 * prefetched instruction invalidates the prefetch queue), so the soft
 * CPU's decoded block must not run the stale copy.  The patched
 * instruction is MOV r32, imm32 (its immediate, or part of it) or
 * INC r32 turned into DEC r32 through its ModRM byte. */
static bool em_smc(struct gen *g)
{
    struct dg_enc e;
    struct eff f;
    enc_init(&e, &f);
    unsigned kind = rndn(g, 3), nops = rndn(g, 4), r = pick_reg(g, 4, true);
    if (r >= 16 || r >= g->nregs)
        return false;
    /* instruction 1: the store, RIP-relative (64-bit) or absolute */
    bool rip = g->bits == 64;
    unsigned len1 = kind == 1 ? 10 : 7;       /* C7 /0 id or C6 /0 ib, 80 /6 ib */
    unsigned rexlen = r >= 8 ? 1 : 0;         /* instruction 2's REX.B */
    uint64_t insn2 = g->addr + g->c->body_len + len1 + nops;
    uint64_t target;
    e.modrm = e.rm_mem = true;
    e.m.base = e.m.index = DG_NOREG;
    if (kind == 0) {        /* MOV byte: one byte of the immediate */
        e.op = 0xc6;
        e.opsize = 1;
        e.immsz = 1;
        e.imm = rnd(g) & 0xff;
        target = insn2 + rexlen + 1 + rndn(g, 4);
    } else if (kind == 1) { /* MOV dword: the whole immediate */
        e.op = 0xc7;
        e.immsz = 4;
        e.imm = interesting(g, 4);
        target = insn2 + rexlen + 1;
    } else {                /* XOR byte 8: INC r32 -> DEC r32 */
        e.op = 0x80;
        e.reg = 6;
        e.opsize = 1;
        e.immsz = 1;
        e.imm = 8;
        target = insn2 + rexlen + 1;
        f.wr = ARITH;
        f.ud = AF;
    }
    if (rip) {
        e.m.rip = true;
        e.m.target = target;
    } else {
        e.m.disp = (int32_t)target;
    }
    f.mnem = kind == 2 ? "xor" : "mov";
    snprintf(f.form, sizeof(f.form), "%s [next insn]", f.mnem);
    size_t before = g->c->body_len;
    if (!emit(g, &e, &f))
        return false;
    if (g->c->body_len - before != len1 + (rip ? 0 : 0))
        return false; /* the length must be what the target assumed */
    for (unsigned k = 0; k < nops; k++) {
        struct dg_enc n;
        struct eff nf;
        enc_init(&n, &nf);
        n.op = 0x90;
        nf.mnem = "nop";
        snprintf(nf.form, sizeof(nf.form), "nop");
        if (!emit(g, &n, &nf))
            return false;
    }
    /* instruction 2, as first encoded */
    enc_init(&e, &f);
    e.opreg = DG_NOREG;
    if (kind == 2) {
        e.op = 0xff;
        e.modrm = true;
        e.reg = 0;
        e.rm = (uint8_t)r;
        f.mnem = "*"; /* objdump sees INC; the CPU runs DEC */
        f.wr = ARITH & ~CF;
    } else {
        e.op = 0xb8;
        e.opreg = (uint8_t)r;
        e.immsz = 4;
        e.imm = rnd(g) & 0xffffffff;
        f.mnem = "*";
    }
    note_reg(&f, r, kind == 2, true);
    snprintf(f.form, sizeof(f.form), "%s (patched)", kind == 2 ? "inc->dec r32" : "mov r32,imm32");
    return emit(g, &e, &f);
}

/* ------------------------------------------------------------------ */
/* Groups                                                              */
/* ------------------------------------------------------------------ */

typedef bool emitter(struct gen *g);

struct wem {
    emitter *fn;
    unsigned weight;
};

/* Flag setters and plain instructions mixed in before (or skipped by) the
 * instruction under test. */
static const struct wem mixers[] = {
    { em_alu, 6 }, { em_test, 2 }, { em_incdec, 2 }, { em_negnot, 1 }, { em_shift, 2 },
    { em_mov, 2 }, { em_flagop, 1 },
};

static bool pick_from(struct gen *g, const struct wem *t, size_t n)
{
    unsigned total = 0;
    for (size_t k = 0; k < n; k++)
        total += t[k].weight;
    unsigned x = rndn(g, total);
    for (size_t k = 0; k < n; k++) {
        if (x < t[k].weight)
            return t[k].fn(g);
        x -= t[k].weight;
    }
    return false;
}

static bool em_mixer(struct gen *g)
{
    /* CLD/STD may not be skipped (DF must stay known) and a skipped
     * flag op is fine otherwise; em_flagop rejects itself via emit(). */
    return pick_from(g, mixers, ARRAY_SIZE(mixers));
}

static const struct wem g_alu[] = { { em_alu, 8 }, { em_test, 2 }, { em_incdec, 2 }, { em_negnot, 2 } };
static const struct wem g_shift[] = { { em_shift, 1 } };
static const struct wem g_muldiv[] = { { em_mul, 3 }, { em_imul23, 3 }, { em_div, 4 } };
static const struct wem g_mov[] = { { em_mov, 5 }, { em_movx, 4 }, { em_xlat, 1 } };
static const struct wem g_lea[] = { { em_lea, 1 } };
static const struct wem g_cond[] = { { em_setcc, 3 }, { em_cmov, 3 }, { em_branch, 4 } };
static const struct wem g_xchg[] = { { em_xchg, 3 }, { em_xadd, 2 }, { em_cmpxchg, 3 },
                                     { em_cmpxchg8b, 2 }, { em_bswap, 1 }, { em_movbe, 1 } };
static const struct wem g_bits[] = { { em_bt, 3 }, { em_bsf, 3 } };
static const struct wem g_shiftd[] = { { em_shiftd, 1 } };
static const struct wem g_flags[] = { { em_flagop, 4 }, { em_popf, 2 }, { em_pushf, 2 } };
static const struct wem g_stack[] = { { em_push, 3 }, { em_pop, 3 }, { em_callret, 1 },
                                      { em_enterleave, 2 } };
static const struct wem g_string[] = { { em_string, 1 } };
static const struct wem g_bcd[] = { { em_bcd, 1 } };
static const struct wem g_sse[] = { { em_sse, 12 }, { em_mxcsr, 1 } };
static const struct wem g_x87[] = { { em_x87, 1 } };
static const struct wem g_smc[] = { { em_smc, 1 } };
static const struct wem g_fault[] = { { em_fault_div, 3 }, { em_fault_ud, 3 }, { em_fault_priv, 3 },
                                      { em_fault_mem, 4 }, { em_fault_rep, 2 }, { em_fault_int, 2 },
                                      { em_fault_tf, 2 }, { em_fault_align, 1 } };

static const struct {
    struct dg_group_info info;
    const struct wem *em;
    size_t nem;
    unsigned min_len; /* instructions of the group per case */
} groups[DG_NGROUPS] = {
#define G(id, name, i64, i32, t, minl) [id] = { { name, i64, i32, false }, t, ARRAY_SIZE(t), minl }
#define GFP(id, name, t) [id] = { { name, true, false, true }, t, ARRAY_SIZE(t), 1 }
    G(DG_ALU, "alu", true, true, g_alu, 1),
    G(DG_SHIFT, "shift", true, true, g_shift, 1),
    G(DG_MULDIV, "muldiv", true, true, g_muldiv, 1),
    G(DG_MOV, "mov", true, true, g_mov, 1),
    G(DG_LEA, "lea", true, true, g_lea, 1),
    G(DG_COND, "cond", true, true, g_cond, 1),
    G(DG_XCHG, "xchg", true, true, g_xchg, 1),
    G(DG_BITS, "bits", true, true, g_bits, 1),
    G(DG_SHIFTD, "shiftd", true, true, g_shiftd, 1),
    G(DG_FLAGS, "flags", true, true, g_flags, 1),
    G(DG_STACK, "stack", true, true, g_stack, 1),
    G(DG_STRING, "string", true, true, g_string, 1),
    G(DG_BCD, "bcd", false, true, g_bcd, 1),
    G(DG_FAULT, "fault", true, true, g_fault, 1),
    GFP(DG_SSE, "sse", g_sse),
    GFP(DG_X87, "x87", g_x87),
    G(DG_SMC, "smc", true, true, g_smc, 1),
#undef G
#undef GFP
};

const struct dg_group_info *dg_group_info(enum dg_group g)
{
    return &groups[g].info;
}

/* The base register: never written by the body. */
static uint8_t pick_base(struct gen *g, enum dg_group grp)
{
    static const uint8_t b64[] = { RBX, RBP, RSI, RDI, 8, 9, 10, 11, 12, 13, 14, 15 };
    static const uint8_t b32[] = { RBX, RBP, RSI, RDI };
    for (;;) {
        uint8_t b = g->bits == 64 ? b64[rndn(g, ARRAY_SIZE(b64))] : b32[rndn(g, ARRAY_SIZE(b32))];
        if (grp == DG_STRING && (b == RSI || b == RDI))
            continue;
        if (grp == DG_STACK && b == RBP)
            continue;
        return b;
    }
}

static void init_state(struct gen *g, enum dg_group grp)
{
    struct dg_case *c = g->c;
    for (unsigned r = 0; r < 16; r++)
        c->regs[r] = r < g->nregs ? (chance(g, 50) ? rnd(g) : interesting(g, 8)) : 0;
    if (g->bits == 32)
        for (unsigned r = 0; r < 8; r++)
            c->regs[r] &= 0xffffffff;
    for (unsigned k = 0; k < DG_SCRATCH; k += 8) {
        uint64_t v = chance(g, 70) ? rnd(g) : interesting(g, 8);
        for (unsigned b = 0; b < 8; b++)
            c->scratch[k + b] = (uint8_t)(v >> (8 * b));
    }
    c->flags = (uint32_t)(rnd(g) & (ARITH | DF)) | 2;
    g->df = c->flags & DF;
    c->base = pick_base(g, grp);
    g->addr32 = g->bits == 64 && chance(g, 15);
    uint64_t b = g->scratch + DG_BASE_OFF;
    if (g->addr32)
        b |= rnd(g) << 32; /* ignored by 32-bit addressing */
    c->regs[c->base] = b;
    c->regs[RSP] = g->scratch + DG_STACK_OFF;
    g->reserved = rbit(c->base) | rbit(RSP);
    g->used = rbit(c->base) | rbit(RSP);
}

struct snapshot {
    struct gen g;
    uint64_t regs[16];
    size_t body_len;
    unsigned ninsns;
    bool faults;
    const char *kind;
    uint8_t scratch[DG_SCRATCH];
};

static void save(const struct gen *g, struct snapshot *s)
{
    s->g = *g;
    memcpy(s->regs, g->c->regs, sizeof(s->regs));
    s->body_len = g->c->body_len;
    s->ninsns = g->c->ninsns;
    s->faults = g->c->faults;
    s->kind = g->c->kind;
    memcpy(s->scratch, g->c->scratch, DG_SCRATCH);
}

static void restore(struct gen *g, const struct snapshot *s)
{
    uint64_t rng = g->rng; /* the next attempt must draw new numbers */
    *g = s->g;
    g->rng = rng;
    memcpy(g->c->regs, s->regs, sizeof(s->regs));
    g->c->body_len = s->body_len;
    g->c->ninsns = s->ninsns;
    g->c->faults = s->faults;
    g->c->kind = s->kind;
    memcpy(g->c->scratch, s->scratch, DG_SCRATCH);
}

void dg_generate(struct dg_case *c, enum dg_group grp, unsigned bits, uint64_t seed,
                 uint64_t scratch_addr, uint64_t body_addr)
{
    struct gen g = { 0 };
    struct snapshot snap;
    memset(c, 0, sizeof(*c));
    c->bits = bits;
    c->group = grp;
    g.c = c;
    g.rng = seed * 0x2545f4914f6cdd1dULL + grp * 0x9e3779b97f4a7c15ULL + bits;
    rnd(&g);
    g.bits = bits;
    g.nregs = bits == 64 ? 16 : 8;
    g.scratch = scratch_addr;
    g.addr = body_addr;
    init_state(&g, grp);
    if (groups[grp].info.fp)
        init_fx(&g);

    /* 1-3 instructions; the last is always from the group, earlier ones
     * are from the group or mixers that set up flags. */
    unsigned n = 1 + (chance(&g, 40) ? 1 + rndn(&g, 2) : 0);
    for (unsigned k = 0; k < n; k++) {
        /* Only the last instruction of a fault case may fault. */
        bool mine = k == n - 1 || (grp != DG_FAULT && chance(&g, 50));
        bool ok = false;
        for (int t = 0; t < 64 && !ok; t++) {
            struct snapshot *s = &snap;
            save(&g, s);
            ok = mine ? pick_from(&g, groups[grp].em, groups[grp].nem) : em_mixer(&g);
            if (!ok)
                restore(&g, s);
        }
    }
    c->undef_flags = g.undef;
    c->fsw_undef = g.fsw_undef;
    if (bits == 32)
        for (unsigned r = 0; r < 16; r++)
            c->regs[r] = r < 8 ? c->regs[r] & 0xffffffff : 0;
}

void dg_describe(const struct dg_case *c, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = 0;
    for (unsigned k = 0; k < c->ninsns && n < size; k++)
        n += (size_t)snprintf(buf + n, size - n, "%s%s", k ? "; " : "", c->insn[k].form);
}
