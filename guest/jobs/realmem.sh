# Compaction over real memory in the disk guest (issue 23): page cache of
# ext4 (4 KiB and 1 KiB blocks) and xfs, swapped and zswapped memory in a
# memory cgroup at its limit, and KSM-merged pages, each compacted three
# ways and checked byte for byte.  Prints framed TAP (jobs/lib.sh).
. /jobs/lib.sh

mkdir -p /var/tmp/pck
selftest pagecache_keep pagecache_keep /var/tmp/pck /mnt/xfs /mnt/ext4-1k
selftest swap_keep swap_keep 128
selftest ksm_keep ksm_keep 4096
exit $job_rc
