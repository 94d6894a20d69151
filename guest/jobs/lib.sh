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

# tap_fail NAME REASON: one case that could not even run, failed.
tap_fail() {
	printf 'TAP version 13\n1..1\nnot ok 1 %s # %s\n' "$1" "$2"
	return 1
}

# The balloon, driven from the host: the boot must run under
# scripts/monitor.sh (make test's boot 3 does), which carries out the
# "HOST-MONITOR" lines a job prints.
mem_total_mib() {
	awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo
}

# ram_mib: the guest's RAM as QEMU sizes it (memory blocks present),
# which is what the monitor's "balloon" command takes.
ram_mib() {
	blocks=$(ls -d /sys/devices/system/memory/memory[0-9]* | wc -l)
	bytes=$(printf '%d' "0x$(cat /sys/devices/system/memory/block_size_bytes)")
	echo $((blocks * bytes / 1048576))
}

# balloon_to MIB WANT: ask the host's monitor (scripts/monitor.sh runs
# this boot) to leave the guest MIB of RAM, and wait up to 120 s for
# MemTotal to reach WANT MiB (from above when inflating, below otherwise).
# The caller sets $full: MemTotal in MiB with the balloon empty.
balloon_to() {
	# Straight to the console: the host acts on it while this waits.
	echo "HOST-MONITOR balloon $1" >/dev/console
	i=0
	while [ $i -lt 120 ]; do
		now=$(mem_total_mib)
		if [ "$2" -lt "$full" ]; then
			[ "$now" -le "$2" ] && return 0
		else
			[ "$now" -ge "$2" ] && return 0
		fi
		sleep 1
		i=$((i + 1))
	done
	echo "MemTotal $now MiB after 120 s, waited for $2"
	return 1
}
