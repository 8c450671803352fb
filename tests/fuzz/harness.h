/* SPDX-License-Identifier: GPL-2.0-or-later */
/* harness.h: one libFuzzer harness for every guest-facing device.
 *
 * The input bytes are a program of operations against a fresh device in a
 * fresh test_env: register reads and writes (port or MMIO, any width and
 * offset), virtual clock steps, DMA contents, backend input, resets, and
 * save -> load round trips.  Anything the device does must be what hardware
 * would do; a crash, sanitizer report or assertion is a bug. */
#ifndef TESTS_FUZZ_HARNESS_H
#define TESTS_FUZZ_HARNESS_H

#include "tests/support/testenv.h"

struct fuzz_region {
    bool mmio;
    uint64_t base, size;
};

struct fuzz_target {
    const struct dev_class *cls;
    uint64_t ram_size; /* fake RAM for DMA (0: none) */
    struct fuzz_region regions[6];
    int nregions;
    /* Create the device in t, map its regions (t->io/t->mem + as_commit),
     * connect its IRQs with test_irq_connect. */
    void *(*create)(struct test_env *t);
    /* Optional: feed bytes from the "outside" (chardev, network...). */
    void (*input)(void *dev, const uint8_t *buf, size_t len);
};

int fuzz_run(const struct fuzz_target *ft, const uint8_t *data, size_t size);

/* Each fuzz-*.c defines its target and this one line. */
#define FUZZ_TARGET(ft)                                                   \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);         \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)          \
    {                                                                     \
        return fuzz_run(&(ft), data, size);                               \
    }

#endif
