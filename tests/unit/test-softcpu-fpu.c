/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Soft CPU: the x87 FPU, FXSAVE/FXRSTOR and the 0F AE group.  Expected
 * values come from the Intel SDM (Vol. 1 chapter 8, Vol. 2 instruction
 * pages): constants by rounding mode, FXAM classes, FPREM quotient bits,
 * FIST rounding, precision control, BCD, the FSAVE/FXSAVE layouts, stack
 * faults, masked responses, #MF through an IDT, #NM, FCOMI flags. */
#include <math.h>
#include <stdarg.h>
#include <cpuid.h>
#include <sys/mman.h>
#include "cpu/soft/fpu.h"
#include "hw/boot/boot.h"
#include "tests/support/softcpu.h"

#define D ST_DATA_ADDR
#define IDT_ADDR 0x8000ULL
#define STUBS 0x400 /* exception stubs: STUBS + 16 * vector */

/* ---- harness ---- */

static const int stub_vecs[] = { EX_UD, EX_NM, EX_GP, EX_PF, EX_MF };

/* Each stub sets ESI = 0x100 + vector and EDI = the word on top of the
 * stack (return address, or the error code of #GP/#PF), then halts. */
static char *with_stubs(enum st_mode mode, const char *body)
{
    GString *s = g_string_new(body);
    g_string_append(s, "\nhlt\n");
    for (size_t k = 0; k < ARRAY_SIZE(stub_vecs); k++) {
        int v = stub_vecs[k];
        g_string_append_printf(s, ".org 0x%x\n", STUBS + 16 * v);
        if (mode == ST_REAL)
            g_string_append_printf(s, "mov $0x%x, %%si\n mov %%sp, %%bp\n mov (%%bp), %%di\n hlt\n",
                                   0x100 + v);
        else if (mode == ST_PROT32)
            g_string_append_printf(s, "mov $0x%x, %%esi\n mov (%%esp), %%edi\n hlt\n", 0x100 + v);
        else
            g_string_append_printf(s, "mov $0x%x, %%esi\n mov (%%rsp), %%rdi\n hlt\n", 0x100 + v);
    }
    /* Data goes after the stubs. */
    g_string_append(s, ".org 0x600\n");
    return g_string_free(s, false);
}

static void install_handlers(struct soft_test *st)
{
    for (size_t k = 0; k < ARRAY_SIZE(stub_vecs); k++) {
        int v = stub_vecs[k];
        if (st->mode == ST_REAL) {
            uint32_t e = (uint32_t)(ST_CODE_ADDR >> 4) << 16 | (uint32_t)(STUBS + 16 * v);
            machine_write_phys(st->m, 4 * v, &e, 4);
        } else if (st->mode == ST_PROT32) {
            uint32_t off = (uint32_t)ST_CODE_ADDR + STUBS + 16 * v;
            uint32_t g[2] = { BOOT_CS << 16 | (off & 0xffff), (off & 0xffff0000u) | 0x8e00 };
            machine_write_phys(st->m, IDT_ADDR + 8 * v, g, 8);
        } else {
            uint32_t off = (uint32_t)ST_CODE_ADDR + STUBS + 16 * v;
            uint32_t g[4] = { BOOT_CS << 16 | (off & 0xffff), (off & 0xffff0000u) | 0x8e00, 0, 0 };
            machine_write_phys(st->m, IDT_ADDR + 16 * v, g, 16);
        }
    }
    if (st->mode != ST_REAL)
        st->c->idt = (struct x86_dtable){ IDT_ADDR, st->mode == ST_LONG64 ? 4095 : 2047 };
}

/* A test CPU with the exception stubs installed; `setup` may change CR0,
 * CR4, registers or memory before the code runs. */
static struct soft_test *prep(enum st_mode mode)
{
    struct soft_test *st = st_new(mode);
    install_handlers(st);
    return st;
}

static void run(struct soft_test *st, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void run(struct soft_test *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *body = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    char *src = with_stubs(st->mode, body);
    st_asm(st, src);
    if (st_run(st, 100000) != ST_HALTED)
        g_error("snippet did not halt (rip 0x%llx):\n%s", (unsigned long long)st->c->rip, src);
    g_free(body);
    g_free(src);
}

static uint64_t rd(struct soft_test *st, uint64_t a, unsigned n)
{
    uint64_t v = 0;
    g_assert_cmpint(machine_read_phys(st->m, a, &v, n), ==, 0);
    return v;
}

static double rdd(struct soft_test *st, uint64_t a)
{
    uint64_t v = rd(st, a, 8);
    double d;
    memcpy(&d, &v, 8);
    return d;
}

static struct f80 rd80(struct soft_test *st, uint64_t a)
{
    struct f80 v = { rd(st, a, 8), (uint16_t)rd(st, a + 8, 2) };
    return v;
}

static void fill(struct soft_test *st, uint64_t a, uint8_t byte, size_t n)
{
    uint8_t *b = g_malloc(n);
    memset(b, byte, n);
    machine_write_phys(st->m, a, b, n);
    g_free(b);
}

static void assert_f80(struct f80 v, uint16_t se, uint64_t m)
{
    if (v.se != se || v.m != m)
        g_error("got %04x:%016llx, want %04x:%016llx", v.se, (unsigned long long)v.m, se,
                (unsigned long long)m);
}

static long double ld_of(struct f80 v)
{
    long double x = 0;
    memcpy(&x, &v, 10);
    return x;
}

static uint16_t fsw(struct soft_test *st)
{
    return fpu_fsw(st->c);
}

static unsigned vec(struct soft_test *st)
{
    return (unsigned)(st->c->regs[R_SI] & 0xffff);
}

#define NO_EXC 0
#define EXC(v) (0x100u + (v))
#define DATA "\n.p2align 4\n"                                                       \
             "one: .double 1.0\n two: .double 2.0\n three: .double 3.0\n"          \
             "eight: .double 8.0\n f3: .float 3.0\n i5: .long 5\n s7: .word 7\n"

/* ---- conversions (the C side of FLD m32/m64, FILD) against the host ---- */

static void test_conversions(void)
{
    static const uint32_t f32[] = { 0, 0x80000000u, 0x3f800000u, 0x00000001u, 0x807fffffu,
                                    0x7f800000u, 0xff800000u, 0x7fc00000u, 0x7f7fffffu,
                                    0x00400000u, 0xc0490fdbu };
    static const uint64_t f64[] = { 0, 1ULL << 63, 0x3ff0000000000000ULL, 1, 0x800fffffffffffffULL,
                                    0x7ff0000000000000ULL, 0x7ff8000000000000ULL,
                                    0x7fefffffffffffffULL, 0x0008000000000000ULL,
                                    0x400921fb54442d18ULL };
    for (size_t k = 0; k < ARRAY_SIZE(f32); k++) {
        float f;
        memcpy(&f, &f32[k], 4);
        long double want = f;
        unsigned fl = 0;
        struct f80 got = f80_from_f32(f32[k], &fl);
        g_assert_cmpmem(&got, 10, &want, 10);
        bool denormal = !(f32[k] & 0x7f800000u) && (f32[k] & 0x7fffffu);
        g_assert_cmphex(fl, ==, denormal ? FE_DE : 0);
    }
    for (size_t k = 0; k < ARRAY_SIZE(f64); k++) {
        double d;
        memcpy(&d, &f64[k], 8);
        long double want = d;
        unsigned fl = 0;
        struct f80 got = f80_from_f64(f64[k], &fl);
        g_assert_cmpmem(&got, 10, &want, 10);
    }
    /* Signalling NaNs are quieted with IE. */
    unsigned fl = 0;
    struct f80 q = f80_from_f32(0x7fa00000u, &fl);
    assert_f80(q, 0x7fff, 0xe000000000000000ULL);
    g_assert_cmphex(fl, ==, FE_IE);
    fl = 0;
    q = f80_from_f64(0xfff4000000000000ULL, &fl);
    assert_f80(q, 0xffff, 0xe000000000000000ULL);
    g_assert_cmphex(fl, ==, FE_IE);
    static const int64_t ints[] = { 0, 1, -1, INT64_MAX, INT64_MIN, 12345, -32768 };
    for (size_t k = 0; k < ARRAY_SIZE(ints); k++) {
        long double want = (long double)ints[k];
        struct f80 got = f80_from_i64(ints[k]);
        g_assert_cmpmem(&got, 10, &want, 10);
    }
}

/* ---- constants ---- */

static void test_constants(void)
{
    /* SDM FLDL2T etc.: RC round-up adds an ulp; nearest rounds each
     * constant to its nearest value (up for all but log2(10)). */
    static const uint64_t lo[5] = { 0xd49a784bcd1b8afeULL, 0xb8aa3b295c17f0bbULL,
                                    0xc90fdaa22168c234ULL, 0x9a209a84fbcff798ULL,
                                    0xb17217f7d1cf79abULL };
    static const uint16_t se[5] = { 0x4000, 0x3fff, 0x4000, 0x3ffd, 0x3ffe };
    static const bool up_rn[5] = { false, true, true, true, true };
    for (unsigned rc = 0; rc < 4; rc++) {
        struct soft_test *st = prep(ST_PROT32);
        run(st, "fninit\n fldcw cw\n fld1\n fldl2t\n fldl2e\n fldpi\n fldlg2\n fldln2\n fldz\n"
                "fstpt 0x40060\n fstpt 0x40050\n fstpt 0x40040\n fstpt 0x40030\n"
                "fstpt 0x40020\n fstpt 0x40010\n fstpt 0x40000\n jmp 1f\n"
                "cw: .word 0x%x\n 1:", 0x37f | rc << 10);
        assert_f80(rd80(st, D), 0x3fff, 1ULL << 63);
        for (unsigned k = 0; k < 5; k++) {
            bool up = rc == 2 || (rc == 0 && up_rn[k]);
            assert_f80(rd80(st, D + 0x10 + 0x10 * k), se[k], lo[k] + up);
        }
        assert_f80(rd80(st, D + 0x60), 0, 0);
        g_assert_cmphex(fsw(st) & (FE_ALL | FSW_C1), ==, 0); /* no exceptions, C1 clear */
        st_free(st);
    }
}

/* ---- arithmetic forms ---- */

static void test_arith_forms(void)
{
    /* ST(0) = 8, ST(1) = 2, then one register-form instruction. */
    static const struct {
        uint8_t op[2];
        double st0, st1; /* st1 NAN: the instruction popped */
    } t[] = {
        { { 0xd8, 0xc1 }, 10, 2 },   { { 0xd8, 0xc9 }, 16, 2 },   { { 0xd8, 0xe1 }, 6, 2 },
        { { 0xd8, 0xe9 }, -6, 2 },   { { 0xd8, 0xf1 }, 4, 2 },    { { 0xd8, 0xf9 }, 0.25, 2 },
        { { 0xdc, 0xc1 }, 8, 10 },   { { 0xdc, 0xc9 }, 8, 16 },   { { 0xdc, 0xe1 }, 8, 6 },
        { { 0xdc, 0xe9 }, 8, -6 },   { { 0xdc, 0xf1 }, 8, 4 },    { { 0xdc, 0xf9 }, 8, 0.25 },
        { { 0xde, 0xc1 }, 10, NAN }, { { 0xde, 0xc9 }, 16, NAN }, { { 0xde, 0xe1 }, 6, NAN },
        { { 0xde, 0xe9 }, -6, NAN }, { { 0xde, 0xf1 }, 4, NAN },  { { 0xde, 0xf9 }, 0.25, NAN },
    };
    GString *s = g_string_new("");
    for (size_t k = 0; k < ARRAY_SIZE(t); k++)
        g_string_append_printf(s, "fninit\n fldl two\n fldl eight\n .byte 0x%x, 0x%x\n"
                                  "fstpl 0x%llx\n fstpl 0x%llx\n",
                               t[k].op[0], t[k].op[1], (unsigned long long)(D + 16 * k),
                               (unsigned long long)(D + 16 * k + 8));
    g_string_append(s, "jmp 1f\n" DATA "1:");
    struct soft_test *st = prep(ST_PROT32);
    run(st, "%s", s->str);
    g_string_free(s, true);
    for (size_t k = 0; k < ARRAY_SIZE(t); k++) {
        g_assert_cmpfloat(rdd(st, D + 16 * k), ==, t[k].st0);
        if (isnan(t[k].st1)) /* popped: the second store underflows -> indefinite */
            g_assert_cmphex(rd(st, D + 16 * k + 8, 8), ==, 0xfff8000000000000ULL);
        else
            g_assert_cmpfloat(rdd(st, D + 16 * k + 8), ==, t[k].st1);
    }
    st_free(st);

    /* Memory and integer operands, with ST(0) = 8. */
    st = prep(ST_PROT32);
    run(st, "fninit\n fldl eight\n fadds f3\n fstpl 0x40000\n"
            "fldl eight\n fmuls f3\n fstpl 0x40008\n fldl eight\n fsubs f3\n fstpl 0x40010\n"
            "fldl eight\n fsubrs f3\n fstpl 0x40018\n fldl eight\n fdivs f3\n fstpl 0x40020\n"
            "fldl eight\n fdivrs f3\n fstpl 0x40028\n fldl eight\n faddl two\n fstpl 0x40030\n"
            "fldl eight\n fiaddl i5\n fstpl 0x40038\n fldl eight\n fisubrs s7\n fstpl 0x40040\n"
            "fldl eight\n fidivl i5\n fstpl 0x40048\n fldl eight\n fimuls s7\n fstpl 0x40050\n"
            "fldl eight\n fisubl i5\n fstpl 0x40058\n fldl eight\n fidivrs s7\n fstpl 0x40060\n"
            "jmp 1f\n" DATA "1:");
    static const double want[] = { 11, 24, 5, -5, 0, 0.375, 10, 13, -1, 0, 56, 3, 0.875 };
    for (size_t k = 0; k < ARRAY_SIZE(want); k++) {
        double w = want[k];
        if (k == 4)
            w = (double)(8.0L / 3.0L);
        if (k == 9)
            w = (double)(8.0L / 5.0L);
        g_assert_cmpfloat(rdd(st, D + 8 * k), ==, w);
    }
    g_assert_cmphex(st->c->ftw, ==, 0xffff);
    st_free(st);
}

/* ---- FIST rounding, FISTTP, integer indefinite ---- */

static void test_fist_rounding(void)
{
    static const double v[5] = { 2.5, -2.5, 1.5, -1.7, 0.5 };
    static const int64_t want[4][5] = {
        { 2, -2, 2, -2, 0 },  /* nearest (even) */
        { 2, -3, 1, -2, 0 },  /* down */
        { 3, -2, 2, -1, 1 },  /* up */
        { 2, -2, 1, -1, 0 },  /* toward zero */
    };
    for (unsigned rc = 0; rc < 4; rc++) {
        GString *s = g_string_new("fninit\n fldcw cw\n");
        for (unsigned k = 0; k < 5; k++) {
            unsigned long long a = D + 0x40 * k;
            g_string_append_printf(s, "fldl v%u\n fistps 0x%llx\n fldl v%u\n fistpl 0x%llx\n"
                                      "fldl v%u\n fistpll 0x%llx\n fldl v%u\n fisttpl 0x%llx\n"
                                      "fldl v%u\n fisttps 0x%llx\n fldl v%u\n fisttpll 0x%llx\n",
                                   k, a, k, a + 8, k, a + 16, k, a + 24, k, a + 32, k, a + 40);
        }
        g_string_append_printf(s, "jmp 1f\n .p2align 3\n cw: .word 0x%x\n .p2align 3\n", 0x37f | rc << 10);
        for (unsigned k = 0; k < 5; k++)
            g_string_append_printf(s, "v%u: .double %.17g\n", k, v[k]);
        g_string_append(s, "1:");
        struct soft_test *st = prep(ST_PROT32);
        run(st, "%s", s->str);
        g_string_free(s, true);
        for (unsigned k = 0; k < 5; k++) {
            uint64_t a = D + 0x40 * k;
            g_assert_cmpint((int16_t)rd(st, a, 2), ==, want[rc][k]);
            g_assert_cmpint((int32_t)rd(st, a + 8, 4), ==, want[rc][k]);
            g_assert_cmpint((int64_t)rd(st, a + 16, 8), ==, want[rc][k]);
            g_assert_cmpint((int32_t)rd(st, a + 24, 4), ==, (int64_t)v[k]); /* FISTTP truncates */
            g_assert_cmpint((int16_t)rd(st, a + 32, 2), ==, (int64_t)v[k]);
            g_assert_cmpint((int64_t)rd(st, a + 40, 8), ==, (int64_t)v[k]);
        }
        g_assert_true(fsw(st) & FE_PE);
        g_assert_false(fsw(st) & FE_IE);
        st_free(st);
    }

    /* Out of range and NaN: masked IE stores the integer indefinite; C1 is
     * the round-up bit. */
    struct soft_test *st = prep(ST_PROT32);
    run(st, "fninit\n fldl big\n fistps 0x40000\n fldl big\n fistl 0x40008\n"
            "fldz\n fdiv %%st(0), %%st\n fistpll 0x40010\n"
            "fnclex\n fldcw up\n fldl h\n fistpl 0x40020\n fnstsw 0x40028\n"
            "fldcw dn\n fldl h\n fistpl 0x40030\n fnstsw 0x40038\n jmp 1f\n"
            ".p2align 3\n big: .double 1e10\n h: .double 2.5\n up: .word 0xb7f\n dn: .word 0x77f\n1:");
    g_assert_cmphex(rd(st, D, 2), ==, 0x8000);
    g_assert_cmphex(rd(st, D + 8, 4), ==, 0x80000000u);
    g_assert_cmphex(rd(st, D + 0x10, 8), ==, 1ULL << 63);
    g_assert_cmphex(rd(st, D + 0x20, 4), ==, 3);
    g_assert_cmphex(rd(st, D + 0x28, 2) & (FSW_C1 | FE_PE), ==, FSW_C1 | FE_PE);
    g_assert_cmphex(rd(st, D + 0x30, 4), ==, 2);
    g_assert_cmphex(rd(st, D + 0x38, 2) & (FSW_C1 | FE_PE), ==, FE_PE);
    st_free(st);
}

/* ---- precision control ---- */

static void test_precision_control(void)
{
    static const struct {
        unsigned pc;
        uint64_t m;
        bool up;
    } t[] = {
        { 0, 0xaaaaab0000000000ULL, true },  /* 24 bits */
        { 2, 0xaaaaaaaaaaaaa800ULL, false }, /* 53 bits */
        { 3, 0xaaaaaaaaaaaaaaabULL, true },  /* 64 bits */
    };
    for (size_t k = 0; k < ARRAY_SIZE(t); k++) {
        struct soft_test *st = prep(ST_PROT32);
        run(st, "fninit\n fldcw cw\n fld1\n fdivl three\n fnstsw 0x40010\n fstpt 0x40000\n"
                "fld1\n fldl three\n fstpt 0x40020\n" /* loads are not rounded */
                "jmp 1f\n cw: .word 0x%x\n" DATA "1:", 0x7f | t[k].pc << 8);
        assert_f80(rd80(st, D), 0x3ffd, t[k].m);
        g_assert_cmphex(rd(st, D + 0x10, 2) & (FE_PE | FSW_C1), ==,
                        FE_PE | (t[k].up ? FSW_C1 : 0));
        assert_f80(rd80(st, D + 0x20), 0x4000, 0xc000000000000000ULL);
        st_free(st);
    }
}

/* ---- FILD/FBLD/FBSTP ---- */

static void test_integer_bcd(void)
{
    struct soft_test *st = prep(ST_PROT32);
    run(st, "fninit\n filds w\n fistpl 0x40000\n fildl d\n fistpll 0x40008\n"
            "fildll q\n fistpll 0x40010\n fbld bcd\n fistpll 0x40018\n"
            "fildl n\n fchs\n fbstp 0x40020\n fldl h\n fbstp 0x40030\n"
            "fldl e18\n fbstp 0x40040\n fbstp 0x40050\n jmp 1f\n .p2align 3\n"
            "w: .word -12345\n .p2align 2\n d: .long 0x80000000\n .p2align 3\n"
            "q: .quad 0x7fffffffffffffff\n h: .double 2.5\n e18: .double 1e18\n"
            "n: .long 987654321\n"
            "bcd: .byte 0x78, 0x56, 0x34, 0x12, 0x90, 0x78, 0x56, 0x34, 0x12, 0x80\n 1:");
    g_assert_cmpint((int32_t)rd(st, D, 4), ==, -12345);
    g_assert_cmpint((int64_t)rd(st, D + 8, 8), ==, INT32_MIN);
    g_assert_cmphex(rd(st, D + 0x10, 8), ==, 0x7fffffffffffffffULL);
    g_assert_cmpint((int64_t)rd(st, D + 0x18, 8), ==, -123456789012345678LL);
    static const uint8_t neg[10] = { 0x21, 0x43, 0x65, 0x87, 0x09, 0, 0, 0, 0, 0x80 };
    static const uint8_t two[10] = { 0x02 }; /* 2.5 rounds to even */
    static const uint8_t indef[10] = { 0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff };
    uint8_t b[10];
    machine_read_phys(st->m, D + 0x20, b, 10);
    g_assert_cmpmem(b, 10, neg, 10);
    machine_read_phys(st->m, D + 0x30, b, 10);
    g_assert_cmpmem(b, 10, two, 10);
    machine_read_phys(st->m, D + 0x40, b, 10); /* 10^18 has 19 digits: invalid */
    g_assert_cmpmem(b, 10, indef, 10);
    machine_read_phys(st->m, D + 0x50, b, 10); /* empty stack: underflow */
    g_assert_cmpmem(b, 10, indef, 10);
    g_assert_cmphex(fsw(st) & (FE_IE | FSW_SF | FE_PE), ==, FE_IE | FSW_SF | FE_PE);
    st_free(st);
}

/* ---- FXAM ---- */

static void test_fxam(void)
{
    static const struct {
        uint16_t se;
        uint64_t m;
        uint16_t cc;
    } t[] = {
        { 0x3fff, 1ULL << 63, FSW_C2 },                    /* +normal */
        { 0xbfff, 1ULL << 63, FSW_C2 | FSW_C1 },           /* -normal */
        { 0x0000, 0, FSW_C3 },                             /* +0 */
        { 0x8000, 0, FSW_C3 | FSW_C1 },                    /* -0 */
        { 0x7fff, 1ULL << 63, FSW_C2 | FSW_C0 },           /* +inf */
        { 0xffff, 0xc000000000000000ULL, FSW_C0 | FSW_C1 }, /* -QNaN */
        { 0x0000, 1, FSW_C3 | FSW_C2 },                    /* denormal */
        { 0x0001, 1, 0 },                                  /* unnormal: unsupported */
    };
    for (size_t k = 0; k < ARRAY_SIZE(t); k++) {
        struct soft_test *st = prep(ST_PROT32);
        struct f80 v = { t[k].m, t[k].se };
        machine_write_phys(st->m, D, &v, 10);
        run(st, "fninit\n fldt 0x40000\n fxam\n fnstsw %%ax");
        g_assert_cmphex(st->c->regs[R_AX] & FSW_CC, ==, t[k].cc);
        st_free(st);
    }
    /* Empty: C3 C0, C1 the sign of whatever the register holds. */
    struct soft_test *st = prep(ST_PROT32);
    run(st, "fninit\n fxam\n fnstsw %%ax");
    g_assert_cmphex(st->c->regs[R_AX] & (FSW_C3 | FSW_C2 | FSW_C0), ==, FSW_C3 | FSW_C0);
    st_free(st);
}

/* ---- FPREM / FPREM1 ---- */

static void test_fprem(void)
{
    struct soft_test *st = prep(ST_PROT32);
    run(st, "fninit\n fldl three\n fldl ten\n fprem\n fnstsw 0x40000\n fstpt 0x40010\n"
            "fldl eleven\n fprem\n fnstsw 0x40002\n fstpt 0x40020\n"
            "fldl eleven\n fprem1\n fnstsw 0x40004\n fstpt 0x40030\n"
            "fldt big\n fprem\n fnstsw 0x40006\n"
            "2: fprem\n fnstsw %%ax\n test $4, %%ah\n jnz 2b\n fstpt 0x40040\n"
            "jmp 1f\n .p2align 3\n ten: .double 10\n eleven: .double 11\n"
            "big: .quad 0x8000000000000000\n .word 0x4063\n" DATA "1:");
    /* 10 = 3*3 + 1: Q = 011 -> C0 = Q2 = 0, C3 = Q1 = 1, C1 = Q0 = 1; C2 = 0. */
    g_assert_cmphex(rd(st, D, 2) & FSW_CC, ==, FSW_C3 | FSW_C1);
    assert_f80(rd80(st, D + 0x10), 0x3fff, 1ULL << 63);
    /* 11 = 3*3 + 2 */
    g_assert_cmphex(rd(st, D + 2, 2) & FSW_CC, ==, FSW_C3 | FSW_C1);
    assert_f80(rd80(st, D + 0x20), 0x4000, 1ULL << 63);
    /* FPREM1: 11 = 3*4 - 1: Q = 100 -> C0 */
    g_assert_cmphex(rd(st, D + 4, 2) & FSW_CC, ==, FSW_C0);
    assert_f80(rd80(st, D + 0x30), 0xbfff, 1ULL << 63);
    /* 2^100 mod 3: exponent difference > 63 -> partial (C2), then 1. */
    g_assert_cmphex(rd(st, D + 6, 2) & FSW_C2, ==, FSW_C2);
    assert_f80(rd80(st, D + 0x40), 0x3fff, 1ULL << 63);
    st_free(st);
}

/* ---- stack faults ---- */

static void test_stack_faults(void)
{
    /* Nine pushes: the ninth overflows; masked: IE SF C1, QNaN indefinite. */
    struct soft_test *st = prep(ST_PROT32);
    run(st, "fninit\n fld1\n fld1\n fld1\n fld1\n fld1\n fld1\n fld1\n fld1\n fnstsw 0x40000\n"
            "fldpi\n");
    struct cpu *c = st->c;
    g_assert_cmphex(rd(st, D, 2) & (FE_IE | FSW_SF), ==, 0);
    g_assert_cmphex(fsw(st) & (FE_IE | FSW_SF | FSW_C1 | FSW_ES), ==, FE_IE | FSW_SF | FSW_C1);
    g_assert_cmpint(c->ftop, ==, 7);
    assert_f80(fpu_get(c, 0), 0xffff, 0xc000000000000000ULL);
    g_assert_cmphex(c->ftw, ==, 0x8000); /* R7 special, the rest valid */
    st_free(st);

    /* Underflow: an empty operand; masked: the destination gets the
     * indefinite, C1 = 0. */
    st = prep(ST_PROT32);
    run(st, "fninit\n fld1\n fld1\n fstp %%st(1)\n fadd %%st(1), %%st\n");
    c = st->c;
    g_assert_cmphex(fsw(st) & (FE_IE | FSW_SF | FSW_C1), ==, FE_IE | FSW_SF);
    assert_f80(fpu_get(c, 0), 0xffff, 0xc000000000000000ULL);

    /* FXCH with an empty register (masked): both become valid NaNs. */
    st_free(st);
    st = prep(ST_PROT32);
    run(st, "fninit\n fld1\n fxch %%st(3)\n");
    c = st->c;
    assert_f80(fpu_get(c, 0), 0xffff, 0xc000000000000000ULL);
    assert_f80(fpu_get(c, 3), 0x3fff, 1ULL << 63);
    g_assert_cmphex(fsw(st) & (FE_IE | FSW_SF), ==, FE_IE | FSW_SF);
    st_free(st);

    /* Unmasked IE: nothing changes, ES and B are set, #MF waits for the
     * next waiting instruction (here none: NE = 1 but only FN* follow). */
    st = prep(ST_PROT32);
    st->c->cr0 |= CR0_NE;
    run(st, "fninit\n fldcw cw\n fld1\n fadd %%st(2), %%st\n fnstsw 0x40000\n fnstcw 0x40002\n"
            "jmp 1f\n cw: .word 0x37e\n 1:");
    c = st->c;
    g_assert_cmpuint(vec(st), ==, NO_EXC);
    g_assert_cmphex(rd(st, D, 2), ==, FSW_B | FSW_ES | FSW_SF | FE_IE | 7 << 11);
    g_assert_cmphex(rd(st, D + 2, 2), ==, 0x37e);
    assert_f80(fpu_get(c, 0), 0x3fff, 1ULL << 63);
    st_free(st);
}

/* ---- masked responses ---- */

static void test_masked_responses(void)
{
    struct soft_test *st = prep(ST_PROT32);
    run(st, "fninit\n fldz\n fld1\n fdiv %%st(1), %%st\n fstpt 0x40000\n fnstsw 0x40080\n"
            "fnclex\n fldz\n fdiv %%st(0), %%st\n fstpt 0x40010\n fnstsw 0x40082\n"
            "fnclex\n fld1\n fchs\n fsqrt\n fstpt 0x40020\n fnstsw 0x40084\n"
            "fnclex\n fldt huge\n fldt huge\n fmulp\n fnstsw 0x40086\n fstpt 0x40030\n"
            "fnclex\n fldt tiny\n fldt tiny2\n fmulp\n fstpt 0x40040\n fnstsw 0x40088\n"
            "fnclex\n fld1\n fdivl three\n fnstsw 0x4008a\n fstp %%st(0)\n"
            "fldcw rd\n fnclex\n fld1\n fdivl three\n fnstsw 0x4008c\n fstp %%st(0)\n"
            "fldcw rn\n fnclex\n fldl e300\n fsts 0x40050\n fnstsw 0x4008e\n"
            "fnclex\n fldt t140\n fsts 0x40054\n fnstsw 0x40090\n"
            "fnclex\n flds snan\n fnstsw 0x40092\n fstpt 0x40060\n"
            "fnclex\n flds den\n fnstsw 0x40094\n fstpt 0x40070\n"
            "jmp 1f\n .p2align 3\n"
            "huge: .quad 0xc000000000000000\n .word 0x7e8f\n .p2align 3\n"
            "tiny: .quad 0xffffffffffffffff\n .word 0x017f\n .p2align 3\n"
            "tiny2: .quad 0x8000000000000000\n .word 0x3e6f\n .p2align 3\n"
            "t140: .quad 0x8000000000000000\n .word 0x3f73\n .p2align 3\n"
            "e300: .double 1e300\n snan: .long 0x7fa00000\n den: .long 1\n"
            "rd: .word 0x77f\n rn: .word 0x37f\n" DATA "1:");
    uint16_t s[11];
    machine_read_phys(st->m, D + 0x80, s, sizeof(s));
    /* 1/0: ZE, +inf */
    assert_f80(rd80(st, D), 0x7fff, 1ULL << 63);
    g_assert_cmphex(s[0] & FE_ALL, ==, FE_ZE);
    /* 0/0: IE, indefinite */
    assert_f80(rd80(st, D + 0x10), 0xffff, 0xc000000000000000ULL);
    g_assert_cmphex(s[1] & FE_ALL, ==, FE_IE);
    /* sqrt(-1): IE, indefinite */
    assert_f80(rd80(st, D + 0x20), 0xffff, 0xc000000000000000ULL);
    g_assert_cmphex(s[2] & FE_ALL, ==, FE_IE);
    /* overflow, nearest: +inf with OE PE and C1 (rounded up) */
    assert_f80(rd80(st, D + 0x30), 0x7fff, 1ULL << 63);
    g_assert_cmphex(s[3] & (FE_ALL | FSW_C1), ==, FE_OE | FE_PE | FSW_C1);
    /* underflow: a denormal, UE PE */
    struct f80 u = rd80(st, D + 0x40);
    g_assert_cmphex(u.se, ==, 0);
    g_assert_cmphex(s[4] & FE_ALL, ==, FE_UE | FE_PE);
    /* 1/3 rounds up to nearest (C1 = 1), down when RC = down (C1 = 0) */
    g_assert_cmphex(s[5] & (FE_ALL | FSW_C1), ==, FE_PE | FSW_C1);
    g_assert_cmphex(s[6] & (FE_ALL | FSW_C1), ==, FE_PE);
    /* FST m32 of 1e300: +inf, OE PE */
    g_assert_cmphex(rd(st, D + 0x50, 4), ==, 0x7f800000u);
    g_assert_cmphex(s[7] & FE_ALL, ==, FE_OE | FE_PE);
    /* FST m32 of 2^-140: an exact denormal, no underflow when masked */
    g_assert_cmphex(rd(st, D + 0x54, 4), ==, 0x200);
    g_assert_cmphex(s[8] & FE_ALL, ==, 0);
    /* FLD m32 SNaN: IE and a QNaN; denormal: DE and normalized */
    g_assert_cmphex(s[9] & FE_ALL, ==, FE_IE);
    assert_f80(rd80(st, D + 0x60), 0x7fff, 0xe000000000000000ULL);
    g_assert_cmphex(s[10] & FE_ALL, ==, FE_DE);
    assert_f80(rd80(st, D + 0x70), 0x3f6a, 1ULL << 63);
    st_free(st);
}

/* Unmasked overflow/underflow to a register: result biased by 24576;
 * to memory: nothing stored. */
static void test_unmasked_biased(void)
{
    struct soft_test *st = prep(ST_PROT32);
    run(st, "fninit\n fldcw cw\n fldt a\n fldt a\n fmulp\n fnstsw 0x40080\n fstpt 0x40000\n"
            "fnclex\n fldt tiny\n fldt tiny2\n fmulp\n fnstsw 0x40082\n fstpt 0x40010\n"
            "fnclex\n fldt t140\n fstps 0x40020\n fnstsw 0x40084\n"
            "jmp 1f\n .p2align 3\n"
            "a: .quad 0xc000000000000000\n .word 0x7e8f\n .p2align 3\n"
            "tiny: .quad 0xffffffffffffffff\n .word 0x017f\n .p2align 3\n"
            "tiny2: .quad 0x8000000000000000\n .word 0x3e6f\n .p2align 3\n"
            "t140: .quad 0x8000000000000000\n .word 0x3f73\n"
            "cw: .word 0x367\n 1:");
    /* (1.5 * 2^16016)^2 = 1.125 * 2^32033 -> exponent 32033 - 24576 */
    assert_f80(rd80(st, D), 32033 - 24576 + 16383, 0x9000000000000000ULL);
    g_assert_cmphex(rd(st, D + 0x80, 2) & (FE_ALL | FSW_ES), ==, FE_OE | FSW_ES);
    /* (all-ones * 2^-16000) * 2^-400: exact with exponent -16400 + 24576 */
    assert_f80(rd80(st, D + 0x10), (uint16_t)(-16400 + 24576 + 16383), ~0ULL);
    g_assert_cmphex(rd(st, D + 0x82, 2) & (FE_ALL | FSW_ES), ==, FE_UE | FSW_ES);
    /* 2^-140 to m32 with UE unmasked: tiny, nothing stored, no pop */
    g_assert_cmphex(rd(st, D + 0x20, 4), ==, 0);
    g_assert_cmphex(rd(st, D + 0x84, 2) & (FE_ALL | FSW_ES), ==, FE_UE | FSW_ES);
    g_assert_false(fpu_empty(st->c, 0));
    g_assert_cmpint(st->c->ftop, ==, 7);
    st_free(st);
}

/* ---- #MF through the IDT / IVT ---- */

static void test_mf(void)
{
    static const enum st_mode modes[] = { ST_REAL, ST_PROT32, ST_LONG64 };
    for (size_t k = 0; k < ARRAY_SIZE(modes); k++) {
        struct soft_test *st = prep(modes[k]);
        struct cpu *c = st->c;
        c->cr0 |= CR0_NE;
        const char *bx = modes[k] == ST_REAL ? "%bx" : modes[k] == ST_PROT32 ? "%ebx" : "%rbx";
        const char *dx = modes[k] == ST_REAL ? "%dx" : modes[k] == ST_PROT32 ? "%edx" : "%rdx";
        const char *cs = modes[k] == ST_REAL ? "%cs:" : "";
        run(st, "fninit\n fldcw %scw\n fldz\n fld1\n"
                "fdiv %%st(1), %%st\n" /* 1/0 with ZE unmasked */
                "mov $5, %%cx\n fnstsw %%ax\n fnclex\n fldcw %scw\n" /* no-wait: no #MF */
                "fldcw %scw2\n mov $second, %s\n mov $there, %s\n"
                "second: fdiv %%st(1), %%st\n" /* pending again */
                "there: fld1\n hlt\n"
                "cw: .word 0x37b\n cw2: .word 0x37b\n",
            cs, cs, cs, dx, bx);
        g_assert_cmpuint(vec(st), ==, EXC(EX_MF));
        uint64_t m = modes[k] == ST_REAL ? 0xffff : ~0ULL;
        g_assert_cmphex(c->regs[R_DI] & m, ==, c->regs[R_BX] & m);
        g_assert_cmphex(c->regs[R_CX] & 0xffff, ==, 5);
        /* FNSTSW saw the pending exception: ES, B, ZE; TOP = 6 */
        g_assert_cmphex(c->regs[R_AX] & 0xffff, ==, FSW_B | FSW_ES | FE_ZE | 6 << 11);
        /* The second FDIV left ST(0) = 1.0; FLD1 did not run. */
        g_assert_cmpint(c->ftop, ==, 6);
        assert_f80(fpu_get(c, 0), 0x3fff, 1ULL << 63);
        g_assert_cmphex(c->fop, ==, 0x0f1); /* D8 F1 */
        g_assert_cmphex(c->fip, ==, c->regs[R_DX] & m);
        st_free(st);
    }

    /* CR0.NE = 0: no FERR# line yet, the exception is ignored (IGNNE#). */
    struct soft_test *st = prep(ST_PROT32);
    run(st, "fninit\n fldcw cw\n fldz\n fld1\n fdiv %%st(1), %%st\n fld1\n"
            "jmp 1f\n cw: .word 0x37b\n 1:");
    g_assert_cmpuint(vec(st), ==, NO_EXC);
    g_assert_cmpint(st->c->ftop, ==, 5);
    st_free(st);

    /* FLDCW, FLDENV and FRSTOR wait too (as processors do); FXRSTOR, the FN*
     * forms, FENI/FSETPM do not. */
    static const struct {
        const char *code;
        unsigned want;
    } w[] = {
        { "fldcw 0x40000", EXC(EX_MF) }, { "fldenv 0x40000", EXC(EX_MF) },
        { "frstor 0x40000", EXC(EX_MF) }, { "fnop", EXC(EX_MF) },
        { "fxrstor 0x40000", NO_EXC }, { "fxsave 0x40000", NO_EXC },
        { "fnstenv 0x40000", NO_EXC }, { "fnsave 0x40000", NO_EXC },
        { ".byte 0xdb, 0xe4", NO_EXC }, { "fnclex\n fnop", NO_EXC },
    };
    for (size_t k = 0; k < ARRAY_SIZE(w); k++) {
        st = prep(ST_PROT32);
        st->c->cr0 |= CR0_NE;
        uint32_t img[8] = { 0x37f, 0, 0xffff, 0, 0, 0, 0, 0x1f80 };
        machine_write_phys(st->m, D, img, sizeof(img));
        run(st, "fninit\n fldcw cw\n fldz\n fld1\n fdiv %%st(1), %%st\n %s\n"
                "jmp 2f\n cw: .word 0x37b\n 2:", w[k].code);
        g_assert_cmpuint(vec(st), ==, w[k].want);
        st_free(st);
    }

    /* FWAIT delivers it too. */
    st = prep(ST_PROT32);
    st->c->cr0 |= CR0_NE;
    run(st, "fninit\n fldcw cw\n fldz\n fld1\n fdiv %%st(1), %%st\n mov $1f, %%ebx\n 1: fwait\n"
            "jmp 2f\n cw: .word 0x37b\n 2:");
    g_assert_cmpuint(vec(st), ==, EXC(EX_MF));
    g_assert_cmphex(st->c->regs[R_DI], ==, st->c->regs[R_BX]);
    st_free(st);
}

/* ---- #NM (SDM Vol. 3A table 2-2) and the 0F AE checks ---- */

static void test_nm(void)
{
    static const struct {
        uint32_t cr0;
        const char *code;
        unsigned want;
    } t[] = {
        { CR0_TS, "fld1", EXC(EX_NM) },
        { CR0_EM, "fld1", EXC(EX_NM) },
        { CR0_TS, "fnstsw %ax", EXC(EX_NM) },
        { CR0_TS, "fwait", NO_EXC },
        { CR0_TS | CR0_MP, "fwait", EXC(EX_NM) },
        { CR0_EM, "fwait", NO_EXC },
        { CR0_EM | CR0_MP | CR0_TS, "fwait", EXC(EX_NM) },
        { CR0_MP, "fld1", NO_EXC },
        { CR0_TS, "fxsave 0x40000", EXC(EX_NM) },
        { CR0_EM, "fxrstor 0x40000", EXC(EX_NM) },
        { CR0_TS, "mfence", NO_EXC },
    };
    for (size_t k = 0; k < ARRAY_SIZE(t); k++) {
        struct soft_test *st = prep(ST_PROT32);
        st->c->cr0 |= t[k].cr0;
        run(st, "mov $1f, %%ebx\n 1: %s\n", t[k].code);
        g_assert_cmpuint(vec(st), ==, t[k].want);
        if (t[k].want)
            g_assert_cmphex(st->c->regs[R_DI], ==, st->c->regs[R_BX]);
        st_free(st);
    }

    /* LDMXCSR/STMXCSR: #UD without CR4.OSFXSR or with EM, #NM with TS,
     * #GP for reserved bits. */
    static const struct {
        uint32_t cr0, cr4;
        const char *code;
        unsigned want;
    } m[] = {
        { 0, 0, "ldmxcsr 0x40000", EXC(EX_UD) },
        { CR0_EM, CR4_OSFXSR, "stmxcsr 0x40000", EXC(EX_UD) },
        { CR0_TS, CR4_OSFXSR, "ldmxcsr 0x40000", EXC(EX_NM) },
        { 0, CR4_OSFXSR, "ldmxcsr 0x40004", EXC(EX_GP) },
        { 0, CR4_OSFXSR, "ldmxcsr 0x40000\n stmxcsr 0x40008", NO_EXC },
        { 0, 0, "xsave 0x40000", EXC(EX_UD) },
        { 0, 0, "xrstor 0x40000", EXC(EX_UD) },
        { 0, 0, "xsaveopt 0x40000", EXC(EX_UD) },
        { 0, 0, ".byte 0xf0\n fxsave 0x40000", EXC(EX_UD) },
    };
    for (size_t k = 0; k < ARRAY_SIZE(m); k++) {
        struct soft_test *st = prep(ST_PROT32);
        st->c->cr0 |= m[k].cr0;
        st->c->cr4 |= m[k].cr4;
        uint32_t img[2] = { 0x1fa0, 0x10000 };
        machine_write_phys(st->m, D, img, 8);
        run(st, "%s", m[k].code);
        g_assert_cmpuint(vec(st), ==, m[k].want);
        if (m[k].want == NO_EXC) {
            g_assert_cmphex(st->c->mxcsr, ==, 0x1fa0);
            g_assert_cmphex(rd(st, D + 8, 4), ==, 0x1fa0);
        }
        st_free(st);
    }
}

/* ---- FCOM, FCOMI, FCMOV ---- */

static void test_compare(void)
{
    struct soft_test *st = prep(ST_PROT32);
    run(st, "fninit\n fld1\n fldl two\n"
            "fcom %%st(1)\n fnstsw 0x40000\n fcomi %%st(1), %%st\n pushf\n pop %%eax\n mov %%eax, 0x40010\n"
            "fxch\n fcom %%st(1)\n fnstsw 0x40002\n fcomi %%st(1), %%st\n pushf\n pop %%eax\n mov %%eax, 0x40014\n"
            "fcoml one\n fnstsw 0x40004\n fld1\n fucomi %%st(1), %%st\n pushf\n pop %%eax\n mov %%eax, 0x40018\n"
            "fstp %%st(0)\n"
            "fldl nan\n fucomi %%st(1), %%st\n pushf\n pop %%eax\n mov %%eax, 0x4001c\n fnstsw 0x40006\n"
            "mov $0x7f, %%al\n add $1, %%al\n" /* OF SF AF set: FCOMI clears them */
            "fcomip %%st(1), %%st\n pushf\n pop %%eax\n mov %%eax, 0x40020\n fnstsw 0x40008\n"
            "ficoms s7\n fnstsw 0x4000a\n"
            "jmp 1f\n .p2align 3\n nan: .quad 0x7ff8000000000000\n" DATA "1:");
    uint16_t s[6];
    machine_read_phys(st->m, D, s, sizeof(s));
    uint32_t arith = F_ZF | F_PF | F_CF | F_OF | F_SF | F_AF;
    g_assert_cmphex(s[0] & FSW_CC, ==, 0);                    /* 2 > 1 */
    g_assert_cmphex(rd(st, D + 0x10, 4) & arith, ==, 0);
    g_assert_cmphex(s[1] & FSW_CC, ==, FSW_C0);               /* 1 < 2 */
    g_assert_cmphex(rd(st, D + 0x14, 4) & arith, ==, F_CF);
    g_assert_cmphex(s[2] & FSW_CC, ==, FSW_C3);               /* 1 = 1.0f */
    g_assert_cmphex(rd(st, D + 0x18, 4) & arith, ==, F_ZF);
    /* unordered: FUCOMI with a QNaN sets ZF PF CF without IE */
    g_assert_cmphex(rd(st, D + 0x1c, 4) & arith, ==, F_ZF | F_PF | F_CF);
    g_assert_cmphex(s[3] & FE_IE, ==, 0);
    /* FCOMIP with a QNaN: IE, unordered, pops; OF SF AF cleared */
    g_assert_cmphex(rd(st, D + 0x20, 4) & arith, ==, F_ZF | F_PF | F_CF);
    g_assert_cmphex(s[4] & FE_IE, ==, FE_IE);
    /* FICOM 1 vs 7 */
    g_assert_cmphex(s[5] & (FSW_C0 | FSW_C2 | FSW_C3), ==, FSW_C0);
    g_assert_cmpint(st->c->ftop, ==, 6);
    st_free(st);

    /* FCMOVcc: the condition comes from EFLAGS. */
    st = prep(ST_PROT32);
    run(st, "fninit\n fldl two\n fld1\n stc\n fcmovb %%st(1), %%st\n fstpl 0x40000\n"
            "fld1\n clc\n fcmovb %%st(1), %%st\n fstpl 0x40008\n"
            "fld1\n xor %%eax, %%eax\n fcmove %%st(1), %%st\n fstpl 0x40010\n"
            "fld1\n fcmovne %%st(1), %%st\n fstpl 0x40018\n"
            "jmp 1f\n" DATA "1:");
    g_assert_cmpfloat(rdd(st, D), ==, 2);
    g_assert_cmpfloat(rdd(st, D + 8), ==, 1);
    g_assert_cmpfloat(rdd(st, D + 0x10), ==, 2);
    g_assert_cmpfloat(rdd(st, D + 0x18), ==, 1);
    st_free(st);
}

/* ---- transcendental and other one-operand instructions ---- */

static void test_transcendental(void)
{
    struct soft_test *st = prep(ST_PROT32);
    run(st, "fninit\n fldz\n fsincos\n fstpt 0x40000\n fstpt 0x40010\n"
            "fldz\n fptan\n fstpt 0x40020\n fstpt 0x40030\n"
            "fld1\n fld1\n fpatan\n fstpt 0x40040\n"
            "fld1\n fldl eight\n fyl2x\n fstpt 0x40050\n"
            "fldt big\n fsin\n fnstsw 0x40200\n fstpt 0x40060\n"
            "fldt big\n fsincos\n fnstsw 0x40202\n fstpt 0x40070\n"
            "fldl twelve\n fxtract\n fstpt 0x40080\n fstpt 0x40090\n"
            "fldl three\n fldl onehalf\n fscale\n fstpt 0x400a0\n fstp %%st(0)\n"
            "fldl twohalf\n frndint\n fstpt 0x400b0\n"
            "fldl two\n fsqrt\n fstpt 0x400c0\n"
            "fldl onehalf\n fchs\n fabs\n fchs\n fstpt 0x400d0\n"
            "fld1\n fchs\n fld1\n fscale\n fstpt 0x400e0\n fstp %%st(0)\n"
            "fldz\n fxtract\n fnstsw 0x40204\n fstpt 0x400f0\n fstpt 0x40100\n"
            "jmp 1f\n .p2align 3\n twelve: .double 12\n onehalf: .double 1.5\n"
            "twohalf: .double 2.5\n big: .quad 0x8000000000000000\n .word 0x403f\n" DATA "1:");
    assert_f80(rd80(st, D), 0x3fff, 1ULL << 63);         /* cos 0 */
    assert_f80(rd80(st, D + 0x10), 0, 0);                /* sin 0 */
    assert_f80(rd80(st, D + 0x20), 0x3fff, 1ULL << 63);  /* FPTAN pushes 1.0 */
    assert_f80(rd80(st, D + 0x30), 0, 0);
    struct f80 pi4 = rd80(st, D + 0x40);                 /* atan(1) = pi/4 */
    g_assert_cmphex(pi4.se, ==, 0x3ffe);
    g_assert_cmphex(pi4.m - 0xc90fdaa22168c234ULL, <=, 1);
    assert_f80(rd80(st, D + 0x50), 0x4000, 0xc000000000000000ULL); /* 1*log2(8) = 3 */
    /* |x| >= 2^63: C2 set, ST(0) unchanged, nothing pushed */
    g_assert_cmphex(rd(st, D + 0x200, 2) & FSW_C2, ==, FSW_C2);
    assert_f80(rd80(st, D + 0x60), 0x403f, 1ULL << 63);
    g_assert_cmphex(rd(st, D + 0x202, 2) & (FSW_C2 | FSW_TOP), ==, FSW_C2 | 7 << 11);
    assert_f80(rd80(st, D + 0x70), 0x403f, 1ULL << 63);
    assert_f80(rd80(st, D + 0x80), 0x3fff, 0xc000000000000000ULL); /* 12 = 1.5 * 2^3 */
    assert_f80(rd80(st, D + 0x90), 0x4000, 0xc000000000000000ULL);
    assert_f80(rd80(st, D + 0xa0), 0x4002, 0xc000000000000000ULL); /* 1.5 * 2^3 */
    assert_f80(rd80(st, D + 0xb0), 0x4000, 1ULL << 63);            /* rint(2.5) = 2 */
    assert_f80(rd80(st, D + 0xc0), 0x3fff, 0xb504f333f9de6484ULL); /* sqrt 2 */
    assert_f80(rd80(st, D + 0xd0), 0xbfff, 0xc000000000000000ULL);
    assert_f80(rd80(st, D + 0xe0), 0x3ffe, 1ULL << 63);            /* 1 * 2^-1 */
    /* FXTRACT of 0: ZE, significand 0, exponent -inf */
    g_assert_cmphex(rd(st, D + 0x204, 2) & FE_ZE, ==, FE_ZE);
    assert_f80(rd80(st, D + 0xf0), 0, 0);
    assert_f80(rd80(st, D + 0x100), 0xffff, 1ULL << 63);
    g_assert_cmpint(st->c->ftop, ==, 0);
    st_free(st);

    /* F2XM1 and FYL2XP1 against the host's long double library */
    st = prep(ST_PROT32);
    run(st, "fninit\n fldl h\n f2xm1\n fstpt 0x40000\n fld1\n fldl h\n fyl2xp1\n fstpt 0x40010\n"
            "jmp 1f\n .p2align 3\n h: .double 0.5\n 1:");
    g_assert_true(fabsl(ld_of(rd80(st, D)) - (sqrtl(2.0L) - 1)) < 1e-18L);
    g_assert_true(fabsl(ld_of(rd80(st, D + 0x10)) - log2l(1.5L)) < 1e-18L);
    st_free(st);
}

/* ---- stack control ---- */

static void test_stack_control(void)
{
    struct soft_test *st = prep(ST_PROT32);
    run(st, "fninit\n fld1\n fldz\n fincstp\n fnstsw 0x40000\n fdecstp\n fdecstp\n"
            "fnstsw 0x40002\n fincstp\n ffree %%st(1)\n fnop\n"
            ".byte 0xdf, 0xc0\n" /* FFREEP ST(0) */);
    g_assert_cmphex(rd(st, D, 2) & FSW_TOP, ==, 7 << 11);
    g_assert_cmphex(rd(st, D + 2, 2) & FSW_TOP, ==, 5 << 11);
    g_assert_cmpint(st->c->ftop, ==, 7);
    g_assert_cmphex(st->c->ftw, ==, 0xffff);
    st_free(st);
}

/* ---- FSAVE/FRSTOR, FSTENV/FLDENV layouts ---- */

static void test_fsave_prot32(void)
{
    struct soft_test *st = prep(ST_PROT32);
    struct cpu *c = st->c;
    run(st, "fninit\n fldcw cw\n fld1\n fldz\n fldt den\n fldl two\n"
            "mov $here, %%ebx\n mov $two, %%ecx\n here: faddl two\n"
            "fnsave 0x40000\n fnstcw 0x40100\n fnstsw 0x40102\n frstor 0x40000\n"
            "fnstenv 0x40200\n fnstcw 0x40104\n"
            "jmp 1f\n .p2align 3\n cw: .word 0x27f\n .p2align 3\n"
            "den: .quad 1\n .word 0\n" DATA "1:");
    uint64_t here = c->regs[R_BX], two = c->regs[R_CX];
    uint8_t b[108];
    machine_read_phys(st->m, D, b, sizeof(b));
    g_assert_cmphex(ld16(b), ==, 0x27f);
    g_assert_cmphex(ld16(b + 4), ==, 4 << 11);      /* TOP = 4 */
    /* R7 1.0 valid, R6 zero, R5 denormal special, R4 valid, R0-R3 empty */
    g_assert_cmphex(ld16(b + 8), ==, 0x18ff);
    g_assert_cmphex(ld32(b + 12), ==, here);
    g_assert_cmphex(ld32(b + 16), ==, BOOT_CS | 0x405u << 16); /* FCS, FOP = DC 05 */
    g_assert_cmphex(ld32(b + 20), ==, two);
    g_assert_cmphex(ld32(b + 24), ==, BOOT_DS);
    struct f80 r;
    memcpy(&r, b + 28, 10);
    assert_f80(r, 0x4001, 1ULL << 63);              /* ST(0) = 4.0 */
    memcpy(&r, b + 38, 10);
    assert_f80(r, 0, 1);                            /* ST(1) denormal */
    memcpy(&r, b + 48, 10);
    assert_f80(r, 0, 0);
    memcpy(&r, b + 58, 10);
    assert_f80(r, 0x3fff, 1ULL << 63);
    /* FNSAVE re-initializes */
    g_assert_cmphex(rd(st, D + 0x100, 2), ==, 0x37f);
    g_assert_cmphex(rd(st, D + 0x102, 2), ==, 0);
    /* FRSTOR brought it all back; FNSTENV then masked everything */
    g_assert_cmpint(c->ftop, ==, 4);
    g_assert_cmphex(c->ftw, ==, 0x18ff);
    g_assert_cmphex(c->fip, ==, here);
    g_assert_cmphex(c->fdp, ==, two);
    g_assert_cmphex(c->fop, ==, 0x405);
    assert_f80(fpu_get(c, 0), 0x4001, 1ULL << 63);
    g_assert_cmphex(rd(st, D + 0x104, 2), ==, 0x27f | FE_ALL);
    uint8_t e[28];
    machine_read_phys(st->m, D + 0x200, e, sizeof(e));
    g_assert_cmpmem(e, 28, b, 28);
    st_free(st);

    /* 16-bit protected format (operand-size prefix) */
    st = prep(ST_PROT32);
    c = st->c;
    run(st, "fninit\n fld1\n mov $here, %%ebx\n mov $two, %%ecx\n here: faddl two\n"
            ".byte 0x66\n fnstenv 0x40000\n fninit\n .byte 0x66\n fldenv 0x40000\n"
            "jmp 1f\n" DATA "1:");
    uint8_t s[14];
    machine_read_phys(st->m, D, s, sizeof(s));
    g_assert_cmphex(ld16(s), ==, 0x37f);
    g_assert_cmphex(ld16(s + 2), ==, 7 << 11);
    g_assert_cmphex(ld16(s + 4), ==, 0x3fff);
    g_assert_cmphex(ld16(s + 6), ==, c->regs[R_BX] & 0xffff);
    g_assert_cmphex(ld16(s + 8), ==, BOOT_CS);
    g_assert_cmphex(ld16(s + 10), ==, c->regs[R_CX] & 0xffff);
    g_assert_cmphex(ld16(s + 12), ==, BOOT_DS);
    g_assert_cmpint(c->ftop, ==, 7);
    g_assert_cmphex(c->fcw, ==, 0x37f); /* the image before the masking */
    g_assert_cmphex(c->ftw, ==, 0x3fff);
    st_free(st);
}

static void test_fsave_real(void)
{
    /* 16-bit real-mode format: 20-bit linear pointers with the opcode. */
    struct soft_test *st = prep(ST_REAL);
    struct cpu *c = st->c;
    run(st, "fninit\n fld1\n mov $here, %%bx\n mov $one, %%cx\n here: faddl %%cs:one\n"
            "fnsave 0\n frstor 0\n .byte 0x66\n fnstenv 0x100\n"
            "jmp 1f\n" DATA "1:");
    uint8_t b[94];
    machine_read_phys(st->m, D, b, sizeof(b));
    uint32_t ip = (uint32_t)ST_CODE_ADDR + (uint32_t)(c->regs[R_BX] & 0xffff);
    uint32_t dp = (uint32_t)ST_CODE_ADDR + (uint32_t)(c->regs[R_CX] & 0xffff);
    g_assert_cmphex(ld16(b), ==, 0x37f);
    g_assert_cmphex(ld16(b + 2), ==, 7 << 11);
    g_assert_cmphex(ld16(b + 4), ==, 0x3fff);
    g_assert_cmphex(ld16(b + 6), ==, ip & 0xffff);
    g_assert_cmphex(ld16(b + 8), ==, (ip >> 16) << 12 | 0x406); /* FOP DC 06 */
    g_assert_cmphex(ld16(b + 10), ==, dp & 0xffff);
    g_assert_cmphex(ld16(b + 12), ==, (dp >> 16) << 12);
    struct f80 r;
    memcpy(&r, b + 14, 10);
    assert_f80(r, 0x4000, 1ULL << 63); /* 2.0 */
    assert_f80(fpu_get(c, 0), 0x4000, 1ULL << 63);
    g_assert_cmphex(c->fip, ==, ip); /* real-format load: linear, no selector */
    /* 32-bit real-mode format */
    uint8_t e[28];
    machine_read_phys(st->m, D + 0x100, e, sizeof(e));
    g_assert_cmphex(ld32(e + 12), ==, ip & 0xffff);
    g_assert_cmphex(ld32(e + 16), ==, (ip >> 16) << 12 | 0x406);
    g_assert_cmphex(ld32(e + 20), ==, dp & 0xffff);
    g_assert_cmphex(ld32(e + 24), ==, (dp >> 16) << 12);
    st_free(st);
}

/* A multi-part store that faults on its second page writes nothing. */
static void test_fsave_page_fault(void)
{
    struct soft_test *st = prep(ST_LONG64);
    uint64_t pd1 = 0; /* unmap 2-4 MiB */
    machine_write_phys(st->m, 0x3008, &pd1, 8);
    fill(st, 0x1fffc0, 0xaa, 64);
    run(st, "fninit\n fld1\n fnsave 0x1fffd0\n");
    g_assert_cmpuint(vec(st), ==, EXC(EX_PF));
    g_assert_cmphex(st->c->cr2, ==, 0x200000);
    g_assert_cmphex(rd(st, 0x1fffd0, 8), ==, 0xaaaaaaaaaaaaaaaaULL);
    g_assert_cmpint(st->c->ftop, ==, 7); /* FNSAVE did not re-initialize */
    st_free(st);
}

/* ---- FXSAVE / FXRSTOR ---- */

static void test_fxsave32(void)
{
    struct soft_test *st = prep(ST_PROT32);
    struct cpu *c = st->c;
    c->cr4 |= CR4_OSFXSR;
    c->mxcsr = 0x1fa0;
    for (unsigned k = 0; k < 16; k++)
        for (unsigned j = 0; j < 16; j++)
            c->xmm[k].b[j] = (uint8_t)(k * 16 + j);
    fill(st, D, 0x5a, 512);
    run(st, "fninit\n fldcw cw\n fldl two\n mov $here, %%ebx\n mov $two, %%ecx\n here: fldz\n"
            "fxsave 0x40000\n fninit\n fxrstor 0x40000\n"
            "jmp 1f\n cw: .word 0x27f\n" DATA "1:");
    uint8_t b[512];
    machine_read_phys(st->m, D, b, sizeof(b));
    g_assert_cmphex(ld16(b), ==, 0x27f);
    g_assert_cmphex(ld16(b + 2), ==, 6 << 11);
    g_assert_cmphex(b[4], ==, 0xc0); /* R6, R7 in use */
    g_assert_cmphex(b[5], ==, 0);
    g_assert_cmphex(ld16(b + 6), ==, 0x1ee); /* D9 EE */
    g_assert_cmphex(ld32(b + 8), ==, c->regs[R_BX]);
    g_assert_cmphex(ld16(b + 12), ==, BOOT_CS);
    g_assert_cmphex(ld32(b + 16), ==, c->regs[R_CX]);
    g_assert_cmphex(ld16(b + 20), ==, BOOT_DS);
    g_assert_cmphex(ld32(b + 24), ==, 0x1fa0);
    g_assert_cmphex(ld32(b + 28), ==, 0xffff);
    struct f80 r;
    memcpy(&r, b + 32, 10);
    assert_f80(r, 0, 0);
    memcpy(&r, b + 48, 10);
    assert_f80(r, 0x4000, 1ULL << 63);
    for (unsigned j = 0; j < 128; j++)
        g_assert_cmphex(b[160 + j], ==, j);
    for (unsigned j = 288; j < 512; j++) /* XMM8-15 and the software area untouched */
        g_assert_cmphex(b[j], ==, 0x5a);
    g_assert_cmpint(c->ftop, ==, 6);
    g_assert_cmphex(c->ftw, ==, 0x1fff);
    g_assert_cmphex(c->fcw, ==, 0x27f);
    assert_f80(fpu_get(c, 1), 0x4000, 1ULL << 63);
    st_free(st);

    /* Misaligned: #GP(0); reserved MXCSR bits in the image: #GP(0). */
    st = prep(ST_PROT32);
    run(st, "fxsave 0x40008");
    g_assert_cmpuint(vec(st), ==, EXC(EX_GP));
    g_assert_cmphex(st->c->regs[R_DI], ==, 0);
    st_free(st);
    st = prep(ST_PROT32);
    uint32_t bad = 0x10000;
    machine_write_phys(st->m, D + 24, &bad, 4);
    st->c->mxcsr = 0x1f80;
    run(st, "fninit\n fld1\n fxrstor 0x40000");
    g_assert_cmpuint(vec(st), ==, EXC(EX_GP));
    g_assert_cmpint(st->c->ftop, ==, 7); /* nothing restored */
    g_assert_cmphex(st->c->mxcsr, ==, 0x1f80);
    st_free(st);
}

static void test_fxsave64(void)
{
    struct soft_test *st = prep(ST_LONG64);
    struct cpu *c = st->c;
    for (unsigned k = 0; k < 16; k++)
        memset(c->xmm[k].b, 0x10 + k, 16);
    fill(st, D, 0x5a, 0x400);
    run(st, "fninit\n fld1\n lea here(%%rip), %%rbx\n mov $two, %%ecx\n here: fldl two\n"
            "fxsave64 0x40000\n fxsave 0x40200\n"
            "fninit\n fxrstor64 0x40000\n jmp 1f\n" DATA "1:");
    uint8_t b[512];
    machine_read_phys(st->m, D, b, sizeof(b));
    g_assert_cmphex(ld64(b + 8), ==, c->regs[R_BX]);  /* 64-bit FIP */
    g_assert_cmphex(ld16(b + 6), ==, 0x504);          /* DD /0, SIB absolute */
    g_assert_cmphex(ld64(b + 16), ==, c->regs[R_CX]); /* FDP = &two */
    for (unsigned k = 0; k < 16; k++)
        g_assert_cmphex(b[160 + 16 * k], ==, 0x10 + k);
    g_assert_cmphex(b[464], ==, 0x5a);
    machine_read_phys(st->m, D + 0x200, b, sizeof(b));
    g_assert_cmphex(ld32(b + 8), ==, (uint32_t)c->regs[R_BX]); /* 32-bit FIP + FCS */
    g_assert_cmphex(ld16(b + 12), ==, BOOT_CS);
    g_assert_cmphex(ld16(b + 20), ==, BOOT_DS);
    g_assert_cmphex(b[160 + 16 * 15], ==, 0x1f);
    g_assert_cmpint(c->ftop, ==, 6);
    g_assert_cmphex(c->fip, ==, c->regs[R_BX]);
    assert_f80(fpu_get(c, 0), 0x4000, 1ULL << 63);
    st_free(st);
}

/* ---- control word / status word / environment ---- */

static void test_control(void)
{
    struct soft_test *st = prep(ST_PROT32);
    struct cpu *c = st->c;
    run(st, "fninit\n fldz\n fld1\n fdiv %%st(1), %%st\n fnstsw 0x40000\n"
            "fldcw cw\n fnstsw 0x40002\n fnstcw 0x40004\n" /* unmasking ZE makes it pending */
            "fnclex\n fnstsw 0x40006\n fldcw cw2\n fnstcw 0x40008\n"
            "jmp 1f\n cw: .word 0x37b\n cw2: .word 0xffff\n 1:");
    g_assert_cmphex(rd(st, D, 2), ==, FE_ZE | 6 << 11);
    g_assert_cmphex(rd(st, D + 2, 2), ==, FSW_B | FSW_ES | FE_ZE | 6 << 11);
    g_assert_cmphex(rd(st, D + 4, 2), ==, 0x37b);
    g_assert_cmphex(rd(st, D + 6, 2), ==, 6 << 11);
    g_assert_cmphex(rd(st, D + 8, 2), ==, 0x1f7f); /* reserved bits */
    g_assert_cmphex(c->fcw, ==, 0x1f7f);
    st_free(st);
}

/* ---- CLFLUSH and fences ---- */

static void test_grp15_misc(void)
{
    struct soft_test *st = prep(ST_LONG64);
    run(st, "lfence\n mfence\n sfence\n clflush 0x40000\n mov $1, %%eax\n");
    g_assert_cmpuint(vec(st), ==, NO_EXC);
    g_assert_cmphex(st->c->regs[R_AX], ==, 1);
    st_free(st);

    st = prep(ST_LONG64);
    run(st, "movabs $0x8000000000000000, %%rax\n clflush (%%rax)");
    g_assert_cmpuint(vec(st), ==, EXC(EX_GP));
    st_free(st);

    st = prep(ST_LONG64);
    uint64_t pd1 = 0;
    machine_write_phys(st->m, 0x3008, &pd1, 8);
    run(st, "clflush 0x200040");
    g_assert_cmpuint(vec(st), ==, EXC(EX_PF));
    g_assert_cmphex(st->c->cr2, ==, 0x200040);
    st_free(st);
}


/* ---- differential: random register-form sequences, soft CPU vs host ---- */

/* x87 register forms (with the aliases processors execute: FCOM2, FCOMP3,
 * FCOMP5, FXCH4, FXCH7, FSTP1, FSTP8, FSTP9, FFREEP) and memory forms on
 * [rdi + 0x80..0xbf] (inputs) and [rdi + 0x1c0..0x1ff] (stores). */
static unsigned gen_op(GRand *r, uint8_t *b)
{
    unsigned i = (unsigned)g_rand_int_range(r, 0, 8);
    switch (g_rand_int_range(r, 0, 18)) {
    case 0: case 1: b[0] = 0xd8; b[1] = (uint8_t)(0xc0 + g_rand_int_range(r, 0, 64)); break;
    case 2: b[0] = 0xdc; b[1] = (uint8_t)(0xc0 + g_rand_int_range(r, 0, 64)); break;
    case 3: b[0] = 0xde; b[1] = (uint8_t)(0xc0 + g_rand_int_range(r, 0, 64));
        if ((b[1] & 0xf8) == 0xd8)
            b[1] = 0xd9; /* only DE D9 (FCOMPP) in that row */
        break;
    case 4: b[0] = 0xd9; b[1] = (uint8_t)(0xc0 + 8 * g_rand_int_range(r, 0, 2) + i); break;
    case 5: b[0] = 0xdd; b[1] = (uint8_t)(0xc0 + g_rand_int_range(r, 0, 48)); break;
    case 6: b[0] = 0xdb; b[1] = (uint8_t)(0xe8 + 8 * g_rand_int_range(r, 0, 2) + i); break;
    case 7: b[0] = 0xdf; b[1] = (uint8_t)(0xc0 + 8 * g_rand_int_range(r, 0, 4) + i);
        if (g_rand_boolean(r))
            b[1] = (uint8_t)(0xe8 + 8 * g_rand_int_range(r, 0, 2) + i);
        break;
    case 8: b[0] = (uint8_t)(0xda + g_rand_int_range(r, 0, 2)); b[1] = (uint8_t)(0xc0 + g_rand_int_range(r, 0, 32)); break;
    case 9: { static const uint8_t m[] = { 0xe0, 0xe1, 0xe4, 0xe5, 0xd0 };
        b[0] = 0xd9; b[1] = m[g_rand_int_range(r, 0, 5)]; break; }
    case 10: b[0] = 0xd9; b[1] = (uint8_t)(0xe8 + g_rand_int_range(r, 0, 7)); break;
    case 11: case 12: b[0] = 0xd9; b[1] = (uint8_t)(0xf0 + g_rand_int_range(r, 0, 16)); break;
    case 13: b[0] = 0xd9; b[1] = (uint8_t)(0xd8 + i); break; /* FSTP1 */
    case 14: b[0] = 0xda; b[1] = 0xe9; break;                 /* FUCOMPP */
    default: {
        /* memory forms: opcode, ModRM.reg, disp32 from rdi */
        static const uint8_t ops[][2] = {
            { 0xd8, 0xff }, { 0xdc, 0xff }, { 0xda, 0xff }, { 0xde, 0xff },
            { 0xd9, 0 }, { 0xd9, 2 }, { 0xd9, 3 }, { 0xdd, 0 }, { 0xdd, 1 }, { 0xdd, 2 },
            { 0xdd, 3 }, { 0xdb, 0 }, { 0xdb, 1 }, { 0xdb, 2 }, { 0xdb, 3 }, { 0xdb, 5 },
            { 0xdb, 7 }, { 0xdf, 0 }, { 0xdf, 1 }, { 0xdf, 2 }, { 0xdf, 3 }, { 0xdf, 4 },
            { 0xdf, 5 }, { 0xdf, 6 }, { 0xdf, 7 },
        };
        unsigned k = (unsigned)g_rand_int_range(r, 0, ARRAY_SIZE(ops));
        unsigned reg = ops[k][1] == 0xff ? (unsigned)g_rand_int_range(r, 0, 8) : ops[k][1];
        bool store = (ops[k][0] == 0xd9 && reg >= 2) || (ops[k][0] == 0xdd && reg >= 1) ||
                     (ops[k][0] == 0xdb && (reg == 1 || reg == 2 || reg == 3 || reg == 7)) ||
                     (ops[k][0] == 0xdf && (reg == 1 || reg == 2 || reg == 3 || reg >= 6));
        uint32_t disp = store ? 0x1c0 + 16 * (uint32_t)g_rand_int_range(r, 0, 4)
                              : 0x80 + 2 * (uint32_t)g_rand_int_range(r, 0, 24);
        b[0] = ops[k][0];
        b[1] = (uint8_t)(0x87 | reg << 3);
        memcpy(b + 2, &disp, 4);
        return 6;
    }
    }
    return 2;
}

static const struct f80 pool[] = {
    { 1ULL << 63, 0x3fff }, { 0xc000000000000000ULL, 0x4000 }, { 1ULL << 63, 0xbffe },
    { 0, 0 }, { 0, 0x8000 }, { 1ULL << 63, 0x7fff }, { 1ULL << 63, 0xffff },
    { 0xc000000000000000ULL, 0x7fff }, { 0xa000000000000000ULL, 0x7fff }, /* QNaN, SNaN */
    { 1, 0 }, { 0x4000000000000000ULL, 0x8000 }, /* denormals */
    { 0xc90fdaa22168c235ULL, 0x4000 }, { 0xffffffffffffffffULL, 0x7ffe },
    { 1ULL << 63, 0x0001 }, { 0x8000000000000001ULL, 0x403e }, { 0xaaaaaaaaaaaaaaabULL, 0x3ffd },
    { 0x4000000000000000ULL, 0x3fff }, /* unnormal */ { 0x8000000000000000ULL, 0x0000 }, /* pseudo-denormal */
    { 0xb17217f7d1cf79acULL, 0x3ffe }, { 1ULL << 63, 0x4063 }, { 0xd49a784bcd1b8afeULL, 0xc00d },
};

static void test_native_diff(void)
{
    uint8_t *exec = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (exec == MAP_FAILED) {
        g_test_skip("no executable mapping for the native run");
        return;
    }
    /* The aliases' and undefined flags' behaviour checked here is Intel's. */
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    __get_cpuid(0, &eax, &ebx, &ecx, &edx);
    if (ebx != 0x756e6547 || edx != 0x49656e69 || ecx != 0x6c65746e) {
        g_test_skip("not an Intel host");
        munmap(exec, 4096);
        return;
    }
    GRand *r = g_rand_new_with_seed(0x87);
    unsigned mismatches = 0;
    for (unsigned round = 0; round < 5000; round++) {
        uint8_t code[256];
        uint8_t data[0x400] __attribute__((aligned(16)));
        unsigned n = 0;
        memset(data, 0, sizeof(data));
        uint16_t cw = (uint16_t)(0x7f | g_rand_int_range(r, 0, 16) << 8);
        if (((cw >> 8) & 3) == 1)
            cw |= 0x200; /* PC = 01 is reserved */
        memcpy(data, &cw, 2);
        /* Memory inputs: halves of special patterns and random bits. */
        static const uint64_t pats[] = { 0, 0x3ff0000000000000ULL, 0x7ff0000000000000ULL,
                                         0x7ff4000000000000ULL, 0xfff8000000000000ULL,
                                         0x000fffffffffffffULL, 0x3f8000007fc00000ULL,
                                         0x7f80000000000001ULL, 0x0000000100800000ULL,
                                         0x1234567890123456ULL, 0x4e6e6b2800000000ULL };
        for (unsigned k = 0; k < 8; k++) {
            uint64_t v = g_rand_boolean(r) ? pats[g_rand_int_range(r, 0, ARRAY_SIZE(pats))]
                                           : (uint64_t)g_rand_int(r) << 32 | g_rand_int(r);
            memcpy(data + 0x80 + 8 * k, &v, 8);
        }
        unsigned nload = (unsigned)g_rand_int_range(r, 0, 6);
        for (unsigned k = 0; k < nload; k++)
            memcpy(data + 16 + 16 * k, &pool[g_rand_int_range(r, 0, ARRAY_SIZE(pool))], 10);
        /* 8x fldz first: empty registers then hold +0 on both sides (FXAM
         * reports an empty register's sign). */
        static const uint8_t pre[] = { 0xd9, 0xee, 0xd9, 0xee, 0xd9, 0xee, 0xd9, 0xee,
                                       0xd9, 0xee, 0xd9, 0xee, 0xd9, 0xee, 0xd9, 0xee,
                                       0xdb, 0xe3, 0xd9, 0x2f, 0x31, 0xc0 };
        memcpy(code, pre, sizeof(pre)); /* fninit; fldcw [rdi]; xor eax, eax */
        n = sizeof(pre);
        for (unsigned k = 0; k < nload; k++) {
            code[n++] = 0xdb; /* fldt [rdi + 16 + 16k] */
            code[n++] = 0x6f;
            code[n++] = (uint8_t)(16 + 16 * k);
        }
        unsigned nops = (unsigned)g_rand_int_range(r, 1, 12);
        /* Half the time the last instruction runs with random masks: an
         * unmasked exception only becomes pending (FXSAVE, FNSAVE and
         * FNSTSW do not wait), so the host survives it. */
        bool unmask = g_rand_boolean(r);
        uint16_t cw2 = (uint16_t)((cw & ~FE_ALL) | g_rand_int_range(r, 0, 64));
        memcpy(data + 2, &cw2, 2);
        for (unsigned k = 0; k < nops; k++) {
            if (unmask && k == nops - 1) {
                static const uint8_t um[] = { 0xdb, 0xe2, 0xd9, 0x6f, 0x02 }; /* fnclex; fldcw [rdi+2] */
                memcpy(code + n, um, sizeof(um));
                n += sizeof(um);
            }
            n += gen_op(r, code + n);
            code[n++] = 0xdd; /* fnstsw [rdi + 0x40 + 2k]: a status trace */
            code[n++] = 0x7f;
            code[n++] = (uint8_t)(0x40 + 2 * k);
        }
        static const uint8_t post[] = { 0x0f, 0xae, 0x87, 0x00, 0x02, 0, 0,    /* fxsave [rdi+0x200] */
                                        0xdd, 0xb7, 0x00, 0x01, 0, 0,          /* fnsave [rdi+0x100] */
                                        0x9c, 0x58, 0x48, 0x89, 0x87, 0x80, 0x01, 0, 0 };
        memcpy(code + n, post, sizeof(post));
        n += sizeof(post);
        code[n] = 0xc3; /* ret (native) / hlt (soft) */

        uint8_t want[0x400] __attribute__((aligned(16)));
        memcpy(want, data, sizeof(want));
        memcpy(exec, code, n + 1);
        __builtin___clear_cache((char *)exec, (char *)exec + n + 1);
        ((void (*)(void *))(uintptr_t)exec)(want);

        struct soft_test *st = st_new(ST_LONG64);
        code[n] = 0xf4;
        st_load(st, ST_CODE_ADDR, code, n + 1);
        machine_write_phys(st->m, D, data, sizeof(data));
        st->c->regs[R_DI] = D;
        g_assert_cmpint(st_run(st, 1000), ==, ST_HALTED);
        uint8_t got[0x400];
        machine_read_phys(st->m, D, got, sizeof(got));
        st_free(st);

        uint64_t fl_mask = F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF;
        bool same = !memcmp(got + 0x100, want + 0x100, 2) &&         /* FCW */
                    !memcmp(got + 0x104, want + 0x104, 2) &&         /* FSW */
                    !memcmp(got + 0x108, want + 0x108, 2) &&         /* FTW */
                    ((ld64(got + 0x180) ^ ld64(want + 0x180)) & fl_mask) == 0 &&
                    !memcmp(got + 0x40, want + 0x40, 2 * nops) &&
                    !memcmp(got + 0x1c0, want + 0x1c0, 0x40) &&
                    !memcmp(got + 0x200, want + 0x200, 5); /* FXSAVE: FCW FSW FTW */
        /* Registers tagged empty keep stale contents: compare the others. */
        unsigned top = (ld16(want + 0x104) >> 11) & 7, tw = ld16(want + 0x108);
        for (unsigned k = 0; k < 8; k++)
            if (((tw >> (2 * ((top + k) & 7))) & 3) != TAG_EMPTY &&
                (memcmp(got + 0x100 + 28 + 10 * k, want + 0x100 + 28 + 10 * k, 10) ||
                 memcmp(got + 0x220 + 16 * k, want + 0x220 + 16 * k, 10)))
                same = false;
        if (!same) {
            GString *s = g_string_new("");
            for (unsigned k = 0; k < n; k++)
                g_string_append_printf(s, "%02x ", code[k]);
            for (unsigned k = 0; k < nops; k++)
                g_printerr(" [%u] %04x/%04x", k, ld16(got + 0x40 + 2 * k), ld16(want + 0x40 + 2 * k));
            g_printerr("\nmismatch (cw %04x, last %04x): %s\n fsw %04x/%04x ftw %04x/%04x fl %llx/%llx\n", cw, unmask ? cw2 : cw, s->str,
                       ld16(got + 0x104), ld16(want + 0x104), ld16(got + 0x108),
                       ld16(want + 0x108), (unsigned long long)(ld64(got + 0x180) & fl_mask),
                       (unsigned long long)(ld64(want + 0x180) & fl_mask));
            for (unsigned k = 0; k < 8; k++) {
                struct f80 a, b;
                memcpy(&a, got + 0x100 + 28 + 10 * k, 10);
                memcpy(&b, want + 0x100 + 28 + 10 * k, 10);
                if (memcmp(&a, &b, 10) &&
                    ((tw >> (2 * ((top + k) & 7))) & 3) != TAG_EMPTY)
                    g_printerr("  st%u %04x:%016llx / %04x:%016llx\n", k, a.se,
                               (unsigned long long)a.m, b.se, (unsigned long long)b.m);
            }
            g_string_free(s, true);
            mismatches++;
        }
    }
    g_rand_free(r);
    munmap(exec, 4096);
    g_assert_cmpuint(mismatches, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/softcpu/fpu/conversions", test_conversions);
    g_test_add_func("/softcpu/fpu/constants", test_constants);
    g_test_add_func("/softcpu/fpu/arith-forms", test_arith_forms);
    g_test_add_func("/softcpu/fpu/fist-rounding", test_fist_rounding);
    g_test_add_func("/softcpu/fpu/precision-control", test_precision_control);
    g_test_add_func("/softcpu/fpu/integer-bcd", test_integer_bcd);
    g_test_add_func("/softcpu/fpu/fxam", test_fxam);
    g_test_add_func("/softcpu/fpu/fprem", test_fprem);
    g_test_add_func("/softcpu/fpu/stack-faults", test_stack_faults);
    g_test_add_func("/softcpu/fpu/masked-responses", test_masked_responses);
    g_test_add_func("/softcpu/fpu/unmasked-biased", test_unmasked_biased);
    g_test_add_func("/softcpu/fpu/mf", test_mf);
    g_test_add_func("/softcpu/fpu/nm", test_nm);
    g_test_add_func("/softcpu/fpu/compare", test_compare);
    g_test_add_func("/softcpu/fpu/transcendental", test_transcendental);
    g_test_add_func("/softcpu/fpu/stack-control", test_stack_control);
    g_test_add_func("/softcpu/fpu/fsave-prot32", test_fsave_prot32);
    g_test_add_func("/softcpu/fpu/fsave-real", test_fsave_real);
    g_test_add_func("/softcpu/fpu/fsave-page-fault", test_fsave_page_fault);
    g_test_add_func("/softcpu/fpu/fxsave32", test_fxsave32);
    g_test_add_func("/softcpu/fpu/fxsave64", test_fxsave64);
    g_test_add_func("/softcpu/fpu/control", test_control);
    g_test_add_func("/softcpu/fpu/grp15-misc", test_grp15_misc);
    g_test_add_func("/softcpu/fpu/native-diff", test_native_diff);
    return g_test_run();
}
