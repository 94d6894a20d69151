# Boot 6 of make test: the debug kernel (KASAN, lockdep, DEBUG_VM, UBSAN,
# page_owner), with our KUnit suite at boot, then our kselftest (but its
# two-node case) and the full compaction, so that CI catches a lock
# imbalance or a memory-safety bug in our code that does not crash the
# plain kernel. Prints framed TAP (jobs/lib.sh).
. /jobs/lib.sh

selftest compaction_test compaction_test -T node_compact_moves_only_that_node
selftest compact_full compact_full "$@"
exit $job_rc
