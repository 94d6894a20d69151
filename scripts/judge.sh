# Boot one guest and judge it: the one helper that make test, make stress
# and make peers use. Source it after lib.sh; do not run it.
# shellcheck shell=bash
#
# boot_and_judge NAME JOB
#   Boots $VARIANT with job JOB through scripts/guest.sh (or $RUNNER, which
#   takes the same environment: scripts/hotplug.sh), log build/logs/NAME.log.
#   Everything else guest.sh reads comes from the environment (MEM, CPUS,
#   NODES, KCMD, ARGS, TIMEOUT).
#   Prints one line per case ("PASS|FAIL|SKIP suite: name"), then the
#   verdict on the boot itself, and keeps them in build/logs/NAME.cases.
#   Sets JUDGE_PASS, JUDGE_FAIL, JUDGE_SKIP (the boot's verdict included)
#   and JUDGE_OUTCOME, one of:
#     ok             the job ran, the log is clean
#     job-failed     the job ran and exited non-zero, the log is clean
#     kernel-report  an oops, a BUG, a WARNING, a lockdep or KASAN report...
#     no-result      the guest never reported (hung, crashed, timed out)
#     no-cases       the job ran cleanly but reported no case
#     harness-error  no boot happened, or its log is not this boot's
#   Cases are read only from a log this boot wrote: the old log and its
#   outcome are removed first, and a harness error counts no case.
#   KUNIT=SUITE also judges that KUnit suite's output in the log.
#
# Every skip must be on scripts/expected-skips for this job and kernel;
# any other skip is a failure (scripts/results.py).

boot_and_judge() {
	local name=$1 job=$2 log=$LOGS/$1.log cases=$LOGS/$1.cases rc marker
	local outcome=$LOGS/$1.outcome results verdict why
	mkdir -p "$LOGS"
	rm -f "$log" "$outcome" "$cases"
	marker=$(mktemp "$LOGS/.boot-XXXXXX")
	stage "booting $VARIANT for '$job' (${MEM:-2G}${NODES:+, nodes $NODES}): log build/logs/$name.log"
	JOB=$job NAME=$name QUIET=1 "${RUNNER:-$TOP/scripts/guest.sh}"
	rc=$?
	JUDGE_OUTCOME=$(judge_outcome "$log" "$outcome" "$marker" "$rc")
	rm -f "$marker"
	results="counts 0 0 0"
	if [ "$JUDGE_OUTCOME" != harness-error ]; then
		results=$(python3 "$TOP/scripts/results.py" "$log" "$job" "$VARIANT" \
			--skips "$TOP/scripts/expected-skips" ${KUNIT:+--kunit "$KUNIT"}) ||
			results="FAIL judge: results.py could not read $log
counts 0 1 0"
	fi
	read -r _ JUDGE_PASS JUDGE_FAIL JUDGE_SKIP < <(echo "$results" | grep '^counts ')
	if [ $((JUDGE_PASS + JUDGE_FAIL + JUDGE_SKIP)) = 0 ] && [ "$JUDGE_OUTCOME" = ok ]; then
		JUDGE_OUTCOME=no-cases
	fi
	case $JUDGE_OUTCOME in
	ok) verdict=PASS why="a result, and the serial log is free of kernel reports" ;;
	job-failed) verdict=PASS why="a result (the job failed: see its cases), no kernel report"
		[ "$JUDGE_FAIL" -gt 0 ] ||
			verdict=FAIL why="the job exited non-zero but no case failed" ;;
	kernel-report) verdict=FAIL why="kernel report in the serial log" ;;
	no-result) verdict=FAIL why="the guest gave no result (hung, crashed or timed out)" ;;
	no-cases) verdict=FAIL why="the job reported no case at all" ;;
	*) verdict=FAIL why="harness error: no boot, or a log this boot did not write (guest.sh rc $rc)" ;;
	esac
	{
		echo "$results" | grep -v '^counts '
		echo "$verdict $name: $why"
	} | tee "$cases"
	[ $verdict = PASS ] && JUDGE_PASS=$((JUDGE_PASS + 1)) || JUDGE_FAIL=$((JUDGE_FAIL + 1))
	if [ "$JUDGE_FAIL" -gt 0 ] && [ -f "$log" ]; then
		# CI keeps only this output: show what went wrong.
		kernel_reports "$log" | head -n 20 | sed 's/^/    /'
		echo "--- $name: the guest's last notes (full log: $log)"
		tr -d '\r' <"$log" | grep -a "^\[$job\] #" | tail -n 40
	fi
	return 0
}

# judge_outcome LOG OUTCOME MARKER RC: what the boot came to (see above).
# The log must be newer than MARKER (made just before the boot), and an
# outcome "rc N" must agree with the runner's exit code.
judge_outcome() {
	local log=$1 outcome=$2 marker=$3 rc=$4 what
	if [ ! -f "$log" ] || [ ! -f "$outcome" ] || ! [ "$log" -nt "$marker" ]; then
		echo harness-error
		return
	fi
	what=$(cat "$outcome")
	case $what in
	"rc $rc") [ "$rc" = 0 ] && echo ok || echo job-failed ;;
	kernel-report | no-result) echo "$what" ;;
	*) echo harness-error ;;
	esac
}
