#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Warm resets (8042, port 0x92, triple fault) with and without -no-reboot (under KVM); the checks are in checks.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/checks.sh"
need_kvm
check_reset kvm
