/* SPDX-License-Identifier: GPL-2.0-or-later */
/* testenv.h: the fake world a device unit test runs in.
 *
 * A manual virtual clock (moves only in test_step), a memory space with
 * fake RAM for DMA, a port-I/O space the test maps devices into, an IRQ
 * recorder, and a record of sys requests (reset/poweroff/exit). */
#ifndef TESTS_SUPPORT_TESTENV_H
#define TESTS_SUPPORT_TESTENV_H

#include <glib.h>
#include "core/device.h"

#define TEST_IRQS 32

struct irq_recorder {
    int level[TEST_IRQS];
    int raises[TEST_IRQS]; /* 0->1 transitions seen */
    int lowers[TEST_IRQS];
};

struct test_env {
    pthread_mutex_t lock;
    struct log log;
    struct vclock clock;
    struct address_space io, mem;
    uint8_t *ram;
    uint64_t ram_size;
    struct mem_region ram_region;
    struct dev_env env;
    struct irq_recorder irq;
    int nrequests;
    enum sys_request last_request;
    int last_arg;
};

/* ram_size may be 0 (no RAM: every DMA fails). */
struct test_env *test_env_new(uint64_t ram_size);
void test_env_free(struct test_env *t);
void test_step(struct test_env *t, int64_t ns);

/* Connect a device output line to recorder input n. */
void test_irq_connect(struct test_env *t, struct irq_line *line, int n);

/* Port and MMIO accesses through the real dispatcher. */
uint64_t test_in(struct test_env *t, uint16_t port, unsigned size);
void test_out(struct test_env *t, uint16_t port, unsigned size, uint64_t val);
static inline uint8_t test_inb(struct test_env *t, uint16_t p) { return (uint8_t)test_in(t, p, 1); }
static inline void test_outb(struct test_env *t, uint16_t p, uint8_t v) { test_out(t, p, 1, v); }
uint64_t test_readm(struct test_env *t, uint64_t addr, unsigned size);
void test_writem(struct test_env *t, uint64_t addr, unsigned size, uint64_t val);

/* Generic checks every device class gets (g_assert on failure):
 * reset twice gives the same saved state; save -> load into a fresh device
 * -> save gives identical bytes; load rejects a truncated stream. */
void test_dev_reset_idempotent(const struct dev_class *cls, void *dev);
void test_dev_roundtrip(const struct dev_class *cls, void *dev, void *fresh);
/* Save one device to a blob (one node named "dev"). */
void *test_dev_save(const struct dev_class *cls, void *dev, size_t *size);
/* Load a blob made by test_dev_save (or hand-made); 0 or -1. */
int test_dev_load(const struct dev_class *cls, void *dev, const void *blob, size_t size,
                  char *err, size_t errlen);

#endif
