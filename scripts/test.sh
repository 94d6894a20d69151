#!/usr/bin/env bash
# make test: every suite on one kernel.
#   BASE=ours|upstream  DEBUG=0|1
# Boot 1 (2 GiB): KUnit at boot, then the selftests.
# Boot 2 (4 GiB, cma=): CMA and gigantic pages through alloc_contig_range.
# Boot 3 (the disk guest, 2 GiB in two nodes of 1001 and 1047 MiB, 3
#   vCPUs): the disk guest's own checks, per-node compaction, a full
#   compaction across both, and upstream's migration, transhuge-stress,
#   split_huge_page_test, khugepaged, ksm and hugetlb selftests
#   (guest/jobs/peers.sh), then compaction over real memory: page cache,
#   swap in a memcg, KSM, pins, zram and the balloon (guest/jobs/realmem.sh).
# Boot 4 (the disk guest again, the same nodes, 3 vCPUs, cma=64M): make
#   stress's mix for 120 s (STRESS_SECONDS=), real-memory workers included
#   (fio on xfs and ext4, swap in a memcg, KSM, zram, the balloon), then
#   its nothing-lost checks.
# Boot 5 (2 GiB and a memoryless node 1): a dimm hot-added to node 1,
#   offlined and removed again while compaction runs (scripts/hotplug.sh
#   drives the QEMU monitor).
# Boot 6 (BASE=ours DEBUG=0 only, cma=64M): ours-debug-lean (the debug kernel
#   without what only the disk guest uses; configs/lean.config), KUnit and
#   our kselftest.
#   It runs alongside boots 1-5 (it is as long as they are together, and
#   a TCG guest keeps about one host core busy), and its cases are printed
#   after theirs.  No case times anything, so sharing the host changes no
#   verdict; the timeouts only catch hangs.
# Prints each case, then exactly one summary line: "N passed, N failed, N skipped".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

BASE=${BASE:-ours}
DEBUG=${DEBUG:-0}
case "$BASE" in
ours | upstream) ;;
*) die "BASE=$BASE: accepted values are ours and upstream" ;;
esac
# Seconds per boot, a hang bound (the longest, boot 3, took 10 to 12
# minutes while boot 6 shared the host); KASAN and lockdep make the debug
# kernels several times slower under TCG.
case "$DEBUG" in
0) variant=$BASE timeout=1200 ;;
1) variant=$BASE-debug timeout=3000 ;;
*) die "DEBUG=$DEBUG: accepted values are 0 and 1" ;;
esac
config=$BUILD/$variant/.config
pass=0 fail=0 skip=0

# The full-compaction bar: ours must reach 95% of the ideal order-9 blocks;
# upstream 6.12 reaches 83-85% on this recipe, so its bar is lower.
min_yield=95
[ "$BASE" = upstream ] && min_yield=75

. "$TOP/scripts/judge.sh"

# Our kernel must carry its KUnit suite; upstream has none (an expected skip).
kunit=compaction
if ! grep -q '^CONFIG_COMPACTION_KUNIT_TEST=y' "$config" 2>/dev/null; then
	kunit=""
	if [ "$BASE" = ours ]; then
		echo "FAIL kunit: CONFIG_COMPACTION_KUNIT_TEST is not set in $config"
		fail=$((fail + 1))
	else
		echo "SKIP kunit: upstream has no suite 'compaction' (expected)"
		skip=$((skip + 1))
	fi
fi

# boot NAME JOB: one guest run (environment as for guest.sh), judged.
boot() {
	VARIANT=$variant TIMEOUT=${TEST_TIMEOUT:-$timeout} boot_and_judge "$@"
	pass=$((pass + JUDGE_PASS)) fail=$((fail + JUDGE_FAIL)) skip=$((skip + JUDGE_SKIP))
	boots+=("$(printf '{"name": "%s", "outcome": "%s", "passed": %d, "failed": %d, "skipped": %d}' \
		"$1" "$JUDGE_OUTCOME" "$JUDGE_PASS" "$JUDGE_FAIL" "$JUDGE_SKIP")")
}
boots=()

# Boot 6, ours only, started first and in the background: the debug
# kernel (KASAN, lockdep, DEBUG_VM, UBSAN, page_owner) runs the KUnit
# suite and our kselftest, so that a lock imbalance or a memory-safety bug
# in our code fails CI too.
debug_pid=""
if [ "$BASE" = ours ] && [ "$DEBUG" = 0 ]; then
	# Once, before two guests would both probe for KVM.
	[ -f "$BUILD/kvm-works" ] ||
		kvm_probe "$BUILD/$variant/arch/x86/boot/bzImage" "$BUILD/guest/initramfs.cpio.gz"
	debug_out=$(mktemp "$BUILD/.test-debug-out.XXXXXX")
	debug_res=$(mktemp "$BUILD/.test-debug-res.XXXXXX")
	(
		variant=ours-debug-lean
		KUNIT=compaction KCMD="kunit.filter_glob=compaction cma=64M" MEM=2G CPUS=2 ARGS="" \
			TEST_TIMEOUT=${TEST_TIMEOUT:-3000} \
			boot "test-debug-ours" debug
		echo "${boots[-1]}" >"$debug_res.json"
		echo "$JUDGE_PASS $JUDGE_FAIL $JUDGE_SKIP" >"$debug_res"
	) >"$debug_out" 2>&1 &
	debug_pid=$!
	# Interrupted, make test takes the background boot (and its QEMU) down
	# too; debug_pid is cleared once the boot has been waited for.
	trap '[ -z "$debug_pid" ] || kill_tree "$debug_pid"
		rm -f "$debug_out" "$debug_res" "$debug_res.json"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	echo "boot 6 (ours-debug-lean: KUnit, our kselftest) runs alongside boots 1-5;" \
		"its cases follow theirs"
fi

KUNIT=$kunit KCMD=${kunit:+"kunit.filter_glob=$kunit"} MEM=2G ARGS="--min-yield=$min_yield" \
	boot "test-$variant" selftests
MEM=4G KCMD="cma=256M" ARGS="" boot "test-contig-$variant" contig
# Node sizes that are not whole pageblocks: zones end mid-block.  Three
# vCPUs: upstream's migration selftest needs two threads besides its own.
CPUS=3 NODES=1001M,1047M MEM=2048M KCMD="" ARGS="--min-yield=$min_yield" DISK=1 \
	RUNNER=$TOP/scripts/monitor.sh \
	boot "test-numa-$variant" numa
# A short run of make stress's mix in the same kind of guest, 3 vCPUs
# (its killer's bound, 60 s, is for hangs: nothing here is timed).
CPUS=3 NODES=1001M,1047M MEM=2048M KCMD="cma=64M" ARGS="${STRESS_SECONDS:-120}" DISK=1 \
	RUNNER=$TOP/scripts/monitor.sh boot "test-stress-$variant" stress
RUNNER=$TOP/scripts/hotplug.sh MEM=2G KCMD="memhp_default_state=online_movable" ARGS="" \
	boot "test-hotplug-$variant" hotplug

# Boot 6's verdict, once it has ended: its cases, then its counts.
collect_debug_boot() {
	local counts
	[ -n "$debug_pid" ] || return 0
	wait "$debug_pid"
	debug_pid=""
	cat "$debug_out"
	counts=$(cat "$debug_res" 2>/dev/null)
	if [ -z "$counts" ]; then
		echo "FAIL test-debug-ours: the background boot left no verdict"
		counts="0 1 0"
		echo '{"name": "test-debug-ours", "outcome": "harness-error", "passed": 0, "failed": 1, "skipped": 0}' \
			>"$debug_res.json"
	fi
	read -r p f k <<<"$counts"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + k))
	boots+=("$(cat "$debug_res.json")")
}

collect_debug_boot

# The summary make patch's cover letter reads.
mkdir -p "$BUILD/summary"
{
	printf '{"variant": "%s", "commit": "%s", "date": "%s",\n' "$variant" \
		"$(git -C "$TOP" describe --always --dirty 2>/dev/null)" "$(date -u +%Y-%m-%dT%H:%MZ)"
	printf ' "passed": %d, "failed": %d, "skipped": %d,\n "boots": [%s]}\n' \
		"$pass" "$fail" "$skip" "$(IFS=,; echo "${boots[*]}")"
} >"$BUILD/summary/test-$variant.json"

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
