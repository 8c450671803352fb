/* SPDX-License-Identifier: GPL-2.0-or-later */
/* multiboot.c: a Multiboot boot loader (Multiboot Specification version
 * 0.6.96: 3.1 "OS image format", 3.2 "Machine state", 3.3 "Boot
 * information format"), with ELF per the System V ABI (program headers,
 * PT_LOAD at p_paddr).
 *
 * Emulated: header search in the first 8 KiB, required flags 0 (page-aligned
 * modules: always done), 1 (memory information: always given) and 2 (video
 * mode: ignored, there is no graphics console to set up); ELF32 and ELF64
 * images with 32-bit physical addresses (as QEMU accepts); the a.out kludge;
 * modules with command lines; the information structure with
 * mem_lower/mem_upper, cmdline ("kernel append", as QEMU passes it), mods,
 * mmap (from pc_e820_map) and boot_loader_name "hvemu".  An ELF entry point
 * that is a virtual address inside a loadable segment is translated to the
 * segment's physical address, so higher-half kernels start.  Not emulated:
 * boot_device, a.out/ELF symbol tables, drives, APM, VBE/framebuffer.
 *
 * Threat model: the kernel file is untrusted.  Every header, program header
 * and segment offset/size is checked against the file size in 64-bit
 * arithmetic, every load address against 4 GiB at parse time and against
 * guest RAM at install; the information block's size is bounded by the low
 * memory it must fit in; guest writes go through machine_write_phys. */
#include <string.h>
#include <glib.h>
#include "hw/boot/multiboot.h"
#include "core/machine.h"
#include "hw/boot/e820.h"
#include "hw/boot/boot.h"

#define PAGE_SIZE 4096ULL
#define MMAP_ENTRY 24 /* size field (4) + e820 entry (20) */
#define MOD_ENTRY 16
#define LOADER_NAME "hvemu"

/* mbi field offsets (spec 3.3). */
enum {
    MBI_FLAGS = 0,
    MBI_MEM_LOWER = 4,
    MBI_MEM_UPPER = 8,
    MBI_CMDLINE_PTR = 16,
    MBI_MODS_COUNT = 20,
    MBI_MODS_ADDR = 24,
    MBI_MMAP_LENGTH = 44,
    MBI_MMAP_ADDR = 48,
    MBI_LOADER_NAME_PTR = 64,
};

struct mb_segment {
    uint64_t paddr, vaddr, offset, filesz, memsz;
};

struct mb_module {
    char *path, *cmdline;
    uint8_t *buf;
    size_t len;
};

struct multiboot_image {
    char *kname, *cmdline;
    uint8_t *kbuf;
    size_t klen;
    uint32_t flags;
    struct mb_segment *seg;
    size_t nseg;
    uint64_t entry;
    struct mb_module *mod;
    size_t nmod;
};

bool multiboot_probe(const uint8_t *buf, size_t len)
{
    for (size_t off = 0; off + 4 <= MIN(len, (size_t)MULTIBOOT_SEARCH); off += 4)
        if (ld32(buf + off) == MULTIBOOT_HEADER_MAGIC)
            return true;
    return false;
}

/* Find the header: the first magic with a valid checksum. */
static int find_header(const struct multiboot_image *img, size_t *hoff, char **err)
{
    const uint8_t *b = img->kbuf;
    bool bad_sum = false, truncated = false;
    for (size_t off = 0; off + 4 <= MIN(img->klen, (size_t)MULTIBOOT_SEARCH); off += 4) {
        if (ld32(b + off) != MULTIBOOT_HEADER_MAGIC)
            continue;
        if (off + 12 > img->klen) {
            truncated = true;
            break;
        }
        if ((uint32_t)(ld32(b + off) + ld32(b + off + 4) + ld32(b + off + 8)) == 0) {
            *hoff = off;
            return 0;
        }
        bad_sum = true;
    }
    if (truncated)
        *err = g_strdup_printf("-kernel %s: Multiboot header truncated", img->kname);
    else if (bad_sum)
        *err = g_strdup_printf("-kernel %s: Multiboot header checksum is wrong", img->kname);
    else
        *err = g_strdup_printf("-kernel %s: not a Multiboot kernel", img->kname);
    return -1;
}

static void add_segment(struct multiboot_image *img, const struct mb_segment *s)
{
    img->seg = g_renew(struct mb_segment, img->seg, img->nseg + 1);
    img->seg[img->nseg++] = *s;
}

/* The a.out kludge: the header's address fields say where the file goes. */
static int parse_aout(struct multiboot_image *img, size_t hoff, char **err)
{
    const uint8_t *h = img->kbuf + hoff;
    uint64_t header_addr = ld32(h + 12), load_addr = ld32(h + 16);
    uint64_t load_end = ld32(h + 20), bss_end = ld32(h + 24), entry = ld32(h + 28);
    const char *problem = NULL;
    uint64_t size = 0, memsz = 0, foff = 0;

    if (load_addr > header_addr)
        problem = "load_addr is above header_addr";
    else if (header_addr - load_addr > hoff)
        problem = "load_addr lies before the start of the file";
    if (!problem) {
        foff = hoff - (header_addr - load_addr);
        size = img->klen - foff;
        if (load_end && load_end < load_addr)
            problem = "load_end_addr is below load_addr";
        else if (load_end && load_end - load_addr > size)
            problem = "load_end_addr lies past the end of the file";
        else if (load_end)
            size = load_end - load_addr;
    }
    if (!problem && load_addr + size > 4 * GiB)
        problem = "the image does not fit below 4 GiB";
    if (!problem) {
        memsz = size;
        if (bss_end && bss_end < load_addr + size)
            problem = "bss_end_addr is below the end of the loaded image";
        else if (bss_end)
            memsz = bss_end - load_addr;
    }
    if (!problem && (entry < load_addr || entry - load_addr >= memsz))
        problem = "entry_addr lies outside the loaded image";
    if (problem) {
        *err = g_strdup_printf("-kernel %s: Multiboot header: %s", img->kname, problem);
        return -1;
    }
    add_segment(img, &(struct mb_segment){ load_addr, load_addr, foff, size, memsz });
    img->entry = entry;
    return 0;
}

struct elf_info {
    bool is64;
    uint64_t entry, phoff;
    unsigned phentsize, phnum;
};

static int parse_elf_header(struct multiboot_image *img, struct elf_info *e, char **err)
{
    const uint8_t *b = img->kbuf;
    const char *problem = NULL;
    if (img->klen < 52 || memcmp(b, "\x7f" "ELF", 4)) {
        *err = g_strdup_printf("-kernel %s: Multiboot kernel is not ELF and its header "
                               "has no address fields (flags bit 16)", img->kname);
        return -1;
    }
    e->is64 = b[4] == 2;
    unsigned machine = ld16(b + 18);
    if (b[4] != 1 && b[4] != 2)
        problem = "unknown ELF class";
    else if (b[5] != 1)
        problem = "not a little-endian ELF file";
    else if (machine != 3 && machine != 6 && machine != 62)
        problem = "not an x86 ELF file";
    else if (e->is64 && img->klen < 64)
        problem = "ELF header truncated";
    if (problem) {
        *err = g_strdup_printf("-kernel %s: %s", img->kname, problem);
        return -1;
    }
    if (e->is64) {
        e->entry = ld64(b + 24);
        e->phoff = ld64(b + 32);
        e->phentsize = ld16(b + 54);
        e->phnum = ld16(b + 56);
    } else {
        e->entry = ld32(b + 24);
        e->phoff = ld32(b + 28);
        e->phentsize = ld16(b + 42);
        e->phnum = ld16(b + 44);
    }
    if (e->phentsize < (e->is64 ? 56u : 32u))
        problem = "ELF program header entries are too small";
    else if (e->phoff > img->klen ||
             (uint64_t)e->phnum * e->phentsize > img->klen - e->phoff)
        problem = "ELF program headers lie outside the file";
    if (problem) {
        *err = g_strdup_printf("-kernel %s: %s", img->kname, problem);
        return -1;
    }
    return 0;
}

static void read_phdr(const uint8_t *p, bool is64, uint32_t *type, struct mb_segment *s)
{
    *type = ld32(p);
    if (is64)
        *s = (struct mb_segment){ .offset = ld64(p + 8), .vaddr = ld64(p + 16),
                                  .paddr = ld64(p + 24), .filesz = ld64(p + 32),
                                  .memsz = ld64(p + 40) };
    else
        *s = (struct mb_segment){ .offset = ld32(p + 4), .vaddr = ld32(p + 8),
                                  .paddr = ld32(p + 12), .filesz = ld32(p + 16),
                                  .memsz = ld32(p + 20) };
}

static int parse_elf(struct multiboot_image *img, char **err)
{
    struct elf_info e;
    if (parse_elf_header(img, &e, err))
        return -1;
    for (unsigned i = 0; i < e.phnum; i++) {
        uint32_t type;
        struct mb_segment s;
        read_phdr(img->kbuf + e.phoff + (uint64_t)i * e.phentsize, e.is64, &type, &s);
        if (type != 1 /* PT_LOAD */ || s.memsz == 0)
            continue;
        const char *problem = NULL;
        if (s.filesz > s.memsz)
            problem = "p_filesz is larger than p_memsz";
        else if (s.offset > img->klen || s.filesz > img->klen - s.offset)
            problem = "extends past the end of the file";
        else if (s.paddr >= 4 * GiB || s.memsz > 4 * GiB - s.paddr)
            problem = "is not below 4 GiB";
        if (problem) {
            *err = g_strdup_printf("-kernel %s: ELF segment %u (at %#llx) %s", img->kname,
                                   i, (unsigned long long)s.paddr, problem);
            return -1;
        }
        add_segment(img, &s);
    }
    if (!img->nseg) {
        *err = g_strdup_printf("-kernel %s: ELF file has no loadable segments", img->kname);
        return -1;
    }
    img->entry = e.entry;
    for (size_t i = 0; i < img->nseg; i++) {
        const struct mb_segment *s = &img->seg[i];
        if (e.entry >= s->vaddr && e.entry - s->vaddr < s->memsz) {
            img->entry = s->paddr + (e.entry - s->vaddr);
            break;
        }
    }
    if (img->entry >= 4 * GiB) {
        *err = g_strdup_printf("-kernel %s: ELF entry point %#llx is not below 4 GiB",
                               img->kname, (unsigned long long)img->entry);
        return -1;
    }
    return 0;
}

static int parse_kernel(struct multiboot_image *img, char **err)
{
    size_t hoff;
    if (find_header(img, &hoff, err))
        return -1;
    img->flags = ld32(img->kbuf + hoff + 4);
    uint32_t unknown = img->flags & 0xffff &
                       ~(uint32_t)(MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO |
                                   MULTIBOOT_VIDEO_MODE);
    if (unknown) {
        *err = g_strdup_printf("-kernel %s: Multiboot header requires features hvemu "
                               "does not support (flags %#x)", img->kname, unknown);
        return -1;
    }
    size_t need = 12;
    if (img->flags & MULTIBOOT_AOUT_KLUDGE)
        need = 32;
    if (img->flags & MULTIBOOT_VIDEO_MODE)
        need = 48;
    if (hoff + need > img->klen) {
        *err = g_strdup_printf("-kernel %s: Multiboot header truncated", img->kname);
        return -1;
    }
    if (img->flags & MULTIBOOT_AOUT_KLUDGE)
        return parse_aout(img, hoff, err);
    return parse_elf(img, err);
}

/* "a args,b args" with ",," standing for a literal comma. */
static char **split_modules(const char *spec)
{
    GPtrArray *list = g_ptr_array_new();
    GString *cur = g_string_new(NULL);
    for (const char *p = spec;; p++) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(cur, ',');
            p++;
        } else if (*p == ',' || !*p) {
            g_ptr_array_add(list, g_string_free(cur, FALSE));
            if (!*p)
                break;
            cur = g_string_new(NULL);
        } else {
            g_string_append_c(cur, *p);
        }
    }
    g_ptr_array_add(list, NULL);
    return (char **)g_ptr_array_free(list, FALSE);
}

static int load_modules(struct multiboot_image *img, const char *spec, char **err)
{
    char **list = split_modules(spec);
    int ret = 0;
    img->nmod = g_strv_length(list);
    img->mod = g_new0(struct mb_module, img->nmod);
    for (size_t i = 0; i < img->nmod && !ret; i++) {
        struct mb_module *mod = &img->mod[i];
        mod->cmdline = g_strdup(list[i]);
        mod->path = g_strndup(list[i], strcspn(list[i], " "));
        if (!*mod->path) {
            *err = g_strdup_printf("-initrd %s: module %zu has no file name", spec, i + 1);
            ret = -1;
        } else {
            ret = boot_read_file("-initrd", mod->path, true, &mod->buf, &mod->len, err);
        }
    }
    g_strfreev(list);
    return ret;
}

struct multiboot_image *multiboot_image_new(const char *kname, uint8_t *kbuf, size_t klen,
                                            const char *modules, const char *cmdline,
                                            char **err)
{
    struct multiboot_image *img = g_new0(struct multiboot_image, 1);
    img->kname = g_strdup(kname);
    img->kbuf = kbuf;
    img->klen = klen;
    if (parse_kernel(img, err))
        goto fail;
    if (modules && *modules && load_modules(img, modules, err))
        goto fail;
    if (cmdline && *cmdline)
        img->cmdline = g_strdup_printf("%s %s", kname, cmdline);
    else
        img->cmdline = g_strdup(kname);
    return img;
fail:
    multiboot_image_free(img);
    return NULL;
}

struct multiboot_image *multiboot_image_load(const char *kernel, const char *modules,
                                             const char *cmdline, char **err)
{
    uint8_t *buf;
    size_t len;
    if (boot_read_file("-kernel", kernel, false, &buf, &len, err))
        return NULL;
    return multiboot_image_new(kernel, buf, len, modules, cmdline, err);
}

void multiboot_image_free(struct multiboot_image *img)
{
    if (!img)
        return;
    for (size_t i = 0; i < img->nmod; i++) {
        g_free(img->mod[i].path);
        g_free(img->mod[i].cmdline);
        g_free(img->mod[i].buf);
    }
    g_free(img->mod);
    g_free(img->seg);
    g_free(img->kname);
    g_free(img->cmdline);
    g_free(img->kbuf);
    g_free(img);
}

/* ---- install ---- */

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* The information block, laid out relative to its base. */
struct mb_layout {
    size_t mbi, mmap, mods, strings, size;
    size_t nmap;
    struct e820_entry map[E820_MAX];
};

static void layout_info(const struct multiboot_image *img, const struct machine *m,
                        struct mb_layout *l)
{
    l->nmap = pc_e820_map(m, l->map, E820_MAX);
    l->mbi = BOOT_GDT_SIZE;
    l->mmap = l->mbi + MULTIBOOT_MBI_SIZE;
    l->mods = l->mmap + l->nmap * MMAP_ENTRY;
    l->strings = l->mods + img->nmod * MOD_ENTRY;
    size_t s = strlen(img->cmdline) + 1 + sizeof(LOADER_NAME);
    for (size_t i = 0; i < img->nmod; i++)
        s += strlen(img->mod[i].cmdline) + 1;
    l->size = l->strings + s;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

static bool info_fits(const struct multiboot_image *img, const uint64_t *mod_addr,
                      uint64_t base, uint64_t size)
{
    if (base < MULTIBOOT_INFO_MIN || base + size > PC_BASE_MEM_END)
        return false;
    for (size_t i = 0; i < img->nseg; i++)
        if (overlaps(base, size, img->seg[i].paddr, img->seg[i].memsz))
            return false;
    for (size_t i = 0; i < img->nmod; i++)
        if (overlaps(base, size, mod_addr[i], img->mod[i].len))
            return false;
    return true;
}

/* Lowest free place: the preferred address, else the start of low memory,
 * else just after something that is in the way. */
static int place_info(const struct multiboot_image *img, const uint64_t *mod_addr,
                      uint64_t size, uint64_t *base)
{
    if (info_fits(img, mod_addr, MULTIBOOT_INFO_PREFERRED, size)) {
        *base = MULTIBOOT_INFO_PREFERRED;
        return 0;
    }
    uint64_t best = UINT64_MAX;
    if (info_fits(img, mod_addr, MULTIBOOT_INFO_MIN, size))
        best = MULTIBOOT_INFO_MIN;
    for (size_t i = 0; i < img->nseg; i++) {
        uint64_t c = align_up(img->seg[i].paddr + img->seg[i].memsz, 16);
        if (c < best && info_fits(img, mod_addr, c, size))
            best = c;
    }
    for (size_t i = 0; i < img->nmod; i++) {
        uint64_t c = align_up(mod_addr[i] + img->mod[i].len, 16);
        if (c < best && info_fits(img, mod_addr, c, size))
            best = c;
    }
    *base = best;
    return best == UINT64_MAX ? -1 : 0;
}

static size_t put_string(uint8_t *blob, size_t *at, const char *s)
{
    size_t off = *at, n = strlen(s) + 1;
    memcpy(blob + off, s, n);
    *at += n;
    return off;
}

static uint8_t *build_info(const struct multiboot_image *img, const struct machine *m,
                           const struct mb_layout *l, uint64_t base, const uint64_t *mod_addr)
{
    uint8_t *blob = g_malloc0(l->size);
    uint8_t *mbi = blob + l->mbi;
    size_t str = l->strings;
    uint32_t b32 = (uint32_t)base;

    st32(mbi + MBI_FLAGS, MBI_MEMORY | MBI_CMDLINE | MBI_MODS | MBI_MMAP | MBI_LOADER_NAME);
    st32(mbi + MBI_MEM_LOWER, (uint32_t)(MIN(m->below_4g, PC_BASE_MEM_END) / KiB));
    st32(mbi + MBI_MEM_UPPER, m->below_4g > PC_HIGH_MEM ?
                                  (uint32_t)((m->below_4g - PC_HIGH_MEM) / KiB) : 0);
    st32(mbi + MBI_CMDLINE_PTR, b32 + (uint32_t)put_string(blob, &str, img->cmdline));
    st32(mbi + MBI_MODS_COUNT, (uint32_t)img->nmod);
    st32(mbi + MBI_MODS_ADDR, b32 + (uint32_t)l->mods);
    for (size_t i = 0; i < img->nmod; i++) {
        uint8_t *e = blob + l->mods + i * MOD_ENTRY;
        st32(e, (uint32_t)mod_addr[i]);
        st32(e + 4, (uint32_t)(mod_addr[i] + img->mod[i].len));
        st32(e + 8, b32 + (uint32_t)put_string(blob, &str, img->mod[i].cmdline));
    }
    /* Each mmap entry's size field counts the bytes after itself. */
    st32(mbi + MBI_MMAP_LENGTH, (uint32_t)(l->nmap * MMAP_ENTRY));
    st32(mbi + MBI_MMAP_ADDR, b32 + (uint32_t)l->mmap);
    for (size_t i = 0; i < l->nmap; i++) {
        uint8_t *e = blob + l->mmap + i * MMAP_ENTRY;
        st32(e, E820_ENTRY_SIZE);
        e820_entry_pack(&l->map[i], e + 4);
    }
    st32(mbi + MBI_LOADER_NAME_PTR, b32 + (uint32_t)put_string(blob, &str, LOADER_NAME));
    return blob;
}

static int write_segment(struct machine *m, const struct multiboot_image *img,
                         const struct mb_segment *s)
{
    if (machine_write_phys(m, s->paddr, img->kbuf + s->offset, s->filesz))
        return -1;
    /* bss: zero in chunks rather than allocating memsz bytes. */
    static const uint8_t zero[64 * KiB];
    for (uint64_t done = s->filesz; done < s->memsz;) {
        uint64_t n = MIN(s->memsz - done, sizeof(zero));
        if (machine_write_phys(m, s->paddr + done, zero, n))
            return -1;
        done += n;
    }
    return 0;
}

static int place_modules(const struct multiboot_image *img, const struct machine *m,
                         uint64_t *mod_addr, char **err)
{
    uint64_t next = PC_HIGH_MEM;
    for (size_t i = 0; i < img->nseg; i++)
        next = MAX(next, img->seg[i].paddr + img->seg[i].memsz);
    next = align_up(next, PAGE_SIZE);
    for (size_t i = 0; i < img->nmod; i++) {
        if (next + img->mod[i].len > m->below_4g) {
            *err = g_strdup_printf("-initrd %s: the module (%.1f MiB at %#llx) does not "
                                   "fit in %.1f MiB of guest RAM", img->mod[i].path,
                                   (double)img->mod[i].len / MiB, (unsigned long long)next,
                                   (double)m->below_4g / MiB);
            return -1;
        }
        mod_addr[i] = next;
        next = align_up(next + img->mod[i].len, PAGE_SIZE);
    }
    return 0;
}

static int write_kernel(const struct multiboot_image *img, struct machine *m, char **err)
{
    for (size_t i = 0; i < img->nseg; i++) {
        const struct mb_segment *s = &img->seg[i];
        if (s->paddr + s->memsz > m->below_4g || write_segment(m, img, s)) {
            *err = g_strdup_printf("-kernel %s: segment %#llx-%#llx is outside guest RAM "
                                   "(%.1f MiB)", img->kname, (unsigned long long)s->paddr,
                                   (unsigned long long)(s->paddr + s->memsz),
                                   (double)m->below_4g / MiB);
            return -1;
        }
    }
    return 0;
}

int multiboot_image_install(struct multiboot_image *img, struct machine *m,
                            struct x86_boot_state *bs, char **err)
{
    uint64_t *mod_addr = g_new0(uint64_t, img->nmod + 1);
    struct mb_layout l;
    uint64_t base;
    uint8_t *blob = NULL;
    int ret = -1;

    if (write_kernel(img, m, err) || place_modules(img, m, mod_addr, err))
        goto out;
    for (size_t i = 0; i < img->nmod; i++) {
        if (machine_write_phys(m, mod_addr[i], img->mod[i].buf, img->mod[i].len)) {
            *err = g_strdup_printf("-initrd %s: guest memory at %#llx is not RAM",
                                   img->mod[i].path, (unsigned long long)mod_addr[i]);
            goto out;
        }
    }
    layout_info(img, m, &l);
    if (place_info(img, mod_addr, l.size, &base)) {
        *err = g_strdup_printf("-kernel %s: no room below 640 KiB for the Multiboot "
                               "information (%zu bytes)", img->kname, l.size);
        goto out;
    }
    blob = build_info(img, m, &l, base, mod_addr);
    if (machine_write_phys(m, base, blob, l.size) || boot_enter_flat(m, base, false, bs)) {
        *err = g_strdup_printf("-kernel %s: low guest memory is not RAM", img->kname);
        goto out;
    }
    bs->rax = MULTIBOOT_BOOTLOADER_MAGIC;
    bs->rbx = base + l.mbi;
    bs->rip = img->entry;
    ret = 0;
out:
    g_free(blob);
    g_free(mod_addr);
    return ret;
}
