# SPDX-License-Identifier: GPL-2.0-or-later
# The guest checks shared by the KVM and soft-CPU guest tests (sourced
# after lib.sh).  Each takes the accelerator as its first argument.

# The project's real-mode guest as the firmware image (-bios):
# reset vector, COM1, RTC, PIC+PIT and RTC interrupts, string PIO, fw_cfg,
# ROM write protection; exits through isa-debug-exit.
check_realmode() {
    local accel=$1
    log=$TMP/serial
    st=$(run_hvemu "$log" 60 -accel "$accel" -display none -serial stdio \
        -rtc base=2020-01-02T03:04:05 \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -bios "$GUESTS/kernels/realmode.bin")
    expect_status "$st" 1 "$log" # isa-debug-exit: value 0 -> (0<<1)|1
    expect_line "$log" '^realmode: '
    for check in rom-alias-4g rtc-read pic-pit-irq0 pic-rtc-irq8 'rep-outsb' fw_cfg-signature rom-readonly; do
        expect_line "$log" "^ok $check"
    done
    # -rtc base is what the guest reads (a few seconds may pass).
    expect_line "$log" '^RTC 2020-01-02 03:04:(0[5-9]|1[0-9])$'
    expect_no_line "$log" '^FAIL'
    expect_line "$log" '^DONE$'
    echo "real-mode guest passed"
}

# The project's 32-bit protected-mode and long-mode Multiboot kernels,
# booted directly (-kernel, no firmware), with 1 and 2 CPUs:
# Multiboot info (cmdline, memory map), the PIC/IOAPIC/LAPIC with PIT
# and RTC interrupts, string PIO, fw_cfg, unassigned MMIO reads as all-ones,
# and INIT/SIPI bring-up of the second CPU.
check_multiboot() {
    local accel=$1
    today=$(date -u +%Y-%m-%d)
    for k in pm32 lm64; do
        for smp in 1 2; do
            log=$TMP/$k-$smp
            append="hello"
            [ $smp -gt 1 ] && append="hello smp"
            st=$(run_hvemu "$log" 60 -accel "$accel" -smp $smp -m 256M -display none -serial stdio \
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
}

# Warm reset of a running machine, three ways, with the project's
# Multiboot kernels (pm32 and lm64, booted with -kernel): the 8042's reset
# line (command 0xFE to port 0x64), port 0x92 bit 0 going 0->1, and a triple
# fault (empty IDT + ud2).  The guest keeps a boot counter in low RAM (0x600)
# that the reset and the Multiboot loader leave alone.  Without -no-reboot
# the board must reset, reload the kernel and start it again ("boot 2 after
# <method> reset", exit status 1); with -no-reboot hvemu must exit with
# status 0 instead of rebooting, right after the first boot.
check_reset() {
    local accel=$1
    for k in pm32 lm64; do
        for m in kbc port92 triple; do
            log=$TMP/$k-$m
            common=(-accel "$accel" -m 256M -display none -serial stdio
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
}

# Debian's SeaBIOS (package seabios) on the i440FX/PIIX board: POST to the
# end (no disks yet, so "No bootable device."), with the PCI functions it
# must find, the PIRQ/ELCR set-up, PAM unlocked for the copy and locked
# again as SeaBIOS does, and no error line in its debug console.  The
# firmware is left retrying the boot; the test stops hvemu once the line is
# there (tail -F wakes on the write, no sleeping).
SEABIOS=${SEABIOS:-/usr/share/seabios/bios-256k.bin}
check_seabios() {
    local accel=$1 secs=$2
    [ -r "$SEABIOS" ] || fail "$SEABIOS missing (scripts/install-deps installs Debian package seabios)"
    local dcon=$TMP/debugcon trace=$TMP/trace out=$TMP/out
    : >"$dcon"
    "$HVEMU" -accel "$accel" -m 256 -bios "$SEABIOS" -display none -serial "file:$TMP/serial" \
        -debugcon "file:$dcon" -D "$trace" -d trace:i440fx,trace:piix3 -no-reboot \
        </dev/null >"$out" 2>&1 &
    local pid=$!
    coproc WAIT { exec timeout "$secs" tail -n +1 -F "$dcon" 2>/dev/null; }
    local found=1
    grep -m1 -q 'No bootable device' <&"${WAIT[0]}" && found=0
    kill "$pid" 2>/dev/null
    kill "$WAIT_PID" 2>/dev/null
    wait "$pid" 2>/dev/null
    [ $found = 0 ] || { tail -n 30 "$dcon"; cat "$out"; fail "SeaBIOS did not reach 'No bootable device' in ${secs}s"; }
    expect_line "$dcon" '^SeaBIOS \(version 1\.'
    expect_line "$dcon" '^Found 4 PCI devices \(max PCI bus is 00\)'
    expect_line "$dcon" '^PCI: init bdf=00:00\.0 id=8086:1237$'
    expect_line "$dcon" '^PCI: init bdf=00:01\.0 id=8086:7000$'
    expect_line "$dcon" '^PCI: init bdf=00:01\.1 id=8086:7010$'
    expect_line "$dcon" '^PCI: init bdf=00:01\.3 id=8086:7113$'
    expect_line "$dcon" '^PIIX3/PIIX4 init: elcr=00 0c$'
    expect_line "$dcon" '^Relocating init from' # shadow RAM was writable
    expect_line "$dcon" '^All threads complete\.$'
    expect_line "$dcon" '^Scan for option roms$'
    # The default empty CD-ROM drive (ide1-cd0), found and tried.
    expect_line "$dcon" '^ATA controller 1 at 1f0/3f4/0 \(irq 14 dev 9\)$'
    expect_line "$dcon" '^DVD/CD \[ata1-0: HVEMU DVD-ROM ATAPI-7 DVD/CD\]$'
    expect_line "$dcon" '^Boot failed: Could not read from CDROM \(code 0003\)$'
    expect_line "$dcon" '^No bootable device\.'
    # The only failures allowed are the boot attempts on absent drives and
    # on the empty CD-ROM.
    expect_no_line "$dcon" 'Unable to|not found|WARNING|[Ee]rror|[Tt]imeout'
    local bad='^Boot failed: (could not read the boot disk|Could not read from CDROM \(code 0003\))$'
    grep -Ei 'fail' "$dcon" | grep -Ev "$bad" | grep -q . &&
        fail "unexpected failure line: $(grep -Ei fail "$dcon" | grep -Ev "$bad" | head -1)"
    # PAM: opened for the copy (F0000 read/write, the rest too), then
    # write-protected the way SeaBIOS does (F0000 read-only).
    expect_line "$trace" '^i440fx: PAM 30 33 33 33 33 33 33 '
    expect_line "$trace" '^i440fx: PAM 10 11 '
    [ "$(grep '^i440fx: PAM' "$trace" | tail -1 | cut -d' ' -f3)" = 10 ] ||
        fail "F segment not left read-only: $(grep '^i440fx: PAM' "$trace" | tail -1)"
    # PIRQ routing as SeaBIOS programs it: A,B -> 10, C,D -> 11.
    expect_line "$trace" '^piix3: PIRQRC 0a 0a 0b 0b$'
    expect_no_line "$out" '^hvemu: (error|.*[Ff]ailed)'
    echo "SeaBIOS POST on $accel: passed"
}
