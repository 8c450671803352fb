/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <glib.h>
#include "cpu/accel.h"
#include "tests/support/board.h"

struct machine *tb_machine(uint64_t ram, unsigned cpus, const struct accel_ops *accel)
{
    char *err = NULL;
    struct machine *m = machine_new(ram, VCLOCK_MANUAL, &err);
    g_assert_nonnull(m);
    m->accel = accel ? accel : &accel_test;
    m->smp_cpus = cpus;
    g_assert_cmpint(m->accel->init(m, &err), ==, 0);
    return m;
}

struct pc *tb_pc(struct machine *m, const struct pc_config *cfg)
{
    char *err = NULL;
    struct pc *pc = pc_new(m, cfg, &err);
    if (!pc)
        g_error("pc_new: %s", err);
    if (pc_power_on(pc, &err))
        g_error("pc_power_on: %s", err);
    return pc;
}

uint64_t tb_in(struct machine *m, uint16_t port, unsigned size)
{
    uint64_t v = 0;
    io_dispatch(&m->io, port, size, false, &v);
    return v;
}

void tb_out(struct machine *m, uint16_t port, unsigned size, uint64_t v)
{
    io_dispatch(&m->io, port, size, true, &v);
}

uint64_t tb_rdm(struct machine *m, uint64_t addr, unsigned size)
{
    uint64_t v = 0;
    io_dispatch(&m->mem, addr, size, false, &v);
    return v;
}

void tb_wrm(struct machine *m, uint64_t addr, unsigned size, uint64_t v)
{
    io_dispatch(&m->mem, addr, size, true, &v);
}

uint8_t tb_cmos(struct machine *m, uint8_t idx)
{
    tb_out(m, 0x70, 1, idx);
    return (uint8_t)tb_in(m, 0x71, 1);
}

uint32_t tb_pci_read(struct machine *m, unsigned devfn, unsigned reg, unsigned size)
{
    tb_out(m, 0xcf8, 4, 0x80000000u | devfn << 8 | (reg & 0xfc));
    return (uint32_t)tb_in(m, (uint16_t)(0xcfc + (reg & 3)), size);
}

void tb_pci_write(struct machine *m, unsigned devfn, unsigned reg, unsigned size, uint32_t v)
{
    tb_out(m, 0xcf8, 4, 0x80000000u | devfn << 8 | (reg & 0xfc));
    tb_out(m, (uint16_t)(0xcfc + (reg & 3)), size, v);
}
