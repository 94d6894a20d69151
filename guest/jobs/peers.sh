# Upstream's own mm selftests for migration and huge pages, run unchanged
# against this kernel's compaction (make test runs this job in its 2-node,
# 3-vCPU boot): migration (move_pages() racing with access, needs two
# nodes and three CPUs), transhuge-stress (THP faults while compaction
# runs), split_huge_page_test, and khugepaged on anonymous memory.  Prints
# TAP.  khugepaged prints no TAP of its own; khugepaged_tap turns its
# "Run test:" blocks into cases.  Its swap cases need a swap device, which
# the guest does not have, so they are reported as skipped.
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
exit $rc
