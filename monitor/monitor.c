/* SPDX-License-Identifier: GPL-2.0-or-later */
/* monitor.c: wiring of the control plane (see monitor.h), the run-state
 * events as QMP events, and the human monitor (HMP).
 *
 * HMP: a small subset of QEMU's human monitor commands (help, info
 * status/version/name/uuid/kvm/chardev, stop, cont, system_reset,
 * system_powerdown, quit) with QEMU's output texts, reachable through QMP's
 * human-monitor-command and on chardevs (-monitor, -mon mode=readline,
 * mon:stdio).  The chardev frontend is a plain line editor: printable
 * characters echo, backspace erases, Enter runs the line; there is no
 * history or completion.  Threat model: a line is at most HMP_LINE_MAX
 * bytes; longer input is dropped until the end of the line. */
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "core/accel_ops.h"
#include "core/runstate.h"
#include "hw/pc.h"
#include "hw/pci/pci.h"
#include "monitor/monitor.h"
#include "monitor/qmp_cmds.h"

#define HMP_LINE_MAX 1024
#define HMP_PROMPT "(qemu) "

struct hmp_session {
    struct monitor *mon;
    struct chardev *cd;
    GString *line;
    bool overflow, mux;
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

static void on_requests_done(void *opaque)
{
    struct monitor *mon = opaque;
    qmp_server_requests_done(mon->qmp);
}

/* ---- HMP commands ---- */

static void hmp_info_status(struct monitor *mon, GString *out)
{
    enum run_state s = runstate_get(mon->m);
    g_string_append_printf(out, "VM status: %s", s == RUN_STATE_RUNNING ? "running" : "paused");
    if (s != RUN_STATE_RUNNING && s != RUN_STATE_PAUSED)
        g_string_append_printf(out, " (%s)", run_state_name(s));
    g_string_append_c(out, '\n');
}

/* info block, in QEMU's layout (node names aside: hvemu has none). */
static void hmp_info_block(struct monitor *mon, GString *out)
{
    struct pc_drive_info d;
    bool first = true;
    for (int i = 0; mon->pc && i < PC_MAX_IDE; i++) {
        if (!pc_drive_info(mon->pc, i, &d))
            continue;
        if (!first)
            g_string_append_c(out, '\n');
        first = false;
        if (d.blk)
            g_string_append_printf(out, "%s: %s (%s%s)\n", d.id, blk_filename(d.blk),
                                   blk_format(d.blk), blk_readonly(d.blk) ? ", read-only" : "");
        else
            g_string_append_printf(out, "%s: [not inserted]\n", d.id);
        g_string_append_printf(out, "    Attached to:      %s\n", d.id);
        if (d.media == PC_MEDIA_CDROM)
            g_string_append_printf(out, "    Removable device: %slocked, tray %s\n",
                                   d.locked ? "" : "not ", d.tray_open ? "open" : "closed");
        if (!d.blk)
            continue;
        enum blk_cache c = blk_cache_mode(d.blk);
        g_string_append_printf(out, "    Cache mode:       %s%s%s\n",
                               blk_write_cache(d.blk) ? "writeback" : "writethrough",
                               c == BLK_CACHE_NONE || c == BLK_CACHE_DIRECTSYNC ? ", direct" : "",
                               c == BLK_CACHE_UNSAFE ? ", ignore flushes" : "");
    }
}

/* "info pci", in the layout of QEMU's. */
static void hmp_info_pci(struct monitor *mon, GString *out)
{
    struct pci_bus *bus = mon->m->board ? pc_pci_bus(mon->m->board) : NULL;
    for (unsigned devfn = 0; bus && devfn < ARRAY_SIZE(bus->devs); devfn++) {
        const struct pci_dev *d = bus->devs[devfn];
        if (!d)
            continue;
        const uint8_t *c = d->config;
        g_string_append_printf(out, "  Bus  0, device %3u, function %u:\n", PCI_SLOT(devfn),
                               PCI_FUNC(devfn));
        g_string_append_printf(out, "    Class %04x: PCI device %04x:%04x\n",
                               ld16(&c[PCI_CLASS_DEVICE]), ld16(&c[PCI_VENDOR_ID]),
                               ld16(&c[PCI_DEVICE_ID]));
        if (c[PCI_INTERRUPT_PIN])
            g_string_append_printf(out, "      IRQ %u, pin %c\n", c[PCI_INTERRUPT_LINE],
                                   'A' + c[PCI_INTERRUPT_PIN] - 1);
        for (unsigned n = 0; n <= PCI_NUM_BARS; n++) {
            const struct pci_bar *b = n < PCI_NUM_BARS ? &d->bars[n] : &d->rom;
            if (!b->region)
                continue;
            const char *what = n == PCI_NUM_BARS ? "ROM" : "BAR";
            if (b->addr == PCI_BAR_UNMAPPED)
                g_string_append_printf(out, "      %s%u: %s at 0xffffffffffffffff [0x%" PRIx64 "].\n",
                                       what, n == PCI_NUM_BARS ? 0 : n,
                                       b->type & PCI_BAR_IO ? "I/O" : "memory", b->region->size - 1);
            else
                g_string_append_printf(out, "      %s%u: %s at 0x%" PRIx64 " [0x%" PRIx64 "].\n",
                                       what, n == PCI_NUM_BARS ? 0 : n,
                                       b->type & PCI_BAR_IO ? "I/O" : "memory", b->addr,
                                       b->addr + b->region->size - 1);
        }
        g_string_append(out, "      id \"\"\n");
    }
}

static void hmp_info(struct monitor *mon, const char *what, GString *out)
{
    struct machine *m = mon->m;
    if (!*what) {
        g_string_append(out, "info block  -- show the block devices\n"
                             "info chardev  -- show the character devices\n"
                             "info kvm  -- show KVM information\n"
                             "info name  -- show the current VM name\n"
                             "info pci  -- show PCI info\n"
                             "info status  -- show the current VM status (running|paused)\n"
                             "info uuid  -- show the current VM UUID\n"
                             "info version  -- show the version of QEMU\n");
    } else if (!strcmp(what, "status")) {
        hmp_info_status(mon, out);
    } else if (!strcmp(what, "block")) {
        hmp_info_block(mon, out);
    } else if (!strcmp(what, "pci")) {
        hmp_info_pci(mon, out);
    } else if (!strcmp(what, "version")) {
        g_string_append_printf(out, "%d.%d.%d (hvemu " HVEMU_VERSION ")\n", QMP_QEMU_MAJOR,
                               QMP_QEMU_MINOR, QMP_QEMU_MICRO);
    } else if (!strcmp(what, "name")) {
        if (m->name)
            g_string_append_printf(out, "%s\n", m->name);
    } else if (!strcmp(what, "uuid")) {
        const uint8_t *u = m->uuid;
        for (int i = 0; i < 16; i++)
            g_string_append_printf(out, "%s%02x", i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "",
                                   u[i]);
        g_string_append_c(out, '\n');
    } else if (!strcmp(what, "kvm")) {
        g_string_append_printf(out, "kvm support: %s\n",
                               m->accel && !strcmp(m->accel->name, "kvm") ? "enabled"
                                                                           : "disabled");
    } else if (!strcmp(what, "chardev")) {
        for (guint i = 0; i < mon->chardevs->len; i++)
            g_string_append_printf(out, "%s: filename=%s\n",
                                   chardev_label(mon->chardevs->pdata[i]),
                                   chardev_filename(mon->chardevs->pdata[i]));
    } else {
        g_string_append_printf(out, "unknown command: 'info %s'\n", what);
    }
}

static const char hmp_help[] =
    "cont|c  -- resume emulation\n"
    "help|? [cmd] -- show the help\n"
    "info [subcommand] -- show various information about the system state\n"
    "quit|q  -- quit the emulator\n"
    "stop|s  -- stop emulation\n"
    "system_powerdown  -- send system power down event\n"
    "system_reset  -- reset the system\n";

char *monitor_hmp_command(struct monitor *mon, const char *line)
{
    GString *out = g_string_new(NULL);
    char **all = g_strsplit_set(line, " \t", -1);
    const char *w[2] = { "", "" };
    for (int i = 0, n = 0; all[i] && n < 2; i++)
        if (all[i][0])
            w[n++] = all[i];
    const char *cmd = w[0], *arg = w[1];
    struct machine *m = mon->m;
    if (!*cmd) {
        /* an empty line does nothing */
    } else if (!strcmp(cmd, "help") || !strcmp(cmd, "?")) {
        g_string_append(out, hmp_help);
    } else if (!strcmp(cmd, "info")) {
        hmp_info(mon, arg, out);
    } else if (!strcmp(cmd, "stop") || !strcmp(cmd, "s")) {
        machine_request(m, REQ_STOP, 0);
    } else if (!strcmp(cmd, "cont") || !strcmp(cmd, "c")) {
        if (runstate_needs_reset(m))
            g_string_append(out, "Error: Resetting the Virtual Machine is required\n");
        else
            machine_request(m, REQ_CONT, 0);
    } else if (!strcmp(cmd, "system_reset")) {
        machine_request(m, REQ_RESET, SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
    } else if (!strcmp(cmd, "system_powerdown")) {
        machine_request(m, REQ_POWERDOWN, 0);
    } else if (!strcmp(cmd, "quit") || !strcmp(cmd, "q")) {
        machine_request(m, REQ_QUIT, SHUTDOWN_CAUSE_HOST_QMP_QUIT);
    } else {
        g_string_append_printf(out, "unknown command: '%s'\n", cmd);
    }
    g_strfreev(all);
    return g_string_free(out, FALSE);
}

/* ---- the HMP chardev frontend ---- */

static void hmp_puts(struct hmp_session *h, const char *s)
{
    /* The terminal may be raw: every \n becomes \r\n. */
    GString *o = g_string_new(NULL);
    for (; *s; s++) {
        if (*s == '\n')
            g_string_append_c(o, '\r');
        g_string_append_c(o, *s);
    }
    chardev_write(h->cd, o->str, (int)o->len);
    g_string_free(o, TRUE);
}

static int hmp_can_read(void *opaque)
{
    return 256;
}

static void hmp_byte(struct hmp_session *h, uint8_t b)
{
    if (b == '\r' || b == '\n') {
        hmp_puts(h, "\n");
        if (!h->overflow) {
            char *out = monitor_hmp_command(h->mon, h->line->str);
            hmp_puts(h, out);
            g_free(out);
        }
        g_string_truncate(h->line, 0);
        h->overflow = false;
        hmp_puts(h, HMP_PROMPT);
    } else if (b == 0x7f || b == 0x08) {
        if (h->line->len) {
            g_string_truncate(h->line, h->line->len - 1);
            hmp_puts(h, "\b \b");
        }
    } else if (b >= 0x20 && b < 0x7f) {
        if (h->line->len >= HMP_LINE_MAX) {
            h->overflow = true;
            return;
        }
        g_string_append_c(h->line, (char)b);
        char echo[2] = { (char)b, 0 };
        hmp_puts(h, echo);
    }
}

static void hmp_read(void *opaque, const uint8_t *buf, int len)
{
    struct hmp_session *h = opaque;
    for (int i = 0; i < len; i++) {
        /* "\r\n" from a line-buffered client is one Enter. */
        if (buf[i] == '\n' && i > 0 && buf[i - 1] == '\r')
            continue;
        hmp_byte(h, buf[i]);
    }
}

static void hmp_event(void *opaque, enum chardev_event ev)
{
    struct hmp_session *h = opaque;
    g_string_truncate(h->line, 0);
    h->overflow = false;
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
    h->line = g_string_new(NULL);
    g_ptr_array_add(mon->hmp, h);
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
        .opaque = mon,
    };
    return mon;
}

void monitor_add_qmp(struct monitor *mon, struct chardev *cd, bool pretty)
{
    qmp_server_attach(mon->qmp, cd, pretty);
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
        g_string_free(h->line, TRUE);
        g_free(h);
    }
    g_ptr_array_free(mon->hmp, TRUE);
    g_ptr_array_free(mon->fdsets, TRUE);
    g_ptr_array_free(mon->chardevs, TRUE);
    g_free(mon);
}
