/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-i440fx: the 82441FX host bridge: configuration mechanism #1, PAM
 * shadowing in all four attribute modes (with a ROM alias and without),
 * the SMRAM window and its lock, state save/load. */
#include <string.h>
#include "hw/pci/i440fx.h"
#include "tests/support/testenv.h"

struct fx {
    struct test_env *t;
    struct pci_bus bus;
    struct i440fx *h;
    uint8_t *bios;
    struct mem_region fake_cf9;
    uint8_t cf9_val;
    int cf9_writes;
};

static uint64_t fake_rd(void *o, uint64_t off, unsigned size)
{
    return ((struct fx *)o)->cf9_val;
}

static void fake_wr(void *o, uint64_t off, uint64_t v, unsigned size)
{
    struct fx *f = o;
    f->cf9_val = (uint8_t)v;
    f->cf9_writes++;
}

static const struct io_ops fake_ops = { .read = fake_rd, .write = fake_wr, .min_size = 1, .max_size = 1 };

static struct fx *fx_new(void)
{
    struct fx *f = g_new0(struct fx, 1);
    f->t = test_env_new(2 * MiB);
    f->bios = g_malloc(128 * KiB);
    for (unsigned i = 0; i < 128 * KiB; i++)
        f->bios[i] = (uint8_t)(0x80 | (i >> 12));
    pci_bus_init(&f->bus, &f->t->io, &f->t->mem, &f->t->log);
    f->h = i440fx_new(&f->t->env, &f->bus, f->t->ram, f->t->ram_size, f->bios, 128 * KiB);
    as_add(&f->t->io, &f->h->cf8, 0xcf8, 0);
    as_add(&f->t->io, &f->h->cfc, 0xcfc, 0);
    region_init_io(&f->fake_cf9, "cf9", 1, &fake_ops, f);
    f->h->cf9_target = &f->fake_cf9;
    i440fx_map_legacy(f->h, &f->t->mem);
    as_commit(&f->t->io);
    as_commit(&f->t->mem);
    i440fx_class.reset(f->h, RESET_COLD);
    i440fx_class.settle(f->h);
    return f;
}

static void fx_free(struct fx *f)
{
    i440fx_class.destroy(f->h);
    test_env_free(f->t);
    g_free(f->bios);
    g_free(f);
}

static uint32_t cfg_rd(struct fx *f, unsigned reg, unsigned size)
{
    test_out(f->t, 0xcf8, 4, 0x80000000u | (reg & 0xfc));
    return (uint32_t)test_in(f->t, 0xcfc + (reg & 3), size);
}

static void cfg_wr(struct fx *f, unsigned reg, uint32_t v, unsigned size)
{
    test_out(f->t, 0xcf8, 4, 0x80000000u | (reg & 0xfc));
    test_out(f->t, 0xcfc + (reg & 3), size, v);
}

static void test_mechanism(void)
{
    struct fx *f = fx_new();
    struct test_env *t = f->t;
    /* SeaBIOS's probe. */
    test_out(t, 0xcf8, 4, 0x80000000);
    g_assert_cmphex(test_in(t, 0xcf8, 4), ==, 0x80000000);
    /* Reserved bits read 0. */
    test_out(t, 0xcf8, 4, 0xffffffff);
    g_assert_cmphex(test_in(t, 0xcf8, 4), ==, 0x80fffffc);
    g_assert_cmphex(cfg_rd(f, 0, 4), ==, 0x12378086);
    g_assert_cmphex(cfg_rd(f, 2, 2), ==, 0x1237);
    g_assert_cmphex(cfg_rd(f, 1, 1), ==, 0x80);
    g_assert_cmphex(cfg_rd(f, 8, 4), ==, 0x06000002);
    g_assert_cmphex(cfg_rd(f, PCI_COMMAND, 4), ==, 0x02800006);
    g_assert_cmphex(cfg_rd(f, PCI_HEADER_TYPE, 1), ==, 0);
    /* Word access at an odd data port offset: split, still right. */
    test_out(t, 0xcf8, 4, 0x80000000);
    g_assert_cmphex(test_in(t, 0xcfd, 2), ==, 0x3780);
    /* Other devices, other buses, and disabled CONFADD read all-ones. */
    test_out(t, 0xcf8, 4, 0x80000800);
    g_assert_cmphex(test_in(t, 0xcfc, 4), ==, 0xffffffff);
    test_out(t, 0xcf8, 4, 0x80010000);
    g_assert_cmphex(test_in(t, 0xcfc, 4), ==, 0xffffffff);
    test_out(t, 0xcf8, 4, 0x00000000);
    g_assert_cmphex(test_in(t, 0xcfc, 4), ==, 0xffffffff);
    test_out(t, 0xcfc, 4, 0); /* dropped */
    /* Non-dword accesses to 0xcf8 are not CONFADD: byte 0xcf9 goes to the
     * PIIX's reset register, the rest is unassigned. */
    test_out(t, 0xcf8, 4, 0x80000000);
    test_out(t, 0xcf8, 1, 0x12);
    test_out(t, 0xcfa, 2, 0x1234);
    g_assert_cmphex(test_in(t, 0xcf8, 4), ==, 0x80000000);
    g_assert_cmpint(f->cf9_writes, ==, 0);
    test_outb(t, 0xcf9, 0x02);
    g_assert_cmpint(f->cf9_writes, ==, 1);
    g_assert_cmphex(test_inb(t, 0xcf9), ==, 0x02);
    g_assert_cmphex(test_in(t, 0xcf8, 2), ==, 0xffff); /* only byte 0xcf9 is the PIIX's */
    g_assert_cmphex(test_inb(t, 0xcf8), ==, 0xff);
    g_assert_cmphex(test_in(t, 0xcf8, 4), ==, 0x80000000);
    /* Read-only command bits. */
    cfg_wr(f, PCI_COMMAND, 0, 2);
    g_assert_cmphex(cfg_rd(f, PCI_COMMAND, 2), ==, 0x0006);
    fx_free(f);
}

static void test_reset_values(void)
{
    struct fx *f = fx_new();
    g_assert_cmphex(cfg_rd(f, I440FX_PAM0, 1), ==, 0);
    g_assert_cmphex(cfg_rd(f, I440FX_SMRAM, 1), ==, 0x02);
    g_assert_cmphex(cfg_rd(f, I440FX_DRB0, 4), ==, 0x01010101);
    g_assert_cmphex(cfg_rd(f, I440FX_DRAMC, 1), ==, 0x01);
    g_assert_cmphex(cfg_rd(f, I440FX_MTT, 2), ==, 0x1020);
    /* PAM0's low nibble is reserved. */
    cfg_wr(f, I440FX_PAM0, 0xff, 1);
    g_assert_cmphex(cfg_rd(f, I440FX_PAM0, 1), ==, 0x30);
    cfg_wr(f, I440FX_PAM0 + 1, 0xffff, 2);
    g_assert_cmphex(cfg_rd(f, I440FX_PAM0 + 1, 2), ==, 0x3333);
    fx_free(f);
}

/* Set the attribute of segment reg/nibble, keeping the rest. */
static void pam_set(struct fx *f, unsigned reg, unsigned shift, unsigned attr)
{
    uint8_t v = (uint8_t)cfg_rd(f, reg, 1);
    v = (uint8_t)((v & ~(3u << shift)) | attr << shift);
    cfg_wr(f, reg, v, 1);
}

static void check_pam(struct fx *f, uint64_t gpa, unsigned reg, unsigned shift, bool has_rom)
{
    struct test_env *t = f->t;
    uint8_t rom = has_rom ? f->bios[gpa - 0xE0000] : 0xff;
    t->ram[gpa] = 0x5a;
    /* 00: PCI.  Reads the ROM alias (or nothing), writes are lost. */
    pam_set(f, reg, shift, 0);
    g_assert_cmpuint(i440fx_pam_attr(f->h, gpa), ==, 0);
    g_assert_cmphex(test_readm(t, gpa, 1), ==, rom);
    test_writem(t, gpa, 1, 0x11);
    g_assert_cmphex(t->ram[gpa], ==, 0x5a);
    g_assert_cmphex(test_readm(t, gpa, 1), ==, rom);
    /* 01: read DRAM, writes to PCI. */
    pam_set(f, reg, shift, PAM_RE);
    g_assert_cmphex(test_readm(t, gpa, 1), ==, 0x5a);
    test_writem(t, gpa, 1, 0x22);
    g_assert_cmphex(t->ram[gpa], ==, 0x5a);
    g_assert_cmphex(test_readm(t, gpa, 1), ==, 0x5a);
    /* 10: read PCI, write DRAM (the shadowing copy mode). */
    pam_set(f, reg, shift, PAM_WE);
    g_assert_cmphex(test_readm(t, gpa, 1), ==, rom);
    test_writem(t, gpa, 4, 0x44332211);
    g_assert_cmphex(t->ram[gpa], ==, 0x11);
    g_assert_cmphex(t->ram[gpa + 3], ==, 0x44);
    g_assert_cmphex(test_readm(t, gpa, 1), ==, rom);
    /* DMA reaches RAM only: not through a write-only window. */
    uint8_t b = 0x77;
    g_assert_cmpint(dma_write(&t->mem, gpa, &b, 1), ==, -1);
    /* 11: DRAM. */
    pam_set(f, reg, shift, PAM_RE | PAM_WE);
    g_assert_cmphex(test_readm(t, gpa, 4), ==, 0x44332211);
    test_writem(t, gpa, 1, 0x33);
    g_assert_cmphex(t->ram[gpa], ==, 0x33);
    g_assert_cmphex(test_readm(t, gpa, 1), ==, 0x33);
    g_assert_cmpint(dma_write(&t->mem, gpa, &b, 1), ==, 0);
    g_assert_nonnull(as_ram_ptr(&t->mem, gpa, true, NULL));
    pam_set(f, reg, shift, 0);
}

static void test_pam(void)
{
    struct fx *f = fx_new();
    struct test_env *t = f->t;
    /* At reset every segment goes to PCI: the BIOS alias at E/F. */
    g_assert_cmphex(test_readm(t, 0xFFFF0, 1), ==, f->bios[0x1FFF0]);
    g_assert_cmphex(test_readm(t, 0xC0000, 1), ==, 0xff);
    check_pam(f, 0xF1234, I440FX_PAM0, 4, true);
    check_pam(f, 0xC0010, I440FX_PAM0 + 1, 0, false);
    check_pam(f, 0xC4010, I440FX_PAM0 + 1, 4, false);
    check_pam(f, 0xDC000, I440FX_PAM0 + 4, 4, false);
    check_pam(f, 0xE0000, I440FX_PAM0 + 5, 0, true);
    check_pam(f, 0xEFFF0, I440FX_PAM0 + 6, 4, true);
    /* Segments are independent: E4000 follows PAM5's high nibble only. */
    cfg_wr(f, I440FX_PAM0 + 5, 0x30, 1);
    t->ram[0xE0000] = 0x99;
    t->ram[0xE4000] = 0x98;
    g_assert_cmphex(test_readm(t, 0xE0000, 1), ==, f->bios[0]);
    g_assert_cmphex(test_readm(t, 0xE4000, 1), ==, 0x98);
    /* SeaBIOS's sequence: unlock everything, copy, lock. */
    cfg_wr(f, 0x58, 0x33333010, 4); /* DRAMT, PAM0-2 */
    cfg_wr(f, 0x5c, 0x33333333, 4); /* PAM3-6 */
    g_assert_cmphex(cfg_rd(f, I440FX_DRAMT, 1), ==, 0x10);
    for (unsigned a = 0xC0000; a < 0x100000; a += 0x4000)
        g_assert_cmpuint(i440fx_pam_attr(f->h, a), ==, 3);
    test_writem(t, 0xF0000, 4, 0xdeadbeef);
    cfg_wr(f, I440FX_PAM0, 0x10, 1);
    test_writem(t, 0xF0000, 4, 0);
    g_assert_cmphex(test_readm(t, 0xF0000, 4), ==, 0xdeadbeef);
    /* Reset: back to PCI. */
    i440fx_class.reset(f->h, RESET_WARM);
    i440fx_class.settle(f->h);
    g_assert_cmphex(test_readm(t, 0xF0000, 1), ==, f->bios[0x10000]);
    fx_free(f);
}

static void test_pam_no_bios(void)
{
    /* Direct boots have no ROM: E/F are unassigned until PAM opens RAM. */
    struct test_env *t = test_env_new(2 * MiB);
    struct pci_bus bus;
    pci_bus_init(&bus, &t->io, &t->mem, &t->log);
    struct i440fx *h = i440fx_new(&t->env, &bus, t->ram, t->ram_size, NULL, 0);
    i440fx_map_legacy(h, &t->mem);
    as_commit(&t->mem);
    i440fx_class.settle(h);
    g_assert_cmphex(test_readm(t, 0xF0000, 4), ==, 0xffffffff);
    pci_bus_config_write(&bus, 0, I440FX_PAM0, 0x30, 1);
    t->ram[0xF0000] = 1;
    g_assert_cmphex(test_readm(t, 0xF0000, 1), ==, 1);
    i440fx_class.destroy(h);
    test_env_free(t);
}

static void test_smram(void)
{
    struct fx *f = fx_new();
    struct test_env *t = f->t;
    t->ram[0xA0000] = 0x42;
    t->ram[0xBFFFF] = 0x43;
    /* Closed: the legacy video window (no VGA here: unassigned). */
    g_assert_cmphex(test_readm(t, 0xA0000, 1), ==, 0xff);
    test_writem(t, 0xA0000, 1, 0);
    g_assert_cmphex(t->ram[0xA0000], ==, 0x42);
    /* D_OPEN only works with G_SMRAME. */
    cfg_wr(f, I440FX_SMRAM, SMRAM_D_OPEN, 1);
    g_assert_cmphex(test_readm(t, 0xA0000, 1), ==, 0xff);
    cfg_wr(f, I440FX_SMRAM, SMRAM_D_OPEN | SMRAM_G_SMRAME | 0x85, 1);
    g_assert_cmphex(cfg_rd(f, I440FX_SMRAM, 1), ==, 0x4a); /* C_BASE_SEG fixed, bit 7 reserved */
    g_assert_cmphex(test_readm(t, 0xA0000, 1), ==, 0x42);
    g_assert_cmphex(test_readm(t, 0xBFFFF, 1), ==, 0x43);
    test_writem(t, 0xA0001, 1, 0x77);
    g_assert_cmphex(t->ram[0xA0001], ==, 0x77);
    /* Lock: D_OPEN drops and cannot come back. */
    cfg_wr(f, I440FX_SMRAM, SMRAM_D_OPEN | SMRAM_D_LCK | SMRAM_G_SMRAME, 1);
    g_assert_cmphex(cfg_rd(f, I440FX_SMRAM, 1), ==, 0x1a);
    g_assert_cmphex(test_readm(t, 0xA0000, 1), ==, 0xff);
    cfg_wr(f, I440FX_SMRAM, SMRAM_D_OPEN | SMRAM_G_SMRAME, 1);
    g_assert_cmphex(cfg_rd(f, I440FX_SMRAM, 1), ==, 0x1a);
    /* A warm reset keeps the lock; power-on clears it. */
    i440fx_class.reset(f->h, RESET_WARM);
    i440fx_class.settle(f->h);
    g_assert_cmphex(cfg_rd(f, I440FX_SMRAM, 1), ==, 0x12);
    i440fx_class.reset(f->h, RESET_COLD);
    i440fx_class.settle(f->h);
    g_assert_cmphex(cfg_rd(f, I440FX_SMRAM, 1), ==, 0x02);
    cfg_wr(f, I440FX_SMRAM, 0x4a, 1);
    g_assert_cmphex(test_readm(t, 0xA0000, 1), ==, 0x42);
    fx_free(f);
}

static void test_state(void)
{
    struct fx *f = fx_new(), *g = fx_new();
    test_dev_reset_idempotent(&i440fx_class, f->h);
    i440fx_class.settle(f->h);
    cfg_wr(f, I440FX_PAM0, 0x10, 1);
    cfg_wr(f, I440FX_PAM0 + 1, 0x33, 1);
    cfg_wr(f, I440FX_SMRAM, 0x5a, 1);
    f->t->ram[0xF0000] = 0x66;
    g->t->ram[0xF0000] = 0x66;
    test_out(f->t, 0xcf8, 4, 0x80000858);
    test_dev_roundtrip(&i440fx_class, f->h, g->h);
    /* The loaded device maps what its registers say. */
    g_assert_cmphex(test_readm(g->t, 0xF0000, 1), ==, 0x66);
    g_assert_cmpuint(i440fx_pam_attr(g->h, 0xC0000), ==, 3);
    g_assert_cmphex(test_in(g->t, 0xcf8, 4), ==, 0x80000858);
    g_assert_cmphex(cfg_rd(g, I440FX_SMRAM, 1), ==, 0x1a);
    cfg_wr(g, I440FX_SMRAM, 0x40, 1); /* still locked after the load */
    g_assert_cmphex(cfg_rd(g, I440FX_SMRAM, 1), ==, 0x12);

    /* Out of range: CONFADD reserved bits; PAM0's reserved nibble. */
    char err[200];
    size_t n;
    struct vm_writer w;
    g_assert_cmpint(vmw_begin(&w), ==, 0);
    vmw_node_begin(&w, "dev");
    vmw_u32(&w, "confadd", 0x80000001);
    vmw_node_end(&w);
    void *blob = vmw_finish(&w, &n);
    g_assert_cmpint(test_dev_load(&i440fx_class, g->h, blob, n, err, sizeof(err)), ==, -1);
    g_assert_nonnull(strstr(err, "confadd"));
    g_free(blob);
    uint8_t cfg[PCI_CONFIG_SIZE];
    memcpy(cfg, f->h->pci.config, sizeof(cfg));
    cfg[I440FX_PAM0] |= 0x03;
    g_assert_cmpint(vmw_begin(&w), ==, 0);
    vmw_node_begin(&w, "dev");
    vmw_bytes(&w, "pci-config", cfg, sizeof(cfg));
    vmw_node_end(&w);
    blob = vmw_finish(&w, &n);
    g_assert_cmpint(test_dev_load(&i440fx_class, g->h, blob, n, err, sizeof(err)), ==, -1);
    g_assert_nonnull(strstr(err, "pci-config"));
    g_free(blob);
    g_assert_cmphex(cfg_rd(g, I440FX_PAM0, 1), ==, 0x10);
    fx_free(f);
    fx_free(g);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/i440fx/mechanism", test_mechanism);
    g_test_add_func("/i440fx/reset-values", test_reset_values);
    g_test_add_func("/i440fx/pam", test_pam);
    g_test_add_func("/i440fx/pam-no-bios", test_pam_no_bios);
    g_test_add_func("/i440fx/smram", test_smram);
    g_test_add_func("/i440fx/state", test_state);
    return g_test_run();
}
