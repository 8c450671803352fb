/* SPDX-License-Identifier: GPL-2.0-or-later */
/* send-key and sendkey end to end on the whole board with the test
 * accelerator: QMP and HMP commands on buffer chardevs, the key sequencer
 * on the manual clock, and what a driver reads from the i8042 (ports 0x64
 * and 0x60 through the dispatcher, IRQ 1 at the accelerator).  Plus the
 * name and number tables.  Expected bytes are scan code set 2 as the
 * keyboard sends it, translated to set 1 by the 8042 (its power-on command
 * byte has translation on): Microsoft's Keyboard Scan Code Specification. */
#include <linux/input-event-codes.h>
#include <string.h>
#include "core/chardev.h"
#include "core/runstate.h"
#include "cpu/accel.h"
#include "cpu/test.h"
#include "hw/input/keymap.h"
#include "hw/pc.h"
#include "monitor/monitor.h"

#define MS 1000000LL

struct t {
    struct machine *m;
    struct pc *pc;
    struct monitor *mon;
    struct chardev *qmp;
    size_t pos;
};

static struct t *setup(void)
{
    struct t *t = g_new0(struct t, 1);
    char *err = NULL;
    t->m = machine_new(16 * MiB, VCLOCK_MANUAL, &err);
    g_assert_nonnull(t->m);
    t->m->accel = &accel_test;
    t->m->smp_cpus = 1;
    g_assert_cmpint(t->m->accel->init(t->m, &err), ==, 0);
    struct pc_config cfg = { .rtc_base = 1577934245 };
    t->pc = pc_new(t->m, &cfg, &err);
    g_assert_nonnull(t->pc);
    g_assert_cmpint(pc_power_on(t->pc, &err), ==, 0);
    t->mon = monitor_new(t->m);
    monitor_set_keyboard(t->mon, pc_keyboard(t->pc));
    t->qmp = chardev_new_buffer("qmp");
    monitor_add_qmp(t->mon, t->qmp, false);
    g_assert_cmpint(runstate_start(t->m, true, &err), ==, 0);
    chardev_buffer_push(t->qmp, "{\"execute\": \"qmp_capabilities\"}", 31);
    t->pos = chardev_buffer_output(t->qmp)->len;
    return t;
}

static void teardown(struct t *t)
{
    monitor_free(t->mon);
    machine_free(t->m);
    chardev_free(t->qmp);
    g_free(t);
}

/* Send a command; the reply line. */
static char *qmp(struct t *t, const char *json)
{
    chardev_buffer_push(t->qmp, json, (int)strlen(json));
    GString *out = chardev_buffer_output(t->qmp);
    char *s = g_strndup(out->str + t->pos, out->len - t->pos);
    t->pos = out->len;
    return s;
}

static void qmp_ok(struct t *t, const char *json)
{
    char *r = qmp(t, json);
    if (!strstr(r, "\"return\""))
        g_error("%s -> %s", json, r);
    g_free(r);
}

static void qmp_err(struct t *t, const char *json, const char *desc)
{
    char *r = qmp(t, json);
    char *want = g_strdup_printf("\"desc\":\"%s\"", desc);
    if (!strstr(r, want))
        g_error("%s -> %s, wanted %s", json, r, want);
    g_free(want);
    g_free(r);
}

static uint8_t inb(struct t *t, uint16_t port)
{
    uint64_t v = 0;
    io_dispatch(&t->m->io, port, 1, false, &v);
    return (uint8_t)v;
}

static int irq1(struct t *t)
{
    return ((struct test_accel *)t->m->accel_state)->gsi_level[1];
}

static void step(struct t *t, int64_t ns)
{
    machine_lock(t->m);
    vclock_step(&t->m->clock, ns);
    machine_unlock(t->m);
}

/* Everything the keyboard has for the host now, as a driver reads it: OBF
 * in the status register, then the data port; IRQ 1 is up while OBF is. */
static GString *drain(struct t *t)
{
    GString *b = g_string_new(NULL);
    while (inb(t, 0x64) & 0x01) {
        g_assert_cmpint(irq1(t), ==, 1);
        g_string_append_c(b, (char)inb(t, 0x60));
        g_assert_cmpuint(b->len, <, 256);
    }
    g_assert_cmpint(irq1(t), ==, 0);
    return b;
}

static void expect_bytes(struct t *t, const char *want, size_t n)
{
    GString *b = drain(t);
    if (b->len != n || memcmp(b->str, want, n)) {
        GString *hex = g_string_new(NULL);
        for (size_t i = 0; i < b->len; i++)
            g_string_append_printf(hex, " %02x", (uint8_t)b->str[i]);
        g_error("read%s (%zu bytes), expected %zu bytes", hex->str, b->len, n);
    }
    g_string_free(b, TRUE);
}

static void test_names(void)
{
    g_assert_cmpint(keymap_qcode_to_key("ctrl"), ==, KEY_LEFTCTRL);
    g_assert_cmpint(keymap_qcode_to_key("alt_r"), ==, KEY_RIGHTALT);
    g_assert_cmpint(keymap_qcode_to_key("delete"), ==, KEY_DELETE);
    g_assert_cmpint(keymap_qcode_to_key("ret"), ==, KEY_ENTER);
    g_assert_cmpint(keymap_qcode_to_key("kp_add"), ==, KEY_KPPLUS);
    g_assert_cmpint(keymap_qcode_to_key("unmapped"), ==, 0);
    g_assert_cmpint(keymap_qcode_to_key("Ctrl"), ==, -1);
    g_assert_cmpint(keymap_qcode_to_key(""), ==, -1);
    /* Numbers: set 1 make codes, E0 keys with bit 7. */
    g_assert_cmpint(keymap_number_to_key(0x1d), ==, KEY_LEFTCTRL);
    g_assert_cmpint(keymap_number_to_key(0x9d), ==, KEY_RIGHTCTRL);
    g_assert_cmpint(keymap_number_to_key(0xd3), ==, KEY_DELETE);
    g_assert_cmpint(keymap_number_to_key(0x1c), ==, KEY_ENTER);
    g_assert_cmpint(keymap_number_to_key(0x41), ==, KEY_F7);
    g_assert_cmpint(keymap_number_to_key(0), ==, -1);
    g_assert_cmpint(keymap_number_to_key(0x100), ==, -1);
    g_assert_cmpint(keymap_number_to_key(-1), ==, -1);
    /* Every name maps; every key the keyboard has comes back from its
     * number (a few keys have two names). */
    size_t n = 0;
    for (const char *name; (name = keymap_qcode_name(n)); n++) {
        int k = keymap_qcode_to_key(name);
        g_assert_cmpint(k, >=, 0);
        int num = k ? ps2_key_number((unsigned)k) : -1;
        if (num >= 0 && k != KEY_SYSRQ && k != KEY_KPASTERISK)
            g_assert_cmpint(keymap_number_to_key(num), ==, k);
    }
    g_assert_cmpuint(n, >, 140);
}

static void test_qmp_chord(void)
{
    struct t *t = setup();
    g_assert_cmpint(irq1(t), ==, 0);
    qmp_ok(t, "{\"execute\": \"send-key\", \"arguments\": {\"keys\": ["
              "{\"type\": \"qcode\", \"data\": \"ctrl\"}, {\"type\": \"qcode\", \"data\": \"alt\"},"
              "{\"type\": \"number\", \"data\": 211}], \"hold-time\": 50}}");
    /* Presses at once, in order: LCtrl 1D, LAlt 38, Delete E0 53. */
    expect_bytes(t, "\x1d\x38\xe0\x53", 4);
    step(t, 50 * MS - 1);
    expect_bytes(t, "", 0);
    /* Releases after the hold time, in reverse order. */
    step(t, 1);
    expect_bytes(t, "\xe0\xd3\xb8\x9d", 4);
    /* Default hold time: 100 ms. */
    qmp_ok(t, "{\"execute\": \"send-key\", \"arguments\": {\"keys\": ["
              "{\"type\": \"qcode\", \"data\": \"a\"}]}}");
    expect_bytes(t, "\x1e", 1);
    step(t, 99 * MS);
    expect_bytes(t, "", 0);
    step(t, 1 * MS);
    expect_bytes(t, "\x9e", 1);
    teardown(t);
}

/* A chord longer than the keyboard's 16-byte buffer, never read until the
 * end: nothing is lost (no overrun code), the sequencer waits for room. */
static void test_pacing(void)
{
    struct t *t = setup();
    static const char *const keys[] = { "q", "w", "e", "r", "t", "y", "u", "i",
                                        "o", "p", "up", "down", "left", "right" };
    GString *j = g_string_new("{\"execute\": \"send-key\", \"arguments\": {\"keys\": [");
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
        g_string_append_printf(j, "%s{\"type\": \"qcode\", \"data\": \"%s\"}", i ? "," : "",
                               keys[i]);
    g_string_append(j, "], \"hold-time\": 10}}");
    qmp_ok(t, j->str);
    g_string_free(j, TRUE);
    GString *all = g_string_new(NULL);
    for (int i = 0; i < 100; i++) {
        GString *b = drain(t);
        g_string_append_len(all, b->str, (gssize)b->len);
        g_string_free(b, TRUE);
        step(t, 1 * MS);
    }
    /* 10 letters (1 byte each way) and 4 arrows (E0 xx each way). */
    static const uint8_t want[] = {
        0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
        0xe0, 0x48, 0xe0, 0x50, 0xe0, 0x4b, 0xe0, 0x4d,
        0xe0, 0xcd, 0xe0, 0xcb, 0xe0, 0xd0, 0xe0, 0xc8,
        0x99, 0x98, 0x97, 0x96, 0x95, 0x94, 0x93, 0x92, 0x91, 0x90,
    };
    g_assert_cmpuint(all->len, ==, sizeof(want));
    g_assert_cmpmem(all->str, all->len, want, sizeof(want));
    g_string_free(all, TRUE);
    g_assert_cmpuint(key_sender_pending(t->mon->keys), ==, 0);
    teardown(t);
}

static void test_qmp_errors(void)
{
    struct t *t = setup();
    qmp_err(t, "{\"execute\": \"send-key\", \"arguments\": {\"keys\": [{\"type\": \"qcode\", "
               "\"data\": \"nope\"}]}}",
            "Parameter 'keys[0].data' does not accept value 'nope'");
    qmp_err(t, "{\"execute\": \"send-key\", \"arguments\": {\"keys\": [{\"type\": \"qcode\", "
               "\"data\": \"a\"}, {\"type\": \"word\", \"data\": \"b\"}]}}",
            "Parameter 'keys[1].type' does not accept value 'word'");
    qmp_err(t, "{\"execute\": \"send-key\", \"arguments\": {\"keys\": [{\"data\": \"a\"}]}}",
            "Parameter 'keys[0].type' is missing");
    qmp_err(t, "{\"execute\": \"send-key\", \"arguments\": {\"keys\": [{\"type\": \"qcode\"}]}}",
            "Parameter 'keys[0].data' is missing");
    qmp_err(t, "{\"execute\": \"send-key\", \"arguments\": {\"keys\": [{\"type\": \"number\", "
               "\"data\": \"a\"}]}}",
            "Invalid parameter type for 'keys[0].data', expected: integer");
    qmp_err(t, "{\"execute\": \"send-key\", \"arguments\": {\"keys\": [1]}}",
            "Invalid parameter type for 'keys[0]', expected: object");
    qmp_err(t, "{\"execute\": \"send-key\", \"arguments\": {\"keys\": [{\"type\": \"qcode\", "
               "\"data\": \"a\", \"x\": 1}]}}",
            "Parameter 'keys[0].x' is unexpected");
    qmp_err(t, "{\"execute\": \"send-key\", \"arguments\": {\"keys\": {}}}",
            "Invalid parameter type for 'keys', expected: array");
    qmp_err(t, "{\"execute\": \"send-key\", \"arguments\": {\"keys\": [], \"hold-time\": \"1\"}}",
            "Invalid parameter type for 'hold-time', expected: integer");
    /* Nothing reached the keyboard. */
    expect_bytes(t, "", 0);
    /* The queue is bounded: with nobody reading the keyboard, chords pile
     * up until it is full (presses that fit in the keyboard's buffer leave
     * the queue at once). */
    int i;
    char *r = NULL;
    for (i = 0; i < 64; i++) {
        g_free(r);
        r = qmp(t, "{\"execute\": \"send-key\", \"arguments\": {\"keys\": [{\"type\": "
                   "\"qcode\", \"data\": \"shift\"}, {\"type\": \"qcode\", \"data\": \"a\"}]}}");
        if (strstr(r, "error"))
            break;
    }
    g_assert_cmpint(i, >=, 16);
    g_assert_cmpint(i, <, 64);
    g_assert_nonnull(strstr(r, "Too many keys queued (at most 64 key events)"));
    g_free(r);
    teardown(t);
}

static void test_hmp_sendkey(void)
{
    struct t *t = setup();
    machine_lock(t->m);
    char *s = monitor_hmp_command(t->mon, "sendkey ctrl-alt-delete 20");
    machine_unlock(t->m);
    g_assert_cmpstr(s, ==, "");
    g_free(s);
    expect_bytes(t, "\x1d\x38\xe0\x53", 4);
    step(t, 20 * MS);
    expect_bytes(t, "\xe0\xd3\xb8\x9d", 4);
    /* Numbers, as QEMU's sendkey takes them. */
    s = monitor_hmp_command(t->mon, "sendkey 0x1d-0x2e 0");
    g_free(s);
    expect_bytes(t, "\x1d\x2e\xae\x9d", 4);
    s = monitor_hmp_command(t->mon, "sendkey ctrl-frob");
    g_assert_cmpstr(s, ==, "invalid parameter: frob\n");
    g_free(s);
    s = monitor_hmp_command(t->mon, "sendkey ctrl--a");
    g_assert_cmpstr(s, ==, "invalid parameter: \n");
    g_free(s);
    s = monitor_hmp_command(t->mon, "sendkey a -5");
    g_assert_cmpstr(s, ==, "invalid parameter: -5\n");
    g_free(s);
    s = monitor_hmp_command(t->mon, "sendkey");
    g_assert_cmpstr(s, ==, "Usage: sendkey keys [hold_ms]\n");
    g_free(s);
    expect_bytes(t, "", 0);
    teardown(t);
}

/* The guest's keyboard settings apply: with translation off the host reads
 * set 2 as the keyboard sends it. */
static void test_set2_raw(void)
{
    struct t *t = setup();
    uint64_t v = 0x60;
    io_dispatch(&t->m->io, 0x64, 1, true, &v); /* write command byte */
    v = 0x01;                                  /* KBDINT, no translation */
    io_dispatch(&t->m->io, 0x60, 1, true, &v);
    qmp_ok(t, "{\"execute\": \"send-key\", \"arguments\": {\"keys\": ["
              "{\"type\": \"qcode\", \"data\": \"ctrl_r\"}, {\"type\": \"qcode\", \"data\": \"c\"}], "
              "\"hold-time\": 0}}");
    expect_bytes(t, "\xe0\x14\x21\xf0\x21\xe0\xf0\x14", 8);
    teardown(t);
}

/* Without a keyboard (-machine none) send-key says so. */
static void test_no_keyboard(void)
{
    char *err = NULL;
    struct machine *m = machine_new(4 * MiB, VCLOCK_MANUAL, &err);
    struct monitor *mon = monitor_new(m);
    unsigned key = KEY_A;
    g_assert_cmpint(monitor_send_keys(mon, &key, 1, 100, &err), ==, -1);
    g_assert_cmpstr(err, ==, "No keyboard to send keys to (this machine has none)");
    g_free(err);
    monitor_free(mon);
    machine_free(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/keymap/names", test_names);
    g_test_add_func("/keymap/qmp-chord", test_qmp_chord);
    g_test_add_func("/keymap/pacing", test_pacing);
    g_test_add_func("/keymap/qmp-errors", test_qmp_errors);
    g_test_add_func("/keymap/hmp-sendkey", test_hmp_sendkey);
    g_test_add_func("/keymap/set2-raw", test_set2_raw);
    g_test_add_func("/keymap/no-keyboard", test_no_keyboard);
    return g_test_run();
}
