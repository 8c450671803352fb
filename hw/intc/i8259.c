/* SPDX-License-Identifier: GPL-2.0-or-later */
/* i8259.c: the PC/AT's cascaded 8259A programmable interrupt controllers
 * (master at 0x20, slave at 0xA0 on master IR2) and the PIIX3/PIIX4 ELCR
 * registers at 0x4D0/0x4D1.
 *
 * Sources: Intel 8259A Programmable Interrupt Controller datasheet (order
 * 231468): "Interrupt Sequence", "Initialization Command Words" (ICW1-ICW4
 * and the list of what ICW1 resets), "Operation Command Words" (OCW1-OCW3,
 * Figure 8), "Fully Nested Mode", "End of Interrupt", "Automatic Rotation",
 * "Specific Rotation", "Special Mask Mode", "Poll Command", "Cascade Mode",
 * "Special Fully Nested Mode", "Edge and Level Triggered Modes"; Intel
 * 82371SB PIIX3 / 82371AB PIIX4 datasheets, "ELCR1/ELCR2 - Edge/Level
 * Control Registers" (IRQ 0, 1, 2, 8 and 13 are edge only; default 00h).
 *
 * Emulated: the ICW1-ICW4 sequence (IC4, SNGL, LTIM, ICW2 vector base with
 * the low three bits ignored, ICW3 cascade mask / slave ID, ICW4 AEOI,
 * SFNM; buffered-mode bits and ADI are stored only), OCW1 (IMR), every OCW2
 * command (non-specific/specific EOI, rotate on non-specific/specific EOI,
 * rotate in AEOI mode set/clear, set priority, no-op), OCW3 (IRR/ISR read
 * select, poll, special mask mode), edge and level triggering (per LTIM or
 * ELCR bit), rotating priorities, the cascade with master IR2 driven by the
 * slave's INT, and the default IR7 (spurious) vector.
 * Not emulated: 8080/8085 mode (ICW4 uPM = 0, or no ICW4): logged as
 * unimplemented and run as 8086 mode; the CALL-instruction vector format;
 * buffered mode (the PC's master and slave roles are fixed by wiring, not by
 * ICW4 M/S).  The PIIX ignores LTIM in favour of the ELCR; we honour both
 * (either makes an input level-triggered) because a stand-alone 8259A
 * guest may rely on LTIM.
 *
 * Timing model: INTA is one atomic call (i8259_ack); IRR and INT are
 * combinational functions of the pins and registers, recomputed after
 * every change.  An edge-triggered IRR bit is the edge-sense latch AND the
 * pin level, as the datasheet requires the IR input to stay high until the
 * first INTA: a request that goes away before INTA yields the default IR7
 * vector (base+7) with no ISR bit set.  On the slave the same happens when
 * the master acknowledges IR2 and the slave has nothing left (IRQ 15
 * spurious, master ISR2 set); with an atomic INTA that needs the slave's
 * request to vanish while the master still sees its INT, which only an
 * inconsistent snapshot can produce, but the path is kept as the hardware
 * has it.  The slave's INT is treated as dropping during its own
 * acknowledge so that a request still deliverable afterwards (AEOI, special
 * mask mode) reaches the edge-triggered master IR2 as a new edge instead of
 * being lost.  The poll command acknowledges exactly like INTA, including
 * the automatic EOI, so polled AEOI guests do not wedge their ISR.
 *
 * ICW1 resets the edge-sense latches, IMR, special mask mode, the read
 * select (IRR) and the priority (IR7 lowest), and sets the slave ID to 7,
 * as the datasheet lists; it also clears ISR, which the datasheet does not
 * mention, because a guest re-initialising from inside a handler (kexec,
 * crash kernels) would otherwise keep a stale in-service bit that blocks
 * lower priorities forever.
 *
 * Reset: the 8259A has no RESET pin and the PIIX datasheets give its
 * registers as undefined until ICW1, so reset (cold and warm alike: hvemu's
 * warm reset resets the whole chipset) puts both chips in the state a PC
 * BIOS's initialisation leaves apart from the vectors: IMR 0 (as ICW1
 * leaves it), IRR/ISR 0, vector base 0, IR7 lowest, IRR read select, 8086
 * mode without AEOI (ICW4 = 01h), master ICW3 = 04h and slave ID 2 (the AT
 * wiring), ELCR 0 (PIIX default: all edge).  The IR pin levels are not
 * reset: they belong to the devices driving them.
 *
 * Guests: SeaBIOS and other BIOSes program vectors 08h/70h; Linux re-inits
 * with 20h/28h (30h/38h on newer kernels), masks and uses specific EOIs
 * (slave then master IR2), reads ISR via OCW3 to detect spurious IRQ 7/15,
 * and may put the master in AEOI mode; Linux probes the PIC by writing and
 * reading back the IMR; Windows and PCI interrupt routing set ELCR bits for
 * shared level-triggered PCI IRQs; DOS programs use OCW2 rotation and poll
 * mode occasionally.
 *
 * Threat model: guest input is bytes written to six ports; every field is
 * eight bits wide and each IR number is masked to three bits, so no
 * guest value indexes anything unbounded.  Loaded state is range-checked
 * (priority, init step, the ELCR's fixed-edge bits). */
#include <glib.h>
#include <string.h>
#include "hw/intc/i8259.h"

#define ICW1_IC4 0x01
#define ICW1_SNGL 0x02
#define ICW1_LTIM 0x08
#define ICW1_SEL 0x10 /* D4 = 1 on the command port: this is ICW1 */
#define ICW4_8086 0x01
#define ICW4_AEOI 0x02
#define ICW4_SFNM 0x10
#define OCW3_SEL 0x08 /* D4 = 0, D3 = 1: OCW3 (else OCW2) */
#define OCW3_RIS 0x01
#define OCW3_RR 0x02
#define OCW3_P 0x04
#define OCW3_SMM 0x20
#define OCW3_ESMM 0x40

enum { STEP_READY, STEP_ICW2, STEP_ICW3, STEP_ICW4 };

/* PIIX ELCR: IRQ 0, 1, 2 (ELCR1 bits 2:0) and IRQ 8, 13 (ELCR2 bits 0, 5)
 * are hard-wired edge. */
static const uint8_t elcr_writable[2] = { 0xf8, 0xde };

/* ---- priority logic ---- */

static uint8_t chip_level_mask(const struct i8259_chip *c)
{
    return (c->icw1 & ICW1_LTIM) ? 0xff : c->elcr;
}

/* IRR as the datasheet defines it: level inputs follow the pin; edge
 * inputs need a latched rising edge and the pin still high. */
static uint8_t chip_irr(const struct i8259_chip *c)
{
    uint8_t lvl = chip_level_mask(c);
    return (uint8_t)((c->lines & lvl) | (c->lines & c->edge & ~lvl));
}

static bool chip_cascade_input(const struct i8259_chip *c, unsigned ir)
{
    return !c->is_slave && !(c->icw1 & ICW1_SNGL) && (c->icw3 & (1u << ir));
}

/* In special mask mode a masked in-service level no longer blocks others
 * (datasheet "Special Mask Mode"), and a non-specific EOI skips it. */
static uint8_t chip_isr_blocking(const struct i8259_chip *c)
{
    return c->smm ? (uint8_t)(c->isr & ~c->imr) : c->isr;
}

/* The IR that INTA would acknowledge now, or -1 (INT low). */
static int chip_resolve(const struct i8259_chip *c)
{
    uint8_t req = chip_irr(c) & ~c->imr;
    uint8_t isr = chip_isr_blocking(c);
    if (!req)
        return -1;
    for (unsigned i = 1; i <= 8; i++) {
        unsigned ir = (c->lowest + i) & 7;
        uint8_t bit = (uint8_t)(1u << ir);
        if (isr & bit) {
            /* SFNM: a slave in service does not lock out its own higher
             * requests, so the master accepts its cascade input again. */
            if ((req & bit) && (c->icw4 & ICW4_SFNM) && chip_cascade_input(c, ir))
                return (int)ir;
            return -1;
        }
        if (req & bit)
            return (int)ir;
    }
    return -1;
}

static int chip_highest_isr(const struct i8259_chip *c)
{
    uint8_t isr = chip_isr_blocking(c);
    for (unsigned i = 1; i <= 8; i++) {
        unsigned ir = (c->lowest + i) & 7;
        if (isr & (1u << ir))
            return (int)ir;
    }
    return -1;
}

static uint8_t chip_vector(const struct i8259_chip *c, unsigned ir)
{
    return (uint8_t)((c->icw2 & 0xf8) | ir);
}

static void chip_set_input(struct i8259_chip *c, unsigned ir, bool level)
{
    uint8_t bit = (uint8_t)(1u << ir);
    if (level) {
        if (!(c->lines & bit))
            c->edge |= bit;
        c->lines |= bit;
    } else {
        c->lines &= (uint8_t)~bit;
        c->edge &= (uint8_t)~bit;
    }
}

/* Non-specific EOI: clear the highest-priority (blocking) in-service bit;
 * with rotate, that level becomes the lowest priority. */
static void chip_eoi(struct i8259_chip *c, bool rotate)
{
    int ir = chip_highest_isr(c);
    if (ir < 0)
        return;
    c->isr &= (uint8_t)~(1u << ir);
    if (rotate)
        c->lowest = (uint8_t)ir;
}

/* The chip's part of INTA (or a poll) for level ir. */
static void chip_ack_ir(struct i8259_chip *c, unsigned ir)
{
    c->edge &= (uint8_t)~(1u << ir);
    c->isr |= (uint8_t)(1u << ir);
    /* AEOI: a non-specific EOI at the end of the last INTA pulse. */
    if (c->icw4 & ICW4_AEOI)
        chip_eoi(c, c->rotate_aeoi);
}

/* Recompute the slave's INT (master IR2) and the master's INT. */
static void pic_update(struct i8259 *p)
{
    chip_set_input(&p->master, 2, chip_resolve(&p->slave) >= 0);
    irq_set(&p->intr, chip_resolve(&p->master) >= 0);
}

/* ---- INTA ---- */

static bool slave_answers(const struct i8259_chip *s, unsigned cas)
{
    return (s->icw1 & ICW1_SNGL) || (s->icw3 & 7) == cas;
}

/* Second half of INTA for a cascaded IR: the addressed slave supplies the
 * vector.  Only the slave on IR2 exists. */
static uint8_t pic_slave_ack(struct i8259 *p, unsigned cas)
{
    struct i8259_chip *s = &p->slave;
    if (cas != 2 || !slave_answers(s, cas)) {
        log_guest_error(p->env->log, "i8259",
                        "INTA for cascade address %u: no slave answers (bus reads 0xff)", cas);
        return 0xff;
    }
    int sir = chip_resolve(s);
    if (sir < 0)
        return chip_vector(s, 7); /* IRQ 15 spurious; master ISR2 stays set */
    chip_ack_ir(s, (unsigned)sir);
    /* The slave's INT falls during its INTA; pic_update() raises it again
     * if another request is deliverable, giving the master a new edge. */
    chip_set_input(&p->master, 2, false);
    return chip_vector(s, (unsigned)sir);
}

uint8_t i8259_ack(struct i8259 *p)
{
    struct i8259_chip *m = &p->master;
    int ir = chip_resolve(m);
    uint8_t vec;
    if (ir < 0) {
        vec = chip_vector(m, 7);
        TRACE(p->env->log, p->trace, "i8259: INTA: spurious, vector 0x%02x", vec);
        return vec;
    }
    chip_ack_ir(m, (unsigned)ir);
    if (chip_cascade_input(m, (unsigned)ir))
        vec = pic_slave_ack(p, (unsigned)ir);
    else
        vec = chip_vector(m, (unsigned)ir);
    pic_update(p);
    TRACE(p->env->log, p->trace, "i8259: INTA: IR%d vector 0x%02x", ir, vec);
    return vec;
}

uint8_t i8259_extint_ack(void *pic)
{
    return i8259_ack(pic);
}

bool i8259_intr_pending(const struct i8259 *p)
{
    return chip_resolve(&p->master) >= 0;
}

void i8259_set_irq(struct i8259 *p, unsigned irq, int level)
{
    if (irq >= 16 || irq == 2)
        return;
    chip_set_input(irq < 8 ? &p->master : &p->slave, irq & 7, level != 0);
    pic_update(p);
}

/* ---- command words ---- */

static void pic_check_8086(struct i8259 *p, const struct i8259_chip *c)
{
    if ((c->icw4 & ICW4_8086) || p->warned_8080)
        return;
    p->warned_8080 = true;
    log_unimp(p->env->log, "i8259", "%s: 8080/8085 mode (ICW4 uPM = 0); running as 8086",
              c->is_slave ? "slave" : "master");
}

static void chip_icw1(struct i8259_chip *c, uint8_t v)
{
    c->icw1 = v;
    c->init_step = STEP_ICW2;
    c->edge = 0;
    c->imr = 0;
    c->isr = 0;
    c->lowest = 7;
    if (c->is_slave)
        c->icw3 = 7; /* "the slave mode address is set to 7" */
    c->smm = false;
    c->read_isr = false;
    c->poll = false;
    c->rotate_aeoi = false;
    if (!(v & ICW1_IC4))
        c->icw4 = 0;
}

static void chip_ocw2(struct i8259_chip *c, uint8_t v)
{
    unsigned level = v & 7;
    switch (v >> 5) {
    case 1: /* non-specific EOI */
        chip_eoi(c, false);
        break;
    case 3: /* specific EOI */
        c->isr &= (uint8_t)~(1u << level);
        break;
    case 5: /* rotate on non-specific EOI */
        chip_eoi(c, true);
        break;
    case 4: /* rotate in AEOI mode (set) */
        c->rotate_aeoi = true;
        break;
    case 0: /* rotate in AEOI mode (clear) */
        c->rotate_aeoi = false;
        break;
    case 7: /* rotate on specific EOI */
        c->isr &= (uint8_t)~(1u << level);
        c->lowest = (uint8_t)level;
        break;
    case 6: /* set priority */
        c->lowest = (uint8_t)level;
        break;
    default: /* 2: no operation */
        break;
    }
}

static void chip_ocw3(struct i8259_chip *c, uint8_t v)
{
    if (v & OCW3_ESMM)
        c->smm = v & OCW3_SMM;
    if (v & OCW3_P)
        c->poll = true;
    if (v & OCW3_RR)
        c->read_isr = v & OCW3_RIS;
}

static void chip_data_write(struct i8259 *p, struct i8259_chip *c, uint8_t v)
{
    switch (c->init_step) {
    case STEP_ICW2:
        c->icw2 = v;
        if (!(c->icw1 & ICW1_SNGL))
            c->init_step = STEP_ICW3;
        else
            c->init_step = (c->icw1 & ICW1_IC4) ? STEP_ICW4 : STEP_READY;
        break;
    case STEP_ICW3:
        c->icw3 = v;
        c->init_step = (c->icw1 & ICW1_IC4) ? STEP_ICW4 : STEP_READY;
        break;
    case STEP_ICW4:
        c->icw4 = v & 0x1f;
        c->init_step = STEP_READY;
        break;
    default:
        c->imr = v;
        return;
    }
    if (c->init_step == STEP_READY)
        pic_check_8086(p, c);
}

static void chip_write(struct i8259 *p, struct i8259_chip *c, unsigned a0, uint8_t v)
{
    TRACE(p->env->log, p->trace, "i8259: %s write [%u] = 0x%02x",
          c->is_slave ? "slave" : "master", a0, v);
    if (a0)
        chip_data_write(p, c, v);
    else if (v & ICW1_SEL)
        chip_icw1(c, v);
    else if (v & OCW3_SEL)
        chip_ocw3(c, v);
    else
        chip_ocw2(c, v);
    pic_update(p);
}

/* Poll: the read acts as INTA for this chip alone and returns
 * 0x80 | level, or 0 with no request. */
static uint8_t chip_poll(struct i8259 *p, struct i8259_chip *c)
{
    c->poll = false;
    int ir = chip_resolve(c);
    if (ir < 0)
        return 0;
    chip_ack_ir(c, (unsigned)ir);
    pic_update(p);
    return (uint8_t)(0x80 | ir);
}

static uint8_t chip_read(struct i8259 *p, struct i8259_chip *c, unsigned a0)
{
    if (c->poll) /* overrides a read-register command (OCW3 text) */
        return chip_poll(p, c);
    if (a0)
        return c->imr;
    return c->read_isr ? c->isr : chip_irr(c);
}

static uint64_t master_io_read(void *opaque, uint64_t off, unsigned size)
{
    struct i8259 *p = opaque;
    return chip_read(p, &p->master, off & 1);
}

static void master_io_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct i8259 *p = opaque;
    chip_write(p, &p->master, off & 1, (uint8_t)val);
}

static uint64_t slave_io_read(void *opaque, uint64_t off, unsigned size)
{
    struct i8259 *p = opaque;
    return chip_read(p, &p->slave, off & 1);
}

static void slave_io_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct i8259 *p = opaque;
    chip_write(p, &p->slave, off & 1, (uint8_t)val);
}

static uint64_t elcr_io_read(void *opaque, uint64_t off, unsigned size)
{
    struct i8259 *p = opaque;
    return (off & 1) ? p->slave.elcr : p->master.elcr;
}

static void elcr_io_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct i8259 *p = opaque;
    struct i8259_chip *c = (off & 1) ? &p->slave : &p->master;
    c->elcr = (uint8_t)val & elcr_writable[off & 1];
    pic_update(p);
}

static const struct io_ops master_ops = {
    .read = master_io_read,
    .write = master_io_write,
    .min_size = 1,
    .max_size = 1,
};

static const struct io_ops slave_ops = {
    .read = slave_io_read,
    .write = slave_io_write,
    .min_size = 1,
    .max_size = 1,
};

static const struct io_ops elcr_ops = {
    .read = elcr_io_read,
    .write = elcr_io_write,
    .min_size = 1,
    .max_size = 1,
};

/* ---- dev_class ---- */

static void chip_reset(struct i8259_chip *c, bool slave)
{
    uint8_t lines = c->lines;
    memset(c, 0, sizeof(*c));
    c->lines = lines;
    c->is_slave = slave;
    c->icw1 = ICW1_SEL | ICW1_IC4;
    c->icw3 = slave ? 2 : 0x04;
    c->icw4 = ICW4_8086;
    c->lowest = 7;
}

static void i8259_reset(void *dev, enum reset_kind kind)
{
    struct i8259 *p = dev;
    chip_reset(&p->master, false);
    chip_reset(&p->slave, true);
    p->warned_8080 = false;
}

static void i8259_settle(void *dev)
{
    pic_update(dev);
}

struct chip_field {
    const char *name;
    size_t off;
    bool is_bool;
};

#define U8F(f) { #f, offsetof(struct i8259_chip, f), false }
#define BF(f) { #f, offsetof(struct i8259_chip, f), true }
static const struct chip_field chip_fields[] = {
    U8F(lines), U8F(edge), U8F(isr), U8F(imr), U8F(icw1), U8F(icw2), U8F(icw3),
    U8F(icw4), U8F(elcr), U8F(lowest), U8F(init_step), BF(read_isr), BF(poll),
    BF(smm), BF(rotate_aeoi),
};
#undef U8F
#undef BF

static void chip_save(struct vm_writer *w, const char *pfx, struct i8259_chip *c)
{
    char name[48];
    for (size_t i = 0; i < ARRAY_SIZE(chip_fields); i++) {
        const struct chip_field *f = &chip_fields[i];
        snprintf(name, sizeof(name), "%s_%s", pfx, f->name);
        if (f->is_bool)
            vmw_bool(w, name, *(bool *)((char *)c + f->off));
        else
            vmw_u8(w, name, *((uint8_t *)c + f->off));
    }
}

static void i8259_save(void *dev, struct vm_writer *w)
{
    struct i8259 *p = dev;
    chip_save(w, "master", &p->master);
    chip_save(w, "slave", &p->slave);
}

static int chip_load(struct vm_reader *r, const char *pfx, struct i8259_chip *c, unsigned idx)
{
    char name[48];
    for (size_t i = 0; i < ARRAY_SIZE(chip_fields); i++) {
        const struct chip_field *f = &chip_fields[i];
        snprintf(name, sizeof(name), "%s_%s", pfx, f->name);
        if (f->is_bool)
            vmr_bool(r, name, (bool *)((char *)c + f->off));
        else
            vmr_u8(r, name, (uint8_t *)c + f->off);
    }
    if (vmr_failed(r))
        return -1;
    if (c->lowest > 7) {
        snprintf(name, sizeof(name), "%s_lowest", pfx);
        vmr_fail(r, name, "priority %u out of range", c->lowest);
        return -1;
    }
    if (c->init_step > STEP_ICW4) {
        snprintf(name, sizeof(name), "%s_init_step", pfx);
        vmr_fail(r, name, "step %u out of range", c->init_step);
        return -1;
    }
    if (c->elcr & ~elcr_writable[idx]) {
        snprintf(name, sizeof(name), "%s_elcr", pfx);
        vmr_fail(r, name, "0x%02x sets a fixed-edge bit", c->elcr);
        return -1;
    }
    return 0;
}

static int i8259_load(void *dev, struct vm_reader *r)
{
    struct i8259 *p = dev;
    /* Load into copies so a rejected stream leaves the device untouched. */
    struct i8259_chip m = p->master, s = p->slave;
    if (chip_load(r, "master", &m, 0) || chip_load(r, "slave", &s, 1))
        return -1;
    m.is_slave = false;
    s.is_slave = true;
    p->master = m;
    p->slave = s;
    return 0;
}

static void i8259_destroy(void *dev)
{
    g_free(dev);
}

const struct dev_class i8259_class = {
    .name = "i8259",
    .version = 1,
    .reset = i8259_reset,
    .settle = i8259_settle,
    .save = i8259_save,
    .load = i8259_load,
    .destroy = i8259_destroy,
};

struct i8259 *i8259_new(const struct dev_env *env)
{
    struct i8259 *p = g_new0(struct i8259, 1);
    p->env = env;
    p->trace = trace_on(env->log, "i8259");
    region_init_io(&p->region_master, "i8259-master", 2, &master_ops, p);
    region_init_io(&p->region_slave, "i8259-slave", 2, &slave_ops, p);
    region_init_io(&p->region_elcr, "elcr", 2, &elcr_ops, p);
    i8259_reset(p, RESET_COLD);
    return p;
}
