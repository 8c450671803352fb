/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-i8042: the keyboard controller, PS/2 keyboard and mouse, driven the
 * way SeaBIOS and Linux's i8042/atkbd/psmouse drivers drive them. */
#include <linux/input-event-codes.h>
#include <string.h>
#include "hw/input/i8042.h"
#include "tests/support/testenv.h"

#define IRQ_A20 20

struct fx {
    struct test_env *t;
    struct i8042 *s;
};

static struct fx setup(void)
{
    struct fx f;
    f.t = test_env_new(0);
    f.s = i8042_new(&f.t->env);
    as_add(&f.t->io, &f.s->region_data, 0x60, 0);
    as_add(&f.t->io, &f.s->region_cmd, 0x64, 0);
    as_commit(&f.t->io);
    test_irq_connect(f.t, &f.s->irq_kbd, 1);
    test_irq_connect(f.t, &f.s->irq_aux, 12);
    test_irq_connect(f.t, &f.s->a20, IRQ_A20);
    i8042_class.reset(f.s, RESET_COLD);
    i8042_class.settle(f.s);
    return f;
}

static void teardown(struct fx *f)
{
    i8042_class.destroy(f->s);
    test_env_free(f->t);
}

static uint8_t status(struct fx *f)
{
    return test_inb(f->t, 0x64);
}

static void cmd(struct fx *f, uint8_t c)
{
    g_assert_false(status(f) & I8042_STR_IBF);
    test_outb(f->t, 0x64, c);
}

static void cmd_data(struct fx *f, uint8_t c, uint8_t d)
{
    cmd(f, c);
    test_outb(f->t, 0x60, d);
}

/* One byte that must be there, from the expected source. */
static uint8_t read_byte(struct fx *f, bool aux)
{
    uint8_t st = status(f);
    g_assert_true(st & I8042_STR_OBF);
    g_assert_cmpint(!!(st & I8042_STR_AUXB), ==, aux);
    return test_inb(f->t, 0x60);
}

static void expect(struct fx *f, bool aux, const uint8_t *want, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t b = read_byte(f, aux);
        if (b != want[i])
            g_error("byte %zu: got 0x%02x, want 0x%02x", i, b, want[i]);
    }
    g_assert_false(status(f) & I8042_STR_OBF);
}

#define EXPECT(f, aux, ...)                                     \
    do {                                                        \
        static const uint8_t want_[] = { __VA_ARGS__ };         \
        expect((f), (aux), want_, sizeof(want_));               \
    } while (0)

static uint8_t read_ctr(struct fx *f)
{
    cmd(f, 0x20);
    return read_byte(f, false);
}

static void kbd_send(struct fx *f, uint8_t b)
{
    test_outb(f->t, 0x60, b);
}

static void aux_send(struct fx *f, uint8_t b)
{
    cmd_data(f, 0xD4, b);
}

static void key(struct fx *f, unsigned code, bool down)
{
    pthread_mutex_lock(&f->t->lock);
    ps2_kbd_key(i8042_kbd(f->s), code, down);
    pthread_mutex_unlock(&f->t->lock);
}

static void tap(struct fx *f, unsigned code)
{
    key(f, code, true);
    key(f, code, false);
}

static void move(struct fx *f, int dx, int dy, int dz, unsigned buttons)
{
    pthread_mutex_lock(&f->t->lock);
    ps2_mouse_move(i8042_mouse(f->s), dx, dy, dz, buttons);
    pthread_mutex_unlock(&f->t->lock);
}

/* ---- the controller as Linux's i8042 driver probes it ---- */

static void test_linux_probe(void)
{
    struct fx f = setup();
    uint8_t st = status(&f);
    g_assert_cmphex(st & (I8042_STR_OBF | I8042_STR_SYS), ==, 0);
    g_assert_true(st & I8042_STR_INH);

    cmd(&f, 0xAA);
    g_assert_true(status(&f) & I8042_STR_A2);
    EXPECT(&f, false, 0x55);
    g_assert_true(status(&f) & I8042_STR_SYS);
    /* Self-test leaves both ports inhibited (HP/Compaq 8042 reference). */
    uint8_t ctr = read_ctr(&f);
    g_assert_cmphex(ctr, ==, I8042_CTR_KBDINT | I8042_CTR_SYS | I8042_CTR_KBDDIS |
                                 I8042_CTR_AUXDIS | I8042_CTR_XLATE);

    /* Linux writes its own command byte: interrupts off, ports disabled. */
    cmd_data(&f, 0x60, 0x74);
    g_assert_false(status(&f) & I8042_STR_A2);
    g_assert_cmphex(read_ctr(&f), ==, 0x74);
    g_assert_cmphex(status(&f) & I8042_STR_SYS, ==, I8042_STR_SYS);

    cmd(&f, 0xA9);
    EXPECT(&f, false, 0x00);
    cmd(&f, 0xAB);
    EXPECT(&f, false, 0x00);

    /* AUX loopback (i8042_check_aux): the byte comes back as mouse data. */
    cmd_data(&f, 0xD3, 0x5A);
    EXPECT(&f, true, 0x5A);

    /* Aux port toggling shows in the command byte. */
    cmd(&f, 0xA8);
    g_assert_cmphex(read_ctr(&f) & I8042_CTR_AUXDIS, ==, 0);
    cmd(&f, 0xA7);
    g_assert_cmphex(read_ctr(&f) & I8042_CTR_AUXDIS, ==, I8042_CTR_AUXDIS);

    /* IRQ 12 delivery test: enable aux and its interrupt, loop a byte. */
    cmd_data(&f, 0x60, (0x74 & ~I8042_CTR_AUXDIS) | I8042_CTR_AUXINT);
    int raises = f.t->irq.raises[12];
    cmd_data(&f, 0xD3, 0xA5);
    g_assert_cmpint(f.t->irq.level[12], ==, 1);
    g_assert_cmpint(f.t->irq.raises[12], ==, raises + 1);
    g_assert_cmpint(f.t->irq.level[1], ==, 0);
    EXPECT(&f, true, 0xA5);
    g_assert_cmpint(f.t->irq.level[12], ==, 0);

    /* Active-multiplexing probe: a plain 8042 echoes the third byte. */
    cmd_data(&f, 0xD3, 0xF0);
    EXPECT(&f, true, 0xF0);
    cmd_data(&f, 0xD3, 0x56);
    EXPECT(&f, true, 0x56);
    cmd_data(&f, 0xD3, 0xA4);
    EXPECT(&f, true, 0xA4);

    /* Other controller RAM bytes are plain storage. */
    cmd_data(&f, 0x65, 0x99);
    cmd(&f, 0x25);
    EXPECT(&f, false, 0x99);
    teardown(&f);
}

/* ---- the keyboard as SeaBIOS's ps2port.c initializes it ---- */

static void test_seabios_keyboard(void)
{
    struct fx f = setup();
    cmd(&f, 0xAA);
    EXPECT(&f, false, 0x55);
    cmd(&f, 0xAB);
    EXPECT(&f, false, 0x00);

    /* Each ps2 command: both ports off, interrupts off, then the keyboard on. */
    cmd_data(&f, 0x60, I8042_CTR_KBDDIS | I8042_CTR_AUXDIS);
    cmd_data(&f, 0x60, I8042_CTR_AUXDIS);
    kbd_send(&f, 0xFF);
    EXPECT(&f, false, 0xFA, 0xAA);
    kbd_send(&f, 0xF5);
    EXPECT(&f, false, 0xFA);
    kbd_send(&f, 0xF0);
    EXPECT(&f, false, 0xFA);
    kbd_send(&f, 0x02);
    EXPECT(&f, false, 0xFA);

    /* Final command byte: translation, keyboard interrupt. */
    cmd_data(&f, 0x60, I8042_CTR_AUXDIS | I8042_CTR_XLATE | I8042_CTR_KBDINT);
    g_assert_cmpint(f.t->irq.level[1], ==, 0);
    kbd_send(&f, 0xF4);
    g_assert_cmpint(f.t->irq.level[1], ==, 1);
    EXPECT(&f, false, 0xFA);
    g_assert_cmpint(f.t->irq.level[1], ==, 0);

    tap(&f, KEY_A);
    g_assert_cmpint(f.t->irq.level[1], ==, 1);
    EXPECT(&f, false, 0x1E, 0x9E);
    teardown(&f);
}

static void test_kbd_identify(void)
{
    struct fx f = setup();
    cmd_data(&f, 0x60, I8042_CTR_XLATE);
    kbd_send(&f, 0xF2);
    EXPECT(&f, false, 0xFA, 0xAB, 0x41); /* 0x83 translated */
    cmd_data(&f, 0x60, 0);
    kbd_send(&f, 0xF2);
    EXPECT(&f, false, 0xFA, 0xAB, 0x83);
    /* Scan set query: 2, which translation turns into 0x41. */
    kbd_send(&f, 0xF0);
    kbd_send(&f, 0x00);
    EXPECT(&f, false, 0xFA, 0xFA, 0x02);
    cmd_data(&f, 0x60, I8042_CTR_XLATE);
    kbd_send(&f, 0xF0);
    kbd_send(&f, 0x00);
    EXPECT(&f, false, 0xFA, 0xFA, 0x41);
    teardown(&f);
}

static void test_kbd_commands(void)
{
    struct fx f = setup();
    cmd_data(&f, 0x60, 0);
    kbd_send(&f, 0xED);
    kbd_send(&f, 0x07);
    EXPECT(&f, false, 0xFA, 0xFA);
    g_assert_cmpuint(ps2_kbd_leds(i8042_kbd(f.s)), ==, 7);
    /* A command instead of the argument is taken as a command. */
    kbd_send(&f, 0xED);
    kbd_send(&f, 0xEE);
    EXPECT(&f, false, 0xFA, 0xEE);
    g_assert_cmpuint(ps2_kbd_leds(i8042_kbd(f.s)), ==, 7);
    kbd_send(&f, 0xF3);
    kbd_send(&f, 0x20);
    EXPECT(&f, false, 0xFA, 0xFA);
    kbd_send(&f, 0xEF); /* not a command */
    EXPECT(&f, false, 0xFE);
    kbd_send(&f, 0xF2);
    EXPECT(&f, false, 0xFA, 0xAB, 0x83);
    kbd_send(&f, 0xFE); /* resend the last byte */
    EXPECT(&f, false, 0x83);
    kbd_send(&f, 0xF0);
    kbd_send(&f, 0x07); /* no such set */
    EXPECT(&f, false, 0xFA, 0xFE);
    /* Disabled keyboard does not scan; 0xF4 enables. */
    kbd_send(&f, 0xF5);
    EXPECT(&f, false, 0xFA);
    tap(&f, KEY_B);
    g_assert_false(status(&f) & I8042_STR_OBF);
    kbd_send(&f, 0xF4);
    EXPECT(&f, false, 0xFA);
    tap(&f, KEY_B);
    EXPECT(&f, false, 0x32, 0xF0, 0x32);
    /* Reset: LEDs off, set 2. */
    kbd_send(&f, 0xFF);
    EXPECT(&f, false, 0xFA, 0xAA);
    g_assert_cmpuint(ps2_kbd_leds(i8042_kbd(f.s)), ==, 0);
    teardown(&f);
}

/* ---- scan codes ---- */

static void test_translation(void)
{
    struct fx f = setup();
    cmd_data(&f, 0x60, I8042_CTR_XLATE);
    tap(&f, KEY_A);
    EXPECT(&f, false, 0x1E, 0x9E);
    tap(&f, KEY_RIGHTCTRL);
    EXPECT(&f, false, 0xE0, 0x1D, 0xE0, 0x9D);
    tap(&f, KEY_UP);
    EXPECT(&f, false, 0xE0, 0x48, 0xE0, 0xC8);
    tap(&f, KEY_F7); /* set 2 0x83, the one code above 0x7F */
    EXPECT(&f, false, 0x41, 0xC1);
    tap(&f, KEY_KPSLASH);
    EXPECT(&f, false, 0xE0, 0x35, 0xE0, 0xB5);
    tap(&f, KEY_SYSRQ);
    EXPECT(&f, false, 0xE0, 0x2A, 0xE0, 0x37, 0xE0, 0xB7, 0xE0, 0xAA);
    tap(&f, KEY_PAUSE);
    EXPECT(&f, false, 0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5);
    key(&f, KEY_LEFTCTRL, true);
    tap(&f, KEY_PAUSE);
    key(&f, KEY_LEFTCTRL, false);
    EXPECT(&f, false, 0x1D, 0xE0, 0x46, 0xE0, 0xC6, 0x9D);
    key(&f, KEY_LEFTALT, true);
    tap(&f, KEY_SYSRQ);
    key(&f, KEY_LEFTALT, false);
    EXPECT(&f, false, 0x38, 0x54, 0xD4, 0xB8);
    teardown(&f);
}

static void test_set2_raw(void)
{
    struct fx f = setup();
    cmd_data(&f, 0x60, 0);
    tap(&f, KEY_A);
    EXPECT(&f, false, 0x1C, 0xF0, 0x1C);
    tap(&f, KEY_UP);
    EXPECT(&f, false, 0xE0, 0x75, 0xE0, 0xF0, 0x75);
    tap(&f, KEY_SYSRQ);
    EXPECT(&f, false, 0xE0, 0x12, 0xE0, 0x7C, 0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12);
    key(&f, KEY_LEFTSHIFT, true);
    tap(&f, KEY_SYSRQ);
    key(&f, KEY_LEFTSHIFT, false);
    EXPECT(&f, false, 0x12, 0xE0, 0x7C, 0xE0, 0xF0, 0x7C, 0xF0, 0x12);
    tap(&f, KEY_PAUSE);
    EXPECT(&f, false, 0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77);
    tap(&f, KEY_LEFTMETA);
    EXPECT(&f, false, 0xE0, 0x1F, 0xE0, 0xF0, 0x1F);
    tap(&f, KEY_VOLUMEUP);
    EXPECT(&f, false, 0xE0, 0x32, 0xE0, 0xF0, 0x32);
    tap(&f, KEY_MAX - 1); /* no code: nothing */
    tap(&f, KEY_FN);
    g_assert_false(status(&f) & I8042_STR_OBF);
    teardown(&f);
}

static void test_set1_and_set3(void)
{
    struct fx f = setup();
    cmd_data(&f, 0x60, 0);
    kbd_send(&f, 0xF0);
    kbd_send(&f, 0x01);
    EXPECT(&f, false, 0xFA, 0xFA);
    tap(&f, KEY_A);
    EXPECT(&f, false, 0x1E, 0x9E);
    tap(&f, KEY_DELETE);
    EXPECT(&f, false, 0xE0, 0x53, 0xE0, 0xD3);
    tap(&f, KEY_PAUSE);
    EXPECT(&f, false, 0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5);

    kbd_send(&f, 0xF0);
    kbd_send(&f, 0x03);
    EXPECT(&f, false, 0xFA, 0xFA);
    kbd_send(&f, 0xF0);
    kbd_send(&f, 0x00);
    EXPECT(&f, false, 0xFA, 0xFA, 0x03);
    /* Set 3 defaults: letters make only, shifts make/break. */
    tap(&f, KEY_A);
    EXPECT(&f, false, 0x1C);
    tap(&f, KEY_LEFTSHIFT);
    EXPECT(&f, false, 0x12, 0xF0, 0x12);
    tap(&f, KEY_ESC);
    EXPECT(&f, false, 0x08);
    tap(&f, KEY_UP);
    EXPECT(&f, false, 0x63);
    /* 0xFA: all keys make/break (Linux atkbd does this in set 3). */
    kbd_send(&f, 0xFA);
    EXPECT(&f, false, 0xFA);
    tap(&f, KEY_A);
    EXPECT(&f, false, 0x1C, 0xF0, 0x1C);
    /* 0xFD key list: make only for A; the list ends at the next command. */
    kbd_send(&f, 0xFD);
    kbd_send(&f, 0x1C);
    kbd_send(&f, 0xF4);
    EXPECT(&f, false, 0xFA, 0xFA, 0xFA);
    tap(&f, KEY_A);
    tap(&f, KEY_S);
    EXPECT(&f, false, 0x1C, 0x1B, 0xF0, 0x1B);
    /* 0xF6 restores the defaults, set 2 included. */
    kbd_send(&f, 0xF6);
    EXPECT(&f, false, 0xFA);
    tap(&f, KEY_A);
    EXPECT(&f, false, 0x1C, 0xF0, 0x1C);
    teardown(&f);
}

static void test_overrun(void)
{
    struct fx f = setup();
    cmd_data(&f, 0x60, I8042_CTR_XLATE | I8042_CTR_KBDDIS);
    for (int i = 0; i < 30; i++)
        key(&f, KEY_A, true);
    g_assert_false(status(&f) & I8042_STR_OBF); /* port disabled: buffered */
    cmd(&f, 0xAE);
    for (int i = 0; i < PS2_QUEUE_SIZE - 1; i++)
        g_assert_cmphex(read_byte(&f, false), ==, 0x1E);
    /* Set 2 overrun 0x00, which translation turns into 0xFF. */
    EXPECT(&f, false, 0xFF);
    /* A sequence that does not fit is not split. */
    cmd(&f, 0xAD);
    for (int i = 0; i < 7; i++)
        key(&f, KEY_UP, true); /* 2 bytes each: 14 */
    key(&f, KEY_UP, true);
    cmd(&f, 0xAE);
    for (int i = 0; i < 7; i++) {
        g_assert_cmphex(read_byte(&f, false), ==, 0xE0);
        g_assert_cmphex(read_byte(&f, false), ==, 0x48);
    }
    /* The eighth did not fit in the 15 usable bytes: overrun instead. */
    EXPECT(&f, false, 0xFF);
    teardown(&f);
}

static void test_irq1_and_reread(void)
{
    struct fx f = setup();
    cmd_data(&f, 0x60, I8042_CTR_XLATE | I8042_CTR_KBDINT);
    g_assert_cmpint(f.t->irq.level[1], ==, 0);
    int raises = f.t->irq.raises[1];
    tap(&f, KEY_Q);
    g_assert_cmpint(f.t->irq.level[1], ==, 1);
    g_assert_cmpuint(test_inb(f.t, 0x60), ==, 0x10);
    /* The break code is loaded at once, after a falling edge. */
    g_assert_cmpint(f.t->irq.level[1], ==, 1);
    g_assert_cmpint(f.t->irq.raises[1], ==, raises + 2);
    g_assert_cmpuint(test_inb(f.t, 0x60), ==, 0x90);
    g_assert_cmpint(f.t->irq.level[1], ==, 0);
    /* An empty buffer reads back the last byte. */
    g_assert_cmpuint(test_inb(f.t, 0x60), ==, 0x90);
    g_assert_cmpint(f.t->irq.raises[1], ==, raises + 2);
    /* Masking the interrupt drops the line but keeps the data. */
    tap(&f, KEY_W);
    g_assert_cmpint(f.t->irq.level[1], ==, 1);
    cmd_data(&f, 0x60, I8042_CTR_XLATE);
    g_assert_cmpint(f.t->irq.level[1], ==, 0);
    EXPECT(&f, false, 0x11, 0x91);
    /* 0xD2 echoes as keyboard data, untranslated, with IRQ 1. */
    cmd_data(&f, 0x60, I8042_CTR_XLATE | I8042_CTR_KBDINT);
    cmd_data(&f, 0xD2, 0x1C);
    g_assert_cmpint(f.t->irq.level[1], ==, 1);
    EXPECT(&f, false, 0x1C);
    teardown(&f);
}

static void test_kbd_port_disable(void)
{
    struct fx f = setup();
    cmd_data(&f, 0x60, I8042_CTR_XLATE);
    cmd(&f, 0xAD);
    tap(&f, KEY_E);
    g_assert_false(status(&f) & I8042_STR_OBF);
    cmd(&f, 0xAE);
    EXPECT(&f, false, 0x12, 0x92);
    /* Writing to the keyboard re-enables its port. */
    cmd(&f, 0xAD);
    kbd_send(&f, 0xEE);
    EXPECT(&f, false, 0xEE);
    g_assert_cmphex(read_ctr(&f) & I8042_CTR_KBDDIS, ==, 0);
    teardown(&f);
}

/* ---- mouse ---- */

static void enable_aux(struct fx *f)
{
    cmd_data(f, 0x60, I8042_CTR_XLATE | I8042_CTR_KBDINT | I8042_CTR_AUXINT);
}

static void test_mouse_probe(void)
{
    struct fx f = setup();
    enable_aux(&f);
    aux_send(&f, 0xFF);
    g_assert_cmpint(f.t->irq.level[12], ==, 1);
    g_assert_cmpint(f.t->irq.level[1], ==, 0);
    EXPECT(&f, true, 0xFA, 0xAA, 0x00);
    g_assert_cmpint(f.t->irq.level[12], ==, 0);
    aux_send(&f, 0xF2);
    EXPECT(&f, true, 0xFA, 0x00);
    aux_send(&f, 0xE9);
    EXPECT(&f, true, 0xFA, 0x00, 0x02, 100); /* stream, disabled, 4 c/mm, 100/s */

    /* Reporting off: motion is ignored. */
    move(&f, 5, 5, 0, 0);
    g_assert_false(status(&f) & I8042_STR_OBF);
    aux_send(&f, 0xF4);
    EXPECT(&f, true, 0xFA);
    move(&f, 10, -5, 3, PS2_MOUSE_LEFT);
    g_assert_cmpint(f.t->irq.level[12], ==, 1);
    /* byte 0: always-1 bit, left, Y negative; no wheel byte on ID 0 */
    EXPECT(&f, true, 0x29, 0x0A, 0xFB);

    /* IntelliMouse: rates 200, 100, 80 then ID 3, 4-byte packets. */
    static const uint8_t seq[] = { 0xF3, 200, 0xF3, 100, 0xF3, 80 };
    for (size_t i = 0; i < sizeof(seq); i++) {
        aux_send(&f, seq[i]);
        EXPECT(&f, true, 0xFA);
    }
    aux_send(&f, 0xF2);
    EXPECT(&f, true, 0xFA, 0x03);
    /* Explorer sequence 200, 200, 80 is not supported: stays 3. */
    static const uint8_t seq4[] = { 0xF3, 200, 0xF3, 200, 0xF3, 80 };
    for (size_t i = 0; i < sizeof(seq4); i++) {
        aux_send(&f, seq4[i]);
        EXPECT(&f, true, 0xFA);
    }
    aux_send(&f, 0xF2);
    EXPECT(&f, true, 0xFA, 0x03);
    move(&f, -1, 2, -1, PS2_MOUSE_RIGHT | PS2_MOUSE_MIDDLE);
    EXPECT(&f, true, 0x1E, 0xFF, 0x02, 0xFF);
    /* Button release alone makes a packet. */
    move(&f, 0, 0, 0, 0);
    EXPECT(&f, true, 0x08, 0x00, 0x00, 0x00);
    aux_send(&f, 0xFF);
    EXPECT(&f, true, 0xFA, 0xAA, 0x00);
    aux_send(&f, 0xF2);
    EXPECT(&f, true, 0xFA, 0x00);
    teardown(&f);
}

static void test_mouse_big_moves(void)
{
    struct fx f = setup();
    enable_aux(&f);
    aux_send(&f, 0xF4);
    EXPECT(&f, true, 0xFA);
    /* 600 counts go out as 255 + 255 + 90, without overflow bits. */
    move(&f, 600, -300, 0, 0);
    EXPECT(&f, true, 0x28, 0xFF, 0x00, 0x28, 0xFF, 0xD4, 0x08, 0x5A, 0x00);
    /* Motion beyond the bound is lost and flagged. */
    cmd(&f, 0xA7); /* hold the packets in the mouse */
    move(&f, 1 << 30, 0, 0, 0);
    cmd(&f, 0xA8);
    uint8_t b0 = read_byte(&f, true);
    g_assert_cmphex(b0 & 0x40, ==, 0x40);
    g_assert_cmphex(read_byte(&f, true), ==, 0xFF);
    /* Disabling drops the rest (the counters reset). */
    aux_send(&f, 0xF5);
    while (status(&f) & I8042_STR_OBF)
        test_inb(f.t, 0x60);
    /* 2:1 scaling: 3 -> 3, 5 -> 9, 50 -> 100. */
    aux_send(&f, 0xE7);
    EXPECT(&f, true, 0xFA);
    aux_send(&f, 0xF4);
    EXPECT(&f, true, 0xFA);
    move(&f, 5, 3, 0, 0);
    EXPECT(&f, true, 0x08, 0x09, 0x03);
    move(&f, 50, 0, 0, 0);
    EXPECT(&f, true, 0x08, 0x64, 0x00);
    aux_send(&f, 0xE9);
    EXPECT(&f, true, 0xFA, 0x30, 0x02, 100);
    teardown(&f);
}

static void test_mouse_remote_and_wrap(void)
{
    struct fx f = setup();
    enable_aux(&f);
    aux_send(&f, 0xF0);
    EXPECT(&f, true, 0xFA);
    move(&f, 3, 4, 0, PS2_MOUSE_LEFT);
    g_assert_false(status(&f) & I8042_STR_OBF); /* remote: nothing sent */
    aux_send(&f, 0xE9);
    EXPECT(&f, true, 0xFA, 0x44, 0x02, 100);
    aux_send(&f, 0xEB);
    EXPECT(&f, true, 0xFA, 0x09, 0x03, 0x04);
    aux_send(&f, 0xEB); /* counters were reset by the read */
    EXPECT(&f, true, 0xFA, 0x09, 0x00, 0x00);
    aux_send(&f, 0xE8);
    aux_send(&f, 0x03);
    EXPECT(&f, true, 0xFA, 0xFA);
    aux_send(&f, 0xEE);
    EXPECT(&f, true, 0xFA);
    aux_send(&f, 0x42);
    EXPECT(&f, true, 0x42);
    aux_send(&f, 0xE9); /* echoed too */
    EXPECT(&f, true, 0xE9);
    aux_send(&f, 0xEC);
    EXPECT(&f, true, 0xFA);
    aux_send(&f, 0xE9);
    EXPECT(&f, true, 0xFA, 0x44, 0x03, 100);
    aux_send(&f, 0xE1); /* unknown */
    EXPECT(&f, true, 0xFE);
    teardown(&f);
}

static void test_interleave(void)
{
    struct fx f = setup();
    enable_aux(&f);
    aux_send(&f, 0xF4);
    EXPECT(&f, true, 0xFA);
    move(&f, 1, 1, 0, 0);
    tap(&f, KEY_Z);
    /* The mouse byte was loaded first; then the keyboard has priority. */
    g_assert_cmphex(read_byte(&f, true), ==, 0x08);
    g_assert_cmpint(f.t->irq.level[1], ==, 1);
    g_assert_cmphex(read_byte(&f, false), ==, 0x2C);
    g_assert_cmphex(read_byte(&f, false), ==, 0xAC);
    g_assert_cmpint(f.t->irq.level[12], ==, 1);
    g_assert_cmphex(read_byte(&f, true), ==, 0x01);
    g_assert_cmphex(read_byte(&f, true), ==, 0x01);
    g_assert_false(status(&f) & I8042_STR_OBF);
    g_assert_cmpint(f.t->irq.level[1] | f.t->irq.level[12], ==, 0);
    /* Read output port: bit 5 while the buffer holds mouse data. */
    move(&f, 1, 0, 0, 0);
    cmd(&f, 0xD0); /* answers overwrite the buffer */
    g_assert_cmphex(read_byte(&f, false) & 0x30, ==, 0x20);
    teardown(&f);
}

/* ---- reset and A20 ---- */

static void test_reset_and_a20(void)
{
    struct fx f = setup();
    g_assert_cmpint(f.t->irq.level[IRQ_A20], ==, 1); /* on at power-on */
    cmd(&f, 0xD0);
    g_assert_cmphex(read_byte(&f, false) & 0x03, ==, 0x03);
    cmd_data(&f, 0xD1, 0xDD);
    g_assert_cmpint(f.t->irq.level[IRQ_A20], ==, 0);
    cmd(&f, 0xD0);
    g_assert_cmphex(read_byte(&f, false) & 0x03, ==, 0x01);
    cmd_data(&f, 0xD1, 0xDF);
    g_assert_cmpint(f.t->irq.level[IRQ_A20], ==, 1);
    cmd(&f, 0xDD);
    g_assert_cmpint(f.t->irq.level[IRQ_A20], ==, 0);
    cmd(&f, 0xDF);
    g_assert_cmpint(f.t->irq.level[IRQ_A20], ==, 1);
    g_assert_cmpint(f.t->nrequests, ==, 0);

    cmd(&f, 0xFF); /* pulse nothing */
    cmd(&f, 0xFD); /* pulse bit 1 (A20): no lasting effect */
    g_assert_cmpint(f.t->nrequests, ==, 0);
    cmd(&f, 0xFE);
    g_assert_cmpint(f.t->nrequests, ==, 1);
    g_assert_cmpint(f.t->last_request, ==, SYS_RESET);
    g_assert_cmpint(f.t->last_arg, ==, 0);
    cmd_data(&f, 0xD1, 0xDE); /* reset line low */
    g_assert_cmpint(f.t->nrequests, ==, 2);
    g_assert_cmpint(f.t->last_request, ==, SYS_RESET);

    cmd(&f, 0xC0);
    g_assert_cmphex(read_byte(&f, false) & 0xA0, ==, 0xA0);
    cmd(&f, 0xA4);
    EXPECT(&f, false, 0xF1);
    cmd(&f, 0x05); /* unknown: ignored */
    g_assert_false(status(&f) & I8042_STR_OBF);

    /* A warm reset keeps the system flag; a cold one clears it. */
    cmd(&f, 0xAA);
    EXPECT(&f, false, 0x55);
    cmd_data(&f, 0xD1, 0xDD);
    i8042_class.reset(f.s, RESET_WARM);
    i8042_class.settle(f.s);
    g_assert_true(status(&f) & I8042_STR_SYS);
    g_assert_cmpint(f.t->irq.level[IRQ_A20], ==, 1);
    i8042_class.reset(f.s, RESET_COLD);
    i8042_class.settle(f.s);
    g_assert_false(status(&f) & I8042_STR_SYS);
    teardown(&f);
}

/* ---- state ---- */

static void busy_state(struct fx *f)
{
    enable_aux(f);
    aux_send(f, 0xF4);
    EXPECT(f, true, 0xFA);
    cmd(f, 0xAD);
    cmd(f, 0xA7);
    tap(f, KEY_SYSRQ);
    key(f, KEY_LEFTCTRL, true);
    move(f, 700, -20, 0, PS2_MOUSE_LEFT);
    kbd_send(f, 0xED); /* re-enables the port: its ACK is loaded at once */
    cmd(f, 0xAD);      /* the keyboard now waits for its argument */
    cmd_data(f, 0x7F, 0x42);
    cmd(f, 0xD1); /* controller waits for a data byte */
}

static void test_state(void)
{
    struct fx f = setup();
    test_dev_reset_idempotent(&i8042_class, f.s);
    i8042_class.settle(f.s);
    busy_state(&f);

    struct fx g = setup();
    test_dev_roundtrip(&i8042_class, f.s, g.s);
    /* The loaded copy goes on exactly like the original. */
    i8042_class.settle(g.s);
    test_outb(g.t, 0x60, 0xDD); /* the data byte of 0xD1 */
    g_assert_cmpint(g.t->irq.level[IRQ_A20], ==, 0);
    cmd(&g, 0xAE);
    EXPECT(&g, false, 0xFA, 0xE0, 0x2A, 0xE0, 0x37, 0xE0, 0xB7, 0xE0, 0xAA, 0x1D);
    cmd(&g, 0x3F);
    EXPECT(&g, false, 0x42);
    kbd_send(&g, 0x02); /* LED argument */
    EXPECT(&g, false, 0xFA);
    g_assert_cmpuint(ps2_kbd_leds(i8042_kbd(g.s)), ==, 2);
    cmd(&g, 0xA8);
    g_assert_cmphex(read_byte(&g, true), ==, 0x29);
    g_assert_cmphex(read_byte(&g, true), ==, 0xFF);
    g_assert_cmphex(read_byte(&g, true), ==, 0xEC);
    teardown(&g);
    teardown(&f);
}

/* A hand-made stream with one bad property must be rejected. */
static void expect_rejected(void (*put)(struct vm_writer *w), const char *field)
{
    struct fx f = setup();
    struct vm_writer w;
    g_assert_cmpint(vmw_begin(&w), ==, 0);
    vmw_node_begin(&w, "dev");
    put(&w);
    vmw_node_end(&w);
    size_t n;
    void *blob = vmw_finish(&w, &n);
    g_assert_nonnull(blob);
    char err[200];
    g_assert_cmpint(test_dev_load(&i8042_class, f.s, blob, n, err, sizeof(err)), ==, -1);
    if (!strstr(err, field))
        g_error("error '%s' does not name '%s'", err, field);
    g_free(blob);
    /* The device is still the power-on one. */
    cmd(&f, 0x20);
    EXPECT(&f, false, I8042_CTR_KBDINT | I8042_CTR_XLATE);
    teardown(&f);
}

static void put_pending(struct vm_writer *w) { vmw_u8(w, "pending", 0x42); }
static void put_set(struct vm_writer *w) { vmw_u8(w, "kbd-set", 4); }
static void put_set0(struct vm_writer *w) { vmw_u8(w, "kbd-set", 0); }
static void put_kpending(struct vm_writer *w) { vmw_u8(w, "kbd-pending", 0x12); }
static void put_leds(struct vm_writer *w) { vmw_u8(w, "kbd-leds", 8); }
static void put_mods(struct vm_writer *w) { vmw_u8(w, "kbd-mods", 0x40); }
static void put_kqueue(struct vm_writer *w)
{
    uint8_t q[PS2_QUEUE_SIZE + 1] = { 0 };
    vmw_bytes(w, "kbd-data", q, sizeof(q));
}
static void put_s3(struct vm_writer *w)
{
    uint8_t b[31] = { 0 };
    vmw_bytes(w, "kbd-set3-break", b, sizeof(b));
}
static void put_res(struct vm_writer *w) { vmw_u8(w, "mouse-res", 4); }
static void put_id(struct vm_writer *w) { vmw_u8(w, "mouse-id", 4); }
static void put_mpending(struct vm_writer *w) { vmw_u8(w, "mouse-pending", 0xF4); }
static void put_dx(struct vm_writer *w) { vmw_i64(w, "mouse-dx", 1 << 20); }
static void put_dz(struct vm_writer *w) { vmw_i64(w, "mouse-dz", -(1 << 20)); }
static void put_buttons(struct vm_writer *w) { vmw_u8(w, "mouse-buttons", 8); }
static void put_mqueue(struct vm_writer *w)
{
    uint8_t q[PS2_QUEUE_SIZE + 5] = { 0 };
    vmw_bytes(w, "mouse-resp", q, sizeof(q));
}
static void put_obf(struct vm_writer *w) { vmw_u8(w, "obf", 2); }
static void put_ram(struct vm_writer *w)
{
    uint8_t r[33] = { 0 };
    vmw_bytes(w, "ram", r, sizeof(r));
}

static void test_load_rejects(void)
{
    expect_rejected(put_pending, "pending");
    expect_rejected(put_set, "kbd-set");
    expect_rejected(put_set0, "kbd-set");
    expect_rejected(put_kpending, "kbd-pending");
    expect_rejected(put_leds, "kbd-leds");
    expect_rejected(put_mods, "kbd-mods");
    expect_rejected(put_kqueue, "kbd-data");
    expect_rejected(put_s3, "kbd-set3-break");
    expect_rejected(put_res, "mouse-res");
    expect_rejected(put_id, "mouse-id");
    expect_rejected(put_mpending, "mouse-pending");
    expect_rejected(put_dx, "mouse-dx");
    expect_rejected(put_dz, "mouse-dz");
    expect_rejected(put_buttons, "mouse-buttons");
    expect_rejected(put_mqueue, "mouse-resp");
    expect_rejected(put_obf, "obf");
    expect_rejected(put_ram, "ram");
}

/* An empty node (every property missing) keeps the current state. */
static void test_load_defaults(void)
{
    struct fx f = setup();
    cmd_data(&f, 0x60, 0x03);
    struct vm_writer w;
    g_assert_cmpint(vmw_begin(&w), ==, 0);
    vmw_node_begin(&w, "dev");
    vmw_node_end(&w);
    size_t n;
    void *blob = vmw_finish(&w, &n);
    g_assert_cmpint(test_dev_load(&i8042_class, f.s, blob, n, NULL, 0), ==, 0);
    g_free(blob);
    g_assert_cmphex(read_ctr(&f), ==, 0x03);
    teardown(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/i8042/linux-probe", test_linux_probe);
    g_test_add_func("/i8042/seabios-keyboard", test_seabios_keyboard);
    g_test_add_func("/i8042/kbd-identify", test_kbd_identify);
    g_test_add_func("/i8042/kbd-commands", test_kbd_commands);
    g_test_add_func("/i8042/translation", test_translation);
    g_test_add_func("/i8042/set2-raw", test_set2_raw);
    g_test_add_func("/i8042/set1-set3", test_set1_and_set3);
    g_test_add_func("/i8042/overrun", test_overrun);
    g_test_add_func("/i8042/irq1-reread", test_irq1_and_reread);
    g_test_add_func("/i8042/kbd-port-disable", test_kbd_port_disable);
    g_test_add_func("/i8042/mouse-probe", test_mouse_probe);
    g_test_add_func("/i8042/mouse-big-moves", test_mouse_big_moves);
    g_test_add_func("/i8042/mouse-remote-wrap", test_mouse_remote_and_wrap);
    g_test_add_func("/i8042/interleave", test_interleave);
    g_test_add_func("/i8042/reset-a20", test_reset_and_a20);
    g_test_add_func("/i8042/state", test_state);
    g_test_add_func("/i8042/load-rejects", test_load_rejects);
    g_test_add_func("/i8042/load-defaults", test_load_defaults);
    return g_test_run();
}
