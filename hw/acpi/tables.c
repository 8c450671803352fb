/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tables.c: ACPI tables for hvemu's PC (i440FX + PIIX3/PIIX4 PM).
 *
 * Written from the ACPI 6.4 specification: 5.2.5 (RSDP, revision 2 with
 * the XSDT address and extended checksum), 5.2.6 (table header), 5.2.7
 * (RSDT), 5.2.8 (XSDT), 5.2.9 (FADT; hvemu writes revision 3, the ACPI 2.0
 * layout of 244 bytes that Linux and every Windows since XP accept, with
 * the 32-bit block addresses and the X_ generic addresses describing the
 * same blocks with matching widths), 5.2.10 (FACS, 64 bytes, 64-byte
 * aligned), 5.2.12 (MADT: processor local APIC, I/O APIC, interrupt
 * source override, local APIC NMI), 5.3/20 (AML encoding of the SSDT's
 * Scope, Device and Name); the IA-PC HPET specification 1.0a, 3.2.4 (the
 * HPET description table); firmware/dsdt.asl for the DSDT.
 *
 * Emulated: RSDP, RSDT, XSDT, FADT, FACS, DSDT (iasl-compiled, with the
 * per-machine Names patched), an SSDT with one ACPI0007 processor device
 * per CPU, MADT, HPET (when the board has one).  Not emulated: S1-S4 (no
 * SMM, no suspend), SRAT/SLIT (no NUMA), MCFG (no PCIe), CPU hotplug, the
 * FACS global lock (nobody else owns it), SMBIOS (another file).
 *
 * Interrupt model described (MADT + DSDT): ISA IRQ n is GSI n except IRQ0,
 * which the PC wires to IOAPIC pin 2 (override, bus conformant flags);
 * IRQ 9 (the SCI) and the PCI link IRQs 5, 10, 11 are level-triggered
 * active-high (overrides), the PIIX3 PIRQ router driving the ISA line high
 * while a PCI INTx# is asserted and ELCR making it level; the links offer
 * exactly 5, 9, 10, 11.  Linux uses the overrides for the IOAPIC pins and
 * the links' _CRS for the same GSIs, so both must agree.
 *
 * Guests: Linux needs the RSDP in 0xE0000-0xFFFFF (BIOS boot) or from the
 * firmware, a FADT with a PM timer (it prints "ACPI PM timer" clocksource),
 * the reset register (reboot=acpi), _S5 for poweroff, and the links for
 * PCI IRQs; Windows needs the RSDT/XSDT pair, the FADT's IA-PC boot flags
 * and century byte.
 *
 * Threat model: no guest input; the configuration comes from the command
 * line and is range-checked (CPU count, RAM layout). */
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include "hw/acpi/loader.h"
#include "hw/acpi/tables.h"

/* firmware/dsdt.asl compiled by iasl, as C byte literals (Makefile). */
static const uint8_t dsdt_aml[] = {
#include "firmware/dsdt-aml.h"
};

#define HDR_SIZE 36
#define OEM_ID "HVEMU "
#define OEM_TABLE_ID "HVEMUPC "
#define OEM_REVISION 1
#define CREATOR_ID "HVEM"
#define CREATOR_REVISION 1

#define FADT_SIZE 244 /* revision 3 */
#define FACS_SIZE 64
#define RSDP_SIZE 36
#define HPET_SIZE 56

/* GAS address space IDs and access sizes (ACPI 6.4, 5.2.3.2). */
#define GAS_MEM 0
#define GAS_IO 1
#define ACCESS_BYTE 1
#define ACCESS_WORD 2
#define ACCESS_DWORD 3

/* FADT flags (Table 5.10) and IA-PC boot architecture flags (Table 5.11). */
#define FADT_WBINVD BIT(0)
#define FADT_PROC_C1 BIT(2)
#define FADT_SLP_BUTTON BIT(5) /* no sleep button */
#define FADT_FIX_RTC BIT(6)    /* no RTC wake status in PM1 */
#define FADT_RESET_REG_SUP BIT(10)
#define IAPC_LEGACY_DEVICES BIT(0)
#define IAPC_8042 BIT(1)

/* MADT structure types (Table 5.21) and MPS INTI flags (Table 5.26). */
#define MADT_LAPIC 0
#define MADT_IOAPIC 1
#define MADT_ISO 2
#define MADT_LAPIC_NMI 4
#define MADT_PCAT_COMPAT 1
#define INTI_ACTIVE_HIGH 0x1
#define INTI_LEVEL 0xC

uint8_t acpi_checksum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return (uint8_t)-s;
}

/* ---- the tables file being assembled ---- */

struct blob {
    GByteArray *b;
    struct acpi_loader *l;
};

/* Start a table at an aligned offset of the tables file; returns its
 * offset.  The header is filled in by end_table(). */
static uint32_t start_table(struct blob *t, uint32_t align, uint32_t size)
{
    static const uint8_t zero[64];
    while (t->b->len % align)
        g_byte_array_append(t->b, zero, 1);
    uint32_t off = t->b->len;
    g_byte_array_set_size(t->b, off + size);
    memset(t->b->data + off, 0, size);
    return off;
}

static uint8_t *at(struct blob *t, uint32_t off)
{
    return t->b->data + off;
}

static void put_header(uint8_t *h, const char *sig, uint32_t len, uint8_t rev)
{
    memcpy(h, sig, 4);
    st32(h + 4, len);
    h[8] = rev;
    h[9] = 0; /* checksum: the loader's ADD_CHECKSUM fills it */
    memcpy(h + 10, OEM_ID, 6);
    memcpy(h + 16, OEM_TABLE_ID, 8);
    st32(h + 24, OEM_REVISION);
    memcpy(h + 28, CREATOR_ID, 4);
    st32(h + 32, CREATOR_REVISION);
}

/* Every table's checksum byte (header offset 9) over its whole length. */
static void checksum_table(struct blob *t, uint32_t off)
{
    uint32_t len = ld32(at(t, off) + 4);
    acpi_loader_add_checksum(t->l, ACPI_FILE_TABLES, off + 9, off, len);
}

/* A pointer inside the tables file to another table in it: store the
 * target's offset; the loader adds the file's address. */
static void link_table(struct blob *t, uint32_t field, uint8_t size, uint32_t target)
{
    uint8_t *p = at(t, field);
    if (size == 4)
        st32(p, target);
    else
        st64(p, target);
    acpi_loader_add_pointer(t->l, ACPI_FILE_TABLES, field, size, ACPI_FILE_TABLES);
}

/* ---- FACS ---- */

static uint32_t build_facs(struct blob *t)
{
    uint32_t off = start_table(t, 64, FACS_SIZE);
    uint8_t *f = at(t, off);
    memcpy(f, "FACS", 4);
    st32(f + 4, FACS_SIZE);
    f[32] = 2; /* version (ACPI 4.0+ layout); no S4BIOS, no 64-bit wake */
    return off;
}

/* ---- DSDT ---- */

static int patch_dsdt(uint8_t *aml, size_t len, const struct acpi_config *cfg, char **err)
{
    uint64_t p64_base = (4 * GiB + cfg->above_4g + GiB - 1) & ~(GiB - 1);
    uint64_t p64_len = ACPI_PCI64_SIZE;
    if (p64_base + p64_len > ACPI_PCI64_LIMIT)
        p64_len = 0;
    const struct {
        const char *name;
        uint64_t value;
    } names[] = {
        { "PMLO", cfg->below_4g },
        { "P64B", p64_len ? p64_base / GiB : 0 }, /* GiB units: see dsdt.asl */
        { "P64L", p64_len / GiB },
        { "HPEN", cfg->hpet },
        { "C1EN", cfg->serial[0] },
        { "C2EN", cfg->serial[1] },
        { "C3EN", cfg->serial[2] },
        { "C4EN", cfg->serial[3] },
    };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        if (acpi_aml_patch_name(aml, len, names[i].name, names[i].value)) {
            *err = g_strdup_printf("DSDT: cannot patch %s (firmware/dsdt.asl changed?)",
                                   names[i].name);
            return -1;
        }
    }
    return 0;
}

static int build_dsdt(struct blob *t, const struct acpi_config *cfg, uint32_t *off, char **err)
{
    *off = start_table(t, 8, sizeof(dsdt_aml));
    uint8_t *d = at(t, *off);
    memcpy(d, dsdt_aml, sizeof(dsdt_aml));
    d[9] = 0;
    if (patch_dsdt(d + HDR_SIZE, sizeof(dsdt_aml) - HDR_SIZE, cfg, err))
        return -1;
    checksum_table(t, *off);
    return 0;
}

/* ---- SSDT: processor objects ---- */

/* AML PkgLength (ACPI 6.4, 20.2.4) of a body of `body` bytes. */
static void aml_pkglen(GByteArray *a, size_t body)
{
    uint8_t b[4];
    if (body + 1 < 0x40) {
        b[0] = (uint8_t)(body + 1);
        g_byte_array_append(a, b, 1);
        return;
    }
    unsigned n = 2;
    while (body + n >= (1ULL << (4 + 8 * (n - 1))))
        n++;
    g_assert(n <= 4);
    size_t total = body + n;
    b[0] = (uint8_t)((n - 1) << 6 | (total & 0xF));
    for (unsigned i = 1; i < n; i++)
        b[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
    g_byte_array_append(a, b, n);
}

/* Append `op` (1 or 2 bytes), the PkgLength, then body. */
static void aml_package(GByteArray *a, const uint8_t *op, unsigned oplen, const GByteArray *body)
{
    g_byte_array_append(a, op, oplen);
    aml_pkglen(a, body->len);
    g_byte_array_append(a, body->data, body->len);
}

static void aml_integer(GByteArray *a, uint64_t v)
{
    uint8_t b[9];
    if (v <= 1) {
        b[0] = (uint8_t)v; /* ZeroOp, OneOp */
        g_byte_array_append(a, b, 1);
    } else if (v <= 0xff) {
        b[0] = 0x0A;
        b[1] = (uint8_t)v;
        g_byte_array_append(a, b, 2);
    } else {
        b[0] = 0x0B;
        st16(b + 1, (uint16_t)v);
        g_assert(v <= 0xffff);
        g_byte_array_append(a, b, 3);
    }
}

static void aml_name_string(GByteArray *a, const char *seg, const char *s)
{
    static const uint8_t name_op = 0x08, string_prefix = 0x0D;
    g_byte_array_append(a, &name_op, 1);
    g_byte_array_append(a, (const uint8_t *)seg, 4);
    g_byte_array_append(a, &string_prefix, 1);
    g_byte_array_append(a, (const uint8_t *)s, strlen(s) + 1);
}

static void aml_name_int(GByteArray *a, const char *seg, uint64_t v)
{
    static const uint8_t name_op = 0x08;
    g_byte_array_append(a, &name_op, 1);
    g_byte_array_append(a, (const uint8_t *)seg, 4);
    aml_integer(a, v);
}

/* Scope (\_SB) { Device (Cxxx) { Name (_HID, "ACPI0007") Name (_UID, n) } ... }
 * _UID matches the MADT processor UID (ACPI 6.4, 8.4: processor devices). */
static uint32_t build_ssdt(struct blob *t, const struct acpi_config *cfg)
{
    static const uint8_t scope_op = 0x10, device_op[2] = { 0x5B, 0x82 };
    GByteArray *scope = g_byte_array_new(), *dev = g_byte_array_new(), *aml = g_byte_array_new();
    g_byte_array_append(scope, (const uint8_t *)"\\_SB_", 5);
    for (unsigned i = 0; i < cfg->ncpus; i++) {
        char seg[16];
        snprintf(seg, sizeof(seg), "C%03X", i & 0xfff);
        g_byte_array_set_size(dev, 0);
        g_byte_array_append(dev, (const uint8_t *)seg, 4);
        aml_name_string(dev, "_HID", "ACPI0007");
        aml_name_int(dev, "_UID", i);
        aml_package(scope, device_op, 2, dev);
    }
    aml_package(aml, &scope_op, 1, scope);

    uint32_t off = start_table(t, 8, HDR_SIZE + aml->len);
    put_header(at(t, off), "SSDT", HDR_SIZE + aml->len, 2);
    memcpy(at(t, off) + HDR_SIZE, aml->data, aml->len);
    checksum_table(t, off);
    g_byte_array_unref(scope);
    g_byte_array_unref(dev);
    g_byte_array_unref(aml);
    return off;
}

/* ---- FADT ---- */

static void put_gas(uint8_t *g, uint8_t space, uint8_t bits, uint8_t access, uint64_t addr)
{
    g[0] = space;
    g[1] = bits;
    g[2] = 0; /* bit offset */
    g[3] = access;
    st64(g + 4, addr);
}

/* A fixed-hardware block: the 32-bit address, its length byte and the
 * X_ generic address, all describing the same ports. */
static void put_block(uint8_t *f, unsigned addr_off, unsigned len_off, unsigned gas_off,
                      uint16_t port, uint8_t len, uint8_t access)
{
    st32(f + addr_off, port);
    f[len_off] = len;
    put_gas(f + gas_off, GAS_IO, (uint8_t)(len * 8), access, port);
}

static uint32_t build_fadt(struct blob *t, uint32_t facs, uint32_t dsdt)
{
    uint32_t off = start_table(t, 8, FADT_SIZE);
    uint8_t *f = at(t, off);
    put_header(f, "FACP", FADT_SIZE, 3);
    f[45] = 0; /* preferred PM profile: unspecified */
    st16(f + 46, ACPI_SCI_IRQ);
    st32(f + 48, ACPI_SMI_CMD);
    f[52] = ACPI_ENABLE_CMD;
    f[53] = ACPI_DISABLE_CMD;
    put_block(f, 56, 88, 148, ACPI_PM_BASE + 0x00, 4, ACCESS_WORD);  /* PM1a_EVT */
    put_block(f, 64, 89, 172, ACPI_PM_BASE + 0x04, 2, ACCESS_WORD);  /* PM1a_CNT */
    put_block(f, 76, 91, 208, ACPI_PM_BASE + 0x08, 4, ACCESS_DWORD); /* PM_TMR */
    put_block(f, 80, 92, 220, ACPI_PM_BASE + 0x0c, 4, ACCESS_BYTE);  /* GPE0 */
    st16(f + 96, 0xFFF);  /* P_LVL2_LAT > 100: no C2 */
    st16(f + 98, 0xFFF);  /* P_LVL3_LAT > 1000: no C3 */
    f[108] = ACPI_CENTURY_CMOS;
    st16(f + 109, IAPC_LEGACY_DEVICES | IAPC_8042); /* VGA present: bit 2 clear */
    st32(f + 112, FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON | FADT_FIX_RTC |
                      FADT_RESET_REG_SUP); /* PWR_BUTTON clear: fixed-feature button */
    put_gas(f + 116, GAS_IO, 8, ACCESS_BYTE, ACPI_RESET_PORT);
    f[128] = ACPI_RESET_VALUE;
    /* FACS and DSDT: the 32-bit fields; X_FIRMWARE_CTRL stays 0 (the
     * 32-bit one is used), X_DSDT equals DSDT. */
    link_table(t, off + 36, 4, facs);
    link_table(t, off + 40, 4, dsdt);
    link_table(t, off + 140, 8, dsdt);
    checksum_table(t, off);
    return off;
}

/* ---- MADT ---- */

static uint32_t build_madt(struct blob *t, const struct acpi_config *cfg)
{
    /* ISA IRQ -> GSI overrides: IRQ0 on pin 2 (bus conformant), the SCI
     * and the PCI link IRQs level/active-high. */
    static const struct {
        uint8_t irq, gsi;
        uint16_t flags;
    } iso[] = {
        { 0, 2, 0 },
        { 5, 5, INTI_LEVEL | INTI_ACTIVE_HIGH },
        { 9, 9, INTI_LEVEL | INTI_ACTIVE_HIGH },
        { 10, 10, INTI_LEVEL | INTI_ACTIVE_HIGH },
        { 11, 11, INTI_LEVEL | INTI_ACTIVE_HIGH },
    };
    uint32_t len = HDR_SIZE + 8 + 8 * cfg->ncpus + 12 + 10 * ARRAY_SIZE(iso) + 6;
    uint32_t off = start_table(t, 8, len);
    uint8_t *m = at(t, off), *p;
    put_header(m, "APIC", len, 3);
    st32(m + 36, ACPI_LAPIC_ADDR);
    st32(m + 40, MADT_PCAT_COMPAT); /* dual 8259s present */
    p = m + 44;
    for (unsigned i = 0; i < cfg->ncpus; i++, p += 8) {
        p[0] = MADT_LAPIC;
        p[1] = 8;
        p[2] = (uint8_t)i; /* ACPI processor UID = the SSDT's _UID */
        p[3] = (uint8_t)i; /* APIC ID */
        st32(p + 4, 1);    /* enabled */
    }
    p[0] = MADT_IOAPIC;
    p[1] = 12;
    p[2] = cfg->ioapic_id;
    st32(p + 4, ACPI_IOAPIC_ADDR);
    st32(p + 8, 0); /* GSI base */
    p += 12;
    for (size_t i = 0; i < ARRAY_SIZE(iso); i++, p += 10) {
        p[0] = MADT_ISO;
        p[1] = 10;
        p[2] = 0; /* ISA */
        p[3] = iso[i].irq;
        st32(p + 4, iso[i].gsi);
        st16(p + 8, iso[i].flags);
    }
    p[0] = MADT_LAPIC_NMI;
    p[1] = 6;
    p[2] = 0xFF;   /* all processors */
    st16(p + 3, 0); /* bus conformant: edge, active high */
    p[5] = 1;      /* LINT1 */
    g_assert(p + 6 == m + len);
    checksum_table(t, off);
    return off;
}

/* ---- HPET ---- */

static uint32_t build_hpet(struct blob *t)
{
    uint32_t off = start_table(t, 8, HPET_SIZE);
    uint8_t *h = at(t, off);
    put_header(h, "HPET", HPET_SIZE, 1);
    st32(h + 36, ACPI_HPET_BLOCK_ID);
    put_gas(h + 40, GAS_MEM, 64, 0, ACPI_HPET_ADDR);
    h[52] = 0;          /* HPET number */
    st16(h + 53, 0x80); /* minimum periodic tick */
    h[55] = 0;          /* no page protection */
    checksum_table(t, off);
    return off;
}

/* ---- RSDT, XSDT, RSDP ---- */

static uint32_t build_sdt(struct blob *t, const char *sig, const uint32_t *tables, size_t n,
                          uint8_t size)
{
    uint32_t len = HDR_SIZE + size * n;
    uint32_t off = start_table(t, 8, len);
    put_header(at(t, off), sig, len, 1);
    for (size_t i = 0; i < n; i++)
        link_table(t, off + HDR_SIZE + size * i, size, tables[i]);
    checksum_table(t, off);
    return off;
}

static uint8_t *build_rsdp(struct acpi_loader *l, uint32_t rsdt, uint32_t xsdt)
{
    uint8_t *r = g_malloc0(RSDP_SIZE);
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, OEM_ID, 6);
    r[15] = 2; /* revision: ACPI 2.0+ */
    st32(r + 16, rsdt);
    st32(r + 20, RSDP_SIZE);
    st64(r + 24, xsdt);
    acpi_loader_add_pointer(l, ACPI_FILE_RSDP, 16, 4, ACPI_FILE_TABLES);
    acpi_loader_add_pointer(l, ACPI_FILE_RSDP, 24, 8, ACPI_FILE_TABLES);
    /* The first checksum covers the ACPI 1.0 part, the extended one all
     * 36 bytes including the first: compute them in that order. */
    acpi_loader_add_checksum(l, ACPI_FILE_RSDP, 8, 0, 20);
    acpi_loader_add_checksum(l, ACPI_FILE_RSDP, 32, 0, RSDP_SIZE);
    return r;
}

static int check_config(const struct acpi_config *cfg, char **err)
{
    if (cfg->ncpus < 1 || cfg->ncpus > ACPI_MAX_CPUS) {
        *err = g_strdup_printf("ACPI: %u CPUs is not between 1 and %u", cfg->ncpus,
                               ACPI_MAX_CPUS);
        return -1;
    }
    if (cfg->below_4g < 1 * MiB || cfg->below_4g >= ACPI_PCI_HOLE_END ||
        cfg->below_4g > UINT32_MAX || cfg->above_4g > 1ULL << 52) {
        *err = g_strdup_printf("ACPI: cannot describe a PCI hole above %#llx of RAM",
                               (unsigned long long)cfg->below_4g);
        return -1;
    }
    return 0;
}

int acpi_build(const struct acpi_config *cfg, struct acpi_tables *out, char **err)
{
    *out = (struct acpi_tables){ 0 };
    if (check_config(cfg, err))
        return -1;
    struct acpi_loader l;
    acpi_loader_init(&l);
    /* The RSDP must be in the F segment (OSes scan there); the FACS inside
     * the tables file needs 64-byte alignment, so the file gets it. */
    acpi_loader_alloc(&l, ACPI_FILE_RSDP, 16, ACPI_LOADER_ZONE_FSEG);
    acpi_loader_alloc(&l, ACPI_FILE_TABLES, 64, ACPI_LOADER_ZONE_HIGH);

    struct blob t = { g_byte_array_new(), &l };
    uint32_t facs = build_facs(&t), dsdt;
    if (build_dsdt(&t, cfg, &dsdt, err)) {
        g_byte_array_unref(t.b);
        acpi_loader_free(&l);
        return -1;
    }
    uint32_t tables[4];
    size_t n = 0;
    tables[n++] = build_ssdt(&t, cfg);
    uint32_t fadt = build_fadt(&t, facs, dsdt);
    tables[n++] = build_madt(&t, cfg);
    if (cfg->hpet)
        tables[n++] = build_hpet(&t);
    /* The FADT first, as ACPI 6.4 5.2.7 and older OSes expect. */
    uint32_t listed[5] = { fadt };
    memcpy(listed + 1, tables, n * sizeof(tables[0]));
    uint32_t rsdt = build_sdt(&t, "RSDT", listed, n + 1, 4);
    uint32_t xsdt = build_sdt(&t, "XSDT", listed, n + 1, 8);

    out->rsdp = build_rsdp(&l, rsdt, xsdt);
    out->rsdp_len = RSDP_SIZE;
    out->tables_len = t.b->len;
    out->tables = g_byte_array_free(t.b, false);
    out->loader_len = (uint32_t)l.len;
    out->loader = l.buf; /* ownership moves to out */
    return 0;
}

void acpi_tables_free(struct acpi_tables *t)
{
    g_free(t->tables);
    g_free(t->rsdp);
    g_free(t->loader);
    *t = (struct acpi_tables){ 0 };
}

/* ---- AML Name patching ---- */

static bool name_at(const uint8_t *aml, size_t len, size_t i, const char *name, unsigned *width)
{
    if (i + 6 > len || aml[i] != 0x08 || memcmp(aml + i + 1, name, 4))
        return false;
    *width = aml[i + 5] == 0x0C ? 4 : aml[i + 5] == 0x0E ? 8 : 0;
    return *width && i + 6 + *width <= len;
}

int acpi_aml_patch_name(uint8_t *aml, size_t len, const char *name, uint64_t value)
{
    size_t found = 0, where = 0;
    unsigned width = 0, w;
    if (strlen(name) != 4)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (name_at(aml, len, i, name, &w)) {
            found++;
            where = i;
            width = w;
        }
    }
    if (found != 1 || (width == 4 && value > UINT32_MAX))
        return -1;
    if (width == 4)
        st32(aml + where + 6, (uint32_t)value);
    else
        st64(aml + where + 6, value);
    return 0;
}

bool acpi_aml_find_name(const uint8_t *aml, size_t len, const char *name, uint64_t *value)
{
    unsigned w;
    if (strlen(name) != 4)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (name_at(aml, len, i, name, &w)) {
            *value = w == 4 ? ld32(aml + i + 6) : ld64(aml + i + 6);
            return true;
        }
    }
    return false;
}
