/* SPDX-License-Identifier: GPL-2.0-or-later */
/* i8259.h: the PC/AT's cascaded pair of 8259A interrupt controllers, plus
 * the PIIX3/PIIX4 edge/level control registers (ELCR).
 *
 * Used when hvemu models the interrupt controllers itself (soft and test
 * accelerators); under KVM the in-kernel PIC is used instead.
 *
 * The board creates it with i8259_new(), maps
 *   region_master at port 0x20 (2 ports: 0x20 command, 0x21 data/IMR),
 *   region_slave  at port 0xA0 (2 ports),
 *   region_elcr   at port 0x4D0 (2 ports: 0x4D0 IRQ 0-7, 0x4D1 IRQ 8-15),
 * connects `intr` (the master's INT pin) to the CPU's LINT0 / ExtINT input,
 * and feeds ISA IRQ levels in with i8259_set_irq().  The CPU (through its
 * local APIC) asks i8259_intr_pending() and runs the INTA cycle with
 * i8259_ack(). */
#ifndef HW_INTC_I8259_H
#define HW_INTC_I8259_H

#include "core/device.h"

/* One 8259A.  Private to i8259.c. */
struct i8259_chip {
    uint8_t lines;     /* IR pin levels (master IR2 = the slave's INT) */
    uint8_t edge;      /* edge-sense latches: rising edge seen, not yet acknowledged */
    uint8_t isr, imr;
    uint8_t icw1, icw2, icw3, icw4;
    uint8_t elcr;      /* ELCR bits for this chip's eight inputs */
    uint8_t lowest;    /* IR with the lowest priority (7 after ICW1) */
    uint8_t init_step; /* 0: ready; 1-3: next data write is ICW2, ICW3, ICW4 */
    bool read_isr;     /* OCW3 RR/RIS: command-port reads return ISR (else IRR) */
    bool poll;         /* OCW3 P: the next read is a poll */
    bool smm;          /* special mask mode */
    bool rotate_aeoi;  /* OCW2 "rotate in automatic EOI mode" */
    bool is_slave;
};

struct i8259 {
    struct mem_region region_master; /* ports 0x20-0x21 */
    struct mem_region region_slave;  /* ports 0xA0-0xA1 */
    struct mem_region region_elcr;   /* ports 0x4D0-0x4D1 */
    struct irq_line intr;            /* master INT: high while an interrupt is deliverable */

    /* Everything below is private to i8259.c. */
    const struct dev_env *env;
    bool trace;
    bool warned_8080;
    struct i8259_chip master, slave;
};

extern const struct dev_class i8259_class;

struct i8259 *i8259_new(const struct dev_env *env);

/* Drive ISA IRQ `irq` (0-15) to `level`.  IRQ 2 is the cascade input (the
 * slave's INT drives it) and is ignored here, as are numbers above 15; on
 * the AT bus a card's "IRQ 2" pin reaches IRQ 9. */
void i8259_set_irq(struct i8259 *pic, unsigned irq, int level);

/* True while the master's INT output is high. */
bool i8259_intr_pending(const struct i8259 *pic);

/* The interrupt-acknowledge cycle: returns the vector of the
 * highest-priority deliverable request (the slave's, through the cascade,
 * for master IR2), moves it from IRR to ISR (or applies the automatic EOI),
 * and re-evaluates INT.  With nothing deliverable it returns the spurious
 * vector base+7 of the chip concerned without setting any ISR bit. */
uint8_t i8259_ack(struct i8259 *pic);

/* i8259_ack() with the signature of lapic_config.extint_ack (opaque = pic). */
uint8_t i8259_extint_ack(void *pic);

#endif
