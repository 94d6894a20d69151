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
#define MAX_ZONES 8
#define FAST_POLL_MS 20	/* in the first FAST_SECS, where the score moves */
#define FAST_SECS 3
#define SLOW_POLL_MS 250

/*
 * The fragmentation score of node 0 as kcompactd computes it, from
 * /proc/buddyinfo and /proc/zoneinfo. For each populated zone, the share
 * of its free pages that are not in free blocks of order 9 or more, in
 * percent, scaled by the zone's present pages over the node's present
 * pages plus one; the node's score is the sum. Integer arithmetic in the
 * same order as the kernel's, so the figure matches its decisions.
 */
static long frag_score(void)
{
	char line[512], zone[32], names[MAX_ZONES][32];
	unsigned long free[MAX_ZONES] = { 0 }, unusable[MAX_ZONES] = { 0 };
	unsigned long present[MAX_ZONES] = { 0 }, node_present = 0, v;
	int node, pos, nz = 0, cur = -1, i;
	long score = 0;
	FILE *f = fopen("/proc/buddyinfo", "r");

	if (!f)
		return -1;
	while (nz < MAX_ZONES && fgets(line, sizeof(line), f)) {
		char *p, *end;
		int order;

		if (sscanf(line, "Node %d, zone %31s%n", &node, zone, &pos) != 2 || node)
			continue;
		strcpy(names[nz], zone);
		for (order = 0, p = line + pos;; order++, p = end) {
			unsigned long cnt = strtoul(p, &end, 10);

			if (end == p)
				break;
			free[nz] += cnt << order;
			if (order < HUGE_ORDER)
				unusable[nz] += cnt << order;
		}
		nz++;
	}
	fclose(f);

	f = fopen("/proc/zoneinfo", "r");
	if (!f)
		return -1;
	node = -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %31s", &node, zone) == 2) {
			for (cur = -1, i = 0; i < nz; i++)
				if (!node && !strcmp(names[i], zone))
					cur = i;
			continue;
		}
		if (!node && sscanf(line, " present %lu", &v) == 1) {
			node_present += v;
			if (cur >= 0)
				present[cur] = v;
		}
	}
	fclose(f);
	for (i = 0; i < nz; i++)
		if (free[i])
			score += present[i] * (unusable[i] * 100 / free[i]) /
				 (node_present + 1);
	return score;
}

/* CPU time of task @pid in ms, or -1. */
static double task_cpu_ms(int pid)
{
	char path[64], line[256], *p;
	unsigned long ut = 0, st = 0;
	double ms = -1;
	FILE *f;

	/* CONFIG_SCHED_DEBUG: exact runtime in ms. */
	snprintf(path, sizeof(path), "/proc/%d/sched", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "se.sum_exec_runtime : %lf", &ms) == 1)
			break;
	if (f)
		fclose(f);
	if (ms >= 0)
		return ms;
	/* Else ticks: fields 14 and 15 of stat, after "(comm)". */
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (f && fgets(line, sizeof(line), f) && (p = strrchr(line, ')')) &&
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		   &ut, &st) == 2)
		ms = (ut + st) * 1000.0 / sysconf(_SC_CLK_TCK);
	if (f)
		fclose(f);
	return ms;
}

/* CPU time of every kcompactd thread, in ms. */
static double kcompactd_cpu_ms(void)
{
	int pids[64], n = pids_by_comm("kcompactd", 1, pids, 64), i;
	double total = 0;

	for (i = 0; i < n; i++) {
		double ms = task_cpu_ms(pids[i]);

		if (ms > 0)
			total += ms;
	}
	return total;
}

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
