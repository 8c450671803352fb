#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# -icount shift=N on the soft CPU: virtual time advances with executed
# instructions, so two runs of the same guest are identical byte for byte,
# down to the TSC values it prints, and timers (PIT, RTC, LAPIC) still work.
. "$(dirname "$0")/lib.sh"
K=$GUESTS/kernels
for shift in 0 3; do
    for run in 1 2; do
        st=$(run_hvemu "$TMP/ic-$shift-$run" 120 -accel soft -icount shift=$shift -smp 2 \
            -rtc base=2020-01-02T03:04:05 -display none -serial stdio \
            -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$K/lm64.elf" -append "hello smp")
        expect_status "$st" 1 "$TMP/ic-$shift-$run"
    done
    log=$TMP/ic-$shift-1
    for check in pic-pit-irq0 pic-rtc-irq8 ioapic-pit-gsi2 ioapic-rtc-gsi8 rdtsc 'smp 2 cpus'; do
        expect_line "$log" "^ok $check"
    done
    expect_line "$log" '^RTC 2020-01-02 03:04:05$'
    expect_no_line "$log" '^FAIL'
    cmp -s "$TMP/ic-$shift-1" "$TMP/ic-$shift-2" ||
        { diff "$TMP/ic-$shift-1" "$TMP/ic-$shift-2" | head; fail "shift=$shift: two runs differ"; }
    echo "-icount shift=$shift: two identical runs, every check passed"
done
