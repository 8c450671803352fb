/* SPDX-License-Identifier: GPL-2.0-or-later */
/* soft.h: the soft accelerator: vCPUs, the decoded-block cache, the run
 * loop.  Also a small API for tests that run code snippets directly. */
#ifndef CPU_SOFT_SOFT_H
#define CPU_SOFT_SOFT_H

#include <pthread.h>
#include "cpu/soft/cpu.h"

struct soft {
    struct machine *m;
    unsigned ncpus;
    struct cpu **cpus;
    bool a20;

    /* Block cache: hash of blocks by (physical pc, mode), an arena they
     * live in (flushed whole when full), and per-RAM-page lists of the
     * blocks decoded from that page, for invalidation on writes. */
    struct block **hash;
    unsigned hash_bits;
    uint8_t *arena;
    size_t arena_used, arena_size;
    struct block **page_blocks; /* per RAM page (index = ram offset / 4 KiB) */
    uint64_t ram_pages;
    uint64_t blocks_decoded, blocks_invalidated, cache_flushes;
    uint64_t link_gen_next; /* the last struct cpu.link_gen handed out */

    /* The vCPU thread (all vCPUs run round robin in it). */
    pthread_t thread;
    bool thread_started;
    long tid; /* its Linux thread id once it runs (query-cpus-fast) */
    pthread_mutex_t wait_lock;
    pthread_cond_t wake;       /* vCPU thread: an event arrived */
    pthread_cond_t parked_cv;  /* main thread: the vCPU thread parked */
    bool stop_req, parked, quit;
    struct mem_listener listener;
    bool trace_block, trace_exc; /* -d trace:soft.block, soft.exc */
};

/* Code-cache hooks used by mem.c. */
void soft_jc_clear(struct cpu *c, bool include_global);
bool soft_page_has_code(struct soft *s, uint64_t paddr);
void soft_code_written(struct soft *s, uint64_t paddr, uint64_t len);
const uint8_t *soft_code_ptr(struct cpu *c, uint64_t lin, uint64_t *paddr, bool *global);
uint64_t soft_apic_page(const struct cpu *c);

/* Run one vCPU for up to `budget` instructions (or until it halts). */
void soft_run_cpu(struct cpu *c, uint64_t budget);
/* Deliver pending events (INIT, SIPI, NMI, INTR) if the CPU can take them. */
void soft_check_events(struct cpu *c);

/* ---- test API: a soft CPU on a bare machine ---- */
/* Create the accelerator state for m (m->smp_cpus CPUs) without starting a
 * thread.  Returns NULL with *err. */
struct soft *soft_new(struct machine *m, char **err);
void soft_free(struct soft *s);

#endif
