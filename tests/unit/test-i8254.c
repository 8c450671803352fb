/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the 8254 PIT and port 0x61, programmed through ports
 * 0x40-0x43 and 0x61 as firmware and Linux do, with the manual virtual
 * clock stepped to exact PIT clock edges. */
#include <string.h>
#include "hw/timer/i8254.h"
#include "tests/support/testenv.h"

#define IRQ 0

struct fx {
    struct test_env *t;
    struct i8254 *pit;
};

/* Virtual time of PIT clock edge k (k >= 0), computed independently of the
 * device: the first ns at which k whole periods of 1/1193182 s have passed. */
static int64_t tick_ns(int64_t k)
{
    return (k * 1000000000LL + I8254_HZ - 1) / I8254_HZ;
}

static struct i8254 *make_pit(struct test_env *t)
{
    struct i8254 *pit = i8254_new(&t->env);
    as_add(&t->io, &pit->region, 0x40, 0);
    as_add(&t->io, &pit->region_port61, 0x61, 0);
    as_commit(&t->io);
    test_irq_connect(t, &pit->irq, IRQ);
    i8254_class.reset(pit, RESET_COLD);
    i8254_class.settle(pit);
    return pit;
}

static struct fx setup(void)
{
    struct fx f;
    f.t = test_env_new(0);
    f.pit = make_pit(f.t);
    return f;
}

static void teardown(struct fx *f)
{
    i8254_class.destroy(f->pit);
    test_env_free(f->t);
}

static void out(struct fx *f, uint16_t port, uint8_t v)
{
    test_outb(f->t, port, v);
}

static uint8_t in(struct fx *f, uint16_t port)
{
    return test_inb(f->t, port);
}

static void step_to(struct fx *f, int64_t ns)
{
    int64_t now = vclock_now(&f->t->clock);
    g_assert_cmpint(ns, >=, now);
    test_step(f->t, ns - now);
}

static void step_to_tick(struct fx *f, int64_t k)
{
    step_to(f, tick_ns(k));
}

/* Program counter ch with control word cw and a two-byte count. */
static void program(struct fx *f, unsigned ch, uint8_t cw, uint16_t count)
{
    out(f, 0x43, cw);
    out(f, (uint16_t)(0x40 + ch), (uint8_t)count);
    out(f, (uint16_t)(0x40 + ch), (uint8_t)(count >> 8));
}

/* Two reads, LSB then MSB (counter in LSB-then-MSB mode). */
static uint16_t read16(struct fx *f, uint16_t port)
{
    uint8_t lo = in(f, port);
    uint8_t hi = in(f, port);
    return (uint16_t)(lo | hi << 8);
}

/* Counter latch command, then LSB and MSB (counter in LSB-then-MSB mode). */
static uint16_t latch(struct fx *f, unsigned ch)
{
    out(f, 0x43, (uint8_t)(ch << 6));
    uint8_t lo = in(f, (uint16_t)(0x40 + ch));
    uint8_t hi = in(f, (uint16_t)(0x40 + ch));
    return (uint16_t)(lo | hi << 8);
}

/* Read-back command latching only the status of counter ch. */
static uint8_t status(struct fx *f, unsigned ch)
{
    out(f, 0x43, (uint8_t)(0xe0 | (2u << ch)));
    return in(f, (uint16_t)(0x40 + ch));
}

static bool out2(struct fx *f)
{
    return in(f, 0x61) & 0x20;
}

static int level(struct fx *f)
{
    return f->t->irq.level[IRQ];
}

static int raises(struct fx *f)
{
    return f->t->irq.raises[IRQ];
}

/* Linux pit_calibrate_tsc(): counter 2, mode 0, gate from port 0x61,
 * polling bit 5 for the terminal count. */
static void test_linux_calibrate(void)
{
    struct fx f = setup();
    const uint16_t n = 11931; /* 10 ms */
    out(&f, 0x61, (uint8_t)((in(&f, 0x61) & ~0x02) | 0x01));
    program(&f, 2, 0xb0, n);
    /* NULL COUNT until the next clock edge loads the count. */
    g_assert_cmphex(status(&f, 2), ==, 0x70);
    step_to_tick(&f, 1);
    g_assert_cmphex(status(&f, 2), ==, 0x30);
    g_assert_cmpuint(latch(&f, 2), ==, n);
    step_to_tick(&f, 1001);
    g_assert_cmpuint(latch(&f, 2), ==, n - 1000);
    /* OUT rises N+1 clocks after the write. */
    step_to(&f, tick_ns(n + 1) - 1);
    g_assert_false(out2(&f));
    g_assert_cmpuint(latch(&f, 2), ==, 1);
    test_step(f.t, 1);
    g_assert_true(out2(&f));
    g_assert_cmphex(status(&f, 2), ==, 0xb0);
    /* The counter wraps and keeps counting; OUT stays high. */
    step_to_tick(&f, n + 6);
    g_assert_cmphex(latch(&f, 2), ==, 0xfffb);
    g_assert_true(out2(&f));
    /* Counter 2 never touches IRQ 0. */
    g_assert_cmpint(raises(&f), ==, 0);
    teardown(&f);
}

/* Linux quick_pit_calibrate(): count 0xffff, unlatched LSB/MSB reads,
 * watching the MSB step down every 256 clocks. */
static void test_linux_quick_calibrate(void)
{
    struct fx f = setup();
    out(&f, 0x61, (uint8_t)((in(&f, 0x61) & ~0x02) | 0x01));
    program(&f, 2, 0xb0, 0xffff);
    step_to_tick(&f, 256);
    g_assert_cmphex(in(&f, 0x42), ==, 0x00);
    g_assert_cmphex(in(&f, 0x42), ==, 0xff);
    step_to_tick(&f, 257);
    g_assert_cmphex(in(&f, 0x42), ==, 0xff);
    g_assert_cmphex(in(&f, 0x42), ==, 0xfe);
    /* Unlatched LSB and MSB are sampled at their own reads. */
    step_to_tick(&f, 512);
    g_assert_cmphex(in(&f, 0x42), ==, 0x00);
    step_to_tick(&f, 513);
    g_assert_cmphex(in(&f, 0x42), ==, 0xfd);
    teardown(&f);
}

static int edges_over_one_second(uint16_t n)
{
    struct fx f = setup();
    program(&f, 0, 0x34, n); /* Linux's periodic clockevent */
    g_assert_cmpint(raises(&f), ==, 1); /* the mode word takes OUT high */
    g_assert_cmpint(level(&f), ==, 1);
    /* Only the next period end is armed. */
    g_assert_cmpint(vclock_next_deadline(&f.t->clock), ==, tick_ns(1 + n));
    for (int i = 0; i < 1000; i++)
        test_step(f.t, 1000000);
    g_assert_cmpint(level(&f), ==, 1);
    /* The count read back is exact at the end, too. */
    int64_t k = 1193182;
    g_assert_cmpuint(latch(&f, 0), ==, n - (k - 1) % n);
    int r = raises(&f) - 1;
    teardown(&f);
    return r;
}

static void test_mode2_edges(void)
{
    /* Edges at ticks 1 + m*N up to tick 1193182 (one second). */
    g_assert_cmpint(edges_over_one_second(11932), ==, 99);
    g_assert_cmpint(edges_over_one_second(1193), ==, 1000);
    g_assert_cmpint(edges_over_one_second(100), ==, 11931);

    /* One big step delivers the same edges as many small ones. */
    struct fx f = setup();
    program(&f, 0, 0x34, 1193);
    test_step(f.t, NS_PER_SEC);
    g_assert_cmpint(raises(&f), ==, 1 + 1000);
    teardown(&f);
}

static void test_mode3_square(void)
{
    struct fx f = setup();
    program(&f, 0, 0x36, 1000); /* base = tick 1 */
    g_assert_cmpint(level(&f), ==, 1);
    g_assert_cmpuint(latch(&f, 0), ==, 0); /* before the load: CE not loaded yet */
    step_to_tick(&f, 1);
    g_assert_cmpuint(latch(&f, 0), ==, 1000);
    step_to_tick(&f, 2);
    g_assert_cmpuint(latch(&f, 0), ==, 998);
    step_to_tick(&f, 500);
    g_assert_cmpint(level(&f), ==, 1);
    g_assert_cmpuint(latch(&f, 0), ==, 2);
    step_to_tick(&f, 501);
    g_assert_cmpint(level(&f), ==, 0);
    g_assert_cmpuint(latch(&f, 0), ==, 1000);
    step_to_tick(&f, 1000);
    g_assert_cmpint(level(&f), ==, 0);
    step_to_tick(&f, 1001);
    g_assert_cmpint(level(&f), ==, 1);
    step_to_tick(&f, 1 + 10 * 1000);
    g_assert_cmpint(raises(&f), ==, 1 + 10);
    g_assert_cmpint(f.t->irq.lowers[IRQ], ==, 10);
    teardown(&f);

    /* Odd count: high one clock longer; CE counts N-1, N-3, ... 0. */
    f = setup();
    program(&f, 0, 0x36, 1001);
    step_to_tick(&f, 1);
    g_assert_cmpuint(latch(&f, 0), ==, 1000);
    step_to_tick(&f, 501);
    g_assert_cmpint(level(&f), ==, 1);
    g_assert_cmpuint(latch(&f, 0), ==, 0);
    step_to_tick(&f, 502);
    g_assert_cmpint(level(&f), ==, 0);
    g_assert_cmpuint(latch(&f, 0), ==, 1000);
    step_to_tick(&f, 1001);
    g_assert_cmpint(level(&f), ==, 0);
    g_assert_cmpuint(latch(&f, 0), ==, 2);
    step_to_tick(&f, 1002);
    g_assert_cmpint(level(&f), ==, 1);
    teardown(&f);
}

static void test_bcd(void)
{
    struct fx f = setup();
    out(&f, 0x61, 0x01);
    program(&f, 2, 0xb1, 0x1234); /* mode 0, BCD 1234 */
    step_to_tick(&f, 35);
    g_assert_cmphex(latch(&f, 2), ==, 0x1200);
    step_to_tick(&f, 1234);
    g_assert_false(out2(&f));
    g_assert_cmphex(latch(&f, 2), ==, 0x0001);
    step_to_tick(&f, 1235);
    g_assert_true(out2(&f));
    g_assert_cmphex(latch(&f, 2), ==, 0x0000);
    step_to_tick(&f, 1236);
    g_assert_cmphex(latch(&f, 2), ==, 0x9999); /* wraps to 9999 */
    g_assert_cmphex(status(&f, 2), ==, 0xb1);
    /* Count 0 is 10^4 in BCD. */
    program(&f, 2, 0xb1, 0x0000);
    step_to_tick(&f, 1237);
    g_assert_cmphex(latch(&f, 2), ==, 0x0000);
    step_to_tick(&f, 1238);
    g_assert_cmphex(latch(&f, 2), ==, 0x9999);
    step_to_tick(&f, 1236 + 10000);
    g_assert_false(out2(&f));
    step_to_tick(&f, 1237 + 10000);
    g_assert_true(out2(&f));
    /* Invalid BCD digits stay bounded (reduced to a valid count). */
    program(&f, 2, 0xb1, 0xffff);
    step_to_tick(&f, 20000);
    uint16_t v = latch(&f, 2);
    for (int i = 0; i < 16; i += 4)
        g_assert_cmpuint((v >> i) & 0xf, <=, 9);
    teardown(&f);
}

static void test_flip_flops(void)
{
    struct fx f = setup();
    /* Gate 2 low: mode 0 loads but does not count, so reads are stable. */
    out(&f, 0x43, 0x90); /* LSB only */
    out(&f, 0x42, 0x34);
    step_to_tick(&f, 1);
    g_assert_cmphex(in(&f, 0x42), ==, 0x34);
    g_assert_cmphex(in(&f, 0x42), ==, 0x34);
    g_assert_cmphex(status(&f, 2), ==, 0x10);
    out(&f, 0x43, 0xa0); /* MSB only */
    out(&f, 0x42, 0x12);
    step_to_tick(&f, 2);
    g_assert_cmphex(in(&f, 0x42), ==, 0x12);
    g_assert_cmphex(in(&f, 0x42), ==, 0x12);
    out(&f, 0x43, 0xb0); /* LSB then MSB */
    out(&f, 0x42, 0x78);
    out(&f, 0x42, 0x56);
    step_to_tick(&f, 3);
    g_assert_cmphex(in(&f, 0x42), ==, 0x78);
    g_assert_cmphex(in(&f, 0x42), ==, 0x56);
    /* Separate read and write flip-flops (datasheet sequence: read LSB,
     * write LSB, read MSB, write MSB). */
    g_assert_cmphex(in(&f, 0x42), ==, 0x78);
    out(&f, 0x42, 0x22);
    g_assert_cmphex(in(&f, 0x42), ==, 0x56);
    out(&f, 0x42, 0x11);
    step_to_tick(&f, 4);
    g_assert_cmphex(in(&f, 0x42), ==, 0x22);
    g_assert_cmphex(in(&f, 0x42), ==, 0x11);
    /* A control word resets the read flip-flop. */
    g_assert_cmphex(in(&f, 0x42), ==, 0x22);
    out(&f, 0x43, 0xb0);
    g_assert_cmphex(in(&f, 0x42), ==, 0x22);
    g_assert_cmphex(in(&f, 0x42), ==, 0x11);

    /* Latch: the value holds while counting goes on; a second latch
     * before the read is ignored; after the read, reads are live again. */
    out(&f, 0x61, 0x01);
    program(&f, 2, 0xb0, 10000); /* at tick 4: loads at 5 */
    step_to_tick(&f, 105);
    out(&f, 0x43, 0x80);
    step_to_tick(&f, 205);
    out(&f, 0x43, 0x80);
    g_assert_cmpuint(read16(&f, 0x42), ==, 9900);
    g_assert_cmpuint(read16(&f, 0x42), ==, 9800);
    /* Latched LSB-only counter: one read releases the latch. */
    out(&f, 0x43, 0x90);
    out(&f, 0x42, 0xf0);
    step_to_tick(&f, 206 + 16);
    out(&f, 0x43, 0x80);
    step_to_tick(&f, 206 + 32);
    g_assert_cmphex(in(&f, 0x42), ==, 0xe0);
    g_assert_cmphex(in(&f, 0x42), ==, 0xd0);
    teardown(&f);
}

static void test_count_zero(void)
{
    struct fx f = setup();
    program(&f, 0, 0x34, 0); /* 65536 */
    g_assert_cmpint(vclock_next_deadline(&f.t->clock), ==, tick_ns(1 + 65536));
    step_to_tick(&f, 1);
    g_assert_cmpuint(latch(&f, 0), ==, 0);
    step_to_tick(&f, 2);
    g_assert_cmpuint(latch(&f, 0), ==, 65535);
    step_to_tick(&f, 65536);
    g_assert_cmpint(raises(&f), ==, 1);
    step_to_tick(&f, 65537);
    g_assert_cmpint(raises(&f), ==, 2);
    /* Mode 0 on counter 2: OUT after 65536 + 1 clocks. */
    out(&f, 0x61, 0x01);
    program(&f, 2, 0xb0, 0);
    step_to_tick(&f, 65537 + 65536);
    g_assert_false(out2(&f));
    step_to_tick(&f, 65537 + 65537);
    g_assert_true(out2(&f));
    teardown(&f);
}

static void test_refresh_toggle(void)
{
    struct fx f = setup();
    g_assert_cmphex(in(&f, 0x61) & 0x10, ==, 0);
    step_to_tick(&f, 17);
    g_assert_cmphex(in(&f, 0x61) & 0x10, ==, 0);
    step_to_tick(&f, 18);
    g_assert_cmphex(in(&f, 0x61) & 0x10, ==, 0x10);
    step_to_tick(&f, 36);
    g_assert_cmphex(in(&f, 0x61) & 0x10, ==, 0);
    /* A delay loop polling it every microsecond for 1 ms of virtual time
     * sees it flip every 15.085 us. */
    struct fx g = setup();
    int flips = 0;
    uint8_t last = in(&g, 0x61) & 0x10;
    for (int i = 0; i < 1000; i++) {
        test_step(g.t, 1000);
        uint8_t v = in(&g, 0x61) & 0x10;
        flips += v != last;
        last = v;
    }
    g_assert_cmpint(flips, ==, 1193 / 18);
    /* Bits 4-7 are read-only; bits 0-3 read back; 6/7 read 0. */
    out(&g, 0x61, 0xff);
    g_assert_cmphex(in(&g, 0x61) & 0xcf, ==, 0x0f);
    teardown(&g);
    teardown(&f);
}

static void test_readback(void)
{
    struct fx f = setup();
    out(&f, 0x61, 0x01);
    program(&f, 0, 0x34, 1000);
    program(&f, 1, 0x77, 0x0500); /* mode 3, BCD 500 */
    program(&f, 2, 0xb0, 300);
    step_to_tick(&f, 101);
    /* Count and status of all three: status comes first. */
    out(&f, 0x43, 0xce);
    g_assert_cmphex(in(&f, 0x40), ==, 0xb4);
    g_assert_cmpuint(read16(&f, 0x40), ==, 900);
    g_assert_cmphex(in(&f, 0x41), ==, 0xb7);
    g_assert_cmphex(read16(&f, 0x41), ==, 0x0300);
    g_assert_cmphex(in(&f, 0x42), ==, 0x30);
    g_assert_cmpuint(read16(&f, 0x42), ==, 200);
    /* Status only, twice: the second is ignored until the first is read. */
    out(&f, 0x43, 0xe8);
    step_to_tick(&f, 302);
    out(&f, 0x43, 0xe8);
    g_assert_cmphex(in(&f, 0x42), ==, 0x30);
    g_assert_cmphex(status(&f, 2), ==, 0xb0);
    /* Count only for counters 0 and 2. */
    out(&f, 0x43, 0xda);
    step_to_tick(&f, 350);
    g_assert_cmpuint(read16(&f, 0x40), ==, 1000 - 301 % 1000);
    g_assert_cmpuint(read16(&f, 0x42), ==, 65535);
    /* NULL COUNT: a mode 2 count written mid-period waits for the reload. */
    out(&f, 0x40, 0x2c);
    out(&f, 0x40, 0x01); /* 300 */
    g_assert_cmphex(status(&f, 0), ==, 0xf4);
    step_to_tick(&f, 1000);
    g_assert_cmphex(status(&f, 0), ==, 0x74); /* OUT low at count 1 */
    step_to_tick(&f, 1001);
    g_assert_cmphex(status(&f, 0), ==, 0xb4);
    g_assert_cmpuint(latch(&f, 0), ==, 300);
    /* The control register reads as a floating bus. */
    g_assert_cmphex(in(&f, 0x43), ==, 0xff);
    teardown(&f);
}

static void test_mode2_new_count(void)
{
    struct fx f = setup();
    program(&f, 0, 0x34, 1000);
    step_to_tick(&f, 500);
    out(&f, 0x40, 0x2c);
    out(&f, 0x40, 0x01); /* 300, effective at the end of this period */
    step_to_tick(&f, 1000);
    g_assert_cmpuint(latch(&f, 0), ==, 1);
    g_assert_cmpint(raises(&f), ==, 1);
    step_to_tick(&f, 1001);
    g_assert_cmpint(raises(&f), ==, 2);
    g_assert_cmpuint(latch(&f, 0), ==, 300);
    g_assert_cmpint(vclock_next_deadline(&f.t->clock), ==, tick_ns(1301));
    step_to_tick(&f, 1601);
    g_assert_cmpint(raises(&f), ==, 4);
    /* Gate is tied high on counter 0: mode 2 runs without it. */
    teardown(&f);
}

static void test_mode3_new_count(void)
{
    struct fx f = setup();
    program(&f, 0, 0x36, 1000);
    step_to_tick(&f, 100);
    out(&f, 0x40, 200);
    out(&f, 0x40, 0); /* loaded at the end of the current half-cycle */
    step_to_tick(&f, 500);
    g_assert_cmpint(level(&f), ==, 1);
    step_to_tick(&f, 501);
    g_assert_cmpint(level(&f), ==, 0);
    g_assert_cmpuint(latch(&f, 0), ==, 200);
    step_to_tick(&f, 600);
    g_assert_cmpint(level(&f), ==, 0);
    step_to_tick(&f, 601);
    g_assert_cmpint(level(&f), ==, 1);
    step_to_tick(&f, 700);
    g_assert_cmpint(level(&f), ==, 1);
    step_to_tick(&f, 701);
    g_assert_cmpint(level(&f), ==, 0);
    teardown(&f);
}

static void test_gate_mode2_3(void)
{
    struct fx f = setup();
    out(&f, 0x61, 0x01);
    program(&f, 2, 0xb4, 100); /* mode 2 */
    step_to_tick(&f, 31);
    g_assert_cmpuint(latch(&f, 2), ==, 70);
    out(&f, 0x61, 0x00); /* gate low: counting stops, OUT high */
    step_to_tick(&f, 81);
    g_assert_cmpuint(latch(&f, 2), ==, 70);
    g_assert_true(out2(&f));
    out(&f, 0x61, 0x01); /* trigger: reload on the next clock */
    g_assert_cmpuint(latch(&f, 2), ==, 70);
    step_to_tick(&f, 82);
    g_assert_cmpuint(latch(&f, 2), ==, 100);
    step_to_tick(&f, 92);
    g_assert_cmpuint(latch(&f, 2), ==, 90);
    step_to_tick(&f, 82 + 99);
    g_assert_false(out2(&f)); /* the one-clock low pulse at count 1 */
    step_to_tick(&f, 82 + 100);
    g_assert_true(out2(&f));

    /* Mode 3: gate low in the low half sets OUT high at once. */
    program(&f, 2, 0xb6, 100); /* at tick 182, loads at 183 */
    step_to_tick(&f, 183 + 60);
    g_assert_false(out2(&f));
    out(&f, 0x61, 0x00);
    g_assert_true(out2(&f));
    uint16_t held = latch(&f, 2);
    step_to_tick(&f, 400);
    g_assert_cmpuint(latch(&f, 2), ==, held);
    out(&f, 0x61, 0x01);
    step_to_tick(&f, 401);
    g_assert_cmpuint(latch(&f, 2), ==, 100);
    step_to_tick(&f, 450);
    g_assert_true(out2(&f));
    step_to_tick(&f, 451);
    g_assert_false(out2(&f));
    teardown(&f);
}

static void test_gate_mode0(void)
{
    struct fx f = setup();
    out(&f, 0x61, 0x01);
    program(&f, 2, 0xb0, 100);
    step_to_tick(&f, 41);
    g_assert_cmpuint(latch(&f, 2), ==, 60);
    out(&f, 0x61, 0x00); /* pauses; OUT unaffected */
    step_to_tick(&f, 1041);
    g_assert_cmpuint(latch(&f, 2), ==, 60);
    g_assert_false(out2(&f));
    out(&f, 0x61, 0x01); /* resumes where it was */
    step_to_tick(&f, 1042);
    g_assert_cmpuint(latch(&f, 2), ==, 59);
    step_to_tick(&f, 1100);
    g_assert_false(out2(&f));
    step_to_tick(&f, 1101);
    g_assert_true(out2(&f));
    /* Count written with the gate low: loaded, but waits for the gate. */
    out(&f, 0x61, 0x00);
    program(&f, 2, 0xb0, 50);
    step_to_tick(&f, 2000);
    g_assert_cmpuint(latch(&f, 2), ==, 50);
    g_assert_false(out2(&f));
    out(&f, 0x61, 0x01);
    step_to_tick(&f, 2050);
    g_assert_true(out2(&f));
    teardown(&f);
}

static void test_mode1_mode5(void)
{
    struct fx f = setup();
    program(&f, 2, 0xb2, 50); /* mode 1, gate low */
    g_assert_true(out2(&f));
    step_to_tick(&f, 10);
    g_assert_cmphex(status(&f, 2), ==, 0xf2); /* armed, waiting: NULL COUNT */
    out(&f, 0x61, 0x01); /* trigger at tick 10 */
    g_assert_true(out2(&f));
    step_to_tick(&f, 11);
    g_assert_false(out2(&f));
    g_assert_cmpuint(latch(&f, 2), ==, 50);
    /* Retrigger at tick 40 restarts the one-shot. */
    step_to_tick(&f, 40);
    out(&f, 0x61, 0x00);
    out(&f, 0x61, 0x01);
    step_to_tick(&f, 61);
    g_assert_false(out2(&f));
    step_to_tick(&f, 90);
    g_assert_false(out2(&f));
    step_to_tick(&f, 91);
    g_assert_true(out2(&f));

    /* Mode 5: strobe one clock long, N+1 clocks after the trigger. */
    out(&f, 0x61, 0x00);
    program(&f, 2, 0xba, 50);
    step_to_tick(&f, 100);
    out(&f, 0x61, 0x01);
    step_to_tick(&f, 150);
    g_assert_true(out2(&f));
    step_to_tick(&f, 151);
    g_assert_false(out2(&f));
    step_to_tick(&f, 152);
    g_assert_true(out2(&f));
    teardown(&f);
}

static void test_mode4_linux_oneshot(void)
{
    struct fx f = setup();
    out(&f, 0x43, 0x38); /* Linux: CLOCK_EVT_STATE_ONESHOT */
    g_assert_cmpint(raises(&f), ==, 1);
    out(&f, 0x40, 1000 & 0xff);
    out(&f, 0x40, 1000 >> 8);
    /* Strobe at tick 1 + 1000; the line sees its rising end at 1002. */
    step_to(&f, tick_ns(1002) - 1);
    g_assert_cmpint(raises(&f), ==, 1);
    step_to_tick(&f, 1002);
    g_assert_cmpint(raises(&f), ==, 2);
    g_assert_cmpint(level(&f), ==, 1);
    g_assert_cmpint(vclock_next_deadline(&f.t->clock), ==, INT64_MAX);
    /* The next event. */
    step_to_tick(&f, 5000);
    out(&f, 0x40, 100);
    out(&f, 0x40, 0);
    step_to_tick(&f, 5101);
    g_assert_cmpint(raises(&f), ==, 2);
    step_to_tick(&f, 5102);
    g_assert_cmpint(raises(&f), ==, 3);
    /* Linux's shutdown: mode 0 with count 0 drops OUT; it rises again
     * after 65537 clocks. */
    out(&f, 0x43, 0x30);
    out(&f, 0x40, 0);
    out(&f, 0x40, 0);
    g_assert_cmpint(level(&f), ==, 0);
    step_to(&f, tick_ns(5102 + 65537) - 1);
    g_assert_cmpint(level(&f), ==, 0);
    step_to_tick(&f, 5102 + 65537);
    g_assert_cmpint(level(&f), ==, 1);
    teardown(&f);
}

static void test_timer_floor(void)
{
    struct fx f = setup();
    program(&f, 0, 0x34, 2); /* 596 kHz */
    step_to(&f, 1000000);     /* 1 ms: 596 periods */
    int r = raises(&f) - 1;
    g_assert_cmpint(r, >=, 90);
    g_assert_cmpint(r, <=, 101); /* at most one edge per 10 us */
    g_assert_cmpint(level(&f), ==, 1);
    /* The count stays exact. */
    step_to_tick(&f, 2001);
    g_assert_cmpuint(latch(&f, 0), ==, 2);
    step_to_tick(&f, 2002);
    g_assert_cmpuint(latch(&f, 0), ==, 1);
    /* Square wave faster than the floor: still edges, never a lost one. */
    program(&f, 0, 0x36, 4);
    int before = raises(&f);
    test_step(f.t, 1000000);
    g_assert_cmpint(raises(&f) - before, >=, 90);
    g_assert_cmpint(raises(&f) - before, <=, 101 + 1);
    teardown(&f);
}

static void test_save_load_mid_count(void)
{
    struct fx f = setup();
    out(&f, 0x61, 0x03);
    program(&f, 2, 0xb0, 50000);
    program(&f, 0, 0x34, 5000);
    step_to_tick(&f, 12345);
    out(&f, 0x43, 0x80); /* a pending latch travels too */

    struct test_env *t2 = test_env_new(0);
    struct fx g = { t2, make_pit(t2) };
    step_to_tick(&g, 12345);
    test_dev_roundtrip(&i8254_class, f.pit, g.pit);
    i8254_class.settle(g.pit);
    g_assert_cmpint(level(&g), ==, 1);
    g_assert_cmphex(in(&g, 0x61) & 0x0f, ==, 0x03);
    g_assert_cmpuint(read16(&g, 0x42), ==, 50000 - 12344);
    g_assert_cmpuint(read16(&f, 0x42), ==, 50000 - 12344);
    int rf = raises(&f), rg = raises(&g);
    step_to(&f, tick_ns(50001) - 1);
    step_to(&g, tick_ns(50001) - 1);
    g_assert_false(out2(&f));
    g_assert_false(out2(&g));
    g_assert_cmpuint(latch(&g, 2), ==, latch(&f, 2));
    g_assert_cmpuint(latch(&g, 0), ==, latch(&f, 0));
    step_to_tick(&f, 50001);
    step_to_tick(&g, 50001);
    g_assert_true(out2(&f));
    g_assert_true(out2(&g));
    /* Counter 0 edges at 1 + m*5000 in (12345, 50001]: m = 3..10. */
    g_assert_cmpint(raises(&f) - rf, ==, 8);
    g_assert_cmpint(raises(&g) - rg, ==, 8);
    i8254_class.destroy(g.pit);
    test_env_free(t2);
    teardown(&f);
}

static void test_reset(void)
{
    struct fx f = setup();
    out(&f, 0x61, 0x03);
    program(&f, 0, 0x36, 1000);
    g_assert_cmpint(level(&f), ==, 1);
    i8254_class.reset(f.pit, RESET_WARM);
    g_assert_cmpint(level(&f), ==, 1); /* no side effects in reset */
    g_assert_cmpint(vclock_next_deadline(&f.t->clock), ==, INT64_MAX);
    i8254_class.settle(f.pit);
    g_assert_cmpint(level(&f), ==, 0);
    g_assert_cmphex(in(&f, 0x61) & 0x2f, ==, 0x00);
    g_assert_cmphex(status(&f, 0), ==, 0x70);
    g_assert_cmphex(status(&f, 1), ==, 0x70);
    step_to_tick(&f, 100000);
    g_assert_cmpint(level(&f), ==, 0);
    g_assert_cmpint(vclock_next_deadline(&f.t->clock), ==, INT64_MAX);
    teardown(&f);
}

static void test_generic(void)
{
    struct fx f = setup();
    test_dev_reset_idempotent(&i8254_class, f.pit);
    i8254_class.settle(f.pit);
    /* Interesting state: a mode 2 reload pending, a held latch, a latched
     * status, half a count written, gate 2 high, the timer armed. */
    out(&f, 0x61, 0x01);
    program(&f, 0, 0x34, 1000);
    program(&f, 1, 0x77, 0x1999);
    program(&f, 2, 0xb6, 333);
    step_to_tick(&f, 777);
    out(&f, 0x40, 0x10);
    out(&f, 0x40, 0x02);
    out(&f, 0x43, 0x40);
    out(&f, 0x43, 0xe8);
    out(&f, 0x42, 0x55);
    g_assert_true(vtimer_pending(&f.pit->timer));
    struct test_env *t2 = test_env_new(0);
    struct fx g = { t2, make_pit(t2) };
    step_to_tick(&g, 777);
    test_dev_roundtrip(&i8254_class, f.pit, g.pit);
    i8254_class.settle(g.pit);
    g_assert_cmphex(in(&g, 0x42), ==, in(&f, 0x42)); /* the status */
    g_assert_cmphex(in(&g, 0x41), ==, in(&f, 0x41)); /* the latch, LSB */
    step_to_tick(&f, 1001);
    step_to_tick(&g, 1001);
    g_assert_cmpuint(latch(&g, 0), ==, 0x210);
    g_assert_cmpuint(latch(&f, 0), ==, 0x210);
    i8254_class.destroy(g.pit);
    test_env_free(t2);
    teardown(&f);
}

static void expect_reject(struct i8254 *pit, const char *field, int kind, int64_t v)
{
    struct vm_writer w;
    g_assert_cmpint(vmw_begin(&w), ==, 0);
    vmw_node_begin(&w, "dev");
    switch (kind) {
    case 1: vmw_u8(&w, field, (uint8_t)v); break;
    case 2: vmw_u16(&w, field, (uint16_t)v); break;
    case 4: vmw_u32(&w, field, (uint32_t)v); break;
    case 0: vmw_bool(&w, field, v != 0); break;
    default: vmw_i64(&w, field, v); break;
    }
    vmw_node_end(&w);
    size_t n;
    void *blob = vmw_finish(&w, &n);
    g_assert_nonnull(blob);
    char err[200];
    int rc = test_dev_load(&i8254_class, pit, blob, n, err, sizeof(err));
    if (rc != -1)
        g_error("field %s = %lld was accepted", field, (long long)v);
    g_free(blob);
}

static void test_load_rejects(void)
{
    struct fx f = setup();
    program(&f, 0, 0x34, 1000);
    program(&f, 1, 0x75, 0x1000);
    step_to_tick(&f, 10);
    g_assert_cmpuint(latch(&f, 0), ==, 991); /* brings the counters to tick 10: running */
    size_t n0;
    void *before = test_dev_save(&i8254_class, f.pit, &n0);
    expect_reject(f.pit, "c0_ctrl", 1, 0x40);
    expect_reject(f.pit, "c0_ctrl", 1, 0x04); /* RW = 0 */
    expect_reject(f.pit, "c1_state", 1, 3);
    expect_reject(f.pit, "c1_ce", 2, 10000); /* BCD counter */
    expect_reject(f.pit, "c0_n", 4, 65537);
    expect_reject(f.pit, "c0_n", 4, 0);
    expect_reject(f.pit, "c0_phase", 4, 1000);
    expect_reject(f.pit, "c0_base", 8, INT64_MAX);
    expect_reject(f.pit, "c0_last", 8, INT64_MIN);
    expect_reject(f.pit, "c0_load_at", 8, 12345);
    expect_reject(f.pit, "c0_gate", 0, 0);
    expect_reject(f.pit, "c2_gate", 0, 1); /* port 0x61 says low */
    expect_reject(f.pit, "port61", 1, 0x10);
    expect_reject(f.pit, "last_fire", 8, INT64_MIN);
    expect_reject(f.pit, "timer_deadline", 8, -5);
    expect_reject(f.pit, "c0_cr", 1, 0); /* wrong size */
    size_t n1;
    void *after = test_dev_save(&i8254_class, f.pit, &n1);
    g_assert_cmpuint(n0, ==, n1);
    g_assert_cmpint(memcmp(before, after, n0), ==, 0);
    g_free(before);
    g_free(after);
    teardown(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/i8254/linux-calibrate", test_linux_calibrate);
    g_test_add_func("/i8254/linux-quick-calibrate", test_linux_quick_calibrate);
    g_test_add_func("/i8254/mode2-edges", test_mode2_edges);
    g_test_add_func("/i8254/mode3-square", test_mode3_square);
    g_test_add_func("/i8254/bcd", test_bcd);
    g_test_add_func("/i8254/flip-flops", test_flip_flops);
    g_test_add_func("/i8254/count-zero", test_count_zero);
    g_test_add_func("/i8254/refresh-toggle", test_refresh_toggle);
    g_test_add_func("/i8254/readback", test_readback);
    g_test_add_func("/i8254/mode2-new-count", test_mode2_new_count);
    g_test_add_func("/i8254/mode3-new-count", test_mode3_new_count);
    g_test_add_func("/i8254/gate-mode2-3", test_gate_mode2_3);
    g_test_add_func("/i8254/gate-mode0", test_gate_mode0);
    g_test_add_func("/i8254/mode1-mode5", test_mode1_mode5);
    g_test_add_func("/i8254/mode4-linux-oneshot", test_mode4_linux_oneshot);
    g_test_add_func("/i8254/timer-floor", test_timer_floor);
    g_test_add_func("/i8254/save-load-mid-count", test_save_load_mid_count);
    g_test_add_func("/i8254/reset", test_reset);
    g_test_add_func("/i8254/generic", test_generic);
    g_test_add_func("/i8254/load-rejects", test_load_rejects);
    return g_test_run();
}
