/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * realmode.S - a 64 KiB "BIOS" image that tests hvemu's reset state and the
 * legacy PC devices from real mode, with no firmware at all.
 *
 * Why: the first thing any PC guest (SeaBIOS, a boot loader, DOS) relies on
 * is that the CPU starts at F000:FFF0 with the ROM mapped at the top of
 * 4 GiB and aliased at 0xF0000, that the ROM is read-only, and that the
 * 16550 UART, MC146818 RTC/CMOS, 8259A PIC pair, 8254 PIT, fw_cfg and
 * isa-debug-exit respond at their usual ports.  This image checks exactly
 * that, one line per check:
 *
 *   ok <check>            the check passed
 *   FAIL <check> <info>   the check failed
 *   DONE                  last line, then an exit through isa-debug-exit
 *                         (port 0xF4): 0x00 when all passed (QEMU/hvemu
 *                         exit status 1), 0x01 otherwise (status 3).
 *
 * Invariants: DS = ES = SS = 0 throughout (RAM variables live at 0x500,
 * the stack top is 0x7000); ROM data (strings) is read through a CS
 * override since CS = 0xF000.  Interrupts are only ever enabled inside
 * "sti; hlt" wait loops.  The one exception to "real mode only" is a short
 * excursion to 32-bit protected mode (pm_excursion) to put the local APIC
 * in virtual-wire mode, as PC firmware does, and to look at the ROM
 * through its top-of-4GiB address.
 *
 * Assembled with GNU as (.code16) and linked with realmode.ld so that the
 * offsets of the symbols are offsets inside segment F000.
 */

#define COM1        0x3F8
#define UART_THR    (COM1 + 0)
#define UART_DLL    (COM1 + 0)
#define UART_IER    (COM1 + 1)
#define UART_DLM    (COM1 + 1)
#define UART_FCR    (COM1 + 2)
#define UART_LCR    (COM1 + 3)
#define UART_MCR    (COM1 + 4)
#define UART_LSR    (COM1 + 5)
#define LSR_THRE    0x20
#define LSR_TEMT    0x40

#define FW_CFG_SEL  0x510
#define FW_CFG_DATA 0x511
#define DEBUG_EXIT  0xF4

#define STACK_TOP   0x7000

/* RAM variables (segment 0) */
#define V_FAILED    0x500   /* byte: set once any check failed */
#define V_PIT_TICKS 0x502   /* word: IRQ0 count */
#define V_RTC_TICKS 0x504   /* word: IRQ8 count */
#define V_SOFT_INT  0x506   /* word: software interrupt 0x60 count */
#define V_RTC_SEC   0x508   /* bytes: RTC fields after BCD conversion */
#define V_RTC_MIN   0x509
#define V_RTC_HOUR  0x50A
#define V_RTC_DAY   0x50B
#define V_RTC_MON   0x50C
#define V_RTC_YEAR  0x50D
#define V_RTC_CENT  0x50E
#define V_RTC_REGB  0x50F
#define V_PIT_L0    0x510   /* word: first PIT latch */
#define V_PIT_L1    0x512   /* word: second PIT latch */
#define V_FWBUF     0x520   /* 4 bytes read from fw_cfg */
#define V_ALIAS_OK  0x524   /* byte: top-of-4GiB ROM matches the 0xF0000 alias */
#define V_ROM4G     0x525   /* byte: ROM probe at 0xFFFF0000+ after a write */
#define V_GDT       0x540   /* RAM copy of rm_gdt (40 bytes) */
#define V_GDTDESC   0x568   /* its 6-byte GDTR image */
#define V_END       0x570

#define PIT_DIVISOR 1193    /* 1193182 Hz / 1193 = ~1000 Hz */
#define PIT_WANT    20
#define RTC_WANT    5

	.code16
	.section .text, "ax"

	.globl start
start:
	cli
	cld
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$STACK_TOP, %sp

	/* zero the RAM variables: nothing is assumed about RAM contents */
	mov	$0x500, %di
	mov	$(V_END - 0x500) / 2, %cx
	rep stosw

	call	serial_init
	mov	$msg_banner, %si
	call	puts

	call	ivt_init
	call	test_soft_int
	call	pm_excursion
	call	test_rom_alias
	call	test_rtc_read
	call	pic_init
	call	test_pit
	call	test_rtc_irq
	call	test_outsb
	call	test_fw_cfg
	call	test_rom_readonly

	mov	$msg_done, %si
	call	puts
	mov	V_FAILED, %al		/* 0 = all passed, 1 = something failed */
	out	%al, $DEBUG_EXIT
halt_forever:
	cli
	hlt
	jmp	halt_forever

/* ------------------------------------------------------------------ */
/* 16550 UART                                                          */
/* ------------------------------------------------------------------ */

serial_init:
	mov	$UART_IER, %dx		/* no UART interrupts */
	xor	%al, %al
	out	%al, %dx
	mov	$UART_LCR, %dx		/* DLAB = 1 */
	mov	$0x80, %al
	out	%al, %dx
	mov	$UART_DLL, %dx		/* divisor 1 = 115200 baud */
	mov	$1, %al
	out	%al, %dx
	mov	$UART_DLM, %dx
	xor	%al, %al
	out	%al, %dx
	mov	$UART_LCR, %dx		/* DLAB = 0, 8 data bits, no parity, 1 stop */
	mov	$0x03, %al
	out	%al, %dx
	mov	$UART_FCR, %dx		/* enable and clear both FIFOs */
	mov	$0x07, %al
	out	%al, %dx
	mov	$UART_MCR, %dx		/* DTR | RTS */
	mov	$0x03, %al
	out	%al, %dx
	ret

/* Wait (bounded) until the LSR bits in %ah are all set.  Clobbers nothing. */
uart_wait:
	push	%ax
	push	%cx
	push	%dx
	mov	$UART_LSR, %dx
	mov	$0xFFFF, %cx
1:	in	%dx, %al
	and	%ah, %al
	cmp	%ah, %al
	je	2f
	loop	1b
2:	pop	%dx
	pop	%cx
	pop	%ax
	ret

/* putc: %al = byte; a '\n' is sent as "\r\n". */
putc:
	cmp	$'\n', %al
	jne	putc_raw
	push	%ax
	mov	$'\r', %al
	call	putc_raw
	pop	%ax
putc_raw:
	push	%ax
	push	%dx
	push	%ax
	mov	$LSR_THRE, %ah
	call	uart_wait
	pop	%ax
	mov	$UART_THR, %dx
	out	%al, %dx
	pop	%dx
	pop	%ax
	ret

/* puts: %cs:%si = NUL-terminated string in ROM */
puts:
	push	%ax
	push	%si
1:	lods	%cs:(%si), %al
	test	%al, %al
	jz	2f
	call	putc
	jmp	1b
2:	pop	%si
	pop	%ax
	ret

newline:
	push	%ax
	mov	$'\n', %al
	call	putc
	pop	%ax
	ret

space:
	push	%ax
	mov	$' ', %al
	call	putc
	pop	%ax
	ret

/* print_hex8: %al as two hex digits */
print_hex8:
	push	%ax
	push	%ax
	shr	$4, %al
	call	print_nibble
	pop	%ax
	call	print_nibble
	pop	%ax
	ret

print_nibble:
	push	%ax
	and	$0x0F, %al
	cmp	$10, %al
	jb	1f
	add	$('a' - '0' - 10), %al
1:	add	$'0', %al
	call	putc
	pop	%ax
	ret

/* print_hex16: %ax as four hex digits */
print_hex16:
	push	%ax
	xchg	%al, %ah
	call	print_hex8
	xchg	%al, %ah
	call	print_hex8
	pop	%ax
	ret

/* print_dec: %ax as unsigned decimal */
print_dec:
	push	%ax
	push	%bx
	push	%cx
	push	%dx
	mov	$10, %bx
	xor	%cx, %cx
1:	xor	%dx, %dx
	div	%bx
	push	%dx
	inc	%cx
	test	%ax, %ax
	jnz	1b
2:	pop	%ax
	add	$'0', %al
	call	putc
	loop	2b
	pop	%dx
	pop	%cx
	pop	%bx
	pop	%ax
	ret

/* print_dec2: %al (0..99) as exactly two decimal digits */
print_dec2:
	push	%ax
	push	%bx
	xor	%ah, %ah
	mov	$10, %bl
	div	%bl			/* %al = tens, %ah = units */
	add	$'0', %al
	call	putc
	mov	%ah, %al
	add	$'0', %al
	call	putc
	pop	%bx
	pop	%ax
	ret

/* report_ok: %cs:%si = check name; prints "ok <name>\n" */
report_ok:
	push	%si
	mov	$msg_ok, %si
	call	puts
	pop	%si
	call	puts
	jmp	newline

/* report_fail: %cs:%si = check name; prints "FAIL <name> " (no newline:
 * the caller adds details and the newline) and records the failure. */
report_fail:
	movb	$1, V_FAILED
	push	%si
	mov	$msg_fail, %si
	call	puts
	pop	%si
	call	puts
	jmp	space

/* ------------------------------------------------------------------ */
/* Interrupt vector table                                              */
/* ------------------------------------------------------------------ */

/* set_vector: %bx = vector number, %ax = handler offset in segment F000 */
set_vector:
	push	%bx
	shl	$2, %bx
	mov	%ax, (%bx)
	movw	$0xF000, 2(%bx)
	pop	%bx
	ret

ivt_init:
	/* every vector first points at a plain iret */
	xor	%bx, %bx
	mov	$default_isr, %ax
1:	call	set_vector
	inc	%bx
	cmp	$256, %bx
	jb	1b
	/* master PIC vectors 0x08-0x0F and slave vectors 0x70-0x77 get a
	 * handler that acknowledges the PIC, so a stray IRQ cannot wedge it */
	mov	$0x08, %bx
	mov	$master_irq_isr, %ax
2:	call	set_vector
	inc	%bx
	cmp	$0x10, %bx
	jb	2b
	mov	$0x70, %bx
	mov	$slave_irq_isr, %ax
3:	call	set_vector
	inc	%bx
	cmp	$0x78, %bx
	jb	3b
	/* the interrupts under test */
	mov	$0x08, %bx
	mov	$irq0_isr, %ax
	call	set_vector
	mov	$0x70, %bx
	mov	$irq8_isr, %ax
	call	set_vector
	mov	$0x60, %bx
	mov	$soft_int_isr, %ax
	call	set_vector
	ret

default_isr:
	iret

master_irq_isr:
	push	%ax
	mov	$0x20, %al		/* non-specific EOI */
	out	%al, $0x20
	pop	%ax
	iret

slave_irq_isr:
	push	%ax
	mov	$0x20, %al
	out	%al, $0xA0
	out	%al, $0x20
	pop	%ax
	iret

irq0_isr:
	push	%ax
	push	%ds
	xor	%ax, %ax
	mov	%ax, %ds
	incw	V_PIT_TICKS
	mov	$0x20, %al
	out	%al, $0x20
	pop	%ds
	pop	%ax
	iret

irq8_isr:
	push	%ax
	push	%ds
	xor	%ax, %ax
	mov	%ax, %ds
	mov	$0x0C, %al		/* reading register C acknowledges the RTC */
	out	%al, $0x70
	in	$0x71, %al
	incw	V_RTC_TICKS
	mov	$0x20, %al
	out	%al, $0xA0		/* EOI slave, then master (cascade) */
	out	%al, $0x20
	pop	%ds
	pop	%ax
	iret

soft_int_isr:
	push	%ds
	push	%ax
	xor	%ax, %ax
	mov	%ax, %ds
	incw	V_SOFT_INT
	pop	%ax
	pop	%ds
	iret

test_soft_int:
	int	$0x60
	int	$0x60
	mov	$name_soft_int, %si
	cmpw	$2, V_SOFT_INT
	jne	1f
	jmp	report_ok
1:	call	report_fail
	mov	V_SOFT_INT, %ax
	call	print_dec
	jmp	newline

/* ------------------------------------------------------------------ */
/* Protected-mode excursion: local APIC virtual-wire mode, 4 GiB alias */
/* ------------------------------------------------------------------ */

/*
 * After reset the local APIC is hardware-enabled but software-disabled,
 * and all its LVT entries are masked, so the 8259's INTR (wired to LINT0)
 * never reaches the CPU.  A PC BIOS therefore puts the APIC in
 * "virtual wire" mode: SVR enabled, LINT0 = ExtINT, LINT1 = NMI.  The
 * APIC registers live at 0xFEE00000, out of reach of real-mode
 * addressing, so -- as firmware does -- switch briefly to 32-bit protected
 * mode with flat segments, program it, and come back to real mode.  While
 * there, also compare the ROM at the top of 4 GiB with its 0xF0000 alias
 * and try to write to it (the write must be dropped).
 *
 * Only ordinary PE transitions are used (no "unreal mode" tricks): every
 * segment register is reloaded with a 64 KiB, base-0 descriptor before
 * CR0.PE is cleared.
 */
#define LAPIC_SVR    0xFEE000F0
#define LAPIC_LINT0  0xFEE00350
#define LAPIC_LINT1  0xFEE00360
#define ROM_BASE     0xF0000
#define ROM_4G       0xFFFF0000

pm_excursion:
	cli
	/*
	 * The GDT is copied to RAM first: the nested kvm_pvm hypervisor used
	 * for testing cannot fetch segment descriptors from a read-only
	 * (ROM) memory slot and spins on the far jump below.  Real firmware
	 * may keep its GDT in ROM; this guest deliberately does not need it.
	 */
	mov	$rm_gdt, %si
	mov	$V_GDT, %di
	mov	$(rm_gdt_end - rm_gdt), %cx
	rep movsb %cs:(%si), %es:(%di)
	movw	$(rm_gdt_end - rm_gdt - 1), V_GDTDESC
	movl	$V_GDT, V_GDTDESC + 2
	lgdtl	V_GDTDESC
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0
	ljmpl	$0x08, $(ROM_BASE + pm32_part)

	.code32
pm32_part:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	movl	$0x000001FF, LAPIC_SVR		/* APIC on, spurious vector 0xFF */
	movl	$0x00000700, LAPIC_LINT0	/* ExtINT, edge, unmasked */
	movl	$0x00000400, LAPIC_LINT1	/* NMI */

	/* the last 16 bytes (reset vector) must be identical in both places */
	movb	$1, V_ALIAS_OK
	mov	$ROM_BASE + 0xFFF0, %esi
	mov	$ROM_4G + 0xFFF0, %edi
	mov	$4, %ecx
	repe cmpsl
	je	1f
	movb	$0, V_ALIAS_OK
1:	movb	$0xA5, ROM_4G + rom_probe	/* must be dropped */
	mov	ROM_4G + rom_probe, %al
	mov	%al, V_ROM4G

	ljmp	$0x18, $pm16_part		/* 16-bit code, base 0xF0000 */

	.code16
pm16_part:
	mov	$0x20, %ax			/* 16-bit data, base 0, 64 KiB */
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %fs
	mov	%ax, %gs
	mov	%ax, %ss
	mov	%cr0, %eax
	and	$~1, %eax
	mov	%eax, %cr0
	ljmp	$0xF000, $rm_again
rm_again:
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %fs
	mov	%ax, %gs
	mov	%ax, %ss
	ret

test_rom_alias:
	mov	$name_rom_alias, %si
	cmpb	$1, V_ALIAS_OK
	jne	1f
	jmp	report_ok
1:	call	report_fail
	mov	$msg_alias, %si
	call	puts
	jmp	newline

/* ------------------------------------------------------------------ */
/* MC146818 RTC / CMOS                                                 */
/* ------------------------------------------------------------------ */

/* cmos_read: %al = register -> %al = value (interrupts are off here) */
cmos_read:
	out	%al, $0x70
	in	$0x71, %al
	ret

/* cmos_write: %al = register, %ah = value */
cmos_write:
	out	%al, $0x70
	mov	%ah, %al
	out	%al, $0x71
	ret

/* bcd_fix: convert %al from BCD unless register B says binary (DM bit 2) */
bcd_fix:
	testb	$0x04, V_RTC_REGB
	jnz	1f
	push	%bx
	mov	%al, %bl
	and	$0x0F, %bl
	shr	$4, %al
	mov	$10, %bh
	mul	%bh			/* %ax = tens * 10 */
	add	%bl, %al
	pop	%bx
1:	ret

test_rtc_read:
	/* wait (bounded) for "update in progress" (register A bit 7) to clear,
	 * after which the time registers are stable for at least 244 us */
	mov	$1000000, %ecx
1:	mov	$0x0A, %al
	call	cmos_read
	test	$0x80, %al
	jz	2f
	dec	%ecx
	jnz	1b
	mov	$name_rtc, %si
	call	report_fail
	mov	$msg_uip, %si
	call	puts
	jmp	newline
2:	mov	$0x0B, %al
	call	cmos_read
	mov	%al, V_RTC_REGB
	mov	$0x00, %al
	call	cmos_read
	call	bcd_fix
	mov	%al, V_RTC_SEC
	mov	$0x02, %al
	call	cmos_read
	call	bcd_fix
	mov	%al, V_RTC_MIN
	mov	$0x04, %al
	call	cmos_read
	mov	%al, %bl		/* keep the 12-hour PM flag (bit 7) */
	and	$0x7F, %al
	call	bcd_fix
	testb	$0x02, V_RTC_REGB	/* 24-hour mode? */
	jnz	3f
	cmp	$12, %al		/* 12-hour mode: 12 AM = 0, 12 PM = 12 */
	jne	4f
	xor	%al, %al
4:	test	$0x80, %bl
	jz	3f
	add	$12, %al
3:	mov	%al, V_RTC_HOUR
	mov	$0x07, %al
	call	cmos_read
	call	bcd_fix
	mov	%al, V_RTC_DAY
	mov	$0x08, %al
	call	cmos_read
	call	bcd_fix
	mov	%al, V_RTC_MON
	mov	$0x09, %al
	call	cmos_read
	call	bcd_fix
	mov	%al, V_RTC_YEAR
	mov	$0x32, %al		/* century byte used by PC firmware */
	call	cmos_read
	call	bcd_fix
	cmp	$19, %al
	jb	5f
	cmp	$21, %al
	jbe	6f
5:	mov	$20, %al		/* implausible century: assume 20xx */
6:	mov	%al, V_RTC_CENT

	/* "RTC yyyy-mm-dd hh:mm:ss" */
	mov	$msg_rtc, %si
	call	puts
	movzbw	V_RTC_CENT, %ax
	mov	$100, %bl
	mul	%bl
	movzbw	V_RTC_YEAR, %bx
	add	%bx, %ax
	call	print_dec
	mov	$'-', %al
	call	putc
	mov	V_RTC_MON, %al
	call	print_dec2
	mov	$'-', %al
	call	putc
	mov	V_RTC_DAY, %al
	call	print_dec2
	call	space
	mov	V_RTC_HOUR, %al
	call	print_dec2
	mov	$':', %al
	call	putc
	mov	V_RTC_MIN, %al
	call	print_dec2
	mov	$':', %al
	call	putc
	mov	V_RTC_SEC, %al
	call	print_dec2
	call	newline

	/* sanity of the fields */
	mov	$name_rtc, %si
	cmpb	$59, V_RTC_SEC
	ja	7f
	cmpb	$59, V_RTC_MIN
	ja	7f
	cmpb	$23, V_RTC_HOUR
	ja	7f
	cmpb	$1, V_RTC_DAY
	jb	7f
	cmpb	$31, V_RTC_DAY
	ja	7f
	cmpb	$1, V_RTC_MON
	jb	7f
	cmpb	$12, V_RTC_MON
	ja	7f
	cmpb	$99, V_RTC_YEAR
	ja	7f
	jmp	report_ok
7:	call	report_fail
	mov	$msg_badfield, %si
	call	puts
	mov	V_RTC_REGB, %al
	call	print_hex8
	jmp	newline

/* ------------------------------------------------------------------ */
/* 8259A PIC pair and 8254 PIT                                         */
/* ------------------------------------------------------------------ */

pic_init:
	mov	$0x11, %al		/* ICW1: edge, cascade, ICW4 needed */
	out	%al, $0x20
	out	%al, $0xA0
	mov	$0x08, %al		/* ICW2: master vectors 0x08-0x0F */
	out	%al, $0x21
	mov	$0x70, %al		/* ICW2: slave vectors 0x70-0x77 */
	out	%al, $0xA1
	mov	$0x04, %al		/* ICW3: slave on master IR2 */
	out	%al, $0x21
	mov	$0x02, %al		/* ICW3: slave identity 2 */
	out	%al, $0xA1
	mov	$0x01, %al		/* ICW4: 8086 mode, normal EOI */
	out	%al, $0x21
	out	%al, $0xA1
	mov	$0xFF, %al		/* OCW1: everything masked for now */
	out	%al, $0x21
	out	%al, $0xA1
	ret

/* pit_latch: latch and read PIT channel 0 count -> %ax */
pit_latch:
	mov	$0x00, %al		/* counter latch command, channel 0 */
	out	%al, $0x43
	in	$0x40, %al
	mov	%al, %ah
	in	$0x40, %al
	xchg	%al, %ah
	ret

test_pit:
	mov	$0x34, %al		/* channel 0, lobyte/hibyte, mode 2, binary */
	out	%al, $0x43
	mov	$(PIT_DIVISOR & 0xFF), %al
	out	%al, $0x40
	mov	$(PIT_DIVISOR >> 8), %al
	out	%al, $0x40

	/* the count must be readable with the latch command and must move */
	call	pit_latch
	mov	%ax, V_PIT_L0
	mov	$200000, %ecx
1:	dec	%ecx
	jnz	1b
	call	pit_latch
	mov	%ax, V_PIT_L1
	mov	$name_pit_latch, %si
	mov	V_PIT_L0, %ax
	cmp	$PIT_DIVISOR, %ax
	ja	2f
	cmp	V_PIT_L1, %ax
	je	2f
	cmpw	$PIT_DIVISOR, V_PIT_L1
	ja	2f
	call	report_ok
	jmp	3f
2:	call	report_fail
	mov	V_PIT_L0, %ax
	call	print_hex16
	call	space
	mov	V_PIT_L1, %ax
	call	print_hex16
	call	newline

3:	/* count IRQ0 through the master PIC */
	mov	$0xFE, %al
	out	%al, $0x21
4:	cli
	cmpw	$PIT_WANT, V_PIT_TICKS
	jae	5f
	sti
	hlt				/* the sti shadow makes sti;hlt atomic */
	jmp	4b
5:	mov	$0xFF, %al
	out	%al, $0x21
	mov	$name_pit, %si
	jmp	report_ok

test_rtc_irq:
	mov	$0x0A, %al		/* divider on (32.768 kHz), rate 6 = 1024 Hz */
	mov	$0x26, %ah
	call	cmos_write
	mov	$0x0B, %al
	call	cmos_read
	or	$0x40, %al		/* PIE */
	mov	%al, %ah
	mov	$0x0B, %al
	call	cmos_write
	mov	$0x0C, %al		/* clear anything pending */
	call	cmos_read
	mov	$0xFB, %al		/* master: only IR2 (cascade) */
	out	%al, $0x21
	mov	$0xFE, %al		/* slave: only IR0 (= IRQ8) */
	out	%al, $0xA1
1:	cli
	cmpw	$RTC_WANT, V_RTC_TICKS
	jae	2f
	sti
	hlt
	jmp	1b
2:	mov	$0xFF, %al
	out	%al, $0x21
	out	%al, $0xA1
	mov	$0x0B, %al
	call	cmos_read
	and	$~0x40, %al
	mov	%al, %ah
	mov	$0x0B, %al
	call	cmos_write
	mov	$0x0C, %al
	call	cmos_read
	mov	$name_rtc_irq, %si
	jmp	report_ok

/* ------------------------------------------------------------------ */
/* String PIO                                                          */
/* ------------------------------------------------------------------ */

/*
 * rep outsb the ROM message to the UART.  With FCR = 0x07 the 16550A
 * holds 16 bytes, so the message goes out in bursts of at most 16 bytes,
 * each started only once the transmitter is completely empty (LSR TEMT).
 * The message is itself the "ok rep-outsb ..." line, so a broken string
 * PIO shows as a garbled or missing line.
 */
test_outsb:
	mov	$msg_outsb, %si
	mov	$(msg_outsb_end - msg_outsb), %bx
1:	mov	$(LSR_THRE | LSR_TEMT), %ah
	call	uart_wait
	mov	%bx, %cx
	cmp	$16, %cx
	jbe	2f
	mov	$16, %cx
2:	sub	%cx, %bx
	mov	$UART_THR, %dx
	rep outsb %cs:(%si), (%dx)
	test	%bx, %bx
	jnz	1b
	ret

/* fw_cfg: select key 0x0000 (signature) and rep insb 4 bytes -> "QEMU" */
test_fw_cfg:
	mov	$FW_CFG_SEL, %dx
	xor	%ax, %ax
	out	%ax, %dx
	mov	$FW_CFG_DATA, %dx
	mov	$V_FWBUF, %di
	mov	$4, %cx
	rep insb (%dx), %es:(%di)
	mov	$name_fw_cfg, %si
	mov	$sig_qemu, %bx
	xor	%di, %di
1:	mov	V_FWBUF(%di), %al
	cmp	%cs:(%bx,%di), %al
	jne	2f
	inc	%di
	cmp	$4, %di
	jb	1b
	jmp	report_ok
2:	call	report_fail
	mov	$msg_got, %si
	call	puts
	xor	%di, %di
3:	call	space
	mov	V_FWBUF(%di), %al
	call	print_hex8
	inc	%di
	cmp	$4, %di
	jb	3b
	jmp	newline

/* ------------------------------------------------------------------ */
/* ROM must be read-only                                               */
/* ------------------------------------------------------------------ */

test_rom_readonly:
	movb	$0xA5, %cs:rom_probe	/* write to F000:rom_probe (0xF0000 alias) */
	mov	%cs:rom_probe, %al
	mov	$name_rom, %si
	cmp	$0x5A, %al
	jne	1f
	cmpb	$0x5A, V_ROM4G		/* same write through 0xFFFF0000 + offset */
	jne	1f
	jmp	report_ok
1:	call	report_fail
	mov	$msg_got, %si
	call	puts
	call	space
	call	print_hex8		/* byte at 0xF0000 alias */
	call	space
	mov	V_ROM4G, %al		/* byte at 0xFFFF0000 alias */
	call	print_hex8
	jmp	newline

/* ------------------------------------------------------------------ */
/* Read-only data (in the ROM, read through %cs)                       */
/* ------------------------------------------------------------------ */

	.section .rodata, "a"
rom_probe:
	.byte	0x5A

	.align	8
rm_gdt:
	.quad	0x0000000000000000	/* null */
	.quad	0x00CF9A000000FFFF	/* 0x08: 32-bit code, base 0, 4 GiB */
	.quad	0x00CF92000000FFFF	/* 0x10: data, base 0, 4 GiB */
	.quad	0x00009A0F0000FFFF	/* 0x18: 16-bit code, base 0xF0000, 64 KiB */
	.quad	0x000092000000FFFF	/* 0x20: 16-bit data, base 0, 64 KiB */
rm_gdt_end:
sig_qemu:
	.ascii	"QEMU"
msg_banner:
	.asciz	"realmode: hvemu real-mode test guest (no firmware)\n"
msg_ok:
	.asciz	"ok "
msg_fail:
	.asciz	"FAIL "
msg_done:
	.asciz	"DONE\n"
msg_rtc:
	.asciz	"RTC "
msg_uip:
	.asciz	"update-in-progress never cleared"
msg_badfield:
	.asciz	"field out of range, regB="
msg_got:
	.asciz	"got"
name_soft_int:
	.asciz	"ivt-soft-int"
name_rtc:
	.asciz	"rtc-read"
name_pit_latch:
	.asciz	"pit-latch"
name_pit:
	.asciz	"pic-pit-irq0"
name_rtc_irq:
	.asciz	"pic-rtc-irq8"
name_fw_cfg:
	.asciz	"fw_cfg-signature"
name_rom:
	.asciz	"rom-readonly"
name_rom_alias:
	.asciz	"rom-alias-4g"
msg_alias:
	.asciz	"ROM at 0xFFFF0000 differs from 0xF0000"
msg_outsb:
	.ascii	"ok rep-outsb [string PIO in 16-byte bursts]\r\n"
msg_outsb_end:

/* ------------------------------------------------------------------ */
/* Reset vector: linear 0xFFFFFFF0 = F000:FFF0                         */
/* ------------------------------------------------------------------ */

	.section .reset, "ax"
	.globl reset_vector
reset_vector:
	ljmp	$0xF000, $start		/* reload CS: base 0xF0000 (the alias) */
	.org	16, 0xFF

	.section .note.GNU-stack, "", @progbits
