#!/usr/bin/env bash
# Memory hotplug test, host side. Boots VARIANT (and the other guest.sh
# settings from the environment) with a memoryless NUMA node 1, hotplug
# slots and a QEMU monitor, then plugs a 512 MiB pc-dimm into node 1 when
# the guest prints HOTPLUG-ADD-PLEASE and unplugs it at
# HOTPLUG-REMOVE-PLEASE (see guest/hotplug_node.c).
# Exit: guest.sh's.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

NAME=${NAME:-hotplug-${VARIANT:-ours}}
log=$LOGS/$NAME.log
mon=$LOGS/$NAME.mon
mkdir -p "$LOGS"
rm -f "$log" "$mon"

NODES="${MEM:-2G},0" MAXMEM=4G MONITOR=1 NAME=$NAME JOB=hotplug QUIET=1 \
	"$TOP/scripts/guest.sh" &
guest=$!

# wait_for MARK: until the guest prints MARK; false if it exits first.
wait_for() {
	until grep -q "$1" "$log" 2>/dev/null; do
		kill -0 $guest 2>/dev/null || return 1
		sleep 1
	done
}

if wait_for HOTPLUG-ADD-PLEASE; then
	qemu_monitor "$mon" "object_add memory-backend-ram,id=hpmem1,size=512M" \
		"device_add pc-dimm,id=hpdimm1,memdev=hpmem1,node=1"
	wait_for HOTPLUG-REMOVE-PLEASE && qemu_monitor "$mon" "device_del hpdimm1"
fi
wait $guest
