/* SPDX-License-Identifier: GPL-2.0-or-later */
/* i8042.c: Intel 8042 keyboard controller as in the IBM PC/AT and PS/2.
 *
 * References: IBM PC/AT Technical Reference, "Keyboard Controller" (status
 * register, command byte, commands 0x20-0x3F/0x60-0x7F, 0xAA, 0xAB, 0xAD,
 * 0xAE, 0xC0, 0xD0, 0xD1, 0xE0, 0xF0-0xFF, input/output port); IBM PS/2
 * Hardware Interface Technical Reference, "Keyboard and Auxiliary Device
 * Controller" (the auxiliary port: 0xA7-0xA9, 0xD2-0xD4, AUXB, IRQ 12);
 * HP/Compaq desktop technical reference guides, "8042 commands" (0xAA
 * inhibits both ports, 0xD2 echoes without translation, 0xA4 password
 * test, 0xDD/0xDF A20); A. Brouwer, "Keyboard scancodes" 9.3 (translation).
 *
 * Emulated: one output buffer fed from the keyboard and the mouse (keyboard
 * first) one byte at a time, the next byte loaded when the guest reads port
 * 0x60; set 2 -> set 1 translation with the F0 break prefix folded into bit
 * 7; IRQ 1 / IRQ 12 as levels that follow "OBF holds data of this source
 * and its interrupt is enabled" (reading 0x60 lowers the line, so the next
 * byte gives the edge an 8259 needs); controller RAM; output port with the
 * reset line (bit 0) and A20 (bit 1); reset pulses 0xF0-0xFE.  Controller
 * answers overwrite the output buffer, as the references warn they do.
 * Not emulated: IBF/timing (the controller is infinitely fast), parity and
 * timeout errors, the password (0xA5/0xA6), input port polling (0xC1-0xC3),
 * vendor commands, keyboard lock.
 *
 * Guest quirks: SeaBIOS polls IBF/OBF, runs 0xAA/0xAB and drives the
 * keyboard with both ports disabled except the one it talks to; Linux's
 * i8042 driver checks 0xAA -> 0x55, reads/writes the command byte, tests
 * 0xA9, toggles the aux port with 0xA7/0xA8 expecting the command byte to
 * follow, and loops bytes back with 0xD3 expecting AUXB and IRQ 12.  Writing
 * a byte to a device re-enables that device's port (8042 firmwares release
 * the clock line to transmit), for guests that forget to.  Reading 0x60
 * with OBF clear returns the last byte again (ISRs that read it twice).
 *
 * Threat model: every guest access is one byte into fixed-size state;
 * controller RAM is indexed by the command's low 5 bits; device queues are
 * bounded in ps2.c; nothing loops on guest data. */
#include <stdlib.h>
#include <string.h>
#include "hw/input/i8042.h"

#define OUTPORT_RESET 0x01
#define OUTPORT_A20 0x02
#define OUTPORT_OBF_KBD 0x10
#define OUTPORT_OBF_AUX 0x20
/* 8042 port pins are quasi-bidirectional and come up high: not in reset,
 * A20 on, clock/data lines idle.  Bits 4/5 reflect the buffer. */
#define OUTPORT_POWER_ON 0xCF
/* Input port: bit 7 keyboard not inhibited, bit 5 no manufacturing jumper
 * (an AT BIOS that sees the jumper loops in its test mode). */
#define INPORT_VALUE 0xA0
#define CTR_POWER_ON (I8042_CTR_KBDINT | I8042_CTR_XLATE)

static uint8_t ctr(const struct i8042 *s)
{
    return s->ram[0];
}

static void update_irq(struct i8042 *s)
{
    irq_set(&s->irq_kbd, s->obf && !s->obf_aux && (ctr(s) & I8042_CTR_KBDINT));
    irq_set(&s->irq_aux, s->obf && s->obf_aux && (ctr(s) & I8042_CTR_AUXINT));
}

static void load_obuf(struct i8042 *s, uint8_t v, bool aux)
{
    s->obuf = v;
    s->obf = true;
    s->obf_aux = aux;
    update_irq(s);
}

/* The keyboard's next byte as the host sees it.  Returns false when the
 * keyboard had nothing (or only a break prefix) to give. */
static bool kbd_next(struct i8042 *s, uint8_t *out)
{
    while (ps2_kbd_has_data(s->kbd)) {
        uint8_t b = ps2_kbd_read(s->kbd);
        if (!(ctr(s) & I8042_CTR_XLATE)) {
            *out = b;
            return true;
        }
        if (b == 0xF0) {
            s->xlate_break = true;
            continue;
        }
        *out = ps2_xlate(b) | (s->xlate_break ? 0x80 : 0);
        s->xlate_break = false;
        return true;
    }
    return false;
}

/* Fill an empty output buffer from the enabled devices. */
static void pump(struct i8042 *s)
{
    uint8_t b;
    if (s->obf)
        return;
    if (!(ctr(s) & I8042_CTR_KBDDIS) && kbd_next(s, &b))
        load_obuf(s, b, false);
    else if (!(ctr(s) & I8042_CTR_AUXDIS) && ps2_mouse_has_data(s->mouse))
        load_obuf(s, ps2_mouse_read(s->mouse), true);
}

static void notify(void *opaque)
{
    pump(opaque);
}

static void set_ctr(struct i8042 *s, uint8_t v)
{
    s->ram[0] = v;
    s->sys = v & I8042_CTR_SYS;
    if (!(v & I8042_CTR_XLATE))
        s->xlate_break = false;
    update_irq(s);
    pump(s);
}

static void write_outport(struct i8042 *s, uint8_t v)
{
    s->outport = v;
    irq_set(&s->a20, v & OUTPORT_A20);
    if (!(v & OUTPORT_RESET))
        dev_request(s->env, SYS_RESET, 0);
}

static uint8_t read_outport(const struct i8042 *s)
{
    uint8_t v = s->outport & ~(OUTPORT_OBF_KBD | OUTPORT_OBF_AUX);
    if (s->obf)
        v |= s->obf_aux ? OUTPORT_OBF_AUX : OUTPORT_OBF_KBD;
    return v;
}

/* A controller answer replaces whatever the output buffer held. */
static void answer(struct i8042 *s, uint8_t v)
{
    load_obuf(s, v, false);
}

static void command(struct i8042 *s, uint8_t cmd)
{
    s->pending = 0;
    if (cmd >= 0x20 && cmd <= 0x3F) {
        answer(s, s->ram[cmd & 0x1F]);
        return;
    }
    if ((cmd >= 0x60 && cmd <= 0x7F) || (cmd >= 0xD1 && cmd <= 0xD4)) {
        s->pending = cmd; /* the data byte follows on port 0x60 */
        return;
    }
    if (cmd >= 0xF0) {
        /* Pulse the output port lines whose bit is 0 for ~6 us: only the
         * reset line (bit 0) has a lasting effect. */
        if (!(cmd & OUTPORT_RESET))
            dev_request(s->env, SYS_RESET, 0);
        return;
    }
    switch (cmd) {
    case 0xA4: /* password installed? */
        answer(s, 0xF1); /* no */
        break;
    case 0xA7:
        set_ctr(s, ctr(s) | I8042_CTR_AUXDIS);
        break;
    case 0xA8:
        set_ctr(s, ctr(s) & ~I8042_CTR_AUXDIS);
        break;
    case 0xA9: /* aux interface test */
    case 0xAB: /* keyboard interface test */
        answer(s, 0x00);
        break;
    case 0xAA: /* self-test: passes, sets the system flag, inhibits both */
        set_ctr(s, ctr(s) | I8042_CTR_SYS | I8042_CTR_KBDDIS | I8042_CTR_AUXDIS);
        answer(s, 0x55);
        break;
    case 0xAD:
        set_ctr(s, ctr(s) | I8042_CTR_KBDDIS);
        break;
    case 0xAE:
        set_ctr(s, ctr(s) & ~I8042_CTR_KBDDIS);
        break;
    case 0xC0:
        answer(s, INPORT_VALUE);
        break;
    case 0xD0:
        answer(s, read_outport(s));
        break;
    case 0xDD: /* HP-style A20 off/on */
    case 0xDF:
        write_outport(s, (s->outport & ~OUTPORT_A20) | (cmd == 0xDF ? OUTPORT_A20 : 0));
        break;
    case 0xE0: /* test inputs T0/T1 */
        answer(s, 0x00);
        break;
    default:
        log_guest_error(s->env->log, "i8042", "unknown command 0x%02x", cmd);
        break;
    }
}

static void data_write(struct i8042 *s, uint8_t v)
{
    uint8_t p = s->pending;
    s->pending = 0;
    if (p >= 0x60 && p <= 0x7F) {
        if (p == 0x60)
            set_ctr(s, v);
        else
            s->ram[p & 0x1F] = v;
        return;
    }
    switch (p) {
    case 0xD1:
        write_outport(s, v);
        break;
    case 0xD2: /* as if from the keyboard, untranslated */
        load_obuf(s, v, false);
        break;
    case 0xD3: /* as if from the mouse */
        load_obuf(s, v, true);
        break;
    case 0xD4:
        s->ram[0] &= ~I8042_CTR_AUXDIS;
        ps2_mouse_write(s->mouse, v);
        pump(s);
        break;
    default:
        s->ram[0] &= ~I8042_CTR_KBDDIS;
        ps2_kbd_write(s->kbd, v);
        pump(s);
        break;
    }
}

static uint64_t data_read(void *opaque, uint64_t off, unsigned size)
{
    struct i8042 *s = opaque;
    uint8_t v = s->obuf;
    if (s->obf) {
        s->obf = s->obf_aux = false;
        update_irq(s); /* lower first: the next byte is a new edge */
        pump(s);
    }
    TRACE(s->env->log, s->trace, "i8042: read data 0x%02x\n", v);
    return v;
}

static void data_port_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct i8042 *s = opaque;
    TRACE(s->env->log, s->trace, "i8042: write data 0x%02x\n", (unsigned)(uint8_t)val);
    s->a2 = false;
    data_write(s, (uint8_t)val);
}

static uint64_t status_read(void *opaque, uint64_t off, unsigned size)
{
    struct i8042 *s = opaque;
    return (s->obf ? I8042_STR_OBF : 0) | (s->sys ? I8042_STR_SYS : 0) |
           (s->a2 ? I8042_STR_A2 : 0) | I8042_STR_INH |
           (s->obf && s->obf_aux ? I8042_STR_AUXB : 0);
}

static void cmd_port_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct i8042 *s = opaque;
    TRACE(s->env->log, s->trace, "i8042: command 0x%02x\n", (unsigned)(uint8_t)val);
    s->a2 = true;
    command(s, (uint8_t)val);
}

static const struct io_ops data_ops = {
    .read = data_read,
    .write = data_port_write,
    .min_size = 1,
    .max_size = 1,
};

static const struct io_ops cmd_ops = {
    .read = status_read,
    .write = cmd_port_write,
    .min_size = 1,
    .max_size = 1,
};

/* A warm reset keeps the system flag: that is how a BIOS tells a reset
 * through the keyboard controller from a power-on. */
static void i8042_reset(void *dev, enum reset_kind kind)
{
    struct i8042 *s = dev;
    bool sys = kind == RESET_WARM && s->sys;
    memset(s->ram, 0, sizeof(s->ram));
    s->ram[0] = CTR_POWER_ON | (sys ? I8042_CTR_SYS : 0);
    s->sys = sys;
    s->obuf = 0;
    s->obf = s->obf_aux = false;
    s->a2 = false;
    s->pending = 0;
    s->outport = OUTPORT_POWER_ON;
    s->xlate_break = false;
    ps2_kbd_reset(s->kbd);
    ps2_mouse_reset(s->mouse);
}

static void i8042_settle(void *dev)
{
    struct i8042 *s = dev;
    update_irq(s);
    irq_set(&s->a20, s->outport & OUTPORT_A20);
}

static void i8042_save(void *dev, struct vm_writer *w)
{
    struct i8042 *s = dev;
    vmw_bytes(w, "ram", s->ram, sizeof(s->ram));
    vmw_u8(w, "obuf", s->obuf);
    vmw_bool(w, "obf", s->obf);
    vmw_bool(w, "obf-aux", s->obf_aux);
    vmw_bool(w, "a2", s->a2);
    vmw_bool(w, "sys", s->sys);
    vmw_u8(w, "pending", s->pending);
    vmw_u8(w, "outport", s->outport);
    vmw_bool(w, "xlate-break", s->xlate_break);
    ps2_kbd_save(s->kbd, w);
    ps2_mouse_save(s->mouse, w);
}

static bool pending_valid(uint8_t p)
{
    return p == 0 || (p >= 0x60 && p <= 0x7F) || (p >= 0xD1 && p <= 0xD4);
}

static int i8042_load(void *dev, struct vm_reader *r)
{
    struct i8042 *s = dev;
    uint8_t ram[32], obuf = s->obuf, pending = s->pending, outport = s->outport;
    bool obf = s->obf, obf_aux = s->obf_aux, a2 = s->a2, sys = s->sys;
    bool xlate_break = s->xlate_break;
    memcpy(ram, s->ram, sizeof(ram));
    vmr_bytes(r, "ram", ram, sizeof(ram));
    vmr_u8(r, "obuf", &obuf);
    vmr_bool(r, "obf", &obf);
    vmr_bool(r, "obf-aux", &obf_aux);
    vmr_bool(r, "a2", &a2);
    vmr_bool(r, "sys", &sys);
    vmr_u8(r, "pending", &pending);
    vmr_u8(r, "outport", &outport);
    vmr_bool(r, "xlate-break", &xlate_break);
    if (!pending_valid(pending))
        vmr_fail(r, "pending", "0x%02x is not a command with a data byte", pending);
    if (vmr_failed(r))
        return -1;
    /* The devices load all-or-nothing; the controller commits only when
     * both did, so a bad stream leaves the controller untouched. */
    if (ps2_kbd_load(s->kbd, r) || ps2_mouse_load(s->mouse, r))
        return -1;
    memcpy(s->ram, ram, sizeof(ram));
    s->obuf = obuf;
    s->obf = obf;
    s->obf_aux = obf && obf_aux;
    s->a2 = a2;
    s->sys = sys;
    s->pending = pending;
    s->outport = outport;
    s->xlate_break = xlate_break;
    return 0;
}

static void i8042_destroy(void *dev)
{
    struct i8042 *s = dev;
    ps2_kbd_free(s->kbd);
    ps2_mouse_free(s->mouse);
    free(s);
}

const struct dev_class i8042_class = {
    .name = "i8042",
    .version = 1,
    .reset = i8042_reset,
    .settle = i8042_settle,
    .save = i8042_save,
    .load = i8042_load,
    .destroy = i8042_destroy,
};

struct i8042 *i8042_new(const struct dev_env *env)
{
    struct i8042 *s = calloc(1, sizeof(*s));
    if (!s)
        abort();
    s->env = env;
    s->trace = trace_on(env->log, "i8042");
    const struct ps2_port port = { .notify = notify, .opaque = s };
    s->kbd = ps2_kbd_new(env, &port);
    s->mouse = ps2_mouse_new(env, &port);
    region_init_io(&s->region_data, "i8042-data", 1, &data_ops, s);
    region_init_io(&s->region_cmd, "i8042-cmd", 1, &cmd_ops, s);
    i8042_reset(s, RESET_COLD);
    return s;
}

struct ps2_kbd *i8042_kbd(struct i8042 *s)
{
    return s->kbd;
}

struct ps2_mouse *i8042_mouse(struct i8042 *s)
{
    return s->mouse;
}
