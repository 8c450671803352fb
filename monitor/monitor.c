/* SPDX-License-Identifier: GPL-2.0-or-later */
/* monitor.c: wiring of the control plane (see monitor.h): the run-state
 * events as QMP events, the keyboard for send-key, and the human monitor's
 * chardev sessions (the commands are in monitor/hmp.c, the line editor in
 * monitor/readline.c).
 *
 * HMP sessions: reachable on chardevs (-monitor, -mon mode=readline,
 * mon:stdio) with QEMU's banner and "(qemu) " prompt, line editing and a
 * per-session history; each session keeps its selected CPU (`cpu N`). */
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "core/runstate.h"
#include "monitor/monitor.h"
#include "monitor/qmp_cmds.h"
#include "monitor/readline.h"

#define HMP_PROMPT "(qemu) "

struct hmp_session {
    struct monitor *mon;
    struct chardev *cd;
    struct readline rl;
    unsigned cpu; /* the session's CPU (cpu N) */
    bool mux;
};

/* ---- run-state events -> QMP events ---- */

static void on_run_event(void *opaque, enum run_event ev, enum shutdown_cause cause)
{
    struct monitor *mon = opaque;
    JsonObject *data = NULL;
    const char *name = NULL;
    switch (ev) {
    case RUN_EVENT_SHUTDOWN:
    case RUN_EVENT_RESET:
        name = ev == RUN_EVENT_SHUTDOWN ? "SHUTDOWN" : "RESET";
        data = json_object_new();
        json_object_set_boolean_member(data, "guest", shutdown_cause_is_guest(cause));
        json_object_set_string_member(data, "reason", shutdown_cause_name(cause));
        break;
    case RUN_EVENT_STOP:
        name = "STOP";
        break;
    case RUN_EVENT_RESUME:
        name = "RESUME";
        break;
    case RUN_EVENT_POWERDOWN:
        name = "POWERDOWN";
        break;
    }
    qmp_emit_event(mon->qmp, name, data);
}

/* The board's tray listener (main.c connects it): guest or monitor moved
 * a CD tray. */
void monitor_tray_moved(void *opaque, const char *id, bool open)
{
    struct monitor *mon = opaque;
    JsonObject *data = json_object_new();
    json_object_set_string_member(data, "device", id);
    json_object_set_string_member(data, "id", id);
    json_object_set_boolean_member(data, "tray-open", open);
    qmp_emit_event(mon->qmp, "DEVICE_TRAY_MOVED", data);
}

static bool on_attended(void *opaque)
{
    struct monitor *mon = opaque;
    return mon->nsessions > 0;
}

static void on_requests_done(void *opaque)
{
    struct monitor *mon = opaque;
    qmp_server_requests_done(mon->qmp);
}

/* ---- keys ---- */

void monitor_set_keyboard(struct monitor *mon, struct ps2_kbd *kbd)
{
    if (!mon->keys)
        mon->keys = g_new0(struct key_sender, 1);
    key_sender_init(mon->keys, &mon->m->clock, kbd);
}

int monitor_send_keys(struct monitor *mon, const unsigned *keys, unsigned n, int64_t hold_ms,
                      char **err)
{
    if (!mon->keys) {
        *err = g_strdup("No keyboard to send keys to (this machine has none)");
        return -1;
    }
    /* A hold time beyond an hour is an hour: keeps deadlines far from
     * overflow. */
    hold_ms = CLAMP(hold_ms, 0, 3600 * 1000);
    if (key_sender_send(mon->keys, keys, n, hold_ms * 1000000)) {
        *err = g_strdup_printf("Too many keys queued (at most %d key events)", KEYQ_MAX);
        return -1;
    }
    return 0;
}

/* ---- pausing the vCPUs for a moment ---- */

/* Called with the machine lock held (HMP commands run under it); a vCPU may
 * need the lock to finish the exit it is in before it can park, so it is
 * released while they park. */
bool monitor_pause_vcpus(struct monitor *mon)
{
    struct machine *m = mon->m;
    if (!runstate_is_running(m) || !m->accel || !m->accel->pause)
        return false;
    pthread_mutex_unlock(&m->lock);
    m->accel->pause(m);
    pthread_mutex_lock(&m->lock);
    return true;
}

void monitor_resume_vcpus(struct monitor *mon, bool paused)
{
    struct machine *m = mon->m;
    if (paused && m->accel->resume)
        m->accel->resume(m);
}

/* ---- the HMP chardev frontend ---- */

static void hmp_write(struct hmp_session *h, const char *s, size_t len)
{
    chardev_write(h->cd, s, (int)len);
}

static void rl_write(void *opaque, const char *s, size_t len)
{
    hmp_write(opaque, s, len);
}

static void hmp_puts(struct hmp_session *h, const char *s)
{
    /* The terminal may be raw: every \n becomes \r\n. */
    GString *o = g_string_new(NULL);
    for (; *s; s++) {
        if (*s == '\n')
            g_string_append_c(o, '\r');
        g_string_append_c(o, *s);
    }
    hmp_write(h, o->str, o->len);
    g_string_free(o, TRUE);
}

static void rl_run(void *opaque, const char *line)
{
    struct hmp_session *h = opaque;
    if (!line) {
        hmp_puts(h, "Error: line too long (more than 1024 bytes): not run\n");
    } else {
        char *out = monitor_hmp_command_cpu(h->mon, line, &h->cpu);
        hmp_puts(h, out);
        g_free(out);
    }
    hmp_puts(h, HMP_PROMPT);
}

static int hmp_can_read(void *opaque)
{
    return 256;
}

static void hmp_read(void *opaque, const uint8_t *buf, int len)
{
    struct hmp_session *h = opaque;
    readline_input(&h->rl, buf, (size_t)len);
}

static void hmp_event(void *opaque, enum chardev_event ev)
{
    struct hmp_session *h = opaque;
    readline_clear(&h->rl);
    if (ev == CHR_OPENED) {
        char *banner = g_strdup_printf("QEMU %d.%d.%d monitor - type 'help' for more "
                                       "information\n" HMP_PROMPT,
                                       QMP_QEMU_MAJOR, QMP_QEMU_MINOR, QMP_QEMU_MICRO);
        hmp_puts(h, banner);
        g_free(banner);
    }
}

void monitor_add_hmp(struct monitor *mon, struct chardev *cd)
{
    struct hmp_session *h = g_new0(struct hmp_session, 1);
    h->mon = mon;
    h->cd = cd;
    readline_init(&h->rl, HMP_PROMPT, rl_write, rl_run, h);
    g_ptr_array_add(mon->hmp, h);
    mon->nsessions++;
    struct chardev_fe fe = {
        .can_read = hmp_can_read,
        .read = hmp_read,
        .event = hmp_event,
        .opaque = h,
    };
    h->mux = chardev_mux_add_fe(cd, &fe) >= 0;
    if (!h->mux)
        chardev_set_fe(cd, &fe);
}

/* ---- set-up ---- */

struct monitor *monitor_new(struct machine *m)
{
    struct monitor *mon = g_new0(struct monitor, 1);
    mon->m = m;
    mon->qmp = qmp_server_new(&m->lock, qmp_commands, qmp_ncommands, "hvemu " HVEMU_VERSION,
                              mon);
    mon->chardevs = g_ptr_array_new();
    mon->fdsets = g_ptr_array_new();
    mon->hmp = g_ptr_array_new();
    m->run_listener = (struct run_listener){
        .event = on_run_event,
        .requests_done = on_requests_done,
        .attended = on_attended,
        .opaque = mon,
    };
    return mon;
}

void monitor_add_qmp(struct monitor *mon, struct chardev *cd, bool pretty)
{
    qmp_server_attach(mon->qmp, cd, pretty);
    mon->nsessions++;
}

void monitor_set_board(struct monitor *mon, struct pc *pc)
{
    mon->pc = pc;
}

void monitor_register_chardev(struct monitor *mon, struct chardev *cd)
{
    for (guint i = 0; i < mon->chardevs->len; i++)
        if (mon->chardevs->pdata[i] == cd)
            return;
    g_ptr_array_add(mon->chardevs, cd);
}

void monitor_free(struct monitor *mon)
{
    if (!mon)
        return;
    mon->m->run_listener = (struct run_listener){ 0 };
    if (mon->keys) {
        key_sender_destroy(mon->keys);
        g_free(mon->keys);
    }
    qmp_server_free(mon->qmp);
    for (guint i = 0; i < mon->fdsets->len; i++) {
        struct fdset *set = mon->fdsets->pdata[i];
        for (guint k = 0; k < set->fds->len; k++) {
            struct fdset_fd *f = &g_array_index(set->fds, struct fdset_fd, k);
            close(f->fd);
            g_free(f->opaque);
        }
        g_array_free(set->fds, TRUE);
        g_free(set);
    }
    for (guint i = 0; i < mon->hmp->len; i++) {
        struct hmp_session *h = mon->hmp->pdata[i];
        if (!h->mux)
            chardev_set_fe(h->cd, NULL);
        readline_free(&h->rl);
        g_free(h);
    }
    g_ptr_array_free(mon->hmp, TRUE);
    g_ptr_array_free(mon->fdsets, TRUE);
    g_ptr_array_free(mon->chardevs, TRUE);
    g_free(mon);
}
