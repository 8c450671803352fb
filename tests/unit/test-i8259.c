/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the cascaded 8259A pair and the ELCR, programmed through
 * ports 0x20/0x21, 0xA0/0xA1 and 0x4D0/0x4D1 as a PC BIOS and Linux's
 * i8259 driver do, with the CPU side (INTA) played by i8259_ack(). */
#include <string.h>
#include "hw/intc/i8259.h"
#include "tests/support/testenv.h"

#define INTR 0 /* recorder input for the master's INT pin */

struct fx {
    struct test_env *t;
    struct i8259 *pic;
};

static struct i8259 *make_pic(struct test_env *t)
{
    struct i8259 *pic = i8259_new(&t->env);
    as_add(&t->io, &pic->region_master, 0x20, 0);
    as_add(&t->io, &pic->region_slave, 0xa0, 0);
    as_add(&t->io, &pic->region_elcr, 0x4d0, 0);
    as_commit(&t->io);
    test_irq_connect(t, &pic->intr, INTR);
    i8259_class.reset(pic, RESET_COLD);
    i8259_class.settle(pic);
    return pic;
}

static struct fx setup(void)
{
    struct fx f;
    f.t = test_env_new(0);
    f.pic = make_pic(f.t);
    return f;
}

static void teardown(struct fx *f)
{
    i8259_class.destroy(f->pic);
    test_env_free(f->t);
}

static void out(struct fx *f, uint16_t port, uint8_t v)
{
    test_outb(f->t, port, v);
}

static uint8_t in(struct fx *f, uint16_t port)
{
    return test_inb(f->t, port);
}

static int intr(struct fx *f)
{
    g_assert_cmpint(f->t->irq.level[INTR], ==, i8259_intr_pending(f->pic));
    return f->t->irq.level[INTR];
}

static void irq(struct fx *f, unsigned n, int level)
{
    i8259_set_irq(f->pic, n, level);
}

/* A PC BIOS's programming: vectors 08h and 70h, cascade on IR2, 8086 mode. */
static void bios_init(struct fx *f)
{
    out(f, 0x20, 0x11);
    out(f, 0x21, 0x08);
    out(f, 0x21, 0x04);
    out(f, 0x21, 0x01);
    out(f, 0xa0, 0x11);
    out(f, 0xa1, 0x70);
    out(f, 0xa1, 0x02);
    out(f, 0xa1, 0x01);
    out(f, 0x21, 0x00);
    out(f, 0xa1, 0x00);
}

/* Linux's init_8259A(): mask both, ICW1-ICW4 with vectors 20h/28h
 * (ICW4 = 03h on the master in auto-EOI mode), then restore the masks. */
static void linux_init(struct fx *f, bool auto_eoi)
{
    out(f, 0x21, 0xff);
    out(f, 0xa1, 0xff);
    out(f, 0x20, 0x11);
    out(f, 0x21, 0x20);
    out(f, 0x21, 0x04);
    out(f, 0x21, auto_eoi ? 0x03 : 0x01);
    out(f, 0xa0, 0x11);
    out(f, 0xa1, 0x28);
    out(f, 0xa1, 0x02);
    out(f, 0xa1, 0x01);
    out(f, 0x21, 0xfb); /* everything masked except the cascade */
    out(f, 0xa1, 0xff);
}

/* Linux's mask_and_ack_8259A() EOI part: specific EOIs, slave first. */
static void linux_eoi(struct fx *f, unsigned n)
{
    if (n & 8) {
        in(f, 0xa1); /* the driver's dummy IMR read */
        out(f, 0xa0, 0x60 | (n & 7));
        out(f, 0x20, 0x60 | 2);
    } else {
        out(f, 0x20, 0x60 | n);
    }
}

static uint8_t read_isr(struct fx *f, uint16_t cmd)
{
    out(f, cmd, 0x0b);
    uint8_t v = in(f, cmd);
    out(f, cmd, 0x0a);
    return v;
}

static uint8_t read_irr(struct fx *f, uint16_t cmd)
{
    out(f, cmd, 0x0a);
    return in(f, cmd);
}

static void test_bios_edge(void)
{
    struct fx f = setup();
    bios_init(&f);
    g_assert_cmpint(intr(&f), ==, 0);
    irq(&f, 1, 1);
    g_assert_cmpint(intr(&f), ==, 1);
    g_assert_cmphex(read_irr(&f, 0x20), ==, 0x02);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x09);
    g_assert_cmpint(intr(&f), ==, 0);
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0x02);
    g_assert_cmphex(read_irr(&f, 0x20), ==, 0x00); /* edge latch consumed */
    out(&f, 0x20, 0x20); /* non-specific EOI */
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0x00);
    /* The line is still high: edge mode needs a new rising edge. */
    g_assert_cmpint(intr(&f), ==, 0);
    irq(&f, 1, 0);
    irq(&f, 1, 1);
    g_assert_cmpint(intr(&f), ==, 1);
    g_assert_cmphex(i8259_extint_ack(f.pic), ==, 0x09); /* the LAPIC's hook */
    out(&f, 0x20, 0x20);

    /* A slave IRQ through the cascade with the BIOS vectors. */
    irq(&f, 14, 1);
    g_assert_cmpint(intr(&f), ==, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x76);
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0x04);
    g_assert_cmphex(read_isr(&f, 0xa0), ==, 0x40);
    out(&f, 0xa0, 0x20);
    out(&f, 0x20, 0x20);
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0);
    g_assert_cmphex(read_isr(&f, 0xa0), ==, 0);
    /* IRQ 2 is the cascade input, not an external line. */
    irq(&f, 2, 1);
    irq(&f, 16, 1);
    g_assert_cmpint(intr(&f), ==, 0);
    teardown(&f);
}

static void test_linux_driver(void)
{
    struct fx f = setup();
    bios_init(&f);
    linux_init(&f, false);
    /* probe_8259A: the IMR reads back what was written. */
    out(&f, 0x21, 0xfb);
    g_assert_cmphex(in(&f, 0x21), ==, 0xfb);
    g_assert_cmphex(in(&f, 0xa1), ==, 0xff);
    /* A slave request with its mask set: IRR shows it, INT stays low. */
    irq(&f, 10, 1);
    g_assert_cmphex(read_irr(&f, 0xa0), ==, 0x04);
    g_assert_cmpint(intr(&f), ==, 0);
    out(&f, 0xa1, 0xfb); /* unmask IRQ 10 */
    g_assert_cmpint(intr(&f), ==, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x2a);
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0x04);
    g_assert_cmphex(read_isr(&f, 0xa0), ==, 0x04);
    linux_eoi(&f, 10);
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0);
    g_assert_cmphex(read_isr(&f, 0xa0), ==, 0);
    irq(&f, 10, 0);
    /* The timer on the master. */
    out(&f, 0x21, 0xfa);
    irq(&f, 0, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x20);
    linux_eoi(&f, 0);
    irq(&f, 0, 0);
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0);
    /* Auto-EOI flavour: no ISR bit survives INTA. */
    linux_init(&f, true);
    out(&f, 0x21, 0xfa);
    irq(&f, 0, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x20);
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0);
    teardown(&f);
}

static void test_icw1_resets(void)
{
    struct fx f = setup();
    bios_init(&f);
    out(&f, 0x21, 0x52); /* IRQ 1, 4, 6 masked */
    irq(&f, 3, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x0b);
    irq(&f, 3, 0);
    irq(&f, 4, 1);
    out(&f, 0x20, 0x0b); /* read ISR */
    out(&f, 0x20, 0x68); /* special mask mode */
    /* ICW1: IMR cleared, edge latches reset, IRR read select, no SMM. */
    out(&f, 0x20, 0x11);
    g_assert_cmphex(in(&f, 0x21), ==, 0x00);
    g_assert_cmphex(in(&f, 0x20), ==, 0x00); /* IRR: IRQ 4's edge is gone */
    g_assert_cmpint(intr(&f), ==, 0);
    out(&f, 0x21, 0x30); /* ICW2 */
    out(&f, 0x21, 0x04); /* ICW3 */
    out(&f, 0x21, 0x01); /* ICW4 */
    out(&f, 0x21, 0xe7); /* now OCW1 */
    g_assert_cmphex(in(&f, 0x21), ==, 0xe7);
    out(&f, 0x21, 0x00);
    g_assert_cmpint(intr(&f), ==, 0);
    irq(&f, 4, 0);
    irq(&f, 4, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x34);
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0x10); /* IR3's old ISR bit is gone */

    /* Without IC4 the sequence ends after ICW3 (no ICW4); low three bits
     * of ICW2 are ignored. */
    out(&f, 0x20, 0x10);
    out(&f, 0x21, 0x47);
    out(&f, 0x21, 0x04);
    out(&f, 0x21, 0x55); /* OCW1 */
    g_assert_cmphex(in(&f, 0x21), ==, 0x55);
    out(&f, 0x21, 0x00);
    irq(&f, 5, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x45);
    teardown(&f);
}

static void test_single_mode(void)
{
    struct fx f = setup();
    bios_init(&f);
    /* SNGL: no ICW3, straight to ICW4. */
    out(&f, 0x20, 0x13);
    out(&f, 0x21, 0x40);
    out(&f, 0x21, 0x01); /* ICW4, not ICW3 */
    out(&f, 0x21, 0x00); /* OCW1 */
    g_assert_cmphex(in(&f, 0x21), ==, 0x00);
    irq(&f, 0, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x40);
    out(&f, 0x20, 0x20);
    /* With the master single, the slave's INT on IR2 is an ordinary
     * request: the master supplies vector base+2 and the slave is not
     * acknowledged. */
    irq(&f, 9, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x42);
    g_assert_cmphex(read_isr(&f, 0xa0), ==, 0x00);
    g_assert_cmphex(read_irr(&f, 0xa0), ==, 0x02);
    teardown(&f);
}

static void test_level_and_elcr(void)
{
    struct fx f = setup();
    bios_init(&f);
    /* ELCR fixed-edge bits: IRQ 0, 1, 2, 8, 13. */
    out(&f, 0x4d0, 0xff);
    out(&f, 0x4d1, 0xff);
    g_assert_cmphex(in(&f, 0x4d0), ==, 0xf8);
    g_assert_cmphex(in(&f, 0x4d1), ==, 0xde);
    out(&f, 0x4d0, 0x00);
    out(&f, 0x4d1, 0x0c); /* IRQ 10 and 11 level, as for PCI */
    g_assert_cmphex(in(&f, 0x4d1), ==, 0x0c);

    irq(&f, 11, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x73);
    /* Level: IRR keeps following the pin after INTA. */
    g_assert_cmphex(read_irr(&f, 0xa0), ==, 0x08);
    g_assert_cmpint(intr(&f), ==, 0); /* blocked by its own ISR bit */
    out(&f, 0xa0, 0x20);
    out(&f, 0x20, 0x20);
    /* Still high at EOI: a second interrupt, as the datasheet warns. */
    g_assert_cmpint(intr(&f), ==, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x73);
    out(&f, 0xa0, 0x20);
    out(&f, 0x20, 0x20);
    irq(&f, 11, 0);
    g_assert_cmpint(intr(&f), ==, 0);
    g_assert_cmphex(read_irr(&f, 0xa0), ==, 0x00);
    /* A level request already high when the input becomes level
     * triggered is seen at once; an edge input needs the edge. */
    out(&f, 0x4d1, 0x00);
    irq(&f, 12, 1);
    irq(&f, 12, 0);
    g_assert_cmpint(intr(&f), ==, 0);
    irq(&f, 12, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x74);
    out(&f, 0xa0, 0x20);
    out(&f, 0x20, 0x20);
    g_assert_cmpint(intr(&f), ==, 0);
    out(&f, 0x4d1, 0x10);
    g_assert_cmpint(intr(&f), ==, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x74);
    out(&f, 0xa0, 0x20);
    out(&f, 0x20, 0x20);
    irq(&f, 12, 0);
    out(&f, 0x4d1, 0x00);

    /* LTIM makes every input of that chip level-triggered, even IRQ 1. */
    out(&f, 0x20, 0x19);
    out(&f, 0x21, 0x08);
    out(&f, 0x21, 0x04);
    out(&f, 0x21, 0x01);
    irq(&f, 1, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x09);
    out(&f, 0x20, 0x20);
    g_assert_cmpint(intr(&f), ==, 1);
    irq(&f, 1, 0);
    g_assert_cmpint(intr(&f), ==, 0);
    teardown(&f);
}

static void test_masking(void)
{
    struct fx f = setup();
    bios_init(&f);
    out(&f, 0x21, 0x08);
    irq(&f, 3, 1);
    g_assert_cmpint(intr(&f), ==, 0);
    g_assert_cmphex(read_irr(&f, 0x20), ==, 0x08); /* IRR ignores the mask */
    out(&f, 0x21, 0x00);
    g_assert_cmpint(intr(&f), ==, 1);
    out(&f, 0x21, 0x08);
    g_assert_cmpint(intr(&f), ==, 0);
    /* Masking the cascade input hides every slave request. */
    out(&f, 0x21, 0x04);
    irq(&f, 8, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x0b);
    out(&f, 0x20, 0x20);
    g_assert_cmpint(intr(&f), ==, 0);
    out(&f, 0x21, 0x00);
    g_assert_cmpint(intr(&f), ==, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x70);
    teardown(&f);
}

static void test_nested_priorities(void)
{
    struct fx f = setup();
    bios_init(&f);
    irq(&f, 5, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x0d);
    /* A higher level nests. */
    irq(&f, 3, 1);
    g_assert_cmpint(intr(&f), ==, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x0b);
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0x28);
    /* Lower and equal levels wait. */
    irq(&f, 6, 1);
    g_assert_cmpint(intr(&f), ==, 0);
    irq(&f, 3, 0);
    irq(&f, 3, 1);
    g_assert_cmpint(intr(&f), ==, 0);
    /* Non-specific EOI ends the highest level (3); 3 is requested again
     * and is higher than 5, so it is delivered before 6. */
    out(&f, 0x20, 0x20);
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0x20);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x0b);
    out(&f, 0x20, 0x20);
    g_assert_cmpint(intr(&f), ==, 0); /* 6 still below 5 */
    out(&f, 0x20, 0x20);
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0x00);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x0e);
    /* Specific EOI ends exactly the named level. */
    irq(&f, 1, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x09);
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0x42);
    out(&f, 0x20, 0x66);
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0x02);
    /* Slave priorities sit at master IR2: IRQ 8-15 beat IRQ 3-7. */
    out(&f, 0x20, 0x20);
    irq(&f, 7, 1);
    irq(&f, 15, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x77);
    teardown(&f);
}

static void test_rotation(void)
{
    struct fx f = setup();
    bios_init(&f);
    /* Rotate on non-specific EOI: the level just served becomes lowest. */
    irq(&f, 1, 1);
    irq(&f, 4, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x09);
    out(&f, 0x20, 0xa0);
    irq(&f, 1, 0);
    irq(&f, 1, 1); /* IR1 is now the lowest priority, IR0 next to lowest */
    irq(&f, 0, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x0c);
    out(&f, 0x20, 0xa0); /* IR4 lowest: order 5 6 7 0 1 2 3 4 */
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x08);
    out(&f, 0x20, 0xa0); /* IR0 lowest: order 1 2 ... 7 0 */
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x09);
    out(&f, 0x20, 0x20);
    irq(&f, 0, 0);
    irq(&f, 1, 0);
    irq(&f, 4, 0);

    /* Set priority: IR4 lowest, so IR5 is highest and beats IR3. */
    out(&f, 0x20, 0xc4);
    irq(&f, 3, 1);
    irq(&f, 6, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x0e);
    /* Rotate on specific EOI: end IR6 and make IR6 lowest: 7 first. */
    out(&f, 0x20, 0xe6);
    irq(&f, 7, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x0f);
    out(&f, 0x20, 0x67);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x0b);
    out(&f, 0x20, 0x63);
    /* Back to the default order. */
    out(&f, 0x20, 0xc7);
    irq(&f, 3, 0);
    irq(&f, 6, 0);
    irq(&f, 7, 0);
    irq(&f, 6, 1);
    irq(&f, 3, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x0b);
    teardown(&f);
}

static void test_aeoi(void)
{
    struct fx f = setup();
    bios_init(&f);
    out(&f, 0x20, 0x11);
    out(&f, 0x21, 0x08);
    out(&f, 0x21, 0x04);
    out(&f, 0x21, 0x03); /* AEOI */
    irq(&f, 3, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x0b);
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0x00);
    /* Nothing in service: a lower level comes straight away. */
    irq(&f, 6, 1);
    g_assert_cmpint(intr(&f), ==, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x0e);
    /* Rotate in AEOI mode: each served level drops to lowest. */
    out(&f, 0x20, 0x80);
    irq(&f, 1, 1);
    irq(&f, 5, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x09);
    irq(&f, 1, 0);
    irq(&f, 1, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x0d); /* 5 now beats 1 */
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x09);
    /* Clear it: priorities stay where the last rotation left them (IR1
     * lowest), but no longer move. */
    out(&f, 0x20, 0x00);
    irq(&f, 1, 0);
    irq(&f, 1, 1);
    irq(&f, 0, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x08);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x09);
    irq(&f, 0, 0);
    irq(&f, 0, 1);
    irq(&f, 1, 0);
    irq(&f, 1, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x08);
    teardown(&f);
}

static void test_special_mask_mode(void)
{
    struct fx f = setup();
    bios_init(&f);
    irq(&f, 3, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x0b);
    irq(&f, 5, 1);
    g_assert_cmpint(intr(&f), ==, 0);
    /* The handler masks its own level and enters special mask mode: lower
     * levels are enabled. */
    out(&f, 0x21, 0x08);
    out(&f, 0x20, 0x68);
    g_assert_cmpint(intr(&f), ==, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x0d);
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0x28);
    /* Non-specific EOI skips the masked in-service level 3. */
    out(&f, 0x20, 0x20);
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0x08);
    /* Leaving special mask mode: IR3 in service blocks lower levels again. */
    out(&f, 0x20, 0x48);
    out(&f, 0x21, 0x00);
    irq(&f, 5, 0);
    irq(&f, 5, 1);
    g_assert_cmpint(intr(&f), ==, 0);
    out(&f, 0x20, 0x63);
    g_assert_cmpint(intr(&f), ==, 1);
    /* OCW3 without ESMM leaves the mode alone. */
    out(&f, 0x20, 0x68);
    out(&f, 0x20, 0x28);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x0d);
    irq(&f, 6, 1);
    out(&f, 0x21, 0x20);
    g_assert_cmpint(intr(&f), ==, 1); /* still in SMM: 5 masked, 6 enabled */
    teardown(&f);
}

static void test_poll(void)
{
    struct fx f = setup();
    bios_init(&f);
    /* Nothing requested: the poll word is 0. */
    out(&f, 0x20, 0x0c);
    g_assert_cmphex(in(&f, 0x20), ==, 0x00);
    irq(&f, 6, 1);
    irq(&f, 4, 1);
    out(&f, 0x20, 0x0c);
    g_assert_cmphex(in(&f, 0x21), ==, 0x84); /* either port; acts as INTA */
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0x10);
    g_assert_cmpint(intr(&f), ==, 0);
    /* The next read is a normal one again (IMR). */
    g_assert_cmphex(in(&f, 0x21), ==, 0x00);
    out(&f, 0x20, 0x20);
    /* Poll overrides a read-register command in the same OCW3. */
    out(&f, 0x20, 0x0f);
    g_assert_cmphex(in(&f, 0x20), ==, 0x86);
    g_assert_cmphex(in(&f, 0x20), ==, 0x40); /* now ISR, as RR/RIS asked */
    out(&f, 0x20, 0x20);
    out(&f, 0x20, 0x0a);
    /* Cascade: polling the master names IR2, then the slave is polled. */
    irq(&f, 12, 1);
    out(&f, 0x20, 0x0c);
    g_assert_cmphex(in(&f, 0x20), ==, 0x82);
    out(&f, 0xa0, 0x0c);
    g_assert_cmphex(in(&f, 0xa0), ==, 0x84);
    g_assert_cmphex(read_isr(&f, 0xa0), ==, 0x10);
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0x04);
    teardown(&f);
}

static void test_spurious_7(void)
{
    struct fx f = setup();
    bios_init(&f);
    /* The request goes away before INTA: default IR7, no ISR bit. */
    irq(&f, 4, 1);
    g_assert_cmpint(intr(&f), ==, 1);
    irq(&f, 4, 0);
    g_assert_cmpint(intr(&f), ==, 0);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x0f);
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0x00);
    /* A real IRQ 7 has the same vector but sets ISR, which is how Linux
     * tells them apart. */
    irq(&f, 7, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x0f);
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0x80);
    teardown(&f);
}

static void test_spurious_15(void)
{
    struct fx f = setup();
    bios_init(&f);
    linux_init(&f, false);
    out(&f, 0xa1, 0x00);
    /* A request that vanishes on the slave before INTA also vanishes from
     * master IR2: the master answers with its own IR7. */
    irq(&f, 9, 1);
    irq(&f, 9, 0);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x27);
    /* The hardware window between the master's and the slave's INTA
     * cycles, as a snapshot: master IR2 latched and high, the slave with
     * nothing to give.  The slave answers with its IR7 (IRQ 15) and the
     * master's ISR2 is set, so the guest must EOI the master only. */
    struct vm_writer w;
    g_assert_cmpint(vmw_begin(&w), ==, 0);
    vmw_node_begin(&w, "dev");
    vmw_u8(&w, "master_lines", 0x04);
    vmw_u8(&w, "master_edge", 0x04);
    vmw_node_end(&w);
    size_t n;
    void *blob = vmw_finish(&w, &n);
    char err[200];
    g_assert_cmpint(test_dev_load(&i8259_class, f.pic, blob, n, err, sizeof(err)), ==, 0);
    g_free(blob);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x2f);
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0x04);
    g_assert_cmphex(read_isr(&f, 0xa0), ==, 0x00);
    out(&f, 0x20, 0x62);
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0x00);
    g_assert_cmpint(intr(&f), ==, 0);
    teardown(&f);
}

static void test_cascade_aeoi_slave(void)
{
    struct fx f = setup();
    bios_init(&f);
    out(&f, 0xa0, 0x11);
    out(&f, 0xa1, 0x70);
    out(&f, 0xa1, 0x02);
    out(&f, 0xa1, 0x03); /* slave in AEOI */
    irq(&f, 8, 1);
    irq(&f, 9, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x70);
    /* The slave still requests IRQ 9 and its INT re-rises after INTA; the
     * master holds it behind ISR2 until its EOI. */
    g_assert_cmpint(intr(&f), ==, 0);
    g_assert_cmphex(read_irr(&f, 0x20), ==, 0x04);
    out(&f, 0x20, 0x20);
    g_assert_cmpint(intr(&f), ==, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x71);
    out(&f, 0x20, 0x20);
    g_assert_cmpint(intr(&f), ==, 0);
    teardown(&f);
}

static void test_sfnm(void)
{
    for (int sfnm = 0; sfnm <= 1; sfnm++) {
        struct fx f = setup();
        bios_init(&f);
        out(&f, 0x20, 0x11);
        out(&f, 0x21, 0x08);
        out(&f, 0x21, 0x04);
        out(&f, 0x21, sfnm ? 0x11 : 0x01);
        irq(&f, 10, 1);
        g_assert_cmphex(i8259_ack(f.pic), ==, 0x72);
        /* A higher request on the same slave while IRQ 10 is in service. */
        irq(&f, 8, 1);
        g_assert_cmpint(intr(&f), ==, sfnm);
        if (sfnm) {
            g_assert_cmphex(i8259_ack(f.pic), ==, 0x70);
            g_assert_cmphex(read_isr(&f, 0xa0), ==, 0x05);
            /* The exit protocol: EOI the slave, check its ISR, and EOI
             * the master only when the slave is idle. */
            out(&f, 0xa0, 0x20);
            g_assert_cmphex(read_isr(&f, 0xa0), ==, 0x04);
            out(&f, 0xa0, 0x20);
            g_assert_cmphex(read_isr(&f, 0xa0), ==, 0x00);
        }
        out(&f, 0x20, 0x20);
        g_assert_cmphex(read_isr(&f, 0x20), ==, 0x00);
        teardown(&f);
    }
}

static void test_ocw3_read_select(void)
{
    struct fx f = setup();
    bios_init(&f);
    irq(&f, 3, 1);
    irq(&f, 6, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x0b);
    /* Default after ICW1 is IRR; the select sticks until changed. */
    g_assert_cmphex(in(&f, 0x20), ==, 0x40);
    out(&f, 0x20, 0x0b);
    g_assert_cmphex(in(&f, 0x20), ==, 0x08);
    g_assert_cmphex(in(&f, 0x20), ==, 0x08);
    out(&f, 0x20, 0x08); /* RR = 0: no change */
    g_assert_cmphex(in(&f, 0x20), ==, 0x08);
    out(&f, 0x20, 0x0a);
    g_assert_cmphex(in(&f, 0x20), ==, 0x40);
    /* The data port always reads the IMR. */
    out(&f, 0x21, 0x81);
    g_assert_cmphex(in(&f, 0x21), ==, 0x81);
    teardown(&f);
}

static void test_reset(void)
{
    struct fx f = setup();
    bios_init(&f);
    irq(&f, 4, 1);
    g_assert_cmpint(intr(&f), ==, 1);
    out(&f, 0x4d1, 0x08);
    g_assert_cmphex(in(&f, 0x4d1), ==, 0x08);
    i8259_class.reset(f.pic, RESET_WARM);
    g_assert_cmpint(f.t->irq.level[INTR], ==, 1); /* no side effects in reset */
    i8259_class.settle(f.pic);
    g_assert_cmpint(intr(&f), ==, 0); /* edge latches cleared */
    g_assert_cmphex(in(&f, 0x21), ==, 0x00);
    g_assert_cmphex(in(&f, 0x4d1), ==, 0x00);
    g_assert_cmphex(read_isr(&f, 0x20), ==, 0x00);
    /* The pin is still high (it belongs to the device); a new edge works
     * with the reset state's vectors (base 0) and AT wiring. */
    irq(&f, 4, 0);
    irq(&f, 4, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x04);
    irq(&f, 9, 1);
    out(&f, 0x20, 0x20);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x01);
    teardown(&f);
}

static void test_generic(void)
{
    struct fx f = setup();
    struct test_env *t2 = test_env_new(0);
    test_dev_reset_idempotent(&i8259_class, f.pic);
    i8259_class.settle(f.pic);
    /* Interesting state: a level input, latched edges, ISR bits on both
     * chips, rotated priorities, ISR read select, and the slave in the
     * middle of its ICW sequence. */
    bios_init(&f);
    out(&f, 0x4d1, 0x0c);
    irq(&f, 11, 1);
    irq(&f, 5, 1);
    irq(&f, 3, 1);
    g_assert_cmphex(i8259_ack(f.pic), ==, 0x73);
    out(&f, 0x20, 0xc3); /* IR3 lowest: order 4 5 6 7 0 1 2 3 */
    out(&f, 0x20, 0x0b);
    out(&f, 0xa0, 0x11);
    out(&f, 0xa1, 0x70);
    struct i8259 *fresh = make_pic(t2);
    test_dev_roundtrip(&i8259_class, f.pic, fresh);
    i8259_class.settle(fresh);
    /* The loaded pair carries on from there. */
    struct fx f2 = { t2, fresh };
    g_assert_cmphex(in(&f2, 0x20), ==, 0x04);
    out(&f2, 0xa1, 0x02); /* ICW3 */
    out(&f2, 0xa1, 0x01); /* ICW4 */
    out(&f2, 0xa1, 0x00); /* OCW1 */
    g_assert_cmphex(in(&f2, 0xa1), ==, 0x00);
    irq(&f2, 11, 0);
    out(&f2, 0x20, 0x20);
    g_assert_cmpint(intr(&f2), ==, 1);
    g_assert_cmphex(i8259_ack(f2.pic), ==, 0x0d);
    g_assert_cmphex(i8259_ack(f2.pic), ==, 0x0f); /* 3 is below 5: spurious */
    out(&f2, 0x20, 0x20);
    g_assert_cmphex(i8259_ack(f2.pic), ==, 0x0b);
    i8259_class.destroy(fresh);
    test_env_free(t2);
    teardown(&f);
}

static void expect_reject(struct i8259 *pic, const char *field, uint8_t v)
{
    struct vm_writer w;
    g_assert_cmpint(vmw_begin(&w), ==, 0);
    vmw_node_begin(&w, "dev");
    vmw_u8(&w, field, v);
    vmw_node_end(&w);
    size_t n;
    void *blob = vmw_finish(&w, &n);
    g_assert_nonnull(blob);
    char err[200];
    g_assert_cmpint(test_dev_load(&i8259_class, pic, blob, n, err, sizeof(err)), ==, -1);
    g_assert_nonnull(strstr(err, field));
    g_free(blob);
}

static void test_load_rejects(void)
{
    struct fx f = setup();
    bios_init(&f);
    size_t n0;
    void *before = test_dev_save(&i8259_class, f.pic, &n0);
    expect_reject(f.pic, "master_lowest", 8);
    expect_reject(f.pic, "slave_lowest", 0xff);
    expect_reject(f.pic, "master_init_step", 4);
    expect_reject(f.pic, "slave_init_step", 0x80);
    expect_reject(f.pic, "master_elcr", 0x01);
    expect_reject(f.pic, "slave_elcr", 0x20);
    /* Wrong size. */
    {
        struct vm_writer w;
        g_assert_cmpint(vmw_begin(&w), ==, 0);
        vmw_node_begin(&w, "dev");
        vmw_u32(&w, "master_imr", 0);
        vmw_node_end(&w);
        size_t n;
        void *blob = vmw_finish(&w, &n);
        char err[200];
        g_assert_cmpint(test_dev_load(&i8259_class, f.pic, blob, n, err, sizeof(err)), ==, -1);
        g_free(blob);
    }
    /* A rejected load leaves the device as it was. */
    size_t n1;
    void *after = test_dev_save(&i8259_class, f.pic, &n1);
    g_assert_cmpuint(n0, ==, n1);
    g_assert_cmpint(memcmp(before, after, n0), ==, 0);
    g_free(before);
    g_free(after);
    teardown(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/i8259/bios-edge", test_bios_edge);
    g_test_add_func("/i8259/linux-driver", test_linux_driver);
    g_test_add_func("/i8259/icw1-resets", test_icw1_resets);
    g_test_add_func("/i8259/single-mode", test_single_mode);
    g_test_add_func("/i8259/level-and-elcr", test_level_and_elcr);
    g_test_add_func("/i8259/masking", test_masking);
    g_test_add_func("/i8259/nested-priorities", test_nested_priorities);
    g_test_add_func("/i8259/rotation", test_rotation);
    g_test_add_func("/i8259/aeoi", test_aeoi);
    g_test_add_func("/i8259/special-mask-mode", test_special_mask_mode);
    g_test_add_func("/i8259/poll", test_poll);
    g_test_add_func("/i8259/spurious-7", test_spurious_7);
    g_test_add_func("/i8259/spurious-15", test_spurious_15);
    g_test_add_func("/i8259/cascade-aeoi-slave", test_cascade_aeoi_slave);
    g_test_add_func("/i8259/sfnm", test_sfnm);
    g_test_add_func("/i8259/ocw3-read-select", test_ocw3_read_select);
    g_test_add_func("/i8259/reset", test_reset);
    g_test_add_func("/i8259/generic", test_generic);
    g_test_add_func("/i8259/load-rejects", test_load_rejects);
    return g_test_run();
}
