/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the ATAPI CD-ROM: the PACKET protocol by PIO (as
 * SeaBIOS drives it: byte count limit 2048, nIEN) and by BMDMA (as Linux
 * sr does), every MMC/SPC command hvemu answers, errors and sense data, and
 * the media-change sequence, on real ISO-like image files. */
#include "tests/unit/ide_fixture.h"

#define ISO_SECTORS 64
#define TABLE 0x1000
#define BUF 0x100000

struct cd {
    struct fx f;
    struct blk *iso;
    char *iso2;
    int trays[8];
    int ntrays;
};

static void tray_cb(void *opaque, struct ide_bus *bus, int unit, bool open)
{
    struct cd *c = opaque;
    g_assert(c->ntrays < 8);
    c->trays[c->ntrays++] = open;
}

/* CD-ROM at ide1 master, disc optional. */
static void setup(struct cd *c, bool disc)
{
    memset(c, 0, sizeof(*c));
    fx_init_raw(&c->f);
    char *p = fx_image(&c->f, "cd.iso", ISO_SECTORS * 2048, true);
    c->iso = fx_open(&c->f, p, true);
    g_free(p);
    c->iso2 = fx_image(&c->f, "cd2.iso", 8 * 2048, true);
    g_assert_cmpint(ide_attach_cd(&c->f.s->bus[1], 0, disc ? c->iso : NULL, NULL), ==, 0);
    ide_bus_set_tray_cb(&c->f.s->bus[1], tray_cb, c);
    fx_power_on(&c->f);
    fx_firmware(&c->f);
}

static void teardown(struct cd *c)
{
    g_free(c->iso2);
    fx_free(&c->f);
}

static uint8_t st(struct cd *c)
{
    return fx_status(&c->f, P1);
}

/* Issue PACKET with the CDB; returns the status after the packet. */
static uint8_t packet(struct cd *c, const uint8_t *cdb, uint16_t limit, bool dma)
{
    struct test_env *t = c->f.t;
    test_outb(t, P1 + 1, dma ? 1 : 0);
    test_outb(t, P1 + 4, (uint8_t)limit);
    test_outb(t, P1 + 5, (uint8_t)(limit >> 8));
    test_outb(t, P1 + 6, 0xa0);
    test_outb(t, P1 + 7, 0xa0);
    g_assert_cmphex(fx_alt(&c->f, C1) & (IDE_ST_BSY | IDE_ST_DRQ), ==, IDE_ST_DRQ);
    g_assert_cmphex(test_inb(t, P1 + 2) & 3, ==, ATAPI_IR_COD);
    for (int i = 0; i < 6; i++)
        test_out(t, P1, 2, (uint16_t)(cdb[2 * i] | cdb[2 * i + 1] << 8));
    fx_wait(&c->f);
    return fx_alt(&c->f, C1);
}

/* PIO data-in: read every DRQ block into buf; returns the bytes read and
 * checks the status phase at the end. */
static uint32_t pio_in(struct cd *c, uint8_t *buf, uint32_t max, uint16_t limit)
{
    struct test_env *t = c->f.t;
    uint32_t got = 0;
    for (;;) {
        fx_wait(&c->f);
        uint8_t s = st(c);
        if (!(s & IDE_ST_DRQ)) {
            g_assert_cmphex(test_inb(t, P1 + 2) & 3, ==, ATAPI_IR_IO | ATAPI_IR_COD);
            return got;
        }
        g_assert_cmphex(test_inb(t, P1 + 2) & 3, ==, ATAPI_IR_IO);
        uint32_t n = test_inb(t, P1 + 4) | test_inb(t, P1 + 5) << 8;
        g_assert_cmpuint(n, >, 0);
        g_assert_cmpuint(n, <=, limit ? limit : 0xfffe);
        for (uint32_t i = 0; i < n; i += 2) {
            uint16_t w = (uint16_t)test_in(t, P1, 2);
            if (got + i < max)
                buf[got + i] = (uint8_t)w;
            if (got + i + 1 < max && i + 1 < n)
                buf[got + i + 1] = (uint8_t)(w >> 8);
        }
        got += n;
    }
}

static uint32_t cmd_in(struct cd *c, const uint8_t *cdb, uint8_t *buf, uint32_t max)
{
    uint8_t s = packet(c, cdb, 2048, false);
    g_assert_cmphex(s & IDE_ST_ERR, ==, 0);
    return pio_in(c, buf, max, 2048);
}

/* A command that must fail: returns key/asc/ascq from REQUEST SENSE. */
static uint32_t sense_after(struct cd *c, const uint8_t *cdb)
{
    uint8_t s = packet(c, cdb, 2048, false);
    g_assert_cmphex(s & (IDE_ST_ERR | IDE_ST_DRQ), ==, IDE_ST_ERR);
    uint8_t err = test_inb(c->f.t, P1 + 1);
    g_assert_cmphex(test_inb(c->f.t, P1 + 2) & 3, ==, 3);
    st(c);
    static const uint8_t rs[12] = { 0x03, 0, 0, 0, 18 };
    uint8_t b[18];
    g_assert_cmpuint(cmd_in(c, rs, b, 18), ==, 18);
    g_assert_cmphex(b[0], ==, 0x70);
    g_assert_cmphex(err >> 4, ==, b[2] & 0xf);
    return (uint32_t)b[2] << 16 | b[12] << 8 | b[13];
}

static void ok_cmd(struct cd *c, const uint8_t *cdb)
{
    uint8_t s = packet(c, cdb, 2048, false);
    g_assert_cmphex(s, ==, IDE_ST_DRDY | IDE_ST_DSC);
    g_assert_cmphex(test_inb(c->f.t, P1 + 2) & 3, ==, 3);
    if (!(c->f.s->bus[1].ctl & IDE_CTL_NIEN))
        g_assert_cmpint(c->f.t->irq.level[IRQ_S], ==, 1);
    st(c);
}

static void check_cd_sector(const uint8_t *b, uint32_t lba)
{
    for (unsigned i = 0; i < 2048; i++)
        if (b[i] != pattern((uint64_t)lba * 2048 + i))
            g_error("CD sector %u byte %u: %02x", lba, i, b[i]);
}

static void test_identify_and_signature(void)
{
    struct cd c;
    setup(&c, true);
    struct test_env *t = c.f.t;
    test_outb(t, P1 + 6, 0xa0);
    g_assert_cmphex(test_inb(t, P1 + 4), ==, 0x14);
    g_assert_cmphex(test_inb(t, P1 + 5), ==, 0xeb);
    g_assert_cmphex(st(&c), ==, 0); /* ATAPI: DRDY clear until identified */
    /* IDENTIFY DEVICE aborts and leaves the signature. */
    test_outb(t, P1 + 4, 0);
    test_outb(t, P1 + 7, 0xec);
    g_assert_cmphex(st(&c) & IDE_ST_ERR, ==, IDE_ST_ERR);
    g_assert_cmphex(test_inb(t, P1 + 4), ==, 0x14);
    g_assert_cmphex(test_inb(t, P1 + 5), ==, 0xeb);
    test_outb(t, P1 + 7, 0xa1);
    g_assert_cmphex(st(&c), ==, IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ);
    uint16_t w[256];
    for (int i = 0; i < 256; i++)
        w[i] = (uint16_t)test_in(t, P1, 2);
    g_assert_cmphex(w[0], ==, 0x85c0);
    g_assert_cmphex((w[0] >> 8) & 0x1f, ==, 5); /* SeaBIOS: CD-ROM */
    g_assert_cmphex(w[49] & 0x0300, ==, 0x0300);
    g_assert_cmphex(w[255] & 0xff, ==, 0xa5);
    char model[41];
    for (int i = 0; i < 20; i++) {
        model[2 * i] = (char)(w[27 + i] >> 8);
        model[2 * i + 1] = (char)w[27 + i];
    }
    model[40] = 0;
    g_assert_true(g_str_has_prefix(model, "HVEMU DVD-ROM"));
    /* DEVICE RESET: signature again, no interrupt. */
    st(&c);
    test_outb(t, P1 + 7, 0x08);
    g_assert_cmphex(fx_alt(&c.f, C1), ==, 0);
    g_assert_cmphex(test_inb(t, P1 + 5), ==, 0xeb);
    g_assert_cmpint(t->irq.level[IRQ_S], ==, 0);
    /* READ SECTOR(S) aborts on ATAPI. */
    test_outb(t, P1 + 7, 0x20);
    g_assert_cmphex(test_inb(t, P1 + 1), ==, IDE_ER_ABRT);
    teardown(&c);
}

static void test_seabios_boot_path(void)
{
    struct cd c;
    setup(&c, true);
    test_outb(c.f.t, C1, IDE_CTL_NIEN);
    static const uint8_t tur[12] = { 0x00 };
    ok_cmd(&c, tur);
    uint8_t b[4096];
    static const uint8_t inq[12] = { 0x12, 0, 0, 0, 96 };
    g_assert_cmpuint(cmd_in(&c, inq, b, sizeof(b)), ==, 36);
    g_assert_cmphex(b[0], ==, 0x05);
    g_assert_cmphex(b[1], ==, 0x80);
    g_assert_cmpmem(b + 8, 8, "HVEMU   ", 8);
    /* Allocation length cuts the reply. */
    static const uint8_t inq5[12] = { 0x12, 0, 0, 0, 5 };
    g_assert_cmpuint(cmd_in(&c, inq5, b, sizeof(b)), ==, 5);
    static const uint8_t cap[12] = { 0x25 };
    g_assert_cmpuint(cmd_in(&c, cap, b, sizeof(b)), ==, 8);
    g_assert_cmpuint((uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3], ==, ISO_SECTORS - 1);
    g_assert_cmpuint((uint32_t)b[4] << 24 | b[5] << 16 | b[6] << 8 | b[7], ==, 2048);
    /* READ(10) of 2 sectors from 17 (the El Torito boot record volume). */
    static const uint8_t rd[12] = { 0x28, 0, 0, 0, 0, 17, 0, 0, 2 };
    g_assert_cmpuint(cmd_in(&c, rd, b, sizeof(b)), ==, 4096);
    check_cd_sector(b, 17);
    check_cd_sector(b + 2048, 18);
    /* No interrupt was seen with nIEN set. */
    g_assert_cmpint(c.f.t->irq.raises[IRQ_S], ==, 0);
    /* With no sense pending REQUEST SENSE reports NO SENSE. */
    static const uint8_t rs[12] = { 0x03, 0, 0, 0, 18 };
    g_assert_cmpuint(cmd_in(&c, rs, b, 18), ==, 18);
    g_assert_cmphex(b[2], ==, 0);
    teardown(&c);
}

static void test_read_variants(void)
{
    struct cd c;
    setup(&c, true);
    static uint8_t b[40 * 2048];
    /* A byte count limit that is not a sector multiple (and odd): blocks
     * of 3000 -> 2998 bytes. */
    static const uint8_t rd[12] = { 0x28, 0, 0, 0, 0, 3, 0, 0, 3 };
    g_assert_cmphex(packet(&c, rd, 2999, false) & IDE_ST_ERR, ==, 0);
    g_assert_cmpuint(pio_in(&c, b, sizeof(b), 2999), ==, 3 * 2048);
    for (int i = 0; i < 3; i++)
        check_cd_sector(b + 2048 * i, 3 + i);
    /* Limit 0 and FFFFh: FFFEh. More than one buffer of sectors. */
    static const uint8_t rd12[12] = { 0xa8, 0, 0, 0, 0, 10, 0, 0, 0, 40 };
    g_assert_cmphex(packet(&c, rd12, 0, false) & IDE_ST_ERR, ==, 0);
    g_assert_cmpuint(pio_in(&c, b, sizeof(b), 0xfffe), ==, 40 * 2048);
    check_cd_sector(b + 39 * 2048, 49);
    /* READ CD, user data only, Mode 1 expected. */
    static const uint8_t rcd[12] = { 0xbe, 2 << 2, 0, 0, 0, 20, 0, 0, 2, 0x10 };
    g_assert_cmpuint(cmd_in(&c, rcd, b, sizeof(b)), ==, 4096);
    check_cd_sector(b + 2048, 21);
    /* READ CD with no fields: nothing to transfer. */
    static const uint8_t rcd0[12] = { 0xbe, 0, 0, 0, 0, 20, 0, 0, 2, 0x00 };
    ok_cmd(&c, rcd0);
    /* Raw sectors and CD-DA: ILLEGAL REQUEST. */
    static const uint8_t raw[12] = { 0xbe, 0, 0, 0, 0, 20, 0, 0, 1, 0xf8 };
    g_assert_cmphex(sense_after(&c, raw), ==, 0x052400);
    static const uint8_t cdda[12] = { 0xbe, 1 << 2, 0, 0, 0, 20, 0, 0, 1, 0x10 };
    g_assert_cmphex(sense_after(&c, cdda), ==, 0x056400);
    /* Out of range. */
    static const uint8_t far[12] = { 0x28, 0, 0, 0, 0, ISO_SECTORS - 1, 0, 0, 2 };
    g_assert_cmphex(sense_after(&c, far), ==, 0x052100);
    static const uint8_t huge[12] = { 0xa8, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    g_assert_cmphex(sense_after(&c, huge), ==, 0x052100);
    /* Zero length: nothing, good status. */
    static const uint8_t zero[12] = { 0x28, 0, 0, 0, 0, 5, 0, 0, 0 };
    ok_cmd(&c, zero);
    /* SEEK and SET CD SPEED. */
    static const uint8_t seek[12] = { 0x2b, 0, 0, 0, 0, 5 };
    ok_cmd(&c, seek);
    static const uint8_t seekbad[12] = { 0x2b, 0, 0, 0, 1, 0 };
    g_assert_cmphex(sense_after(&c, seekbad), ==, 0x052100);
    static const uint8_t speed[12] = { 0xbb, 0, 0xff, 0xff };
    ok_cmd(&c, speed);
    /* An unknown opcode. */
    static const uint8_t unk[12] = { 0xd8 };
    g_assert_cmphex(sense_after(&c, unk), ==, 0x052000);
    /* VPD pages are not there. */
    static const uint8_t vpd[12] = { 0x12, 1, 0x80, 0, 96 };
    g_assert_cmphex(sense_after(&c, vpd), ==, 0x052400);
    teardown(&c);
}

static void test_toc(void)
{
    struct cd c;
    setup(&c, true);
    uint8_t b[256];
    /* Format 0, LBA: track 1 at 0 and the lead-out at the end. */
    static const uint8_t toc[12] = { 0x43, 0, 0, 0, 0, 0, 0, 0, 200 };
    g_assert_cmpuint(cmd_in(&c, toc, b, sizeof(b)), ==, 20);
    g_assert_cmpuint(b[0] << 8 | b[1], ==, 18);
    g_assert_cmpuint(b[2], ==, 1);
    g_assert_cmpuint(b[3], ==, 1);
    g_assert_cmphex(b[5], ==, 0x14);
    g_assert_cmpuint(b[6], ==, 1);
    g_assert_cmpuint(b[14], ==, 0xaa);
    g_assert_cmpuint(b[19], ==, ISO_SECTORS);
    /* MSF: track 1 at 00:02:00, lead-out at (64 + 150) frames = 00:02:64. */
    static const uint8_t tocm[12] = { 0x43, 2, 0, 0, 0, 0, 0, 0, 200 };
    g_assert_cmpuint(cmd_in(&c, tocm, b, sizeof(b)), ==, 20);
    g_assert_cmpmem(b + 8, 4, "\0\0\2\0", 4);
    g_assert_cmpuint(b[17], ==, 0);
    g_assert_cmpuint(b[18], ==, 2);
    g_assert_cmpuint(b[19], ==, 64);
    /* Start at the lead-out only. */
    static const uint8_t tocaa[12] = { 0x43, 0, 0, 0, 0, 0, 0xaa, 0, 200 };
    g_assert_cmpuint(cmd_in(&c, tocaa, b, sizeof(b)), ==, 12);
    static const uint8_t toc2[12] = { 0x43, 0, 0, 0, 0, 0, 2, 0, 200 };
    g_assert_cmphex(sense_after(&c, toc2), ==, 0x052400);
    /* Format 1: session info; the old place of the format (byte 9). */
    static const uint8_t ses[12] = { 0x43, 0, 1, 0, 0, 0, 0, 0, 200 };
    g_assert_cmpuint(cmd_in(&c, ses, b, sizeof(b)), ==, 12);
    g_assert_cmpuint(b[0] << 8 | b[1], ==, 10);
    static const uint8_t ses_old[12] = { 0x43, 0, 0, 0, 0, 0, 0, 0, 200, 0x40 };
    g_assert_cmpuint(cmd_in(&c, ses_old, b, sizeof(b)), ==, 12);
    /* Format 2: A0, A1, A2 and track 1. */
    static const uint8_t full[12] = { 0x43, 0, 2, 0, 0, 0, 0, 0, 200 };
    g_assert_cmpuint(cmd_in(&c, full, b, sizeof(b)), ==, 4 + 4 * 11);
    g_assert_cmphex(b[4 + 3], ==, 0xa0);
    g_assert_cmphex(b[4 + 11 + 3], ==, 0xa1);
    g_assert_cmphex(b[4 + 22 + 3], ==, 0xa2);
    g_assert_cmpuint(b[4 + 22 + 10], ==, 64);
    g_assert_cmphex(b[4 + 33 + 3], ==, 1);
    static const uint8_t f5[12] = { 0x43, 0, 5, 0, 0, 0, 0, 0, 200 };
    g_assert_cmphex(sense_after(&c, f5), ==, 0x052400);
    /* The allocation length cuts. */
    static const uint8_t toc4[12] = { 0x43, 0, 0, 0, 0, 0, 0, 0, 4 };
    g_assert_cmpuint(cmd_in(&c, toc4, b, sizeof(b)), ==, 4);
    teardown(&c);
}

static void test_config_and_mode(void)
{
    struct cd c;
    setup(&c, true);
    uint8_t b[512];
    static const uint8_t gc[12] = { 0x46, 0, 0, 0, 0, 0, 0, 1, 0 };
    uint32_t n = cmd_in(&c, gc, b, sizeof(b));
    g_assert_cmpuint(n, ==, 8 + 12 + 12 + 8 + 8);
    g_assert_cmpuint((uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3], ==, n - 4);
    g_assert_cmphex(b[6] << 8 | b[7], ==, 0x0008); /* CD-ROM */
    g_assert_cmphex(b[8] << 8 | b[9], ==, 0x0000); /* profile list */
    g_assert_cmphex(b[12] << 8 | b[13], ==, 0x0010);
    g_assert_cmphex(b[14], ==, 0);
    g_assert_cmphex(b[16] << 8 | b[17], ==, 0x0008);
    g_assert_cmphex(b[18], ==, 1); /* current */
    g_assert_cmphex(b[20] << 8 | b[21], ==, 0x0001);
    g_assert_cmphex(b[32] << 8 | b[33], ==, 0x0002);
    g_assert_cmphex(b[40] << 8 | b[41], ==, 0x0003);
    /* RT 2: just the feature asked for. */
    static const uint8_t gc2[12] = { 0x46, 2, 0, 3, 0, 0, 0, 1, 0 };
    g_assert_cmpuint(cmd_in(&c, gc2, b, sizeof(b)), ==, 16);
    g_assert_cmphex(b[8] << 8 | b[9], ==, 0x0003);
    static const uint8_t gc3[12] = { 0x46, 3 };
    g_assert_cmphex(sense_after(&c, gc3), ==, 0x052400);
    /* MODE SENSE(10): capabilities page, all pages, bad pages. */
    static const uint8_t ms[12] = { 0x5a, 0, 0x2a, 0, 0, 0, 0, 1, 0 };
    g_assert_cmpuint(cmd_in(&c, ms, b, sizeof(b)), ==, 8 + 28);
    g_assert_cmphex(b[8], ==, 0x2a);
    g_assert_cmphex(b[9], ==, 26);
    g_assert_cmphex(b[8 + 6] & 0x29, ==, 0x29); /* tray, eject, lock */
    static const uint8_t msall[12] = { 0x5a, 0, 0x3f, 0, 0, 0, 0, 1, 0 };
    g_assert_cmpuint(cmd_in(&c, msall, b, sizeof(b)), ==, 8 + 12 + 28);
    g_assert_cmphex(b[8], ==, 0x01);
    static const uint8_t ms6[12] = { 0x1a, 0, 0x01, 0, 255 };
    g_assert_cmpuint(cmd_in(&c, ms6, b, sizeof(b)), ==, 4 + 12);
    g_assert_cmpuint(b[0], ==, 15);
    static const uint8_t msbad[12] = { 0x5a, 0, 0x05, 0, 0, 0, 0, 1, 0 };
    g_assert_cmphex(sense_after(&c, msbad), ==, 0x052400);
    static const uint8_t mssaved[12] = { 0x5a, 0, 0xea, 0, 0, 0, 0, 1, 0 };
    g_assert_cmphex(sense_after(&c, mssaved), ==, 0x053900);
    /* READ DISC INFORMATION, MECHANISM STATUS. */
    static const uint8_t rdi[12] = { 0x51, 0, 0, 0, 0, 0, 0, 0, 34 };
    g_assert_cmpuint(cmd_in(&c, rdi, b, sizeof(b)), ==, 34);
    g_assert_cmphex(b[2], ==, 0x0e);
    static const uint8_t rdi1[12] = { 0x51, 1, 0, 0, 0, 0, 0, 0, 34 };
    g_assert_cmphex(sense_after(&c, rdi1), ==, 0x052400);
    static const uint8_t mech[12] = { 0xbd, 0, 0, 0, 0, 0, 0, 0, 0, 8 };
    g_assert_cmpuint(cmd_in(&c, mech, b, sizeof(b)), ==, 8);
    g_assert_cmphex(b[1], ==, 0);
    teardown(&c);
}

static void test_dvd_profile(void)
{
    struct cd c;
    memset(&c, 0, sizeof(c));
    fx_init_raw(&c.f);
    char *p = fx_image(&c.f, "dvd.iso", 400000ull * 2048, false); /* sparse */
    c.iso = fx_open(&c.f, p, true);
    g_free(p);
    g_assert_cmpint(ide_attach_cd(&c.f.s->bus[1], 0, c.iso, NULL), ==, 0);
    fx_power_on(&c.f);
    fx_firmware(&c.f);
    uint8_t b[64];
    static const uint8_t gc[12] = { 0x46, 1, 0, 0, 0, 0, 0, 0, 8 };
    g_assert_cmpuint(cmd_in(&c, gc, b, sizeof(b)), ==, 8);
    g_assert_cmphex(b[6] << 8 | b[7], ==, 0x0010);
    fx_free(&c.f);
}

static void test_media_change(void)
{
    struct cd c;
    setup(&c, false);
    uint8_t b[64];
    /* Empty drive: NOT READY, medium not present (tray closed). */
    static const uint8_t tur[12] = { 0x00 };
    g_assert_cmphex(sense_after(&c, tur), ==, 0x023a01);
    static const uint8_t cap[12] = { 0x25 };
    g_assert_cmphex(sense_after(&c, cap), ==, 0x023a01);
    /* INQUIRY works without a disc; GESN says no medium. */
    static const uint8_t inq[12] = { 0x12, 0, 0, 0, 36 };
    g_assert_cmpuint(cmd_in(&c, inq, b, sizeof(b)), ==, 36);
    static const uint8_t gesn[12] = { 0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8 };
    g_assert_cmpuint(cmd_in(&c, gesn, b, sizeof(b)), ==, 8);
    g_assert_cmphex(b[2], ==, 4);
    g_assert_cmphex(b[4], ==, 0);
    g_assert_cmphex(b[5], ==, 0);
    static const uint8_t gesn_async[12] = { 0x4a, 0, 0, 0, 0x10, 0, 0, 0, 8 };
    g_assert_cmphex(sense_after(&c, gesn_async), ==, 0x052400);
    /* The monitor inserts a disc: tray open, insert, close. */
    struct ide_bus *bus = &c.f.s->bus[1];
    g_assert_cmpint(ide_cd_open_tray(bus, 0, false), ==, 0);
    g_assert_cmphex(sense_after(&c, tur), ==, 0x023a02); /* tray open */
    static const uint8_t mech[12] = { 0xbd, 0, 0, 0, 0, 0, 0, 0, 0, 8 };
    g_assert_cmpuint(cmd_in(&c, mech, b, sizeof(b)), ==, 8);
    g_assert_cmphex(b[1], ==, 0x10);
    g_assert_null(ide_cd_remove_medium(bus, 0));
    g_assert_cmpint(ide_cd_insert_medium(bus, 0, c.iso), ==, 0);
    ide_cd_close_tray(bus, 0);
    g_assert_cmpint(c.ntrays, ==, 2);
    g_assert_cmpint(c.trays[0], ==, 1);
    g_assert_cmpint(c.trays[1], ==, 0);
    /* GESN: new media, once; INQUIRY does not see the unit attention. */
    g_assert_cmpuint(cmd_in(&c, gesn, b, sizeof(b)), ==, 8);
    g_assert_cmphex(b[4], ==, 2);
    g_assert_cmphex(b[5], ==, 2);
    g_assert_cmpuint(cmd_in(&c, gesn, b, sizeof(b)), ==, 8);
    g_assert_cmphex(b[4], ==, 0);
    g_assert_cmpuint(cmd_in(&c, inq, b, sizeof(b)), ==, 36);
    /* The unit attention once, then ready. */
    g_assert_cmphex(sense_after(&c, tur), ==, 0x062800);
    ok_cmd(&c, tur);
    /* PREVENT: the guest's eject is refused, the monitor's needs force. */
    static const uint8_t prevent[12] = { 0x1e, 0, 0, 0, 1 };
    ok_cmd(&c, prevent);
    static const uint8_t eject[12] = { 0x1b, 0, 0, 0, 0x02 };
    g_assert_cmphex(sense_after(&c, eject), ==, 0x055302);
    static const uint8_t ms[12] = { 0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 64 };
    g_assert_cmpuint(cmd_in(&c, ms, b, sizeof(b)), ==, 36);
    g_assert_cmphex(b[8 + 6] & 0x02, ==, 0x02); /* lock state */
    g_assert_cmpint(ide_cd_open_tray(bus, 0, false), ==, -EBUSY);
    g_assert_cmpuint(cmd_in(&c, gesn, b, sizeof(b)), ==, 8);
    g_assert_cmphex(b[4], ==, 1); /* eject request */
    /* ALLOW, then the guest ejects and loads. */
    static const uint8_t allow[12] = { 0x1e, 0, 0, 0, 0 };
    ok_cmd(&c, allow);
    ok_cmd(&c, eject);
    g_assert_cmpint(c.ntrays, ==, 3);
    g_assert_cmpint(c.trays[2], ==, 1);
    g_assert_cmphex(sense_after(&c, tur), ==, 0x023a02);
    static const uint8_t load[12] = { 0x1b, 0, 0, 0, 0x03 };
    ok_cmd(&c, load);
    g_assert_cmpint(c.trays[3], ==, 0);
    g_assert_cmphex(sense_after(&c, tur), ==, 0x062800);
    ok_cmd(&c, tur);
    /* Forced open with the tray locked; a new disc of 8 sectors. */
    ok_cmd(&c, prevent);
    g_assert_cmpint(ide_cd_open_tray(bus, 0, true), ==, 0);
    g_assert_true(ide_cd_remove_medium(bus, 0) == c.iso);
    struct blk *b2 = fx_open(&c.f, c.iso2, true);
    g_assert_cmpint(ide_cd_insert_medium(bus, 0, b2), ==, 0);
    g_assert_cmpint(ide_cd_insert_medium(bus, 0, b2), ==, -1); /* already one */
    ide_cd_close_tray(bus, 0);
    g_assert_cmphex(sense_after(&c, tur), ==, 0x062800);
    static const uint8_t cap2[12] = { 0x25 };
    g_assert_cmpuint(cmd_in(&c, cap2, b, sizeof(b)), ==, 8);
    g_assert_cmpuint(b[3], ==, 7);
    /* Start/stop without LoEj just completes. */
    static const uint8_t stop[12] = { 0x1b, 0, 0, 0, 0 };
    ok_cmd(&c, stop);
    teardown(&c);
}

static void test_dma(void)
{
    struct cd c;
    setup(&c, true);
    struct test_env *t = c.f.t;
    /* READ(10) of 3 sectors by DMA, split over two regions. */
    fx_prd(&c.f, TABLE, BUF, 2048, false);
    fx_prd(&c.f, TABLE + 8, BUF + 0x10000, 4096, true);
    fx_bm_setup(&c.f, 1, TABLE, true);
    static const uint8_t rd[12] = { 0x28, 0, 0, 0, 0, 30, 0, 0, 3 };
    packet(&c, rd, 0, true);
    fx_bm_start(&c.f, 1, true);
    fx_wait(&c.f);
    g_assert_cmphex(fx_bm_status(&c.f, 1), ==, BM_ST_INTR);
    g_assert_cmphex(st(&c), ==, IDE_ST_DRDY | IDE_ST_DSC);
    g_assert_cmphex(test_inb(t, P1 + 2) & 3, ==, 3);
    check_cd_sector(t->ram + BUF, 30);
    check_cd_sector(t->ram + BUF + 0x10000, 31);
    check_cd_sector(t->ram + BUF + 0x10800, 32);
    fx_bm_stop(&c.f, 1);
    /* INQUIRY by DMA (a reply from the buffer), PRD larger than it. */
    fx_prd(&c.f, TABLE, BUF, 512, true);
    fx_bm_setup(&c.f, 1, TABLE, true);
    static const uint8_t inq[12] = { 0x12, 0, 0, 0, 36 };
    packet(&c, inq, 0, true);
    fx_bm_start(&c.f, 1, true);
    fx_wait(&c.f);
    g_assert_cmphex(fx_bm_status(&c.f, 1), ==, BM_ST_INTR | BM_ST_ACTIVE);
    g_assert_cmphex(t->ram[BUF], ==, 0x05);
    g_assert_cmpmem(t->ram + BUF + 8, 5, "HVEMU", 5);
    fx_bm_stop(&c.f, 1);
    st(&c);
    /* A sector split over odd pieces goes through the bounce buffer. */
    memset(t->ram + BUF, 0, 0x20000);
    fx_prd(&c.f, TABLE, BUF, 1000, false);
    fx_prd(&c.f, TABLE + 8, BUF + 0x8000, 1048, true);
    fx_bm_setup(&c.f, 1, TABLE, true);
    static const uint8_t rd1[12] = { 0x28, 0, 0, 0, 0, 9, 0, 0, 1 };
    packet(&c, rd1, 0, true);
    fx_bm_start(&c.f, 1, true);
    fx_wait(&c.f);
    fx_wait(&c.f);
    g_assert_cmphex(fx_bm_status(&c.f, 1), ==, BM_ST_INTR);
    uint8_t b[2048];
    memcpy(b, t->ram + BUF, 1000);
    memcpy(b + 1000, t->ram + BUF + 0x8000, 1048);
    check_cd_sector(b, 9);
    teardown(&c);
}

static void test_state(void)
{
    struct cd c, d;
    setup(&c, true);
    test_dev_reset_idempotent(&piix_ide_class, c.f.s);
    fx_power_on(&c.f);
    fx_firmware(&c.f);
    /* In the middle of a PIO READ(10), tray locked, a unit attention. */
    static const uint8_t prevent[12] = { 0x1e, 0, 0, 0, 1 };
    ok_cmd(&c, prevent);
    c.f.s->bus[1].dev[0].unit_attention = false;
    static const uint8_t rd[12] = { 0x28, 0, 0, 0, 0, 4, 0, 0, 2 };
    packet(&c, rd, 2048, false);
    fx_wait(&c.f);
    st(&c);
    for (int i = 0; i < 100; i++)
        test_in(c.f.t, P1, 2);
    memset(&d, 0, sizeof(d));
    fx_init_raw(&d.f);
    g_assert_cmpint(ide_attach_cd(&d.f.s->bus[1], 0, c.iso, NULL), ==, 0);
    fx_power_on(&d.f);
    test_dev_roundtrip(&piix_ide_class, c.f.s, d.f.s);
    piix_ide_class.settle(d.f.s);
    for (int i = 100; i < 1024; i++)
        test_in(d.f.t, P1, 2);
    uint8_t b[2048];
    g_assert_cmpuint(pio_in(&d, b, sizeof(b), 2048), ==, 2048);
    check_cd_sector(b, 5);
    g_assert_true(d.f.s->bus[1].dev[0].tray_locked);
    fx_free(&d.f);
    teardown(&c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/atapi/identify-signature", test_identify_and_signature);
    g_test_add_func("/atapi/seabios-boot-path", test_seabios_boot_path);
    g_test_add_func("/atapi/read-variants", test_read_variants);
    g_test_add_func("/atapi/toc", test_toc);
    g_test_add_func("/atapi/config-mode", test_config_and_mode);
    g_test_add_func("/atapi/dvd-profile", test_dvd_profile);
    g_test_add_func("/atapi/media-change", test_media_change);
    g_test_add_func("/atapi/dma", test_dma);
    g_test_add_func("/atapi/state", test_state);
    return g_test_run();
}
