/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: the I/O APIC's MMIO window at 0xFEC00000, its 24 input pins,
 * and the two software-enabled LAPICs it delivers to (acknowledge, EOI and
 * MSIs come through the harness's `input` bytes), with clock steps, resets
 * and save/load round trips from the harness. */
#include <glib.h>
#include "hw/intc/ioapic.h"
#include "hw/intc/lapic.h"
#include "tests/fuzz/harness.h"

struct fz {
    struct ioapic *io;
    struct apic_bus *bus;
    struct lapic *a[2];
    struct cpu_link link;
};

static void nop_signal(void *cpu, unsigned sig, uint8_t vector)
{
    (void)cpu;
    (void)sig;
    (void)vector;
}

static uint8_t pic_ack(void *opaque)
{
    (void)opaque;
    return 0x20;
}

static void fz_reset(void *dev, enum reset_kind kind)
{
    struct fz *z = dev;
    ioapic_class.reset(z->io, kind);
    for (int i = 0; i < 2; i++) {
        lapic_class.reset(z->a[i], kind);
        lapic_ops.mmio_write(z->a[i], LAPIC_SVR, 0x1FF, 4);
        lapic_ops.mmio_write(z->a[i], LAPIC_LDR, (1u << i) << 24, 4);
    }
}

static void fz_settle(void *dev)
{
    struct fz *z = dev;
    for (int i = 0; i < 2; i++)
        lapic_class.settle(z->a[i]);
}

static void fz_save(void *dev, struct vm_writer *w)
{
    struct fz *z = dev;
    ioapic_class.save(z->io, w);
}

static int fz_load(void *dev, struct vm_reader *r)
{
    struct fz *z = dev;
    return ioapic_class.load(z->io, r);
}

static void fz_destroy(void *dev)
{
    struct fz *z = dev;
    ioapic_class.destroy(z->io);
    for (int i = 0; i < 2; i++)
        lapic_class.destroy(z->a[i]);
    apic_bus_free(z->bus);
    g_free(z);
}

static const struct dev_class fz_class = {
    .name = "ioapic",
    .version = 1,
    .reset = fz_reset,
    .settle = fz_settle,
    .save = fz_save,
    .load = fz_load,
    .destroy = fz_destroy,
};

static void *create(struct test_env *t)
{
    struct fz *z = g_new0(struct fz, 1);
    z->bus = apic_bus_new(&t->log);
    z->link.signal = nop_signal;
    for (int i = 0; i < 2; i++) {
        struct lapic_config c = {
            .apic_id = (uint32_t)i, .bsp = i == 0, .bus = z->bus, .link = &z->link,
            .extint_ack = pic_ack,
        };
        z->a[i] = lapic_new(&t->env, &c);
    }
    z->io = ioapic_new(&t->env, z->bus);
    as_add(&t->mem, &z->io->region, IOAPIC_DEFAULT_BASE, 0);
    as_commit(&t->mem);
    fz_reset(z, RESET_COLD);
    return z;
}

/* Each byte: < 0xC0 drives pin (b & 31) to level (b >> 5) & 1; 0xC0-0xDF
 * acknowledges on CPU b & 1; 0xE0-0xEF EOIs on CPU b & 1; 0xF0-0xFF sends
 * an MSI. */
static void input(void *dev, const uint8_t *buf, size_t len)
{
    struct fz *z = dev;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = buf[i];
        if (b < 0xC0)
            ioapic_set_irq(z->io, b & 31, (b >> 5) & 1);
        else if (b < 0xE0)
            lapic_ops.intr_ack(z->a[b & 1]);
        else if (b < 0xF0)
            lapic_ops.mmio_write(z->a[b & 1], LAPIC_EOI, 0, 4);
        else
            apic_bus_msi(z->bus, 0xFEE00000u | (b & 3u) << 12 | (b & 4u),
                         (b & 8u) << 12 | 0x30 | (b & 0xFu));
    }
}

static const struct fuzz_target ft = {
    .cls = &fz_class,
    .regions = { { .mmio = true, .base = IOAPIC_DEFAULT_BASE, .size = IOAPIC_MMIO_SIZE } },
    .nregions = 1,
    .create = create,
    .input = input,
};

FUZZ_TARGET(ft)
