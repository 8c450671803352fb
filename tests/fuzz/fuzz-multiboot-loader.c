/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz the Multiboot loader: the input is the -kernel file (ELF32, ELF64 or
 * a.out-kludge image).  Parsing must give an error or an image; installing
 * it into a small machine must give an error or a valid boot state whose
 * information structure lies in low RAM; never a crash, a sanitizer report
 * or a leak.  (Not a device: no harness, the bytes are the file.) */
#include <glib.h>
#include "core/machine.h"
#include "hw/boot/multiboot.h"

#define FUZZ_RAM (16 * MiB)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *err = NULL;
    struct multiboot_image *img = multiboot_image_new("fuzz", g_memdup2(data, size), size,
                                                      NULL, "console=ttyS0", &err);
    if (!img) {
        g_assert_nonnull(err);
        g_free(err);
        return 0;
    }
    struct machine *m = machine_new(FUZZ_RAM, VCLOCK_MANUAL, &err);
    g_assert_nonnull(m);
    as_commit(&m->mem);
    struct x86_boot_state bs = { 0 };
    if (multiboot_image_install(img, m, &bs, &err)) {
        g_assert_nonnull(err);
        g_free(err);
    } else {
        g_assert_true(bs.valid);
        g_assert_cmphex(bs.rax, ==, MULTIBOOT_BOOTLOADER_MAGIC);
        g_assert_cmphex(bs.rbx, <, 0xA0000);
        g_assert_cmphex(bs.rip, <, 4 * GiB);
    }
    machine_free(m);
    multiboot_image_free(img);
    return 0;
}
