# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the guest builders (sourced, POSIX sh): fetch Debian packages
# into a cache without installing them.  The caller defines log() and die()
# and sets $cache (where .debs are kept) and $tmp (a scratch directory).

candidate_version() {
	apt-cache show --no-all-versions "$1" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1
}
candidate_sha256() {
	apt-cache show --no-all-versions "$1" 2>/dev/null | sed -n 's/^SHA256: //p' | head -n 1
}

# fetch_deb PKG: print the path of PKG's candidate .deb in the cache,
# downloading it (verified by apt against the signed archive) if needed.
# Without apt's package lists, a single cached .deb of PKG is used.
fetch_deb() {
	pkg=$1
	ver=$(candidate_version "$pkg")
	if [ -z "$ver" ]; then
		set -- "$cache/${pkg}_"*.deb
		if [ $# -eq 1 ] && [ -s "$1" ]; then
			log "warning: apt knows no $pkg (no apt-get update?); using cached $(basename "$1")"
			echo "$1"
			return
		fi
		die "apt knows no package $pkg (run apt-get update)"
	fi
	sum=$(candidate_sha256 "$pkg")
	deb=$cache/${pkg}_$(printf '%s' "$ver" | sed 's/:/%3a/g')_amd64.deb
	if [ -s "$deb" ] && [ -n "$sum" ] &&
	   [ "$(sha256sum <"$deb" | cut -d' ' -f1)" != "$sum" ]; then
		log "cached $(basename "$deb") does not match the archive; fetching again"
		rm -f "$deb"
	fi
	if [ ! -s "$deb" ]; then
		log "downloading $pkg $ver"
		dl=$tmp/download
		rm -rf "$dl"; mkdir -p "$dl"
		# As root, let apt write where its _apt sandbox user may not.
		sandbox=
		[ "$(id -u)" = 0 ] && sandbox="-o APT::Sandbox::User=root"
		# shellcheck disable=SC2086
		if ! (cd "$dl" && apt-get download -q=2 $sandbox "$pkg:amd64=$ver") >&2; then
			# Stale package lists name a version the archive dropped:
			# refresh them once (as root) and retry.
			[ "$(id -u)" = 0 ] && apt-get update -qq >&2 ||
				die "apt-get download $pkg=$ver failed (run apt-get update)"
			(cd "$dl" && apt-get download -q=2 $sandbox "$pkg:amd64=$ver") >&2 ||
				die "apt-get download $pkg=$ver failed"
		fi
		set -- "$dl"/*.deb
		if [ $# -ne 1 ] || [ ! -s "$1" ]; then
			die "apt-get download $pkg left no .deb"
		fi
		mv "$1" "$deb"
	fi
	echo "$deb"
}
