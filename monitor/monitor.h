/* SPDX-License-Identifier: GPL-2.0-or-later */
/* monitor.h: the machine's control plane: QMP sessions (core/qmp.c with the
 * commands of monitor/qmp_cmds.c), the human monitor (HMP) command
 * interpreter and its readline-less frontend, fd sets (add-fd), and the
 * list of chardevs query-chardev reports.
 *
 * monitor_new() makes the monitor the machine's run_listener: run-state
 * transitions become QMP events (SHUTDOWN, RESET, STOP, RESUME, POWERDOWN)
 * and held replies go out after the main loop has carried out requests.
 * Set up (new, add_*) before the main loop runs; free after it ended and
 * before the chardevs are freed. */
#ifndef MONITOR_MONITOR_H
#define MONITOR_MONITOR_H

#include <glib.h>
#include "core/accel_ops.h"
#include "core/chardev.h"
#include "core/machine.h"
#include "core/qmp.h"
#include "hw/input/keymap.h"

#define MONITOR_MAX_FDSET_FDS 256 /* fds held in all fd sets together */

struct fdset_fd {
    int fd;
    char *opaque;
};

struct fdset {
    int64_t id;
    GArray *fds; /* struct fdset_fd */
};

struct hmp_session;
struct pc;

struct monitor {
    struct machine *m;
    struct qmp_server *qmp;
    GPtrArray *chardevs; /* registered for query-chardev (not owned) */
    GPtrArray *fdsets;   /* struct fdset *, sorted by id */
    unsigned nfdset_fds;
    GPtrArray *hmp;      /* struct hmp_session * */
    struct key_sender *keys; /* send-key; NULL without a keyboard (-machine none) */
    unsigned nsessions;      /* QMP and HMP sessions attached */
    struct pc *pc;       /* the board's drives (query-block); NULL: none */
};

struct monitor *monitor_new(struct machine *m);
void monitor_free(struct monitor *mon);
/* QMP on cd (-qmp, -mon mode=control). */
void monitor_add_qmp(struct monitor *mon, struct chardev *cd, bool pretty);
/* The human monitor on cd (-monitor, -mon mode=readline, mon:stdio). */
void monitor_add_hmp(struct monitor *mon, struct chardev *cd);
/* A chardev query-chardev lists (every chardev the command line made). */
void monitor_register_chardev(struct monitor *mon, struct chardev *cd);

/* The board whose drives query-block and info block report. */
void monitor_set_board(struct monitor *mon, struct pc *pc);
/* The board's tray listener (pc_set_tray_listener): DEVICE_TRAY_MOVED. */
void monitor_tray_moved(void *opaque, const char *id, bool open);

/* The keyboard send-key and sendkey type on (the board's PS/2 keyboard). */
void monitor_set_keyboard(struct monitor *mon, struct ps2_kbd *kbd);
/* Press keys (Linux KEY_* codes) in order, release them in reverse order
 * hold_ms later (virtual time).  0, or -1 with *err. */
int monitor_send_keys(struct monitor *mon, const unsigned *keys, unsigned n, int64_t hold_ms,
                      char **err);

/* Run one HMP command line; returns its output (caller frees).  cpu is the
 * CPU the command is about (info registers, x), as human-monitor-command's
 * cpu-index or the session's `cpu N` chooses it. */
char *monitor_hmp_command(struct monitor *mon, const char *line);
char *monitor_hmp_command_cpu(struct monitor *mon, const char *line, unsigned *cpu);

/* Pause the vCPUs of a running machine for a moment (the machine lock is
 * held by the caller and released while they park); monitor_resume_vcpus
 * lets them go again.  Used to read registers.  Returns whether it paused. */
bool monitor_pause_vcpus(struct monitor *mon);
void monitor_resume_vcpus(struct monitor *mon, bool paused);

#endif
