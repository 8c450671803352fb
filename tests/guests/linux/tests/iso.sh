#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Firmware-boot test of the hvemu Linux test guest, booted from the ISOLINUX
# CD (tests/guests/iso) through SeaBIOS: read the CD-ROM, write a file to
# the IDE disk, report what ACPI, the HPET and the PM timer did.  Each line
# has a fixed prefix for the host side (tests/guests/test-*-iso.sh).

mkdir -p /mnt/cd /mnt/disk

# The CD-ROM: the first sr device.
cd=$(ls /sys/block | grep -m1 '^sr')
echo "cd-device: ${cd:-none}"
if [ -n "$cd" ] && mount -t iso9660 -o ro "/dev/$cd" /mnt/cd; then
	cat /mnt/cd/hvemu/cd.txt
	a=$(sha256sum </mnt/cd/data/known.bin | cut -d' ' -f1)
	b=$(sha256sum </data/known.bin | cut -d' ' -f1)
	[ "$a" = "$b" ] && echo "cd-known: ok" || echo "cd-known: MISMATCH $a"
	umount /mnt/cd
else
	echo "cd-mount: failed"
fi

# The disk: the first sd device, an ext2 file system made by the host.
disk=$(ls /sys/block | grep -m1 '^sd')
echo "disk-device: ${disk:-none} sectors $(cat "/sys/block/$disk/size" 2>/dev/null)"
if [ -n "$disk" ] && mount -t ext2 "/dev/$disk" /mnt/disk; then
	cat /mnt/disk/host.txt 2>/dev/null
	echo "HVEMU-GUEST-WROTE-THIS" >/mnt/disk/guest.txt
	sync
	umount /mnt/disk && echo "disk-write: ok"
else
	echo "disk-mount: failed"
fi

# Firmware interfaces as the kernel saw them.
echo "clocksources: $(cat /sys/devices/system/clocksource/clocksource0/available_clocksource)"
echo "acpi-problems: $(dmesg | grep -ciE 'ACPI (BIOS )?(Error|Warning)|ACPI: .*(failed|error)')"
dmesg | grep -iE 'ACPI (BIOS )?(Error|Warning)' | head -n 5 | sed 's/^/acpi-problem: /'
dmesg | grep -m1 -iE 'hpet.*(at|timer)' | sed 's/^/hpet: /'
dmesg | grep -m1 -iE 'acpi_pm|PM-Timer' | sed 's/^/pmtimer: /'
dmesg | grep -m1 -i 'ACPI: Using IOAPIC for interrupt routing' | sed 's/^/acpi-irq: /'
echo HVEMU-TEST-DONE
