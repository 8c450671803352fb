/* SPDX-License-Identifier: GPL-2.0-or-later */
/* raw.c: the "raw" image format (the guest's disk byte N is the file's byte
 * N) and format probing.
 *
 * Probing: with no format= the first sector is compared with the magic
 * numbers of the image formats users meet (from their public
 * specifications: QCOW/QCOW2 "QFI\xfb", QED "QED\0", VMDK "KDMV"/"COWD"/
 * descriptor text, VDI signature 0xbeda107f at 0x40, VHDX "vhdxfile", VHD
 * "conectix", LUKS "LUKS\xba\xbe", Parallels, Bochs).  A match fails the
 * open naming the format, since only raw is implemented; anything else is
 * raw.  As QEMU does, a probed writable raw image gets one warning, and the
 * guest may not write a first sector that would probe as another format
 * (the write fails with -EPERM): otherwise a guest could turn its disk into
 * e.g. a qcow2 image pointing at host files the next time it is opened by
 * a tool that probes.
 *
 * Threat model: the first sector is untrusted; it is only compared with
 * constant magics at fixed offsets inside a 512-byte buffer. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <glib.h>
#include "block/block_int.h"
#include "core/log.h"

#define PROBE_SIZE 512

struct raw {
    struct blk_file *f;
    bool probed;
    /* Serialises writes to a probed image's first sector, so two of them
     * cannot together build a magic that neither shows alone. */
    pthread_mutex_t sector0;
};

struct magic {
    const char *format;
    uint32_t offset;
    uint32_t len;
    const char *bytes;
};

static const struct magic magics[] = {
    { "qcow2", 0, 4, "QFI\xfb" }, /* version 1 is "qcow": see probe_format */
    { "qed", 0, 4, "QED\0" },
    { "vmdk", 0, 4, "KDMV" },
    { "vmdk", 0, 4, "COWD" },
    { "vmdk", 0, 21, "# Disk DescriptorFile" },
    { "vdi", 0x40, 4, "\x7f\x10\xda\xbe" },
    { "vhdx", 0, 8, "vhdxfile" },
    { "vpc", 0, 8, "conectix" },
    { "luks", 0, 6, "LUKS\xba\xbe" },
    { "parallels", 0, 16, "WithoutFreeSpace" },
    { "parallels", 0, 16, "WithouFreSpacExt" },
    { "bochs", 0, 22, "Bochs Virtual HD Image" },
};

/* The format a first sector announces, or NULL for raw. */
const char *raw_probe_format(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < ARRAY_SIZE(magics); i++) {
        const struct magic *m = &magics[i];
        if (len >= (size_t)m->offset + m->len && !memcmp(buf + m->offset, m->bytes, m->len)) {
            if (!strcmp(m->format, "qcow2") && len >= 8 && ld32(buf + 4) == 0x01000000)
                return "qcow"; /* big-endian version 1 */
            return m->format;
        }
    }
    return NULL;
}

static int raw_open(void **state, struct blk_file *f, bool probed, uint64_t *size, char **err)
{
    struct raw *s = g_new0(struct raw, 1);
    s->f = f;
    s->probed = probed;
    pthread_mutex_init(&s->sector0, NULL);
    *size = f->size;
    *state = s;
    if (probed && !f->readonly)
        warn_report("image format was not specified for '%s' and probing guessed raw; "
                    "writes to block 0 that would make it look like another format are "
                    "refused (give format=raw to remove the restriction)", f->filename);
    return 0;
}

static void raw_close(void *state)
{
    struct raw *s = state;
    pthread_mutex_destroy(&s->sector0);
    g_free(s);
}

static int raw_preadv(void *state, uint64_t off, const struct iovec *iov, int niov)
{
    struct raw *s = state;
    return file_preadv(s->f, off, iov, niov);
}

/* A write to a probed image's first sector: refuse what would probe as
 * another format. */
static int check_sector0(struct raw *s, uint64_t off, const struct iovec *iov, int niov)
{
    uint8_t buf[PROBE_SIZE];
    struct iovec v = { buf, sizeof(buf) };
    size_t n = MIN(iov_size(iov, niov), (size_t)(PROBE_SIZE - off));
    if (off > 0 || n < PROBE_SIZE) {
        memset(buf, 0, sizeof(buf));
        int r = file_preadv(s->f, 0, &v, 1);
        if (r)
            return r;
    }
    iov_to_buf(iov, niov, 0, buf + off, n);
    return raw_probe_format(buf, sizeof(buf)) ? -EPERM : 0;
}

static int raw_pwritev(void *state, uint64_t off, const struct iovec *iov, int niov)
{
    struct raw *s = state;
    if (!s->probed || off >= PROBE_SIZE)
        return file_pwritev(s->f, off, iov, niov);
    pthread_mutex_lock(&s->sector0);
    int r = check_sector0(s, off, iov, niov);
    if (!r)
        r = file_pwritev(s->f, off, iov, niov);
    pthread_mutex_unlock(&s->sector0);
    return r;
}

const struct blk_driver blk_raw_driver = {
    .name = "raw",
    .open = raw_open,
    .close = raw_close,
    .preadv = raw_preadv,
    .pwritev = raw_pwritev,
};

const struct blk_driver *blk_find_driver(const char *format, struct blk_file *f, char **err)
{
    if (format && strcmp(format, "raw")) {
        *err = g_strdup_printf("'%s': format '%s' is not supported (raw only)", f->filename,
                               format);
        return NULL;
    }
    if (format)
        return &blk_raw_driver;
    uint8_t buf[PROBE_SIZE] = { 0 };
    struct iovec v = { buf, MIN(sizeof(buf), f->size) };
    int r = file_preadv(f, 0, &v, 1);
    if (r) {
        *err = g_strdup_printf("could not read '%s': %s", f->filename, strerror(-r));
        return NULL;
    }
    const char *fmt = raw_probe_format(buf, v.iov_len);
    if (fmt) {
        *err = g_strdup_printf("'%s' is a %s image: format '%s' is not supported (raw only; "
                               "format=raw opens it as raw data)", f->filename, fmt, fmt);
        return NULL;
    }
    return &blk_raw_driver;
}
