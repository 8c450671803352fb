#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# ACPI as the guest sees it: boot with hvemu.test=acpi (the host side,
# tests/guests/test-soft-acpi.sh, checks these lines and the boot log).
# Each line has a fixed prefix so the host side can grep for it.

cs=/sys/devices/system/clocksource/clocksource0
echo "acpi-clocksources: $(cat $cs/available_clocksource)"
echo "acpi-clocksource: $(cat $cs/current_clocksource)"
echo "acpi-tables: $(ls /sys/firmware/acpi/tables | sort | tr '\n' ' ')"
echo "acpi-processors: $(ls -d /sys/bus/acpi/devices/ACPI0007:* 2>/dev/null | wc -l)"
for l in /sys/bus/acpi/devices/PNP0C0F:*; do
	[ -e "$l" ] && echo "acpi-link: $(cat "$l/path") status $(cat "$l/status")"
done
echo "acpi-pnp: $(cat /sys/bus/pnp/devices/*/id 2>/dev/null | sort | tr '\n' ' ')"
echo "acpi-sci: $(grep -w acpi /proc/interrupts | tr -s ' ')"
echo "acpi-pm-timer: $(grep -c acpi_pm $cs/available_clocksource)"
echo "acpi-hpet: $(ls -d /sys/bus/acpi/devices/PNP0103:* 2>/dev/null | wc -l)"
echo HVEMU-TEST-DONE
