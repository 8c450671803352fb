/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz the Linux bzImage loader: the input is the -kernel file.  Parsing
 * must give an error or an image; installing it into a small machine must
 * give an error or a valid boot state; never a crash, a sanitizer report or
 * a leak.  (Not a device: no harness, the bytes are the file.) */
#include <glib.h>
#include "core/machine.h"
#include "hw/boot/linux.h"

#define FUZZ_RAM (32 * MiB)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *err = NULL;
    struct linux_image *img = linux_image_new("fuzz", g_memdup2(data, size), size, NULL,
                                              "", &err);
    if (!img) {
        g_assert_nonnull(err);
        g_free(err);
        return 0;
    }
    struct machine *m = machine_new(FUZZ_RAM, VCLOCK_MANUAL, &err);
    g_assert_nonnull(m);
    as_commit(&m->mem);
    struct x86_boot_state bs = { 0 };
    if (linux_image_install(img, m, &bs, &err)) {
        g_assert_nonnull(err);
        g_free(err);
    } else {
        g_assert_true(bs.valid);
        g_assert_cmphex(bs.rip, <, FUZZ_RAM);
        g_assert_cmphex(bs.rsi, ==, LINUX_ZERO_PAGE);
    }
    machine_free(m);
    linux_image_free(img);
    return 0;
}
