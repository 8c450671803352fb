/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-pci: the whole chipset as the guest sees it: configuration
 * mechanism #1 at 0xcf8-0xcff (every function's config space, including a
 * test function with I/O, 32/64-bit memory and ROM BARs, INTx and MSI),
 * the 0xcf9 reset register, PAM/SMRAM windows at 0xA0000-0xFFFFF, the PM
 * and SMBus blocks at their usual places and the APM ports.  Save/load
 * round trips cover all three chipset devices. */
#include <stdlib.h>
#include <string.h>
#include "hw/acpi/piix4_pm.h"
#include "hw/pci/i440fx.h"
#include "hw/pci/piix3.h"
#include "tests/fuzz/harness.h"

struct chipset {
    struct test_env *t;
    struct pci_bus bus;
    struct i440fx *h;
    struct piix3 *isa;
    struct piix4_pm *pm;
    struct pci_dev fn;
    struct mem_region io, mmio, mem64, rom;
    uint8_t rom_bytes[4 * KiB];
    uint8_t bios[128 * KiB];
};

static uint64_t fn_read(void *o, uint64_t off, unsigned size)
{
    struct chipset *c = o;
    /* Reading raises INTx, writing lowers it or sends MSI vector val. */
    pci_set_irq(&c->fn, 1);
    return off;
}

static void fn_write(void *o, uint64_t off, uint64_t val, unsigned size)
{
    struct chipset *c = o;
    pci_set_irq(&c->fn, 0);
    pci_msi_notify(&c->fn, (unsigned)val & 31);
}

static const struct io_ops fn_ops = { .read = fn_read, .write = fn_write };

static void msi_sink(void *opaque, uint64_t addr, uint32_t data)
{
}

static const struct dev_class *const parts[] = { &i440fx_class, &piix3_class, &piix4_pm_class };
static const char *const part_names[] = { "i440fx", "piix3", "piix4_pm" };

static void *part(struct chipset *c, unsigned i)
{
    return i == 0 ? (void *)c->h : i == 1 ? (void *)c->isa : (void *)c->pm;
}

static void cs_reset(void *dev, enum reset_kind kind)
{
    struct chipset *c = dev;
    for (unsigned i = 0; i < ARRAY_SIZE(parts); i++)
        parts[i]->reset(part(c, i), kind);
    pci_dev_reset(&c->fn);
}

static void cs_settle(void *dev)
{
    struct chipset *c = dev;
    for (unsigned i = 0; i < ARRAY_SIZE(parts); i++)
        parts[i]->settle(part(c, i));
    pci_update_mappings(&c->fn);
    pci_set_irq(&c->fn, c->fn.intx_level);
}

static void cs_save(void *dev, struct vm_writer *w)
{
    struct chipset *c = dev;
    for (unsigned i = 0; i < ARRAY_SIZE(parts); i++) {
        size_t n;
        void *blob = test_dev_save(parts[i], part(c, i), &n);
        vmw_bytes(w, part_names[i], blob, n);
        g_free(blob);
    }
    pci_dev_save(&c->fn, w);
}

static int cs_load(void *dev, struct vm_reader *r)
{
    struct chipset *c = dev;
    static uint8_t buf[16 * KiB];
    for (unsigned i = 0; i < ARRAY_SIZE(parts); i++) {
        size_t n = 0;
        if (vmr_bytes_var(r, part_names[i], buf, sizeof(buf), &n))
            return -1;
        char err[200];
        if (n && test_dev_load(parts[i], part(c, i), buf, n, err, sizeof(err))) {
            vmr_fail(r, part_names[i], "%s", err);
            return -1;
        }
    }
    return pci_dev_load(&c->fn, r);
}

static void cs_destroy(void *dev)
{
    struct chipset *c = dev;
    pci_dev_remove(&c->fn);
    for (unsigned i = 0; i < ARRAY_SIZE(parts); i++)
        parts[i]->destroy(part(c, i));
    free(c);
}

static const struct dev_class chipset_class = {
    .name = "chipset",
    .version = 1,
    .reset = cs_reset,
    .settle = cs_settle,
    .save = cs_save,
    .load = cs_load,
    .destroy = cs_destroy,
};

static void *create(struct test_env *t)
{
    struct chipset *c = calloc(1, sizeof(*c));
    c->t = t;
    for (size_t i = 0; i < sizeof(c->bios); i++)
        c->bios[i] = (uint8_t)i;
    pci_bus_init(&c->bus, &t->io, &t->mem, &t->log);
    c->bus.msi = msi_sink;
    c->h = i440fx_new(&t->env, &c->bus, t->ram, t->ram_size, c->bios, sizeof(c->bios));
    as_add(&t->io, &c->h->cf8, 0xcf8, 0);
    as_add(&t->io, &c->h->cfc, 0xcfc, 0);
    i440fx_map_legacy(c->h, &t->mem);
    c->isa = piix3_new(&t->env, &c->bus, PCI_DEVFN(1, 0));
    c->bus.set_irq = piix3_set_pirq;
    c->bus.opaque = c->isa;
    c->h->cf9_target = &c->isa->rcr;
    for (int i = 0; i < 16; i++)
        test_irq_connect(t, &c->isa->isa_irq[i], i);
    c->pm = piix4_pm_new(&t->env, &c->bus, PCI_DEVFN(1, 3));
    test_irq_connect(t, &c->pm->sci, 20);
    as_add(&t->io, &c->pm->apm, 0xb2, 0);

    pci_dev_init(&c->fn, &c->bus, PCI_DEVFN(3, 0), "fuzzfn", 0x1234, 0x5678, 0xff0000, 1, NULL);
    region_init_io(&c->io, "fn-io", 64, &fn_ops, c);
    region_init_io(&c->mmio, "fn-mmio", 4 * KiB, &fn_ops, c);
    region_init_io(&c->mem64, "fn-mem64", 1 * MiB, &fn_ops, c);
    region_init_rom(&c->rom, "fn-rom", sizeof(c->rom_bytes), c->rom_bytes);
    pci_register_bar(&c->fn, 0, PCI_BAR_IO, &c->io);
    pci_register_bar(&c->fn, 1, 0, &c->mmio);
    pci_register_bar(&c->fn, 4, PCI_BAR_MEM_64 | PCI_BAR_MEM_PREFETCH, &c->mem64);
    pci_register_rom(&c->fn, &c->rom);
    pci_set_interrupt_pin(&c->fn, PCI_INTB);
    pci_add_msi(&c->fn, 0x40, 32, true, true);

    as_commit(&t->io);
    as_commit(&t->mem);
    cs_reset(c, RESET_COLD);
    cs_settle(c);
    return c;
}

static const struct fuzz_target target = {
    .cls = &chipset_class,
    .ram_size = 2 * MiB,
    .regions = {
        { false, 0xcf8, 8 },         /* CONFADD, 0xcf9, CONFDATA */
        { true, 0xA0000, 0x60000 },  /* SMRAM window and PAM segments */
        { false, 0x600, 0x40 },      /* PM block (when programmed there) */
        { false, 0xb2, 2 },          /* APM */
        { false, 0x700, 0x10 },      /* SMBus (when programmed there) */
        { false, 0xc000, 0x40 },     /* where a guest would put the I/O BAR */
    },
    .nregions = 6,
    .create = create,
};

FUZZ_TARGET(target)
