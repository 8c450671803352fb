/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ide_fixture.h: the PIIX3 IDE function on a PCI bus in a test_env, with
 * real image files (made in a temp dir) opened through the block layer,
 * programmed as firmware would (I/O + bus master enabled, IDETIM decode
 * on, BAR4 at BM_BASE).  Shared by test-ide.c and test-atapi.c. */
#ifndef TESTS_UNIT_IDE_FIXTURE_H
#define TESTS_UNIT_IDE_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "block/block.h"
#include "hw/ide/piix.h"
#include "tests/support/testenv.h"

#define RAM_SIZE (4 * MiB)
#define BM_BASE 0xc000
#define P0 0x1f0
#define C0 0x3f6
#define P1 0x170
#define C1 0x376
#define IRQ_P 14
#define IRQ_S 15

struct fx {
    struct test_env *t;
    GMainContext *ctx;
    struct blk_env benv;
    struct pci_bus pci;
    struct piix_ide *s;
    char *dir;
    struct blk *blks[8];
    int nblks;
};

/* Sector n of a test disk: its number in the first 4 bytes, then a
 * pattern. */
static inline uint8_t pattern(uint64_t off)
{
    return (uint8_t)(off * 7 + (off >> 9) * 13);
}

static inline char *fx_image(struct fx *f, const char *name, uint64_t size, bool fill)
{
    char *path = g_build_filename(f->dir, name, NULL);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    g_assert_cmpint(fd, >=, 0);
    if (fill) {
        uint8_t *b = g_malloc(size);
        for (uint64_t i = 0; i < size; i++)
            b[i] = pattern(i);
        g_assert_cmpint(write(fd, b, size), ==, (ssize_t)size);
        g_free(b);
    } else {
        g_assert_cmpint(ftruncate(fd, (off_t)size), ==, 0);
    }
    close(fd);
    return path;
}

static inline struct blk *fx_open(struct fx *f, const char *path, bool ro)
{
    char *err = NULL;
    struct blk_opts o = { .file = path, .format = "raw", .readonly = ro,
                          .cache = BLK_CACHE_WRITEBACK };
    struct blk *b = blk_open(&f->benv, &o, &err);
    if (!b)
        g_error("blk_open %s: %s", path, err);
    g_assert(f->nblks < 8);
    f->blks[f->nblks++] = b;
    return b;
}

static inline void fx_cfg(struct fx *f, unsigned off, uint32_t v, unsigned size)
{
    pci_bus_config_write(&f->pci, PIIX_IDE_DEVFN, off, v, size);
}

static inline uint32_t fx_cfg_read(struct fx *f, unsigned off, unsigned size)
{
    return pci_bus_config_read(&f->pci, PIIX_IDE_DEVFN, off, size);
}

/* A fresh function with the drives given (NULL: none) and no firmware
 * programming done. */
static inline void fx_init_raw(struct fx *f)
{
    memset(f, 0, sizeof(*f));
    f->t = test_env_new(RAM_SIZE);
    f->ctx = g_main_context_new();
    f->benv = (struct blk_env){ f->ctx, &f->t->lock };
    f->dir = g_dir_make_tmp("hvemu-ide-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    pci_bus_init(&f->pci, &f->t->io, &f->t->mem, &f->t->log);
    f->s = piix_ide_new(&f->t->env, &f->pci, PIIX_IDE_DEVFN, false);
    g_assert_nonnull(f->s);
    as_add(&f->t->io, &f->s->bus[0].cmd_region, P0, 0);
    as_add(&f->t->io, &f->s->bus[0].ctl_region, C0, 0);
    as_add(&f->t->io, &f->s->bus[1].cmd_region, P1, 0);
    as_add(&f->t->io, &f->s->bus[1].ctl_region, C1, 0);
    as_commit(&f->t->io);
    test_irq_connect(f->t, &f->s->irq[0], IRQ_P);
    test_irq_connect(f->t, &f->s->irq[1], IRQ_S);
}

static inline void fx_power_on(struct fx *f)
{
    piix_ide_class.reset(f->s, RESET_COLD);
    piix_ide_class.settle(f->s);
}

/* What SeaBIOS does: BAR4, I/O + bus master, both channels decoded. */
static inline void fx_firmware(struct fx *f)
{
    fx_cfg(f, PCI_BASE_ADDRESS_0 + 16, BM_BASE, 4);
    fx_cfg(f, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MASTER, 2);
    fx_cfg(f, PIIX_IDETIM, PIIX_IDETIM_IDE, 2);
    fx_cfg(f, PIIX_IDETIM + 2, PIIX_IDETIM_IDE, 2);
}

static inline void fx_free(struct fx *f)
{
    if (f->s) {
        ide_bus_drain(&f->s->bus[0]);
        ide_bus_drain(&f->s->bus[1]);
        piix_ide_class.destroy(f->s);
    }
    for (int i = 0; i < f->nblks; i++)
        blk_close(f->blks[i]);
    test_env_free(f->t);
    /* Remove the images and the directory. */
    GDir *d = g_dir_open(f->dir, 0, NULL);
    const char *n;
    while (d && (n = g_dir_read_name(d))) {
        char *p = g_build_filename(f->dir, n, NULL);
        g_unlink(p);
        g_free(p);
    }
    if (d)
        g_dir_close(d);
    g_rmdir(f->dir);
    g_free(f->dir);
    g_main_context_unref(f->ctx);
}

/* Let every request in flight complete into the device. */
static inline void fx_wait(struct fx *f)
{
    for (int i = 0; i < f->nblks; i++)
        blk_drain(f->blks[i]);
}

static inline uint8_t fx_status(struct fx *f, uint16_t base)
{
    return test_inb(f->t, base + 7);
}

static inline uint8_t fx_alt(struct fx *f, uint16_t ctl)
{
    return test_inb(f->t, ctl);
}

/* Write a PRD entry at addr. */
static inline void fx_prd(struct fx *f, uint64_t addr, uint32_t buf, uint32_t count, bool eot)
{
    st32(f->t->ram + addr, buf);
    st32(f->t->ram + addr + 4, (count & 0xffff) | (eot ? 0x80000000u : 0));
}

static inline uint8_t fx_bm_status(struct fx *f, int ch)
{
    return test_inb(f->t, BM_BASE + 8 * ch + BM_STATUS);
}

/* Program the bus master of channel ch like ata_piix: table, direction,
 * clear Error/Interrupt; start separately. */
static inline void fx_bm_setup(struct fx *f, int ch, uint32_t table, bool to_ram)
{
    test_out(f->t, BM_BASE + 8 * ch + BM_PRD, 4, table);
    test_outb(f->t, BM_BASE + 8 * ch + BM_CMD, to_ram ? BM_CMD_WRITE : 0);
    test_outb(f->t, BM_BASE + 8 * ch + BM_STATUS, BM_ST_ERROR | BM_ST_INTR);
}

static inline void fx_bm_start(struct fx *f, int ch, bool to_ram)
{
    test_outb(f->t, BM_BASE + 8 * ch + BM_CMD, BM_CMD_START | (to_ram ? BM_CMD_WRITE : 0));
}

static inline void fx_bm_stop(struct fx *f, int ch)
{
    test_outb(f->t, BM_BASE + 8 * ch + BM_CMD, 0);
}

#endif
