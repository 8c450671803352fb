/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmstate.c: FDT-based device state (see vmstate.h).  Values are stored
 * big-endian, as FDT cells are, so dtc shows them naturally. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libfdt.h>
#include "core/vmstate.h"

static int grow(struct vm_writer *w)
{
    size_t ncap = w->cap * 2;
    /* fdt_resize copies from the old buffer, so it must stay valid. */
    /* Zeroed: libfdt leaves property padding untouched, and two saves of
     * the same state must give the same bytes. */
    void *n = calloc(1, ncap);
    if (!n)
        return -FDT_ERR_NOSPACE;
    int rc = fdt_resize(w->fdt, n, ncap);
    if (rc) {
        free(n);
        return rc;
    }
    free(w->fdt);
    w->fdt = n;
    w->cap = ncap;
    return 0;
}

/* Retry a sequential-write call after growing the buffer. */
#define WRITE_RETRY(w, call)                                       \
    do {                                                           \
        if ((w)->err)                                              \
            return;                                                \
        int rc_;                                                   \
        while ((rc_ = (call)) == -FDT_ERR_NOSPACE && !grow(w))     \
            ;                                                      \
        if (rc_)                                                   \
            (w)->err = rc_;                                        \
    } while (0)

int vmw_begin(struct vm_writer *w)
{
    w->cap = 4096;
    w->err = 0;
    w->fdt = calloc(1, w->cap); /* zeroed: see grow() */
    if (!w->fdt)
        return -1;
    int rc = fdt_create(w->fdt, (int)w->cap);
    if (!rc)
        rc = fdt_finish_reservemap(w->fdt);
    if (!rc)
        rc = fdt_begin_node(w->fdt, "");
    w->err = rc;
    return rc ? -1 : 0;
}

void vmw_node_begin(struct vm_writer *w, const char *name)
{
    WRITE_RETRY(w, fdt_begin_node(w->fdt, name));
}

void vmw_node_end(struct vm_writer *w)
{
    WRITE_RETRY(w, fdt_end_node(w->fdt));
}

void *vmw_finish(struct vm_writer *w, size_t *size)
{
    vmw_node_end(w);
    if (!w->err) {
        int rc;
        while ((rc = fdt_finish(w->fdt)) == -FDT_ERR_NOSPACE && !grow(w))
            ;
        w->err = rc;
    }
    if (w->err) {
        free(w->fdt);
        w->fdt = NULL;
        return NULL;
    }
    *size = fdt_totalsize(w->fdt);
    void *out = w->fdt;
    w->fdt = NULL;
    return out;
}

static void put_be(struct vm_writer *w, const char *name, uint64_t v, unsigned n)
{
    uint8_t b[8];
    for (unsigned i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    WRITE_RETRY(w, fdt_property(w->fdt, name, b, (int)n));
}

void vmw_u8(struct vm_writer *w, const char *name, uint8_t v) { put_be(w, name, v, 1); }
void vmw_u16(struct vm_writer *w, const char *name, uint16_t v) { put_be(w, name, v, 2); }
void vmw_u32(struct vm_writer *w, const char *name, uint32_t v) { put_be(w, name, v, 4); }
void vmw_u64(struct vm_writer *w, const char *name, uint64_t v) { put_be(w, name, v, 8); }
void vmw_i64(struct vm_writer *w, const char *name, int64_t v) { put_be(w, name, (uint64_t)v, 8); }
void vmw_bool(struct vm_writer *w, const char *name, bool v) { put_be(w, name, v, 1); }

void vmw_bytes(struct vm_writer *w, const char *name, const void *buf, size_t len)
{
    WRITE_RETRY(w, fdt_property(w->fdt, name, buf, (int)len));
}

int vmr_open(struct vm_reader *r, const void *blob, size_t size)
{
    memset(r, 0, sizeof(*r));
    r->dev = "stream";
    if (size < sizeof(struct fdt_header) || fdt_check_full(blob, size)) {
        snprintf(r->err, sizeof(r->err), "state stream is not a valid device tree");
        return -1;
    }
    r->fdt = blob;
    r->node = 0;
    return 0;
}

int vmr_node(struct vm_reader *r, const char *name)
{
    int off = fdt_subnode_offset(r->fdt, 0, name);
    if (off < 0)
        return -1;
    r->node = off;
    r->dev = name;
    return 0;
}

bool vmr_failed(const struct vm_reader *r)
{
    return r->err[0] != 0;
}

void vmr_fail(struct vm_reader *r, const char *field, const char *fmt, ...)
{
    if (r->err[0])
        return;
    char msg[100];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(r->err, sizeof(r->err), "device '%s' field '%s': %s", r->dev, field, msg);
}

/* 1: found (value in *v), 0: absent, -1: error */
static int get_be(struct vm_reader *r, const char *name, unsigned n, uint64_t *v)
{
    if (vmr_failed(r))
        return -1;
    int len;
    const uint8_t *p = fdt_getprop(r->fdt, r->node, name, &len);
    if (!p)
        return 0;
    if (len != (int)n) {
        vmr_fail(r, name, "expected %u bytes, found %d", n, len);
        return -1;
    }
    uint64_t x = 0;
    for (unsigned i = 0; i < n; i++)
        x = x << 8 | p[i];
    *v = x;
    return 1;
}

#define VMR_SCALAR(fn, type, n)                                   \
    int fn(struct vm_reader *r, const char *name, type *v)        \
    {                                                             \
        uint64_t x;                                               \
        int rc = get_be(r, name, n, &x);                          \
        if (rc > 0)                                               \
            *v = (type)x;                                         \
        return rc < 0 ? -1 : 0;                                   \
    }

VMR_SCALAR(vmr_u8, uint8_t, 1)
VMR_SCALAR(vmr_u16, uint16_t, 2)
VMR_SCALAR(vmr_u32, uint32_t, 4)
VMR_SCALAR(vmr_u64, uint64_t, 8)
VMR_SCALAR(vmr_i64, int64_t, 8)

int vmr_bool(struct vm_reader *r, const char *name, bool *v)
{
    uint64_t x;
    int rc = get_be(r, name, 1, &x);
    if (rc > 0) {
        if (x > 1) {
            vmr_fail(r, name, "boolean is %llu", (unsigned long long)x);
            return -1;
        }
        *v = x;
    }
    return rc < 0 ? -1 : 0;
}

static int get_max(struct vm_reader *r, const char *name, unsigned n, uint64_t max, uint64_t *v)
{
    int rc = get_be(r, name, n, v);
    if (rc > 0 && *v > max) {
        vmr_fail(r, name, "value %llu out of range (max %llu)", (unsigned long long)*v,
                 (unsigned long long)max);
        return -1;
    }
    return rc;
}

#define VMR_MAX(fn, type, n)                                              \
    int fn(struct vm_reader *r, const char *name, type *v, type max)      \
    {                                                                     \
        uint64_t x;                                                       \
        int rc = get_max(r, name, n, max, &x);                            \
        if (rc > 0)                                                       \
            *v = (type)x;                                                 \
        return rc < 0 ? -1 : 0;                                           \
    }

VMR_MAX(vmr_u8_max, uint8_t, 1)
VMR_MAX(vmr_u16_max, uint16_t, 2)
VMR_MAX(vmr_u32_max, uint32_t, 4)

int vmr_bytes(struct vm_reader *r, const char *name, void *buf, size_t len)
{
    if (vmr_failed(r))
        return -1;
    int plen;
    const void *p = fdt_getprop(r->fdt, r->node, name, &plen);
    if (!p)
        return 0;
    if ((size_t)plen != len) {
        vmr_fail(r, name, "expected %zu bytes, found %d", len, plen);
        return -1;
    }
    memcpy(buf, p, len);
    return 0;
}

int vmr_bytes_var(struct vm_reader *r, const char *name, void *buf, size_t max, size_t *len)
{
    if (vmr_failed(r))
        return -1;
    int plen;
    const void *p = fdt_getprop(r->fdt, r->node, name, &plen);
    if (!p)
        return 0;
    if ((size_t)plen > max) {
        vmr_fail(r, name, "%d bytes, at most %zu allowed", plen, max);
        return -1;
    }
    memcpy(buf, p, (size_t)plen);
    *len = (size_t)plen;
    return 0;
}
