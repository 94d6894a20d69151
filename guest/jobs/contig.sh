# Contiguous-range allocations through alloc_contig_range(): a CMA area and
# a 1 GiB gigantic hugetlb page, with memory full of movable pages that
# must be migrated out of the way, every byte checked afterwards; then
# the whole CMA area around pages that 1100 processes map (contig_shared),
# and around zram's zsmalloc pages. Needs a 4 GiB guest booted with cma=.
# Prints framed TAP (jobs/lib.sh).
#
# The gigantic page gets a lighter fill (a quarter of free memory): with
# more, the filler's page tables land in every 1 GiB range and upstream
# fails as well.

# fill PCT: start contig_fill in the background; wait until it is ready.
fill() {
	rm -f /tmp/contig.done /tmp/fill.log
	contig_fill "$1" >/tmp/fill.log 2>&1 &
	filler=$!
	while ! grep -q filled /tmp/fill.log 2>/dev/null; do
		kill -0 $filler 2>/dev/null || break
		sleep 1
	done
	echo "# $(head -n 1 /tmp/fill.log)"
}

# case_of N NAME STATUS: TAP case N from a status; a failure fails the program.
case_of() {
	if [ "$3" -eq 0 ]; then
		echo "ok $1 $2"
	else
		echo "not ok $1 $2"
		rc=1
	fi
}

# unfill N NAME: let the filler check its bytes; report TAP case N.
unfill() {
	touch /tmp/contig.done
	wait $filler
	r=$?
	echo "# $(tail -n 1 /tmp/fill.log)"
	case_of "$1" "$2" $r
}

cma_alloc() {
	cma=$(ls -d /sys/kernel/debug/cma/*/ 2>/dev/null | head -n 1)
	if [ -z "$cma" ]; then
		echo "# no CMA area in debugfs (boot with cma=)"
		case_of 3 cma_alloc_of_occupied_area 1
		return
	fi
	count=$(cat "$cma/count")
	want=$((count * 3 / 4))
	used0=$(cat "$cma/used")
	r=1
	if echo "$want" >"$cma/alloc"; then
		used1=$(cat "$cma/used")
		echo "# CMA ${cma}: $want of $count pages allocated, used $used0 -> $used1"
		echo "$want" >"$cma/free"
		[ "$used1" -ge $((used0 + want)) ] && r=0
	else
		echo "# CMA alloc of $want pages failed"
	fi
	case_of 3 cma_alloc_of_occupied_area $r
}

gigantic() {
	gig=/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages
	if [ ! -f $gig ]; then
		echo "# no 1 GiB hugetlb pages (the CPU lacks pdpe1gb?)"
		case_of 1 gigantic_page_at_run_time 1
		return
	fi
	# 6.12's page_owner steps through page_ext with page_ext_next() for
	# all 2^18 pages of a 1 GiB page, but page_ext is allocated per
	# 128 MiB section: the walk runs off the section's array and corrupts
	# memory (KASAN: stack-out-of-bounds in __update_page_owner_handle,
	# seen on our debug kernel).  Upstream fixed it after 6.12 with a
	# page_ext iterator; compaction has no part in it.
	if grep -qw page_owner=on /proc/cmdline; then
		echo "ok 1 gigantic_page_at_run_time # SKIP page_owner=on: 6.12 page_owner corrupts memory on 1 GiB pages"
		return
	fi
	echo 1 >$gig
	got=$(cat $gig)
	echo "# 1 GiB pages: asked 1, got $got"
	echo 0 >$gig
	[ "$got" = 1 ]
	case_of 1 gigantic_page_at_run_time $?
}

# Pages mapped by more processes than GUP's pin bias (1024) are not
# pinned: the whole CMA area must be allocated around them, as upstream
# does.  contig_shared's status is a mask: 1 alloc, 2 bytes, 4 setup.
widely_shared() {
	contig_shared 1100 512 >/tmp/shared.log 2>&1
	r=$?
	sed 's/^/# /' /tmp/shared.log
	case_of 5 cma_alloc_moves_pages_mapped_by_1100_processes $((r & 5))
	case_of 6 widely_shared_pages_keep_their_bytes $((r & 6))
}

meminfo() {
	awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo
}

# pcp_drain: empty the per-cpu free lists into the buddy lists, where
# CmaFree counts them: a tiny pcp high, which each stat_refresh decays
# towards, then the old fraction back.
pcp_drain() {
	frac=$(cat /proc/sys/vm/percpu_pagelist_high_fraction)
	echo 1000000 >/proc/sys/vm/percpu_pagelist_high_fraction
	i=0
	while [ $i -lt 40 ]; do
		echo 1 >/proc/sys/vm/stat_refresh
		i=$((i + 1))
	done
	echo "$frac" >/proc/sys/vm/percpu_pagelist_high_fraction
}

# zsmalloc pages have no migration counter and no user mapping: the proof
# that they move is a CMA area that holds some and is then allocated
# whole.  The area is allocated first, a filler takes 90% of the rest of
# free memory, and the area is freed again: zram is then written with the
# area most of what is free, and the allocator serves movable requests
# (zsmalloc's among them) from CMA once it holds more than half of a
# zone's free memory.  The drop of CmaFree across the write, page cache
# dropped and the per-cpu lists drained (the freed area sits there at
# first, uncounted), counts them.  The filler goes, the whole area is allocated
# (alloc_contig_range isolates the zsmalloc pages through compaction's
# isolate_migratepages_range and moves them through their movable_ops),
# and zram must read back the same.
zsmalloc_in_cma() {
	cma=$(ls -d /sys/kernel/debug/cma/*/ 2>/dev/null | head -n 1)
	seq 1 3000000 >/tmp/zram.ref
	size=$(wc -c </tmp/zram.ref)
	echo 64M >/sys/block/zram0/disksize
	moved=1 inside=0
	if [ -z "$cma" ]; then
		echo "# no CMA area in debugfs (boot with cma=)"
	elif ! held=$(($(cat "$cma/count") - $(cat "$cma/used"))) ||
		! echo "$held" >"$cma/alloc"; then
		echo "# could not allocate the CMA area before the filler"
		cma=""
	fi
	fill 90
	[ -n "$cma" ] && echo "$held" >"$cma/free"
	echo 3 >/proc/sys/vm/drop_caches
	pcp_drain
	cma0=$(meminfo CmaFree)
	dd if=/tmp/zram.ref of=/dev/zram0 bs=1M conv=fsync 2>/dev/null
	echo 3 >/proc/sys/vm/drop_caches
	pcp_drain
	inside=$((cma0 - $(meminfo CmaFree)))
	echo "# zram: $size bytes; mm_stat $(cat /sys/block/zram0/mm_stat); CmaFree $cma0 kB before, $inside kB less after"
	unfill 7 zsmalloc_fill_keeps_its_bytes
	if [ -n "$cma" ] && [ "$inside" -le 0 ]; then
		echo "# nothing to judge: no zsmalloc page landed in the CMA area"
	elif [ -n "$cma" ]; then
		want=$(($(cat "$cma/count") - $(cat "$cma/used")))
		if echo "$want" >"$cma/alloc"; then
			echo "# the whole area allocated: $want pages"
			echo "$want" >"$cma/free"
			moved=0
		else
			echo "# CMA alloc of the whole area ($want pages) failed"
		fi
	fi
	case_of 8 cma_alloc_moves_zsmalloc_pages $moved
	echo 3 >/proc/sys/vm/drop_caches
	cmp -s -n "$size" /tmp/zram.ref /dev/zram0
	case_of 9 zram_keeps_its_bytes_after_cma_alloc $?
	echo 1 >/sys/block/zram0/reset
	rm -f /tmp/zram.ref
}

contig() {
	rc=0
	echo "TAP version 13"
	echo "1..9"
	# Gigantic first: the big fill scatters unmovable page-table blocks.
	fill 25
	gigantic
	unfill 2 gigantic_moved_pages_keep_their_bytes
	fill 60
	cma_alloc
	unfill 4 cma_moved_pages_keep_their_bytes
	widely_shared
	zsmalloc_in_cma
	return $rc
}

. /jobs/lib.sh
selftest contig contig
exit $job_rc
