#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The 32-bit and long-mode Multiboot guests, 1 and 2 CPUs (under KVM); the checks are in checks.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/checks.sh"
need_kvm
check_multiboot kvm
