#!/usr/bin/env bash
# Unpack the pinned base tree once, then make build/src/ours from it:
# base, our linux/ files laid over it, then patches/series applied.
#
# base is never modified. ours is a hard-linked copy; every file we change
# there is replaced by a new inode (cp --remove-destination, and patch's
# own rename-into-place), so nothing is written through into base.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base=$BUILD/src/base
ours=$BUILD/src/ours
tarball=/usr/src/linux-source-6.12.tar.xz

unpack_base() {
	[ -f "$base/.unpacked-$LINUX_SOURCE_VERSION" ] && return 0
	[ -f "$tarball" ] || die "$tarball missing: run 'make deps' (installs linux-source-6.12)"
	have=$(dpkg-query -W -f='${Version}' linux-source-6.12)
	[ "$have" = "$LINUX_SOURCE_VERSION" ] ||
		die "installed linux-source-6.12 is $have, pinned is $LINUX_SOURCE_VERSION: run 'make deps'"
	need_disk 4 "$BUILD/src"
	stage "unpacking linux-source $LINUX_SOURCE_VERSION into build/src/base"
	rm -rf "$base" "$BUILD/src/.unpack"
	mkdir -p "$BUILD/src/.unpack"
	tar -xJf "$tarball" -C "$BUILD/src/.unpack"
	mv "$BUILD/src/.unpack/linux-source-6.12" "$base"
	rmdir "$BUILD/src/.unpack"
	touch "$base/.unpacked-$LINUX_SOURCE_VERSION"
}

# The inputs that make up 'ours'; a change to any of them rebuilds it.
inputs_digest() {
	(cd "$TOP" && find linux patches -type f -print0 | sort -z |
		xargs -0 sha256sum; echo "$LINUX_SOURCE_VERSION") | sha256sum | cut -d' ' -f1
}

# Files that differ from base keep their old mtime when their content did
# not change, so that an edit to one file does not rebuild the whole kernel.
keep_unchanged_mtimes() {
	local tmp=$1 f
	[ -d "$ours" ] || return 0
	{
		(cd "$TOP/linux" && find . -type f)
		cat "$TOP"/patches/*.patch 2>/dev/null | grep '^+++ ' | awk '{ print $2 }' | sed 's|^b/||'
	} | sort -u | while read -r f; do
		if [ -f "$ours/$f" ] && cmp -s "$ours/$f" "$tmp/$f"; then
			touch -r "$ours/$f" "$tmp/$f"
		fi
	done
}

make_ours() {
	local digest tmp f p
	digest=$(inputs_digest)
	[ "$(cat "$ours/.inputs" 2>/dev/null)" = "$digest" ] && return 0
	stage "making build/src/ours: base + linux/ + patches/series"
	tmp=$BUILD/src/.ours-new
	rm -rf "$tmp"
	cp -al "$base" "$tmp"
	rm -f "$tmp"/.unpacked-*
	(cd "$TOP/linux" && find . -type f) | while read -r f; do
		mkdir -p "$tmp/$(dirname "$f")"
		cp --remove-destination "$TOP/linux/$f" "$tmp/$f"
	done
	if [ -f "$TOP/patches/series" ]; then
		grep -v '^[[:space:]]*\(#\|$\)' "$TOP/patches/series" | while read -r p; do
			# Break hard links first: patch must never write into base.
			grep '^+++ ' "$TOP/patches/$p" | awk '{ print $2 }' | sed 's|^b/||' |
				while read -r f; do
					if [ "$tmp/$f" -ef "$base/$f" ]; then
						cp --remove-destination "$base/$f" "$tmp/$f"
					fi
				done
			patch -s -p1 -d "$tmp" --no-backup-if-mismatch <"$TOP/patches/$p" ||
				die "patches/$p does not apply to $LINUX_SOURCE_VERSION"
		done
	fi
	keep_unchanged_mtimes "$tmp"
	echo "$digest" >"$tmp/.inputs"
	rm -rf "$ours"
	mv "$tmp" "$ours"
}

# One tree maker at a time: concurrent makes would race on .ours-new.
mkdir -p "$BUILD/src"
exec 9>"$BUILD/src/.lock"
flock 9
unpack_base
[ "${1:-ours}" = base ] || make_ours
