#!/usr/bin/env bash
# Build the disk guest's images from the initramfs root (initramfs.sh runs
# this last), without root and without loop mounts:
#   build/disk/root.img     ext4 root (mke2fs -d): the initramfs's files,
#                           upstream's mm selftests and their scripts, and
#                           Debian's stress-ng, fio, perf, trace-cmd, bash
#                           and util-linux, each with the libraries it loads
#   build/disk/xfs.img      an empty xfs, mounted at /mnt/xfs
#   build/disk/ext4-1k.img  an empty ext4 of 1 KiB blocks (four buffer heads
#                           per page), mounted at /mnt/ext4-1k
#   build/disk/swap.img     a swap area (the guest adds zswap in front)
# Every image is sparse and written as NAME.tmp, then renamed: an image
# that a killed run left half-made is never used (a leftover .tmp is
# deleted). The guest opens them with snapshot=on, so no boot writes to
# them and every boot starts from the same state.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ddir=$BUILD/disk
stage_dir=$ddir/root
initroot=$BUILD/guest/root
[ -d "$initroot" ] || die "$initroot missing: run 'make initramfs' first"
for tool in mke2fs mkfs.xfs mkswap; do
	command -v "$tool" >/dev/null || PATH=$PATH:/sbin:/usr/sbin
	command -v "$tool" >/dev/null || die "$tool missing: run 'make deps' (installs e2fsprogs, xfsprogs, util-linux)"
done

# The programs of other people the disk guest carries, by host path.
debian_programs=(/usr/bin/stress-ng /usr/bin/fio /usr/bin/perf /usr/bin/trace-cmd
	/bin/bash /sbin/swapon /sbin/swapoff /sbin/mkswap /bin/df /bin/mount /bin/umount
	/usr/bin/taskset /usr/bin/stat /usr/bin/numfmt /usr/bin/pgrep /usr/bin/pkill /usr/bin/ps)
for p in "${debian_programs[@]}"; do
	[ -x "$p" ] || die "$p missing: run 'make deps' (installs stress-ng, fio, linux-perf, trace-cmd, util-linux, coreutils, procps)"
done

mkdir -p "$ddir"
rm -f "$ddir"/*.tmp
need_disk 1 "$ddir"

# image_failed WHAT: mkfs failed; a full disk is the usual cause.
image_failed() {
	rm -f "$ddir"/*.tmp
	die "$1 failed (output above); $(df -Ph "$ddir" | awk 'NR == 2 { print $4 }') free under $ddir: if the disk is full, free some space (make clean removes build/) and retry"
}

# in_image PATH: where a host path goes in the staging tree. Debian merges
# /bin, /sbin and /lib into /usr; the image keeps /bin and /sbin for
# busybox, so host programs go under /usr and libraries under /usr/lib.
in_image() {
	case "$1" in
	/usr/*) echo "$stage_dir$1" ;;
	/lib64/*) echo "$stage_dir/usr/lib64/${1#/lib64/}" ;;
	/*) echo "$stage_dir/usr$1" ;;
	esac
}

# copy_program PATH: the program and every library ldd says it loads.
copy_program() {
	local prog=$1 lib dest
	dest=$(in_image "$prog")
	mkdir -p "$(dirname "$dest")"
	cp -L "$prog" "$dest"
	for lib in $(ldd "$prog" | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }'); do
		dest=$(in_image "$lib")
		[ -e "$dest" ] && continue
		mkdir -p "$(dirname "$dest")"
		cp -L "$lib" "$dest"
	done
}

stage "disk images: ext4 root, xfs, ext4 with 1 KiB blocks, swap (build/disk)"
rm -rf "$stage_dir"
cp -a "$initroot" "$stage_dir"
# The benchmarks that run only here (initramfs.sh keeps them out of the
# initramfs).
cp -a "$BUILD/guest/disk-bin/." "$stage_dir/bin/"
mkdir -p "$stage_dir"/{usr/lib,usr/lib64,usr/bin,usr/sbin,mnt/xfs,mnt/ext4-1k,etc,root,var/tmp}
ln -s usr/lib "$stage_dir/lib"
ln -s usr/lib64 "$stage_dir/lib64"
for p in "${debian_programs[@]}"; do
	copy_program "$p"
done
# trace-cmd's and perf's event parsers load these plugins when present.
for d in /usr/lib/x86_64-linux-gnu/traceevent /usr/lib/x86_64-linux-gnu/trace-cmd; do
	[ -d "$d" ] && mkdir -p "$(in_image "$d")" && cp -a "$d/." "$(in_image "$d")"
done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$stage_dir/etc/passwd"
printf 'root:x:0:\n' >"$stage_dir/etc/group"
# Busybox applets that no Debian program above replaces.
for applet in $(/bin/busybox --list-full); do
	[ -e "$stage_dir/$applet" ] || [ -e "$(in_image "/$applet")" ] && continue
	mkdir -p "$stage_dir/$(dirname "$applet")"
	ln -s /bin/busybox "$stage_dir/$applet"
done

# Upstream's mm selftests that want a disk, swap, cgroups or KSM, with
# the scripts that drive them, in /selftests/mm (they run from there).
st=$BUILD/src/base/tools/testing/selftests/mm
mkdir -p "$stage_dir/selftests/mm"
for f in "$initroot"/bin/peer_*; do
	ln -s "/bin/${f##*/}" "$stage_dir/selftests/mm/${f##*/peer_}"
done
cp "$st"/charge_reserved_hugetlb.sh "$st"/hugetlb_reparenting_test.sh \
	"$st"/write_hugetlb_memory.sh "$stage_dir/selftests/mm/"

# make_image NAME SIZE MKFS...: a sparse file of SIZE, made by MKFS.
make_image() {
	local name=$1 size=$2
	shift 2
	truncate -s "$size" "$ddir/$name.tmp"
	"$@" "$ddir/$name.tmp" >"$ddir/$name.log" 2>&1 || {
		cat "$ddir/$name.log" >&2
		image_failed "$* (making $name)"
	}
	mv "$ddir/$name.tmp" "$ddir/$name"
}
make_image root.img 4G mke2fs -q -t ext4 -F -L root -E root_owner=0:0 -d "$stage_dir"
make_image xfs.img 4G mkfs.xfs -q -f -L xfs
make_image ext4-1k.img 1G mke2fs -q -t ext4 -F -b 1024 -L ext4-1k
make_image swap.img 1G mkswap -L swap
echo "disk: $ddir/root.img ($(du -h "$ddir/root.img" | cut -f1) used), xfs.img, ext4-1k.img, swap.img"
