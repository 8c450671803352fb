/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: fw_cfg through ports 0x510-0x51B, with DMA descriptors and
 * targets in a small fake RAM filled by the harness. */
#include "hw/misc/fw_cfg.h"
#include "tests/fuzz/harness.h"

static void *create(struct test_env *t)
{
    struct fw_cfg *fw = fw_cfg_new(&t->env);
    as_add(&t->io, &fw->region, 0x510, 0);
    as_commit(&t->io);
    fw_cfg_add_u64(fw, FW_CFG_RAM_SIZE, t->ram_size);
    fw_cfg_add_file(fw, "bootorder", "/pci@i0cf8/ide@1,1/drive@0/disk@0\n", 35);
    fw_cfg_add_file(fw, "etc/boot-fail-wait", "\x05\0\0\0", 4);
    fw_cfg_add_e820(fw, 0, t->ram_size, 1);
    fw_cfg_add_e820(fw, 0xfffc0000, 0x40000, 2);
    return fw;
}

static const struct fuzz_target ft = {
    .cls = &fw_cfg_class,
    .ram_size = 64 * KiB,
    .regions = { { .mmio = false, .base = 0x510, .size = 12 } },
    .nregions = 1,
    .create = create,
};

FUZZ_TARGET(ft)
