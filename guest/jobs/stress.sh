# The stress mix of `make stress`: the workers of guest/stress.c run side
# by side for DURATION seconds, then the "nothing lost" checks. Prints TAP.
#   stress.sh [DURATION [KILL_HANG_MS]]  (150 s; a kill not reaped within
#   60000 ms is a hang: a bound for hangs, not for speed)
# Each worker writes /tmp/stress.NAME.log and its exit code to .rc.
dur=${1:-150}
kill_ms=${2:-60000}
workers="verify thp killer hugetlb compact cma failalloc"
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

# start NAME ARGS...: one worker in the background.
start() {
	w=$1
	shift
	rm -f "/tmp/stress.$w.rc"
	(
		stress "$w" "$@"
		echo $? >"/tmp/stress.$w.rc"
	) >"/tmp/stress.$w.log" 2>&1 &
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
	start verify "$dur" $((free_mb * 35 / 100))
	# The others start once verify has fragmented memory, not during its fill.
	while ! grep -q ready /tmp/stress.verify.log 2>/dev/null &&
		[ ! -f /tmp/stress.verify.rc ]; do
		sleep 1
	done
	start thp "$dur" $((free_mb / 10))
	start killer "$dur" $((free_mb / 10)) "$kill_ms"
	start hugetlb "$dur" $((free_mb / 4))
	start compact "$dur"
	start cma "$dur"
	start failalloc "$dur"
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
}

restore_settings() {
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
	cat "/tmp/stress.$2.log"
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
	awk -v lost="$lost" '/^# stress [a-z]+: .*ops=/ {
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

echo "SELFTEST-START stress"
echo "TAP version 13"
echo "1..11"
rc=0
save_settings
[ -n "$thp_enabled" ] && echo always >$thp/enabled
[ -n "$thp_defrag" ] && echo always >$thp/defrag
free0=$(settle)
iso0="$(vmstat nr_isolated_anon)/$(vmstat nr_isolated_file)"
held0=$(compaction_held)
echo "# start: MemFree $free0 kB, nr_isolated anon/file $iso0, ${dur}s, kill bound ${kill_ms} ms"
echo "# meminfo start:$(snap)"
run_workers
restore_settings
n=0
for w in $workers; do
	n=$((n + 1))
	worker_case $n "$w"
done
tap 8 stress_nr_isolated_back_to_zero isolated_zero
tap 9 stress_memfree_back_within_quarter_percent memfree_back
echo "# meminfo end:$(snap)"
neg=$(dmesg | grep -c 'vmstat_refresh:')
echo "# negative vmstat counters reported by stat_refresh: $neg"
tap 10 stress_vmstat_counters_never_negative [ "$neg" = 0 ]
if [ -r $stacks ]; then
	held1=$(compaction_held)
	echo "# page_owner: pages held by compaction's own stacks $held0 -> $held1"
	tap 11 stress_no_pages_left_with_compaction [ "$held1" -le "$held0" ]
else
	echo "ok 11 stress_no_pages_left_with_compaction # SKIP page_owner is off"
fi
totals
echo "SELFTEST-END stress rc=$rc"
exit $rc
