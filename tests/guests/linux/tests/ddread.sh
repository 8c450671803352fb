#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Sequential read throughput of the first disk (bench/firmware): O_DIRECT so
# the guest's page cache does not hide the device, timed with /proc/uptime
# (busybox dd prints no rate).  Prints "ddread: BYTES bytes in SECONDS s,
# RATE MiB/s".
disk=$(ls /sys/block | grep -m1 '^sd')
[ -n "$disk" ] || { echo "ddread: no disk"; exit 1; }
bytes=$(($(cat "/sys/block/$disk/size") * 512))
t0=$(cut -d' ' -f1 /proc/uptime)
dd if="/dev/$disk" of=/dev/null bs=1M iflag=direct 2>/dev/null
t1=$(cut -d' ' -f1 /proc/uptime)
awk -v b="$bytes" -v a="$t0" -v c="$t1" 'BEGIN {
	s = c - a; if (s <= 0) s = 0.01
	printf "ddread: %d bytes in %.2f s, %.1f MiB/s\n", b, s, b / s / 1048576 }'
echo HVEMU-TEST-DONE
