/* SPDX-License-Identifier: GPL-2.0-or-later */
/* atapi.c: an ATAPI CD/DVD-ROM drive: the PACKET protocol and the MMC/SPC
 * commands a PC guest uses.
 *
 * Sources: ATA/ATAPI-7 volume 2, 9.8 (PACKET protocol: command packet
 * phase with CoD/IO interrupt reason, byte count limit in LBA mid/high, DMA
 * when Features bit 0 is set) and IDENTIFY PACKET DEVICE (vol 1, 6.17);
 * SPC-3 (INQUIRY, REQUEST SENSE fixed format, TEST UNIT READY, MODE SENSE,
 * PREVENT ALLOW MEDIUM REMOVAL, START STOP UNIT, unit attention); MMC-5
 * (READ CAPACITY, READ(10)/(12), READ CD, READ TOC/PMA/ATIP formats 0-2,
 * GET CONFIGURATION with the Profile List, Core, Morphing and Removable
 * Medium features, GET EVENT STATUS NOTIFICATION (polled, media class),
 * MODE SENSE pages 01h and 2Ah, READ DISC INFORMATION, MECHANISM STATUS,
 * SEEK(10), SET CD SPEED).
 *
 * The medium is a plain image of 2048-byte user-data sectors (an ISO): one
 * data track, one complete session.  The current profile is DVD-ROM when
 * the image is larger than an 80-minute CD (360000 sectors), else CD-ROM.
 *
 * Media state: an open tray or a missing disc answers NOT READY / MEDIUM
 * NOT PRESENT (3Ah with ASCQ 02h tray open, 01h tray closed); closing the
 * tray on a disc makes the next command (other than INQUIRY, REQUEST
 * SENSE, GET CONFIGURATION, GET EVENT STATUS NOTIFICATION) fail once with
 * UNIT ATTENTION 06/28/00, and GESN reports "new media" once.  A locked
 * tray refuses START STOP UNIT eject (05/53/02) and the monitor's eject
 * without force (which queues an eject-request event instead).
 *
 * Not emulated: audio (PLAY, READ SUB-CHANNEL), raw sectors (READ CD with
 * sync/headers/EDC/C2 answers ILLEGAL REQUEST), writing, VPD pages (EVPD
 * answers ILLEGAL REQUEST), MODE SELECT, DVD structures, asynchronous
 * event notification, the power-on unit attention (29h): SeaBIOS and Linux
 * cope without it.
 *
 * Guests: SeaBIOS boots El Torito over PIO with TEST UNIT READY, REQUEST
 * SENSE, INQUIRY, READ CAPACITY and READ(10), byte count limit 2048;
 * Linux sr/cdrom uses GET CONFIGURATION, GESN, MODE SENSE 2Ah, READ TOC,
 * READ DISC INFORMATION and READ(10) by DMA.
 *
 * Threat model: the 12-byte packet is guest data.  Allocation lengths cut
 * replies built in the 64 KiB buffer (every reply is far smaller); LBAs and
 * lengths are checked against the disc before any request (05/21/00);
 * READ(12) and READ CD counts up to 2^32 sectors are bounded by the disc
 * size; PIO blocks follow the byte count limit (0 and odd values handled
 * as the spec says) and never leave the buffer. */
#include <errno.h>
#include <string.h>
#include "hw/ide/core.h"

enum {
    GPCMD_TEST_UNIT_READY = 0x00,
    GPCMD_REQUEST_SENSE = 0x03,
    GPCMD_INQUIRY = 0x12,
    GPCMD_MODE_SENSE_6 = 0x1a,
    GPCMD_START_STOP_UNIT = 0x1b,
    GPCMD_PREVENT_ALLOW = 0x1e,
    GPCMD_READ_CAPACITY = 0x25,
    GPCMD_READ_10 = 0x28,
    GPCMD_SEEK_10 = 0x2b,
    GPCMD_READ_TOC = 0x43,
    GPCMD_GET_CONFIGURATION = 0x46,
    GPCMD_GET_EVENT_STATUS = 0x4a,
    GPCMD_READ_DISC_INFO = 0x51,
    GPCMD_MODE_SENSE_10 = 0x5a,
    GPCMD_READ_12 = 0xa8,
    GPCMD_SET_SPEED = 0xbb,
    GPCMD_MECHANISM_STATUS = 0xbd,
    GPCMD_READ_CD = 0xbe,
};

enum {
    SENSE_NONE = 0,
    SENSE_NOT_READY = 2,
    SENSE_ILLEGAL_REQUEST = 5,
    SENSE_UNIT_ATTENTION = 6,
};

#define ASC_INVALID_OPCODE 0x20
#define ASC_LBA_OUT_OF_RANGE 0x21
#define ASC_INVALID_FIELD 0x24
#define ASC_MEDIUM_CHANGED 0x28
#define ASC_SAVING_NOT_SUPPORTED 0x39
#define ASC_MEDIUM_NOT_PRESENT 0x3a
#define ASC_REMOVAL_PREVENTED 0x53
#define ASC_ILLEGAL_MODE 0x64

#define CD_MAX_SECTORS 360000u /* 80 minutes of 75 sectors a second */
#define PROFILE_CDROM 0x0008
#define PROFILE_DVDROM 0x0010

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void stb16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void stb32(uint8_t *p, uint32_t v)
{
    stb16(p, (uint16_t)(v >> 16));
    stb16(p + 2, (uint16_t)v);
}

static uint32_t disc_sectors(const struct ide_dev *d)
{
    uint64_t n = d->blk ? blk_size(d->blk) / ATAPI_SECTOR_SIZE : 0;
    return (uint32_t)MIN(n, 0xffffffffull);
}

static bool medium_ready(const struct ide_dev *d)
{
    return d->blk && !d->tray_open;
}

/* ---- IDENTIFY PACKET DEVICE ---- */

void atapi_identify(struct ide_dev *d, uint16_t *w)
{
    memset(w, 0, 512);
    /* ATAPI, CD-ROM, removable, DRQ within 50 us, 12-byte packets. */
    w[0] = 0x8000 | 0x0500 | 0x0080 | 0x0040;
    w[49] = 0x0f00; /* IORDY, IORDY disable, LBA, DMA */
    w[53] = 0x0006;
    w[71] = 30;
    w[72] = 30;
    w[80] = 0x00f0;
    w[82] = 0x4218; /* NOP, DEVICE RESET, PACKET, power management */
    w[83] = 0x4000;
    w[84] = 0x4000;
    w[85] = 0x4218;
    w[86] = 0x0000;
    w[87] = 0x4000;
}

/* ---- status phases ---- */

static void complete(struct ide_dev *d)
{
    d->nsector = (d->nsector & ~7) | ATAPI_IR_IO | ATAPI_IR_COD;
    ide_cmd_done(d);
}

static void set_sense(struct ide_dev *d, uint8_t key, uint8_t asc, uint8_t ascq)
{
    d->sense_key = key;
    d->asc = asc;
    d->ascq = ascq;
}

static void check_condition(struct ide_dev *d, uint8_t key, uint8_t asc, uint8_t ascq)
{
    set_sense(d, key, asc, ascq);
    d->op = OP_NONE;
    d->xfer = XFER_IDLE;
    d->data_pos = d->data_end = 0;
    d->reply_left = 0;
    d->error = (uint8_t)(key << 4);
    d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_ERR;
    d->nsector = (d->nsector & ~7) | ATAPI_IR_IO | ATAPI_IR_COD;
    ide_set_irq(d);
}

static void illegal(struct ide_dev *d, uint8_t asc)
{
    check_condition(d, SENSE_ILLEGAL_REQUEST, asc, 0);
}

static void not_ready(struct ide_dev *d)
{
    check_condition(d, SENSE_NOT_READY, ASC_MEDIUM_NOT_PRESENT, d->tray_open ? 0x02 : 0x01);
}

/* The byte count of the next PIO DRQ block (ATA/ATAPI-7 vol 2, 9.8). */
static uint32_t pio_block(const struct ide_dev *d, uint32_t left)
{
    uint32_t limit = d->byte_limit;
    if (limit == 0 || limit == 0xffff)
        limit = 0xfffe;
    if (left <= limit)
        return left;
    return limit & ~1u ? limit & ~1u : 2;
}

static void present(struct ide_dev *d)
{
    uint32_t n = pio_block(d, d->reply_left);
    d->last_block = n;
    d->lbam = (uint8_t)n;
    d->lbah = (uint8_t)(n >> 8);
    d->nsector = (d->nsector & ~7) | ATAPI_IR_IO;
    ide_pio_in(d, d->data_pos, (n + 1) & ~1u);
    ide_set_irq(d);
}

static void read_chunk(struct ide_dev *d)
{
    d->chunk = MIN(d->remaining, IDE_BUF_SIZE / ATAPI_SECTOR_SIZE);
    d->status = IDE_ST_BSY | IDE_ST_DRDY;
    d->xfer = XFER_IDLE;
    int rc = ide_submit_buf(d, d->lba, d->chunk);
    if (rc < 0)
        atapi_io_done(d, rc);
}

/* A reply of len bytes is in buf: send min(len, alloc) of it. */
static void reply(struct ide_dev *d, uint32_t len, uint32_t alloc)
{
    len = MIN(len, alloc);
    if (!len) {
        complete(d);
        return;
    }
    d->op = OP_ATAPI_BUF;
    d->reply_left = len;
    d->data_pos = 0;
    if (d->atapi_dma)
        ide_dma_begin(d);
    else
        present(d);
}

/* The host read the whole DRQ block. */
void atapi_block_done(struct ide_dev *d)
{
    uint32_t pos = d->data_end - ((d->last_block + 1) & ~1u);
    d->reply_left -= MIN(d->last_block, d->reply_left);
    d->data_pos = pos + d->last_block;
    if (d->reply_left) {
        present(d);
    } else if (d->op == OP_ATAPI_READ && d->remaining) {
        read_chunk(d);
    } else {
        complete(d);
    }
}

void atapi_io_done(struct ide_dev *d, int ret)
{
    if (ret < 0) {
        /* MEDIUM ERROR / UNRECOVERED READ ERROR */
        if (d->xfer == XFER_DMA)
            d->bus->dma->end(d->bus->dma_opaque, false);
        check_condition(d, 0x03, 0x11, 0x00);
        return;
    }
    if (d->xfer == XFER_DMA) {
        if (ide_dma_advance(d, ATAPI_SECTOR_SIZE, true))
            atapi_dma_run(d);
        return;
    }
    d->lba += d->chunk;
    d->remaining -= d->chunk;
    d->data_pos = 0;
    d->reply_left = d->chunk * ATAPI_SECTOR_SIZE;
    present(d);
}

void atapi_dma_run(struct ide_dev *d)
{
    struct ide_bus *bus = d->bus;
    if (d->io_pending || d->xfer != XFER_DMA || !bus->dma->active(bus->dma_opaque))
        return;
    if (d->op == OP_ATAPI_BUF) {
        int64_t c = bus->dma->rw(bus->dma_opaque, d->buf + d->data_pos, d->reply_left, true);
        if (c >= 0)
            bus->dma->mapped_done(bus->dma_opaque);
        if (c >= 0 && c < d->reply_left) {
            d->data_pos += (uint32_t)c;
            d->reply_left -= (uint32_t)c;
            return; /* the PRD table is shorter than the reply: stall */
        }
        d->reply_left = 0;
        ide_dma_finish(d, c < 0);
        return;
    }
    if (!d->remaining) {
        ide_dma_finish(d, false);
        return;
    }
    int n = ide_dma_map(d, ATAPI_SECTOR_SIZE, true);
    if (n <= 0)
        return;
    int rc = ide_submit(d, false, d->lba * ATAPI_SECTOR_SIZE, d->iov, n);
    if (rc < 0)
        atapi_io_done(d, rc);
}

/* ---- commands ---- */

static void start_read(struct ide_dev *d, uint32_t lba, uint32_t n)
{
    uint32_t total = disc_sectors(d);
    if (lba > total || n > total - lba) {
        illegal(d, ASC_LBA_OUT_OF_RANGE);
        return;
    }
    if (!n) {
        complete(d);
        return;
    }
    d->op = OP_ATAPI_READ;
    d->lba = lba;
    d->remaining = n;
    d->reply_left = 0;
    if (d->atapi_dma) {
        ide_dma_begin(d);
    } else {
        read_chunk(d);
    }
}

static void cmd_read_cd(struct ide_dev *d)
{
    const uint8_t *c = d->cdb;
    uint32_t lba = be32(c + 2), n = (uint32_t)c[6] << 16 | c[7] << 8 | c[8];
    unsigned type = (c[1] >> 2) & 7;
    if (type == 1) { /* CD-DA: the disc has one data track */
        illegal(d, ASC_ILLEGAL_MODE);
        return;
    }
    if (type != 0 && type != 2) {
        illegal(d, ASC_INVALID_FIELD);
        return;
    }
    switch (c[9] & 0xf8) {
    case 0x00: /* nothing to transfer */
        complete(d);
        break;
    case 0x10: /* user data only */
        start_read(d, lba, n);
        break;
    default: /* sync, headers, EDC/ECC: raw sectors are not kept */
        illegal(d, ASC_INVALID_FIELD);
        break;
    }
}

static void cmd_request_sense(struct ide_dev *d)
{
    uint8_t *b = d->buf;
    memset(b, 0, 18);
    if (d->unit_attention) {
        d->unit_attention = false;
        set_sense(d, SENSE_UNIT_ATTENTION, ASC_MEDIUM_CHANGED, 0);
    } else if (d->sense_key == SENSE_NONE && !medium_ready(d)) {
        set_sense(d, SENSE_NOT_READY, ASC_MEDIUM_NOT_PRESENT, d->tray_open ? 0x02 : 0x01);
    }
    b[0] = 0x70; /* current error, fixed format */
    b[2] = d->sense_key;
    b[7] = 10;
    b[12] = d->asc;
    b[13] = d->ascq;
    set_sense(d, SENSE_NONE, 0, 0);
    reply(d, 18, d->cdb[4]);
}

static void pad(uint8_t *dst, const char *s, size_t n)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < n; i++)
        dst[i] = i < len ? (uint8_t)s[i] : ' ';
}

static void cmd_inquiry(struct ide_dev *d)
{
    uint8_t *b = d->buf;
    if (d->cdb[1] & 1) { /* EVPD: no vital product data pages */
        illegal(d, ASC_INVALID_FIELD);
        return;
    }
    memset(b, 0, 36);
    b[0] = 0x05; /* CD/DVD device */
    b[1] = 0x80; /* removable */
    b[2] = 0x05; /* SPC-3 */
    b[3] = 0x02; /* response data format */
    b[4] = 31;
    pad(b + 8, "HVEMU", 8);
    pad(b + 16, d->model, 16);
    pad(b + 32, d->fwrev, 4);
    reply(d, 36, be16(d->cdb + 3));
}

static void cmd_read_capacity(struct ide_dev *d)
{
    uint32_t n = disc_sectors(d);
    stb32(d->buf, n ? n - 1 : 0);
    stb32(d->buf + 4, ATAPI_SECTOR_SIZE);
    reply(d, 8, 8);
}

static void lba_to_msf(uint8_t *p, uint32_t lba)
{
    uint32_t f = lba + 150;
    p[0] = 0;
    p[1] = (uint8_t)(f / (60 * 75));
    p[2] = (uint8_t)(f / 75 % 60);
    p[3] = (uint8_t)(f % 75);
}

static void put_addr(uint8_t *p, uint32_t lba, bool msf)
{
    if (msf)
        lba_to_msf(p, lba);
    else
        stb32(p, lba);
}

/* Full TOC descriptor (format 2): session 1, ADR 1 / data track. */
static uint8_t *full_toc_entry(uint8_t *p, uint8_t point, uint8_t pm, uint8_t ps, uint8_t pf)
{
    memset(p, 0, 11);
    p[0] = 1;
    p[1] = 0x14;
    p[3] = point;
    p[8] = pm;
    p[9] = ps;
    p[10] = pf;
    return p + 11;
}

static void cmd_read_toc(struct ide_dev *d)
{
    const uint8_t *c = d->cdb;
    bool msf = c[1] & 2;
    unsigned fmt = c[2] & 0x0f, track = c[6];
    uint32_t alloc = be16(c + 7), end = disc_sectors(d);
    uint8_t *b = d->buf, *p = b + 4;
    if (!fmt)
        fmt = c[9] >> 6; /* the older ATAPI place for the format */
    memset(b, 0, 64);
    switch (fmt) {
    case 0:
        if (track > 1 && track != 0xaa) {
            illegal(d, ASC_INVALID_FIELD);
            return;
        }
        b[2] = b[3] = 1;
        if (track <= 1) {
            p[1] = 0x14;
            p[2] = 1;
            put_addr(p + 4, 0, msf);
            p += 8;
        }
        p[1] = 0x14;
        p[2] = 0xaa;
        put_addr(p + 4, end, msf);
        p += 8;
        break;
    case 1: /* session information */
        b[2] = b[3] = 1;
        p[1] = 0x14;
        p[2] = 1;
        put_addr(p + 4, 0, msf);
        p += 8;
        break;
    case 2: { /* full TOC: points A0, A1, A2, then track 1 (always MSF) */
        uint8_t lo[4];
        lba_to_msf(lo, end);
        b[2] = b[3] = 1;
        p = full_toc_entry(p, 0xa0, 1, 0x00, 0);
        p = full_toc_entry(p, 0xa1, 1, 0, 0);
        p = full_toc_entry(p, 0xa2, lo[1], lo[2], lo[3]);
        p = full_toc_entry(p, 1, 0, 2, 0);
        break;
    }
    default:
        illegal(d, ASC_INVALID_FIELD);
        return;
    }
    uint32_t len = (uint32_t)(p - b);
    stb16(b, (uint16_t)(len - 2));
    reply(d, len, alloc);
}

static uint16_t current_profile(const struct ide_dev *d)
{
    if (!medium_ready(d))
        return 0;
    return disc_sectors(d) > CD_MAX_SECTORS ? PROFILE_DVDROM : PROFILE_CDROM;
}

/* One feature descriptor: code, version/persistent/current, payload. */
static uint8_t *feature(uint8_t *p, uint16_t code, uint8_t flags, const uint8_t *data,
                        uint8_t len)
{
    stb16(p, code);
    p[2] = flags;
    p[3] = len;
    memcpy(p + 4, data, len);
    return p + 4 + len;
}

static void cmd_get_configuration(struct ide_dev *d)
{
    const uint8_t *c = d->cdb;
    unsigned rt = c[1] & 3, start = be16(c + 2);
    uint16_t prof = current_profile(d);
    uint8_t *b = d->buf, *p = b + 8;
    if (rt == 3) {
        illegal(d, ASC_INVALID_FIELD);
        return;
    }
    memset(b, 0, 128);
    stb16(b + 6, prof);
    uint8_t profiles[8] = { 0, PROFILE_DVDROM, prof == PROFILE_DVDROM, 0,
                            0, PROFILE_CDROM, prof == PROFILE_CDROM, 0 };
    uint8_t core[8] = { 0, 0, 0, 2 /* ATAPI */, 0, 0, 0, 0 };
    uint8_t morph[4] = { 0x02 /* OCEvent: GESN, polled */, 0, 0, 0 };
    uint8_t removable[4] = { 0x29 /* tray, eject, lock */, 0, 0, 0 };
    static const struct {
        uint16_t code;
        uint8_t flags;
    } feats[] = {
        { 0x0000, 0x03 }, { 0x0001, 0x0b }, { 0x0002, 0x07 }, { 0x0003, 0x03 },
    };
    const uint8_t *data[] = { profiles, core, morph, removable };
    const uint8_t lens[] = { 8, 8, 4, 4 };
    for (size_t i = 0; i < ARRAY_SIZE(feats); i++) {
        /* All are current: rt 0 and 1 list from `start` on, rt 2 just one. */
        if (feats[i].code < start || (rt == 2 && feats[i].code != start))
            continue;
        p = feature(p, feats[i].code, feats[i].flags, data[i], lens[i]);
    }
    uint32_t len = (uint32_t)(p - b);
    stb32(b, len - 4);
    reply(d, len, be16(c + 7));
}

static void cmd_get_event_status(struct ide_dev *d)
{
    const uint8_t *c = d->cdb;
    uint8_t *b = d->buf;
    if (!(c[1] & 1)) { /* asynchronous notification is not supported */
        illegal(d, ASC_INVALID_FIELD);
        return;
    }
    memset(b, 0, 8);
    b[3] = 0x10; /* supported: media class */
    uint32_t len;
    if (c[4] & 0x10) {
        b[2] = 4; /* media class */
        b[4] = d->media_event;
        b[5] = (d->blk ? 0x02 : 0) | (d->tray_open ? 0x01 : 0);
        d->media_event = 0;
        len = 8;
    } else {
        b[2] = 0x80; /* no event available */
        len = 4;
    }
    stb16(b, (uint16_t)(len - 2));
    reply(d, len, be16(c + 7));
}

/* Mode pages; changeable values (pc 1) are all zero. */
static uint32_t mode_pages(struct ide_dev *d, uint8_t *p, unsigned page, bool changeable)
{
    uint8_t *start = p;
    if (page == 0x01 || page == 0x3f) {
        memset(p, 0, 12);
        p[0] = 0x01;
        p[1] = 10;
        if (!changeable)
            p[3] = 5; /* read retry count */
        p += 12;
    }
    if (page == 0x2a || page == 0x3f) {
        memset(p, 0, 28);
        p[0] = 0x2a;
        p[1] = 26;
        if (!changeable) {
            p[2] = 0x0b; /* reads CD-R, CD-RW, DVD-ROM */
            p[4] = 0x40; /* multi-session */
            p[6] = 0x29 | (d->tray_locked ? 0x02 : 0); /* tray, eject, lock (+ state) */
            stb16(p + 8, 2816);  /* 16x, obsolete max read speed */
            stb16(p + 10, 256);  /* volume levels */
            stb16(p + 12, 512);  /* buffer size, KiB */
            stb16(p + 14, 2816); /* obsolete current read speed */
        }
        p += 28;
    }
    return (uint32_t)(p - start);
}

static void cmd_mode_sense(struct ide_dev *d, bool ten)
{
    const uint8_t *c = d->cdb;
    unsigned pc = c[2] >> 6, page = c[2] & 0x3f;
    uint32_t hdr = ten ? 8 : 4, alloc = ten ? be16(c + 7) : c[4];
    uint8_t *b = d->buf;
    if (pc == 3) {
        illegal(d, ASC_SAVING_NOT_SUPPORTED);
        return;
    }
    if (page != 0x01 && page != 0x2a && page != 0x3f) {
        illegal(d, ASC_INVALID_FIELD);
        return;
    }
    memset(b, 0, hdr);
    uint32_t len = hdr + mode_pages(d, b + hdr, page, pc == 1);
    uint8_t medium = d->blk ? 0x01 : 0x70; /* 120 mm data disc / no disc */
    if (ten) {
        stb16(b, (uint16_t)(len - 2));
        b[2] = medium;
    } else {
        b[0] = (uint8_t)(len - 1);
        b[1] = medium;
    }
    reply(d, len, alloc);
}

static void cmd_start_stop(struct ide_dev *d)
{
    bool loej = d->cdb[4] & 2, start = d->cdb[4] & 1;
    if (!loej) {
        complete(d);
        return;
    }
    if (!start) {
        if (d->tray_locked) {
            illegal(d, ASC_REMOVAL_PREVENTED);
            d->ascq = 0x02;
            return;
        }
        if (!d->tray_open) {
            d->tray_open = true;
            d->media_event = 3;
            ide_tray_event(d, true);
        }
    } else if (d->tray_open) {
        ide_cd_close_tray(d->bus, d->unit);
    }
    complete(d);
}

static void cmd_read_disc_info(struct ide_dev *d)
{
    uint8_t *b = d->buf;
    if (d->cdb[1] & 7) {
        illegal(d, ASC_INVALID_FIELD);
        return;
    }
    memset(b, 0, 34);
    b[1] = 32;
    b[2] = 0x0e; /* complete disc, complete last session */
    b[3] = 1;    /* first track */
    b[4] = 1;    /* sessions */
    b[5] = 1;    /* first track of the last session */
    b[6] = 1;    /* last track of the last session */
    b[7] = 0x20; /* unrestricted use */
    memset(b + 16, 0xff, 8); /* lead-in / lead-out: not applicable */
    reply(d, 34, be16(d->cdb + 7));
}

static void cmd_mechanism_status(struct ide_dev *d)
{
    uint8_t *b = d->buf;
    memset(b, 0, 8);
    b[1] = d->tray_open ? 0x10 : 0;
    reply(d, 8, be16(d->cdb + 8));
}

/* Commands that work without a ready disc and ignore a unit attention. */
static bool ua_exempt(uint8_t op)
{
    return op == GPCMD_INQUIRY || op == GPCMD_REQUEST_SENSE || op == GPCMD_GET_CONFIGURATION ||
           op == GPCMD_GET_EVENT_STATUS;
}

static bool needs_medium(uint8_t op)
{
    switch (op) {
    case GPCMD_TEST_UNIT_READY:
    case GPCMD_READ_CAPACITY:
    case GPCMD_READ_10:
    case GPCMD_READ_12:
    case GPCMD_READ_CD:
    case GPCMD_READ_TOC:
    case GPCMD_READ_DISC_INFO:
    case GPCMD_SEEK_10:
        return true;
    default:
        return false;
    }
}

void atapi_cdb_received(struct ide_dev *d)
{
    const uint8_t *c = d->cdb;
    memcpy(d->cdb, d->buf, sizeof(d->cdb));
    d->xfer = XFER_IDLE;
    d->data_pos = d->data_end = 0;
    TRACE(d->bus->env->log, d->bus->trace, "%s.%d: packet %02x", d->bus->name, d->unit, c[0]);
    if (c[0] != GPCMD_REQUEST_SENSE)
        set_sense(d, SENSE_NONE, 0, 0);
    if (d->unit_attention && !ua_exempt(c[0])) {
        d->unit_attention = false;
        check_condition(d, SENSE_UNIT_ATTENTION, ASC_MEDIUM_CHANGED, 0);
        return;
    }
    if (needs_medium(c[0]) && !medium_ready(d)) {
        not_ready(d);
        return;
    }
    switch (c[0]) {
    case GPCMD_TEST_UNIT_READY:
    case GPCMD_SET_SPEED:
        complete(d);
        break;
    case GPCMD_REQUEST_SENSE:
        cmd_request_sense(d);
        break;
    case GPCMD_INQUIRY:
        cmd_inquiry(d);
        break;
    case GPCMD_READ_CAPACITY:
        cmd_read_capacity(d);
        break;
    case GPCMD_READ_10:
        start_read(d, be32(c + 2), be16(c + 7));
        break;
    case GPCMD_READ_12:
        start_read(d, be32(c + 2), be32(c + 6));
        break;
    case GPCMD_READ_CD:
        cmd_read_cd(d);
        break;
    case GPCMD_SEEK_10:
        if (be32(c + 2) >= disc_sectors(d))
            illegal(d, ASC_LBA_OUT_OF_RANGE);
        else
            complete(d);
        break;
    case GPCMD_READ_TOC:
        cmd_read_toc(d);
        break;
    case GPCMD_GET_CONFIGURATION:
        cmd_get_configuration(d);
        break;
    case GPCMD_GET_EVENT_STATUS:
        cmd_get_event_status(d);
        break;
    case GPCMD_MODE_SENSE_6:
        cmd_mode_sense(d, false);
        break;
    case GPCMD_MODE_SENSE_10:
        cmd_mode_sense(d, true);
        break;
    case GPCMD_START_STOP_UNIT:
        cmd_start_stop(d);
        break;
    case GPCMD_PREVENT_ALLOW:
        d->tray_locked = c[4] & 1;
        complete(d);
        break;
    case GPCMD_READ_DISC_INFO:
        cmd_read_disc_info(d);
        break;
    case GPCMD_MECHANISM_STATUS:
        cmd_mechanism_status(d);
        break;
    default:
        log_unimp(d->bus->env->log, d->bus->name, "ATAPI command %02xh", c[0]);
        illegal(d, ASC_INVALID_OPCODE);
        break;
    }
}

/* PACKET: receive the 12-byte command packet by PIO. */
void atapi_packet_cmd(struct ide_dev *d)
{
    d->atapi_dma = d->feature & 1;
    d->byte_limit = (uint16_t)(d->lbah << 8 | d->lbam);
    if (d->atapi_dma && !d->bus->dma) {
        ide_abort(d);
        return;
    }
    d->op = OP_ATAPI_CDB;
    d->nsector = (d->nsector & ~7) | ATAPI_IR_COD;
    d->xfer = XFER_PIO_OUT;
    d->data_pos = 0;
    d->data_end = sizeof(d->cdb);
    d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
}

void atapi_reset(struct ide_dev *d)
{
    d->reply_left = 0;
    d->last_block = 0;
    d->atapi_dma = false;
    d->byte_limit = 0;
}
