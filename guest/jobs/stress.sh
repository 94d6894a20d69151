# The stress mix of `make stress`: the workers of guest/stress.c run side
# by side for DURATION seconds, then the "nothing lost" checks. Prints TAP.
#   stress.sh [DURATION [KILL_HANG_MS]]  (150 s; a kill not reaped within
#   60000 ms is a hang: a bound for hangs, not for speed)
# Each worker writes /tmp/stress.NAME.log and its exit code to .rc.
# In the disk guest (guest.disk=1, booted under scripts/monitor.sh for the
# balloon) the workers of real memory join them: fio verifying files on
# xfs and on ext4, random access swapping inside a memory cgroup
# at its memory.max, a zram writer and reader, and balloon cycles.
. /jobs/lib.sh
dur=${1:-150}
kill_ms=${2:-60000}
workers="verify thp killer hugetlb compact cma failalloc ksm"
disk=0
if grep -qw guest.disk=1 /proc/cmdline; then
	disk=1
	workers="$workers fio_xfs fio_ext4 memcg_swap zram balloon"
fi
vm=/proc/sys/vm
thp=/sys/kernel/mm/transparent_hugepage
fpa=/sys/kernel/debug/fail_page_alloc
stacks=/sys/kernel/debug/page_owner_stacks/show_stacks

meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
vmstat() { awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }
# The selected word of a THP setting: "always [madvise] never" -> madvise.
thp_mode() { sed 's/.*\[\(.*\)\].*/\1/' "$thp/$1"; }

# settle: make MemFree comparable from one reading to the next. Drops page
# cache and slab; shrinks every slab cache (empties KASAN's quarantine and
# frees empty slabs); shrinks the per-cpu free lists (a tiny pcp high, which
# each stat_refresh decays towards) and folds the per-cpu vmstat deltas.
# Prints MemFree in kB.
settle() {
	sync
	echo 3 >$vm/drop_caches
	for f in /sys/kernel/slab/*/shrink; do echo 1 >"$f"; done 2>/dev/null
	frac=$(cat $vm/percpu_pagelist_high_fraction)
	echo 1000000 >$vm/percpu_pagelist_high_fraction
	i=0
	while [ $i -lt 40 ]; do
		echo 1 >$vm/stat_refresh
		i=$((i + 1))
	done
	meminfo MemFree
	echo "$frac" >$vm/percpu_pagelist_high_fraction
}

# A few meminfo fields, to tell where memory went if MemFree is short.
snap() {
	awk '$1 ~ /^(MemFree|AnonPages|Shmem|Slab|SUnreclaim|KernelStack|PageTables|Percpu|HugePages_Total|CmaFree):$/ { printf " %s%s", $1, $2 }' /proc/meminfo
}

# Pages page_owner says are held by stacks through compaction's own free
# page handling (its migration targets, isolated free pages); 0 without
# page_owner. Direct compaction serving an allocation does not count: the
# page then belongs to the allocating task.
compaction_held() {
	[ -r $stacks ] || { echo 0; return; }
	awk '/^ / { if ($0 ~ /compaction_alloc|isolate_freepages|return_free_targets|split_map_pages|release_free_list/) hit = 1; next }
	     /^nr_base_pages:/ { if (hit) n += $2; hit = 0 }
	     END { print n + 0 }' $stacks
}

# start NAME CMD...: one worker in the background.
start() {
	w=$1
	shift
	rm -f "/tmp/stress.$w.rc"
	(
		"$@"
		echo $? >"/tmp/stress.$w.rc"
	) >"/tmp/stress.$w.log" 2>&1 &
}

# as_diag FILE: FILE's lines as TAP diagnostics.
as_diag() {
	sed 's/^/#   /' "$1"
}

# fio_worker NAME DIR MB FIRST: fio writes two files of MB MiB under DIR
# at random and verifies them (crc32c, the first bad block is fatal), run
# after run until the end: buffered writes (dirty page cache, written back
# by end_fsync) and writes through shared mappings (ioengine=mmap) in
# turn, starting with run FIRST of that order (0: psync, 1: mmap).
fio_worker() {
	name=$1 dir=$2/stress-fio mb=$3 first=$4
	end=$(($(date +%s) + dur))
	runs=0 err=0
	mkdir -p "$dir" || return 1
	while [ "$(date +%s)" -lt $end ]; do
		eng=psync
		[ $(((runs + first) % 2)) = 1 ] && eng=mmap
		fio --name="$name" --directory="$dir" --ioengine=$eng --rw=randwrite \
			--bs=4k --size=${mb}M --numjobs=2 --end_fsync=1 \
			--verify=crc32c --verify_fatal=1 --do_verify=1 \
			--output="/tmp/$name.out" >/dev/null 2>&1
		st=$?
		# fio's per-job "err=" must be 0 as well as its exit status.
		if [ $st != 0 ] || grep -qs 'err= *[1-9]' "/tmp/$name.out"; then
			[ -f "/tmp/$name.out" ] && as_diag "/tmp/$name.out"
			echo "# stress $name: run $runs ($eng) exited $st"
			err=1
			break
		fi
		runs=$((runs + 1))
	done
	rm -rf "$dir"
	[ $runs -gt 0 ] || { echo "# stress $name: no fio run in the whole run"; err=1; }
	echo "# stress $name: ops=$runs bytes_verified=$((runs * 2 * mb * 1048576))$([ $err = 0 ] || echo ' FAILED')"
	return $err
}

# cg_stat CGROUP FILE KEY: KEY's value in the cgroup's flat-keyed FILE.
cg_stat() {
	awk -v k="$3" '$1 == k { print $2 }' "$1/$2"
}

# memcg_swap_worker: stress.c's swap worker (random reads and rewrites of
# 96 MiB, every page read verified) inside a memory cgroup limited to
# 64 MiB, so that it swaps (through zswap, and to the swap device for the
# pages zswap cannot compress) all along while compaction runs. Then: no
# OOM kill in the group, some swap-out, and once the worker has gone
# nothing charged to the group: its anonymous memory 0 and its swap at
# most what the per-CPU swap slot caches may still hold. (Swap-cache
# folios keep their entries until reclaimed, so the group is reclaimed
# first: what reclaim frees was not lost. A freed entry waits in its
# CPU's return cache, up to 64 of them, and is uncharged only when that
# cache is flushed.)
memcg_swap_worker() {
	cg=/sys/fs/cgroup/stress-swap
	err=0
	mkdir -p $cg && echo 64M >$cg/memory.max || return 1
	out0=$(($(vmstat pswpout) + $(vmstat zswpout)))
	sh -c "echo \$\$ >$cg/cgroup.procs && exec stress swap $dur 96" >/tmp/memcg_swap.out 2>&1
	st=$?
	out=$(($(vmstat pswpout) + $(vmstat zswpout) - out0))
	ops=$(sed -n 's/^# stress swap: ops=\([0-9]*\).*/\1/p' /tmp/memcg_swap.out)
	as_diag /tmp/memcg_swap.out
	[ $st = 0 ] || { echo "# stress memcg_swap: the swap worker exited $st"; err=1; }
	oom=$(cg_stat $cg memory.events oom_kill)
	[ "$oom" = 0 ] || { echo "# stress memcg_swap: $oom OOM kills in the group"; err=1; }
	[ $out -gt 0 ] || { echo "# stress memcg_swap: nothing was swapped out"; err=1; }
	slots=$((64 * 4096 * $(nproc)))
	i=0
	while [ $i -lt 20 ]; do
		# Folios still under writeback at the first try are taken later.
		echo 64M >$cg/memory.reclaim 2>/dev/null
		anon=$(cg_stat $cg memory.stat anon) swap=$(cat $cg/memory.swap.current)
		[ "$anon" = 0 ] && [ "$swap" -le $slots ] && break
		sleep 1
		i=$((i + 1))
	done
	echo "# stress memcg_swap: after the worker: anon $anon, swap $swap bytes still charged (allowed $slots)"
	[ "$anon" = 0 ] && [ "$swap" -le $slots ] || err=1
	rmdir $cg
	bytes=$(sed -n 's/^# stress swap: .*bytes_verified=\([0-9]*\).*/\1/p' /tmp/memcg_swap.out)
	echo "# stress memcg_swap: ops=${ops:-0} bytes_verified=${bytes:-0} swapped_out=$out oom_kills=$oom$([ $err = 0 ] || echo ' FAILED')"
	return $err
}

# balloon_worker MIB: inflate the balloon by MIB and deflate it again, one
# cycle after another until the end, through the host's monitor.
balloon_worker() {
	full=$(mem_total_mib) ram=$(ram_mib)
	end=$(($(date +%s) + dur))
	cycles=0 err=0 bm0=$(vmstat balloon_migrate)
	while [ "$(date +%s)" -lt $end ]; do
		balloon_to $((ram - $1)) $((full - $1 + 32)) >/tmp/balloon.out &&
			sleep 2 && balloon_to "$ram" "$full" >>/tmp/balloon.out || {
			as_diag /tmp/balloon.out
			err=1
			break
		}
		cycles=$((cycles + 1))
		sleep 2
	done
	# Never leave the balloon inflated, whatever happened.
	balloon_to "$ram" "$full" >/dev/null || err=1
	[ $cycles -gt 0 ] || { echo "# stress balloon: no inflate and deflate cycle in the whole run"; err=1; }
	echo "# stress balloon: ops=$cycles mib=$1 migrated=$(($(vmstat balloon_migrate) - bm0))$([ $err = 0 ] || echo ' FAILED')"
	return $err
}

running() {
	for w in $workers; do
		[ -f "/tmp/stress.$w.rc" ] || return 0
	done
	return 1
}

heartbeat() {
	echo "# t=${1}s MemFree=$(meminfo MemFree) kB HugePages_Total=$(meminfo HugePages_Total) compact_stall=$(vmstat compact_stall) pgmigrate_success=$(vmstat pgmigrate_success) thp_fault_alloc=$(vmstat thp_fault_alloc)"
}

# Run every worker; returns when all have exited or after DURATION + 600 s.
run_workers() {
	free_mb=$((free0 / 1024))
	start verify stress verify "$dur" $((free_mb * 35 / 100))
	# The others start once verify has fragmented memory, not during its fill.
	while ! grep -q ready /tmp/stress.verify.log 2>/dev/null &&
		[ ! -f /tmp/stress.verify.rc ]; do
		sleep 1
	done
	start thp stress thp "$dur" $((free_mb / 10))
	start killer stress killer "$dur" $((free_mb / 10)) "$kill_ms"
	start hugetlb stress hugetlb "$dur" $((free_mb / 4))
	start compact stress compact "$dur"
	start cma stress cma "$dur"
	start failalloc stress failalloc "$dur"
	start ksm stress ksm "$dur" 64
	if [ $disk = 1 ]; then
		start fio_xfs fio_worker fio_xfs /mnt/xfs 32 1
		start fio_ext4 fio_worker fio_ext4 /mnt/ext4-1k 32 0
		start memcg_swap memcg_swap_worker
		echo 64M >/sys/block/zram0/disksize
		start zram stress zram "$dur" /dev/zram0
		start balloon balloon_worker 128
	fi
	t=0
	while running && [ $t -lt $((dur + 600)) ]; do
		sleep 5
		t=$((t + 5))
		[ $((t % 30)) -eq 0 ] && heartbeat $t
	done
}

# Settings a worker changes and restores itself; put back here as well in
# case a worker died before it could.
save_settings() {
	thp_enabled=$(thp_mode enabled 2>/dev/null)
	thp_defrag=$(thp_mode defrag 2>/dev/null)
	hp0=$(cat $vm/nr_hugepages)
	proactive0=$(cat $vm/compaction_proactiveness)
	fpa0=$(cat $fpa/probability 2>/dev/null)
	ksm0=$(cat /sys/kernel/mm/ksm/run 2>/dev/null)
}

restore_settings() {
	[ -n "$ksm0" ] && echo "$ksm0" >/sys/kernel/mm/ksm/run
	[ -n "$fpa0" ] && echo "$fpa0" >$fpa/probability
	echo "$proactive0" >$vm/compaction_proactiveness
	echo "$hp0" >$vm/nr_hugepages
	[ -n "$thp_enabled" ] && echo "$thp_enabled" >$thp/enabled
	[ -n "$thp_defrag" ] && echo "$thp_defrag" >$thp/defrag
}

# The N of the last "# stress NAME: ops=N" line of worker NAME's log.
worker_ops() {
	sed -n "s/^# stress $1: ops=\([0-9][0-9]*\).*/\1/p" "/tmp/stress.$1.log" | tail -n 1
}

# worker_case N NAME: the worker's output and its TAP line. A worker that
# exits 0 must also report ops=N with N > 0 as its summary: one that ran
# and did nothing exercised nothing (stress.c fails that itself too; this
# holds whatever the program's exit code says).
worker_case() {
	# Anything a worker printed that is not a diagnostic (a shell's error
	# on stderr) becomes one, so that it cannot break the TAP.
	sed 's/^[^#]/# &/' "/tmp/stress.$2.log"
	r=$(cat "/tmp/stress.$2.rc" 2>/dev/null)
	if [ "$r" = 0 ] && ! [ "$(worker_ops "$2")" -gt 0 ] 2>/dev/null; then
		r="0, but no ops=N with N > 0 in its summary"
	fi
	case "$r" in
	0) echo "ok $1 stress_$2" ;;
	4) echo "ok $1 stress_$2 # SKIP $(sed -n 's/.*SKIP //p' "/tmp/stress.$2.log" | head -n 1)" ;;
	*)
		echo "# stress $2: exit code ${r:-missing}"
		echo "not ok $1 stress_$2"
		rc=1
		;;
	esac
}

# nr_isolated_anon and nr_isolated_file back to 0 within 10 s.
isolated_zero() {
	i=0
	while [ $i -lt 10 ]; do
		echo 1 >$vm/stat_refresh
		a=$(vmstat nr_isolated_anon)
		f=$(vmstat nr_isolated_file)
		echo "# nr_isolated_anon=$a nr_isolated_file=$f (start: $iso0)"
		[ "$a" = 0 ] && [ "$f" = 0 ] && return 0
		sleep 1
		i=$((i + 1))
	done
	return 1
}

# MemFree within 0.25% of the start (a gain is no loss), retried for a
# while. The issue asks for 1%, but a planted leak of one free page in 8
# that compaction gives back lost 0.95% in 60 s; settled runs without it
# came back 1-4 MB above the start, so a quarter of that bound still
# leaves room for noise.
memfree_back() {
	i=0
	while [ $i -lt 5 ]; do
		free1=$(settle)
		lost=$((free0 - free1))
		echo "# MemFree $free0 -> $free1 kB (lost $lost kB, allowed $((free0 / 400)))"
		[ $lost -le $((free0 / 400)) ] && return 0
		sleep 2
		i=$((i + 1))
	done
	return 1
}

# tap N NAME CONDITION...: one TAP line from a command's status.
tap() {
	n=$1 name=$2
	shift 2
	if "$@"; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		rc=1
	fi
}

totals() {
	awk -v lost="$lost" '/^# stress [a-z0-9_]+: .*ops=/ {
		for (i = 4; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "ops") ops += kv[2]
			if (kv[1] == "bytes_verified") bytes += kv[2]
			if (kv[1] == "kills") kills += kv[2]
			if (kv[1] == "kill_max_ms") kmax = kv[2]
		}
	}
	END {
		printf "# stress totals: ops=%.0f bytes_verified=%.0f verified_mib=%.0f kills=%.0f kill_max_ms=%s memfree_lost_kb=%s\n",
			ops, bytes, bytes / 1048576, kills, kmax + 0, lost
	}' /tmp/stress.*.log
}

# Swap in use that is no leak, in kB: entries in live processes' page
# tables (VmSwap) and entries held by the swap cache (SwapCached, whose
# folios of exited processes keep them until reclaimed).
swap_in_use() {
	cat /proc/[0-9]*/status 2>/dev/null |
		awk -v c="$(meminfo SwapCached)" '$1 == "VmSwap:" { n += $2 } END { print n + c }'
}

# SwapFree back to its start, retried for 20 s, short by no more than the
# swap in use (above) and what the per-CPU swap slot caches keep out of
# it: 64 slots taken ahead of use and 64 freed but not yet given back, per
# CPU (512 KiB each).  What is left would be entries nobody holds: leaked.
swapfree_back() {
	slack=$((512 * $(nproc)))
	i=0
	while [ $i -lt 20 ]; do
		swap1=$(meminfo SwapFree) used=$(swap_in_use)
		echo "# SwapFree $swap0 -> $swap1 kB (of $(meminfo SwapTotal) kB); in use $used kB; allowed $slack kB more short"
		[ $((swap0 - swap1 - used)) -le $slack ] && return 0
		sleep 1
		i=$((i + 1))
	done
	return 1
}

# A zsmalloc page that compaction moved keeps the page_owner record of
# its allocation by compaction_alloc(): 6.12's migration copies the owner
# of LRU folios only, not of movable_ops pages.  zram is reset when the
# workers end; swapoff brings zswap's entries back in and frees its pool,
# so that a page still held by compaction's stacks after this is a leak.
# (Seen: 25 such pages, with 1.9 MiB still swapped, after 10 minutes.)
empty_zswap() {
	dev=$(findfs LABEL=swap) || return 0
	swapoff "$dev" && swapon "$dev" ||
		echo "# swapoff or swapon $dev failed: zswap's pool is left as it is"
	echo "# zswap emptied: $(cat /sys/kernel/debug/zswap/stored_pages 2>/dev/null || echo ?) pages stored"
}

echo "SELFTEST-START stress"
echo "TAP version 13"
set -- $workers
nw=$#
echo "1..$((nw + 4 + disk))"
rc=0
save_settings
[ -n "$thp_enabled" ] && echo always >$thp/enabled
[ -n "$thp_defrag" ] && echo always >$thp/defrag
free0=$(settle)
swap0=$(meminfo SwapFree)
iso0="$(vmstat nr_isolated_anon)/$(vmstat nr_isolated_file)"
held0=$(compaction_held)
echo "# start: MemFree $free0 kB, SwapFree $swap0 kB, nr_isolated anon/file $iso0, ${dur}s, kill bound ${kill_ms} ms"
echo "# meminfo start:$(snap)"
run_workers
restore_settings
[ $disk = 1 ] && echo 1 >/sys/block/zram0/reset 2>/dev/null
n=0
for w in $workers; do
	n=$((n + 1))
	worker_case $n "$w"
done
tap $((nw + 1)) stress_nr_isolated_back_to_zero isolated_zero
tap $((nw + 2)) stress_memfree_back_within_quarter_percent memfree_back
echo "# meminfo end:$(snap)"
neg=$(dmesg | grep -c 'vmstat_refresh:')
echo "# negative vmstat counters reported by stat_refresh: $neg"
tap $((nw + 3)) stress_vmstat_counters_never_negative [ "$neg" = 0 ]
[ $disk = 1 ] && tap $((nw + 4)) stress_swapfree_back swapfree_back
if [ -r $stacks ]; then
	[ $disk = 1 ] && empty_zswap
	held1=$(compaction_held)
	echo "# page_owner: pages held by compaction's own stacks $held0 -> $held1"
	tap $((nw + 4 + disk)) stress_no_pages_left_with_compaction [ "$held1" -le "$held0" ]
else
	echo "ok $((nw + 4 + disk)) stress_no_pages_left_with_compaction # SKIP page_owner is off"
fi
totals
echo "SELFTEST-END stress rc=$rc"
exit $rc
