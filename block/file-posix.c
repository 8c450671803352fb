/* SPDX-License-Identifier: GPL-2.0-or-later */
/* file-posix.c: the file under an image (a regular file or a block device).
 *
 * Implemented from the POSIX and Linux interfaces: open(2) (O_DIRECT and its
 * alignment rules), preadv(2)/pwritev(2), fdatasync(2), fcntl(2) open file
 * description locks (F_OFD_SETLK), ioctl BLKGETSIZE64/BLKSSZGET.
 *
 * - Transfers are whole: short reads/writes are continued, EINTR retried,
 *   and a read that meets the end of the file (the image shrank under us,
 *   or the unaligned tail of an O_DIRECT file) reads zeroes.
 * - O_DIRECT needs offsets, lengths and buffers aligned to the file's
 *   logical block size: BLKSSZGET for block devices, a probe read for files.
 *   Unaligned requests (IDE PRDs may point anywhere in guest RAM) go through
 *   an aligned bounce buffer of at most BOUNCE_MAX bytes at a time; an
 *   unaligned write is a read-modify-write of its first and last blocks,
 *   serialised against every other write by f->rmw.
 * - Locks: a shared OFD lock for read-only openers, an exclusive one for
 *   writers, over the whole file, so two hvemu processes (or two opens in
 *   one process) cannot both write an image, and a reader conflicts with a
 *   writer.  Where the file system has no OFD locks the image opens
 *   unlocked with a warning.
 *
 * Threat model: the image's contents are data, never interpreted here;
 * offsets and lengths were bounded by block.c against the size. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>
#include "block/block_int.h"
#include "core/log.h"

#define BOUNCE_MAX (1u << 20)
#define PROBE_MAX 4096u

/* ---- open, size, alignment, locking ---- */

static uint32_t probe_align(int fd, uint64_t size, void *buf, bool mem)
{
    /* An image smaller than the largest candidate cannot prove anything:
     * assume the largest. */
    if (size < PROBE_MAX)
        return PROBE_MAX;
    for (uint32_t a = 512; a <= PROBE_MAX; a *= 2) {
        ssize_t n;
        do {
            n = mem ? pread(fd, (uint8_t *)buf + a, PROBE_MAX, 0) : pread(fd, buf, a, 0);
        } while (n < 0 && errno == EINTR);
        if (n >= 0)
            return a;
    }
    return PROBE_MAX;
}

static void setup_direct(struct blk_file *f, bool blkdev)
{
    int ssz = 0;
    if (blkdev && ioctl(f->fd, BLKSSZGET, &ssz) == 0 && ssz >= 512 && ssz <= 65536 &&
        !(ssz & (ssz - 1))) {
        f->align = f->mem_align = (uint32_t)ssz;
        return;
    }
    void *buf = NULL;
    if (posix_memalign(&buf, PROBE_MAX, 2 * PROBE_MAX)) {
        f->align = f->mem_align = PROBE_MAX;
        return;
    }
    f->align = probe_align(f->fd, f->size, buf, false);
    f->mem_align = probe_align(f->fd, f->size, buf, true);
    free(buf);
}

static int file_lock(struct blk_file *f, char **err)
{
    struct flock fl = { .l_type = f->readonly ? F_RDLCK : F_WRLCK, .l_whence = SEEK_SET };
    if (fcntl(f->fd, F_OFD_SETLK, &fl) == 0)
        return 0;
    if (errno == EAGAIN || errno == EACCES) {
        *err = g_strdup_printf("Failed to get %s\"write\" lock: '%s' is in use by another "
                               "process (file.locking=off skips the check)",
                               f->readonly ? "shared " : "", f->filename);
        return -1;
    }
    warn_report("'%s': file system without OFD locks (%s); opened without locking",
                f->filename, strerror(errno));
    return 0;
}

static int open_fd(struct blk_file *f, const char *path, const struct blk_file_opts *o,
                   char **err)
{
    int flags = (o->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | (o->direct ? O_DIRECT : 0);
    do {
        f->fd = open(path, flags);
    } while (f->fd < 0 && errno == EINTR);
    if (f->fd >= 0)
        return 0;
    int e = errno;
    if (o->direct && e == EINVAL) {
        /* EINVAL from a plain open would be strange: tell O_DIRECT apart. */
        int fd = open(path, flags & ~O_DIRECT);
        if (fd >= 0) {
            close(fd);
            *err = g_strdup_printf("could not open '%s': cache=none needs O_DIRECT, which "
                                   "the file system does not support", path);
            return -1;
        }
    }
    *err = g_strdup_printf("could not open '%s': %s", path, strerror(e));
    return -1;
}

int file_open(struct blk_file *f, const char *path, const struct blk_file_opts *o, char **err)
{
    memset(f, 0, sizeof(*f));
    f->fd = -1;
    f->readonly = o->readonly;
    f->direct = o->direct;
    f->align = f->mem_align = 1;
    if (open_fd(f, path, o, err))
        return -1;
    f->filename = g_strdup(path);
    struct stat st;
    if (fstat(f->fd, &st)) {
        *err = g_strdup_printf("could not open '%s': %s", path, strerror(errno));
        goto fail;
    }
    bool blkdev = S_ISBLK(st.st_mode);
    if (S_ISDIR(st.st_mode)) {
        *err = g_strdup_printf("could not open '%s': Is a directory", path);
        goto fail;
    }
    if (!S_ISREG(st.st_mode) && !blkdev) {
        *err = g_strdup_printf("could not open '%s': not a regular file or block device", path);
        goto fail;
    }
    f->size = (uint64_t)st.st_size;
    if (blkdev && ioctl(f->fd, BLKGETSIZE64, &f->size)) {
        *err = g_strdup_printf("could not get the size of '%s': %s", path, strerror(errno));
        goto fail;
    }
    if (o->lock && file_lock(f, err))
        goto fail;
    if (f->direct)
        setup_direct(f, blkdev);
    pthread_rwlock_init(&f->rmw, NULL);
    return 0;
fail:
    close(f->fd);
    g_free(f->filename);
    f->fd = -1;
    f->filename = NULL;
    return -1;
}

void file_close(struct blk_file *f)
{
    if (f->fd < 0)
        return;
    close(f->fd); /* drops the OFD lock with the last reference */
    pthread_rwlock_destroy(&f->rmw);
    g_free(f->filename);
    f->fd = -1;
    f->filename = NULL;
}

int file_datasync(struct blk_file *f)
{
    int r;
    do {
        r = fdatasync(f->fd);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : 0;
}

/* ---- transfers ---- */

static bool aligned(const struct blk_file *f, uint64_t off, const struct iovec *iov, int niov)
{
    if (!f->direct)
        return true;
    if (off % f->align)
        return false;
    for (int i = 0; i < niov; i++)
        if ((uintptr_t)iov[i].iov_base % f->mem_align || iov[i].iov_len % f->align)
            return false;
    return true;
}

/* Drop n transferred bytes from the front of a private iovec copy. */
static void iov_advance(struct iovec **iov, int *niov, size_t n)
{
    while (*niov && n >= (*iov)->iov_len) {
        n -= (*iov)->iov_len;
        (*iov)++;
        (*niov)--;
    }
    if (*niov && n) {
        (*iov)->iov_base = (uint8_t *)(*iov)->iov_base + n;
        (*iov)->iov_len -= n;
    }
}

/* The syscall loop on an (aligned, for O_DIRECT) request. */
static int rw_loop(struct blk_file *f, bool write, uint64_t off, const struct iovec *iov_in,
                   int niov)
{
    /* A private copy to advance through; on the stack for the sizes the
     * devices send (IDE DMA: up to 256 pieces). */
    struct iovec stack[256], *copy = niov <= 256 ? stack : g_new(struct iovec, niov);
    struct iovec *iov = copy;
    memcpy(copy, iov_in, sizeof(*iov) * (size_t)niov);
    int ret = 0;
    while (niov) {
        if (!iov->iov_len) {
            iov_advance(&iov, &niov, 0); /* skips empty entries */
            continue;
        }
        int cnt = MIN(niov, IOV_MAX);
        ssize_t n = write ? pwritev(f->fd, iov, cnt, (off_t)off)
                          : preadv(f->fd, iov, cnt, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            ret = -errno;
            break;
        }
        if (n > 0) {
            off += (uint64_t)n;
            iov_advance(&iov, &niov, (size_t)n);
            /* O_DIRECT stops at an unaligned point only at the end of the
             * file; anywhere else, go on. */
            if (!niov || aligned(f, off, iov, niov))
                continue;
        }
        /* End of file: a write cannot go on; the rest of a read is zeroes. */
        if (write)
            ret = -EIO;
        else
            for (int i = 0; i < niov; i++)
                memset(iov[i].iov_base, 0, iov[i].iov_len);
        break;
    }
    if (copy != stack)
        g_free(copy);
    return ret;
}

static int rw_buf(struct blk_file *f, bool write, uint64_t off, void *buf, size_t len)
{
    struct iovec v = { buf, len };
    return rw_loop(f, write, off, &v, 1);
}

static int current_size(struct blk_file *f, uint64_t *size)
{
    struct stat st;
    if (fstat(f->fd, &st))
        return -errno;
    *size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : UINT64_MAX;
    return 0;
}

/* One bounced piece [pos, end) inside the aligned window [astart, aend). */
static int bounce_piece(struct blk_file *f, bool write, uint64_t off, const struct iovec *iov,
                        int niov, uint64_t pos, uint64_t end, uint8_t *bb)
{
    uint64_t a = f->align, astart = pos & ~(a - 1), aend = (end + a - 1) & ~(a - 1);
    size_t wlen = (size_t)(aend - astart), head = (size_t)(pos - astart);
    int r;
    if (!write) {
        r = rw_buf(f, false, astart, bb, wlen);
        if (!r)
            iov_from_buf(iov, niov, (size_t)(pos - off), bb + head, (size_t)(end - pos));
        return r;
    }
    if (head && (r = rw_buf(f, false, astart, bb, (size_t)a)))
        return r;
    if (end != aend && (aend - a != astart || !head) &&
        (r = rw_buf(f, false, aend - a, bb + wlen - a, (size_t)a)))
        return r;
    iov_to_buf(iov, niov, (size_t)(pos - off), bb + head, (size_t)(end - pos));
    uint64_t size = 0;
    if ((r = current_size(f, &size)) || (r = rw_buf(f, true, astart, bb, wlen)))
        return r;
    /* The aligned write grew a file whose size is not a block multiple:
     * give the tail back. */
    if (aend > size && ftruncate(f->fd, (off_t)size))
        return -errno;
    return 0;
}

static int bounce(struct blk_file *f, bool write, uint64_t off, const struct iovec *iov,
                  int niov)
{
    uint64_t end = off + iov_size(iov, niov);
    void *bb = NULL;
    if (posix_memalign(&bb, MAX(f->mem_align, f->align), BOUNCE_MAX))
        return -ENOMEM;
    int r = 0;
    for (uint64_t pos = off; pos < end && !r;) {
        uint64_t astart = pos & ~((uint64_t)f->align - 1);
        uint64_t pend = MIN(end, astart + BOUNCE_MAX);
        r = bounce_piece(f, write, off, iov, niov, pos, pend, bb);
        pos = pend;
    }
    free(bb);
    return r;
}

int file_preadv(struct blk_file *f, uint64_t off, const struct iovec *iov, int niov)
{
    return aligned(f, off, iov, niov) ? rw_loop(f, false, off, iov, niov)
                                      : bounce(f, false, off, iov, niov);
}

int file_pwritev(struct blk_file *f, uint64_t off, const struct iovec *iov, int niov)
{
    if (f->readonly)
        return -EROFS;
    bool direct = aligned(f, off, iov, niov);
    int r;
    if (direct)
        pthread_rwlock_rdlock(&f->rmw);
    else
        pthread_rwlock_wrlock(&f->rmw);
    r = direct ? rw_loop(f, true, off, iov, niov) : bounce(f, true, off, iov, niov);
    pthread_rwlock_unlock(&f->rmw);
    return r;
}
