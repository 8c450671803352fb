/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Soft CPU: string instructions (MOVS CMPS STOS LODS SCAS INS OUTS with
 * REP/REPE/REPNE), BCD adjust (DAA DAS AAA AAS AAM AAD), BOUND, and the bit
 * instructions (BT* BSF BSR LZCNT POPCNT SHLD SHRD), in real, 32-bit and
 * 64-bit mode.  Expected values and flags come from the Intel SDM Vol. 2
 * instruction pages (operation pseudo-code and examples). */
#include <string.h>
#include "tests/support/softcpu.h"

#define CF F_CF
#define PF F_PF
#define AF F_AF
#define ZF F_ZF
#define SF F_SF
#define OF F_OF
#define ARITH (CF | PF | AF | ZF | SF | OF)

#define STUB_BASE 0x20000ULL /* exception stubs: one HLT per vector, 16 apart */
#define IDT_ADDR 0x8000ULL
#define D1 0x100000ULL      /* data areas for flat modes */
#define D2 0x180000ULL

/* ---- helpers ---- */

static void wr(struct soft_test *st, uint64_t a, const void *p, size_t n)
{
    g_assert_cmpint(machine_write_phys(st->m, a, p, n), ==, 0);
}

static void rd(struct soft_test *st, uint64_t a, void *p, size_t n)
{
    g_assert_cmpint(machine_read_phys(st->m, a, p, n), ==, 0);
}

static void pattern(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t k = 0; k < n; k++)
        p[k] = (uint8_t)(k * 7 + seed + (k >> 8));
}

/* Route vectors 0-31 to HLT stubs so a test can see which one was raised. */
static void catch_exceptions(struct soft_test *st)
{
    struct cpu *c = st->c;
    uint8_t hlt = 0xf4;
    for (unsigned v = 0; v < 32; v++) {
        st_load(st, STUB_BASE + 16 * v, &hlt, 1);
        uint64_t off = STUB_BASE + 16 * v;
        if (st->mode == ST_REAL) {
            uint32_t ent = (uint32_t)((STUB_BASE >> 4) << 16) | (16 * v);
            wr(st, 4 * v, &ent, 4);
        } else if (st->mode == ST_PROT32) {
            uint64_t g = (off & 0xffff) | (0x10ULL << 16) | (0x8eULL << 40) |
                         ((off >> 16) << 48);
            wr(st, IDT_ADDR + 8 * v, &g, 8);
        } else {
            uint64_t g[2] = { (off & 0xffff) | (0x10ULL << 16) | (0x8eULL << 40) |
                                  (((off >> 16) & 0xffff) << 48),
                              off >> 32 };
            wr(st, IDT_ADDR + 16 * v, g, 16);
        }
    }
    if (st->mode == ST_REAL)
        c->idt = (struct x86_dtable){ 0, 0x3ff };
    else
        c->idt = (struct x86_dtable){ IDT_ADDR, st->mode == ST_PROT32 ? 32 * 8 - 1 : 32 * 16 - 1 };
}

/* The vector whose stub the CPU halted in, or -1 (halted elsewhere). */
static int caught(struct soft_test *st)
{
    uint64_t lin = st->c->seg[S_CS].base + st->c->rip - 1;
    if (lin < STUB_BASE || lin >= STUB_BASE + 32 * 16 || (lin - STUB_BASE) % 16)
        return -1;
    return (int)((lin - STUB_BASE) / 16);
}

/* Assemble, run to a HLT, return the vector caught (-1: none). */
static int run(struct soft_test *st, const char *src)
{
    st_asm(st, src);
    enum st_result r = st_run(st, 10000000);
    if (r != ST_HALTED)
        g_error("did not halt (%d) at rip 0x%llx:\n%s", r, (unsigned long long)st->c->rip, src);
    return caught(st);
}

/* Slot k of the stack (after an exception: [err,] ip, cs, flags...). */
static uint64_t stack_slot(struct soft_test *st, unsigned k)
{
    struct cpu *c = st->c;
    unsigned w = st->mode == ST_LONG64 ? 8 : st->mode == ST_PROT32 ? 4 : 2;
    uint64_t sp = c->regs[R_SP] + k * w;
    if (w == 2)
        sp &= 0xffff;
    uint64_t v = 0;
    rd(st, c->seg[S_SS].base + sp, &v, w);
    return v;
}

/* The instructions under test sit at this offset so tests know their RIP. */
#define AT "jmp at\n .org 0x200\n at: "
#define AT_RIP(st) ((st)->mode == ST_REAL ? 0x200ULL : ST_CODE_ADDR + 0x200)

/* A test I/O device: reads return a running byte counter, writes are
 * logged byte by byte. */
struct iodev {
    struct mem_region region;
    uint8_t next;
    unsigned reads, writes;
    uint8_t log[65536];
    size_t nlog;
};

static uint64_t iodev_read(void *opaque, uint64_t off, unsigned size)
{
    struct iodev *d = opaque;
    uint64_t v = 0;
    for (unsigned k = 0; k < size; k++)
        v |= (uint64_t)d->next++ << (8 * k);
    d->reads++;
    return v;
}

static void iodev_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    struct iodev *d = opaque;
    for (unsigned k = 0; k < size && d->nlog < sizeof(d->log); k++)
        d->log[d->nlog++] = (uint8_t)(v >> (8 * k));
    d->writes++;
}

static const struct io_ops iodev_ops = { .read = iodev_read, .write = iodev_write,
                                         .min_size = 1, .max_size = 4 };

static struct iodev *iodev_map(struct soft_test *st, uint16_t port)
{
    struct iodev *d = g_new0(struct iodev, 1);
    region_init_io(&d->region, "test-io", 4, &iodev_ops, d);
    as_add(&st->m->io, &d->region, port, 0);
    as_commit(&st->m->io);
    return d;
}

/* Sequential (architectural) copy of n elements of sz bytes, DF up/down,
 * starting at byte offsets s and d of buf: the reference for overlaps. */
static void ref_movs(uint8_t *buf, size_t s, size_t d, size_t n, unsigned sz, bool down)
{
    for (size_t k = 0; k < n; k++) {
        uint8_t tmp[8];
        memcpy(tmp, buf + s, sz);
        memcpy(buf + d, tmp, sz);
        s = down ? s - sz : s + sz;
        d = down ? d - sz : d + sz;
    }
}

/* ======================================================================
 * MOVS
 * ====================================================================== */

static void test_movs_real(void)
{
    struct soft_test *st = st_new(ST_REAL);
    struct cpu *c = st->c;
    uint8_t src[64], got[64];
    pattern(src, sizeof(src), 1);
    wr(st, ST_DATA_ADDR + 0x100, src, sizeof(src));
    g_assert_cmpint(run(st, "cld\n mov $0x100, %si\n mov $0x200, %di\n"
                            "movsb\n movsw\n movsl\n mov $5, %cx\n rep movsw\n"
                            "mov $3, %cx\n rep movsl\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_SI] & 0xffff, ==, 0x100 + 1 + 2 + 4 + 10 + 12);
    g_assert_cmphex(c->regs[R_DI] & 0xffff, ==, 0x200 + 29);
    g_assert_cmphex(c->regs[R_CX] & 0xffff, ==, 0);
    rd(st, ST_DATA_ADDR + 0x200, got, 29);
    g_assert_cmpmem(got, 29, src, 29);
    st_free(st);
}

static void test_movs_prot32(void)
{
    struct soft_test *st = st_new(ST_PROT32);
    struct cpu *c = st->c;
    enum { N = 3 * 4096 + 123 };
    static uint8_t src[N], got[N];
    pattern(src, N, 3);
    wr(st, D1 + 5, src, N);
    /* Bytes across pages from an unaligned source, then dwords, then words. */
    g_assert_cmpint(run(st, "cld\n mov $0x100005, %esi\n mov $0x180003, %edi\n"
                            "mov $12411, %ecx\n rep movsb\n"
                            "mov $0x100005, %esi\n mov $0x1a0000, %edi\n mov $3000, %ecx\n"
                            "rep movsl\n mov $0x100005, %esi\n mov $0x1b0001, %edi\n"
                            "mov $6001, %ecx\n rep movsw\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_CX], ==, 0);
    g_assert_cmphex(c->regs[R_SI], ==, 0x100005 + 12002);
    g_assert_cmphex(c->regs[R_DI], ==, 0x1b0001 + 12002);
    rd(st, D2 + 3, got, N);
    g_assert_cmpmem(got, N, src, N);
    rd(st, 0x1a0000, got, 12000);
    g_assert_cmpmem(got, 12000, src, 12000);
    rd(st, 0x1b0001, got, 12002);
    g_assert_cmpmem(got, 12002, src, 12002);
    st_free(st);
}

static void test_movs_long64(void)
{
    struct soft_test *st = st_new(ST_LONG64);
    struct cpu *c = st->c;
    enum { N = 5000 };
    static uint8_t src[N * 8], got[N * 8];
    pattern(src, sizeof(src), 9);
    wr(st, 0x1000008, src, sizeof(src));
    g_assert_cmpint(run(st, "cld\n mov $0x1000008, %rsi\n mov $0x2000000, %rdi\n"
                            "mov $5000, %rcx\n rep movsq\n"
                            "mov $0x1000008, %rsi\n mov $0x3000000, %rdi\n movsq\n movsl\n"
                            "movsw\n movsb\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_CX], ==, 0);
    g_assert_cmphex(c->regs[R_SI], ==, 0x1000008 + 15);
    g_assert_cmphex(c->regs[R_DI], ==, 0x3000000 + 15);
    rd(st, 0x2000000, got, sizeof(got));
    g_assert_cmpmem(got, sizeof(got), src, sizeof(src));
    rd(st, 0x3000000, got, 15);
    g_assert_cmpmem(got, 15, src, 15);
    st_free(st);
}

/* REP with a zero count does nothing (no memory, no port, no flags). */
static void test_rep_zero_count(void)
{
    static const char *const ops[] = { "rep movsb", "rep movsl", "rep stosb", "rep stosw",
                                       "rep lodsb", "repe cmpsb", "repne cmpsl", "repe scasb",
                                       "repne scasw", "rep insb", "rep outsl" };
    for (size_t k = 0; k < ARRAY_SIZE(ops); k++) {
        struct soft_test *st = st_new(ST_PROT32);
        struct cpu *c = st->c;
        struct iodev *d = iodev_map(st, 0x300);
        char *src = g_strdup_printf("mov $0x100000, %%esi\n"
                                    "mov $0x180000, %%edi\n mov $0x11223344, %%eax\n"
                                    "mov $0x300, %%edx\n xor %%ecx, %%ecx\n"
                                    "push $0x8d5\n popf\n %s\n hlt", ops[k]);
        uint8_t before[16], after[16];
        pattern(before, 16, 5);
        wr(st, D2, before, 16);
        g_assert_cmpint(run(st, src), ==, -1);
        g_assert_cmphex(c->regs[R_SI], ==, D1);
        g_assert_cmphex(c->regs[R_DI], ==, D2);
        g_assert_cmphex(c->regs[R_CX], ==, 0);
        g_assert_cmphex(c->regs[R_AX], ==, 0x11223344);
        g_assert_cmphex(st_flags(st) & ARITH, ==, ARITH);
        rd(st, D2, after, 16);
        g_assert_cmpmem(after, 16, before, 16);
        g_assert_cmpint(d->reads + d->writes, ==, 0);
        g_free(src);
        st_free(st);
        g_free(d);
    }
}

static void test_movs_backward(void)
{
    struct soft_test *st = st_new(ST_PROT32);
    struct cpu *c = st->c;
    enum { N = 10000 };
    static uint8_t src[N], got[N];
    pattern(src, N, 11);
    wr(st, D1, src, N);
    /* Copy N bytes backwards starting from the last byte, then dwords and
     * words backwards into other areas. */
    g_assert_cmpint(run(st, "std\n mov $(0x100000 + 9999), %esi\n mov $(0x180000 + 9999), %edi\n"
                            "mov $10000, %ecx\n rep movsb\n mov %esi, %ebx\n mov %edi, %ebp\n"
                            "mov $(0x100000 + 9996), %esi\n mov $(0x1a0000 + 9996), %edi\n"
                            "mov $2500, %ecx\n rep movsl\n"
                            "mov $(0x100000 + 9998), %esi\n mov $(0x1b0000 + 9998), %edi\n"
                            "mov $5000, %ecx\n rep movsw\n cld\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_BX], ==, D1 - 1);
    g_assert_cmphex(c->regs[R_BP], ==, D2 - 1);
    g_assert_cmphex(c->regs[R_SI], ==, D1 - 2);
    g_assert_cmphex(c->regs[R_DI], ==, 0x1b0000 - 2);
    rd(st, D2, got, N);
    g_assert_cmpmem(got, N, src, N);
    rd(st, 0x1a0000, got, N);
    g_assert_cmpmem(got, N, src, N);
    rd(st, 0x1b0000, got, N);
    g_assert_cmpmem(got, N, src, N);
    st_free(st);

    /* 64-bit quadwords backwards, and real mode words. */
    st = st_new(ST_LONG64);
    c = st->c;
    wr(st, D1, src, N);
    g_assert_cmpint(run(st, "std\n mov $(0x100000 + 8 * 1249), %rsi\n"
                            "mov $(0x180000 + 8 * 1249), %rdi\n mov $1250, %ecx\n rep movsq\n"
                            "hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_SI], ==, D1 - 8);
    g_assert_true(st_flags(st) & F_DF);
    rd(st, D2, got, N);
    g_assert_cmpmem(got, N, src, N);
    st_free(st);

    st = st_new(ST_REAL);
    c = st->c;
    wr(st, ST_DATA_ADDR + 0x1000, src, 0x100);
    g_assert_cmpint(run(st, "std\n mov $0x10fe, %si\n mov $0x20fe, %di\n mov $0x80, %cx\n"
                            "rep movsw\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_SI] & 0xffff, ==, 0x0ffe);
    g_assert_cmphex(c->regs[R_DI] & 0xffff, ==, 0x1ffe);
    rd(st, ST_DATA_ADDR + 0x2000, got, 0x100);
    g_assert_cmpmem(got, 0x100, src, 0x100);
    st_free(st);
}

/* Overlapping moves give the element-by-element result. */
static void test_movs_overlap(void)
{
    static const struct {
        unsigned sz;
        bool down;
        int delta; /* destination - source, bytes */
        size_t n;
        const char *insn;
    } cases[] = {
        { 1, false, 1, 5000, "rep movsb" },   /* pattern fill */
        { 1, false, 3, 777, "rep movsb" },
        { 4, false, 2, 1500, "rep movsl" },   /* elements overlap themselves */
        { 4, false, 12, 1000, "rep movsl" },
        { 2, false, -1, 3000, "rep movsw" },  /* memmove-compatible */
        { 8, false, 8, 700, "rep movsq" },
        { 1, true, -1, 4500, "rep movsb" },   /* backward pattern fill */
        { 4, true, -6, 900, "rep movsl" },
        { 2, true, 5, 2000, "rep movsw" },    /* memmove-compatible */
        { 8, true, -8, 600, "rep movsq" },
    };
    for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
        struct soft_test *st = st_new(ST_LONG64);
        enum { SPAN = 0x8000 };
        static uint8_t buf[SPAN], ref[SPAN];
        pattern(buf, SPAN, (unsigned)k);
        memcpy(ref, buf, SPAN);
        uint64_t base = 0x200000;
        size_t s = cases[k].down ? 0x6000 : 0x1000;
        size_t d = (size_t)((long)s + cases[k].delta);
        wr(st, base, buf, SPAN);
        ref_movs(ref, s, d, cases[k].n, cases[k].sz, cases[k].down);
        char *src = g_strdup_printf("%s\n mov $%llu, %%rsi\n mov $%llu, %%rdi\n mov $%zu, %%rcx\n"
                                    "%s\n cld\n hlt", cases[k].down ? "std" : "cld",
                                    (unsigned long long)(base + s), (unsigned long long)(base + d),
                                    cases[k].n, cases[k].insn);
        g_assert_cmpint(run(st, src), ==, -1);
        rd(st, base, buf, SPAN);
        if (memcmp(buf, ref, SPAN))
            g_error("overlap case %zu differs", k);
        int64_t step = cases[k].down ? -(int64_t)cases[k].sz : (int64_t)cases[k].sz;
        g_assert_cmphex(st->c->regs[R_SI], ==, base + s + step * (int64_t)cases[k].n);
        g_free(src);
        st_free(st);
    }
}

static void test_movs_seg_override(void)
{
    struct soft_test *st = st_new(ST_REAL);
    struct cpu *c = st->c;
    uint8_t fsdata[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, dsdata[8] = { 0 }, got[8];
    wr(st, 0x50000 + 0x10, fsdata, 8);
    wr(st, ST_DATA_ADDR + 0x10, dsdata, 8);
    /* FS source; the destination stays ES even with a DS-relative source. */
    g_assert_cmpint(run(st, "mov $0x5000, %ax\n mov %ax, %fs\n mov $0x6000, %ax\n mov %ax, %es\n"
                            "mov $0x10, %si\n mov $0x20, %di\n mov $8, %cx\n"
                            "rep movsb %fs:(%si), %es:(%di)\n"
                            "mov $0x10, %si\n mov $0x40, %di\n mov $4, %cx\n"
                            "rep movsb %cs:(%si), %es:(%di)\n hlt"), ==, -1);
    rd(st, 0x60020, got, 8);
    g_assert_cmpmem(got, 8, fsdata, 8);
    uint8_t code[4];
    rd(st, ST_CODE_ADDR + 0x10, code, 4);
    rd(st, 0x60040, got, 4);
    g_assert_cmpmem(got, 4, code, 4);
    rd(st, ST_DATA_ADDR + 0x20, got, 8); /* DS:DI untouched */
    g_assert_cmpmem(got, 8, dsdata, 8);
    g_assert_cmphex(c->regs[R_SI] & 0xffff, ==, 0x14);
    st_free(st);

    /* 32-bit: GS-relative LODS and an FS-overridden OUTS source. */
    st = st_new(ST_PROT32);
    c = st->c;
    c->seg[S_GS].base = 0x200000;
    st_wr32(st, 0x200000 + 0x40, 0xcafef00d);
    g_assert_cmpint(run(st, "mov $0x40, %esi\n lodsl %gs:(%esi), %eax\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_AX], ==, 0xcafef00d);
    st_free(st);
}

/* Index and count registers follow the address size. */
static void test_address_size(void)
{
    struct soft_test *st = st_new(ST_REAL);
    struct cpu *c = st->c;
    uint8_t a[2] = { 0xaa, 0xbb }, b[2] = { 0xcc, 0xdd }, got[4];
    wr(st, ST_DATA_ADDR + 0xfffe, a, 2);
    wr(st, ST_DATA_ADDR + 0x0000, b, 2);
    /* SI wraps from FFFF to 0; ESI's upper half is kept; CX counts, not ECX. */
    g_assert_cmpint(run(st, "mov $0xabcdfffe, %esi\n mov $0x1000, %di\n mov $0x10004, %ecx\n"
                            "rep movsb\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_SI], ==, 0xabcd0002);
    g_assert_cmphex(c->regs[R_CX], ==, 0x10000);
    rd(st, ST_DATA_ADDR + 0x1000, got, 4);
    g_assert_cmphex(got[0], ==, 0xaa);
    g_assert_cmphex(got[1], ==, 0xbb);
    g_assert_cmphex(got[2], ==, 0xcc);
    g_assert_cmphex(got[3], ==, 0xdd);
    st_free(st);

    /* DF=1 wrap from 0 to FFFF in real mode. */
    st = st_new(ST_REAL);
    c = st->c;
    g_assert_cmpint(run(st, "std\n mov $1, %di\n mov $3, %cx\n mov $0x77, %al\n rep stosb\n"
                            "cld\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_DI] & 0xffff, ==, 0xfffe);
    rd(st, ST_DATA_ADDR, got, 2);
    g_assert_cmphex(got[0], ==, 0x77);
    g_assert_cmphex(got[1], ==, 0x77);
    rd(st, ST_DATA_ADDR + 0xffff, got, 1);
    g_assert_cmphex(got[0], ==, 0x77);
    st_free(st);

    /* 64-bit mode with a 67 prefix: ESI/EDI/ECX, zero-extended. */
    st = st_new(ST_LONG64);
    c = st->c;
    uint8_t src[16];
    pattern(src, 16, 2);
    wr(st, D1, src, 16);
    g_assert_cmpint(run(st, "movabs $0xffffffff00100000, %rsi\n movabs $0x1234567800180000, %rdi\n"
                            "movabs $0xdead00000010, %rcx\n addr32 rep movsb\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_SI], ==, D1 + 16);
    g_assert_cmphex(c->regs[R_DI], ==, D2 + 16);
    g_assert_cmphex(c->regs[R_CX], ==, 0);
    rd(st, D2, got, 4);
    g_assert_cmpmem(got, 4, src, 4);
    st_free(st);

    /* 32-bit code with a 67 prefix: SI/DI/CX. */
    st = st_new(ST_PROT32);
    c = st->c;
    wr(st, 0x1234, src, 16);
    g_assert_cmpint(run(st, "mov $0x55551234, %esi\n mov $0x66662000, %edi\n"
                            "mov $0x77770008, %ecx\n addr16 rep movsb\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_SI], ==, 0x5555123c);
    g_assert_cmphex(c->regs[R_DI], ==, 0x66662008);
    g_assert_cmphex(c->regs[R_CX], ==, 0x77770000);
    rd(st, 0x2000, got, 4);
    g_assert_cmpmem(got, 4, src, 4);
    st_free(st);
}

/* Segment limit: a real-mode word at offset FFFF faults (#GP) with the
 * registers describing the completed elements. */
static void test_segment_limit_mid_string(void)
{
    struct soft_test *st = st_new(ST_REAL);
    struct cpu *c = st->c;
    catch_exceptions(st);
    g_assert_cmpint(run(st, "mov $0xfff9, %di\n mov $10, %cx\n mov $0x1234, %ax\n" AT
                            "rep stosw\n hlt"), ==, EX_GP);
    g_assert_cmphex(c->regs[R_DI] & 0xffff, ==, 0xffff);
    g_assert_cmphex(c->regs[R_CX] & 0xffff, ==, 7);
    g_assert_cmphex(stack_slot(st, 0), ==, 0x200);
    st_free(st);

    /* 32-bit expand-down ES (valid offsets limit+1 .. 4G-1): a DF=1 STOSB
     * walks down onto the limit and faults there. */
    st = st_new(ST_PROT32);
    c = st->c;
    catch_exceptions(st);
    c->seg[S_ES].limit = 0x1fffff;
    c->seg[S_ES].flags = SEGF_P | SEGF_S | SEGF_DB | SEGF_G | 0x7; /* data, E, W, A */
    g_assert_cmpint(run(st, "std\n mov $0x200010, %edi\n mov $0x20, %ecx\n mov $0x99, %al\n" AT
                            "rep stosb\n hlt"), ==, EX_GP);
    g_assert_cmphex(c->regs[R_DI], ==, 0x1fffff);
    g_assert_cmphex(c->regs[R_CX], ==, 0x20 - 17);
    g_assert_cmphex(stack_slot(st, 1), ==, AT_RIP(st)); /* [err], EIP */
    uint8_t b[2];
    rd(st, 0x1fffff, b, 2);
    g_assert_cmphex(b[0], ==, 0);
    g_assert_cmphex(b[1], ==, 0x99);
    st_free(st);
}

/* ======================================================================
 * STOS, LODS, CMPS, SCAS
 * ====================================================================== */

static void test_stos(void)
{
    struct soft_test *st = st_new(ST_LONG64);
    struct cpu *c = st->c;
    g_assert_cmpint(run(st, "cld\n movabs $0x8877665544332211, %rax\n"
                            "mov $0x100001, %rdi\n mov $9000, %rcx\n rep stosq\n"
                            "mov $0x180000, %rdi\n stosb\n stosw\n stosl\n stosq\n"
                            "mov $0x1a0000, %rdi\n mov $5000, %ecx\n rep stosw\n"
                            "mov $0x1b0000, %edi\n mov $3, %ecx\n rep stosl\n"
                            "xor %eax, %eax\n mov $0x1c0000, %edi\n mov $1000, %ecx\n rep stosl\n"
                            "std\n mov $0x1d0ffc, %edi\n mov $0x400, %ecx\n mov $0xabcdef01, %eax\n"
                            "rep stosl\n cld\n hlt"), ==, -1);
    for (unsigned k = 0; k < 9000; k += 997)
        g_assert_cmphex(st_rd64(st, 0x100001 + 8 * k), ==, 0x8877665544332211ULL);
    g_assert_cmphex(st_rd64(st, 0x100001 + 8 * 8999), ==, 0x8877665544332211ULL);
    g_assert_cmphex(st_rd64(st, 0x100001 + 8 * 9000), ==, 0);
    uint8_t got[15], want[15] = { 0x11, 0x11, 0x22, 0x11, 0x22, 0x33, 0x44, 0x11, 0x22, 0x33,
                                  0x44, 0x55, 0x66, 0x77, 0x88 };
    rd(st, D2, got, 15);
    g_assert_cmpmem(got, 15, want, 15);
    g_assert_cmphex(st_rd32(st, 0x1a0000 + 2 * 4999 - 2), ==, 0x22112211);
    g_assert_cmphex(st_rd32(st, 0x1a0000 + 2 * 5000), ==, 0);
    g_assert_cmphex(st_rd32(st, 0x1b0008), ==, 0x44332211);
    g_assert_cmphex(st_rd32(st, 0x1b000c), ==, 0);
    g_assert_cmphex(st_rd32(st, 0x1d0000), ==, 0xabcdef01);
    g_assert_cmphex(st_rd32(st, 0x1d0ffc), ==, 0xabcdef01);
    g_assert_cmphex(st_rd32(st, 0x1cfffc), ==, 0);
    g_assert_cmphex(c->regs[R_DI], ==, 0x1cfffc);
    st_free(st);

    st = st_new(ST_REAL);
    c = st->c;
    g_assert_cmpint(run(st, "mov $0x10, %di\n mov $0x5aa5, %ax\n mov $4, %cx\n rep stosw\n"
                            "mov $0x11223344, %eax\n stosl\n hlt"), ==, -1);
    g_assert_cmphex(st_rd32(st, ST_DATA_ADDR + 0x10), ==, 0x5aa55aa5);
    g_assert_cmphex(st_rd32(st, ST_DATA_ADDR + 0x18), ==, 0x11223344);
    g_assert_cmphex(c->regs[R_DI] & 0xffff, ==, 0x1c);
    st_free(st);
}

static void test_lods(void)
{
    struct soft_test *st = st_new(ST_LONG64);
    struct cpu *c = st->c;
    uint8_t src[32];
    pattern(src, 32, 4);
    wr(st, D1, src, 32);
    g_assert_cmpint(run(st, "mov $0x100000, %rsi\n movabs $-1, %rax\n lodsb\n mov %rax, %rbx\n"
                            "lodsw\n mov %rax, %rdx\n lodsl\n mov %rax, %rbp\n lodsq\n"
                            "mov %rax, %r8\n mov $5, %ecx\n rep lodsb\n hlt"), ==, -1);
    uint64_t q;
    memcpy(&q, src + 7, 8);
    g_assert_cmphex(c->regs[R_BX], ==, 0xffffffffffffff00ULL | src[0]);
    g_assert_cmphex(c->regs[R_DX], ==, 0xffffffffffff0000ULL | src[1] | src[2] << 8);
    g_assert_cmphex(c->regs[R_BP], ==, (uint32_t)(src[3] | src[4] << 8 | src[5] << 16 |
                                                  (uint32_t)src[6] << 24)); /* zero-extended */
    g_assert_cmphex(c->regs[R_R8], ==, q);
    g_assert_cmphex(c->regs[R_AX] & 0xff, ==, src[19]); /* the last of 5 */
    g_assert_cmphex(c->regs[R_SI], ==, D1 + 20);
    g_assert_cmphex(c->regs[R_CX], ==, 0);
    st_free(st);

    st = st_new(ST_REAL);
    c = st->c;
    wr(st, ST_DATA_ADDR + 0x20, src, 8);
    g_assert_cmpint(run(st, "std\n mov $0x22, %si\n lodsw\n mov %ax, %bx\n lodsb\n cld\n hlt"),
                    ==, -1);
    g_assert_cmphex(c->regs[R_BX] & 0xffff, ==, src[2] | src[3] << 8);
    g_assert_cmphex(c->regs[R_AX] & 0xff, ==, src[0]);
    g_assert_cmphex(c->regs[R_SI] & 0xffff, ==, 0x1f);
    st_free(st);
}

static void test_cmps(void)
{
    struct soft_test *st = st_new(ST_PROT32);
    struct cpu *c = st->c;
    uint8_t a[16] = "abcdefghijklmno", b[16] = "abcdeXghijklmno";
    wr(st, D1, a, 16);
    wr(st, D2, b, 16);
    /* REPE stops after the mismatch at index 5: 6 iterations.  'f' - 'X'
     * is positive: CF=0, ZF=0. */
    g_assert_cmpint(run(st, "cld\n mov $0x100000, %esi\n mov $0x180000, %edi\n mov $16, %ecx\n"
                            "repe cmpsb\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_CX], ==, 10);
    g_assert_cmphex(c->regs[R_SI], ==, D1 + 6);
    g_assert_cmphex(c->regs[R_DI], ==, D2 + 6);
    g_assert_cmphex(st_flags(st) & (ZF | CF | SF), ==, 0);
    st_free(st);

    /* REPE over equal data runs out the count with ZF=1. */
    st = st_new(ST_PROT32);
    c = st->c;
    wr(st, D1, a, 16);
    wr(st, D2, a, 16);
    g_assert_cmpint(run(st, "mov $0x100000, %esi\n mov $0x180000, %edi\n mov $4, %ecx\n"
                            "repe cmpsl\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_CX], ==, 0);
    g_assert_true(st_flags(st) & ZF);
    st_free(st);

    /* REPNE stops at the first equal element. */
    st = st_new(ST_PROT32);
    c = st->c;
    uint16_t w1[6] = { 1, 2, 3, 4, 5, 6 }, w2[6] = { 9, 9, 9, 4, 9, 9 };
    wr(st, D1, w1, sizeof(w1));
    wr(st, D2, w2, sizeof(w2));
    g_assert_cmpint(run(st, "mov $0x100000, %esi\n mov $0x180000, %edi\n mov $6, %ecx\n"
                            "repne cmpsw\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_CX], ==, 2);
    g_assert_cmphex(c->regs[R_SI], ==, D1 + 8);
    g_assert_true(st_flags(st) & ZF);
    st_free(st);

    /* Single CMPS: flags of [SI] - [DI] (SDM: SRC1 is the DS:SI operand). */
    st = st_new(ST_LONG64);
    c = st->c;
    uint64_t x = 1, y = 2;
    wr(st, D1, &x, 8);
    wr(st, D2, &y, 8);
    g_assert_cmpint(run(st, "mov $0x100000, %rsi\n mov $0x180000, %rdi\n cmpsq\n hlt"), ==, -1);
    g_assert_cmphex(st_flags(st) & (ZF | CF | SF | OF), ==, CF | SF);
    g_assert_cmphex(c->regs[R_SI], ==, D1 + 8);
    st_free(st);

    /* Real mode, DF=1, REPE CMPSB with a DS override to FS. */
    st = st_new(ST_REAL);
    c = st->c;
    wr(st, ST_DATA_ADDR + 0x100, "Ayzw", 4); /* DS: would compare equal */
    wr(st, 0x50100, "xyzw", 4);
    wr(st, ST_DATA_ADDR + 0x200, "Ayzw", 4);
    g_assert_cmpint(run(st, "mov $0x5000, %ax\n mov %ax, %fs\n std\n mov $0x103, %si\n"
                            "mov $0x203, %di\n mov $4, %cx\n repe cmpsb %es:(%di), %fs:(%si)\n"
                            "cld\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_CX] & 0xffff, ==, 0);
    g_assert_cmphex(c->regs[R_SI] & 0xffff, ==, 0xff);
    g_assert_cmphex(st_flags(st) & (ZF | CF), ==, 0); /* 'x' - 'A' */
    st_free(st);
}

static void test_scas(void)
{
    struct soft_test *st = st_new(ST_PROT32);
    struct cpu *c = st->c;
    wr(st, D2, "hello, world\0junk", 18);
    /* strlen the classic way. */
    g_assert_cmpint(run(st, "cld\n mov $0x180000, %edi\n xor %eax, %eax\n mov $-1, %ecx\n"
                            "repne scasb\n setz %bl\n not %ecx\n dec %ecx\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_CX], ==, 12);
    g_assert_cmphex(c->regs[R_DI], ==, D2 + 13);
    g_assert_cmphex(c->regs[R_BX] & 0xff, ==, 1);
    st_free(st);

    st = st_new(ST_LONG64);
    c = st->c;
    uint16_t w[8] = { 7, 7, 7, 7, 8, 7, 7, 7 };
    wr(st, D2, w, sizeof(w));
    g_assert_cmpint(run(st, "mov $0x180000, %rdi\n mov $7, %eax\n mov $8, %rcx\n repe scasw\n"
                            "hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_CX], ==, 3);
    g_assert_cmphex(c->regs[R_DI], ==, D2 + 10);
    g_assert_cmphex(st_flags(st) & (ZF | CF | SF), ==, CF | SF); /* 7 - 8 */
    st_free(st);

    /* A match on the word straddling the page end (element-wise path). */
    st = st_new(ST_LONG64);
    c = st->c;
    uint16_t v = 0x4242;
    wr(st, 0x180fff, &v, 2);
    g_assert_cmpint(run(st, "mov $0x180ff9, %rdi\n mov $0x4242, %eax\n mov $10, %ecx\n"
                            "repne scasw\n setz %bl\n mov $0x180fff, %rdi\n scasw\n setz %bh\n"
                            "scasb\n setz %dl\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_CX], ==, 6); /* ff9 ffb ffd fff */
    g_assert_cmphex(c->regs[R_BX] & 0xffff, ==, 0x0101);
    g_assert_cmphex(c->regs[R_DX] & 0xff, ==, 0);
    g_assert_cmphex(c->regs[R_DI], ==, 0x181002);
    st_free(st);

    st = st_new(ST_LONG64);
    c = st->c;
    uint64_t q[3] = { 5, 0x123456789ULL, 5 };
    wr(st, D2, q, sizeof(q));
    g_assert_cmpint(run(st, "mov $0x180000, %rdi\n movabs $0x123456789, %rax\n mov $3, %ecx\n"
                            "repne scasq\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_CX], ==, 1);
    g_assert_true(st_flags(st) & ZF);
    st_free(st);
}

/* ======================================================================
 * Interruptible REP, faults mid-string
 * ====================================================================== */

/* Run small slices until the REP instruction has made some progress. */
static void run_to_rep(struct soft_test *st, uint64_t count)
{
    for (int k = 0; k < 10; k++) {
        g_assert_cmpint(st_run(st, 1), ==, ST_BUDGET);
        if (st->c->rip == AT_RIP(st) && (st->c->regs[R_CX] & 0xffffffff) != count)
            return;
    }
    g_error("the REP instruction made no progress");
}

static void test_rep_interruptible(void)
{
    struct soft_test *st = st_new(ST_PROT32);
    struct cpu *c = st->c;
    enum { N = 300000 };
    static uint8_t src[N], got[N];
    pattern(src, N, 21);
    wr(st, D1, src, N);
    st_asm(st, "mov $0x100000, %esi\n mov $0x400000, %edi\n mov $300000, %ecx\n" AT
               "rep movsb\n hlt");
    run_to_rep(st, N);
    /* Partial progress, RIP still on the REP instruction, consistent regs. */
    uint64_t left = c->regs[R_CX];
    g_assert_cmphex(c->rip, ==, AT_RIP(st));
    g_assert_cmpuint(left, >, 0);
    g_assert_cmpuint(left, <, N);
    g_assert_cmphex(c->regs[R_SI], ==, D1 + (N - left));
    g_assert_cmphex(c->regs[R_DI], ==, 0x400000 + (N - left));
    rd(st, 0x400000, got, N - left);
    g_assert_cmpmem(got, N - left, src, N - left);
    g_assert_cmphex(st_rd32(st, 0x400000 + N - 4), ==, 0);
    /* Another slice makes more progress, then it finishes. */
    g_assert_cmpint(st_run(st, 1), ==, ST_BUDGET);
    g_assert_cmpuint(c->regs[R_CX], <, left);
    g_assert_cmphex(c->rip, ==, AT_RIP(st));
    g_assert_cmpint(st_run(st, 1000000), ==, ST_HALTED);
    g_assert_cmphex(c->regs[R_CX], ==, 0);
    rd(st, 0x400000, got, N);
    g_assert_cmpmem(got, N, src, N);
    st_free(st);

    /* REPE CMPS runs are bounded the same way. */
    st = st_new(ST_LONG64);
    c = st->c;
    static uint8_t z[200000];
    memset(z, 0x5a, sizeof(z));
    wr(st, D1, z, sizeof(z));
    wr(st, 0x300000, z, sizeof(z));
    st_asm(st, "mov $0x100000, %rsi\n mov $0x300000, %rdi\n mov $200000, %ecx\n" AT
               "repe cmpsb\n hlt");
    run_to_rep(st, 200000);
    left = c->regs[R_CX];
    g_assert_cmphex(c->rip, ==, AT_RIP(st));
    g_assert_cmpuint(left, >, 0);
    g_assert_cmpuint(left, <, 200000);
    g_assert_cmphex(c->regs[R_SI], ==, D1 + 200000 - left);
    g_assert_cmphex(c->regs[R_DI], ==, 0x300000 + 200000 - left);
    g_assert_true(st_flags(st) & ZF);
    g_assert_cmpint(st_run(st, 1000000), ==, ST_HALTED);
    g_assert_cmphex(c->regs[R_CX], ==, 0);
    g_assert_cmphex(c->regs[R_DI], ==, 0x300000 + 200000);
    st_free(st);

    /* Element-by-element work (port I/O) is bounded too. */
    st = st_new(ST_PROT32);
    c = st->c;
    struct iodev *d = iodev_map(st, 0x300);
    wr(st, D1, z, 5000);
    st_asm(st, "mov $0x100000, %esi\n mov $0x300, %edx\n mov $5000, %ecx\n" AT
               "rep outsb\n hlt");
    run_to_rep(st, 5000);
    left = c->regs[R_CX];
    g_assert_cmphex(c->rip, ==, AT_RIP(st));
    g_assert_cmpuint(left, >, 0);
    g_assert_cmpuint(d->writes, ==, 5000 - left);
    g_assert_cmpint(st_run(st, 1000000), ==, ST_HALTED);
    g_assert_cmpuint(d->writes, ==, 5000);
    g_assert_cmphex(c->regs[R_SI], ==, D1 + 5000);
    st_free(st);
    g_free(d);

    /* DF=1 STOS with a 1 MiB count, interrupted then finished. */
    st = st_new(ST_LONG64);
    c = st->c;
    st_asm(st, "std\n mov $0x1ffffff, %rdi\n mov $0x100000, %ecx\n mov $0x3c, %al\n" AT
               "rep stosb\n cld\n hlt");
    run_to_rep(st, 0x100000);
    g_assert_cmphex(c->rip, ==, AT_RIP(st));
    g_assert_cmphex(c->regs[R_DI], ==, 0x1ffffff - (0x100000 - c->regs[R_CX]));
    g_assert_cmpint(st_run(st, 1000000), ==, ST_HALTED);
    uint8_t e[2];
    rd(st, 0x1f00000, e, 1);
    rd(st, 0x1efffff, e + 1, 1);
    g_assert_cmphex(e[0], ==, 0x3c);
    g_assert_cmphex(e[1], ==, 0);
    st_free(st);
}

/* With TF set, REP does one iteration per step: either the single-step #DB
 * arrives with RIP on the instruction (when the run loop delivers TF
 * traps) or the instruction simply resumes; both leave one iteration done. */
static void test_rep_single_step(void)
{
    struct soft_test *st = st_new(ST_PROT32);
    struct cpu *c = st->c;
    catch_exceptions(st);
    /* TF takes effect after the POPF that sets it, so the REP is the very
     * next instruction (pushf 1 + orl 7 + popf 1 bytes after "at"). */
    st_asm(st, "mov $0x100000, %esi\n mov $0x180000, %edi\n mov $100, %ecx\n" AT
               "pushf\n orl $0x100, (%esp)\n popf\n rep movsb\n hlt");
    uint64_t rep_rip = AT_RIP(st) + 9;
    for (int k = 0; k < 20 && c->regs[R_CX] != 99 && !c->halted; k++)
        st_run(st, 1);
    g_assert_cmphex(c->regs[R_CX], ==, 99);
    g_assert_cmphex(c->regs[R_SI], ==, D1 + 1);
    if (c->rip == STUB_BASE + 16 * EX_DB)
        st_run(st, 1); /* let the #DB stub reach its HLT */
    if (caught(st) == EX_DB)
        g_assert_cmphex(stack_slot(st, 0), ==, rep_rip);
    else
        g_assert_cmphex(c->rip, ==, rep_rip);
    st_free(st);
}

/* Long mode with the 2 MiB page at 4 MiB not present. */
static struct soft_test *long_with_hole(void)
{
    struct soft_test *st = st_new(ST_LONG64);
    uint64_t none = 0;
    wr(st, 0x3000 + 2 * 8, &none, 8); /* PD entry for 0x400000-0x5fffff */
    catch_exceptions(st);
    return st;
}

static void test_rep_fault_mid_string(void)
{
    /* MOVS reading into the hole: 0x800 bytes done, #PF on 0x400000. */
    struct soft_test *st = long_with_hole();
    struct cpu *c = st->c;
    static uint8_t src[0x800], got[0x800];
    pattern(src, sizeof(src), 8);
    wr(st, 0x3ff800, src, sizeof(src));
    g_assert_cmpint(run(st, "mov $0x3ff800, %rsi\n mov $0x100000, %rdi\n mov $0x1000, %rcx\n" AT
                            "rep movsb\n hlt"), ==, EX_PF);
    g_assert_cmphex(c->cr2, ==, 0x400000);
    g_assert_cmphex(c->regs[R_SI], ==, 0x400000);
    g_assert_cmphex(c->regs[R_DI], ==, D1 + 0x800);
    g_assert_cmphex(c->regs[R_CX], ==, 0x800);
    g_assert_cmphex(stack_slot(st, 0), ==, 0);            /* read, not present */
    g_assert_cmphex(stack_slot(st, 1), ==, AT_RIP(st));   /* faulting RIP */
    rd(st, D1, got, sizeof(got));
    g_assert_cmpmem(got, sizeof(got), src, sizeof(src));
    st_free(st);

    /* STOSQ writing into the hole. */
    st = long_with_hole();
    c = st->c;
    g_assert_cmpint(run(st, "mov $0x3ff000, %rdi\n mov $0x400, %ecx\n mov $-1, %rax\n" AT
                            "rep stosq\n hlt"), ==, EX_PF);
    g_assert_cmphex(c->cr2, ==, 0x400000);
    g_assert_cmphex(c->regs[R_DI], ==, 0x400000);
    g_assert_cmphex(c->regs[R_CX], ==, 0x200);
    g_assert_cmphex(stack_slot(st, 0), ==, 2); /* write */
    g_assert_cmphex(st_rd64(st, 0x3ffff8), ==, ~0ULL);
    st_free(st);

    /* DF=1 MOVS walking down into the hole from above. */
    st = long_with_hole();
    c = st->c;
    g_assert_cmpint(run(st, "std\n mov $0x600010, %rsi\n mov $0x100100, %rdi\n mov $0x20, %ecx\n"
                            AT "rep movsb\n hlt"), ==, EX_PF);
    g_assert_cmphex(c->cr2, ==, 0x5fffff);
    g_assert_cmphex(c->regs[R_SI], ==, 0x5fffff);
    g_assert_cmphex(c->regs[R_DI], ==, 0x100100 - 0x11);
    g_assert_cmphex(c->regs[R_CX], ==, 0x20 - 0x11);
    g_assert_true(stack_slot(st, 3) & F_DF); /* RFLAGS in the frame */
    st_free(st);

    /* A dword straddling into the hole: no part of that element is done. */
    st = long_with_hole();
    c = st->c;
    g_assert_cmpint(run(st, "mov $0x3ffff6, %rsi\n mov $0x100000, %rdi\n mov $8, %ecx\n" AT
                            "rep movsl\n hlt"), ==, EX_PF);
    g_assert_cmphex(c->regs[R_SI], ==, 0x3ffffe);
    g_assert_cmphex(c->regs[R_DI], ==, D1 + 8);
    g_assert_cmphex(c->regs[R_CX], ==, 6);
    st_free(st);

    /* REPE CMPS into the hole: flags from the last completed compare. */
    st = long_with_hole();
    c = st->c;
    static uint8_t same[0x10];
    memset(same, 0x42, sizeof(same));
    wr(st, 0x3ffff0, same, sizeof(same));
    wr(st, D1, same, sizeof(same));
    g_assert_cmpint(run(st, "mov $0x100000, %rdi\n mov $0x3ffff0, %rsi\n mov $0x100, %ecx\n"
                            "mov $1, %eax\n cmp $2, %eax\n" AT "repe cmpsb\n hlt"), ==, EX_PF);
    g_assert_cmphex(c->regs[R_CX], ==, 0xf0);
    g_assert_cmphex(c->regs[R_SI], ==, 0x400000);
    g_assert_cmphex(st_flags(st) & (ZF | CF), ==, ZF);
    st_free(st);

    /* REP INS into the hole: no port byte is lost. */
    st = long_with_hole();
    c = st->c;
    struct iodev *d = iodev_map(st, 0x300);
    g_assert_cmpint(run(st, "mov $0x3fff00, %rdi\n mov $0x300, %edx\n mov $0x200, %ecx\n" AT
                            "rep insb\n hlt"), ==, EX_PF);
    g_assert_cmphex(c->regs[R_DI], ==, 0x400000);
    g_assert_cmphex(c->regs[R_CX], ==, 0x100);
    g_assert_cmpuint(d->reads, ==, 0x100);
    uint8_t last;
    rd(st, 0x3fffff, &last, 1);
    g_assert_cmphex(last, ==, 0xff);
    st_free(st);
    g_free(d);
}

/* ======================================================================
 * INS / OUTS
 * ====================================================================== */

static void test_ins_outs(void)
{
    struct soft_test *st = st_new(ST_PROT32);
    struct cpu *c = st->c;
    struct iodev *d = iodev_map(st, 0x300);
    g_assert_cmpint(run(st, "cld\n mov $0x300, %dx\n mov $0x100000, %edi\n insb\n mov $7, %ecx\n"
                            "rep insb\n mov $4, %ecx\n rep insw\n mov $3, %ecx\n rep insl\n"
                            "mov $0x100000, %esi\n mov $28, %ecx\n rep outsb\n"
                            "mov $0x100000, %esi\n mov $2, %ecx\n rep outsl\n outsw\n hlt"), ==, -1);
    uint8_t got[28];
    rd(st, D1, got, 28);
    for (unsigned k = 0; k < 28; k++)
        g_assert_cmphex(got[k], ==, k);
    g_assert_cmpuint(d->reads, ==, 1 + 7 + 4 + 3);
    g_assert_cmphex(c->regs[R_DI], ==, D1 + 28);
    g_assert_cmpuint(d->nlog, ==, 28 + 8 + 2);
    for (unsigned k = 0; k < 28; k++)
        g_assert_cmphex(d->log[k], ==, k);
    for (unsigned k = 0; k < 10; k++)
        g_assert_cmphex(d->log[28 + k], ==, k);
    g_assert_cmpuint(d->writes, ==, 28 + 2 + 1);
    st_free(st);
    g_free(d);

    /* INSW with a word straddling a page end. */
    st = st_new(ST_PROT32);
    c = st->c;
    d = iodev_map(st, 0x300);
    g_assert_cmpint(run(st, "mov $0x300, %edx\n mov $0x100ffd, %edi\n mov $3, %ecx\n rep insw\n"
                            "hlt"), ==, -1);
    rd(st, 0x100ffd, got, 6);
    for (unsigned k = 0; k < 6; k++)
        g_assert_cmphex(got[k], ==, k);
    st_free(st);
    g_free(d);

    /* Backwards INSW in real mode. */
    st = st_new(ST_REAL);
    c = st->c;
    d = iodev_map(st, 0x300);
    g_assert_cmpint(run(st, "std\n mov $0x300, %dx\n mov $0x106, %di\n mov $4, %cx\n rep insw\n"
                            "cld\n hlt"), ==, -1);
    uint16_t w[4];
    rd(st, ST_DATA_ADDR + 0x100, w, 8);
    g_assert_cmphex(w[3], ==, 0x0100);
    g_assert_cmphex(w[2], ==, 0x0302);
    g_assert_cmphex(w[0], ==, 0x0706);
    g_assert_cmphex(c->regs[R_DI] & 0xffff, ==, 0xfe);
    st_free(st);
    g_free(d);

    /* 64-bit: REX.W INS stays 32-bit wide. */
    st = st_new(ST_LONG64);
    c = st->c;
    d = iodev_map(st, 0x300);
    g_assert_cmpint(run(st, "mov $0x300, %edx\n mov $0x100000, %rdi\n mov $2, %ecx\n"
                            "rep; .byte 0x48, 0x6d\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_DI], ==, D1 + 8);
    g_assert_cmphex(st_rd64(st, D1), ==, 0x0706050403020100ULL);
    g_assert_cmphex(st_rd32(st, D1 + 8), ==, 0);
    st_free(st);
    g_free(d);
}

/* String instructions on MMIO and ROM take the per-element path: every
 * element reaches the device, ROM ignores writes, and a mixed RAM/MMIO
 * string keeps both halves right. */
static void test_string_mmio_rom(void)
{
    for (int mode = 0; mode < 2; mode++) {
        struct soft_test *st = st_new(mode ? ST_LONG64 : ST_PROT32);
        struct cpu *c = st->c;
        struct iodev *d = g_new0(struct iodev, 1);
        region_init_io(&d->region, "test-mmio", 0x1000, &iodev_ops, d);
        as_add(&st->m->mem, &d->region, 0xe0000000, 0);
        static uint8_t rom[0x1000];
        pattern(rom, sizeof(rom), 6);
        struct mem_region romr;
        region_init_rom(&romr, "test-rom", sizeof(rom), rom);
        as_add(&st->m->mem, &romr, 0xe1000000, 0);
        as_commit(&st->m->mem);
        /* RAM -> MMIO (8 dwords), MMIO -> RAM (16 bytes), STOS into ROM
         * (dropped), ROM -> RAM (a page). */
        uint8_t src[64];
        pattern(src, sizeof(src), 40);
        wr(st, D1, src, sizeof(src));
        g_assert_cmpint(run(st, "mov $0x100000, %esi\n mov $0xe0000000, %edi\n mov $8, %ecx\n"
                                "rep movsl\n"
                                "mov $0xe0000000, %esi\n mov $0x180000, %edi\n mov $16, %ecx\n"
                                "rep movsb\n"
                                "mov $0xe1000000, %edi\n mov $0x100, %ecx\n xor %eax, %eax\n"
                                "rep stosl\n"
                                "mov $0xe1000000, %esi\n mov $0x190000, %edi\n mov $0x1000, %ecx\n"
                                "rep movsb\n hlt"), ==, -1);
        g_assert_cmpuint(d->writes, ==, 8);
        g_assert_cmpuint(d->nlog, ==, 32);
        g_assert_cmpmem(d->log, 32, src, 32);
        g_assert_cmpuint(d->reads, ==, 16);
        uint8_t got[0x1000];
        rd(st, D2, got, 16);
        for (unsigned k = 0; k < 16; k++)
            g_assert_cmphex(got[k], ==, k);
        uint8_t want[0x1000];
        pattern(want, sizeof(want), 6);
        g_assert_cmpmem(rom, sizeof(rom), want, sizeof(want)); /* ROM unchanged */
        rd(st, 0x190000, got, sizeof(got));
        g_assert_cmpmem(got, sizeof(got), want, sizeof(want));
        g_assert_cmphex(c->regs[R_CX], ==, 0);
        st_free(st);
        g_free(d);
    }
}

/* REP MOVS/STOS over a page holding decoded code invalidates it. */
static void test_string_self_modifying(void)
{
    struct soft_test *st = st_new(ST_PROT32);
    struct cpu *c = st->c;
    /* g returns 5; the code copies "mov $7,%eax; ret" over it with REP MOVSB
     * from `new`, calls again, then patches the immediate with STOSB. */
    g_assert_cmpint(run(st, "call g\n mov %eax, %ebx\n"
                            "mov $new, %esi\n mov $g, %edi\n mov $6, %ecx\n rep movsb\n"
                            "call g\n mov %eax, %edx\n"
                            "mov $(g + 1), %edi\n mov $9, %al\n mov $1, %ecx\n rep stosb\n"
                            "call g\n hlt\n"
                            "g: mov $5, %eax\n ret\n"
                            "new: mov $7, %eax\n ret\n"), ==, -1);
    g_assert_cmphex(c->regs[R_BX], ==, 5);
    g_assert_cmphex(c->regs[R_DX], ==, 7);
    g_assert_cmphex(c->regs[R_AX], ==, 9);
    st_free(st);
}

/* ======================================================================
 * BCD / ASCII adjust
 * ====================================================================== */

struct bcd_case {
    const char *insn;
    uint16_t ax;
    uint32_t flags_in;  /* CF/AF set before */
    uint16_t ax_out;
    uint32_t flags_out; /* over CF PF AF ZF SF OF */
};

static void run_bcd(const struct bcd_case *t, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        struct soft_test *st = st_new(ST_PROT32);
        char *src = g_strdup_printf("push $0x%x\n popf\n mov $0x%x, %%ax\n %s\n hlt",
                                    t[k].flags_in | 2, t[k].ax, t[k].insn);
        g_assert_cmpint(run(st, src), ==, -1);
        if ((st->c->regs[R_AX] & 0xffff) != t[k].ax_out ||
            (st_flags(st) & ARITH) != t[k].flags_out)
            g_error("%s with AX=%04x flags=%x: got AX=%04llx flags=%llx, want %04x %x",
                    t[k].insn, t[k].ax, t[k].flags_in,
                    (unsigned long long)(st->c->regs[R_AX] & 0xffff),
                    (unsigned long long)(st_flags(st) & ARITH), t[k].ax_out, t[k].flags_out);
        g_free(src);
        st_free(st);
    }
}

static void test_daa_das(void)
{
    static const struct bcd_case t[] = {
        /* SDM DAA example: 79 + 35 = AE -> 14, CF=1, AF=1 */
        { "daa", 0x00ae, 0, 0x0014, CF | AF | PF },
        { "daa", 0x009a, 0, 0x0000, CF | AF | ZF | PF },
        { "daa", 0x00fa, 0, 0x0060, CF | AF | PF },
        { "daa", 0x0012, 0, 0x0012, PF },
        { "daa", 0x0012, AF, 0x0018, AF | PF },
        { "daa", 0x0012, CF, 0x0072, CF | PF },
        { "daa", 0x1299, 0, 0x1299, SF | PF },   /* AH untouched */
        /* SDM DAS example: 35 - 47 = EE (CF=1, AF=1) -> 88 */
        { "das", 0x00ee, CF | AF, 0x0088, CF | AF | SF | PF },
        { "das", 0x0003, AF, 0x00fd, CF | AF | SF },  /* borrow of AL-6 kept */
        { "das", 0x009a, 0, 0x0034, CF | AF },
        { "das", 0x0040, CF, 0x00e0, CF | SF },
        { "das", 0x0066, 0, 0x0066, PF },
    };
    run_bcd(t, ARRAY_SIZE(t));
}

static void test_aaa_aas(void)
{
    static const struct bcd_case t[] = {
        /* '8' + '9' = 0x71 with AF=1 -> AX 0107 */
        { "aaa", 0x0071, AF, 0x0107, CF | AF },
        { "aaa", 0x0035, 0, 0x0005, PF },
        { "aaa", 0x010a, 0, 0x0200, CF | AF | ZF | PF },
        { "aaa", 0x01fa, 0, 0x0300, CF | AF | ZF | PF },  /* AX + 106h carries into AH */
        /* '8' - '9' = 0xff with AF=1 -> AX ff09 */
        { "aas", 0x00ff, AF, 0xff09, CF | AF | PF },
        { "aas", 0x0205, AF, 0x000f, CF | AF | PF },      /* AX - 6 borrows, then AH - 1 */
        { "aas", 0x0234, 0, 0x0204, 0 },
        { "aas", 0x0230, 0, 0x0200, ZF | PF },
    };
    run_bcd(t, ARRAY_SIZE(t));
}

static void test_aam_aad(void)
{
    static const struct bcd_case t[] = {
        { "aam", 0x003f, CF | AF | OF, 0x0603, PF },
        { "aam $16", 0x00af, 0, 0x0a0f, PF },
        { "aam", 0x0000, 0, 0x0000, ZF | PF },
        { "aam $3", 0x00ff, 0, 0x5500, ZF | PF },
        { "aad", 0x0607, 0, 0x0043, AF },          /* 07 + 3c */
        { "aad $16", 0x0304, 0, 0x0034, 0 },
        { "aad $16", 0x0980, 0, 0x0010, CF | OF },       /* 80 + 90 = 110 */
        { "aad", 0x0000, CF, 0x0000, ZF | PF },
        { "aad", 0x0c08, 0, 0x0080, SF | AF | OF },       /* 08 + 78 = 80 */
    };
    run_bcd(t, ARRAY_SIZE(t));

    /* AAM 0 raises #DE with AX unchanged, in real mode. */
    struct soft_test *st = st_new(ST_REAL);
    catch_exceptions(st);
    g_assert_cmpint(run(st, "mov $0x1234, %ax\n" AT "aam $0\n hlt"), ==, EX_DE);
    g_assert_cmphex(st->c->regs[R_AX] & 0xffff, ==, 0x1234);
    g_assert_cmphex(stack_slot(st, 0), ==, 0x200);
    st_free(st);
}

static void test_bcd_ud_in_64bit(void)
{
    static const char *const insns[] = { ".byte 0x27", ".byte 0x2f", ".byte 0x37", ".byte 0x3f",
                                         ".byte 0xd4, 10", ".byte 0xd5, 10",
                                         ".byte 0x62, 0x00" };
    for (size_t k = 0; k < ARRAY_SIZE(insns); k++) {
        struct soft_test *st = st_new(ST_LONG64);
        catch_exceptions(st);
        char *src = g_strdup_printf("mov $0x1234, %%eax\n" AT "%s\n hlt", insns[k]);
        g_assert_cmpint(run(st, src), ==, EX_UD);
        g_assert_cmphex(stack_slot(st, 0), ==, AT_RIP(st));
        g_assert_cmphex(st->c->regs[R_AX], ==, 0x1234);
        g_free(src);
        st_free(st);
    }
}

static void test_bound(void)
{
    struct soft_test *st = st_new(ST_PROT32);
    catch_exceptions(st);
    int32_t b[2] = { -5, 10 };
    wr(st, D1, b, 8);
    g_assert_cmpint(run(st, "mov $-5, %eax\n bound %eax, (0x100000)\n mov $10, %eax\n"
                            "bound %eax, (0x100000)\n mov $0x1111, %ebx\n hlt"), ==, -1);
    g_assert_cmphex(st->c->regs[R_BX], ==, 0x1111);
    st_free(st);

    static const int32_t bad[] = { 11, -6, INT32_MIN, INT32_MAX };
    for (size_t k = 0; k < ARRAY_SIZE(bad); k++) {
        st = st_new(ST_PROT32);
        catch_exceptions(st);
        wr(st, D1, b, 8);
        char *src = g_strdup_printf("mov $%d, %%ecx\n" AT "bound %%ecx, (0x100000)\n hlt", bad[k]);
        g_assert_cmpint(run(st, src), ==, EX_BR);
        g_assert_cmphex(stack_slot(st, 0), ==, AT_RIP(st)); /* a fault: RIP of BOUND */
        g_free(src);
        st_free(st);
    }

    /* 16-bit bounds in real mode. */
    st = st_new(ST_REAL);
    catch_exceptions(st);
    int16_t w[2] = { 100, 200 };
    wr(st, ST_DATA_ADDR + 0x30, w, 4);
    g_assert_cmpint(run(st, "mov $150, %ax\n bound %ax, (0x30)\n mov $201, %ax\n" AT
                            "bound %ax, (0x30)\n hlt"), ==, EX_BR);
    g_assert_cmphex(stack_slot(st, 0), ==, 0x200);
    st_free(st);

    /* A register operand is #UD. */
    st = st_new(ST_PROT32);
    catch_exceptions(st);
    g_assert_cmpint(run(st, AT ".byte 0x62, 0xc1\n hlt"), ==, EX_UD);
    st_free(st);
}

/* ======================================================================
 * BT / BTS / BTR / BTC
 * ====================================================================== */

static void test_bt_register(void)
{
    struct soft_test *st = st_new(ST_PROT32);
    struct cpu *c = st->c;
    /* Other arithmetic flags keep their values (ZF SF OF PF AF set). */
    g_assert_cmpint(run(st, "push $0x8d4\n popf\n mov $0x00000002, %eax\n mov $33, %ecx\n"
                            "bt %ecx, %eax\n setc %bl\n bts $4, %eax\n setc %bh\n"
                            "btr $1, %eax\n setc %dl\n btc $31, %eax\n setc %dh\n"
                            "mov $0x8000, %si\n btcw $15, %si\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_BX] & 0xffff, ==, 0x0001);
    g_assert_cmphex(c->regs[R_DX] & 0xffff, ==, 0x0001);
    g_assert_cmphex(c->regs[R_AX], ==, 0x80000010);
    g_assert_cmphex(c->regs[R_SI], ==, 0);
    g_assert_cmphex(st_flags(st) & ARITH, ==, (ZF | SF | OF | PF | AF | CF));
    st_free(st);

    st = st_new(ST_LONG64);
    c = st->c;
    g_assert_cmpint(run(st, "xor %eax, %eax\n mov $127, %ecx\n bts %rcx, %rax\n setc %bl\n"
                            "btsq $62, %rax\n mov $0xffffffff, %edx\n btr $3, %edx\n"
                            "movabs $-1, %rsi\n btrl $0, %esi\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_AX], ==, 0xc000000000000000ULL);
    g_assert_cmphex(c->regs[R_BX] & 0xff, ==, 0);
    g_assert_cmphex(c->regs[R_DX], ==, 0xfffffff7);
    g_assert_cmphex(c->regs[R_SI], ==, 0xfffffffe); /* 32-bit write zero-extends */
    st_free(st);
}

static void test_bt_memory(void)
{
    struct soft_test *st = st_new(ST_PROT32);
    struct cpu *c = st->c;
    uint8_t zero[64] = { 0 };
    wr(st, D1, zero, 64);
    /* Base 0x100020; register offsets reach below and above it. */
    g_assert_cmpint(run(st, "mov $-1, %ecx\n bts %ecx, (0x100020)\n"        /* 0x10001c b31 */
                            "mov $-33, %ecx\n bts %ecx, (0x100020)\n"        /* 0x100018 b31 */
                            "mov $40, %ecx\n bts %ecx, (0x100020)\n"         /* 0x100024 b8 */
                            "mov $-1, %cx\n btsw %cx, (0x100020)\n"          /* 0x10001e b15 */
                            "mov $-17, %cx\n btsw %cx, (0x100020)\n setc %bl\n" /* 0x10001c b15 */
                            "btsl $35, (0x100020)\n"                         /* 0x100020 b3 */
                            "mov $-1, %ecx\n bt %ecx, (0x100020)\n setc %bh\n"
                            "mov $-1, %ecx\n btr %ecx, (0x100020)\n"
                            "mov $-64, %ecx\n btc %ecx, (0x100020)\n setc %dl\n" /* 0x100018 b0 */
                            "hlt"), ==, -1);
    g_assert_cmphex(st_rd32(st, 0x100018), ==, 0x80000001);
    g_assert_cmphex(st_rd32(st, 0x10001c), ==, 0x00008000);
    g_assert_cmphex(st_rd32(st, 0x100020), ==, 0x00000008);
    g_assert_cmphex(st_rd32(st, 0x100024), ==, 0x00000100);
    g_assert_cmphex(c->regs[R_BX] & 0xffff, ==, 0x0100); /* bit 15 of 0x10001c was clear */
    g_assert_cmphex(c->regs[R_DX] & 0xff, ==, 0);
    st_free(st);

    /* 64-bit offsets, 16-bit wrap of the address in real mode. */
    st = st_new(ST_LONG64);
    c = st->c;
    wr(st, D1, zero, 64);
    uint64_t two = 2;
    wr(st, 0x100030, &two, 8);
    /* -65: the qword 16 bytes below, bit 63.  0x100000001: 0x20000000
     * bytes above a base that far below 0x100030 (the sum wraps). */
    g_assert_cmpint(run(st, "mov $0x100020, %rbx\n mov $-65, %rcx\n bts %rcx, (%rbx)\n"
                            "movabs $0x100000001, %rcx\n mov $(0x100030 - 0x20000000), %rdx\n"
                            "bt %rcx, (%rdx)\n setc %al\n hlt"), ==, -1);
    g_assert_cmphex(st_rd64(st, 0x100010), ==, 0x8000000000000000ULL);
    g_assert_cmphex(c->regs[R_AX] & 0xff, ==, 1);
    st_free(st);

    st = st_new(ST_REAL);
    c = st->c;
    uint16_t v = 0;
    wr(st, ST_DATA_ADDR + 0xfffe, &v, 2);
    /* [BX] = 0, offset -1: the word at (0 - 2) wraps to FFFE. */
    g_assert_cmpint(run(st, "xor %bx, %bx\n mov $-1, %ax\n bts %ax, (%bx)\n hlt"), ==, -1);
    rd(st, ST_DATA_ADDR + 0xfffe, &v, 2);
    g_assert_cmphex(v, ==, 0x8000);
    st_free(st);
}

static void test_bt_lock(void)
{
    struct soft_test *st = st_new(ST_PROT32);
    catch_exceptions(st);
    g_assert_cmpint(run(st, "mov $3, %ecx\n lock bts %ecx, (0x100000)\n lock btrl $3, (0x100000)\n"
                            "lock btcl $1, (0x100000)\n hlt"), ==, -1);
    g_assert_cmphex(st_rd32(st, D1), ==, 2);
    st_free(st);

    static const char *const bad[] = {
        ".byte 0xf0, 0x0f, 0xa3, 0x0d, 0, 0, 0x10, 0", /* lock bt %ecx, (0x100000) */
        ".byte 0xf0, 0x0f, 0xba, 0x25, 0, 0, 0x10, 0, 1", /* lock btl $1, (mem) */
        ".byte 0xf0, 0x0f, 0xab, 0xc8",                  /* lock bts %ecx, %eax */
        ".byte 0x0f, 0xba, 0xe0 - 0x20, 1",              /* 0F BA /0 */
        ".byte 0xf0, 0xa4",                              /* lock movsb */
    };
    for (size_t k = 0; k < ARRAY_SIZE(bad); k++) {
        st = st_new(ST_PROT32);
        catch_exceptions(st);
        char *src = g_strdup_printf(AT "%s\n hlt", bad[k]);
        g_assert_cmpint(run(st, src), ==, EX_UD);
        g_assert_cmphex(stack_slot(st, 0), ==, AT_RIP(st));
        g_free(src);
        st_free(st);
    }
}

/* ======================================================================
 * BSF / BSR / TZCNT / LZCNT / POPCNT
 * ====================================================================== */

static void test_bsf_bsr(void)
{
    struct soft_test *st = st_new(ST_PROT32);
    struct cpu *c = st->c;
    g_assert_cmpint(run(st, "mov $0x00f00080, %eax\n bsf %eax, %ebx\n bsr %eax, %ecx\n"
                            "mov $0x1234, %edx\n xor %esi, %esi\n bsf %esi, %edx\n setz %al\n"
                            "mov $0x5678, %edi\n bsr %esi, %edi\n setz %ah\n"
                            "mov $0xffff8000, %ebp\n bsfw %bp, %bp\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_BX], ==, 7);
    g_assert_cmphex(c->regs[R_CX], ==, 23);
    g_assert_cmphex(c->regs[R_DX], ==, 0x1234);  /* unchanged for a zero source */
    g_assert_cmphex(c->regs[R_DI], ==, 0x5678);
    g_assert_cmphex(c->regs[R_AX] & 0xffff, ==, 0x0101);
    g_assert_cmphex(c->regs[R_BP], ==, 0xffff000f);
    g_assert_false(st_flags(st) & ZF);
    st_free(st);

    st = st_new(ST_LONG64);
    c = st->c;
    uint64_t m = 0x8000000000000000ULL;
    wr(st, D1, &m, 8);
    g_assert_cmpint(run(st, "bsrq (0x100000), %rax\n bsfq (0x100000), %rbx\n"
                            "mov $0x10, %ecx\n bsf %rcx, %rdx\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_AX], ==, 63);
    g_assert_cmphex(c->regs[R_BX], ==, 63);
    g_assert_cmphex(c->regs[R_DX], ==, 4);
    st_free(st);

    /* Without BMI1, F3 0F BC (TZCNT) is BSF: dest unchanged, ZF=1, on 0. */
    st = st_new(ST_PROT32);
    c = st->c;
    g_assert_cmpint(run(st, "mov $7, %ebx\n xor %eax, %eax\n rep bsf %eax, %ebx\n setz %cl\n"
                            "mov $8, %eax\n tzcnt %eax, %edx\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_BX], ==, 7);
    g_assert_cmphex(c->regs[R_CX] & 0xff, ==, 1);
    g_assert_cmphex(c->regs[R_DX], ==, 3);
    st_free(st);
}

static void test_lzcnt(void)
{
    struct soft_test *st = st_new(ST_PROT32);
    struct cpu *c = st->c;
    g_assert_cmpint(run(st, "xor %eax, %eax\n lzcnt %eax, %ebx\n setc %cl\n setz %ch\n"
                            "mov $1, %eax\n lzcnt %eax, %edx\n"
                            "mov $0x80000000, %eax\n lzcnt %eax, %esi\n setz %al\n setc %ah\n"
                            "mov $1, %di\n mov $0xabcd0000, %ebp\n lzcnt %di, %bp\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_BX], ==, 32);
    g_assert_cmphex(c->regs[R_CX] & 0xffff, ==, 0x0001); /* CF=1, ZF=0 */
    g_assert_cmphex(c->regs[R_DX], ==, 31);
    g_assert_cmphex(c->regs[R_SI], ==, 0);
    g_assert_cmphex(c->regs[R_AX] & 0xffff, ==, 0x0001); /* ZF=1, CF=0 */
    g_assert_cmphex(c->regs[R_BP], ==, 0xabcd000f);
    st_free(st);

    st = st_new(ST_LONG64);
    c = st->c;
    /* 64-bit, and the F3/66 prefixes in either order. */
    g_assert_cmpint(run(st, "xor %eax, %eax\n lzcnt %rax, %rbx\n mov $0x100, %ecx\n"
                            "lzcnt %rcx, %rdx\n mov $0x10, %si\n .byte 0xf3, 0x66, 0x0f, 0xbd, 0xfe\n"
                            "hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_BX], ==, 64);
    g_assert_cmphex(c->regs[R_DX], ==, 55);
    g_assert_cmphex(c->regs[R_DI] & 0xffff, ==, 11);
    st_free(st);
}

static void test_popcnt(void)
{
    struct soft_test *st = st_new(ST_LONG64);
    struct cpu *c = st->c;
    g_assert_cmpint(run(st, "push $0x8d5\n popf\n movabs $-1, %rax\n popcnt %rax, %rbx\n"
                            "pushf\n pop %r8\n mov $0xf0f0, %ecx\n popcnt %cx, %dx\n"
                            "mov $0x80000001, %esi\n popcnt %esi, %edi\n"
                            "xor %eax, %eax\n popcnt %eax, %ebp\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_BX], ==, 64);
    g_assert_cmphex(c->regs[R_R8] & ARITH, ==, 0); /* all cleared */
    g_assert_cmphex(c->regs[R_DX] & 0xffff, ==, 8);
    g_assert_cmphex(c->regs[R_DI], ==, 2);
    g_assert_cmphex(c->regs[R_BP], ==, 0);
    g_assert_cmphex(st_flags(st) & ARITH, ==, ZF);
    st_free(st);

    st = st_new(ST_PROT32);
    catch_exceptions(st);
    g_assert_cmpint(run(st, AT ".byte 0x0f, 0xb8, 0xc1\n hlt"), ==, EX_UD);
    st_free(st);
}

/* ======================================================================
 * SHLD / SHRD
 * ====================================================================== */

static void test_shld_shrd(void)
{
    struct soft_test *st = st_new(ST_PROT32);
    struct cpu *c = st->c;
    g_assert_cmpint(run(st, "mov $0x12345678, %eax\n mov $0x9abcdef0, %ebx\n shld $4, %ebx, %eax\n"
                            "setc %cl\n mov %eax, %esi\n"
                            "mov $0x12345678, %eax\n shrd $4, %ebx, %eax\n setc %ch\n"
                            "mov %eax, %edi\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_SI], ==, 0x23456789);
    g_assert_cmphex(c->regs[R_DI], ==, 0x01234567);
    g_assert_cmphex(c->regs[R_CX] & 0xffff, ==, 0x0101);
    st_free(st);

    /* Count 0 (and 32, masked to 0): nothing changes, flags included. */
    st = st_new(ST_PROT32);
    c = st->c;
    g_assert_cmpint(run(st, "push $0x8d5\n popf\n mov $0x12345678, %eax\n mov $-1, %ebx\n"
                            "mov $32, %ecx\n shld %cl, %ebx, %eax\n shrd $0, %ebx, %eax\n"
                            "shldl $0, %ebx, (0x100000)\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_AX], ==, 0x12345678);
    g_assert_cmphex(st_flags(st) & ARITH, ==, ARITH);
    st_free(st);

    /* Count 1: OF on a sign change; count 33 with CL masks to 1. */
    st = st_new(ST_PROT32);
    c = st->c;
    g_assert_cmpint(run(st, "mov $0x40000000, %eax\n xor %ebx, %ebx\n shld $1, %ebx, %eax\n"
                            "pushf\n pop %esi\n mov %eax, %edi\n"
                            "mov $0x80000001, %eax\n mov $33, %ecx\n mov $1, %ebx\n"
                            "shrd %cl, %ebx, %eax\n pushf\n pop %ebp\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_DI], ==, 0x80000000);
    g_assert_cmphex(c->regs[R_SI] & (CF | OF | SF | ZF), ==, OF | SF);
    g_assert_cmphex(c->regs[R_AX], ==, 0xc0000000);
    g_assert_cmphex(c->regs[R_BP] & (CF | OF | SF | ZF | PF), ==, CF | SF | PF);
    st_free(st);

    /* 16-bit counts 16 and >16 (the 48-bit dest:src:dest behaviour). */
    st = st_new(ST_PROT32);
    c = st->c;
    g_assert_cmpint(run(st, "mov $0x1234, %ax\n mov $0x5678, %bx\n mov $16, %cl\n"
                            "shld %cl, %bx, %ax\n mov %ax, %si\n"
                            "mov $0x1234, %ax\n mov $20, %cl\n shld %cl, %bx, %ax\n mov %ax, %di\n"
                            "mov $0x1234, %ax\n shrd %cl, %bx, %ax\n mov %ax, %bp\n"
                            "mov $0x1234, %dx\n shrd $3, %bx, %dx\n hlt"), ==, -1);
    g_assert_cmphex(c->regs[R_SI] & 0xffff, ==, 0x5678);
    g_assert_cmphex(c->regs[R_DI] & 0xffff, ==, 0x6781);
    g_assert_cmphex(c->regs[R_BP] & 0xffff, ==, 0x4567);
    g_assert_cmphex(c->regs[R_DX] & 0xffff, ==, 0x0246);  /* 0x1234>>3 | 0x5678<<13 */
    st_free(st);

    /* 64-bit, count mod 64, memory destinations. */
    st = st_new(ST_LONG64);
    c = st->c;
    uint64_t q = 0x0123456789abcdefULL;
    wr(st, D1, &q, 8);
    g_assert_cmpint(run(st, "movabs $0xfedcba9876543210, %rbx\n mov $68, %ecx\n"
                            "shldq %cl, %rbx, (0x100000)\n"
                            "movabs $0x8000000000000000, %rax\n mov $63, %cl\n shrd %cl, %rbx, %rax\n"
                            "mov $0x11112222, %edx\n shrdl $8, %ebx, (0x100008)\n hlt"), ==, -1);
    g_assert_cmphex(st_rd64(st, D1), ==, 0x123456789abcdeffULL);
    g_assert_cmphex(c->regs[R_AX], ==, 0xfdb97530eca86421ULL);
    g_assert_cmphex(st_rd32(st, D1 + 8), ==, 0x10000000);
    st_free(st);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/softcpu/string/movs-real", test_movs_real);
    g_test_add_func("/softcpu/string/movs-prot32", test_movs_prot32);
    g_test_add_func("/softcpu/string/movs-long64", test_movs_long64);
    g_test_add_func("/softcpu/string/rep-zero-count", test_rep_zero_count);
    g_test_add_func("/softcpu/string/movs-backward", test_movs_backward);
    g_test_add_func("/softcpu/string/movs-overlap", test_movs_overlap);
    g_test_add_func("/softcpu/string/seg-override", test_movs_seg_override);
    g_test_add_func("/softcpu/string/address-size", test_address_size);
    g_test_add_func("/softcpu/string/segment-limit", test_segment_limit_mid_string);
    g_test_add_func("/softcpu/string/stos", test_stos);
    g_test_add_func("/softcpu/string/lods", test_lods);
    g_test_add_func("/softcpu/string/cmps", test_cmps);
    g_test_add_func("/softcpu/string/scas", test_scas);
    g_test_add_func("/softcpu/string/rep-interruptible", test_rep_interruptible);
    g_test_add_func("/softcpu/string/rep-single-step", test_rep_single_step);
    g_test_add_func("/softcpu/string/rep-fault", test_rep_fault_mid_string);
    g_test_add_func("/softcpu/string/ins-outs", test_ins_outs);
    g_test_add_func("/softcpu/string/mmio-rom", test_string_mmio_rom);
    g_test_add_func("/softcpu/string/self-modifying", test_string_self_modifying);
    g_test_add_func("/softcpu/bcd/daa-das", test_daa_das);
    g_test_add_func("/softcpu/bcd/aaa-aas", test_aaa_aas);
    g_test_add_func("/softcpu/bcd/aam-aad", test_aam_aad);
    g_test_add_func("/softcpu/bcd/ud-64bit", test_bcd_ud_in_64bit);
    g_test_add_func("/softcpu/bcd/bound", test_bound);
    g_test_add_func("/softcpu/bits/bt-register", test_bt_register);
    g_test_add_func("/softcpu/bits/bt-memory", test_bt_memory);
    g_test_add_func("/softcpu/bits/bt-lock", test_bt_lock);
    g_test_add_func("/softcpu/bits/bsf-bsr", test_bsf_bsr);
    g_test_add_func("/softcpu/bits/lzcnt", test_lzcnt);
    g_test_add_func("/softcpu/bits/popcnt", test_popcnt);
    g_test_add_func("/softcpu/bits/shld-shrd", test_shld_shrd);
    return g_test_run();
}
