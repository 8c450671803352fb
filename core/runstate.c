/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runstate.c: run states and the main loop's handling of requests.
 *
 * The transitions follow QEMU's documented behaviour (QMP reference:
 * stop, cont, system_reset, quit; the SHUTDOWN/RESET/STOP/RESUME events):
 *  - stop only acts on a running machine (prelaunch stays prelaunch);
 *  - cont from prelaunch or paused resumes; from shutdown or internal-error
 *    it is refused until a reset (the QMP layer says "Resetting the Virtual
 *    Machine is required");
 *  - a reset of a machine that is not running leaves it in prelaunch, so
 *    "system_reset; cont" restarts a guest that powered off under
 *    -no-shutdown;
 *  - a guest power-off reports SHUTDOWN (guest-shutdown) and exits, or with
 *    -no-shutdown stops in state shutdown (STOP);
 *  - -no-reboot turns a reset (guest or QMP) into a shutdown with the
 *    reset's cause;
 *  - quit (QMP, Ctrl-A x) and signals report SHUTDOWN and exit 0 even under
 *    -no-shutdown.
 * An internal error (an accelerator cannot go on) stops the machine in
 * state internal-error when a monitor is there to act on it, and otherwise
 * ends the process with status 1.
 * isa-debug-exit (REQ_EXIT) leaves at once with its status and no event, as
 * the device's purpose is to end a test run. */
#include <glib.h>
#include "core/accel_ops.h"
#include "core/machine.h"
#include "core/runstate.h"

static const char *const state_names[] = {
    [RUN_STATE_PRELAUNCH] = "prelaunch",
    [RUN_STATE_RUNNING] = "running",
    [RUN_STATE_PAUSED] = "paused",
    [RUN_STATE_SHUTDOWN] = "shutdown",
    [RUN_STATE_INTERNAL_ERROR] = "internal-error",
};

static const char *const cause_names[] = {
    [SHUTDOWN_CAUSE_NONE] = "none",
    [SHUTDOWN_CAUSE_HOST_ERROR] = "host-error",
    [SHUTDOWN_CAUSE_HOST_QMP_QUIT] = "host-qmp-quit",
    [SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET] = "host-qmp-system-reset",
    [SHUTDOWN_CAUSE_HOST_SIGNAL] = "host-signal",
    [SHUTDOWN_CAUSE_HOST_UI] = "host-ui",
    [SHUTDOWN_CAUSE_GUEST_SHUTDOWN] = "guest-shutdown",
    [SHUTDOWN_CAUSE_GUEST_RESET] = "guest-reset",
    [SHUTDOWN_CAUSE_GUEST_PANIC] = "guest-panic",
    [SHUTDOWN_CAUSE_SUBSYSTEM_RESET] = "subsystem-reset",
};

const char *run_state_name(enum run_state s)
{
    return (unsigned)s < ARRAY_SIZE(state_names) ? state_names[s] : "unknown";
}

const char *shutdown_cause_name(enum shutdown_cause c)
{
    return (unsigned)c < ARRAY_SIZE(cause_names) ? cause_names[c] : "none";
}

bool shutdown_cause_is_guest(enum shutdown_cause c)
{
    return c == SHUTDOWN_CAUSE_GUEST_SHUTDOWN || c == SHUTDOWN_CAUSE_GUEST_RESET ||
           c == SHUTDOWN_CAUSE_GUEST_PANIC;
}

enum run_state runstate_get(const struct machine *m)
{
    return (enum run_state)atomic_load(&m->state);
}

bool runstate_is_running(const struct machine *m)
{
    return runstate_get(m) == RUN_STATE_RUNNING;
}

bool runstate_needs_reset(const struct machine *m)
{
    enum run_state s = runstate_get(m);
    return s == RUN_STATE_SHUTDOWN || s == RUN_STATE_INTERNAL_ERROR;
}

void runstate_event(struct machine *m, enum run_event ev, enum shutdown_cause cause)
{
    if (!m->run_listener.event)
        return;
    pthread_mutex_lock(&m->lock);
    m->run_listener.event(m->run_listener.opaque, ev, cause);
    pthread_mutex_unlock(&m->lock);
}

int runstate_start(struct machine *m, bool autostart, char **err)
{
    const struct accel_ops *a = m->accel;
    if (!autostart && a->pause)
        a->pause(m); /* the vCPU threads start parked */
    if (autostart)
        vclock_start(&m->clock);
    /* -machine none has no CPUs to start. */
    if (m->smp_cpus && a->start(m, err))
        return -1;
    atomic_store(&m->state, autostart ? RUN_STATE_RUNNING : RUN_STATE_PRELAUNCH);
    return 0;
}

/* Running -> a stopped state: park the vCPUs, freeze virtual time. */
static void stop_to(struct machine *m, enum run_state to)
{
    if (!runstate_is_running(m))
        return;
    if (m->accel && m->accel->pause)
        m->accel->pause(m);
    vclock_stop(&m->clock);
    atomic_store(&m->state, to);
    runstate_event(m, RUN_EVENT_STOP, SHUTDOWN_CAUSE_NONE);
}

static void do_cont(struct machine *m)
{
    enum run_state s = runstate_get(m);
    if (s != RUN_STATE_PRELAUNCH && s != RUN_STATE_PAUSED)
        return;
    vclock_start(&m->clock);
    atomic_store(&m->state, RUN_STATE_RUNNING);
    if (m->accel && m->accel->resume)
        m->accel->resume(m);
    runstate_event(m, RUN_EVENT_RESUME, SHUTDOWN_CAUSE_NONE);
}

static void do_reset(struct machine *m, enum shutdown_cause cause)
{
    const struct accel_ops *a = m->accel;
    bool running = runstate_is_running(m);
    if (running && a && a->pause)
        a->pause(m);
    pthread_mutex_lock(&m->lock);
    machine_reset_devices(m, RESET_WARM);
    pthread_mutex_unlock(&m->lock);
    if (a && a->reset_cpus)
        a->reset_cpus(m);
    if (running && a && a->resume)
        a->resume(m);
    else if (!running)
        atomic_store(&m->state, RUN_STATE_PRELAUNCH);
    runstate_event(m, RUN_EVENT_RESET, cause);
}

/* A shutdown request (guest power-off, or a reset under -no-reboot):
 * report it, then exit, or under -no-shutdown stop in state shutdown.
 * Returns true to exit. */
static bool do_shutdown(struct machine *m, enum shutdown_cause cause)
{
    runstate_event(m, RUN_EVENT_SHUTDOWN, cause);
    if (m->no_shutdown) {
        stop_to(m, RUN_STATE_SHUTDOWN);
        return false;
    }
    atomic_store(&m->exit_status, 0);
    return true;
}

static bool handle(struct machine *m, unsigned req)
{
    if (req & REQ_EXIT)
        return true;
    if (req & REQ_QUIT) {
        enum shutdown_cause c = (enum shutdown_cause)atomic_load(&m->quit_cause);
        runstate_event(m, RUN_EVENT_SHUTDOWN, c ? c : SHUTDOWN_CAUSE_HOST_QMP_QUIT);
        atomic_store(&m->exit_status, 0);
        return true;
    }
    if (req & REQ_INTERNAL_ERROR) {
        /* Nobody could act on a stopped machine: leave, as before there
         * was a monitor (the accelerator printed the reason). */
        if (!m->run_listener.attended || !m->run_listener.attended(m->run_listener.opaque)) {
            atomic_store(&m->exit_status, 1);
            return true;
        }
        stop_to(m, RUN_STATE_INTERNAL_ERROR);
    }
    if ((req & REQ_POWEROFF) && do_shutdown(m, SHUTDOWN_CAUSE_GUEST_SHUTDOWN))
        return true;
    if (req & REQ_RESET) {
        enum shutdown_cause c = (enum shutdown_cause)atomic_load(&m->reset_cause);
        if (!c)
            c = SHUTDOWN_CAUSE_GUEST_RESET;
        if (m->no_reboot) {
            if (do_shutdown(m, c))
                return true;
        } else {
            do_reset(m, c);
        }
    }
    if (req & REQ_POWERDOWN) {
        /* QEMU sends the event, then presses the button (ACPI: the guest
         * decides what to do, usually power off through S5). */
        runstate_event(m, RUN_EVENT_POWERDOWN, SHUTDOWN_CAUSE_NONE);
        if (m->board_powerdown) {
            pthread_mutex_lock(&m->lock);
            m->board_powerdown(m);
            pthread_mutex_unlock(&m->lock);
        }
    }
    if (req & REQ_STOP)
        stop_to(m, RUN_STATE_PAUSED);
    if (req & REQ_CONT)
        do_cont(m);
    return false;
}

bool runstate_handle_requests(struct machine *m)
{
    unsigned req = atomic_exchange(&m->requests, 0);
    bool quit = req && handle(m, req);
    /* Also when quitting: a held reply (HMP "quit") still goes out. */
    if (m->run_listener.requests_done)
        m->run_listener.requests_done(m->run_listener.opaque);
    return quit;
}
