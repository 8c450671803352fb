# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for guest tests (sourced).  The runner sets HVEMU (the
# binary) and GUESTS (the build tree's guest directory).  Exit 77 = skipped.
set -u
: "${HVEMU:?}" "${GUESTS:?}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

need_kvm() {
    [ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "/dev/kvm not available"
}

# run_hvemu LOG TIMEOUT ARGS...: run, stdout+stderr to LOG, echo the status.
run_hvemu() {
    local log=$1 secs=$2
    shift 2
    timeout --kill-after=5 "$secs" "$HVEMU" "$@" </dev/null >"$log.raw" 2>&1
    local st=$?
    tr -d '\r' <"$log.raw" >"$log" # serial consoles end lines with CR LF
    echo $st
}

expect_status() { # got want log
    [ "$1" = "$2" ] || { tail -n 30 "$3"; fail "exit status $1, expected $2"; }
}

expect_line() { # log regex
    grep -Eq "$2" "$1" || { tail -n 30 "$1"; fail "no line matching /$2/"; }
}

expect_no_line() { # log regex
    ! grep -Eq "$2" "$1" || { grep -E "$2" "$1" | head; fail "unexpected line /$2/"; }
}

# wait_for FILE REGEX SECONDS [PID]: until FILE (an emulator's output, CRs
# dropped) has a line matching REGEX; fails after SECONDS or when PID exits.
wait_for() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        tr -d '\r' <"$1" | grep -aEq "$2" && return 0
        [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null && break
        sleep 0.1 # polling a file the emulator appends to; no event to wait on
    done
    tail -c 2000 "$1" | cat -v | tail -n 20
    fail "no output matching /$2/"
}
