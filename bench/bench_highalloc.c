// SPDX-License-Identifier: GPL-2.0
/*
 * Workload 2, "highalloc": fragment as in "full", then allocate 2 MiB hugetlb
 * pages one at a time through nr_hugepages, so that each allocation goes
 * through direct compaction. Reports the yield against the ideal and the
 * latency per page.
 *
 * The first allocations find the free blocks that survived fragmentation
 * and need no compaction, so the p50 over all pages mostly says how many
 * pages a kernel got beyond those.  The latency of the allocations that
 * did stall in direct compaction (compact_stall moved) is reported on its
 * own, as is the total time per page.
 *
 * A "p99" is the sample at index n * 99 / 100, which is the slowest one
 * when there are 100 samples or fewer; the *_samples figures say how many
 * there were, so that the host can call such a figure the maximum.
 * Exits 1 if a kept page lost its contents (bad_words > 0).
 */
#include "fragment.h"

#define MAX_PAGES 4096

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	static double lat[MAX_PAGES], stalled[MAX_PAGES];
	long nr_stalled = 0;
	double total = 0;
	const char *nr = "/proc/sys/vm/nr_hugepages";
	long stall0, got = 0, fails = 0;
	unsigned long ideal, bad;
	struct vmsnap *vm0 = malloc(sizeof(*vm0));
	struct frag fr;
	char val[32];

	if (!vm0)
		return 1;
	if (fragment(&fr, 70, 4)) {
		perror("fragment");
		return 1;
	}
	ideal = ideal_huge_blocks();
	stall0 = vmstat("compact_stall");
	vmsnap_take(vm0);
	while (got < MAX_PAGES && fails < 3) {
		long before = vmstat("compact_stall");
		double t0 = now_s(), t1;

		snprintf(val, sizeof(val), "%ld", got + 1);
		write_file(nr, val);
		t1 = now_s();
		total += t1 - t0;
		if (file_long(nr) > got) {
			lat[got++] = (t1 - t0) * 1e6;
			if (vmstat("compact_stall") != before)
				stalled[nr_stalled++] = (t1 - t0) * 1e6;
			fails = 0;
		} else {
			fails++;
		}
	}
	qsort(lat, got, sizeof(lat[0]), cmp_double);
	qsort(stalled, nr_stalled, sizeof(stalled[0]), cmp_double);
	printf("BENCH highalloc.pages=%ld\n", got);
	printf("BENCH highalloc.yield_pct=%.2f\n", 100.0 * got / ideal);
	if (got) {
		printf("BENCH highalloc.lat_p50_us=%.0f\n", lat[got / 2]);
		printf("BENCH highalloc.lat_p99_us=%.0f\n", lat[got * 99 / 100]);
		printf("BENCH highalloc.lat_samples=%ld\n", got);
		printf("BENCH highalloc.stalls_per_page=%.3f\n",
		       (double)(vmstat("compact_stall") - stall0) / got);
		printf("BENCH highalloc.time_per_page_us=%.0f\n",
		       total * 1e6 / got);
	}
	if (nr_stalled) {
		printf("BENCH highalloc.stalled_lat_p50_us=%.0f\n",
		       stalled[nr_stalled / 2]);
		printf("BENCH highalloc.stalled_lat_p99_us=%.0f\n",
		       stalled[nr_stalled * 99 / 100]);
		printf("BENCH highalloc.stalled_lat_samples=%ld\n", nr_stalled);
		/*
		 * Direct compactions per page that needed one: 1 is the
		 * floor.  stalls_per_page also counts pages that kcompactd
		 * made in the background, which depends on when its timer
		 * fires during the loop.
		 */
		printf("BENCH highalloc.stalls_per_stalled_page=%.3f\n",
		       (double)(vmstat("compact_stall") - stall0) / nr_stalled);
	}
	vmsnap_print_delta("highalloc", vm0);
	write_file(nr, "0");
	bad = verify(&fr);
	printf("BENCH highalloc.bad_words=%lu\n", bad);
	/* After the figures, so that the log still shows what was measured. */
	return bad ? 1 : 0;
}
