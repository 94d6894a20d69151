#!/usr/bin/env bash
# make bench: the same workloads on ours and upstream, interleaved A B A B,
# each in an identical deterministic guest (guest.sh's ICOUNT=1: guest
# time counts instructions, QEMU's randomness comes from a seed). Repeat r
# runs with seed SEED + r - 1 on both kernels: a run repeats exactly with
# its seed, so the spread is how the workload varies from seed to seed,
# not noise of this host. SAME_SEED=1 reruns seed SEED R times instead,
# which checks that claim: every spread must then be 0. Prints median,
# spread and the ours/upstream ratio per figure and writes
# build/bench/report.md and the plots. Stops, naming the run, at a run that
# fails or finds its data corrupted (a bad_words figure above 0).
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

# KVM cannot count instructions: -icount is TCG only, and QEMU refuses
# the two together. Say so once guest.sh's probe found KVM working (it
# probes at the first boot), so that the slower TCG runs are no surprise.
kvm_said=0
say_kvm() {
	[ $kvm_said = 0 ] && [ -f "$BUILD/kvm-works" ] || return 0
	kvm_said=1
	if [ "$(cat "$BUILD/kvm-works")" = yes ]; then
		echo "bench: KVM works here but -icount needs TCG: bench runs under TCG"
	fi
}

# check_run WORKLOAD KERNEL REPEAT SEED RC LOG: stop the benchmark at a run
# that must not be tabulated, with a message that names it.
check_run() {
	local w=$1 k=$2 r=$3 seed=$4 rc=$5 log=$6 run bad
	run="workload $w on $k (repeat $r, seed $seed)"
	[ -f "$log" ] || die "bench run failed (exit $rc): $run; no serial log $log"
	# The program prints its figures before it exits 1 on corrupted data.
	bad=$(sed -n "s/^\[bench_$w\] BENCH $w\.bad_words=//p" "$log" | tr -d '\r' | tail -n 1)
	[ -z "$bad" ] || [ "$bad" = 0 ] ||
		die "DATA CORRUPTED: $run: $bad words of kept data changed; see $log"
	grep -qF -- '-icount is not allowed with hardware virtualization' "$log" &&
		die "$run: guest.sh started KVM with ICOUNT=1, which QEMU refuses; guest.sh must use TCG when ICOUNT=1 (see $log)"
	[ "$rc" = 0 ] || die "bench run failed (exit $rc): $run; see $log"
	[ -n "$bad" ] || die "$run printed no bad_words figure, so its data went unchecked; see $log"
	# Both kernels must boot the same: KUnit suites (ours has one, which
	# allocates and sets skip bits) stay off at bench boots.
	! grep -q 'KTAP version' "$log" ||
		die "$run: KUnit ran at boot despite kunit.enable=0; see $log"
}

say_kvm
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
			rc=0
			# kunit.enable=0: ours would otherwise run its KUnit suite at
			# boot, allocating and setting skip bits before the workload,
			# and upstream has none; both kernels must start alike.
			VARIANT=$k JOB=bench_$w ARGS=$args NAME=bench-$w-$k-$r ICOUNT=1 SEED=$seed \
				KCMD=kunit.enable=0 QUIET=1 MEM=$mem CPUS=2 TIMEOUT=1200 \
				"$TOP/scripts/guest.sh" || rc=$?
			say_kvm
			check_run "$w" "$k" "$r" "$seed" "$rc" "$log"
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
# The summary make patch's cover letter reads: what this run was.
last_seed=$((SEED + (1 - SAME_SEED) * (R - 1)))
printf '{"date": "%s", "commit": "%s", "repeats": %d, "quick": %s, "seeds": "%s", "workloads": "%s", "mem": "%s", "table_md": "%s"}\n' \
	"$(date -u +%Y-%m-%dT%H:%MZ)" "$(git -C "$TOP" describe --always --dirty 2>/dev/null)" "$R" \
	"$([ "$QUICK" = 1 ] && echo true || echo false)" \
	"$SEED$([ "$last_seed" != "$SEED" ] && echo "-$last_seed")" "$WORKLOADS" "$mem" \
	"$out/table.md" >"$out/summary.json"
