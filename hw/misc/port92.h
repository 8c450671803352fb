/* SPDX-License-Identifier: GPL-2.0-or-later */
/* port92.h: System Control Port A (port 0x92): fast A20 and fast reset.
 *
 * Board wiring: map region at port 0x92 (1 byte); OR a20 with the i8042's
 * a20 into the A20 gate.  A 0->1 write of bit 0 arrives as
 * dev_request(env, SYS_RESET, 0). */
#ifndef HW_MISC_PORT92_H
#define HW_MISC_PORT92_H

#include "core/device.h"

#define PORT92_PORT 0x92
#define PORT92_INIT 0x01 /* fast reset (INIT_NOW) */
#define PORT92_A20 0x02  /* fast A20 (ALT_A20_GATE) */

struct port92 {
    struct mem_region region; /* port 0x92 */
    struct irq_line a20;
    const struct dev_env *env;
    uint8_t val;
};

struct port92 *port92_new(const struct dev_env *env);

extern const struct dev_class port92_class;

#endif
