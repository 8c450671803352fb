/* SPDX-License-Identifier: GPL-2.0-or-later */
/* readline.c: the human monitor's line editor (see readline.h).
 *
 * Redrawing: typing or erasing at the end of the line echoes just that
 * ("x", "\b \b"), so a dumb client sees a clean transcript; any other edit
 * redraws the whole line: CR, the prompt and the line, erase to the end of
 * the screen line (ESC [ K), then the cursor moved back (ESC [ n D).  Key
 * sequences are the VT100/xterm ones (ECMA-48 CSI and SS3 forms). */
#include <string.h>
#include "monitor/readline.h"

#define CTRL(c) ((c) & 0x1f)

static void out(struct readline *rl, const char *s)
{
    rl->write(rl->opaque, s, strlen(s));
}

static void redraw(struct readline *rl)
{
    GString *o = g_string_new("\r");
    g_string_append(o, rl->prompt);
    g_string_append_len(o, rl->line->str, (gssize)rl->line->len);
    g_string_append(o, "\033[K");
    if (rl->cursor < rl->line->len)
        g_string_append_printf(o, "\033[%zuD", rl->line->len - rl->cursor);
    rl->write(rl->opaque, o->str, o->len);
    g_string_free(o, TRUE);
}

static void set_line(struct readline *rl, const char *s)
{
    g_string_assign(rl->line, s);
    rl->cursor = rl->line->len;
    rl->overflow = false;
    redraw(rl);
}

static void insert(struct readline *rl, char c)
{
    if (rl->line->len >= RL_LINE_MAX) {
        rl->overflow = true;
        return;
    }
    g_string_insert_c(rl->line, (gssize)rl->cursor, c);
    rl->cursor++;
    if (rl->cursor == rl->line->len) {
        char echo[2] = { c, 0 };
        out(rl, echo);
    } else {
        redraw(rl);
    }
}

/* Remove [from, to) of the line; the cursor goes to from. */
static void erase(struct readline *rl, size_t from, size_t to)
{
    if (from >= to)
        return;
    bool at_end = to == rl->line->len && to - from == 1 && rl->cursor == to;
    g_string_erase(rl->line, (gssize)from, (gssize)(to - from));
    rl->cursor = from;
    if (at_end)
        out(rl, "\b \b");
    else
        redraw(rl);
}

static void move_to(struct readline *rl, size_t pos)
{
    if (pos == rl->cursor)
        return;
    char buf[32];
    if (pos < rl->cursor)
        g_snprintf(buf, sizeof(buf), "\033[%zuD", rl->cursor - pos);
    else
        g_snprintf(buf, sizeof(buf), "\033[%zuC", pos - rl->cursor);
    rl->cursor = pos;
    out(rl, buf);
}

static void kill_word(struct readline *rl)
{
    size_t p = rl->cursor;
    while (p && rl->line->str[p - 1] == ' ')
        p--;
    while (p && rl->line->str[p - 1] != ' ')
        p--;
    erase(rl, p, rl->cursor);
}

static void history_add(struct readline *rl, const char *line)
{
    if (!*line)
        return;
    GPtrArray *h = rl->history;
    if (h->len && !strcmp(h->pdata[h->len - 1], line))
        return;
    if (h->len >= RL_HISTORY)
        g_ptr_array_remove_index(h, 0);
    g_ptr_array_add(h, g_strdup(line));
}

static void history_up(struct readline *rl)
{
    GPtrArray *h = rl->history;
    if (!h->len || rl->hist_pos == 0)
        return;
    if (rl->hist_pos < 0) {
        g_free(rl->saved);
        rl->saved = g_strdup(rl->line->str);
        rl->hist_pos = (int)h->len - 1;
    } else {
        rl->hist_pos--;
    }
    set_line(rl, h->pdata[rl->hist_pos]);
}

static void history_down(struct readline *rl)
{
    if (rl->hist_pos < 0)
        return;
    if ((guint)rl->hist_pos + 1 < rl->history->len) {
        rl->hist_pos++;
        set_line(rl, rl->history->pdata[rl->hist_pos]);
    } else {
        rl->hist_pos = -1;
        set_line(rl, rl->saved ? rl->saved : "");
    }
}

static void enter(struct readline *rl)
{
    out(rl, "\r\n");
    char *line = g_strdup(rl->line->str);
    bool too_long = rl->overflow;
    readline_clear(rl);
    if (!too_long)
        history_add(rl, line);
    rl->run(rl->opaque, too_long ? NULL : line);
    g_free(line);
}

/* The final byte of ESC [ ... or ESC O ...; params are the bytes before. */
static void escape(struct readline *rl, char final)
{
    rl->seq[rl->seq_len] = 0;
    const char *p = rl->seq;
    switch (final) {
    case 'A':
        history_up(rl);
        break;
    case 'B':
        history_down(rl);
        break;
    case 'C':
        move_to(rl, MIN(rl->cursor + 1, rl->line->len));
        break;
    case 'D':
        move_to(rl, rl->cursor ? rl->cursor - 1 : 0);
        break;
    case 'H':
        move_to(rl, 0);
        break;
    case 'F':
        move_to(rl, rl->line->len);
        break;
    case '~':
        if (!strcmp(p, "1") || !strcmp(p, "7"))
            move_to(rl, 0);
        else if (!strcmp(p, "4") || !strcmp(p, "8"))
            move_to(rl, rl->line->len);
        else if (!strcmp(p, "3"))
            erase(rl, rl->cursor, MIN(rl->cursor + 1, rl->line->len));
        break;
    default:
        break;
    }
}

/* Inside an escape sequence; returns true while it goes on. */
static void escape_byte(struct readline *rl, uint8_t b)
{
    if (rl->esc == 1) {
        rl->esc = b == '[' || b == 'O' ? 2 : 0;
        rl->seq_len = 0;
        return;
    }
    if (b >= 0x40 && b <= 0x7e) { /* the final byte */
        rl->esc = 0;
        escape(rl, (char)b);
        return;
    }
    if (rl->seq_len + 1 >= RL_ESC_MAX || b < 0x20) {
        rl->esc = 0; /* not a sequence we could know: drop it */
        return;
    }
    rl->seq[rl->seq_len++] = (char)b;
}

static void control(struct readline *rl, uint8_t b)
{
    switch (b) {
    case CTRL('a'):
        move_to(rl, 0);
        break;
    case CTRL('e'):
        move_to(rl, rl->line->len);
        break;
    case CTRL('b'):
        move_to(rl, rl->cursor ? rl->cursor - 1 : 0);
        break;
    case CTRL('f'):
        move_to(rl, MIN(rl->cursor + 1, rl->line->len));
        break;
    case CTRL('k'):
        erase(rl, rl->cursor, rl->line->len);
        break;
    case CTRL('u'):
        erase(rl, 0, rl->cursor);
        break;
    case CTRL('w'):
        kill_word(rl);
        break;
    case CTRL('d'):
        erase(rl, rl->cursor, MIN(rl->cursor + 1, rl->line->len));
        break;
    case CTRL('p'):
        history_up(rl);
        break;
    case CTRL('n'):
        history_down(rl);
        break;
    case 0x7f:
    case CTRL('h'):
        if (rl->cursor)
            erase(rl, rl->cursor - 1, rl->cursor);
        break;
    case 0x1b:
        rl->esc = 1;
        break;
    default:
        break;
    }
}

static void byte(struct readline *rl, uint8_t b)
{
    bool after_cr = rl->last_cr;
    rl->last_cr = b == '\r';
    if (rl->esc) {
        escape_byte(rl, b);
    } else if (b == '\r' || b == '\n') {
        if (!(b == '\n' && after_cr))
            enter(rl);
    } else if (b >= 0x20 && b < 0x7f) {
        insert(rl, (char)b);
    } else {
        control(rl, b);
    }
}

void readline_input(struct readline *rl, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        byte(rl, buf[i]);
}

void readline_clear(struct readline *rl)
{
    g_string_truncate(rl->line, 0);
    rl->cursor = 0;
    rl->overflow = false;
    rl->hist_pos = -1;
    rl->esc = 0;
    rl->seq_len = 0;
    g_free(rl->saved);
    rl->saved = NULL;
}

void readline_init(struct readline *rl, const char *prompt,
                   void (*write)(void *, const char *, size_t),
                   void (*run)(void *, const char *), void *opaque)
{
    memset(rl, 0, sizeof(*rl));
    rl->line = g_string_new(NULL);
    rl->history = g_ptr_array_new_with_free_func(g_free);
    rl->hist_pos = -1;
    rl->prompt = prompt;
    rl->write = write;
    rl->run = run;
    rl->opaque = opaque;
}

void readline_free(struct readline *rl)
{
    g_string_free(rl->line, TRUE);
    g_ptr_array_free(rl->history, TRUE);
    g_free(rl->saved);
}
