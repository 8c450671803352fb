/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Virtual clock and timers: ordering, re-arming, stepping, pause. */
#include "tests/support/testenv.h"

struct tctx {
    struct vclock *c;
    struct vtimer t;
    int fired;
    int64_t at[8];
    int64_t period;
};

static void cb(void *opaque)
{
    struct tctx *x = opaque;
    if (x->fired < 8)
        x->at[x->fired] = vclock_now(x->c);
    x->fired++;
    if (x->period)
        vtimer_mod(&x->t, x->t.deadline + x->period);
}

static void test_order(void)
{
    struct vclock c;
    vclock_init(&c, VCLOCK_MANUAL);
    struct tctx a = { .c = &c }, b = { .c = &c };
    vtimer_init(&a.t, &c, cb, &a);
    vtimer_init(&b.t, &c, cb, &b);
    vtimer_mod(&a.t, 300);
    vtimer_mod(&b.t, 100);
    g_assert_cmpint(vclock_next_deadline(&c), ==, 100);
    vclock_step(&c, 99);
    g_assert_cmpint(a.fired + b.fired, ==, 0);
    vclock_step(&c, 1);
    g_assert_cmpint(b.fired, ==, 1);
    g_assert_cmpint(b.at[0], ==, 100);
    vclock_step(&c, 1000);
    g_assert_cmpint(a.fired, ==, 1);
    g_assert_cmpint(a.at[0], ==, 300); /* runs at its own deadline */
    g_assert_cmpint(vclock_now(&c), ==, 1100);
}

static void test_periodic_and_del(void)
{
    struct vclock c;
    vclock_init(&c, VCLOCK_MANUAL);
    struct tctx a = { .c = &c, .period = 10 };
    vtimer_init(&a.t, &c, cb, &a);
    vtimer_mod(&a.t, 10);
    vclock_step(&c, 55);
    g_assert_cmpint(a.fired, ==, 5);
    g_assert_cmpint(a.at[4], ==, 50);
    vtimer_del(&a.t);
    g_assert_false(vtimer_pending(&a.t));
    vclock_step(&c, 100);
    g_assert_cmpint(a.fired, ==, 5);
}

static void test_host_pause(void)
{
    struct vclock c;
    vclock_init(&c, VCLOCK_HOST);
    /* Starts stopped at 0 until the machine runs. */
    g_assert_false(vclock_running(&c));
    g_assert_cmpint(vclock_now(&c), ==, 0);
    vclock_start(&c);
    int64_t a = vclock_now(&c);
    int64_t b = vclock_now(&c);
    g_assert_cmpint(b, >=, a);
    vclock_stop(&c);
    int64_t s1 = vclock_now(&c);
    int64_t s2 = vclock_now(&c);
    g_assert_cmpint(s1, ==, s2); /* time does not pass while paused */
    vclock_start(&c);
    g_assert_cmpint(vclock_now(&c), >=, s1);
    vclock_set(&c, 5 * NS_PER_SEC);
    g_assert_cmpint(vclock_now(&c), >=, 5 * NS_PER_SEC);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/clock/order", test_order);
    g_test_add_func("/clock/periodic", test_periodic_and_del);
    g_test_add_func("/clock/host-pause", test_host_pause);
    return g_test_run();
}
