#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Debian's SeaBIOS completes POST on the soft CPU; the checks are in checks.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/checks.sh"
check_seabios soft 120
