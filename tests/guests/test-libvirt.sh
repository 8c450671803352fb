#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Conformance with a QMP client hvemu did not write: Debian 12's libvirt
# (9.0, QEMU driver) probes hvemu as an emulator binary, as
#   virsh -c qemu:///session domcapabilities --emulatorbin HVEMU \
#         --arch x86_64 --machine pc --virttype kvm
# must succeed and report what hvemu has.  libvirt launches
#   HVEMU -S -no-user-config -nodefaults -nographic -machine none,accel=kvm:tcg
#         -qmp unix:SOCK,server=on,wait=off -pidfile FILE -daemonize
# and then asks its questions over QMP (docs/qmp.md has the list).
#
# The session daemon gets private HOME and XDG_* directories under $TMP,
# so runs never share libvirt's capability cache.  libvirt starts a session
# daemon by itself only for an unprivileged user; as root the test runs
# virsh in a new user namespace without a uid mapping (unshare --user),
# where the daemon sees itself as an ordinary user while file access (also
# /dev/kvm) stays root's.  Without /dev/kvm it asks for --virttype qemu.
. "$(dirname "$0")/lib.sh"

command -v virsh >/dev/null && [ -x /usr/sbin/libvirtd ] ||
    fail "libvirt is not installed (scripts/install-deps installs libvirt-clients, libvirt-daemon, libvirt-daemon-driver-qemu)"

EMU=$(readlink -f "$HVEMU")
D=$TMP/lv
export HOME=$D/home XDG_CONFIG_HOME=$D/config XDG_CACHE_HOME=$D/cache \
    XDG_RUNTIME_DIR=$D/run XDG_DATA_HOME=$D/data
mkdir -p "$HOME" "$XDG_CONFIG_HOME/libvirt" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME"
chmod 700 "$XDG_RUNTIME_DIR"
# The daemon's debug log of the QMP conversation.
cat >"$XDG_CONFIG_HOME/libvirt/libvirtd.conf" <<EOF
log_filters="1:qemu.qemu_monitor 1:qemu.qemu_process 1:qemu.qemu_capabilities 3:*"
log_outputs="1:file:$D/daemon.log"
EOF

virttype=kvm
domain=kvm
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
    virttype=qemu # libvirt's name for the soft CPU (QEMU's TCG)
    domain=qemu
fi

wrap=()
if [ "$(id -u)" -eq 0 ]; then
    unshare --user true 2>/dev/null ||
        skip "libvirt's session daemon cannot start here: running as root and user namespaces are not available (unshare --user failed)"
    wrap=(unshare --user)
fi

out=$TMP/domcaps.xml
"${wrap[@]}" timeout 120 virsh -c qemu:///session domcapabilities --emulatorbin "$EMU" \
    --arch x86_64 --machine pc --virttype $virttype >"$out" 2>"$TMP/virsh.err"
st=$?
# The autostarted session daemon would linger for its idle timeout.
pid=$(cat "$XDG_RUNTIME_DIR/libvirt/libvirtd.pid" 2>/dev/null)
[ -n "$pid" ] && kill "$pid" 2>/dev/null

if [ $st -ne 0 ]; then
    cat "$TMP/virsh.err"
    grep -E "error :" "$D/daemon.log" 2>/dev/null | grep -v "dnsmasq\|Bus\|udev" | tail -n 20
    # A daemon that never came up is libvirt's environment, not hvemu.
    if ! [ -f "$D/daemon.log" ] || ! grep -q "libvirt version" "$D/daemon.log"; then
        skip "libvirt's session daemon did not start here (see the messages above)"
    fi
    fail "virsh domcapabilities failed (status $st)"
fi

expect_line "$out" "<path>$EMU</path>"
expect_line "$out" "<domain>$domain</domain>"
expect_line "$out" "<machine>pc-i440fx-7\.2</machine>"
expect_line "$out" "<arch>x86_64</arch>"
expect_line "$out" "<vcpu max='255'/>"
expect_line "$out" "<value>ide</value>"
expect_line "$out" "<model usable='yes'[^>]*>qemu64</model>"
expect_line "$out" "<iothreads supported='no'/>"

log=$D/daemon.log
# libvirt launched hvemu the way QEMU is probed and talked QMP to it.
expect_line "$log" "via QMP, machine none,accel=kvm:tcg"
expect_line "$log" "Got version 7\.2\.0 \(hvemu "
for c in qmp_capabilities query-version query-qmp-schema query-commands query-kvm \
    qom-list-types device-list-properties qom-list-properties query-machines \
    query-cpu-definitions; do
    expect_line "$log" "QEMU_MONITOR_SEND_MSG.*\"execute\":\"$c\""
done
# Every type libvirt looked up in the introspection schema was there.
expect_no_line "$log" "malformed QAPI schema"
echo "ok libvirt domcapabilities ($domain)"
