/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ops.h: opcode descriptors.
 *
 * Each instruction-group file (ops_int.c, ops_string.c, ops_system.c,
 * fpu.c, sse.c, ...) exports one const `struct optable`: for each opcode map
 * (one-byte, 0F, 0F38, 0F3A) an optional 256-entry array of descriptors.  The
 * decoder looks an opcode up in every group's table in order and takes the
 * first that defines it.  Tables are const data: no registration, no global
 * mutable state.  Decoding happens once per cached block, so the extra
 * lookups cost nothing at run time. */
#ifndef CPU_SOFT_OPS_H
#define CPU_SOFT_OPS_H

#include "cpu/soft/cpu.h"

enum opflags {
    OPF_MODRM = 1 << 0,
    OPF_BYTE = 1 << 1,    /* operand size 1 */
    OPF_IMM8 = 1 << 2,    /* imm8 (sign-extended to opsize into imm) */
    OPF_IMMZ = 1 << 3,    /* imm16/imm32 (32 sign-extended in 64-bit mode) */
    OPF_IMMV = 1 << 4,    /* imm16/32/64 by operand size (MOV r, imm) */
    OPF_IMM16 = 1 << 5,   /* imm16 (RET imm16, ENTER first operand) */
    OPF_IMM8U = 1 << 6,   /* imm8 zero-extended (IN/OUT port, INT n, ENTER level) */
    OPF_REL8 = 1 << 7,    /* rel8 into imm (sign-extended) */
    OPF_RELZ = 1 << 8,    /* rel16/rel32 into imm (sign-extended) */
    OPF_DEF64 = 1 << 9,   /* 64-bit default operand size in 64-bit mode */
    OPF_NO64 = 1 << 10,   /* #UD in 64-bit mode */
    OPF_END = 1 << 11,    /* ends the block (branch, mode change, I/O with side effects) */
    OPF_MOFFS = 1 << 12,  /* moffs address (address-size wide) into disp */
    OPF_FAR = 1 << 13,    /* ptr16:16/32 into imm (offset) and imm2 (selector) */
    OPF_GROUP = 1 << 14,  /* ModRM.reg selects group[reg] */
    OPF_SSE = 1 << 15,    /* mandatory prefix selects sse[none, 66, F3, F2] */
    OPF_FORCE64 = 1 << 16,/* operand size always 64 in 64-bit mode (near branches) */
    OPF_MEMONLY = 1 << 17,/* ModRM mod 3 is #UD */
    OPF_REGONLY = 1 << 18,/* ModRM mod != 3 is #UD */
    OPF_LOCKOK = 1 << 19, /* LOCK prefix allowed (with a memory operand) */
    OPF_GROUPRM = 1 << 20,/* with OPF_GROUP: for mod 3, group2[rm] (0F 01 forms) */
    OPF_IMM8X = 1 << 21,  /* an extra imm8 after other immediates (SSE shuffles, ENTER) */
    OPF_STRING = 1 << 22, /* string instruction: REP prefixes meaningful */
    OPF_FORCEREG = 1 << 23, /* ModRM always names registers (MOV CR/DR): mod is ignored */
};

/* A fast-path selector (fast.c): after decoding, may return a specialised
 * threaded entry (insn.run) for this instruction's shape in this mode (and
 * set up the record for it), or NULL to keep the generic handler's. */
typedef insn_fn *fast_sel(struct insn *i, uint32_t mode);

struct opdesc {
    insn_fn *fn;
    fast_sel *fast;
    uint32_t flags;
    uint8_t aux;                   /* copied to insn.aux */
    const struct opdesc *group;    /* OPF_GROUP: 8 entries indexed by ModRM.reg */
    const struct opdesc *group2;   /* OPF_GROUPRM: 8 entries for mod 3, by rm */
    const struct opdesc *sse;      /* OPF_SSE: 4 entries: none, 66, F3, F2 */
};

struct optable {
    const char *name;
    const struct opdesc *map[4]; /* each NULL or 256 entries */
};

/* The groups, in lookup order (decode.c lists them). */
extern const struct optable ops_int_table;
extern const struct optable ops_string_table;
extern const struct optable ops_system_table;
extern const struct optable ops_fpu_table;
extern const struct optable ops_sse_table;

/* fast.c: selectors for the integer group's hot instructions. */
fast_sel fast_alu, fast_grp1, fast_test, fast_incdec, fast_mov, fast_movx, fast_movsxd,
    fast_lea, fast_shift, fast_imul, fast_jcc, fast_branch, fast_stack, fast_nop, fast_cmov,
    fast_setcc, fast_grp3;
/* A fast CMP/TEST/SUB/AND (register or immediate operand) followed by a
 * fast Jcc in the same block: a handler doing both (it runs in place of
 * the first and ends the block), or NULL. */
insn_fn *fast_fuse(const struct insn *i, const struct insn *j);

/* Handlers every group may use. */
insn_fn op_ud;     /* #UD */
insn_fn op_nop;
/* The threaded entry of a generic handler: bring RIP up to date (lazy RIP,
 * fast.c), fn, then the next instruction.  _last: a branch's, which ends
 * the block. */
insn_fn insn_run_generic, insn_run_generic_last;
/* A fast handler's hand-over to the generic one (not a branch): as
 * insn_run_generic, but RIP goes back to the sync point afterwards, where
 * the following fast records count from. */
insn_fn insn_run_fallback;
/* The threaded entry after a block's last instruction: back to the run loop. */
insn_fn insn_block_end;

/* Threaded dispatch inside a block (soft.c run_blocks): each instruction's
 * `run` entry does its work and then calls the next record's, in tail
 * position, so each handler has its own indirect jump (better predicted
 * than one shared call site).  A block ends with a record whose `run` is
 * insn_block_end.  stop_block is only ever set by generic handlers (and
 * the slow memory paths only they take): their entry, insn_run_generic,
 * checks it and stops, recording where in c->stop_at. */
static inline void insn_next(struct cpu *c, const struct insn *i)
{
    const struct insn *n = i + 1;
    n->run(c, n);
}

static inline void insn_next_checked(struct cpu *c, const struct insn *i)
{
    if (unlikely(c->stop_block)) {
        c->stop_at = i;
        return;
    }
    insn_next(c, i);
}

/* Advance RIP past the instruction (non-branch handlers end with this). */
static inline void next(struct cpu *c, const struct insn *i)
{
    c->rip += i->len;
    if (!(c->mode & MODE_LONG64))
        c->rip &= (c->mode & MODE_CS32) ? 0xffffffffULL : 0xffffULL;
}

/* Address-size wrap of an offset (16/32/64). */
static inline uint64_t addr_mask(unsigned adsize, uint64_t v)
{
    return adsize == 8 ? v : v & size_mask(adsize);
}

#endif
