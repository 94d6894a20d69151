# make trace: every compaction event during a workload, dumped on the
# console for scripts/trace_report.py. The workload: a full compaction of
# fragmented memory (compact_full), hugetlb pages allocated one by one
# through direct compaction until it fails (bench_highalloc), and a
# proactive kick.
T=/sys/kernel/tracing
echo 8192 >$T/buffer_size_kb
echo >$T/trace
echo 1 >$T/events/compaction/enable || { echo "no compaction events"; exit 1; }

echo "# workload: compact_full"
compact_full >/dev/null
echo "# workload: bench_highalloc"
bench_highalloc | grep '^BENCH'
echo "# workload: proactive kick"
echo 20 >/proc/sys/vm/compaction_proactiveness
sleep 1
echo 0 >$T/events/compaction/enable

# Events the ring buffer had to drop, per CPU.
for s in $T/per_cpu/cpu*/stats; do
	echo "TRACE-OVERRUN $(sed -n 's/^overrun: //p' "$s")"
done
echo "TRACE-START"
cat $T/trace
echo "TRACE-END"
