/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Soft CPU: the core integer instructions in real, 32-bit and 64-bit mode,
 * with expected results and flags from the Intel SDM instruction pages. */
#include "tests/support/softcpu.h"

#define CF F_CF
#define ZF F_ZF
#define SF F_SF
#define OF F_OF
#define PF F_PF
#define AF F_AF

static void test_real_basics(void)
{
    struct soft_test *st = st_new(ST_REAL);
    st_exec(st, "mov $0x1234, %ax\n mov %ax, %bx\n add $0x10, %bx\n mov $5, %cx\n xor %dx, %dx\n"
                "1: inc %dx\n loop 1b\n"
                "mov %bx, (0x10)\n mov (0x10), %si\n hlt");
    struct cpu *c = st->c;
    g_assert_cmphex(c->regs[R_AX] & 0xffff, ==, 0x1234);
    g_assert_cmphex(c->regs[R_BX] & 0xffff, ==, 0x1244);
    g_assert_cmphex(c->regs[R_DX] & 0xffff, ==, 5);
    g_assert_cmphex(c->regs[R_CX] & 0xffff, ==, 0);
    g_assert_cmphex(c->regs[R_SI] & 0xffff, ==, 0x1244);
    uint16_t mem;
    machine_read_phys(st->m, ST_DATA_ADDR + 0x10, &mem, 2);
    g_assert_cmphex(mem, ==, 0x1244);
    st_free(st);
}

static void test_flags_add_sub(void)
{
    struct soft_test *st = st_new(ST_PROT32);
    struct cpu *c = st->c;
    st_exec(st, "mov $0x7fffffff, %eax\n add $1, %eax\n hlt");
    g_assert_cmphex(c->regs[R_AX], ==, 0x80000000);
    g_assert_cmphex(st_flags(st) & (CF | ZF | SF | OF | AF | PF), ==, SF | OF | AF | PF);
    st_free(st);

    st = st_new(ST_PROT32);
    c = st->c;
    st_exec(st, "mov $0, %eax\n sub $1, %eax\n hlt");
    g_assert_cmphex(c->regs[R_AX], ==, 0xffffffff);
    g_assert_cmphex(st_flags(st) & (CF | ZF | SF | OF | AF | PF), ==, CF | SF | AF | PF);
    st_free(st);

    st = st_new(ST_PROT32);
    c = st->c;
    st_exec(st, "mov $5, %ecx\n cmp $5, %ecx\n setz %al\n setb %bl\n"
                "stc\n mov $1, %edx\n adc $1, %edx\n hlt");
    g_assert_cmphex(c->regs[R_AX] & 0xff, ==, 1);
    g_assert_cmphex(c->regs[R_BX] & 0xff, ==, 0);
    g_assert_cmphex(c->regs[R_DX], ==, 3);
    st_free(st);
}

static void test_mul_div(void)
{
    struct soft_test *st = st_new(ST_PROT32);
    struct cpu *c = st->c;
    st_exec(st, "mov $0x10000, %eax\n mov $0x10000, %ecx\n mul %ecx\n"
                "mov %eax, %esi\n mov %edx, %edi\n"
                "mov $100, %eax\n xor %edx, %edx\n mov $7, %ebx\n div %ebx\n"
                "mov $-7, %ebp\n imul $3, %ebp, %ebp\n hlt");
    g_assert_cmphex(c->regs[R_SI], ==, 0);
    g_assert_cmphex(c->regs[R_DI], ==, 1);
    g_assert_cmphex(c->regs[R_AX], ==, 14);
    g_assert_cmphex(c->regs[R_DX], ==, 2);
    g_assert_cmphex(c->regs[R_BP], ==, (uint32_t)-21);
    st_free(st);
}

static void test_shifts(void)
{
    struct soft_test *st = st_new(ST_PROT32);
    struct cpu *c = st->c;
    st_exec(st, "mov $0x80000001, %eax\n shl $1, %eax\n setc %bl\n"
                "mov $-16, %ecx\n sar $2, %ecx\n"
                "mov $0x81, %dl\n rol $1, %dl\n setc %bh\n hlt");
    g_assert_cmphex(c->regs[R_AX], ==, 2);
    g_assert_cmphex(c->regs[R_BX] & 0xffff, ==, 0x0101);
    g_assert_cmphex(c->regs[R_CX], ==, (uint32_t)-4);
    g_assert_cmphex(c->regs[R_DX] & 0xff, ==, 0x03);
    st_free(st);
}

static void test_call_stack(void)
{
    struct soft_test *st = st_new(ST_PROT32);
    struct cpu *c = st->c;
    st_exec(st, "mov $3, %eax\n call f\n push $0x55\n pop %ebx\n hlt\n"
                "f: add %eax, %eax\n ret");
    g_assert_cmphex(c->regs[R_AX], ==, 6);
    g_assert_cmphex(c->regs[R_BX], ==, 0x55);
    g_assert_cmphex(c->regs[R_SP], ==, ST_STACK_TOP);
    st_free(st);
}

static void test_long_mode(void)
{
    struct soft_test *st = st_new(ST_LONG64);
    struct cpu *c = st->c;
    st_exec(st, "movabs $0x123456789abcdef0, %rax\n mov %eax, %ebx\n"
                "mov $-1, %r9\n add $1, %r9\n movsxd %ebx, %r10\n"
                "lea 8(%rax,%rax,2), %r11\n"
                "push %rax\n pop %r12\n mov %rsp, %r13\n hlt");
    g_assert_cmphex(c->regs[R_BX], ==, 0x9abcdef0); /* 32-bit writes zero-extend */
    g_assert_cmphex(c->regs[R_R9], ==, 0);
    g_assert_true(st_flags(st) & ZF);
    g_assert_cmphex(c->regs[R_R10], ==, 0xffffffff9abcdef0ULL);
    g_assert_cmphex(c->regs[R_R11], ==, 0x123456789abcdef0ULL * 3 + 8);
    g_assert_cmphex(c->regs[R_R12], ==, 0x123456789abcdef0ULL);
    g_assert_cmphex(c->regs[R_R13], ==, ST_STACK_TOP);
    st_free(st);
}

static void test_self_modifying(void)
{
    struct soft_test *st = st_new(ST_PROT32);
    struct cpu *c = st->c;
    /* Run a loop twice; between the runs the code patches its own
     * immediate.  The decoded block must be invalidated. */
    st_exec(st, "mov $2, %ecx\n xor %edx, %edx\n"
                "1: call g\n add %eax, %edx\n movl $7, (g+1)\n loop 1b\n hlt\n"
                "g: mov $5, %eax\n ret");
    g_assert_cmphex(c->regs[R_DX], ==, 12);
    st_free(st);
}

static void test_divide_error_real(void)
{
    struct soft_test *st = st_new(ST_REAL);
    struct cpu *c = st->c;
    /* IVT entry 0 -> handler at 0x1000:0x0100 which records and halts. */
    uint32_t ivt0 = (0x1000u << 16) | 0x100;
    machine_write_phys(st->m, 0, &ivt0, 4);
    st_asm(st, "xor %cx, %cx\n mov $1, %ax\n div %cx\n hlt\n"
               ".org 0x100\n mov $0xdead, %bx\n hlt");
    g_assert_cmpint(st_run(st, 1000), ==, ST_HALTED);
    g_assert_cmphex(c->regs[R_BX] & 0xffff, ==, 0xdead);
    g_assert_cmphex(c->regs[R_AX] & 0xffff, ==, 1); /* unchanged by the fault */
    st_free(st);
}

static void test_triple_fault(void)
{
    struct soft_test *st = st_new(ST_PROT32);
    /* No IDT: #UD cannot be delivered -> #DF -> shutdown. */
    st->c->idt.limit = 0;
    st_asm(st, "ud2");
    g_assert_cmpint(st_run(st, 1000), ==, ST_SHUTDOWN);
    st_free(st);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/softcpu/int/real-basics", test_real_basics);
    g_test_add_func("/softcpu/int/flags-add-sub", test_flags_add_sub);
    g_test_add_func("/softcpu/int/mul-div", test_mul_div);
    g_test_add_func("/softcpu/int/shifts", test_shifts);
    g_test_add_func("/softcpu/int/call-stack", test_call_stack);
    g_test_add_func("/softcpu/int/long-mode", test_long_mode);
    g_test_add_func("/softcpu/int/self-modifying", test_self_modifying);
    g_test_add_func("/softcpu/int/divide-error-real", test_divide_error_real);
    g_test_add_func("/softcpu/int/triple-fault", test_triple_fault);
    return g_test_run();
}
