/* SPDX-License-Identifier: GPL-2.0-or-later */
/* i8254.c: Intel 82C54 programmable interval timer as wired in a PC
 * (ports 0x40-0x43, 1.193182 MHz clock on all three counters), plus the
 * PIIX/ICH "NMI status and control" register, the PC's system control
 * port B, at port 0x61.
 *
 * Sources: Intel 82C54 CHMOS Programmable Interval Timer datasheet (order
 * 231244): "Functional Description" (CR, CE, OL, status), "Control Word
 * Format", "Write Operations", "Read Operations" (simple read, Counter
 * Latch Command, Read-Back Command, status byte, Figure 14 read/write
 * summary), "Mode Definitions" (modes 0-5, Figures 15-20), "Operation
 * Common to All Modes" (loading on the CLK pulse after the write, count 0
 * = 2^16 or 10^4, wrap-around in modes 0, 1, 4, 5), Table "Gate Pin
 * Operations Summary"; Intel 82371AB PIIX4 / ICH datasheets, "NMI Status
 * and Control Register (port 61h)".
 *
 * Emulated: all six modes (6 and 7 alias 2 and 3), binary and BCD counting,
 * LSB / MSB / LSB-then-MSB access with separate read and write flip-flops,
 * the counter latch command, the read-back command (count and/or status of
 * any set of counters; status first), NULL COUNT, gate behaviour per mode
 * (level enable in 0, 2, 3, 4; trigger in 1, 2, 3, 5; gate low forcing OUT
 * high in 2 and 3), new counts taking effect as each mode specifies
 * (immediately in 0 and 4, at the end of the period or half-period in 2 and
 * 3, at the next trigger in 1 and 5), odd counts in mode 3 (high one clock
 * longer, CE loaded with N-1 and counting by two).  Gates 0 and 1 are tied
 * high as on a PC; gate 2 is port 0x61 bit 0.  Port 0x61: bit 0 gate 2,
 * bit 1 speaker data enable (stored, no audio), bits 2-3 stored, bit 4
 * refresh toggle, bit 5 counter 2 OUT, bits 6-7 (IOCHK#/SERR# NMI sources)
 * read 0.
 * Not emulated: the speaker sound; counter 1 drives nothing (on a PC it
 * paces DRAM refresh); the refresh toggle at bit 4 flips every 18 clocks
 * (15.0855 us, the AT's refresh period) regardless of how counter 1 is
 * programmed; counts of 1 in modes 2 and 3 (illegal per datasheet) give a
 * constant OUT (low in mode 2, high in mode 3) and no IRQ edges; the CE
 * value between a control word and the first load (undefined on the chip)
 * is held at what the CE held; a counting element reading in mode 0
 * after only the first byte of a two-byte count is held too (the datasheet
 * says that byte disables counting).
 *
 * Time model: the counters are never ticked.  A clock tick k is the k-th
 * falling CLK edge since virtual time 0 (tick k happens at
 * ceil(k * 1e9 / 1193182) ns).  While a counter runs, its CE and OUT at tick
 * k are closed-form functions of a segment (start tick, count, phase);
 * events that change the segment (loads on the CLK after a write or a
 * trigger, mode 2/3 reloads with a new count) are applied lazily in tick
 * order whenever the counter is looked at.  Reads are exact to the tick.
 *
 * IRQ 0: a vtimer is armed only for counter 0, at its next OUT change that
 * the 8259 cares about: terminal count in modes 0/1, the end of the
 * one-clock strobe in modes 4/5, each period in mode 2, each half-period in
 * mode 3.  Mode 2's one-clock low pulse and mode 4/5's strobe are delivered
 * as a low-high pulse on the line when the period ends, so the line stays
 * high (a rising edge per period, as the 8259's edge latch and the
 * "IR must stay high until INTA" rule need).  A timer is never armed
 * closer than PIT_MIN_TIMER_NS (10 us) after the previous timer callback:
 * a guest programming a tiny period (count 2 in mode 2 is 1.7 us) gets at
 * most one IRQ 0 edge per 10 us, while the counter values it reads stay
 * exact.  10 us is below Linux's shortest one-shot PIT delta (15 clocks,
 * 12.6 us) and below the period of any DOS sample player (~22 us at
 * 44 kHz).  When several rising edges fall into one callback they become
 * one edge, and the line is then held high until the next callback even
 * if OUT is low by then, so a square wave can never turn into a pulse the
 * 8259 would lose.  Any port access also brings the line up to date.
 *
 * Reset: the 82C54 has no reset pin and powers up with undefined mode,
 * count and OUT.  Reset (cold and warm) leaves every counter as after the
 * control word 30h (LSB-then-MSB, mode 0, binary) with no count: OUT low,
 * CE 0 not counting, NULL COUNT set; port 0x61 reads 0 in bits 0-3 (gate 2
 * low).  So IRQ 0 is low until the guest programs counter 0.
 *
 * Guests: every BIOS runs counter 0 in mode 3 (or 2) with count 0 for the
 * 18.2 Hz tick and uses counter 2 with port 0x61 for beeps and delays;
 * Linux uses mode 2 (periodic) and mode 4 (one-shot, count written LSB
 * then MSB each time) on counter 0, calibrates the TSC with counter 2 in
 * mode 0 gated by port 0x61 bit 0, polling bit 5 or reading the MSB
 * unlatched, and its early delay loops and SeaBIOS poll the refresh toggle;
 * DOS games and sample players program short periods on counter 0 and use
 * the latch command.
 *
 * Threat model: guest input is bytes written to five ports; every stored
 * value is at most 16 bits and every computation on it is bounded (periods
 * 1..65536, BCD counts reduced to 1..10000, tick arithmetic within 2^54).
 * The host wakeup rate is bounded by PIT_MIN_TIMER_NS.  Loaded state is
 * range-checked: modes, counts, phases, tick ordering (base <= last <
 * load_at), the wired gates. */
#include <glib.h>
#include <inttypes.h>
#include <string.h>
#include "hw/timer/i8254.h"

#define PIT_MIN_TIMER_NS 10000LL
#define REFRESH_TICKS 18        /* port 0x61 bit 4 period / 2, in clocks */
#define PIT_MAX_TICK (1LL << 53) /* ~240 years of clocks: tick <-> ns never overflows */
#define LAST_FIRE_NEVER (INT64_MIN / 2)

enum { CE_IDLE, CE_FROZEN, CE_RUN };

#define P61_GATE2 0x01
#define P61_RW 0x0f
#define P61_REFRESH 0x10
#define P61_OUT2 0x20

/* ---- clock ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b) != 0 && ((a < 0) != (b < 0)))
        q--;
    return q;
}

/* Clock edges at or before virtual time ns. */
static int64_t ns_to_ticks(int64_t ns)
{
    int64_t q = floor_div(ns, NS_PER_SEC);
    int64_t r = ns - q * NS_PER_SEC;
    return q * I8254_HZ + r * I8254_HZ / NS_PER_SEC;
}

/* The virtual time of clock edge k: the first ns with ns_to_ticks >= k. */
static int64_t ticks_to_ns(int64_t k)
{
    int64_t q = floor_div(k, I8254_HZ);
    int64_t r = k - q * I8254_HZ;
    return q * NS_PER_SEC + (r * NS_PER_SEC + I8254_HZ - 1) / I8254_HZ;
}

/* ---- one counter: programming ---- */

static unsigned ctr_mode(const struct i8254_counter *c)
{
    unsigned m = (c->ctrl >> 1) & 7;
    return m >= 6 ? m - 4 : m;
}

static unsigned ctr_rw(const struct i8254_counter *c)
{
    return (c->ctrl >> 4) & 3;
}

static bool ctr_bcd(const struct i8254_counter *c)
{
    return c->ctrl & 1;
}

static bool ctr_periodic(const struct i8254_counter *c)
{
    unsigned m = ctr_mode(c);
    return m == 2 || m == 3;
}

static uint32_t ctr_modulus(const struct i8254_counter *c)
{
    return ctr_bcd(c) ? 10000 : 65536;
}

/* The count CR stands for, 1..modulus (0 is the maximum).  Invalid BCD
 * digits count with their binary weight and the result is reduced mod
 * 10^4, which keeps it in range whatever the guest wrote. */
static uint32_t ctr_initial(const struct i8254_counter *c)
{
    uint32_t v = c->cr;
    if (ctr_bcd(c)) {
        v = ((v >> 12) & 0xf) * 1000 + ((v >> 8) & 0xf) * 100 + ((v >> 4) & 0xf) * 10 + (v & 0xf);
        v %= 10000;
    }
    return v ? v : ctr_modulus(c);
}

static uint16_t ctr_encode(const struct i8254_counter *c, uint32_t v)
{
    v %= ctr_modulus(c);
    if (!ctr_bcd(c))
        return (uint16_t)v;
    return (uint16_t)((v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

/* ---- one counter: the running segment, evaluated at tick k >= base ---- */

/* Mode 3 spends (n+1)/2 clocks high and n/2 low. */
static uint32_t sq_high(uint32_t n)
{
    return (n + 1) / 2;
}

static uint32_t seg_pos(const struct i8254_counter *c, int64_t k)
{
    return (uint32_t)(((int64_t)c->phase + (k - c->base)) % c->n);
}

static uint32_t ctr_count_at(const struct i8254_counter *c, int64_t k)
{
    uint32_t mod = ctr_modulus(c);
    if (c->state != CE_RUN)
        return c->ce;
    switch (ctr_mode(c)) {
    case 2:
        return (c->n - seg_pos(c, k)) % mod;
    case 3: {
        /* Even n: N, N-2, ... 2 per half.  Odd n: N-1, N-3, ... 0 high,
         * then N-1, ... 2 low (the datasheet's odd-count sequence). */
        uint32_t p = seg_pos(c, k), hi = sq_high(c->n);
        uint32_t j = p < hi ? p : p - hi;
        uint32_t v = (c->n & 1) ? c->n - 1 - 2 * j : c->n - 2 * j;
        return v % mod;
    }
    default: {
        /* Modes 0, 1, 4, 5 wrap around after the terminal count. */
        int64_t v = ((int64_t)c->n - (k - c->base)) % mod;
        return (uint32_t)(v < 0 ? v + mod : v);
    }
    }
}

static bool ctr_out_at(const struct i8254_counter *c, int64_t k)
{
    if (c->state != CE_RUN)
        return c->out;
    switch (ctr_mode(c)) {
    case 0:
    case 1:
        return c->armed ? k - c->base >= c->n : c->out;
    case 4:
    case 5:
        return c->armed ? k - c->base != c->n : c->out;
    case 2:
        return seg_pos(c, k) != c->n - 1;
    default:
        return seg_pos(c, k) < sq_high(c->n);
    }
}

static uint32_t ctr_count(const struct i8254_counter *c)
{
    return ctr_count_at(c, c->last);
}

static bool ctr_out(const struct i8254_counter *c)
{
    return ctr_out_at(c, c->last);
}

/* Tick of the next period start (mode 2 reload, mode 3 rising edge). */
static int64_t seg_next_period(const struct i8254_counter *c, int64_t k)
{
    return k + (c->n - seg_pos(c, k));
}

/* Next tick > k where the CE is reloaded from CR if a new count waits:
 * the end of the period (mode 2) or half-period (mode 3). */
static int64_t seg_boundary(const struct i8254_counter *c, int64_t k)
{
    if (c->n < 2)
        return k + 1;
    if (ctr_mode(c) == 2)
        return seg_next_period(c, k);
    uint32_t p = seg_pos(c, k), hi = sq_high(c->n);
    return k + (p < hi ? hi - p : c->n - p);
}

/* Did OUT rise at a tick in (k0, k1]?  Mode 4/5 strobes count as rising
 * when they end. */
static bool seg_rose(const struct i8254_counter *c, int64_t k0, int64_t k1)
{
    if (c->state != CE_RUN || k1 <= k0)
        return false;
    switch (ctr_mode(c)) {
    case 0:
    case 1:
        return c->armed && c->base + c->n > k0 && c->base + c->n <= k1;
    case 4:
    case 5:
        return c->armed && c->base + c->n + 1 > k0 && c->base + c->n + 1 <= k1;
    default:
        return c->n >= 2 && seg_next_period(c, k0) <= k1;
    }
}

/* Next tick > k at which OUT changes in a way IRQ 0 must see. */
static int64_t seg_next_edge(const struct i8254_counter *c, int64_t k)
{
    if (c->state != CE_RUN)
        return INT64_MAX;
    switch (ctr_mode(c)) {
    case 0:
    case 1:
        return c->armed && c->base + c->n > k ? c->base + c->n : INT64_MAX;
    case 4:
    case 5:
        return c->armed && c->base + c->n + 1 > k ? c->base + c->n + 1 : INT64_MAX;
    case 2:
        return c->n >= 2 ? seg_next_period(c, k) : INT64_MAX;
    default:
        return c->n >= 2 ? seg_boundary(c, k) : INT64_MAX;
    }
}

static void ctr_load(struct i8254_counter *c, int64_t t);

/* Next tick at which counter 0 needs a timer: an OUT edge of the current
 * segment, or, with a load pending, the load itself if it changes OUT
 * (mode 1 going low), else the first edge of the segment it starts. */
static int64_t ctr_next_event(const struct i8254_counter *c)
{
    int64_t t = seg_next_edge(c, c->last);
    if (c->load_at >= 0) {
        struct i8254_counter after = *c;
        if (t > c->load_at)
            t = INT64_MAX; /* the current segment ends at the load */
        ctr_load(&after, c->load_at);
        after.last = c->load_at;
        if (ctr_out(&after) != ctr_out(c))
            return c->load_at;
        return MIN(t, seg_next_edge(&after, c->load_at));
    }
    if (c->state == CE_RUN && c->reload_pending)
        t = MIN(t, seg_boundary(c, c->last));
    return t;
}

/* ---- one counter: events ---- */

/* CR -> CE on the CLK pulse after a write or a trigger. */
static void ctr_load(struct i8254_counter *c, int64_t t)
{
    unsigned m = ctr_mode(c);
    c->load_at = -1;
    c->reload_pending = false;
    c->null_count = false;
    c->base = t;
    c->n = ctr_initial(c);
    c->phase = 0;
    c->armed = !ctr_periodic(c);
    /* Modes 0 and 1 hold OUT low until the terminal count. */
    c->out = !(m == 0 || m == 1);
    if (c->gate || m == 1 || m == 5) {
        c->state = CE_RUN;
    } else {
        c->state = CE_FROZEN;
        c->ce = (uint16_t)(c->n % ctr_modulus(c));
    }
}

/* Modes 2/3: a new count takes over at the end of the (half-)period. */
static void ctr_roll(struct i8254_counter *c, int64_t t)
{
    uint32_t n = ctr_initial(c);
    bool low_half = ctr_mode(c) == 3 && c->n >= 2 && seg_pos(c, t) != 0;
    c->reload_pending = false;
    c->null_count = false;
    c->base = t;
    c->phase = low_half ? sq_high(n) % n : 0;
    c->n = n;
}

/* Apply every event up to tick k, in order.  Returns whether OUT rose at
 * a tick in (last, k].  At most two events can be pending (a load and a
 * reload), so this is bounded. */
static bool ctr_advance(struct i8254_counter *c, int64_t k)
{
    bool rose = false;
    if (k <= c->last)
        return false;
    for (;;) {
        int64_t ev = c->load_at >= 0 ? c->load_at : INT64_MAX;
        bool roll = false;
        if (c->state == CE_RUN && c->reload_pending) {
            int64_t b = seg_boundary(c, c->last);
            if (b < ev) {
                ev = b;
                roll = true;
            }
        }
        if (ev > k)
            break;
        rose |= seg_rose(c, c->last, ev);
        if (roll)
            ctr_roll(c, ev);
        else
            ctr_load(c, ev);
        c->last = ev;
    }
    rose |= seg_rose(c, c->last, k);
    c->last = k;
    return rose;
}

/* Stop counting, keeping CE and OUT as they are now. */
static void ctr_hold(struct i8254_counter *c, uint8_t state)
{
    if (c->state == CE_RUN) {
        c->ce = (uint16_t)ctr_count(c);
        c->out = ctr_out(c);
    }
    c->state = state;
}

/* GATE low in modes 0/4 (counting pauses; resumes where it was) and 2/3
 * (counting stops and OUT goes high at once). */
static void ctr_freeze(struct i8254_counter *c)
{
    if (c->state != CE_RUN)
        return;
    if (ctr_periodic(c)) {
        ctr_hold(c, CE_FROZEN);
        c->out = true;
        c->reload_pending = false; /* the trigger that restarts it loads CR */
        return;
    }
    int64_t rem = (int64_t)c->n - (c->last - c->base);
    ctr_hold(c, CE_FROZEN);
    if (c->armed && rem > 0) {
        c->n = (uint32_t)rem;
    } else {
        /* Past the terminal count (or on a mode 4 strobe, which ends). */
        c->armed = false;
        c->out = true;
        c->n = c->ce;
    }
    c->phase = 0;
}

static void ctr_set_gate(struct i8254_counter *c, bool level)
{
    unsigned m = ctr_mode(c);
    if (level == c->gate)
        return;
    c->gate = level;
    if (!level) {
        if (m != 1 && m != 5)
            ctr_freeze(c);
        return;
    }
    if (m == 0 || m == 4) {
        if (c->state == CE_FROZEN) {
            c->state = CE_RUN;
            c->base = c->last;
        }
    } else if (c->count_written) {
        /* A trigger: (re)load CR on the next CLK pulse. */
        c->load_at = c->last + 1;
    }
}

static void ctr_program(struct i8254_counter *c, uint8_t cw)
{
    ctr_hold(c, CE_IDLE);
    c->ctrl = cw & 0x3f;
    c->ce = (uint16_t)(c->ce % ctr_modulus(c));
    c->load_at = -1;
    c->reload_pending = false;
    c->wr_msb = false;
    c->rd_msb = false;
    c->ol_valid = false;
    c->status_valid = false;
    c->null_count = true;
    c->count_written = false;
    c->armed = false;
    c->out = ctr_mode(c) != 0; /* mode 0 starts low, the others high */
}

/* A complete count is in CR. */
static void ctr_count_written(struct i8254_counter *c)
{
    c->count_written = true;
    c->null_count = true;
    switch (ctr_mode(c)) {
    case 0:
    case 4:
        /* Loaded on the next CLK; counting continues from the new count.
         * Mode 0's OUT goes low at once. */
        ctr_hold(c, CE_IDLE);
        c->armed = false;
        if (ctr_mode(c) == 0)
            c->out = false;
        c->load_at = c->last + 1;
        break;
    case 1:
    case 5:
        break; /* used at the next trigger */
    default:
        if (c->state == CE_RUN)
            c->reload_pending = true;
        else if (c->gate || c->state == CE_IDLE)
            c->load_at = c->last + 1;
        break;
    }
}

static void ctr_write(struct i8254_counter *c, uint8_t v)
{
    switch (ctr_rw(c)) {
    case 1:
        c->cr = v;
        break;
    case 2:
        c->cr = (uint16_t)(v << 8);
        break;
    default:
        if (!c->wr_msb) {
            c->cr_lsb = v;
            c->wr_msb = true;
            /* Mode 0: the first byte stops counting and sets OUT low. */
            if (ctr_mode(c) == 0) {
                ctr_hold(c, CE_IDLE);
                c->load_at = -1;
                c->armed = false;
                c->out = false;
            }
            return;
        }
        c->cr = (uint16_t)(c->cr_lsb | v << 8);
        c->wr_msb = false;
        break;
    }
    ctr_count_written(c);
}

static uint8_t ctr_read(struct i8254_counter *c)
{
    if (c->status_valid) {
        c->status_valid = false;
        return c->status;
    }
    uint16_t v = c->ol_valid ? c->ol : ctr_encode(c, ctr_count(c));
    switch (ctr_rw(c)) {
    case 1:
        c->ol_valid = false;
        return (uint8_t)v;
    case 2:
        c->ol_valid = false;
        return (uint8_t)(v >> 8);
    default:
        if (!c->rd_msb) {
            c->rd_msb = true;
            return (uint8_t)v;
        }
        c->rd_msb = false;
        c->ol_valid = false;
        return (uint8_t)(v >> 8);
    }
}

/* A second latch command before the read is ignored. */
static void ctr_latch_count(struct i8254_counter *c)
{
    if (c->ol_valid)
        return;
    c->ol = ctr_encode(c, ctr_count(c));
    c->ol_valid = true;
}

static void ctr_latch_status(struct i8254_counter *c)
{
    if (c->status_valid)
        return;
    c->status = (uint8_t)((ctr_out(c) ? 0x80 : 0) | (c->null_count ? 0x40 : 0) | c->ctrl);
    c->status_valid = true;
}

/* ---- the chip ---- */

static int64_t pit_now(const struct i8254 *p)
{
    return vclock_now(p->env->clock);
}

/* Bring every counter to the tick of `now`; returns whether counter 0's
 * OUT rose on the way. */
static bool pit_advance(struct i8254 *p, int64_t now)
{
    int64_t k = ns_to_ticks(now);
    bool rose = ctr_advance(&p->ctr[0], k);
    ctr_advance(&p->ctr[1], k);
    ctr_advance(&p->ctr[2], k);
    return rose;
}

static void pit_rearm(struct i8254 *p, int64_t now)
{
    const struct i8254_counter *c = &p->ctr[0];
    int64_t t = ctr_next_event(c);
    int64_t dl = t <= PIT_MAX_TICK ? ticks_to_ns(t) : INT64_MAX;
    if (p->line != ctr_out(c))
        dl = MIN(dl, now + PIT_MIN_TIMER_NS); /* release a held line */
    if (dl == INT64_MAX) {
        vtimer_del(&p->timer);
        return;
    }
    vtimer_mod(&p->timer, MAX(dl, p->last_fire + PIT_MIN_TIMER_NS));
}

/* Drive IRQ 0 from counter 0 and re-arm.  `rose`: OUT rose since the
 * last call; that edge is delivered even if OUT is low again by now. */
static void pit_output(struct i8254 *p, int64_t now, bool rose)
{
    if (rose) {
        irq_set(&p->irq, 0);
        p->line = true;
    } else {
        p->line = ctr_out(&p->ctr[0]);
    }
    irq_set(&p->irq, p->line);
    pit_rearm(p, now);
}

static void pit_timer_cb(void *opaque)
{
    struct i8254 *p = opaque;
    int64_t now = pit_now(p);
    p->last_fire = now;
    pit_output(p, now, pit_advance(p, now));
}

static void pit_control(struct i8254 *p, uint8_t v)
{
    unsigned sc = v >> 6;
    if (sc == 3) {
        /* Read-back: D5 = 0 latches counts, D4 = 0 latches status, D3-D1
         * select counters 2-0. */
        for (unsigned i = 0; i < 3; i++) {
            if (!(v & (2u << i)))
                continue;
            if (!(v & 0x20))
                ctr_latch_count(&p->ctr[i]);
            if (!(v & 0x10))
                ctr_latch_status(&p->ctr[i]);
        }
        return;
    }
    if (!(v & 0x30))
        ctr_latch_count(&p->ctr[sc]);
    else
        ctr_program(&p->ctr[sc], v);
}

static uint64_t pit_io_read(void *opaque, uint64_t off, unsigned size)
{
    struct i8254 *p = opaque;
    if (off >= 3)
        return 0xff; /* control register: no-operation, bus floats */
    int64_t now = pit_now(p);
    bool rose = pit_advance(p, now);
    uint8_t v = ctr_read(&p->ctr[off]);
    pit_output(p, now, rose);
    return v;
}

static void pit_io_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct i8254 *p = opaque;
    int64_t now = pit_now(p);
    bool rose = pit_advance(p, now);
    TRACE(p->env->log, p->trace, "i8254: write [%u] = 0x%02x", (unsigned)off, (unsigned)(val & 0xff));
    if (off >= 3)
        pit_control(p, (uint8_t)val);
    else
        ctr_write(&p->ctr[off], (uint8_t)val);
    pit_output(p, now, rose);
}

static uint64_t port61_read(void *opaque, uint64_t off, unsigned size)
{
    struct i8254 *p = opaque;
    int64_t now = pit_now(p);
    bool rose = pit_advance(p, now);
    uint8_t v = p->port61 & P61_RW;
    if (floor_div(ns_to_ticks(now), REFRESH_TICKS) & 1)
        v |= P61_REFRESH;
    if (ctr_out(&p->ctr[2]))
        v |= P61_OUT2;
    pit_output(p, now, rose);
    return v;
}

static void port61_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct i8254 *p = opaque;
    int64_t now = pit_now(p);
    bool rose = pit_advance(p, now);
    p->port61 = val & P61_RW;
    ctr_set_gate(&p->ctr[2], p->port61 & P61_GATE2);
    pit_output(p, now, rose);
}

static const struct io_ops pit_ops = {
    .read = pit_io_read,
    .write = pit_io_write,
    .min_size = 1,
    .max_size = 1,
};

static const struct io_ops port61_ops = {
    .read = port61_read,
    .write = port61_write,
    .min_size = 1,
    .max_size = 1,
};

/* ---- dev_class ---- */

static void i8254_reset(void *dev, enum reset_kind kind)
{
    struct i8254 *p = dev;
    int64_t k = ns_to_ticks(pit_now(p));
    vtimer_del(&p->timer);
    for (unsigned i = 0; i < 3; i++) {
        struct i8254_counter *c = &p->ctr[i];
        memset(c, 0, sizeof(*c));
        c->ctrl = 0x30;
        c->state = CE_IDLE;
        c->null_count = true;
        c->gate = i != 2; /* gates 0 and 1 are tied high; gate 2 is port 0x61 bit 0 */
        c->load_at = -1;
        c->last = k;
    }
    p->port61 = 0;
    p->line = false;
    p->last_fire = LAST_FIRE_NEVER;
}

static void i8254_settle(void *dev)
{
    struct i8254 *p = dev;
    int64_t now = pit_now(p);
    bool rose = pit_advance(p, now);
    /* Re-drive the level we had (a loaded line may be held high past OUT
     * and must not fall before the 8259 has taken the edge). */
    irq_set(&p->irq, p->line);
    if (rose)
        pit_output(p, now, true);
    else
        pit_rearm(p, now);
}

enum fkind { F_U8, F_U16, F_U32, F_I64, F_BOOL };

struct ctr_field {
    const char *name;
    size_t off;
    enum fkind kind;
};

#define CF(f, k) { #f, offsetof(struct i8254_counter, f), k }
static const struct ctr_field ctr_fields[] = {
    CF(ctrl, F_U8),          CF(cr, F_U16),           CF(cr_lsb, F_U8),
    CF(wr_msb, F_BOOL),      CF(rd_msb, F_BOOL),      CF(ol, F_U16),
    CF(ol_valid, F_BOOL),    CF(status, F_U8),        CF(status_valid, F_BOOL),
    CF(null_count, F_BOOL),  CF(count_written, F_BOOL), CF(gate, F_BOOL),
    CF(state, F_U8),         CF(armed, F_BOOL),       CF(out, F_BOOL),
    CF(reload_pending, F_BOOL), CF(ce, F_U16),        CF(n, F_U32),
    CF(phase, F_U32),        CF(base, F_I64),         CF(load_at, F_I64),
    CF(last, F_I64),
};
#undef CF

static void i8254_save(void *dev, struct vm_writer *w)
{
    struct i8254 *p = dev;
    char name[40];
    for (unsigned i = 0; i < 3; i++) {
        const char *c = (const char *)&p->ctr[i];
        for (size_t j = 0; j < ARRAY_SIZE(ctr_fields); j++) {
            const struct ctr_field *f = &ctr_fields[j];
            snprintf(name, sizeof(name), "c%u_%s", i, f->name);
            switch (f->kind) {
            case F_U8: vmw_u8(w, name, *(const uint8_t *)(c + f->off)); break;
            case F_U16: vmw_u16(w, name, *(const uint16_t *)(c + f->off)); break;
            case F_U32: vmw_u32(w, name, *(const uint32_t *)(c + f->off)); break;
            case F_I64: vmw_i64(w, name, *(const int64_t *)(c + f->off)); break;
            default: vmw_bool(w, name, *(const bool *)(c + f->off)); break;
            }
        }
    }
    vmw_u8(w, "port61", p->port61);
    vmw_bool(w, "line", p->line);
    vmw_i64(w, "last_fire", p->last_fire);
    vmw_i64(w, "timer_deadline", vtimer_pending(&p->timer) ? p->timer.deadline : -1);
}

static void ctr_load_fields(struct vm_reader *r, unsigned i, struct i8254_counter *ctr)
{
    char name[40];
    char *c = (char *)ctr;
    for (size_t j = 0; j < ARRAY_SIZE(ctr_fields); j++) {
        const struct ctr_field *f = &ctr_fields[j];
        snprintf(name, sizeof(name), "c%u_%s", i, f->name);
        switch (f->kind) {
        case F_U8: vmr_u8(r, name, (uint8_t *)(c + f->off)); break;
        case F_U16: vmr_u16(r, name, (uint16_t *)(c + f->off)); break;
        case F_U32: vmr_u32(r, name, (uint32_t *)(c + f->off)); break;
        case F_I64: vmr_i64(r, name, (int64_t *)(c + f->off)); break;
        default: vmr_bool(r, name, (bool *)(c + f->off)); break;
        }
    }
}

/* The first inconsistency in a loaded counter, or NULL.  Everything the
 * closed-form evaluation divides by or subtracts is checked here. */
static const char *ctr_check(const struct i8254_counter *c, unsigned i)
{
    if (c->ctrl > 0x3f || !ctr_rw(c))
        return "ctrl";
    if (c->state > CE_RUN)
        return "state";
    if (c->ce >= ctr_modulus(c))
        return "ce";
    if (c->n > 65536)
        return "n";
    if (c->state == CE_RUN && (ctr_periodic(c) || c->armed) && c->n == 0)
        return "n";
    if (c->state == CE_RUN && ctr_periodic(c) && c->phase >= c->n)
        return "phase";
    if (c->last < -PIT_MAX_TICK || c->last > PIT_MAX_TICK)
        return "last";
    if (c->base < -PIT_MAX_TICK || c->base > c->last)
        return "base";
    if (c->load_at != -1 && c->load_at != c->last + 1)
        return "load_at";
    if (i < 2 && !c->gate)
        return "gate"; /* tied high on a PC */
    return NULL;
}

static int i8254_load(void *dev, struct vm_reader *r)
{
    struct i8254 *p = dev;
    /* Load into a copy so a rejected stream leaves the device untouched. */
    struct i8254 n = *p;
    int64_t deadline = vtimer_pending(&p->timer) ? p->timer.deadline : -1;
    char name[40];
    for (unsigned i = 0; i < 3; i++)
        ctr_load_fields(r, i, &n.ctr[i]);
    vmr_u8_max(r, "port61", &n.port61, P61_RW);
    vmr_bool(r, "line", &n.line);
    vmr_i64(r, "last_fire", &n.last_fire);
    vmr_i64(r, "timer_deadline", &deadline);
    if (vmr_failed(r))
        return -1;
    for (unsigned i = 0; i < 3; i++) {
        const char *bad = ctr_check(&n.ctr[i], i);
        if (bad) {
            snprintf(name, sizeof(name), "c%u_%s", i, bad);
            vmr_fail(r, name, "inconsistent or out of range");
            return -1;
        }
    }
    if (n.ctr[2].gate != (bool)(n.port61 & P61_GATE2)) {
        vmr_fail(r, "c2_gate", "does not match port61 bit 0");
        return -1;
    }
    if (n.last_fire < LAST_FIRE_NEVER || n.last_fire > INT64_MAX / 2) {
        vmr_fail(r, "last_fire", "%" PRId64 " out of range", n.last_fire);
        return -1;
    }
    if (deadline < -1 || deadline > INT64_MAX / 2) {
        vmr_fail(r, "timer_deadline", "%" PRId64 " out of range", deadline);
        return -1;
    }
    memcpy(p->ctr, n.ctr, sizeof(p->ctr));
    p->port61 = n.port61;
    p->line = n.line;
    p->last_fire = n.last_fire;
    /* Re-armed as saved; the callback recomputes the next deadline from
     * the state, so a stale one costs one early wakeup. */
    if (deadline >= 0)
        vtimer_mod(&p->timer, deadline);
    else
        vtimer_del(&p->timer);
    return 0;
}

static void i8254_destroy(void *dev)
{
    struct i8254 *p = dev;
    vtimer_del(&p->timer);
    g_free(p);
}

const struct dev_class i8254_class = {
    .name = "i8254",
    .version = 1,
    .reset = i8254_reset,
    .settle = i8254_settle,
    .save = i8254_save,
    .load = i8254_load,
    .destroy = i8254_destroy,
};

struct i8254 *i8254_new(const struct dev_env *env)
{
    struct i8254 *p = g_new0(struct i8254, 1);
    p->env = env;
    p->trace = trace_on(env->log, "i8254");
    region_init_io(&p->region, "i8254", 4, &pit_ops, p);
    region_init_io(&p->region_port61, "port61", 1, &port61_ops, p);
    vtimer_init(&p->timer, env->clock, pit_timer_cb, p);
    i8254_reset(p, RESET_COLD);
    return p;
}
