#!/usr/bin/env bash
# make bench: the same workloads on ours and upstream, interleaved A B A B,
# each in an identical guest with -icount so that guest time counts
# instructions. Prints median, spread and the ours/upstream ratio per figure.
#   R=3 (repeats)  WORKLOADS="full highalloc"
set -euo pipefail
. "$(dirname "$0")/lib.sh"

R=${R:-3}
WORKLOADS=${WORKLOADS:-full highalloc}
case "$R" in [1-9] | [1-9][0-9]) ;; *) die "R=$R: give a repeat count from 1 to 99" ;; esac
out=$BUILD/bench
mkdir -p "$out"
raw=$out/raw.txt
: >"$raw"

for w in $WORKLOADS; do
	[ -f "$TOP/bench/bench_$w.c" ] || die "WORKLOADS: unknown workload '$w' (known: $(cd "$TOP/bench" && ls bench_*.c | sed 's/bench_//; s/\.c//' | tr '\n' ' '))"
done
total=$((R * 2 * $(echo $WORKLOADS | wc -w)))
n=0
for w in $WORKLOADS; do
	for r in $(seq 1 "$R"); do
		for k in ours upstream; do
			n=$((n + 1))
			stage "bench $n/$total: $w on $k (repeat $r/$R)"
			VARIANT=$k JOB=bench_$w NAME=bench-$w-$k-$r ICOUNT=1 QUIET=1 MEM=2G CPUS=2 \
				TIMEOUT=1200 "$TOP/scripts/guest.sh" ||
				die "bench run failed: see $LOGS/bench-$w-$k-$r.log"
			sed -n "s/^\[bench_$w\] BENCH /$k $r /p" "$LOGS/bench-$w-$k-$r.log" | tr -d '\r' >>"$raw"
		done
	done
done
stage "results"
python3 "$TOP/scripts/bench_report.py" "$raw" "$out"
