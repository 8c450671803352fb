/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ioapic.c: I/O Advanced Programmable Interrupt Controller.
 *
 * Source: Intel 82093AA I/O APIC datasheet (Order 290566): 3.0 "Register
 * Description" (IOREGSEL/IOWIN at offsets 0x00/0x10, IOAPICID bits 27:24,
 * IOAPICVER with the maximum redirection entry in bits 23:16, IOAPICARB
 * loaded from the ID, the 64-bit redirection table entries at 0x10-0x3F:
 * vector, delivery mode, destination mode, delivery status, polarity, remote
 * IRR, trigger mode, mask, destination 63:56), 2.4 "Interrupt Handling"
 * (edge inputs deliver on the asserting edge, level inputs deliver while
 * asserted with remote IRR set until the EOI message for that vector);
 * version 0x20 behaviour (the EOI register at offset 0x40) as in the Intel
 * ICH I/O APICs; Intel SDM Vol. 3A chapter 11 for the EOI broadcast.
 *
 * Emulated: the register file, 24 pins, every delivery mode the entry
 * allows (fixed, lowest priority, SMI, NMI, INIT, ExtINT; the reserved
 * encodings 011/110 are dropped and logged), physical/logical destinations
 * through the APIC bus, polarity, remote IRR (set when a LAPIC accepted the
 * level interrupt, cleared by an EOI for its vector or by switching the
 * entry to edge), re-delivery on EOI and on unmask while a level input is
 * still asserted, the EOI register.
 * Not emulated: delivery status (delivery is instantaneous, so it reads 0),
 * the APIC serial bus arbitration, the pin assertion register, the 82093AA's
 * 4-bit physical destination (all 8 destination bits are used).
 * Edge interrupts that arrive while the pin is masked are lost, as on the
 * hardware.
 *
 * Guests: Linux reads the version (0x20 => it may use the EOI register to
 * clear a stale remote IRR, and relies on remote IRR clearing when it flips
 * an entry to edge on older versions), masks and unmasks level pins around
 * handlers and reads the LAPIC TMR to decide whether an explicit EOI is
 * needed; Windows uses logical lowest-priority entries.
 *
 * Threat model: IOREGSEL is 8 bits and only 0x00-0x02 and 0x10-0x3F reach
 * state (the rest read 0); pins are bounds-checked; re-delivery on EOI is one
 * message per pin per EOI, so a guest cannot make it loop. */
#include <glib.h>
#include "hw/intc/ioapic.h"

/* Software-writable bits of an entry: all but delivery status, remote IRR
 * and the reserved bits 55:17. */
#define RTE_WRITABLE (0xFF00000000000000ULL | 0xFFFULL | IOAPIC_RTE_ACTIVE_LOW | \
                      IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED)

static bool pin_active(const struct ioapic *s, unsigned pin)
{
    return ((s->pin_level >> pin) & 1) ^ !!(s->rte[pin] & IOAPIC_RTE_ACTIVE_LOW);
}

static void deliver(struct ioapic *s, unsigned pin)
{
    uint64_t e = s->rte[pin];
    unsigned mode = (e >> IOAPIC_RTE_DM_SHIFT) & 7;
    if (mode == 3 || mode == 6) {
        log_guest_error(s->env->log, "ioapic", "pin %u: reserved delivery mode %u", pin, mode);
        return;
    }
    bool fixed = mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST;
    bool level = fixed && (e & IOAPIC_RTE_LEVEL);
    struct apic_msg m = {
        .dest = (uint32_t)(e >> IOAPIC_RTE_DEST_SHIFT),
        .logical = e & IOAPIC_RTE_LOGICAL,
        .mode = (uint8_t)mode,
        .vector = e & 0xFF,
        .level = level,
    };
    TRACE(s->env->log, s->trace, "ioapic: pin %u -> vector 0x%02x mode %u dest 0x%02x", pin,
          m.vector, mode, m.dest);
    unsigned n = s->bus ? apic_bus_deliver(s->bus, &m) : 0;
    /* Remote IRR tracks an interrupt some LAPIC holds and will EOI; if
     * none took it, no EOI will come and the pin must not stay blocked. */
    if (level && n)
        s->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
}

/* A level pin delivers whenever it is asserted, unmasked and not already
 * waiting for its EOI. */
static void service_level(struct ioapic *s, unsigned pin)
{
    uint64_t e = s->rte[pin];
    if ((e & IOAPIC_RTE_LEVEL) && !(e & (IOAPIC_RTE_MASKED | IOAPIC_RTE_REMOTE_IRR)) &&
        pin_active(s, pin))
        deliver(s, pin);
}

void ioapic_set_irq(struct ioapic *s, unsigned pin, int level)
{
    if (pin >= IOAPIC_PINS)
        return;
    bool was = pin_active(s, pin);
    if (level)
        s->pin_level |= 1u << pin;
    else
        s->pin_level &= ~(1u << pin);
    uint64_t e = s->rte[pin];
    if (e & IOAPIC_RTE_LEVEL)
        service_level(s, pin);
    else if (!was && pin_active(s, pin) && !(e & IOAPIC_RTE_MASKED))
        deliver(s, pin);
}

void ioapic_eoi(struct ioapic *s, uint8_t vector)
{
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
        uint64_t e = s->rte[pin];
        if ((e & IOAPIC_RTE_REMOTE_IRR) && (e & 0xFF) == vector) {
            s->rte[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
            service_level(s, pin);
        }
    }
}

static void eoi_listener(void *opaque, uint8_t vector)
{
    ioapic_eoi(opaque, vector);
}

static void rte_write(struct ioapic *s, unsigned pin, bool high, uint32_t v)
{
    uint64_t e = s->rte[pin];
    if (high)
        e = (e & 0xFFFFFFFFULL) | (uint64_t)v << 32;
    else
        e = (e & ~0xFFFFFFFFULL) | v;
    e = (e & RTE_WRITABLE) | (s->rte[pin] & IOAPIC_RTE_REMOTE_IRR);
    /* Remote IRR means nothing for edge entries; Linux clears a stuck one
     * by switching the entry to edge and back. */
    if (!(e & IOAPIC_RTE_LEVEL))
        e &= ~IOAPIC_RTE_REMOTE_IRR;
    s->rte[pin] = e;
    service_level(s, pin); /* unmasking an asserted level input delivers */
}

static uint32_t reg_read(struct ioapic *s, uint8_t idx)
{
    switch (idx) {
    case IOAPIC_REG_ID:
        return (uint32_t)s->id << 24;
    case IOAPIC_REG_VER:
        return IOAPIC_VERSION;
    case IOAPIC_REG_ARB:
        return (uint32_t)s->arb_id << 24;
    default:
        if (idx >= IOAPIC_REG_REDTBL && idx < IOAPIC_REG_REDTBL + 2 * IOAPIC_PINS) {
            uint64_t e = s->rte[(idx - IOAPIC_REG_REDTBL) / 2];
            return idx & 1 ? (uint32_t)(e >> 32) : (uint32_t)e;
        }
        return 0;
    }
}

static void reg_write(struct ioapic *s, uint8_t idx, uint32_t v)
{
    TRACE(s->env->log, s->trace, "ioapic: write [0x%02x] = 0x%08x", idx, v);
    if (idx == IOAPIC_REG_ID) {
        s->id = (v >> 24) & 0xF;
        s->arb_id = s->id;
    } else if (idx >= IOAPIC_REG_REDTBL && idx < IOAPIC_REG_REDTBL + 2 * IOAPIC_PINS) {
        rte_write(s, (idx - IOAPIC_REG_REDTBL) / 2, idx & 1, v);
    } else if (idx != IOAPIC_REG_VER && idx != IOAPIC_REG_ARB) {
        log_guest_error(s->env->log, "ioapic", "write to register 0x%02x ignored", idx);
    }
}

static uint64_t ioapic_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    struct ioapic *s = opaque;
    switch (offset) {
    case IOAPIC_IOREGSEL:
        return s->ioregsel;
    case IOAPIC_IOWIN:
        return reg_read(s, s->ioregsel);
    default:
        return 0;
    }
}

static void ioapic_mmio_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    struct ioapic *s = opaque;
    switch (offset) {
    case IOAPIC_IOREGSEL:
        s->ioregsel = (uint8_t)val;
        break;
    case IOAPIC_IOWIN:
        reg_write(s, s->ioregsel, (uint32_t)val);
        break;
    case IOAPIC_EOI:
        ioapic_eoi(s, (uint8_t)val);
        break;
    default:
        log_guest_error(s->env->log, "ioapic", "write to offset 0x%02llx ignored",
                        (unsigned long long)offset);
        break;
    }
}

static const struct io_ops ioapic_io_ops = {
    .read = ioapic_mmio_read,
    .write = ioapic_mmio_write,
    .min_size = 4,
    .max_size = 4,
};

/* ---- board API and dev_class ---- */

struct ioapic *ioapic_new(const struct dev_env *env, struct apic_bus *bus)
{
    struct ioapic *s = g_new0(struct ioapic, 1);
    s->env = env;
    s->bus = bus;
    s->trace = trace_on(env->log, "ioapic");
    region_init_io(&s->region, "ioapic", IOAPIC_MMIO_SIZE, &ioapic_io_ops, s);
    if (bus)
        apic_bus_set_eoi_listener(bus, eoi_listener, s);
    ioapic_class.reset(s, RESET_COLD);
    return s;
}

void ioapic_set_reset_id(struct ioapic *s, uint8_t id)
{
    s->reset_id = id & 0xF;
}

/* RESET: every entry masked, the rest 0; input levels are the board's. */
static void ioapic_reset(void *dev, enum reset_kind kind)
{
    struct ioapic *s = dev;
    (void)kind;
    s->ioregsel = 0;
    s->id = s->arb_id = s->reset_id;
    for (unsigned i = 0; i < IOAPIC_PINS; i++)
        s->rte[i] = IOAPIC_RTE_MASKED;
}

static void ioapic_save(void *dev, struct vm_writer *w)
{
    struct ioapic *s = dev;
    uint8_t buf[8 * IOAPIC_PINS];
    vmw_u8(w, "ioregsel", s->ioregsel);
    vmw_u8(w, "id", s->id);
    vmw_u8(w, "arb_id", s->arb_id);
    for (unsigned i = 0; i < IOAPIC_PINS; i++)
        st64(buf + 8 * i, s->rte[i]);
    vmw_bytes(w, "rte", buf, sizeof(buf));
    vmw_u32(w, "pin_level", s->pin_level);
}

static int ioapic_load(void *dev, struct vm_reader *r)
{
    struct ioapic *s = dev;
    uint8_t buf[8 * IOAPIC_PINS];
    uint8_t sel = s->ioregsel, id = s->id, arb = s->arb_id;
    uint32_t level = s->pin_level;
    for (unsigned i = 0; i < IOAPIC_PINS; i++)
        st64(buf + 8 * i, s->rte[i]);
    vmr_u8(r, "ioregsel", &sel);
    vmr_u8_max(r, "id", &id, 0xF);
    vmr_u8_max(r, "arb_id", &arb, 0xF);
    vmr_bytes(r, "rte", buf, sizeof(buf));
    vmr_u32_max(r, "pin_level", &level, (1u << IOAPIC_PINS) - 1);
    if (vmr_failed(r))
        return -1;
    uint64_t rte[IOAPIC_PINS];
    for (unsigned i = 0; i < IOAPIC_PINS; i++) {
        rte[i] = ld64(buf + 8 * i);
        bool rirr_ok = (rte[i] & IOAPIC_RTE_LEVEL) || !(rte[i] & IOAPIC_RTE_REMOTE_IRR);
        if ((rte[i] & ~(RTE_WRITABLE | IOAPIC_RTE_REMOTE_IRR)) || !rirr_ok) {
            vmr_fail(r, "rte", "entry %u = 0x%016llx is not a valid entry", i,
                     (unsigned long long)rte[i]);
            return -1;
        }
    }
    s->ioregsel = sel;
    s->id = id;
    s->arb_id = arb;
    s->pin_level = level;
    for (unsigned i = 0; i < IOAPIC_PINS; i++)
        s->rte[i] = rte[i];
    return 0;
}

static void ioapic_destroy(void *dev)
{
    struct ioapic *s = dev;
    if (s->bus)
        apic_bus_set_eoi_listener(s->bus, NULL, s);
    g_free(s);
}

const struct dev_class ioapic_class = {
    .name = "ioapic",
    .version = 1,
    .reset = ioapic_reset,
    .save = ioapic_save,
    .load = ioapic_load,
    .destroy = ioapic_destroy,
};
