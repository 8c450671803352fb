/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mc146818.h: the MC146818A real-time clock plus CMOS RAM of the PC/AT.
 *
 * The board creates it with the wall-clock time the guest should see at
 * creation (seconds since 1970-01-01 00:00:00, already shifted for
 * -rtc base=localtime), maps `region` at port 0x70 (4 ports: 0x70 index,
 * 0x71 data, 0x72 extended index, 0x73 extended data), connects `irq` to ISA
 * IRQ 8, and fills the NVRAM bytes firmware reads (memory sizes, CPU count,
 * floppy/disk types, boot order) with mc146818_nvram_set() and the helpers
 * below before the first reset. */
#ifndef HW_RTC_MC146818_H
#define HW_RTC_MC146818_H

#include "core/device.h"

/* Register indexes (datasheet "Address Map") and bits. */
#define RTC_SECONDS 0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES 0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS 0x04
#define RTC_HOURS_ALARM 0x05
#define RTC_DAY_OF_WEEK 0x06
#define RTC_DAY_OF_MONTH 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_REG_A 0x0A
#define RTC_REG_B 0x0B
#define RTC_REG_C 0x0C
#define RTC_REG_D 0x0D
#define RTC_CENTURY 0x32 /* PC/AT CMOS map: century, BCD */

#define RTC_A_UIP 0x80
#define RTC_A_DV_MASK 0x70
#define RTC_A_DV_32K 0x20 /* DV2-0 = 010: 32.768 kHz time base, divider runs */
#define RTC_A_RS_MASK 0x0F
#define RTC_B_SET 0x80
#define RTC_B_PIE 0x40
#define RTC_B_AIE 0x20
#define RTC_B_UIE 0x10
#define RTC_B_SQWE 0x08
#define RTC_B_DM 0x04 /* 1 = binary, 0 = BCD */
#define RTC_B_24H 0x02
#define RTC_B_DSE 0x01
#define RTC_C_IRQF 0x80
#define RTC_C_PF 0x40
#define RTC_C_AF 0x20
#define RTC_C_UF 0x10
#define RTC_D_VRT 0x80

#define MC146818_CMOS_SIZE 256 /* 128 standard + 128 extended (0x72/0x73) */

struct mc146818 {
    struct mem_region region; /* ports 0x70-0x73 */
    struct irq_line irq;      /* ISA IRQ 8, high while IRQF = 1 */

    /* Everything below is private to mc146818.c. */
    const struct dev_env *env;
    struct vtimer timer; /* next event that would set IRQF (only when one is enabled) */
    bool trace;
    /* 0x00-0x09: time registers, meaningful only while the clock is frozen
     * (SET = 1 or divider stopped); while it runs they are computed on read.
     * The alarm bytes 0x01/0x03/0x05 are always live.  0x0A: register A
     * without UIP; 0x0B: register B; 0x0C/0x0D unused (derived).  0x32 is the
     * century, which follows the clock like a time register.  The rest is
     * plain battery-backed RAM. */
    uint8_t cmos[MC146818_CMOS_SIZE];
    uint8_t flags;     /* register C: PF | AF | UF latched up to last_eval */
    uint8_t index;     /* port 0x70, 7 bits */
    uint8_t ext_index; /* port 0x72, 7 bits (bank 0x80-0xFF) */
    bool nmi_disabled; /* port 0x70 bit 7 */
    /* Time model: the divider counts "divider ns" (div_ns); while it runs
     * div_ns = now + div_offset, when stopped it stays at div_frozen.  An
     * update happens each time div_ns crosses a whole second.  The clock
     * then reads base_s + floor(div_ns / 1 s) + guest_off_s seconds. */
    int64_t base_s;      /* wall time at creation, from -rtc base= */
    int64_t guest_off_s; /* the guest's own setting, relative to base_s */
    uint8_t wday_adj;    /* guest's day-of-week register minus the real one, mod 7 */
    int64_t div_offset, div_frozen;
    int64_t last_eval; /* flags hold every event up to this virtual time */
};

extern const struct dev_class mc146818_class;

struct mc146818 *mc146818_new(const struct dev_env *env, int64_t base_time_s);

/* Board access to the battery-backed RAM, index 0x0E-0xFF (0x80-0xFF is the
 * extended bank at 0x72/0x73).  Writing 0x32 sets the century of the clock.
 * Lower indexes are clock registers and are ignored here. */
void mc146818_nvram_set(struct mc146818 *rtc, unsigned index, uint8_t value);
uint8_t mc146818_nvram_get(struct mc146818 *rtc, unsigned index);

/* Fill the memory-size bytes exactly as QEMU's pc machine does, from the RAM
 * below 4 GiB (up to the PCI hole) and above 4 GiB.  See the byte map at
 * the definition. */
void mc146818_set_pc_memory(struct mc146818 *rtc, uint64_t below_4g_bytes,
                            uint64_t above_4g_bytes);

/* Standard PC/AT checksum: sum of bytes 0x10-0x2D, big-endian at 0x2E/0x2F.
 * Call after the last nvram_set of a byte in that range. */
void mc146818_set_checksum(struct mc146818 *rtc);

/* Port 0x70 bit 7: the chipset's NMI mask, stored here because it shares
 * the port.  true = NMIs disabled.  It does not affect the RTC. */
bool mc146818_nmi_disabled(const struct mc146818 *rtc);

#endif
