/* SPDX-License-Identifier: GPL-2.0-or-later */
/* decode.c: x86 instruction decoding into struct insn.
 *
 * Follows the Intel SDM Vol. 2, chapter 2 "Instruction Format": legacy
 * prefixes (groups 1-4), REX in 64-bit mode (only immediately before the
 * opcode), the one-byte, 0F, 0F38 and 0F3A maps, ModRM/SIB with 16- and
 * 32/64-bit addressing, RIP-relative addressing, displacements and
 * immediates.  The 15-byte limit raises #GP.  VEX/EVEX are not decoded
 * (AVX is not advertised), so C4/C5 are LES/LDS outside 64-bit mode and #UD
 * inside it.
 *
 * Threat model: the guest controls every byte; the decoder reads at most 15
 * bytes through cpu_fetch (which faults like an instruction fetch) and every
 * table index is a byte. */
#include <string.h>
#include "cpu/soft/ops.h"

static const struct optable *const tables[] = {
    &ops_int_table, &ops_string_table, &ops_system_table, &ops_fpu_table, &ops_sse_table,
};

static const struct opdesc *lookup(unsigned map, uint8_t op)
{
    for (size_t t = 0; t < ARRAY_SIZE(tables); t++) {
        const struct opdesc *m = tables[t]->map[map];
        if (m && (m[op].fn || m[op].group || m[op].sse))
            return &m[op];
    }
    return NULL;
}

struct stream {
    struct cpu *c;
    uint64_t lin;
    uint8_t buf[16];
    unsigned have, pos;
};

static uint8_t next_byte(struct stream *s)
{
    if (s->pos >= 15)
        cpu_gp0(s->c); /* instruction longer than 15 bytes */
    if (s->pos >= s->have) {
        /* Fetch lazily, one byte at a time only across a page end. */
        unsigned want = 16 - s->have;
        uint64_t page_left = 4096 - ((s->lin + s->have) & 4095);
        if (want > page_left)
            want = (unsigned)page_left;
        cpu_fetch(s->c, s->lin + s->have, s->buf + s->have, want);
        s->have += want;
    }
    return s->buf[s->pos++];
}

static uint64_t next_le(struct stream *s, unsigned n)
{
    uint64_t v = 0;
    for (unsigned k = 0; k < n; k++)
        v |= (uint64_t)next_byte(s) << (8 * k);
    return v;
}

/* 16-bit ModRM addressing: base/index pairs from the SDM table 2-1. */
static void modrm16(struct stream *s, struct insn *i, unsigned mod, unsigned rm)
{
    static const uint8_t base16[8] = { R_BX, R_BX, R_BP, R_BP, R_SI, R_DI, R_BP, R_BX };
    static const uint8_t index16[8] = { R_SI, R_DI, R_SI, R_DI, XR_ZERO, XR_ZERO, XR_ZERO,
                                        XR_ZERO };
    i->base = base16[rm];
    i->index = index16[rm];
    i->scale = 0;
    if (mod == 0 && rm == 6) {
        i->base = XR_ZERO;
        i->disp = (int16_t)next_le(s, 2);
    } else if (mod == 1) {
        i->disp = (int8_t)next_byte(s);
    } else if (mod == 2) {
        i->disp = (int16_t)next_le(s, 2);
    }
    if (i->base == R_BP && i->seg == S_NONE)
        i->seg = S_SS;
}

static void modrm32(struct stream *s, struct insn *i, unsigned mod, unsigned rm, bool long64)
{
    unsigned rex_b = (i->rex & 1) << 3, rex_x = (i->rex & 2) << 2;
    i->index = XR_ZERO;
    i->scale = 0;
    if (rm == 4) {
        uint8_t sib = next_byte(s);
        unsigned idx = ((sib >> 3) & 7) | rex_x;
        unsigned base = sib & 7;
        i->scale = sib >> 6;
        i->index = idx == 4 ? XR_ZERO : (uint8_t)idx; /* index 4 (no REX.X) means none */
        if (base == 5 && mod == 0) {
            i->base = XR_ZERO;
            i->disp = (int32_t)next_le(s, 4);
        } else {
            i->base = (uint8_t)(base | rex_b);
        }
    } else if (rm == 5 && mod == 0) {
        i->base = long64 ? XR_RIP : XR_ZERO; /* disp gets the length added at the end */
        i->disp = (int32_t)next_le(s, 4);
        i->rip_rel = long64;
    } else {
        i->base = (uint8_t)(rm | rex_b);
    }
    if (mod == 1)
        i->disp = (int8_t)next_byte(s);
    else if (mod == 2)
        i->disp = (int32_t)next_le(s, 4);
    if (i->seg == S_NONE && (i->base == R_SP || i->base == R_BP))
        i->seg = S_SS;
}

static void decode_modrm(struct stream *s, struct insn *i, bool long64)
{
    uint8_t modrm = next_byte(s);
    unsigned mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;
    i->mod = (uint8_t)mod;
    i->reg = (uint8_t)(reg | ((i->rex & 4) << 1));
    if (mod == 3) {
        i->rm = (uint8_t)(rm | ((i->rex & 1) << 3));
        return;
    }
    i->rm = (uint8_t)rm;
    if (i->adsize == 2)
        modrm16(s, i, mod, rm);
    else
        modrm32(s, i, mod, rm, long64);
}

/* Operand size from the mode, prefixes and descriptor flags. */
static unsigned operand_size(const struct insn *i, uint32_t flags, bool long64, bool cs32,
                             bool p66)
{
    if (flags & OPF_BYTE)
        return 1;
    if (long64) {
        if (flags & OPF_FORCE64)
            return 8;
        if (i->rex & 8)
            return 8;
        if (p66)
            return 2;
        return (flags & OPF_DEF64) ? 8 : 4;
    }
    return (cs32 ^ p66) ? 4 : 2;
}

static void immediates(struct stream *s, struct insn *i, uint32_t flags)
{
    unsigned z = i->opsize == 2 ? 2 : 4;
    if (flags & OPF_IMM8)
        i->imm = (uint64_t)(int64_t)(int8_t)next_byte(s);
    else if (flags & OPF_IMM8U)
        i->imm = next_byte(s);
    else if (flags & OPF_IMMZ)
        i->imm = z == 2 ? (uint64_t)(int64_t)(int16_t)next_le(s, 2)
                        : (uint64_t)(int64_t)(int32_t)next_le(s, 4);
    else if (flags & OPF_IMMV)
        i->imm = next_le(s, i->opsize);
    else if (flags & OPF_IMM16)
        i->imm = next_le(s, 2);
    else if (flags & OPF_REL8)
        i->imm = (uint64_t)(int64_t)(int8_t)next_byte(s);
    else if (flags & OPF_RELZ)
        i->imm = z == 2 ? (uint64_t)(int64_t)(int16_t)next_le(s, 2)
                        : (uint64_t)(int64_t)(int32_t)next_le(s, 4);
    else if (flags & OPF_MOFFS)
        i->disp = (int64_t)next_le(s, i->adsize);
    else if (flags & OPF_FAR) {
        i->imm = next_le(s, z);
        i->imm2 = next_le(s, 2);
    }
    if (flags & OPF_IMM8X)
        i->imm2 = next_byte(s);
}

/* Resolve SSE mandatory prefixes and groups down to the final descriptor. */
static const struct opdesc *resolve(struct stream *s, struct insn *i, const struct opdesc *d,
                                    bool long64, uint8_t last_mand)
{
    if (d->flags & OPF_SSE) {
        unsigned k = last_mand == 0x66 ? 1 : last_mand == 0xf3 ? 2 : last_mand == 0xf2 ? 3 : 0;
        i->pfx66 = last_mand;
        const struct opdesc *e = &d->sse[k];
        if (!e->fn && !e->group)
            return NULL;
        /* The mandatory prefix does not change the operand size. */
        d = e;
    }
    if (d->flags & OPF_FORCEREG) {
        /* MOV to/from CR/DR: the hardware treats mod as 11 whatever it is. */
        uint8_t modrm = next_byte(s);
        i->mod = 3;
        i->reg = (uint8_t)(((modrm >> 3) & 7) | ((i->rex & 4) << 1));
        i->rm = (uint8_t)((modrm & 7) | ((i->rex & 1) << 3));
    } else if (d->flags & (OPF_MODRM | OPF_GROUP)) {
        decode_modrm(s, i, long64);
    }
    if (d->flags & OPF_GROUP) {
        if ((d->flags & OPF_GROUPRM) && i->mod == 3 && d->group2) {
            const struct opdesc *g2 = &d->group2[i->reg & 7];
            /* 0F 01 /r with mod 3: the rm field selects among forms; the
             * second-level table is indexed by rm. */
            if (!g2->group)
                return g2->fn ? g2 : NULL;
            d = &g2->group[i->rm & 7];
        } else {
            d = &d->group[i->reg & 7];
        }
        if (!d->fn)
            return NULL;
    }
    return d;
}

unsigned cpu_decode(struct cpu *c, uint64_t lin, struct insn *i)
{
    struct stream s = { .c = c, .lin = lin };
    bool long64 = c->mode & MODE_LONG64, cs32 = c->mode & MODE_CS32;
    bool p66 = false, p67 = false;
    uint8_t f2f3 = 0, b; /* the last of F2/F3: it beats 66 as a mandatory prefix */
    memset(i, 0, sizeof(*i));
    i->seg = S_NONE;
    i->base = i->index = XR_ZERO;

    for (;;) {
        b = next_byte(&s);
        switch (b) {
        case 0x66: p66 = true; i->rex = 0; continue;
        case 0x67: p67 = true; i->rex = 0; continue;
        case 0xf0: i->lock = 1; i->rex = 0; continue;
        case 0xf2: case 0xf3: i->rep = b; f2f3 = b; i->rex = 0; continue;
        case 0x26: case 0x2e: case 0x36: case 0x3e:
            if (!long64)
                i->seg = (uint8_t)((b >> 3) & 3); /* ES, CS, SS, DS */
            i->rex = 0;
            continue;
        case 0x64: i->seg = S_FS; i->rex = 0; continue;
        case 0x65: i->seg = S_GS; i->rex = 0; continue;
        default: break;
        }
        if (long64 && (b & 0xf0) == 0x40) {
            i->rex = b; /* REX counts only immediately before the opcode */
            continue;
        }
        break;
    }

    unsigned map = 0;
    if (b == 0x0f) {
        b = next_byte(&s);
        map = 1;
        if (b == 0x38 || b == 0x3a) {
            map = b == 0x38 ? 2 : 3;
            b = next_byte(&s);
        }
    }
    i->op = b;
    i->map = (uint8_t)map;
    i->adsize = long64 ? (p67 ? 4 : 8) : ((cs32 ^ p67) ? 4 : 2);

    const struct opdesc *d = lookup(map, b);
    if (!d)
        cpu_ud(c);
    if ((d->flags & OPF_NO64) && long64)
        cpu_ud(c);
    /* Operand size is needed by group decoding only through flags of the
     * resolved entry; the top-level flags decide default-64 behaviour. */
    uint32_t top_flags = d->flags;
    uint8_t mand = f2f3 ? f2f3 : p66 ? 0x66 : 0;
    d = resolve(&s, i, d, long64, (d->flags & OPF_SSE) ? mand : 0);
    if (!d)
        cpu_ud(c);
    uint32_t flags = d->flags | (top_flags & (OPF_DEF64 | OPF_FORCE64 | OPF_BYTE));
    if ((flags & OPF_MEMONLY) && i->mod == 3)
        cpu_ud(c);
    if ((flags & OPF_REGONLY) && i->mod != 3 && (flags & (OPF_MODRM | OPF_GROUP)))
        cpu_ud(c);
    if (i->lock && (!(flags & OPF_LOCKOK) || i->mod == 3))
        cpu_ud(c);
    i->opsize = (uint8_t)operand_size(i, flags, long64, cs32, p66 && !(top_flags & OPF_SSE));
    immediates(&s, i, flags);
    if (i->seg == S_NONE)
        i->seg = S_DS;
    i->fn = d->fn;
    i->run = insn_run_generic;
    i->aux = d->aux;
    i->end = !!(flags & OPF_END);
    i->len = (uint8_t)s.pos;
    if (i->rip_rel)
        i->disp += s.pos; /* relative to the next instruction */
    if (d->fast && !c->fast_off) {
        insn_fn *f = d->fast(i, c->mode);
        if (f) {
            i->run = f;
            if (!i->end)
                i->imm2 = (uint64_t)i->disp; /* the displacement fast handlers use */
            /* The CPL is part of the block key: the TLB to use is fixed. */
            i->tlb_off = (c->mode & MODE_CPL3) ? offsetof(struct cpu, tlb[1])
                                               : offsetof(struct cpu, tlb[0]);
        }
    }
    return s.pos;
}

/* ---- handlers every group may use ---- */

void op_ud(struct cpu *c, const struct insn *i)
{
    (void)i;
    cpu_ud(c);
}

void op_nop(struct cpu *c, const struct insn *i)
{
    next(c, i);
}

bool cpu_insn_place(struct insn *i, unsigned off)
{
    i->off = (uint16_t)off;
    if (i->run == insn_run_generic)
        return true;
    if (i->end) {
        /* Fast branches: taken and fall-through RIP from the sync point. */
        i->disp += off;
        i->imm2 += off;
    } else if (i->rip_rel) {
        i->imm2 += off;
    }
    return false;
}

void insn_run_generic(struct cpu *c, const struct insn *i)
{
    c->rip += i->off;
    i->fn(c, i);
    insn_next_checked(c, i);
}

void insn_run_fallback(struct cpu *c, const struct insn *i)
{
    c->rip += i->off;
    i->fn(c, i);
    if (unlikely(c->stop_block)) {
        c->stop_at = i; /* RIP is right: the generic handler moved it */
        return;
    }
    /* The instructions fast handlers do complete by advancing RIP by
     * their length (a fault does not return here). */
    c->rip -= i->off + i->len;
    insn_next(c, i);
}

void insn_run_generic_last(struct cpu *c, const struct insn *i)
{
    c->rip += i->off;
    i->fn(c, i);
}

/* After a block's last instruction: RIP is the sync point plus the bytes
 * of fast instructions since (0 after a generic or a branch). */
void insn_block_end(struct cpu *c, const struct insn *i)
{
    c->rip += i->off;
}
