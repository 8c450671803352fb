/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mem.c: the soft CPU's view of memory: segmentation, paging, software TLB.
 *
 * Intel SDM Vol. 3A chapter 3 (segment limit and type checks), chapter 4
 * (32-bit, PAE and 4-level paging; accessed/dirty bits; U/S, R/W with
 * CR0.WP, NX with EFER.NXE; page-fault error codes).
 *
 * The TLB is direct-mapped, one per privilege class (supervisor, user).
 * A hit gives a host pointer.  Pages that are MMIO, ROM (for writes) or hold
 * decoded code (for writes) carry TLB_SLOW in their tag and go through
 * slow_access(), which dispatches to devices or invalidates decoded blocks.
 * Accesses that cross a page boundary are split into bytes.
 *
 * Threat model: every linear address and page-table entry comes from the
 * guest; walks read at most 4 levels, physical addresses outside RAM read as
 * all-ones through the dispatcher, and no access reaches host memory outside
 * a RAM/ROM region's backing. */
#include <string.h>
#include "cpu/soft/soft.h"

/* ---- segmentation ---- */

static __attribute__((noreturn)) void seg_fault(struct cpu *c, int seg)
{
    cpu_raise(c, seg == S_SS ? EX_SS : EX_GP, 0);
}

uint64_t cpu_lin(struct cpu *c, int seg, uint64_t off, unsigned size, bool write)
{
    if (seg == S_NONE)
        return off;
    const struct seg *s = &c->seg[seg];
    if (c->mode & MODE_LONG64) {
        uint64_t lin = off + ((seg == S_FS || seg == S_GS) ? s->base : 0);
        /* Canonical: bits 63:47 all equal. */
        if (!is_canonical(lin))
            seg_fault(c, seg);
        return lin;
    }
    if (c->mode & MODE_PE && !(c->mode & MODE_VM86)) {
        unsigned type = s->flags & SEGF_TYPE;
        if (!(s->flags & SEGF_P))
            seg_fault(c, seg); /* null or unusable selector */
        if (type & 8) { /* code: never writable; readable if bit 1 */
            if (write || !(type & 2))
                seg_fault(c, seg);
        } else if (write && !(type & 2)) {
            seg_fault(c, seg);
        }
        if ((type & 0xc) == 4) { /* expand-down data */
            uint64_t upper = (s->flags & SEGF_DB) ? 0xffffffffULL : 0xffffULL;
            if (off <= s->limit || off + size - 1 > upper)
                seg_fault(c, seg);
            return (s->base + off) & 0xffffffffULL;
        }
    }
    if (off + size - 1 > s->limit || off + size - 1 < off)
        seg_fault(c, seg);
    return (s->base + off) & 0xffffffffULL;
}

/* ---- paging ---- */

#define PTE_P 1ULL
#define PTE_RW 2ULL
#define PTE_US 4ULL
#define PTE_A 0x20ULL
#define PTE_D 0x40ULL
#define PTE_PS 0x80ULL
#define PTE_G 0x100ULL
#define PTE_NX (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

#define PFEC_P 1u
#define PFEC_W 2u
#define PFEC_U 4u
#define PFEC_RSVD 8u
#define PFEC_I 16u

struct walk {
    uint64_t paddr;  /* physical page */
    bool writable, user, nx, global, dirty;
};

static uint64_t phys_rd(struct cpu *c, uint64_t pa, unsigned size)
{
    uint64_t v = 0;
    uint64_t avail;
    uint8_t *p = as_ram_ptr(&c->m->mem, pa, false, &avail);
    if (p && avail >= size) {
        memcpy(&v, p, size); /* x86 host: little-endian */
        return v;
    }
    io_dispatch(&c->m->mem, pa, size, false, &v);
    return v;
}

static void phys_wr(struct cpu *c, uint64_t pa, uint64_t v, unsigned size)
{
    uint64_t avail;
    uint8_t *p = as_ram_ptr(&c->m->mem, pa, true, &avail);
    if (p && avail >= size) {
        memcpy(p, &v, size);
        soft_code_written(c->soft, pa, size);
        return;
    }
    io_dispatch(&c->m->mem, pa, size, true, &v);
}

/* Set A (and D) in a paging entry if not yet set. */
static void set_ad(struct cpu *c, uint64_t pa, uint64_t *e, uint64_t bits, unsigned size)
{
    if ((*e & bits) == bits)
        return;
    *e |= bits;
    phys_wr(c, pa, *e, size);
}

static __attribute__((noreturn)) void page_fault(struct cpu *c, uint64_t lin, int acc, bool user,
                                                 uint32_t err)
{
    if (acc == ACC_W)
        err |= PFEC_W;
    if (user)
        err |= PFEC_U;
    if (acc == ACC_X && (c->efer & EFER_NXE) && (c->cr4 & CR4_PAE))
        err |= PFEC_I;
    cpu_raise_pf(c, lin, err);
}

/* Walk the tables for lin; checks permissions for acc; raises #PF. */
static void walk(struct cpu *c, uint64_t lin, int acc, bool user, struct walk *w)
{
    bool pae = c->cr4 & CR4_PAE, lma = c->efer & EFER_LMA;
    bool nxe = (c->efer & EFER_NXE) && pae;
    unsigned levels = lma ? 4 : pae ? 3 : 2;
    unsigned esize = pae ? 8 : 4;
    uint64_t table = pae ? (lma ? c->cr3 & PTE_ADDR : c->cr3 & 0xffffffe0ULL)
                         : c->cr3 & 0xfffff000ULL;
    bool wr = true, us = true, nx = false;
    uint64_t e = 0, epa = 0;

    for (unsigned lvl = levels; lvl >= 1; lvl--) {
        unsigned shift, idxbits = pae ? 9 : 10;
        if (pae)
            shift = 12 + 9 * (lvl - 1);
        else
            shift = lvl == 2 ? 22 : 12;
        uint64_t idx = (lin >> shift) & ((1ULL << idxbits) - 1);
        if (pae && !lma && lvl == 3)
            idx = (lin >> 30) & 3; /* the 4-entry PDPT */
        epa = table + idx * esize;
        e = phys_rd(c, epa, esize);
        if (!(e & PTE_P))
            page_fault(c, lin, acc, user, 0);
        if ((e & PTE_NX) && !nxe && pae)
            page_fault(c, lin, acc, user, PFEC_P | PFEC_RSVD);
        bool pdpt_legacy = pae && !lma && lvl == 3;
        if (!pdpt_legacy) {
            wr &= !!(e & PTE_RW);
            us &= !!(e & PTE_US);
            nx |= nxe && (e & PTE_NX);
        }
        bool leaf = lvl == 1 ||
                    ((lvl == 2 || (lvl == 3 && lma)) && (e & PTE_PS) &&
                     (pae || (c->cr4 & CR4_PSE)));
        if (leaf) {
            uint64_t page_mask = (1ULL << shift) - 1;
            uint64_t frame;
            if (!pae && lvl == 2) /* 4 MiB page: PSE-36 bits 13-16 -> 32-35 */
                frame = (e & 0xffc00000ULL) | ((e & 0x1e000ULL) << 19);
            else
                frame = e & PTE_ADDR & ~page_mask;
            w->paddr = (frame | (lin & page_mask)) & ~0xfffULL;
            w->global = (e & PTE_G) && (c->cr4 & CR4_PGE);
            break;
        }
        if (!pdpt_legacy)
            set_ad(c, epa, &e, PTE_A, esize);
        table = e & (pae ? PTE_ADDR : 0xfffff000ULL);
    }
    /* Permissions. */
    bool sup_wp = c->cr0 & CR0_WP;
    if (user && !us)
        page_fault(c, lin, acc, user, PFEC_P);
    if (acc == ACC_W && !wr && (user || sup_wp))
        page_fault(c, lin, acc, user, PFEC_P);
    if (acc == ACC_X && nx)
        page_fault(c, lin, acc, user, PFEC_P);
    if (!user && us && acc == ACC_X && (c->cr4 & CR4_SMEP))
        page_fault(c, lin, acc, user, PFEC_P);
    set_ad(c, epa, &e, acc == ACC_W ? (PTE_A | PTE_D) : PTE_A, esize);
    w->writable = wr || (!user && !sup_wp);
    w->user = us;
    w->nx = nx;
    w->dirty = e & PTE_D;
}

static uint64_t a20(const struct cpu *c, uint64_t pa)
{
    return c->soft->a20 ? pa : pa & ~(1ULL << 20);
}

uint64_t cpu_translate(struct cpu *c, uint64_t lin, int acc, bool user)
{
    if (!(c->cr0 & CR0_PG))
        return a20(c, lin & 0xffffffffULL);
    struct walk w;
    walk(c, lin, acc, user, &w);
    return w.paddr | (lin & 0xfff);
}

void cpu_tlb_flush(struct cpu *c, bool include_global)
{
    soft_jc_clear(c, include_global);
    for (int u = 0; u < 2; u++)
        for (unsigned k = 0; k < TLB_SIZE; k++) {
            struct tlb_entry *e = &c->tlb[u][k];
            if (include_global || !e->global)
                e->tag_r = e->tag_w = e->tag_x = TLB_INVALID;
        }
}

void cpu_tlb_flush_page(struct cpu *c, uint64_t lin)
{
    soft_jc_clear(c, true); /* the page may be global: both generations */
    unsigned k = (unsigned)(lin >> 12) & (TLB_SIZE - 1);
    for (int u = 0; u < 2; u++) {
        struct tlb_entry *e = &c->tlb[u][k];
        e->tag_r = e->tag_w = e->tag_x = TLB_INVALID;
    }
}

/* Fill the TLB for lin after a walk (or identity when paging is off). */
static struct tlb_entry *tlb_fill(struct cpu *c, uint64_t lin, int acc, bool user)
{
    uint64_t page = lin & ~0xfffULL;
    struct walk w = { .writable = true, .user = true, .dirty = true };
    if (c->cr0 & CR0_PG)
        walk(c, lin, acc, user, &w);
    else
        w.paddr = a20(c, page & 0xffffffffULL);
    struct tlb_entry *e = &c->tlb[user][(lin >> 12) & (TLB_SIZE - 1)];
    uint64_t avail;
    uint8_t *host_r = as_ram_ptr(&c->m->mem, w.paddr, false, &avail);
    if (host_r && avail < 4096)
        host_r = NULL; /* region ends inside the page: slow path */
    uint8_t *host_w = host_r ? as_ram_ptr(&c->m->mem, w.paddr, true, &avail) : NULL;
    uint64_t slow_r = host_r ? 0 : TLB_SLOW;
    uint64_t slow_w = (host_w && !soft_page_has_code(c->soft, w.paddr)) ? 0 : TLB_SLOW;
    e->tag_r = page | slow_r;
    e->tag_x = w.nx ? TLB_INVALID : (page | slow_r);
    /* A write entry only when the page may be written now and D is set, so
     * the first write through the TLB has marked the page dirty. */
    e->tag_w = (w.writable && (w.dirty || acc == ACC_W)) ? (page | slow_w) : TLB_INVALID;
    e->addend = host_r ? (uintptr_t)host_r - (uintptr_t)page : 0;
    e->paddr = w.paddr;
    e->global = w.global;
    return e;
}

static inline bool user_access(const struct cpu *c)
{
    return c->cpl == 3;
}

/* Slow path for one access within a page: MMIO, ROM writes, code pages. */
static uint64_t slow_access(struct cpu *c, struct tlb_entry *e, uint64_t lin, unsigned size,
                            bool write, uint64_t v)
{
    uint64_t pa = e->paddr | (lin & 0xfff);
    if (c->intc && (pa & ~0xfffULL) == soft_apic_page(c)) {
        machine_lock(c->m);
        if (write)
            c->intc->ops->mmio_write(c->intc->apic, (uint32_t)(pa & 0xfff), v, size);
        else
            v = c->intc->ops->mmio_read(c->intc->apic, (uint32_t)(pa & 0xfff), size);
        machine_unlock(c->m);
        return v;
    }
    if (write)
        phys_wr(c, pa, v, size);
    else
        v = phys_rd(c, pa, size);
    return v;
}

static struct tlb_entry *lookup(struct cpu *c, uint64_t lin, int acc, bool user)
{
    struct tlb_entry *e = &c->tlb[user][(lin >> 12) & (TLB_SIZE - 1)];
    uint64_t page = lin & ~0xfffULL;
    uint64_t tag = acc == ACC_R ? e->tag_r : acc == ACC_W ? e->tag_w : e->tag_x;
    if ((tag & ~TLB_SLOW) != page)
        e = tlb_fill(c, lin, acc, user);
    return e;
}

static uint64_t access_lin(struct cpu *c, uint64_t lin, unsigned size, bool write, uint64_t v,
                           bool user)
{
    int acc = write ? ACC_W : ACC_R;
    if (unlikely(((lin & 0xfff) + size) > 4096)) {
        /* Crosses a page: check both pages before touching either. */
        lookup(c, lin, acc, user);
        /* A fault on the second page reports its first byte in CR2. */
        lookup(c, (lin + size - 1) & ~0xfffULL, acc, user);
        uint64_t r = 0;
        for (unsigned k = 0; k < size; k++) {
            uint64_t b = write ? (v >> (8 * k)) & 0xff : 0;
            b = access_lin(c, lin + k, 1, write, b, user);
            r |= (b & 0xff) << (8 * k);
        }
        return r;
    }
    struct tlb_entry *e = lookup(c, lin, acc, user);
    uint64_t tag = write ? e->tag_w : e->tag_r;
    if (likely(!(tag & TLB_SLOW))) {
        /* Constant-size copies compile to single moves (x86 host: LE,
         * unaligned accesses allowed). */
        uint8_t *p = (uint8_t *)(uintptr_t)(lin + e->addend);
        switch (size) {
        case 1:
            if (write) { *p = (uint8_t)v; return 0; }
            return *p;
        case 2: {
            uint16_t x = (uint16_t)v;
            if (write) { memcpy(p, &x, 2); return 0; }
            memcpy(&x, p, 2);
            return x;
        }
        case 4: {
            uint32_t x = (uint32_t)v;
            if (write) { memcpy(p, &x, 4); return 0; }
            memcpy(&x, p, 4);
            return x;
        }
        default: {
            uint64_t x = v;
            if (write) { memcpy(p, &x, 8); return 0; }
            memcpy(&x, p, 8);
            return x;
        }
        }
    }
    return slow_access(c, e, lin, size, write, v);
}

/* The read half of a read-modify-write: checked as a write (segment type,
 * page permissions, the W bit of a #PF error code), as the CPU does. */
uint64_t cpu_rd_w(struct cpu *c, int seg, uint64_t off, unsigned size)
{
    uint64_t lin = cpu_lin(c, seg, off, size, true);
    bool user = user_access(c);
    if (((lin & 0xfff) + size) <= 4096) {
        struct tlb_entry *e = lookup(c, lin, ACC_W, user);
        if (!(e->tag_w & TLB_SLOW))
            return access_lin(c, lin, size, false, 0, user);
    } else {
        lookup(c, lin, ACC_W, user);
        lookup(c, (lin + size - 1) & ~0xfffULL, ACC_W, user);
    }
    return access_lin(c, lin, size, false, 0, user);
}

uint64_t cpu_rd_slow(struct cpu *c, int seg, uint64_t off, unsigned size)
{
    uint64_t lin = cpu_lin(c, seg, off, size, false);
    return access_lin(c, lin, size, false, 0, user_access(c));
}

void cpu_wr_slow(struct cpu *c, int seg, uint64_t off, uint64_t v, unsigned size)
{
    uint64_t lin = cpu_lin(c, seg, off, size, true);
    access_lin(c, lin, size, true, v & size_mask(size), user_access(c));
}

uint8_t cpu_rd8(struct cpu *c, int seg, uint64_t off) { return (uint8_t)cpu_rd(c, seg, off, 1); }
uint16_t cpu_rd16(struct cpu *c, int seg, uint64_t off) { return (uint16_t)cpu_rd(c, seg, off, 2); }
uint32_t cpu_rd32(struct cpu *c, int seg, uint64_t off) { return (uint32_t)cpu_rd(c, seg, off, 4); }
uint64_t cpu_rd64(struct cpu *c, int seg, uint64_t off) { return cpu_rd(c, seg, off, 8); }
void cpu_wr8(struct cpu *c, int seg, uint64_t off, uint8_t v) { cpu_wr(c, seg, off, v, 1); }
void cpu_wr16(struct cpu *c, int seg, uint64_t off, uint16_t v) { cpu_wr(c, seg, off, v, 2); }
void cpu_wr32(struct cpu *c, int seg, uint64_t off, uint32_t v) { cpu_wr(c, seg, off, v, 4); }
void cpu_wr64(struct cpu *c, int seg, uint64_t off, uint64_t v) { cpu_wr(c, seg, off, v, 8); }

uint64_t cpu_rd_sys(struct cpu *c, uint64_t lin, unsigned size)
{
    return access_lin(c, lin, size, false, 0, false);
}

void cpu_wr_sys(struct cpu *c, uint64_t lin, uint64_t v, unsigned size)
{
    access_lin(c, lin, size, true, v & size_mask(size), false);
}

int cpu_fetch(struct cpu *c, uint64_t lin, uint8_t *buf, unsigned len)
{
    bool user = user_access(c);
    for (unsigned done = 0; done < len;) {
        uint64_t a = lin + done;
        unsigned n = MIN(len - done, 4096 - (unsigned)(a & 0xfff));
        struct tlb_entry *e = lookup(c, a, ACC_X, user);
        if (!(e->tag_x & TLB_SLOW)) {
            memcpy(buf + done, (uint8_t *)(uintptr_t)(a + e->addend), n);
        } else {
            for (unsigned k = 0; k < n; k++)
                buf[done + k] = (uint8_t)slow_access(c, e, a + k, 1, false, 0);
        }
        done += n;
    }
    return 0;
}

/* Host pointer to the code at lin if it is in RAM/ROM (for the block
 * cache), plus its physical address and whether its translation is global
 * (survives CR3 loads). */
const uint8_t *soft_code_ptr(struct cpu *c, uint64_t lin, uint64_t *paddr, bool *global)
{
    struct tlb_entry *e = lookup(c, lin, ACC_X, user_access(c));
    *paddr = e->paddr | (lin & 0xfff);
    *global = e->global;
    if (e->tag_x & TLB_SLOW)
        return NULL;
    return (const uint8_t *)(uintptr_t)(lin + e->addend);
}
