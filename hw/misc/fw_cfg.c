/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fw_cfg.c: QEMU's firmware configuration device, x86 port I/O interface.
 *
 * Source: QEMU docs/specs/fw_cfg.rst ("Guest-side Hardware Interface",
 * "Register Locations", "Firmware Configuration Items", "Guest-side DMA
 * Interface").
 *
 * Emulated: the selector (0x510, 16-bit; a byte write selects that byte),
 * the data register (0x511, auto-incrementing; past the end of an item and
 * for unknown keys it reads 0; writes are ignored, as in QEMU >= 2.4), the
 * DMA address register (0x514-0x51B, big-endian, reads back the "QEMU CFG"
 * signature; the write that completes its low half at 0x518-0x51B starts an
 * operation) with SELECT, READ, SKIP and the ERROR bit, the feature bitmap
 * (traditional + DMA), the file directory (sorted by name, 64-byte entries
 * with a 56-byte name as the spec's FWCfgFile) and the standard x86 items.
 * Selector bit 14 (write channel) is ignored for reads, as the spec's range
 * table says.
 * Not emulated: writable items (a DMA WRITE always fails with ERROR, which
 * is what QEMU does for read-only items), the MMIO (Arm) flavour,
 * asynchronous DMA completion.
 *
 * Guests: SeaBIOS probes the signature and feature bitmap, then uses DMA
 * for files (etc/e820, etc/table-loader, bootorder, genroms/...) and PIO for
 * the legacy keys; Linux's qemu_fw_cfg driver reads the directory; the
 * Linux direct-boot option ROM reads the kernel/initrd/cmdline/setup keys.
 *
 * Threat model: the guest controls the selector (any value; unknown keys
 * read as 0), the offset (saturates at the item length), the DMA
 * descriptor address and its length (all guest memory is reached through
 * dma_read/dma_write, RAM only; the zero fill past an item's end is copied
 * in 4 KiB chunks, so work is bounded by the length, itself capped at
 * 4 GiB - 1, and a non-RAM target fails at the first chunk with ERROR).
 * Loaded state: the offset is range-checked against the selected item. */
#include <glib.h>
#include <inttypes.h>
#include <string.h>
#include "hw/misc/fw_cfg.h"

#define DMA_CHUNK 4096
#define E820_ENTRY_SIZE 20

static const uint8_t zero_chunk[DMA_CHUNK];
static const char dma_signature[8] = { 'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G' };

static uint32_t ldbe32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t ldbe64(const uint8_t *p)
{
    return (uint64_t)ldbe32(p) << 32 | ldbe32(p + 4);
}

static void stbe16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = (uint8_t)v;
}

static void stbe32(uint8_t *p, uint32_t v)
{
    stbe16(p, v >> 16);
    stbe16(p + 2, (uint16_t)v);
}

static void stbe64(uint8_t *p, uint64_t v)
{
    stbe32(p, v >> 32);
    stbe32(p + 4, (uint32_t)v);
}

/* ---- items ---- */

static int find_item(const struct fw_cfg *fw, uint16_t key)
{
    for (size_t i = 0; i < fw->nitems; i++)
        if (fw->items[i].key == key)
            return (int)i;
    return -1;
}

static int find_file(const struct fw_cfg *fw, const char *name)
{
    for (size_t i = 0; i < fw->nitems; i++)
        if (fw->items[i].name[0] && !strcmp(fw->items[i].name, name))
            return (int)i;
    return -1;
}

static uint32_t cur_len(const struct fw_cfg *fw)
{
    return fw->cur >= 0 ? fw->items[fw->cur].len : 0;
}

/* The item a selector value reads: the write-channel bit is ignored. */
static int resolve(const struct fw_cfg *fw, uint16_t selector)
{
    return find_item(fw, selector & ~FW_CFG_WRITE_CHANNEL);
}

static void fw_cfg_select(struct fw_cfg *fw, uint16_t selector)
{
    fw->selector = selector;
    fw->offset = 0;
    fw->cur = resolve(fw, selector);
    TRACE(fw->env->log, fw->trace, "fw_cfg: select 0x%04x (%s)", selector,
          fw->cur >= 0 ? "present" : "absent");
}

/* Store an item, replacing one with the same key.  The selected item may
 * have changed under the guest: re-resolve and clamp the offset. */
static void set_item(struct fw_cfg *fw, uint16_t key, const void *data, uint32_t len,
                     const char *name)
{
    int i = find_item(fw, key);
    if (i < 0) {
        if (fw->nitems == fw->cap) {
            fw->cap = fw->cap ? fw->cap * 2 : 32;
            fw->items = g_renew(struct fw_cfg_item, fw->items, fw->cap);
        }
        i = (int)fw->nitems++;
        memset(&fw->items[i], 0, sizeof(fw->items[i]));
        fw->items[i].key = key;
    }
    struct fw_cfg_item *it = &fw->items[i];
    g_free(it->data);
    it->data = len ? g_memdup2(data, len) : NULL;
    it->len = len;
    if (name)
        g_strlcpy(it->name, name, sizeof(it->name));
    fw->cur = resolve(fw, fw->selector);
    fw->offset = MIN(fw->offset, cur_len(fw));
}

static int cmp_item_name(const void *a, const void *b)
{
    const struct fw_cfg_item *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

/* Directory: be32 count, then per file be32 size, be16 select, be16
 * reserved, char name[56]; sorted by name (strcmp order). */
static void rebuild_dir(struct fw_cfg *fw)
{
    const struct fw_cfg_item **files = g_new(const struct fw_cfg_item *, fw->nitems + 1);
    uint32_t n = 0;
    for (size_t i = 0; i < fw->nitems; i++)
        if (fw->items[i].name[0])
            files[n++] = &fw->items[i];
    qsort(files, n, sizeof(files[0]), cmp_item_name);
    uint32_t len = 4 + n * FW_CFG_DIR_ENTRY_SIZE;
    uint8_t *dir = g_malloc0(len);
    stbe32(dir, n);
    for (uint32_t k = 0; k < n; k++) {
        uint8_t *e = dir + 4 + k * FW_CFG_DIR_ENTRY_SIZE;
        stbe32(e, files[k]->len);
        stbe16(e + 4, files[k]->key);
        memcpy(e + 8, files[k]->name, strlen(files[k]->name));
    }
    g_free(files); /* before set_item, which may move the items */
    set_item(fw, FW_CFG_FILE_DIR, dir, len, NULL);
    g_free(dir);
}

void fw_cfg_add_bytes(struct fw_cfg *fw, uint16_t key, const void *data, uint32_t len)
{
    uint16_t k = key & ~FW_CFG_ARCH_LOCAL;
    if ((key & FW_CFG_WRITE_CHANNEL) || key == FW_CFG_FILE_DIR ||
        (!(key & FW_CFG_ARCH_LOCAL) && k >= FW_CFG_FILE_FIRST)) {
        warn_report("fw_cfg: key 0x%04x cannot be set directly", key);
        return;
    }
    set_item(fw, key, data, len, NULL);
}

void fw_cfg_add_u16(struct fw_cfg *fw, uint16_t key, uint16_t value)
{
    uint8_t b[2];
    st16(b, value);
    fw_cfg_add_bytes(fw, key, b, sizeof(b));
}

void fw_cfg_add_u32(struct fw_cfg *fw, uint16_t key, uint32_t value)
{
    uint8_t b[4];
    st32(b, value);
    fw_cfg_add_bytes(fw, key, b, sizeof(b));
}

void fw_cfg_add_u64(struct fw_cfg *fw, uint16_t key, uint64_t value)
{
    uint8_t b[8];
    st64(b, value);
    fw_cfg_add_bytes(fw, key, b, sizeof(b));
}

int fw_cfg_add_file(struct fw_cfg *fw, const char *name, const void *data, uint32_t len)
{
    size_t nlen = strlen(name);
    if (nlen == 0 || nlen >= FW_CFG_NAME_MAX) {
        warn_report("fw_cfg: bad file name \"%s\"", name);
        return -1;
    }
    int i = find_file(fw, name);
    uint16_t key;
    if (i >= 0) {
        key = fw->items[i].key;
    } else {
        if (fw->next_file_key > FW_CFG_KEY_MASK) {
            warn_report("fw_cfg: no key left for \"%s\"", name);
            return -1;
        }
        key = fw->next_file_key++;
    }
    set_item(fw, key, data, len, name);
    rebuild_dir(fw);
    return key;
}

void fw_cfg_add_e820(struct fw_cfg *fw, uint64_t addr, uint64_t len, uint32_t type)
{
    fw->e820 = g_realloc(fw->e820, fw->e820_len + E820_ENTRY_SIZE);
    uint8_t *e = fw->e820 + fw->e820_len;
    st64(e, addr);
    st64(e + 8, len);
    st32(e + 16, type);
    fw->e820_len += E820_ENTRY_SIZE;
    fw_cfg_add_file(fw, "etc/e820", fw->e820, fw->e820_len);
}

/* ---- DMA ---- */

/* READ: `len` bytes from the current offset to guest `gpa`; zeros past the
 * end of the item.  false if some target byte is not RAM. */
static bool dma_read_item(struct fw_cfg *fw, uint64_t gpa, uint32_t len)
{
    struct address_space *mem = fw->env->mem;
    uint32_t avail = cur_len(fw) - fw->offset;
    uint32_t n = MIN(len, avail);
    if (n) {
        if (dma_write(mem, gpa, fw->items[fw->cur].data + fw->offset, n))
            return false;
        fw->offset += n;
    }
    for (uint64_t done = n; done < len;) {
        uint32_t c = (uint32_t)MIN((uint64_t)DMA_CHUNK, len - done);
        if (dma_write(mem, gpa + done, zero_chunk, c))
            return false;
        done += c;
    }
    return true;
}

static void fw_cfg_dma(struct fw_cfg *fw, uint64_t desc)
{
    struct address_space *mem = fw->env->mem;
    uint8_t d[16];
    if (dma_read(mem, desc, d, sizeof(d))) {
        log_guest_error(fw->env->log, "fw_cfg", "DMA descriptor at 0x%" PRIx64 " not in RAM",
                        desc);
        return; /* nowhere to report the error */
    }
    uint32_t control = ldbe32(d), len = ldbe32(d + 4);
    uint64_t gpa = ldbe64(d + 8);
    bool ok = true;
    TRACE(fw->env->log, fw->trace, "fw_cfg: dma control 0x%08x len %u addr 0x%" PRIx64,
          control, len, gpa);
    if (control & FW_CFG_DMA_CTL_SELECT)
        fw_cfg_select(fw, control >> 16);
    if (control & FW_CFG_DMA_CTL_READ) {
        ok = dma_read_item(fw, gpa, len);
    } else if (control & FW_CFG_DMA_CTL_WRITE) {
        ok = false; /* no item is writable */
    } else if (control & FW_CFG_DMA_CTL_SKIP) {
        fw->offset += MIN(len, cur_len(fw) - fw->offset);
    }
    if (!ok)
        log_guest_error(fw->env->log, "fw_cfg", "DMA %s of %u bytes at 0x%" PRIx64 " failed",
                        control & FW_CFG_DMA_CTL_READ ? "read" : "write", len, gpa);
    uint8_t status[4];
    stbe32(status, ok ? 0 : FW_CFG_DMA_CTL_ERROR);
    dma_write(mem, desc, status, sizeof(status));
}

/* ---- registers ---- */

static uint8_t data_byte(struct fw_cfg *fw)
{
    if (fw->offset >= cur_len(fw))
        return 0;
    return fw->items[fw->cur].data[fw->offset++];
}

/* An access is decoded by the register it starts at: 0 selector, 1 data,
 * 2-3 reserved, 4-11 DMA address.  The bus never hands us an access that
 * runs past offset 11, and splits misaligned ones into bytes. */
static uint64_t fw_cfg_io_read(void *opaque, uint64_t offset, unsigned size)
{
    struct fw_cfg *fw = opaque;
    uint64_t v = 0;
    if (offset == FW_CFG_PORT_DATA) {
        for (unsigned i = 0; i < size; i++)
            v |= (uint64_t)data_byte(fw) << (8 * i);
    } else if (offset >= FW_CFG_PORT_DMA) {
        for (unsigned i = 0; i < size && offset + i < FW_CFG_IO_SIZE; i++)
            v |= (uint64_t)(uint8_t)dma_signature[offset - FW_CFG_PORT_DMA + i] << (8 * i);
    }
    return v; /* the selector is write-only; 2-3 are reserved */
}

static void fw_cfg_io_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    struct fw_cfg *fw = opaque;
    if (offset == FW_CFG_PORT_SEL) {
        fw_cfg_select(fw, (uint16_t)(size == 1 ? val & 0xff : val & 0xffff));
        return;
    }
    if (offset < FW_CFG_PORT_DMA) {
        TRACE(fw->env->log, fw->trace, "fw_cfg: ignored write 0x%" PRIx64 " at +%u", val,
              (unsigned)offset);
        return;
    }
    /* The register is big-endian in port order: byte i at 0x514+i. */
    unsigned i;
    for (i = 0; i < size && offset + i < FW_CFG_IO_SIZE; i++)
        fw->dma_addr[offset - FW_CFG_PORT_DMA + i] = (uint8_t)(val >> (8 * i));
    if (offset + i == FW_CFG_IO_SIZE) {
        uint64_t desc = ldbe64(fw->dma_addr);
        memset(fw->dma_addr, 0, sizeof(fw->dma_addr));
        fw_cfg_dma(fw, desc);
    }
}

static const struct io_ops fw_cfg_io_ops = {
    .read = fw_cfg_io_read,
    .write = fw_cfg_io_write,
    .min_size = 1,
    .max_size = 4,
};

struct fw_cfg *fw_cfg_new(const struct dev_env *env)
{
    struct fw_cfg *fw = g_new0(struct fw_cfg, 1);
    fw->env = env;
    fw->trace = trace_on(env->log, "fw_cfg");
    fw->next_file_key = FW_CFG_FILE_FIRST;
    fw->cur = -1;
    region_init_io(&fw->region, "fw_cfg", FW_CFG_IO_SIZE, &fw_cfg_io_ops, fw);
    static const uint8_t uuid0[16];
    fw_cfg_add_bytes(fw, FW_CFG_SIGNATURE, "QEMU", 4);
    fw_cfg_add_u32(fw, FW_CFG_ID, FW_CFG_FEATURE_TRADITIONAL | FW_CFG_FEATURE_DMA);
    fw_cfg_add_bytes(fw, FW_CFG_UUID, uuid0, sizeof(uuid0));
    fw_cfg_add_u64(fw, FW_CFG_RAM_SIZE, 0);
    fw_cfg_add_u16(fw, FW_CFG_NB_CPUS, 1);
    fw_cfg_add_u64(fw, FW_CFG_NUMA, 0); /* no nodes: the count, then nothing */
    fw_cfg_add_u16(fw, FW_CFG_BOOT_MENU, 0);
    fw_cfg_add_u16(fw, FW_CFG_MAX_CPUS, 1);
    rebuild_dir(fw);
    fw_cfg_select(fw, FW_CFG_SIGNATURE);
    return fw;
}

/* ---- dev_class ---- */

static void fw_cfg_reset(void *dev, enum reset_kind kind)
{
    struct fw_cfg *fw = dev;
    fw->selector = FW_CFG_SIGNATURE;
    fw->offset = 0;
    fw->cur = resolve(fw, fw->selector);
    memset(fw->dma_addr, 0, sizeof(fw->dma_addr));
}

static void fw_cfg_save(void *dev, struct vm_writer *w)
{
    struct fw_cfg *fw = dev;
    vmw_u16(w, "selector", fw->selector);
    vmw_u32(w, "offset", fw->offset);
    vmw_u64(w, "dma_addr", ldbe64(fw->dma_addr));
}

static int fw_cfg_load(void *dev, struct vm_reader *r)
{
    struct fw_cfg *fw = dev;
    uint16_t selector = fw->selector;
    uint32_t offset = fw->offset;
    uint64_t dma = ldbe64(fw->dma_addr);
    vmr_u16(r, "selector", &selector);
    vmr_u32(r, "offset", &offset);
    vmr_u64(r, "dma_addr", &dma);
    if (vmr_failed(r))
        return -1;
    /* Items are configuration: the selected item must exist with at least
     * `offset` bytes on this side too. */
    int cur = resolve(fw, selector);
    uint32_t len = cur >= 0 ? fw->items[cur].len : 0;
    if (offset > len) {
        vmr_fail(r, "offset", "%u beyond item 0x%04x of %u bytes", offset, selector, len);
        return -1;
    }
    fw->selector = selector;
    fw->cur = cur;
    fw->offset = offset;
    stbe64(fw->dma_addr, dma);
    return 0;
}

static void fw_cfg_destroy(void *dev)
{
    struct fw_cfg *fw = dev;
    for (size_t i = 0; i < fw->nitems; i++)
        g_free(fw->items[i].data);
    g_free(fw->items);
    g_free(fw->e820);
    g_free(fw);
}

const struct dev_class fw_cfg_class = {
    .name = "fw_cfg",
    .version = 1,
    .reset = fw_cfg_reset,
    .settle = NULL,
    .save = fw_cfg_save,
    .load = fw_cfg_load,
    .destroy = fw_cfg_destroy,
};
