/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kvm.c: the KVM accelerator: vCPUs run in hardware through /dev/kvm, the
 * kernel emulates the PIC, IOAPIC, LAPIC and PIT, and every port-I/O and
 * MMIO exit goes to hvemu's devices through io_dispatch().
 *
 * Sources: Linux Documentation/virt/kvm/api.rst (ioctls, kvm_run, exits,
 * KVM_SET_SIGNAL_MASK, immediate_exit), Intel SDM vol. 3A 9.1 "Initialization
 * overview" (Table 9-1, processor state after reset), 10.4 (IA32_APIC_BASE),
 * 11.11 (MTRRs), 11.12 (PAT), and the 8259A/82093AA wiring of a PC.
 *
 * What is done here: VM creation and capability checks, the in-kernel
 * irqchip and PIT with PC GSI routing (ISA IRQ0 -> IOAPIC pin 2), RAM/ROM as
 * memory slots (ROM read-only when the host can), one thread per vCPU, the
 * architectural reset state (or a direct-boot state for the BSP), exits, and
 * pause/resume/reset.  The in-kernel chips are reset by restoring the state
 * KVM gave them at creation (each vCPU's LAPIC likewise, captured after
 * KVM_SET_CPUID2; it includes KVM's default of LINT0 = ExtINT on the BSP,
 * which hardware leaves to the BIOS), then the GSI levels hvemu's devices
 * currently drive are re-asserted.
 *
 * Not done (yet): dirty logging, MSI routing and irqfd/ioeventfd, state
 * save/restore of vCPUs and in-kernel chips, guest debugging, SMM, nested
 * virtualization controls.  A vCPU that KVM cannot run (internal error,
 * failed entry, unknown exit) prints its registers and asks the machine to
 * exit with status 1; the others keep running until the main loop stops.
 *
 * Threads: a vCPU thread never holds the machine lock itself (io_dispatch
 * takes it).  pause/resume/reset_cpus/destroy run in the main loop thread
 * and must be called without the machine lock, because a vCPU may need it
 * to finish the exit it is handling before it can park.  Kicks: the kick
 * signal is blocked in vCPU threads except inside KVM_RUN
 * (KVM_SET_SIGNAL_MASK), so a kick sent while a thread is outside the guest
 * stays pending and makes its next KVM_RUN return at once; the pending
 * signal is then consumed with sigtimedwait.
 *
 * Threat model: guest-controlled exit data (port I/O counts and sizes, MMIO
 * lengths) is bounded by the kvm_run mapping and by 1..8 bytes before use;
 * a guest can only stop its own vCPU (triple fault, emulation failure). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>
#include "core/log.h"
#include "core/machine.h"
#include "cpu/accel.h"
#include "cpu/kvm.h"
#include "cpu/kvm_cpuid.h"

#define KVM_PAGE 4096ULL
#define APIC_BASE_DEFAULT 0xFEE00000ULL
#define APIC_BASE_BSP BIT(8)
#define APIC_BASE_ENABLE BIT(11)
#define MISC_ENABLE_FAST_STRING BIT(0)
#define PAT_DEFAULT 0x0007040600070406ULL

/* One RAM range of the memory view and the KVM slot that maps it. */
struct kvm_accel_slot {
    bool used;
    uint64_t gpa, size; /* the range as the listener reported it */
    uint8_t *host;
    uint64_t slot_gpa, slot_size; /* its page-aligned part, as mapped */
};

struct kvm_accel;

struct kvm_accel_cpu {
    struct kvm_accel *k;
    unsigned index; /* vcpu id = APIC ID */
    int fd;
    struct kvm_run *run;
    pthread_t thread;
    bool thread_started;
    /* Parked until the next reset_cpus: triple fault, system event, error. */
    _Atomic bool stopped;
    /* The last exit needs KVM_RUN to complete (port/MMIO read data). */
    bool io_pending;
    struct kvm_lapic_state lapic_reset; /* LAPIC as KVM created it */
    _Atomic long tid; /* the thread's Linux id (query-cpus-fast), 0 before it runs */
};

struct kvm_accel {
    struct machine *m;
    int kvm_fd, vm_fd;
    size_t run_size, xsave_size;
    unsigned max_vcpus, nr_slots;
    bool readonly_mem, xcrs, xsave, vcpu_events, debugregs, smm, immediate_exit;
    bool warned_rom_writable;
    struct kvm_cpuid_model cpuid;
    struct kvm_msr_list *msr_list;

    struct kvm_accel_slot *slots;
    unsigned nslots;
    struct mem_listener listener;
    bool listening;

    struct kvm_irqchip chip_reset[3]; /* PIC master, PIC slave, IOAPIC */
    struct kvm_pit_state2 pit_reset;
    _Atomic int gsi_level[KVM_ACCEL_NR_GSIS];

    struct kvm_accel_cpu *cpus;
    unsigned ncpus;
    pthread_mutex_t lock; /* guards parked, nthreads; with cond */
    pthread_cond_t cond;
    _Atomic bool pause_req, quit;
    unsigned nthreads, parked;

    bool trace_exit, trace_msr;
};

/* ---- small helpers ---- */

static int kvm_ioctl(int fd, unsigned long req, void *arg)
{
    int r;
    do
        r = ioctl(fd, req, arg);
    while (r < 0 && errno == EINTR);
    return r;
}

static int check_cap(struct kvm_accel *k, long cap)
{
    int r = -1;
    if (k->vm_fd >= 0)
        r = ioctl(k->vm_fd, KVM_CHECK_EXTENSION, cap);
    if (r < 0)
        r = ioctl(k->kvm_fd, KVM_CHECK_EXTENSION, cap);
    return r < 0 ? 0 : r;
}

static const char *const exit_names[] = {
    [KVM_EXIT_UNKNOWN] = "UNKNOWN",
    [KVM_EXIT_EXCEPTION] = "EXCEPTION",
    [KVM_EXIT_IO] = "IO",
    [KVM_EXIT_HYPERCALL] = "HYPERCALL",
    [KVM_EXIT_DEBUG] = "DEBUG",
    [KVM_EXIT_HLT] = "HLT",
    [KVM_EXIT_MMIO] = "MMIO",
    [KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
    [KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
    [KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
    [KVM_EXIT_INTR] = "INTR",
    [KVM_EXIT_SET_TPR] = "SET_TPR",
    [KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
    [KVM_EXIT_NMI] = "NMI",
    [KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
    [KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
    [KVM_EXIT_IOAPIC_EOI] = "IOAPIC_EOI",
    [KVM_EXIT_HYPERV] = "HYPERV",
    [KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
    [KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
    [KVM_EXIT_DIRTY_RING_FULL] = "DIRTY_RING_FULL",
    [KVM_EXIT_AP_RESET_HOLD] = "AP_RESET_HOLD",
    [KVM_EXIT_X86_BUS_LOCK] = "X86_BUS_LOCK",
    [KVM_EXIT_XEN] = "XEN",
    [KVM_EXIT_NOTIFY] = "NOTIFY",
};

static const char *exit_name(uint32_t reason)
{
    if (reason < ARRAY_SIZE(exit_names) && exit_names[reason])
        return exit_names[reason];
    return "?";
}

/* ---- memory slots ---- */

static int slot_alloc(struct kvm_accel *k)
{
    for (unsigned i = 0; i < k->nslots; i++)
        if (!k->slots[i].used)
            return (int)i;
    if (k->nslots >= k->nr_slots)
        return -1;
    unsigned n = MIN(MAX(k->nslots * 2, 16u), k->nr_slots);
    k->slots = g_renew(struct kvm_accel_slot, k->slots, n);
    memset(&k->slots[k->nslots], 0, (n - k->nslots) * sizeof(*k->slots));
    int id = (int)k->nslots;
    k->nslots = n;
    return id;
}

static int slot_set(struct kvm_accel *k, unsigned id, uint32_t flags, uint64_t gpa,
                    uint64_t size, void *host)
{
    struct kvm_userspace_memory_region r = {
        .slot = id,
        .flags = flags,
        .guest_phys_addr = gpa,
        .memory_size = size,
        .userspace_addr = (uintptr_t)host,
    };
    return kvm_ioctl(k->vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
}

/* Listener: a RAM/ROM range appeared in the memory view (machine lock held,
 * or before any vCPU runs). */
static void kvm_ram_add(void *opaque, uint64_t gpa, uint64_t size, uint8_t *host,
                        bool readonly)
{
    struct kvm_accel *k = opaque;
    uint64_t start = (gpa + KVM_PAGE - 1) & ~(KVM_PAGE - 1);
    uint64_t end = (gpa + size) & ~(KVM_PAGE - 1);
    uint8_t *h = host + (start - gpa);
    if (end <= start || gpa + size < gpa || ((uintptr_t)h & (KVM_PAGE - 1))) {
        /* Not mappable: io_dispatch serves it through MMIO exits. */
        warn_report("kvm: RAM at 0x%" PRIx64 "+0x%" PRIx64 " is not page aligned: "
                    "served by MMIO exits", gpa, size);
        return;
    }
    int id = slot_alloc(k);
    if (id < 0) {
        error_report("kvm: out of memory slots (%u) for RAM at 0x%" PRIx64, k->nr_slots, gpa);
        return;
    }
    uint32_t flags = 0;
    if (readonly && k->readonly_mem) {
        flags = KVM_MEM_READONLY;
    } else if (readonly && !k->warned_rom_writable) {
        k->warned_rom_writable = true;
        warn_report("kvm: host lacks read-only memory slots: ROM is writable by the guest");
    }
    if (slot_set(k, (unsigned)id, flags, start, end - start, h)) {
        error_report("kvm: KVM_SET_USER_MEMORY_REGION 0x%" PRIx64 "+0x%" PRIx64 ": %s",
                     start, end - start, strerror(errno));
        return;
    }
    k->slots[id] = (struct kvm_accel_slot){
        .used = true, .gpa = gpa, .size = size, .host = host,
        .slot_gpa = start, .slot_size = end - start,
    };
}

static void kvm_ram_del(void *opaque, uint64_t gpa, uint64_t size, uint8_t *host)
{
    struct kvm_accel *k = opaque;
    for (unsigned i = 0; i < k->nslots; i++) {
        struct kvm_accel_slot *s = &k->slots[i];
        if (!s->used || s->gpa != gpa || s->size != size || s->host != host)
            continue;
        if (slot_set(k, i, 0, s->slot_gpa, 0, NULL))
            error_report("kvm: deleting memory slot %u at 0x%" PRIx64 ": %s", i,
                         s->slot_gpa, strerror(errno));
        s->used = false;
        return;
    }
}

/* Register the listener and map what the current view already has. */
static void listener_register(struct kvm_accel *k)
{
    struct machine *m = k->m;
    k->listener = (struct mem_listener){
        .ram_add = kvm_ram_add, .ram_del = kvm_ram_del, .opaque = k,
    };
    machine_lock(m);
    struct mem_listener **pp = &m->mem.listeners;
    while (*pp)
        pp = &(*pp)->next;
    *pp = &k->listener;
    k->listening = true;
    const struct as_view *v = atomic_load(&m->mem.view);
    for (size_t i = 0; v && i < v->n; i++) {
        const struct view_range *x = &v->ranges[i];
        if (x->r->host && !x->r->ops)
            kvm_ram_add(k, x->start, x->end - x->start, x->r->host + (x->start - x->r->base),
                        x->r->readonly);
    }
    machine_unlock(m);
}

static void listener_unregister(struct kvm_accel *k)
{
    if (!k->listening)
        return;
    machine_lock(k->m);
    for (struct mem_listener **pp = &k->m->mem.listeners; *pp; pp = &(*pp)->next) {
        if (*pp == &k->listener) {
            *pp = k->listener.next;
            break;
        }
    }
    k->listening = false;
    machine_unlock(k->m);
}

/* ---- VM creation ---- */

static int open_kvm(struct kvm_accel *k, char **err)
{
    k->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (k->kvm_fd < 0) {
        *err = g_strdup_printf("KVM is not available: /dev/kvm: %s", strerror(errno));
        return -1;
    }
    int v = ioctl(k->kvm_fd, KVM_GET_API_VERSION, 0);
    if (v != KVM_API_VERSION) {
        *err = g_strdup_printf("KVM API version %d is not supported (hvemu needs %d)", v,
                               KVM_API_VERSION);
        return -1;
    }
    int sz = ioctl(k->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (sz < (int)sizeof(struct kvm_run)) {
        *err = g_strdup_printf("KVM_GET_VCPU_MMAP_SIZE: %s",
                               sz < 0 ? strerror(errno) : "too small");
        return -1;
    }
    k->run_size = (size_t)sz;
    do
        k->vm_fd = ioctl(k->kvm_fd, KVM_CREATE_VM, 0);
    while (k->vm_fd < 0 && errno == EINTR);
    if (k->vm_fd < 0) {
        *err = g_strdup_printf("KVM_CREATE_VM failed: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static const struct {
    long cap;
    const char *name, *why;
} required_caps[] = {
    { KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP", "in-kernel PIC/IOAPIC/LAPIC" },
    { KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", "user memory slots" },
    { KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR", "real-mode TSS placement" },
    { KVM_CAP_PIT2, "KVM_CAP_PIT2", "in-kernel PIT" },
    { KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING", "GSI routing" },
    { KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID", "KVM_GET_SUPPORTED_CPUID" },
    { KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE", "SMP start-up states" },
};

static int check_caps(struct kvm_accel *k, char **err)
{
    for (size_t i = 0; i < ARRAY_SIZE(required_caps); i++) {
        if (!check_cap(k, required_caps[i].cap)) {
            *err = g_strdup_printf("KVM on this host lacks %s (%s), which hvemu needs",
                                   required_caps[i].name, required_caps[i].why);
            return -1;
        }
    }
    if (check_cap(k, KVM_CAP_IRQ_ROUTING) < KVM_ACCEL_NR_GSIS) {
        *err = g_strdup("KVM on this host routes fewer than 24 GSIs");
        return -1;
    }
    k->readonly_mem = check_cap(k, KVM_CAP_READONLY_MEM) > 0;
    k->xcrs = check_cap(k, KVM_CAP_XCRS) > 0;
    k->xsave = check_cap(k, KVM_CAP_XSAVE) > 0;
    k->xsave_size = MAX(sizeof(struct kvm_xsave), (size_t)check_cap(k, KVM_CAP_XSAVE2));
    k->vcpu_events = check_cap(k, KVM_CAP_VCPU_EVENTS) > 0;
    k->debugregs = check_cap(k, KVM_CAP_DEBUGREGS) > 0;
    k->smm = check_cap(k, KVM_CAP_X86_SMM) > 0;
    k->immediate_exit = check_cap(k, KVM_CAP_IMMEDIATE_EXIT) > 0;
    /* api.rst: without KVM_CAP_NR_MEMSLOTS assume 32 slots; without
     * KVM_CAP_MAX_VCPUS use KVM_CAP_NR_VCPUS, without that 4. */
    int n = check_cap(k, KVM_CAP_NR_MEMSLOTS);
    k->nr_slots = n > 0 ? (unsigned)n : 32;
    n = check_cap(k, KVM_CAP_MAX_VCPUS);
    if (n <= 0)
        n = check_cap(k, KVM_CAP_NR_VCPUS);
    k->max_vcpus = n > 0 ? (unsigned)n : 4;
    n = check_cap(k, KVM_CAP_MAX_VCPU_ID);
    if (n > 0 && (unsigned)n < k->max_vcpus)
        k->max_vcpus = (unsigned)n;
    return 0;
}

static int check_smp(struct kvm_accel *k, unsigned smp, char **err)
{
    if (smp < 1 || smp > k->max_vcpus) {
        *err = g_strdup_printf("-smp %u: KVM on this host supports 1 to %u vCPUs", smp,
                               k->max_vcpus);
        return -1;
    }
    int rec = check_cap(k, KVM_CAP_NR_VCPUS);
    if (rec > 0 && smp > (unsigned)rec)
        warn_report("-smp %u exceeds the %d vCPUs KVM recommends on this host", smp, rec);
    return 0;
}

static void add_route(struct kvm_irq_routing *r, unsigned gsi, unsigned chip, unsigned pin)
{
    struct kvm_irq_routing_entry *e = &r->entries[r->nr++];
    memset(e, 0, sizeof(*e));
    e->gsi = gsi;
    e->type = KVM_IRQ_ROUTING_IRQCHIP;
    e->u.irqchip.irqchip = chip;
    e->u.irqchip.pin = pin;
}

/* The PC wiring: ISA IRQ n -> PIC pin n (IRQ2 is the slave cascade, so no
 * device line reaches it); IOAPIC pin n from GSI n, except that the PIT
 * (ISA IRQ0) is wired to IOAPIC pin 2 -- the "IRQ0 -> GSI 2" override the
 * MP/ACPI tables describe -- and GSI 2 itself goes nowhere. */
static int set_gsi_routing(struct kvm_accel *k, char **err)
{
    unsigned max = 2 * KVM_ACCEL_NR_GSIS;
    struct kvm_irq_routing *r =
        g_malloc0(sizeof(*r) + max * sizeof(struct kvm_irq_routing_entry));
    for (unsigned gsi = 0; gsi < KVM_ACCEL_NR_GSIS; gsi++) {
        if (gsi == 2)
            continue;
        if (gsi < 8)
            add_route(r, gsi, KVM_IRQCHIP_PIC_MASTER, gsi);
        else if (gsi < 16)
            add_route(r, gsi, KVM_IRQCHIP_PIC_SLAVE, gsi - 8);
        add_route(r, gsi, KVM_IRQCHIP_IOAPIC, gsi == 0 ? 2 : gsi);
    }
    int rc = kvm_ioctl(k->vm_fd, KVM_SET_GSI_ROUTING, r);
    g_free(r);
    if (rc) {
        *err = g_strdup_printf("KVM_SET_GSI_ROUTING failed: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int setup_irqchip(struct kvm_accel *k, char **err)
{
    const char *what;
    if (check_cap(k, KVM_CAP_SET_IDENTITY_MAP_ADDR)) {
        uint64_t a = KVM_ACCEL_IDENTITY_MAP_ADDR;
        what = "KVM_SET_IDENTITY_MAP_ADDR";
        if (kvm_ioctl(k->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &a))
            goto fail;
    }
    what = "KVM_SET_TSS_ADDR";
    if (ioctl(k->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_ACCEL_TSS_ADDR))
        goto fail;
    what = "KVM_CREATE_IRQCHIP";
    if (kvm_ioctl(k->vm_fd, KVM_CREATE_IRQCHIP, NULL))
        goto fail;
    /* Port 0x61 in the kernel: see cpu/kvm.h. */
    struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
    what = "KVM_CREATE_PIT2";
    if (kvm_ioctl(k->vm_fd, KVM_CREATE_PIT2, &pit))
        goto fail;
    if (set_gsi_routing(k, err))
        return -1;
    what = "KVM_GET_IRQCHIP";
    for (unsigned i = 0; i < 3; i++) {
        k->chip_reset[i].chip_id = i;
        if (kvm_ioctl(k->vm_fd, KVM_GET_IRQCHIP, &k->chip_reset[i]))
            goto fail;
    }
    what = "KVM_GET_PIT2";
    if (kvm_ioctl(k->vm_fd, KVM_GET_PIT2, &k->pit_reset))
        goto fail;
    return 0;
fail:
    *err = g_strdup_printf("%s failed: %s", what, strerror(errno));
    return -1;
}

/* The host's MSR list; an empty list if it cannot be read (not fatal). */
static void get_msr_list(struct kvm_accel *k)
{
    struct kvm_msr_list probe = { .nmsrs = 0 };
    if (ioctl(k->kvm_fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 && errno != E2BIG)
        probe.nmsrs = 0;
    unsigned n = MIN(probe.nmsrs, 4096u);
    k->msr_list = g_malloc0(sizeof(*k->msr_list) + n * sizeof(uint32_t));
    k->msr_list->nmsrs = n;
    if (n && ioctl(k->kvm_fd, KVM_GET_MSR_INDEX_LIST, k->msr_list) < 0)
        k->msr_list->nmsrs = 0;
}

static bool msr_listed(const struct kvm_accel *k, uint32_t index)
{
    for (unsigned i = 0; i < k->msr_list->nmsrs; i++)
        if (k->msr_list->indices[i] == index)
            return true;
    return false;
}

static void accel_free(struct kvm_accel *k)
{
    listener_unregister(k);
    if (k->vm_fd >= 0)
        close(k->vm_fd);
    if (k->kvm_fd >= 0)
        close(k->kvm_fd);
    kvm_cpuid_model_destroy(&k->cpuid);
    g_free(k->msr_list);
    g_free(k->slots);
    pthread_cond_destroy(&k->cond);
    pthread_mutex_destroy(&k->lock);
    g_free(k);
}

static int kvm_accel_init(struct machine *m, char **err)
{
    struct kvm_accel *k = g_new0(struct kvm_accel, 1);
    k->m = m;
    k->kvm_fd = k->vm_fd = -1;
    pthread_mutex_init(&k->lock, NULL);
    pthread_cond_init(&k->cond, NULL);
    k->trace_exit = trace_on(&m->log, "kvm.exit");
    k->trace_msr = trace_on(&m->log, "kvm.msr");
    if (open_kvm(k, err) || check_caps(k, err) || check_smp(k, m->smp_cpus, err) ||
        setup_irqchip(k, err) ||
        kvm_cpuid_model_init(&k->cpuid, k->kvm_fd, m->cpu_model, m->smp_cpus, err)) {
        accel_free(k);
        return -1;
    }
    get_msr_list(k);
    m->accel_state = k;
    listener_register(k);
    return 0;
}

/* ---- interrupts ---- */

static void kvm_accel_set_irq(struct machine *m, unsigned gsi, int level)
{
    struct kvm_accel *k = m->accel_state;
    if (!k || gsi >= KVM_ACCEL_NR_GSIS)
        return;
    atomic_store(&k->gsi_level[gsi], level != 0);
    struct kvm_irq_level l = { .irq = gsi, .level = level != 0 };
    if (kvm_ioctl(k->vm_fd, KVM_IRQ_LINE, &l))
        error_report("kvm: KVM_IRQ_LINE gsi %u: %s", gsi, strerror(errno));
}

/* HPET legacy replacement: the in-kernel PIT does not interrupt while
 * KVM_PIT_FLAGS_HPET_LEGACY is set.  KVM_SET_PIT2 reloads each channel
 * from the counts it is given, so a change restarts the channels' current
 * periods, as restoring PIT state does. */
static void kvm_accel_set_hpet_legacy(struct machine *m, bool on)
{
    struct kvm_accel *k = m->accel_state;
    struct kvm_pit_state2 ps;
    if (!k)
        return;
    if (kvm_ioctl(k->vm_fd, KVM_GET_PIT2, &ps)) {
        error_report("kvm: KVM_GET_PIT2: %s", strerror(errno));
        return;
    }
    if (!(ps.flags & KVM_PIT_FLAGS_HPET_LEGACY) == !on)
        return;
    if (on)
        ps.flags |= KVM_PIT_FLAGS_HPET_LEGACY;
    else
        ps.flags &= ~KVM_PIT_FLAGS_HPET_LEGACY;
    if (kvm_ioctl(k->vm_fd, KVM_SET_PIT2, &ps))
        error_report("kvm: KVM_SET_PIT2: %s", strerror(errno));
}

/* Back to the creation state, then re-drive the lines devices hold high
 * (their settle() ran before this and reached the old chip state). */
static void reset_irqchips(struct kvm_accel *k)
{
    for (unsigned i = 0; i < 3; i++)
        if (kvm_ioctl(k->vm_fd, KVM_SET_IRQCHIP, &k->chip_reset[i]))
            error_report("kvm: KVM_SET_IRQCHIP %u: %s", i, strerror(errno));
    if (kvm_ioctl(k->vm_fd, KVM_SET_PIT2, &k->pit_reset))
        error_report("kvm: KVM_SET_PIT2: %s", strerror(errno));
    for (unsigned gsi = 0; gsi < KVM_ACCEL_NR_GSIS; gsi++) {
        struct kvm_irq_level l = { .irq = gsi, .level = 1 };
        if (atomic_load(&k->gsi_level[gsi]) && kvm_ioctl(k->vm_fd, KVM_IRQ_LINE, &l))
            error_report("kvm: KVM_IRQ_LINE gsi %u: %s", gsi, strerror(errno));
    }
}

/* ---- vCPU reset state ---- */

static void seg_set(struct kvm_segment *s, uint16_t sel, uint64_t base, uint32_t limit,
                    uint8_t type, uint8_t code_or_data)
{
    memset(s, 0, sizeof(*s));
    s->selector = sel;
    s->base = base;
    s->limit = limit;
    s->type = type;
    s->s = code_or_data;
    s->present = 1;
}

/* Intel SDM vol. 3A Table 9-1. */
static void reset_sregs(struct kvm_sregs *s, bool bsp)
{
    memset(s, 0, sizeof(*s));
    seg_set(&s->cs, 0xF000, 0xFFFF0000, 0xFFFF, 0xB, 1); /* execute/read, accessed */
    seg_set(&s->ds, 0, 0, 0xFFFF, 0x3, 1);               /* read/write, accessed */
    s->es = s->fs = s->gs = s->ss = s->ds;
    seg_set(&s->ldt, 0, 0, 0xFFFF, 0x2, 0);              /* LDT */
    seg_set(&s->tr, 0, 0, 0xFFFF, 0xB, 0);               /* busy 32-bit TSS, as VMX needs */
    s->gdt.limit = s->idt.limit = 0xFFFF;
    s->cr0 = 0x60000010; /* CD, NW, ET */
    s->apic_base = APIC_BASE_DEFAULT | APIC_BASE_ENABLE | (bsp ? APIC_BASE_BSP : 0);
}

static void seg_from_boot(struct kvm_segment *d, const struct x86_seg *s)
{
    memset(d, 0, sizeof(*d));
    d->selector = s->sel;
    d->base = s->base;
    d->limit = s->limit;
    d->type = s->type;
    d->s = s->s;
    d->dpl = s->dpl;
    d->present = s->present;
    d->db = s->db;
    d->l = s->l;
    d->g = s->g;
    d->avl = s->avl;
    d->unusable = s->unusable || !s->present;
}

static bool seg_empty(const struct x86_seg *s)
{
    return !s->present && !s->type && !s->sel;
}

/* The BSP entry a direct loader described.  TR and LDTR keep their reset
 * values unless the loader set them; CR0.ET is hardwired to 1; EFER.LMA
 * follows LME && PG as the hardware would have set it. */
static void boot_sregs(struct kvm_sregs *d, const struct x86_boot_state *b)
{
    seg_from_boot(&d->cs, &b->cs);
    seg_from_boot(&d->ds, &b->ds);
    seg_from_boot(&d->es, &b->es);
    seg_from_boot(&d->fs, &b->fs);
    seg_from_boot(&d->gs, &b->gs);
    seg_from_boot(&d->ss, &b->ss);
    if (!seg_empty(&b->tr))
        seg_from_boot(&d->tr, &b->tr);
    if (!seg_empty(&b->ldt))
        seg_from_boot(&d->ldt, &b->ldt);
    d->gdt.base = b->gdt.base;
    d->gdt.limit = b->gdt.limit;
    d->idt.base = b->idt.base;
    d->idt.limit = b->idt.limit;
    d->cr0 = b->cr0 | X86_CR0_ET;
    d->cr3 = b->cr3;
    d->cr4 = b->cr4;
    d->efer = b->efer;
    if ((d->efer & X86_EFER_LME) && (d->cr0 & X86_CR0_PG))
        d->efer |= X86_EFER_LMA;
}

static void boot_regs(struct kvm_regs *r, const struct x86_boot_state *b)
{
    r->rax = b->rax;
    r->rbx = b->rbx;
    r->rcx = b->rcx;
    r->rdx = b->rdx;
    r->rsi = b->rsi;
    r->rdi = b->rdi;
    r->rsp = b->rsp;
    r->rbp = b->rbp;
    r->rip = b->rip;
    r->rflags = b->rflags | 2; /* bit 1 is always set */
}

/* x87 after FINIT, MXCSR default, no AVX/... state; DR6/DR7 defaults. */
static void reset_fpu_debug(struct kvm_accel *k, struct kvm_accel_cpu *c)
{
    if (k->xsave) {
        uint32_t *x = g_malloc0(k->xsave_size);
        x[0] = 0x037F;  /* FCW; FSW 0 */
        x[6] = 0x1F80;  /* MXCSR */
        x[128] = 0x3;   /* XSTATE_BV: x87 and SSE as given, the rest in init state */
        if (kvm_ioctl(c->fd, KVM_SET_XSAVE, x))
            TRACE(&k->m->log, k->trace_msr, "kvm.msr: vCPU %u: KVM_SET_XSAVE: %s", c->index,
                  strerror(errno));
        g_free(x);
    }
    struct kvm_fpu f = { .fcw = 0x037F, .mxcsr = 0x1F80 };
    if (kvm_ioctl(c->fd, KVM_SET_FPU, &f))
        error_report("kvm: vCPU %u: KVM_SET_FPU: %s", c->index, strerror(errno));
    if (k->xcrs) {
        struct kvm_xcrs x = { .nr_xcrs = 1, .xcrs = { { .xcr = 0, .value = 1 } } };
        if (kvm_ioctl(c->fd, KVM_SET_XCRS, &x))
            TRACE(&k->m->log, k->trace_msr, "kvm.msr: vCPU %u: KVM_SET_XCRS: %s", c->index,
                  strerror(errno));
    }
    if (k->debugregs) {
        struct kvm_debugregs d = { .dr6 = 0xFFFF0FF0, .dr7 = 0x400 };
        if (kvm_ioctl(c->fd, KVM_SET_DEBUGREGS, &d))
            error_report("kvm: vCPU %u: KVM_SET_DEBUGREGS: %s", c->index, strerror(errno));
    }
}

struct msr_init {
    uint32_t index;
    const char *name;
    bool listed_only; /* only where KVM_GET_MSR_INDEX_LIST offers it */
    uint64_t value;
};

/* Reset values (SDM Table 9-1 and the MSR chapters; KVM's paravirtual MSRs
 * from Documentation/virt/kvm/x86/msr.rst: kvmclock, async PF, steal time
 * and PV EOI off, so a rebooted guest's old areas are no longer written). */
static const struct msr_init reset_msrs[] = {
    { 0x0000003B, "IA32_TSC_ADJUST", true, 0 },
    { 0x00000010, "IA32_TSC", false, 0 },
    { 0x0000001B, "IA32_APIC_BASE", false, 0 }, /* value per vCPU */
    { 0x000001A0, "IA32_MISC_ENABLE", false, MISC_ENABLE_FAST_STRING },
    { 0x00000174, "IA32_SYSENTER_CS", true, 0 },
    { 0x00000175, "IA32_SYSENTER_ESP", true, 0 },
    { 0x00000176, "IA32_SYSENTER_EIP", true, 0 },
    { 0xC0000081, "STAR", true, 0 },
    { 0xC0000082, "LSTAR", true, 0 },
    { 0xC0000083, "CSTAR", true, 0 },
    { 0xC0000084, "FMASK", true, 0 },
    { 0xC0000102, "KERNEL_GS_BASE", true, 0 },
    { 0xC0000103, "TSC_AUX", true, 0 },
    { 0x00000277, "IA32_PAT", false, PAT_DEFAULT },
    { 0x000002FF, "IA32_MTRR_DEF_TYPE", false, 0 },
    { 0x000006E0, "IA32_TSC_DEADLINE", true, 0 },
    { 0x00000012, "KVM_SYSTEM_TIME", true, 0 },
    { 0x4B564D01, "KVM_SYSTEM_TIME_NEW", true, 0 },
    { 0x4B564D02, "KVM_ASYNC_PF_EN", true, 0 },
    { 0x4B564D03, "KVM_STEAL_TIME", true, 0 },
    { 0x4B564D04, "KVM_PV_EOI_EN", true, 0 },
    { 0x4B564D05, "KVM_POLL_CONTROL", true, 1 },
    { 0x4B564D06, "KVM_ASYNC_PF_INT", true, 0 },
};

static const char *msr_name(uint32_t index)
{
    for (size_t i = 0; i < ARRAY_SIZE(reset_msrs); i++)
        if (reset_msrs[i].index == index)
            return reset_msrs[i].name;
    return "?";
}

static void reset_msrs_set(struct kvm_accel *k, struct kvm_accel_cpu *c, uint64_t apic_base)
{
    struct kvm_msr_entry all[ARRAY_SIZE(reset_msrs)];
    unsigned n = 0;
    for (size_t i = 0; i < ARRAY_SIZE(reset_msrs); i++) {
        const struct msr_init *mi = &reset_msrs[i];
        if (mi->listed_only && !msr_listed(k, mi->index)) {
            TRACE(&k->m->log, k->trace_msr, "kvm.msr: vCPU %u: host does not list MSR 0x%x "
                  "(%s), skipped", c->index, mi->index, mi->name);
            continue;
        }
        all[n] = (struct kvm_msr_entry){
            .index = mi->index,
            .data = mi->index == 0x1B ? apic_base : mi->value,
        };
        n++;
    }
    /* KVM_SET_MSRS stops at the first MSR it refuses: skip that one, go on. */
    struct kvm_msrs *req = g_malloc0(sizeof(*req) + n * sizeof(struct kvm_msr_entry));
    for (unsigned done = 0; done < n;) {
        req->nmsrs = n - done;
        memcpy(req->entries, &all[done], (n - done) * sizeof(all[0]));
        int r = kvm_ioctl(c->fd, KVM_SET_MSRS, req);
        if (r < 0) {
            TRACE(&k->m->log, k->trace_msr, "kvm.msr: vCPU %u: KVM_SET_MSRS: %s", c->index,
                  strerror(errno));
            break;
        }
        done += (unsigned)r;
        if (done < n) {
            TRACE(&k->m->log, k->trace_msr, "kvm.msr: vCPU %u: host refused MSR 0x%x (%s), "
                  "skipped", c->index, all[done].index, msr_name(all[done].index));
            done++;
        }
    }
    g_free(req);
}

/* Architectural reset of one vCPU; the BSP takes m->boot if valid. */
static int vcpu_reset(struct kvm_accel *k, struct kvm_accel_cpu *c, char **err)
{
    bool bsp = c->index == 0;
    const struct x86_boot_state *b = bsp && k->m->boot.valid ? &k->m->boot : NULL;
    struct kvm_sregs s;
    struct kvm_regs r = { .rflags = 2, .rip = 0xFFF0, .rdx = k->cpuid.signature };
    reset_sregs(&s, bsp);
    if (b) {
        boot_sregs(&s, b);
        memset(&r, 0, sizeof(r));
        boot_regs(&r, b);
    }
    const char *what = "KVM_SET_SREGS";
    if (kvm_ioctl(c->fd, KVM_SET_SREGS, &s))
        goto fail;
    what = "KVM_SET_REGS";
    if (kvm_ioctl(c->fd, KVM_SET_REGS, &r))
        goto fail;
    /* After IA32_APIC_BASE (in sregs): the LAPIC is back in xAPIC mode. */
    what = "KVM_SET_LAPIC";
    if (kvm_ioctl(c->fd, KVM_SET_LAPIC, &c->lapic_reset))
        goto fail;
    reset_fpu_debug(k, c);
    reset_msrs_set(k, c, s.apic_base);
    if (k->vcpu_events) {
        struct kvm_vcpu_events ev = {
            .flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW |
                     (k->smm ? KVM_VCPUEVENT_VALID_SMM : 0),
        };
        what = "KVM_SET_VCPU_EVENTS";
        if (kvm_ioctl(c->fd, KVM_SET_VCPU_EVENTS, &ev))
            goto fail;
    }
    /* APs wait for INIT/SIPI, which the in-kernel LAPIC handles. */
    struct kvm_mp_state mp = {
        .mp_state = bsp ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_UNINITIALIZED,
    };
    what = "KVM_SET_MP_STATE";
    if (kvm_ioctl(c->fd, KVM_SET_MP_STATE, &mp))
        goto fail;
    return 0;
fail:
    *err = g_strdup_printf("vCPU %u: %s failed: %s", c->index, what, strerror(errno));
    return -1;
}

/* ---- exits ---- */

static void dump_seg(FILE *f, const char *name, const struct kvm_segment *s)
{
    fprintf(f, "  %-3s=%04x base=%016llx limit=%08x type=%x s=%u dpl=%u p=%u db=%u l=%u g=%u%s\n",
            name, s->selector, (unsigned long long)s->base, s->limit, s->type, s->s, s->dpl,
            s->present, s->db, s->l, s->g, s->unusable ? " unusable" : "");
}

static void dump_regs(struct kvm_accel_cpu *c)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    FILE *f = stderr;
    if (kvm_ioctl(c->fd, KVM_GET_REGS, &r) || kvm_ioctl(c->fd, KVM_GET_SREGS, &s)) {
        fprintf(f, "  (registers unavailable: %s)\n", strerror(errno));
        return;
    }
    flockfile(f);
    fprintf(f, "  RIP=%016llx RFLAGS=%08llx\n", r.rip, r.rflags);
    fprintf(f, "  RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n", r.rax, r.rbx, r.rcx,
            r.rdx);
    fprintf(f, "  RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx\n", r.rsi, r.rdi, r.rbp,
            r.rsp);
    fprintf(f, "  R8 =%016llx R9 =%016llx R10=%016llx R11=%016llx\n", r.r8, r.r9, r.r10,
            r.r11);
    fprintf(f, "  R12=%016llx R13=%016llx R14=%016llx R15=%016llx\n", r.r12, r.r13, r.r14,
            r.r15);
    dump_seg(f, "CS", &s.cs);
    dump_seg(f, "SS", &s.ss);
    dump_seg(f, "DS", &s.ds);
    dump_seg(f, "ES", &s.es);
    dump_seg(f, "FS", &s.fs);
    dump_seg(f, "GS", &s.gs);
    dump_seg(f, "TR", &s.tr);
    dump_seg(f, "LDT", &s.ldt);
    fprintf(f, "  GDT=%016llx/%04x IDT=%016llx/%04x\n", s.gdt.base, s.gdt.limit, s.idt.base,
            s.idt.limit);
    fprintf(f, "  CR0=%08llx CR2=%016llx CR3=%016llx CR4=%08llx CR8=%llx\n", s.cr0, s.cr2,
            s.cr3, s.cr4, s.cr8);
    fprintf(f, "  EFER=%08llx APIC_BASE=%08llx\n", s.efer, s.apic_base);
    funlockfile(f);
}

/* KVM cannot run this vCPU: one error line, the registers, stop it, and
 * stop the machine in state internal-error (as QEMU does): the process and
 * its monitors stay, so management can inspect it, system_reset or quit. */
static void vcpu_fail(struct kvm_accel_cpu *c)
{
    struct kvm_run *run = c->run;
    char detail[160] = "";
    if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
        int len = snprintf(detail, sizeof(detail), ", suberror %u", run->internal.suberror);
        unsigned nd = MIN(run->internal.ndata, 4u);
        for (unsigned i = 0; i < nd && len > 0 && (size_t)len < sizeof(detail); i++)
            len += snprintf(detail + len, sizeof(detail) - (size_t)len, " data[%u]=0x%llx", i,
                            (unsigned long long)run->internal.data[i]);
    } else if (run->exit_reason == KVM_EXIT_FAIL_ENTRY) {
        snprintf(detail, sizeof(detail), ", hardware entry failure reason 0x%llx on host cpu %u",
                 (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
                 run->fail_entry.cpu);
    } else if (run->exit_reason == KVM_EXIT_SYSTEM_EVENT) {
        snprintf(detail, sizeof(detail), ", event type %u", run->system_event.type);
    }
    error_report("kvm: vCPU %u stopped: exit reason %u (%s)%s", c->index, run->exit_reason,
                 exit_name(run->exit_reason), detail);
    dump_regs(c);
    atomic_store(&c->stopped, true);
    machine_request(c->k->m, REQ_INTERNAL_ERROR, 0);
}

static uint64_t load_le(const uint8_t *p, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void store_le(uint8_t *p, unsigned size, uint64_t v)
{
    for (unsigned i = 0; i < size; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Port I/O, string forms included: count items of size bytes each. */
static void handle_pio(struct kvm_accel_cpu *c)
{
    struct kvm_accel *k = c->k;
    struct kvm_run *run = c->run;
    unsigned size = run->io.size;
    uint64_t off = run->io.data_offset, count = run->io.count;
    bool out = run->io.direction == KVM_EXIT_IO_OUT;
    TRACE(&k->m->log, k->trace_exit, "kvm.exit: cpu %u io %s port 0x%x size %u count %" PRIu64,
          c->index, out ? "out" : "in", run->io.port, size, count);
    if ((size != 1 && size != 2 && size != 4) || off > k->run_size ||
        count > (k->run_size - off) / size) {
        error_report("kvm: vCPU %u: malformed I/O exit (size %u count %" PRIu64 ")", c->index,
                     size, count);
        return;
    }
    uint8_t *p = (uint8_t *)run + off;
    for (uint64_t i = 0; i < count; i++, p += size) {
        uint64_t v = out ? load_le(p, size) : 0;
        io_dispatch(&k->m->io, run->io.port, size, out, &v);
        if (!out)
            store_le(p, size, v);
    }
}

static void handle_mmio(struct kvm_accel_cpu *c)
{
    struct kvm_accel *k = c->k;
    struct kvm_run *run = c->run;
    unsigned len = run->mmio.len;
    bool wr = run->mmio.is_write;
    if (len == 0 || len > 8) {
        error_report("kvm: vCPU %u: malformed MMIO exit (len %u)", c->index, len);
        return;
    }
    uint64_t v = wr ? load_le(run->mmio.data, len) : 0;
    io_dispatch(&k->m->mem, run->mmio.phys_addr, len, wr, &v);
    if (!wr)
        store_le(run->mmio.data, len, v);
    TRACE(&k->m->log, k->trace_exit, "kvm.exit: cpu %u mmio %s 0x%llx len %u data 0x%" PRIx64,
          c->index, wr ? "write" : "read", (unsigned long long)run->mmio.phys_addr, len, v);
}

static void handle_system_event(struct kvm_accel_cpu *c)
{
    struct machine *m = c->k->m;
    switch (c->run->system_event.type) {
    case KVM_SYSTEM_EVENT_SHUTDOWN:
        atomic_store(&c->stopped, true);
        machine_request(m, REQ_POWEROFF, 0);
        break;
    case KVM_SYSTEM_EVENT_RESET:
        atomic_store(&c->stopped, true);
        machine_request(m, REQ_RESET, 0);
        break;
    case KVM_SYSTEM_EVENT_WAKEUP:
        break;
    default: /* crash, SEV termination, suspend: nothing hvemu can carry on */
        vcpu_fail(c);
        break;
    }
}

/* Without an in-kernel LAPIC nothing could wake a halted vCPU but a pause
 * or quit; with it (always, here) KVM never reports HLT. */
static void wait_halted(struct kvm_accel_cpu *c)
{
    struct kvm_accel *k = c->k;
    pthread_mutex_lock(&k->lock);
    while (!atomic_load(&k->pause_req) && !atomic_load(&k->quit))
        pthread_cond_wait(&k->cond, &k->lock);
    pthread_mutex_unlock(&k->lock);
}

static void handle_exit(struct kvm_accel_cpu *c)
{
    struct kvm_accel *k = c->k;
    uint32_t reason = c->run->exit_reason;
    if (reason != KVM_EXIT_IO && reason != KVM_EXIT_MMIO)
        TRACE(&k->m->log, k->trace_exit, "kvm.exit: cpu %u %s", c->index, exit_name(reason));
    switch (reason) {
    case KVM_EXIT_IO:
        handle_pio(c);
        c->io_pending = true;
        break;
    case KVM_EXIT_MMIO:
        handle_mmio(c);
        c->io_pending = true;
        break;
    case KVM_EXIT_HLT:
        wait_halted(c);
        break;
    case KVM_EXIT_SHUTDOWN: /* triple fault: the board resets (or -no-reboot exits) */
        atomic_store(&c->stopped, true);
        machine_request(k->m, REQ_RESET, 0);
        break;
    case KVM_EXIT_SYSTEM_EVENT:
        handle_system_event(c);
        break;
    case KVM_EXIT_IRQ_WINDOW_OPEN:
    case KVM_EXIT_INTR:
        break;
    default:
        vcpu_fail(c);
        break;
    }
}

/* ---- vCPU threads ---- */

static void kick_handler(int sig)
{
    (void)sig;
}

static void install_kick_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = kick_handler; /* no SA_RESTART: KVM_RUN must return */
    sigemptyset(&sa.sa_mask);
    sigaction(KVM_ACCEL_KICK_SIGNAL, &sa, NULL);
}

static void drain_kicks(void)
{
    sigset_t s;
    struct timespec zero = { 0, 0 };
    sigemptyset(&s);
    sigaddset(&s, KVM_ACCEL_KICK_SIGNAL);
    while (sigtimedwait(&s, NULL, &zero) > 0)
        ;
}

/* Inside KVM_RUN the thread's mask minus the kick signal. */
static int set_run_sigmask(struct kvm_accel_cpu *c)
{
    sigset_t cur;
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    sigdelset(&cur, KVM_ACCEL_KICK_SIGNAL);
    struct kvm_signal_mask *sm = g_malloc0(sizeof(*sm) + 8);
    sm->len = 8; /* the kernel's sigset_t on x86-64: signals 1..64 */
    memcpy(sm->sigset, &cur, 8);
    int r = kvm_ioctl(c->fd, KVM_SET_SIGNAL_MASK, sm);
    g_free(sm);
    return r;
}

static bool must_park(struct kvm_accel_cpu *c)
{
    struct kvm_accel *k = c->k;
    return atomic_load(&k->pause_req) || atomic_load(&k->quit) || atomic_load(&c->stopped);
}

/* api.rst: a port/MMIO read completes only when KVM_RUN is entered again;
 * do that without running guest code (immediate_exit) so a paused vCPU's
 * registers are consistent and a reset is not followed by a stale
 * completion. */
static void complete_pending_io(struct kvm_accel_cpu *c)
{
    if (!c->io_pending || !c->k->immediate_exit)
        return;
    c->run->immediate_exit = 1;
    if (ioctl(c->fd, KVM_RUN, 0) < 0 && errno == EINTR)
        drain_kicks();
    c->run->immediate_exit = 0;
    c->io_pending = false;
}

/* Park until resumed (and, if stopped, reset).  False when quitting. */
static bool park(struct kvm_accel_cpu *c)
{
    struct kvm_accel *k = c->k;
    complete_pending_io(c);
    pthread_mutex_lock(&k->lock);
    k->parked++;
    pthread_cond_broadcast(&k->cond);
    while (!atomic_load(&k->quit) && (atomic_load(&k->pause_req) || atomic_load(&c->stopped)))
        pthread_cond_wait(&k->cond, &k->lock);
    k->parked--;
    bool go = !atomic_load(&k->quit);
    pthread_mutex_unlock(&k->lock);
    return go;
}

static void *vcpu_thread(void *opaque)
{
    struct kvm_accel_cpu *c = opaque;
    char name[16];
    snprintf(name, sizeof(name), "CPU %u/KVM", c->index % 1000);
    pthread_setname_np(pthread_self(), name);
    atomic_store(&c->tid, (long)syscall(SYS_gettid));
    if (set_run_sigmask(c)) {
        error_report("kvm: vCPU %u: KVM_SET_SIGNAL_MASK: %s", c->index, strerror(errno));
        atomic_store(&c->stopped, true);
        machine_request(c->k->m, REQ_EXIT, 1);
    }
    for (;;) {
        if (must_park(c)) {
            if (!park(c))
                break;
            continue;
        }
        int r = ioctl(c->fd, KVM_RUN, 0);
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                drain_kicks();
                continue;
            }
            error_report("kvm: vCPU %u: KVM_RUN: %s", c->index, strerror(errno));
            dump_regs(c);
            atomic_store(&c->stopped, true);
            machine_request(c->k->m, REQ_INTERNAL_ERROR, 0);
            continue;
        }
        c->io_pending = false;
        handle_exit(c);
    }
    return NULL;
}

static int vcpu_create(struct kvm_accel *k, struct kvm_accel_cpu *c, unsigned index,
                       char **err)
{
    c->k = k;
    c->index = index;
    c->fd = kvm_ioctl(k->vm_fd, KVM_CREATE_VCPU, (void *)(uintptr_t)index);
    if (c->fd < 0) {
        *err = g_strdup_printf("KVM_CREATE_VCPU %u failed: %s", index, strerror(errno));
        return -1;
    }
    c->run = mmap(NULL, k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
    if (c->run == MAP_FAILED) {
        c->run = NULL;
        *err = g_strdup_printf("vCPU %u: mmap of kvm_run failed: %s", index, strerror(errno));
        return -1;
    }
    struct kvm_cpuid2 *cpuid = kvm_cpuid_for_vcpu(&k->cpuid, index);
    int r = kvm_ioctl(c->fd, KVM_SET_CPUID2, cpuid);
    g_free(cpuid);
    if (r) {
        *err = g_strdup_printf("vCPU %u: KVM_SET_CPUID2 failed: %s", index, strerror(errno));
        return -1;
    }
    /* The LAPIC as KVM reset it (after CPUID, which sets its version
     * register): restored on every machine reset. */
    if (kvm_ioctl(c->fd, KVM_GET_LAPIC, &c->lapic_reset)) {
        *err = g_strdup_printf("vCPU %u: KVM_GET_LAPIC failed: %s", index, strerror(errno));
        return -1;
    }
    return 0;
}

static void vcpu_close(struct kvm_accel *k, struct kvm_accel_cpu *c)
{
    if (c->run)
        munmap(c->run, k->run_size);
    if (c->fd >= 0)
        close(c->fd);
    c->run = NULL;
    c->fd = -1;
}

static void stop_threads(struct kvm_accel *k)
{
    pthread_mutex_lock(&k->lock);
    atomic_store(&k->quit, true);
    pthread_cond_broadcast(&k->cond);
    for (unsigned i = 0; i < k->ncpus; i++)
        if (k->cpus[i].thread_started)
            pthread_kill(k->cpus[i].thread, KVM_ACCEL_KICK_SIGNAL);
    pthread_mutex_unlock(&k->lock);
    for (unsigned i = 0; i < k->ncpus; i++) {
        if (k->cpus[i].thread_started)
            pthread_join(k->cpus[i].thread, NULL);
        k->cpus[i].thread_started = false;
    }
    k->nthreads = 0;
}

static void free_cpus(struct kvm_accel *k)
{
    stop_threads(k);
    for (unsigned i = 0; i < k->ncpus; i++)
        vcpu_close(k, &k->cpus[i]);
    g_free(k->cpus);
    k->cpus = NULL;
    k->ncpus = 0;
}

static int start_threads(struct kvm_accel *k, char **err)
{
    /* Threads start with the kick signal blocked (see set_run_sigmask). */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, KVM_ACCEL_KICK_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int rc = 0;
    for (unsigned i = 0; i < k->ncpus && !rc; i++) {
        struct kvm_accel_cpu *c = &k->cpus[i];
        rc = pthread_create(&c->thread, NULL, vcpu_thread, c);
        if (rc) {
            *err = g_strdup_printf("cannot start vCPU %u thread: %s", i, strerror(rc));
        } else {
            c->thread_started = true;
            pthread_mutex_lock(&k->lock);
            k->nthreads++;
            pthread_mutex_unlock(&k->lock);
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc ? -1 : 0;
}

static int kvm_accel_start(struct machine *m, char **err)
{
    struct kvm_accel *k = m->accel_state;
    if (!k) {
        *err = g_strdup("KVM accelerator not initialised");
        return -1;
    }
    if (k->cpus)
        return 0;
    install_kick_handler();
    k->ncpus = m->smp_cpus;
    k->cpus = g_new0(struct kvm_accel_cpu, k->ncpus);
    for (unsigned i = 0; i < k->ncpus; i++)
        k->cpus[i].fd = -1;
    for (unsigned i = 0; i < k->ncpus; i++)
        if (vcpu_create(k, &k->cpus[i], i, err) || vcpu_reset(k, &k->cpus[i], err))
            goto fail;
    if (start_threads(k, err))
        goto fail;
    return 0;
fail:
    free_cpus(k);
    return -1;
}

/* ---- pause / resume / reset / destroy ---- */

static void kvm_accel_pause(struct machine *m)
{
    struct kvm_accel *k = m->accel_state;
    if (!k)
        return;
    pthread_mutex_lock(&k->lock);
    atomic_store(&k->pause_req, true);
    pthread_cond_broadcast(&k->cond);
    for (unsigned i = 0; i < k->ncpus; i++)
        if (k->cpus[i].thread_started)
            pthread_kill(k->cpus[i].thread, KVM_ACCEL_KICK_SIGNAL);
    while (k->parked < k->nthreads)
        pthread_cond_wait(&k->cond, &k->lock);
    pthread_mutex_unlock(&k->lock);
}

static void kvm_accel_resume(struct machine *m)
{
    struct kvm_accel *k = m->accel_state;
    if (!k)
        return;
    pthread_mutex_lock(&k->lock);
    atomic_store(&k->pause_req, false);
    pthread_cond_broadcast(&k->cond);
    pthread_mutex_unlock(&k->lock);
}

/* Called while paused, without the machine lock. */
static void kvm_accel_reset_cpus(struct machine *m)
{
    struct kvm_accel *k = m->accel_state;
    if (!k || !k->cpus)
        return;
    reset_irqchips(k);
    for (unsigned i = 0; i < k->ncpus; i++) {
        struct kvm_accel_cpu *c = &k->cpus[i];
        char *err = NULL;
        if (vcpu_reset(k, c, &err)) {
            error_report("kvm: reset: %s", err);
            g_free(err);
            machine_request(m, REQ_EXIT, 1);
            continue; /* stays stopped */
        }
        c->io_pending = false;
        atomic_store(&c->stopped, false);
    }
}

static void kvm_accel_destroy(struct machine *m)
{
    struct kvm_accel *k = m->accel_state;
    if (!k)
        return;
    free_cpus(k);
    accel_free(k);
    m->accel_state = NULL;
}

static long kvm_accel_vcpu_thread_id(struct machine *m, unsigned cpu)
{
    struct kvm_accel *k = m->accel_state;
    if (!k || !k->cpus || cpu >= k->ncpus)
        return 0;
    return atomic_load(&k->cpus[cpu].tid);
}

static void seg_to_regs(struct x86_seg *d, const struct kvm_segment *s)
{
    *d = (struct x86_seg){
        .sel = s->selector, .base = s->base, .limit = s->limit, .type = s->type,
        .s = s->s, .dpl = s->dpl, .present = s->present, .db = s->db, .l = s->l,
        .g = s->g, .avl = s->avl, .unusable = s->unusable,
    };
}

/* The vCPUs are parked outside KVM_RUN (accel_ops contract), so their fds
 * answer at once. */
static int kvm_accel_get_regs(struct machine *m, unsigned cpu, struct accel_regs *out)
{
    struct kvm_accel *k = m->accel_state;
    if (!k || !k->cpus || cpu >= k->ncpus || k->cpus[cpu].fd < 0)
        return -1;
    struct kvm_accel_cpu *c = &k->cpus[cpu];
    struct kvm_regs r;
    struct kvm_sregs sr;
    struct kvm_debugregs dr;
    struct kvm_mp_state mp = { 0 };
    if (kvm_ioctl(c->fd, KVM_GET_REGS, &r) || kvm_ioctl(c->fd, KVM_GET_SREGS, &sr))
        return -1;
    memset(out, 0, sizeof(*out));
    const uint64_t gpr[16] = { r.rax, r.rcx, r.rdx, r.rbx, r.rsp, r.rbp, r.rsi, r.rdi,
                               r.r8,  r.r9,  r.r10, r.r11, r.r12, r.r13, r.r14, r.r15 };
    memcpy(out->gpr, gpr, sizeof(gpr));
    out->rip = r.rip;
    out->rflags = r.rflags;
    const struct kvm_segment *segs[ACCEL_NSEGS] = { &sr.es, &sr.cs, &sr.ss, &sr.ds,
                                                    &sr.fs, &sr.gs, &sr.ldt, &sr.tr };
    for (unsigned i = 0; i < ACCEL_NSEGS; i++)
        seg_to_regs(&out->seg[i], segs[i]);
    out->gdt = (struct x86_dtable){ sr.gdt.base, sr.gdt.limit };
    out->idt = (struct x86_dtable){ sr.idt.base, sr.idt.limit };
    out->cr0 = sr.cr0;
    out->cr2 = sr.cr2;
    out->cr3 = sr.cr3;
    out->cr4 = sr.cr4;
    out->cr8 = sr.cr8;
    out->efer = sr.efer;
    if (k->debugregs && !kvm_ioctl(c->fd, KVM_GET_DEBUGREGS, &dr)) {
        memcpy(out->dr, dr.db, sizeof(dr.db));
        out->dr[6] = dr.dr6;
        out->dr[7] = dr.dr7;
    }
    if (!kvm_ioctl(c->fd, KVM_GET_MP_STATE, &mp))
        out->halted = mp.mp_state == KVM_MP_STATE_HALTED;
    return 0;
}

static void kvm_accel_cpuid(struct machine *m, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    struct kvm_accel *k = m->accel_state;
    const struct kvm_cpuid_entry2 *e = kvm_cpuid_find(k->cpuid.entries, k->cpuid.nent, leaf, sub);
    out[0] = e ? e->eax : 0;
    out[1] = e ? e->ebx : 0;
    out[2] = e ? e->ecx : 0;
    out[3] = e ? e->edx : 0;
}

const struct accel_ops accel_kvm = {
    .name = "kvm",
    .owns = OWN_PIC | OWN_IOAPIC | OWN_LAPIC | OWN_PIT,
    .init = kvm_accel_init,
    .set_irq = kvm_accel_set_irq,
    .start = kvm_accel_start,
    .pause = kvm_accel_pause,
    .resume = kvm_accel_resume,
    .reset_cpus = kvm_accel_reset_cpus,
    .destroy = kvm_accel_destroy,
    .get_regs = kvm_accel_get_regs,
    .vcpu_thread_id = kvm_accel_vcpu_thread_id,
    .set_hpet_legacy = kvm_accel_set_hpet_legacy,
    .cpuid = kvm_accel_cpuid,
};
