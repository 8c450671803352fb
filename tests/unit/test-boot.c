/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Direct kernel boot: the e820 map, the Linux bzImage loader, the Multiboot
 * loader and the MP tables, on a bare 64 MiB machine (no accelerator).
 * Kernel images are synthesized in memory, written to temp files, loaded,
 * installed, and the guest RAM and boot registers checked. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include "core/machine.h"
#include "hw/boot/e820.h"
#include "hw/boot/boot.h"
#include "hw/boot/linux.h"
#include "hw/boot/mptable.h"
#include "hw/boot/multiboot.h"
#include "firmware/roms.h"

#define RAM (64 * MiB)

/* ---- helpers ---- */

static struct machine *new_machine(uint64_t size)
{
    char *err = NULL;
    struct machine *m = machine_new(size, VCLOCK_MANUAL, &err);
    if (!m)
        g_error("machine_new: %s", err);
    as_commit(&m->mem);
    return m;
}

static char *tmp_file(const void *data, size_t len)
{
    char *path = NULL;
    GError *gerr = NULL;
    int fd = g_file_open_tmp("hvemu-boot-XXXXXX", &path, &gerr);
    g_assert_no_error(gerr);
    g_assert_cmpint(write(fd, data, len), ==, (ssize_t)len);
    close(fd);
    return path;
}

/* A sparse file of len bytes (large initrds without writing them). */
static char *tmp_sparse(size_t len)
{
    char *path = tmp_file("", 0);
    g_assert_cmpint(truncate(path, (off_t)len), ==, 0);
    return path;
}

static void rm(char *path)
{
    unlink(path);
    g_free(path);
}

static uint32_t rd32(struct machine *m, uint64_t a)
{
    uint8_t b[4];
    g_assert_cmpint(machine_read_phys(m, a, b, 4), ==, 0);
    return ld32(b);
}

static uint64_t rd64(struct machine *m, uint64_t a)
{
    uint8_t b[8];
    g_assert_cmpint(machine_read_phys(m, a, b, 8), ==, 0);
    return ld64(b);
}

static uint8_t rd8(struct machine *m, uint64_t a)
{
    uint8_t b;
    g_assert_cmpint(machine_read_phys(m, a, &b, 1), ==, 0);
    return b;
}

static char *rdstr(struct machine *m, uint64_t a)
{
    GString *s = g_string_new(NULL);
    for (uint8_t c; (c = rd8(m, a)) != 0; a++)
        g_string_append_c(s, (char)c);
    return g_string_free(s, FALSE);
}

static void assert_ram(struct machine *m, uint64_t a, const void *data, size_t len)
{
    uint8_t *b = g_malloc(len);
    g_assert_cmpint(machine_read_phys(m, a, b, len), ==, 0);
    g_assert_cmpmem(b, len, data, len);
    g_free(b);
}

static void assert_ram_byte(struct machine *m, uint64_t a, size_t len, uint8_t v)
{
    uint8_t *b = g_malloc(len);
    g_assert_cmpint(machine_read_phys(m, a, b, len), ==, 0);
    for (size_t i = 0; i < len; i++)
        if (b[i] != v)
            g_error("RAM at %#llx is %#x, expected %#x", (unsigned long long)(a + i), b[i], v);
    g_free(b);
}

static void fill_ram(struct machine *m, uint8_t v)
{
    memset(m->ram, v, m->ram_size);
}

static void assert_err(char *err, const char *want)
{
    g_assert_nonnull(err);
    if (!strstr(err, want))
        g_error("error '%s' does not contain '%s'", err, want);
    g_assert_null(strchr(err, '\n'));
    g_free(err);
}

static void pattern(uint8_t *p, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)(i * 7 + seed + (i >> 9));
}

/* ---- e820 ---- */

static void assert_e820(const struct e820_entry *e, uint64_t addr, uint64_t size, uint32_t type)
{
    g_assert_cmphex(e->addr, ==, addr);
    g_assert_cmphex(e->size, ==, size);
    g_assert_cmpuint(e->type, ==, type);
}

static void test_e820_small(void)
{
    struct machine *m = new_machine(RAM);
    struct e820_entry map[E820_MAX];
    g_assert_cmpuint(pc_e820_map(m, map, E820_MAX), ==, 6);
    assert_e820(&map[0], 0, 0x9FC00, E820_RAM);
    assert_e820(&map[1], 0x9FC00, 0x400, E820_RESERVED);
    assert_e820(&map[2], 0xF0000, 0x10000, E820_RESERVED);
    assert_e820(&map[3], 0x100000, RAM - 0x100000, E820_RAM);
    assert_e820(&map[4], 0xFEFFC000, 0x4000, E820_RESERVED);
    assert_e820(&map[5], 0xFFFC0000, 0x40000, E820_RESERVED);
    /* Sorted and non-overlapping. */
    for (int i = 1; i < 6; i++)
        g_assert_cmphex(map[i].addr, >=, map[i - 1].addr + map[i - 1].size);
    /* Only max entries are written. */
    struct e820_entry two[3] = { 0 };
    g_assert_cmpuint(pc_e820_map(m, two, 2), ==, 2);
    g_assert_cmpuint(two[2].type, ==, 0);
    uint8_t packed[E820_ENTRY_SIZE];
    e820_entry_pack(&map[3], packed);
    g_assert_cmphex(ld64(packed), ==, 0x100000);
    g_assert_cmphex(ld64(packed + 8), ==, RAM - 0x100000);
    g_assert_cmphex(ld32(packed + 16), ==, 1);
    machine_free(m);
}

static void test_e820_high(void)
{
    struct machine *m = new_machine(5 * GiB);
    struct e820_entry map[E820_MAX];
    g_assert_cmpuint(pc_e820_map(m, map, E820_MAX), ==, 7);
    assert_e820(&map[3], 0x100000, 0xC0000000 - 0x100000, E820_RAM);
    assert_e820(&map[6], 4 * GiB, 2 * GiB, E820_RAM);
    machine_free(m);
}

/* ---- Linux ---- */

struct bz {
    uint16_t version;
    uint8_t setup_sects;
    size_t pm_size;
    uint8_t loadflags;
    uint16_t xloadflags;
    uint32_t initrd_addr_max, cmdline_size, init_size, kernel_alignment;
    uint64_t pref_address;
    bool relocatable;
};

static const struct bz bz64 = {
    .version = 0x20F, .setup_sects = 27, .pm_size = 96 * KiB + 13,
    .loadflags = LINUX_LOADED_HIGH, .xloadflags = 0x3, .initrd_addr_max = 0x7FFFFFFF,
    .cmdline_size = 2047, .init_size = 8 * MiB, .kernel_alignment = 2 * MiB,
    .pref_address = 16 * MiB, .relocatable = true,
};

static uint8_t *make_bz(const struct bz *o, size_t *len)
{
    size_t setup = ((size_t)(o->setup_sects ? o->setup_sects : 4) + 1) * 512;
    *len = setup + o->pm_size;
    uint8_t *b = g_malloc0(*len);
    pattern(b, *len, 1);
    memset(b + 0x1F1, 0, 0x290 - 0x1F1);
    b[0x1F1] = o->setup_sects;
    st32(b + 0x1F4, (uint32_t)((o->pm_size + 15) / 16));
    st16(b + 0x1FC, 0x0301); /* root_dev: must be copied */
    st16(b + 0x1FE, 0xAA55);
    b[0x200] = 0xEB;
    b[0x201] = 0x6A; /* header ends at 0x26C */
    memcpy(b + 0x202, "HdrS", 4);
    st16(b + 0x206, o->version);
    b[0x211] = o->loadflags;
    st32(b + 0x214, 0x100000);
    st32(b + 0x22C, o->initrd_addr_max);
    st32(b + 0x230, o->kernel_alignment);
    b[0x234] = o->relocatable;
    st16(b + 0x236, o->xloadflags);
    st32(b + 0x238, o->cmdline_size);
    st64(b + 0x250, 0xdeadbeef); /* setup_data junk: must be cleared */
    st64(b + 0x258, o->pref_address);
    st32(b + 0x260, o->init_size);
    return b;
}

static char *bz_file(const struct bz *o)
{
    size_t len;
    uint8_t *b = make_bz(o, &len);
    char *p = tmp_file(b, len);
    g_free(b);
    return p;
}

static struct boot_image *load_ok(const char *k, const char *i, const char *a)
{
    char *err = NULL;
    struct boot_image *img = boot_image_load(k, i, a, &err);
    if (!img)
        g_error("load failed: %s", err);
    return img;
}

static void install_ok(struct boot_image *img, struct machine *m, struct x86_boot_state *bs)
{
    char *err = NULL;
    if (boot_image_install(img, m, bs, &err))
        g_error("install failed: %s", err);
    g_assert_true(bs->valid);
}

static char *install_err(struct boot_image *img, struct machine *m)
{
    char *err = NULL;
    struct x86_boot_state bs;
    g_assert_cmpint(boot_image_install(img, m, &bs, &err), ==, -1);
    return err;
}

static void check_zero_page(struct machine *m, const uint8_t *kernel, uint32_t initrd_addr,
                            uint32_t initrd_size)
{
    const uint64_t zp = LINUX_ZERO_PAGE;
    /* screen_info untouched: no VGA console assumed. */
    assert_ram_byte(m, zp, 0x40, 0);
    g_assert_cmpuint(rd8(m, zp + 0x0F), ==, 0); /* orig_video_isVGA */
    /* The setup header comes from the image... */
    assert_ram(m, zp + 0x1F1, kernel + 0x1F1, 0x1FA - 0x1F1);
    g_assert_cmphex(rd32(m, zp + 0x202), ==, ld32("HdrS"));
    g_assert_cmphex(rd32(m, zp + 0x1FC) & 0xffff, ==, 0x0301);
    /* ...with the loader's fields filled in. */
    g_assert_cmphex(rd32(m, zp + 0x1FA) & 0xffff, ==, 0xFFFF);
    g_assert_cmphex(rd8(m, zp + 0x210), ==, 0xFF);
    g_assert_cmphex(rd8(m, zp + 0x211), ==, LINUX_LOADED_HIGH | LINUX_CAN_USE_HEAP);
    g_assert_cmphex(rd32(m, zp + 0x224) & 0xffff, ==, 0xFE00);
    g_assert_cmphex(rd32(m, zp + 0x228), ==, LINUX_CMDLINE_ADDR);
    g_assert_cmphex(rd32(m, zp + 0x218), ==, initrd_addr);
    g_assert_cmphex(rd32(m, zp + 0x21C), ==, initrd_size);
    /* The e820 table. */
    g_assert_cmpuint(rd8(m, zp + 0x1E8), ==, 6);
    g_assert_cmphex(rd64(m, zp + 0x2D0), ==, 0);
    g_assert_cmphex(rd64(m, zp + 0x2D0 + 8), ==, 0x9FC00);
    g_assert_cmphex(rd32(m, zp + 0x2D0 + 16), ==, 1);
    g_assert_cmphex(rd64(m, zp + 0x2D0 + 3 * 20), ==, 0x100000);
    g_assert_cmphex(rd64(m, zp + 0x2D0 + 3 * 20 + 8), ==, RAM - 0x100000);
    g_assert_cmphex(rd32(m, zp + 0x2D0 + 4 * 20 + 16), ==, 2);
    g_assert_cmphex(rd64(m, zp + 0x2D0 + 6 * 20), ==, 0); /* nothing after */
}

static void test_linux_64(void)
{
    struct machine *m = new_machine(RAM);
    size_t klen;
    uint8_t *kernel = make_bz(&bz64, &klen);
    char *kpath = tmp_file(kernel, klen);
    size_t ilen = 100 * KiB + 5;
    uint8_t *initrd = g_malloc(ilen);
    pattern(initrd, ilen, 9);
    char *ipath = tmp_file(initrd, ilen);
    struct boot_image *img = load_ok(kpath, ipath, "console=ttyS0 quiet");
    g_assert_cmpint(boot_image_kind(img), ==, BOOT_LINUX);

    for (int pass = 0; pass < 2; pass++) { /* install again, as on reset */
        struct x86_boot_state bs;
        fill_ram(m, 0xAA);
        install_ok(img, m, &bs);
        uint32_t iaddr = (uint32_t)((RAM - ilen) & ~0xfffULL);
        check_zero_page(m, kernel, iaddr, (uint32_t)ilen);
        g_assert_cmphex(rd64(m, LINUX_ZERO_PAGE + 0x250), ==, 0); /* setup_data */
        char *cl = rdstr(m, LINUX_CMDLINE_ADDR);
        g_assert_cmpstr(cl, ==, "console=ttyS0 quiet");
        g_free(cl);
        size_t setup = (27 + 1) * 512;
        assert_ram(m, LINUX_LOAD_ADDR, kernel + setup, klen - setup);
        assert_ram(m, iaddr, initrd, ilen);

        /* 64-bit boot protocol entry. */
        g_assert_cmphex(bs.rip, ==, LINUX_LOAD_ADDR + 0x200);
        g_assert_cmphex(bs.rsi, ==, LINUX_ZERO_PAGE);
        g_assert_cmphex(bs.cr0 & (X86_CR0_PE | X86_CR0_PG), ==, X86_CR0_PE | X86_CR0_PG);
        g_assert_cmphex(bs.cr4 & X86_CR4_PAE, ==, X86_CR4_PAE);
        g_assert_cmphex(bs.efer, ==, X86_EFER_LME | X86_EFER_LMA);
        g_assert_cmphex(bs.cr3, ==, LINUX_PML4_ADDR);
        g_assert_cmphex(bs.rflags & 0x200, ==, 0);
        g_assert_cmpuint(bs.cs.sel, ==, 0x10);
        g_assert_cmpuint(bs.cs.l, ==, 1);
        g_assert_cmpuint(bs.cs.db, ==, 0);
        g_assert_cmpuint(bs.ds.sel, ==, 0x18);
        g_assert_cmpuint(bs.ss.sel, ==, 0x18);
        g_assert_cmpuint(bs.es.sel, ==, 0x18);
        g_assert_cmpuint(bs.tr.type, ==, 0xb);
        g_assert_cmphex(bs.gdt.base, ==, LINUX_GDT_ADDR);
        g_assert_cmpuint(bs.gdt.limit, ==, 31);
        /* The GDT in RAM matches the cached descriptors: L=1 code at 0x10. */
        uint64_t cs = rd64(m, LINUX_GDT_ADDR + 0x10), ds = rd64(m, LINUX_GDT_ADDR + 0x18);
        g_assert_cmphex(cs, ==, 0x00AF9B000000FFFFULL);
        g_assert_cmphex(ds, ==, 0x00CF93000000FFFFULL);
        g_assert_cmphex(rd64(m, LINUX_GDT_ADDR), ==, 0);
        /* Identity-mapped page tables covering 0-4 GiB. */
        g_assert_cmphex(rd64(m, LINUX_PML4_ADDR), ==, LINUX_PDPT_ADDR | 3);
        for (int i = 0; i < 4; i++)
            g_assert_cmphex(rd64(m, LINUX_PDPT_ADDR + 8 * i), ==, (LINUX_PD_ADDR + 0x1000 * i) | 3);
        g_assert_cmphex(rd64(m, LINUX_PD_ADDR), ==, 0x83);
        g_assert_cmphex(rd64(m, LINUX_PD_ADDR + 8 * 1536), ==, 0xC0000083);
        g_assert_cmphex(rd64(m, LINUX_PD_ADDR + 8 * 2047), ==, 0xFFE00083);
    }
    boot_image_free(img);
    g_free(kernel);
    g_free(initrd);
    rm(kpath);
    rm(ipath);
    machine_free(m);
}

/* Behind the firmware: what the board serves through fw_cfg for
 * firmware/linuxboot.S: the setup sectors with the loader fields patched
 * for the real-mode entry, the kernel at 1 MiB, the initrd below the
 * firmware's reserve at the top of RAM, the command line. */
static void test_linux_fw_load(void)
{
    struct machine *m = new_machine(RAM);
    size_t klen;
    uint8_t *kernel = make_bz(&bz64, &klen);
    char *kpath = tmp_file(kernel, klen);
    size_t ilen = 100 * KiB + 5;
    char *ipath = tmp_sparse(ilen);
    struct boot_image *img = load_ok(kpath, ipath, "console=ttyS0");
    struct linux_image *li = boot_image_linux(img);
    g_assert_nonnull(li);
    struct linux_fw_load l;
    char *err = NULL;
    g_assert_cmpint(linux_image_fw_load(li, m, &l, &err), ==, 0);
    size_t setup = (bz64.setup_sects + 1) * 512;
    g_assert_cmphex(l.setup_addr, ==, 0x10000);
    g_assert_cmpuint(l.setup_size, ==, setup);
    g_assert_cmpmem(l.setup + 0x202, 4, "HdrS", 4);
    g_assert_cmphex(ld16(l.setup + 0x1FA), ==, 0xFFFF);
    g_assert_cmphex(l.setup[0x210], ==, 0xFF);
    g_assert_cmphex(l.setup[0x211], ==, LINUX_LOADED_HIGH | LINUX_CAN_USE_HEAP);
    g_assert_cmphex(ld16(l.setup + 0x224), ==, LINUX_FW_STACK_TOP - 0x200);
    g_assert_cmphex(ld32(l.setup + 0x228), ==, LINUX_CMDLINE_ADDR);
    uint32_t iaddr = (uint32_t)((RAM - LINUX_FW_HIGH_RESERVE - ilen) & ~0xfffULL);
    g_assert_cmphex(ld32(l.setup + 0x218), ==, iaddr);
    g_assert_cmphex(ld32(l.setup + 0x21C), ==, ilen);
    g_assert_cmphex(l.initrd_addr, ==, iaddr);
    g_assert_cmpuint(l.initrd_size, ==, ilen);
    /* Only the loader fields differ from the file's setup sectors. */
    g_assert_cmpmem(l.setup + 0x22C, setup - 0x22C, kernel + 0x22C, setup - 0x22C);
    g_assert_cmphex(l.kernel_addr, ==, LINUX_LOAD_ADDR);
    g_assert_cmpmem(l.kernel, l.kernel_size, kernel + setup, klen - setup);
    g_assert_cmphex(l.cmdline_addr, ==, LINUX_CMDLINE_ADDR);
    g_assert_cmpstr(l.cmdline, ==, "console=ttyS0");
    g_assert_cmpuint(l.cmdline_size, ==, strlen("console=ttyS0") + 1);
    g_free(l.setup);
    boot_image_free(img);

    /* Too little RAM for the kernel plus the firmware's reserve. */
    machine_free(m);
    m = new_machine(8 * MiB);
    img = load_ok(kpath, NULL, "");
    g_assert_cmpint(linux_image_fw_load(boot_image_linux(img), m, &l, &err), ==, -1);
    assert_err(err, "does not fit in 8.0 MiB of guest RAM");
    boot_image_free(img);
    machine_free(m);
    g_free(kernel);
    rm(kpath);
    rm(ipath);
}

/* The option ROM image as built: a legacy ROM header with the init entry
 * at offset 3 and a PnP expansion header naming a bootstrap entry vector
 * (BIOS Boot Specification appendix A), within the image. */
static void test_linuxboot_rom(void)
{
    const uint8_t *r = linuxboot_rom;
    g_assert_cmpuint(linuxboot_rom_size, >=, 0x40);
    g_assert_cmpuint(linuxboot_rom_size, <=, 512);
    g_assert_cmphex(r[0], ==, 0x55);
    g_assert_cmphex(r[1], ==, 0xAA);
    size_t pnp = ld16(r + 0x1A);
    g_assert_cmpuint(pnp + 32, <=, linuxboot_rom_size);
    g_assert_cmpmem(r + pnp, 4, "$PnP", 4);
    g_assert_cmpuint(r[pnp + 5], ==, 2); /* 32 bytes */
    size_t bev = ld16(r + pnp + 0x1A), name = ld16(r + pnp + 0x10);
    g_assert_cmpuint(bev, >, pnp + 32);
    g_assert_cmpuint(bev, <, linuxboot_rom_size);
    g_assert_cmpstr((const char *)r + name, ==, "hvemu Linux loader");
}

static void test_linux_32(void)
{
    struct machine *m = new_machine(RAM);
    struct bz o = { .version = 0x202, .setup_sects = 0, .pm_size = 20000,
                    .loadflags = LINUX_LOADED_HIGH, .xloadflags = 1 /* ignored: < 2.12 */ };
    size_t klen;
    uint8_t *kernel = make_bz(&o, &klen);
    g_assert_cmpuint(klen, ==, 5 * 512 + 20000);
    char *kpath = tmp_file(kernel, klen);
    char *longline = g_strnfill(300, 'x');
    struct boot_image *img = load_ok(kpath, NULL, longline);
    struct x86_boot_state bs;
    install_ok(img, m, &bs);
    check_zero_page(m, kernel, 0, 0);
    /* 2.02 had no cmdline_size: 255 characters. */
    char *cl = rdstr(m, LINUX_CMDLINE_ADDR);
    g_assert_cmpuint(strlen(cl), ==, 255);
    g_free(cl);
    assert_ram(m, LINUX_LOAD_ADDR, kernel + 5 * 512, 20000);
    /* 32-bit boot protocol entry. */
    g_assert_cmphex(bs.rip, ==, LINUX_LOAD_ADDR);
    g_assert_cmphex(bs.rsi, ==, LINUX_ZERO_PAGE);
    g_assert_cmphex(bs.rbx | bs.rdi | bs.rbp, ==, 0);
    g_assert_cmphex(bs.cr0 & X86_CR0_PG, ==, 0);
    g_assert_cmphex(bs.cr0 & X86_CR0_PE, ==, X86_CR0_PE);
    g_assert_cmphex(bs.efer, ==, 0);
    g_assert_cmpuint(bs.cs.sel, ==, 0x10);
    g_assert_cmpuint(bs.cs.db, ==, 1);
    g_assert_cmpuint(bs.cs.l, ==, 0);
    g_assert_cmphex(bs.cs.limit, ==, 0xffffffff);
    g_assert_cmpuint(bs.ds.sel, ==, 0x18);
    g_assert_cmphex(bs.rflags, ==, 2);
    g_assert_cmphex(rd64(m, LINUX_GDT_ADDR + 0x10), ==, 0x00CF9B000000FFFFULL);
    boot_image_free(img);
    g_free(longline);
    g_free(kernel);
    rm(kpath);
    machine_free(m);
}

static void test_linux_cmdline_size(void)
{
    struct machine *m = new_machine(RAM);
    struct bz o = bz64;
    o.cmdline_size = 10;
    char *kpath = bz_file(&o);
    struct boot_image *img = load_ok(kpath, NULL, "0123456789abcdef");
    struct x86_boot_state bs;
    install_ok(img, m, &bs);
    char *cl = rdstr(m, LINUX_CMDLINE_ADDR);
    g_assert_cmpstr(cl, ==, "0123456789");
    g_free(cl);
    boot_image_free(img);
    rm(kpath);
    machine_free(m);
}

static void test_linux_initrd_placement(void)
{
    struct machine *m = new_machine(RAM);
    struct bz o = bz64;
    o.initrd_addr_max = 32 * MiB - 1;
    char *kpath = bz_file(&o);
    char *ipath = tmp_sparse(3 * MiB + 1);
    struct boot_image *img = load_ok(kpath, ipath, "");
    struct x86_boot_state bs;
    install_ok(img, m, &bs);
    uint32_t a = rd32(m, LINUX_ZERO_PAGE + 0x218);
    g_assert_cmphex(a, ==, (32 * MiB - (3 * MiB + 1)) & ~0xfffULL);
    g_assert_cmphex(a & 0xfff, ==, 0);
    /* Clear of the decompression area: 16 MiB + 8 MiB. */
    g_assert_cmphex(a, >=, 24 * MiB);
    boot_image_free(img);

    /* 9 MiB does not fit between 24 MiB and 32 MiB. */
    rm(ipath);
    ipath = tmp_sparse(9 * MiB);
    img = load_ok(kpath, ipath, "");
    assert_err(install_err(img, m), "does not fit");
    boot_image_free(img);

    /* Too large for the whole RAM. */
    rm(ipath);
    ipath = tmp_sparse(70 * MiB);
    o.initrd_addr_max = 0xFFFFFFFF;
    rm(kpath);
    kpath = bz_file(&o);
    img = load_ok(kpath, ipath, "");
    char *err = install_err(img, m);
    g_assert_nonnull(strstr(err, ipath));
    assert_err(err, "-initrd");
    boot_image_free(img);
    rm(ipath);
    rm(kpath);
    machine_free(m);
}

static void test_linux_errors(void)
{
    char *err = NULL;
    struct bz o = bz64;

    o.version = 0x201;
    char *p = bz_file(&o);
    g_assert_null(boot_image_load(p, NULL, NULL, &err));
    assert_err(err, "too old");
    rm(p);

    o = bz64;
    o.loadflags = 0;
    p = bz_file(&o);
    g_assert_null(boot_image_load(p, NULL, NULL, &err));
    assert_err(err, "zImage");
    rm(p);

    o = bz64;
    o.relocatable = true;
    o.kernel_alignment = 3 * MiB;
    p = bz_file(&o);
    g_assert_null(boot_image_load(p, NULL, NULL, &err));
    assert_err(err, "kernel_alignment");
    rm(p);

    /* Setup sectors beyond the end of the file. */
    size_t len;
    uint8_t *b = make_bz(&bz64, &len);
    p = tmp_file(b, 4096);
    g_assert_null(boot_image_load(p, NULL, NULL, &err));
    assert_err(err, "truncated");
    rm(p);
    /* Found by fuzzing: "HdrS" in a file that ends inside the header. */
    p = tmp_file(b, 0x207);
    g_assert_null(boot_image_load(p, NULL, NULL, &err));
    assert_err(err, "truncated");
    rm(p);
    /* syssize larger than the file. */
    p = tmp_file(b, len - 64);
    g_assert_null(boot_image_load(p, NULL, NULL, &err));
    assert_err(err, "truncated");
    rm(p);
    /* A header shorter than its version promises. */
    b[0x201] = 0x30;
    p = tmp_file(b, len);
    g_assert_null(boot_image_load(p, NULL, NULL, &err));
    assert_err(err, "setup header too short");
    rm(p);
    g_free(b);

    /* The initrd must exist. */
    p = bz_file(&bz64);
    g_assert_null(boot_image_load(p, "/nonexistent/initrd.gz", NULL, &err));
    assert_err(err, "-initrd /nonexistent/initrd.gz: No such file or directory");

    /* Does not fit: 1 MiB + init_size beyond RAM. */
    struct machine *m = new_machine(RAM);
    o = bz64;
    o.init_size = 60 * MiB;
    rm(p);
    p = bz_file(&o);
    struct boot_image *img = load_ok(p, NULL, NULL);
    assert_err(install_err(img, m), "to decompress");
    boot_image_free(img);
    rm(p);
    machine_free(m);

    /* The kernel itself larger than RAM. */
    m = new_machine(2 * MiB);
    o = bz64;
    o.pm_size = 1536 * KiB;
    o.init_size = 0;
    o.pref_address = 0;
    p = bz_file(&o);
    img = load_ok(p, NULL, NULL);
    assert_err(install_err(img, m), "does not fit");
    boot_image_free(img);
    rm(p);
    machine_free(m);
}

static void test_generic_errors(void)
{
    char *err = NULL;
    g_assert_null(boot_image_load("/nonexistent/vmlinuz", NULL, NULL, &err));
    assert_err(err, "-kernel /nonexistent/vmlinuz: No such file or directory");

    g_assert_null(boot_image_load("/", NULL, NULL, &err));
    assert_err(err, "-kernel /: Is a directory");

    char *p = tmp_file("", 0);
    g_assert_null(boot_image_load(p, NULL, NULL, &err));
    char *want = g_strdup_printf("-kernel %s: empty file", p);
    assert_err(err, want);
    g_free(want);
    rm(p);

    uint8_t junk[10000];
    pattern(junk, sizeof(junk), 5);
    p = tmp_file(junk, sizeof(junk));
    g_assert_null(boot_image_load(p, NULL, NULL, &err));
    want = g_strdup_printf("-kernel %s: not a Linux bzImage or Multiboot kernel", p);
    assert_err(err, want);
    g_free(want);
    rm(p);
}

/* The Debian kernel `make guest-linux` builds, when it is there (or the
 * bzImage named by $HVEMU_TEST_VMLINUZ). */
static char *find_debian_kernel(void)
{
    const char *env = g_getenv("HVEMU_TEST_VMLINUZ");
    if (env && *env)
        return g_strdup(env);
    char *exe = g_file_read_link("/proc/self/exe", NULL);
    char *cands[2] = { NULL, g_strdup("build/guests/linux/vmlinuz") };
    if (exe) {
        char *d1 = g_path_get_dirname(exe), *d2 = g_path_get_dirname(d1);
        char *d3 = g_path_get_dirname(d2);
        cands[0] = g_build_filename(d3, "guests", "linux", "vmlinuz", NULL);
        g_free(d1);
        g_free(d2);
        g_free(d3);
        g_free(exe);
    }
    char *found = NULL;
    for (int i = 0; i < 2; i++) {
        if (!found && cands[i] && g_file_test(cands[i], G_FILE_TEST_IS_REGULAR))
            found = g_strdup(cands[i]);
        g_free(cands[i]);
    }
    return found;
}

static void test_linux_debian(void)
{
    char *path = find_debian_kernel();
    if (!path) {
        g_test_skip("SKIP: build/guests/linux/vmlinuz not built (make guest-linux)");
        return;
    }
    char *err = NULL;
    struct linux_image *img = linux_image_load(path, NULL, "console=ttyS0", &err);
    if (!img)
        g_error("%s", err);
    const struct linux_header *h = linux_image_header(img);
    g_assert_cmphex(h->version, >=, 0x20C);
    g_assert_true(h->xloadflags & LINUX_XLF_KERNEL_64);
    g_assert_true(h->loadflags & LINUX_LOADED_HIGH);
    g_assert_true(h->relocatable);
    g_assert_cmpuint(h->init_size, >, h->kernel_size);
    g_assert_cmpuint(h->cmdline_size, >=, 255);
    struct machine *m = new_machine(512 * MiB);
    struct x86_boot_state bs;
    if (linux_image_install(img, m, &bs, &err))
        g_error("%s", err);
    g_assert_cmphex(bs.rip, ==, LINUX_LOAD_ADDR + 0x200);
    machine_free(m);
    /* Too little RAM to decompress (16 MiB + init_size): a clean error. */
    m = new_machine(RAM);
    g_assert_cmpint(linux_image_install(img, m, &bs, &err), ==, -1);
    assert_err(err, "to decompress");
    machine_free(m);
    linux_image_free(img);
    g_free(path);
}

/* ---- Multiboot ---- */

static void mb_header(uint8_t *p, uint32_t flags)
{
    st32(p, MULTIBOOT_HEADER_MAGIC);
    st32(p + 4, flags);
    st32(p + 8, (uint32_t)-(MULTIBOOT_HEADER_MAGIC + flags));
}

struct seg {
    uint32_t type;
    uint64_t offset, vaddr, paddr, filesz, memsz;
};

/* An ELF file: header, program headers, a Multiboot header at 0x200, then
 * file data (pattern) up to len. */
static uint8_t *make_elf(bool is64, const struct seg *s, unsigned n, uint64_t entry,
                         uint32_t mbflags, size_t len)
{
    uint8_t *b = g_malloc0(len);
    pattern(b, len, 3);
    memset(b, 0, 0x200);
    memcpy(b, "\x7f" "ELF", 4);
    b[4] = is64 ? 2 : 1;
    b[5] = 1;
    b[6] = 1;
    st16(b + 16, 2); /* ET_EXEC */
    st16(b + 18, is64 ? 62 : 3);
    if (is64) {
        st64(b + 24, entry);
        st64(b + 32, 64);
        st16(b + 52, 64);
        st16(b + 54, 56);
        st16(b + 56, (uint16_t)n);
        for (unsigned i = 0; i < n; i++) {
            uint8_t *p = b + 64 + 56 * i;
            st32(p, s[i].type);
            st64(p + 8, s[i].offset);
            st64(p + 16, s[i].vaddr);
            st64(p + 24, s[i].paddr);
            st64(p + 32, s[i].filesz);
            st64(p + 40, s[i].memsz);
        }
    } else {
        st32(b + 24, (uint32_t)entry);
        st32(b + 28, 52);
        st16(b + 40, 52);
        st16(b + 42, 32);
        st16(b + 44, (uint16_t)n);
        for (unsigned i = 0; i < n; i++) {
            uint8_t *p = b + 52 + 32 * i;
            st32(p, s[i].type);
            st32(p + 4, (uint32_t)s[i].offset);
            st32(p + 8, (uint32_t)s[i].vaddr);
            st32(p + 12, (uint32_t)s[i].paddr);
            st32(p + 16, (uint32_t)s[i].filesz);
            st32(p + 20, (uint32_t)s[i].memsz);
        }
    }
    mb_header(b + 0x200, mbflags);
    return b;
}

/* Walk the mbi of an installed kernel and check what every test shares. */
static uint64_t check_mbi_common(struct machine *m, const struct x86_boot_state *bs,
                                 const char *cmdline)
{
    g_assert_cmphex(bs->rax, ==, 0x2BADB002);
    uint64_t mbi = bs->rbx;
    g_assert_cmphex(mbi, <, 0x9FC00);
    g_assert_cmphex(rd32(m, mbi), ==, 0x24D); /* mem, cmdline, mods, mmap, name */
    g_assert_cmpuint(rd32(m, mbi + 4), ==, 639);
    g_assert_cmpuint(rd32(m, mbi + 8), ==, (RAM - MiB) / KiB);
    char *s = rdstr(m, rd32(m, mbi + 16));
    g_assert_cmpstr(s, ==, cmdline);
    g_free(s);
    s = rdstr(m, rd32(m, mbi + 64));
    g_assert_cmpstr(s, ==, "hvemu");
    g_free(s);
    /* mmap: 6 entries of size 20 (+4 for the size field itself). */
    g_assert_cmpuint(rd32(m, mbi + 44), ==, 6 * 24);
    uint64_t mm = rd32(m, mbi + 48);
    g_assert_cmpuint(rd32(m, mm), ==, 20);
    g_assert_cmphex(rd64(m, mm + 4), ==, 0);
    g_assert_cmphex(rd64(m, mm + 12), ==, 0x9FC00);
    g_assert_cmpuint(rd32(m, mm + 20), ==, 1);
    g_assert_cmphex(rd64(m, mm + 3 * 24 + 4), ==, 0x100000);
    g_assert_cmphex(rd64(m, mm + 3 * 24 + 12), ==, RAM - 0x100000);
    g_assert_cmpuint(rd32(m, mm + 1 * 24 + 20), ==, 2);
    /* Registers: flat 32-bit protected mode, paging off, IF=0. */
    g_assert_cmphex(bs->cr0 & (X86_CR0_PE | X86_CR0_PG), ==, X86_CR0_PE);
    g_assert_cmphex(bs->rflags, ==, 2);
    g_assert_cmpuint(bs->cs.db, ==, 1);
    g_assert_cmphex(bs->cs.base, ==, 0);
    g_assert_cmphex(bs->cs.limit, ==, 0xffffffff);
    g_assert_cmpuint(bs->ds.sel, ==, bs->es.sel);
    g_assert_cmpuint(bs->fs.sel, ==, bs->gs.sel);
    g_assert_cmpuint(bs->ss.sel, ==, bs->ds.sel);
    g_assert_cmphex(bs->ds.limit, ==, 0xffffffff);
    g_assert_cmphex(rd64(m, bs->gdt.base + bs->cs.sel), ==, 0x00CF9B000000FFFFULL);
    g_assert_cmphex(rd64(m, bs->gdt.base + bs->ds.sel), ==, 0x00CF93000000FFFFULL);
    return mbi;
}

static void test_mb_elf32(void)
{
    struct machine *m = new_machine(RAM);
    const struct seg segs[] = {
        { 1, 0, 0x100000, 0x100000, 0x1000, 0x3000 },
        { 4, 0x1000, 0, 0, 0x10, 0x10 }, /* PT_NOTE: ignored */
        { 1, 0x1000, 0x200000, 0x200000, 0x800, 0x800 },
    };
    size_t len = 0x1800;
    uint8_t *k = make_elf(false, segs, 3, 0x100010, MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO, len);
    char *kpath = tmp_file(k, len);
    uint8_t mod1[5000], mod2[4096];
    pattern(mod1, sizeof(mod1), 11);
    pattern(mod2, sizeof(mod2), 12);
    char *m1 = tmp_file(mod1, sizeof(mod1)), *m2 = tmp_file(mod2, sizeof(mod2));
    char *mods = g_strdup_printf("%s arg1 a,,b,%s", m1, m2);
    struct boot_image *img = load_ok(kpath, mods, "root=/dev/x");
    g_assert_cmpint(boot_image_kind(img), ==, BOOT_MULTIBOOT);
    struct x86_boot_state bs;
    fill_ram(m, 0xAA);
    install_ok(img, m, &bs);

    assert_ram(m, 0x100000, k, 0x1000);
    assert_ram_byte(m, 0x101000, 0x2000, 0); /* bss zeroed */
    assert_ram_byte(m, 0x103000, 0x10, 0xAA);
    assert_ram(m, 0x200000, k + 0x1000, 0x800);
    g_assert_cmphex(bs.rip, ==, 0x100010);

    char *cl = g_strdup_printf("%s root=/dev/x", kpath);
    uint64_t mbi = check_mbi_common(m, &bs, cl);
    g_free(cl);
    g_assert_cmphex(mbi, ==, MULTIBOOT_INFO_PREFERRED + BOOT_GDT_SIZE);
    g_assert_cmpuint(rd32(m, mbi + 20), ==, 2);
    uint64_t ml = rd32(m, mbi + 24);
    g_assert_cmphex(rd32(m, ml), ==, 0x201000); /* page-aligned after the kernel */
    g_assert_cmphex(rd32(m, ml + 4), ==, 0x201000 + sizeof(mod1));
    char *s = rdstr(m, rd32(m, ml + 8));
    char *want = g_strdup_printf("%s arg1 a,b", m1);
    g_assert_cmpstr(s, ==, want);
    g_free(s);
    g_free(want);
    g_assert_cmphex(rd32(m, ml + 16), ==, 0x203000);
    g_assert_cmphex(rd32(m, ml + 20), ==, 0x203000 + sizeof(mod2));
    s = rdstr(m, rd32(m, ml + 24));
    g_assert_cmpstr(s, ==, m2);
    g_free(s);
    assert_ram(m, 0x201000, mod1, sizeof(mod1));
    assert_ram(m, 0x203000, mod2, sizeof(mod2));

    boot_image_free(img);
    g_free(mods);
    g_free(k);
    rm(kpath);
    rm(m1);
    rm(m2);
    machine_free(m);
}

static void test_mb_elf64(void)
{
    struct machine *m = new_machine(RAM);
    const struct seg segs[] = {
        { 1, 0, 0xFFFFFFFF80100000ULL, 0x100000, 0x1000, 0x1000 },
    };
    uint8_t *k = make_elf(true, segs, 1, 0xFFFFFFFF80100020ULL, MULTIBOOT_VIDEO_MODE, 0x1000);
    char *kpath = tmp_file(k, 0x1000);
    struct boot_image *img = load_ok(kpath, NULL, NULL);
    struct x86_boot_state bs;
    install_ok(img, m, &bs);
    /* The virtual entry point is translated to its physical address. */
    g_assert_cmphex(bs.rip, ==, 0x100020);
    assert_ram(m, 0x100000, k, 0x1000);
    uint64_t mbi = check_mbi_common(m, &bs, kpath);
    g_assert_cmpuint(rd32(m, mbi + 20), ==, 0);
    boot_image_free(img);
    g_free(k);
    rm(kpath);
    machine_free(m);
}

/* a.out kludge: the Multiboot header at 0x40 of a 0x1000-byte file. */
static uint8_t *make_aout(uint32_t load, uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
    uint8_t *b = g_malloc(0x1000);
    pattern(b, 0x1000, 4);
    mb_header(b + 0x40, MULTIBOOT_AOUT_KLUDGE | MULTIBOOT_MEMORY_INFO);
    st32(b + 0x4C, load + 0x40); /* header_addr */
    st32(b + 0x50, load);
    st32(b + 0x54, load_end);
    st32(b + 0x58, bss_end);
    st32(b + 0x5C, entry);
    return b;
}

static void test_mb_aout(void)
{
    struct machine *m = new_machine(RAM);
    uint8_t *k = make_aout(0x100000, 0x100800, 0x102000, 0x100080);
    char *kpath = tmp_file(k, 0x1000);
    struct boot_image *img = load_ok(kpath, NULL, "x");
    struct x86_boot_state bs;
    fill_ram(m, 0xAA);
    install_ok(img, m, &bs);
    assert_ram(m, 0x100000, k, 0x800);
    assert_ram_byte(m, 0x100800, 0x1800, 0);
    assert_ram_byte(m, 0x102000, 0x100, 0xAA);
    g_assert_cmphex(bs.rip, ==, 0x100080);
    char *cl = g_strdup_printf("%s x", kpath);
    check_mbi_common(m, &bs, cl);
    g_free(cl);
    boot_image_free(img);
    g_free(k);
    rm(kpath);

    /* load_end_addr 0: the whole rest of the file; a kernel in low memory
     * over the preferred info address moves the info elsewhere. */
    k = make_aout(0x10000, 0, 0, 0x10000);
    kpath = tmp_file(k, 0x1000);
    img = load_ok(kpath, NULL, NULL);
    install_ok(img, m, &bs);
    assert_ram(m, 0x10000, k, 0x1000);
    uint64_t base = bs.gdt.base;
    g_assert_cmphex(base, ==, MULTIBOOT_INFO_MIN);
    g_assert_cmphex(bs.rbx, ==, base + BOOT_GDT_SIZE);
    check_mbi_common(m, &bs, kpath);
    boot_image_free(img);
    g_free(k);
    rm(kpath);
    machine_free(m);
}

static void expect_load_err(const void *data, size_t len, const char *mods, const char *want)
{
    char *p = tmp_file(data, len), *err = NULL;
    g_assert_null(boot_image_load(p, mods, NULL, &err));
    char *full = g_strdup_printf("-kernel %s: ", p);
    if (!strstr(err, full) && !g_str_has_prefix(err, "-initrd"))
        g_error("'%s' does not name the file", err);
    g_free(full);
    assert_err(err, want);
    rm(p);
}

static void test_mb_errors(void)
{
    uint8_t b[0x1000] = { 0 };
    /* Truncated header: magic and flags only, at the end of the file. */
    st32(b + 0x100, MULTIBOOT_HEADER_MAGIC);
    expect_load_err(b, 0x108, NULL, "Multiboot header truncated");
    /* a.out kludge flag set but the address fields cut off. */
    mb_header(b + 0x100, MULTIBOOT_AOUT_KLUDGE);
    expect_load_err(b, 0x110, NULL, "Multiboot header truncated");
    /* Bad checksum. */
    st32(b + 0x108, 0x12345678);
    expect_load_err(b, sizeof(b), NULL, "checksum");
    /* Required flag hvemu does not know. */
    mb_header(b + 0x100, BIT(3));
    expect_load_err(b, sizeof(b), NULL, "does not support");
    /* Neither ELF nor a.out fields. */
    mb_header(b + 0x100, 0);
    expect_load_err(b, sizeof(b), NULL, "not ELF");

    /* a.out: load_end_addr < load_addr. */
    uint8_t *k = make_aout(0x100000, 0xF0000, 0, 0x100000);
    expect_load_err(k, 0x1000, NULL, "load_end_addr is below load_addr");
    g_free(k);
    k = make_aout(0x100000, 0x102000, 0, 0x100000);
    expect_load_err(k, 0x1000, NULL, "past the end of the file");
    g_free(k);
    k = make_aout(0x100000, 0x100800, 0x100400, 0x100000);
    expect_load_err(k, 0x1000, NULL, "bss_end_addr");
    g_free(k);
    k = make_aout(0x100000, 0, 0, 0x200000);
    expect_load_err(k, 0x1000, NULL, "entry_addr");
    g_free(k);
    k = make_aout(0x100000, 0, 0, 0x100000);
    st32(k + 0x4C, 0x200000); /* header_addr far beyond: load before the file */
    mb_header(k + 0x40, MULTIBOOT_AOUT_KLUDGE);
    expect_load_err(k, 0x1000, NULL, "before the start of the file");
    g_free(k);

    /* ELF: a segment reaching past the file, one beyond 4 GiB. */
    struct seg s = { 1, 0x800, 0x100000, 0x100000, 0x1000, 0x1000 };
    k = make_elf(false, &s, 1, 0x100000, 0, 0x1000);
    expect_load_err(k, 0x1000, NULL, "past the end of the file");
    g_free(k);
    s = (struct seg){ 1, 0, 0x100000, 0x1FFFFF000ULL, 0x1000, 0x1000 };
    k = make_elf(true, &s, 1, 0x100000, 0, 0x1000);
    expect_load_err(k, 0x1000, NULL, "not below 4 GiB");
    g_free(k);
    s = (struct seg){ 1, 0, 0x100000, 0x100000, 0x1000, 0x800 };
    k = make_elf(false, &s, 1, 0x100000, 0, 0x1000);
    expect_load_err(k, 0x1000, NULL, "p_filesz");
    g_free(k);
    s = (struct seg){ 4, 0, 0x100000, 0x100000, 0x1000, 0x1000 };
    k = make_elf(false, &s, 1, 0x100000, 0, 0x1000);
    expect_load_err(k, 0x1000, NULL, "no loadable segments");
    st16(k + 44, 200); /* phnum beyond the file */
    expect_load_err(k, 0x1000, NULL, "program headers lie outside");
    g_free(k);

    /* Modules: a missing file, an empty name. */
    s = (struct seg){ 1, 0, 0x100000, 0x100000, 0x1000, 0x1000 };
    k = make_elf(false, &s, 1, 0x100000, 0, 0x1000);
    expect_load_err(k, 0x1000, "/nonexistent/mod arg",
                    "-initrd /nonexistent/mod: No such file or directory");
    expect_load_err(k, 0x1000, "/dev/null,", "has no file name");
    g_free(k);
}

static void test_mb_outside_ram(void)
{
    struct machine *m = new_machine(RAM);
    struct seg s = { 1, 0, 0x8000000, 0x8000000, 0x1000, 0x1000 };
    uint8_t *k = make_elf(false, &s, 1, 0x8000000, 0, 0x1000);
    char *kpath = tmp_file(k, 0x1000);
    struct boot_image *img = load_ok(kpath, NULL, NULL);
    assert_err(install_err(img, m), "outside guest RAM");
    boot_image_free(img);
    rm(kpath);
    g_free(k);

    /* Module too large for RAM. */
    s = (struct seg){ 1, 0, 0x100000, 0x100000, 0x1000, 0x1000 };
    k = make_elf(false, &s, 1, 0x100000, 0, 0x1000);
    kpath = tmp_file(k, 0x1000);
    char *mod = tmp_sparse(64 * MiB);
    img = load_ok(kpath, mod, NULL);
    assert_err(install_err(img, m), "does not fit");
    boot_image_free(img);
    rm(mod);
    rm(kpath);
    g_free(k);
    machine_free(m);
}

/* ---- MP table ---- */

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return s;
}

/* Search the way an OS does (MP spec 4): 16-byte aligned "_MP_" with a good
 * checksum in 0xF0000-0xFFFFF. */
static uint64_t mp_find(struct machine *m)
{
    uint8_t *bios = g_malloc(0x10000);
    g_assert_cmpint(machine_read_phys(m, 0xF0000, bios, 0x10000), ==, 0);
    uint64_t found = 0;
    for (size_t off = 0; off < 0x10000 && !found; off += 16)
        if (!memcmp(bios + off, "_MP_", 4) && sum(bios + off, 16 * bios[off + 8]) == 0)
            found = 0xF0000 + off;
    g_free(bios);
    return found;
}

static void test_mptable(void)
{
    struct machine *m = new_machine(RAM);
    char *err = NULL;
    struct mptable_cfg cfg = { 4, 0x000306C3, 0x0781ABFD };
    g_assert_cmpint(mptable_install_cfg(m, &cfg, &err), ==, 0);
    uint64_t fps = mp_find(m);
    g_assert_cmphex(fps, ==, MPTABLE_ADDR);
    g_assert_cmpuint(rd8(m, fps + 9), ==, 4);
    g_assert_cmpuint(rd8(m, fps + 11), ==, 0);

    uint64_t t = rd32(m, fps + 4);
    g_assert_cmphex(t, >=, 0xF0000);
    uint8_t hdr[44];
    g_assert_cmpint(machine_read_phys(m, t, hdr, 44), ==, 0);
    g_assert_cmpmem(hdr, 4, "PCMP", 4);
    size_t len = ld16(hdr + 4);
    uint8_t *tab = g_malloc(len);
    g_assert_cmpint(machine_read_phys(m, t, tab, len), ==, 0);
    g_assert_cmpuint(sum(tab, len), ==, 0);
    g_assert_cmpuint(tab[6], ==, 4);
    g_assert_cmpmem(tab + 8, 8, "HVEMU   ", 8);
    g_assert_cmpmem(tab + 16, 12, "PC          ", 12);
    g_assert_cmphex(ld32(tab + 36), ==, 0xFEE00000);
    unsigned count = ld16(tab + 34);
    g_assert_cmpuint(count, ==, 4 + 1 + 1 + 15 + 2);

    unsigned ncpu = 0, nbus = 0, nio = 0, nirq = 0, nlint = 0, last_type = 0;
    bool irq_seen[16] = { false };
    size_t off = 44;
    for (unsigned i = 0; i < count; i++) {
        const uint8_t *e = tab + off;
        g_assert_cmpuint(e[0], >=, last_type); /* entries in type order */
        last_type = e[0];
        switch (e[0]) {
        case 0:
            g_assert_cmpuint(e[1], ==, ncpu);
            g_assert_cmphex(e[2], ==, 0x14);
            g_assert_cmphex(e[3], ==, ncpu == 0 ? 3 : 1);
            g_assert_cmphex(ld32(e + 4), ==, 0x000306C3);
            g_assert_cmphex(ld32(e + 8), ==, 0x0781ABFD);
            ncpu++;
            off += 20;
            break;
        case 1:
            g_assert_cmpuint(e[1], ==, 0);
            g_assert_cmpmem(e + 2, 6, "ISA   ", 6);
            nbus++;
            off += 8;
            break;
        case 2:
            g_assert_cmpuint(e[1], ==, 0);
            g_assert_cmphex(e[2], ==, 0x11);
            g_assert_cmpuint(e[3], ==, 1);
            g_assert_cmphex(ld32(e + 4), ==, 0xFEC00000);
            nio++;
            off += 8;
            break;
        case 3:
            g_assert_cmpuint(e[1], ==, 0);
            g_assert_cmphex(ld16(e + 2), ==, 0);
            g_assert_cmpuint(e[4], ==, 0);
            g_assert_cmpuint(e[5], <, 16);
            g_assert_cmpuint(e[5], !=, 2);
            g_assert_false(irq_seen[e[5]]);
            irq_seen[e[5]] = true;
            g_assert_cmpuint(e[6], ==, 0); /* the IOAPIC */
            g_assert_cmpuint(e[7], ==, e[5] == 0 ? 2 : e[5]);
            nirq++;
            off += 8;
            break;
        case 4:
            g_assert_cmpuint(e[1], ==, nlint == 0 ? 3 : 1); /* ExtINT, then NMI */
            g_assert_cmpuint(e[6], ==, 0xff);
            g_assert_cmpuint(e[7], ==, nlint);
            nlint++;
            off += 8;
            break;
        default:
            g_error("unknown MP entry type %u", e[0]);
        }
    }
    g_assert_cmpuint(off, ==, len);
    g_assert_cmpuint(ncpu, ==, 4);
    g_assert_cmpuint(nbus, ==, 1);
    g_assert_cmpuint(nio, ==, 1);
    g_assert_cmpuint(nirq, ==, 15);
    g_assert_cmpuint(nlint, ==, 2);
    g_free(tab);

    g_assert_cmpint(mptable_install(m, 0, &err), ==, -1);
    assert_err(err, "CPUs");
    g_assert_cmpint(mptable_install(m, 255, &err), ==, -1);
    assert_err(err, "CPUs");
    /* The most CPUs, with the default signature. */
    memset(m->ram + 0xF0000, 0, 0x10000);
    g_assert_cmpint(mptable_install(m, MPTABLE_MAX_CPUS, &err), ==, 0);
    g_assert_cmphex(mp_find(m), ==, MPTABLE_ADDR);
    t = rd32(m, MPTABLE_ADDR + 4);
    len = rd32(m, t + 4) & 0xffff;
    tab = g_malloc(len);
    g_assert_cmpint(machine_read_phys(m, t, tab, len), ==, 0);
    g_assert_cmpuint(sum(tab, len), ==, 0);
    g_assert_cmpuint(ld16(tab + 34), ==, MPTABLE_MAX_CPUS + 1 + 1 + 15 + 2);
    const uint8_t *last_cpu = tab + 44 + (MPTABLE_MAX_CPUS - 1) * 20;
    g_assert_cmpuint(last_cpu[0], ==, 0);
    g_assert_cmpuint(last_cpu[1], ==, MPTABLE_MAX_CPUS - 1);
    g_assert_cmphex(ld32(last_cpu + 4), ==, MPTABLE_DEFAULT_SIGNATURE);
    g_assert_cmphex(ld32(last_cpu + 8), ==, MPTABLE_DEFAULT_FEATURES);
    g_assert_cmpuint(tab[44 + MPTABLE_MAX_CPUS * 20 + 8 + 1], ==, 0); /* IOAPIC ID */
    g_free(tab);
    machine_free(m);

    /* No RAM at 0xF0000. */
    m = new_machine(512 * KiB);
    g_assert_cmpint(mptable_install(m, 1, &err), ==, -1);
    assert_err(err, "not RAM");
    machine_free(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/boot/e820/small", test_e820_small);
    g_test_add_func("/boot/e820/high", test_e820_high);
    g_test_add_func("/boot/linux/64", test_linux_64);
    g_test_add_func("/boot/linux/32", test_linux_32);
    g_test_add_func("/boot/linux/fw-load", test_linux_fw_load);
    g_test_add_func("/boot/linux/linuxboot-rom", test_linuxboot_rom);
    g_test_add_func("/boot/linux/cmdline-size", test_linux_cmdline_size);
    g_test_add_func("/boot/linux/initrd", test_linux_initrd_placement);
    g_test_add_func("/boot/linux/errors", test_linux_errors);
    g_test_add_func("/boot/linux/debian", test_linux_debian);
    g_test_add_func("/boot/errors", test_generic_errors);
    g_test_add_func("/boot/multiboot/elf32", test_mb_elf32);
    g_test_add_func("/boot/multiboot/elf64", test_mb_elf64);
    g_test_add_func("/boot/multiboot/aout", test_mb_aout);
    g_test_add_func("/boot/multiboot/errors", test_mb_errors);
    g_test_add_func("/boot/multiboot/outside-ram", test_mb_outside_ram);
    g_test_add_func("/boot/mptable", test_mptable);
    return g_test_run();
}
