/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sse_int.c: packed integer instructions of MMX, SSE, SSE2 and SSSE3, each
 * in its MMX form (64-bit, mm/m64) and its XMM form (128-bit, xmm/m128,
 * 16-byte aligned as legacy SSE requires).
 *
 * Intel SDM Vol. 2 instruction pages (PADDB ... PALIGNR): each operation is
 * written once as a kernel over n bytes (8 or 16) and instantiated for both
 * register files; the kernels follow the pages' "Operation" sections
 * (saturation, rounding of PAVG/PMULHRSW, shift counts above the element
 * width, sign handling of PMADDUBSW/PSIGN).
 *
 * Threat model: register numbers come from the decoder (4 bits, MMX ones
 * masked to 3), element indices from guest bytes are masked to the element
 * count, shift counts are compared before use (no C shift by >= width). */
#include "cpu/soft/sse.h"

#define KERN static inline __attribute__((always_inline)) void

/* ---- saturation ---- */

static inline int8_t sat_s8(int v)
{
    return (int8_t)(v > 127 ? 127 : v < -128 ? -128 : v);
}

static inline uint8_t sat_u8(int v)
{
    return (uint8_t)(v > 255 ? 255 : v < 0 ? 0 : v);
}

static inline int16_t sat_s16(int v)
{
    return (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
}

static inline uint16_t sat_u16(int v)
{
    return (uint16_t)(v > 65535 ? 65535 : v < 0 ? 0 : v);
}

#define SB(x, k) ((int8_t)(x)->b[k])
#define SW(x, k) ((int16_t)(x)->w[k])
#define SD(x, k) ((int32_t)(x)->d[k])

/* ---- instantiation: one kernel, two handlers ---- */

/* The MMX form reads mm/m64 (or m32 for the low unpacks: `lo32`). */
static inline uint64_t mmx_src_lo32(struct cpu *c, const struct insn *i)
{
    return i->mod == 3 ? mmx_get(c, i->rm) : cpu_rd32(c, i->seg, insn_ea(c, i));
}

#define DEF_OP(name, kern, mmsrc)                                                         \
    void mmx_##name(struct cpu *c, const struct insn *i)                                  \
    {                                                                                     \
        xmm_t d, s;                                                                       \
        mmx_enter(c);                                                                     \
        s.q[0] = mmsrc(c, i);                                                             \
        d.q[0] = mmx_get(c, i->reg);                                                      \
        kern(&d, &s, 8);                                                                  \
        mmx_set(c, i->reg, d.q[0]);                                                       \
        next(c, i);                                                                       \
    }                                                                                     \
    void sse_##name(struct cpu *c, const struct insn *i)                                  \
    {                                                                                     \
        xmm_t s;                                                                          \
        sse_enter(c);                                                                     \
        xmm_src(c, i, &s, true);                                                          \
        kern(&c->xmm[i->reg], &s, 16);                                                    \
        next(c, i);                                                                       \
    }

/* Elementwise: d[k] = expr(a, b) over elements of type `fld`. */
#define ELEM(name, fld, size, expr)                                                       \
    KERN k_##name(xmm_t *d, const xmm_t *s, unsigned n)                                   \
    {                                                                                     \
        for (unsigned k = 0; k < n / (size); k++) {                                       \
            __typeof__(d->fld[0]) a = d->fld[k], b = s->fld[k];                           \
            (void)a;                                                                      \
            d->fld[k] = (__typeof__(d->fld[0]))(expr);                                    \
        }                                                                                 \
    }                                                                                     \
    DEF_OP(name, k_##name, mmx_src)

/* ---- arithmetic ---- */

ELEM(paddb, b, 1, a + b)
ELEM(paddw, w, 2, a + b)
ELEM(paddd, d, 4, a + b)
ELEM(paddq, q, 8, a + b)
ELEM(psubb, b, 1, a - b)
ELEM(psubw, w, 2, a - b)
ELEM(psubd, d, 4, a - b)
ELEM(psubq, q, 8, a - b)
ELEM(paddsb, b, 1, sat_s8((int8_t)a + (int8_t)b))
ELEM(paddsw, w, 2, sat_s16((int16_t)a + (int16_t)b))
ELEM(paddusb, b, 1, sat_u8(a + b))
ELEM(paddusw, w, 2, sat_u16(a + b))
ELEM(psubsb, b, 1, sat_s8((int8_t)a - (int8_t)b))
ELEM(psubsw, w, 2, sat_s16((int16_t)a - (int16_t)b))
ELEM(psubusb, b, 1, sat_u8(a - b))
ELEM(psubusw, w, 2, sat_u16(a - b))
ELEM(pmullw, w, 2, (int16_t)a * (int16_t)b)
ELEM(pmulhw, w, 2, ((int16_t)a * (int16_t)b) >> 16)
ELEM(pmulhuw, w, 2, ((uint32_t)a * b) >> 16)
ELEM(pavgb, b, 1, (a + b + 1) >> 1)
ELEM(pavgw, w, 2, ((uint32_t)a + b + 1) >> 1)
ELEM(pminub, b, 1, a < b ? a : b)
ELEM(pmaxub, b, 1, a > b ? a : b)
ELEM(pminsw, w, 2, (int16_t)a < (int16_t)b ? a : b)
ELEM(pmaxsw, w, 2, (int16_t)a > (int16_t)b ? a : b)
ELEM(pcmpeqb, b, 1, a == b ? 0xff : 0)
ELEM(pcmpeqw, w, 2, a == b ? 0xffff : 0)
ELEM(pcmpeqd, d, 4, a == b ? 0xffffffffu : 0)
ELEM(pcmpgtb, b, 1, (int8_t)a > (int8_t)b ? 0xff : 0)
ELEM(pcmpgtw, w, 2, (int16_t)a > (int16_t)b ? 0xffff : 0)
ELEM(pcmpgtd, d, 4, (int32_t)a > (int32_t)b ? 0xffffffffu : 0)
ELEM(pand, q, 8, a & b)
ELEM(pandn, q, 8, ~a & b)
ELEM(por, q, 8, a | b)
ELEM(pxor, q, 8, a ^ b)
/* SSSE3 PMULHRSW: bits 16:1 of ((a * b) >> 14) + 1 */
ELEM(pmulhrsw, w, 2, ((((int16_t)a * (int16_t)b) >> 14) + 1) >> 1)
/* PSIGN: negate, zero or keep by the sign of the source */
ELEM(psignb, b, 1, (int8_t)b < 0 ? -a : b ? a : 0)
ELEM(psignw, w, 2, (int16_t)b < 0 ? -a : b ? a : 0)
ELEM(psignd, d, 4, (int32_t)b < 0 ? -a : b ? a : 0)
/* PABS: unsigned result, so |-128| is 0x80 */
ELEM(pabsb, b, 1, (int8_t)b < 0 ? -b : b)
ELEM(pabsw, w, 2, (int16_t)b < 0 ? -b : b)
ELEM(pabsd, d, 4, (int32_t)b < 0 ? -b : b)

KERN k_pmuludq(xmm_t *d, const xmm_t *s, unsigned n)
{
    for (unsigned k = 0; k < n / 8; k++)
        d->q[k] = (uint64_t)d->d[2 * k] * s->d[2 * k];
}
DEF_OP(pmuludq, k_pmuludq, mmx_src)

KERN k_pmaddwd(xmm_t *d, const xmm_t *s, unsigned n)
{
    for (unsigned k = 0; k < n / 4; k++) {
        /* Only 0x8000 * 0x8000 twice overflows: the sum wraps to 0x80000000. */
        int64_t v = (int64_t)SW(d, 2 * k) * SW(s, 2 * k) +
                    (int64_t)SW(d, 2 * k + 1) * SW(s, 2 * k + 1);
        d->d[k] = (uint32_t)v;
    }
}
DEF_OP(pmaddwd, k_pmaddwd, mmx_src)

/* SSSE3 PMADDUBSW: unsigned bytes of the destination times signed bytes of
 * the source, adjacent pairs summed with signed saturation. */
KERN k_pmaddubsw(xmm_t *d, const xmm_t *s, unsigned n)
{
    for (unsigned k = 0; k < n / 2; k++) {
        int v = d->b[2 * k] * SB(s, 2 * k) + d->b[2 * k + 1] * SB(s, 2 * k + 1);
        d->w[k] = (uint16_t)sat_s16(v);
    }
}
DEF_OP(pmaddubsw, k_pmaddubsw, mmx_src)

KERN k_psadbw(xmm_t *d, const xmm_t *s, unsigned n)
{
    for (unsigned g = 0; g < n / 8; g++) {
        unsigned sum = 0;
        for (unsigned k = 0; k < 8; k++) {
            int diff = d->b[8 * g + k] - s->b[8 * g + k];
            sum += (unsigned)(diff < 0 ? -diff : diff);
        }
        d->q[g] = sum;
    }
}
DEF_OP(psadbw, k_psadbw, mmx_src)

/* ---- horizontal (SSSE3): pairs of the destination, then of the source ---- */

#define HORIZ(name, fld, size, expr)                                                      \
    KERN k_##name(xmm_t *d, const xmm_t *s, unsigned n)                                   \
    {                                                                                     \
        xmm_t r;                                                                          \
        unsigned half = n / (size) / 2;                                                   \
        for (unsigned k = 0; k < half; k++) {                                             \
            __typeof__(d->fld[0]) a = d->fld[2 * k], b = d->fld[2 * k + 1];               \
            r.fld[k] = (__typeof__(d->fld[0]))(expr);                                     \
        }                                                                                 \
        for (unsigned k = 0; k < half; k++) {                                             \
            __typeof__(d->fld[0]) a = s->fld[2 * k], b = s->fld[2 * k + 1];               \
            r.fld[half + k] = (__typeof__(d->fld[0]))(expr);                              \
        }                                                                                 \
        memcpy(d, &r, n);                                                                 \
    }                                                                                     \
    DEF_OP(name, k_##name, mmx_src)

HORIZ(phaddw, w, 2, a + b)
HORIZ(phaddd, d, 4, a + b)
HORIZ(phaddsw, w, 2, sat_s16((int16_t)a + (int16_t)b))
HORIZ(phsubw, w, 2, a - b)
HORIZ(phsubd, d, 4, a - b)
HORIZ(phsubsw, w, 2, sat_s16((int16_t)a - (int16_t)b))

/* ---- pack and unpack ---- */

KERN k_packsswb(xmm_t *d, const xmm_t *s, unsigned n)
{
    xmm_t r;
    for (unsigned k = 0; k < n / 2; k++) {
        r.b[k] = (uint8_t)sat_s8(SW(d, k));
        r.b[n / 2 + k] = (uint8_t)sat_s8(SW(s, k));
    }
    memcpy(d, &r, n);
}
DEF_OP(packsswb, k_packsswb, mmx_src)

KERN k_packuswb(xmm_t *d, const xmm_t *s, unsigned n)
{
    xmm_t r;
    for (unsigned k = 0; k < n / 2; k++) {
        r.b[k] = sat_u8(SW(d, k));
        r.b[n / 2 + k] = sat_u8(SW(s, k));
    }
    memcpy(d, &r, n);
}
DEF_OP(packuswb, k_packuswb, mmx_src)

KERN k_packssdw(xmm_t *d, const xmm_t *s, unsigned n)
{
    xmm_t r;
    for (unsigned k = 0; k < n / 4; k++) {
        r.w[k] = (uint16_t)sat_s16(SD(d, k));
        r.w[n / 4 + k] = (uint16_t)sat_s16(SD(s, k));
    }
    memcpy(d, &r, n);
}
DEF_OP(packssdw, k_packssdw, mmx_src)

/* Interleave the low (hi = 0) or high halves of d and s. */
#define UNPACK(name, fld, size, hi, mmsrc)                                                \
    KERN k_##name(xmm_t *d, const xmm_t *s, unsigned n)                                   \
    {                                                                                     \
        xmm_t r;                                                                          \
        unsigned half = n / (size) / 2, base = (hi) ? half : 0;                           \
        for (unsigned k = 0; k < half; k++) {                                             \
            r.fld[2 * k] = d->fld[base + k];                                              \
            r.fld[2 * k + 1] = s->fld[base + k];                                          \
        }                                                                                 \
        memcpy(d, &r, n);                                                                 \
    }                                                                                     \
    DEF_OP(name, k_##name, mmsrc)

UNPACK(punpcklbw, b, 1, 0, mmx_src_lo32)
UNPACK(punpcklwd, w, 2, 0, mmx_src_lo32)
UNPACK(punpckldq, d, 4, 0, mmx_src_lo32)
UNPACK(punpckhbw, b, 1, 1, mmx_src)
UNPACK(punpckhwd, w, 2, 1, mmx_src)
UNPACK(punpckhdq, d, 4, 1, mmx_src)

void sse_punpcklqdq(struct cpu *c, const struct insn *i)
{
    xmm_t s;
    sse_enter(c);
    xmm_src(c, i, &s, true);
    c->xmm[i->reg].q[1] = s.q[0];
    next(c, i);
}

void sse_punpckhqdq(struct cpu *c, const struct insn *i)
{
    xmm_t s;
    sse_enter(c);
    xmm_src(c, i, &s, true);
    c->xmm[i->reg].q[0] = c->xmm[i->reg].q[1];
    c->xmm[i->reg].q[1] = s.q[1];
    next(c, i);
}

/* ---- shuffles ---- */

KERN k_pshufb(xmm_t *d, const xmm_t *s, unsigned n)
{
    xmm_t r;
    for (unsigned k = 0; k < n; k++)
        r.b[k] = (s->b[k] & 0x80) ? 0 : d->b[s->b[k] & (n - 1)];
    memcpy(d, &r, n);
}
DEF_OP(pshufb, k_pshufb, mmx_src)

/* Four 16/32-bit elements of s picked by the 2-bit fields of imm8. */
static inline uint64_t shuf4w(uint64_t s, unsigned imm)
{
    uint64_t r = 0;
    for (unsigned k = 0; k < 4; k++)
        r |= ((s >> (((imm >> (2 * k)) & 3) * 16)) & 0xffff) << (16 * k);
    return r;
}

void sse_pshufw(struct cpu *c, const struct insn *i)
{
    mmx_enter(c);
    uint64_t s = mmx_src(c, i);
    mmx_set(c, i->reg, shuf4w(s, (unsigned)i->imm));
    next(c, i);
}

void sse_pshufd(struct cpu *c, const struct insn *i)
{
    xmm_t s, *d = &c->xmm[i->reg];
    unsigned imm = (unsigned)i->imm;
    sse_enter(c);
    xmm_src(c, i, &s, true);
    for (unsigned k = 0; k < 4; k++)
        d->d[k] = s.d[(imm >> (2 * k)) & 3];
    next(c, i);
}

void sse_pshufhw(struct cpu *c, const struct insn *i)
{
    xmm_t s;
    sse_enter(c);
    xmm_src(c, i, &s, true);
    c->xmm[i->reg].q[0] = s.q[0];
    c->xmm[i->reg].q[1] = shuf4w(s.q[1], (unsigned)i->imm);
    next(c, i);
}

void sse_pshuflw(struct cpu *c, const struct insn *i)
{
    xmm_t s;
    sse_enter(c);
    xmm_src(c, i, &s, true);
    c->xmm[i->reg].q[0] = shuf4w(s.q[0], (unsigned)i->imm);
    c->xmm[i->reg].q[1] = s.q[1];
    next(c, i);
}

/* PALIGNR: the concatenation dest:src (dest high) shifted right by imm8
 * bytes; bytes beyond the concatenation read as zero. */
KERN k_palignr(xmm_t *d, const xmm_t *s, unsigned n, unsigned imm)
{
    uint8_t cat[48] = { 0 }; /* src, dest, zeros */
    memcpy(cat, s, n);
    memcpy(cat + n, d, n);
    xmm_t r;
    for (unsigned k = 0; k < n; k++)
        r.b[k] = imm + k < 2 * n ? cat[imm + k] : 0;
    memcpy(d, &r, n);
}

void mmx_palignr(struct cpu *c, const struct insn *i)
{
    xmm_t d, s;
    mmx_enter(c);
    s.q[0] = mmx_src(c, i);
    d.q[0] = mmx_get(c, i->reg);
    k_palignr(&d, &s, 8, (unsigned)i->imm);
    mmx_set(c, i->reg, d.q[0]);
    next(c, i);
}

void sse_palignr(struct cpu *c, const struct insn *i)
{
    xmm_t s;
    sse_enter(c);
    xmm_src(c, i, &s, true);
    k_palignr(&c->xmm[i->reg], &s, 16, (unsigned)i->imm);
    next(c, i);
}

/* ---- shifts: by xmm/mm/m count (all 64 bits of it) or by imm8 ---- */

#define SHIFTK(name, fld, bits, expr)                                                     \
    KERN sh_##name(xmm_t *d, uint64_t cnt, unsigned n)                                    \
    {                                                                                     \
        for (unsigned k = 0; k < n * 8 / (bits); k++) {                                   \
            __typeof__(d->fld[0]) a = d->fld[k];                                          \
            d->fld[k] = (__typeof__(d->fld[0]))(expr);                                    \
        }                                                                                 \
    }                                                                                     \
    KERN k_##name(xmm_t *d, const xmm_t *s, unsigned n)                                   \
    {                                                                                     \
        sh_##name(d, s->q[0], n);                                                         \
    }                                                                                     \
    DEF_OP(name, k_##name, mmx_src)                                                       \
    void mmx_##name##_i(struct cpu *c, const struct insn *i)                              \
    {                                                                                     \
        xmm_t d;                                                                          \
        mmx_enter(c);                                                                     \
        d.q[0] = mmx_get(c, i->rm);                                                       \
        sh_##name(&d, i->imm, 8);                                                         \
        mmx_set(c, i->rm, d.q[0]);                                                        \
        next(c, i);                                                                       \
    }                                                                                     \
    void sse_##name##_i(struct cpu *c, const struct insn *i)                              \
    {                                                                                     \
        sse_enter(c);                                                                     \
        sh_##name(&c->xmm[i->rm], i->imm, 16);                                            \
        next(c, i);                                                                       \
    }

SHIFTK(psllw, w, 16, cnt > 15 ? 0 : a << cnt)
SHIFTK(pslld, d, 32, cnt > 31 ? 0 : a << cnt)
SHIFTK(psllq, q, 64, cnt > 63 ? 0 : a << cnt)
SHIFTK(psrlw, w, 16, cnt > 15 ? 0 : a >> cnt)
SHIFTK(psrld, d, 32, cnt > 31 ? 0 : a >> cnt)
SHIFTK(psrlq, q, 64, cnt > 63 ? 0 : a >> cnt)
SHIFTK(psraw, w, 16, (int16_t)a >> (cnt > 15 ? 15 : cnt))
SHIFTK(psrad, d, 32, (int32_t)a >> (cnt > 31 ? 31 : cnt))

/* PSRLDQ / PSLLDQ xmm, imm8: whole-register byte shifts. */
void sse_psrldq_i(struct cpu *c, const struct insn *i)
{
    xmm_t *d = &c->xmm[i->rm], r;
    unsigned sh = (unsigned)i->imm;
    sse_enter(c);
    for (unsigned k = 0; k < 16; k++)
        r.b[k] = k + sh < 16 ? d->b[k + sh] : 0;
    *d = r;
    next(c, i);
}

void sse_pslldq_i(struct cpu *c, const struct insn *i)
{
    xmm_t *d = &c->xmm[i->rm], r;
    unsigned sh = (unsigned)i->imm;
    sse_enter(c);
    for (unsigned k = 0; k < 16; k++)
        r.b[k] = k >= sh ? d->b[k - sh] : 0;
    *d = r;
    next(c, i);
}
