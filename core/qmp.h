/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qmp.h: the QMP protocol engine (QEMU Machine Protocol, as specified in
 * QEMU's docs/interop/qmp-spec): JSON framing over a chardev, the greeting,
 * capability negotiation, command dispatch with argument checking, `id`
 * echo, errors, and asynchronous events broadcast to every client.
 *
 * One qmp_server serves any number of sessions, one per chardev (a socket
 * chardev takes one client at a time, as QEMU's does; several clients means
 * several sockets).  The commands themselves live in monitor/qmp_cmds.c and
 * are handed over as a table; the engine checks arguments against each
 * command's declared list before calling it, so a handler sees only
 * arguments of the declared JSON types.
 *
 * Locking: the chardev layer calls the session's input callbacks with the
 * machine lock held, so command handlers run under it (they may touch
 * devices).  Commands that must wait for the main loop (stop, cont: the
 * vCPUs are paused without the lock) post machine requests and are flagged
 * QMP_CMD_WAIT: their reply is held, and the session reads no further input,
 * until qmp_server_requests_done() runs after the main loop has handled the
 * requests.  Events are emitted with the lock held.
 *
 * Threat model: a client is untrusted.  A message larger than
 * QMP_MAX_MESSAGE is discarded as it streams in (never buffered beyond that
 * size); nesting deeper than QMP_MAX_DEPTH is rejected by the framer before
 * json-glib (which parses recursively) sees it; input that is not UTF-8 is
 * rejected; every argument's type is checked before a handler runs; input
 * is read in bounded chunks and only while the session is not waiting. */
#ifndef CORE_QMP_H
#define CORE_QMP_H

#include <json-glib/json-glib.h>
#include <pthread.h>
#include "core/base.h"
#include "core/chardev.h"

#define QMP_MAX_MESSAGE (1024 * 1024)
#define QMP_MAX_DEPTH 1024

/* The QEMU version hvemu speaks as (Debian 12's, which libvirt accepts). */
#define QMP_QEMU_MAJOR 7
#define QMP_QEMU_MINOR 2
#define QMP_QEMU_MICRO 0

/* Error classes (QEMU's ErrorClass). */
#define QMP_ERR_GENERIC "GenericError"
#define QMP_ERR_COMMAND_NOT_FOUND "CommandNotFound"
#define QMP_ERR_DEVICE_NOT_FOUND "DeviceNotFound"
#define QMP_ERR_DEVICE_NOT_ACTIVE "DeviceNotActive"
#define QMP_ERR_KVM_MISSING_CAP "KVMMissingCap"

enum qmp_type {
    QMP_STR,
    QMP_INT,
    QMP_BOOL,
    QMP_NUMBER,   /* integer or floating point */
    QMP_OBJECT,
    QMP_ARRAY,    /* of anything: the handler checks the elements */
    QMP_STR_LIST, /* array of strings, checked by the engine */
    QMP_ANY,
};

/* One declared argument.  schema_type names the introspection type when it
 * is not the builtin that `type` implies (an enum, a list of objects...). */
struct qmp_arg {
    const char *name;
    enum qmp_type type;
    bool optional;
    const char *schema_type;
};

enum qmp_cmd_flags {
    QMP_CMD_NEGOTIATION = 1 << 0, /* allowed only before negotiation completes */
    QMP_CMD_WAIT = 1 << 1,        /* reply after the main loop handled requests */
    QMP_CMD_EXTRA_ARGS = 1 << 2,  /* accepts arguments beyond args[] */
};

struct qmp_req;
struct qmp_server;
struct qmp_session;

/* Returns the "return" value (NULL: {}); on error calls qmp_req_error and
 * returns NULL.  args is never NULL (an empty object when none given). */
typedef JsonNode *(*qmp_handler_fn)(struct qmp_req *req, JsonObject *args);

struct qmp_command {
    const char *name;
    qmp_handler_fn fn;
    const struct qmp_arg *args; /* terminated by { NULL }; NULL: none */
    const char *ret_type;       /* introspection name of the return type */
    unsigned flags;             /* enum qmp_cmd_flags */
};

/* lock: the machine lock (taken by qmp_server_requests_done).  package is
 * reported in the greeting and query-version ("hvemu 0.1.0").  opaque is
 * handed to the commands (qmp_req_opaque). */
struct qmp_server *qmp_server_new(pthread_mutex_t *lock, const struct qmp_command *cmds,
                                  size_t ncmds, const char *package, void *opaque);
/* Detaches from every chardev (call before freeing them). */
void qmp_server_free(struct qmp_server *srv);
/* Serve QMP on cd: as its frontend, or as an added frontend when cd is a
 * mux (mon:stdio).  The greeting is sent whenever a client connects. */
struct qmp_session *qmp_server_attach(struct qmp_server *srv, struct chardev *cd,
                                      bool pretty);
const struct qmp_command *qmp_server_commands(const struct qmp_server *srv, size_t *n);
/* {"qemu": {"major", "minor", "micro"}, "package"} */
JsonNode *qmp_server_version(const struct qmp_server *srv);
/* Broadcast {"event", "data", "timestamp"} to every negotiated client.
 * data may be NULL (no "data" member) and is consumed.  Lock held. */
void qmp_emit_event(struct qmp_server *srv, const char *name, JsonObject *data);
/* After the main loop handled requests (lock not held): send held replies,
 * go on with the input those sessions had buffered. */
void qmp_server_requests_done(struct qmp_server *srv);

/* For command handlers. */
void qmp_req_error(struct qmp_req *req, const char *cls, const char *fmt, ...) PRINTF_FMT(3, 4);
void *qmp_req_opaque(const struct qmp_req *req);
struct qmp_session *qmp_req_session(const struct qmp_req *req);
/* qmp_capabilities: negotiation is complete once its reply has been sent. */
void qmp_session_negotiated(struct qmp_session *s);
/* A file descriptor that came with the client's data (SCM_RIGHTS), or -1.
 * The caller owns it. */
int qmp_session_take_fd(struct qmp_session *s);
/* getfd/closefd: fds named by this session's client.  set replaces (and
 * closes) an fd of the same name; close returns -1 if there is none. */
void qmp_session_set_named_fd(struct qmp_session *s, const char *name, int fd);
int qmp_session_close_named_fd(struct qmp_session *s, const char *name);

/* Small builders for handlers. */
JsonNode *qmp_node_object(JsonObject *o); /* takes o */
JsonNode *qmp_node_array(JsonArray *a);   /* takes a */
const char *qmp_type_name(enum qmp_type t); /* "string", "integer"... (error text) */

#endif
