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
#   WORKLOADS="full highalloc thp proactive mixed pcholes stressng uptime"
#     (the last three run in the disk guest, R=5 unless R is given)
#   QUICK=1: a short run (R=1, 1 GiB guests, a 20 s proactive window)
#   scripts/bench.sh --check   only check those settings (the Makefile does)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

QUICK=${QUICK:-0}
case "$QUICK" in 0 | 1) ;; *) die "QUICK=$QUICK is not known; accepted: QUICK=0 or QUICK=1" ;; esac
# Workloads that run in the disk guest (guest.sh's DISK=1): page cache
# on ext4 and xfs, swap. Virtio I/O completes in host time, so those runs
# differ a little even with the same seed, and they repeat more often.
DISK_WORKLOADS="pcholes stressng uptime"
if [ "$QUICK" = 1 ]; then
	r_ram=${R:-1} r_disk=${R:-1} mem=1G args=--quick
else
	r_ram=${R:-3} r_disk=${R:-5} mem=2G args=
fi
# "scale": full and proactive in guests of 1, 2, 4 and 8 GiB, as the
# workloads full@1G ... proactive@8G (any WORKLOAD@SIZE runs WORKLOAD in a
# guest of SIZE). Not in the quick run.
SCALE="full@1G full@2G full@4G full@8G proactive@1G proactive@2G proactive@4G proactive@8G"
# The quick run leaves out stressng and scale, which alone would take
# longer than the rest.
if [ "$QUICK" = 1 ]; then
	WORKLOADS=${WORKLOADS:-full highalloc thp proactive mixed pcholes uptime}
else
	WORKLOADS=${WORKLOADS:-full highalloc thp proactive mixed pcholes stressng uptime scale}
fi
WORKLOADS=$(echo " $WORKLOADS " | sed "s/ scale / $SCALE /g")
for r in "$r_ram" "$r_disk"; do
	case "$r" in [1-9] | [1-9][0-9]) ;; *) die "R=$r: give a repeat count from 1 to 99" ;; esac
done
SEED=${SEED:-1}
case "$SEED" in [1-9] | [1-9][0-9] | [1-9][0-9][0-9]) ;; *) die "SEED=$SEED: give the first seed, a number from 1 to 999" ;; esac
SAME_SEED=${SAME_SEED:-0}
case "$SAME_SEED" in 0 | 1) ;; *) die "SAME_SEED=$SAME_SEED is not known; accepted: 0 (repeat r uses seed SEED + r - 1) or 1 (every repeat uses seed SEED)" ;; esac
# base_of WORKLOAD: the program it runs (full@4G runs full).
base_of() {
	echo "${1%@*}"
}
# mem_of WORKLOAD: its guest size (full@4G: 4G; else the run's size).
mem_of() {
	case "$1" in *@*) echo "${1#*@}" ;; *) echo "$mem" ;; esac
}
# is_disk WORKLOAD: does it run in the disk guest?
is_disk() {
	case " $DISK_WORKLOADS " in *" $(base_of "$1") "*) return 0 ;; esac
	return 1
}
# repeats WORKLOAD: how many times it runs on each kernel.
repeats() {
	if is_disk "$1"; then echo "$r_disk"; else echo "$r_ram"; fi
}
for w in $WORKLOADS; do
	[ -f "$TOP/bench/bench_$(base_of "$w").c" ] || die "WORKLOADS: unknown workload '$w' (known: $(cd "$TOP/bench" && ls bench_*.c | sed 's/bench_//; s/\.c//' | tr '\n' ' ')scale, and any of them as NAME@SIZE, e.g. full@4G)"
	case "$(mem_of "$w")" in [1-9]*[MG]) ;; *) die "WORKLOADS: '$w': give the guest size as a number and M or G, e.g. full@4G" ;; esac
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
	local w=$1 k=$2 r=$3 seed=$4 rc=$5 log=$6 run bad b
	b=$(base_of "$w")
	run="workload $w on $k (repeat $r, seed $seed)"
	[ -f "$log" ] || die "bench run failed (exit $rc): $run; no serial log $log"
	# The program prints its figures before it exits 1 on corrupted data.
	bad=$(sed -n "s/^\[bench_$b\] BENCH $b\.bad_words=//p" "$log" | tr -d '\r' | tail -n 1)
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
total=0 plan="" ran_disk="" most=1
for w in $WORKLOADS; do
	total=$((total + 2 * $(repeats "$w")))
	plan="$plan $w:$(repeats "$w")"
	[ "$(repeats "$w")" -gt "$most" ] && most=$(repeats "$w")
	is_disk "$w" && ran_disk="$ran_disk $w"
done
n=0
t_all=$(date +%s)
for w in $WORKLOADS; do
	disk=0
	is_disk "$w" && disk=1
	b=$(base_of "$w")
	for r in $(seq 1 "$(repeats "$w")"); do
		for k in ours upstream; do
			n=$((n + 1))
			seed=$((SEED + (1 - SAME_SEED) * (r - 1)))
			stage "bench $n/$total: $w on $k (repeat $r/$(repeats "$w"), seed $seed)"
			log=$LOGS/bench-$w-$k-$r.log
			t0=$(date +%s)
			rc=0
			# kunit.enable=0: ours would otherwise run its KUnit suite at
			# boot, allocating and setting skip bits before the workload,
			# and upstream has none; both kernels must start alike.
			VARIANT=$k DISK=$disk JOB=bench_$b ARGS=$args NAME=bench-$w-$k-$r ICOUNT=1 SEED=$seed \
				KCMD=kunit.enable=0 QUIET=1 MEM=$(mem_of "$w") CPUS=2 TIMEOUT=2400 \
				"$TOP/scripts/guest.sh" || rc=$?
			say_kvm
			check_run "$w" "$k" "$r" "$seed" "$rc" "$log"
			echo "$w $k $r $(($(date +%s) - t0)) $seed" >>"$times"
			# full@4G's figures are named full@4G.NAME.
			sed -n "s/^\[bench_$b\] BENCH $b\./$k $r $w./p" "$log" | tr -d '\r' >>"$raw"
			sed -n "s/^\[bench_$b\] SERIES $b\./$k $r $w./p" "$log" | tr -d '\r' >>"$series"
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
BENCH_REPEATS="${plan# }" BENCH_DISK_WORKLOADS="${ran_disk# }" BENCH_SEED=$SEED BENCH_SAME_SEED=$SAME_SEED BENCH_QUICK=$QUICK BENCH_MEM=$mem $py "$TOP/scripts/bench_report.py" "$raw" "$out"
# The summary make patch's cover letter reads: what this run was.
last_seed=$((SEED + (1 - SAME_SEED) * (most - 1)))
printf '{"date": "%s", "commit": "%s", "repeats": "%s", "quick": %s, "seeds": "%s", "workloads": "%s", "mem": "%s", "table_md": "%s"}\n' \
	"$(date -u +%Y-%m-%dT%H:%MZ)" "$(git -C "$TOP" describe --always --dirty 2>/dev/null)" "${plan# }" \
	"$([ "$QUICK" = 1 ] && echo true || echo false)" \
	"$SEED$([ "$last_seed" != "$SEED" ] && echo "-$last_seed")" "$WORKLOADS" "$mem" \
	"$out/table.md" >"$out/summary.json"
