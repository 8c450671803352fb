/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-uart16550.c: the PC16550D as Linux's 8250 driver and DOS programs
 * drive it, through the real port-I/O dispatcher and a buffer chardev. */
#include <string.h>
#include "hw/char/uart16550.h"
#include "tests/support/testenv.h"

#define BASE 0x3f8
#define IRQ 4
enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4,
       LSR = 5, MSR = 6, SCR = 7 };

struct fix {
    struct test_env *t;
    struct chardev *cd;
    struct uart16550 *s;
};

static void fix_init(struct fix *f, bool with_cd)
{
    f->t = test_env_new(0);
    f->cd = with_cd ? chardev_new_buffer("com1") : NULL;
    f->s = uart16550_new(&f->t->env, f->cd, "com1");
    as_add(&f->t->io, &f->s->region, BASE, 0);
    as_commit(&f->t->io);
    test_irq_connect(f->t, &f->s->irq, IRQ);
}

static void fix_done(struct fix *f)
{
    uart16550_class.destroy(f->s);
    chardev_free(f->cd);
    test_env_free(f->t);
}

static uint8_t in(struct fix *f, int reg)
{
    return test_inb(f->t, (uint16_t)(BASE + reg));
}

static void out(struct fix *f, int reg, uint8_t v)
{
    test_outb(f->t, (uint16_t)(BASE + reg), v);
}

static int irq(struct fix *f)
{
    return f->t->irq.level[IRQ];
}

static const char *output(struct fix *f)
{
    return chardev_buffer_output(f->cd)->str;
}

static void push(struct fix *f, const char *s)
{
    pthread_mutex_lock(&f->t->lock);
    chardev_buffer_push(f->cd, s, (int)strlen(s));
    pthread_mutex_unlock(&f->t->lock);
}

/* 115200 8N1, the way both Linux and a DOS terminal program set it up. */
static void set_line(struct fix *f, uint16_t divisor, uint8_t lcr)
{
    out(f, LCR, 0x80 | lcr);
    out(f, DLL, (uint8_t)divisor);
    out(f, DLM, (uint8_t)(divisor >> 8));
    out(f, LCR, lcr);
}

/* One character time at this divisor and frame, in ns. */
static int64_t char_ns(int bits, uint16_t divisor)
{
    return (int64_t)bits * divisor * 16 * NS_PER_SEC / 1843200;
}

static void test_reset_values(void)
{
    struct fix f;
    fix_init(&f, true);
    g_assert_cmphex(in(&f, IER), ==, 0x00);
    g_assert_cmphex(in(&f, IIR), ==, 0x01);
    g_assert_cmphex(in(&f, LCR), ==, 0x00);
    g_assert_cmphex(in(&f, MCR), ==, 0x00);
    g_assert_cmphex(in(&f, LSR), ==, 0x60);
    g_assert_cmphex(in(&f, MSR), ==, 0xb0); /* CTS DSR DCD from the line */
    out(&f, LCR, 0x80);
    g_assert_cmphex(in(&f, DLL), ==, 12); /* 9600 baud */
    g_assert_cmphex(in(&f, DLM), ==, 0);
    g_assert_cmpint(irq(&f), ==, 0);
    fix_done(&f);
}

/* Linux's 8250 autoconfig: IER scratch, loopback MSR test, FIFO probe. */
static void test_linux_probe(void)
{
    struct fix f;
    fix_init(&f, true);
    out(&f, IER, 0x0f);
    g_assert_cmphex(in(&f, IER), ==, 0x0f);
    out(&f, IER, 0xff);
    g_assert_cmphex(in(&f, IER), ==, 0x0f); /* bits 4-7 are always 0 */
    out(&f, IER, 0);
    out(&f, SCR, 0xa5);
    g_assert_cmphex(in(&f, SCR), ==, 0xa5);
    out(&f, SCR, 0x5a);
    g_assert_cmphex(in(&f, SCR), ==, 0x5a);

    out(&f, MCR, 0x10 | 0x0a); /* LOOP | OUT2 | RTS */
    g_assert_cmphex(in(&f, MSR) & 0xf0, ==, 0x90);
    out(&f, MCR, 0);

    out(&f, FCR, 0x01);
    g_assert_cmphex(in(&f, IIR) >> 6, ==, 3); /* 16550A */
    /* The 16750 probe: 64-byte FIFO bit with DLAB set must not stick. */
    out(&f, LCR, 0xbf);
    out(&f, FCR, 0x21);
    out(&f, LCR, 0x03);
    g_assert_cmphex(in(&f, IIR) & 0x30, ==, 0);
    fix_done(&f);
}

/* Linux's THRE test: ETBEI 0->1 with an empty THR raises THRE each time. */
static void test_thre_on_enable(void)
{
    struct fix f;
    fix_init(&f, true);
    out(&f, MCR, 0x0b);
    out(&f, IER, 0x02);
    g_assert_cmphex(in(&f, IIR), ==, 0x02);
    g_assert_cmphex(in(&f, IIR), ==, 0x01); /* the IIR read cleared it */
    out(&f, IER, 0x00);
    out(&f, IER, 0x02);
    g_assert_cmphex(in(&f, IIR), ==, 0x02);
    /* Rewriting IER without a 0->1 change does not re-raise. */
    out(&f, IER, 0x02);
    g_assert_cmphex(in(&f, IIR), ==, 0x01);
    fix_done(&f);
}

/* A DOS program: divisor, 8N1, DTR|RTS|OUT2, THRE interrupts, poll LSR. */
static void test_dos_transmit(void)
{
    struct fix f;
    fix_init(&f, true);
    set_line(&f, 0x0c, 0x03);
    out(&f, LCR, 0x83);
    g_assert_cmphex(in(&f, DLL), ==, 0x0c);
    g_assert_cmphex(in(&f, DLM), ==, 0x00);
    out(&f, LCR, 0x03);
    out(&f, MCR, 0x0b);
    out(&f, IER, 0x02);
    g_assert_cmpint(irq(&f), ==, 1);
    int raises = f.t->irq.raises[IRQ];
    g_assert_cmphex(in(&f, IIR), ==, 0x02);
    g_assert_cmpint(irq(&f), ==, 0);
    const char *msg = "Hello";
    for (const char *p = msg; *p; p++) {
        g_assert_cmphex(in(&f, LSR) & 0x20, ==, 0x20);
        out(&f, THR, (uint8_t)*p);
        /* Sent at once: THRE and TEMT set, THRE interrupt again. */
        g_assert_cmphex(in(&f, LSR), ==, 0x60);
        g_assert_cmpint(irq(&f), ==, 1);
        g_assert_cmphex(in(&f, IIR), ==, 0x02);
    }
    g_assert_cmpstr(output(&f), ==, "Hello");
    g_assert_cmpint(f.t->irq.raises[IRQ], ==, raises + 5);
    /* Writing THR also clears the latched THRE before resetting it. */
    out(&f, IER, 0);
    g_assert_cmpint(irq(&f), ==, 0);
    fix_done(&f);
}

static void test_out2_gating(void)
{
    struct fix f;
    fix_init(&f, true);
    out(&f, MCR, 0x03); /* DTR RTS, no OUT2 */
    out(&f, IER, 0x02);
    g_assert_cmphex(in(&f, IIR) & 0x0f, ==, 0x02); /* pending in the chip ... */
    g_assert_cmpint(irq(&f), ==, 0);               /* ... but not on the ISA line */
    out(&f, IER, 0x00);
    out(&f, IER, 0x02);
    out(&f, MCR, 0x0b);
    g_assert_cmpint(irq(&f), ==, 1);
    out(&f, MCR, 0x03);
    g_assert_cmpint(irq(&f), ==, 0);
    /* Loopback forces OUT2 inactive on the pin. */
    out(&f, MCR, 0x1b);
    g_assert_cmpint(irq(&f), ==, 0);
    out(&f, MCR, 0x0b);
    g_assert_cmpint(irq(&f), ==, 1);
    fix_done(&f);
}

/* 16450 mode: one-byte RBR, the host backs off while it is full. */
static void test_rx_16450(void)
{
    struct fix f;
    fix_init(&f, true);
    set_line(&f, 1, 0x03);
    out(&f, MCR, 0x0b);
    out(&f, IER, 0x01);
    push(&f, "ab");
    g_assert_cmphex(in(&f, LSR) & 0x03, ==, 0x01); /* DR, no overrun */
    g_assert_cmpint(irq(&f), ==, 1);
    g_assert_cmphex(in(&f, IIR), ==, 0x04);
    g_assert_cmphex(in(&f, RBR), ==, 'a');
    /* 'b' was queued in the chardev and delivered after the read. */
    g_assert_cmphex(in(&f, IIR), ==, 0x04);
    g_assert_cmphex(in(&f, RBR), ==, 'b');
    g_assert_cmphex(in(&f, IIR), ==, 0x01);
    g_assert_cmphex(in(&f, LSR) & 0x01, ==, 0);
    g_assert_cmpint(irq(&f), ==, 0);
    /* No timeout interrupt without FIFOs. */
    push(&f, "c");
    out(&f, IER, 0x01);
    test_step(f.t, NS_PER_SEC);
    g_assert_cmphex(in(&f, IIR), ==, 0x04);
    fix_done(&f);
}

static void test_rx_trigger_levels(void)
{
    static const struct {
        uint8_t fcr;
        int level;
    } cases[] = { { 0x01, 1 }, { 0x41, 4 }, { 0x81, 8 }, { 0xc1, 14 } };
    for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
        struct fix f;
        fix_init(&f, true);
        set_line(&f, 1, 0x03);
        out(&f, FCR, cases[c].fcr | 0x06);
        out(&f, MCR, 0x0b);
        out(&f, IER, 0x01);
        for (int i = 1; i < cases[c].level; i++) {
            push(&f, "x");
            g_assert_cmphex(in(&f, IIR), ==, 0xc1);
            g_assert_cmpint(irq(&f), ==, 0);
        }
        push(&f, "y");
        g_assert_cmphex(in(&f, IIR), ==, 0xc4);
        g_assert_cmpint(irq(&f), ==, 1);
        in(&f, RBR);
        /* Below the trigger again: RDA drops. */
        g_assert_cmphex(in(&f, IIR), ==, 0xc1);
        g_assert_cmpint(irq(&f), ==, 0);
        fix_done(&f);
    }
}

static void test_rx_timeout(void)
{
    struct fix f;
    fix_init(&f, true);
    set_line(&f, 1, 0x03); /* 115200 8N1: 10 bits per character */
    out(&f, FCR, 0xc7);    /* trigger 14 */
    out(&f, MCR, 0x0b);
    out(&f, IER, 0x01);
    int64_t four = 4 * char_ns(10, 1);
    push(&f, "abc");
    test_step(f.t, four - 100);
    g_assert_cmphex(in(&f, IIR), ==, 0xc1);
    /* A new character restarts the count. */
    push(&f, "d");
    test_step(f.t, four - 100);
    g_assert_cmphex(in(&f, IIR), ==, 0xc1);
    test_step(f.t, 200);
    g_assert_cmphex(in(&f, IIR), ==, 0xcc);
    g_assert_cmpint(irq(&f), ==, 1);
    /* IIR reads do not clear it; reading RBR does. */
    g_assert_cmphex(in(&f, IIR), ==, 0xcc);
    g_assert_cmphex(in(&f, RBR), ==, 'a');
    g_assert_cmphex(in(&f, IIR), ==, 0xc1);
    g_assert_cmpint(irq(&f), ==, 0);
    test_step(f.t, four);
    g_assert_cmphex(in(&f, IIR), ==, 0xcc);
    /* A slower line waits longer: 7E2 at 2400 baud is 11 bits/char. */
    for (int i = 0; i < 3; i++)
        in(&f, RBR);
    g_assert_cmphex(in(&f, LSR) & 0x01, ==, 0);
    set_line(&f, 0x30, 0x1e);
    push(&f, "z");
    test_step(f.t, 4 * char_ns(11, 0x30) - 1000);
    g_assert_cmphex(in(&f, IIR), ==, 0xc1);
    test_step(f.t, 2000);
    g_assert_cmphex(in(&f, IIR), ==, 0xcc);
    g_assert_cmphex(in(&f, RBR), ==, 'z');
    /* Empty FIFO: no timeout. */
    test_step(f.t, NS_PER_SEC);
    g_assert_cmphex(in(&f, IIR), ==, 0xc1);
    fix_done(&f);
}

/* A full FIFO back-pressures the host; draining it lets the rest in. */
static void test_rx_backpressure(void)
{
    struct fix f;
    fix_init(&f, true);
    out(&f, FCR, 0x01);
    push(&f, "0123456789abcdefGHIJ");
    g_assert_cmphex(in(&f, LSR) & 0x03, ==, 0x01); /* no overrun */
    char got[21] = { 0 };
    for (int i = 0; i < 20; i++) {
        g_assert_cmphex(in(&f, LSR) & 0x01, ==, 1);
        got[i] = (char)in(&f, RBR);
    }
    g_assert_cmpstr(got, ==, "0123456789abcdefGHIJ");
    g_assert_cmphex(in(&f, LSR) & 0x01, ==, 0);
    g_assert_cmphex(in(&f, LSR) & 0x02, ==, 0);
    fix_done(&f);
}

static void test_loopback(void)
{
    struct fix f;
    fix_init(&f, true);
    out(&f, FCR, 0x07);
    out(&f, MCR, 0x10);
    out(&f, THR, 'Q');
    out(&f, THR, 'R');
    g_assert_cmphex(in(&f, LSR) & 0x61, ==, 0x61);
    g_assert_cmphex(in(&f, RBR), ==, 'Q');
    g_assert_cmphex(in(&f, RBR), ==, 'R');
    g_assert_cmpstr(output(&f), ==, ""); /* nothing on the line */
    /* Line input waits while the receiver is looped. */
    push(&f, "in");
    g_assert_cmphex(in(&f, LSR) & 0x01, ==, 0);
    out(&f, MCR, 0x00);
    g_assert_cmphex(in(&f, RBR), ==, 'i');
    g_assert_cmphex(in(&f, RBR), ==, 'n');
    out(&f, THR, 'S');
    g_assert_cmpstr(output(&f), ==, "S");
    fix_done(&f);
}

static void test_overrun_and_lsr(void)
{
    struct fix f;
    fix_init(&f, true);
    out(&f, FCR, 0x01);
    out(&f, MCR, 0x10);
    out(&f, IER, 0x05); /* RDA + line status */
    for (int i = 0; i < 17; i++)
        out(&f, THR, (uint8_t)('A' + i));
    g_assert_cmphex(in(&f, IIR), ==, 0xc6); /* line status beats RDA */
    g_assert_cmphex(in(&f, LSR), ==, 0x63); /* OE DR THRE TEMT */
    g_assert_cmphex(in(&f, LSR), ==, 0x61); /* reading LSR cleared OE */
    g_assert_cmphex(in(&f, IIR), ==, 0xc4);
    for (int i = 0; i < 16; i++)
        g_assert_cmphex(in(&f, RBR), ==, 'A' + i); /* the 17th was lost */
    g_assert_cmphex(in(&f, IIR), ==, 0xc1);

    /* 16450 mode: the new character replaces the unread one. */
    out(&f, FCR, 0x00);
    out(&f, THR, 'x');
    out(&f, THR, 'y');
    g_assert_cmphex(in(&f, LSR), ==, 0x63);
    g_assert_cmphex(in(&f, RBR), ==, 'y');
    g_assert_cmphex(in(&f, LSR), ==, 0x60);
    fix_done(&f);
}

static void test_msr_deltas(void)
{
    struct fix f;
    fix_init(&f, true);
    out(&f, IER, 0x08);
    out(&f, MCR, 0x10 | 0x08); /* loop, OUT2 */
    /* Entering loopback dropped CTS and DSR and kept DCD (= OUT2). */
    g_assert_cmphex(in(&f, IIR), ==, 0x00);
    g_assert_cmphex(in(&f, MSR), ==, 0x83);
    g_assert_cmphex(in(&f, IIR), ==, 0x01); /* reading MSR cleared it */
    g_assert_cmphex(in(&f, MSR), ==, 0x80);
    out(&f, MCR, 0x10 | 0x08 | 0x04); /* OUT1 -> RI */
    g_assert_cmphex(in(&f, MSR), ==, 0xc0); /* leading edge: no TERI */
    out(&f, MCR, 0x10 | 0x08);
    g_assert_cmphex(in(&f, MSR), ==, 0x84); /* trailing edge: TERI */
    out(&f, MCR, 0x10 | 0x08 | 0x03);
    g_assert_cmphex(in(&f, MSR), ==, 0xb3);
    /* The interrupt is gated off in loopback; out of it, it shows. */
    out(&f, MCR, 0x08);
    g_assert_cmphex(in(&f, IIR), ==, 0x01); /* CTS DSR DCD unchanged */
    g_assert_cmpint(irq(&f), ==, 0);
    out(&f, MCR, 0x18);
    out(&f, MCR, 0x08);
    g_assert_cmpint(irq(&f), ==, 1);
    g_assert_cmphex(in(&f, MSR), ==, 0xb3);
    g_assert_cmpint(irq(&f), ==, 0);
    fix_done(&f);
}

/* Interrupt priorities: RLS > RDA > THRE > MS. */
static void test_priorities(void)
{
    struct fix f;
    fix_init(&f, true);
    out(&f, FCR, 0x01);
    out(&f, IER, 0x0f);
    out(&f, MCR, 0x18);
    for (int i = 0; i < 17; i++)
        out(&f, THR, 'a');
    g_assert_cmphex(in(&f, IIR), ==, 0xc6);
    in(&f, LSR);
    g_assert_cmphex(in(&f, IIR), ==, 0xc4);
    for (int i = 0; i < 16; i++)
        in(&f, RBR);
    g_assert_cmphex(in(&f, IIR), ==, 0xc2);
    g_assert_cmphex(in(&f, IIR), ==, 0xc0); /* THRE cleared by the read; MS left */
    in(&f, MSR);
    g_assert_cmphex(in(&f, IIR), ==, 0xc1);
    fix_done(&f);
}

static void test_fifo_reset_and_word_length(void)
{
    struct fix f;
    fix_init(&f, true);
    out(&f, FCR, 0x01);
    push(&f, "abc");
    out(&f, FCR, 0x03); /* RX reset */
    g_assert_cmphex(in(&f, LSR) & 0x01, ==, 0);
    push(&f, "d");
    out(&f, FCR, 0x00); /* leaving FIFO mode empties the FIFO */
    g_assert_cmphex(in(&f, LSR) & 0x01, ==, 0);
    /* Writing FCR bits without FCR0 programs nothing. */
    out(&f, FCR, 0xc0);
    g_assert_cmphex(in(&f, IIR) & 0xc0, ==, 0);
    /* Whole bytes pass whatever the word length (unprogrammed guests). */
    out(&f, LCR, 0x00); /* 5 data bits, the reset value */
    out(&f, THR, 0xff);
    GString *o = chardev_buffer_output(f.cd);
    g_assert_cmpuint(o->len, ==, 1);
    g_assert_cmphex((uint8_t)o->str[0], ==, 0xff);
    fix_done(&f);
}

static void test_no_chardev(void)
{
    struct fix f;
    fix_init(&f, false);
    out(&f, THR, 'x');
    g_assert_cmphex(in(&f, LSR), ==, 0x60);
    g_assert_cmphex(in(&f, RBR), ==, 0);
    out(&f, MCR, 0x10);
    out(&f, THR, 'y');
    g_assert_cmphex(in(&f, RBR), ==, 'y');
    fix_done(&f);
}

static void test_generic(void)
{
    struct fix f, g;
    fix_init(&f, true);
    fix_init(&g, true);
    test_dev_reset_idempotent(&uart16550_class, f.s);
    /* A busy state: FIFO data, timer armed, sticky bits, odd divisor. */
    set_line(&f, 0x123, 0x1b);
    out(&f, FCR, 0x81);
    out(&f, IER, 0x0f);
    out(&f, SCR, 0x42);
    push(&f, "hello");
    out(&f, MCR, 0x1f);
    out(&f, MCR, 0x0b);
    g_assert_true(vtimer_pending(&f.s->timeout_timer));
    test_dev_roundtrip(&uart16550_class, f.s, g.s);
    /* The loaded copy behaves the same: data, timeout deadline. */
    g_assert_cmphex(test_inb(g.t, BASE + LSR) & 1, ==, 1);
    g_assert_cmphex(test_inb(g.t, BASE + RBR), ==, 'h');
    g_assert_cmphex(test_inb(g.t, BASE + SCR), ==, 0x42);
    /* Warm reset keeps the divisor and scratchpad, clears the rest. */
    uart16550_class.reset(f.s, RESET_WARM);
    uart16550_class.settle(f.s);
    g_assert_cmphex(in(&f, SCR), ==, 0x42);
    g_assert_cmphex(in(&f, LSR), ==, 0x60);
    g_assert_cmpint(irq(&f), ==, 0);
    g_assert_false(vtimer_pending(&f.s->timeout_timer));
    fix_done(&f);
    fix_done(&g);
}

static int load_blob(struct fix *f, void (*fill)(struct vm_writer *w))
{
    struct vm_writer w;
    size_t n;
    g_assert_cmpint(vmw_begin(&w), ==, 0);
    vmw_node_begin(&w, "dev");
    fill(&w);
    vmw_node_end(&w);
    void *blob = vmw_finish(&w, &n);
    char err[200];
    int rc = test_dev_load(&uart16550_class, f->s, blob, n, err, sizeof(err));
    g_free(blob);
    return rc;
}

static void bad_ier(struct vm_writer *w) { vmw_u8(w, "ier", 0x10); }
static void bad_mcr(struct vm_writer *w) { vmw_u8(w, "mcr", 0x20); }
static void bad_fcr(struct vm_writer *w) { vmw_u8(w, "fcr", 0x02); }
static void bad_lsr(struct vm_writer *w) { vmw_u8(w, "lsr_err", 0x21); }
static void bad_msr(struct vm_writer *w) { vmw_u8(w, "msr_delta", 0x10); }
static void bad_deadline(struct vm_writer *w) { vmw_i64(w, "timeout_deadline", -5); }
static void bad_rx_size(struct vm_writer *w)
{
    uint8_t b[17] = { 0 };
    vmw_u8(w, "fcr", 0x01);
    vmw_bytes(w, "rx", b, sizeof(b));
}
static void bad_rx_16450(struct vm_writer *w)
{
    vmw_u8(w, "fcr", 0x00);
    vmw_bytes(w, "rx", "ab", 2);
}
static void bad_width(struct vm_writer *w) { vmw_u32(w, "ier", 1); }
static void good_partial(struct vm_writer *w)
{
    vmw_u8(w, "fcr", 0xc1);
    vmw_bytes(w, "rx", "xyz", 3);
}

static void test_load_rejects(void)
{
    void (*bad[])(struct vm_writer *) = { bad_ier, bad_mcr, bad_fcr, bad_lsr, bad_msr,
                                          bad_deadline, bad_rx_size, bad_rx_16450, bad_width };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        struct fix f;
        fix_init(&f, true);
        g_assert_cmpint(load_blob(&f, bad[i]), ==, -1);
        fix_done(&f);
    }
    /* Missing properties keep their defaults. */
    struct fix f;
    fix_init(&f, true);
    g_assert_cmpint(load_blob(&f, good_partial), ==, 0);
    uart16550_class.settle(f.s);
    g_assert_cmphex(in(&f, IIR), ==, 0xc1);
    g_assert_cmphex(in(&f, RBR), ==, 'x');
    g_assert_cmphex(in(&f, RBR), ==, 'y');
    g_assert_cmphex(in(&f, RBR), ==, 'z');
    g_assert_cmphex(in(&f, LSR), ==, 0x60);
    fix_done(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/uart16550/reset-values", test_reset_values);
    g_test_add_func("/uart16550/linux-probe", test_linux_probe);
    g_test_add_func("/uart16550/thre-on-enable", test_thre_on_enable);
    g_test_add_func("/uart16550/dos-transmit", test_dos_transmit);
    g_test_add_func("/uart16550/out2-gating", test_out2_gating);
    g_test_add_func("/uart16550/rx-16450", test_rx_16450);
    g_test_add_func("/uart16550/rx-trigger-levels", test_rx_trigger_levels);
    g_test_add_func("/uart16550/rx-timeout", test_rx_timeout);
    g_test_add_func("/uart16550/rx-backpressure", test_rx_backpressure);
    g_test_add_func("/uart16550/loopback", test_loopback);
    g_test_add_func("/uart16550/overrun-lsr", test_overrun_and_lsr);
    g_test_add_func("/uart16550/msr-deltas", test_msr_deltas);
    g_test_add_func("/uart16550/priorities", test_priorities);
    g_test_add_func("/uart16550/fifo-reset-word-length", test_fifo_reset_and_word_length);
    g_test_add_func("/uart16550/no-chardev", test_no_chardev);
    g_test_add_func("/uart16550/generic", test_generic);
    g_test_add_func("/uart16550/load-rejects", test_load_rejects);
    return g_test_run();
}
