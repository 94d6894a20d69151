// SPDX-License-Identifier: GPL-2.0
/*
 * KSM-merged pages through compaction (issue 23): they migrate, stay
 * merged, and keep their content.
 *
 *   ksm_keep PAGES
 *
 * PAGES anonymous pages, each content in 4 of them, are merged by ksmd
 * (MADV_MERGEABLE), then memory is compacted by kcompactd, by
 * compact_memory and by THP faults.  Checks, as TAP: ksmd merged them; the
 * number of KSM pages (pages_shared) and of their sharers is unchanged;
 * every byte is intact; some of them moved (pagemap), as upstream moves
 * them; nothing is left isolated.
 */
#include "fragment.h"

#define KSM		"/sys/kernel/mm/ksm/"
#define SHARERS		4	/* mappings per KSM page */

static int test_nr, failed;

static void tap(int ok, const char *name)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++test_nr, name);
	if (!ok)
		failed = 1;
}

/* Wait up to @secs for ksmd to share all but @slack of @pages. */
static int wait_merged(unsigned long pages, unsigned long slack, int secs)
{
	long full_scans = file_long(KSM "full_scans");
	int i;

	for (i = 0; i < secs * 10; i++) {
		if (file_long(KSM "pages_sharing") + file_long(KSM "pages_shared") +
		    (long)slack >= (long)pages &&
		    file_long(KSM "full_scans") >= full_scans + 2)
			return 0;
		usleep(100000);
	}
	return -1;
}

int main(int argc, char **argv)
{
	unsigned long pages = argc > 1 ? strtoul(argv[1], NULL, 0) : 4096;
	long shared0, sharing0, shared1, sharing1, thp, daemon, mig0;
	unsigned long i, w, bad = 0, moved = 0;
	uint64_t *pfn0, *pfn1;
	struct frag fr;
	char *p;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pages < 64 || pages > 262144) {
		fprintf(stderr, "usage: ksm_keep PAGES (64..262144)\n");
		return 2;
	}
	if (access(KSM "run", W_OK)) {
		printf("1..0 # SKIP no KSM (CONFIG_KSM)\n");
		return 4;
	}
	printf("TAP version 13\n1..5\n");
	pfn0 = calloc(pages, 8);
	pfn1 = calloc(pages, 8);
	/* Scattered pages around ours, so that their blocks are worth emptying. */
	if (!pfn0 || !pfn1 || fragment(&fr, 40, 2)) {
		perror("ksm_keep: setup");
		return 2;
	}
	write_file("/proc/sys/vm/compaction_proactiveness", "0");
	write_file("/sys/kernel/mm/transparent_hugepage/enabled", "madvise");
	write_file("/sys/kernel/mm/transparent_hugepage/defrag", "madvise");
	p = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("ksm_keep: mmap");
		return 2;
	}
	madvise(p, pages * PG, MADV_NOHUGEPAGE);
	for (i = 0; i < pages; i++)
		for (w = 0; w < PG / 8; w++)
			((uint64_t *)(p + i * PG))[w] = pattern(i / SHARERS, w);
	munmap(fr.base, fr.pages * PG);
	write_file(KSM "pages_to_scan", "4096");
	write_file(KSM "sleep_millisecs", "10");
	write_file(KSM "run", "1");
	madvise(p, pages * PG, MADV_MERGEABLE);
	tap(!wait_merged(pages, pages / 64, 120), "ksmd_merges_the_pages");
	/* Hold the tree still while compaction runs. */
	write_file(KSM "run", "0");
	shared0 = file_long(KSM "pages_shared");
	sharing0 = file_long(KSM "pages_sharing");
	read_pfns(p, pages, pfn0);

	mig0 = vmstat("pgmigrate_success");
	/* kcompactd first, while the filler keeps memory fragmented. */
	daemon = kcompactd_proactive(30);
	if (write_file("/proc/sys/vm/compact_memory", "1"))
		failed = 1;
	thp = thp_faults(meminfo_kb("MemFree") / 1024 / 2);

	shared1 = file_long(KSM "pages_shared");
	sharing1 = file_long(KSM "pages_sharing");
	read_pfns(p, pages, pfn1);
	for (i = 0; i < pages; i++)
		moved += pfn1[i] != pfn0[i];
	printf("# kcompactd (%ld scanned), compact_memory, THP faults (%ld huge pages): pgmigrate_success +%ld\n",
	       daemon, thp, vmstat("pgmigrate_success") - mig0);
	printf("# pages_shared %ld -> %ld, pages_sharing %ld -> %ld; %lu of %lu mappings now point elsewhere\n",
	       shared0, shared1, sharing0, sharing1, moved, pages);
	tap(shared1 == shared0 && sharing1 == sharing0, "ksm_pages_stay_merged");
	for (i = 0; i < pages; i++)
		for (w = 0; w < PG / 8; w++)
			bad += ((uint64_t *)(p + i * PG))[w] != pattern(i / SHARERS, w);
	printf("# %lu bad words\n", bad);
	tap(bad == 0, "ksm_pages_keep_their_bytes");
	tap(moved > 0, "compaction_moves_ksm_pages");
	tap(vmstat("nr_isolated_anon") == 0 && vmstat("nr_isolated_file") == 0,
	    "nothing_left_isolated");
	write_file(KSM "run", "2");
	return failed;
}
