/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Soft CPU: the system instructions (ops_system.c) in real, protected and
 * 64-bit mode: control/debug registers, descriptor-table registers, LAR/
 * LSL/VERR/VERW, MSRs, fast system calls, INVLPG and the single-step trap,
 * with the results and exceptions of the Intel SDM Vol. 2 pages.
 *
 * Exceptions are observed through an IDT whose every vector points at a
 * stub `mov $vector, %edi; hlt` (STUBS + 8 * vector); the error code, if
 * any, is then at the top of the handler's stack. */
#include <setjmp.h>
#include <string.h>
#include "cpu/soft/seg.h"
#include "tests/support/softcpu.h"

#define STUBS 0x9000ULL
#define GDT_BASE 0xA000ULL
#define IDT_BASE 0xB000ULL
#define TSS_BASE 0xC000ULL
#define LDT_BASE 0xD000ULL
#define RSP0 0x70000ULL
#define USER_SP 0x60000ULL

/* Selectors of the test GDT (32-bit and 64-bit variants share slots). */
enum {
    K_CODE = 0x08, K_DATA = 0x10, U_CODE32 = 0x18, U_DATA = 0x20, U_CODE64 = 0x28,
    U_DATA2 = 0x30, TSS_SEL = 0x38, LDT_SEL = 0x48, CONF3 = 0x58, DATA_DPL1 = 0x60,
    NP_DATA = 0x68, CALLG = 0x70, CODE16 = 0x78, XO_CODE = 0x80, GDT_LIMIT = 0x8f,
};

/* A code/data or system descriptor: access = P|DPL|S|type byte, flags =
 * G|DB|L|AVL nibble. */

static void write_stubs(struct soft_test *st)
{
    uint8_t stub[8] = { 0xbf, 0, 0, 0, 0, 0xf4, 0x90, 0x90 };
    for (unsigned v = 0; v < 256; v++) {
        stub[1] = (uint8_t)v;
        st_load(st, STUBS + v * 8, stub, 8);
    }
}

static void load_seg(struct soft_test *st, int s, uint16_t sel)
{
    cpu_seg_from_desc(&st->c->seg[s], sel, st_rd64(st, GDT_BASE + (sel & ~7u)));
}

/* Protected mode (32-bit or 64-bit) with the test GDT, an IDT of stubs and
 * a loaded TSS whose ring-0 stack is RSP0. */
static struct soft_test *pm_new(bool long64)
{
    struct soft_test *st = st_new(long64 ? ST_LONG64 : ST_PROT32);
    struct cpu *c = st->c;
    unsigned cf = long64 ? 0xa : 0xc; /* G|L or G|DB */
    st_wr64(st, GDT_BASE + K_CODE, st_desc(0, 0xfffff, 0x9a, cf));
    st_wr64(st, GDT_BASE + K_DATA, st_desc(0, 0xfffff, 0x92, 0xc));
    st_wr64(st, GDT_BASE + U_CODE32, st_desc(0, 0xfffff, 0xfa, 0xc));
    st_wr64(st, GDT_BASE + U_DATA, st_desc(0, 0xfffff, 0xf2, 0xc));
    st_wr64(st, GDT_BASE + U_CODE64, st_desc(0, 0xfffff, 0xfa, 0xa));
    st_wr64(st, GDT_BASE + U_DATA2, st_desc(0, 0xfffff, 0xf2, 0xc));
    st_wr64(st, GDT_BASE + TSS_SEL, st_desc((uint32_t)TSS_BASE, 0x67, 0x89, 0));
    st_wr64(st, GDT_BASE + TSS_SEL + 8, 0);
    st_wr64(st, GDT_BASE + LDT_SEL, st_desc((uint32_t)LDT_BASE, 0x17, 0x82, 0));
    st_wr64(st, GDT_BASE + LDT_SEL + 8, 0);
    st_wr64(st, GDT_BASE + CONF3, st_desc(0, 0xfffff, 0x9e, 0xc)); /* conforming, DPL 0 */
    st_wr64(st, GDT_BASE + DATA_DPL1, st_desc(0x1000, 0xfff, 0xb2, 0x4));
    st_wr64(st, GDT_BASE + NP_DATA, st_desc(0, 0xfffff, 0x12, 0xc)); /* not present */
    st_wr64(st, GDT_BASE + CALLG, st_gate(K_CODE, 0x1234, 0xc, 3, 2));
    st_wr64(st, GDT_BASE + CODE16, st_desc(0x10000, 0xffff, 0x9a, 0));
    st_wr64(st, GDT_BASE + XO_CODE, st_desc(0, 0xfffff, 0x98, 0xc)); /* execute-only */
    c->gdt = (struct x86_dtable){ GDT_BASE, GDT_LIMIT };
    load_seg(st, S_CS, K_CODE);
    load_seg(st, S_SS, K_DATA);
    load_seg(st, S_DS, K_DATA);
    load_seg(st, S_ES, K_DATA);
    load_seg(st, S_FS, K_DATA);
    load_seg(st, S_GS, K_DATA);
    /* TSS: ring-0 stack. */
    st_wr32(st, TSS_BASE + 4, (uint32_t)RSP0);
    st_wr32(st, TSS_BASE + 8, K_DATA);
    if (long64)
        st_wr64(st, TSS_BASE + 4, RSP0);
    st_wr64(st, GDT_BASE + TSS_SEL, st_desc((uint32_t)TSS_BASE, 0x67, 0x8b, 0));
    load_seg(st, S_TR, TSS_SEL);
    write_stubs(st);
    for (unsigned v = 0; v < 256; v++) {
        uint32_t off = (uint32_t)(STUBS + v * 8);
        if (long64) {
            st_wr64(st, IDT_BASE + v * 16, st_gate(K_CODE, off, 0xe, 0, 0));
            st_wr64(st, IDT_BASE + v * 16 + 8, 0);
        } else {
            st_wr64(st, IDT_BASE + v * 8, st_gate(K_CODE, off, 0xe, 0, 0));
        }
    }
    c->idt = (struct x86_dtable){ IDT_BASE, long64 ? 0xfff : 0x7ff };
    if (long64) {
        /* Identity map with user access allowed at every level. */
        st_wr64(st, 0x1000, 0x2000 | 7);
        for (int k = 0; k < 4; k++)
            st_wr64(st, 0x2000 + 8 * k, (0x3000 + k * 0x1000) | 7);
        for (uint64_t e = 0; e < 2048; e++)
            st_wr64(st, 0x3000 + e * 8, (e << 21) | 0x87);
        cpu_tlb_flush(c, true);
    }
    c->regs[R_DI] = 0xffff;
    cpu_recompute_mode(c);
    return st;
}

/* The stub for vec ran; err < 0: no error code to check. */
static void expect_exc(struct soft_test *st, unsigned vec, int64_t err)
{
    struct cpu *c = st->c;
    g_assert_cmphex(c->regs[R_DI], ==, vec);
    g_assert_cmphex(c->rip, ==, STUBS + vec * 8 + 6);
    if (err >= 0) {
        uint64_t sp = c->seg[S_SS].base + (c->regs[R_SP] & 0xffffffff);
        if (c->mode & MODE_LONG64)
            sp = c->regs[R_SP];
        g_assert_cmphex(st_rd32(st, sp), ==, (uint64_t)err);
    }
}

/* Run a snippet expected to end in the stub of vec. */
static void exec_exc(struct soft_test *st, const char *src, unsigned vec, int64_t err)
{
    st_exec(st, src);
    expect_exc(st, vec, err);
}

/* To ring 3 through IRET; the DPL-0 data segments become null on the way,
 * so 32-bit code reloads DS and ES with the user data segment. */
#define TO_RING3_32 "push $0x23\n push $0x60000\n pushf\n push $0x1b\n push $9f\n iret\n 9:\n" \
                    "mov $0x23, %eax\n mov %eax, %ds\n mov %eax, %es\n"
#define TO_RING3_64 "push $0x23\n push $0x60000\n pushf\n push $0x2b\n push $9f\n iretq\n 9:\n"

/* ---- MOV CR ---- */

static void test_real_to_long(void)
{
    struct soft_test *st = st_new(ST_REAL);
    struct cpu *c = st->c;
    /* Identity map for long mode, built by the guest's loader (here: us). */
    st_wr64(st, 0x1000, 0x2000 | 3);
    st_wr64(st, 0x2000, 0x3000 | 3);
    for (uint64_t e = 0; e < 512; e++)
        st_wr64(st, 0x3000 + e * 8, (e << 21) | 0x83);
    st_exec(st,
            "cli\n"
            "lgdtl %cs:gdtr\n"
            "mov %cr0, %eax\n or $1, %eax\n mov %eax, %cr0\n"
            "ljmpl $0x08, $0x10000 + pm32\n"
            ".code32\n"
            "pm32: mov $0x10, %ax\n mov %ax, %ds\n mov %ax, %ss\n mov $0x80000, %esp\n"
            "mov %cr0, %esi\n"
            "mov %cr4, %eax\n or $0x20, %eax\n mov %eax, %cr4\n"
            "mov $0x1000, %eax\n mov %eax, %cr3\n"
            "mov $0xc0000080, %ecx\n rdmsr\n or $0x100, %eax\n wrmsr\n"
            "mov %cr0, %eax\n or $0x80000000, %eax\n mov %eax, %cr0\n"
            "ljmp $0x18, $0x10000 + lm64\n"
            ".code64\n"
            "lm64: movabs $0x123456789, %rbx\n"
            "mov $0xc0000080, %ecx\n rdmsr\n mov %eax, %edi\n"
            "mov %cr0, %rbp\n hlt\n"
            ".p2align 3\n"
            "gdt: .quad 0\n .quad 0x00cf9a000000ffff\n .quad 0x00cf92000000ffff\n"
            " .quad 0x00af9a000000ffff\n"
            "gdtr: .word 31\n .long 0x10000 + gdt\n");
    g_assert_cmphex(c->regs[R_SI] & 0x80000001, ==, 1); /* PE, no PG yet */
    g_assert_cmphex(c->regs[R_BX], ==, 0x123456789ULL);
    g_assert_cmphex(c->regs[R_DI] & 0x500, ==, 0x500); /* LME and LMA */
    g_assert_cmphex(c->regs[R_BP] & 0x80000001, ==, 0x80000001);
    g_assert_true(c->mode & MODE_LONG64);
    g_assert_cmphex(c->seg[S_CS].sel, ==, 0x18);
    st_free(st);
}

static void test_mov_cr(void)
{
    struct soft_test *st = pm_new(false);
    struct cpu *c = st->c;
    st_exec(st, "mov $0x1234567, %eax\n mov %eax, %cr2\n mov %cr2, %ebx\n"
                "mov %cr4, %ecx\n or $0x80, %ecx\n mov %ecx, %cr4\n mov %cr4, %edx\n"
                "mov %cr0, %esi\n hlt");
    g_assert_cmphex(c->regs[R_BX], ==, 0x1234567);
    g_assert_cmphex(c->regs[R_DX], ==, 0x80);
    g_assert_cmphex(c->cr4, ==, 0x80);
    g_assert_cmphex(c->regs[R_SI], ==, c->cr0);
    st_free(st);

    /* CR1 and CR5 do not exist: #UD. */
    st = pm_new(false);
    exec_exc(st, ".byte 0x0f, 0x20, 0xc8\n hlt", EX_UD, -1); /* mov %cr1, %eax */
    st_free(st);
    st = pm_new(false);
    exec_exc(st, ".byte 0x0f, 0x22, 0xe8\n hlt", EX_UD, -1); /* mov %eax, %cr5 */
    st_free(st);

    /* Reserved CR4 bit, and PG without PE: #GP(0). */
    st = pm_new(false);
    exec_exc(st, "mov $0x80000000, %eax\n mov %eax, %cr4\n hlt", EX_GP, 0);
    st_free(st);
    st = pm_new(false);
    exec_exc(st, "mov %cr0, %eax\n and $~1, %eax\n or $0x80000000, %eax\n mov %eax, %cr0\n hlt",
             EX_GP, 0);
    st_free(st);

    /* CPL 3: #GP(0) for reads and writes. */
    st = pm_new(false);
    exec_exc(st, TO_RING3_32 "mov %cr0, %eax\n hlt", EX_GP, 0);
    g_assert_cmphex(st->c->regs[R_SP], ==, RSP0 - 24); /* ring-3 frame with error code */
    st_free(st);
}

static void test_cr8(void)
{
    struct soft_test *st = pm_new(true);
    struct cpu *c = st->c;
    st_exec(st, "mov $9, %eax\n mov %rax, %cr8\n mov %cr8, %rbx\n hlt");
    g_assert_cmphex(c->regs[R_BX], ==, 9);
    g_assert_cmphex(c->cr8, ==, 9);
    st_free(st);
    st = pm_new(true);
    exec_exc(st, "mov $16, %eax\n mov %rax, %cr8\n hlt", EX_GP, 0);
    st_free(st);
    /* CR9 does not exist. */
    st = pm_new(true);
    exec_exc(st, ".byte 0x44, 0x0f, 0x20, 0xc8\n hlt", EX_UD, -1);
    st_free(st);
}

/* ---- MOV DR ---- */

static void test_mov_dr(void)
{
    struct soft_test *st = pm_new(false);
    struct cpu *c = st->c;
    st_exec(st, "mov $0x1000, %eax\n mov %eax, %dr0\n mov %dr0, %ebx\n"
                "xor %eax, %eax\n mov %eax, %dr6\n mov %dr6, %ecx\n"
                ".byte 0x0f, 0x21, 0xe2\n" /* mov %dr4, %edx: DR6 */
                "mov $0xffffffff, %eax\n mov %eax, %dr7\n mov %dr7, %esi\n"
                ".byte 0x0f, 0x21, 0xef\n" /* mov %dr5, %edi: DR7 */
                "hlt");
    g_assert_cmphex(c->regs[R_BX], ==, 0x1000);
    g_assert_cmphex(c->regs[R_CX], ==, 0xffff0ff0);
    g_assert_cmphex(c->regs[R_DX], ==, 0xffff0ff0);
    g_assert_cmphex(c->regs[R_SI], ==, 0xffff27ff);
    g_assert_cmphex(c->regs[R_DI], ==, 0xffff27ff);
    st_free(st);

    /* CR4.DE makes DR4/DR5 #UD. */
    st = pm_new(false);
    exec_exc(st, "mov $8, %eax\n mov %eax, %cr4\n .byte 0x0f, 0x21, 0xe2\n hlt", EX_UD, -1);
    st_free(st);
    /* CPL 3: #GP(0). */
    st = pm_new(false);
    exec_exc(st, TO_RING3_32 "mov %dr7, %eax\n hlt", EX_GP, 0);
    st_free(st);
    /* 64-bit: upper half of DR7 must be 0. */
    st = pm_new(true);
    exec_exc(st, "mov $1, %eax\n shl $32, %rax\n mov %rax, %dr7\n hlt", EX_GP, 0);
    st_free(st);
}

/* ---- LGDT/LIDT/SGDT/SIDT ---- */

static void test_dtables_real(void)
{
    struct soft_test *st = st_new(ST_REAL);
    struct cpu *c = st->c;
    /* Data at DS = 0x4000: the 16-bit form takes 24 bits of base, the
     * 32-bit form all 32; SGDT stores 32 bits either way. */
    st_exec(st, "movw $0x1ff, (0)\n movl $0xab123456, (2)\n"
                "lgdtw (0)\n sgdtw (8)\n"
                "lidtl (0)\n sidtl (16)\n"
                "hlt");
    g_assert_cmphex(c->gdt.base, ==, 0x123456);
    g_assert_cmphex(c->gdt.limit, ==, 0x1ff);
    g_assert_cmphex(c->idt.base, ==, 0xab123456);
    g_assert_cmphex(st_rd32(st, ST_DATA_ADDR + 8) & 0xffff, ==, 0x1ff);
    g_assert_cmphex(st_rd32(st, ST_DATA_ADDR + 10), ==, 0x123456);
    g_assert_cmphex(st_rd32(st, ST_DATA_ADDR + 18), ==, 0xab123456);
    st_free(st);
}

static void test_dtables_prot(void)
{
    struct soft_test *st = pm_new(false);
    struct cpu *c = st->c;
    st_exec(st, "sgdt (0x40000)\n sidt (0x40008)\n"
                "movw $0x77, (0x40010)\n movl $0xfe001000, (0x40012)\n"
                "lgdtw (0x40010)\n sgdt (0x40020)\n"
                "lgdtl (0x40010)\n sgdt (0x40028)\n"
                "lgdt (0x40000)\n hlt");
    g_assert_cmphex(st_rd32(st, 0x40000) & 0xffff, ==, GDT_LIMIT);
    g_assert_cmphex(st_rd32(st, 0x40002), ==, GDT_BASE);
    g_assert_cmphex(st_rd32(st, 0x40008) & 0xffff, ==, 0x7ff);
    g_assert_cmphex(st_rd32(st, 0x4000a), ==, IDT_BASE);
    g_assert_cmphex(st_rd32(st, 0x40022), ==, 0x001000);
    g_assert_cmphex(st_rd32(st, 0x4002a), ==, 0xfe001000);
    g_assert_cmphex(c->gdt.base, ==, GDT_BASE);
    st_free(st);

    /* LGDT/LIDT at CPL 3: #GP(0); SGDT works there (no UMIP). */
    st = pm_new(false);
    exec_exc(st, TO_RING3_32 "sgdt (0x40000)\n lidt (0x40000)\n hlt", EX_GP, 0);
    g_assert_cmphex(st_rd32(st, 0x40002), ==, GDT_BASE);
    st_free(st);
    /* Register operand: #UD. */
    st = pm_new(false);
    exec_exc(st, ".byte 0x0f, 0x01, 0xd4\n hlt", EX_UD, -1); /* 0F 01 /2 mod 3 rm 4 */
    st_free(st);
}

static void test_dtables_long(void)
{
    struct soft_test *st = pm_new(true);
    struct cpu *c = st->c;
    st_exec(st, "movw $0x3ff, (0x40000)\n movabs $0xffff800012345000, %rax\n"
                "mov %rax, (0x40002)\n lidt (0x40000)\n sidt (0x40010)\n"
                "data16 sidt (0x40020)\n hlt");
    g_assert_cmphex(c->idt.base, ==, 0xffff800012345000ULL);
    g_assert_cmphex(c->idt.limit, ==, 0x3ff);
    g_assert_cmphex(st_rd64(st, 0x40012), ==, 0xffff800012345000ULL);
    g_assert_cmphex(st_rd64(st, 0x40022), ==, 0xffff800012345000ULL); /* 66 is ignored */
    st_free(st);
}

/* ---- LLDT/SLDT/LTR/STR ---- */

static void test_ldt_tr(void)
{
    struct soft_test *st = pm_new(false);
    struct cpu *c = st->c;
    /* An available TSS in slot 0x50 (CONF3 + 8 is free: use 0x88). */
    st_wr64(st, GDT_BASE + 0x88, st_desc(0xc800, 0x67, 0x89, 0));
    c->gdt.limit = 0x8f;
    st_wr64(st, LDT_BASE + 8, st_desc(0x2000, 0xffff, 0xf2, 0)); /* LDT entry 1: data DPL 3 */
    st_exec(st, "mov $0x48, %ax\n lldt %ax\n sldt %ebx\n"
                "mov $0x88, %ax\n ltr %ax\n str %ecx\n"
                "mov $0xf, %ax\n mov %ax, %es\n" /* LDT selector 8 | TI | RPL 3 */
                "movl $0xffffffff, %esi\n sldt %si\n"
                "hlt");
    g_assert_cmphex(c->regs[R_BX], ==, 0x48);
    g_assert_cmphex(c->regs[R_CX], ==, 0x88);
    g_assert_cmphex(c->regs[R_SI], ==, 0xffff0048); /* 16-bit form: upper half kept */
    g_assert_cmphex(c->seg[S_LDTR].base, ==, LDT_BASE);
    g_assert_cmphex(c->seg[S_TR].base, ==, 0xc800);
    g_assert_cmphex(c->seg[S_TR].flags & 0xf, ==, 0xb);
    g_assert_cmphex((st_rd64(st, GDT_BASE + 0x88) >> 40) & 0xf, ==, 0xb); /* busy now */
    g_assert_cmphex(c->seg[S_ES].base, ==, 0x2000);
    st_free(st);

    /* LTR of a busy TSS: #GP(sel); LLDT of a non-LDT: #GP(sel); not present: #NP. */
    st = pm_new(false);
    exec_exc(st, "mov $0x38, %ax\n ltr %ax\n hlt", EX_GP, 0x38);
    st_free(st);
    st = pm_new(false);
    exec_exc(st, "mov $0x10, %ax\n lldt %ax\n hlt", EX_GP, 0x10);
    st_free(st);
    st = pm_new(false);
    st_wr64(st, GDT_BASE + 0x88, st_desc(0xc800, 0x67, 0x09, 0));
    exec_exc(st, "mov $0x88, %ax\n ltr %ax\n hlt", EX_NP, 0x88);
    st_free(st);
    /* LTR with a null selector: #GP(0); at CPL 3: #GP(0). */
    st = pm_new(false);
    exec_exc(st, "xor %eax, %eax\n ltr %ax\n hlt", EX_GP, 0);
    st_free(st);
    st = pm_new(false);
    exec_exc(st, TO_RING3_32 "mov $0x48, %ax\n lldt %ax\n hlt", EX_GP, 0);
    st_free(st);
    /* Real mode: #UD. */
    st = st_new(ST_REAL);
    uint32_t ivt6 = (0x1000u << 16) | 0x100;
    machine_write_phys(st->m, 6 * 4, &ivt6, 4);
    st_exec(st, "sldt %ax\n hlt\n .org 0x100\n mov $0x66, %bx\n hlt");
    g_assert_cmphex(st->c->regs[R_BX] & 0xffff, ==, 0x66);
    st_free(st);
}

static void test_ldt_tr_long(void)
{
    struct soft_test *st = pm_new(true);
    struct cpu *c = st->c;
    /* 16-byte descriptors with base bits 63:32. */
    st_wr64(st, GDT_BASE + 0x88, st_desc(0x5000, 0x67, 0x89, 0));
    st_wr64(st, GDT_BASE + 0x90, 0xffff8000ULL);
    st_wr64(st, GDT_BASE + LDT_SEL + 8, 0xffff8000ULL);
    c->gdt.limit = 0x97;
    st_exec(st, "mov $0x88, %ax\n ltr %ax\n mov $0x48, %ax\n lldt %ax\n str %rbx\n hlt");
    g_assert_cmphex(c->seg[S_TR].base, ==, 0xffff800000005000ULL);
    g_assert_cmphex(c->seg[S_LDTR].base, ==, 0xffff80000000d000ULL);
    g_assert_cmphex(c->regs[R_BX], ==, 0x88);
    st_free(st);
    /* A 16-bit TSS is not valid in IA-32e mode; nor is a non-zero upper type. */
    st = pm_new(true);
    st_wr64(st, GDT_BASE + 0x88, st_desc(0x5000, 0x67, 0x81, 0));
    st->c->gdt.limit = 0x97;
    exec_exc(st, "mov $0x88, %ax\n ltr %ax\n hlt", EX_GP, 0x88);
    st_free(st);
    st = pm_new(true);
    st_wr64(st, GDT_BASE + LDT_SEL + 8, 0x0000020000000000ULL);
    exec_exc(st, "mov $0x48, %ax\n lldt %ax\n hlt", EX_GP, 0x48);
    st_free(st);
}

/* ---- VERR/VERW/LAR/LSL ---- */

static void test_verr_verw(void)
{
    struct soft_test *st = pm_new(false);
    struct cpu *c = st->c;
    /* Each result goes to one bit of EBX (ZF through SETZ). */
    st_exec(st, "xor %ebx, %ebx\n"
                "mov $0x10, %ax\n verr %ax\n setz %bl\n"                       /* data: 1 */
                "verw %ax\n setz %cl\n shl $1, %cl\n or %cl, %bl\n"           /* data: 1 */
                "mov $0x08, %ax\n verr %ax\n setz %cl\n shl $2, %cl\n or %cl, %bl\n" /* code R: 1 */
                "verw %ax\n setz %cl\n shl $3, %cl\n or %cl, %bl\n"           /* code: 0 */
                "mov $0x80, %ax\n verr %ax\n setz %cl\n shl $4, %cl\n or %cl, %bl\n" /* XO: 0 */
                "mov $0x38, %ax\n verr %ax\n setz %cl\n shl $5, %cl\n or %cl, %bl\n" /* TSS: 0 */
                "xor %eax, %eax\n verr %ax\n setz %cl\n shl $6, %cl\n or %cl, %bl\n" /* null: 0 */
                "mov $0x1000, %ax\n verr %ax\n setz %cl\n shl $7, %cl\n or %cl, %bl\n" /* beyond */
                "mov $0x62, %ax\n verr %ax\n setz %bh\n"  /* DPL 1, RPL 2: invisible */
                "mov $0x61, %ax\n verw %ax\n setz %ch\n"  /* DPL 1, RPL 1: writable */
                "hlt");
    g_assert_cmphex(c->regs[R_BX] & 0xff, ==, 0x07);
    g_assert_cmphex((c->regs[R_BX] >> 8) & 0xff, ==, 0);
    g_assert_cmphex((c->regs[R_CX] >> 8) & 0xff, ==, 1);
    st_free(st);

    /* At CPL 3, DPL-0 data is invisible but conforming code is readable. */
    st = pm_new(false);
    c = st->c;
    st_exec(st, TO_RING3_32 "mov $0x10, %ax\n verr %ax\n setz %bl\n"
                "mov $0x5b, %ax\n verr %ax\n setz %bh\n"
                "mov $0x23, %ax\n verw %ax\n setz %cl\n"
                "int $3\n");
    g_assert_cmphex(c->regs[R_BX] & 0xffff, ==, 0x0100);
    g_assert_cmphex(c->regs[R_CX] & 0xff, ==, 1);
    st_free(st);
}

static void test_lar_lsl(void)
{
    struct soft_test *st = pm_new(false);
    struct cpu *c = st->c;
    st_exec(st, "mov $0xffffffff, %ebx\n mov $0x08, %ax\n lar %ax, %ebx\n setz %dl\n"
                "mov $0xffffffff, %esi\n lsl %ax, %esi\n"
                "mov $0x60, %ax\n lsl %ax, %edi\n lar %ax, %ebp\n"
                "mov $0x1111, %cx\n mov $0x38, %ax\n lar %ax, %cx\n setz %dh\n"
                "hlt");
    g_assert_cmphex(c->regs[R_DX] & 0xffff, ==, 0x0101);
    g_assert_cmphex(c->regs[R_BX], ==, 0x00c09a00);
    g_assert_cmphex(c->regs[R_SI], ==, 0xffffffff);
    g_assert_cmphex(c->regs[R_DI], ==, 0xfff);
    g_assert_cmphex(c->regs[R_BP], ==, 0x0040b200);
    g_assert_cmphex(c->regs[R_CX] & 0xffff, ==, 0x8b00); /* 16-bit: type/S/DPL/P only */
    st_free(st);

    /* Invalid: gates for LSL, interrupt gates for LAR, invisible DPL, null. */
    st = pm_new(false);
    c = st->c;
    st_wr64(st, GDT_BASE + 0x88, st_gate(K_CODE, 0, 0xe, 3, 0));
    st_exec(st, "mov $0x5555, %ebx\n"
                "mov $0x70, %ax\n lsl %ax, %ebx\n setz %cl\n"   /* call gate: LSL no */
                "lar %ax, %esi\n setz %ch\n"                    /* call gate: LAR yes */
                "mov $0x88, %ax\n lar %ax, %ebx\n setz %dl\n"   /* interrupt gate: no */
                "mov $0x62, %ax\n lar %ax, %ebx\n setz %dh\n"   /* RPL 2 > DPL 1: no */
                "hlt");
    g_assert_cmphex(c->regs[R_CX] & 0xffff, ==, 0x0100);
    g_assert_cmphex(c->regs[R_DX] & 0xffff, ==, 0);
    g_assert_cmphex(c->regs[R_BX], ==, 0x5555);
    g_assert_cmphex(c->regs[R_SI], ==, 0x00ec00);
    st_free(st);

    /* IA-32e: LDT valid for LSL but not LAR; 64-bit TSS for both; REX.W
     * zero-extends. */
    st = pm_new(true);
    c = st->c;
    st_exec(st, "mov $-1, %rbx\n mov $0x48, %ax\n lsl %ax, %rbx\n setz %cl\n"
                "mov $-1, %rsi\n lar %ax, %rsi\n setz %ch\n"
                "mov $0x38, %ax\n lar %ax, %rdi\n setz %dl\n"
                "hlt");
    g_assert_cmphex(c->regs[R_BX], ==, 0x17);
    g_assert_cmphex(c->regs[R_CX] & 0xffff, ==, 0x0001);
    g_assert_cmphex(c->regs[R_SI], ==, ~0ULL);
    g_assert_cmphex(c->regs[R_DI], ==, 0x8b00);
    g_assert_cmphex(c->regs[R_DX] & 0xff, ==, 1);
    st_free(st);

    /* Real mode: #UD. */
    st = st_new(ST_REAL);
    uint32_t ivt6 = (0x1000u << 16) | 0x100;
    machine_write_phys(st->m, 6 * 4, &ivt6, 4);
    st_exec(st, "lar %ax, %bx\n hlt\n .org 0x100\n mov $0x66, %cx\n hlt");
    g_assert_cmphex(st->c->regs[R_CX] & 0xffff, ==, 0x66);
    st_free(st);
}

/* ---- SMSW/LMSW/CLTS/INVD ---- */

static void test_msw(void)
{
    struct soft_test *st = pm_new(false);
    struct cpu *c = st->c;
    st_exec(st, "smsw %ebx\n smsw (0x40000)\n"
                "mov $0xe, %ax\n lmsw %ax\n smsw %cx\n"  /* sets MP EM TS, PE stays */
                "clts\n smsw %dx\n"
                "xor %eax, %eax\n lmsw %ax\n smsw %si\n"  /* cannot clear PE */
                "wbinvd\n invd\n hlt");
    g_assert_cmphex(c->regs[R_BX], ==, c->cr0 & 0xffffffff);
    g_assert_cmphex(st_rd32(st, 0x40000) & 0xffff, ==, 0x11);
    g_assert_cmphex(c->regs[R_CX] & 0xffff, ==, 0x1f);
    g_assert_cmphex(c->regs[R_DX] & 0xffff, ==, 0x17);
    g_assert_cmphex(c->regs[R_SI] & 0xffff, ==, 0x11);
    st_free(st);

    /* LMSW can enter protected mode from real mode. */
    st = st_new(ST_REAL);
    st_exec(st, "mov $1, %ax\n lmsw %ax\n hlt");
    g_assert_true(st->c->cr0 & CR0_PE);
    st_free(st);

    /* CLTS/LMSW/WBINVD at CPL 3: #GP(0); SMSW is allowed. */
    st = pm_new(false);
    exec_exc(st, TO_RING3_32 "smsw %ax\n clts\n hlt", EX_GP, 0);
    st_free(st);
    st = pm_new(false);
    exec_exc(st, TO_RING3_32 "wbinvd\n hlt", EX_GP, 0);
    st_free(st);
}

/* ---- MSRs, counters, SWAPGS, XGETBV, UD0/UD1 ---- */

static void test_msr(void)
{
    struct soft_test *st = pm_new(true);
    struct cpu *c = st->c;
    st_exec(st, "mov $0xc0000103, %ecx\n mov $0xabcd, %eax\n xor %edx, %edx\n wrmsr\n"
                "mov $0xc0000080, %ecx\n rdmsr\n mov %rax, %rbx\n"
                "mov $0xc0000102, %ecx\n mov $0x5000, %eax\n mov $0xffff8000, %edx\n wrmsr\n"
                "swapgs\n rdtscp\n mov %rcx, %rsi\n"
                "xor %ecx, %ecx\n rdpmc\n mov %rax, %rdi\n hlt");
    g_assert_cmphex(c->regs[R_BX], ==, 0x500);
    g_assert_cmphex(c->regs[R_SI], ==, 0xabcd);
    g_assert_cmphex(c->regs[R_DI], ==, 0);
    g_assert_cmphex(c->seg[S_GS].base, ==, 0xffff800000005000ULL);
    g_assert_cmphex(c->kernel_gs_base, ==, 0);
    st_free(st);

    /* CPUID.(7,0):EDX[29] announces IA32_ARCH_CAPABILITIES, which reads the
     * "not affected" bits (RDCL_NO, SSB_NO, MDS_NO...) and is read-only. */
    st = pm_new(true);
    c = st->c;
    st_exec(st, "mov $7, %eax\n xor %ecx, %ecx\n cpuid\n mov %edx, %esi\n"
                "mov $0x10a, %ecx\n rdmsr\n shl $32, %rdx\n or %rdx, %rax\n mov %rax, %rbx\n hlt");
    g_assert_cmphex(c->regs[R_SI] & (1u << 29), ==, 1u << 29);
    g_assert_cmphex(c->regs[R_BX] & 0x31, ==, 0x31); /* RDCL_NO, SSB_NO, MDS_NO */
    g_assert_cmphex(c->regs[R_BX] & 0x6, ==, 0);     /* no IBRS_ALL, no RSBA */
    st_free(st);
    st = pm_new(true);
    exec_exc(st, "mov $0x10a, %ecx\n xor %eax, %eax\n xor %edx, %edx\n wrmsr\n hlt", EX_GP, 0);
    st_free(st);

    /* Unknown MSR and non-canonical FS base: #GP(0). */
    st = pm_new(true);
    exec_exc(st, "mov $0x12345, %ecx\n rdmsr\n hlt", EX_GP, 0);
    st_free(st);
    st = pm_new(true);
    exec_exc(st, "mov $0xc0000100, %ecx\n xor %eax, %eax\n mov $0x12345678, %edx\n wrmsr\n hlt",
             EX_GP, 0);
    st_free(st);
    /* CPL 3: RDMSR #GP; RDPMC #GP without CR4.PCE, allowed with it. */
    st = pm_new(true);
    exec_exc(st, TO_RING3_64 "xor %ecx, %ecx\n rdmsr\n hlt", EX_GP, 0);
    st_free(st);
    st = pm_new(true);
    exec_exc(st, TO_RING3_64 "xor %ecx, %ecx\n rdpmc\n hlt", EX_GP, 0);
    st_free(st);
    st = pm_new(true);
    exec_exc(st, "mov %cr4, %rax\n or $0x100, %eax\n mov %rax, %cr4\n"
                 TO_RING3_64 "mov $1, %ecx\n rdpmc\n mov $7, %esi\n hlt", EX_GP, 0);
    g_assert_cmphex(st->c->regs[R_SI], ==, 7); /* RDPMC ran; HLT at CPL 3 faulted */
    st_free(st);
    /* SWAPGS outside 64-bit mode: #UD (the 0F 01 F8 encoding). */
    st = pm_new(false);
    exec_exc(st, ".byte 0x0f, 0x01, 0xf8\n hlt", EX_UD, -1);
    st_free(st);
    /* XGETBV with CR4.OSXSAVE clear, MONITOR, UD0, UD1: #UD. */
    static const char *const uds[] = { "xgetbv\n hlt", "monitor\n hlt", ".byte 0x0f, 0xb9, 0xc0\n hlt",
                                       ".byte 0x0f, 0xff, 0xc0\n hlt", "vmcall\n hlt" };
    for (size_t k = 0; k < G_N_ELEMENTS(uds); k++) {
        st = pm_new(false);
        exec_exc(st, uds[k], EX_UD, -1);
        st_free(st);
    }
}

/* ---- SYSCALL/SYSRET, SYSENTER/SYSEXIT ---- */

static void test_syscall_long(void)
{
    struct soft_test *st = pm_new(true);
    struct cpu *c = st->c;
    st_exec(st, "mov $0xc0000080, %ecx\n rdmsr\n or $1, %eax\n wrmsr\n"
                "mov $0xc0000081, %ecx\n xor %eax, %eax\n mov $0x00180008, %edx\n wrmsr\n"
                "mov $0xc0000082, %ecx\n mov $kentry, %eax\n xor %edx, %edx\n wrmsr\n"
                "mov $0xc0000084, %ecx\n mov $0x400, %eax\n wrmsr\n" /* SFMASK: DF */
                "xor %r15, %r15\n"
                TO_RING3_64
                "std\n syscall\n"
                "ret1: mov %cs, %r12\n mov %ss, %r13\n pushf\n pop %rbp\n syscall\n"
                "kentry: mov %cs, %r8\n mov %ss, %r9\n mov %rcx, %r10\n mov %r11, %r14\n"
                "pushf\n pop %rbx\n"
                "inc %r15\n cmp $2, %r15\n je 1f\n sysretq\n 1: hlt");
    g_assert_cmphex(c->regs[R_R8], ==, 0x08);
    g_assert_cmphex(c->regs[R_R9], ==, 0x10);
    g_assert_cmphex(c->regs[R_R12], ==, 0x2b);
    g_assert_cmphex(c->regs[R_R13], ==, 0x23);
    g_assert_cmphex(c->regs[R_BP] & F_DF, ==, F_DF); /* restored from R11 */
    g_assert_cmphex(c->regs[R_BX] & F_DF, ==, 0);    /* masked by SFMASK */
    g_assert_cmphex(c->regs[R_R14] & (F_DF | 2), ==, F_DF | 2);
    g_assert_cmphex(c->cpl, ==, 0);
    g_assert_cmphex(c->regs[R_SP], ==, USER_SP); /* SYSCALL/SYSRET keep RSP */
    st_free(st);

    /* SYSRET to a non-canonical RCX: #GP(0) at CPL 0; without SCE: #UD;
     * at CPL 3: #GP(0). */
    st = pm_new(true);
    exec_exc(st, "mov $0xc0000080, %ecx\n rdmsr\n or $1, %eax\n wrmsr\n"
                 "movabs $0x0000800000000000, %rcx\n sysretq\n hlt", EX_GP, 0);
    g_assert_cmphex(st->c->cpl, ==, 0);
    st_free(st);
    st = pm_new(true);
    exec_exc(st, "syscall\n hlt", EX_UD, -1);
    st_free(st);
    st = pm_new(true);
    exec_exc(st, "mov $0xc0000080, %ecx\n rdmsr\n or $1, %eax\n wrmsr\n"
                 TO_RING3_64 "sysretq\n hlt", EX_GP, 0);
    st_free(st);
}

static void test_syscall_legacy(void)
{
    struct soft_test *st = pm_new(false);
    struct cpu *c = st->c;
    /* Legacy-mode SYSCALL/SYSRET (EFER.SCE): EIP from STAR[31:0]. */
    st_exec(st, "mov $0xc0000080, %ecx\n rdmsr\n or $1, %eax\n wrmsr\n"
                "mov $0xc0000081, %ecx\n mov $kentry, %eax\n mov $0x00180008, %edx\n wrmsr\n"
                TO_RING3_32 "syscall\n"
                "kentry: mov %cs, %ebx\n mov %ss, %esi\n mov %ecx, %edi\n"
                "mov $back, %ecx\n sysret\n"
                "back: mov %cs, %ebp\n mov %ss, %edx\n hlt\n");
    g_assert_cmphex(c->regs[R_BX], ==, 0x08);
    g_assert_cmphex(c->regs[R_SI], ==, 0x10);
    g_assert_cmphex(c->regs[R_BP], ==, 0x1b);
    g_assert_cmphex(c->regs[R_DX], ==, 0x23);
    expect_exc(st, EX_GP, 0); /* the HLT ran at CPL 3 */
    st_free(st);
}

static void test_sysenter(void)
{
    struct soft_test *st = pm_new(true);
    struct cpu *c = st->c;
    st_exec(st, "mov $0x174, %ecx\n mov $8, %eax\n xor %edx, %edx\n wrmsr\n"
                "mov $0x175, %ecx\n mov $0x50000, %eax\n wrmsr\n"
                "mov $0x176, %ecx\n mov $kentry, %eax\n wrmsr\n"
                "mov $user, %edx\n mov $0x60000, %ecx\n sti\n sysexitq\n"
                "user: mov %cs, %r12\n mov %ss, %r13\n mov %rsp, %r14\n sysenter\n"
                "kentry: mov %cs, %r8\n mov %ss, %r9\n mov %rsp, %r10\n pushf\n pop %rbx\n hlt");
    g_assert_cmphex(c->regs[R_R12], ==, 0x2b);
    g_assert_cmphex(c->regs[R_R13], ==, 0x33);
    g_assert_cmphex(c->regs[R_R14], ==, 0x60000);
    g_assert_cmphex(c->regs[R_R8], ==, 0x08);
    g_assert_cmphex(c->regs[R_R9], ==, 0x10);
    g_assert_cmphex(c->regs[R_R10], ==, 0x50000);
    g_assert_cmphex(c->regs[R_BX] & F_IF, ==, 0);
    st_free(st);
    /* SYSENTER_CS = 0: #GP(0). */
    st = pm_new(true);
    exec_exc(st, "sysenter\n hlt", EX_GP, 0);
    st_free(st);

    /* 32-bit protected mode: SYSEXIT to CS = SYSENTER_CS + 16. */
    st = pm_new(false);
    c = st->c;
    st_exec(st, "mov $0x174, %ecx\n mov $8, %eax\n xor %edx, %edx\n wrmsr\n"
                "mov $0x175, %ecx\n mov $0x50000, %eax\n wrmsr\n"
                "mov $0x176, %ecx\n mov $kentry, %eax\n wrmsr\n"
                "mov $user, %edx\n mov $0x60000, %ecx\n sysexit\n"
                "user: mov %cs, %ebx\n mov %ss, %esi\n sysenter\n"
                "kentry: mov %cs, %edi\n mov %esp, %ebp\n hlt");
    g_assert_cmphex(c->regs[R_BX], ==, 0x1b);
    g_assert_cmphex(c->regs[R_SI], ==, 0x23);
    g_assert_cmphex(c->regs[R_DI], ==, 0x08);
    g_assert_cmphex(c->regs[R_BP], ==, 0x50000);
    st_free(st);
}

/* ---- INVLPG ---- */

static void test_invlpg(void)
{
    struct soft_test *st = pm_new(true);
    struct cpu *c = st->c;
    /* Linear 0x200000 through a page table: first to 0x300000, then the
     * guest points the PTE at 0x301000. */
    st_wr64(st, 0x8000, 0x300000 | 3);
    st_wr64(st, 0x3000 + 8, 0x8000 | 7);
    st_wr32(st, 0x300000, 0xaaaa);
    st_wr32(st, 0x301000, 0xbbbb);
    cpu_tlb_flush(c, true);
    st_exec(st, "mov (0x200000), %eax\n"
                "movq $0x301003, (0x8000)\n"
                "mov (0x200000), %ebx\n"
                "invlpg (0x200000)\n"
                "mov (0x200000), %ecx\n hlt");
    g_assert_cmphex(c->regs[R_AX], ==, 0xaaaa);
    /* The software TLB keeps the old translation until INVLPG, as a
     * hardware TLB may (the SDM allows either result here). */
    g_assert_cmphex(c->regs[R_BX], ==, 0xaaaa);
    g_assert_cmphex(c->regs[R_CX], ==, 0xbbbb);
    st_free(st);

    /* INVLPG of any address in a large page drops its other 4 KiB pieces. */
    st = pm_new(true);
    c = st->c;
    st_wr32(st, 0x600000 + 0x3000, 0x1111);
    st_wr32(st, 0x800000 + 0x3000, 0x2222);
    st_exec(st, "mov (0x603000), %eax\n"
                "movq $0x800087, (0x3018)\n" /* PD entry 3: 0x600000 -> 0x800000 */
                "invlpg (0x600000)\n"
                "mov (0x603000), %ebx\n hlt");
    g_assert_cmphex(c->regs[R_AX], ==, 0x1111);
    g_assert_cmphex(c->regs[R_BX], ==, 0x2222);
    st_free(st);

    /* CPL 3: #GP(0). */
    st = pm_new(false);
    exec_exc(st, TO_RING3_32 "invlpg (0x1000)\n hlt", EX_GP, 0);
    st_free(st);
}

/* Code reached through a remapped page: the decoded-block cache and its
 * links must follow the translation.  A CR3 load drops non-global
 * translations, so the next call runs the new page; a global page keeps
 * its translation across CR3 loads (as the software TLB does, and the SDM
 * allows) until CR4.PGE is toggled or INVLPG names it. */
/* Long mode with linear 0x200000 through a page table (at 0x8000) whose
 * PTE the snippet points at 0x300000 ("mov $1, %eax; ret") or 0x301000
 * ("mov $2, %eax; ret"). */
static struct soft_test *remap_new(void)
{
    struct soft_test *st = pm_new(true);
    static const uint8_t one[] = { 0xb8, 1, 0, 0, 0, 0xc3 };
    static const uint8_t two[] = { 0xb8, 2, 0, 0, 0, 0xc3 };
    st_load(st, 0x300000, one, sizeof(one));
    st_load(st, 0x301000, two, sizeof(two));
    st_wr64(st, 0x8000, 0x300000 | 3);
    st_wr64(st, 0x3000 + 8, 0x8000 | 7);
    cpu_tlb_flush(st->c, true);
    return st;
}

static void test_code_remap(void)
{
    struct soft_test *st = remap_new();
    struct cpu *c = st->c;
#define CALL "mov $0x200000, %ecx\n call *%rcx\n"
#define RELOAD_CR3 "mov %cr3, %rdx\n mov %rdx, %cr3\n"
    st_exec(st, CALL "mov %eax, %ebx\n"
                "movq $0x301003, (0x8000)\n" RELOAD_CR3
                CALL "mov %eax, %esi\n"
                "movq $0x300003, (0x8000)\n" RELOAD_CR3
                CALL "hlt");
    g_assert_cmphex(c->regs[R_BX], ==, 1);
    g_assert_cmphex(c->regs[R_SI], ==, 2);
    g_assert_cmphex(c->regs[R_AX], ==, 1);

    st_free(st);

    /* Global (CR4.PGE, PTE.G). */
    st = remap_new();
    c = st->c;
    st_exec(st, "mov %cr4, %rax\n or $0x80, %eax\n mov %rax, %cr4\n"
                "movq $0x300103, (0x8000)\n invlpg (0x200000)\n"
                CALL "mov %eax, %ebx\n"
                "movq $0x301103, (0x8000)\n" RELOAD_CR3
                CALL "mov %eax, %esi\n"
                "mov %cr4, %rax\n and $~0x80, %eax\n mov %rax, %cr4\n"
                "or $0x80, %eax\n mov %rax, %cr4\n"
                CALL "mov %eax, %edi\n"
                "movq $0x300103, (0x8000)\n" RELOAD_CR3
                CALL "mov %eax, %ebp\n"
                "invlpg (0x200000)\n"
                CALL "hlt");
    g_assert_cmphex(c->regs[R_BX], ==, 1);
    g_assert_cmphex(c->regs[R_SI], ==, 1); /* still the global translation */
    g_assert_cmphex(c->regs[R_DI], ==, 2); /* PGE toggled: flushed */
    g_assert_cmphex(c->regs[R_BP], ==, 2);
    g_assert_cmphex(c->regs[R_AX], ==, 1); /* INVLPG */
#undef CALL
#undef RELOAD_CR3
    st_free(st);
}

/* ---- single step ---- */

/* One step the way the run loop does it with EFLAGS.TF set: a fault is
 * delivered like the loop delivers it, otherwise cpu_step_traced runs. */
static void step_one(struct soft_test *st)
{
    struct cpu *c = st->c;
    if (setjmp(c->jmp)) {
        if (c->exc_vec >= 0) {
            c->delivering = true;
            c->delivering_vec = (int)c->exc_vec;
            cpu_deliver(c, (int)c->exc_vec, c->exc_has_err, c->exc_err, false, c->rip);
        }
        c->delivering = false;
        return;
    }
    struct insn i;
    cpu_decode(c, (c->seg[S_CS].base + c->rip) & 0xffffffff, &i);
    cpu_step_traced(c, &i);
}

static void test_single_step(void)
{
    struct soft_test *st = pm_new(false);
    struct cpu *c = st->c;
    st_asm(st, "mov $5, %eax\n mov $6, %ebx\n int $0x40\n mov %eax, %ss\n nop\n ud2\n");
    c->regs[R_SP] = 0x80000;
    c->eflags |= F_TF;
    step_one(st);
    /* #DB after the MOV: the frame points at the next instruction. */
    g_assert_cmphex(c->regs[R_AX], ==, 5);
    g_assert_cmphex(c->rip, ==, STUBS + 8);
    g_assert_cmphex(c->dr[6] & 0x4000, ==, 0x4000);
    g_assert_cmphex(st_rd32(st, 0x80000 - 12), ==, ST_CODE_ADDR + 5);
    g_assert_cmphex(st_rd32(st, 0x80000 - 4) & F_TF, ==, F_TF);
    g_assert_cmphex(c->eflags & F_TF, ==, 0);

    /* INT n with TF: the handler runs, no single-step trap. */
    c->rip = ST_CODE_ADDR + 10;
    c->regs[R_SP] = 0x80000;
    c->eflags |= F_TF;
    step_one(st);
    g_assert_cmphex(c->rip, ==, STUBS + 0x40 * 8);

    /* MOV SS: the trap waits for the next instruction. */
    c->rip = ST_CODE_ADDR + 12;
    c->regs[R_AX] = K_DATA;
    c->regs[R_SP] = 0x80000;
    c->eflags |= F_TF;
    step_one(st);
    g_assert_cmphex(c->rip, ==, ST_CODE_ADDR + 14);
    step_one(st);
    g_assert_cmphex(c->rip, ==, STUBS + 8);
    g_assert_cmphex(st_rd32(st, 0x80000 - 12), ==, ST_CODE_ADDR + 15);

    /* A faulting instruction: the fault, no trap. */
    c->rip = ST_CODE_ADDR + 15;
    c->regs[R_SP] = 0x80000;
    c->eflags |= F_TF;
    step_one(st);
    g_assert_cmphex(c->rip, ==, STUBS + EX_UD * 8);
    st_free(st);
}

/* TF through the run loop: POPF sets TF, every following instruction
 * traps, including the POPF that clears it again (the run loop's TF hook
 * in soft.c calls cpu_step_traced). */
static void test_single_step_loop(void)
{
    struct soft_test *st = pm_new(false);
    struct cpu *c = st->c;
    st_wr64(st, IDT_BASE + 8, st_gate(K_CODE, (uint32_t)ST_CODE_ADDR + 0x100, 0xe, 0, 0));
    st_exec(st, "pushf\n orl $0x100, (%esp)\n popf\n"
                "mov $1, %eax\n mov $2, %ebx\n"
                "pushf\n andl $~0x100, (%esp)\n popf\n"
                "mov $3, %ecx\n hlt\n"
                ".org 0x100\n incl (0x40000)\n iret\n");
    g_assert_cmphex(c->regs[R_CX], ==, 3);
    /* mov, mov, pushf, andl, popf: five traps, none inside the handler. */
    g_assert_cmpuint(st_rd32(st, 0x40000), ==, 5);
    g_assert_cmphex(c->dr[6] & 0x4000, ==, 0x4000);
    st_free(st);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/softcpu/system/real-to-long", test_real_to_long);
    g_test_add_func("/softcpu/system/mov-cr", test_mov_cr);
    g_test_add_func("/softcpu/system/cr8", test_cr8);
    g_test_add_func("/softcpu/system/mov-dr", test_mov_dr);
    g_test_add_func("/softcpu/system/dtables-real", test_dtables_real);
    g_test_add_func("/softcpu/system/dtables-prot", test_dtables_prot);
    g_test_add_func("/softcpu/system/dtables-long", test_dtables_long);
    g_test_add_func("/softcpu/system/ldt-tr", test_ldt_tr);
    g_test_add_func("/softcpu/system/ldt-tr-long", test_ldt_tr_long);
    g_test_add_func("/softcpu/system/verr-verw", test_verr_verw);
    g_test_add_func("/softcpu/system/lar-lsl", test_lar_lsl);
    g_test_add_func("/softcpu/system/msw", test_msw);
    g_test_add_func("/softcpu/system/msr", test_msr);
    g_test_add_func("/softcpu/system/syscall-long", test_syscall_long);
    g_test_add_func("/softcpu/system/syscall-legacy", test_syscall_legacy);
    g_test_add_func("/softcpu/system/sysenter", test_sysenter);
    g_test_add_func("/softcpu/system/invlpg", test_invlpg);
    g_test_add_func("/softcpu/system/code-remap", test_code_remap);
    g_test_add_func("/softcpu/system/single-step", test_single_step);
    g_test_add_func("/softcpu/system/single-step-loop", test_single_step_loop);
    return g_test_run();
}
