/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.c: the Linux/x86 boot protocol (Documentation/arch/x86/boot.rst in
 * the kernel tree: "The real-mode kernel header", "Details of header
 * fields", "32-bit boot protocol", "64-bit boot protocol").
 *
 * Emulated: a boot loader that skips the real-mode setup code and enters
 * the protected-mode kernel directly, as the 32-bit and 64-bit boot
 * protocols allow: the zero page (struct boot_params) carries the setup
 * header copied from the image, the loader fields (type_of_loader 0xFF,
 * CAN_USE_HEAP, cmd_line_ptr, ramdisk_image/size, vid_mode "normal") and
 * the e820 map; screen_info is left zero so the kernel assumes no VGA text
 * console.  Not emulated: zImage, protocols older than 2.02, EFI handover,
 * setup_data, initrd above 4 GiB, loading at pref_address (every kernel is
 * loaded at 1 MiB; relocatable ones move themselves).
 *
 * Threat model: the kernel and initrd files are untrusted.  Every header
 * field read is inside the file (the setup header sits inside the setup
 * sectors, whose size is checked against the file), the copied header is
 * clamped to the setup-header area of the zero page, 64-bit sizes and
 * addresses from the header are compared in 64-bit arithmetic against the
 * file size and guest RAM before use, and all guest writes go through
 * machine_write_phys, which refuses anything outside RAM. */
#include <string.h>
#include <glib.h>
#include "hw/boot/linux.h"
#include "core/log.h"
#include "core/machine.h"
#include "hw/boot/e820.h"
#include "hw/boot/boot.h"

/* Offsets of the setup header (boot.rst "The real-mode kernel header") and
 * of the zero page fields we fill. */
enum {
    HDR_START = 0x1F1,
    HDR_SETUP_SECTS = 0x1F1,
    HDR_SYSSIZE = 0x1F4,
    HDR_VID_MODE = 0x1FA,
    HDR_JUMP = 0x200,
    HDR_MAGIC = 0x202,
    HDR_VERSION = 0x206,
    HDR_TYPE_OF_LOADER = 0x210,
    HDR_LOADFLAGS = 0x211,
    HDR_CODE32_START = 0x214,
    HDR_RAMDISK_IMAGE = 0x218,
    HDR_RAMDISK_SIZE = 0x21C,
    HDR_HEAP_END_PTR = 0x224,
    HDR_EXT_LOADER_VER = 0x226,
    HDR_EXT_LOADER_TYPE = 0x227,
    HDR_CMD_LINE_PTR = 0x228,
    HDR_INITRD_ADDR_MAX = 0x22C,
    HDR_KERNEL_ALIGNMENT = 0x230,
    HDR_RELOCATABLE = 0x234,
    HDR_XLOADFLAGS = 0x236,
    HDR_CMDLINE_SIZE = 0x238,
    HDR_HARDWARE_SUBARCH = 0x23C,
    HDR_SETUP_DATA = 0x250,
    HDR_PREF_ADDRESS = 0x258,
    HDR_INIT_SIZE = 0x260,
    /* boot_params: the setup header area ends where edd_mbr_sig_buffer
     * begins; nothing of the image is copied beyond it. */
    ZP_HDR_LIMIT = 0x290,
    ZP_E820_ENTRIES = 0x1E8,
    ZP_E820_TABLE = 0x2D0,
    ZP_E820_MAX = 128,
    ZP_SIZE = 4096,
};

#define CMDLINE_MAX (PC_BASE_MEM_END - LINUX_CMDLINE_ADDR - 1)
#define PAGE_SIZE 4096ULL
#define PT_PAGES 6 /* PML4, PDPT, 4 page directories */

struct linux_image {
    char *kname, *iname;
    uint8_t *kbuf, *ibuf;
    size_t klen, ilen;
    char *cmdline;
    struct linux_header h;
};

bool linux_probe(const uint8_t *buf, size_t len)
{
    return len >= HDR_MAGIC + 4 && !memcmp(buf + HDR_MAGIC, "HdrS", 4);
}

/* The header must reach the last field its protocol version defines that
 * we read, or we would read setup code as header fields. */
static size_t required_header_end(uint16_t v)
{
    if (v >= 0x20A)
        return HDR_INIT_SIZE + 4;
    if (v >= 0x206)
        return HDR_CMDLINE_SIZE + 4;
    if (v >= 0x205)
        return HDR_RELOCATABLE + 1;
    if (v >= 0x203)
        return HDR_INITRD_ADDR_MAX + 4;
    return HDR_CMD_LINE_PTR + 4;
}

static int parse_header(struct linux_image *img, char **err)
{
    const uint8_t *b = img->kbuf;
    struct linux_header *h = &img->h;
    const char *name = img->kname;

    if (!linux_probe(b, img->klen)) {
        *err = g_strdup_printf("-kernel %s: not a Linux bzImage", name);
        return -1;
    }
    /* At least 1 KiB of setup: every header field read below is inside. */
    h->setup_sects = b[HDR_SETUP_SECTS];
    h->setup_size = ((size_t)(h->setup_sects ? h->setup_sects : 4) + 1) * 512;
    if (h->setup_size >= img->klen) {
        *err = g_strdup_printf("-kernel %s: truncated (setup code is %zu bytes, "
                               "the file %zu)", name, h->setup_size, img->klen);
        return -1;
    }
    h->version = ld16(b + HDR_VERSION);
    if (h->version < 0x202) {
        *err = g_strdup_printf("-kernel %s: Linux boot protocol %u.%02u is too old "
                               "(2.02 or later needed)", name, h->version >> 8,
                               h->version & 0xff);
        return -1;
    }
    /* The setup header ends where the jump at 0x200 lands. */
    h->header_end = HDR_MAGIC + b[HDR_JUMP + 1];
    if (h->header_end < required_header_end(h->version)) {
        *err = g_strdup_printf("-kernel %s: setup header too short for boot "
                               "protocol %u.%02u", name, h->version >> 8,
                               h->version & 0xff);
        return -1;
    }
    h->loadflags = b[HDR_LOADFLAGS];
    if (!(h->loadflags & LINUX_LOADED_HIGH)) {
        *err = g_strdup_printf("-kernel %s: zImage kernels (not loaded high) are "
                               "not supported, use a bzImage", name);
        return -1;
    }
    h->kernel_size = img->klen - h->setup_size;
    h->syssize = ld32(b + HDR_SYSSIZE);
    if (h->version < 0x204)
        h->syssize &= 0xffff; /* 16 bits before 2.04 */
    /* syssize counts 16-byte paragraphs, rounded up. */
    if ((uint64_t)h->syssize * 16 > (uint64_t)h->kernel_size + 15) {
        *err = g_strdup_printf("-kernel %s: truncated (the header says %llu bytes of "
                               "kernel, the file has %zu)", name,
                               (unsigned long long)h->syssize * 16, h->kernel_size);
        return -1;
    }
    h->initrd_addr_max = h->version >= 0x203 ? ld32(b + HDR_INITRD_ADDR_MAX) : 0x37FFFFFF;
    if (h->version >= 0x205) {
        h->kernel_alignment = ld32(b + HDR_KERNEL_ALIGNMENT);
        h->relocatable = b[HDR_RELOCATABLE] != 0;
    }
    h->cmdline_size = h->version >= 0x206 ? ld32(b + HDR_CMDLINE_SIZE) : 255;
    h->xloadflags = h->version >= 0x20C ? ld16(b + HDR_XLOADFLAGS) : 0;
    if (h->version >= 0x20A) {
        h->pref_address = ld64(b + HDR_PREF_ADDRESS);
        h->init_size = ld32(b + HDR_INIT_SIZE);
    } else {
        /* Older headers do not say how much room decompression takes. */
        h->pref_address = LINUX_LOAD_ADDR;
        h->init_size = h->kernel_size > UINT32_MAX ? UINT32_MAX : (uint32_t)h->kernel_size;
    }
    if (h->relocatable && (h->kernel_alignment == 0 ||
                           (h->kernel_alignment & (h->kernel_alignment - 1)))) {
        *err = g_strdup_printf("-kernel %s: kernel_alignment %#x is not a power of two",
                               name, h->kernel_alignment);
        return -1;
    }
    if ((h->xloadflags & LINUX_XLF_KERNEL_64) && h->kernel_size <= 0x200) {
        *err = g_strdup_printf("-kernel %s: truncated (no 64-bit entry point)", name);
        return -1;
    }
    return 0;
}

static void set_cmdline(struct linux_image *img, const char *cmdline)
{
    size_t len = strlen(cmdline);
    uint64_t max = MIN((uint64_t)img->h.cmdline_size, CMDLINE_MAX);
    if (len > max) {
        warn_report("-append: the command line is %zu bytes, %s accepts %llu; "
                    "truncated", len, img->kname, (unsigned long long)max);
        len = max;
    }
    img->cmdline = g_strndup(cmdline, len);
}

struct linux_image *linux_image_new(const char *kname, uint8_t *kbuf, size_t klen,
                                    const char *initrd, const char *cmdline,
                                    char **err)
{
    struct linux_image *img = g_new0(struct linux_image, 1);
    img->kname = g_strdup(kname);
    img->kbuf = kbuf;
    img->klen = klen;
    if (parse_header(img, err))
        goto fail;
    if (initrd && *initrd) {
        img->iname = g_strdup(initrd);
        if (boot_read_file("-initrd", initrd, true, &img->ibuf, &img->ilen, err))
            goto fail;
    }
    set_cmdline(img, cmdline ? cmdline : "");
    return img;
fail:
    linux_image_free(img);
    return NULL;
}

struct linux_image *linux_image_load(const char *kernel, const char *initrd,
                                     const char *cmdline, char **err)
{
    uint8_t *buf;
    size_t len;
    if (boot_read_file("-kernel", kernel, false, &buf, &len, err))
        return NULL;
    return linux_image_new(kernel, buf, len, initrd, cmdline, err);
}

const struct linux_header *linux_image_header(const struct linux_image *img)
{
    return &img->h;
}

void linux_image_free(struct linux_image *img)
{
    if (!img)
        return;
    g_free(img->kname);
    g_free(img->iname);
    g_free(img->kbuf);
    g_free(img->ibuf);
    g_free(img->cmdline);
    g_free(img);
}

static double mib(uint64_t n)
{
    return (double)n / MiB;
}

/* Where the kernel decompresses itself and runs (boot.rst, init_size):
 * a relocatable kernel moves up to pref_address, then aligns. */
static uint64_t runtime_start(const struct linux_header *h, uint64_t load)
{
    if (h->version < 0x20A)
        return load;
    if (!h->relocatable)
        return h->pref_address;
    uint64_t a = MAX(load, h->pref_address);
    if (a > 4 * GiB)
        return a; /* refused by the caller; don't overflow the alignment */
    return (a + h->kernel_alignment - 1) & ~((uint64_t)h->kernel_alignment - 1);
}

/* Place the initrd: as high as allowed, clear of everything below busy. */
static int place_initrd(const struct linux_image *img, const struct machine *m,
                        uint64_t busy, uint64_t *addr, char **err)
{
    uint64_t limit = MIN((uint64_t)img->h.initrd_addr_max + 1, m->below_4g);
    uint64_t a = limit >= img->ilen ? (limit - img->ilen) & ~(PAGE_SIZE - 1) : 0;
    if (limit < img->ilen || a < busy) {
        *err = g_strdup_printf("-initrd %s: the initrd (%.1f MiB) does not fit in guest "
                               "RAM between the kernel (up to %.1f MiB) and %.1f MiB",
                               img->iname, mib(img->ilen), mib(busy), mib(limit));
        return -1;
    }
    *addr = a;
    return 0;
}

static void fill_zero_page(const struct linux_image *img, const struct machine *m,
                           uint64_t initrd_addr, uint8_t *zp)
{
    const struct linux_header *h = &img->h;
    memset(zp, 0, ZP_SIZE);
    memcpy(zp + HDR_START, img->kbuf + HDR_START, MIN(h->header_end, ZP_HDR_LIMIT) - HDR_START);
    st16(zp + HDR_VID_MODE, 0xFFFF); /* "normal" */
    zp[HDR_TYPE_OF_LOADER] = 0xFF;   /* undefined boot loader */
    zp[HDR_LOADFLAGS] = h->loadflags | LINUX_CAN_USE_HEAP;
    st32(zp + HDR_CODE32_START, LINUX_LOAD_ADDR);
    st32(zp + HDR_RAMDISK_IMAGE, img->ilen ? (uint32_t)initrd_addr : 0);
    st32(zp + HDR_RAMDISK_SIZE, (uint32_t)img->ilen);
    /* The zero page stands where the setup code would run, so the heap
     * ends where the command line begins. */
    st16(zp + HDR_HEAP_END_PTR, LINUX_CMDLINE_ADDR - LINUX_ZERO_PAGE - 0x200);
    zp[HDR_EXT_LOADER_VER] = 0;
    zp[HDR_EXT_LOADER_TYPE] = 0;
    st32(zp + HDR_CMD_LINE_PTR, LINUX_CMDLINE_ADDR);
    if (h->version >= 0x207)
        st32(zp + HDR_HARDWARE_SUBARCH, 0); /* a PC */
    if (h->version >= 0x209)
        st64(zp + HDR_SETUP_DATA, 0); /* we pass none */

    struct e820_entry map[E820_MAX];
    size_t n = MIN(pc_e820_map(m, map, ARRAY_SIZE(map)), (size_t)ZP_E820_MAX);
    zp[ZP_E820_ENTRIES] = (uint8_t)n;
    for (size_t i = 0; i < n; i++)
        e820_entry_pack(&map[i], zp + ZP_E820_TABLE + i * E820_ENTRY_SIZE);
}

/* Identity map of 0-4 GiB with 2 MiB pages (64-bit boot protocol). */
static int write_page_tables(struct machine *m)
{
    uint8_t *pt = g_malloc0(PT_PAGES * PAGE_SIZE);
    uint8_t *pml4 = pt, *pdpt = pt + PAGE_SIZE, *pd = pt + 2 * PAGE_SIZE;
    st64(pml4, LINUX_PDPT_ADDR | 0x3); /* present, writable */
    for (unsigned i = 0; i < 4; i++)
        st64(pdpt + 8 * i, (LINUX_PD_ADDR + i * PAGE_SIZE) | 0x3);
    for (unsigned i = 0; i < 4 * 512; i++)
        st64(pd + 8 * i, (uint64_t)i * 2 * MiB | 0x83); /* present, writable, 2 MiB */
    int r = machine_write_phys(m, LINUX_PML4_ADDR, pt, PT_PAGES * PAGE_SIZE);
    g_free(pt);
    return r;
}

static int write_low(struct linux_image *img, struct machine *m, uint64_t initrd_addr,
                     char **err)
{
    uint8_t *zp = g_malloc(ZP_SIZE);
    fill_zero_page(img, m, initrd_addr, zp);
    bool bad = machine_write_phys(m, LINUX_ZERO_PAGE, zp, ZP_SIZE) ||
               machine_write_phys(m, LINUX_CMDLINE_ADDR, img->cmdline,
                                  strlen(img->cmdline) + 1);
    g_free(zp);
    if (bad || ((img->h.xloadflags & LINUX_XLF_KERNEL_64) && write_page_tables(m))) {
        *err = g_strdup_printf("-kernel %s: low guest memory (0-640 KiB) is not RAM",
                               img->kname);
        return -1;
    }
    return 0;
}

/* The real-mode entry (boot.rst "Running the Kernel"): the firmware's ROM
 * puts the setup sectors at LINUX_FW_SETUP_ADDR and jumps into them with SP
 * at LINUX_FW_STACK_TOP; the heap ends 512 bytes below the stack.  The
 * setup code then fetches the e820 map and the rest from the BIOS itself. */
int linux_image_fw_load(const struct linux_image *img, const struct machine *m,
                        struct linux_fw_load *out, char **err)
{
    const struct linux_header *h = &img->h;
    uint64_t low = m->below_4g;
    uint64_t kend = LINUX_LOAD_ADDR + h->kernel_size;
    uint64_t rs = runtime_start(h, LINUX_LOAD_ADDR);
    uint64_t busy = MAX(kend, rs + h->init_size);
    memset(out, 0, sizeof(*out));
    if (low < LINUX_FW_HIGH_RESERVE || busy > low - LINUX_FW_HIGH_RESERVE ||
        h->setup_size > LINUX_FW_STACK_TOP - 0x200) {
        *err = g_strdup_printf("-kernel %s: the kernel (%.1f MiB from 1 MiB) does not fit "
                               "in %.1f MiB of guest RAM", img->kname, mib(busy - LINUX_LOAD_ADDR),
                               mib(low));
        return -1;
    }
    if (img->ilen) {
        /* Below the firmware's high tables, which it keeps at the top of
         * low RAM. */
        struct machine lowered = { .below_4g = low - LINUX_FW_HIGH_RESERVE };
        uint64_t a;
        if (place_initrd(img, &lowered, busy, &a, err))
            return -1;
        out->initrd_addr = (uint32_t)a;
    }
    uint8_t *s = g_memdup2(img->kbuf, h->setup_size);
    st16(s + HDR_VID_MODE, 0xFFFF);
    s[HDR_TYPE_OF_LOADER] = 0xFF;
    s[HDR_LOADFLAGS] = h->loadflags | LINUX_CAN_USE_HEAP;
    st32(s + HDR_RAMDISK_IMAGE, out->initrd_addr);
    st32(s + HDR_RAMDISK_SIZE, (uint32_t)img->ilen);
    st16(s + HDR_HEAP_END_PTR, LINUX_FW_STACK_TOP - 0x200);
    st32(s + HDR_CMD_LINE_PTR, LINUX_CMDLINE_ADDR);

    out->setup_addr = LINUX_FW_SETUP_ADDR;
    out->setup = s;
    out->setup_size = (uint32_t)h->setup_size;
    out->kernel_addr = LINUX_LOAD_ADDR;
    out->kernel = img->kbuf + h->setup_size;
    out->kernel_size = (uint32_t)h->kernel_size;
    out->initrd = img->ibuf;
    out->initrd_size = (uint32_t)img->ilen;
    out->cmdline_addr = LINUX_CMDLINE_ADDR;
    out->cmdline = img->cmdline;
    out->cmdline_size = (uint32_t)strlen(img->cmdline) + 1;
    return 0;
}

int linux_image_install(struct linux_image *img, struct machine *m,
                        struct x86_boot_state *bs, char **err)
{
    const struct linux_header *h = &img->h;
    uint64_t load = LINUX_LOAD_ADDR, low = m->below_4g;
    uint64_t kend = load + h->kernel_size;
    if (kend > low) {
        *err = g_strdup_printf("-kernel %s: the kernel (%.1f MiB at 1 MiB) does not fit "
                               "in %.1f MiB of guest RAM", img->kname,
                               mib(h->kernel_size), mib(low));
        return -1;
    }
    uint64_t rs = runtime_start(h, load);
    if (rs > low || h->init_size > low - rs) {
        *err = g_strdup_printf("-kernel %s: the kernel needs %.1f MiB of RAM from "
                               "%#llx to decompress, guest RAM below 4 GiB ends at %#llx",
                               img->kname, mib(h->init_size), (unsigned long long)rs,
                               (unsigned long long)low);
        return -1;
    }
    uint64_t initrd_addr = 0;
    if (img->ilen && place_initrd(img, m, MAX(kend, rs + h->init_size), &initrd_addr, err))
        return -1;
    if (write_low(img, m, initrd_addr, err))
        return -1;
    if (machine_write_phys(m, load, img->kbuf + h->setup_size, h->kernel_size)) {
        *err = g_strdup_printf("-kernel %s: guest memory at %#llx is not RAM",
                               img->kname, (unsigned long long)load);
        return -1;
    }
    if (machine_write_phys(m, initrd_addr, img->ibuf, img->ilen)) {
        *err = g_strdup_printf("-initrd %s: guest memory at %#llx is not RAM",
                               img->iname, (unsigned long long)initrd_addr);
        return -1;
    }

    bool lm = h->xloadflags & LINUX_XLF_KERNEL_64;
    if (boot_enter_flat(m, LINUX_GDT_ADDR, lm, bs)) {
        *err = g_strdup_printf("-kernel %s: low guest memory is not RAM", img->kname);
        return -1;
    }
    bs->rsi = LINUX_ZERO_PAGE;
    if (lm) {
        bs->cr3 = LINUX_PML4_ADDR;
        bs->rip = load + 0x200; /* startup_64 */
    } else {
        bs->rip = load; /* EBP = EDI = EBX = 0 from boot_enter_flat */
    }
    return 0;
}
