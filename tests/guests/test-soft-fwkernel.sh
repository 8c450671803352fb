#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# -kernel behind the firmware on the soft CPU: with -bios, SeaBIOS runs
# hvemu's option ROM (firmware/linuxboot.S, first in "bootorder"), which
# loads Debian's kernel, initrd and command line from fw_cfg and enters the
# real-mode setup code; the guest runs its smoke test.
. "$(dirname "$0")/lib.sh"
L=$GUESTS/linux
SEABIOS=/usr/share/seabios/bios-256k.bin
[ -f "$L/vmlinuz" ] && [ -f "$L/initrd.gz" ] || fail "the Linux test guest is not built (make guest-linux)"
[ -r "$SEABIOS" ] || fail "$SEABIOS missing (scripts/install-deps installs Debian package seabios)"
log=$TMP/fwkernel
st=$(run_hvemu "$log" 900 -accel soft -m 512M -display none -serial stdio -no-reboot \
    -bios "$SEABIOS" -debugcon "file:$TMP/dcon" -kernel "$L/vmlinuz" -initrd "$L/initrd.gz" \
    -append "console=ttyS0 hvemu.test=smoke hvemu.end=reboot panic=-1")
expect_status "$st" 0 "$log"
expect_line "$TMP/dcon" '^Searching bootorder for: /rom@genroms/linuxboot\.bin$'
expect_line "$TMP/dcon" '^Booting from ROM\.\.\.$'
expect_line "$log" 'Probing EDD' # the real-mode setup code ran (BIOS calls)
expect_line "$log" 'Command line: console=ttyS0 hvemu.test=smoke hvemu.end=reboot panic=-1$'
"$(dirname "$0")/linux/check-smoke.sh" "$L" "$log" || fail "smoke test"
expect_line "$log" '^HVEMU-TEST-EXIT: smoke 0$'
echo "-kernel through SeaBIOS and the linuxboot ROM on the soft CPU: passed"
