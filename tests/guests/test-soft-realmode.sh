#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The real-mode guest as the firmware image (on the soft CPU with hvemu's own PIC, PIT, IOAPIC and LAPICs); the checks are in checks.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/checks.sh"
check_realmode soft
