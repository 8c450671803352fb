/* SPDX-License-Identifier: GPL-2.0-or-later */
/* memory.c: address spaces, flattened views, dispatch and DMA.
 *
 * Reclaiming old views: a reader (any thread calling io_dispatch or
 * as_ram_ptr) marks a per-thread slot busy while it searches the view and
 * reads the range it found; the range's region pointer stays valid after
 * that because regions live as long as their device.  A writer publishes the
 * new view first and then waits until each slot has been idle at least once
 * before freeing the old one.  Lookups are a few dozen nanoseconds, so the
 * wait is short; it never waits for a device callback. */
#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include "core/log.h"
#include "core/memory.h"

static _Atomic unsigned next_slot;
static __thread int my_slot = -1;

static unsigned reader_slot(void)
{
    if (my_slot < 0)
        my_slot = atomic_fetch_add(&next_slot, 1) % AS_READER_SLOTS;
    return (unsigned)my_slot;
}

static struct as_view *reader_enter(struct address_space *as, unsigned slot)
{
    atomic_fetch_add(&as->readers[slot].busy, 1);
    return atomic_load(&as->view);
}

static void reader_exit(struct address_space *as, unsigned slot)
{
    atomic_fetch_sub(&as->readers[slot].busy, 1);
}

static void wait_readers(struct address_space *as)
{
    for (unsigned i = 0; i < AS_READER_SLOTS; i++)
        while (atomic_load(&as->readers[i].busy))
            sched_yield();
}

void as_init(struct address_space *as, const char *name, uint64_t limit,
             pthread_mutex_t *lock, const struct log *log)
{
    memset(as, 0, sizeof(*as));
    as->name = name;
    as->limit = limit;
    as->lock = lock;
    as->log = log;
    as->trace_unassigned = log && trace_on(log, "unassigned");
    atomic_store(&as->view, g_new0(struct as_view, 1));
}

static void view_free(struct as_view *v)
{
    if (v) {
        g_free(v->ranges);
        g_free(v);
    }
}

void as_destroy(struct address_space *as)
{
    view_free(atomic_load(&as->view));
    g_free(as->regions);
    struct mem_listener *l = as->listeners;
    as->listeners = NULL;
    (void)l; /* listeners are owned by whoever registered them */
}

static void region_init(struct mem_region *r, const char *name, uint64_t size)
{
    memset(r, 0, sizeof(*r));
    r->name = name;
    r->size = size;
    r->enabled = true;
}

void region_init_io(struct mem_region *r, const char *name, uint64_t size,
                    const struct io_ops *ops, void *opaque)
{
    region_init(r, name, size);
    r->ops = ops;
    r->opaque = opaque;
}

void region_init_ram(struct mem_region *r, const char *name, uint64_t size, uint8_t *host)
{
    region_init(r, name, size);
    r->host = host;
}

void region_init_rom(struct mem_region *r, const char *name, uint64_t size, uint8_t *host)
{
    region_init_ram(r, name, size, host);
    r->readonly = true;
}

void as_add(struct address_space *as, struct mem_region *r, uint64_t base, int prio)
{
    if (r->mapped)
        return;
    if (as->nregions == as->cap) {
        as->cap = as->cap ? as->cap * 2 : 16;
        as->regions = g_renew(struct mem_region *, as->regions, as->cap);
    }
    r->base = base;
    r->prio = prio;
    r->mapped = true;
    as->regions[as->nregions++] = r;
}

void as_del(struct address_space *as, struct mem_region *r)
{
    for (size_t i = 0; i < as->nregions; i++) {
        if (as->regions[i] == r) {
            memmove(&as->regions[i], &as->regions[i + 1],
                    (as->nregions - i - 1) * sizeof(*as->regions));
            as->nregions--;
            r->mapped = false;
            return;
        }
    }
}

void as_move(struct address_space *as, struct mem_region *r, uint64_t base)
{
    (void)as;
    r->base = base;
}

void region_set_enabled(struct mem_region *r, bool on)
{
    r->enabled = on;
}

/* Does region r cover address a, and is it visible? */
static bool covers(const struct mem_region *r, uint64_t a, uint64_t limit)
{
    return r->enabled && r->size && a >= r->base && a - r->base < r->size && a <= limit;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Flatten: cut the space at every region edge, give each piece to the
 * highest-priority region covering it (latest added wins ties), merge
 * neighbours.  O(edges * regions), fine for a PC's few dozen regions. */
static struct as_view *build_view(struct address_space *as)
{
    size_t ne = 0;
    uint64_t *edges = g_new(uint64_t, as->nregions * 2 + 1);
    for (size_t i = 0; i < as->nregions; i++) {
        struct mem_region *r = as->regions[i];
        if (!r->enabled || !r->size || r->base > as->limit)
            continue;
        edges[ne++] = r->base;
        uint64_t end = r->base + r->size; /* may wrap to 0 at 2^64 */
        edges[ne++] = (end == 0 || end - 1 > as->limit) ? as->limit : end;
    }
    qsort(edges, ne, sizeof(*edges), cmp_u64);

    struct as_view *v = g_new0(struct as_view, 1);
    v->ranges = g_new(struct view_range, ne ? ne : 1);
    for (size_t e = 0; e + 1 < ne; e++) {
        uint64_t start = edges[e], end = edges[e + 1];
        if (start == end)
            continue;
        struct mem_region *best = NULL;
        for (size_t i = 0; i < as->nregions; i++) {
            struct mem_region *r = as->regions[i];
            if (covers(r, start, as->limit) && (!best || r->prio >= best->prio))
                best = r;
        }
        if (!best)
            continue;
        if (v->n && v->ranges[v->n - 1].r == best && v->ranges[v->n - 1].end == start)
            v->ranges[v->n - 1].end = end;
        else
            v->ranges[v->n++] = (struct view_range){ start, end, best };
    }
    /* A region reaching the very top of the space ends at limit+1, which the
     * edge list cannot express without overflow: stretch the last range. */
    for (size_t i = 0; i < as->nregions; i++) {
        struct mem_region *r = as->regions[i];
        uint64_t last = r->base + r->size - 1;
        if (v->n && r->enabled && r->size && last >= as->limit &&
            v->ranges[v->n - 1].r == r && v->ranges[v->n - 1].end == as->limit)
            v->ranges[v->n - 1].end = as->limit + 1; /* 0 for a 2^64 space */
    }
    g_free(edges);
    return v;
}

static bool range_is_ram(const struct view_range *x)
{
    return x->r->host && !x->r->ops;
}

static uint8_t *range_host(const struct view_range *x)
{
    return x->r->host + (x->start - x->r->base);
}

/* Notify listeners of RAM ranges that disappeared or appeared. */
static void notify_listeners(struct address_space *as, const struct as_view *old,
                             const struct as_view *new)
{
    if (!as->listeners)
        return;
    for (size_t i = 0; i < old->n; i++) {
        const struct view_range *o = &old->ranges[i];
        if (!range_is_ram(o))
            continue;
        bool kept = false;
        for (size_t j = 0; j < new->n && !kept; j++) {
            const struct view_range *x = &new->ranges[j];
            kept = range_is_ram(x) && x->start == o->start && x->end == o->end &&
                   range_host(x) == range_host(o) && x->r->readonly == o->r->readonly;
        }
        if (!kept)
            for (struct mem_listener *l = as->listeners; l; l = l->next)
                l->ram_del(l->opaque, o->start, o->end - o->start, range_host(o));
    }
    for (size_t j = 0; j < new->n; j++) {
        const struct view_range *x = &new->ranges[j];
        if (!range_is_ram(x))
            continue;
        bool existed = false;
        for (size_t i = 0; i < old->n && !existed; i++) {
            const struct view_range *o = &old->ranges[i];
            existed = range_is_ram(o) && x->start == o->start && x->end == o->end &&
                      range_host(x) == range_host(o) && x->r->readonly == o->r->readonly;
        }
        if (!existed)
            for (struct mem_listener *l = as->listeners; l; l = l->next)
                l->ram_add(l->opaque, x->start, x->end - x->start, range_host(x),
                           x->r->readonly);
    }
}

void as_commit(struct address_space *as)
{
    struct as_view *new = build_view(as);
    struct as_view *old = atomic_exchange(&as->view, new);
    notify_listeners(as, old, new);
    wait_readers(as);
    view_free(old);
}

static const struct view_range *find(const struct as_view *v, uint64_t a)
{
    size_t lo = 0, hi = v->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const struct view_range *x = &v->ranges[mid];
        if (a < x->start)
            hi = mid;
        else if (x->end != 0 && a >= x->end)
            lo = mid + 1;
        else
            return x;
    }
    return NULL;
}

/* Snapshot of the range a reader found: valid after reader_exit. */
struct hit {
    struct mem_region *r;
    uint64_t start, end;
};

static bool lookup(struct address_space *as, uint64_t a, struct hit *h)
{
    unsigned slot = reader_slot();
    const struct as_view *v = reader_enter(as, slot);
    const struct view_range *x = find(v, a);
    if (x)
        *h = (struct hit){ x->r, x->start, x->end };
    reader_exit(as, slot);
    return x != NULL;
}

static unsigned ops_min(const struct io_ops *o)
{
    return o->min_size ? o->min_size : 1;
}

static unsigned ops_max(const struct io_ops *o)
{
    return o->max_size ? o->max_size : 4;
}

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/* One access that lies within a single region, adapted to its widths. */
static void region_access(struct mem_region *r, uint64_t off, unsigned size,
                          bool is_write, uint64_t *val)
{
    if (!r->ops) { /* RAM or ROM reached through dispatch (soft CPU, MMIO exit on ROM) */
        if (is_write) {
            if (!r->readonly)
                for (unsigned i = 0; i < size; i++)
                    r->host[off + i] = (uint8_t)(*val >> (8 * i));
        } else {
            uint64_t v = 0;
            for (unsigned i = 0; i < size; i++)
                v |= (uint64_t)r->host[off + i] << (8 * i);
            *val = v;
        }
        return;
    }
    const struct io_ops *o = r->ops;
    unsigned mn = ops_min(o), mx = ops_max(o);
    if (size > mx || (off & (size - 1) && size > mn)) {
        /* Split into the widest pieces the device takes, little-endian. */
        unsigned piece = mx < size ? mx : mn;
        while (off & (piece - 1))
            piece /= 2;
        if (piece < mn)
            piece = mn;
        uint64_t acc = 0;
        for (unsigned done = 0; done < size; done += piece) {
            unsigned n = piece <= size - done ? piece : size - done;
            uint64_t part = is_write ? (*val >> (8 * done)) & size_mask(n) : 0;
            region_access(r, off + done, n, is_write, &part);
            if (!is_write)
                acc |= (part & size_mask(n)) << (8 * done);
        }
        if (!is_write)
            *val = acc;
        return;
    }
    if (size < mn) {
        uint64_t aligned = off & ~(uint64_t)(mn - 1);
        unsigned shift = (unsigned)(off - aligned) * 8;
        if (is_write) {
            o->write(r->opaque, aligned, (*val & size_mask(size)) << shift, mn);
        } else {
            uint64_t v = o->read(r->opaque, aligned, mn);
            *val = (v >> shift) & size_mask(size);
        }
        return;
    }
    if (is_write)
        o->write(r->opaque, off, *val & size_mask(size), size);
    else
        *val = o->read(r->opaque, off, size) & size_mask(size);
}

static void unassigned(struct address_space *as, uint64_t addr, unsigned size,
                       bool is_write, uint64_t *val)
{
    if (!is_write)
        *val = size_mask(size);
    TRACE(as->log, as->trace_unassigned, "unassigned: %s %s 0x%" PRIx64 " size %u val 0x%" PRIx64,
          as->name, is_write ? "write" : "read", addr, size, is_write ? *val : size_mask(size));
}

static void dispatch(struct address_space *as, uint64_t addr, unsigned size,
                     bool is_write, uint64_t *val, bool take_lock)
{
    struct hit h;
    if (!lookup(as, addr, &h)) {
        unassigned(as, addr, size, is_write, val);
        return;
    }
    if (h.end != 0 && addr + size > h.end) {
        /* Straddles two ranges: byte by byte, rare (unaligned MMIO). */
        uint64_t acc = 0;
        for (unsigned i = 0; i < size; i++) {
            uint64_t b = is_write ? (*val >> (8 * i)) & 0xff : 0;
            dispatch(as, addr + i, 1, is_write, &b, take_lock);
            acc |= (b & 0xff) << (8 * i);
        }
        if (!is_write)
            *val = acc;
        return;
    }
    struct mem_region *r = h.r;
    bool lock = take_lock && r->ops && !r->lockless && as->lock;
    if (lock)
        pthread_mutex_lock(as->lock);
    if (is_write && r->host && !r->ops && !r->readonly && as->ram_written)
        as->ram_written(as->ram_written_opaque, addr, size);
    region_access(r, addr - r->base, size, is_write, val);
    if (lock)
        pthread_mutex_unlock(as->lock);
}

void io_dispatch(struct address_space *as, uint64_t addr, unsigned size,
                 bool is_write, uint64_t *val)
{
    dispatch(as, addr, size, is_write, val, true);
}

void io_dispatch_locked(struct address_space *as, uint64_t addr, unsigned size,
                        bool is_write, uint64_t *val)
{
    dispatch(as, addr, size, is_write, val, false);
}

uint8_t *as_ram_ptr(struct address_space *as, uint64_t gpa, bool write, uint64_t *avail)
{
    struct hit h;
    if (!lookup(as, gpa, &h) || !h.r->host || h.r->ops || (write && h.r->readonly))
        return NULL;
    if (avail)
        *avail = h.end - gpa; /* h.end == 0 (top of space) wraps correctly */
    return h.r->host + (gpa - h.r->base);
}

/* Walk [gpa, gpa+len) as RAM pieces; fail before copying anything. */
static int dma_rw(struct address_space *mem, uint64_t gpa, void *buf, uint64_t len, bool write)
{
    if (len == 0)
        return 0;
    if (gpa + len < gpa)
        return -1;
    for (uint64_t done = 0; done < len;) {
        uint64_t avail;
        if (!as_ram_ptr(mem, gpa + done, write, &avail))
            return -1;
        done += MIN(avail, len - done);
    }
    for (uint64_t done = 0; done < len;) {
        uint64_t avail;
        uint8_t *p = as_ram_ptr(mem, gpa + done, write, &avail);
        if (!p)
            return -1; /* map changed under us: stop */
        uint64_t n = MIN(avail, len - done);
        if (write)
            memcpy(p, (const uint8_t *)buf + done, n);
        else
            memcpy((uint8_t *)buf + done, p, n);
        done += n;
    }
    if (write && mem->ram_written)
        mem->ram_written(mem->ram_written_opaque, gpa, len);
    return 0;
}

int dma_read(struct address_space *mem, uint64_t gpa, void *buf, uint64_t len)
{
    return dma_rw(mem, gpa, buf, len, false);
}

int dma_write(struct address_space *mem, uint64_t gpa, const void *buf, uint64_t len)
{
    return dma_rw(mem, gpa, (void *)buf, len, true);
}

void *dma_map(struct address_space *mem, uint64_t gpa, uint64_t len, bool write)
{
    uint64_t avail;
    uint8_t *p = as_ram_ptr(mem, gpa, write, &avail);
    if (!p || len == 0 || (avail != 0 && avail < len))
        return NULL;
    return p;
}

void dma_mark_written(struct address_space *mem, uint64_t gpa, uint64_t len)
{
    if (mem->ram_written)
        mem->ram_written(mem->ram_written_opaque, gpa, len);
}
