# Boot 6 of make test: the debug kernel (KASAN, lockdep, DEBUG_VM, UBSAN,
# page_owner), with our KUnit suite at boot, then our kselftest (but its
# two-node case), so that CI catches a lock imbalance or a memory-safety
# bug in our code that does not crash the plain kernel.  (compact_full's
# recipe is the kselftest's full_compaction_keeps_data again, which
# checks every byte too; boot 1 runs both.)  Prints framed TAP
# (jobs/lib.sh).
. /jobs/lib.sh

selftest compaction_test compaction_test -T node_compact_moves_only_that_node
exit $job_rc
