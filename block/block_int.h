/* SPDX-License-Identifier: GPL-2.0-or-later */
/* block_int.h: the layers below block.h, for block/ only.
 *
 *   block.c       backends: request queue, worker threads, completions into
 *                 the main loop, cache-mode policy (when to sync)
 *   raw.c         the "raw" format driver (guest sector N = file byte 512*N)
 *                 and format probing
 *   file-posix.c  the file: open flags, O_DIRECT alignment and bounce
 *                 buffers, short-transfer retries, OFD image locks
 *
 * Everything below block.c runs on worker threads (or in the caller of the
 * synchronous helpers) and must be safe to call concurrently on one file. */
#ifndef BLOCK_BLOCK_INT_H
#define BLOCK_BLOCK_INT_H

#include <pthread.h>
#include <sys/uio.h>
#include "core/base.h"

/* ---- file-posix.c ---- */

struct blk_file {
    int fd;
    char *filename;
    bool readonly;
    bool direct;    /* O_DIRECT: offsets, lengths and buffers aligned */
    uint32_t align; /* request alignment (1 without O_DIRECT) */
    uint32_t mem_align;
    uint64_t size;
    /* Bounced (read-modify-write) writes take it exclusively, every other
     * write shared, so an RMW never writes back stale neighbour bytes. */
    pthread_rwlock_t rmw;
};

struct blk_file_opts {
    bool readonly;
    bool direct;
    bool lock;
};

/* 0, or -1 with *err one line naming the file. */
int file_open(struct blk_file *f, const char *path, const struct blk_file_opts *o, char **err);
void file_close(struct blk_file *f);
/* Whole transfers: 0 or a negative errno.  Reads past the end of the file
 * (it shrank under us, or the O_DIRECT tail) read zeroes. */
int file_preadv(struct blk_file *f, uint64_t off, const struct iovec *iov, int niov);
int file_pwritev(struct blk_file *f, uint64_t off, const struct iovec *iov, int niov);
int file_datasync(struct blk_file *f);

/* ---- format drivers ---- */

struct blk_driver {
    const char *name;
    /* Open the image on top of an opened file; *size is the guest-visible
     * size.  probed: the user gave no format.  0 or -1 with *err. */
    int (*open)(void **state, struct blk_file *f, bool probed, uint64_t *size, char **err);
    void (*close)(void *state);
    int (*preadv)(void *state, uint64_t off, const struct iovec *iov, int niov);
    int (*pwritev)(void *state, uint64_t off, const struct iovec *iov, int niov);
};

extern const struct blk_driver blk_raw_driver;

/* The format a first sector announces ("qcow2", "vmdk", ...), or NULL
 * for raw.  buf holds len bytes (at most one sector is looked at). */
const char *raw_probe_format(const uint8_t *buf, size_t len);

/* The driver for a -drive format= value (NULL: probe the opened file), or
 * NULL with *err. */
const struct blk_driver *blk_find_driver(const char *format, struct blk_file *f, char **err);

/* iovec helpers shared by the layers. */
size_t iov_size(const struct iovec *iov, int niov);
size_t iov_to_buf(const struct iovec *iov, int niov, size_t from, void *buf, size_t len);
size_t iov_from_buf(const struct iovec *iov, int niov, size_t from, const void *buf, size_t len);

#endif
