/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for fw_cfg, driven through ports 0x510-0x51B and descriptors
 * in the test env's RAM, as SeaBIOS and Linux drive it. */
#include <string.h>
#include "hw/misc/fw_cfg.h"
#include "tests/support/testenv.h"

#define PORT 0x510
#define RAM_SIZE (1 * MiB)
#define DESC 0x1000
#define BUF 0x2000

struct fx {
    struct test_env *t;
    struct fw_cfg *fw;
};

static struct fw_cfg *make_fw(struct test_env *t)
{
    struct fw_cfg *fw = fw_cfg_new(&t->env);
    as_add(&t->io, &fw->region, PORT, 0);
    as_commit(&t->io);
    fw_cfg_class.reset(fw, RESET_COLD);
    return fw;
}

static struct fx setup(void)
{
    struct fx f;
    f.t = test_env_new(RAM_SIZE);
    f.fw = make_fw(f.t);
    return f;
}

static void teardown(struct fx *f)
{
    fw_cfg_class.destroy(f->fw);
    test_env_free(f->t);
}

static void sel(struct fx *f, uint16_t key)
{
    test_out(f->t, PORT, 2, key);
}

static void read_data(struct fx *f, void *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ((uint8_t *)buf)[i] = test_inb(f->t, PORT + 1);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Write a FWCfgDmaAccess at DESC and start it the way SeaBIOS does: two
 * 32-bit writes of the big-endian halves.  Returns the control word after. */
static uint32_t dma(struct fx *f, uint32_t control, uint32_t len, uint64_t addr, uint64_t desc)
{
    if (desc + 16 <= f->t->ram_size) {
        uint8_t *d = f->t->ram + desc;
        for (int i = 0; i < 4; i++) {
            d[i] = (uint8_t)(control >> (24 - 8 * i));
            d[4 + i] = (uint8_t)(len >> (24 - 8 * i));
        }
        for (int i = 0; i < 8; i++)
            d[8 + i] = (uint8_t)(addr >> (56 - 8 * i));
    }
    test_out(f->t, PORT + 4, 4, __builtin_bswap32((uint32_t)(desc >> 32)));
    test_out(f->t, PORT + 8, 4, __builtin_bswap32((uint32_t)desc));
    return desc + 16 <= f->t->ram_size ? be32(f->t->ram + desc) : 0xdeadbeef;
}

static void test_signature_pio(void)
{
    struct fx f = setup();
    char sig[6];
    sel(&f, FW_CFG_SIGNATURE);
    read_data(&f, sig, 6);
    g_assert_cmpmem(sig, 6, "QEMU\0\0", 6); /* past the end: 0 */
    /* Reset leaves the signature selected (offset 0). */
    fw_cfg_class.reset(f.fw, RESET_WARM);
    read_data(&f, sig, 4);
    g_assert_cmpmem(sig, 4, "QEMU", 4);
    /* Feature bitmap: traditional + DMA. */
    uint8_t id[4];
    sel(&f, FW_CFG_ID);
    read_data(&f, id, 4);
    g_assert_cmpuint(ld32(id), ==, FW_CFG_FEATURE_TRADITIONAL | FW_CFG_FEATURE_DMA);
    /* The selector is write-only, reserved ports read 0. */
    g_assert_cmphex(test_in(f.t, PORT, 2), ==, 0);
    g_assert_cmphex(test_inb(f.t, PORT + 2), ==, 0);
    teardown(&f);
}

static void test_selector(void)
{
    struct fx f = setup();
    uint8_t b[4];
    sel(&f, FW_CFG_SIGNATURE);
    read_data(&f, b, 2);
    /* Selecting again restarts at offset 0. */
    sel(&f, FW_CFG_SIGNATURE);
    read_data(&f, b, 1);
    g_assert_cmphex(b[0], ==, 'Q');
    /* A byte write selects that byte as the key. */
    test_outb(f.t, PORT, FW_CFG_ID);
    read_data(&f, b, 1);
    g_assert_cmphex(b[0], ==, 3);
    /* A 32-bit write uses the low 16 bits. */
    test_out(f.t, PORT, 4, 0xabcd0000 | FW_CFG_SIGNATURE);
    read_data(&f, b, 1);
    g_assert_cmphex(b[0], ==, 'Q');
    /* Bit 14 (write channel) still reads the item; data writes are ignored. */
    sel(&f, FW_CFG_WRITE_CHANNEL | FW_CFG_SIGNATURE);
    test_outb(f.t, PORT + 1, 'X');
    read_data(&f, b, 4);
    g_assert_cmpmem(b, 4, "QEMU", 4);
    /* Legacy integer items, little-endian. */
    fw_cfg_add_u16(f.fw, FW_CFG_NB_CPUS, 4);
    fw_cfg_add_u64(f.fw, FW_CFG_RAM_SIZE, 0x123456789aULL);
    uint8_t q[8];
    sel(&f, FW_CFG_NB_CPUS);
    read_data(&f, q, 2);
    g_assert_cmpuint(ld16(q), ==, 4);
    sel(&f, FW_CFG_RAM_SIZE);
    read_data(&f, q, 8);
    g_assert_cmpuint(ld64(q), ==, 0x123456789aULL);
    sel(&f, FW_CFG_NUMA);
    read_data(&f, q, 8);
    g_assert_cmpuint(ld64(q), ==, 0);
    teardown(&f);
}

static void test_unknown_key_and_past_end(void)
{
    struct fx f = setup();
    uint8_t b[8];
    sel(&f, 0x1234);
    memset(b, 0xaa, sizeof(b));
    read_data(&f, b, 8);
    g_assert_cmpmem(b, 8, "\0\0\0\0\0\0\0\0", 8);
    sel(&f, 0x8000);
    read_data(&f, b, 1);
    g_assert_cmphex(b[0], ==, 0);
    fw_cfg_add_bytes(f.fw, FW_CFG_CMDLINE_DATA, "abc", 3);
    sel(&f, FW_CFG_CMDLINE_DATA);
    read_data(&f, b, 5);
    g_assert_cmpmem(b, 5, "abc\0\0", 5);
    /* Keys that belong to files or the directory cannot be set directly. */
    fw_cfg_add_bytes(f.fw, 0x0025, "x", 1);
    sel(&f, 0x0025);
    read_data(&f, b, 1);
    g_assert_cmphex(b[0], ==, 0);
    /* Replacing the selected item clamps the offset. */
    sel(&f, FW_CFG_CMDLINE_DATA);
    read_data(&f, b, 3);
    fw_cfg_add_bytes(f.fw, FW_CFG_CMDLINE_DATA, "z", 1);
    g_assert_cmpuint(f.fw->offset, ==, 1);
    teardown(&f);
}

static void test_file_dir(void)
{
    struct fx f = setup();
    g_assert_cmpint(fw_cfg_add_file(f.fw, "etc/zeta", "zz", 2), ==, 0x20);
    g_assert_cmpint(fw_cfg_add_file(f.fw, "bootorder", "/pci@i0cf8/*\n", 13), ==, 0x21);
    g_assert_cmpint(fw_cfg_add_file(f.fw, "etc/alpha", "a", 1), ==, 0x22);
    /* Replacing keeps the key. */
    g_assert_cmpint(fw_cfg_add_file(f.fw, "etc/zeta", "zzzzz", 5), ==, 0x20);
    char longname[80];
    memset(longname, 'n', sizeof(longname));
    longname[56] = 0;
    g_assert_cmpint(fw_cfg_add_file(f.fw, longname, "", 0), ==, -1);
    longname[55] = 0;
    g_assert_cmpint(fw_cfg_add_file(f.fw, longname, "L", 1), ==, 0x23);
    g_assert_cmpint(fw_cfg_add_file(f.fw, "", "", 0), ==, -1);

    uint8_t dir[4 + 4 * 64];
    sel(&f, FW_CFG_FILE_DIR);
    read_data(&f, dir, sizeof(dir));
    g_assert_cmpuint(be32(dir), ==, 4);
    static const struct {
        const char *name;
        uint32_t size;
        uint16_t key;
    } want[] = { { "bootorder", 13, 0x21 }, { "etc/alpha", 1, 0x22 }, { "etc/zeta", 5, 0x20 } };
    for (int i = 0; i < 3; i++) {
        const uint8_t *e = dir + 4 + 64 * i;
        g_assert_cmpuint(be32(e), ==, want[i].size);
        g_assert_cmpuint(be16(e + 4), ==, want[i].key);
        g_assert_cmpuint(be16(e + 6), ==, 0);
        g_assert_cmpstr((const char *)e + 8, ==, want[i].name);
        for (size_t k = 8 + strlen(want[i].name); k < 64; k++)
            g_assert_cmphex(e[k], ==, 0);
    }
    /* The 55-character name sorts last ('n' > 'e') and fills the field. */
    g_assert_cmpuint(be16(dir + 4 + 3 * 64 + 4), ==, 0x23);
    g_assert_cmpmem(dir + 4 + 3 * 64 + 8, 56, longname, 56);
    uint8_t b[5];
    sel(&f, 0x20);
    read_data(&f, b, 5);
    g_assert_cmpmem(b, 5, "zzzzz", 5);
    teardown(&f);
}

static void test_e820(void)
{
    struct fx f = setup();
    fw_cfg_add_e820(f.fw, 0, 0x9fc00, 1);
    fw_cfg_add_e820(f.fw, 0x100000000ULL, 0x40000000ULL, 1);
    fw_cfg_add_e820(f.fw, 0xfeffc000, 0x4000, 2);
    uint8_t dir[4 + 64];
    sel(&f, FW_CFG_FILE_DIR);
    read_data(&f, dir, sizeof(dir));
    g_assert_cmpuint(be32(dir), ==, 1);
    g_assert_cmpstr((const char *)dir + 12, ==, "etc/e820");
    g_assert_cmpuint(be32(dir + 4), ==, 60);
    uint8_t e[60];
    sel(&f, be16(dir + 8));
    read_data(&f, e, 60);
    g_assert_cmpuint(ld64(e), ==, 0);
    g_assert_cmpuint(ld64(e + 8), ==, 0x9fc00);
    g_assert_cmpuint(ld32(e + 16), ==, 1);
    g_assert_cmpuint(ld64(e + 20), ==, 0x100000000ULL);
    g_assert_cmpuint(ld64(e + 28), ==, 0x40000000ULL);
    g_assert_cmpuint(ld64(e + 40), ==, 0xfeffc000);
    g_assert_cmpuint(ld32(e + 56), ==, 2);
    teardown(&f);
}

static void test_dma_signature_register(void)
{
    struct fx f = setup();
    uint64_t hi = __builtin_bswap32((uint32_t)test_in(f.t, PORT + 4, 4));
    uint64_t lo = __builtin_bswap32((uint32_t)test_in(f.t, PORT + 8, 4));
    g_assert_cmphex(hi << 32 | lo, ==, FW_CFG_DMA_SIGNATURE);
    g_assert_cmphex(test_inb(f.t, PORT + 4), ==, 'Q');
    g_assert_cmphex(test_inb(f.t, PORT + 0xb), ==, 'G');
    g_assert_cmphex(test_in(f.t, PORT + 0xa, 2), ==, 'F' | 'G' << 8);
    /* A whole 64-bit read split by the bus, read big-endian. */
    g_assert_cmphex(__builtin_bswap64(test_in(f.t, PORT + 4, 8)), ==, FW_CFG_DMA_SIGNATURE);
    teardown(&f);
}

static void test_dma_read(void)
{
    struct fx f = setup();
    /* Signature by DMA (selected by PIO). */
    sel(&f, FW_CFG_SIGNATURE);
    g_assert_cmphex(dma(&f, FW_CFG_DMA_CTL_READ, 4, BUF, DESC), ==, 0);
    g_assert_cmpmem(f.t->ram + BUF, 4, "QEMU", 4);
    /* A file with SELECT, reading past its end: zeros. */
    int key = fw_cfg_add_file(f.fw, "etc/test", "hello world", 11);
    memset(f.t->ram + BUF, 0xaa, 32);
    uint32_t ctl = (uint32_t)key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ;
    g_assert_cmphex(dma(&f, ctl, 16, BUF, DESC), ==, 0);
    g_assert_cmpmem(f.t->ram + BUF, 17, "hello world\0\0\0\0\0\xaa", 17);
    /* Offsets continue across operations. */
    ctl = (uint32_t)key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ;
    g_assert_cmphex(dma(&f, ctl, 5, BUF, DESC), ==, 0);
    g_assert_cmphex(dma(&f, FW_CFG_DMA_CTL_READ, 6, BUF + 5, DESC), ==, 0);
    g_assert_cmpmem(f.t->ram + BUF, 11, "hello world", 11);
    /* PIO continues where DMA left off. */
    ctl = (uint32_t)key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ;
    dma(&f, ctl, 6, BUF, DESC);
    g_assert_cmphex(test_inb(f.t, PORT + 1), ==, 'w');
    /* The address register is 0 after an operation. */
    g_assert_cmpmem(f.fw->dma_addr, 8, "\0\0\0\0\0\0\0\0", 8);
    teardown(&f);
}

static void test_dma_skip(void)
{
    struct fx f = setup();
    int key = fw_cfg_add_file(f.fw, "etc/skip", "0123456789", 10);
    uint32_t ctl = (uint32_t)key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_SKIP;
    g_assert_cmphex(dma(&f, ctl, 4, 0, DESC), ==, 0);
    g_assert_cmphex(dma(&f, FW_CFG_DMA_CTL_READ, 3, BUF, DESC), ==, 0);
    g_assert_cmpmem(f.t->ram + BUF, 3, "456", 3);
    /* Skipping past the end saturates; reads then give zeros. */
    g_assert_cmphex(dma(&f, FW_CFG_DMA_CTL_SKIP, 0xffffffff, 0, DESC), ==, 0);
    g_assert_cmpuint(f.fw->offset, ==, 10);
    memset(f.t->ram + BUF, 0xaa, 2);
    g_assert_cmphex(dma(&f, FW_CFG_DMA_CTL_READ, 2, BUF, DESC), ==, 0);
    g_assert_cmpmem(f.t->ram + BUF, 2, "\0\0", 2);
    /* SELECT alone selects. */
    g_assert_cmphex(dma(&f, (uint32_t)FW_CFG_ID << 16 | FW_CFG_DMA_CTL_SELECT, 0, 0, DESC), ==, 0);
    g_assert_cmphex(test_inb(f.t, PORT + 1), ==, 3);
    teardown(&f);
}

static void test_dma_errors(void)
{
    struct fx f = setup();
    int key = fw_cfg_add_file(f.fw, "etc/err", "data", 4);
    uint32_t ctl = (uint32_t)key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ;
    /* Target outside RAM. */
    g_assert_cmphex(dma(&f, ctl, 4, 0x40000000, DESC), ==, FW_CFG_DMA_CTL_ERROR);
    /* Target straddling the end of RAM. */
    g_assert_cmphex(dma(&f, ctl, 4, RAM_SIZE - 2, DESC), ==, FW_CFG_DMA_CTL_ERROR);
    /* A huge length: the data lands, the zero fill runs off RAM -> ERROR. */
    g_assert_cmphex(dma(&f, ctl, 0xffffffff, RAM_SIZE - 64 * KiB, DESC), ==,
                    FW_CFG_DMA_CTL_ERROR);
    g_assert_cmpmem(f.t->ram + RAM_SIZE - 64 * KiB, 4, "data", 4);
    /* Address wrap-around. */
    g_assert_cmphex(dma(&f, ctl, 0x100, UINT64_MAX - 0x10, DESC), ==, FW_CFG_DMA_CTL_ERROR);
    /* WRITE: no item is writable. */
    memcpy(f.t->ram + BUF, "EVIL", 4);
    ctl = (uint32_t)key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE;
    g_assert_cmphex(dma(&f, ctl, 4, BUF, DESC), ==, FW_CFG_DMA_CTL_ERROR);
    uint8_t b[4];
    sel(&f, (uint16_t)key);
    read_data(&f, b, 4);
    g_assert_cmpmem(b, 4, "data", 4);
    /* A descriptor outside RAM: nothing to report into, nothing happens,
     * and the address register is cleared. */
    dma(&f, ctl, 4, BUF, 0x7fff0000);
    dma(&f, ctl, 4, BUF, 0x100000000ULL);
    g_assert_cmpmem(f.fw->dma_addr, 8, "\0\0\0\0\0\0\0\0", 8);
    /* Only the write completing the low half starts an operation. */
    uint8_t *d = f.t->ram + DESC;
    memset(d, 0, 16);
    d[3] = FW_CFG_DMA_CTL_SKIP;
    d[7] = 1;
    test_outb(f.t, PORT + 4, 0);
    test_out(f.t, PORT + 8, 2, 0);
    g_assert_cmphex(d[3], ==, FW_CFG_DMA_CTL_SKIP);
    test_out(f.t, PORT + 0xa, 2, __builtin_bswap16(DESC));
    g_assert_cmphex(d[3], ==, 0);
    teardown(&f);
}

static void test_generic(void)
{
    struct fx f = setup();
    struct test_env *t2 = test_env_new(RAM_SIZE);
    test_dev_reset_idempotent(&fw_cfg_class, f.fw);
    int key = fw_cfg_add_file(f.fw, "etc/state", "abcdef", 6);
    sel(&f, (uint16_t)key);
    test_inb(f.t, PORT + 1);
    test_inb(f.t, PORT + 1);
    test_out(f.t, PORT + 4, 4, 0x78563412); /* half-written DMA address */
    struct fw_cfg *fresh = make_fw(t2);
    fw_cfg_add_file(fresh, "etc/state", "abcdef", 6);
    test_dev_roundtrip(&fw_cfg_class, f.fw, fresh);
    struct fx f2 = { t2, fresh };
    g_assert_cmphex(test_inb(f2.t, PORT + 1), ==, 'c');
    g_assert_cmphex(fresh->dma_addr[0], ==, 0x12);

    /* Out of range: an offset past the selected item on this side. */
    struct vm_writer w;
    g_assert_cmpint(vmw_begin(&w), ==, 0);
    vmw_node_begin(&w, "dev");
    vmw_u16(&w, "selector", (uint16_t)key);
    vmw_u32(&w, "offset", 7);
    vmw_node_end(&w);
    size_t n;
    void *blob = vmw_finish(&w, &n);
    char err[200];
    g_assert_cmpint(test_dev_load(&fw_cfg_class, fresh, blob, n, err, sizeof(err)), ==, -1);
    g_assert_nonnull(strstr(err, "offset"));
    g_free(blob);
    /* ...or an offset into an item that does not exist here. */
    g_assert_cmpint(vmw_begin(&w), ==, 0);
    vmw_node_begin(&w, "dev");
    vmw_u16(&w, "selector", 0x0777);
    vmw_u32(&w, "offset", 1);
    vmw_node_end(&w);
    blob = vmw_finish(&w, &n);
    g_assert_cmpint(test_dev_load(&fw_cfg_class, fresh, blob, n, err, sizeof(err)), ==, -1);
    g_free(blob);
    /* The rejected loads left the state alone. */
    g_assert_cmphex(test_inb(f2.t, PORT + 1), ==, 'd');

    fw_cfg_class.destroy(fresh);
    test_env_free(t2);
    teardown(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fw_cfg/signature-pio", test_signature_pio);
    g_test_add_func("/fw_cfg/selector", test_selector);
    g_test_add_func("/fw_cfg/unknown-key-past-end", test_unknown_key_and_past_end);
    g_test_add_func("/fw_cfg/file-dir", test_file_dir);
    g_test_add_func("/fw_cfg/e820", test_e820);
    g_test_add_func("/fw_cfg/dma-signature-register", test_dma_signature_register);
    g_test_add_func("/fw_cfg/dma-read", test_dma_read);
    g_test_add_func("/fw_cfg/dma-skip-select", test_dma_skip);
    g_test_add_func("/fw_cfg/dma-errors", test_dma_errors);
    g_test_add_func("/fw_cfg/generic", test_generic);
    return g_test_run();
}
