/* SPDX-License-Identifier: GPL-2.0-or-later */
/* smbios.h: the SMBIOS (DMI) tables a PC's firmware leaves for the OS.
 *
 * Two uses:
 *  - behind SeaBIOS: the board adds the entry point as fw_cfg file
 *    "etc/smbios/smbios-anchor" and the structures as
 *    "etc/smbios/smbios-tables"; SeaBIOS 1.16 checks the anchor's size and
 *    signature and that the tables file is exactly as long as the anchor
 *    says, adds its own type 0 (BIOS) structure if there is none (so the
 *    board builds without type 0 unless -smbios type=0 gave fields, as
 *    QEMU does), fixes up the address and checksums and copies the tables.
 *  - direct -kernel boot: the board builds with a type 0 of our own, puts
 *    the structures in guest RAM, points the anchor at them with
 *    smbios_set_table_address() and writes the anchor on a 16-byte boundary
 *    in 0xF0000-0xFFFFF, where the OS scans for it.
 *
 * The -smbios option (QEMU syntax, user input) is parsed by
 * smbios_parse_opt() into struct smbios_settings; main.c calls it for each
 * option and reports its error line. */
#ifndef HW_BOOT_SMBIOS_H
#define HW_BOOT_SMBIOS_H

#include "core/base.h"

#define SMBIOS_STR_MAX 1024      /* longest -smbios string value we take */
#define SMBIOS_ANCHOR32_LEN 31   /* "_SM_" entry point (SMBIOS 2.8) */
#define SMBIOS_ANCHOR64_LEN 24   /* "_SM3_" entry point (SMBIOS 3.0) */
#define SMBIOS_DIMM_MAX (16 * GiB) /* largest type 17 memory device */
/* Direct boot: where the board puts the entry point and the structures in
 * the BIOS area (the MP table takes 0xF0000-0xF1FFF). */
#define SMBIOS_DIRECT_ANCHOR 0xF8000ULL
#define SMBIOS_DIRECT_TABLES 0xF8020ULL
#define SMBIOS_DIRECT_END 0x100000ULL

/* Every -smbios field, by type. */
enum smbios_field {
    SMBIOS_T0_VENDOR, SMBIOS_T0_VERSION, SMBIOS_T0_DATE, SMBIOS_T0_RELEASE, SMBIOS_T0_UEFI,
    SMBIOS_T1_MANUFACTURER, SMBIOS_T1_PRODUCT, SMBIOS_T1_VERSION, SMBIOS_T1_SERIAL,
    SMBIOS_T1_UUID, SMBIOS_T1_SKU, SMBIOS_T1_FAMILY,
    SMBIOS_T2_MANUFACTURER, SMBIOS_T2_PRODUCT, SMBIOS_T2_VERSION, SMBIOS_T2_SERIAL,
    SMBIOS_T2_ASSET, SMBIOS_T2_LOCATION,
    SMBIOS_T3_MANUFACTURER, SMBIOS_T3_VERSION, SMBIOS_T3_SERIAL, SMBIOS_T3_ASSET,
    SMBIOS_T3_SKU,
    SMBIOS_T4_SOCK_PFX, SMBIOS_T4_MANUFACTURER, SMBIOS_T4_VERSION, SMBIOS_T4_SERIAL,
    SMBIOS_T4_ASSET, SMBIOS_T4_PART, SMBIOS_T4_MAX_SPEED, SMBIOS_T4_CURRENT_SPEED,
    SMBIOS_T4_PROCESSOR_ID,
    SMBIOS_T17_LOC_PFX, SMBIOS_T17_BANK, SMBIOS_T17_MANUFACTURER, SMBIOS_T17_SERIAL,
    SMBIOS_T17_ASSET, SMBIOS_T17_PART, SMBIOS_T17_SPEED,
    SMBIOS_NFIELDS
};

/* What -smbios options said.  Zero-initialise; free with
 * smbios_settings_free(). */
struct smbios_settings {
    char *val[SMBIOS_NFIELDS]; /* as given (NULL: not given) */
    uint32_t types;            /* bit n: some -smbios type=n was given */
    /* Parsed numeric fields (valid when the string is set). */
    uint8_t bios_major, bios_minor;
    bool uefi;
    uint8_t uuid[16];          /* type=1,uuid=, RFC 4122 byte order */
    uint16_t max_speed, current_speed, mem_speed;
    uint64_t processor_id;
};

/* Parse one -smbios argument into s.  Returns 0, or -1 with *err set to
 * the one-line message (without the "hvemu: " prefix; caller frees). */
int smbios_parse_opt(struct smbios_settings *s, const char *arg, char **err);
void smbios_settings_free(struct smbios_settings *s);

/* What the board knows about the machine. */
struct smbios_machine {
    unsigned cpus;            /* one type 4 per CPU socket */
    uint64_t below_4g, above_4g; /* RAM below 4 GiB (from 0) and above (from 4 GiB) */
    uint8_t uuid[16];         /* -uuid, RFC 4122 byte order (all zero: none) */
    uint64_t cpu_id;          /* type 4 processor ID: CPUID.1 EDX:EAX, 0 if unknown */
};

enum smbios_entry { SMBIOS_ENTRY_32, SMBIOS_ENTRY_64 };

struct smbios_blob {
    uint8_t anchor[SMBIOS_ANCHOR32_LEN];
    size_t anchor_len;        /* SMBIOS_ANCHOR32_LEN or SMBIOS_ANCHOR64_LEN */
    uint8_t *tables;          /* the structures, ending with type 127 */
    size_t tables_len;
    unsigned count;           /* number of structures */
    size_t max_struct;        /* largest structure, strings included */
};

/* Build the structures (types 0 if with_type0 or -smbios type=0 was given,
 * 1, 2 if -smbios type=2 was given, 3, 4 per CPU, 16, 17 per 16 GiB of RAM,
 * 19 per RAM range, 32, 127) and the entry point (table address 0).
 * Returns 0, or -1 with *err (user error: tables too large for the entry
 * point). */
int smbios_build(const struct smbios_settings *s, const struct smbios_machine *mc,
                 enum smbios_entry entry, bool with_type0, struct smbios_blob *out, char **err);
void smbios_blob_free(struct smbios_blob *b);
/* Point the entry point at the structures' guest address and fix its
 * checksums (the 32-bit entry point takes addresses below 4 GiB only). */
void smbios_set_table_address(struct smbios_blob *b, uint64_t addr);

#endif
