#!/usr/bin/env bash
# The judge's own test (make check runs it): each way a boot or a program
# can go wrong is planted with a fake runner in place of QEMU, and the
# judge (scripts/judge.sh, scripts/results.py) must fail it; a clean boot
# must pass.  Needs no kernel: the runner writes the serial log a guest
# would have written.  Prints one line per plant, non-zero if any is
# judged wrongly.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/judge.sh"

[ -f "$BUILD/src/base/tools/testing/kunit/kunit_parser.py" ] ||
	die "the tree's kunit_parser.py is missing: run 'make src'"
LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT
export PLANT_DIR=$LOGS
wrong=0

# The fake runner: writes build/logs/NAME.log from $PLANT (a file of guest
# lines) and the outcome guest.sh would write, then exits like guest.sh.
runner=$LOGS/runner.sh
cat >"$runner" <<'EOF'
#!/usr/bin/env bash
log=$PLANT_DIR/$NAME.log outcome=$PLANT_DIR/$NAME.outcome
case "${PLANT_MODE:-}" in
harness) exit 126 ;;                  # died before booting (CPUS=0)
stale)                                # put back a log from an earlier boot
	cp "$PLANT_DIR/old.log" "$log"
	touch -d '1 hour ago' "$log"
	echo "rc 0" >"$outcome"
	exit 0 ;;
esac
sed "s/^/[$JOB] /" "$PLANT" >"$log"
case "${PLANT_MODE:-}" in
hung) echo no-result >"$outcome"; exit 124 ;;
oops) echo "BUG: unable to handle page fault" >>"$log"; echo kernel-report >"$outcome"; exit 125 ;;
esac
rc=${PLANT_RC:-0}
echo "GUEST-EXIT rc=$rc" >>"$log"
echo "rc $rc" >"$outcome"
exit "$rc"
EOF
chmod +x "$runner"

# plant WANT WHAT: judge one planted boot; its verdict must be WANT
# (pass: no failed case; fail: at least one).
plant() {
	local want=$1 what=$2 got
	VARIANT=ours RUNNER=$runner boot_and_judge plant selftests >"$LOGS/out" 2>&1
	got=pass
	[ "$JUDGE_FAIL" -gt 0 ] && got=fail
	if [ "$got" = "$want" ]; then
		echo "ok   $what: judged $got ($JUDGE_OUTCOME)"
	else
		echo "WRONG $what: judged $got ($JUDGE_OUTCOME), want $want"
		sed 's/^/      /' "$LOGS/out"
		wrong=$((wrong + 1))
	fi
}

# prog NAME RC LINES...: a program's lines, framed as guest/jobs/lib.sh frames them.
prog() {
	local name=$1 rc=$2
	shift 2
	echo "SELFTEST-START $name"
	printf '%s\n' "$@"
	echo "SELFTEST-END $name rc=$rc"
}

export PLANT=$LOGS/plant
prog good 0 "TAP version 13" "1..2" "ok 1 a" "ok 2 b" >"$PLANT"
plant pass "a clean boot with a planned program"
PLANT_MODE=harness plant fail "no boot at all (guest.sh died, e.g. CPUS=0)"
{ sed 's/^/[selftests] /' "$PLANT"; echo "GUEST-EXIT rc=0"; } >"$LOGS/old.log"
PLANT_MODE=stale plant fail "a stale log from an earlier boot"
PLANT_MODE=hung plant fail "a guest that never reported"
PLANT_MODE=oops plant fail "a kernel report in the log"
prog early 0 "TAP version 13" "1..10" "ok 1 a" "ok 2 b" "ok 3 c" >"$PLANT"
plant fail "a program that exits after case 3 of 10"
prog crashed 0 "TAP version 13" "1..3" "ok 1 a" >"$PLANT"
echo "SELFTEST-START after" >>"$PLANT"
plant fail "a program that never ends"
prog noplan 0 "TAP version 13" "ok 1 a" >"$PLANT"
plant fail "TAP with no plan"
prog skipper 4 "TAP version 13" "1..1" "ok 1 a # SKIP kswapd ran" >"$PLANT"
plant fail "a skip that is not on the expected-skip list"
prog peer_thuge-gen 4 "TAP version 13" "1..1" "ok 1 thuge-gen # SKIP no 1 GiB pages" >"$PLANT"
plant fail "an expected skip, but on a boot it is not expected on"
prog rc 1 "TAP version 13" "1..1" "ok 1 a" >"$PLANT"
PLANT_RC=1 plant fail "a non-zero exit with every case passing"
prog worker 1 "TAP version 13" "1..1" "not ok 1 stress_cma" >"$PLANT"
PLANT_RC=1 plant fail "a failed case"
: >"$PLANT"
plant fail "a job that reports no case at all"
prog plain 0 "no TAP here" >"$PLANT"
plant pass "a program with no TAP that exits 0 (runner.sh's rule)"
prog plain 3 "no TAP here" >"$PLANT"
PLANT_RC=1 plant fail "a program with no TAP that exits 3"

echo "test-judge: $wrong judged wrongly"
[ $wrong -eq 0 ]
