/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SMBIOS on the PC board with the test accelerator: behind firmware the
 * tables are the fw_cfg files SeaBIOS 1.16 reads (anchor and tables of
 * matching sizes, no type 0); a direct -kernel boot finds them, type 0
 * included, in the BIOS area beside the MP table. */
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "cpu/accel.h"
#include "hw/boot/smbios.h"
#include "hw/misc/fw_cfg.h"
#include "hw/pc.h"

static struct machine *machine_accel(uint64_t ram, unsigned cpus, const struct accel_ops *accel)
{
    char *err = NULL;
    struct machine *m = machine_new(ram, VCLOCK_MANUAL, &err);
    g_assert_nonnull(m);
    m->accel = accel;
    m->smp_cpus = cpus;
    static const uint8_t uuid[16] = { 0xaa, 0xbb, 0xcc, 0xdd, 1, 2, 3, 4,
                                      5, 6, 7, 8, 9, 10, 11, 12 };
    memcpy(m->uuid, uuid, 16);
    g_assert_cmpint(m->accel->init(m, &err), ==, 0);
    return m;
}

static struct machine *machine_with(uint64_t ram, unsigned cpus)
{
    return machine_accel(ram, cpus, &accel_test);
}

static void fw_select(struct machine *m, uint16_t key)
{
    uint64_t v = key;
    io_dispatch(&m->io, 0x510, 2, true, &v);
}

static void fw_read(struct machine *m, void *buf, size_t len)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) {
        uint64_t v = 0;
        io_dispatch(&m->io, 0x511, 1, false, &v);
        p[i] = (uint8_t)v;
    }
}

/* The contents of fw_cfg file `name` (NULL if absent). */
static uint8_t *fw_file(struct machine *m, const char *name, uint32_t *len)
{
    uint8_t be[4];
    fw_select(m, FW_CFG_FILE_DIR);
    fw_read(m, be, 4);
    uint32_t n = (uint32_t)be[0] << 24 | be[1] << 16 | be[2] << 8 | be[3];
    for (uint32_t i = 0; i < n; i++) {
        uint8_t e[FW_CFG_DIR_ENTRY_SIZE];
        fw_read(m, e, sizeof(e));
        if (strcmp((char *)e + 8, name))
            continue;
        *len = (uint32_t)e[0] << 24 | e[1] << 16 | e[2] << 8 | e[3];
        uint8_t *data = g_malloc(*len + 1);
        fw_select(m, (uint16_t)(e[4] << 8 | e[5]));
        fw_read(m, data, *len);
        return data;
    }
    return NULL;
}

static uint8_t sum8(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

static void test_fw_cfg(void)
{
    struct machine *m = machine_with(256 * MiB, 2);
    struct smbios_settings s = { 0 };
    char *err = NULL;
    g_assert_cmpint(smbios_parse_opt(&s, "type=1,product=Widget", &err), ==, 0);
    struct pc_config cfg = { .smbios = &s };
    struct pc *pc = pc_new(m, &cfg, &err);
    g_assert_nonnull(pc);
    g_assert_cmpint(pc_power_on(pc, &err), ==, 0);

    uint32_t alen = 0, tlen = 0;
    uint8_t *a = fw_file(m, "etc/smbios/smbios-anchor", &alen);
    uint8_t *t = fw_file(m, "etc/smbios/smbios-tables", &tlen);
    g_assert_nonnull(a);
    g_assert_nonnull(t);
    /* What SeaBIOS 1.16's smbios_romfile_setup() insists on. */
    g_assert_cmpuint(alen, ==, SMBIOS_ANCHOR32_LEN);
    g_assert_cmpmem(a, 4, "_SM_", 4);
    g_assert_cmpuint(ld16(a + 22), ==, tlen);
    g_assert_cmpuint(sum8(a, 16), ==, 0);
    g_assert_cmpuint(sum8(a + 16, 15), ==, 0);
    /* No type 0 (SeaBIOS adds its own); type 1 first, with our product and
     * the -uuid in SMBIOS byte order. */
    g_assert_cmpuint(t[0], ==, 1);
    static const uint8_t want[16] = { 0xdd, 0xcc, 0xbb, 0xaa, 2, 1, 4, 3,
                                      5, 6, 7, 8, 9, 10, 11, 12 };
    g_assert_cmpmem(t + 8, 16, want, 16);
    g_assert_nonnull(memmem(t, tlen, "Widget", 7));
    /* Two CPUs: two type 4 structures (handles 0x400 and 0x401). */
    g_assert_nonnull(memmem(t, tlen, "CPU 1", 6));
    g_free(a);
    g_free(t);
    machine_free(m);
    smbios_settings_free(&s);
}

/* The first structure of type `type` in a table blob, NULL if none. */
static const uint8_t *find_type(const uint8_t *t, uint32_t len, uint8_t type)
{
    uint32_t off = 0;
    while (off + 4 <= len) {
        const uint8_t *h = t + off;
        if (h[0] == type)
            return h;
        uint32_t p = off + h[1]; /* the string set ends with two NULs */
        while (p + 1 < len && (t[p] || t[p + 1]))
            p++;
        off = p + 2;
    }
    return NULL;
}

/* Type 4's processor ID is CPUID.1 EAX (signature) then EDX (features) as
 * the accelerator's vCPUs report them: the soft CPU here, with the APIC
 * bit since the board has LAPICs. */
static void test_processor_id(void)
{
    struct machine *m = machine_accel(256 * MiB, 1, &accel_soft);
    char *err = NULL;
    struct pc_config cfg = { 0 };
    struct pc *pc = pc_new(m, &cfg, &err);
    g_assert_nonnull(pc);
    uint32_t tlen = 0;
    uint8_t *t = fw_file(m, "etc/smbios/smbios-tables", &tlen);
    g_assert_nonnull(t);
    const uint8_t *t4 = find_type(t, tlen, 4);
    g_assert_nonnull(t4);
    uint32_t id[4];
    m->accel->cpuid(m, 1, 0, id);
    g_assert_cmphex(ld32(t4 + 8), ==, id[0]);
    g_assert_cmphex(ld32(t4 + 12), ==, id[3]);
    g_assert_cmphex(id[0] & 0xf00, ==, 0x600);   /* family 6 */
    g_assert_cmphex(id[3] & (1u << 9), ==, 1u << 9); /* APIC */
    g_free(t);
    machine_free(m);
}

/* A minimal bzImage the Linux loader takes. */
static char *fake_kernel(void)
{
    size_t setup = 5 * 512, len = setup + 64 * KiB;
    uint8_t *b = g_malloc0(len);
    b[0x1F1] = 4;
    st32(b + 0x1F4, (uint32_t)(64 * KiB / 16));
    st16(b + 0x1FE, 0xAA55);
    b[0x200] = 0xEB;
    b[0x201] = 0x6A;
    memcpy(b + 0x202, "HdrS", 4);
    st16(b + 0x206, 0x20F);
    b[0x211] = 0x01; /* loaded high */
    st32(b + 0x214, 0x100000);
    st32(b + 0x22C, 0x7FFFFFFF);
    st32(b + 0x238, 2047);
    st32(b + 0x260, 4 * MiB);
    char *path = NULL;
    int fd = g_file_open_tmp("hvemu-smbios-kernel-XXXXXX", &path, NULL);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, b, len), ==, (ssize_t)len);
    close(fd);
    g_free(b);
    return path;
}

static void test_direct(void)
{
    struct machine *m = machine_with(128 * MiB, 1);
    char *kernel = fake_kernel();
    char *err = NULL;
    struct pc_config cfg = { .kernel = kernel };
    struct pc *pc = pc_new(m, &cfg, &err);
    if (!pc)
        g_error("pc_new: %s", err);
    g_assert_cmpint(pc_power_on(pc, &err), ==, 0);
    uint8_t a[SMBIOS_ANCHOR32_LEN];
    g_assert_cmpint(machine_read_phys(m, SMBIOS_DIRECT_ANCHOR, a, sizeof(a)), ==, 0);
    g_assert_cmpmem(a, 4, "_SM_", 4);
    g_assert_cmpuint(sum8(a, sizeof(a)), ==, 0);
    g_assert_cmphex(ld32(a + 24), ==, SMBIOS_DIRECT_TABLES);
    uint16_t tlen = ld16(a + 22);
    g_assert_cmpuint(SMBIOS_DIRECT_TABLES + tlen, <=, SMBIOS_DIRECT_END);
    uint8_t *t = g_malloc(tlen);
    g_assert_cmpint(machine_read_phys(m, SMBIOS_DIRECT_TABLES, t, tlen), ==, 0);
    g_assert_cmpuint(t[0], ==, 0); /* no firmware: type 0 is ours */
    g_assert_nonnull(memmem(t, tlen, "hvemu", 6));
    g_assert_cmpuint(t[tlen - 6], ==, 127); /* type 127 ends it: 4 bytes + 2 NULs */
    /* The MP table at 0xF0000 is still there; no fw_cfg files. */
    uint8_t mp[4];
    g_assert_cmpint(machine_read_phys(m, 0xF0000, mp, 4), ==, 0);
    g_assert_cmpmem(mp, 4, "_MP_", 4);
    uint32_t len;
    g_assert_null(fw_file(m, "etc/smbios/smbios-anchor", &len));
    /* A reset writes them again. */
    memset(t, 0, tlen);
    g_assert_cmpint(machine_write_phys(m, SMBIOS_DIRECT_ANCHOR, t, 4), ==, 0);
    machine_reset_devices(m, RESET_WARM);
    g_assert_cmpint(machine_read_phys(m, SMBIOS_DIRECT_ANCHOR, a, 4), ==, 0);
    g_assert_cmpmem(a, 4, "_SM_", 4);
    g_free(t);
    machine_free(m);
    g_unlink(kernel);
    g_free(kernel);
}

/* Tables that cannot be described are a start-up error, not a crash. */
static void test_too_large(void)
{
    struct machine *m = machine_with(64 * MiB, 64);
    struct smbios_settings s = { 0 };
    char *err = NULL;
    GString *arg = g_string_new("type=4,part=");
    for (int i = 0; i < SMBIOS_STR_MAX; i++)
        g_string_append_c(arg, 'p');
    g_assert_cmpint(smbios_parse_opt(&s, arg->str, &err), ==, 0);
    g_string_free(arg, TRUE);
    struct pc_config cfg = { .smbios = &s };
    g_assert_null(pc_new(m, &cfg, &err));
    g_assert_nonnull(strstr(err, "SMBIOS tables too large"));
    g_free(err);
    machine_free(m);
    smbios_settings_free(&s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smbios-pc/fw_cfg", test_fw_cfg);
    g_test_add_func("/smbios-pc/direct", test_direct);
    g_test_add_func("/smbios-pc/processor-id", test_processor_id);
    g_test_add_func("/smbios-pc/too-large", test_too_large);
    return g_test_run();
}
