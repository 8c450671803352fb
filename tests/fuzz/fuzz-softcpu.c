/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-softcpu.c: random bytes as code for the soft CPU.
 *
 * The input is a program for a bare machine (tests/support/softcpu.h) in
 * real mode, flat 32-bit protected mode or 64-bit long mode, run for a
 * budget of instructions.  Whatever the bytes do -- fault, triple-fault,
 * reprogram the MMU or the descriptor tables, write over their own code,
 * touch unmapped memory or ports -- the soft CPU must only do what a CPU
 * would: guest exceptions, shutdowns, HLT; never crash, hang or trip a
 * sanitizer.
 *
 * Input layout:
 *   byte 0      bits 0-1: mode (0 real, 1 32-bit, 2 and 3 64-bit)
 *               bit 2:    install an IDT/IVT whose entries point into the
 *                         code, so exceptions and INT n re-enter it
 *               bit 3:    the next 128 bytes are the initial GPRs
 *   [128 bytes] RAX..R15 (little-endian), RSP kept inside RAM
 *   the rest    code at ST_CODE_ADDR (up to 16 KiB), also copied to the
 *               data area so memory operands read code-like bytes */
#include <string.h>
#include "tests/support/softcpu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CODE (16 * 1024)
#define BUDGET 5000
#define TABLE_ADDR 0x8000ULL /* IDT (protected/long mode) */

/* Gates for all 256 vectors pointing at offsets inside the code. */
static void install_idt(struct soft_test *st, size_t len)
{
    struct cpu *c = st->c;
    uint8_t gate[16];
    if (st->mode == ST_REAL) {
        /* IVT at 0: CS = code segment, IP = some offset in the code */
        for (unsigned v = 0; v < 256; v++) {
            uint16_t ip = (uint16_t)((v * 7u) % len);
            st16(gate, ip);
            st16(gate + 2, (uint16_t)(ST_CODE_ADDR >> 4));
            st_load(st, 4 * v, gate, 4);
        }
        return;
    }
    bool lm = st->mode == ST_LONG64;
    unsigned gsize = lm ? 16 : 8;
    for (unsigned v = 0; v < 256; v++) {
        uint64_t h = ST_CODE_ADDR + (v * 7u) % len;
        memset(gate, 0, sizeof(gate));
        st16(gate, (uint16_t)h);
        st16(gate + 2, c->seg[S_CS].sel);
        gate[5] = (uint8_t)(v & 1 ? 0xef : 0x8e); /* trap gates DPL 3 on odd vectors */
        st16(gate + 6, (uint16_t)(h >> 16));
        st_load(st, TABLE_ADDR + gsize * v, gate, gsize);
    }
    c->idt.base = TABLE_ADDR;
    c->idt.limit = (uint16_t)(256 * gsize - 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum st_mode modes[4] = { ST_REAL, ST_PROT32, ST_LONG64, ST_LONG64 };
    if (size < 2)
        return 0;
    uint8_t ctl = data[0];
    data++;
    size--;
    struct soft_test *st = st_new(modes[ctl & 3]);
    struct cpu *c = st->c;
    if ((ctl & 8) && size >= 128) {
        for (unsigned r = 0; r < 16; r++)
            c->regs[r] = ld64(data + 8 * r);
        /* a stack somewhere in the first 16 MiB of RAM */
        c->regs[R_SP] = (c->regs[R_SP] & 0xfffff0) | 0x100000;
        if (st->mode == ST_REAL)
            c->regs[R_SP] &= 0xfffe;
        if (st->mode != ST_LONG64)
            for (unsigned r = 0; r < 8; r++)
                c->regs[r] &= 0xffffffff;
        data += 128;
        size -= 128;
    }
    size_t len = MIN(size, (size_t)MAX_CODE);
    if (len) {
        st_load(st, ST_CODE_ADDR, data, len);
        st_load(st, ST_DATA_ADDR, data, len);
        if (ctl & 4)
            install_idt(st, len);
        /* Not st_run(): it counts retired instructions, and a guest that
         * only takes exceptions (a fault whose handler faults again,
         * forever) retires none.  soft_run_cpu() counts deliveries too. */
        for (int round = 0; round < 4 && !c->halted; round++) {
            soft_run_cpu(c, BUDGET / 4);
            if (atomic_load(&st->m->requests) & REQ_RESET)
                break; /* shutdown (triple fault) */
        }
    }
    st_free(st);
    return 0;
}
