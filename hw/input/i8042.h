/* SPDX-License-Identifier: GPL-2.0-or-later */
/* i8042.h: the PC/AT keyboard controller (8042) with a PS/2 keyboard on its
 * first port and a PS/2 mouse on its auxiliary port.
 *
 * Board wiring: map region_data at port 0x60 and region_cmd at port 0x64
 * (1 byte each); connect irq_kbd to ISA IRQ 1 and irq_aux to ISA IRQ 12;
 * OR a20 (output port bit 1) with port92's a20 into the A20 gate.  Machine
 * resets requested by the guest (0xFE, 0xD1 with bit 0 clear) arrive as
 * dev_request(env, SYS_RESET, 0).  The keyboard and mouse are saved in the
 * i8042's own node ("kbd-*", "mouse-*" properties) and reset with it.  The
 * constructor leaves power-on register values; run reset+settle (the
 * machine's device reset does) before the guest starts, so a20 is driven. */
#ifndef HW_INPUT_I8042_H
#define HW_INPUT_I8042_H

#include "core/device.h"
#include "hw/input/ps2.h"

#define I8042_DATA_PORT 0x60
#define I8042_CMD_PORT 0x64
#define I8042_IRQ_KBD 1
#define I8042_IRQ_AUX 12

/* Status register (port 0x64 read) */
#define I8042_STR_OBF 0x01    /* output buffer full */
#define I8042_STR_IBF 0x02    /* input buffer full (never: writes are instant) */
#define I8042_STR_SYS 0x04    /* system flag */
#define I8042_STR_A2 0x08     /* last write was a command (port 0x64) */
#define I8042_STR_INH 0x10    /* 1 = keyboard not inhibited (key lock) */
#define I8042_STR_AUXB 0x20   /* output buffer holds mouse data */
#define I8042_STR_TIMEOUT 0x40
#define I8042_STR_PARITY 0x80

/* Command byte (controller RAM byte 0) */
#define I8042_CTR_KBDINT 0x01 /* IRQ 1 while OBF holds keyboard data */
#define I8042_CTR_AUXINT 0x02 /* IRQ 12 while OBF holds mouse data */
#define I8042_CTR_SYS 0x04
#define I8042_CTR_KBDDIS 0x10
#define I8042_CTR_AUXDIS 0x20
#define I8042_CTR_XLATE 0x40  /* translate set 2 to set 1 */

struct i8042 {
    struct mem_region region_data; /* port 0x60 */
    struct mem_region region_cmd;  /* port 0x64 */
    struct irq_line irq_kbd;       /* ISA IRQ 1 */
    struct irq_line irq_aux;       /* ISA IRQ 12 */
    struct irq_line a20;           /* output port bit 1 */

    const struct dev_env *env;
    struct ps2_kbd *kbd;
    struct ps2_mouse *mouse;
    uint8_t ram[32];   /* ram[0] is the command byte */
    uint8_t obuf;      /* output buffer (kept after it is read) */
    bool obf, obf_aux; /* full, and holding mouse data */
    bool a2, sys;
    uint8_t pending;   /* command waiting for its data byte, 0 if none */
    uint8_t outport;   /* bits 4/5 (OBF lines) are computed on read */
    bool xlate_break;  /* translation saw 0xF0: OR 0x80 into the next code */
    bool trace;
};

struct i8042 *i8042_new(const struct dev_env *env);
struct ps2_kbd *i8042_kbd(struct i8042 *s);
struct ps2_mouse *i8042_mouse(struct i8042 *s);

extern const struct dev_class i8042_class;

#endif
