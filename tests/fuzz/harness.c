/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "tests/fuzz/harness.h"

struct cursor {
    const uint8_t *p;
    size_t n;
};

static uint64_t take(struct cursor *c, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes && c->n; i++, c->p++, c->n--)
        v |= (uint64_t)*c->p << (8 * i);
    return v;
}

static void roundtrip(const struct fuzz_target *ft, struct test_env *t, void *dev)
{
    size_t n;
    void *blob = test_dev_save(ft->cls, dev, &n);
    char err[200];
    if (test_dev_load(ft->cls, dev, blob, n, err, sizeof(err)))
        __builtin_trap(); /* our own stream must always load */
    g_free(blob);
    (void)t;
}

int fuzz_run(const struct fuzz_target *ft, const uint8_t *data, size_t size)
{
    struct test_env *t = test_env_new(ft->ram_size);
    void *dev = ft->create(t);
    struct cursor c = { data, size };
    int ops = 0;
    while (c.n && ops++ < 4096) {
        unsigned op = (unsigned)take(&c, 1);
        switch (op % 8) {
        case 0:
        case 1: { /* register access */
            if (!ft->nregions)
                break;
            const struct fuzz_region *r = &ft->regions[take(&c, 1) % ft->nregions];
            uint64_t off = take(&c, 2) % r->size;
            unsigned sz = 1u << (take(&c, 1) % 4);
            uint64_t val = op % 8 == 1 ? take(&c, sz) : 0;
            io_dispatch(r->mmio ? &t->mem : &t->io, r->base + off, sz, op % 8 == 1, &val);
            break;
        }
        case 2: { /* clock: from 1 ns to ~1 s, log-distributed */
            unsigned e = (unsigned)take(&c, 1) % 31;
            test_step(t, (int64_t)1 << e);
            break;
        }
        case 3: { /* DMA contents */
            if (!t->ram_size)
                break;
            uint64_t addr = take(&c, 4) % t->ram_size;
            size_t len = (size_t)take(&c, 1);
            len = MIN(len, c.n);
            len = MIN(len, t->ram_size - addr);
            memcpy(t->ram + addr, c.p, len);
            c.p += len;
            c.n -= len;
            break;
        }
        case 4: { /* backend input */
            if (!ft->input)
                break;
            size_t len = (size_t)take(&c, 1) % 64;
            len = MIN(len, c.n);
            pthread_mutex_lock(&t->lock);
            ft->input(dev, c.p, len);
            pthread_mutex_unlock(&t->lock);
            c.p += len;
            c.n -= len;
            break;
        }
        case 5:
            roundtrip(ft, t, dev);
            break;
        case 6:
            ft->cls->reset(dev, take(&c, 1) & 1 ? RESET_WARM : RESET_COLD);
            if (ft->cls->settle)
                ft->cls->settle(dev);
            break;
        default:
            break;
        }
    }
    ft->cls->destroy(dev);
    test_env_free(t);
    return 0;
}
