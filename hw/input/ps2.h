/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ps2.h: the PS/2 keyboard and mouse, the devices at the far end of the
 * i8042's two serial ports.
 *
 * A controller (hw/input/i8042.c) talks to a device byte by byte: it writes
 * command bytes with ps2_*_write() and pulls the device's answers and input
 * data with ps2_*_read() while ps2_*_has_data() says there is something.  A
 * device calls port->notify when it has new bytes (a key, a mouse move, a
 * command answer); ps2_*_read() never calls notify, so a controller may pull
 * inside its notify handler.  Every function runs under the machine lock.
 *
 * Input comes from the UI layer (and tests): ps2_kbd_key() with Linux input
 * event codes (KEY_* from linux/input-event-codes.h), ps2_mouse_move() with
 * relative motion. */
#ifndef HW_INPUT_PS2_H
#define HW_INPUT_PS2_H

#include "core/device.h"

/* Bytes a device buffers in each direction of its internal queues. */
#define PS2_QUEUE_SIZE 16

/* Mouse buttons, in the bit order of the PS/2 movement packet. */
#define PS2_MOUSE_LEFT 0x01
#define PS2_MOUSE_RIGHT 0x02
#define PS2_MOUSE_MIDDLE 0x04

/* Keyboard LED bits, as the host sets them with command 0xED. */
#define PS2_LED_SCROLL 0x01
#define PS2_LED_NUM 0x02
#define PS2_LED_CAPS 0x04

struct ps2_port {
    void (*notify)(void *opaque); /* the device has bytes for the host */
    void *opaque;
};

struct ps2_queue {
    uint8_t buf[PS2_QUEUE_SIZE];
    uint8_t head, count;
};

struct ps2_kbd {
    const struct dev_env *env;
    struct ps2_port port;
    struct ps2_queue resp; /* answers to commands: sent first */
    struct ps2_queue data; /* scan codes (the keyboard's 16-byte buffer) */
    uint8_t set;           /* scan code set 1, 2 or 3 */
    bool scanning;
    uint8_t leds;          /* PS2_LED_* */
    uint8_t typematic;     /* rate/delay byte of 0xF3 */
    uint8_t pending;       /* command waiting for its argument, 0 if none */
    uint8_t last;          /* last byte sent, for 0xFE Resend */
    uint8_t mods;          /* held Ctrl/Shift/Alt: PrtSc and Pause differ */
    uint8_t set3_break[32]; /* set 3: bit per key code, 1 = send break */
};

struct ps2_mouse {
    const struct dev_env *env;
    struct ps2_port port;
    struct ps2_queue resp, data;
    bool remote, wrap, reporting, scale21;
    uint8_t rate, res, id;
    uint8_t pending;      /* 0xE8 or 0xF3 waiting for its argument */
    uint8_t last;         /* last byte sent, for 0xFE Resend */
    uint8_t rate_hist[2]; /* the two previous sample rates (IntelliMouse) */
    uint8_t buttons, sent_buttons;
    int32_t dx, dy, dz;   /* movement not yet reported */
    bool ovx, ovy;        /* movement was lost: overflow bits */
};

/* The i8042's set 2 -> set 1 translation of one byte (bytes >= 0x80 other
 * than 0x83 and 0x84 pass unchanged; 0xF0 is handled by the controller). */
uint8_t ps2_xlate(uint8_t code);

struct ps2_kbd *ps2_kbd_new(const struct dev_env *env, const struct ps2_port *port);
void ps2_kbd_free(struct ps2_kbd *k);
/* Power-on state; no bytes queued, no notify. */
void ps2_kbd_reset(struct ps2_kbd *k);
/* Properties prefixed "kbd-"; load is all-or-nothing. */
void ps2_kbd_save(const struct ps2_kbd *k, struct vm_writer *w);
int ps2_kbd_load(struct ps2_kbd *k, struct vm_reader *r);
bool ps2_kbd_has_data(const struct ps2_kbd *k);
uint8_t ps2_kbd_read(struct ps2_kbd *k); /* 0 if nothing is queued */
void ps2_kbd_write(struct ps2_kbd *k, uint8_t byte);
/* A key went down (repeats are further downs) or up.  keycode is a Linux
 * KEY_* code; keys the keyboard has no code for are ignored. */
void ps2_kbd_key(struct ps2_kbd *k, unsigned keycode, bool down);
uint8_t ps2_kbd_leds(const struct ps2_kbd *k);
/* Free bytes in the scan code buffer (a key event takes at most 8). */
unsigned ps2_kbd_room(const struct ps2_kbd *k);
/* The key's number as QEMU's monitor counts keys: its scan code set 1 make
 * code, bit 7 set for E0-prefixed keys (PrtSc 0xb7, Pause 0xc6 as
 * Ctrl+Break); -1 if the keyboard has no code for keycode. */
int ps2_key_number(unsigned keycode);

struct ps2_mouse *ps2_mouse_new(const struct dev_env *env, const struct ps2_port *port);
void ps2_mouse_free(struct ps2_mouse *m);
void ps2_mouse_reset(struct ps2_mouse *m);
/* Properties prefixed "mouse-"; load is all-or-nothing. */
void ps2_mouse_save(const struct ps2_mouse *m, struct vm_writer *w);
int ps2_mouse_load(struct ps2_mouse *m, struct vm_reader *r);
bool ps2_mouse_has_data(const struct ps2_mouse *m);
uint8_t ps2_mouse_read(struct ps2_mouse *m);
void ps2_mouse_write(struct ps2_mouse *m, uint8_t byte);
/* Relative motion in device counts: dx right, dy UP (PS/2 convention; a UI
 * whose y grows downwards negates it), dz the wheel as the IntelliMouse
 * reports it (positive = towards the user, i.e. scrolling down).  buttons is
 * the new PS2_MOUSE_* state.  Motion beyond one packet is split over several
 * packets as the host reads them; only motion beyond +-16384 counts pending
 * is dropped (and reported with the overflow bits). */
void ps2_mouse_move(struct ps2_mouse *m, int dx, int dy, int dz, unsigned buttons);

#endif
