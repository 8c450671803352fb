#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A user's mistake gets one clear line on stderr and exit status 1; help and
# version exit 0.  No guest runs here.
. "$(dirname "$0")/lib.sh"

# check_err EXPECTED-REGEX ARGS...: status 1, exactly one line, matching.
check_err() {
    local want=$1
    shift
    local out=$TMP/err
    "$HVEMU" "$@" </dev/null >"$out" 2>&1
    local st=$?
    [ $st -eq 1 ] || { cat "$out"; fail "'$*': status $st, expected 1"; }
    [ "$(wc -l <"$out")" -eq 1 ] || { cat "$out"; fail "'$*': expected exactly one line"; }
    grep -Eq "^hvemu: .*$want" "$out" || { cat "$out"; fail "'$*': message does not match /$want/"; }
}

K=$GUESTS/kernels
# options
check_err "-bogus: invalid option" -bogus
check_err "--bogus: invalid option" --bogus
check_err "requires an argument" -m
check_err "-m: invalid RAM size 'lots'" -m lots
check_err "-m: invalid RAM size '0'" -m 0
check_err "-smp: invalid CPU count 'x'" -smp x
check_err "-smp: 0 CPUs" -smp 0
check_err "-smp: maxcpus=4 must equal cpus" -smp 2,maxcpus=4
check_err "machine type 'q35' is not supported" -machine q35
check_err "-machine: unknown option 'foo'" -machine pc,foo=bar
check_err "-accel nope: unknown accelerator" -accel nope
check_err "-accel bogus: unknown accelerator" -accel kvm:bogus
check_err "-serial bogus:" -serial bogus: -kernel "$K/pm32.elf"
check_err "-serial chardev:nope: no chardev with id 'nope'" -serial chardev:nope -kernel "$K/pm32.elf"
check_err "-device frob: unknown device 'frob'" -device frob -kernel "$K/pm32.elf"
check_err "-device isa-debug-exit,iobase=zz" -device isa-debug-exit,iobase=zz -kernel "$K/pm32.elf"
check_err "-rtc: invalid base 'yesterday'" -rtc base=yesterday -kernel "$K/pm32.elf"
check_err "-d: unknown log item 'nothing'" -d nothing -kernel "$K/pm32.elf"
check_err "-initrd only makes sense with -kernel" -initrd /dev/null
check_err "-display sdl: only 'none'" -display sdl
check_err "-icount: shift must be a number from 0 to 10" -icount shift=11
check_err "-icount: shift must be a number from 0 to 10 \('auto' is not supported\)" -icount auto
check_err "-icount needs the soft CPU \(-accel soft\), not 'kvm'" -accel kvm -icount 1 -kernel "$K/pm32.elf"
# files: missing, empty, not a kernel, truncated Multiboot header
check_err "-kernel $TMP/missing: No such file or directory" -accel test -kernel "$TMP/missing"
: >"$TMP/empty"
check_err "-kernel $TMP/empty: .*empty" -accel test -kernel "$TMP/empty"
head -c 100000 /dev/urandom | tr -d '\0' | head -c 65536 >"$TMP/junk"
check_err "-kernel $TMP/junk: not a Linux bzImage or Multiboot kernel" -accel test -kernel "$TMP/junk"
# Multiboot magic at the very end of the file: header cut short.
{ head -c 64 /dev/zero; printf '\x02\xb0\xad\x1b\x00\x00'; } >"$TMP/trunc"
check_err "-kernel $TMP/trunc: Multiboot header truncated" -accel test -kernel "$TMP/trunc"
check_err "-initrd $TMP/missing: No such file or directory" \
    -accel test -kernel "$K/pm32.elf" -initrd "$TMP/missing"
check_err "-bios $TMP/missing: No such file or directory" -accel test -bios "$TMP/missing"
check_err "-bios $TMP/empty: size 0 is not a multiple of 64 KiB" -accel test -bios "$TMP/empty"

check_err "-kernel with firmware: only Linux bzImages boot through the firmware" \
    -accel test -kernel "$K/pm32.elf" -bios "$GUESTS/kernels/realmode.bin"

# disks and boot order
PM=(-accel test -display none -serial none -nodefaults -kernel "$K/pm32.elf")
truncate -s 1M "$TMP/disk.img"
mkdir "$TMP/dir"
check_err "-drive file=$TMP/missing.img: could not open '$TMP/missing.img': No such file or directory" \
    "${PM[@]}" -drive file="$TMP/missing.img"
check_err "-hda $TMP/missing.img: could not open '$TMP/missing.img': No such file or directory" \
    "${PM[@]}" -hda "$TMP/missing.img"
check_err "-cdrom $TMP/missing.iso: could not open" "${PM[@]}" -cdrom "$TMP/missing.iso"
check_err "could not open '$TMP/dir': Is a directory" "${PM[@]}" -drive file="$TMP/dir",format=raw
check_err "format 'qcow2' is not supported \(raw only\)" \
    "${PM[@]}" -drive file="$TMP/disk.img",format=qcow2
printf 'QFI\xfb\0\0\0\3' | dd of="$TMP/q.img" conv=notrunc status=none
truncate -s 64K "$TMP/q.img"
check_err "'$TMP/q.img' is a qcow2 image: format 'qcow2' is not supported" \
    "${PM[@]}" -drive file="$TMP/q.img"
check_err "invalid cache mode 'fast'" "${PM[@]}" -drive file="$TMP/disk.img",format=raw,cache=fast
check_err "if=virtio is not supported \(only if=ide\)" \
    "${PM[@]}" -drive file="$TMP/disk.img",format=raw,if=virtio
check_err "-drive media=disk: a disk drive needs file=PATH" "${PM[@]}" -drive media=disk
check_err "-drive file=$TMP/disk.img,format=raw,index=2: drive index 2 is already in use" \
    "${PM[@]}" -cdrom "$TMP/disk.img" -drive file="$TMP/disk.img",format=raw,index=2
check_err "index=4: IDE has indexes 0 to 3" "${PM[@]}" -drive file="$TMP/disk.img",index=4
check_err "index cannot be used with bus and unit" \
    "${PM[@]}" -drive file="$TMP/disk.img",index=1,bus=0
check_err "-drive file=$TMP/disk.img,format=raw,bogus=1: unknown option 'bogus'" \
    "${PM[@]}" -drive file="$TMP/disk.img",format=raw,bogus=1
check_err "cache=none needs O_DIRECT, which the file system does not support" \
    "${PM[@]}" -drive file=/proc/version,format=raw,readonly=on,cache=none
check_err "-boot order=x: Invalid boot device 'x'" "${PM[@]}" -boot x
check_err "-boot order=e: Invalid boot device for PC: 'e'" "${PM[@]}" -boot order=e
check_err "Boot device 'd' was given twice" "${PM[@]}" -boot once=dd
check_err "Too many boot devices for PC" "${PM[@]}" -boot order=acdn
check_err "-boot menu=maybe: expects on or off" "${PM[@]}" -boot menu=maybe
check_err "-boot reboot-timeout=70000: it should be a value between -1 and 65535" \
    "${PM[@]}" -boot reboot-timeout=70000
# Permission: chmod for users; root needs the immutable flag (skipped where
# chattr cannot set it).
cp "$TMP/disk.img" "$TMP/ro.img"
if [ "$(id -u)" != 0 ]; then
    chmod 0444 "$TMP/ro.img"
    check_err "could not open '$TMP/ro.img': Permission denied" \
        "${PM[@]}" -drive file="$TMP/ro.img",format=raw
elif chattr +i "$TMP/ro.img" 2>/dev/null; then
    check_err "could not open '$TMP/ro.img': Operation not permitted" \
        "${PM[@]}" -drive file="$TMP/ro.img",format=raw
    chattr -i "$TMP/ro.img"
fi
# Locks: a second hvemu process may not open a disk another one writes.
"$HVEMU" "${PM[@]}" -S -drive file="$TMP/disk.img",format=raw </dev/null >"$TMP/holder.log" 2>&1 &
holder=$!
ino=$(stat -c %i "$TMP/disk.img")
for _ in $(seq 100); do
    grep -q "OFDLCK.*:$ino " /proc/locks && break
    kill -0 $holder 2>/dev/null || { cat "$TMP/holder.log"; fail "the lock holder exited"; }
    sleep 0.1
done
grep -q "OFDLCK.*:$ino " /proc/locks || fail "the first hvemu took no lock"
check_err "Failed to get \"write\" lock: '$TMP/disk.img' is in use by another process" \
    "${PM[@]}" -drive file="$TMP/disk.img",format=raw
check_err "Failed to get shared \"write\" lock: '$TMP/disk.img' is in use" \
    "${PM[@]}" -drive file="$TMP/disk.img",format=raw,readonly=on
check_err "Failed to get shared \"write\" lock" "${PM[@]}" -cdrom "$TMP/disk.img"
kill $holder
wait $holder
[ $? -eq 0 ] || { cat "$TMP/holder.log"; fail "the lock holder did not exit cleanly"; }
# -smbios
check_err "-smbios vendor=x: missing type=" -smbios vendor=x
check_err "-smbios type=9: unsupported type '9' \(supported: 0, 1, 2, 3, 4, 17\)" -smbios type=9
check_err "-smbios type=1,vendor=x: type 1 has no field 'vendor'" -smbios type=1,vendor=x
check_err "-smbios type=0,release=x: release must be MAJOR.MINOR" -smbios type=0,release=x
check_err "-smbios type=1,uuid=nope: invalid UUID 'nope'" -smbios type=1,uuid=nope
check_err "-smbios type=4,max-speed=99999: max-speed must be a number from 0 to 65534" \
    -smbios type=4,max-speed=99999
check_err "-smbios file=x.bin: binary tables \(file=\) are not supported" -smbios file=x.bin
check_err "SMBIOS tables too large" -accel test -smp 200 \
    -smbios "type=4,part=$(head -c 1000 /dev/zero | tr '\0' p)" -kernel "$K/pm32.elf"

# help and version
"$HVEMU" --help >"$TMP/help" 2>&1 || fail "--help failed"
grep -q -- "-kernel FILE" "$TMP/help" || fail "--help lacks -kernel"
"$HVEMU" -version | grep -q "^hvemu version " || fail "-version"
"$HVEMU" --version | grep -q "^hvemu version " || fail "--version"
echo "all CLI error cases behaved"
