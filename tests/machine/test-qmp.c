/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QMP against a real hvemu process, as a script or libvirt drives it: the
 * test spawns $HVEMU (default build/hvemu) with the test accelerator and
 * talks to it over unix and TCP sockets with its own small synchronous
 * client.  Sockets are created with wait=on, so hvemu blocks until the
 * test has connected; every wait is a poll() bounded by TIMEOUT_MS.
 *
 * The KVM cases boot the project's pm32 guest ($GUESTS, default
 * build/guests) under -S, and a 16-byte firmware that makes KVM fail
 * (internal-error state); without /dev/kvm they are skipped with one
 * "SKIP: /dev/kvm not available" line.  The soft CPU cases run a tiny
 * firmware (registers, memory, thread ids over a monitor socket) and the
 * Debian test guest ($GUESTS/linux), which send-key reboots with
 * Ctrl-Alt-Delete (a minute or more: the guest boots on the soft CPU). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#define TIMEOUT_MS 10000

struct proc {
    GPid pid;
    int err_fd;
    GString *err;
    char *dir;
};

struct client {
    int fd;
    GString *buf;
    GQueue events; /* JsonObject * seen while waiting for a reply */
};

static const char *hvemu(void)
{
    const char *p = g_getenv("HVEMU");
    return p ? p : "build/hvemu";
}

static char *sock_path(struct proc *p, const char *name)
{
    return g_build_filename(p->dir, name, NULL);
}

/* Spawn hvemu with the test accelerator and extra arguments; "@D" in an
 * argument is replaced by the per-test directory. */
static struct proc *spawn(const char *const *extra)
{
    struct proc *p = g_new0(struct proc, 1);
    p->dir = g_dir_make_tmp("hvemu-qmp-XXXXXX", NULL);
    g_assert_nonnull(p->dir);
    p->err = g_string_new(NULL);
    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(argv, g_strdup(hvemu()));
    bool accel = false;
    for (const char *const *e = extra; *e; e++)
        accel |= !strcmp(*e, "-accel");
    if (!accel) {
        g_ptr_array_add(argv, g_strdup("-accel"));
        g_ptr_array_add(argv, g_strdup("test"));
    }
    g_ptr_array_add(argv, g_strdup("-nodefaults"));
    g_ptr_array_add(argv, g_strdup("-display"));
    g_ptr_array_add(argv, g_strdup("none"));
    for (const char *const *e = extra; *e; e++) {
        char **parts = g_strsplit(*e, "@D", -1);
        g_ptr_array_add(argv, g_strjoinv(p->dir, parts));
        g_strfreev(parts);
    }
    g_ptr_array_add(argv, NULL);
    GError *err = NULL;
    gboolean ok = g_spawn_async_with_pipes(NULL, (char **)argv->pdata, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &p->pid, NULL,
                                           NULL, &p->err_fd, &err);
    if (!ok)
        g_error("cannot run %s: %s (set HVEMU)", hvemu(), err->message);
    g_ptr_array_free(argv, TRUE);
    return p;
}

/* Collect what hvemu printed on stderr; false at EOF. */
static bool drain_stderr(struct proc *p, int timeout_ms)
{
    struct pollfd pfd = { .fd = p->err_fd, .events = POLLIN };
    if (poll(&pfd, 1, timeout_ms) <= 0)
        return true;
    char buf[4096];
    ssize_t n = read(p->err_fd, buf, sizeof(buf));
    if (n <= 0)
        return false;
    g_string_append_len(p->err, buf, n);
    return true;
}

/* Wait for the process to end (its stderr reaching EOF); its exit status. */
static int proc_wait(struct proc *p)
{
    gint64 end = g_get_monotonic_time() + TIMEOUT_MS * 1000LL;
    while (drain_stderr(p, 100)) {
        if (g_get_monotonic_time() > end) {
            kill(p->pid, SIGKILL);
            g_error("hvemu did not exit; stderr: %s", p->err->str);
        }
    }
    int st = 0;
    g_assert_cmpint(waitpid(p->pid, &st, 0), ==, p->pid);
    g_assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static void proc_free(struct proc *p)
{
    close(p->err_fd);
    g_spawn_close_pid(p->pid);
    GDir *d = g_dir_open(p->dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        char *f = g_build_filename(p->dir, name, NULL);
        g_unlink(f);
        g_free(f);
    }
    if (d)
        g_dir_close(d);
    g_rmdir(p->dir);
    g_free(p->dir);
    g_string_free(p->err, TRUE);
    g_free(p);
}

/* Connect to a unix socket hvemu is (about to be) listening on. */
static struct client *connect_unix(struct proc *p, const char *name)
{
    char *path = sock_path(p, name);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_free(path);
    gint64 end = g_get_monotonic_time() + TIMEOUT_MS * 1000LL;
    for (;;) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        g_assert_cmpint(fd, >=, 0);
        if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
            struct client *c = g_new0(struct client, 1);
            c->fd = fd;
            c->buf = g_string_new(NULL);
            g_queue_init(&c->events);
            return c;
        }
        close(fd);
        /* Not listening yet: wait on hvemu's stderr (it says when it
         * waits), bounded. */
        if (!drain_stderr(p, 20))
            g_error("hvemu exited early: %s", p->err->str);
        if (g_get_monotonic_time() > end)
            g_error("no socket %s; stderr: %s", sa.sun_path, p->err->str);
    }
}

/* The same for a TCP port on the loopback. */
static struct client *connect_tcp(struct proc *p, int port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    gint64 end = g_get_monotonic_time() + TIMEOUT_MS * 1000LL;
    for (;;) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        g_assert_cmpint(fd, >=, 0);
        if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
            struct client *c = g_new0(struct client, 1);
            c->fd = fd;
            c->buf = g_string_new(NULL);
            g_queue_init(&c->events);
            return c;
        }
        close(fd);
        if (!drain_stderr(p, 20))
            g_error("hvemu exited early: %s", p->err->str);
        if (g_get_monotonic_time() > end)
            g_error("no listener on port %d; stderr: %s", port, p->err->str);
    }
}

/* Read until text appears in what the client received. */
static void wait_for_text(struct client *c, const char *text)
{
    while (!strstr(c->buf->str, text)) {
        struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
        if (poll(&pfd, 1, TIMEOUT_MS) <= 0)
            g_error("'%s' did not come within %d ms (have '%s')", text, TIMEOUT_MS,
                    c->buf->str);
        char buf[4096];
        ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
        if (n <= 0)
            g_error("connection closed waiting for '%s' (have '%s')", text, c->buf->str);
        g_string_append_len(c->buf, buf, n);
    }
}

static void client_free(struct client *c)
{
    close(c->fd);
    g_string_free(c->buf, TRUE);
    g_queue_clear_full(&c->events, (GDestroyNotify)json_object_unref);
    g_free(c);
}

static void send_all(int fd, const char *s, size_t len)
{
    while (len) {
        ssize_t n = send(fd, s, len, MSG_NOSIGNAL);
        g_assert_cmpint(n, >, 0);
        s += n;
        len -= (size_t)n;
    }
}

static void client_send(struct client *c, const char *s)
{
    send_all(c->fd, s, strlen(s));
}

/* One CRLF-terminated line, without the CRLF (caller frees). */
static char *read_line(struct client *c)
{
    for (;;) {
        char *crlf = strstr(c->buf->str, "\r\n");
        if (crlf) {
            char *line = g_strndup(c->buf->str, (gsize)(crlf - c->buf->str));
            g_string_erase(c->buf, 0, crlf - c->buf->str + 2);
            return line;
        }
        struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
        if (poll(&pfd, 1, TIMEOUT_MS) <= 0)
            g_error("no reply within %d ms (have '%s')", TIMEOUT_MS, c->buf->str);
        char buf[65536];
        ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
        if (n <= 0)
            g_error("connection closed (have '%s')", c->buf->str);
        g_string_append_len(c->buf, buf, n);
    }
}

static JsonObject *read_msg(struct client *c)
{
    char *line = read_line(c);
    JsonParser *p = json_parser_new();
    GError *e = NULL;
    if (!json_parser_load_from_data(p, line, -1, &e))
        g_error("bad JSON from hvemu '%s': %s", line, e->message);
    g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)));
    JsonObject *o = json_object_ref(json_node_get_object(json_parser_get_root(p)));
    g_object_unref(p);
    g_free(line);
    return o;
}

/* The next reply; events arriving first are kept for wait_event. */
static JsonObject *reply(struct client *c)
{
    for (;;) {
        JsonObject *o = read_msg(c);
        if (!json_object_has_member(o, "event"))
            return o;
        g_queue_push_tail(&c->events, o);
    }
}

static JsonObject *cmd(struct client *c, const char *json)
{
    client_send(c, json);
    return reply(c);
}

static JsonObject *wait_event(struct client *c, const char *name)
{
    for (GList *l = c->events.head; l; l = l->next) {
        JsonObject *o = l->data;
        if (!strcmp(json_object_get_string_member(o, "event"), name)) {
            g_queue_delete_link(&c->events, l);
            return o;
        }
    }
    for (;;) {
        JsonObject *o = read_msg(c);
        const char *ev = json_object_get_string_member_with_default(o, "event", "");
        if (!strcmp(ev, name))
            return o;
        g_assert_false(json_object_has_member(o, "return"));
        g_queue_push_tail(&c->events, o);
    }
}

static void expect_event(struct client *c, const char *name)
{
    JsonObject *o = wait_event(c, name);
    g_assert_true(json_object_has_member(o, "timestamp"));
    json_object_unref(o);
}

static void expect_ok(JsonObject *r)
{
    if (!json_object_has_member(r, "return"))
        g_error("expected success, got %s",
                json_object_get_string_member(json_object_get_object_member(r, "error"),
                                              "desc"));
    json_object_unref(r);
}

static void expect_err(JsonObject *r, const char *cls, const char *desc)
{
    JsonObject *e = json_object_get_object_member(r, "error");
    g_assert_nonnull(e);
    g_assert_cmpstr(json_object_get_string_member(e, "class"), ==, cls);
    if (desc)
        g_assert_cmpstr(json_object_get_string_member(e, "desc"), ==, desc);
    json_object_unref(r);
}

static void negotiate(struct client *c)
{
    JsonObject *g = read_msg(c);
    JsonObject *v = json_object_get_object_member(json_object_get_object_member(g, "QMP"),
                                                  "version");
    g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(v, "qemu"),
                                               "major"),
                    ==, 7);
    json_object_unref(g);
    expect_ok(cmd(c, "{\"execute\": \"qmp_capabilities\"}"));
}

static char *status(struct client *c)
{
    JsonObject *r = cmd(c, "{\"execute\": \"query-status\"}");
    char *s = g_strdup(json_object_get_string_member(json_object_get_object_member(r, "return"),
                                                     "status"));
    json_object_unref(r);
    return s;
}

static void expect_status(struct client *c, const char *want)
{
    char *s = status(c);
    g_assert_cmpstr(s, ==, want);
    g_free(s);
}

static void quit_and_wait(struct proc *p, struct client *c)
{
    expect_ok(cmd(c, "{\"execute\": \"quit\"}"));
    JsonObject *e = wait_event(c, "SHUTDOWN");
    JsonObject *d = json_object_get_object_member(e, "data");
    g_assert_false(json_object_get_boolean_member(d, "guest"));
    g_assert_cmpstr(json_object_get_string_member(d, "reason"), ==, "host-qmp-quit");
    json_object_unref(e);
    g_assert_cmpint(proc_wait(p), ==, 0);
}

/* ---- tests ---- */

static void test_protocol(void)
{
    struct proc *p = spawn((const char *const[]){ "-qmp", "unix:@D/q.sock,server=on,wait=on",
                                                   "-name", "guest1", "-uuid",
                                                   "5a5b5c5d-0000-1111-2222-333344445555",
                                                   NULL });
    struct client *c = connect_unix(p, "q.sock");
    JsonObject *g = read_msg(c);
    JsonObject *q = json_object_get_object_member(g, "QMP");
    g_assert_nonnull(json_object_get_array_member(q, "capabilities"));
    g_assert_true(g_str_has_prefix(
        json_object_get_string_member(json_object_get_object_member(q, "version"), "package"),
        "hvemu "));
    json_object_unref(g);
    expect_err(cmd(c, "{\"execute\": \"query-status\"}"), "CommandNotFound",
               "Expecting capabilities negotiation with 'qmp_capabilities'");
    /* Split across writes, with the negotiation. */
    client_send(c, "{\"execute\": \"qmp_cap");
    client_send(c, "abilities\", \"id\": {\"x\"");
    JsonObject *r = cmd(c, ": [1]}}");
    g_assert_nonnull(json_object_get_object_member(r, "id"));
    expect_ok(r);
    /* Two in one write; ids of three kinds. */
    client_send(c, "{\"execute\": \"query-name\", \"id\": 1}{\"execute\": \"query-uuid\", "
                   "\"id\": \"two\"}");
    r = reply(c);
    g_assert_cmpint(json_object_get_int_member(r, "id"), ==, 1);
    g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(r, "return"),
                                                  "name"),
                    ==, "guest1");
    json_object_unref(r);
    r = reply(c);
    g_assert_cmpstr(json_object_get_string_member(r, "id"), ==, "two");
    g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(r, "return"),
                                                  "UUID"),
                    ==, "5a5b5c5d-0000-1111-2222-333344445555");
    json_object_unref(r);
    /* Malformed, then valid on the same connection. */
    r = cmd(c, "{\"execute\": \"query-status\",, }");
    JsonObject *e = json_object_get_object_member(r, "error");
    g_assert_cmpstr(json_object_get_string_member(e, "class"), ==, "GenericError");
    g_assert_true(g_str_has_prefix(json_object_get_string_member(e, "desc"), "JSON parse error"));
    json_object_unref(r);
    expect_status(c, "running");
    /* A 2 MiB message is refused without killing the session. */
    GString *big = g_string_new("{\"execute\": \"query-status\", \"id\": \"");
    while (big->len < 2 * 1024 * 1024)
        g_string_append(big, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    g_string_append(big, "\"}");
    send_all(c->fd, big->str, big->len);
    expect_err(reply(c), "GenericError", "JSON parse error, message larger than 1048576 bytes");
    /* Deep nesting is refused before parsing. */
    g_string_assign(big, "{\"execute\": \"query-status\", \"arguments\": ");
    for (int i = 0; i < 5000; i++)
        g_string_append_c(big, '[');
    for (int i = 0; i < 5000; i++)
        g_string_append_c(big, ']');
    g_string_append_c(big, '}');
    send_all(c->fd, big->str, big->len);
    expect_err(reply(c), "GenericError", "JSON parse error, nesting deeper than 1024 levels");
    g_string_free(big, TRUE);
    expect_err(cmd(c, "{\"execute\": \"query-status\", \"arguments\": {\"x\": 1}}"),
               "GenericError", "Parameter 'x' is unexpected");
    expect_err(cmd(c, "{\"execute\": \"getfd\"}"), "GenericError",
               "Parameter 'fdname' is missing");
    expect_err(cmd(c, "{\"execute\": \"getfd\", \"arguments\": {\"fdname\": false}}"),
               "GenericError", "Invalid parameter type for 'fdname', expected: string");
    expect_err(cmd(c, "{\"execute\": \"frob\"}"), "CommandNotFound",
               "The command frob has not been found");
    /* Every command listed is described by the schema. */
    r = cmd(c, "{\"execute\": \"query-commands\"}");
    JsonArray *cmds = json_object_get_array_member(r, "return");
    JsonObject *sr = cmd(c, "{\"execute\": \"query-qmp-schema\"}");
    JsonArray *schema = json_object_get_array_member(sr, "return");
    g_assert_cmpuint(json_array_get_length(cmds), >=, 30);
    for (guint i = 0; i < json_array_get_length(cmds); i++) {
        const char *name =
            json_object_get_string_member(json_array_get_object_element(cmds, i), "name");
        bool found = false;
        for (guint k = 0; k < json_array_get_length(schema) && !found; k++) {
            JsonObject *o = json_array_get_object_element(schema, k);
            found = !strcmp(json_object_get_string_member(o, "name"), name) &&
                    !strcmp(json_object_get_string_member(o, "meta-type"), "command");
        }
        if (!found)
            g_error("command %s is not in the schema", name);
    }
    json_object_unref(r);
    json_object_unref(sr);
    /* The queries with results, once each. */
    static const char *const queries[] = {
        "query-version", "query-kvm", "query-cpus-fast", "query-chardev", "query-machines",
        "query-target", "query-pci", "query-block", "query-vnc", "query-fdsets",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(queries); i++) {
        char *j = g_strdup_printf("{\"execute\": \"%s\", \"id\": %zu}", queries[i], i);
        r = cmd(c, j);
        g_assert_cmpint(json_object_get_int_member(r, "id"), ==, (gint64)i);
        expect_ok(r);
        g_free(j);
    }
    r = cmd(c, "{\"execute\": \"query-chardev\"}");
    JsonObject *cd = json_array_get_object_element(json_object_get_array_member(r, "return"), 0);
    g_assert_cmpstr(json_object_get_string_member(cd, "label"), ==, "compat_monitor0");
    g_assert_true(g_str_has_prefix(json_object_get_string_member(cd, "filename"), "unix:"));
    json_object_unref(r);
    expect_err(cmd(c, "{\"execute\": \"screendump\", \"arguments\": {\"filename\": \"x\"}}"),
               "GenericError", NULL);
    expect_err(cmd(c, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"x\"}}"),
               "DeviceNotFound", "Device 'x' not found");
    r = cmd(c, "{\"execute\": \"human-monitor-command\", \"arguments\": "
               "{\"command-line\": \"info name\"}}");
    g_assert_cmpstr(json_object_get_string_member(r, "return"), ==, "guest1\n");
    json_object_unref(r);
    /* Run states and their events. */
    expect_ok(cmd(c, "{\"execute\": \"stop\"}"));
    expect_event(c, "STOP");
    expect_status(c, "paused");
    expect_ok(cmd(c, "{\"execute\": \"cont\"}"));
    expect_event(c, "RESUME");
    expect_status(c, "running");
    expect_ok(cmd(c, "{\"execute\": \"system_reset\"}"));
    e = wait_event(c, "RESET");
    g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(e, "data"),
                                                  "reason"),
                    ==, "host-qmp-system-reset");
    json_object_unref(e);
    expect_ok(cmd(c, "{\"execute\": \"system_powerdown\"}"));
    expect_event(c, "POWERDOWN");
    quit_and_wait(p, c);
    client_free(c);
    proc_free(p);
}

static void test_two_clients(void)
{
    struct proc *p = spawn((const char *const[]){ "-qmp", "unix:@D/a.sock,server=on,wait=on",
                                                   "-qmp", "unix:@D/b.sock,server=on,wait=on",
                                                   NULL });
    struct client *a = connect_unix(p, "a.sock");
    struct client *b = connect_unix(p, "b.sock");
    negotiate(a);
    negotiate(b);
    expect_ok(cmd(a, "{\"execute\": \"stop\"}"));
    expect_event(a, "STOP");
    expect_event(b, "STOP");
    expect_status(b, "paused");
    expect_ok(cmd(b, "{\"execute\": \"cont\"}"));
    expect_event(a, "RESUME");
    expect_event(b, "RESUME");
    expect_ok(cmd(a, "{\"execute\": \"system_reset\"}"));
    expect_event(a, "RESET");
    expect_event(b, "RESET");
    /* A second client on the same socket is refused while one is there. */
    char *path = sock_path(p, "a.sock");
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_free(path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    g_assert_cmpint(poll(&pfd, 1, TIMEOUT_MS), ==, 1);
    char byte;
    g_assert_cmpint(recv(fd, &byte, 1, 0), ==, 0); /* closed, no greeting */
    close(fd);
    /* b leaves and comes back: a new greeting, negotiation again. */
    client_free(b);
    b = connect_unix(p, "b.sock");
    negotiate(b);
    expect_status(b, "running");
    quit_and_wait(p, a);
    expect_event(b, "SHUTDOWN");
    client_free(a);
    client_free(b);
    proc_free(p);
}

static void test_prelaunch(void)
{
    struct proc *p =
        spawn((const char *const[]){ "-S", "-qmp", "unix:@D/q.sock,server=on,wait=on", NULL });
    struct client *c = connect_unix(p, "q.sock");
    negotiate(c);
    expect_status(c, "prelaunch");
    expect_ok(cmd(c, "{\"execute\": \"stop\"}"));
    expect_status(c, "prelaunch");
    expect_ok(cmd(c, "{\"execute\": \"cont\"}"));
    expect_event(c, "RESUME");
    expect_status(c, "running");
    quit_and_wait(p, c);
    client_free(c);
    proc_free(p);
}

static void test_no_shutdown(void)
{
    struct proc *p = spawn((const char *const[]){
        "-no-shutdown", "-qmp", "unix:@D/q.sock,server=on,wait=on", NULL });
    struct client *c = connect_unix(p, "q.sock");
    negotiate(c);
    /* quit is not a guest shutdown: -no-shutdown does not keep us. */
    quit_and_wait(p, c);
    client_free(c);
    proc_free(p);
}

/* Send a command with a file descriptor attached (SCM_RIGHTS). */
static void send_with_fd(struct client *c, const char *json, int fd)
{
    struct iovec iov = { .iov_base = (void *)json, .iov_len = strlen(json) };
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } ctl;
    memset(&ctl, 0, sizeof(ctl));
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                         .msg_controllen = sizeof(ctl.buf) };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    g_assert_cmpint(sendmsg(c->fd, &mh, 0), ==, (ssize_t)strlen(json));
}

static void test_fds(void)
{
    struct proc *p =
        spawn((const char *const[]){ "-qmp", "unix:@D/q.sock,server=on,wait=on", NULL });
    struct client *c = connect_unix(p, "q.sock");
    negotiate(c);
    int pipefd[2];
    g_assert_cmpint(pipe(pipefd), ==, 0);
    send_with_fd(c, "{\"execute\": \"getfd\", \"arguments\": {\"fdname\": \"fd0\"}}",
                 pipefd[0]);
    expect_ok(reply(c));
    send_with_fd(c, "{\"execute\": \"getfd\", \"arguments\": {\"fdname\": \"0bad\"}}",
                 pipefd[0]);
    expect_err(reply(c), "GenericError",
               "Parameter 'fdname' expects a name not starting with a digit");
    expect_ok(cmd(c, "{\"execute\": \"closefd\", \"arguments\": {\"fdname\": \"fd0\"}}"));
    expect_err(cmd(c, "{\"execute\": \"closefd\", \"arguments\": {\"fdname\": \"fd0\"}}"),
               "GenericError", "File descriptor named 'fd0' not found");
    /* hvemu closed its copies: the pipe's write end sees no reader once
     * ours is closed too. */
    close(pipefd[0]);
    g_assert_cmpint(write(pipefd[1], "x", 1), ==, -1);
    g_assert_cmpint(errno, ==, EPIPE);
    close(pipefd[1]);

    int devnull = open("/dev/null", O_RDONLY);
    send_with_fd(c, "{\"execute\": \"add-fd\", \"arguments\": {\"fdset-id\": 2, "
                    "\"opaque\": \"disk\"}}",
                 devnull);
    JsonObject *r = reply(c);
    JsonObject *info = json_object_get_object_member(r, "return");
    g_assert_cmpint(json_object_get_int_member(info, "fdset-id"), ==, 2);
    gint64 fd1 = json_object_get_int_member(info, "fd");
    g_assert_cmpint(fd1, >, 2);
    json_object_unref(r);
    send_with_fd(c, "{\"execute\": \"add-fd\"}", devnull);
    r = reply(c);
    g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(r, "return"),
                                               "fdset-id"),
                    ==, 0);
    json_object_unref(r);
    close(devnull);
    r = cmd(c, "{\"execute\": \"query-fdsets\"}");
    JsonArray *sets = json_object_get_array_member(r, "return");
    g_assert_cmpuint(json_array_get_length(sets), ==, 2);
    JsonObject *s2 = json_array_get_object_element(sets, 1);
    g_assert_cmpint(json_object_get_int_member(s2, "fdset-id"), ==, 2);
    JsonObject *f = json_array_get_object_element(json_object_get_array_member(s2, "fds"), 0);
    g_assert_cmpint(json_object_get_int_member(f, "fd"), ==, fd1);
    g_assert_cmpstr(json_object_get_string_member(f, "opaque"), ==, "disk");
    json_object_unref(r);
    char *j = g_strdup_printf("{\"execute\": \"remove-fd\", \"arguments\": {\"fdset-id\": 2, "
                              "\"fd\": %" G_GINT64_FORMAT "}}",
                              fd1);
    expect_ok(cmd(c, j));
    expect_err(cmd(c, j), "GenericError", NULL);
    g_free(j);
    expect_ok(cmd(c, "{\"execute\": \"remove-fd\", \"arguments\": {\"fdset-id\": 0}}"));
    r = cmd(c, "{\"execute\": \"query-fdsets\"}");
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(r, "return")), ==, 0);
    json_object_unref(r);
    quit_and_wait(p, c);
    client_free(c);
    proc_free(p);
}

static void test_signal(void)
{
    struct proc *p =
        spawn((const char *const[]){ "-qmp", "unix:@D/q.sock,server=on,wait=on", NULL });
    struct client *c = connect_unix(p, "q.sock");
    negotiate(c);
    kill(p->pid, SIGTERM);
    JsonObject *e = wait_event(c, "SHUTDOWN");
    g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(e, "data"),
                                                  "reason"),
                    ==, "host-signal");
    json_object_unref(e);
    g_assert_cmpint(proc_wait(p), ==, 0);
    client_free(c);
    proc_free(p);
}

static int free_tcp_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(sa);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sa, &len), ==, 0);
    close(fd);
    return ntohs(sa.sin_port);
}

/* -chardev + -mon (control and readline), TCP, and the human monitor. */
static void test_mon_tcp_hmp(void)
{
    int port = free_tcp_port();
    char *chr = g_strdup_printf("socket,id=mon0,host=127.0.0.1,port=%d,server=on,wait=on", port);
    struct proc *p = spawn((const char *const[]){
        "-chardev", chr, "-mon", "chardev=mon0,mode=control", "-chardev",
        "socket,id=hmp0,path=@D/h.sock,server=on,wait=on", "-mon", "chardev=hmp0",
        "-monitor", "unix:@D/h2.sock,server=on,wait=on", NULL });
    g_free(chr);
    /* hvemu waits for each socket in command-line order. */
    struct client *c = connect_tcp(p, port);
    struct client *h = connect_unix(p, "h.sock");
    struct client *h2 = connect_unix(p, "h2.sock");
    negotiate(c);
    char *banner = read_line(h);
    g_assert_true(g_str_has_prefix(banner, "QEMU 7.2.0 monitor"));
    g_free(banner);
    client_send(h, "info status\r\n");
    char *line = NULL;
    do {
        g_free(line);
        line = read_line(h);
    } while (!strstr(line, "VM status"));
    g_assert_true(g_str_has_suffix(line, "VM status: running"));
    g_free(line);
    client_send(h2, "stop\n");
    expect_event(c, "STOP");
    expect_status(c, "paused");
    client_send(h2, "c\n");
    expect_event(c, "RESUME");
    client_send(h2, "quit\n");
    JsonObject *e = wait_event(c, "SHUTDOWN");
    json_object_unref(e);
    g_assert_cmpint(proc_wait(p), ==, 0);
    client_free(c);
    client_free(h);
    client_free(h2);
    proc_free(p);
}

static void test_bad_options(void)
{
    static const char *const bad[][4] = {
        { "-mon", "chardev=nope,mode=control", NULL },
        { "-mon", "mode=control", NULL },
        { "-uuid", "not-a-uuid", NULL },
        { "-qmp", "bogus:x", NULL },
        { "-daemonize", "-serial", "stdio", NULL },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        struct proc *p = spawn(bad[i]);
        g_assert_cmpint(proc_wait(p), ==, 1);
        g_assert_true(g_str_has_prefix(p->err->str, "hvemu: "));
        proc_free(p);
    }
}

/* The pm32 guest under KVM, held at -S: it must not run before cont. */
static void test_kvm(void)
{
    int kfd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kfd < 0) {
        printf("SKIP: /dev/kvm not available\n");
        g_test_skip("SKIP: /dev/kvm not available");
        return;
    }
    close(kfd);
    const char *guests = g_getenv("GUESTS") ? g_getenv("GUESTS") : "build/guests";
    char *kernel = g_build_filename(guests, "kernels", "pm32.elf", NULL);
    if (!g_file_test(kernel, G_FILE_TEST_EXISTS))
        g_error("%s missing (make guests-kernels)", kernel);
    struct proc *p = spawn((const char *const[]){
        "-accel", "kvm", "-S", "-kernel", kernel, "-serial", "unix:@D/s.sock,server=on,wait=on",
        "-qmp", "unix:@D/q.sock,server=on,wait=on", NULL });
    struct client *serial = connect_unix(p, "s.sock");
    struct client *c = connect_unix(p, "q.sock");
    negotiate(c);
    expect_status(c, "prelaunch");
    JsonObject *r = cmd(c, "{\"execute\": \"query-kvm\"}");
    g_assert_true(json_object_get_boolean_member(json_object_get_object_member(r, "return"),
                                                 "enabled"));
    json_object_unref(r);
    /* Nothing on the serial line while held. */
    struct pollfd pfd = { .fd = serial->fd, .events = POLLIN };
    g_assert_cmpint(poll(&pfd, 1, 200), ==, 0);
    expect_ok(cmd(c, "{\"execute\": \"cont\"}"));
    expect_event(c, "RESUME");
    /* The guest runs its checks to the end (no isa-debug-exit: it stays). */
    wait_for_text(serial, "DONE");
    g_assert_null(strstr(serial->buf->str, "FAIL"));
    g_assert_nonnull(strstr(serial->buf->str, "ok "));
    expect_ok(cmd(c, "{\"execute\": \"stop\"}"));
    expect_event(c, "STOP");
    expect_status(c, "paused");
    expect_ok(cmd(c, "{\"execute\": \"cont\"}"));
    expect_event(c, "RESUME");
    expect_status(c, "running");
    quit_and_wait(p, c);
    client_free(serial);
    client_free(c);
    proc_free(p);
    g_free(kernel);
}

/* A 64 KiB -bios image: code at the reset vector (F000:FFF0), the rest
 * HLT. */
static char *write_bios(struct proc *p, const char *name, const uint8_t *code, size_t len)
{
    uint8_t *img = g_malloc(65536);
    memset(img, 0xf4, 65536);
    memcpy(img + 0xfff0, code, len);
    char *path = sock_path(p, name);
    g_assert_true(g_file_set_contents(path, (const char *)img, 65536, NULL));
    g_free(img);
    return path;
}

/* HMP over a socket: run a line, return what it printed (up to the next
 * prompt), CR LF turned into LF. */
static char *hmp_line(struct client *h, const char *line)
{
    g_string_truncate(h->buf, 0);
    client_send(h, line);
    wait_for_text(h, "\r\n(qemu) ");
    char *start = strstr(h->buf->str, "\r\n");
    char *end = g_strrstr(h->buf->str, "(qemu) ");
    GString *out = g_string_new_len(start + 2, end - start - 2);
    g_string_replace(out, "\r\n", "\n", 0);
    g_string_truncate(h->buf, 0);
    return g_string_free(out, FALSE);
}

/* The soft CPU (two vCPUs in one thread): info cpus and query-cpus-fast
 * name that thread, info registers and x/xp show the guest's state, and the
 * line editor and history work over a socket. */
static void test_soft_cpu_state(void)
{
    struct proc *p = spawn((const char *const[]){ "-qmp", "unix:@D/q.sock,server=on,wait=on",
                                                   "-monitor", "unix:@D/h.sock,server=on,wait=on",
                                                   "-accel", "soft", "-smp", "2", "-S",
                                                   "-bios", "@D/guest.bin", "-name", "vm9",
                                                   NULL });
    /* mov ax, 0x1234; mov [0x500], ax; jmp $ */
    static const uint8_t code[] = { 0xb8, 0x34, 0x12, 0xa3, 0x00, 0x05, 0xeb, 0xfe };
    char *bios = write_bios(p, "guest.bin", code, sizeof(code));
    g_free(bios);
    struct client *c = connect_unix(p, "q.sock");
    struct client *h = connect_unix(p, "h.sock");
    negotiate(c);
    wait_for_text(h, "(qemu) ");
    expect_ok(cmd(c, "{\"execute\": \"cont\"}"));
    expect_event(c, "RESUME");
    /* The guest stored its word: wait for it (bounded). */
    char *out = NULL;
    for (int i = 0; i < 500; i++) {
        g_free(out);
        out = hmp_line(h, "xp /1hx 0x500\r");
        if (strstr(out, "0x1234"))
            break;
        g_usleep(10000);
    }
    g_assert_cmpstr(out, ==, "0000000000000500: 0x1234\n");
    g_free(out);
    out = hmp_line(h, "x /2bx 0x500\r"); /* paging off: virtual = physical */
    g_assert_cmpstr(out, ==, "0000000000000500: 0x34 0x12\n");
    g_free(out);
    out = hmp_line(h, "info registers\r");
    g_assert_true(g_str_has_prefix(out, "EAX=00001234 "));
    g_assert_nonnull(strstr(out, "EIP=0000fff6 "));
    g_assert_nonnull(strstr(out, "CS =f000 ffff0000 0000ffff 00009b00\n"));
    g_free(out);
    out = hmp_line(h, "cpu 1\r");
    g_assert_cmpstr(out, ==, "");
    g_free(out);
    out = hmp_line(h, "info registers\r"); /* the AP waits for INIT/SIPI */
    g_assert_nonnull(strstr(out, "HLT=1\n"));
    g_free(out);
    /* Both vCPUs run in the soft CPU's one thread, a thread of hvemu. */
    out = hmp_line(h, "info cpus\r");
    long t0 = 0, t1 = -1;
    g_assert_cmpint(sscanf(out, "  CPU #0: thread_id=%ld\n* CPU #1: thread_id=%ld", &t0, &t1),
                    ==, 2);
    g_free(out);
    g_assert_cmpint(t0, ==, t1);
    g_assert_cmpint(t0, !=, p->pid);
    char *task = g_strdup_printf("/proc/%d/task/%ld", (int)p->pid, t0);
    g_assert_true(g_file_test(task, G_FILE_TEST_IS_DIR));
    g_free(task);
    JsonObject *r = cmd(c, "{\"execute\": \"query-cpus-fast\"}");
    JsonArray *cpus = json_object_get_array_member(r, "return");
    g_assert_cmpuint(json_array_get_length(cpus), ==, 2);
    for (guint i = 0; i < 2; i++)
        g_assert_cmpint(json_object_get_int_member(json_array_get_object_element(cpus, i),
                                                   "thread-id"),
                        ==, t0);
    json_object_unref(r);
    /* Line editing and history over the socket. */
    out = hmp_line(h, "info nme\033[D\033[Da\r");
    g_assert_cmpstr(out, ==, "vm9\n");
    g_free(out);
    /* History: xp, x, info registers, cpu 1, info registers, info cpus,
     * info name.  Four back is "cpu 1". */
    out = hmp_line(h, "\033[A\033[A\033[A\033[A\r");
    g_assert_cmpstr(out, ==, "");
    g_free(out);
    /* Back 4, forward 1, back 1: the second "info registers". */
    out = hmp_line(h, "\x10\x10\x10\x10\x0e\x10\r");
    g_assert_nonnull(strstr(out, "HLT=1\n"));
    g_free(out);
    quit_and_wait(p, c);
    client_free(c);
    client_free(h);
    proc_free(p);
}

/* KVM's instruction emulator cannot fetch code from where there is no
 * memory: the guest jumps to 0x100000 with 1 MiB of RAM (FFFF:0010), which
 * KVM reports as an internal error (emulation failure).  The VM stops in
 * state internal-error and hvemu stays for the monitor. */
static void test_kvm_internal_error(void)
{
    int kfd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kfd < 0) {
        printf("SKIP: /dev/kvm not available\n");
        g_test_skip("SKIP: /dev/kvm not available");
        return;
    }
    close(kfd);
    struct proc *p = spawn((const char *const[]){ "-accel", "kvm", "-m", "1M", "-bios",
                                                   "@D/ie.bin", "-S", "-qmp",
                                                   "unix:@D/q.sock,server=on,wait=on", NULL });
    static const uint8_t code[] = { 0xea, 0x10, 0x00, 0xff, 0xff }; /* jmp FFFF:0010 */
    g_free(write_bios(p, "ie.bin", code, sizeof(code)));
    struct client *c = connect_unix(p, "q.sock");
    negotiate(c); /* events reach negotiated clients only: start after */
    expect_ok(cmd(c, "{\"execute\": \"cont\"}"));
    expect_event(c, "RESUME");
    expect_event(c, "STOP");
    expect_status(c, "internal-error");
    expect_err(cmd(c, "{\"execute\": \"cont\"}"), "GenericError",
               "Resetting the Virtual Machine is required");
    JsonObject *r = cmd(c, "{\"execute\": \"human-monitor-command\", \"arguments\": "
                           "{\"command-line\": \"info status\"}}");
    g_assert_cmpstr(json_object_get_string_member(r, "return"), ==,
                    "VM status: paused (internal-error)\n");
    json_object_unref(r);
    /* The registers of the stopped vCPU: where it could not go on. */
    r = cmd(c, "{\"execute\": \"human-monitor-command\", \"arguments\": "
               "{\"command-line\": \"info registers\"}}");
    g_assert_nonnull(strstr(json_object_get_string_member(r, "return"), "CS =ffff 000ffff0"));
    json_object_unref(r);
    drain_stderr(p, 100);
    g_assert_nonnull(strstr(p->err->str, "kvm: vCPU 0 stopped: exit reason"));
    /* A reset makes it runnable again (prelaunch), cont runs it into the
     * same wall. */
    expect_ok(cmd(c, "{\"execute\": \"system_reset\"}"));
    expect_event(c, "RESET");
    expect_status(c, "prelaunch");
    expect_ok(cmd(c, "{\"execute\": \"cont\"}"));
    expect_event(c, "RESUME");
    expect_event(c, "STOP");
    expect_status(c, "internal-error");
    quit_and_wait(p, c);
    client_free(c);
    proc_free(p);
}

/* What libvirt does to probe an emulator: -machine none, -daemonize,
 * -pidfile.  The parent exits 0 once the monitor listens; the daemon
 * answers QMP, has no CPUs, and removes its pid file when it quits. */
static void test_machine_none_daemon(void)
{
    struct proc *p = spawn((const char *const[]){
        "-S", "-no-user-config", "-nographic", "-machine", "none,accel=kvm:tcg", "-qmp",
        "unix:@D/q.sock,server=on,wait=off", "-pidfile", "@D/pid", "-daemonize", NULL });
    g_assert_cmpint(proc_wait(p), ==, 0);
    char *pidfile = sock_path(p, "pid"), *text = NULL;
    g_assert_true(g_file_get_contents(pidfile, &text, NULL, NULL));
    int pid = atoi(text);
    g_free(text);
    g_assert_cmpint(pid, >, 1);
    g_assert_cmpint(pid, !=, p->pid);
    g_assert_cmpint(kill(pid, 0), ==, 0);
    struct client *c = connect_unix(p, "q.sock");
    negotiate(c);
    expect_status(c, "prelaunch");
    JsonObject *r = cmd(c, "{\"execute\": \"query-cpus-fast\"}");
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(r, "return")), ==, 0);
    json_object_unref(r);
    expect_err(cmd(c, "{\"execute\": \"send-key\", \"arguments\": {\"keys\": "
                      "[{\"type\": \"qcode\", \"data\": \"a\"}]}}"),
               "GenericError", "No keyboard to send keys to (this machine has none)");
    expect_ok(cmd(c, "{\"execute\": \"quit\"}"));
    expect_event(c, "SHUTDOWN");
    /* The daemon is not our child: wait for its pid file to go. */
    for (int i = 0; i < 500 && g_file_test(pidfile, G_FILE_TEST_EXISTS); i++)
        g_usleep(10000);
    g_assert_false(g_file_test(pidfile, G_FILE_TEST_EXISTS));
    g_free(pidfile);
    client_free(c);
    proc_free(p);
}

/* Like wait_for_text, for a guest that boots for minutes. */
static void wait_for_text_long(struct client *c, const char *text, int total_ms)
{
    gint64 end = g_get_monotonic_time() + total_ms * 1000LL;
    while (!strstr(c->buf->str, text)) {
        struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
        if (g_get_monotonic_time() > end || poll(&pfd, 1, 1000) < 0)
            g_error("'%s' did not come within %d ms (have '%s')", text, total_ms, c->buf->str);
        if (!(pfd.revents & (POLLIN | POLLHUP)))
            continue;
        char buf[4096];
        ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
        if (n <= 0)
            g_error("connection closed waiting for '%s' (have '%s')", text, c->buf->str);
        g_string_append_len(c->buf, buf, n);
    }
}

/* Guest-visible send-key: Debian's Linux (the project's test guest) on the
 * soft CPU gets Ctrl-Alt-Delete on its PS/2 keyboard.  Its /init is a
 * shell script that never takes Ctrl-Alt-Delete over (no reboot(CAD_OFF)),
 * so the kernel restarts the machine at once ("reboot: Restarting
 * system"), which -no-reboot turns into SHUTDOWN (guest-reset) and exit 0. */
static void test_sendkey_linux(void)
{
    const char *guests = g_getenv("GUESTS") ? g_getenv("GUESTS") : "build/guests";
    char *kernel = g_build_filename(guests, "linux", "vmlinuz", NULL);
    char *initrd = g_build_filename(guests, "linux", "initrd.gz", NULL);
    if (!g_file_test(kernel, G_FILE_TEST_EXISTS))
        g_error("%s missing (make guest-linux)", kernel);
    struct proc *p = spawn((const char *const[]){
        "-accel", "soft", "-m", "256M", "-no-reboot", "-kernel", kernel, "-initrd", initrd,
        "-append", "console=ttyS0 hvemu.nomodules hvemu.end=reboot panic=-1",
        "-serial", "unix:@D/s.sock,server=on,wait=on", "-qmp",
        "unix:@D/q.sock,server=on,wait=on", NULL });
    struct client *serial = connect_unix(p, "s.sock");
    struct client *c = connect_unix(p, "q.sock");
    negotiate(c);
    wait_for_text_long(serial, "HVEMU-GUEST-READY", 600000);
    /* The keyboard driver binds from a work queue, which may finish after
     * /init is up: keys sent before would be lost. */
    wait_for_text_long(serial, "input: AT Translated Set 2 keyboard", 120000);
    /* The shell is up; nobody types on the keyboard but us. */
    g_assert_null(strstr(serial->buf->str, "reboot: Restarting system"));
    expect_ok(cmd(c, "{\"execute\": \"send-key\", \"arguments\": {\"keys\": ["
                     "{\"type\": \"qcode\", \"data\": \"ctrl\"}, {\"type\": \"qcode\", "
                     "\"data\": \"alt\"}, {\"type\": \"qcode\", \"data\": \"delete\"}]}}"));
    wait_for_text_long(serial, "reboot: Restarting system", 120000);
    JsonObject *e = wait_event(c, "SHUTDOWN");
    JsonObject *d = json_object_get_object_member(e, "data");
    g_assert_true(json_object_get_boolean_member(d, "guest"));
    g_assert_cmpstr(json_object_get_string_member(d, "reason"), ==, "guest-reset");
    json_object_unref(e);
    g_assert_cmpint(proc_wait(p), ==, 0);
    client_free(serial);
    client_free(c);
    proc_free(p);
    g_free(kernel);
    g_free(initrd);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    signal(SIGPIPE, SIG_IGN);
    g_test_add_func("/qmp/protocol", test_protocol);
    g_test_add_func("/qmp/two-clients", test_two_clients);
    g_test_add_func("/qmp/prelaunch", test_prelaunch);
    g_test_add_func("/qmp/no-shutdown-quit", test_no_shutdown);
    g_test_add_func("/qmp/fds", test_fds);
    g_test_add_func("/qmp/signal", test_signal);
    g_test_add_func("/qmp/mon-tcp-hmp", test_mon_tcp_hmp);
    g_test_add_func("/qmp/bad-options", test_bad_options);
    g_test_add_func("/qmp/kvm", test_kvm);
    g_test_add_func("/qmp/soft-cpu-state", test_soft_cpu_state);
    g_test_add_func("/qmp/kvm-internal-error", test_kvm_internal_error);
    g_test_add_func("/qmp/machine-none-daemon", test_machine_none_daemon);
    g_test_add_func("/qmp/sendkey-linux", test_sendkey_linux);
    return g_test_run();
}
