/* SPDX-License-Identifier: GPL-2.0-or-later */
/* core.h: one IDE channel (ATA/ATAPI-7 "bus"): two device positions sharing
 * the command block (8 ports) and control block (1 port) registers and one
 * INTRQ line, with an optional bus master (the PIIX BMDMA engine) behind
 * struct ide_dma_ops.
 *
 * A channel is usable on its own (an ISA IDE port: map cmd_region at
 * 0x1f0 and ctl_region at 0x3f6, connect irq, reset with ide_bus_class) or
 * inside a controller (hw/ide/piix.c) that owns two channels, maps their
 * regions and sets the DMA ops.
 *
 * Devices are attached before the first reset: ide_attach_disk() (an ATA
 * disk on an image) or ide_attach_cd() (an ATAPI CD-ROM, blk NULL: no
 * disc).  The channel never opens or closes images; it borrows them.  The
 * ide_cd_* calls change the medium (the monitor's eject/change through the
 * board); tray moves, whether the guest or the monitor caused them, are
 * reported through the tray callback. */
#ifndef HW_IDE_CORE_H
#define HW_IDE_CORE_H

#include <sys/uio.h>
#include "block/block.h"
#include "core/device.h"

#define IDE_SECTOR_SIZE 512
#define ATAPI_SECTOR_SIZE 2048
#define IDE_BUF_SIZE (64 * 1024)     /* PIO buffer: 128 ATA or 32 CD sectors */
#define IDE_MAX_MULT 16              /* word 47: READ/WRITE MULTIPLE block limit */
/* One DMA block request: big enough that a whole Linux ata_piix command
 * (up to 512 KiB in 4 KiB pages, 128 PRD pieces) goes to the backend at
 * once; every extra request costs a completion through the main loop
 * (measured: 128 KiB / 64 pieces read at 0.6x the rate of this). */
#define IDE_DMA_MAX_IOV 256          /* iovecs per block request */
#define IDE_DMA_CHUNK (1024 * 1024)  /* bytes per block request */

/* Status register (ATA/ATAPI-7 vol 1, 7.15.6 / 7.1.2). */
#define IDE_ST_BSY 0x80
#define IDE_ST_DRDY 0x40
#define IDE_ST_DF 0x20
#define IDE_ST_DSC 0x10 /* ATAPI: SERV */
#define IDE_ST_DRQ 0x08
#define IDE_ST_CORR 0x04
#define IDE_ST_ERR 0x01
/* Error register. */
#define IDE_ER_ICRC 0x80
#define IDE_ER_UNC 0x40
#define IDE_ER_MC 0x20
#define IDE_ER_IDNF 0x10
#define IDE_ER_MCR 0x08
#define IDE_ER_ABRT 0x04
/* Device control register. */
#define IDE_CTL_HOB 0x80
#define IDE_CTL_SRST 0x04
#define IDE_CTL_NIEN 0x02
/* Device register. */
#define IDE_DEV_LBA 0x40
#define IDE_DEV_DEV 0x10
/* ATAPI interrupt reason (sector count register). */
#define ATAPI_IR_COD 0x01
#define ATAPI_IR_IO 0x02

enum ide_kind { IDE_NONE, IDE_DISK, IDE_CD };

/* What the data port / bus master is doing for the current command. */
enum ide_xfer {
    XFER_IDLE,
    XFER_PIO_IN,  /* device -> host, buf[data_pos, data_end) */
    XFER_PIO_OUT, /* host -> device, into buf[data_pos, data_end) */
    XFER_DMA,     /* the bus master moves the data */
};

/* The command a transfer belongs to (what to do when a block ends). */
enum ide_op {
    OP_NONE,
    OP_ATA_DATA_IN,  /* one buffer (IDENTIFY) */
    OP_ATA_READ,     /* READ SECTOR(S)/MULTIPLE (EXT), PIO */
    OP_ATA_WRITE,    /* WRITE SECTOR(S)/MULTIPLE (EXT), PIO */
    OP_ATA_READ_DMA,
    OP_ATA_WRITE_DMA,
    OP_ATA_VERIFY,   /* READ VERIFY: reads into buf, no data phase */
    OP_ATA_FLUSH,
    OP_ATAPI_CDB,    /* receiving the 12-byte packet */
    OP_ATAPI_BUF,    /* reply built in buf */
    OP_ATAPI_READ,   /* sectors from the medium */
    OP_MAX
};

/* The bus master, as the channel sees it (hw/ide/piix.c implements it). */
struct ide_dma_ops {
    /* Start bit set (and the table not yet exhausted). */
    bool (*active)(void *opaque);
    /* Map up to len bytes at the PRD cursor as host iovecs, a multiple of
     * gran bytes, and move the cursor past them.  Returns the bytes mapped
     * (> 0), 0 when the table ran out first (the master has stopped), -1 on
     * a bus error (the master has set its error bit and stopped), -2 when
     * not one whole granule is contiguous host memory (use rw). */
    int64_t (*map)(void *opaque, uint64_t len, unsigned gran, bool to_ram,
                   struct iovec *iov, int max_iov, int *niov);
    /* After a mapped chunk was filled from the disk: mark the RAM written. */
    void (*mapped_done)(void *opaque);
    /* Copy through the PRD cursor (bounce buffer).  Returns the bytes moved
     * (less than len if the table ran out) or -1 on a bus error. */
    int64_t (*rw)(void *opaque, void *buf, uint64_t len, bool to_ram);
    /* The device finished its transfer (error: aborted by a bus error). */
    void (*end)(void *opaque, bool error);
};

struct ide_bus;
struct ide_req;

/* Tray moved (guest START STOP UNIT or the monitor): unit 0/1 of bus. */
typedef void ide_tray_fn(void *opaque, struct ide_bus *bus, int unit, bool open);

struct ide_dev {
    struct ide_bus *bus;
    uint8_t unit;
    enum ide_kind kind;
    struct blk *blk; /* borrowed; NULL: no medium */
    char serial[21], model[41], fwrev[9];

    /* Task file: each register and its previous content (LBA48 HOB). */
    uint8_t feature, nsector, lbal, lbam, lbah;
    uint8_t hob_feature, hob_nsector, hob_lbal, hob_lbam, hob_lbah;
    uint8_t select, status, error;
    bool irq_pending; /* INTRQ asserted by this device (before nIEN) */

    /* Disk geometry and settings. */
    uint64_t nsectors; /* capacity in 512-byte sectors */
    uint16_t cyls, heads, secs;             /* default translation */
    uint16_t cur_cyls, cur_heads, cur_secs; /* INITIALIZE DEVICE PARAMETERS */
    uint8_t mult;      /* READ/WRITE MULTIPLE block, 0: disabled */
    uint8_t xfer_mode; /* SET FEATURES 03h value */
    bool wcache;

    /* The command in progress. */
    uint8_t cmd;
    uint8_t op;      /* enum ide_op */
    uint8_t xfer;    /* enum ide_xfer */
    bool lba48;
    bool io_pending; /* a block request of the current op is in flight */
    uint64_t lba;    /* next sector to transfer */
    uint32_t remaining;  /* sectors left (not yet acknowledged) */
    uint32_t chunk;      /* sectors in buf / in the request in flight */
    uint32_t chunk_done; /* sectors of the chunk already passed to the host */
    uint32_t data_pos, data_end; /* PIO window into buf */
    uint8_t *buf;
    bool bounce; /* the DMA chunk in flight goes through buf */

    /* ATAPI. */
    uint8_t cdb[12];
    uint8_t sense_key, asc, ascq;
    bool tray_open, tray_locked;
    bool unit_attention; /* 06/28/00 pending (new medium) */
    uint8_t media_event;  /* GESN media event code pending, 0: none */
    bool atapi_dma;       /* PACKET with Features bit 0 */
    uint16_t byte_limit;  /* PACKET byte count limit */
    uint32_t reply_left;  /* OP_ATAPI_BUF: bytes of buf not yet transferred */
    uint32_t last_block;  /* bytes of the current ATAPI DRQ block */

    /* Host side: requests in flight and their generation. */
    uint32_t gen;
    unsigned inflight;
    struct ide_req *reqs; /* in flight, newest first */
    struct iovec iov_buf;
    struct iovec iov[IDE_DMA_MAX_IOV];
};

struct ide_bus {
    struct mem_region cmd_region; /* 8 ports: 0x1f0/0x170 */
    struct mem_region ctl_region; /* 1 port: 0x3f6/0x376 */
    struct irq_line irq;

    const struct dev_env *env;
    const char *name;
    bool trace;
    struct ide_dev dev[2];
    uint8_t ctl;  /* device control register */
    uint8_t unit; /* selected device (DEV bit) */

    const struct ide_dma_ops *dma; /* NULL: no bus master */
    void *dma_opaque;
    ide_tray_fn *tray_moved;
    void *tray_opaque;
};

/* A channel's identity in save streams: the dev_class for a bare channel
 * (the state of both devices and the channel registers). */
extern const struct dev_class ide_bus_class;

void ide_bus_init(struct ide_bus *bus, const struct dev_env *env, const char *name);
/* Free what init allocated (not the bus itself). */
void ide_bus_cleanup(struct ide_bus *bus);
struct ide_bus *ide_bus_new(const struct dev_env *env, const char *name);
void ide_bus_set_dma(struct ide_bus *bus, const struct ide_dma_ops *ops, void *opaque);
void ide_bus_set_tray_cb(struct ide_bus *bus, ide_tray_fn *fn, void *opaque);

/* Attach before the first reset.  serial may be NULL (derived from the
 * position).  Returns 0, or -1 if the position is taken or the image is
 * unusable (a disk needs at least one sector). */
int ide_attach_disk(struct ide_bus *bus, int unit, struct blk *blk, const char *serial);
int ide_attach_cd(struct ide_bus *bus, int unit, struct blk *blk, const char *serial);

/* The bus master's start bit went 0 -> 1: go on with a DMA transfer. */
void ide_bus_dma_restart(struct ide_bus *bus);

/* Medium changes (CD drives only; the caller holds the machine lock).
 * open_tray: -EBUSY if the guest locked it and !force (the guest then gets
 * an eject-request event), -ENOTSUP if not a CD; force also unlocks.
 * remove_medium: the tray must be open; returns the old blk (the caller
 * closes it once blk_in_flight() is 0) or NULL.  insert_medium: the tray
 * must be open and empty.  close_tray: the guest sees a new medium (unit
 * attention) if one is present. */
int ide_cd_open_tray(struct ide_bus *bus, int unit, bool force);
struct blk *ide_cd_remove_medium(struct ide_bus *bus, int unit);
int ide_cd_insert_medium(struct ide_bus *bus, int unit, struct blk *blk);
void ide_cd_close_tray(struct ide_bus *bus, int unit);

/* Reset, settle and state of a channel (the controller's class uses them). */
void ide_bus_reset(struct ide_bus *bus, enum reset_kind kind);
void ide_bus_settle(struct ide_bus *bus);
/* Property names start with prefix ("" for a bare channel, "b0." ...). */
void ide_bus_save(struct ide_bus *bus, struct vm_writer *w, const char *prefix);
int ide_bus_load(struct ide_bus *bus, struct vm_reader *r, const char *prefix);
/* Wait (without the machine lock) until no request of the bus is in flight. */
void ide_bus_drain(struct ide_bus *bus);

/* ---- shared between core.c and atapi.c ---- */
void ide_set_irq(struct ide_dev *d);
void ide_update_irq(struct ide_bus *bus);
void ide_cmd_done(struct ide_dev *d);
void ide_abort(struct ide_dev *d);
void ide_pio_in(struct ide_dev *d, uint32_t pos, uint32_t len);
void ide_dma_begin(struct ide_dev *d);
/* End a DMA command: status (and for ATAPI the status-phase interrupt
 * reason), the bus master stopped, the interrupt raised. */
void ide_dma_finish(struct ide_dev *d, bool bus_error);
/* Map the command's next DMA chunk of ss-byte sectors into d->iov (at most
 * IDE_DMA_CHUNK), or d->buf when the PRD table splits a sector (filled from
 * RAM first for writes).  Sets d->chunk.  Returns the iovec count, 0 if the
 * table ran out (stall until the guest gives more), -1 after ending the
 * command with a bus error. */
int ide_dma_map(struct ide_dev *d, uint32_t ss, bool to_ram);
/* The chunk's data has moved: copy a bounced sector on to RAM, release the
 * mapping, advance lba/remaining.  false: stop (stalled or ended). */
bool ide_dma_advance(struct ide_dev *d, uint32_t ss, bool to_ram);
int ide_submit_buf(struct ide_dev *d, uint64_t lba, uint32_t sectors);
int ide_submit(struct ide_dev *d, bool write, uint64_t offset, const struct iovec *iov,
               int niov);
void ide_tray_event(struct ide_dev *d, bool open);

/* atapi.c */
void atapi_identify(struct ide_dev *d, uint16_t *w);
void atapi_packet_cmd(struct ide_dev *d);
void atapi_cdb_received(struct ide_dev *d);
void atapi_block_done(struct ide_dev *d);
void atapi_io_done(struct ide_dev *d, int ret);
void atapi_dma_run(struct ide_dev *d);
void atapi_reset(struct ide_dev *d);
void atapi_set_signature(struct ide_dev *d);

#endif
