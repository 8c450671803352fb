/* SPDX-License-Identifier: GPL-2.0-or-later */
/* diffgen.h: deterministic pseudo-random x86 test cases for differential
 * testing of the soft CPU against hardware (tests/machine/test-softcpu-diff.c).
 *
 * A case is an initial state (general registers, arithmetic flags and DF, a
 * scratch memory area, an x87/SSE image for the FP groups) and a short body
 * of instructions (1-3 slots, some of them short sequences) drawn from one
 * instruction group.  The generator knows, per instruction, which flags the
 * Intel SDM leaves undefined (e.g. AF after logic ops, OF after multi-bit
 * shifts, SF/ZF/AF/PF after MUL) and accumulates them into the case's
 * undef_flags, which the comparison ignores.  It never emits an instruction
 * whose result is architecturally undefined or which would fault (divisors
 * and dividends are chosen so DIV/IDIV never raise #DE; memory operands
 * always land in the case's scratch area), and never lets an instruction
 * read a flag that an earlier instruction of the case left undefined.
 *
 * The encoder (dg_encode) is a small table-free x86 encoder for the forms
 * the generator uses: legacy prefixes, REX, 0F/0F38/0F3A maps, ModRM, SIB,
 * disp8/disp32, RIP-relative, immediates.  32-bit cases run in
 * compatibility mode (no REX, 32-bit addressing).
 *
 * DG_EMULATED_32: the reference for 32-bit cases is not the CPU itself:
 * the KVM here (kvm_pvm) executes only 64-bit user code natively and runs
 * compatibility mode through KVM's instruction emulator, which lacks
 * MOVBE, POPCNT, LZCNT and ENTER (#UD) and CMPXCHG16B; 32-bit cases
 * never use them. */
#ifndef TESTS_SUPPORT_DIFFGEN_H
#define TESTS_SUPPORT_DIFFGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- encoder ---- */

#define DG_NOREG 0xff
/* Register numbers: 0-15 are RAX..R15 (as byte registers AL..R15B, with 4-7
 * meaning SPL..DIL, which need a REX prefix); DG_AH..DG_BH are the legacy
 * high-byte registers (not encodable together with REX). */
enum { DG_AH = 16, DG_CH, DG_DH, DG_BH };

struct dg_mem {
    uint8_t base, index; /* register or DG_NOREG */
    uint8_t scale;       /* log2 of the scale: 0-3 */
    uint8_t dispsz;      /* 0, 1 or 4 bytes of displacement (base forms) */
    int32_t disp;
    bool rip;            /* [rip + disp32] reaching `target` (64-bit mode) */
    bool addr32;         /* 67 prefix in 64-bit mode */
    uint8_t seg;         /* segment-override prefix (0x64 FS, 0x65 GS) or 0 */
    uint64_t target;     /* rip: the absolute address reached */
};

struct dg_enc {
    uint8_t pfx[4];      /* legacy prefixes emitted first (LOCK, REP, segment) */
    uint8_t npfx;
    uint8_t mand;        /* mandatory prefix (66, F2, F3) after 66/67, or 0 */
    uint8_t opsize;      /* 2: 66 prefix; 8: REX.W; 1 or 4: neither */
    uint8_t map;         /* 0 one-byte, 1 0F, 2 0F38, 3 0F3A */
    uint8_t op;
    uint8_t opreg;       /* +r opcodes: the register folded into op, else DG_NOREG */
    bool opreg_byte;
    bool modrm;
    uint8_t reg;         /* ModRM.reg: a register (reg_is_reg) or the /digit */
    bool reg_is_reg, reg_byte;
    bool rm_mem;         /* ModRM.rm is memory (m) or register (rm) */
    uint8_t rm;
    bool rm_byte;
    struct dg_mem m;
    uint8_t immsz, imm2sz; /* 0, 1, 2, 4 or 8 */
    uint64_t imm, imm2;
};

/* Encode for 32- or 64-bit code at guest address addr (used for
 * RIP-relative operands).  Returns the length, or 0 if the form cannot be
 * encoded (e.g. AH together with REX, R8 in 32-bit code, > 15 bytes). */
size_t dg_encode(const struct dg_enc *e, unsigned bits, uint64_t addr, uint8_t *out);

/* ---- cases ---- */

enum dg_group {
    DG_ALU,    /* ADD OR ADC SBB AND SUB XOR CMP TEST INC DEC NEG NOT */
    DG_SHIFT,  /* ROL ROR RCL RCR SHL SHR SAR by 1, CL, imm8 */
    DG_MULDIV, /* MUL IMUL (1/2/3 operands) DIV IDIV */
    DG_MOV,    /* MOV forms, MOVZX MOVSX MOVSXD, CBW.., CWD.., XLAT */
    DG_LEA,    /* LEA with every addressing form */
    DG_COND,   /* SETcc CMOVcc Jcc JMP LOOPcc JrCXZ after flag-setting ops */
    DG_XCHG,   /* XCHG XADD CMPXCHG CMPXCHG8B/16B BSWAP MOVBE */
    DG_BITS,   /* BT BTS BTR BTC BSF BSR POPCNT LZCNT */
    DG_SHIFTD, /* SHLD SHRD */
    DG_FLAGS,  /* CLC STC CMC CLD STD LAHF SAHF PUSHF POPF */
    DG_STACK,  /* PUSH POP (reg, imm, mem) CALL RET ENTER LEAVE */
    DG_STRING, /* MOVS CMPS STOS LODS SCAS with and without REP */
    DG_BCD,    /* DAA DAS AAA AAS AAM AAD (32-bit only) */
    DG_FAULT,  /* exceptions: #DE #UD #GP #SS #PF #BP #DB, privileged insns at CPL 3 */
    DG_SSE,    /* SSE/SSE2/SSE3/SSSE3: moves, packed integer, FP, conversions, MXCSR */
    DG_X87,    /* x87: loads, stores, arithmetic, compares, FCMOV, control, transcendentals */
    DG_SMC,    /* self-modifying code: a store into the next instructions' bytes */
    DG_NGROUPS
};

struct dg_group_info {
    const char *name;
    bool in64, in32; /* the modes the group runs in */
    bool fp;         /* cases carry x87/SSE state (struct dg_case.fx) */
};
const struct dg_group_info *dg_group_info(enum dg_group g);

/* Pages the runner maps specially (2 MiB each, inside the guest's RAM),
 * for page faults: not present, read-only, supervisor-only.  The 4 KiB
 * below DG_HOLE_NP are shared by all cases (string instructions running
 * into the hole write there). */
#define DG_HOLE_NP 0x3e00000ULL
#define DG_HOLE_RO 0x3c00000ULL
#define DG_HOLE_SUP 0x3a00000ULL

/* FS and GS bases the runner sets (memory operands with FS/GS overrides
 * subtract them; the 64-bit GS base makes the address wrap around). */
#define DG_FS_BASE 0xf00000ULL
#define DG_GS_BASE64 0x7fff00000000ULL
#define DG_GS_BASE32 0x90000000ULL

/* Scratch area of a case: data at [0, DG_DATA), stack above it. */
#define DG_SCRATCH 2048
#define DG_DATA 1024
#define DG_BASE_OFF 512   /* the base register points here */
#define DG_STACK_OFF 1536 /* initial RSP */
#define DG_MAX_BODY 64
#define DG_MAX_INSNS 8

struct dg_insn_rec {
    uint8_t off, len;
    const char *mnem; /* objdump (Intel syntax) mnemonic; '|' separates alternatives */
    char form[28];    /* e.g. "shl r/m32,cl" for reports */
};

struct dg_case {
    unsigned bits;         /* 64 or 32 */
    enum dg_group group;
    uint64_t regs[16];     /* initial GPRs (RSP included; 32-bit: 0-7 used) */
    uint32_t flags;        /* initial EFLAGS: arithmetic flags, DF, bit 1 */
    uint32_t undef_flags;  /* flags architecturally undefined at the end */
    uint8_t base;          /* the register pointing at scratch + DG_BASE_OFF */
    /* fp groups: the initial FXSAVE image (64-bit layout, 16-byte aligned
     * when placed), loaded with FXRSTOR64 before the body; FSW bits the
     * body leaves undefined (C0-C3 after most x87 arithmetic). */
    uint8_t fx[512];
    uint16_t fsw_undef;
    bool faults;           /* the last instruction may raise an exception */
    const char *kind;      /* a finer class for some cases ("tf", "pf-split"...) or NULL */
    uint8_t scratch[DG_SCRATCH];
    uint8_t body[DG_MAX_BODY];
    size_t body_len;
    unsigned ninsns;
    struct dg_insn_rec insn[DG_MAX_INSNS];
};

/* Generate a case of group g for `bits` from seed (the same arguments give
 * the same case).  scratch_addr is where the scratch area will live in
 * guest memory (16-byte aligned, below 2 GiB) and body_addr where the
 * body's first byte will be.  The code runs at CPL 3 with IOPL 0. */
void dg_generate(struct dg_case *c, enum dg_group g, unsigned bits, uint64_t seed,
                 uint64_t scratch_addr, uint64_t body_addr);

/* "add r/m32,imm8; jne +3; ..." */
void dg_describe(const struct dg_case *c, char *buf, size_t size);

#endif
