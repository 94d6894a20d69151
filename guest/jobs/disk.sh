# The disk guest has what it promises (make ... DISK=1): an ext4 root and
# an xfs, swap with zswap in front, cgroup v2, KSM, zram, a balloon, and
# Debian's stress-ng, fio, perf and trace-cmd, each of which runs. Prints
# framed TAP (jobs/lib.sh).
. /jobs/lib.sh

n=0
# check NAME CMD...: one case: CMD's output, and ok when it exits 0.
check() {
	name=$1
	shift
	n=$((n + 1))
	"$@" >/tmp/check.out 2>&1
	st=$?
	sed 's/^/# /' /tmp/check.out
	if [ $st -eq 0 ]; then
		echo "ok $n $name"
	else
		echo "not ok $n $name # exit $st"
		failed=1
	fi
}

# fs_type DIR TYPE: DIR is mounted with TYPE, as df -T shows it.
fs_type() {
	/usr/bin/df -T "$1" && /usr/bin/df -T "$1" | awk -v t="$2" 'NR == 2 && $2 == t { ok = 1 } END { exit !ok }'
}

# Busybox's sh runs its own applets before any program on PATH, so
# util-linux's swapon is called by its path.
swap_on() {
	/usr/sbin/swapon --show && /usr/sbin/swapon --show=TYPE --noheadings | grep -q partition
}

zswap_on() {
	grep -qx Y /sys/module/zswap/parameters/enabled
}

swap_nonrot() {
	dev=$(/usr/sbin/swapon --show=NAME --noheadings | head -n 1)
	cat "/sys/block/${dev#/dev/}/queue/rotational" && grep -qx 0 "/sys/block/${dev#/dev/}/queue/rotational"
}

cgroup2_on() {
	grep ' /sys/fs/cgroup cgroup2 ' /proc/mounts &&
		grep -qw hugetlb /sys/fs/cgroup/cgroup.subtree_control &&
		grep -qw memory /sys/fs/cgroup/cgroup.subtree_control
}

# balloon_cycles: inflate the balloon by 512 MiB from the host, compact
# with its pages in memory (balloon_migrate counts those that moved; a
# figure here, the real-memory issue asserts on it), deflate it again.
balloon_cycles() {
	full=$(mem_total_mib) ram=$(ram_mib)
	echo "RAM $ram MiB, MemTotal before: $full MiB"
	grep -l 0x0005 /sys/bus/virtio/devices/*/device || return 1
	bm0=$(awk '/^balloon_migrate / { print $2 }' /proc/vmstat)
	balloon_to $((ram - 512)) $((full - 480)) || return 1
	echo "MemTotal inflated: $(mem_total_mib) MiB; balloon_inflate $(awk '/^balloon_inflate / { print $2 }' /proc/vmstat)"
	echo 1 >/proc/sys/vm/compact_memory
	echo "balloon_migrate during compact_memory: $(($(awk '/^balloon_migrate / { print $2 }' /proc/vmstat) - bm0))"
	balloon_to "$ram" "$full" || return 1
	echo "MemTotal deflated: $(mem_total_mib) MiB; balloon_deflate $(awk '/^balloon_deflate / { print $2 }' /proc/vmstat)"
}

# perf_counts: perf stat counts compaction's events during a compaction;
# mm_compaction_begin must have fired.
perf_counts() {
	perf stat -e 'compaction:*' -a -x, -o /tmp/perf.csv -- \
		sh -c 'echo 1 >/proc/sys/vm/compact_memory' || return 1
	cat /tmp/perf.csv
	awk -F, '$3 == "compaction:mm_compaction_begin" && $1 + 0 > 0 { ok = 1 } END { exit !ok }' /tmp/perf.csv
}

trace_cmd_lists() {
	trace-cmd list -e compaction | tee /tmp/tc.txt &&
		grep -q 'compaction:mm_compaction_begin' /tmp/tc.txt
}

disk_guest() {
	failed=0
	echo "TAP version 13"
	echo "1..14"
	check root_is_ext4 fs_type / ext4
	check xfs_mounted fs_type /mnt/xfs xfs
	check ext4_1k_mounted fs_type /mnt/ext4-1k ext4
	check swap_on swap_on
	check zswap_enabled zswap_on
	check swap_non_rotational swap_nonrot
	check cgroup_v2_with_memory_and_hugetlb cgroup2_on
	check ksm_available test -w /sys/kernel/mm/ksm/run
	check zram_available test -b /dev/zram0
	check balloon_inflates_and_deflates balloon_cycles
	check stress_ng_runs stress-ng --version
	check fio_runs fio --version
	check perf_counts_compaction_events perf_counts
	check trace_cmd_lists_compaction_events trace_cmd_lists
	return $failed
}

selftest disk_guest disk_guest
exit $job_rc
