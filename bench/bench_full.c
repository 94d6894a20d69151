// SPDX-License-Identifier: GPL-2.0
/*
 * Workload 1, "full": 70% of free memory touched as 4 KiB pages with THP off,
 * one page in four kept resident, then one write to compact_memory.
 * Prints "BENCH key=value" lines for the host to tabulate, and exits 1 if a
 * kept page lost its contents (bad_words > 0).
 */
#include "fragment.h"

int main(void)
{
	struct compact_run *run = malloc(sizeof(*run));
	unsigned long ideal, bad;
	struct frag fr;

	if (!run)
		return 1;
	if (fragment(&fr, 70, 4)) {
		perror("fragment");
		return 1;
	}
	if (compact_memory_measured(run))
		return 1;
	/* After the run: compaction also frees per-cpu cached pages. */
	ideal = ideal_huge_blocks();
	printf("BENCH full.ideal=%lu\n", ideal);
	printf("BENCH full.yield_pct=%.2f\n", 100.0 * run->blocks_after / ideal);
	compact_run_print("full", run);
	bad = verify(&fr);
	printf("BENCH full.bad_words=%lu\n", bad);
	/* After the figures, so that the log still shows what was measured. */
	return bad ? 1 : 0;
}
