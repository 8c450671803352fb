#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The whole PC on the soft CPU, no hypervisor: SeaBIOS boots the test
# guest's ISOLINUX CD (tests/guests/iso) from the IDE CD-ROM; Linux mounts
# the CD, finds the IDE disk, writes a file there and syncs it (read back
# here from the host image), reports no ACPI problems, has the HPET and the
# ACPI PM timer as clock sources, and powers off through ACPI S5 (hvemu
# exits with status 0).
. "$(dirname "$0")/lib.sh"
I=$GUESTS/iso
[ -f "$I/linux.iso" ] || fail "the test ISO is not built (make guest-iso)"
command -v mke2fs >/dev/null && command -v debugfs >/dev/null || fail "e2fsprogs missing"

disk=$TMP/disk.img
truncate -s 64M "$disk"
mke2fs -q -t ext2 -F "$disk" || fail "mke2fs"
echo "HOST-WROTE-THIS" >"$TMP/host.txt"
debugfs -w -R "write $TMP/host.txt host.txt" "$disk" >/dev/null 2>&1 || fail "debugfs write"

log=$TMP/iso
st=$(run_hvemu "$log" 1200 -accel soft -m 512M -display none -nographic \
    -cdrom "$I/linux.iso" -drive "file=$disk,format=raw,if=ide,index=0,media=disk" -boot d)
expect_status "$st" 0 "$log"
expect_line "$log" '^ISOLINUX '
expect_line "$log" '^HVEMU-CD-CONTENT: read from the IDE CD-ROM$'
expect_line "$log" '^cd-known: ok$'
expect_line "$log" '^disk-device: sda sectors 131072$'
expect_line "$log" '^HOST-WROTE-THIS$'
expect_line "$log" '^disk-write: ok$'
expect_line "$log" '^acpi-problems: 0$'
expect_line "$log" '^clocksources: .*hpet'
expect_line "$log" '^clocksources: .*acpi_pm'
expect_line "$log" '^acpi-irq: .*Using IOAPIC for interrupt routing'
expect_line "$log" '^HVEMU-TEST-EXIT: iso 0$'
expect_line "$log" 'reboot: Power down'
got=$(debugfs -R "cat guest.txt" "$disk" 2>/dev/null)
[ "$got" = "HVEMU-GUEST-WROTE-THIS" ] || fail "the guest's file is not in the image (got '$got')"
echo "ISO boot through SeaBIOS on the soft CPU: passed"
