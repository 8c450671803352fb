/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boot.c: what both direct-boot loaders share: reading the files, the flat
 * GDT and CPU entry state, and the combined "Linux, else Multiboot" loader.
 *
 * The flat descriptors follow the Intel SDM vol. 3A, 3.4.5 "Segment
 * Descriptors"; the TR/LDTR values are those of SDM table 9-1 (power-up
 * state), which VM entry also requires (SDM 3C, 27.3.1.2).
 *
 * Threat model: the files are untrusted; reading is bounded at 4 GiB and
 * everything else is handed to the parsers, which bound every field. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>
#include "hw/boot/boot.h"
#include "core/machine.h"
#include "hw/boot/linux.h"
#include "hw/boot/multiboot.h"

#define MAX_FILE_SIZE (4 * GiB)

static int read_all(int fd, uint8_t **buf, size_t *len, size_t hint)
{
    size_t cap = hint ? hint + 1 : 64 * KiB, n = 0;
    uint8_t *p = g_malloc(cap);
    for (;;) {
        if (n == cap) {
            if (cap >= MAX_FILE_SIZE) {
                g_free(p);
                errno = EFBIG;
                return -1;
            }
            cap *= 2;
            p = g_realloc(p, cap);
        }
        ssize_t r = read(fd, p + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            g_free(p);
            errno = e;
            return -1;
        }
        if (r == 0)
            break;
        n += r;
    }
    if (n > MAX_FILE_SIZE) {
        g_free(p);
        errno = EFBIG;
        return -1;
    }
    *buf = p;
    *len = n;
    return 0;
}

int boot_read_file(const char *opt, const char *path, bool allow_empty,
                   uint8_t **buf, size_t *len, char **err)
{
    if (!path || !*path) {
        *err = g_strdup_printf("%s: no file name given", opt);
        return -1;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        goto fail;
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        goto fail;
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > MAX_FILE_SIZE) {
        errno = EFBIG;
        goto fail;
    }
    if (read_all(fd, buf, len, S_ISREG(st.st_mode) ? (size_t)st.st_size : 0))
        goto fail;
    close(fd);
    if (*len == 0 && !allow_empty) {
        g_free(*buf);
        *buf = NULL;
        *err = g_strdup_printf("%s %s: empty file", opt, path);
        return -1;
    }
    return 0;
fail:;
    int e = errno;
    if (fd >= 0)
        close(fd);
    *err = g_strdup_printf("%s %s: %s", opt, path,
                           e == EFBIG ? "file larger than 4 GiB" : g_strerror(e));
    return -1;
}

/* Descriptor words (SDM 3A 3.4.5): base 0, limit 0xFFFFF pages, present,
 * DPL 0, accessed (so the CPU never writes the GDT to set the bit). */
#define DESC_CODE32 0x00CF9B000000FFFFULL /* G, D, execute/read */
#define DESC_CODE64 0x00AF9B000000FFFFULL /* G, L, execute/read */
#define DESC_DATA 0x00CF93000000FFFFULL   /* G, B, read/write */

int boot_enter_flat(struct machine *m, uint64_t gdt_addr, bool long_mode,
                    struct x86_boot_state *bs)
{
    uint8_t gdt[BOOT_GDT_SIZE] = { 0 };
    st64(gdt + BOOT_CS, long_mode ? DESC_CODE64 : DESC_CODE32);
    st64(gdt + BOOT_DS, DESC_DATA);
    if (machine_write_phys(m, gdt_addr, gdt, sizeof(gdt)))
        return -1;

    memset(bs, 0, sizeof(*bs));
    bs->valid = true;
    if (long_mode)
        x86_code64(&bs->cs, BOOT_CS);
    else
        x86_flat32(&bs->cs, BOOT_CS, true);
    x86_flat32(&bs->ds, BOOT_DS, false);
    bs->es = bs->fs = bs->gs = bs->ss = bs->ds;
    bs->gdt = (struct x86_dtable){ gdt_addr, BOOT_GDT_SIZE - 1 };
    /* A busy TSS (type 11) and an LDT (type 2), base 0, limit 0xFFFF. */
    bs->tr = (struct x86_seg){ .limit = 0xffff, .type = 0xb, .present = 1 };
    bs->ldt = (struct x86_seg){ .limit = 0xffff, .type = 0x2, .present = 1 };
    bs->rflags = 0x2; /* reserved bit 1; IF = 0, VM = 0 */
    bs->cr0 = X86_CR0_PE | X86_CR0_ET;
    if (long_mode) {
        bs->cr0 |= X86_CR0_PG;
        bs->cr4 = X86_CR4_PAE;
        bs->efer = X86_EFER_LME | X86_EFER_LMA;
    }
    return 0;
}

struct boot_image {
    enum boot_kind kind;
    struct linux_image *linux_img;
    struct multiboot_image *mb;
};

struct boot_image *boot_image_load(const char *kernel, const char *initrd,
                                   const char *append, char **err)
{
    uint8_t *buf;
    size_t len;
    if (boot_read_file("-kernel", kernel, false, &buf, &len, err))
        return NULL;
    struct boot_image *img = g_new0(struct boot_image, 1);
    if (linux_probe(buf, len)) {
        img->kind = BOOT_LINUX;
        img->linux_img = linux_image_new(kernel, buf, len, initrd, append, err);
        if (img->linux_img)
            return img;
    } else if (multiboot_probe(buf, len)) {
        img->kind = BOOT_MULTIBOOT;
        img->mb = multiboot_image_new(kernel, buf, len, initrd, append, err);
        if (img->mb)
            return img;
    } else {
        g_free(buf);
        *err = g_strdup_printf("-kernel %s: not a Linux bzImage or Multiboot kernel",
                               kernel);
    }
    g_free(img);
    return NULL;
}

int boot_image_install(struct boot_image *img, struct machine *m,
                       struct x86_boot_state *bs, char **err)
{
    if (img->kind == BOOT_LINUX)
        return linux_image_install(img->linux_img, m, bs, err);
    return multiboot_image_install(img->mb, m, bs, err);
}

struct linux_image *boot_image_linux(const struct boot_image *img)
{
    return img->kind == BOOT_LINUX ? img->linux_img : NULL;
}

enum boot_kind boot_image_kind(const struct boot_image *img)
{
    return img->kind;
}

void boot_image_free(struct boot_image *img)
{
    if (!img)
        return;
    linux_image_free(img->linux_img);
    multiboot_image_free(img->mb);
    g_free(img);
}
