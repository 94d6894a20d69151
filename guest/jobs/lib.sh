# Shared by the guest jobs (sourced). Every program a job runs goes through
# selftest(), which frames it for the host's judge (scripts/results.py):
#   SELFTEST-START NAME / its output / SELFTEST-END NAME rc=N
# The judge parses the TAP in between with the kernel's KTAP parser, holds
# it to its plan, and fails a non-zero exit; a program with no TAP is one
# case judged by its exit code, as kselftest's runner.sh judges it.

# The job's exit code: 1 once any program failed (4, kselftest's "skip",
# is not a failure; the judge decides whether that skip was expected).
job_rc=0

# selftest NAME CMD...: run CMD framed as program NAME.
selftest() {
	st_name=$1
	shift
	echo "SELFTEST-START $st_name"
	"$@"
	st_rc=$?
	echo "SELFTEST-END $st_name rc=$st_rc"
	[ $st_rc -eq 0 ] || [ $st_rc -eq 4 ] || job_rc=1
	return $st_rc
}

# tap_skip NAME REASON: one program that cannot run in this guest, as a
# planned TAP skip (the host's expected-skip list must name it).
tap_skip() {
	printf 'TAP version 13\n1..1\nok 1 %s # SKIP %s\n' "$1" "$2"
	return 4
}
