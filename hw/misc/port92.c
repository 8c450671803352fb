/* SPDX-License-Identifier: GPL-2.0-or-later */
/* port92.c: System Control Port A at port 0x92.
 *
 * Reference: Intel 82371SB (PIIX3) / 82371AB (PIIX4) and ICH datasheets,
 * "Port 92h" register: bit 0 INIT_NOW (a 0->1 transition resets the
 * processor), bit 1 ALT_A20_GATE, bits 7:2 reserved (read 0).  The same
 * two bits are the IBM PS/2 "System Control Port A" fast reset / fast A20.
 *
 * Emulated: both bits; the reset is the whole-machine warm reset the board
 * performs for SYS_RESET (the PIIX asserts INIT#, which on a PC that
 * reaches the firmware reset vector just the same).  Not emulated: the
 * PS/2 fixed-disk LEDs and watchdog/lock bits (reserved on PIIX).
 *
 * Guests: SeaBIOS and Linux's boot code enable A20 through this port first
 * (it is fast); some reboot paths write bit 0.  Bit 0 stays 1 after the
 * reset it requested until reset clears it, so each reset needs a new 0->1.
 *
 * Threat model: one byte of state, masked to the two defined bits. */
#include <stdlib.h>
#include "hw/misc/port92.h"

#define PORT92_MASK (PORT92_INIT | PORT92_A20)

static uint64_t port92_read(void *opaque, uint64_t off, unsigned size)
{
    struct port92 *p = opaque;
    return p->val;
}

static void port92_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct port92 *p = opaque;
    uint8_t old = p->val;
    p->val = val & PORT92_MASK;
    irq_set(&p->a20, p->val & PORT92_A20);
    if (!(old & PORT92_INIT) && (p->val & PORT92_INIT))
        dev_request(p->env, SYS_RESET, 0);
}

static const struct io_ops port92_ops = {
    .read = port92_read,
    .write = port92_write,
    .min_size = 1,
    .max_size = 1,
};

static void port92_reset(void *dev, enum reset_kind kind)
{
    struct port92 *p = dev;
    p->val = 0;
}

static void port92_settle(void *dev)
{
    struct port92 *p = dev;
    irq_set(&p->a20, p->val & PORT92_A20);
}

static void port92_save(void *dev, struct vm_writer *w)
{
    struct port92 *p = dev;
    vmw_u8(w, "val", p->val);
}

static int port92_load(void *dev, struct vm_reader *r)
{
    struct port92 *p = dev;
    uint8_t v = p->val;
    if (vmr_u8_max(r, "val", &v, PORT92_MASK))
        return -1;
    p->val = v;
    return 0;
}

static void port92_destroy(void *dev)
{
    free(dev);
}

const struct dev_class port92_class = {
    .name = "port92",
    .version = 1,
    .reset = port92_reset,
    .settle = port92_settle,
    .save = port92_save,
    .load = port92_load,
    .destroy = port92_destroy,
};

struct port92 *port92_new(const struct dev_env *env)
{
    struct port92 *p = calloc(1, sizeof(*p));
    if (!p)
        abort();
    p->env = env;
    region_init_io(&p->region, "port92", 1, &port92_ops, p);
    return p;
}
