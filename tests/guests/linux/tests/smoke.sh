#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Smoke test of the hvemu Linux test guest: boot with hvemu.test=smoke.
# Each line has a fixed prefix so the host side can grep for it.

echo "uname: $(uname -r)"
echo "awk: $(awk 'BEGIN { printf "6*7=%d", 6 * 7 }')"
sha256sum /data/known.bin
echo "date: $(date -u)"
echo "cpus: $(grep -c '^processor' /proc/cpuinfo)"
echo "dmesg-begin"
dmesg | grep -iE 'error|warn' | head
echo "dmesg-end"
echo HVEMU-TEST-DONE
