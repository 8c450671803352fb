/* SPDX-License-Identifier: GPL-2.0-or-later */
/* clock.h: the machine's virtual clock and its timers.
 *
 * Device code never reads host time.  It reads vclock_now() (ns) and arms
 * timers at absolute virtual deadlines.  In VCLOCK_HOST mode the clock
 * follows CLOCK_MONOTONIC and stops while the VM is paused; in VCLOCK_MANUAL
 * mode (tests, fuzzers) it moves only in vclock_step(), which also runs the
 * timers that fall due, so timer-driven device behaviour is deterministic.
 *
 * Locking: timers are armed, cancelled and run under the machine lock.
 * vclock_now() is lock-free. */
#ifndef CORE_CLOCK_H
#define CORE_CLOCK_H

#include <stdatomic.h>
#include "core/base.h"

#define NS_PER_SEC 1000000000LL

/* VCLOCK_ICOUNT (-icount shift=N): virtual time is the number of executed
 * guest instructions << shift ns, read through icount_ns; the CPU thread
 * runs timers itself and warps the clock over idle periods, so a run is
 * repeatable bit for bit. */
enum vclock_mode { VCLOCK_HOST, VCLOCK_MANUAL, VCLOCK_ICOUNT };

struct vtimer;

struct vclock {
    enum vclock_mode mode;
    _Atomic int64_t offset;     /* virtual = host monotonic + offset */
    _Atomic int64_t manual_now; /* VCLOCK_MANUAL: the current time */
    _Atomic int64_t stopped_at; /* -1 when running */
    struct vtimer *timers;      /* armed timers, sorted by deadline */
    /* Called (under the lock) when the earliest deadline moves earlier, so
     * the main loop can shorten its sleep. */
    void (*notify)(void *opaque);
    void *notify_opaque;
    /* VCLOCK_ICOUNT: instructions so far, in ns (set by the accelerator). */
    int64_t (*icount_ns)(void *opaque);
    void *icount_opaque;
};

struct vtimer {
    struct vclock *clock;
    int64_t deadline;
    bool armed;
    void (*cb)(void *opaque);
    void *opaque;
    struct vtimer *next;
};

void vclock_init(struct vclock *c, enum vclock_mode mode);
int64_t vclock_now(const struct vclock *c);
/* Pause and resume (VCLOCK_HOST): virtual time does not pass while paused. */
void vclock_stop(struct vclock *c);
void vclock_start(struct vclock *c);
bool vclock_running(const struct vclock *c);
/* Earliest armed deadline, or INT64_MAX. */
int64_t vclock_next_deadline(const struct vclock *c);
/* Run every timer whose deadline is <= now.  A callback may re-arm timers. */
void vclock_run_timers(struct vclock *c);
/* VCLOCK_MANUAL: advance by ns, running timers in deadline order at their
 * own deadlines (vclock_now() inside a callback returns its deadline). */
void vclock_step(struct vclock *c, int64_t ns);
/* Restore a saved time (VCLOCK_MANUAL sets it; VCLOCK_HOST adjusts offset). */
void vclock_set(struct vclock *c, int64_t now);
/* VCLOCK_ICOUNT: jump forward to `target` (idle CPUs skip to a deadline). */
void vclock_warp(struct vclock *c, int64_t target);

void vtimer_init(struct vtimer *t, struct vclock *c, void (*cb)(void *), void *opaque);
void vtimer_mod(struct vtimer *t, int64_t deadline);
void vtimer_del(struct vtimer *t);
static inline bool vtimer_pending(const struct vtimer *t) { return t->armed; }

#endif
