/* SPDX-License-Identifier: GPL-2.0-or-later */
/* block.c: block backends (block.h): request queue, worker threads and
 * completion into the main loop.
 *
 * Each backend has up to BLK_WORKERS threads, started when requests find
 * no idle worker, doing the blocking preadv/pwritev/fdatasync through the
 * format driver.  A finished request goes on the backend's done list and an
 * eventfd, watched by a GSource on env->ctx, wakes the main loop, which runs
 * the callbacks with env->lock held.  blk_drain delivers completions itself
 * (on whichever thread calls it) because the main loop may not be
 * iterating.  See docs/locking.md.
 *
 * Cache policy (block.h): a write is followed by fdatasync, before it
 * completes, when the guest-visible write cache is off (writethrough,
 * directsync, or a guest that switched it off) unless the mode is unsafe;
 * a flush is fdatasync except in unsafe mode.
 *
 * Threat model: offsets, lengths and iovec counts come from devices; the
 * sum of the lengths is overflow-checked and the range bounded by the
 * image size (-EIO), the count by BLK_MAX_IOV (-EINVAL). */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <glib-unix.h>
#include "block/block.h"
#include "block/block_int.h"

#define BLK_WORKERS 4
#define BLK_MAX_IOV 65536
#define REQ_INLINE_IOV 4

enum blk_op { OP_READ, OP_WRITE, OP_FLUSH };

struct blk_req {
    struct blk_req *next;
    enum blk_op op;
    bool sync;   /* write: fdatasync before completing */
    bool synced; /* an fdatasync was made */
    int niov;
    int ret;
    uint64_t off;
    size_t len;
    struct iovec *iov;
    blk_cb *cb;
    void *opaque;
    struct iovec inl[REQ_INLINE_IOV];
};

struct blk {
    struct blk_env env;
    struct blk_file file;
    const struct blk_driver *drv;
    void *drv_state;
    uint64_t size;
    enum blk_cache cache;
    _Atomic bool wce; /* the guest-visible write cache */

    pthread_mutex_t mtx; /* everything below */
    pthread_cond_t work_cond, done_cond;
    struct blk_req *pending, **pending_tail;
    struct blk_req *done, **done_tail;
    unsigned npending, nthreads, idle;
    bool quit;
    pthread_t threads[BLK_WORKERS];
    _Atomic unsigned in_flight; /* submitted, callback not yet returned */
    struct blk_stats stats;

    int efd;
    GSource *src;
};

/* ---- iovec helpers ---- */

size_t iov_size(const struct iovec *iov, int niov)
{
    size_t n = 0;
    for (int i = 0; i < niov; i++)
        n += iov[i].iov_len;
    return n;
}

/* Copy between a flat buffer and bytes [from, from + len) of an iovec. */
static size_t iov_copy(const struct iovec *iov, int niov, size_t from, void *buf, size_t len,
                       bool to_buf)
{
    size_t done = 0;
    for (int i = 0; i < niov && done < len; i++) {
        if (from >= iov[i].iov_len) {
            from -= iov[i].iov_len;
            continue;
        }
        size_t n = MIN(iov[i].iov_len - from, len - done);
        uint8_t *p = (uint8_t *)iov[i].iov_base + from;
        if (to_buf)
            memcpy((uint8_t *)buf + done, p, n);
        else
            memcpy(p, (uint8_t *)buf + done, n);
        done += n;
        from = 0;
    }
    return done;
}

size_t iov_to_buf(const struct iovec *iov, int niov, size_t from, void *buf, size_t len)
{
    return iov_copy(iov, niov, from, buf, len, true);
}

size_t iov_from_buf(const struct iovec *iov, int niov, size_t from, const void *buf, size_t len)
{
    return iov_copy(iov, niov, from, (void *)buf, len, false);
}

/* ---- the work ---- */

static bool sync_each_write(const struct blk *b)
{
    return !atomic_load(&b->wce) && b->cache != BLK_CACHE_UNSAFE;
}

static int do_flush(struct blk *b, bool *synced)
{
    if (b->cache == BLK_CACHE_UNSAFE)
        return 0;
    *synced = true;
    return file_datasync(&b->file);
}

static void run_req(struct blk *b, struct blk_req *r)
{
    switch (r->op) {
    case OP_READ:
        r->ret = b->drv->preadv(b->drv_state, r->off, r->iov, r->niov);
        break;
    case OP_WRITE:
        r->ret = b->drv->pwritev(b->drv_state, r->off, r->iov, r->niov);
        if (!r->ret && r->sync) {
            r->synced = true;
            r->ret = file_datasync(&b->file);
        }
        break;
    case OP_FLUSH:
        r->ret = do_flush(b, &r->synced);
        break;
    }
}

static void account(struct blk *b, enum blk_op op, size_t len, int ret, bool synced)
{
    struct blk_stats *s = &b->stats;
    s->rd_ops += op == OP_READ;
    s->wr_ops += op == OP_WRITE;
    s->flush_ops += op == OP_FLUSH;
    if (op == OP_READ && !ret)
        s->rd_bytes += len;
    if (op == OP_WRITE && !ret)
        s->wr_bytes += len;
    s->failed_ops += ret != 0;
    s->syncs += synced;
}

static void kick(struct blk *b)
{
    uint64_t one = 1;
    /* Only fails when the counter would overflow, i.e. it is already set. */
    if (write(b->efd, &one, sizeof(one)) < 0) {
    }
}

static void *worker(void *opaque)
{
    struct blk *b = opaque;
    pthread_mutex_lock(&b->mtx);
    for (;;) {
        while (!b->pending && !b->quit) {
            b->idle++;
            pthread_cond_wait(&b->work_cond, &b->mtx);
            b->idle--;
        }
        struct blk_req *r = b->pending;
        if (!r)
            break;
        b->pending = r->next;
        if (!b->pending)
            b->pending_tail = &b->pending;
        b->npending--;
        pthread_mutex_unlock(&b->mtx);

        run_req(b, r);

        pthread_mutex_lock(&b->mtx);
        account(b, r->op, r->len, r->ret, r->synced);
        r->next = NULL;
        bool was_empty = !b->done;
        *b->done_tail = r;
        b->done_tail = &r->next;
        if (was_empty)
            kick(b);
        pthread_cond_broadcast(&b->done_cond);
    }
    pthread_mutex_unlock(&b->mtx);
    return NULL;
}

/* Start one more worker if the queue outgrows the idle ones (mtx held).
 * Workers block every signal: they belong to the main thread. */
static int add_worker(struct blk *b)
{
    if (b->npending < b->idle || b->nthreads >= BLK_WORKERS)
        return 0;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int e = pthread_create(&b->threads[b->nthreads], NULL, worker, b);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!e)
        b->nthreads++;
    /* Without a thread at all the request could never run. */
    return e && !b->nthreads ? -e : 0;
}

/* ---- completions ---- */

/* Run the callbacks of finished requests; false if there were none. */
static bool deliver(struct blk *b)
{
    pthread_mutex_lock(&b->mtx);
    struct blk_req *list = b->done;
    b->done = NULL;
    b->done_tail = &b->done;
    pthread_mutex_unlock(&b->mtx);
    if (!list)
        return false;
    unsigned n = 0;
    if (b->env.lock)
        pthread_mutex_lock(b->env.lock);
    while (list) {
        struct blk_req *r = list;
        list = r->next;
        r->cb(r->opaque, r->ret);
        if (r->iov != r->inl)
            g_free(r->iov);
        g_free(r);
        n++;
    }
    if (b->env.lock)
        pthread_mutex_unlock(b->env.lock);
    pthread_mutex_lock(&b->mtx);
    atomic_fetch_sub(&b->in_flight, n);
    pthread_cond_broadcast(&b->done_cond);
    pthread_mutex_unlock(&b->mtx);
    return true;
}

static gboolean on_complete(gint fd, GIOCondition cond, gpointer opaque)
{
    struct blk *b = opaque;
    uint64_t v;
    /* Clear the eventfd before taking the list, so a completion queued
     * after the take always leaves the eventfd set. */
    if (read(fd, &v, sizeof(v)) < 0) {
    }
    deliver(b);
    return G_SOURCE_CONTINUE;
}

void blk_drain(struct blk *b)
{
    for (;;) {
        if (deliver(b))
            continue;
        pthread_mutex_lock(&b->mtx);
        if (!atomic_load(&b->in_flight)) {
            pthread_mutex_unlock(&b->mtx);
            return;
        }
        /* Still running, or being delivered by another thread. */
        if (!b->done)
            pthread_cond_wait(&b->done_cond, &b->mtx);
        pthread_mutex_unlock(&b->mtx);
    }
}

unsigned blk_in_flight(const struct blk *b)
{
    return atomic_load(&b->in_flight);
}

/* ---- submission ---- */

static int submit(struct blk *b, enum blk_op op, uint64_t off, const struct iovec *iov,
                  int niov, blk_cb *cb, void *opaque)
{
    if (niov < 0 || niov > BLK_MAX_IOV || (niov && !iov) || !cb)
        return -EINVAL;
    if (op == OP_WRITE && b->file.readonly)
        return -EROFS;
    size_t len = 0;
    for (int i = 0; i < niov; i++) {
        if (iov[i].iov_len > SIZE_MAX - len)
            return -EIO;
        len += iov[i].iov_len;
    }
    if (op != OP_FLUSH && (off > b->size || len > b->size - off))
        return -EIO;
    struct blk_req *r = g_new0(struct blk_req, 1);
    r->op = op;
    r->off = off;
    r->len = len;
    r->niov = niov;
    r->iov = niov <= REQ_INLINE_IOV ? r->inl : g_new(struct iovec, niov);
    if (niov)
        memcpy(r->iov, iov, sizeof(*iov) * (size_t)niov);
    r->cb = cb;
    r->opaque = opaque;
    r->sync = op == OP_WRITE && sync_each_write(b);

    pthread_mutex_lock(&b->mtx);
    int e = add_worker(b);
    if (e) {
        pthread_mutex_unlock(&b->mtx);
        if (r->iov != r->inl)
            g_free(r->iov);
        g_free(r);
        return e;
    }
    *b->pending_tail = r;
    b->pending_tail = &r->next;
    b->npending++;
    atomic_fetch_add(&b->in_flight, 1);
    pthread_cond_signal(&b->work_cond);
    pthread_mutex_unlock(&b->mtx);
    return 0;
}

int blk_readv(struct blk *b, uint64_t offset, const struct iovec *iov, int niov, blk_cb *cb,
              void *opaque)
{
    return submit(b, OP_READ, offset, iov, niov, cb, opaque);
}

int blk_writev(struct blk *b, uint64_t offset, const struct iovec *iov, int niov, blk_cb *cb,
               void *opaque)
{
    return submit(b, OP_WRITE, offset, iov, niov, cb, opaque);
}

int blk_flush(struct blk *b, blk_cb *cb, void *opaque)
{
    return submit(b, OP_FLUSH, 0, NULL, 0, cb, opaque);
}

/* ---- synchronous helpers: same checks and policy, on this thread ---- */

static int sync_rw(struct blk *b, enum blk_op op, uint64_t off, void *buf, size_t len)
{
    if (op == OP_WRITE && b->file.readonly)
        return -EROFS;
    if (off > b->size || len > b->size - off)
        return -EIO;
    struct blk_req r = { .op = op, .off = off, .len = len, .niov = 1,
                         .sync = op == OP_WRITE && sync_each_write(b) };
    r.inl[0] = (struct iovec){ buf, len };
    r.iov = r.inl;
    run_req(b, &r);
    pthread_mutex_lock(&b->mtx);
    account(b, op, len, r.ret, r.synced);
    pthread_mutex_unlock(&b->mtx);
    return r.ret;
}

int blk_pread(struct blk *b, uint64_t offset, void *buf, size_t len)
{
    return sync_rw(b, OP_READ, offset, buf, len);
}

int blk_pwrite(struct blk *b, uint64_t offset, const void *buf, size_t len)
{
    return sync_rw(b, OP_WRITE, offset, (void *)buf, len);
}

int blk_sync(struct blk *b)
{
    struct blk_req r = { .op = OP_FLUSH };
    run_req(b, &r);
    pthread_mutex_lock(&b->mtx);
    account(b, OP_FLUSH, 0, r.ret, r.synced);
    pthread_mutex_unlock(&b->mtx);
    return r.ret;
}

/* ---- open, close, properties ---- */

static bool is_direct(enum blk_cache c)
{
    return c == BLK_CACHE_NONE || c == BLK_CACHE_DIRECTSYNC;
}

struct blk *blk_open(const struct blk_env *env, const struct blk_opts *o, char **err)
{
    if (!o->file || !*o->file) {
        *err = g_strdup("no image file given");
        return NULL;
    }
    if (o->format && strcmp(o->format, "raw")) {
        *err = g_strdup_printf("'%s': format '%s' is not supported (raw only)", o->file,
                               o->format);
        return NULL;
    }
    struct blk *b = g_new0(struct blk, 1);
    b->env = *env;
    b->efd = -1;
    b->cache = o->cache;
    atomic_init(&b->wce, o->cache == BLK_CACHE_WRITEBACK || o->cache == BLK_CACHE_NONE ||
                             o->cache == BLK_CACHE_UNSAFE);
    struct blk_file_opts fo = { o->readonly, is_direct(o->cache), !o->no_lock };
    if (file_open(&b->file, o->file, &fo, err)) {
        g_free(b);
        return NULL;
    }
    b->drv = blk_find_driver(o->format, &b->file, err);
    if (!b->drv || b->drv->open(&b->drv_state, &b->file, !o->format, &b->size, err))
        goto fail;
    b->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (b->efd < 0) {
        *err = g_strdup_printf("'%s': eventfd: %s", o->file, strerror(errno));
        goto fail;
    }
    pthread_mutex_init(&b->mtx, NULL);
    pthread_cond_init(&b->work_cond, NULL);
    pthread_cond_init(&b->done_cond, NULL);
    b->pending_tail = &b->pending;
    b->done_tail = &b->done;
    b->src = g_unix_fd_source_new(b->efd, G_IO_IN);
    g_source_set_callback(b->src, G_SOURCE_FUNC(on_complete), b, NULL);
    g_source_attach(b->src, env->ctx);
    return b;
fail:
    if (b->drv_state)
        b->drv->close(b->drv_state);
    file_close(&b->file);
    g_free(b);
    return NULL;
}

void blk_close(struct blk *b)
{
    if (!b)
        return;
    blk_drain(b);
    pthread_mutex_lock(&b->mtx);
    b->quit = true;
    pthread_cond_broadcast(&b->work_cond);
    pthread_mutex_unlock(&b->mtx);
    for (unsigned i = 0; i < b->nthreads; i++)
        pthread_join(b->threads[i], NULL);
    g_source_destroy(b->src);
    g_source_unref(b->src);
    close(b->efd);
    pthread_cond_destroy(&b->work_cond);
    pthread_cond_destroy(&b->done_cond);
    pthread_mutex_destroy(&b->mtx);
    b->drv->close(b->drv_state);
    file_close(&b->file);
    g_free(b);
}

const char *blk_filename(const struct blk *b)
{
    return b->file.filename;
}

const char *blk_format(const struct blk *b)
{
    return b->drv->name;
}

uint64_t blk_size(const struct blk *b)
{
    return b->size;
}

bool blk_readonly(const struct blk *b)
{
    return b->file.readonly;
}

enum blk_cache blk_cache_mode(const struct blk *b)
{
    return b->cache;
}

bool blk_write_cache(const struct blk *b)
{
    return atomic_load(&b->wce);
}

void blk_set_write_cache(struct blk *b, bool on)
{
    atomic_store(&b->wce, on);
}

void blk_get_stats(const struct blk *b, struct blk_stats *st)
{
    /* The mutex guards the counters, not the backend's identity. */
    pthread_mutex_t *m = (pthread_mutex_t *)&b->mtx;
    pthread_mutex_lock(m);
    *st = b->stats;
    pthread_mutex_unlock(m);
}
