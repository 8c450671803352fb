/* SPDX-License-Identifier: GPL-2.0-or-later */
/* block.h: block backends (disk and CD images) with asynchronous requests.
 *
 * A backend is an opened image: format (only "raw" for now), size, read-only
 * flag, cache mode, and an advisory lock (so two hvemu processes cannot open
 * one writable image).  Devices submit requests (read, write, flush) that run
 * on worker threads and complete into the machine's main loop: the completion
 * callback runs on the main thread with the machine lock held, like every
 * other device callback, so vCPUs never block on the disk.
 *
 * Cache modes (QEMU's meanings):
 *   writeback     page cache, guest flushes -> fdatasync        (default)
 *   writethrough  page cache, every write is followed by fdatasync
 *   none          O_DIRECT (falls back to an error if unsupported), flushes
 *                 -> fdatasync
 *   unsafe        page cache, flushes are ignored
 *   directsync    O_DIRECT and every write synced
 * A guest-visible write cache (the ATA write-cache feature) is reported by
 * blk_write_cache(): on for writeback/none/unsafe, off for writethrough and
 * directsync; a device may switch it with blk_set_write_cache().
 *
 * Buffers are host memory (guest RAM mapped with dma_map, or a bounce
 * buffer) and must stay valid until the callback.  A request cannot be
 * cancelled: a device that resets while requests are in flight must
 * recognise their late completions (e.g. with a generation number).
 *
 * Threat model: the image contents are untrusted data, never parsed here
 * for raw; offsets and lengths come from devices, which bound them by
 * blk_size(); requests beyond the end fail with -EIO. */
#ifndef BLOCK_BLOCK_H
#define BLOCK_BLOCK_H

#include <sys/uio.h>
#include <pthread.h>
#include <glib.h>
#include "core/base.h"

enum blk_cache {
    BLK_CACHE_WRITEBACK,
    BLK_CACHE_WRITETHROUGH,
    BLK_CACHE_NONE,
    BLK_CACHE_UNSAFE,
    BLK_CACHE_DIRECTSYNC,
};

struct blk_opts {
    const char *file;
    const char *format;  /* NULL or "raw" */
    bool readonly;
    enum blk_cache cache;
    bool no_lock;        /* file.locking=off */
};

/* Where completions go: the main loop's context and the machine lock. */
struct blk_env {
    GMainContext *ctx;
    pthread_mutex_t *lock;
};

struct blk;

/* The completion callback: ret is 0 or a negative errno. */
typedef void blk_cb(void *opaque, int ret);

/* Open an image.  NULL with *err as one line naming the file and the
 * problem ("could not open 'x.img': No such file or directory",
 * "'x.img' is locked by another process", ...). */
struct blk *blk_open(const struct blk_env *env, const struct blk_opts *o, char **err);
/* Waits for requests in flight, then closes. */
void blk_close(struct blk *b);

const char *blk_filename(const struct blk *b);
uint64_t blk_size(const struct blk *b); /* bytes */
bool blk_readonly(const struct blk *b);
enum blk_cache blk_cache_mode(const struct blk *b);
bool blk_write_cache(const struct blk *b);
void blk_set_write_cache(struct blk *b, bool on);

/* Asynchronous requests.  Return 0 (cb will be called exactly once, never
 * from inside this call) or a negative errno (cb is not called). */
int blk_readv(struct blk *b, uint64_t offset, const struct iovec *iov, int niov, blk_cb *cb,
              void *opaque);
int blk_writev(struct blk *b, uint64_t offset, const struct iovec *iov, int niov, blk_cb *cb,
               void *opaque);
int blk_flush(struct blk *b, blk_cb *cb, void *opaque);

/* Synchronous helpers (set-up, tests, firmware-time reads): the calling
 * thread does the I/O.  0 or a negative errno. */
int blk_pread(struct blk *b, uint64_t offset, void *buf, size_t len);
int blk_pwrite(struct blk *b, uint64_t offset, const void *buf, size_t len);
int blk_sync(struct blk *b);

/* Wait (without the machine lock held) until no request of b is in
 * flight; their callbacks have run when it returns.  For tests, reset paths
 * that must drain, and shutdown. */
void blk_drain(struct blk *b);
unsigned blk_in_flight(const struct blk *b);

/* The image format ("raw") and counters since open, for query-block and
 * query-blockstats and for tests (syncs: fdatasync calls made, which show
 * the cache mode at work). */
const char *blk_format(const struct blk *b);
struct blk_stats {
    uint64_t rd_ops, wr_ops, flush_ops;
    uint64_t rd_bytes, wr_bytes;
    uint64_t failed_ops;
    uint64_t syncs;
};
void blk_get_stats(const struct blk *b, struct blk_stats *st);

#endif
