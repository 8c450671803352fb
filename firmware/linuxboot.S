/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linuxboot.S: hvemu's option ROM that boots a -kernel behind the firmware.
 *
 * With -bios and -kernel, the board serves the kernel through fw_cfg
 * (docs/firmware-contract.md) and this ROM as "genroms/linuxboot.bin".
 * SeaBIOS runs every genroms/ file as a legacy option ROM during POST; this
 * one does nothing at initialisation but declare, in its PnP expansion
 * header (BIOS Boot Specification 1.01, appendix A), a Bootstrap Entry
 * Vector, so the firmware lists "hvemu Linux loader" as a boot device (the
 * board's `bootorder` puts it first).  When the firmware boots it:
 *
 *   1. the real-mode setup code, the protected-mode kernel, the initrd and
 *      the command line are copied to the addresses the board chose
 *      (FW_CFG_SETUP_ADDR, _KERNEL_ADDR, _INITRD_ADDR, _CMDLINE_ADDR),
 *      with fw_cfg DMA: one descriptor per item, built on the stack, so the
 *      ROM needs no big-real mode to reach memory above 1 MiB;
 *   2. the CPU enters the setup code the way the Linux boot protocol's
 *      real-mode entry says (boot.rst: "Running the Kernel"): every segment
 *      register at the setup segment, SP at the top of the heap the board
 *      wrote into the header, far jump to segment + 0x20, offset 0.
 *
 * The board patched the setup header already (loader type, heap end,
 * command-line pointer, initrd address and size), so the ROM only moves
 * bytes.  Runs on any x86 from the 386 on (32-bit registers in real mode).
 *
 * Threat model: runs in the guest with the guest's privileges; it trusts
 * only what hvemu put in fw_cfg. */

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_PORT_DMA_HI 0x514
#define FW_CFG_PORT_DMA_LO 0x518

#define FW_CFG_KERNEL_ADDR 0x07
#define FW_CFG_KERNEL_SIZE 0x08
#define FW_CFG_INITRD_ADDR 0x0a
#define FW_CFG_INITRD_SIZE 0x0b
#define FW_CFG_KERNEL_DATA 0x11
#define FW_CFG_INITRD_DATA 0x12
#define FW_CFG_CMDLINE_ADDR 0x13
#define FW_CFG_CMDLINE_SIZE 0x14
#define FW_CFG_CMDLINE_DATA 0x15
#define FW_CFG_SETUP_ADDR 0x16
#define FW_CFG_SETUP_SIZE 0x17
#define FW_CFG_SETUP_DATA 0x18

#define DMA_CTL_SELECT 0x08
#define DMA_CTL_READ 0x02
#define DMA_CTL_ERROR 0x01

/* Where the setup code's stack starts, relative to the setup segment: the
 * board sets heap_end_ptr to this minus 0x200. */
#define SETUP_STACK_TOP 0xe000

	.code16
	.text
	.globl _start
_start:
	.byte 0x55, 0xaa
	.byte 0                 /* size in 512-byte blocks: set by the board */
	jmp init                /* offset 3: initialisation entry */

	.org 0x18
	.word 0                 /* no PCI data structure: not a PCI ROM */
	.word pnp               /* 0x1a: offset of the PnP expansion header */

	.balign 16
pnp:
	.ascii "$PnP"
	.byte 1                 /* structure revision */
	.byte 2                 /* length in 16-byte units */
	.word 0                 /* next header: none */
	.byte 0
	.byte 0                 /* checksum of these 32 bytes: set by the board */
	.long 0                 /* device identifier */
	.word vendor            /* manufacturer string */
	.word product           /* product name: the boot menu shows it */
	.byte 0, 0, 0           /* device type code */
	.byte 0x14              /* indicators: IPL device, may be shadowed */
	.word 0                 /* boot connection vector: none */
	.word 0                 /* disconnect vector */
	.word bev               /* bootstrap entry vector */
	.word 0
	.word 0                 /* static resource information vector */

vendor:
	.asciz "hvemu"
product:
	.asciz "hvemu Linux loader"

/* Initialisation: nothing to set up; the BEV does the work. */
init:
	lret

/* fw_cfg_read32: EAX = the first 4 bytes of item SI (little-endian), via
 * the selector and data ports.  Clobbers DX, CX. */
fw_cfg_read32:
	mov $FW_CFG_PORT_SEL, %dx
	mov %si, %ax
	out %ax, %dx
	mov $FW_CFG_PORT_DATA, %dx
	mov $4, %cx
1:	in %dx, %al
	ror $8, %eax
	loop 1b
	ret

/* fw_cfg_dma: copy ECX bytes of item SI to physical address EDI with one
 * DMA read.  The 16-byte descriptor (big-endian fields) goes on the stack,
 * its physical address to the DMA ports (high half first; writing the low
 * half starts the transfer, which hvemu completes before the OUT returns).
 * Clobbers EAX, EDX. */
fw_cfg_dma:
	test %ecx, %ecx
	jz 2f
	push %ebp
	mov %sp, %bp
	/* Pushed last field first: the stack grows down. */
	mov %edi, %eax
	bswap %eax
	push %eax               /* address bits 31-0 (big-endian: last) */
	pushl $0                /* address bits 63-32 */
	mov %ecx, %eax
	bswap %eax
	push %eax               /* length */
	movzwl %si, %eax
	shl $16, %eax
	or $(DMA_CTL_SELECT | DMA_CTL_READ), %eax
	bswap %eax
	push %eax               /* control: select SI, read */
	/* The descriptor starts at SS:SP, i.e. physical SS * 16 + SP. */
	movzwl %sp, %edx
	mov %ss, %ax
	movzwl %ax, %eax
	shl $4, %eax
	add %edx, %eax
	push %eax
	mov $FW_CFG_PORT_DMA_HI, %dx
	xor %eax, %eax
	out %eax, %dx
	pop %eax
	bswap %eax
	mov $FW_CFG_PORT_DMA_LO, %dx
	out %eax, %dx
	/* Wait until the device clears the control word (error bit aside). */
1:	mov %ss:-16(%bp), %eax
	bswap %eax
	and $~DMA_CTL_ERROR, %eax
	jnz 1b
	mov %bp, %sp
	pop %ebp
2:	ret

/* load ITEM_ADDR ITEM_SIZE ITEM_DATA: copy one item where the board said. */
.macro load addr_key, size_key, data_key
	mov $\addr_key, %si
	call fw_cfg_read32
	mov %eax, %edi
	mov $\size_key, %si
	call fw_cfg_read32
	mov %eax, %ecx
	mov $\data_key, %si
	call fw_cfg_dma
.endm

/* Bootstrap entry: load everything and enter the kernel's setup code. */
bev:
	cli
	cld
	load FW_CFG_SETUP_ADDR, FW_CFG_SETUP_SIZE, FW_CFG_SETUP_DATA
	load FW_CFG_KERNEL_ADDR, FW_CFG_KERNEL_SIZE, FW_CFG_KERNEL_DATA
	load FW_CFG_INITRD_ADDR, FW_CFG_INITRD_SIZE, FW_CFG_INITRD_DATA
	load FW_CFG_CMDLINE_ADDR, FW_CFG_CMDLINE_SIZE, FW_CFG_CMDLINE_DATA

	mov $FW_CFG_SETUP_ADDR, %si
	call fw_cfg_read32
	shr $4, %eax            /* the setup segment */
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
	mov $SETUP_STACK_TOP, %sp
	add $0x20, %ax
	push %ax
	push $0
	lret
