/* SPDX-License-Identifier: GPL-2.0-or-later */
/* chardev.h: character device backends (serial ports, monitors, debugcon).
 *
 * Backends: stdio (raw terminal, Ctrl-A escapes as QEMU: x quit, h help,
 * a sends Ctrl-A, c switches mux focus), file, pty, unix and TCP sockets
 * (server or client), null.  A backend has at most one frontend (a "mux"
 * shares stdio between serial and monitor).  Input arrives on the GLib main
 * loop and is delivered under the machine lock; a frontend that cannot take
 * more bytes (FIFO full) returns 0 from can_read and later calls
 * chardev_accept_input() to resume.  Output (chardev_write) never blocks the
 * caller for long: sockets without a client drop bytes, as a real serial
 * line without a listener does. */
#ifndef CORE_CHARDEV_H
#define CORE_CHARDEV_H

#include <glib.h>
#include <pthread.h>
#include "core/base.h"

enum chardev_event { CHR_OPENED, CHR_CLOSED };

struct chardev_fe {
    int (*can_read)(void *opaque);                        /* bytes it can take */
    void (*read)(void *opaque, const uint8_t *buf, int len);
    void (*event)(void *opaque, enum chardev_event ev); /* may be NULL */
    void *opaque;
};

/* What the chardevs need from the process: the loop, the lock taken around
 * frontend callbacks, and what Ctrl-A x does. */
struct chardev_host {
    GMainContext *ctx;
    pthread_mutex_t *lock;
    void (*quit)(void *opaque);
    void *opaque;
};

struct chardev;

/* Parse a QEMU -serial / -chardev style spec:
 *   stdio | mon:stdio | null | none | file:PATH | pty |
 *   unix:PATH[,server=on|off][,wait=on|off] |
 *   tcp:[HOST]:PORT[,server=on|off][,wait=on|off]
 * "none" returns NULL with no error.  On error returns NULL with *err set. */
struct chardev *chardev_new(const struct chardev_host *host, const char *label,
                            const char *spec, char **err);
/* -chardev BACKEND,id=ID,...: same backends in option form. */
struct chardev *chardev_new_opts(const struct chardev_host *host, const char *opts,
                                 char **id_out, char **err);
void chardev_free(struct chardev *cd);
const char *chardev_label(const struct chardev *cd);
const char *chardev_filename(const struct chardev *cd); /* e.g. "pty:/dev/pts/3" */

void chardev_set_fe(struct chardev *cd, const struct chardev_fe *fe);
/* A mux (mon:stdio, -chardev ...,mux=on) takes further frontends, e.g. the
 * monitor; Ctrl-A c moves input focus between them (fe of chardev_set_fe
 * first).  Returns the slot, or -1 if cd is not a mux or is full.
 * chardev_set_fe(cd, NULL) detaches the primary frontend. */
int chardev_mux_add_fe(struct chardev *cd, const struct chardev_fe *fe);
/* Write to the backend; returns bytes accepted (all of them, except for a
 * socket without a client, where they are dropped and len is returned). */
int chardev_write(struct chardev *cd, const void *buf, int len);
void chardev_accept_input(struct chardev *cd);
/* The file descriptor that arrived (SCM_RIGHTS, unix sockets) with the
 * latest data that carried one, or -1; the caller owns it.  Called from a
 * frontend's read callback (lock held). */
int chardev_take_fd(struct chardev *cd);
bool chardev_connected(const struct chardev *cd);

/* Test support: a chardev whose output is collected in memory and whose
 * input is pushed by the test (no main loop needed). */
struct chardev *chardev_new_buffer(const char *label);
GString *chardev_buffer_output(struct chardev *cd);
void chardev_buffer_push(struct chardev *cd, const void *buf, int len);

#endif
