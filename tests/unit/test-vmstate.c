/* SPDX-License-Identifier: GPL-2.0-or-later */
/* FDT device state: round trip, defaults, range checks, bad streams. */
#include <string.h>
#include "core/vmstate.h"
#include "tests/support/testenv.h"

static void *make_blob(size_t *size, uint32_t count)
{
    struct vm_writer w;
    g_assert_cmpint(vmw_begin(&w), ==, 0);
    vmw_node_begin(&w, "dev");
    vmw_u8(&w, "a", 0x12);
    vmw_u16(&w, "b", 0x3456);
    vmw_u32(&w, "count", count);
    vmw_u64(&w, "d", 0x1122334455667788ULL);
    vmw_i64(&w, "deadline", -5);
    vmw_bool(&w, "flag", true);
    vmw_bytes(&w, "fifo", "abcdef", 6);
    for (int i = 0; i < 300; i++) { /* force buffer growth */
        char name[16];
        snprintf(name, sizeof(name), "pad%d", i);
        vmw_u32(&w, name, i);
    }
    vmw_node_end(&w);
    void *blob = vmw_finish(&w, size);
    g_assert_nonnull(blob);
    return blob;
}

static void test_roundtrip(void)
{
    size_t n;
    void *blob = make_blob(&n, 7);
    struct vm_reader r;
    g_assert_cmpint(vmr_open(&r, blob, n), ==, 0);
    g_assert_cmpint(vmr_node(&r, "dev"), ==, 0);
    uint8_t a = 0;
    uint16_t b = 0;
    uint32_t count = 0, pad = 0, absent = 42;
    uint64_t d = 0;
    int64_t dl = 0;
    bool flag = false;
    char fifo[16];
    size_t flen = 0;
    vmr_u8(&r, "a", &a);
    vmr_u16(&r, "b", &b);
    vmr_u32_max(&r, "count", &count, 16);
    vmr_u64(&r, "d", &d);
    vmr_i64(&r, "deadline", &dl);
    vmr_bool(&r, "flag", &flag);
    vmr_bytes_var(&r, "fifo", fifo, sizeof(fifo), &flen);
    vmr_u32(&r, "pad299", &pad);
    vmr_u32(&r, "absent", &absent);
    g_assert_false(vmr_failed(&r));
    g_assert_cmphex(a, ==, 0x12);
    g_assert_cmphex(b, ==, 0x3456);
    g_assert_cmpuint(count, ==, 7);
    g_assert_cmphex(d, ==, 0x1122334455667788ULL);
    g_assert_cmpint(dl, ==, -5);
    g_assert_true(flag);
    g_assert_cmpuint(flen, ==, 6);
    g_assert_cmpuint(pad, ==, 299);
    g_assert_cmpuint(absent, ==, 42); /* missing property keeps the default */
    g_free(blob);
}

static void test_range_and_size(void)
{
    size_t n;
    void *blob = make_blob(&n, 17);
    struct vm_reader r;
    g_assert_cmpint(vmr_open(&r, blob, n), ==, 0);
    vmr_node(&r, "dev");
    uint32_t count = 3;
    g_assert_cmpint(vmr_u32_max(&r, "count", &count, 16), ==, -1);
    g_assert_cmpuint(count, ==, 3);
    g_assert_true(vmr_failed(&r));
    g_assert_nonnull(strstr(r.err, "count"));
    g_assert_nonnull(strstr(r.err, "dev"));

    g_assert_cmpint(vmr_open(&r, blob, n), ==, 0);
    vmr_node(&r, "dev");
    uint32_t wrong;
    g_assert_cmpint(vmr_u32(&r, "a", &wrong), ==, -1); /* 1 byte stored */
    char small[4];
    size_t len;
    g_assert_cmpint(vmr_open(&r, blob, n), ==, 0);
    vmr_node(&r, "dev");
    g_assert_cmpint(vmr_bytes_var(&r, "fifo", small, sizeof(small), &len), ==, -1);
    g_free(blob);
}

static void test_bad_streams(void)
{
    size_t n;
    uint8_t *blob = make_blob(&n, 1);
    struct vm_reader r;
    g_assert_cmpint(vmr_open(&r, blob, n / 2), ==, -1);
    g_assert_cmpint(vmr_open(&r, blob, 10), ==, -1);
    g_assert_cmpint(vmr_open(&r, "garbage-garbage-garbage-garbage-garbage-garbage", 40), ==, -1);
    /* Corrupt the structure block offset. */
    uint8_t *copy = g_memdup2(blob, n);
    copy[8] ^= 0x40;
    g_assert_cmpint(vmr_open(&r, copy, n), ==, -1);
    g_free(copy);
    g_free(blob);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vmstate/roundtrip", test_roundtrip);
    g_test_add_func("/vmstate/range", test_range_and_size);
    g_test_add_func("/vmstate/bad", test_bad_streams);
    return g_test_run();
}
