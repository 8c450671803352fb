/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Soft CPU: MMX, SSE, SSE2, SSE3 and SSSE3.  Expected values are worked out
 * from the Intel SDM Vol. 2 instruction pages ("Operation" sections) and
 * Vol. 1 chapters 4, 9-12 (NaN rules, MXCSR, exception model, MMX/x87
 * aliasing); exception cases from the pages' exception tables.
 *
 * Table-driven: all cases of a table are assembled once into 64-byte slots
 * and each case runs from its slot to the HLT after it; an IDT (IVT in real
 * mode) sends every exception to a stub that puts its vector in EBP. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include "tests/support/softcpu.h"
#include "cpu/soft/sse.h"

#define SLOT 64
#define STUBS 0x7000 /* exception stubs: vector v at STUBS + v * 8 */
#define IDT_ADDR 0x30000
#define NOEXC 0xdeadu
#define DATA ST_DATA_ADDR

/* ---- harness ---- */

static void install_idt(struct soft_test *st)
{
    struct cpu *c = st->c;
    for (unsigned v = 0; v < 32; v++) {
        uint64_t h = ST_CODE_ADDR + STUBS + v * 8;
        if (st->mode == ST_REAL) {
            uint32_t e = (uint32_t)(ST_CODE_ADDR >> 4) << 16 | (STUBS + v * 8);
            machine_write_phys(st->m, v * 4, &e, 4);
        } else {
            uint64_t g[2] = { (h & 0xffff) | (0x10ULL << 16) | (0x8eULL << 40) |
                                  ((h >> 16 & 0xffff) << 48),
                              h >> 32 };
            unsigned sz = st->mode == ST_LONG64 ? 16 : 8;
            machine_write_phys(st->m, IDT_ADDR + v * sz, g, sz);
        }
    }
    if (st->mode == ST_REAL) {
        c->idt.base = 0;
        c->idt.limit = 0x3ff;
    } else {
        c->idt.base = IDT_ADDR;
        c->idt.limit = 32 * (st->mode == ST_LONG64 ? 16 : 8) - 1;
    }
}

static const char stubs[] =
    ".irp v,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,"
    "28,29,30,31\n.org 0x7000+\\v*8\nmov $\\v, %ebp\nhlt\n.endr\n";

/* A machine with SSE enabled (CR4.OSFXSR/OSXMMEXCPT), exception stubs, and
 * `n` code snippets assembled at slots 0..n-1 (each followed by HLT). */
static struct soft_test *batch_new(enum st_mode mode, const char *const *code, size_t stride,
                                   unsigned n, const char *(*edit)(const char *))
{
    struct soft_test *st = st_new(mode);
    GString *s = g_string_new("");
    for (unsigned k = 0; k < n; k++) {
        const char *text = *(const char *const *)((const char *)code + k * stride);
        g_string_append_printf(s, ".org %u\n%s\nhlt\n", k * SLOT, edit ? edit(text) : text);
    }
    g_string_append(s, stubs);
    st_asm(st, s->str);
    g_string_free(s, true);
    install_idt(st);
    st->c->cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    st->c->cr0 |= CR0_NE;
    return st;
}

static struct soft_test *snippet(enum st_mode mode, const char *code)
{
    const char *list[1] = { code };
    return batch_new(mode, list, sizeof(list[0]), 1, NULL);
}

/* Run slot k; returns the exception vector taken, or -1. */
static int run_slot(struct soft_test *st, unsigned k)
{
    struct cpu *c = st->c;
    c->rip = (st->mode == ST_REAL ? 0 : ST_CODE_ADDR) + k * SLOT;
    c->halted = false;
    c->regs[R_BP] = NOEXC;
    c->regs[R_SP] = st->mode == ST_REAL ? 0xfff0 : ST_STACK_TOP;
    c->regs[R_BX] = st->mode == ST_REAL ? 0 : DATA; /* (%bx)/(%ebx)/(%rbx): the data area */
    g_assert_cmpint(st_run(st, 1000), ==, ST_HALTED);
    return c->regs[R_BP] == NOEXC ? -1 : (int)c->regs[R_BP];
}

static void setx(struct cpu *c, unsigned r, const uint64_t v[2])
{
    c->xmm[r].q[0] = v[0];
    c->xmm[r].q[1] = v[1];
}

static void assert_x(struct cpu *c, unsigned r, const uint64_t v[2], const char *what)
{
    if (c->xmm[r].q[0] != v[0] || c->xmm[r].q[1] != v[1])
        g_error("%s: xmm%u = %016" PRIx64 ":%016" PRIx64 ", expected %016" PRIx64
                ":%016" PRIx64,
                what, r, c->xmm[r].q[1], c->xmm[r].q[0], v[1], v[0]);
}

static void wr_data(struct soft_test *st, uint64_t off, const void *p, size_t n)
{
    g_assert_cmpint(machine_write_phys(st->m, DATA + off, p, n), ==, 0);
}

static uint64_t rd_data64(struct soft_test *st, uint64_t off)
{
    uint64_t v;
    machine_read_phys(st->m, DATA + off, &v, 8);
    return v;
}

/* 64-bit mode variants of 32-bit-mode text: xmm0/xmm1 -> xmm8/xmm9 and
 * 32-bit address registers -> 64-bit. */
static const char *to_long(const char *t)
{
    static char buf[256];
    GString *s = g_string_new(t);
    g_string_replace(s, "%xmm0", "%xmm8", 0);
    g_string_replace(s, "%xmm1", "%xmm9", 0);
    g_string_replace(s, "(%ebx)", "(%rbx)", 0);
    g_strlcpy(buf, s->str, sizeof(buf));
    g_string_free(s, true);
    return buf;
}

static const char *to_real(const char *t)
{
    static char buf[256];
    GString *s = g_string_new(t);
    g_string_replace(s, "(%ebx)", "(%bx)", 0);
    g_strlcpy(buf, s->str, sizeof(buf));
    g_string_free(s, true);
    return buf;
}

/* ---- packed integer (XMM forms; MMX forms of the elementwise ones are
 * derived from the low halves) ---- */

struct icase {
    const char *insn; /* dest %xmm0, source %xmm1 or (%ebx) (same value) */
    uint64_t d[2], s[2], r[2];
    bool elem;        /* elementwise: the MMX form gives the low half */
};

#define W2(a, b) { a, b }
static const struct icase icases[] = {
    { "paddb %xmm1, %xmm0", W2(0x7f80ff0102030405, 0), W2(0x0180ff0101010101, ~0ULL),
      W2(0x8000fe0203040506, ~0ULL), true },
    { "paddsb %xmm1, %xmm0", W2(0x7f80ff0102030405, 0), W2(0x0180ff0101010101, ~0ULL),
      W2(0x7f80fe0203040506, ~0ULL), true },
    { "paddusb %xmm1, %xmm0", W2(0x7f80ff0102030405, 0), W2(0x0180ff0101010101, ~0ULL),
      W2(0x80ffff0203040506, ~0ULL), true },
    { "psubb %xmm1, %xmm0", W2(0x7f80ff0102030405, 0), W2(0x0180ff0101010101, ~0ULL),
      W2(0x7e00000001020304, 0x0101010101010101), true },
    { "psubsb (%ebx), %xmm0", W2(0x807f7f8000000000, 0), W2(0x01ff80ff00000000, 0),
      W2(0x807f7f8100000000, 0), true },
    { "psubusb %xmm1, %xmm0", W2(0x807f7f8000000000, 0), W2(0x01ff80ff00000000, 0),
      W2(0x7f00000000000000, 0), true },
    { "paddw %xmm1, %xmm0", W2(0x7fff8000ffff0001, 0x0001000200030004),
      W2(0x00018000ffff0001, ~0ULL), W2(0x80000000fffe0002, 0x0000000100020003), true },
    { "paddsw %xmm1, %xmm0", W2(0x7fff8000ffff0001, 0x0001000200030004),
      W2(0x00018000ffff0001, ~0ULL), W2(0x7fff8000fffe0002, 0x0000000100020003), true },
    { "paddusw %xmm1, %xmm0", W2(0x7fff8000ffff0001, 0x0001000200030004),
      W2(0x00018000ffff0001, ~0ULL), W2(0x8000ffffffff0002, ~0ULL), true },
    { "psubw %xmm1, %xmm0", W2(0x7fff8000ffff0001, 0x0001000200030004),
      W2(0x00018000ffff0001, ~0ULL), W2(0x7ffe000000000000, 0x0002000300040005), true },
    { "psubsw %xmm1, %xmm0", W2(0x80007fff00007fff, 0), W2(0x0001ffff80008000, 0),
      W2(0x80007fff7fff7fff, 0), true },
    { "psubusw %xmm1, %xmm0", W2(0x80007fff00007fff, 0), W2(0x0001ffff80008000, 0),
      W2(0x7fff000000000000, 0), true },
    { "paddd %xmm1, %xmm0", W2(0x7fffffff00000001, 0xffffffff80000000),
      W2(0x00000001ffffffff, 0x0000000180000000), W2(0x8000000000000000, 0), true },
    { "psubd %xmm1, %xmm0", W2(0x7fffffff00000001, 0xffffffff80000000),
      W2(0x00000001ffffffff, 0x0000000180000000), W2(0x7ffffffe00000002, 0xfffffffe00000000),
      true },
    { "paddq %xmm1, %xmm0", W2(~0ULL, 0x7fffffffffffffff), W2(1, 1),
      W2(0, 0x8000000000000000), true },
    { "psubq %xmm1, %xmm0", W2(~0ULL, 0x7fffffffffffffff), W2(1, 1),
      W2(0xfffffffffffffffe, 0x7ffffffffffffffe), true },
    { "pmullw %xmm1, %xmm0", W2(0x80007fffffff0100, 0x0002000300040005),
      W2(0x80007fffffff0100, 0xfffe000300020001), W2(0x0000000100010000, 0xfffc000900080005),
      true },
    { "pmulhw %xmm1, %xmm0", W2(0x80007fffffff0100, 0x0002000300040005),
      W2(0x80007fffffff0100, 0xfffe000300020001), W2(0x40003fff00000001, 0xffff000000000000),
      true },
    { "pmulhuw %xmm1, %xmm0", W2(0x80007fffffff0100, 0x0002000300040005),
      W2(0x80007fffffff0100, 0xfffe000300020001), W2(0x40003ffffffe0001, 0x0001000000000000),
      true },
    { "pmuludq %xmm1, %xmm0", W2(0x12345678ffffffff, 0xaaaaaaaa00000002),
      W2(0xdeadbeefffffffff, 0x5555555580000000), W2(0xfffffffe00000001, 0x0000000100000000),
      true },
    { "pmaddwd %xmm1, %xmm0", W2(0x8000800000010002, 0x7fff7fffffff0001),
      W2(0x8000800000030004, 0x7fff800000050003), W2(0x800000000000000b, 0xffff8001fffffffe),
      true },
    { "pand %xmm1, %xmm0", W2(0xff00ff00f0f0f0f0, 0x0123456789abcdef),
      W2(0x0ff00ff00ff00ff0, 0xffffffff00000000), W2(0x0f000f0000f000f0, 0x0123456700000000),
      true },
    { "pandn %xmm1, %xmm0", W2(0xff00ff00f0f0f0f0, 0x0123456789abcdef),
      W2(0x0ff00ff00ff00ff0, 0xffffffff00000000), W2(0x00f000f00f000f00, 0xfedcba9800000000),
      true },
    { "por %xmm1, %xmm0", W2(0xff00ff00f0f0f0f0, 0x0123456789abcdef),
      W2(0x0ff00ff00ff00ff0, 0xffffffff00000000), W2(0xfff0fff0fff0fff0, 0xffffffff89abcdef),
      true },
    { "pxor (%ebx), %xmm0", W2(0xff00ff00f0f0f0f0, 0x0123456789abcdef),
      W2(0x0ff00ff00ff00ff0, 0xffffffff00000000), W2(0xf0f0f0f0ff00ff00, 0xfedcba9889abcdef),
      true },
    /* The PS/PD logic forms move the same bits. */
    { "andnps %xmm1, %xmm0", W2(0xff00ff00f0f0f0f0, 0x0123456789abcdef),
      W2(0x0ff00ff00ff00ff0, 0xffffffff00000000), W2(0x00f000f00f000f00, 0xfedcba9800000000) },
    { "orpd %xmm1, %xmm0", W2(0xff00ff00f0f0f0f0, 0x0123456789abcdef),
      W2(0x0ff00ff00ff00ff0, 0xffffffff00000000), W2(0xfff0fff0fff0fff0, 0xffffffff89abcdef) },
    { "andpd %xmm1, %xmm0", W2(0xff00ff00f0f0f0f0, 0x0123456789abcdef),
      W2(0x0ff00ff00ff00ff0, 0xffffffff00000000), W2(0x0f000f0000f000f0, 0x0123456700000000) },
    { "xorps %xmm1, %xmm0", W2(0xff00ff00f0f0f0f0, 0x0123456789abcdef),
      W2(0x0ff00ff00ff00ff0, 0xffffffff00000000), W2(0xf0f0f0f0ff00ff00, 0xfedcba9889abcdef) },
    { "pavgb %xmm1, %xmm0", W2(0xff000180fe7f0300, 0), W2(0xff010281ff800400, 0),
      W2(0xff010281ff800400, 0), true },
    { "pavgw %xmm1, %xmm0", W2(0xffff000080000001, 0), W2(0xffff000180010002, 0),
      W2(0xffff000180010002, 0), true },
    { "pminub %xmm1, %xmm0", W2(0x00ff7f8001020304, 0), W2(0xff008000040302ff, 0x0101010101010101),
      W2(0x00007f0001020204, 0), true },
    { "pmaxub %xmm1, %xmm0", W2(0x00ff7f8001020304, 0), W2(0xff008000040302ff, 0x0101010101010101),
      W2(0xffff8080040303ff, 0x0101010101010101), true },
    { "pminsw %xmm1, %xmm0", W2(0x80007fffffff0001, 0), W2(0x7fff800000000001, 0),
      W2(0x80008000ffff0001, 0), true },
    { "pmaxsw %xmm1, %xmm0", W2(0x80007fffffff0001, 0), W2(0x7fff800000000001, 0),
      W2(0x7fff7fff00000001, 0), true },
    /* PSADBW: sum of |d - s| over each 8-byte half, in the half's low word */
    { "psadbw %xmm1, %xmm0", W2(0x605040302010ff00, ~0ULL), W2(0x60405030102000ff, 0),
      W2(0x23e, 0x7f8), true },
    { "pcmpeqb %xmm1, %xmm0", W2(0x7f80ff0001020304, 0), W2(0x7f7f00ff01030203, 0),
      W2(0xff000000ff000000, ~0ULL), true },
    { "pcmpgtb %xmm1, %xmm0", W2(0x7f80ff0001020304, 0), W2(0x7f7f00ff01030203, 0),
      W2(0x000000ff0000ffff, 0), true },
    { "pcmpeqw %xmm1, %xmm0", W2(0x80007fff0001ffff, 0), W2(0x7fff800000010000, 0),
      W2(0x00000000ffff0000, ~0ULL), true },
    { "pcmpgtw %xmm1, %xmm0", W2(0x80007fff0001ffff, 0), W2(0x7fff800000010000, 0),
      W2(0x0000ffff00000000, 0), true },
    { "pcmpeqd %xmm1, %xmm0", W2(0x8000000000000001, 0x7fffffffffffffff),
      W2(0x7fffffff00000001, 0x8000000000000000), W2(0x00000000ffffffff, 0), true },
    { "pcmpgtd %xmm1, %xmm0", W2(0x8000000000000001, 0x7fffffffffffffff),
      W2(0x7fffffff00000001, 0x8000000000000000), W2(0, 0xffffffff00000000), true },
    { "packsswb %xmm1, %xmm0", W2(0x7fff0080ff7f0001, 0x8000ffff007fff80),
      W2(0x0001000200030004, 0xfffefffd0100fe00), W2(0x80ff7f807f7f8001, 0xfefd7f8001020304) },
    { "packuswb %xmm1, %xmm0", W2(0x7fff0080ff7f0001, 0x8000ffff007fff80),
      W2(0x0001000200030004, 0xfffefffd0100fe00), W2(0x00007f00ff800001, 0x0000ff0001020304) },
    { "packssdw %xmm1, %xmm0", W2(0x0000800000007fff, 0xffffffffffff7fff),
      W2(0x8000000012345678, 0xfffffffe00000001), W2(0xffff80007fff7fff, 0xfffe000180007fff) },
    { "punpcklbw %xmm1, %xmm0", W2(0x0706050403020100, 0x0f0e0d0c0b0a0908),
      W2(0x1716151413121110, 0x1f1e1d1c1b1a1918), W2(0x1303120211011000, 0x1707160615051404) },
    { "punpckhbw %xmm1, %xmm0", W2(0x0706050403020100, 0x0f0e0d0c0b0a0908),
      W2(0x1716151413121110, 0x1f1e1d1c1b1a1918), W2(0x1b0b1a0a19091808, 0x1f0f1e0e1d0d1c0c) },
    { "punpcklwd %xmm1, %xmm0", W2(0x0706050403020100, 0x0f0e0d0c0b0a0908),
      W2(0x1716151413121110, 0x1f1e1d1c1b1a1918), W2(0x1312030211100100, 0x1716070615140504) },
    { "punpckhwd %xmm1, %xmm0", W2(0x0706050403020100, 0x0f0e0d0c0b0a0908),
      W2(0x1716151413121110, 0x1f1e1d1c1b1a1918), W2(0x1b1a0b0a19180908, 0x1f1e0f0e1d1c0d0c) },
    { "punpckldq %xmm1, %xmm0", W2(0x0706050403020100, 0x0f0e0d0c0b0a0908),
      W2(0x1716151413121110, 0x1f1e1d1c1b1a1918), W2(0x1312111003020100, 0x1716151407060504) },
    { "punpckhdq %xmm1, %xmm0", W2(0x0706050403020100, 0x0f0e0d0c0b0a0908),
      W2(0x1716151413121110, 0x1f1e1d1c1b1a1918), W2(0x1b1a19180b0a0908, 0x1f1e1d1c0f0e0d0c) },
    { "punpcklqdq %xmm1, %xmm0", W2(0x0706050403020100, 0x0f0e0d0c0b0a0908),
      W2(0x1716151413121110, 0x1f1e1d1c1b1a1918), W2(0x0706050403020100, 0x1716151413121110) },
    { "punpckhqdq (%ebx), %xmm0", W2(0x0706050403020100, 0x0f0e0d0c0b0a0908),
      W2(0x1716151413121110, 0x1f1e1d1c1b1a1918), W2(0x0f0e0d0c0b0a0908, 0x1f1e1d1c1b1a1918) },
    { "unpcklps %xmm1, %xmm0", W2(0x0706050403020100, 0x0f0e0d0c0b0a0908),
      W2(0x1716151413121110, 0x1f1e1d1c1b1a1918), W2(0x1312111003020100, 0x1716151407060504) },
    { "unpckhps %xmm1, %xmm0", W2(0x0706050403020100, 0x0f0e0d0c0b0a0908),
      W2(0x1716151413121110, 0x1f1e1d1c1b1a1918), W2(0x1b1a19180b0a0908, 0x1f1e1d1c0f0e0d0c) },
    { "unpcklpd %xmm1, %xmm0", W2(0x0706050403020100, 0x0f0e0d0c0b0a0908),
      W2(0x1716151413121110, 0x1f1e1d1c1b1a1918), W2(0x0706050403020100, 0x1716151413121110) },
    { "unpckhpd %xmm1, %xmm0", W2(0x0706050403020100, 0x0f0e0d0c0b0a0908),
      W2(0x1716151413121110, 0x1f1e1d1c1b1a1918), W2(0x0f0e0d0c0b0a0908, 0x1f1e1d1c1b1a1918) },
    /* shifts by an xmm/m128 count (its low 64 bits, compared whole) */
    { "psllw %xmm1, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(4, 0),
      W2(0x0000fff00010fff0, 0x0000000000000010), true },
    { "psrlw %xmm1, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(4, 0),
      W2(0x080007ff00000fff, 0x0800000008000000), true },
    { "psraw %xmm1, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(4, 0),
      W2(0xf80007ff0000ffff, 0xf8000000f8000000), true },
    { "pslld %xmm1, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(4, 0),
      W2(0x0007fff0001ffff0, 0x0000000000000010), true },
    { "psrld %xmm1, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(4, 0),
      W2(0x080007ff00001fff, 0x0800000008000000), true },
    { "psrad (%ebx), %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(4, 0),
      W2(0xf80007ff00001fff, 0xf8000000f8000000), true },
    { "psllq %xmm1, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(4, 0),
      W2(0x0007fff0001ffff0, 0x0000000800000010), true },
    { "psrlq %xmm1, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(4, 0),
      W2(0x080007fff0001fff, 0x0800000008000000), true },
    { "psllw %xmm1, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(16, 0), W2(0, 0),
      true },
    { "psraw %xmm1, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(16, 0),
      W2(0xffff00000000ffff, 0xffff0000ffff0000), true },
    { "psrad %xmm1, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(32, 0),
      W2(0xffffffff00000000, ~0ULL), true },
    { "psrld %xmm1, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(32, 0), W2(0, 0),
      true },
    { "psllq %xmm1, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(64, 0), W2(0, 0),
      true },
    { "psrlw %xmm1, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(1ULL << 32, 0),
      W2(0, 0), true },
    { "psrlq %xmm1, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(63, 0xff),
      W2(1, 1), true },
    { "psllw $4, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(0, 0),
      W2(0x0000fff00010fff0, 0x0000000000000010), true },
    { "psraw $15, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(0, 0),
      W2(0xffff00000000ffff, 0xffff0000ffff0000), true },
    { "psrad $200, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(0, 0),
      W2(0xffffffff00000000, ~0ULL), true },
    { "psrld $4, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(0, 0),
      W2(0x080007ff00001fff, 0x0800000008000000), true },
    { "pslld $32, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(0, 0), W2(0, 0),
      true },
    { "psrlq $4, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(0, 0),
      W2(0x080007fff0001fff, 0x0800000008000000), true },
    { "psllq $63, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(0, 0),
      W2(0x8000000000000000, 0x8000000000000000), true },
    { "psrlw $16, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(0, 0), W2(0, 0),
      true },
    { "psrldq $3, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(0, 0),
      W2(0x00000180007fff00, 0x0000008000000080) },
    { "pslldq $3, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(0, 0),
      W2(0xff0001ffff000000, 0x008000000180007f) },
    { "psrldq $16, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(0, 0), W2(0, 0) },
    { "pslldq $255, %xmm0", W2(0x80007fff0001ffff, 0x8000000080000001), W2(0, 0), W2(0, 0) },
    /* shuffles */
    { "pshufd $0x1b, %xmm1, %xmm0", W2(0, 0), W2(0x1111111100000000, 0x3333333322222222),
      W2(0x2222222233333333, 0x0000000011111111) },
    { "pshufd $0, (%ebx), %xmm0", W2(0, 0), W2(0x0003000200010000, 0x0007000600050004),
      W2(0x0001000000010000, 0x0001000000010000) },
    { "pshuflw $0x1b, %xmm1, %xmm0", W2(0, 0), W2(0x0003000200010000, 0x0007000600050004),
      W2(0x0000000100020003, 0x0007000600050004) },
    { "pshufhw $0x1b, %xmm1, %xmm0", W2(0, 0), W2(0x0003000200010000, 0x0007000600050004),
      W2(0x0003000200010000, 0x0004000500060007) },
    { "shufps $0x4e, %xmm1, %xmm0", W2(0x1111111100000000, 0x3333333322222222),
      W2(0x5555555544444444, 0x7777777766666666), W2(0x3333333322222222, 0x5555555544444444) },
    { "shufpd $1, %xmm1, %xmm0", W2(1, 2), W2(3, 4), W2(2, 3) },
    { "shufpd $2, %xmm1, %xmm0", W2(1, 2), W2(3, 4), W2(1, 4) },
    /* SSSE3 */
    { "pshufb %xmm1, %xmm0", W2(0x0706050403020100, 0x0f0e0d0c0b0a0908),
      W2(0x80000f0e01020304, 0x8f7f10ff0c0d0e0f), W2(0x00000f0e01020304, 0x000f00000c0d0e0f) },
    { "phaddw %xmm1, %xmm0", W2(0x0004000300020001, 0x7fff0001ffff0001),
      W2(0x8000800000100020, 0x000000000001ffff), W2(0x8000000000070003, 0x0000000000000030) },
    { "phaddsw %xmm1, %xmm0", W2(0x0004000300020001, 0x7fff0001ffff0001),
      W2(0x8000800000100020, 0x000000000001ffff), W2(0x7fff000000070003, 0x0000000080000030) },
    { "phsubw %xmm1, %xmm0", W2(0x0004000300020001, 0x7fff0001ffff0001),
      W2(0x8000800000100020, 0x000000000001ffff), W2(0x80020002ffffffff, 0x0000fffe00000010) },
    { "phsubsw %xmm1, %xmm0", W2(0x7fff800080007fff, 0), W2(0, 0),
      W2(0x0000000080007fff, 0) },
    { "phaddd %xmm1, %xmm0", W2(0x0000000200000001, 0x8000000080000000),
      W2(0xffffffff00000001, 0x000000007fffffff), W2(0x0000000000000003, 0x7fffffff00000000) },
    { "phsubd %xmm1, %xmm0", W2(0x0000000200000001, 0x8000000080000000),
      W2(0xffffffff00000001, 0x000000007fffffff), W2(0x00000000ffffffff, 0x7fffffff00000002) },
    { "pmaddubsw %xmm1, %xmm0", W2(0x000080800201ffff, 0x000000000000ffff),
      W2(0x0000808004037f7f, 0x0000000000008080), W2(0x00008000000b7fff, 0x0000000000008000),
      true },
    { "pmulhrsw %xmm1, %xmm0", W2(0x800040007fff0001, 0), W2(0x800040007fffffff, 0),
      W2(0x800020007ffe0000, 0), true },
    { "psignb %xmm1, %xmm0", W2(0x080706057f800201, 0x80), W2(0x01ff007f800100ff, 0xff),
      W2(0x08f90005818000ff, 0x80), true },
    { "psignw %xmm1, %xmm0", W2(0x8000000500030001, 0), W2(0xffff000080000001, 0),
      W2(0x80000000fffd0001, 0), true },
    { "psignd %xmm1, %xmm0", W2(0x0000000500000007, 0x8000000000000009),
      W2(0x0000000080000000, 0xffffffff00000001), W2(0x00000000fffffff9, 0x8000000000000009),
      true },
    { "pabsb %xmm1, %xmm0", W2(0, 0), W2(0x02fe81007f01ff80, 0), W2(0x02027f007f010180, 0),
      true },
    { "pabsw %xmm1, %xmm0", W2(0, 0), W2(0x8000ffff7fff0001, 0xfffe), W2(0x800000017fff0001, 2),
      true },
    { "pabsd (%ebx), %xmm0", W2(0, 0), W2(0x80000000ffffffff, 0x7ffffffffffffffe),
      W2(0x8000000000000001, 0x7fffffff00000002), true },
    { "palignr $4, %xmm1, %xmm0", W2(0x0706050403020100, 0x0f0e0d0c0b0a0908),
      W2(0x1716151413121110, 0x1f1e1d1c1b1a1918), W2(0x1b1a191817161514, 0x030201001f1e1d1c) },
    { "palignr $20, %xmm1, %xmm0", W2(0x0706050403020100, 0x0f0e0d0c0b0a0908),
      W2(0x1716151413121110, 0x1f1e1d1c1b1a1918), W2(0x0b0a090807060504, 0x000000000f0e0d0c) },
    { "palignr $32, %xmm1, %xmm0", W2(0x0706050403020100, 0x0f0e0d0c0b0a0908),
      W2(0x1716151413121110, 0x1f1e1d1c1b1a1918), W2(0, 0) },
    { "palignr $0, %xmm1, %xmm0", W2(0x0706050403020100, 0x0f0e0d0c0b0a0908),
      W2(0x1716151413121110, 0x1f1e1d1c1b1a1918), W2(0x1716151413121110, 0x1f1e1d1c1b1a1918) },
    /* data movement through the same path */
    { "movdqa (%ebx), %xmm0", W2(0, 0), W2(0x1122334455667788, 0x99aabbccddeeff00),
      W2(0x1122334455667788, 0x99aabbccddeeff00) },
    { "movdqu %xmm1, %xmm0", W2(0, 0), W2(0x1122334455667788, 0x99aabbccddeeff00),
      W2(0x1122334455667788, 0x99aabbccddeeff00) },
    { "lddqu (%ebx), %xmm0", W2(0, 0), W2(0x1122334455667788, 0x99aabbccddeeff00),
      W2(0x1122334455667788, 0x99aabbccddeeff00) },
    { "movsldup %xmm1, %xmm0", W2(0, 0), W2(0x1111111100000000, 0x3333333322222222),
      W2(0, 0x2222222222222222) },
    { "movshdup (%ebx), %xmm0", W2(0, 0), W2(0x1111111100000000, 0x3333333322222222),
      W2(0x1111111111111111, 0x3333333333333333) },
    { "movddup %xmm1, %xmm0", W2(0, 0), W2(0x1111111100000000, 0x3333333322222222),
      W2(0x1111111100000000, 0x1111111100000000) },
    { "movhlps %xmm1, %xmm0", W2(1, 2), W2(3, 4), W2(4, 2) },
    { "movlhps %xmm1, %xmm0", W2(1, 2), W2(3, 4), W2(1, 3) },
    { "movlps (%ebx), %xmm0", W2(1, 2), W2(3, 4), W2(3, 2) },
    { "movhpd (%ebx), %xmm0", W2(1, 2), W2(3, 4), W2(1, 3) },
    { "movq %xmm1, %xmm0", W2(1, 2), W2(3, 4), W2(3, 0) },
    { "movq (%ebx), %xmm0", W2(1, 2), W2(3, 4), W2(3, 0) },
    { "movss %xmm1, %xmm0", W2(0x1111111122222222, 2), W2(0x3333333344444444, 4),
      W2(0x1111111144444444, 2) },
    { "movss (%ebx), %xmm0", W2(0x1111111122222222, 2), W2(0x3333333344444444, 4),
      W2(0x44444444, 0) },
    { "movsd %xmm1, %xmm0", W2(1, 2), W2(3, 4), W2(3, 2) },
    { "movsd (%ebx), %xmm0", W2(1, 2), W2(3, 4), W2(3, 0) },
};

static const char *icase_insn(unsigned k) { return icases[k].insn; }

static void run_icases(enum st_mode mode)
{
    unsigned n = ARRAY_SIZE(icases);
    const char *(*edit)(const char *) =
        mode == ST_LONG64 ? to_long : mode == ST_REAL ? to_real : NULL;
    unsigned xd = mode == ST_LONG64 ? 8 : 0, xs = xd + 1;
    struct soft_test *st =
        batch_new(mode, &icases[0].insn, sizeof(icases[0]), n, edit);
    struct cpu *c = st->c;
    for (unsigned k = 0; k < n; k++) {
        const struct icase *t = &icases[k];
        setx(c, xd, t->d);
        setx(c, xs, t->s);
        wr_data(st, 0, t->s, 16);
        g_assert_cmpint(run_slot(st, k), ==, -1);
        assert_x(c, xd, t->r, icase_insn(k));
        assert_x(c, xs, t->s, icase_insn(k)); /* the source is untouched */
    }
    st_free(st);
}

static void test_int_xmm32(void) { run_icases(ST_PROT32); }
static void test_int_xmm64(void) { run_icases(ST_LONG64); }
static void test_int_xmm_real(void) { run_icases(ST_REAL); }

/* ---- MMX forms ---- */

struct mcase {
    const char *insn; /* dest %mm0, source %mm1 or (%ebx) (same value) */
    uint64_t d, s, r;
};

static const struct mcase mcases[] = {
    /* unpacks: the low forms read only 32 bits of memory */
    { "punpcklbw %mm1, %mm0", 0x0706050403020100, 0x1716151413121110, 0x1303120211011000 },
    { "punpcklbw (%ebx), %mm0", 0x0706050403020100, 0x1716151413121110, 0x1303120211011000 },
    { "punpckhbw %mm1, %mm0", 0x0706050403020100, 0x1716151413121110, 0x1707160615051404 },
    { "punpcklwd %mm1, %mm0", 0x0706050403020100, 0x1716151413121110, 0x1312030211100100 },
    { "punpckhwd %mm1, %mm0", 0x0706050403020100, 0x1716151413121110, 0x1716070615140504 },
    { "punpckldq (%ebx), %mm0", 0x0706050403020100, 0x1716151413121110, 0x1312111003020100 },
    { "punpckhdq %mm1, %mm0", 0x0706050403020100, 0x1716151413121110, 0x1716151407060504 },
    { "packsswb %mm1, %mm0", 0x7fff0080ff7f0001, 0x8000ffff007fff80, 0x80ff7f807f7f8001 },
    { "packuswb %mm1, %mm0", 0x7fff0080ff7f0001, 0x8000ffff007fff80, 0x00007f00ff800001 },
    { "packssdw %mm1, %mm0", 0x0000800000007fff, 0xffffffffffff7fff, 0xffff80007fff7fff },
    { "pshufb %mm1, %mm0", 0x0706050403020100, 0x8007060f08010203, 0x0007060700010203 },
    { "phaddw %mm1, %mm0", 0x0004000300020001, 0x8000800000200010, 0x0000003000070003 },
    { "phaddsw %mm1, %mm0", 0x7fff00018000ffff, 0, 0x000000007fff8000 },
    { "phsubw %mm1, %mm0", 0x0004000300020001, 0x8000800000200010, 0x0000fff0ffffffff },
    { "phsubsw %mm1, %mm0", 0x7fff800080007fff, 0, 0x0000000080007fff },
    { "phaddd %mm1, %mm0", 0x0000000200000001, 0x7fffffff00000001, 0x8000000000000003 },
    { "phsubd %mm1, %mm0", 0x0000000200000001, 0x7fffffff00000001, 0x80000002ffffffff },
    { "palignr $3, %mm1, %mm0", 0x0706050403020100, 0x1716151413121110, 0x0201001716151413 },
    { "palignr $9, %mm1, %mm0", 0x0706050403020100, 0x1716151413121110, 0x0007060504030201 },
    { "palignr $16, %mm1, %mm0", 0x0706050403020100, 0x1716151413121110, 0 },
    { "pshufw $0x1b, %mm1, %mm0", 0, 0x0003000200010000, 0x0000000100020003 },
    { "pshufw $0xff, (%ebx), %mm0", 0, 0x0003000200010000, 0x0003000300030003 },
    { "pinsrw $2, (%ebx), %mm0", 0x1111222233334444, 0x5555, 0x1111555533334444 },
    { "movq %mm1, %mm0", 1, 0x0123456789abcdef, 0x0123456789abcdef },
    { "movq (%ebx), %mm0", 1, 0x0123456789abcdef, 0x0123456789abcdef },
    { "movd (%ebx), %mm0", 1, 0x0123456789abcdef, 0x89abcdef },
};

/* The elementwise XMM cases in their MMX form: the low halves. */
static const char *mmx_of(const char *t)
{
    static char buf[128];
    GString *s = g_string_new(t);
    g_string_replace(s, "%xmm", "%mm", 0);
    g_strlcpy(buf, s->str, sizeof(buf));
    g_string_free(s, true);
    return buf;
}

static void run_mcases(enum st_mode mode)
{
    const char *(*edit)(const char *) =
        mode == ST_LONG64 ? to_long : mode == ST_REAL ? to_real : NULL;
    GPtrArray *text = g_ptr_array_new_with_free_func(g_free);
    GArray *cases = g_array_new(false, false, sizeof(struct mcase));
    for (unsigned k = 0; k < ARRAY_SIZE(mcases); k++) {
        g_ptr_array_add(text, g_strdup(mcases[k].insn));
        g_array_append_val(cases, mcases[k]);
    }
    for (unsigned k = 0; k < ARRAY_SIZE(icases); k++) {
        if (!icases[k].elem)
            continue;
        struct mcase m = { NULL, icases[k].d[0], icases[k].s[0], icases[k].r[0] };
        g_ptr_array_add(text, g_strdup(mmx_of(icases[k].insn)));
        g_array_append_val(cases, m);
    }
    unsigned n = text->len;
    struct soft_test *st = batch_new(mode, (const char *const *)text->pdata, sizeof(char *), n,
                                     edit);
    struct cpu *c = st->c;
    for (unsigned k = 0; k < n; k++) {
        const struct mcase *t = &g_array_index(cases, struct mcase, k);
        mmx_set(c, 0, t->d);
        mmx_set(c, 1, t->s);
        wr_data(st, 0, &t->s, 8);
        c->ftw = 0xffff;
        c->ftop = 5;
        g_assert_cmpint(run_slot(st, k), ==, -1);
        if (mmx_get(c, 0) != t->r)
            g_error("%s: mm0 = %016" PRIx64 ", expected %016" PRIx64,
                    (const char *)text->pdata[k], mmx_get(c, 0), t->r);
        g_assert_cmphex(mmx_get(c, 1), ==, t->s);
        /* the x87 -> MMX transition: TOP = 0, all tags valid, and the
         * written register's exponent and sign all ones */
        g_assert_cmphex(c->ftw, ==, 0);
        g_assert_cmpint(c->ftop, ==, 0);
        uint8_t *p = (uint8_t *)&c->st[0];
        g_assert_cmphex(p[8] | p[9] << 8, ==, 0xffff);
    }
    st_free(st);
    g_ptr_array_free(text, true);
    g_array_free(cases, true);
}

static void test_int_mmx32(void) { run_mcases(ST_PROT32); }
static void test_int_mmx64(void) { run_mcases(ST_LONG64); }
static void test_int_mmx_real(void) { run_mcases(ST_REAL); }

/* ---- floating point ---- */

#define F1 0x3f800000ULL
#define F2 0x40000000ULL
#define F3 0x40400000ULL
#define F4 0x40800000ULL
#define FHALF 0x3f000000ULL
#define FINF 0x7f800000ULL
#define FNINF 0xff800000ULL
#define FQNAN 0x7fc00000ULL
#define FINDEF 0xffc00000ULL
#define FMAX 0x7f7fffffULL
#define FMIN 0x00800000ULL
#define D1 0x3ff0000000000000ULL
#define D2 0x4000000000000000ULL
#define D3 0x4008000000000000ULL
#define DINF 0x7ff0000000000000ULL
#define DINDEF 0xfff8000000000000ULL
#define DMAX 0x7fefffffffffffffULL
/* two single-precision lanes: a low, b high */
#define P(a, b) (((uint64_t)(b) << 32) | (uint64_t)(a))
#define MXD 0x1f80u /* MXCSR after reset: all masked, RC nearest */

struct fcase {
    const char *insn; /* dest %xmm0, source %xmm1 or (%ebx) */
    uint64_t d[2], s[2], r[2];
    uint32_t mx_in, mx_out; /* mx_in 0: MXD */
    int vec;                /* exception expected (then xmm0 keeps d) */
};

static const struct fcase fcases[] = {
    /* ADD: 1+2, 2-2 = +0, inf-inf invalid (indefinite), QNaN propagates */
    { "addps %xmm1, %xmm0", W2(P(F1, F2), P(FINF, FQNAN)), W2(P(F2, 0xc0000000), P(FNINF, F1)),
      W2(P(F3, 0), P(FINDEF, FQNAN)), 0, MXD | MX_IE, -1 },
    /* NaN rules: SNaN quieted; the first source's NaN wins; IE for SNaN */
    { "addps %xmm1, %xmm0", W2(P(0x7f800001, F1), P(0x7fc00005, 0x7fa00000)),
      W2(P(F1, 0xff800002), P(0xff800002, 0xffc00003)),
      W2(P(0x7fc00001, 0xffc00002), P(0x7fc00005, 0x7fe00000)), 0, MXD | MX_IE, -1 },
    { "addps (%ebx), %xmm0", W2(P(F1, F2), P(F3, F4)), W2(P(F1, F1), P(F1, F1)),
      W2(P(F2, F3), P(F4, 0x40a00000)), 0, MXD, -1 },
    /* overflow by rounding mode: nearest/up -> inf, down/zero -> MAX */
    { "addss %xmm1, %xmm0", W2(P(FMAX, 0x12345678), 7), W2(P(FMAX, 0xdead), 0),
      W2(P(FINF, 0x12345678), 7), 0, MXD | MX_OE | MX_PE, -1 },
    { "addss %xmm1, %xmm0", W2(P(FMAX, 0x12345678), 7), W2(P(FMAX, 0xdead), 0),
      W2(P(FMAX, 0x12345678), 7), 0x7f80, 0x7f80 | MX_OE | MX_PE, -1 },
    { "addss %xmm1, %xmm0", W2(P(FMAX, 0x12345678), 7), W2(P(FMAX, 0xdead), 0),
      W2(P(FMAX, 0x12345678), 7), 0x3f80, 0x3f80 | MX_OE | MX_PE, -1 },
    { "addss %xmm1, %xmm0", W2(P(FMAX, 0x12345678), 7), W2(P(FMAX, 0xdead), 0),
      W2(P(FINF, 0x12345678), 7), 0x5f80, 0x5f80 | MX_OE | MX_PE, -1 },
    /* 1 + 2^-24: a tie, to even (1.0) when nearest, up by one ulp when up */
    { "addss %xmm1, %xmm0", W2(F1, 0), W2(0x33800000, 0), W2(F1, 0), 0, MXD | MX_PE, -1 },
    { "addss %xmm1, %xmm0", W2(F1, 0), W2(0x33800000, 0), W2(0x3f800001, 0), 0x5f80,
      0x5f80 | MX_PE, -1 },
    { "addss (%ebx), %xmm0", W2(F1, 0), W2(0x33800000, 0), W2(F1, 0), 0x3f80, 0x3f80 | MX_PE,
      -1 },
    /* tiny results: exact (no flag), FTZ (zero, UE+PE), inexact (UE+PE) */
    { "mulss %xmm1, %xmm0", W2(FMIN, 0), W2(FHALF, 0), W2(0x00400000, 0), 0, MXD, -1 },
    { "mulss %xmm1, %xmm0", W2(FMIN, 0), W2(FHALF, 0), W2(0, 0), 0x9f80,
      0x9f80 | MX_UE | MX_PE, -1 },
    { "mulss %xmm1, %xmm0", W2(1, 0), W2(FHALF, 0), W2(0, 0), 0,
      MXD | MX_DE | MX_UE | MX_PE, -1 },
    /* denormal operands: DE, or zero under DAZ */
    { "addss %xmm1, %xmm0", W2(1, 0), W2(F1, 0), W2(F1, 0), 0, MXD | MX_DE | MX_PE, -1 },
    { "addss %xmm1, %xmm0", W2(1, 0), W2(F1, 0), W2(F1, 0), 0x1fc0, 0x1fc0, -1 },
    /* DIV: 1/0 = inf (ZE), 0/0 invalid, 1/3 inexact, -1/0 = -inf */
    { "divps %xmm1, %xmm0", W2(P(F1, 0), P(F1, 0xbf800000)), W2(P(0, 0), P(F3, 0)),
      W2(P(FINF, FINDEF), P(0x3eaaaaab, FNINF)), 0, MXD | MX_IE | MX_ZE | MX_PE, -1 },
    /* denormal / 0: zero-divide outranks the denormal flag */
    { "divss %xmm1, %xmm0", W2(1, 0), W2(0, 0), W2(FINF, 0), 0, MXD | MX_ZE, -1 },
    { "mulss %xmm1, %xmm0", W2(0, 0), W2(FINF, 0), W2(FINDEF, 0), 0, MXD | MX_IE, -1 },
    { "subps %xmm1, %xmm0", W2(P(FINF, F3), 0), W2(P(FINF, F1), 0), W2(P(FINDEF, F2), 0), 0,
      MXD | MX_IE, -1 },
    /* SQRT: sqrt(4), sqrt(-1) invalid, sqrt(-0) = -0, sqrt(2) inexact */
    { "sqrtps %xmm1, %xmm0", W2(0, 0), W2(P(F4, 0xbf800000), P(0x80000000, F2)),
      W2(P(F2, FINDEF), P(0x80000000, 0x3fb504f3)), 0, MXD | MX_IE | MX_PE, -1 },
    { "sqrtss %xmm1, %xmm0", W2(P(0x11111111, 0x22222222), P(3, 4)), W2(P(0x7f800001, 0), 0),
      W2(P(0x7fc00001, 0x22222222), P(3, 4)), 0, MXD | MX_IE, -1 },
    /* a negative denormal is invalid (no DE), or -0 under DAZ */
    { "sqrtss %xmm1, %xmm0", W2(0, 0), W2(0x80000001, 0), W2(FINDEF, 0), 0, MXD | MX_IE, -1 },
    { "sqrtss %xmm1, %xmm0", W2(0, 0), W2(0x80000001, 0), W2(0x80000000, 0), 0x1fc0, 0x1fc0,
      -1 },
    { "sqrtpd %xmm1, %xmm0", W2(0, 0), W2(0x4010000000000000, 0xbff0000000000000),
      W2(D2, DINDEF), 0, MXD | MX_IE, -1 },
    { "sqrtsd %xmm1, %xmm0", W2(1, 2), W2(0x8000000000000000, 5), W2(0x8000000000000000, 2), 0,
      MXD, -1 },
    /* MIN/MAX: any NaN -> the second operand and IE; zeros -> the second */
    { "minps %xmm1, %xmm0", W2(P(F1, FQNAN), P(0x80000000, 0)), W2(P(F2, F1), P(0, 0x80000000)),
      W2(P(F1, F1), P(0, 0x80000000)), 0, MXD | MX_IE, -1 },
    { "maxps %xmm1, %xmm0", W2(P(F1, FQNAN), P(0x80000000, 0)), W2(P(F2, F1), P(0, 0x80000000)),
      W2(P(F2, F1), P(0, 0x80000000)), 0, MXD | MX_IE, -1 },
    { "minss %xmm1, %xmm0", W2(P(F1, 9), 0), W2(FQNAN, 0), W2(P(FQNAN, 9), 0), 0, MXD | MX_IE,
      -1 },
    { "maxsd %xmm1, %xmm0", W2(D1, 7), W2(0x7ff0000000000001, 9), W2(0x7ff0000000000001, 7), 0,
      MXD | MX_IE, -1 },
    { "minss %xmm1, %xmm0", W2(0x80000001, 0), W2(1, 0), W2(0x80000001, 0), 0, MXD | MX_DE,
      -1 },
    { "minss %xmm1, %xmm0", W2(0x80000001, 0), W2(1, 0), W2(0, 0), 0x1fc0, 0x1fc0, -1 },
    { "minpd %xmm1, %xmm0", W2(D1, D2), W2(D2, D1), W2(D1, D1), 0, MXD, -1 },
    { "maxpd %xmm1, %xmm0", W2(D1, D2), W2(D2, D1), W2(D2, D2), 0, MXD, -1 },
    /* double precision */
    { "addpd %xmm1, %xmm0", W2(D1, DMAX), W2(D2, DMAX), W2(D3, DINF), 0, MXD | MX_OE | MX_PE,
      -1 },
    { "divsd %xmm1, %xmm0", W2(D1, 5), W2(D3, 6), W2(0x3fd5555555555555, 5), 0, MXD | MX_PE,
      -1 },
    { "divsd %xmm1, %xmm0", W2(D1, 5), W2(D3, 6), W2(0x3fd5555555555556, 5), 0x5f80,
      0x5f80 | MX_PE, -1 },
    { "mulsd %xmm1, %xmm0", W2(0x7ff0000000000001, 0), W2(D1, 0), W2(0x7ff8000000000001, 0), 0,
      MXD | MX_IE, -1 },
    { "mulpd (%ebx), %xmm0", W2(D2, D3), W2(D3, D2), W2(0x4018000000000000, 0x4018000000000000),
      0, MXD, -1 },
    { "subpd %xmm1, %xmm0", W2(DINF, D1), W2(DINF, D1), W2(DINDEF, 0), 0, MXD | MX_IE, -1 },
    { "subsd %xmm1, %xmm0", W2(D1, 3), W2(D1, 4), W2(0, 3), 0, MXD, -1 },
    /* rounding toward -inf: x - x = -0 */
    { "subsd %xmm1, %xmm0", W2(D1, 3), W2(D1, 4), W2(0x8000000000000000, 3), 0x3f80, 0x3f80,
      -1 },
    /* SSE3 */
    { "addsubps %xmm1, %xmm0", W2(P(F1, F1), P(F1, F1)), W2(P(FHALF, FHALF), P(FHALF, FHALF)),
      W2(P(FHALF, 0x3fc00000), P(FHALF, 0x3fc00000)), 0, MXD, -1 },
    { "addsubpd %xmm1, %xmm0", W2(D1, D1), W2(0x3fe0000000000000, 0x3fe0000000000000),
      W2(0x3fe0000000000000, 0x3ff8000000000000), 0, MXD, -1 },
    { "haddps %xmm1, %xmm0", W2(P(F1, F2), P(F3, F4)), W2(P(0x40a00000, 0x40c00000),
      P(0x40e00000, 0x41000000)), W2(P(F3, 0x40e00000), P(0x41300000, 0x41700000)), 0, MXD,
      -1 },
    { "hsubps %xmm1, %xmm0", W2(P(F1, F2), P(F3, F4)), W2(P(0x40a00000, 0x40c00000),
      P(0x40e00000, 0x41000000)), W2(P(0xbf800000, 0xbf800000), P(0xbf800000, 0xbf800000)), 0,
      MXD, -1 },
    { "haddpd %xmm1, %xmm0", W2(D1, D2), W2(D3, 0x4010000000000000), W2(D3, 0x401c000000000000),
      0, MXD, -1 },
    { "hsubpd %xmm1, %xmm0", W2(D1, D2), W2(D3, 0x4010000000000000),
      W2(0xbff0000000000000, 0xbff0000000000000), 0, MXD, -1 },
    /* unmasked exceptions: flags set, destination unchanged, #XM */
    { "divss %xmm1, %xmm0", W2(F1, 0), W2(0, 0), W2(0, 0), 0x1d80, 0x1d80 | MX_ZE, 19 },
    /* an unmasked pre-computation exception suppresses the post ones */
    { "divps %xmm1, %xmm0", W2(P(F1, F1), 0), W2(P(0, F3), P(F1, F1)), W2(0, 0), 0x1d80,
      0x1d80 | MX_ZE, 19 },
    { "addss %xmm1, %xmm0", W2(F1, 0), W2(0x33800000, 0), W2(0, 0), 0x0f80, 0x0f80 | MX_PE, 19 },
    /* unmasked overflow/underflow: PE only if inexact with an unbounded
     * exponent; an exact tiny result still underflows */
    { "mulss %xmm1, %xmm0", W2(FMAX, 0), W2(F2, 0), W2(0, 0), 0x1b80, 0x1b80 | MX_OE, 19 },
    { "mulss %xmm1, %xmm0", W2(FMAX, 0), W2(0x3fc00000, 0), W2(0, 0), 0x1b80,
      0x1b80 | MX_OE | MX_PE, 19 },
    { "mulss %xmm1, %xmm0", W2(FMIN, 0), W2(FHALF, 0), W2(0, 0), 0x1780, 0x1780 | MX_UE, 19 },
    { "addss %xmm1, %xmm0", W2(1, 0), W2(F1, 0), W2(0, 0), 0x1e80, 0x1e80 | MX_DE, 19 },
    { "addss %xmm1, %xmm0", W2(FMAX, 0), W2(FMAX, 0), W2(FINF, 0), 0x1f00,
      0x1f00 | MX_OE | MX_PE, -1 },
    /* CMPPS predicates 0-7 on (1,1) (1,2) (1,0.5) (QNaN,1) */
#define CMPD W2(P(F1, F1), P(F1, FQNAN))
#define CMPS W2(P(F1, F2), P(FHALF, F1))
    { "cmpps $0, %xmm1, %xmm0", CMPD, CMPS, W2(P(~0u, 0), P(0, 0)), 0, MXD, -1 },
    { "cmpps $1, %xmm1, %xmm0", CMPD, CMPS, W2(P(0, ~0u), P(0, 0)), 0, MXD | MX_IE, -1 },
    { "cmpps $2, %xmm1, %xmm0", CMPD, CMPS, W2(P(~0u, ~0u), P(0, 0)), 0, MXD | MX_IE, -1 },
    { "cmpps $3, %xmm1, %xmm0", CMPD, CMPS, W2(P(0, 0), P(0, ~0u)), 0, MXD, -1 },
    { "cmpps $4, %xmm1, %xmm0", CMPD, CMPS, W2(P(0, ~0u), P(~0u, ~0u)), 0, MXD, -1 },
    { "cmpps $5, %xmm1, %xmm0", CMPD, CMPS, W2(P(~0u, 0), P(~0u, ~0u)), 0, MXD | MX_IE, -1 },
    { "cmpps $6, %xmm1, %xmm0", CMPD, CMPS, W2(P(0, 0), P(~0u, ~0u)), 0, MXD | MX_IE, -1 },
    { "cmpps $7, (%ebx), %xmm0", CMPD, CMPS, W2(P(~0u, ~0u), P(~0u, 0)), 0, MXD, -1 },
    { "cmpps $1, %xmm1, %xmm0", CMPD, CMPS, W2(0, 0), 0x1f00, 0x1f00 | MX_IE, 19 },
    { "cmpss $0, %xmm1, %xmm0", W2(P(0x7f800001, 5), 6), W2(0x7f800001, 0), W2(P(0, 5), 6), 0,
      MXD | MX_IE, -1 },
    { "cmppd $0, %xmm1, %xmm0", W2(D1, 0x7ff0000000000001), W2(D1, D1), W2(~0ULL, 0), 0,
      MXD | MX_IE, -1 },
    { "cmpsd $1, %xmm1, %xmm0", W2(D1, 7), W2(D2, 0), W2(~0ULL, 7), 0, MXD, -1 },
    /* conversions between the FP formats */
    { "cvtss2sd %xmm1, %xmm0", W2(P(0x11111111, 0x22222222), P(3, 4)), W2(0x3eaaaaab, 0),
      W2(0x3fd5555560000000, P(3, 4)), 0, MXD, -1 },
    { "cvtss2sd %xmm1, %xmm0", W2(0, 0), W2(0x7f800001, 0), W2(0x7ff8000020000000, 0), 0,
      MXD | MX_IE, -1 },
    { "cvtss2sd %xmm1, %xmm0", W2(0, 0), W2(1, 0), W2(0x36a0000000000000, 0), 0, MXD | MX_DE,
      -1 },
    { "cvtss2sd %xmm1, %xmm0", W2(0, 0), W2(1, 0), W2(0, 0), 0x1fc0, 0x1fc0, -1 },
    { "cvtsd2ss %xmm1, %xmm0", W2(P(0x11111111, 0x22222222), 3), W2(0x3fd5555555555555, 0),
      W2(P(0x3eaaaaab, 0x22222222), 3), 0, MXD | MX_PE, -1 },
    { "cvtsd2ss %xmm1, %xmm0", W2(0, 0), W2(0x7e37e43c8800759c, 0), W2(FINF, 0), 0,
      MXD | MX_OE | MX_PE, -1 },
    { "cvtsd2ss %xmm1, %xmm0", W2(0, 0), W2(0xfff4000020000000, 0), W2(0xffe00001, 0), 0,
      MXD | MX_IE, -1 },
    { "cvtsd2ss %xmm1, %xmm0", W2(0, 0), W2(0x3800000000000000, 0), W2(0x00400000, 0), 0, MXD,
      -1 },
    { "cvtsd2ss %xmm1, %xmm0", W2(0, 0), W2(0x3800000000000000, 0), W2(0, 0), 0x9f80,
      0x9f80 | MX_UE | MX_PE, -1 },
    { "cvtps2pd %xmm1, %xmm0", W2(0, 0), W2(P(F1, 0xc0200000), 9), W2(D1, 0xc004000000000000), 0,
      MXD, -1 },
    { "cvtpd2ps %xmm1, %xmm0", W2(9, 9), W2(D1, 0x7e37e43c8800759c), W2(P(F1, FINF), 0), 0,
      MXD | MX_OE | MX_PE, -1 },
    /* integers <-> FP */
    { "cvtdq2ps %xmm1, %xmm0", W2(0, 0), W2(P(16777217, ~0u), P(0x80000000, 0x7fffffff)),
      W2(P(0x4b800000, 0xbf800000), P(0xcf000000, 0x4f000000)), 0, MXD | MX_PE, -1 },
    { "cvtdq2ps %xmm1, %xmm0", W2(0, 0), W2(P(16777217, ~0u), P(0x80000000, 0x7fffffff)),
      W2(P(0x4b800001, 0xbf800000), P(0xcf000000, 0x4f000000)), 0x5f80, 0x5f80 | MX_PE, -1 },
    { "cvtps2dq %xmm1, %xmm0", W2(0, 0), W2(P(0x40200000, 0x40600000), P(0xbf000000, 0x4f32d05e)),
      W2(P(2, 4), P(0, 0x80000000)), 0, MXD | MX_IE | MX_PE, -1 },
    { "cvttps2dq %xmm1, %xmm0", W2(0, 0), W2(P(0x40200000, 0xc0600000), P(0x501502f9, FQNAN)),
      W2(P(2, 0xfffffffd), P(0x80000000, 0x80000000)), 0, MXD | MX_IE | MX_PE, -1 },
    { "cvtdq2pd %xmm1, %xmm0", W2(0, 0), W2(P(~0u, 0x7fffffff), 5),
      W2(0xbff0000000000000, 0x41dfffffffc00000), 0, MXD, -1 },
    { "cvtpd2dq %xmm1, %xmm0", W2(7, 7), W2(0x4004000000000000, 0xbff8000000000000),
      W2(P(2, 0xfffffffe), 0), 0, MXD | MX_PE, -1 },
    { "cvtpd2dq %xmm1, %xmm0", W2(7, 7), W2(0x4004000000000000, 0xbff8000000000000),
      W2(P(3, 0xffffffff), 0), 0x5f80, 0x5f80 | MX_PE, -1 },
    { "cvttpd2dq %xmm1, %xmm0", W2(7, 7), W2(0x4004000000000000, 0xbff8000000000000),
      W2(P(2, 0xffffffff), 0), 0, MXD | MX_PE, -1 },
    /* RCP/RSQRT: exact special cases; no flags even with everything
     * unmasked, and RC does not apply */
    { "rcpps %xmm1, %xmm0", W2(0, 0), W2(P(F2, 0), P(0x80000000, FINF)),
      W2(P(FHALF, FINF), P(FNINF, 0)), 0x6000, 0x6000, -1 },
    { "rsqrtps %xmm1, %xmm0", W2(0, 0), W2(P(F4, 0xbf800000), P(0, FINF)),
      W2(P(FHALF, FINDEF), P(FINF, 0)), 0x6000, 0x6000, -1 },
    { "rcpss %xmm1, %xmm0", W2(P(9, 8), 7), W2(1, 0), W2(P(FINF, 8), 7), 0x6000, 0x6000, -1 },
    { "rsqrtss %xmm1, %xmm0", W2(P(9, 8), 7), W2(0x80000000, 0), W2(P(FNINF, 8), 7), 0, MXD,
      -1 },
    { "rcpps %xmm1, %xmm0", W2(0, 0), W2(P(0x7f800001, FQNAN), 0),
      W2(P(0x7fc00001, FQNAN), P(FINF, FINF)), 0, MXD, -1 },
};

static void run_fcases(enum st_mode mode, bool osxmmexcpt)
{
    unsigned n = ARRAY_SIZE(fcases);
    const char *(*edit)(const char *) = mode == ST_LONG64 ? to_long : NULL;
    unsigned xd = mode == ST_LONG64 ? 8 : 0, xs = xd + 1;
    struct soft_test *st = batch_new(mode, &fcases[0].insn, sizeof(fcases[0]), n, edit);
    struct cpu *c = st->c;
    if (!osxmmexcpt)
        c->cr4 &= ~(uint64_t)CR4_OSXMMEXCPT;
    for (unsigned k = 0; k < n; k++) {
        const struct fcase *t = &fcases[k];
        setx(c, xd, t->d);
        setx(c, xs, t->s);
        wr_data(st, 0, t->s, 16);
        c->mxcsr = t->mx_in ? t->mx_in : MXD;
        int vec = run_slot(st, k);
        int want = t->vec == 19 && !osxmmexcpt ? EX_UD : t->vec;
        if (vec != want)
            g_error("%s (case %u): exception %d, expected %d", t->insn, k, vec, want);
        assert_x(c, xd, want >= 0 ? t->d : t->r, t->insn);
        if (c->mxcsr != t->mx_out)
            g_error("%s (case %u): mxcsr %04x, expected %04x", t->insn, k, c->mxcsr, t->mx_out);
    }
    st_free(st);
}

static void test_fp32(void) { run_fcases(ST_PROT32, true); }
static void test_fp64(void) { run_fcases(ST_LONG64, true); }
/* Without CR4.OSXMMEXCPT an unmasked SIMD exception is #UD. */
static void test_fp_no_osxmmexcpt(void) { run_fcases(ST_PROT32, false); }

/* RCP/RSQRT of ordinary values: within the documented relative error
 * |e| <= 1.5 * 2^-12. */
static void test_rcp_accuracy(void)
{
    struct soft_test *st = snippet(ST_PROT32, "rcpps %xmm1, %xmm0\n rsqrtps %xmm1, %xmm2");
    struct cpu *c = st->c;
    static const float in[] = { 3.0f, 0.1f, 7.0e-39f * 1e3f, 1.0e30f, -123.456f, 65537.0f,
                                1.0e-30f, 2.5f };
    for (unsigned k = 0; k < ARRAY_SIZE(in); k += 4) {
        memcpy(c->xmm[1].f, &in[k], 16);
        g_assert_cmpint(run_slot(st, 0), ==, -1);
        for (unsigned e = 0; e < 4; e++) {
            double x = in[k + e];
            double rcp = 1.0 / x, rsq = 1.0 / sqrt(fabs(x));
            g_assert_cmpfloat(fabs((c->xmm[0].f[e] - rcp) / rcp), <=, 1.5 / 4096);
            if (x > 0)
                g_assert_cmpfloat(fabs((c->xmm[2].f[e] - rsq) / rsq), <=, 1.5 / 4096);
            else
                g_assert_cmphex(c->xmm[2].d[e], ==, FINDEF);
        }
    }
    g_assert_cmphex(c->mxcsr, ==, MXD);
    st_free(st);
}

/* ---- COMISS / UCOMISS and the conversions with GPR or MMX operands ---- */

struct gcase {
    const char *insn; /* xmm0 (dest/first), xmm1 (source), eax, mm0/mm1 */
    uint64_t d, s;    /* low 64 bits of xmm0 (or mm0) and xmm1 (or mm1 / (%ebx)) */
    uint64_t rax;     /* in */
    uint64_t r;       /* expected: eax/rax, xmm0 low 64 or mm0 per `out` */
    char out;         /* 'a': rax, 'x': xmm0 low, 'm': mm0, 'f': EFLAGS */
    uint32_t mx_in, mx_out;
    int vec;
};

#define FL_ALL (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)
static const struct gcase gcases[] = {
    /* COMISS/UCOMISS: ZF PF CF = 000 greater, 001 less, 100 equal, 111
     * unordered; OF SF AF cleared */
    { "comiss %xmm1, %xmm0", F2, F1, 0, 0, 'f', 0, MXD, -1 },
    { "comiss %xmm1, %xmm0", F1, F2, 0, F_CF, 'f', 0, MXD, -1 },
    { "comiss (%ebx), %xmm0", F1, F1, 0, F_ZF, 'f', 0, MXD, -1 },
    { "comiss %xmm1, %xmm0", FQNAN, F1, 0, F_ZF | F_PF | F_CF, 'f', 0, MXD | MX_IE, -1 },
    { "ucomiss %xmm1, %xmm0", FQNAN, F1, 0, F_ZF | F_PF | F_CF, 'f', 0, MXD, -1 },
    { "ucomiss %xmm1, %xmm0", F1, 0x7f800001, 0, F_ZF | F_PF | F_CF, 'f', 0, MXD | MX_IE, -1 },
    { "ucomiss %xmm1, %xmm0", 0x80000000, 0, 0, F_ZF, 'f', 0, MXD, -1 },
    { "comisd %xmm1, %xmm0", D1, D2, 0, F_CF, 'f', 0, MXD, -1 },
    { "ucomisd %xmm1, %xmm0", 0x7ff8000000000000, D2, 0, F_ZF | F_PF | F_CF, 'f', 0, MXD, -1 },
    { "comisd %xmm1, %xmm0", 0x7ff8000000000000, D2, 0, FL_ALL, 'f', 0x1f00, 0x1f01, 19 },
    /* CVTSS2SI / CVTTSS2SI */
    { "cvtss2si %xmm1, %eax", 0, 0x40200000, ~0ULL, 2, 'a', 0, MXD | MX_PE, -1 },
    { "cvtss2si %xmm1, %eax", 0, 0x40600000, 0, 4, 'a', 0, MXD | MX_PE, -1 },
    { "cvtss2si %xmm1, %eax", 0, 0xc0200000, 0, 0xfffffffe, 'a', 0, MXD | MX_PE, -1 },
    { "cvtss2si %xmm1, %eax", 0, 0xc0200000, 0, 0xfffffffd, 'a', 0x3f80, 0x3f80 | MX_PE, -1 },
    { "cvtss2si %xmm1, %eax", 0, 0x40200000, 0, 3, 'a', 0x5f80, 0x5f80 | MX_PE, -1 },
    { "cvtss2si %xmm1, %eax", 0, 0xc0200000, 0, 0xfffffffe, 'a', 0x7f80, 0x7f80 | MX_PE, -1 },
    { "cvtss2si %xmm1, %eax", 0, 0x4f32d05e, 0, 0x80000000, 'a', 0, MXD | MX_IE, -1 },
    { "cvtss2si %xmm1, %eax", 0, FQNAN, 0, 0x80000000, 'a', 0, MXD | MX_IE, -1 },
    { "cvtss2si (%ebx), %eax", 0, F1, 0, 1, 'a', 0, MXD, -1 },
    { "cvttss2si %xmm1, %eax", 0, 0x4039999a, 0, 2, 'a', 0, MXD | MX_PE, -1 },
    { "cvttss2si %xmm1, %eax", 0, 0xc039999a, 0, 0xfffffffe, 'a', 0, MXD | MX_PE, -1 },
    { "cvttss2si %xmm1, %eax", 0, 0x4effffff, 0, 0x7fffff80, 'a', 0, MXD, -1 },
    { "cvttss2si %xmm1, %eax", 0, 0x4f000000, 0, 0x80000000, 'a', 0, MXD | MX_IE, -1 },
    { "cvttss2si %xmm1, %eax", 0, 0xcf000000, 0, 0x80000000, 'a', 0, MXD, -1 },
    /* unmasked invalid: #XM, EAX unchanged */
    { "cvttss2si %xmm1, %eax", 0, FQNAN, 0x1234, 0x1234, 'a', 0x1f00, 0x1f01, 19 },
    /* CVTSD2SI / CVTTSD2SI */
    { "cvtsd2si %xmm1, %eax", 0, 0x41dfffffffc00000, 0, 0x7fffffff, 'a', 0, MXD, -1 },
    { "cvtsd2si %xmm1, %eax", 0, 0x41dfffffffe00000, 0, 0x80000000, 'a', 0, MXD | MX_IE, -1 },
    { "cvttsd2si %xmm1, %eax", 0, 0x41dfffffffe00000, 0, 0x7fffffff, 'a', 0, MXD | MX_PE, -1 },
    { "cvtsd2si %xmm1, %eax", 0, 0xc1e0000000100000, 0, 0x80000000, 'a', 0, MXD | MX_PE, -1 },
    { "cvttsd2si (%ebx), %eax", 0, 0xc1e0000000100000, 0, 0x80000000, 'a', 0, MXD | MX_PE, -1 },
    /* CVTSI2SS / CVTSI2SD */
    { "cvtsi2ss %eax, %xmm0", P(0, 0x55555555), 0, 16777217, P(0x4b800000, 0x55555555), 'x', 0,
      MXD | MX_PE, -1 },
    { "cvtsi2ss %eax, %xmm0", 0, 0, 16777217, 0x4b800001, 'x', 0x5f80, 0x5f80 | MX_PE, -1 },
    { "cvtsi2ss %eax, %xmm0", 0, 0, 0xffffffff, 0xbf800000, 'x', 0, MXD, -1 },
    { "cvtsi2ssl (%ebx), %xmm0", 0, 0xfffffffe, 0, 0xc0000000, 'x', 0, MXD, -1 },
    { "cvtsi2sd %eax, %xmm0", 0, 0, 0x80000000, 0xc1e0000000000000, 'x', 0, MXD, -1 },
    /* with MMX operands */
    { "cvtpi2ps %mm1, %xmm0", P(5, 6), P(3, (uint32_t)-3), 0, P(0x40400000, 0xc0400000), 'x', 0,
      MXD, -1 },
    { "cvtpi2ps (%ebx), %xmm0", P(5, 6), P(16777217, 0), 0, P(0x4b800000, 0), 'x', 0,
      MXD | MX_PE, -1 },
    { "cvtpi2pd %mm1, %xmm0", 0, P(3, (uint32_t)-3), 0, D3, 'x', 0, MXD, -1 },
    { "cvtps2pi %xmm1, %mm0", 0, P(0x40200000, 0xc0200000), 0, P(2, (uint32_t)-2), 'm', 0,
      MXD | MX_PE, -1 },
    { "cvttps2pi %xmm1, %mm0", 0, P(0x4039999a, 0xc039999a), 0, P(2, (uint32_t)-2), 'm', 0,
      MXD | MX_PE, -1 },
    { "cvtps2pi %xmm1, %mm0", 7, P(FQNAN, F1), 0, 7, 'm', 0x1f00, 0x1f01, 19 },
};

static void run_gcases(enum st_mode mode)
{
    unsigned n = ARRAY_SIZE(gcases);
    const char *(*edit)(const char *) = mode == ST_LONG64 ? to_long : NULL;
    unsigned xd = mode == ST_LONG64 ? 8 : 0, xs = xd + 1;
    struct soft_test *st = batch_new(mode, &gcases[0].insn, sizeof(gcases[0]), n, edit);
    struct cpu *c = st->c;
    for (unsigned k = 0; k < n; k++) {
        const struct gcase *t = &gcases[k];
        c->xmm[xd].q[0] = t->d;
        c->xmm[xd].q[1] = 0x0123456789abcdef;
        c->xmm[xs].q[0] = t->s;
        c->xmm[xs].q[1] = 0;
        mmx_set(c, 0, t->d);
        mmx_set(c, 1, t->s);
        wr_data(st, 0, &t->s, 8);
        c->regs[R_AX] = t->rax;
        c->mxcsr = t->mx_in ? t->mx_in : MXD;
        c->cc_op = CC_EFLAGS;
        c->cc_src = FL_ALL;
        int vec = run_slot(st, k);
        if (vec != t->vec)
            g_error("%s (case %u): exception %d, expected %d", t->insn, k, vec, t->vec);
        uint64_t got;
        switch (t->out) {
        case 'a': got = c->regs[R_AX]; break;
        case 'x': got = c->xmm[xd].q[0]; break;
        case 'm': got = mmx_get(c, 0); break;
        default: got = cpu_get_eflags(c) & FL_ALL; break;
        }
        if (got != t->r)
            g_error("%s (case %u): %c = %" PRIx64 ", expected %" PRIx64, t->insn, k, t->out, got,
                    t->r);
        /* the high half is untouched, except by CVTPI2PD (-3.0 there) */
        g_assert_cmphex(c->xmm[xd].q[1], ==,
                        strstr(t->insn, "cvtpi2pd") ? 0xc008000000000000 : 0x0123456789abcdef);
        if (c->mxcsr != t->mx_out)
            g_error("%s (case %u): mxcsr %04x, expected %04x", t->insn, k, c->mxcsr, t->mx_out);
    }
    st_free(st);
}

static void test_gpr32(void) { run_gcases(ST_PROT32); }
static void test_gpr64(void) { run_gcases(ST_LONG64); }

/* ---- stores and GPR moves ---- */

static void test_stores(void)
{
    struct soft_test *st = snippet(ST_PROT32,
        "movups %xmm0, 1(%ebx)\n movaps %xmm1, 32(%ebx)\n movss %xmm2, 48(%ebx)\n"
        "movsd %xmm2, 56(%ebx)\n movlps %xmm3, 64(%ebx)\n movhps %xmm3, 72(%ebx)\n"
        "movntdq %xmm1, 80(%ebx)\n movnti %ecx, 96(%ebx)\n movq %xmm3, 104(%ebx)\n"
        "movd %xmm3, 112(%ebx)\n movq %mm0, 120(%ebx)\n movd %mm0, 128(%ebx)\n"
        "movntq %mm0, 136(%ebx)\n movlpd %xmm2, 144(%ebx)\n movhpd %xmm2, 152(%ebx)\n"
        "pextrw $3, %xmm3, %edx\n pextrw $1, %mm0, %esi\n pmovmskb %xmm3, %edi\n"
        "movmskps %xmm3, %eax\n mov %eax, 160(%ebx)\n movmskpd %xmm2, %ecx\n"
        "pmovmskb %mm0, %ebp\n"
        "mov $0x5a5a, %eax\n pinsrw $7, %eax, %xmm4\n pinsrw $0, %eax, %mm1");
    struct cpu *c = st->c;
    uint8_t fill[256];
    memset(fill, 0xaa, sizeof(fill));
    wr_data(st, 0, fill, sizeof(fill));
    uint64_t x0[2] = { 0x0706050403020100, 0x0f0e0d0c0b0a0908 };
    uint64_t x1[2] = { 0x1716151413121110, 0x1f1e1d1c1b1a1918 };
    uint64_t x2[2] = { 0x8000000027262524, 0x2f2e2d2c2b2a2928 };
    uint64_t x3[2] = { 0x8080808080808080, 0x0080ffff8000ff00 };
    setx(c, 0, x0);
    setx(c, 1, x1);
    setx(c, 2, x2);
    setx(c, 3, x3);
    c->regs[R_CX] = 0x44332211;
    mmx_set(c, 0, 0x8000fedcba987654);
    mmx_set(c, 1, 0x1111222233334444);
    c->rip = ST_CODE_ADDR;
    c->regs[R_BX] = DATA;
    g_assert_cmpint(st_run(st, 100), ==, ST_HALTED);
    g_assert_cmphex(rd_data64(st, 0), ==, 0x06050403020100aa); /* misaligned MOVUPS */
    g_assert_cmphex(rd_data64(st, 8), ==, 0x0e0d0c0b0a090807);
    g_assert_cmphex(rd_data64(st, 16), ==, 0xaaaaaaaaaaaaaa0f);
    g_assert_cmphex(rd_data64(st, 32), ==, x1[0]);
    g_assert_cmphex(rd_data64(st, 40), ==, x1[1]);
    g_assert_cmphex(rd_data64(st, 48), ==, 0xaaaaaaaa27262524); /* MOVSS: 4 bytes */
    g_assert_cmphex(rd_data64(st, 56), ==, x2[0]);
    g_assert_cmphex(rd_data64(st, 64), ==, x3[0]);
    g_assert_cmphex(rd_data64(st, 72), ==, x3[1]);
    g_assert_cmphex(rd_data64(st, 80), ==, x1[0]);
    g_assert_cmphex(rd_data64(st, 88), ==, x1[1]);
    g_assert_cmphex(rd_data64(st, 96), ==, 0xaaaaaaaa44332211); /* MOVNTI m32 */
    g_assert_cmphex(rd_data64(st, 104), ==, x3[0]);
    g_assert_cmphex(rd_data64(st, 112), ==, 0xaaaaaaaa80808080);
    g_assert_cmphex(rd_data64(st, 120), ==, 0x8000fedcba987654);
    g_assert_cmphex(rd_data64(st, 128), ==, 0xaaaaaaaaba987654);
    g_assert_cmphex(rd_data64(st, 136), ==, 0x8000fedcba987654);
    g_assert_cmphex(rd_data64(st, 144), ==, x2[0]);
    g_assert_cmphex(rd_data64(st, 152), ==, x2[1]);
    g_assert_cmphex(c->regs[R_DX], ==, 0x8080);
    g_assert_cmphex(c->regs[R_SI], ==, 0xba98);
    g_assert_cmphex(c->regs[R_DI], ==, 0x7aff); /* bytes with the top bit set */
    g_assert_cmphex(rd_data64(st, 160), ==, 0xaaaaaaaa00000007); /* MOVMSKPS */
    g_assert_cmphex(c->regs[R_AX], ==, 0x5a5a);
    g_assert_cmphex(c->regs[R_CX], ==, 1);      /* MOVMSKPD: sign of the low double */
    g_assert_cmphex(c->regs[R_BP], ==, 0xbc);   /* PMOVMSKB mm */
    g_assert_cmphex(c->xmm[4].w[7], ==, 0x5a5a);
    g_assert_cmphex(mmx_get(c, 1), ==, 0x1111222233335a5a);
    st_free(st);
}

static void test_maskmov(void)
{
    struct soft_test *st = snippet(ST_PROT32,
        "lea 16(%ebx), %edi\n maskmovq %mm1, %mm0\n"
        "lea 32(%ebx), %edi\n maskmovdqu %xmm1, %xmm0\n"
        "lea 64(%ebx), %edi\n maskmovq %mm2, %mm0\n");
    struct cpu *c = st->c;
    uint8_t fill[128];
    memset(fill, 0xaa, sizeof(fill));
    wr_data(st, 0, fill, sizeof(fill));
    mmx_set(c, 0, 0x0706050403020100);
    mmx_set(c, 1, 0x80007f00ff000080); /* bytes 0, 3, 7 */
    mmx_set(c, 2, 0);                  /* nothing stored */
    uint64_t d[2] = { 0x0706050403020100, 0x0f0e0d0c0b0a0908 };
    uint64_t m[2] = { 0x0000000000000080, 0x8000000000000000 }; /* bytes 0 and 15 */
    setx(c, 0, d);
    setx(c, 1, m);
    c->rip = ST_CODE_ADDR;
    c->regs[R_BX] = DATA;
    g_assert_cmpint(st_run(st, 100), ==, ST_HALTED);
    g_assert_cmphex(rd_data64(st, 16), ==, 0x07aaaaaa03aaaa00);
    g_assert_cmphex(rd_data64(st, 32), ==, 0xaaaaaaaaaaaaaa00);
    g_assert_cmphex(rd_data64(st, 40), ==, 0x0faaaaaaaaaaaaaa);
    g_assert_cmphex(rd_data64(st, 64), ==, 0xaaaaaaaaaaaaaaaa);
    st_free(st);
}

/* 64-bit mode: REX.W forms and XMM8-15. */
static void test_long_gpr(void)
{
    struct soft_test *st = snippet(ST_LONG64,
        "movabs $0x8877665544332211, %rax\n movq %rax, %xmm8\n movq %xmm8, %r10\n"
        "movd %eax, %xmm15\n movd %xmm15, %r11d\n movq %rax, %mm3\n movq %mm3, %r12\n"
        "movd %mm3, %r13d\n"
        "cvtss2si %xmm9, %r14\n cvttsd2si %xmm10, %r15\n cvtsi2sdq %rax, %xmm11\n"
        "cvtsi2ssq %rax, %xmm12\n pextrw $3, %xmm8, %r9\n pmovmskb %xmm8, %r8d\n"
        "movnti %rax, (%rbx)\n movq %xmm8, 8(%rbx)\n"
        "mov $0x7fffffffffffffff, %rsi\n cvtsi2sdq %rsi, %xmm13\n"
        "cvtsd2si %xmm13, %rdi\n cvtsd2si %xmm14, %rdx\n"
        /* REX.B/R do not extend MMX register numbers: mm1 */
        ".byte 0x41, 0x0f, 0x6f, 0xc1\n"
        /* RIP-relative operand with a trailing imm8 */
        "pshufd $0x1b, 1f(%rip), %xmm7\n jmp 2f\n .balign 16\n 1: .quad 0x1111111100000000,"
        " 0x3333333322222222\n 2:");
    struct cpu *c = st->c;
    c->xmm[9].d[0] = 0x4f32d05e;               /* 3e9f */
    c->xmm[10].q[0] = 0x43e0000000000000;      /* 2^63: out of range */
    c->xmm[14].q[0] = 0xc3e0000000000000;      /* -2^63: in range */
    c->regs[R_R11] = ~0ULL;
    c->regs[R_R13] = ~0ULL;
    mmx_set(c, 1, 0x4242);
    g_assert_cmpint(run_slot(st, 0), ==, -1);
    g_assert_cmphex(c->xmm[8].q[0], ==, 0x8877665544332211);
    g_assert_cmphex(c->xmm[8].q[1], ==, 0);
    g_assert_cmphex(c->regs[R_R10], ==, 0x8877665544332211);
    g_assert_cmphex(c->xmm[15].q[0], ==, 0x44332211);
    g_assert_cmphex(c->regs[R_R11], ==, 0x44332211); /* 32-bit write zero-extends */
    g_assert_cmphex(c->regs[R_R12], ==, 0x8877665544332211);
    g_assert_cmphex(c->regs[R_R13], ==, 0x44332211);
    g_assert_cmphex(c->regs[R_R14], ==, 3000000000ULL);
    g_assert_cmphex(c->regs[R_R15], ==, 0x8000000000000000ULL);
    g_assert_cmphex(c->xmm[11].q[0], ==, 0xc3dde2266aaef337ULL); /* -8613303245920329199, rounded */
    g_assert_cmphex(c->xmm[12].d[0], ==, 0xdeef1133ULL);
    g_assert_cmphex(c->regs[R_R9], ==, 0x8877);
    g_assert_cmphex(c->regs[R_R8], ==, 0x80);
    g_assert_cmphex(rd_data64(st, 0), ==, 0x8877665544332211);
    g_assert_cmphex(rd_data64(st, 8), ==, 0x8877665544332211);
    g_assert_cmphex(c->xmm[13].q[0], ==, 0x43e0000000000000); /* 2^63 - 1 rounds to 2^63 */
    g_assert_cmphex(c->regs[R_DI], ==, 0x8000000000000000ULL); /* ... which is too big */
    g_assert_cmphex(c->regs[R_DX], ==, 0x8000000000000000ULL); /* -2^63 fits */
    g_assert_cmphex(mmx_get(c, 0), ==, 0x4242);
    g_assert_cmphex(c->xmm[7].q[0], ==, 0x2222222233333333);
    g_assert_cmphex(c->xmm[7].q[1], ==, 0x0000000011111111);
    g_assert_cmphex(c->mxcsr, ==, MXD | MX_IE | MX_PE);
    st_free(st);
}

/* ---- exceptions and state ---- */

static int run_one(enum st_mode mode, const char *code, void (*setup)(struct cpu *))
{
    struct soft_test *st = snippet(mode, code);
    if (setup)
        setup(st->c);
    int v = run_slot(st, 0);
    st_free(st);
    return v;
}

static void no_osfxsr(struct cpu *c) { c->cr4 &= ~(uint64_t)CR4_OSFXSR; }
static void set_em(struct cpu *c) { c->cr0 |= CR0_EM; }
static void set_ts(struct cpu *c) { c->cr0 |= CR0_TS; }
static void pending_x87(struct cpu *c) { c->fsw |= FSW_ES | 1; }
static void pending_x87_ne0(struct cpu *c)
{
    c->fsw |= FSW_ES | 1;
    c->cr0 &= ~(uint64_t)CR0_NE;
}

static void test_availability(void)
{
    /* SSE: #UD without CR4.OSFXSR or with CR0.EM, #NM with CR0.TS */
    g_assert_cmpint(run_one(ST_PROT32, "addps %xmm1, %xmm0", no_osfxsr), ==, EX_UD);
    g_assert_cmpint(run_one(ST_PROT32, "movdqa %xmm1, %xmm0", no_osfxsr), ==, EX_UD);
    g_assert_cmpint(run_one(ST_PROT32, "addps %xmm1, %xmm0", set_em), ==, EX_UD);
    g_assert_cmpint(run_one(ST_PROT32, "paddb %xmm1, %xmm0", set_ts), ==, EX_NM);
    g_assert_cmpint(run_one(ST_LONG64, "pshufb %xmm9, %xmm8", set_ts), ==, EX_NM);
    /* MMX: needs only CR0.EM clear; #NM with TS; #MF for a pending x87
     * exception when CR0.NE is set */
    g_assert_cmpint(run_one(ST_PROT32, "paddb %mm1, %mm0", no_osfxsr), ==, -1);
    g_assert_cmpint(run_one(ST_PROT32, "pshufb %mm1, %mm0", no_osfxsr), ==, -1);
    g_assert_cmpint(run_one(ST_PROT32, "paddb %mm1, %mm0", set_em), ==, EX_UD);
    g_assert_cmpint(run_one(ST_PROT32, "emms", set_em), ==, EX_UD);
    g_assert_cmpint(run_one(ST_PROT32, "paddb %mm1, %mm0", set_ts), ==, EX_NM);
    g_assert_cmpint(run_one(ST_PROT32, "emms", set_ts), ==, EX_NM);
    g_assert_cmpint(run_one(ST_PROT32, "movq %mm1, %mm0", pending_x87), ==, EX_MF);
    g_assert_cmpint(run_one(ST_PROT32, "movq %mm1, %mm0", pending_x87_ne0), ==, -1);
    /* MMX forms of SSE-era instructions still need OSFXSR when an XMM
     * register is involved */
    g_assert_cmpint(run_one(ST_PROT32, "cvtpi2ps %mm1, %xmm0", no_osfxsr), ==, EX_UD);
    g_assert_cmpint(run_one(ST_PROT32, "movq2dq %mm1, %xmm0", set_ts), ==, EX_NM);
    /* MOVNTI is a GPR instruction: no SSE state needed */
    g_assert_cmpint(run_one(ST_PROT32, "movnti %eax, (%ebx)", set_ts), ==, -1);
}

static void test_encodings(void)
{
    /* LOCK is #UD on SSE instructions */
    g_assert_cmpint(run_one(ST_PROT32, ".byte 0xf0\n addps (%ebx), %xmm0", NULL), ==, EX_UD);
    /* a prefix form that does not exist: 66 0F 77 (EMMS has none) */
    g_assert_cmpint(run_one(ST_PROT32, ".byte 0x66, 0x0f, 0x77", NULL), ==, EX_UD);
    /* F2 0F 58 is ADDSD, F3 0F 58 ADDSS: both exist */
    g_assert_cmpint(run_one(ST_PROT32, ".byte 0xf3, 0x0f, 0x58, 0xc1", NULL), ==, -1);
    /* register-only forms with a memory operand and the reverse */
    g_assert_cmpint(run_one(ST_PROT32, ".byte 0x0f, 0xc5, 0x03, 0x01", NULL), ==, EX_UD);
    g_assert_cmpint(run_one(ST_PROT32, ".byte 0x0f, 0xd7, 0x03", NULL), ==, EX_UD);
    g_assert_cmpint(run_one(ST_PROT32, ".byte 0x0f, 0x71, 0x13, 0x01", NULL), ==, EX_UD);
    g_assert_cmpint(run_one(ST_PROT32, ".byte 0x0f, 0x13, 0xc1", NULL), ==, EX_UD);
    g_assert_cmpint(run_one(ST_PROT32, ".byte 0x0f, 0x2b, 0xc1", NULL), ==, EX_UD);
    g_assert_cmpint(run_one(ST_PROT32, ".byte 0x0f, 0xc3, 0xc1", NULL), ==, EX_UD);
    g_assert_cmpint(run_one(ST_PROT32, ".byte 0xf2, 0x0f, 0xf0, 0xc1", NULL), ==, EX_UD);
    g_assert_cmpint(run_one(ST_PROT32, ".byte 0x66, 0x0f, 0x12, 0xc1", NULL), ==, EX_UD);
    /* undefined group members */
    g_assert_cmpint(run_one(ST_PROT32, ".byte 0x0f, 0x73, 0xd8, 0x01", NULL), ==, EX_UD);
    g_assert_cmpint(run_one(ST_PROT32, ".byte 0x0f, 0x71, 0xc0, 0x01", NULL), ==, EX_UD);
}

static void test_alignment(void)
{
    struct soft_test *st = snippet(ST_PROT32,
        "movups 4(%ebx), %xmm0\n addss 4(%ebx), %xmm0\n movsd 4(%ebx), %xmm1\n"
        "movdqu 4(%ebx), %xmm2\n paddb 4(%ebx), %mm0\n movaps 4(%ebx), %xmm3");
    struct cpu *c = st->c;
    uint64_t v[4] = { 0x3f80000000000000, 0x1111111133333333, 0x2222222244444444, 0 };
    wr_data(st, 0, v, sizeof(v));
    c->xmm[3].q[0] = 0x77;
    g_assert_cmpint(run_slot(st, 0), ==, EX_GP);
    /* every unaligned form before it ran; MOVAPS did not touch xmm3 */
    g_assert_cmphex(c->xmm[0].q[0], ==, 0x3333333340000000ULL); /* 1.0 + 1.0 */
    g_assert_cmphex(c->xmm[3].q[0], ==, 0x77);
    /* the faulting RIP is the MOVAPS */
    uint32_t frame[3];
    machine_read_phys(st->m, c->regs[R_SP], frame, sizeof(frame));
    g_assert_cmphex(frame[0], ==, 0); /* error code */
    g_assert_cmphex(frame[1], ==, ST_CODE_ADDR + 23);
    st_free(st);

    /* misaligned packed operands and stores of the aligned forms */
    g_assert_cmpint(run_one(ST_PROT32, "addps 8(%ebx), %xmm0", NULL), ==, EX_GP);
    g_assert_cmpint(run_one(ST_PROT32, "pshufb 1(%ebx), %xmm0", NULL), ==, EX_GP);
    g_assert_cmpint(run_one(ST_PROT32, "movntdq %xmm0, 8(%ebx)", NULL), ==, EX_GP);
    g_assert_cmpint(run_one(ST_PROT32, "movdqa %xmm0, 8(%ebx)", NULL), ==, EX_GP);
    g_assert_cmpint(run_one(ST_LONG64, "cvtpd2ps 8(%rbx), %xmm9", NULL), ==, EX_GP);
    g_assert_cmpint(run_one(ST_PROT32, "lddqu 3(%ebx), %xmm0", NULL), ==, -1);
    g_assert_cmpint(run_one(ST_PROT32, "maskmovdqu %xmm1, %xmm0", NULL), ==, -1);
    /* the 64-bit-operand forms have no alignment rule */
    g_assert_cmpint(run_one(ST_PROT32, "cvtps2pd 4(%ebx), %xmm0", NULL), ==, -1);
    g_assert_cmpint(run_one(ST_PROT32, "movddup 4(%ebx), %xmm0", NULL), ==, -1);
}

/* A 16-byte store across a page boundary faults before storing anything. */
static void test_store_page_fault(void)
{
    struct soft_test *st = snippet(ST_LONG64, "movups %xmm0, (%rbx)");
    struct cpu *c = st->c;
    /* The 2 MiB page at 0x200000 is not present. */
    uint64_t pde = 0;
    machine_write_phys(st->m, 0x3000 + 8, &pde, 8);
    uint64_t before = 0x1234567890abcdef;
    machine_write_phys(st->m, 0x1ffff8, &before, 8);
    c->xmm[0].q[0] = 1;
    c->xmm[0].q[1] = 2;
    c->rip = ST_CODE_ADDR;
    c->regs[R_BX] = 0x1ffff8;
    c->regs[R_BP] = NOEXC;
    g_assert_cmpint(st_run(st, 100), ==, ST_HALTED);
    g_assert_cmpint(c->regs[R_BP], ==, EX_PF);
    g_assert_cmphex(c->cr2, ==, 0x200000);
    uint64_t after;
    machine_read_phys(st->m, 0x1ffff8, &after, 8);
    g_assert_cmphex(after, ==, before);
    st_free(st);
}

/* The x87 <-> MMX aliasing and transitions. */
static void test_mmx_state(void)
{
    struct soft_test *st = snippet(ST_PROT32, "movq %mm2, %mm0\n movd %mm0, %eax\n emms");
    struct cpu *c = st->c;
    /* R2 holds 1.0 as an 80-bit value: MMX register 2 is its significand */
    uint8_t one[10] = { 0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f };
    memcpy(&c->st[2], one, 10);
    c->ftop = 6;
    c->ftw = 0x0fff;
    c->fsw = 0x3000; /* stale TOP bits */
    g_assert_cmpint(run_slot(st, 0), ==, -1);
    g_assert_cmphex(mmx_get(c, 0), ==, 0x8000000000000000ULL);
    g_assert_cmphex(c->regs[R_AX], ==, 0);
    g_assert_cmpint(c->ftop, ==, 0);
    g_assert_cmphex(c->fsw & FSW_TOP, ==, 0);
    g_assert_cmphex(c->ftw, ==, 0xffff); /* EMMS: all empty */
    uint8_t *p = (uint8_t *)&c->st[0];
    g_assert_cmphex(p[8] | p[9] << 8, ==, 0xffff);
    /* the source register is only read */
    p = (uint8_t *)&c->st[2];
    g_assert_cmphex(p[8] | p[9] << 8, ==, 0x3fff);
    st_free(st);

    /* EMMS empties the tags and, like every MMX instruction, sets TOP to 0
     * (what the CPU does: tests/machine/test-softcpu-diff.c checks it against
     * KVM running the same code natively). */
    st = snippet(ST_PROT32, "emms");
    c = st->c;
    c->ftop = 3;
    c->ftw = 0x1234;
    g_assert_cmpint(run_slot(st, 0), ==, -1);
    g_assert_cmphex(c->ftw, ==, 0xffff);
    g_assert_cmpint(c->ftop, ==, 0);
    st_free(st);

    /* A fault in an MMX instruction happens before the transition. */
    st = snippet(ST_PROT32, "paddb 0x7ffffffc(%ebx,%ebx), %mm0");
    c = st->c;
    c->seg[S_DS].limit = 0xfffff;
    c->ftop = 3;
    c->ftw = 0x1234;
    g_assert_cmpint(run_slot(st, 0), ==, EX_GP);
    g_assert_cmpint(c->ftop, ==, 3);
    g_assert_cmphex(c->ftw, ==, 0x1234);
    st_free(st);

    /* Without EMMS the tags stay valid. */
    st = snippet(ST_PROT32, "pxor %mm5, %mm5");
    c = st->c;
    c->ftw = 0xffff;
    g_assert_cmpint(run_slot(st, 0), ==, -1);
    g_assert_cmphex(c->ftw, ==, 0);
    g_assert_cmphex(mmx_get(c, 5), ==, 0);
    st_free(st);
}

/* CPUID.1 advertises what this group implements. */
static void test_cpuid(void)
{
    struct soft_test *st = snippet(ST_PROT32, "mov $1, %eax\n cpuid");
    g_assert_cmpint(run_slot(st, 0), ==, -1);
    uint32_t ecx = (uint32_t)st->c->regs[R_CX], edx = (uint32_t)st->c->regs[R_DX];
    g_assert_cmphex(ecx & 1, ==, 1);              /* SSE3 */
    g_assert_cmphex(ecx & (1u << 9), ==, 1u << 9); /* SSSE3 */
    g_assert_cmphex(ecx & (1u << 3), ==, 0);       /* MONITOR/MWAIT: not implemented */
    g_assert_cmphex(edx & (0xfu << 23), ==, 0xfu << 23); /* MMX FXSR SSE SSE2 */
    st_free(st);
}

/* ---- robustness: random SSE-space instructions with random operands ---- */

static uint64_t xs64(uint64_t *st)
{
    uint64_t x = *st;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *st = x;
}

/* Random prefixes (66/F2/F3, REX), an opcode of this group's rows of the
 * 0F, 0F 38 and 0F 3A maps, a ModRM without SIB and an imm8 where the
 * form takes one; random registers, MXCSR and memory.  Whatever happens
 * must be an architectural outcome (a result or an exception): this test
 * exists for the sanitizer build. */
static void random_stress(enum st_mode mode, unsigned count)
{
    struct soft_test *st = batch_new(mode, (const char *const[]){ "nop" }, sizeof(char *), 1,
                                     NULL);
    struct cpu *c = st->c;
    uint64_t seed = 0x9e3779b97f4a7c15ULL ^ mode;
    static const uint8_t imm_ops[] = { 0x70, 0x71, 0x72, 0x73, 0xc2, 0xc4, 0xc5, 0xc6 };
    for (unsigned n = 0; n < count; n++) {
        uint8_t code[24];
        unsigned len = 0;
        uint64_t r = xs64(&seed);
        static const uint8_t pfx[] = { 0, 0x66, 0xf3, 0xf2, 0, 0 };
        if (pfx[r % 6])
            code[len++] = pfx[r % 6];
        if (mode == ST_LONG64 && (r >> 8) % 2)
            code[len++] = (uint8_t)(0x40 | ((r >> 12) & 15));
        code[len++] = 0x0f;
        unsigned map = (r >> 16) % 8, op = (r >> 24) & 0xff;
        bool imm = false;
        if (map == 0) {
            code[len++] = 0x38;
            op &= 0x1f;
        } else if (map == 1) {
            code[len++] = 0x3a;
            op = (op & 1) ? 0x0f : op;
            imm = true;
        } else {
            /* the 0F map: this group's rows (other groups' opcodes would
             * branch, switch modes or rewrite system state) */
            static const uint8_t rows[] = { 0x10, 0x28, 0x50, 0x58, 0x60, 0x68, 0x70, 0x78,
                                            0xc0, 0xd0, 0xd8, 0xe0, 0xe8, 0xf0, 0xf8 };
            op = rows[(r >> 36) % ARRAY_SIZE(rows)] | (op & 7);
            if (op == 0xc0 || op == 0xc1 || op == 0xc7 || op == 0x78 || op == 0x79)
                op = 0x58; /* XADD, group 9, VMREAD/VMWRITE: not this group */
            for (unsigned k = 0; k < ARRAY_SIZE(imm_ops); k++)
                imm |= op == imm_ops[k];
        }
        code[len++] = (uint8_t)op;
        unsigned mod = (r >> 40) & 3, rm = (r >> 42) & 7;
        if (mod != 3 && rm == 4)
            rm = 3;
        if (mod == 0 && rm == 5)
            rm = 6;
        if (mode == ST_REAL && mod == 0 && rm == 6)
            rm = 7; /* 16-bit: [disp16] form */
        code[len++] = (uint8_t)(mod << 6 | ((r >> 45) & 7) << 3 | rm);
        unsigned disp = mod == 1 ? 1 : mod == 2 ? (mode == ST_REAL ? 2 : 4) : 0;
        /* small displacements: memory operands stay in the data area,
         * away from the descriptor tables, page tables and code */
        for (unsigned k = 0; k < disp; k++)
            code[len++] = k < 2 ? (uint8_t)(xs64(&seed) >> 8) & 0x7f : 0;
        if (imm)
            code[len++] = (uint8_t)(xs64(&seed) >> 16);
        code[len++] = 0xf4;
        /* Rotate among 128 code slots: rewriting one address over and over
         * lengthens its block-cache hash chain (invalidated blocks stay
         * chained until the arena is flushed). */
        uint64_t at = 0x1000 + (n % 128) * 32;
        st_load(st, ST_CODE_ADDR + at, code, len);
        /* random state; the GPRs point into the data area (aligned or not) */
        for (unsigned k = 0; k < 16; k++) {
            uint64_t v = xs64(&seed);
            c->xmm[k].q[0] = v;
            c->xmm[k].q[1] = xs64(&seed);
            c->regs[k] = 0x40000 + ((v >> 20) % 0x8000 & ((v & 1) ? ~15ULL : ~0ULL));
        }
        for (unsigned k = 0; k < 8; k++)
            mmx_set(c, k, xs64(&seed));
        c->mxcsr = (uint32_t)xs64(&seed) & 0xffff;
        c->rip = (mode == ST_REAL ? 0 : ST_CODE_ADDR) + at;
        c->halted = false;
        c->regs[R_SP] = mode == ST_REAL ? 0xfff0 : ST_STACK_TOP;
        if (mode == ST_REAL)
            for (unsigned k = 0; k < 8; k++)
                c->regs[k] &= 0xffff;
        enum st_result res = st_run(st, 8);
        if (res != ST_HALTED && res != ST_BUDGET) {
            GString *hex = g_string_new("");
            for (unsigned k = 0; k < len; k++)
                g_string_append_printf(hex, " %02x", code[k]);
            g_error("mode %d case %u: result %d for%s", mode, n, res, hex->str);
        }
    }
    st_free(st);
}

/* SSE_STRESS=n runs n times as many (for longer sanitizer runs). */
static void test_random_stress(void)
{
    const char *env = g_getenv("SSE_STRESS");
    unsigned m = env ? (unsigned)atoi(env) : 1;
    random_stress(ST_PROT32, 3000 * m);
    random_stress(ST_LONG64, 3000 * m);
    random_stress(ST_REAL, 1000 * m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/softcpu/sse/int-xmm32", test_int_xmm32);
    g_test_add_func("/softcpu/sse/int-xmm64", test_int_xmm64);
    g_test_add_func("/softcpu/sse/int-xmm-real", test_int_xmm_real);
    g_test_add_func("/softcpu/sse/int-mmx32", test_int_mmx32);
    g_test_add_func("/softcpu/sse/int-mmx64", test_int_mmx64);
    g_test_add_func("/softcpu/sse/int-mmx-real", test_int_mmx_real);
    g_test_add_func("/softcpu/sse/fp32", test_fp32);
    g_test_add_func("/softcpu/sse/fp64", test_fp64);
    g_test_add_func("/softcpu/sse/fp-no-osxmmexcpt", test_fp_no_osxmmexcpt);
    g_test_add_func("/softcpu/sse/rcp-accuracy", test_rcp_accuracy);
    g_test_add_func("/softcpu/sse/gpr32", test_gpr32);
    g_test_add_func("/softcpu/sse/gpr64", test_gpr64);
    g_test_add_func("/softcpu/sse/stores", test_stores);
    g_test_add_func("/softcpu/sse/maskmov", test_maskmov);
    g_test_add_func("/softcpu/sse/long-gpr", test_long_gpr);
    g_test_add_func("/softcpu/sse/availability", test_availability);
    g_test_add_func("/softcpu/sse/encodings", test_encodings);
    g_test_add_func("/softcpu/sse/alignment", test_alignment);
    g_test_add_func("/softcpu/sse/store-page-fault", test_store_page_fault);
    g_test_add_func("/softcpu/sse/mmx-state", test_mmx_state);
    g_test_add_func("/softcpu/sse/cpuid", test_cpuid);
    g_test_add_func("/softcpu/sse/random-stress", test_random_stress);
    return g_test_run();
}
