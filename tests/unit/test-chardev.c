/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-chardev.c: chardev specs, and every backend with a real peer: files
 * read back, sockets with real clients, a pty through its slave side, stdio
 * through pipes.  The main loop is pumped with bounded iterations (a guard
 * timeout fails the test instead of hanging it); no sleeps. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "core/chardev.h"

/* ---- a recording frontend and a host ---- */

struct rec {
    GString *in;
    int room; /* bytes it will take; < 0: unlimited */
    int opened, closed;
};

static int rec_can_read(void *opaque)
{
    struct rec *r = opaque;
    return r->room < 0 ? 4096 : r->room;
}

static void rec_read(void *opaque, const uint8_t *buf, int len)
{
    struct rec *r = opaque;
    g_assert_cmpint(len, >, 0);
    g_assert_true(r->room < 0 || len <= r->room);
    g_string_append_len(r->in, (const char *)buf, len);
    if (r->room >= 0)
        r->room -= len;
}

static void rec_event(void *opaque, enum chardev_event ev)
{
    struct rec *r = opaque;
    if (ev == CHR_OPENED)
        r->opened++;
    else
        r->closed++;
}

static void rec_init(struct rec *r, int room)
{
    r->in = g_string_new(NULL);
    r->room = room;
    r->opened = r->closed = 0;
}

static struct chardev_fe rec_fe(struct rec *r)
{
    return (struct chardev_fe){ rec_can_read, rec_read, rec_event, r };
}

struct host {
    struct chardev_host h;
    pthread_mutex_t lock;
    int quits;
};

static void host_quit(void *opaque)
{
    struct host *h = opaque;
    /* Called from input delivery: the lock must be held. */
    g_assert_cmpint(pthread_mutex_trylock(&h->lock), ==, EBUSY);
    h->quits++;
}

static void host_init(struct host *h)
{
    pthread_mutex_init(&h->lock, NULL);
    h->quits = 0;
    h->h = (struct chardev_host){ g_main_context_new(), &h->lock, host_quit, h };
}

static void host_done(struct host *h)
{
    while (g_main_context_iteration(h->h.ctx, FALSE))
        ;
    g_main_context_unref(h->h.ctx);
    pthread_mutex_destroy(&h->lock);
}

static gboolean guard_fired(gpointer p)
{
    *(bool *)p = true;
    return G_SOURCE_REMOVE;
}

/* Run the loop until cond holds; fail after 5 s instead of hanging. */
static void pump_until(struct host *h, bool (*cond)(void *), void *arg)
{
    bool timed_out = false;
    GSource *g = g_timeout_source_new(5000);
    g_source_set_callback(g, guard_fired, &timed_out, NULL);
    g_source_attach(g, h->h.ctx);
    while (!cond(arg) && !timed_out)
        g_main_context_iteration(h->h.ctx, TRUE);
    g_source_destroy(g);
    g_source_unref(g);
    g_assert_true(cond(arg));
}

/* Run whatever is ready now, without blocking. */
static void pump_ready(struct host *h)
{
    for (int i = 0; i < 100 && g_main_context_iteration(h->h.ctx, FALSE); i++)
        ;
}

struct want {
    struct rec *r;
    size_t len;
};

static bool rec_has(void *p)
{
    struct want *w = p;
    return w->r->in->len >= w->len;
}

struct count {
    const int *p;
    int n;
};

static bool count_reached(void *p)
{
    struct count *c = p;
    return *c->p >= c->n;
}

static void pump_opened(struct host *h, struct rec *r, int n)
{
    struct count c = { &r->opened, n };
    pump_until(h, count_reached, &c);
}

static void pump_closed(struct host *h, struct rec *r, int n)
{
    struct count c = { &r->closed, n };
    pump_until(h, count_reached, &c);
}

/* Read exactly n bytes from fd within 5 s. */
static void read_exact(int fd, char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        g_assert_cmpint(poll(&p, 1, 5000), ==, 1);
        ssize_t k = read(fd, buf + got, n - got);
        g_assert_cmpint(k, >, 0);
        got += (size_t)k;
    }
}

static char *tmp_dir(void)
{
    GError *e = NULL;
    char *d = g_dir_make_tmp("hvemu-chardev-XXXXXX", &e);
    g_assert_no_error(e);
    return d;
}

static void rm_dir(char *d)
{
    GDir *dir = g_dir_open(d, 0, NULL);
    const char *n;
    while (dir && (n = g_dir_read_name(dir))) {
        char *p = g_build_filename(d, n, NULL);
        unlink(p);
        g_free(p);
    }
    if (dir)
        g_dir_close(dir);
    rmdir(d);
    g_free(d);
}

static char *slurp(const char *path)
{
    char *s = NULL;
    g_assert_true(g_file_get_contents(path, &s, NULL, NULL));
    return s;
}

/* ---- specs ---- */

static void test_spec_valid(void)
{
    struct host h;
    host_init(&h);
    char *d = tmp_dir(), *err = NULL;

    struct chardev *cd = chardev_new(&h.h, "s0", "null", &err);
    g_assert_nonnull(cd);
    g_assert_null(err);
    g_assert_cmpstr(chardev_filename(cd), ==, "null");
    g_assert_cmpstr(chardev_label(cd), ==, "s0");
    g_assert_true(chardev_connected(cd));
    g_assert_cmpint(chardev_write(cd, "abc", 3), ==, 3);
    chardev_free(cd);

    g_assert_null(chardev_new(&h.h, "s0", "none", &err));
    g_assert_null(err);

    char *spec = g_strdup_printf("file:%s/out", d);
    cd = chardev_new(&h.h, "s0", spec, &err);
    g_assert_nonnull(cd);
    g_assert_cmpstr(chardev_filename(cd), ==, spec);
    chardev_free(cd);
    g_free(spec);

    spec = g_strdup_printf("unix:%s/sock,server=on,wait=off", d);
    cd = chardev_new(&h.h, "s0", spec, &err);
    g_assert_nonnull(cd);
    char *fn = g_strdup_printf("unix:%s/sock,server=on", d);
    g_assert_cmpstr(chardev_filename(cd), ==, fn);
    g_assert_false(chardev_connected(cd));
    g_assert_cmpint(chardev_write(cd, "dropped", 7), ==, 7); /* no client */
    chardev_free(cd);
    /* The socket file goes away with the chardev. */
    char *path = g_strdup_printf("%s/sock", d);
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    g_free(path);
    g_free(fn);
    g_free(spec);

    /* QEMU's legacy flags. */
    spec = g_strdup_printf("unix:%s/sock2,server,nowait", d);
    cd = chardev_new(&h.h, "s0", spec, &err);
    g_assert_nonnull(cd);
    chardev_free(cd);
    g_free(spec);

    /* stdio with the monitor mux (not a tty under CI: no raw mode). */
    cd = chardev_new(&h.h, "s0", "mon:stdio", &err);
    g_assert_nonnull(cd);
    g_assert_cmpstr(chardev_filename(cd), ==, "stdio");
    chardev_free(cd);

    rm_dir(d);
    host_done(&h);
}

static void test_spec_invalid(void)
{
    static const struct {
        const char *spec, *msg;
    } bad[] = {
        { "bogus", "unknown character device 'bogus'" },
        { "mon:bogus", "unknown character device" },
        { "file:", "needs a path" },
        { "file:/nonexistent-hvemu-dir/x", "/nonexistent-hvemu-dir/x" },
        { "tcp:localhost", "expected HOST:PORT" },
        { "tcp::99999", "invalid port '99999'" },
        { "tcp::0,server=on", "invalid port" },
        { "tcp::port", "invalid port" },
        { "tcp:[::1", "expected [HOST]:PORT" },
        { "unix:", "needs a socket path" },
        { "unix:/tmp/hvemu-x,server=maybe", "expects on or off" },
        { "unix:/tmp/hvemu-x,telnet=on", "unknown socket option 'telnet'" },
        { "unix:/nonexistent-hvemu-dir/sock", "/nonexistent-hvemu-dir/sock" },
        { "unix:/nonexistent-hvemu-dir/sock,server=on,wait=off", "cannot listen" },
    };
    struct host h;
    host_init(&h);
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *err = NULL;
        struct chardev *cd = chardev_new(&h.h, "s0", bad[i].spec, &err);
        g_assert_null(cd);
        g_assert_nonnull(err);
        if (!strstr(err, bad[i].msg))
            g_error("spec '%s': error '%s' lacks '%s'", bad[i].spec, err, bad[i].msg);
        g_assert_null(strchr(err, '\n')); /* one line */
        g_free(err);
    }
    host_done(&h);
}

static void test_opts(void)
{
    struct host h;
    host_init(&h);
    char *d = tmp_dir(), *err = NULL, *id = NULL;

    struct chardev *cd = chardev_new_opts(&h.h, "null,id=n0", &id, &err);
    g_assert_nonnull(cd);
    g_assert_cmpstr(id, ==, "n0");
    g_assert_cmpstr(chardev_label(cd), ==, "n0");
    chardev_free(cd);
    g_free(id);

    /* ",," is a literal comma in a value. */
    char *o = g_strdup_printf("file,id=f0,path=%s/a,,b", d);
    cd = chardev_new_opts(&h.h, o, &id, &err);
    g_assert_nonnull(cd);
    chardev_write(cd, "x", 1);
    chardev_free(cd);
    g_free(id);
    g_free(o);
    char *p = g_strdup_printf("%s/a,b", d);
    char *c = slurp(p);
    g_assert_cmpstr(c, ==, "x");
    g_free(c);
    g_free(p);

    o = g_strdup_printf("socket,id=u0,path=%s/s,server=on,wait=off", d);
    cd = chardev_new_opts(&h.h, o, &id, &err);
    g_assert_nonnull(cd);
    g_assert_cmpstr(id, ==, "u0");
    chardev_free(cd);
    g_free(id);
    g_free(o);

    cd = chardev_new_opts(&h.h, "stdio,id=con,mux=on,signal=off", &id, &err);
    g_assert_nonnull(cd);
    chardev_free(cd);
    g_free(id);

    static const struct {
        const char *opts, *msg;
    } bad[] = {
        { "serial,id=x", "unknown chardev backend 'serial'" },
        { "null", "needs id=ID" },
        { "null,id=", "needs id=ID" },
        { "file,id=f", "needs path=PATH" },
        { "null,id=x,bogus=1", "unknown option 'bogus'" },
        { "file,id=f,path=/tmp/x,server=on", "unknown option 'server'" },
        { "socket,id=s", "needs path=PATH or port=PORT" },
        { "socket,id=s,path=/tmp/x,port=1", "not both" },
        { "socket,id=s,host=127.0.0.1,port=70000,server=on", "invalid port" },
        { "socket,id=s,path=/tmp/x,server=on,wait=perhaps", "expects on or off" },
        { "stdio,id=s,signal=maybe", "expects on or off" },
        { "pty,id=p,path", "needs a value" },
        { "file,id=f,path=/nonexistent-hvemu-dir/f", "/nonexistent-hvemu-dir/f" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        err = NULL;
        id = NULL;
        cd = chardev_new_opts(&h.h, bad[i].opts, &id, &err);
        g_assert_null(cd);
        g_assert_null(id);
        g_assert_nonnull(err);
        if (!strstr(err, bad[i].msg))
            g_error("opts '%s': error '%s' lacks '%s'", bad[i].opts, err, bad[i].msg);
        g_assert_null(strchr(err, '\n'));
        g_free(err);
    }
    rm_dir(d);
    host_done(&h);
}

/* ---- file and buffer ---- */

static void test_file(void)
{
    struct host h;
    host_init(&h);
    char *d = tmp_dir(), *err = NULL;
    char *path = g_strdup_printf("%s/log", d);
    g_assert_true(g_file_set_contents(path, "old contents", -1, NULL));
    char *spec = g_strdup_printf("file:%s", path);
    struct chardev *cd = chardev_new(&h.h, "s0", spec, &err);
    g_assert_nonnull(cd);
    struct rec r;
    rec_init(&r, -1);
    struct chardev_fe fe = rec_fe(&r);
    chardev_set_fe(cd, &fe);
    g_assert_cmpint(chardev_write(cd, "hello ", 6), ==, 6);
    g_assert_cmpint(chardev_write(cd, "world\n", 6), ==, 6);
    pump_ready(&h);
    g_assert_cmpint(r.opened, ==, 1);
    g_assert_cmpuint(r.in->len, ==, 0); /* output only */
    chardev_free(cd);
    char *c = slurp(path);
    g_assert_cmpstr(c, ==, "hello world\n"); /* truncated, then written */
    g_free(c);
    g_string_free(r.in, TRUE);
    g_free(spec);
    g_free(path);
    rm_dir(d);
    host_done(&h);
}

static void test_buffer(void)
{
    struct chardev *cd = chardev_new_buffer("buf");
    struct rec r;
    rec_init(&r, 3);
    struct chardev_fe fe = rec_fe(&r);
    chardev_set_fe(cd, &fe);
    g_assert_cmpint(r.opened, ==, 1);
    chardev_buffer_push(cd, "hello", 5);
    g_assert_cmpstr(r.in->str, ==, "hel"); /* can_read honoured */
    chardev_accept_input(cd);
    g_assert_cmpstr(r.in->str, ==, "hel"); /* still full */
    r.room = 10;
    chardev_accept_input(cd);
    g_assert_cmpstr(r.in->str, ==, "hello");
    /* Without a frontend input queues. */
    chardev_set_fe(cd, NULL);
    chardev_buffer_push(cd, "!", 1);
    g_assert_cmpstr(r.in->str, ==, "hello");
    chardev_set_fe(cd, &fe);
    g_assert_cmpstr(r.in->str, ==, "hello!");
    g_assert_cmpint(chardev_write(cd, "out", 3), ==, 3);
    g_assert_cmpstr(chardev_buffer_output(cd)->str, ==, "out");
    chardev_free(cd);
    g_string_free(r.in, TRUE);
}

/* ---- sockets ---- */

static int unix_client(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    return fd;
}

struct peer_closed {
    int fd;
};

/* The server closed our connection: EOF is readable. */
static bool is_closed(void *p)
{
    struct peer_closed *c = p;
    char b;
    struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
    return poll(&pfd, 1, 0) == 1 && recv(c->fd, &b, 1, MSG_DONTWAIT) == 0;
}

/* Talk to a connected server chardev through client socket fd. */
static void exchange(struct host *h, struct chardev *cd, struct rec *r, int fd)
{
    size_t base = r->in->len;
    g_assert_cmpint(write(fd, "ping", 4), ==, 4);
    struct want w = { r, base + 4 };
    pump_until(h, rec_has, &w);
    g_assert_cmpstr(r->in->str + base, ==, "ping");
    pthread_mutex_lock(&h->lock); /* as a device would */
    g_assert_cmpint(chardev_write(cd, "pong", 4), ==, 4);
    pthread_mutex_unlock(&h->lock);
    char buf[5] = { 0 };
    read_exact(fd, buf, 4);
    g_assert_cmpstr(buf, ==, "pong");
}

static void test_unix_server(void)
{
    struct host h;
    host_init(&h);
    char *d = tmp_dir(), *err = NULL;
    char *path = g_strdup_printf("%s/sock", d);
    /* A stale socket file from an earlier run is replaced. */
    int stale = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_assert_cmpint(bind(stale, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    close(stale);

    char *spec = g_strdup_printf("unix:%s,server=on,wait=off", path);
    struct chardev *cd = chardev_new(&h.h, "s0", spec, &err);
    g_assert_nonnull(cd);
    struct rec r;
    rec_init(&r, -1);
    struct chardev_fe fe = rec_fe(&r);
    chardev_set_fe(cd, &fe);
    pump_ready(&h);
    g_assert_cmpint(r.opened, ==, 0); /* no client yet */

    int c1 = unix_client(path);
    pump_opened(&h, &r, 1);
    g_assert_true(chardev_connected(cd));
    exchange(&h, cd, &r, c1);

    /* A second client is refused while the first is connected. */
    int c2 = unix_client(path);
    struct peer_closed pc = { c2 };
    pump_until(&h, is_closed, &pc);
    close(c2);
    g_assert_cmpint(r.opened, ==, 1);
    exchange(&h, cd, &r, c1);

    /* Flow control: a full frontend leaves the bytes in the socket. */
    r.room = 0;
    g_assert_cmpint(write(c1, "held", 4), ==, 4);
    pump_ready(&h);
    g_assert_cmpuint(r.in->len, ==, 8);
    r.room = 2;
    pthread_mutex_lock(&h.lock);
    chardev_accept_input(cd);
    pthread_mutex_unlock(&h.lock);
    struct want w = { &r, 10 };
    pump_until(&h, rec_has, &w);
    pump_ready(&h);
    g_assert_cmpuint(r.in->len, ==, 10); /* exactly what it could take */
    r.room = -1;
    pthread_mutex_lock(&h.lock);
    chardev_accept_input(cd);
    pthread_mutex_unlock(&h.lock);
    w.len = 12;
    pump_until(&h, rec_has, &w);
    g_assert_cmpstr(r.in->str + 8, ==, "held");

    /* The client goes away: writes must not raise SIGPIPE, then CLOSED. */
    close(c1);
    for (int i = 0; i < 3; i++) {
        pthread_mutex_lock(&h.lock);
        g_assert_cmpint(chardev_write(cd, "lost", 4), ==, 4);
        pthread_mutex_unlock(&h.lock);
    }
    pump_closed(&h, &r, 1);
    g_assert_false(chardev_connected(cd));

    /* The next client is accepted. */
    int c3 = unix_client(path);
    pump_opened(&h, &r, 2);
    g_assert_cmpint(r.opened, ==, 2);
    exchange(&h, cd, &r, c3);
    close(c3);
    pump_closed(&h, &r, 2);
    g_assert_cmpint(r.closed, ==, 2);

    chardev_free(cd);
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    g_string_free(r.in, TRUE);
    g_free(spec);
    g_free(path);
    rm_dir(d);
    host_done(&h);
}

static bool cd_connected(void *p)
{
    return chardev_connected(p);
}

static bool cd_disconnected(void *p)
{
    return !chardev_connected(p);
}

/* Output-only use (debugcon): no frontend, yet clients come and go. */
static void test_unix_server_no_fe(void)
{
    struct host h;
    host_init(&h);
    char *d = tmp_dir(), *err = NULL;
    char *path = g_strdup_printf("%s/sock", d);
    char *spec = g_strdup_printf("unix:%s,server=on,wait=off", path);
    struct chardev *cd = chardev_new(&h.h, "dbg", spec, &err);
    g_assert_nonnull(cd);
    for (int round = 0; round < 2; round++) {
        int c = unix_client(path);
        pump_until(&h, cd_connected, cd);
        g_assert_cmpint(write(c, "ignored", 7), ==, 7);
        pthread_mutex_lock(&h.lock);
        g_assert_cmpint(chardev_write(cd, "log", 3), ==, 3);
        pthread_mutex_unlock(&h.lock);
        char buf[4] = { 0 };
        read_exact(c, buf, 3);
        g_assert_cmpstr(buf, ==, "log");
        close(c);
        pump_until(&h, cd_disconnected, cd);
    }
    chardev_free(cd);
    g_free(spec);
    g_free(path);
    rm_dir(d);
    host_done(&h);
}

struct connector {
    char *path;
    int fd;
};

/* wait=on blocks chardev_new: a helper thread plays the client. */
static gpointer connect_thread(gpointer p)
{
    struct connector *c = p;
    for (int i = 0; i < 5000 && c->fd < 0; i++) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        g_strlcpy(sa.sun_path, c->path, sizeof(sa.sun_path));
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
            c->fd = fd;
        else {
            close(fd);
            g_usleep(1000); /* retry pacing only; no result depends on it */
        }
    }
    return NULL;
}

static void test_unix_wait(void)
{
    struct host h;
    host_init(&h);
    char *d = tmp_dir(), *err = NULL;
    struct connector c = { g_strdup_printf("%s/w", d), -1 };
    int pipefd[2];
    g_assert_cmpint(pipe(pipefd), ==, 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(pipefd[1], 2);
    GThread *t = g_thread_new("client", connect_thread, &c);
    char *spec = g_strdup_printf("unix:%s,server=on", c.path); /* wait defaults to on */
    struct chardev *cd = chardev_new(&h.h, "s0", spec, &err);
    g_thread_join(t);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(pipefd[1]);
    char msg[512] = { 0 };
    g_assert_cmpint(read(pipefd[0], msg, sizeof(msg) - 1), >, 0);
    close(pipefd[0]);
    char *want = g_strdup_printf("hvemu: waiting for connection on: disconnected:unix:%s,"
                                 "server=on\n", c.path);
    g_assert_cmpstr(msg, ==, want);
    g_free(want);
    g_assert_nonnull(cd);
    g_assert_cmpint(c.fd, >=, 0);
    g_assert_true(chardev_connected(cd));
    struct rec r;
    rec_init(&r, -1);
    struct chardev_fe fe = rec_fe(&r);
    chardev_set_fe(cd, &fe);
    pump_opened(&h, &r, 1); /* told on attach */
    exchange(&h, cd, &r, c.fd);
    close(c.fd);
    pump_closed(&h, &r, 1);
    chardev_free(cd);
    g_string_free(r.in, TRUE);
    g_free(spec);
    g_free(c.path);
    rm_dir(d);
    host_done(&h);
}

static void test_unix_client(void)
{
    struct host h;
    host_init(&h);
    char *d = tmp_dir(), *err = NULL;
    char *path = g_strdup_printf("%s/srv", d);
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_assert_cmpint(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(listen(lfd, 1), ==, 0);
    char *spec = g_strdup_printf("unix:%s", path);
    struct chardev *cd = chardev_new(&h.h, "c0", spec, &err);
    g_assert_nonnull(cd);
    g_assert_cmpstr(chardev_filename(cd), ==, spec);
    int s = accept(lfd, NULL, NULL);
    g_assert_cmpint(s, >=, 0);
    struct rec r;
    rec_init(&r, -1);
    struct chardev_fe fe = rec_fe(&r);
    chardev_set_fe(cd, &fe);
    pump_opened(&h, &r, 1);
    exchange(&h, cd, &r, s);
    close(s);
    pump_closed(&h, &r, 1);
    chardev_free(cd);
    /* A client never removes the server's socket file. */
    g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
    close(lfd);
    g_string_free(r.in, TRUE);
    g_free(spec);
    g_free(path);
    rm_dir(d);
    host_done(&h);
}

/* A port that was free a moment ago (the caller retries if it is taken). */
static int probe_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(sa);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sa, &len), ==, 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static int tcp_client(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    return fd;
}

static void test_tcp_server(void)
{
    /* Spec prefix and suffix around the port. */
    static const char *const forms[][2] = {
        { "tcp:127.0.0.1:", ",server=on,wait=off" },
        { "tcp:127.0.0.1:", ",server,nowait,nodelay" },
        { "socket,id=t0,host=127.0.0.1,port=", ",server=on,wait=off" },
    };
    for (size_t f = 0; f < G_N_ELEMENTS(forms); f++) {
        struct host h;
        host_init(&h);
        struct chardev *cd = NULL;
        int port = 0;
        for (int tries = 0; !cd && tries < 20; tries++) {
            char *err = NULL, *id = NULL;
            port = probe_port();
            char *spec = g_strdup_printf("%s%d%s", forms[f][0], port, forms[f][1]);
            cd = f < 2 ? chardev_new(&h.h, "t0", spec, &err)
                       : chardev_new_opts(&h.h, spec, &id, &err);
            g_free(spec);
            g_free(err);
            g_free(id);
        }
        g_assert_nonnull(cd);
        char *fn = g_strdup_printf("tcp:127.0.0.1:%d,server=on", port);
        g_assert_cmpstr(chardev_filename(cd), ==, fn);
        g_free(fn);
        struct rec r;
        rec_init(&r, -1);
        struct chardev_fe fe = rec_fe(&r);
        chardev_set_fe(cd, &fe);
        int c = tcp_client(port);
        pump_opened(&h, &r, 1);
        exchange(&h, cd, &r, c);
        close(c);
        pump_closed(&h, &r, 1);
        chardev_free(cd);
        g_string_free(r.in, TRUE);
        host_done(&h);
    }
}

static void test_tcp_client(void)
{
    struct host h;
    host_init(&h);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(sa);
    g_assert_cmpint(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(listen(lfd, 1), ==, 0);
    g_assert_cmpint(getsockname(lfd, (struct sockaddr *)&sa, &len), ==, 0);
    char *err = NULL;
    char *spec = g_strdup_printf("tcp:127.0.0.1:%d", ntohs(sa.sin_port));
    struct chardev *cd = chardev_new(&h.h, "c0", spec, &err);
    g_assert_nonnull(cd);
    g_assert_true(chardev_connected(cd));
    int s = accept(lfd, NULL, NULL);
    g_assert_cmpint(s, >=, 0);
    struct rec r;
    rec_init(&r, -1);
    struct chardev_fe fe = rec_fe(&r);
    chardev_set_fe(cd, &fe);
    pump_opened(&h, &r, 1);
    exchange(&h, cd, &r, s);
    close(s);
    pump_closed(&h, &r, 1);
    chardev_free(cd);
    g_free(spec);
    close(lfd);

    /* Nobody listening: a clear error at creation. */
    spec = g_strdup_printf("tcp:127.0.0.1:%d", probe_port());
    cd = chardev_new(&h.h, "c0", spec, &err);
    g_assert_null(cd);
    g_assert_nonnull(strstr(err, "cannot connect to tcp:127.0.0.1:"));
    g_free(err);
    g_free(spec);
    g_string_free(r.in, TRUE);
    host_done(&h);
}

/* ---- pty ---- */

static void test_pty(void)
{
    struct host h;
    host_init(&h);
    char *err = NULL;
    /* Capture stderr for the "redirected" line. */
    int pipefd[2];
    g_assert_cmpint(pipe(pipefd), ==, 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(pipefd[1], 2);
    struct chardev *cd = chardev_new(&h.h, "serial7", "pty", &err);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(pipefd[1]);
    if (!cd) {
        g_test_skip(err);
        g_free(err);
        close(pipefd[0]);
        host_done(&h);
        return;
    }
    const char *fn = chardev_filename(cd);
    g_assert_true(g_str_has_prefix(fn, "pty:/dev/pts/"));
    char msg[256] = { 0 };
    g_assert_cmpint(read(pipefd[0], msg, sizeof(msg) - 1), >, 0);
    close(pipefd[0]);
    char *want = g_strdup_printf("char device redirected to %s (label serial7)\n", fn + 4);
    g_assert_cmpstr(msg, ==, want);
    g_free(want);

    struct rec r;
    rec_init(&r, -1);
    struct chardev_fe fe = rec_fe(&r);
    chardev_set_fe(cd, &fe);
    int s = open(fn + 4, O_RDWR | O_NOCTTY);
    g_assert_cmpint(s, >=, 0);
    pthread_mutex_lock(&h.lock);
    g_assert_cmpint(chardev_write(cd, "out\n", 4), ==, 4);
    pthread_mutex_unlock(&h.lock);
    char buf[5] = { 0 };
    read_exact(s, buf, 4);
    g_assert_cmpstr(buf, ==, "out\n"); /* raw: no \r added */
    g_assert_cmpint(write(s, "in\r", 3), ==, 3);
    struct want w = { &r, 3 };
    pump_until(&h, rec_has, &w);
    g_assert_cmpstr(r.in->str, ==, "in\r"); /* raw: no \r -> \n */
    close(s);
    pump_ready(&h);
    /* Nobody reads the slave now: output is dropped, never blocks. */
    pthread_mutex_lock(&h.lock);
    char big[4096];
    memset(big, 'z', sizeof(big));
    for (int i = 0; i < 64; i++)
        g_assert_cmpint(chardev_write(cd, big, (int)sizeof(big)), ==, (int)sizeof(big));
    pthread_mutex_unlock(&h.lock);
    chardev_free(cd);
    g_string_free(r.in, TRUE);
    host_done(&h);
}

/* ---- stdio through pipes: escapes and the mux ---- */

static void test_stdio_escapes(void)
{
    struct host h;
    host_init(&h);
    int inp[2], outp[2];
    g_assert_cmpint(pipe(inp), ==, 0);
    g_assert_cmpint(pipe(outp), ==, 0);
    fflush(stdout);
    int saved0 = dup(0), saved1 = dup(1);
    dup2(inp[0], 0);
    dup2(outp[1], 1);
    close(inp[0]);
    close(outp[1]);

    char *err = NULL;
    struct chardev *cd = chardev_new(&h.h, "serial0", "mon:stdio", &err);
    g_assert_nonnull(cd);
    struct rec serial, mon;
    rec_init(&serial, -1);
    rec_init(&mon, -1);
    struct chardev_fe fe1 = rec_fe(&serial), fe2 = rec_fe(&mon);
    chardev_set_fe(cd, &fe1);
    g_assert_cmpint(chardev_mux_add_fe(cd, &fe2), ==, 1);

    /* "ab", C-a a, C-a c, "M" (monitor), C-a c, "d", C-a h, C-a q (unknown), C-a x */
    static const char keys[] = "ab\001a\001cM\001cd\001h\001q\001x";
    g_assert_cmpint(write(inp[1], keys, sizeof(keys) - 1), ==, (int)sizeof(keys) - 1);
    struct want w = { &serial, 4 };
    pump_until(&h, rec_has, &w);
    g_assert_cmpstr(serial.in->str, ==, "ab\001d");
    g_assert_cmpstr(mon.in->str, ==, "M");
    g_assert_cmpint(h.quits, ==, 1);
    g_assert_cmpint(serial.opened, ==, 1);
    g_assert_cmpint(mon.opened, ==, 1);

    /* Output goes to stdout. */
    pthread_mutex_lock(&h.lock);
    chardev_write(cd, "guest", 5);
    pthread_mutex_unlock(&h.lock);

    /* EOF on stdin: reading stops quietly. */
    close(inp[1]);
    pump_ready(&h);
    g_assert_false(g_main_context_iteration(h.h.ctx, FALSE));
    chardev_free(cd);

    fflush(stdout);
    dup2(saved0, 0);
    dup2(saved1, 1);
    close(saved0);
    close(saved1);
    char out[1024] = { 0 };
    size_t n = 0;
    ssize_t k;
    while (n < sizeof(out) - 1 && (k = read(outp[0], out + n, sizeof(out) - 1 - n)) > 0)
        n += (size_t)k;
    close(outp[0]);
    g_assert_nonnull(strstr(out, "C-a x    exit emulator"));
    g_assert_nonnull(strstr(out, "hvemu: terminated"));
    g_assert_nonnull(strstr(out, "guest"));
    g_string_free(serial.in, TRUE);
    g_string_free(mon.in, TRUE);
    host_done(&h);
}

static bool quit_seen(void *p)
{
    return ((struct host *)p)->quits > 0;
}

/* A plain stdio (not a mux) still takes C-a x but ignores C-a c. */
static void test_stdio_plain(void)
{
    struct host h;
    host_init(&h);
    int inp[2];
    g_assert_cmpint(pipe(inp), ==, 0);
    fflush(stdout);
    int saved0 = dup(0), saved1 = dup(1), devnull = open("/dev/null", O_WRONLY);
    dup2(inp[0], 0);
    dup2(devnull, 1); /* the "terminated" line */
    close(inp[0]);
    close(devnull);
    char *err = NULL;
    struct chardev *cd = chardev_new(&h.h, "serial0", "stdio", &err);
    g_assert_nonnull(cd);
    struct rec serial, mon;
    rec_init(&serial, 1); /* takes one byte at a time */
    rec_init(&mon, -1);
    struct chardev_fe fe1 = rec_fe(&serial), fe2 = rec_fe(&mon);
    chardev_set_fe(cd, &fe1);
    g_assert_cmpint(chardev_mux_add_fe(cd, &fe2), ==, -1);
    static const char keys[] = "x\001cyz";
    g_assert_cmpint(write(inp[1], keys, sizeof(keys) - 1), ==, (int)sizeof(keys) - 1);
    struct want w = { &serial, 1 };
    pump_until(&h, rec_has, &w);
    pump_ready(&h);
    g_assert_cmpstr(serial.in->str, ==, "x"); /* the rest waits in the queue */
    for (int i = 0; i < 2; i++) {
        serial.room = 1;
        pthread_mutex_lock(&h.lock);
        chardev_accept_input(cd);
        pthread_mutex_unlock(&h.lock);
    }
    g_assert_cmpstr(serial.in->str, ==, "xyz");
    g_assert_cmpint(h.quits, ==, 0);
    /* Ctrl-A x works even while the frontend is full. */
    serial.room = 0;
    g_assert_cmpint(write(inp[1], "\001x", 2), ==, 2);
    pump_until(&h, quit_seen, &h);
    g_assert_cmpint(h.quits, ==, 1);
    close(inp[1]);
    chardev_free(cd);
    dup2(saved0, 0);
    dup2(saved1, 1);
    close(saved0);
    close(saved1);
    g_string_free(serial.in, TRUE);
    g_string_free(mon.in, TRUE);
    host_done(&h);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/chardev/spec-valid", test_spec_valid);
    g_test_add_func("/chardev/spec-invalid", test_spec_invalid);
    g_test_add_func("/chardev/opts", test_opts);
    g_test_add_func("/chardev/file", test_file);
    g_test_add_func("/chardev/buffer", test_buffer);
    g_test_add_func("/chardev/unix-server", test_unix_server);
    g_test_add_func("/chardev/unix-server-no-fe", test_unix_server_no_fe);
    g_test_add_func("/chardev/unix-wait", test_unix_wait);
    g_test_add_func("/chardev/unix-client", test_unix_client);
    g_test_add_func("/chardev/tcp-server", test_tcp_server);
    g_test_add_func("/chardev/tcp-client", test_tcp_client);
    g_test_add_func("/chardev/pty", test_pty);
    g_test_add_func("/chardev/stdio-escapes", test_stdio_escapes);
    g_test_add_func("/chardev/stdio-plain", test_stdio_plain);
    return g_test_run();
}
