/* SPDX-License-Identifier: GPL-2.0-or-later */
/* x86.c: helpers for describing boot-time segment state. */
#include <string.h>
#include "core/x86.h"

void x86_flat32(struct x86_seg *s, uint16_t sel, bool code)
{
    memset(s, 0, sizeof(*s));
    s->sel = sel;
    s->limit = 0xffffffff;
    s->type = code ? 0xb : 0x3; /* execute/read accessed, read/write accessed */
    s->s = 1;
    s->present = 1;
    s->db = 1;
    s->g = 1;
}

void x86_code64(struct x86_seg *s, uint16_t sel)
{
    x86_flat32(s, sel, true);
    s->db = 0;
    s->l = 1;
}
