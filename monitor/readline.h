/* SPDX-License-Identifier: GPL-2.0-or-later */
/* readline.h: the human monitor's line editor, for a terminal (or a socket
 * client) that sends raw key bytes and understands VT100/ANSI cursor
 * sequences, as QEMU's monitor does.
 *
 * Keys: printable ASCII inserts at the cursor; Left/Right (ESC [ D / C,
 * ESC O D / C, Ctrl-B / Ctrl-F), Home/End (ESC [ H / F, ESC [ 1~ / 4~,
 * ESC [ 7~ / 8~, ESC O H / F, Ctrl-A / Ctrl-E); Backspace (0x7f, 0x08)
 * erases before the cursor, Delete (ESC [ 3~, Ctrl-D) at it; Ctrl-K kills
 * to the end, Ctrl-U to the start, Ctrl-W the word before the cursor;
 * Up/Down (ESC [ A / B, ESC O A / B, Ctrl-P / Ctrl-N) walk the history of
 * this session (the line being typed is kept while browsing); Enter (CR or
 * LF; CR LF counts once) runs the line.  Other control bytes and unknown
 * escape sequences are ignored.
 *
 * Threat model: the bytes come from whoever holds the monitor socket.  A
 * line holds at most RL_LINE_MAX bytes (a longer line is refused: its
 * Enter runs nothing and reports it); the history keeps at most RL_HISTORY
 * lines; an escape sequence is at most RL_ESC_MAX bytes before it is
 * dropped. */
#ifndef MONITOR_READLINE_H
#define MONITOR_READLINE_H

#include <glib.h>
#include "core/base.h"

#define RL_LINE_MAX 1024
#define RL_HISTORY 128
#define RL_ESC_MAX 16

struct readline {
    GString *line;
    size_t cursor;
    GPtrArray *history;  /* char *, oldest first */
    int hist_pos;        /* -1: editing a new line */
    char *saved;         /* the new line while browsing the history */
    bool overflow;       /* the line outgrew RL_LINE_MAX */
    bool last_cr;        /* the previous byte was CR (CR LF is one Enter) */
    int esc;             /* 0, 1 after ESC, 2 inside ESC [ or ESC O */
    char seq[RL_ESC_MAX];
    unsigned seq_len;
    const char *prompt;
    /* Terminal output (raw bytes: the caller sends them as they are). */
    void (*write)(void *opaque, const char *s, size_t len);
    /* A complete line (NULL: it was too long). */
    void (*run)(void *opaque, const char *line);
    void *opaque;
};

void readline_init(struct readline *rl, const char *prompt,
                   void (*write)(void *, const char *, size_t),
                   void (*run)(void *, const char *), void *opaque);
void readline_free(struct readline *rl);
/* Forget the line being typed (a new client): the history stays. */
void readline_clear(struct readline *rl);
void readline_input(struct readline *rl, const uint8_t *buf, size_t len);

#endif
