/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ps2.c: PS/2 (MF2) keyboard and PS/2 mouse with the IntelliMouse wheel.
 *
 * References: IBM Personal System/2 Hardware Interface Technical Reference,
 * "Keyboard and Auxiliary Device Controller" and "Keyboard" sections (the
 * keyboard commands 0xED-0xFF, the 16-byte buffer, overrun codes); Microsoft
 * "Keyboard Scan Code Specification" rev 1.3a (sets 1 and 2, the PrtSc and
 * Pause sequences); A. Brouwer, "Keyboard scancodes" section 9 (the 8042
 * translation table, set 3 codes and set 3 default key types); the PS/2
 * mouse command set as documented for IBM's PS/2 mouse and Microsoft's
 * IntelliMouse (identify 0x03 after rates 200,100,80; 4-byte packets).
 *
 * Keyboard: scan code sets 1, 2 and 3 for the 104/105-key layout plus the
 * common Japanese and multimedia keys (set 1 is derived from set 2 through
 * the same table the 8042 uses, so the two can never disagree); Ctrl/Shift/
 * Alt variants of PrtSc and Pause; set 3 per-key make/break types (0xF7-
 * 0xFD); echo, identify (AB 83), resend, LEDs, typematic byte.  Not
 * emulated: autorepeat (the UI's repeated key-downs pass straight through),
 * the "fake shift" prefixes around the navigation keys, keyboard timing.
 * Mouse: stream and remote mode, wrap mode, sample rate, resolution,
 * scaling 2:1 (stream mode only, as specified), status request, IntelliMouse
 * detection.  Not emulated: the 5-button IntelliMouse Explorer (ID 4), the
 * sample-rate timer (packets are produced when motion arrives and the host
 * has room for them), resolution scaling of the motion.
 *
 * Guests: SeaBIOS resets the keyboard (FF -> FA AA), disables it, selects
 * set 2 and enables it; Linux's atkbd identifies (F2 -> FA AB 83, which the
 * 8042 translates to AB 41), may try set 3, sets LEDs and typematic;
 * psmouse resets, identifies, and tries the IntelliMouse rate sequence.
 *
 * Threat model: guest bytes drive small state machines; every queue is a
 * fixed 16-byte ring (full -> answers dropped, scan codes replaced by the
 * overrun code as the hardware does), pending motion is clamped to +-16384,
 * and set 3 key codes index a 256-bit map. */
#include <linux/input-event-codes.h>
#include <stdlib.h>
#include <string.h>
#include "hw/input/ps2.h"

/* ---- the 8042 translation table (Brouwer, "Keyboard scancodes" 9.3) ---- */

static const uint8_t xlate_lo[128] = {
    0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
    0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a, 0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
    0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c, 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e, 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
    0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60, 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
    0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e, 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b, 0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
    0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45, 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
};

uint8_t ps2_xlate(uint8_t code)
{
    if (code < 0x80)
        return xlate_lo[code];
    /* F7 (set 2 0x83) and Alt+SysRq (0x84) are the only set 2 codes >= 0x80. */
    if (code == 0x83)
        return 0x41;
    if (code == 0x84)
        return 0x54;
    return code;
}

/* ---- byte queues ---- */

static void q_clear(struct ps2_queue *q)
{
    q->head = q->count = 0;
}

static bool q_push(struct ps2_queue *q, uint8_t b)
{
    if (q->count >= PS2_QUEUE_SIZE)
        return false;
    q->buf[(q->head + q->count) % PS2_QUEUE_SIZE] = b;
    q->count++;
    return true;
}

static uint8_t q_pop(struct ps2_queue *q)
{
    if (!q->count)
        return 0;
    uint8_t b = q->buf[q->head];
    q->head = (q->head + 1) % PS2_QUEUE_SIZE;
    q->count--;
    return b;
}

static uint8_t q_last(const struct ps2_queue *q)
{
    return q->buf[(q->head + q->count - 1) % PS2_QUEUE_SIZE];
}

/* Saved as the bytes in order (head first), so the ring position is not
 * part of the stream. */
static void q_save(const struct ps2_queue *q, struct vm_writer *w, const char *name)
{
    uint8_t tmp[PS2_QUEUE_SIZE];
    for (unsigned i = 0; i < q->count; i++)
        tmp[i] = q->buf[(q->head + i) % PS2_QUEUE_SIZE];
    vmw_bytes(w, name, tmp, q->count);
}

static int q_load(struct ps2_queue *q, struct vm_reader *r, const char *name)
{
    uint8_t tmp[PS2_QUEUE_SIZE];
    size_t len = SIZE_MAX;
    if (vmr_bytes_var(r, name, tmp, sizeof(tmp), &len))
        return -1;
    if (len == SIZE_MAX)
        return 0; /* absent: keep */
    memcpy(q->buf, tmp, len);
    q->head = 0;
    q->count = (uint8_t)len;
    return 0;
}

/* ======================================================================
 * Keyboard
 * ====================================================================== */

#define KBD_ACK 0xFA
#define KBD_RESEND 0xFE
#define KBD_BAT_OK 0xAA
#define KBD_ECHO 0xEE
#define KBD_TYPEMATIC_DEFAULT 0x2B /* 10.9 characters/s after 500 ms */

enum {
    MOD_LCTRL = 1 << 0,
    MOD_RCTRL = 1 << 1,
    MOD_LSHIFT = 1 << 2,
    MOD_RSHIFT = 1 << 3,
    MOD_LALT = 1 << 4,
    MOD_RALT = 1 << 5,
    MOD_ALL = 0x3F,
};

/* set2: the set 2 make code, 0xE0xx for E0-prefixed keys; set3: the set 3
 * code, 0 where the key has none.  Set 1 is ps2_xlate() of set 2. */
struct keycode_map {
    uint16_t set2;
    uint8_t set3;
};

#define E0(c) (0xE000 | (c))

static const struct keycode_map keymap[256] = {
    [KEY_ESC] = { 0x76, 0x08 },
    [KEY_1] = { 0x16, 0x16 },
    [KEY_2] = { 0x1E, 0x1E },
    [KEY_3] = { 0x26, 0x26 },
    [KEY_4] = { 0x25, 0x25 },
    [KEY_5] = { 0x2E, 0x2E },
    [KEY_6] = { 0x36, 0x36 },
    [KEY_7] = { 0x3D, 0x3D },
    [KEY_8] = { 0x3E, 0x3E },
    [KEY_9] = { 0x46, 0x46 },
    [KEY_0] = { 0x45, 0x45 },
    [KEY_MINUS] = { 0x4E, 0x4E },
    [KEY_EQUAL] = { 0x55, 0x55 },
    [KEY_BACKSPACE] = { 0x66, 0x66 },
    [KEY_TAB] = { 0x0D, 0x0D },
    [KEY_Q] = { 0x15, 0x15 },
    [KEY_W] = { 0x1D, 0x1D },
    [KEY_E] = { 0x24, 0x24 },
    [KEY_R] = { 0x2D, 0x2D },
    [KEY_T] = { 0x2C, 0x2C },
    [KEY_Y] = { 0x35, 0x35 },
    [KEY_U] = { 0x3C, 0x3C },
    [KEY_I] = { 0x43, 0x43 },
    [KEY_O] = { 0x44, 0x44 },
    [KEY_P] = { 0x4D, 0x4D },
    [KEY_LEFTBRACE] = { 0x54, 0x54 },
    [KEY_RIGHTBRACE] = { 0x5B, 0x5B },
    [KEY_ENTER] = { 0x5A, 0x5A },
    [KEY_LEFTCTRL] = { 0x14, 0x11 },
    [KEY_A] = { 0x1C, 0x1C },
    [KEY_S] = { 0x1B, 0x1B },
    [KEY_D] = { 0x23, 0x23 },
    [KEY_F] = { 0x2B, 0x2B },
    [KEY_G] = { 0x34, 0x34 },
    [KEY_H] = { 0x33, 0x33 },
    [KEY_J] = { 0x3B, 0x3B },
    [KEY_K] = { 0x42, 0x42 },
    [KEY_L] = { 0x4B, 0x4B },
    [KEY_SEMICOLON] = { 0x4C, 0x4C },
    [KEY_APOSTROPHE] = { 0x52, 0x52 },
    [KEY_GRAVE] = { 0x0E, 0x0E },
    [KEY_LEFTSHIFT] = { 0x12, 0x12 },
    [KEY_BACKSLASH] = { 0x5D, 0x5C },
    [KEY_Z] = { 0x1A, 0x1A },
    [KEY_X] = { 0x22, 0x22 },
    [KEY_C] = { 0x21, 0x21 },
    [KEY_V] = { 0x2A, 0x2A },
    [KEY_B] = { 0x32, 0x32 },
    [KEY_N] = { 0x31, 0x31 },
    [KEY_M] = { 0x3A, 0x3A },
    [KEY_COMMA] = { 0x41, 0x41 },
    [KEY_DOT] = { 0x49, 0x49 },
    [KEY_SLASH] = { 0x4A, 0x4A },
    [KEY_RIGHTSHIFT] = { 0x59, 0x59 },
    [KEY_KPASTERISK] = { 0x7C, 0x7E },
    [KEY_LEFTALT] = { 0x11, 0x19 },
    [KEY_SPACE] = { 0x29, 0x29 },
    [KEY_CAPSLOCK] = { 0x58, 0x14 },
    [KEY_F1] = { 0x05, 0x07 },
    [KEY_F2] = { 0x06, 0x0F },
    [KEY_F3] = { 0x04, 0x17 },
    [KEY_F4] = { 0x0C, 0x1F },
    [KEY_F5] = { 0x03, 0x27 },
    [KEY_F6] = { 0x0B, 0x2F },
    [KEY_F7] = { 0x83, 0x37 },
    [KEY_F8] = { 0x0A, 0x3F },
    [KEY_F9] = { 0x01, 0x47 },
    [KEY_F10] = { 0x09, 0x4F },
    [KEY_NUMLOCK] = { 0x77, 0x76 },
    [KEY_SCROLLLOCK] = { 0x7E, 0x5F },
    [KEY_KP7] = { 0x6C, 0x6C },
    [KEY_KP8] = { 0x75, 0x75 },
    [KEY_KP9] = { 0x7D, 0x7D },
    [KEY_KPMINUS] = { 0x7B, 0x84 },
    [KEY_KP4] = { 0x6B, 0x6B },
    [KEY_KP5] = { 0x73, 0x73 },
    [KEY_KP6] = { 0x74, 0x74 },
    [KEY_KPPLUS] = { 0x79, 0x7C },
    [KEY_KP1] = { 0x69, 0x69 },
    [KEY_KP2] = { 0x72, 0x72 },
    [KEY_KP3] = { 0x7A, 0x7A },
    [KEY_KP0] = { 0x70, 0x70 },
    [KEY_KPDOT] = { 0x71, 0x71 },
    [KEY_102ND] = { 0x61, 0x13 },
    [KEY_F11] = { 0x78, 0x56 },
    [KEY_F12] = { 0x07, 0x5E },
    [KEY_RO] = { 0x51, 0 },
    [KEY_HENKAN] = { 0x64, 0 },
    [KEY_KATAKANAHIRAGANA] = { 0x13, 0 },
    [KEY_MUHENKAN] = { 0x67, 0 },
    [KEY_YEN] = { 0x6A, 0 },
    [KEY_KPENTER] = { E0(0x5A), 0x79 },
    [KEY_RIGHTCTRL] = { E0(0x14), 0x58 },
    [KEY_KPSLASH] = { E0(0x4A), 0x77 },
    [KEY_RIGHTALT] = { E0(0x11), 0x39 },
    [KEY_HOME] = { E0(0x6C), 0x6E },
    [KEY_UP] = { E0(0x75), 0x63 },
    [KEY_PAGEUP] = { E0(0x7D), 0x6F },
    [KEY_LEFT] = { E0(0x6B), 0x61 },
    [KEY_RIGHT] = { E0(0x74), 0x6A },
    [KEY_END] = { E0(0x69), 0x65 },
    [KEY_DOWN] = { E0(0x72), 0x60 },
    [KEY_PAGEDOWN] = { E0(0x7A), 0x6D },
    [KEY_INSERT] = { E0(0x70), 0x67 },
    [KEY_DELETE] = { E0(0x71), 0x64 },
    [KEY_LEFTMETA] = { E0(0x1F), 0x8B },
    [KEY_RIGHTMETA] = { E0(0x27), 0x8C },
    [KEY_COMPOSE] = { E0(0x2F), 0x8D },
    /* ACPI and multimedia keys (Microsoft scan code specification). */
    [KEY_POWER] = { E0(0x37), 0 },
    [KEY_SLEEP] = { E0(0x3F), 0 },
    [KEY_WAKEUP] = { E0(0x5E), 0 },
    [KEY_MUTE] = { E0(0x23), 0 },
    [KEY_VOLUMEDOWN] = { E0(0x21), 0 },
    [KEY_VOLUMEUP] = { E0(0x32), 0 },
    [KEY_NEXTSONG] = { E0(0x4D), 0 },
    [KEY_PREVIOUSSONG] = { E0(0x15), 0 },
    [KEY_STOPCD] = { E0(0x3B), 0 },
    [KEY_PLAYPAUSE] = { E0(0x34), 0 },
    [KEY_MEDIA] = { E0(0x50), 0 },
    [KEY_MAIL] = { E0(0x48), 0 },
    [KEY_CALC] = { E0(0x2B), 0 },
    [KEY_COMPUTER] = { E0(0x40), 0 },
    [KEY_HOMEPAGE] = { E0(0x3A), 0 },
    [KEY_SEARCH] = { E0(0x10), 0 },
    [KEY_BOOKMARKS] = { E0(0x18), 0 },
    [KEY_REFRESH] = { E0(0x20), 0 },
    [KEY_STOP] = { E0(0x28), 0 },
    [KEY_FORWARD] = { E0(0x30), 0 },
    [KEY_BACK] = { E0(0x38), 0 },
};

static uint8_t key_mod(unsigned keycode)
{
    switch (keycode) {
    case KEY_LEFTCTRL: return MOD_LCTRL;
    case KEY_RIGHTCTRL: return MOD_RCTRL;
    case KEY_LEFTSHIFT: return MOD_LSHIFT;
    case KEY_RIGHTSHIFT: return MOD_RSHIFT;
    case KEY_LEFTALT: return MOD_LALT;
    case KEY_RIGHTALT: return MOD_RALT;
    default: return 0;
    }
}

static bool set3_has_break(const struct ps2_kbd *k, uint8_t code)
{
    return k->set3_break[code >> 3] & (1u << (code & 7));
}

static void set3_set_break(struct ps2_kbd *k, uint8_t code, bool on)
{
    if (on)
        k->set3_break[code >> 3] |= (uint8_t)(1u << (code & 7));
    else
        k->set3_break[code >> 3] &= (uint8_t)~(1u << (code & 7));
}

/* Set 3 power-on key types: only the shift-like keys and the keys newer
 * than the 101-key layout send break codes (Brouwer 9.2). */
static void set3_defaults(struct ps2_kbd *k)
{
    static const uint8_t with_break[] = { 0x11, 0x12, 0x14, 0x19, 0x59, 0x8B, 0x8C, 0x8D };
    memset(k->set3_break, 0, sizeof(k->set3_break));
    for (size_t i = 0; i < ARRAY_SIZE(with_break); i++)
        set3_set_break(k, with_break[i], true);
}

/* The conditions 0xF5/0xF6 restore (LEDs keep their state). */
static void kbd_defaults(struct ps2_kbd *k)
{
    k->set = 2;
    k->typematic = KBD_TYPEMATIC_DEFAULT;
    set3_defaults(k);
}

void ps2_kbd_reset(struct ps2_kbd *k)
{
    q_clear(&k->resp);
    q_clear(&k->data);
    kbd_defaults(k);
    k->scanning = true;
    k->leds = 0;
    k->pending = 0;
    k->last = 0;
    /* mods is the host's held keys, not keyboard state: it survives. */
}

static void kbd_reply(struct ps2_kbd *k, uint8_t b)
{
    q_push(&k->resp, b); /* a host that never reads loses answers */
}

static size_t put_code(uint8_t *out, size_t n, uint8_t set, uint16_t code, bool down)
{
    if (code >> 8)
        out[n++] = 0xE0;
    uint8_t c = (uint8_t)code;
    if (set == 1) {
        out[n++] = (uint8_t)(ps2_xlate(c) | (down ? 0 : 0x80));
    } else {
        if (!down)
            out[n++] = 0xF0;
        out[n++] = c;
    }
    return n;
}

/* PrtSc: a plain press is sent as "fake left shift + keypad *" (E0 12 E0 7C
 * in set 2), with Shift or Ctrl held just E0 7C, with Alt as SysRq (84). */
static size_t prtsc_bytes(const struct ps2_kbd *k, bool down, uint8_t *out)
{
    size_t n = 0;
    if (k->mods & (MOD_LALT | MOD_RALT))
        return put_code(out, 0, k->set, 0x84, down);
    if (k->mods & (MOD_LCTRL | MOD_RCTRL | MOD_LSHIFT | MOD_RSHIFT))
        return put_code(out, 0, k->set, E0(0x7C), down);
    if (down) {
        n = put_code(out, n, k->set, E0(0x12), true);
        return put_code(out, n, k->set, E0(0x7C), true);
    }
    n = put_code(out, n, k->set, E0(0x7C), false);
    return put_code(out, n, k->set, E0(0x12), false);
}

/* Pause: make only, "E1 LCtrl NumLock" make then break; with Ctrl held it
 * is Break, E0 7E (set 2) make then break. */
static size_t pause_bytes(const struct ps2_kbd *k, uint8_t *out)
{
    size_t n = 0;
    if (k->mods & (MOD_LCTRL | MOD_RCTRL)) {
        n = put_code(out, n, k->set, E0(0x7E), true);
        return put_code(out, n, k->set, E0(0x7E), false);
    }
    out[n++] = 0xE1;
    n = put_code(out, n, k->set, 0x14, true);
    n = put_code(out, n, k->set, 0x77, true);
    out[n++] = 0xE1;
    n = put_code(out, n, k->set, 0x14, false);
    return put_code(out, n, k->set, 0x77, false);
}

/* The bytes for one key event in the current set, at most 8. */
static size_t key_bytes(const struct ps2_kbd *k, unsigned keycode, bool down, uint8_t *out)
{
    if (k->set == 3) {
        uint8_t c = keycode == KEY_SYSRQ || keycode == KEY_PRINT ? 0x57
                    : keycode == KEY_PAUSE                       ? 0x62
                    : keycode < ARRAY_SIZE(keymap)               ? keymap[keycode].set3
                                                                 : 0;
        if (!c || (!down && !set3_has_break(k, c)))
            return 0;
        return put_code(out, 0, 3, c, down);
    }
    if (keycode == KEY_SYSRQ || keycode == KEY_PRINT)
        return prtsc_bytes(k, down, out);
    if (keycode == KEY_PAUSE)
        return down ? pause_bytes(k, out) : 0;
    if (keycode >= ARRAY_SIZE(keymap) || !keymap[keycode].set2)
        return 0;
    return put_code(out, 0, k->set, keymap[keycode].set2, down);
}

/* A full buffer ends with one overrun code (0xFF in set 1, else 0x00); one
 * slot is kept for it, so a key is either queued whole or not at all. */
static void kbd_queue_scan(struct ps2_kbd *k, const uint8_t *b, size_t n)
{
    uint8_t overrun = k->set == 1 ? 0xFF : 0x00;
    if (k->data.count + n < PS2_QUEUE_SIZE) {
        for (size_t i = 0; i < n; i++)
            q_push(&k->data, b[i]);
    } else if (!k->data.count || q_last(&k->data) != overrun) {
        q_push(&k->data, overrun);
    }
}

static void kbd_notify(struct ps2_kbd *k)
{
    if (k->port.notify && ps2_kbd_has_data(k))
        k->port.notify(k->port.opaque);
}

void ps2_kbd_key(struct ps2_kbd *k, unsigned keycode, bool down)
{
    uint8_t mod = key_mod(keycode);
    if (down)
        k->mods |= mod;
    else
        k->mods &= (uint8_t)~mod;
    if (!k->scanning)
        return;
    uint8_t b[8];
    size_t n = key_bytes(k, keycode, down, b);
    if (!n)
        return;
    kbd_queue_scan(k, b, n);
    kbd_notify(k);
}

uint8_t ps2_kbd_leds(const struct ps2_kbd *k)
{
    return k->leds;
}

unsigned ps2_kbd_room(const struct ps2_kbd *k)
{
    return PS2_QUEUE_SIZE - k->data.count;
}

int ps2_key_number(unsigned keycode)
{
    if (keycode == KEY_SYSRQ || keycode == KEY_PRINT)
        return 0xb7;
    if (keycode == KEY_PAUSE)
        return 0xc6;
    if (keycode >= ARRAY_SIZE(keymap) || !keymap[keycode].set2)
        return -1;
    uint16_t code = keymap[keycode].set2;
    return ps2_xlate((uint8_t)code) | (code >> 8 ? 0x80 : 0);
}

bool ps2_kbd_has_data(const struct ps2_kbd *k)
{
    return k->resp.count || k->data.count;
}

uint8_t ps2_kbd_read(struct ps2_kbd *k)
{
    if (!ps2_kbd_has_data(k))
        return 0;
    uint8_t b = k->resp.count ? q_pop(&k->resp) : q_pop(&k->data);
    if (b != KBD_RESEND)
        k->last = b;
    return b;
}

/* The argument byte of 0xED, 0xF3, 0xF0 or a set 3 key list (0xFB-0xFD). */
static void kbd_argument(struct ps2_kbd *k, uint8_t b)
{
    switch (k->pending) {
    case 0xED:
        k->leds = b & 7;
        break;
    case 0xF3:
        k->typematic = b & 0x7F;
        break;
    case 0xF0:
        if (b > 3) {
            k->pending = 0;
            kbd_reply(k, KBD_RESEND);
            return;
        }
        kbd_reply(k, KBD_ACK);
        if (b)
            k->set = b;
        else
            kbd_reply(k, k->set);
        k->pending = 0;
        return;
    default: /* 0xFB/0xFD typematic or make-only, 0xFC make/break */
        set3_set_break(k, b, k->pending == 0xFC);
        kbd_reply(k, KBD_ACK);
        return; /* the list goes on until the next command */
    }
    k->pending = 0;
    kbd_reply(k, KBD_ACK);
}

static void kbd_command(struct ps2_kbd *k, uint8_t b)
{
    k->pending = 0;
    switch (b) {
    case 0xED: /* set LEDs */
    case 0xF3: /* set typematic rate/delay */
    case 0xFB: /* set 3: keys typematic */
    case 0xFC: /* set 3: keys make/break */
    case 0xFD: /* set 3: keys make only */
        kbd_reply(k, KBD_ACK);
        k->pending = b;
        break;
    case 0xEE:
        kbd_reply(k, KBD_ECHO);
        break;
    case 0xF0: /* select scan code set; clears the buffer */
        q_clear(&k->data);
        kbd_reply(k, KBD_ACK);
        k->pending = b;
        break;
    case 0xF2: /* identify: MF2 keyboard */
        kbd_reply(k, KBD_ACK);
        kbd_reply(k, 0xAB);
        kbd_reply(k, 0x83);
        break;
    case 0xF4:
        q_clear(&k->data);
        kbd_reply(k, KBD_ACK);
        k->scanning = true;
        break;
    case 0xF5: /* default disable */
    case 0xF6: /* set default */
        q_clear(&k->data);
        kbd_defaults(k);
        kbd_reply(k, KBD_ACK);
        k->scanning = b == 0xF6;
        break;
    case 0xF7: /* set 3: all keys typematic (no break codes) */
    case 0xF8: /* all keys make/break */
    case 0xF9: /* all keys make only */
    case 0xFA: /* all keys typematic/make/break */
        memset(k->set3_break, b == 0xF8 || b == 0xFA ? 0xFF : 0x00, sizeof(k->set3_break));
        kbd_reply(k, KBD_ACK);
        break;
    case 0xFE:
        kbd_reply(k, k->last);
        break;
    case 0xFF: /* reset and self-test */
        ps2_kbd_reset(k);
        kbd_reply(k, KBD_ACK);
        kbd_reply(k, KBD_BAT_OK);
        break;
    default:
        log_guest_error(k->env->log, "ps2-kbd", "unknown command 0x%02x", b);
        kbd_reply(k, KBD_RESEND);
        break;
    }
}

void ps2_kbd_write(struct ps2_kbd *k, uint8_t b)
{
    /* A command byte ends an argument wait or a set 3 key list; no valid
     * argument is >= 0xED. */
    if (k->pending && b < 0xED)
        kbd_argument(k, b);
    else
        kbd_command(k, b);
    kbd_notify(k);
}

void ps2_kbd_save(const struct ps2_kbd *k, struct vm_writer *w)
{
    q_save(&k->resp, w, "kbd-resp");
    q_save(&k->data, w, "kbd-data");
    vmw_u8(w, "kbd-set", k->set);
    vmw_bool(w, "kbd-scanning", k->scanning);
    vmw_u8(w, "kbd-leds", k->leds);
    vmw_u8(w, "kbd-typematic", k->typematic);
    vmw_u8(w, "kbd-pending", k->pending);
    vmw_u8(w, "kbd-last", k->last);
    vmw_u8(w, "kbd-mods", k->mods);
    vmw_bytes(w, "kbd-set3-break", k->set3_break, sizeof(k->set3_break));
}

static bool kbd_pending_valid(uint8_t p)
{
    return p == 0 || p == 0xED || p == 0xF3 || p == 0xF0 || (p >= 0xFB && p <= 0xFD);
}

int ps2_kbd_load(struct ps2_kbd *k, struct vm_reader *r)
{
    struct ps2_kbd t = *k;
    q_load(&t.resp, r, "kbd-resp");
    q_load(&t.data, r, "kbd-data");
    vmr_u8_max(r, "kbd-set", &t.set, 3);
    vmr_bool(r, "kbd-scanning", &t.scanning);
    vmr_u8_max(r, "kbd-leds", &t.leds, 7);
    vmr_u8_max(r, "kbd-typematic", &t.typematic, 0x7F);
    vmr_u8(r, "kbd-pending", &t.pending);
    vmr_u8(r, "kbd-last", &t.last);
    vmr_u8_max(r, "kbd-mods", &t.mods, MOD_ALL);
    vmr_bytes(r, "kbd-set3-break", t.set3_break, sizeof(t.set3_break));
    if (t.set < 1)
        vmr_fail(r, "kbd-set", "scan code set %u", t.set);
    if (!kbd_pending_valid(t.pending))
        vmr_fail(r, "kbd-pending", "0x%02x is not a command with arguments", t.pending);
    if (vmr_failed(r))
        return -1;
    *k = t;
    return 0;
}

struct ps2_kbd *ps2_kbd_new(const struct dev_env *env, const struct ps2_port *port)
{
    struct ps2_kbd *k = calloc(1, sizeof(*k));
    if (!k)
        abort();
    k->env = env;
    if (port)
        k->port = *port;
    ps2_kbd_reset(k);
    return k;
}

void ps2_kbd_free(struct ps2_kbd *k)
{
    free(k);
}

/* ======================================================================
 * Mouse
 * ====================================================================== */

#define MOUSE_ACK 0xFA
#define MOUSE_RESEND 0xFE
#define MOUSE_ACC_MAX 16384

static void mouse_reset_counters(struct ps2_mouse *m)
{
    m->dx = m->dy = m->dz = 0;
    m->ovx = m->ovy = false;
}

static void mouse_defaults(struct ps2_mouse *m)
{
    m->rate = 100;
    m->res = 2; /* 4 counts/mm */
    m->scale21 = false;
    m->remote = false;
    m->reporting = false;
    mouse_reset_counters(m);
}

void ps2_mouse_reset(struct ps2_mouse *m)
{
    q_clear(&m->resp);
    q_clear(&m->data);
    mouse_defaults(m);
    m->wrap = false;
    m->id = 0;
    m->pending = 0;
    m->last = 0;
    m->rate_hist[0] = m->rate_hist[1] = 0;
    m->sent_buttons = m->buttons;
}

static void mouse_reply(struct ps2_mouse *m, uint8_t b)
{
    q_push(&m->resp, b);
}

static int32_t clamp32(int64_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

/* Scaling 2:1 as specified: 1->1 2->1 3->3 4->6 5->9, else doubled. */
static int32_t scale21(int32_t v)
{
    static const int8_t t[6] = { 0, 1, 1, 3, 6, 9 };
    int32_t a = v < 0 ? -v : v;
    int32_t s = a < 6 ? t[a] : 2 * a;
    return v < 0 ? -s : s;
}

/* Take one packet's worth of motion from the counters.  With drain (remote
 * mode reads) the counters are emptied and what did not fit is overflow. */
static size_t mouse_packet(struct ps2_mouse *m, bool drain, uint8_t *out)
{
    /* A packet carries 9-bit counts; with 2:1 scaling take half as much so
     * the doubled value still fits. */
    bool scale = m->scale21 && !m->remote;
    int32_t lo = scale ? -128 : -256, hi = scale ? 127 : 255;
    int32_t x = clamp32(m->dx, lo, hi), y = clamp32(m->dy, lo, hi);
    m->dx -= x;
    m->dy -= y;
    bool ovx = m->ovx || (drain && m->dx), ovy = m->ovy || (drain && m->dy);
    if (scale) {
        x = scale21(x);
        y = scale21(y);
    }
    int32_t z = 0;
    if (m->id == 3) {
        z = clamp32(m->dz, -8, 7);
        m->dz -= z;
    } else {
        m->dz = 0;
    }
    if (drain)
        mouse_reset_counters(m);
    m->ovx = m->ovy = false;
    out[0] = (uint8_t)(0x08 | (m->buttons & 7) | (x < 0 ? 0x10 : 0) | (y < 0 ? 0x20 : 0) |
                       (ovx ? 0x40 : 0) | (ovy ? 0x80 : 0));
    out[1] = (uint8_t)x;
    out[2] = (uint8_t)y;
    out[3] = (uint8_t)z;
    m->sent_buttons = m->buttons;
    return m->id == 3 ? 4 : 3;
}

static bool mouse_streaming(const struct ps2_mouse *m)
{
    return m->reporting && !m->remote && !m->wrap;
}

/* Stream mode: turn pending motion into packets while the buffer has room
 * for a whole one. */
static void mouse_fill(struct ps2_mouse *m)
{
    size_t plen = m->id == 3 ? 4 : 3;
    while (mouse_streaming(m) && m->data.count + plen <= PS2_QUEUE_SIZE &&
           (m->dx || m->dy || m->dz || m->ovx || m->ovy || m->buttons != m->sent_buttons)) {
        uint8_t p[4];
        size_t n = mouse_packet(m, false, p);
        for (size_t i = 0; i < n; i++)
            q_push(&m->data, p[i]);
    }
}

static void mouse_notify(struct ps2_mouse *m)
{
    if (m->port.notify && ps2_mouse_has_data(m))
        m->port.notify(m->port.opaque);
}

static void mouse_accumulate(int32_t *acc, bool *ov, int d)
{
    int64_t v = (int64_t)*acc + d;
    *acc = clamp32(v, -MOUSE_ACC_MAX, MOUSE_ACC_MAX);
    if (*acc != v)
        *ov = true;
}

void ps2_mouse_move(struct ps2_mouse *m, int dx, int dy, int dz, unsigned buttons)
{
    m->buttons = buttons & 7;
    /* A disabled stream-mode mouse does not count; remote mode always does. */
    if (m->remote || mouse_streaming(m)) {
        mouse_accumulate(&m->dx, &m->ovx, dx);
        mouse_accumulate(&m->dy, &m->ovy, dy);
        bool ovz = false;
        if (m->id == 3) /* a plain PS/2 mouse has no wheel */
            mouse_accumulate(&m->dz, &ovz, dz);
    }
    mouse_fill(m);
    mouse_notify(m);
}

bool ps2_mouse_has_data(const struct ps2_mouse *m)
{
    return m->resp.count || m->data.count;
}

uint8_t ps2_mouse_read(struct ps2_mouse *m)
{
    if (!ps2_mouse_has_data(m))
        return 0;
    uint8_t b = m->resp.count ? q_pop(&m->resp) : q_pop(&m->data);
    if (b != MOUSE_RESEND)
        m->last = b;
    mouse_fill(m); /* room for the motion still pending; no notify here */
    return b;
}

static void mouse_set_rate(struct ps2_mouse *m, uint8_t rate)
{
    /* IntelliMouse: the sample rates 200, 100, 80 in a row switch on the
     * wheel and ID 3. */
    if (m->rate_hist[0] == 200 && m->rate_hist[1] == 100 && rate == 80)
        m->id = 3;
    m->rate_hist[0] = m->rate_hist[1];
    m->rate_hist[1] = rate;
    m->rate = rate;
}

static void mouse_argument(struct ps2_mouse *m, uint8_t b)
{
    if (m->pending == 0xF3)
        mouse_set_rate(m, b);
    else
        m->res = b & 3;
    m->pending = 0;
    mouse_reset_counters(m);
    mouse_reply(m, MOUSE_ACK);
}

static void mouse_status(struct ps2_mouse *m)
{
    uint8_t s = (m->remote ? 0x40 : 0) | (m->reporting ? 0x20 : 0) | (m->scale21 ? 0x10 : 0) |
                (m->buttons & PS2_MOUSE_LEFT ? 0x04 : 0) |
                (m->buttons & PS2_MOUSE_MIDDLE ? 0x02 : 0) |
                (m->buttons & PS2_MOUSE_RIGHT ? 0x01 : 0);
    mouse_reply(m, MOUSE_ACK);
    mouse_reply(m, s);
    mouse_reply(m, m->res);
    mouse_reply(m, m->rate);
}

static void mouse_command(struct ps2_mouse *m, uint8_t b)
{
    m->pending = 0;
    if (b != 0xF3)
        m->rate_hist[0] = m->rate_hist[1] = 0;
    switch (b) {
    case 0xE6: case 0xE7:
        m->scale21 = b == 0xE7;
        mouse_reply(m, MOUSE_ACK);
        break;
    case 0xE8: case 0xF3: /* resolution / sample rate: argument follows */
        mouse_reply(m, MOUSE_ACK);
        m->pending = b;
        break;
    case 0xE9:
        mouse_status(m);
        break;
    case 0xEA: case 0xF0: /* stream / remote mode */
        m->remote = b == 0xF0;
        mouse_reset_counters(m);
        mouse_reply(m, MOUSE_ACK);
        break;
    case 0xEB: { /* read data */
        uint8_t p[4];
        size_t n = mouse_packet(m, true, p);
        mouse_reply(m, MOUSE_ACK);
        for (size_t i = 0; i < n; i++)
            mouse_reply(m, p[i]);
        break;
    }
    case 0xEC: case 0xEE: /* reset / set wrap mode */
        m->wrap = b == 0xEE;
        mouse_reply(m, MOUSE_ACK);
        break;
    case 0xF2:
        mouse_reply(m, MOUSE_ACK);
        mouse_reply(m, m->id);
        break;
    case 0xF4: case 0xF5:
        m->reporting = b == 0xF4;
        mouse_reset_counters(m);
        mouse_reply(m, MOUSE_ACK);
        break;
    case 0xF6:
        mouse_defaults(m);
        mouse_reply(m, MOUSE_ACK);
        break;
    case 0xFE:
        mouse_reply(m, m->last);
        break;
    case 0xFF:
        ps2_mouse_reset(m);
        mouse_reply(m, MOUSE_ACK);
        mouse_reply(m, 0xAA);
        mouse_reply(m, 0x00);
        break;
    default:
        log_guest_error(m->env->log, "ps2-mouse", "unknown command 0x%02x", b);
        mouse_reply(m, MOUSE_RESEND);
        break;
    }
}

void ps2_mouse_write(struct ps2_mouse *m, uint8_t b)
{
    /* The mouse abandons unsent motion packets when the host talks to it,
     * so the answer is not preceded by stale data. */
    q_clear(&m->data);
    if (m->wrap && b != 0xEC && b != 0xFF)
        mouse_reply(m, b); /* wrap mode echoes everything else */
    else if (m->pending && b < 0xE6) /* no valid argument is a command code */
        mouse_argument(m, b);
    else
        mouse_command(m, b);
    mouse_fill(m);
    mouse_notify(m);
}

void ps2_mouse_save(const struct ps2_mouse *m, struct vm_writer *w)
{
    q_save(&m->resp, w, "mouse-resp");
    q_save(&m->data, w, "mouse-data");
    vmw_bool(w, "mouse-remote", m->remote);
    vmw_bool(w, "mouse-wrap", m->wrap);
    vmw_bool(w, "mouse-reporting", m->reporting);
    vmw_bool(w, "mouse-scale21", m->scale21);
    vmw_u8(w, "mouse-rate", m->rate);
    vmw_u8(w, "mouse-res", m->res);
    vmw_u8(w, "mouse-id", m->id);
    vmw_u8(w, "mouse-pending", m->pending);
    vmw_u8(w, "mouse-last", m->last);
    vmw_bytes(w, "mouse-rate-hist", m->rate_hist, sizeof(m->rate_hist));
    vmw_u8(w, "mouse-buttons", m->buttons);
    vmw_u8(w, "mouse-sent-buttons", m->sent_buttons);
    vmw_i64(w, "mouse-dx", m->dx);
    vmw_i64(w, "mouse-dy", m->dy);
    vmw_i64(w, "mouse-dz", m->dz);
    vmw_bool(w, "mouse-ovx", m->ovx);
    vmw_bool(w, "mouse-ovy", m->ovy);
}

static void load_counter(struct vm_reader *r, const char *name, int32_t *v)
{
    int64_t x = *v;
    vmr_i64(r, name, &x);
    if (x < -MOUSE_ACC_MAX || x > MOUSE_ACC_MAX)
        vmr_fail(r, name, "%lld counts pending", (long long)x);
    else
        *v = (int32_t)x;
}

int ps2_mouse_load(struct ps2_mouse *m, struct vm_reader *r)
{
    struct ps2_mouse t = *m;
    q_load(&t.resp, r, "mouse-resp");
    q_load(&t.data, r, "mouse-data");
    vmr_bool(r, "mouse-remote", &t.remote);
    vmr_bool(r, "mouse-wrap", &t.wrap);
    vmr_bool(r, "mouse-reporting", &t.reporting);
    vmr_bool(r, "mouse-scale21", &t.scale21);
    vmr_u8(r, "mouse-rate", &t.rate);
    vmr_u8_max(r, "mouse-res", &t.res, 3);
    vmr_u8(r, "mouse-id", &t.id);
    vmr_u8(r, "mouse-pending", &t.pending);
    vmr_u8(r, "mouse-last", &t.last);
    vmr_bytes(r, "mouse-rate-hist", t.rate_hist, sizeof(t.rate_hist));
    vmr_u8_max(r, "mouse-buttons", &t.buttons, 7);
    vmr_u8_max(r, "mouse-sent-buttons", &t.sent_buttons, 7);
    load_counter(r, "mouse-dx", &t.dx);
    load_counter(r, "mouse-dy", &t.dy);
    load_counter(r, "mouse-dz", &t.dz);
    vmr_bool(r, "mouse-ovx", &t.ovx);
    vmr_bool(r, "mouse-ovy", &t.ovy);
    if (t.id != 0 && t.id != 3)
        vmr_fail(r, "mouse-id", "device ID %u", t.id);
    if (t.pending != 0 && t.pending != 0xE8 && t.pending != 0xF3)
        vmr_fail(r, "mouse-pending", "0x%02x is not a command with arguments", t.pending);
    if (vmr_failed(r))
        return -1;
    *m = t;
    return 0;
}

struct ps2_mouse *ps2_mouse_new(const struct dev_env *env, const struct ps2_port *port)
{
    struct ps2_mouse *m = calloc(1, sizeof(*m));
    if (!m)
        abort();
    m->env = env;
    if (port)
        m->port = *port;
    ps2_mouse_reset(m);
    return m;
}

void ps2_mouse_free(struct ps2_mouse *m)
{
    free(m);
}
