/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fpu.h: private interface of the soft CPU's x87 files (fpu.c, fpu_arith.c,
 * fpu_fxsave.c).
 *
 * Register model (Intel SDM Vol. 1, 8.1): c->st[] holds the eight physical
 * data registers R0-R7 (ST(i) is R[(TOP + i) & 7]); each holds the exact
 * 80-bit image in the first 10 bytes of its long double slot, always moved
 * as bytes (struct f80) so no encoding is ever touched by host loads.
 * c->ftop is TOP; c->fsw keeps every status bit except TOP (merged by
 * fpu_fsw()); c->ftw is the full tag word, kept current on every register
 * write.  MMX (sse.c) aliases MMi to the significand of R[i].
 *
 * Arithmetic runs on the host's own x87 (an x86-64 host's long double is
 * the same 80-bit format): each operation loads the guest's control word
 * into the host FCW (so RC and PC act exactly as on the guest's FPU), runs
 * the instruction on the 80-bit operands, reads the host status word
 * (exception flags, C0-C3, the C1 round-up bit), clears the host's flags
 * and restores its FCW.  Each of these is one asm statement, so the compiler
 * cannot move other floating-point code across the control-word switch.
 *
 * Invalid, denormal and zero-divide are always masked on the host; the
 * guest's masks for them are applied afterwards (fpu_reg_result() and the
 * store paths).  For results bound for a register the guest's overflow,
 * underflow and precision masks go to the host as they are: those
 * exceptions never stop a register result, and with them unmasked the host
 * itself produces the exponent-biased result (SDM Vol. 1, 8.5.4-8.5.5); the
 * flags are cleared (FNCLEX) before anything could wait on them.  Stores to
 * memory run fully masked: an unmasked overflow there stores nothing and
 * would leave the host stack unbalanced. */
#ifndef CPU_SOFT_FPU_H
#define CPU_SOFT_FPU_H

#include <string.h>
#include "cpu/soft/ops.h"

#if !defined(__x86_64__) && !defined(__i386__)
#error "the soft FPU runs x87 arithmetic on the host x87: port fpu.h's host layer first"
#endif

/* ---- status / control word bits ---- */
#define FE_IE 0x0001u
#define FE_DE 0x0002u
#define FE_ZE 0x0004u
#define FE_OE 0x0008u
#define FE_UE 0x0010u
#define FE_PE 0x0020u
#define FE_ALL 0x003fu
#define FE_PRE (FE_IE | FE_DE | FE_ZE) /* detected before a result exists */
#define FSW_SF 0x0040u
#define FSW_ES 0x0080u
#define FSW_C0 0x0100u
#define FSW_C1 0x0200u
#define FSW_C2 0x0400u
#define FSW_TOP 0x3800u
#define FSW_C3 0x4000u
#define FSW_B 0x8000u
#define FSW_CC (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)
#define FCW_RC_SHIFT 10
#define FCW_DEFAULT 0x037fu
/* FCW bits that hold state: masks, PC, RC, X; bit 6 reads as 1. */
#define FCW_WRITABLE 0x1f3fu
#define FCW_ONES 0x0040u

enum { TAG_VALID = 0, TAG_ZERO = 1, TAG_SPECIAL = 2, TAG_EMPTY = 3 };

/* An x87 register or m80fp image: 64-bit significand with an explicit
 * integer bit, then sign and 15-bit exponent (the m80 layout). */
struct f80 {
    uint64_t m;
    uint16_t se;
};

#define F80_EXP(v) ((v).se & 0x7fffu)
#define F80_SIGN 0x8000u
static const struct f80 f80_indefinite = { 0xc000000000000000ULL, 0xffff };

/* ---- the host x87 layer ---- */

/* FNCLEX costs as much as a dozen other x87 instructions, so the host's
 * exception flags are kept clear between these statements and cleared only
 * when an operation raised one (HX_STATUS); HX_ENTER re-clears them if other
 * code on this thread left some, before the guest's masks are loaded (an
 * unmasked flag already set would make the next instruction trap). */
#define HX_REGS "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)", "ax", "cc"
#define HX_ENTER "fnstcw %[hcw]\n\tfnstsw %%ax\n\ttestb $0x3f, %%al\n\tjz 8f\n\tfnclex\n"    \
                 "8:\n\tfldcw %[gcw]\n\t"
#define HX_STATUS "fnstsw %%ax\n\tmovw %%ax, %[sw]\n\ttestb $0x3f, %%al\n\tjz 9f\n\tfnclex\n9:\n\t"
#define HX_LEAVE "fldcw %[hcw]"

/* Guest control word with every exception masked (stores, compares). */
static inline uint16_t hx_cw(const struct cpu *c)
{
    return (uint16_t)(c->fcw | FE_ALL);
}

/* For register results: the guest's OE/UE/PE masks stay (see above). */
static inline uint16_t hx_cw_reg(const struct cpu *c)
{
    return (uint16_t)(c->fcw | FE_IE | FE_DE | FE_ZE);
}

/* r = a OP b with a in ST(0), b in ST(1); OP leaves its result in ST(0). */
#define HX_BIN(name, insn)                                                                \
    static inline unsigned name(uint16_t cw, const struct f80 *a, const struct f80 *b,    \
                                struct f80 *r)                                            \
    {                                                                                     \
        uint16_t sw, hcw;                                                                 \
        __asm__ volatile(HX_ENTER "fldt %[b]\n\tfldt %[a]\n\t" insn "\n\t"                \
                         HX_STATUS "fstpt %[r]\n\tfstp %%st(0)\n\t" HX_LEAVE              \
                         : [r] "=m"(*r), [sw] "=m"(sw), [hcw] "=m"(hcw)                   \
                         : [a] "m"(*a), [b] "m"(*b), [gcw] "m"(cw)                        \
                         : HX_REGS);                                                      \
        return sw;                                                                        \
    }
HX_BIN(hx_add, "fadd %%st(1), %%st")
HX_BIN(hx_sub, "fsub %%st(1), %%st")
HX_BIN(hx_mul, "fmul %%st(1), %%st")
HX_BIN(hx_div, "fdiv %%st(1), %%st")
HX_BIN(hx_prem, "fprem")
HX_BIN(hx_prem1, "fprem1")
HX_BIN(hx_scale, "fscale")

/* r = a OP m with a real memory operand converted by the host itself, so
 * exception priorities (a QNaN in ST(0) hides a denormal m32, ...) are the
 * processor's. */
#define HX_MEM(name, type, insn)                                                          \
    static inline unsigned name(uint16_t cw, const struct f80 *a, const type *m,          \
                                struct f80 *r)                                            \
    {                                                                                     \
        uint16_t sw, hcw;                                                                 \
        __asm__ volatile(HX_ENTER "fldt %[a]\n\t" insn " %[m]\n\t"                        \
                         HX_STATUS "fstpt %[r]\n\t" HX_LEAVE                              \
                         : [r] "=m"(*r), [sw] "=m"(sw), [hcw] "=m"(hcw)                   \
                         : [a] "m"(*a), [m] "m"(*m), [gcw] "m"(cw)                        \
                         : HX_REGS);                                                      \
        return sw;                                                                        \
    }
HX_MEM(hx_add_m32, uint32_t, "fadds")
HX_MEM(hx_mul_m32, uint32_t, "fmuls")
HX_MEM(hx_sub_m32, uint32_t, "fsubs")
HX_MEM(hx_subr_m32, uint32_t, "fsubrs")
HX_MEM(hx_div_m32, uint32_t, "fdivs")
HX_MEM(hx_divr_m32, uint32_t, "fdivrs")
HX_MEM(hx_add_m64, uint64_t, "faddl")
HX_MEM(hx_mul_m64, uint64_t, "fmull")
HX_MEM(hx_sub_m64, uint64_t, "fsubl")
HX_MEM(hx_subr_m64, uint64_t, "fsubrl")
HX_MEM(hx_div_m64, uint64_t, "fdivl")
HX_MEM(hx_divr_m64, uint64_t, "fdivrl")
HX_MEM(hx_com_m32, uint32_t, "fcoms")
HX_MEM(hx_com_m64, uint64_t, "fcoml")

/* r = OP(ST(1) = b, ST(0) = a), popping: FYL2X, FYL2XP1, FPATAN. */
#define HX_BINPOP(name, insn)                                                             \
    static inline unsigned name(uint16_t cw, const struct f80 *a, const struct f80 *b,    \
                                struct f80 *r)                                            \
    {                                                                                     \
        uint16_t sw, hcw;                                                                 \
        __asm__ volatile(HX_ENTER "fldt %[b]\n\tfldt %[a]\n\t" insn "\n\t"                \
                         HX_STATUS "fstpt %[r]\n\t" HX_LEAVE                              \
                         : [r] "=m"(*r), [sw] "=m"(sw), [hcw] "=m"(hcw)                   \
                         : [a] "m"(*a), [b] "m"(*b), [gcw] "m"(cw)                        \
                         : HX_REGS);                                                      \
        return sw;                                                                        \
    }
HX_BINPOP(hx_yl2x, "fyl2x")
HX_BINPOP(hx_yl2xp1, "fyl2xp1")
HX_BINPOP(hx_patan, "fpatan")

/* Comparisons of a (ST(0)) with b (ST(1)): only the status word. */
#define HX_CMP(name, insn)                                                                \
    static inline unsigned name(uint16_t cw, const struct f80 *a, const struct f80 *b)    \
    {                                                                                     \
        uint16_t sw, hcw;                                                                 \
        __asm__ volatile(HX_ENTER "fldt %[b]\n\tfldt %[a]\n\t" insn "\n\t"                \
                         HX_STATUS HX_LEAVE                                               \
                         : [sw] "=m"(sw), [hcw] "=m"(hcw)                                 \
                         : [a] "m"(*a), [b] "m"(*b), [gcw] "m"(cw)                        \
                         : HX_REGS);                                                      \
        return sw;                                                                        \
    }
HX_CMP(hx_com, "fcompp")
HX_CMP(hx_ucom, "fucompp")

/* r = OP(a) in place on ST(0). */
#define HX_UN(name, insn)                                                                 \
    static inline unsigned name(uint16_t cw, const struct f80 *a, struct f80 *r)          \
    {                                                                                     \
        uint16_t sw, hcw;                                                                 \
        __asm__ volatile(HX_ENTER "fldt %[a]\n\t" insn "\n\t"                             \
                         HX_STATUS "fstpt %[r]\n\t" HX_LEAVE                              \
                         : [r] "=m"(*r), [sw] "=m"(sw), [hcw] "=m"(hcw)                   \
                         : [a] "m"(*a), [gcw] "m"(cw)                                     \
                         : HX_REGS);                                                      \
        return sw;                                                                        \
    }
HX_UN(hx_sqrt, "fsqrt")
HX_UN(hx_rndint, "frndint")
HX_UN(hx_f2xm1, "f2xm1")
HX_UN(hx_sin, "fsin")
HX_UN(hx_cos, "fcos")
HX_UN(hx_tst, "ftst")
HX_UN(hx_xam, "fxam")

/* OP(a) pushing: *r0 becomes ST(0), *r1 replaces a as ST(1).  FSINCOS and
 * FPTAN leave the stack alone when C2 reports an out-of-range operand; then
 * *r1 = a and *r0 is not written. */
#define HX_PUSH(name, insn)                                                               \
    static inline unsigned name(uint16_t cw, const struct f80 *a, struct f80 *r0,         \
                                struct f80 *r1)                                           \
    {                                                                                     \
        uint16_t sw, hcw;                                                                 \
        __asm__ volatile(HX_ENTER "fldt %[a]\n\t" insn "\n\t"                             \
                         HX_STATUS "testb $4, %%ah\n\tjnz 1f\n\t"                         \
                         "fstpt %[r0]\n1:\n\tfstpt %[r1]\n\t" HX_LEAVE                    \
                         : [r0] "=m"(*r0), [r1] "=m"(*r1), [sw] "=m"(sw), [hcw] "=m"(hcw) \
                         : [a] "m"(*a), [gcw] "m"(cw)                                     \
                         : HX_REGS);                                                      \
        return sw;                                                                        \
    }
HX_PUSH(hx_sincos, "fsincos")
HX_PUSH(hx_ptan, "fptan")

static inline unsigned hx_xtract(uint16_t cw, const struct f80 *a, struct f80 *r0,
                                 struct f80 *r1)
{
    uint16_t sw, hcw;
    __asm__ volatile(HX_ENTER "fldt %[a]\n\tfxtract\n\t"
                     HX_STATUS "fstpt %[r0]\n\tfstpt %[r1]\n\t" HX_LEAVE
                     : [r0] "=m"(*r0), [r1] "=m"(*r1), [sw] "=m"(sw), [hcw] "=m"(hcw)
                     : [a] "m"(*a), [gcw] "m"(cw)
                     : HX_REGS);
    return sw;
}

/* Stores of a in another format: FST m32fp/m64fp, FIST(P), FBSTP. */
#define HX_STORE(name, type, insn)                                                        \
    static inline unsigned name(uint16_t cw, const struct f80 *a, type *out)              \
    {                                                                                     \
        uint16_t sw, hcw;                                                                 \
        __asm__ volatile(HX_ENTER "fldt %[a]\n\t" insn " %[o]\n\t"                        \
                         HX_STATUS HX_LEAVE                                               \
                         : [o] "=m"(*out), [sw] "=m"(sw), [hcw] "=m"(hcw)                 \
                         : [a] "m"(*a), [gcw] "m"(cw)                                     \
                         : HX_REGS);                                                      \
        return sw;                                                                        \
    }
HX_STORE(hx_st32, uint32_t, "fstps")
HX_STORE(hx_st64, uint64_t, "fstpl")
HX_STORE(hx_ist16, uint16_t, "fistps")
HX_STORE(hx_ist32, uint32_t, "fistpl")
HX_STORE(hx_ist64, uint64_t, "fistpll")
HX_STORE(hx_bst, struct f80, "fbstp")

/* FBLD: packed BCD (10 bytes, in an f80 slot) to extended. */
static inline unsigned hx_bld(uint16_t cw, const struct f80 *bcd, struct f80 *r)
{
    uint16_t sw, hcw;
    __asm__ volatile(HX_ENTER "fbld %[a]\n\t" HX_STATUS "fstpt %[r]\n\t" HX_LEAVE
                     : [r] "=m"(*r), [sw] "=m"(sw), [hcw] "=m"(hcw)
                     : [a] "m"(*bcd), [gcw] "m"(cw)
                     : HX_REGS);
    return sw;
}

/* ---- register file ---- */

static inline unsigned fpu_phys(const struct cpu *c, unsigned i)
{
    return (c->ftop + i) & 7;
}

static inline unsigned fpu_tag(const struct cpu *c, unsigned phys)
{
    return (c->ftw >> (2 * phys)) & 3;
}

static inline bool fpu_empty(const struct cpu *c, unsigned i)
{
    return fpu_tag(c, fpu_phys(c, i)) == TAG_EMPTY;
}

static inline struct f80 fpu_rd_phys(const struct cpu *c, unsigned phys)
{
    struct f80 v;
    const uint8_t *p = (const uint8_t *)&c->st[phys & 7];
    memcpy(&v.m, p, 8);
    memcpy(&v.se, p + 8, 2);
    return v;
}

static inline struct f80 fpu_get(const struct cpu *c, unsigned i)
{
    return fpu_rd_phys(c, fpu_phys(c, i));
}

/* The tag the hardware computes for a value (SDM Vol. 1, 8.1.7). */
static inline unsigned f80_tag(struct f80 v)
{
    unsigned e = F80_EXP(v);
    if (e == 0x7fff)
        return TAG_SPECIAL;
    if (e == 0)
        return v.m ? TAG_SPECIAL : TAG_ZERO;
    return (v.m >> 63) ? TAG_VALID : TAG_SPECIAL; /* unnormals are special */
}

static inline void fpu_wr_phys(struct cpu *c, unsigned phys, struct f80 v)
{
    uint8_t *p = (uint8_t *)&c->st[phys & 7];
    memcpy(p, &v.m, 8);
    memcpy(p + 8, &v.se, 2);
    c->ftw = (uint16_t)((c->ftw & ~(3u << (2 * phys))) | (f80_tag(v) << (2 * phys)));
}

static inline void fpu_set(struct cpu *c, unsigned i, struct f80 v)
{
    fpu_wr_phys(c, fpu_phys(c, i), v);
}

static inline void fpu_set_empty(struct cpu *c, unsigned phys)
{
    c->ftw |= (uint16_t)(3u << (2 * (phys & 7)));
}

static inline void fpu_pop(struct cpu *c)
{
    fpu_set_empty(c, c->ftop);
    c->ftop = (c->ftop + 1) & 7;
}

/* Push without the overflow check (callers use fpu_push_ok first). */
static inline void fpu_push(struct cpu *c, struct f80 v)
{
    c->ftop = (c->ftop - 1) & 7;
    fpu_set(c, 0, v);
}

/* The status word as software reads it (TOP merged in). */
static inline uint16_t fpu_fsw(const struct cpu *c)
{
    return (uint16_t)((c->fsw & ~FSW_TOP) | ((c->ftop & 7u) << 11));
}

/* ---- exceptions (fpu.c) ---- */

/* #NM / pending #MF check of a waiting x87 instruction (SDM Vol. 3A table
 * 2-2 and Vol. 1 8.7); the fast test is inline. */
void fpu_wait_slow(struct cpu *c);
static inline void fpu_enter(struct cpu *c)
{
    if (unlikely((c->cr0 & (CR0_EM | CR0_TS)) || (c->fsw & FSW_ES)))
        fpu_wait_slow(c);
}
/* The no-wait control instructions check only EM and TS. */
static inline void fpu_enter_nowait(struct cpu *c)
{
    if (unlikely(c->cr0 & (CR0_EM | CR0_TS)))
        cpu_raise(c, EX_NM, 0);
}

/* Record exception flags; sets ES and B when one of them is unmasked. */
static inline void fpu_signal(struct cpu *c, unsigned flags)
{
    c->fsw |= (uint16_t)(flags & (FE_ALL | FSW_SF));
    if (flags & ~c->fcw & FE_ALL)
        c->fsw |= FSW_ES | FSW_B;
}

/* ES and B after the flags or the masks were replaced wholesale. */
static inline void fpu_update_es(struct cpu *c)
{
    if (c->fsw & ~c->fcw & FE_ALL)
        c->fsw |= FSW_ES | FSW_B;
    else
        c->fsw &= ~(FSW_ES | FSW_B);
}

static inline bool fpu_masked(const struct cpu *c, unsigned flag)
{
    return c->fcw & flag;
}

/* Stack faults (SDM Vol. 1, 8.5.1.1): IE and SF with C1 telling overflow
 * (1) from underflow (0).  Return true when IE is masked, i.e. the caller
 * must apply the masked response (QNaN indefinite). */
bool fpu_underflow(struct cpu *c);
bool fpu_overflow(struct cpu *c);
/* Can one value be pushed?  On overflow applies the masked response (push
 * the indefinite) itself and returns false. */
static inline bool fpu_push_ok(struct cpu *c)
{
    if (likely(fpu_tag(c, (c->ftop - 1) & 7) == TAG_EMPTY))
        return true;
    if (fpu_overflow(c))
        fpu_push(c, f80_indefinite);
    return false;
}

/* Apply the host status `sw` of a computation (run with hx_cw_reg) whose
 * result goes to a register: an unmasked IE/DE/ZE leaves the destination
 * and the stack unchanged, clears C1 and the C2 of `cc`, and returns false;
 * otherwise the flags and C1 are recorded.  `cc` lists the condition bits
 * (of C0, C2, C3) the instruction defines, copied from the host. */
bool fpu_reg_result(struct cpu *c, unsigned sw, unsigned cc);

/* Last instruction / data pointers and opcode (SDM Vol. 1, 8.1.8-8.1.9),
 * kept for every non-control instruction. */
static inline void fpu_note(struct cpu *c, const struct insn *i)
{
    c->fop = (uint16_t)(((i->op & 7u) << 8) | (i->mod << 6) | ((i->reg & 7u) << 3) |
                        (i->rm & 7u));
    c->fip = c->rip;
    c->fcs = c->seg[S_CS].sel;
}

static inline void fpu_note_mem(struct cpu *c, const struct insn *i, uint64_t ea)
{
    fpu_note(c, i);
    c->fdp = ea;
    c->fds = c->seg[i->seg].sel;
}

/* Conversions that need no rounding (exact in extended). */
struct f80 f80_from_f32(uint32_t v, unsigned *flags);
struct f80 f80_from_f64(uint64_t v, unsigned *flags);
struct f80 f80_from_i64(int64_t v);

/* Multi-byte memory images (FSAVE, FXSAVE, m80): reads go to a buffer
 * before any state changes; writes are probed for faults first so a store
 * never stops half done. */
void fpu_read_buf(struct cpu *c, const struct insn *i, uint64_t ea, void *buf, unsigned n);
void fpu_write_buf(struct cpu *c, const struct insn *i, uint64_t ea, const void *buf,
                   unsigned n);

/* ---- handlers in fpu_arith.c, listed in fpu.c's table ---- */
insn_fn fpu_arith_m32, fpu_arith_m64, fpu_arith_i16, fpu_arith_i32;
insn_fn fpu_arith_st0, fpu_arith_sti, fpu_arith_stip;
insn_fn fpu_com_m32, fpu_com_m64, fpu_com_i16, fpu_com_i32, fpu_com_st, fpu_ucom_st;
insn_fn fpu_compp, fpu_ucompp, fpu_comi, fpu_fcmov;
insn_fn fpu_fchs, fpu_fabs, fpu_ftst, fpu_fxam;
insn_fn fpu_f2xm1, fpu_fyl2x, fpu_fptan, fpu_fpatan, fpu_fxtract, fpu_fprem1, fpu_fprem;
insn_fn fpu_fyl2xp1, fpu_fsqrt, fpu_fsincos, fpu_frndint, fpu_fscale, fpu_fsin, fpu_fcos;

/* ---- the 0F AE group in fpu_fxsave.c ---- */
extern const struct opdesc fpu_grp15_mem[8], fpu_grp15_reg[8];

#endif
