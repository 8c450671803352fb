/* SPDX-License-Identifier: GPL-2.0-or-later */
/* keymap.c: QEMU key names and numbers -> Linux key codes, and the key
 * sequencer (see keymap.h).
 *
 * The names are QEMU's QKeyCode enumeration as its QMP reference lists it
 * (QEMU 7.2, type QKeyCode); each maps to the Linux input event code
 * (linux/input-event-codes.h) of the same key.  Keys a PC keyboard does not
 * have (f13-f24, the Sun keys "stop", "again"...) are accepted and then
 * ignored by the keyboard, as QEMU's PS/2 keyboard ignores them.  "menu" is
 * the PC keyboard's Application key (set 2 E0 2F), which Linux calls
 * KEY_COMPOSE. */
#include <linux/input-event-codes.h>
#include <string.h>
#include "hw/input/keymap.h"

struct qcode {
    const char *name;
    uint16_t key;
};

static const struct qcode qcodes[] = {
    { "unmapped", 0 },
    { "shift", KEY_LEFTSHIFT },
    { "shift_r", KEY_RIGHTSHIFT },
    { "alt", KEY_LEFTALT },
    { "alt_r", KEY_RIGHTALT },
    { "ctrl", KEY_LEFTCTRL },
    { "ctrl_r", KEY_RIGHTCTRL },
    { "menu", KEY_COMPOSE },
    { "esc", KEY_ESC },
    { "1", KEY_1 },
    { "2", KEY_2 },
    { "3", KEY_3 },
    { "4", KEY_4 },
    { "5", KEY_5 },
    { "6", KEY_6 },
    { "7", KEY_7 },
    { "8", KEY_8 },
    { "9", KEY_9 },
    { "0", KEY_0 },
    { "minus", KEY_MINUS },
    { "equal", KEY_EQUAL },
    { "backspace", KEY_BACKSPACE },
    { "tab", KEY_TAB },
    { "q", KEY_Q },
    { "w", KEY_W },
    { "e", KEY_E },
    { "r", KEY_R },
    { "t", KEY_T },
    { "y", KEY_Y },
    { "u", KEY_U },
    { "i", KEY_I },
    { "o", KEY_O },
    { "p", KEY_P },
    { "bracket_left", KEY_LEFTBRACE },
    { "bracket_right", KEY_RIGHTBRACE },
    { "ret", KEY_ENTER },
    { "a", KEY_A },
    { "s", KEY_S },
    { "d", KEY_D },
    { "f", KEY_F },
    { "g", KEY_G },
    { "h", KEY_H },
    { "j", KEY_J },
    { "k", KEY_K },
    { "l", KEY_L },
    { "semicolon", KEY_SEMICOLON },
    { "apostrophe", KEY_APOSTROPHE },
    { "grave_accent", KEY_GRAVE },
    { "backslash", KEY_BACKSLASH },
    { "z", KEY_Z },
    { "x", KEY_X },
    { "c", KEY_C },
    { "v", KEY_V },
    { "b", KEY_B },
    { "n", KEY_N },
    { "m", KEY_M },
    { "comma", KEY_COMMA },
    { "dot", KEY_DOT },
    { "slash", KEY_SLASH },
    { "asterisk", KEY_KPASTERISK },
    { "spc", KEY_SPACE },
    { "caps_lock", KEY_CAPSLOCK },
    { "f1", KEY_F1 },
    { "f2", KEY_F2 },
    { "f3", KEY_F3 },
    { "f4", KEY_F4 },
    { "f5", KEY_F5 },
    { "f6", KEY_F6 },
    { "f7", KEY_F7 },
    { "f8", KEY_F8 },
    { "f9", KEY_F9 },
    { "f10", KEY_F10 },
    { "num_lock", KEY_NUMLOCK },
    { "scroll_lock", KEY_SCROLLLOCK },
    { "kp_divide", KEY_KPSLASH },
    { "kp_multiply", KEY_KPASTERISK },
    { "kp_subtract", KEY_KPMINUS },
    { "kp_add", KEY_KPPLUS },
    { "kp_enter", KEY_KPENTER },
    { "kp_decimal", KEY_KPDOT },
    { "sysrq", KEY_SYSRQ },
    { "kp_0", KEY_KP0 },
    { "kp_1", KEY_KP1 },
    { "kp_2", KEY_KP2 },
    { "kp_3", KEY_KP3 },
    { "kp_4", KEY_KP4 },
    { "kp_5", KEY_KP5 },
    { "kp_6", KEY_KP6 },
    { "kp_7", KEY_KP7 },
    { "kp_8", KEY_KP8 },
    { "kp_9", KEY_KP9 },
    { "less", KEY_102ND },
    { "f11", KEY_F11 },
    { "f12", KEY_F12 },
    { "print", KEY_SYSRQ },
    { "home", KEY_HOME },
    { "pgup", KEY_PAGEUP },
    { "pgdn", KEY_PAGEDOWN },
    { "end", KEY_END },
    { "left", KEY_LEFT },
    { "up", KEY_UP },
    { "down", KEY_DOWN },
    { "right", KEY_RIGHT },
    { "insert", KEY_INSERT },
    { "delete", KEY_DELETE },
    { "stop", KEY_STOP },
    { "again", KEY_AGAIN },
    { "props", KEY_PROPS },
    { "undo", KEY_UNDO },
    { "front", KEY_FRONT },
    { "copy", KEY_COPY },
    { "open", KEY_OPEN },
    { "paste", KEY_PASTE },
    { "find", KEY_FIND },
    { "cut", KEY_CUT },
    { "lf", KEY_LINEFEED },
    { "help", KEY_HELP },
    { "meta_l", KEY_LEFTMETA },
    { "meta_r", KEY_RIGHTMETA },
    { "compose", KEY_COMPOSE },
    { "pause", KEY_PAUSE },
    { "ro", KEY_RO },
    { "hiragana", KEY_HIRAGANA },
    { "henkan", KEY_HENKAN },
    { "yen", KEY_YEN },
    { "muhenkan", KEY_MUHENKAN },
    { "katakanahiragana", KEY_KATAKANAHIRAGANA },
    { "kp_comma", KEY_KPCOMMA },
    { "kp_equals", KEY_KPEQUAL },
    { "power", KEY_POWER },
    { "sleep", KEY_SLEEP },
    { "wake", KEY_WAKEUP },
    { "audionext", KEY_NEXTSONG },
    { "audioprev", KEY_PREVIOUSSONG },
    { "audiostop", KEY_STOPCD },
    { "audioplay", KEY_PLAYPAUSE },
    { "audiomute", KEY_MUTE },
    { "volumeup", KEY_VOLUMEUP },
    { "volumedown", KEY_VOLUMEDOWN },
    { "mediaselect", KEY_MEDIA },
    { "mail", KEY_MAIL },
    { "calculator", KEY_CALC },
    { "computer", KEY_COMPUTER },
    { "ac_home", KEY_HOMEPAGE },
    { "ac_back", KEY_BACK },
    { "ac_forward", KEY_FORWARD },
    { "ac_refresh", KEY_REFRESH },
    { "ac_bookmarks", KEY_BOOKMARKS },
    { "lang1", KEY_HANGEUL },
    { "lang2", KEY_HANJA },
    { "f13", KEY_F13 },
    { "f14", KEY_F14 },
    { "f15", KEY_F15 },
    { "f16", KEY_F16 },
    { "f17", KEY_F17 },
    { "f18", KEY_F18 },
    { "f19", KEY_F19 },
    { "f20", KEY_F20 },
    { "f21", KEY_F21 },
    { "f22", KEY_F22 },
    { "f23", KEY_F23 },
    { "f24", KEY_F24 },
};

#define NQCODES (sizeof(qcodes) / sizeof(qcodes[0]))

const char *keymap_qcode_name(size_t i)
{
    return i < NQCODES ? qcodes[i].name : NULL;
}

int keymap_qcode_to_key(const char *qcode)
{
    for (size_t i = 0; i < NQCODES; i++)
        if (!strcmp(qcodes[i].name, qcode))
            return qcodes[i].key;
    return -1;
}

int keymap_number_to_key(int64_t number)
{
    if (number <= 0 || number > 0xff)
        return -1;
    for (unsigned key = 1; key < 256; key++)
        if (ps2_key_number(key) == number)
            return (int)key;
    return -1;
}

/* ---- the sequencer ---- */

static struct key_event *q_at(struct key_sender *ks, unsigned i)
{
    return &ks->q[(ks->head + i) % KEYQ_MAX];
}

/* Deliver every due event the keyboard has room for; come back at the next
 * deadline, or soon if the keyboard's buffer is full. */
static void key_sender_run(void *opaque)
{
    struct key_sender *ks = opaque;
    int64_t now = vclock_now(ks->clock);
    while (ks->count) {
        struct key_event *e = q_at(ks, 0);
        if (e->deadline > now) {
            vtimer_mod(&ks->timer, e->deadline);
            return;
        }
        if (ps2_kbd_room(ks->kbd) < 8) {
            vtimer_mod(&ks->timer, now + KEYQ_RETRY_NS);
            return;
        }
        ps2_kbd_key(ks->kbd, e->key, e->down);
        ks->head = (ks->head + 1) % KEYQ_MAX;
        ks->count--;
    }
}

void key_sender_init(struct key_sender *ks, struct vclock *clock, struct ps2_kbd *kbd)
{
    memset(ks, 0, sizeof(*ks));
    ks->clock = clock;
    ks->kbd = kbd;
    vtimer_init(&ks->timer, clock, key_sender_run, ks);
}

void key_sender_destroy(struct key_sender *ks)
{
    vtimer_del(&ks->timer);
    ks->count = 0;
}

static void push(struct key_sender *ks, int64_t deadline, unsigned key, bool down)
{
    *q_at(ks, ks->count) = (struct key_event){ deadline, (uint16_t)key, down };
    ks->count++;
}

int key_sender_send(struct key_sender *ks, const unsigned *keys, unsigned n, int64_t hold_ns)
{
    if (n > (KEYQ_MAX - ks->count) / 2)
        return -1;
    int64_t t = vclock_now(ks->clock);
    /* After what is queued: a chord never overtakes the previous one. */
    if (ks->count && q_at(ks, ks->count - 1)->deadline > t)
        t = q_at(ks, ks->count - 1)->deadline;
    for (unsigned i = 0; i < n; i++)
        push(ks, t, keys[i], true);
    if (hold_ns < 0)
        hold_ns = 0;
    for (unsigned i = n; i-- > 0;)
        push(ks, t + hold_ns, keys[i], false);
    key_sender_run(ks);
    return 0;
}

unsigned key_sender_pending(const struct key_sender *ks)
{
    return ks->count;
}
