// SPDX-License-Identifier: GPL-2.0
/*
 * Workload 4, "proactive": fragment as in "full", then idle with
 * vm.compaction_proactiveness=20 and watch kcompactd bring the node's
 * fragmentation score down.
 *
 * At proactiveness 20 kcompactd starts above a score of 90 (the high
 * watermark) and stops at 80 (the low one). Fragmenting 70% of free memory
 * leaves the untouched rest in whole blocks and the score near 64, so the
 * free order-9 blocks go into the hugetlb pool first: what stays free is
 * the fragmented part, and the score starts near 100. Proactiveness is 0
 * until then, so that kcompactd does nothing before the clock starts.
 *
 * Reports the score every second of the window, and every 20 ms in its
 * first 3 s, where it moves (a SERIES line of seconds:score for the plot);
 * the score at the start, after 1 s and at the end; the time to reach the
 * low watermark; kcompactd's CPU time (se.sum_exec_runtime of the
 * kcompactd threads, or utime + stime where that is missing) and that CPU
 * time, pages migrated and pages scanned (both of kcompactd's scanners)
 * per point of score reduction over the window, and the totals behind
 * them. Free pages left on per-cpu lists go back to the buddy lists
 * over the following seconds and lower the score further with no work by
 * kcompactd; the score after 1 s shows what kcompactd itself reached.
 *
 * Argument "--quick": a 20 s window instead of 60 s. Exits 1 if a kept
 * page lost its contents (bad_words > 0).
 */

#include "fragment.h"

#define PROACTIVENESS "/proc/sys/vm/compaction_proactiveness"
#define LOW_WMARK 80
#define HIGH_WMARK 90
#define FAST_POLL_MS 20	/* in the first FAST_SECS, where the score moves */
#define FAST_SECS 3
#define SLOW_POLL_MS 250

/*
 * "BENCH proactive.NAME_per_point": @total work over the @drop points the
 * score fell. Ours stops at the low watermark while upstream may go on
 * with another round, so the totals reward whichever kernel does less;
 * the work per point compares the two on equal work. Nothing when the
 * score did not fall.
 */
static void per_point(const char *name, double total, long drop)
{
	if (drop > 0)
		printf("BENCH proactive.%s_per_point=%.2f\n", name, total / drop);
}

int main(int argc, char **argv)
{
	int window = argc > 1 && !strcmp(argv[1], "--quick") ? 20 : 60;
	long score0, score = 0, score_1s = -1, low_at = -1, b0, pool;
	long dmig0, dfree0, mig0, wake0, mig, dmig, dfree;
	unsigned long bad;
	double cpu0, cpu, t0, t;
	struct vmsnap *vm0 = malloc(sizeof(*vm0));
	struct frag fr;
	int sec = 0;

	if (!vm0)
		return 1;
	if (write_file(PROACTIVENESS, "0")) {
		fprintf(stderr, "no %s\n", PROACTIVENESS);
		return 1;
	}
	if (fragment(&fr, 70, 4)) {
		perror("fragment");
		return 1;
	}
	printf("proactive setup: score %ld after fragmenting\n", frag_score());
	pool = absorb_free_huge_blocks();
	score0 = frag_score();
	b0 = free_huge_blocks();
	printf("proactive setup: hugetlb pool %ld, score %ld, free order-9 %ld\n",
	       pool, score0, b0);
	if (score0 <= HIGH_WMARK)
		printf("proactive: warning: score %ld is not above the high watermark %d\n",
		       score0, HIGH_WMARK);

	vmsnap_take(vm0);
	dmig0 = vmstat("compact_daemon_migrate_scanned");
	dfree0 = vmstat("compact_daemon_free_scanned");
	mig0 = vmstat("pgmigrate_success");
	wake0 = vmstat("compact_daemon_wake");
	cpu0 = kcompactd_cpu_ms();
	t0 = now_s();
	/* Writing a non-zero proactiveness wakes kcompactd at once. */
	write_file(PROACTIVENESS, "20");
	printf("SERIES proactive.score 0:%ld", score0);
	for (;;) {
		usleep((now_s() - t0 < FAST_SECS ? FAST_POLL_MS : SLOW_POLL_MS) * 1000);
		t = now_s() - t0;
		score = frag_score();
		if (low_at < 0 && score <= LOW_WMARK)
			low_at = (long)(t * 1000);
		if (score_1s < 0 && t >= 1)
			score_1s = score;
		if (t < FAST_SECS) {
			printf(" %.2f:%ld", t, score);
		} else if (t >= sec + 1) {
			sec = (int)t;
			printf(" %d:%ld", sec, score);
			if (sec >= window)
				break;
		}
	}
	printf("\n");
	cpu = kcompactd_cpu_ms() - cpu0;

	printf("BENCH proactive.score_start=%ld\n", score0);
	printf("BENCH proactive.score_1s=%ld\n", score_1s);
	printf("BENCH proactive.score_end=%ld\n", score);
	printf("BENCH proactive.score_drop=%ld\n", score0 - score);
	printf("BENCH proactive.reached_low=%d\n", low_at >= 0);
	if (low_at >= 0)
		printf("BENCH proactive.time_to_low_ms=%ld\n", low_at);
	printf("BENCH proactive.kcompactd_ms=%.1f\n", cpu);
	printf("BENCH proactive.blocks_gained=%ld\n", (long)free_huge_blocks() - b0);
	mig = vmstat("pgmigrate_success") - mig0;
	dmig = vmstat("compact_daemon_migrate_scanned") - dmig0;
	dfree = vmstat("compact_daemon_free_scanned") - dfree0;
	printf("BENCH proactive.migrated=%ld\n", mig);
	printf("BENCH proactive.daemon_migrate_scanned=%ld\n", dmig);
	printf("BENCH proactive.daemon_free_scanned=%ld\n", dfree);
	printf("BENCH proactive.daemon_wake=%ld\n", vmstat("compact_daemon_wake") - wake0);
	per_point("kcompactd_ms", cpu, score0 - score);
	per_point("migrated", mig, score0 - score);
	per_point("scanned", dmig + dfree, score0 - score);
	vmsnap_print_delta("proactive", vm0);
	bad = verify(&fr);
	printf("BENCH proactive.bad_words=%lu\n", bad);
	write_file(PROACTIVENESS, "20");
	write_file(NR_HUGEPAGES, "0");
	/* After the figures, so that the log still shows what was measured. */
	return bad ? 1 : 0;
}
