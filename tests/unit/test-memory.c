/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Address spaces: priorities, flattening, access-size adaptation,
 * unassigned accesses, RAM/ROM, DMA bounds, listeners. */
#include <string.h>
#include "tests/support/testenv.h"

struct rec {
    uint64_t last_off, last_val;
    unsigned last_size;
    int reads, writes;
    uint8_t regs[64];
};

static uint64_t rec_read(void *opaque, uint64_t off, unsigned size)
{
    struct rec *r = opaque;
    r->reads++;
    r->last_off = off;
    r->last_size = size;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)r->regs[(off + i) % sizeof(r->regs)] << (8 * i);
    return v;
}

static void rec_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct rec *r = opaque;
    r->writes++;
    r->last_off = off;
    r->last_size = size;
    r->last_val = val;
    for (unsigned i = 0; i < size; i++)
        r->regs[(off + i) % sizeof(r->regs)] = (uint8_t)(val >> (8 * i));
}

static const struct io_ops ops_1_4 = { rec_read, rec_write, 1, 4 };
static const struct io_ops ops_4_4 = { rec_read, rec_write, 4, 4 };
static const struct io_ops ops_1_1 = { rec_read, rec_write, 1, 1 };

static void test_unassigned(void)
{
    struct test_env *t = test_env_new(0);
    g_assert_cmphex(test_in(t, 0x1234, 1), ==, 0xff);
    g_assert_cmphex(test_in(t, 0x1234, 2), ==, 0xffff);
    g_assert_cmphex(test_in(t, 0x1234, 4), ==, 0xffffffff);
    g_assert_cmphex(test_readm(t, 0xfebf0000, 8), ==, ~0ULL);
    test_out(t, 0x1234, 4, 0); /* dropped, no crash */
    test_env_free(t);
}

static void test_dispatch_basic(void)
{
    struct test_env *t = test_env_new(0);
    struct rec r = { 0 };
    struct mem_region reg;
    region_init_io(&reg, "rec", 8, &ops_1_4, &r);
    as_add(&t->io, &reg, 0x100, 0);
    as_commit(&t->io);
    test_out(t, 0x102, 2, 0xbeef);
    g_assert_cmpuint(r.last_off, ==, 2);
    g_assert_cmpuint(r.last_size, ==, 2);
    g_assert_cmphex(r.last_val, ==, 0xbeef);
    g_assert_cmphex(test_in(t, 0x102, 2), ==, 0xbeef);
    /* Outside the region: unassigned. */
    g_assert_cmphex(test_in(t, 0x108, 1), ==, 0xff);
    g_assert_cmphex(test_in(t, 0xff, 1), ==, 0xff);
    test_env_free(t);
}

static void test_split_wide(void)
{
    struct test_env *t = test_env_new(0);
    struct rec r = { 0 };
    struct mem_region reg;
    region_init_io(&reg, "bytes", 8, &ops_1_1, &r);
    as_add(&t->io, &reg, 0x200, 0);
    as_commit(&t->io);
    test_out(t, 0x200, 4, 0x44332211);
    g_assert_cmpint(r.writes, ==, 4);
    g_assert_cmphex(r.regs[0], ==, 0x11);
    g_assert_cmphex(r.regs[3], ==, 0x44);
    g_assert_cmpuint(r.last_size, ==, 1);
    g_assert_cmphex(test_in(t, 0x201, 2), ==, 0x3322);
    g_assert_cmpint(r.reads, ==, 2);
    test_env_free(t);
}

static void test_widen_narrow(void)
{
    struct test_env *t = test_env_new(0);
    struct rec r = { 0 };
    struct mem_region reg;
    region_init_io(&reg, "dwords", 16, &ops_4_4, &r);
    as_add(&t->mem, &reg, 0x10000, 0);
    as_commit(&t->mem);
    memcpy(r.regs, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    /* A byte read at offset 5 is served by the dword at 4. */
    g_assert_cmphex(test_readm(t, 0x10005, 1), ==, 0x06);
    g_assert_cmpuint(r.last_off, ==, 4);
    g_assert_cmpuint(r.last_size, ==, 4);
    /* A byte write becomes a dword write with the byte in place. */
    test_writem(t, 0x10006, 1, 0xaa);
    g_assert_cmpuint(r.last_off, ==, 4);
    g_assert_cmphex(r.last_val, ==, 0x00aa0000);
    /* A qword read splits into two dwords. */
    r.reads = 0;
    memcpy(r.regs + 8, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
    g_assert_cmphex(test_readm(t, 0x10008, 8), ==, 0x8877665544332211ULL);
    g_assert_cmpint(r.reads, ==, 2);
    test_env_free(t);
}

static void test_priority_overlap(void)
{
    struct test_env *t = test_env_new(1 * MiB);
    struct rec r = { 0 };
    struct mem_region vga;
    region_init_io(&vga, "vga-window", 0x20000, &ops_1_4, &r);
    /* RAM (prio 0) covers everything; the window wins where it is. */
    as_add(&t->mem, &vga, 0xa0000, 1);
    as_commit(&t->mem);
    t->ram[0x9ffff] = 0x5a;
    t->ram[0xc0000] = 0xa5;
    g_assert_cmphex(test_readm(t, 0x9ffff, 1), ==, 0x5a);
    g_assert_cmphex(test_readm(t, 0xc0000, 1), ==, 0xa5);
    test_writem(t, 0xa0010, 1, 0x77);
    g_assert_cmpint(r.writes, ==, 1);
    g_assert_cmphex(t->ram[0xa0010], ==, 0);
    /* Disable the window: RAM shows through. */
    region_set_enabled(&vga, false);
    as_commit(&t->mem);
    test_writem(t, 0xa0010, 1, 0x77);
    g_assert_cmphex(t->ram[0xa0010], ==, 0x77);
    g_assert_cmpint(r.writes, ==, 1);
    /* DMA never reaches MMIO, only RAM. */
    region_set_enabled(&vga, true);
    as_commit(&t->mem);
    uint8_t buf[16] = { 0 };
    g_assert_cmpint(dma_write(&t->mem, 0x9fff8, buf, 16), ==, -1);
    g_assert_cmpint(dma_write(&t->mem, 0x9fff0, buf, 16), ==, 0);
    g_assert_cmpint(dma_read(&t->mem, 0xfffff, buf, 2), ==, -1);
    g_assert_cmpint(dma_read(&t->mem, UINT64_MAX - 1, buf, 4), ==, -1);
    test_env_free(t);
}

static void test_rom(void)
{
    struct test_env *t = test_env_new(0);
    uint8_t rom[4096];
    memset(rom, 0x90, sizeof(rom));
    struct mem_region r;
    region_init_rom(&r, "rom", sizeof(rom), rom);
    as_add(&t->mem, &r, 0xfffff000ULL, 0);
    as_commit(&t->mem);
    g_assert_cmphex(test_readm(t, 0xfffffff0ULL, 4), ==, 0x90909090);
    test_writem(t, 0xfffffff0ULL, 4, 0);
    g_assert_cmphex(test_readm(t, 0xfffffff0ULL, 4), ==, 0x90909090);
    uint8_t b;
    g_assert_cmpint(dma_write(&t->mem, 0xfffff000ULL, &b, 1), ==, -1);
    g_assert_cmpint(dma_read(&t->mem, 0xfffff000ULL, &b, 1), ==, 0);
    test_env_free(t);
}

struct lrec {
    int adds, dels;
    uint64_t last_gpa, last_size;
    bool last_ro;
};

static void l_add(void *o, uint64_t gpa, uint64_t size, uint8_t *host, bool ro)
{
    struct lrec *l = o;
    l->adds++;
    l->last_gpa = gpa;
    l->last_size = size;
    l->last_ro = ro;
}

static void l_del(void *o, uint64_t gpa, uint64_t size, uint8_t *host)
{
    ((struct lrec *)o)->dels++;
}

static void test_listener(void)
{
    struct test_env *t = test_env_new(1 * MiB);
    struct lrec lr = { 0 };
    struct mem_listener l = { l_add, l_del, &lr, NULL };
    t->mem.listeners = &l;
    struct rec r = { 0 };
    struct mem_region hole;
    region_init_io(&hole, "hole", 0x10000, &ops_1_4, &r);
    as_add(&t->mem, &hole, 0x80000, 1);
    as_commit(&t->mem);
    /* RAM 0-1M was split in two around the hole: 1 del, 2 adds. */
    g_assert_cmpint(lr.dels, ==, 1);
    g_assert_cmpint(lr.adds, ==, 2);
    g_assert_cmphex(lr.last_gpa, ==, 0x90000);
    g_assert_cmphex(lr.last_size, ==, 0x70000);
    /* An unchanged commit tells nobody. */
    as_commit(&t->mem);
    g_assert_cmpint(lr.dels, ==, 1);
    g_assert_cmpint(lr.adds, ==, 2);
    t->mem.listeners = NULL;
    test_env_free(t);
}

static void test_many_regions_lookup(void)
{
    struct test_env *t = test_env_new(0);
    struct rec r[40];
    struct mem_region reg[40];
    memset(r, 0, sizeof(r));
    for (int i = 0; i < 40; i++) {
        region_init_io(&reg[i], "many", 4, &ops_1_4, &r[i]);
        as_add(&t->io, &reg[i], 0x1000 + i * 16, 0);
    }
    as_commit(&t->io);
    for (int i = 0; i < 40; i++)
        test_out(t, 0x1000 + i * 16 + 1, 1, i);
    for (int i = 0; i < 40; i++) {
        g_assert_cmpint(r[i].writes, ==, 1);
        g_assert_cmpuint(r[i].last_val, ==, (unsigned)i);
    }
    /* Move one and remove another. */
    as_move(&t->io, &reg[0], 0x3000);
    as_del(&t->io, &reg[1]);
    as_commit(&t->io);
    test_out(t, 0x3000, 1, 0x99);
    g_assert_cmphex(r[0].last_val, ==, 0x99);
    g_assert_cmphex(test_in(t, 0x1010, 1), ==, 0xff);
    test_env_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory/unassigned", test_unassigned);
    g_test_add_func("/memory/dispatch", test_dispatch_basic);
    g_test_add_func("/memory/split-wide", test_split_wide);
    g_test_add_func("/memory/widen-narrow", test_widen_narrow);
    g_test_add_func("/memory/priority", test_priority_overlap);
    g_test_add_func("/memory/rom", test_rom);
    g_test_add_func("/memory/listener", test_listener);
    g_test_add_func("/memory/many", test_many_regions_lookup);
    return g_test_run();
}
