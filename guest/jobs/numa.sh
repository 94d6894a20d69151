# Boot 3 of make test: the disk guest with two memory nodes whose sizes
# are not whole pageblocks (NODES=1001M,1047M, 3 vCPUs). The disk guest's
# own checks run first (disk.sh). Each node's compact file
# compacts that node alone, then a full compaction spans both, then
# upstream's migration and huge page selftests run (peers.sh), then
# compaction over real memory (realmem.sh: it leaves writeback and THP
# settings of its own, so it runs last). Prints framed TAP (jobs/lib.sh).
. /jobs/lib.sh

sh /jobs/disk.sh || job_rc=1
if [ -x /bin/compaction_test ]; then
	selftest compaction_test_numa compaction_test -t node_compact_moves_only_that_node
else
	selftest compaction_test_numa tap_skip compaction_test "no kselftest of ours in this initramfs"
fi
selftest compact_full_numa compact_full "$@"
sh /jobs/peers.sh || job_rc=1
sh /jobs/realmem.sh || job_rc=1
exit $job_rc
