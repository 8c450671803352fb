/* SPDX-License-Identifier: GPL-2.0-or-later */
/* apic_bus.c: interrupt-message delivery between the I/O APIC, MSIs and the
 * local APICs (the "APIC bus" of the 82489DX/P6, the system bus since the
 * Pentium 4).
 *
 * Sources: Intel SDM Vol. 3A (Order 253668) chapter 11 "Advanced
 * Programmable Interrupt Controller (APIC)": "Determining IPI Destination"
 * (physical destination, logical destination with the flat and cluster
 * models of the DFR, broadcast 0xFF), "Lowest Priority Delivery Mode" (focus
 * processor, then the lowest priority), "x2APIC Logical Destination Mode"
 * (cluster ID bits 31:16, member bitmap bits 15:0; 0xFFFFFFFF broadcast),
 * "Message Signalled Interrupts" (address 0xFEExxxxx: destination bits
 * 19:12, RH bit 3, DM bit 2; data: vector 7:0, delivery mode 10:8, level
 * 14, trigger 15), "EOI" (EOI message to the I/O APICs for level-triggered
 * vectors).
 *
 * Emulated: every delivery mode (fixed, lowest priority, SMI, NMI, INIT,
 * start-up, ExtINT; the LAPIC's ICR code drops INIT level de-assert as the
 * Pentium 4 and later do, and level-triggered de-assert MSIs are dropped), physical/logical/broadcast destinations in xAPIC and x2APIC
 * formats, the MSI format with the redirection hint, the EOI broadcast.
 * Lowest priority picks the focus processor if there is one, else the APIC
 * with the lowest PPR; ties go to the lowest APIC ID (deterministic, and
 * what a chipset without round-robin does).  Delivery is instantaneous, so no
 * "send pending" state exists.
 * Not emulated: interrupt remapping, the extended MSI destination ID (bits
 * 11:5, only used when a hypervisor advertises it), directed EOI.
 * Quirk: an 8-bit source (IOAPIC, MSI, xAPIC ICR) sending to 0xFF reaches
 * every APIC even in x2APIC mode, as x2APIC systems without interrupt
 * remapping (Linux "x2apic without IR" with IDs < 255) expect.
 *
 * Guests: Linux uses fixed physical (modern) or logical flat/cluster with
 * lowest priority (older, and Windows); SeaBIOS broadcasts INIT/SIPI with
 * the all-excluding-self shorthand.
 *
 * Threat model: destinations are compared, never used as indexes without a
 * bound check (index < APIC_BUS_MAX_APICS); the guest cannot make delivery
 * loop: each message visits each APIC at most once. */
#include <glib.h>
#include "hw/intc/apic_bus.h"
#include "hw/intc/lapic.h"

struct apic_bus *apic_bus_new(const struct log *log)
{
    struct apic_bus *bus = g_new0(struct apic_bus, 1);
    bus->log = log;
    return bus;
}

void apic_bus_free(struct apic_bus *bus)
{
    g_free(bus);
}

void apic_bus_attach(struct apic_bus *bus, unsigned index, struct lapic *apic)
{
    if (index >= APIC_BUS_MAX_APICS)
        return;
    bus->apics[index] = apic;
    if (index + 1 > bus->napics)
        bus->napics = index + 1;
}

void apic_bus_detach(struct apic_bus *bus, struct lapic *apic)
{
    for (unsigned i = 0; i < bus->napics; i++) {
        if (bus->apics[i] == apic)
            bus->apics[i] = NULL;
    }
    while (bus->napics && !bus->apics[bus->napics - 1])
        bus->napics--;
}

struct lapic *apic_bus_get(const struct apic_bus *bus, unsigned index)
{
    return index < bus->napics ? bus->apics[index] : NULL;
}

/* Does the message address this APIC (ignoring the delivery mode)? */
static bool addressed(const struct lapic *a, const struct apic_msg *m)
{
    if (!a || !lapic_bus_listening(a) || a == m->exclude)
        return false;
    return m->all || lapic_bus_match(a, m);
}

/* Lowest priority: among the addressed, software-enabled APICs, the focus
 * processor if any, else the lowest PPR, ties to the lowest index. */
static struct lapic *arbitrate(struct apic_bus *bus, const struct apic_msg *m)
{
    struct lapic *best = NULL;
    uint8_t best_prio = 0;
    for (unsigned i = 0; i < bus->napics; i++) {
        struct lapic *a = bus->apics[i];
        if (!addressed(a, m) || !lapic_bus_accepts_fixed(a))
            continue;
        if (lapic_bus_focus(a, m->vector))
            return a;
        uint8_t prio = lapic_bus_priority(a) & 0xF0;
        if (!best || prio < best_prio) {
            best = a;
            best_prio = prio;
        }
    }
    return best;
}

unsigned apic_bus_deliver(struct apic_bus *bus, const struct apic_msg *m)
{
    if (m->mode == APIC_DM_LOWEST ||
        (m->redir_hint && m->mode == APIC_DM_FIXED)) {
        struct lapic *a = arbitrate(bus, m);
        if (!a) {
            log_guest_error(bus->log, "apic_bus",
                            "lowest-priority vector 0x%02x: no APIC addressed", m->vector);
            return 0;
        }
        return lapic_bus_receive(a, m);
    }
    unsigned n = 0;
    for (unsigned i = 0; i < bus->napics; i++) {
        struct lapic *a = bus->apics[i];
        if (addressed(a, m))
            n += lapic_bus_receive(a, m);
    }
    return n;
}

void apic_bus_msi(struct apic_bus *bus, uint64_t addr, uint32_t data)
{
    if ((addr >> 20) != (MSI_ADDR_BASE >> 20)) {
        log_guest_error(bus->log, "apic_bus", "MSI to 0x%llx is not an interrupt message",
                        (unsigned long long)addr);
        return;
    }
    struct apic_msg m = {
        .dest = (uint32_t)(addr >> MSI_ADDR_DEST_SHIFT) & 0xFF,
        .logical = addr & MSI_ADDR_DM,
        .redir_hint = addr & MSI_ADDR_RH,
        .vector = data & 0xFF,
        .mode = (data >> 8) & 7,
        .level = data & MSI_DATA_TRIGGER,
    };
    /* A level-triggered de-assert message carries no interrupt. */
    if (m.level && !(data & MSI_DATA_LEVEL))
        return;
    if (m.mode == 3) {
        log_guest_error(bus->log, "apic_bus", "MSI with reserved delivery mode 3");
        return;
    }
    apic_bus_deliver(bus, &m);
}

void apic_bus_set_eoi_listener(struct apic_bus *bus, void (*fn)(void *opaque, uint8_t vector),
                               void *opaque)
{
    for (unsigned i = 0; i < APIC_BUS_MAX_LISTENERS; i++) {
        if (bus->eoi[i].fn && bus->eoi[i].opaque == opaque) {
            bus->eoi[i].fn = fn;
            return;
        }
    }
    if (!fn)
        return;
    for (unsigned i = 0; i < APIC_BUS_MAX_LISTENERS; i++) {
        if (!bus->eoi[i].fn) {
            bus->eoi[i].fn = fn;
            bus->eoi[i].opaque = opaque;
            return;
        }
    }
    error_report("apic_bus: more than %d EOI listeners", APIC_BUS_MAX_LISTENERS);
}

void apic_bus_eoi(struct apic_bus *bus, uint8_t vector)
{
    for (unsigned i = 0; i < APIC_BUS_MAX_LISTENERS; i++) {
        if (bus->eoi[i].fn)
            bus->eoi[i].fn(bus->eoi[i].opaque, vector);
    }
}
