#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Media change as the guest sees it: read /id.txt from the disc in the
# first CD-ROM drive, tell the host ("cdchange: ready"), then mount the
# drive again and again until a disc with another id.txt is in, and print
# it.  The host swaps the disc from its monitor (eject/change).
mkdir -p /mnt/cd
cd=$(ls /sys/block | grep -m1 '^sr')
[ -n "$cd" ] || { echo "cdchange: no CD-ROM"; exit 1; }
read_id() {
	mount -t iso9660 -o ro "/dev/$cd" /mnt/cd 2>/dev/null || return 1
	cat /mnt/cd/id.txt 2>/dev/null
	umount /mnt/cd
}
first=$(read_id)
echo "cdchange: first disc: $first"
echo "cdchange: ready"
i=0
while [ $i -lt 3000 ]; do
	# A read that fails half-way (the swap landed while the disc was
	# mounted: unit attention) gives an empty id; mount again.
	id=$(read_id) && [ -n "$id" ] && [ "$id" != "$first" ] &&
		{ echo "cdchange: new disc: $id"; exit 0; }
	sleep 0.2
	i=$((i + 1))
done
echo "cdchange: no new disc"
exit 1
