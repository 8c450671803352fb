#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# -kernel behind the firmware under KVM: SeaBIOS runs hvemu's linuxboot
# option ROM, which loads Debian's kernel from fw_cfg and enters its
# real-mode setup code; the setup code's BIOS output ("Probing EDD") reaches
# the serial console through SeaBIOS's sercon.  (This host's nested KVM
# cannot run the kernel past that; on VT-x/AMD-V hosts it boots on.)
. "$(dirname "$0")/lib.sh"
need_kvm
L=$GUESTS/linux
SEABIOS=/usr/share/seabios/bios-256k.bin
[ -f "$L/vmlinuz" ] && [ -f "$L/initrd.gz" ] || fail "the Linux test guest is not built (make guest-linux)"
[ -r "$SEABIOS" ] || fail "$SEABIOS missing (scripts/install-deps installs Debian package seabios)"
: >"$TMP/out"
"$HVEMU" -accel kvm -m 512M -display none -serial stdio -no-reboot -bios "$SEABIOS" \
    -debugcon "file:$TMP/dcon" -kernel "$L/vmlinuz" -initrd "$L/initrd.gz" \
    -append "console=ttyS0" </dev/null >"$TMP/out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$TMP"' EXIT
wait_for "$TMP/out" 'Probing EDD' 120 $pid
expect_line "$TMP/dcon" '^Booting from ROM\.\.\.$'
echo "-kernel through SeaBIOS and the linuxboot ROM on KVM: passed"
