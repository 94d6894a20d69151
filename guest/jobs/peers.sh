# Upstream's own mm selftests for migration and huge pages, run unchanged
# against this kernel's compaction (make test runs this job in its 2-node,
# 3-vCPU boot): migration (move_pages() racing with access, needs two
# nodes and three CPUs), transhuge-stress (THP faults while compaction
# runs), split_huge_page_test, khugepaged on anonymous memory, and the
# programs run_vmtests.sh groups under "hugetlb", with the pools it gives
# them.  Prints framed TAP (jobs/lib.sh).  khugepaged prints no TAP of its
# own; khugepaged_tap turns its "Run test:" blocks into cases.  Its swap
# cases need a swap device, which the guest does not have: a case that
# fails only at its "Swapout" step is reported as a skip (the host's
# expected-skip list names each), any other failure in it fails.
. /jobs/lib.sh
thp=/sys/kernel/mm/transparent_hugepage

# khugepaged_tap FILE: khugepaged's output in FILE as planned TAP. A case
# that failed only on its "Swapout" step is a skip; one that failed on any
# other step too is a failure.  No case at all is a failure.
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
		if (other) print "not ok " n " " name
		else if (swap) print "ok " n " " name " # SKIP Swapout failed: needs swap, the guest has none"
		else print "ok " n " " name
		name = ""
	}
	/^Run test: / { flush(); name = substr($0, 11); other = 0; swap = 0; next }
	/ Fail$/ { if ($0 ~ /^Swapout/) swap = 1; else other = 1 }
	{ print "# " $0 }
	END { flush() }' /tmp/khugepaged.txt
}

# khugepaged_run: upstream's khugepaged on anonymous memory, as TAP.
khugepaged_run() {
	peer_khugepaged all:anon >/tmp/khugepaged.out 2>&1
	echo "# khugepaged exited $?"
	khugepaged_tap /tmp/khugepaged.out >/tmp/khugepaged.tap || return 1
	cat /tmp/khugepaged.tap
	! grep -q '^not ok' /tmp/khugepaged.tap
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
	peer_skip hugepage-mremap "needs userfaultfd, CONFIG_USERFAULTFD is off"
	peer hugepage-vmemmap
	peer hugetlb-madvise
	peer hugetlb_dio
	selftest hugetlb_pool_1 hugetlb_pool 1
	peer hugetlb_fault_after_madv
	peer hugetlb_madv_vs_map
	echo 0 >/proc/sys/vm/nr_hugepages
	peer_skip thuge-gen "needs four free 1 GiB pages, the guest has 2 GiB"
	peer_skip charge_reserved_hugetlb "needs the hugetlb cgroup controller, CONFIG_CGROUP_HUGETLB is off"
	peer_skip hugetlb_reparenting_test "needs the hugetlb cgroup controller, CONFIG_CGROUP_HUGETLB is off"
	peer_skip hugetlb-soft-offline "destructive (run_vmtests.sh -d), needs CONFIG_MEMORY_FAILURE"
	peer_skip hugetlb-read-hwpoison "destructive (run_vmtests.sh -d), needs CONFIG_MEMORY_FAILURE"
}

# peer NAME ARGS...: one of upstream's selftests, framed.
peer() {
	local name=$1
	shift
	selftest "peer_$name" "peer_$name" "$@"
}

echo always >$thp/enabled
echo always >$thp/defrag
# The hugetlb cases of migration move a 2 MiB page between the nodes.
echo 8 >/proc/sys/vm/nr_hugepages
peer migration
echo 0 >/proc/sys/vm/nr_hugepages
peer transhuge-stress -d 10 256
peer split_huge_page_test
selftest peer_khugepaged khugepaged_run
echo madvise >$thp/enabled
echo madvise >$thp/defrag
hugetlb_peers
exit $job_rc
