/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The whole PC board with the test accelerator (no CPU): devices at their
 * ports, ISA interrupts arriving at the right GSIs (shared lines ORed),
 * requests from debug-exit and the keyboard controller, what firmware reads
 * from CMOS and fw_cfg, and whole-machine state save/load. */
#include <string.h>
#include "core/chardev.h"
#include "cpu/accel.h"
#include "cpu/test.h"
#include "hw/misc/fw_cfg.h"
#include "hw/pc.h"
#include "tests/support/board.h"

struct board {
    struct machine *m;
    struct pc *pc;
    struct chardev *com1, *com3, *dcon;
};

#define RTC_BASE 1577934245 /* 2020-01-02T03:04:05Z */

static struct board *board_new(void)
{
    struct board *b = g_new0(struct board, 1);
    b->m = tb_machine(64 * MiB, 2, NULL);
    b->com1 = chardev_new_buffer("com1");
    b->com3 = chardev_new_buffer("com3");
    b->dcon = chardev_new_buffer("debugcon");
    struct pc_config cfg = {
        .serial = { [0] = { true, b->com1 }, [2] = { true, b->com3 } },
        .debug_exit = { { 0xf4, 4 } },
        .ndebug_exit = 1,
        .debugcon = true,
        .debugcon_iobase = 0x402,
        .debugcon_cd = b->dcon,
        .rtc_base = RTC_BASE,
    };
    b->pc = tb_pc(b->m, &cfg);
    return b;
}

static void board_free(struct board *b)
{
    machine_free(b->m);
    chardev_free(b->com1);
    chardev_free(b->com3);
    chardev_free(b->dcon);
    g_free(b);
}

static uint64_t in(struct board *b, uint16_t port, unsigned size)
{
    return tb_in(b->m, port, size);
}

static void out(struct board *b, uint16_t port, unsigned size, uint64_t v)
{
    tb_out(b->m, port, size, v);
}

static int gsi(struct board *b, int n)
{
    return ((struct test_accel *)b->m->accel_state)->gsi_level[n];
}

static void test_ports(void)
{
    struct board *b = board_new();
    out(b, 0x3ff, 1, 0x5a); /* COM1 scratch */
    g_assert_cmphex(in(b, 0x3ff, 1), ==, 0x5a);
    out(b, 0x3ef, 1, 0xa5); /* COM3 scratch */
    g_assert_cmphex(in(b, 0x3ef, 1), ==, 0xa5);
    g_assert_cmphex(in(b, 0x2ff, 1), ==, 0xff); /* COM2 absent */
    g_assert_cmphex(in(b, 0x3f8 + 5, 1) & 0x60, ==, 0x60); /* LSR: THRE|TEMT */
    out(b, 0x3f8, 1, 'h');
    out(b, 0x3f8, 1, 'i');
    g_assert_cmpstr(chardev_buffer_output(b->com1)->str, ==, "hi");
    out(b, 0x402, 1, 'F');
    g_assert_cmpstr(chardev_buffer_output(b->dcon)->str, ==, "F");
    g_assert_cmphex(in(b, 0x402, 1), ==, 0xe9);
    board_free(b);
}

static uint8_t cmos(struct board *b, uint8_t idx)
{
    return tb_cmos(b->m, idx);
}

static void test_cmos(void)
{
    struct board *b = board_new();
    g_assert_cmphex(cmos(b, 0x00), ==, 0x05); /* seconds, BCD */
    g_assert_cmphex(cmos(b, 0x02), ==, 0x04); /* minutes */
    g_assert_cmphex(cmos(b, 0x04), ==, 0x03); /* hours */
    g_assert_cmphex(cmos(b, 0x07), ==, 0x02);
    g_assert_cmphex(cmos(b, 0x09), ==, 0x20);
    g_assert_cmphex(cmos(b, 0x32), ==, 0x20); /* century */
    /* 64 MiB: 48 MiB above 16 MiB in 64 KiB units = 0x300. */
    g_assert_cmphex(cmos(b, 0x34), ==, 0x00);
    g_assert_cmphex(cmos(b, 0x35), ==, 0x03);
    g_assert_cmphex(cmos(b, 0x5f), ==, 1); /* CPUs - 1 */
    /* Virtual time moves the RTC. */
    vclock_step(&b->m->clock, 3 * NS_PER_SEC);
    g_assert_cmphex(cmos(b, 0x00), ==, 0x08);
    board_free(b);
}

static void test_fw_cfg(void)
{
    struct board *b = board_new();
    char sig[5] = { 0 };
    out(b, 0x510, 2, FW_CFG_SIGNATURE);
    for (int i = 0; i < 4; i++)
        sig[i] = (char)in(b, 0x511, 1);
    g_assert_cmpstr(sig, ==, "QEMU");
    out(b, 0x510, 2, FW_CFG_NB_CPUS);
    g_assert_cmpuint(in(b, 0x511, 1) | in(b, 0x511, 1) << 8, ==, 2);
    out(b, 0x510, 2, FW_CFG_RAM_SIZE);
    uint64_t ram = 0;
    for (int i = 0; i < 8; i++)
        ram |= in(b, 0x511, 1) << (8 * i);
    g_assert_cmpuint(ram, ==, 64 * MiB);
    /* The directory lists etc/e820 (firmware reads the memory map there). */
    out(b, 0x510, 2, FW_CFG_FILE_DIR);
    uint32_t count = 0;
    for (int i = 0; i < 4; i++)
        count = count << 8 | (uint32_t)in(b, 0x511, 1);
    bool found = false;
    for (uint32_t e = 0; e < count; e++) {
        uint8_t ent[64];
        for (int i = 0; i < 64; i++)
            ent[i] = (uint8_t)in(b, 0x511, 1);
        found |= !strcmp((char *)ent + 8, "etc/e820");
    }
    g_assert_true(found);
    board_free(b);
}

static void test_isa_irqs(void)
{
    struct board *b = board_new();
    /* COM1 and COM3 share IRQ 4: enable THRE interrupts with OUT2 gating. */
    out(b, 0x3f8 + 4, 1, 0x08); /* MCR: OUT2 */
    out(b, 0x3f8 + 1, 1, 0x02); /* IER: ETBEI -> THRE pending */
    g_assert_cmpint(gsi(b, 4), ==, 1);
    out(b, 0x3e8 + 4, 1, 0x08);
    out(b, 0x3e8 + 1, 1, 0x02);
    g_assert_cmpint(gsi(b, 4), ==, 1);
    out(b, 0x3f8 + 1, 1, 0x00); /* COM1 drops: COM3 still holds it */
    g_assert_cmpint(gsi(b, 4), ==, 1);
    out(b, 0x3e8 + 1, 1, 0x00);
    g_assert_cmpint(gsi(b, 4), ==, 0);
    /* RTC periodic interrupt on GSI 8. */
    out(b, 0x70, 1, 0x0b);
    out(b, 0x71, 1, 0x42); /* PIE, 24h */
    vclock_step(&b->m->clock, 2 * NS_PER_SEC / 1024);
    g_assert_cmpint(gsi(b, 8), ==, 1);
    cmos(b, 0x0c); /* reading C acknowledges */
    g_assert_cmpint(gsi(b, 8), ==, 0);
    board_free(b);
}

static void test_requests(void)
{
    struct board *b = board_new();
    out(b, 0xf4, 1, 0x21);
    g_assert_cmpuint(atomic_load(&b->m->requests) & REQ_EXIT, !=, 0);
    g_assert_cmpint(atomic_load(&b->m->exit_status), ==, 0x43);
    atomic_store(&b->m->requests, 0);
    out(b, 0x64, 1, 0xfe); /* pulse reset line */
    g_assert_cmpuint(atomic_load(&b->m->requests), ==, REQ_RESET);
    atomic_store(&b->m->requests, 0);
    out(b, 0x92, 1, 0x01); /* fast reset */
    g_assert_cmpuint(atomic_load(&b->m->requests), ==, REQ_RESET);
    board_free(b);
}

static void test_save_load(void)
{
    struct board *a = board_new(), *b = board_new();
    out(a, 0x3ff, 1, 0x77);
    out(a, 0x70, 1, 0x40);
    out(a, 0x71, 1, 0x99); /* NVRAM */
    out(a, 0x510, 2, FW_CFG_SIGNATURE);
    in(a, 0x511, 1);
    size_t n1, n2;
    void *s1 = machine_save_devices(a->m, &n1);
    g_assert_nonnull(s1);
    char *err = NULL;
    g_assert_cmpint(machine_load_devices(b->m, s1, n1, &err), ==, 0);
    void *s2 = machine_save_devices(b->m, &n2);
    g_assert_cmpuint(n1, ==, n2);
    g_assert_cmpint(memcmp(s1, s2, n1), ==, 0);
    g_assert_cmphex(in(b, 0x3ff, 1), ==, 0x77);
    g_assert_cmphex(cmos(b, 0x40), ==, 0x99);
    g_assert_cmphex(in(b, 0x511, 1), ==, 'E'); /* fw_cfg offset restored */
    /* A truncated stream is refused with a message, and the VM keeps its state. */
    g_assert_cmpint(machine_load_devices(b->m, s1, n1 / 3, &err), ==, -1);
    g_assert_nonnull(err);
    g_free(err);
    g_free(s1);
    g_free(s2);
    board_free(a);
    board_free(b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pc/ports", test_ports);
    g_test_add_func("/pc/cmos", test_cmos);
    g_test_add_func("/pc/fw_cfg", test_fw_cfg);
    g_test_add_func("/pc/isa-irqs", test_isa_irqs);
    g_test_add_func("/pc/requests", test_requests);
    g_test_add_func("/pc/save-load", test_save_load);
    return g_test_run();
}
