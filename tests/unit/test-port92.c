/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-port92: System Control Port A, fast A20 and fast reset. */
#include <string.h>
#include "hw/misc/port92.h"
#include "tests/support/testenv.h"

#define IRQ_A20 5

static struct port92 *setup(struct test_env **tp)
{
    struct test_env *t = test_env_new(0);
    struct port92 *p = port92_new(&t->env);
    as_add(&t->io, &p->region, 0x92, 0);
    as_commit(&t->io);
    test_irq_connect(t, &p->a20, IRQ_A20);
    port92_class.reset(p, RESET_COLD);
    port92_class.settle(p);
    *tp = t;
    return p;
}

static void test_a20(void)
{
    struct test_env *t;
    struct port92 *p = setup(&t);
    g_assert_cmphex(test_inb(t, 0x92), ==, 0);
    g_assert_cmpint(t->irq.level[IRQ_A20], ==, 0);
    test_outb(t, 0x92, 0x02);
    g_assert_cmpint(t->irq.level[IRQ_A20], ==, 1);
    g_assert_cmphex(test_inb(t, 0x92), ==, 0x02);
    /* Reserved bits read 0 (PIIX "Port 92h"). */
    test_outb(t, 0x92, 0xFE);
    g_assert_cmphex(test_inb(t, 0x92), ==, 0x02);
    test_outb(t, 0x92, 0x00);
    g_assert_cmpint(t->irq.level[IRQ_A20], ==, 0);
    g_assert_cmpint(t->nrequests, ==, 0);
    port92_class.destroy(p);
    test_env_free(t);
}

static void test_fast_reset(void)
{
    struct test_env *t;
    struct port92 *p = setup(&t);
    test_outb(t, 0x92, 0x03);
    g_assert_cmpint(t->nrequests, ==, 1);
    g_assert_cmpint(t->last_request, ==, SYS_RESET);
    g_assert_cmpint(t->irq.level[IRQ_A20], ==, 1);
    /* Only a 0 -> 1 transition resets. */
    test_outb(t, 0x92, 0x03);
    test_outb(t, 0x92, 0x01);
    g_assert_cmpint(t->nrequests, ==, 1);
    g_assert_cmphex(test_inb(t, 0x92), ==, 0x01);
    test_outb(t, 0x92, 0x00);
    test_outb(t, 0x92, 0x01);
    g_assert_cmpint(t->nrequests, ==, 2);
    /* The machine reset clears the bit, so the next write resets again. */
    port92_class.reset(p, RESET_WARM);
    port92_class.settle(p);
    g_assert_cmphex(test_inb(t, 0x92), ==, 0);
    test_outb(t, 0x92, 0x01);
    g_assert_cmpint(t->nrequests, ==, 3);
    port92_class.destroy(p);
    test_env_free(t);
}

static void test_state(void)
{
    struct test_env *t, *t2;
    struct port92 *p = setup(&t), *q = setup(&t2);
    test_dev_reset_idempotent(&port92_class, p);
    port92_class.settle(p);
    test_outb(t, 0x92, 0x02);
    test_dev_roundtrip(&port92_class, p, q);
    port92_class.settle(q);
    g_assert_cmpint(t2->irq.level[IRQ_A20], ==, 1);
    g_assert_cmphex(test_inb(t2, 0x92), ==, 0x02);

    /* Out of range: a reserved bit set. */
    struct vm_writer w;
    g_assert_cmpint(vmw_begin(&w), ==, 0);
    vmw_node_begin(&w, "dev");
    vmw_u8(&w, "val", 0x04);
    vmw_node_end(&w);
    size_t n;
    void *blob = vmw_finish(&w, &n);
    char err[200];
    g_assert_cmpint(test_dev_load(&port92_class, q, blob, n, err, sizeof(err)), ==, -1);
    g_assert_nonnull(strstr(err, "val"));
    g_assert_cmphex(test_inb(t2, 0x92), ==, 0x02);
    g_free(blob);
    port92_class.destroy(p);
    port92_class.destroy(q);
    test_env_free(t);
    test_env_free(t2);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/port92/a20", test_a20);
    g_test_add_func("/port92/fast-reset", test_fast_reset);
    g_test_add_func("/port92/state", test_state);
    return g_test_run();
}
