#!/usr/bin/env bash
# make trace: boot VARIANT in the disk guest, record every compaction
# event during a workload with trace-cmd and count them with perf stat
# (guest/jobs/trace.sh), and summarise it on the host as text and
# as a plot of the scanners' positions (scripts/trace_report.py).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

VARIANT=${VARIANT:-ours}
check_variant "$VARIANT"
out=$BUILD/trace/$VARIANT
mkdir -p "$out"
# Debian's python3, which has python3-matplotlib (not some other python3 on PATH).
py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" -c 'import matplotlib' 2>/dev/null ||
	die "python3-matplotlib is missing: run 'make deps' (or apt-get install python3-matplotlib)"

stage "recording compaction events on $VARIANT: log build/logs/trace-$VARIANT.log"
VARIANT=$VARIANT JOB=trace NAME=trace-$VARIANT QUIET=1 TIMEOUT=${TRACE_TIMEOUT:-900} DISK=1 \
	"$TOP/scripts/guest.sh" || die "the trace run failed: see $LOGS/trace-$VARIANT.log"
"$py" "$TOP/scripts/trace_report.py" "$LOGS/trace-$VARIANT.log" "$out" "$VARIANT"
