/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qmp.c: the QMP protocol engine (see qmp.h).
 *
 * Specification: QEMU's docs/interop/qmp-spec (greeting, capabilities
 * negotiation, command and response formats, asynchronous events) and the
 * QAPI introspection documentation for error classes; the texts of
 * argument errors are those QEMU clients see ("Parameter 'x' is missing").
 *
 * Framing: a small streaming tokenizer finds where each JSON value ends by
 * tracking strings, escapes and bracket depth; each complete value is then
 * parsed by json-glib.  Between values whitespace is skipped, so several
 * messages may share one read and one message may span many.  The
 * tokenizer ends a message early, with an error reply, when it sees a raw
 * control character inside a string (invalid JSON, and the usual sign of a
 * client that lost track: a newline resynchronises) or a 0xFF byte (never
 * valid UTF-8; the QMP spec suggests clients send it to reset the parser).
 * QEMU's extension of single-quoted strings is not accepted. */
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include "core/qmp.h"

#define READ_CHUNK 4096

enum frame_fail { FRAME_OK, FRAME_TOO_BIG, FRAME_TOO_DEEP, FRAME_CTRL, FRAME_BAD_BYTE };
enum frame_result { FR_MORE, FR_DONE, FR_DONE_REDO };

struct framer {
    GByteArray *msg;
    size_t depth; /* keeps counting past QMP_MAX_DEPTH, storing nothing */
    bool active, in_str, esc, word;
    enum frame_fail fail;
};

struct qmp_session {
    struct qmp_server *srv;
    struct chardev *cd;
    bool pretty, mux;
    bool connected, negotiated;
    bool blocked;     /* a QMP_CMD_WAIT reply is held */
    GString *held;    /* that reply, serialised */
    GByteArray *in;   /* input not yet framed (only while blocked) */
    struct framer fr;
    GHashTable *fds;  /* getfd name -> fd */
};

struct qmp_server {
    pthread_mutex_t *lock;
    const struct qmp_command *cmds;
    size_t ncmds;
    char *package;
    void *opaque;
    GPtrArray *sessions;
};

struct qmp_req {
    struct qmp_session *s;
    char *err_class, *err_desc;
};

/* ---- small helpers ---- */

JsonNode *qmp_node_object(JsonObject *o)
{
    JsonNode *n = json_node_alloc();
    json_node_init_object(n, o);
    json_object_unref(o);
    return n;
}

JsonNode *qmp_node_array(JsonArray *a)
{
    JsonNode *n = json_node_alloc();
    json_node_init_array(n, a);
    json_array_unref(a);
    return n;
}

const char *qmp_type_name(enum qmp_type t)
{
    switch (t) {
    case QMP_STR:
        return "string";
    case QMP_INT:
        return "integer";
    case QMP_BOOL:
        return "boolean";
    case QMP_NUMBER:
        return "number";
    case QMP_OBJECT:
        return "object";
    case QMP_ARRAY:
    case QMP_STR_LIST:
        return "array";
    case QMP_ANY:
        break;
    }
    return "any";
}

void qmp_req_error(struct qmp_req *req, const char *cls, const char *fmt, ...)
{
    if (req->err_class)
        return; /* the first error wins */
    va_list ap;
    va_start(ap, fmt);
    req->err_class = g_strdup(cls);
    req->err_desc = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

void *qmp_req_opaque(const struct qmp_req *req)
{
    return req->s->srv->opaque;
}

struct qmp_session *qmp_req_session(const struct qmp_req *req)
{
    return req->s;
}

void qmp_session_negotiated(struct qmp_session *s)
{
    s->negotiated = true;
}

int qmp_session_take_fd(struct qmp_session *s)
{
    return chardev_take_fd(s->cd);
}

static void close_fd(gpointer p)
{
    close(GPOINTER_TO_INT(p));
}

void qmp_session_set_named_fd(struct qmp_session *s, const char *name, int fd)
{
    g_hash_table_replace(s->fds, g_strdup(name), GINT_TO_POINTER(fd));
}

int qmp_session_close_named_fd(struct qmp_session *s, const char *name)
{
    return g_hash_table_remove(s->fds, name) ? 0 : -1;
}

/* ---- output ---- */

static GString *serialise(struct qmp_session *s, JsonNode *root)
{
    JsonGenerator *g = json_generator_new();
    json_generator_set_pretty(g, s->pretty);
    json_generator_set_root(g, root);
    gsize len = 0;
    gchar *text = json_generator_to_data(g, &len);
    g_object_unref(g);
    GString *out = g_string_new_len(text, (gssize)len);
    g_free(text);
    /* QMP lines end in CRLF; clients such as libvirt split on it. */
    g_string_append(out, "\r\n");
    return out;
}

static void send_string(struct qmp_session *s, GString *text)
{
    chardev_write(s->cd, text->str, (int)text->len);
}

static void send_node(struct qmp_session *s, JsonNode *root)
{
    GString *text = serialise(s, root);
    send_string(s, text);
    g_string_free(text, TRUE);
}

JsonNode *qmp_server_version(const struct qmp_server *srv)
{
    JsonObject *q = json_object_new();
    json_object_set_int_member(q, "micro", QMP_QEMU_MICRO);
    json_object_set_int_member(q, "minor", QMP_QEMU_MINOR);
    json_object_set_int_member(q, "major", QMP_QEMU_MAJOR);
    JsonObject *v = json_object_new();
    json_object_set_object_member(v, "qemu", q);
    json_object_set_string_member(v, "package", srv->package);
    return qmp_node_object(v);
}

/* No capabilities are advertised: out-of-band execution is not offered. */
static void send_greeting(struct qmp_session *s)
{
    JsonObject *qmp = json_object_new();
    json_object_set_member(qmp, "version", qmp_server_version(s->srv));
    json_object_set_array_member(qmp, "capabilities", json_array_new());
    JsonObject *root = json_object_new();
    json_object_set_object_member(root, "QMP", qmp);
    JsonNode *n = qmp_node_object(root);
    send_node(s, n);
    json_node_unref(n);
}

void qmp_emit_event(struct qmp_server *srv, const char *name, JsonObject *data)
{
    gint64 now = g_get_real_time();
    JsonObject *ts = json_object_new();
    json_object_set_int_member(ts, "seconds", now / G_USEC_PER_SEC);
    json_object_set_int_member(ts, "microseconds", now % G_USEC_PER_SEC);
    JsonObject *ev = json_object_new();
    json_object_set_string_member(ev, "event", name);
    if (data)
        json_object_set_object_member(ev, "data", data);
    json_object_set_object_member(ev, "timestamp", ts);
    JsonNode *n = qmp_node_object(ev);
    for (guint i = 0; i < srv->sessions->len; i++) {
        struct qmp_session *s = srv->sessions->pdata[i];
        if (s->connected && s->negotiated)
            send_node(s, n);
    }
    json_node_unref(n);
}

/* ---- requests ---- */

/* json-glib turns out-of-range numbers into infinities, which it would
 * print back as invalid JSON: refuse them.  Depth is bounded by the
 * framer. */
static bool numbers_finite(JsonNode *n)
{
    switch (json_node_get_node_type(n)) {
    case JSON_NODE_OBJECT: {
        JsonObjectIter it;
        JsonNode *v;
        json_object_iter_init(&it, json_node_get_object(n));
        while (json_object_iter_next(&it, NULL, &v))
            if (!numbers_finite(v))
                return false;
        return true;
    }
    case JSON_NODE_ARRAY: {
        JsonArray *a = json_node_get_array(n);
        for (guint i = 0; i < json_array_get_length(a); i++)
            if (!numbers_finite(json_array_get_element(a, i)))
                return false;
        return true;
    }
    case JSON_NODE_VALUE:
        return json_node_get_value_type(n) != G_TYPE_DOUBLE ||
               isfinite(json_node_get_double(n));
    case JSON_NODE_NULL:
        break;
    }
    return true;
}

static bool is_type(JsonNode *n, enum qmp_type t)
{
    GType vt = JSON_NODE_HOLDS_VALUE(n) ? json_node_get_value_type(n) : G_TYPE_INVALID;
    switch (t) {
    case QMP_STR:
        return vt == G_TYPE_STRING;
    case QMP_INT:
        return vt == G_TYPE_INT64;
    case QMP_BOOL:
        return vt == G_TYPE_BOOLEAN;
    case QMP_NUMBER:
        return vt == G_TYPE_INT64 || vt == G_TYPE_DOUBLE;
    case QMP_OBJECT:
        return JSON_NODE_HOLDS_OBJECT(n);
    case QMP_ARRAY:
    case QMP_STR_LIST:
        return JSON_NODE_HOLDS_ARRAY(n);
    case QMP_ANY:
        return true;
    }
    return false;
}

static bool arg_declared(const struct qmp_command *c, const char *name)
{
    for (const struct qmp_arg *a = c->args; a && a->name; a++)
        if (!strcmp(a->name, name))
            return true;
    return false;
}

/* Declared arguments in order (missing, wrong type), then undeclared ones,
 * as QEMU's input visitor reports them. */
static bool check_args(struct qmp_req *req, const struct qmp_command *c, JsonObject *args)
{
    for (const struct qmp_arg *a = c->args; a && a->name; a++) {
        JsonNode *v = json_object_get_member(args, a->name);
        if (!v) {
            if (a->optional)
                continue;
            qmp_req_error(req, QMP_ERR_GENERIC, "Parameter '%s' is missing", a->name);
            return false;
        }
        if (!is_type(v, a->type)) {
            qmp_req_error(req, QMP_ERR_GENERIC, "Invalid parameter type for '%s', expected: %s",
                          a->name, qmp_type_name(a->type));
            return false;
        }
        if (a->type == QMP_STR_LIST) {
            JsonArray *arr = json_node_get_array(v);
            for (guint i = 0; i < json_array_get_length(arr); i++) {
                if (!is_type(json_array_get_element(arr, i), QMP_STR)) {
                    qmp_req_error(req, QMP_ERR_GENERIC,
                                  "Invalid parameter type for '%s[%u]', expected: string",
                                  a->name, i);
                    return false;
                }
            }
        }
    }
    if (c->flags & QMP_CMD_EXTRA_ARGS)
        return true;
    JsonObjectIter it;
    const char *key;
    json_object_iter_init(&it, args);
    while (json_object_iter_next(&it, &key, NULL)) {
        if (!arg_declared(c, key)) {
            qmp_req_error(req, QMP_ERR_GENERIC, "Parameter '%s' is unexpected", key);
            return false;
        }
    }
    return true;
}

/* The request's own members: execute (string), arguments (object), id. */
static bool check_request(struct qmp_req *req, JsonObject *o, const char **name,
                          JsonObject **args)
{
    JsonObjectIter it;
    const char *key;
    JsonNode *v;
    json_object_iter_init(&it, o);
    while (json_object_iter_next(&it, &key, &v)) {
        if (!strcmp(key, "execute")) {
            if (!is_type(v, QMP_STR)) {
                qmp_req_error(req, QMP_ERR_GENERIC, "QMP input member 'execute' must be a string");
                return false;
            }
            *name = json_node_get_string(v);
        } else if (!strcmp(key, "arguments")) {
            if (!JSON_NODE_HOLDS_OBJECT(v)) {
                qmp_req_error(req, QMP_ERR_GENERIC,
                              "QMP input member 'arguments' must be an object");
                return false;
            }
            *args = json_node_get_object(v);
        } else if (strcmp(key, "id")) {
            qmp_req_error(req, QMP_ERR_GENERIC, "QMP input member '%s' is unexpected", key);
            return false;
        }
    }
    if (!*name) {
        qmp_req_error(req, QMP_ERR_GENERIC, "QMP input lacks member 'execute'");
        return false;
    }
    return true;
}

static const struct qmp_command *find_command(const struct qmp_server *srv, const char *name)
{
    for (size_t i = 0; i < srv->ncmds; i++)
        if (!strcmp(srv->cmds[i].name, name))
            return &srv->cmds[i];
    return NULL;
}

/* Run one parsed request; returns the "return" node or NULL with an error
 * set in req; *cmd_out is the command when one was called. */
static JsonNode *execute(struct qmp_req *req, JsonObject *o, const struct qmp_command **cmd_out)
{
    struct qmp_session *s = req->s;
    const char *name = NULL;
    JsonObject *args = NULL;
    if (!check_request(req, o, &name, &args))
        return NULL;
    const struct qmp_command *c = find_command(s->srv, name);
    if (!s->negotiated && (!c || !(c->flags & QMP_CMD_NEGOTIATION))) {
        qmp_req_error(req, QMP_ERR_COMMAND_NOT_FOUND,
                      "Expecting capabilities negotiation with 'qmp_capabilities'");
        return NULL;
    }
    if (!c) {
        qmp_req_error(req, QMP_ERR_COMMAND_NOT_FOUND, "The command %s has not been found",
                      name);
        return NULL;
    }
    if (s->negotiated && (c->flags & QMP_CMD_NEGOTIATION)) {
        qmp_req_error(req, QMP_ERR_COMMAND_NOT_FOUND,
                      "Capabilities negotiation is already complete, command ignored");
        return NULL;
    }
    JsonObject *empty = NULL;
    if (!args)
        args = empty = json_object_new();
    JsonNode *ret = NULL;
    if (check_args(req, c, args)) {
        *cmd_out = c;
        ret = c->fn(req, args);
        if (req->err_class && ret) {
            json_node_unref(ret);
            ret = NULL;
        }
        if (!req->err_class && !ret)
            ret = qmp_node_object(json_object_new());
    }
    if (empty)
        json_object_unref(empty);
    return ret;
}

static void respond(struct qmp_session *s, const char *text, size_t len)
{
    struct qmp_req req = { .s = s };
    const struct qmp_command *cmd = NULL;
    JsonNode *id = NULL, *ret = NULL;
    JsonParser *p = json_parser_new();
    GError *e = NULL;
    if (!g_utf8_validate(text, (gssize)len, NULL)) {
        qmp_req_error(&req, QMP_ERR_GENERIC, "JSON parse error, invalid UTF-8 sequence");
    } else if (!json_parser_load_from_data(p, text, (gssize)len, &e)) {
        qmp_req_error(&req, QMP_ERR_GENERIC, "JSON parse error, %s", e->message);
        g_error_free(e);
    } else if (!json_parser_get_root(p)) {
        qmp_req_error(&req, QMP_ERR_GENERIC, "JSON parse error, empty input");
    } else if (!numbers_finite(json_parser_get_root(p))) {
        qmp_req_error(&req, QMP_ERR_GENERIC, "JSON parse error, number out of range");
    } else if (!JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
        qmp_req_error(&req, QMP_ERR_GENERIC, "QMP input must be a JSON object");
    } else {
        JsonObject *o = json_node_get_object(json_parser_get_root(p));
        if (json_object_has_member(o, "id"))
            id = json_node_copy(json_object_get_member(o, "id"));
        ret = execute(&req, o, &cmd);
    }
    g_object_unref(p);

    JsonObject *r = json_object_new();
    if (ret) {
        json_object_set_member(r, "return", ret);
    } else {
        JsonObject *err = json_object_new();
        json_object_set_string_member(err, "class", req.err_class);
        json_object_set_string_member(err, "desc", req.err_desc);
        json_object_set_object_member(r, "error", err);
    }
    if (id)
        json_object_set_member(r, "id", id);
    JsonNode *n = qmp_node_object(r);
    GString *out = serialise(s, n);
    json_node_unref(n);
    if (cmd && !req.err_class && (cmd->flags & QMP_CMD_WAIT)) {
        s->held = out;
        s->blocked = true;
    } else {
        send_string(s, out);
        g_string_free(out, TRUE);
    }
    g_free(req.err_class);
    g_free(req.err_desc);
}

/* ---- framing ---- */

static void framer_reset(struct framer *f)
{
    g_byte_array_set_size(f->msg, 0);
    f->depth = 0;
    f->active = f->in_str = f->esc = f->word = false;
    f->fail = FRAME_OK;
}

static void store(struct framer *f, uint8_t b)
{
    if (f->fail != FRAME_OK)
        return;
    if (f->msg->len >= QMP_MAX_MESSAGE) {
        f->fail = FRAME_TOO_BIG;
        g_byte_array_set_size(f->msg, 0);
        return;
    }
    g_byte_array_append(f->msg, &b, 1);
}

static bool is_space(uint8_t b)
{
    return b == ' ' || b == '\t' || b == '\n' || b == '\r';
}

static enum frame_result frame_start(struct framer *f, uint8_t b)
{
    if (is_space(b))
        return FR_MORE;
    f->active = true;
    if (b == '{' || b == '[')
        f->depth = 1;
    else if (b == '"')
        f->in_str = true;
    else if (b != '}' && b != ']')
        f->word = true;
    store(f, b);
    /* A stray closing bracket is a message of its own (a parse error). */
    return b == '}' || b == ']' ? FR_DONE : FR_MORE;
}

static enum frame_result frame_byte(struct framer *f, uint8_t b)
{
    if (b == 0xff) {
        /* Ends the message in progress with an error; alone, it is
         * dropped silently. */
        bool was = f->active;
        framer_reset(f);
        if (!was)
            return FR_MORE;
        f->fail = FRAME_BAD_BYTE;
        return FR_DONE;
    }
    if (!f->active)
        return frame_start(f, b);
    if (f->word) {
        if (is_space(b) || strchr("{}[]\",:", b))
            return FR_DONE_REDO;
        store(f, b);
        return FR_MORE;
    }
    if (f->in_str) {
        store(f, b);
        if (f->esc) {
            f->esc = false;
        } else if (b == '\\') {
            f->esc = true;
        } else if (b == '"') {
            f->in_str = false;
            if (f->depth == 0)
                return FR_DONE;
        } else if (b < 0x20) {
            if (f->fail == FRAME_OK)
                f->fail = FRAME_CTRL;
            return FR_DONE;
        }
        return FR_MORE;
    }
    store(f, b);
    if (b == '{' || b == '[') {
        if (++f->depth > QMP_MAX_DEPTH && f->fail == FRAME_OK) {
            f->fail = FRAME_TOO_DEEP;
            g_byte_array_set_size(f->msg, 0);
        }
    } else if (b == '}' || b == ']') {
        if (--f->depth == 0)
            return FR_DONE;
    } else if (b == '"') {
        f->in_str = true;
    }
    return FR_MORE;
}

static void frame_done(struct qmp_session *s)
{
    struct framer *f = &s->fr;
    static const char *const why[] = {
        [FRAME_TOO_BIG] = "message larger than 1048576 bytes",
        [FRAME_TOO_DEEP] = "nesting deeper than 1024 levels",
        [FRAME_CTRL] = "control character in a string",
        [FRAME_BAD_BYTE] = "stray byte 0xff",
    };
    if (f->fail != FRAME_OK) {
        JsonObject *err = json_object_new();
        json_object_set_string_member(err, "class", QMP_ERR_GENERIC);
        char *desc = g_strdup_printf("JSON parse error, %s", why[f->fail]);
        json_object_set_string_member(err, "desc", desc);
        g_free(desc);
        JsonObject *r = json_object_new();
        json_object_set_object_member(r, "error", err);
        JsonNode *n = qmp_node_object(r);
        send_node(s, n);
        json_node_unref(n);
    } else {
        respond(s, (const char *)f->msg->data, f->msg->len);
    }
    framer_reset(f);
}

/* Frame and answer buffered input until it runs out or a reply is held. */
static void session_run(struct qmp_session *s)
{
    guint i = 0;
    while (i < s->in->len && s->connected && !s->blocked) {
        enum frame_result r = frame_byte(&s->fr, s->in->data[i]);
        if (r != FR_DONE_REDO)
            i++;
        if (r != FR_MORE)
            frame_done(s);
    }
    if (s->in->len)
        g_byte_array_remove_range(s->in, 0, i);
}

static void session_reset(struct qmp_session *s)
{
    framer_reset(&s->fr);
    g_byte_array_set_size(s->in, 0);
    s->negotiated = false;
    s->blocked = false;
    if (s->held) {
        g_string_free(s->held, TRUE);
        s->held = NULL;
    }
}

/* ---- chardev frontend ---- */

static int fe_can_read(void *opaque)
{
    struct qmp_session *s = opaque;
    return s->blocked ? 0 : READ_CHUNK;
}

static void fe_read(void *opaque, const uint8_t *buf, int len)
{
    struct qmp_session *s = opaque;
    if (!s->connected)
        return;
    g_byte_array_append(s->in, buf, (guint)len);
    session_run(s);
}

static void fe_event(void *opaque, enum chardev_event ev)
{
    struct qmp_session *s = opaque;
    session_reset(s);
    s->connected = ev == CHR_OPENED;
    if (s->connected)
        send_greeting(s);
}

static const struct chardev_fe qmp_fe_ops = {
    .can_read = fe_can_read,
    .read = fe_read,
    .event = fe_event,
};

/* ---- the server ---- */

struct qmp_server *qmp_server_new(pthread_mutex_t *lock, const struct qmp_command *cmds,
                                  size_t ncmds, const char *package, void *opaque)
{
    struct qmp_server *srv = g_new0(struct qmp_server, 1);
    srv->lock = lock;
    srv->cmds = cmds;
    srv->ncmds = ncmds;
    srv->package = g_strdup(package);
    srv->opaque = opaque;
    srv->sessions = g_ptr_array_new();
    return srv;
}

struct qmp_session *qmp_server_attach(struct qmp_server *srv, struct chardev *cd,
                                      bool pretty)
{
    struct qmp_session *s = g_new0(struct qmp_session, 1);
    s->srv = srv;
    s->cd = cd;
    s->pretty = pretty;
    s->in = g_byte_array_new();
    s->fr.msg = g_byte_array_new();
    s->fds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, close_fd);
    g_ptr_array_add(srv->sessions, s);
    struct chardev_fe fe = qmp_fe_ops;
    fe.opaque = s;
    /* A mux (mon:stdio) keeps its first frontend (the serial port) and
     * takes the monitor as another; any other chardev gets us as its one
     * frontend. */
    s->mux = chardev_mux_add_fe(cd, &fe) >= 0;
    if (!s->mux)
        chardev_set_fe(cd, &fe);
    return s;
}

const struct qmp_command *qmp_server_commands(const struct qmp_server *srv, size_t *n)
{
    *n = srv->ncmds;
    return srv->cmds;
}

void qmp_server_requests_done(struct qmp_server *srv)
{
    pthread_mutex_lock(srv->lock);
    for (guint i = 0; i < srv->sessions->len; i++) {
        struct qmp_session *s = srv->sessions->pdata[i];
        if (!s->blocked)
            continue;
        send_string(s, s->held);
        g_string_free(s->held, TRUE);
        s->held = NULL;
        s->blocked = false;
        session_run(s);
        if (!s->blocked)
            chardev_accept_input(s->cd);
    }
    pthread_mutex_unlock(srv->lock);
}

void qmp_server_free(struct qmp_server *srv)
{
    if (!srv)
        return;
    for (guint i = 0; i < srv->sessions->len; i++) {
        struct qmp_session *s = srv->sessions->pdata[i];
        if (!s->mux)
            chardev_set_fe(s->cd, NULL);
        session_reset(s);
        g_hash_table_destroy(s->fds);
        g_byte_array_free(s->in, TRUE);
        g_byte_array_free(s->fr.msg, TRUE);
        g_free(s);
    }
    g_ptr_array_free(srv->sessions, TRUE);
    g_free(srv->package);
    g_free(srv);
}
