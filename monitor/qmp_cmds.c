/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qmp_cmds.c: the QMP commands, as QEMU documents them in its QMP reference
 * (the qapi schema files of QEMU 7.2, the version hvemu reports), implemented for
 * what the machine has today.  Commands for hardware hvemu does not have
 * yet (display, block devices, VNC, NICs, hot-plug) answer the error or the
 * empty result QEMU gives when that hardware is absent; docs/qmp.md lists
 * each.  The engine (core/qmp.c) has already checked the argument types
 * against each command's table entry.
 *
 * Commands run with the machine lock held.  Run-state changes go through
 * machine_request(); stop and cont are flagged QMP_CMD_WAIT so their reply
 * (like QEMU's) follows the STOP/RESUME event.  Nothing here exits the
 * process, so the fuzzer can run every command. */
#include <errno.h>
#include <fcntl.h>
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

#define MON(req) ((struct monitor *)qmp_req_opaque(req))

static JsonNode *empty_array(void)
{
    return qmp_node_array(json_array_new());
}

/* ---- negotiation and introspection ---- */

static JsonNode *cmd_qmp_capabilities(struct qmp_req *req, JsonObject *args)
{
    if (json_object_has_member(args, "enable")) {
        JsonArray *en = json_object_get_array_member(args, "enable");
        for (guint i = 0; i < json_array_get_length(en); i++) {
            const char *cap = json_array_get_string_element(en, i);
            if (!strcmp(cap, "oob"))
                qmp_req_error(req, QMP_ERR_GENERIC, "Capability 'oob' not available");
            else
                qmp_req_error(req, QMP_ERR_GENERIC,
                              "Parameter 'enable' does not accept value '%s'", cap);
            return NULL;
        }
    }
    qmp_session_negotiated(qmp_req_session(req));
    return NULL;
}

static JsonNode *cmd_query_version(struct qmp_req *req, JsonObject *args)
{
    return qmp_server_version(MON(req)->qmp);
}

static JsonNode *cmd_query_commands(struct qmp_req *req, JsonObject *args)
{
    JsonArray *a = json_array_new();
    for (size_t i = 0; i < qmp_ncommands; i++) {
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "name", qmp_commands[i].name);
        json_array_add_object_element(a, o);
    }
    return qmp_node_array(a);
}

static JsonNode *cmd_query_qmp_schema(struct qmp_req *req, JsonObject *args)
{
    return qmp_schema();
}

/* ---- the machine ---- */

static JsonNode *cmd_query_status(struct qmp_req *req, JsonObject *args)
{
    struct machine *m = MON(req)->m;
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "status", run_state_name(runstate_get(m)));
    json_object_set_boolean_member(o, "singlestep", false);
    json_object_set_boolean_member(o, "running", runstate_is_running(m));
    return qmp_node_object(o);
}

static JsonNode *cmd_query_name(struct qmp_req *req, JsonObject *args)
{
    struct machine *m = MON(req)->m;
    JsonObject *o = json_object_new();
    if (m->name)
        json_object_set_string_member(o, "name", m->name);
    return qmp_node_object(o);
}

static JsonNode *cmd_query_uuid(struct qmp_req *req, JsonObject *args)
{
    const uint8_t *u = MON(req)->m->uuid;
    char s[37];
    snprintf(s, sizeof(s),
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
             u[15]);
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "UUID", s);
    return qmp_node_object(o);
}

static JsonNode *cmd_query_kvm(struct qmp_req *req, JsonObject *args)
{
    struct machine *m = MON(req)->m;
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd >= 0)
        close(fd);
    JsonObject *o = json_object_new();
    json_object_set_boolean_member(o, "enabled", m->accel && !strcmp(m->accel->name, "kvm"));
    json_object_set_boolean_member(o, "present", fd >= 0);
    return qmp_node_object(o);
}

/* thread-id: the host thread running the vCPU (KVM: one per vCPU; the soft
 * CPU runs them all in one thread, so they share its id; the test
 * accelerator has no vCPU threads: 0).  -smp N is N cores of one socket,
 * as QEMU 7.2 lays out a pc machine. */
static JsonNode *cmd_query_cpus_fast(struct qmp_req *req, JsonObject *args)
{
    struct machine *m = MON(req)->m;
    JsonArray *a = json_array_new();
    for (unsigned i = 0; i < m->smp_cpus; i++) {
        JsonObject *props = json_object_new();
        json_object_set_int_member(props, "core-id", i);
        json_object_set_int_member(props, "thread-id", 0);
        json_object_set_int_member(props, "socket-id", 0);
        JsonObject *o = json_object_new();
        json_object_set_int_member(o, "cpu-index", i);
        char *path = g_strdup_printf("/machine/unattached/device[%u]", i);
        json_object_set_string_member(o, "qom-path", path);
        g_free(path);
        json_object_set_int_member(o, "thread-id",
                                   m->accel && m->accel->vcpu_thread_id
                                       ? m->accel->vcpu_thread_id(m, i)
                                       : 0);
        json_object_set_object_member(o, "props", props);
        json_object_set_string_member(o, "target", "x86_64");
        json_array_add_object_element(a, o);
    }
    return qmp_node_array(a);
}

static JsonNode *cmd_query_chardev(struct qmp_req *req, JsonObject *args)
{
    struct monitor *mon = MON(req);
    JsonArray *a = json_array_new();
    for (guint i = 0; i < mon->chardevs->len; i++) {
        struct chardev *cd = mon->chardevs->pdata[i];
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "label", chardev_label(cd));
        json_object_set_string_member(o, "filename", chardev_filename(cd));
        json_object_set_boolean_member(o, "frontend-open", true);
        json_array_add_object_element(a, o);
    }
    return qmp_node_array(a);
}

static JsonNode *cmd_query_machines(struct qmp_req *req, JsonObject *args)
{
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "name", "pc-i440fx-7.2");
    json_object_set_string_member(o, "alias", "pc");
    json_object_set_boolean_member(o, "is-default", true);
    json_object_set_int_member(o, "cpu-max", MAX_VCPUS);
    json_object_set_boolean_member(o, "hotpluggable-cpus", false);
    json_object_set_boolean_member(o, "numa-mem-supported", false);
    json_object_set_boolean_member(o, "deprecated", false);
    json_object_set_string_member(o, "default-cpu-type", "qemu64-x86_64-cpu");
    json_object_set_string_member(o, "default-ram-id", "pc.ram");
    JsonArray *a = json_array_new();
    json_array_add_object_element(a, o);
    return qmp_node_array(a);
}

static JsonNode *cmd_query_target(struct qmp_req *req, JsonObject *args)
{
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "arch", "x86_64");
    return qmp_node_object(o);
}

/* query-pci: QEMU's PciInfo shape, one entry for bus 0.  BAR addresses
 * are where the BAR decodes now (-1 when it does not, as QEMU reports). */
static const char *pci_class_desc(uint16_t cls)
{
    switch (cls) {
    case 0x0101: return "IDE controller";
    case 0x0106: return "SATA controller";
    case 0x0200: return "Ethernet controller";
    case 0x0300: return "VGA controller";
    case 0x0600: return "Host bridge";
    case 0x0601: return "ISA bridge";
    case 0x0680: return "Bridge";
    default: return NULL;
    }
}

static JsonObject *pci_region_info(const struct pci_dev *d, unsigned n)
{
    const struct pci_bar *b = n < PCI_NUM_BARS ? &d->bars[n] : &d->rom;
    JsonObject *o = json_object_new();
    bool io = b->type & PCI_BAR_IO;
    json_object_set_int_member(o, "bar", n);
    json_object_set_string_member(o, "type", io ? "io" : "memory");
    json_object_set_int_member(o, "address", b->addr == PCI_BAR_UNMAPPED ? -1 : (gint64)b->addr);
    json_object_set_int_member(o, "size", (gint64)b->region->size);
    if (!io && n < PCI_NUM_BARS) {
        json_object_set_boolean_member(o, "prefetch", b->type & PCI_BAR_MEM_PREFETCH);
        json_object_set_boolean_member(o, "mem_type_64", b->type & PCI_BAR_MEM_64);
    }
    return o;
}

static JsonObject *pci_dev_info(const struct pci_dev *d)
{
    const uint8_t *c = d->config;
    JsonObject *o = json_object_new();
    json_object_set_int_member(o, "bus", 0);
    json_object_set_int_member(o, "slot", PCI_SLOT(d->devfn));
    json_object_set_int_member(o, "function", PCI_FUNC(d->devfn));
    JsonObject *ci = json_object_new();
    uint16_t cls = ld16(&c[PCI_CLASS_DEVICE]);
    if (pci_class_desc(cls))
        json_object_set_string_member(ci, "desc", pci_class_desc(cls));
    json_object_set_int_member(ci, "class", cls);
    json_object_set_object_member(o, "class_info", ci);
    JsonObject *id = json_object_new();
    json_object_set_int_member(id, "device", ld16(&c[PCI_DEVICE_ID]));
    json_object_set_int_member(id, "vendor", ld16(&c[PCI_VENDOR_ID]));
    json_object_set_int_member(id, "subsystem", ld16(&c[PCI_SUBSYSTEM_ID]));
    json_object_set_int_member(id, "subsystem-vendor", ld16(&c[PCI_SUBSYSTEM_VENDOR_ID]));
    json_object_set_object_member(o, "id", id);
    if (c[PCI_INTERRUPT_PIN])
        json_object_set_int_member(o, "irq", c[PCI_INTERRUPT_LINE]);
    json_object_set_int_member(o, "irq_pin", c[PCI_INTERRUPT_PIN]);
    json_object_set_string_member(o, "qdev_id", "");
    JsonArray *regions = json_array_new();
    for (unsigned n = 0; n <= PCI_NUM_BARS; n++) {
        const struct pci_bar *b = n < PCI_NUM_BARS ? &d->bars[n] : &d->rom;
        if (b->region)
            json_array_add_object_element(regions, pci_region_info(d, n));
    }
    json_object_set_array_member(o, "regions", regions);
    return o;
}

static JsonNode *cmd_query_pci(struct qmp_req *req, JsonObject *args)
{
    struct machine *m = MON(req)->m;
    struct pci_bus *pbus = m->board ? pc_pci_bus(m->board) : NULL;
    JsonArray *devs = json_array_new();
    for (unsigned devfn = 0; pbus && devfn < ARRAY_SIZE(pbus->devs); devfn++)
        if (pbus->devs[devfn])
            json_array_add_object_element(devs, pci_dev_info(pbus->devs[devfn]));
    JsonObject *bus = json_object_new();
    json_object_set_int_member(bus, "bus", 0);
    json_object_set_array_member(bus, "devices", devs);
    JsonArray *a = json_array_new();
    json_array_add_object_element(a, bus);
    return qmp_node_array(a);
}

/* ---- what management software probes (libvirt: docs/qmp.md) ---- */

/* The QOM types hvemu has, under QEMU's names: the accelerators, machine
 * types and CPU models it accepts and the devices its PC board creates.
 * Abstract parents are listed so "implements" queries work.  Add a device
 * here when the board gains it. */
struct qom_type {
    const char *name, *parent;
    bool abstract;
};

static const struct qom_type qom_types[] = {
    { "object", NULL, true },
    { "device", "object", true },
    { "machine", "object", true },
    { "accel", "object", true },
    { "x86_64-cpu", "device", true },
    { "sys-bus-device", "device", true },
    { "isa-device", "device", true },
    { "pci-device", "device", true },
    { "pci-host-bridge", "sys-bus-device", true },
    { "kvm-accel", "accel", false },
    { "tcg-accel", "accel", false },
    { "x86-machine", "machine", true },
    { "generic-pc-machine", "x86-machine", true },
    { "pc-i440fx-7.2-machine", "generic-pc-machine", false },
    { "none-machine", "machine", false },
    { "qemu64-x86_64-cpu", "x86_64-cpu", false },
    { "kvm64-x86_64-cpu", "x86_64-cpu", false },
    { "host-x86_64-cpu", "x86_64-cpu", false },
    { "max-x86_64-cpu", "x86_64-cpu", false },
    { "isa-serial", "isa-device", false },
    { "i8042", "isa-device", false },
    { "mc146818rtc", "isa-device", false },
    { "isa-debugcon", "isa-device", false },
    { "isa-debug-exit", "isa-device", false },
    { "port92", "isa-device", false },
    { "fw_cfg_io", "sys-bus-device", false },
    { "isa-pit", "isa-device", false },
    { "kvm-pit", "isa-device", false },
    { "isa-i8259", "isa-device", false },
    { "kvm-i8259", "isa-device", false },
    { "ioapic", "sys-bus-device", false },
    { "kvm-ioapic", "sys-bus-device", false },
    { "apic", "device", false },
    { "kvm-apic", "device", false },
    { "i440FX-pcihost", "pci-host-bridge", false },
    { "i440FX", "pci-device", false },
    { "PIIX3", "pci-device", false },
    { "PIIX4_PM", "pci-device", false },
    { "hpet", "sys-bus-device", false },
};

static const struct qom_type *find_qom_type(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(qom_types); i++)
        if (!strcmp(qom_types[i].name, name))
            return &qom_types[i];
    return NULL;
}

static bool qom_implements(const struct qom_type *t, const char *ancestor)
{
    for (; t; t = t->parent ? find_qom_type(t->parent) : NULL)
        if (!strcmp(t->name, ancestor))
            return true;
    return false;
}

static JsonNode *cmd_qom_list_types(struct qmp_req *req, JsonObject *args)
{
    const char *impl = json_object_has_member(args, "implements")
                           ? json_object_get_string_member(args, "implements")
                           : NULL;
    bool abstract = json_object_has_member(args, "abstract") &&
                    json_object_get_boolean_member(args, "abstract");
    JsonArray *a = json_array_new();
    for (size_t i = 0; i < G_N_ELEMENTS(qom_types); i++) {
        const struct qom_type *t = &qom_types[i];
        if ((t->abstract && !abstract) || (impl && !qom_implements(t, impl)))
            continue;
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "name", t->name);
        if (t->abstract)
            json_object_set_boolean_member(o, "abstract", true);
        if (t->parent)
            json_object_set_string_member(o, "parent", t->parent);
        json_array_add_object_element(a, o);
    }
    return qmp_node_array(a);
}

/* The -device properties hvemu's command line takes (main.c). */
struct qom_prop {
    const char *type, *name, *ptype, *desc;
};

static const struct qom_prop qom_props[] = {
    { "isa-serial", "index", "uint32", NULL },
    { "isa-serial", "chardev", "str", "ID of a chardev to use as a backend" },
    { "isa-debugcon", "iobase", "uint32", NULL },
    { "isa-debugcon", "chardev", "str", "ID of a chardev to use as a backend" },
    { "isa-debug-exit", "iobase", "uint32", NULL },
    { "isa-debug-exit", "iosize", "uint32", NULL },
};

/* Classes hvemu does not have that libvirt 9.0 queries with
 * qom-list-properties and cannot take DeviceNotFound for (it dereferences
 * the missing list and crashes): they get an empty list, i.e. "no
 * properties libvirt could use".  docs/qmp.md records this. */
static const char *const libvirt_assumed[] = {
    "memory-backend-file", "memory-backend-memfd",
};

static JsonNode *list_props(struct qmp_req *req, JsonObject *args, bool device)
{
    const char *name = json_object_get_string_member(args, "typename");
    const struct qom_type *t = find_qom_type(name);
    for (size_t i = 0; !t && !device && i < G_N_ELEMENTS(libvirt_assumed); i++)
        if (!strcmp(name, libvirt_assumed[i]))
            return empty_array();
    if (!t) {
        qmp_req_error(req, QMP_ERR_DEVICE_NOT_FOUND, device ? "Device '%s' not found"
                                                            : "Class '%s' not found",
                      name);
        return NULL;
    }
    if (device && !qom_implements(t, "device")) {
        qmp_req_error(req, QMP_ERR_GENERIC, "Parameter 'typename' expects device");
        return NULL;
    }
    if (device && t->abstract) {
        qmp_req_error(req, QMP_ERR_GENERIC, "Parameter 'typename' expects non-abstract device");
        return NULL;
    }
    JsonArray *a = json_array_new();
    for (size_t i = 0; i < G_N_ELEMENTS(qom_props); i++) {
        if (strcmp(qom_props[i].type, name))
            continue;
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "name", qom_props[i].name);
        json_object_set_string_member(o, "type", qom_props[i].ptype);
        if (qom_props[i].desc)
            json_object_set_string_member(o, "description", qom_props[i].desc);
        json_array_add_object_element(a, o);
    }
    return qmp_node_array(a);
}

static JsonNode *cmd_device_list_properties(struct qmp_req *req, JsonObject *args)
{
    return list_props(req, args, true);
}

static JsonNode *cmd_qom_list_properties(struct qmp_req *req, JsonObject *args)
{
    return list_props(req, args, false);
}

/* The -cpu models (cpu/kvm_cpuid.c; the soft CPU shows its own fixed model
 * whatever -cpu says). */
static JsonNode *cmd_query_cpu_definitions(struct qmp_req *req, JsonObject *args)
{
    static const char *const models[] = { "qemu64", "kvm64", "host", "max" };
    bool kvm = MON(req)->m->accel && !strcmp(MON(req)->m->accel->name, "kvm");
    JsonArray *a = json_array_new();
    for (size_t i = 0; i < G_N_ELEMENTS(models); i++) {
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "name", models[i]);
        char *tn = g_strdup_printf("%s-x86_64-cpu", models[i]);
        json_object_set_string_member(o, "typename", tn);
        g_free(tn);
        JsonArray *unavail = json_array_new();
        /* host needs KVM, as in QEMU. */
        if (!kvm && !strcmp(models[i], "host"))
            json_array_add_string_element(unavail, "kvm");
        json_object_set_array_member(o, "unavailable-features", unavail);
        json_object_set_boolean_member(o, "static", false);
        json_object_set_boolean_member(o, "migration-safe", i < 2);
        json_object_set_boolean_member(o, "deprecated", false);
        json_array_add_object_element(a, o);
    }
    return qmp_node_array(a);
}

/* No migration yet: no capabilities to switch. */
static JsonNode *cmd_query_migrate_capabilities(struct qmp_req *req, JsonObject *args)
{
    return empty_array();
}

static JsonNode *cmd_query_iothreads(struct qmp_req *req, JsonObject *args)
{
    return empty_array();
}

static JsonNode *cmd_query_hotpluggable_cpus(struct qmp_req *req, JsonObject *args)
{
    qmp_req_error(req, QMP_ERR_GENERIC, "machine does not support hot-plugging CPUs");
    return NULL;
}

/* The options of hvemu's command line that take key=value parameters, with
 * the parameters it accepts (QEMU's CommandLineOptionInfo). */
struct cl_param {
    const char *option, *name, *type;
};

static const struct cl_param cl_params[] = {
    { "machine", "type", "string" },       { "machine", "accel", "string" },
    { "machine", "kernel-irqchip", "string" }, { "machine", "usb", "boolean" },
    { "machine", "dump-guest-core", "boolean" }, { "machine", "mem-merge", "boolean" },
    { "machine", "vmport", "string" },     { "accel", "accel", "string" },
    { "accel", "kernel-irqchip", "string" }, { "accel", "thread", "string" },
    { "smp-opts", "cpus", "number" },      { "smp-opts", "sockets", "number" },
    { "smp-opts", "dies", "number" },      { "smp-opts", "cores", "number" },
    { "smp-opts", "threads", "number" },   { "smp-opts", "maxcpus", "number" },
    { "memory", "size", "size" },          { "rtc", "base", "string" },
    { "rtc", "clock", "string" },          { "rtc", "driftfix", "string" },
    { "icount", "shift", "string" },       { "icount", "align", "boolean" },
    { "mon", "chardev", "string" },        { "mon", "mode", "string" },
    { "mon", "pretty", "boolean" },        { "chardev", "id", "string" },
    { "chardev", "path", "string" },       { "chardev", "host", "string" },
    { "chardev", "port", "string" },       { "chardev", "server", "boolean" },
    { "chardev", "wait", "boolean" },      { "chardev", "mux", "boolean" },
    { "chardev", "logfile", "string" },
};

static JsonNode *cmd_query_command_line_options(struct qmp_req *req, JsonObject *args)
{
    const char *only = json_object_has_member(args, "option")
                           ? json_object_get_string_member(args, "option")
                           : NULL;
    JsonArray *a = json_array_new();
    JsonObject *cur = NULL;
    const char *cur_name = "";
    for (size_t i = 0; i < G_N_ELEMENTS(cl_params); i++) {
        const struct cl_param *p = &cl_params[i];
        if (only && strcmp(only, p->option))
            continue;
        if (strcmp(cur_name, p->option)) {
            cur = json_object_new();
            json_object_set_string_member(cur, "option", p->option);
            json_object_set_array_member(cur, "parameters", json_array_new());
            json_array_add_object_element(a, cur);
            cur_name = p->option;
        }
        JsonObject *po = json_object_new();
        json_object_set_string_member(po, "name", p->name);
        json_object_set_string_member(po, "type", p->type);
        json_array_add_object_element(json_object_get_array_member(cur, "parameters"), po);
    }
    if (only && !json_array_get_length(a)) {
        json_array_unref(a);
        qmp_req_error(req, QMP_ERR_GENERIC, "Invalid parameter 'option'");
        return NULL;
    }
    return qmp_node_array(a);
}

/* ---- run state ---- */

static JsonNode *cmd_stop(struct qmp_req *req, JsonObject *args)
{
    machine_request(MON(req)->m, REQ_STOP, 0);
    return NULL;
}

static JsonNode *cmd_cont(struct qmp_req *req, JsonObject *args)
{
    struct machine *m = MON(req)->m;
    if (runstate_needs_reset(m)) {
        qmp_req_error(req, QMP_ERR_GENERIC, "Resetting the Virtual Machine is required");
        return NULL;
    }
    machine_request(m, REQ_CONT, 0);
    return NULL;
}

static JsonNode *cmd_system_reset(struct qmp_req *req, JsonObject *args)
{
    machine_request(MON(req)->m, REQ_RESET, SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
    return NULL;
}

static JsonNode *cmd_system_powerdown(struct qmp_req *req, JsonObject *args)
{
    machine_request(MON(req)->m, REQ_POWERDOWN, 0);
    return NULL;
}

static JsonNode *cmd_quit(struct qmp_req *req, JsonObject *args)
{
    machine_request(MON(req)->m, REQ_QUIT, SHUTDOWN_CAUSE_HOST_QMP_QUIT);
    return NULL;
}

static JsonNode *cmd_human_monitor_command(struct qmp_req *req, JsonObject *args)
{
    unsigned cpu = 0;
    if (json_object_has_member(args, "cpu-index")) {
        int64_t c = json_object_get_int_member(args, "cpu-index");
        if (c < 0 || c >= MON(req)->m->smp_cpus) {
            qmp_req_error(req, QMP_ERR_GENERIC, "Invalid CPU index");
            return NULL;
        }
        cpu = (unsigned)c;
    }
    char *out = monitor_hmp_command_cpu(MON(req),
                                        json_object_get_string_member(args, "command-line"),
                                        &cpu);
    JsonNode *n = json_node_new(JSON_NODE_VALUE);
    json_node_set_string(n, out);
    g_free(out);
    return n;
}

/* ---- hardware hvemu does not have yet ---- */

static JsonNode *cmd_screendump(struct qmp_req *req, JsonObject *args)
{
    qmp_req_error(req, QMP_ERR_GENERIC,
                  "There is no console to take a screendump from (no display device)");
    return NULL;
}

/* One KeyValue: {"type": "qcode", "data": NAME} or {"type": "number",
 * "data": N}; errors name the element as QEMU's input visitor does. */
static int key_value(struct qmp_req *req, JsonNode *n, guint i, unsigned *key)
{
    if (!JSON_NODE_HOLDS_OBJECT(n)) {
        qmp_req_error(req, QMP_ERR_GENERIC,
                      "Invalid parameter type for 'keys[%u]', expected: object", i);
        return -1;
    }
    JsonObject *o = json_node_get_object(n);
    JsonNode *type = json_object_get_member(o, "type");
    JsonNode *data = json_object_get_member(o, "data");
    JsonObjectIter it;
    const char *name;
    json_object_iter_init(&it, o);
    while (json_object_iter_next(&it, &name, NULL)) {
        if (strcmp(name, "type") && strcmp(name, "data")) {
            qmp_req_error(req, QMP_ERR_GENERIC, "Parameter 'keys[%u].%s' is unexpected", i,
                          name);
            return -1;
        }
    }
    if (!type) {
        qmp_req_error(req, QMP_ERR_GENERIC, "Parameter 'keys[%u].type' is missing", i);
        return -1;
    }
    if (!JSON_NODE_HOLDS_VALUE(type) || json_node_get_value_type(type) != G_TYPE_STRING) {
        qmp_req_error(req, QMP_ERR_GENERIC,
                      "Invalid parameter type for 'keys[%u].type', expected: string", i);
        return -1;
    }
    const char *kind = json_node_get_string(type);
    bool qcode = !strcmp(kind, "qcode");
    if (!qcode && strcmp(kind, "number")) {
        qmp_req_error(req, QMP_ERR_GENERIC,
                      "Parameter 'keys[%u].type' does not accept value '%s'", i, kind);
        return -1;
    }
    if (!data) {
        qmp_req_error(req, QMP_ERR_GENERIC, "Parameter 'keys[%u].data' is missing", i);
        return -1;
    }
    GType vt = JSON_NODE_HOLDS_VALUE(data) ? json_node_get_value_type(data) : G_TYPE_INVALID;
    if (vt != (qcode ? G_TYPE_STRING : G_TYPE_INT64)) {
        qmp_req_error(req, QMP_ERR_GENERIC,
                      "Invalid parameter type for 'keys[%u].data', expected: %s", i,
                      qcode ? "string" : "integer");
        return -1;
    }
    int k;
    if (qcode) {
        k = keymap_qcode_to_key(json_node_get_string(data));
        if (k < 0) {
            qmp_req_error(req, QMP_ERR_GENERIC,
                          "Parameter 'keys[%u].data' does not accept value '%s'", i,
                          json_node_get_string(data));
            return -1;
        }
    } else {
        /* As QEMU: a number that names no key is no key. */
        k = keymap_number_to_key(json_node_get_int(data));
    }
    *key = k > 0 ? (unsigned)k : 0;
    return 0;
}

static JsonNode *cmd_send_key(struct qmp_req *req, JsonObject *args)
{
    JsonArray *a = json_object_get_array_member(args, "keys");
    guint n = json_array_get_length(a);
    if (n > KEYQ_MAX / 2) {
        qmp_req_error(req, QMP_ERR_GENERIC, "Too many keys (at most %d)", KEYQ_MAX / 2);
        return NULL;
    }
    unsigned keys[KEYQ_MAX / 2];
    for (guint i = 0; i < n; i++)
        if (key_value(req, json_array_get_element(a, i), i, &keys[i]))
            return NULL;
    int64_t hold = json_object_has_member(args, "hold-time")
                       ? json_object_get_int_member(args, "hold-time")
                       : KEY_HOLD_DEFAULT_MS;
    char *err = NULL;
    if (monitor_send_keys(MON(req), keys, n, hold, &err)) {
        qmp_req_error(req, QMP_ERR_GENERIC, "%s", err);
        g_free(err);
    }
    return NULL;
}

/* ---- block devices: the board's IDE drives ---- */

/* eject, blockdev-change-medium: QEMU's lookup of a block device, then the
 * board (hw/pc.c) opens the tray, swaps the disc and closes it; the
 * DEVICE_TRAY_MOVED events come back through monitor_tray_moved. */
static const char *block_device_arg(struct qmp_req *req, JsonObject *args)
{
    bool dev = json_object_has_member(args, "device"), id = json_object_has_member(args, "id");
    if (dev == id) {
        qmp_req_error(req, QMP_ERR_GENERIC, "Need exactly one of 'device' and 'id'");
        return NULL;
    }
    return json_object_get_string_member(args, dev ? "device" : "id");
}

static JsonNode *block_result(struct qmp_req *req, int rc, char *err)
{
    if (rc)
        qmp_req_error(req, rc == -ENODEV ? QMP_ERR_DEVICE_NOT_FOUND : QMP_ERR_GENERIC, "%s",
                      err);
    g_free(err);
    return NULL;
}

static JsonNode *cmd_eject(struct qmp_req *req, JsonObject *args)
{
    const char *name = block_device_arg(req, args);
    struct pc *pc = MON(req)->m->board;
    if (!name)
        return NULL;
    bool force = json_object_has_member(args, "force") &&
                 json_object_get_boolean_member(args, "force");
    char *err = NULL;
    int rc = pc ? pc_drive_eject(pc, name, force, &err) : -ENODEV;
    if (!pc)
        err = g_strdup_printf("Device '%s' not found", name);
    return block_result(req, rc, err);
}

static JsonNode *cmd_change_medium(struct qmp_req *req, JsonObject *args)
{
    const char *name = block_device_arg(req, args);
    struct pc *pc = MON(req)->m->board;
    if (!name)
        return NULL;
    const char *file = json_object_get_string_member(args, "filename");
    const char *fmt = json_object_has_member(args, "format")
                          ? json_object_get_string_member(args, "format")
                          : NULL;
    const char *ro = json_object_has_member(args, "read-only-mode")
                         ? json_object_get_string_member(args, "read-only-mode")
                         : NULL;
    bool force = json_object_has_member(args, "force") &&
                 json_object_get_boolean_member(args, "force");
    char *err = NULL;
    int rc = pc ? pc_drive_change(pc, name, file, fmt, ro, force, &err) : -ENODEV;
    if (!pc)
        err = g_strdup_printf("Device '%s' not found", name);
    return block_result(req, rc, err);
}

/* BlockdevCacheInfo: writeback is the guest-visible write cache. */
static JsonObject *block_cache_info(struct blk *b)
{
    enum blk_cache c = blk_cache_mode(b);
    JsonObject *o = json_object_new();
    json_object_set_boolean_member(o, "writeback", blk_write_cache(b));
    json_object_set_boolean_member(o, "direct",
                                   c == BLK_CACHE_NONE || c == BLK_CACHE_DIRECTSYNC);
    json_object_set_boolean_member(o, "no-flush", c == BLK_CACHE_UNSAFE);
    return o;
}

/* BlockDeviceInfo of an inserted medium, with QEMU's fixed fields for what
 * hvemu does not have (throttling, encryption, backing files). */
static JsonObject *block_inserted(struct blk *b)
{
    static const char *const zero[] = { "backing_file_depth", "bps", "bps_rd", "bps_wr",
                                        "iops", "iops_rd", "iops_wr", "write_threshold" };
    JsonObject *o = json_object_new(), *img = json_object_new();
    json_object_set_string_member(o, "file", blk_filename(b));
    json_object_set_boolean_member(o, "ro", blk_readonly(b));
    json_object_set_string_member(o, "drv", blk_format(b));
    json_object_set_boolean_member(o, "encrypted", false);
    json_object_set_string_member(o, "detect_zeroes", "off");
    for (size_t i = 0; i < ARRAY_SIZE(zero); i++)
        json_object_set_int_member(o, zero[i], 0);
    json_object_set_string_member(img, "filename", blk_filename(b));
    json_object_set_string_member(img, "format", blk_format(b));
    json_object_set_int_member(img, "virtual-size", (gint64)blk_size(b));
    json_object_set_object_member(o, "image", img);
    json_object_set_object_member(o, "cache", block_cache_info(b));
    return o;
}

static JsonNode *cmd_query_block(struct qmp_req *req, JsonObject *args)
{
    struct monitor *mon = MON(req);
    if (!mon->pc)
        return empty_array();
    JsonArray *a = json_array_new();
    struct pc_drive_info d;
    for (int i = 0; i < PC_MAX_IDE; i++) {
        if (!pc_drive_info(mon->pc, i, &d))
            continue;
        bool cd = d.media == PC_MEDIA_CDROM;
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "device", d.id);
        /* No QOM tree: the drive's name stands for its device. */
        json_object_set_string_member(o, "qdev", d.id);
        json_object_set_string_member(o, "type", "unknown");
        json_object_set_boolean_member(o, "removable", cd);
        json_object_set_boolean_member(o, "locked", d.locked);
        if (cd)
            json_object_set_boolean_member(o, "tray_open", d.tray_open);
        json_object_set_string_member(o, "io-status", "ok");
        if (d.blk)
            json_object_set_object_member(o, "inserted", block_inserted(d.blk));
        json_array_add_object_element(a, o);
    }
    return qmp_node_array(a);
}

static JsonNode *cmd_query_vnc(struct qmp_req *req, JsonObject *args)
{
    JsonObject *o = json_object_new();
    json_object_set_boolean_member(o, "enabled", false);
    return qmp_node_object(o);
}

static JsonNode *cmd_change_vnc_password(struct qmp_req *req, JsonObject *args)
{
    qmp_req_error(req, QMP_ERR_GENERIC, "Could not set password (no VNC server)");
    return NULL;
}

static JsonNode *cmd_set_link(struct qmp_req *req, JsonObject *args)
{
    qmp_req_error(req, QMP_ERR_DEVICE_NOT_FOUND, "Device '%s' not found (no network devices)",
                  json_object_get_string_member(args, "name"));
    return NULL;
}

static JsonNode *cmd_device_add(struct qmp_req *req, JsonObject *args)
{
    qmp_req_error(req, QMP_ERR_GENERIC,
                  "Device '%s' cannot be hot-plugged: hvemu has no hot-plug bus yet",
                  json_object_get_string_member(args, "driver"));
    return NULL;
}

static JsonNode *cmd_device_del(struct qmp_req *req, JsonObject *args)
{
    qmp_req_error(req, QMP_ERR_DEVICE_NOT_FOUND, "Device '%s' not found",
                  json_object_get_string_member(args, "id"));
    return NULL;
}

/* ---- file descriptors ---- */

static JsonNode *cmd_getfd(struct qmp_req *req, JsonObject *args)
{
    const char *name = json_object_get_string_member(args, "fdname");
    int fd = qmp_session_take_fd(qmp_req_session(req));
    if (fd < 0) {
        qmp_req_error(req, QMP_ERR_GENERIC, "No file descriptor supplied via SCM_RIGHTS");
        return NULL;
    }
    if (g_ascii_isdigit(name[0])) {
        close(fd);
        qmp_req_error(req, QMP_ERR_GENERIC,
                      "Parameter 'fdname' expects a name not starting with a digit");
        return NULL;
    }
    qmp_session_set_named_fd(qmp_req_session(req), name, fd);
    return NULL;
}

static JsonNode *cmd_closefd(struct qmp_req *req, JsonObject *args)
{
    const char *name = json_object_get_string_member(args, "fdname");
    if (qmp_session_close_named_fd(qmp_req_session(req), name))
        qmp_req_error(req, QMP_ERR_GENERIC, "File descriptor named '%s' not found", name);
    return NULL;
}

static struct fdset *find_fdset(struct monitor *mon, int64_t id, guint *pos)
{
    for (guint i = 0; i < mon->fdsets->len; i++) {
        struct fdset *s = mon->fdsets->pdata[i];
        if (s->id >= id) {
            *pos = i;
            return s->id == id ? s : NULL;
        }
    }
    *pos = mon->fdsets->len;
    return NULL;
}

/* Without fdset-id: the lowest id not in use, as QEMU picks it. */
static int64_t free_fdset_id(struct monitor *mon)
{
    int64_t id = 0;
    for (guint i = 0; i < mon->fdsets->len; i++) {
        struct fdset *s = mon->fdsets->pdata[i];
        if (s->id != id)
            break;
        id++;
    }
    return id;
}

static JsonNode *cmd_add_fd(struct qmp_req *req, JsonObject *args)
{
    struct monitor *mon = MON(req);
    bool has_id = json_object_has_member(args, "fdset-id");
    int64_t id = has_id ? json_object_get_int_member(args, "fdset-id") : free_fdset_id(mon);
    if (id < 0) {
        qmp_req_error(req, QMP_ERR_GENERIC, "Parameter 'fdset-id' expects a non-negative value");
        return NULL;
    }
    if (mon->nfdset_fds >= MONITOR_MAX_FDSET_FDS) {
        qmp_req_error(req, QMP_ERR_GENERIC, "Too many file descriptors in fd sets (at most %d)",
                      MONITOR_MAX_FDSET_FDS);
        return NULL;
    }
    int fd = qmp_session_take_fd(qmp_req_session(req));
    if (fd < 0) {
        qmp_req_error(req, QMP_ERR_GENERIC, "No file descriptor supplied via SCM_RIGHTS");
        return NULL;
    }
    guint pos;
    struct fdset *set = find_fdset(mon, id, &pos);
    if (!set) {
        set = g_new0(struct fdset, 1);
        set->id = id;
        set->fds = g_array_new(FALSE, FALSE, sizeof(struct fdset_fd));
        g_ptr_array_insert(mon->fdsets, (gint)pos, set);
    }
    const char *opaque =
        json_object_has_member(args, "opaque") ? json_object_get_string_member(args, "opaque")
                                               : NULL;
    struct fdset_fd f = { fd, g_strdup(opaque) };
    g_array_append_val(set->fds, f);
    mon->nfdset_fds++;
    JsonObject *o = json_object_new();
    json_object_set_int_member(o, "fdset-id", id);
    json_object_set_int_member(o, "fd", fd);
    return qmp_node_object(o);
}

static void fdset_free(struct fdset *set)
{
    for (guint i = 0; i < set->fds->len; i++) {
        struct fdset_fd *f = &g_array_index(set->fds, struct fdset_fd, i);
        close(f->fd);
        g_free(f->opaque);
    }
    g_array_free(set->fds, TRUE);
    g_free(set);
}

/* Nothing in hvemu opens /dev/fdset/N yet, so no fd is ever in use and a
 * removed fd is closed at once. */
static JsonNode *cmd_remove_fd(struct qmp_req *req, JsonObject *args)
{
    struct monitor *mon = MON(req);
    int64_t id = json_object_get_int_member(args, "fdset-id");
    bool has_fd = json_object_has_member(args, "fd");
    int64_t fd = has_fd ? json_object_get_int_member(args, "fd") : -1;
    guint pos;
    struct fdset *set = find_fdset(mon, id, &pos);
    guint i = 0;
    if (set && has_fd) {
        for (i = 0; i < set->fds->len; i++)
            if (g_array_index(set->fds, struct fdset_fd, i).fd == fd)
                break;
    }
    if (!set || (has_fd && i == set->fds->len)) {
        if (has_fd)
            qmp_req_error(req, QMP_ERR_GENERIC,
                          "File descriptor named 'fdset-id:%" PRId64 ", fd:%" PRId64
                          "' not found", id, fd);
        else
            qmp_req_error(req, QMP_ERR_GENERIC,
                          "File descriptor named 'fdset-id:%" PRId64 "' not found", id);
        return NULL;
    }
    if (has_fd) {
        struct fdset_fd *f = &g_array_index(set->fds, struct fdset_fd, i);
        close(f->fd);
        g_free(f->opaque);
        g_array_remove_index(set->fds, i);
        mon->nfdset_fds--;
    }
    if (!has_fd || !set->fds->len) {
        mon->nfdset_fds -= set->fds->len;
        g_ptr_array_remove_index(mon->fdsets, pos);
        fdset_free(set);
    }
    return NULL;
}

static JsonNode *cmd_query_fdsets(struct qmp_req *req, JsonObject *args)
{
    struct monitor *mon = MON(req);
    JsonArray *a = json_array_new();
    for (guint i = 0; i < mon->fdsets->len; i++) {
        struct fdset *set = mon->fdsets->pdata[i];
        JsonArray *fds = json_array_new();
        for (guint k = 0; k < set->fds->len; k++) {
            struct fdset_fd *f = &g_array_index(set->fds, struct fdset_fd, k);
            JsonObject *fo = json_object_new();
            json_object_set_int_member(fo, "fd", f->fd);
            if (f->opaque)
                json_object_set_string_member(fo, "opaque", f->opaque);
            json_array_add_object_element(fds, fo);
        }
        JsonObject *o = json_object_new();
        json_object_set_int_member(o, "fdset-id", set->id);
        json_object_set_array_member(o, "fds", fds);
        json_array_add_object_element(a, o);
    }
    return qmp_node_array(a);
}

/* ---- the table ---- */

static const struct qmp_arg args_capabilities[] = {
    { "enable", QMP_STR_LIST, true, "[QMPCapability]" },
    { NULL },
};
static const struct qmp_arg args_hmp[] = {
    { "command-line", QMP_STR, false, NULL },
    { "cpu-index", QMP_INT, true, NULL },
    { NULL },
};
static const struct qmp_arg args_screendump[] = {
    { "filename", QMP_STR, false, NULL },
    { "device", QMP_STR, true, NULL },
    { "head", QMP_INT, true, NULL },
    { "format", QMP_STR, true, "ImageFormat" },
    { NULL },
};
static const struct qmp_arg args_send_key[] = {
    { "keys", QMP_ARRAY, false, "[KeyValue]" },
    { "hold-time", QMP_INT, true, NULL },
    { NULL },
};
static const struct qmp_arg args_eject[] = {
    { "device", QMP_STR, true, NULL },
    { "id", QMP_STR, true, NULL },
    { "force", QMP_BOOL, true, NULL },
    { NULL },
};
static const struct qmp_arg args_change_medium[] = {
    { "device", QMP_STR, true, NULL },
    { "id", QMP_STR, true, NULL },
    { "filename", QMP_STR, false, NULL },
    { "format", QMP_STR, true, NULL },
    { "force", QMP_BOOL, true, NULL },
    { "read-only-mode", QMP_STR, true, "BlockdevChangeReadOnlyMode" },
    { NULL },
};
static const struct qmp_arg args_vnc_password[] = {
    { "password", QMP_STR, false, NULL },
    { NULL },
};
static const struct qmp_arg args_set_link[] = {
    { "name", QMP_STR, false, NULL },
    { "up", QMP_BOOL, false, NULL },
    { NULL },
};
static const struct qmp_arg args_device_add[] = {
    { "driver", QMP_STR, false, NULL },
    { "bus", QMP_STR, true, NULL },
    { "id", QMP_STR, true, NULL },
    { NULL },
};
static const struct qmp_arg args_qom_list_types[] = {
    { "implements", QMP_STR, true, NULL },
    { "abstract", QMP_BOOL, true, NULL },
    { NULL },
};
static const struct qmp_arg args_typename[] = {
    { "typename", QMP_STR, false, NULL },
    { NULL },
};
static const struct qmp_arg args_cl_options[] = {
    { "option", QMP_STR, true, NULL },
    { NULL },
};
static const struct qmp_arg args_id[] = {
    { "id", QMP_STR, false, NULL },
    { NULL },
};
static const struct qmp_arg args_fdname[] = {
    { "fdname", QMP_STR, false, NULL },
    { NULL },
};
static const struct qmp_arg args_add_fd[] = {
    { "fdset-id", QMP_INT, true, NULL },
    { "opaque", QMP_STR, true, NULL },
    { NULL },
};
static const struct qmp_arg args_remove_fd[] = {
    { "fdset-id", QMP_INT, false, NULL },
    { "fd", QMP_INT, true, NULL },
    { NULL },
};

#define EMPTY "q_empty"

const struct qmp_command qmp_commands[] = {
    { "qmp_capabilities", cmd_qmp_capabilities, args_capabilities, EMPTY, QMP_CMD_NEGOTIATION },
    { "query-version", cmd_query_version, NULL, "VersionInfo", 0 },
    { "query-commands", cmd_query_commands, NULL, "[CommandInfo]", 0 },
    { "query-qmp-schema", cmd_query_qmp_schema, NULL, "[SchemaInfo]", 0 },
    { "query-status", cmd_query_status, NULL, "StatusInfo", 0 },
    { "query-name", cmd_query_name, NULL, "NameInfo", 0 },
    { "query-uuid", cmd_query_uuid, NULL, "UuidInfo", 0 },
    { "query-kvm", cmd_query_kvm, NULL, "KvmInfo", 0 },
    { "query-cpus-fast", cmd_query_cpus_fast, NULL, "[CpuInfoFast]", 0 },
    { "query-chardev", cmd_query_chardev, NULL, "[ChardevInfo]", 0 },
    { "query-machines", cmd_query_machines, NULL, "[MachineInfo]", 0 },
    { "query-target", cmd_query_target, NULL, "TargetInfo", 0 },
    { "query-pci", cmd_query_pci, NULL, "[PciInfo]", 0 },
    { "stop", cmd_stop, NULL, EMPTY, QMP_CMD_WAIT },
    { "cont", cmd_cont, NULL, EMPTY, QMP_CMD_WAIT },
    { "system_reset", cmd_system_reset, NULL, EMPTY, 0 },
    { "system_powerdown", cmd_system_powerdown, NULL, EMPTY, 0 },
    { "quit", cmd_quit, NULL, EMPTY, 0 },
    { "human-monitor-command", cmd_human_monitor_command, args_hmp, "str", QMP_CMD_WAIT },
    { "screendump", cmd_screendump, args_screendump, EMPTY, 0 },
    { "send-key", cmd_send_key, args_send_key, EMPTY, 0 },
    { "eject", cmd_eject, args_eject, EMPTY, 0 },
    { "blockdev-change-medium", cmd_change_medium, args_change_medium, EMPTY, 0 },
    { "query-block", cmd_query_block, NULL, "[BlockInfo]", 0 },
    { "query-vnc", cmd_query_vnc, NULL, "VncInfo", 0 },
    { "change-vnc-password", cmd_change_vnc_password, args_vnc_password, EMPTY, 0 },
    { "set_link", cmd_set_link, args_set_link, EMPTY, 0 },
    { "device_add", cmd_device_add, args_device_add, EMPTY, QMP_CMD_EXTRA_ARGS },
    { "device_del", cmd_device_del, args_id, EMPTY, 0 },
    { "getfd", cmd_getfd, args_fdname, EMPTY, 0 },
    { "closefd", cmd_closefd, args_fdname, EMPTY, 0 },
    { "add-fd", cmd_add_fd, args_add_fd, "AddfdInfo", 0 },
    { "remove-fd", cmd_remove_fd, args_remove_fd, EMPTY, 0 },
    { "query-fdsets", cmd_query_fdsets, NULL, "[FdsetInfo]", 0 },
    { "qom-list-types", cmd_qom_list_types, args_qom_list_types, "[ObjectTypeInfo]", 0 },
    { "qom-list-properties", cmd_qom_list_properties, args_typename, "[ObjectPropertyInfo]",
      0 },
    { "device-list-properties", cmd_device_list_properties, args_typename,
      "[ObjectPropertyInfo]", 0 },
    { "query-cpu-definitions", cmd_query_cpu_definitions, NULL, "[CpuDefinitionInfo]", 0 },
    { "query-migrate-capabilities", cmd_query_migrate_capabilities, NULL,
      "[MigrationCapabilityStatus]", 0 },
    { "query-iothreads", cmd_query_iothreads, NULL, "[IOThreadInfo]", 0 },
    { "query-hotpluggable-cpus", cmd_query_hotpluggable_cpus, NULL, "[HotpluggableCPU]", 0 },
    { "query-command-line-options", cmd_query_command_line_options, args_cl_options,
      "[CommandLineOptionInfo]", 0 },
};
const size_t qmp_ncommands = ARRAY_SIZE(qmp_commands);

/* ---- the introspection schema ----
 *
 * QEMU's introspection format (SchemaInfo list; see QEMU's
 * qapi/introspect.json): commands and events name their argument and
 * return types; objects list members ("default": null marks optional
 * ones); enums list values; arrays name their element type; builtins give
 * their JSON type.  Type names other than builtins carry no meaning to
 * clients (QEMU masks them as numbers); hvemu keeps readable ones.  The
 * generator emits exactly the types that are referenced, and a unit test
 * checks that every reference resolves. */

struct schema_member {
    const char *name, *type;
    bool optional;
};

struct schema_variant {
    const char *tag_value, *type;
};

struct schema_type {
    const char *name;
    const struct schema_member *members; /* object */
    const char *const *values;           /* enum */
    const char *(*value_fn)(size_t i);   /* enum with values from elsewhere */
    const char *tag;                     /* union: the discriminator member */
    const struct schema_variant *variants;
};

#define M(n, t) { n, t, false }
#define OPT(n, t) { n, t, true }
#define END { NULL, NULL, false }

static const struct schema_member m_status[] = {
    M("running", "bool"), M("singlestep", "bool"), M("status", "RunState"), END,
};
static const struct schema_member m_version_triple[] = {
    M("major", "int"), M("minor", "int"), M("micro", "int"), END,
};
static const struct schema_member m_version[] = {
    M("qemu", "VersionTriple"), M("package", "str"), END,
};
static const struct schema_member m_command_info[] = { M("name", "str"), END };
static const struct schema_member m_name_info[] = { OPT("name", "str"), END };
static const struct schema_member m_uuid_info[] = { M("UUID", "str"), END };
static const struct schema_member m_kvm_info[] = {
    M("enabled", "bool"), M("present", "bool"), END,
};
static const struct schema_member m_cpu_props[] = {
    OPT("node-id", "int"), OPT("socket-id", "int"), OPT("die-id", "int"),
    OPT("cluster-id", "int"), OPT("core-id", "int"), OPT("thread-id", "int"), END,
};
static const struct schema_member m_cpu_info[] = {
    M("cpu-index", "int"), M("qom-path", "str"), M("thread-id", "int"),
    OPT("props", "CpuInstanceProperties"), M("target", "SysEmuTarget"), END,
};
static const struct schema_member m_chardev_info[] = {
    M("label", "str"), M("filename", "str"), M("frontend-open", "bool"), END,
};
static const struct schema_member m_machine_info[] = {
    M("name", "str"), OPT("alias", "str"), OPT("is-default", "bool"), M("cpu-max", "int"),
    M("hotpluggable-cpus", "bool"), M("numa-mem-supported", "bool"), M("deprecated", "bool"),
    OPT("default-cpu-type", "str"), OPT("default-ram-id", "str"), END,
};
static const struct schema_member m_target_info[] = { M("arch", "SysEmuTarget"), END };
static const struct schema_member m_pci_info[] = {
    M("bus", "int"), M("devices", "[PciDeviceInfo]"), END,
};
static const struct schema_member m_pci_dev[] = {
    M("bus", "int"), M("slot", "int"), M("function", "int"),
    M("class_info", "PciDeviceClass"), M("id", "PciDeviceId"), OPT("irq", "int"),
    M("irq_pin", "int"), M("qdev_id", "str"), M("regions", "[PciMemoryRegion]"), END,
};
static const struct schema_member m_pci_class[] = { OPT("desc", "str"), M("class", "int"), END };
static const struct schema_member m_pci_id[] = {
    M("device", "int"), M("vendor", "int"), OPT("subsystem", "int"),
    OPT("subsystem-vendor", "int"), END,
};
static const struct schema_member m_pci_region[] = {
    M("bar", "int"), M("type", "str"), M("address", "int"), M("size", "int"),
    OPT("prefetch", "bool"), OPT("mem_type_64", "bool"), END,
};
static const struct schema_member m_block_info[] = {
    M("device", "str"), OPT("qdev", "str"), M("type", "str"), M("removable", "bool"),
    M("locked", "bool"), OPT("inserted", "BlockDeviceInfo"), OPT("tray_open", "bool"),
    OPT("io-status", "BlockDeviceIoStatus"), END,
};
static const struct schema_member m_block_device_info[] = {
    M("file", "str"), M("ro", "bool"), M("drv", "str"), M("backing_file_depth", "int"),
    M("encrypted", "bool"), M("detect_zeroes", "BlockdevDetectZeroesOptions"),
    M("bps", "int"), M("bps_rd", "int"), M("bps_wr", "int"), M("iops", "int"),
    M("iops_rd", "int"), M("iops_wr", "int"), M("image", "ImageInfo"),
    M("write_threshold", "int"), M("cache", "BlockdevCacheInfo"), END,
};
static const struct schema_member m_image_info[] = {
    M("filename", "str"), M("format", "str"), M("virtual-size", "int"), END,
};
static const struct schema_member m_block_cache_info[] = {
    M("writeback", "bool"), M("direct", "bool"), M("no-flush", "bool"), END,
};
static const struct schema_member m_vnc_info[] = {
    M("enabled", "bool"), OPT("host", "str"), OPT("family", "str"), OPT("service", "str"),
    OPT("auth", "str"), END,
};
static const struct schema_member m_fdset_info[] = {
    M("fdset-id", "int"), M("fds", "[FdsetFdInfo]"), END,
};
static const struct schema_member m_fdset_fd[] = { M("fd", "int"), OPT("opaque", "str"), END };
static const struct schema_member m_addfd_info[] = {
    M("fdset-id", "int"), M("fd", "int"), END,
};
static const struct schema_member m_schema_info[] = {
    M("name", "str"), M("meta-type", "SchemaMetaType"), END,
};
static const struct schema_member m_key_value[] = { M("type", "KeyValueKind"), END };
static const struct schema_variant v_key_value[] = {
    { "number", "IntWrapper" }, { "qcode", "QKeyCodeWrapper" }, { NULL, NULL },
};
static const struct schema_member m_int_wrapper[] = { M("data", "int"), END };
static const struct schema_member m_qkeycode_wrapper[] = { M("data", "QKeyCode"), END };
static const struct schema_member m_object_type_info[] = {
    M("name", "str"), OPT("abstract", "bool"), OPT("parent", "str"), END,
};
static const struct schema_member m_object_property_info[] = {
    M("name", "str"), M("type", "str"), OPT("description", "str"),
    OPT("default-value", "any"), END,
};
static const struct schema_member m_cpu_definition_info[] = {
    M("name", "str"), OPT("migration-safe", "bool"), M("static", "bool"),
    OPT("unavailable-features", "[str]"), M("typename", "str"), OPT("alias-of", "str"),
    M("deprecated", "bool"), END,
};
static const struct schema_member m_migration_cap_status[] = {
    M("capability", "str"), M("state", "bool"), END,
};
static const struct schema_member m_iothread_info[] = {
    M("id", "str"), M("thread-id", "int"), END,
};
static const struct schema_member m_hotpluggable_cpu[] = {
    M("type", "str"), M("vcpus-count", "int"), M("props", "CpuInstanceProperties"),
    OPT("qom-path", "str"), END,
};
static const struct schema_member m_cl_option_info[] = {
    M("option", "str"), M("parameters", "[CommandLineParameterInfo]"), END,
};
static const struct schema_member m_cl_param_info[] = {
    M("name", "str"), M("type", "CommandLineParameterType"), OPT("help", "str"),
    OPT("default", "str"), END,
};
static const struct schema_member m_shutdown_event[] = {
    M("guest", "bool"), M("reason", "ShutdownCause"), END,
};
static const struct schema_member m_tray_event[] = {
    M("device", "str"), M("id", "str"), M("tray-open", "bool"), END,
};
static const struct schema_member m_empty[] = { END };

static const char *const v_run_state[] = {
    "running", "prelaunch", "paused", "shutdown", "internal-error", NULL,
};
static const char *const v_target[] = { "x86_64", NULL };
static const char *const v_capability[] = { "oob", NULL };
static const char *const v_image_format[] = { "ppm", "png", NULL };
static const char *const v_ro_mode[] = { "retain", "read-only", "read-write", NULL };
static const char *const v_meta[] = {
    "builtin", "enum", "array", "object", "alternate", "command", "event", NULL,
};
static const char *const v_key_kind[] = { "number", "qcode", NULL };
static const char *const v_cl_param_type[] = { "string", "boolean", "number", "size", NULL };
static const char *const v_io_status[] = { "ok", "failed", "nospace", NULL };
static const char *const v_detect_zeroes[] = { "off", "on", "unmap", NULL };
static const char *const v_cause[] = {
    "none", "host-error", "host-qmp-quit", "host-qmp-system-reset", "host-signal",
    "host-ui", "guest-shutdown", "guest-reset", "guest-panic", "subsystem-reset", NULL,
};

static const struct schema_type schema_types[] = {
    { EMPTY, m_empty, NULL },
    { "StatusInfo", m_status, NULL },
    { "VersionTriple", m_version_triple, NULL },
    { "VersionInfo", m_version, NULL },
    { "CommandInfo", m_command_info, NULL },
    { "NameInfo", m_name_info, NULL },
    { "UuidInfo", m_uuid_info, NULL },
    { "KvmInfo", m_kvm_info, NULL },
    { "CpuInstanceProperties", m_cpu_props, NULL },
    { "CpuInfoFast", m_cpu_info, NULL },
    { "ChardevInfo", m_chardev_info, NULL },
    { "MachineInfo", m_machine_info, NULL },
    { "TargetInfo", m_target_info, NULL },
    { "PciInfo", m_pci_info, NULL },
    { "PciDeviceInfo", m_pci_dev, NULL },
    { "PciDeviceClass", m_pci_class, NULL },
    { "PciDeviceId", m_pci_id, NULL },
    { "PciMemoryRegion", m_pci_region, NULL },
    { "BlockInfo", m_block_info, NULL },
    { "BlockDeviceInfo", m_block_device_info, NULL },
    { "ImageInfo", m_image_info, NULL },
    { "BlockdevCacheInfo", m_block_cache_info, NULL },
    { "BlockDeviceIoStatus", NULL, v_io_status },
    { "BlockdevDetectZeroesOptions", NULL, v_detect_zeroes },
    { "VncInfo", m_vnc_info, NULL },
    { "FdsetInfo", m_fdset_info, NULL },
    { "FdsetFdInfo", m_fdset_fd, NULL },
    { "AddfdInfo", m_addfd_info, NULL },
    { "SchemaInfo", m_schema_info, NULL },
    { "KeyValue", m_key_value, NULL, NULL, "type", v_key_value },
    { "IntWrapper", m_int_wrapper, NULL },
    { "QKeyCodeWrapper", m_qkeycode_wrapper, NULL },
    { "QKeyCode", NULL, NULL, keymap_qcode_name },
    { "ObjectTypeInfo", m_object_type_info, NULL },
    { "ObjectPropertyInfo", m_object_property_info, NULL },
    { "CpuDefinitionInfo", m_cpu_definition_info, NULL },
    { "MigrationCapabilityStatus", m_migration_cap_status, NULL },
    { "IOThreadInfo", m_iothread_info, NULL },
    { "HotpluggableCPU", m_hotpluggable_cpu, NULL },
    { "CommandLineOptionInfo", m_cl_option_info, NULL },
    { "CommandLineParameterInfo", m_cl_param_info, NULL },
    { "CommandLineParameterType", NULL, v_cl_param_type },
    { "q_obj_SHUTDOWN-arg", m_shutdown_event, NULL },
    { "q_obj_DEVICE_TRAY_MOVED-arg", m_tray_event, NULL },
    { "RunState", NULL, v_run_state },
    { "SysEmuTarget", NULL, v_target },
    { "QMPCapability", NULL, v_capability },
    { "ImageFormat", NULL, v_image_format },
    { "BlockdevChangeReadOnlyMode", NULL, v_ro_mode },
    { "SchemaMetaType", NULL, v_meta },
    { "KeyValueKind", NULL, v_key_kind },
    { "ShutdownCause", NULL, v_cause },
};

/* Events and their data types. */
static const struct {
    const char *name, *data;
} schema_events[] = {
    { "SHUTDOWN", "q_obj_SHUTDOWN-arg" },
    { "RESET", "q_obj_SHUTDOWN-arg" },
    { "STOP", EMPTY },
    { "RESUME", EMPTY },
    { "POWERDOWN", EMPTY },
    { "DEVICE_TRAY_MOVED", "q_obj_DEVICE_TRAY_MOVED-arg" },
};

static const struct {
    const char *name, *json;
} builtins[] = {
    { "str", "string" }, { "int", "int" }, { "bool", "boolean" },
    { "number", "number" }, { "any", "value" }, { "null", "null" },
};

static const char *arg_schema_type(const struct qmp_arg *a)
{
    if (a->schema_type)
        return a->schema_type;
    switch (a->type) {
    case QMP_STR:
        return "str";
    case QMP_INT:
        return "int";
    case QMP_BOOL:
        return "bool";
    case QMP_NUMBER:
        return "number";
    case QMP_STR_LIST:
        return "[str]";
    case QMP_OBJECT:
    case QMP_ARRAY:
    case QMP_ANY:
        break;
    }
    return "any";
}

static JsonObject *info(const char *name, const char *meta)
{
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "name", name);
    json_object_set_string_member(o, "meta-type", meta);
    return o;
}

static JsonObject *member(const char *name, const char *type, bool optional)
{
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "name", name);
    json_object_set_string_member(o, "type", type);
    if (optional)
        json_object_set_null_member(o, "default");
    return o;
}

/* Record a type reference; arrays bring their element type along. */
static void use(GHashTable *used, const char *type)
{
    if (g_hash_table_contains(used, type))
        return;
    g_hash_table_add(used, g_strdup(type));
    size_t n = strlen(type);
    if (type[0] == '[' && n > 2) {
        char *elem = g_strndup(type + 1, n - 2);
        use(used, elem);
        g_free(elem);
    }
}

static void add_commands(JsonArray *out, GHashTable *used)
{
    for (size_t i = 0; i < qmp_ncommands; i++) {
        const struct qmp_command *c = &qmp_commands[i];
        char *arg = c->args ? g_strdup_printf("q_obj_%s-arg", c->name) : g_strdup(EMPTY);
        JsonObject *o = info(c->name, "command");
        json_object_set_string_member(o, "arg-type", arg);
        json_object_set_string_member(o, "ret-type", c->ret_type);
        json_object_set_boolean_member(o, "allow-oob", false);
        json_array_add_object_element(out, o);
        use(used, c->ret_type);
        if (c->args) {
            JsonArray *members = json_array_new();
            for (const struct qmp_arg *a = c->args; a->name; a++) {
                json_array_add_object_element(members,
                                              member(a->name, arg_schema_type(a), a->optional));
                use(used, arg_schema_type(a));
            }
            JsonObject *t = info(arg, "object");
            json_object_set_array_member(t, "members", members);
            json_array_add_object_element(out, t);
        } else {
            use(used, EMPTY);
        }
        g_free(arg);
    }
    for (size_t i = 0; i < ARRAY_SIZE(schema_events); i++) {
        JsonObject *o = info(schema_events[i].name, "event");
        json_object_set_string_member(o, "arg-type", schema_events[i].data);
        json_array_add_object_element(out, o);
        use(used, schema_events[i].data);
    }
}

static const char *enum_value(const struct schema_type *t, size_t i)
{
    return t->value_fn ? t->value_fn(i) : t->values[i];
}

static void add_type(JsonArray *out, GHashTable *used, const struct schema_type *t)
{
    if (t->values || t->value_fn) {
        JsonObject *o = info(t->name, "enum");
        JsonArray *values = json_array_new(), *members = json_array_new();
        const char *v;
        for (size_t i = 0; (v = enum_value(t, i)); i++) {
            json_array_add_string_element(values, v);
            JsonObject *mo = json_object_new();
            json_object_set_string_member(mo, "name", v);
            json_array_add_object_element(members, mo);
        }
        json_object_set_array_member(o, "members", members);
        json_object_set_array_member(o, "values", values);
        json_array_add_object_element(out, o);
        return;
    }
    JsonObject *o = info(t->name, "object");
    JsonArray *members = json_array_new();
    for (const struct schema_member *mb = t->members; mb->name; mb++) {
        json_array_add_object_element(members, member(mb->name, mb->type, mb->optional));
        use(used, mb->type);
    }
    json_object_set_array_member(o, "members", members);
    if (t->tag) {
        JsonArray *variants = json_array_new();
        for (const struct schema_variant *v = t->variants; v->tag_value; v++) {
            JsonObject *vo = json_object_new();
            json_object_set_string_member(vo, "case", v->tag_value);
            json_object_set_string_member(vo, "type", v->type);
            json_array_add_object_element(variants, vo);
            use(used, v->type);
        }
        json_object_set_string_member(o, "tag", t->tag);
        json_object_set_array_member(o, "variants", variants);
    }
    json_array_add_object_element(out, o);
}

JsonNode *qmp_schema(void)
{
    JsonArray *out = json_array_new();
    GHashTable *used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GHashTable *done = g_hash_table_new(g_str_hash, g_str_equal);
    add_commands(out, used);
    /* Named types until no new reference appears (members add more). */
    bool progress = true;
    while (progress) {
        progress = false;
        for (size_t i = 0; i < ARRAY_SIZE(schema_types); i++) {
            const struct schema_type *t = &schema_types[i];
            if (g_hash_table_contains(used, t->name) && !g_hash_table_contains(done, t->name)) {
                g_hash_table_add(done, (gpointer)t->name);
                add_type(out, used, t);
                progress = true;
            }
        }
    }
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, used);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        const char *name = key;
        size_t n = strlen(name);
        if (name[0] != '[' || n <= 2)
            continue;
        char *elem = g_strndup(name + 1, n - 2);
        JsonObject *o = info(name, "array");
        json_object_set_string_member(o, "element-type", elem);
        json_array_add_object_element(out, o);
        g_free(elem);
    }
    for (size_t i = 0; i < ARRAY_SIZE(builtins); i++) {
        if (!g_hash_table_contains(used, builtins[i].name))
            continue;
        JsonObject *o = info(builtins[i].name, "builtin");
        json_object_set_string_member(o, "json-type", builtins[i].json);
        json_array_add_object_element(out, o);
    }
    g_hash_table_destroy(done);
    g_hash_table_destroy(used);
    return qmp_node_array(out);
}
