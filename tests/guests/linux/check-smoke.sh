#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Check the console log of a guest booted with "hvemu.test=smoke".
# usage: check-smoke.sh OUTDIR LOGFILE
#   OUTDIR   what build.sh built (for kernel.release and known.sha256)
#   LOGFILE  the serial console output ("-" for standard input)
# Prints the smoke test's own lines and one verdict; exits 0 when all passed.

set -eu
export LC_ALL=C

[ $# -eq 2 ] || { echo "usage: $0 OUTDIR LOGFILE" >&2; exit 2; }
out=$1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Serial consoles end lines with CR LF.
if [ "$2" = - ]; then tr -d '\r' >"$log"; else tr -d '\r' <"$2" >"$log"; fi

pass=0
fail=0
expect() { # description, grep -E pattern or (with -F) text expected in a line
	if [ "$1" = -F ]; then mode=-qF; shift; else mode=-qE; fi
	if grep "$mode" -e "$2" "$log"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $1 (no line matching: $2)"
	fi
}

grep -E '^(HVEMU-|hvemu-init:|uname:|awk:|date:|cpus:|[0-9a-f]{64} )' "$log" || :

expect "init banner" 'HVEMU-GUEST-INIT: Linux .*'
expect "all modules loaded" 'hvemu-init: modules loaded: [0-9]+, failed: none'
expect "guest ready" 'HVEMU-GUEST-READY'
expect -F "kernel release" "uname: $(cat "$out/kernel.release")"
expect "awk arithmetic" 'awk: 6\*7=42'
expect -F "known data checksum" "$(cat "$out/known.sha256")"
expect "date" 'date: .* UTC [0-9]{4}'
expect "cpu count" 'cpus: [1-9][0-9]*$'
expect "test finished" 'HVEMU-TEST-DONE'
expect "test exit status" 'HVEMU-TEST-EXIT: smoke 0'

echo "smoke: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
