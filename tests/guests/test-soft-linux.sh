#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Debian's Linux kernel (the test guest from tests/guests/linux) boots with
# -kernel on the soft CPU, no hypervisor, with 1 and 2 CPUs, to a busybox
# userland that runs the smoke test: arithmetic in awk, sha256sum of a
# known file, date from the RTC, the CPU count; then reboots, which
# -no-reboot turns into a clean exit.  Linux trusts the CPU's "not
# affected" bits (IA32_ARCH_CAPABILITIES) and skips page-table isolation.
. "$(dirname "$0")/lib.sh"
L=$GUESTS/linux
[ -f "$L/vmlinuz" ] && [ -f "$L/initrd.gz" ] || fail "the Linux test guest is not built (make guest-linux)"
for smp in 1 2; do
    log=$TMP/linux-$smp
    st=$(run_hvemu "$log" 900 -accel soft -smp $smp -m 512M -display none -serial stdio \
        -no-reboot -kernel "$L/vmlinuz" -initrd "$L/initrd.gz" \
        -append "console=ttyS0 hvemu.test=smoke hvemu.end=reboot panic=-1")
    expect_status "$st" 0 "$log"
    "$(dirname "$0")/linux/check-smoke.sh" "$L" "$log" || fail "smoke test with -smp $smp"
    expect_line "$log" "^cpus: $smp$"
    expect_line "$log" "^date: .* $(date -u +%Y)$"
    expect_line "$log" '^HVEMU-TEST-EXIT: smoke 0$'
    # IA32_ARCH_CAPABILITIES says the interpreter is not affected by
    # Meltdown or MDS: Linux believes it and skips their mitigations.
    expect_no_line "$log" 'Kernel/User page tables isolation: enabled'
    expect_no_line "$log" 'MDS: Mitigation|MDS: Vulnerable'
    echo "Linux on the soft CPU with $smp CPU(s): passed"
done
