/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pci.c: the conventional PCI bus and the generic type-0 header.
 *
 * Reference: PCI Local Bus Specification 3.0, chapter 6 (configuration
 * space): 6.2.2 command register, 6.2.3 status register (error bits are
 * write-1-to-clear), 6.2.5 base address registers (sizing by writing
 * all-ones and reading back the size mask; I/O BARs bit 0 = 1; memory BARs
 * type 00 = 32-bit, 10 = 64-bit, bit 3 prefetchable), 6.2.5.2 expansion ROM
 * BAR (bit 0 enables decode, together with the command register's memory
 * enable), 6.7 capability list, 6.8.1 MSI capability (message control,
 * 32/64-bit address, data, optional per-vector mask and pending bits);
 * 2.2.6 INTx# with command bit 10 (Interrupt Disable) and status bit 3
 * (Interrupt Status).
 *
 * Emulated: bus 0 only (no PCI-to-PCI bridges), config reads/writes with
 * per-byte write masks and W1C masks, BAR decode/remap through the
 * machine's address spaces, INTx ORed per PIRQ (wire-OR of open-drain
 * lines), MSI with multiple messages and per-vector masking (a vector
 * unmasked while pending is sent then).  Not emulated: parity/SERR
 * generation, MSI-X, PCI Express extended config space, bridges,
 * subtractive decode.
 *
 * Decode rules the guests depend on: a BAR decodes only when its command
 * enable is set and its address is non-zero; a BAR whose range would run
 * past the top of its space (the all-ones value firmware and Linux write
 * while sizing, or a 32-bit memory BAR reaching 0xFFFFFFFF) is not
 * decoded, so sizing with decode enabled does not cover the BIOS ROM.
 *
 * Threat model: every config byte is guest-controlled.  Offsets are masked
 * to 0-255, accesses narrower than or misaligned against a register are
 * handled bytewise, BAR addresses are range-checked against the address
 * space limit (overflow-safe) before a region is mapped, MSI vector numbers
 * are bounded by the enabled vector count.  A state stream must keep every
 * read-only byte of the header (identity, BAR types) or is rejected. */
#include <stdlib.h>
#include <string.h>
#include "hw/pci/pci.h"

#define PCI_CMD_WMASK                                                                   \
    (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | 0x0040 /* parity */ | \
     PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)
#define PCI_STATUS_W1C                                                               \
    (0x0100 /* master data parity error */ | PCI_STATUS_SIG_TARGET_ABORT |           \
     PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT |                     \
     PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY)

/* MSI message control bits (PCI 3.0 6.8.1.3). */
#define MSI_CTRL_ENABLE 0x0001
#define MSI_CTRL_MMC_SHIFT 1 /* multiple message capable, log2 */
#define MSI_CTRL_MME_SHIFT 4 /* multiple message enable, log2 */
#define MSI_CTRL_MME_MASK 0x0070
#define MSI_CTRL_64 0x0080
#define MSI_CTRL_MASKBIT 0x0100

static void set_bytes(uint8_t *a, unsigned off, uint32_t val, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        a[(off + i) & 0xff] = (uint8_t)(val >> (8 * i));
}

static uint32_t get_bytes(const uint8_t *a, unsigned off, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)a[(off + i) & 0xff] << (8 * i);
    return v;
}

uint32_t pci_config_get(const struct pci_dev *d, unsigned off, unsigned size)
{
    return get_bytes(d->config, off, size > 4 ? 4 : size);
}

void pci_config_set(struct pci_dev *d, unsigned off, uint32_t val, unsigned size)
{
    set_bytes(d->config, off, val, size > 4 ? 4 : size);
}

static uint16_t cmd(const struct pci_dev *d)
{
    return ld16(&d->config[PCI_COMMAND]);
}

/* ---- bus ---- */

static unsigned pc_swizzle(void *opaque, unsigned slot, unsigned pin)
{
    (void)opaque;
    return (slot + pin - 1) & 3;
}

void pci_bus_init(struct pci_bus *bus, struct address_space *io, struct address_space *mem,
                  const struct log *log)
{
    memset(bus, 0, sizeof(*bus));
    bus->io = io;
    bus->mem = mem;
    bus->bar_prio = 1;
    bus->log = log;
}

static unsigned dev_pirq(const struct pci_dev *d)
{
    struct pci_bus *bus = d->bus;
    unsigned pin = d->config[PCI_INTERRUPT_PIN];
    if (pin < PCI_INTA || pin > PCI_INTD)
        pin = PCI_INTA;
    unsigned slot = PCI_SLOT(d->devfn);
    unsigned p = bus->map_irq ? bus->map_irq(bus->opaque, slot, pin)
                              : pc_swizzle(NULL, slot, pin);
    return p & 3;
}

/* The level a function drives onto its PIRQ: its own INTx unless the
 * guest disabled INTx (command bit 10) or it has no pin. */
static bool intx_out(const struct pci_dev *d)
{
    return d->intx_level && d->config[PCI_INTERRUPT_PIN] &&
           !(cmd(d) & PCI_COMMAND_INTX_DISABLE);
}

/* Recount a PIRQ from the functions' states (robust against resets that
 * cleared levels without telling the bus) and tell the sink on changes. */
static void pirq_update(struct pci_bus *bus, unsigned pirq)
{
    unsigned n = 0;
    for (unsigned i = 0; i < ARRAY_SIZE(bus->devs); i++) {
        const struct pci_dev *d = bus->devs[i];
        if (d && intx_out(d) && dev_pirq(d) == pirq)
            n++;
    }
    bool was = bus->pirq_count[pirq] != 0;
    bus->pirq_count[pirq] = n;
    if (was != (n != 0) && bus->set_irq)
        bus->set_irq(bus->opaque, pirq, n != 0);
}

void pci_set_irq(struct pci_dev *d, int level)
{
    d->intx_level = !!level;
    uint16_t st = ld16(&d->config[PCI_STATUS]);
    st = d->intx_level ? st | PCI_STATUS_INTERRUPT : st & ~PCI_STATUS_INTERRUPT;
    st16(&d->config[PCI_STATUS], st);
    if (d->bus && d->config[PCI_INTERRUPT_PIN])
        pirq_update(d->bus, dev_pirq(d));
}

/* ---- functions ---- */

int pci_dev_init(struct pci_dev *d, struct pci_bus *bus, uint8_t devfn, const char *name,
                 uint16_t vendor, uint16_t device, uint32_t class_code, uint8_t revision,
                 const struct pci_dev_ops *ops)
{
    if (bus->devs[devfn])
        return -1;
    memset(d->config, 0, sizeof(d->config));
    memset(d->wmask, 0, sizeof(d->wmask));
    memset(d->w1cmask, 0, sizeof(d->w1cmask));
    memset(d->bars, 0, sizeof(d->bars));
    memset(&d->rom, 0, sizeof(d->rom));
    for (unsigned i = 0; i < PCI_NUM_BARS; i++)
        d->bars[i].addr = PCI_BAR_UNMAPPED;
    d->rom.addr = PCI_BAR_UNMAPPED;
    d->name = name;
    d->ops = ops;
    d->bus = bus;
    d->devfn = devfn;
    d->intx_level = 0;
    d->msi_cap = 0;

    st16(&d->config[PCI_VENDOR_ID], vendor);
    st16(&d->config[PCI_DEVICE_ID], device);
    d->config[PCI_REVISION_ID] = revision;
    d->config[PCI_CLASS_PROG] = (uint8_t)class_code;
    st16(&d->config[PCI_CLASS_DEVICE], (uint16_t)(class_code >> 8));
    st16(&d->config[PCI_STATUS], PCI_STATUS_DEVSEL_MEDIUM);
    st16(&d->wmask[PCI_COMMAND], PCI_CMD_WMASK);
    st16(&d->w1cmask[PCI_STATUS], PCI_STATUS_W1C);
    d->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    d->wmask[PCI_LATENCY_TIMER] = 0xff;
    bus->devs[devfn] = d;
    return 0;
}

static void bar_unmap(struct pci_dev *d, struct pci_bar *b, bool *io, bool *mem)
{
    if (b->addr == PCI_BAR_UNMAPPED)
        return;
    bool is_io = b->type & PCI_BAR_IO;
    as_del(is_io ? d->bus->io : d->bus->mem, b->region);
    b->addr = PCI_BAR_UNMAPPED;
    *(is_io ? io : mem) = true;
}

void pci_dev_remove(struct pci_dev *d)
{
    struct pci_bus *bus = d->bus;
    if (!bus || bus->devs[d->devfn] != d)
        return;
    bool io = false, mem = false;
    for (unsigned i = 0; i < PCI_NUM_BARS; i++)
        if (d->bars[i].region)
            bar_unmap(d, &d->bars[i], &io, &mem);
    if (d->rom.region)
        bar_unmap(d, &d->rom, &io, &mem);
    if (io)
        as_commit(bus->io);
    if (mem)
        as_commit(bus->mem);
    bool had_pin = d->config[PCI_INTERRUPT_PIN] != 0;
    unsigned pirq = had_pin ? dev_pirq(d) : 0;
    bus->devs[d->devfn] = NULL;
    if (had_pin)
        pirq_update(bus, pirq);
    d->bus = NULL;
}

static bool pow2(uint64_t x)
{
    return x && !(x & (x - 1));
}

void pci_register_bar(struct pci_dev *d, unsigned n, uint8_t type, struct mem_region *region)
{
    bool is64 = !(type & PCI_BAR_IO) && (type & PCI_BAR_MEM_64);
    uint64_t size = region->size;
    if (n >= PCI_NUM_BARS || (is64 && n + 1 >= PCI_NUM_BARS) || !pow2(size) ||
        size < ((type & PCI_BAR_IO) ? 4 : 16) || ((type & PCI_BAR_IO) && size > 256))
        abort(); /* a device bug, not guest input */
    unsigned off = PCI_BASE_ADDRESS_0 + 4 * n;
    uint8_t lowbits = (type & PCI_BAR_IO) ? PCI_BAR_IO : (type & (PCI_BAR_MEM_64 | PCI_BAR_MEM_PREFETCH));
    uint64_t mask = ~(size - 1) & ((type & PCI_BAR_IO) ? ~3ULL : ~15ULL);
    d->bars[n] = (struct pci_bar){ region, lowbits, PCI_BAR_UNMAPPED };
    set_bytes(d->config, off, lowbits, 4);
    set_bytes(d->wmask, off, (uint32_t)mask, 4);
    if (is64) {
        set_bytes(d->config, off + 4, 0, 4);
        set_bytes(d->wmask, off + 4, (uint32_t)(mask >> 32), 4);
    }
}

void pci_register_rom(struct pci_dev *d, struct mem_region *region)
{
    if (!pow2(region->size) || region->size < 2 * KiB)
        abort();
    d->rom = (struct pci_bar){ region, 0, PCI_BAR_UNMAPPED };
    set_bytes(d->config, PCI_ROM_ADDRESS, 0, 4);
    set_bytes(d->wmask, PCI_ROM_ADDRESS, (uint32_t)~(region->size - 1) | PCI_ROM_ENABLE, 4);
}

void pci_set_interrupt_pin(struct pci_dev *d, uint8_t pin)
{
    d->config[PCI_INTERRUPT_PIN] = pin <= PCI_INTD ? pin : 0;
    d->wmask[PCI_INTERRUPT_LINE] = pin ? 0xff : 0;
}

/* ---- BAR decode ---- */

/* Where BAR n (or the ROM, n = PCI_NUM_BARS) should be decoded now, or
 * PCI_BAR_UNMAPPED. */
static uint64_t bar_target(const struct pci_dev *d, unsigned n)
{
    const struct pci_bar *b = n < PCI_NUM_BARS ? &d->bars[n] : &d->rom;
    uint16_t c = cmd(d);
    uint64_t size = b->region->size, addr, limit;
    bool is_io = b->type & PCI_BAR_IO;
    if (n == PCI_NUM_BARS) {
        uint32_t v = get_bytes(d->config, PCI_ROM_ADDRESS, 4);
        if (!(c & PCI_COMMAND_MEMORY) || !(v & PCI_ROM_ENABLE))
            return PCI_BAR_UNMAPPED;
        addr = v & ~(uint64_t)(size - 1) & 0xfffff800u;
    } else {
        unsigned off = PCI_BASE_ADDRESS_0 + 4 * n;
        if (!(c & (is_io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY)))
            return PCI_BAR_UNMAPPED;
        addr = get_bytes(d->config, off, 4) & (is_io ? ~3u : ~15u);
        if (!is_io && (b->type & PCI_BAR_MEM_64))
            addr |= (uint64_t)get_bytes(d->config, off + 4, 4) << 32;
        addr &= ~(size - 1);
    }
    bool wide = !is_io && n < PCI_NUM_BARS && (b->type & PCI_BAR_MEM_64);
    struct address_space *as = is_io ? d->bus->io : d->bus->mem;
    limit = MIN(as->limit, wide ? UINT64_MAX - 1 : 0xfffffffeULL);
    /* addr + size - 1 must not wrap and must stay within the space; the
     * last byte may not be the all-ones address (the sizing pattern). */
    if (addr == 0 || addr > limit || size - 1 > limit - addr)
        return PCI_BAR_UNMAPPED;
    return addr;
}

static void bar_update(struct pci_dev *d, unsigned n, bool *io, bool *mem)
{
    struct pci_bar *b = n < PCI_NUM_BARS ? &d->bars[n] : &d->rom;
    if (!b->region)
        return;
    uint64_t want = bar_target(d, n);
    if (want == b->addr)
        return;
    bool is_io = b->type & PCI_BAR_IO;
    struct address_space *as = is_io ? d->bus->io : d->bus->mem;
    bar_unmap(d, b, io, mem);
    if (want != PCI_BAR_UNMAPPED) {
        as_add(as, b->region, want, d->bus->bar_prio);
        b->addr = want;
        *(is_io ? io : mem) = true;
    }
}

void pci_update_mappings(struct pci_dev *d)
{
    if (!d->bus)
        return;
    bool io = false, mem = false;
    for (unsigned n = 0; n <= PCI_NUM_BARS; n++)
        bar_update(d, n, &io, &mem);
    if (io)
        as_commit(d->bus->io);
    if (mem)
        as_commit(d->bus->mem);
}

/* ---- capabilities and MSI ---- */

unsigned pci_add_capability(struct pci_dev *d, uint8_t id, unsigned offset, unsigned size)
{
    if (offset < 0x40 || offset & 3 || size < 2 || offset + size > PCI_CONFIG_SIZE)
        abort();
    d->config[offset] = id;
    d->config[offset + 1] = 0;
    /* Append to the end of the list, so the order is the order of adding. */
    uint8_t *link = &d->config[PCI_CAPABILITY_LIST];
    for (unsigned hops = 0; *link && hops < 48; hops++)
        link = &d->config[*link + 1];
    *link = (uint8_t)offset;
    st16(&d->config[PCI_STATUS], ld16(&d->config[PCI_STATUS]) | PCI_STATUS_CAP_LIST);
    return offset;
}

struct msi_layout {
    unsigned ctrl, addr_lo, addr_hi, data, mask, pending; /* 0: absent */
};

static struct msi_layout msi_layout(const struct pci_dev *d)
{
    unsigned c = d->msi_cap;
    uint16_t ctrl = ld16(&d->config[c + 2]);
    struct msi_layout l = { .ctrl = c + 2, .addr_lo = c + 4 };
    if (ctrl & MSI_CTRL_64) {
        l.addr_hi = c + 8;
        l.data = c + 12;
    } else {
        l.data = c + 8;
    }
    if (ctrl & MSI_CTRL_MASKBIT) {
        l.mask = l.data + 4;
        l.pending = l.data + 8;
    }
    return l;
}

unsigned pci_add_msi(struct pci_dev *d, unsigned offset, unsigned nvec, bool addr64,
                     bool per_vector_mask)
{
    if (!pow2(nvec) || nvec > 32)
        abort();
    unsigned size = 10 + (addr64 ? 4 : 0) + (per_vector_mask ? 10 : 0);
    unsigned log2n = (unsigned)__builtin_ctz(nvec);
    pci_add_capability(d, PCI_CAP_ID_MSI, offset, size);
    d->msi_cap = (uint8_t)offset;
    uint16_t ctrl = (uint16_t)(log2n << MSI_CTRL_MMC_SHIFT) | (addr64 ? MSI_CTRL_64 : 0) |
                    (per_vector_mask ? MSI_CTRL_MASKBIT : 0);
    st16(&d->config[offset + 2], ctrl);
    struct msi_layout l = msi_layout(d);
    st16(&d->wmask[l.ctrl], MSI_CTRL_ENABLE | (nvec > 1 ? MSI_CTRL_MME_MASK : 0));
    set_bytes(d->wmask, l.addr_lo, 0xfffffffc, 4);
    if (l.addr_hi)
        set_bytes(d->wmask, l.addr_hi, 0xffffffff, 4);
    set_bytes(d->wmask, l.data, 0xffff, 2);
    if (l.mask)
        set_bytes(d->wmask, l.mask, nvec == 32 ? 0xffffffffu : (1u << nvec) - 1, 4);
    return offset;
}

bool pci_msi_enabled(const struct pci_dev *d)
{
    return d->msi_cap && (ld16(&d->config[d->msi_cap + 2]) & MSI_CTRL_ENABLE);
}

/* Vectors the guest allocated: 2^MME, but never more than the capable count
 * (a guest writing a larger MME gets the capable count, as on hardware that
 * implements only the bits it needs). */
static unsigned msi_nvec(const struct pci_dev *d)
{
    uint16_t ctrl = ld16(&d->config[d->msi_cap + 2]);
    unsigned mmc = (ctrl >> MSI_CTRL_MMC_SHIFT) & 7, mme = (ctrl & MSI_CTRL_MME_MASK) >> MSI_CTRL_MME_SHIFT;
    return 1u << MIN(MIN(mme, mmc), 5u);
}

static void msi_send(struct pci_dev *d, const struct msi_layout *l, unsigned vector)
{
    uint64_t addr = get_bytes(d->config, l->addr_lo, 4);
    if (l->addr_hi)
        addr |= (uint64_t)get_bytes(d->config, l->addr_hi, 4) << 32;
    unsigned nvec = msi_nvec(d);
    uint32_t data = get_bytes(d->config, l->data, 2);
    /* Multiple messages: the function modifies the low log2(n) data bits. */
    data = (data & ~(nvec - 1)) | (vector & (nvec - 1));
    if (d->bus && d->bus->msi)
        d->bus->msi(d->bus->opaque, addr, data);
}

bool pci_msi_notify(struct pci_dev *d, unsigned vector)
{
    if (!pci_msi_enabled(d) || vector >= msi_nvec(d))
        return false;
    struct msi_layout l = msi_layout(d);
    if (l.mask && (get_bytes(d->config, l.mask, 4) >> vector & 1)) {
        set_bytes(d->config, l.pending, get_bytes(d->config, l.pending, 4) | 1u << vector, 4);
        return false;
    }
    msi_send(d, &l, vector);
    return true;
}

/* After a config write touching the MSI capability: deliver vectors that
 * were pending and are now unmasked (PCI 3.0 6.8.1.8). */
static void msi_write(struct pci_dev *d)
{
    if (!pci_msi_enabled(d))
        return;
    struct msi_layout l = msi_layout(d);
    if (!l.mask)
        return;
    uint32_t pend = get_bytes(d->config, l.pending, 4), mask = get_bytes(d->config, l.mask, 4);
    uint32_t fire = pend & ~mask;
    unsigned nvec = msi_nvec(d);
    for (unsigned v = 0; v < nvec; v++) {
        if (!(fire >> v & 1))
            continue;
        pend &= ~(1u << v);
        set_bytes(d->config, l.pending, pend, 4);
        msi_send(d, &l, v);
    }
}

/* ---- config accesses ---- */

static bool overlaps(unsigned off, unsigned size, unsigned start, unsigned len)
{
    return off < start + len && start < off + size;
}

static struct pci_dev *bus_dev(struct pci_bus *bus, uint8_t devfn)
{
    return bus->devs[devfn];
}

uint32_t pci_bus_config_read(struct pci_bus *bus, uint8_t devfn, unsigned off, unsigned size)
{
    if (size != 1 && size != 2 && size != 4)
        size = 4;
    uint32_t ones = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    struct pci_dev *d = bus_dev(bus, devfn);
    if (!d)
        return ones;
    off &= 0xff;
    if (off + size > PCI_CONFIG_SIZE) /* a misaligned access at the end: truncate */
        size = PCI_CONFIG_SIZE - off;
    uint32_t v = d->ops && d->ops->config_read ? d->ops->config_read(d, off, size)
                                               : pci_config_get(d, off, size);
    return v & ones;
}

void pci_bus_config_write(struct pci_bus *bus, uint8_t devfn, unsigned off, uint32_t val,
                          unsigned size)
{
    if (size != 1 && size != 2 && size != 4)
        return;
    struct pci_dev *d = bus_dev(bus, devfn);
    if (!d)
        return;
    off &= 0xff;
    if (off + size > PCI_CONFIG_SIZE)
        size = PCI_CONFIG_SIZE - off;
    bool had_pin = d->config[PCI_INTERRUPT_PIN] != 0;
    bool was_out = intx_out(d);
    for (unsigned i = 0; i < size; i++) {
        unsigned o = off + i;
        uint8_t b = (uint8_t)(val >> (8 * i)), wm = d->wmask[o], w1c = d->w1cmask[o];
        d->config[o] = (uint8_t)(((d->config[o] & ~wm) | (b & wm)) & ~(b & w1c));
    }
    if (overlaps(off, size, PCI_COMMAND, 2) || overlaps(off, size, PCI_BASE_ADDRESS_0, 24) ||
        overlaps(off, size, PCI_ROM_ADDRESS, 4))
        pci_update_mappings(d);
    if (had_pin && was_out != intx_out(d))
        pirq_update(bus, dev_pirq(d));
    if (d->msi_cap && overlaps(off, size, d->msi_cap, 24))
        msi_write(d);
    if (d->ops && d->ops->config_write)
        d->ops->config_write(d, off, val, size);
}

/* ---- reset and state ---- */

void pci_dev_reset(struct pci_dev *d)
{
    st16(&d->config[PCI_COMMAND], 0);
    uint16_t st = ld16(&d->config[PCI_STATUS]);
    st16(&d->config[PCI_STATUS], st & ~(PCI_STATUS_W1C | PCI_STATUS_INTERRUPT));
    d->config[PCI_CACHE_LINE_SIZE] = 0;
    d->config[PCI_LATENCY_TIMER] = 0;
    /* BAR and ROM addresses back to 0, type bits kept. */
    for (unsigned o = PCI_BASE_ADDRESS_0; o < PCI_BASE_ADDRESS_0 + 24; o++)
        d->config[o] &= (uint8_t)~d->wmask[o];
    for (unsigned o = PCI_ROM_ADDRESS; o < PCI_ROM_ADDRESS + 4; o++)
        d->config[o] &= (uint8_t)~d->wmask[o];
    d->config[PCI_INTERRUPT_LINE] = 0;
    d->intx_level = 0;
    if (d->msi_cap) {
        struct msi_layout l = msi_layout(d);
        uint16_t ctrl = ld16(&d->config[l.ctrl]);
        st16(&d->config[l.ctrl], ctrl & ~(MSI_CTRL_ENABLE | MSI_CTRL_MME_MASK));
        set_bytes(d->config, l.addr_lo, 0, 4);
        if (l.addr_hi)
            set_bytes(d->config, l.addr_hi, 0, 4);
        set_bytes(d->config, l.data, 0, 2);
        if (l.mask) {
            set_bytes(d->config, l.mask, 0, 4);
            set_bytes(d->config, l.pending, 0, 4);
        }
    }
}

void pci_dev_save(struct pci_dev *d, struct vm_writer *w)
{
    vmw_bytes(w, "pci-config", d->config, PCI_CONFIG_SIZE);
    vmw_u8(w, "pci-intx", (uint8_t)d->intx_level);
}

/* Bytes a stream may not change: the header's read-only bits (identity,
 * BAR types, pin, capability pointer).  Status (0x06-0x07) holds
 * device-driven read-only bits and is exempt; so is the device-specific
 * area, except the MSI control register's capability bits. */
static bool ro_checked(const struct pci_dev *d, unsigned o, uint8_t *mask)
{
    *mask = (uint8_t)~(d->wmask[o] | d->w1cmask[o]);
    if (o < 0x40)
        return o != PCI_STATUS && o != PCI_STATUS + 1;
    if (d->msi_cap && (o == d->msi_cap + 2u || o == d->msi_cap + 3u)) {
        *mask &= o == d->msi_cap + 2u ? 0x8e : 0x01; /* 64-bit, MMC, mask capable */
        return true;
    }
    return false;
}

static int load_config(struct pci_dev *d, struct vm_reader *r, bool strict)
{
    uint8_t cfg[PCI_CONFIG_SIZE];
    uint8_t intx = (uint8_t)d->intx_level;
    memcpy(cfg, d->config, sizeof(cfg));
    if (vmr_bytes(r, "pci-config", cfg, sizeof(cfg)) || vmr_u8_max(r, "pci-intx", &intx, 1))
        return -1;
    for (unsigned o = 0; o < PCI_CONFIG_SIZE; o++) {
        uint8_t m;
        bool check = ro_checked(d, o, &m) || (strict && o >= 0x40);
        if (check && ((cfg[o] ^ d->config[o]) & m)) {
            vmr_fail(r, "pci-config", "read-only byte 0x%02x is 0x%02x, expected 0x%02x", o,
                     cfg[o], d->config[o]);
            return -1;
        }
    }
    memcpy(d->config, cfg, sizeof(cfg));
    d->intx_level = intx;
    pci_update_mappings(d);
    return 0;
}

int pci_dev_load(struct pci_dev *d, struct vm_reader *r)
{
    return load_config(d, r, false);
}

int pci_dev_load_strict(struct pci_dev *d, struct vm_reader *r)
{
    return load_config(d, r, true);
}
