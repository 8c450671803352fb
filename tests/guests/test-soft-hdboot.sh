#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Booting from an IDE disk image through SeaBIOS on the soft CPU: a FAT
# disk made here with SYSLINUX in its boot sector (Debian's syslinux,
# dosfstools, mtools) and the test guest's kernel and initrd as files;
# SeaBIOS boots the disk, SYSLINUX reads the kernel through the BIOS disk
# services (SeaBIOS's ATA driver on hvemu's IDE), and Linux runs its smoke
# test and powers off through ACPI S5.
. "$(dirname "$0")/lib.sh"
L=$GUESTS/linux
[ -f "$L/vmlinuz" ] && [ -f "$L/initrd.gz" ] || fail "the Linux test guest is not built (make guest-linux)"
export PATH=$PATH:/usr/sbin # mkfs.vfat
for t in syslinux mkfs.vfat mcopy; do
    command -v $t >/dev/null || fail "$t missing (scripts/install-deps)"
done
disk=$TMP/hd.img
truncate -s 64M "$disk"
mkfs.vfat -n HVEMU "$disk" >/dev/null || fail "mkfs.vfat"
syslinux --install "$disk" || fail "syslinux --install"
printf 'SERIAL 0 115200\nDEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  KERNEL vmlinuz\n  INITRD initrd.gz\n  APPEND console=ttyS0 hvemu.test=smoke\n' \
    >"$TMP/syslinux.cfg"
for f in "$L/vmlinuz" "$L/initrd.gz" "$TMP/syslinux.cfg"; do
    mcopy -i "$disk" "$f" "::$(basename "$f")" || fail "mcopy $f"
done
log=$TMP/hd
st=$(run_hvemu "$log" 900 -accel soft -m 512M -display none -nographic -hda "$disk" -boot c)
expect_status "$st" 0 "$log"
expect_line "$log" '^Booting from Hard Disk\.\.\.'
expect_line "$log" '^SYSLINUX 6\.'
"$(dirname "$0")/linux/check-smoke.sh" "$L" "$log" || fail "smoke test"
expect_line "$log" '^HVEMU-TEST-EXIT: smoke 0$'
expect_line "$log" 'reboot: Power down'
echo "Linux from an IDE disk through SeaBIOS on the soft CPU: passed"
