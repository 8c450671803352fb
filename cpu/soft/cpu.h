/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cpu.h: the soft CPU's state and internal interfaces.
 *
 * Execution model (see docs/soft-cpu.md):
 *   - Instructions are decoded once into `struct insn` records grouped in
 *     blocks (a straight run ending at a branch, a page boundary or an
 *     instruction that changes the mode), cached by guest-physical address
 *     and the mode bits that change decoding.  A block is run by calling each
 *     record's handler in turn.
 *   - Guest memory goes through a software TLB: linear page -> host pointer,
 *     separately for read, write and fetch, per privilege class.  Misses walk
 *     the page tables (setting A/D bits) and fill the TLB; MMIO and pages
 *     holding decoded code take the slow path.
 *   - Arithmetic flags are lazy: the last result and operands are kept with
 *     the operation, and flags are computed only when read.
 *   - Faults unwind with longjmp to the run loop, which delivers them.
 *
 * The soft CPU runs without the machine lock; it takes it around device
 * accesses (io_dispatch) and local-APIC calls. */
#ifndef CPU_SOFT_CPU_H
#define CPU_SOFT_CPU_H

#include <setjmp.h>
#include <stddef.h>
#include <stdatomic.h>
#include "core/machine.h"

/* ---- registers ---- */
enum { R_AX, R_CX, R_DX, R_BX, R_SP, R_BP, R_SI, R_DI, R_R8, R_R9, R_R10, R_R11, R_R12,
       R_R13, R_R14, R_R15 };
enum { S_ES, S_CS, S_SS, S_DS, S_FS, S_GS, S_LDTR, S_TR, S_NONE = 15 };

/* EFLAGS */
#define F_CF 0x0001u
#define F_PF 0x0004u
#define F_AF 0x0010u
#define F_ZF 0x0040u
#define F_SF 0x0080u
#define F_TF 0x0100u
#define F_IF 0x0200u
#define F_DF 0x0400u
#define F_OF 0x0800u
#define F_IOPL 0x3000u
#define F_NT 0x4000u
#define F_RF 0x10000u
#define F_VM 0x20000u
#define F_AC 0x40000u
#define F_VIF 0x80000u
#define F_VIP 0x100000u
#define F_ID 0x200000u
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

/* CR0/CR4/EFER bits */
#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_ET (1u << 4)
#define CR0_NE (1u << 5)
#define CR0_WP (1u << 16)
#define CR0_AM (1u << 18)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)
#define CR4_VME (1u << 0)
#define CR4_PVI (1u << 1)
#define CR4_TSD (1u << 2)
#define CR4_DE (1u << 3)
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_MCE (1u << 6)
#define CR4_PGE (1u << 7)
#define CR4_PCE (1u << 8)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_UMIP (1u << 11)
#define CR4_FSGSBASE (1u << 16)
#define CR4_PCIDE (1u << 17)
#define CR4_OSXSAVE (1u << 18)
#define CR4_SMEP (1u << 20)
#define CR4_SMAP (1u << 21)
#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define EFER_NXE (1u << 11)

/* Exceptions */
enum { EX_DE = 0, EX_DB = 1, EX_NMI = 2, EX_BP = 3, EX_OF = 4, EX_BR = 5, EX_UD = 6,
       EX_NM = 7, EX_DF = 8, EX_TS = 10, EX_NP = 11, EX_SS = 12, EX_GP = 13, EX_PF = 14,
       EX_MF = 16, EX_AC = 17, EX_MC = 18, EX_XM = 19 };

/* Segment register with its hidden descriptor cache.  `flags` holds
 * descriptor bits 40-55 in place >> 8: type[3:0] s[4] dpl[6:5] p[7]
 * avl[12] l[13] db[14] g[15] (i.e. the "access rights" word). */
struct seg {
    uint16_t sel;
    uint64_t base;
    uint32_t limit; /* byte granular */
    uint16_t flags;
};
#define SEGF_TYPE 0x000f
#define SEGF_S 0x0010
#define SEGF_DPL_SHIFT 5
#define SEGF_P 0x0080
#define SEGF_L 0x2000
#define SEGF_DB 0x4000
#define SEGF_G 0x8000

/* ---- lazy flags ---- */
enum cc_op {
    CC_EFLAGS, /* flags are in cc_src as is (already computed) */
    CC_ADD, CC_ADC, CC_SUB, CC_SBB, CC_LOGIC, CC_INC, CC_DEC, CC_SHL, CC_SHR, CC_SAR,
    CC_MUL,    /* CF=OF=(cc_src != 0), rest from result */
    CC_ROL, CC_ROR, /* only CF/OF change; others from cc_src2 (saved eflags) */
    CC_BMI,    /* CF from cc_src, ZF/SF from result, OF=0 */
};

/* ---- decoded instructions ---- */
struct cpu;
struct insn;
typedef void insn_fn(struct cpu *c, const struct insn *i);

struct insn {
    insn_fn *fn;      /* run this instruction (the generic handler) */
    insn_fn *run;     /* run it, then the rest of the block (ops.h insn_next) */
    uint8_t len;
    uint8_t opsize;   /* 1, 2, 4, 8 (bytes) */
    uint8_t adsize;   /* 2, 4, 8 */
    uint8_t seg;      /* effective segment for memory operands */
    uint8_t mod, reg, rm; /* ModRM fields, REX-extended; mod 3 = register */
    uint8_t base, index, scale; /* base/index XR_ZERO = none, base XR_RIP */
    uint8_t rep;      /* 0, 0xf2 (REPNE), 0xf3 (REP/REPE) */
    uint8_t lock;
    uint8_t rex;      /* REX byte (0x40 present-bit kept), 0 if none */
    uint8_t op;       /* primary opcode byte (after 0f/0f38/0f3a: see map) */
    uint8_t map;      /* 0: one-byte, 1: 0f, 2: 0f38, 3: 0f3a */
    uint8_t aux;      /* handler-specific (condition code, /digit, ...) */
    uint8_t pfx66;    /* mandatory-prefix information for SSE: 0, 0x66, 0xf2, 0xf3 */
    bool end;         /* ends its block (OPF_END) */
    uint16_t tlb_off; /* fast handlers: offset in struct cpu of the TLB to use */
    uint16_t off;     /* bytes from the RIP sync point in its block (fast.c) */
    bool rip_rel;     /* disp is relative to RIP (base XR_RIP; disp includes len) */
    int64_t disp;
    uint64_t imm, imm2;
};

/* A decoded block. */
#define BLOCK_MAX_INSNS 64
struct block {
    uint64_t pc_phys;   /* physical address of the first byte */
    uint64_t cs_base;
    uint32_t mode;      /* struct cpu.mode bits at decode time */
    uint16_t ninsns;
    uint16_t bytes;
    uint8_t link_next;  /* the link slot to replace next */
    struct block *hash_next;
    struct block *page_next; /* blocks on the same physical page */
    /* Successors seen (direct branches, fall-through): the block for a
     * linear PC, valid while the CPU's link_gen is `gen` (soft.c). */
    struct {
        uint64_t pc;
        struct block *b;
        uint64_t gen;
    } link[2];
    struct insn insns[]; /* ninsns, then one whose `run` ends the block */
};

/* ---- TLB ---- */
#define TLB_BITS 8
#define TLB_SIZE (1u << TLB_BITS)
#define TLB_INVALID (~0ULL)
/* Low bits of a tag mark pages that must take the slow path. */
#define TLB_SLOW 1ULL

#define JC_SIZE 4096

struct tlb_entry {
    uint64_t tag_r, tag_w, tag_x; /* linear page address, or TLB_INVALID; |TLB_SLOW */
    uintptr_t addend;             /* host = linear + addend (fast path) */
    uint64_t paddr;               /* physical page */
    bool global;
} __attribute__((aligned(64)));  /* one cache line; the index scales by a shift */

/* mode bits (struct cpu.mode): everything that changes how bytes decode or
 * which TLB applies.  Part of the block key. */
#define MODE_PE (1u << 0)
#define MODE_CS32 (1u << 1)   /* default operand/address size 32 */
#define MODE_LONG64 (1u << 2) /* 64-bit mode (LMA and CS.L) */
#define MODE_SS32 (1u << 3)
#define MODE_VM86 (1u << 4)
#define MODE_CPL3 (1u << 5)
#define MODE_CPL_SHIFT 6      /* two bits */
#define MODE_LMA (1u << 8)

/* Extended register indices for decoded address operands (struct insn
 * base/index): a slot that always reads 0 ("no base/index") and RIP, so an
 * effective address is disp + xregs[base] + (xregs[index] << scale) with no
 * branches (RIP-relative: base XR_RIP, disp includes the insn length). */
#define XR_ZERO 16
#define XR_RIP 17

struct cpu {
    /* hot state first */
    union {
        struct {
            uint64_t regs[16];
            uint64_t zero_reg; /* always 0 (XR_ZERO) */
            uint64_t rip;      /* XR_RIP */
        };
        uint64_t xregs[18];
    };
    uint32_t eflags;       /* non-arithmetic bits (F_ARITH bits live in cc_*) */
    enum cc_op cc_op;
    uint8_t cc_size;       /* operand size of the last flag-setting op */
    uint64_t cc_res, cc_src, cc_dst, cc_src2;
    /* CC_ROL/CC_ROR: the lazy state before the rotate, whose SF/ZF/AF/PF
     * the rotate keeps (cc_src2 holds the rotate's own CF/OF). */
    uint8_t prev_op, prev_size;
    uint64_t prev_res, prev_dst, prev_src, prev_src2;
    uint32_t mode;
    unsigned cpl;
    struct seg seg[8];
    struct tlb_entry tlb[2][TLB_SIZE]; /* [user][index] */
    /* Jump cache: linear PC -> decoded block, skipping the fetch TLB and
     * the hash on the way to the next block.  Valid while the mappings are:
     * an entry counts only under the generation it was made in: link_gen,
     * which every TLB flush and cache flush renews, or, for code on a
     * global page, global_gen, which survives CR3 loads as global TLB
     * entries do (so the kernel's blocks stay linked across context
     * switches).  A block invalidated since fails its mode check. */
    struct {
        uint64_t pc;
        struct block *b;
        uint64_t gen;
    } jc[JC_SIZE];
    uint64_t link_gen;     /* block links made under this generation are valid */
    uint64_t global_gen;   /* ... and those to code on global pages, under this */

    bool stop_block;       /* leave the current block after this insn */
    const struct insn *stop_at; /* the instruction after which it stopped */
    bool yield;            /* PAUSE: end this vCPU's slice (soft_run_cpu) */
    bool trace_block;      /* -d trace:soft.block: back to the run loop per block */
    bool fast_off;         /* tests: decode to the generic handlers only (fast.c) */
    _Atomic unsigned irq_req; /* enum cpu_signal bits posted by the APIC */
    uint8_t sipi_vector;
    bool halted;
    bool wait_sipi;        /* after INIT: in wait-for-SIPI state */
    bool intr_shadow;      /* STI / MOV SS shadow for the next instruction */
    bool last_if;          /* EFLAGS.IF at the previous event check */
    bool nmi_blocked;

    struct x86_dtable gdt, idt;
    uint64_t cr0, cr2, cr3, cr4, efer, xcr0;
    uint64_t dr[8];
    uint8_t cr8;          /* CR8 when there is no local APIC */
    /* MSRs */
    uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t pat, mtrr_def_type, mtrr_fixed[11], mtrr_var[16], misc_enable, tsc_aux;
    int64_t tsc_offset;
    uint64_t apic_base;   /* IA32_APIC_BASE as the CPU routes its APIC page */
    int64_t exc_vec;      /* exception being raised (for the run loop) */
    uint32_t exc_err;
    bool exc_has_err;
    bool delivering;      /* inside exception delivery (double fault logic) */
    int delivering_vec;

    /* x87 / SSE (filled in by fpu.c / sse.c) */
    long double st[8];
    uint16_t fcw, fsw, ftw; /* ftw: full 16-bit tag word */
    uint8_t ftop;
    uint16_t fop;
    uint64_t fip, fdp;
    uint16_t fcs, fds;
    union {
        uint8_t b[16];
        uint16_t w[8];
        uint32_t d[4];
        uint64_t q[2];
        float f[4];
        double df[2];
    } xmm[16];
    uint32_t mxcsr;

    /* exception unwinding */
    jmp_buf jmp;
    int exc_depth;         /* for double/triple fault */
    uint64_t insn_rip;     /* RIP of the instruction being executed */

    /* environment */
    unsigned index;        /* CPU number = APIC ID */
    struct machine *m;
    struct soft *soft;
    struct cpu_link link;
    struct cpu_intc *intc; /* NULL: no APIC model */
    uint64_t icount;       /* instructions retired */
    uint64_t tsc_hz;
};

_Static_assert(offsetof(struct cpu, rip) == offsetof(struct cpu, xregs[XR_RIP]),
               "RIP must be xregs[XR_RIP]");
_Static_assert(offsetof(struct cpu, zero_reg) == offsetof(struct cpu, xregs[XR_ZERO]),
               "the zero slot must be xregs[XR_ZERO]");

/* ---- internal API shared by the soft CPU's files ---- */

/* exc.c: raise an exception (never returns: longjmp to the run loop). */
__attribute__((noreturn)) void cpu_raise(struct cpu *c, int vec, uint32_t err);
__attribute__((noreturn)) void cpu_raise_pf(struct cpu *c, uint64_t addr, uint32_t err);
__attribute__((noreturn)) static inline void cpu_gp0(struct cpu *c) { cpu_raise(c, EX_GP, 0); }
__attribute__((noreturn)) static inline void cpu_ud(struct cpu *c) { cpu_raise(c, EX_UD, 0); }
/* Deliver an interrupt or exception now (real, protected or long mode). */
void cpu_deliver(struct cpu *c, int vec, bool has_err, uint32_t err, bool is_sw_int,
                 uint64_t next_rip);
void cpu_recompute_mode(struct cpu *c);

/* flags.c */
uint32_t cpu_get_eflags(struct cpu *c);
void cpu_set_eflags(struct cpu *c, uint32_t val, uint32_t writable);
bool cpu_cond(struct cpu *c, unsigned cc); /* Jcc condition 0-15 */
bool cpu_cf(struct cpu *c);
static inline void cc_set(struct cpu *c, enum cc_op op, unsigned size, uint64_t res,
                          uint64_t dst, uint64_t src)
{
    c->cc_op = op;
    c->cc_size = (uint8_t)size;
    c->cc_res = res;
    c->cc_dst = dst;
    c->cc_src = src;
}

/* ROL/ROR change only CF and OF.  Keep the flag state before them as a
 * snapshot (materialising it first if it is itself a rotate) instead of
 * computing all flags now. */
static inline void cc_rotate(struct cpu *c, enum cc_op op, bool cf, bool of)
{
    if (c->cc_op == CC_ROL || c->cc_op == CC_ROR) {
        uint32_t fl = cpu_get_eflags(c);
        c->cc_op = CC_EFLAGS;
        c->cc_src = fl & F_ARITH;
    }
    c->prev_op = (uint8_t)c->cc_op;
    c->prev_size = c->cc_size;
    c->prev_res = c->cc_res;
    c->prev_dst = c->cc_dst;
    c->prev_src = c->cc_src;
    c->prev_src2 = c->cc_src2;
    c->cc_op = op;
    c->cc_src2 = (cf ? F_CF : 0) | (of ? F_OF : 0);
}

/* mem.c: linear-address access with segmentation and paging.  `seg` is a
 * segment index (S_NONE: already linear).  Faults raise. */
uint64_t cpu_lin(struct cpu *c, int seg, uint64_t off, unsigned size, bool write);
uint8_t cpu_rd8(struct cpu *c, int seg, uint64_t off);
uint16_t cpu_rd16(struct cpu *c, int seg, uint64_t off);
uint32_t cpu_rd32(struct cpu *c, int seg, uint64_t off);
uint64_t cpu_rd64(struct cpu *c, int seg, uint64_t off);
void cpu_wr8(struct cpu *c, int seg, uint64_t off, uint8_t v);
void cpu_wr16(struct cpu *c, int seg, uint64_t off, uint16_t v);
void cpu_wr32(struct cpu *c, int seg, uint64_t off, uint32_t v);
void cpu_wr64(struct cpu *c, int seg, uint64_t off, uint64_t v);
uint64_t cpu_rd_slow(struct cpu *c, int seg, uint64_t off, unsigned size);
void cpu_wr_slow(struct cpu *c, int seg, uint64_t off, uint64_t v, unsigned size);
/* The read of a read-modify-write: faults as a write would. */
uint64_t cpu_rd_w(struct cpu *c, int seg, uint64_t off, unsigned size);
/* Accesses that ignore CPL (descriptor tables, TSS, IDT): "supervisor". */
uint64_t cpu_rd_sys(struct cpu *c, uint64_t lin, unsigned size);
void cpu_wr_sys(struct cpu *c, uint64_t lin, uint64_t v, unsigned size);
/* Translate a linear address for an access; returns physical or raises. */
uint64_t cpu_translate(struct cpu *c, uint64_t lin, int acc, bool user);
enum { ACC_R = 0, ACC_W = 1, ACC_X = 2 };
void cpu_tlb_flush(struct cpu *c, bool include_global);
void cpu_tlb_flush_page(struct cpu *c, uint64_t lin);
/* Fetch code bytes for the decoder (may straddle pages). */
int cpu_fetch(struct cpu *c, uint64_t lin, uint8_t *buf, unsigned len);

/* Register access helpers */
static inline uint64_t reg_read(const struct cpu *c, unsigned r, unsigned size, bool rex)
{
    if (size == 1 && !rex && r >= 4 && r < 8)
        return (c->regs[r - 4] >> 8) & 0xff; /* AH, CH, DH, BH */
    uint64_t v = c->regs[r];
    switch (size) {
    case 1: return v & 0xff;
    case 2: return v & 0xffff;
    case 4: return v & 0xffffffff;
    default: return v;
    }
}

static inline void reg_write(struct cpu *c, unsigned r, unsigned size, bool rex, uint64_t v)
{
    if (size == 1 && !rex && r >= 4 && r < 8) {
        c->regs[r - 4] = (c->regs[r - 4] & ~0xff00ULL) | ((v & 0xff) << 8);
        return;
    }
    switch (size) {
    case 1: c->regs[r] = (c->regs[r] & ~0xffULL) | (v & 0xff); break;
    case 2: c->regs[r] = (c->regs[r] & ~0xffffULL) | (v & 0xffff); break;
    case 4: c->regs[r] = v & 0xffffffff; break; /* zero-extends in 64-bit mode */
    default: c->regs[r] = v; break;
    }
}

/* A 48-bit canonical address: bits 63:47 all equal.  (Shift as unsigned:
 * left-shifting a negative signed value is undefined.) */
static inline bool is_canonical(uint64_t v)
{
    return (uint64_t)((int64_t)(v << 16) >> 16) == v;
}

static inline uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static inline int64_t sext(uint64_t v, unsigned size)
{
    switch (size) {
    case 1: return (int8_t)v;
    case 2: return (int16_t)v;
    case 4: return (int32_t)v;
    default: return (int64_t)v;
    }
}

/* Data accesses.  The inline part handles the common case of 64-bit code
 * touching a flat segment within one page that the TLB already maps for
 * this access; everything else (segmentation checks, page walks, MMIO,
 * code pages, page crossings) goes to the out-of-line path in mem.c. */
static inline uint8_t *cpu_fast_host(struct cpu *c, int seg, uint64_t off, unsigned size,
                                     bool write)
{
    if (!(c->mode & MODE_LONG64) || seg == S_FS || seg == S_GS ||
        ((off & 0xfff) + size) > 4096)
        return NULL;
    const struct tlb_entry *e = &c->tlb[c->cpl == 3][(off >> 12) & (TLB_SIZE - 1)];
    uint64_t tag = write ? e->tag_w : e->tag_r;
    if (tag != (off & ~0xfffULL)) /* also fails for non-canonical and slow pages */
        return NULL;
    return (uint8_t *)(uintptr_t)(off + e->addend);
}

static inline uint64_t cpu_rd(struct cpu *c, int seg, uint64_t off, unsigned size)
{
    uint8_t *p = cpu_fast_host(c, seg, off, size, false);
    if (likely(p)) {
        switch (size) {
        case 1: return *p;
        case 2: { uint16_t x; __builtin_memcpy(&x, p, 2); return x; }
        case 4: { uint32_t x; __builtin_memcpy(&x, p, 4); return x; }
        default: { uint64_t x; __builtin_memcpy(&x, p, 8); return x; }
        }
    }
    return cpu_rd_slow(c, seg, off, size);
}

static inline void cpu_wr(struct cpu *c, int seg, uint64_t off, uint64_t v, unsigned size)
{
    uint8_t *p = cpu_fast_host(c, seg, off, size, true);
    if (likely(p)) {
        switch (size) {
        case 1: *p = (uint8_t)v; return;
        case 2: { uint16_t x = (uint16_t)v; __builtin_memcpy(p, &x, 2); return; }
        case 4: { uint32_t x = (uint32_t)v; __builtin_memcpy(p, &x, 4); return; }
        default: __builtin_memcpy(p, &v, 8); return;
        }
    }
    cpu_wr_slow(c, seg, off, v, size);
}

/* Effective address of a ModRM memory operand (offset within its segment):
 * branch-free thanks to XR_ZERO / XR_RIP (see struct insn). */
static inline uint64_t insn_ea(const struct cpu *c, const struct insn *i)
{
    uint64_t ea = (uint64_t)i->disp + c->xregs[i->base] + (c->xregs[i->index] << i->scale);
    return i->adsize == 8 ? ea : ea & size_mask(i->adsize);
}

/* ModRM operand read/write (register or memory). */
static inline uint64_t rm_read(struct cpu *c, const struct insn *i, unsigned size)
{
    if (i->mod == 3)
        return reg_read(c, i->rm, size, i->rex);
    return cpu_rd(c, i->seg, insn_ea(c, i), size);
}

static inline void rm_write(struct cpu *c, const struct insn *i, unsigned size, uint64_t v)
{
    if (i->mod == 3)
        reg_write(c, i->rm, size, i->rex, v);
    else
        cpu_wr(c, i->seg, insn_ea(c, i), v, size);
}

/* Stack */
void cpu_push(struct cpu *c, uint64_t v, unsigned size);
uint64_t cpu_pop(struct cpu *c, unsigned size);
unsigned cpu_stack_size(const struct cpu *c); /* 2, 4 or 8 */

/* decode.c */
/* Decode one instruction at the current position; returns its length, or
 * raises #UD/#PF/#GP.  Fills *i. */
unsigned cpu_decode(struct cpu *c, uint64_t lin, struct insn *i);
/* Place a decoded record in its block: `off` bytes after the RIP sync
 * point (lazy RIP, fast.c).  Returns whether the record is a new sync
 * point (a generic handler, which advances RIP itself). */
bool cpu_insn_place(struct insn *i, unsigned off);

/* ports (cpu_io_in/out check IOPL and the TSS bitmap first; cpu_io_check
 * does only that, #GP(0) if the access is not allowed) */
void cpu_io_check(struct cpu *c, uint16_t port, unsigned size);
uint64_t cpu_io_in(struct cpu *c, uint16_t port, unsigned size);
void cpu_io_out(struct cpu *c, uint16_t port, unsigned size, uint64_t v);

/* segments (seg.c) */
void cpu_load_seg(struct cpu *c, int seg, uint16_t sel);  /* MOV/POP Sreg semantics */
void cpu_set_seg_real(struct cpu *c, int seg, uint16_t sel); /* real/VM86: base = sel<<4 */
void cpu_far_jump(struct cpu *c, uint16_t sel, uint64_t off, unsigned opsize, uint64_t next_rip);
void cpu_far_call(struct cpu *c, uint16_t sel, uint64_t off, unsigned opsize, uint64_t next_rip);
void cpu_far_ret(struct cpu *c, unsigned opsize, uint16_t pop_extra);
void cpu_iret(struct cpu *c, unsigned opsize);

/* msr.c */
bool cpu_rdmsr(struct cpu *c, uint32_t msr, uint64_t *val);
bool cpu_wrmsr(struct cpu *c, uint32_t msr, uint64_t val);
uint64_t cpu_rdtsc(struct cpu *c);
void cpu_cpuid(struct cpu *c, uint32_t leaf, uint32_t sub, uint32_t out[4]);

/* CR writes with their side effects (TLB flushes, mode changes). */
void cpu_set_cr0(struct cpu *c, uint64_t v);
void cpu_set_cr3(struct cpu *c, uint64_t v);
void cpu_set_cr4(struct cpu *c, uint64_t v);
void cpu_set_efer(struct cpu *c, uint64_t v);

/* Architectural reset (power-on/INIT) and boot state. */
void cpu_reset(struct cpu *c, bool init_only);
void cpu_apply_boot(struct cpu *c, const struct x86_boot_state *bs);

/* ops_system.c: run one instruction that starts with EFLAGS.TF set and
 * deliver the single-step #DB after it (for the run loop). */
void cpu_step_traced(struct cpu *c, const struct insn *i);

#endif
