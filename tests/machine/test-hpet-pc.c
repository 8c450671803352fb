/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HPET on the PC board with the test accelerator: mapped at
 * 0xFED00000, its route outputs at GSIs 20-23, and legacy replacement
 * taking ISA IRQ 0 and 8 away from the PIT and the RTC (and telling the
 * accelerator, which would stop an in-kernel PIT). */
#include "cpu/accel.h"
#include "cpu/test.h"
#include "hw/pc.h"
#include "hw/timer/hpet.h"
#include "tests/support/board.h"

struct board {
    struct machine *m;
    struct pc *pc;
    struct accel_ops ops; /* accel_test plus a set_hpet_legacy recorder */
    int legacy_calls, legacy_on;
};

static struct board *board_of(struct machine *m)
{
    return container_of(m->accel, struct board, ops);
}

static void record_legacy(struct machine *m, bool on)
{
    struct board *b = board_of(m);
    b->legacy_calls++;
    b->legacy_on = on;
}

static struct board *board_new(void)
{
    struct board *b = g_new0(struct board, 1);
    char *err = NULL;
    b->m = machine_new(64 * MiB, VCLOCK_MANUAL, &err);
    g_assert_nonnull(b->m);
    b->ops = accel_test;
    b->ops.set_hpet_legacy = record_legacy;
    b->m->accel = &b->ops;
    b->m->smp_cpus = 1;
    g_assert_cmpint(b->m->accel->init(b->m, &err), ==, 0);
    struct pc_config cfg = { .rtc_base = 1577934245 };
    b->pc = tb_pc(b->m, &cfg);
    return b;
}

static void board_free(struct board *b)
{
    machine_free(b->m);
    g_free(b);
}

static void out(struct board *b, uint16_t port, uint64_t v)
{
    io_dispatch(&b->m->io, port, 1, true, &v);
}

static uint8_t in(struct board *b, uint16_t port)
{
    uint64_t v = 0;
    io_dispatch(&b->m->io, port, 1, false, &v);
    return (uint8_t)v;
}

static uint64_t rd(struct board *b, uint64_t off, unsigned size)
{
    uint64_t v = 0;
    io_dispatch(&b->m->mem, HPET_DEFAULT_BASE + off, size, false, &v);
    return v;
}

static void wr(struct board *b, uint64_t off, unsigned size, uint64_t v)
{
    io_dispatch(&b->m->mem, HPET_DEFAULT_BASE + off, size, true, &v);
}

static struct test_accel *acc(struct board *b)
{
    return b->m->accel_state;
}

static void step(struct board *b, int64_t ns)
{
    machine_lock(b->m);
    vclock_step(&b->m->clock, ns);
    machine_unlock(b->m);
}

static void test_mapped(void)
{
    struct board *b = board_new();
    g_assert_nonnull(machine_find_device(b->m, "hpet"));
    g_assert_cmphex(rd(b, HPET_REG_CAP, 4), ==, 0x8086a201);
    g_assert_cmphex(rd(b, HPET_REG_CAP + 4, 4), ==, HPET_PERIOD_FS);
    wr(b, HPET_REG_CONFIG, 4, HPET_CFG_ENABLE);
    step(b, 1000);
    g_assert_cmphex(rd(b, HPET_REG_COUNTER, 8), ==, 100);
    board_free(b);
}

/* A level-triggered timer routed to IOAPIC input 22 drives GSI 22. */
static void test_route_gsi(void)
{
    struct board *b = board_new();
    wr(b, HPET_REG_TN_CONFIG(2), 4,
       HPET_TN_INT_TYPE | HPET_TN_INT_ENB | (22 << HPET_TN_ROUTE_SHIFT));
    wr(b, HPET_REG_TN_CMP(2), 4, 100);
    wr(b, HPET_REG_CONFIG, 4, HPET_CFG_ENABLE);
    step(b, 1000);
    g_assert_cmpint(acc(b)->gsi_level[22], ==, 1);
    wr(b, HPET_REG_ISR, 4, 4);
    g_assert_cmpint(acc(b)->gsi_level[22], ==, 0);
    board_free(b);
}

/* Legacy replacement: the PIT's IRQ 0 and the RTC's IRQ 8 are cut off and
 * HPET timers 0 and 1 drive them; turning it off gives them back. */
static void test_legacy(void)
{
    struct board *b = board_new();
    /* PIT counter 0, mode 2, 1193 clocks (1 ms); RTC periodic at 1024 Hz. */
    out(b, 0x43, 0x34);
    out(b, 0x40, 1193 & 0xff);
    out(b, 0x40, 1193 >> 8);
    out(b, 0x70, 0x0b);
    out(b, 0x71, 0x42);
    step(b, 10 * 1000000);
    int pit = acc(b)->gsi_raises[0];
    g_assert_cmpint(pit, >=, 9);
    g_assert_cmpint(acc(b)->gsi_level[8], ==, 1);

    /* HPET: timer 0 periodic every 2 ms, then legacy mode on. */
    wr(b, HPET_REG_TN_CONFIG(0), 4, HPET_TN_INT_ENB | HPET_TN_TYPE | HPET_TN_VAL_SET);
    wr(b, HPET_REG_TN_CMP(0), 8, 200000);
    wr(b, HPET_REG_CONFIG, 4, HPET_CFG_ENABLE | HPET_CFG_LEG_RT);
    g_assert_cmpint(b->legacy_calls, ==, 1);
    g_assert_cmpint(b->legacy_on, ==, 1);
    g_assert_cmpint(acc(b)->gsi_level[8], ==, 0); /* the RTC's held line is cut */
    pit = acc(b)->gsi_raises[0];
    step(b, 10 * 1000000);
    /* Only the HPET's 5 edges in 10 ms reach IRQ 0 now. */
    g_assert_cmpint(acc(b)->gsi_raises[0] - pit, ==, 5);
    g_assert_cmpint(acc(b)->gsi_level[8], ==, 0);
    out(b, 0x70, 0x0c);
    (void)in(b, 0x71); /* reading C acknowledges the RTC (its line drops) */

    wr(b, HPET_REG_CONFIG, 4, HPET_CFG_ENABLE);
    g_assert_cmpint(b->legacy_calls, ==, 2);
    g_assert_cmpint(b->legacy_on, ==, 0);
    wr(b, HPET_REG_TN_CONFIG(0), 4, 0);
    pit = acc(b)->gsi_raises[0];
    step(b, 10 * 1000000);
    g_assert_cmpint(acc(b)->gsi_raises[0] - pit, >=, 9);
    g_assert_cmpint(acc(b)->gsi_level[8], ==, 1); /* the RTC interrupts again */

    /* Reset turns legacy replacement off again. */
    wr(b, HPET_REG_CONFIG, 4, HPET_CFG_LEG_RT);
    g_assert_cmpint(b->legacy_on, ==, 1);
    machine_lock(b->m);
    machine_reset_devices(b->m, RESET_WARM);
    machine_unlock(b->m);
    g_assert_cmpint(b->legacy_on, ==, 0);
    board_free(b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hpet-pc/mapped", test_mapped);
    g_test_add_func("/hpet-pc/route-gsi", test_route_gsi);
    g_test_add_func("/hpet-pc/legacy", test_legacy);
    return g_test_run();
}
