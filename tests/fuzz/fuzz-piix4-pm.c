/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-piix4-pm: the PIIX4 power management function: its configuration
 * space (through a window at I/O 0x1000 standing in for mechanism #1), the
 * PM I/O block at 0x600 (programmed as a BIOS would, movable by the
 * input), the SMBus block at 0x700, the APM ports, timer steps. */
#include <stdlib.h>
#include "hw/acpi/piix4_pm.h"
#include "tests/fuzz/harness.h"

struct cfgwin {
    struct pci_bus bus;
    struct mem_region r;
};

static uint64_t cfg_read(void *o, uint64_t off, unsigned size)
{
    struct cfgwin *w = o;
    return pci_bus_config_read(&w->bus, PCI_DEVFN(1, 3), (unsigned)off, size);
}

static void cfg_write(void *o, uint64_t off, uint64_t val, unsigned size)
{
    struct cfgwin *w = o;
    pci_bus_config_write(&w->bus, PCI_DEVFN(1, 3), (unsigned)off, (uint32_t)val, size);
}

static const struct io_ops cfg_ops = { .read = cfg_read, .write = cfg_write, .min_size = 1, .max_size = 4 };

static void *create(struct test_env *t)
{
    struct cfgwin *w = calloc(1, sizeof(*w));
    pci_bus_init(&w->bus, &t->io, &t->mem, &t->log);
    struct piix4_pm *pm = piix4_pm_new(&t->env, &w->bus, PCI_DEVFN(1, 3));
    region_init_io(&w->r, "cfg", 256, &cfg_ops, w);
    as_add(&t->io, &w->r, 0x1000, 0);
    as_add(&t->io, &pm->apm, 0xb2, 0);
    test_irq_connect(t, &pm->sci, 9);
    as_commit(&t->io);
    piix4_pm_class.reset(pm, RESET_COLD);
    piix4_pm_class.settle(pm);
    piix4_pm_enable_default(pm);
    pci_bus_config_write(&w->bus, PCI_DEVFN(1, 3), PIIX4_SMBBA, PIIX4_SMBUS_BASE_DEFAULT | 1, 4);
    pci_bus_config_write(&w->bus, PCI_DEVFN(1, 3), PIIX4_SMBHSTCFG, 0x09, 1);
    pci_bus_config_write(&w->bus, PCI_DEVFN(1, 3), PCI_COMMAND, PCI_COMMAND_IO, 2);
    return pm;
}

static void destroy(void *dev)
{
    struct piix4_pm *pm = dev;
    struct cfgwin *w = container_of(pm->pci.bus, struct cfgwin, bus);
    piix4_pm_class.destroy(pm);
    free(w);
}

/* piix4_pm_class, except that destroy also frees the config window. */
static void pm_reset(void *dev, enum reset_kind kind)
{
    piix4_pm_class.reset(dev, kind);
}

static void pm_settle(void *dev)
{
    piix4_pm_class.settle(dev);
}

static void pm_save(void *dev, struct vm_writer *w)
{
    piix4_pm_class.save(dev, w);
}

static int pm_load(void *dev, struct vm_reader *r)
{
    return piix4_pm_class.load(dev, r);
}

static const struct dev_class fuzz_class = {
    .name = "piix4_pm",
    .version = 1,
    .reset = pm_reset,
    .settle = pm_settle,
    .save = pm_save,
    .load = pm_load,
    .destroy = destroy,
};

static const struct fuzz_target target = {
    .cls = &fuzz_class,
    .regions = {
        { false, 0x1000, 256 },
        { false, 0x600, 64 },
        { false, 0x700, 16 },
        { false, 0xb2, 2 },
    },
    .nregions = 4,
    .create = create,
};

FUZZ_TARGET(target)
