/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Soft CPU: the specialised 64-bit handlers of cpu/soft/fast.c.
 *
 * Three kinds of checks:
 *   - fast against generic: the same generated code (every ALU operation in
 *     every form and size, INC/DEC, shifts and rotates, IMUL, MOV, MOVZX,
 *     MOVSX, MOVSXD, LEA, CMOVcc, SETcc, Jcc, PUSH/POP/CALL/RET) over a
 *     table of edge values runs on two CPUs, one with the fast handlers and
 *     one decoding to the generic handlers only (struct cpu.fast_off); every
 *     result, the full EFLAGS image after every operation (PUSHFQ), the
 *     registers and memory must be identical.  The generic handlers are
 *     checked against the SDM by test-softcpu-int and against real hardware
 *     by test-softcpu-diff.
 *   - the selectors: which encodings get a fast handler and which must not
 *     (other modes, 16-bit operands, 32-bit addressing, AH..BH).
 *   - values and exceptions straight from the SDM on the fast path: flags
 *     of ADD/SUB/ROL/SHR/IMUL, zero extension of 32-bit results, #PF with
 *     CR2 and the error code and RIP on the instruction, #GP(0) for a
 *     non-canonical operand or Jcc target, #SS(0) for a non-canonical
 *     stack, FS/GS bases, page-crossing operands and writes into code. */
#include <stdarg.h>
#include "cpu/soft/ops.h"
#include "hw/boot/boot.h"
#include "tests/support/softcpu.h"

#define CF F_CF
#define ZF F_ZF
#define SF F_SF
#define OF F_OF
#define PF F_PF
#define AF F_AF
#define ARITH (CF | PF | AF | ZF | SF | OF)

#define VALS 0x40000ULL  /* the edge-value table */
#define OUT 0x100000ULL  /* generated code stores its results here */
#define OUT_END 0x400000ULL
#define IDT_ADDR 0x8000ULL
#define STUBS 0x8000     /* exception stubs: code + STUBS + 16 * vector */
#define CODE_MAX (STUBS + 0x200)

static const uint64_t edge[] = {
    0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
    0x100000000ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL, 0xffffffffffffffffULL,
    0x123456789abcdef0ULL, 0xfedcba9876543210ULL, 0x00000000fffffffeULL, 0x8000000000000001ULL,
    31, 32, 63, 64,
};
#define NEDGE ARRAY_SIZE(edge)

static const int stub_vecs[] = { EX_DE, EX_UD, EX_SS, EX_GP, EX_PF };

/* Each stub records the vector in R15 and the word on top of the stack
 * (the error code, or the return RIP) in R14, then halts. */
static char *with_stubs(const char *body)
{
    GString *s = g_string_new(body);
    g_string_append(s, "\nhlt\n");
    for (size_t k = 0; k < ARRAY_SIZE(stub_vecs); k++) {
        int v = stub_vecs[k];
        g_string_append_printf(s, ".org 0x%x\n mov $0x%x, %%r15d\n mov (%%rsp), %%r14\n hlt\n",
                               STUBS + 16 * v, 0x100 + v);
    }
    return g_string_free(s, false);
}

static struct soft_test *prep(bool fast)
{
    struct soft_test *st = st_new(ST_LONG64);
    st->c->fast_off = !fast;
    for (size_t k = 0; k < ARRAY_SIZE(stub_vecs); k++) {
        int v = stub_vecs[k];
        uint32_t off = (uint32_t)ST_CODE_ADDR + STUBS + 16 * v;
        uint32_t g[4] = { BOOT_CS << 16 | (off & 0xffff), (off & 0xffff0000u) | 0x8e00, 0, 0 };
        machine_write_phys(st->m, IDT_ADDR + 16 * v, g, 16);
    }
    st->c->idt = (struct x86_dtable){ IDT_ADDR, 4095 };
    /* The value table: pairs (a, b) over the edge values, 16 bytes each. */
    for (size_t a = 0; a < NEDGE; a++)
        for (size_t b = 0; b < NEDGE; b++) {
            st_wr64(st, VALS + (a * NEDGE + b) * 16, edge[a]);
            st_wr64(st, VALS + (a * NEDGE + b) * 16 + 8, edge[b]);
        }
    return st;
}

static void run_one(struct soft_test *st, const char *src)
{
    if (st_run(st, 10000000) != ST_HALTED)
        g_error("snippet did not halt (rip 0x%llx):\n%s", (unsigned long long)st->c->rip, src);
}

/* Run `body` on a fast and a generic CPU and require identical state. */
static void fast_vs_generic(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void fast_vs_generic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *body = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    char *src = with_stubs(body);
    struct soft_test *f = prep(true), *g = prep(false);
    st_asm(f, src);
    static uint8_t code[CODE_MAX];
    machine_read_phys(f->m, ST_CODE_ADDR, code, sizeof(code));
    st_load(g, ST_CODE_ADDR, code, sizeof(code));
    run_one(f, src);
    run_one(g, src);
    for (int r = 0; r < 16; r++)
        if (f->c->regs[r] != g->c->regs[r])
            g_error("register %d: fast %#llx generic %#llx in:\n%s", r,
                    (unsigned long long)f->c->regs[r], (unsigned long long)g->c->regs[r], body);
    g_assert_cmphex(f->c->rip, ==, g->c->rip);
    g_assert_cmphex(st_flags(f), ==, st_flags(g));
    g_assert_cmphex(f->c->cr2, ==, g->c->cr2);
    static uint8_t mf[OUT_END - OUT], mg[OUT_END - OUT];
    machine_read_phys(f->m, OUT, mf, sizeof(mf));
    machine_read_phys(g->m, OUT, mg, sizeof(mg));
    for (size_t k = 0; k < sizeof(mf); k++)
        if (mf[k] != mg[k])
            g_error("memory %#llx: fast %#x generic %#x in:\n%s",
                    (unsigned long long)(OUT + k), mf[k], mg[k], body);
    st_free(f);
    st_free(g);
    g_free(body);
    g_free(src);
}

/* A loop over every value pair: RSI -> (a, b), RDI -> output; `per` is the
 * code for one pair with a = RAX, b = RDX, CF = the pair index's bit 0;
 * it stores what it wants at 0(%rdi).. and advances nothing itself. */
static void over_pairs(unsigned out_bytes, const char *per)
{
    fast_vs_generic("mov $0x%llx, %%rsi\n mov $0x%llx, %%rdi\n mov $%u, %%ecx\n"
                    "1:\n mov (%%rsi), %%rax\n mov 8(%%rsi), %%rdx\n bt $0, %%ecx\n"
                    "%s\n"
                    " add $16, %%rsi\n add $%u, %%rdi\n dec %%ecx\n jnz 1b\n",
                    (unsigned long long)VALS, (unsigned long long)OUT, (unsigned)(NEDGE * NEDGE),
                    per, out_bytes);
}

/* ---- fast against generic ---- */

static const char *const alu_ops[] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp",
                                       "test" };

static void test_alu_forms(void)
{
    for (size_t k = 0; k < ARRAY_SIZE(alu_ops); k++) {
        const char *op = alu_ops[k];
        bool test = !strcmp(op, "test");
        for (int q = 0; q < 2; q++) {
            const char *s = q ? "q" : "l";
            const char *ax = q ? "%rax" : "%eax", *dx = q ? "%rdx" : "%edx";
            const char *r8 = q ? "%r8" : "%r8d", *r9 = q ? "%r9" : "%r9d";
            /* Each form leaves its result and the flags (PUSHFQ). */
            char *per = g_strdup_printf(
                /* rr, E,G encoding */
                " mov %%rax, %%r8\n bt $0, %%ecx\n %s%s %s, %s\n pushfq\n pop %%r10\n"
                " mov %%r8, 0(%%rdi)\n mov %%r10, 8(%%rdi)\n"
                /* rr, G,E encoding (not for TEST) */
                " mov %%rax, %%r8\n bt $0, %%ecx\n %s %s%s %s, %s\n pushfq\n pop %%r10\n"
                " mov %%r8, 16(%%rdi)\n mov %%r10, 24(%%rdi)\n"
                /* register, memory (load form; TEST has only E,G: memory first) */
                " mov %%rax, %%r9\n bt $0, %%ecx\n %s%s 8(%%rsi), %s\n pushfq\n pop %%r10\n"
                " mov %%r9, 32(%%rdi)\n mov %%r10, 40(%%rdi)\n"
                /* memory, register (read-modify-write) */
                " mov %%rax, 48(%%rdi)\n bt $0, %%ecx\n %s%s %s, 48(%%rdi)\n pushfq\n pop %%r10\n"
                " mov %%r10, 56(%%rdi)\n"
                /* register, imm8 / imm32 / accumulator */
                " mov %%rax, %%r8\n bt $0, %%ecx\n %s%s $-3, %s\n pushfq\n pop %%r10\n"
                " mov %%r8, 64(%%rdi)\n mov %%r10, 72(%%rdi)\n"
                " mov %%rax, %%r8\n bt $0, %%ecx\n %s%s $0x7fff0001, %s\n pushfq\n pop %%r10\n"
                " mov %%r8, 80(%%rdi)\n mov %%r10, 88(%%rdi)\n"
                " push %%rax\n bt $0, %%ecx\n %s%s $-0x7fffffff, %s\n pushfq\n pop %%r10\n"
                " mov %%rax, 96(%%rdi)\n mov %%r10, 104(%%rdi)\n pop %%rax\n"
                /* memory, imm8 / imm32 */
                " mov %%rdx, 112(%%rdi)\n bt $0, %%ecx\n %s%s $5, 112(%%rdi)\n pushfq\n pop %%r10\n"
                " mov %%r10, 120(%%rdi)\n"
                " mov %%rdx, 128(%%rdi)\n bt $0, %%ecx\n %s%s $-0x10000, 128(%%rdi)\n pushfq\n"
                " pop %%r10\n mov %%r10, 136(%%rdi)\n",
                op, s, dx, r8,
                test ? "" : "{load}", op, s, dx, r8,
                op, s, r9,
                op, s, dx,
                op, s, r8,
                op, s, r8,
                op, s, ax,
                op, s,
                op, s);
            over_pairs(144, per);
            g_free(per);
        }
    }
}

static void test_alu_byte_forms(void)
{
    over_pairs(64, " mov %rax, %r8\n cmp %dl, %r8b\n pushfq\n pop %r10\n mov %r10, 0(%rdi)\n"
                   " cmp $0x80, %al\n pushfq\n pop %r10\n mov %r10, 8(%rdi)\n"
                   " cmpb $0x7f, %dl\n pushfq\n pop %r10\n mov %r10, 16(%rdi)\n"
                   " mov %rdx, 24(%rdi)\n cmpb $0x81, 24(%rdi)\n pushfq\n pop %r10\n"
                   " mov %r10, 32(%rdi)\n test %dl, %al\n pushfq\n pop %r10\n mov %r10, 40(%rdi)\n"
                   " test $0x81, %al\n pushfq\n pop %r10\n mov %r10, 48(%rdi)\n"
                   " testb $0x80, 8(%rsi)\n pushfq\n pop %r10\n mov %r10, 56(%rdi)\n");
}

static void test_incdec_forms(void)
{
    over_pairs(104, " mov %rax, %r8\n inc %r8\n pushfq\n pop %r10\n mov %r8, 0(%rdi)\n mov %r10, 8(%rdi)\n"
                   " bt $0, %ecx\n mov %rax, %r8\n dec %r8d\n pushfq\n pop %r10\n"
                   " mov %r8, 16(%rdi)\n mov %r10, 24(%rdi)\n"
                   " bt $0, %ecx\n mov %rdx, 32(%rdi)\n incq 32(%rdi)\n pushfq\n pop %r10\n"
                   " mov %r10, 40(%rdi)\n"
                   " bt $0, %ecx\n mov %rdx, 48(%rdi)\n decl 48(%rdi)\n pushfq\n pop %r10\n"
                   " mov %r10, 56(%rdi)\n"
                   " cmp %rdx, %rax\n inc %eax\n pushfq\n pop %r10\n mov %r10, 64(%rdi)\n"
                   " sub %rdx, %rax\n dec %rax\n pushfq\n pop %r10\n mov %r10, 72(%rdi)\n"
                   " mov %rax, 80(%rdi)\n"
                   /* CF through DEC then INC (lazily kept twice), then into ADC */
                   " bt $0, %ecx\n mov %rdx, %r8\n dec %r8\n inc %r8d\n adc %rdx, %r8\n"
                   " pushfq\n pop %r10\n mov %r8, 88(%rdi)\n mov %r10, 96(%rdi)\n");
}

static void test_shift_forms(void)
{
    static const char *const ops[] = { "rol", "ror", "shl", "sal", "shr", "sar" };
    for (size_t k = 0; k < ARRAY_SIZE(ops); k++) {
        const char *op = ops[k];
        /* A flag-setting op first, so rotates keep its SF/ZF/AF/PF; then a
         * second rotate on top of the first (the rotate-after-rotate path). */
        char *per = g_strdup_printf(
            " mov %%rax, %%r8\n mov %%edx, %%ecx\n add %%rdx, %%r11\n %sq %%cl, %%r8\n pushfq\n"
            " pop %%r10\n mov %%r8, 0(%%rdi)\n mov %%r10, 8(%%rdi)\n"
            " mov %%rax, %%r8\n sub %%rdx, %%r11\n %sl %%cl, %%r8d\n pushfq\n pop %%r10\n"
            " mov %%r8, 16(%%rdi)\n mov %%r10, 24(%%rdi)\n"
            " mov %%rax, %%r8\n %sq $1, %%r8\n %sq $63, %%r8\n pushfq\n pop %%r10\n"
            " mov %%r8, 32(%%rdi)\n mov %%r10, 40(%%rdi)\n"
            " mov %%rax, %%r8\n xor %%rdx, %%r11\n %sl $1, %%r8d\n pushfq\n pop %%r10\n"
            " mov %%r8, 48(%%rdi)\n mov %%r10, 56(%%rdi)\n"
            " mov %%rax, %%r8\n %sl $31, %%r8d\n %sl $7, %%r8d\n pushfq\n pop %%r10\n"
            " mov %%r8, 64(%%rdi)\n mov %%r10, 72(%%rdi)\n"
            " mov %%rax, %%r8\n %sq %%r8\n pushfq\n pop %%r10\n"
            " mov %%r8, 80(%%rdi)\n mov %%r10, 88(%%rdi)\n"
            " mov %%rax, %%r8\n cmp %%rdx, %%rax\n %sq $13, %%r8\n setc %%r9b\n seto %%r9b\n"
            " setz %%r10b\n mov %%r9, 96(%%rdi)\n mov %%r10, 104(%%rdi)\n",
            op, op, op, op, op, op, op, op, op);
        /* ECX is the loop count: keep it across the CL forms. */
        char *fixed = g_strdup_printf(" push %%rcx\n%s pop %%rcx\n", per);
        over_pairs(112, fixed);
        g_free(per);
        g_free(fixed);
    }
}

static void test_shift16_grp3_forms(void)
{
    static const char *const ops[] = { "rol", "ror", "shl", "shr", "sar" };
    GString *per = g_string_new("");
    unsigned off = 0;
    for (size_t k = 0; k < ARRAY_SIZE(ops); k++) {
        static const int counts[] = { 1, 5, 15, 16, 17 };
        for (size_t n = 0; n < ARRAY_SIZE(counts); n++) {
            g_string_append_printf(per, " mov %%rax, %%r8\n sub %%rdx, %%r11\n %sw $%d, %%r8w\n"
                                   " pushfq\n pop %%r10\n mov %%r8, %u(%%rdi)\n mov %%r10, %u(%%rdi)\n",
                                   ops[k], counts[n], off, off + 8);
            off += 16;
        }
        g_string_append_printf(per, " mov %%rax, %%r8\n %sw %%r8w\n pushfq\n pop %%r10\n"
                               " mov %%r8, %u(%%rdi)\n mov %%r10, %u(%%rdi)\n", ops[k], off, off + 8);
        off += 16;
    }
    static const char *const g3[] = { "not", "neg", "mul", "imul" };
    for (size_t k = 0; k < ARRAY_SIZE(g3); k++)
        for (int q = 0; q < 2; q++) {
            g_string_append_printf(per, " push %%rax\n push %%rdx\n mov %%rdx, %%r8\n %s%s %s\n"
                                   " pushfq\n pop %%r10\n mov %%rax, %u(%%rdi)\n mov %%rdx, %u(%%rdi)\n"
                                   " mov %%r8, %u(%%rdi)\n mov %%r10, %u(%%rdi)\n pop %%rdx\n pop %%rax\n",
                                   g3[k], q ? "q" : "l", q ? "%r8" : "%r8d", off, off + 8, off + 16,
                                   off + 24);
            off += 32;
        }
    g_assert_cmpuint(off, <=, 1024);
    char *code = g_string_free(per, false);
    over_pairs(1024, code);
    g_free(code);
}

static void test_imul_forms(void)
{
    over_pairs(96, " mov %rax, %r8\n imul %rdx, %r8\n pushfq\n pop %r10\n mov %r8, 0(%rdi)\n"
                   " mov %r10, 8(%rdi)\n mov %rax, %r8\n imul %edx, %r8d\n pushfq\n pop %r10\n"
                   " mov %r8, 16(%rdi)\n mov %r10, 24(%rdi)\n"
                   " mov %rax, %r8\n imul 8(%rsi), %r8\n pushfq\n pop %r10\n mov %r8, 32(%rdi)\n"
                   " mov %r10, 40(%rdi)\n imul $-7, %rdx, %r8\n pushfq\n pop %r10\n"
                   " mov %r8, 48(%rdi)\n mov %r10, 56(%rdi)\n imul $0x40000001, 8(%rsi), %r8d\n"
                   " pushfq\n pop %r10\n mov %r8, 64(%rdi)\n mov %r10, 72(%rdi)\n"
                   " imul $3, (%rsi), %r9\n pushfq\n pop %r10\n mov %r9, 80(%rdi)\n"
                   " mov %r10, 88(%rdi)\n");
}

static void test_mov_forms(void)
{
    over_pairs(128, " mov %rax, %r8\n mov %edx, %r8d\n mov %r8, 0(%rdi)\n"
                    " mov %rax, %r8\n {load} mov %rdx, %r8\n mov %r8, 8(%rdi)\n"
                    " mov %rax, %r8\n mov 8(%rsi), %r8d\n mov %r8, 16(%rdi)\n"
                    " mov %rax, %r8\n mov $-2, %r8d\n mov %r8, 24(%rdi)\n"
                    " movq $-2, %r9\n movabs $0x123456789, %r10\n xor %r9, %r10\n"
                    " mov %r10, 32(%rdi)\n movq $-5, 40(%rdi)\n movl $-5, 48(%rdi)\n"
                    " movw $-5, 56(%rdi)\n movb $-5, 57(%rdi)\n mov %dl, 58(%rdi)\n"
                    " mov %dh, 59(%rdi)\n mov %dx, 60(%rdi)\n"
                    " mov %rax, %rbx\n mov 8(%rsi), %bl\n mov 9(%rsi), %bh\n mov %rbx, 64(%rdi)\n"
                    " mov %rax, %rbx\n mov 10(%rsi), %bx\n mov %rbx, 72(%rdi)\n"
                    " mov %rax, %r8\n mov 8(%rsi), %r8b\n mov %r8, 80(%rdi)\n"
                    " mov %edx, 88(%rdi)\n mov %rdx, 96(%rdi)\n"
                    " movzbl %dl, %r8d\n movzbl %dh, %ebx\n movzwl %dx, %r10d\n movsbq %dl, %r11\n"
                    " add %r8, %rbx\n add %r10, %r11\n add %rbx, %r11\n mov %r11, 104(%rdi)\n"
                    " movzbq 8(%rsi), %r8\n movzwl 8(%rsi), %r9d\n movsbl 8(%rsi), %r10d\n"
                    " movswq 8(%rsi), %r11\n add %r8, %r9\n add %r10, %r11\n add %r9, %r11\n"
                    " movsbq 9(%rsi), %r8\n movswl 10(%rsi), %r9d\n movslq 8(%rsi), %r10\n"
                    " movslq %edx, %rbx\n add %r8, %r9\n add %r10, %rbx\n add %r9, %rbx\n"
                    " add %r11, %rbx\n mov %rbx, 112(%rdi)\n"
                    " lea 7(%rax,%rdx,4), %r8\n lea -1(%rdx), %r9d\n lea 0x1000(,%rax,8), %r10\n"
                    " add %r8, %r9\n add %r9, %r10\n mov %r10, 120(%rdi)\n");
}

static void test_cond_forms(void)
{
    /* Every condition after CMP (SUB), TEST (logic), ADD, INC, SHL, IMUL
     * and a materialised EFLAGS (POPF): SETcc into a byte, CMOVcc, Jcc. */
    GString *per = g_string_new("");
    static const char *const setters[] = {
        "cmp %rdx, %rax", "cmp %edx, %eax", "test %rdx, %rax", "test %edx, %eax",
        "add %rdx, %r8", "inc %r8d", "shl $3, %r8", "imul %rdx, %r8", "push %rax\n popfq",
        "cmp %dl, %al", "sub $1, %r8d", "rol $5, %r8",
    };
    static const char *const cc[] = { "o", "no", "b", "ae", "e", "ne", "be", "a",
                                      "s", "ns", "p", "np", "l", "ge", "le", "g" };
    unsigned off = 0;
    for (size_t s = 0; s < ARRAY_SIZE(setters); s++) {
        g_string_append_printf(per, " mov %%rax, %%r8\n %s\n", setters[s]);
        for (size_t k = 0; k < 16; k++) {
            g_string_append_printf(per, " set%s %d(%%rdi)\n", cc[k], off++);
            g_string_append_printf(per, " set%s %%r9b\n mov %%r9b, %d(%%rdi)\n", cc[k], off++);
            /* Accumulate with LEA: the flags must survive to the next test. */
            g_string_append_printf(per, " mov %%rdx, %%r9\n cmov%s %%rax, %%r9\n"
                                   " lea (%%r12,%%r9,2), %%r12\n mov %%edx, %%r9d\n"
                                   " cmov%s 8(%%rsi), %%r9d\n lea (%%r13,%%r9,2), %%r13\n",
                                   cc[k], cc[k]);
            g_string_append_printf(per, " j%s 2f\n movb $1, %d(%%rdi)\n 2:\n", cc[k], off++);
        }
    }
    g_string_append_printf(per, " mov %%r12, %d(%%rdi)\n mov %%r13, %d(%%rdi)\n", off, off + 8);
    /* POPF must not set TF, IF or DF from the test values. */
    char *code = g_string_free(per, false);
    char *fixed = g_strdup_printf(" and $~0x700, %%rax\n%s", code);
    g_assert_cmpuint(off + 16, <=, 1024);
    over_pairs(1024, fixed);
    g_free(code);
    g_free(fixed);
}

static void test_fused_forms(void)
{
    /* CMP/TEST/SUB/AND then Jcc in one block (one handler): every
     * condition, register and immediate forms, both sizes; the flags after
     * the branch (on both paths) and the SUB/AND results. */
    static const char *const cc[] = { "o", "no", "b", "ae", "e", "ne", "be", "a",
                                      "s", "ns", "p", "np", "l", "ge", "le", "g" };
    static const char *const ops[] = { "cmp %rdx, %r8", "cmp %edx, %r8d", "test %rdx, %r8",
                                       "test %edx, %r8d", "sub %rdx, %r8", "sub %edx, %r8d",
                                       "and %rdx, %r8", "and %edx, %r8d", "cmp $-3, %r8",
                                       "cmp $0x7f, %r8d", "test $0x80000001, %r8d",
                                       "sub $1, %r8", "and $0x1ff, %r8d", "cmp $5, %eax",
                                       "cmp %rdx, %rax", "sub $-0x80000000, %r8" };
    GString *per = g_string_new("");
    unsigned off = 0;
    for (size_t o = 0; o < ARRAY_SIZE(ops); o++)
        for (size_t k = 0; k < 16; k++) {
            g_string_append_printf(per, " mov %%rax, %%r8\n %s\n j%s 2f\n"
                                   " pushfq\n pop %%r10\n jmp 3f\n"
                                   "2: pushfq\n pop %%r10\n bts $32, %%r10\n"
                                   "3: mov %%r10, %u(%%rdi)\n mov %%r8, %u(%%rdi)\n",
                                   ops[o], cc[k], off, off + 8);
            off += 16;
        }
    g_assert_cmpuint(off, <=, 4096);
    char *code = g_string_free(per, false);
    over_pairs(4096, code);
    g_free(code);
}

static void test_stack_branch_forms(void)
{
    over_pairs(64, " push %rax\n push %rdx\n pushq $-3\n push $0x1234\n pop %r8\n pop %r9\n"
                   " pop %r10\n pop %r11\n add %r8, %r9\n add %r10, %r11\n add %r9, %r11\n"
                   " mov %r11, 0(%rdi)\n"
                   " call 3f\n jmp 4f\n 3: mov (%rsp), %r8\n mov %r8, 8(%rdi)\n ret\n 4:\n"
                   " push %rsp\n pop %r8\n sub %rsp, %r8\n mov %r8, 16(%rdi)\n"
                   " mov %rsp, %r9\n push %rdx\n pop %rsp\n mov %rsp, 24(%rdi)\n mov %r9, %rsp\n"
                   " xor %r8d, %r8d\n jmp 5f\n inc %r8\n 5: nop\n pause\n nopl 0(%rax)\n"
                   " mov %r8, 32(%rdi)\n");
}

/* ---- selectors ---- */

struct sel_case {
    const char *name;
    uint8_t bytes[15];
    uint8_t len;
    bool fast;
};

static void test_selectors(void)
{
    static const struct sel_case cases[] = {
        { "add r64,r64", { 0x48, 0x01, 0xd8 }, 3, true },
        { "add r32,r32 (03)", { 0x03, 0xc3 }, 2, true },
        { "add r16,r16", { 0x66, 0x01, 0xd8 }, 3, false },
        { "add r8,r8", { 0x00, 0xd8 }, 2, false },
        { "cmp r8,r8", { 0x38, 0xd8 }, 2, true },
        { "cmp ah,bl", { 0x38, 0xdc }, 2, false },
        { "add m64,r64", { 0x48, 0x01, 0x03 }, 3, true },
        { "add m32,r32 addr32", { 0x67, 0x01, 0x03 }, 3, false },
        { "add rax,imm32", { 0x48, 0x05, 1, 0, 0, 0 }, 6, true },
        { "sub m32,imm8", { 0x83, 0x2b, 0x05 }, 3, true },
        { "cmp m8,imm8", { 0x80, 0x3b, 0x05 }, 3, true },
        { "add m8,imm8", { 0x80, 0x03, 0x05 }, 3, false },
        { "test r64,r64", { 0x48, 0x85, 0xc0 }, 3, true },
        { "test m8,imm8", { 0xf6, 0x03, 0x01 }, 3, true },
        { "not m32", { 0xf7, 0x13 }, 2, false },
        { "inc r64", { 0x48, 0xff, 0xc0 }, 3, true },
        { "inc r8", { 0xfe, 0xc0 }, 2, false },
        { "mov r64,imm64", { 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8 }, 10, true },
        { "mov r16,imm16", { 0x66, 0xb8, 1, 2 }, 4, false },
        { "mov r8,imm8", { 0xb0, 1 }, 2, false },
        { "mov m8,ah", { 0x88, 0x23 }, 2, true },
        { "mov r8,r8", { 0x88, 0xd8 }, 2, false },
        { "movzx r32,ah", { 0x0f, 0xb6, 0xc4 }, 3, true },
        { "movsx r32,ah", { 0x0f, 0xbe, 0xc4 }, 3, false },
        { "movzx r16,m8", { 0x66, 0x0f, 0xb6, 0x03 }, 4, false },
        { "movsxd", { 0x48, 0x63, 0xc3 }, 3, true },
        { "lea r64", { 0x48, 0x8d, 0x43, 0x08 }, 4, true },
        { "lea r16", { 0x66, 0x8d, 0x43, 0x08 }, 4, false },
        { "shl r32,imm", { 0xc1, 0xe0, 0x03 }, 3, true },
        { "shl r32,0", { 0xc1, 0xe0, 0x00 }, 3, false },
        { "shl r32,32 (masked to 0)", { 0xc1, 0xe0, 0x20 }, 3, false },
        { "rcl r32,1", { 0xd1, 0xd0 }, 2, false },
        { "sar r64,cl", { 0x48, 0xd3, 0xf8 }, 3, true },
        { "shl m32,1", { 0xd1, 0x23 }, 2, false },
        { "imul r64,r64", { 0x48, 0x0f, 0xaf, 0xc3 }, 4, true },
        { "imul r16,r16", { 0x66, 0x0f, 0xaf, 0xc3 }, 4, false },
        { "jz rel8", { 0x74, 0x00 }, 2, true },
        { "jz rel32", { 0x0f, 0x84, 0, 0, 0, 0 }, 6, true },
        { "call rel32", { 0xe8, 0, 0, 0, 0 }, 5, true },
        { "ret", { 0xc3 }, 1, true },
        { "ret imm16", { 0xc2, 8, 0 }, 3, false },
        { "push r64", { 0x41, 0x50 }, 2, true },
        { "push r16", { 0x66, 0x50 }, 2, false },
        { "pop r64", { 0x5b }, 1, true },
        { "push imm8", { 0x6a, 0x01 }, 2, true },
        { "nop", { 0x90 }, 1, true },
        { "pause", { 0xf3, 0x90 }, 2, false },
        { "xchg r8,rax", { 0x41, 0x90 }, 2, false },
        { "xchg ecx,eax", { 0x91 }, 1, false },
        { "nopl", { 0x0f, 0x1f, 0x00 }, 3, true },
        { "cmovz r32,r32", { 0x0f, 0x44, 0xc3 }, 3, true },
        { "setz r8", { 0x0f, 0x94, 0xc0 }, 3, true },
        { "setz ah", { 0x0f, 0x94, 0xc4 }, 3, false },
        { "adc r64,r64", { 0x48, 0x11, 0xd8 }, 3, true },
        { "shr r16,5", { 0x66, 0xc1, 0xe8, 0x05 }, 4, true },
        { "shr r16,16", { 0x66, 0xc1, 0xe8, 0x10 }, 4, false },
        { "shr r16,cl", { 0x66, 0xd3, 0xe8 }, 3, false },
        { "neg r32", { 0xf7, 0xd8 }, 2, true },
        { "mul r64", { 0x48, 0xf7, 0xe3 }, 3, true },
        { "div r32", { 0xf7, 0xf3 }, 2, false },
        { "neg m32", { 0xf7, 0x1b }, 2, false },
    };
    struct soft_test *st = st_new(ST_LONG64);
    struct cpu *c = st->c;
    for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
        const struct sel_case *t = &cases[k];
        st_load(st, ST_CODE_ADDR, t->bytes, sizeof(t->bytes));
        struct insn fi, gi;
        c->fast_off = false;
        g_assert_cmpuint(cpu_decode(c, ST_CODE_ADDR, &fi), ==, t->len);
        c->fast_off = true;
        g_assert_cmpuint(cpu_decode(c, ST_CODE_ADDR, &gi), ==, t->len);
        g_assert_true(fi.fn == gi.fn); /* the generic handler is kept for single-step */
        g_assert_true(gi.run == insn_run_generic);
        if ((fi.run != insn_run_generic) != t->fast)
            g_error("%s: expected %s handler", t->name, t->fast ? "a fast" : "the generic");
    }

    /* CMP/TEST/SUB/AND + Jcc fuse; other pairs do not. */
    static const struct {
        uint8_t a[8], alen, j[8], jlen;
        bool fuse;
    } pairs[] = {
        { { 0x48, 0x39, 0xd8 }, 3, { 0x74, 0x00 }, 2, true },           /* cmp; jz */
        { { 0x83, 0xf8, 0x05 }, 3, { 0x0f, 0x8c, 0, 0, 0, 0 }, 6, true }, /* cmp $5; jl */
        { { 0x85, 0xc0 }, 2, { 0x75, 0x00 }, 2, true },                 /* test; jnz */
        { { 0x48, 0x01, 0xd8 }, 3, { 0x74, 0x00 }, 2, false },          /* add; jz */
        { { 0x48, 0x39, 0x03 }, 3, { 0x74, 0x00 }, 2, false },          /* cmp mem; jz */
        { { 0x48, 0x39, 0xd8 }, 3, { 0xeb, 0x00 }, 2, false },          /* cmp; jmp */
    };
    for (size_t k = 0; k < ARRAY_SIZE(pairs); k++) {
        struct insn a, j;
        c->fast_off = false;
        st_load(st, ST_CODE_ADDR, pairs[k].a, pairs[k].alen);
        st_load(st, ST_CODE_ADDR + 0x100, pairs[k].j, pairs[k].jlen);
        g_assert_cmpuint(cpu_decode(c, ST_CODE_ADDR, &a), ==, pairs[k].alen);
        g_assert_cmpuint(cpu_decode(c, ST_CODE_ADDR + 0x100, &j), ==, pairs[k].jlen);
        g_assert_true((fast_fuse(&a, &j) != NULL) == pairs[k].fuse);
    }
    st_free(st);

    /* Outside 64-bit mode: always the generic handlers. */
    st = st_new(ST_PROT32);
    c = st->c;
    static const uint8_t add[] = { 0x01, 0xd8 };
    st_load(st, ST_CODE_ADDR, add, sizeof(add));
    struct insn fi, gi;
    c->fast_off = false;
    cpu_decode(c, ST_CODE_ADDR, &fi);
    c->fast_off = true;
    cpu_decode(c, ST_CODE_ADDR, &gi);
    g_assert_true(fi.run == insn_run_generic && gi.run == insn_run_generic);
    st_free(st);
}

/* ---- values from the SDM on the fast path ---- */

static struct soft_test *run_fast(const char *body)
{
    struct soft_test *st = prep(true);
    char *src = with_stubs(body);
    st_asm(st, src);
    run_one(st, src);
    g_free(src);
    return st;
}

static void test_sdm_values(void)
{
    /* ADD: 0x7fffffffffffffff + 1 = 0x8000000000000000, OF SF AF (PF: low
     * byte 0x00 has even parity). */
    struct soft_test *st = run_fast("mov $0x7fffffffffffffff, %rax\n mov $1, %rbx\n add %rbx, %rax");
    g_assert_cmphex(st->c->regs[R_AX], ==, 0x8000000000000000ULL);
    g_assert_cmphex(st_flags(st) & ARITH, ==, OF | SF | AF | PF);
    st_free(st);

    /* 32-bit results zero-extend into the 64-bit register. */
    st = run_fast("mov $-1, %rax\n mov $-1, %rbx\n add $1, %eax\n mov %ebx, %ebx\n"
                  "mov $-1, %rcx\n lea 1(%rcx), %ecx");
    g_assert_cmphex(st->c->regs[R_AX], ==, 0);
    g_assert_cmphex(st->c->regs[R_BX], ==, 0xffffffffULL);
    g_assert_cmphex(st->c->regs[R_CX], ==, 0);
    g_assert_cmphex(st_flags(st) & (CF | ZF), ==, CF | ZF); /* from ADD: flags unchanged after */
    st_free(st);

    /* SUB 0 - 1: CF SF AF PF. */
    st = run_fast("xor %eax, %eax\n sub $1, %rax");
    g_assert_cmphex(st->c->regs[R_AX], ==, ~0ULL);
    g_assert_cmphex(st_flags(st) & ARITH, ==, CF | SF | AF | PF);
    st_free(st);

    /* ROL r32, 1 of 0x80000000: 1, CF = 1, OF = MSB xor CF = 1; ZF from the
     * earlier CMP (equal) is kept. */
    st = run_fast("mov $0x80000000, %eax\n cmp %eax, %eax\n rol $1, %eax");
    g_assert_cmphex(st->c->regs[R_AX], ==, 1);
    g_assert_cmphex(st_flags(st) & (CF | OF | ZF), ==, CF | OF | ZF);
    st_free(st);

    /* SHR r64, 1 of 0x8000000000000001: CF = 1, OF = the old MSB. */
    st = run_fast("mov $0x8000000000000001, %rax\n shr $1, %rax");
    g_assert_cmphex(st->c->regs[R_AX], ==, 0x4000000000000000ULL);
    g_assert_cmphex(st_flags(st) & (CF | OF | ZF | SF), ==, CF | OF);
    st_free(st);

    /* SAR r32, CL = 4 of 0x80000000: 0xf8000000, CF = bit 3 = 0. */
    st = run_fast("mov $0x80000000, %eax\n mov $4, %ecx\n sar %cl, %eax");
    g_assert_cmphex(st->c->regs[R_AX], ==, 0xf8000000ULL);
    g_assert_cmphex(st_flags(st) & (CF | SF), ==, SF);
    st_free(st);

    /* IMUL r64: 2^32 * 2^32 overflows (CF = OF = 1), low half 0. */
    st = run_fast("mov $0x100000000, %rax\n imul %rax, %rax");
    g_assert_cmphex(st->c->regs[R_AX], ==, 0);
    g_assert_cmphex(st_flags(st) & (CF | OF), ==, CF | OF);
    st_free(st);

    /* CMOV r32 with a false condition still zero-extends the destination. */
    st = run_fast("mov $-1, %rax\n mov $5, %ebx\n cmp %ebx, %ebx\n cmovne %ebx, %eax");
    g_assert_cmphex(st->c->regs[R_AX], ==, 0xffffffffULL);
    st_free(st);

    /* INC keeps CF; DEC to zero sets ZF. */
    st = run_fast("stc\n mov $1, %rax\n dec %rax\n setc %bl\n setz %bh");
    g_assert_cmphex(st->c->regs[R_BX] & 0xffff, ==, 0x0101);
    st_free(st);

    /* PUSH/POP/CALL/RET move RSP by 8 and keep values. */
    st = run_fast("mov %rsp, %rbp\n push $-2\n pop %rax\n call 1f\n jmp 2f\n1: pop %rbx\n"
                  " push %rbx\n ret\n2: sub %rsp, %rbp");
    g_assert_cmphex(st->c->regs[R_AX], ==, ~1ULL);
    g_assert_cmphex(st->c->regs[R_BP], ==, 0);
    st_free(st);
}

/* ---- exceptions and special memory on the fast path ---- */

static void test_fast_page_fault(void)
{
    /* Above the identity-mapped 4 GiB: not present.  #PF, error code 0
     * (read, supervisor, not present) / 2 (write), CR2 the address, the
     * pushed RIP the faulting instruction, the destination unchanged. */
    struct soft_test *st = run_fast("mov $0x100000010, %rbx\n mov $7, %rax\n"
                                    "f: add 8(%rbx), %rax\n");
    g_assert_cmphex(st->c->regs[R_R15], ==, 0x100 + EX_PF);
    g_assert_cmphex(st->c->regs[R_R14], ==, 0); /* error code */
    g_assert_cmphex(st->c->cr2, ==, 0x100000018ULL);
    g_assert_cmphex(st->c->regs[R_AX], ==, 7);
    uint64_t ret = st_rd64(st, st->c->regs[R_SP] + 8);
    g_assert_cmphex(ret, ==, ST_CODE_ADDR + 17); /* the ADD: after mov imm64 (10) + mov (7) */
    st_free(st);

    st = run_fast("mov $0x100000000, %rbx\n movq $1, (%rbx)");
    g_assert_cmphex(st->c->regs[R_R15], ==, 0x100 + EX_PF);
    g_assert_cmphex(st->c->regs[R_R14], ==, 2);
    g_assert_cmphex(st->c->cr2, ==, 0x100000000ULL);
    st_free(st);

    /* A read-modify-write faults as a write (W in the error code). */
    st = run_fast("mov $0x100000000, %rbx\n incl (%rbx)");
    g_assert_cmphex(st->c->regs[R_R14], ==, 2);
    st_free(st);
    st = run_fast("mov $0x100000000, %rbx\n addq $1, (%rbx)");
    g_assert_cmphex(st->c->regs[R_R14], ==, 2);
    st_free(st);
    /* CMP and TEST only read. */
    st = run_fast("mov $0x100000000, %rbx\n cmp %rax, (%rbx)");
    g_assert_cmphex(st->c->regs[R_R14], ==, 0);
    st_free(st);
}

static void test_fast_noncanonical(void)
{
    /* A non-canonical data address: #GP(0). */
    struct soft_test *st = run_fast("mov $0x0000800000000000, %rbx\n mov (%rbx), %rax");
    g_assert_cmphex(st->c->regs[R_R15], ==, 0x100 + EX_GP);
    g_assert_cmphex(st->c->regs[R_R14], ==, 0);
    st_free(st);

    /* Through RBP/RSP (SS): #SS(0). */
    st = run_fast("mov $0x0000800000000000, %rbp\n mov 8(%rbp), %rax");
    g_assert_cmphex(st->c->regs[R_R15], ==, 0x100 + EX_SS);
    st_free(st);

    /* A Jcc whose target is not canonical: #GP(0) with RIP on the Jcc.
     * Jump to the last canonical page with a rel32 beyond it. */
    st = prep(true);
    /* The last canonical page, 0x7ffffffff000, maps physical 0x38000,
     * which holds "cmp %eax,%eax; je +0x2000": the target is beyond the
     * canonical range. */
    st_wr64(st, 0x1000 + 255 * 8, 0xa000 | 3);
    st_wr64(st, 0xa000 + 511 * 8, 0xb000 | 3);
    st_wr64(st, 0xb000 + 511 * 8, 0xc000 | 3);
    st_wr64(st, 0xc000 + 511 * 8, 0x38000 | 3);
    static const uint8_t code[] = { 0x39, 0xc0, 0x0f, 0x84, 0x00, 0x20, 0x00, 0x00 };
    st_load(st, 0x38000, code, sizeof(code));
    char *src = with_stubs("movabs $0x7ffffffff000, %rax\n jmp *%rax");
    st_asm(st, src);
    run_one(st, src);
    g_free(src);
    g_assert_cmphex(st->c->regs[R_R15], ==, 0x100 + EX_GP);
    g_assert_cmphex(st->c->regs[R_R14], ==, 0);
    g_assert_cmphex(st_rd64(st, st->c->regs[R_SP] + 8), ==, 0x7ffffffff002ULL);
    st_free(st);
}

static void test_fast_segments_and_pages(void)
{
    /* FS and GS bases apply in 64-bit mode; DS/ES/SS bases do not. */
    struct soft_test *st = prep(true);
    st->c->seg[S_FS].base = OUT;
    st->c->seg[S_GS].base = OUT + 0x100;
    st->c->seg[S_DS].base = 0x1000; /* ignored in 64-bit mode */
    char *src = with_stubs("movq $0x11, %fs:8\n movq $0x22, %gs:8\n mov %fs:8, %rax\n"
                           "add %gs:8, %rax\n movq $0x55, %fs:0x10\n mov $0x100010, %rbx\n"
                           "mov (%rbx), %rcx\n incq %gs:8\n cmpq $0x23, %gs:8");
    st_asm(st, src);
    run_one(st, src);
    g_free(src);
    g_assert_cmphex(st->c->regs[R_AX], ==, 0x33);
    g_assert_cmphex(st->c->regs[R_CX], ==, 0x55);
    g_assert_cmphex(st_rd64(st, OUT + 8), ==, 0x11);
    g_assert_cmphex(st_rd64(st, OUT + 0x108), ==, 0x23);
    g_assert_cmphex(st_flags(st) & ZF, ==, ZF);
    st_free(st);

    /* Operands crossing a page boundary (the slow path splits them). */
    st = run_fast("mov $0x100ffc, %rbx\n movq $-1, (%rbx)\n mov $0x0102030405060708, %rax\n"
                  "mov %rax, (%rbx)\n add (%rbx), %rax\n addl $1, 2(%rbx)\n mov (%rbx), %rcx");
    g_assert_cmphex(st->c->regs[R_AX], ==, 0x020406080a0c0e10ULL);
    g_assert_cmphex(st->c->regs[R_CX], ==, 0x0102030405070708ULL);
    st_free(st);

    /* A fast store into the code that is running: the next instruction
     * was rewritten (MOV $2 -> MOV $3), and the new one runs. */
    st = run_fast("lea 1f(%rip), %rbx\n movb $3, 1(%rbx)\n1: mov $2, %al\n");
    g_assert_cmphex(st->c->regs[R_AX] & 0xff, ==, 3);
    st_free(st);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/softcpu-fast/alu-forms", test_alu_forms);
    g_test_add_func("/softcpu-fast/alu-byte-forms", test_alu_byte_forms);
    g_test_add_func("/softcpu-fast/incdec-forms", test_incdec_forms);
    g_test_add_func("/softcpu-fast/shift-forms", test_shift_forms);
    g_test_add_func("/softcpu-fast/shift16-grp3-forms", test_shift16_grp3_forms);
    g_test_add_func("/softcpu-fast/imul-forms", test_imul_forms);
    g_test_add_func("/softcpu-fast/mov-forms", test_mov_forms);
    g_test_add_func("/softcpu-fast/cond-forms", test_cond_forms);
    g_test_add_func("/softcpu-fast/fused-forms", test_fused_forms);
    g_test_add_func("/softcpu-fast/stack-branch-forms", test_stack_branch_forms);
    g_test_add_func("/softcpu-fast/selectors", test_selectors);
    g_test_add_func("/softcpu-fast/sdm-values", test_sdm_values);
    g_test_add_func("/softcpu-fast/page-fault", test_fast_page_fault);
    g_test_add_func("/softcpu-fast/noncanonical", test_fast_noncanonical);
    g_test_add_func("/softcpu-fast/segments-pages", test_fast_segments_and_pages);
    return g_test_run();
}
