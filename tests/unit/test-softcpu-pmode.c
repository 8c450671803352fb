/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Soft CPU: protected-mode machinery (seg.c, task.c): ring transitions
 * through IRET, interrupt gates and call gates (with the parameter copy),
 * 64-bit call gates, task switches by JMP/CALL/IRET/task gates (busy bits,
 * back link, NT, the T bit), virtual-8086 mode entry, interrupts and
 * IOPL-sensitive instructions, and the selector error codes of #GP, #TS,
 * #NP and #SS (Intel SDM Vol. 3A chapters 5-7 and 20).
 *
 * Each test writes its own GDT, IDT and TSSs into RAM.  Every IDT vector
 * starts out pointing at a stub `mov $vector, %edi; hlt`. */
#include <string.h>
#include "cpu/soft/seg.h"
#include "tests/support/softcpu.h"

#define STUBS 0x9000ULL
#define GDT_BASE 0xA000ULL
#define IDT_BASE 0xB000ULL
#define TSSA_BASE 0xC000ULL
#define TSSB_BASE 0xC200ULL
#define RSP0 0x70000ULL
#define USER_SP 0x60000ULL
#define REC 0x40000ULL /* where snippets record values */

enum {
    K_CODE = 0x08, K_DATA = 0x10, U_CODE = 0x18, U_DATA = 0x20, TSS_A = 0x28, TSS_B = 0x30,
    CALLG = 0x38, TASKG = 0x40, NP_DATA = 0x48, NP_CALLG = 0x50, CALLG0 = 0x58,
    NP_CODE = 0x60, CODE_SEL = 0x68, GDT_LIMIT = 0x6f,
};

static unsigned desc_type_at(struct soft_test *st, uint16_t sel)
{
    return (unsigned)(st_rd64(st, GDT_BASE + sel) >> 40) & 0xf;
}

static void load_seg(struct soft_test *st, int s, uint16_t sel)
{
    cpu_seg_from_desc(&st->c->seg[s], sel, st_rd64(st, GDT_BASE + (sel & ~7u)));
}

static void set_idt32(struct soft_test *st, unsigned vec, uint64_t g)
{
    st_wr64(st, IDT_BASE + vec * 8, g);
}

/* A 32-bit TSS for a ring-0 task starting at eip. */
static void tss32(struct soft_test *st, uint64_t base, uint32_t eip, uint32_t esp,
                  uint32_t eflags)
{
    uint8_t z[0x68] = { 0 };
    st_load(st, base, z, sizeof(z));
    st_wr32(st, base + 4, (uint32_t)RSP0);
    st_wr32(st, base + 8, K_DATA);
    st_wr32(st, base + 0x20, eip);
    st_wr32(st, base + 0x24, eflags);
    st_wr32(st, base + 0x38, esp);
    for (unsigned s = 0; s < 6; s++)
        st_wr32(st, base + 0x48 + 4 * s, s == S_CS ? K_CODE : K_DATA);
}

/* 32-bit protected mode, ring 0, with the test GDT and IDT, running in
 * task A (TR loaded, busy) whose ring-0 stack is RSP0. */
static struct soft_test *pm_new(void)
{
    struct soft_test *st = st_new(ST_PROT32);
    struct cpu *c = st->c;
    st_wr64(st, GDT_BASE + K_CODE, st_desc(0, 0xfffff, 0x9a, 0xc));
    st_wr64(st, GDT_BASE + K_DATA, st_desc(0, 0xfffff, 0x92, 0xc));
    st_wr64(st, GDT_BASE + U_CODE, st_desc(0, 0xfffff, 0xfa, 0xc));
    st_wr64(st, GDT_BASE + U_DATA, st_desc(0, 0xfffff, 0xf2, 0xc));
    st_wr64(st, GDT_BASE + TSS_A, st_desc((uint32_t)TSSA_BASE, 0x67, 0x8b, 0));
    st_wr64(st, GDT_BASE + TSS_B, st_desc((uint32_t)TSSB_BASE, 0x67, 0x89, 0));
    st_wr64(st, GDT_BASE + TASKG, st_gate(TSS_B, 0, 0x5, 3, 0));
    st_wr64(st, GDT_BASE + NP_DATA, st_desc(0, 0xfffff, 0x12, 0xc));
    st_wr64(st, GDT_BASE + NP_CODE, st_desc(0, 0xfffff, 0x1a, 0xc));
    c->gdt = (struct x86_dtable){ GDT_BASE, GDT_LIMIT };
    load_seg(st, S_CS, K_CODE);
    for (int s = S_ES; s <= S_GS; s++)
        if (s != S_CS)
            load_seg(st, s, K_DATA);
    tss32(st, TSSA_BASE, 0, 0, 2);
    load_seg(st, S_TR, TSS_A);
    uint8_t stub[8] = { 0xbf, 0, 0, 0, 0, 0xf4, 0x90, 0x90 };
    for (unsigned v = 0; v < 256; v++) {
        stub[1] = (uint8_t)v;
        st_load(st, STUBS + v * 8, stub, 8);
        set_idt32(st, v, st_gate(K_CODE, (uint32_t)(STUBS + v * 8), 0xe, 0, 0));
    }
    c->idt = (struct x86_dtable){ IDT_BASE, 0x7ff };
    c->regs[R_DI] = 0xffff;
    cpu_recompute_mode(c);
    return st;
}

static void expect_exc(struct soft_test *st, unsigned vec, int64_t err)
{
    struct cpu *c = st->c;
    g_assert_cmphex(c->regs[R_DI], ==, vec);
    g_assert_cmphex(c->rip, ==, STUBS + vec * 8 + 6);
    g_assert_cmphex(c->cpl, ==, 0);
    if (err >= 0) {
        uint64_t sp = c->seg[S_SS].base + (c->regs[R_SP] & 0xffffffff);
        g_assert_cmphex(st_rd32(st, sp), ==, (uint64_t)err);
    }
}

static void exec_exc(struct soft_test *st, const char *src, unsigned vec, int64_t err)
{
    st_exec(st, src);
    expect_exc(st, vec, err);
}

/* To ring 3 through IRET; DS/ES then hold the user data segment. */
#define TO_RING3 "push $0x23\n push $0x60000\n pushf\n push $0x1b\n push $9f\n iret\n 9:\n" \
                 "mov $0x23, %eax\n mov %eax, %ds\n mov %eax, %es\n"

/* ---- ring transitions ---- */

static void test_iret_and_interrupt_gate(void)
{
    struct soft_test *st = pm_new();
    struct cpu *c = st->c;
    /* Vector 0x80: a DPL-3 trap gate into ring 0. */
    st_asm(st, TO_RING3
               "mov %cs, %ebx\n mov %ss, %esi\n mov %ds, %ebp\n"
               "stc\n int $0x80\n"
               ".org 0x200\n"
               "k80: mov %cs, %ecx\n mov %ss, %edx\n mov %esp, %edi\n hlt\n");
    set_idt32(st, 0x80, st_gate(K_CODE, (uint32_t)ST_CODE_ADDR + 0x200, 0xf, 3, 0));
    g_assert_cmpint(st_run(st, 10000), ==, ST_HALTED);
    g_assert_cmphex(c->regs[R_BX], ==, 0x1b);
    g_assert_cmphex(c->regs[R_SI], ==, 0x23);
    g_assert_cmphex(c->regs[R_BP], ==, 0x23);
    g_assert_cmphex(c->regs[R_CX], ==, K_CODE);
    g_assert_cmphex(c->regs[R_DX], ==, K_DATA);
    g_assert_cmphex(c->regs[R_DI], ==, RSP0 - 20);
    /* The frame: EIP, CS, EFLAGS, ESP, SS of ring 3. */
    g_assert_cmphex(st_rd32(st, RSP0 - 16), ==, 0x1b);
    g_assert_cmphex(st_rd32(st, RSP0 - 12) & (F_CF | 2), ==, F_CF | 2);
    g_assert_cmphex(st_rd32(st, RSP0 - 8), ==, USER_SP);
    g_assert_cmphex(st_rd32(st, RSP0 - 4), ==, 0x23);
    st_free(st);

    /* INT n through a DPL-0 gate from ring 3: #GP(vector * 8 + 2). */
    st = pm_new();
    exec_exc(st, TO_RING3 "int $0x41\n", EX_GP, 0x41 * 8 + 2);
    st_free(st);
    /* A vector beyond the IDT limit: #GP(vector * 8 + 2). */
    st = pm_new();
    st->c->idt.limit = 0x3ff;
    exec_exc(st, "int $0x90\n", EX_GP, 0x90 * 8 + 2);
    st_free(st);
    /* A gate whose code segment is not present: #NP(selector). */
    st = pm_new();
    set_idt32(st, 0x41, st_gate(NP_CODE, 0x1000, 0xe, 0, 0));
    exec_exc(st, "int $0x41\n", EX_NP, NP_CODE);
    st_free(st);
    /* An interrupt from ring 3 to a ring-1 handler whose TSS stack segment
     * is not a DPL-1 data segment: #TS(selector), taken by ring 0. */
    st = pm_new();
    st_wr64(st, GDT_BASE + CODE_SEL, st_desc(0, 0xfffff, 0xba, 0xc)); /* DPL-1 code */
    st_wr32(st, TSSA_BASE + 0x10, U_CODE | 1);                    /* SS1 */
    set_idt32(st, 0x80, st_gate(CODE_SEL, 0x1000, 0xe, 3, 0));
    exec_exc(st, TO_RING3 "int $0x80\n", EX_TS, U_CODE);
    st_free(st);
}

static void test_call_gate(void)
{
    struct soft_test *st = pm_new();
    struct cpu *c = st->c;
    st_wr64(st, GDT_BASE + CALLG, st_gate(K_CODE, (uint32_t)ST_CODE_ADDR + 0x200, 0xc, 3, 2));
    st_asm(st, TO_RING3
               "push $0x1111\n push $0x2222\n lcall $0x3b, $0\n"
               "ret1: mov %esp, %ebp\n mov %es, %edx\n int $0x40\n"
               ".org 0x200\n"
               "kfunc: mov %esp, (0x40000)\n"
               "mov (%esp), %eax\n mov %eax, (0x40004)\n"
               "mov 4(%esp), %eax\n mov %eax, (0x40008)\n"
               "mov 8(%esp), %eax\n mov %eax, (0x4000c)\n"
               "mov 12(%esp), %eax\n mov %eax, (0x40010)\n"
               "mov 16(%esp), %eax\n mov %eax, (0x40014)\n"
               "mov 20(%esp), %eax\n mov %eax, (0x40018)\n"
               "mov %cs, (0x4001c)\n mov %ss, (0x40020)\n"
               "cmpl $ret1, (%esp)\n sete (0x40024)\n"
               "mov $0x10, %ax\n mov %ax, %es\n" /* ring 0 data: nulled by the return */
               "lret $8\n");
    g_assert_cmpint(st_run(st, 10000), ==, ST_HALTED);
    g_assert_cmphex(st_rd32(st, REC), ==, RSP0 - 24);
    g_assert_cmphex(st_rd32(st, REC + 0x24), ==, 1); /* return address: after the LCALL */
    g_assert_cmphex(st_rd32(st, REC + 8), ==, 0x1b);
    g_assert_cmphex(st_rd32(st, REC + 12), ==, 0x2222); /* parameter order kept */
    g_assert_cmphex(st_rd32(st, REC + 16), ==, 0x1111);
    g_assert_cmphex(st_rd32(st, REC + 20), ==, USER_SP - 8);
    g_assert_cmphex(st_rd32(st, REC + 24), ==, 0x23);
    g_assert_cmphex(st_rd32(st, REC + 28) & 0xffff, ==, K_CODE);
    g_assert_cmphex(st_rd32(st, REC + 32) & 0xffff, ==, K_DATA);
    g_assert_cmphex(c->regs[R_BP], ==, USER_SP); /* RET imm16 dropped the parameters */
    g_assert_cmphex(c->regs[R_DX], ==, 0);       /* ES was nulled */
    expect_exc(st, EX_GP, 0x40 * 8 + 2);          /* then int $0x40 at CPL 3 */
    st_free(st);

    /* Gate DPL < CPL: #GP(gate); gate not present: #NP(gate); a gate to
     * code with DPL > CPL: #GP(code selector). */
    st = pm_new();
    st_wr64(st, GDT_BASE + CALLG0, st_gate(K_CODE, 0, 0xc, 0, 0));
    exec_exc(st, TO_RING3 "lcall $0x5b, $0\n", EX_GP, CALLG0);
    st_free(st);
    st = pm_new();
    st_wr64(st, GDT_BASE + NP_CALLG, st_gate(K_CODE, 0, 0xc, 3, 0) & ~(1ULL << 47));
    exec_exc(st, TO_RING3 "lcall $0x53, $0\n", EX_NP, NP_CALLG);
    st_free(st);
    st = pm_new();
    st_wr64(st, GDT_BASE + CALLG, st_gate(U_CODE, 0, 0xc, 3, 0));
    exec_exc(st, "lcall $0x38, $0\n", EX_GP, U_CODE);
    st_free(st);
    /* A call to ring 1 whose TSS stack segment is not present:
     * #SS(selector), taken by ring 0. */
    st = pm_new();
    st_wr64(st, GDT_BASE + CODE_SEL, st_desc(0, 0xfffff, 0xba, 0xc)); /* DPL-1 code */
    st_wr64(st, GDT_BASE + CALLG, st_gate(CODE_SEL, 0x1000, 0xc, 3, 0));
    st_wr64(st, GDT_BASE + NP_DATA, st_desc(0, 0xfffff, 0x32, 0xc));  /* DPL 1, not present */
    st_wr32(st, TSSA_BASE + 0x10, NP_DATA | 1);
    exec_exc(st, TO_RING3 "lcall $0x3b, $0\n", EX_SS, NP_DATA);
    st_free(st);
    /* JMP through a call gate at the same privilege. */
    st = pm_new();
    st_wr64(st, GDT_BASE + CALLG, st_gate(K_CODE, (uint32_t)ST_CODE_ADDR + 0x100, 0xc, 0, 0));
    st_exec(st, "ljmp $0x38, $0\n ud2\n .org 0x100\n mov $0x77, %ebx\n hlt");
    g_assert_cmphex(st->c->regs[R_BX], ==, 0x77);
    g_assert_cmphex(st->c->regs[R_SP], ==, ST_STACK_TOP);
    st_free(st);
}

static void test_call_gate_long(void)
{
    struct soft_test *st = st_new(ST_LONG64);
    struct cpu *c = st->c;
    st_wr64(st, GDT_BASE + 0x08, st_desc(0, 0xfffff, 0x9a, 0xa));
    st_wr64(st, GDT_BASE + 0x10, st_desc(0, 0xfffff, 0x92, 0xc));
    st_wr64(st, GDT_BASE + 0x20, st_desc(0, 0xfffff, 0xf2, 0xc));
    st_wr64(st, GDT_BASE + 0x28, st_desc(0, 0xfffff, 0xfa, 0xa));
    st_wr64(st, GDT_BASE + 0x38, st_desc((uint32_t)TSSA_BASE, 0x67, 0x8b, 0));
    st_wr64(st, GDT_BASE + 0x40, 0);
    st_wr64(st, GDT_BASE + 0x48, st_gate(0x08, (uint32_t)ST_CODE_ADDR + 0x200, 0xc, 3, 0));
    st_wr64(st, GDT_BASE + 0x50, 0);
    c->gdt = (struct x86_dtable){ GDT_BASE, 0x57 };
    load_seg(st, S_CS, 0x08);
    load_seg(st, S_SS, 0x10);
    load_seg(st, S_TR, 0x38);
    st_wr64(st, TSSA_BASE + 4, RSP0);
    /* User-accessible identity map. */
    st_wr64(st, 0x1000, 0x2000 | 7);
    for (int k = 0; k < 4; k++)
        st_wr64(st, 0x2000 + 8 * k, (0x3000 + k * 0x1000) | 7);
    for (uint64_t e = 0; e < 2048; e++)
        st_wr64(st, 0x3000 + e * 8, (e << 21) | 0x87);
    uint8_t stub[8] = { 0xbf, 0, 0, 0, 0, 0xf4, 0x90, 0x90 };
    for (unsigned v = 0; v < 32; v++) {
        stub[1] = (uint8_t)v;
        st_load(st, STUBS + v * 8, stub, 8);
        st_wr64(st, IDT_BASE + v * 16, st_gate(0x08, (uint32_t)(STUBS + v * 8), 0xe, 0, 0));
        st_wr64(st, IDT_BASE + v * 16 + 8, 0);
    }
    c->idt = (struct x86_dtable){ IDT_BASE, 32 * 16 - 1 };
    cpu_tlb_flush(c, true);
    cpu_recompute_mode(c);
    st_wr64(st, REC + 0x100, 0x4b00000000ULL); /* far pointer: offset 0, selector 0x4b */
    st_exec(st, "push $0x23\n push $0x60000\n pushf\n push $0x2b\n push $1f\n iretq\n"
                "1: lcall *(0x40100)\n"
                "mov %cs, %r12\n mov %ss, %r13\n mov %rsp, %r14\n"
                "hlt\n" /* #GP at CPL 3: the stub ends the test */
                ".org 0x200\n"
                "kfunc: mov %rsp, %r8\n mov (%rsp), %r9\n mov 8(%rsp), %r10\n"
                "mov 16(%rsp), %r11\n mov 24(%rsp), %r15\n mov %ss, %rbp\n mov %cs, %rbx\n"
                "lretq\n");
    g_assert_cmphex(c->regs[R_DI], ==, EX_GP);
    g_assert_cmphex(c->regs[R_R8], ==, RSP0 - 32);
    g_assert_cmphex(c->regs[R_R10], ==, 0x2b);
    g_assert_cmphex(c->regs[R_R11], ==, USER_SP);
    g_assert_cmphex(c->regs[R_R15], ==, 0x23);
    g_assert_cmphex(c->regs[R_BP], ==, 0); /* SS: null selector with RPL 0 */
    g_assert_cmphex(c->regs[R_BX], ==, 0x08);
    g_assert_cmphex(c->regs[R_R12], ==, 0x2b);
    g_assert_cmphex(c->regs[R_R13], ==, 0x23);
    g_assert_cmphex(c->regs[R_R14], ==, USER_SP);
    st_free(st);
}

/* ---- task switches ---- */

static void test_task_jmp(void)
{
    struct soft_test *st = pm_new();
    struct cpu *c = st->c;
    tss32(st, TSSB_BASE, (uint32_t)ST_CODE_ADDR + 0x100, 0x50000, 2);
    st_exec(st, "mov $0x1234, %ebx\n ljmp $0x30, $0\n"
                "back: str %ecx\n mov %cr0, %edx\n hlt\n"
                ".org 0x100\n"
                "taskb: mov %ebx, (0x40000)\n str %eax\n mov %eax, (0x40004)\n"
                "mov %esp, (0x40008)\n pushf\n pop %eax\n mov %eax, (0x4000c)\n"
                "jmp 1f\n .org 0x180, 0x90\n 1: ljmp $0x28, $0\n");
    g_assert_cmphex(st_rd32(st, REC), ==, 0);          /* EBX from TSS B */
    g_assert_cmphex(st_rd32(st, REC + 4), ==, TSS_B);
    g_assert_cmphex(st_rd32(st, REC + 8), ==, 0x50000);
    g_assert_cmphex(st_rd32(st, REC + 12) & F_NT, ==, 0); /* JMP: no nesting */
    g_assert_cmphex(c->regs[R_BX], ==, 0x1234);     /* restored from TSS A */
    g_assert_cmphex(c->regs[R_CX], ==, TSS_A);
    g_assert_cmphex(c->regs[R_DX] & CR0_TS, ==, CR0_TS);
    g_assert_cmphex(desc_type_at(st, TSS_A), ==, 0xb);
    g_assert_cmphex(desc_type_at(st, TSS_B), ==, 0x9);
    /* Task A's EIP was saved after its JMP; task B's after its own. */
    g_assert_cmphex(st_rd32(st, TSSA_BASE + 0x20), ==, ST_CODE_ADDR + 12);
    g_assert_cmphex(st_rd32(st, TSSB_BASE + 0x20), ==, ST_CODE_ADDR + 0x187);
    g_assert_cmphex(st_rd32(st, TSSB_BASE + 0), ==, 0); /* no back link */
    st_free(st);

    /* JMP to a busy TSS: #GP(selector); TSS limit too small: #TS(selector). */
    st = pm_new();
    exec_exc(st, "ljmp $0x28, $0\n", EX_GP, TSS_A);
    st_free(st);
    st = pm_new();
    st_wr64(st, GDT_BASE + TSS_B, st_desc((uint32_t)TSSB_BASE, 0x60, 0x89, 0));
    exec_exc(st, "ljmp $0x30, $0\n", EX_TS, TSS_B);
    g_assert_cmphex(desc_type_at(st, TSS_A), ==, 0xb); /* nothing changed */
    st_free(st);
    /* The new task's code segment is not present: #NP in the new task. */
    st = pm_new();
    tss32(st, TSSB_BASE, 0, 0x50000, 2);
    st_wr32(st, TSSB_BASE + 0x4c, NP_CODE);
    exec_exc(st, "ljmp $0x30, $0\n", EX_NP, NP_CODE);
    g_assert_cmphex(st->c->seg[S_TR].sel, ==, TSS_B);
    st_free(st);
    /* Its SS is a code segment: #TS(selector), here through a task gate
     * back to task A (available again after the JMP), whose stack gets
     * the error code. */
    st = pm_new();
    tss32(st, TSSB_BASE, 0, 0x50000, 2);
    st_wr32(st, TSSB_BASE + 0x50, K_CODE);
    set_idt32(st, EX_TS, st_gate(TSS_A, 0, 0x5, 0, 0));
    st_exec(st, "ljmp $0x30, $0\n pop %eax\n hlt\n");
    g_assert_cmphex(st->c->regs[R_AX], ==, K_CODE);
    g_assert_cmphex(st->c->seg[S_TR].sel, ==, TSS_A);
    g_assert_cmphex(st->c->regs[R_SP], ==, ST_STACK_TOP);
    g_assert_cmphex(st_rd32(st, TSSA_BASE), ==, TSS_B); /* nested: back link to B */
    st_free(st);
}

static void test_task_cr3(void)
{
    struct soft_test *st = pm_new();
    struct cpu *c = st->c;
    /* Two page directories of 4 MiB pages: identical except that linear
     * 4-8 MiB maps 4 MiB in the first and 8 MiB in the second. */
    const uint64_t pd1 = 0x20000, pd2 = 0x21000;
    for (uint32_t e = 0; e < 16; e++) {
        st_wr32(st, pd1 + 4 * e, (e << 22) | 0x83);
        st_wr32(st, pd2 + 4 * e, ((e == 1 ? 2 : e) << 22) | 0x83);
    }
    st_wr32(st, 0x400000, 0x1111);
    st_wr32(st, 0x800000, 0x2222);
    c->cr4 |= CR4_PSE;
    c->cr3 = pd1;
    c->cr0 |= CR0_PG;
    cpu_tlb_flush(c, true);
    cpu_recompute_mode(c);
    st_wr32(st, TSSA_BASE + 0x1c, (uint32_t)pd1);
    tss32(st, TSSB_BASE, (uint32_t)ST_CODE_ADDR + 0x100, 0x50000, 2);
    st_wr32(st, TSSB_BASE + 0x1c, (uint32_t)pd2);
    st_exec(st, "mov (0x400000), %ebx\n ljmp $0x30, $0\n mov (0x400000), %ecx\n hlt\n"
                ".org 0x100\n"
                "mov (0x400000), %eax\n mov %eax, (0x40000)\n mov %cr3, %eax\n"
                "mov %eax, (0x40004)\n ljmp $0x28, $0\n");
    g_assert_cmphex(c->regs[R_BX], ==, 0x1111);
    g_assert_cmphex(st_rd32(st, REC), ==, 0x2222);
    g_assert_cmphex(st_rd32(st, REC + 4), ==, pd2);
    g_assert_cmphex(c->regs[R_CX], ==, 0x1111);
    g_assert_cmphex(c->cr3, ==, pd1);
    st_free(st);
}

static void test_task_call_iret(void)
{
    struct soft_test *st = pm_new();
    struct cpu *c = st->c;
    tss32(st, TSSB_BASE, (uint32_t)ST_CODE_ADDR + 0x100, 0x50000, 2);
    st_exec(st, "mov $0x99, %esi\n lcall $0x30, $0\n"
                "pushf\n pop %ebx\n str %ecx\n hlt\n"
                ".org 0x100\n"
                "taskb: pushf\n pop %eax\n mov %eax, (0x40000)\n"
                "mov $0x3, %esi\n iret\n");
    g_assert_cmphex(st_rd32(st, REC) & F_NT, ==, F_NT);
    g_assert_cmphex(st_rd32(st, TSSB_BASE + 0), ==, TSS_A); /* back link */
    g_assert_cmphex(c->regs[R_BX] & F_NT, ==, 0);
    g_assert_cmphex(c->regs[R_CX], ==, TSS_A);
    g_assert_cmphex(c->regs[R_SI], ==, 0x99);
    g_assert_cmphex(desc_type_at(st, TSS_B), ==, 0x9);  /* IRET cleared busy */
    g_assert_cmphex(desc_type_at(st, TSS_A), ==, 0xb);
    g_assert_cmphex(st_rd32(st, TSSB_BASE + 0x24) & F_NT, ==, 0); /* saved without NT */
    g_assert_cmphex(st_rd32(st, TSSB_BASE + 0x40), ==, 3);       /* ESI of task B */
    st_free(st);

    /* IRET with NT and a back link that is not a busy TSS: #TS(link). */
    st = pm_new();
    st_wr32(st, TSSA_BASE, TSS_B);
    exec_exc(st, "pushf\n orl $0x4000, (%esp)\n popf\n iret\n", EX_TS, TSS_B);
    st_free(st);
}

static void test_task_tss16(void)
{
    struct soft_test *st = pm_new();
    struct cpu *c = st->c;
    /* Task B with a 16-bit TSS; its code segment starts at the snippet so
     * its IP fits in 16 bits. */
    uint8_t z[0x2c] = { 0 };
    st_load(st, TSSB_BASE, z, sizeof(z));
    st_wr64(st, GDT_BASE + TSS_B, st_desc((uint32_t)TSSB_BASE, 0x2b, 0x81, 0));
    st_wr64(st, GDT_BASE + CODE_SEL, st_desc((uint32_t)ST_CODE_ADDR, 0xffff, 0x9a, 0x4));
    uint16_t f16[] = { 0x100, 0x0002, 0, 0, 0, 0x4444, 0x5000, 0, 0, 0, K_DATA, CODE_SEL,
                       K_DATA, K_DATA, 0 };
    st_load(st, TSSB_BASE + 0x0e, f16, sizeof(f16)); /* IP FLAGS AX..DI ES CS SS DS LDT */
    c->regs[R_BX] = 0x12340000;
    st_exec(st, "lcall $0x30, $0\n hlt\n"
                ".org 0x100\n"
                "mov %bx, (0x40000)\n mov %esp, (0x40004)\n pushf\n pop %eax\n"
                "mov %eax, (0x40008)\n mov $0x7777, %si\n jmp 1f\n .org 0x140, 0x90\n 1: iret\n");
    g_assert_cmphex(st_rd32(st, REC) & 0xffff, ==, 0x4444);
    g_assert_cmphex(st_rd32(st, REC + 4), ==, 0x5000);
    g_assert_cmphex(st_rd32(st, REC + 8) & F_NT, ==, F_NT);
    g_assert_cmphex(st_rd32(st, TSSB_BASE) & 0xffff, ==, TSS_A);         /* back link */
    g_assert_cmphex(st_rd32(st, TSSB_BASE + 0x1e) & 0xffff, ==, 0x7777); /* SI saved */
    g_assert_cmphex(st_rd32(st, TSSB_BASE + 0x0e) & 0xffff, ==, 0x141); /* after the IRET */
    g_assert_cmphex(c->regs[R_BX], ==, 0x12340000);
    g_assert_cmphex(c->seg[S_TR].sel, ==, TSS_A);
    g_assert_cmphex(desc_type_at(st, TSS_B), ==, 0x1);
    st_free(st);
}

static void test_task_gate(void)
{
    struct soft_test *st = pm_new();
    struct cpu *c = st->c;
    /* INT n through a task gate and back with IRET. */
    tss32(st, TSSB_BASE, (uint32_t)ST_CODE_ADDR + 0x100, 0x50000, 2);
    set_idt32(st, 0x50, st_gate(TSS_B, 0, 0x5, 0, 0));
    st_exec(st, "int $0x50\n mov $0x42, %edx\n hlt\n"
                ".org 0x100\n"
                "taskb: str %eax\n mov %eax, (0x40000)\n iret\n");
    g_assert_cmphex(st_rd32(st, REC), ==, TSS_B);
    g_assert_cmphex(c->regs[R_DX], ==, 0x42);
    g_assert_cmphex(c->seg[S_TR].sel, ==, TSS_A);
    st_free(st);

    /* An exception through a task gate: the error code is on the new
     * task's stack, the old task's EIP is the faulting instruction. */
    st = pm_new();
    c = st->c;
    tss32(st, TSSB_BASE, (uint32_t)ST_CODE_ADDR + 0x100, 0x50000, 2);
    set_idt32(st, EX_GP, st_gate(TSS_B, 0, 0x5, 0, 0));
    st_exec(st, "mov $0x33, %ax\n mov %ax, %ds\n hlt\n"
                ".org 0x100\n"
                "taskb: pop %eax\n mov %esp, %ebx\n pushf\n pop %ecx\n hlt\n");
    g_assert_cmphex(c->regs[R_AX], ==, TSS_B); /* #GP(0x30): system descriptor in DS */
    g_assert_cmphex(c->regs[R_BX], ==, 0x50000);
    g_assert_cmphex(c->regs[R_CX] & F_NT, ==, F_NT);
    g_assert_cmphex(st_rd32(st, TSSA_BASE + 0x20), ==, ST_CODE_ADDR + 4);
    g_assert_cmphex(st_rd32(st, TSSB_BASE + 0), ==, TSS_A);
    st_free(st);

    /* A task gate to a busy TSS: #GP(TSS selector). */
    st = pm_new();
    set_idt32(st, 0x50, st_gate(TSS_A, 0, 0x5, 0, 0));
    exec_exc(st, "int $0x50\n", EX_GP, TSS_A);
    st_free(st);
    /* JMP through a task gate in the GDT. */
    st = pm_new();
    tss32(st, TSSB_BASE, (uint32_t)ST_CODE_ADDR + 0x100, 0x50000, 2);
    st_exec(st, "ljmp $0x40, $0\n .org 0x100\n str %eax\n hlt\n");
    g_assert_cmphex(st->c->regs[R_AX], ==, TSS_B);
    st_free(st);
}

static void test_task_trap_bit(void)
{
    struct soft_test *st = pm_new();
    struct cpu *c = st->c;
    tss32(st, TSSB_BASE, (uint32_t)ST_CODE_ADDR + 0x100, 0x50000, 2);
    st_wr32(st, TSSB_BASE + 0x64, 1);
    st_exec(st, "ljmp $0x30, $0\n .org 0x100\n mov $1, %ebx\n hlt\n");
    expect_exc(st, EX_DB, -1);
    g_assert_cmphex(c->regs[R_BX], ==, 0); /* before the first instruction */
    g_assert_cmphex(st_rd32(st, 0x50000 - 12), ==, ST_CODE_ADDR + 0x100);
    g_assert_cmphex(c->dr[6] & 0x8000, ==, 0x8000);
    st_free(st);
}

/* ---- virtual-8086 mode ---- */

static void test_vm86(void)
{
    struct soft_test *st = pm_new();
    struct cpu *c = st->c;
    /* Ring-0 handlers: 0x30 records the VM86 frame and returns; 0x31
     * clears IOPL in the returned EFLAGS. */
    set_idt32(st, 0x30, st_gate(K_CODE, (uint32_t)ST_CODE_ADDR + 0x300, 0xe, 3, 0));
    set_idt32(st, 0x31, st_gate(K_CODE, (uint32_t)ST_CODE_ADDR + 0x380, 0xe, 3, 0));
    st_exec(st, "push $0\n push $0\n push $0x4000\n push $0x4000\n"  /* GS FS DS ES */
                "push $0x7000\n push $0xff00\n push $0x23002\n"       /* SS SP EFLAGS */
                "push $0x1000\n push $v86 - 0x10000\n iret\n"
                ".code16\n .org 0x100\n"
                "v86: mov %cs, %ax\n mov %ax, (0x20)\n mov $0x55, %bx\n"
                "int $0x30\n"
                "mov %bx, (0x10)\n mov %ds, (0x12)\n"
                /* IRET inside VM86 (IOPL 3): it may not clear IOPL. */
                "pushf\n pop %ax\n and $0xcfff, %ax\n or $1, %ax\n push %ax\n"
                "push %cs\n push $after - 0x10000\n iret\n"
                "after: setc (0x14)\n"
                "pushf\n pop %dx\n cli\n sti\n"
                "int $0x31\n"
                "mov $0x66, %cx\n cli\n hlt\n"
                ".code32\n .org 0x300\n"
                "h30: mov %ds, %eax\n mov $0x10, %bx\n mov %bx, %ds\n"
                "mov %eax, (0x40100)\n mov %esp, (0x40104)\n"
                "mov 4(%esp), %eax\n mov %eax, (0x40108)\n"  /* CS */
                "mov 8(%esp), %eax\n mov %eax, (0x4010c)\n"  /* EFLAGS */
                "mov 12(%esp), %eax\n mov %eax, (0x40110)\n" /* ESP */
                "mov 16(%esp), %eax\n mov %eax, (0x40114)\n" /* SS */
                "mov 20(%esp), %eax\n mov %eax, (0x40118)\n" /* ES */
                "mov 24(%esp), %eax\n mov %eax, (0x4011c)\n" /* DS */
                "mov $0x56, %bx\n iret\n"
                ".org 0x380\n"
                "h31: andl $~0x3000, 8(%esp)\n iret\n");
    g_assert_cmphex(st_rd32(st, REC + 0x20) & 0xffff, ==, 0x1000); /* CS in VM86 */
    g_assert_cmphex(st_rd32(st, REC + 0x100), ==, 0);              /* DS zeroed */
    g_assert_cmphex(st_rd32(st, REC + 0x104), ==, RSP0 - 36);
    g_assert_cmphex(st_rd32(st, REC + 0x108), ==, 0x1000);
    g_assert_cmphex(st_rd32(st, REC + 0x10c) & (F_VM | F_IOPL), ==, F_VM | F_IOPL);
    g_assert_cmphex(st_rd32(st, REC + 0x110), ==, 0xff00 - 0);
    g_assert_cmphex(st_rd32(st, REC + 0x114), ==, 0x7000);
    g_assert_cmphex(st_rd32(st, REC + 0x118), ==, 0x4000);
    g_assert_cmphex(st_rd32(st, REC + 0x11c), ==, 0x4000);
    g_assert_cmphex(st_rd32(st, REC + 0x10) & 0xffff, ==, 0x56);   /* BX from ring 0 */
    g_assert_cmphex(st_rd32(st, REC + 0x12) & 0xffff, ==, 0x4000); /* DS restored */
    g_assert_cmphex(c->regs[R_DX] & 0x3000, ==, 0x3000);        /* PUSHF with IOPL 3 */
    g_assert_cmphex(st_rd32(st, REC + 0x14) & 0xff, ==, 1);        /* CF from the IRET */
    g_assert_cmphex(c->regs[R_CX] & 0xffff, ==, 0x66);
    /* CLI with IOPL 0 in VM86: #GP(0) delivered to ring 0. */
    expect_exc(st, EX_GP, 0);
    g_assert_cmphex(c->eflags & F_VM, ==, 0);
    g_assert_cmphex(st_rd32(st, RSP0 - 32), ==, 0x1000); /* CS under EIP and the error code */
    st_free(st);

    /* INT n in VM86 with IOPL < 3 is #GP(0) without VME; so is IRET. */
    st = pm_new();
    exec_exc(st, "push $0\n push $0\n push $0\n push $0\n push $0x7000\n push $0xff00\n"
                 "push $0x20002\n push $0x1000\n push $v2 - 0x10000\n iret\n"
                 ".code16\n v2: int $0x30\n", EX_GP, 0);
    st_free(st);
}

/* ---- segment loads: error codes ---- */

static void test_segment_errors(void)
{
    struct soft_test *st = pm_new();
    exec_exc(st, "mov $0x1000, %ax\n mov %ax, %ds\n", EX_GP, 0x1000);
    st_free(st);
    st = pm_new();
    exec_exc(st, "mov $0x48, %ax\n mov %ax, %es\n", EX_NP, NP_DATA);
    st_free(st);
    st = pm_new();
    exec_exc(st, "mov $0x48, %ax\n mov %ax, %ss\n", EX_SS, NP_DATA);
    st_free(st);
    st = pm_new();
    exec_exc(st, "mov $0x08, %ax\n mov %ax, %ss\n", EX_GP, K_CODE);
    st_free(st);
    /* Null SS in 32-bit mode: #GP(0). */
    st = pm_new();
    exec_exc(st, "xor %eax, %eax\n mov %ax, %ss\n", EX_GP, 0);
    st_free(st);
    /* Far JMP to a data segment: #GP(selector); RPL above CPL is fine for a
     * conforming target only. */
    st = pm_new();
    exec_exc(st, "ljmp $0x10, $0\n", EX_GP, K_DATA);
    st_free(st);
    /* A data segment limit: #GP(0); a stack limit: #SS(0). */
    st = pm_new();
    st_wr64(st, GDT_BASE + CODE_SEL, st_desc(0, 0xff, 0x92, 0x4));
    exec_exc(st, "mov $0x68, %ax\n mov %ax, %es\n mov %es:(0x100), %eax\n", EX_GP, 0);
    st_free(st);
    st = pm_new();
    st_wr64(st, GDT_BASE + CODE_SEL, st_desc(0, 0xff, 0xf2, 0x4));
    exec_exc(st, TO_RING3 "mov $0x6b, %ax\n mov %ax, %ss\n mov $0x200, %esp\n push %eax\n",
             EX_SS, 0);
    st_free(st);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/softcpu/pmode/iret-interrupt-gate", test_iret_and_interrupt_gate);
    g_test_add_func("/softcpu/pmode/call-gate", test_call_gate);
    g_test_add_func("/softcpu/pmode/call-gate-long", test_call_gate_long);
    g_test_add_func("/softcpu/pmode/task-jmp", test_task_jmp);
    g_test_add_func("/softcpu/pmode/task-cr3", test_task_cr3);
    g_test_add_func("/softcpu/pmode/task-call-iret", test_task_call_iret);
    g_test_add_func("/softcpu/pmode/task-tss16", test_task_tss16);
    g_test_add_func("/softcpu/pmode/task-gate", test_task_gate);
    g_test_add_func("/softcpu/pmode/task-trap-bit", test_task_trap_bit);
    g_test_add_func("/softcpu/pmode/vm86", test_vm86);
    g_test_add_func("/softcpu/pmode/segment-errors", test_segment_errors);
    return g_test_run();
}
