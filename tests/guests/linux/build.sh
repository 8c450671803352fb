#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the hvemu Linux test guest from Debian 12 packages:
#   OUTDIR/vmlinuz       Debian's amd64 kernel (from linux-image-amd64's dependency)
#   OUTDIR/initrd.gz     gzip'd newc initramfs: busybox-static, /init, /tests,
#                        the modules the tests need, /data/known.bin
#   OUTDIR/known.bin     copy of /data/known.bin
#   OUTDIR/known.sha256  "HASH  /data/known.bin", as sha256sum prints it in the guest
#   OUTDIR/kernel.release, OUTDIR/kernel.package   what was used
# Downloaded .debs are kept in OUTDIR/cache.  Nothing is installed on the host.
#
# usage: build.sh [-f] OUTDIR
#   -f  rebuild even if the outputs are newer than the inputs (also picks up
#       a newer kernel after "apt-get update")
# Environment: HVEMU_KERNEL_PKG overrides the kernel package name;
#              SOURCE_DATE_EPOCH sets the timestamps inside the initramfs.

set -eu
export LC_ALL=C

prog=guests/linux
log() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { log "error: $*"; exit 1; }
usage() { echo "usage: $0 [-f] OUTDIR" >&2; exit 2; }

force=0
case "${1-}" in
-f|--force) force=1; shift ;;
-h|--help) usage ;;
esac
if [ $# -ne 1 ] || [ -z "$1" ]; then usage; fi

here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1/cache"
out=$(cd "$1" && pwd)
cache=$out/cache

# Top-level modules loaded by /init, in this order.  Dependencies come from
# the modules' own "depends=" field.  crc32c_generic and crct10dif_generic
# satisfy the soft dependencies of ext4/jbd2 and crc-t10dif (which name
# crypto aliases, not modules).  A trailing "?" marks a module that may be
# built in or absent (ext2 is served by ext4 in Debian's config).
MODULES="
crc32c_generic
crct10dif_generic
ata_piix
ahci
sd_mod
sr_mod
cdrom
isofs
ext2?
ext4
e1000
virtio_pci
virtio_blk
virtio_net
virtio_scsi
virtio_console
button
evdev
"

# ---------------------------------------------------------------- up to date?
outputs="vmlinuz initrd.gz known.bin known.sha256 kernel.release kernel.package"
up_to_date() {
	for o in $outputs; do
		[ -e "$out/$o" ] || return 1
		[ -z "$(find "$here/build.sh" "$here/init" "$here/tests" -newer "$out/$o" |
			head -n 1)" ] || return 1
	done
}
if [ "$force" = 0 ] && up_to_date; then
	echo "$prog: up to date ($(cat "$out/kernel.package"))"
	exit 0
fi

for t in apt-get apt-cache dpkg-deb cpio gzip sha256sum awk sed tr find sort; do
	command -v "$t" >/dev/null 2>&1 || die "missing host tool: $t"
done

tmp=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

# ------------------------------------------------------------ Debian packages
# shellcheck source=tests/guests/lib-deb.sh
. "$here/../lib-deb.sh"

# The kernel package the linux-image-amd64 metapackage currently depends on.
kpkg=${HVEMU_KERNEL_PKG:-}
if [ -z "$kpkg" ]; then
	kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *|\{0,1\}Depends: \(linux-image-[^ <>]*\).*/\1/p' | head -n 1)
fi
if [ -z "$kpkg" ]; then
	set -- "$cache"/linux-image-*.deb
	if [ $# -ne 1 ] || [ ! -s "$1" ]; then
		die "cannot resolve linux-image-amd64 (is Debian's archive in apt's sources and apt-get update run?)"
	fi
	kpkg=$(dpkg-deb -f "$1" Package)
fi
kdeb=$(fetch_deb "$kpkg")
bbdeb=$(fetch_deb busybox-static)
kver_pkg=$(dpkg-deb -f "$kdeb" Version)
bbver=$(dpkg-deb -f "$bbdeb" Version)
# Other .debs (older kernels or busybox versions) are of no further use.
for old in "$cache"/*.deb; do
	[ "$old" = "$kdeb" ] || [ "$old" = "$bbdeb" ] || rm -f "$old"
done
log "kernel package $kpkg $kver_pkg"

# -------------------------------------------------------------------- extract
mkdir "$tmp/k" "$tmp/bb"
dpkg-deb -x "$kdeb" "$tmp/k"
dpkg-deb -x "$bbdeb" "$tmp/bb"

mdir=
for d in "$tmp/k/lib/modules/"* "$tmp/k/usr/lib/modules/"*; do
	[ -d "$d/kernel" ] && mdir=$d
done
[ -n "$mdir" ] || die "no /lib/modules/VERSION/kernel in $kpkg"
kver=$(basename "$mdir")
kimg=$tmp/k/boot/vmlinuz-$kver
[ -f "$kimg" ] || die "no /boot/vmlinuz-$kver in $kpkg"
[ -x "$tmp/bb/bin/busybox" ] || die "no /bin/busybox in busybox-static"

# -------------------------------------------------------------------- modules
# index: "name relpath" for every module of the package; names use "_".
(cd "$mdir" && find kernel -type f -name '*.ko*') |
	awk '{ n = $0; sub(/.*\//, "", n); sub(/\.ko(\.(xz|zst|gz))?$/, "", n);
	       gsub(/-/, "_", n); print n, $0 }' >"$tmp/index"
: >"$tmp/builtin"
[ -f "$mdir/modules.builtin" ] &&
	awk '{ n = $0; sub(/.*\//, "", n); sub(/\.ko$/, "", n); gsub(/-/, "_", n); print n }' \
		"$mdir/modules.builtin" >"$tmp/builtin"

# ko_field FILE FIELD: the values of FIELD in the module's .modinfo strings.
ko_field() {
	case "$1" in
	*.ko.xz) xz -dc "$1" ;;
	*.ko.zst) zstd -dcq "$1" ;;
	*.ko.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac | tr '\0' '\n' | sed -n "s/^$2=//p"
}

# Resolve the closure breadth-first; the listed modules come first, so a
# module is "top level" exactly when it is listed.
# graph: "name srcpath dstpath dep..." per module.
: >"$tmp/graph"
: >"$tmp/toplevel"
# shellcheck disable=SC2086
listed=" $(echo $MODULES | tr -d '?' | tr - _) "
want=$MODULES
seen=" "
while :; do
	# shellcheck disable=SC2086
	set -- $want
	[ $# -gt 0 ] || break
	m=$1; shift; want=$*
	optional=0
	case "$m" in *\?) optional=1; m=${m%\?} ;; esac
	m=$(printf '%s' "$m" | tr - _)
	case "$seen" in *" $m "*) continue ;; esac
	seen="$seen$m "
	src=$(awk -v n="$m" '$1 == n { print $2; exit }' "$tmp/index")
	if [ -z "$src" ]; then
		if grep -qx "$m" "$tmp/builtin"; then
			log "module $m is built into the kernel"
			continue
		fi
		[ "$optional" = 1 ] && { log "$m is neither a module nor built in here; skipped"; continue; }
		die "module $m not found in $kpkg"
	fi
	deps=$(ko_field "$mdir/$src" depends | head -n 1 | tr ',-' ' _')
	dst=${src%.xz}; dst=${dst%.zst}; dst=${dst%.gz}
	echo "$m $src $dst $deps" >>"$tmp/graph"
	case "$listed" in *" $m "*) echo "$m" >>"$tmp/toplevel" ;; esac
	want="$want $deps"
done

# --------------------------------------------------------------------- rootfs
root=$tmp/root
mkdir -p "$root"
for d in bin sbin usr/bin usr/sbin etc/hvemu proc sys tmp run root mnt data tests \
	 usr/share/doc/busybox-static "lib/modules/$kver"; do
	mkdir -p "$root/$d"
done
cp "$tmp/bb/bin/busybox" "$root/bin/busybox"
chmod 0755 "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$tmp/bb/usr/share/doc/busybox-static/copyright" "$root/usr/share/doc/busybox-static/" 2>/dev/null || :
cp "$here/init" "$root/init"
chmod 0755 "$root/init"
for t in "$here"/tests/*.sh; do
	[ -e "$t" ] || continue
	cp "$t" "$root/tests/"
	chmod 0755 "$root/tests/$(basename "$t")"
done
# The ACPI power button (QMP system_powerdown): busybox acpid runs this on
# the button's input event.
mkdir -p "$root/etc/acpi/PWRF"
printf '#!/bin/sh\necho "hvemu-init: power button" >/dev/console\nsync\npoweroff -f\n' \
	>"$root/etc/acpi/PWRF/00000080"
chmod 0755 "$root/etc/acpi/PWRF/00000080"
echo "Debian $kpkg $kver_pkg, busybox-static $bbver" >"$root/etc/hvemu/info"
cp "$tmp/toplevel" "$root/etc/hvemu/modules"

# Modules, uncompressed (the kernel's signature covers the uncompressed
# module, so decompressing keeps it valid; busybox modprobe may lack the
# decompressor).
kmods=$root/lib/modules/$kver
: >"$tmp/alias"
: >"$tmp/softdep"
while read -r m src dst deps; do
	mkdir -p "$kmods/$(dirname "$dst")"
	case "$src" in
	*.ko.xz) xz -dc "$mdir/$src" >"$kmods/$dst" ;;
	*.ko.zst) zstd -dcq "$mdir/$src" >"$kmods/$dst" ;;
	*.ko.gz) gzip -dc "$mdir/$src" >"$kmods/$dst" ;;
	*) cp "$mdir/$src" "$kmods/$dst" ;;
	esac
	ko_field "$mdir/$src" alias | sed "s/\$/ $m/; s/^/alias /" >>"$tmp/alias"
	ko_field "$mdir/$src" softdep | sed "s/^/softdep $m /" >>"$tmp/softdep"
done <"$tmp/graph"

# modules.dep in kmod's format: each module lists its whole dependency
# closure, a module before the ones it needs (so loading goes right to left).
awk -v depfile="$kmods/modules.dep" '
	{ path[$1] = $3; nd[$1] = NF - 3; for (i = 4; i <= NF; i++) dep[$1, i - 3] = $i; mods[++n] = $1 }
	function visit(m,   i) {
		if (m in vis) return
		vis[m] = 1
		for (i = 1; i <= nd[m]; i++) visit(dep[m, i])
		post[++np] = m
	}
	END {
		for (k = 1; k <= n; k++) {
			m = mods[k]; split("", vis); np = 0
			for (i = 1; i <= nd[m]; i++) visit(dep[m, i])
			line = path[m] ":"
			for (i = np; i >= 1; i--) line = line " " path[post[i]]
			print line > depfile
		}
	}' "$tmp/graph"
sort -u "$tmp/alias" >"$kmods/modules.alias"
cp "$tmp/softdep" "$kmods/modules.softdep"
[ -f "$mdir/modules.builtin" ] && cp "$mdir/modules.builtin" "$kmods/"
[ -f "$mdir/modules.builtin.modinfo" ] && cp "$mdir/modules.builtin.modinfo" "$kmods/"
if [ -f "$mdir/modules.order" ]; then
	awk '{ print $3 }' "$tmp/graph" | grep -Fx -f - "$mdir/modules.order" >"$kmods/modules.order" || :
fi

# Known data: 64 KiB from a fixed 32-bit LCG (Numerical Recipes constants),
# top byte of each state.  Exact in awk's doubles (product < 2^53).
awk 'BEGIN {
	x = 20240601
	for (b = 0; b < 256; b++) {
		line = ""
		for (i = 0; i < 256; i++) {
			x = (x * 1664525 + 1013904223) % 4294967296
			line = line sprintf("\\%03o", int(x / 16777216))
		}
		print line
	}
}' | while read -r line; do
	# shellcheck disable=SC2059
	printf "$line"
done >"$root/data/known.bin"
[ "$(wc -c <"$root/data/known.bin")" -eq 65536 ] || die "known.bin has the wrong size"
(cd "$root" && sha256sum data/known.bin) | sed 's| data/| /data/|' >"$tmp/known.sha256"

# ---------------------------------------------------------------- initramfs
# /dev and /dev/console are written by hand (mknod would need root) and put
# in front of the cpio-made archive, which brings the trailer: one archive,
# so the kernel has a console for init and "cpio -t" lists everything.
epoch=${SOURCE_DATE_EPOCH:-1700000000}
newc() { # ino mode(octal) nlink rdevmajor rdevminor name
	nlen=$((${#6} + 1))
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		"$1" "$((0$2))" 0 0 "$3" "$epoch" 0 0 0 "$4" "$5" "$nlen" 0
	printf '%s\000' "$6"
	pad=$(( (4 - (110 + nlen) % 4) % 4 ))
	while [ "$pad" -gt 0 ]; do printf '\000'; pad=$((pad - 1)); done
}
{
	newc 2147483646 040755 2 0 0 dev
	newc 2147483647 020600 1 5 1 dev/console
} >"$tmp/console.cpio"

# The tree, with fixed owners and timestamps.
find "$root" -exec touch -h -d "@$epoch" {} +
(cd "$root" && find . -mindepth 1 | sort |
	cpio -o -H newc -R 0:0 --reproducible --quiet) >"$tmp/root.cpio"
cat "$tmp/console.cpio" "$tmp/root.cpio" | gzip -9 -n >"$tmp/initrd.gz"

# -------------------------------------------------------------------- install
cp "$kimg" "$tmp/vmlinuz"
echo "$kver" >"$tmp/kernel.release"
echo "$kpkg $kver_pkg" >"$tmp/kernel.package"
cp "$root/data/known.bin" "$tmp/known.bin"
for o in vmlinuz known.bin known.sha256 kernel.release kernel.package initrd.gz; do
	mv -f "$tmp/$o" "$out/$o"
done
log "built $out: kernel $kver ($kpkg $kver_pkg), $(wc -l <"$tmp/graph") modules," \
	"vmlinuz $(wc -c <"$out/vmlinuz") bytes, initrd.gz $(wc -c <"$out/initrd.gz") bytes"
