/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pm32.S - entry code of the 32-bit protected-mode Multiboot test kernel.
 *
 * Tests hvemu's Multiboot v1 loader (header found in the first 8 KiB,
 * entry in flat 32-bit protected mode with EAX = 0x2BADB002 and EBX =
 * the Multiboot information) and provides what kernel.c needs from
 * assembly: its own GDT, the 256 interrupt stubs, and the real-mode SMP
 * trampoline that brings application processors to protected mode.
 * Nothing left behind by a loader or a BIOS is relied upon.
 */
#include "guest.h"

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
	mov	$bsp_stack_top, %esp
	lgdt	gdt_desc
	ljmp	$KERNEL_CS, $1f
1:	mov	$KERNEL_DS, %ecx
	mov	%ecx, %ds
	mov	%ecx, %es
	mov	%ecx, %fs
	mov	%ecx, %gs
	mov	%ecx, %ss
	pushl	$0			/* EFLAGS = 0: IF, DF, NT, AC clear */
	popfl
	push	%ebx			/* Multiboot information */
	push	%eax			/* Multiboot magic */
	call	kmain
halt:	cli
	hlt
	jmp	halt

/*
 * Interrupt stubs: 256 entries of 16 bytes each at isr_stubs + 16 * vector.
 * Each pushes a dummy error code when the CPU does not push one, then the
 * vector number, and joins isr_common, which builds a struct frame (see
 * kernel.c) and calls isr_dispatch(frame).
 */
	.align	16
	.globl	isr_stubs
isr_stubs:
	.set	vec, 0
	.rept	256
	.align	16
	.if !((vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30))
	pushl	$0
	.endif
	pushl	$vec
	jmp	isr_common
	.set	vec, vec + 1
	.endr

isr_common:
	pushal
	cld
	push	%esp			/* struct frame * */
	call	isr_dispatch
	add	$4, %esp
	popal
	add	$8, %esp		/* vector and error code */
	/*
	 * Return from the interrupt.  This is IRET for a same-privilege
	 * return, spelled out: under the nested kvm_pvm hypervisor used for
	 * testing, 32-bit protected-mode guests run in KVM's instruction
	 * emulator, which does not implement protected-mode IRET (it fails
	 * with "emulation failure").  POPF + far RET is equivalent here:
	 * stack is [EIP][CS][EFLAGS].  IF is restored last with STI, whose
	 * one-instruction interrupt shadow covers the LRET, exactly like
	 * IRET's atomic EFLAGS/CS:EIP reload.
	 */
	pushl	8(%esp)			/* copy of EFLAGS on top */
	btrl	$9, (%esp)		/* clear IF in the copy; CF = saved IF */
	jnc	1f
	popfl
	sti
	lret	$4			/* pop EIP, CS; drop the EFLAGS slot */
1:	popfl
	lret	$4

/*
 * SMP trampoline, copied to TRAMPOLINE_ADDR (4 KiB aligned, < 1 MiB) by
 * kernel.c.  A STARTUP IPI with vector TRAMPOLINE_ADDR >> 12 starts the
 * AP in real mode at CS = TRAMPOLINE_ADDR >> 4, IP = 0, so everything
 * here is addressed relative to ap_trampoline.  It loads the kernel GDT
 * (whose linear address fits in 32 bits), sets CR0.PE and far-jumps to
 * ap_entry32 in the kernel image.
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
	or	$1, %eax
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
	jae	halt			/* more APs than stacks: park it */
	inc	%eax
	shl	$AP_STACK_SHIFT, %eax
	add	$ap_stacks, %eax
	mov	%eax, %esp
	pushl	$0
	popfl
	call	ap_main
	jmp	halt

	.section .rodata, "a"
	.align	8
gdt:
	.quad	0x0000000000000000	/* null */
	.quad	0x00CF9A000000FFFF	/* KERNEL_CS: 32-bit code, base 0, 4 GiB */
	.quad	0x00CF92000000FFFF	/* KERNEL_DS: data, base 0, 4 GiB */
gdt_end:
	.align	4
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	.section .data, "aw"
	.align	4
ap_stack_next:
	.long	0

	.section .stack, "aw", @nobits
	.align	16
	.globl	ap_stacks
ap_stacks:
	.space	(MAX_CPUS - 1) * AP_STACK_SIZE
	.align	16
	.space	BSP_STACK_SIZE
bsp_stack_top:

	.section .note.GNU-stack, "", @progbits
