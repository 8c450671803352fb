/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sse_fp.c: the floating-point instructions of SSE, SSE2 and SSE3: packed
 * and scalar arithmetic, MIN/MAX, SQRT, RCP/RSQRT, compares, conversions,
 * shuffles and the SSE3 horizontal and add/subtract forms.
 *
 * Intel SDM Vol. 1 4.8 (NaN rules: Table 4-7, the "QNaN floating-point
 * indefinite" and integer indefinite), 10.2.3 and 11.5 (MXCSR, the
 * pre-/post-computation exception model, DAZ and FTZ); Vol. 2 instruction
 * pages for each operation's special cases.
 *
 * How: the arithmetic itself runs on the host FPU in IEEE single/double
 * with the guest's rounding mode installed (x86 hosts: the host MXCSR; other
 * hosts: <fenv.h>) and the host's IE/ZE/OE/UE/PE flags collected.
 * Everything the host might do differently is done explicitly here: NaN
 * propagation (the first source's NaN wins, SNaNs are quieted, invalid
 * operations give the default QNaN 0xFFC00000 / 0xFFF8000000000000), the
 * denormal-operand flag (not reported for an element that is invalid or
 * divides by zero: SDM Vol. 1, 4.9.2 priorities), DAZ on inputs, FTZ on
 * results, unmasked overflow/underflow (UE on tininess alone; PE from the
 * rounding with an unbounded exponent, worked out in integers), and every
 * float-to-integer conversion (rounded here exactly, with the integer
 * indefinite on NaN or overflow).  RCP/RSQRT return the correctly rounded
 * reciprocal (well within the documented 1.5*2^-12 relative error) with no
 * flags, as the SDM specifies.  All of this was cross-checked against a
 * real x86 CPU on millions of random operands (masked and unmasked
 * exceptions, every rounding mode, DAZ, FTZ).
 *
 * Threat model: guest data only; no table is indexed by guest data except
 * the masked CMP predicate. */
#include <math.h>
#include "cpu/soft/sse.h"

#if defined(__SSE2__) && (defined(__x86_64__) || defined(__i386__))
#define HOST_MXCSR 1
/* Volatile asm, not the intrinsics: the compiler may move the intrinsics
 * across the FP operations they bracket, but it keeps volatile asm
 * statements (these and FPB below) in program order. */
static inline unsigned host_getcsr(void)
{
    unsigned v;
    __asm__ __volatile__("stmxcsr %0" : "=m"(v));
    return v;
}

static inline void host_setcsr(unsigned v)
{
    __asm__ __volatile__("ldmxcsr %0" : : "m"(v));
}
#else
#include <fenv.h>
#endif

/* Keep a host FP operation between the rounding-mode switch and the flag
 * read: the compiler does not model the FP environment, so values pass
 * through empty asm statements that it must keep in order. */
#if defined(__x86_64__) || defined(__i386__)
#define FPB(v) __asm__ __volatile__("" : "+x"(v))
#else
#define FPB(v) __asm__ __volatile__("" : "+m"(v))
#endif
#define FPBI(v) __asm__ __volatile__("" : "+r"(v))

#define PRE_FLAGS (MX_IE | MX_DE | MX_ZE)

void sse_fp_flags(struct cpu *c, uint32_t f)
{
    uint32_t unmasked = f & ~(c->mxcsr >> MX_MASK_SHIFT) & MX_FLAGS;
    /* An unmasked pre-computation exception stops the instruction before
     * the post-computation checks. */
    if (unmasked & PRE_FLAGS) {
        f &= PRE_FLAGS;
        unmasked &= PRE_FLAGS;
    }
    c->mxcsr |= f;
    if (unmasked)
        cpu_raise(c, (c->cr4 & CR4_OSXMMEXCPT) ? EX_XM : EX_UD, 0);
}

/* ---- the FP context of one instruction ---- */

struct fpx {
    uint32_t flags; /* MX_* flags detected so far */
    uint32_t csr;   /* the guest MXCSR */
#ifdef HOST_MXCSR
    unsigned host;
#else
    int host;
#endif
};

static inline void fpx_init(struct cpu *c, struct fpx *x)
{
    x->flags = 0;
    x->csr = c->mxcsr;
}

/* Install the guest rounding mode on the host with every exception
 * masked.  LDMXCSR stalls the pipeline, so the host register is written
 * only when needed: host flags may stay set if they cannot matter, i.e. DE
 * (computed here, never taken from the host) and flags the guest already
 * has set with their exception masked (a new occurrence changes nothing).
 * In the steady state (guest rounding to nearest, PE already set) an FP
 * instruction costs two STMXCSR and no LDMXCSR.  The host's own flags are
 * not preserved: nothing in hvemu reads them without clearing them. */
static inline void fpx_begin(struct cpu *c, struct fpx *x)
{
    fpx_init(c, x);
#ifdef HOST_MXCSR
    unsigned h = host_getcsr(), want = 0x1f80u | (x->csr & 0x6000u);
    unsigned keep = MX_DE | (x->csr & (x->csr >> MX_MASK_SHIFT) & MX_FLAGS);
    x->host = h & ~0x3fu;
    if (unlikely((h & ~keep) != want))
        host_setcsr(want);
#else
    static const int rc[4] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
    x->host = fegetround();
    fesetround(rc[(x->csr >> MX_RC_SHIFT) & 3]);
    feclearexcept(FE_ALL_EXCEPT);
#endif
}

/* Collect the host flags (DE is computed here, not taken from the host;
 * flags kept from before are already set in the guest's MXCSR), restore
 * the host's control bits, and report: may raise #XM before the caller
 * writes its destination. */
static inline void fpx_end(struct cpu *c, struct fpx *x)
{
#ifdef HOST_MXCSR
    unsigned h = host_getcsr();
    uint32_t f = h & (MX_IE | MX_ZE | MX_OE | MX_UE | MX_PE);
    if (unlikely((h & ~0x3fu) != x->host))
        host_setcsr(x->host); /* the host's control bits back */
#else
    int e = fetestexcept(FE_ALL_EXCEPT);
    uint32_t f = (e & FE_INVALID ? MX_IE : 0) | (e & FE_DIVBYZERO ? MX_ZE : 0) |
                 (e & FE_OVERFLOW ? MX_OE : 0) | (e & FE_UNDERFLOW ? MX_UE : 0) |
                 (e & FE_INEXACT ? MX_PE : 0);
    fesetround(x->host);
#endif
    x->flags |= f;
    if (unlikely(x->flags))
        sse_fp_flags(c, x->flags);
}

/* Read and clear the host's flags (the per-element path below). */
static inline uint32_t host_take_flags(void)
{
#ifdef HOST_MXCSR
    unsigned v = host_getcsr();
    host_setcsr(v & ~0x3fu);
    return v & (MX_IE | MX_ZE | MX_OE | MX_UE | MX_PE);
#else
    int e = fetestexcept(FE_ALL_EXCEPT);
    feclearexcept(FE_ALL_EXCEPT);
    return (e & FE_INVALID ? MX_IE : 0) | (e & FE_DIVBYZERO ? MX_ZE : 0) |
           (e & FE_OVERFLOW ? MX_OE : 0) | (e & FE_UNDERFLOW ? MX_UE : 0) |
           (e & FE_INEXACT ? MX_PE : 0);
#endif
}

/* Report the flags of an instruction that used no host arithmetic. */
static inline void fpx_done(struct cpu *c, struct fpx *x)
{
    if (unlikely(x->flags))
        sse_fp_flags(c, x->flags);
}

/* ---- single precision ---- */

#define F32_SIGN 0x80000000u
#define F32_EXP 0x7f800000u
#define F32_MANT 0x007fffffu
#define F32_QBIT 0x00400000u
#define F32_INDEF 0xffc00000u

static inline float u2f(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static inline uint32_t f2u(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static inline bool f32_nan(uint32_t a)
{
    return (a & ~F32_SIGN) > F32_EXP;
}

static inline bool f32_snan(uint32_t a)
{
    return f32_nan(a) && !(a & F32_QBIT);
}

static inline bool f32_den(uint32_t a)
{
    return !(a & F32_EXP) && (a & F32_MANT);
}

/* A source operand: denormals are zero (DAZ) or flag DE. */
static inline uint32_t f32_in(struct fpx *x, uint32_t a)
{
    if (unlikely(f32_den(a))) {
        if (x->csr & MX_DAZ)
            return a & F32_SIGN;
        x->flags |= MX_DE;
    }
    return a;
}

/* ---- double precision ---- */

#define F64_SIGN 0x8000000000000000ULL
#define F64_EXP 0x7ff0000000000000ULL
#define F64_MANT 0x000fffffffffffffULL
#define F64_QBIT 0x0008000000000000ULL
#define F64_INDEF 0xfff8000000000000ULL

static inline double u2d(uint64_t u)
{
    double f;
    memcpy(&f, &u, 8);
    return f;
}

static inline uint64_t d2u(double f)
{
    uint64_t u;
    memcpy(&u, &f, 8);
    return u;
}

static inline bool f64_nan(uint64_t a)
{
    return (a & ~F64_SIGN) > F64_EXP;
}

static inline bool f64_snan(uint64_t a)
{
    return f64_nan(a) && !(a & F64_QBIT);
}

static inline bool f64_den(uint64_t a)
{
    return !(a & F64_EXP) && (a & F64_MANT);
}

static inline uint64_t f64_in(struct fpx *x, uint64_t a)
{
    if (unlikely(f64_den(a))) {
        if (x->csr & MX_DAZ)
            return a & F64_SIGN;
        x->flags |= MX_DE;
    }
    return a;
}

/* ---- element operations ---- */

enum fop { FADD, FSUB, FMUL, FDIV, FMIN, FMAX, FSQRT, FCVT };

#define ALWAYS static inline __attribute__((always_inline))

/* ---- results ---- */

/* A value as sign, integer significand and exponent: v = m * 2^e. */
struct dec {
    uint64_t m;
    int e;
    bool neg;
};

static struct dec dec_of(uint64_t u, bool dbl)
{
    struct dec d;
    if (dbl) {
        unsigned ex = (unsigned)(u >> 52) & 0x7ff;
        d.m = (u & F64_MANT) | (ex ? 1ULL << 52 : 0);
        d.e = (ex ? (int)ex : 1) - 1075;
        d.neg = u >> 63;
    } else {
        unsigned ex = (unsigned)(u >> 23) & 0xff;
        d.m = (u & F32_MANT) | (ex ? 1u << 23 : 0);
        d.e = (ex ? (int)ex : 1) - 150;
        d.neg = (u >> 31) & 1;
    }
    return d;
}

/* Does m have at most `bits` significant bits? */
static bool fits(unsigned __int128 m, unsigned bits)
{
    if (!m)
        return true;
    while (!(m & 1))
        m >>= 1;
    return m < ((unsigned __int128)1 << bits);
}

/* Is the result of `op` exact when rounded to the destination precision
 * with an unbounded exponent?  That is what PE reports when overflow or
 * underflow is unmasked (the scaled result an x87-style handler would
 * see).  Integer arithmetic: independent of the host's rounding mode.
 * FCVT: double a to single. */
static bool unbounded_exact(enum fop op, bool dbl, uint64_t a, uint64_t b)
{
    unsigned prec = dbl ? 53 : 24;
    if (op == FCVT)
        return fits(dec_of(a, true).m, 24);
    struct dec x = dec_of(a, dbl), y = dec_of(b, dbl);
    if (!x.m || !y.m)
        return true;
    if (op == FMUL)
        return fits((unsigned __int128)x.m * y.m, prec);
    if (op == FDIV) {
        uint64_t ox = x.m >> __builtin_ctzll(x.m), oy = y.m >> __builtin_ctzll(y.m);
        return ox % oy == 0 && fits(ox / oy, prec);
    }
    if (op == FSUB)
        y.neg = !y.neg;
    if (x.e < y.e) {
        struct dec t = x;
        x = y;
        y = t;
    }
    int d = x.e - y.e;
    if (d > 74) /* the smaller operand lies wholly below the precision */
        return false;
    unsigned __int128 p = (unsigned __int128)x.m << d, q = y.m;
    return fits(x.neg == y.neg ? p + q : p > q ? p - q : q - p, prec);
}

/* The unusual path: overflow or underflow unmasked.  The host flags are
 * taken per element: an overflowing or tiny element reports PE only if its
 * unbounded-exponent rounding is inexact, and a tiny one reports UE even
 * when exact (SDM Vol. 1, 4.9.1.4-4.9.1.5; the destination is not written
 * since the instruction then faults). */
static __attribute__((noinline, cold)) uint64_t out_unmasked(struct fpx *x, uint64_t u, bool dbl,
                                                             enum fop op, uint64_t a, uint64_t b)
{
    uint32_t f = host_take_flags();
    bool den = dbl ? f64_den(u) : f32_den((uint32_t)u);
    bool tiny = !(x->csr & MX_UM) && (den || (f & MX_UE));
    bool ovf = !(x->csr & MX_OM) && (f & MX_OE);
    if (tiny || ovf) {
        f = (f & ~(MX_PE | MX_UE)) | (tiny ? MX_UE : 0) | (f & MX_OE);
        if (!unbounded_exact(op, dbl, a, b))
            f |= MX_PE;
    } else if (den && (x->csr & MX_FTZ)) {
        f |= MX_UE | MX_PE;
        u &= dbl ? F64_SIGN : F32_SIGN;
    }
    x->flags |= f;
    if (dbl ? f64_nan(u) : f32_nan((uint32_t)u))
        u = dbl ? F64_INDEF : F32_INDEF;
    return u;
}

/* A computed result: NaN means an invalid operation (the host's default
 * NaN may differ: use the indefinite); a denormal result is tiny: flushed
 * to zero under FTZ with UE and PE (underflow masked). */
ALWAYS uint32_t f32_out(struct fpx *x, float r, enum fop op, uint64_t a, uint64_t b)
{
    uint32_t u = f2u(r);
    if (unlikely((x->csr & (MX_UM | MX_OM)) != (MX_UM | MX_OM)))
        return (uint32_t)out_unmasked(x, u, false, op, a, b);
    if (unlikely(f32_den(u))) {
        if (x->csr & MX_FTZ) {
            x->flags |= MX_UE | MX_PE;
            u &= F32_SIGN;
        }
    } else if (unlikely(f32_nan(u))) {
        u = F32_INDEF;
    }
    return u;
}

ALWAYS uint64_t f64_out(struct fpx *x, double r, enum fop op, uint64_t a, uint64_t b)
{
    uint64_t u = d2u(r);
    if (unlikely((x->csr & (MX_UM | MX_OM)) != (MX_UM | MX_OM)))
        return out_unmasked(x, u, true, op, a, b);
    if (unlikely(f64_den(u))) {
        if (x->csr & MX_FTZ) {
            x->flags |= MX_UE | MX_PE;
            u &= F64_SIGN;
        }
    } else if (unlikely(f64_nan(u))) {
        u = F64_INDEF;
    }
    return u;
}

/* One binary operation on single-precision bit patterns (a = first
 * source/destination, b = second source).  SQRT uses only b. */
ALWAYS uint32_t f32_op(struct fpx *x, enum fop op, uint32_t a, uint32_t b)
{
    if (op == FMIN || op == FMAX) {
        /* Any NaN (quiet too) is invalid and the second operand is
         * returned (after DAZ); so is either zero when both are zeros. */
        if (f32_nan(a) || f32_nan(b)) {
            x->flags |= MX_IE;
            return ((x->csr & MX_DAZ) && f32_den(b)) ? b & F32_SIGN : b;
        }
        a = f32_in(x, a);
        b = f32_in(x, b);
        if (op == FMIN)
            return u2f(a) < u2f(b) ? a : b;
        return u2f(a) > u2f(b) ? a : b;
    }
    if (op == FSQRT) {
        if (f32_nan(b)) {
            x->flags |= f32_snan(b) ? MX_IE : 0;
            return b | F32_QBIT;
        }
        /* A negative denormal is invalid (that outranks DE), or -0 under
         * DAZ. */
        if (unlikely(f32_den(b))) {
            if (x->csr & MX_DAZ)
                b &= F32_SIGN;
            else if (!(b & F32_SIGN))
                x->flags |= MX_DE;
        }
        if ((b & F32_SIGN) && (b & ~F32_SIGN)) { /* negative, not -0 */
            x->flags |= MX_IE;
            return F32_INDEF;
        }
        float fb = u2f(b), r;
        FPB(fb);
        r = sqrtf(fb);
        FPB(r);
        return f2u(r);
    }
    if (unlikely(f32_nan(a) || f32_nan(b))) {
        if (f32_snan(a) || f32_snan(b))
            x->flags |= MX_IE;
        return (f32_nan(a) ? a : b) | F32_QBIT;
    }
    uint32_t de = x->flags & MX_DE;
    a = f32_in(x, a);
    b = f32_in(x, b);
    float fa = u2f(a), fb = u2f(b), r;
    FPB(fa);
    FPB(fb);
    switch (op) {
    case FADD: r = fa + fb; break;
    case FSUB: r = fa - fb; break;
    case FMUL: r = fa * fb; break;
    default: r = fa / fb; break;
    }
    FPB(r);
    /* Invalid and divide-by-zero outrank the denormal exception of the
     * same element (SDM Vol. 1, 4.9.2): no DE for them. */
    if (unlikely(f32_nan(f2u(r)) || (op == FDIV && !(b & ~F32_SIGN))))
        x->flags &= ~MX_DE | de;
    return f32_out(x, r, op, a, b);
}

ALWAYS uint64_t f64_op(struct fpx *x, enum fop op, uint64_t a, uint64_t b)
{
    if (op == FMIN || op == FMAX) {
        if (f64_nan(a) || f64_nan(b)) {
            x->flags |= MX_IE;
            return ((x->csr & MX_DAZ) && f64_den(b)) ? b & F64_SIGN : b;
        }
        a = f64_in(x, a);
        b = f64_in(x, b);
        if (op == FMIN)
            return u2d(a) < u2d(b) ? a : b;
        return u2d(a) > u2d(b) ? a : b;
    }
    if (op == FSQRT) {
        if (f64_nan(b)) {
            x->flags |= f64_snan(b) ? MX_IE : 0;
            return b | F64_QBIT;
        }
        /* A negative denormal is invalid (that outranks DE), or -0 under
         * DAZ. */
        if (unlikely(f64_den(b))) {
            if (x->csr & MX_DAZ)
                b &= F64_SIGN;
            else if (!(b & F64_SIGN))
                x->flags |= MX_DE;
        }
        if ((b & F64_SIGN) && (b & ~F64_SIGN)) { /* negative, not -0 */
            x->flags |= MX_IE;
            return F64_INDEF;
        }
        double fb = u2d(b), r;
        FPB(fb);
        r = sqrt(fb);
        FPB(r);
        return d2u(r);
    }
    if (unlikely(f64_nan(a) || f64_nan(b))) {
        if (f64_snan(a) || f64_snan(b))
            x->flags |= MX_IE;
        return (f64_nan(a) ? a : b) | F64_QBIT;
    }
    uint32_t de = x->flags & MX_DE;
    a = f64_in(x, a);
    b = f64_in(x, b);
    double fa = u2d(a), fb = u2d(b), r;
    FPB(fa);
    FPB(fb);
    switch (op) {
    case FADD: r = fa + fb; break;
    case FSUB: r = fa - fb; break;
    case FMUL: r = fa * fb; break;
    default: r = fa / fb; break;
    }
    FPB(r);
    /* Invalid and divide-by-zero outrank the denormal exception of the
     * same element (SDM Vol. 1, 4.9.2): no DE for them. */
    if (unlikely(f64_nan(d2u(r)) || (op == FDIV && !(b & ~F64_SIGN))))
        x->flags &= ~MX_DE | de;
    return f64_out(x, r, op, a, b);
}

/* ---- packed and scalar arithmetic ---- */

#define DEF_FP(name, op)                                                                  \
    void sse_##name##ps(struct cpu *c, const struct insn *i)                              \
    {                                                                                     \
        xmm_t s, r, *d = &c->xmm[i->reg];                                                 \
        struct fpx x;                                                                     \
        sse_enter(c);                                                                     \
        xmm_src(c, i, &s, true);                                                          \
        fpx_begin(c, &x);                                                                 \
        for (unsigned k = 0; k < 4; k++)                                                  \
            r.d[k] = f32_op(&x, op, d->d[k], s.d[k]);                                     \
        fpx_end(c, &x);                                                                   \
        *d = r;                                                                           \
        next(c, i);                                                                       \
    }                                                                                     \
    void sse_##name##pd(struct cpu *c, const struct insn *i)                              \
    {                                                                                     \
        xmm_t s, r, *d = &c->xmm[i->reg];                                                 \
        struct fpx x;                                                                     \
        sse_enter(c);                                                                     \
        xmm_src(c, i, &s, true);                                                          \
        fpx_begin(c, &x);                                                                 \
        for (unsigned k = 0; k < 2; k++)                                                  \
            r.q[k] = f64_op(&x, op, d->q[k], s.q[k]);                                     \
        fpx_end(c, &x);                                                                   \
        *d = r;                                                                           \
        next(c, i);                                                                       \
    }                                                                                     \
    void sse_##name##ss(struct cpu *c, const struct insn *i)                              \
    {                                                                                     \
        struct fpx x;                                                                     \
        sse_enter(c);                                                                     \
        uint32_t s = xmm_src32(c, i);                                                     \
        fpx_begin(c, &x);                                                                 \
        uint32_t r = f32_op(&x, op, c->xmm[i->reg].d[0], s);                              \
        fpx_end(c, &x);                                                                   \
        c->xmm[i->reg].d[0] = r;                                                          \
        next(c, i);                                                                       \
    }                                                                                     \
    void sse_##name##sd(struct cpu *c, const struct insn *i)                              \
    {                                                                                     \
        struct fpx x;                                                                     \
        sse_enter(c);                                                                     \
        uint64_t s = xmm_src64(c, i);                                                     \
        fpx_begin(c, &x);                                                                 \
        uint64_t r = f64_op(&x, op, c->xmm[i->reg].q[0], s);                              \
        fpx_end(c, &x);                                                                   \
        c->xmm[i->reg].q[0] = r;                                                          \
        next(c, i);                                                                       \
    }

DEF_FP(add, FADD)
DEF_FP(sub, FSUB)
DEF_FP(mul, FMUL)
DEF_FP(div, FDIV)
DEF_FP(min, FMIN)
DEF_FP(max, FMAX)
DEF_FP(sqrt, FSQRT)

/* ---- SSE3: ADDSUB and horizontal add/subtract ---- */

void sse_addsubps(struct cpu *c, const struct insn *i)
{
    xmm_t s, r, *d = &c->xmm[i->reg];
    struct fpx x;
    sse_enter(c);
    xmm_src(c, i, &s, true);
    fpx_begin(c, &x);
    for (unsigned k = 0; k < 4; k += 2) {
        r.d[k] = f32_op(&x, FSUB, d->d[k], s.d[k]);
        r.d[k + 1] = f32_op(&x, FADD, d->d[k + 1], s.d[k + 1]);
    }
    fpx_end(c, &x);
    *d = r;
    next(c, i);
}

void sse_addsubpd(struct cpu *c, const struct insn *i)
{
    xmm_t s, r, *d = &c->xmm[i->reg];
    struct fpx x;
    sse_enter(c);
    xmm_src(c, i, &s, true);
    fpx_begin(c, &x);
    r.q[0] = f64_op(&x, FSUB, d->q[0], s.q[0]);
    r.q[1] = f64_op(&x, FADD, d->q[1], s.q[1]);
    fpx_end(c, &x);
    *d = r;
    next(c, i);
}

static void hps(struct cpu *c, const struct insn *i, enum fop op)
{
    xmm_t s, r, *d = &c->xmm[i->reg];
    struct fpx x;
    sse_enter(c);
    xmm_src(c, i, &s, true);
    fpx_begin(c, &x);
    r.d[0] = f32_op(&x, op, d->d[0], d->d[1]);
    r.d[1] = f32_op(&x, op, d->d[2], d->d[3]);
    r.d[2] = f32_op(&x, op, s.d[0], s.d[1]);
    r.d[3] = f32_op(&x, op, s.d[2], s.d[3]);
    fpx_end(c, &x);
    *d = r;
    next(c, i);
}

static void hpd(struct cpu *c, const struct insn *i, enum fop op)
{
    xmm_t s, r, *d = &c->xmm[i->reg];
    struct fpx x;
    sse_enter(c);
    xmm_src(c, i, &s, true);
    fpx_begin(c, &x);
    r.q[0] = f64_op(&x, op, d->q[0], d->q[1]);
    r.q[1] = f64_op(&x, op, s.q[0], s.q[1]);
    fpx_end(c, &x);
    *d = r;
    next(c, i);
}

void sse_haddps(struct cpu *c, const struct insn *i) { hps(c, i, FADD); }
void sse_hsubps(struct cpu *c, const struct insn *i) { hps(c, i, FSUB); }
void sse_haddpd(struct cpu *c, const struct insn *i) { hpd(c, i, FADD); }
void sse_hsubpd(struct cpu *c, const struct insn *i) { hpd(c, i, FSUB); }

/* ---- RCP / RSQRT: no flags, denormal sources read as zero, tiny results
 * flush to zero, rounding control ignored ---- */

static uint32_t f32_rcp(uint32_t a)
{
    if (f32_nan(a))
        return a | F32_QBIT;
    uint32_t sign = a & F32_SIGN, mag = a & ~F32_SIGN;
    if (mag < 0x00800000u) /* zero or denormal */
        return sign | F32_EXP;
    if (mag == F32_EXP)
        return sign;
    /* Round the exact reciprocal once from double (nearest, like RC=0). */
    double r = 1.0 / (double)u2f(a);
    if (fabs(r) < (double)FLT_MIN)
        return sign;
    return f2u((float)r);
}

static uint32_t f32_rsqrt(uint32_t a)
{
    if (f32_nan(a))
        return a | F32_QBIT;
    uint32_t sign = a & F32_SIGN, mag = a & ~F32_SIGN;
    if (mag < 0x00800000u)
        return sign | F32_EXP;
    if (sign)
        return F32_INDEF;
    if (mag == F32_EXP)
        return 0;
    return f2u((float)(1.0 / sqrt((double)u2f(a))));
}

/* The host arithmetic above runs in the host's own mode with its flags
 * ignored: the guest MXCSR is untouched. */
void sse_rcpps(struct cpu *c, const struct insn *i)
{
    xmm_t s;
    sse_enter(c);
    xmm_src(c, i, &s, true);
    for (unsigned k = 0; k < 4; k++)
        c->xmm[i->reg].d[k] = f32_rcp(s.d[k]);
    next(c, i);
}

void sse_rcpss(struct cpu *c, const struct insn *i)
{
    sse_enter(c);
    uint32_t s = xmm_src32(c, i);
    c->xmm[i->reg].d[0] = f32_rcp(s);
    next(c, i);
}

void sse_rsqrtps(struct cpu *c, const struct insn *i)
{
    xmm_t s;
    sse_enter(c);
    xmm_src(c, i, &s, true);
    for (unsigned k = 0; k < 4; k++)
        c->xmm[i->reg].d[k] = f32_rsqrt(s.d[k]);
    next(c, i);
}

void sse_rsqrtss(struct cpu *c, const struct insn *i)
{
    sse_enter(c);
    uint32_t s = xmm_src32(c, i);
    c->xmm[i->reg].d[0] = f32_rsqrt(s);
    next(c, i);
}

/* ---- compares ---- */

/* CMPccPS predicates 0-7: EQ_OQ LT_OS LE_OS UNORD_Q NEQ_UQ NLT_US NLE_US
 * ORD_Q.  The _S ones signal invalid on QNaNs too. */
static inline bool cmp_pred(unsigned p, bool unord, bool lt, bool eq)
{
    if (unord)
        return p >= 3 && p <= 6;
    switch (p & 7) {
    case 0: return eq;
    case 1: return lt;
    case 2: return lt || eq;
    case 3: return false;
    case 4: return !eq;
    case 5: return !lt;
    case 6: return !(lt || eq);
    default: return true;
    }
}

static inline bool pred_signals(unsigned p)
{
    return p == 1 || p == 2 || p == 5 || p == 6;
}

static inline uint32_t f32_cmp(struct fpx *x, unsigned p, uint32_t a, uint32_t b)
{
    if (f32_nan(a) || f32_nan(b)) {
        if (f32_snan(a) || f32_snan(b) || pred_signals(p))
            x->flags |= MX_IE;
        return cmp_pred(p, true, false, false) ? 0xffffffffu : 0;
    }
    float fa = u2f(f32_in(x, a)), fb = u2f(f32_in(x, b));
    return cmp_pred(p, false, fa < fb, fa == fb) ? 0xffffffffu : 0;
}

static inline uint64_t f64_cmp(struct fpx *x, unsigned p, uint64_t a, uint64_t b)
{
    if (f64_nan(a) || f64_nan(b)) {
        if (f64_snan(a) || f64_snan(b) || pred_signals(p))
            x->flags |= MX_IE;
        return cmp_pred(p, true, false, false) ? ~0ULL : 0;
    }
    double fa = u2d(f64_in(x, a)), fb = u2d(f64_in(x, b));
    return cmp_pred(p, false, fa < fb, fa == fb) ? ~0ULL : 0;
}

void sse_cmpps(struct cpu *c, const struct insn *i)
{
    xmm_t s, r;
    struct fpx x;
    unsigned p = i->imm & 7;
    sse_enter(c);
    xmm_src(c, i, &s, true);
    fpx_init(c, &x);
    for (unsigned k = 0; k < 4; k++)
        r.d[k] = f32_cmp(&x, p, c->xmm[i->reg].d[k], s.d[k]);
    fpx_done(c, &x);
    c->xmm[i->reg] = r;
    next(c, i);
}

void sse_cmppd(struct cpu *c, const struct insn *i)
{
    xmm_t s, r;
    struct fpx x;
    unsigned p = i->imm & 7;
    sse_enter(c);
    xmm_src(c, i, &s, true);
    fpx_init(c, &x);
    for (unsigned k = 0; k < 2; k++)
        r.q[k] = f64_cmp(&x, p, c->xmm[i->reg].q[k], s.q[k]);
    fpx_done(c, &x);
    c->xmm[i->reg] = r;
    next(c, i);
}

void sse_cmpss(struct cpu *c, const struct insn *i)
{
    struct fpx x;
    sse_enter(c);
    uint32_t s = xmm_src32(c, i);
    fpx_init(c, &x);
    uint32_t r = f32_cmp(&x, i->imm & 7, c->xmm[i->reg].d[0], s);
    fpx_done(c, &x);
    c->xmm[i->reg].d[0] = r;
    next(c, i);
}

void sse_cmpsd(struct cpu *c, const struct insn *i)
{
    struct fpx x;
    sse_enter(c);
    uint64_t s = xmm_src64(c, i);
    fpx_init(c, &x);
    uint64_t r = f64_cmp(&x, i->imm & 7, c->xmm[i->reg].q[0], s);
    fpx_done(c, &x);
    c->xmm[i->reg].q[0] = r;
    next(c, i);
}

/* COMISS/COMISD (aux 1: QNaN invalid too) and UCOMISS/UCOMISD: ZF PF CF =
 * 111 unordered, 000 greater, 001 less, 100 equal; OF SF AF cleared. */
static void set_comi(struct cpu *c, struct fpx *x, bool unord, bool lt, bool eq)
{
    fpx_done(c, x);
    uint32_t f = unord ? (F_ZF | F_PF | F_CF) : lt ? F_CF : eq ? F_ZF : 0;
    c->cc_op = CC_EFLAGS;
    c->cc_src = f;
}

void sse_comiss(struct cpu *c, const struct insn *i)
{
    struct fpx x;
    sse_enter(c);
    uint32_t b = xmm_src32(c, i), a = c->xmm[i->reg].d[0];
    fpx_init(c, &x);
    if (f32_nan(a) || f32_nan(b)) {
        if (i->aux || f32_snan(a) || f32_snan(b))
            x.flags |= MX_IE;
        set_comi(c, &x, true, false, false);
    } else {
        float fa = u2f(f32_in(&x, a)), fb = u2f(f32_in(&x, b));
        set_comi(c, &x, false, fa < fb, fa == fb);
    }
    next(c, i);
}

void sse_comisd(struct cpu *c, const struct insn *i)
{
    struct fpx x;
    sse_enter(c);
    uint64_t b = xmm_src64(c, i), a = c->xmm[i->reg].q[0];
    fpx_init(c, &x);
    if (f64_nan(a) || f64_nan(b)) {
        if (i->aux || f64_snan(a) || f64_snan(b))
            x.flags |= MX_IE;
        set_comi(c, &x, true, false, false);
    } else {
        double fa = u2d(f64_in(&x, a)), fb = u2d(f64_in(&x, b));
        set_comi(c, &x, false, fa < fb, fa == fb);
    }
    next(c, i);
}

/* ---- shuffles ---- */

void sse_shufps(struct cpu *c, const struct insn *i)
{
    xmm_t s, r, *d = &c->xmm[i->reg];
    unsigned imm = (unsigned)i->imm;
    sse_enter(c);
    xmm_src(c, i, &s, true);
    r.d[0] = d->d[imm & 3];
    r.d[1] = d->d[(imm >> 2) & 3];
    r.d[2] = s.d[(imm >> 4) & 3];
    r.d[3] = s.d[(imm >> 6) & 3];
    *d = r;
    next(c, i);
}

void sse_shufpd(struct cpu *c, const struct insn *i)
{
    xmm_t s, r, *d = &c->xmm[i->reg];
    unsigned imm = (unsigned)i->imm;
    sse_enter(c);
    xmm_src(c, i, &s, true);
    r.q[0] = d->q[imm & 1];
    r.q[1] = s.q[(imm >> 1) & 1];
    *d = r;
    next(c, i);
}

/* ---- conversions ---- */

/* Float to integer, exactly: round v (not NaN-checked) by RC, or truncate;
 * NaN or out of range gives the integer indefinite with IE, otherwise PE
 * if inexact.  No host FP state is involved. */
static int64_t to_int(struct fpx *x, double v, bool trunc, bool q)
{
    if (v != v) {
        x->flags |= MX_IE;
        return q ? INT64_MIN : INT32_MIN;
    }
    double t = __builtin_trunc(v);
    if (!trunc && t != v) {
        double frac = v - t; /* exact: |v| < 2^52 here, or t == v */
        switch ((x->csr >> MX_RC_SHIFT) & 3) {
        case 0: /* nearest, ties to even */
            if (fabs(frac) > 0.5 || (fabs(frac) == 0.5 && fmod(t, 2.0) != 0))
                t += v < 0 ? -1.0 : 1.0;
            break;
        case 1: /* down */
            if (frac < 0)
                t -= 1.0;
            break;
        case 2: /* up */
            if (frac > 0)
                t += 1.0;
            break;
        default: /* toward zero */
            break;
        }
    }
    double lim = q ? 9223372036854775808.0 : 2147483648.0;
    if (!(t >= -lim && t < lim)) {
        x->flags |= MX_IE;
        return q ? INT64_MIN : INT32_MIN;
    }
    if (t != v)
        x->flags |= MX_PE;
    return (int64_t)t;
}

/* DAZ applies to conversion sources too; they do not report DE. */
static inline double cvt_in32(struct fpx *x, uint32_t a)
{
    if (f32_den(a) && (x->csr & MX_DAZ))
        a &= F32_SIGN;
    return (double)u2f(a);
}

static inline double cvt_in64(struct fpx *x, uint64_t a)
{
    if (f64_den(a) && (x->csr & MX_DAZ))
        a &= F64_SIGN;
    return u2d(a);
}

static inline uint32_t f32_to_i32(struct fpx *x, uint32_t a, bool trunc)
{
    return (uint32_t)to_int(x, cvt_in32(x, a), trunc, false);
}

static inline uint32_t f64_to_i32(struct fpx *x, uint64_t a, bool trunc)
{
    return (uint32_t)to_int(x, cvt_in64(x, a), trunc, false);
}

/* CVT(T)PS2DQ xmm, xmm/m128 */
void sse_cvtps2dq(struct cpu *c, const struct insn *i)
{
    xmm_t s, r;
    struct fpx x;
    sse_enter(c);
    xmm_src(c, i, &s, true);
    fpx_init(c, &x);
    for (unsigned k = 0; k < 4; k++)
        r.d[k] = f32_to_i32(&x, s.d[k], i->aux);
    fpx_done(c, &x);
    c->xmm[i->reg] = r;
    next(c, i);
}

/* CVT(T)PD2DQ xmm, xmm/m128: upper half zeroed */
void sse_cvtpd2dq(struct cpu *c, const struct insn *i)
{
    xmm_t s, r;
    struct fpx x;
    sse_enter(c);
    xmm_src(c, i, &s, true);
    fpx_init(c, &x);
    r.d[0] = f64_to_i32(&x, s.q[0], i->aux);
    r.d[1] = f64_to_i32(&x, s.q[1], i->aux);
    r.q[1] = 0;
    fpx_done(c, &x);
    c->xmm[i->reg] = r;
    next(c, i);
}

/* CVT(T)PS2PI mm, xmm/m64 */
void sse_cvtps2pi(struct cpu *c, const struct insn *i)
{
    struct fpx x;
    sse_enter(c);
    mmx_enter(c);
    uint64_t s = xmm_src64(c, i);
    fpx_init(c, &x);
    uint64_t r = f32_to_i32(&x, (uint32_t)s, i->aux);
    r |= (uint64_t)f32_to_i32(&x, (uint32_t)(s >> 32), i->aux) << 32;
    fpx_done(c, &x);
    mmx_set(c, i->reg, r);
    next(c, i);
}

/* CVT(T)PD2PI mm, xmm/m128 */
void sse_cvtpd2pi(struct cpu *c, const struct insn *i)
{
    xmm_t s;
    struct fpx x;
    sse_enter(c);
    mmx_enter(c);
    xmm_src(c, i, &s, true);
    fpx_init(c, &x);
    uint64_t r = f64_to_i32(&x, s.q[0], i->aux);
    r |= (uint64_t)f64_to_i32(&x, s.q[1], i->aux) << 32;
    fpx_done(c, &x);
    mmx_set(c, i->reg, r);
    next(c, i);
}

/* CVT(T)SS2SI / CVT(T)SD2SI r32/64, xmm/m32/64 */
void sse_cvtss2si(struct cpu *c, const struct insn *i)
{
    struct fpx x;
    unsigned sz = sse_gpr_size(i);
    sse_enter(c);
    uint32_t s = xmm_src32(c, i);
    fpx_init(c, &x);
    int64_t r = to_int(&x, cvt_in32(&x, s), i->aux, sz == 8);
    fpx_done(c, &x);
    reg_write(c, i->reg, sz, 0, (uint64_t)r);
    next(c, i);
}

void sse_cvtsd2si(struct cpu *c, const struct insn *i)
{
    struct fpx x;
    unsigned sz = sse_gpr_size(i);
    sse_enter(c);
    uint64_t s = xmm_src64(c, i);
    fpx_init(c, &x);
    int64_t r = to_int(&x, cvt_in64(&x, s), i->aux, sz == 8);
    fpx_done(c, &x);
    reg_write(c, i->reg, sz, 0, (uint64_t)r);
    next(c, i);
}

/* Integer to float: rounded by the host in the guest's mode (PE). */
static inline uint32_t i32_to_f32(int32_t v)
{
    float r = (float)v;
    FPB(r);
    return f2u(r);
}

/* CVTDQ2PS xmm, xmm/m128 */
void sse_cvtdq2ps(struct cpu *c, const struct insn *i)
{
    xmm_t s, r;
    struct fpx x;
    sse_enter(c);
    xmm_src(c, i, &s, true);
    fpx_begin(c, &x);
    for (unsigned k = 0; k < 4; k++) {
        int32_t v = (int32_t)s.d[k];
        FPBI(v);
        r.d[k] = i32_to_f32(v);
    }
    fpx_end(c, &x);
    c->xmm[i->reg] = r;
    next(c, i);
}

/* CVTPI2PS xmm, mm/m64: the low two elements; an MMX register source puts
 * the x87 unit in MMX state. */
void sse_cvtpi2ps(struct cpu *c, const struct insn *i)
{
    struct fpx x;
    uint64_t s;
    sse_enter(c);
    if (i->mod == 3) {
        mmx_enter(c);
        s = mmx_get(c, i->rm);
    } else {
        s = cpu_rd64(c, i->seg, insn_ea(c, i));
    }
    fpx_begin(c, &x);
    int32_t v0 = (int32_t)s, v1 = (int32_t)(s >> 32);
    FPBI(v0);
    FPBI(v1);
    uint32_t r0 = i32_to_f32(v0), r1 = i32_to_f32(v1);
    fpx_end(c, &x);
    c->xmm[i->reg].d[0] = r0;
    c->xmm[i->reg].d[1] = r1;
    if (i->mod == 3)
        mmx_transition(c);
    next(c, i);
}

/* CVTPI2PD xmm, mm/m64: exact */
void sse_cvtpi2pd(struct cpu *c, const struct insn *i)
{
    uint64_t s;
    sse_enter(c);
    if (i->mod == 3) {
        mmx_enter(c);
        s = mmx_get(c, i->rm);
        mmx_transition(c);
    } else {
        s = cpu_rd64(c, i->seg, insn_ea(c, i));
    }
    c->xmm[i->reg].q[0] = d2u((double)(int32_t)s);
    c->xmm[i->reg].q[1] = d2u((double)(int32_t)(s >> 32));
    next(c, i);
}

/* CVTDQ2PD xmm, xmm/m64: exact */
void sse_cvtdq2pd(struct cpu *c, const struct insn *i)
{
    sse_enter(c);
    uint64_t s = xmm_src64(c, i);
    c->xmm[i->reg].q[0] = d2u((double)(int32_t)s);
    c->xmm[i->reg].q[1] = d2u((double)(int32_t)(s >> 32));
    next(c, i);
}

/* CVTSI2SS / CVTSI2SD xmm, r/m32/64 */
void sse_cvtsi2ss(struct cpu *c, const struct insn *i)
{
    struct fpx x;
    sse_enter(c);
    unsigned sz = sse_gpr_size(i);
    int64_t v = sext(rm_read(c, i, sz), sz);
    fpx_begin(c, &x);
    FPBI(v);
    float r = (float)v;
    FPB(r);
    fpx_end(c, &x);
    c->xmm[i->reg].d[0] = f2u(r);
    next(c, i);
}

void sse_cvtsi2sd(struct cpu *c, const struct insn *i)
{
    struct fpx x;
    sse_enter(c);
    unsigned sz = sse_gpr_size(i);
    int64_t v = sext(rm_read(c, i, sz), sz);
    fpx_begin(c, &x);
    FPBI(v);
    double r = (double)v;
    FPB(r);
    fpx_end(c, &x);
    c->xmm[i->reg].q[0] = d2u(r);
    next(c, i);
}

/* Single to double: exact; NaNs quieted with the payload kept. */
static inline uint64_t f32_to_f64(struct fpx *x, uint32_t a)
{
    if (f32_nan(a)) {
        if (f32_snan(a))
            x->flags |= MX_IE;
        return ((uint64_t)(a & F32_SIGN) << 32) | F64_EXP | F64_QBIT |
               ((uint64_t)(a & F32_MANT) << 29);
    }
    return d2u((double)u2f(f32_in(x, a)));
}

/* Double to single: rounded by the host in the guest's mode. */
static inline uint32_t f64_to_f32(struct fpx *x, uint64_t a)
{
    if (f64_nan(a)) {
        if (f64_snan(a))
            x->flags |= MX_IE;
        return (uint32_t)((a & F64_SIGN) >> 32) | F32_EXP | F32_QBIT |
               (uint32_t)((a & F64_MANT) >> 29);
    }
    double v = u2d(f64_in(x, a));
    FPB(v);
    float r = (float)v;
    FPB(r);
    return f32_out(x, r, FCVT, a, 0);
}

void sse_cvtps2pd(struct cpu *c, const struct insn *i)
{
    struct fpx x;
    sse_enter(c);
    uint64_t s = xmm_src64(c, i);
    fpx_init(c, &x);
    uint64_t r0 = f32_to_f64(&x, (uint32_t)s), r1 = f32_to_f64(&x, (uint32_t)(s >> 32));
    fpx_done(c, &x);
    c->xmm[i->reg].q[0] = r0;
    c->xmm[i->reg].q[1] = r1;
    next(c, i);
}

void sse_cvtpd2ps(struct cpu *c, const struct insn *i)
{
    xmm_t s, r;
    struct fpx x;
    sse_enter(c);
    xmm_src(c, i, &s, true);
    fpx_begin(c, &x);
    r.d[0] = f64_to_f32(&x, s.q[0]);
    r.d[1] = f64_to_f32(&x, s.q[1]);
    r.q[1] = 0;
    fpx_end(c, &x);
    c->xmm[i->reg] = r;
    next(c, i);
}

void sse_cvtss2sd(struct cpu *c, const struct insn *i)
{
    struct fpx x;
    sse_enter(c);
    uint32_t s = xmm_src32(c, i);
    fpx_init(c, &x);
    uint64_t r = f32_to_f64(&x, s);
    fpx_done(c, &x);
    c->xmm[i->reg].q[0] = r;
    next(c, i);
}

void sse_cvtsd2ss(struct cpu *c, const struct insn *i)
{
    struct fpx x;
    sse_enter(c);
    uint64_t s = xmm_src64(c, i);
    fpx_begin(c, &x);
    uint32_t r = f64_to_f32(&x, s);
    fpx_end(c, &x);
    c->xmm[i->reg].d[0] = r;
    next(c, i);
}
