#!/usr/bin/env bash
# make peers: upstream's own mm selftests (guest/jobs/peers.sh) on upstream
# compaction and on ours, each in the 2-node guest make test uses (nodes of
# 1001 and 1047 MiB, 3 vCPUs, the disk guest), with the results side by
# side.
#   DEBUG=0|1   the plain or the debug kernels (make: DEBUG)
# A case fails when ours fails it and upstream does not, or when upstream
# passes it and ours does not.  One that fails on both is shown as
# "BOTH" and counted apart: it says nothing about our compaction, but it
# is not a pass and never a skip.  A skip is one on scripts/expected-skips
# (any other skip already failed in the judge).  A kernel report in either
# serial log fails that kernel's boot, and without a good upstream boot
# there is nothing to compare with: the run fails.
# Prints the table, then "N passed, N failed, N skipped, N fail on both".
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/judge.sh"

DEBUG=${DEBUG:-0}
case "$DEBUG" in
0) suffix="" timeout=1200 ;;
1) suffix=-debug timeout=3600 ;;
*) die "DEBUG=$DEBUG: accepted values are 0 and 1" ;;
esac
variants="upstream$suffix ours$suffix"
pass=0 fail=0 skip=0 both=0
declare -A state
keys=()
boot_key="(the boot: no kernel report, a result)"

# run_one VARIANT: boot it with the peers job and record each case's state.
run_one() {
	local v=$1 name=peers-$1 st line key
	local -A seen=()
	VARIANT=$v MEM=2048M CPUS=3 NODES=1001M,1047M TIMEOUT=$timeout KCMD="" ARGS="" DISK=1 \
		RUNNER=$TOP/scripts/monitor.sh \
		boot_and_judge "$name" peers >/dev/null
	while read -r st line; do
		key=${line%% # *} # the note after " # " is not part of the name
		if [ "$key" != "${key#"$name: "}" ]; then
			key=$boot_key
		else
			key=${key#peer_}
			# Cases of one program may share a name: number the
			# repeats, so that no result hides another.
			seen[$key]=$((${seen[$key]:-0} + 1))
			[ "${seen[$key]}" = 1 ] || key="$key #${seen[$key]}"
		fi
		[ -n "${state[_:$key]:-}" ] || keys+=("$key")
		state[_:$key]=1
		state[$v:$key]=$st
	done <"$LOGS/$name.cases"
	[ "${state[$v:$boot_key]}" = PASS ] || grep "^FAIL $name:" "$LOGS/$name.cases"
}

# judge KEY: ours must pass wherever upstream passes, and fail nothing
# that upstream does not fail too ("-": the kernel has no such case).
judge() {
	local up=${state[upstream$suffix:$1]:--} ours=${state[ours$suffix:$1]:--} verdict
	if [ "$ours" = PASS ]; then
		verdict=PASS pass=$((pass + 1))
	elif [ "$ours" = FAIL ] && [ "$up" = FAIL ]; then
		verdict=BOTH both=$((both + 1))
	elif [ "$ours" = SKIP ] && [ "$up" != PASS ]; then
		verdict=SKIP skip=$((skip + 1))
	else
		# ours failed, or ours skipped or lacks what upstream passed
		verdict=FAIL fail=$((fail + 1))
	fi
	printf '%-6s %-9s %-9s %s\n' "$verdict" "$up" "$ours" "$1"
}

for v in $variants; do
	run_one "$v"
done
stage "peers: upstream$suffix and ours$suffix side by side"
printf '%-6s %-9s %-9s %s\n' verdict upstream ours case
for key in "${keys[@]}"; do
	judge "$key"
done
if [ "${state[upstream$suffix:$boot_key]}" != PASS ]; then
	echo "FAIL upstream$suffix's boot failed: no comparison, see $LOGS/peers-upstream$suffix.log"
	fail=$((fail + 1))
fi
echo "$pass passed, $fail failed, $skip skipped, $both fail on both"
[ "$fail" -eq 0 ]
