# Two memory nodes whose sizes are not whole pageblocks (make test boots
# this job with NODES=1001M,1047M and 3 vCPUs): each node's compact file
# compacts that node alone, then a full compaction spans both, then
# upstream's migration and huge page selftests run (peers.sh). Prints TAP.
rc=0
echo "SELFTEST-START compaction_test_numa"
if [ -x /bin/compaction_test ]; then
	compaction_test -t node_compact_moves_only_that_node
	r=$?
else
	echo "# no /bin/compaction_test in this initramfs"
	r=4
fi
echo "SELFTEST-END compaction_test_numa rc=$r"
[ $r -eq 0 ] || [ $r -eq 4 ] || rc=1

echo "SELFTEST-START compact_full_numa"
compact_full "$@"
r=$?
echo "SELFTEST-END compact_full_numa rc=$r"
[ $r -eq 0 ] || [ $r -eq 4 ] || rc=1

sh /jobs/peers.sh || rc=1
exit $rc
