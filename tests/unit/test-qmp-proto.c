/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The QMP engine and the run states, without a process or a socket: a
 * machine with the test accelerator, the monitor, and QMP sessions on
 * buffer chardevs.  The main loop's part is played by calling
 * runstate_handle_requests() where the loop would. */
#include <string.h>
#include "core/chardev.h"
#include "core/qmp.h"
#include "core/runstate.h"
#include "cpu/accel.h"
#include "monitor/monitor.h"
#include "monitor/qmp_cmds.h"
#include "monitor/readline.h"

struct t {
    struct machine *m;
    struct monitor *mon;
    struct chardev *cd, *cd2;
    size_t pos, pos2; /* how much output has been consumed */
};

static struct t *setup(bool host_clock)
{
    struct t *t = g_new0(struct t, 1);
    char *err = NULL;
    t->m = machine_new(4 * MiB, host_clock ? VCLOCK_HOST : VCLOCK_MANUAL, &err);
    g_assert_nonnull(t->m);
    t->m->accel = &accel_test;
    g_assert_cmpint(t->m->accel->init(t->m, &err), ==, 0);
    t->m->name = g_strdup("vm1");
    t->mon = monitor_new(t->m);
    t->cd = chardev_new_buffer("qmp0");
    t->cd2 = chardev_new_buffer("qmp1");
    monitor_add_qmp(t->mon, t->cd, false);
    monitor_add_qmp(t->mon, t->cd2, false);
    monitor_register_chardev(t->mon, t->cd);
    monitor_register_chardev(t->mon, t->cd2);
    g_assert_cmpint(runstate_start(t->m, true, &err), ==, 0);
    return t;
}

static void teardown(struct t *t)
{
    monitor_free(t->mon);
    machine_free(t->m);
    chardev_free(t->cd);
    chardev_free(t->cd2);
    g_free(t);
}

static void push(struct chardev *cd, const char *s)
{
    chardev_buffer_push(cd, s, (int)strlen(s));
}

/* The next output line of a session, parsed; NULL if there is none. */
static JsonObject *next_on(struct chardev *cd, size_t *pos)
{
    GString *out = chardev_buffer_output(cd);
    const char *start = out->str + *pos;
    const char *end = strstr(start, "\r\n");
    if (!end)
        return NULL;
    *pos += (size_t)(end - start) + 2;
    JsonParser *p = json_parser_new();
    GError *e = NULL;
    if (!json_parser_load_from_data(p, start, end - start, &e))
        g_error("bad output '%.*s': %s", (int)(end - start), start, e->message);
    g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)));
    JsonObject *o = json_object_ref(json_node_get_object(json_parser_get_root(p)));
    g_object_unref(p);
    return o;
}

static JsonObject *next(struct t *t)
{
    JsonObject *o = next_on(t->cd, &t->pos);
    g_assert_nonnull(o);
    return o;
}

static void no_more(struct t *t)
{
    g_assert_cmpuint(t->pos, ==, chardev_buffer_output(t->cd)->len);
}

static void negotiate(struct t *t)
{
    JsonObject *g = next(t);
    g_assert_true(json_object_has_member(g, "QMP"));
    json_object_unref(g);
    push(t->cd, "{\"execute\": \"qmp_capabilities\"}");
    JsonObject *r = next(t);
    g_assert_true(json_object_has_member(r, "return"));
    json_object_unref(r);
}

/* Send one command; returns the reply (events before it are skipped but
 * must not be there unless allowed). */
static JsonObject *cmd(struct t *t, const char *json)
{
    push(t->cd, json);
    return next(t);
}

static void assert_error(JsonObject *r, const char *cls, const char *desc)
{
    g_assert_true(json_object_has_member(r, "error"));
    JsonObject *e = json_object_get_object_member(r, "error");
    g_assert_cmpstr(json_object_get_string_member(e, "class"), ==, cls);
    if (desc)
        g_assert_cmpstr(json_object_get_string_member(e, "desc"), ==, desc);
    json_object_unref(r);
}

static void assert_error_prefix(JsonObject *r, const char *prefix)
{
    JsonObject *e = json_object_get_object_member(r, "error");
    g_assert_nonnull(e);
    g_assert_cmpstr(json_object_get_string_member(e, "class"), ==, "GenericError");
    g_assert_true(g_str_has_prefix(json_object_get_string_member(e, "desc"), prefix));
    json_object_unref(r);
}

static void assert_ok(JsonObject *r)
{
    if (!json_object_has_member(r, "return"))
        g_error("expected a return, got error %s",
                json_object_get_string_member(json_object_get_object_member(r, "error"),
                                              "desc"));
    json_object_unref(r);
}

static void assert_event(JsonObject *r, const char *name)
{
    g_assert_cmpstr(json_object_get_string_member(r, "event"), ==, name);
    JsonObject *ts = json_object_get_object_member(r, "timestamp");
    g_assert_nonnull(ts);
    g_assert_cmpint(json_object_get_int_member(ts, "seconds"), >, 1500000000);
    g_assert_cmpint(json_object_get_int_member(ts, "microseconds"), <, 1000000);
    json_object_unref(r);
}

static const char *status_of(struct t *t)
{
    JsonObject *r = cmd(t, "{\"execute\": \"query-status\"}");
    JsonObject *ret = json_object_get_object_member(r, "return");
    static char buf[32];
    g_strlcpy(buf, json_object_get_string_member(ret, "status"), sizeof(buf));
    g_assert_true(json_object_get_boolean_member(ret, "running") == !strcmp(buf, "running"));
    g_assert_false(json_object_get_boolean_member(ret, "singlestep"));
    json_object_unref(r);
    return buf;
}

/* ---- protocol ---- */

static void test_greeting(void)
{
    struct t *t = setup(false);
    JsonObject *g = next(t);
    JsonObject *q = json_object_get_object_member(g, "QMP");
    JsonObject *v = json_object_get_object_member(q, "version");
    JsonObject *qemu = json_object_get_object_member(v, "qemu");
    g_assert_cmpint(json_object_get_int_member(qemu, "major"), ==, 7);
    g_assert_cmpint(json_object_get_int_member(qemu, "minor"), ==, 2);
    g_assert_cmpint(json_object_get_int_member(qemu, "micro"), ==, 0);
    g_assert_true(g_str_has_prefix(json_object_get_string_member(v, "package"), "hvemu "));
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(q, "capabilities")), ==,
                     0);
    json_object_unref(g);
    /* The second session got its own greeting. */
    JsonObject *g2 = next_on(t->cd2, &t->pos2);
    g_assert_nonnull(g2);
    json_object_unref(g2);
    teardown(t);
}

static void test_negotiation(void)
{
    struct t *t = setup(false);
    json_object_unref(next(t));
    assert_error(cmd(t, "{\"execute\": \"query-status\", \"id\": 5}"), "CommandNotFound",
                 "Expecting capabilities negotiation with 'qmp_capabilities'");
    assert_error(cmd(t, "{\"execute\": \"no-such\"}"), "CommandNotFound",
                 "Expecting capabilities negotiation with 'qmp_capabilities'");
    assert_error(cmd(t, "{\"execute\": \"qmp_capabilities\", \"arguments\": "
                        "{\"enable\": [\"oob\"]}}"),
                 "GenericError", "Capability 'oob' not available");
    assert_error(cmd(t, "{\"execute\": \"qmp_capabilities\", \"arguments\": "
                        "{\"enable\": [1]}}"),
                 "GenericError", "Invalid parameter type for 'enable[0]', expected: string");
    assert_error(cmd(t, "{\"execute\": \"qmp_capabilities\", \"arguments\": "
                        "{\"enable\": [\"x\"]}}"),
                 "GenericError", "Parameter 'enable' does not accept value 'x'");
    assert_ok(cmd(t, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": []}}"));
    assert_error(cmd(t, "{\"execute\": \"qmp_capabilities\"}"), "CommandNotFound",
                 "Capabilities negotiation is already complete, command ignored");
    assert_error(cmd(t, "{\"execute\": \"no-such\"}"), "CommandNotFound",
                 "The command no-such has not been found");
    assert_ok(cmd(t, "{\"execute\": \"query-status\"}"));
    teardown(t);
}

static void test_request_shape(void)
{
    struct t *t = setup(false);
    negotiate(t);
    assert_error(cmd(t, "[1, 2]"), "GenericError", "QMP input must be a JSON object");
    assert_error(cmd(t, "\"str\""), "GenericError", "QMP input must be a JSON object");
    assert_error(cmd(t, "42 "), "GenericError", "QMP input must be a JSON object");
    assert_error(cmd(t, "{}"), "GenericError", "QMP input lacks member 'execute'");
    assert_error(cmd(t, "{\"execute\": 1}"), "GenericError",
                 "QMP input member 'execute' must be a string");
    assert_error(cmd(t, "{\"execute\": \"stop\", \"arguments\": []}"), "GenericError",
                 "QMP input member 'arguments' must be an object");
    assert_error(cmd(t, "{\"execute\": \"stop\", \"extra\": 1}"), "GenericError",
                 "QMP input member 'extra' is unexpected");
    assert_error(cmd(t, "{\"exec-oob\": \"stop\"}"), "GenericError",
                 "QMP input member 'exec-oob' is unexpected");
    no_more(t);
    teardown(t);
}

static void test_id_echo(void)
{
    struct t *t = setup(false);
    negotiate(t);
    static const char *const ids[] = { "7", "-1", "\"abc\"", "{\"a\": [1, {\"b\": null}]}",
                                       "[true, false]", "null", "1.5" };
    for (size_t i = 0; i < G_N_ELEMENTS(ids); i++) {
        char *req = g_strdup_printf("{\"execute\": \"query-name\", \"id\": %s}", ids[i]);
        JsonObject *r = cmd(t, req);
        g_assert_true(json_object_has_member(r, "id"));
        JsonParser *p = json_parser_new();
        g_assert_true(json_parser_load_from_data(p, ids[i], -1, NULL));
        g_assert_true(json_node_equal(json_parser_get_root(p), json_object_get_member(r, "id")));
        g_object_unref(p);
        json_object_unref(r);
        g_free(req);
    }
    /* Errors echo the id too. */
    JsonObject *r = cmd(t, "{\"execute\": \"nope\", \"id\": \"e1\"}");
    g_assert_cmpstr(json_object_get_string_member(r, "id"), ==, "e1");
    assert_error(r, "CommandNotFound", NULL);
    r = cmd(t, "{\"execute\": \"query-name\"}");
    g_assert_false(json_object_has_member(r, "id"));
    json_object_unref(r);
    teardown(t);
}

static void test_framing(void)
{
    struct t *t = setup(false);
    negotiate(t);
    /* Two messages in one write, with whitespace between. */
    push(t->cd, "{\"execute\": \"query-name\", \"id\": 1}\r\n  {\"execute\": \"query-uuid\", "
                "\"id\": 2}");
    JsonObject *a = next(t), *b = next(t);
    g_assert_cmpint(json_object_get_int_member(a, "id"), ==, 1);
    g_assert_cmpint(json_object_get_int_member(b, "id"), ==, 2);
    json_object_unref(a);
    json_object_unref(b);
    /* One message a byte at a time, braces inside strings included. */
    const char *msg = "{\"execute\": \"query-name\", \"id\": \"}{\\\"[\"}";
    for (size_t i = 0; msg[i]; i++) {
        chardev_buffer_push(t->cd, &msg[i], 1);
        if (msg[i + 1])
            no_more(t);
    }
    a = next(t);
    g_assert_cmpstr(json_object_get_string_member(a, "id"), ==, "}{\"[");
    json_object_unref(a);
    teardown(t);
}

static void test_malformed(void)
{
    struct t *t = setup(false);
    negotiate(t);
    assert_error_prefix(cmd(t, "{\"execute\": query-status}"), "JSON parse error, ");
    assert_ok(cmd(t, "{\"execute\": \"query-status\"}"));
    assert_error_prefix(cmd(t, "}"), "JSON parse error, ");
    assert_error_prefix(cmd(t, "nonsense "), "JSON parse error, ");
    /* A raw newline inside a string ends the broken message. */
    assert_error(cmd(t, "{\"execute\": \"quer\n"), "GenericError",
                 "JSON parse error, control character in a string");
    assert_ok(cmd(t, "{\"execute\": \"query-status\"}"));
    /* 0xFF resets the parser mid-message. */
    assert_error(cmd(t, "{\"execute\": \xff"), "GenericError",
                 "JSON parse error, stray byte 0xff");
    push(t->cd, "\xff");
    assert_ok(cmd(t, "{\"execute\": \"query-status\"}"));
    assert_error(cmd(t, "{\"execute\": \"query-status\", \"id\": \"\xc3\x28\"}"), "GenericError",
                 "JSON parse error, invalid UTF-8 sequence");
    assert_error(cmd(t, "{\"execute\": \"query-status\", \"id\": 1e999}"), "GenericError",
                 "JSON parse error, number out of range");
    assert_ok(cmd(t, "{\"execute\": \"query-status\", \"id\": \"\xc3\xa9\"}"));
    no_more(t);
    teardown(t);
}

static void test_limits(void)
{
    struct t *t = setup(false);
    negotiate(t);
    /* 2 MiB inside a string, in 64 KiB writes: rejected, then back to normal. */
    push(t->cd, "{\"execute\": \"query-status\", \"id\": \"");
    char *chunk = g_malloc(64 * 1024 + 1);
    memset(chunk, 'a', 64 * 1024);
    chunk[64 * 1024] = 0;
    for (int i = 0; i < 32; i++)
        push(t->cd, chunk);
    g_free(chunk);
    no_more(t);
    assert_error(cmd(t, "\"}"), "GenericError",
                 "JSON parse error, message larger than 1048576 bytes");
    assert_ok(cmd(t, "{\"execute\": \"query-status\"}"));
    /* Nesting: 1024 levels (with the request object) are fine... */
    GString *s = g_string_new("{\"execute\": \"query-status\", \"id\": ");
    for (int i = 0; i < 1023; i++)
        g_string_append_c(s, '[');
    for (int i = 0; i < 1023; i++)
        g_string_append_c(s, ']');
    g_string_append_c(s, '}');
    assert_ok(cmd(t, s->str));
    /* ...100000 are not, and nothing is buffered meanwhile. */
    g_string_assign(s, "{\"execute\": \"query-status\", \"id\": ");
    for (int i = 0; i < 100000; i++)
        g_string_append_c(s, '[');
    for (int i = 0; i < 100000; i++)
        g_string_append_c(s, ']');
    g_string_append_c(s, '}');
    assert_error(cmd(t, s->str), "GenericError",
                 "JSON parse error, nesting deeper than 1024 levels");
    g_string_free(s, TRUE);
    assert_ok(cmd(t, "{\"execute\": \"query-status\"}"));
    teardown(t);
}

/* Every command: without arguments, with an unexpected one, and (for those
 * with arguments) with each declared argument of the wrong type. */
static void test_argument_errors(void)
{
    struct t *t = setup(false);
    negotiate(t);
    for (size_t i = 0; i < qmp_ncommands; i++) {
        const struct qmp_command *c = &qmp_commands[i];
        if (c->flags & QMP_CMD_NEGOTIATION)
            continue;
        /* A missing required argument. */
        const struct qmp_arg *req = NULL;
        for (const struct qmp_arg *a = c->args; a && a->name; a++)
            if (!a->optional && !req)
                req = a;
        if (req) {
            char *j = g_strdup_printf("{\"execute\": \"%s\"}", c->name);
            char *d = g_strdup_printf("Parameter '%s' is missing", req->name);
            assert_error(cmd(t, j), "GenericError", d);
            g_free(j);
            g_free(d);
        }
        /* Wrong types: a JSON type no declared argument accepts. */
        for (const struct qmp_arg *a = c->args; a && a->name; a++) {
            if (a->type == QMP_ANY)
                continue;
            const char *bad = a->type == QMP_OBJECT ? "[]" : "{}";
            GString *j = g_string_new(NULL);
            g_string_printf(j, "{\"execute\": \"%s\", \"arguments\": {", c->name);
            /* earlier required arguments valid, so this one is reported */
            for (const struct qmp_arg *b = c->args; b != a; b++) {
                if (b->optional)
                    continue;
                const char *good = b->type == QMP_STR ? "\"x\"" : b->type == QMP_INT ? "1"
                                   : b->type == QMP_BOOL ? "true" : "[]";
                g_string_append_printf(j, "\"%s\": %s, ", b->name, good);
            }
            g_string_append_printf(j, "\"%s\": %s}}", a->name, bad);
            char *d = g_strdup_printf("Invalid parameter type for '%s', expected: %s", a->name,
                                      qmp_type_name(a->type));
            assert_error(cmd(t, j->str), "GenericError", d);
            g_free(d);
            g_string_free(j, TRUE);
        }
        if (!req && !(c->flags & QMP_CMD_EXTRA_ARGS)) {
            char *j = g_strdup_printf("{\"execute\": \"%s\", \"arguments\": {\"bogus\": 1}}",
                                      c->name);
            assert_error(cmd(t, j), "GenericError", "Parameter 'bogus' is unexpected");
            g_free(j);
        }
    }
    /* Unexpected after valid ones; ints are not strings and vice versa. */
    assert_error(cmd(t, "{\"execute\": \"closefd\", \"arguments\": {\"fdname\": \"a\", "
                        "\"y\": 1}}"),
                 "GenericError", "Parameter 'y' is unexpected");
    assert_error(cmd(t, "{\"execute\": \"remove-fd\", \"arguments\": {\"fdset-id\": 1.5}}"),
                 "GenericError", "Invalid parameter type for 'fdset-id', expected: integer");
    assert_error(cmd(t, "{\"execute\": \"getfd\", \"arguments\": {\"fdname\": 3}}"),
                 "GenericError", "Invalid parameter type for 'fdname', expected: string");
    assert_error(cmd(t, "{\"execute\": \"set_link\", \"arguments\": {\"name\": \"n\", "
                        "\"up\": \"yes\"}}"),
                 "GenericError", "Invalid parameter type for 'up', expected: boolean");
    teardown(t);
}

/* ---- commands ---- */

static JsonObject *ret_object(JsonObject *r)
{
    g_assert_true(json_object_has_member(r, "return"));
    return json_object_get_object_member(r, "return");
}

static void test_queries(void)
{
    struct t *t = setup(false);
    t->m->uuid[0] = 0x12;
    t->m->uuid[15] = 0xef;
    t->m->smp_cpus = 2;
    negotiate(t);
    JsonObject *r = cmd(t, "{\"execute\": \"query-version\"}");
    g_assert_cmpint(json_object_get_int_member(
                        json_object_get_object_member(ret_object(r), "qemu"), "major"),
                    ==, 7);
    json_object_unref(r);
    r = cmd(t, "{\"execute\": \"query-name\"}");
    g_assert_cmpstr(json_object_get_string_member(ret_object(r), "name"), ==, "vm1");
    json_object_unref(r);
    r = cmd(t, "{\"execute\": \"query-uuid\"}");
    g_assert_cmpstr(json_object_get_string_member(ret_object(r), "UUID"), ==,
                    "12000000-0000-0000-0000-0000000000ef");
    json_object_unref(r);
    r = cmd(t, "{\"execute\": \"query-kvm\"}");
    g_assert_false(json_object_get_boolean_member(ret_object(r), "enabled"));
    g_assert_true(json_object_has_member(ret_object(r), "present"));
    json_object_unref(r);
    r = cmd(t, "{\"execute\": \"query-cpus-fast\"}");
    JsonArray *cpus = json_object_get_array_member(r, "return");
    g_assert_cmpuint(json_array_get_length(cpus), ==, 2);
    JsonObject *c1 = json_array_get_object_element(cpus, 1);
    g_assert_cmpint(json_object_get_int_member(c1, "cpu-index"), ==, 1);
    g_assert_cmpstr(json_object_get_string_member(c1, "qom-path"), ==,
                    "/machine/unattached/device[1]");
    g_assert_cmpstr(json_object_get_string_member(c1, "target"), ==, "x86_64");
    json_object_unref(r);
    r = cmd(t, "{\"execute\": \"query-chardev\"}");
    JsonArray *cds = json_object_get_array_member(r, "return");
    g_assert_cmpuint(json_array_get_length(cds), ==, 2);
    g_assert_cmpstr(json_object_get_string_member(json_array_get_object_element(cds, 0),
                                                  "label"),
                    ==, "qmp0");
    g_assert_cmpstr(json_object_get_string_member(json_array_get_object_element(cds, 0),
                                                  "filename"),
                    ==, "buffer");
    json_object_unref(r);
    r = cmd(t, "{\"execute\": \"query-machines\"}");
    JsonObject *mi = json_array_get_object_element(json_object_get_array_member(r, "return"), 0);
    g_assert_cmpstr(json_object_get_string_member(mi, "alias"), ==, "pc");
    g_assert_true(json_object_get_boolean_member(mi, "is-default"));
    g_assert_cmpint(json_object_get_int_member(mi, "cpu-max"), ==, 255);
    json_object_unref(r);
    r = cmd(t, "{\"execute\": \"query-target\"}");
    g_assert_cmpstr(json_object_get_string_member(ret_object(r), "arch"), ==, "x86_64");
    json_object_unref(r);
    r = cmd(t, "{\"execute\": \"query-pci\"}");
    JsonObject *bus = json_array_get_object_element(json_object_get_array_member(r, "return"), 0);
    g_assert_cmpint(json_object_get_int_member(bus, "bus"), ==, 0);
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(bus, "devices")), ==, 0);
    json_object_unref(r);
    r = cmd(t, "{\"execute\": \"query-block\"}");
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(r, "return")), ==, 0);
    json_object_unref(r);
    r = cmd(t, "{\"execute\": \"query-vnc\"}");
    g_assert_false(json_object_get_boolean_member(ret_object(r), "enabled"));
    json_object_unref(r);
    r = cmd(t, "{\"execute\": \"query-fdsets\"}");
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(r, "return")), ==, 0);
    json_object_unref(r);
    teardown(t);
}

static void test_missing_hardware(void)
{
    struct t *t = setup(false);
    negotiate(t);
    assert_error(cmd(t, "{\"execute\": \"screendump\", \"arguments\": {\"filename\": \"/x\"}}"),
                 "GenericError", NULL);
    assert_error(cmd(t, "{\"execute\": \"send-key\", \"arguments\": {\"keys\": []}}"),
                 "GenericError", NULL);
    assert_error(cmd(t, "{\"execute\": \"eject\", \"arguments\": {\"device\": \"ide1-cd0\"}}"),
                 "DeviceNotFound", "Device 'ide1-cd0' not found");
    assert_error(cmd(t, "{\"execute\": \"eject\"}"), "GenericError",
                 "Need exactly one of 'device' and 'id'");
    assert_error(cmd(t, "{\"execute\": \"blockdev-change-medium\", \"arguments\": "
                        "{\"id\": \"cd\", \"filename\": \"/x.iso\"}}"),
                 "DeviceNotFound", "Device 'cd' not found");
    assert_error(cmd(t, "{\"execute\": \"change-vnc-password\", \"arguments\": "
                        "{\"password\": \"p\"}}"),
                 "GenericError", NULL);
    assert_error(cmd(t, "{\"execute\": \"set_link\", \"arguments\": {\"name\": \"net0\", "
                        "\"up\": false}}"),
                 "DeviceNotFound", "Device 'net0' not found (no network devices)");
    assert_error(cmd(t, "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"e1000\", "
                        "\"id\": \"n\", \"mac\": \"52:54:00:12:34:56\"}}"),
                 "GenericError", NULL);
    assert_error(cmd(t, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"n\"}}"),
                 "DeviceNotFound", "Device 'n' not found");
    teardown(t);
}

static void test_fds_without_fd(void)
{
    struct t *t = setup(false);
    negotiate(t);
    assert_error(cmd(t, "{\"execute\": \"getfd\", \"arguments\": {\"fdname\": \"a\"}}"),
                 "GenericError", "No file descriptor supplied via SCM_RIGHTS");
    assert_error(cmd(t, "{\"execute\": \"closefd\", \"arguments\": {\"fdname\": \"a\"}}"),
                 "GenericError", "File descriptor named 'a' not found");
    assert_error(cmd(t, "{\"execute\": \"add-fd\"}"), "GenericError",
                 "No file descriptor supplied via SCM_RIGHTS");
    assert_error(cmd(t, "{\"execute\": \"add-fd\", \"arguments\": {\"fdset-id\": -1}}"),
                 "GenericError", "Parameter 'fdset-id' expects a non-negative value");
    assert_error(cmd(t, "{\"execute\": \"remove-fd\", \"arguments\": {\"fdset-id\": 3}}"),
                 "GenericError", "File descriptor named 'fdset-id:3' not found");
    assert_error(cmd(t, "{\"execute\": \"remove-fd\", \"arguments\": {\"fdset-id\": 3, "
                        "\"fd\": 9}}"),
                 "GenericError", "File descriptor named 'fdset-id:3, fd:9' not found");
    teardown(t);
}

static void test_schema(void)
{
    JsonNode *n = qmp_schema();
    JsonArray *a = json_node_get_array(n);
    GHashTable *defined = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *o = json_array_get_object_element(a, i);
        const char *name = json_object_get_string_member(o, "name");
        g_assert_false(g_hash_table_contains(defined, name));
        g_hash_table_add(defined, (gpointer)name);
    }
    /* Every reference resolves. */
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *o = json_array_get_object_element(a, i);
        const char *meta = json_object_get_string_member(o, "meta-type");
        if (!strcmp(meta, "command")) {
            g_assert_true(g_hash_table_contains(defined,
                                                json_object_get_string_member(o, "arg-type")));
            g_assert_true(g_hash_table_contains(defined,
                                                json_object_get_string_member(o, "ret-type")));
        } else if (!strcmp(meta, "event")) {
            g_assert_true(g_hash_table_contains(defined,
                                                json_object_get_string_member(o, "arg-type")));
        } else if (!strcmp(meta, "array")) {
            g_assert_true(g_hash_table_contains(
                defined, json_object_get_string_member(o, "element-type")));
        } else if (!strcmp(meta, "object")) {
            JsonArray *mb = json_object_get_array_member(o, "members");
            for (guint k = 0; k < json_array_get_length(mb); k++)
                g_assert_true(g_hash_table_contains(
                    defined,
                    json_object_get_string_member(json_array_get_object_element(mb, k), "type")));
        } else if (!strcmp(meta, "builtin")) {
            g_assert_true(json_object_has_member(o, "json-type"));
        } else {
            g_assert_cmpstr(meta, ==, "enum");
            g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "values")), >,
                             0);
        }
    }
    /* Every command and event is there. */
    for (size_t i = 0; i < qmp_ncommands; i++)
        g_assert_true(g_hash_table_contains(defined, qmp_commands[i].name));
    static const char *const events[] = { "SHUTDOWN", "RESET", "STOP", "RESUME", "POWERDOWN" };
    for (size_t i = 0; i < G_N_ELEMENTS(events); i++)
        g_assert_true(g_hash_table_contains(defined, events[i]));
    g_hash_table_destroy(defined);
    json_node_unref(n);
}

/* ---- run states ---- */

static void test_stop_cont(void)
{
    struct t *t = setup(true);
    negotiate(t);
    json_object_unref(next_on(t->cd2, &t->pos2));
    push(t->cd2, "{\"execute\": \"qmp_capabilities\"}");
    json_object_unref(next_on(t->cd2, &t->pos2));
    g_assert_cmpstr(status_of(t), ==, "running");
    /* The reply to stop waits for the main loop; so does later input. */
    push(t->cd, "{\"execute\": \"stop\", \"id\": 1}{\"execute\": \"query-status\", \"id\": 2}");
    no_more(t);
    g_assert_false(runstate_handle_requests(t->m));
    assert_event(next(t), "STOP");
    JsonObject *r = next(t);
    g_assert_cmpint(json_object_get_int_member(r, "id"), ==, 1);
    assert_ok(r);
    r = next(t);
    g_assert_cmpstr(json_object_get_string_member(ret_object(r), "status"), ==, "paused");
    json_object_unref(r);
    /* Both clients saw the event. */
    assert_event(next_on(t->cd2, &t->pos2), "STOP");
    /* Virtual time stands still while paused. */
    int64_t v0 = vclock_now(&t->m->clock);
    g_usleep(2000); /* host time passes; nothing to wait for */
    g_assert_cmpint(vclock_now(&t->m->clock), ==, v0);
    /* stop again: no event. */
    push(t->cd, "{\"execute\": \"stop\"}");
    g_assert_false(runstate_handle_requests(t->m));
    assert_ok(next(t));
    no_more(t);
    push(t->cd, "{\"execute\": \"cont\"}");
    g_assert_false(runstate_handle_requests(t->m));
    assert_event(next(t), "RESUME");
    assert_ok(next(t));
    assert_event(next_on(t->cd2, &t->pos2), "RESUME");
    /* Running again: the clock moves (bounded wait for it, not a delay). */
    int64_t h0 = g_get_monotonic_time();
    while (vclock_now(&t->m->clock) == v0 && g_get_monotonic_time() - h0 < 10 * G_USEC_PER_SEC) {
    }
    g_assert_cmpint(vclock_now(&t->m->clock), >, v0);
    g_assert_cmpstr(status_of(t), ==, "running");
    /* HMP through QMP, including stop. */
    push(t->cd, "{\"execute\": \"human-monitor-command\", \"arguments\": "
                "{\"command-line\": \"stop\"}}");
    no_more(t); /* held until the main loop has run */
    g_assert_false(runstate_handle_requests(t->m));
    assert_event(next(t), "STOP");
    r = next(t);
    g_assert_cmpstr(json_object_get_string_member(r, "return"), ==, "");
    json_object_unref(r);
    push(t->cd, "{\"execute\": \"human-monitor-command\", \"arguments\": "
                "{\"command-line\": \"info status\", \"cpu-index\": 0}}");
    g_assert_false(runstate_handle_requests(t->m));
    r = next(t);
    g_assert_cmpstr(json_object_get_string_member(r, "return"), ==, "VM status: paused\n");
    json_object_unref(r);
    push(t->cd, "{\"execute\": \"human-monitor-command\", \"arguments\": "
                "{\"command-line\": \"info status\", \"cpu-index\": 9}}");
    assert_error(next(t), "GenericError", "Invalid CPU index");
    teardown(t);
}

static void test_prelaunch(void)
{
    struct t *t = g_new0(struct t, 1);
    char *err = NULL;
    t->m = machine_new(4 * MiB, VCLOCK_HOST, &err);
    t->m->accel = &accel_test;
    t->m->accel->init(t->m, &err);
    t->mon = monitor_new(t->m);
    t->cd = chardev_new_buffer("qmp0");
    t->cd2 = chardev_new_buffer("qmp1");
    monitor_add_qmp(t->mon, t->cd, false);
    g_assert_cmpint(runstate_start(t->m, false, &err), ==, 0);
    g_assert_false(vclock_running(&t->m->clock));
    negotiate(t);
    g_assert_cmpstr(status_of(t), ==, "prelaunch");
    push(t->cd, "{\"execute\": \"stop\"}");
    g_assert_false(runstate_handle_requests(t->m));
    assert_ok(next(t));
    g_assert_cmpstr(status_of(t), ==, "prelaunch");
    push(t->cd, "{\"execute\": \"cont\"}");
    g_assert_false(runstate_handle_requests(t->m));
    assert_event(next(t), "RESUME");
    assert_ok(next(t));
    g_assert_true(vclock_running(&t->m->clock));
    g_assert_cmpstr(status_of(t), ==, "running");
    teardown(t);
}

static JsonObject *event_data(struct t *t, const char *name)
{
    JsonObject *e = next(t);
    g_assert_cmpstr(json_object_get_string_member(e, "event"), ==, name);
    return e;
}

static void assert_cause(JsonObject *e, bool guest, const char *reason)
{
    JsonObject *d = json_object_get_object_member(e, "data");
    g_assert_true(json_object_get_boolean_member(d, "guest") == guest);
    g_assert_cmpstr(json_object_get_string_member(d, "reason"), ==, reason);
    json_object_unref(e);
}

static void test_reset_shutdown(void)
{
    struct t *t = setup(true);
    negotiate(t);
    assert_ok(cmd(t, "{\"execute\": \"system_reset\"}"));
    g_assert_false(runstate_handle_requests(t->m));
    assert_cause(event_data(t, "RESET"), false, "host-qmp-system-reset");
    /* A guest reset (keyboard controller, 0xcf9). */
    machine_request(t->m, REQ_RESET, 0);
    g_assert_false(runstate_handle_requests(t->m));
    assert_cause(event_data(t, "RESET"), true, "guest-reset");
    assert_ok(cmd(t, "{\"execute\": \"system_powerdown\"}"));
    g_assert_false(runstate_handle_requests(t->m));
    assert_event(next(t), "POWERDOWN");
    /* Guest power-off under -no-shutdown: SHUTDOWN, STOP, state shutdown. */
    t->m->no_shutdown = true;
    machine_request(t->m, REQ_POWEROFF, 0);
    g_assert_false(runstate_handle_requests(t->m));
    assert_cause(event_data(t, "SHUTDOWN"), true, "guest-shutdown");
    assert_event(next(t), "STOP");
    g_assert_cmpstr(status_of(t), ==, "shutdown");
    assert_error(cmd(t, "{\"execute\": \"cont\"}"), "GenericError",
                 "Resetting the Virtual Machine is required");
    /* Reset: prelaunch, and cont runs again. */
    assert_ok(cmd(t, "{\"execute\": \"system_reset\"}"));
    g_assert_false(runstate_handle_requests(t->m));
    json_object_unref(event_data(t, "RESET"));
    g_assert_cmpstr(status_of(t), ==, "prelaunch");
    push(t->cd, "{\"execute\": \"cont\"}");
    g_assert_false(runstate_handle_requests(t->m));
    assert_event(next(t), "RESUME");
    assert_ok(next(t));
    /* -no-reboot: a reset is a shutdown with the reset's cause. */
    t->m->no_shutdown = false;
    t->m->no_reboot = true;
    machine_request(t->m, REQ_RESET, 0);
    g_assert_true(runstate_handle_requests(t->m));
    assert_cause(event_data(t, "SHUTDOWN"), true, "guest-reset");
    teardown(t);
}

static void test_quit(void)
{
    struct t *t = setup(false);
    negotiate(t);
    t->m->no_shutdown = true; /* quit ignores it */
    assert_ok(cmd(t, "{\"execute\": \"quit\"}"));
    g_assert_true(runstate_handle_requests(t->m));
    assert_cause(event_data(t, "SHUTDOWN"), false, "host-qmp-quit");
    g_assert_cmpint(atomic_load(&t->m->exit_status), ==, 0);
    /* A signal. */
    machine_request(t->m, REQ_QUIT, SHUTDOWN_CAUSE_HOST_SIGNAL);
    g_assert_true(runstate_handle_requests(t->m));
    assert_cause(event_data(t, "SHUTDOWN"), false, "host-signal");
    teardown(t);
}

static void test_internal_error(void)
{
    struct t *t = setup(false);
    negotiate(t);
    machine_request(t->m, REQ_INTERNAL_ERROR, 0);
    g_assert_false(runstate_handle_requests(t->m));
    assert_event(next(t), "STOP");
    g_assert_cmpstr(status_of(t), ==, "internal-error");
    assert_error(cmd(t, "{\"execute\": \"cont\"}"), "GenericError",
                 "Resetting the Virtual Machine is required");
    char *s = monitor_hmp_command(t->mon, "cont");
    g_assert_cmpstr(s, ==, "Error: Resetting the Virtual Machine is required\n");
    g_free(s);
    /* The monitor stays; a reset makes the machine startable again. */
    assert_ok(cmd(t, "{\"execute\": \"system_reset\"}"));
    g_assert_false(runstate_handle_requests(t->m));
    json_object_unref(next(t)); /* RESET */
    g_assert_cmpstr(status_of(t), ==, "prelaunch");
    push(t->cd, "{\"execute\": \"cont\"}");
    g_assert_false(runstate_handle_requests(t->m));
    assert_event(next(t), "RESUME");
    assert_ok(next(t));
    g_assert_cmpstr(status_of(t), ==, "running");
    teardown(t);
}

/* No monitor session to act on a stopped machine: an internal error ends
 * the process with status 1 (the accelerator printed why). */
static void test_internal_error_unattended(void)
{
    char *err = NULL;
    struct machine *m = machine_new(4 * MiB, VCLOCK_MANUAL, &err);
    m->accel = &accel_test;
    g_assert_cmpint(m->accel->init(m, &err), ==, 0);
    struct monitor *mon = monitor_new(m);
    g_assert_cmpint(runstate_start(m, true, &err), ==, 0);
    machine_request(m, REQ_INTERNAL_ERROR, 0);
    g_assert_true(runstate_handle_requests(m));
    g_assert_cmpint(atomic_load(&m->exit_status), ==, 1);
    monitor_free(mon);
    machine_free(m);
}

static void test_events_need_negotiation(void)
{
    struct t *t = setup(false);
    negotiate(t);
    /* cd2 greeted but not negotiated: no events for it. */
    json_object_unref(next_on(t->cd2, &t->pos2));
    assert_ok(cmd(t, "{\"execute\": \"system_reset\"}"));
    g_assert_false(runstate_handle_requests(t->m));
    json_object_unref(event_data(t, "RESET"));
    g_assert_null(next_on(t->cd2, &t->pos2));
    teardown(t);
}

/* ---- HMP ---- */

static char *hmp(struct t *t, const char *line)
{
    return monitor_hmp_command(t->mon, line);
}

static void test_hmp(void)
{
    struct t *t = setup(false);
    char *s = hmp(t, "info status");
    g_assert_cmpstr(s, ==, "VM status: running\n");
    g_free(s);
    s = hmp(t, "  info   version ");
    g_assert_true(g_str_has_prefix(s, "7.2.0 (hvemu "));
    g_free(s);
    s = hmp(t, "info name");
    g_assert_cmpstr(s, ==, "vm1\n");
    g_free(s);
    s = hmp(t, "help");
    g_assert_nonnull(strstr(s, "system_reset"));
    g_free(s);
    s = hmp(t, "frobnicate 1");
    g_assert_cmpstr(s, ==, "unknown command: 'frobnicate'\n");
    g_free(s);
    s = hmp(t, "stop");
    g_assert_cmpstr(s, ==, "");
    g_free(s);
    g_assert_false(runstate_handle_requests(t->m));
    s = hmp(t, "info status");
    g_assert_cmpstr(s, ==, "VM status: paused\n");
    g_free(s);
    s = hmp(t, "c");
    g_free(s);
    g_assert_false(runstate_handle_requests(t->m));
    g_assert_true(runstate_is_running(t->m));
    /* The line editor on a chardev. */
    struct chardev *cd = chardev_new_buffer("hmp");
    monitor_add_hmp(t->mon, cd);
    GString *out = chardev_buffer_output(cd);
    g_assert_true(g_str_has_prefix(out->str, "QEMU 7.2.0 monitor"));
    g_assert_true(g_str_has_suffix(out->str, "(qemu) "));
    g_string_truncate(out, 0);
    chardev_buffer_push(cd, "info statuX\x7fs\r\n", 14);
    g_assert_nonnull(strstr(out->str, "VM status: running\r\n(qemu) "));
    monitor_free(t->mon);
    t->mon = NULL;
    chardev_free(cd);
    machine_free(t->m);
    chardev_free(t->cd);
    chardev_free(t->cd2);
    g_free(t);
}

/* The line editor on a chardev: cursor keys, kills, history. */
static GString *hmp_session(struct t *t, struct chardev **cd)
{
    *cd = chardev_new_buffer("hmp-edit");
    monitor_add_hmp(t->mon, *cd);
    GString *out = chardev_buffer_output(*cd);
    g_string_truncate(out, 0);
    return out;
}

static void type(struct chardev *cd, const char *s)
{
    chardev_buffer_push(cd, s, (int)strlen(s));
}

/* What the last command printed: between the echoed line and the prompt. */
static void expect_output(GString *out, const char *want)
{
    char *w = g_strdup_printf("\r\n%s(qemu) ", want);
    if (!g_str_has_suffix(out->str, w))
        g_error("terminal shows '%s', expected it to end in '%s'", out->str, w);
    g_free(w);
    g_string_truncate(out, 0);
}

static void test_hmp_line_editing(void)
{
    struct t *t = setup(false);
    struct chardev *cd;
    GString *out = hmp_session(t, &cd);
    /* Left twice and insert; the line is redrawn with the cursor put back. */
    type(cd, "info nme\033[D\033[Da");
    g_assert_nonnull(strstr(out->str, "\r(qemu) info name\033[K\033[2D"));
    type(cd, "\r");
    expect_output(out, "vm1\r\n");
    /* Home (three spellings), End, Delete, Backspace in the middle. */
    type(cd, "nfo status\033[Hi\033[F\r");
    expect_output(out, "VM status: running\r\n");
    type(cd, "Xinfo status\033[1~\033[3~\r");
    expect_output(out, "VM status: running\r\n");
    type(cd, "info statusX\033OH\033OF\x7f\r");
    expect_output(out, "VM status: running\r\n");
    type(cd, "info nXame\033[D\033[D\033[D\x7f\r");
    expect_output(out, "vm1\r\n");
    /* Ctrl-A / Ctrl-E, Ctrl-K, Ctrl-U, Ctrl-W, Ctrl-B / Ctrl-F, Ctrl-D. */
    type(cd, "fo name\x01in\x05\r");
    expect_output(out, "vm1\r\n");
    type(cd, "info name junk\x02\x02\x02\x02\x0b\r");
    expect_output(out, "vm1\r\n");
    type(cd, "garbage\x15info name\r");
    expect_output(out, "vm1\r\n");
    type(cd, "info garbage  \x17name\r");
    expect_output(out, "vm1\r\n");
    type(cd, "info nZame\x01\x06\x06\x06\x06\x06\x06\x04\r");
    expect_output(out, "vm1\r\n");
    /* Unknown sequences and control bytes are ignored; CR LF is one Enter. */
    type(cd, "info \033[5~\033[99;5Xna\x07me\r\n");
    expect_output(out, "vm1\r\n");
    monitor_free(t->mon);
    t->mon = NULL;
    chardev_free(cd);
    machine_free(t->m);
    chardev_free(t->cd);
    chardev_free(t->cd2);
    g_free(t);
}

static void test_hmp_history(void)
{
    struct t *t = setup(false);
    struct chardev *cd;
    GString *out = hmp_session(t, &cd);
    type(cd, "info name\r");
    type(cd, "info status\r");
    type(cd, "info status\r"); /* a repeat is kept once */
    type(cd, "\r");            /* an empty line is not kept */
    g_string_truncate(out, 0);
    /* Up twice: the older line; Enter runs it. */
    type(cd, "\033[A\033[A\r");
    expect_output(out, "vm1\r\n");
    /* Up, up, down: the newer one; Ctrl-P / Ctrl-N too. */
    type(cd, "\033[A\033[A\033[A\033[B\r");
    expect_output(out, "VM status: running\r\n");
    type(cd, "\x10\x10\x0e\x10\r");
    expect_output(out, "vm1\r\n");
    /* The line being typed comes back after browsing. */
    type(cd, "info na\033[A\033[A\033[B\033[Bme\r");
    expect_output(out, "vm1\r\n");
    /* Up at the oldest stays there (the history now holds name, status,
     * name, status, name: consecutive repeats are kept once). */
    type(cd, "\033[A\033[A\033[A\033[A\033[A\033[A\033[A\033[B\r");
    expect_output(out, "VM status: running\r\n");
    /* A line that was too long runs nothing and is not remembered. */
    GString *big = g_string_new(NULL);
    for (int i = 0; i < RL_LINE_MAX + 10; i++)
        g_string_append_c(big, 'x');
    g_string_append_c(big, '\r');
    type(cd, big->str);
    g_string_free(big, TRUE);
    expect_output(out, "Error: line too long (more than 1024 bytes): not run\r\n");
    type(cd, "\033[A\r");
    expect_output(out, "VM status: running\r\n");
    /* The history is bounded. */
    for (int i = 0; i < RL_HISTORY + 20; i++) {
        char line[32];
        snprintf(line, sizeof(line), "cpu %d\r", i);
        type(cd, line);
    }
    g_string_truncate(out, 0);
    for (int i = 0; i < RL_HISTORY + 20; i++)
        type(cd, "\033[A");
    type(cd, "\r");
    /* The oldest kept is cpu 20 (only CPU 0 exists: an error). */
    g_assert_nonnull(strstr(out->str, "cpu 20\033[K"));
    expect_output(out, "invalid CPU index\r\n");
    monitor_free(t->mon);
    t->mon = NULL;
    chardev_free(cd);
    machine_free(t->m);
    chardev_free(t->cd);
    chardev_free(t->cd2);
    g_free(t);
}

/* x/xp on RAM with the test accelerator (no CPU: xp only), info cpus. */
static void test_hmp_memory(void)
{
    struct t *t = setup(false);
    static const uint8_t data[] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                    0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00,
                                    'h', 'i', '\n', 0xfe };
    as_commit(&t->m->mem); /* no board here: make the RAM visible */
    g_assert_cmpint(machine_write_phys(t->m, 0x1000, data, sizeof(data)), ==, 0);
    char *s = hmp(t, "xp /4x 0x1000");
    g_assert_cmpstr(s, ==, "0000000000001000: 0x44332211 0x88776655 0xccbbaa99 0x00ffeedd\n");
    g_free(s);
    s = hmp(t, "xp/2g 0x1000");
    g_assert_cmpstr(s, ==, "0000000000001000: 0x8877665544332211 0x00ffeeddccbbaa99\n");
    g_free(s);
    s = hmp(t, "xp /10xb 4096");
    g_assert_cmpstr(s, ==, "0000000000001000: 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88\n"
                           "0000000000001008: 0x99 0xaa\n");
    g_free(s);
    s = hmp(t, "xp /3hd 0x100c");
    g_assert_cmpstr(s, ==, "000000000000100c:  -4387    255  26984\n");
    g_free(s);
    s = hmp(t, "xp /4c 0x1010");
    g_assert_cmpstr(s, ==, "0000000000001010: 'h' 'i' '\\x0a' '\\xfe'\n");
    g_free(s);
    s = hmp(t, "xp 0x1000");
    g_assert_cmpstr(s, ==, "0000000000001000: 0x44332211\n");
    g_free(s);
    /* Beyond RAM (4 MiB here) and bad formats. */
    s = hmp(t, "xp /2x 0x3ffffc");
    g_assert_true(g_str_has_suffix(s, "\nCannot access memory at physical address 0x400000\n"));
    g_free(s);
    s = hmp(t, "xp /4q 0x1000");
    g_assert_cmpstr(s, ==, "invalid format: /4q\n");
    g_free(s);
    s = hmp(t, "xp /100000x 0");
    g_assert_cmpstr(s, ==, "invalid format: /100000x\n");
    g_free(s);
    s = hmp(t, "xp /65536g 0");
    g_assert_cmpstr(s, ==, "Error: at most 65536 bytes at a time\n");
    g_free(s);
    s = hmp(t, "xp /4x");
    g_assert_cmpstr(s, ==, "Usage: xp /fmt addr\n");
    g_free(s);
    /* x needs a CPU to translate with; the test accelerator has none. */
    s = hmp(t, "x /4x 0x1000");
    g_assert_cmpstr(s, ==, "No CPU state to translate virtual addresses (use xp)\n");
    g_free(s);
    s = hmp(t, "info registers");
    g_assert_cmpstr(s, ==, "No CPU state: the test accelerator has no CPUs to show\n");
    g_free(s);
    /* -smp 1 by default; no vCPU threads under the test accelerator. */
    t->m->smp_cpus = 2;
    s = hmp(t, "info cpus");
    g_assert_cmpstr(s, ==, "* CPU #0: thread_id=0\n  CPU #1: thread_id=0\n");
    g_free(s);
    s = hmp(t, "help xp");
    g_assert_cmpstr(s, ==, "xp /fmt addr -- physical memory dump starting at 'addr'\n");
    g_free(s);
    s = hmp(t, "help sendkey");
    g_assert_true(g_str_has_prefix(s, "sendkey keys [hold_ms] -- send keys"));
    g_free(s);
    teardown(t);
}

/* The command libvirt and others probe with, and their errors. */
static void test_probe_commands(void)
{
    struct t *t = setup(false);
    negotiate(t);
    JsonObject *r = cmd(t, "{\"execute\": \"qom-list-types\", \"arguments\": "
                           "{\"implements\": \"isa-device\"}}");
    JsonArray *a = json_object_get_array_member(r, "return");
    bool serial = false;
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *o = json_array_get_object_element(a, i);
        g_assert_false(json_object_has_member(o, "abstract"));
        serial |= !strcmp(json_object_get_string_member(o, "name"), "isa-serial");
        g_assert_cmpstr(json_object_get_string_member(o, "name"), !=, "e1000");
    }
    g_assert_true(serial);
    json_object_unref(r);
    r = cmd(t, "{\"execute\": \"device-list-properties\", \"arguments\": "
               "{\"typename\": \"isa-serial\"}}");
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(r, "return")), ==, 2);
    json_object_unref(r);
    assert_error(cmd(t, "{\"execute\": \"device-list-properties\", \"arguments\": "
                        "{\"typename\": \"virtio-blk-pci\"}}"),
                 "DeviceNotFound", "Device 'virtio-blk-pci' not found");
    assert_error(cmd(t, "{\"execute\": \"device-list-properties\", \"arguments\": "
                        "{\"typename\": \"kvm-accel\"}}"),
                 "GenericError", "Parameter 'typename' expects device");
    assert_error(cmd(t, "{\"execute\": \"qom-list-properties\", \"arguments\": "
                        "{\"typename\": \"nope\"}}"),
                 "DeviceNotFound", "Class 'nope' not found");
    assert_ok(cmd(t, "{\"execute\": \"qom-list-properties\", \"arguments\": "
                     "{\"typename\": \"memory-backend-file\"}}"));
    r = cmd(t, "{\"execute\": \"query-cpu-definitions\"}");
    JsonObject *first = json_array_get_object_element(json_object_get_array_member(r, "return"), 0);
    g_assert_cmpstr(json_object_get_string_member(first, "name"), ==, "qemu64");
    json_object_unref(r);
    r = cmd(t, "{\"execute\": \"query-command-line-options\", \"arguments\": "
               "{\"option\": \"machine\"}}");
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(r, "return")), ==, 1);
    json_object_unref(r);
    assert_error(cmd(t, "{\"execute\": \"query-command-line-options\", \"arguments\": "
                        "{\"option\": \"frob\"}}"),
                 "GenericError", "Invalid parameter 'option'");
    assert_ok(cmd(t, "{\"execute\": \"query-migrate-capabilities\"}"));
    assert_ok(cmd(t, "{\"execute\": \"query-iothreads\"}"));
    assert_error(cmd(t, "{\"execute\": \"query-hotpluggable-cpus\"}"), "GenericError",
                 "machine does not support hot-plugging CPUs");
    assert_error(cmd(t, "{\"execute\": \"query-tpm-models\"}"), "CommandNotFound",
                 "The command query-tpm-models has not been found");
    teardown(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp/greeting", test_greeting);
    g_test_add_func("/qmp/negotiation", test_negotiation);
    g_test_add_func("/qmp/request-shape", test_request_shape);
    g_test_add_func("/qmp/id-echo", test_id_echo);
    g_test_add_func("/qmp/framing", test_framing);
    g_test_add_func("/qmp/malformed", test_malformed);
    g_test_add_func("/qmp/limits", test_limits);
    g_test_add_func("/qmp/argument-errors", test_argument_errors);
    g_test_add_func("/qmp/queries", test_queries);
    g_test_add_func("/qmp/missing-hardware", test_missing_hardware);
    g_test_add_func("/qmp/fds-without-fd", test_fds_without_fd);
    g_test_add_func("/qmp/schema", test_schema);
    g_test_add_func("/runstate/stop-cont", test_stop_cont);
    g_test_add_func("/runstate/prelaunch", test_prelaunch);
    g_test_add_func("/runstate/reset-shutdown", test_reset_shutdown);
    g_test_add_func("/runstate/quit", test_quit);
    g_test_add_func("/runstate/internal-error", test_internal_error);
    g_test_add_func("/runstate/internal-error-unattended", test_internal_error_unattended);
    g_test_add_func("/runstate/events-need-negotiation", test_events_need_negotiation);
    g_test_add_func("/hmp/commands", test_hmp);
    g_test_add_func("/hmp/line-editing", test_hmp_line_editing);
    g_test_add_func("/hmp/history", test_hmp_history);
    g_test_add_func("/hmp/memory", test_hmp_memory);
    g_test_add_func("/qmp/probe-commands", test_probe_commands);
    return g_test_run();
}
