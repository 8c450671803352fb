/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the IDE channel (ATA disks) and the PIIX3 bus master,
 * driven through the legacy ports and BAR4 as SeaBIOS (PIO) and Linux
 * ata_piix (BMDMA) drive them, on real image files. */
#include <libfdt.h>
#include <signal.h>
#include <sys/resource.h>
#include "tests/unit/ide_fixture.h"

#define DISK_SIZE (1 * MiB) /* 2048 sectors */
#define NSEC (DISK_SIZE / 512)

static struct blk *disk;

static void setup(struct fx *f, bool ro)
{
    fx_init_raw(f);
    char *p = fx_image(f, "disk.img", DISK_SIZE, true);
    disk = fx_open(f, p, ro);
    g_free(p);
    g_assert_cmpint(ide_attach_disk(&f->s->bus[0], 0, disk, NULL), ==, 0);
    fx_power_on(f);
    fx_firmware(f);
}

static void lba28(struct fx *f, uint32_t lba, uint8_t count)
{
    test_outb(f->t, P0 + 2, count);
    test_outb(f->t, P0 + 3, (uint8_t)lba);
    test_outb(f->t, P0 + 4, (uint8_t)(lba >> 8));
    test_outb(f->t, P0 + 5, (uint8_t)(lba >> 16));
    test_outb(f->t, P0 + 6, 0xe0 | ((lba >> 24) & 0xf));
}

static void lba48(struct fx *f, uint64_t lba, uint16_t count)
{
    test_outb(f->t, P0 + 2, (uint8_t)(count >> 8));
    test_outb(f->t, P0 + 3, (uint8_t)(lba >> 24));
    test_outb(f->t, P0 + 4, (uint8_t)(lba >> 32));
    test_outb(f->t, P0 + 5, (uint8_t)(lba >> 40));
    test_outb(f->t, P0 + 2, (uint8_t)count);
    test_outb(f->t, P0 + 3, (uint8_t)lba);
    test_outb(f->t, P0 + 4, (uint8_t)(lba >> 8));
    test_outb(f->t, P0 + 5, (uint8_t)(lba >> 16));
    test_outb(f->t, P0 + 6, 0x40);
}

static void cmd(struct fx *f, uint8_t c)
{
    test_outb(f->t, P0 + 7, c);
}

static void read_words(struct fx *f, uint16_t *w, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        w[i] = (uint16_t)test_in(f->t, P0, 2);
}

static void check_sector(const uint8_t *b, uint64_t lba)
{
    for (unsigned i = 0; i < 512; i++)
        if (b[i] != pattern(lba * 512 + i))
            g_error("sector %" G_GUINT64_FORMAT " byte %u: %02x", lba, i, b[i]);
}

/* Wait for the backend, then expect DRQ and read one 512-byte block. */
static void pio_read_sector(struct fx *f, uint64_t lba)
{
    fx_wait(f);
    g_assert_cmphex(fx_alt(f, C0) & (IDE_ST_BSY | IDE_ST_DRQ | IDE_ST_ERR), ==, IDE_ST_DRQ);
    uint8_t b[512];
    for (int i = 0; i < 256; i++)
        st16(b + 2 * i, (uint16_t)test_in(f->t, P0, 2));
    check_sector(b, lba);
}

static void identify(struct fx *f, uint16_t *w)
{
    cmd(f, 0xec);
    g_assert_cmphex(fx_status(f, P0) & (IDE_ST_DRQ | IDE_ST_ERR), ==, IDE_ST_DRQ);
    read_words(f, w, 256);
    g_assert_cmphex(fx_status(f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
}

static void test_identify(void)
{
    struct fx f;
    setup(&f, false);
    uint16_t w[256];
    identify(&f, w);
    g_assert_cmphex(w[0], ==, 0x0040);
    char model[41];
    for (int i = 0; i < 20; i++) {
        model[2 * i] = (char)(w[27 + i] >> 8);
        model[2 * i + 1] = (char)w[27 + i];
    }
    model[40] = 0;
    g_assert_true(g_str_has_prefix(model, "HVEMU HARDDISK "));
    /* 2048 sectors / (16 * 63) = 2 cylinders. */
    g_assert_cmpuint(w[1], ==, 2);
    g_assert_cmpuint(w[3], ==, 16);
    g_assert_cmpuint(w[6], ==, 63);
    g_assert_cmpuint(w[54], ==, 2);
    g_assert_cmpuint(w[57] | (uint32_t)w[58] << 16, ==, 2 * 16 * 63);
    g_assert_cmpuint(w[60] | (uint32_t)w[61] << 16, ==, NSEC);
    g_assert_cmpuint(w[100], ==, NSEC);
    g_assert_cmpuint(w[101] | w[102] | w[103], ==, 0);
    g_assert_cmphex(w[47], ==, 0x8010);
    g_assert_cmphex(w[59], ==, 0);
    g_assert_cmphex(w[49] & 0x0300, ==, 0x0300); /* LBA and DMA */
    g_assert_cmphex(w[83] & 0x2400, ==, 0x2400); /* LBA48, FLUSH CACHE EXT */
    g_assert_cmphex(w[85] & 0x20, ==, 0x20);     /* write cache on (writeback) */
    /* No device 1: device 0 answers for it (SeaBIOS skips the probe). */
    g_assert_cmphex(w[93] & 0xdf61, ==, 0x4041);
    uint8_t sum = 0;
    for (int i = 0; i < 256; i++)
        sum += (uint8_t)w[i] + (uint8_t)(w[i] >> 8);
    g_assert_cmpuint(sum, ==, 0);
    g_assert_cmphex(w[255] & 0xff, ==, 0xa5);
    /* IDENTIFY PACKET DEVICE aborts on a disk. */
    cmd(&f, 0xa1);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_ERR);
    g_assert_cmphex(test_inb(f.t, P0 + 1), ==, IDE_ER_ABRT);
    fx_free(&f);
}

static void test_probe_and_reset(void)
{
    struct fx f;
    setup(&f, false);
    /* SeaBIOS's register check on device 0 and on the absent device 1. */
    for (int dev = 0; dev < 2; dev++) {
        test_outb(f.t, P0 + 6, dev ? 0xb0 : 0xa0);
        test_outb(f.t, P0 + 2, 0x55);
        test_outb(f.t, P0 + 3, 0xaa);
        g_assert_cmphex(test_inb(f.t, P0 + 2), ==, 0x55);
        g_assert_cmphex(test_inb(f.t, P0 + 3), ==, 0xaa);
        g_assert_cmphex(test_inb(f.t, P0 + 6), ==, dev ? 0xb0 : 0xa0);
        g_assert_cmphex(fx_status(&f, P0), ==, dev ? 0 : IDE_ST_DRDY | IDE_ST_DSC);
    }
    /* Commands to the absent device are ignored. */
    cmd(&f, 0xec);
    g_assert_cmphex(fx_status(&f, P0), ==, 0);
    /* SRST: busy while asserted, the ATA signature after. */
    test_outb(f.t, C0, IDE_CTL_SRST | IDE_CTL_NIEN);
    g_assert_cmphex(fx_alt(&f, C0), ==, IDE_ST_BSY);
    test_outb(f.t, C0, IDE_CTL_NIEN);
    g_assert_cmphex(fx_alt(&f, C0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    g_assert_cmphex(test_inb(f.t, P0 + 2), ==, 1);
    g_assert_cmphex(test_inb(f.t, P0 + 3), ==, 1);
    g_assert_cmphex(test_inb(f.t, P0 + 4), ==, 0);
    g_assert_cmphex(test_inb(f.t, P0 + 5), ==, 0);
    g_assert_cmphex(test_inb(f.t, P0 + 1), ==, 0x01);
    g_assert_cmphex(test_inb(f.t, P0 + 6), ==, 0xa0);
    /* EXECUTE DEVICE DIAGNOSTIC: signature, code 01h, interrupt. */
    test_outb(f.t, C0, 0);
    test_outb(f.t, P0 + 2, 0x33);
    cmd(&f, 0x90);
    g_assert_cmpint(f.t->irq.level[IRQ_P], ==, 1);
    g_assert_cmphex(test_inb(f.t, P0 + 2), ==, 1);
    g_assert_cmphex(test_inb(f.t, P0 + 1), ==, 0x01);
    /* The secondary channel has no device: everything floats. */
    g_assert_cmphex(fx_status(&f, P1), ==, 0xff);
    g_assert_cmphex(test_inb(f.t, P1 + 2), ==, 0xff);
    fx_free(&f);
}

static void test_decode_enable(void)
{
    struct fx f;
    fx_init_raw(&f);
    char *p = fx_image(&f, "d.img", DISK_SIZE, true);
    g_assert_cmpint(ide_attach_disk(&f.s->bus[0], 0, fx_open(&f, p, false), NULL), ==, 0);
    g_free(p);
    fx_power_on(&f);
    /* Class 01 01 80, BAR0-3 read 0, IDETIM 0 after reset. */
    g_assert_cmphex(fx_cfg_read(&f, 0, 4), ==, 0x70108086);
    g_assert_cmphex(fx_cfg_read(&f, 8, 4) >> 8, ==, 0x010180);
    fx_cfg(&f, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
    g_assert_cmphex(fx_cfg_read(&f, PCI_BASE_ADDRESS_0, 4), ==, 0);
    g_assert_cmphex(fx_cfg_read(&f, PIIX_IDETIM, 4), ==, 0);
    /* BAR4 sizes as 16 ports. */
    fx_cfg(&f, PCI_BASE_ADDRESS_0 + 16, 0xffffffff, 4);
    g_assert_cmphex(fx_cfg_read(&f, PCI_BASE_ADDRESS_0 + 16, 4), ==, 0xfffffff1);
    /* Not decoded until I/O enable and IDETIM bit 15. */
    g_assert_cmphex(fx_status(&f, P0), ==, 0xff);
    fx_cfg(&f, PCI_COMMAND, PCI_COMMAND_IO, 2);
    g_assert_cmphex(fx_status(&f, P0), ==, 0xff);
    fx_cfg(&f, PIIX_IDETIM, PIIX_IDETIM_IDE, 2);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    g_assert_cmphex(fx_status(&f, P1), ==, 0xff); /* secondary still off */
    fx_cfg(&f, PCI_COMMAND, 0, 2);
    g_assert_cmphex(fx_status(&f, P0), ==, 0xff);
    fx_free(&f);
}

static void test_pio_read(void)
{
    struct fx f;
    setup(&f, false);
    test_outb(f.t, C0, 0);
    lba28(&f, 5, 3);
    cmd(&f, 0x20);
    for (int i = 0; i < 3; i++) {
        fx_wait(&f);
        /* An interrupt per DRQ block; Alternate Status does not clear it. */
        g_assert_cmpint(f.t->irq.level[IRQ_P], ==, 1);
        fx_alt(&f, C0);
        g_assert_cmpint(f.t->irq.level[IRQ_P], ==, 1);
        g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ);
        g_assert_cmpint(f.t->irq.level[IRQ_P], ==, 0);
        g_assert_cmphex(fx_bm_status(&f, 0) & BM_ST_INTR, ==, BM_ST_INTR);
        pio_read_sector(&f, 5 + i);
    }
    /* PIO in: no interrupt after the last block. */
    g_assert_cmpint(f.t->irq.level[IRQ_P], ==, 0);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    g_assert_cmphex(test_inb(f.t, P0 + 3), ==, 7); /* last sector read */
    /* The data port floats without DRQ. */
    g_assert_cmphex(test_in(f.t, P0, 2), ==, 0xffff);
    /* nIEN masks INTRQ. */
    test_outb(f.t, C0, IDE_CTL_NIEN);
    lba28(&f, 0, 1);
    cmd(&f, 0x20);
    fx_wait(&f);
    g_assert_cmpint(f.t->irq.level[IRQ_P], ==, 0);
    test_outb(f.t, C0, 0);
    g_assert_cmpint(f.t->irq.level[IRQ_P], ==, 1); /* still pending: shows now */
    /* 32-bit data accesses move two words. */
    uint8_t b[512];
    for (int i = 0; i < 128; i++)
        st32(b + 4 * i, (uint32_t)test_in(f.t, P0, 4));
    check_sector(b, 0);
    fx_free(&f);
}

static void test_pio_read_chs_and_specify(void)
{
    struct fx f;
    setup(&f, false);
    /* Default 16/63: C1 H2 S3 is LBA (1 * 16 + 2) * 63 + 2 = 1136. */
    test_outb(f.t, P0 + 2, 1);
    test_outb(f.t, P0 + 3, 3);
    test_outb(f.t, P0 + 4, 1);
    test_outb(f.t, P0 + 5, 0);
    test_outb(f.t, P0 + 6, 0xa2);
    cmd(&f, 0x20);
    pio_read_sector(&f, 1136);
    /* Sector 0 is invalid in CHS: IDNF. */
    test_outb(f.t, P0 + 3, 0);
    cmd(&f, 0x20);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_ERR);
    g_assert_cmphex(test_inb(f.t, P0 + 1), ==, IDE_ER_IDNF);
    /* INITIALIZE DEVICE PARAMETERS: 4 heads, 32 sectors. */
    test_outb(f.t, P0 + 2, 32);
    test_outb(f.t, P0 + 6, 0xa3);
    cmd(&f, 0x91);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    uint16_t w[256];
    identify(&f, w);
    g_assert_cmpuint(w[54], ==, NSEC / (4 * 32));
    g_assert_cmpuint(w[55], ==, 4);
    g_assert_cmpuint(w[56], ==, 32);
    g_assert_cmpuint(w[1], ==, 2); /* the default translation is unchanged */
    /* C2 H1 S5 under 4/32: (2 * 4 + 1) * 32 + 4 = 292. */
    test_outb(f.t, P0 + 2, 1);
    test_outb(f.t, P0 + 3, 5);
    test_outb(f.t, P0 + 4, 2);
    test_outb(f.t, P0 + 5, 0);
    test_outb(f.t, P0 + 6, 0xa1);
    cmd(&f, 0x20);
    pio_read_sector(&f, 292);
    /* Head 5 is outside 4 heads. */
    test_outb(f.t, P0 + 6, 0xa5);
    cmd(&f, 0x20);
    g_assert_cmphex(test_inb(f.t, P0 + 1), ==, IDE_ER_IDNF);
    /* Zero sectors per track is refused. */
    test_outb(f.t, P0 + 2, 0);
    cmd(&f, 0x91);
    g_assert_cmphex(test_inb(f.t, P0 + 1), ==, IDE_ER_ABRT);
    fx_free(&f);
}

static void test_lba48(void)
{
    struct fx f;
    setup(&f, false);
    lba48(&f, 2040, 2);
    /* HOB reads back the previous contents. */
    test_outb(f.t, C0, IDE_CTL_HOB);
    g_assert_cmphex(test_inb(f.t, P0 + 2), ==, 0);
    test_outb(f.t, C0, 0);
    g_assert_cmphex(test_inb(f.t, P0 + 2), ==, 2);
    cmd(&f, 0x24);
    pio_read_sector(&f, 2040);
    pio_read_sector(&f, 2041);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    /* Beyond the end: IDNF. */
    lba48(&f, 2047, 2);
    cmd(&f, 0x24);
    g_assert_cmphex(fx_status(&f, P0) & IDE_ST_ERR, ==, IDE_ST_ERR);
    g_assert_cmphex(test_inb(f.t, P0 + 1), ==, IDE_ER_IDNF);
    lba48(&f, 1ull << 40, 1);
    cmd(&f, 0x24);
    g_assert_cmphex(test_inb(f.t, P0 + 1), ==, IDE_ER_IDNF);
    /* Count 0 is 65536 sectors: more than the disk. */
    lba48(&f, 0, 0);
    cmd(&f, 0x24);
    g_assert_cmphex(test_inb(f.t, P0 + 1), ==, IDE_ER_IDNF);
    /* LBA28 count 0 is 256 sectors. */
    lba28(&f, NSEC - 256, 0);
    cmd(&f, 0x20);
    for (int i = 0; i < 256; i++)
        pio_read_sector(&f, NSEC - 256 + i);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    lba28(&f, NSEC - 255, 0);
    cmd(&f, 0x20);
    g_assert_cmphex(test_inb(f.t, P0 + 1), ==, IDE_ER_IDNF);
    fx_free(&f);
}

static void pio_write_sector(struct fx *f, uint8_t fill)
{
    g_assert_cmphex(fx_alt(f, C0) & (IDE_ST_BSY | IDE_ST_DRQ), ==, IDE_ST_DRQ);
    for (int i = 0; i < 256; i++)
        test_out(f->t, P0, 2, (uint16_t)(fill | fill << 8));
}

static void test_pio_write(void)
{
    struct fx f;
    setup(&f, false);
    lba28(&f, 100, 3);
    cmd(&f, 0x30);
    g_assert_cmpint(f.t->irq.level[IRQ_P], ==, 0); /* none for the first block */
    for (int i = 0; i < 3; i++) {
        fx_wait(&f);
        if (i)
            g_assert_cmpint(f.t->irq.level[IRQ_P], ==, 1);
        fx_status(&f, P0);
        pio_write_sector(&f, (uint8_t)(0xa0 + i));
    }
    fx_wait(&f);
    g_assert_cmpint(f.t->irq.level[IRQ_P], ==, 1);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    uint8_t b[3 * 512];
    g_assert_cmpint(blk_pread(disk, 100 * 512, b, sizeof(b)), ==, 0);
    for (int i = 0; i < 3 * 512; i++)
        g_assert_cmphex(b[i], ==, 0xa0 + i / 512);
    g_assert_cmpint(blk_pread(disk, 103 * 512, b, 512), ==, 0);
    check_sector(b, 103);
    fx_free(&f);
}

static void test_multiple(void)
{
    struct fx f;
    setup(&f, false);
    /* Not enabled yet: READ MULTIPLE aborts. */
    lba28(&f, 0, 10);
    cmd(&f, 0xc4);
    g_assert_cmphex(test_inb(f.t, P0 + 1), ==, IDE_ER_ABRT);
    /* Only powers of two up to 16. */
    static const uint8_t bad[] = { 3, 6, 32, 17 };
    for (size_t i = 0; i < sizeof(bad); i++) {
        test_outb(f.t, P0 + 2, bad[i]);
        cmd(&f, 0xc6);
        g_assert_cmphex(test_inb(f.t, P0 + 1), ==, IDE_ER_ABRT);
    }
    test_outb(f.t, P0 + 2, 4);
    cmd(&f, 0xc6);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    uint16_t w[256];
    identify(&f, w);
    g_assert_cmphex(w[59], ==, 0x0104);
    /* 10 sectors in blocks of 4, 4, 2, an interrupt for each. */
    lba28(&f, 20, 10);
    cmd(&f, 0xc4);
    int raises = f.t->irq.raises[IRQ_P];
    for (int blkno = 0; blkno < 3; blkno++) {
        fx_wait(&f);
        fx_status(&f, P0);
        int n = blkno < 2 ? 4 : 2;
        for (int i = 0; i < n; i++)
            pio_read_sector(&f, 20 + blkno * 4 + i);
        if (blkno < 2)
            g_assert_cmphex(fx_alt(&f, C0) & IDE_ST_DRQ, ==, IDE_ST_DRQ);
    }
    g_assert_cmpint(f.t->irq.raises[IRQ_P] - raises, ==, 3);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    /* WRITE MULTIPLE EXT: 5 sectors in blocks of 4 and 1. */
    lba48(&f, 300, 5);
    cmd(&f, 0x39);
    for (int i = 0; i < 5; i++) {
        fx_wait(&f);
        pio_write_sector(&f, (uint8_t)(0x10 + i));
    }
    fx_wait(&f);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    uint8_t b[512];
    g_assert_cmpint(blk_pread(disk, 304 * 512, b, 512), ==, 0);
    g_assert_cmphex(b[0], ==, 0x14);
    /* 0 disables it again. */
    test_outb(f.t, P0 + 2, 0);
    cmd(&f, 0xc6);
    lba28(&f, 0, 1);
    cmd(&f, 0xc5);
    g_assert_cmphex(test_inb(f.t, P0 + 1), ==, IDE_ER_ABRT);
    fx_free(&f);
}

static void test_readonly(void)
{
    struct fx f;
    setup(&f, true);
    lba28(&f, 0, 1);
    cmd(&f, 0x30);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_ERR);
    g_assert_cmphex(test_inb(f.t, P0 + 1), ==, IDE_ER_ABRT);
    cmd(&f, 0xca);
    g_assert_cmphex(test_inb(f.t, P0 + 1), ==, IDE_ER_ABRT);
    /* Reads still work. */
    cmd(&f, 0x20);
    pio_read_sector(&f, 0);
    fx_free(&f);
}

/* A backend write error (EFBIG past RLIMIT_FSIZE): ERR with ABRT and the
 * failing sector in the task file, for PIO and DMA. */
static void test_write_error(void)
{
    struct fx f;
    setup(&f, false);
    struct rlimit old, lim;
    g_assert_cmpint(getrlimit(RLIMIT_FSIZE, &old), ==, 0);
    lim = old;
    lim.rlim_cur = 512 * 1024;
    signal(SIGXFSZ, SIG_IGN);
    g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &lim), ==, 0);
    lba28(&f, 1500, 1);
    cmd(&f, 0x30);
    pio_write_sector(&f, 0x77);
    fx_wait(&f);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_ERR);
    g_assert_cmphex(test_inb(f.t, P0 + 1), ==, IDE_ER_ABRT);
    g_assert_cmpuint(test_inb(f.t, P0 + 3) | test_inb(f.t, P0 + 4) << 8, ==, 1500);
    fx_prd(&f, 0x1000, 0x100000, 512, true);
    fx_bm_setup(&f, 0, 0x1000, false);
    lba28(&f, 1600, 1);
    cmd(&f, 0xca);
    fx_bm_start(&f, 0, false);
    fx_wait(&f);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_ERR);
    g_assert_cmphex(test_inb(f.t, P0 + 1), ==, IDE_ER_ABRT);
    g_assert_cmphex(fx_bm_status(&f, 0) & (BM_ST_ERROR | BM_ST_INTR), ==, BM_ST_INTR);
    g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &old), ==, 0);
    fx_free(&f);
}

static void test_misc_commands(void)
{
    struct fx f;
    setup(&f, false);
    uint16_t w[256];
    /* VERIFY: no data phase, an interrupt at the end. */
    lba28(&f, 10, 200);
    cmd(&f, 0x40);
    fx_wait(&f);
    g_assert_cmpint(f.t->irq.level[IRQ_P], ==, 1);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    lba28(&f, NSEC, 1);
    cmd(&f, 0x40);
    g_assert_cmphex(test_inb(f.t, P0 + 1), ==, IDE_ER_IDNF);
    lba48(&f, 5, 3);
    cmd(&f, 0x42);
    fx_wait(&f);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    /* FLUSH CACHE (EXT). */
    cmd(&f, 0xe7);
    fx_wait(&f);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    cmd(&f, 0xea);
    fx_wait(&f);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    /* SET FEATURES: write cache off and on reach the backend. */
    test_outb(f.t, P0 + 1, 0x82);
    cmd(&f, 0xef);
    g_assert_false(blk_write_cache(disk));
    identify(&f, w);
    g_assert_cmphex(w[85] & 0x20, ==, 0);
    test_outb(f.t, P0 + 1, 0x02);
    cmd(&f, 0xef);
    g_assert_true(blk_write_cache(disk));
    /* Transfer modes: UDMA 5, MW DMA 2, bad ones. */
    test_outb(f.t, P0 + 1, 0x03);
    test_outb(f.t, P0 + 2, 0x45);
    cmd(&f, 0xef);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    identify(&f, w);
    g_assert_cmphex(w[88], ==, 0x203f);
    g_assert_cmphex(w[63], ==, 0x0007);
    test_outb(f.t, P0 + 1, 0x03);
    test_outb(f.t, P0 + 2, 0x22);
    cmd(&f, 0xef);
    identify(&f, w);
    g_assert_cmphex(w[63], ==, 0x0407);
    g_assert_cmphex(w[88], ==, 0x003f);
    test_outb(f.t, P0 + 1, 0x03);
    test_outb(f.t, P0 + 2, 0x46); /* UDMA 6 */
    cmd(&f, 0xef);
    g_assert_cmphex(test_inb(f.t, P0 + 1), ==, IDE_ER_ABRT);
    test_outb(f.t, P0 + 1, 0x66);
    cmd(&f, 0xef);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    test_outb(f.t, P0 + 1, 0x99);
    cmd(&f, 0xef);
    g_assert_cmphex(test_inb(f.t, P0 + 1), ==, IDE_ER_ABRT);
    /* Power: always active. */
    cmd(&f, 0xe0);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    cmd(&f, 0xe5);
    g_assert_cmphex(test_inb(f.t, P0 + 2), ==, 0xff);
    cmd(&f, 0xe3);
    cmd(&f, 0xe1);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    /* SEEK and RECALIBRATE. */
    lba28(&f, 1000, 0);
    cmd(&f, 0x70);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    lba28(&f, NSEC, 0);
    cmd(&f, 0x70);
    g_assert_cmphex(test_inb(f.t, P0 + 1), ==, IDE_ER_IDNF);
    cmd(&f, 0x1f);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    /* NOP, DEVICE RESET (ATAPI only), an unknown command: abort. */
    static const uint8_t aborts[] = { 0x00, 0x08, 0xa0, 0xb0, 0xf8, 0x27, 0xff };
    for (size_t i = 0; i < sizeof(aborts); i++) {
        cmd(&f, aborts[i]);
        g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_ERR);
        g_assert_cmphex(test_inb(f.t, P0 + 1), ==, IDE_ER_ABRT);
    }
    fx_free(&f);
}

/* ---- bus master DMA ---- */

#define TABLE 0x1000
#define BUF 0x100000

static void dma_cmd(struct fx *f, uint8_t c, uint32_t lba, uint8_t count)
{
    lba28(f, lba, count);
    cmd(f, c);
}

static void test_dma_read_write(void)
{
    struct fx f;
    setup(&f, false);
    /* Read 8 sectors into two regions of 1 KiB and 3 KiB. */
    fx_prd(&f, TABLE, BUF, 1024, false);
    fx_prd(&f, TABLE + 8, BUF + 0x10000, 3072, true);
    fx_bm_setup(&f, 0, TABLE, true);
    dma_cmd(&f, 0xc8, 50, 8);
    g_assert_cmphex(fx_alt(&f, C0) & IDE_ST_DRQ, ==, IDE_ST_DRQ);
    fx_bm_start(&f, 0, true);
    g_assert_cmphex(fx_bm_status(&f, 0) & BM_ST_ACTIVE, ==, BM_ST_ACTIVE);
    fx_wait(&f);
    /* Exactly the table's size: Active cleared, Interrupt set. */
    g_assert_cmphex(fx_bm_status(&f, 0), ==, BM_ST_INTR);
    g_assert_cmpint(f.t->irq.level[IRQ_P], ==, 1);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    fx_bm_stop(&f, 0);
    check_sector(f.t->ram + BUF, 50);
    check_sector(f.t->ram + BUF + 512, 51);
    for (int i = 0; i < 6; i++)
        check_sector(f.t->ram + BUF + 0x10000 + 512 * i, 52 + i);
    /* Write 2 sectors back elsewhere (LBA48 command). */
    memset(f.t->ram + BUF, 0x5a, 1024);
    fx_prd(&f, TABLE, BUF, 1024, true);
    fx_bm_setup(&f, 0, TABLE, false);
    lba48(&f, 400, 2);
    cmd(&f, 0x35);
    fx_bm_start(&f, 0, false);
    fx_wait(&f);
    g_assert_cmphex(fx_bm_status(&f, 0), ==, BM_ST_INTR);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    uint8_t b[1024];
    g_assert_cmpint(blk_pread(disk, 400 * 512, b, sizeof(b)), ==, 0);
    for (int i = 0; i < 1024; i++)
        g_assert_cmphex(b[i], ==, 0x5a);
    /* W1C: writing Interrupt clears it; DMA-capable bits stick. */
    test_outb(f.t, BM_BASE + BM_STATUS, BM_ST_INTR | BM_ST_DMA0 | BM_ST_SIMPLEX);
    g_assert_cmphex(fx_bm_status(&f, 0), ==, BM_ST_DMA0);
    /* The PRD pointer keeps bits 31:2. */
    test_out(f.t, BM_BASE + BM_PRD, 4, 0x12345677);
    g_assert_cmphex(test_in(f.t, BM_BASE + BM_PRD, 4), ==, 0x12345674);
    fx_free(&f);
}

static void test_dma_prd_larger(void)
{
    struct fx f;
    setup(&f, false);
    fx_prd(&f, TABLE, BUF, 0x2000, true); /* 16 sectors of room for 4 */
    fx_bm_setup(&f, 0, TABLE, true);
    dma_cmd(&f, 0xc8, 0, 4);
    fx_bm_start(&f, 0, true);
    fx_wait(&f);
    g_assert_cmphex(fx_bm_status(&f, 0), ==, BM_ST_INTR | BM_ST_ACTIVE);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    check_sector(f.t->ram + BUF + 3 * 512, 3);
    fx_bm_stop(&f, 0);
    g_assert_cmphex(fx_bm_status(&f, 0), ==, BM_ST_INTR);
    fx_free(&f);
}

static void test_dma_prd_shorter(void)
{
    struct fx f;
    setup(&f, false);
    fx_prd(&f, TABLE, BUF, 1024, true); /* room for 2 of 4 sectors */
    fx_bm_setup(&f, 0, TABLE, true);
    dma_cmd(&f, 0xc8, 10, 4);
    fx_bm_start(&f, 0, true);
    fx_wait(&f);
    /* Table exhausted first: Active cleared, no interrupt, device waits. */
    g_assert_cmphex(fx_bm_status(&f, 0), ==, 0);
    g_assert_cmpint(f.t->irq.level[IRQ_P], ==, 0);
    g_assert_cmphex(fx_alt(&f, C0) & IDE_ST_DRQ, ==, IDE_ST_DRQ);
    check_sector(f.t->ram + BUF + 512, 11);
    /* A new table for the rest finishes the command. */
    fx_bm_stop(&f, 0);
    fx_prd(&f, TABLE, BUF + 0x4000, 1024, true);
    fx_bm_start(&f, 0, true);
    fx_wait(&f);
    g_assert_cmphex(fx_bm_status(&f, 0), ==, BM_ST_INTR);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    check_sector(f.t->ram + BUF + 0x4000, 12);
    check_sector(f.t->ram + BUF + 0x4200, 13);
    fx_free(&f);
}

/* More PRD entries than one block request carries (IDE_DMA_MAX_IOV): 300
 * one-sector pieces, each in its own KiB, so none merge.  The transfer
 * goes out as several requests and lands whole, both ways. */
static void test_dma_many_pieces(void)
{
    enum { N = 300 };
    G_STATIC_ASSERT(N > IDE_DMA_MAX_IOV);
    struct fx f;
    setup(&f, false);
    for (unsigned i = 0; i < N; i++)
        fx_prd(&f, TABLE + 8 * i, BUF + 1024 * i, 512, i == N - 1);
    fx_bm_setup(&f, 0, TABLE, true);
    lba48(&f, 1000, N);
    cmd(&f, 0x25); /* READ DMA EXT */
    fx_bm_start(&f, 0, true);
    fx_wait(&f);
    g_assert_cmphex(fx_bm_status(&f, 0), ==, BM_ST_INTR);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    fx_bm_stop(&f, 0);
    for (unsigned i = 0; i < N; i++)
        check_sector(f.t->ram + BUF + 1024 * i, 1000 + i);
    /* Write them back 1000 sectors further on. */
    fx_bm_setup(&f, 0, TABLE, false);
    lba48(&f, 0, N);
    cmd(&f, 0x35); /* WRITE DMA EXT */
    fx_bm_start(&f, 0, false);
    fx_wait(&f);
    g_assert_cmphex(fx_bm_status(&f, 0), ==, BM_ST_INTR);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    fx_bm_stop(&f, 0);
    uint8_t b[512];
    for (unsigned i = 0; i < N; i++) {
        g_assert_cmpint(blk_pread(disk, (uint64_t)i * 512, b, sizeof(b)), ==, 0);
        check_sector(b, 1000 + i);
    }
    fx_free(&f);
}

static void test_dma_zero_count_and_odd_pieces(void)
{
    struct fx f;
    setup(&f, false);
    /* Count 0 means 64 KiB: 128 sectors in one entry. */
    fx_prd(&f, TABLE, BUF, 0, true);
    fx_bm_setup(&f, 0, TABLE, true);
    dma_cmd(&f, 0xc8, 1000, 128);
    fx_bm_start(&f, 0, true);
    fx_wait(&f);
    g_assert_cmphex(fx_bm_status(&f, 0), ==, BM_ST_INTR);
    check_sector(f.t->ram + BUF + 127 * 512, 1127);
    fx_bm_stop(&f, 0);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC); /* clears INTRQ */
    /* Pieces that split sectors: 100 + 700 + 224 bytes (2 sectors), with
     * an odd count whose bit 0 the hardware ignores (101 -> 100). */
    memset(f.t->ram + BUF, 0, 0x30000);
    fx_prd(&f, TABLE, BUF, 101, false);
    fx_prd(&f, TABLE + 8, BUF + 0x8000, 700, false);
    fx_prd(&f, TABLE + 16, BUF + 0x20000, 224, true);
    fx_bm_setup(&f, 0, TABLE, true);
    dma_cmd(&f, 0xc8, 7, 2);
    fx_bm_start(&f, 0, true);
    for (int i = 0; i < 4; i++)
        fx_wait(&f);
    g_assert_cmphex(fx_bm_status(&f, 0), ==, BM_ST_INTR);
    uint8_t b[1024];
    memcpy(b, f.t->ram + BUF, 100);
    memcpy(b + 100, f.t->ram + BUF + 0x8000, 700);
    memcpy(b + 800, f.t->ram + BUF + 0x20000, 224);
    check_sector(b, 7);
    check_sector(b + 512, 8);
    g_assert_cmphex(f.t->ram[BUF + 100], ==, 0);
    fx_free(&f);
}

static void test_dma_64k_wrap(void)
{
    struct fx f;
    setup(&f, false);
    /* A table starting 8 bytes below a 64 KiB boundary continues at the
     * start of the same 64 KiB page (the incrementer stops at bit 15). */
    uint32_t table = 0x2fff8;
    fx_prd(&f, table, BUF + 0x8000, 512, false);
    fx_prd(&f, 0x30000, 0x3f0000, 512, true); /* what a carry would read */
    /* A region crossing 64 KiB wraps too: 0x10ff00 + 512 -> 0x100000. */
    fx_prd(&f, 0x20000, BUF + 0xff00, 512, true);
    memset(f.t->ram + BUF, 0, 0x20000);
    fx_bm_setup(&f, 0, table, true);
    dma_cmd(&f, 0xc8, 30, 2);
    fx_bm_start(&f, 0, true);
    fx_wait(&f);
    g_assert_cmphex(fx_bm_status(&f, 0), ==, BM_ST_INTR);
    check_sector(f.t->ram + BUF + 0x8000, 30);
    uint8_t b[512];
    memcpy(b, f.t->ram + BUF + 0xff00, 256);
    memcpy(b + 256, f.t->ram + BUF, 256);
    check_sector(b, 31);
    g_assert_cmphex(f.t->ram[BUF + 0x10000], ==, 0);
    fx_free(&f);
}

static void test_dma_master_abort(void)
{
    struct fx f;
    setup(&f, false);
    /* A region outside RAM. */
    fx_prd(&f, TABLE, 0xe0000000, 512, true);
    fx_bm_setup(&f, 0, TABLE, true);
    dma_cmd(&f, 0xc8, 0, 1);
    fx_bm_start(&f, 0, true);
    fx_wait(&f);
    g_assert_cmphex(fx_bm_status(&f, 0), ==, BM_ST_ERROR | BM_ST_INTR);
    g_assert_cmphex(fx_cfg_read(&f, PCI_STATUS, 2) & PCI_STATUS_REC_MASTER_ABORT, ==,
                    PCI_STATUS_REC_MASTER_ABORT);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_ERR);
    g_assert_cmphex(test_inb(f.t, P0 + 1), ==, IDE_ER_ABRT);
    fx_cfg(&f, PCI_STATUS, PCI_STATUS_REC_MASTER_ABORT, 2);
    g_assert_cmphex(fx_cfg_read(&f, PCI_STATUS, 2) & PCI_STATUS_REC_MASTER_ABORT, ==, 0);
    /* A table outside RAM. */
    fx_bm_stop(&f, 0);
    fx_bm_setup(&f, 0, 0xf0000000, false);
    dma_cmd(&f, 0xca, 0, 1);
    fx_bm_start(&f, 0, false);
    fx_wait(&f);
    g_assert_cmphex(fx_bm_status(&f, 0), ==, BM_ST_ERROR | BM_ST_INTR);
    g_assert_cmphex(test_inb(f.t, P0 + 1), ==, IDE_ER_ABRT);
    fx_free(&f);
}

static void test_dma_needs_bus_master(void)
{
    struct fx f;
    setup(&f, false);
    fx_cfg(&f, PCI_COMMAND, PCI_COMMAND_IO, 2);
    fx_prd(&f, TABLE, BUF, 512, true);
    memset(f.t->ram + BUF, 0, 512);
    fx_bm_setup(&f, 0, TABLE, true);
    dma_cmd(&f, 0xc8, 3, 1);
    fx_bm_start(&f, 0, true);
    fx_wait(&f);
    g_assert_cmphex(f.t->ram[BUF], ==, 0);
    g_assert_cmphex(fx_alt(&f, C0) & IDE_ST_DRQ, ==, IDE_ST_DRQ);
    /* Enabling bus mastering lets it go on. */
    fx_cfg(&f, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MASTER, 2);
    fx_wait(&f);
    check_sector(f.t->ram + BUF, 3);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    fx_free(&f);
}

/* ---- reset with I/O in flight, state ---- */

static void test_reset_in_flight(void)
{
    struct fx f;
    setup(&f, false);
    lba28(&f, 0, 8);
    cmd(&f, 0x20);
    /* SRST while the read is in flight: its completion is ignored. */
    test_outb(f.t, C0, IDE_CTL_SRST);
    test_outb(f.t, C0, 0);
    fx_wait(&f);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    g_assert_cmpint(f.t->irq.level[IRQ_P], ==, 0);
    g_assert_cmphex(test_in(f.t, P0, 2), ==, 0xffff);
    /* A DMA read, then a machine reset before it completes. */
    fx_prd(&f, TABLE, BUF, 4096, true);
    fx_bm_setup(&f, 0, TABLE, true);
    dma_cmd(&f, 0xc8, 0, 8);
    fx_bm_start(&f, 0, true);
    piix_ide_class.reset(f.s, RESET_WARM);
    piix_ide_class.settle(f.s);
    fx_wait(&f);
    g_assert_cmphex(fx_bm_status(&f, 0), ==, 0xff); /* BAR4 unmapped by the reset */
    fx_firmware(&f);
    g_assert_cmphex(fx_bm_status(&f, 0), ==, 0);
    g_assert_cmphex(fx_status(&f, P0), ==, IDE_ST_DRDY | IDE_ST_DSC);
    g_assert_cmpint(f.t->irq.level[IRQ_P], ==, 0);
    fx_free(&f);
}

/* Overwrite a saved big-endian property of any width in place. */
static void patch_prop(void *blob, const char *name, uint32_t v)
{
    int node = fdt_subnode_offset(blob, 0, "dev");
    int len = 0;
    g_assert_nonnull(fdt_getprop(blob, node, name, &len));
    uint8_t b[4];
    g_assert_cmpint(len, <=, 4);
    for (int i = 0; i < len; i++)
        b[i] = (uint8_t)(v >> (8 * (len - 1 - i)));
    g_assert_cmpint(fdt_setprop_inplace(blob, node, name, b, len), ==, 0);
}

static void fresh_like(struct fx *f, struct fx *g)
{
    fx_init_raw(g);
    g_assert_cmpint(ide_attach_disk(&g->s->bus[0], 0, f->blks[0], NULL), ==, 0);
    fx_power_on(g);
}

static void test_state(void)
{
    struct fx f, g;
    setup(&f, false);
    test_dev_reset_idempotent(&piix_ide_class, f.s);
    fx_power_on(&f);
    fx_firmware(&f);
    /* Halfway through a PIO read: 2 sectors, 100 words of the first read. */
    lba28(&f, 9, 2);
    cmd(&f, 0x20);
    fx_wait(&f);
    for (int i = 0; i < 100; i++)
        test_in(f.t, P0, 2);
    fresh_like(&f, &g);
    test_dev_roundtrip(&piix_ide_class, f.s, g.s);
    piix_ide_class.settle(g.s);
    /* The copy goes on where the original was. */
    uint8_t b[512];
    for (int i = 0; i < 100; i++)
        st16(b + 2 * i, f.s->bus[0].dev[0].buf[2 * i] | f.s->bus[0].dev[0].buf[2 * i + 1] << 8);
    for (int i = 100; i < 256; i++)
        st16(b + 2 * i, (uint16_t)test_in(g.t, P0, 2));
    check_sector(b, 9);
    pio_read_sector(&g, 10);
    /* Out-of-range values are rejected. */
    static const struct {
        const char *name;
        uint32_t v;
    } bad[] = { { "b0.d0.data_pos", 70000 }, { "b0.d0.op", 200 },  { "b0.d0.mult", 3 },
                { "b0.unit", 2 },            { "b0.d0.chunk", 40000 }, { "b0.d0.cur_heads", 17 },
                { "b0.d0.data_end", 70000 }, { "b0.bm_off", 0x10001 } };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        size_t n;
        void *blob = test_dev_save(&piix_ide_class, f.s, &n);
        patch_prop(blob, bad[i].name, bad[i].v);
        char err[200];
        g_assert_cmpint(test_dev_load(&piix_ide_class, g.s, blob, n, err, sizeof(err)), ==, -1);
        if (!strstr(err, strrchr(bad[i].name, '.') + 1))
            g_error("%s: %s", bad[i].name, err);
        g_free(blob);
    }
    fx_free(&g); /* g borrowed f's image: f closes it */
    fx_free(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ide/identify", test_identify);
    g_test_add_func("/ide/probe-and-reset", test_probe_and_reset);
    g_test_add_func("/ide/decode-enable", test_decode_enable);
    g_test_add_func("/ide/pio-read", test_pio_read);
    g_test_add_func("/ide/chs-and-specify", test_pio_read_chs_and_specify);
    g_test_add_func("/ide/lba48", test_lba48);
    g_test_add_func("/ide/pio-write", test_pio_write);
    g_test_add_func("/ide/multiple", test_multiple);
    g_test_add_func("/ide/readonly", test_readonly);
    g_test_add_func("/ide/misc-commands", test_misc_commands);
    g_test_add_func("/ide/write-error", test_write_error);
    g_test_add_func("/ide/dma/read-write", test_dma_read_write);
    g_test_add_func("/ide/dma/prd-larger", test_dma_prd_larger);
    g_test_add_func("/ide/dma/prd-shorter", test_dma_prd_shorter);
    g_test_add_func("/ide/dma/many-pieces", test_dma_many_pieces);
    g_test_add_func("/ide/dma/zero-count-odd-pieces", test_dma_zero_count_and_odd_pieces);
    g_test_add_func("/ide/dma/64k-wrap", test_dma_64k_wrap);
    g_test_add_func("/ide/dma/master-abort", test_dma_master_abort);
    g_test_add_func("/ide/dma/bus-master-enable", test_dma_needs_bus_master);
    g_test_add_func("/ide/reset-in-flight", test_reset_in_flight);
    g_test_add_func("/ide/state", test_state);
    return g_test_run();
}
