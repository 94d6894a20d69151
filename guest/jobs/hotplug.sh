# Boot 5 of make test: memory hotplug and compaction (guest/hotplug_node.c);
# the host side, scripts/hotplug.sh, plugs and unplugs the dimm when asked.
# Prints framed TAP (jobs/lib.sh).
. /jobs/lib.sh

selftest hotplug_node hotplug_node
exit $job_rc
