/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: a local APIC's xAPIC page through a wrapper region at
 * 0xFEE00000 (standing in for the CPU, which routes that page to
 * lapic_ops.mmio_*), and through the harness's `input` bytes its MSRs
 * (IA32_APIC_BASE, IA32_TSC_DEADLINE, x2APIC), LINT0/LINT1 levels, the INTA
 * cycle, CR8, INIT reset and MSIs; a second LAPIC on the bus receives IPIs.
 * Clock steps, resets and save/load round trips come from the harness. */
#include <glib.h>
#include "hw/intc/lapic.h"
#include "tests/fuzz/harness.h"

struct fz {
    struct mem_region page;
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

static uint64_t page_read(void *opaque, uint64_t offset, unsigned size)
{
    struct fz *z = opaque;
    return lapic_ops.mmio_read(z->a[0], (uint32_t)offset, size);
}

static void page_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    struct fz *z = opaque;
    lapic_ops.mmio_write(z->a[0], (uint32_t)offset, val, size);
}

static const struct io_ops page_ops = {
    .read = page_read,
    .write = page_write,
    .min_size = 1,
    .max_size = 8,
};

static void fz_reset(void *dev, enum reset_kind kind)
{
    struct fz *z = dev;
    for (int i = 0; i < 2; i++)
        lapic_class.reset(z->a[i], kind);
    lapic_ops.mmio_write(z->a[1], LAPIC_SVR, 0x1FF, 4);
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
    lapic_class.save(z->a[0], w);
}

static int fz_load(void *dev, struct vm_reader *r)
{
    struct fz *z = dev;
    return lapic_class.load(z->a[0], r);
}

static void fz_destroy(void *dev)
{
    struct fz *z = dev;
    for (int i = 0; i < 2; i++)
        lapic_class.destroy(z->a[i]);
    apic_bus_free(z->bus);
    g_free(z);
}

static const struct dev_class fz_class = {
    .name = "lapic",
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
            .apic_id = (uint32_t)i, .bsp = i == 0, .tsc_hz = 3000000000ULL,
            .bus_hz = i ? 25000000 : 0, .bus = z->bus, .link = &z->link,
            .extint_ack = i ? NULL : pic_ack,
        };
        z->a[i] = lapic_new(&t->env, &c);
    }
    region_init_io(&z->page, "lapic", LAPIC_MMIO_SIZE, &page_ops, z);
    as_add(&t->mem, &z->page, LAPIC_DEFAULT_BASE, 0);
    as_commit(&t->mem);
    fz_reset(z, RESET_COLD);
    return z;
}

static uint64_t take(const uint8_t **p, const uint8_t *end, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n && *p < end; i++, (*p)++)
        v |= (uint64_t)**p << (8 * i);
    return v;
}

/* The MSR a selector byte names: mostly x2APIC registers, sometimes the
 * base and deadline MSRs, rarely anything. */
static uint32_t pick_msr(uint8_t sel, uint8_t reg)
{
    switch (sel & 7) {
    case 0: return MSR_IA32_APIC_BASE;
    case 1: return MSR_IA32_TSC_DEADLINE;
    case 2: return reg;
    default: return MSR_X2APIC_FIRST + (reg & 0x3F);
    }
}

static void input(void *dev, const uint8_t *buf, size_t len)
{
    struct fz *z = dev;
    const uint8_t *p = buf, *end = buf + len;
    while (p < end) {
        uint8_t op = (uint8_t)take(&p, end, 1);
        struct lapic *a = z->a[op >> 7];
        const struct lapic_ops *o = &lapic_ops;
        uint64_t v;
        switch (op & 7) {
        case 0: { /* wrmsr; APIC base values are steered toward valid ones */
            uint8_t sel = (uint8_t)take(&p, end, 1), reg = (uint8_t)take(&p, end, 1);
            uint32_t msr = pick_msr(sel, reg);
            v = take(&p, end, (sel >> 3) & 1 ? 8 : 4);
            if (msr == MSR_IA32_APIC_BASE && !(sel & 0x80))
                v = 0xFEE00000u | (v & 3) << 10;
            o->wrmsr(a, msr, v);
            break;
        }
        case 1: {
            uint8_t sel = (uint8_t)take(&p, end, 1), reg = (uint8_t)take(&p, end, 1);
            o->rdmsr(a, pick_msr(sel, reg), &v);
            break;
        }
        case 2:
            lapic_set_lint(a, (op >> 3) & 1, (op >> 4) & 1);
            break;
        case 3:
            o->intr_ack(a);
            break;
        case 4:
            o->set_cr8(a, (uint8_t)take(&p, end, 1));
            o->get_cr8(a);
            break;
        case 5:
            o->init_reset(a);
            break;
        case 6:
            v = take(&p, end, 4);
            apic_bus_msi(z->bus, 0xFEE00000u | (v & 0xFFFFF), (uint32_t)(v >> 16));
            break;
        default:
            o->intr_pending(a);
            o->mmio_write(a, (uint32_t)take(&p, end, 2) & 0xFF0, take(&p, end, 4), 4);
            break;
        }
    }
}

static const struct fuzz_target ft = {
    .cls = &fz_class,
    .regions = { { .mmio = true, .base = LAPIC_DEFAULT_BASE, .size = LAPIC_MMIO_SIZE } },
    .nregions = 1,
    .create = create,
    .input = input,
};

FUZZ_TARGET(ft)
