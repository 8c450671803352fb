/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-pci: the generic PCI bus and header: config masks, W1C status,
 * BAR sizing/decode/remap for every BAR kind, expansion ROM, INTx with the
 * interrupt-disable bit and the PC swizzle, capability lists, MSI with
 * masking and pending bits, state save/load. */
#include <string.h>
#include "hw/pci/pci.h"
#include "tests/support/testenv.h"

#define TEST_SLOT 3

struct tdev {
    struct pci_dev pci;
    struct mem_region io, mmio, mem64, rom;
    uint8_t regs[16];
    uint8_t rom_bytes[64 * KiB];
    int config_writes;
    unsigned last_off, last_size;
    uint32_t last_val;
};

struct fixture {
    struct test_env *t;
    struct pci_bus bus;
    struct tdev *d;
    int pirq_level[4];
    int pirq_calls;
    uint64_t msi_addr[8];
    uint32_t msi_data[8];
    int nmsi;
};

static uint64_t tdev_read(void *opaque, uint64_t off, unsigned size)
{
    struct tdev *d = opaque;
    return d->regs[off & 15] | (uint64_t)size << 8;
}

static void tdev_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct tdev *d = opaque;
    d->regs[off & 15] = (uint8_t)val;
}

static const struct io_ops tdev_ops = { .read = tdev_read, .write = tdev_write, .min_size = 1, .max_size = 4 };

static void tdev_config_write(struct pci_dev *p, unsigned off, uint32_t val, unsigned size)
{
    struct tdev *d = container_of(p, struct tdev, pci);
    d->config_writes++;
    d->last_off = off;
    d->last_val = val;
    d->last_size = size;
}

static uint32_t tdev_config_read(struct pci_dev *p, unsigned off, unsigned size)
{
    /* 0x44 is a computed register: reads 0x12345678 */
    if (off >= 0x44 && off < 0x48)
        return (0x12345678u >> (8 * (off - 0x44))) & (size == 4 ? ~0u : (1u << (8 * size)) - 1);
    return pci_config_get(p, off, size);
}

static const struct pci_dev_ops tdev_pci_ops = {
    .config_write = tdev_config_write,
    .config_read = tdev_config_read,
};

static void rec_set_irq(void *opaque, unsigned pirq, int level)
{
    struct fixture *f = opaque;
    g_assert_cmpuint(pirq, <, 4);
    g_assert_cmpint(f->pirq_level[pirq], !=, level); /* only changes are reported */
    f->pirq_level[pirq] = level;
    f->pirq_calls++;
}

static void rec_msi(void *opaque, uint64_t addr, uint32_t data)
{
    struct fixture *f = opaque;
    g_assert_cmpint(f->nmsi, <, 8);
    f->msi_addr[f->nmsi] = addr;
    f->msi_data[f->nmsi] = data;
    f->nmsi++;
}

static struct tdev *tdev_new(struct pci_bus *bus, uint8_t devfn, bool msi)
{
    struct tdev *d = g_new0(struct tdev, 1);
    g_assert_cmpint(pci_dev_init(&d->pci, bus, devfn, "tdev", 0x1234, 0x5678, 0x020000, 7,
                                 &tdev_pci_ops), ==, 0);
    region_init_io(&d->io, "tdev-io", 32, &tdev_ops, d);
    region_init_io(&d->mmio, "tdev-mmio", 4 * KiB, &tdev_ops, d);
    region_init_io(&d->mem64, "tdev-mem64", 1 * MiB, &tdev_ops, d);
    for (size_t i = 0; i < sizeof(d->rom_bytes); i++)
        d->rom_bytes[i] = (uint8_t)(i * 7);
    region_init_rom(&d->rom, "tdev-rom", sizeof(d->rom_bytes), d->rom_bytes);
    pci_register_bar(&d->pci, 0, PCI_BAR_IO, &d->io);
    pci_register_bar(&d->pci, 1, 0, &d->mmio);
    pci_register_bar(&d->pci, 2, PCI_BAR_MEM_64 | PCI_BAR_MEM_PREFETCH, &d->mem64);
    pci_register_rom(&d->pci, &d->rom);
    pci_set_interrupt_pin(&d->pci, PCI_INTA);
    pci_add_capability(&d->pci, PCI_CAP_ID_PM, 0x40, 8);
    if (msi)
        pci_add_msi(&d->pci, 0x50, 4, true, true);
    d->pci.wmask[0x70] = 0xff; /* a device register */
    return d;
}

static struct fixture *fixture_new(void)
{
    struct fixture *f = g_new0(struct fixture, 1);
    f->t = test_env_new(16 * MiB);
    pci_bus_init(&f->bus, &f->t->io, &f->t->mem, &f->t->log);
    f->bus.set_irq = rec_set_irq;
    f->bus.msi = rec_msi;
    f->bus.opaque = f;
    f->d = tdev_new(&f->bus, PCI_DEVFN(TEST_SLOT, 0), true);
    return f;
}

static void fixture_free(struct fixture *f)
{
    pci_dev_remove(&f->d->pci);
    g_free(f->d);
    test_env_free(f->t);
    g_free(f);
}

static uint32_t cfg_rd(struct fixture *f, unsigned off, unsigned size)
{
    return pci_bus_config_read(&f->bus, PCI_DEVFN(TEST_SLOT, 0), off, size);
}

static void cfg_wr(struct fixture *f, unsigned off, uint32_t v, unsigned size)
{
    pci_bus_config_write(&f->bus, PCI_DEVFN(TEST_SLOT, 0), off, v, size);
}

static void test_identity(void)
{
    struct fixture *f = fixture_new();
    g_assert_cmphex(cfg_rd(f, 0, 4), ==, 0x56781234);
    g_assert_cmphex(cfg_rd(f, PCI_REVISION_ID, 4), ==, 0x02000007);
    g_assert_cmphex(cfg_rd(f, PCI_DEVICE_ID, 2), ==, 0x5678);
    g_assert_cmphex(cfg_rd(f, 1, 1), ==, 0x12);
    /* Read-only identity: writes ignored. */
    cfg_wr(f, 0, 0xffffffff, 4);
    cfg_wr(f, 8, 0, 4);
    g_assert_cmphex(cfg_rd(f, 0, 4), ==, 0x56781234);
    g_assert_cmphex(cfg_rd(f, 8, 4), ==, 0x02000007);
    /* The device saw the writes after they were stored. */
    g_assert_cmpint(f->d->config_writes, ==, 2);
    g_assert_cmpuint(f->d->last_off, ==, 8);
    /* Absent functions read all-ones at every width; writes are dropped. */
    g_assert_cmphex(pci_bus_config_read(&f->bus, PCI_DEVFN(4, 0), 0, 4), ==, 0xffffffff);
    g_assert_cmphex(pci_bus_config_read(&f->bus, PCI_DEVFN(TEST_SLOT, 1), 0, 2), ==, 0xffff);
    g_assert_cmphex(pci_bus_config_read(&f->bus, PCI_DEVFN(4, 0), 3, 1), ==, 0xff);
    pci_bus_config_write(&f->bus, PCI_DEVFN(4, 0), 4, 7, 2);
    /* A computed register. */
    g_assert_cmphex(cfg_rd(f, 0x44, 4), ==, 0x12345678);
    g_assert_cmphex(cfg_rd(f, 0x46, 2), ==, 0x1234);
    /* devfn collision is refused. */
    struct pci_dev other;
    g_assert_cmpint(pci_dev_init(&other, &f->bus, PCI_DEVFN(TEST_SLOT, 0), "x", 1, 2, 0, 0, NULL),
                    ==, -1);
    fixture_free(f);
}

static void test_masks(void)
{
    struct fixture *f = fixture_new();
    /* Command: only implemented bits are writable. */
    cfg_wr(f, PCI_COMMAND, 0xffff, 2);
    g_assert_cmphex(cfg_rd(f, PCI_COMMAND, 2), ==, 0x0547);
    cfg_wr(f, PCI_COMMAND, 0, 2);
    /* Status: read-only bits unchanged, error bits write-1-to-clear. */
    uint16_t st = (uint16_t)cfg_rd(f, PCI_STATUS, 2);
    g_assert_cmphex(st, ==, PCI_STATUS_DEVSEL_MEDIUM | PCI_STATUS_CAP_LIST);
    f->d->pci.config[PCI_STATUS + 1] |= 0xf9; /* device reports errors */
    cfg_wr(f, PCI_STATUS, 0x0000, 2);         /* writing 0 clears nothing */
    g_assert_cmphex(cfg_rd(f, PCI_STATUS, 2), ==, 0xfb10);
    cfg_wr(f, PCI_STATUS, PCI_STATUS_REC_MASTER_ABORT | 0x0010, 2);
    g_assert_cmphex(cfg_rd(f, PCI_STATUS, 2), ==, 0xdb10);
    /* A byte write to the command register's low byte does not touch status. */
    cfg_wr(f, PCI_COMMAND, 0xffffffff, 4);
    g_assert_cmphex(cfg_rd(f, PCI_STATUS, 2), ==, 0x0210 | 0x0000);
    /* Device-specific writable register, latency timer, cache line size. */
    cfg_wr(f, 0x70, 0xa5, 1);
    cfg_wr(f, PCI_CACHE_LINE_SIZE, 0x4010, 2);
    g_assert_cmphex(cfg_rd(f, 0x70, 1), ==, 0xa5);
    g_assert_cmphex(cfg_rd(f, PCI_CACHE_LINE_SIZE, 2), ==, 0x4010);
    /* Interrupt line writable (pin set), pin read-only. */
    cfg_wr(f, PCI_INTERRUPT_LINE, 0xff0b, 2);
    g_assert_cmphex(cfg_rd(f, PCI_INTERRUPT_LINE, 2), ==, 0x010b);
    /* Header type: 0, read-only. */
    cfg_wr(f, PCI_HEADER_TYPE, 0x80, 1);
    g_assert_cmphex(cfg_rd(f, PCI_HEADER_TYPE, 1), ==, 0);
    fixture_free(f);
}

static void test_bar_sizing(void)
{
    struct fixture *f = fixture_new();
    /* I/O BAR: 32 bytes, bit 0 set. */
    g_assert_cmphex(cfg_rd(f, 0x10, 4), ==, 0x00000001);
    cfg_wr(f, 0x10, 0xffffffff, 4);
    g_assert_cmphex(cfg_rd(f, 0x10, 4), ==, 0xffffffe1);
    /* 32-bit memory, 4 KiB. */
    cfg_wr(f, 0x14, 0xffffffff, 4);
    g_assert_cmphex(cfg_rd(f, 0x14, 4), ==, 0xfffff000);
    /* 64-bit prefetchable, 1 MiB: type bits 0xc; upper dword all writable. */
    g_assert_cmphex(cfg_rd(f, 0x18, 4), ==, 0x0000000c);
    cfg_wr(f, 0x18, 0xffffffff, 4);
    cfg_wr(f, 0x1c, 0xffffffff, 4);
    g_assert_cmphex(cfg_rd(f, 0x18, 4), ==, 0xfff0000c);
    g_assert_cmphex(cfg_rd(f, 0x1c, 4), ==, 0xffffffff);
    /* Unimplemented BARs read 0 and stay 0. */
    cfg_wr(f, 0x20, 0xffffffff, 4);
    cfg_wr(f, 0x24, 0xffffffff, 4);
    g_assert_cmphex(cfg_rd(f, 0x20, 4), ==, 0);
    g_assert_cmphex(cfg_rd(f, 0x24, 4), ==, 0);
    /* ROM: 64 KiB, enable bit writable. */
    cfg_wr(f, PCI_ROM_ADDRESS, 0xfffffffe, 4);
    g_assert_cmphex(cfg_rd(f, PCI_ROM_ADDRESS, 4), ==, 0xffff0000);
    cfg_wr(f, PCI_ROM_ADDRESS, 0xffffffff, 4);
    g_assert_cmphex(cfg_rd(f, PCI_ROM_ADDRESS, 4), ==, 0xffff0001);
    /* Byte-wise sizing also works. */
    cfg_wr(f, 0x14, 0, 4);
    cfg_wr(f, 0x15, 0xff, 1);
    g_assert_cmphex(cfg_rd(f, 0x14, 4), ==, 0x0000f000);
    fixture_free(f);
}

static void test_bar_decode(void)
{
    struct fixture *f = fixture_new();
    struct test_env *t = f->t;
    f->d->regs[0] = 0x42;
    cfg_wr(f, 0x10, 0xc000, 4);
    cfg_wr(f, 0x14, 0xfe000000, 4);
    cfg_wr(f, 0x18, 0x0000000c, 4);
    cfg_wr(f, 0x1c, 0x1, 4);           /* 64-bit BAR at 4 GiB */
    /* Nothing decodes before the command register enables it. */
    g_assert_cmphex(test_inb(t, 0xc000), ==, 0xff);
    g_assert_cmphex(test_readm(t, 0xfe000000, 1), ==, 0xff);
    g_assert_cmphex(f->d->pci.bars[0].addr, ==, PCI_BAR_UNMAPPED);
    cfg_wr(f, PCI_COMMAND, PCI_COMMAND_IO, 2);
    g_assert_cmphex(test_inb(t, 0xc000), ==, 0x42 | 0); /* size 1 -> read 0x142 & 0xff */
    g_assert_cmphex(test_in(t, 0xc000, 2), ==, 0x0242);
    g_assert_cmphex(test_inb(t, 0xc01f), ==, 0x00);
    g_assert_cmphex(test_inb(t, 0xc020), ==, 0xff);
    g_assert_cmphex(test_readm(t, 0xfe000000, 1), ==, 0xff);
    cfg_wr(f, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    g_assert_cmphex(test_readm(t, 0xfe000000, 4), ==, 0x0442);
    g_assert_cmphex(test_readm(t, 0x100000000ULL, 4), ==, 0x0442);
    g_assert_cmphex(f->d->pci.bars[2].addr, ==, 0x100000000ULL);
    /* Remap: the old address goes away. */
    cfg_wr(f, 0x10, 0xd000, 4);
    g_assert_cmphex(test_inb(t, 0xc000), ==, 0xff);
    g_assert_cmphex(test_in(t, 0xd000, 2), ==, 0x0242);
    cfg_wr(f, 0x15, 0xf1, 1); /* byte write moves the BAR too */
    g_assert_cmphex(test_readm(t, 0xfe000000, 1), ==, 0xff);
    g_assert_cmphex(test_readm(t, 0xfe00f000ULL, 1), ==, 0x42);
    /* Address 0 is not decoded. */
    cfg_wr(f, 0x10, 0, 4);
    g_assert_cmphex(f->d->pci.bars[0].addr, ==, PCI_BAR_UNMAPPED);
    g_assert_cmphex(test_inb(t, 0xd000), ==, 0xff);
    /* I/O beyond 64 KiB is not decoded. */
    cfg_wr(f, 0x10, 0x10000, 4);
    g_assert_cmphex(f->d->pci.bars[0].addr, ==, PCI_BAR_UNMAPPED);
    /* Sizing with decode on: all-ones leaves the BARs unmapped (no cover
     * over the top of 4 GiB). */
    cfg_wr(f, 0x14, 0xffffffff, 4);
    g_assert_cmphex(f->d->pci.bars[1].addr, ==, PCI_BAR_UNMAPPED);
    g_assert_cmphex(test_readm(t, 0xfffff000ULL, 1), ==, 0xff);
    cfg_wr(f, 0x18, 0xffffffff, 4);
    cfg_wr(f, 0x1c, 0xffffffff, 4);
    g_assert_cmphex(f->d->pci.bars[2].addr, ==, PCI_BAR_UNMAPPED);
    /* Highest valid 32-bit placement below the all-ones pattern. */
    cfg_wr(f, 0x14, 0xffffe000, 4);
    g_assert_cmphex(f->d->pci.bars[1].addr, ==, 0xffffe000ULL);
    /* 64-bit BAR high in the space. */
    cfg_wr(f, 0x18, 0x0, 4);
    cfg_wr(f, 0x1c, 0x80000000, 4);
    g_assert_cmphex(f->d->pci.bars[2].addr, ==, 0x8000000000000000ULL);
    /* Memory disable unmaps every memory BAR. */
    cfg_wr(f, PCI_COMMAND, PCI_COMMAND_IO, 2);
    g_assert_cmphex(f->d->pci.bars[1].addr, ==, PCI_BAR_UNMAPPED);
    g_assert_cmphex(f->d->pci.bars[2].addr, ==, PCI_BAR_UNMAPPED);
    g_assert_cmphex(test_readm(t, 0xffffe000ULL, 1), ==, 0xff);
    fixture_free(f);
}

static void test_rom(void)
{
    struct fixture *f = fixture_new();
    struct test_env *t = f->t;
    cfg_wr(f, PCI_ROM_ADDRESS, 0xfeb00000, 4);
    cfg_wr(f, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    /* Enable bit clear: not decoded. */
    g_assert_cmphex(test_readm(t, 0xfeb00001, 1), ==, 0xff);
    cfg_wr(f, PCI_ROM_ADDRESS, 0xfeb00001, 4);
    g_assert_cmphex(test_readm(t, 0xfeb00001, 1), ==, 7);
    g_assert_cmphex(test_readm(t, 0xfeb00000 + 0x100, 4), ==, 0x150e0700);
    /* ROM: writes dropped. */
    test_writem(t, 0xfeb00001, 1, 0);
    g_assert_cmphex(test_readm(t, 0xfeb00001, 1), ==, 7);
    /* Memory decode off hides it even with the enable bit. */
    cfg_wr(f, PCI_COMMAND, 0, 2);
    g_assert_cmphex(test_readm(t, 0xfeb00001, 1), ==, 0xff);
    fixture_free(f);
}

static void test_intx(void)
{
    struct fixture *f = fixture_new();
    struct pci_dev *d = &f->d->pci;
    /* Slot 3 pin A: PC swizzle (3 + 1 - 1) & 3 = 3. */
    pci_set_irq(d, 1);
    g_assert_cmpint(f->pirq_level[3], ==, 1);
    g_assert_cmphex(cfg_rd(f, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, ==, PCI_STATUS_INTERRUPT);
    /* Interrupt Disable masks the output, not the status bit. */
    cfg_wr(f, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, 2);
    g_assert_cmpint(f->pirq_level[3], ==, 0);
    g_assert_cmphex(cfg_rd(f, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, ==, PCI_STATUS_INTERRUPT);
    cfg_wr(f, PCI_COMMAND, 0, 2);
    g_assert_cmpint(f->pirq_level[3], ==, 1);
    /* Wire-OR with a second function on the same PIRQ: slot 4 pin D
     * -> (4 + 4 - 1) & 3 = 3. */
    struct tdev *e = tdev_new(&f->bus, PCI_DEVFN(4, 0), false);
    e->pci.config[PCI_INTERRUPT_PIN] = PCI_INTD;
    pci_set_irq(&e->pci, 1);
    pci_set_irq(d, 0);
    g_assert_cmpint(f->pirq_level[3], ==, 1);
    g_assert_cmphex(cfg_rd(f, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, ==, 0);
    int calls = f->pirq_calls;
    pci_set_irq(&e->pci, 1); /* no change, no call */
    g_assert_cmpint(f->pirq_calls, ==, calls);
    pci_set_irq(&e->pci, 0);
    g_assert_cmpint(f->pirq_level[3], ==, 0);
    /* Removing an asserting function releases its PIRQ. */
    pci_set_irq(&e->pci, 1);
    g_assert_cmpint(f->pirq_level[3], ==, 1);
    pci_dev_remove(&e->pci);
    g_assert_cmpint(f->pirq_level[3], ==, 0);
    g_free(e);
    /* Another slot/pin lands elsewhere: slot 3 pin B -> 0. */
    d->config[PCI_INTERRUPT_PIN] = PCI_INTB;
    pci_set_irq(d, 1);
    g_assert_cmpint(f->pirq_level[0], ==, 1);
    /* Reset clears the level silently; settle re-drives (here by hand). */
    pci_dev_reset(d);
    g_assert_cmpint(f->pirq_level[0], ==, 1);
    pci_set_irq(d, d->intx_level);
    g_assert_cmpint(f->pirq_level[0], ==, 0);
    fixture_free(f);
}

static void test_caps(void)
{
    struct fixture *f = fixture_new();
    g_assert_cmphex(cfg_rd(f, PCI_CAPABILITY_LIST, 1), ==, 0x40);
    g_assert_cmphex(cfg_rd(f, 0x40, 2), ==, 0x5001); /* PM, next 0x50 */
    g_assert_cmphex(cfg_rd(f, 0x50, 2), ==, 0x0005); /* MSI, end */
    /* MSI control: 64-bit, per-vector mask, 4 vectors capable. */
    g_assert_cmphex(cfg_rd(f, 0x52, 2), ==, 0x0184);
    cfg_wr(f, 0x50, 0xffff, 2); /* id/next read-only */
    g_assert_cmphex(cfg_rd(f, 0x50, 2), ==, 0x0005);
    fixture_free(f);
}

static void test_msi(void)
{
    struct fixture *f = fixture_new();
    struct pci_dev *d = &f->d->pci;
    g_assert_false(pci_msi_enabled(d));
    g_assert_false(pci_msi_notify(d, 0));
    cfg_wr(f, 0x54, 0xfee00003, 4); /* low 2 bits read-only 0 */
    cfg_wr(f, 0x58, 0x1, 4);
    cfg_wr(f, 0x5c, 0x4040, 2);
    g_assert_cmphex(cfg_rd(f, 0x54, 4), ==, 0xfee00000);
    /* Enable with 4 vectors (MME = 2). */
    cfg_wr(f, 0x52, 0x0021, 2);
    g_assert_true(pci_msi_enabled(d));
    g_assert_cmphex(cfg_rd(f, 0x52, 2), ==, 0x01a5);
    g_assert_true(pci_msi_notify(d, 0));
    g_assert_true(pci_msi_notify(d, 3));
    g_assert_false(pci_msi_notify(d, 4)); /* beyond the allocated vectors */
    g_assert_cmpint(f->nmsi, ==, 2);
    g_assert_cmphex(f->msi_addr[0], ==, 0x1fee00000ULL);
    g_assert_cmphex(f->msi_data[0], ==, 0x4040);
    g_assert_cmphex(f->msi_data[1], ==, 0x4043);
    /* Masked vector: pending, nothing sent; unmasking sends it. */
    cfg_wr(f, 0x60, 0xffffffff, 4); /* mask register at cap+0x10 */
    g_assert_cmphex(cfg_rd(f, 0x60, 4), ==, 0xf);
    g_assert_false(pci_msi_notify(d, 2));
    g_assert_cmpint(f->nmsi, ==, 2);
    g_assert_cmphex(cfg_rd(f, 0x64, 4), ==, 0x4);
    cfg_wr(f, 0x64, 0, 4); /* pending is read-only */
    g_assert_cmphex(cfg_rd(f, 0x64, 4), ==, 0x4);
    cfg_wr(f, 0x60, 0xb, 4);
    g_assert_cmpint(f->nmsi, ==, 3);
    g_assert_cmphex(f->msi_data[2], ==, 0x4042);
    g_assert_cmphex(cfg_rd(f, 0x64, 4), ==, 0);
    /* MME larger than capable is clamped to the capable count. */
    cfg_wr(f, 0x52, 0x0051, 2);
    cfg_wr(f, 0x60, 0, 4);
    g_assert_true(pci_msi_notify(d, 3));
    g_assert_false(pci_msi_notify(d, 5));
    /* Disable: nothing sent. */
    cfg_wr(f, 0x52, 0, 2);
    g_assert_false(pci_msi_notify(d, 0));
    /* Reset turns MSI off. */
    cfg_wr(f, 0x52, 1, 2);
    pci_dev_reset(d);
    g_assert_false(pci_msi_enabled(d));
    g_assert_cmphex(cfg_rd(f, 0x54, 4), ==, 0);
    fixture_free(f);
}

static void test_reset(void)
{
    struct fixture *f = fixture_new();
    cfg_wr(f, 0x10, 0xc000, 4);
    cfg_wr(f, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MASTER, 2);
    cfg_wr(f, PCI_INTERRUPT_LINE, 11, 1);
    g_assert_true(pci_bus_master(&f->d->pci));
    g_assert_cmphex(f->d->pci.bars[0].addr, ==, 0xc000);
    pci_dev_reset(&f->d->pci);
    g_assert_false(pci_bus_master(&f->d->pci));
    g_assert_cmphex(cfg_rd(f, 0x10, 4), ==, 1);
    g_assert_cmphex(cfg_rd(f, PCI_INTERRUPT_LINE, 1), ==, 0);
    g_assert_cmphex(cfg_rd(f, 0, 4), ==, 0x56781234);
    /* Mapping follows at the next update (the device's settle). */
    pci_update_mappings(&f->d->pci);
    g_assert_cmphex(f->d->pci.bars[0].addr, ==, PCI_BAR_UNMAPPED);
    g_assert_cmphex(test_inb(f->t, 0xc000), ==, 0xff);
    fixture_free(f);
}

static void *save(struct pci_dev *d, size_t *n)
{
    struct vm_writer w;
    g_assert_cmpint(vmw_begin(&w), ==, 0);
    vmw_node_begin(&w, "dev");
    pci_dev_save(d, &w);
    vmw_node_end(&w);
    void *blob = vmw_finish(&w, n);
    g_assert_nonnull(blob);
    return blob;
}

static int load(struct pci_dev *d, const void *blob, size_t n, char *err)
{
    struct vm_reader r;
    int rc = vmr_open(&r, blob, n);
    if (!rc && vmr_node(&r, "dev"))
        rc = -1;
    if (!rc)
        rc = pci_dev_load(d, &r);
    if (vmr_failed(&r))
        rc = -1;
    g_strlcpy(err, r.err, 200);
    return rc;
}

static void test_state(void)
{
    struct fixture *f = fixture_new(), *g = fixture_new();
    cfg_wr(f, 0x10, 0xc000, 4);
    cfg_wr(f, 0x14, 0xfe000000, 4);
    cfg_wr(f, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    cfg_wr(f, 0x70, 0x99, 1);
    pci_set_irq(&f->d->pci, 1);
    size_t n, n2;
    char err[200];
    void *a = save(&f->d->pci, &n);
    g_assert_cmpint(load(&g->d->pci, a, n, err), ==, 0);
    /* Load remaps; INTx is re-driven by the device's settle. */
    g_assert_cmphex(g->d->pci.bars[0].addr, ==, 0xc000);
    g_assert_cmphex(test_readm(g->t, 0xfe000000, 1), ==, 0);
    g_assert_cmpint(g->d->pci.intx_level, ==, 1);
    pci_set_irq(&g->d->pci, g->d->pci.intx_level);
    g_assert_cmpint(g->pirq_level[3], ==, 1);
    void *b = save(&g->d->pci, &n2);
    g_assert_cmpuint(n, ==, n2);
    g_assert_cmpint(memcmp(a, b, n), ==, 0);
    g_assert_cmpint(load(&g->d->pci, a, n / 2, err), ==, -1);
    g_free(a);
    g_free(b);

    /* A stream changing a read-only byte (the vendor ID, a BAR's type) is
     * rejected and leaves the device alone. */
    uint8_t cfg[PCI_CONFIG_SIZE];
    memcpy(cfg, f->d->pci.config, sizeof(cfg));
    static const unsigned bad_off[] = { 0x00, 0x10, 0x18, PCI_INTERRUPT_PIN, PCI_CAPABILITY_LIST, 0x52 };
    for (unsigned i = 0; i < ARRAY_SIZE(bad_off); i++) {
        uint8_t c2[PCI_CONFIG_SIZE];
        memcpy(c2, cfg, sizeof(c2));
        c2[bad_off[i]] ^= bad_off[i] == 0x52 ? 0x80 : 0x04;
        struct vm_writer w;
        g_assert_cmpint(vmw_begin(&w), ==, 0);
        vmw_node_begin(&w, "dev");
        vmw_bytes(&w, "pci-config", c2, sizeof(c2));
        vmw_node_end(&w);
        void *blob = vmw_finish(&w, &n);
        g_assert_cmpint(load(&g->d->pci, blob, n, err), ==, -1);
        g_assert_nonnull(strstr(err, "pci-config"));
        g_free(blob);
    }
    /* intx out of range. */
    struct vm_writer w;
    g_assert_cmpint(vmw_begin(&w), ==, 0);
    vmw_node_begin(&w, "dev");
    vmw_u8(&w, "pci-intx", 2);
    vmw_node_end(&w);
    void *blob = vmw_finish(&w, &n);
    g_assert_cmpint(load(&g->d->pci, blob, n, err), ==, -1);
    g_assert_nonnull(strstr(err, "pci-intx"));
    g_free(blob);
    /* Wrong-length config blob. */
    g_assert_cmpint(vmw_begin(&w), ==, 0);
    vmw_node_begin(&w, "dev");
    vmw_bytes(&w, "pci-config", cfg, 64);
    vmw_node_end(&w);
    blob = vmw_finish(&w, &n);
    g_assert_cmpint(load(&g->d->pci, blob, n, err), ==, -1);
    g_free(blob);
    g_assert_cmphex(g->d->pci.config[0x70], ==, 0x99);
    fixture_free(f);
    fixture_free(g);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pci/identity", test_identity);
    g_test_add_func("/pci/masks", test_masks);
    g_test_add_func("/pci/bar-sizing", test_bar_sizing);
    g_test_add_func("/pci/bar-decode", test_bar_decode);
    g_test_add_func("/pci/rom", test_rom);
    g_test_add_func("/pci/intx", test_intx);
    g_test_add_func("/pci/caps", test_caps);
    g_test_add_func("/pci/msi", test_msi);
    g_test_add_func("/pci/reset", test_reset);
    g_test_add_func("/pci/state", test_state);
    return g_test_run();
}
