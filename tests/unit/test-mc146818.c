/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the MC146818A RTC/CMOS, driven through ports 0x70-0x73 as
 * a BIOS or OS driver would. */
#include <string.h>
#include "hw/rtc/mc146818.h"
#include "tests/support/testenv.h"

#define IRQ 8
#define MS 1000000LL
#define US 1000LL

/* Wall times used below (UTC seconds since the epoch). */
#define T_2025_06_15_134530 1749995130LL /* a Sunday */
#define T_2024_02_28_235958 1709164798LL
#define T_2023_02_28_235959 1677628799LL
#define T_1999_12_31_235959 946684799LL
#define T_2025_04_30_235959 1746057599LL
#define T_2099_12_31_235959 4102444799LL
#define T_2100_02_28_235959 4107542399LL
#define T_2025_01_01_000000 1735689600LL

struct fx {
    struct test_env *t;
    struct mc146818 *rtc;
};

static struct mc146818 *make_rtc(struct test_env *t, int64_t base)
{
    struct mc146818 *rtc = mc146818_new(&t->env, base);
    as_add(&t->io, &rtc->region, 0x70, 0);
    as_commit(&t->io);
    test_irq_connect(t, &rtc->irq, IRQ);
    mc146818_class.reset(rtc, RESET_COLD);
    mc146818_class.settle(rtc);
    return rtc;
}

static struct fx setup(int64_t base)
{
    struct fx f;
    f.t = test_env_new(0);
    f.rtc = make_rtc(f.t, base);
    return f;
}

static void teardown(struct fx *f)
{
    mc146818_class.destroy(f->rtc);
    test_env_free(f->t);
}

static uint8_t rd(struct fx *f, uint8_t idx)
{
    test_outb(f->t, 0x70, idx);
    return test_inb(f->t, 0x71);
}

static void wr(struct fx *f, uint8_t idx, uint8_t v)
{
    test_outb(f->t, 0x70, idx);
    test_outb(f->t, 0x71, v);
}

/* Turn the periodic flag off so register C compares are exact. */
static void no_periodic(struct fx *f)
{
    wr(f, RTC_REG_A, RTC_A_DV_32K);
}

static void assert_time(struct fx *f, uint8_t cent, uint8_t yr, uint8_t mon, uint8_t mday,
                        uint8_t hr, uint8_t min, uint8_t sec)
{
    g_assert_cmphex(rd(f, RTC_SECONDS), ==, sec);
    g_assert_cmphex(rd(f, RTC_MINUTES), ==, min);
    g_assert_cmphex(rd(f, RTC_HOURS), ==, hr);
    g_assert_cmphex(rd(f, RTC_DAY_OF_MONTH), ==, mday);
    g_assert_cmphex(rd(f, RTC_MONTH), ==, mon);
    g_assert_cmphex(rd(f, RTC_YEAR), ==, yr);
    g_assert_cmphex(rd(f, RTC_CENTURY), ==, cent);
}

static void test_read_bcd_24h(void)
{
    struct fx f = setup(T_2025_06_15_134530);
    g_assert_cmphex(rd(&f, RTC_REG_B) & (RTC_B_DM | RTC_B_24H), ==, RTC_B_24H);
    assert_time(&f, 0x20, 0x25, 0x06, 0x15, 0x13, 0x45, 0x30);
    g_assert_cmphex(rd(&f, RTC_DAY_OF_WEEK), ==, 1); /* Sunday */
    g_assert_cmphex(rd(&f, RTC_REG_D), ==, RTC_D_VRT);
    g_assert_cmphex(rd(&f, RTC_REG_A) & 0x7f, ==, 0x26);
    teardown(&f);
}

static void test_read_binary_12h(void)
{
    struct fx f = setup(T_2025_06_15_134530);
    wr(&f, RTC_REG_B, RTC_B_DM); /* binary, 12 h */
    assert_time(&f, 20, 25, 6, 15, 0x80 | 1, 45, 30);
    wr(&f, RTC_REG_B, 0); /* BCD, 12 h */
    g_assert_cmphex(rd(&f, RTC_HOURS), ==, 0x81);
    teardown(&f);

    /* Midnight and noon in 12 h mode are 12 AM and 12 PM. */
    f = setup(T_2025_01_01_000000);
    wr(&f, RTC_REG_B, 0);
    g_assert_cmphex(rd(&f, RTC_HOURS), ==, 0x12);
    test_step(f.t, 12 * 3600 * NS_PER_SEC);
    g_assert_cmphex(rd(&f, RTC_HOURS), ==, 0x92);
    wr(&f, RTC_REG_B, RTC_B_DM | RTC_B_24H);
    g_assert_cmphex(rd(&f, RTC_HOURS), ==, 12);
    teardown(&f);
}

static void test_rollover(void)
{
    /* Second, minute, hour, day into Feb 29 of a leap year. */
    struct fx f = setup(T_2024_02_28_235958);
    assert_time(&f, 0x20, 0x24, 0x02, 0x28, 0x23, 0x59, 0x58);
    test_step(f.t, NS_PER_SEC);
    assert_time(&f, 0x20, 0x24, 0x02, 0x28, 0x23, 0x59, 0x59);
    test_step(f.t, NS_PER_SEC);
    assert_time(&f, 0x20, 0x24, 0x02, 0x29, 0x00, 0x00, 0x00);
    g_assert_cmphex(rd(&f, RTC_DAY_OF_WEEK), ==, 5); /* Thursday */
    test_step(f.t, 86400 * NS_PER_SEC);
    assert_time(&f, 0x20, 0x24, 0x03, 0x01, 0x00, 0x00, 0x00);
    teardown(&f);

    /* No Feb 29 in 2023. */
    f = setup(T_2023_02_28_235959);
    test_step(f.t, NS_PER_SEC);
    assert_time(&f, 0x20, 0x23, 0x03, 0x01, 0x00, 0x00, 0x00);
    teardown(&f);

    /* A 30-day month. */
    f = setup(T_2025_04_30_235959);
    test_step(f.t, NS_PER_SEC);
    assert_time(&f, 0x20, 0x25, 0x05, 0x01, 0x00, 0x00, 0x00);
    teardown(&f);

    /* Year and century, keeping the century byte consistent. */
    f = setup(T_1999_12_31_235959);
    assert_time(&f, 0x19, 0x99, 0x12, 0x31, 0x23, 0x59, 0x59);
    test_step(f.t, NS_PER_SEC);
    assert_time(&f, 0x20, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00);
    teardown(&f);

    f = setup(T_2099_12_31_235959);
    test_step(f.t, NS_PER_SEC);
    assert_time(&f, 0x21, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00);
    teardown(&f);

    /* 2100 is not a leap year. */
    f = setup(T_2100_02_28_235959);
    test_step(f.t, NS_PER_SEC);
    assert_time(&f, 0x21, 0x00, 0x03, 0x01, 0x00, 0x00, 0x00);
    teardown(&f);
}

static void test_uip_window(void)
{
    struct fx f = setup(T_2025_06_15_134530);
    /* The divider starts at a second boundary: the update is at +1 s. */
    test_step(f.t, NS_PER_SEC - 300 * US);
    g_assert_false(rd(&f, RTC_REG_A) & RTC_A_UIP);
    test_step(f.t, 100 * US);
    g_assert_true(rd(&f, RTC_REG_A) & RTC_A_UIP);
    g_assert_cmphex(rd(&f, RTC_SECONDS), ==, 0x30); /* not yet updated */
    test_step(f.t, 199 * US);
    g_assert_true(rd(&f, RTC_REG_A) & RTC_A_UIP);
    test_step(f.t, 1 * US);
    g_assert_false(rd(&f, RTC_REG_A) & RTC_A_UIP);
    g_assert_cmphex(rd(&f, RTC_SECONDS), ==, 0x31);
    /* SET inhibits updates and clears UIP. */
    test_step(f.t, NS_PER_SEC - 100 * US);
    wr(&f, RTC_REG_B, RTC_B_24H | RTC_B_SET);
    g_assert_false(rd(&f, RTC_REG_A) & RTC_A_UIP);
    teardown(&f);
}

static void test_guest_sets_time(void)
{
    struct fx f = setup(T_2025_06_15_134530);
    test_step(f.t, 300 * MS);
    wr(&f, RTC_REG_B, RTC_B_24H | RTC_B_SET);
    /* Frozen while SET: no update even after seconds. */
    test_step(f.t, 5 * NS_PER_SEC);
    g_assert_cmphex(rd(&f, RTC_SECONDS), ==, 0x30);
    wr(&f, RTC_SECONDS, 0x00);
    wr(&f, RTC_MINUTES, 0x30);
    wr(&f, RTC_HOURS, 0x08);
    wr(&f, RTC_DAY_OF_WEEK, 0x03);
    wr(&f, RTC_DAY_OF_MONTH, 0x09);
    wr(&f, RTC_MONTH, 0x11);
    wr(&f, RTC_YEAR, 0x21);
    wr(&f, RTC_CENTURY, 0x20);
    g_assert_cmphex(rd(&f, RTC_SECONDS), ==, 0x00);
    wr(&f, RTC_REG_B, RTC_B_24H);
    assert_time(&f, 0x20, 0x21, 0x11, 0x09, 0x08, 0x30, 0x00);
    /* The divider kept its phase (at .3 s): the next update is 0.7 s away. */
    test_step(f.t, 699 * MS);
    g_assert_cmphex(rd(&f, RTC_SECONDS), ==, 0x00);
    test_step(f.t, 1 * MS);
    g_assert_cmphex(rd(&f, RTC_SECONDS), ==, 0x01);
    /* And it sticks: a day later it is the next day, with the guest's
     * day-of-week counting on. */
    test_step(f.t, 86400 * NS_PER_SEC);
    assert_time(&f, 0x20, 0x21, 0x11, 0x10, 0x08, 0x30, 0x01);
    g_assert_cmphex(rd(&f, RTC_DAY_OF_WEEK), ==, 0x04);
    /* A write while running changes that field only. */
    wr(&f, RTC_MINUTES, 0x59);
    wr(&f, RTC_SECONDS, 0x59);
    test_step(f.t, NS_PER_SEC);
    assert_time(&f, 0x20, 0x21, 0x11, 0x10, 0x09, 0x00, 0x00);
    teardown(&f);
}

static void test_set_clears_uie(void)
{
    struct fx f = setup(T_2025_06_15_134530);
    no_periodic(&f);
    wr(&f, RTC_REG_B, RTC_B_24H | RTC_B_UIE);
    wr(&f, RTC_REG_B, RTC_B_24H | RTC_B_UIE | RTC_B_SET);
    g_assert_cmphex(rd(&f, RTC_REG_B), ==, RTC_B_24H | RTC_B_SET);
    test_step(f.t, 2 * NS_PER_SEC);
    g_assert_cmpint(f.t->irq.raises[IRQ], ==, 0);
    g_assert_cmphex(rd(&f, RTC_REG_C), ==, 0); /* no update while SET */
    /* The divider keeps running under SET: periodic flags still come. */
    wr(&f, RTC_REG_A, RTC_A_DV_32K | 0x06);
    test_step(f.t, 2 * MS);
    g_assert_cmphex(rd(&f, RTC_REG_C), ==, RTC_C_PF);
    teardown(&f);
}

/* Count IRQ 8 raises over one second, acknowledging each by reading C. */
static int count_raises(struct fx *f, int64_t step)
{
    int before = f->t->irq.raises[IRQ];
    int64_t n = NS_PER_SEC / step;
    for (int64_t i = 0; i < n; i++) {
        test_step(f->t, (i + 1) * NS_PER_SEC / n - i * NS_PER_SEC / n);
        if (f->t->irq.level[IRQ]) {
            uint8_t c = rd(f, RTC_REG_C);
            g_assert_cmphex(c & (RTC_C_IRQF | RTC_C_PF), ==, RTC_C_IRQF | RTC_C_PF);
            g_assert_cmpint(f->t->irq.level[IRQ], ==, 0);
        }
    }
    return f->t->irq.raises[IRQ] - before;
}

static void test_periodic_rates(void)
{
    static const struct {
        uint8_t rs;
        int hz;
    } rates[] = { { 1, 256 }, { 2, 128 }, { 3, 8192 }, { 6, 1024 }, { 10, 64 }, { 15, 2 } };
    for (size_t i = 0; i < ARRAY_SIZE(rates); i++) {
        struct fx f = setup(T_2025_06_15_134530);
        wr(&f, RTC_REG_A, RTC_A_DV_32K | rates[i].rs);
        rd(&f, RTC_REG_C);
        wr(&f, RTC_REG_B, RTC_B_24H | RTC_B_PIE);
        int64_t step = NS_PER_SEC / rates[i].hz / 3;
        g_assert_cmpint(count_raises(&f, step), ==, rates[i].hz);
        /* RS = 0 turns it off, and no timer stays armed. */
        wr(&f, RTC_REG_A, RTC_A_DV_32K);
        rd(&f, RTC_REG_C);
        g_assert_cmpint(vclock_next_deadline(&f.t->clock), ==, INT64_MAX);
        g_assert_cmpint(count_raises(&f, 10 * MS), ==, 0);
        teardown(&f);
    }
}

static void test_pf_without_pie(void)
{
    struct fx f = setup(T_2025_06_15_134530);
    rd(&f, RTC_REG_C);
    test_step(f.t, 2 * MS); /* 1024 Hz: at least one tick */
    g_assert_cmphex(rd(&f, RTC_REG_C), ==, RTC_C_PF);
    g_assert_cmpint(f.t->irq.raises[IRQ], ==, 0);
    /* Enabling PIE with PF pending raises IRQ at once. */
    test_step(f.t, 2 * MS);
    wr(&f, RTC_REG_B, RTC_B_24H | RTC_B_PIE);
    g_assert_cmpint(f.t->irq.level[IRQ], ==, 1);
    teardown(&f);
}

static void test_no_timer_when_idle(void)
{
    struct fx f = setup(T_2025_06_15_134530);
    g_assert_cmpint(vclock_next_deadline(&f.t->clock), ==, INT64_MAX);
    /* Pending IRQF: nothing more to signal, so no timer either. */
    wr(&f, RTC_REG_B, RTC_B_24H | RTC_B_PIE);
    g_assert_cmpint(vclock_next_deadline(&f.t->clock), !=, INT64_MAX);
    test_step(f.t, 10 * MS);
    g_assert_cmpint(f.t->irq.level[IRQ], ==, 1);
    g_assert_cmpint(vclock_next_deadline(&f.t->clock), ==, INT64_MAX);
    rd(&f, RTC_REG_C);
    g_assert_cmpint(vclock_next_deadline(&f.t->clock), !=, INT64_MAX);
    teardown(&f);
}

static void test_alarm_dont_care(void)
{
    struct fx f = setup(T_2025_06_15_134530); /* 13:45:30 */
    no_periodic(&f);
    wr(&f, RTC_SECONDS_ALARM, 0x40);
    wr(&f, RTC_MINUTES_ALARM, 0xc0);
    wr(&f, RTC_HOURS_ALARM, 0xff);
    rd(&f, RTC_REG_C);
    wr(&f, RTC_REG_B, RTC_B_24H | RTC_B_AIE);
    test_step(f.t, 9 * NS_PER_SEC);
    g_assert_cmpint(f.t->irq.level[IRQ], ==, 0);
    test_step(f.t, NS_PER_SEC); /* 13:45:40 */
    g_assert_cmpint(f.t->irq.level[IRQ], ==, 1);
    g_assert_cmphex(rd(&f, RTC_REG_C), ==, RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
    g_assert_cmpint(f.t->irq.level[IRQ], ==, 0);
    test_step(f.t, 59 * NS_PER_SEC);
    g_assert_cmpint(f.t->irq.level[IRQ], ==, 0);
    test_step(f.t, NS_PER_SEC); /* 13:46:40 */
    g_assert_cmpint(f.t->irq.level[IRQ], ==, 1);
    g_assert_cmpint(f.t->irq.raises[IRQ], ==, 2);
    rd(&f, RTC_REG_C);

    /* An exact alarm: 14:00:05, once; after that not for a day. */
    wr(&f, RTC_SECONDS_ALARM, 0x05);
    wr(&f, RTC_MINUTES_ALARM, 0x00);
    wr(&f, RTC_HOURS_ALARM, 0x14);
    test_step(f.t, (13 * 60 + 20) * NS_PER_SEC + 5 * NS_PER_SEC - NS_PER_SEC);
    g_assert_cmpint(f.t->irq.level[IRQ], ==, 0);
    test_step(f.t, NS_PER_SEC);
    g_assert_cmphex(rd(&f, RTC_SECONDS), ==, 0x05);
    g_assert_cmpint(f.t->irq.level[IRQ], ==, 1);
    rd(&f, RTC_REG_C);
    test_step(f.t, 3600 * NS_PER_SEC);
    g_assert_cmpint(f.t->irq.level[IRQ], ==, 0);

    /* AF is latched with AIE off too (flags are independent of enables),
     * and an alarm byte that is not a valid time never matches. */
    wr(&f, RTC_REG_B, RTC_B_24H);
    wr(&f, RTC_SECONDS_ALARM, 0xc0);
    wr(&f, RTC_MINUTES_ALARM, 0xc0);
    wr(&f, RTC_HOURS_ALARM, 0xc0);
    rd(&f, RTC_REG_C);
    test_step(f.t, NS_PER_SEC);
    g_assert_cmphex(rd(&f, RTC_REG_C), ==, RTC_C_AF | RTC_C_UF);
    wr(&f, RTC_SECONDS_ALARM, 0x7a);
    test_step(f.t, 3 * NS_PER_SEC);
    g_assert_cmphex(rd(&f, RTC_REG_C), ==, RTC_C_UF);
    teardown(&f);
}

static void test_alarm_12h(void)
{
    struct fx f = setup(T_2025_06_15_134530); /* 13:45:30 = 1 PM */
    wr(&f, RTC_REG_B, RTC_B_DM);                /* binary 12 h */
    wr(&f, RTC_SECONDS_ALARM, 35);
    wr(&f, RTC_MINUTES_ALARM, 45);
    wr(&f, RTC_HOURS_ALARM, 1); /* 1 AM: no match */
    rd(&f, RTC_REG_C);
    test_step(f.t, 3 * NS_PER_SEC);
    g_assert_false(rd(&f, RTC_REG_C) & RTC_C_AF);
    wr(&f, RTC_HOURS_ALARM, 0x81); /* 1 PM */
    test_step(f.t, 60 * NS_PER_SEC);
    g_assert_true(rd(&f, RTC_REG_C) & RTC_C_AF);
    teardown(&f);
}

static void test_update_interrupt(void)
{
    struct fx f = setup(T_2025_06_15_134530);
    no_periodic(&f);
    test_step(f.t, 500 * MS);
    rd(&f, RTC_REG_C);
    wr(&f, RTC_REG_B, RTC_B_24H | RTC_B_UIE);
    test_step(f.t, 499 * MS);
    g_assert_cmpint(f.t->irq.level[IRQ], ==, 0);
    test_step(f.t, 1 * MS);
    g_assert_cmpint(f.t->irq.level[IRQ], ==, 1);
    g_assert_cmphex(rd(&f, RTC_SECONDS), ==, 0x31);
    for (int i = 0; i < 5; i++) {
        g_assert_cmphex(rd(&f, RTC_REG_C), ==, RTC_C_IRQF | RTC_C_UF);
        test_step(f.t, NS_PER_SEC);
    }
    g_assert_cmpint(f.t->irq.raises[IRQ], ==, 6);
    teardown(&f);
}

static void test_regc_read_clears(void)
{
    struct fx f = setup(T_2025_06_15_134530);
    wr(&f, RTC_REG_B, RTC_B_24H | RTC_B_PIE);
    test_step(f.t, 1 * MS);
    g_assert_cmpint(f.t->irq.level[IRQ], ==, 1);
    g_assert_cmphex(rd(&f, RTC_REG_C), ==, RTC_C_IRQF | RTC_C_PF);
    g_assert_cmpint(f.t->irq.level[IRQ], ==, 0);
    g_assert_cmphex(rd(&f, RTC_REG_C), ==, 0);
    /* Writes to C and D do nothing. */
    wr(&f, RTC_REG_C, 0xff);
    wr(&f, RTC_REG_D, 0x00);
    g_assert_cmphex(rd(&f, RTC_REG_C), ==, 0);
    g_assert_cmphex(rd(&f, RTC_REG_D), ==, RTC_D_VRT);
    teardown(&f);
}

static void test_divider_stop(void)
{
    struct fx f = setup(T_2025_06_15_134530);
    test_step(f.t, 200 * MS);
    /* 11x: divider held in reset.  Time stands, no periodic ticks. */
    wr(&f, RTC_REG_A, 0x70 | 0x06);
    rd(&f, RTC_REG_C);
    test_step(f.t, 5 * NS_PER_SEC);
    g_assert_cmphex(rd(&f, RTC_SECONDS), ==, 0x30);
    g_assert_cmphex(rd(&f, RTC_REG_C), ==, 0);
    g_assert_false(rd(&f, RTC_REG_A) & RTC_A_UIP);
    /* Set the time while stopped; the first update is 0.5 s after release. */
    wr(&f, RTC_SECONDS, 0x10);
    wr(&f, RTC_REG_A, RTC_A_DV_32K | 0x06);
    test_step(f.t, 499 * MS);
    g_assert_cmphex(rd(&f, RTC_SECONDS), ==, 0x10);
    test_step(f.t, 1 * MS);
    g_assert_cmphex(rd(&f, RTC_SECONDS), ==, 0x11);

    /* Another stop value (000) keeps the phase: stopped at +0.3 s into the
     * second, the update comes 0.7 s after restart. */
    test_step(f.t, 300 * MS);
    wr(&f, RTC_REG_A, 0x00 | 0x06);
    test_step(f.t, 10 * NS_PER_SEC);
    g_assert_cmphex(rd(&f, RTC_SECONDS), ==, 0x11);
    wr(&f, RTC_REG_A, RTC_A_DV_32K | 0x06);
    test_step(f.t, 699 * MS);
    g_assert_cmphex(rd(&f, RTC_SECONDS), ==, 0x11);
    test_step(f.t, 1 * MS);
    g_assert_cmphex(rd(&f, RTC_SECONDS), ==, 0x12);
    teardown(&f);
}

static void test_nvram(void)
{
    struct fx f = setup(T_2025_06_15_134530);
    for (unsigned i = 0x0e; i < 0x80; i++)
        if (i != RTC_CENTURY)
            wr(&f, (uint8_t)i, (uint8_t)(i ^ 0xa5));
    /* Extended bank through 0x72/0x73. */
    for (unsigned i = 0; i < 0x80; i++) {
        test_outb(f.t, 0x72, (uint8_t)i);
        test_outb(f.t, 0x73, (uint8_t)(i ^ 0x3c));
    }
    for (unsigned i = 0x0e; i < 0x80; i++)
        if (i != RTC_CENTURY)
            g_assert_cmphex(rd(&f, (uint8_t)i), ==, i ^ 0xa5);
    for (unsigned i = 0; i < 0x80; i++) {
        test_outb(f.t, 0x72, (uint8_t)i);
        g_assert_cmphex(test_inb(f.t, 0x73), ==, i ^ 0x3c);
        g_assert_cmphex(mc146818_nvram_get(f.rtc, 0x80 + i), ==, i ^ 0x3c);
    }
    /* Index bit 7 is the NMI mask, not part of the index. */
    test_outb(f.t, 0x70, 0x80 | 0x20);
    g_assert_true(mc146818_nmi_disabled(f.rtc));
    g_assert_cmphex(test_inb(f.t, 0x71), ==, 0x20 ^ 0xa5);
    test_outb(f.t, 0x70, 0x20);
    g_assert_false(mc146818_nmi_disabled(f.rtc));
    /* Board access; clock registers are out of its reach. */
    mc146818_nvram_set(f.rtc, 0x5f, 3);
    g_assert_cmphex(rd(&f, 0x5f), ==, 3);
    mc146818_nvram_set(f.rtc, RTC_REG_B, 0xff);
    g_assert_cmphex(rd(&f, RTC_REG_B), ==, RTC_B_24H);
    /* Reset (cold or warm) keeps the RAM and the time. */
    mc146818_class.reset(f.rtc, RESET_COLD);
    mc146818_class.settle(f.rtc);
    g_assert_cmphex(rd(&f, 0x40), ==, 0x40 ^ 0xa5);
    g_assert_cmphex(rd(&f, RTC_SECONDS), ==, 0x30);
    teardown(&f);
}

static void test_reset(void)
{
    struct fx f = setup(T_2025_06_15_134530);
    wr(&f, RTC_REG_B, RTC_B_DM | RTC_B_PIE | RTC_B_AIE | RTC_B_UIE | RTC_B_SQWE | RTC_B_DSE);
    test_step(f.t, 2 * NS_PER_SEC);
    g_assert_cmpint(f.t->irq.level[IRQ], ==, 1);
    mc146818_class.reset(f.rtc, RESET_WARM);
    g_assert_cmpint(f.t->irq.level[IRQ], ==, 1); /* reset has no side effects */
    mc146818_class.settle(f.rtc);
    g_assert_cmpint(f.t->irq.level[IRQ], ==, 0);
    g_assert_cmphex(rd(&f, RTC_REG_B), ==, RTC_B_DM | RTC_B_DSE);
    g_assert_cmphex(rd(&f, RTC_REG_C), ==, 0);
    g_assert_cmphex(rd(&f, RTC_SECONDS), ==, 32);
    g_assert_cmpint(vclock_next_deadline(&f.t->clock), ==, INT64_MAX);
    teardown(&f);
}

static void test_pc_memory(void)
{
    static const struct {
        uint64_t below, above;
        uint8_t b[11]; /* 15 16 17 18 30 31 34 35 5b 5c 5d */
    } cases[] = {
        { 128 * MiB, 0, { 0x80, 0x02, 0xff, 0xff, 0xff, 0xff, 0x00, 0x07, 0, 0, 0 } },
        { 3 * GiB, 0, { 0x80, 0x02, 0xff, 0xff, 0xff, 0xff, 0x00, 0xbf, 0, 0, 0 } },
        { 3 * GiB, 5 * GiB, { 0x80, 0x02, 0xff, 0xff, 0xff, 0xff, 0x00, 0xbf, 0x00, 0x40, 0x01 } },
        { 16 * MiB, 0, { 0x80, 0x02, 0x00, 0x3c, 0x00, 0x3c, 0x00, 0x00, 0, 0, 0 } },
    };
    static const uint8_t idx[11] = { 0x15, 0x16, 0x17, 0x18, 0x30, 0x31,
                                     0x34, 0x35, 0x5b, 0x5c, 0x5d };
    for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
        struct fx f = setup(T_2025_06_15_134530);
        mc146818_set_pc_memory(f.rtc, cases[c].below, cases[c].above);
        for (size_t i = 0; i < ARRAY_SIZE(idx); i++)
            g_assert_cmphex(rd(&f, idx[i]), ==, cases[c].b[i]);
        teardown(&f);
    }

    /* Checksum over 0x10-0x2D, big-endian at 0x2E. */
    struct fx f = setup(T_2025_06_15_134530);
    mc146818_set_pc_memory(f.rtc, 128 * MiB, 0);
    mc146818_nvram_set(f.rtc, 0x10, 0x40);
    mc146818_nvram_set(f.rtc, 0x2d, 0x20);
    mc146818_nvram_set(f.rtc, 0x30, 0x99); /* outside the range */
    mc146818_set_checksum(f.rtc);
    unsigned sum = 0x80 + 0x02 + 0xff + 0xff + 0x40 + 0x20;
    g_assert_cmphex(rd(&f, 0x2e), ==, sum >> 8);
    g_assert_cmphex(rd(&f, 0x2f), ==, sum & 0xff);
    teardown(&f);
}

static void test_century_write(void)
{
    struct fx f = setup(T_2025_06_15_134530);
    /* A write to the century byte moves the clock's century (and thus its
     * leap years) with it. */
    mc146818_nvram_set(f.rtc, RTC_CENTURY, 0x21);
    assert_time(&f, 0x21, 0x25, 0x06, 0x15, 0x13, 0x45, 0x30);
    g_assert_cmphex(mc146818_nvram_get(f.rtc, RTC_CENTURY), ==, 0x21);
    teardown(&f);
}

static void test_garbage_time(void)
{
    /* Invalid register values are normalised, never trusted. */
    struct fx f = setup(T_2025_06_15_134530);
    wr(&f, RTC_REG_B, RTC_B_24H | RTC_B_SET | RTC_B_DM);
    for (uint8_t i = 0; i <= RTC_YEAR; i++)
        wr(&f, i, 0xff);
    wr(&f, RTC_CENTURY, 0xff);
    wr(&f, RTC_REG_B, RTC_B_24H | RTC_B_DM);
    test_step(f.t, 3 * NS_PER_SEC);
    g_assert_cmpuint(rd(&f, RTC_SECONDS), <, 60);
    g_assert_cmpuint(rd(&f, RTC_MONTH), <=, 12);
    g_assert_cmpuint(rd(&f, RTC_YEAR), <, 100);
    teardown(&f);
}

static void test_generic(void)
{
    struct fx f = setup(T_2025_06_15_134530);
    struct test_env *t2 = test_env_new(0);
    test_dev_reset_idempotent(&mc146818_class, f.rtc);
    mc146818_class.settle(f.rtc);
    /* Interesting state: guest time, frozen divider phase, armed timer,
     * latched flags, NVRAM. */
    wr(&f, RTC_REG_B, RTC_B_24H | RTC_B_SET);
    wr(&f, RTC_HOURS, 0x07);
    wr(&f, RTC_REG_B, RTC_B_24H | RTC_B_PIE | RTC_B_AIE);
    wr(&f, RTC_REG_A, RTC_A_DV_32K | 0x0f);
    wr(&f, 0x40, 0x5a);
    test_outb(f.t, 0x72, 0x11);
    test_step(f.t, 1234 * MS);
    g_assert_true(vtimer_pending(&f.rtc->timer) || f.t->irq.level[IRQ]);
    struct mc146818 *fresh = make_rtc(t2, 0);
    test_step(t2, 1234 * MS);
    test_dev_roundtrip(&mc146818_class, f.rtc, fresh);
    /* The loaded device tells the same time. */
    struct fx f2 = { t2, fresh };
    g_assert_cmphex(rd(&f2, RTC_HOURS), ==, 0x07);
    g_assert_cmphex(rd(&f2, RTC_SECONDS), ==, rd(&f, RTC_SECONDS));
    g_assert_cmphex(rd(&f2, RTC_DAY_OF_MONTH), ==, 0x15);
    g_assert_cmphex(rd(&f2, 0x40), ==, 0x5a);
    mc146818_class.destroy(fresh);
    test_env_free(t2);
    teardown(&f);
}

static void expect_reject(struct mc146818 *rtc, const char *field, uint64_t v, int bytes)
{
    struct vm_writer w;
    g_assert_cmpint(vmw_begin(&w), ==, 0);
    vmw_node_begin(&w, "dev");
    if (bytes == 1)
        vmw_u8(&w, field, (uint8_t)v);
    else
        vmw_i64(&w, field, (int64_t)v);
    vmw_node_end(&w);
    size_t n;
    void *blob = vmw_finish(&w, &n);
    g_assert_nonnull(blob);
    char err[200];
    g_assert_cmpint(test_dev_load(&mc146818_class, rtc, blob, n, err, sizeof(err)), ==, -1);
    g_free(blob);
}

static void test_load_rejects(void)
{
    struct fx f = setup(T_2025_06_15_134530);
    size_t n0;
    void *before = test_dev_save(&mc146818_class, f.rtc, &n0);
    expect_reject(f.rtc, "index", 0x80, 1);
    expect_reject(f.rtc, "ext_index", 0xff, 1);
    expect_reject(f.rtc, "wday_adj", 7, 1);
    expect_reject(f.rtc, "flags", 0x81, 1);
    expect_reject(f.rtc, "base_s", (uint64_t)INT64_MAX, 8);
    expect_reject(f.rtc, "guest_off_s", (uint64_t)INT64_MIN, 8);
    expect_reject(f.rtc, "div_offset", (uint64_t)INT64_MAX, 8);
    expect_reject(f.rtc, "div_frozen", (uint64_t)INT64_MIN, 8);
    expect_reject(f.rtc, "last_eval", (uint64_t)INT64_MAX, 8);
    expect_reject(f.rtc, "timer_deadline", (uint64_t)-5, 8);
    /* Wrong sizes. */
    expect_reject(f.rtc, "cmos", 0, 1);
    expect_reject(f.rtc, "base_s", 0, 1);
    /* Register A with UIP. */
    {
        uint8_t cmos[MC146818_CMOS_SIZE] = { 0 };
        cmos[RTC_REG_A] = 0xa6;
        struct vm_writer w;
        g_assert_cmpint(vmw_begin(&w), ==, 0);
        vmw_node_begin(&w, "dev");
        vmw_bytes(&w, "cmos", cmos, sizeof(cmos));
        vmw_node_end(&w);
        size_t n;
        void *blob = vmw_finish(&w, &n);
        char err[200];
        g_assert_cmpint(test_dev_load(&mc146818_class, f.rtc, blob, n, err, sizeof(err)), ==, -1);
        g_free(blob);
    }
    /* A rejected load leaves the device as it was. */
    size_t n1;
    void *after = test_dev_save(&mc146818_class, f.rtc, &n1);
    g_assert_cmpuint(n0, ==, n1);
    g_assert_cmpint(memcmp(before, after, n0), ==, 0);
    g_free(before);
    g_free(after);
    teardown(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mc146818/read-bcd-24h", test_read_bcd_24h);
    g_test_add_func("/mc146818/read-binary-12h", test_read_binary_12h);
    g_test_add_func("/mc146818/rollover", test_rollover);
    g_test_add_func("/mc146818/uip-window", test_uip_window);
    g_test_add_func("/mc146818/guest-sets-time", test_guest_sets_time);
    g_test_add_func("/mc146818/set-clears-uie", test_set_clears_uie);
    g_test_add_func("/mc146818/periodic-rates", test_periodic_rates);
    g_test_add_func("/mc146818/pf-without-pie", test_pf_without_pie);
    g_test_add_func("/mc146818/no-timer-when-idle", test_no_timer_when_idle);
    g_test_add_func("/mc146818/alarm-dont-care", test_alarm_dont_care);
    g_test_add_func("/mc146818/alarm-12h", test_alarm_12h);
    g_test_add_func("/mc146818/update-interrupt", test_update_interrupt);
    g_test_add_func("/mc146818/regc-read-clears", test_regc_read_clears);
    g_test_add_func("/mc146818/divider-stop", test_divider_stop);
    g_test_add_func("/mc146818/nvram", test_nvram);
    g_test_add_func("/mc146818/reset", test_reset);
    g_test_add_func("/mc146818/pc-memory", test_pc_memory);
    g_test_add_func("/mc146818/century-write", test_century_write);
    g_test_add_func("/mc146818/garbage-time", test_garbage_time);
    g_test_add_func("/mc146818/generic", test_generic);
    g_test_add_func("/mc146818/load-rejects", test_load_rejects);
    return g_test_run();
}
