/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hmp.c: the human monitor's commands, with the output texts of QEMU's
 * monitor (QEMU 7.2's "help" and "info" texts where a command exists
 * there; see docs/qmp.md for the list).
 *
 * Commands: help/?, info (status, version, name, uuid, kvm, chardev, block,
 * pci, registers [-a], cpus), stop/s, cont/c, system_reset, system_powerdown,
 * quit/q, sendkey KEYS [HOLD_MS], x and xp /FMT ADDR, cpu N.
 *
 * x reads guest-virtual memory through the selected CPU's page tables
 * (a read-only walk: no accessed/dirty bits are set), xp guest-physical
 * memory; both read RAM only (never device registers, which may have side
 * effects) and print "Cannot access memory" where there is none.  Registers
 * are read with the vCPUs paused for the moment it takes.
 *
 * Threat model: the line comes from the monitor's user; counts are bounded
 * (x/xp dump at most HMP_DUMP_MAX bytes) and numbers are range-checked. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "core/runstate.h"
#include "hw/pc.h"
#include "hw/pci/pci.h"
#include "monitor/monitor.h"

#define HMP_DUMP_MAX 65536

struct hmp_cmd {
    const char *names; /* "cont|c" */
    const char *args;  /* for help */
    const char *help;
    void (*fn)(struct monitor *mon, char **argv, int argc, unsigned *cpu, GString *out);
};

static bool name_matches(const char *names, const char *cmd)
{
    size_t n = strlen(cmd);
    for (const char *p = names; *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && !strncmp(p, cmd, n))
            return true;
        p += len + (bar ? 1 : 0);
    }
    return false;
}

/* ---- info ---- */

static void info_status(struct monitor *mon, GString *out)
{
    enum run_state s = runstate_get(mon->m);
    g_string_append_printf(out, "VM status: %s", s == RUN_STATE_RUNNING ? "running" : "paused");
    if (s != RUN_STATE_RUNNING && s != RUN_STATE_PAUSED)
        g_string_append_printf(out, " (%s)", run_state_name(s));
    g_string_append_c(out, '\n');
}

static void info_cpus(struct monitor *mon, unsigned cur, GString *out)
{
    struct machine *m = mon->m;
    for (unsigned i = 0; i < m->smp_cpus; i++) {
        long tid = m->accel && m->accel->vcpu_thread_id ? m->accel->vcpu_thread_id(m, i) : 0;
        g_string_append_printf(out, "%c CPU #%u: thread_id=%ld\n", i == cur ? '*' : ' ', i,
                               tid);
    }
}

/* Read one vCPU's registers, pausing a running machine for it. */
static int read_regs(struct monitor *mon, unsigned cpu, struct accel_regs *r)
{
    struct machine *m = mon->m;
    if (!m->accel || !m->accel->get_regs || cpu >= m->smp_cpus)
        return -1;
    bool paused = monitor_pause_vcpus(mon);
    int rc = m->accel->get_regs(m, cpu, r);
    monitor_resume_vcpus(mon, paused);
    return rc;
}

/* A segment as the hardware's descriptor cache holds it: selector, base,
 * limit, and the attribute bits in their descriptor positions (8-23). */
static void dump_seg(GString *out, const char *name, const struct x86_seg *s, bool lm)
{
    uint32_t attr = (uint32_t)s->type << 8 | (uint32_t)s->s << 12 | (uint32_t)s->dpl << 13 |
                    (uint32_t)s->present << 15 | (uint32_t)s->avl << 20 |
                    (uint32_t)s->l << 21 | (uint32_t)s->db << 22 | (uint32_t)s->g << 23;
    if (lm)
        g_string_append_printf(out, "%-3s=%04x %016" PRIx64 " %08x %08x\n", name, s->sel,
                               s->base, s->limit, attr);
    else
        g_string_append_printf(out, "%-3s=%04x %08x %08x %08x\n", name, s->sel,
                               (uint32_t)s->base, s->limit, attr);
}

static void dump_regs(GString *out, const struct accel_regs *r)
{
    static const char *const segs[] = { "ES", "CS", "SS", "DS", "FS", "GS", "LDT", "TR" };
    static const char *const names64[] = { "RAX", "RBX", "RCX", "RDX", "RSI", "RDI",
                                           "RBP", "RSP", "R8 ", "R9 ", "R10", "R11",
                                           "R12", "R13", "R14", "R15" };
    static const int order[] = { 0, 3, 1, 2, 6, 7, 5, 4, 8, 9, 10, 11, 12, 13, 14, 15 };
    bool lm = r->efer & (1u << 10); /* EFER.LMA */
    unsigned n = lm ? 16 : 8;
    for (unsigned i = 0; i < n; i++) {
        const char *name = names64[i];
        if (lm)
            g_string_append_printf(out, "%s=%016" PRIx64 "%s", name, r->gpr[order[i]],
                                   i % 4 == 3 ? "\n" : " ");
        else
            g_string_append_printf(out, "E%c%c=%08" PRIx32 "%s", name[1], name[2],
                                   (uint32_t)r->gpr[order[i]], i % 4 == 3 ? "\n" : " ");
    }
    /* DF and the arithmetic flags, in QEMU's order. */
    static const struct {
        char c;
        unsigned bit;
    } fl[] = { { 'D', 10 }, { 'O', 11 }, { 'S', 7 }, { 'Z', 6 }, { 'A', 4 }, { 'P', 2 }, { 'C', 0 } };
    char flags[8];
    for (int i = 0; i < 7; i++)
        flags[i] = (r->rflags >> fl[i].bit) & 1 ? fl[i].c : '-';
    flags[7] = 0;
    unsigned cpl = !(r->cr0 & 1) ? 0 : (r->rflags & (1u << 17)) ? 3 : r->seg[ACCEL_SEG_CS].sel & 3;
    if (lm)
        g_string_append_printf(out, "RIP=%016" PRIx64, r->rip);
    else
        g_string_append_printf(out, "EIP=%08" PRIx32, (uint32_t)r->rip);
    g_string_append_printf(out, " RFL=%08" PRIx32 " [%s] CPL=%u HLT=%d\n", (uint32_t)r->rflags,
                           flags, cpl, r->halted);
    for (unsigned i = 0; i < ACCEL_NSEGS; i++)
        dump_seg(out, segs[i], &r->seg[i], lm);
    g_string_append_printf(out, "GDT=     %016" PRIx64 " %08x\n", r->gdt.base, r->gdt.limit);
    g_string_append_printf(out, "IDT=     %016" PRIx64 " %08x\n", r->idt.base, r->idt.limit);
    g_string_append_printf(out,
                           "CR0=%08" PRIx64 " CR2=%016" PRIx64 " CR3=%016" PRIx64
                           " CR4=%08" PRIx64 " CR8=%" PRIx64 "\n",
                           r->cr0, r->cr2, r->cr3, r->cr4, r->cr8);
    for (unsigned i = 0; i < 4; i++)
        g_string_append_printf(out, "DR%u=%016" PRIx64 " ", i, r->dr[i]);
    g_string_append_printf(out, "\nDR6=%016" PRIx64 " DR7=%016" PRIx64 "\n", r->dr[6], r->dr[7]);
    g_string_append_printf(out, "EFER=%016" PRIx64 "\n", r->efer);
}

static void info_registers(struct monitor *mon, bool all, unsigned cur, GString *out)
{
    struct machine *m = mon->m;
    if (!m->accel || !m->accel->get_regs || !m->smp_cpus) {
        g_string_append_printf(out, "No CPU state: the %s accelerator has no CPUs to show\n",
                               m->accel ? m->accel->name : "(none)");
        return;
    }
    for (unsigned i = all ? 0 : cur; i < (all ? m->smp_cpus : cur + 1); i++) {
        struct accel_regs r;
        if (all)
            g_string_append_printf(out, "\nCPU#%u\n", i);
        if (read_regs(mon, i, &r))
            g_string_append_printf(out, "CPU#%u: registers not available\n", i);
        else
            dump_regs(out, &r);
    }
}

/* info block, in QEMU's layout (node names aside: hvemu has none). */
static void info_block(struct monitor *mon, GString *out)
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
static void info_pci(struct monitor *mon, GString *out)
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

static void cmd_info(struct monitor *mon, char **argv, int argc, unsigned *cpu, GString *out)
{
    struct machine *m = mon->m;
    const char *what = argc > 1 ? argv[1] : "";
    if (!*what) {
        g_string_append(out, "info block  -- show the block devices\n"
                             "info chardev  -- show the character devices\n"
                             "info cpus  -- show infos for each CPU\n"
                             "info kvm  -- show KVM information\n"
                             "info name  -- show the current VM name\n"
                             "info pci  -- show PCI info\n"
                             "info registers [-a] -- show the cpu registers (-a: all CPUs)\n"
                             "info status  -- show the current VM status (running|paused)\n"
                             "info uuid  -- show the current VM UUID\n"
                             "info version  -- show the version of QEMU\n");
    } else if (!strcmp(what, "status")) {
        info_status(mon, out);
    } else if (!strcmp(what, "block")) {
        info_block(mon, out);
    } else if (!strcmp(what, "pci")) {
        info_pci(mon, out);
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
    } else if (!strcmp(what, "cpus")) {
        info_cpus(mon, *cpu, out);
    } else if (!strcmp(what, "registers")) {
        bool all = argc > 2 && !strcmp(argv[2], "-a");
        info_registers(mon, all, *cpu, out);
    } else {
        g_string_append_printf(out, "unknown command: 'info %s'\n", what);
    }
}

/* ---- run state ---- */

static void cmd_stop(struct monitor *mon, char **argv, int argc, unsigned *cpu, GString *out)
{
    machine_request(mon->m, REQ_STOP, 0);
}

static void cmd_cont(struct monitor *mon, char **argv, int argc, unsigned *cpu, GString *out)
{
    if (runstate_needs_reset(mon->m))
        g_string_append(out, "Error: Resetting the Virtual Machine is required\n");
    else
        machine_request(mon->m, REQ_CONT, 0);
}

static void cmd_system_reset(struct monitor *mon, char **argv, int argc, unsigned *cpu,
                             GString *out)
{
    machine_request(mon->m, REQ_RESET, SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
}

static void cmd_system_powerdown(struct monitor *mon, char **argv, int argc, unsigned *cpu,
                                 GString *out)
{
    machine_request(mon->m, REQ_POWERDOWN, 0);
}

static void cmd_quit(struct monitor *mon, char **argv, int argc, unsigned *cpu, GString *out)
{
    machine_request(mon->m, REQ_QUIT, SHUTDOWN_CAUSE_HOST_QMP_QUIT);
}

static void cmd_cpu(struct monitor *mon, char **argv, int argc, unsigned *cpu, GString *out)
{
    char *end = NULL;
    unsigned long n = argc > 1 ? strtoul(argv[1], &end, 0) : 0;
    if (argc < 2 || *end || n >= mon->m->smp_cpus)
        g_string_append(out, "invalid CPU index\n");
    else
        *cpu = (unsigned)n;
}

/* ---- sendkey ---- */

/* One key of "ctrl-alt-delete": a QKeyCode name or a number (0x1d). */
static int parse_key(const char *name, size_t len, unsigned *key)
{
    char *s = g_strndup(name, len);
    int k = -1;
    if (g_str_has_prefix(s, "0x") || g_ascii_isdigit(s[0])) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 0);
        if (!*end && !errno && v <= 0xff)
            k = keymap_number_to_key((int64_t)v);
    } else {
        k = keymap_qcode_to_key(s);
    }
    g_free(s);
    if (k < 0)
        return -1;
    *key = (unsigned)k;
    return 0;
}

static void cmd_sendkey(struct monitor *mon, char **argv, int argc, unsigned *cpu,
                        GString *out)
{
    if (argc < 2) {
        g_string_append(out, "Usage: sendkey keys [hold_ms]\n");
        return;
    }
    int64_t hold = KEY_HOLD_DEFAULT_MS;
    if (argc > 2) {
        char *end;
        errno = 0;
        long long v = strtoll(argv[2], &end, 0);
        if (*end || errno || v < 0) {
            g_string_append_printf(out, "invalid parameter: %s\n", argv[2]);
            return;
        }
        hold = v;
    }
    unsigned keys[KEYQ_MAX / 2];
    unsigned n = 0;
    for (const char *p = argv[1]; *p;) {
        const char *dash = strchr(p, '-');
        size_t len = dash ? (size_t)(dash - p) : strlen(p);
        if (n == G_N_ELEMENTS(keys) || !len || parse_key(p, len, &keys[n])) {
            g_string_append_printf(out, "invalid parameter: %.*s\n", (int)len, p);
            return;
        }
        n++;
        p += len + (dash ? 1 : 0);
    }
    char *err = NULL;
    if (monitor_send_keys(mon, keys, n, hold, &err)) {
        g_string_append_printf(out, "Error: %s\n", err);
        g_free(err);
    }
}

/* ---- x / xp ---- */

struct dump_fmt {
    unsigned count, size;
    char format;
};

/* "/10xb": count, format (x d u o c), size (b h w g). */
static int parse_fmt(const char *s, struct dump_fmt *f)
{
    *f = (struct dump_fmt){ 1, 4, 'x' };
    if (*s++ != '/')
        return -1;
    if (g_ascii_isdigit(*s)) {
        char *end;
        errno = 0;
        unsigned long n = strtoul(s, &end, 10);
        if (errno || n == 0 || n > HMP_DUMP_MAX)
            return -1;
        f->count = (unsigned)n;
        s = end;
    }
    for (; *s; s++) {
        switch (*s) {
        case 'x': case 'd': case 'u': case 'o': case 'c':
            f->format = *s;
            break;
        case 'b': f->size = 1; break;
        case 'h': f->size = 2; break;
        case 'w': f->size = 4; break;
        case 'g': f->size = 8; break;
        default:
            return -1;
        }
    }
    if (f->format == 'c')
        f->size = 1;
    return 0;
}

static bool read_u64(struct machine *m, uint64_t pa, uint64_t *v)
{
    uint8_t b[8];
    if (machine_read_phys(m, pa, b, 8))
        return false;
    *v = 0;
    for (int i = 7; i >= 0; i--)
        *v = *v << 8 | b[i];
    return true;
}

/* Linear -> physical through the page tables the registers describe
 * (2-level with 4 MiB pages, PAE, 4-level; read-only walk). */
static bool translate(struct machine *m, const struct accel_regs *r, uint64_t la, uint64_t *pa)
{
    if (!(r->cr0 & (1u << 31))) { /* paging off */
        *pa = la;
        return true;
    }
    uint64_t e, addr_mask = 0x000ffffffffff000ULL;
    if (!(r->cr4 & (1u << 5))) { /* 2-level */
        uint32_t e32;
        if (machine_read_phys(m, (r->cr3 & 0xfffff000) + ((la >> 22) & 0x3ff) * 4, &e32, 4) ||
            !(e32 & 1))
            return false;
        if ((e32 & 0x80) && (r->cr4 & (1u << 4))) {
            *pa = (e32 & 0xffc00000) | ((uint64_t)(e32 >> 13) & 0xff) << 32 | (la & 0x3fffff);
            return true;
        }
        uint32_t pte;
        if (machine_read_phys(m, (e32 & 0xfffff000) + ((la >> 12) & 0x3ff) * 4, &pte, 4) ||
            !(pte & 1))
            return false;
        *pa = (pte & 0xfffff000) | (la & 0xfff);
        return true;
    }
    bool lm = r->efer & (1u << 10);
    int level = lm ? 4 : 3;
    uint64_t table = lm ? r->cr3 & addr_mask : r->cr3 & 0xffffffe0;
    for (; level >= 1; level--) {
        unsigned shift = 12 + 9 * (level - 1);
        uint64_t idx = (la >> shift) & (level == 3 && !lm ? 3 : 0x1ff);
        if (!read_u64(m, table + idx * 8, &e) || !(e & 1))
            return false;
        if (level <= 3 && level >= 2 && (e & 0x80) && (lm || level == 2)) {
            uint64_t page = (1ULL << shift) - 1;
            *pa = (e & addr_mask & ~page) | (la & page);
            return true;
        }
        table = e & addr_mask;
    }
    *pa = table | (la & 0xfff);
    return true;
}

static void dump_value(GString *out, char format, unsigned size, uint64_t v)
{
    int bits = (int)size * 8;
    switch (format) {
    case 'x':
        g_string_append_printf(out, " 0x%0*" PRIx64, (int)size * 2, v);
        break;
    case 'o':
        g_string_append_printf(out, " %#*" PRIo64, (bits + 2) / 3 + 1, v);
        break;
    case 'u':
        g_string_append_printf(out, " %*" PRIu64, (bits * 10 + 32) / 33, v);
        break;
    case 'd': {
        int64_t sv = bits == 64 ? (int64_t)v : (int64_t)(v << (64 - bits)) >> (64 - bits);
        g_string_append_printf(out, " %*" PRId64, (bits * 10 + 32) / 33 + 1, sv);
        break;
    }
    case 'c':
        if (v >= 0x20 && v < 0x7f && v != '\'' && v != '\\')
            g_string_append_printf(out, " '%c'", (char)v);
        else
            g_string_append_printf(out, " '\\x%02x'", (unsigned)v);
        break;
    }
}

static void memory_dump(struct monitor *mon, const struct dump_fmt *f, uint64_t addr,
                        bool phys, unsigned cpu, GString *out)
{
    struct machine *m = mon->m;
    struct accel_regs r;
    if (!phys && read_regs(mon, cpu, &r)) {
        g_string_append(out, "No CPU state to translate virtual addresses (use xp)\n");
        return;
    }
    uint64_t len = (uint64_t)f->count * f->size;
    if (len > HMP_DUMP_MAX) {
        g_string_append_printf(out, "Error: at most %d bytes at a time\n", HMP_DUMP_MAX);
        return;
    }
    unsigned line = f->size == 1 ? 8 : 16;
    for (uint64_t off = 0; off < len; off += f->size) {
        uint64_t a = addr + off, pa = a, v = 0;
        if (off % line == 0) {
            if (off)
                g_string_append_c(out, '\n');
            g_string_append_printf(out, "%016" PRIx64 ":", a);
        }
        uint8_t b[8] = { 0 };
        if ((!phys && !translate(m, &r, a, &pa)) || machine_read_phys(m, pa, b, f->size)) {
            g_string_append_printf(out, "\nCannot access memory at %s address 0x%" PRIx64 "\n",
                                   phys ? "physical" : "virtual", a);
            return;
        }
        for (int i = (int)f->size - 1; i >= 0; i--)
            v = v << 8 | b[i];
        dump_value(out, f->format, f->size, v);
    }
    g_string_append_c(out, '\n');
}

static void dump_cmd(struct monitor *mon, char **argv, int argc, unsigned *cpu, GString *out,
                     bool phys)
{
    struct dump_fmt f = { 1, 4, 'x' };
    int a = 1;
    if (argc > a && argv[a][0] == '/') {
        if (parse_fmt(argv[a], &f)) {
            g_string_append_printf(out, "invalid format: %s\n", argv[a]);
            return;
        }
        a++;
    }
    char *end = NULL;
    errno = 0;
    uint64_t addr = argc > a ? strtoull(argv[a], &end, 0) : 0;
    if (argc <= a || *end || errno) {
        g_string_append_printf(out, "Usage: %s /fmt addr\n", phys ? "xp" : "x");
        return;
    }
    memory_dump(mon, &f, addr, phys, *cpu, out);
}

static void cmd_x(struct monitor *mon, char **argv, int argc, unsigned *cpu, GString *out)
{
    dump_cmd(mon, argv, argc, cpu, out, false);
}

static void cmd_xp(struct monitor *mon, char **argv, int argc, unsigned *cpu, GString *out)
{
    dump_cmd(mon, argv, argc, cpu, out, true);
}

/* eject [-f] device */
static void cmd_eject(struct monitor *mon, char **argv, int argc, unsigned *cpu, GString *out)
{
    bool force = argc > 1 && !strcmp(argv[1], "-f");
    const char *dev = argc > 1 + force ? argv[1 + force] : NULL;
    struct pc *pc = mon->m->board;
    char *err = NULL;
    if (!dev) {
        g_string_append(out, "Error: eject: missing device\n");
        return;
    }
    if (!pc)
        err = g_strdup_printf("Device '%s' not found", dev);
    if (pc && !pc_drive_eject(pc, dev, force, &err))
        return;
    g_string_append_printf(out, "Error: %s\n", err);
    g_free(err);
}

/* change device filename [format [read-only-mode]] */
static void cmd_change(struct monitor *mon, char **argv, int argc, unsigned *cpu, GString *out)
{
    struct pc *pc = mon->m->board;
    char *err = NULL;
    if (argc < 3) {
        g_string_append(out, "Error: change: usage: change device filename [format "
                             "[read-only-mode]]\n");
        return;
    }
    const char *fmt = argc > 3 ? argv[3] : NULL, *ro = argc > 4 ? argv[4] : NULL;
    if (!pc)
        err = g_strdup_printf("Device '%s' not found", argv[1]);
    if (pc && !pc_drive_change(pc, argv[1], argv[2], fmt, ro, false, &err))
        return;
    g_string_append_printf(out, "Error: %s\n", err);
    g_free(err);
}

static void cmd_help(struct monitor *mon, char **argv, int argc, unsigned *cpu, GString *out);

static const struct hmp_cmd hmp_cmds[] = {
    { "change", "device filename [format [read-only-mode]]", "change a removable medium",
      cmd_change },
    { "cont|c", "", "resume emulation", cmd_cont },
    { "cpu", "index", "set the default CPU", cmd_cpu },
    { "eject", "[-f] device", "eject a removable medium (use -f to force it)", cmd_eject },
    { "help|?", "[cmd]", "show the help", cmd_help },
    { "info", "[subcommand]", "show various information about the system state", cmd_info },
    { "quit|q", "", "quit the emulator", cmd_quit },
    { "sendkey", "keys [hold_ms]",
      "send keys to the VM (e.g. 'sendkey ctrl-alt-f1', default hold time=100 ms)", cmd_sendkey },
    { "stop|s", "", "stop emulation", cmd_stop },
    { "system_powerdown", "", "send system power down event", cmd_system_powerdown },
    { "system_reset", "", "reset the system", cmd_system_reset },
    { "x", "/fmt addr", "virtual memory dump starting at 'addr'", cmd_x },
    { "xp", "/fmt addr", "physical memory dump starting at 'addr'", cmd_xp },
};

static void cmd_help(struct monitor *mon, char **argv, int argc, unsigned *cpu, GString *out)
{
    for (size_t i = 0; i < G_N_ELEMENTS(hmp_cmds); i++) {
        const struct hmp_cmd *c = &hmp_cmds[i];
        if (argc > 1 && !name_matches(c->names, argv[1]))
            continue;
        g_string_append_printf(out, "%s %s -- %s\n", c->names, c->args, c->help);
    }
    if (argc > 1 && !out->len)
        g_string_append_printf(out, "unknown command: '%s'\n", argv[1]);
}

/* Words of the line; "x/4x 1000" is "x" "/4x" "1000", as QEMU's parser
 * ends a command name at '/'. */
static char **split(const char *line, int *argc)
{
    GPtrArray *w = g_ptr_array_new();
    const char *p = line;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *s = p;
        while (*p && *p != ' ' && *p != '\t' && !(w->len == 0 && *p == '/' && p > s))
            p++;
        g_ptr_array_add(w, g_strndup(s, (gsize)(p - s)));
    }
    *argc = (int)w->len;
    g_ptr_array_add(w, NULL);
    return (char **)g_ptr_array_free(w, FALSE);
}

char *monitor_hmp_command_cpu(struct monitor *mon, const char *line, unsigned *cpu)
{
    GString *out = g_string_new(NULL);
    int argc;
    char **argv = split(line, &argc);
    if (argc) {
        size_t i;
        for (i = 0; i < G_N_ELEMENTS(hmp_cmds); i++)
            if (name_matches(hmp_cmds[i].names, argv[0]))
                break;
        if (i < G_N_ELEMENTS(hmp_cmds))
            hmp_cmds[i].fn(mon, argv, argc, cpu, out);
        else
            g_string_append_printf(out, "unknown command: '%s'\n", argv[0]);
    }
    g_strfreev(argv);
    return g_string_free(out, FALSE);
}

char *monitor_hmp_command(struct monitor *mon, const char *line)
{
    unsigned cpu = 0;
    return monitor_hmp_command_cpu(mon, line, &cpu);
}
