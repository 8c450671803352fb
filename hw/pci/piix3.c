/* SPDX-License-Identifier: GPL-2.0-or-later */
/* piix3.c: Intel 82371SB PCI ISA IDE Xcelerator (PIIX3), function 0: the
 * PCI-to-ISA bridge, with the PIRQ router and the reset control register.
 *
 * Reference: Intel 82371FB (PIIX) and 82371SB (PIIX3) PCI ISA IDE
 * Xcelerator datasheet (order 290550-002): 2.2 PCI configuration registers
 * of function 0 (IORT, XBCS, PIRQRC[A:D], TOM, MSTAT, MBIRQ0/1, MBDMA0/1,
 * PCSC, APICBASE, DLC, the SMI registers), 2.3.x I/O register "Reset
 * Control Register" at 0CF9h, 4.x "PCI interrupt routing" (PIRQx# to one
 * of IRQ3-7, 9-12, 14, 15; 0-2, 8 and 13 are reserved).
 *
 * Emulated: PIRQ routing to the ISA IRQs (a PIRQ routed to an ISA IRQ is
 * ORed with the ISA sources of that IRQ by the board; re-routing while the
 * PIRQ is asserted moves the level from the old IRQ to the new one at
 * once), the reset control register (a 0->1 transition of RCPU resets the
 * machine; SRST chooses hard/soft, both become hvemu's warm reset since
 * hvemu has no INIT-only reset), every other function-0 register with its
 * reset value as storage.  Not emulated: ISA DMA/recovery timing (IORT),
 * X-Bus chip selects (XBCS: the BIOS alias at 0E0000h is always decoded),
 * motherboard IRQ/DMA routing (no motherboard devices use it), APIC base
 * relocation (the board keeps the IOAPIC at 0xFEC00000; APICBASE is
 * storage), the PIIX3 SMI logic (hvemu has no SMM), TOM's ISA DMA
 * forwarding.
 *
 * Guests: SeaBIOS writes PIRQRC A-D = 10, 10, 11, 11 and programs the ELCR
 * for them; Linux reads and rewrites PIRQRC through the ACPI link devices
 * (_CRS/_SRS), or the $PIR table without ACPI; SeaBIOS and Linux
 * (reboot=pci) reset through 0CF9h with 0x02 then 0x06.
 *
 * Threat model: PIRQ numbers are masked to 0-3, routed IRQs are checked
 * against the routable set before they index isa_irq[]. */
#include <stdlib.h>
#include "hw/pci/piix3.h"

/* ISA IRQs a PIRQ may be steered to (datasheet: 0-2, 8, 13 reserved). */
#define ROUTABLE_IRQS 0xdef8u

int piix3_pirq_route(const struct piix3 *p, unsigned pirq)
{
    uint8_t r = p->pci.config[PIIX3_PIRQRC + (pirq & 3)];
    unsigned irq = r & 0x0f;
    if (r & PIIX3_PIRQ_DISABLE || !(ROUTABLE_IRQS >> irq & 1))
        return -1;
    return (int)irq;
}

/* Drive every ISA IRQ output from the PIRQ inputs and the routing. */
static void drive_outputs(struct piix3 *p)
{
    unsigned level = 0;
    for (unsigned pirq = 0; pirq < 4; pirq++) {
        int irq = piix3_pirq_route(p, pirq);
        if (irq >= 0 && (p->pirq_in >> pirq & 1))
            level |= 1u << irq;
    }
    for (unsigned irq = 0; irq < 16; irq++)
        irq_set(&p->isa_irq[irq], level >> irq & 1);
}

void piix3_set_pirq(void *opaque, unsigned pirq, int level)
{
    struct piix3 *p = opaque;
    pirq &= 3;
    p->pirq_in = level ? p->pirq_in | (uint8_t)(1u << pirq) : p->pirq_in & (uint8_t)~(1u << pirq);
    drive_outputs(p);
}

static void piix3_config_write(struct pci_dev *d, unsigned off, uint32_t val, unsigned size)
{
    struct piix3 *p = container_of(d, struct piix3, pci);
    if (off < PIIX3_PIRQRC + 4 && off + size > PIIX3_PIRQRC) {
        TRACE(p->env->log, p->trace, "piix3: PIRQRC %02x %02x %02x %02x",
              d->config[0x60], d->config[0x61], d->config[0x62], d->config[0x63]);
        drive_outputs(p);
    }
}

static const struct pci_dev_ops piix3_pci_ops = {
    .config_write = piix3_config_write,
};

/* ---- reset control register at 0CF9h ---- */

static uint64_t rc_read(void *opaque, uint64_t off, unsigned size)
{
    struct piix3 *p = opaque;
    return p->rc;
}

static void rc_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct piix3 *p = opaque;
    uint8_t old = p->rc;
    p->rc = (uint8_t)val & (PIIX3_RC_SRST | PIIX3_RC_RCPU);
    if (!(old & PIIX3_RC_RCPU) && (p->rc & PIIX3_RC_RCPU)) {
        TRACE(p->env->log, p->trace, "piix3: %s reset", p->rc & PIIX3_RC_SRST ? "hard" : "soft");
        dev_request(p->env, SYS_RESET, (p->rc & PIIX3_RC_SRST) ? 1 : 0);
    }
}

static const struct io_ops rc_ops = {
    .read = rc_read,
    .write = rc_write,
    .min_size = 1,
    .max_size = 1,
};

/* ---- device ---- */

static void set_defaults(struct piix3 *p)
{
    uint8_t *c = p->pci.config;
    st16(&c[PCI_COMMAND], PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    st16(&c[PCI_STATUS], 0x0080 | PCI_STATUS_DEVSEL_MEDIUM);
    c[PIIX3_IORT] = 0x4d;
    st16(&c[PIIX3_XBCS], 0x0003);
    for (unsigned i = 0; i < 4; i++)
        c[PIIX3_PIRQRC + i] = PIIX3_PIRQ_DISABLE;
    c[PIIX3_TOM] = 0x02;
    st16(&c[PIIX3_MSTAT], 0);
    c[PIIX3_MBIRQ0] = 0x80;
    c[PIIX3_MBIRQ1] = 0x80;
    c[PIIX3_MBDMA0] = 0x04;
    c[PIIX3_MBDMA1] = 0x04;
    st16(&c[PIIX3_PCSC], 0x0002);
    c[PIIX3_APICBASE] = 0;
    c[PIIX3_DLC] = 0;
    c[PIIX3_SMICNTL] = 0x08;
    st16(&c[PIIX3_SMIEN], 0);
    st32(&c[PIIX3_SEE], 0);
    c[PIIX3_FTMR] = 0x0f;
    st16(&c[PIIX3_SMIREQ], 0);
    c[PIIX3_CTLTMR] = 0;
    c[PIIX3_CTHTMR] = 0;
}

static void piix3_reset(void *dev, enum reset_kind kind)
{
    struct piix3 *p = dev;
    pci_dev_reset(&p->pci);
    set_defaults(p);
    p->rc = 0;
}

static void piix3_settle(void *dev)
{
    drive_outputs(dev);
}

static void piix3_save(void *dev, struct vm_writer *w)
{
    struct piix3 *p = dev;
    pci_dev_save(&p->pci, w);
    vmw_u8(w, "pirq-in", p->pirq_in);
    vmw_u8(w, "rc", p->rc);
}

static int piix3_load(void *dev, struct vm_reader *r)
{
    struct piix3 *p = dev;
    uint8_t pirq_in = p->pirq_in, rc = p->rc;
    if (vmr_u8_max(r, "pirq-in", &pirq_in, 0x0f) || vmr_u8(r, "rc", &rc))
        return -1;
    if (rc & ~(PIIX3_RC_SRST | PIIX3_RC_RCPU)) {
        vmr_fail(r, "rc", "0x%02x has reserved bits set", rc);
        return -1;
    }
    if (pci_dev_load_strict(&p->pci, r))
        return -1;
    p->pirq_in = pirq_in;
    p->rc = rc;
    return 0;
}

static void piix3_destroy(void *dev)
{
    struct piix3 *p = dev;
    pci_dev_remove(&p->pci);
    free(p);
}

const struct dev_class piix3_class = {
    .name = "piix3",
    .version = 1,
    .reset = piix3_reset,
    .settle = piix3_settle,
    .save = piix3_save,
    .load = piix3_load,
    .destroy = piix3_destroy,
};

struct piix3 *piix3_new(const struct dev_env *env, struct pci_bus *bus, uint8_t devfn)
{
    struct piix3 *p = calloc(1, sizeof(*p));
    if (!p)
        abort();
    p->env = env;
    p->trace = env->log && trace_on(env->log, "piix3");
    if (pci_dev_init(&p->pci, bus, devfn, "piix3", PIIX3_VENDOR, PIIX3_DEVICE, 0x060100, 0x00,
                     &piix3_pci_ops))
        abort(); /* board bug: slot taken */
    p->pci.config[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_MULTI_FUNCTION;
    uint8_t *w = p->pci.wmask;
    st16(&w[PCI_COMMAND], 0x0008); /* special cycle enable; IO/MEM/BM read 1 */
    w[PCI_CACHE_LINE_SIZE] = 0;
    w[PCI_LATENCY_TIMER] = 0;
    w[PIIX3_IORT] = 0xff;
    st16(&w[PIIX3_XBCS], 0x07ff);
    for (unsigned i = 0; i < 4; i++)
        w[PIIX3_PIRQRC + i] = PIIX3_PIRQ_DISABLE | 0x0f;
    w[PIIX3_TOM] = 0xfe;
    w[PIIX3_MBIRQ0] = 0xef;
    w[PIIX3_MBIRQ1] = 0xef;
    w[PIIX3_MBDMA0] = 0x87;
    w[PIIX3_MBDMA1] = 0x87;
    st16(&w[PIIX3_PCSC], 0xffff);
    w[PIIX3_APICBASE] = 0x7f;
    w[PIIX3_DLC] = 0x0f;
    w[PIIX3_SMICNTL] = 0x1f;
    st16(&w[PIIX3_SMIEN], 0x00ff);
    st32(&w[PIIX3_SEE], 0xffffffff);
    w[PIIX3_FTMR] = 0xff;
    st16(&w[PIIX3_SMIREQ], 0x00ff);
    w[PIIX3_CTLTMR] = 0xff;
    w[PIIX3_CTHTMR] = 0xff;
    region_init_io(&p->rcr, "piix3-rc", 1, &rc_ops, p);
    piix3_reset(p, RESET_COLD);
    return p;
}
