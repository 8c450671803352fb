/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include <sys/mman.h>
#include "tests/support/testenv.h"

static void record_request(void *opaque, enum sys_request req, int arg)
{
    struct test_env *t = opaque;
    t->nrequests++;
    t->last_request = req;
    t->last_arg = arg;
}

static void record_irq(void *opaque, int n, int level)
{
    struct test_env *t = opaque;
    g_assert(n >= 0 && n < TEST_IRQS);
    if (level && !t->irq.level[n])
        t->irq.raises[n]++;
    if (!level && t->irq.level[n])
        t->irq.lowers[n]++;
    t->irq.level[n] = level;
}

struct test_env *test_env_new(uint64_t ram_size)
{
    struct test_env *t = g_new0(struct test_env, 1);
    pthread_mutex_init(&t->lock, NULL);
    log_init(&t->log);
    const char *d = g_getenv("HVEMU_TEST_LOG");
    if (d) {
        char *err = NULL;
        if (log_parse(&t->log, d, &err))
            g_error("HVEMU_TEST_LOG: %s", err);
    }
    vclock_init(&t->clock, VCLOCK_MANUAL);
    as_init(&t->io, "io", 0xffff, &t->lock, &t->log);
    as_init(&t->mem, "memory", UINT64_MAX, &t->lock, &t->log);
    if (ram_size) {
        t->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        g_assert(t->ram != MAP_FAILED);
        t->ram_size = ram_size;
        region_init_ram(&t->ram_region, "test-ram", ram_size, t->ram);
        as_add(&t->mem, &t->ram_region, 0, 0);
        as_commit(&t->mem);
    }
    t->env = (struct dev_env){
        .clock = &t->clock,
        .mem = &t->mem,
        .log = &t->log,
        .request = record_request,
        .request_opaque = t,
    };
    return t;
}

void test_env_free(struct test_env *t)
{
    as_destroy(&t->io);
    as_destroy(&t->mem);
    if (t->ram)
        munmap(t->ram, t->ram_size);
    log_destroy(&t->log);
    pthread_mutex_destroy(&t->lock);
    g_free(t);
}

void test_step(struct test_env *t, int64_t ns)
{
    pthread_mutex_lock(&t->lock);
    vclock_step(&t->clock, ns);
    pthread_mutex_unlock(&t->lock);
}

void test_irq_connect(struct test_env *t, struct irq_line *line, int n)
{
    irq_connect(line, record_irq, t, n);
}

uint64_t test_in(struct test_env *t, uint16_t port, unsigned size)
{
    uint64_t v = 0;
    io_dispatch(&t->io, port, size, false, &v);
    return v;
}

void test_out(struct test_env *t, uint16_t port, unsigned size, uint64_t val)
{
    io_dispatch(&t->io, port, size, true, &val);
}

uint64_t test_readm(struct test_env *t, uint64_t addr, unsigned size)
{
    uint64_t v = 0;
    io_dispatch(&t->mem, addr, size, false, &v);
    return v;
}

void test_writem(struct test_env *t, uint64_t addr, unsigned size, uint64_t val)
{
    io_dispatch(&t->mem, addr, size, true, &val);
}

void *test_dev_save(const struct dev_class *cls, void *dev, size_t *size)
{
    struct vm_writer w;
    g_assert_cmpint(vmw_begin(&w), ==, 0);
    vmw_node_begin(&w, "dev");
    cls->save(dev, &w);
    vmw_node_end(&w);
    void *blob = vmw_finish(&w, size);
    g_assert_nonnull(blob);
    return blob;
}

int test_dev_load(const struct dev_class *cls, void *dev, const void *blob, size_t size,
                  char *err, size_t errlen)
{
    struct vm_reader r;
    int rc = vmr_open(&r, blob, size);
    if (!rc && vmr_node(&r, "dev"))
        rc = -1;
    if (!rc)
        rc = cls->load(dev, &r);
    if (vmr_failed(&r))
        rc = -1;
    if (err && errlen)
        g_strlcpy(err, r.err, errlen);
    return rc;
}

void test_dev_reset_idempotent(const struct dev_class *cls, void *dev)
{
    size_t n1, n2;
    cls->reset(dev, RESET_COLD);
    void *a = test_dev_save(cls, dev, &n1);
    cls->reset(dev, RESET_COLD);
    void *b = test_dev_save(cls, dev, &n2);
    g_assert_cmpuint(n1, ==, n2);
    g_assert_cmpint(memcmp(a, b, n1), ==, 0);
    g_free(a);
    g_free(b);
}

void test_dev_roundtrip(const struct dev_class *cls, void *dev, void *fresh)
{
    size_t n1, n2;
    void *a = test_dev_save(cls, dev, &n1);
    char err[200];
    g_assert_cmpint(test_dev_load(cls, fresh, a, n1, err, sizeof(err)), ==, 0);
    void *b = test_dev_save(cls, fresh, &n2);
    g_assert_cmpuint(n1, ==, n2);
    g_assert_cmpint(memcmp(a, b, n1), ==, 0);
    /* A truncated stream is rejected before any field is read. */
    g_assert_cmpint(test_dev_load(cls, fresh, a, n1 / 2, err, sizeof(err)), ==, -1);
    g_free(a);
    g_free(b);
}
