/* SPDX-License-Identifier: GPL-2.0-or-later */
/* apic_bus.h: the interrupt-message fabric between the I/O APIC(s), MSIs and
 * the local APICs, for accelerators that model the APICs in userspace (soft,
 * test).
 *
 * The board creates one bus, creates every LAPIC with cfg.bus pointing at it
 * (a LAPIC attaches itself at index = its APIC ID = its CPU index), and the
 * IOAPIC with the same bus (it registers itself as an EOI listener).  PCI
 * MSI writes to 0xFEExxxxx go to apic_bus_msi().  Everything runs under the
 * machine lock.  The bus holds no guest state of its own (nothing to save).
 *
 * Sources: Intel SDM Vol. 3A chapter 11 (Order 253668), "Advanced
 * Programmable Interrupt Controller (APIC)": "Determining IPI Destination"
 * (physical, logical flat/cluster, broadcast), "Lowest Priority Delivery
 * Mode", "x2APIC Logical Destination Mode", "Message Signalled Interrupts"
 * (address/data format), "EOI" (broadcast of level-triggered EOIs to the
 * I/O APICs). */
#ifndef HW_INTC_APIC_BUS_H
#define HW_INTC_APIC_BUS_H

#include "core/base.h"
#include "core/log.h"

#define APIC_BUS_MAX_APICS 255 /* xAPIC IDs 0..254; 0xFF is broadcast */
#define APIC_BUS_MAX_LISTENERS 4
#define APIC_BCAST_XAPIC 0xFFu
#define APIC_BCAST_X2APIC 0xFFFFFFFFu

/* Delivery modes (ICR, LVT, redirection entry and MSI data bits 10:8). */
enum apic_dm {
    APIC_DM_FIXED = 0,
    APIC_DM_LOWEST = 1,
    APIC_DM_SMI = 2,
    APIC_DM_NMI = 4,
    APIC_DM_INIT = 5,
    APIC_DM_STARTUP = 6,
    APIC_DM_EXTINT = 7,
};

/* MSI address/data (SDM "Message Address Register Format", "Message Data
 * Register Format"). */
#define MSI_ADDR_BASE 0xFEE00000u
#define MSI_ADDR_DEST_SHIFT 12 /* destination ID, bits 19:12 */
#define MSI_ADDR_RH BIT(3)     /* redirection hint */
#define MSI_ADDR_DM BIT(2)     /* 1 = logical destination */
#define MSI_DATA_LEVEL BIT(14) /* level-triggered only: 1 = assert */
#define MSI_DATA_TRIGGER BIT(15)

struct lapic;

/* One interrupt message.  Fill with a designated initializer; zero fields
 * mean: 8-bit physical destination, fixed, edge, no shorthand. */
struct apic_msg {
    uint32_t dest;      /* APIC ID, logical MDA, or broadcast */
    bool dest32;        /* x2APIC-format destination (from an x2APIC ICR) */
    bool logical;       /* destination mode */
    uint8_t mode;       /* enum apic_dm */
    uint8_t vector;     /* fixed/lowest/ExtINT vector, SIPI page */
    bool level;         /* trigger mode: level (sets the TMR bit) */
    bool all;           /* shorthand all-including/excluding-self: dest ignored */
    const struct lapic *exclude; /* all-excluding-self: the sender */
    bool redir_hint;    /* MSI RH = 1: arbitrate fixed like lowest priority */
};

struct apic_bus {
    struct lapic *apics[APIC_BUS_MAX_APICS]; /* by CPU index = APIC ID */
    unsigned napics;                         /* highest attached index + 1 */
    struct {
        void (*fn)(void *opaque, uint8_t vector);
        void *opaque;
    } eoi[APIC_BUS_MAX_LISTENERS];
    const struct log *log;
};

struct apic_bus *apic_bus_new(const struct log *log);
/* After every LAPIC and IOAPIC on it has been destroyed. */
void apic_bus_free(struct apic_bus *bus);

/* Called by lapic_new / lapic destroy; index < APIC_BUS_MAX_APICS. */
void apic_bus_attach(struct apic_bus *bus, unsigned index, struct lapic *apic);
void apic_bus_detach(struct apic_bus *bus, struct lapic *apic);
struct lapic *apic_bus_get(const struct apic_bus *bus, unsigned index);

/* Deliver a message to every LAPIC it addresses (one of them for lowest
 * priority).  Returns how many LAPICs accepted a fixed/lowest-priority
 * interrupt into their IRR (the IOAPIC sets remote IRR only if one did), or
 * for other modes how many were signalled. */
unsigned apic_bus_deliver(struct apic_bus *bus, const struct apic_msg *m);

/* A PCI MSI/MSI-X write of `data` to `addr` (must be 0xFEExxxxx; anything
 * else is dropped with a guest error).  Extended destination IDs (address
 * bits 11:5) are not advertised and ignored. */
void apic_bus_msi(struct apic_bus *bus, uint64_t addr, uint32_t data);

/* Level-triggered EOI broadcast (SDM "EOI Register"): fn(opaque, vector) is
 * called for every EOI of a vector whose TMR bit was set.  fn == NULL removes
 * the listener registered with `opaque`. */
void apic_bus_set_eoi_listener(struct apic_bus *bus, void (*fn)(void *opaque, uint8_t vector),
                               void *opaque);
/* Called by a LAPIC; also usable by a board emulating a directed EOI. */
void apic_bus_eoi(struct apic_bus *bus, uint8_t vector);

#endif
