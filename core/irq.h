/* SPDX-License-Identifier: GPL-2.0-or-later */
/* irq.h: interrupt lines.
 *
 * A device owns output lines and only ever calls irq_set(line, level).  The
 * board wires each line to a sink: an ISA IRQ, a PCI INTx pin through the
 * PIRQ router, or a test recorder.  Lines are level-triggered; an edge is a
 * 0->1 transition.  irq_set() with the current level does not call the sink,
 * so devices may call it freely after every register update. */
#ifndef CORE_IRQ_H
#define CORE_IRQ_H

#include "core/base.h"

typedef void irq_sink_fn(void *opaque, int n, int level);

struct irq_line {
    irq_sink_fn *sink; /* NULL: unconnected */
    void *opaque;
    int n;             /* sink's input number (GSI, pin...) */
    int level;
};

static inline void irq_connect(struct irq_line *l, irq_sink_fn *sink, void *opaque, int n)
{
    l->sink = sink;
    l->opaque = opaque;
    l->n = n;
    l->level = 0;
}

static inline void irq_set(struct irq_line *l, int level)
{
    level = !!level;
    if (l->level == level)
        return;
    l->level = level;
    if (l->sink)
        l->sink(l->opaque, l->n, level);
}

/* Edge for edge-only sinks: raise and lower. */
static inline void irq_pulse(struct irq_line *l)
{
    irq_set(l, 1);
    irq_set(l, 0);
}

#endif
