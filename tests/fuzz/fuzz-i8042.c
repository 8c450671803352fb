/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-i8042: the keyboard controller and its PS/2 keyboard and mouse; the
 * "outside" input is key events and mouse motion from the UI side. */
#include "hw/input/i8042.h"
#include "tests/fuzz/harness.h"

static void *create(struct test_env *t)
{
    struct i8042 *s = i8042_new(&t->env);
    as_add(&t->io, &s->region_data, 0x60, 0);
    as_add(&t->io, &s->region_cmd, 0x64, 0);
    as_commit(&t->io);
    test_irq_connect(t, &s->irq_kbd, 1);
    test_irq_connect(t, &s->irq_aux, 12);
    test_irq_connect(t, &s->a20, 20);
    i8042_class.reset(s, RESET_COLD);
    i8042_class.settle(s);
    return s;
}

/* Groups of 4 bytes: a key event (low bit of the first byte clear: keycode
 * from the next two bytes, any value, so unknown codes are covered) or a
 * mouse move (signed deltas, scaled up now and then to hit the bounds). */
static void input(void *dev, const uint8_t *buf, size_t len)
{
    struct i8042 *s = dev;
    for (size_t i = 0; i + 4 <= len; i += 4) {
        const uint8_t *b = buf + i;
        if (!(b[0] & 1)) {
            ps2_kbd_key(i8042_kbd(s), (unsigned)(b[1] | b[2] << 8), b[0] & 2);
        } else {
            int scale = b[0] & 0x80 ? 1 << 20 : 1;
            ps2_mouse_move(i8042_mouse(s), (int8_t)b[1] * scale, (int8_t)b[2] * scale,
                           (int8_t)b[3], (unsigned)b[0] >> 1);
        }
    }
}

static const struct fuzz_target target = {
    .cls = &i8042_class,
    .regions = { { false, 0x60, 1 }, { false, 0x64, 1 } },
    .nregions = 2,
    .create = create,
    .input = input,
};

FUZZ_TARGET(target)
