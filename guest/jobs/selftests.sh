# Every kselftest-style program in the initramfs, one after another.
# Each prints TAP; the host counts the cases.
rc=0
for t in compaction_test_upstream compaction_test compact_full; do
	[ -x "/bin/$t" ] || continue
	echo "SELFTEST-START $t"
	case $t in
	compact_full) "/bin/$t" "$@" ;;
	# Needs two memory nodes: the NUMA boot (jobs/numa.sh) runs it.
	compaction_test) "/bin/$t" -T node_compact_moves_only_that_node ;;
	*) "/bin/$t" ;;
	esac
	r=$?
	echo "SELFTEST-END $t rc=$r"
	[ $r -eq 0 ] || [ $r -eq 4 ] || rc=1
done

# Tracepoint formats must match upstream's: perf, trace-cmd and mmtests
# parse them. The golden copy was read from upstream 6.12.117.
echo "SELFTEST-START trace_formats"
for f in /sys/kernel/tracing/events/compaction/*/format; do
	grep -v '^ID:' "$f"
done >/tmp/formats.txt
if grep -v '^#' /golden/compaction-trace-formats.txt | diff - /tmp/formats.txt; then
	echo "ok 1 compaction_tracepoint_formats_match_upstream"
else
	echo "not ok 1 compaction_tracepoint_formats_match_upstream"
	rc=1
fi
echo "SELFTEST-END trace_formats rc=0"
exit $rc
