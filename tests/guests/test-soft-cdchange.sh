#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The monitor changes the CD and the guest reads the new disc: the Debian
# test guest reads disc A from the IDE CD-ROM, the test runs HMP "change"
# with disc B after a forced eject (the guest's mounts lock the tray; the
# board's eject/change underneath: tray open, medium swapped, tray closed,
# unit attention), and the guest's next mount reads B.
. "$(dirname "$0")/lib.sh"
L=$GUESTS/linux
[ -f "$L/vmlinuz" ] && [ -f "$L/initrd.gz" ] || fail "the Linux test guest is not built (make guest-linux)"
command -v xorriso >/dev/null || fail "xorriso missing (scripts/install-deps)"
for d in A B; do
    mkdir -p "$TMP/$d"
    echo "disc-$d" >"$TMP/$d/id.txt"
    xorriso -as mkisofs -quiet -R -V "HVEMU_$d" -o "$TMP/$d.iso" "$TMP/$d" 2>/dev/null ||
        fail "xorriso"
done
mkfifo "$TMP/mon"
: >"$TMP/out"
"$HVEMU" -accel soft -m 512M -display none -serial "file:$TMP/out" -monitor stdio \
    -cdrom "$TMP/A.iso" -kernel "$L/vmlinuz" -initrd "$L/initrd.gz" -no-reboot \
    -append "console=ttyS0 hvemu.test=cdchange hvemu.end=reboot panic=-1" \
    <"$TMP/mon" >"$TMP/monout" 2>&1 &
pid=$!
exec 3>"$TMP/mon"
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$TMP"' EXIT
wait_for "$TMP/out" '^cdchange: ready$' 600 $pid
# The guest locks the tray whenever it has the disc open (each mount), so
# open it by force first, as a person at QEMU's monitor would: "eject -f",
# then "change" into the open tray.
echo "eject -f ide1-cd0" >&3
echo "change ide1-cd0 $TMP/B.iso" >&3
wait $pid
st=$?
trap 'rm -rf "$TMP"' EXIT
tr -d '\r' <"$TMP/out" >"$TMP/log"
expect_status "$st" 0 "$TMP/log"
expect_line "$TMP/log" '^cdchange: first disc: disc-A$'
expect_line "$TMP/log" '^cdchange: new disc: disc-B$'
expect_line "$TMP/log" '^HVEMU-TEST-EXIT: cdchange 0$'
expect_no_line "$TMP/monout" 'Error'
echo "CD change from the monitor, seen by the guest on the soft CPU: passed"
