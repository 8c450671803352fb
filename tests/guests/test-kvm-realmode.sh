#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The project's real-mode guest as the firmware image (-bios), under KVM:
# reset vector, COM1, RTC, PIC+PIT and RTC interrupts, string PIO, fw_cfg,
# ROM write protection; exits through isa-debug-exit.
. "$(dirname "$0")/lib.sh"
need_kvm
log=$TMP/serial
st=$(run_hvemu "$log" 60 -accel kvm -display none -serial stdio \
    -rtc base=2020-01-02T03:04:05 \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 -bios "$GUESTS/kernels/realmode.bin")
expect_status "$st" 1 "$log" # isa-debug-exit: value 0 -> (0<<1)|1
expect_line "$log" '^realmode: '
for check in rom-alias-4g rtc-read pic-pit-irq0 pic-rtc-irq8 'rep-outsb' fw_cfg-signature rom-readonly; do
    expect_line "$log" "^ok $check"
done
# -rtc base is what the guest reads (a few seconds may pass).
expect_line "$log" '^RTC 2020-01-02 03:04:(0[5-9]|1[0-9])$'
expect_no_line "$log" '^FAIL'
expect_line "$log" '^DONE$'
echo "real-mode guest passed"
