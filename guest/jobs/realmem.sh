# Compaction over real memory in the disk guest (issue 23): page cache of
# ext4 (4 KiB and 1 KiB blocks) and xfs, swapped and zswapped memory in a
# memory cgroup at its limit, KSM-merged pages, long-term pinned and
# vmspliced pages, zram's zsmalloc pages and balloon pages, each checked
# byte for byte where it has bytes (page cache also after a remount).
# Dirty page cache of eCryptfs (over the 1 KiB-block ext4), whose
# mappings have no migrate_folio, must stay put under async and sync-light
# compaction and move under compact_memory's MIGRATE_SYNC.
# Prints framed TAP (jobs/lib.sh).
# The balloon case needs the host's monitor (scripts/monitor.sh), as
# make test's boot 3 runs it.
. /jobs/lib.sh

vm() {
	awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat
}

# movable_ops: pages that compaction moves through their owner's
# movable_ops rather than the LRU.  zram holds a known file (zsmalloc
# pages) and the balloon holds 512 MiB while memory is compacted; zram's
# data must read back unchanged, and some balloon pages must have moved
# (balloon_migrate): a balloon that compaction cannot move keeps its
# pageblocks from ever becoming huge pages.
movable_ops() {
	rc=0
	echo "TAP version 13"
	echo "1..4"
	seq 1 2500000 >/tmp/zram.ref
	size=$(wc -c </tmp/zram.ref)
	echo 64M >/sys/block/zram0/disksize
	dd if=/tmp/zram.ref of=/dev/zram0 bs=1M conv=fsync 2>/dev/null
	echo 3 >/proc/sys/vm/drop_caches
	echo "# zram: $size bytes written; mm_stat $(cat /sys/block/zram0/mm_stat)"

	# The balloon fills the holes of a filler that keeps every other
	# page of 90% of free memory, so that its pages lie all over the
	# zone, the low end included, where every migrate scanner starts.
	full=$(mem_total_mib) ram=$(ram_mib)
	rm -f /tmp/contig.done
	contig_fill 90 2 >/tmp/fill.log 2>&1 &
	filler=$!
	while ! grep -q filled /tmp/fill.log && kill -0 $filler 2>/dev/null; do
		sleep 1
	done
	bm0=$(vm balloon_migrate)
	if balloon_to $((ram - 512)) $((full - 480)); then
		touch /tmp/contig.done
		wait $filler
		echo "# filler: $(tr '\n' ' ' </tmp/fill.log)"
		echo 1 >/proc/sys/vm/compact_memory
		moved=$(($(vm balloon_migrate) - bm0))
		echo "# balloon of 512 MiB: balloon_migrate +$moved during compact_memory"
		[ "$moved" -gt 0 ] && echo "ok 1 balloon_pages_move" ||
			{ echo "not ok 1 balloon_pages_move"; rc=1; }
	else
		echo "not ok 1 balloon_pages_move # the balloon did not inflate"
		rc=1
		touch /tmp/contig.done
		wait $filler
	fi
	if balloon_to "$ram" "$full"; then
		echo "ok 2 balloon_deflates"
	else
		echo "not ok 2 balloon_deflates"
		rc=1
	fi

	echo 3 >/proc/sys/vm/drop_caches
	if cmp -n "$size" /tmp/zram.ref /dev/zram0; then
		echo "ok 3 zram_keeps_its_bytes"
	else
		echo "not ok 3 zram_keeps_its_bytes"
		rc=1
	fi
	echo 1 >/sys/block/zram0/reset
	rm -f /tmp/zram.ref
	iso="$(vm nr_isolated_anon) $(vm nr_isolated_file)"
	echo "# nr_isolated_anon and _file: $iso"
	[ "$iso" = "0 0" ] && echo "ok 4 nothing_left_isolated" ||
		{ echo "not ok 4 nothing_left_isolated"; rc=1; }
	return $rc
}

# remount_data_disks: xfs and the ext4 of 1 KiB blocks unmounted and
# mounted again, so that what is read next comes from what they wrote.
remount_data_disks() {
	for fs in xfs:/mnt/xfs ext4:/mnt/ext4-1k; do
		umount "${fs#*:}" || return 1
		mount -t "${fs%%:*}" "$(findfs "LABEL=${fs#*/mnt/}")" "${fs#*:}" || return 1
	done
}

# The page-cache files stay behind for a second look after a remount
# (the root cannot be unmounted: its directory is read after
# drop_caches only).
pck_dirs="/var/tmp/pck /mnt/xfs /mnt/ext4-1k"
mkdir -p /var/tmp/pck
selftest pagecache_keep pagecache_keep --keep $pck_dirs
if remount_data_disks; then
	selftest pagecache_remount pagecache_keep --check $pck_dirs
else
	selftest pagecache_remount tap_fail files_keep_their_bytes_after_remount "umount or mount failed"
fi
selftest nomig_keep nomig_keep /mnt/ext4-1k/nomig.lower /mnt/ecryptfs
selftest swap_keep swap_keep 128
selftest ksm_keep ksm_keep 4096
selftest pin_keep pin_keep 256
selftest movable_ops movable_ops
exit $job_rc
