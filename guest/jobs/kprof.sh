# Profile a kernel thread while a workload runs, with perf (the disk
# guest): ARGS="SECONDS COMM PROGRAM [ARGS...]", e.g. "240 kcompactd0
# bench_proactive". perf record samples every CPU every 100 us of CPU
# time (cpu-clock: TCG has no PMU) with call chains for SECONDS while
# PROGRAM runs; perf report then prints where the threads named COMM
# spent it, by their own time (self) and by time anywhere below a
# function in the chain (children).
secs=$1 comm=$2
shift 2
command -v perf >/dev/null || { echo "kprof needs perf: boot the disk guest (DISK=1)"; exit 1; }
perf record -q -e cpu-clock -c 100000 -a -g -o /tmp/kprof.data -- sleep "$secs" &
prof=$!
"$@" | grep -v '^BENCH .*\.vm\.'
wait $prof || exit 1
for view in --no-children --children; do
	echo "== $comm: $view"
	perf report -i /tmp/kprof.data --comms "$comm" --percentage relative --stdio $view --sort sym \
		-g none --percent-limit 1 2>/dev/null | grep -v '^#' | grep -v '^$' | head -40
done
