/* SPDX-License-Identifier: GPL-2.0-or-later */
/* keymap.h: key names for the monitor's send-key (QMP) and sendkey (HMP),
 * and the sequencer that presses, holds and releases them on the PS/2
 * keyboard in virtual time.
 *
 * Names are QEMU's QKeyCode values ("ctrl", "alt", "delete", "ret", "a",
 * "kp_add"...; QEMU's QMP reference, type QKeyCode); numbers are QEMU's key
 * numbers: the PC scan code set 1 make code, with bit 7 set for the
 * E0-prefixed keys (0x1d left Ctrl, 0x9d right Ctrl, 0xd3 Delete).  Both
 * become the Linux KEY_* codes ps2_kbd_key() takes; the keyboard turns those
 * into scan code set 2 (or 1 or 3, as the guest selected), which the i8042
 * may translate further.
 *
 * The sequencer (struct key_sender) is owned by the monitor and runs under
 * the machine lock.  A chord's keys go down in order at once and come up in
 * reverse order after the hold time, as QEMU's send-key does; events wait
 * (polling every KEYQ_RETRY_NS of virtual time) while the keyboard's
 * 16-byte buffer has no room for a whole key, so a long chord or a guest
 * that reads slowly never makes the keyboard drop codes.  Threat model: a
 * monitor client can queue at most KEYQ_MAX events; more is refused. */
#ifndef HW_INPUT_KEYMAP_H
#define HW_INPUT_KEYMAP_H

#include "core/clock.h"
#include "hw/input/ps2.h"

#define KEYQ_MAX 64                 /* queued key events, all chords together */
#define KEYQ_RETRY_NS 1000000       /* 1 ms: poll for buffer room */
#define KEY_HOLD_DEFAULT_MS 100     /* QEMU's send-key default hold-time */

/* A QKeyCode name -> Linux KEY_* code; -1 if the name is not a QKeyCode,
 * 0 for "unmapped" (a valid name for no key). */
int keymap_qcode_to_key(const char *qcode);
/* A key number (set 1 code, bit 7 = E0 prefix) -> Linux KEY_* code; -1 if
 * the PC keyboard has no such key. */
int keymap_number_to_key(int64_t number);
/* The i-th QKeyCode name in QEMU's order, NULL past the end (for
 * query-qmp-schema's QKeyCode enum). */
const char *keymap_qcode_name(size_t i);

struct key_event {
    int64_t deadline; /* virtual ns: not before */
    uint16_t key;     /* Linux KEY_* */
    bool down;
};

struct key_sender {
    struct vclock *clock;
    struct ps2_kbd *kbd;
    struct vtimer timer;
    struct key_event q[KEYQ_MAX];
    unsigned head, count;
};

void key_sender_init(struct key_sender *ks, struct vclock *clock, struct ps2_kbd *kbd);
/* Stop the timer and drop queued events (keys already pressed stay down in
 * the guest's view; the caller frees ks afterwards). */
void key_sender_destroy(struct key_sender *ks);
/* Press keys[0..n-1] in order now (after what is already queued) and
 * release them in reverse order hold_ns later.  -1 if the queue has no
 * room for all 2n events (nothing is queued then). */
int key_sender_send(struct key_sender *ks, const unsigned *keys, unsigned n, int64_t hold_ns);
/* Events not yet delivered. */
unsigned key_sender_pending(const struct key_sender *ks);

#endif
