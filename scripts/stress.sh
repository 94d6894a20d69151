#!/usr/bin/env bash
# make stress: the stress mix of the reliability gauntlet in one guest, then
# the "nothing lost" checks (guest/jobs/stress.sh runs guest/stress.c).
# The guest: the disk guest (ext4 root, xfs, swap with zswap, zram, a
# balloon driven through scripts/monitor.sh) with 2 GiB in two NUMA nodes
# of 1001 and 1047 MiB (not whole pageblocks), 3 CPUs, cma=64M; debug
# kernels also boot with page_owner=on (guest.sh adds it).
#   DURATION=N|Ns|Nm   how long the workers run (default 150 s)
#   VARIANT=ours|upstream|ours-debug|upstream-debug   (make: BASE, DEBUG)
#   STRESS_BOTH=1      ours-debug, then upstream-debug; figures side by side
#   scripts/stress.sh --seconds DURATION   print DURATION in seconds, or fail
# Prints every case and the figures, then "N passed, N failed, N skipped".
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/judge.sh"

# seconds DURATION: N or Ns (seconds) or Nm (minutes), as seconds.
seconds() {
	local n
	[[ "$1" =~ ^([0-9]{1,6})([sm]?)$ ]] || return 1
	n=$((10#${BASH_REMATCH[1]}))
	[ "${BASH_REMATCH[2]}" = m ] && n=$((n * 60))
	[ "$n" -gt 0 ] || return 1
	echo "$n"
}

bad_duration() {
	die "DURATION='$1' is not accepted: give N or Ns (seconds) or Nm (minutes), more than 0, e.g. DURATION=150, DURATION=90s or DURATION=10m"
}

if [ "${1:-}" = --seconds ]; then
	seconds "${2:-}" || bad_duration "${2:-}"
	exit 0
fi

secs=$(seconds "${DURATION:-150}") || bad_duration "${DURATION:-}"
variants=${VARIANT:-ours}
[ "${STRESS_BOTH:-0}" = 1 ] && variants="ours-debug upstream-debug"
for v in $variants; do
	check_variant "$v"
done
pass=0 fail=0 skip=0
declare -A fig
keys=()

# add_fig VARIANT KEY VALUE: one figure for the table, keys in first-seen order.
add_fig() {
	[ -n "${fig[_:$2]:-}" ] || keys+=("$2")
	fig[_:$2]=1
	fig[$1:$2]=$3
}

# figures_of VARIANT LOG: every key=value of the workers' summary lines
# ("# stress NAME: ops=N ...") as NAME.key, and the job's totals. (The
# serial log's lines end in CR LF.)
figures_of() {
	local v=$1 line name kv
	while read -r line; do
		name=${line%%:*}
		for kv in ${line#*:}; do
			[[ "$kv" =~ ^([a-z][a-z0-9_]*)=([0-9a-fx.]+)$ ]] || continue
			[ "${BASH_REMATCH[1]}" = seed ] && continue
			add_fig "$v" "$name.${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
		done
	done < <(tr -d '\r' <"$2" | sed -n 's/^\[stress\] # stress \([a-z0-9_]*: .*=.*\)/\1/p')
}

# run_one VARIANT: boot it with the stress job, judge its cases and log.
run_one() {
	local v=$1 name=stress-$1 margin=900 log
	log=$LOGS/$name.log
	# Debug kernels are ~10x slower under TCG: the workers still stop on
	# time, but boot, setup, the last operations and the checks take longer.
	# (The killer's kill -> reap times are figures, compared in the table;
	# its bound, 60 s, is for hangs.)
	case $v in *-debug) margin=2400 ;; esac
	VARIANT=$v ARGS="$secs" MEM=2048M CPUS=3 NODES=1001M,1047M DISK=1 \
		RUNNER=$TOP/scripts/monitor.sh KCMD="cma=64M" TIMEOUT=$((secs + margin)) \
		boot_and_judge "$name" stress
	pass=$((pass + JUDGE_PASS)) fail=$((fail + JUDGE_FAIL)) skip=$((skip + JUDGE_SKIP))
	[ -f "$log" ] && figures_of "$v" "$log"
	add_fig "$v" boot_outcome "$JUDGE_OUTCOME"
	add_fig "$v" kernel_report_lines "$( ([ -f "$log" ] && kernel_reports "$log") | wc -l)"
	add_fig "$v" cases_passed "$JUDGE_PASS"
	add_fig "$v" cases_failed "$JUDGE_FAIL"
	add_fig "$v" cases_skipped "$JUDGE_SKIP"
}

print_figures() {
	local v key
	stage "stress figures (${secs}s)"
	printf '%-28s' figure
	for v in $variants; do
		printf ' %18s' "$v"
	done
	echo
	for key in "${keys[@]}"; do
		printf '%-28s' "$key"
		for v in $variants; do
			printf ' %18s' "${fig[$v:$key]:--}"
		done
		echo
	done
}

for v in $variants; do
	run_one "$v"
done
print_figures
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
