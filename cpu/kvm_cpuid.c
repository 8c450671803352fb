/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kvm_cpuid.c: the CPUID models of the KVM accelerator.
 *
 * Sources: Intel SDM vol. 2A "CPUID" (leaves 0, 1, 4, 0xB, 0x1F, 0x8000000x),
 * AMD APM vol. 3 appendix E (0x80000001 aliases, 0x80000008 ECX, 0x8000001D/E),
 * Linux Documentation/virt/kvm/x86/cpuid.rst (0x40000000 "KVMKVMKVM" and the
 * KVM feature leaf 0x40000001) and api.rst (KVM_GET_SUPPORTED_CPUID).
 *
 * Models:
 *  - "host" (and "max", as QEMU does under KVM): everything KVM reports as
 *    supported, with the host's vendor, family, model and stepping.
 *  - "qemu64" (the default) and "kvm64": a baseline SSE2-era x86-64 feature
 *    set like QEMU's models of those names.  Unlike QEMU, the vendor string is
 *    always the host's: a cross-vendor guest makes KVM emulate SYSENTER /
 *    SYSCALL differences, which is slow and has been fragile.  Family/model/
 *    stepping are QEMU's (15/6/1 for kvm64 and for qemu64 on Intel hosts,
 *    15/107/1 for qemu64 on AMD hosts).  A baseline feature the host lacks is
 *    dropped with one warning line naming it; POPCNT is offered only when the
 *    host has it, silently.
 *
 * Topology (all models): one socket, smp cores, one thread per core, APIC
 * IDs 0..smp-1.  Leaf 1 EBX[23:16] holds the number of addressable IDs (the
 * next power of two >= smp), HTT is set when smp > 1, leaf 4 EAX[31:26] the
 * addressable core IDs and EAX[25:14] the IDs sharing each cache (the L3, or
 * any level >= 3, is shared by the package; L1/L2 are per core), leaves 0xB
 * and 0x1F (when the host model has 0x1F) describe SMT and core levels with
 * the x2APIC ID in EDX, and on AMD-like vendors 0x80000008 ECX holds the core
 * count and APIC ID width and 0x8000001E the extended APIC ID.
 *
 * Threat model: nothing here sees guest input; the host table's size is
 * bounded (at most 4096 entries). */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <glib.h>
#include "core/log.h"
#include "cpu/kvm_cpuid.h"

#define CPUID_MAX_ENTRIES 4096

enum { R_EAX, R_EBX, R_ECX, R_EDX };

/* A growable table of entries. */
struct cpuid_table {
    struct kvm_cpuid_entry2 *e;
    unsigned n, cap;
};

struct cpuid_feature {
    uint32_t leaf;
    uint8_t reg;
    uint8_t bit;
    const char *name;
    bool quiet; /* offered only if the host has it, without a warning */
};

/* The qemu64/kvm64 baseline. */
static const struct cpuid_feature baseline_features[] = {
    { 1, R_EDX, 0, "fpu", false },       { 1, R_EDX, 2, "de", false },
    { 1, R_EDX, 3, "pse", false },       { 1, R_EDX, 4, "tsc", false },
    { 1, R_EDX, 5, "msr", false },       { 1, R_EDX, 6, "pae", false },
    { 1, R_EDX, 7, "mce", false },       { 1, R_EDX, 8, "cx8", false },
    { 1, R_EDX, 9, "apic", false },      { 1, R_EDX, 11, "sep", false },
    { 1, R_EDX, 12, "mtrr", false },     { 1, R_EDX, 13, "pge", false },
    { 1, R_EDX, 14, "mca", false },      { 1, R_EDX, 15, "cmov", false },
    { 1, R_EDX, 16, "pat", false },      { 1, R_EDX, 17, "pse36", false },
    { 1, R_EDX, 19, "clflush", false },  { 1, R_EDX, 23, "mmx", false },
    { 1, R_EDX, 24, "fxsr", false },     { 1, R_EDX, 25, "sse", false },
    { 1, R_EDX, 26, "sse2", false },     { 1, R_ECX, 0, "sse3", false },
    { 1, R_ECX, 13, "cx16", false },     { 1, R_ECX, 21, "x2apic", false },
    { 1, R_ECX, 23, "popcnt", true },    { 1, R_ECX, 31, "hypervisor", false },
    { 0x80000001, R_EDX, 11, "syscall", false },
    { 0x80000001, R_EDX, 20, "nx", false },
    { 0x80000001, R_EDX, 29, "lm", false },
    { 0x80000001, R_ECX, 0, "lahf_lm", false },
};

/* Leaf 1 EDX bits AMD also reports in 0x80000001 EDX (APM vol. 3, E.4.2). */
#define AMD_EXT_EDX_ALIASES 0x0183F3FFu
#define CPUID_1_EDX_HTT BIT(28)
#define CPUID_1_ECX_HYPERVISOR BIT(31)

struct model_def {
    const char *name;
    bool host;
    const char *brand;
    uint32_t sig_intel, sig_amd; /* leaf 1 EAX */
};

static const struct model_def models[] = {
    { "host", true, NULL, 0, 0 },
    { "max", true, NULL, 0, 0 },
    { "qemu64", false, "QEMU Virtual CPU version 2.5+", 0x00000F61, 0x00060FB1 },
    { "kvm64", false, "Common KVM processor", 0x00000F61, 0x00000F61 },
};

/* ---- table helpers ---- */

static bool entry_matches(const struct kvm_cpuid_entry2 *e, uint32_t fn, uint32_t idx)
{
    return e->function == fn &&
           (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == idx);
}

const struct kvm_cpuid_entry2 *kvm_cpuid_find(const struct kvm_cpuid_entry2 *e, unsigned n,
                                              uint32_t function, uint32_t index)
{
    for (unsigned i = 0; i < n; i++)
        if (entry_matches(&e[i], function, index))
            return &e[i];
    return NULL;
}

static const struct kvm_cpuid_entry2 *tab_get(const struct cpuid_table *t, uint32_t fn,
                                              uint32_t idx)
{
    return kvm_cpuid_find(t->e, t->n, fn, idx);
}

/* The entry (fn, idx), created zeroed if missing. */
static struct kvm_cpuid_entry2 *tab_set(struct cpuid_table *t, uint32_t fn, uint32_t idx,
                                        bool indexed)
{
    for (unsigned i = 0; i < t->n; i++)
        if (t->e[i].function == fn && (!indexed || t->e[i].index == idx))
            return &t->e[i];
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->e = g_renew(struct kvm_cpuid_entry2, t->e, t->cap);
    }
    struct kvm_cpuid_entry2 *e = &t->e[t->n++];
    memset(e, 0, sizeof(*e));
    e->function = fn;
    e->index = indexed ? idx : 0;
    e->flags = indexed ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
    return e;
}

static void tab_remove_fn(struct cpuid_table *t, uint32_t lo, uint32_t hi)
{
    unsigned j = 0;
    for (unsigned i = 0; i < t->n; i++)
        if (t->e[i].function < lo || t->e[i].function > hi)
            t->e[j++] = t->e[i];
    t->n = j;
}

/* Copy every entry (all sub-leaves) of function fn from src. */
static void tab_copy_fn(struct cpuid_table *t, const struct cpuid_table *src, uint32_t fn)
{
    for (unsigned i = 0; i < src->n; i++) {
        const struct kvm_cpuid_entry2 *s = &src->e[i];
        if (s->function != fn)
            continue;
        bool indexed = s->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
        struct kvm_cpuid_entry2 *d = tab_set(t, fn, s->index, indexed);
        *d = *s;
    }
}

static uint32_t *reg_of(struct kvm_cpuid_entry2 *e, int reg)
{
    switch (reg) {
    case R_EAX:
        return &e->eax;
    case R_EBX:
        return &e->ebx;
    case R_ECX:
        return &e->ecx;
    default:
        return &e->edx;
    }
}

static uint32_t reg_val(const struct kvm_cpuid_entry2 *e, int reg)
{
    return e ? *reg_of((struct kvm_cpuid_entry2 *)e, reg) : 0;
}

static uint32_t max_leaf(const struct cpuid_table *t, uint32_t base)
{
    const struct kvm_cpuid_entry2 *e = tab_get(t, base, 0);
    return e ? e->eax : 0;
}

/* ---- host table ---- */

static int get_supported(int kvm_fd, struct cpuid_table *sup, char **err)
{
    for (unsigned nent = 64; nent <= CPUID_MAX_ENTRIES; nent *= 2) {
        struct kvm_cpuid2 *c =
            g_malloc0(sizeof(*c) + nent * sizeof(struct kvm_cpuid_entry2));
        c->nent = nent;
        if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
            sup->n = sup->cap = c->nent;
            sup->e = g_memdup2(c->entries, c->nent * sizeof(struct kvm_cpuid_entry2));
            g_free(c);
            return 0;
        }
        int e = errno;
        g_free(c);
        if (e != E2BIG) {
            *err = g_strdup_printf("KVM_GET_SUPPORTED_CPUID failed: %s", strerror(e));
            return -1;
        }
    }
    *err = g_strdup("KVM_GET_SUPPORTED_CPUID: more than 4096 entries");
    return -1;
}

/* "AuthenticAMD" or "HygonGenuine": the vendors using AMD's topology leaves. */
static bool vendor_is_amd(const struct cpuid_table *t)
{
    const struct kvm_cpuid_entry2 *e = tab_get(t, 0, 0);
    return e && ((e->ebx == 0x68747541 && e->edx == 0x69746e65 && e->ecx == 0x444d4163) ||
                 (e->ebx == 0x6f677948 && e->edx == 0x6e65476e && e->ecx == 0x656e6975));
}

/* ---- topology ---- */

/* Bits needed for IDs 0..n-1. */
static unsigned id_width(unsigned n)
{
    unsigned w = 0;
    while ((1u << w) < n)
        w++;
    return w;
}

static void set_leaf1_topology(struct cpuid_table *t, unsigned smp)
{
    struct kvm_cpuid_entry2 *e = tab_set(t, 1, 0, false);
    uint32_t ids = MIN(1u << id_width(smp), 255u);
    e->ebx = (e->ebx & 0x0000ffff) | ids << 16; /* APIC ID patched per vCPU */
    e->edx &= ~(uint32_t)CPUID_1_EDX_HTT;
    if (smp > 1)
        e->edx |= CPUID_1_EDX_HTT;
}

/* Leaf 4 (Intel) and 0x8000001D (AMD): who shares each cache. */
static void set_cache_topology(struct cpuid_table *t, unsigned smp)
{
    uint32_t core_ids = (1u << id_width(smp)) - 1;
    for (unsigned i = 0; i < t->n; i++) {
        struct kvm_cpuid_entry2 *e = &t->e[i];
        if ((e->function != 4 && e->function != 0x8000001D) || !(e->eax & 0x1f))
            continue;
        unsigned level = (e->eax >> 5) & 7;
        uint32_t sharing = level >= 3 ? core_ids : 0;
        e->eax &= 0x3fff;
        e->eax |= MIN(sharing, 0xfffu) << 14;
        if (e->function == 4)
            e->eax |= MIN(core_ids, 63u) << 26;
    }
}

/* Leaves 0xB / 0x1F: level 0 = SMT (1 thread), level 1 = core (smp). */
static void set_x2apic_topology(struct cpuid_table *t, uint32_t fn, unsigned smp)
{
    tab_remove_fn(t, fn, fn);
    struct kvm_cpuid_entry2 *e = tab_set(t, fn, 0, true);
    e->eax = 0;
    e->ebx = 1;
    e->ecx = 0 | 1 << 8;
    e = tab_set(t, fn, 1, true);
    e->eax = id_width(smp);
    e->ebx = smp & 0xffff;
    e->ecx = 1 | 2 << 8;
    e = tab_set(t, fn, 2, true);
    e->ecx = 2; /* level type 0: no more levels */
}

static void set_amd_topology(struct cpuid_table *t, unsigned smp)
{
    if (max_leaf(t, 0x80000000) >= 0x80000008) {
        struct kvm_cpuid_entry2 *e = tab_set(t, 0x80000008, 0, false);
        e->ecx = (e->ecx & ~0xf0ffu) | id_width(smp) << 12 | ((smp - 1) & 0xff);
    }
    struct kvm_cpuid_entry2 *e = tab_set(t, 0x80000001, 0, false);
    e->ecx &= ~(uint32_t)BIT(1); /* CmpLegacy: cores are described by HTT + NC */
}

static void set_topology(struct cpuid_table *t, unsigned smp, bool amd)
{
    set_leaf1_topology(t, smp);
    set_cache_topology(t, smp);
    set_x2apic_topology(t, 0xB, smp);
    if (max_leaf(t, 0) >= 0x1F)
        set_x2apic_topology(t, 0x1F, smp);
    if (amd)
        set_amd_topology(t, smp);
}

/* ---- hypervisor leaves ---- */

static void set_hypervisor_leaves(struct cpuid_table *t, const struct cpuid_table *sup)
{
    tab_remove_fn(t, 0x40000000, 0x400000ff);
    struct kvm_cpuid_entry2 *e = tab_set(t, 0x40000000, 0, false);
    e->eax = 0x40000001;
    e->ebx = 0x4b4d564b; /* "KVMKVMKVM\0\0\0" */
    e->ecx = 0x564b4d56;
    e->edx = 0x0000004d;
    e = tab_set(t, 0x40000001, 0, false);
    e->eax = reg_val(tab_get(sup, 0x40000001, 0), R_EAX); /* kvmclock & co */
}

/* ---- the conservative models ---- */

static void set_brand(struct cpuid_table *t, const char *brand)
{
    char buf[48] = { 0 };
    strncpy(buf, brand, sizeof(buf) - 1);
    for (unsigned i = 0; i < 3; i++) {
        struct kvm_cpuid_entry2 *e = tab_set(t, 0x80000002 + i, 0, false);
        const uint8_t *p = (const uint8_t *)buf + 16 * i;
        e->eax = ld32(p);
        e->ebx = ld32(p + 4);
        e->ecx = ld32(p + 8);
        e->edx = ld32(p + 12);
    }
}

static void set_baseline_features(struct cpuid_table *t, const struct cpuid_table *sup,
                                  const char *model)
{
    for (size_t i = 0; i < ARRAY_SIZE(baseline_features); i++) {
        const struct cpuid_feature *f = &baseline_features[i];
        uint32_t bit = (uint32_t)BIT(f->bit);
        if (reg_val(tab_get(sup, f->leaf, 0), f->reg) & bit)
            *reg_of(tab_set(t, f->leaf, 0, false), f->reg) |= bit;
        else if (!f->quiet)
            warn_report("KVM does not support CPUID feature '%s' on this host: "
                        "removed from CPU model '%s'", f->name, model);
    }
}

static void build_baseline(struct cpuid_table *t, const struct cpuid_table *sup,
                           const struct model_def *def)
{
    bool amd = vendor_is_amd(sup);
    const struct kvm_cpuid_entry2 *s;

    struct kvm_cpuid_entry2 *e = tab_set(t, 0, 0, false);
    s = tab_get(sup, 0, 0);
    e->eax = 0xd;
    e->ebx = reg_val(s, R_EBX);
    e->ecx = reg_val(s, R_ECX);
    e->edx = reg_val(s, R_EDX);

    e = tab_set(t, 1, 0, false);
    e->eax = amd ? def->sig_amd : def->sig_intel;
    e->ebx = 8 << 8; /* CLFLUSH line: 8 quadwords */
    if (!amd) {      /* Intel's cache descriptors; AMD uses 0x80000005/6 */
        tab_copy_fn(t, sup, 2);
        tab_copy_fn(t, sup, 4);
    }
    tab_set(t, 7, 0, true); /* no structured extended features */

    e = tab_set(t, 0x80000000, 0, false);
    s = tab_get(sup, 0x80000000, 0);
    e->eax = 0x80000008;
    e->ebx = reg_val(s, R_EBX);
    e->ecx = reg_val(s, R_ECX);
    e->edx = reg_val(s, R_EDX);
    tab_set(t, 0x80000001, 0, false)->eax = amd ? def->sig_amd : def->sig_intel;
    set_brand(t, def->brand);
    tab_copy_fn(t, sup, 0x80000005);
    tab_copy_fn(t, sup, 0x80000006);
    tab_set(t, 0x80000007, 0, false);

    /* Address sizes: the host's physical width (guest page tables must not
     * exceed it), at most 48 linear bits (no LA57 in the baseline). */
    e = tab_set(t, 0x80000008, 0, false);
    s = tab_get(sup, 0x80000008, 0);
    uint32_t phys = s ? (s->eax & 0xff) : 36, lin = s ? (s->eax >> 8) & 0xff : 48;
    e->eax = phys | MIN(lin ? lin : 48, 48u) << 8;

    set_baseline_features(t, sup, def->name);
    if (amd) {
        uint32_t alias = tab_set(t, 1, 0, false)->edx & AMD_EXT_EDX_ALIASES;
        alias &= reg_val(tab_get(sup, 0x80000001, 0), R_EDX);
        tab_set(t, 0x80000001, 0, false)->edx |= alias;
    }
}

static void build_host(struct cpuid_table *t, const struct cpuid_table *sup)
{
    t->n = t->cap = sup->n;
    t->e = g_memdup2(sup->e, sup->n * sizeof(*sup->e));
    struct kvm_cpuid_entry2 *e = tab_set(t, 0, 0, false);
    if (e->eax < 0xb)
        e->eax = 0xb; /* make the topology leaf visible */
    tab_set(t, 1, 0, false)->ecx |= CPUID_1_ECX_HYPERVISOR;
}

/* ---- public ---- */

int kvm_cpuid_model_init(struct kvm_cpuid_model *mdl, int kvm_fd, const char *name,
                         unsigned smp, char **err)
{
    memset(mdl, 0, sizeof(*mdl));
    const struct model_def *def = NULL;
    const char *want = name ? name : "qemu64";
    for (size_t i = 0; i < ARRAY_SIZE(models); i++)
        if (!strcmp(models[i].name, want))
            def = &models[i];
    if (!def) {
        *err = g_strdup_printf("unknown CPU model '%s' for KVM "
                               "(known: host, max, qemu64, kvm64)", want);
        return -1;
    }
    struct cpuid_table sup = { 0 }, t = { 0 };
    if (get_supported(kvm_fd, &sup, err))
        return -1;
    if (def->host)
        build_host(&t, &sup);
    else
        build_baseline(&t, &sup, def);
    set_topology(&t, smp, vendor_is_amd(&sup));
    set_hypervisor_leaves(&t, &sup);
    g_free(sup.e);

    g_strlcpy(mdl->name, def->name, sizeof(mdl->name));
    mdl->entries = t.e;
    mdl->nent = t.n;
    mdl->smp = smp;
    mdl->signature = reg_val(tab_get(&t, 1, 0), R_EAX);
    return 0;
}

void kvm_cpuid_model_destroy(struct kvm_cpuid_model *mdl)
{
    g_free(mdl->entries);
    mdl->entries = NULL;
    mdl->nent = 0;
}

struct kvm_cpuid2 *kvm_cpuid_for_vcpu(const struct kvm_cpuid_model *mdl, unsigned apic_id)
{
    struct kvm_cpuid2 *c =
        g_malloc0(sizeof(*c) + mdl->nent * sizeof(struct kvm_cpuid_entry2));
    c->nent = mdl->nent;
    memcpy(c->entries, mdl->entries, mdl->nent * sizeof(struct kvm_cpuid_entry2));
    for (unsigned i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];
        switch (e->function) {
        case 1:
            e->ebx = (e->ebx & 0x00ffffff) | (apic_id & 0xff) << 24;
            break;
        case 0xB:
        case 0x1F:
            e->edx = apic_id;
            break;
        case 0x8000001E:
            e->eax = apic_id;
            e->ebx = apic_id & 0xff; /* core ID; one thread per core */
            e->ecx = 0;              /* node 0, one node per package */
            break;
        }
    }
    return c;
}
