/* SPDX-License-Identifier: GPL-2.0-or-later */
/* base.h: the few macros every file uses.  Includes nothing of ours. */
#ifndef CORE_BASE_H
#define CORE_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif
#define BIT(n) (1ULL << (n))
#define PRINTF_FMT(a, b) __attribute__((format(printf, a, b)))

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* Little-endian helpers for guest-visible byte layouts (x86 is LE; the host
 * may not be). */
static inline uint16_t ld16(const void *p)
{
    const uint8_t *b = p;
    return (uint16_t)(b[0] | b[1] << 8);
}
static inline uint32_t ld32(const void *p)
{
    const uint8_t *b = p;
    return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}
static inline uint64_t ld64(const void *p)
{
    return ld32(p) | (uint64_t)ld32((const uint8_t *)p + 4) << 32;
}
static inline void st16(void *p, uint16_t v)
{
    uint8_t *b = p;
    b[0] = v;
    b[1] = v >> 8;
}
static inline void st32(void *p, uint32_t v)
{
    st16(p, v);
    st16((uint8_t *)p + 2, v >> 16);
}
static inline void st64(void *p, uint64_t v)
{
    st32(p, v);
    st32((uint8_t *)p + 4, v >> 32);
}

/* The checksum byte of firmware tables (MP, ACPI, SMBIOS, option ROMs):
 * stored in a checksum field that is 0 while this is computed, it makes
 * the n bytes at p sum to zero modulo 256. */
static inline uint8_t checksum8(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += b[i];
    return (uint8_t)-s;
}

#endif
