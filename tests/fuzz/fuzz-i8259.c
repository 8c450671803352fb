/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: the cascaded 8259A pair and the ELCR through ports
 * 0x20/0x21, 0xA0/0xA1 and 0x4D0/0x4D1, with the harness's resets and
 * save/load round trips.  The "input" bytes play the devices and the CPU:
 * pairs (a, b) set IRQ a & 0x1f (16-31 and 2 must be ignored) to level
 * b & 1, or run an INTA cycle when a has bit 7 set.  After each step the
 * INT line must agree with i8259_intr_pending(). */
#include "hw/intc/i8259.h"
#include "tests/fuzz/harness.h"

static void *create(struct test_env *t)
{
    struct i8259 *pic = i8259_new(&t->env);
    as_add(&t->io, &pic->region_master, 0x20, 0);
    as_add(&t->io, &pic->region_slave, 0xa0, 0);
    as_add(&t->io, &pic->region_elcr, 0x4d0, 0);
    as_commit(&t->io);
    test_irq_connect(t, &pic->intr, 0);
    return pic;
}

static void check(struct i8259 *pic)
{
    if (pic->intr.level != (int)i8259_intr_pending(pic))
        __builtin_trap();
}

static void input(void *dev, const uint8_t *buf, size_t len)
{
    struct i8259 *pic = dev;
    check(pic);
    for (size_t i = 0; i + 1 < len; i += 2) {
        if (buf[i] & 0x80)
            (void)i8259_ack(pic);
        else
            i8259_set_irq(pic, buf[i] & 0x1f, buf[i + 1] & 1);
        check(pic);
    }
}

static const struct fuzz_target ft = {
    .cls = &i8259_class,
    .regions = {
        { .mmio = false, .base = 0x20, .size = 2 },
        { .mmio = false, .base = 0xa0, .size = 2 },
        { .mmio = false, .base = 0x4d0, .size = 2 },
    },
    .nregions = 3,
    .create = create,
    .input = input,
};

FUZZ_TARGET(ft)
