// SPDX-License-Identifier: GPL-2.0
/*
 * Workload 1, "full": 70% of free memory touched as 4 KiB pages with THP off,
 * one page in four kept resident, then one write to compact_memory.
 * Prints "BENCH key=value" lines for the host to tabulate.
 */
#include "fragment.h"

int main(void)
{
	long mig0, ms0, fs0;
	unsigned long b0, b1, ideal;
	struct vmsnap *vm0 = malloc(sizeof(*vm0));
	struct frag fr;
	double t0, t1;

	if (!vm0)
		return 1;
	if (fragment(&fr, 70, 4)) {
		perror("fragment");
		return 1;
	}
	b0 = free_huge_blocks();
	vmsnap_take(vm0);
	mig0 = vmstat("pgmigrate_success");
	ms0 = vmstat("compact_migrate_scanned");
	fs0 = vmstat("compact_free_scanned");
	t0 = now_s();
	if (write_file("/proc/sys/vm/compact_memory", "1"))
		return 1;
	t1 = now_s();
	b1 = free_huge_blocks();
	/* After the run: compaction also frees per-cpu cached pages. */
	ideal = ideal_huge_blocks();
	printf("BENCH full.blocks_before=%lu\n", b0);
	printf("BENCH full.blocks_after=%lu\n", b1);
	printf("BENCH full.ideal=%lu\n", ideal);
	printf("BENCH full.yield_pct=%.2f\n", 100.0 * b1 / ideal);
	printf("BENCH full.migrated=%ld\n", vmstat("pgmigrate_success") - mig0);
	printf("BENCH full.migrate_scanned=%ld\n", vmstat("compact_migrate_scanned") - ms0);
	printf("BENCH full.free_scanned=%ld\n", vmstat("compact_free_scanned") - fs0);
	if (b1 > b0) {
		printf("BENCH full.migrated_per_block=%.1f\n",
		       (double)(vmstat("pgmigrate_success") - mig0) / (b1 - b0));
		printf("BENCH full.scanned_per_block=%.1f\n",
		       (double)(vmstat("compact_migrate_scanned") - ms0 +
				vmstat("compact_free_scanned") - fs0) / (b1 - b0));
	}
	printf("BENCH full.time_ms=%.1f\n", (t1 - t0) * 1000);
	vmsnap_print_delta("full", vm0);
	printf("BENCH full.bad_words=%lu\n", verify(&fr));
	return 0;
}
