/* SPDX-License-Identifier: GPL-2.0-or-later */
/* piix3.h: Intel 82371SB (PIIX3) function 0, the PCI-to-ISA bridge, at
 * PCI 00:01.0 (8086:7000, multi-function header).
 *
 * Board wiring (hw/pc.c):
 *   p = piix3_new(env, bus, PCI_DEVFN(1, 0))
 *   bus->set_irq = piix3_set_pirq, bus->opaque = p: PIRQA#-D# levels in.
 *   p->isa_irq[n] (n = 3-7, 9-12, 14, 15): PIRQs routed to ISA IRQ n by
 *   PIRQRC[A-D]; the board ORs each with the other sources of ISA IRQ n.
 *   p->rcr: the reset control register (I/O 0xcf9, 1 byte); it shares the
 *   dword at 0xcf8 with the host bridge's CONFADD, so the board makes it
 *   the i440fx's cf9_target instead of mapping it.  A reset request
 *   arrives as dev_request(env, SYS_RESET, 1 hard / 0 soft).
 *   add_dev(p, &piix3_class).  ELCR (0x4d0/0x4d1) lives in the 8259 model. */
#ifndef HW_PCI_PIIX3_H
#define HW_PCI_PIIX3_H

#include "hw/pci/pci.h"

#define PIIX3_VENDOR 0x8086
#define PIIX3_DEVICE 0x7000

/* Configuration registers (82371SB datasheet, 2.2). */
#define PIIX3_IORT 0x4c
#define PIIX3_XBCS 0x4e
#define PIIX3_PIRQRC 0x60 /* PIRQRC[A-D]: 0x60-0x63 */
#define PIIX3_TOM 0x69
#define PIIX3_MSTAT 0x6a
#define PIIX3_MBIRQ0 0x70
#define PIIX3_MBIRQ1 0x71
#define PIIX3_MBDMA0 0x76
#define PIIX3_MBDMA1 0x77
#define PIIX3_PCSC 0x78
#define PIIX3_APICBASE 0x80
#define PIIX3_DLC 0x82
#define PIIX3_SMICNTL 0xa0
#define PIIX3_SMIEN 0xa2
#define PIIX3_SEE 0xa4
#define PIIX3_FTMR 0xa8
#define PIIX3_SMIREQ 0xaa
#define PIIX3_CTLTMR 0xac
#define PIIX3_CTHTMR 0xae

#define PIIX3_PIRQ_DISABLE 0x80 /* PIRQRC bit 7: not routed */

/* Reset control register (I/O 0xcf9). */
#define PIIX3_RC_PORT 0xcf9
#define PIIX3_RC_SRST 0x02 /* 1: hard (system) reset, 0: soft reset (INIT) */
#define PIIX3_RC_RCPU 0x04 /* 0->1 starts the reset */

struct piix3 {
    struct pci_dev pci;
    const struct dev_env *env;
    struct mem_region rcr;
    struct irq_line isa_irq[16];
    uint8_t pirq_in; /* bit n: PIRQ n asserted by the bus */
    uint8_t rc;
    bool trace;
};

struct piix3 *piix3_new(const struct dev_env *env, struct pci_bus *bus, uint8_t devfn);
/* The bus's set_irq: opaque is the piix3. */
void piix3_set_pirq(void *opaque, unsigned pirq, int level);
/* ISA IRQ PIRQ n is routed to, or -1 (disabled or reserved IRQ). */
int piix3_pirq_route(const struct piix3 *p, unsigned pirq);

extern const struct dev_class piix3_class;

#endif
