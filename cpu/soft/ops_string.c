/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ops_string.c: string, BCD/ASCII-adjust and bit-manipulation instructions.
 *
 * Intel SDM Vol. 2 instruction pages for:
 *   MOVS CMPS STOS LODS SCAS INS OUTS (A4-A7, AA-AF, 6C-6F) with REP, REPE
 *   and REPNE ("REP/REPE/REPZ/REPNE/REPNZ"), every operand and address size;
 *   DAA DAS AAA AAS AAM AAD (27 2F 37 3F D4 D5; #UD in 64-bit mode);
 *   BOUND (62; #UD in 64-bit mode);
 *   BT BTS BTR BTC (0F A3/AB/B3/BB, 0F BA /4-/7), BSF BSR (0F BC/BD),
 *   LZCNT (F3 0F BD), POPCNT (F3 0F B8), SHLD SHRD (0F A4/A5/AC/AD).
 *
 * String instructions.  The count register (CX/ECX/RCX) and the index
 * registers (SI/DI, ESI/EDI, RSI/RDI) follow the address size and wrap at
 * it; the source segment may be overridden, ES:DI never.  REP/REPE/REPNE
 * repeat as in the SDM's REP pseudo-code; only CMPS and SCAS look at ZF, for
 * the others F2 and F3 both mean REP.  REP instructions are interruptible
 * as on hardware (SDM Vol. 1, 7.3.9.1 and the REP page): one handler call
 * does a bounded amount of work (REP_BUDGET), writes back the registers and
 * leaves RIP on the instruction with stop_block set, so the run loop reaches
 * a block boundary (interrupts, budget) and then resumes the instruction.
 * With EFLAGS.TF set a call does one iteration, so the single-step trap
 * comes after each iteration with RIP on the instruction (SDM Vol. 3A,
 * 17.3.1.4 "Single-Step Exception Condition").
 * Registers are written back after every iteration that completes, so a
 * fault mid-string leaves them describing the completed iterations and RIP
 * on the instruction.
 *
 * Fast path: REP MOVS, STOS, LODS, CMPS and SCAS on RAM work in runs
 * through host pointers (memmove/memset/compare loops).  A run stays inside
 * one page, the segment limit and the address-size wrap.  Host pointers come
 * from the software TLB when it has a fast entry (mem.c's tag/addend
 * conventions, cpu.h); on a miss the page is translated with cpu_translate
 * (which faults exactly as the element's own access would, and touches no
 * device) and, when it is RAM, a one-byte cpu_rd fills the TLB for the next
 * call -- except when the destination shares the source's direct-mapped
 * slot, which would thrash.  MMIO, ROM (for writes), the APIC page and
 * elements that straddle a page go one element at a time through
 * cpu_rd/cpu_wr.  Writes into RAM pages that hold decoded code go through
 * the host pointer and are then reported with soft_code_written(), which
 * invalidates the blocks.  Copies keep the architectural element-by-element
 * result when source and destination overlap the "wrong" way (e.g. MOVSB
 * with DI = SI + 1 replicates a pattern).  INS and OUTS always go element by
 * element (each one is a device access).
 *
 * INS probes the destination for a write (segment checks and a page walk
 * when the TLB has no write entry) before reading the port, so a faulting
 * INS does not consume device data; the I/O permission check (cpu_io_in /
 * cpu_io_out) therefore comes after the memory checks when both would
 * fault.  INS/OUTS end their block (device side effects).
 *
 * Undefined flags (SDM "Flags Affected" leaves them undefined; we follow the
 * Pentium 4 / Core behaviour documented by sandpile.org's flag tables):
 *   DAA, DAS   OF = 0.
 *   AAA, AAS   SF, ZF, PF from the final AL (so SF = 0), OF = 0.
 *   AAM        CF = OF = AF = 0 (SF, ZF, PF defined, from AL).
 *   AAD        OF, AF, CF as the 8-bit addition AL + (AH * imm8).
 *   BT*        only CF changes; the others keep their values.
 *   BSF, BSR   only ZF changes; the destination is unchanged for a zero
 *              source (AMD documents this; Intel leaves it undefined and
 *              does the same in practice).
 *   LZCNT      CF, ZF defined; SF from the result (0), OF = AF = PF = 0.
 *   SHLD/SHRD  OF = MSB(result) XOR MSB(original) for every count, AF = 0;
 *              a 16-bit operand with a count of 17..31 (result undefined in
 *              the SDM) shifts the 48-bit value dest:src:dest, i.e. bits
 *              keep coming in from the destination as if it were rotated.
 *   POPCNT     (defined) every flag cleared except ZF = (source == 0).
 * TZCNT (F3 0F BC) is BMI1, which CPUID does not advertise (the decoder has
 * no VEX, so ANDN/BLSI/... cannot exist); without BMI1 the hardware runs
 * F3 0F BC as BSF, and so do we.  HAVE_BMI1 switches TZCNT on once the
 * rest of BMI1 lands and msr.c advertises it.
 *
 * LOCK: BTS/BTR/BTC with a memory destination accept it; all vCPUs run in
 * one thread, so the read-modify-write is atomic by construction.
 *
 * Threat model: every count, index, offset and flag comes from the guest.
 * REP work per handler call is bounded by REP_BUDGET; host-pointer runs are
 * bounded by the page, the segment limit and the address-size wrap, and
 * only use pages that are wholly RAM of this machine (a fast TLB entry, or
 * as_ram_ptr with 4 KiB available after cpu_translate); every other access
 * goes through the checked cpu_rd/cpu_wr paths.  Shift counts
 * and bit offsets are masked as the hardware masks them; #DE (AAM 0) and #BR
 * are raised before any state changes. */
#include <string.h>
#include "cpu/soft/ops.h"
#include "cpu/soft/soft.h"

#define REX(i) ((i)->rex)
#define HAVE_BMI1 0

/* Work allowed per REP handler call, in bytes moved by the fast path; an
 * element through the slow path counts SLOW_COST (so at most 1024 slow
 * elements, or 64 KiB of fast copying, between two interrupt windows). */
#define REP_BUDGET 65536
#define SLOW_COST 64

static void set_arith(struct cpu *c, uint32_t f)
{
    c->cc_op = CC_EFLAGS;
    c->cc_size = 1; /* any valid size: EFLAGS ignores it */
    c->cc_src = f & F_ARITH;
}

static uint32_t szp8(uint8_t v)
{
    uint32_t f = 0;
    if (!v)
        f |= F_ZF;
    if (v & 0x80)
        f |= F_SF;
    if (!__builtin_parity(v))
        f |= F_PF;
    return f;
}

/* ======================================================================
 * String instructions
 * ====================================================================== */

enum skind { K_MOVS, K_CMPS, K_STOS, K_LODS, K_SCAS, K_INS, K_OUTS };

static inline uint64_t idx_get(const struct cpu *c, unsigned r, unsigned as)
{
    return c->regs[r] & size_mask(as);
}

/* Index update: 16-bit address size keeps bits 63:16, 32-bit zero-extends. */
static inline void idx_add(struct cpu *c, unsigned r, unsigned as, int64_t d)
{
    reg_write(c, r, as, 0, c->regs[r] + (uint64_t)d);
}

/* Host pointer to the byte at lin, for an access run that stays inside
 * lin's page, or NULL when the page is not plain RAM for this access (MMIO,
 * ROM for writes, the local APIC page): the caller then does one element
 * through cpu_rd/cpu_wr.  The software TLB answers when it holds a fast
 * entry; otherwise the page tables are walked (raising #PF exactly as the
 * element's own access would) and, for RAM, a one-byte read through cpu_rd
 * fills the TLB for the next call -- unless the page maps to TLB slot
 * `keep_slot`, which holds the other operand of this run (source and
 * destination may share a direct-mapped slot; refilling would thrash).  The
 * read fills the write tag too, since the walk for a write set D.  *code is
 * set for a write to a page holding decoded code: the caller reports the
 * bytes with soft_code_written(). */
static uint8_t *host_ptr(struct cpu *c, uint64_t lin, bool write, uint64_t *paddr, bool *code,
                         int keep_slot)
{
    bool user = c->cpl == 3; /* mem.c's TLB index and walk privilege */
    const struct tlb_entry *e = &c->tlb[user][(lin >> 12) & (TLB_SIZE - 1)];
    uint64_t page = lin & ~0xfffULL, tag = write ? e->tag_w : e->tag_r, pa, avail;
    if (tag == page)
        return (uint8_t *)(uintptr_t)(lin + e->addend);
    bool fill = false;
    if (tag == (page | TLB_SLOW)) {
        /* A valid entry that wants the slow path: MMIO (the read tag is slow
         * too), ROM or a page holding decoded code (for writes). */
        if (e->tag_r != page)
            return NULL;
        pa = e->paddr | (lin & 0xfff);
    } else {
        pa = cpu_translate(c, lin, write ? ACC_W : ACC_R, user);
        fill = (int)((lin >> 12) & (TLB_SIZE - 1)) != keep_slot;
    }
    uint64_t ppage = pa & ~0xfffULL;
    if (ppage == soft_apic_page(c))
        return NULL;
    uint8_t *p = as_ram_ptr(&c->m->mem, ppage, write, &avail);
    if (!p || avail < 4096)
        return NULL;
    if (write && soft_page_has_code(c->soft, ppage)) {
        *paddr = pa;
        *code = true;
    }
    if (fill)
        (void)cpu_rd(c, S_NONE, lin, 1); /* RAM: no side effect */
    return p + (lin & 0xfff);
}

/* Elements of `sz` bytes that one run may cover from offset `off` (linear
 * `lin`, already checked by cpu_lin for the first element), stepping up or
 * down: inside the page, the segment limit and the address-size wrap. */
static uint64_t run_room(const struct cpu *c, int seg, uint64_t off, uint64_t lin, unsigned sz,
                         unsigned as, bool down)
{
    uint64_t pg = lin & 0xfff, bytes;
    if (pg + sz > 4096)
        return 0; /* the element straddles pages */
    if (!down) {
        bytes = 4096 - pg;
        if (as != 8)
            bytes = MIN(bytes, size_mask(as) - off + 1);
    } else {
        bytes = MIN(pg + sz, off + sz); /* down to offset 0 at most */
    }
    if (!(c->mode & MODE_LONG64)) {
        const struct seg *s = &c->seg[seg];
        uint64_t lo = 0, hi = s->limit;
        if ((c->mode & MODE_PE) && !(c->mode & MODE_VM86) && (s->flags & 0xc) == 4) {
            lo = (uint64_t)s->limit + 1; /* expand-down data */
            hi = (s->flags & SEGF_DB) ? 0xffffffffULL : 0xffffULL;
        }
        if (!down)
            bytes = MIN(bytes, hi - off + 1);
        else
            bytes = MIN(bytes, off + sz - lo);
    }
    return bytes / sz;
}

/* Sequential element copy semantics on host memory (lowest addresses). */
static void copy_run(uint8_t *d, const uint8_t *s, uint64_t len, unsigned sz, bool down)
{
    uintptr_t da = (uintptr_t)d, sa = (uintptr_t)s;
    if (!down && da > sa && da < sa + len) {
        /* Forward with the destination inside the source: later elements
         * read what earlier ones wrote. */
        for (uint64_t k = 0; k < len; k += sz)
            memmove(d + k, s + k, sz);
    } else if (down && da < sa && sa < da + len) {
        for (uint64_t k = len; k >= sz; k -= sz)
            memmove(d + k - sz, s + k - sz, sz);
    } else {
        memmove(d, s, len);
    }
}

static void fill_run(uint8_t *d, uint64_t v, uint64_t len, unsigned sz)
{
    uint64_t bytes = 0x0101010101010101ULL * (v & 0xff);
    if (sz == 1 || (v & size_mask(sz)) == (bytes & size_mask(sz))) {
        memset(d, (int)(v & 0xff), len);
        return;
    }
    for (uint64_t k = 0; k < len; k += sz)
        memcpy(d + k, &v, sz);
}

static inline uint64_t load(const uint8_t *p, unsigned sz)
{
    switch (sz) {
    case 1: return *p;
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

/* CMPS/SCAS over a run: compares until the REPE/REPNE condition ends the
 * instruction (*stop) or the run is done; flags from the last compare.
 * s == NULL: SCAS (the accumulator against the destination). */
static uint64_t compare_run(struct cpu *c, const uint8_t *s, const uint8_t *d, uint64_t n,
                            unsigned sz, bool down, bool want_zf, bool *stop)
{
    int64_t step = down ? -(int64_t)sz : (int64_t)sz;
    uint64_t a = c->regs[R_AX] & size_mask(sz), b = 0, j = 0;
    while (j < n) {
        if (s)
            a = load(s + (int64_t)j * step, sz);
        b = load(d + (int64_t)j * step, sz);
        j++;
        if ((a == b) != want_zf) {
            *stop = true;
            break;
        }
    }
    cc_set(c, CC_SUB, sz, a - b, a, b);
    return j;
}

/* A run of up to `max` elements through host pointers (one page, one
 * segment limit, no address wrap); returns the elements done, 0 when the
 * caller must take one element through the slow path instead.  *stop: a
 * CMPS/SCAS condition ended the instruction. */
static uint64_t str_run(struct cpu *c, const struct insn *i, enum skind k, unsigned sz,
                        uint64_t max, bool down, bool *stop)
{
    unsigned as = i->adsize;
    bool has_src = k == K_MOVS || k == K_CMPS || k == K_LODS;
    bool has_dst = k != K_LODS, dst_wr = k == K_MOVS || k == K_STOS;
    uint64_t n = max, pa = 0, unused;
    const uint8_t *s = NULL;
    uint8_t *d = NULL;
    bool code = false, ucode;
    int src_slot = -1;
    /* Same order of checks as one element: source, then destination. */
    if (has_src) {
        uint64_t si = idx_get(c, R_SI, as), ls = cpu_lin(c, i->seg, si, sz, false);
        n = MIN(n, run_room(c, i->seg, si, ls, sz, as, down));
        if (!n || !(s = host_ptr(c, ls, false, &unused, &ucode, -1)))
            return 0;
        src_slot = (int)((ls >> 12) & (TLB_SIZE - 1));
    }
    if (has_dst) {
        uint64_t di = idx_get(c, R_DI, as), ld = cpu_lin(c, S_ES, di, sz, dst_wr);
        n = MIN(n, run_room(c, S_ES, di, ld, sz, as, down));
        if (!n || !(d = host_ptr(c, ld, dst_wr, &pa, &code, src_slot)))
            return 0;
    }
    uint64_t len = n * sz, back = down ? len - sz : 0;
    switch (k) {
    case K_MOVS:
        copy_run(d - back, s - back, len, sz, down);
        break;
    case K_STOS:
        fill_run(d - back, c->regs[R_AX], len, sz);
        break;
    case K_LODS:
        reg_write(c, R_AX, sz, 0, load(down ? s - back : s + back + len - sz, sz));
        break;
    default: /* CMPS, SCAS */
        n = compare_run(c, s, d, n, sz, down, i->rep == 0xf3, stop);
        len = n * sz;
        break;
    }
    if (code)
        soft_code_written(c->soft, pa - back, len);
    int64_t delta = down ? -(int64_t)len : (int64_t)len;
    if (has_src)
        idx_add(c, R_SI, as, delta);
    if (has_dst)
        idx_add(c, R_DI, as, delta);
    return n;
}

/* INS: make sure ES:DI can be written before the port is read. */
static void probe_write(struct cpu *c, uint64_t di, unsigned sz)
{
    uint64_t lin = cpu_lin(c, S_ES, di, sz, true), pa;
    bool code;
    if ((lin & 0xfff) + sz <= 4096) {
        host_ptr(c, lin, true, &pa, &code, -1); /* faults as the write would */
        return;
    }
    cpu_translate(c, lin, ACC_W, c->cpl == 3);
    cpu_translate(c, lin + sz - 1, ACC_W, c->cpl == 3);
}

/* One iteration through the checked access paths.  Returns ZF for CMPS and
 * SCAS.  Registers change only after every access of the element is done. */
static bool str_one(struct cpu *c, const struct insn *i, enum skind k, unsigned sz, int64_t step)
{
    unsigned as = i->adsize;
    uint64_t a, b;
    switch (k) {
    case K_MOVS:
        a = cpu_rd(c, i->seg, idx_get(c, R_SI, as), sz);
        cpu_wr(c, S_ES, idx_get(c, R_DI, as), a, sz);
        idx_add(c, R_SI, as, step);
        idx_add(c, R_DI, as, step);
        return false;
    case K_CMPS:
        a = cpu_rd(c, i->seg, idx_get(c, R_SI, as), sz);
        b = cpu_rd(c, S_ES, idx_get(c, R_DI, as), sz);
        cc_set(c, CC_SUB, sz, a - b, a, b);
        idx_add(c, R_SI, as, step);
        idx_add(c, R_DI, as, step);
        return a == b;
    case K_STOS:
        cpu_wr(c, S_ES, idx_get(c, R_DI, as), c->regs[R_AX], sz);
        idx_add(c, R_DI, as, step);
        return false;
    case K_LODS:
        a = cpu_rd(c, i->seg, idx_get(c, R_SI, as), sz);
        reg_write(c, R_AX, sz, 0, a);
        idx_add(c, R_SI, as, step);
        return false;
    case K_SCAS:
        a = c->regs[R_AX] & size_mask(sz);
        b = cpu_rd(c, S_ES, idx_get(c, R_DI, as), sz);
        cc_set(c, CC_SUB, sz, a - b, a, b);
        idx_add(c, R_DI, as, step);
        return a == b;
    case K_INS: {
        uint64_t di = idx_get(c, R_DI, as);
        /* SDM order: I/O permission (#GP) first, then the memory operand;
         * and the memory is checked before the port is read, so a fault
         * never consumes device data. */
        cpu_io_check(c, (uint16_t)c->regs[R_DX], sz);
        probe_write(c, di, sz);
        a = cpu_io_in(c, (uint16_t)c->regs[R_DX], sz);
        cpu_wr(c, S_ES, di, a, sz);
        idx_add(c, R_DI, as, step);
        return false;
    }
    default: /* K_OUTS */
        cpu_io_check(c, (uint16_t)c->regs[R_DX], sz); /* #GP before #PF */
        a = cpu_rd(c, i->seg, idx_get(c, R_SI, as), sz);
        cpu_io_out(c, (uint16_t)c->regs[R_DX], sz, a);
        idx_add(c, R_SI, as, step);
        return false;
    }
}

/* The REP pseudo-code of the SDM, in bounded slices. */
static inline void str_exec(struct cpu *c, const struct insn *i, enum skind k)
{
    unsigned sz = i->opsize;
    if ((k == K_INS || k == K_OUTS) && sz == 8)
        sz = 4; /* REX.W does not widen INS/OUTS */
    bool down = c->eflags & F_DF;
    int64_t step = down ? -(int64_t)sz : (int64_t)sz;
    if (!i->rep) {
        str_one(c, i, k, sz, step);
        next(c, i);
        return;
    }
    unsigned as = i->adsize;
    bool zf_cond = k == K_CMPS || k == K_SCAS, want_zf = i->rep == 0xf3;
    uint64_t cnt = idx_get(c, R_CX, as);
    /* Under TF the single-step trap comes after every iteration. */
    int64_t budget = (c->eflags & F_TF) ? 1 : REP_BUDGET;
    while (cnt) {
        if (budget <= 0) {
            c->stop_block = true; /* resume here after the block boundary */
            return;
        }
        uint64_t n = 0;
        bool stop = false;
        if (k != K_INS && k != K_OUTS)
            n = str_run(c, i, k, sz, MIN(cnt, ((uint64_t)budget + sz - 1) / sz), down, &stop);
        if (n) {
            cnt -= n;
            budget -= (int64_t)(n * sz);
            reg_write(c, R_CX, as, 0, cnt);
            if (stop)
                break;
            continue;
        }
        bool zf = str_one(c, i, k, sz, step);
        cnt--;
        budget -= SLOW_COST;
        reg_write(c, R_CX, as, 0, cnt);
        if (zf_cond && zf != want_zf)
            break;
    }
    next(c, i);
}

static void op_movs(struct cpu *c, const struct insn *i) { str_exec(c, i, K_MOVS); }
static void op_cmps(struct cpu *c, const struct insn *i) { str_exec(c, i, K_CMPS); }
static void op_stos(struct cpu *c, const struct insn *i) { str_exec(c, i, K_STOS); }
static void op_lods(struct cpu *c, const struct insn *i) { str_exec(c, i, K_LODS); }
static void op_scas(struct cpu *c, const struct insn *i) { str_exec(c, i, K_SCAS); }
static void op_ins(struct cpu *c, const struct insn *i) { str_exec(c, i, K_INS); }
static void op_outs(struct cpu *c, const struct insn *i) { str_exec(c, i, K_OUTS); }

/* ======================================================================
 * Decimal and ASCII adjust (not in 64-bit mode)
 * ====================================================================== */

static void op_daa_das(struct cpu *c, const struct insn *i)
{
    uint32_t fl = cpu_get_eflags(c);
    uint8_t al = (uint8_t)c->regs[R_AX], old_al = al;
    bool old_cf = fl & F_CF, cf = false, af = false, das = i->op == 0x2f;
    if ((al & 0x0f) > 9 || (fl & F_AF)) {
        cf = old_cf || (das ? al < 6 : al > 0xf9); /* borrow / carry of the +-6 */
        al = (uint8_t)(das ? al - 6 : al + 6);
        af = true;
    }
    if (old_al > 0x99 || old_cf) {
        al = (uint8_t)(das ? al - 0x60 : al + 0x60);
        cf = true;
    } else if (!das) {
        cf = false; /* DAA's ELSE branch; DAS keeps the borrow */
    }
    reg_write(c, R_AX, 1, 0, al);
    set_arith(c, szp8(al) | (cf ? F_CF : 0) | (af ? F_AF : 0));
    next(c, i);
}

static void op_aaa_aas(struct cpu *c, const struct insn *i)
{
    uint32_t fl = cpu_get_eflags(c);
    uint16_t ax = (uint16_t)c->regs[R_AX];
    bool adj = (ax & 0x0f) > 9 || (fl & F_AF);
    if (adj) {
        if (i->op == 0x37) {
            ax = (uint16_t)(ax + 0x106);
        } else {
            ax = (uint16_t)(ax - 6);
            ax = (uint16_t)(ax - 0x100);
        }
    }
    ax &= 0xff0f;
    reg_write(c, R_AX, 2, 0, ax);
    set_arith(c, (szp8((uint8_t)ax) & ~F_SF) | (adj ? F_CF | F_AF : 0));
    next(c, i);
}

static void op_aam(struct cpu *c, const struct insn *i)
{
    uint8_t base = (uint8_t)i->imm, al = (uint8_t)c->regs[R_AX];
    if (!base)
        cpu_raise(c, EX_DE, 0);
    uint8_t q = al / base, r = al % base;
    reg_write(c, R_AX, 2, 0, (uint16_t)(q << 8 | r));
    cc_set(c, CC_LOGIC, 1, r, 0, 0);
    next(c, i);
}

static void op_aad(struct cpu *c, const struct insn *i)
{
    uint8_t base = (uint8_t)i->imm, al = (uint8_t)c->regs[R_AX];
    uint8_t ah = (uint8_t)(c->regs[R_AX] >> 8);
    uint8_t add = (uint8_t)(ah * base), r = (uint8_t)(al + add);
    reg_write(c, R_AX, 2, 0, r);
    cc_set(c, CC_ADD, 1, r, al, add);
    next(c, i);
}

/* BOUND r16/32, m16&16/m32&32: #BR when the signed index is outside. */
static void op_bound(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize;
    uint64_t ea = insn_ea(c, i);
    int64_t idx = sext(reg_read(c, i->reg, sz, 0), sz);
    int64_t lo = sext(cpu_rd(c, i->seg, ea, sz), sz);
    int64_t hi = sext(cpu_rd(c, i->seg, addr_mask(i->adsize, ea + sz), sz), sz);
    if (idx < lo || idx > hi)
        cpu_raise(c, EX_BR, 0);
    next(c, i);
}

/* ======================================================================
 * Bit test, bit scan, counts, double shifts
 * ====================================================================== */

enum { BT_TEST, BT_SET, BT_RESET, BT_COMP };

static uint64_t bt_apply(uint64_t v, unsigned bit, unsigned op)
{
    uint64_t m = 1ULL << bit;
    switch (op) {
    case BT_SET: return v | m;
    case BT_RESET: return v & ~m;
    case BT_COMP: return v ^ m;
    default: return v;
    }
}

static void set_cf_only(struct cpu *c, bool cf)
{
    cpu_set_eflags(c, cf ? F_CF : 0, F_CF);
}

/* Bit `off` (already masked for registers) of the destination operand;
 * for memory, `mem_off` is the signed bit offset of the register form (the
 * SDM's bit-string addressing: the operand-sized word at
 * EA + opsize * floor(offset / bits)) or 0 for the immediate form. */
static void bt_common(struct cpu *c, const struct insn *i, unsigned op, uint64_t off, bool reg_off)
{
    unsigned sz = i->opsize, bits = sz * 8;
    if (i->mod == 3) {
        unsigned b = (unsigned)off & (bits - 1);
        uint64_t v = reg_read(c, i->rm, sz, REX(i));
        if (op != BT_TEST)
            reg_write(c, i->rm, sz, REX(i), bt_apply(v, b, op));
        set_cf_only(c, (v >> b) & 1);
        next(c, i);
        return;
    }
    uint64_t ea = insn_ea(c, i);
    unsigned b = (unsigned)off & (bits - 1);
    if (reg_off) {
        unsigned shift = sz == 2 ? 4 : sz == 4 ? 5 : 6;
        int64_t word = sext(off, sz) >> shift; /* floor division */
        ea = addr_mask(i->adsize, ea + (uint64_t)word * sz);
    }
    uint64_t v = op == BT_TEST ? cpu_rd(c, i->seg, ea, sz) : cpu_rd_w(c, i->seg, ea, sz);
    if (op != BT_TEST)
        cpu_wr(c, i->seg, ea, bt_apply(v, b, op), sz);
    set_cf_only(c, (v >> b) & 1);
    next(c, i);
}

/* 0F A3/AB/B3/BB: BT/BTS/BTR/BTC r/m, r */
static void op_bt_r(struct cpu *c, const struct insn *i)
{
    bt_common(c, i, i->aux, reg_read(c, i->reg, i->opsize, REX(i)), true);
}

/* 0F BA /4-/7: BT/BTS/BTR/BTC r/m, imm8 */
static void op_bt_i(struct cpu *c, const struct insn *i)
{
    bt_common(c, i, (i->reg & 7) - 4, i->imm & 0xff, false);
}

static void do_count(struct cpu *c, const struct insn *i, uint64_t v, bool lz)
{
    unsigned sz = i->opsize, bits = sz * 8;
    uint64_t r;
    if (!v)
        r = bits;
    else if (lz)
        r = (uint64_t)__builtin_clzll(v) - (64 - bits);
    else
        r = (uint64_t)__builtin_ctzll(v);
    reg_write(c, i->reg, sz, REX(i), r);
    cc_set(c, CC_BMI, sz, r, 0, 0);
    c->cc_src2 = v ? 0 : F_CF;
    next(c, i);
}

/* 0F BC BSF (F3: TZCNT with BMI1), 0F BD BSR (F3: LZCNT, ABM) */
static void op_bsf_bsr(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize;
    uint64_t v = rm_read(c, i, sz) & size_mask(sz);
    bool bsr = i->op == 0xbd;
    if (i->rep == 0xf3 && (bsr || HAVE_BMI1)) {
        do_count(c, i, v, bsr);
        return;
    }
    if (v)
        reg_write(c, i->reg, sz, REX(i),
                  bsr ? (uint64_t)(63 - __builtin_clzll(v)) : (uint64_t)__builtin_ctzll(v));
    cpu_set_eflags(c, v ? 0 : F_ZF, F_ZF);
    next(c, i);
}

/* F3 0F B8 POPCNT; without F3 the opcode is #UD (JMPE on IA-64 parts) */
static void op_popcnt(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize;
    if (i->rep != 0xf3)
        cpu_ud(c);
    uint64_t v = rm_read(c, i, sz) & size_mask(sz);
    reg_write(c, i->reg, sz, REX(i), (uint64_t)__builtin_popcountll(v));
    set_arith(c, v ? 0 : F_ZF);
    next(c, i);
}

/* SHLD/SHRD: the result, with CF/OF for CC_SHL in *cfof.  cnt is already
 * masked and nonzero. */
static uint64_t dshift(unsigned sz, uint64_t dst, uint64_t src, unsigned cnt, bool right,
                       uint64_t *cfof)
{
    unsigned bits = sz * 8;
    uint64_t m = size_mask(sz), r;
    bool cf;
    dst &= m;
    src &= m;
    if (sz == 2) {
        /* dest:src:dest, so counts 17..31 keep shifting bits in. */
        uint64_t w = (dst << 32) | (src << 16) | dst;
        if (right) {
            r = (w >> cnt) & m;
            cf = (w >> (cnt - 1)) & 1;
        } else {
            r = (w >> (32 - cnt)) & m;
            cf = (w >> (48 - cnt)) & 1;
        }
    } else if (right) {
        r = ((dst >> cnt) | (src << (bits - cnt))) & m;
        cf = (dst >> (cnt - 1)) & 1;
    } else {
        r = ((dst << cnt) | (src >> (bits - cnt))) & m;
        cf = (dst >> (bits - cnt)) & 1;
    }
    bool of = ((r ^ dst) >> (bits - 1)) & 1;
    *cfof = (cf ? F_CF : 0) | (of ? F_OF : 0);
    return r;
}

/* 0F A4/A5 SHLD, 0F AC/AD SHRD (imm8 or CL).  A zero count changes no
 * flags and no memory; a register destination is still written (a 32-bit
 * one zero-extends, as for the other shifts). */
static void op_shld_shrd(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->opsize;
    bool right = i->op >= 0xac, by_cl = i->op & 1;
    unsigned cnt = (unsigned)(by_cl ? c->regs[R_CX] : i->imm) & (sz == 8 ? 63 : 31);
    uint64_t src = reg_read(c, i->reg, sz, REX(i)), v, r, cfof = 0;
    if (i->mod == 3) {
        v = reg_read(c, i->rm, sz, REX(i));
        r = cnt ? dshift(sz, v, src, cnt, right, &cfof) : v;
        reg_write(c, i->rm, sz, REX(i), r);
    } else {
        if (!cnt) {
            next(c, i);
            return;
        }
        uint64_t ea = insn_ea(c, i);
        v = cpu_rd(c, i->seg, ea, sz);
        r = dshift(sz, v, src, cnt, right, &cfof);
        cpu_wr(c, i->seg, ea, r, sz); /* a faulting write leaves the flags */
    }
    if (cnt) {
        cc_set(c, CC_SHL, sz, r, v, cnt);
        c->cc_src2 = cfof;
    }
    next(c, i);
}

/* ======================================================================
 * Tables
 * ====================================================================== */

#define E(f, fl, ...) { .fn = (f), .flags = (fl), __VA_ARGS__ }
#define STR OPF_STRING

static const struct opdesc grp_bt_imm[8] = {
    [4] = E(op_bt_i, OPF_IMM8U),
    [5] = E(op_bt_i, OPF_IMM8U | OPF_LOCKOK),
    [6] = E(op_bt_i, OPF_IMM8U | OPF_LOCKOK),
    [7] = E(op_bt_i, OPF_IMM8U | OPF_LOCKOK),
};

static const struct opdesc map0[256] = {
    [0x27] = E(op_daa_das, OPF_NO64),
    [0x2f] = E(op_daa_das, OPF_NO64),
    [0x37] = E(op_aaa_aas, OPF_NO64),
    [0x3f] = E(op_aaa_aas, OPF_NO64),
    [0x62] = E(op_bound, OPF_MODRM | OPF_MEMONLY | OPF_NO64),
    [0x6c] = E(op_ins, STR | OPF_BYTE | OPF_END),
    [0x6d] = E(op_ins, STR | OPF_END),
    [0x6e] = E(op_outs, STR | OPF_BYTE | OPF_END),
    [0x6f] = E(op_outs, STR | OPF_END),
    [0xa4] = E(op_movs, STR | OPF_BYTE),
    [0xa5] = E(op_movs, STR),
    [0xa6] = E(op_cmps, STR | OPF_BYTE),
    [0xa7] = E(op_cmps, STR),
    [0xaa] = E(op_stos, STR | OPF_BYTE),
    [0xab] = E(op_stos, STR),
    [0xac] = E(op_lods, STR | OPF_BYTE),
    [0xad] = E(op_lods, STR),
    [0xae] = E(op_scas, STR | OPF_BYTE),
    [0xaf] = E(op_scas, STR),
    [0xd4] = E(op_aam, OPF_NO64 | OPF_IMM8U),
    [0xd5] = E(op_aad, OPF_NO64 | OPF_IMM8U),
};

static const struct opdesc map1[256] = {
    [0xa3] = E(op_bt_r, OPF_MODRM, .aux = BT_TEST),
    [0xa4] = E(op_shld_shrd, OPF_MODRM | OPF_IMM8U),
    [0xa5] = E(op_shld_shrd, OPF_MODRM),
    [0xab] = E(op_bt_r, OPF_MODRM | OPF_LOCKOK, .aux = BT_SET),
    [0xac] = E(op_shld_shrd, OPF_MODRM | OPF_IMM8U),
    [0xad] = E(op_shld_shrd, OPF_MODRM),
    [0xb3] = E(op_bt_r, OPF_MODRM | OPF_LOCKOK, .aux = BT_RESET),
    [0xb8] = E(op_popcnt, OPF_MODRM),
    [0xba] = E(NULL, OPF_GROUP, .group = grp_bt_imm),
    [0xbb] = E(op_bt_r, OPF_MODRM | OPF_LOCKOK, .aux = BT_COMP),
    [0xbc] = E(op_bsf_bsr, OPF_MODRM),
    [0xbd] = E(op_bsf_bsr, OPF_MODRM),
};

const struct optable ops_string_table = {
    .name = "string",
    .map = { map0, map1, NULL, NULL },
};
