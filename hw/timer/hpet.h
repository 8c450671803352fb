/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hpet.h: the IA-PC High Precision Event Timer (one timer block: a 64-bit
 * main counter at 100 MHz and three comparators), as in Intel's ICH/PCH.
 *
 * The board creates it with hpet_new(), maps `region` (HPET_MMIO_SIZE
 * bytes) at HPET_DEFAULT_BASE in the memory space (not under Xen, which
 * owns the HPET: accel->owns & OWN_HPET), and connects:
 *   irq[i]  -> IOAPIC input HPET_ROUTE_FIRST + i (GSIs 20-23), what a timer
 *              drives when its Tn_INT_ROUTE_CNF selects that input;
 *   irq0    -> ISA IRQ 0 (8259 IR0, IOAPIC pin 2): timer 0 in legacy
 *              replacement mode;
 *   irq8    -> ISA IRQ 8 (8259 IR8, IOAPIC pin 8): timer 1 in legacy
 *              replacement mode;
 *   legacy  -> high while LEG_RT_CNF = 1: the board must then keep the
 *              PIT's IRQ 0 and the RTC's IRQ 8 from their inputs (and tell
 *              an accelerator with an in-kernel PIT).
 * The ACPI "HPET" table and the DSDT's HPET device (PNP0103) describe
 * HPET_DEFAULT_BASE and the event timer block ID hpet_block_id() returns. */
#ifndef HW_TIMER_HPET_H
#define HW_TIMER_HPET_H

#include "core/device.h"

#define HPET_DEFAULT_BASE 0xFED00000ULL
#define HPET_MMIO_SIZE 0x400
#define HPET_NUM_TIMERS 3
#define HPET_PERIOD_FS 10000000u /* 10 ns: a 100 MHz counter */
#define HPET_NS_PER_TICK 10
#define HPET_VENDOR_ID 0x8086
#define HPET_REV_ID 1
/* IOAPIC inputs every timer may be routed to (Tn_INT_ROUTE_CAP). */
#define HPET_ROUTE_FIRST 20
#define HPET_NUM_ROUTES 4
#define HPET_ROUTE_CAP 0x00F00000u

/* Register offsets (IA-PC HPET 1.0a, 2.3.8 Table 3). */
#define HPET_REG_CAP 0x000
#define HPET_REG_CONFIG 0x010
#define HPET_REG_ISR 0x020
#define HPET_REG_COUNTER 0x0F0
#define HPET_REG_TN_CONFIG(n) (0x100 + 0x20 * (n))
#define HPET_REG_TN_CMP(n) (0x108 + 0x20 * (n))
#define HPET_REG_TN_FSB(n) (0x110 + 0x20 * (n))

/* General capabilities (low 32 bits). */
#define HPET_CAP_NUM_TIM_SHIFT 8
#define HPET_CAP_COUNT_SIZE BIT(13)
#define HPET_CAP_LEG_RT BIT(15)
#define HPET_CAP_VENDOR_SHIFT 16

/* General configuration. */
#define HPET_CFG_ENABLE BIT(0)
#define HPET_CFG_LEG_RT BIT(1)

/* Timer n configuration and capabilities. */
#define HPET_TN_INT_TYPE BIT(1) /* 1: level */
#define HPET_TN_INT_ENB BIT(2)
#define HPET_TN_TYPE BIT(3)     /* 1: periodic */
#define HPET_TN_PER_CAP BIT(4)
#define HPET_TN_SIZE_CAP BIT(5) /* 1: 64-bit comparator */
#define HPET_TN_VAL_SET BIT(6)
#define HPET_TN_32MODE BIT(8)
#define HPET_TN_ROUTE_SHIFT 9
#define HPET_TN_ROUTE_MASK (0x1fULL << HPET_TN_ROUTE_SHIFT)
#define HPET_TN_FSB_EN BIT(14)
#define HPET_TN_FSB_CAP BIT(15)
#define HPET_TN_ROUTE_CAP_SHIFT 32

/* One comparator.  Private to hpet.c. */
struct hpet_timer {
    uint64_t config; /* the writable bits of Tn_CONFIG (caps are added on read) */
    uint64_t cmp;    /* comparator (accumulator in periodic mode) */
    uint64_t period; /* the value last written to the comparator */
};

struct hpet {
    struct mem_region region;               /* HPET_MMIO_SIZE at HPET_DEFAULT_BASE */
    struct irq_line irq[HPET_NUM_ROUTES];   /* IOAPIC inputs 20-23 */
    struct irq_line irq0, irq8;             /* legacy replacement: ISA IRQ 0 and 8 */
    struct irq_line legacy;                 /* LEG_RT_CNF: PIT IRQ 0 and RTC IRQ 8 off */

    /* Everything below is private to hpet.c. */
    const struct dev_env *env;
    struct vtimer timer; /* the earliest comparator match that has an effect */
    bool trace;
    uint64_t config;     /* general configuration: ENABLE_CNF, LEG_RT_CNF */
    uint64_t isr;        /* general interrupt status (level-triggered timers) */
    uint64_t counter;    /* main counter at base_ns (running) or its value (halted) */
    int64_t base_ns;     /* virtual time at which the running counter had `counter` */
    uint64_t last;       /* counter value comparator matches were handled up to */
    int64_t last_fire;   /* virtual time of the last timer callback */
    struct hpet_timer t[HPET_NUM_TIMERS];
};

extern const struct dev_class hpet_class;

struct hpet *hpet_new(const struct dev_env *env);

/* The low 32 bits of the general capabilities register: the ACPI HPET
 * table's "Event Timer Block ID" field. */
uint32_t hpet_block_id(void);

#endif
