/* SPDX-License-Identifier: GPL-2.0-or-later */
/* softcpu.h: run code snippets on the soft CPU in tests.
 *
 * A bare machine (RAM only, no devices unless the test maps some) with one
 * soft vCPU set up in real mode, flat 32-bit protected mode, or 64-bit long
 * mode with the first 4 GiB identity-mapped.  Code is given as GNU assembler
 * text (assembled with `as` at test time) or as bytes, loaded at CODE_ADDR,
 * and run until HLT. */
#ifndef TESTS_SUPPORT_SOFTCPU_H
#define TESTS_SUPPORT_SOFTCPU_H

#include "cpu/soft/soft.h"

enum st_mode { ST_REAL, ST_PROT32, ST_LONG64 };
enum st_result { ST_HALTED, ST_BUDGET, ST_SHUTDOWN };

#define ST_CODE_ADDR 0x10000ULL /* real mode: CS = 0x1000, IP = 0 */
#define ST_STACK_TOP 0x80000ULL /* real mode: SS = 0x7000, SP = 0xfff0 */
#define ST_DATA_ADDR 0x40000ULL

struct soft_test {
    struct machine *m;
    struct soft *s;
    struct cpu *c;
    enum st_mode mode;
};

struct soft_test *st_new(enum st_mode mode);
void st_free(struct soft_test *st);
/* Assemble `src` for the test's mode and load it at ST_CODE_ADDR (g_assert
 * on assembler errors).  The mode's .code16/.code32/.code64 is implied. */
void st_asm(struct soft_test *st, const char *src);
void st_load(struct soft_test *st, uint64_t addr, const void *bytes, size_t len);
/* Run from the entry state until HLT, a shutdown, or max_insns. */
enum st_result st_run(struct soft_test *st, uint64_t max_insns);
/* Assemble, run to HLT (asserting it halted) in one go. */
void st_exec(struct soft_test *st, const char *src);
uint64_t st_flags(struct soft_test *st);

/* Guest-physical memory of the test machine. */
static inline void st_wr64(struct soft_test *st, uint64_t pa, uint64_t v) { st_load(st, pa, &v, 8); }
static inline void st_wr32(struct soft_test *st, uint64_t pa, uint32_t v) { st_load(st, pa, &v, 4); }
static inline uint64_t st_rd64(struct soft_test *st, uint64_t pa)
{
    uint64_t v = 0;
    machine_read_phys(st->m, pa, &v, 8);
    return v;
}
static inline uint32_t st_rd32(struct soft_test *st, uint64_t pa)
{
    uint32_t v = 0;
    machine_read_phys(st->m, pa, &v, 4);
    return v;
}

/* An 8-byte segment descriptor (access = bits 40-47, flags = G/DB/L/AVL
 * nibble) and a 16/32-bit gate descriptor (SDM Vol. 3A 3.4.5, 5.8.3). */
static inline uint64_t st_desc(uint32_t base, uint32_t limit, unsigned access, unsigned flags)
{
    return (limit & 0xffffULL) | ((uint64_t)(base & 0xffffff) << 16) | ((uint64_t)access << 40) |
           ((uint64_t)((limit >> 16) & 0xf) << 48) | ((uint64_t)flags << 52) |
           ((uint64_t)(base >> 24) << 56);
}
static inline uint64_t st_gate(uint16_t sel, uint32_t off, unsigned type, unsigned dpl,
                               unsigned params)
{
    return (off & 0xffffULL) | ((uint64_t)sel << 16) | ((uint64_t)params << 32) |
           ((uint64_t)(type | dpl << 5 | 0x80) << 40) | ((uint64_t)(off >> 16) << 48);
}

#endif
