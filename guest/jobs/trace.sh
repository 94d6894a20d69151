# make trace, in the disk guest: trace-cmd records every compaction event
# of a workload, and perf stat counts the same events over the same run,
# so that the report can hold each tool's count against the other's.
# The workload: a full compaction of fragmented memory (compact_full),
# hugetlb pages allocated one by one through direct compaction until it
# fails (bench_highalloc), and a proactive kick.
# trace-cmd drains its per-CPU buffers to a file while the workload runs
# (no ring buffer to overrun at the end); its "overrun" lines say whether
# any event was lost all the same. The events go to the console in
# trace-cmd report's format for scripts/trace_report.py.
command -v trace-cmd >/dev/null && command -v perf >/dev/null ||
	{ echo "no trace-cmd or perf here: make trace needs the disk guest"; exit 1; }
cat >/tmp/workload.sh <<'W'
echo "# workload: compact_full"
compact_full >/dev/null
echo "# workload: bench_highalloc"
bench_highalloc | grep '^BENCH'
echo "# workload: proactive kick"
echo 20 >/proc/sys/vm/compaction_proactiveness
sleep 1
W
perf stat -e 'compaction:*' -a -x, -o /tmp/perf.csv -- \
	trace-cmd record -b 8192 -e compaction -o /tmp/trace.dat sh /tmp/workload.sh \
	>/tmp/record.out 2>&1 || { cat /tmp/record.out; exit 1; }
grep -v '^CPU[0-9]* data recorded' /tmp/record.out
# Events lost in spite of the draining, per CPU.
sed -n 's/^overrun: */TRACE-OVERRUN /p' /tmp/record.out
awk -F, '$3 ~ /^compaction:/ { sub(/^compaction:/, "", $3); print "PERF-COUNT " $3 " " $1 }' /tmp/perf.csv
echo "TRACE-START"
trace-cmd report -i /tmp/trace.dat 2>/dev/null | grep ': mm_compaction_'
echo "TRACE-END"
