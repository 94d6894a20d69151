# Upstream's own mm selftests for migration and huge pages, run unchanged
# against this kernel's compaction (make test runs this job in its 2-node,
# 3-vCPU boot): migration (move_pages() racing with access, needs two
# nodes and three CPUs), transhuge-stress (THP faults while compaction
# runs), split_huge_page_test, khugepaged on anonymous memory, and the
# programs run_vmtests.sh groups under "hugetlb", with the pools it gives
# them.  Prints TAP.  khugepaged prints no TAP of its own; khugepaged_tap
# turns its "Run test:" blocks into cases.  Its swap cases need a swap
# device, which the guest does not have, so they are reported as skipped.
rc=0
thp=/sys/kernel/mm/transparent_hugepage

# khugepaged_tap: stdin is khugepaged's output, stdout TAP.
khugepaged_tap() {
	tr -d '\r\033' | sed 's/\[[0-9;]*m//g' | awk '
	function flush() {
		if (name == "") return
		n++
		if (bad && swap) print "ok " n " " name " # SKIP needs swap, the guest has none"
		else if (bad) print "not ok " n " " name
		else print "ok " n " " name
		name = ""
	}
	/^Run test: / { flush(); name = substr($0, 11); bad = 0; swap = 0; next }
	/ Fail$/ { bad = 1; if ($0 ~ /^Swapout/) swap = 1 }
	{ print "# " $0 }
	END { flush() }'
}

# peer_skip NAME REASON: a selftest this guest cannot run, as a skip.
peer_skip() {
	echo "SELFTEST-START peer_$1"
	echo "ok 1 $1 # SKIP $2"
	echo "SELFTEST-END peer_$1 rc=4"
}

# hugetlb_peers: run_vmtests.sh's "hugetlb" category, in its order and
# with its pool sizes: 256 MiB of 2 MiB pages for the first programs
# (grown through compaction on memory the earlier tests fragmented; unlike
# run_vmtests.sh, no drop_caches or compact_memory first), one page for
# the madvise races.
hugetlb_peers() {
	local shmmax shmall
	echo 128 >/proc/sys/vm/nr_hugepages
	echo "# nr_hugepages: $(cat /proc/sys/vm/nr_hugepages) of 128"
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
	echo 1 >/proc/sys/vm/nr_hugepages
	peer hugetlb_fault_after_madv
	peer hugetlb_madv_vs_map
	echo 0 >/proc/sys/vm/nr_hugepages
	peer_skip thuge-gen "needs four free 1 GiB pages, the guest has 2 GiB"
	peer_skip charge_reserved_hugetlb "needs the hugetlb cgroup controller, CONFIG_CGROUP_HUGETLB is off"
	peer_skip hugetlb_reparenting_test "needs the hugetlb cgroup controller, CONFIG_CGROUP_HUGETLB is off"
	peer_skip hugetlb-soft-offline "destructive (run_vmtests.sh -d), needs CONFIG_MEMORY_FAILURE"
	peer_skip hugetlb-read-hwpoison "destructive (run_vmtests.sh -d), needs CONFIG_MEMORY_FAILURE"
}

# peer NAME ARGS...: one selftest between SELFTEST markers.
peer() {
	local name=$1 r
	shift
	echo "SELFTEST-START peer_$name"
	"peer_$name" "$@"
	r=$?
	echo "SELFTEST-END peer_$name rc=$r"
	[ $r -eq 0 ] || [ $r -eq 4 ] || rc=1
}

echo always >$thp/enabled
echo always >$thp/defrag
# The hugetlb cases of migration move a 2 MiB page between the nodes.
echo 8 >/proc/sys/vm/nr_hugepages
peer migration
echo 0 >/proc/sys/vm/nr_hugepages
peer transhuge-stress -d 10 256
peer split_huge_page_test
echo "SELFTEST-START peer_khugepaged"
peer_khugepaged all:anon >/tmp/khugepaged.out 2>&1
echo "# khugepaged exited $?"
khugepaged_tap </tmp/khugepaged.out >/tmp/khugepaged.tap
cat /tmp/khugepaged.tap
r=0
grep -q '^not ok' /tmp/khugepaged.tap && r=1
grep -q '^ok' /tmp/khugepaged.tap || r=1
echo "SELFTEST-END peer_khugepaged rc=$r"
[ $r -eq 0 ] || rc=1
echo madvise >$thp/enabled
echo madvise >$thp/defrag
hugetlb_peers
exit $rc
