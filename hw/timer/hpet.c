/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hpet.c: the High Precision Event Timer of an Intel PC chipset, one timer
 * block at 0xFED00000.
 *
 * Sources: IA-PC HPET (High Precision Event Timers) Specification 1.0a
 * (Intel, October 2004): 2.3 "Register Definitions" (general capabilities
 * and ID, general configuration, general interrupt status, main counter,
 * timer n configuration and capabilities, comparator, FSB route), 2.3.9
 * "Timer Interrupt Routing" and "Periodic / Non-Periodic Modes"; Intel ICH9
 * and 6 Series PCH datasheets, "High Precision Event Timers" (interrupt
 * mapping: legacy replacement table "Timer 0 -> IRQ0 / IOAPIC IRQ2, the
 * 8254 will not cause any interrupts; Timer 1 -> IRQ8, the RTC will not
 * cause any interrupts", selected by LEG_RT_CNF alone; the Timer 0
 * comparator programming sequence with Tn_VAL_SET_CNF around each 32-bit
 * half); AMD-8111 HyperTransport I/O Hub datasheet, HPET108 (in periodic
 * mode the comparator register is two registers: a write with SETVAL sets
 * the accumulator, every write sets the "last written" period).
 *
 * Emulated: general capabilities (vendor 8086h, revision 1, three timers,
 * 64-bit counter, legacy replacement capable, 10 ns period), ENABLE_CNF and
 * LEG_RT_CNF, the general interrupt status register (level-triggered timers
 * set their bit on a match whether or not Tn_INT_ENB_CNF is set; write 1 to
 * clear), the main counter (runs on the virtual clock only while
 * ENABLE_CNF = 1; writable only while halted).  Timers: timer 0 has a
 * 64-bit comparator and is periodic-capable (Tn_32MODE_CNF makes it a
 * 32-bit timer: comparator, period and wrap at 32 bits, the upper half
 * reads 0 and ignores writes); timers 1 and 2 are 32-bit one-shot timers,
 * as in the ICH.  Edge (a pulse per match) and level (status bit, line held
 * until the bit is cleared) interrupts; Tn_INT_ROUTE_CNF with
 * Tn_INT_ROUTE_CAP = IOAPIC inputs 20-23 for every timer (unused by the
 * PIIX board's ISA and PCI interrupts; values outside the capability are
 * not stored, so they do not read back, as the spec allows); legacy
 * replacement (timer 0 -> ISA IRQ 0, timer 1 -> ISA IRQ 8, whatever their
 * route fields say, and the `legacy` output that tells the board to
 * disconnect the PIT and RTC).  Periodic mode: a comparator write with
 * Tn_VAL_SET_CNF sets the accumulator and the period; a write without it
 * sets only the period; VAL_SET clears itself after each comparator write
 * (32-bit halves included); a write in one-shot mode sets comparator and
 * period.  On a match the accumulator advances by the period.
 * Not emulated: FSB (MSI) delivery (Tn_FSB_INT_DEL_CAP = 0, Tn_FSB_EN_CNF
 * reads 0, the FSB route registers read 0 and ignore writes); a 32-bit
 * counter; the extra interrupt at main-counter wrap some datasheets mention
 * for 32-bit one-shot timers (a 32-bit comparator matches whenever the low
 * 32 bits of the counter equal it, i.e. again after a 2^32-tick wrap, as the
 * ICH datasheet's non-periodic description says); the comparator write
 * latency of real chipsets (writes take effect at once).
 *
 * Time model: the counter is never ticked.  While running it is `counter`
 * plus the whole 10 ns periods since `base_ns`.  Comparator matches are
 * found lazily: every register access and the timer callback look at the
 * counter values passed since `last` and handle the matches in that span
 * (a comparator matched if the newest counter value equal to it, modulo
 * its width, lies in the span).  When the virtual clock has jumped over
 * several periods of a periodic timer, it fires once and its accumulator
 * moves to the first period boundary after the current count (missed
 * ticks are dropped, not replayed).  One vtimer is armed at the earliest
 * match that has an effect (an interrupt, or a status bit not yet set), but
 * never closer than HPET_MIN_TIMER_NS after the previous callback, which
 * bounds the host wakeup rate; a guest that reads registers still sees
 * exact counter, comparator and status values.
 *
 * Reset: everything 0 (counter halted at 0, legacy off, interrupts off),
 * comparators all ones within their width, periods 0.
 *
 * Guests: Linux (arch/x86/kernel/hpet.c) finds the block through the ACPI
 * HPET table, requires a period between 0.1 ns and 100 ns, at least two
 * timers, a config register that does not read all ones, a counter that
 * moves, no unknown bits in the configuration registers at boot, takes
 * timer 0 in legacy mode as its clock event device (periodic mode only if
 * Tn_PER_INT_CAP: it programs the comparator with VAL_SET and then writes
 * the period again without it, with the counter halted; one-shot mode
 * with 32-bit comparator writes), emulates RTC interrupts on timer 1 in
 * 32-bit one-shot mode, and offers timer 2 through /dev/hpet using the
 * route capability.
 *
 * Threat model: guest input is 32- and 64-bit MMIO reads and writes to a
 * 1 KiB window; every register is fixed size, every write is masked to its
 * writable bits, route values are checked against the capability, and all
 * counter and comparator arithmetic is modulo 2^32 or 2^64.  The host
 * wakeup rate is bounded by HPET_MIN_TIMER_NS; matches further than
 * HPET_MAX_TICKS away are not armed.  Loaded state is checked: reserved
 * bits, routes, comparator widths, halted counter consistency, time
 * ranges. */
#include <glib.h>
#include <inttypes.h>
#include <string.h>
#include "hw/timer/hpet.h"

#define HPET_MIN_TIMER_NS 10000LL         /* 10 us, as the PIT's floor */
#define HPET_MAX_TICKS (1ULL << 56)       /* ~22 years at 100 MHz */
#define HPET_TIME_LIMIT (INT64_C(1) << 62) /* loaded times lie within +-this */
#define LAST_FIRE_NEVER (INT64_MIN / 2)
#define CFG_WRITABLE (HPET_CFG_ENABLE | HPET_CFG_LEG_RT)
#define ISR_MASK ((1u << HPET_NUM_TIMERS) - 1)
#define NLINES (HPET_NUM_ROUTES + 2) /* route lines, then irq0, irq8 */

/* ---- capabilities ---- */

uint32_t hpet_block_id(void)
{
    return HPET_REV_ID | (HPET_NUM_TIMERS - 1) << HPET_CAP_NUM_TIM_SHIFT | HPET_CAP_COUNT_SIZE |
           HPET_CAP_LEG_RT | (uint32_t)HPET_VENDOR_ID << HPET_CAP_VENDOR_SHIFT;
}

static uint64_t hpet_caps(void)
{
    return hpet_block_id() | (uint64_t)HPET_PERIOD_FS << 32;
}

/* Read-only capability bits of timer n's configuration register. */
static uint64_t tn_caps(unsigned n)
{
    uint64_t c = (uint64_t)HPET_ROUTE_CAP << HPET_TN_ROUTE_CAP_SHIFT;
    if (n == 0)
        c |= HPET_TN_PER_CAP | HPET_TN_SIZE_CAP;
    return c;
}

static uint64_t tn_writable(unsigned n)
{
    uint64_t w = HPET_TN_INT_TYPE | HPET_TN_INT_ENB | HPET_TN_ROUTE_MASK;
    if (tn_caps(n) & HPET_TN_PER_CAP)
        w |= HPET_TN_TYPE | HPET_TN_VAL_SET;
    if (tn_caps(n) & HPET_TN_SIZE_CAP)
        w |= HPET_TN_32MODE;
    return w;
}

static bool route_ok(unsigned route)
{
    return route < 32 && (HPET_ROUTE_CAP & (1u << route));
}

/* ---- state helpers ---- */

static bool hpet_running(const struct hpet *h)
{
    return h->config & HPET_CFG_ENABLE;
}

static int64_t hpet_now(const struct hpet *h)
{
    return vclock_now(h->env->clock);
}

/* Whole counter periods since base_ns (0 if the clock is behind it). */
static int64_t hpet_elapsed(const struct hpet *h, int64_t now)
{
    return now > h->base_ns ? (now - h->base_ns) / HPET_NS_PER_TICK : 0;
}

static uint64_t hpet_count_at(const struct hpet *h, int64_t now)
{
    if (!hpet_running(h))
        return h->counter;
    return h->counter + (uint64_t)hpet_elapsed(h, now);
}

static uint64_t tn_width_mask(const struct hpet *h, unsigned n)
{
    bool wide = (tn_caps(n) & HPET_TN_SIZE_CAP) && !(h->t[n].config & HPET_TN_32MODE);
    return wide ? UINT64_MAX : UINT32_MAX;
}

static bool tn_level(const struct hpet *h, unsigned n)
{
    return h->t[n].config & HPET_TN_INT_TYPE;
}

static bool tn_periodic(const struct hpet *h, unsigned n)
{
    return h->t[n].config & HPET_TN_TYPE;
}

static unsigned tn_route(uint64_t config)
{
    return (unsigned)((config & HPET_TN_ROUTE_MASK) >> HPET_TN_ROUTE_SHIFT);
}

/* Which output timer n drives: 0-3 the route lines, 4 irq0, 5 irq8, -1 none. */
static int tn_line(const struct hpet *h, unsigned n)
{
    if ((h->config & HPET_CFG_LEG_RT) && n < 2)
        return HPET_NUM_ROUTES + (int)n;
    unsigned r = tn_route(h->t[n].config);
    if (route_ok(r))
        return (int)(r - HPET_ROUTE_FIRST);
    return -1;
}

static struct irq_line *line_ptr(struct hpet *h, int l)
{
    if (l < HPET_NUM_ROUTES)
        return &h->irq[l];
    return l == HPET_NUM_ROUTES ? &h->irq0 : &h->irq8;
}

/* A level-triggered timer holds its line while its status bit is set. */
static bool tn_asserted(const struct hpet *h, unsigned n)
{
    return hpet_running(h) && (h->t[n].config & HPET_TN_INT_ENB) && tn_level(h, n) &&
           (h->isr & (1u << n));
}

/* Does the next match of timer n change anything a guest can see without
 * reading registers (registers are brought up to date on access)? */
static bool tn_needs_timer(const struct hpet *h, unsigned n)
{
    if (!(h->t[n].config & HPET_TN_INT_ENB) || tn_line(h, n) < 0)
        return false;
    return !tn_level(h, n) || !(h->isr & (1u << n));
}

/* ---- matches, outputs, the vtimer ---- */

/* Handle every comparator match at counter values in (last, now's count].
 * Returns the timers whose edge interrupt fired. */
static unsigned hpet_advance(struct hpet *h, int64_t now)
{
    uint64_t c = hpet_count_at(h, now);
    uint64_t span = c - h->last;
    unsigned pulses = 0;
    if (span == 0)
        return 0;
    for (unsigned n = 0; n < HPET_NUM_TIMERS; n++) {
        struct hpet_timer *t = &h->t[n];
        uint64_t m = tn_width_mask(h, n);
        /* Ticks since the newest count equal to the comparator. */
        uint64_t e = (c - t->cmp) & m;
        if (e >= span)
            continue;
        if (tn_periodic(h, n) && (t->period & m)) {
            /* Fire once; the accumulator goes to the next boundary. */
            uint64_t p = t->period & m;
            t->cmp = (c + (p - e % p)) & m;
        }
        if (tn_level(h, n))
            h->isr |= 1u << n;
        else if (t->config & HPET_TN_INT_ENB)
            pulses |= 1u << n;
    }
    h->last = c;
    return pulses;
}

/* Drive every output from the state; `pulses` adds an edge for those
 * edge-triggered timers (a line held high by a level timer shows none). */
static void hpet_update_irqs(struct hpet *h, unsigned pulses)
{
    bool level[NLINES] = { false }, pulse[NLINES] = { false };
    for (unsigned n = 0; n < HPET_NUM_TIMERS; n++) {
        int l = tn_line(h, n);
        if (l < 0)
            continue;
        if (tn_asserted(h, n))
            level[l] = true;
        if (pulses & (1u << n))
            pulse[l] = true;
    }
    for (int l = 0; l < NLINES; l++) {
        struct irq_line *line = line_ptr(h, l);
        if (pulse[l] && !level[l]) {
            irq_set(line, 0);
            irq_pulse(line);
        } else {
            irq_set(line, level[l]);
        }
    }
    irq_set(&h->legacy, !!(h->config & HPET_CFG_LEG_RT));
}

static void hpet_rearm(struct hpet *h, int64_t now)
{
    int64_t best = INT64_MAX;
    if (hpet_running(h)) {
        uint64_t c = hpet_count_at(h, now);
        int64_t tick_ns = h->base_ns + hpet_elapsed(h, now) * HPET_NS_PER_TICK; /* <= now */
        for (unsigned n = 0; n < HPET_NUM_TIMERS; n++) {
            if (!tn_needs_timer(h, n))
                continue;
            uint64_t m = tn_width_mask(h, n);
            uint64_t d = (h->t[n].cmp - c) & m;
            if (d == 0) {
                /* The match at c has been handled: next one after a wrap. */
                if (m == UINT64_MAX)
                    continue;
                d = m + 1;
            }
            if (d > HPET_MAX_TICKS)
                continue;
            int64_t dns = (int64_t)d * HPET_NS_PER_TICK;
            if (tick_ns > INT64_MAX - dns)
                continue;
            best = MIN(best, tick_ns + dns);
        }
    }
    if (best == INT64_MAX) {
        vtimer_del(&h->timer);
        return;
    }
    vtimer_mod(&h->timer, MAX(best, h->last_fire + HPET_MIN_TIMER_NS));
}

static void hpet_sync(struct hpet *h, int64_t now, unsigned pulses)
{
    hpet_update_irqs(h, pulses);
    hpet_rearm(h, now);
}

static void hpet_timer_cb(void *opaque)
{
    struct hpet *h = opaque;
    int64_t now = hpet_now(h);
    h->last_fire = now;
    hpet_sync(h, now, hpet_advance(h, now));
}

/* ---- registers ---- */

static uint64_t hpet_reg_read(struct hpet *h, uint64_t reg, int64_t now)
{
    switch (reg) {
    case HPET_REG_CAP:
        return hpet_caps();
    case HPET_REG_CONFIG:
        return h->config;
    case HPET_REG_ISR:
        return h->isr;
    case HPET_REG_COUNTER:
        return hpet_count_at(h, now);
    default:
        break;
    }
    if (reg < HPET_REG_TN_CONFIG(0) || reg >= HPET_REG_TN_CONFIG(HPET_NUM_TIMERS))
        return 0; /* reserved */
    unsigned n = (unsigned)(reg - HPET_REG_TN_CONFIG(0)) / 0x20;
    switch ((reg - HPET_REG_TN_CONFIG(0)) % 0x20) {
    case 0x00:
        return h->t[n].config | tn_caps(n);
    case 0x08:
        return h->t[n].cmp & tn_width_mask(h, n);
    default:
        return 0; /* FSB route (no FSB delivery) and reserved */
    }
}

static void hpet_write_config(struct hpet *h, uint64_t val, uint64_t mask, int64_t now)
{
    uint64_t nv = ((h->config & ~mask) | (val & mask)) & CFG_WRITABLE;
    if ((nv ^ h->config) & HPET_CFG_ENABLE) {
        if (nv & HPET_CFG_ENABLE) {
            h->base_ns = now; /* counts on from the held value */
        } else {
            h->counter = hpet_count_at(h, now);
            h->last = h->counter;
        }
    }
    h->config = nv;
}

static void hpet_write_counter(struct hpet *h, uint64_t val, uint64_t mask)
{
    if (hpet_running(h)) {
        log_guest_error(h->env->log, "hpet", "main counter written while running (ignored)");
        return;
    }
    h->counter = (h->counter & ~mask) | (val & mask);
    h->last = h->counter; /* no match for the counter values jumped over */
}

static void tn_write_config(struct hpet *h, unsigned n, uint64_t val, uint64_t mask)
{
    struct hpet_timer *t = &h->t[n];
    uint64_t old = t->config;
    uint64_t nv = ((old & ~mask) | (val & mask)) & tn_writable(n);
    unsigned r = tn_route(nv);
    if (r != tn_route(old) && !route_ok(r)) {
        log_guest_error(h->env->log, "hpet", "timer %u: route %u not in Tn_INT_ROUTE_CAP", n, r);
        nv = (nv & ~HPET_TN_ROUTE_MASK) | (old & HPET_TN_ROUTE_MASK);
    }
    t->config = nv;
    if ((nv & ~old) & HPET_TN_32MODE) {
        t->cmp &= UINT32_MAX;
        t->period &= UINT32_MAX;
    }
}

static void tn_write_cmp(struct hpet *h, unsigned n, uint64_t val, uint64_t mask)
{
    struct hpet_timer *t = &h->t[n];
    uint64_t wm = mask & tn_width_mask(h, n);
    if (!wm)
        return; /* upper half of a 32-bit comparator */
    if (!tn_periodic(h, n) || (t->config & HPET_TN_VAL_SET))
        t->cmp = (t->cmp & ~wm) | (val & wm);
    t->period = (t->period & ~wm) | (val & wm);
    t->config &= ~HPET_TN_VAL_SET;
}

static void hpet_reg_write(struct hpet *h, uint64_t reg, uint64_t val, uint64_t mask, int64_t now)
{
    switch (reg) {
    case HPET_REG_CONFIG:
        hpet_write_config(h, val, mask, now);
        return;
    case HPET_REG_ISR:
        h->isr &= ~(val & mask);
        return;
    case HPET_REG_COUNTER:
        hpet_write_counter(h, val, mask);
        return;
    default:
        break;
    }
    if (reg < HPET_REG_TN_CONFIG(0) || reg >= HPET_REG_TN_CONFIG(HPET_NUM_TIMERS))
        return; /* capabilities (read-only) and reserved */
    unsigned n = (unsigned)(reg - HPET_REG_TN_CONFIG(0)) / 0x20;
    switch ((reg - HPET_REG_TN_CONFIG(0)) % 0x20) {
    case 0x00:
        tn_write_config(h, n, val, mask);
        break;
    case 0x08:
        tn_write_cmp(h, n, val, mask);
        break;
    default:
        break; /* FSB route: no FSB delivery */
    }
}

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;
}

/* Accesses are 4 or 8 bytes (the bus adapts others); a 32-bit access
 * reaches one half of a 64-bit register. */
static uint64_t hpet_mmio_read(void *opaque, uint64_t off, unsigned size)
{
    struct hpet *h = opaque;
    int64_t now = hpet_now(h);
    uint64_t isr = h->isr;
    unsigned pulses = hpet_advance(h, now);
    unsigned shift = (unsigned)(off & 7) * 8;
    uint64_t v = hpet_reg_read(h, off & ~7ULL, now) >> shift;
    if (pulses || isr != h->isr)
        hpet_sync(h, now, pulses); /* a match the vtimer has not reached yet */
    return v & size_mask(size);
}

static void hpet_mmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct hpet *h = opaque;
    int64_t now = hpet_now(h);
    unsigned pulses = hpet_advance(h, now);
    unsigned shift = (unsigned)(off & 7) * 8;
    uint64_t mask = size_mask(size) << shift;
    TRACE(h->env->log, h->trace, "hpet: write [0x%03" PRIx64 "] = 0x%" PRIx64 " (%u bytes)", off,
          val, size);
    hpet_reg_write(h, off & ~7ULL, val << shift, mask, now);
    hpet_sync(h, now, pulses);
}

static const struct io_ops hpet_ops = {
    .read = hpet_mmio_read,
    .write = hpet_mmio_write,
    .min_size = 4,
    .max_size = 8,
};

/* ---- dev_class ---- */

static void hpet_reset(void *dev, enum reset_kind kind)
{
    struct hpet *h = dev;
    (void)kind;
    vtimer_del(&h->timer);
    h->config = 0;
    h->isr = 0;
    h->counter = 0;
    h->last = 0;
    h->base_ns = hpet_now(h);
    h->last_fire = LAST_FIRE_NEVER;
    for (unsigned n = 0; n < HPET_NUM_TIMERS; n++) {
        h->t[n].config = 0;
        h->t[n].cmp = tn_width_mask(h, n);
        h->t[n].period = 0;
    }
}

static void hpet_settle(void *dev)
{
    struct hpet *h = dev;
    int64_t now = hpet_now(h);
    hpet_sync(h, now, hpet_advance(h, now));
}

static void hpet_save(void *dev, struct vm_writer *w)
{
    struct hpet *h = dev;
    char name[32];
    vmw_u64(w, "config", h->config);
    vmw_u64(w, "isr", h->isr);
    vmw_u64(w, "counter", h->counter);
    vmw_i64(w, "base_ns", h->base_ns);
    vmw_u64(w, "last", h->last);
    vmw_i64(w, "last_fire", h->last_fire);
    for (unsigned n = 0; n < HPET_NUM_TIMERS; n++) {
        snprintf(name, sizeof(name), "t%u_config", n);
        vmw_u64(w, name, h->t[n].config);
        snprintf(name, sizeof(name), "t%u_cmp", n);
        vmw_u64(w, name, h->t[n].cmp);
        snprintf(name, sizeof(name), "t%u_period", n);
        vmw_u64(w, name, h->t[n].period);
    }
    vmw_i64(w, "timer_deadline", vtimer_pending(&h->timer) ? h->timer.deadline : -1);
}

/* Is loaded state consistent?  If not, names the bad field. */
static bool hpet_check(const struct hpet *h, char *field, size_t len)
{
    const char *bad = NULL;
    if (h->config & ~(uint64_t)CFG_WRITABLE)
        bad = "config";
    else if (h->isr & ~(uint64_t)ISR_MASK)
        bad = "isr";
    else if (h->base_ns < -HPET_TIME_LIMIT || h->base_ns > HPET_TIME_LIMIT)
        bad = "base_ns";
    else if (!hpet_running(h) && h->last != h->counter)
        bad = "last"; /* a halted counter has no pending matches */
    else if (h->last_fire < LAST_FIRE_NEVER || h->last_fire > HPET_TIME_LIMIT)
        bad = "last_fire";
    if (bad) {
        snprintf(field, len, "%s", bad);
        return false;
    }
    for (unsigned n = 0; n < HPET_NUM_TIMERS; n++) {
        const struct hpet_timer *t = &h->t[n];
        uint64_t m = tn_width_mask(h, n);
        unsigned r = tn_route(t->config);
        if ((t->config & ~tn_writable(n)) || (r != 0 && !route_ok(r)))
            bad = "config";
        else if (t->cmp & ~m)
            bad = "cmp";
        else if (t->period & ~m)
            bad = "period";
        if (bad) {
            snprintf(field, len, "t%u_%s", n, bad);
            return false;
        }
    }
    return true;
}

static int hpet_load(void *dev, struct vm_reader *r)
{
    struct hpet *h = dev;
    /* Load into a copy so a rejected stream leaves the device untouched. */
    struct hpet n = *h;
    int64_t deadline = vtimer_pending(&h->timer) ? h->timer.deadline : -1;
    char name[32];
    vmr_u64(r, "config", &n.config);
    vmr_u64(r, "isr", &n.isr);
    vmr_u64(r, "counter", &n.counter);
    vmr_i64(r, "base_ns", &n.base_ns);
    vmr_u64(r, "last", &n.last);
    vmr_i64(r, "last_fire", &n.last_fire);
    for (unsigned i = 0; i < HPET_NUM_TIMERS; i++) {
        snprintf(name, sizeof(name), "t%u_config", i);
        vmr_u64(r, name, &n.t[i].config);
        snprintf(name, sizeof(name), "t%u_cmp", i);
        vmr_u64(r, name, &n.t[i].cmp);
        snprintf(name, sizeof(name), "t%u_period", i);
        vmr_u64(r, name, &n.t[i].period);
    }
    vmr_i64(r, "timer_deadline", &deadline);
    if (vmr_failed(r))
        return -1;
    if (!hpet_check(&n, name, sizeof(name))) {
        vmr_fail(r, name, "inconsistent or out of range");
        return -1;
    }
    if (deadline < -1 || deadline > HPET_TIME_LIMIT) {
        vmr_fail(r, "timer_deadline", "%" PRId64 " out of range", deadline);
        return -1;
    }
    h->config = n.config;
    h->isr = n.isr;
    h->counter = n.counter;
    h->base_ns = n.base_ns;
    h->last = n.last;
    h->last_fire = n.last_fire;
    memcpy(h->t, n.t, sizeof(h->t));
    /* Re-armed as saved; the callback recomputes the next deadline from
     * the state, so a stale one costs one early wakeup. */
    if (deadline >= 0)
        vtimer_mod(&h->timer, deadline);
    else
        vtimer_del(&h->timer);
    return 0;
}

static void hpet_destroy(void *dev)
{
    struct hpet *h = dev;
    vtimer_del(&h->timer);
    g_free(h);
}

const struct dev_class hpet_class = {
    .name = "hpet",
    .version = 1,
    .reset = hpet_reset,
    .settle = hpet_settle,
    .save = hpet_save,
    .load = hpet_load,
    .destroy = hpet_destroy,
};

struct hpet *hpet_new(const struct dev_env *env)
{
    struct hpet *h = g_new0(struct hpet, 1);
    h->env = env;
    h->trace = trace_on(env->log, "hpet");
    region_init_io(&h->region, "hpet", HPET_MMIO_SIZE, &hpet_ops, h);
    vtimer_init(&h->timer, env->clock, hpet_timer_cb, h);
    hpet_reset(h, RESET_COLD);
    return h;
}
