#!/usr/bin/env bash
# Build the guest initramfs: busybox-static, /init, the job scripts, our
# static guest programs and the selftests, built from the trees.
#   scripts/initramfs.sh            -> build/guest/initramfs.cpio.gz
#   scripts/initramfs.sh PROG OUT   -> OUT: an extra archive holding /user/PROG
set -euo pipefail
. "$(dirname "$0")/lib.sh"

CFLAGS=(-static -O2 -Wall)
gdir=$BUILD/guest
root=$gdir/root

# cpio_of DIR OUT: a newc archive of DIR, owned by root.
cpio_of() {
	(cd "$1" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) | gzip -1 >"$2.tmp"
	mv "$2.tmp" "$2"
}

if [ $# -eq 2 ]; then
	prog=$1 out=$2
	[ -f "$prog" ] || die "RUN=$prog: no such file"
	file -L "$prog" 2>/dev/null | grep -q 'statically linked\|static-pie' ||
		[ "${DISK:-0}" = 1 ] || echo "warning: $prog does not look statically linked; only the disk guest (DISK=1) has Debian's libc" >&2
	# A directory of its own, so that two guests started at once with
	# RUN= do not empty each other's.
	mkdir -p "$gdir"
	extra=$(mktemp -d "$gdir/extra.XXXXXX")
	trap 'rm -rf "$extra"' EXIT
	mkdir -p "$extra/user"
	cp "$prog" "$extra/user/"
	chmod +x "$extra/user/$(basename "$prog")"
	cpio_of "$extra" "$out"
	exit 0
fi

[ -x /bin/busybox ] || die "/bin/busybox missing: run 'make deps' (installs busybox-static)"

# Rebuilt only when an input changed: our guest files and these scripts,
# the selftests of both trees, and the host's packages (busybox, gcc, the
# C library, the disk guest's programs).  The stamp is removed before a
# build and written after it, so a build that stopped half-way is redone.
stamp=$gdir/.inputs
inputs_digest() {
	{
		find "$TOP/guest" "$TOP/bench" "$TOP/scripts/initramfs.sh" "$TOP/scripts/disk.sh" \
			"$BUILD/src/base/tools/testing/selftests" "$BUILD/src/ours/tools/testing/selftests" \
			-type f -print0 2>/dev/null | LC_ALL=C sort -z | xargs -0 sha256sum
		echo "$LINUX_SOURCE_VERSION"
		dpkg-query -W -f '${Package} ${Version}\n' 2>/dev/null || echo "no package list"
	} | sha256sum | cut -d' ' -f1
}
digest=$(inputs_digest)
outputs=("$gdir/initramfs.cpio.gz" "$BUILD"/disk/{root,xfs,ext4-1k,swap}.img)
if [ "$(cat "$stamp" 2>/dev/null)" = "$digest" ] && ls "${outputs[@]}" >/dev/null 2>&1; then
	echo "initramfs: $gdir/initramfs.cpio.gz and build/disk are up to date"
	exit 0
fi
rm -f "$stamp"
rm -rf "$root"
mkdir -p "$root"/{bin,jobs,proc,sys,dev,tmp}
cp /bin/busybox "$root/bin/busybox"
cp "$TOP/guest/init" "$root/init"
chmod +x "$root/init"
cp "$TOP"/guest/jobs/*.sh "$root/jobs/"
cp -r "$TOP/guest/golden" "$root/golden"

# Our guest programs: every guest/*.c and bench/*.c with a main().  The
# benchmarks that run only in the disk guest (bench.sh's DISK_WORKLOADS)
# go to $gdir/disk-bin, which disk.sh adds to the root image: the
# initramfs's size moves where the boot's rootfs pages land, which can
# never move (ramfs), and contig's 1 GiB page needs a 1 GiB range free of
# them (it failed every time with these three in the initramfs).
disk_only="bench_pcholes bench_stressng bench_uptime"
rm -rf "$gdir/disk-bin" && mkdir -p "$gdir/disk-bin"
for c in "$TOP"/guest/*.c "$TOP"/bench/*.c; do
	[ -f "$c" ] || continue
	name=$(basename "$c" .c) dir=$root/bin
	case " $disk_only " in *" $name "*) dir=$gdir/disk-bin ;; esac
	gcc "${CFLAGS[@]}" -I"$TOP/guest" -o "$dir/$name" "$c" ||
		die "guest program $c does not compile"
done

# Selftests: upstream's compaction_test from the pristine tree, and the
# tree's own compaction_test from ours (ours replaces it once we have one).
st=tools/testing/selftests/mm
gcc "${CFLAGS[@]}" -I"$BUILD/src/base/tools/testing/selftests" \
	-o "$root/bin/compaction_test_upstream" "$BUILD/src/base/$st/compaction_test.c" ||
	die "upstream compaction_test does not compile"
if [ -f "$BUILD/src/ours/$st/compaction_test.c" ] &&
	! cmp -s "$BUILD/src/base/$st/compaction_test.c" "$BUILD/src/ours/$st/compaction_test.c"; then
	gcc "${CFLAGS[@]}" -I"$BUILD/src/ours/tools/testing/selftests" \
		-I"$BUILD/src/ours/$st" -o "$root/bin/compaction_test" \
		"$BUILD/src/ours/$st/compaction_test.c" ||
		die "our compaction_test does not compile"
fi

# Peer selftests: upstream's mm selftests that exercise migration and huge
# pages, built from the pristine tree against its own uapi headers (made
# once per tree with 'make headers'; the C library's are older).  The
# guest job peers.sh runs them as peer_NAME.
uapi=$BUILD/uapi
if [ ! -f "$uapi/.done-$LINUX_SOURCE_VERSION" ]; then
	rm -rf "$uapi"
	make -s -C "$BUILD/src/base" O="$uapi" headers >/dev/null ||
		die "make headers in build/src/base failed"
	touch "$uapi/.done-$LINUX_SOURCE_VERSION"
fi
peer_cflags=("${CFLAGS[@]}" -isystem "$uapi/usr/include"
	-I"$BUILD/src/base/tools/testing/selftests" -I"$BUILD/src/base/$st"
	-I"$BUILD/src/base" -D_GNU_SOURCE= -include kselftest.h)
# migration and THP, then run_vmtests.sh's "hugetlb" category (those
# programs this guest can run; peers.sh reports the others as skipped).
# The disk guest (disk.sh) adds what runs there: ksm_tests, userfaultfd's
# hugepage-mremap, the hugetlb cgroup scripts' write_to_hugetlbfs and the
# memory-failure tests.
peers="migration transhuge-stress split_huge_page_test khugepaged
	hugepage-mmap hugepage-shm map_hugetlb hugepage-vmemmap hugetlb-madvise
	hugetlb_dio hugetlb_fault_after_madv hugetlb_madv_vs_map
	hugepage-mremap ksm_tests write_to_hugetlbfs hugetlb-soft-offline
	hugetlb-read-hwpoison"
for t in $peers; do
	gcc "${peer_cflags[@]}" -o "$root/bin/peer_$t" "$BUILD/src/base/$st/$t.c" \
		"$BUILD/src/base/$st/vm_util.c" "$BUILD/src/base/$st/thp_settings.c" \
		-lnuma -lpthread || die "upstream selftest $t does not compile"
done
cpio_of "$root" "$gdir/initramfs.cpio.gz"
echo "initramfs: $gdir/initramfs.cpio.gz ($(du -h "$gdir/initramfs.cpio.gz" | cut -f1))"
# The disk guest's images are made from the same files.
"$TOP/scripts/disk.sh"
echo "$digest" >"$stamp"
