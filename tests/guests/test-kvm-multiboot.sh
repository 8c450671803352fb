#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The project's 32-bit protected-mode and long-mode Multiboot kernels,
# booted directly (-kernel, no firmware) under KVM, with 1 and 2 CPUs:
# Multiboot info (cmdline, memory map), in-kernel PIC/IOAPIC/LAPIC with PIT
# and RTC interrupts, string PIO, fw_cfg, unassigned MMIO reads as all-ones,
# and INIT/SIPI bring-up of the second CPU.
. "$(dirname "$0")/lib.sh"
need_kvm
today=$(date -u +%Y-%m-%d)
for k in pm32 lm64; do
    for smp in 1 2; do
        log=$TMP/$k-$smp
        append="hello"
        [ $smp -gt 1 ] && append="hello smp"
        st=$(run_hvemu "$log" 60 -accel kvm -smp $smp -m 256M -display none -serial stdio \
            -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
            -kernel "$GUESTS/kernels/$k.elf" -append "$append")
        expect_status "$st" 1 "$log"
        expect_line "$log" "^cmdline = \".*/$k.elf $append\"$"
        expect_line "$log" '^mmap base=0x0000000000100000 len=0x000000000ff00000 type=1$'
        expect_line "$log" '^mmap base=0x00000000feffc000 len=0x0000000000004000 type=2$'
        for check in multiboot-mmap cpuid rtc-read lapic-version ioapic-version \
            pic-pit-irq0 pic-rtc-irq8 ioapic-pit-gsi2 ioapic-rtc-gsi8 rdtsc rep-outsb \
            fw_cfg-signature; do
            expect_line "$log" "^ok $check"
        done
        [ $k = lm64 ] && expect_line "$log" '^ok long-mode'
        expect_line "$log" "^RTC $today "
        expect_line "$log" '^mmio-unassigned = 0xffffffff$'
        if [ $smp -gt 1 ]; then
            expect_line "$log" "^smp: nb_cpus = $smp$"
            expect_line "$log" '^AP 1 up$'
            expect_line "$log" "^ok smp $smp cpus$"
        fi
        expect_no_line "$log" '^FAIL'
        expect_line "$log" '^DONE$'
        echo "$k with $smp CPU(s): passed"
    done
done
