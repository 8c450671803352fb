#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# system_powerdown reaches the guest as the ACPI power button: the monitor's
# command sets PWRBTN_STS in the PIIX4 PM block and raises the SCI; Linux's
# button driver reports KEY_POWER, the guest's acpid runs its power-button
# action (poweroff), and hvemu exits through S5 with status 0.
. "$(dirname "$0")/lib.sh"
L=$GUESTS/linux
[ -f "$L/vmlinuz" ] && [ -f "$L/initrd.gz" ] || fail "the Linux test guest is not built (make guest-linux)"
mkfifo "$TMP/mon"
: >"$TMP/out"
"$HVEMU" -accel soft -m 512M -display none -serial "file:$TMP/out" -monitor stdio \
    -kernel "$L/vmlinuz" -initrd "$L/initrd.gz" \
    -append "console=ttyS0 hvemu.test=idle panic=-1" <"$TMP/mon" >"$TMP/monout" 2>&1 &
pid=$!
exec 3>"$TMP/mon"
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$TMP"' EXIT
wait_for "$TMP/out" '^idle: waiting$' 600 $pid
wait_for "$TMP/out" 'input: Power Button' 10 $pid
echo system_powerdown >&3
wait $pid
st=$?
trap 'rm -rf "$TMP"' EXIT
tr -d '\r' <"$TMP/out" >"$TMP/log"
expect_status "$st" 0 "$TMP/log"
expect_line "$TMP/log" '^hvemu-init: power button$'
expect_line "$TMP/log" 'ACPI: PM: Preparing to enter system sleep state S5'
expect_line "$TMP/log" 'reboot: Power down'
echo "system_powerdown through the ACPI power button on the soft CPU: passed"
