/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-uart16550.c: COM1 with a buffer chardev, so backend input goes the
 * real way (can_read, queueing, chardev_accept_input re-entry from RBR
 * reads).  The device handed to the harness is a small wrapper that owns
 * both the UART and its chardev; every class hook forwards to the UART. */
#include "hw/char/uart16550.h"
#include "tests/fuzz/harness.h"

struct fuzz_com {
    struct uart16550 *s;
    struct chardev *cd;
};

static void com_reset(void *dev, enum reset_kind kind)
{
    struct fuzz_com *c = dev;
    uart16550_class.reset(c->s, kind);
}

static void com_settle(void *dev)
{
    struct fuzz_com *c = dev;
    uart16550_class.settle(c->s);
}

static void com_save(void *dev, struct vm_writer *w)
{
    struct fuzz_com *c = dev;
    uart16550_class.save(c->s, w);
}

static int com_load(void *dev, struct vm_reader *r)
{
    struct fuzz_com *c = dev;
    return uart16550_class.load(c->s, r);
}

static void com_destroy(void *dev)
{
    struct fuzz_com *c = dev;
    uart16550_class.destroy(c->s);
    chardev_free(c->cd);
    g_free(c);
}

static const struct dev_class fuzz_com_class = {
    .name = "uart16550",
    .version = 1,
    .reset = com_reset,
    .settle = com_settle,
    .save = com_save,
    .load = com_load,
    .destroy = com_destroy,
};

static void *com_create(struct test_env *t)
{
    struct fuzz_com *c = g_new0(struct fuzz_com, 1);
    c->cd = chardev_new_buffer("com1");
    c->s = uart16550_new(&t->env, c->cd, "com1");
    as_add(&t->io, &c->s->region, 0x3f8, 0);
    as_commit(&t->io);
    test_irq_connect(t, &c->s->irq, 4);
    return c;
}

static void com_input(void *dev, const uint8_t *buf, size_t len)
{
    struct fuzz_com *c = dev;
    chardev_buffer_push(c->cd, buf, (int)len);
    /* Keep the collected output small over long runs. */
    GString *o = chardev_buffer_output(c->cd);
    if (o->len > 65536)
        g_string_truncate(o, 0);
}

static const struct fuzz_target ft = {
    .cls = &fuzz_com_class,
    .regions = { { .mmio = false, .base = 0x3f8, .size = 8 } },
    .nregions = 1,
    .create = com_create,
    .input = com_input,
};

FUZZ_TARGET(ft)
