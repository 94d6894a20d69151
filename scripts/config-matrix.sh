#!/usr/bin/env bash
# The config matrix of make check: our files must compile with compaction,
# CMA, NUMA, THP, hugetlbfs, memory hotplug, sysfs and debugfs each turned
# off.  Each entry is our kernel's configuration (made once, in
# build/matrix/ours) with a few options overridden, configured in one of a
# few O= directories (lanes) under
# build/matrix/, and builds mm/compaction.o, and compaction's callers
# where the entry changes what our headers declare (callers_too below).
#   scripts/config-matrix.sh [ENTRY...]   (default: every entry)
# Non-zero when any entry fails to configure or to compile.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# ENTRY: the options it overrides.  (TRANSPARENT_HUGEPAGE selects
# COMPACTION, so it goes too wherever COMPACTION does.)
declare -A matrix=(
	[compaction-n-cma-y]="CONFIG_COMPACTION=n CONFIG_TRANSPARENT_HUGEPAGE=n CONFIG_CMA=y"
	[compaction-n-cma-n]="CONFIG_COMPACTION=n CONFIG_TRANSPARENT_HUGEPAGE=n CONFIG_CMA=n CONFIG_DMA_CMA=n"
	[numa-n]="CONFIG_NUMA=n"
	[thp-n]="CONFIG_TRANSPARENT_HUGEPAGE=n"
	[hugetlbfs-n]="CONFIG_HUGETLBFS=n"
	[memory-hotplug-n]="CONFIG_MEMORY_HOTPLUG=n"
	[sysfs-n-debugfs-n]="CONFIG_SYSFS=n CONFIG_DEBUG_FS=n"
)
order=(compaction-n-cma-y compaction-n-cma-n numa-n thp-n hugetlbfs-n memory-hotplug-n
	sysfs-n-debugfs-n)

# Entries whose options change what include/linux/compaction.h (or the
# compact_control section of mm/internal.h) declares: COMPACTION (and CMA
# with it) and SYSFS (compaction_register_node()).  Only these compile
# compaction's callers as well; the others change nothing a caller sees,
# only mm/compaction.c itself, and compile just that (NUMA=n removes the
# one caller of the NUMA-only part, drivers/base/node.o, altogether).
# The callers are the matrix's largest cost on a cold machine.
callers_too=(compaction-n-cma-y compaction-n-cma-n sysfs-n-debugfs-n)

# Our objects and compaction's callers, each with the option that builds it
# ("-": always built).
objects=(
	"- mm/compaction.o" "- mm/page_alloc.o" "- mm/vmscan.o" "- mm/vmstat.o"
	"CONFIG_MIGRATION mm/migrate.o" "CONFIG_MEMORY_ISOLATION mm/page_isolation.o"
	"CONFIG_CMA mm/cma.o" "CONFIG_MEMORY_HOTPLUG mm/memory_hotplug.o"
	"CONFIG_MEMORY_BALLOON mm/balloon_compaction.o" "CONFIG_NUMA drivers/base/node.o"
	"CONFIG_HUGETLBFS mm/hugetlb.o" "CONFIG_TRANSPARENT_HUGEPAGE mm/huge_memory.o"
)

# targets_of NAME CONFIG: the objects entry NAME compiles: the ones CONFIG
# builds, or only mm/compaction.o if NAME is not in callers_too.
targets_of() {
	local entry opt obj
	if [[ " ${callers_too[*]} " != *" $1 "* ]]; then
		echo mm/compaction.o
		return
	fi
	for entry in "${objects[@]}"; do
		read -r opt obj <<<"$entry"
		if [ "$opt" = - ] || grep -q "^$opt=y" "$2"; then
			echo "$obj"
		fi
	done
}

# build_entry NAME LANE: configure and compile one entry in the O=
# directory build/matrix/lane-LANE; its output goes to
# build/logs/matrix-NAME.log.
build_entry() {
	local name=$1 dir=matrix/lane-$2 frag log=$LOGS/matrix-$1.log
	local START_CONFIG=$BUILD/matrix/ours/.config
	export START_CONFIG
	mkdir -p "$BUILD/matrix" "$LOGS"
	frag=$BUILD/matrix/$name.config
	tr ' ' '\n' <<<"${matrix[$name]}" >"$frag"
	# Configure (and prepare) first, with no objects yet.
	if ! OUT_NAME=$dir OVERRIDE=$frag "$TOP/scripts/kernel.sh" ours prepare >"$log" 2>&1; then
		echo "  $name: configuration failed (${matrix[$name]}), see $log"
		tail -n 5 "$log" | sed 's/^/    /'
		return 1
	fi
	mapfile -t targets < <(targets_of "$name" "$BUILD/$dir/.config")
	if OUT_NAME=$dir OVERRIDE=$frag "$TOP/scripts/kernel.sh" ours "${targets[@]}" >>"$log" 2>&1; then
		echo "  $name: ${#targets[@]} objects compile (${matrix[$name]})"
		return 0
	fi
	echo "  $name: compile failed (${matrix[$name]}), see $log"
	grep -E 'error:|Error [0-9]' "$log" | head -n 10 | sed 's/^/    /'
	return 1
}

entries=("$@")
[ ${#entries[@]} -gt 0 ] || entries=("${order[@]}")
for name in "${entries[@]}"; do
	[ -n "${matrix[$name]:-}" ] || die "unknown matrix entry '$name'; known: ${order[*]}"
done
mkdir -p "$LOGS"
# Our kernel's configuration, once: a tinyconfig for every entry cost
# about 14 s of a core each.
if ! OUT_NAME=matrix/ours CONFIGURE_ONLY=1 "$TOP/scripts/kernel.sh" ours >"$LOGS/matrix-ours.log" 2>&1; then
	echo "  configuring our kernel for the matrix failed, see $LOGS/matrix-ours.log"
	tail -n 5 "$LOGS/matrix-ours.log" | sed 's/^/    /'
	exit 1
fi
# Entries build in lanes, as many as there are cores, side by side:
# configuring an entry (kconfig, then prepare) keeps a single core busy
# for most of its time.  A lane builds its entries one after the other in
# one O= directory, so that the host tools (kconfig, objtool, ...) are
# built once per lane rather than once per entry: on a cold machine that
# was most of the matrix's cost.  Each entry's lines are printed in order
# once all have ended.  Background jobs ignore Ctrl-C, so an interrupted
# matrix stops them itself.
results=$(mktemp -d)
stop_entries() {
	local pid
	for pid in $(jobs -rp); do
		kill_tree "$pid"
	done
}
trap 'rm -rf "$results"' EXIT
trap 'stop_entries; exit 130' INT
trap 'stop_entries; exit 143' TERM
lanes=$(nproc)
for ((lane = 0; lane < lanes; lane++)); do
	(
		for ((i = lane; i < ${#entries[@]}; i += lanes)); do
			name=${entries[$i]}
			build_entry "$name" "$lane" >"$results/$name.out" 2>&1
			echo $? >"$results/$name.rc"
		done
	) &
done
wait
bad=0
for name in "${entries[@]}"; do
	cat "$results/$name.out"
	[ "$(cat "$results/$name.rc" 2>/dev/null)" = 0 ] || bad=$((bad + 1))
done
exit $((bad > 0))
