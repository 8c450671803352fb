#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the bootable CD images the firmware-boot tests use, from Debian 12
# packages and the Linux test guest (tests/guests/linux):
#   OUTDIR/linux.iso     El Torito (no emulation) ISOLINUX CD: the test
#                        guest's vmlinuz + initrd.gz, booting with
#                        hvemu.test=iso on the serial console, plus
#                        /hvemu/cd.txt and /data/known.bin to read back
#   OUTDIR/grub-rescue.iso  Debian's grub-rescue-cdrom.iso (package
#                        grub-rescue-pc), unmodified
# Downloaded .debs are kept in OUTDIR/cache.  Nothing is installed on the
# host; xorriso comes from scripts/install-deps.
#
# usage: build.sh OUTDIR LINUXDIR

set -eu
export LC_ALL=C

prog=guests/iso
log() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { log "error: $*"; exit 1; }
[ $# -eq 2 ] || { echo "usage: $0 OUTDIR LINUXDIR" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1/cache"
out=$(cd "$1" && pwd)
linux=$(cd "$2" && pwd)
cache=$out/cache
for f in vmlinuz initrd.gz known.bin; do
	[ -s "$linux/$f" ] || die "$linux/$f is missing (make guest-linux first)"
done
command -v xorriso >/dev/null 2>&1 || die "xorriso is missing (scripts/install-deps installs it)"

up_to_date() {
	for o in linux.iso grub-rescue.iso; do
		[ -s "$out/$o" ] || return 1
		[ -z "$(find "$here/build.sh" "$linux/vmlinuz" "$linux/initrd.gz" -newer "$out/$o" |
			head -n 1)" ] || return 1
	done
}
if up_to_date; then
	echo "$prog: up to date"
	exit 0
fi

tmp=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

# shellcheck source=tests/guests/lib-deb.sh
. "$here/../lib-deb.sh"

isodeb=$(fetch_deb isolinux)
sysdeb=$(fetch_deb syslinux-common)
grubdeb=$(fetch_deb grub-rescue-pc)
for d in isolinux syslinux-common grub-rescue-pc; do mkdir "$tmp/$d"; done
dpkg-deb -x "$isodeb" "$tmp/isolinux"
dpkg-deb -x "$sysdeb" "$tmp/syslinux-common"
dpkg-deb -x "$grubdeb" "$tmp/grub-rescue-pc"

# ---------------------------------------------------------------- linux.iso
iso=$tmp/tree
mkdir -p "$iso/isolinux" "$iso/boot" "$iso/hvemu" "$iso/data"
cp "$tmp/isolinux/usr/lib/ISOLINUX/isolinux.bin" "$iso/isolinux/" ||
	die "no isolinux.bin in the isolinux package"
cp "$tmp/syslinux-common/usr/lib/syslinux/modules/bios/ldlinux.c32" "$iso/isolinux/" ||
	die "no ldlinux.c32 in syslinux-common"
cp "$linux/vmlinuz" "$linux/initrd.gz" "$iso/boot/"
cp "$linux/known.bin" "$iso/data/known.bin"
echo "HVEMU-CD-CONTENT: read from the IDE CD-ROM" >"$iso/hvemu/cd.txt"
# The serial line carries ISOLINUX's prompt and the kernel's console.
cat >"$iso/isolinux/isolinux.cfg" <<'CFG'
serial 0 115200
default linux
prompt 0
timeout 0
label linux
  kernel /boot/vmlinuz
  initrd /boot/initrd.gz
  append console=ttyS0 hvemu.test=iso
CFG
epoch=${SOURCE_DATE_EPOCH:-1700000000}
find "$iso" -exec touch -h -d "@$epoch" {} +
xorriso -as mkisofs -quiet -R -J -V HVEMU_TEST \
	-b isolinux/isolinux.bin -c isolinux/boot.cat \
	-no-emul-boot -boot-load-size 4 -boot-info-table \
	-o "$tmp/linux.iso" "$iso" >&2

# ---------------------------------------------------------- grub-rescue.iso
g=$tmp/grub-rescue-pc/usr/lib/grub-rescue/grub-rescue-cdrom.iso
[ -s "$g" ] || die "no grub-rescue-cdrom.iso in grub-rescue-pc"
cp "$g" "$tmp/grub-rescue.iso"

mv -f "$tmp/linux.iso" "$tmp/grub-rescue.iso" "$out/"
log "built $out: linux.iso $(wc -c <"$out/linux.iso") bytes, grub-rescue.iso $(wc -c <"$out/grub-rescue.iso") bytes"
