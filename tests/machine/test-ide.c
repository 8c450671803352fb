/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The PC board's IDE with the test accelerator (no CPU): the PIIX3 IDE
 * function found over PCI configuration mechanism #1, ATA PIO and BMDMA
 * into guest RAM with the interrupt on GSI 14, the ATAPI drive on GSI 15,
 * the monitor's eject/change with tray events, and whole-machine state. */
#include <fcntl.h>
#include <libfdt.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "cpu/accel.h"
#include "cpu/test.h"
#include "hw/ide/piix.h"
#include "hw/pc.h"
#include "tests/support/board.h"

#define BM 0xc000

struct board {
    struct machine *m;
    struct pc *pc;
    char *dir, *disk_path, *iso_path, *iso2_path;
    struct blk *disk, *iso;
    int trays[8];
    char tray_ids[8][32];
    int ntrays;
};

static uint8_t pat(uint64_t off)
{
    return (uint8_t)(off * 5 + (off >> 11));
}

static char *make_image(const char *dir, const char *name, size_t size)
{
    char *p = g_build_filename(dir, name, NULL);
    uint8_t *b = g_malloc(size);
    for (size_t i = 0; i < size; i++)
        b[i] = pat(i);
    g_assert_true(g_file_set_contents(p, (const char *)b, (gssize)size, NULL));
    g_free(b);
    return p;
}

static struct blk *open_blk(struct board *b, const char *path, bool ro)
{
    char *err = NULL;
    struct blk_env env = { b->m->ctx, &b->m->lock };
    struct blk_opts o = { .file = path, .format = "raw", .readonly = ro };
    struct blk *blk = blk_open(&env, &o, &err);
    if (!blk)
        g_error("%s", err);
    return blk;
}

static void on_tray(void *opaque, const char *id, bool open)
{
    struct board *b = opaque;
    g_assert(b->ntrays < 8);
    g_strlcpy(b->tray_ids[b->ntrays], id, 32);
    b->trays[b->ntrays++] = open;
}

static struct board *board_new(bool disc)
{
    struct board *b = g_new0(struct board, 1);
    char *err = NULL;
    b->dir = g_dir_make_tmp("hvemu-mide-XXXXXX", NULL);
    b->disk_path = make_image(b->dir, "disk.img", 512 * 1024);
    b->iso_path = make_image(b->dir, "cd.iso", 32 * 2048);
    b->iso2_path = make_image(b->dir, "cd2.iso", 4 * 2048);
    b->m = machine_new(64 * MiB, VCLOCK_MANUAL, &err);
    g_assert_nonnull(b->m);
    b->m->accel = &accel_test;
    b->m->smp_cpus = 1;
    g_assert_cmpint(b->m->accel->init(b->m, &err), ==, 0);
    b->disk = open_blk(b, b->disk_path, false);
    b->iso = disc ? open_blk(b, b->iso_path, true) : NULL;
    struct pc_config cfg = { .rtc_base = 0 };
    cfg.ide[0] = (struct pc_drive){ true, PC_MEDIA_DISK, b->disk, "ide0-hd0" };
    cfg.ide[2] = (struct pc_drive){ true, PC_MEDIA_CDROM, b->iso, "ide1-cd0" };
    b->pc = pc_new(b->m, &cfg, &err);
    if (!b->pc)
        g_error("%s", err);
    g_assert_cmpint(pc_power_on(b->pc, &err), ==, 0);
    pc_set_tray_listener(b->pc, on_tray, b);
    return b;
}

static void board_free(struct board *b)
{
    blk_drain(b->disk);
    if (b->iso)
        blk_drain(b->iso);
    machine_free(b->m);
    blk_close(b->disk);
    blk_close(b->iso);
    const char *names[] = { "disk.img", "cd.iso", "cd2.iso" };
    for (int i = 0; i < 3; i++) {
        char *p = g_build_filename(b->dir, names[i], NULL);
        g_unlink(p);
        g_free(p);
    }
    g_rmdir(b->dir);
    g_free(b->dir);
    g_free(b->disk_path);
    g_free(b->iso_path);
    g_free(b->iso2_path);
    g_free(b);
}

static uint64_t in(struct board *b, uint16_t port, unsigned size)
{
    return tb_in(b->m, port, size);
}

static void out(struct board *b, uint16_t port, unsigned size, uint64_t v)
{
    tb_out(b->m, port, size, v);
}

static uint32_t cfg_read(struct board *b, unsigned off, unsigned size)
{
    out(b, 0xcf8, 4, 0x80000000u | PIIX_IDE_DEVFN << 8 | (off & 0xfc));
    return (uint32_t)in(b, 0xcfc + (off & 3), size);
}

static void cfg_write(struct board *b, unsigned off, unsigned size, uint32_t v)
{
    out(b, 0xcf8, 4, 0x80000000u | PIIX_IDE_DEVFN << 8 | (off & 0xfc));
    out(b, 0xcfc + (off & 3), size, v);
}

static int gsi(struct board *b, int n)
{
    return ((struct test_accel *)b->m->accel_state)->gsi_level[n];
}

static void wait_io(struct board *b)
{
    blk_drain(b->disk);
    if (b->iso)
        blk_drain(b->iso);
}

static void enumerate(struct board *b)
{
    g_assert_cmphex(cfg_read(b, 0, 4), ==, 0x70108086);
    g_assert_cmphex(cfg_read(b, 8, 4) >> 8, ==, 0x010180);
    cfg_write(b, PCI_BASE_ADDRESS_0 + 16, 4, 0xffffffff);
    g_assert_cmphex(cfg_read(b, PCI_BASE_ADDRESS_0 + 16, 4), ==, 0xfffffff1);
    cfg_write(b, PCI_BASE_ADDRESS_0 + 16, 4, BM);
    cfg_write(b, PCI_COMMAND, 2, PCI_COMMAND_IO | PCI_COMMAND_MASTER);
}

static void test_pio_and_dma(void)
{
    struct board *b = board_new(true);
    enumerate(b);
    /* Without firmware the decode bits come out of reset set. */
    g_assert_cmphex(cfg_read(b, PIIX_IDETIM, 4), ==, 0x80008000);
    /* PIO: READ SECTORS of LBA 3, interrupt on GSI 14. */
    out(b, 0x1f2, 1, 1);
    out(b, 0x1f3, 1, 3);
    out(b, 0x1f4, 1, 0);
    out(b, 0x1f5, 1, 0);
    out(b, 0x1f6, 1, 0xe0);
    out(b, 0x1f7, 1, 0x20);
    wait_io(b);
    g_assert_cmpint(gsi(b, 14), ==, 1);
    g_assert_cmphex(in(b, 0x1f7, 1), ==, 0x58);
    g_assert_cmpint(gsi(b, 14), ==, 0);
    for (int i = 0; i < 256; i++) {
        uint16_t w = (uint16_t)in(b, 0x1f0, 2);
        g_assert_cmphex(w & 0xff, ==, pat(3 * 512 + 2 * i));
    }
    /* BMDMA: 4 sectors from LBA 8 into RAM at 1 MiB. */
    uint8_t prd[8];
    st32(prd, 0x100000);
    st32(prd + 4, 0x80000000u | 2048);
    g_assert_cmpint(machine_write_phys(b->m, 0x8000, prd, 8), ==, 0);
    out(b, BM + BM_PRD, 4, 0x8000);
    out(b, BM + BM_CMD, 1, BM_CMD_WRITE);
    out(b, 0x1f2, 1, 4);
    out(b, 0x1f3, 1, 8);
    out(b, 0x1f7, 1, 0xc8);
    out(b, BM + BM_CMD, 1, BM_CMD_WRITE | BM_CMD_START);
    wait_io(b);
    g_assert_cmphex(in(b, BM + BM_STATUS, 1), ==, BM_ST_INTR);
    g_assert_cmpint(gsi(b, 14), ==, 1);
    out(b, BM + BM_CMD, 1, 0);
    g_assert_cmphex(in(b, 0x1f7, 1), ==, 0x50);
    uint8_t buf[2048];
    g_assert_cmpint(machine_read_phys(b->m, 0x100000, buf, sizeof(buf)), ==, 0);
    for (int i = 0; i < 2048; i++)
        g_assert_cmphex(buf[i], ==, pat(8 * 512 + i));
    /* ATAPI on the secondary channel: TEST UNIT READY, GSI 15. */
    out(b, 0x176, 1, 0xa0);
    g_assert_cmphex(in(b, 0x174, 1), ==, 0x14);
    out(b, 0x171, 1, 0);
    out(b, 0x177, 1, 0xa0);
    for (int i = 0; i < 6; i++)
        out(b, 0x170, 2, 0);
    g_assert_cmpint(gsi(b, 15), ==, 1);
    g_assert_cmphex(in(b, 0x177, 1), ==, 0x50);
    board_free(b);
}

static uint8_t atapi_tur(struct board *b)
{
    out(b, 0x176, 1, 0xa0);
    out(b, 0x171, 1, 0);
    out(b, 0x177, 1, 0xa0);
    for (int i = 0; i < 6; i++)
        out(b, 0x170, 2, 0);
    uint8_t s = (uint8_t)in(b, 0x177, 1);
    return s & 1 ? (uint8_t)in(b, 0x171, 1) : 0;
}

static void test_eject_change(void)
{
    struct board *b = board_new(false);
    char *err = NULL;
    enumerate(b);
    g_assert_cmphex(atapi_tur(b), ==, 0x20); /* NOT READY: no disc */
    /* Errors as QEMU words them. */
    g_assert_cmpint(pc_drive_eject(b->pc, "nope", false, &err), ==, -ENODEV);
    g_assert_cmpstr(err, ==, "Device 'nope' not found");
    g_free(err);
    g_assert_cmpint(pc_drive_eject(b->pc, "ide0-hd0", false, &err), ==, -1);
    g_assert_cmpstr(err, ==, "Device 'ide0-hd0' is not removable");
    g_free(err);
    err = NULL;
    g_assert_cmpint(pc_drive_change(b->pc, "ide1-cd0", "/nonexistent.iso", NULL, NULL, false,
                                    &err), ==, -1);
    g_assert_nonnull(err);
    g_free(err);
    g_assert_cmpint(b->ntrays, ==, 0);
    /* change: tray opens, the disc goes in, tray closes; the guest sees a
     * unit attention, then a ready disc. */
    g_assert_cmpint(pc_drive_change(b->pc, "ide1-cd0", b->iso_path, "raw", "retain", false,
                                    &err), ==, 0);
    g_assert_cmpint(b->ntrays, ==, 2);
    g_assert_cmpstr(b->tray_ids[0], ==, "ide1-cd0");
    g_assert_cmpint(b->trays[0], ==, 1);
    g_assert_cmpint(b->trays[1], ==, 0);
    g_assert_cmphex(atapi_tur(b), ==, 0x60); /* UNIT ATTENTION */
    g_assert_cmphex(atapi_tur(b), ==, 0);
    /* The guest locks the tray: eject needs force. */
    out(b, 0x171, 1, 0);
    out(b, 0x177, 1, 0xa0);
    static const uint8_t prevent[12] = { 0x1e, 0, 0, 0, 1 };
    for (int i = 0; i < 6; i++)
        out(b, 0x170, 2, prevent[2 * i] | prevent[2 * i + 1] << 8);
    g_assert_cmpint(pc_drive_eject(b->pc, "ide1-cd0", false, &err), ==, -1);
    g_assert_nonnull(strstr(err, "is locked and force was not specified"));
    g_free(err);
    g_assert_cmpint(pc_drive_change(b->pc, "ide1-cd0", b->iso2_path, NULL, NULL, true, &err),
                    ==, 0);
    g_assert_cmpint(b->ntrays, ==, 4);
    g_assert_cmphex(atapi_tur(b), ==, 0x60);
    g_assert_cmpint(pc_drive_eject(b->pc, "ide1-cd0", true, &err), ==, 0);
    g_assert_cmpint(b->ntrays, ==, 5);
    g_assert_cmphex(atapi_tur(b), ==, 0x20);
    /* Bad read-only-mode. */
    g_assert_cmpint(pc_drive_change(b->pc, "ide1-cd0", b->iso_path, NULL, "sometimes", false,
                                    &err), ==, -1);
    g_free(err);
    board_free(b);
}

/* Same devices, properties and values.  (Not memcmp: the vmstate writer
 * leaves the alignment padding after short properties uninitialised.) */
static void assert_same_state(const void *a, const void *b)
{
    int na, nb;
    fdt_for_each_subnode(na, a, 0) {
        const char *name = fdt_get_name(a, na, NULL);
        nb = fdt_subnode_offset(b, 0, name);
        g_assert_cmpint(nb, >=, 0);
        int pa, count = 0;
        fdt_for_each_property_offset(pa, a, na) {
            const char *pname;
            int la, lb;
            const void *va = fdt_getprop_by_offset(a, pa, &pname, &la);
            const void *vb = fdt_getprop(b, nb, pname, &lb);
            if (!vb || la != lb || memcmp(va, vb, (size_t)la))
                g_error("%s/%s differs after load", name, pname);
            count++;
        }
        int pb;
        fdt_for_each_property_offset(pb, b, nb)
            count--;
        g_assert_cmpint(count, ==, 0);
    }
}

static void test_save_load(void)
{
    struct board *b = board_new(true);
    enumerate(b);
    out(b, 0x1f2, 1, 2);
    out(b, 0x1f3, 1, 0);
    out(b, 0x1f6, 1, 0xe0);
    out(b, 0x1f7, 1, 0x20);
    wait_io(b);
    in(b, 0x1f0, 2);
    size_t n1, n2;
    machine_lock(b->m);
    void *blob = machine_save_devices(b->m, &n1);
    machine_unlock(b->m);
    g_assert_nonnull(blob);
    struct board *c = board_new(true);
    char *err = NULL;
    machine_lock(c->m);
    int rc = machine_load_devices(c->m, blob, n1, &err);
    machine_unlock(c->m);
    if (rc)
        g_error("%s", err);
    machine_lock(c->m);
    void *blob2 = machine_save_devices(c->m, &n2);
    machine_unlock(c->m);
    g_assert_cmpuint(n1, ==, n2);
    assert_same_state(blob, blob2);
    /* The copy answers on its ports: word 1 of sector 0. */
    g_assert_cmphex(in(c, 0x1f0, 2) & 0xff, ==, pat(2));
    g_free(blob);
    g_free(blob2);
    board_free(c);
    board_free(b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/machine-ide/pio-and-dma", test_pio_and_dma);
    g_test_add_func("/machine-ide/eject-change", test_eject_change);
    g_test_add_func("/machine-ide/save-load", test_save_load);
    return g_test_run();
}
