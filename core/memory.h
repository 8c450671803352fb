/* SPDX-License-Identifier: GPL-2.0-or-later */
/* memory.h: address spaces, regions, dispatch and DMA.
 *
 * Two address spaces per machine: port I/O (16-bit) and memory (64-bit).  A
 * region is a range backed either by host memory (RAM, ROM) or by io_ops.
 * Regions overlap only by explicit priority (higher wins), e.g. the VGA
 * window over RAM or PAM shadowing.  On every change the space is
 * flattened into a sorted array of non-overlapping ranges (a "view") which is
 * published with one atomic pointer store; readers (vCPU threads) binary-search
 * it without taking a lock.  Device callbacks then run under the machine
 * lock (unless the region is marked lockless).
 *
 * Access sizes: each io_ops declares min/max access widths (1, 2, 4, 8).  The
 * dispatcher splits wider accesses into little-endian pieces and widens
 * narrower ones (reads: the containing aligned access, then extract; writes:
 * the value shifted into place with the other bytes zero), so devices only
 * see widths they declared.  Unclaimed reads return all-ones; unclaimed
 * writes are dropped (trace "unassigned").
 *
 * DMA: dma_read/dma_write reach RAM only (never MMIO, so a device cannot DMA
 * into its own registers); a range not entirely RAM fails with -1 and
 * nothing is transferred. */
#ifndef CORE_MEMORY_H
#define CORE_MEMORY_H

#include <pthread.h>
#include <stdatomic.h>
#include "core/base.h"

struct log;

struct io_ops {
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t val, unsigned size);
    uint8_t min_size; /* 0 means 1 */
    uint8_t max_size; /* 0 means 4 */
};

struct mem_region {
    const char *name;
    uint64_t base, size;
    int prio;
    const struct io_ops *ops; /* NULL for RAM/ROM */
    void *opaque;
    uint8_t *host;    /* RAM/ROM backing: guest offset 0 is host[0] */
    bool readonly;    /* ROM: writes are dropped (or go to ops if set) */
    bool enabled;
    bool lockless;    /* ops may be called without the machine lock */
    bool mapped;      /* registered in an address space */
};

/* One flattened range of a view. */
struct view_range {
    uint64_t start, end; /* [start, end) */
    struct mem_region *r;
};

struct as_view {
    size_t n;
    struct view_range *ranges;
};

/* Someone who mirrors the RAM part of the map: KVM memslots, Xen. Called
 * under the machine lock after each commit, for flattened RAM ranges. */
struct mem_listener {
    void (*ram_add)(void *opaque, uint64_t gpa, uint64_t size, uint8_t *host, bool readonly);
    void (*ram_del)(void *opaque, uint64_t gpa, uint64_t size, uint8_t *host);
    void *opaque;
    struct mem_listener *next;
};

#define AS_READER_SLOTS 64

struct address_space {
    const char *name;
    uint64_t limit;                 /* last valid address */
    struct mem_region **regions;    /* registered regions */
    size_t nregions, cap;
    _Atomic(struct as_view *) view; /* current view */
    struct mem_listener *listeners;
    /* Lock-free readers announce themselves in a slot; a writer retiring an
     * old view waits until every slot has been seen idle once. */
    struct {
        _Atomic unsigned busy;
        char pad[60];
    } readers[AS_READER_SLOTS];
    pthread_mutex_t *lock;          /* the machine lock */
    const struct log *log;
    bool trace_unassigned;
    /* Called for every DMA or emulated write into RAM (code-cache
     * invalidation, dirty tracking).  May be NULL. */
    void (*ram_written)(void *opaque, uint64_t gpa, uint64_t len);
    void *ram_written_opaque;
};

void as_init(struct address_space *as, const char *name, uint64_t limit,
             pthread_mutex_t *lock, const struct log *log);
void as_destroy(struct address_space *as);

/* Region set-up.  Regions are owned by their device; the space keeps
 * pointers.  Changes take effect at the next as_commit(). */
void region_init_io(struct mem_region *r, const char *name, uint64_t size,
                    const struct io_ops *ops, void *opaque);
void region_init_ram(struct mem_region *r, const char *name, uint64_t size, uint8_t *host);
void region_init_rom(struct mem_region *r, const char *name, uint64_t size, uint8_t *host);

void as_add(struct address_space *as, struct mem_region *r, uint64_t base, int prio);
void as_del(struct address_space *as, struct mem_region *r);
void as_move(struct address_space *as, struct mem_region *r, uint64_t base);
void region_set_enabled(struct mem_region *r, bool on);
/* Rebuild the view, publish it, tell listeners.  Call with the machine lock
 * held once the lock exists (devices remapping BARs) or before vCPUs run. */
void as_commit(struct address_space *as);

/* The single dispatch entry for every accelerator.  Takes the machine lock
 * around device callbacks; must be called WITHOUT the lock held. */
void io_dispatch(struct address_space *as, uint64_t addr, unsigned size,
                 bool is_write, uint64_t *val);
/* Same, for callers already holding the machine lock (the soft CPU loop). */
void io_dispatch_locked(struct address_space *as, uint64_t addr, unsigned size,
                        bool is_write, uint64_t *val);

/* Look up a directly mapped (RAM/ROM) page: host pointer for gpa, and how
 * many bytes are contiguous from there; NULL if gpa is not RAM/ROM.  For
 * writes, ROM counts as not mapped. */
uint8_t *as_ram_ptr(struct address_space *as, uint64_t gpa, bool write, uint64_t *avail);

/* DMA into/out of guest RAM.  Returns 0, or -1 if any byte is outside RAM
 * (nothing is transferred then). */
int dma_read(struct address_space *mem, uint64_t gpa, void *buf, uint64_t len);
int dma_write(struct address_space *mem, uint64_t gpa, const void *buf, uint64_t len);
/* Zero-copy: host pointer to [gpa, gpa+len) if it is one contiguous RAM
 * range, else NULL.  After writing through it, call dma_mark_written(). */
void *dma_map(struct address_space *mem, uint64_t gpa, uint64_t len, bool write);
void dma_mark_written(struct address_space *mem, uint64_t gpa, uint64_t len);

#endif
