# Boot 1 of make test: upstream's compaction_test, our kselftest (but its
# two-node case, which the NUMA boot runs), the full compaction, and the
# tracepoint formats against upstream's. Prints framed TAP (jobs/lib.sh).
. /jobs/lib.sh

# Tracepoint formats must match upstream's: perf, trace-cmd and mmtests
# parse them. The golden copy was read from upstream 6.12.117.
trace_formats() {
	echo "TAP version 13"
	echo "1..1"
	for f in /sys/kernel/tracing/events/compaction/*/format; do
		grep -v '^ID:' "$f"
	done >/tmp/formats.txt
	if grep -v '^#' /golden/compaction-trace-formats.txt | diff - /tmp/formats.txt; then
		echo "ok 1 compaction_tracepoint_formats_match_upstream"
	else
		echo "not ok 1 compaction_tracepoint_formats_match_upstream"
		return 1
	fi
}

selftest compaction_test_upstream compaction_test_upstream
if [ -x /bin/compaction_test ]; then
	selftest compaction_test compaction_test -T node_compact_moves_only_that_node
else
	selftest compaction_test tap_skip compaction_test "no kselftest of ours in this initramfs"
fi
selftest compact_full compact_full "$@"
selftest trace_formats trace_formats
exit $job_rc
