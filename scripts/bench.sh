#!/usr/bin/env bash
# make bench: the same workloads on ours and upstream, interleaved A B A B,
# each in an identical deterministic guest (guest.sh's ICOUNT=1: guest
# time counts instructions, QEMU's randomness comes from a seed). Repeat r
# runs with seed SEED + r - 1 on both kernels: a run repeats exactly with
# its seed, so the spread is how the workload varies from seed to seed,
# not noise of this host. SAME_SEED=1 reruns seed SEED R times instead,
# which checks that claim: every spread must then be 0. Prints median,
# spread and the ours/upstream ratio per figure and writes
# build/bench/report.md and the plots.
#   R=3 (repeats)  SEED=1 (first seed)  SAME_SEED=0|1
#   WORKLOADS="full highalloc thp proactive mixed"
#   QUICK=1: a short run (R=1, 1 GiB guests, a 20 s proactive window)
#   scripts/bench.sh --check   only check those settings (the Makefile does)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

QUICK=${QUICK:-0}
case "$QUICK" in 0 | 1) ;; *) die "QUICK=$QUICK is not known; accepted: QUICK=0 or QUICK=1" ;; esac
if [ "$QUICK" = 1 ]; then
	R=${R:-1} mem=1G args=--quick
else
	R=${R:-3} mem=2G args=
fi
WORKLOADS=${WORKLOADS:-full highalloc thp proactive mixed}
case "$R" in [1-9] | [1-9][0-9]) ;; *) die "R=$R: give a repeat count from 1 to 99" ;; esac
SEED=${SEED:-1}
case "$SEED" in [1-9] | [1-9][0-9] | [1-9][0-9][0-9]) ;; *) die "SEED=$SEED: give the first seed, a number from 1 to 999" ;; esac
SAME_SEED=${SAME_SEED:-0}
case "$SAME_SEED" in 0 | 1) ;; *) die "SAME_SEED=$SAME_SEED is not known; accepted: 0 (repeat r uses seed SEED + r - 1) or 1 (every repeat uses seed SEED)" ;; esac
for w in $WORKLOADS; do
	[ -f "$TOP/bench/bench_$w.c" ] || die "WORKLOADS: unknown workload '$w' (known: $(cd "$TOP/bench" && ls bench_*.c | sed 's/bench_//; s/\.c//' | tr '\n' ' '))"
done
# --check: the Makefile asks before it builds anything.
[ "${1:-}" = --check ] && exit 0
out=$BUILD/bench
mkdir -p "$out"
raw=$out/raw.txt series=$out/series.txt times=$out/times.txt
: >"$raw"
: >"$series"
: >"$times"

total=$((R * 2 * $(echo $WORKLOADS | wc -w)))
n=0
t_all=$(date +%s)
for w in $WORKLOADS; do
	for r in $(seq 1 "$R"); do
		for k in ours upstream; do
			n=$((n + 1))
			seed=$((SEED + (1 - SAME_SEED) * (r - 1)))
			stage "bench $n/$total: $w on $k (repeat $r/$R, seed $seed)"
			log=$LOGS/bench-$w-$k-$r.log
			t0=$(date +%s)
			VARIANT=$k JOB=bench_$w ARGS=$args NAME=bench-$w-$k-$r ICOUNT=1 SEED=$seed \
				QUIET=1 MEM=$mem CPUS=2 TIMEOUT=1200 "$TOP/scripts/guest.sh" ||
				die "bench run failed: see $log"
			echo "$w $k $r $(($(date +%s) - t0)) $seed" >>"$times"
			sed -n "s/^\[bench_$w\] BENCH /$k $r /p" "$log" | tr -d '\r' >>"$raw"
			sed -n "s/^\[bench_$w\] SERIES /$k $r /p" "$log" | tr -d '\r' >>"$series"
		done
	done
done
stage "results"
awk '{ s[$1] += $4; t += $4 } END { for (w in s) printf "  %-10s %4d s\n", w, s[w]; printf "  %-10s %4d s\n", "all runs", t }' "$times"
echo "  (wall time of the guests; $(($(date +%s) - t_all)) s in all)"
# Debian's python3, for which make deps installs python3-matplotlib (a
# python3 earlier in PATH, such as a pyenv one, would not see it).
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
BENCH_R=$R BENCH_SEED=$SEED BENCH_SAME_SEED=$SAME_SEED BENCH_QUICK=$QUICK BENCH_MEM=$mem $py "$TOP/scripts/bench_report.py" "$raw" "$out"
