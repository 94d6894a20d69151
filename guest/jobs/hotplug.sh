# Memory hotplug and compaction: see guest/hotplug_node.c. The host side,
# scripts/hotplug.sh, plugs and unplugs the dimm when asked. Prints TAP.
echo "SELFTEST-START hotplug_node"
hotplug_node
r=$?
echo "SELFTEST-END hotplug_node rc=$r"
exit $r
