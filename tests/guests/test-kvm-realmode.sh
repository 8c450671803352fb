#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The real-mode guest as the firmware image (under KVM); the checks are in checks.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/checks.sh"
need_kvm
check_realmode kvm
