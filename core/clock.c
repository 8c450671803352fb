/* SPDX-License-Identifier: GPL-2.0-or-later */
/* clock.c: virtual clock and a sorted timer list.
 *
 * A sorted singly linked list is enough: a PC has a few dozen timers and
 * only a handful armed at once; insertion is O(n) with small n and the
 * earliest deadline is O(1). */
#include <time.h>
#include "core/clock.h"

static int64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/* The running base of a non-manual clock: host time or instruction time. */
static int64_t base_ns(const struct vclock *c)
{
    if (c->mode == VCLOCK_ICOUNT)
        return c->icount_ns ? c->icount_ns(c->icount_opaque) : 0;
    return host_ns();
}

void vclock_init(struct vclock *c, enum vclock_mode mode)
{
    c->mode = mode;
    atomic_store(&c->manual_now, 0);
    c->icount_ns = NULL;
    c->icount_opaque = NULL;
    atomic_store(&c->offset, -base_ns(c));
    atomic_store(&c->stopped_at, mode == VCLOCK_MANUAL ? -1 : 0);
    c->timers = NULL;
    c->notify = NULL;
    c->notify_opaque = NULL;
}

int64_t vclock_now(const struct vclock *c)
{
    if (c->mode == VCLOCK_MANUAL)
        return atomic_load(&c->manual_now);
    int64_t stopped = atomic_load(&c->stopped_at);
    if (stopped >= 0)
        return stopped;
    return base_ns(c) + atomic_load(&c->offset);
}

void vclock_stop(struct vclock *c)
{
    if (c->mode == VCLOCK_MANUAL || atomic_load(&c->stopped_at) >= 0)
        return;
    atomic_store(&c->stopped_at, vclock_now(c));
}

void vclock_start(struct vclock *c)
{
    int64_t stopped = atomic_load(&c->stopped_at);
    if (c->mode == VCLOCK_MANUAL || stopped < 0)
        return;
    /* Resume exactly where we stopped. */
    atomic_store(&c->offset, stopped - base_ns(c));
    atomic_store(&c->stopped_at, -1);
}

bool vclock_running(const struct vclock *c)
{
    return c->mode == VCLOCK_MANUAL || atomic_load(&c->stopped_at) < 0;
}

void vclock_set(struct vclock *c, int64_t now)
{
    if (c->mode == VCLOCK_MANUAL) {
        atomic_store(&c->manual_now, now);
        return;
    }
    if (atomic_load(&c->stopped_at) >= 0)
        atomic_store(&c->stopped_at, now);
    else
        atomic_store(&c->offset, now - base_ns(c));
}

void vclock_warp(struct vclock *c, int64_t target)
{
    int64_t now = vclock_now(c);
    if (c->mode == VCLOCK_ICOUNT && target > now && atomic_load(&c->stopped_at) < 0)
        atomic_fetch_add(&c->offset, target - now);
}

int64_t vclock_next_deadline(const struct vclock *c)
{
    return c->timers ? c->timers->deadline : INT64_MAX;
}

void vtimer_init(struct vtimer *t, struct vclock *c, void (*cb)(void *), void *opaque)
{
    t->clock = c;
    t->deadline = 0;
    t->armed = false;
    t->cb = cb;
    t->opaque = opaque;
    t->next = NULL;
}

static void unlink_timer(struct vtimer *t)
{
    for (struct vtimer **p = &t->clock->timers; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    t->next = NULL;
    t->armed = false;
}

void vtimer_del(struct vtimer *t)
{
    if (t->armed)
        unlink_timer(t);
}

void vtimer_mod(struct vtimer *t, int64_t deadline)
{
    struct vclock *c = t->clock;
    if (t->armed)
        unlink_timer(t);
    t->deadline = deadline;
    t->armed = true;
    struct vtimer **p = &c->timers;
    /* Equal deadlines fire in arming order. */
    while (*p && (*p)->deadline <= deadline)
        p = &(*p)->next;
    t->next = *p;
    *p = t;
    if (c->timers == t && c->notify)
        c->notify(c->notify_opaque);
}

static bool run_one(struct vclock *c, int64_t now)
{
    struct vtimer *t = c->timers;
    if (!t || t->deadline > now)
        return false;
    c->timers = t->next;
    t->next = NULL;
    t->armed = false;
    t->cb(t->opaque);
    return true;
}

void vclock_run_timers(struct vclock *c)
{
    int64_t now = vclock_now(c);
    /* Bound the work per call: a timer re-armed at or before `now` in its own
     * callback (a guest programming a zero period) must not wedge the loop. */
    for (int i = 0; i < 10000 && run_one(c, now); i++)
        ;
}

void vclock_step(struct vclock *c, int64_t ns)
{
    int64_t target = atomic_load(&c->manual_now) + ns;
    for (int i = 0; i < 1000000; i++) {
        struct vtimer *t = c->timers;
        if (!t || t->deadline > target)
            break;
        if (t->deadline > atomic_load(&c->manual_now))
            atomic_store(&c->manual_now, t->deadline);
        run_one(c, t->deadline);
    }
    atomic_store(&c->manual_now, target);
}
