/* SPDX-License-Identifier: GPL-2.0-or-later */
/* uart16550.c: National Semiconductor PC16550D UART, the PC COM port.
 *
 * Source: "PC16550D Universal Asynchronous Receiver/Transmitter with FIFOs",
 * National Semiconductor, June 1995 (TI SNLS378), section 8 "Registers":
 * LCR, divisor latch, LSR, FCR, IIR (table of interrupt priorities), IER,
 * MCR (loopback), MSR, "FIFO Interrupt Mode Operation", scratchpad; the
 * 16450 register set is the FIFO-disabled subset.
 *
 * Emulated: all registers with DLAB, 16-byte RX FIFO with the 1/4/8/14
 * trigger levels and FCR reset bits, IIR FIFO bits, the four interrupt
 * sources with their priorities and clearing rules, the character timeout
 * (4 character times on the virtual clock, from LCR and the divisor),
 * loopback (TX -> RX, MSR from MCR), MSR delta bits, overrun.  Transmission
 * is immediate: a byte written to THR goes to the chardev at once and
 * THRE/TEMT stay set, so the TX FIFO is always empty (no virtual baud-rate
 * pacing; serial output is as fast as the host).  The modem inputs of the
 * line read as CTS, DSR and DCD asserted, RI off (a null-modem cable to a
 * ready terminal).  Not emulated: parity/framing errors and received breaks
 * (a chardev carries bytes, not line conditions), the LCR break bit beyond
 * storing it, DMA mode (FCR3 is stored only), TXRDY/RXRDY pins, the
 * one-character delay of the first THRE indication in FIFO mode.  Bytes
 * pass whole whatever the word length: many small guests print to an
 * unprogrammed port (LCR = 0, 5-bit words) and expect their text, as they
 * get it under QEMU; the word length only sets the timeout's frame size.
 *
 * Guest quirks relied on: Linux's 8250 probe (scratch register, loopback
 * test MSR = 0x90 for MCR = LOOP|RTS|OUT2, IIR bits 6-7 = 11 after FCR
 * enable for "16550A", IIR bits 4-5 = 0 so it is not taken for a 16750,
 * THRE raised when ETBEI goes 0->1 while THR is empty, used by its THRE
 * test and start_tx); Linux and DOS programs enable the IRQ through MCR
 * OUT2, which gates the ISA line on a PC and is forced inactive in loopback.
 *
 * Threat model: guest register writes only select among fixed states; the
 * RX FIFO index and count are kept modulo/below UART_FIFO_SIZE and bytes
 * beyond the FIFO are dropped as overrun; the timeout is at least one
 * nanosecond per character so a timer cannot spin; a loaded state has its
 * FIFO length, register masks and deadline checked. */
#include <string.h>
#include "hw/char/uart16550.h"

/* Register offsets. */
enum {
    R_RBR_THR = 0, /* DLAB: DLL */
    R_IER = 1,     /* DLAB: DLM */
    R_IIR_FCR = 2,
    R_LCR = 3,
    R_MCR = 4,
    R_LSR = 5,
    R_MSR = 6,
    R_SCR = 7,
};

#define IER_ERBFI 0x01
#define IER_ETBEI 0x02
#define IER_ELSI 0x04
#define IER_EDSSI 0x08
#define IER_MASK 0x0f

#define IIR_NONE 0x01
#define IIR_MS 0x00
#define IIR_THRE 0x02
#define IIR_RDA 0x04
#define IIR_RLS 0x06
#define IIR_TIMEOUT 0x0c
#define IIR_FIFO 0xc0

#define FCR_ENABLE 0x01
#define FCR_RX_RESET 0x02
#define FCR_TX_RESET 0x04
#define FCR_DMA 0x08
#define FCR_TRIGGER 0xc0
#define FCR_STORED (FCR_ENABLE | FCR_DMA | FCR_TRIGGER)

#define LCR_WLS 0x03
#define LCR_STB 0x04
#define LCR_PEN 0x08
#define LCR_DLAB 0x80

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f

#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_PE 0x04
#define LSR_FE 0x08
#define LSR_BI 0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_RXERR 0x80
#define LSR_ERR_BITS (LSR_OE | LSR_PE | LSR_FE | LSR_BI)
#define LSR_STICKY (LSR_ERR_BITS | LSR_RXERR)

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_DELTA 0x0f
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

/* The far end of the line: a ready terminal on a null-modem cable. */
#define LINE_INPUTS (MSR_CTS | MSR_DSR | MSR_DCD)

#define UART_CLOCK_HZ 1843200 /* the PC's 1.8432 MHz crystal */
#define DEFAULT_DIVISOR 12    /* 9600 baud, what the BIOS programs */

static bool fifo_on(const struct uart16550 *s)
{
    return s->fcr & FCR_ENABLE;
}

static unsigned rx_trigger(const struct uart16550 *s)
{
    static const uint8_t levels[4] = { 1, 4, 8, 14 };
    return levels[s->fcr >> 6];
}

static unsigned rx_capacity(const struct uart16550 *s)
{
    return fifo_on(s) ? UART_FIFO_SIZE : 1;
}

/* Virtual time of one character frame: start + data + parity + stop bits,
 * each 16 baud-clock periods of divisor / 1.8432 MHz.  Half bits count the
 * 1.5 stop bits of 5-bit words. */
static int64_t char_time_ns(const struct uart16550 *s)
{
    unsigned data = 5 + (s->lcr & LCR_WLS);
    unsigned half_bits = 2 * (1 + data + !!(s->lcr & LCR_PEN));
    if (s->lcr & LCR_STB)
        half_bits += data == 5 ? 3 : 4;
    else
        half_bits += 2;
    uint64_t div = s->divisor ? s->divisor : 65536; /* 0 counts the full 16 bits */
    int64_t ns = (int64_t)(half_bits * div * 16 * (uint64_t)NS_PER_SEC / (2 * UART_CLOCK_HZ));
    return ns > 0 ? ns : 1;
}

/* MSR bits 4-7: the line, or the MCR outputs in loopback. */
static uint8_t modem_inputs(const struct uart16550 *s)
{
    if (!(s->mcr & MCR_LOOP))
        return LINE_INPUTS;
    uint8_t v = 0;
    if (s->mcr & MCR_RTS)
        v |= MSR_CTS;
    if (s->mcr & MCR_DTR)
        v |= MSR_DSR;
    if (s->mcr & MCR_OUT1)
        v |= MSR_RI;
    if (s->mcr & MCR_OUT2)
        v |= MSR_DCD;
    return v;
}

static void note_modem_change(struct uart16550 *s, uint8_t before, uint8_t after)
{
    uint8_t diff = before ^ after;
    if (diff & MSR_CTS)
        s->msr_delta |= MSR_DCTS;
    if (diff & MSR_DSR)
        s->msr_delta |= MSR_DDSR;
    if (diff & MSR_DCD)
        s->msr_delta |= MSR_DDCD;
    if ((before & MSR_RI) && !(after & MSR_RI))
        s->msr_delta |= MSR_TERI; /* trailing edge only */
}

static uint8_t lsr_value(const struct uart16550 *s)
{
    return s->lsr_err | (s->rx_count ? LSR_DR : 0) | LSR_THRE | LSR_TEMT;
}

/* The highest-priority pending interrupt, as IIR bits 0-3. */
static uint8_t iir_id(const struct uart16550 *s)
{
    if ((s->ier & IER_ELSI) && (s->lsr_err & LSR_ERR_BITS))
        return IIR_RLS;
    if (s->ier & IER_ERBFI) {
        bool rda = fifo_on(s) ? s->rx_count >= rx_trigger(s) : s->rx_count > 0;
        if (rda)
            return IIR_RDA;
        if (fifo_on(s) && s->timeout_pending)
            return IIR_TIMEOUT;
    }
    if ((s->ier & IER_ETBEI) && s->thre_pending)
        return IIR_THRE;
    if ((s->ier & IER_EDSSI) && (s->msr_delta & MSR_DELTA))
        return IIR_MS;
    return IIR_NONE;
}

/* The INTR pin reaches the ISA line through OUT2, which the PC's gate
 * needs active; loopback forces the OUT pins inactive. */
static void update_irq(struct uart16550 *s)
{
    bool gate = (s->mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;
    irq_set(&s->irq, gate && iir_id(s) != IIR_NONE);
}

/* Restart the timeout count (a character arrived or the CPU read one). */
static void restart_timeout(struct uart16550 *s)
{
    if (fifo_on(s) && s->rx_count)
        vtimer_mod(&s->timeout_timer, vclock_now(s->env->clock) + 4 * char_time_ns(s));
    else
        vtimer_del(&s->timeout_timer);
}

static void timeout_fired(void *opaque)
{
    struct uart16550 *s = opaque;
    if (fifo_on(s) && s->rx_count) {
        s->timeout_pending = true;
        update_irq(s);
    }
}

static void rx_clear(struct uart16550 *s)
{
    s->rx_head = s->rx_count = 0;
    s->timeout_pending = false;
    s->lsr_err &= (uint8_t)~LSR_RXERR;
    vtimer_del(&s->timeout_timer);
}

/* One character out of the receiver shift register. */
static void rx_push(struct uart16550 *s, uint8_t b)
{
    if (!fifo_on(s)) {
        /* 16450: the new character overwrites an unread RBR. */
        if (s->rx_count)
            s->lsr_err |= LSR_OE;
        s->rx[0] = b;
        s->rx_head = 0;
        s->rx_count = 1;
        return;
    }
    if (s->rx_count >= UART_FIFO_SIZE) {
        s->lsr_err |= LSR_OE; /* the shift register is overwritten, FIFO kept */
        return;
    }
    s->rx[(s->rx_head + s->rx_count) % UART_FIFO_SIZE] = b;
    s->rx_count++;
    if (!s->timeout_pending)
        restart_timeout(s);
}

static uint8_t rx_pop(struct uart16550 *s)
{
    if (!s->rx_count)
        return 0;
    uint8_t b = s->rx[s->rx_head];
    s->rx_head = (s->rx_head + 1) % UART_FIFO_SIZE;
    s->rx_count--;
    s->timeout_pending = false;
    restart_timeout(s);
    return b;
}

/* ---- chardev frontend ---- */

static int uart_can_read(void *opaque)
{
    struct uart16550 *s = opaque;
    if (s->mcr & MCR_LOOP)
        return 0; /* SIN is disconnected in loopback */
    return (int)(rx_capacity(s) - s->rx_count);
}

static void uart_receive(void *opaque, const uint8_t *buf, int len)
{
    struct uart16550 *s = opaque;
    if (s->mcr & MCR_LOOP)
        return;
    for (int i = 0; i < len; i++)
        rx_push(s, buf[i]);
    update_irq(s);
}

static const struct chardev_fe uart_fe_template = {
    .can_read = uart_can_read,
    .read = uart_receive,
};

/* Room appeared in the receiver: let the backend send more.  Always the
 * last thing a register handler does, since the backend may deliver
 * synchronously. */
static void kick_input(struct uart16550 *s)
{
    if (s->cd && uart_can_read(s) > 0)
        chardev_accept_input(s->cd);
}

/* ---- registers ---- */

static void transmit(struct uart16550 *s, uint8_t b)
{
    s->thre_pending = false;
    if (s->mcr & MCR_LOOP)
        rx_push(s, b);
    else if (s->cd)
        chardev_write(s->cd, &b, 1);
    /* Sent at once: THR and the shift register are empty again. */
    s->thre_pending = true;
}

static void write_fcr(struct uart16550 *s, uint8_t v)
{
    bool was_on = fifo_on(s), on = v & FCR_ENABLE;
    /* Other bits are only programmed together with FCR0. */
    s->fcr = on ? v & FCR_STORED : 0;
    if (was_on != on || (on && (v & FCR_RX_RESET)))
        rx_clear(s); /* a mode change empties both FIFOs */
    if (was_on != on)
        s->thre_pending = true; /* the first THRE after changing FCR0 is immediate */
}

static void write_mcr(struct uart16550 *s, uint8_t v)
{
    uint8_t before = modem_inputs(s);
    s->mcr = v & MCR_MASK;
    note_modem_change(s, before, modem_inputs(s));
}

static void write_ier(struct uart16550 *s, uint8_t v)
{
    v &= IER_MASK;
    /* Enabling ETBEI while THR is empty raises THRE at once. */
    if ((v & IER_ETBEI) && !(s->ier & IER_ETBEI))
        s->thre_pending = true;
    s->ier = v;
}

static void uart_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    struct uart16550 *s = opaque;
    uint8_t v = (uint8_t)val;
    bool dlab = s->lcr & LCR_DLAB;
    TRACE(s->env->log, s->trace, "%s: write %u <- 0x%02x", s->name, (unsigned)offset, v);
    switch (offset & 7) {
    case R_RBR_THR:
        if (dlab)
            s->divisor = (uint16_t)((s->divisor & 0xff00) | v);
        else
            transmit(s, v);
        break;
    case R_IER:
        if (dlab)
            s->divisor = (uint16_t)((s->divisor & 0x00ff) | v << 8);
        else
            write_ier(s, v);
        break;
    case R_IIR_FCR:
        write_fcr(s, v);
        break;
    case R_LCR:
        s->lcr = v;
        break;
    case R_MCR:
        write_mcr(s, v);
        break;
    case R_LSR:
    case R_MSR:
        log_guest_error(s->env->log, s->name, "write 0x%02x to read-only %s", v,
                        (offset & 7) == R_LSR ? "LSR" : "MSR");
        break;
    case R_SCR:
        s->scr = v;
        break;
    }
    update_irq(s);
    kick_input(s);
}

static uint8_t read_reg(struct uart16550 *s, unsigned reg)
{
    bool dlab = s->lcr & LCR_DLAB;
    uint8_t v;
    switch (reg) {
    case R_RBR_THR:
        return dlab ? (uint8_t)s->divisor : rx_pop(s);
    case R_IER:
        return dlab ? (uint8_t)(s->divisor >> 8) : s->ier;
    case R_IIR_FCR:
        v = iir_id(s);
        if (v == IIR_THRE)
            s->thre_pending = false; /* reading IIR clears THRE as the source */
        return v | (fifo_on(s) ? IIR_FIFO : 0);
    case R_LCR:
        return s->lcr;
    case R_MCR:
        return s->mcr;
    case R_LSR:
        v = lsr_value(s);
        s->lsr_err = 0;
        return v;
    case R_MSR:
        v = s->msr_delta | modem_inputs(s);
        s->msr_delta = 0;
        return v;
    default:
        return s->scr;
    }
}

static uint64_t uart_read(void *opaque, uint64_t offset, unsigned size)
{
    struct uart16550 *s = opaque;
    uint8_t v = read_reg(s, offset & 7);
    TRACE(s->env->log, s->trace, "%s: read %u -> 0x%02x", s->name, (unsigned)offset, v);
    update_irq(s);
    if ((offset & 7) == R_RBR_THR)
        kick_input(s);
    return v;
}

static const struct io_ops uart_ops = {
    .read = uart_read,
    .write = uart_write,
    .min_size = 1,
    .max_size = 1,
};

/* ---- device class ---- */

static void uart_reset(void *dev, enum reset_kind kind)
{
    struct uart16550 *s = dev;
    /* Master reset (datasheet table "UART Reset Configuration"); the
     * divisor latch and scratchpad are not touched by it, so only a cold
     * start sets them. */
    s->ier = s->lcr = s->mcr = s->fcr = 0;
    s->lsr_err = s->msr_delta = 0;
    s->thre_pending = false;
    rx_clear(s);
    if (kind == RESET_COLD) {
        s->divisor = DEFAULT_DIVISOR;
        s->scr = 0;
    }
}

static void uart_settle(void *dev)
{
    struct uart16550 *s = dev;
    update_irq(s);
    kick_input(s);
}

static void uart_save(void *dev, struct vm_writer *w)
{
    struct uart16550 *s = dev;
    uint8_t rx[UART_FIFO_SIZE];
    for (unsigned i = 0; i < s->rx_count; i++)
        rx[i] = s->rx[(s->rx_head + i) % UART_FIFO_SIZE];
    vmw_u8(w, "ier", s->ier);
    vmw_u8(w, "lcr", s->lcr);
    vmw_u8(w, "mcr", s->mcr);
    vmw_u8(w, "fcr", s->fcr);
    vmw_u8(w, "scr", s->scr);
    vmw_u8(w, "lsr_err", s->lsr_err);
    vmw_u8(w, "msr_delta", s->msr_delta);
    vmw_u16(w, "divisor", s->divisor);
    vmw_bytes(w, "rx", rx, s->rx_count);
    vmw_bool(w, "thre_pending", s->thre_pending);
    vmw_bool(w, "timeout_pending", s->timeout_pending);
    vmw_i64(w, "timeout_deadline",
            vtimer_pending(&s->timeout_timer) ? s->timeout_timer.deadline : -1);
}

static int uart_load(void *dev, struct vm_reader *r)
{
    struct uart16550 *s = dev;
    uint8_t rx[UART_FIFO_SIZE];
    size_t n = s->rx_count;
    int64_t deadline = -1;
    for (unsigned i = 0; i < s->rx_count; i++)
        rx[i] = s->rx[(s->rx_head + i) % UART_FIFO_SIZE];
    vmr_u8_max(r, "ier", &s->ier, IER_MASK);
    vmr_u8(r, "lcr", &s->lcr);
    vmr_u8_max(r, "mcr", &s->mcr, MCR_MASK);
    vmr_u8(r, "fcr", &s->fcr);
    vmr_u8(r, "scr", &s->scr);
    vmr_u8(r, "lsr_err", &s->lsr_err);
    vmr_u8_max(r, "msr_delta", &s->msr_delta, MSR_DELTA);
    vmr_u16(r, "divisor", &s->divisor);
    vmr_bytes_var(r, "rx", rx, sizeof(rx), &n);
    vmr_bool(r, "thre_pending", &s->thre_pending);
    vmr_bool(r, "timeout_pending", &s->timeout_pending);
    vmr_i64(r, "timeout_deadline", &deadline);
    if (vmr_failed(r))
        return -1;
    if (s->fcr & ~FCR_STORED)
        vmr_fail(r, "fcr", "reserved bits set in 0x%02x", s->fcr);
    else if (s->lsr_err & ~LSR_STICKY)
        vmr_fail(r, "lsr_err", "not an error bit in 0x%02x", s->lsr_err);
    else if (n > rx_capacity(s))
        vmr_fail(r, "rx", "%zu bytes in a %u-byte receiver", n, rx_capacity(s));
    else if (deadline < -1)
        vmr_fail(r, "timeout_deadline", "negative deadline %lld", (long long)deadline);
    if (vmr_failed(r))
        return -1;
    memcpy(s->rx, rx, n);
    s->rx_head = 0;
    s->rx_count = (uint8_t)n;
    if (deadline >= 0)
        vtimer_mod(&s->timeout_timer, deadline);
    else
        vtimer_del(&s->timeout_timer);
    return 0;
}

static void uart_destroy(void *dev)
{
    struct uart16550 *s = dev;
    vtimer_del(&s->timeout_timer);
    if (s->cd)
        chardev_set_fe(s->cd, NULL);
    g_free(s->name);
    g_free(s);
}

const struct dev_class uart16550_class = {
    .name = "uart16550",
    .version = 1,
    .reset = uart_reset,
    .settle = uart_settle,
    .save = uart_save,
    .load = uart_load,
    .destroy = uart_destroy,
};

struct uart16550 *uart16550_new(const struct dev_env *env, struct chardev *cd,
                                const char *name)
{
    struct uart16550 *s = g_new0(struct uart16550, 1);
    s->env = env;
    s->cd = cd;
    s->name = g_strdup(name ? name : "uart16550");
    s->trace = trace_on(env->log, "uart16550");
    vtimer_init(&s->timeout_timer, env->clock, timeout_fired, s);
    region_init_io(&s->region, s->name, 8, &uart_ops, s);
    uart_reset(s, RESET_COLD);
    if (cd) {
        struct chardev_fe fe = uart_fe_template;
        fe.opaque = s;
        chardev_set_fe(cd, &fe);
    }
    return s;
}
