#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Debian's SeaBIOS completes POST under KVM (about 8 s on this nested
# kvm_pvm host, where every port access is a slow exit); the checks are in
# checks.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/checks.sh"
need_kvm
check_seabios kvm 120
