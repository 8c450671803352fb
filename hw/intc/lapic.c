/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lapic.c: the local APIC of one CPU, xAPIC and x2APIC, as an integrated
 * Pentium 4 / Core-class APIC (version 0x14).
 *
 * Sources: Intel SDM Vol. 3A (Order 253668) chapter 11 "Advanced
 * Programmable Interrupt Controller (APIC)": "Local APIC Status and
 * Location" (IA32_APIC_BASE: BSP, EN, base), "Local APIC State After
 * Power-Up or Reset" and "... After an INIT Reset", "Local APIC ID" and
 * "Local APIC Version Register", "Local Vector Table" (LVT bits, which
 * delivery modes each entry allows, remote IRR of level LINTs), "Error
 * Handling" (ESR write-then-read, illegal vectors 0-15, illegal register
 * address), "APIC Timer" (divide configuration, one-shot, periodic,
 * TSC-deadline with IA32_TSC_DEADLINE), "Issuing Interprocessor
 * Interrupts" (ICR: delivery modes, level/trigger, shorthands; INIT level
 * de-assert is a no-op on Pentium 4 and later), "Logical Destination Mode",
 * "Task and Processor Priorities" (PPR = TPR or ISRV class), "Interrupt
 * Acceptance for Fixed Interrupts" (IRR, ISR, TMR), "Signaling Interrupt
 * Servicing Completion" (EOI, broadcast to the I/O APICs when the TMR bit is
 * set), "Spurious Interrupt" (SVR: software enable, focus check, spurious
 * vector), "Extended XAPIC (x2APIC)" (MSR map 0x800-0x8FF, 32-bit ID,
 * derived LDR, 64-bit ICR, SELF IPI, #GP on reserved bits, read-only and
 * write-only registers, and the IA32_APIC_BASE mode state machine).
 *
 * Emulated: every register of the xAPIC page and of the x2APIC MSR map (with
 * the SDM's #GP cases); IA32_APIC_BASE relocation, global disable (the APIC
 * returns to its power-up state; LINT0/LINT1 then pass straight through as
 * INTR/NMI) and the xAPIC <-> x2APIC transitions; six LVTs (no CMCI);
 * fixed, NMI, SMI, INIT and ExtINT LINT delivery with polarity and level
 * triggering; IPIs with every delivery mode and shorthand (delivery is
 * immediate, so delivery status always reads idle); the timer in one-shot,
 * periodic and TSC-deadline modes computed from the virtual clock with one
 * vtimer at the next expiry (periodic re-arms at previous deadline + period,
 * so it never drifts; see LAPIC_MIN_PERIOD_NS for the floor); ESR with the
 * error LVT.
 * Not emulated: thermal and performance-counter events (their LVTs are
 * plain registers), CMCI, EOI-broadcast suppression (not advertised), APR
 * (reads 0; lowest priority arbitrates on the PPR), RRD (reads 0), the
 * 82489DX remote-read and focus-processor subtleties beyond "the APIC that
 * has the vector pending or in service wins".
 *
 * Quirks and guests: SeaBIOS enables the APIC through SVR, sets LINT0 to
 * ExtINT and LINT1 to NMI and broadcasts INIT/SIPI with the
 * all-excluding-self shorthand; Linux reads TMR in its level-ack path, polls
 * ICR delivery status, writes ESR before reading it, calibrates the timer
 * against the PIT in periodic mode with divide 16, and uses TSC-deadline
 * when CPUID offers it; Linux's INIT-deassert IPI must be ignored.  The xAPIC
 * ID register is writable (Linux has probed that); matching uses the written
 * ID.  Fixed interrupts reaching a software-disabled APIC are discarded.
 *
 * Threat model: the guest controls MMIO offsets and widths (only aligned
 * 32-bit accesses reach a register; the rest read 0 and are logged), every
 * register value (masked to the writable bits; in x2APIC mode reserved bits
 * fault), IPI destinations (compared, never used as unchecked indexes), the
 * timer (spans are computed in 128 bits from a 32-bit count and a divider
 * <= 128 with bus_hz >= 1 MHz, so they stay below 2^50 ns; periodic timers
 * are floored at LAPIC_MIN_PERIOD_NS; TSC deadlines beyond 2^62 ns never
 * arm), and error interrupts (an illegal error vector cannot recurse).
 * Loaded state is range-checked field by field. */
#include <glib.h>
#include <string.h>
#include "hw/intc/lapic.h"

#define MAX_NS (1LL << 62)
#define TIMER_MODE_RESERVED (3u << 17)
#define ICR_X2_MASK 0xFFFFFFFF000CCFFFULL /* vector, mode, DM, level, trigger, shorthand, dest */
#define ICR_LO_MASK 0x000CCFFFu
#define SVR_MASK 0x3FFu
#define TDCR_MASK 0xBu
#define LVT_LINT_BITS (0x7FFu | LAPIC_LVT_ACTIVE_LOW | LAPIC_LVT_LEVEL | LAPIC_LVT_MASKED)

/* Bits software may set in each LVT (remote IRR and delivery status are
 * read-only; the timer and error entries have no delivery mode). */
static const uint32_t lvt_writable[LVT_NUM] = {
    [LVT_TIMER] = 0xFF | LAPIC_LVT_MASKED | LAPIC_TIMER_MODE_MASK,
    [LVT_THERMAL] = 0x7FF | LAPIC_LVT_MASKED,
    [LVT_PERF] = 0x7FF | LAPIC_LVT_MASKED,
    [LVT_LINT0] = LVT_LINT_BITS,
    [LVT_LINT1] = LVT_LINT_BITS,
    [LVT_ERROR] = 0xFF | LAPIC_LVT_MASKED,
};

/* ---- 256-bit vector maps ---- */

static bool vec_test(const uint32_t *map, unsigned v)
{
    return map[v >> 5] >> (v & 31) & 1;
}

static void vec_set(uint32_t *map, unsigned v)
{
    map[v >> 5] |= 1u << (v & 31);
}

static void vec_clear(uint32_t *map, unsigned v)
{
    map[v >> 5] &= ~(1u << (v & 31));
}

static int vec_highest(const uint32_t *map)
{
    for (int i = 7; i >= 0; i--) {
        if (map[i])
            return i * 32 + 31 - __builtin_clz(map[i]);
    }
    return -1;
}

/* ---- state predicates ---- */

static bool hw_enabled(const struct lapic *s)
{
    return s->r.apic_base & APIC_BASE_EN;
}

static bool x2apic(const struct lapic *s)
{
    return s->r.apic_base & APIC_BASE_EXTD;
}

static bool sw_enabled(const struct lapic *s)
{
    return s->r.svr & LAPIC_SVR_ENABLE;
}

static unsigned lvt_mode(uint32_t lvt)
{
    return (lvt >> 8) & 7;
}

static bool tsc_mode(const struct lapic *s)
{
    return (s->r.lvt[LVT_TIMER] & LAPIC_TIMER_MODE_MASK) == LAPIC_TIMER_TSC_DEADLINE;
}

static bool periodic(const struct lapic *s)
{
    return (s->r.lvt[LVT_TIMER] & LAPIC_TIMER_MODE_MASK) == LAPIC_TIMER_PERIODIC;
}

static uint32_t x2apic_ldr(uint32_t id)
{
    return (id >> 4) << 16 | 1u << (id & 0xF);
}

static uint8_t ppr(const struct lapic *s)
{
    int isrv = vec_highest(s->r.isr);
    uint8_t isr_class = isrv < 0 ? 0 : (uint8_t)(isrv & 0xF0);
    return (s->r.tpr & 0xF0) >= isr_class ? s->r.tpr : isr_class;
}

static void lapic_signal(struct lapic *s, unsigned sig, uint8_t vector)
{
    TRACE(s->env->log, s->trace, "lapic%u: signal 0x%x vector 0x%02x", s->apic_id, sig, vector);
    if (s->link && s->link->signal)
        s->link->signal(s->link->cpu, sig, vector);
}

/* ---- interrupt acceptance ---- */

static bool lint_active(const struct lapic *s, int lint)
{
    return s->lint_in[lint] ^ !!(s->r.lvt[LVT_LINT0 + lint] & LAPIC_LVT_ACTIVE_LOW);
}

static bool extint_pending(const struct lapic *s)
{
    if (!hw_enabled(s))
        return s->lint_in[0]; /* LINT0 is the CPU's INTR pin */
    uint32_t lvt = s->r.lvt[LVT_LINT0];
    return s->r.extint_msg || (!(lvt & LAPIC_LVT_MASKED) &&
                               lvt_mode(lvt) == APIC_DM_EXTINT && lint_active(s, 0));
}

static bool lapic_intr_pending(void *opaque)
{
    struct lapic *s = opaque;
    if (extint_pending(s))
        return true;
    if (!hw_enabled(s))
        return false;
    int v = vec_highest(s->r.irr);
    return v >= 0 && (v & 0xF0) > (ppr(s) & 0xF0);
}

/* Something may have become deliverable: wake the CPU. */
static void kick(struct lapic *s)
{
    if (lapic_intr_pending(s))
        lapic_signal(s, CPU_SIG_INTR, 0);
}

static bool accept_fixed(struct lapic *s, uint8_t vector, bool level);

/* Record an error (SDM "Error Handling") and raise the error LVT.  An
 * illegal vector in the error LVT itself only records bit 6. */
static void lapic_error(struct lapic *s, uint8_t bits)
{
    s->r.esr_pending |= bits;
    uint32_t lvt = s->r.lvt[LVT_ERROR];
    if (s->in_error || (lvt & LAPIC_LVT_MASKED))
        return;
    s->in_error = true;
    accept_fixed(s, lvt & 0xFF, false);
    s->in_error = false;
}

/* A fixed interrupt arrives at this APIC: IRR, with TMR = trigger mode. */
static bool accept_fixed(struct lapic *s, uint8_t vector, bool level)
{
    if (vector < 16) {
        log_guest_error(s->env->log, "lapic", "cpu %u received illegal vector 0x%02x",
                        s->apic_id, vector);
        lapic_error(s, LAPIC_ESR_RECV_ILLEGAL);
        return false;
    }
    vec_set(s->r.irr, vector);
    if (level)
        vec_set(s->r.tmr, vector);
    else
        vec_clear(s->r.tmr, vector);
    TRACE(s->env->log, s->trace, "lapic%u: accept 0x%02x%s", s->apic_id, vector,
          level ? " level" : "");
    kick(s);
    return true;
}

/* The timer, thermal, perf and error LVTs deliver fixed, edge. */
static void lvt_fire(struct lapic *s, enum lapic_lvt i)
{
    uint32_t lvt = s->r.lvt[i];
    if (!(lvt & LAPIC_LVT_MASKED))
        accept_fixed(s, lvt & 0xFF, false);
}

/* ---- LINT0/LINT1 ---- */

static void lint_eval(struct lapic *s, int lint, bool edge)
{
    uint32_t *lvt = &s->r.lvt[LVT_LINT0 + lint];
    if (*lvt & LAPIC_LVT_MASKED)
        return;
    bool active = lint_active(s, lint);
    switch (lvt_mode(*lvt)) {
    case APIC_DM_FIXED:
        if (*lvt & LAPIC_LVT_LEVEL) {
            if (active && !(*lvt & LAPIC_LVT_REMOTE_IRR) && accept_fixed(s, *lvt & 0xFF, true))
                *lvt |= LAPIC_LVT_REMOTE_IRR;
        } else if (edge) {
            accept_fixed(s, *lvt & 0xFF, false);
        }
        break;
    case APIC_DM_EXTINT:
        if (active)
            kick(s);
        break;
    case APIC_DM_NMI:
        if (edge)
            lapic_signal(s, CPU_SIG_NMI, 0);
        break;
    case APIC_DM_SMI:
        if (edge)
            lapic_signal(s, CPU_SIG_SMI, 0);
        break;
    case APIC_DM_INIT:
        if (edge)
            lapic_signal(s, CPU_SIG_INIT, 0);
        break;
    default:
        break; /* reserved; logged when the LVT was written */
    }
}

void lapic_set_lint(struct lapic *s, int lint, int level)
{
    if (lint < 0 || lint > 1)
        return;
    bool was_raw = s->lint_in[lint], was_active = lint_active(s, lint);
    s->lint_in[lint] = level;
    if (!hw_enabled(s)) {
        /* Globally disabled: LINT0 is INTR and LINT1 is NMI. */
        if (lint == 0 && level)
            lapic_signal(s, CPU_SIG_INTR, 0);
        else if (lint == 1 && level && !was_raw)
            lapic_signal(s, CPU_SIG_NMI, 0);
        return;
    }
    lint_eval(s, lint, !was_active && lint_active(s, lint));
}

/* ---- EOI ---- */

static void lapic_eoi(struct lapic *s)
{
    int v = vec_highest(s->r.isr);
    if (v < 0)
        return;
    vec_clear(s->r.isr, v);
    TRACE(s->env->log, s->trace, "lapic%u: eoi 0x%02x", s->apic_id, v);
    if (vec_test(s->r.tmr, v)) {
        for (int lint = 0; lint < 2; lint++) {
            uint32_t *lvt = &s->r.lvt[LVT_LINT0 + lint];
            if ((*lvt & LAPIC_LVT_REMOTE_IRR) && (*lvt & 0xFF) == (uint32_t)v) {
                *lvt &= ~LAPIC_LVT_REMOTE_IRR;
                lint_eval(s, lint, false);
            }
        }
        if (s->bus)
            apic_bus_eoi(s->bus, (uint8_t)v);
    }
    kick(s);
}

/* ---- timer ---- */

static unsigned timer_div(uint32_t tdcr)
{
    unsigned idx = (tdcr & 3) | (tdcr >> 1 & 4);
    return idx == 7 ? 1 : 2u << idx;
}

/* ns for `count` timer ticks at the current divide, at least 1. */
static int64_t timer_span(const struct lapic *s, uint32_t count, bool floor)
{
    unsigned __int128 t = (unsigned __int128)count * timer_div(s->r.tdcr) * NS_PER_SEC;
    int64_t ns = (int64_t)((t + s->bus_hz - 1) / s->bus_hz);
    if (floor && ns < LAPIC_MIN_PERIOD_NS)
        ns = LAPIC_MIN_PERIOD_NS;
    return MAX(ns, 1);
}

static int64_t tsc_to_ns(const struct lapic *s, uint64_t tsc)
{
    unsigned __int128 t = ((unsigned __int128)tsc * NS_PER_SEC + s->tsc_hz - 1) / s->tsc_hz;
    return t > MAX_NS ? INT64_MAX : (int64_t)t;
}

static int64_t timer_deadline(const struct lapic *s)
{
    if (tsc_mode(s))
        return s->r.tsc_deadline ? tsc_to_ns(s, s->r.tsc_deadline) : INT64_MAX;
    return s->r.tmr_count0 ? s->r.tmr_start + s->r.tmr_span : INT64_MAX;
}

static void timer_rearm(struct lapic *s)
{
    int64_t d = timer_deadline(s);
    if (d == INT64_MAX)
        vtimer_del(&s->timer);
    else
        vtimer_mod(&s->timer, d);
}

/* Account for an expiry at or before `now` (from the vtimer, or from a
 * register access that got there first): fire once, reload periodic.
 * Returns whether it fired (the deadline moved). */
static bool timer_sync(struct lapic *s, int64_t now)
{
    int64_t d = timer_deadline(s);
    if (d == INT64_MAX || now < d)
        return false;
    if (tsc_mode(s)) {
        s->r.tsc_deadline = 0; /* the hardware clears it on expiry */
    } else if (periodic(s)) {
        int64_t period = timer_span(s, s->r.tmict, true);
        s->r.tmr_start = d + (now - d) / period * period;
        s->r.tmr_count0 = s->r.tmict;
        s->r.tmr_span = period;
    } else {
        s->r.tmr_count0 = 0;
    }
    TRACE(s->env->log, s->trace, "lapic%u: timer fires", s->apic_id);
    lvt_fire(s, LVT_TIMER);
    return true;
}

static void timer_cb(void *opaque)
{
    struct lapic *s = opaque;
    timer_sync(s, vclock_now(s->env->clock));
    timer_rearm(s);
}

static uint32_t timer_current(struct lapic *s, int64_t now)
{
    if (timer_sync(s, now))
        timer_rearm(s);
    uint32_t c0 = s->r.tmr_count0;
    if (tsc_mode(s) || !c0)
        return 0;
    int64_t el = MAX(now - s->r.tmr_start, 0);
    uint64_t done = (uint64_t)((unsigned __int128)el * c0 / (uint64_t)s->r.tmr_span);
    return done >= c0 ? 0 : c0 - (uint32_t)done;
}

static void timer_write_tmict(struct lapic *s, uint32_t v)
{
    if (tsc_mode(s))
        return; /* ignored in TSC-deadline mode */
    int64_t now = vclock_now(s->env->clock);
    s->r.tmict = v;
    s->r.tmr_count0 = v;
    s->r.tmr_start = now;
    s->r.tmr_span = v ? timer_span(s, v, periodic(s)) : 0;
    timer_rearm(s);
}

/* A new divider applies from the current count on. */
static void timer_write_tdcr(struct lapic *s, uint32_t v)
{
    int64_t now = vclock_now(s->env->clock);
    uint32_t c = timer_current(s, now);
    s->r.tdcr = v & TDCR_MASK;
    if (c) {
        s->r.tmr_count0 = c;
        s->r.tmr_start = now;
        s->r.tmr_span = timer_span(s, c, false);
    }
    timer_rearm(s);
}

static void timer_write_lvt(struct lapic *s, uint32_t v)
{
    int64_t now = vclock_now(s->env->clock);
    timer_sync(s, now); /* an expiry due under the old mode happens first */
    bool was_tsc = tsc_mode(s);
    if ((v & LAPIC_TIMER_MODE_MASK) == TIMER_MODE_RESERVED)
        log_guest_error(s->env->log, "lapic", "timer mode 3 is reserved (runs one-shot)");
    s->r.lvt[LVT_TIMER] = v;
    if (was_tsc != tsc_mode(s)) {
        /* SDM: switching to or from TSC-deadline mode disarms the timer. */
        s->r.tmict = 0;
        s->r.tmr_count0 = 0;
        s->r.tsc_deadline = 0;
    }
    timer_rearm(s);
}

static void timer_write_deadline(struct lapic *s, uint64_t v)
{
    if (!tsc_mode(s))
        return; /* writes are ignored in the other modes */
    s->r.tsc_deadline = v;
    timer_sync(s, vclock_now(s->env->clock)); /* a past deadline fires now */
    timer_rearm(s);
}

/* ---- IPIs ---- */

static void send(struct lapic *s, const struct apic_msg *m)
{
    if (s->bus)
        apic_bus_deliver(s->bus, m);
    else if ((m->all || lapic_bus_match(s, m)) && m->exclude != s)
        lapic_bus_receive(s, m);
}

static void send_ipi(struct lapic *s, uint32_t lo, uint32_t dest)
{
    unsigned mode = lvt_mode(lo), sh = (lo >> 18) & 3;
    uint8_t vector = lo & 0xFF;
    TRACE(s->env->log, s->trace, "lapic%u: ipi icr 0x%08x dest 0x%x", s->apic_id, lo, dest);
    if (mode == APIC_DM_INIT && !(lo & LAPIC_ICR_ASSERT))
        return; /* INIT level de-assert: a no-op since the Pentium 4 */
    if (mode == 3 || mode == APIC_DM_EXTINT) {
        log_guest_error(s->env->log, "lapic", "ICR delivery mode %u is reserved", mode);
        return;
    }
    if ((mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST) && vector < 16) {
        log_guest_error(s->env->log, "lapic", "IPI with illegal vector 0x%02x", vector);
        lapic_error(s, LAPIC_ESR_SEND_ILLEGAL);
        return;
    }
    /* The trigger bit has no meaning since the Pentium 4: IPIs are edge. */
    struct apic_msg m = {
        .dest = dest,
        .dest32 = x2apic(s),
        .logical = lo & LAPIC_ICR_LOGICAL,
        .mode = (uint8_t)mode,
        .vector = vector,
    };
    switch (sh) {
    case 0:
        send(s, &m);
        break;
    case 1:
        if (m.mode == APIC_DM_LOWEST)
            m.mode = APIC_DM_FIXED;
        lapic_bus_receive(s, &m);
        break;
    case 2:
        m.all = true;
        send(s, &m);
        break;
    default:
        m.all = true;
        m.exclude = s;
        send(s, &m);
        break;
    }
}

/* ---- registers (reg = xAPIC offset / 16 = x2APIC MSR - 0x800) ---- */

static void svr_write(struct lapic *s, uint32_t v)
{
    s->r.svr = v & SVR_MASK;
    if (!sw_enabled(s)) {
        for (int i = 0; i < LVT_NUM; i++)
            s->r.lvt[i] |= LAPIC_LVT_MASKED;
    }
}

static void lvt_write(struct lapic *s, enum lapic_lvt i, uint32_t v)
{
    uint32_t nv = (v & lvt_writable[i]) | (s->r.lvt[i] & LAPIC_LVT_REMOTE_IRR);
    if (!sw_enabled(s))
        nv |= LAPIC_LVT_MASKED; /* cannot be unmasked while software-disabled */
    if (i == LVT_TIMER) {
        timer_write_lvt(s, nv);
        return;
    }
    unsigned mode = lvt_mode(nv);
    if (i != LVT_ERROR && (mode == 1 || mode == 3 || mode == 6 ||
                           (i < LVT_LINT0 && (mode == APIC_DM_INIT || mode == APIC_DM_EXTINT))))
        log_guest_error(s->env->log, "lapic", "LVT %d: delivery mode %u not allowed", i, mode);
    s->r.lvt[i] = nv;
    if (i == LVT_LINT0 || i == LVT_LINT1)
        lint_eval(s, i - LVT_LINT0, false);
}

static bool reg_read(struct lapic *s, unsigned reg, uint64_t *val)
{
    bool x2 = x2apic(s);
    switch (reg) {
    case 0x02: *val = x2 ? s->apic_id : s->r.id_reg; return true;
    case 0x03: *val = LAPIC_VERSION; return true;
    case 0x08: *val = s->r.tpr; return true;
    case 0x0A: *val = ppr(s); return true;
    case 0x0D: *val = s->r.ldr; return true;
    case 0x0F: *val = s->r.svr; return true;
    case 0x28: *val = s->r.esr; return true;
    case 0x38: *val = s->r.tmict; return true;
    case 0x39: *val = timer_current(s, vclock_now(s->env->clock)); return true;
    case 0x3E: *val = s->r.tdcr; return true;
    case 0x30: *val = x2 ? s->r.icr : (uint32_t)s->r.icr; return true;
    case 0x09: /* APR */
    case 0x0B: /* EOI: write-only */
    case 0x0C: /* RRD */
        *val = 0;
        return !x2;
    case 0x0E: *val = s->r.dfr; return !x2;
    case 0x31: *val = s->r.icr >> 32; return !x2;
    }
    if (reg >= 0x10 && reg < 0x28) {
        const uint32_t *map = reg < 0x18 ? s->r.isr : reg < 0x20 ? s->r.tmr : s->r.irr;
        *val = map[reg & 7];
        return true;
    }
    if (reg >= 0x32 && reg < 0x32 + LVT_NUM) {
        *val = s->r.lvt[reg - 0x32];
        return true;
    }
    return false; /* includes SELF IPI: write-only in x2APIC, absent in xAPIC */
}

/* The read-only registers: writes are ignored in xAPIC mode, #GP in x2APIC. */
static bool reg_read_only(unsigned reg)
{
    return reg == 0x03 || reg == 0x09 || reg == 0x0A || reg == 0x0C || reg == 0x39 ||
           (reg >= 0x10 && reg < 0x28);
}

static bool reg_write(struct lapic *s, unsigned reg, uint64_t val)
{
    bool x2 = x2apic(s);
    uint32_t v = (uint32_t)val;
    if (x2 && reg != 0x30 && (val >> 32))
        return false;
    if (reg_read_only(reg))
        return !x2;
    if (reg >= 0x32 && reg < 0x32 + LVT_NUM) {
        enum lapic_lvt i = reg - 0x32;
        uint32_t ok = lvt_writable[i] | LAPIC_LVT_PENDING |
                      (i == LVT_LINT0 || i == LVT_LINT1 ? LAPIC_LVT_REMOTE_IRR : 0);
        if (x2 && (v & ~ok))
            return false;
        lvt_write(s, i, v);
        return true;
    }
    switch (reg) {
    case 0x02:
        if (x2)
            return false; /* the x2APIC ID is read-only */
        s->r.id_reg = v & 0xFF000000u;
        return true;
    case 0x08:
        if (x2 && (v & ~0xFFu))
            return false;
        s->r.tpr = (uint8_t)v;
        kick(s);
        return true;
    case 0x0B:
        if (x2 && v)
            return false;
        lapic_eoi(s);
        return true;
    case 0x0D:
        if (x2)
            return false;
        s->r.ldr = v & 0xFF000000u;
        return true;
    case 0x0E:
        if (x2)
            return false;
        s->r.dfr = (v & 0xF0000000u) | 0x0FFFFFFFu;
        return true;
    case 0x0F:
        if (x2 && (v & ~SVR_MASK))
            return false;
        svr_write(s, v);
        return true;
    case 0x28:
        if (x2 && v)
            return false;
        s->r.esr = s->r.esr_pending;
        s->r.esr_pending = 0;
        return true;
    case 0x30:
        if (x2) {
            if (val & ~ICR_X2_MASK)
                return false;
            s->r.icr = val;
            send_ipi(s, v, (uint32_t)(val >> 32));
        } else {
            s->r.icr = (s->r.icr & ~0xFFFFFFFFULL) | (v & ICR_LO_MASK);
            send_ipi(s, v & ICR_LO_MASK, (uint32_t)(s->r.icr >> 56));
        }
        return true;
    case 0x31:
        if (x2)
            return false;
        s->r.icr = (uint32_t)s->r.icr | (uint64_t)(v & 0xFF000000u) << 32;
        return true;
    case 0x38:
        timer_write_tmict(s, v);
        return true;
    case 0x3E:
        if (x2 && (v & ~TDCR_MASK))
            return false;
        timer_write_tdcr(s, v);
        return true;
    case 0x3F:
        if (!x2 || (v & ~0xFFu))
            return false;
        send_ipi(s, (v & 0xFF) | LAPIC_ICR_SELF, 0);
        return true;
    default:
        return false;
    }
}

/* ---- lapic_ops ---- */

static bool mmio_check(struct lapic *s, uint32_t offset, unsigned size, bool write)
{
    if (!lapic_mmio_active(s))
        return false;
    if (size != 4 || (offset & 3) || offset >= LAPIC_MMIO_SIZE) {
        log_guest_error(s->env->log, "lapic", "%u-byte %s at offset 0x%x ignored", size,
                        write ? "write" : "read", offset);
        return false;
    }
    return !(offset & 0xF); /* bytes 4-15 of each register slot are reserved */
}

static uint64_t lapic_mmio_read(void *opaque, uint32_t offset, unsigned size)
{
    struct lapic *s = opaque;
    uint64_t v = 0;
    if (!mmio_check(s, offset, size, false))
        return 0;
    if (!reg_read(s, offset >> 4, &v)) {
        lapic_error(s, LAPIC_ESR_ILLEGAL_REG);
        return 0;
    }
    return (uint32_t)v;
}

static void lapic_mmio_write(void *opaque, uint32_t offset, uint64_t val, unsigned size)
{
    struct lapic *s = opaque;
    if (!mmio_check(s, offset, size, true))
        return;
    TRACE(s->env->log, s->trace, "lapic%u: write [0x%03x] = 0x%08x", s->apic_id, offset,
          (uint32_t)val);
    if (!reg_write(s, offset >> 4, (uint32_t)val))
        lapic_error(s, LAPIC_ESR_ILLEGAL_REG);
}

/* Registers of the power-up state (SDM "Local APIC State After Power-Up or
 * Reset"); the caller sets apic_base and the ID. */
static void regs_reset(struct lapic *s)
{
    vtimer_del(&s->timer);
    uint64_t base = s->r.apic_base;
    uint32_t id = s->r.id_reg;
    memset(&s->r, 0, sizeof(s->r));
    s->r.apic_base = base;
    s->r.id_reg = id;
    s->r.dfr = 0xFFFFFFFFu;
    s->r.svr = 0xFF;
    for (int i = 0; i < LVT_NUM; i++)
        s->r.lvt[i] = LAPIC_LVT_MASKED;
    if (x2apic(s))
        s->r.ldr = x2apic_ldr(s->apic_id);
    s->in_error = false;
}

/* IA32_APIC_BASE with the SDM's mode state machine (x2APIC "State
 * Transitions"): EN=0/EXTD=1 is invalid, x2APIC -> xAPIC and disabled ->
 * x2APIC are illegal; leaving the enabled state resets the APIC. */
static bool apic_base_write(struct lapic *s, uint64_t v)
{
    bool old_en = hw_enabled(s), old_x2 = x2apic(s);
    bool en = v & APIC_BASE_EN, x2 = v & APIC_BASE_EXTD;
    if ((v & s->base_rsvd) || (x2 && !en) || (old_x2 && en && !x2) || (!old_en && x2)) {
        log_guest_error(s->env->log, "lapic", "IA32_APIC_BASE 0x%llx refused",
                        (unsigned long long)v);
        return false;
    }
    s->r.apic_base = (v & ~APIC_BASE_BSP) | (s->bsp ? APIC_BASE_BSP : 0);
    if (old_en && !en) {
        s->r.id_reg = s->apic_id << 24;
        regs_reset(s);
    } else if (!old_x2 && x2) {
        s->r.ldr = x2apic_ldr(s->apic_id);
    }
    kick(s); /* disabled: LINT0 is INTR now */
    return true;
}

static bool lapic_rdmsr(void *opaque, uint32_t msr, uint64_t *val)
{
    struct lapic *s = opaque;
    if (msr == MSR_IA32_APIC_BASE) {
        *val = s->r.apic_base;
        return true;
    }
    if (msr == MSR_IA32_TSC_DEADLINE) {
        *val = tsc_mode(s) ? s->r.tsc_deadline : 0;
        return true;
    }
    if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST || !x2apic(s))
        return false;
    if (!reg_read(s, msr - MSR_X2APIC_FIRST, val)) {
        log_guest_error(s->env->log, "lapic", "rdmsr 0x%x: #GP", msr);
        return false;
    }
    return true;
}

static bool lapic_wrmsr(void *opaque, uint32_t msr, uint64_t val)
{
    struct lapic *s = opaque;
    if (msr == MSR_IA32_APIC_BASE)
        return apic_base_write(s, val);
    if (msr == MSR_IA32_TSC_DEADLINE) {
        timer_write_deadline(s, val);
        return true;
    }
    if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST || !x2apic(s))
        return false;
    TRACE(s->env->log, s->trace, "lapic%u: wrmsr 0x%x = 0x%llx", s->apic_id, msr,
          (unsigned long long)val);
    if (!reg_write(s, msr - MSR_X2APIC_FIRST, val)) {
        log_guest_error(s->env->log, "lapic", "wrmsr 0x%x = 0x%llx: #GP", msr,
                        (unsigned long long)val);
        return false;
    }
    return true;
}

/* The INTA cycle. */
static uint8_t lapic_intr_ack(void *opaque)
{
    struct lapic *s = opaque;
    if (extint_pending(s)) {
        s->r.extint_msg = false;
        return s->extint_ack ? s->extint_ack(s->extint_opaque) : (uint8_t)s->r.svr;
    }
    int v = vec_highest(s->r.irr);
    if (!hw_enabled(s) || v < 0 || (v & 0xF0) <= (ppr(s) & 0xF0))
        return (uint8_t)s->r.svr; /* spurious: masked by TPR since INTR */
    vec_clear(s->r.irr, v);
    vec_set(s->r.isr, v);
    return (uint8_t)v;
}

static uint8_t lapic_get_cr8(void *opaque)
{
    struct lapic *s = opaque;
    return s->r.tpr >> 4;
}

static void lapic_set_cr8(void *opaque, uint8_t val)
{
    struct lapic *s = opaque;
    s->r.tpr = (uint8_t)((val & 0xF) << 4);
    kick(s);
}

/* INIT: everything but the APIC ID, IA32_APIC_BASE and the mode. */
static void lapic_init_reset(void *opaque)
{
    regs_reset(opaque);
}

const struct lapic_ops lapic_ops = {
    .intr_pending = lapic_intr_pending,
    .intr_ack = lapic_intr_ack,
    .mmio_read = lapic_mmio_read,
    .mmio_write = lapic_mmio_write,
    .rdmsr = lapic_rdmsr,
    .wrmsr = lapic_wrmsr,
    .get_cr8 = lapic_get_cr8,
    .set_cr8 = lapic_set_cr8,
    .init_reset = lapic_init_reset,
};

/* ---- public queries ---- */

uint64_t lapic_base(const struct lapic *s)
{
    return s->r.apic_base & ~(s->base_rsvd | 0xFFFULL);
}

bool lapic_mmio_active(const struct lapic *s)
{
    return hw_enabled(s) && !x2apic(s);
}

bool lapic_x2apic_mode(const struct lapic *s)
{
    return x2apic(s);
}

/* ---- bus side ---- */

bool lapic_bus_listening(const struct lapic *s)
{
    return hw_enabled(s);
}

bool lapic_bus_match(const struct lapic *s, const struct apic_msg *m)
{
    if (m->dest == (m->dest32 ? APIC_BCAST_X2APIC : APIC_BCAST_XAPIC))
        return true;
    if (x2apic(s)) {
        if (!m->logical)
            return m->dest == s->apic_id;
        return (m->dest >> 16) == (s->r.ldr >> 16) && (m->dest & s->r.ldr & 0xFFFF);
    }
    if (!m->logical)
        return (m->dest & 0xFF) == s->r.id_reg >> 24;
    uint8_t mda = m->dest & 0xFF, lid = s->r.ldr >> 24;
    if ((s->r.dfr >> 28) == 0xF)
        return mda & lid; /* flat: one bit per APIC */
    return (mda >> 4) == (lid >> 4) && (mda & lid & 0xF); /* cluster */
}

uint8_t lapic_bus_priority(const struct lapic *s)
{
    return ppr(s);
}

bool lapic_bus_focus(const struct lapic *s, uint8_t vector)
{
    return !(s->r.svr & LAPIC_SVR_FOCUS_OFF) &&
           (vec_test(s->r.irr, vector) || vec_test(s->r.isr, vector));
}

bool lapic_bus_accepts_fixed(const struct lapic *s)
{
    return hw_enabled(s) && sw_enabled(s);
}

bool lapic_bus_receive(struct lapic *s, const struct apic_msg *m)
{
    switch (m->mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        if (!lapic_bus_accepts_fixed(s)) {
            TRACE(s->env->log, s->trace, "lapic%u: disabled, drops 0x%02x", s->apic_id,
                  m->vector);
            return false;
        }
        return accept_fixed(s, m->vector, m->level);
    case APIC_DM_SMI:
        lapic_signal(s, CPU_SIG_SMI, 0);
        return true;
    case APIC_DM_NMI:
        lapic_signal(s, CPU_SIG_NMI, 0);
        return true;
    case APIC_DM_INIT:
        lapic_signal(s, CPU_SIG_INIT, 0);
        return true;
    case APIC_DM_STARTUP:
        lapic_signal(s, CPU_SIG_SIPI, m->vector);
        return true;
    case APIC_DM_EXTINT:
        s->r.extint_msg = true;
        kick(s);
        return true;
    default:
        return false;
    }
}

/* ---- dev_class ---- */

/* Power-on (RESET#): both reset kinds, since the PC's warm reset asserts
 * RESET# to the CPUs too. */
static void lapic_reset(void *dev, enum reset_kind kind)
{
    struct lapic *s = dev;
    (void)kind;
    s->r.apic_base = LAPIC_DEFAULT_BASE | APIC_BASE_EN | (s->bsp ? APIC_BASE_BSP : 0);
    s->r.id_reg = s->apic_id << 24;
    regs_reset(s);
}

static void lapic_settle(void *dev)
{
    struct lapic *s = dev;
    timer_rearm(s);
    kick(s);
}

static void lapic_save(void *dev, struct vm_writer *w)
{
    struct lapic *s = dev;
    uint8_t buf[32];
    vmw_u64(w, "apic_base", s->r.apic_base);
    vmw_u32(w, "id", s->r.id_reg);
    vmw_u8(w, "tpr", s->r.tpr);
    vmw_u32(w, "ldr", s->r.ldr);
    vmw_u32(w, "dfr", s->r.dfr);
    vmw_u32(w, "svr", s->r.svr);
    static const char *const maps[] = { "irr", "isr", "tmr" };
    const uint32_t *map[] = { s->r.irr, s->r.isr, s->r.tmr };
    for (int m = 0; m < 3; m++) {
        for (int i = 0; i < 8; i++)
            st32(buf + 4 * i, map[m][i]);
        vmw_bytes(w, maps[m], buf, 32);
    }
    vmw_u8(w, "esr", s->r.esr);
    vmw_u8(w, "esr_pending", s->r.esr_pending);
    vmw_u64(w, "icr", s->r.icr);
    for (int i = 0; i < LVT_NUM; i++)
        st32(buf + 4 * i, s->r.lvt[i]);
    vmw_bytes(w, "lvt", buf, 4 * LVT_NUM);
    vmw_u32(w, "tmict", s->r.tmict);
    vmw_u32(w, "tdcr", s->r.tdcr);
    vmw_u32(w, "tmr_count0", s->r.tmr_count0);
    vmw_i64(w, "tmr_start", s->r.tmr_start);
    vmw_i64(w, "tmr_span", s->r.tmr_span);
    vmw_u64(w, "tsc_deadline", s->r.tsc_deadline);
    vmw_bool(w, "extint_msg", s->r.extint_msg);
    vmw_bool(w, "lint0", s->lint_in[0]);
    vmw_bool(w, "lint1", s->lint_in[1]);
}

static int load_fail(struct vm_reader *r, const char *field, uint64_t v)
{
    vmr_fail(r, field, "0x%llx out of range", (unsigned long long)v);
    return -1;
}

/* Everything a loaded register file must satisfy to be one this code can
 * produce. */
static int lapic_check(const struct lapic *s, const struct lapic_regs *n, struct vm_reader *r)
{
    uint64_t b = n->apic_base;
    bool en = b & APIC_BASE_EN, x2 = b & APIC_BASE_EXTD;
    if ((b & s->base_rsvd) || (x2 && !en) || !!(b & APIC_BASE_BSP) != s->bsp)
        return load_fail(r, "apic_base", b);
    if (n->id_reg & 0x00FFFFFFu)
        return load_fail(r, "id", n->id_reg);
    if (x2 ? n->ldr != x2apic_ldr(s->apic_id) : (n->ldr & 0x00FFFFFFu) != 0)
        return load_fail(r, "ldr", n->ldr);
    if ((n->dfr & 0x0FFFFFFFu) != 0x0FFFFFFFu)
        return load_fail(r, "dfr", n->dfr);
    if (n->svr & ~SVR_MASK)
        return load_fail(r, "svr", n->svr);
    if (n->icr & ~ICR_X2_MASK)
        return load_fail(r, "icr", n->icr);
    for (int i = 0; i < LVT_NUM; i++) {
        uint32_t ok = lvt_writable[i] |
                      (i == LVT_LINT0 || i == LVT_LINT1 ? LAPIC_LVT_REMOTE_IRR : 0);
        if (n->lvt[i] & ~ok)
            return load_fail(r, "lvt", n->lvt[i]);
    }
    if (n->tdcr & ~TDCR_MASK)
        return load_fail(r, "tdcr", n->tdcr);
    bool tsc = (n->lvt[LVT_TIMER] & LAPIC_TIMER_MODE_MASK) == LAPIC_TIMER_TSC_DEADLINE;
    if (n->tmr_count0 > n->tmict || (tsc && n->tmr_count0))
        return load_fail(r, "tmr_count0", n->tmr_count0);
    /* The longest span: 2^32 ticks * 128 at 1 MHz, well under 2^50 ns. */
    if (n->tmr_count0 && (n->tmr_span < 1 || n->tmr_span > (1LL << 50)))
        return load_fail(r, "tmr_span", (uint64_t)n->tmr_span);
    if (n->tmr_start < -MAX_NS || n->tmr_start > MAX_NS)
        return load_fail(r, "tmr_start", (uint64_t)n->tmr_start);
    if (!tsc && n->tsc_deadline)
        return load_fail(r, "tsc_deadline", n->tsc_deadline);
    return 0;
}

static int lapic_load(void *dev, struct vm_reader *r)
{
    struct lapic *s = dev;
    struct lapic_regs n = s->r;
    bool lint[2] = { s->lint_in[0], s->lint_in[1] };
    uint8_t buf[3][32], lvt[4 * LVT_NUM];
    uint32_t *map[] = { n.irr, n.isr, n.tmr };
    static const char *const maps[] = { "irr", "isr", "tmr" };
    for (int m = 0; m < 3; m++)
        for (int i = 0; i < 8; i++)
            st32(buf[m] + 4 * i, map[m][i]);
    for (int i = 0; i < LVT_NUM; i++)
        st32(lvt + 4 * i, n.lvt[i]);
    vmr_u64(r, "apic_base", &n.apic_base);
    vmr_u32(r, "id", &n.id_reg);
    vmr_u8(r, "tpr", &n.tpr);
    vmr_u32(r, "ldr", &n.ldr);
    vmr_u32(r, "dfr", &n.dfr);
    vmr_u32(r, "svr", &n.svr);
    for (int m = 0; m < 3; m++)
        vmr_bytes(r, maps[m], buf[m], 32);
    vmr_u8(r, "esr", &n.esr);
    vmr_u8(r, "esr_pending", &n.esr_pending);
    vmr_u64(r, "icr", &n.icr);
    vmr_bytes(r, "lvt", lvt, sizeof(lvt));
    vmr_u32(r, "tmict", &n.tmict);
    vmr_u32_max(r, "tdcr", &n.tdcr, TDCR_MASK);
    vmr_u32(r, "tmr_count0", &n.tmr_count0);
    vmr_i64(r, "tmr_start", &n.tmr_start);
    vmr_i64(r, "tmr_span", &n.tmr_span);
    vmr_u64(r, "tsc_deadline", &n.tsc_deadline);
    vmr_bool(r, "extint_msg", &n.extint_msg);
    vmr_bool(r, "lint0", &lint[0]);
    vmr_bool(r, "lint1", &lint[1]);
    if (vmr_failed(r))
        return -1;
    for (int m = 0; m < 3; m++)
        for (int i = 0; i < 8; i++)
            map[m][i] = ld32(buf[m] + 4 * i);
    for (int i = 0; i < LVT_NUM; i++)
        n.lvt[i] = ld32(lvt + 4 * i);
    if (lapic_check(s, &n, r))
        return -1;
    s->r = n;
    s->lint_in[0] = lint[0];
    s->lint_in[1] = lint[1];
    timer_rearm(s);
    return 0;
}

static void lapic_destroy(void *dev)
{
    struct lapic *s = dev;
    vtimer_del(&s->timer);
    if (s->bus)
        apic_bus_detach(s->bus, s);
    g_free(s);
}

const struct dev_class lapic_class = {
    .name = "lapic",
    .version = 1,
    .reset = lapic_reset,
    .settle = lapic_settle,
    .save = lapic_save,
    .load = lapic_load,
    .destroy = lapic_destroy,
};

struct lapic *lapic_new(const struct dev_env *env, const struct lapic_config *cfg)
{
    if (cfg->apic_id >= APIC_BUS_MAX_APICS ||
        (cfg->bus && apic_bus_get(cfg->bus, cfg->apic_id)))
        return NULL;
    struct lapic *s = g_new0(struct lapic, 1);
    unsigned bits = cfg->phys_bits ? MIN(cfg->phys_bits, 52u) : 40;
    s->env = env;
    s->bus = cfg->bus;
    s->link = cfg->link;
    s->extint_ack = cfg->extint_ack;
    s->extint_opaque = cfg->extint_opaque;
    s->apic_id = cfg->apic_id;
    s->bsp = cfg->bsp;
    s->tsc_hz = cfg->tsc_hz ? cfg->tsc_hz : NS_PER_SEC;
    s->bus_hz = cfg->bus_hz ? MAX(cfg->bus_hz, 1000000u) : NS_PER_SEC;
    /* Reserved: bits 7:0, 9 and MAXPHYADDR and up (BSP, EXTD, EN and the
     * base are defined). */
    s->base_rsvd = ~((1ULL << bits) - 1) | 0x2FFULL;
    s->trace = trace_on(env->log, "lapic");
    vtimer_init(&s->timer, env->clock, timer_cb, s);
    lapic_reset(s, RESET_COLD);
    if (s->bus)
        apic_bus_attach(s->bus, s->apic_id, s);
    return s;
}
