/* SPDX-License-Identifier: GPL-2.0-or-later */
/* uart16550.h: National Semiconductor PC16550D UART (PC COM port).
 *
 * The board maps `region` (8 ports) and connects `irq` (the ISA line, already
 * gated by MCR OUT2 as on a PC):
 *   COM1 0x3F8 IRQ4, COM2 0x2F8 IRQ3, COM3 0x3E8 IRQ4, COM4 0x2E8 IRQ3.
 * The chardev may be NULL (output discarded, no input); the UART becomes its
 * frontend and detaches on destroy, but never frees it. */
#ifndef HW_CHAR_UART16550_H
#define HW_CHAR_UART16550_H

#include "core/chardev.h"
#include "core/device.h"

#define UART_FIFO_SIZE 16

struct uart16550 {
    struct mem_region region; /* 8 bytes of port I/O, byte access */
    struct irq_line irq;

    const struct dev_env *env;
    struct chardev *cd;
    char *name;
    bool trace;

    /* Registers (PC16550D section 8). */
    uint8_t ier, lcr, mcr, scr;
    uint8_t fcr;       /* write-only FCR as stored: enable, DMA mode, trigger */
    uint8_t lsr_err;   /* sticky LSR bits: OE PE FE BI and bit 7 */
    uint8_t msr_delta; /* MSR bits 0-3 */
    uint16_t divisor;

    /* Receiver FIFO (one entry deep in 16450 mode, i.e. the RBR). */
    uint8_t rx[UART_FIFO_SIZE];
    uint8_t rx_head, rx_count;

    bool thre_pending;    /* THRE interrupt latched, cleared by IIR read / THR write */
    bool timeout_pending; /* character timeout indication */
    struct vtimer timeout_timer;
};

extern const struct dev_class uart16550_class;

/* name is used for the region and log messages ("com1"). */
struct uart16550 *uart16550_new(const struct dev_env *env, struct chardev *cd,
                                const char *name);

#endif
