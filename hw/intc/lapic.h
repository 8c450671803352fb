/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lapic.h: the local APIC of one CPU (xAPIC and x2APIC), in userspace, for
 * the soft and test accelerators (KVM keeps its in-kernel one).
 *
 * Board: for CPU i create
 *     struct lapic_config cfg = { .apic_id = i, .bsp = i == 0, .tsc_hz = ...,
 *                                 .bus = bus, .link = &m->cpu_links[i],
 *                                 .extint_ack = <8259 INTA>, .extint_opaque = pic };
 *     struct lapic *a = lapic_new(&m->env, &cfg);
 *     machine_add_device(m, &lapic_class, a, "lapic0"...);
 *     m->intc[i] = (struct cpu_intc){ .ops = &lapic_ops, .apic = a, .link = cfg.link };
 * wire the 8259 INTR output to lapic_set_lint(a, 0, level) of every LAPIC
 * and the NMI source to lapic_set_lint(a, 1, level).  The LAPIC is not in the
 * memory address space: its CPU routes accesses to the 4 KiB page at
 * lapic_base() (while lapic_mmio_active()) to lapic_ops.mmio_read/write, and
 * forwards IA32_APIC_BASE (0x1B), IA32_TSC_DEADLINE (0x6E0) and the x2APIC
 * MSRs (0x800-0x8FF) to lapic_ops.rdmsr/wrmsr.
 *
 * Timer clock: the timer counts a `bus_hz` clock (default 1 GHz, as KVM's
 * in-kernel APIC does) before the divide configuration; TSC-deadline mode
 * compares against TSC = virtual ns * tsc_hz / 1e9 (the soft CPU's RDTSC must
 * use the same formula). */
#ifndef HW_INTC_LAPIC_H
#define HW_INTC_LAPIC_H

#include "core/cpu_intc.h"
#include "core/device.h"
#include "hw/intc/apic_bus.h"

#define LAPIC_DEFAULT_BASE 0xFEE00000ULL
#define LAPIC_MMIO_SIZE 0x1000
#define LAPIC_VERSION 0x00050014u /* version 0x14, max LVT entry 5 (6 LVTs) */
/* Periodic timer floor: a period shorter than this (say initial count 1,
 * divide 1) is stretched to it, so a guest cannot make hvemu take more than
 * 20,000 timer events per second per CPU.  The current-count register then
 * counts down over the stretched period.  One-shot and TSC-deadline timers
 * are not floored: each expiry needs a fresh guest write. */
#define LAPIC_MIN_PERIOD_NS 50000

/* MSRs forwarded to the LAPIC. */
#define MSR_IA32_APIC_BASE 0x1B
#define MSR_IA32_TSC_DEADLINE 0x6E0
#define MSR_X2APIC_FIRST 0x800
#define MSR_X2APIC_LAST 0x8FF
#define APIC_BASE_BSP BIT(8)
#define APIC_BASE_EXTD BIT(10) /* x2APIC mode */
#define APIC_BASE_EN BIT(11)   /* xAPIC global enable */

/* xAPIC register offsets (x2APIC MSR = 0x800 + offset / 16). */
#define LAPIC_ID 0x020
#define LAPIC_VER 0x030
#define LAPIC_TPR 0x080
#define LAPIC_APR 0x090
#define LAPIC_PPR 0x0A0
#define LAPIC_EOI 0x0B0
#define LAPIC_RRD 0x0C0
#define LAPIC_LDR 0x0D0
#define LAPIC_DFR 0x0E0
#define LAPIC_SVR 0x0F0
#define LAPIC_ISR 0x100 /* 8 registers, 16 bytes apart */
#define LAPIC_TMR 0x180
#define LAPIC_IRR 0x200
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_THERMAL 0x330
#define LAPIC_LVT_PERF 0x340
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TMICT 0x380
#define LAPIC_TMCCT 0x390
#define LAPIC_TDCR 0x3E0
#define LAPIC_SELF_IPI 0x3F0 /* x2APIC only */

/* Register bits. */
#define LAPIC_SVR_ENABLE BIT(8)
#define LAPIC_SVR_FOCUS_OFF BIT(9)
#define LAPIC_LVT_MASKED BIT(16)
#define LAPIC_LVT_LEVEL BIT(15)    /* trigger mode */
#define LAPIC_LVT_REMOTE_IRR BIT(14)
#define LAPIC_LVT_ACTIVE_LOW BIT(13)
#define LAPIC_LVT_PENDING BIT(12)  /* delivery status: always idle here */
#define LAPIC_TIMER_PERIODIC (1u << 17)
#define LAPIC_TIMER_TSC_DEADLINE (2u << 17)
#define LAPIC_TIMER_MODE_MASK (3u << 17)
#define LAPIC_ICR_LOGICAL BIT(11)
#define LAPIC_ICR_ASSERT BIT(14)
#define LAPIC_ICR_LEVEL BIT(15)
#define LAPIC_ICR_SELF (1u << 18)
#define LAPIC_ICR_ALL (2u << 18)
#define LAPIC_ICR_ALL_BUT_SELF (3u << 18)
#define LAPIC_ESR_SEND_ILLEGAL BIT(5)
#define LAPIC_ESR_RECV_ILLEGAL BIT(6)
#define LAPIC_ESR_ILLEGAL_REG BIT(7)

enum lapic_lvt { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_NUM };

struct lapic_config {
    uint32_t apic_id;   /* = CPU index, 0..254 */
    bool bsp;           /* IA32_APIC_BASE.BSP */
    uint64_t tsc_hz;    /* TSC frequency for TSC-deadline mode; 0 = 1 GHz */
    uint64_t bus_hz;    /* timer input clock before the divider; 0 = 1 GHz */
    unsigned phys_bits; /* CPU MAXPHYADDR (APIC base reserved bits); 0 = 40 */
    struct apic_bus *bus;  /* may be NULL (a lone APIC: self IPIs only) */
    struct cpu_link *link; /* may be NULL (tests) */
    /* The 8259's INTA cycle for ExtINT; NULL answers the spurious vector. */
    uint8_t (*extint_ack)(void *opaque);
    void *extint_opaque;
};

struct lapic {
    /* Everything below is private to lapic.c (the bus reads it through the
     * functions at the end of this header). */
    const struct dev_env *env;
    struct apic_bus *bus;
    struct cpu_link *link;
    uint8_t (*extint_ack)(void *opaque);
    void *extint_opaque;
    uint32_t apic_id;
    bool bsp, trace;
    uint64_t tsc_hz, bus_hz, base_rsvd; /* base_rsvd: reserved IA32_APIC_BASE bits */
    struct vtimer timer;
    bool in_error; /* an error interrupt is being delivered (no recursion) */

    /* Guest-visible state (saved; reset and load replace it whole). */
    struct lapic_regs {
        uint64_t apic_base;
        uint32_t id_reg; /* xAPIC ID register (bits 31:24) */
        uint8_t tpr;
        uint32_t ldr, dfr, svr;
        uint32_t irr[8], isr[8], tmr[8];
        uint8_t esr, esr_pending; /* visible ESR; errors since its last write */
        uint64_t icr;
        uint32_t lvt[LVT_NUM];
        uint32_t tmict, tdcr;
        /* Timer: the count was tmr_count0 at tmr_start and reaches 0 at
         * tmr_start + tmr_span (tmr_count0 == 0: stopped or expired). */
        uint32_t tmr_count0;
        int64_t tmr_start, tmr_span;
        uint64_t tsc_deadline; /* armed IA32_TSC_DEADLINE, 0 = disarmed */
        bool extint_msg;       /* an ExtINT message from the bus awaits INTA */
    } r;
    bool lint_in[2]; /* raw LINT0/LINT1 input levels (inputs: kept across reset) */
};

extern const struct lapic_ops lapic_ops;
extern const struct dev_class lapic_class;

/* NULL if cfg->apic_id >= APIC_BUS_MAX_APICS or that bus slot is taken. */
struct lapic *lapic_new(const struct dev_env *env, const struct lapic_config *cfg);

/* The MMIO page's guest-physical base (IA32_APIC_BASE[MAXPHYADDR-1:12]). */
uint64_t lapic_base(const struct lapic *s);
/* True while the CPU should route its MMIO page here: globally enabled and
 * not in x2APIC mode (else the page is ordinary memory). */
bool lapic_mmio_active(const struct lapic *s);
bool lapic_x2apic_mode(const struct lapic *s);

/* The LINT0 (8259 INTR) and LINT1 (NMI) input pins. */
void lapic_set_lint(struct lapic *s, int lint, int level);

/* Bus side (apic_bus.c). */
bool lapic_bus_listening(const struct lapic *s); /* globally enabled */
bool lapic_bus_match(const struct lapic *s, const struct apic_msg *m);
/* Lowest-priority arbitration: the PPR, and whether this APIC is the focus
 * processor for `vector` (it has it pending or in service). */
uint8_t lapic_bus_priority(const struct lapic *s);
bool lapic_bus_focus(const struct lapic *s, uint8_t vector);
bool lapic_bus_accepts_fixed(const struct lapic *s); /* software-enabled */
/* Take a message addressed to this APIC; true if accepted. */
bool lapic_bus_receive(struct lapic *s, const struct apic_msg *m);

#endif
