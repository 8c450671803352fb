/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ioapic.h: the I/O APIC (82093AA register model, version 0x20 as in the
 * ICH/PIIX-era chipsets Linux and Windows handle), 24 inputs.
 *
 * Board: create it on the machine's APIC bus (it registers itself as the
 * bus's EOI listener), map `region` (IOAPIC_MMIO_SIZE bytes) at
 * IOAPIC_DEFAULT_BASE in the memory space, and route every GSI 0-23 level
 * to ioapic_set_irq().  Lines are level inputs as the board sees them (1 =
 * high); the redirection entry's polarity decides which level is active. */
#ifndef HW_INTC_IOAPIC_H
#define HW_INTC_IOAPIC_H

#include "core/device.h"
#include "hw/intc/apic_bus.h"

#define IOAPIC_DEFAULT_BASE 0xFEC00000ULL
#define IOAPIC_MMIO_SIZE 0x100
#define IOAPIC_PINS 24
#define IOAPIC_VERSION 0x00170020u /* max redirection entry 23, version 0x20 */

/* MMIO offsets. */
#define IOAPIC_IOREGSEL 0x00
#define IOAPIC_IOWIN 0x10
#define IOAPIC_EOI 0x40 /* version 0x20: write a vector to clear remote IRR */

/* Indirect registers. */
#define IOAPIC_REG_ID 0x00
#define IOAPIC_REG_VER 0x01
#define IOAPIC_REG_ARB 0x02
#define IOAPIC_REG_REDTBL 0x10 /* + 2 * pin (low), + 2 * pin + 1 (high) */

/* Redirection entry bits. */
#define IOAPIC_RTE_DM_SHIFT 8
#define IOAPIC_RTE_LOGICAL BIT(11)
#define IOAPIC_RTE_PENDING BIT(12)
#define IOAPIC_RTE_ACTIVE_LOW BIT(13)
#define IOAPIC_RTE_REMOTE_IRR BIT(14)
#define IOAPIC_RTE_LEVEL BIT(15)
#define IOAPIC_RTE_MASKED BIT(16)
#define IOAPIC_RTE_DEST_SHIFT 56

struct ioapic {
    struct mem_region region; /* IOAPIC_MMIO_SIZE bytes at IOAPIC_DEFAULT_BASE */

    /* Everything below is private to ioapic.c. */
    const struct dev_env *env;
    struct apic_bus *bus;
    bool trace;
    uint8_t reset_id;  /* ID after reset (ioapic_set_reset_id) */
    uint8_t ioregsel;
    uint8_t id;        /* 4 bits (register bits 27:24) */
    uint8_t arb_id;    /* loaded from the ID on every ID write */
    uint64_t rte[IOAPIC_PINS];
    uint32_t pin_level; /* raw input levels, bit per pin (kept across reset) */
};

extern const struct dev_class ioapic_class;

/* bus may be NULL (then interrupts go nowhere; for tests of the register
 * file). */
struct ioapic *ioapic_new(const struct dev_env *env, struct apic_bus *bus);
/* The ID the ID register takes at reset (0 unless the board's firmware
 * tables say otherwise); 4 bits.  Call before the first reset. */
void ioapic_set_reset_id(struct ioapic *s, uint8_t id);
/* Drive input `pin` (0-23; others are ignored). */
void ioapic_set_irq(struct ioapic *s, unsigned pin, int level);
/* An EOI for `vector` (what the bus broadcast and the EOI register do). */
void ioapic_eoi(struct ioapic *s, uint8_t vector);

#endif
