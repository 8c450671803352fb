/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The device-state loader is a parser of untrusted input (a migration or
 * snapshot stream).  Load fuzzed streams into a whole PC board: either raw
 * bytes, or a real saved stream with byte patches and a cut-off, which
 * reaches deep into every device's load().  A load may fail (with a
 * message) but never crash, and a board that loaded must keep working. */
#include <string.h>
#include "core/chardev.h"
#include "cpu/accel.h"
#include "hw/pc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct machine *board(struct chardev **cd)
{
    char *err = NULL;
    struct machine *m = machine_new(16 * MiB, VCLOCK_MANUAL, &err);
    m->accel = &accel_test;
    m->accel->init(m, &err);
    *cd = chardev_new_buffer("com1");
    struct pc_config cfg = {
        .serial = { [0] = { true, *cd } },
        .debug_exit = { { 0xf4, 4 } },
        .ndebug_exit = 1,
        .debugcon = true,
        .debugcon_iobase = 0x402,
        .rtc_base = 1577934245,
    };
    struct pc *pc = pc_new(m, &cfg, &err);
    if (!pc || pc_power_on(pc, &err))
        __builtin_trap();
    return m;
}

/* Touch every device so a bad load would show. */
static void exercise(struct machine *m)
{
    static const uint16_t ports[] = { 0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe, 0x3ff,
                                      0x60, 0x64, 0x70, 0x71, 0x92, 0x510, 0x511, 0x514 };
    for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
        uint64_t v = 0;
        io_dispatch(&m->io, ports[i], 1, false, &v);
        io_dispatch(&m->io, ports[i], 1, true, &v);
    }
    pthread_mutex_lock(&m->lock);
    vclock_step(&m->clock, NS_PER_SEC);
    pthread_mutex_unlock(&m->lock);
    size_t n;
    void *again = machine_save_devices(m, &n);
    if (!again)
        __builtin_trap();
    free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct chardev *cd;
    struct machine *m = board(&cd);
    size_t n = 0;
    uint8_t *stream;
    if (size && data[0] == 0) {
        stream = malloc(size ? size : 1);
        memcpy(stream, data + 1, size - 1);
        n = size - 1;
    } else {
        stream = machine_save_devices(m, &n);
        for (size_t i = 1; i + 3 <= size; i += 3) {
            size_t off = (size_t)(data[i] | data[i + 1] << 8) % n;
            stream[off] = data[i + 2];
        }
        if (size % 7 == 3)
            n = n * (size % 5) / 5;
    }
    char *err = NULL;
    if (machine_load_devices(m, stream, n, &err) == 0)
        exercise(m);
    g_free(err);
    free(stream);
    machine_free(m);
    chardev_free(cd);
    return 0;
}
