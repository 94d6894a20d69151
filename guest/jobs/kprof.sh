# Profile a kernel thread while a workload runs: ARGS="SECONDS COMM PROGRAM
# [ARGS...]", e.g. "240 kcompactd0 bench_proactive".  kprof samples the
# threads named COMM for SECONDS while PROGRAM runs, then prints where in
# the kernel they spent their time (guest/kprof.c).
secs=$1 comm=$2
shift 2
kprof "$secs" "$comm" &
prof=$!
"$@" | grep -v '^BENCH .*\.vm\.'
wait $prof
