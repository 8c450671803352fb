#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Do nothing until something from outside stops the guest (the host's
# monitor: system_powerdown, send-key...).
echo "idle: waiting"
while :; do sleep 3600; done
