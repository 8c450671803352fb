/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: the PIIX3 IDE function with an ATA disk (ide0 master) and
 * an ATAPI CD-ROM (ide1 master) on small real image files, driven through
 * the legacy ports, the bus-master registers (BAR4 at 0xc000, programmed
 * at creation) and a config-space window at 0xcf8 (4 bytes offset, 4
 * bytes data) so inputs can also switch decoding and bus mastering.  PRD
 * tables and buffers live in 1 MiB of fake RAM the harness fills.  The
 * "backend input" operation delivers completed block requests. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "block/block.h"
#include "hw/ide/piix.h"
#include "tests/fuzz/harness.h"

struct fz {
    struct piix_ide *s;
    struct pci_bus pci;
    struct mem_region cfg;
    uint32_t cfg_addr;
    GMainContext *ctx;
    struct blk_env benv;
    struct blk *disk, *cd;
};

/* The images are made once per process (a fuzz run is one process) and
 * removed at exit. */
static char *fuzz_dir;

static void remove_images(void)
{
    const char *names[] = { "disk.img", "cd.iso" };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        char *p = g_build_filename(fuzz_dir, names[i], NULL);
        g_unlink(p);
        g_free(p);
    }
    g_rmdir(fuzz_dir);
}

static char *image(const char *name, size_t size)
{
    char *dir = fuzz_dir;
    if (!dir) {
        dir = fuzz_dir = g_dir_make_tmp("hvemu-fuzz-ide-XXXXXX", NULL);
        atexit(remove_images);
    }
    char *path = g_build_filename(dir, name, NULL);
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        uint8_t *b = g_malloc(size);
        for (size_t i = 0; i < size; i++)
            b[i] = (uint8_t)(i * 7 + (i >> 9));
        g_file_set_contents(path, (const char *)b, (gssize)size, NULL);
        g_free(b);
    }
    return path;
}

static struct blk *open_image(struct fz *z, const char *name, size_t size, bool ro)
{
    char *path = image(name, size), *err = NULL;
    struct blk_opts o = { .file = path, .format = "raw", .readonly = ro, .no_lock = true };
    struct blk *b = blk_open(&z->benv, &o, &err);
    if (!b)
        g_error("fuzz-ide: %s", err);
    g_free(path);
    return b;
}

static uint64_t cfg_read(void *opaque, uint64_t off, unsigned size)
{
    struct fz *z = opaque;
    if (off < 4)
        return z->cfg_addr >> (8 * off);
    unsigned reg = (z->cfg_addr & 0xfc) + (unsigned)(off & 3);
    if (reg % size)
        return 0;
    return pci_bus_config_read(&z->pci, PIIX_IDE_DEVFN, reg, size);
}

static void cfg_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct fz *z = opaque;
    if (off < 4) {
        z->cfg_addr = (uint32_t)val;
        return;
    }
    unsigned reg = (z->cfg_addr & 0xfc) + (unsigned)(off & 3);
    if (reg % size == 0)
        pci_bus_config_write(&z->pci, PIIX_IDE_DEVFN, reg, (uint32_t)val, size);
}

static const struct io_ops cfg_ops = {
    .read = cfg_read, .write = cfg_write, .min_size = 1, .max_size = 4,
};

static void *create(struct test_env *t)
{
    struct fz *z = g_new0(struct fz, 1);
    z->ctx = g_main_context_new();
    /* No lock: completions are delivered from input(), under t->lock. */
    z->benv = (struct blk_env){ z->ctx, NULL };
    pci_bus_init(&z->pci, &t->io, &t->mem, &t->log);
    z->s = piix_ide_new(&t->env, &z->pci, PIIX_IDE_DEVFN, true);
    z->disk = open_image(z, "disk.img", 256 * 1024, false);
    z->cd = open_image(z, "cd.iso", 64 * 2048, true);
    ide_attach_disk(&z->s->bus[0], 0, z->disk, NULL);
    ide_attach_cd(&z->s->bus[1], 0, z->cd, NULL);
    as_add(&t->io, &z->s->bus[0].cmd_region, 0x1f0, 0);
    as_add(&t->io, &z->s->bus[0].ctl_region, 0x3f6, 0);
    as_add(&t->io, &z->s->bus[1].cmd_region, 0x170, 0);
    as_add(&t->io, &z->s->bus[1].ctl_region, 0x376, 0);
    region_init_io(&z->cfg, "fuzz-cfg", 8, &cfg_ops, z);
    as_add(&t->io, &z->cfg, 0xcf8, 0);
    as_commit(&t->io);
    test_irq_connect(t, &z->s->irq[0], 14);
    test_irq_connect(t, &z->s->irq[1], 15);
    piix_ide_class.reset(z->s, RESET_COLD);
    piix_ide_class.settle(z->s);
    pci_bus_config_write(&z->pci, PIIX_IDE_DEVFN, PCI_BASE_ADDRESS_0 + 16, 0xc000, 4);
    pci_bus_config_write(&z->pci, PIIX_IDE_DEVFN, PCI_COMMAND,
                         PCI_COMMAND_IO | PCI_COMMAND_MASTER, 2);
    return z;
}

static void input(void *dev, const uint8_t *buf, size_t len)
{
    struct fz *z = dev;
    blk_drain(z->disk);
    blk_drain(z->cd);
    /* Media changes from the "monitor". */
    if (len && buf[0] == 0xe5) {
        ide_cd_open_tray(&z->s->bus[1], 0, len > 1 && buf[1] & 1);
        if (ide_cd_remove_medium(&z->s->bus[1], 0))
            ide_cd_insert_medium(&z->s->bus[1], 0, z->cd);
        ide_cd_close_tray(&z->s->bus[1], 0);
    }
}

static void fz_reset(void *dev, enum reset_kind kind)
{
    struct fz *z = dev;
    piix_ide_class.reset(z->s, kind);
}

static void fz_settle(void *dev)
{
    struct fz *z = dev;
    piix_ide_class.settle(z->s);
}

static void fz_save(void *dev, struct vm_writer *w)
{
    struct fz *z = dev;
    piix_ide_class.save(z->s, w);
}

static int fz_load(void *dev, struct vm_reader *r)
{
    struct fz *z = dev;
    return piix_ide_class.load(z->s, r);
}

static void fz_destroy(void *dev)
{
    struct fz *z = dev;
    piix_ide_class.destroy(z->s); /* drains the requests it issued */
    blk_close(z->disk);
    blk_close(z->cd);
    g_main_context_unref(z->ctx);
    g_free(z);
}

static const struct dev_class fz_class = {
    .name = "piix3-ide",
    .version = 1,
    .reset = fz_reset,
    .settle = fz_settle,
    .save = fz_save,
    .load = fz_load,
    .destroy = fz_destroy,
};

static const struct fuzz_target ft = {
    .cls = &fz_class,
    .ram_size = 1 * MiB,
    .regions = { { false, 0x1f0, 8 },  { false, 0x3f6, 1 }, { false, 0x170, 8 },
                 { false, 0x376, 1 },  { false, 0xc000, 16 }, { false, 0xcf8, 8 } },
    .nregions = 6,
    .create = create,
    .input = input,
};

FUZZ_TARGET(ft)
