/* SPDX-License-Identifier: GPL-2.0-or-later */
/* chardev.c: character device backends on the GLib main loop.
 *
 * Every backend is one struct chardev with an input fd (watched with a
 * GUnixFDSource on host->ctx) and an output fd written directly.  Input is
 * read only when the focused frontend can take it: a frontend whose can_read
 * returns 0 makes us drop the fd watch, and chardev_accept_input() re-arms
 * it, so a full UART FIFO back-pressures the host side instead of losing
 * bytes.  stdio is the exception: it keeps reading into a bounded queue so
 * the Ctrl-A escapes (x = quit) work even while the guest is not draining its
 * serial port.
 *
 * Locking: everything that touches a chardev's state from the main loop
 * (fd callbacks, the idle "kick") runs with host->lock held, the same lock
 * device callbacks hold when they call chardev_write()/chardev_accept_input(),
 * so one lock covers the struct.  chardev_new/set_fe/free are set-up calls:
 * make them before the main loop runs, or from the main loop thread.
 *
 * Output never blocks for long under that lock: sockets use MSG_DONTWAIT and
 * drop what the peer does not take within a short bounded wait; a pty drops
 * output when nobody reads its slave side (a serial line without a
 * listener); stdio and files do plain blocking writes. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
#include <glib-unix.h>
#include "core/chardev.h"
#include "core/options.h"

#define PENDING_MAX 4096  /* stdio input queued while the frontend is full */
#define CTRL_A 0x01
#define MUX_MAX 4          /* frontends sharing one mux (serial + monitor + ...) */
#define SEND_WAIT_MS 10    /* how long a stalled socket peer may hold a write */

enum cd_kind { CD_NULL, CD_STDIO, CD_FILE, CD_PTY, CD_SOCKET, CD_BUFFER };

struct chardev {
    enum cd_kind kind;
    char *label, *filename;
    struct chardev_host host;

    /* fe[0] is the primary frontend (chardev_set_fe); a mux adds more and
     * Ctrl-A c moves input focus between them. */
    struct chardev_fe fe[MUX_MAX];
    bool fe_needs_open[MUX_MAX];
    int focus;
    bool mux;

    int in_fd, out_fd; /* -1: none */
    bool in_eof;       /* stop reading for good (stdin EOF) */
    GSource *in_src;   /* watch on in_fd, NULL while throttled */
    GSource *kick_src; /* idle: deliver CHR_OPENED and queued input */
    GByteArray *pending;
    bool delivering;   /* re-entrancy guard for deliver_pending */

    /* stdio */
    bool esc;          /* last byte was Ctrl-A */
    bool raw;
    struct termios saved_tio;

    /* pty: we keep the slave open so the master never sees a hang-up and
     * the line settings (raw) persist across client opens. */
    int pty_slave;

    /* socket */
    bool server, is_unix, nodelay;
    int listen_fd, conn_fd;
    int msgfd;         /* last fd received with the data (SCM_RIGHTS), -1 */
    GSource *listen_src;
    char *unix_path;

    /* buffer (tests) */
    GString *out;
};

/* What a spec or option string asks for, before anything is opened. */
struct cd_config {
    enum cd_kind kind;
    bool mux, signal, append;
    char *path;
    /* socket */
    bool is_unix;
    char *host, *port;
    int server, wait; /* -1: not given */
    bool nodelay;
};

static void cd_lock(struct chardev *cd)
{
    if (cd->host.lock)
        pthread_mutex_lock(cd->host.lock);
}

static void cd_unlock(struct chardev *cd)
{
    if (cd->host.lock)
        pthread_mutex_unlock(cd->host.lock);
}

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* ---- frontends and input delivery (lock held) ---- */

static struct chardev_fe *focused_fe(struct chardev *cd)
{
    struct chardev_fe *fe = &cd->fe[cd->focus];
    return fe->read ? fe : NULL;
}

/* No frontend at all (a debugcon, a port being torn down): input is read and
 * dropped, so a socket still notices its client leaving. */
static bool no_fe(const struct chardev *cd)
{
    for (int i = 0; i < MUX_MAX; i++)
        if (cd->fe[i].read)
            return false;
    return true;
}

static int fe_room(struct chardev_fe *fe)
{
    return fe->can_read ? fe->can_read(fe->opaque) : PENDING_MAX;
}

static void send_event(struct chardev *cd, enum chardev_event ev)
{
    for (int i = 0; i < MUX_MAX; i++) {
        cd->fe_needs_open[i] = false;
        if (cd->fe[i].event)
            cd->fe[i].event(cd->fe[i].opaque, ev);
    }
}

static void deliver_pending(struct chardev *cd)
{
    if (cd->delivering)
        return; /* a frontend called back into us from its read() */
    cd->delivering = true;
    while (cd->pending->len) {
        struct chardev_fe *fe = focused_fe(cd);
        if (!fe)
            break;
        int room = fe_room(fe);
        if (room <= 0)
            break;
        uint8_t chunk[256];
        int n = MIN(MIN(room, (int)sizeof(chunk)), (int)cd->pending->len);
        memcpy(chunk, cd->pending->data, (size_t)n);
        g_byte_array_remove_range(cd->pending, 0, (guint)n);
        fe->read(fe->opaque, chunk, n);
    }
    cd->delivering = false;
}

/* ---- stdio escapes ---- */

static void write_all(int fd, const uint8_t *p, size_t len);

static void out_str(struct chardev *cd, const char *s)
{
    if (cd->out_fd >= 0)
        write_all(cd->out_fd, (const uint8_t *)s, strlen(s));
}

static void print_help(struct chardev *cd)
{
    /* \r\n: the terminal is in raw mode. */
    out_str(cd, "\r\n"
                "C-a h    print this help\r\n"
                "C-a x    exit emulator\r\n"
                "C-a c    switch between console and monitor\r\n"
                "C-a a    send C-a\r\n"
                "C-a C-a  send C-a\r\n");
}

static void cycle_focus(struct chardev *cd)
{
    if (!cd->mux)
        return;
    /* What was typed before the switch belongs to the old focus. */
    deliver_pending(cd);
    for (int i = 1; i <= MUX_MAX; i++) {
        int f = (cd->focus + i) % MUX_MAX;
        if (cd->fe[f].read) {
            cd->focus = f;
            if (cd->fe_needs_open[f] && chardev_connected(cd) && cd->fe[f].event) {
                cd->fe_needs_open[f] = false;
                cd->fe[f].event(cd->fe[f].opaque, CHR_OPENED);
            }
            return;
        }
    }
}

static void escape_byte(struct chardev *cd, uint8_t b)
{
    switch (b) {
    case 'x':
        out_str(cd, "\r\nhvemu: terminated\r\n");
        if (cd->host.quit)
            cd->host.quit(cd->host.opaque);
        break;
    case 'h':
    case '?':
        print_help(cd);
        break;
    case 'a':
    case CTRL_A:
        g_byte_array_append(cd->pending, (const uint8_t[]){ CTRL_A }, 1);
        break;
    case 'c':
        cycle_focus(cd);
        break;
    default:
        break; /* unknown escapes are swallowed */
    }
}

static void take_input(struct chardev *cd, const uint8_t *buf, size_t n)
{
    if (cd->kind != CD_STDIO) {
        if (!no_fe(cd))
            g_byte_array_append(cd->pending, buf, (guint)n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (cd->esc) {
            cd->esc = false;
            escape_byte(cd, buf[i]);
        } else if (buf[i] == CTRL_A) {
            cd->esc = true;
        } else {
            g_byte_array_append(cd->pending, &buf[i], 1);
        }
    }
}

/* ---- the input watch ---- */

static gboolean in_ready(gint fd, GIOCondition cond, gpointer opaque);

static void drop_in_src(struct chardev *cd)
{
    if (!cd->in_src)
        return;
    g_source_destroy(cd->in_src);
    g_source_unref(cd->in_src);
    cd->in_src = NULL;
}

static void ensure_watch(struct chardev *cd)
{
    if (cd->in_src || cd->in_fd < 0 || cd->in_eof)
        return;
    if (cd->kind != CD_STDIO && cd->pending->len)
        return;
    cd->in_src = g_unix_fd_source_new(cd->in_fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
    g_source_set_callback(cd->in_src, G_SOURCE_FUNC(in_ready), cd, NULL);
    g_source_attach(cd->in_src, cd->host.ctx);
}

/* How many bytes to read now: stdio fills its bounded queue (escapes must be
 * seen); the others read exactly what the frontend can take. */
static int input_room(struct chardev *cd)
{
    if (cd->kind == CD_STDIO)
        return PENDING_MAX - (int)cd->pending->len;
    if (no_fe(cd))
        return PENDING_MAX; /* read to drop */
    struct chardev_fe *fe = focused_fe(cd);
    if (!fe || cd->pending->len)
        return 0;
    return fe_room(fe);
}

static void sock_disconnect(struct chardev *cd);

static void input_ended(struct chardev *cd)
{
    if (cd->kind == CD_SOCKET) {
        sock_disconnect(cd);
        return;
    }
    cd->in_eof = true;
    drop_in_src(cd);
}

static void close_msgfd(struct chardev *cd)
{
    if (cd->msgfd >= 0)
        close(cd->msgfd);
    cd->msgfd = -1;
}

/* Unix sockets may carry file descriptors with the data (QMP getfd,
 * add-fd): keep the first of the last batch, close any others. */
static ssize_t cd_read(struct chardev *cd, int fd, uint8_t *buf, size_t len)
{
    if (cd->kind != CD_SOCKET || !cd->is_unix)
        return read(fd, buf, len);
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * 8)];
    } ctl;
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
    ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
    if (n < 0)
        return n;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        int fds[8];
        memcpy(fds, CMSG_DATA(c), MIN(nfds, ARRAY_SIZE(fds)) * sizeof(int));
        for (size_t i = 0; i < nfds && i < ARRAY_SIZE(fds); i++) {
            if (i == 0) {
                close_msgfd(cd);
                cd->msgfd = fds[0];
            } else {
                close(fds[i]);
            }
        }
    }
    return n;
}

static gboolean in_ready(gint fd, GIOCondition cond, gpointer opaque)
{
    struct chardev *cd = opaque;
    cd_lock(cd);
    if (g_main_current_source() != cd->in_src) {
        /* Replaced by another thread while we waited for the lock. */
        cd_unlock(cd);
        return G_SOURCE_REMOVE;
    }
    deliver_pending(cd);
    int room = input_room(cd);
    if (room <= 0) {
        drop_in_src(cd); /* throttled until chardev_accept_input() */
        cd_unlock(cd);
        return G_SOURCE_REMOVE;
    }
    uint8_t buf[1024];
    ssize_t n = cd_read(cd, fd, buf, (size_t)MIN(room, (int)sizeof(buf)));
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) {
        cd_unlock(cd);
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        input_ended(cd);
        cd_unlock(cd);
        return G_SOURCE_REMOVE;
    }
    take_input(cd, buf, (size_t)n);
    deliver_pending(cd);
    cd_unlock(cd);
    return G_SOURCE_CONTINUE;
}

/* Idle callback after a frontend was attached: CHR_OPENED for an open
 * backend (as the frontend would have seen on connect) and queued input. */
static gboolean kick(gpointer opaque)
{
    struct chardev *cd = opaque;
    cd_lock(cd);
    if (g_main_current_source() != cd->kick_src) {
        cd_unlock(cd);
        return G_SOURCE_REMOVE;
    }
    g_source_unref(cd->kick_src);
    cd->kick_src = NULL;
    bool open = chardev_connected(cd);
    for (int i = 0; i < MUX_MAX; i++) {
        /* On a mux only the focused frontend hears of it now: the monitor
         * greets the user when Ctrl-A c brings it forward, as in QEMU. */
        if (cd->mux && i != cd->focus)
            continue;
        if (cd->fe_needs_open[i] && open && cd->fe[i].event)
            cd->fe[i].event(cd->fe[i].opaque, CHR_OPENED);
        cd->fe_needs_open[i] = false;
    }
    deliver_pending(cd);
    ensure_watch(cd);
    cd_unlock(cd);
    return G_SOURCE_REMOVE;
}

static void schedule_kick(struct chardev *cd)
{
    if (cd->kick_src)
        return;
    cd->kick_src = g_idle_source_new();
    /* Before any fd callback: a frontend sees CHR_OPENED before input. */
    g_source_set_priority(cd->kick_src, G_PRIORITY_HIGH);
    g_source_set_callback(cd->kick_src, kick, cd, NULL);
    g_source_attach(cd->kick_src, cd->host.ctx);
}

/* ---- output ---- */

static void write_all(int fd, const uint8_t *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* Someone made our stdout non-blocking: wait for it. */
            struct pollfd pfd = { .fd = fd, .events = POLLOUT };
            poll(&pfd, 1, -1);
            continue;
        }
        if (n <= 0)
            return; /* closed or failing output: nothing sensible to do */
        p += n;
        len -= (size_t)n;
    }
}

/* pty master: non-blocking; when nobody drains the slave the tty buffer
 * fills and further output is dropped. */
static void write_drop(int fd, const uint8_t *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        p += n;
        len -= (size_t)n;
    }
}

static void sock_send(struct chardev *cd, const uint8_t *p, size_t len)
{
    int waits = 0;
    while (len && cd->conn_fd >= 0) {
        ssize_t n = send(cd->conn_fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* One short wait for a slow peer, then drop the rest. */
            struct pollfd pfd = { .fd = cd->conn_fd, .events = POLLOUT };
            if (waits++ || poll(&pfd, 1, SEND_WAIT_MS) <= 0)
                return;
            continue;
        }
        if (n <= 0)
            return; /* peer gone: the input watch sees the hang-up */
        p += n;
        len -= (size_t)n;
    }
}

int chardev_write(struct chardev *cd, const void *buf, int len)
{
    if (!cd || len <= 0)
        return len > 0 ? len : 0;
    switch (cd->kind) {
    case CD_BUFFER:
        g_string_append_len(cd->out, buf, len);
        break;
    case CD_STDIO:
    case CD_FILE:
        write_all(cd->out_fd, buf, (size_t)len);
        break;
    case CD_PTY:
        write_drop(cd->out_fd, buf, (size_t)len);
        break;
    case CD_SOCKET:
        sock_send(cd, buf, (size_t)len);
        break;
    case CD_NULL:
        break;
    }
    return len;
}

/* ---- sockets ---- */

static void sock_connected(struct chardev *cd, int fd)
{
    set_nonblock(fd);
    if (cd->nodelay && !cd->is_unix)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
    cd->conn_fd = cd->in_fd = cd->out_fd = fd;
    cd->in_eof = false;
    g_byte_array_set_size(cd->pending, 0);
    ensure_watch(cd);
}

static void sock_disconnect(struct chardev *cd)
{
    if (cd->conn_fd < 0)
        return;
    drop_in_src(cd);
    close_msgfd(cd);
    close(cd->conn_fd);
    cd->conn_fd = cd->in_fd = cd->out_fd = -1;
    g_byte_array_set_size(cd->pending, 0);
    send_event(cd, CHR_CLOSED);
}

static gboolean listen_ready(gint fd, GIOCondition cond, gpointer opaque)
{
    struct chardev *cd = opaque;
    cd_lock(cd);
    int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    if (c >= 0 && cd->conn_fd >= 0) {
        close(c); /* one client at a time: refuse the others */
    } else if (c >= 0) {
        sock_connected(cd, c);
        send_event(cd, CHR_OPENED);
    }
    cd_unlock(cd);
    return G_SOURCE_CONTINUE;
}

static int unix_addr(const char *path, struct sockaddr_un *sa, char **err)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa->sun_path)) {
        *err = g_strdup_printf("unix socket path '%s' is too long", path);
        return -1;
    }
    strcpy(sa->sun_path, path);
    return 0;
}

static int unix_open(struct chardev *cd, const struct cd_config *cfg, char **err)
{
    struct sockaddr_un sa;
    if (unix_addr(cfg->path, &sa, err))
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *err = g_strdup_printf("socket: %s", strerror(errno));
        return -1;
    }
    if (!cfg->server) {
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
            *err = g_strdup_printf("cannot connect to unix socket '%s': %s", cfg->path,
                                   strerror(errno));
            close(fd);
            return -1;
        }
        sock_connected(cd, fd);
        return 0;
    }
    /* A socket file left behind by an earlier run; never remove anything
     * that is not a socket. */
    struct stat st;
    if (!lstat(cfg->path, &st) && S_ISSOCK(st.st_mode))
        unlink(cfg->path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4)) {
        *err = g_strdup_printf("cannot listen on unix socket '%s': %s", cfg->path,
                               strerror(errno));
        close(fd);
        return -1;
    }
    cd->unix_path = g_strdup(cfg->path);
    cd->listen_fd = fd;
    return 0;
}

static int tcp_open(struct chardev *cd, const struct cd_config *cfg, char **err)
{
    struct addrinfo hints = {
        .ai_socktype = SOCK_STREAM,
        .ai_flags = cfg->server ? AI_PASSIVE : 0,
    };
    const char *host = cfg->host[0] ? cfg->host : (cfg->server ? NULL : "localhost");
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, cfg->port, &hints, &res);
    if (rc) {
        *err = g_strdup_printf("cannot resolve '%s:%s': %s", cfg->host, cfg->port,
                               gai_strerror(rc));
        return -1;
    }
    int fd = -1, e = 0;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            e = errno;
            continue;
        }
        if (cfg->server)
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
        if (cfg->server ? bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 4)
                        : connect(fd, ai->ai_addr, ai->ai_addrlen)) {
            e = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        *err = g_strdup_printf("cannot %s tcp:%s:%s: %s",
                               cfg->server ? "listen on" : "connect to", cfg->host, cfg->port,
                               strerror(e));
        return -1;
    }
    if (cfg->server)
        cd->listen_fd = fd;
    else
        sock_connected(cd, fd);
    return 0;
}

/* wait=on: block until the first client connects, as QEMU does. */
static int wait_for_client(struct chardev *cd, char **err)
{
    fprintf(stderr, "hvemu: waiting for connection on: disconnected:%s\n", cd->filename);
    for (;;) {
        struct pollfd pfd = { .fd = cd->listen_fd, .events = POLLIN };
        if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
            *err = g_strdup_printf("waiting for a connection on %s: %s", cd->filename,
                                   strerror(errno));
            return -1;
        }
        int c = accept4(cd->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (c >= 0) {
            sock_connected(cd, c);
            return 0;
        }
        if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) {
            *err = g_strdup_printf("accept on %s: %s", cd->filename, strerror(errno));
            return -1;
        }
    }
}

static int socket_open(struct chardev *cd, const struct cd_config *given, char **err)
{
    struct cd_config norm = *given;
    const struct cd_config *cfg = &norm;
    norm.server = given->server > 0; /* not given: client */
    cd->server = cfg->server;
    cd->is_unix = cfg->is_unix;
    cd->nodelay = cfg->nodelay;
    const char *srv = cd->server ? ",server=on" : "";
    if (cfg->is_unix)
        cd->filename = g_strdup_printf("unix:%s%s", cfg->path, srv);
    else if (strchr(cfg->host, ':'))
        cd->filename = g_strdup_printf("tcp:[%s]:%s%s", cfg->host, cfg->port, srv);
    else
        cd->filename = g_strdup_printf("tcp:%s:%s%s", cfg->host, cfg->port, srv);
    if (cfg->is_unix ? unix_open(cd, cfg, err) : tcp_open(cd, cfg, err))
        return -1;
    if (!cd->server)
        return 0;
    set_nonblock(cd->listen_fd);
    if (cfg->wait != 0 && wait_for_client(cd, err))
        return -1;
    cd->listen_src = g_unix_fd_source_new(cd->listen_fd, G_IO_IN);
    g_source_set_callback(cd->listen_src, G_SOURCE_FUNC(listen_ready), cd, NULL);
    g_source_attach(cd->listen_src, cd->host.ctx);
    return 0;
}

/* ---- the other backends ---- */

static void stdio_raw(struct chardev *cd, bool signals)
{
    struct termios t;
    if (!isatty(0) || tcgetattr(0, &t))
        return;
    cd->saved_tio = t;
    /* Byte-at-a-time input with no echo or line editing; output processing
     * stays on so a lone \n still returns the carriage.  With signal=on
     * (the default) Ctrl-C still interrupts hvemu, as in QEMU. */
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_oflag |= OPOST;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN);
    if (!signals)
        t.c_lflag &= ~(tcflag_t)ISIG;
    t.c_cflag = (t.c_cflag & ~(tcflag_t)(CSIZE | PARENB)) | CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (!tcsetattr(0, TCSANOW, &t))
        cd->raw = true;
}

static int stdio_open(struct chardev *cd, const struct cd_config *cfg)
{
    cd->in_fd = 0;
    cd->out_fd = 1;
    cd->filename = g_strdup("stdio");
    if (fcntl(0, F_GETFL) < 0)
        cd->in_eof = true; /* no stdin at all */
    stdio_raw(cd, cfg->signal);
    ensure_watch(cd); /* the escapes work before any frontend attaches */
    return 0;
}

static int file_open(struct chardev *cd, const struct cd_config *cfg, char **err)
{
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (cfg->append ? O_APPEND : O_TRUNC);
    cd->out_fd = open(cfg->path, flags, 0666);
    if (cd->out_fd < 0) {
        *err = g_strdup_printf("cannot open '%s': %s", cfg->path, strerror(errno));
        return -1;
    }
    cd->filename = g_strdup_printf("file:%s", cfg->path);
    return 0;
}

static int pty_open(struct chardev *cd, char **err)
{
    char name[64];
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0 || grantpt(m) || unlockpt(m) || ptsname_r(m, name, sizeof(name))) {
        *err = g_strdup_printf("cannot create a pty: %s", strerror(errno));
        if (m >= 0)
            close(m);
        return -1;
    }
    int s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) {
        *err = g_strdup_printf("cannot open '%s': %s", name, strerror(errno));
        close(m);
        return -1;
    }
    struct termios t;
    if (!tcgetattr(s, &t)) {
        cfmakeraw(&t);
        tcsetattr(s, TCSANOW, &t);
    }
    set_nonblock(m);
    cd->in_fd = cd->out_fd = m;
    cd->pty_slave = s;
    cd->filename = g_strdup_printf("pty:%s", name);
    fprintf(stderr, "char device redirected to %s (label %s)\n", name, cd->label);
    return 0;
}

static struct chardev *cd_alloc(const struct chardev_host *host, const char *label,
                                enum cd_kind kind)
{
    struct chardev *cd = g_new0(struct chardev, 1);
    cd->kind = kind;
    cd->label = g_strdup(label ? label : "chardev");
    if (host)
        cd->host = *host;
    cd->in_fd = cd->out_fd = cd->listen_fd = cd->conn_fd = cd->pty_slave = cd->msgfd = -1;
    cd->pending = g_byte_array_new();
    return cd;
}

static struct chardev *cd_create(const struct chardev_host *host, const char *label,
                                 const struct cd_config *cfg, char **err)
{
    struct chardev *cd = cd_alloc(host, label, cfg->kind);
    cd->mux = cfg->mux;
    int rc = 0;
    switch (cfg->kind) {
    case CD_NULL:
        cd->filename = g_strdup("null");
        break;
    case CD_STDIO:
        rc = stdio_open(cd, cfg);
        break;
    case CD_FILE:
        rc = file_open(cd, cfg, err);
        break;
    case CD_PTY:
        rc = pty_open(cd, err);
        break;
    case CD_SOCKET:
        rc = socket_open(cd, cfg, err);
        break;
    case CD_BUFFER:
        break;
    }
    if (rc) {
        chardev_free(cd);
        return NULL;
    }
    return cd;
}

/* ---- parsing ---- */

/* QEMU's option syntax (",," escapes, on/off values) is core/options.c's. */
static int parse_onoff(const char *key, const char *val, bool *out, char **err)
{
    if (!val) { /* a bare flag, e.g. "server" */
        *out = true;
        return 0;
    }
    if (parse_bool(val, out)) {
        *err = g_strdup_printf("'%s' expects on or off, not '%s'", key, val);
        return -1;
    }
    return 0;
}

/* Socket flags shared by both syntaxes: server, wait, nodelay and QEMU's
 * legacy bare "server" / "nowait".  1 = handled, 0 = not a socket flag. */
static int socket_flag(struct cd_config *cfg, const char *key, const char *val, char **err)
{
    bool b;
    if (!strcmp(key, "nowait") && !val) {
        cfg->wait = 0;
        return 1;
    }
    if (strcmp(key, "server") && strcmp(key, "wait") && strcmp(key, "nodelay"))
        return 0;
    if (parse_onoff(key, val, &b, err))
        return -1;
    if (!strcmp(key, "server"))
        cfg->server = b;
    else if (!strcmp(key, "wait"))
        cfg->wait = b;
    else
        cfg->nodelay = b;
    return 1;
}

static int parse_port(const char *port, char **err)
{
    char *end;
    unsigned long v = strtoul(port, &end, 10);
    if (!*port || *end || v == 0 || v > 65535) {
        *err = g_strdup_printf("invalid port '%s' (expected 1-65535)", port);
        return -1;
    }
    return 0;
}

/* "HOST:PORT", "[V6]:PORT" or ":PORT". */
static int split_host_port(struct cd_config *cfg, const char *s, char **err)
{
    const char *colon;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':') {
            *err = g_strdup_printf("'%s': expected [HOST]:PORT", s);
            return -1;
        }
        cfg->host = g_strndup(s + 1, (gsize)(close - s - 1));
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon) {
            *err = g_strdup_printf("'%s': expected HOST:PORT", s);
            return -1;
        }
        cfg->host = g_strndup(s, (gsize)(colon - s));
    }
    cfg->port = g_strdup(colon + 1);
    return parse_port(cfg->port, err);
}

static void config_clear(struct cd_config *cfg)
{
    g_free(cfg->path);
    g_free(cfg->host);
    g_free(cfg->port);
}

/* unix:PATH[,flags] or tcp:HOST:PORT[,flags] */
static int parse_socket_spec(struct cd_config *cfg, const char *rest, bool is_unix, char **err)
{
    char **v = opt_split(rest);
    int rc = 0;
    cfg->kind = CD_SOCKET;
    cfg->is_unix = is_unix;
    if (is_unix) {
        cfg->path = g_strdup(v[0]);
        if (!*cfg->path) {
            *err = g_strdup("unix: needs a socket path");
            rc = -1;
        }
    } else {
        rc = split_host_port(cfg, v[0], err);
    }
    for (int i = 1; v[i] && !rc; i++) {
        char *eq = strchr(v[i], '=');
        if (eq)
            *eq++ = 0;
        int r = socket_flag(cfg, v[i], eq, err);
        if (r == 0) {
            *err = g_strdup_printf("unknown socket option '%s'", v[i]);
            r = -1;
        }
        rc = r < 0 ? -1 : 0;
    }
    g_strfreev(v);
    return rc;
}

static int parse_spec(struct cd_config *cfg, const char *spec, char **err)
{
    if (g_str_has_prefix(spec, "mon:")) {
        cfg->mux = true;
        spec += 4;
    }
    if (!strcmp(spec, "stdio")) {
        cfg->kind = CD_STDIO;
    } else if (!strcmp(spec, "null")) {
        cfg->kind = CD_NULL;
    } else if (!strcmp(spec, "pty")) {
        cfg->kind = CD_PTY;
    } else if (g_str_has_prefix(spec, "file:")) {
        cfg->kind = CD_FILE;
        cfg->path = g_strdup(spec + 5);
        if (!*cfg->path) {
            *err = g_strdup("file: needs a path");
            return -1;
        }
    } else if (g_str_has_prefix(spec, "unix:")) {
        return parse_socket_spec(cfg, spec + 5, true, err);
    } else if (g_str_has_prefix(spec, "tcp:")) {
        return parse_socket_spec(cfg, spec + 4, false, err);
    } else {
        *err = g_strdup_printf("unknown character device '%s' (expected stdio, mon:stdio, "
                               "null, none, file:PATH, pty, unix:PATH or tcp:HOST:PORT)",
                               spec);
        return -1;
    }
    return 0;
}

struct chardev *chardev_new(const struct chardev_host *host, const char *label,
                            const char *spec, char **err)
{
    char *e = NULL;
    if (!strcmp(spec, "none"))
        return NULL;
    struct cd_config cfg = { .signal = true, .server = -1, .wait = -1 };
    struct chardev *cd = NULL;
    if (!parse_spec(&cfg, spec, &e))
        cd = cd_create(host, label, &cfg, &e);
    config_clear(&cfg);
    if (err)
        *err = e;
    else
        g_free(e);
    return cd;
}

/* One key of -chardev BACKEND,...; returns 0, or -1 with *err set. */
static int opts_key(struct cd_config *cfg, const char *backend, const char *key,
                    const char *val, char **err)
{
    bool need_val = strcmp(key, "server") && strcmp(key, "nowait") && strcmp(key, "wait") &&
                    strcmp(key, "nodelay") && strcmp(key, "mux") && strcmp(key, "signal") &&
                    strcmp(key, "append");
    if (need_val && !val) {
        *err = g_strdup_printf("option '%s' needs a value", key);
        return -1;
    }
    if (!strcmp(key, "mux"))
        return parse_onoff(key, val, &cfg->mux, err);
    if (cfg->kind == CD_STDIO && !strcmp(key, "signal"))
        return parse_onoff(key, val, &cfg->signal, err);
    if (cfg->kind == CD_FILE && !strcmp(key, "append"))
        return parse_onoff(key, val, &cfg->append, err);
    if ((cfg->kind == CD_FILE || cfg->kind == CD_SOCKET) && !strcmp(key, "path")) {
        g_free(cfg->path);
        cfg->path = g_strdup(val);
        return 0;
    }
    if (cfg->kind == CD_SOCKET && (!strcmp(key, "host") || !strcmp(key, "port"))) {
        char **dst = key[0] == 'h' ? &cfg->host : &cfg->port;
        g_free(*dst);
        *dst = g_strdup(val);
        return 0;
    }
    if (cfg->kind == CD_SOCKET) {
        int r = socket_flag(cfg, key, val, err);
        if (r)
            return r < 0 ? -1 : 0;
    }
    *err = g_strdup_printf("unknown option '%s' for backend '%s'", key, backend);
    return -1;
}

static int opts_check(struct cd_config *cfg, const char *backend, char **err)
{
    if ((cfg->kind == CD_FILE) && (!cfg->path || !*cfg->path)) {
        *err = g_strdup("file backend needs path=PATH");
        return -1;
    }
    if (cfg->kind != CD_SOCKET)
        return 0;
    if (cfg->path && (cfg->host || cfg->port)) {
        *err = g_strdup("socket: give either path= or host=/port=, not both");
        return -1;
    }
    if (cfg->path) {
        cfg->is_unix = true;
        return 0;
    }
    if (!cfg->port) {
        *err = g_strdup("socket backend needs path=PATH or port=PORT");
        return -1;
    }
    if (!cfg->host)
        cfg->host = g_strdup("");
    return parse_port(cfg->port, err);
}

static int parse_opts(struct cd_config *cfg, char **v, char **id, char **err)
{
    static const struct {
        const char *name;
        enum cd_kind kind;
    } backends[] = {
        { "stdio", CD_STDIO }, { "file", CD_FILE },     { "pty", CD_PTY },
        { "null", CD_NULL },   { "socket", CD_SOCKET },
    };
    const char *backend = v[0];
    size_t i;
    for (i = 0; i < ARRAY_SIZE(backends); i++)
        if (!strcmp(backend, backends[i].name))
            break;
    if (i == ARRAY_SIZE(backends)) {
        *err = g_strdup_printf("unknown chardev backend '%s' (expected stdio, file, pty, "
                               "null or socket)", backend);
        return -1;
    }
    cfg->kind = backends[i].kind;
    for (int k = 1; v[k]; k++) {
        char *eq = strchr(v[k], '=');
        if (eq)
            *eq++ = 0;
        if (!strcmp(v[k], "id")) {
            g_free(*id);
            *id = g_strdup(eq ? eq : "");
        } else if (opts_key(cfg, backend, v[k], eq, err)) {
            return -1;
        }
    }
    if (!*id || !**id) {
        *err = g_strdup_printf("chardev backend '%s' needs id=ID", backend);
        return -1;
    }
    return opts_check(cfg, backend, err);
}

struct chardev *chardev_new_opts(const struct chardev_host *host, const char *opts,
                                 char **id_out, char **err)
{
    struct cd_config cfg = { .signal = true, .server = -1, .wait = -1 };
    char **v = opt_split(opts);
    char *id = NULL, *e = NULL;
    struct chardev *cd = NULL;
    if (!parse_opts(&cfg, v, &id, &e))
        cd = cd_create(host, id, &cfg, &e);
    g_strfreev(v);
    config_clear(&cfg);
    if (cd && id_out)
        *id_out = id;
    else
        g_free(id);
    if (err)
        *err = e;
    else
        g_free(e);
    return cd;
}

/* ---- public calls ---- */

void chardev_free(struct chardev *cd)
{
    if (!cd)
        return;
    drop_in_src(cd);
    if (cd->kick_src) {
        g_source_destroy(cd->kick_src);
        g_source_unref(cd->kick_src);
    }
    if (cd->listen_src) {
        g_source_destroy(cd->listen_src);
        g_source_unref(cd->listen_src);
    }
    if (cd->raw)
        tcsetattr(0, TCSADRAIN, &cd->saved_tio);
    if (cd->kind == CD_FILE || cd->kind == CD_PTY) {
        if (cd->out_fd >= 0)
            close(cd->out_fd);
    }
    if (cd->pty_slave >= 0)
        close(cd->pty_slave);
    close_msgfd(cd);
    if (cd->conn_fd >= 0)
        close(cd->conn_fd);
    if (cd->listen_fd >= 0) {
        close(cd->listen_fd);
        if (cd->unix_path)
            unlink(cd->unix_path);
    }
    if (cd->out)
        g_string_free(cd->out, TRUE);
    g_byte_array_free(cd->pending, TRUE);
    g_free(cd->unix_path);
    g_free(cd->label);
    g_free(cd->filename);
    g_free(cd);
}

const char *chardev_label(const struct chardev *cd)
{
    return cd ? cd->label : NULL;
}

const char *chardev_filename(const struct chardev *cd)
{
    return cd ? cd->filename : NULL;
}

int chardev_take_fd(struct chardev *cd)
{
    if (!cd)
        return -1;
    int fd = cd->msgfd;
    cd->msgfd = -1;
    return fd;
}

bool chardev_connected(const struct chardev *cd)
{
    if (!cd)
        return false;
    return cd->kind == CD_SOCKET ? cd->conn_fd >= 0 : true;
}

static void attach_fe(struct chardev *cd, int slot, const struct chardev_fe *fe)
{
    if (fe) {
        cd->fe[slot] = *fe;
    } else {
        memset(&cd->fe[slot], 0, sizeof(cd->fe[slot]));
        if (cd->focus == slot)
            cd->focus = 0;
    }
    cd->fe_needs_open[slot] = fe != NULL;
    if (cd->kind == CD_BUFFER) {
        /* No main loop: tell the frontend now, the way kick() would. */
        cd->fe_needs_open[slot] = false;
        if (fe && fe->event)
            fe->event(fe->opaque, CHR_OPENED);
        deliver_pending(cd);
        return;
    }
    if (!fe) {
        if (no_fe(cd))
            g_byte_array_set_size(cd->pending, 0); /* nobody will take it */
        ensure_watch(cd);
        return;
    }
    schedule_kick(cd);
}

void chardev_set_fe(struct chardev *cd, const struct chardev_fe *fe)
{
    if (cd)
        attach_fe(cd, 0, fe);
}

int chardev_mux_add_fe(struct chardev *cd, const struct chardev_fe *fe)
{
    if (!cd || !cd->mux || !fe)
        return -1;
    for (int i = 1; i < MUX_MAX; i++) {
        if (!cd->fe[i].read) {
            attach_fe(cd, i, fe);
            return i;
        }
    }
    return -1;
}

void chardev_accept_input(struct chardev *cd)
{
    if (!cd)
        return;
    deliver_pending(cd);
    ensure_watch(cd);
}

struct chardev *chardev_new_buffer(const char *label)
{
    struct chardev *cd = cd_alloc(NULL, label, CD_BUFFER);
    cd->out = g_string_new(NULL);
    cd->filename = g_strdup("buffer");
    return cd;
}

GString *chardev_buffer_output(struct chardev *cd)
{
    return cd && cd->kind == CD_BUFFER ? cd->out : NULL;
}

void chardev_buffer_push(struct chardev *cd, const void *buf, int len)
{
    if (!cd || cd->kind != CD_BUFFER || len <= 0)
        return;
    g_byte_array_append(cd->pending, buf, (guint)len);
    deliver_pending(cd);
}
