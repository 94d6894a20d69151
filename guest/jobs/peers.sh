# Upstream's own mm selftests for migration and huge pages, run unchanged
# against this kernel's compaction (make test runs this job in its 2-node,
# 3-vCPU disk guest, make peers too): migration (move_pages() racing with
# access, needs two nodes and three CPUs), transhuge-stress (THP faults
# while compaction runs), split_huge_page_test (its page-cache cases on
# /mnt/xfs), khugepaged on anonymous memory (with swap), shmem and files
# (xfs and ext4), ksm_tests as run_vmtests.sh runs them, and the programs
# run_vmtests.sh groups under "hugetlb", with the pools it gives them,
# including the two hugetlb cgroup scripts and the two memory-failure
# tests.  khugepaged prints no TAP of its own; khugepaged_tap turns its
# "Run test:" blocks into cases.  Prints framed TAP (jobs/lib.sh).
. /jobs/lib.sh
thp=/sys/kernel/mm/transparent_hugepage

# khugepaged_tap FILE: khugepaged's output in FILE as planned TAP; a case
# with any failed step fails.  No case at all is a failure.
khugepaged_tap() {
	tr -d '\r\033' <"$1" | sed 's/\[[0-9;]*m//g' >/tmp/khugepaged.txt
	n=$(grep -c '^Run test: ' /tmp/khugepaged.txt)
	echo "TAP version 13"
	echo "1..$n"
	[ "$n" -gt 0 ] || return 1
	awk '
	function flush() {
		if (name == "") return
		n++
		print (failed ? "not ok " : "ok ") n " " name
		name = ""
	}
	/^Run test: / { flush(); name = substr($0, 11); failed = 0; next }
	/ Fail$/ { failed = 1 }
	{ print "# " $0 }
	END { flush() }' /tmp/khugepaged.txt
}

# khugepaged_run ARGS...: upstream's khugepaged with ARGS, as TAP.
khugepaged_run() {
	peer_khugepaged "$@" >/tmp/khugepaged.out 2>&1
	echo "# khugepaged $* exited $?"
	khugepaged_tap /tmp/khugepaged.out >/tmp/khugepaged.tap || return 1
	cat /tmp/khugepaged.tap
	! grep -q '^not ok' /tmp/khugepaged.tap
}

# khugepaged_peers: anonymous memory in both contexts (the swap-in cases
# with the guest's swap), then shmem and files on xfs and on ext4 through
# MADV_COLLAPSE.  Their khugepaged-context cases cannot pass on 6.12 with
# either kernel's compaction: khugepaged retracts the page table and
# leaves the range to be refaulted, and the test refaults it only after
# its MADV_NOHUGEPAGE (wait_for_scan()), which 6.12's do_set_pmd() obeys
# (vma_thp_disabled()), so the folio is mapped by PTEs and the test sees
# no PMD (traced: khugepaged collapsed every file, "succeeded").
khugepaged_peers() {
	selftest peer_khugepaged khugepaged_run all:anon
	selftest peer_khugepaged_shmem khugepaged_run madvise:shmem
	mkdir -p /mnt/xfs/khugepaged /mnt/ext4-1k/khugepaged
	selftest peer_khugepaged_file_xfs khugepaged_run madvise:file /mnt/xfs/khugepaged
	selftest peer_khugepaged_file_ext4 khugepaged_run madvise:file /mnt/ext4-1k/khugepaged
}

# ksm_peers: ksm_tests as run_vmtests.sh runs them (the NUMA pair needs
# this guest's two nodes), each invocation under a name of its own, with
# KSM's smart_scan off: with it on, a page that found no twin for a few
# scans is skipped for the next ones, so the NUMA pair, which waits for
# exactly two full scans after its second page appears, failed 4 times
# in 12 on ours (0 in 12 with it off; measured 2026-12-07). That is
# KSM's timing, the same on either kernel, not compaction's.
ksm_peers() {
	local smart
	smart=$(cat /sys/kernel/mm/ksm/smart_scan)
	echo 0 >/sys/kernel/mm/ksm/smart_scan
	selftest peer_ksm_tests_merge_time_huge peer_ksm_tests -H -s 100
	selftest peer_ksm_tests_merge_time peer_ksm_tests -P -s 100
	selftest peer_ksm_tests_madv_mergeable peer_ksm_tests -M -p 10
	selftest peer_ksm_tests_unmerge peer_ksm_tests -U
	selftest peer_ksm_tests_zero_pages_0 peer_ksm_tests -Z -p 10 -z 0
	selftest peer_ksm_tests_zero_pages_1 peer_ksm_tests -Z -p 10 -z 1
	selftest peer_ksm_tests_numa_merge_across_1 peer_ksm_tests -N -m 1
	selftest peer_ksm_tests_numa_merge_across_0 peer_ksm_tests -N -m 0
	echo "$smart" >/sys/kernel/mm/ksm/smart_scan
}

# cgroup_script NAME: one of the hugetlb cgroup scripts, from its own
# directory, on cgroup v2 (run_vmtests.sh's arguments).
cgroup_script() {
	(cd /selftests/mm && bash "./$1.sh" -cgroup-v2)
}

# peer_skip NAME REASON: a selftest this guest cannot run, as a skip.
peer_skip() {
	selftest "peer_$1" tap_skip "$1" "$2"
}

# hugetlb_pool N: grow the 2 MiB pool to N pages through compaction; a
# short pool is a failure (the peers would only skip for lack of pages).
hugetlb_pool() {
	echo "$1" >/proc/sys/vm/nr_hugepages
	got=$(cat /proc/sys/vm/nr_hugepages)
	echo "TAP version 13"
	echo "1..1"
	echo "# nr_hugepages: $got of $1"
	if [ "$got" -ge "$1" ]; then
		echo "ok 1 pool_of_$1"
	else
		echo "not ok 1 pool_of_$1"
		return 1
	fi
}

# hugetlb_peers: run_vmtests.sh's "hugetlb" category, in its order and
# with its pool sizes: 256 MiB of 2 MiB pages for the first programs
# (grown through compaction on memory the earlier tests fragmented; unlike
# run_vmtests.sh, no drop_caches or compact_memory first), one page for
# the madvise races.
hugetlb_peers() {
	local shmmax shmall
	selftest hugetlb_pool_128 hugetlb_pool 128
	peer hugepage-mmap
	shmmax=$(cat /proc/sys/kernel/shmmax) shmall=$(cat /proc/sys/kernel/shmall)
	echo 268435456 >/proc/sys/kernel/shmmax
	echo 4194304 >/proc/sys/kernel/shmall
	peer hugepage-shm
	echo "$shmmax" >/proc/sys/kernel/shmmax
	echo "$shmall" >/proc/sys/kernel/shmall
	peer map_hugetlb
	peer hugepage-mremap
	peer hugepage-vmemmap
	peer hugetlb-madvise
	peer hugetlb_dio
	selftest hugetlb_pool_1 hugetlb_pool 1
	peer hugetlb_fault_after_madv
	peer hugetlb_madv_vs_map
	echo 0 >/proc/sys/vm/nr_hugepages
	peer_skip thuge-gen "needs four free 1 GiB pages; the guest has 2 GiB"
	selftest peer_charge_reserved_hugetlb cgroup_script charge_reserved_hugetlb
	selftest peer_hugetlb_reparenting_test cgroup_script hugetlb_reparenting_test
}

# memory_failure_peers: run_vmtests.sh's destructive pair (-d), last, with
# the pool it needs: a page poisoned stays poisoned, which a throwaway
# guest can afford.  hugetlb-read-hwpoison cannot pass on 6.12: its
# MADV_HWPOISON on a page it maps itself is memory_failure() with
# MF_ACTION_REQUIRED, and kill_proc() then sends it SIGBUS (it has no
# handler), whichever compaction the kernel has.
memory_failure_peers() {
	local soft
	soft=$(cat /proc/sys/vm/enable_soft_offline)
	selftest hugetlb_pool_8 hugetlb_pool 8
	peer hugetlb-soft-offline
	echo 0 >/proc/sys/vm/nr_hugepages
	echo "$soft" >/proc/sys/vm/enable_soft_offline
	peer_skip hugetlb-read-hwpoison "6.12's MADV_HWPOISON sends the caller SIGBUS (kill_proc, MF_ACTION_REQUIRED); the test has no handler"
}

# peer NAME ARGS...: one of upstream's selftests, framed.
peer() {
	local name=$1
	shift
	selftest "peer_$name" "peer_$name" "$@"
}

if [ ! -d /mnt/xfs/. ] || ! grep -q ' /mnt/xfs xfs ' /proc/mounts; then
	selftest peers tap_skip peers "needs the disk guest (DISK=1)"
	exit 1
fi
echo always >$thp/enabled
echo always >$thp/defrag
# The hugetlb cases of migration move a 2 MiB page between the nodes.
echo 8 >/proc/sys/vm/nr_hugepages
peer migration
echo 0 >/proc/sys/vm/nr_hugepages
peer transhuge-stress -d 10 256
# split_huge_page_test splits its THPs through debugfs, which silently
# gives up on a folio that someone else holds a reference to; the test
# then bails out with "Still AnonHugePages not split" (seen now and then
# on both kernels).  One such holder: 6.12 queues every new anonymous THP
# for the deferred-split shrinker, which takes a reference to each while
# it looks for underused ones, and kswapd runs it when a THP fault finds
# no free 2 MiB block, as after transhuge-stress.  A compaction first
# leaves the test's faults free blocks.
echo 1 >/proc/sys/vm/compact_memory
peer split_huge_page_test /mnt/xfs
khugepaged_peers
echo madvise >$thp/enabled
echo madvise >$thp/defrag
ksm_peers
hugetlb_peers
memory_failure_peers
exit $job_rc
