/* SPDX-License-Identifier: GPL-2.0-or-later */
/* i8254.h: the PC's 8254 programmable interval timer and the "system
 * control port B" at port 0x61 (timer 2 gate and output, speaker enable,
 * refresh toggle).
 *
 * Used when hvemu models the timer itself (soft and test accelerators);
 * under KVM the in-kernel PIT is used instead.
 *
 * The board creates it with i8254_new(), maps
 *   region        at port 0x40 (4 ports: counters 0-2 at 0x40-0x42, control 0x43),
 *   region_port61 at port 0x61 (1 port),
 * and connects `irq` (counter 0's OUT) to ISA IRQ 0, which the board routes
 * to 8259 IR0 and (through the usual interrupt source override) IOAPIC
 * pin 2. */
#ifndef HW_TIMER_I8254_H
#define HW_TIMER_I8254_H

#include "core/device.h"

#define I8254_HZ 1193182 /* 14.31818 MHz / 12 */

/* One counter.  Private to i8254.c.  The counting element (CE) is never
 * ticked: while it counts (state RUN) its value and OUT are functions of
 * the clock tick, from a segment that starts at `base`. */
struct i8254_counter {
    uint8_t ctrl;        /* control word bits 5-0: RW1 RW0 M2 M1 M0 BCD */
    uint16_t cr;         /* count register, as written */
    uint8_t cr_lsb;      /* LSB waiting for its MSB */
    bool wr_msb, rd_msb; /* write and read flip-flops: next byte is the MSB */
    uint16_t ol;         /* output latch (encoded count) */
    bool ol_valid;
    uint8_t status;      /* latched status byte */
    bool status_valid;
    bool null_count;     /* CR written and not yet loaded into the CE */
    bool count_written;  /* a complete count was written since the control word */
    bool gate;
    uint8_t state;       /* enum in i8254.c: idle, frozen, run */
    bool armed;          /* one-shot modes: the terminal count at base + n is ahead */
    bool out;            /* OUT when not running; one-shot modes: OUT before TC */
    bool reload_pending; /* modes 2/3: CR goes into CE at the next boundary */
    uint16_t ce;         /* CE value (not BCD-encoded) when not running */
    uint32_t n;          /* one-shot: CE at base (1..65536); periodic: the period */
    uint32_t phase;      /* periodic: position in the period at base */
    int64_t base;        /* tick the running segment starts at */
    int64_t load_at;     /* tick at which CR goes into CE, or -1 */
    int64_t last;        /* tick the counter state has been advanced to */
};

struct i8254 {
    struct mem_region region;        /* ports 0x40-0x43 */
    struct mem_region region_port61; /* port 0x61 */
    struct irq_line irq;             /* counter 0 OUT: ISA IRQ 0 */

    /* Everything below is private to i8254.c. */
    const struct dev_env *env;
    struct vtimer timer; /* next counter 0 OUT change that matters for IRQ 0 */
    bool trace;
    bool line;           /* level we drive on irq (may hold high past OUT, see .c) */
    uint8_t port61;      /* bits 3-0 as written */
    int64_t last_fire;   /* virtual time of the last timer callback */
    struct i8254_counter ctr[3];
};

extern const struct dev_class i8254_class;

struct i8254 *i8254_new(const struct dev_env *env);

#endif
