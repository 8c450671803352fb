/* SPDX-License-Identifier: GPL-2.0-or-later */
/* i440fx.c: Intel 82441FX PCI and Memory Controller (PMC), host bridge of
 * the 440FX PCIset.
 *
 * Reference: Intel 440FX PCIset 82441FX (PMC) and 82442FX (DBX) datasheet
 * (order 290549-001): 3.1 I/O-mapped registers (CONFADD at 0CF8h, only
 * dword accesses; CONFDATA at 0CFCh, byte/word/dword), 3.2 PCI
 * configuration registers (PCICMD, PCISTS, MLT, PMCCFG, DRAM control, PAM0-6,
 * DRB0-7, SMRAM, ERRCMD/ERRSTS), 4.1 memory map (the PAM-controlled
 * 0C0000h-0FFFFFh segments, the SMRAM/VGA window at 0A0000h-0BFFFFh).
 * PCI Local Bus Specification 3.0, 3.2.2.3.2 (configuration mechanism #1).
 *
 * Emulated: configuration mechanism #1 for bus 0 (other bus numbers read
 * all-ones: there are no bridges), the PAM attribute map exactly per
 * segment (00 PCI, 01 read-only DRAM, 10 write-only DRAM, 11 DRAM), the
 * SMRAM register's bits with the D_OPEN window (with G_SMRAME, as the
 * datasheet says the open/close/lock bits only work then), D_LCK locking
 * D_OPEN until a power-on reset, the other registers with their reset
 * values as plain storage (DRAM timing, DRB, error registers: hvemu's RAM
 * has no rows or timing).  "PCI" in a PAM segment is the ISA BIOS alias
 * for 0E0000h-0FFFFFh (the PIIX's BIOS decode; hvemu does not gate the E
 * segment with XBCS) and unassigned space for 0C0000h-0DFFFFh.
 * Not emulated: SMM (no SMI#, so D_CLS has nothing to act on), the
 * cacheability side of PAM (MTRRs do that on P6), DRAM error reporting.
 *
 * Guests: SeaBIOS finds the PMC by 8086:1237 ("Unable to unlock ram -
 * bridge not found" otherwise), unlocks shadow RAM with PAM 0x30/0x33,
 * copies itself from the 4 GiB alias, and write-protects with 0x10/0x11/
 * 0x31; it probes mechanism #1 by writing 0x80000000 to 0CF8h and reading
 * it back as a dword.  Its reboot path writes 0CF9h with byte accesses,
 * which the 82441FX does not claim (passed to cf9_target).  Linux reads
 * the vendor/device IDs and the PAM registers (for its BIOS-area checks).
 *
 * Under KVM the PAM/SMRAM windows are RAM or read-only RAM regions (KVM
 * memslots, read-only slots for 01), so shadowed firmware runs at full
 * speed; attributes 10 and 00 on C/D segments are I/O regions (exits).
 *
 * Threat model: CONFADD is masked to its defined bits, register offsets
 * to 0-255 (pci.c), PAM/SMRAM values to their defined bits; all address
 * arithmetic uses fixed segment tables. */
#include <stdlib.h>
#include <string.h>
#include "hw/pci/i440fx.h"

#define CONFADD_ENABLE 0x80000000u
#define CONFADD_MASK 0x80fffffcu
#define SMRAM_WMASK (SMRAM_D_OPEN | SMRAM_D_CLS | SMRAM_D_LCK | SMRAM_G_SMRAME)

static const char *const pam_names[I440FX_PAM_SEGS] = {
    "pam-f0000", "pam-c0000", "pam-c4000", "pam-c8000", "pam-cc000", "pam-d0000", "pam-d4000",
    "pam-d8000", "pam-dc000", "pam-e0000", "pam-e4000", "pam-e8000", "pam-ec000",
};

/* Segment i: PAM register and nibble, base and size. */
static unsigned seg_reg(unsigned i)
{
    return i == 0 ? I440FX_PAM0 : I440FX_PAM0 + 1 + (i - 1) / 2;
}

static unsigned seg_shift(unsigned i)
{
    return i == 0 ? 4 : ((i - 1) & 1) * 4;
}

static uint64_t seg_base(unsigned i)
{
    return i == 0 ? 0xF0000 : 0xC0000 + (uint64_t)(i - 1) * 0x4000;
}

/* ---- mechanism #1 ---- */

static uint64_t cf8_read(void *opaque, uint64_t off, unsigned size)
{
    struct i440fx *h = opaque;
    if (off == 0 && size == 4)
        return h->confadd;
    /* Not claimed by the PMC: byte 0CF9h belongs to the PIIX. */
    if (off == 1 && size == 1 && h->cf9_target)
        return h->cf9_target->ops->read(h->cf9_target->opaque, 0, 1);
    return ~0ULL;
}

static void cf8_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct i440fx *h = opaque;
    if (off == 0 && size == 4) {
        h->confadd = (uint32_t)val & CONFADD_MASK;
        return;
    }
    if (off == 1 && size == 1 && h->cf9_target)
        h->cf9_target->ops->write(h->cf9_target->opaque, 0, val, 1);
}

static const struct io_ops cf8_ops = {
    .read = cf8_read,
    .write = cf8_write,
    .min_size = 1,
    .max_size = 4,
};

/* The config access CONFADD selects, or false for "goes nowhere". */
static bool confadd_target(const struct i440fx *h, uint8_t *devfn, unsigned *reg)
{
    if (!(h->confadd & CONFADD_ENABLE) || ((h->confadd >> 16) & 0xff) != 0)
        return false;
    *devfn = (uint8_t)(h->confadd >> 8);
    *reg = h->confadd & 0xfc;
    return true;
}

static uint64_t cfc_read(void *opaque, uint64_t off, unsigned size)
{
    struct i440fx *h = opaque;
    uint8_t devfn;
    unsigned reg;
    if (!confadd_target(h, &devfn, &reg))
        return ~0ULL;
    return pci_bus_config_read(h->pci.bus, devfn, reg + (unsigned)off, size);
}

static void cfc_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct i440fx *h = opaque;
    uint8_t devfn;
    unsigned reg;
    if (confadd_target(h, &devfn, &reg))
        pci_bus_config_write(h->pci.bus, devfn, reg + (unsigned)off, (uint32_t)val, size);
}

static const struct io_ops cfc_ops = {
    .read = cfc_read,
    .write = cfc_write,
    .min_size = 1,
    .max_size = 4,
};

/* ---- PAM ---- */

/* Unassigned PCI memory: what a master abort gives. */
static uint64_t pci_none_read(void *opaque, uint64_t off, unsigned size)
{
    return ~0ULL;
}

static void pci_none_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
}

static const struct io_ops pci_none_ops = {
    .read = pci_none_read,
    .write = pci_none_write,
    .min_size = 1,
    .max_size = 8,
};

/* Attribute 10: reads from PCI (the ROM alias or nothing), writes to DRAM. */
static uint64_t wo_read(void *opaque, uint64_t off, unsigned size)
{
    struct i440fx_pam_seg *s = opaque;
    if (!s->rom)
        return ~0ULL;
    uint64_t v = 0;
    for (unsigned i = 0; i < size && off + i < s->size; i++)
        v |= (uint64_t)s->rom[off + i] << (8 * i);
    return v;
}

static void wo_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct i440fx_pam_seg *s = opaque;
    uint8_t *p = s->h->ram + s->base;
    for (unsigned i = 0; i < size && off + i < s->size; i++)
        p[off + i] = (uint8_t)(val >> (8 * i));
    /* The soft CPU's decoded-code cache must see writes into RAM. */
    dma_mark_written(s->h->env->mem, s->base + off, size);
}

static const struct io_ops wo_ops = {
    .read = wo_read,
    .write = wo_write,
    .min_size = 1,
    .max_size = 8,
};

static bool ram_covers(const struct i440fx *h, uint64_t base, uint64_t size)
{
    return h->ram && h->ram_size >= base + size;
}

unsigned i440fx_pam_attr(const struct i440fx *h, uint64_t gpa)
{
    for (unsigned i = 0; i < I440FX_PAM_SEGS; i++)
        if (gpa >= seg_base(i) && gpa < seg_base(i) + h->pam[i].size)
            return (h->pci.config[seg_reg(i)] >> seg_shift(i)) & 3;
    return 0;
}

/* Enable the one region per segment (and SMRAM window) that the registers
 * select.  Returns true if anything changed. */
static bool apply_windows(struct i440fx *h)
{
    bool changed = false;
    for (unsigned i = 0; i < I440FX_PAM_SEGS; i++) {
        struct i440fx_pam_seg *s = &h->pam[i];
        unsigned attr = (h->pci.config[seg_reg(i)] >> seg_shift(i)) & 3;
        if (!ram_covers(h, s->base, s->size))
            attr = 0; /* no DRAM behind it: everything goes to PCI */
        struct mem_region *want[4] = { &s->pci, &s->ram_ro, &s->wo, &s->ram };
        for (unsigned a = 0; a < 4; a++) {
            bool on = a == attr;
            if (want[a]->enabled != on) {
                region_set_enabled(want[a], on);
                changed = true;
            }
        }
    }
    uint8_t sm = h->pci.config[I440FX_SMRAM];
    bool open = (sm & SMRAM_G_SMRAME) && (sm & SMRAM_D_OPEN) && ram_covers(h, 0xA0000, 0x20000);
    if (h->smram_ram.enabled != open || h->smram_pci.enabled == open) {
        region_set_enabled(&h->smram_ram, open);
        region_set_enabled(&h->smram_pci, !open);
        changed = true;
    }
    return changed;
}

static void update_windows(struct i440fx *h)
{
    if (apply_windows(h) && h->pam[0].ram.mapped)
        as_commit(h->pci.bus->mem);
}

/* D_LCK: D_OPEN is forced to 0 and both become read-only until a power-on
 * reset (datasheet 3.2, SMRAM). */
static void smram_lock_rules(struct i440fx *h)
{
    uint8_t *sm = &h->pci.config[I440FX_SMRAM];
    if (*sm & SMRAM_D_LCK) {
        *sm &= (uint8_t)~SMRAM_D_OPEN;
        h->pci.wmask[I440FX_SMRAM] = SMRAM_D_CLS | SMRAM_G_SMRAME;
    } else {
        h->pci.wmask[I440FX_SMRAM] = SMRAM_WMASK;
    }
}

static void i440fx_config_write(struct pci_dev *d, unsigned off, uint32_t val, unsigned size)
{
    struct i440fx *h = container_of(d, struct i440fx, pci);
    if (off <= I440FX_SMRAM && off + size > I440FX_SMRAM)
        smram_lock_rules(h);
    if ((off < I440FX_PAM0 + 7 && off + size > I440FX_PAM0) ||
        (off <= I440FX_SMRAM && off + size > I440FX_SMRAM)) {
        TRACE(h->env->log, h->trace, "i440fx: PAM %02x %02x %02x %02x %02x %02x %02x SMRAM %02x",
              d->config[0x59], d->config[0x5a], d->config[0x5b], d->config[0x5c], d->config[0x5d],
              d->config[0x5e], d->config[0x5f], d->config[I440FX_SMRAM]);
        update_windows(h);
    }
}

static const struct pci_dev_ops i440fx_pci_ops = {
    .config_write = i440fx_config_write,
};

/* ---- device ---- */

static void set_defaults(struct i440fx *h)
{
    uint8_t *c = h->pci.config;
    st16(&c[PCI_COMMAND], PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER); /* RO 1 on the PMC */
    st16(&c[PCI_STATUS], 0x0080 | PCI_STATUS_DEVSEL_MEDIUM);         /* fast back-to-back */
    st16(&c[I440FX_PMCCFG], 0);
    c[I440FX_DETURBO] = 0x80;
    c[I440FX_DBC] = 0x80;
    c[I440FX_AXC] = 0x00;
    st16(&c[I440FX_DRAMR], 0);
    c[I440FX_DRAMC] = 0x01;
    c[I440FX_DRAMT] = 0x10;
    memset(&c[I440FX_PAM0], 0, 7);
    memset(&c[I440FX_DRB0], 0x01, 8);
    c[I440FX_FDHC] = 0;
    c[I440FX_MTT] = 0x20;
    c[I440FX_CLT] = 0x10;
    c[I440FX_ERRCMD] = 0;
    c[I440FX_ERRSTS] = 0;
    c[I440FX_TRC] = 0;
}

static void i440fx_reset(void *dev, enum reset_kind kind)
{
    struct i440fx *h = dev;
    uint8_t lock = h->pci.config[I440FX_SMRAM] & SMRAM_D_LCK;
    pci_dev_reset(&h->pci);
    set_defaults(h);
    h->confadd = 0;
    /* D_LCK is cleared only by a power-on reset. */
    h->pci.config[I440FX_SMRAM] = SMRAM_C_BASE_SEG | (kind == RESET_WARM ? lock : 0);
    smram_lock_rules(h);
}

static void i440fx_settle(void *dev)
{
    struct i440fx *h = dev;
    update_windows(h);
}

static void i440fx_save(void *dev, struct vm_writer *w)
{
    struct i440fx *h = dev;
    pci_dev_save(&h->pci, w);
    vmw_u32(w, "confadd", h->confadd);
}

static int i440fx_load(void *dev, struct vm_reader *r)
{
    struct i440fx *h = dev;
    uint32_t confadd = h->confadd;
    if (vmr_u32(r, "confadd", &confadd))
        return -1;
    if (confadd & ~CONFADD_MASK) {
        vmr_fail(r, "confadd", "0x%08x has reserved bits set", confadd);
        return -1;
    }
    /* The SMRAM register's write mask depends on D_LCK: let the stream's
     * value through the read-only check, then re-derive. */
    h->pci.wmask[I440FX_SMRAM] = SMRAM_WMASK;
    if (pci_dev_load_strict(&h->pci, r)) {
        smram_lock_rules(h);
        return -1;
    }
    h->confadd = confadd;
    smram_lock_rules(h);
    update_windows(h);
    return 0;
}

static void i440fx_destroy(void *dev)
{
    struct i440fx *h = dev;
    pci_dev_remove(&h->pci);
    free(h);
}

const struct dev_class i440fx_class = {
    .name = "i440fx",
    .version = 1,
    .reset = i440fx_reset,
    .settle = i440fx_settle,
    .save = i440fx_save,
    .load = i440fx_load,
    .destroy = i440fx_destroy,
};

static void init_seg(struct i440fx *h, unsigned i, const uint8_t *bios_low, uint64_t bios_low_size)
{
    struct i440fx_pam_seg *s = &h->pam[i];
    s->h = h;
    s->base = seg_base(i);
    s->size = i == 0 ? 0x10000 : 0x4000;
    uint64_t rom_start = 0x100000 - bios_low_size;
    s->rom = bios_low && s->base >= rom_start ? bios_low + (s->base - rom_start) : NULL;
    uint8_t *ram = ram_covers(h, s->base, s->size) ? h->ram + s->base : NULL;
    region_init_ram(&s->ram, pam_names[i], s->size, ram);
    region_init_rom(&s->ram_ro, pam_names[i], s->size, ram);
    region_init_io(&s->wo, pam_names[i], s->size, &wo_ops, s);
    if (s->rom)
        region_init_rom(&s->pci, "isa-bios", s->size, (uint8_t *)s->rom);
    else
        region_init_io(&s->pci, "pci-legacy", s->size, &pci_none_ops, s);
    region_set_enabled(&s->ram, false);
    region_set_enabled(&s->ram_ro, false);
    region_set_enabled(&s->wo, false);
    region_set_enabled(&s->pci, true);
}

struct i440fx *i440fx_new(const struct dev_env *env, struct pci_bus *bus, uint8_t *ram,
                          uint64_t ram_size, const uint8_t *bios_low, uint64_t bios_low_size)
{
    struct i440fx *h = calloc(1, sizeof(*h));
    if (!h)
        abort();
    h->env = env;
    h->ram = ram;
    h->ram_size = ram_size;
    h->trace = env->log && trace_on(env->log, "i440fx");
    if (pci_dev_init(&h->pci, bus, PCI_DEVFN(0, 0), "i440fx", I440FX_VENDOR, I440FX_DEVICE,
                     0x060000, I440FX_REVISION, &i440fx_pci_ops))
        abort(); /* the board puts it first */
    uint8_t *w = h->pci.wmask;
    st16(&w[PCI_COMMAND], PCI_COMMAND_SERR | 0x0040);
    w[PCI_CACHE_LINE_SIZE] = 0;
    w[PCI_LATENCY_TIMER] = 0xf8;
    st16(&w[I440FX_PMCCFG], 0xffff);
    memset(&w[I440FX_DETURBO], 0xff, I440FX_DRAMT - I440FX_DETURBO + 1);
    w[I440FX_PAM0] = 0x30;
    memset(&w[I440FX_PAM0 + 1], 0x33, 6);
    memset(&w[I440FX_DRB0], 0xff, 8);
    w[I440FX_FDHC] = 0xc0;
    w[I440FX_MTT] = 0xf8;
    w[I440FX_CLT] = 0xff;
    w[I440FX_ERRCMD] = 0xff;
    h->pci.w1cmask[I440FX_ERRSTS] = 0xff;
    w[I440FX_TRC] = 0xff;

    region_init_io(&h->cf8, "pci-conf-addr", 4, &cf8_ops, h);
    region_init_io(&h->cfc, "pci-conf-data", 4, &cfc_ops, h);
    if (bios_low_size > 128 * KiB) {
        bios_low += bios_low_size - 128 * KiB;
        bios_low_size = 128 * KiB;
    }
    for (unsigned i = 0; i < I440FX_PAM_SEGS; i++)
        init_seg(h, i, bios_low, bios_low_size);
    region_init_io(&h->smram_pci, "smram-pci", 0x20000, &pci_none_ops, h);
    region_init_ram(&h->smram_ram, "smram-ram", 0x20000,
                    ram_covers(h, 0xA0000, 0x20000) ? ram + 0xA0000 : NULL);
    region_set_enabled(&h->smram_ram, false);
    i440fx_reset(h, RESET_COLD);
    apply_windows(h);
    return h;
}

void i440fx_map_legacy(struct i440fx *h, struct address_space *mem)
{
    for (unsigned i = 0; i < I440FX_PAM_SEGS; i++) {
        struct i440fx_pam_seg *s = &h->pam[i];
        as_add(mem, &s->pci, s->base, I440FX_PRIO_PAM);
        as_add(mem, &s->ram_ro, s->base, I440FX_PRIO_PAM);
        as_add(mem, &s->wo, s->base, I440FX_PRIO_PAM);
        as_add(mem, &s->ram, s->base, I440FX_PRIO_PAM);
    }
    as_add(mem, &h->smram_pci, 0xA0000, I440FX_PRIO_LEGACY);
    as_add(mem, &h->smram_ram, 0xA0000, I440FX_PRIO_PAM);
}
