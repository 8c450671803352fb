/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz the block layer: format probing of an untrusted first sector, the
 * bounds checks, the guard on a probed image's first sector, and the
 * O_DIRECT bounce/read-modify-write paths, against a shadow copy.
 *
 * Input: byte 0 = flags (cache mode, format=raw given, read-only), bytes
 * 1-2 = image size (< 64 KiB), then 8-byte operations (read, write, flush,
 * write-cache switch) with offsets and lengths that may run past the end
 * and buffers at odd addresses.  The image's contents are the input bytes
 * repeated.  Each operation is drained before the next, so the shadow is
 * exact; at the end the file must equal the shadow and keep its size.
 * (Not a device: no harness.) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>
#include "block/block.h"
#include "block/block_int.h"

#define MAX_OPS 32
#define MAX_LEN 4096

struct ctx {
    int calls, ret;
};

static void on_done(void *opaque, int ret)
{
    struct ctx *c = opaque;
    c->calls++;
    c->ret = ret;
}

/* Submit-or-fail, then drain: the result of the operation. */
static int finish(struct blk *b, int sub, struct ctx *c)
{
    if (sub)
        return sub;
    blk_drain(b);
    g_assert_cmpint(c->calls, ==, 1);
    return c->ret;
}

static void run_op(struct blk *b, const uint8_t *r, uint8_t *shadow, size_t size, bool ro,
                   bool probed, uint8_t *mem)
{
    unsigned op = r[0] % 4;
    uint64_t off = ld32(r + 1) % (size + 1024);
    size_t len = ld16(r + 5) % (MAX_LEN + 1);
    uint8_t *buf = mem + (r[7] & 7);
    struct iovec iov[2] = { { buf, len / 3 }, { buf + len / 3, len - len / 3 } };
    struct ctx c = { 0 };
    bool past = off + len > size;
    if (op == 0) {
        int ret = finish(b, blk_readv(b, off, iov, 2, on_done, &c), &c);
        g_assert_cmpint(ret, ==, past ? -EIO : 0);
        if (!ret)
            g_assert_true(memcmp(buf, shadow + off, len) == 0);
    } else if (op == 1) {
        memset(buf, r[7], len);
        if (r[7] == 'Q' && len >= 4)
            memcpy(buf, "QFI\xfb", 4); /* try to turn the image into qcow2 */
        int ret = finish(b, blk_writev(b, off, iov, 2, on_done, &c), &c);
        int want = ro ? -EROFS : past ? -EIO : 0;
        if (!want && probed && off < 512) {
            uint8_t sec[512];
            memcpy(sec, shadow, MIN(size, sizeof(sec)));
            if (size < sizeof(sec))
                memset(sec + size, 0, sizeof(sec) - size);
            memcpy(sec + off, buf, MIN(len, sizeof(sec) - off));
            if (raw_probe_format(sec, sizeof(sec)))
                want = -EPERM;
        }
        g_assert_cmpint(ret, ==, want);
        if (!ret)
            memcpy(shadow + off, buf, len);
    } else if (op == 2) {
        g_assert_cmpint(finish(b, blk_flush(b, on_done, &c), &c), ==, 0);
    } else {
        blk_set_write_cache(b, r[7] & 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    static const enum blk_cache modes[] = { BLK_CACHE_WRITEBACK, BLK_CACHE_WRITETHROUGH,
                                            BLK_CACHE_NONE, BLK_CACHE_UNSAFE,
                                            BLK_CACHE_DIRECTSYNC };
    bool explicit_raw = data[0] & 8, ro = data[0] & 16;
    enum blk_cache cache = modes[(data[0] & 7) % 5];
    size_t isize = ld16(data + 1) % 65536;
    uint8_t *img = g_malloc(isize + 1);
    for (size_t i = 0; i < isize; i++)
        img[i] = data[i % size];
    int fd = memfd_create("fuzz-block", 0);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, img, isize), ==, (ssize_t)isize);
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

    GMainContext *ctx = g_main_context_new();
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    struct blk_env env = { ctx, &lock };
    struct blk_opts o = { path, explicit_raw ? "raw" : NULL, ro, cache, false };
    char *err = NULL;
    struct blk *b = blk_open(&env, &o, &err);
    const char *fmt = explicit_raw ? NULL : raw_probe_format(img, MIN(isize, 512));
    if (!b) {
        /* Only a recognised format or missing O_DIRECT may refuse it. */
        g_assert_true(fmt || strstr(err, "O_DIRECT"));
        g_free(err);
        goto out;
    }
    g_assert_null(fmt);
    g_assert_cmpuint(blk_size(b), ==, isize);
    uint8_t *mem = g_malloc(MAX_LEN + 8);
    const uint8_t *ops = data + 3;
    size_t nops = MIN((size - 3) / 8, MAX_OPS);
    for (size_t i = 0; i < nops; i++)
        run_op(b, ops + 8 * i, img, isize, ro, !explicit_raw, mem);
    blk_close(b);
    g_free(mem);
    struct stat st;
    g_assert_cmpint(fstat(fd, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, (off_t)isize);
    uint8_t *file = g_malloc(isize + 1);
    g_assert_cmpint(pread(fd, file, isize, 0), ==, (ssize_t)isize);
    g_assert_true(memcmp(file, img, isize) == 0);
    g_free(file);
out:
    g_main_context_unref(ctx);
    close(fd);
    g_free(img);
    return 0;
}
