// SPDX-License-Identifier: GPL-2.0
/*
 * Full compaction on scattered memory, as a demo or as a TAP test.
 *
 *   compact_full            TAP test; --min-yield=PCT sets the bar (default 95)
 *   compact_full --demo     human-readable walk-through for `make run`
 *
 * Touches 70% of free memory as 4 KiB pages with THP off, keeps one page in
 * four resident with a known pattern, then writes 1 to compact_memory.
 */
#include "fragment.h"

static const char *const counters[] = {
	"compact_migrate_scanned", "compact_free_scanned", "compact_isolated",
	"compact_stall", "compact_fail", "compact_success",
	"compact_daemon_wake", "pgmigrate_success", "pgmigrate_fail",
};
#define NR_COUNTERS (sizeof(counters) / sizeof(counters[0]))

static void show_buddyinfo(void)
{
	char buf[4096];
	int fd = open("/proc/buddyinfo", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (n > 0) {
		buf[n] = 0;
		fputs(buf, stdout);
	}
	if (fd >= 0)
		close(fd);
}

static int isolated_settled(void)
{
	int i;

	for (i = 0; i < 20; i++) {
		if (!vmstat("nr_isolated_anon") && !vmstat("nr_isolated_file"))
			return 1;
		usleep(100000);
	}
	return 0;
}

int main(int argc, char **argv)
{
	long before[NR_COUNTERS];
	unsigned long blocks0, blocks1, ideal, bad;
	int demo = 0, min_yield = 95, err, i, ok_yield, ok_isolated;
	struct frag fr;
	double t0, t1, yield;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--demo"))
			demo = 1;
		else if (!strncmp(argv[i], "--min-yield=", 12))
			min_yield = atoi(argv[i] + 12);
	}
	if (!demo)
		printf("TAP version 13\n1..3\n");
	err = fragment(&fr, 70, 4);
	if (err) {
		printf("%sfragmenting memory failed: %s\n", demo ? "" : "Bail out! ",
		       strerror(-err));
		return 1;
	}
	blocks0 = free_huge_blocks();
	for (i = 0; i < (int)NR_COUNTERS; i++)
		before[i] = vmstat(counters[i]);
	if (demo) {
		printf("Fragmented: %lu MiB touched, 1 page in %lu kept (%lu MiB resident)\n",
		       fr.pages * PG >> 20, fr.keep, fr.pages / fr.keep * PG >> 20);
		printf("\n/proc/buddyinfo before:\n");
		show_buddyinfo();
	}
	t0 = now_s();
	err = write_file("/proc/sys/vm/compact_memory", "1");
	t1 = now_s();
	blocks1 = free_huge_blocks();
	/* Measured after the run: it may drain per-cpu lists into MemFree. */
	ideal = ideal_huge_blocks();
	bad = verify(&fr);
	yield = ideal ? 100.0 * blocks1 / ideal : 0;
	if (demo) {
		printf("\necho 1 > /proc/sys/vm/compact_memory: %s, took %.2f s\n",
		       err ? strerror(-err) : "ok", t1 - t0);
		printf("\n/proc/buddyinfo after:\n");
		show_buddyinfo();
		printf("\nfree order-9 blocks: %lu -> %lu (ideal %lu, %.1f%%)\n",
		       blocks0, blocks1, ideal, yield);
		printf("\ncounter deltas:\n");
		for (i = 0; i < (int)NR_COUNTERS; i++)
			printf("  %-26s %+ld\n", counters[i], vmstat(counters[i]) - before[i]);
		printf("\nresident data: %s\n", bad ? "CORRUPTED" : "every byte intact");
		return err || bad;
	}
	printf("# free order-9 blocks %lu -> %lu, ideal %lu (%.1f%%), %.2f s\n",
	       blocks0, blocks1, ideal, yield, t1 - t0);
	printf("# migrated %ld, scanned %ld migrate + %ld free\n",
	       vmstat("pgmigrate_success") - before[7],
	       vmstat("compact_migrate_scanned") - before[0],
	       vmstat("compact_free_scanned") - before[1]);
	ok_yield = !err && yield >= min_yield;
	ok_isolated = isolated_settled();
	printf("%sok 1 full_compaction_yield_at_least_%d_percent\n",
	       ok_yield ? "" : "not ", min_yield);
	printf("%sok 2 every_resident_byte_unchanged # %lu bad words\n", bad ? "not " : "", bad);
	printf("%sok 3 nr_isolated_back_to_zero\n", ok_isolated ? "" : "not ");
	return !(ok_yield && !bad && ok_isolated);
}
