/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mc146818.c: Motorola MC146818A real-time clock plus RAM, as the PC/AT
 * CMOS at ports 0x70-0x73.
 *
 * Sources: Motorola MC146818A datasheet ("Address Map", "Time, Calendar and
 * Alarm Locations", "Registers" A-D, "Update Cycle", "Interrupts", Table 4
 * divider configurations, Table 5 periodic interrupt rates, Table 6 update
 * cycle times); the PC/AT CMOS map of the IBM PC/AT Technical Reference
 * (System Board, "CMOS RAM Address Map").
 *
 * Emulated: time and calendar in BCD or binary and 12/24 h (PM in bit 7 of
 * the hours), leap years, register A (UIP for 244 us before each update,
 * DV2-0: only 010 runs the divider, 11x holds it in reset and releasing it
 * puts the first update half a second later, every other value stops it;
 * RS3-0 periodic rates), register B (SET inhibits updates and clears UIE,
 * PIE/AIE/UIE, SQWE and DSE stored only, DM, 24/12), register C (flags are
 * set whether or not enabled; read clears them and lowers IRQ), register D
 * (VRT = 1), alarm with don't-care bytes (0xC0-0xFF), 114 + 128 bytes of
 * NVRAM (extended bank at 0x72/0x73 as on PIIX-class chipsets), the century
 * byte 0x32 kept consistent with the clock, and the NMI mask bit of port
 * 0x70 (stored for the board; it does not touch the RTC).
 * Not emulated: the square-wave pin, daylight-saving switching (DSE), the
 * factory test divider modes (treated as stopped), the garbage a real chip
 * produces when counting from invalid register values (they are normalised
 * when the clock starts from them), the 1984 us update duration (the update
 * is instant at the end of the UIP window).
 *
 * Timekeeping never ticks: the registers are computed from the virtual
 * clock on read, and register C's flags are accumulated lazily up to "now"
 * whenever they are looked at.  A timer is armed only while an enabled
 * interrupt source could raise IRQF (and not while IRQF is already set),
 * so an idle guest costs no host wakeups.
 *
 * Guests: SeaBIOS reads the memory-size bytes, 0x5F (CPUs), 0x10/0x12/0x14
 * (drives, equipment), 0x38/0x3D (boot order) and the time via int 1Ah;
 * Linux and Windows read register C from the IRQ 8 handler to acknowledge
 * and poll UIP before reading the time; DOS and BIOS set-up programs stop
 * the clock with SET or a divider reset while writing it.
 *
 * Threat model: the guest controls the index (masked to 7 bits), register
 * values (any byte; invalid time values are normalised into bounded ranges
 * before any arithmetic, so the clock stays within years 0..~30000), and
 * the event rate (timers are armed only for enabled interrupts, never in
 * the past, and not at all while IRQF is pending).  Loaded state is
 * range-checked so the time arithmetic cannot overflow. */
#include <glib.h>
#include <inttypes.h>
#include <string.h>
#include "hw/rtc/mc146818.h"

#define SECS_PER_DAY 86400
#define DIV_HZ 32768             /* the PC's time base */
#define UIP_WINDOW_NS 244000     /* datasheet Table 6, tBUC */
/* Wall-time bounds: base_s is clamped to years 0000..9999; every value the
 * guest can produce stays far inside these limits. */
#define RTC_MIN_BASE_S (-62167219200LL) /* 0000-01-01T00:00:00 */
#define RTC_MAX_BASE_S 253402300799LL   /* 9999-12-31T23:59:59 */
#define RTC_MAX_OFF_S 1000000000000LL   /* ~31700 years either way */
#define RTC_MAX_DIV_NS (1LL << 61)

struct rtc_tm {
    int64_t year;
    unsigned mon, mday, hour, min, sec, wday;
};

/* ---- arithmetic helpers ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b) != 0 && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

/* Days since 1970-01-01 in the proleptic Gregorian calendar.  Years are
 * counted from March so that the leap day is the last day of the year; a
 * 400-year era has 146097 days. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, struct rtc_tm *tm)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    tm->mday = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    tm->mon = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    tm->year = yoe + era * 400 + (tm->mon <= 2);
}

/* Divider ns <-> 32.768 kHz cycles, exact, without 128-bit products. */
static int64_t ns_to_cycles(int64_t ns)
{
    return floor_div(ns, NS_PER_SEC) * DIV_HZ + floor_mod(ns, NS_PER_SEC) * DIV_HZ / NS_PER_SEC;
}

static int64_t cycles_to_ns_ceil(int64_t c)
{
    return floor_div(c, DIV_HZ) * NS_PER_SEC +
           (floor_mod(c, DIV_HZ) * NS_PER_SEC + DIV_HZ - 1) / DIV_HZ;
}

/* ---- register formats ---- */

static bool rtc_binary(const struct mc146818 *s)
{
    return s->cmos[RTC_REG_B] & RTC_B_DM;
}

static uint8_t enc(const struct mc146818 *s, unsigned v)
{
    return rtc_binary(s) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

/* Lenient decode for counting registers: invalid BCD digits count as their
 * binary value, as the chip's adders would see them. */
static unsigned dec(const struct mc146818 *s, uint8_t b)
{
    return rtc_binary(s) ? b : (b >> 4) * 10u + (b & 0xf);
}

/* Strict decode for alarm compares: the byte must be a value the time
 * register can hold in this format, or it never matches. */
static int dec_strict(const struct mc146818 *s, uint8_t b, unsigned lo, unsigned hi)
{
    if (!rtc_binary(s) && ((b >> 4) > 9 || (b & 0xf) > 9))
        return -1;
    unsigned v = dec(s, b);
    return v >= lo && v <= hi ? (int)v : -1;
}

static uint8_t enc_hour(const struct mc146818 *s, unsigned h)
{
    if (s->cmos[RTC_REG_B] & RTC_B_24H)
        return enc(s, h);
    unsigned h12 = h % 12 ? h % 12 : 12;
    return enc(s, h12) | (h >= 12 ? 0x80 : 0);
}

static unsigned dec_hour(const struct mc146818 *s, uint8_t b)
{
    if (s->cmos[RTC_REG_B] & RTC_B_24H)
        return dec(s, b);
    return dec(s, b & 0x7f) % 12 + (b & 0x80 ? 12 : 0);
}

/* Alarm hours byte as 0-23, -1 = don't care, -2 = never matches. */
static int alarm_hour(const struct mc146818 *s, uint8_t b)
{
    if (b >= 0xc0)
        return -1;
    if (s->cmos[RTC_REG_B] & RTC_B_24H) {
        int h = dec_strict(s, b, 0, 23);
        return h < 0 ? -2 : h;
    }
    int h = dec_strict(s, b & 0x7f, 1, 12);
    return h < 0 ? -2 : h % 12 + (b & 0x80 ? 12 : 0);
}

static int alarm_field(const struct mc146818 *s, uint8_t b, unsigned hi)
{
    if (b >= 0xc0)
        return -1;
    int v = dec_strict(s, b, 0, hi);
    return v < 0 ? -2 : v;
}

/* ---- the time model ---- */

static bool div_running(const struct mc146818 *s)
{
    return (s->cmos[RTC_REG_A] & RTC_A_DV_MASK) == RTC_A_DV_32K;
}

static bool updating(const struct mc146818 *s)
{
    return div_running(s) && !(s->cmos[RTC_REG_B] & RTC_B_SET);
}

static int64_t div_ns(const struct mc146818 *s, int64_t now)
{
    return div_running(s) ? now + s->div_offset : s->div_frozen;
}

static int64_t rtc_secs(const struct mc146818 *s, int64_t now)
{
    return s->base_s + floor_div(div_ns(s, now), NS_PER_SEC) + s->guest_off_s;
}

static void tm_from_secs(const struct mc146818 *s, int64_t secs, struct rtc_tm *tm)
{
    int64_t days = floor_div(secs, SECS_PER_DAY);
    int64_t tod = secs - days * SECS_PER_DAY;
    civil_from_days(days, tm);
    tm->hour = (unsigned)(tod / 3600);
    tm->min = (unsigned)(tod / 60 % 60);
    tm->sec = (unsigned)(tod % 60);
    /* 1970-01-01 was a Thursday; the chip counts Sunday = 1. */
    tm->wday = (unsigned)floor_mod(days + 4 + s->wday_adj, 7) + 1;
}

/* The byte a time register (or the century) reads as at `secs`. */
static uint8_t time_reg(const struct mc146818 *s, unsigned idx, int64_t secs)
{
    struct rtc_tm tm;
    tm_from_secs(s, secs, &tm);
    switch (idx) {
    case RTC_SECONDS: return enc(s, tm.sec);
    case RTC_MINUTES: return enc(s, tm.min);
    case RTC_HOURS: return enc_hour(s, tm.hour);
    case RTC_DAY_OF_WEEK: return enc(s, tm.wday);
    case RTC_DAY_OF_MONTH: return enc(s, tm.mday);
    case RTC_MONTH: return enc(s, tm.mon);
    case RTC_YEAR: return enc(s, (unsigned)floor_mod(tm.year, 100));
    default: return enc(s, (unsigned)floor_mod(floor_div(tm.year, 100), 100));
    }
}

static bool is_time_reg(unsigned idx)
{
    return idx == RTC_CENTURY || (idx <= RTC_YEAR && idx != RTC_SECONDS_ALARM &&
                                  idx != RTC_MINUTES_ALARM && idx != RTC_HOURS_ALARM);
}

static const uint8_t time_regs[] = { RTC_SECONDS, RTC_MINUTES, RTC_HOURS, RTC_DAY_OF_WEEK,
                                     RTC_DAY_OF_MONTH, RTC_MONTH, RTC_YEAR, RTC_CENTURY };

/* Freeze: write the running time into the registers (current format). */
static void regs_from_secs(struct mc146818 *s, int64_t secs)
{
    for (size_t i = 0; i < ARRAY_SIZE(time_regs); i++)
        s->cmos[time_regs[i]] = time_reg(s, time_regs[i], secs);
}

/* Thaw: the seconds value the registers hold.  Out-of-range values are
 * normalised (month and day clamped, overflowing hours/minutes/seconds
 * carry), so the result stays within years 0..25755.  Sets wday_adj so the
 * guest's day of week keeps counting from what it wrote. */
static int64_t secs_from_regs(struct mc146818 *s)
{
    int64_t year = dec(s, s->cmos[RTC_YEAR]) + 100 * (int64_t)dec(s, s->cmos[RTC_CENTURY]);
    unsigned mon = CLAMP(dec(s, s->cmos[RTC_MONTH]), 1u, 12u);
    unsigned mday = CLAMP(dec(s, s->cmos[RTC_DAY_OF_MONTH]), 1u, 31u);
    int64_t days = days_from_civil(year, mon, 1) + mday - 1;
    int64_t secs = days * SECS_PER_DAY + dec_hour(s, s->cmos[RTC_HOURS]) * 3600LL +
                   dec(s, s->cmos[RTC_MINUTES]) * 60LL + dec(s, s->cmos[RTC_SECONDS]);
    int64_t real = floor_mod(floor_div(secs, SECS_PER_DAY) + 4, 7);
    s->wday_adj = (uint8_t)floor_mod((int64_t)dec(s, s->cmos[RTC_DAY_OF_WEEK]) - 1 - real, 7);
    return secs;
}

/* Let the clock run from the registers, keeping the divider phase. */
static void thaw(struct mc146818 *s, int64_t now)
{
    s->guest_off_s = secs_from_regs(s) - s->base_s - floor_div(div_ns(s, now), NS_PER_SEC);
}

/* First second >= from whose time of day matches the alarm bytes, or
 * INT64_MAX if a byte can never match.  A valid alarm matches at least once
 * a day, so two days are enough; whole hours and minutes before `from` are
 * skipped, so this is ~150 steps at most. */
static int64_t next_alarm(const struct mc146818 *s, int64_t from)
{
    int as = alarm_field(s, s->cmos[RTC_SECONDS_ALARM], 59);
    int am = alarm_field(s, s->cmos[RTC_MINUTES_ALARM], 59);
    int ah = alarm_hour(s, s->cmos[RTC_HOURS_ALARM]);
    if (as == -2 || am == -2 || ah == -2)
        return INT64_MAX;
    int64_t day0 = floor_div(from, SECS_PER_DAY) * SECS_PER_DAY;
    for (int64_t day = day0; day <= day0 + SECS_PER_DAY; day += SECS_PER_DAY) {
        for (int h = 0; h < 24; h++) {
            int64_t th = day + h * 3600;
            if ((ah >= 0 && h != ah) || th + 3599 < from)
                continue;
            for (int m = 0; m < 60; m++) {
                int64_t tmin = th + m * 60;
                if ((am >= 0 && m != am) || tmin + 59 < from)
                    continue;
                for (int sec = 0; sec < 60; sec++) {
                    if ((as < 0 || sec == as) && tmin + sec >= from)
                        return tmin + sec;
                }
            }
        }
    }
    return INT64_MAX;
}

/* Periodic interrupt period in 32.768 kHz cycles (datasheet Table 5):
 * RS 1, 2 are 256 and 128 Hz for this time base; 3..15 are 8192 Hz >> (RS-3). */
static int64_t period_cycles(const struct mc146818 *s)
{
    unsigned rs = s->cmos[RTC_REG_A] & RTC_A_RS_MASK;
    if (!rs)
        return 0;
    return rs <= 2 ? 64 << rs : 4 << (rs - 3);
}

/* Latch every flag event in (last_eval, now] into s->flags. */
static void rtc_sync(struct mc146818 *s, int64_t now)
{
    int64_t last = s->last_eval;
    s->last_eval = now;
    if (now <= last || !div_running(s))
        return;
    int64_t d0 = last + s->div_offset, d1 = now + s->div_offset;
    int64_t p = period_cycles(s);
    if (p && floor_div(ns_to_cycles(d1), p) > floor_div(ns_to_cycles(d0), p))
        s->flags |= RTC_C_PF;
    if (s->cmos[RTC_REG_B] & RTC_B_SET)
        return;
    int64_t s0 = floor_div(d0, NS_PER_SEC), s1 = floor_div(d1, NS_PER_SEC);
    if (s1 == s0)
        return;
    s->flags |= RTC_C_UF;
    if (!(s->flags & RTC_C_AF)) {
        int64_t t0 = s->base_s + s0 + s->guest_off_s;
        if (next_alarm(s, t0 + 1) <= t0 + (s1 - s0))
            s->flags |= RTC_C_AF;
    }
}

static bool irqf(const struct mc146818 *s)
{
    return s->flags & s->cmos[RTC_REG_B] & (RTC_B_PIE | RTC_B_AIE | RTC_B_UIE);
}

/* Virtual time of the next event that would raise IRQF, or INT64_MAX.
 * Always > now. */
static int64_t next_event(const struct mc146818 *s, int64_t now)
{
    if (irqf(s) || !div_running(s))
        return INT64_MAX;
    uint8_t b = s->cmos[RTC_REG_B];
    int64_t d = now + s->div_offset, best = INT64_MAX;
    int64_t p = period_cycles(s);
    if ((b & RTC_B_PIE) && p) {
        int64_t next = (floor_div(ns_to_cycles(d), p) + 1) * p;
        best = MIN(best, cycles_to_ns_ceil(next) - s->div_offset);
    }
    if (b & RTC_B_SET)
        return best;
    int64_t sec = floor_div(d, NS_PER_SEC);
    if (b & RTC_B_UIE)
        best = MIN(best, (sec + 1) * NS_PER_SEC - s->div_offset);
    if (b & RTC_B_AIE) {
        int64_t cur = s->base_s + sec + s->guest_off_s;
        int64_t m = next_alarm(s, cur + 1);
        if (m != INT64_MAX)
            best = MIN(best, (sec + (m - cur)) * NS_PER_SEC - s->div_offset);
    }
    return best;
}

static void rtc_rearm(struct mc146818 *s, int64_t now)
{
    int64_t t = next_event(s, now);
    if (t == INT64_MAX)
        vtimer_del(&s->timer);
    else
        vtimer_mod(&s->timer, t);
}

/* After any change: drive IRQ 8 from IRQF and re-arm. */
static void rtc_update(struct mc146818 *s, int64_t now)
{
    irq_set(&s->irq, irqf(s));
    rtc_rearm(s, now);
}

static void rtc_timer_cb(void *opaque)
{
    struct mc146818 *s = opaque;
    int64_t now = vclock_now(s->env->clock);
    rtc_sync(s, now);
    rtc_update(s, now);
}

/* Registers A and B decide whether the divider runs and whether updates
 * happen; moving between those states freezes or thaws the time registers
 * and the divider phase.  The caller has synced the flags. */
static void rtc_set_ctrl(struct mc146818 *s, int64_t now, uint8_t a, uint8_t b)
{
    bool div_was = div_running(s), upd_was = updating(s);
    bool div_now = (a & RTC_A_DV_MASK) == RTC_A_DV_32K;
    bool upd_now = div_now && !(b & RTC_B_SET);
    if (upd_was && !upd_now)
        regs_from_secs(s, rtc_secs(s, now)); /* in the old format, as the chip holds them */
    if (div_was && !div_now)
        s->div_frozen = now + s->div_offset;
    if (!div_now && (a & 0x60) == 0x60) /* 11x: divider held in reset */
        s->div_frozen = floor_div(s->div_frozen, NS_PER_SEC) * NS_PER_SEC + NS_PER_SEC / 2;
    s->cmos[RTC_REG_A] = a & ~RTC_A_UIP;
    s->cmos[RTC_REG_B] = b;
    if (!div_was && div_now)
        s->div_offset = s->div_frozen - now;
    if (!upd_was && upd_now)
        thaw(s, now);
}

/* ---- register file ---- */

static uint8_t cmos_read(struct mc146818 *s, unsigned idx)
{
    int64_t now = vclock_now(s->env->clock);
    if (is_time_reg(idx))
        return updating(s) ? time_reg(s, idx, rtc_secs(s, now)) : s->cmos[idx];
    switch (idx) {
    case RTC_REG_A: {
        bool uip = updating(s) &&
                   floor_mod(div_ns(s, now), NS_PER_SEC) >= NS_PER_SEC - UIP_WINDOW_NS;
        return s->cmos[RTC_REG_A] | (uip ? RTC_A_UIP : 0);
    }
    case RTC_REG_C: {
        rtc_sync(s, now);
        uint8_t v = s->flags | (irqf(s) ? RTC_C_IRQF : 0);
        s->flags = 0;
        rtc_update(s, now);
        return v;
    }
    case RTC_REG_D:
        return RTC_D_VRT;
    default:
        return s->cmos[idx];
    }
}

static void cmos_write(struct mc146818 *s, unsigned idx, uint8_t val)
{
    int64_t now = vclock_now(s->env->clock);
    TRACE(s->env->log, s->trace, "mc146818: write [0x%02x] = 0x%02x", idx, val);
    if (is_time_reg(idx)) {
        if (!updating(s)) {
            s->cmos[idx] = val;
            return;
        }
        /* A write while the clock runs changes that field and the clock
         * keeps counting from there, with the same divider phase. */
        rtc_sync(s, now);
        regs_from_secs(s, rtc_secs(s, now));
        s->cmos[idx] = val;
        thaw(s, now);
        rtc_update(s, now);
        return;
    }
    switch (idx) {
    case RTC_SECONDS_ALARM:
    case RTC_MINUTES_ALARM:
    case RTC_HOURS_ALARM:
        rtc_sync(s, now);
        s->cmos[idx] = val;
        rtc_update(s, now);
        return;
    case RTC_REG_A:
        rtc_sync(s, now);
        rtc_set_ctrl(s, now, val, s->cmos[RTC_REG_B]);
        rtc_update(s, now);
        return;
    case RTC_REG_B:
        /* Datasheet: the SET bit going high clears UIE. */
        if (val & RTC_B_SET)
            val &= ~RTC_B_UIE;
        rtc_sync(s, now);
        rtc_set_ctrl(s, now, s->cmos[RTC_REG_A], val);
        rtc_update(s, now);
        return;
    case RTC_REG_C:
    case RTC_REG_D:
        return; /* read-only */
    default:
        s->cmos[idx] = val;
    }
}

static uint64_t mc146818_io_read(void *opaque, uint64_t offset, unsigned size)
{
    struct mc146818 *s = opaque;
    switch (offset) {
    case 1:
        return cmos_read(s, s->index);
    case 3:
        return cmos_read(s, 0x80 | s->ext_index);
    default:
        return 0xff; /* the index ports are write-only on the PC/AT */
    }
}

static void mc146818_io_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    struct mc146818 *s = opaque;
    switch (offset) {
    case 0:
        s->index = val & 0x7f;
        s->nmi_disabled = val & 0x80;
        break;
    case 1:
        cmos_write(s, s->index, (uint8_t)val);
        break;
    case 2:
        s->ext_index = val & 0x7f;
        break;
    default:
        cmos_write(s, 0x80 | s->ext_index, (uint8_t)val);
        break;
    }
}

static const struct io_ops mc146818_io_ops = {
    .read = mc146818_io_read,
    .write = mc146818_io_write,
    .min_size = 1,
    .max_size = 1,
};

/* ---- board API ---- */

struct mc146818 *mc146818_new(const struct dev_env *env, int64_t base_time_s)
{
    struct mc146818 *s = g_new0(struct mc146818, 1);
    int64_t now = vclock_now(env->clock);
    s->env = env;
    s->trace = trace_on(env->log, "mc146818");
    region_init_io(&s->region, "mc146818", 4, &mc146818_io_ops, s);
    vtimer_init(&s->timer, env->clock, rtc_timer_cb, s);
    /* What a PC BIOS programs: 32.768 kHz, 1024 Hz periodic rate; 24 h BCD. */
    s->cmos[RTC_REG_A] = RTC_A_DV_32K | 0x06;
    s->cmos[RTC_REG_B] = RTC_B_24H;
    s->base_s = CLAMP(base_time_s, RTC_MIN_BASE_S, RTC_MAX_BASE_S);
    /* The divider is at a second boundary now: the first update is 1 s later. */
    s->div_offset = -now;
    s->last_eval = now;
    return s;
}

void mc146818_nvram_set(struct mc146818 *rtc, unsigned index, uint8_t value)
{
    if (index < 0x0E || index >= MC146818_CMOS_SIZE)
        return;
    cmos_write(rtc, index, value);
}

uint8_t mc146818_nvram_get(struct mc146818 *rtc, unsigned index)
{
    if (index < 0x0E || index >= MC146818_CMOS_SIZE)
        return 0;
    return cmos_read(rtc, index);
}

/* PC/AT CMOS memory-size bytes (the values QEMU's pc machine writes and
 * SeaBIOS reads):
 *   0x15/0x16  base memory in KiB, LE: always 640
 *   0x17/0x18  extended memory above 1 MiB in KiB, LE, saturating at 0xFFFF
 *   0x30/0x31  the same again (the POST-measured copy of 0x17/0x18)
 *   0x34/0x35  memory above 16 MiB (below 4 GiB) in 64 KiB units, LE,
 *              saturating at 0xFFFF; SeaBIOS sizes low RAM from this
 *   0x5B-0x5D  memory above 4 GiB in 64 KiB units, 24-bit LE */
void mc146818_set_pc_memory(struct mc146818 *rtc, uint64_t below_4g_bytes,
                            uint64_t above_4g_bytes)
{
    uint64_t ext = below_4g_bytes > 1 * MiB ? (below_4g_bytes - 1 * MiB) / KiB : 0;
    uint64_t ext16 = below_4g_bytes > 16 * MiB ? (below_4g_bytes - 16 * MiB) / (64 * KiB) : 0;
    uint64_t high = above_4g_bytes / (64 * KiB);
    ext = MIN(ext, 0xffff);
    ext16 = MIN(ext16, 0xffff);
    mc146818_nvram_set(rtc, 0x15, 640 & 0xff);
    mc146818_nvram_set(rtc, 0x16, 640 >> 8);
    mc146818_nvram_set(rtc, 0x17, ext & 0xff);
    mc146818_nvram_set(rtc, 0x18, ext >> 8);
    mc146818_nvram_set(rtc, 0x30, ext & 0xff);
    mc146818_nvram_set(rtc, 0x31, ext >> 8);
    mc146818_nvram_set(rtc, 0x34, ext16 & 0xff);
    mc146818_nvram_set(rtc, 0x35, ext16 >> 8);
    mc146818_nvram_set(rtc, 0x5b, high & 0xff);
    mc146818_nvram_set(rtc, 0x5c, (high >> 8) & 0xff);
    mc146818_nvram_set(rtc, 0x5d, (high >> 16) & 0xff);
}

void mc146818_set_checksum(struct mc146818 *rtc)
{
    unsigned sum = 0;
    for (unsigned i = 0x10; i <= 0x2d; i++)
        sum += rtc->cmos[i];
    rtc->cmos[0x2e] = (uint8_t)(sum >> 8);
    rtc->cmos[0x2f] = (uint8_t)sum;
}

bool mc146818_nmi_disabled(const struct mc146818 *rtc)
{
    return rtc->nmi_disabled;
}

/* ---- dev_class ---- */

/* The RESET pin (datasheet "Reset"): clears PIE, AIE, UIE, SQWE and the
 * flags, releases IRQ; time, the divider, the format bits and the RAM are
 * untouched.  The PC wires it to the system reset, cold or warm alike. */
static void mc146818_reset(void *dev, enum reset_kind kind)
{
    struct mc146818 *s = dev;
    vtimer_del(&s->timer);
    s->cmos[RTC_REG_B] &= ~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE | RTC_B_SQWE);
    s->flags = 0;
    s->last_eval = vclock_now(s->env->clock);
    s->nmi_disabled = false;
}

static void mc146818_settle(void *dev)
{
    struct mc146818 *s = dev;
    rtc_update(s, vclock_now(s->env->clock));
}

static void mc146818_save(void *dev, struct vm_writer *w)
{
    struct mc146818 *s = dev;
    vmw_bytes(w, "cmos", s->cmos, sizeof(s->cmos));
    vmw_u8(w, "flags", s->flags);
    vmw_u8(w, "index", s->index);
    vmw_u8(w, "ext_index", s->ext_index);
    vmw_bool(w, "nmi_disabled", s->nmi_disabled);
    vmw_i64(w, "base_s", s->base_s);
    vmw_i64(w, "guest_off_s", s->guest_off_s);
    vmw_u8(w, "wday_adj", s->wday_adj);
    vmw_i64(w, "div_offset", s->div_offset);
    vmw_i64(w, "div_frozen", s->div_frozen);
    vmw_i64(w, "last_eval", s->last_eval);
    vmw_i64(w, "timer_deadline", vtimer_pending(&s->timer) ? s->timer.deadline : -1);
}

static int check_range(struct vm_reader *r, const char *field, int64_t v, int64_t lo, int64_t hi)
{
    if (v < lo || v > hi) {
        vmr_fail(r, field, "%" PRId64 " out of range", v);
        return -1;
    }
    return 0;
}

static int mc146818_load(void *dev, struct vm_reader *r)
{
    struct mc146818 *s = dev;
    /* Load into a copy so a rejected stream leaves the device untouched. */
    struct mc146818 n = *s;
    int64_t deadline = vtimer_pending(&s->timer) ? s->timer.deadline : -1;
    vmr_bytes(r, "cmos", n.cmos, sizeof(n.cmos));
    vmr_u8(r, "flags", &n.flags);
    vmr_u8_max(r, "index", &n.index, 0x7f);
    vmr_u8_max(r, "ext_index", &n.ext_index, 0x7f);
    vmr_bool(r, "nmi_disabled", &n.nmi_disabled);
    vmr_i64(r, "base_s", &n.base_s);
    vmr_i64(r, "guest_off_s", &n.guest_off_s);
    vmr_u8_max(r, "wday_adj", &n.wday_adj, 6);
    vmr_i64(r, "div_offset", &n.div_offset);
    vmr_i64(r, "div_frozen", &n.div_frozen);
    vmr_i64(r, "last_eval", &n.last_eval);
    vmr_i64(r, "timer_deadline", &deadline);
    if (vmr_failed(r))
        return -1;
    if (n.flags & ~(RTC_C_PF | RTC_C_AF | RTC_C_UF)) {
        vmr_fail(r, "flags", "0x%02x has bits outside PF/AF/UF", n.flags);
        return -1;
    }
    if (n.cmos[RTC_REG_A] & RTC_A_UIP) {
        vmr_fail(r, "cmos", "register A with UIP set");
        return -1;
    }
    if (check_range(r, "base_s", n.base_s, RTC_MIN_BASE_S, RTC_MAX_BASE_S) ||
        check_range(r, "guest_off_s", n.guest_off_s, -RTC_MAX_OFF_S, RTC_MAX_OFF_S) ||
        check_range(r, "div_offset", n.div_offset, -RTC_MAX_DIV_NS, RTC_MAX_DIV_NS) ||
        check_range(r, "div_frozen", n.div_frozen, -RTC_MAX_DIV_NS, RTC_MAX_DIV_NS) ||
        check_range(r, "last_eval", n.last_eval, -RTC_MAX_DIV_NS, RTC_MAX_DIV_NS) ||
        check_range(r, "timer_deadline", deadline, -1, RTC_MAX_DIV_NS))
        return -1;
    memcpy(s->cmos, n.cmos, sizeof(s->cmos));
    s->flags = n.flags;
    s->index = n.index;
    s->ext_index = n.ext_index;
    s->nmi_disabled = n.nmi_disabled;
    s->base_s = n.base_s;
    s->guest_off_s = n.guest_off_s;
    s->wday_adj = n.wday_adj;
    s->div_offset = n.div_offset;
    s->div_frozen = n.div_frozen;
    s->last_eval = n.last_eval;
    /* The deadline is re-armed as saved; the callback recomputes the next
     * one from the state, so a stale deadline costs one spurious wakeup. */
    if (deadline >= 0)
        vtimer_mod(&s->timer, deadline);
    else
        vtimer_del(&s->timer);
    return 0;
}

static void mc146818_destroy(void *dev)
{
    struct mc146818 *s = dev;
    vtimer_del(&s->timer);
    g_free(s);
}

const struct dev_class mc146818_class = {
    .name = "mc146818",
    .version = 1,
    .reset = mc146818_reset,
    .settle = mc146818_settle,
    .save = mc146818_save,
    .load = mc146818_load,
    .destroy = mc146818_destroy,
};
