/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runstate.h: the machine's run states and what moves it between them.
 *
 * States and their names are QEMU's (QMP query-status): prelaunch (-S: the
 * vCPUs exist but have not run), running, paused (stop), shutdown (the
 * guest powered off under -no-shutdown) and internal-error (an accelerator
 * could not go on).  While not running, the vCPUs are parked and the
 * virtual clock is stopped.
 *
 * Everything that changes the state is a request (core/machine.h,
 * machine_request) carried out by the main loop thread in
 * runstate_handle_requests(), without the machine lock, because pausing a
 * vCPU may need that lock to let it finish an exit.  Each transition
 * reports an event (STOP, RESUME, RESET, SHUTDOWN, POWERDOWN) to the
 * machine's run_listener, which the monitor turns into QMP events. */
#ifndef CORE_RUNSTATE_H
#define CORE_RUNSTATE_H

#include "core/base.h"

struct machine;

/* RUNNING is 0: a machine whose accelerator was started directly (tests)
 * behaves as running without having gone through runstate_start(). */
enum run_state {
    RUN_STATE_RUNNING,
    RUN_STATE_PRELAUNCH,
    RUN_STATE_PAUSED,
    RUN_STATE_SHUTDOWN,
    RUN_STATE_INTERNAL_ERROR,
};

/* Why the machine shut down or reset (QEMU's ShutdownCause, same names). */
enum shutdown_cause {
    SHUTDOWN_CAUSE_NONE,
    SHUTDOWN_CAUSE_HOST_ERROR,
    SHUTDOWN_CAUSE_HOST_QMP_QUIT,
    SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET,
    SHUTDOWN_CAUSE_HOST_SIGNAL,
    SHUTDOWN_CAUSE_HOST_UI,
    SHUTDOWN_CAUSE_GUEST_SHUTDOWN,
    SHUTDOWN_CAUSE_GUEST_RESET,
    SHUTDOWN_CAUSE_GUEST_PANIC,
    SHUTDOWN_CAUSE_SUBSYSTEM_RESET,
    SHUTDOWN_CAUSE__MAX,
};

enum run_event {
    RUN_EVENT_SHUTDOWN, /* with a cause */
    RUN_EVENT_RESET,    /* with a cause */
    RUN_EVENT_STOP,
    RUN_EVENT_RESUME,
    RUN_EVENT_POWERDOWN,
};

/* Who hears about transitions (the monitor).  event() is called with the
 * machine lock held; requests_done() without it, from the main loop thread,
 * after every round of request handling (the monitor sends the replies it
 * held back until the requests a command posted were carried out). */
struct run_listener {
    void (*event)(void *opaque, enum run_event ev, enum shutdown_cause cause);
    void (*requests_done)(void *opaque);
    /* Is there a monitor (QMP or HMP session) that could inspect, reset or
     * quit a stopped machine?  NULL or false: an internal error ends the
     * process (status 1) instead of stopping in internal-error forever. */
    bool (*attended)(void *opaque);
    void *opaque;
};

const char *run_state_name(enum run_state s);
const char *shutdown_cause_name(enum shutdown_cause c);
bool shutdown_cause_is_guest(enum shutdown_cause c);

/* Start the vCPUs (accel->start).  autostart false (-S): they are created
 * parked (accel->pause before accel->start, which every accelerator must
 * honour) and the machine stays in prelaunch until a cont request. */
int runstate_start(struct machine *m, bool autostart, char **err);
enum run_state runstate_get(const struct machine *m);
bool runstate_is_running(const struct machine *m);
/* cont is refused in shutdown and internal-error until a system reset. */
bool runstate_needs_reset(const struct machine *m);
/* Report an event to the listener; takes the machine lock. */
void runstate_event(struct machine *m, enum run_event ev, enum shutdown_cause cause);
/* Carry out posted requests (main loop thread, lock not held).  Returns
 * true when the process should exit with m->exit_status. */
bool runstate_handle_requests(struct machine *m);

#endif
