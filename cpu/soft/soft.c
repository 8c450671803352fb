/* SPDX-License-Identifier: GPL-2.0-or-later */
/* soft.c: the soft accelerator: block cache, run loop, events, vCPU thread.
 *
 * All vCPUs run round robin in one thread (simple and deterministic; the
 * state is per vCPU so a threaded mode later only needs atomic LOCKed
 * operations and TLB shootdowns).  A vCPU runs decoded blocks until its
 * slice is used, it halts, or an event is posted; interrupts, INIT/SIPI and
 * NMI are taken at block boundaries.  When every vCPU is halted the thread
 * sleeps until an APIC signals an event or the main thread wants it parked.
 * The thread holds no lock while executing guest code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "core/accel_ops.h"
#include "cpu/soft/ops.h"
#include "cpu/soft/soft.h"

#define ARENA_SIZE (64 * MiB)
#define SLICE_INSNS 20000

/* ---- block cache ---- */

static uint64_t ram_index(const struct soft *s, uint64_t pa)
{
    const struct machine *m = s->m;
    if (pa < m->below_4g)
        return pa >> 12;
    if (pa >= 4 * GiB && pa - 4 * GiB < m->above_4g)
        return (m->below_4g + (pa - 4 * GiB)) >> 12;
    return UINT64_MAX;
}

bool soft_page_has_code(struct soft *s, uint64_t pa)
{
    uint64_t k = ram_index(s, pa);
    return k < s->ram_pages && s->page_blocks[k];
}

/* Forget this CPU's linear-PC -> block associations (the jump cache and
 * the block links it made): its translations or the blocks changed.  The
 * generation numbers are unique across CPUs, so a link one CPU made is
 * never followed by another (whose page tables may differ). */
void soft_jc_clear(struct cpu *c, bool include_global)
{
    c->link_gen = __atomic_add_fetch(&c->soft->link_gen_next, 1, __ATOMIC_RELAXED);
    if (include_global)
        c->global_gen = __atomic_add_fetch(&c->soft->link_gen_next, 1, __ATOMIC_RELAXED);
}

/* Is a jump-cache entry or block link made under generation g still valid? */
static inline bool gen_valid(const struct cpu *c, uint64_t g)
{
    return g == c->link_gen || g == c->global_gen;
}

static void flush_cache(struct soft *s)
{
    memset(s->hash, 0, sizeof(*s->hash) << s->hash_bits);
    memset(s->page_blocks, 0, sizeof(*s->page_blocks) * s->ram_pages);
    s->arena_used = 0;
    s->cache_flushes++;
    for (unsigned i = 0; i < s->ncpus; i++) {
        s->cpus[i]->stop_block = true;
        soft_jc_clear(s->cpus[i], true);
    }
}

static unsigned hash_of(const struct soft *s, uint64_t pa, uint32_t mode);

static void unhash(struct soft *s, struct block *b)
{
    for (struct block **p = &s->hash[hash_of(s, b->pc_phys, b->mode)]; *p; p = &(*p)->hash_next) {
        if (*p == b) {
            *p = b->hash_next;
            return;
        }
    }
}

static void invalidate_page(struct soft *s, uint64_t k)
{
    /* Unlink from the hash (code rewritten in place over and over must not
     * grow the chains); the memory stays in the arena until the next flush,
     * so a block still running is safe. */
    for (struct block *b = s->page_blocks[k]; b; b = b->page_next) {
        unhash(s, b);
        b->mode = UINT32_MAX;
        s->blocks_invalidated++;
    }
    s->page_blocks[k] = NULL;
    /* The running block may be among them: finish the current instruction
     * and fetch again. */
    for (unsigned i = 0; i < s->ncpus; i++)
        s->cpus[i]->stop_block = true;
}

void soft_code_written(struct soft *s, uint64_t pa, uint64_t len)
{
    for (uint64_t a = pa & ~0xfffULL; a < pa + len; a += 4096) {
        uint64_t k = ram_index(s, a);
        if (k < s->ram_pages && s->page_blocks[k])
            invalidate_page(s, k);
        if (a + 4096 < a)
            break;
    }
}

static void dma_written(void *opaque, uint64_t gpa, uint64_t len)
{
    soft_code_written(opaque, gpa, len);
}

static unsigned hash_of(const struct soft *s, uint64_t pa, uint32_t mode)
{
    uint64_t h = (pa ^ ((uint64_t)mode << 40)) * 0x9e3779b97f4a7c15ULL;
    return (unsigned)(h >> (64 - s->hash_bits));
}

/* Make writes to this page take the slow path on every CPU. */
static void protect_page(struct soft *s, uint64_t page)
{
    for (unsigned i = 0; i < s->ncpus; i++)
        for (int u = 0; u < 2; u++)
            for (unsigned k = 0; k < TLB_SIZE; k++) {
                struct tlb_entry *e = &s->cpus[i]->tlb[u][k];
                if (e->paddr == page && e->tag_w != TLB_INVALID)
                    e->tag_w |= TLB_SLOW;
            }
}

/* Decode an instruction after the first of a block.  A fault here (an
 * unimplemented opcode, a fetch from an unmapped next page) must not be
 * raised now: the instruction may never run.  End the block before it
 * instead; the fault happens if and when it is executed as the first
 * instruction of a block.  The page walk may have set accessed bits, as a
 * hardware prefetch may; CR2 is restored. */
static bool probe_decode(struct cpu *c, uint64_t lin, struct insn *i, unsigned *len)
{
    jmp_buf saved;
    uint64_t cr2 = c->cr2;
    int64_t vec = c->exc_vec;
    memcpy(&saved, &c->jmp, sizeof(saved));
    if (setjmp(c->jmp)) {
        memcpy(&c->jmp, &saved, sizeof(saved));
        c->cr2 = cr2;
        c->exc_vec = vec;
        return false;
    }
    *len = cpu_decode(c, lin, i);
    memcpy(&c->jmp, &saved, sizeof(saved));
    return true;
}

static struct block *decode_block(struct cpu *c, uint64_t lin, uint64_t pa, bool cacheable,
                                  struct block *scratch)
{
    struct soft *s = c->soft;
    size_t need = sizeof(struct block) + (BLOCK_MAX_INSNS + 1) * sizeof(struct insn);
    struct block *b = scratch;
    if (cacheable) {
        if (s->arena_used + need > s->arena_size)
            flush_cache(s);
        b = (struct block *)(s->arena + s->arena_used);
    }
    b->pc_phys = pa;
    b->mode = c->mode;
    b->ninsns = 0;
    b->bytes = 0;
    memset(b->link, 0, sizeof(b->link)); /* generation 0: never valid */
    b->link_next = 0;
    uint64_t at = lin;
    unsigned sync = 0; /* lazy RIP: offset of the sync point (fast.c) */
    while (b->ninsns < (cacheable ? BLOCK_MAX_INSNS : 1)) {
        struct insn *i = &b->insns[b->ninsns];
        unsigned len;
        if (b->ninsns == 0)
            len = cpu_decode(c, at, i); /* faults here are the guest's */
        else if (!probe_decode(c, at, i, &len))
            break;
        bool crosses = ((at & 0xfff) + len) > 4096;
        if (crosses && b->ninsns > 0)
            break; /* decode it as a block of its own next time */
        if (cpu_insn_place(i, b->bytes - sync) || i->end)
            sync = b->bytes + len;
        b->ninsns++;
        b->bytes = (uint16_t)(b->bytes + len);
        at += len;
        if (crosses || (at & 0xfff) == 0)
            break;
        if (i->end)
            break;
    }
    if (b->ninsns >= 2 && b->insns[b->ninsns - 1].end) {
        /* A compare and the branch on it run as one handler. */
        struct insn *f = &b->insns[b->ninsns - 2];
        insn_fn *fused = fast_fuse(f, f + 1);
        if (fused)
            f->run = fused;
    }
    b->insns[b->ninsns].run = insn_block_end;
    b->insns[b->ninsns].off = (uint16_t)(b->bytes - sync);
    if (!cacheable)
        return b;
    if (((lin & 0xfff) + b->bytes) > 4096) {
        /* A single instruction straddling pages: do not cache. */
        memcpy(scratch, b, sizeof(struct block) + 2 * sizeof(struct insn));
        return scratch;
    }
    s->arena_used += sizeof(struct block) + (b->ninsns + 1) * sizeof(struct insn);
    s->arena_used = (s->arena_used + 15) & ~(size_t)15;
    unsigned h = hash_of(s, pa, b->mode);
    b->hash_next = s->hash[h];
    s->hash[h] = b;
    uint64_t k = ram_index(s, pa);
    if (k < s->ram_pages) {
        if (!s->page_blocks[k])
            protect_page(s, pa & ~0xfffULL);
        b->page_next = s->page_blocks[k];
        s->page_blocks[k] = b;
    } else {
        b->page_next = NULL;
    }
    s->blocks_decoded++;
    return b;
}

/* The jump cache slot for a linear PC. */
static inline unsigned jc_index(uint64_t lin)
{
    return (unsigned)((lin ^ (lin >> 10)) & (JC_SIZE - 1));
}

/* Linear address of the next instruction (CS base + RIP). */
static inline uint64_t pc_lin(const struct cpu *c)
{
    uint64_t lin = c->seg[S_CS].base + c->rip;
    if (!(c->mode & MODE_LONG64))
        lin &= 0xffffffffULL;
    return lin;
}

static struct block *find_block(struct cpu *c, struct block *scratch)
{
    struct soft *s = c->soft;
    uint64_t lin = pc_lin(c);
    unsigned j = jc_index(lin);
    struct block *b = c->jc[j].b;
    if (likely(c->jc[j].pc == lin && gen_valid(c, c->jc[j].gen) && b->mode == c->mode))
        return b;
    uint64_t pa;
    bool global;
    const uint8_t *host = soft_code_ptr(c, lin, &pa, &global);
    if (!host)
        return decode_block(c, lin, pa, false, scratch); /* executing MMIO */
    for (b = s->hash[hash_of(s, pa, c->mode)]; b; b = b->hash_next)
        if (b->pc_phys == pa && b->mode == c->mode)
            break;
    if (!b)
        b = decode_block(c, lin, pa, true, scratch);
    if (b != scratch) {
        c->jc[j].pc = lin;
        c->jc[j].b = b;
        c->jc[j].gen = global ? c->global_gen : c->link_gen;
    }
    return b;
}

/* ---- events ---- */

static void cpu_signal(void *opaque, unsigned sig, uint8_t vec)
{
    struct cpu *c = opaque;
    if (sig & CPU_SIG_SIPI)
        c->sipi_vector = vec;
    atomic_fetch_or(&c->irq_req, sig);
    pthread_mutex_lock(&c->soft->wait_lock);
    pthread_cond_signal(&c->soft->wake);
    pthread_mutex_unlock(&c->soft->wait_lock);
}

/* If a maskable interrupt can be taken now, acknowledge it (one lock
 * round trip for both steps) and return its vector; else -1. */
static int intr_take(struct cpu *c)
{
    if (!(c->eflags & F_IF) || !c->intc)
        return -1;
    int vec = -1;
    machine_lock(c->m);
    if (c->intc->ops->intr_pending(c->intc->apic))
        vec = c->intc->ops->intr_ack(c->intc->apic);
    machine_unlock(c->m);
    return vec;
}

void soft_check_events(struct cpu *c)
{
    unsigned req = atomic_load(&c->irq_req);
    if (req & CPU_SIG_INIT) {
        atomic_fetch_and(&c->irq_req, ~(unsigned)CPU_SIG_INIT);
        cpu_reset(c, true);
        c->wait_sipi = true;
        c->halted = true;
        return;
    }
    if (req & CPU_SIG_SIPI) {
        atomic_fetch_and(&c->irq_req, ~(unsigned)CPU_SIG_SIPI);
        if (c->wait_sipi) {
            c->wait_sipi = false;
            c->halted = false;
            cpu_set_seg_real(c, S_CS, (uint16_t)(c->sipi_vector << 8));
            c->rip = 0;
            cpu_recompute_mode(c);
        }
        return;
    }
    if (c->wait_sipi)
        return;
    if ((req & CPU_SIG_NMI) && !c->nmi_blocked) {
        atomic_fetch_and(&c->irq_req, ~(unsigned)CPU_SIG_NMI);
        c->halted = false;
        c->nmi_blocked = true;
        cpu_deliver(c, EX_NMI, false, 0, false, c->rip);
        return;
    }
    if (req & CPU_SIG_INTR)
        atomic_fetch_and(&c->irq_req, ~(unsigned)CPU_SIG_INTR);
    int vec = intr_take(c);
    if (vec >= 0) {
        c->halted = false;
        cpu_deliver(c, vec, false, 0, false, c->rip);
    }
}

/* ---- the run loop ---- */

/* The block that follows `b` when execution continues at linear `lin`: from
 * b's links (direct branches and fall-through: one or two successors), or
 * through the jump cache, which then gets linked.  A block invalidated
 * since (self-modifying code: its mode no longer matches) is a miss, so
 * the link is made again to its successor.  NULL: ask find_block. */
static inline struct block *next_block(struct cpu *c, struct block *b, uint64_t lin)
{
    for (int k = 0; k < 2; k++)
        if (b->link[k].pc == lin && gen_valid(c, b->link[k].gen) &&
            b->link[k].b->mode == c->mode)
            return b->link[k].b;
    unsigned j = jc_index(lin);
    struct block *nb = c->jc[j].b;
    if (c->jc[j].pc != lin || !gen_valid(c, c->jc[j].gen) || nb->mode != c->mode)
        return NULL;
    unsigned k = b->link_next;
    b->link_next = (uint8_t)(k ^ 1);
    b->link[k].pc = lin;
    b->link[k].b = nb;
    b->link[k].gen = c->jc[j].gen;
    return nb;
}

/* Run decoded blocks, following on to the next block for as long as nothing
 * needs the run loop's attention: no event posted, no stop_block, IF not
 * newly set, no TF, no trace, budget left (c->icount below `end`).  Returns
 * to soft_run_cpu, which does the event checks, decodes on a miss and
 * delivers faults.  Kept out of soft_run_cpu so the hot state stays in
 * registers (setjmp there forces its locals to memory).  Retired
 * instructions are added to c->icount per block, so a fault loses none of
 * the blocks completed before it. */
static __attribute__((noinline)) void run_blocks(struct cpu *c, struct block *b, uint64_t end)
{
    for (;;) {
        c->stop_block = false;
        c->stop_at = NULL;
        b->insns[0].run(c, b->insns);
        uint64_t n = c->stop_at ? (uint64_t)(c->stop_at - b->insns) + 1 : b->ninsns;
        /* Other threads read it for -icount time: publish with one store. */
        __atomic_store_n(&c->icount, c->icount + n, __ATOMIC_RELAXED);
        if (c->stop_block || c->icount >= end || atomic_load_explicit(&c->irq_req,
                                                                      memory_order_relaxed))
            return;
        uint32_t fl = c->eflags;
        if ((fl & F_TF) || ((fl & F_IF) && !c->last_if) || c->intr_shadow || c->trace_block)
            return;
        c->last_if = fl & F_IF;
        struct block *nb = next_block(c, b, pc_lin(c));
        if (!nb)
            return;
        b = nb;
    }
}

void soft_run_cpu(struct cpu *c, uint64_t budget)
{
    /* The scratch block for uncacheable code lives on this frame. */
    union {
        struct block b;
        uint8_t space[sizeof(struct block) + sizeof(struct insn) * 2];
    } scratch;
    /* Progress is retired instructions (c->icount) plus exception
     * deliveries, so a guest faulting in a loop still uses up its budget. */
    uint64_t start = c->icount;
    volatile uint64_t deliveries = 0;
    if (setjmp(c->jmp)) {
        /* A fault: RIP still points at the faulting instruction. */
        int vec = (int)c->exc_vec;
        c->stop_block = false;
        TRACE(&c->m->log, c->soft->trace_exc, "soft.exc: cpu %u vector %d error %#x at %04x:%llx",
              c->index, vec, c->exc_err, c->seg[S_CS].sel, (unsigned long long)c->rip);
        if (vec >= 0) {
            /* A fault while delivering this one escalates (cpu_raise). */
            c->delivering = true;
            c->delivering_vec = vec;
            cpu_deliver(c, vec, c->exc_has_err, c->exc_err, false, c->rip);
        }
        c->delivering = false;
        deliveries = deliveries + 1;
    }
    c->yield = false;
    while (c->icount - start + deliveries < budget && !c->soft->stop_req && !c->yield) {
        /* Events are checked when an APIC posted one, or when IF went from
         * 0 to 1 since the last check (an interrupt may have waited: its
         * signal was consumed while IF was 0); never in the shadow of STI /
         * MOV SS.  The shadow does not count as a check: after "STI; HLT"
         * the next boundary still sees the 0 -> 1 transition and takes the
         * waiting interrupt instead of sleeping on it. */
        bool ifl = c->eflags & F_IF;
        if (c->intr_shadow) {
            c->intr_shadow = false;
        } else {
            if (atomic_load(&c->irq_req) || (ifl && !c->last_if))
                soft_check_events(c);
            c->last_if = c->eflags & F_IF;
        }
        /* STI; HLT in one block: the HLT ran in the shadow, which ends at
         * this boundary, and an interrupt may already wait in the APIC
         * (its wake-up was consumed while IF was 0). */
        if (c->halted && (c->eflags & F_IF))
            soft_check_events(c);
        if (c->halted)
            return;
        TRACE(&c->m->log, c->soft->trace_block, "soft.block: cpu %u %04x:%016llx mode %x",
              c->index, c->seg[S_CS].sel, (unsigned long long)c->rip, c->mode);
        struct block *b = find_block(c, &scratch.b);
        if (unlikely(c->eflags & F_TF)) {
            /* Single-step: one instruction, then the #DB trap. */
            c->stop_block = false;
            cpu_step_traced(c, b->insns);
            __atomic_store_n(&c->icount, c->icount + 1, __ATOMIC_RELAXED);
            continue;
        }
        /* The budget counts deliveries too; what is left of it in retired
         * instructions ends at c->icount == end. */
        uint64_t end = start + budget - deliveries;
        run_blocks(c, b, end);
    }
}

static bool all_halted(struct soft *s)
{
    for (unsigned i = 0; i < s->ncpus; i++) {
        struct cpu *c = s->cpus[i];
        if (!c->halted || atomic_load(&c->irq_req))
            return false;
    }
    return true;
}

/* -icount: virtual ns = instructions executed << shift. */
static int64_t icount_ns(void *opaque)
{
    struct soft *s = opaque;
    uint64_t n = 0;
    for (unsigned i = 0; i < s->ncpus; i++)
        n += __atomic_load_n(&s->cpus[i]->icount, __ATOMIC_RELAXED);
    return (int64_t)(n << s->m->icount_shift);
}

static bool icount_mode(const struct soft *s)
{
    return s->m->clock.mode == VCLOCK_ICOUNT;
}

/* -icount: how many instructions may run before the next timer is due. */
static uint64_t icount_budget(struct soft *s, uint64_t slice)
{
    struct machine *m = s->m;
    machine_lock(m);
    int64_t dl = vclock_next_deadline(&m->clock), now = vclock_now(&m->clock);
    machine_unlock(m);
    if (dl == INT64_MAX)
        return slice;
    if (dl <= now)
        return 1;
    uint64_t left = (uint64_t)(dl - now + (1 << m->icount_shift) - 1) >> m->icount_shift;
    return MIN(slice, left);
}

/* -icount: fire due timers; with every vCPU idle, jump to the next
 * deadline instead of waiting for host time.  Returns false if there is no
 * timer to jump to (then the thread sleeps until an external event). */
static bool icount_advance(struct soft *s, bool idle)
{
    struct machine *m = s->m;
    machine_lock(m);
    int64_t dl = vclock_next_deadline(&m->clock);
    if (idle && dl != INT64_MAX)
        vclock_warp(&m->clock, dl);
    vclock_run_timers(&m->clock);
    machine_unlock(m);
    return !idle || dl != INT64_MAX;
}

/* The vCPU thread's name (top, ps -L): unique per machine. */
static void thread_name(const struct soft *s, char out[16])
{
    snprintf(out, 16, "CPUs/SOFT-%05x", (unsigned)(((uintptr_t)s >> 4) & 0xfffff));
}

static void *thread_main(void *opaque)
{
    struct soft *s = opaque;
    char name[16];
    thread_name(s, name);
    pthread_setname_np(pthread_self(), name);
    __atomic_store_n(&s->tid, (long)syscall(SYS_gettid), __ATOMIC_RELEASE);
    for (;;) {
        pthread_mutex_lock(&s->wait_lock);
        while (s->stop_req && !s->quit) {
            s->parked = true;
            pthread_cond_broadcast(&s->parked_cv);
            pthread_cond_wait(&s->wake, &s->wait_lock);
        }
        s->parked = false;
        if (s->quit) {
            pthread_mutex_unlock(&s->wait_lock);
            return NULL;
        }
        if (all_halted(s)) {
            if (icount_mode(s)) {
                /* Never take the machine lock under wait_lock (APIC signals
                 * take them in the other order). */
                pthread_mutex_unlock(&s->wait_lock);
                if (icount_advance(s, true))
                    continue;
                pthread_mutex_lock(&s->wait_lock);
                if (!all_halted(s) || s->stop_req) {
                    pthread_mutex_unlock(&s->wait_lock);
                    continue;
                }
            }
            pthread_cond_wait(&s->wake, &s->wait_lock);
            pthread_mutex_unlock(&s->wait_lock);
            continue;
        }
        pthread_mutex_unlock(&s->wait_lock);
        for (unsigned i = 0; i < s->ncpus; i++) {
            uint64_t budget = icount_mode(s) ? icount_budget(s, SLICE_INSNS) : SLICE_INSNS;
            soft_run_cpu(s->cpus[i], budget);
            if (icount_mode(s))
                icount_advance(s, false);
        }
    }
}

/* ---- memory map changes: decoded code may now be stale ---- */

static void map_changed(void *opaque, uint64_t gpa, uint64_t size, uint8_t *host, bool ro)
{
    struct soft *s = opaque;
    (void)gpa;
    (void)size;
    (void)host;
    (void)ro;
    flush_cache(s);
    for (unsigned i = 0; i < s->ncpus; i++)
        cpu_tlb_flush(s->cpus[i], true);
}

static void map_removed(void *opaque, uint64_t gpa, uint64_t size, uint8_t *host)
{
    map_changed(opaque, gpa, size, host, false);
}

/* ---- construction ---- */

struct soft *soft_new(struct machine *m, char **err)
{
    struct soft *s = g_new0(struct soft, 1);
    s->m = m;
    s->a20 = true;
    s->ncpus = m->smp_cpus;
    s->trace_block = trace_on(&m->log, "soft.block");
    s->trace_exc = trace_on(&m->log, "soft.exc");
    s->hash_bits = 16;
    s->hash = g_new0(struct block *, 1u << s->hash_bits);
    s->arena_size = ARENA_SIZE;
    s->arena = mmap(NULL, s->arena_size, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (s->arena == MAP_FAILED) {
        *err = g_strdup("soft CPU: cannot allocate the code cache");
        g_free(s->hash);
        g_free(s);
        return NULL;
    }
    s->ram_pages = m->ram_size >> 12;
    s->page_blocks = g_new0(struct block *, s->ram_pages);
    pthread_mutex_init(&s->wait_lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    pthread_cond_init(&s->parked_cv, NULL);
    s->cpus = g_new0(struct cpu *, s->ncpus);
    m->cpu_links = g_new0(struct cpu_link, s->ncpus);
    for (unsigned i = 0; i < s->ncpus; i++) {
        struct cpu *c = aligned_alloc(64, (sizeof(struct cpu) + 63) & ~(size_t)63);
        memset(c, 0, sizeof(*c));
        c->index = i;
        c->m = m;
        c->soft = s;
        c->trace_block = s->trace_block;
        c->link_gen = ++s->link_gen_next;
        c->global_gen = ++s->link_gen_next;
        c->tsc_hz = 2000000000ULL;
        c->link = (struct cpu_link){ cpu_signal, c };
        m->cpu_links[i] = c->link;
        s->cpus[i] = c;
        cpu_reset(c, false);
    }
    m->mem.ram_written = dma_written;
    m->mem.ram_written_opaque = s;
    if (m->clock.mode == VCLOCK_ICOUNT) {
        m->clock.icount_ns = icount_ns;
        m->clock.icount_opaque = s;
    }
    s->listener = (struct mem_listener){ map_changed, map_removed, s, m->mem.listeners };
    m->mem.listeners = &s->listener;
    return s;
}

void soft_free(struct soft *s)
{
    if (!s)
        return;
    struct mem_listener **p = &s->m->mem.listeners;
    while (*p && *p != &s->listener)
        p = &(*p)->next;
    if (*p)
        *p = s->listener.next;
    s->m->mem.ram_written = NULL;
    if (s->m->clock.icount_opaque == s) {
        s->m->clock.icount_ns = NULL;
        s->m->clock.icount_opaque = NULL;
    }
    for (unsigned i = 0; i < s->ncpus; i++)
        free(s->cpus[i]);
    g_free(s->cpus);
    g_free(s->m->cpu_links);
    s->m->cpu_links = NULL;
    munmap(s->arena, s->arena_size);
    g_free(s->hash);
    g_free(s->page_blocks);
    pthread_mutex_destroy(&s->wait_lock);
    pthread_cond_destroy(&s->wake);
    pthread_cond_destroy(&s->parked_cv);
    g_free(s);
}

/* ---- accelerator ops ---- */

static int soft_init(struct machine *m, char **err)
{
    struct soft *s = soft_new(m, err);
    if (!s)
        return -1;
    m->accel_state = s;
    return 0;
}

static void attach_intc(struct soft *s)
{
    for (unsigned i = 0; i < s->ncpus; i++)
        s->cpus[i]->intc = s->m->intc ? &s->m->intc[i] : NULL;
}

static void soft_cpuid(struct machine *m, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    struct soft *s = m->accel_state;
    attach_intc(s); /* the APIC and x2APIC bits follow the board's LAPICs */
    cpu_cpuid(s->cpus[0], leaf, sub, out);
}

static void soft_reset_cpus(struct machine *m)
{
    struct soft *s = m->accel_state;
    attach_intc(s);
    for (unsigned i = 0; i < s->ncpus; i++) {
        struct cpu *c = s->cpus[i];
        cpu_reset(c, false);
        if (i > 0) {
            c->wait_sipi = true; /* APs wait for INIT/SIPI */
            c->halted = true;
        } else if (m->boot.valid) {
            cpu_apply_boot(c, &m->boot);
        }
    }
    flush_cache(s);
}

static int soft_start(struct machine *m, char **err)
{
    struct soft *s = m->accel_state;
    soft_reset_cpus(m);
    if (pthread_create(&s->thread, NULL, thread_main, s)) {
        *err = g_strdup("soft CPU: cannot create the vCPU thread");
        return -1;
    }
    s->thread_started = true;
    return 0;
}

static void soft_pause(struct machine *m)
{
    struct soft *s = m->accel_state;
    if (!s)
        return;
    if (!s->thread_started) {
        s->stop_req = true; /* -S: the thread starts parked */
        return;
    }
    pthread_mutex_lock(&s->wait_lock);
    s->stop_req = true;
    pthread_cond_broadcast(&s->wake);
    while (!s->parked)
        pthread_cond_wait(&s->parked_cv, &s->wait_lock);
    pthread_mutex_unlock(&s->wait_lock);
}

static void soft_resume(struct machine *m)
{
    struct soft *s = m->accel_state;
    if (!s || !s->thread_started)
        return;
    pthread_mutex_lock(&s->wait_lock);
    s->stop_req = false;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->wait_lock);
}

static void soft_destroy(struct machine *m)
{
    struct soft *s = m->accel_state;
    if (!s)
        return;
    if (s->thread_started) {
        pthread_mutex_lock(&s->wait_lock);
        s->quit = true;
        s->stop_req = true;
        pthread_cond_broadcast(&s->wake);
        pthread_mutex_unlock(&s->wait_lock);
        pthread_join(s->thread, NULL);
    }
    soft_free(s);
    m->accel_state = NULL;
}

static void soft_set_irq(struct machine *m, unsigned gsi, int level)
{
    /* hvemu's own PIC/IOAPIC take GSIs under the soft CPU (the board
     * routes them); nothing reaches the accelerator. */
    (void)m;
    (void)gsi;
    (void)level;
}

static void soft_set_a20(struct machine *m, bool on)
{
    struct soft *s = m->accel_state;
    if (!s || s->a20 == on)
        return;
    s->a20 = on;
    /* Translations cached with the other setting are now wrong. */
    for (unsigned i = 0; i < s->ncpus; i++) {
        cpu_tlb_flush(s->cpus[i], true);
        s->cpus[i]->stop_block = true;
    }
}

/* Every vCPU runs in the one soft thread: its Linux thread id. */
static long soft_vcpu_thread_id(struct machine *m, unsigned cpu)
{
    struct soft *s = m->accel_state;
    if (!s || cpu >= s->ncpus)
        return 0;
    return __atomic_load_n(&s->tid, __ATOMIC_ACQUIRE);
}

static void seg_out(struct x86_seg *d, const struct seg *s)
{
    *d = (struct x86_seg){
        .sel = s->sel,
        .base = s->base,
        .limit = s->limit,
        .type = s->flags & SEGF_TYPE,
        .s = !!(s->flags & SEGF_S),
        .dpl = (s->flags >> SEGF_DPL_SHIFT) & 3,
        .present = !!(s->flags & SEGF_P),
        .avl = !!(s->flags & 0x1000),
        .l = !!(s->flags & SEGF_L),
        .db = !!(s->flags & SEGF_DB),
        .g = !!(s->flags & SEGF_G),
    };
}

/* The vCPUs are paused (accel_ops contract): the thread is not touching
 * them. */
static int soft_get_regs(struct machine *m, unsigned cpu, struct accel_regs *out)
{
    struct soft *s = m->accel_state;
    if (!s || cpu >= s->ncpus)
        return -1;
    struct cpu *c = s->cpus[cpu];
    memset(out, 0, sizeof(*out));
    memcpy(out->gpr, c->regs, sizeof(out->gpr));
    out->rip = c->rip;
    out->rflags = cpu_get_eflags(c);
    for (unsigned i = 0; i < ACCEL_NSEGS; i++)
        seg_out(&out->seg[i], &c->seg[i]);
    out->gdt = c->gdt;
    out->idt = c->idt;
    out->cr0 = c->cr0;
    out->cr2 = c->cr2;
    out->cr3 = c->cr3;
    out->cr4 = c->cr4;
    out->cr8 = c->cr8;
    out->efer = c->efer;
    memcpy(out->dr, c->dr, sizeof(out->dr));
    out->halted = c->halted;
    return 0;
}

const struct accel_ops accel_soft = {
    .name = "soft",
    .owns = 0,
    .init = soft_init,
    .set_irq = soft_set_irq,
    .start = soft_start,
    .pause = soft_pause,
    .resume = soft_resume,
    .reset_cpus = soft_reset_cpus,
    .destroy = soft_destroy,
    .set_a20 = soft_set_a20,
    .get_regs = soft_get_regs,
    .vcpu_thread_id = soft_vcpu_thread_id,
    .cpuid = soft_cpuid,
};

uint64_t soft_apic_page(const struct cpu *c)
{
    /* The APIC page is visible only while the APIC is globally enabled. */
    if (!c->intc || !(c->apic_base & (1u << 11)) || (c->apic_base & (1u << 10)))
        return UINT64_MAX; /* disabled, or x2APIC mode (MSRs only) */
    return c->apic_base & 0xffffff000ULL;
}
