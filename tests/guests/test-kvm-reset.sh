#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Warm reset of a running machine, three ways, under KVM with the project's
# Multiboot kernels (pm32 and lm64, booted with -kernel): the 8042's reset
# line (command 0xFE to port 0x64), port 0x92 bit 0 going 0->1, and a triple
# fault (empty IDT + ud2).  The guest keeps a boot counter in low RAM (0x600)
# that the reset and the Multiboot loader leave alone.  Without -no-reboot
# the board must reset, reload the kernel and start it again ("boot 2 after
# <method> reset", exit status 1); with -no-reboot hvemu must exit with
# status 0 instead of rebooting, right after the first boot.
. "$(dirname "$0")/lib.sh"
need_kvm
for k in pm32 lm64; do
    for m in kbc port92 triple; do
        log=$TMP/$k-$m
        common=(-accel kvm -m 256M -display none -serial stdio
            -device isa-debug-exit,iobase=0xf4,iosize=0x04
            -kernel "$GUESTS/kernels/$k.elf" -append "reset=$m")

        st=$(run_hvemu "$log" 20 "${common[@]}")
        expect_status "$st" 1 "$log"
        expect_line "$log" '^boot 1$'
        expect_line "$log" "^resetting via $m$"
        expect_line "$log" "^boot 2 after $m reset$"
        expect_line "$log" '^ok reset$'
        expect_no_line "$log" '^FAIL'
        expect_line "$log" '^DONE$'
        [ "$(grep -c '^ok multiboot-magic$' "$log")" = 2 ] ||
            { tail -n 30 "$log"; fail "$k reset=$m: expected exactly two boots"; }

        st=$(run_hvemu "$log.nr" 20 "${common[@]}" -no-reboot)
        expect_status "$st" 0 "$log.nr"
        expect_line "$log.nr" '^boot 1$'
        expect_line "$log.nr" "^resetting via $m$"
        expect_no_line "$log.nr" '^boot 2'
        expect_no_line "$log.nr" '^FAIL'
        expect_no_line "$log.nr" '^DONE$'
        echo "$k reset=$m: passed (reboots; exits with -no-reboot)"
    done
done
