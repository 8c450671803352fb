/* SPDX-License-Identifier: GPL-2.0-or-later */
/* piix.c: the PIIX3 IDE function (82371SB function 1, 8086:7010) with its
 * bus-master DMA engine.
 *
 * Sources: Intel 82371FB (PIIX) and 82371SB (PIIX3) PCI ISA IDE Xcelerator
 * datasheet, 2.4 (PCI configuration: PCICMD, PCISTS, CLASSC, BMIBA, IDETIM,
 * SIDETIM) and 2.7 / 3.x (Bus Master IDE registers BMICX, BMISX, BMIDTPX;
 * the PRD format and its 64 KiB rules); SFF-8038i rev 1.0 (the Interrupt
 * and Active bit combinations of the status register).
 *
 * Emulated: class 01 01 80h (legacy mode for both channels, bus master
 * capable): BAR0-3 are not implemented (read 0) and the channels sit at
 * 0x1f0/0x3f6 IRQ 14 and 0x170/0x376 IRQ 15, decoded only while PCICMD I/O
 * enable and the channel's IDETIM bit 15 are set (both 0 after reset; the
 * board may ask for IDETIM enabled at reset for firmware-less boots);
 * IDETIM/SIDETIM stored as written; BAR4 with per channel the command
 * register (start, direction), status (Active, Error, Interrupt W1C, drive
 * DMA-capable bits read/write, simplex 0) and PRD table pointer.
 * The Interrupt bit latches every rising edge of the channel's INTRQ.
 *
 * PRDs: 8 bytes, address bits 31:1, count bits 15:1 (0 = 64 KiB), EOT bit
 * 31.  The datasheet says a region and the table must not cross 64 KiB
 * because the address incrementers stop at bit 15: a region or a table that
 * does cross wraps to the start of its 64 KiB page, as the hardware's
 * would.  End of a transfer: table exactly used -> Active cleared; table
 * longer -> Active stays set (the driver stops it); table shorter -> Active
 * cleared without an interrupt while the device waits (SFF-8038i's "error"
 * combination); a descriptor or region outside RAM is a master abort: Error
 * set, Active cleared, PCISTS received-master-abort set, and the device
 * ends the command with ERR/ABRT and an interrupt.  Nothing moves while
 * PCICMD bus master enable is off.  The direction bit should match the
 * command; if it does not, the device's direction wins (logged).
 * Not emulated: timing (IDETIM values have no effect), PIIX4's UDMA
 * registers, native mode.
 *
 * Guests: SeaBIOS writes IDETIM 8000h to both channels and uses PIO; Linux
 * ata_piix checks the IDETIM enable bits and uses BMDMA for disks and
 * ATAPI.
 *
 * Threat model: every register and descriptor is guest-controlled.  A map
 * or copy call handles at most IDE_DMA_MAX_IOV pieces / the transfer
 * length; descriptors are re-read from RAM with dma_read (a table outside
 * RAM is a master abort); data goes only to RAM (as_ram_ptr/dma_write);
 * a table without EOT wraps inside its 64 KiB page and is bounded by the
 * transfer length. */
#include <inttypes.h>
#include <string.h>
#include <glib.h>
#include "hw/ide/piix.h"

#define PRD_EOT 0x80000000u

/* ---- descriptors ---- */

struct prd {
    uint32_t addr, count;
    bool eot;
};

static void bm_bus_error(struct piix_bm *bm, uint64_t where)
{
    struct piix_ide *s = bm->s;
    bm->status = (bm->status | BM_ST_ERROR) & ~BM_ST_ACTIVE;
    bm->pending = false;
    uint16_t st = (uint16_t)pci_config_get(&s->pci, PCI_STATUS, 2);
    pci_config_set(&s->pci, PCI_STATUS, st | PCI_STATUS_REC_MASTER_ABORT, 2);
    log_guest_error(s->env->log, "piix-ide", "bus master %d: master abort at 0x%" PRIx64,
                    bm->ch, where);
}

static int prd_fetch(struct piix_bm *bm, uint32_t at, struct prd *p)
{
    uint8_t b[8];
    if (dma_read(bm->s->env->mem, at, b, sizeof(b))) {
        bm_bus_error(bm, at);
        return -1;
    }
    uint32_t w1 = ld32(b + 4);
    p->addr = ld32(b) & ~1u;
    p->count = w1 & 0xfffe;
    if (!p->count)
        p->count = 0x10000;
    p->eot = w1 & PRD_EOT;
    return 0;
}

/* The incrementers stop at bit 15 (table: bits 15:2, regions: 15:1). */
static uint32_t wrap64k(uint32_t base, uint32_t off)
{
    return (base & 0xffff0000u) | ((base + off) & 0xffffu);
}

static bool table_done(struct piix_bm *bm, uint32_t cur, uint32_t off)
{
    uint8_t b[8];
    if (dma_read(bm->s->env->mem, cur, b, sizeof(b)))
        return false;
    uint32_t count = ld32(b + 4) & 0xfffe;
    return (ld32(b + 4) & PRD_EOT) && off >= (count ? count : 0x10000);
}

static void bm_stop_exhausted(struct piix_bm *bm)
{
    bm->status &= ~BM_ST_ACTIVE;
    TRACE(bm->s->env->log, bm->s->trace, "piix-ide: bm%d PRD table exhausted", bm->ch);
}

static bool check_dir(struct piix_bm *bm, bool to_ram)
{
    if (!(bm->cmd & BM_CMD_WRITE) != !to_ram)
        log_guest_error(bm->s->env->log, "piix-ide",
                        "bus master %d: direction bit does not match the command", bm->ch);
    return true;
}

/* ---- struct ide_dma_ops ---- */

static bool bm_active(void *opaque)
{
    struct piix_bm *bm = opaque;
    return (bm->cmd & BM_CMD_START) && (bm->status & BM_ST_ACTIVE) &&
           pci_bus_master(&bm->s->pci);
}

struct walk {
    uint32_t cur, off;
    bool ended;
};

/* Next piece at the walk's cursor: its guest address and length (at most
 * max, inside one descriptor and one 64 KiB page).  0: a piece; 1: the
 * table ended; -1: bus error. */
static int walk_next(struct piix_bm *bm, struct walk *wk, uint64_t max, uint32_t *gpa,
                     uint32_t *len)
{
    for (;;) {
        struct prd p;
        if (prd_fetch(bm, wk->cur, &p))
            return -1;
        if (wk->off < p.count) {
            *gpa = wrap64k(p.addr, wk->off);
            uint64_t n = MIN((uint64_t)(p.count - wk->off), max);
            n = MIN(n, 0x10000u - (*gpa & 0xffffu));
            *len = (uint32_t)n;
            return 0;
        }
        if (p.eot) {
            wk->ended = true;
            return 1;
        }
        wk->cur = wrap64k(wk->cur, 8);
        wk->off = 0;
    }
}

static int64_t bm_map(void *opaque, uint64_t len, unsigned gran, bool to_ram,
                      struct iovec *iov, int max_iov, int *niov)
{
    struct piix_bm *bm = opaque;
    struct walk wk = { bm->cur, bm->off, false };
    struct walk start[IDE_DMA_MAX_IOV];
    uint64_t total = 0;
    int n = 0;
    check_dir(bm, to_ram);
    max_iov = MIN(max_iov, IDE_DMA_MAX_IOV);
    while (total < len && n < max_iov) {
        uint32_t gpa, piece;
        int rc = walk_next(bm, &wk, len - total, &gpa, &piece);
        if (rc < 0)
            return -1;
        if (rc > 0)
            break;
        uint64_t avail = 0;
        uint8_t *host = as_ram_ptr(bm->s->env->mem, gpa, to_ram, &avail);
        if (!host) {
            bm_bus_error(bm, gpa);
            return -1;
        }
        piece = (uint32_t)MIN((uint64_t)piece, avail);
        start[n] = wk;
        iov[n] = (struct iovec){ host, piece };
        bm->seg[n].gpa = gpa;
        bm->seg[n].len = piece;
        n++;
        total += piece;
        wk.off += piece;
    }
    /* Only whole granules: give back the tail. */
    int pieces = n;
    uint64_t tail = total % gran;
    while (tail && n) {
        if (iov[n - 1].iov_len <= tail) {
            tail -= iov[n - 1].iov_len;
            total -= iov[n - 1].iov_len;
            n--;
        } else {
            iov[n - 1].iov_len -= tail;
            bm->seg[n - 1].len -= tail;
            total -= tail;
            tail = 0;
        }
    }
    if (!n) {
        if (!pieces && wk.ended) {
            bm_stop_exhausted(bm);
            return 0;
        }
        /* Less than a granule before the end of the table, or in too many
         * pieces: the device copies through a bounce buffer. */
        return pieces ? -2 : 0;
    }
    bm->next_cur = start[n - 1].cur;
    bm->next_off = start[n - 1].off + (uint32_t)iov[n - 1].iov_len;
    bm->pending = true;
    bm->nseg = n;
    bm->seg_write = to_ram;
    *niov = n;
    return (int64_t)total;
}

static void bm_mapped_done(void *opaque)
{
    struct piix_bm *bm = opaque;
    if (!bm->pending)
        return;
    bm->cur = bm->next_cur;
    bm->off = bm->next_off;
    bm->pending = false;
    if (bm->seg_write)
        for (int i = 0; i < bm->nseg; i++)
            dma_mark_written(bm->s->env->mem, bm->seg[i].gpa, bm->seg[i].len);
    bm->nseg = 0;
}

static int64_t bm_rw(void *opaque, void *buf, uint64_t len, bool to_ram)
{
    struct piix_bm *bm = opaque;
    struct walk wk = { bm->cur, bm->off, false };
    uint64_t done = 0;
    check_dir(bm, to_ram);
    while (done < len) {
        uint32_t gpa, piece;
        int rc = walk_next(bm, &wk, len - done, &gpa, &piece);
        if (rc < 0)
            return -1;
        if (rc > 0)
            break;
        uint8_t *p = (uint8_t *)buf + done;
        if (to_ram ? dma_write(bm->s->env->mem, gpa, p, piece)
                   : dma_read(bm->s->env->mem, gpa, p, piece)) {
            bm_bus_error(bm, gpa);
            return -1;
        }
        done += piece;
        wk.off += piece;
    }
    bm->next_cur = wk.cur;
    bm->next_off = wk.off;
    bm->pending = true;
    bm->nseg = 0;
    if (wk.ended)
        bm_stop_exhausted(bm);
    return (int64_t)done;
}

static void bm_end(void *opaque, bool error)
{
    struct piix_bm *bm = opaque;
    bm_mapped_done(bm);
    if (!error && table_done(bm, bm->cur, bm->off))
        bm->status &= ~BM_ST_ACTIVE;
}

static const struct ide_dma_ops piix_dma_ops = {
    .active = bm_active,
    .map = bm_map,
    .mapped_done = bm_mapped_done,
    .rw = bm_rw,
    .end = bm_end,
};

/* ---- BAR4 registers ---- */

static uint8_t bm_readb(struct piix_bm *bm, unsigned reg)
{
    switch (reg) {
    case BM_CMD:
        return bm->cmd;
    case BM_STATUS:
        return bm->status;
    case BM_PRD:
    case BM_PRD + 1:
    case BM_PRD + 2:
    case BM_PRD + 3:
        return (uint8_t)(bm->prd >> (8 * (reg - BM_PRD)));
    default:
        return 0;
    }
}

static void bm_start(struct piix_bm *bm, bool on)
{
    struct piix_ide *s = bm->s;
    if (on) {
        bm->cur = bm->prd;
        bm->off = 0;
        bm->pending = false;
        bm->status |= BM_ST_ACTIVE;
        ide_bus_dma_restart(&s->bus[bm->ch]);
    } else {
        /* Stopping aborts the transfer; a chunk in flight still lands. */
        bm->status &= ~BM_ST_ACTIVE;
    }
}

static void bm_writeb(struct piix_bm *bm, unsigned reg, uint8_t v)
{
    switch (reg) {
    case BM_CMD: {
        uint8_t old = bm->cmd;
        bm->cmd = v & (BM_CMD_START | BM_CMD_WRITE);
        if ((old ^ bm->cmd) & BM_CMD_START)
            bm_start(bm, bm->cmd & BM_CMD_START);
        break;
    }
    case BM_STATUS:
        bm->status = (uint8_t)((bm->status & ~(v & (BM_ST_ERROR | BM_ST_INTR)) &
                                ~(BM_ST_DMA0 | BM_ST_DMA1)) |
                               (v & (BM_ST_DMA0 | BM_ST_DMA1)));
        break;
    case BM_PRD:
    case BM_PRD + 1:
    case BM_PRD + 2:
    case BM_PRD + 3: {
        unsigned sh = 8 * (reg - BM_PRD);
        bm->prd = (bm->prd & ~(0xffu << sh)) | (uint32_t)v << sh;
        bm->prd &= ~3u;
        break;
    }
    default:
        break;
    }
}

static uint64_t bm_io_read(void *opaque, uint64_t offset, unsigned size)
{
    struct piix_ide *s = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size && offset + i < 16; i++) {
        unsigned o = (unsigned)offset + i;
        v |= (uint64_t)bm_readb(&s->bm[o >> 3], o & 7) << (8 * i);
    }
    return v;
}

static void bm_io_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    struct piix_ide *s = opaque;
    for (unsigned i = 0; i < size && offset + i < 16; i++) {
        unsigned o = (unsigned)offset + i;
        bm_writeb(&s->bm[o >> 3], o & 7, (uint8_t)(val >> (8 * i)));
    }
}

static const struct io_ops bm_io_ops = {
    .read = bm_io_read,
    .write = bm_io_write,
    .min_size = 1,
    .max_size = 4,
};

/* ---- interrupts ---- */

static void channel_irq(void *opaque, int n, int level)
{
    struct piix_ide *s = opaque;
    if (level && !s->settling)
        s->bm[n].status |= BM_ST_INTR;
    irq_set(&s->irq[n], level);
}

/* ---- PCI configuration ---- */

static uint16_t idetim(const struct piix_ide *s, int ch)
{
    return (uint16_t)pci_config_get(&s->pci, PIIX_IDETIM + 2 * ch, 2);
}

static void update_decode(struct piix_ide *s)
{
    bool io = pci_config_get(&s->pci, PCI_COMMAND, 2) & PCI_COMMAND_IO;
    bool changed = false;
    for (int ch = 0; ch < 2; ch++) {
        bool on = io && (idetim(s, ch) & PIIX_IDETIM_IDE);
        if (on == s->decoding[ch] && s->bus[ch].cmd_region.enabled == on)
            continue;
        s->decoding[ch] = on;
        region_set_enabled(&s->bus[ch].cmd_region, on);
        region_set_enabled(&s->bus[ch].ctl_region, on);
        changed = true;
    }
    if (changed && s->pci.bus && s->pci.bus->io)
        as_commit(s->pci.bus->io);
}

static void piix_config_write(struct pci_dev *d, unsigned off, uint32_t val, unsigned size)
{
    struct piix_ide *s = container_of(d, struct piix_ide, pci);
    if (off < PCI_COMMAND + 2 && off + size > PCI_COMMAND) {
        update_decode(s);
        if (pci_bus_master(d))
            for (int ch = 0; ch < 2; ch++)
                ide_bus_dma_restart(&s->bus[ch]);
    }
    if (off < PIIX_IDETIM + 4 && off + size > PIIX_IDETIM)
        update_decode(s);
}

static const struct pci_dev_ops piix_pci_ops = {
    .config_write = piix_config_write,
};

struct piix_ide *piix_ide_new(const struct dev_env *env, struct pci_bus *pci, uint8_t devfn,
                              bool decode_at_reset)
{
    struct piix_ide *s = g_new0(struct piix_ide, 1);
    if (pci_dev_init(&s->pci, pci, devfn, "piix3-ide", 0x8086, 0x7010, 0x010180, 0,
                     &piix_pci_ops)) {
        g_free(s);
        return NULL;
    }
    s->env = env;
    s->trace = trace_on(env->log, "piix-ide");
    s->decode_at_reset = decode_at_reset;
    static const char *const names[2] = { "ide0", "ide1" };
    for (int ch = 0; ch < 2; ch++) {
        ide_bus_init(&s->bus[ch], env, names[ch]);
        s->bm[ch].s = s;
        s->bm[ch].ch = (uint8_t)ch;
        ide_bus_set_dma(&s->bus[ch], &piix_dma_ops, &s->bm[ch]);
        irq_connect(&s->bus[ch].irq, channel_irq, s, ch);
        region_set_enabled(&s->bus[ch].cmd_region, false);
        region_set_enabled(&s->bus[ch].ctl_region, false);
    }
    region_init_io(&s->bm_region, "piix-bmdma", 16, &bm_io_ops, s);
    pci_register_bar(&s->pci, 4, PCI_BAR_IO, &s->bm_region);
    /* I/O space and bus master enable are writable; IDETIM and SIDETIM. */
    st16(&s->pci.wmask[PCI_COMMAND], PCI_COMMAND_IO | PCI_COMMAND_MASTER);
    memset(&s->pci.wmask[PIIX_IDETIM], 0xff, 4);
    s->pci.wmask[PIIX_SIDETIM] = 0xff;
    return s;
}

/* ---- dev_class ---- */

static void piix_reset(void *dev, enum reset_kind kind)
{
    struct piix_ide *s = dev;
    pci_dev_reset(&s->pci);
    uint16_t tim = s->decode_at_reset ? PIIX_IDETIM_IDE : 0;
    pci_config_set(&s->pci, PIIX_IDETIM, tim, 2);
    pci_config_set(&s->pci, PIIX_IDETIM + 2, tim, 2);
    pci_config_set(&s->pci, PIIX_SIDETIM, 0, 1);
    for (int ch = 0; ch < 2; ch++) {
        struct piix_bm *bm = &s->bm[ch];
        bm->cmd = bm->status = 0;
        bm->prd = bm->cur = bm->off = 0;
        bm->next_cur = bm->next_off = 0;
        bm->pending = false;
        bm->nseg = 0;
        ide_bus_reset(&s->bus[ch], kind);
    }
}

static void piix_settle(void *dev)
{
    struct piix_ide *s = dev;
    s->settling = true;
    pci_update_mappings(&s->pci);
    s->decoding[0] = s->decoding[1] = !s->bus[0].cmd_region.enabled;
    update_decode(s);
    for (int ch = 0; ch < 2; ch++)
        ide_bus_settle(&s->bus[ch]);
    s->settling = false;
}

static void piix_save(void *dev, struct vm_writer *w)
{
    struct piix_ide *s = dev;
    static const char *const pre[2] = { "b0.", "b1." };
    char name[32];
    pci_dev_save(&s->pci, w);
    for (int ch = 0; ch < 2; ch++) {
        struct piix_bm *bm = &s->bm[ch];
        snprintf(name, sizeof(name), "%sbm_cmd", pre[ch]);
        vmw_u8(w, name, bm->cmd);
        snprintf(name, sizeof(name), "%sbm_status", pre[ch]);
        vmw_u8(w, name, bm->status);
        snprintf(name, sizeof(name), "%sbm_prd", pre[ch]);
        vmw_u32(w, name, bm->prd);
        snprintf(name, sizeof(name), "%sbm_cur", pre[ch]);
        vmw_u32(w, name, bm->cur);
        snprintf(name, sizeof(name), "%sbm_off", pre[ch]);
        vmw_u32(w, name, bm->off);
        ide_bus_save(&s->bus[ch], w, pre[ch]);
    }
}

static int piix_load(void *dev, struct vm_reader *r)
{
    struct piix_ide *s = dev;
    static const char *const pre[2] = { "b0.", "b1." };
    char name[32];
    if (pci_dev_load(&s->pci, r))
        return -1;
    for (int ch = 0; ch < 2; ch++) {
        struct piix_bm *bm = &s->bm[ch];
        snprintf(name, sizeof(name), "%sbm_cmd", pre[ch]);
        vmr_u8(r, name, &bm->cmd);
        snprintf(name, sizeof(name), "%sbm_status", pre[ch]);
        vmr_u8(r, name, &bm->status);
        snprintf(name, sizeof(name), "%sbm_prd", pre[ch]);
        vmr_u32(r, name, &bm->prd);
        snprintf(name, sizeof(name), "%sbm_cur", pre[ch]);
        vmr_u32(r, name, &bm->cur);
        snprintf(name, sizeof(name), "%sbm_off", pre[ch]);
        vmr_u32_max(r, name, &bm->off, 0x10000);
        if (vmr_failed(r))
            return -1;
        if ((bm->prd | bm->cur) & 3) {
            vmr_fail(r, name, "descriptor pointers must be dword aligned");
            return -1;
        }
        bm->cmd &= BM_CMD_START | BM_CMD_WRITE;
        bm->status &= (uint8_t)~BM_ST_SIMPLEX;
        bm->pending = false;
        bm->nseg = 0;
        if (ide_bus_load(&s->bus[ch], r, pre[ch]))
            return -1;
    }
    /* Which ports are decoded is host-side state: derive it now (settle
     * does it again, and re-drives the interrupt lines). */
    update_decode(s);
    return 0;
}

/* Teardown.  machine_free destroys devices in creation order while the
 * address spaces still list the regions of those already freed, so this
 * must not commit a space (pci_dev_remove does when BAR4 is mapped): the
 * regions are only taken off the lists and the function off the bus. */
static void piix_destroy(void *dev)
{
    struct piix_ide *s = dev;
    for (int ch = 0; ch < 2; ch++)
        ide_bus_cleanup(&s->bus[ch]);
    struct pci_bus *bus = s->pci.bus;
    if (bus) {
        struct mem_region *rs[] = { &s->bus[0].cmd_region, &s->bus[0].ctl_region,
                                    &s->bus[1].cmd_region, &s->bus[1].ctl_region,
                                    &s->bm_region };
        for (size_t i = 0; i < ARRAY_SIZE(rs); i++)
            if (rs[i]->mapped && bus->io)
                as_del(bus->io, rs[i]);
        if (bus->devs[s->pci.devfn] == &s->pci)
            bus->devs[s->pci.devfn] = NULL;
    }
    g_free(s);
}

const struct dev_class piix_ide_class = {
    .name = "piix3-ide",
    .version = 1,
    .reset = piix_reset,
    .settle = piix_settle,
    .save = piix_save,
    .load = piix_load,
    .destroy = piix_destroy,
};
