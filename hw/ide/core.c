/* SPDX-License-Identifier: GPL-2.0-or-later */
/* core.c: an IDE channel and its ATA disks.
 *
 * Sources: ATA/ATAPI-7 (T13/1532D rev 4b) volume 1 (commands, IDENTIFY
 * DEVICE words, 9.12 signatures) and volume 2 (9.2 register protocols:
 * PIO data-in/out, non-data, DMA; 5.2.x software reset); ACS-2 for FLUSH
 * CACHE EXT and SET FEATURES subcommands.
 *
 * Emulated: the command block (data, error/features, sector count, LBA
 * low/mid/high, device, status/command) with the LBA48 previous-content
 * registers read back through HOB, the control block (alternate status,
 * device control with SRST and nIEN); device selection with an absent
 * device reading status 00h while the other one answers the task file (a
 * channel with no device reads FFh); INTRQ pending per device, cleared by
 * reading Status (not Alternate Status) or writing Command; the ATA
 * commands IDENTIFY DEVICE, READ/WRITE SECTOR(S) (EXT), READ/WRITE
 * MULTIPLE (EXT), READ/WRITE DMA (EXT), READ VERIFY SECTOR(S) (EXT), FLUSH
 * CACHE (EXT), SET FEATURES (02h/82h write cache, 03h transfer mode,
 * 55h/AAh, 66h/CCh), SET MULTIPLE MODE, INITIALIZE DEVICE PARAMETERS,
 * CHECK POWER MODE, IDLE/STANDBY (IMMEDIATE), SLEEP, SEEK, RECALIBRATE,
 * EXECUTE DEVICE DIAGNOSTIC, DEVICE RESET (ATAPI), NOP; CHS and LBA28/48
 * addressing; the signatures after reset.  The ATAPI protocol is in
 * atapi.c.
 * Not emulated: security, SMART, HPA, power-management timers (the device
 * is always active: CHECK POWER MODE answers FFh), 8-bit PIO, READ/WRITE
 * BUFFER, timing (commands complete as fast as the backend).
 *
 * Data-port details: 16-bit accesses move one word, 32-bit accesses two
 * (as the PIIX's 32-bit PIO does), 8-bit accesses move one word and return
 * its low byte.  Without DRQ the data port reads FFFFh and ignores writes.
 * PIO reads are read ahead up to 64 KiB per backend request and handed out
 * in DRQ blocks; PIO writes are gathered the same way (an error is
 * reported at the end of the gathered chunk, with the chunk's first LBA).
 *
 * Guests: SeaBIOS probes with 55h/AAh in the sector count/LBA low
 * registers, pulses SRST, uses IDENTIFY PACKET DEVICE then IDENTIFY DEVICE,
 * reads word 93 bit 6 to skip an absent device 1, and does PIO with nIEN
 * set.  Linux ata_piix classifies by signature and uses BMDMA.
 *
 * Threat model: every register value is guest-controlled.  Sector counts
 * and LBAs are checked against the capacity before any request (IDNF);
 * PIO offsets stay inside the 64 KiB buffer (data_pos <= data_end <=
 * IDE_BUF_SIZE, checked on load too); DMA goes through the bus master's
 * bounded mapping (IDE_DMA_MAX_IOV pieces, IDE_DMA_CHUNK bytes per
 * request).  Backend errors end the command with ERR; nothing aborts. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <glib.h>
#include "hw/ide/core.h"

/* ATA commands. */
enum {
    WIN_NOP = 0x00,
    WIN_DEVICE_RESET = 0x08,
    WIN_RECAL = 0x10,
    WIN_READ = 0x20,
    WIN_READ_ONCE = 0x21,
    WIN_READ_EXT = 0x24,
    WIN_READ_DMA_EXT = 0x25,
    WIN_READ_MULTIPLE_EXT = 0x29,
    WIN_WRITE = 0x30,
    WIN_WRITE_ONCE = 0x31,
    WIN_WRITE_EXT = 0x34,
    WIN_WRITE_DMA_EXT = 0x35,
    WIN_WRITE_MULTIPLE_EXT = 0x39,
    WIN_VERIFY = 0x40,
    WIN_VERIFY_ONCE = 0x41,
    WIN_VERIFY_EXT = 0x42,
    WIN_SEEK = 0x70,
    WIN_DIAGNOSE = 0x90,
    WIN_SPECIFY = 0x91,
    WIN_PACKET = 0xa0,
    WIN_PIDENTIFY = 0xa1,
    WIN_MULTREAD = 0xc4,
    WIN_MULTWRITE = 0xc5,
    WIN_SETMULT = 0xc6,
    WIN_READDMA = 0xc8,
    WIN_READDMA_ONCE = 0xc9,
    WIN_WRITEDMA = 0xca,
    WIN_WRITEDMA_ONCE = 0xcb,
    WIN_STANDBYNOW1 = 0xe0,
    WIN_IDLEIMMEDIATE = 0xe1,
    WIN_STANDBY = 0xe2,
    WIN_SETIDLE1 = 0xe3,
    WIN_CHECKPOWERMODE1 = 0xe5,
    WIN_SLEEPNOW1 = 0xe6,
    WIN_FLUSH_CACHE = 0xe7,
    WIN_FLUSH_CACHE_EXT = 0xea,
    WIN_IDENTIFY = 0xec,
    WIN_SETFEATURES = 0xef,
};

static unsigned sector_size(const struct ide_dev *d)
{
    return d->kind == IDE_CD ? ATAPI_SECTOR_SIZE : IDE_SECTOR_SIZE;
}

static const char *op_name(const struct ide_dev *d)
{
    return d->bus->name;
}

/* ---- interrupts ---- */

void ide_update_irq(struct ide_bus *bus)
{
    const struct ide_dev *d = &bus->dev[bus->unit];
    irq_set(&bus->irq, d->kind != IDE_NONE && d->irq_pending && !(bus->ctl & IDE_CTL_NIEN));
}

void ide_set_irq(struct ide_dev *d)
{
    d->irq_pending = true;
    ide_update_irq(d->bus);
}

/* ---- task file helpers ---- */

static uint64_t tf_lba(const struct ide_dev *d)
{
    if (d->lba48)
        return (uint64_t)d->hob_lbah << 40 | (uint64_t)d->hob_lbam << 32 |
               (uint64_t)d->hob_lbal << 24 | (uint64_t)d->lbah << 16 | d->lbam << 8 | d->lbal;
    return (uint64_t)(d->select & 0x0f) << 24 | d->lbah << 16 | d->lbam << 8 | d->lbal;
}

/* CHS -> LBA with the current translation; UINT64_MAX if out of range. */
static uint64_t tf_chs(const struct ide_dev *d)
{
    unsigned cyl = d->lbah << 8 | d->lbam, head = d->select & 0x0f, sec = d->lbal;
    if (!sec || sec > d->cur_secs || head >= d->cur_heads || cyl >= d->cur_cyls)
        return UINT64_MAX;
    return ((uint64_t)cyl * d->cur_heads + head) * d->cur_secs + sec - 1;
}

static uint64_t tf_sector(const struct ide_dev *d)
{
    return (d->select & IDE_DEV_LBA) || d->lba48 ? tf_lba(d) : tf_chs(d);
}

/* Write a sector address back into the task file (the error location, or
 * the last sector of a completed transfer). */
static void tf_set_sector(struct ide_dev *d, uint64_t lba)
{
    if (d->lba48) {
        d->lbal = (uint8_t)lba;
        d->lbam = (uint8_t)(lba >> 8);
        d->lbah = (uint8_t)(lba >> 16);
        d->hob_lbal = (uint8_t)(lba >> 24);
        d->hob_lbam = (uint8_t)(lba >> 32);
        d->hob_lbah = (uint8_t)(lba >> 40);
    } else if (d->select & IDE_DEV_LBA) {
        d->lbal = (uint8_t)lba;
        d->lbam = (uint8_t)(lba >> 8);
        d->lbah = (uint8_t)(lba >> 16);
        d->select = (d->select & 0xf0) | ((lba >> 24) & 0x0f);
    } else if (d->cur_heads && d->cur_secs) {
        uint64_t track = lba / d->cur_secs;
        unsigned cyl = (unsigned)MIN(track / d->cur_heads, 0xffffu);
        d->lbal = (uint8_t)(lba % d->cur_secs + 1);
        d->lbam = (uint8_t)cyl;
        d->lbah = (uint8_t)(cyl >> 8);
        d->select = (d->select & 0xf0) | (uint8_t)(track % d->cur_heads);
    }
}

static uint32_t tf_count(const struct ide_dev *d)
{
    if (d->lba48) {
        uint32_t n = (uint32_t)d->hob_nsector << 8 | d->nsector;
        return n ? n : 65536;
    }
    return d->nsector ? d->nsector : 256;
}

static void set_signature(struct ide_dev *d)
{
    d->nsector = d->hob_nsector = 1;
    d->lbal = d->hob_lbal = 1;
    d->lbam = d->hob_lbam = d->kind == IDE_CD ? 0x14 : 0;
    d->lbah = d->hob_lbah = d->kind == IDE_CD ? 0xeb : 0;
    d->select = 0;
}

void atapi_set_signature(struct ide_dev *d)
{
    set_signature(d);
}

/* ---- command completion ---- */

static void end_transfer(struct ide_dev *d)
{
    d->op = OP_NONE;
    d->xfer = XFER_IDLE;
    d->data_pos = d->data_end = 0;
    d->chunk = d->chunk_done = 0;
}

void ide_cmd_done(struct ide_dev *d)
{
    end_transfer(d);
    d->status = IDE_ST_DRDY | IDE_ST_DSC;
    ide_set_irq(d);
}

static void cmd_error(struct ide_dev *d, uint8_t err)
{
    end_transfer(d);
    d->error = err;
    d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_ERR;
    ide_set_irq(d);
}

void ide_abort(struct ide_dev *d)
{
    cmd_error(d, IDE_ER_ABRT);
}

/* ---- backend requests ---- */

struct ide_req {
    struct ide_dev *d;
    struct blk *blk; /* the medium may change while it is in flight */
    uint32_t gen;
    struct ide_req *next;
};

static void ide_io_done(struct ide_dev *d, int ret);

static void req_done(void *opaque, int ret)
{
    struct ide_req *q = opaque;
    struct ide_dev *d = q->d;
    bool stale = q->gen != d->gen;
    for (struct ide_req **p = &d->reqs; *p; p = &(*p)->next) {
        if (*p == q) {
            *p = q->next;
            break;
        }
    }
    g_free(q);
    d->inflight--;
    if (stale)
        return; /* the device was reset meanwhile: nobody waits for this */
    d->io_pending = false;
    ide_io_done(d, ret);
}

static struct ide_req *req_new(struct ide_dev *d)
{
    struct ide_req *q = g_new(struct ide_req, 1);
    q->d = d;
    q->blk = d->blk;
    q->gen = d->gen;
    q->next = NULL;
    return q;
}

static void req_started(struct ide_dev *d, struct ide_req *q)
{
    q->next = d->reqs;
    d->reqs = q;
    d->inflight++;
    d->io_pending = true;
}

/* Start a request for the current op; 0 or a negative errno (then nothing
 * is in flight and the caller reports the error). */
int ide_submit(struct ide_dev *d, bool write, uint64_t offset, const struct iovec *iov,
               int niov)
{
    if (!d->blk)
        return -ENOMEDIUM;
    struct ide_req *q = req_new(d);
    int rc = write ? blk_writev(d->blk, offset, iov, niov, req_done, q)
                   : blk_readv(d->blk, offset, iov, niov, req_done, q);
    if (rc < 0) {
        g_free(q);
        return rc;
    }
    req_started(d, q);
    return 0;
}

static int submit_flush(struct ide_dev *d)
{
    if (!d->blk)
        return -ENOMEDIUM;
    struct ide_req *q = req_new(d);
    int rc = blk_flush(d->blk, req_done, q);
    if (rc < 0) {
        g_free(q);
        return rc;
    }
    req_started(d, q);
    return 0;
}

static int submit_buf(struct ide_dev *d, bool write, uint64_t lba, uint32_t sectors)
{
    d->iov_buf.iov_base = d->buf;
    d->iov_buf.iov_len = (size_t)sectors * sector_size(d);
    return ide_submit(d, write, lba * sector_size(d), &d->iov_buf, 1);
}

int ide_submit_buf(struct ide_dev *d, uint64_t lba, uint32_t sectors)
{
    return submit_buf(d, false, lba, sectors);
}

/* ---- PIO ---- */

void ide_pio_in(struct ide_dev *d, uint32_t pos, uint32_t len)
{
    d->xfer = XFER_PIO_IN;
    d->data_pos = pos;
    d->data_end = pos + len;
    d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
}

static void pio_out(struct ide_dev *d, uint32_t pos, uint32_t len)
{
    d->xfer = XFER_PIO_OUT;
    d->data_pos = pos;
    d->data_end = pos + len;
    d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
}

static uint32_t block_sectors(const struct ide_dev *d)
{
    switch (d->cmd) {
    case WIN_MULTREAD:
    case WIN_MULTWRITE:
    case WIN_READ_MULTIPLE_EXT:
    case WIN_WRITE_MULTIPLE_EXT:
        return d->mult;
    default:
        return 1;
    }
}

/* Sectors per backend request for PIO: whole DRQ blocks that fit buf. */
static uint32_t pio_chunk(const struct ide_dev *d)
{
    uint32_t blk = block_sectors(d);
    uint32_t fit = IDE_BUF_SIZE / IDE_SECTOR_SIZE / blk * blk;
    return MIN(d->remaining, fit);
}

static void read_chunk(struct ide_dev *d)
{
    d->chunk = pio_chunk(d);
    d->chunk_done = 0;
    d->status = IDE_ST_BSY | IDE_ST_DRDY;
    int rc = submit_buf(d, false, d->lba, d->chunk);
    if (rc < 0)
        ide_io_done(d, rc);
}

/* Hand the host the next DRQ block of the chunk in buf. */
static void present_block(struct ide_dev *d, bool in)
{
    uint32_t n = MIN(block_sectors(d), d->chunk - d->chunk_done);
    uint32_t pos = d->chunk_done * IDE_SECTOR_SIZE;
    if (in)
        ide_pio_in(d, pos, n * IDE_SECTOR_SIZE);
    else
        pio_out(d, pos, n * IDE_SECTOR_SIZE);
}

static void io_error(struct ide_dev *d, bool write)
{
    tf_set_sector(d, d->lba);
    log_guest_error(d->bus->env->log, op_name(d), "%s error at sector %" PRIu64,
                    write ? "write" : "read", d->lba);
    cmd_error(d, write ? IDE_ER_ABRT : IDE_ER_UNC | IDE_ER_ABRT);
}

/* The host consumed or filled a whole DRQ block. */
static void pio_block_done(struct ide_dev *d)
{
    uint32_t n;
    switch (d->op) {
    case OP_ATA_DATA_IN:
        end_transfer(d);
        d->status = IDE_ST_DRDY | IDE_ST_DSC;
        break;
    case OP_ATA_READ:
        n = MIN(block_sectors(d), d->chunk - d->chunk_done);
        d->chunk_done += n;
        d->lba += n;
        d->remaining -= n;
        if (!d->remaining) {
            tf_set_sector(d, d->lba - 1);
            end_transfer(d);
            d->status = IDE_ST_DRDY | IDE_ST_DSC; /* PIO in: no interrupt at the end */
        } else if (d->chunk_done < d->chunk) {
            present_block(d, true);
            ide_set_irq(d);
        } else {
            read_chunk(d);
        }
        break;
    case OP_ATA_WRITE:
        n = MIN(block_sectors(d), d->chunk - d->chunk_done);
        d->chunk_done += n;
        if (d->chunk_done < d->chunk) {
            present_block(d, false);
            ide_set_irq(d);
        } else {
            d->xfer = XFER_IDLE;
            d->status = IDE_ST_BSY | IDE_ST_DRDY;
            int rc = submit_buf(d, true, d->lba, d->chunk);
            if (rc < 0)
                ide_io_done(d, rc);
        }
        break;
    case OP_ATAPI_CDB:
        atapi_cdb_received(d);
        break;
    case OP_ATAPI_BUF:
    case OP_ATAPI_READ:
        atapi_block_done(d);
        break;
    default:
        end_transfer(d);
        break;
    }
}

static void write_chunk_start(struct ide_dev *d)
{
    d->chunk = pio_chunk(d);
    d->chunk_done = 0;
    present_block(d, false);
}

/* ---- DMA ---- */

void ide_dma_finish(struct ide_dev *d, bool bus_error)
{
    struct ide_bus *bus = d->bus;
    if (d->kind == IDE_CD) /* a packet command ends in the status phase */
        d->nsector = (d->nsector & ~7) | ATAPI_IR_IO | ATAPI_IR_COD;
    if (bus_error) {
        tf_set_sector(d, d->lba);
        end_transfer(d);
        d->error = IDE_ER_ABRT;
        d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_ERR;
    } else {
        if (d->kind == IDE_DISK)
            tf_set_sector(d, d->lba - 1);
        end_transfer(d);
        d->status = IDE_ST_DRDY | IDE_ST_DSC;
    }
    bus->dma->end(bus->dma_opaque, bus_error);
    ide_set_irq(d);
}

int ide_dma_map(struct ide_dev *d, uint32_t ss, bool to_ram)
{
    struct ide_bus *bus = d->bus;
    uint64_t want = MIN((uint64_t)d->remaining * ss, IDE_DMA_CHUNK);
    int n = 0;
    int64_t got = bus->dma->map(bus->dma_opaque, want, ss, to_ram, d->iov, IDE_DMA_MAX_IOV, &n);
    if (got == 0)
        return 0; /* the PRD table is shorter than the transfer: stall */
    if (got == -1) {
        ide_dma_finish(d, true);
        return -1;
    }
    d->bounce = got == -2;
    if (d->bounce) {
        got = ss;
        d->iov[0] = (struct iovec){ d->buf, ss };
        n = 1;
        if (!to_ram) {
            int64_t c = bus->dma->rw(bus->dma_opaque, d->buf, ss, false);
            if (c < 0) {
                ide_dma_finish(d, true);
                return -1;
            }
            if (c < ss)
                return 0; /* the table ran out inside the sector */
        }
    }
    d->chunk = (uint32_t)(got / ss);
    return n;
}

bool ide_dma_advance(struct ide_dev *d, uint32_t ss, bool to_ram)
{
    struct ide_bus *bus = d->bus;
    if (d->bounce && to_ram) {
        int64_t c = bus->dma->rw(bus->dma_opaque, d->buf, ss, true);
        if (c < 0) {
            ide_dma_finish(d, true);
            return false;
        }
        if (c < ss) {
            bus->dma->mapped_done(bus->dma_opaque);
            return false; /* the table ran out inside the sector: stall */
        }
    }
    bus->dma->mapped_done(bus->dma_opaque);
    d->lba += d->chunk;
    d->remaining -= d->chunk;
    d->chunk = 0;
    return true;
}

static void ata_dma_run(struct ide_dev *d)
{
    struct ide_bus *bus = d->bus;
    if (d->io_pending || !bus->dma->active(bus->dma_opaque))
        return;
    if (!d->remaining) {
        ide_dma_finish(d, false);
        return;
    }
    bool to_ram = d->op == OP_ATA_READ_DMA;
    int n = ide_dma_map(d, IDE_SECTOR_SIZE, to_ram);
    if (n <= 0)
        return;
    int rc = ide_submit(d, !to_ram, d->lba * IDE_SECTOR_SIZE, d->iov, n);
    if (rc < 0)
        ide_io_done(d, rc);
}

static void ata_dma_chunk_done(struct ide_dev *d, int ret)
{
    bool to_ram = d->op == OP_ATA_READ_DMA;
    if (ret < 0) {
        d->bus->dma->end(d->bus->dma_opaque, false);
        io_error(d, !to_ram);
        return;
    }
    if (ide_dma_advance(d, IDE_SECTOR_SIZE, to_ram))
        ata_dma_run(d);
}

void ide_dma_begin(struct ide_dev *d)
{
    d->xfer = XFER_DMA;
    d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
    if (d->kind == IDE_CD)
        atapi_dma_run(d);
    else
        ata_dma_run(d);
}

void ide_bus_dma_restart(struct ide_bus *bus)
{
    for (int i = 0; i < 2; i++) {
        struct ide_dev *d = &bus->dev[i];
        if (d->xfer == XFER_DMA && d->op != OP_NONE && !d->io_pending && bus->dma)
            ide_dma_begin(d);
    }
}

/* ---- completions ---- */

static void ide_io_done(struct ide_dev *d, int ret)
{
    switch (d->op) {
    case OP_ATA_READ:
        if (ret < 0) {
            io_error(d, false);
        } else {
            present_block(d, true);
            ide_set_irq(d);
        }
        break;
    case OP_ATA_WRITE:
        if (ret < 0) {
            io_error(d, true);
            break;
        }
        d->lba += d->chunk;
        d->remaining -= d->chunk;
        if (d->remaining) {
            write_chunk_start(d);
            ide_set_irq(d);
        } else {
            tf_set_sector(d, d->lba - 1);
            ide_cmd_done(d);
        }
        break;
    case OP_ATA_READ_DMA:
    case OP_ATA_WRITE_DMA:
        ata_dma_chunk_done(d, ret);
        break;
    case OP_ATA_VERIFY:
        if (ret < 0) {
            io_error(d, false);
            break;
        }
        d->lba += d->chunk;
        d->remaining -= d->chunk;
        if (d->remaining) {
            d->chunk = MIN(d->remaining, IDE_BUF_SIZE / IDE_SECTOR_SIZE);
            ret = submit_buf(d, false, d->lba, d->chunk);
            if (ret < 0)
                io_error(d, false);
        } else {
            tf_set_sector(d, d->lba - 1);
            ide_cmd_done(d);
        }
        break;
    case OP_ATA_FLUSH:
        if (ret < 0)
            cmd_error(d, IDE_ER_ABRT);
        else
            ide_cmd_done(d);
        break;
    case OP_ATAPI_READ:
    case OP_ATAPI_BUF:
        atapi_io_done(d, ret);
        break;
    default:
        break;
    }
}

/* ---- IDENTIFY DEVICE ---- */

/* ATA strings: two characters per word, the first in the high byte,
 * padded with spaces. */
static void id_string(uint16_t *w, const char *s, unsigned words)
{
    size_t len = strlen(s);
    for (unsigned i = 0; i < words * 2; i++) {
        uint8_t c = i < len ? (uint8_t)s[i] : ' ';
        if (i & 1)
            w[i / 2] |= c;
        else
            w[i / 2] = (uint16_t)(c << 8);
    }
}

static void id_checksum(uint16_t *w)
{
    uint8_t sum = 0;
    w[255] = 0x00a5;
    for (int i = 0; i < 255; i++)
        sum += (uint8_t)w[i] + (uint8_t)(w[i] >> 8);
    sum += 0xa5;
    w[255] |= (uint16_t)((uint8_t)-sum << 8);
}

/* Word 93: hardware reset result.  Device 0 reports bit 6 (it answers for
 * device 1) when there is no device 1, which SeaBIOS uses to skip it. */
static uint16_t id_reset_result(const struct ide_dev *d)
{
    bool other = d->bus->dev[!d->unit].kind != IDE_NONE;
    if (d->unit)
        return 0x4000 | 0x2000 | 0x0100 | 0x0200 | 0x0800;
    return 0x4000 | 0x2000 | 0x0001 | 0x0002 | 0x0008 | (other ? 0x0030 : 0x0040);
}

static void id_common(const struct ide_dev *d, uint16_t *w)
{
    id_string(&w[10], d->serial, 10);
    id_string(&w[23], d->fwrev, 4);
    id_string(&w[27], d->model, 20);
    w[93] = id_reset_result(d);
    /* Modes: PIO 3-4 (word 64), MW DMA 0-2 (63), UDMA 0-5 (88), with the
     * mode SET FEATURES selected. */
    uint8_t mode = d->xfer_mode;
    w[63] = 0x0007 | ((mode >> 3) == 4 ? 0x100 << (mode & 7) : 0);
    w[64] = 0x0003;
    w[65] = w[66] = w[67] = w[68] = 120;
    w[88] = 0x003f | ((mode >> 3) == 8 ? 0x100 << (mode & 7) : 0);
}

static void ata_identify(struct ide_dev *d, uint16_t *w)
{
    memset(w, 0, 512);
    w[0] = 0x0040; /* fixed, not removable */
    w[1] = d->cyls;
    w[3] = d->heads;
    w[6] = d->secs;
    id_common(d, w);
    w[47] = 0x8000 | IDE_MAX_MULT;
    w[49] = 0x0f00; /* IORDY, IORDY disable, LBA, DMA */
    w[50] = 0x4000;
    w[51] = 0x0200;
    w[53] = 0x0007; /* words 54-58, 64-70, 88 valid */
    w[54] = d->cur_cyls;
    w[55] = d->cur_heads;
    w[56] = d->cur_secs;
    uint64_t cur = MIN((uint64_t)d->cur_cyls * d->cur_heads * d->cur_secs, d->nsectors);
    cur = MIN(cur, 0xffffffffull);
    w[57] = (uint16_t)cur;
    w[58] = (uint16_t)(cur >> 16);
    w[59] = d->mult ? 0x0100 | d->mult : 0;
    uint32_t lba28 = (uint32_t)MIN(d->nsectors, 0x0fffffffull);
    w[60] = (uint16_t)lba28;
    w[61] = (uint16_t)(lba28 >> 16);
    w[80] = 0x00f0; /* ATA/ATAPI-4 to -7 */
    w[81] = 0x0000;
    w[82] = 0x4028; /* NOP, write cache, power management */
    w[83] = 0x7400; /* FLUSH CACHE EXT, FLUSH CACHE, 48-bit */
    w[84] = 0x4000;
    w[85] = 0x4008 | (d->wcache ? 0x0020 : 0);
    w[86] = 0x3400;
    w[87] = 0x4000;
    for (int i = 0; i < 4; i++)
        w[100 + i] = (uint16_t)(d->nsectors >> (16 * i));
    id_checksum(w);
}

static void identify_to_buf(struct ide_dev *d, bool packet)
{
    uint16_t w[256];
    if (packet)
        atapi_identify(d, w);
    else
        ata_identify(d, w);
    if (packet) {
        id_common(d, w);
        id_checksum(w);
    }
    for (int i = 0; i < 256; i++)
        st16(d->buf + 2 * i, w[i]);
    d->op = OP_ATA_DATA_IN;
    ide_pio_in(d, 0, 512);
    ide_set_irq(d);
}

/* ---- commands ---- */

static bool is_lba48_cmd(uint8_t cmd)
{
    switch (cmd) {
    case WIN_READ_EXT:
    case WIN_READ_DMA_EXT:
    case WIN_READ_MULTIPLE_EXT:
    case WIN_WRITE_EXT:
    case WIN_WRITE_DMA_EXT:
    case WIN_WRITE_MULTIPLE_EXT:
    case WIN_VERIFY_EXT:
        return true;
    default:
        return false;
    }
}

/* Validate the address range of a read/write/verify; false if aborted. */
static bool start_rw(struct ide_dev *d, uint8_t op)
{
    uint64_t lba = tf_sector(d);
    uint32_t n = tf_count(d);
    if (!d->blk) {
        ide_abort(d);
        return false;
    }
    if (lba == UINT64_MAX || lba >= d->nsectors || n > d->nsectors - lba) {
        cmd_error(d, IDE_ER_IDNF);
        return false;
    }
    if ((op == OP_ATA_WRITE || op == OP_ATA_WRITE_DMA) && blk_readonly(d->blk)) {
        log_guest_error(d->bus->env->log, op_name(d), "write to a read-only image");
        ide_abort(d);
        return false;
    }
    d->op = op;
    d->lba = lba;
    d->remaining = n;
    return true;
}

static void cmd_rw(struct ide_dev *d, uint8_t cmd)
{
    switch (cmd) {
    case WIN_READ:
    case WIN_READ_ONCE:
    case WIN_READ_EXT:
    case WIN_MULTREAD:
    case WIN_READ_MULTIPLE_EXT:
        if (start_rw(d, OP_ATA_READ))
            read_chunk(d);
        break;
    case WIN_WRITE:
    case WIN_WRITE_ONCE:
    case WIN_WRITE_EXT:
    case WIN_MULTWRITE:
    case WIN_WRITE_MULTIPLE_EXT:
        if (start_rw(d, OP_ATA_WRITE))
            write_chunk_start(d); /* PIO out: no interrupt for the first block */
        break;
    case WIN_READDMA:
    case WIN_READDMA_ONCE:
    case WIN_READ_DMA_EXT:
        if (start_rw(d, OP_ATA_READ_DMA))
            ide_dma_begin(d);
        break;
    case WIN_WRITEDMA:
    case WIN_WRITEDMA_ONCE:
    case WIN_WRITE_DMA_EXT:
        if (start_rw(d, OP_ATA_WRITE_DMA))
            ide_dma_begin(d);
        break;
    default: /* verify */
        if (start_rw(d, OP_ATA_VERIFY)) {
            d->status = IDE_ST_BSY | IDE_ST_DRDY;
            d->chunk = MIN(d->remaining, IDE_BUF_SIZE / IDE_SECTOR_SIZE);
            int rc = submit_buf(d, false, d->lba, d->chunk);
            if (rc < 0)
                io_error(d, false);
        }
        break;
    }
}

static void default_geometry(struct ide_dev *d)
{
    d->cur_cyls = d->cyls;
    d->cur_heads = d->heads;
    d->cur_secs = d->secs;
}

static void cmd_set_features(struct ide_dev *d)
{
    switch (d->feature) {
    case 0x02: /* enable write cache */
    case 0x82:
        if (d->kind != IDE_DISK)
            goto abort;
        d->wcache = d->feature == 0x02;
        if (d->blk)
            blk_set_write_cache(d->blk, d->wcache);
        break;
    case 0x03: { /* set transfer mode */
        uint8_t v = d->nsector, mode = v & 7;
        switch (v >> 3) {
        case 0: /* PIO default (with or without IORDY) */
            if (mode > 1)
                goto abort;
            d->xfer_mode = v;
            break;
        case 1: /* PIO flow control mode */
            if (mode > 4)
                goto abort;
            d->xfer_mode = v;
            break;
        case 4: /* multiword DMA */
            if (mode > 2)
                goto abort;
            d->xfer_mode = v;
            break;
        case 8: /* Ultra DMA */
            if (mode > 5)
                goto abort;
            d->xfer_mode = v;
            break;
        default:
            goto abort;
        }
        break;
    }
    case 0x55: /* read look-ahead off/on, revert to defaults off/on */
    case 0xaa:
    case 0x66:
    case 0xcc:
        break;
    default:
        goto abort;
    }
    ide_cmd_done(d);
    return;
abort:
    log_unimp(d->bus->env->log, op_name(d), "SET FEATURES %02xh/%02xh", d->feature,
              d->nsector);
    ide_abort(d);
}

static void cmd_set_mult(struct ide_dev *d)
{
    uint8_t n = d->nsector;
    if (n > IDE_MAX_MULT || (n & (n - 1))) {
        ide_abort(d);
        return;
    }
    d->mult = n;
    ide_cmd_done(d);
}

static void cmd_specify(struct ide_dev *d)
{
    unsigned secs = d->nsector, heads = (d->select & 0x0f) + 1;
    if (!secs) {
        ide_abort(d);
        return;
    }
    d->cur_secs = (uint16_t)secs;
    d->cur_heads = (uint16_t)heads;
    d->cur_cyls = (uint16_t)MIN(d->nsectors / (heads * secs), 65535u);
    ide_cmd_done(d);
}

static void cmd_seek(struct ide_dev *d)
{
    uint64_t lba = tf_sector(d);
    if (lba == UINT64_MAX || lba >= d->nsectors)
        cmd_error(d, IDE_ER_IDNF);
    else
        ide_cmd_done(d);
}

static void cmd_flush(struct ide_dev *d)
{
    if (!d->blk) {
        ide_cmd_done(d);
        return;
    }
    d->op = OP_ATA_FLUSH;
    d->status = IDE_ST_BSY | IDE_ST_DRDY;
    int rc = submit_flush(d);
    if (rc < 0)
        cmd_error(d, IDE_ER_ABRT);
}

/* Abandon whatever the device was doing (reset, diagnostics, new command
 * over a stalled transfer): a request in flight completes into nothing. */
static void abandon(struct ide_dev *d)
{
    if (d->io_pending)
        d->gen++;
    d->io_pending = false;
    end_transfer(d);
}

static void reset_done(struct ide_dev *d)
{
    abandon(d);
    set_signature(d);
    d->error = 0x01; /* diagnostic code: passed */
    d->status = d->kind == IDE_CD ? 0 : IDE_ST_DRDY | IDE_ST_DSC;
}

static void cmd_diagnose(struct ide_bus *bus)
{
    for (int i = 0; i < 2; i++)
        if (bus->dev[i].kind != IDE_NONE)
            reset_done(&bus->dev[i]);
    bus->unit = 0;
    if (bus->dev[0].kind != IDE_NONE)
        ide_set_irq(&bus->dev[0]);
}

static void disk_cmd(struct ide_dev *d, uint8_t cmd)
{
    switch (cmd) {
    case WIN_IDENTIFY:
        identify_to_buf(d, false);
        break;
    case WIN_READ ... WIN_READ_ONCE:
    case WIN_READ_EXT:
    case WIN_READ_DMA_EXT:
    case WIN_READ_MULTIPLE_EXT:
    case WIN_WRITE ... WIN_WRITE_ONCE:
    case WIN_WRITE_EXT:
    case WIN_WRITE_DMA_EXT:
    case WIN_WRITE_MULTIPLE_EXT:
    case WIN_VERIFY ... WIN_VERIFY_EXT:
    case WIN_READDMA ... WIN_WRITEDMA_ONCE:
        if ((cmd == WIN_READ_DMA_EXT || cmd == WIN_WRITE_DMA_EXT ||
             (cmd >= WIN_READDMA && cmd <= WIN_WRITEDMA_ONCE)) && !d->bus->dma) {
            ide_abort(d);
            break;
        }
        cmd_rw(d, cmd);
        break;
    case WIN_MULTREAD:
    case WIN_MULTWRITE:
        cmd_rw(d, cmd);
        break;
    case WIN_SETMULT:
        cmd_set_mult(d);
        break;
    case WIN_SPECIFY:
        cmd_specify(d);
        break;
    case WIN_SEEK:
        cmd_seek(d);
        break;
    case WIN_RECAL ... WIN_RECAL + 0x0f:
        d->lbal = d->lbam = d->lbah = 0;
        ide_cmd_done(d);
        break;
    case WIN_FLUSH_CACHE:
    case WIN_FLUSH_CACHE_EXT:
        cmd_flush(d);
        break;
    default:
        ide_abort(d);
        break;
    }
}

static void ide_exec_cmd(struct ide_bus *bus, uint8_t cmd)
{
    struct ide_dev *d = &bus->dev[bus->unit];
    if (cmd == WIN_DIAGNOSE) {
        cmd_diagnose(bus);
        return;
    }
    if (d->kind == IDE_NONE)
        return; /* nobody there to execute it */
    /* ATAPI devices take DEVICE RESET even while busy. */
    if (d->kind == IDE_CD && cmd == WIN_DEVICE_RESET) {
        reset_done(d);
        atapi_reset(d);
        return;
    }
    if ((d->status & IDE_ST_BSY) || d->inflight) {
        log_guest_error(bus->env->log, bus->name, "command %02xh while busy", cmd);
        return;
    }
    abandon(d);
    d->cmd = cmd;
    d->lba48 = is_lba48_cmd(cmd);
    d->error = 0;
    d->irq_pending = false;
    TRACE(bus->env->log, bus->trace, "%s.%d: command %02xh", bus->name, d->unit, cmd);
    switch (cmd) {
    case WIN_NOP:
        ide_abort(d); /* NOP always aborts (subcommand 00h) */
        return;
    case WIN_SETFEATURES:
        cmd_set_features(d);
        return;
    case WIN_CHECKPOWERMODE1:
        d->nsector = 0xff; /* active or idle */
        ide_cmd_done(d);
        return;
    case WIN_STANDBYNOW1:
    case WIN_IDLEIMMEDIATE:
    case WIN_STANDBY:
    case WIN_SETIDLE1:
    case WIN_SLEEPNOW1:
        ide_cmd_done(d);
        return;
    default:
        break;
    }
    if (d->kind == IDE_CD) {
        switch (cmd) {
        case WIN_PIDENTIFY:
            identify_to_buf(d, true);
            break;
        case WIN_PACKET:
            atapi_packet_cmd(d);
            break;
        case WIN_IDENTIFY:
            /* ATAPI devices abort with their signature in the task file. */
            ide_abort(d);
            set_signature(d);
            break;
        default:
            ide_abort(d);
            break;
        }
        return;
    }
    if (cmd == WIN_MULTREAD || cmd == WIN_MULTWRITE || cmd == WIN_READ_MULTIPLE_EXT ||
        cmd == WIN_WRITE_MULTIPLE_EXT) {
        if (!d->mult) {
            ide_abort(d);
            return;
        }
    }
    disk_cmd(d, cmd);
}

/* ---- registers ---- */

static uint16_t data_read16(struct ide_bus *bus)
{
    struct ide_dev *d = &bus->dev[bus->unit];
    if (d->xfer != XFER_PIO_IN || d->data_pos >= d->data_end)
        return 0xffff;
    uint16_t v = ld16(d->buf + d->data_pos);
    d->data_pos += 2;
    if (d->data_pos >= d->data_end)
        pio_block_done(d);
    return v;
}

static void data_write16(struct ide_bus *bus, uint16_t v)
{
    struct ide_dev *d = &bus->dev[bus->unit];
    if (d->xfer != XFER_PIO_OUT || d->data_pos >= d->data_end)
        return;
    st16(d->buf + d->data_pos, v);
    d->data_pos += 2;
    if (d->data_pos >= d->data_end)
        pio_block_done(d);
}

static bool bus_empty(const struct ide_bus *bus)
{
    return bus->dev[0].kind == IDE_NONE && bus->dev[1].kind == IDE_NONE;
}

static uint8_t status_of(const struct ide_bus *bus)
{
    const struct ide_dev *d = &bus->dev[bus->unit];
    if (bus_empty(bus))
        return 0xff;
    if (d->kind == IDE_NONE)
        return 0;
    return d->status | (d->inflight && !d->io_pending ? IDE_ST_BSY : 0);
}

static uint8_t reg_read(struct ide_bus *bus, unsigned reg)
{
    struct ide_dev *d = &bus->dev[bus->unit];
    bool hob = bus->ctl & IDE_CTL_HOB;
    if (bus_empty(bus))
        return 0xff;
    switch (reg) {
    case 1:
        return d->kind == IDE_NONE ? 0 : d->error;
    case 2:
        return hob ? d->hob_nsector : d->nsector;
    case 3:
        return hob ? d->hob_lbal : d->lbal;
    case 4:
        return hob ? d->hob_lbam : d->lbam;
    case 5:
        return hob ? d->hob_lbah : d->lbah;
    case 6:
        return d->select | 0xa0; /* bits 7 and 5 are obsolete, read as 1 */
    default: {
        uint8_t s = status_of(bus);
        d->irq_pending = false;
        ide_update_irq(bus);
        return s;
    }
    }
}

static void reg_write(struct ide_bus *bus, unsigned reg, uint8_t v)
{
    bus->ctl &= ~IDE_CTL_HOB;
    if (reg == 7) {
        ide_exec_cmd(bus, v);
        return;
    }
    for (int i = 0; i < 2; i++) {
        struct ide_dev *d = &bus->dev[i];
        switch (reg) {
        case 1:
            d->hob_feature = d->feature;
            d->feature = v;
            break;
        case 2:
            d->hob_nsector = d->nsector;
            d->nsector = v;
            break;
        case 3:
            d->hob_lbal = d->lbal;
            d->lbal = v;
            break;
        case 4:
            d->hob_lbam = d->lbam;
            d->lbam = v;
            break;
        case 5:
            d->hob_lbah = d->lbah;
            d->lbah = v;
            break;
        case 6:
            d->select = v & ~0xa0;
            break;
        }
    }
    if (reg == 6) {
        bus->unit = (v & IDE_DEV_DEV) ? 1 : 0;
        ide_update_irq(bus);
    }
}

static uint64_t cmd_io_read(void *opaque, uint64_t offset, unsigned size)
{
    struct ide_bus *bus = opaque;
    if (offset == 0) {
        if (bus_empty(bus))
            return size == 4 ? 0xffffffff : 0xffff;
        uint64_t v = data_read16(bus);
        if (size == 4)
            v |= (uint64_t)data_read16(bus) << 16;
        return size == 1 ? (v & 0xff) : v;
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < size && offset + i < 8; i++)
        v |= (uint64_t)reg_read(bus, (unsigned)offset + i) << (8 * i);
    return v;
}

static void cmd_io_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    struct ide_bus *bus = opaque;
    if (offset == 0) {
        data_write16(bus, (uint16_t)val);
        if (size == 4)
            data_write16(bus, (uint16_t)(val >> 16));
        return;
    }
    for (unsigned i = 0; i < size && offset + i < 8; i++)
        reg_write(bus, (unsigned)offset + i, (uint8_t)(val >> (8 * i)));
}

static void srst(struct ide_bus *bus, bool assert)
{
    for (int i = 0; i < 2; i++) {
        struct ide_dev *d = &bus->dev[i];
        if (d->kind == IDE_NONE)
            continue;
        d->irq_pending = false;
        if (assert) {
            abandon(d);
            d->status = IDE_ST_BSY;
        } else {
            reset_done(d);
            if (d->kind == IDE_CD)
                atapi_reset(d);
        }
    }
    bus->unit = 0;
}

static uint64_t ctl_io_read(void *opaque, uint64_t offset, unsigned size)
{
    struct ide_bus *bus = opaque;
    return status_of(bus); /* alternate status: no interrupt side effect */
}

static void ctl_io_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    struct ide_bus *bus = opaque;
    uint8_t old = bus->ctl;
    bus->ctl = (uint8_t)val & (IDE_CTL_HOB | IDE_CTL_SRST | IDE_CTL_NIEN);
    if ((old ^ bus->ctl) & IDE_CTL_SRST)
        srst(bus, bus->ctl & IDE_CTL_SRST);
    ide_update_irq(bus);
}

static const struct io_ops cmd_io_ops = {
    .read = cmd_io_read,
    .write = cmd_io_write,
    .min_size = 1,
    .max_size = 4,
};

static const struct io_ops ctl_io_ops = {
    .read = ctl_io_read,
    .write = ctl_io_write,
    .min_size = 1,
    .max_size = 1,
};

/* ---- set-up ---- */

void ide_bus_init(struct ide_bus *bus, const struct dev_env *env, const char *name)
{
    memset(bus, 0, sizeof(*bus));
    bus->env = env;
    bus->name = name;
    bus->trace = trace_on(env->log, "ide");
    region_init_io(&bus->cmd_region, name, 8, &cmd_io_ops, bus);
    region_init_io(&bus->ctl_region, name, 1, &ctl_io_ops, bus);
    for (int i = 0; i < 2; i++) {
        bus->dev[i].bus = bus;
        bus->dev[i].unit = (uint8_t)i;
    }
}

struct ide_bus *ide_bus_new(const struct dev_env *env, const char *name)
{
    struct ide_bus *bus = g_new(struct ide_bus, 1);
    ide_bus_init(bus, env, name);
    return bus;
}

void ide_bus_drain(struct ide_bus *bus)
{
    for (int i = 0; i < 2; i++) {
        struct ide_dev *d = &bus->dev[i];
        while (d->reqs)
            blk_drain(d->reqs->blk);
    }
}

void ide_bus_cleanup(struct ide_bus *bus)
{
    ide_bus_drain(bus);
    for (int i = 0; i < 2; i++) {
        g_free(bus->dev[i].buf);
        bus->dev[i].buf = NULL;
    }
}

void ide_bus_set_dma(struct ide_bus *bus, const struct ide_dma_ops *ops, void *opaque)
{
    bus->dma = ops;
    bus->dma_opaque = opaque;
}

void ide_bus_set_tray_cb(struct ide_bus *bus, ide_tray_fn *fn, void *opaque)
{
    bus->tray_moved = fn;
    bus->tray_opaque = opaque;
}

void ide_tray_event(struct ide_dev *d, bool open)
{
    if (d->bus->tray_moved)
        d->bus->tray_moved(d->bus->tray_opaque, d->bus, d->unit, open);
}

static void set_capacity(struct ide_dev *d)
{
    d->nsectors = d->blk ? blk_size(d->blk) / IDE_SECTOR_SIZE : 0;
    /* The usual LBA -> CHS translation: 16 heads, 63 sectors. */
    uint64_t cyls = d->nsectors / (16 * 63);
    d->heads = 16;
    d->secs = 63;
    d->cyls = (uint16_t)MAX(1, MIN(cyls, 16383u));
}

/* "ide1" -> 1: serial numbers differ between channels. */
static unsigned bus_index(const struct ide_bus *bus)
{
    size_t n = strlen(bus->name);
    char c = n ? bus->name[n - 1] : '0';
    return c >= '0' && c <= '9' ? (unsigned)(c - '0') : 0;
}

static int attach(struct ide_bus *bus, int unit, struct blk *blk, enum ide_kind kind,
                  const char *serial)
{
    if (unit < 0 || unit > 1 || bus->dev[unit].kind != IDE_NONE)
        return -1;
    struct ide_dev *d = &bus->dev[unit];
    d->kind = kind;
    d->blk = blk;
    d->buf = g_malloc0(IDE_BUF_SIZE);
    if (serial)
        g_strlcpy(d->serial, serial, sizeof(d->serial));
    else
        snprintf(d->serial, sizeof(d->serial), "QM%05u", bus_index(bus) * 2 + (unsigned)unit);
    g_strlcpy(d->model, kind == IDE_CD ? "HVEMU DVD-ROM" : "HVEMU HARDDISK", sizeof(d->model));
    g_strlcpy(d->fwrev, "1.0", sizeof(d->fwrev));
    set_capacity(d);
    return 0;
}

int ide_attach_disk(struct ide_bus *bus, int unit, struct blk *blk, const char *serial)
{
    if (!blk || blk_size(blk) < IDE_SECTOR_SIZE)
        return -1;
    return attach(bus, unit, blk, IDE_DISK, serial);
}

int ide_attach_cd(struct ide_bus *bus, int unit, struct blk *blk, const char *serial)
{
    return attach(bus, unit, blk, IDE_CD, serial);
}

/* ---- medium changes ---- */

static struct ide_dev *cd_dev(struct ide_bus *bus, int unit)
{
    if (unit < 0 || unit > 1 || bus->dev[unit].kind != IDE_CD)
        return NULL;
    return &bus->dev[unit];
}

int ide_cd_open_tray(struct ide_bus *bus, int unit, bool force)
{
    struct ide_dev *d = cd_dev(bus, unit);
    if (!d)
        return -ENOTSUP;
    if (d->tray_open)
        return 0;
    if (d->tray_locked && !force) {
        d->media_event = 1; /* eject request: the guest may open it */
        return -EBUSY;
    }
    d->tray_locked = false;
    d->tray_open = true;
    d->media_event = 3; /* media removal */
    ide_tray_event(d, true);
    return 0;
}

struct blk *ide_cd_remove_medium(struct ide_bus *bus, int unit)
{
    struct ide_dev *d = cd_dev(bus, unit);
    if (!d || !d->tray_open)
        return NULL;
    struct blk *old = d->blk;
    if (d->op != OP_NONE)
        abandon(d);
    d->blk = NULL;
    set_capacity(d);
    return old;
}

int ide_cd_insert_medium(struct ide_bus *bus, int unit, struct blk *blk)
{
    struct ide_dev *d = cd_dev(bus, unit);
    if (!d || !d->tray_open || d->blk)
        return -1;
    d->blk = blk;
    set_capacity(d);
    return 0;
}

void ide_cd_close_tray(struct ide_bus *bus, int unit)
{
    struct ide_dev *d = cd_dev(bus, unit);
    if (!d || !d->tray_open)
        return;
    d->tray_open = false;
    if (d->blk) {
        d->unit_attention = true;
        d->media_event = 2; /* new media */
    }
    ide_tray_event(d, false);
}

/* ---- reset and state ---- */

static void dev_reset(struct ide_dev *d, enum reset_kind kind)
{
    if (d->kind == IDE_NONE)
        return;
    abandon(d);
    d->feature = d->hob_feature = 0;
    d->irq_pending = false;
    d->cmd = 0;
    d->lba48 = false;
    d->remaining = 0;
    d->lba = 0;
    d->mult = 0;
    d->xfer_mode = 0;
    d->wcache = d->blk ? blk_write_cache(d->blk) : false;
    default_geometry(d);
    reset_done(d);
    d->select = 0;
    if (d->kind == IDE_CD)
        atapi_reset(d);
    if (d->kind == IDE_CD && kind == RESET_COLD) {
        d->tray_locked = false;
        d->sense_key = d->asc = d->ascq = 0;
        d->unit_attention = false;
        d->media_event = 0;
    }
}

void ide_bus_reset(struct ide_bus *bus, enum reset_kind kind)
{
    bus->ctl = 0;
    bus->unit = 0;
    for (int i = 0; i < 2; i++)
        dev_reset(&bus->dev[i], kind);
}

/* Outputs from the state; a backend request that was in flight when the
 * state was saved is issued again (the command's current chunk). */
void ide_bus_settle(struct ide_bus *bus)
{
    for (int i = 0; i < 2; i++) {
        struct ide_dev *d = &bus->dev[i];
        if (d->kind == IDE_DISK && d->blk)
            blk_set_write_cache(d->blk, d->wcache);
        if (!d->io_pending || d->inflight)
            continue;
        d->io_pending = false;
        int rc = 0;
        switch (d->op) {
        case OP_ATA_READ:
            read_chunk(d);
            break;
        case OP_ATA_WRITE:
            rc = submit_buf(d, true, d->lba, d->chunk);
            break;
        case OP_ATA_VERIFY:
            rc = submit_buf(d, false, d->lba, d->chunk);
            break;
        case OP_ATA_FLUSH:
            rc = submit_flush(d);
            break;
        case OP_ATA_READ_DMA:
        case OP_ATA_WRITE_DMA:
            ata_dma_run(d);
            break;
        case OP_ATAPI_READ:
        case OP_ATAPI_BUF:
            atapi_dma_run(d);
            if (!d->io_pending && d->xfer != XFER_DMA)
                rc = submit_buf(d, false, d->lba, d->chunk);
            break;
        default:
            break;
        }
        if (rc < 0)
            ide_io_done(d, rc);
    }
    ide_update_irq(bus);
}

/* Property names: "<prefix>d<unit>.<field>" (the reader has no nested
 * nodes, so a controller's channels and devices are told apart by name). */
struct pname {
    char buf[64];
    size_t n;
};

static void pname_init(struct pname *p, const char *prefix, int unit)
{
    snprintf(p->buf, sizeof(p->buf), "%sd%d.", prefix, unit);
    p->n = strlen(p->buf);
}

static const char *pn(struct pname *p, const char *field)
{
    g_strlcpy(p->buf + p->n, field, sizeof(p->buf) - p->n);
    return p->buf;
}

static void save_dev(struct ide_dev *d, struct vm_writer *w, const char *prefix)
{
    struct pname p;
    pname_init(&p, prefix, d->unit);
    vmw_u8(w, pn(&p, "feature"), d->feature);
    vmw_u8(w, pn(&p, "nsector"), d->nsector);
    vmw_u8(w, pn(&p, "lbal"), d->lbal);
    vmw_u8(w, pn(&p, "lbam"), d->lbam);
    vmw_u8(w, pn(&p, "lbah"), d->lbah);
    vmw_u8(w, pn(&p, "hob_feature"), d->hob_feature);
    vmw_u8(w, pn(&p, "hob_nsector"), d->hob_nsector);
    vmw_u8(w, pn(&p, "hob_lbal"), d->hob_lbal);
    vmw_u8(w, pn(&p, "hob_lbam"), d->hob_lbam);
    vmw_u8(w, pn(&p, "hob_lbah"), d->hob_lbah);
    vmw_u8(w, pn(&p, "select"), d->select);
    vmw_u8(w, pn(&p, "status"), d->status);
    vmw_u8(w, pn(&p, "error"), d->error);
    vmw_bool(w, pn(&p, "irq_pending"), d->irq_pending);
    vmw_u16(w, pn(&p, "cur_cyls"), d->cur_cyls);
    vmw_u16(w, pn(&p, "cur_heads"), d->cur_heads);
    vmw_u16(w, pn(&p, "cur_secs"), d->cur_secs);
    vmw_u8(w, pn(&p, "mult"), d->mult);
    vmw_u8(w, pn(&p, "xfer_mode"), d->xfer_mode);
    vmw_bool(w, pn(&p, "wcache"), d->wcache);
    vmw_u8(w, pn(&p, "cmd"), d->cmd);
    vmw_u8(w, pn(&p, "op"), d->op);
    vmw_u8(w, pn(&p, "xfer"), d->xfer);
    vmw_bool(w, pn(&p, "lba48"), d->lba48);
    vmw_bool(w, pn(&p, "io_pending"), d->io_pending || (d->inflight && d->op != OP_NONE));
    vmw_bool(w, pn(&p, "bounce"), d->bounce);
    vmw_u64(w, pn(&p, "lba"), d->lba);
    vmw_u32(w, pn(&p, "remaining"), d->remaining);
    vmw_u32(w, pn(&p, "chunk"), d->chunk);
    vmw_u32(w, pn(&p, "chunk_done"), d->chunk_done);
    vmw_u32(w, pn(&p, "data_pos"), d->data_pos);
    vmw_u32(w, pn(&p, "data_end"), d->data_end);
    uint32_t used = MAX(d->data_end, d->chunk * sector_size(d));
    used = MIN(used, IDE_BUF_SIZE);
    vmw_bytes(w, pn(&p, "buf"), d->buf, used);
    vmw_bytes(w, pn(&p, "cdb"), d->cdb, sizeof(d->cdb));
    vmw_u8(w, pn(&p, "sense_key"), d->sense_key);
    vmw_u8(w, pn(&p, "asc"), d->asc);
    vmw_u8(w, pn(&p, "ascq"), d->ascq);
    vmw_bool(w, pn(&p, "tray_open"), d->tray_open);
    vmw_bool(w, pn(&p, "tray_locked"), d->tray_locked);
    vmw_bool(w, pn(&p, "unit_attention"), d->unit_attention);
    vmw_u8(w, pn(&p, "media_event"), d->media_event);
    vmw_bool(w, pn(&p, "atapi_dma"), d->atapi_dma);
    vmw_u16(w, pn(&p, "byte_limit"), d->byte_limit);
    vmw_u32(w, pn(&p, "reply_left"), d->reply_left);
    vmw_u32(w, pn(&p, "last_block"), d->last_block);
}

void ide_bus_save(struct ide_bus *bus, struct vm_writer *w, const char *prefix)
{
    char name[64];
    snprintf(name, sizeof(name), "%sctl", prefix);
    vmw_u8(w, name, bus->ctl);
    snprintf(name, sizeof(name), "%sunit", prefix);
    vmw_u8(w, name, bus->unit);
    for (int i = 0; i < 2; i++)
        if (bus->dev[i].kind != IDE_NONE)
            save_dev(&bus->dev[i], w, prefix);
}

/* Cross-field checks: everything an index or length depends on. */
static int check_dev(struct ide_dev *d, struct vm_reader *r)
{
    uint32_t ss = sector_size(d);
    if (d->data_pos > d->data_end || d->data_end > IDE_BUF_SIZE) {
        vmr_fail(r, "data_pos", "PIO window %u..%u outside the buffer", d->data_pos,
                 d->data_end);
        return -1;
    }
    if (d->chunk_done > d->chunk) {
        vmr_fail(r, "chunk", "chunk %u/%u inconsistent", d->chunk_done, d->chunk);
        return -1;
    }
    if ((d->op == OP_ATA_READ && d->chunk - d->chunk_done > d->remaining) ||
        ((d->op == OP_ATA_WRITE || d->op == OP_ATA_VERIFY || d->op == OP_ATA_READ_DMA ||
          d->op == OP_ATA_WRITE_DMA) && d->chunk > d->remaining)) {
        vmr_fail(r, "chunk", "chunk %u beyond the %u sectors left", d->chunk, d->remaining);
        return -1;
    }
    bool dma_op = d->op == OP_ATA_READ_DMA || d->op == OP_ATA_WRITE_DMA ||
                  (d->op == OP_ATAPI_READ && d->xfer == XFER_DMA);
    if ((uint64_t)d->chunk * ss > (dma_op ? IDE_DMA_CHUNK : IDE_BUF_SIZE)) {
        vmr_fail(r, "chunk", "%u sectors do not fit the buffer", d->chunk);
        return -1;
    }
    if (d->op != OP_NONE && d->kind == IDE_DISK && d->op != OP_ATA_DATA_IN &&
        d->op != OP_ATA_FLUSH && (d->lba > d->nsectors || d->remaining > d->nsectors - d->lba)) {
        vmr_fail(r, "lba", "transfer beyond the disk");
        return -1;
    }
    if (d->kind == IDE_CD && d->op == OP_ATAPI_READ && d->blk &&
        (d->lba > blk_size(d->blk) / ATAPI_SECTOR_SIZE ||
         d->remaining > blk_size(d->blk) / ATAPI_SECTOR_SIZE - d->lba)) {
        vmr_fail(r, "lba", "transfer beyond the disc");
        return -1;
    }
    if (d->reply_left > IDE_BUF_SIZE || d->last_block > IDE_BUF_SIZE) {
        vmr_fail(r, "reply_left", "reply longer than the buffer");
        return -1;
    }
    if (d->mult & (d->mult - 1)) {
        vmr_fail(r, "mult", "%u is not a power of two", d->mult);
        return -1;
    }
    bool kind_ok = d->kind == IDE_CD ? (d->op == OP_NONE || d->op == OP_ATA_DATA_IN ||
                                        d->op >= OP_ATAPI_CDB)
                                     : d->op < OP_ATAPI_CDB;
    if (!kind_ok || ((d->op == OP_ATA_READ_DMA || d->op == OP_ATA_WRITE_DMA) &&
                     d->xfer != XFER_DMA)) {
        vmr_fail(r, "op", "operation %u does not fit the device", d->op);
        return -1;
    }
    if (d->op == OP_ATA_READ && d->chunk_done == d->chunk && d->remaining && !d->io_pending) {
        vmr_fail(r, "chunk_done", "read with nothing buffered and nothing in flight");
        return -1;
    }
    if (d->op == OP_NONE && d->io_pending) {
        vmr_fail(r, "io_pending", "request without an operation");
        return -1;
    }
    if (d->cur_heads > 16 || !d->cur_heads || !d->cur_secs) {
        vmr_fail(r, "cur_heads", "geometry %u/%u invalid", d->cur_heads, d->cur_secs);
        return -1;
    }
    return 0;
}

static int load_dev(struct ide_dev *d, struct vm_reader *r, const char *prefix)
{
    struct pname p;
    pname_init(&p, prefix, d->unit);
    vmr_u8(r, pn(&p, "feature"), &d->feature);
    vmr_u8(r, pn(&p, "nsector"), &d->nsector);
    vmr_u8(r, pn(&p, "lbal"), &d->lbal);
    vmr_u8(r, pn(&p, "lbam"), &d->lbam);
    vmr_u8(r, pn(&p, "lbah"), &d->lbah);
    vmr_u8(r, pn(&p, "hob_feature"), &d->hob_feature);
    vmr_u8(r, pn(&p, "hob_nsector"), &d->hob_nsector);
    vmr_u8(r, pn(&p, "hob_lbal"), &d->hob_lbal);
    vmr_u8(r, pn(&p, "hob_lbam"), &d->hob_lbam);
    vmr_u8(r, pn(&p, "hob_lbah"), &d->hob_lbah);
    vmr_u8(r, pn(&p, "select"), &d->select);
    vmr_u8(r, pn(&p, "status"), &d->status);
    vmr_u8(r, pn(&p, "error"), &d->error);
    vmr_bool(r, pn(&p, "irq_pending"), &d->irq_pending);
    vmr_u16(r, pn(&p, "cur_cyls"), &d->cur_cyls);
    vmr_u16_max(r, pn(&p, "cur_heads"), &d->cur_heads, 16);
    vmr_u16_max(r, pn(&p, "cur_secs"), &d->cur_secs, 255);
    vmr_u8_max(r, pn(&p, "mult"), &d->mult, IDE_MAX_MULT);
    vmr_u8(r, pn(&p, "xfer_mode"), &d->xfer_mode);
    vmr_bool(r, pn(&p, "wcache"), &d->wcache);
    vmr_u8(r, pn(&p, "cmd"), &d->cmd);
    vmr_u8_max(r, pn(&p, "op"), &d->op, OP_MAX - 1);
    vmr_u8_max(r, pn(&p, "xfer"), &d->xfer, XFER_DMA);
    vmr_bool(r, pn(&p, "lba48"), &d->lba48);
    vmr_bool(r, pn(&p, "io_pending"), &d->io_pending);
    vmr_bool(r, pn(&p, "bounce"), &d->bounce);
    vmr_u64(r, pn(&p, "lba"), &d->lba);
    vmr_u32(r, pn(&p, "remaining"), &d->remaining);
    vmr_u32_max(r, pn(&p, "chunk"), &d->chunk, IDE_BUF_SIZE);
    vmr_u32_max(r, pn(&p, "chunk_done"), &d->chunk_done, IDE_BUF_SIZE);
    vmr_u32_max(r, pn(&p, "data_pos"), &d->data_pos, IDE_BUF_SIZE);
    vmr_u32_max(r, pn(&p, "data_end"), &d->data_end, IDE_BUF_SIZE);
    size_t used = 0;
    vmr_bytes_var(r, pn(&p, "buf"), d->buf, IDE_BUF_SIZE, &used);
    vmr_bytes(r, pn(&p, "cdb"), d->cdb, sizeof(d->cdb));
    vmr_u8_max(r, pn(&p, "sense_key"), &d->sense_key, 15);
    vmr_u8(r, pn(&p, "asc"), &d->asc);
    vmr_u8(r, pn(&p, "ascq"), &d->ascq);
    vmr_bool(r, pn(&p, "tray_open"), &d->tray_open);
    vmr_bool(r, pn(&p, "tray_locked"), &d->tray_locked);
    vmr_bool(r, pn(&p, "unit_attention"), &d->unit_attention);
    vmr_u8_max(r, pn(&p, "media_event"), &d->media_event, 4);
    vmr_bool(r, pn(&p, "atapi_dma"), &d->atapi_dma);
    vmr_u16(r, pn(&p, "byte_limit"), &d->byte_limit);
    vmr_u32_max(r, pn(&p, "reply_left"), &d->reply_left, IDE_BUF_SIZE);
    vmr_u32_max(r, pn(&p, "last_block"), &d->last_block, IDE_BUF_SIZE);
    return vmr_failed(r) ? -1 : check_dev(d, r);
}

int ide_bus_load(struct ide_bus *bus, struct vm_reader *r, const char *prefix)
{
    char name[64];
    snprintf(name, sizeof(name), "%sctl", prefix);
    vmr_u8(r, name, &bus->ctl);
    snprintf(name, sizeof(name), "%sunit", prefix);
    vmr_u8_max(r, name, &bus->unit, 1);
    bus->ctl &= IDE_CTL_HOB | IDE_CTL_SRST | IDE_CTL_NIEN;
    if (vmr_failed(r))
        return -1;
    for (int i = 0; i < 2; i++) {
        if (bus->dev[i].kind == IDE_NONE)
            continue;
        /* The loaded state replaces whatever was going on here. */
        abandon(&bus->dev[i]);
        if (load_dev(&bus->dev[i], r, prefix))
            return -1;
    }
    return 0;
}

/* ---- a bare channel as a device ---- */

static void bus_reset(void *dev, enum reset_kind kind)
{
    ide_bus_reset(dev, kind);
}

static void bus_settle(void *dev)
{
    ide_bus_settle(dev);
}

static void bus_save(void *dev, struct vm_writer *w)
{
    ide_bus_save(dev, w, "");
}

static int bus_load(void *dev, struct vm_reader *r)
{
    return ide_bus_load(dev, r, "");
}

static void bus_destroy(void *dev)
{
    ide_bus_cleanup(dev);
    g_free(dev);
}

const struct dev_class ide_bus_class = {
    .name = "ide",
    .version = 1,
    .reset = bus_reset,
    .settle = bus_settle,
    .save = bus_save,
    .load = bus_load,
    .destroy = bus_destroy,
};
