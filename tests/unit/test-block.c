/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-block: block backends with a real GMainContext and lock: async
 * round trips, big scattered requests, O_DIRECT bounce buffers, read-only
 * images, bounds, OFD locks, drain, cache-mode syncs, errors, probing.
 *
 * Image files live in a directory next to this binary (the build tree), not
 * in /tmp, which may be a tmpfs. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include "block/block.h"
#include "core/chardev.h"
#include "core/machine.h"
#include "cpu/accel.h"
#include "hw/pc.h"
#include "monitor/monitor.h"

static char *test_dir;

struct loop {
    GMainContext *ctx;
    pthread_mutex_t lock;
    struct blk_env env;
};

static struct loop *loop_new(void)
{
    struct loop *l = g_new0(struct loop, 1);
    l->ctx = g_main_context_new();
    pthread_mutex_init(&l->lock, NULL);
    l->env = (struct blk_env){ l->ctx, &l->lock };
    return l;
}

static void loop_free(struct loop *l)
{
    g_main_context_unref(l->ctx);
    pthread_mutex_destroy(&l->lock);
    g_free(l);
}

struct done {
    struct loop *l;
    int calls;
    int ret;
    bool lock_held;
    pthread_t thread;
};

static void on_done(void *opaque, int ret)
{
    struct done *d = opaque;
    d->calls++;
    d->ret = ret;
    d->lock_held = pthread_mutex_trylock(&d->l->lock) == EBUSY;
    if (!d->lock_held)
        pthread_mutex_unlock(&d->l->lock);
    d->thread = pthread_self();
}

/* Iterate the context until the callback ran: no sleeps, the eventfd wakes
 * the poll. */
static void wait_done(struct done *d)
{
    while (!d->calls)
        g_main_context_iteration(d->l->ctx, TRUE);
    g_assert_cmpint(d->calls, ==, 1);
    g_assert_true(d->lock_held);
    g_assert_true(pthread_equal(d->thread, pthread_self()));
}

static char *make_image(const char *name, size_t size, uint8_t fill)
{
    char *path = g_build_filename(test_dir, name, NULL);
    uint8_t *buf = g_malloc(size);
    memset(buf, fill, size);
    g_assert_true(g_file_set_contents(path, (char *)buf, (gssize)size, NULL));
    g_free(buf);
    return path;
}

static struct blk *open_img(struct loop *l, const char *path, enum blk_cache cache, bool ro)
{
    char *err = NULL;
    struct blk_opts o = { .file = path, .format = "raw", .readonly = ro, .cache = cache };
    struct blk *b = blk_open(&l->env, &o, &err);
    if (!b)
        g_error("blk_open %s: %s", path, err);
    return b;
}

static char *open_err(struct loop *l, const struct blk_opts *o)
{
    char *err = NULL;
    struct blk *b = blk_open(&l->env, o, &err);
    g_assert_null(b);
    g_assert_nonnull(err);
    g_assert_null(strchr(err, '\n'));
    return err;
}

static void fill_pattern(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 7 + seed + (i >> 9));
}

static void read_file_at(const char *path, uint64_t off, void *buf, size_t len)
{
    int fd = open(path, O_RDONLY);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pread(fd, buf, len, (off_t)off), ==, (ssize_t)len);
    close(fd);
}

static void test_roundtrip(void)
{
    struct loop *l = loop_new();
    char *path = make_image("rt.img", 1 * MiB, 0xee);
    struct blk *b = open_img(l, path, BLK_CACHE_WRITEBACK, false);
    g_assert_cmpuint(blk_size(b), ==, 1 * MiB);
    g_assert_cmpstr(blk_filename(b), ==, path);
    g_assert_cmpstr(blk_format(b), ==, "raw");
    g_assert_false(blk_readonly(b));

    uint8_t out[3000], in[3000] = { 0 }, file[3000];
    fill_pattern(out, sizeof(out), 1);
    struct iovec w[3] = { { out, 1000 }, { out + 1000, 7 }, { out + 1007, 1993 } };
    struct done d = { .l = l };
    g_assert_cmpint(blk_writev(b, 4096 + 7, w, 3, on_done, &d), ==, 0);
    g_assert_cmpint(d.calls, ==, 0); /* never from inside the submission */
    wait_done(&d);
    g_assert_cmpint(d.ret, ==, 0);
    g_assert_cmpuint(blk_in_flight(b), ==, 0);
    read_file_at(path, 4096 + 7, file, sizeof(file));
    g_assert_cmpmem(file, sizeof(file), out, sizeof(out));

    struct iovec r[2] = { { in, 1 }, { in + 1, 2999 } };
    d = (struct done){ .l = l };
    g_assert_cmpint(blk_readv(b, 4096 + 7, r, 2, on_done, &d), ==, 0);
    wait_done(&d);
    g_assert_cmpint(d.ret, ==, 0);
    g_assert_cmpmem(in, sizeof(in), out, sizeof(out));

    d = (struct done){ .l = l };
    g_assert_cmpint(blk_flush(b, on_done, &d), ==, 0);
    wait_done(&d);
    g_assert_cmpint(d.ret, ==, 0);

    /* Synchronous helpers see the same bytes. */
    uint8_t s[16];
    g_assert_cmpint(blk_pread(b, 4096 + 7, s, sizeof(s)), ==, 0);
    g_assert_cmpmem(s, sizeof(s), out, sizeof(s));
    g_assert_cmpint(blk_pwrite(b, 0, "hello", 5), ==, 0);
    read_file_at(path, 0, s, 5);
    g_assert_cmpmem(s, 5, "hello", 5);
    g_assert_cmpint(blk_sync(b), ==, 0);

    struct blk_stats st;
    blk_get_stats(b, &st);
    g_assert_cmpuint(st.rd_ops, ==, 2);
    g_assert_cmpuint(st.wr_ops, ==, 2);
    g_assert_cmpuint(st.flush_ops, ==, 2);
    g_assert_cmpuint(st.rd_bytes, ==, 3000 + 16);
    g_assert_cmpuint(st.wr_bytes, ==, 3000 + 5);
    g_assert_cmpuint(st.failed_ops, ==, 0);
    blk_close(b);
    g_unlink(path);
    g_free(path);
    loop_free(l);
}

/* 4 MiB in 2000 iovecs of uneven sizes: more than IOV_MAX per syscall. */
static void big_request(enum blk_cache cache)
{
    struct loop *l = loop_new();
    char *path = make_image("big.img", 8 * MiB, 0);
    struct blk *b = open_img(l, path, cache, false);
    enum { N = 2000 };
    size_t total = 4 * MiB;
    uint8_t *out = g_malloc(total), *in = g_malloc0(total);
    fill_pattern(out, total, 3);
    struct iovec *iov = g_new(struct iovec, N), *iin = g_new(struct iovec, N);
    size_t pos = 0;
    for (int i = 0; i < N; i++) {
        size_t len = i == N - 1 ? total - pos : (size_t)(i % 5) * 512 + (i % 3) * 2 + 2;
        iov[i] = (struct iovec){ out + pos, len };
        iin[i] = (struct iovec){ in + pos, len };
        pos += len;
    }
    g_assert_cmpuint(pos, ==, total);
    struct done d = { .l = l };
    g_assert_cmpint(blk_writev(b, 512 * 3, iov, N, on_done, &d), ==, 0);
    wait_done(&d);
    g_assert_cmpint(d.ret, ==, 0);
    d = (struct done){ .l = l };
    g_assert_cmpint(blk_readv(b, 512 * 3, iin, N, on_done, &d), ==, 0);
    wait_done(&d);
    g_assert_cmpint(d.ret, ==, 0);
    g_assert_true(memcmp(in, out, total) == 0);
    uint8_t *file = g_malloc(total);
    read_file_at(path, 512 * 3, file, total);
    g_assert_true(memcmp(file, out, total) == 0);
    blk_close(b);
    g_free(file);
    g_free(iov);
    g_free(iin);
    g_free(out);
    g_free(in);
    g_unlink(path);
    g_free(path);
    loop_free(l);
}

static void test_big_request(void)
{
    big_request(BLK_CACHE_WRITEBACK);
}

static void test_bounds(void)
{
    struct loop *l = loop_new();
    char *path = make_image("bounds.img", 64 * KiB, 0x11);
    struct blk *b = open_img(l, path, BLK_CACHE_WRITEBACK, false);
    uint8_t buf[1024];
    struct iovec v = { buf, sizeof(buf) };
    struct done d = { .l = l };
    g_assert_cmpint(blk_readv(b, 64 * KiB - 512, &v, 1, on_done, &d), ==, -EIO);
    g_assert_cmpint(blk_writev(b, 64 * KiB - 512, &v, 1, on_done, &d), ==, -EIO);
    g_assert_cmpint(blk_readv(b, UINT64_MAX - 10, &v, 1, on_done, &d), ==, -EIO);
    struct iovec huge[2] = { { buf, SIZE_MAX - 4 }, { buf, 16 } };
    g_assert_cmpint(blk_readv(b, 0, huge, 2, on_done, &d), ==, -EIO);
    g_assert_cmpint(blk_readv(b, 0, &v, -1, on_done, &d), ==, -EINVAL);
    g_assert_cmpint(blk_readv(b, 0, &v, 1 << 20, on_done, &d), ==, -EINVAL);
    g_assert_cmpint(blk_pread(b, 64 * KiB, buf, 1), ==, -EIO);
    g_assert_cmpint(d.calls, ==, 0);
    /* The last byte and an empty request at the end are fine. */
    struct iovec one = { buf, 1 };
    g_assert_cmpint(blk_readv(b, 64 * KiB - 1, &one, 1, on_done, &d), ==, 0);
    wait_done(&d);
    g_assert_cmpint(d.ret, ==, 0);
    g_assert_cmphex(buf[0], ==, 0x11);
    d = (struct done){ .l = l };
    g_assert_cmpint(blk_readv(b, 64 * KiB, NULL, 0, on_done, &d), ==, 0);
    wait_done(&d);
    g_assert_cmpint(d.ret, ==, 0);
    blk_close(b);
    g_unlink(path);
    g_free(path);
    loop_free(l);
}

static void test_readonly(void)
{
    struct loop *l = loop_new();
    char *path = make_image("ro.img", 64 * KiB, 0x22);
    struct blk *b = open_img(l, path, BLK_CACHE_WRITEBACK, true);
    g_assert_true(blk_readonly(b));
    uint8_t buf[512];
    struct iovec v = { buf, sizeof(buf) };
    struct done d = { .l = l };
    g_assert_cmpint(blk_writev(b, 0, &v, 1, on_done, &d), ==, -EROFS);
    g_assert_cmpint(blk_pwrite(b, 0, buf, 1), ==, -EROFS);
    g_assert_cmpint(d.calls, ==, 0);
    g_assert_cmpint(blk_readv(b, 512, &v, 1, on_done, &d), ==, 0);
    wait_done(&d);
    g_assert_cmphex(buf[511], ==, 0x22);
    /* Flushing a read-only image is harmless. */
    d = (struct done){ .l = l };
    g_assert_cmpint(blk_flush(b, on_done, &d), ==, 0);
    wait_done(&d);
    g_assert_cmpint(d.ret, ==, 0);
    blk_close(b);
    g_unlink(path);
    g_free(path);
    loop_free(l);
}

/* Make a file unwritable even for root (immutable flag) where we can. */
static bool make_unwritable(const char *path, bool on)
{
    if (geteuid() != 0)
        return chmod(path, on ? 0444 : 0644) == 0;
    int fd = open(path, O_RDONLY), flags = 0;
    bool ok = fd >= 0 && ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
    if (ok) {
        flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
        ok = ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
    }
    if (fd >= 0)
        close(fd);
    return ok;
}

static void test_open_errors(void)
{
    struct loop *l = loop_new();
    char *missing = g_build_filename(test_dir, "no-such.img", NULL);
    struct blk_opts o = { .file = missing };
    char *err = open_err(l, &o);
    g_assert_nonnull(strstr(err, "no-such.img"));
    g_assert_nonnull(strstr(err, "No such file or directory"));
    g_free(err);

    o.file = test_dir;
    o.readonly = true;
    err = open_err(l, &o);
    g_assert_nonnull(strstr(err, "Is a directory"));
    g_free(err);

    char *path = make_image("fmt.img", 4096, 0);
    o = (struct blk_opts){ .file = path, .format = "qcow2" };
    err = open_err(l, &o);
    g_assert_nonnull(strstr(err, "format 'qcow2' is not supported (raw only)"));
    g_free(err);

    o = (struct blk_opts){ .file = "" };
    g_free(open_err(l, &o));

    if (make_unwritable(path, true)) {
        o = (struct blk_opts){ .file = path };
        err = open_err(l, &o);
        g_assert_nonnull(strstr(err, "fmt.img"));
        g_free(err);
        o.readonly = true;
        struct blk *b = blk_open(&l->env, &o, &err);
        g_assert_nonnull(b);
        blk_close(b);
        g_assert_true(make_unwritable(path, false));
    } else {
        g_test_message("cannot make a file unwritable here: permission case skipped");
    }
    g_unlink(path);
    g_free(path);
    g_free(missing);
    loop_free(l);
}

static void test_locking(void)
{
    struct loop *l = loop_new();
    char *path = make_image("lock.img", 4096, 0);
    struct blk_opts w = { .file = path, .format = "raw" };
    struct blk_opts r = { .file = path, .format = "raw", .readonly = true };
    struct blk *a = open_img(l, path, BLK_CACHE_WRITEBACK, false);
    char *err = open_err(l, &w);
    g_assert_nonnull(strstr(err, "Failed to get \"write\" lock"));
    g_assert_nonnull(strstr(err, "lock.img"));
    g_free(err);
    err = open_err(l, &r);
    g_assert_nonnull(strstr(err, "Failed to get shared \"write\" lock"));
    g_free(err);
    /* file.locking=off: the user takes the responsibility. */
    w.no_lock = true;
    struct blk *u = blk_open(&l->env, &w, &err);
    g_assert_nonnull(u);
    blk_close(u);
    w.no_lock = false;
    blk_close(a);

    /* Readers share; a writer then conflicts with them. */
    struct blk *r1 = blk_open(&l->env, &r, &err), *r2 = blk_open(&l->env, &r, &err);
    g_assert_nonnull(r1);
    g_assert_nonnull(r2);
    g_free(open_err(l, &w));
    blk_close(r1);
    g_free(open_err(l, &w));
    blk_close(r2);
    a = blk_open(&l->env, &w, &err);
    g_assert_nonnull(a);
    blk_close(a);
    g_unlink(path);
    g_free(path);
    loop_free(l);
}

static void count_cb(void *opaque, int ret)
{
    int *n = opaque;
    g_assert_cmpint(ret, ==, 0);
    (*n)++;
}

/* drain on the main thread must run the completions itself: the context is
 * never iterated here. */
static void test_drain_main(void)
{
    struct loop *l = loop_new();
    char *path = make_image("drain.img", 1 * MiB, 0);
    struct blk *b = open_img(l, path, BLK_CACHE_WRITEBACK, false);
    enum { N = 64 };
    static uint8_t bufs[N][4096];
    int n = 0;
    for (int i = 0; i < N; i++) {
        memset(bufs[i], i, sizeof(bufs[i]));
        struct iovec v = { bufs[i], sizeof(bufs[i]) };
        g_assert_cmpint(blk_writev(b, (uint64_t)i * 4096, &v, 1, count_cb, &n), ==, 0);
    }
    struct done d = { .l = l };
    g_assert_cmpint(blk_flush(b, on_done, &d), ==, 0);
    g_assert_cmpuint(blk_in_flight(b), >, 0);
    blk_drain(b);
    g_assert_cmpint(n, ==, N);
    g_assert_cmpint(d.calls, ==, 1);
    g_assert_true(d.lock_held);
    g_assert_cmpuint(blk_in_flight(b), ==, 0);
    uint8_t c;
    read_file_at(path, 63 * 4096 + 100, &c, 1);
    g_assert_cmphex(c, ==, 63);
    /* Nothing left for the context either. */
    while (g_main_context_iteration(l->ctx, FALSE))
        ;
    g_assert_cmpint(n, ==, N);
    blk_close(b);
    g_unlink(path);
    g_free(path);
    loop_free(l);
}

struct chain {
    struct blk *b;
    uint8_t buf[512];
    int left, done;
};

/* A device that submits its next request from the completion. */
static void chain_cb(void *opaque, int ret)
{
    struct chain *c = opaque;
    g_assert_cmpint(ret, ==, 0);
    c->done++;
    if (c->left-- > 0) {
        struct iovec v = { c->buf, sizeof(c->buf) };
        g_assert_cmpint(blk_readv(c->b, (uint64_t)c->left * 512, &v, 1, chain_cb, c), ==, 0);
    }
}

static void *drain_thread(void *opaque)
{
    blk_drain(opaque);
    return NULL;
}

/* drain from another thread, while requests keep submitting more. */
static void test_drain_thread(void)
{
    struct loop *l = loop_new();
    char *path = make_image("drain2.img", 64 * KiB, 0);
    struct blk *b = open_img(l, path, BLK_CACHE_WRITEBACK, false);
    struct chain c = { .b = b, .left = 20 };
    struct iovec v = { c.buf, sizeof(c.buf) };
    g_assert_cmpint(blk_readv(b, 0, &v, 1, chain_cb, &c), ==, 0);
    pthread_t t;
    g_assert_cmpint(pthread_create(&t, NULL, drain_thread, b), ==, 0);
    pthread_join(t, NULL);
    g_assert_cmpint(c.done, ==, 21);
    g_assert_cmpuint(blk_in_flight(b), ==, 0);
    blk_close(b);
    g_unlink(path);
    g_free(path);
    loop_free(l);
}

/* blk_close waits for requests in flight and runs their callbacks. */
static void test_close_in_flight(void)
{
    struct loop *l = loop_new();
    char *path = make_image("close.img", 64 * KiB, 0);
    struct blk *b = open_img(l, path, BLK_CACHE_WRITETHROUGH, false);
    static uint8_t buf[64 * KiB];
    int n = 0;
    for (int i = 0; i < 16; i++) {
        struct iovec v = { buf + i * 4096, 4096 };
        g_assert_cmpint(blk_writev(b, (uint64_t)i * 4096, &v, 1, count_cb, &n), ==, 0);
    }
    blk_close(b);
    g_assert_cmpint(n, ==, 16);
    g_unlink(path);
    g_free(path);
    loop_free(l);
}

static uint64_t syncs_of(struct blk *b)
{
    struct blk_stats st;
    blk_get_stats(b, &st);
    return st.syncs;
}

static void write_and_flush(struct loop *l, struct blk *b, uint64_t *after_write,
                            uint64_t *after_flush)
{
    uint8_t buf[512] = { 1 };
    struct iovec v = { buf, sizeof(buf) };
    struct done d = { .l = l };
    uint64_t s0 = syncs_of(b);
    g_assert_cmpint(blk_writev(b, 0, &v, 1, on_done, &d), ==, 0);
    wait_done(&d);
    g_assert_cmpint(d.ret, ==, 0);
    *after_write = syncs_of(b) - s0;
    d = (struct done){ .l = l };
    g_assert_cmpint(blk_flush(b, on_done, &d), ==, 0);
    wait_done(&d);
    g_assert_cmpint(d.ret, ==, 0);
    *after_flush = syncs_of(b) - s0 - *after_write;
}

static void test_cache_modes(void)
{
    static const struct {
        enum blk_cache mode;
        bool wce;
        uint64_t write_syncs, flush_syncs;
    } cases[] = {
        { BLK_CACHE_WRITEBACK, true, 0, 1 },
        { BLK_CACHE_WRITETHROUGH, false, 1, 1 },
        { BLK_CACHE_UNSAFE, true, 0, 0 },
        { BLK_CACHE_NONE, true, 0, 1 },
        { BLK_CACHE_DIRECTSYNC, false, 1, 1 },
    };
    struct loop *l = loop_new();
    char *path = make_image("cache.img", 64 * KiB, 0);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *err = NULL;
        struct blk_opts o = { .file = path, .format = "raw", .cache = cases[i].mode };
        struct blk *b = blk_open(&l->env, &o, &err);
        if (!b && strstr(err, "O_DIRECT")) {
            g_test_message("%s: O_DIRECT unsupported here, mode %d skipped", test_dir,
                           cases[i].mode);
            g_free(err);
            continue;
        }
        g_assert_nonnull(b);
        g_assert_cmpint(blk_cache_mode(b), ==, cases[i].mode);
        g_assert_cmpint(blk_write_cache(b), ==, cases[i].wce);
        uint64_t w, f;
        write_and_flush(l, b, &w, &f);
        g_assert_cmpuint(w, ==, cases[i].write_syncs);
        g_assert_cmpuint(f, ==, cases[i].flush_syncs);
        /* The guest switches its write cache: writes follow, except that
         * unsafe never syncs. */
        blk_set_write_cache(b, !cases[i].wce);
        g_assert_cmpint(blk_write_cache(b), ==, !cases[i].wce);
        write_and_flush(l, b, &w, &f);
        g_assert_cmpuint(w, ==, cases[i].mode == BLK_CACHE_UNSAFE ? 0 : cases[i].wce);
        g_assert_cmpuint(f, ==, cases[i].flush_syncs);
        blk_close(b);
    }
    g_unlink(path);
    g_free(path);
    loop_free(l);
}

/* cache=none: unaligned offsets, lengths and buffers go through the bounce
 * buffer; partial blocks are read-modify-written. */
static void test_direct_unaligned(void)
{
    struct loop *l = loop_new();
    size_t size = 256 * KiB + 1000; /* not a block multiple: the tail is bounced too */
    char *path = make_image("direct.img", size, 0x5a);
    char *err = NULL;
    struct blk_opts o = { .file = path, .format = "raw", .cache = BLK_CACHE_NONE };
    struct blk *b = blk_open(&l->env, &o, &err);
    if (!b) {
        g_assert_nonnull(strstr(err, "cache=none needs O_DIRECT"));
        g_test_skip("O_DIRECT is not supported in the build directory's file system");
        g_free(err);
        goto out;
    }
    static const struct { uint64_t off; size_t len; size_t buf_off; } cases[] = {
        { 100, 1000, 3 },               /* inside one block, both ends partial */
        { 4096, 8192, 1 },              /* aligned range, unaligned buffer */
        { 511, 2, 0 },                  /* straddles a block boundary */
        { 3000, 1500 * KiB / 10, 4 },   /* several blocks, partial ends */
        { 256 * KiB + 900, 100, 0 },    /* the unaligned tail of the file */
        { 8 * KiB, 16 * KiB, 0 },       /* aligned: no bounce */
        { 100 * KiB + 17, 1200 * KiB / 10 + 5, 5 },
    };
    uint8_t *shadow = g_malloc(size), *raw = g_malloc(2 * MiB + 64);
    memset(shadow, 0x5a, size);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        uint8_t *data = raw + cases[i].buf_off;
        fill_pattern(data, cases[i].len, (unsigned)i + 10);
        memcpy(shadow + cases[i].off, data, cases[i].len);
        struct iovec v[2] = { { data, cases[i].len / 2 },
                              { data + cases[i].len / 2, cases[i].len - cases[i].len / 2 } };
        struct done d = { .l = l };
        g_assert_cmpint(blk_writev(b, cases[i].off, v, 2, on_done, &d), ==, 0);
        wait_done(&d);
        g_assert_cmpint(d.ret, ==, 0);
        memset(raw, 0, cases[i].len + 64);
        d = (struct done){ .l = l };
        g_assert_cmpint(blk_readv(b, cases[i].off, v, 2, on_done, &d), ==, 0);
        wait_done(&d);
        g_assert_cmpint(d.ret, ==, 0);
        g_assert_cmpmem(data, cases[i].len, shadow + cases[i].off, cases[i].len);
    }
    uint8_t *file = g_malloc(size);
    read_file_at(path, 0, file, size);
    g_assert_true(memcmp(file, shadow, size) == 0);
    struct stat st;
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, (off_t)size); /* the bounce did not grow it */
    g_free(file);
    g_free(shadow);
    g_free(raw);
    blk_close(b);
    big_request(BLK_CACHE_DIRECTSYNC);
out:
    g_unlink(path);
    g_free(path);
    loop_free(l);
}

/* An honest I/O error: RLIMIT_FSIZE makes writes at or past the limit fail
 * with EFBIG (after a short write for one that straddles it), on any
 * thread of the process. */
static void test_write_error(void)
{
    struct loop *l = loop_new();
    char *path = make_image("efbig.img", 1 * MiB, 0);
    struct blk *b = open_img(l, path, BLK_CACHE_WRITETHROUGH, false);
    struct rlimit old, lim;
    g_assert_cmpint(getrlimit(RLIMIT_FSIZE, &old), ==, 0);
    lim = old;
    lim.rlim_cur = 512 * KiB;
    void (*oldsig)(int) = signal(SIGXFSZ, SIG_IGN);
    g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &lim), ==, 0);
    static uint8_t buf[8192];
    memset(buf, 0x77, sizeof(buf));
    struct iovec v = { buf, sizeof(buf) };
    struct done d = { .l = l };
    g_assert_cmpint(blk_writev(b, 768 * KiB, &v, 1, on_done, &d), ==, 0);
    wait_done(&d);
    g_assert_cmpint(d.ret, ==, -EFBIG);
    d = (struct done){ .l = l };
    g_assert_cmpint(blk_writev(b, 512 * KiB - 4096, &v, 1, on_done, &d), ==, 0);
    wait_done(&d);
    g_assert_cmpint(d.ret, ==, -EFBIG);
    g_assert_cmpint(blk_pwrite(b, 900 * KiB, buf, 1), ==, -EFBIG);
    g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &old), ==, 0);
    signal(SIGXFSZ, oldsig);
    /* The part below the limit was written (short write, then the error). */
    uint8_t c;
    read_file_at(path, 512 * KiB - 1, &c, 1);
    g_assert_cmphex(c, ==, 0x77);
    struct blk_stats st;
    blk_get_stats(b, &st);
    g_assert_cmpuint(st.failed_ops, ==, 3);
    blk_close(b);
    g_unlink(path);
    g_free(path);
    loop_free(l);
}

static void test_probe(void)
{
    struct loop *l = loop_new();
    char *path = make_image("probe.img", 64 * KiB, 0);
    char *err = NULL;
    /* No format: probed raw; the guest may not make it look like qcow2. */
    struct blk_opts o = { .file = path };
    struct blk *b = blk_open(&l->env, &o, &err);
    g_assert_nonnull(b);
    g_assert_cmpstr(blk_format(b), ==, "raw");
    uint8_t sec[512] = "QFI\xfb\0\0\0\3";
    g_assert_cmpint(blk_pwrite(b, 0, sec, sizeof(sec)), ==, -EPERM);
    struct iovec v = { sec + 2, 2 };
    struct done d = { .l = l };
    /* Completing the magic with a two-byte write at offset 2 is caught too. */
    g_assert_cmpint(blk_pwrite(b, 0, "QF", 2), ==, 0);
    g_assert_cmpint(blk_writev(b, 2, &v, 1, on_done, &d), ==, 0);
    wait_done(&d);
    g_assert_cmpint(d.ret, ==, -EPERM);
    g_assert_cmpint(blk_pwrite(b, 512, sec, sizeof(sec)), ==, 0); /* elsewhere is fine */
    blk_close(b);

    /* format=raw lifts the restriction... */
    b = open_img(l, path, BLK_CACHE_WRITEBACK, false);
    g_assert_cmpint(blk_pwrite(b, 0, sec, sizeof(sec)), ==, 0);
    blk_close(b);
    /* ...and an image that is qcow2 is refused when probing. */
    err = open_err(l, &o);
    g_assert_nonnull(strstr(err, "is a qcow2 image"));
    g_assert_nonnull(strstr(err, "probe.img"));
    g_free(err);
    o.readonly = true;
    g_free(open_err(l, &o));
    sec[7] = 1;
    int fd = open(path, O_WRONLY);
    g_assert_cmpint(pwrite(fd, sec, 8, 0), ==, 8);
    close(fd);
    err = open_err(l, &o);
    g_assert_nonnull(strstr(err, "is a qcow image"));
    g_free(err);
    g_unlink(path);
    g_free(path);
    loop_free(l);
}

/* The next QMP output line on a buffer chardev, parsed. */
static JsonObject *qmp_next(struct chardev *cd, size_t *pos)
{
    GString *out = chardev_buffer_output(cd);
    const char *start = out->str + *pos, *end = strstr(start, "\r\n");
    g_assert_nonnull(end);
    *pos += (size_t)(end - start) + 2;
    JsonParser *p = json_parser_new();
    g_assert_true(json_parser_load_from_data(p, start, end - start, NULL));
    JsonObject *o = json_object_ref(json_node_get_object(json_parser_get_root(p)));
    g_object_unref(p);
    return o;
}

static JsonObject *qmp_cmd(struct chardev *cd, size_t *pos, const char *json)
{
    chardev_buffer_push(cd, json, (int)strlen(json));
    return qmp_next(cd, pos);
}

static const char *qmp_error_desc(JsonObject *r)
{
    return json_object_get_string_member(json_object_get_object_member(r, "error"), "desc");
}

/* query-block and info block report the board's drives. */
static void test_monitor(void)
{
    struct loop *l = loop_new();
    char *disk = make_image("mon-disk.img", 1 * MiB, 0), *iso = make_image("mon.iso", 64 * KiB, 0);
    char *err = NULL;
    struct machine *m = machine_new(4 * MiB, VCLOCK_MANUAL, &err);
    g_assert_nonnull(m);
    m->accel = &accel_test;
    g_assert_cmpint(m->accel->init(m, &err), ==, 0);
    struct pc_config cfg = { .boot_reboot_timeout = -1, .boot_splash_time = -1 };
    struct blk_opts o = { .file = disk, .format = "raw", .cache = BLK_CACHE_UNSAFE };
    cfg.ide[0] = (struct pc_drive){ true, PC_MEDIA_DISK, blk_open(&l->env, &o, &err), "ide0-hd0" };
    o = (struct blk_opts){ .file = iso, .format = "raw", .readonly = true };
    cfg.ide[2] = (struct pc_drive){ true, PC_MEDIA_CDROM, blk_open(&l->env, &o, &err), "cd" };
    cfg.ide[3] = (struct pc_drive){ true, PC_MEDIA_CDROM, NULL, "ide1-cd1" };
    g_assert_nonnull(cfg.ide[0].blk);
    g_assert_nonnull(cfg.ide[2].blk);
    struct pc *pc = pc_new(m, &cfg, &err);
    g_assert_nonnull(pc);
    struct monitor *mon = monitor_new(m);
    struct chardev *cd = chardev_new_buffer("qmp0");
    monitor_add_qmp(mon, cd, false);
    size_t pos = 0;
    json_object_unref(qmp_next(cd, &pos)); /* greeting */
    json_object_unref(qmp_cmd(cd, &pos, "{\"execute\": \"qmp_capabilities\"}"));

    /* Before the board is known: nothing, as before. */
    JsonObject *r = qmp_cmd(cd, &pos, "{\"execute\": \"query-block\"}");
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(r, "return")), ==, 0);
    json_object_unref(r);
    monitor_set_board(mon, pc);

    char *hmp = monitor_hmp_command(mon, "info block");
    char *want = g_strdup_printf("ide0-hd0: %s (raw)\n"
                                 "    Attached to:      ide0-hd0\n"
                                 "    Cache mode:       writeback, ignore flushes\n"
                                 "\n"
                                 "cd: %s (raw, read-only)\n"
                                 "    Attached to:      cd\n"
                                 "    Removable device: not locked, tray closed\n"
                                 "    Cache mode:       writeback\n"
                                 "\n"
                                 "ide1-cd1: [not inserted]\n"
                                 "    Attached to:      ide1-cd1\n"
                                 "    Removable device: not locked, tray closed\n",
                                 disk, iso);
    g_assert_cmpstr(hmp, ==, want);
    g_free(hmp);
    g_free(want);

    r = qmp_cmd(cd, &pos, "{\"execute\": \"query-block\"}");
    JsonArray *a = json_object_get_array_member(r, "return");
    g_assert_cmpuint(json_array_get_length(a), ==, 3);
    JsonObject *hd = json_array_get_object_element(a, 0);
    g_assert_cmpstr(json_object_get_string_member(hd, "device"), ==, "ide0-hd0");
    g_assert_false(json_object_get_boolean_member(hd, "removable"));
    g_assert_false(json_object_has_member(hd, "tray_open"));
    JsonObject *ins = json_object_get_object_member(hd, "inserted");
    g_assert_cmpstr(json_object_get_string_member(ins, "file"), ==, disk);
    g_assert_cmpstr(json_object_get_string_member(ins, "drv"), ==, "raw");
    g_assert_false(json_object_get_boolean_member(ins, "ro"));
    JsonObject *img = json_object_get_object_member(ins, "image");
    g_assert_cmpint(json_object_get_int_member(img, "virtual-size"), ==, 1 * MiB);
    g_assert_cmpstr(json_object_get_string_member(img, "format"), ==, "raw");
    JsonObject *cache = json_object_get_object_member(ins, "cache");
    g_assert_true(json_object_get_boolean_member(cache, "writeback"));
    g_assert_false(json_object_get_boolean_member(cache, "direct"));
    g_assert_true(json_object_get_boolean_member(cache, "no-flush"));
    JsonObject *cdo = json_array_get_object_element(a, 1);
    g_assert_cmpstr(json_object_get_string_member(cdo, "device"), ==, "cd");
    g_assert_true(json_object_get_boolean_member(cdo, "removable"));
    g_assert_false(json_object_get_boolean_member(cdo, "tray_open"));
    g_assert_true(json_object_get_boolean_member(
        json_object_get_object_member(cdo, "inserted"), "ro"));
    JsonObject *empty = json_array_get_object_element(a, 2);
    g_assert_false(json_object_has_member(empty, "inserted"));
    json_object_unref(r);

    r = qmp_cmd(cd, &pos, "{\"execute\": \"eject\", \"arguments\": {\"device\": \"ide0-hd0\"}}");
    g_assert_cmpstr(qmp_error_desc(r), ==, "Device 'ide0-hd0' is not removable");
    json_object_unref(r);
    r = qmp_cmd(cd, &pos, "{\"execute\": \"eject\", \"arguments\": {\"id\": \"nope\"}}");
    g_assert_cmpstr(qmp_error_desc(r), ==, "Device 'nope' not found");
    json_object_unref(r);

    monitor_free(mon);
    chardev_free(cd);
    machine_free(m);
    blk_close(cfg.ide[0].blk);
    blk_close(cfg.ide[2].blk);
    g_unlink(disk);
    g_unlink(iso);
    g_free(disk);
    g_free(iso);
    loop_free(l);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    char *exe = g_file_read_link("/proc/self/exe", NULL);
    char *dir = g_path_get_dirname(exe);
    char *tmpl = g_build_filename(dir, "block-images.XXXXXX", NULL);
    test_dir = g_mkdtemp(tmpl);
    g_assert_nonnull(test_dir);
    g_test_add_func("/block/roundtrip", test_roundtrip);
    g_test_add_func("/block/big-request", test_big_request);
    g_test_add_func("/block/bounds", test_bounds);
    g_test_add_func("/block/readonly", test_readonly);
    g_test_add_func("/block/open-errors", test_open_errors);
    g_test_add_func("/block/locking", test_locking);
    g_test_add_func("/block/drain-main", test_drain_main);
    g_test_add_func("/block/drain-thread", test_drain_thread);
    g_test_add_func("/block/close-in-flight", test_close_in_flight);
    g_test_add_func("/block/cache-modes", test_cache_modes);
    g_test_add_func("/block/direct-unaligned", test_direct_unaligned);
    g_test_add_func("/block/write-error", test_write_error);
    g_test_add_func("/block/probe", test_probe);
    g_test_add_func("/block/monitor", test_monitor);
    int rc = g_test_run();
    g_rmdir(test_dir);
    g_free(test_dir);
    g_free(dir);
    g_free(exe);
    return rc;
}
