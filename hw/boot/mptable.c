/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mptable.c: MP configuration tables (Intel MultiProcessor Specification
 * version 1.4, chapter 4 "MP Configuration Table", 4.1 floating pointer,
 * 4.2 table header, 4.3 base table entries).
 *
 * Emulated: spec revision 1.4, virtual-wire mode (no IMCR), one processor
 * entry per CPU (local APIC version 0x14, enabled, CPU 0 the BSP), ISA bus
 * 0, one I/O APIC (version 0x11, ID 0: its ID register's reset value, which
 * nothing reprograms; SeaBIOS's own table and QEMU's MADT say 0 too), the ISA IRQs identity-routed except IRQ0
 * on pin 2 (the usual PC interrupt-source override) and IRQ2 (the cascade)
 * absent, all "conforms to bus" polarity and trigger, ExtINT to LINT0 and
 * NMI to LINT1 of all local APICs.  Not emulated (yet): PCI bus entries and
 * their interrupt assignments, the extended table.  Linux finds the table
 * by scanning 0xF0000-0xFFFFF; other MP-aware kernels scan the same areas.
 *
 * Threat model: no guest input; ncpus is bounded so the table fits and the
 * APIC IDs fit 8 bits. */
#include <string.h>
#include <glib.h>
#include "hw/boot/mptable.h"
#include "core/machine.h"

#define FPS_SIZE 16
#define HDR_SIZE 44
#define CPU_ENTRY 20
#define ENTRY 8 /* every other entry type */
#define MAX_OTHER_ENTRIES 128

enum mp_entry_type {
    MP_PROCESSOR = 0,
    MP_BUS = 1,
    MP_IOAPIC = 2,
    MP_IOINTR = 3,
    MP_LINTR = 4,
};

enum mp_int_type {
    MP_INT = 0,
    MP_NMI = 1,
    MP_EXTINT = 3,
};

/* Buses, in bus ID order; PCI will be added here. */
static const char *const buses[] = { "ISA   " };
#define BUS_ISA 0

struct mp_writer {
    uint8_t *buf;
    size_t len, cap;
    unsigned count; /* entries */
};

static uint8_t *entry(struct mp_writer *w, size_t size)
{
    g_assert(w->len + size <= w->cap); /* the table's size is ours, not the guest's */
    uint8_t *p = w->buf + w->len;
    w->len += size;
    w->count++;
    return p;
}

static void put_cpus(struct mp_writer *w, const struct mptable_cfg *cfg)
{
    for (unsigned i = 0; i < cfg->ncpus; i++) {
        uint8_t *e = entry(w, CPU_ENTRY);
        e[0] = MP_PROCESSOR;
        e[1] = i;          /* local APIC ID */
        e[2] = 0x14;       /* local APIC version */
        e[3] = 1 | (i == 0 ? 2 : 0); /* EN, BP */
        st32(e + 4, cfg->cpu_signature);
        st32(e + 8, cfg->cpu_features);
    }
}

static void put_irq(struct mp_writer *w, uint8_t type, uint8_t kind, uint8_t bus,
                    uint8_t src_irq, uint8_t dst_id, uint8_t dst_pin)
{
    uint8_t *e = entry(w, ENTRY);
    e[0] = type;
    e[1] = kind;
    st16(e + 2, 0); /* polarity and trigger conform to the bus */
    e[4] = bus;
    e[5] = src_irq;
    e[6] = dst_id;
    e[7] = dst_pin;
}

static void put_entries(struct mp_writer *w, const struct mptable_cfg *cfg)
{
    uint8_t ioapic_id = 0;
    put_cpus(w, cfg);
    for (unsigned i = 0; i < ARRAY_SIZE(buses); i++) {
        uint8_t *e = entry(w, ENTRY);
        e[0] = MP_BUS;
        e[1] = i;
        memcpy(e + 2, buses[i], 6);
    }
    uint8_t *e = entry(w, ENTRY);
    e[0] = MP_IOAPIC;
    e[1] = ioapic_id;
    e[2] = 0x11; /* I/O APIC version */
    e[3] = 1;    /* EN */
    st32(e + 4, MPTABLE_IOAPIC_ADDR);
    for (unsigned irq = 0; irq < 16; irq++) {
        if (irq == 2)
            continue; /* the 8259 cascade: no ISA device behind it */
        put_irq(w, MP_IOINTR, MP_INT, BUS_ISA, irq, ioapic_id, irq == 0 ? 2 : irq);
    }
    put_irq(w, MP_LINTR, MP_EXTINT, BUS_ISA, 0, 0xff, 0); /* all LAPICs, LINT0 */
    put_irq(w, MP_LINTR, MP_NMI, BUS_ISA, 0, 0xff, 1);    /* all LAPICs, LINT1 */
}

static void put_header(uint8_t *h, const struct mp_writer *w)
{
    memcpy(h, "PCMP", 4);
    st16(h + 4, (uint16_t)(HDR_SIZE + w->len));
    h[6] = 4; /* spec revision 1.4 */
    memcpy(h + 8, "HVEMU   ", 8);
    memcpy(h + 16, "PC          ", 12);
    st32(h + 28, 0); /* no OEM table */
    st16(h + 32, 0);
    st16(h + 34, (uint16_t)w->count);
    st32(h + 36, MPTABLE_LAPIC_ADDR);
    st16(h + 40, 0); /* no extended table */
    h[42] = 0;
    h[7] = checksum8(h, HDR_SIZE + w->len);
}

static void put_fps(uint8_t *f, uint32_t table)
{
    memcpy(f, "_MP_", 4);
    st32(f + 4, table);
    f[8] = 1; /* length in 16-byte units */
    f[9] = 4; /* spec revision 1.4 */
    f[11] = 0; /* feature 1: a configuration table is present */
    f[12] = 0; /* feature 2: IMCRP clear, virtual-wire mode */
    f[10] = checksum8(f, FPS_SIZE);
}

int mptable_install_cfg(struct machine *m, const struct mptable_cfg *cfg, char **err)
{
    if (cfg->ncpus < 1 || cfg->ncpus > MPTABLE_MAX_CPUS) {
        *err = g_strdup_printf("MP table: %u CPUs is not between 1 and %u", cfg->ncpus,
                               MPTABLE_MAX_CPUS);
        return -1;
    }
    /* Processors, then at most this many 8-byte entries (buses, I/O APIC,
     * interrupt assignments). */
    size_t cap = cfg->ncpus * CPU_ENTRY + MAX_OTHER_ENTRIES * ENTRY;
    uint8_t *buf = g_malloc0(FPS_SIZE + HDR_SIZE + cap);
    struct mp_writer w = { buf + FPS_SIZE + HDR_SIZE, 0, cap, 0 };
    put_entries(&w, cfg);
    put_header(buf + FPS_SIZE, &w);
    put_fps(buf, (uint32_t)(MPTABLE_ADDR + FPS_SIZE));
    size_t total = FPS_SIZE + HDR_SIZE + w.len;
    int r = machine_write_phys(m, MPTABLE_ADDR, buf, total);
    g_free(buf);
    if (r) {
        *err = g_strdup_printf("MP table: guest memory at %#llx is not RAM",
                               (unsigned long long)MPTABLE_ADDR);
        return -1;
    }
    return 0;
}

int mptable_install(struct machine *m, unsigned ncpus, char **err)
{
    const struct mptable_cfg cfg = { ncpus, MPTABLE_DEFAULT_SIGNATURE,
                                     MPTABLE_DEFAULT_FEATURES };
    return mptable_install_cfg(m, &cfg, err);
}
