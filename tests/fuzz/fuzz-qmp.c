/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QMP input is untrusted: fuzz the engine (framing, JSON parsing, request
 * checks, argument checks) and every command behind it, on a machine with
 * the test accelerator and two sessions on buffer chardevs.  The input is
 * a program: op byte, then for "push" ops a length byte and that many
 * bytes of client input.  Session 1 is a QMP or an HMP session, chosen by
 * the input length, so the human monitor's parser is fuzzed too.  Run-state requests (quit, stop, reset...) only
 * set flags; the "main loop" op carries them out with
 * runstate_handle_requests, which never exits the process.  Session 0
 * starts negotiated so short inputs reach the commands.  The monitor has a
 * PS/2 keyboard, so send-key and sendkey reach the key sequencer; an op
 * steps the virtual clock (releasing held keys) and reads the keyboard. */
#include <string.h>
#include "core/chardev.h"
#include "core/runstate.h"
#include "cpu/accel.h"
#include "hw/input/ps2.h"
#include "monitor/monitor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void push(struct chardev *cd, const uint8_t *buf, size_t len)
{
    chardev_buffer_push(cd, buf, (int)len);
    /* Keep output bounded; its content is checked by the unit tests. */
    GString *out = chardev_buffer_output(cd);
    if (out->len > 65536)
        g_string_truncate(out, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *err = NULL;
    struct machine *m = machine_new(1 * MiB, VCLOCK_MANUAL, &err);
    if (!m)
        __builtin_trap();
    m->accel = &accel_test;
    m->accel->init(m, &err);
    struct monitor *mon = monitor_new(m);
    struct ps2_port port = { NULL, NULL };
    struct ps2_kbd *kbd = ps2_kbd_new(&m->env, &port);
    ps2_kbd_reset(kbd);
    monitor_set_keyboard(mon, kbd);
    struct chardev *cd[2] = { chardev_new_buffer("qmp0"), chardev_new_buffer("qmp1") };
    monitor_add_qmp(mon, cd[0], false);
    /* Session 1 is QMP, or (half the inputs) the human monitor, so raw
     * bytes also reach the HMP line editor and command parser. */
    if (size & 2)
        monitor_add_hmp(mon, cd[1]);
    else
        monitor_add_qmp(mon, cd[1], size & 1);
    monitor_register_chardev(mon, cd[0]);
    if (runstate_start(m, size % 3 != 0, &err))
        __builtin_trap();
    static const char neg[] = "{\"execute\": \"qmp_capabilities\"}";
    push(cd[0], (const uint8_t *)neg, sizeof(neg) - 1);
    size_t i = 0;
    while (i < size) {
        uint8_t op = data[i++];
        switch (op & 3) {
        case 0:
        case 1: {
            size_t len = i < size ? data[i++] : 0;
            if (len > size - i)
                len = size - i;
            push(cd[op & 1], data + i, len);
            i += len;
            break;
        }
        case 2:
            runstate_handle_requests(m);
            break;
        case 3:
            m->no_shutdown = op & 4;
            m->no_reboot = op & 8;
            if (op & 16)
                machine_request(m, REQ_POWEROFF, 0);
            if (op & 32)
                machine_request(m, REQ_RESET, 0);
            if (op & 64) {
                /* The host reads a few scan codes; time passes. */
                for (int k = 0; k < 8 && ps2_kbd_has_data(kbd); k++)
                    ps2_kbd_read(kbd);
                vclock_step(&m->clock, (int64_t)(op >> 4) * 20000000);
            }
            break;
        }
    }
    runstate_handle_requests(m);
    monitor_free(mon);
    ps2_kbd_free(kbd);
    machine_free(m);
    chardev_free(cd[0]);
    chardev_free(cd[1]);
    return 0;
}
