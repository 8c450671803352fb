#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ACPI acceptance on the soft CPU: Debian's Linux booted with -kernel (no
# firmware: the board places the tables itself) finds the RSDP, uses the
# MADT, the FADT's PM timer, the DSDT's PCI interrupt links, the processor
# objects and the HPET, with no ACPI error or warning in its log;
# `poweroff -f` goes through _S5 and exits hvemu with status 0.
. "$(dirname "$0")/lib.sh"
L=$GUESTS/linux
[ -f "$L/vmlinuz" ] && [ -f "$L/initrd.gz" ] || fail "the Linux test guest is not built (make guest-linux)"
smp=2
log=$TMP/acpi
st=$(run_hvemu "$log" 900 -accel soft -smp $smp -m 512M -display none -serial stdio \
    -kernel "$L/vmlinuz" -initrd "$L/initrd.gz" \
    -append "console=ttyS0 hvemu.test=acpi hvemu.end=poweroff panic=-1")
expect_status "$st" 0 "$log" # S5 soft-off: a clean exit
expect_line "$log" '^HVEMU-TEST-EXIT: acpi 0$'
expect_line "$log" 'reboot: Power down'
expect_line "$log" 'ACPI: PM: Preparing to enter system sleep state S5'
# No complaint from ACPICA or Linux about the tables or the AML.
expect_no_line "$log" 'ACPI (BIOS )?(Error|Warning)|ACPI Exception|\[Firmware Bug\]|\[Firmware Warn\]'
expect_no_line "$log" 'HVEMU-TEST-MISSING'
# Tables: found in the BIOS area, all of them.
expect_line "$log" 'ACPI: RSDP 0x00000000000F4000 000024 \(v02 HVEMU \)'
expect_line "$log" '^acpi-tables: .*APIC .*DSDT .*FACP .*FACS .*HPET .*SSDT'
expect_line "$log" 'ACPI: Using ACPI \(MADT\) for SMP configuration information'
expect_line "$log" 'ACPI: INT_SRC_OVR \(bus 0 bus_irq 0 global_irq 2 dfl dfl\)'
expect_line "$log" 'ACPI: INT_SRC_OVR \(bus 0 bus_irq 9 global_irq 9 high level\)'
expect_line "$log" "^acpi-processors: $smp\$"
# FADT: the PM timer works (Linux checks it counts before registering it).
expect_line "$log" 'ACPI: PM-Timer IO Port: 0x608'
expect_line "$log" 'clocksource: acpi_pm: mask: 0xffffff'
expect_line "$log" '^acpi-pm-timer: 1$'
expect_line "$log" 'ACPI: Interpreter enabled'
expect_line "$log" 'ACPI: PM: \(supports S0 S5\)'
expect_line "$log" 'ACPI: Using IOAPIC for interrupt routing'
# MADT: the IOAPIC with the ID its register holds, all 24 pins.
expect_line "$log" 'IOAPIC\[0\]: apic_id 0, version [0-9]+, address 0xfec00000, GSI 0-23'
# HPET table and device: Linux uses it (legacy replacement: IRQs 2, 8).
expect_line "$log" 'hpet0: at MMIO 0xfed00000, IRQs 2, 8'
expect_line "$log" 'clocksource: hpet: mask'
expect_line "$log" '^acpi-hpet: 1$'
# DSDT: the host bridge windows, the PCI interrupt links, ISA devices.
expect_line "$log" 'ACPI: PCI Root Bridge \[PCI0\] \(domain 0000 \[bus 00-ff\]\)'
expect_line "$log" 'pci_bus 0000:00: root bus resource \[mem 0x20000000-0xfebfffff window\]'
expect_line "$log" 'pci_bus 0000:00: root bus resource \[mem 0x100000000-0x8ffffffff window\]'
expect_line "$log" 'PCI: Using ACPI for IRQ routing'
for lnk in LNKA LNKB LNKC LNKD; do
    expect_line "$log" "^acpi-link: \\\\_SB_\\.$lnk status"
done
expect_line "$log" '^acpi-pnp: .*PNP0303 .*PNP0501 .*PNP0b00 .*PNP0f13'
# The SCI is wired (IRQ 9, level).
expect_line "$log" '^acpi-sci: +9: .*IO-APIC +9-fasteoi +acpi'
echo "ACPI on the soft CPU with $smp CPUs: passed"
