/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lm64.S - entry code of the long-mode (x86-64) Multiboot test kernel.
 *
 * Tests that a guest can go from the Multiboot 32-bit protected-mode
 * entry state to 64-bit long mode on hvemu: PAE paging with 4-level
 * tables identity-mapping the first 4 GiB in 2 MiB pages, EFER.LME,
 * CR0.PG and a far jump to a 64-bit code segment (Intel SDM vol. 3,
 * "Initializing IA-32e Mode").  Application processors do the same from
 * the real-mode SMP trampoline.  Also provides the 64-bit interrupt stubs.
 *
 * The file is assembled as a 64-bit object; the 16- and 32-bit parts use
 * .code16/.code32.  The linked ELF64 image is converted to an ELF32
 * container (objcopy -O elf32-i386) because Multiboot v1 loaders --
 * QEMU's and hvemu's -- take 32-bit ELF files; all addresses are below
 * 4 GiB so nothing is lost.
 */
#include "guest.h"

#define MSR_EFER	0xC0000080
#define EFER_LME	(1 << 8)
#define CR0_PE		(1 << 0)
#define CR0_PG		(1 << 31)
#define CR4_PAE		(1 << 5)

/* PAE, CR3, EFER.LME, CR0.PG, then a far jump to 64-bit code. */
	.macro	ENTER_LONG_MODE target
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$pml4, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	or	$(CR0_PG | CR0_PE), %eax
	mov	%eax, %cr0
	ljmp	$KERNEL_CS64, $\target
	.endm

	.section .multiboot, "a"
	.align	4
multiboot_header:
	.long	MB_HEADER_MAGIC
	.long	MB_HEADER_FLAGS
	.long	-(MB_HEADER_MAGIC + MB_HEADER_FLAGS)

	.section .text, "ax"
	.code32
	.globl	_start
_start:
	cli
	cld
	mov	%eax, %ebp		/* Multiboot magic (kept until kmain) */
					/* %ebx: Multiboot info (kept too) */
	mov	$bsp_stack_top, %esp
	lgdt	gdt_desc
	ljmp	$KERNEL_CS, $1f
1:	mov	$KERNEL_DS, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %fs
	mov	%eax, %gs
	mov	%eax, %ss
	pushl	$0
	popfl

	/*
	 * Page tables (in .bss, 4 KiB aligned): PML4[0] -> PDPT,
	 * PDPT[0..3] -> PD0..PD3, PDn[i] = 2 MiB page (n * 512 + i) << 21.
	 * The 4th GiB (MMIO: LAPIC, IOAPIC, ROM) is mapped uncached.
	 * Every entry is written in full, so the tables do not depend on
	 * the loader having zeroed .bss.
	 */
	mov	$pml4, %edi
	xor	%eax, %eax
	mov	$(2 * 4096 / 4), %ecx	/* PML4 and PDPT are contiguous */
	rep stosl
	mov	$pdpt, %eax
	or	$0x3, %eax		/* present, writable */
	mov	%eax, pml4
	mov	$pdpt, %edi
	mov	$pd, %eax
	or	$0x3, %eax
	xor	%ecx, %ecx
2:	mov	%eax, (%edi,%ecx,8)
	add	$4096, %eax
	inc	%ecx
	cmp	$4, %ecx
	jb	2b
	mov	$pd, %edi
	xor	%ecx, %ecx		/* 2 MiB page number, 0..2047 */
3:	mov	%ecx, %eax
	shl	$21, %eax
	or	$0x83, %eax		/* present, writable, PS */
	cmp	$1536, %ecx
	jb	4f
	or	$0x18, %eax		/* PWT | PCD above 3 GiB */
4:	mov	%eax, (%edi,%ecx,8)
	movl	$0, 4(%edi,%ecx,8)
	inc	%ecx
	cmp	$2048, %ecx
	jb	3b

	ENTER_LONG_MODE lm_entry

	.code64
lm_entry:
	mov	$KERNEL_DS, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %fs
	mov	%eax, %gs
	mov	%eax, %ss
	mov	$bsp_stack_top, %rsp
	mov	%ebp, %edi		/* zero-extends: magic */
	mov	%ebx, %esi		/* zero-extends: info pointer */
	call	kmain
halt:	cli
	hlt
	jmp	halt

/*
 * Interrupt stubs: 256 entries of 16 bytes at isr_stubs + 16 * vector,
 * pushing a dummy error code where the CPU pushes none, then the vector.
 * isr_common saves all 15 general registers; with the 16-byte aligned
 * interrupt frame (SS, RSP, RFLAGS, CS, RIP, error, vector = 7 slots +
 * 15 registers = 176 bytes) the stack is 16-byte aligned at the call.
 */
	.align	16
	.globl	isr_stubs
isr_stubs:
	.set	vec, 0
	.rept	256
	.align	16
	.if !((vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30))
	pushq	$0
	.endif
	pushq	$vec
	jmp	isr_common
	.set	vec, vec + 1
	.endr

isr_common:
	push	%rax
	push	%rcx
	push	%rdx
	push	%rbx
	push	%rbp
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	cld
	mov	%rsp, %rdi		/* struct frame * */
	call	isr_dispatch
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rbp
	pop	%rbx
	pop	%rdx
	pop	%rcx
	pop	%rax
	add	$16, %rsp		/* vector and error code */
	iretq

/*
 * SMP trampoline, copied to TRAMPOLINE_ADDR by kernel.c; the STARTUP IPI
 * starts it at CS = TRAMPOLINE_ADDR >> 4, IP = 0.  Real mode -> 32-bit
 * protected mode (kernel GDT) -> ap_entry32 -> long mode -> ap_entry64.
 */
	.code16
	.globl	ap_trampoline, ap_trampoline_end
ap_trampoline:
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	lgdtl	ap_gdt_desc - ap_trampoline
	mov	%cr0, %eax
	or	$CR0_PE, %eax
	mov	%eax, %cr0
	ljmpl	$KERNEL_CS, $ap_entry32
	.align	4
ap_gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
ap_trampoline_end:

	.code32
ap_entry32:
	mov	$KERNEL_DS, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %fs
	mov	%eax, %gs
	mov	%eax, %ss
	/* take a private stack: index = ap_stack_next++ (atomically) */
	mov	$1, %eax
	lock xaddl %eax, ap_stack_next
	cmp	$(MAX_CPUS - 1), %eax
	jae	ap_park32		/* more APs than stacks */
	inc	%eax
	shl	$AP_STACK_SHIFT, %eax
	add	$ap_stacks, %eax
	mov	%eax, %esp
	pushl	$0
	popfl
	ENTER_LONG_MODE ap_entry64
ap_park32:
	cli
	hlt
	jmp	ap_park32

	.code64
ap_entry64:
	mov	$KERNEL_DS, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %fs
	mov	%eax, %gs
	mov	%eax, %ss
	mov	%esp, %esp		/* zero-extend the 32-bit stack pointer */
	call	ap_main
	jmp	halt

	.section .rodata, "a"
	.align	8
gdt:
	.quad	0x0000000000000000	/* null */
	.quad	0x00CF9A000000FFFF	/* KERNEL_CS: 32-bit code, base 0, 4 GiB */
	.quad	0x00CF92000000FFFF	/* KERNEL_DS: data, base 0, 4 GiB */
	.quad	0x00AF9A000000FFFF	/* KERNEL_CS64: 64-bit code (L = 1) */
gdt_end:
	.align	4
gdt_desc:				/* 6 bytes used in 32-bit mode */
	.word	gdt_end - gdt - 1
	.quad	gdt

	.section .data, "aw"
	.align	4
ap_stack_next:
	.long	0

	.section .bss, "aw", @nobits
	.align	4096
pml4:
	.space	4096
pdpt:
	.space	4096
pd:
	.space	4 * 4096

	.section .stack, "aw", @nobits
	.align	16
	.globl	ap_stacks
ap_stacks:
	.space	(MAX_CPUS - 1) * AP_STACK_SIZE
	.align	16
	.space	BSP_STACK_SIZE
bsp_stack_top:

	.section .note.GNU-stack, "", @progbits
