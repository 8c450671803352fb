#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Debian's grub-rescue-cdrom.iso, unmodified, from the IDE CD-ROM through
# SeaBIOS on the soft CPU: GRUB's menu appears on the serial console
# (SeaBIOS's sercon carries the BIOS screen, as hvemu has no VGA yet); the
# test presses 'c' there, gets GRUB's prompt, and has GRUB set a variable
# and expand it in a command.
. "$(dirname "$0")/lib.sh"
I=$GUESTS/iso
[ -f "$I/grub-rescue.iso" ] || fail "the grub rescue CD is not built (make guest-iso)"
mkfifo "$TMP/in"
"$HVEMU" -accel soft -m 256M -display none -nographic -cdrom "$I/grub-rescue.iso" -boot d \
    <"$TMP/in" >"$TMP/out" 2>&1 &
pid=$!
exec 3>"$TMP/in" # keeps hvemu's stdin open; written to below
trap 'kill $pid 2>/dev/null; rm -rf "$TMP"' EXIT

# type TEXT: one key at a time, each after GRUB echoed the previous one (the
# BIOS keyboard buffer holds 15 keys; sercon feeds it from the serial line).
type() {
    local s=$1 k n i
    for ((k = 0; k < ${#s}; k++)); do
        n=$(stat -c %s "$TMP/out")
        printf '%s' "${s:k:1}" >&3
        for ((i = 0; i < 300; i++)); do
            [ "$(stat -c %s "$TMP/out")" -gt "$n" ] && break
            sleep 0.1
        done
    done
}

wait_for "$TMP/out" 'GNU GRUB +version 2\.' 120 $pid
wait_for "$TMP/out" "or .c' for a command-line" 60 $pid
printf 'c' >&3
wait_for "$TMP/out" 'grub> ' 60 $pid
type 'set v=hvemu'
printf '\r' >&3
type 'echo $v-grub'
printf '\r' >&3
wait_for "$TMP/out" '^hvemu-grub' 60 $pid
echo "GRUB rescue CD through SeaBIOS on the soft CPU: passed"
