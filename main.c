/* SPDX-License-Identifier: GPL-2.0-or-later */
/* main.c: command line -> machine -> run.
 *
 * Options follow QEMU's spelling and meaning; every option is also accepted
 * with two dashes.  A user mistake gets one line naming the problem and exit
 * status 1; nothing here aborts. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <glib-unix.h>
#include <glib.h>
#include "config.h"
#include "core/chardev.h"
#include "core/log.h"
#include "core/machine.h"
#include "core/options.h"
#include "core/runstate.h"
#include "cpu/accel.h"
#include "hw/boot/smbios.h"
#include "hw/misc/debug_exit.h"
#include "hw/misc/debugcon.h"
#include "hw/pc.h"
#include "monitor/monitor.h"

struct named_chardev {
    char *id;
    struct chardev *cd;
};

struct cli {
    uint64_t ram_size;
    unsigned smp;
    char *cpu_model;
    char *accel;
    char *kernel, *initrd, *append, *bios;
    GPtrArray *serial;   /* specs, in order */
    GPtrArray *chardevs; /* -chardev option strings */
    GPtrArray *devices;  /* -device option strings */
    char *debugcon;
    char *name;
    char *rtc;
    char *log_items, *log_file;
    GPtrArray *firmware_dirs; /* -L */
    GPtrArray *qmp, *mon, *monitor; /* -qmp specs, -mon options, -monitor specs */
    char *uuid;
    struct smbios_settings smbios; /* -smbios, all of them */
    bool prelaunch; /* -S */
    bool nographic, display_none, nodefaults, no_reboot, no_shutdown;
    bool machine_none;  /* -machine none: no board, no CPUs; just the monitor */
    bool daemonize;     /* -daemonize */
    char *pidfile;      /* -pidfile */
    int icount_shift; /* -1: no -icount */
    GPtrArray *drives; /* struct drive_arg: -drive, -hda..-hdd, -cdrom, bare images */
    struct cli_boot {
        char order[16], once[16]; /* "": not given */
        bool menu, strict;
        int splash_time, reboot_timeout; /* -1: not given / no reboot */
    } boot;
};

/* A drive option as given, for opening once the machine exists. */
struct drive_arg {
    char *opt; /* "drive", "hda".."hdd", "cdrom" */
    char *arg;
};

static void usage(void)
{
    printf("usage: hvemu [options]\n"
           "\n"
           "Machine:\n"
           "  -machine pc[,accel=kvm|test]  the PC machine (i440FX-era PC)\n"
           "  -machine none                 no board and no CPUs: only the monitors\n"
           "                                (what management tools probe with)\n"
           "  -accel kvm|test               accelerator (also -enable-kvm)\n"
           "  -m SIZE                       guest RAM (default 128M; suffixes K M G T)\n"
           "  -smp N[,cpus=N,sockets=S,cores=C,threads=T,maxcpus=M]\n"
           "  -cpu MODEL                    host, qemu64, kvm64 (default qemu64)\n"
           "  -name NAME                    the VM's name\n"
           "  -rtc base=utc|localtime|DATE[,clock=host|rt|vm][,driftfix=none|slew]\n"
           "  -icount shift=N               soft CPU: virtual time = instructions << N ns\n"
           "                                (repeatable runs)\n"
           "  -no-reboot                    exit instead of rebooting\n"
           "  -no-shutdown                  stay (paused) when the guest powers off\n"
           "  -S                            do not start the CPUs (QMP/HMP 'cont' starts them)\n"
           "  -uuid UUID                    the VM's UUID (query-uuid, SMBIOS)\n"
           "  -smbios type=N,FIELD=VALUE... SMBIOS fields (types 0, 1, 2, 3, 4, 17)\n"
           "  -global DRIVER.PROP=VALUE     accepted for compatibility; unknown ones warn\n"
           "\n"
           "Boot:\n"
           "  -bios FILE                    firmware image (default: none with -kernel,\n"
           "                                otherwise bios-256k.bin, else bios.bin, from\n"
           "                                the firmware path)\n"
           "  -L DIR                        add DIR to the firmware search path\n"
           "  -kernel FILE                  Linux bzImage or Multiboot kernel, booted directly\n"
           "  -initrd FILE                  Linux initrd; Multiboot: \"mod1 args,mod2\"\n"
           "  -append CMDLINE               kernel command line\n"
           "  -boot [order=DRIVES][,once=DRIVES][,menu=on|off][,splash-time=MS]\n"
           "        [,reboot-timeout=MS][,strict=on|off]   firmware boot order: a, b floppy,\n"
           "                                c first disk, d first CD-ROM, n network\n"
           "                                (default cad; -boot d is order=d)\n"
           "\n"
           "Disks:\n"
           "  -drive file=PATH[,format=raw][,if=ide][,index=N|bus=B,unit=U]\n"
           "         [,media=disk|cdrom][,readonly=on|off][,id=ID][,file.locking=on|off]\n"
           "         [,cache=writeback|writethrough|none|unsafe|directsync]\n"
           "                                an IDE disk or CD-ROM (index 0-3: ide0-hd0,\n"
           "                                ide0-hd1, ide1-cd0, ide1-hd1); media=cdrom\n"
           "                                without file= is an empty CD-ROM drive\n"
           "  -hda/-hdb/-hdc/-hdd FILE      raw disk image at IDE index 0/1/2/3\n"
           "  -cdrom FILE                   CD-ROM image at IDE index 2 (ide1-cd0)\n"
           "\n"
           "Devices and I/O:\n"
           "  -serial DEV                   stdio, mon:stdio, null, none, file:PATH, pty,\n"
           "                                unix:PATH[,server=on,wait=off],\n"
           "                                tcp:[HOST]:PORT[,server=on,wait=off], chardev:ID\n"
           "  -chardev BACKEND,id=ID[,...]  stdio, null, file, pty, socket\n"
           "  -device isa-serial[,chardev=ID][,index=N]\n"
           "  -device isa-debug-exit[,iobase=0xf4][,iosize=0x04]\n"
           "  -device isa-debugcon[,iobase=0x402],chardev=ID\n"
           "  -debugcon DEV                 firmware debug console on port 0x402\n"
           "  -nographic                    no display; serial on stdio (Ctrl-A h for help)\n"
           "  -display none                 no display\n"
           "  -vga none                     no VGA card (the only choice so far)\n"
           "  -nodefaults                   no default devices\n"
           "\n"
           "Monitor:\n"
           "  -qmp DEV                      QMP on a chardev spec (unix:PATH,server=on,wait=off,\n"
           "                                tcp:HOST:PORT,server=on,wait=off, stdio...); repeatable\n"
           "  -mon chardev=ID[,mode=control|readline][,pretty=on|off]\n"
           "  -monitor DEV                  the human monitor (HMP) on a chardev spec\n"
           "\n"
           "Debugging:\n"
           "  -d ITEMS                      guest_errors,unimp,trace:PATTERN (-d help)\n"
           "  -D FILE                       log to FILE\n"
           "  -h, --help                    this text\n"
           "\n"
           "Process:\n"
           "  -daemonize                    detach once the monitors are ready\n"
           "  -pidfile FILE                 write the process id to FILE\n"
           "  -no-user-config               accepted (hvemu reads no configuration files)\n"
           "  -version, --version           version\n");
}

static void version(void)
{
    printf("hvemu version " HVEMU_VERSION "\n"
           "Copyright (C) the hvemu developers; GPL-2.0-or-later\n");
}

/* Options that take an argument, and those that don't. */
static const char *const with_arg[] = {
    "m", "smp", "cpu", "machine", "M", "accel", "kernel", "initrd", "append", "bios", "L",
    "serial", "chardev", "device", "debugcon", "name", "rtc", "d", "D", "display",
    "global", "vga", "qmp", "qmp-pretty", "mon", "monitor", "uuid", "icount", "pidfile",
    "drive", "hda", "hdb", "hdc", "hdd", "cdrom", "boot", "smbios", NULL,
};
static const char *const no_arg[] = {
    "nographic", "nodefaults", "no-reboot", "no-shutdown", "enable-kvm", "h", "help",
    "version", "S", "daemonize", "no-user-config", NULL,
};

static bool in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (!strcmp(*list, s))
            return true;
    return false;
}

static int fail(char *msg)
{
    error_report("%s", msg);
    g_free(msg);
    return -1;
}

static int parse_machine(struct cli *c, const char *arg)
{
    char *err = NULL;
    struct optlist *l = optlist_parse(arg, "type", &err);
    static const char *const keys[] = { "type", "accel", "kernel-irqchip", "usb",
                                        "dump-guest-core", "mem-merge", "vmport", NULL };
    if (!l || optlist_check(l, "-machine", keys, &err))
        goto bad;
    const char *type = optlist_get(l, "type");
    if (type && !strcmp(type, "none")) {
        c->machine_none = true; /* QEMU's empty machine: management tools probe with it */
    } else if (type && strcmp(type, "pc") && !g_str_has_prefix(type, "pc-i440fx")) {
        err = g_strdup_printf("-machine: machine type '%s' is not supported (only 'pc' "
                              "and 'none')", type);
        goto bad;
    } else if (type) {
        c->machine_none = false;
    }
    const char *accel = optlist_get(l, "accel");
    if (accel) {
        g_free(c->accel);
        c->accel = g_strdup(accel);
    }
    const char *irqchip = optlist_get(l, "kernel-irqchip");
    if (irqchip && strcmp(irqchip, "on")) {
        err = g_strdup_printf("-machine: kernel-irqchip=%s is not supported (only 'on')",
                              irqchip);
        goto bad;
    }
    optlist_free(l);
    return 0;
bad:
    optlist_free(l);
    return fail(err);
}

static int parse_smp(struct cli *c, const char *arg)
{
    char *err = NULL;
    struct optlist *l = optlist_parse(arg, "cpus", &err);
    static const char *const keys[] = { "cpus", "sockets", "dies", "cores", "threads",
                                        "maxcpus", NULL };
    if (!l || optlist_check(l, "-smp", keys, &err))
        goto bad;
    uint64_t n = 0, prod = 1;
    const char *cpus = optlist_get(l, "cpus");
    if (cpus && parse_uint(cpus, 4096, &n)) {
        err = g_strdup_printf("-smp: invalid CPU count '%s'", cpus);
        goto bad;
    }
    for (const char *const *k = keys + 1; *k && strcmp(*k, "maxcpus"); k++) {
        const char *v = optlist_get(l, *k);
        uint64_t x;
        if (!v)
            continue;
        if (parse_uint(v, 4096, &x) || x == 0) {
            err = g_strdup_printf("-smp: invalid %s '%s'", *k, v);
            goto bad;
        }
        prod *= x;
    }
    if (!cpus)
        n = prod;
    const char *maxc = optlist_get(l, "maxcpus");
    uint64_t max;
    if (maxc && (parse_uint(maxc, 4096, &max) || max != n)) {
        err = g_strdup_printf("-smp: maxcpus=%s must equal cpus (CPU hotplug is not supported)",
                              maxc);
        goto bad;
    }
    if (n < 1 || n > 255) {
        err = g_strdup_printf("-smp: %llu CPUs: between 1 and 255 are supported",
                              (unsigned long long)n);
        goto bad;
    }
    c->smp = (unsigned)n;
    optlist_free(l);
    return 0;
bad:
    optlist_free(l);
    return fail(err);
}

static int parse_mem(struct cli *c, const char *arg)
{
    char *err = NULL;
    struct optlist *l = optlist_parse(arg, "size", &err);
    static const char *const keys[] = { "size", "slots", "maxmem", NULL };
    if (!l || optlist_check(l, "-m", keys, &err)) {
        optlist_free(l);
        return fail(err);
    }
    const char *size = optlist_get(l, "size");
    uint64_t v;
    int rc = 0;
    if (!size || parse_size(size, MiB, &v) || v < 1 * MiB || v > 1024 * GiB) {
        rc = fail(g_strdup_printf("-m: invalid RAM size '%s' (from 1M to 1T)",
                                  size ? size : ""));
    } else {
        c->ram_size = (v + 0xfff) & ~0xfffULL;
    }
    optlist_free(l);
    return rc;
}

static int parse_accel(struct cli *c, const char *arg)
{
    char *err = NULL;
    struct optlist *l = optlist_parse(arg, "accel", &err);
    static const char *const keys[] = { "accel", "kernel-irqchip", "thread", NULL };
    if (!l || optlist_check(l, "-accel", keys, &err)) {
        optlist_free(l);
        return fail(err);
    }
    g_free(c->accel);
    c->accel = g_strdup(optlist_get(l, "accel"));
    optlist_free(l);
    return 0;
}

static int parse_display(struct cli *c, const char *arg)
{
    if (!strcmp(arg, "none") || g_str_has_prefix(arg, "none,")) {
        c->display_none = true;
        return 0;
    }
    return fail(g_strdup_printf("-display %s: only 'none' is available in this build", arg));
}

/* -icount shift=N[,align=off][,sleep=on|off] or -icount N */
static int parse_icount(struct cli *c, const char *arg)
{
    char *err = NULL;
    struct optlist *l = optlist_parse(arg, "shift", &err);
    static const char *const keys[] = { "shift", "align", "sleep", NULL };
    if (!l || optlist_check(l, "-icount", keys, &err)) {
        optlist_free(l);
        return fail(err);
    }
    const char *shift = optlist_get(l, "shift"), *align = optlist_get(l, "align");
    uint64_t n;
    int rc = 0;
    if (!shift || parse_uint(shift, 10, &n))
        rc = fail(g_strdup_printf("-icount: shift must be a number from 0 to 10%s",
                                  shift && !strcmp(shift, "auto") ? " ('auto' is not supported)" : ""));
    else if (align && strcmp(align, "off"))
        rc = fail(g_strdup("-icount: align=on is not supported"));
    else
        c->icount_shift = (int)n;
    optlist_free(l);
    return rc;
}

/* -boot order/once: QEMU's drive letters; the PC (its CMOS boot bytes)
 * takes a, b (floppy), c (disk), d (CD-ROM), n (network), three at most. */
static int parse_boot_devices(const char *key, const char *s, char out[16])
{
    unsigned seen = 0, n = 0;
    for (const char *p = s; *p; p++) {
        if (*p < 'a' || *p > 'p')
            return fail(g_strdup_printf("-boot %s=%s: Invalid boot device '%c'", key, s, *p));
        if (seen & (1u << (*p - 'a')))
            return fail(g_strdup_printf("-boot %s=%s: Boot device '%c' was given twice", key,
                                        s, *p));
        seen |= 1u << (*p - 'a');
        if (!strchr("abcdn", *p))
            return fail(g_strdup_printf("-boot %s=%s: Invalid boot device for PC: '%c'", key,
                                        s, *p));
        n++;
    }
    if (n == 0)
        return fail(g_strdup_printf("-boot %s=: no boot device given", key));
    if (n > 3)
        return fail(g_strdup_printf("-boot %s=%s: Too many boot devices for PC", key, s));
    snprintf(out, 16, "%s", s);
    return 0;
}

/* A millisecond value from lo (-1 or 0) to 65535, as QEMU bounds them. */
static int parse_boot_ms(const char *key, const char *v, int lo, int *out)
{
    uint64_t n;
    if (lo < 0 && !strcmp(v, "-1")) {
        *out = -1;
        return 0;
    }
    if (parse_uint(v, 0xffff, &n))
        return fail(g_strdup_printf("-boot %s=%s: it should be a value between %d and 65535",
                                    key, v, lo));
    *out = (int)n;
    return 0;
}

/* -boot [order=]DRIVES[,once=DRIVES][,menu=on|off][,splash=FILE]
 *       [,splash-time=MS][,reboot-timeout=MS][,strict=on|off]
 * Several -boot options merge, later keys winning, as in QEMU. */
static int parse_boot(struct cli *c, const char *arg)
{
    char *err = NULL;
    struct optlist *l = optlist_parse(arg, "order", &err);
    static const char *const keys[] = { "order", "once", "menu", "splash", "splash-time",
                                        "reboot-timeout", "strict", NULL };
    int rc = -1;
    if (!l || optlist_check(l, "-boot", keys, &err)) {
        rc = fail(err);
        goto out;
    }
    const char *v;
    if ((v = optlist_get(l, "order")) && parse_boot_devices("order", v, c->boot.order))
        goto out;
    if ((v = optlist_get(l, "once")) && parse_boot_devices("once", v, c->boot.once))
        goto out;
    if ((v = optlist_get(l, "menu")) && parse_bool(v, &c->boot.menu)) {
        rc = fail(g_strdup_printf("-boot menu=%s: expects on or off", v));
        goto out;
    }
    if ((v = optlist_get(l, "strict")) && parse_bool(v, &c->boot.strict)) {
        rc = fail(g_strdup_printf("-boot strict=%s: expects on or off", v));
        goto out;
    }
    if ((v = optlist_get(l, "splash-time")) &&
        parse_boot_ms("splash-time", v, 0, &c->boot.splash_time))
        goto out;
    if ((v = optlist_get(l, "reboot-timeout")) &&
        parse_boot_ms("reboot-timeout", v, -1, &c->boot.reboot_timeout))
        goto out;
    if ((v = optlist_get(l, "splash")))
        warn_report("-boot splash=%s: boot splash images are not supported; ignored", v);
    rc = 0;
out:
    optlist_free(l);
    return rc;
}

static void add_drive_arg(struct cli *c, const char *opt, const char *arg)
{
    struct drive_arg *d = g_new(struct drive_arg, 1);
    d->opt = g_strdup(opt);
    d->arg = g_strdup(arg);
    g_ptr_array_add(c->drives, d);
}

static void drive_arg_free(gpointer p)
{
    struct drive_arg *d = p;
    g_free(d->opt);
    g_free(d->arg);
    g_free(d);
}

static int parse_one(struct cli *c, const char *opt, const char *arg)
{
    if (!strcmp(opt, "boot"))
        return parse_boot(c, arg);
    if (!strcmp(opt, "drive") || !strcmp(opt, "cdrom") ||
        (strlen(opt) == 3 && g_str_has_prefix(opt, "hd"))) {
        add_drive_arg(c, opt, arg);
        return 0;
    }
    if (!strcmp(opt, "m"))
        return parse_mem(c, arg);
    if (!strcmp(opt, "smp"))
        return parse_smp(c, arg);
    if (!strcmp(opt, "machine") || !strcmp(opt, "M"))
        return parse_machine(c, arg);
    if (!strcmp(opt, "accel"))
        return parse_accel(c, arg);
    if (!strcmp(opt, "display"))
        return parse_display(c, arg);
    if (!strcmp(opt, "icount"))
        return parse_icount(c, arg);
    if (!strcmp(opt, "smbios")) {
        char *err = NULL;
        return smbios_parse_opt(&c->smbios, arg, &err) ? fail(err) : 0;
    }
    if (!strcmp(opt, "vga"))
        return strcmp(arg, "none")
                   ? fail(g_strdup_printf("-vga %s: no VGA card in this build (use -vga none)",
                                          arg))
                   : 0;
    if (!strcmp(opt, "global")) {
        warn_report("-global %s: ignored (no such property)", arg);
        return 0;
    }
    char **slot = !strcmp(opt, "cpu") ? &c->cpu_model
                  : !strcmp(opt, "kernel") ? &c->kernel
                  : !strcmp(opt, "initrd") ? &c->initrd
                  : !strcmp(opt, "append") ? &c->append
                  : !strcmp(opt, "bios") ? &c->bios
                  : !strcmp(opt, "debugcon") ? &c->debugcon
                  : !strcmp(opt, "name") ? &c->name
                  : !strcmp(opt, "rtc") ? &c->rtc
                  : !strcmp(opt, "uuid") ? &c->uuid
                  : !strcmp(opt, "pidfile") ? &c->pidfile
                  : !strcmp(opt, "d") ? &c->log_items
                  : !strcmp(opt, "D") ? &c->log_file
                  : NULL;
    if (slot) {
        g_free(*slot);
        *slot = g_strdup(arg);
        return 0;
    }
    GPtrArray *list = !strcmp(opt, "serial") ? c->serial
                      : !strcmp(opt, "chardev") ? c->chardevs
                      : !strcmp(opt, "device") ? c->devices
                      : !strcmp(opt, "L") ? c->firmware_dirs
                      : !strcmp(opt, "qmp") ? c->qmp
                      : !strcmp(opt, "mon") ? c->mon
                      : !strcmp(opt, "monitor") ? c->monitor
                      : NULL;
    if (!strcmp(opt, "qmp-pretty")) {
        /* QEMU's -qmp-pretty: QMP with indented output. */
        g_ptr_array_add(c->qmp, g_strconcat("pretty:", arg, NULL));
        return 0;
    }
    g_assert(list);
    g_ptr_array_add(list, g_strdup(arg));
    return 0;
}

/* Returns 0 to run, 1 to exit successfully (help/version), -1 on error. */
static int parse_args(struct cli *c, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1]) {
            /* QEMU treats a bare argument as -hda. */
            add_drive_arg(c, "hda", a);
            continue;
        }
        const char *opt = a + (a[1] == '-' ? 2 : 1);
        if (in_list(no_arg, opt)) {
            if (!strcmp(opt, "h") || !strcmp(opt, "help")) {
                usage();
                return 1;
            }
            if (!strcmp(opt, "version")) {
                version();
                return 1;
            }
            if (!strcmp(opt, "nographic"))
                c->nographic = true;
            else if (!strcmp(opt, "nodefaults"))
                c->nodefaults = true;
            else if (!strcmp(opt, "no-reboot"))
                c->no_reboot = true;
            else if (!strcmp(opt, "no-shutdown"))
                c->no_shutdown = true;
            else if (!strcmp(opt, "S"))
                c->prelaunch = true;
            else if (!strcmp(opt, "daemonize"))
                c->daemonize = true;
            /* -no-user-config: hvemu reads no configuration files anyway. */
            else if (!strcmp(opt, "enable-kvm")) {
                g_free(c->accel);
                c->accel = g_strdup("kvm");
            }
            continue;
        }
        if (!in_list(with_arg, opt))
            return fail(g_strdup_printf("%s: invalid option", a));
        if (i + 1 >= argc)
            return fail(g_strdup_printf("%s: requires an argument", a));
        if (parse_one(c, opt, argv[++i]))
            return -1;
    }
    return 0;
}

/* ---- turning options into a machine ---- */

struct run {
    struct cli *cli;
    struct machine *m;
    struct pc *pc;
    struct chardev_host host;
    GPtrArray *named; /* struct named_chardev */
    GPtrArray *owned; /* chardevs to free */
    struct pc_config cfg;
    char **accel_names;
    struct monitor *mon;
    unsigned nmon; /* compat_monitorN labels */
};

static void quit_cb(void *opaque)
{
    machine_request(opaque, REQ_QUIT, 0);
}

static struct chardev *find_chardev(struct run *r, const char *id)
{
    for (guint i = 0; i < r->named->len; i++) {
        struct named_chardev *n = r->named->pdata[i];
        if (!strcmp(n->id, id))
            return n->cd;
    }
    return NULL;
}

static int open_chardevs(struct run *r)
{
    for (guint i = 0; i < r->cli->chardevs->len; i++) {
        char *err = NULL, *id = NULL;
        struct chardev *cd = chardev_new_opts(&r->host, r->cli->chardevs->pdata[i], &id, &err);
        if (!cd)
            return fail(g_strdup_printf("-chardev %s: %s", (char *)r->cli->chardevs->pdata[i],
                                        err ? err : "failed"));
        if (find_chardev(r, id)) {
            chardev_free(cd);
            int rc = fail(g_strdup_printf("-chardev: duplicate id '%s'", id));
            g_free(id);
            return rc;
        }
        struct named_chardev *n = g_new0(struct named_chardev, 1);
        n->id = id;
        n->cd = cd;
        g_ptr_array_add(r->named, n);
        g_ptr_array_add(r->owned, cd);
    }
    return 0;
}

/* A -serial / -debugcon spec: "chardev:ID" or a backend spec. */
static int open_spec(struct run *r, const char *what, const char *spec, struct chardev **out)
{
    if (g_str_has_prefix(spec, "chardev:")) {
        *out = find_chardev(r, spec + 8);
        if (!*out)
            return fail(g_strdup_printf("%s %s: no chardev with id '%s'", what, spec, spec + 8));
        return 0;
    }
    if (!strcmp(spec, "vc") || g_str_has_prefix(spec, "vc:")) {
        *out = NULL; /* no graphical console yet: output goes nowhere */
        return 0;
    }
    char *err = NULL;
    char label[32];
    snprintf(label, sizeof(label), "%s%u", what + 1, r->owned->len);
    *out = chardev_new(&r->host, label, spec, &err);
    if (!*out && err)
        return fail(g_strdup_printf("%s %s: %s", what, spec, err));
    if (*out)
        g_ptr_array_add(r->owned, *out);
    return 0;
}

static int setup_serial(struct run *r)
{
    struct cli *c = r->cli;
    if (c->serial->len > PC_MAX_SERIAL)
        return fail(g_strdup_printf("-serial: at most %d serial ports", PC_MAX_SERIAL));
    for (guint i = 0; i < c->serial->len; i++) {
        const char *spec = c->serial->pdata[i];
        if (!strcmp(spec, "none"))
            continue;
        if (open_spec(r, "-serial", spec, &r->cfg.serial[i].cd))
            return -1;
        r->cfg.serial[i].present = true;
    }
    if (!c->serial->len && !c->nodefaults) {
        /* QEMU: -nographic puts serial0 (muxed with the monitor) on stdio;
         * otherwise serial0 is on the graphical console. */
        if (open_spec(r, "-serial", c->nographic ? "mon:stdio" : "vc", &r->cfg.serial[0].cd))
            return -1;
        r->cfg.serial[0].present = true;
    }
    return 0;
}

static int free_serial_index(struct run *r)
{
    for (int i = 0; i < PC_MAX_SERIAL; i++)
        if (!r->cfg.serial[i].present)
            return i;
    return -1;
}

static int setup_device(struct run *r, const char *arg)
{
    char *err = NULL;
    const char *comma = strchr(arg, ',');
    char *driver = comma ? g_strndup(arg, comma - arg) : g_strdup(arg);
    const char *rest = comma ? comma + 1 : "";
    int rc = 0;
    if (!strcmp(driver, "isa-debug-exit")) {
        if (r->cfg.ndebug_exit == PC_MAX_DEBUG_EXIT) {
            rc = fail(g_strdup("-device isa-debug-exit: too many"));
        } else {
            struct pc_debug_exit *d = &r->cfg.debug_exit[r->cfg.ndebug_exit];
            if (debug_exit_parse_opts(rest, &d->iobase, &d->iosize, &err))
                rc = fail(g_strdup_printf("-device %s: %s", arg, err));
            else
                r->cfg.ndebug_exit++;
        }
    } else if (!strcmp(driver, "isa-debugcon")) {
        char *id = NULL;
        if (debugcon_parse_opts(rest, &r->cfg.debugcon_iobase, &id, &err)) {
            rc = fail(g_strdup_printf("-device %s: %s", arg, err));
        } else {
            r->cfg.debugcon = true;
            r->cfg.debugcon_cd = id ? find_chardev(r, id) : NULL;
            if (id && !r->cfg.debugcon_cd)
                rc = fail(g_strdup_printf("-device %s: no chardev with id '%s'", arg, id));
        }
        g_free(id);
    } else if (!strcmp(driver, "isa-serial")) {
        struct optlist *l = optlist_parse(rest, NULL, &err);
        static const char *const keys[] = { "chardev", "index", "id", NULL };
        if (!l || optlist_check(l, "-device isa-serial", keys, &err)) {
            rc = fail(err);
        } else {
            const char *idx = optlist_get(l, "index"), *cid = optlist_get(l, "chardev");
            uint64_t n = 0;
            int slot = idx ? (parse_uint(idx, PC_MAX_SERIAL - 1, &n) ? -2 : (int)n)
                           : free_serial_index(r);
            if (slot < 0 || r->cfg.serial[slot].present)
                rc = fail(g_strdup_printf("-device %s: no free serial port index", arg));
            else if (cid && !find_chardev(r, cid))
                rc = fail(g_strdup_printf("-device %s: no chardev with id '%s'", arg, cid));
            else
                r->cfg.serial[slot] = (struct pc_serial){ true, cid ? find_chardev(r, cid) : NULL };
        }
        optlist_free(l);
    } else {
        rc = fail(g_strdup_printf("-device %s: unknown device '%s'", arg, driver));
    }
    g_free(driver);
    return rc;
}

/* -rtc base=utc|localtime|YYYY-MM-DD[THH:MM:SS] */
static int rtc_base(const char *arg, int64_t *out)
{
    time_t now = time(NULL);
    *out = now;
    if (!arg)
        return 0;
    char *err = NULL;
    struct optlist *l = optlist_parse(arg, NULL, &err);
    static const char *const keys[] = { "base", "clock", "driftfix", NULL };
    if (!l || optlist_check(l, "-rtc", keys, &err)) {
        optlist_free(l);
        return fail(err);
    }
    const char *base = optlist_get(l, "base"), *clk = optlist_get(l, "clock");
    const char *drift = optlist_get(l, "driftfix");
    int rc = 0;
    if (clk && strcmp(clk, "host") && strcmp(clk, "rt") && strcmp(clk, "vm")) {
        rc = fail(g_strdup_printf("-rtc: invalid clock '%s' (host, rt or vm)", clk));
    } else if (drift && strcmp(drift, "none") && strcmp(drift, "slew")) {
        rc = fail(g_strdup_printf("-rtc: invalid driftfix '%s' (none or slew)", drift));
    } else if (!base || !strcmp(base, "utc")) {
        *out = now;
    } else if (!strcmp(base, "localtime")) {
        struct tm tm;
        localtime_r(&now, &tm);
        *out = now + tm.tm_gmtoff;
    } else {
        struct tm tm = { 0 };
        const char *end = strptime(base, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!end || *end) {
            memset(&tm, 0, sizeof(tm));
            end = strptime(base, "%Y-%m-%d", &tm);
        }
        if (!end || *end)
            rc = fail(g_strdup_printf("-rtc: invalid base '%s' (utc, localtime or "
                                      "YYYY-MM-DDTHH:MM:SS)", base));
        else
            *out = timegm(&tm);
    }
    optlist_free(l);
    return rc;
}

static char *find_firmware(struct cli *c, const char *name)
{
    for (guint i = 0; i < c->firmware_dirs->len; i++) {
        char *p = g_build_filename(c->firmware_dirs->pdata[i], name, NULL);
        if (g_file_test(p, G_FILE_TEST_IS_REGULAR))
            return p;
        g_free(p);
    }
    char *p = g_build_filename(HVEMU_FIRMWARE_DIR, name, NULL);
    if (g_file_test(p, G_FILE_TEST_IS_REGULAR))
        return p;
    g_free(p);
    return NULL;
}

/* ---- drives: -drive, -hda..-hdd, -cdrom, and -boot into pc_config ---- */

struct drive_spec {
    const char *file;   /* NULL: no medium (CD-ROM only) */
    const char *format;
    const char *id;
    int index;          /* -1: bus/unit or the first free one */
    int bus, unit;      /* -1: not given */
    enum pc_media media;
    bool readonly, no_lock;
    enum blk_cache cache;
};

static const char *const cache_names[] = {
    [BLK_CACHE_WRITEBACK] = "writeback", [BLK_CACHE_WRITETHROUGH] = "writethrough",
    [BLK_CACHE_NONE] = "none", [BLK_CACHE_UNSAFE] = "unsafe",
    [BLK_CACHE_DIRECTSYNC] = "directsync",
};

/* QEMU's identifier rule: a letter, then letters, digits, '-', '.', '_'. */
static bool valid_id(const char *s)
{
    if (!g_ascii_isalpha(*s) || strlen(s) >= sizeof(((struct pc_drive *)0)->id))
        return false;
    for (; *s; s++)
        if (!g_ascii_isalnum(*s) && !strchr("-._", *s))
            return false;
    return true;
}

static int drive_index_opt(const struct optlist *l, const char *key, uint64_t max, int *out,
                           char **err)
{
    const char *v = optlist_get(l, key);
    uint64_t n;
    *out = -1;
    if (!v)
        return 0;
    if (parse_uint(v, max, &n)) {
        *err = g_strdup_printf("%s=%s: IDE has %s 0 to %llu", key, v,
                               !strcmp(key, "index") ? "indexes" : !strcmp(key, "bus")
                                                                     ? "buses" : "units",
                               (unsigned long long)max);
        return -1;
    }
    *out = (int)n;
    return 0;
}

/* -drive's keys into a spec; *err without the "-drive ARG: " prefix. */
static int parse_drive_opts(const struct optlist *l, struct drive_spec *s, char **err)
{
    static const char *const keys[] = { "file", "format", "if", "index", "bus", "unit",
                                        "media", "readonly", "cache", "id", "file.locking",
                                        "aio", NULL };
    if (optlist_check(l, "-drive", keys, err))
        return -1;
    const char *v;
    s->file = optlist_get(l, "file");
    s->format = optlist_get(l, "format");
    s->id = optlist_get(l, "id");
    if ((v = optlist_get(l, "if")) && strcmp(v, "ide")) {
        *err = g_strdup_printf("if=%s is not supported (only if=ide)", v);
        return -1;
    }
    if (drive_index_opt(l, "index", PC_MAX_IDE - 1, &s->index, err) ||
        drive_index_opt(l, "bus", 1, &s->bus, err) || drive_index_opt(l, "unit", 1, &s->unit, err))
        return -1;
    if (s->index >= 0 && (s->bus >= 0 || s->unit >= 0)) {
        *err = g_strdup("index cannot be used with bus and unit");
        return -1;
    }
    if ((v = optlist_get(l, "media")) && strcmp(v, "disk") && strcmp(v, "cdrom")) {
        *err = g_strdup_printf("invalid media '%s' (disk or cdrom)", v);
        return -1;
    }
    s->media = v && !strcmp(v, "cdrom") ? PC_MEDIA_CDROM : PC_MEDIA_DISK;
    if ((v = optlist_get(l, "readonly")) && parse_bool(v, &s->readonly)) {
        *err = g_strdup_printf("readonly=%s: expects on or off", v);
        return -1;
    }
    if ((v = optlist_get(l, "cache"))) {
        size_t i = 0;
        while (i < ARRAY_SIZE(cache_names) && strcmp(v, cache_names[i]))
            i++;
        if (i == ARRAY_SIZE(cache_names)) {
            *err = g_strdup_printf("invalid cache mode '%s' (writeback, writethrough, none, "
                                   "unsafe or directsync)", v);
            return -1;
        }
        s->cache = (enum blk_cache)i;
    }
    bool lock = true;
    if ((v = optlist_get(l, "file.locking")) && strcmp(v, "auto") && parse_bool(v, &lock)) {
        *err = g_strdup_printf("file.locking=%s: expects on, off or auto", v);
        return -1;
    }
    s->no_lock = !lock;
    /* Requests run on worker threads whatever aio= says. */
    if ((v = optlist_get(l, "aio")) && strcmp(v, "threads") && strcmp(v, "native") &&
        strcmp(v, "io_uring")) {
        *err = g_strdup_printf("invalid aio '%s' (threads, native or io_uring)", v);
        return -1;
    }
    if (s->id && !valid_id(s->id)) {
        *err = g_strdup_printf("id=%s: invalid id (at most 31 letters, digits, '-', '.', "
                               "'_', starting with a letter)", s->id);
        return -1;
    }
    return 0;
}

/* The IDE index a spec lands on: given, from bus/unit, or the first free
 * one from the given bus on, as QEMU assigns them. */
static int drive_slot(const struct run *r, const struct drive_spec *s, char **err)
{
    int index = s->index;
    if (index < 0 && s->unit >= 0)
        index = 2 * (s->bus >= 0 ? s->bus : 0) + s->unit;
    if (index < 0) {
        for (int i = 2 * (s->bus >= 0 ? s->bus : 0); i < PC_MAX_IDE; i++)
            if (!r->cfg.ide[i].present)
                return i;
        *err = g_strdup_printf("no free IDE slot (%d drives at most)", PC_MAX_IDE);
        return -1;
    }
    if (r->cfg.ide[index].present) {
        *err = g_strdup_printf("drive index %d is already in use", index);
        return -1;
    }
    return index;
}

static int add_drive(struct run *r, const struct drive_spec *s, char **err)
{
    int index = drive_slot(r, s, err);
    if (index < 0)
        return -1;
    struct pc_drive *d = &r->cfg.ide[index];
    if (s->id) {
        for (int i = 0; i < PC_MAX_IDE; i++) {
            if (r->cfg.ide[i].present && !strcmp(r->cfg.ide[i].id, s->id)) {
                *err = g_strdup_printf("Duplicate ID '%s' for drive", s->id);
                return -1;
            }
        }
    }
    bool cd = s->media == PC_MEDIA_CDROM;
    if (!cd && (!s->file || !*s->file)) {
        *err = g_strdup("a disk drive needs file=PATH");
        return -1;
    }
    struct blk *blk = NULL;
    if (s->file && *s->file) {
        struct blk_env env = { r->m->ctx, &r->m->lock };
        /* A CD-ROM is read-only media whatever the options say. */
        struct blk_opts o = { s->file, s->format, s->readonly || cd, s->cache, s->no_lock };
        blk = blk_open(&env, &o, err);
        if (!blk)
            return -1;
    }
    d->present = true;
    d->media = s->media;
    d->blk = blk;
    if (s->id)
        snprintf(d->id, sizeof(d->id), "%s", s->id);
    else
        snprintf(d->id, sizeof(d->id), "ide%d-%s%d", index / 2, cd ? "cd" : "hd", index % 2);
    return 0;
}

static int setup_one_drive(struct run *r, const struct drive_arg *a)
{
    struct drive_spec s = { .index = -1, .bus = -1, .unit = -1 };
    char *err = NULL;
    struct optlist *l = NULL;
    int rc = 0;
    if (!strcmp(a->opt, "drive")) {
        l = optlist_parse(a->arg, NULL, &err);
        if (!l || parse_drive_opts(l, &s, &err))
            rc = -1;
    } else {
        /* -hda..-hdd FILE, -cdrom FILE: QEMU's index=N shorthands. */
        bool cd = !strcmp(a->opt, "cdrom");
        s.file = a->arg;
        s.index = cd ? 2 : a->opt[2] - 'a';
        s.media = cd ? PC_MEDIA_CDROM : PC_MEDIA_DISK;
    }
    if (!rc && add_drive(r, &s, &err))
        rc = -1;
    if (rc) {
        /* The option's own error already names the option. */
        if (err && g_str_has_prefix(err, "-drive: "))
            rc = fail(g_strdup_printf("-drive %s: %s", a->arg, err + 8));
        else
            rc = fail(g_strdup_printf("-%s %s: %s", a->opt, a->arg, err));
        g_free(err);
    }
    optlist_free(l);
    return rc;
}

static int setup_drives(struct run *r)
{
    struct cli *c = r->cli;
    for (guint i = 0; i < c->drives->len; i++)
        if (setup_one_drive(r, c->drives->pdata[i]))
            return -1;
    /* QEMU's PC has an empty CD-ROM drive at ide1-cd0 unless told
     * otherwise: firmware and installers look for it. */
    if (!c->nodefaults && !r->cfg.ide[2].present)
        r->cfg.ide[2] = (struct pc_drive){ .present = true, .media = PC_MEDIA_CDROM,
                                           .id = "ide1-cd0" };
    snprintf(r->cfg.boot_order, sizeof(r->cfg.boot_order), "%s",
             c->boot.order[0] ? c->boot.order : "cad");
    snprintf(r->cfg.boot_once, sizeof(r->cfg.boot_once), "%s", c->boot.once);
    r->cfg.boot_menu = c->boot.menu;
    r->cfg.boot_strict = c->boot.strict;
    r->cfg.boot_splash_time = c->boot.splash_time;
    r->cfg.boot_reboot_timeout = c->boot.reboot_timeout;
    return 0;
}

/* At exit, after the vCPUs stopped: let requests in flight finish into
 * the devices that issued them (lock not held). */
static void drain_drives(struct run *r)
{
    for (int i = 0; i < PC_MAX_IDE; i++)
        if (r->cfg.ide[i].blk)
            blk_drain(r->cfg.ide[i].blk);
}

/* After the devices are gone. */
static void close_drives(struct run *r)
{
    for (int i = 0; i < PC_MAX_IDE; i++) {
        blk_close(r->cfg.ide[i].blk);
        r->cfg.ide[i].blk = NULL;
    }
}

static int setup_config(struct run *r, char **bios_path)
{
    struct cli *c = r->cli;
    if (open_chardevs(r) || setup_serial(r) || setup_drives(r))
        return -1;
    for (guint i = 0; i < c->devices->len; i++)
        if (setup_device(r, c->devices->pdata[i]))
            return -1;
    if (c->debugcon) {
        if (r->cfg.debugcon)
            return fail(g_strdup("-debugcon: an isa-debugcon device is already configured"));
        r->cfg.debugcon = true;
        r->cfg.debugcon_iobase = 0x402;
        if (open_spec(r, "-debugcon", c->debugcon, &r->cfg.debugcon_cd))
            return -1;
    }
    if (rtc_base(c->rtc, &r->cfg.rtc_base))
        return -1;
    if (!c->kernel && (c->initrd || c->append))
        return fail(g_strdup(c->initrd ? "-initrd only makes sense with -kernel"
                                       : "-append only makes sense with -kernel"));
    r->cfg.smbios = &c->smbios;
    r->cfg.kernel = c->kernel;
    r->cfg.initrd = c->initrd;
    r->cfg.append = c->append;
    if (c->bios) {
        if (!strchr(c->bios, '/') && (*bios_path = find_firmware(c, c->bios)))
            r->cfg.bios = *bios_path;
        else
            r->cfg.bios = c->bios;
    } else if (!c->kernel && !c->machine_none) {
        /* QEMU's pc machine uses the 256 KiB build (more features); Debian
         * ships both. */
        *bios_path = find_firmware(c, "bios-256k.bin");
        if (!*bios_path)
            *bios_path = find_firmware(c, "bios.bin");
        if (!*bios_path)
            return fail(g_strdup("no firmware: bios-256k.bin or bios.bin not found in the "
                                 "firmware path (install Debian package seabios, or use "
                                 "-bios FILE or -kernel FILE)"));
        r->cfg.bios = *bios_path;
    }
    return 0;
}

static gboolean on_signal(gpointer opaque)
{
    machine_request(opaque, REQ_QUIT, SHUTDOWN_CAUSE_HOST_SIGNAL);
    return G_SOURCE_CONTINUE;
}

/* -qmp / -monitor DEV: a chardev of its own, labelled as QEMU does. */
static int open_monitor_spec(struct run *r, const char *what, const char *spec, bool qmp)
{
    bool pretty = g_str_has_prefix(spec, "pretty:");
    if (pretty)
        spec += 7;
    struct chardev *cd = NULL;
    if (g_str_has_prefix(spec, "chardev:")) {
        cd = find_chardev(r, spec + 8);
        if (!cd)
            return fail(g_strdup_printf("%s %s: no chardev with id '%s'", what, spec, spec + 8));
    } else {
        char *err = NULL;
        char *label = g_strdup_printf("compat_monitor%u", r->nmon++);
        cd = chardev_new(&r->host, label, spec, &err);
        g_free(label);
        if (!cd && err)
            return fail(g_strdup_printf("%s %s: %s", what, spec, err));
        if (!cd)
            return 0; /* none */
        g_ptr_array_add(r->owned, cd);
    }
    if (qmp)
        monitor_add_qmp(r->mon, cd, pretty);
    else
        monitor_add_hmp(r->mon, cd);
    return 0;
}

/* -mon [chardev=]ID[,mode=readline|control][,pretty=on|off] */
static int open_mon(struct run *r, const char *arg)
{
    char *err = NULL;
    struct optlist *l = optlist_parse(arg, "chardev", &err);
    static const char *const keys[] = { "chardev", "mode", "pretty", "id", NULL };
    if (!l || optlist_check(l, "-mon", keys, &err)) {
        optlist_free(l);
        return fail(err);
    }
    const char *id = optlist_get(l, "chardev"), *mode = optlist_get(l, "mode");
    const char *pretty = optlist_get(l, "pretty");
    bool pr = false;
    struct chardev *cd = id ? find_chardev(r, id) : NULL;
    int rc = 0;
    if (!id)
        rc = fail(g_strdup_printf("-mon %s: needs chardev=ID", arg));
    else if (!cd)
        rc = fail(g_strdup_printf("-mon %s: no chardev with id '%s'", arg, id));
    else if (mode && strcmp(mode, "control") && strcmp(mode, "readline"))
        rc = fail(g_strdup_printf("-mon %s: mode must be 'control' or 'readline'", arg));
    else if (pretty && parse_bool(pretty, &pr))
        rc = fail(g_strdup_printf("-mon %s: pretty expects on or off", arg));
    else if (mode && !strcmp(mode, "control"))
        monitor_add_qmp(r->mon, cd, pr);
    else
        monitor_add_hmp(r->mon, cd);
    optlist_free(l);
    return rc;
}

static int setup_monitors(struct run *r)
{
    struct cli *c = r->cli;
    r->mon = monitor_new(r->m);
    for (guint i = 0; i < c->qmp->len; i++)
        if (open_monitor_spec(r, "-qmp", c->qmp->pdata[i], true))
            return -1;
    for (guint i = 0; i < c->monitor->len; i++)
        if (open_monitor_spec(r, "-monitor", c->monitor->pdata[i], false))
            return -1;
    for (guint i = 0; i < c->mon->len; i++)
        if (open_mon(r, c->mon->pdata[i]))
            return -1;
    /* mon:stdio (given, or the -nographic default) shares the line with
     * the human monitor; Ctrl-A c switches. */
    for (guint i = 0; i < c->serial->len && i < PC_MAX_SERIAL; i++)
        if (g_str_has_prefix(c->serial->pdata[i], "mon:") && r->cfg.serial[i].cd)
            monitor_add_hmp(r->mon, r->cfg.serial[i].cd);
    if (!c->serial->len && !c->nodefaults && c->nographic && r->cfg.serial[0].cd)
        monitor_add_hmp(r->mon, r->cfg.serial[0].cd);
    for (guint i = 0; i < r->owned->len; i++)
        monitor_register_chardev(r->mon, r->owned->pdata[i]);
    return 0;
}

/* -uuid xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx */
static int parse_uuid(const char *s, uint8_t out[16])
{
    if (strlen(s) != 36)
        return -1;
    for (int i = 0, k = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash) {
            if (s[i] != '-')
                return -1;
            continue;
        }
        if (!g_ascii_isxdigit(s[i]) || !g_ascii_isxdigit(s[i + 1]))
            return -1;
        out[k++] = (uint8_t)(g_ascii_xdigit_value(s[i]) << 4 | g_ascii_xdigit_value(s[i + 1]));
        i++;
    }
    return 0;
}

static int setup_machine(struct run *r)
{
    struct cli *c = r->cli;
    char *err = NULL;
    /* "kvm:tcg" lists accelerators to try in order, as QEMU does; the
     * default is KVM, falling back to the soft CPU. */
    char **names = g_strsplit(c->accel ? c->accel : "kvm:soft", ":", -1);
    for (char **n = names; *n; n++) {
        if (!accel_find(*n)) {
            int rc = fail(g_strdup_printf("-accel %s: unknown accelerator (available: kvm, "
                                          "soft (alias tcg), test)", *n));
            g_strfreev(names);
            return rc;
        }
    }
    r->accel_names = names;
    r->m = machine_new(c->ram_size, c->icount_shift >= 0 ? VCLOCK_ICOUNT : VCLOCK_HOST, &err);
    if (!r->m)
        return fail(err);
    struct machine *m = r->m;
    m->ctx = g_main_context_default();
    m->smp_cpus = c->smp;
    m->icount_shift = c->icount_shift >= 0 ? (unsigned)c->icount_shift : 0;
    m->cpu_model = g_strdup(c->cpu_model);
    m->name = g_strdup(c->name);
    m->no_reboot = c->no_reboot;
    m->no_shutdown = c->no_shutdown;
    if (c->uuid && parse_uuid(c->uuid, m->uuid))
        return fail(g_strdup_printf("-uuid %s: invalid UUID (expected "
                                    "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", c->uuid));
    if (c->log_file && log_set_file(&m->log, c->log_file, &err))
        return fail(err);
    if (c->log_items && log_parse(&m->log, c->log_items, &err))
        return fail(err);
    /* Trace switches are read at creation time by the address spaces too. */
    m->io.trace_unassigned = m->mem.trace_unassigned = trace_on(&m->log, "unassigned");
    return 0;
}

/* Initialise the first accelerator of the list that works here. */
static int init_accel(struct run *r)
{
    char *err = NULL;
    for (char **n = r->accel_names; *n; n++) {
        r->m->accel = accel_find(*n);
        if (r->m->clock.mode == VCLOCK_ICOUNT && r->m->accel != &accel_soft) {
            /* Only an interpreter can count instructions exactly. */
            if (!n[1] || r->cli->accel) {
                r->m->accel = NULL;
                return fail(g_strdup_printf("-icount needs the soft CPU (-accel soft), not '%s'", *n));
            }
            continue;
        }
        if (!r->m->accel->init(r->m, &err))
            return 0;
        if (!n[1])
            break;
        if (r->cli->accel) /* the user asked for this one: say why we moved on */
            warn_report("%s; falling back to %s", err, n[1]);
        g_free(err);
        err = NULL;
    }
    r->m->accel = NULL;
    return fail(err);
}

/* -daemonize: fork before anything starts a thread.  The parent waits
 * until the child says it is ready (monitors listening, machine built) and
 * exits 0, or exits with the child's status if it failed before that, as
 * QEMU does; the child leaves the session.  Returns the write end of the
 * ready pipe in the child, -1 on error; never returns in the parent. */
static int daemon_fork(void)
{
    int p[2];
    if (pipe(p)) {
        error_report("-daemonize: pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        error_report("-daemonize: fork: %s", strerror(errno));
        return -1;
    }
    if (pid > 0) {
        close(p[1]);
        char b;
        ssize_t n;
        do {
            n = read(p[0], &b, 1);
        } while (n < 0 && errno == EINTR);
        if (n == 1)
            _exit(0);
        int st = 0;
        if (waitpid(pid, &st, 0) == pid && WIFEXITED(st))
            _exit(WEXITSTATUS(st) ? WEXITSTATUS(st) : 1);
        _exit(1);
    }
    close(p[0]);
    setsid();
    return p[1];
}

/* A daemon has no terminal: stdio chardevs make no sense with -daemonize
 * (QEMU refuses them too). */
static bool spec_is_stdio(const char *spec)
{
    if (g_str_has_prefix(spec, "pretty:"))
        spec += 7;
    return !strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio");
}

static bool uses_stdio(const struct cli *c)
{
    GPtrArray *lists[] = { c->serial, c->qmp, c->monitor };
    for (size_t l = 0; l < G_N_ELEMENTS(lists); l++)
        for (guint i = 0; i < lists[l]->len; i++)
            if (spec_is_stdio(lists[l]->pdata[i]))
                return true;
    for (guint i = 0; i < c->chardevs->len; i++) {
        const char *cd = c->chardevs->pdata[i];
        if (!strcmp(cd, "stdio") || g_str_has_prefix(cd, "stdio,"))
            return true;
    }
    if (c->debugcon && spec_is_stdio(c->debugcon))
        return true;
    return c->nographic && !c->nodefaults && !c->serial->len; /* mon:stdio by default */
}

/* The daemon is ready: release the parent, let go of the terminal and the
 * working directory. */
static void daemon_ready(int fd)
{
    if (fd < 0)
        return;
    char b = 0;
    if (write(fd, &b, 1) != 1)
        warn_report("-daemonize: cannot signal the parent: %s", strerror(errno));
    close(fd);
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        if (null > STDERR_FILENO)
            close(null);
    }
    if (chdir("/"))
        warn_report("-daemonize: chdir /: %s", strerror(errno));
}

static int write_pidfile(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return fail(g_strdup_printf("-pidfile %s: %s", path, strerror(errno)));
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
    bool ok = write(fd, buf, (size_t)n) == n;
    close(fd);
    return ok ? 0 : fail(g_strdup_printf("-pidfile %s: write failed", path));
}

/* The board, or nothing for -machine none (a machine with no devices and
 * no CPUs, which only answers on its monitors). */
static int build_board(struct run *r)
{
    char *err = NULL;
    if (r->cli->machine_none) {
        r->m->smp_cpus = 0;
        return 0;
    }
    r->pc = pc_new(r->m, &r->cfg, &err);
    if (!r->pc || pc_power_on(r->pc, &err))
        return fail(err);
    monitor_set_board(r->mon, r->pc);
    monitor_set_keyboard(r->mon, pc_keyboard(r->pc));
    pc_set_tray_listener(r->pc, monitor_tray_moved, r->mon);
    return 0;
}

static int run(struct cli *c)
{
    struct run r = { .cli = c };
    int status = 1, ready_fd = -1;
    char *bios_path = NULL, *err = NULL;
    bool pidfile_written = false;
    r.named = g_ptr_array_new();
    r.owned = g_ptr_array_new();

    if (c->daemonize && uses_stdio(c)) {
        fail(g_strdup("-daemonize: stdio cannot be used by a daemon (no terminal); use "
                      "-nodefaults or another chardev"));
        goto out;
    }
    if (c->daemonize && (ready_fd = daemon_fork()) < 0)
        goto out;
    if (c->pidfile) {
        if (write_pidfile(c->pidfile))
            goto out;
        pidfile_written = true;
    }
    if (setup_machine(&r))
        goto out;
    r.host = (struct chardev_host){ r.m->ctx, &r.m->lock, quit_cb, r.m };
    if (setup_config(&r, &bios_path) || setup_monitors(&r))
        goto out;
    if (init_accel(&r) || build_board(&r))
        goto out;
    g_unix_signal_add(SIGINT, on_signal, r.m);
    g_unix_signal_add(SIGTERM, on_signal, r.m);
    g_unix_signal_add(SIGHUP, on_signal, r.m);
    if (runstate_start(r.m, !c->prelaunch, &err)) {
        fail(err);
        goto out;
    }
    daemon_ready(ready_fd);
    ready_fd = -1;
    status = machine_main_loop(r.m);
out:
    if (ready_fd >= 0)
        close(ready_fd); /* the parent sees EOF and reports our status */
    if (pidfile_written)
        unlink(c->pidfile);
    if (r.m && r.m->accel && r.m->accel->pause && r.m->accel_state)
        r.m->accel->pause(r.m);
    drain_drives(&r);
    monitor_free(r.mon); /* before the chardevs it serves */
    machine_free(r.m); /* stops vCPUs, frees devices and the board */
    close_drives(&r);
    for (guint i = 0; i < r.owned->len; i++)
        chardev_free(r.owned->pdata[i]);
    for (guint i = 0; i < r.named->len; i++) {
        struct named_chardev *n = r.named->pdata[i];
        g_free(n->id);
        g_free(n);
    }
    g_ptr_array_free(r.named, TRUE);
    g_ptr_array_free(r.owned, TRUE);
    g_free(bios_path);
    g_strfreev(r.accel_names);
    return status;
}

static void cli_free(struct cli *c)
{
    g_free(c->cpu_model);
    g_free(c->accel);
    g_free(c->kernel);
    g_free(c->initrd);
    g_free(c->append);
    g_free(c->bios);
    g_free(c->debugcon);
    g_free(c->name);
    g_free(c->rtc);
    g_free(c->uuid);
    g_free(c->pidfile);
    smbios_settings_free(&c->smbios);
    g_ptr_array_free(c->qmp, TRUE);
    g_ptr_array_free(c->mon, TRUE);
    g_ptr_array_free(c->monitor, TRUE);
    g_free(c->log_items);
    g_free(c->log_file);
    g_ptr_array_free(c->serial, TRUE);
    g_ptr_array_free(c->chardevs, TRUE);
    g_ptr_array_free(c->devices, TRUE);
    g_ptr_array_free(c->firmware_dirs, TRUE);
    g_ptr_array_free(c->drives, TRUE);
}

int main(int argc, char **argv)
{
    struct cli c = {
        .ram_size = 128 * MiB,
        .icount_shift = -1,
        .smp = 1,
        .serial = g_ptr_array_new_with_free_func(g_free),
        .chardevs = g_ptr_array_new_with_free_func(g_free),
        .devices = g_ptr_array_new_with_free_func(g_free),
        .firmware_dirs = g_ptr_array_new_with_free_func(g_free),
        .qmp = g_ptr_array_new_with_free_func(g_free),
        .mon = g_ptr_array_new_with_free_func(g_free),
        .monitor = g_ptr_array_new_with_free_func(g_free),
        .drives = g_ptr_array_new_with_free_func(drive_arg_free),
        .boot = { .splash_time = -1, .reboot_timeout = -1 },
    };
    /* A reader that goes away must not kill us in the middle of a write. */
    signal(SIGPIPE, SIG_IGN);
    int rc = parse_args(&c, argc, argv);
    int status = rc < 0 ? 1 : rc > 0 ? 0 : run(&c);
    cli_free(&c);
    return status;
}
