/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-debug: isa-debug-exit and isa-debugcon, and their option parsers. */
#include <string.h>
#include "hw/misc/debug_exit.h"
#include "hw/misc/debugcon.h"
#include "tests/support/testenv.h"

/* ---- isa-debug-exit ---- */

static void test_exit_status(void)
{
    struct test_env *t = test_env_new(0);
    struct debug_exit *d = debug_exit_new(&t->env, 4);
    as_add(&t->io, &d->region, 0xf4, 0);
    as_commit(&t->io);
    debug_exit_class.reset(d, RESET_COLD);

    g_assert_cmphex(test_in(t, 0xf4, 1), ==, 0);
    g_assert_cmphex(test_in(t, 0xf4, 4), ==, 0);
    g_assert_cmpint(t->nrequests, ==, 0);

    test_outb(t, 0xf4, 0x10);
    g_assert_cmpint(t->nrequests, ==, 1);
    g_assert_cmpint(t->last_request, ==, SYS_EXIT);
    g_assert_cmpint(t->last_arg, ==, 0x21);
    test_outb(t, 0xf4, 0x00); /* "success" still exits with 1 */
    g_assert_cmpint(t->last_arg, ==, 1);
    test_out(t, 0xf4, 2, 0x1234);
    g_assert_cmpint(t->last_arg, ==, 0x2469);
    test_out(t, 0xf4, 4, 0x00010000);
    g_assert_cmpint(t->last_arg, ==, 0x20001);
    test_outb(t, 0xf7, 0x31); /* any offset of the range */
    g_assert_cmpint(t->last_arg, ==, 0x63);
    g_assert_cmpint(t->nrequests, ==, 5);
    test_outb(t, 0xf8, 0x31); /* outside */
    g_assert_cmpint(t->nrequests, ==, 5);

    struct debug_exit *e = debug_exit_new(&t->env, 4);
    test_dev_reset_idempotent(&debug_exit_class, d);
    test_dev_roundtrip(&debug_exit_class, d, e);
    debug_exit_class.destroy(e);
    debug_exit_class.destroy(d);
    test_env_free(t);
}

static void test_exit_default_size(void)
{
    struct test_env *t = test_env_new(0);
    struct debug_exit *d = debug_exit_new(&t->env, DEBUG_EXIT_DEFAULT_IOSIZE);
    g_assert_cmpuint(d->region.size, ==, 2);
    as_add(&t->io, &d->region, DEBUG_EXIT_DEFAULT_IOBASE, 0);
    as_commit(&t->io);
    test_out(t, 0x501, 2, 0x0102);
    g_assert_cmpint(t->last_arg, ==, 0x205);
    g_assert_cmpint(t->nrequests, ==, 1);
    debug_exit_class.destroy(d);
    d = debug_exit_new(&t->env, 0);
    g_assert_cmpuint(d->region.size, ==, 1);
    debug_exit_class.destroy(d);
    test_env_free(t);
}

static void exit_opts_ok(const char *opts, uint16_t base, uint32_t size)
{
    uint16_t b = 0;
    uint32_t s = 0;
    char *err = NULL;
    if (debug_exit_parse_opts(opts, &b, &s, &err))
        g_error("'%s': %s", opts, err);
    g_assert_cmphex(b, ==, base);
    g_assert_cmphex(s, ==, size);
}

static void exit_opts_bad(const char *opts, const char *needle)
{
    uint16_t b = 7;
    uint32_t s = 7;
    char *err = NULL;
    g_assert_cmpint(debug_exit_parse_opts(opts, &b, &s, &err), ==, -1);
    g_assert_nonnull(err);
    if (!strstr(err, needle) || strchr(err, '\n'))
        g_error("'%s': message '%s' lacks '%s'", opts, err, needle);
    g_assert_cmpuint(b, ==, 7);
    g_assert_cmpuint(s, ==, 7);
    g_free(err);
}

static void test_exit_opts(void)
{
    exit_opts_ok(NULL, 0x501, 2);
    exit_opts_ok("", 0x501, 2);
    exit_opts_ok("iobase=0xf4,iosize=0x04", 0xf4, 4);
    exit_opts_ok("iobase=244", 0xf4, 2);
    exit_opts_ok("iosize=1,iobase=0x80", 0x80, 1);
    exit_opts_ok("iobase=0xfffe,iosize=2", 0xfffe, 2);
    exit_opts_bad("iobase=0xf4,foo=1", "unknown option 'foo'");
    exit_opts_bad("iobase=xyz", "iobase 'xyz'");
    exit_opts_bad("iobase=0x10000", "iobase '0x10000'");
    exit_opts_bad("iobase=-1", "iobase '-1'");
    exit_opts_bad("iosize=0", "iosize '0'");
    exit_opts_bad("iosize=4x", "iosize '4x'");
    exit_opts_bad("iobase=0xffff,iosize=2", "beyond");
    exit_opts_bad("iobase", "iobase 'on'");
    exit_opts_bad("=3", "no name");
}

/* ---- isa-debugcon ---- */

static void test_debugcon_null(void)
{
    struct test_env *t = test_env_new(0);
    struct debugcon *d = debugcon_new(&t->env, NULL);
    as_add(&t->io, &d->region, 0x402, 0);
    as_commit(&t->io);
    test_outb(t, 0x402, 'x'); /* discarded, no crash */
    g_assert_cmphex(test_inb(t, 0x402), ==, 0xe9);
    d->readback = 0x42;
    g_assert_cmphex(test_inb(t, 0x402), ==, 0x42);
    struct debugcon *e = debugcon_new(&t->env, NULL);
    test_dev_reset_idempotent(&debugcon_class, d);
    test_dev_roundtrip(&debugcon_class, d, e);
    debugcon_class.destroy(e);
    debugcon_class.destroy(d);
    test_env_free(t);
}

static void test_debugcon_buffer(void)
{
    struct test_env *t = test_env_new(0);
    struct chardev *cd = chardev_new_buffer("debugcon");
    struct debugcon *d = debugcon_new(&t->env, cd);
    as_add(&t->io, &d->region, 0x402, 0);
    as_commit(&t->io);
    debugcon_class.reset(d, RESET_COLD);
    g_assert_cmpuint(chardev_buffer_output(cd)->len, ==, 0);
    /* SeaBIOS probes the port, then logs byte by byte. */
    g_assert_cmphex(test_inb(t, 0x402), ==, 0xe9);
    const char *msg = "SeaBIOS (version 1.16)\n";
    for (const char *p = msg; *p; p++)
        test_outb(t, 0x402, (uint8_t)*p);
    test_outb(t, 0x402, 0x00);
    test_outb(t, 0x402, 0xff);
    GString *out = chardev_buffer_output(cd);
    g_assert_cmpuint(out->len, ==, strlen(msg) + 2);
    g_assert_cmpint(memcmp(out->str, msg, strlen(msg)), ==, 0);
    g_assert_cmphex((uint8_t)out->str[strlen(msg)], ==, 0x00);
    g_assert_cmphex((uint8_t)out->str[strlen(msg) + 1], ==, 0xff);
    /* A word write: the low byte reaches the console, the high byte goes
     * to the unclaimed port 0x403. */
    test_out(t, 0x402, 2, 0x4241);
    g_assert_cmpuint(out->len, ==, strlen(msg) + 3);
    g_assert_cmphex(out->str[strlen(msg) + 2], ==, 'A');
    /* Reset and state save write nothing to the console. */
    debugcon_class.reset(d, RESET_WARM);
    size_t n;
    g_free(test_dev_save(&debugcon_class, d, &n));
    g_assert_cmpuint(out->len, ==, strlen(msg) + 3);
    debugcon_class.destroy(d);
    chardev_free(cd);
    test_env_free(t);
}

static void con_opts_ok(const char *opts, uint16_t base, uint8_t rb, const char *id)
{
    uint16_t b = 0;
    uint8_t r = 0;
    char *cid = (char *)"junk", *err = NULL;
    if (debugcon_parse_opts_full(opts, &b, &r, &cid, &err))
        g_error("'%s': %s", opts, err);
    g_assert_cmphex(b, ==, base);
    g_assert_cmphex(r, ==, rb);
    g_assert_cmpstr(cid, ==, id);
    g_free(cid);
}

static void con_opts_bad(const char *opts, const char *needle)
{
    uint16_t b = 7;
    uint8_t r = 7;
    char *cid = NULL, *err = NULL;
    g_assert_cmpint(debugcon_parse_opts_full(opts, &b, &r, &cid, &err), ==, -1);
    if (!err || !strstr(err, needle) || strchr(err, '\n'))
        g_error("'%s': message '%s' lacks '%s'", opts, err, needle);
    g_assert_null(cid);
    g_assert_cmpuint(b, ==, 7);
    g_free(err);
}

static void test_debugcon_opts(void)
{
    con_opts_ok(NULL, 0x402, 0xe9, NULL);
    con_opts_ok("", 0x402, 0xe9, NULL);
    con_opts_ok("iobase=0x402,chardev=seabios", 0x402, 0xe9, "seabios");
    con_opts_ok("chardev=a,,b,iobase=233", 0xe9, 0xe9, "a,b");
    con_opts_ok("readback=0", 0x402, 0, NULL);
    con_opts_bad("chardev=x,speed=9600", "unknown option 'speed'");
    con_opts_bad("iobase=0x10000", "iobase '0x10000'");
    con_opts_bad("readback=0x100", "readback '0x100'");
    con_opts_bad("chardev=", "chardev needs an id");

    /* The board's parser refuses a readback it cannot apply. */
    uint16_t b;
    char *cid = NULL, *err = NULL;
    g_assert_cmpint(debugcon_parse_opts("chardev=c,readback=0xe9", &b, &cid, &err), ==, 0);
    g_assert_cmpstr(cid, ==, "c");
    g_free(cid);
    cid = NULL;
    g_assert_cmpint(debugcon_parse_opts("chardev=c,readback=0x12", &b, &cid, &err), ==, -1);
    g_assert_nonnull(strstr(err, "readback"));
    g_assert_null(cid);
    g_free(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/debug-exit/status", test_exit_status);
    g_test_add_func("/debug-exit/default-size", test_exit_default_size);
    g_test_add_func("/debug-exit/opts", test_exit_opts);
    g_test_add_func("/debugcon/null", test_debugcon_null);
    g_test_add_func("/debugcon/buffer", test_debugcon_buffer);
    g_test_add_func("/debugcon/opts", test_debugcon_opts);
    return g_test_run();
}
