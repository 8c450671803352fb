/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-kvm.c: the KVM accelerator running small guests of our own.
 *
 * Each test builds a bare machine (no board): RAM, a 64 KiB ROM at
 * 0xFFFF0000 holding the reset vector, a recording port-I/O device at
 * 0x500-0x50F and a recording MMIO device at 0xE0000000.  The guest ends
 * the test by writing the exit port, whose handler posts REQ_EXIT with the
 * written value; machine_main_loop() returns it.  A watchdog source turns a
 * hung guest into exit status 99 instead of a hung test.
 *
 * The guests are assembled by the C compiler's assembler from the
 * top-level asm below (position-independent: every absolute address is a
 * constant the test and the guest agree on).
 *
 * Without /dev/kvm the program prints "SKIP: /dev/kvm not available" and
 * passes. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <glib.h>
#include "core/machine.h"
#include "cpu/accel.h"

/* Ports of the test device. */
#define P_DATA 0x500   /* recorded; reads return per-size constants */
#define P_SOUT 0x501   /* string-out sink */
#define P_SIN 0x502    /* string-in source: 'a', 'b', ... */
#define P_EXIT 0x504   /* write: REQ_EXIT with the value */
#define P_REPORT 0x508 /* 32-bit values the guest reports */
#define P_IRQ 0x50C    /* pulse GSI 4 (1), GSI 4 by timer (2), 0 (3), 2 (4), 4 (5) */

#define MMIO_BASE 0xE0000000ULL
#define ROM_BASE 0xFFFF0000ULL
#define ROM_SIZE 0x10000
#define ROM_CODE 0x8000 /* code offset inside the ROM (= CS offset at reset) */
#define RAM_SIZE (64 * MiB)

/* ------------------------------------------------------------------ */
/* Guests                                                              */
/* ------------------------------------------------------------------ */

#define GUEST(name) ".globl " #name "\n.hidden " #name "\n" #name ":\n"

__asm__(
    ".pushsection .rodata.kvmtest,\"a\"\n"

    /* pio: real mode from the ROM (CS base 0xFFFF0000, code at CS:0x8000).
     * Records the reset EDX, CPUID.1 EAX and CR0, does 1/2/4-byte OUT/IN,
     * rep outsb (ROM string through a CS override), rep insb into RAM,
     * tries to write the ROM, sets the timer-2 gate through port 0x61 (the
     * in-kernel PIT's) and reads it back, and exits with 42. */
    ".code16\n"
    GUEST(kvmtest_pio_start)
    "cli\n"
    "xor %ax, %ax\n"
    "mov %ax, %ds\n"
    "mov %ax, %es\n"
    "mov %ax, %ss\n"
    "mov $0x7000, %sp\n"
    "mov %edx, 0x614\n"
    "mov $1, %eax\n"
    "cpuid\n"
    "mov %eax, 0x618\n"
    "mov %cr0, %eax\n"
    "mov %eax, 0x61c\n"
    "mov $0x500, %dx\n"
    "mov $0x5a, %al\n"
    "out %al, %dx\n"
    "mov $0x1234, %ax\n"
    "out %ax, %dx\n"
    "mov $0xdeadbeef, %eax\n"
    "out %eax, %dx\n"
    "in %dx, %al\n"
    "mov %al, 0x600\n"
    "in %dx, %ax\n"
    "mov %ax, 0x602\n"
    "in %dx, %eax\n"
    "mov %eax, 0x604\n"
    "cld\n"
    "mov $0x501, %dx\n"
    "mov $(0x8000 + pio_msg - kvmtest_pio_start), %si\n"
    "mov $5, %cx\n"
    "rep outsb %cs:(%si), (%dx)\n"
    "mov %si, 0x60e\n"
    "mov $0x502, %dx\n"
    "mov $0x700, %di\n"
    "mov $7, %cx\n"
    "rep insb (%dx), %es:(%di)\n"
    "mov %cx, 0x610\n"
    "mov %di, 0x608\n"
    "movb $0xa5, %cs:(0x8000 + pio_probe - kvmtest_pio_start)\n"
    "mov %cs:(0x8000 + pio_probe - kvmtest_pio_start), %al\n"
    "mov %al, 0x612\n"
    "in $0x61, %al\n"
    "or $1, %al\n"
    "out %al, $0x61\n"
    "in $0x61, %al\n"
    "mov %al, 0x613\n"
    "mov $0x504, %dx\n"
    "mov $42, %al\n"
    "out %al, %dx\n"
    "1: hlt\n"
    "jmp 1b\n"
    "pio_msg: .ascii \"HELLO\"\n"
    "pio_probe: .byte 0x5a\n"
    GUEST(kvmtest_pio_end)

    /* tf: real mode in RAM at 0000:8000 (the reset vector jumps there).
     * Counts boots in RAM at 0x600, records the master PIC's IMR at
     * 0x601 + boot and then changes it; on the first boot switches to flat
     * protected mode, loads an empty IDT and executes UD2: #UD cannot be
     * delivered (vector beyond the IDT limit), nor #GP, nor #DF: shutdown.
     * (UD2 rather than INT3: hosts that emulate non-paged protected mode
     * with KVM's instruction emulator cannot emulate INT there.)  On a later
     * boot exits with the boot count. */
    GUEST(kvmtest_tf_start)
    "cli\n"
    "xor %ax, %ax\n"
    "mov %ax, %ds\n"
    "incw 0x600\n"
    "mov 0x600, %bx\n"
    "in $0x21, %al\n"
    "mov %al, 0x601(%bx)\n"
    "mov $0xa5, %al\n"
    "out %al, $0x21\n"
    "mov %bx, %ax\n"
    "cmp $2, %ax\n"
    "jae 1f\n"
    "lgdtl %cs:(0x8000 + tf_gdtr - kvmtest_tf_start)\n"
    "mov %cr0, %eax\n"
    "or $1, %eax\n"
    "mov %eax, %cr0\n"
    "ljmpl $0x08, $(0x8000 + tf_pm - kvmtest_tf_start)\n"
    "1: mov $0x504, %dx\n"
    "out %al, %dx\n"
    "2: hlt\n"
    "jmp 2b\n"
    ".code32\n"
    "tf_pm:\n"
    "mov $0x10, %ax\n"
    "mov %ax, %ds\n"
    "mov %cr0, %eax\n"
    "mov $0x508, %dx\n"
    "out %eax, %dx\n"
    "lidt (0x8000 + tf_idt - kvmtest_tf_start)\n"
    "ud2\n"
    "3: hlt\n"
    "jmp 3b\n"
    ".code16\n"
    ".balign 8\n"
    "tf_gdt: .quad 0, 0x00CF9A000000FFFF, 0x00CF92000000FFFF\n"
    "tf_gdtr: .word 23\n"
    ".long 0x8000 + tf_gdt - kvmtest_tf_start\n"
    "tf_idt: .word 0\n"
    ".long 0\n"
    GUEST(kvmtest_tf_end)

    /* irq: real mode in RAM at 0000:8000.  Hooks vector 0x0C (IRQ4 with
     * the master PIC at base 8), hardware-disables the LAPIC so the PIC's
     * INTR reaches the CPU directly, programs both PICs, asks the test for
     * two GSI 4 pulses (one raised at once, one from a timer), waits for
     * each with sti;hlt, and exits with the handler's count. */
    GUEST(kvmtest_irq_start)
    "cli\n"
    "xor %ax, %ax\n"
    "mov %ax, %ds\n"
    "mov %ax, %ss\n"
    "mov $0x7000, %sp\n"
    "movw $(0x8000 + irq_handler - kvmtest_irq_start), 0x30\n"
    "movw $0, 0x32\n"
    "movw $0, 0x600\n"
    "mov $0x1b, %ecx\n"
    "rdmsr\n"
    "and $~0x800, %eax\n"
    "wrmsr\n"
    "mov $0x11, %al\n"
    "out %al, $0x20\n"
    "out %al, $0xa0\n"
    "mov $0x08, %al\n"
    "out %al, $0x21\n"
    "mov $0x70, %al\n"
    "out %al, $0xa1\n"
    "mov $0x04, %al\n"
    "out %al, $0x21\n"
    "mov $0x02, %al\n"
    "out %al, $0xa1\n"
    "mov $0x01, %al\n"
    "out %al, $0x21\n"
    "out %al, $0xa1\n"
    "mov $0xef, %al\n"
    "out %al, $0x21\n"
    "mov $0xff, %al\n"
    "out %al, $0xa1\n"
    "mov $0x50c, %dx\n"
    "mov $1, %al\n"
    "out %al, %dx\n"
    "1: sti\n"
    "hlt\n"
    "cli\n"
    "cmpw $1, 0x600\n"
    "jb 1b\n"
    "mov $2, %al\n"
    "out %al, %dx\n"
    "2: sti\n"
    "hlt\n"
    "cli\n"
    "cmpw $2, 0x600\n"
    "jb 2b\n"
    "mov 0x600, %ax\n"
    "mov $0x504, %dx\n"
    "out %al, %dx\n"
    "3: hlt\n"
    "jmp 3b\n"
    "irq_handler:\n"
    "push %ax\n"
    "incw 0x600\n"
    "mov $0x20, %al\n"
    "out %al, $0x20\n"
    "pop %ax\n"
    "iret\n"
    GUEST(kvmtest_irq_end)

    /* ap: the SMP trampoline, real mode at 0800:0000 (SIPI vector 8).
     * Reports CPUID.1 EBX and CPUID.0xB EDX, then sets the flag at 0x600. */
    GUEST(kvmtest_ap_start)
    "cli\n"
    "xor %ax, %ax\n"
    "mov %ax, %ds\n"
    "mov $1, %eax\n"
    "cpuid\n"
    "mov %ebx, %esi\n"
    "mov $0xb, %eax\n"
    "xor %ecx, %ecx\n"
    "cpuid\n"
    "mov %edx, %edi\n"
    "mov $0x508, %dx\n"
    "mov %esi, %eax\n"
    "out %eax, %dx\n"
    "mov %edi, %eax\n"
    "out %eax, %dx\n"
    "movl $1, 0x600\n"
    "1: cli\n"
    "hlt\n"
    "jmp 1b\n"
    GUEST(kvmtest_ap_end)

    /* pm32: 32-bit flat protected mode from a direct-boot state, at
     * 0x10000.  Reports EBX+ECX, CR0, the dword at 0x20000, ESP and the
     * hypervisor CPUID signature, then exits with 7. */
    ".code32\n"
    GUEST(kvmtest_pm32_start)
    "mov %ebx, %eax\n"
    "add %ecx, %eax\n"
    "mov $0x508, %dx\n"
    "out %eax, %dx\n"
    "mov %cr0, %eax\n"
    "out %eax, %dx\n"
    "mov 0x20000, %eax\n"
    "out %eax, %dx\n"
    "mov %esp, %eax\n"
    "out %eax, %dx\n"
    "mov $0x40000000, %eax\n"
    "cpuid\n"
    "mov %edx, %edi\n"
    "mov $0x508, %dx\n"
    "mov %ebx, %eax\n"
    "out %eax, %dx\n"
    "mov %ecx, %eax\n"
    "out %eax, %dx\n"
    "mov %edi, %eax\n"
    "out %eax, %dx\n"
    "mov $0x504, %dx\n"
    "mov $7, %al\n"
    "out %al, %dx\n"
    "1: hlt\n"
    "jmp 1b\n"
    GUEST(kvmtest_pm32_end)

    /* smp: the BSP, 32-bit flat protected mode at 0x10000.  Reports its
     * CPUID.1 EBX and EDX and LAPIC ID register, enables the LAPIC, sends
     * INIT and two SIPIs (vector 8) to all others through the ICR, waits
     * for the AP's flag and exits with 5. */
    GUEST(kvmtest_smp_start)
    "mov $1, %eax\n"
    "cpuid\n"
    "mov %ebx, %esi\n"
    "mov %edx, %edi\n"
    "mov $0x508, %dx\n"
    "mov %esi, %eax\n"
    "out %eax, %dx\n"
    "mov %edi, %eax\n"
    "out %eax, %dx\n"
    "mov 0xfee00020, %eax\n"
    "out %eax, %dx\n"
    "movl $0x1ff, 0xfee000f0\n"
    "movl $0x000c4500, 0xfee00300\n"
    "movl $0x000c4608, 0xfee00300\n"
    "movl $0x000c4608, 0xfee00300\n"
    "1: cmpl $0, 0x600\n"
    "jne 2f\n"
    "pause\n"
    "jmp 1b\n"
    "2: mov $0x504, %dx\n"
    "mov $5, %al\n"
    "out %al, %dx\n"
    "3: hlt\n"
    "jmp 3b\n"
    GUEST(kvmtest_smp_end)

    /* lm64: 64-bit long mode from a direct-boot state (identity-mapped
     * 4 GiB with 2 MiB pages), at 0x10000.  Reports RBX (two halves), CR4
     * and EFER, then writes 1/2/4/8 bytes to the MMIO device and reads
     * 1/2/4/8 bytes back into RAM at 0x30000, and exits with 9. */
    ".code64\n"
    GUEST(kvmtest_lm64_start)
    "mov $0x508, %dx\n"
    "mov %rbx, %rax\n"
    "out %eax, %dx\n"
    "shr $32, %rax\n"
    "out %eax, %dx\n"
    "mov %cr4, %rax\n"
    "out %eax, %dx\n"
    "mov $0xc0000080, %ecx\n"
    "rdmsr\n"
    "mov $0x508, %dx\n"
    "out %eax, %dx\n"
    "mov $0xe0000000, %edi\n"
    "movb $0x11, (%rdi)\n"
    "movw $0x2233, 2(%rdi)\n"
    "movl $0x44556677, 4(%rdi)\n"
    "movabs $0x8899aabbccddeeff, %rax\n"
    "mov %rax, 8(%rdi)\n"
    "movzbl 0x10(%rdi), %eax\n"
    "movl %eax, 0x30000\n"
    "movzwl 0x12(%rdi), %eax\n"
    "movl %eax, 0x30004\n"
    "movl 0x14(%rdi), %eax\n"
    "movl %eax, 0x30008\n"
    "mov 0x18(%rdi), %rax\n"
    "mov %rax, 0x30010\n"
    "mov $0x504, %dx\n"
    "mov $9, %al\n"
    "out %al, %dx\n"
    "1: hlt\n"
    "jmp 1b\n"
    GUEST(kvmtest_lm64_end)

    /* ioapic: 64-bit long mode (as lm64) with an IDT at 0x6000 the test
     * fills.  Masks the PICs and LINT0, enables the LAPIC, routes IOAPIC
     * pin 2 to vector 0x40 and pin 4 to vector 0x44.  Then, with
     * interrupts off, asks the test to pulse GSI 0 (the PIT line: must
     * reach pin 2), GSI 2 (routed nowhere) and GSI 4, and after each pulse
     * reports the LAPIC IRR word for vectors 0x40-0x5F -- the in-kernel
     * IOAPIC delivers to the LAPIC synchronously inside KVM_IRQ_LINE -- and
     * takes the interrupt, if one is expected, with sti;hlt.  Finally
     * reports both handler counts. */
    GUEST(kvmtest_ioapic_start)
    "mov $0xff, %al\n"
    "out %al, $0x21\n"
    "out %al, $0xa1\n"
    "mov $0xfee00000, %ebx\n"
    "movl $0x10000, 0x350(%rbx)\n"
    "movl $0x1ff, 0xf0(%rbx)\n"
    "mov $0xfec00000, %esi\n"
    "movl $0x14, (%rsi)\n"
    "movl $0x40, 0x10(%rsi)\n"
    "movl $0x15, (%rsi)\n"
    "movl $0, 0x10(%rsi)\n"
    "movl $0x18, (%rsi)\n"
    "movl $0x44, 0x10(%rsi)\n"
    "movl $0x19, (%rsi)\n"
    "movl $0, 0x10(%rsi)\n"
    "mov $3, %al\n"
    "call 9f\n"
    "1: sti\n"
    "hlt\n"
    "cli\n"
    "cmpl $1, 0x600\n"
    "jb 1b\n"
    "mov $4, %al\n"
    "call 9f\n"
    "mov $5, %al\n"
    "call 9f\n"
    "2: sti\n"
    "hlt\n"
    "cli\n"
    "cmpl $1, 0x604\n"
    "jb 2b\n"
    "mov $0x508, %dx\n"
    "mov 0x600, %eax\n"
    "out %eax, %dx\n"
    "mov 0x604, %eax\n"
    "out %eax, %dx\n"
    "mov $0x504, %dx\n"
    "mov $11, %al\n"
    "out %al, %dx\n"
    "3: hlt\n"
    "jmp 3b\n"
    /* request %al on the IRQ port, then report IRR[0x40..0x5f] */
    "9: mov $0x50c, %dx\n"
    "out %al, %dx\n"
    "mov 0x220(%rbx), %eax\n"
    "mov $0x508, %dx\n"
    "out %eax, %dx\n"
    "ret\n"
    GUEST(kvmtest_ioapic_h40)
    "push %rax\n"
    "incl 0x600\n"
    "mov $0xfee000b0, %eax\n"
    "movl $0, (%rax)\n"
    "pop %rax\n"
    "iretq\n"
    GUEST(kvmtest_ioapic_h44)
    "push %rax\n"
    "incl 0x604\n"
    "mov $0xfee000b0, %eax\n"
    "movl $0, (%rax)\n"
    "pop %rax\n"
    "iretq\n"
    GUEST(kvmtest_ioapic_end)

    /* fetch: 64-bit long mode; jumps into the MMIO device, which KVM cannot
     * execute from. */
    GUEST(kvmtest_fetch_start)
    "mov $0xe0000000, %eax\n"
    "jmp *%rax\n"
    GUEST(kvmtest_fetch_end)

    /* spin: 64-bit long mode; counts forever at 0x600. */
    GUEST(kvmtest_spin_start)
    "1: incq 0x600\n"
    "jmp 1b\n"
    GUEST(kvmtest_spin_end)

    ".popsection\n");

#define BLOB(name)                                                       \
    extern const uint8_t kvmtest_##name##_start[], kvmtest_##name##_end[]
BLOB(pio);
BLOB(tf);
BLOB(irq);
BLOB(ap);
BLOB(pm32);
BLOB(smp);
BLOB(lm64);
BLOB(ioapic);
BLOB(fetch);
BLOB(spin);
extern const uint8_t kvmtest_ioapic_h40[], kvmtest_ioapic_h44[];
#define BLOB_ARGS(name) kvmtest_##name##_start, kvmtest_##name##_end

/* ------------------------------------------------------------------ */
/* The bare test machine                                               */
/* ------------------------------------------------------------------ */

struct access {
    uint64_t addr;
    unsigned size;
    bool write;
    uint64_t val;
};

#define MAX_LOG 256

struct kt {
    struct machine *m;
    uint8_t *rom;
    struct mem_region rom_region, pio, mmio, port61;
    unsigned nport61;
    struct access pio_log[MAX_LOG], mmio_log[MAX_LOG];
    unsigned npio, nmmio;
    uint8_t sout[64];
    unsigned nsout, nsin;
    uint32_t reports[32];
    unsigned nreports;
    int resets;
    struct vtimer irq_timer;
};

static void log_access(struct access *log, unsigned *n, uint64_t addr, unsigned size,
                       bool write, uint64_t val)
{
    if (*n < MAX_LOG)
        log[(*n)++] = (struct access){ addr, size, write, val };
}

static uint64_t pio_read(void *opaque, uint64_t off, unsigned size)
{
    struct kt *t = opaque;
    uint64_t v = ~0ULL;
    if (off == P_DATA - 0x500)
        v = size == 1 ? 0x9c : size == 2 ? 0xbeef : 0xcafef00d;
    else if (off == P_SIN - 0x500)
        v = (uint64_t)('a' + t->nsin++);
    log_access(t->pio_log, &t->npio, 0x500 + off, size, false, v);
    return v;
}

static void pulse_gsi(struct kt *t, unsigned gsi)
{
    accel_kvm.set_irq(t->m, gsi, 1);
    accel_kvm.set_irq(t->m, gsi, 0);
}

static void irq_timer_cb(void *opaque)
{
    pulse_gsi(opaque, 4);
}

static void pio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct kt *t = opaque;
    log_access(t->pio_log, &t->npio, 0x500 + off, size, true, val);
    switch (0x500 + off) {
    case P_SOUT:
        if (t->nsout < sizeof(t->sout))
            t->sout[t->nsout++] = (uint8_t)val;
        break;
    case P_EXIT:
        machine_request(t->m, REQ_EXIT, (int)val);
        break;
    case P_REPORT:
        if (t->nreports < ARRAY_SIZE(t->reports))
            t->reports[t->nreports++] = (uint32_t)val;
        break;
    case P_IRQ:
        if (val == 1)
            pulse_gsi(t, 4);
        else if (val == 2)
            vtimer_mod(&t->irq_timer, vclock_now(&t->m->clock) + 1000000);
        else if (val == 3)
            pulse_gsi(t, 0);
        else if (val == 4)
            pulse_gsi(t, 2);
        else if (val == 5)
            pulse_gsi(t, 4);
        break;
    }
}

static const struct io_ops pio_ops = {
    .read = pio_read, .write = pio_write, .min_size = 1, .max_size = 4,
};

/* Byte i of the device reads as 0x80 + offset + i. */
static uint64_t mmio_read(void *opaque, uint64_t off, unsigned size)
{
    struct kt *t = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)((0x80 + off + i) & 0xff) << (8 * i);
    log_access(t->mmio_log, &t->nmmio, off, size, false, v);
    return v;
}

static void mmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct kt *t = opaque;
    log_access(t->mmio_log, &t->nmmio, off, size, true, val);
}

/* Must never be reached under KVM: the kernel owns port 0x61. */
static uint64_t port61_read(void *opaque, uint64_t off, unsigned size)
{
    ((struct kt *)opaque)->nport61++;
    return 0;
}

static void port61_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    ((struct kt *)opaque)->nport61++;
}

static const struct io_ops port61_ops = { .read = port61_read, .write = port61_write };

static const struct io_ops mmio_ops = {
    .read = mmio_read, .write = mmio_write, .min_size = 1, .max_size = 8,
};

static void count_reset(struct machine *m, enum reset_kind kind)
{
    (void)kind;
    ((struct kt *)m->board)->resets++;
}

static gboolean watchdog(gpointer opaque)
{
    machine_request(opaque, REQ_EXIT, 99);
    return G_SOURCE_REMOVE;
}

/* A machine with the test devices; the ROM is mapped but not committed
 * unless commit is set (so both listener paths get used). */
static struct kt *kt_new(unsigned smp, const char *model, bool commit)
{
    struct kt *t = g_new0(struct kt, 1);
    char *err = NULL;
    t->m = machine_new(RAM_SIZE, VCLOCK_HOST, &err);
    g_assert_null(err);
    g_assert_nonnull(t->m);
    struct machine *m = t->m;
    m->ctx = g_main_context_new();
    m->smp_cpus = smp;
    m->cpu_model = model ? g_strdup(model) : NULL;
    m->board = t;
    m->board_reset = count_reset;
    m->accel = &accel_kvm;
    /* KVMTEST_LOG=trace:kvm.* shows every exit while debugging a guest. */
    if (getenv("KVMTEST_LOG"))
        g_assert_cmpint(log_parse(&m->log, getenv("KVMTEST_LOG"), &err), ==, 0);
    /* KVM maps only page-aligned host memory. */
    t->rom = mmap(NULL, ROM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert(t->rom != MAP_FAILED);
    memset(t->rom, 0xf4, ROM_SIZE); /* hlt everywhere */
    region_init_rom(&t->rom_region, "test-rom", ROM_SIZE, t->rom);
    as_add(&m->mem, &t->rom_region, ROM_BASE, 1);
    region_init_io(&t->pio, "test-pio", 16, &pio_ops, t);
    as_add(&m->io, &t->pio, 0x500, 0);
    region_init_io(&t->port61, "test-port61", 1, &port61_ops, t);
    as_add(&m->io, &t->port61, 0x61, 0);
    region_init_io(&t->mmio, "test-mmio", 0x1000, &mmio_ops, t);
    as_add(&m->mem, &t->mmio, MMIO_BASE, 0);
    if (commit) {
        as_commit(&m->mem);
        as_commit(&m->io);
    }
    vtimer_init(&t->irq_timer, &m->clock, irq_timer_cb, t);
    return t;
}

static void kt_free(struct kt *t)
{
    GMainContext *ctx = t->m->ctx;
    machine_lock(t->m);
    vtimer_del(&t->irq_timer);
    machine_unlock(t->m);
    machine_free(t->m);
    g_main_context_unref(ctx);
    munmap(t->rom, ROM_SIZE);
    g_free(t);
}

/* Code copied to ROM_CODE; the reset vector jumps there (near, in CS). */
static void kt_rom_code(struct kt *t, const uint8_t *start, const uint8_t *end)
{
    g_assert_cmpuint(end - start, <, 0x7000);
    memcpy(t->rom + ROM_CODE, start, end - start);
    uint16_t rel = (uint16_t)(ROM_CODE - 0xFFF3);
    t->rom[0xFFF0] = 0xE9; /* jmp rel16 */
    t->rom[0xFFF1] = rel & 0xff;
    t->rom[0xFFF2] = rel >> 8;
}

/* The reset vector far-jumps to RAM at 0000:8000. */
static void kt_rom_farjmp_8000(struct kt *t)
{
    static const uint8_t ljmp[] = { 0xEA, 0x00, 0x80, 0x00, 0x00 };
    memcpy(t->rom + 0xFFF0, ljmp, sizeof(ljmp));
}

static void kt_ram_code(struct kt *t, uint64_t gpa, const uint8_t *start, const uint8_t *end)
{
    /* Straight into the RAM block: the view may not be committed yet. */
    g_assert_cmpuint(gpa + (uint64_t)(end - start), <=, t->m->below_4g);
    memcpy(t->m->ram + gpa, start, end - start);
}

static uint32_t ram32(struct kt *t, uint64_t gpa)
{
    return ld32(t->m->ram + gpa);
}

/* init, start, run the main loop, then pause the vCPUs so the logs are
 * stable.  Returns the exit status. */
static int kt_run(struct kt *t)
{
    struct machine *m = t->m;
    char *err = NULL;
    if (accel_kvm.init(m, &err)) {
        g_test_message("init: %s", err);
        g_assert_not_reached();
    }
    as_commit(&m->mem);
    as_commit(&m->io);
    if (accel_kvm.start(m, &err)) {
        g_test_message("start: %s", err);
        g_assert_not_reached();
    }
    vclock_start(&m->clock);
    GSource *wd = g_timeout_source_new_seconds(30);
    g_source_set_callback(wd, watchdog, m, NULL);
    g_source_attach(wd, m->ctx);
    int status = machine_main_loop(m);
    g_source_destroy(wd);
    g_source_unref(wd);
    accel_kvm.pause(m);
    return status;
}

static void assert_access(const struct access *a, uint64_t addr, unsigned size, bool write,
                          uint64_t val)
{
    g_assert_cmphex(a->addr, ==, addr);
    g_assert_cmpuint(a->size, ==, size);
    g_assert_cmpint(a->write, ==, write);
    g_assert_cmphex(a->val, ==, val);
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

static void test_realmode_pio(void)
{
    struct kt *t = kt_new(1, NULL, true);
    kt_rom_code(t, BLOB_ARGS(pio));
    uint8_t rom_copy[ROM_SIZE];
    memcpy(rom_copy, t->rom, ROM_SIZE);
    g_assert_cmpint(kt_run(t), ==, 42);

    /* Reset state: EDX = CPUID.1 EAX signature, CR0 = 0x60000010. */
    g_assert_cmphex(ram32(t, 0x614), !=, 0);
    g_assert_cmphex(ram32(t, 0x614), ==, ram32(t, 0x618));
    g_assert_cmphex(ram32(t, 0x61c), ==, 0x60000010);

    /* Single OUT/IN of each width. */
    g_assert_cmpuint(t->npio, ==, 6 + 5 + 7 + 1);
    assert_access(&t->pio_log[0], P_DATA, 1, true, 0x5a);
    assert_access(&t->pio_log[1], P_DATA, 2, true, 0x1234);
    assert_access(&t->pio_log[2], P_DATA, 4, true, 0xdeadbeef);
    assert_access(&t->pio_log[3], P_DATA, 1, false, 0x9c);
    assert_access(&t->pio_log[4], P_DATA, 2, false, 0xbeef);
    assert_access(&t->pio_log[5], P_DATA, 4, false, 0xcafef00d);
    g_assert_cmphex(t->m->ram[0x600], ==, 0x9c);
    g_assert_cmphex(ld16(t->m->ram + 0x602), ==, 0xbeef);
    g_assert_cmphex(ram32(t, 0x604), ==, 0xcafef00d);

    /* rep outsb: five single-byte items, in order; SI advanced by 5. */
    g_assert_cmpuint(t->nsout, ==, 5);
    g_assert_cmpmem(t->sout, 5, "HELLO", 5);
    for (unsigned i = 0; i < 5; i++)
        g_assert_cmpuint(t->pio_log[6 + i].size, ==, 1);
    uint16_t msg_off = ROM_CODE + (uint16_t)((const uint8_t *)memmem(
                                                 kvmtest_pio_start,
                                                 kvmtest_pio_end - kvmtest_pio_start,
                                                 "HELLO", 5) -
                                             kvmtest_pio_start);
    g_assert_cmphex(ld16(t->m->ram + 0x60e), ==, msg_off + 5);

    /* rep insb: seven reads into RAM, CX = 0, DI advanced by 7. */
    for (unsigned i = 0; i < 7; i++)
        assert_access(&t->pio_log[11 + i], P_SIN, 1, false, 'a' + i);
    g_assert_cmpmem(t->m->ram + 0x700, 7, "abcdefg", 7);
    g_assert_cmphex(ld16(t->m->ram + 0x610), ==, 0);
    g_assert_cmphex(ld16(t->m->ram + 0x608), ==, 0x707);

    /* The ROM write was dropped: the guest read back the old byte and the
     * host copy is untouched. */
    g_assert_cmphex(t->m->ram[0x612], ==, 0x5a);
    g_assert_cmpmem(t->rom, ROM_SIZE, rom_copy, ROM_SIZE);
    assert_access(&t->pio_log[18], P_EXIT, 1, true, 42);

    /* Port 0x61 stayed in the kernel and reflects the timer-2 gate. */
    g_assert_cmpuint(t->nport61, ==, 0);
    g_assert_cmphex(t->m->ram[0x613] & 1, ==, 1);
    kt_free(t);
}

static void test_triple_fault_reset(void)
{
    struct kt *t = kt_new(1, "host", true);
    kt_rom_farjmp_8000(t);
    kt_ram_code(t, 0x8000, BLOB_ARGS(tf));
    /* First boot: triple fault -> reset (the board hook runs once); the
     * second boot sees the count in RAM and exits with it. */
    g_assert_cmpint(kt_run(t), ==, 2);
    g_assert_cmpint(t->resets, ==, 1);
    g_assert_cmpuint(t->nreports, ==, 1); /* CR0 in protected mode */
    g_assert_cmphex(t->reports[0] & X86_CR0_PE, ==, X86_CR0_PE);
    /* The in-kernel PIC was reset too: the second boot saw the IMR the
     * first boot saw, not the 0xA5 written before the fault. */
    g_assert_cmphex(t->m->ram[0x603], ==, t->m->ram[0x602]);
    g_assert_cmphex(t->m->ram[0x603], !=, 0xa5);
    g_assert_cmpuint(ld16(t->m->ram + 0x600), ==, 2);
    kt_free(t);
}

static void test_triple_fault_no_reboot(void)
{
    struct kt *t = kt_new(1, "host", true);
    t->m->no_reboot = true;
    kt_rom_farjmp_8000(t);
    kt_ram_code(t, 0x8000, BLOB_ARGS(tf));
    g_assert_cmpint(kt_run(t), ==, 0);
    g_assert_cmpint(t->resets, ==, 0);
    g_assert_cmpuint(t->nreports, ==, 1);
    g_assert_cmpuint(ld16(t->m->ram + 0x600), ==, 1);
    kt_free(t);
}

static void test_pic_irq(void)
{
    struct kt *t = kt_new(1, "host", false); /* ROM reaches KVM via the listener */
    kt_rom_farjmp_8000(t);
    kt_ram_code(t, 0x8000, BLOB_ARGS(irq));
    g_assert_cmpint(kt_run(t), ==, 2);
    g_assert_cmpuint(ld16(t->m->ram + 0x600), ==, 2);
    kt_free(t);
}

static void boot_flat32(struct x86_boot_state *b, uint64_t rip)
{
    memset(b, 0, sizeof(*b));
    b->valid = true;
    x86_flat32(&b->cs, 0x08, true);
    x86_flat32(&b->ds, 0x10, false);
    b->es = b->fs = b->gs = b->ss = b->ds;
    b->gdt.base = 0x5000;
    b->gdt.limit = 0x1f;
    b->cr0 = X86_CR0_PE;
    b->rip = rip;
    b->rflags = 2;
}

static void write_gdt(struct kt *t)
{
    static const uint64_t gdt[] = {
        0,
        0x00CF9A000000FFFFULL, /* 0x08: 32-bit code */
        0x00CF92000000FFFFULL, /* 0x10: data */
        0x00AF9A000000FFFFULL, /* 0x18: 64-bit code */
    };
    for (unsigned i = 0; i < ARRAY_SIZE(gdt); i++)
        st64(t->m->ram + 0x5000 + 8 * i, gdt[i]);
}

static void run_pm32(const char *model)
{
    struct kt *t = kt_new(1, model, true);
    write_gdt(t);
    kt_ram_code(t, 0x10000, BLOB_ARGS(pm32));
    st32(t->m->ram + 0x20000, 0xC0FFEE00);
    boot_flat32(&t->m->boot, 0x10000);
    t->m->boot.rbx = 0x11111111;
    t->m->boot.rcx = 0x22222222;
    t->m->boot.rsp = 0x9000;
    g_assert_cmpint(kt_run(t), ==, 7);
    g_assert_cmpuint(t->nreports, ==, 7);
    g_assert_cmphex(t->reports[0], ==, 0x33333333);
    g_assert_cmphex(t->reports[1] & 0x80000011, ==, 0x11); /* PE, ET, no PG */
    g_assert_cmphex(t->reports[2], ==, 0xC0FFEE00);
    g_assert_cmphex(t->reports[3], ==, 0x9000);
    char sig[13] = { 0 };
    st32(sig, t->reports[4]);
    st32(sig + 4, t->reports[5]);
    st32(sig + 8, t->reports[6]);
    g_assert_cmpstr(sig, ==, "KVMKVMKVM");
    kt_free(t);
}

static void test_boot_pm32(void)
{
    run_pm32(NULL);
}

static void test_boot_pm32_host(void)
{
    run_pm32("host");
}

/* Identity map of the low 4 GiB with 2 MiB pages at 0x70000. */
static void write_page_tables(struct kt *t)
{
    uint8_t *ram = t->m->ram;
    st64(ram + 0x70000, 0x71000 | 3);
    for (uint64_t g = 0; g < 4; g++) {
        st64(ram + 0x71000 + 8 * g, (0x72000 + g * 0x1000) | 3);
        for (uint64_t i = 0; i < 512; i++)
            st64(ram + 0x72000 + g * 0x1000 + 8 * i, (g << 30) + (i << 21) + 0x83);
    }
}

/* A 64-bit direct-boot machine running code at 0x10000. */
static struct kt *kt_new_lm64(const uint8_t *start, const uint8_t *end)
{
    struct kt *t = kt_new(1, "host", true);
    write_gdt(t);
    write_page_tables(t);
    kt_ram_code(t, 0x10000, start, end);
    struct x86_boot_state *b = &t->m->boot;
    boot_flat32(b, 0x10000);
    x86_code64(&b->cs, 0x18);
    b->cr0 = X86_CR0_PE | X86_CR0_PG;
    b->cr3 = 0x70000;
    b->cr4 = X86_CR4_PAE;
    b->efer = X86_EFER_LME; /* LMA follows from LME + PG */
    b->rsp = 0x9000;
    return t;
}

static void test_boot_lm64_mmio(void)
{
    struct kt *t = kt_new_lm64(BLOB_ARGS(lm64));
    t->m->boot.rbx = 0x1122334455667788ULL;
    g_assert_cmpint(kt_run(t), ==, 9);

    g_assert_cmpuint(t->nreports, ==, 4);
    g_assert_cmphex(t->reports[0], ==, 0x55667788);
    g_assert_cmphex(t->reports[1], ==, 0x11223344);
    g_assert_cmphex(t->reports[2] & X86_CR4_PAE, ==, X86_CR4_PAE);
    g_assert_cmphex(t->reports[3] & (X86_EFER_LME | X86_EFER_LMA), ==,
                    X86_EFER_LME | X86_EFER_LMA);

    g_assert_cmpuint(t->nmmio, ==, 8);
    assert_access(&t->mmio_log[0], 0x0, 1, true, 0x11);
    assert_access(&t->mmio_log[1], 0x2, 2, true, 0x2233);
    assert_access(&t->mmio_log[2], 0x4, 4, true, 0x44556677);
    assert_access(&t->mmio_log[3], 0x8, 8, true, 0x8899aabbccddeeffULL);
    assert_access(&t->mmio_log[4], 0x10, 1, false, 0x90);
    assert_access(&t->mmio_log[5], 0x12, 2, false, 0x9392);
    assert_access(&t->mmio_log[6], 0x14, 4, false, 0x97969594);
    assert_access(&t->mmio_log[7], 0x18, 8, false, 0x9f9e9d9c9b9a9998ULL);
    g_assert_cmphex(ram32(t, 0x30000), ==, 0x90);
    g_assert_cmphex(ram32(t, 0x30004), ==, 0x9392);
    g_assert_cmphex(ram32(t, 0x30008), ==, 0x97969594);
    g_assert_cmphex(ld64(t->m->ram + 0x30010), ==, 0x9f9e9d9c9b9a9998ULL);
    kt_free(t);
}

/* A 64-bit interrupt gate for vector v in the IDT at 0x6000. */
static void idt_gate(struct kt *t, unsigned v, uint64_t handler)
{
    uint8_t *g = t->m->ram + 0x6000 + 16 * v;
    st16(g, handler & 0xffff);
    st16(g + 2, 0x18);
    st16(g + 4, 0x8E00); /* present, DPL 0, interrupt gate */
    st16(g + 6, (handler >> 16) & 0xffff);
    st32(g + 8, handler >> 32);
    st32(g + 12, 0);
}

static void test_ioapic_routing(void)
{
    struct kt *t = kt_new_lm64(BLOB_ARGS(ioapic));
    idt_gate(t, 0x40, 0x10000 + (kvmtest_ioapic_h40 - kvmtest_ioapic_start));
    idt_gate(t, 0x44, 0x10000 + (kvmtest_ioapic_h44 - kvmtest_ioapic_start));
    t->m->boot.idt.base = 0x6000;
    t->m->boot.idt.limit = 0xfff;
    g_assert_cmpint(kt_run(t), ==, 11);
    g_assert_cmpuint(t->nreports, ==, 5);
    g_assert_cmphex(t->reports[0], ==, 0x01); /* GSI 0 -> pin 2 -> vector 0x40 */
    g_assert_cmphex(t->reports[1], ==, 0x00); /* GSI 2 -> nothing */
    g_assert_cmphex(t->reports[2], ==, 0x10); /* GSI 4 -> pin 4 -> vector 0x44 */
    g_assert_cmpuint(t->reports[3], ==, 1);
    g_assert_cmpuint(t->reports[4], ==, 1);
    kt_free(t);
}

static void test_internal_error(void)
{
    struct kt *t = kt_new_lm64(BLOB_ARGS(fetch));
    g_test_message("a vCPU register dump on stderr is expected here");
    g_assert_cmpint(kt_run(t), ==, 1);
    kt_free(t);
}

static uint64_t wait_count_above(struct kt *t, uint64_t v)
{
    volatile uint64_t *p = (volatile uint64_t *)(t->m->ram + 0x600);
    gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
    while (*p <= v)
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
    return *p;
}

static void test_pause_resume(void)
{
    struct kt *t = kt_new_lm64(BLOB_ARGS(spin));
    struct machine *m = t->m;
    char *err = NULL;
    g_assert_cmpint(accel_kvm.init(m, &err), ==, 0);
    g_assert_cmpint(accel_kvm.start(m, &err), ==, 0);
    volatile uint64_t *count = (volatile uint64_t *)(m->ram + 0x600);
    for (int round = 0; round < 3; round++) {
        uint64_t before = wait_count_above(t, *count);
        accel_kvm.pause(m);
        uint64_t frozen = *count;
        g_assert_cmpuint(frozen, >=, before);
        for (int i = 0; i < 100000; i++)
            g_assert_cmpuint(*count, ==, frozen);
        accel_kvm.pause(m); /* idempotent */
        if (round == 1) {
            /* Reset while paused: the BSP restarts from the boot state. */
            *count = 0;
            accel_kvm.reset_cpus(m);
            frozen = 0;
        }
        accel_kvm.resume(m);
        wait_count_above(t, frozen);
    }
    kt_free(t); /* destroy stops a vCPU that never exits on its own */
}

static void test_smp_init_sipi(void)
{
    struct kt *t = kt_new(2, "host", true);
    write_gdt(t);
    kt_ram_code(t, 0x10000, BLOB_ARGS(smp));
    kt_ram_code(t, 0x8000, BLOB_ARGS(ap));
    boot_flat32(&t->m->boot, 0x10000);
    t->m->boot.rsp = 0x9000;
    g_assert_cmpint(kt_run(t), ==, 5);
    g_assert_cmpuint(t->nreports, ==, 5);
    uint32_t bsp_ebx = t->reports[0], bsp_edx = t->reports[1], bsp_id = t->reports[2];
    uint32_t ap_ebx = t->reports[3], ap_x2id = t->reports[4];
    g_assert_cmpuint(bsp_ebx >> 24, ==, 0);
    g_assert_cmpuint((bsp_ebx >> 16) & 0xff, ==, 2);
    g_assert_cmphex(bsp_edx & BIT(28), ==, BIT(28)); /* HTT */
    g_assert_cmpuint(bsp_id >> 24, ==, 0);
    g_assert_cmpuint(ap_ebx >> 24, ==, 1);
    g_assert_cmpuint((ap_ebx >> 16) & 0xff, ==, 2);
    g_assert_cmpuint(ap_x2id, ==, 1);
    g_assert_cmpuint(ram32(t, 0x600), ==, 1);
    kt_free(t);
}

static void expect_init_error(struct machine *m, const char *needle)
{
    char *err = NULL;
    g_assert_cmpint(accel_kvm.init(m, &err), ==, -1);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err, needle));
    g_assert_null(m->accel_state);
    g_free(err);
}

static void test_bad_model(void)
{
    struct kt *t = kt_new(1, "pentium-foo", true);
    expect_init_error(t->m, "unknown CPU model 'pentium-foo'");
    kt_free(t);
}

static void test_bad_smp(void)
{
    struct kt *t = kt_new(100000, NULL, true);
    expect_init_error(t->m, "-smp 100000");
    t->m->smp_cpus = 0;
    expect_init_error(t->m, "-smp 0");
    kt_free(t);
}

int main(int argc, char **argv)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        printf("SKIP: /dev/kvm not available\n");
        return 0;
    }
    close(fd);
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm/realmode-pio", test_realmode_pio);
    g_test_add_func("/kvm/triple-fault-reset", test_triple_fault_reset);
    g_test_add_func("/kvm/triple-fault-no-reboot", test_triple_fault_no_reboot);
    g_test_add_func("/kvm/pic-irq", test_pic_irq);
    g_test_add_func("/kvm/boot-pm32", test_boot_pm32);
    g_test_add_func("/kvm/boot-pm32-host", test_boot_pm32_host);
    g_test_add_func("/kvm/boot-lm64-mmio", test_boot_lm64_mmio);
    g_test_add_func("/kvm/ioapic-routing", test_ioapic_routing);
    g_test_add_func("/kvm/internal-error", test_internal_error);
    g_test_add_func("/kvm/pause-resume", test_pause_resume);
    g_test_add_func("/kvm/smp-init-sipi", test_smp_init_sipi);
    g_test_add_func("/kvm/bad-model", test_bad_model);
    g_test_add_func("/kvm/bad-smp", test_bad_smp);
    return g_test_run();
}
