/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fpu.c: the x87 FPU: state, exceptions, data transfer and control
 * instructions, and the opcode table for D8-DF, 9B and 0F AE.
 *
 * Intel SDM Vol. 1 chapter 8 "Programming with the x87 FPU" and the Vol. 2
 * pages of FLD, FILD, FBLD, FST(P), FIST(P), FISTTP, FBSTP, FLD1 and the
 * other constants, FXCH, FFREE, FINCSTP, FDECSTP, FNOP, FINIT, FCLEX, FSTSW,
 * FSTCW, FLDCW, FSTENV, FLDENV, FSAVE, FRSTOR and WAIT.  The arithmetic lives
 * in fpu_arith.c, the 0F AE group (FXSAVE, MXCSR, fences) in fpu_fxsave.c;
 * fpu.h describes the register model and the host-x87 layer.
 *
 * Exceptions (SDM Vol. 1, 8.5 and 8.7): a masked exception sets its flag
 * and the instruction delivers the masked response (QNaN indefinite,
 * integer indefinite, ...).  An unmasked one sets its flag plus ES and B;
 * invalid, denormal and zero-divide leave the destination and the stack
 * untouched (except that FLD m32/m64 still loads a denormal and comparisons
 * still report "unordered", as processors do), and #MF (vector 16) is
 * raised by the next waiting x87 instruction when CR0.NE = 1.  CR0.EM / TS / MP give #NM by SDM Vol. 3A
 * table 2-2.  The FN* forms do not wait; FLDCW, FLDENV and FRSTOR do
 * (processors take a pending #MF before them, although their SDM pages list
 * no #MF), so an exception unmasked by them is raised by the next waiting
 * instruction.
 *
 * Not emulated: with CR0.NE = 0 a PC routes FERR# to IRQ 13 and software
 * answers through port F0h (IGNNE#).  The board has no FERR# line into the
 * soft CPU yet, so with NE = 0 a pending exception is ignored as if IGNNE#
 * were asserted (TODO: FERR#/IGNNE# wiring, see fpu_pending()).  Raising
 * vector 16 instead would call INT 10h (video BIOS) in a real-mode guest.
 * FCW bit 6 reads as 1 and bits 7, 13-15 as 0.  The last-instruction
 * opcode/pointers are kept for every non-control instruction (no FOP
 * deprecation, no FDP-on-exception-only mode).  Reserved encodings that real
 * processors execute as aliases behave as they do there: FCOM2, FCOMP3/5,
 * FXCH4/7 and FSTP8/9 like the documented instruction, FSTP1 (D9 D8+i)
 * without the empty check, FFREEP as FFREE plus a pop; FENI, FDISI and
 * FSETPM are no-ops.  FISTTP (SSE3) decodes whatever CPUID says.  Where the
 * SDM leaves flags undefined the behaviour is the processors' (see
 * fpu_arith.c and the native-diff test).
 *
 * Threat model: every value loaded from the guest is an arbitrary bit
 * pattern; the host x87 runs on it without ever trapping (fpu.h), and every
 * memory image is read completely before any state changes and probed
 * before multi-part stores. */
#include "cpu/soft/fpu.h"

/* ---- exceptions ---- */

/* A waiting instruction found ES set. */
static void fpu_pending(struct cpu *c)
{
    if (c->cr0 & CR0_NE)
        cpu_raise(c, EX_MF, 0);
    /* TODO(FERR#): with CR0.NE = 0 the exception should assert FERR#, which a
     * PC turns into IRQ 13 until software writes port F0h.  Until the board
     * gives the CPU that line we behave as with IGNNE# asserted: go on. */
}

void fpu_wait_slow(struct cpu *c)
{
    if (c->cr0 & (CR0_EM | CR0_TS))
        cpu_raise(c, EX_NM, 0);
    if (c->fsw & FSW_ES)
        fpu_pending(c);
}

bool fpu_underflow(struct cpu *c)
{
    c->fsw &= ~FSW_C1;
    fpu_signal(c, FE_IE | FSW_SF);
    return fpu_masked(c, FE_IE);
}

bool fpu_overflow(struct cpu *c)
{
    c->fsw |= FSW_C1;
    fpu_signal(c, FE_IE | FSW_SF);
    return fpu_masked(c, FE_IE);
}

/* ---- exact conversions ---- */

struct f80 f80_from_f32(uint32_t v, unsigned *flags)
{
    uint16_t sign = (v >> 31) ? F80_SIGN : 0;
    unsigned e = (v >> 23) & 0xff;
    uint64_t f = v & 0x7fffff;
    if (e == 0) {
        if (!f)
            return (struct f80){ 0, sign };
        *flags |= FE_DE; /* denormal: normalized in extended */
        int p = 63 - __builtin_clzll(f);
        return (struct f80){ f << (63 - p), (uint16_t)(sign | (16383 - 149 + p)) };
    }
    if (e == 0xff) {
        if (f && !(f & 0x400000)) {
            *flags |= FE_IE; /* SNaN: quieted */
            f |= 0x400000;
        }
        return (struct f80){ (1ULL << 63) | (f << 40), (uint16_t)(sign | 0x7fff) };
    }
    return (struct f80){ (1ULL << 63) | (f << 40), (uint16_t)(sign | (e - 127 + 16383)) };
}

struct f80 f80_from_f64(uint64_t v, unsigned *flags)
{
    uint16_t sign = (v >> 63) ? F80_SIGN : 0;
    unsigned e = (v >> 52) & 0x7ff;
    uint64_t f = v & ((1ULL << 52) - 1);
    if (e == 0) {
        if (!f)
            return (struct f80){ 0, sign };
        *flags |= FE_DE;
        int p = 63 - __builtin_clzll(f);
        return (struct f80){ f << (63 - p), (uint16_t)(sign | (16383 - 1074 + p)) };
    }
    if (e == 0x7ff) {
        if (f && !(f & (1ULL << 51))) {
            *flags |= FE_IE;
            f |= 1ULL << 51;
        }
        return (struct f80){ (1ULL << 63) | (f << 11), (uint16_t)(sign | 0x7fff) };
    }
    return (struct f80){ (1ULL << 63) | (f << 11), (uint16_t)(sign | (e - 1023 + 16383)) };
}

struct f80 f80_from_i64(int64_t v)
{
    if (!v)
        return (struct f80){ 0, 0 };
    uint16_t sign = v < 0 ? F80_SIGN : 0;
    uint64_t a = v < 0 ? -(uint64_t)v : (uint64_t)v;
    int p = 63 - __builtin_clzll(a);
    return (struct f80){ a << (63 - p), (uint16_t)(sign | (16383 + p)) };
}

/* ---- memory images ---- */

void fpu_read_buf(struct cpu *c, const struct insn *i, uint64_t ea, void *buf, unsigned n)
{
    uint8_t *b = buf;
    for (unsigned k = 0; k < n;) {
        unsigned sz = n - k >= 8 ? 8 : n - k >= 4 ? 4 : n - k >= 2 ? 2 : 1;
        uint64_t v = cpu_rd(c, i->seg, addr_mask(i->adsize, ea + k), sz);
        memcpy(b + k, &v, sz); /* x86 host: little-endian */
        k += sz;
    }
}

void fpu_write_buf(struct cpu *c, const struct insn *i, uint64_t ea, const void *buf,
                   unsigned n)
{
    /* Segment checks for the whole image, then every page it touches. */
    uint64_t lin = cpu_lin(c, i->seg, ea, n, true);
    if (c->cr0 & CR0_PG) {
        uint64_t last = lin + n - 1;
        if (!(c->mode & MODE_LONG64))
            last &= 0xffffffffULL;
        for (uint64_t p = lin;; p = (p & ~0xfffULL) + 4096) {
            cpu_translate(c, p, ACC_W, c->cpl == 3);
            if ((p >> 12) == (last >> 12))
                break;
        }
    }
    const uint8_t *b = buf;
    for (unsigned k = 0; k < n;) {
        unsigned sz = n - k >= 8 ? 8 : n - k >= 4 ? 4 : n - k >= 2 ? 2 : 1;
        uint64_t v = 0;
        memcpy(&v, b + k, sz);
        cpu_wr(c, i->seg, addr_mask(i->adsize, ea + k), v, sz);
        k += sz;
    }
}

/* ---- loads ---- */

/* Push a converted value; `flags` are the conversion's exceptions.  An
 * unmasked invalid (SNaN) leaves the stack alone; an unmasked denormal
 * does not stop the load (as processors do). */
static void fld_value(struct cpu *c, struct f80 v, unsigned flags)
{
    if (!fpu_push_ok(c))
        return;
    fpu_signal(c, flags);
    if (flags & ~c->fcw & FE_IE)
        return;
    c->fsw &= ~FSW_C1;
    fpu_push(c, v);
}

static void op_fld_m32(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    uint64_t ea = insn_ea(c, i);
    unsigned fl = 0;
    struct f80 v = f80_from_f32(cpu_rd32(c, i->seg, ea), &fl);
    fld_value(c, v, fl);
    fpu_note_mem(c, i, ea);
    next(c, i);
}

static void op_fld_m64(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    uint64_t ea = insn_ea(c, i);
    unsigned fl = 0;
    struct f80 v = f80_from_f64(cpu_rd64(c, i->seg, ea), &fl);
    fld_value(c, v, fl);
    fpu_note_mem(c, i, ea);
    next(c, i);
}

/* FLD m80fp: no conversion, so no exceptions but the stack's. */
static void op_fld_m80(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    uint64_t ea = insn_ea(c, i);
    struct f80 v;
    fpu_read_buf(c, i, ea, &v, 10);
    fld_value(c, v, 0);
    fpu_note_mem(c, i, ea);
    next(c, i);
}

static void op_fild(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    uint64_t ea = insn_ea(c, i);
    unsigned sz = i->aux;
    int64_t v = sext(cpu_rd(c, i->seg, ea, sz), sz);
    fld_value(c, f80_from_i64(v), 0);
    fpu_note_mem(c, i, ea);
    next(c, i);
}

static void op_fbld(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    uint64_t ea = insn_ea(c, i);
    struct f80 bcd, v;
    fpu_read_buf(c, i, ea, &bcd, 10);
    unsigned sw = hx_bld(hx_cw(c), &bcd, &v);
    fld_value(c, v, sw & FE_ALL);
    fpu_note_mem(c, i, ea);
    next(c, i);
}

/* An empty source is reported (underflow) before a full destination. */
static void op_fld_st(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    unsigned r = i->rm & 7;
    if (fpu_empty(c, r)) {
        if (fpu_underflow(c))
            fpu_push(c, f80_indefinite);
    } else if (fpu_push_ok(c)) {
        c->fsw &= ~FSW_C1;
        fpu_push(c, fpu_get(c, r));
    }
    fpu_note(c, i);
    next(c, i);
}

/* FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ (aux 0-6).  The
 * processor keeps the irrational constants with more precision and rounds
 * them by RC (SDM FLD1/FLDL2T/... page, "Description"): below are the
 * values truncated to 64 bits; `up_rn` says whether round-to-nearest goes
 * up.  Rounding up adds one ulp; down and toward zero keep the truncated
 * value.  No precision exception is reported. */
static void op_fldconst(struct cpu *c, const struct insn *i)
{
    static const struct {
        uint64_t m;
        uint16_t se;
        bool irrational, up_rn;
    } k[7] = {
        { 0x8000000000000000ULL, 0x3fff, false, false }, /* 1.0 */
        { 0xd49a784bcd1b8afeULL, 0x4000, true, false },  /* log2(10) */
        { 0xb8aa3b295c17f0bbULL, 0x3fff, true, true },   /* log2(e) */
        { 0xc90fdaa22168c234ULL, 0x4000, true, true },   /* pi */
        { 0x9a209a84fbcff798ULL, 0x3ffd, true, true },   /* log10(2) */
        { 0xb17217f7d1cf79abULL, 0x3ffe, true, true },   /* ln(2) */
        { 0, 0, false, false },                          /* +0.0 */
    };
    fpu_enter(c);
    unsigned n = i->aux, rc = (c->fcw >> FCW_RC_SHIFT) & 3;
    struct f80 v = { k[n].m, k[n].se };
    if (k[n].irrational && (rc == 2 || (rc == 0 && k[n].up_rn)))
        v.m++;
    if (fpu_push_ok(c)) {
        c->fsw &= ~FSW_C1;
        fpu_push(c, v);
    }
    fpu_note(c, i);
    next(c, i);
}

/* ---- stores ---- */

enum { K_M32, K_M64, K_M80, K_I16, K_I32, K_I64, K_T16, K_T32, K_T64, K_BCD };
static const uint8_t kind_size[] = { 4, 8, 10, 2, 4, 8, 2, 4, 8, 10 };
#define POP_BIT 0x80 /* in aux, with the kind */

union fimage {
    uint8_t b[16];
    uint16_t w;
    uint32_t d;
    uint64_t q;
    struct f80 x;
};

/* The masked response to storing an empty ST(0) or an invalid operand. */
static void store_indefinite(unsigned kind, union fimage *o)
{
    memset(o, 0, sizeof(*o));
    switch (kind) {
    case K_M32: o->d = 0xffc00000u; break;
    case K_M64: o->q = 0xfff8000000000000ULL; break;
    case K_M80: o->x = f80_indefinite; break;
    case K_I16: case K_T16: o->w = 0x8000; break;
    case K_I32: case K_T32: o->d = 0x80000000u; break;
    case K_I64: case K_T64: o->q = 1ULL << 63; break;
    default: o->b[7] = 0xc0; o->b[8] = 0xff; o->b[9] = 0xff; break; /* BCD */
    }
}

/* Is a single/double result denormal (tiny even if exact)? */
static bool store_tiny(unsigned kind, const union fimage *o)
{
    if (kind == K_M32)
        return !(o->d & 0x7f800000u) && (o->d & 0x7fffffu);
    if (kind == K_M64)
        return !(o->q & 0x7ff0000000000000ULL) && (o->q & ((1ULL << 52) - 1));
    return false;
}

static unsigned convert(struct cpu *c, unsigned kind, const struct f80 *v, union fimage *o)
{
    uint16_t cw = hx_cw(c), chop = (uint16_t)(cw | (3u << FCW_RC_SHIFT));
    memset(o, 0, sizeof(*o));
    switch (kind) {
    case K_M32: return hx_st32(cw, v, &o->d);
    case K_M64: return hx_st64(cw, v, &o->q);
    case K_M80: o->x = *v; return 0;
    case K_I16: return hx_ist16(cw, v, &o->w);
    case K_I32: return hx_ist32(cw, v, &o->d);
    case K_I64: return hx_ist64(cw, v, &o->q);
    case K_T16: return hx_ist16(chop, v, &o->w); /* FISTTP: truncate whatever RC says */
    case K_T32: return hx_ist32(chop, v, &o->d);
    case K_T64: return hx_ist64(chop, v, &o->q);
    default: return hx_bst(cw, v, &o->x);
    }
}

static void write_image(struct cpu *c, const struct insn *i, uint64_t ea, unsigned kind,
                        const union fimage *o)
{
    unsigned n = kind_size[kind];
    if (n == 10)
        fpu_write_buf(c, i, ea, o->b, 10);
    else
        cpu_wr(c, i->seg, ea, o->q & size_mask(n), n);
}

/* FST/FSTP m32fp/m64fp/m80fp, FIST(P), FISTTP, FBSTP.  Memory is written
 * before any FPU state changes, so a fault leaves the FPU as it was. */
static void op_fstore(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    unsigned kind = i->aux & ~POP_BIT;
    bool pop = i->aux & POP_BIT;
    uint64_t ea = insn_ea(c, i);
    union fimage o;
    if (fpu_empty(c, 0)) {
        if (fpu_underflow(c)) {
            store_indefinite(kind, &o);
            write_image(c, i, ea, kind, &o);
            if (pop)
                fpu_pop(c);
        }
    } else {
        struct f80 v = fpu_get(c, 0);
        unsigned sw = convert(c, kind, &v, &o), e = sw & FE_ALL;
        if (!fpu_masked(c, FE_UE) && store_tiny(kind, &o))
            e |= FE_UE; /* unmasked underflow: tininess alone counts */
        unsigned um = e & ~c->fcw & FE_ALL;
        if (um & (FE_PRE | FE_OE | FE_UE)) {
            /* Nothing is stored; for over/underflow PE is not reported. */
            fpu_signal(c, (um & (FE_OE | FE_UE)) ? e & ~FE_PE : e);
            c->fsw &= ~FSW_C1;
        } else {
            write_image(c, i, ea, kind, &o);
            c->fsw = (uint16_t)((c->fsw & ~FSW_C1) | (sw & FSW_C1));
            fpu_signal(c, e);
            if (pop)
                fpu_pop(c);
        }
    }
    fpu_note_mem(c, i, ea);
    next(c, i);
}

/* FST/FSTP ST(i) (aux 0/1) and the FSTP8/9 aliases.  aux 2: the FSTP1
 * alias (D9 D8+i), which processors run without the empty check: an empty
 * ST(0) is just popped, the destination keeps its value and tag. */
static void op_fst_st(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    struct f80 v = fpu_get(c, 0);
    bool ok = true;
    if (fpu_empty(c, 0)) {
        if (i->aux == 2) {
            fpu_pop(c);
            c->fsw &= ~FSW_C1;
            goto out;
        }
        ok = fpu_underflow(c);
        v = f80_indefinite;
    }
    if (ok) {
        c->fsw &= ~FSW_C1;
        fpu_set(c, i->rm & 7, v);
        if (i->aux)
            fpu_pop(c);
    }
out:
    fpu_note(c, i);
    next(c, i);
}

/* ---- stack control ---- */

static void op_fxch(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    unsigned r = i->rm & 7;
    bool e0 = fpu_empty(c, 0), er = fpu_empty(c, r), ok = true;
    if (e0 || er) {
        ok = fpu_underflow(c);
        if (ok) {
            if (e0)
                fpu_set(c, 0, f80_indefinite);
            if (er)
                fpu_set(c, r, f80_indefinite);
        }
    }
    if (ok) {
        struct f80 a = fpu_get(c, 0), b = fpu_get(c, r);
        fpu_set(c, 0, b);
        fpu_set(c, r, a);
        c->fsw &= ~FSW_C1;
    }
    fpu_note(c, i);
    next(c, i);
}

/* FFREE ST(i); aux 1: FFREEP (an alias real processors execute: free,
 * then pop). */
static void op_ffree(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    fpu_set_empty(c, fpu_phys(c, i->rm & 7));
    c->fsw &= ~FSW_C1;
    if (i->aux)
        fpu_pop(c);
    fpu_note(c, i);
    next(c, i);
}

/* FINCSTP (aux 1) / FDECSTP (aux 7): TOP moves, tags stay. */
static void op_fincdec(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    c->ftop = (c->ftop + i->aux) & 7;
    c->fsw &= ~FSW_C1;
    fpu_note(c, i);
    next(c, i);
}

static void op_fnop(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    fpu_note(c, i);
    next(c, i);
}

/* ---- control ---- */

static void fpu_init(struct cpu *c)
{
    c->fcw = FCW_DEFAULT;
    c->fsw = 0;
    c->ftop = 0;
    c->ftw = 0xffff;
    c->fop = 0;
    c->fip = c->fdp = 0;
    c->fcs = c->fds = 0;
}

static void op_fninit(struct cpu *c, const struct insn *i)
{
    fpu_enter_nowait(c);
    fpu_init(c);
    next(c, i);
}

static void op_fnclex(struct cpu *c, const struct insn *i)
{
    fpu_enter_nowait(c);
    c->fsw &= ~(FE_ALL | FSW_SF | FSW_ES | FSW_B);
    next(c, i);
}

/* FENI, FDISI, FSETPM: 8087/287 controls, no-ops since the 387. */
static void op_fnop_nowait(struct cpu *c, const struct insn *i)
{
    fpu_enter_nowait(c);
    next(c, i);
}

static void op_fldcw(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    uint16_t v = cpu_rd16(c, i->seg, insn_ea(c, i));
    c->fcw = (uint16_t)((v & FCW_WRITABLE) | FCW_ONES);
    fpu_update_es(c); /* may unmask (or mask) a pending exception */
    next(c, i);
}

static void op_fnstcw(struct cpu *c, const struct insn *i)
{
    fpu_enter_nowait(c);
    cpu_wr16(c, i->seg, insn_ea(c, i), c->fcw);
    next(c, i);
}

static void op_fnstsw(struct cpu *c, const struct insn *i)
{
    fpu_enter_nowait(c);
    cpu_wr16(c, i->seg, insn_ea(c, i), fpu_fsw(c));
    next(c, i);
}

static void op_fnstsw_ax(struct cpu *c, const struct insn *i)
{
    fpu_enter_nowait(c);
    reg_write(c, R_AX, 2, 0, fpu_fsw(c));
    next(c, i);
}

/* WAIT/FWAIT: #NM only with MP and TS both set (table 2-2). */
static void op_fwait(struct cpu *c, const struct insn *i)
{
    if ((c->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
        cpu_raise(c, EX_NM, 0);
    if (c->fsw & FSW_ES)
        fpu_pending(c);
    next(c, i);
}

/* ---- FSTENV / FLDENV / FSAVE / FRSTOR ---- */

/* The tag word as stored: empty stays empty, others from the contents. */
static uint16_t full_tags(const struct cpu *c)
{
    uint16_t tw = 0;
    for (unsigned p = 0; p < 8; p++) {
        unsigned t = fpu_tag(c, p) == TAG_EMPTY ? TAG_EMPTY : f80_tag(fpu_rd_phys(c, p));
        tw |= (uint16_t)(t << (2 * p));
    }
    return tw;
}

/* Loaded tags only say empty / not empty; the rest come from the registers. */
static void load_tags(struct cpu *c, uint16_t tw)
{
    uint16_t t = 0;
    for (unsigned p = 0; p < 8; p++) {
        unsigned v = ((tw >> (2 * p)) & 3) == TAG_EMPTY ? TAG_EMPTY : f80_tag(fpu_rd_phys(c, p));
        t |= (uint16_t)(v << (2 * p));
    }
    c->ftw = t;
}

static bool env_real(const struct cpu *c)
{
    return !(c->cr0 & CR0_PE) || (c->eflags & F_VM);
}

/* The environment image (SDM Vol. 1 figures 8-9 to 8-12): 28 bytes with a
 * 32-bit operand size (also in 64-bit mode), 14 with a 16-bit one; real and
 * virtual-8086 mode store 20/32-bit linear pointers and the opcode. */
static unsigned env_image(const struct cpu *c, const struct insn *i, uint8_t *b)
{
    uint16_t sw = fpu_fsw(c), tw = full_tags(c), op = c->fop & 0x7ff;
    bool real = env_real(c);
    uint32_t ip = (uint32_t)c->fip, dp = (uint32_t)c->fdp;
    if (real) {
        ip = (uint32_t)(c->fcs << 4) + ip;
        dp = (uint32_t)(c->fds << 4) + dp;
    }
    if (i->opsize != 2) {
        memset(b, 0, 28);
        st16(b, c->fcw);
        st16(b + 4, sw);
        st16(b + 8, tw);
        if (real) {
            st16(b + 12, (uint16_t)ip);
            st32(b + 16, ((ip >> 16) << 12) | op);
            st16(b + 20, (uint16_t)dp);
            st32(b + 24, (dp >> 16) << 12);
        } else {
            st32(b + 12, ip);
            st32(b + 16, c->fcs | ((uint32_t)op << 16));
            st32(b + 20, dp);
            st16(b + 24, c->fds);
        }
        return 28;
    }
    st16(b, c->fcw);
    st16(b + 2, sw);
    st16(b + 4, tw);
    if (real) {
        st16(b + 6, (uint16_t)ip);
        st16(b + 8, (uint16_t)(((ip >> 16) & 0xf) << 12 | op));
        st16(b + 10, (uint16_t)dp);
        st16(b + 12, (uint16_t)(((dp >> 16) & 0xf) << 12));
    } else {
        st16(b + 6, (uint16_t)ip);
        st16(b + 8, c->fcs);
        st16(b + 10, (uint16_t)dp);
        st16(b + 12, c->fds);
    }
    return 14;
}

/* Load an environment image; returns the tag word for load_tags (which
 * must run after FRSTOR has loaded the registers). */
static uint16_t env_load(struct cpu *c, const struct insn *i, const uint8_t *b)
{
    bool real = env_real(c);
    uint16_t cw, sw, tw;
    if (i->opsize != 2) {
        cw = ld16(b);
        sw = ld16(b + 4);
        tw = ld16(b + 8);
        if (real) {
            c->fip = ld16(b + 12) | ((ld32(b + 16) >> 12) & 0xffff) << 16;
            c->fop = ld16(b + 16) & 0x7ff;
            c->fdp = ld16(b + 20) | ((ld32(b + 24) >> 12) & 0xffff) << 16;
            c->fcs = c->fds = 0;
        } else {
            c->fip = ld32(b + 12);
            c->fcs = ld16(b + 16);
            c->fop = ld16(b + 18) & 0x7ff;
            c->fdp = ld32(b + 20);
            c->fds = ld16(b + 24);
        }
    } else {
        cw = ld16(b);
        sw = ld16(b + 2);
        tw = ld16(b + 4);
        if (real) {
            c->fip = ld16(b + 6) | (uint32_t)(ld16(b + 8) >> 12) << 16;
            c->fop = ld16(b + 8) & 0x7ff;
            c->fdp = ld16(b + 10) | (uint32_t)(ld16(b + 12) >> 12) << 16;
            c->fcs = c->fds = 0;
        } else {
            c->fip = ld16(b + 6);
            c->fcs = ld16(b + 8);
            c->fdp = ld16(b + 10);
            c->fds = ld16(b + 12);
        }
    }
    c->fcw = (uint16_t)((cw & FCW_WRITABLE) | FCW_ONES);
    c->fsw = sw & ~FSW_TOP;
    c->ftop = (sw >> 11) & 7;
    fpu_update_es(c);
    return tw;
}

static unsigned env_size(const struct insn *i)
{
    return i->opsize != 2 ? 28 : 14;
}

static void op_fnstenv(struct cpu *c, const struct insn *i)
{
    fpu_enter_nowait(c);
    uint8_t b[28];
    unsigned n = env_image(c, i, b);
    fpu_write_buf(c, i, insn_ea(c, i), b, n);
    c->fcw |= FE_ALL; /* then masks every exception */
    fpu_update_es(c);
    next(c, i);
}

static void op_fldenv(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    uint8_t b[28];
    fpu_read_buf(c, i, insn_ea(c, i), b, env_size(i));
    load_tags(c, env_load(c, i, b));
    next(c, i);
}

static void op_fnsave(struct cpu *c, const struct insn *i)
{
    fpu_enter_nowait(c);
    uint8_t b[108];
    unsigned n = env_image(c, i, b);
    for (unsigned k = 0; k < 8; k++) {
        struct f80 v = fpu_get(c, k);
        memcpy(b + n + 10 * k, &v.m, 8);
        memcpy(b + n + 10 * k + 8, &v.se, 2);
    }
    fpu_write_buf(c, i, insn_ea(c, i), b, n + 80);
    fpu_init(c);
    next(c, i);
}

static void op_frstor(struct cpu *c, const struct insn *i)
{
    fpu_enter(c);
    uint8_t b[108];
    unsigned n = env_size(i);
    fpu_read_buf(c, i, insn_ea(c, i), b, n + 80);
    uint16_t tw = env_load(c, i, b);
    for (unsigned k = 0; k < 8; k++) {
        struct f80 v;
        memcpy(&v.m, b + n + 10 * k, 8);
        memcpy(&v.se, b + n + 10 * k + 8, 2);
        fpu_set(c, k, v);
    }
    load_tags(c, tw);
    next(c, i);
}

/* ---- the table ---- */

#define E(f, fl, ...) { .fn = (f), .flags = (fl), __VA_ARGS__ }
#define A(f, a) E(f, 0, .aux = (a))
#define GRP(mem, reg) E(NULL, OPF_GROUP | OPF_GROUPRM, .group = (mem), .group2 = (reg))
#define SUB(g) { .group = (g) }
/* ModRM.reg of D8/DC/DA/DE: 0 add, 1 mul, 2 com, 3 comp, 4 sub, 5 subr,
 * 6 div, 7 divr (ST(0) is the left operand; fpu_arith.c maps dc/de). */
#define ARITH8(fa, fc) { A(fa, 0), A(fa, 1), A(fc, 0), A(fc, 1), A(fa, 4), A(fa, 5), A(fa, 6), A(fa, 7) }

static const struct opdesc d8_mem[8] = ARITH8(fpu_arith_m32, fpu_com_m32);
static const struct opdesc d8_reg[8] = ARITH8(fpu_arith_st0, fpu_com_st);

static const struct opdesc d9_mem[8] = {
    E(op_fld_m32, 0), {}, A(op_fstore, K_M32), A(op_fstore, K_M32 | POP_BIT),
    E(op_fldenv, 0), E(op_fldcw, 0), E(op_fnstenv, 0), E(op_fnstcw, 0),
};
static const struct opdesc d9_d0[8] = { E(op_fnop, 0) };
static const struct opdesc d9_e0[8] = {
    E(fpu_fchs, 0), E(fpu_fabs, 0), {}, {}, E(fpu_ftst, 0), E(fpu_fxam, 0),
};
static const struct opdesc d9_e8[8] = {
    A(op_fldconst, 0), A(op_fldconst, 1), A(op_fldconst, 2), A(op_fldconst, 3),
    A(op_fldconst, 4), A(op_fldconst, 5), A(op_fldconst, 6),
};
static const struct opdesc d9_f0[8] = {
    E(fpu_f2xm1, 0), E(fpu_fyl2x, 0), E(fpu_fptan, 0), E(fpu_fpatan, 0),
    E(fpu_fxtract, 0), E(fpu_fprem1, 0), A(op_fincdec, 7), A(op_fincdec, 1),
};
static const struct opdesc d9_f8[8] = {
    E(fpu_fprem, 0), E(fpu_fyl2xp1, 0), E(fpu_fsqrt, 0), E(fpu_fsincos, 0),
    E(fpu_frndint, 0), E(fpu_fscale, 0), E(fpu_fsin, 0), E(fpu_fcos, 0),
};
static const struct opdesc d9_reg[8] = {
    E(op_fld_st, 0), E(op_fxch, 0), SUB(d9_d0), A(op_fst_st, 2),
    SUB(d9_e0), SUB(d9_e8), SUB(d9_f0), SUB(d9_f8),
};

static const struct opdesc da_mem[8] = ARITH8(fpu_arith_i32, fpu_com_i32);
static const struct opdesc da_e8[8] = { {}, A(fpu_ucompp, 0) };
static const struct opdesc da_reg[8] = {
    A(fpu_fcmov, 0x2), A(fpu_fcmov, 0x4), A(fpu_fcmov, 0x6), A(fpu_fcmov, 0xa),
    {}, SUB(da_e8),
};

static const struct opdesc db_mem[8] = {
    A(op_fild, 4), A(op_fstore, K_T32 | POP_BIT), A(op_fstore, K_I32),
    A(op_fstore, K_I32 | POP_BIT), {}, E(op_fld_m80, 0), {}, A(op_fstore, K_M80 | POP_BIT),
};
static const struct opdesc db_e0[8] = {
    E(op_fnop_nowait, 0), E(op_fnop_nowait, 0), E(op_fnclex, 0), E(op_fninit, 0),
    E(op_fnop_nowait, 0),
};
static const struct opdesc db_reg[8] = {
    A(fpu_fcmov, 0x3), A(fpu_fcmov, 0x5), A(fpu_fcmov, 0x7), A(fpu_fcmov, 0xb),
    SUB(db_e0), A(fpu_comi, 2), A(fpu_comi, 0),
};

static const struct opdesc dc_mem[8] = ARITH8(fpu_arith_m64, fpu_com_m64);
static const struct opdesc dc_reg[8] = ARITH8(fpu_arith_sti, fpu_com_st);

static const struct opdesc dd_mem[8] = {
    E(op_fld_m64, 0), A(op_fstore, K_T64 | POP_BIT), A(op_fstore, K_M64),
    A(op_fstore, K_M64 | POP_BIT), E(op_frstor, 0), {}, E(op_fnsave, 0), E(op_fnstsw, 0),
};
static const struct opdesc dd_reg[8] = {
    A(op_ffree, 0), E(op_fxch, 0), A(op_fst_st, 0), A(op_fst_st, 1),
    A(fpu_ucom_st, 0), A(fpu_ucom_st, 1),
};

static const struct opdesc de_mem[8] = ARITH8(fpu_arith_i16, fpu_com_i16);
static const struct opdesc de_d8[8] = { {}, A(fpu_compp, 0) };
static const struct opdesc de_reg[8] = {
    A(fpu_arith_stip, 0), A(fpu_arith_stip, 1), A(fpu_com_st, 1), SUB(de_d8),
    A(fpu_arith_stip, 4), A(fpu_arith_stip, 5), A(fpu_arith_stip, 6), A(fpu_arith_stip, 7),
};

static const struct opdesc df_mem[8] = {
    A(op_fild, 2), A(op_fstore, K_T16 | POP_BIT), A(op_fstore, K_I16),
    A(op_fstore, K_I16 | POP_BIT), E(op_fbld, 0), A(op_fild, 8),
    A(op_fstore, K_BCD | POP_BIT), A(op_fstore, K_I64 | POP_BIT),
};
static const struct opdesc df_e0[8] = { E(op_fnstsw_ax, 0) };
static const struct opdesc df_reg[8] = {
    A(op_ffree, 1), E(op_fxch, 0), A(op_fst_st, 1), A(op_fst_st, 1),
    SUB(df_e0), A(fpu_comi, 3), A(fpu_comi, 1),
};

static const struct opdesc map0[256] = {
    [0x9b] = E(op_fwait, 0),
    [0xd8] = GRP(d8_mem, d8_reg),
    [0xd9] = GRP(d9_mem, d9_reg),
    [0xda] = GRP(da_mem, da_reg),
    [0xdb] = GRP(db_mem, db_reg),
    [0xdc] = GRP(dc_mem, dc_reg),
    [0xdd] = GRP(dd_mem, dd_reg),
    [0xde] = GRP(de_mem, de_reg),
    [0xdf] = GRP(df_mem, df_reg),
};

static const struct opdesc map1[256] = {
    [0xae] = GRP(fpu_grp15_mem, fpu_grp15_reg),
};

const struct optable ops_fpu_table = {
    .name = "fpu",
    .map = { map0, map1, NULL, NULL },
};
