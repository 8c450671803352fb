/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pc.c: the PC board: an i440FX/PIIX3 PC with the PIIX4 PM function.
 *
 * Every device is created and wired here, explicitly, in the order a reader
 * would look for it: firmware, legacy ISA devices, interrupt routing, boot.
 *
 * Interrupt routing: ISA IRQ n is GSI n; the accelerator's interrupt
 * controllers (in-kernel PIC/IOAPIC under KVM) take it from there, with the
 * PC's IRQ0 -> IOAPIC pin 2 wiring.  Two devices may share an ISA line
 * (COM1/COM3 on IRQ 4): the line is high while any of them asserts it.
 *
 * A20: the keyboard controller's output port bit 1 and port 0x92 bit 1 are
 * ORed, as on PC chipsets.  Under KVM the gate cannot be applied (the CPU
 * always sees A20 on, as QEMU does under KVM); the soft CPU will honour it. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <glib.h>
#include "core/accel_ops.h"
#include "core/log.h"
#include "firmware/roms.h"
#include "hw/acpi/loader.h"
#include "hw/acpi/tables.h"
#include "hw/acpi/piix4_pm.h"
#include "hw/boot/boot.h"
#include "hw/boot/bootorder.h"
#include "hw/boot/e820.h"
#include "hw/boot/linux.h"
#include "hw/boot/mptable.h"
#include "hw/boot/smbios.h"
#include "hw/char/uart16550.h"
#include "hw/ide/piix.h"
#include "hw/input/i8042.h"
#include "hw/intc/apic_bus.h"
#include "hw/intc/i8259.h"
#include "hw/intc/ioapic.h"
#include "hw/intc/lapic.h"
#include "hw/misc/debug_exit.h"
#include "hw/misc/debugcon.h"
#include "hw/misc/fw_cfg.h"
#include "hw/misc/port92.h"
#include "hw/pc.h"
#include "hw/pci/i440fx.h"
#include "hw/pci/piix3.h"
#include "hw/rtc/mc146818.h"
#include "hw/timer/hpet.h"
#include "hw/timer/i8254.h"

#define NGSI 24

static const struct {
    uint16_t port;
    uint8_t irq;
    const char *id;
} com_ports[PC_MAX_SERIAL] = {
    { 0x3f8, 4, "com1" },
    { 0x2f8, 3, "com2" },
    { 0x3e8, 4, "com3" },
    { 0x2e8, 3, "com4" },
};

struct pc {
    struct machine *m;
    struct uart16550 *com[PC_MAX_SERIAL];
    struct mc146818 *rtc;
    struct i8042 *kbc;
    struct port92 *p92;
    struct fw_cfg *fw_cfg;
    struct debugcon *debugcon;
    struct debug_exit *debug_exit[PC_MAX_DEBUG_EXIT];

    /* Interrupt controllers and timer when the accelerator does not model
     * them (soft, test): NULL under KVM. */
    struct i8259 *pic;
    struct i8254 *pit;
    struct ioapic *ioapic;
    struct apic_bus *apic_bus;
    struct lapic **lapics;

    /* Firmware ROM: mapped at the top of 4 GiB; its last 128 KiB appear
     * below 1 MiB through the i440FX's PAM (create_pci). */
    uint8_t *bios;
    size_t bios_size;
    struct mem_region bios_high;

    struct boot_image *kernel;
    /* SMBIOS: in fw_cfg for firmware, or written to RAM on a direct boot. */
    struct smbios_blob smbios;
    bool smbios_direct;

    /* HPET (NULL when the accelerator owns it).  The PIT's IRQ 0 (gate 0)
     * and the RTC's IRQ 8 (gate 1) pass through hpet_gate_sink, which
     * holds them off their inputs while legacy replacement is on. */
    struct hpet *hpet;
    struct irq_line hpet_gated[2]; /* the sources' original connections */
    int hpet_gate_src[2];          /* the sources' levels */
    bool hpet_legacy;

    /* ACPI tables (also served through fw_cfg) and the -boot items. */
    struct acpi_tables acpi;
    struct boot_ide_drive boot_drives[BOOT_MAX_IDE];
    char boot_order[sizeof(((struct pc_config *)0)->boot_order)];
    bool boot_once_pending; /* -boot once=: restore boot_order at the next reset */
    bool boot_strict;       /* -boot strict=on */
    bool bootorder_file;    /* "bootorder" exists in fw_cfg */
    /* PCI: bus 0 with the i440FX host bridge, the PIIX3 ISA bridge and the
     * PIIX4 power management function. */
    struct pci_bus pci;
    struct i440fx *i440fx;
    struct piix3 *piix3;
    struct piix4_pm *pm;

    /* IDE (create_ide): the PIIX3 IDE function and its drives.  A drive's
     * first image belongs to main.c; images the monitor opened belong to
     * the board (ide_owned) and are closed once nothing is in flight. */
    struct piix_ide *ide;
    struct pc_drive drives[PC_MAX_IDE];
    bool ide_owned[PC_MAX_IDE];
    GPtrArray *retired_blks;
    pc_tray_fn *tray_fn;
    void *tray_opaque;

    uint32_t gsi_sources[NGSI]; /* bit per input currently asserting */
    unsigned nsources;
    bool a20[2];
};

/* ---- interrupts ---- */

static void isa_irq_sink(void *opaque, int n, int level)
{
    struct pc *pc = opaque;
    unsigned gsi = n & 0xff, src = (unsigned)n >> 8;
    uint32_t before = pc->gsi_sources[gsi];
    if (level)
        pc->gsi_sources[gsi] |= 1u << src;
    else
        pc->gsi_sources[gsi] &= ~(1u << src);
    if (!before == !pc->gsi_sources[gsi])
        return;
    int on = pc->gsi_sources[gsi] != 0;
    pc->m->accel->set_irq(pc->m, gsi, on);
    /* hvemu's own controllers: ISA IRQ n goes to 8259 input n and IOAPIC
     * pin n, except the PIT's IRQ 0, which the PC wires to IOAPIC pin 2. */
    if (pc->pic && gsi < 16)
        i8259_set_irq(pc->pic, gsi, on);
    if (pc->ioapic)
        ioapic_set_irq(pc->ioapic, gsi == 0 ? 2 : gsi, on);
}

/* The 8259's INT output reaches every local APIC's LINT0 (virtual wire). */
static void pic_intr_sink(void *opaque, int n, int level)
{
    struct pc *pc = opaque;
    (void)n;
    for (unsigned i = 0; i < pc->m->smp_cpus; i++)
        lapic_set_lint(pc->lapics[i], 0, level);
}

static void connect_isa(struct pc *pc, struct irq_line *line, unsigned gsi)
{
    g_assert(gsi < NGSI && pc->nsources < 32);
    irq_connect(line, isa_irq_sink, pc, (int)(gsi | pc->nsources++ << 8));
}

static void a20_sink(void *opaque, int n, int level)
{
    struct pc *pc = opaque;
    pc->a20[n] = level;
    if (pc->m->accel->set_a20)
        pc->m->accel->set_a20(pc->m, pc->a20[0] || pc->a20[1]);
}

/* ---- firmware ---- */

static int load_bios(struct pc *pc, const char *path, char **err)
{
    GError *gerr = NULL;
    gchar *data;
    gsize len;
    if (!g_file_get_contents(path, &data, &len, &gerr)) {
        *err = g_strdup_printf("-bios %s: %s", path,
                               gerr->code == G_FILE_ERROR_NOENT ? "No such file or directory"
                                                                : gerr->message);
        g_error_free(gerr);
        return -1;
    }
    if (len == 0 || len % (64 * KiB) || len > 16 * MiB) {
        *err = g_strdup_printf("-bios %s: size %zu is not a multiple of 64 KiB up to 16 MiB",
                               path, (size_t)len);
        g_free(data);
        return -1;
    }
    /* Page-aligned backing: accelerators map it straight into the guest. */
    pc->bios = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pc->bios == MAP_FAILED) {
        pc->bios = NULL;
        *err = g_strdup_printf("-bios %s: out of memory", path);
        g_free(data);
        return -1;
    }
    memcpy(pc->bios, data, len);
    g_free(data);
    pc->bios_size = len;

    struct machine *m = pc->m;
    region_init_rom(&pc->bios_high, "bios", len, pc->bios);
    as_add(&m->mem, &pc->bios_high, 4 * GiB - len, 0);
    /* The alias below 1 MiB is the i440FX's: PAM decides when it shows
     * (create_pci). */
    return 0;
}

/* ---- CMOS and fw_cfg: what firmware and loaders read ---- */

static void fill_fw_cfg(struct pc *pc)
{
    struct machine *m = pc->m;
    fw_cfg_add_bytes(pc->fw_cfg, FW_CFG_UUID, m->uuid, 16);
    fw_cfg_add_u64(pc->fw_cfg, FW_CFG_RAM_SIZE, m->ram_size);
    fw_cfg_add_u16(pc->fw_cfg, FW_CFG_NB_CPUS, (uint16_t)m->smp_cpus);
    fw_cfg_add_u16(pc->fw_cfg, FW_CFG_MAX_CPUS, (uint16_t)m->smp_cpus);
    fw_cfg_add_u64(pc->fw_cfg, FW_CFG_NUMA, 0);
    fw_cfg_add_u16(pc->fw_cfg, FW_CFG_BOOT_MENU, 0);
    struct e820_entry map[E820_MAX];
    size_t n = pc_e820_map(m, map, E820_MAX);
    for (size_t i = 0; i < n; i++)
        fw_cfg_add_e820(pc->fw_cfg, map[i].addr, map[i].size, map[i].type);
}

/* -kernel behind the firmware: the kernel, initrd and command line go to
 * fw_cfg with the addresses to load them at, and firmware/linuxboot.S as
 * the option ROM genroms/linuxboot.bin, which SeaBIOS runs and boots.  The
 * ROM's size byte and checksums are filled here (roms.h). */
#define LINUXBOOT_ROM_NAME "genroms/linuxboot.bin"
#define LINUXBOOT_ROM_PATH "/rom@" LINUXBOOT_ROM_NAME /* its bootorder entry */

static int serve_kernel(struct pc *pc, char **err)
{
    struct linux_image *li = boot_image_linux(pc->kernel);
    if (!li) {
        *err = g_strdup("-kernel with firmware: only Linux bzImages boot through the "
                        "firmware; Multiboot kernels boot without -bios");
        return -1;
    }
    struct linux_fw_load l;
    if (linux_image_fw_load(li, pc->m, &l, err))
        return -1;
    struct fw_cfg *fw = pc->fw_cfg;
    fw_cfg_add_u32(fw, FW_CFG_SETUP_ADDR, l.setup_addr);
    fw_cfg_add_u32(fw, FW_CFG_SETUP_SIZE, l.setup_size);
    fw_cfg_add_bytes(fw, FW_CFG_SETUP_DATA, l.setup, l.setup_size);
    fw_cfg_add_u32(fw, FW_CFG_KERNEL_ADDR, l.kernel_addr);
    fw_cfg_add_u32(fw, FW_CFG_KERNEL_SIZE, l.kernel_size);
    fw_cfg_add_bytes(fw, FW_CFG_KERNEL_DATA, l.kernel, l.kernel_size);
    fw_cfg_add_u32(fw, FW_CFG_INITRD_ADDR, l.initrd_addr);
    fw_cfg_add_u32(fw, FW_CFG_INITRD_SIZE, l.initrd_size);
    fw_cfg_add_bytes(fw, FW_CFG_INITRD_DATA, l.initrd, l.initrd_size);
    fw_cfg_add_u32(fw, FW_CFG_KERNEL_CMDLINE, l.cmdline_addr);
    fw_cfg_add_u32(fw, FW_CFG_CMDLINE_ADDR, l.cmdline_addr);
    fw_cfg_add_u32(fw, FW_CFG_CMDLINE_SIZE, l.cmdline_size);
    fw_cfg_add_bytes(fw, FW_CFG_CMDLINE_DATA, l.cmdline, l.cmdline_size);
    g_free(l.setup);

    size_t n = (linuxboot_rom_size + 511) & ~(size_t)511;
    uint8_t *rom = g_malloc0(n);
    memcpy(rom, linuxboot_rom, linuxboot_rom_size);
    rom[2] = (uint8_t)(n / 512);
    size_t pnp = rom[0x1a] | (size_t)rom[0x1b] << 8;
    g_assert(pnp + 32 <= n && !memcmp(rom + pnp, "$PnP", 4));
    rom[pnp + 9] = checksum8(rom + pnp, 32);
    rom[n - 1] = checksum8(rom, n);
    int r = fw_cfg_add_file(fw, LINUXBOOT_ROM_NAME, rom, (uint32_t)n);
    g_free(rom);
    if (r < 0) {
        *err = g_strdup("fw_cfg: no room for genroms/linuxboot.bin");
        return -1;
    }
    return 0;
}

static void fill_cmos(struct pc *pc)
{
    struct machine *m = pc->m;
    mc146818_set_pc_memory(pc->rtc, m->below_4g, m->above_4g);
    mc146818_nvram_set(pc->rtc, 0x5f, (uint8_t)(m->smp_cpus - 1));
    mc146818_set_checksum(pc->rtc);
}

/* ---- ACPI tables and boot items ---- */

/* Whether the board has an HPET at 0xFED00000 (not when the accelerator
 * owns it: Xen describes its own). */
static bool board_has_hpet(const struct pc *pc)
{
    return pc->hpet != NULL;
}

/* Build the ACPI tables and publish them as QEMU does: the blobs and the
 * linker/loader commands SeaBIOS executes (SeaBIOS also moves its PM base
 * to 0x600 when it sees etc/table-loader, matching the FADT). */
static int fill_acpi(struct pc *pc, const struct pc_config *cfg, char **err)
{
    struct machine *m = pc->m;
    struct acpi_config ac = {
        .ncpus = m->smp_cpus,
        .ioapic_id = 0, /* the ID register's reset value, as the MP table says */
        .below_4g = m->below_4g,
        .above_4g = m->above_4g,
        .hpet = board_has_hpet(pc),
    };
    for (int i = 0; i < ACPI_MAX_SERIAL && i < PC_MAX_SERIAL; i++)
        ac.serial[i] = cfg->serial[i].present;
    if (acpi_build(&ac, &pc->acpi, err))
        return -1;
    fw_cfg_add_file(pc->fw_cfg, ACPI_FILE_TABLES, pc->acpi.tables, pc->acpi.tables_len);
    fw_cfg_add_file(pc->fw_cfg, ACPI_FILE_RSDP, pc->acpi.rsdp, pc->acpi.rsdp_len);
    fw_cfg_add_file(pc->fw_cfg, ACPI_FILE_LOADER, pc->acpi.loader, pc->acpi.loader_len);
    return 0;
}

/* Firmware-less boot: run the table-loader commands as SeaBIOS would and
 * leave the result where a BIOS leaves it (see ACPI_DIRECT_* in
 * hw/acpi/tables.h); Linux finds the RSDP by scanning 0xE0000-0xFFFFF. */
static int install_acpi_direct(struct pc *pc, char **err)
{
    const struct acpi_loader_file files[] = {
        { ACPI_FILE_TABLES, pc->acpi.tables, pc->acpi.tables_len },
        { ACPI_FILE_RSDP, pc->acpi.rsdp, pc->acpi.rsdp_len },
    };
    const struct acpi_loader_zone zones[2] = {
        { ACPI_DIRECT_HIGH_BASE, ACPI_DIRECT_HIGH_SIZE },
        { ACPI_DIRECT_FSEG_BASE, ACPI_DIRECT_FSEG_SIZE },
    };
    struct acpi_loader_result res;
    int r = acpi_loader_run(pc->acpi.loader, pc->acpi.loader_len, files, ARRAY_SIZE(files),
                            zones, &res);
    if (!r && (res.errors || res.nfiles != ARRAY_SIZE(files)))
        r = -1;
    for (size_t i = 0; !r && i < res.nfiles; i++)
        r = machine_write_phys(pc->m, res.files[i].addr, res.files[i].data, res.files[i].len);
    acpi_loader_result_free(&res);
    if (r)
        *err = g_strdup("ACPI: cannot place the tables below 1 MiB");
    return r;
}

/* The boot order SeaBIOS sees: the "bootorder" file and CMOS 0x3d/0x38. */
static void set_boot_order(struct pc *pc, const char *order)
{
    uint8_t r3d, r38;
    boot_order_cmos(order, &r3d, &r38);
    mc146818_nvram_set(pc->rtc, 0x3d, r3d);
    mc146818_nvram_set(pc->rtc, 0x38, r38);
    size_t len;
    char *paths = boot_order_fw_paths(order, pc->boot_drives, pc->boot_strict, &len);
    if (pc->bios && pc->kernel) {
        /* -kernel behind the firmware boots first, as with QEMU. */
        char *k = g_strconcat(LINUXBOOT_ROM_PATH, len > 1 ? "\n" : "", paths, NULL);
        g_free(paths);
        paths = k;
        len = strlen(k) + 1;
    }
    if (len > 1 || pc->bootorder_file) {
        fw_cfg_add_file(pc->fw_cfg, "bootorder", paths, (uint32_t)len);
        pc->bootorder_file = true;
    }
    g_free(paths);
}

static void fill_boot_items(struct pc *pc, const struct pc_config *cfg)
{
    for (int i = 0; i < BOOT_MAX_IDE && i < PC_MAX_IDE; i++) {
        pc->boot_drives[i].present = cfg->ide[i].present;
        pc->boot_drives[i].cdrom = cfg->ide[i].media == PC_MEDIA_CDROM;
    }
    g_strlcpy(pc->boot_order, cfg->boot_order, sizeof(pc->boot_order));
    pc->boot_strict = cfg->boot_strict;
    pc->boot_once_pending = cfg->boot_once[0] != 0;
    set_boot_order(pc, pc->boot_once_pending ? cfg->boot_once : cfg->boot_order);

    /* -boot menu=on: the legacy key and the file SeaBIOS maps it to. */
    uint8_t menu[2] = { cfg->boot_menu, 0 };
    fw_cfg_add_u16(pc->fw_cfg, FW_CFG_BOOT_MENU, cfg->boot_menu);
    fw_cfg_add_file(pc->fw_cfg, "etc/show-boot-menu", menu, sizeof(menu));
    if (cfg->boot_splash_time >= 0) { /* -1: not given */
        uint8_t wait[2];
        st16(wait, (uint16_t)MIN(cfg->boot_splash_time, 0xffff));
        fw_cfg_add_file(pc->fw_cfg, "etc/boot-menu-wait", wait, sizeof(wait));
    }
    /* reboot-timeout in ms; -1 (all ones): wait forever, as QEMU's
     * default, instead of SeaBIOS's own 60 s. */
    uint8_t fail[4];
    st32(fail, (uint32_t)cfg->boot_reboot_timeout);
    fw_cfg_add_file(pc->fw_cfg, "etc/boot-fail-wait", fail, sizeof(fail));
    /* No VGA yet: SeaBIOS's screen output goes to COM1 (its sercon).  The
     * VGA device will drop this item when it exists. */
    if (cfg->serial[0].present) {
        uint8_t port[2];
        st16(port, 0x3f8);
        fw_cfg_add_file(pc->fw_cfg, "etc/sercon-port", port, sizeof(port));
    }
}

/* ---- devices ---- */

static void add_dev(struct pc *pc, const struct dev_class *cls, void *dev, const char *id)
{
    machine_add_device(pc->m, cls, dev, id);
}

static void map_io(struct pc *pc, struct mem_region *r, uint16_t port)
{
    as_add(&pc->m->io, r, port, 0);
}

static void create_serial(struct pc *pc, const struct pc_config *cfg)
{
    for (int i = 0; i < PC_MAX_SERIAL; i++) {
        if (!cfg->serial[i].present)
            continue;
        struct uart16550 *u = uart16550_new(&pc->m->env, cfg->serial[i].cd, com_ports[i].id);
        map_io(pc, &u->region, com_ports[i].port);
        connect_isa(pc, &u->irq, com_ports[i].irq);
        add_dev(pc, &uart16550_class, u, com_ports[i].id);
        pc->com[i] = u;
    }
}

/* PIC, PIT, IOAPIC and one local APIC per CPU, for accelerators that do
 * not bring their own (KVM has them in the kernel). */
static int create_intc(struct pc *pc, char **err)
{
    struct machine *m = pc->m;
    const struct dev_env *env = &m->env;
    if (m->accel->owns & OWN_PIC)
        return 0;
    pc->pic = i8259_new(env);
    map_io(pc, &pc->pic->region_master, 0x20);
    map_io(pc, &pc->pic->region_slave, 0xa0);
    map_io(pc, &pc->pic->region_elcr, 0x4d0);
    irq_connect(&pc->pic->intr, pic_intr_sink, pc, 0);
    add_dev(pc, &i8259_class, pc->pic, "pic");

    pc->pit = i8254_new(env);
    map_io(pc, &pc->pit->region, 0x40);
    map_io(pc, &pc->pit->region_port61, 0x61);
    connect_isa(pc, &pc->pit->irq, 0);
    add_dev(pc, &i8254_class, pc->pit, "pit");

    pc->apic_bus = apic_bus_new(&m->log);
    pc->ioapic = ioapic_new(env, pc->apic_bus);
    as_add(&m->mem, &pc->ioapic->region, IOAPIC_DEFAULT_BASE, 1);
    add_dev(pc, &ioapic_class, pc->ioapic, "ioapic");

    pc->lapics = g_new0(struct lapic *, m->smp_cpus);
    m->intc = g_new0(struct cpu_intc, m->smp_cpus);
    for (unsigned i = 0; i < m->smp_cpus; i++) {
        struct lapic_config lc = {
            .apic_id = i,
            .bsp = i == 0,
            .tsc_hz = 2000000000ULL, /* the soft CPU's TSC rate */
            .bus = pc->apic_bus,
            .link = m->cpu_links ? &m->cpu_links[i] : NULL,
            .extint_ack = i8259_extint_ack,
            .extint_opaque = pc->pic,
        };
        struct lapic *a = lapic_new(env, &lc);
        if (!a) {
            *err = g_strdup_printf("cannot create the local APIC of CPU %u", i);
            return -1;
        }
        char id[32];
        snprintf(id, sizeof(id), "lapic%u", i);
        add_dev(pc, &lapic_class, a, id);
        pc->lapics[i] = a;
        m->intc[i] = (struct cpu_intc){ .ops = &lapic_ops, .apic = a, .link = lc.link };
    }
    return 0;
}

static void create_legacy(struct pc *pc, const struct pc_config *cfg)
{
    const struct dev_env *env = &pc->m->env;

    pc->rtc = mc146818_new(env, cfg->rtc_base);
    map_io(pc, &pc->rtc->region, 0x70);
    connect_isa(pc, &pc->rtc->irq, 8);
    add_dev(pc, &mc146818_class, pc->rtc, "rtc");

    pc->kbc = i8042_new(env);
    map_io(pc, &pc->kbc->region_data, 0x60);
    map_io(pc, &pc->kbc->region_cmd, 0x64);
    connect_isa(pc, &pc->kbc->irq_kbd, 1);
    connect_isa(pc, &pc->kbc->irq_aux, 12);
    irq_connect(&pc->kbc->a20, a20_sink, pc, 0);
    add_dev(pc, &i8042_class, pc->kbc, "i8042");

    pc->p92 = port92_new(env);
    map_io(pc, &pc->p92->region, 0x92);
    irq_connect(&pc->p92->a20, a20_sink, pc, 1);
    add_dev(pc, &port92_class, pc->p92, "port92");

    pc->fw_cfg = fw_cfg_new(env);
    map_io(pc, &pc->fw_cfg->region, 0x510);
    add_dev(pc, &fw_cfg_class, pc->fw_cfg, "fw_cfg");

    create_serial(pc, cfg);

    if (cfg->debugcon) {
        pc->debugcon = debugcon_new(env, cfg->debugcon_cd);
        map_io(pc, &pc->debugcon->region, cfg->debugcon_iobase);
        add_dev(pc, &debugcon_class, pc->debugcon, "debugcon");
    }
    for (int i = 0; i < cfg->ndebug_exit; i++) {
        struct debug_exit *d = debug_exit_new(env, cfg->debug_exit[i].iosize);
        char id[32];
        snprintf(id, sizeof(id), "debug-exit%d", i);
        map_io(pc, &d->region, cfg->debug_exit[i].iobase);
        add_dev(pc, &debug_exit_class, d, id);
        pc->debug_exit[i] = d;
    }
}

/* ---- HPET ---- */

static void hpet_gate_update(struct pc *pc, int i)
{
    irq_set(&pc->hpet_gated[i], pc->hpet_gate_src[i] && !pc->hpet_legacy);
}

static void hpet_gate_sink(void *opaque, int n, int level)
{
    struct pc *pc = opaque;
    pc->hpet_gate_src[n] = level;
    hpet_gate_update(pc, n);
}

/* LEG_RT_CNF: the HPET's timers 0 and 1 take over ISA IRQ 0 and 8, so the
 * PIT and RTC no longer reach them (an in-kernel PIT is told through the
 * accelerator). */
static void hpet_legacy_sink(void *opaque, int n, int level)
{
    struct pc *pc = opaque;
    (void)n;
    pc->hpet_legacy = level;
    for (int i = 0; i < 2; i++)
        hpet_gate_update(pc, i);
    if (pc->m->accel->set_hpet_legacy)
        pc->m->accel->set_hpet_legacy(pc->m, level);
}

/* Route the already connected source line `src` through gate i. */
static void hpet_gate(struct pc *pc, int i, struct irq_line *src)
{
    int level = src->level;
    pc->hpet_gated[i] = *src;
    pc->hpet_gate_src[i] = level;
    irq_connect(src, hpet_gate_sink, pc, i);
    src->level = level;
}

static void create_hpet(struct pc *pc)
{
    struct machine *m = pc->m;
    if (m->accel->owns & OWN_HPET)
        return;
    struct hpet *h = hpet_new(&m->env);
    as_add(&m->mem, &h->region, HPET_DEFAULT_BASE, 1);
    for (int i = 0; i < HPET_NUM_ROUTES; i++)
        connect_isa(pc, &h->irq[i], HPET_ROUTE_FIRST + i);
    connect_isa(pc, &h->irq0, 0);
    connect_isa(pc, &h->irq8, 8);
    if (pc->pit)
        hpet_gate(pc, 0, &pc->pit->irq);
    hpet_gate(pc, 1, &pc->rtc->irq);
    irq_connect(&h->legacy, hpet_legacy_sink, pc, 0);
    add_dev(pc, &hpet_class, h, "hpet");
    pc->hpet = h;
}

/* ---- SMBIOS ---- */

/* Build the tables (before any device exists: a failure here is a user
 * error pc_new can unwind).  Behind firmware they go to fw_cfg
 * (fill_smbios; SeaBIOS adds its own type 0); a direct -kernel boot gets
 * them, type 0 included, in the BIOS area at every reset (install_smbios). */
static int build_smbios(struct pc *pc, const struct pc_config *cfg, char **err)
{
    static const struct smbios_settings defaults;
    struct machine *m = pc->m;
    struct smbios_machine mc = {
        .cpus = m->smp_cpus,
        .below_4g = m->below_4g,
        .above_4g = m->above_4g,
    };
    memcpy(mc.uuid, m->uuid, sizeof(mc.uuid));
    if (m->accel && m->accel->cpuid) {
        uint32_t r[4];
        m->accel->cpuid(m, 1, 0, r);
        mc.cpu_id = (uint64_t)r[3] << 32 | r[0]; /* EDX:EAX, SMBIOS 7.5.3 */
    }
    pc->smbios_direct = pc->kernel && !cfg->bios;
    if (smbios_build(cfg->smbios ? cfg->smbios : &defaults, &mc, SMBIOS_ENTRY_32,
                     pc->smbios_direct, &pc->smbios, err))
        return -1;
    if (!pc->smbios_direct)
        return 0;
    if (pc->smbios.tables_len > SMBIOS_DIRECT_END - SMBIOS_DIRECT_TABLES) {
        *err = g_strdup_printf("SMBIOS tables (%zu bytes) do not fit the BIOS area of a "
                               "direct -kernel boot", pc->smbios.tables_len);
        return -1;
    }
    smbios_set_table_address(&pc->smbios, SMBIOS_DIRECT_TABLES);
    return 0;
}

static void fill_smbios(struct pc *pc)
{
    if (pc->smbios_direct)
        return;
    fw_cfg_add_file(pc->fw_cfg, "etc/smbios/smbios-anchor", pc->smbios.anchor,
                    (uint32_t)pc->smbios.anchor_len);
    fw_cfg_add_file(pc->fw_cfg, "etc/smbios/smbios-tables", pc->smbios.tables,
                    (uint32_t)pc->smbios.tables_len);
}

static int install_smbios(struct pc *pc, char **err)
{
    struct machine *m = pc->m;
    if (!pc->smbios_direct)
        return 0;
    if (machine_write_phys(m, SMBIOS_DIRECT_TABLES, pc->smbios.tables, pc->smbios.tables_len) ||
        machine_write_phys(m, SMBIOS_DIRECT_ANCHOR, pc->smbios.anchor, pc->smbios.anchor_len)) {
        *err = g_strdup("cannot write the SMBIOS tables: no RAM at 0xF0000");
        return -1;
    }
    return 0;
}

/* ---- PCI: i440FX, PIIX3, PIIX4 PM ---- */

/* One interrupt source shared by a bank of ISA lines (the PIIX3's PIRQ
 * outputs, one per ISA IRQ): each line is a different GSI, so they can
 * share the source bit. */
static void connect_isa_bank(struct pc *pc, struct irq_line *lines, unsigned n)
{
    g_assert(n <= NGSI && pc->nsources < 32);
    unsigned src = pc->nsources++;
    for (unsigned gsi = 0; gsi < n; gsi++)
        irq_connect(&lines[gsi], isa_irq_sink, pc, (int)(gsi | src << 8));
}

static void create_pci(struct pc *pc)
{
    struct machine *m = pc->m;
    const struct dev_env *env = &m->env;
    pci_bus_init(&pc->pci, &m->io, &m->mem, &m->log);

    size_t low = pc->bios ? MIN(pc->bios_size, 128 * KiB) : 0;
    pc->i440fx = i440fx_new(env, &pc->pci, m->ram, m->below_4g,
                            pc->bios ? pc->bios + pc->bios_size - low : NULL, low);
    map_io(pc, &pc->i440fx->cf8, 0xcf8);
    map_io(pc, &pc->i440fx->cfc, 0xcfc);
    i440fx_map_legacy(pc->i440fx, &m->mem);
    add_dev(pc, &i440fx_class, pc->i440fx, "i440fx");

    pc->piix3 = piix3_new(env, &pc->pci, PCI_DEVFN(1, 0));
    pc->pci.set_irq = piix3_set_pirq; /* PIRQA-D -> PIRQRC -> ISA IRQ */
    pc->pci.opaque = pc->piix3;
    pc->i440fx->cf9_target = &pc->piix3->rcr; /* byte 0xcf9 */
    connect_isa_bank(pc, pc->piix3->isa_irq, 16);
    add_dev(pc, &piix3_class, pc->piix3, "piix3");

    pc->pm = piix4_pm_new(env, &pc->pci, PCI_DEVFN(1, 3));
    connect_isa(pc, &pc->pm->sci, PIIX4_SCI_IRQ);
    map_io(pc, &pc->pm->apm, PIIX4_SMI_CMD_PORT);
    add_dev(pc, &piix4_pm_class, pc->pm, "piix4_pm");
}

struct pci_bus *pc_pci_bus(struct pc *pc)
{
    return &pc->pci;
}

void pc_power_button(struct pc *pc)
{
    piix4_pm_power_button(pc->pm);
}

static void board_powerdown(struct machine *m)
{
    pc_power_button(m->board);
}

/* ---- IDE ---- */

static void ide_tray_moved(void *opaque, struct ide_bus *bus, int unit, bool open)
{
    struct pc *pc = opaque;
    int index = 2 * (bus == &pc->ide->bus[1]) + unit;
    if (pc->tray_fn)
        pc->tray_fn(pc->tray_opaque, pc->drives[index].id, open);
}

/* The PIIX3 IDE function at 00:01.1, channels at 0x1f0/0x3f6 IRQ 14 and
 * 0x170/0x376 IRQ 15.  Without firmware nobody sets IDETIM's decode bits,
 * so they come out of reset set (what SeaBIOS would have written). */
static int create_ide(struct pc *pc, const struct pc_config *cfg, char **err)
{
    struct machine *m = pc->m;
    struct piix_ide *ide = piix_ide_new(&m->env, &pc->pci, PIIX_IDE_DEVFN, !pc->bios);
    if (!ide) {
        *err = g_strdup("IDE: PCI slot 00:01.1 is taken");
        return -1;
    }
    pc->ide = ide;
    add_dev(pc, &piix_ide_class, ide, "piix3-ide");
    map_io(pc, &ide->bus[0].cmd_region, PIIX_IDE_PRI_CMD);
    map_io(pc, &ide->bus[0].ctl_region, PIIX_IDE_PRI_CTL);
    map_io(pc, &ide->bus[1].cmd_region, PIIX_IDE_SEC_CMD);
    map_io(pc, &ide->bus[1].ctl_region, PIIX_IDE_SEC_CTL);
    connect_isa(pc, &ide->irq[0], PIIX_IDE_PRI_IRQ);
    connect_isa(pc, &ide->irq[1], PIIX_IDE_SEC_IRQ);
    for (int i = 0; i < PC_MAX_IDE; i++) {
        const struct pc_drive *d = &cfg->ide[i];
        pc->drives[i] = *d;
        if (!d->present)
            continue;
        struct ide_bus *bus = &ide->bus[i / 2];
        int rc = d->media == PC_MEDIA_CDROM ? ide_attach_cd(bus, i % 2, d->blk, NULL)
                                            : ide_attach_disk(bus, i % 2, d->blk, NULL);
        if (rc) {
            *err = g_strdup_printf("%s: %s", d->id,
                                   d->blk ? "the image is smaller than one sector"
                                          : "a disk needs an image");
            return -1;
        }
    }
    for (int ch = 0; ch < 2; ch++)
        ide_bus_set_tray_cb(&ide->bus[ch], ide_tray_moved, pc);
    pc->retired_blks = g_ptr_array_new();
    return 0;
}

void pc_set_tray_listener(struct pc *pc, pc_tray_fn *fn, void *opaque)
{
    pc->tray_fn = fn;
    pc->tray_opaque = opaque;
}

static int find_drive(struct pc *pc, const char *id, char **err)
{
    for (int i = 0; pc->ide && i < PC_MAX_IDE; i++)
        if (pc->drives[i].present && !strcmp(pc->drives[i].id, id))
            return i;
    *err = g_strdup_printf("Device '%s' not found", id);
    return -ENODEV;
}

/* Close the images the board opened once their requests are done (the
 * machine lock is held: blk_close would wait for completions that need
 * it). */
static void retire_blk(struct pc *pc, struct blk *b)
{
    if (b)
        g_ptr_array_add(pc->retired_blks, b);
    for (guint i = 0; i < pc->retired_blks->len;) {
        struct blk *r = pc->retired_blks->pdata[i];
        if (blk_in_flight(r)) {
            i++;
            continue;
        }
        blk_close(r);
        g_ptr_array_remove_index_fast(pc->retired_blks, i);
    }
}

static int open_tray_and_remove(struct pc *pc, int i, bool force, char **err)
{
    struct ide_bus *bus = &pc->ide->bus[i / 2];
    if (pc->drives[i].media != PC_MEDIA_CDROM) {
        *err = g_strdup_printf("Device '%s' is not removable", pc->drives[i].id);
        return -1;
    }
    int rc = ide_cd_open_tray(bus, i % 2, force);
    if (rc == -EBUSY) {
        *err = g_strdup_printf("Device '%s' is locked and force was not specified, wait for "
                               "tray to open and try again",
                               pc->drives[i].id);
        return -1;
    }
    struct blk *old = ide_cd_remove_medium(bus, i % 2);
    if (old && pc->ide_owned[i])
        retire_blk(pc, old);
    pc->drives[i].blk = NULL;
    pc->ide_owned[i] = false;
    return 0;
}

int pc_drive_eject(struct pc *pc, const char *id, bool force, char **err)
{
    int i = find_drive(pc, id, err);
    if (i < 0)
        return i;
    return open_tray_and_remove(pc, i, force, err);
}

int pc_drive_change(struct pc *pc, const char *id, const char *file, const char *format,
                    const char *ro_mode, bool force, char **err)
{
    int i = find_drive(pc, id, err);
    if (i < 0)
        return i;
    if (ro_mode && strcmp(ro_mode, "retain") && strcmp(ro_mode, "read-only") &&
        strcmp(ro_mode, "read-write")) {
        *err = g_strdup_printf("Parameter 'read-only-mode' does not accept value '%s'", ro_mode);
        return -1;
    }
    if (pc->drives[i].media != PC_MEDIA_CDROM) {
        *err = g_strdup_printf("Device '%s' is not removable", id);
        return -1;
    }
    /* Open first, so a bad file name leaves the drive as it was. */
    struct blk_env env = { pc->m->ctx, &pc->m->lock };
    struct blk_opts o = { .file = file, .format = format, .readonly = true,
                          .cache = BLK_CACHE_WRITEBACK };
    struct blk *b = blk_open(&env, &o, err);
    if (!b)
        return -1;
    if (open_tray_and_remove(pc, i, force, err)) {
        blk_close(b);
        return -1;
    }
    struct ide_bus *bus = &pc->ide->bus[i / 2];
    ide_cd_insert_medium(bus, i % 2, b);
    pc->drives[i].blk = b;
    pc->ide_owned[i] = true;
    ide_cd_close_tray(bus, i % 2);
    return 0;
}

/* Without firmware, do what the BIOS would have done before the kernel
 * runs: shadow RAM read/write at 0xC0000-0xFFFFF (the MP table lives
 * there) and the ACPI PM block at its usual place. */
static void firmwareless_chipset_setup(struct pc *pc)
{
    if (pc->bios)
        return;
    pci_bus_config_write(&pc->pci, PCI_DEVFN(0, 0), I440FX_PAM0, 0x30, 1);
    for (unsigned i = 1; i < 7; i++)
        pci_bus_config_write(&pc->pci, PCI_DEVFN(0, 0), I440FX_PAM0 + i, 0x33, 1);
    piix4_pm_enable_default(pc->pm);
}

/* ---- reset ---- */

static int install_kernel(struct pc *pc, char **err)
{
    struct machine *m = pc->m;
    memset(&m->boot, 0, sizeof(m->boot));
    if (!pc->kernel || pc->bios) /* behind firmware: fw_cfg serves it */
        return 0;
    if (boot_image_install(pc->kernel, m, &m->boot, err))
        return -1;
    if (mptable_install(m, m->smp_cpus, err))
        return -1;
    if (install_smbios(pc, err))
        return -1;
    return install_acpi_direct(pc, err);
}

static void board_reset(struct machine *m, enum reset_kind kind)
{
    struct pc *pc = m->board;
    char *err = NULL;
    (void)kind;
    pc->a20[0] = pc->a20[1] = false;
    if (pc->boot_once_pending) { /* -boot once= held for one boot only */
        pc->boot_once_pending = false;
        set_boot_order(pc, pc->boot_order);
    }
    firmwareless_chipset_setup(pc);
    if (install_kernel(pc, &err)) {
        /* The image was validated at start-up and RAM is unchanged in size,
         * so this cannot fail unless something is badly wrong. */
        error_report("%s", err);
        g_free(err);
        machine_request(m, REQ_EXIT, 1);
    }
}

int pc_power_on(struct pc *pc, char **err)
{
    struct machine *m = pc->m;
    m->board_reset = NULL; /* devices first, then the image, reporting errors */
    machine_reset_devices(m, RESET_COLD);
    m->board_reset = board_reset;
    firmwareless_chipset_setup(pc);
    return install_kernel(pc, err);
}

static void board_free(void *opaque);

struct pc *pc_new(struct machine *m, const struct pc_config *cfg, char **err)
{
    struct pc *pc = g_new0(struct pc, 1);
    pc->m = m;
    /* From here on machine_free frees the board, after the devices: on a
     * failure too, since devices created so far (the IOAPIC) still use
     * board resources (the APIC bus) until they are destroyed. */
    m->board = pc;
    m->board_free = board_free;
    memcpy(pc->drives, cfg->ide, sizeof(pc->drives));

    if (cfg->kernel) {
        pc->kernel = boot_image_load(cfg->kernel, cfg->initrd, cfg->append, err);
        if (!pc->kernel)
            goto fail;
    }
    if (cfg->bios && load_bios(pc, cfg->bios, err))
        goto fail;
    if (create_intc(pc, err))
        goto fail;
    if (build_smbios(pc, cfg, err)) /* after the LAPICs: CPUID says APIC */
        goto fail;
    create_legacy(pc, cfg);
    create_pci(pc);
    create_hpet(pc);
    if (create_ide(pc, cfg, err))
        goto fail;
    fill_fw_cfg(pc);
    if (pc->bios && pc->kernel && serve_kernel(pc, err))
        goto fail;
    fill_smbios(pc);
    fill_cmos(pc);
    if (fill_acpi(pc, cfg, err))
        goto fail;
    fill_boot_items(pc, cfg);

    as_commit(&m->io);
    as_commit(&m->mem);
    m->board_reset = board_reset;
    m->board_powerdown = board_powerdown;
    return pc;
fail:
    return NULL; /* machine_free frees what was built */
}

/* The medium in the drive now, and the CD-ROM's tray and lock as the IDE
 * device has them (the guest opens and locks trays too). */
bool pc_drive_info(const struct pc *pc, int index, struct pc_drive_info *out)
{
    if (index < 0 || index >= PC_MAX_IDE || !pc->drives[index].present)
        return false;
    const struct pc_drive *d = &pc->drives[index];
    *out = (struct pc_drive_info){ .id = d->id, .media = d->media, .blk = d->blk };
    if (pc->ide) {
        const struct ide_dev *dev = &pc->ide->bus[index / 2].dev[index % 2];
        out->tray_open = dev->tray_open;
        out->locked = dev->tray_locked;
    }
    return true;
}

static void board_free(void *opaque)
{
    pc_free(opaque);
}

void pc_free(struct pc *pc)
{
    if (!pc)
        return;
    if (pc->kernel)
        boot_image_free(pc->kernel);
    acpi_tables_free(&pc->acpi);
    smbios_blob_free(&pc->smbios);
    /* Called by machine_free once the accelerator and the devices are
     * gone (nothing maps the ROM or uses the APIC bus any more). */
    if (pc->bios)
        munmap(pc->bios, pc->bios_size);
    if (pc->apic_bus)
        apic_bus_free(pc->apic_bus); /* the APICs are gone by now */
    /* Images the monitor opened (the devices are gone, and drained). */
    for (int i = 0; i < PC_MAX_IDE; i++)
        if (pc->ide_owned[i])
            blk_close(pc->drives[i].blk);
    if (pc->retired_blks) {
        for (guint i = 0; i < pc->retired_blks->len; i++)
            blk_close(pc->retired_blks->pdata[i]);
        g_ptr_array_free(pc->retired_blks, true);
    }
    g_free(pc->lapics);
    g_free(pc);
}

struct ps2_kbd *pc_keyboard(struct pc *pc)
{
    return i8042_kbd(pc->kbc);
}
