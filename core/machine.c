/* SPDX-License-Identifier: GPL-2.0-or-later */
/* machine.c: RAM layout, device list, run-state requests and the main loop.
 *
 * Requests (reset, power-off, exit, quit) may come from vCPU threads, device
 * callbacks or signal-driven sources; they are posted as atomic flags and the
 * main loop thread carries them out, so a vCPU never resets the machine
 * underneath itself. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <glib.h>
#include "core/machine.h"
#include "core/accel_ops.h"

static void clock_notify(void *opaque)
{
    struct machine *m = opaque;
    if (m->ctx)
        g_main_context_wakeup(m->ctx);
}

static void env_request(void *opaque, enum sys_request req, int arg)
{
    struct machine *m = opaque;
    switch (req) {
    case SYS_RESET:
        machine_request(m, REQ_RESET, 0);
        break;
    case SYS_POWEROFF:
        machine_request(m, REQ_POWEROFF, 0);
        break;
    case SYS_EXIT:
        machine_request(m, REQ_EXIT, arg);
        break;
    }
}

static int map_ram(struct machine *m, char **err)
{
    uint64_t size = m->ram_size;
    if (size >= PCI_HOLE_THRESHOLD)
        m->below_4g = PCI_HOLE_START_LARGE;
    else
        m->below_4g = size;
    m->above_4g = size - m->below_4g;
    /* MAP_NORESERVE: a guest that never touches its RAM costs nothing. */
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        *err = g_strdup_printf("cannot allocate %llu MiB of guest RAM: %s",
                               (unsigned long long)(size >> 20), strerror(errno));
        return -1;
    }
    madvise(p, size, MADV_MERGEABLE);
    m->ram = p;
    region_init_ram(&m->ram_lo, "ram-below-4g", m->below_4g, m->ram);
    as_add(&m->mem, &m->ram_lo, 0, 0);
    if (m->above_4g) {
        region_init_ram(&m->ram_hi, "ram-above-4g", m->above_4g, m->ram + m->below_4g);
        as_add(&m->mem, &m->ram_hi, 4 * GiB, 0);
    }
    return 0;
}

struct machine *machine_new(uint64_t ram_size, enum vclock_mode clock_mode, char **err)
{
    if (ram_size == 0 || ram_size & 0xfff) {
        *err = g_strdup("RAM size must be a non-zero multiple of 4 KiB");
        return NULL;
    }
    struct machine *m = g_new0(struct machine, 1);
    pthread_mutex_init(&m->lock, NULL);
    log_init(&m->log);
    vclock_init(&m->clock, clock_mode);
    m->clock.notify = clock_notify;
    m->clock.notify_opaque = m;
    as_init(&m->io, "io", 0xffff, &m->lock, &m->log);
    as_init(&m->mem, "memory", UINT64_MAX, &m->lock, &m->log);
    m->ram_size = ram_size;
    m->smp_cpus = 1;
    m->devices_tail = &m->devices;
    m->env = (struct dev_env){
        .clock = &m->clock,
        .mem = &m->mem,
        .log = &m->log,
        .request = env_request,
        .request_opaque = m,
    };
    if (map_ram(m, err)) {
        machine_free(m);
        return NULL;
    }
    return m;
}

void machine_free(struct machine *m)
{
    if (!m)
        return;
    if (m->accel && m->accel->destroy)
        m->accel->destroy(m);
    /* Newest first: a device may still use what an older one set up (an
     * address space region list, a bus it sits on). */
    GPtrArray *all = g_ptr_array_new();
    for (struct device *d = m->devices; d; d = d->next)
        g_ptr_array_add(all, d);
    for (guint i = all->len; i-- > 0;) {
        struct device *d = all->pdata[i];
        if (d->cls->destroy)
            d->cls->destroy(d->dev);
        g_free(d);
    }
    g_ptr_array_free(all, TRUE);
    if (m->board && m->board_free)
        m->board_free(m->board);
    as_destroy(&m->io);
    as_destroy(&m->mem);
    if (m->ram)
        munmap(m->ram, m->ram_size);
    log_destroy(&m->log);
    g_free(m->cpu_model);
    g_free(m->intc);
    g_free(m->name);
    pthread_mutex_destroy(&m->lock);
    g_free(m);
}

struct device *machine_add_device(struct machine *m, const struct dev_class *cls,
                                  void *dev, const char *id)
{
    struct device *d = g_new0(struct device, 1);
    d->cls = cls;
    d->dev = dev;
    g_strlcpy(d->id, id, sizeof(d->id));
    *m->devices_tail = d;
    m->devices_tail = &d->next;
    return d;
}

struct device *machine_find_device(struct machine *m, const char *id)
{
    for (struct device *d = m->devices; d; d = d->next)
        if (!strcmp(d->id, id))
            return d;
    return NULL;
}

void machine_reset_devices(struct machine *m, enum reset_kind kind)
{
    for (struct device *d = m->devices; d; d = d->next)
        d->cls->reset(d->dev, kind);
    for (struct device *d = m->devices; d; d = d->next)
        if (d->cls->settle)
            d->cls->settle(d->dev);
    if (m->board_reset)
        m->board_reset(m, kind);
}

void machine_lock(struct machine *m)
{
    pthread_mutex_lock(&m->lock);
}

void machine_unlock(struct machine *m)
{
    pthread_mutex_unlock(&m->lock);
}

void machine_request(struct machine *m, enum machine_req req, int status)
{
    if (req == REQ_EXIT) {
        /* The first exit status wins. */
        if (!(atomic_fetch_or(&m->requests, REQ_EXIT) & REQ_EXIT))
            atomic_store(&m->exit_status, status);
    } else {
        /* The cause is stored before the flag so the main loop sees it. */
        if (req == REQ_QUIT)
            atomic_store(&m->quit_cause, status);
        else if (req == REQ_RESET)
            atomic_store(&m->reset_cause, status);
        atomic_fetch_or(&m->requests, req);
    }
    if (m->ctx)
        g_main_context_wakeup(m->ctx);
}

/* A GSource that fires virtual-clock timers when they fall due. */
struct clock_source {
    GSource src;
    struct machine *m;
};

static gboolean clock_prepare(GSource *s, gint *timeout)
{
    struct machine *m = ((struct clock_source *)s)->m;
    pthread_mutex_lock(&m->lock);
    int64_t next = vclock_next_deadline(&m->clock);
    int64_t now = vclock_now(&m->clock);
    bool running = vclock_running(&m->clock);
    pthread_mutex_unlock(&m->lock);
    /* With -icount the vCPU thread owns time and runs the timers. */
    if (!running || next == INT64_MAX || m->clock.mode == VCLOCK_ICOUNT) {
        *timeout = -1;
        return FALSE;
    }
    if (next <= now) {
        *timeout = 0;
        return TRUE;
    }
    int64_t ms = (next - now + 999999) / 1000000;
    *timeout = ms > INT32_MAX ? INT32_MAX : (gint)ms;
    return FALSE;
}

static gboolean clock_check(GSource *s)
{
    struct machine *m = ((struct clock_source *)s)->m;
    pthread_mutex_lock(&m->lock);
    bool due = m->clock.mode != VCLOCK_ICOUNT && vclock_running(&m->clock) &&
               vclock_next_deadline(&m->clock) <= vclock_now(&m->clock);
    pthread_mutex_unlock(&m->lock);
    return due;
}

static gboolean clock_dispatch(GSource *s, GSourceFunc cb, gpointer data)
{
    (void)cb;
    (void)data;
    struct machine *m = ((struct clock_source *)s)->m;
    pthread_mutex_lock(&m->lock);
    vclock_run_timers(&m->clock);
    pthread_mutex_unlock(&m->lock);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs clock_funcs = {
    .prepare = clock_prepare,
    .check = clock_check,
    .dispatch = clock_dispatch,
};

/* Act on posted requests (core/runstate.c); true when the loop should end. */
static bool handle_requests(struct machine *m)
{
    return runstate_handle_requests(m);
}

int machine_main_loop(struct machine *m)
{
    GSource *s = g_source_new(&clock_funcs, sizeof(struct clock_source));
    ((struct clock_source *)s)->m = m;
    g_source_attach(s, m->ctx);
    while (!handle_requests(m))
        g_main_context_iteration(m->ctx, TRUE);
    g_source_destroy(s);
    g_source_unref(s);
    return atomic_load(&m->exit_status);
}

void *machine_save_devices(struct machine *m, size_t *size)
{
    struct vm_writer w;
    if (vmw_begin(&w))
        return NULL;
    for (struct device *d = m->devices; d; d = d->next) {
        vmw_node_begin(&w, d->id);
        vmw_bytes(&w, "hvemu,class", d->cls->name, strlen(d->cls->name) + 1);
        vmw_u32(&w, "hvemu,version", d->cls->version);
        if (d->cls->save)
            d->cls->save(d->dev, &w);
        vmw_node_end(&w);
    }
    return vmw_finish(&w, size);
}

int machine_load_devices(struct machine *m, const void *blob, size_t size, char **err)
{
    struct vm_reader r;
    if (vmr_open(&r, blob, size)) {
        *err = g_strdup(r.err);
        return -1;
    }
    for (struct device *d = m->devices; d; d = d->next) {
        if (vmr_node(&r, d->id)) {
            *err = g_strdup_printf("state stream has no device '%s'", d->id);
            return -1;
        }
        char cls[64] = "";
        size_t len = 0;
        uint32_t version = 0;
        vmr_bytes_var(&r, "hvemu,class", cls, sizeof(cls) - 1, &len);
        cls[len < sizeof(cls) ? len : sizeof(cls) - 1] = 0;
        vmr_u32(&r, "hvemu,version", &version);
        if (!vmr_failed(&r) && strcmp(cls, d->cls->name))
            vmr_fail(&r, "hvemu,class", "is '%s', expected '%s'", cls, d->cls->name);
        if (!vmr_failed(&r) && version > d->cls->version)
            vmr_fail(&r, "hvemu,version", "%u is newer than %u", version, d->cls->version);
        if (!vmr_failed(&r) && d->cls->load && d->cls->load(d->dev, &r) && !vmr_failed(&r))
            vmr_fail(&r, "-", "rejected");
        if (vmr_failed(&r)) {
            *err = g_strdup(r.err);
            return -1;
        }
    }
    /* Outputs (IRQ lines, BAR mappings, timers) follow the loaded state,
     * as after a reset. */
    for (struct device *d = m->devices; d; d = d->next)
        if (d->cls->settle)
            d->cls->settle(d->dev);
    return 0;
}

int machine_write_phys(struct machine *m, uint64_t gpa, const void *buf, uint64_t len)
{
    return dma_write(&m->mem, gpa, buf, len);
}

int machine_read_phys(struct machine *m, uint64_t gpa, void *buf, uint64_t len)
{
    return dma_read(&m->mem, gpa, buf, len);
}
