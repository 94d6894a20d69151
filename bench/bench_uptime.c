// SPDX-License-Identifier: GPL-2.0
/*
 * Workload "uptime", in the disk guest: fragmentation as it grows with
 * uptime, the way kernel developers show it. Rounds of
 *
 * Before the first round a file of half of memory is written on the ext4
 * root and its cache dropped; the rounds read it bit by bit, so that the
 * page cache fills memory, as on a machine that has run for a while.
 *
 *  1. page cache and slab on ext4: a tree of small files (1 to 6 pages,
 *     sizes from a fixed sequence) worth 8% of memory (at most 160 MiB,
 *     for the root disk's sake) is written under /uptime/rN, then every
 *     other file of it is deleted, so inodes, dentries and page cache of
 *     the survivors stay behind and pile up round after round;
 *  2. anonymous churn with page cache: 40% of MemAvailable faulted in
 *     4 KiB pages, 64 KiB at a time, each 64 KiB followed by a 64 KiB read
 *     of the big file (where the last round stopped), so that anonymous
 *     pages and page cache interleave; then all of it is freed
 *     (MADV_DONTNEED) but one page in 16, which lives on to the end. Those long-lived pages pile
 *     up too (about 2.5% of memory a round, scattered), which is how
 *     uptime fragments a machine;
 *  3. a THP burst: a MADV_HUGEPAGE mapping of 25% of memory faulted 2 MiB
 *     at a time (THP enabled=always, defrag=madvise), then unmapped.
 *
 * Per round: THP success % of the burst; free pageblocks (free order-9
 * blocks in buddyinfo, after the burst is unmapped) and node 0's
 * fragmentation score; mixed pageblocks (blocks holding a movable page and
 * an unmovable one, by /proc/kpageflags: slab, page tables, kernel
 * compound pages); compact_stall, compact_success and compact_fail;
 * polluting fallbacks; pswpout.
 *
 * A polluting fallback is an mm_page_alloc_extfrag event in which an
 * unmovable or reclaimable allocation took a page of a movable block below
 * pageblock order (mmtests' "fragmenting, placed with movable"): either
 * the block stays movable with a page in it that compaction cannot move,
 * or it changes type with movable pages in it. The event is filtered in
 * the kernel; how many of them changed the block's type is reported too.
 *
 * Reported as round 1 against the mean of the last 5 rounds (r1_* and
 * last5_*), the THP decay between them, totals over the rounds, and a
 * SERIES per figure for the plot. Proactiveness stays at 20 and
 * khugepaged is held back.
 *
 * Exits 1 if kept data changed: the long-lived anonymous pages, the big
 * file, and every surviving file of round 1 and of the last round.
 *
 * Argument "--quick": 6 rounds instead of 20 (so "last 5" is rounds 2-6).
 */
#include <sys/stat.h>

#include "fragment.h"

#define HPAGE (2UL << 20)
#define THP "/sys/kernel/mm/transparent_hugepage/"
#define TREE "/uptime"
#define DIRS 16
#define MAX_FILE_PAGES 6
#define TRACING "/sys/kernel/tracing/"
#define EXTFRAG TRACING "events/kmem/mm_page_alloc_extfrag/"
/* MIGRATE_MOVABLE in 6.12's enum migratetype; HUGE_ORDER is pageblock_order. */
#define MT_MOVABLE 1
#define LAST 5

/* The figures of a round; what the report calls them. */
enum figure { THP_PCT, FREE_BLOCKS, SCORE, MIXED, STALL, SUCCESS, FAIL, POLLUTING,
	      CHANGED_TYPE, PSWPOUT, NR_FIGURES };

static const char *const figure_names[NR_FIGURES] = {
	"thp_success_pct", "free_blocks", "score", "mixed_blocks", "compact_stall",
	"compact_success", "compact_fail", "polluting", "polluting_changed_type",
	"pswpout",
};

struct round {
	double v[NR_FIGURES];
};

/* Pages of file @i of round @r: 1 to MAX_FILE_PAGES, a fixed sequence. */
static unsigned long file_pages(int r, unsigned long i)
{
	return 1 + (i * 7 + r * 3) % MAX_FILE_PAGES;
}

static void file_path(char *path, size_t len, int r, unsigned long i)
{
	snprintf(path, len, TREE "/r%d/d%lu/f%lu", r, i % DIRS, i);
}

static int write_tree_file(int r, unsigned long i)
{
	static uint64_t buf[MAX_FILE_PAGES * PG / 8];
	unsigned long w, len = file_pages(r, i) * PG;
	char path[96];
	int fd;
	ssize_t n;

	for (w = 0; w < len / 8; w++)
		buf[w] = pattern((unsigned long)r << 32 | i, w);
	file_path(path, sizeof(path), r, i);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	n = write(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

static unsigned long check_tree_file(int r, unsigned long i)
{
	static uint64_t buf[MAX_FILE_PAGES * PG / 8];
	unsigned long w, bad = 0, len = file_pages(r, i) * PG;
	char path[96];
	int fd;

	file_path(path, sizeof(path), r, i);
	fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, buf, len) != (ssize_t)len)
		bad = len / 8;
	else
		for (w = 0; w < len / 8; w++)
			bad += buf[w] != pattern((unsigned long)r << 32 | i, w);
	if (fd >= 0)
		close(fd);
	return bad;
}

#define BIG TREE "/cache.dat"
#define BIG_CHUNK (1UL << 20)

/* Write the big file, @len bytes of a pattern (checked at the end). */
static int write_big(unsigned long len)
{
	static uint64_t buf[BIG_CHUNK / 8];
	unsigned long off, w;
	int fd = open(BIG, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		return -1;
	for (off = 0; off < len; off += BIG_CHUNK) {
		for (w = 0; w < BIG_CHUNK / 8; w++)
			buf[w] = pattern(1UL << 50 | off / PG, w);
		if (write(fd, buf, BIG_CHUNK) != (ssize_t)BIG_CHUNK) {
			close(fd);
			return -1;
		}
	}
	return close(fd);
}

/* Read the big file through; with @check, count the words that differ. */
static long read_big(unsigned long len, int check)
{
	static uint64_t buf[BIG_CHUNK / 8];
	unsigned long off, w;
	long bad = 0;
	int fd = open(BIG, O_RDONLY);

	if (fd < 0)
		return -1;
	for (off = 0; off < len; off += BIG_CHUNK) {
		if (read(fd, buf, BIG_CHUNK) != (ssize_t)BIG_CHUNK) {
			close(fd);
			return -1;
		}
		for (w = 0; check && w < BIG_CHUNK / 8; w++)
			bad += buf[w] != pattern(1UL << 50 | off / PG, w);
	}
	close(fd);
	return bad;
}

/* The pages of step 2 that live on: one per 64 KiB churned. */
struct kept {
	uint64_t **page;
	unsigned long nr, max;
};

/* Step 1: write round @r's tree, @budget bytes; delete every other file. */
static long grow_tree(int r, unsigned long budget)
{
	unsigned long i, bytes = 0;
	char path[96];

	snprintf(path, sizeof(path), TREE "/r%d", r);
	if (mkdir(path, 0700))
		return -1;
	for (i = 0; i < DIRS; i++) {
		snprintf(path, sizeof(path), TREE "/r%d/d%lu", r, i);
		if (mkdir(path, 0700))
			return -1;
	}
	for (i = 0; bytes < budget; i++) {
		if (write_tree_file(r, i))
			return -1;
		bytes += file_pages(r, i) * PG;
	}
	for (unsigned long j = 1; j < i; j += 2) {
		file_path(path, sizeof(path), r, j);
		if (unlink(path))
			return -1;
	}
	return i;
}

#define PIECE (64UL << 10)

/*
 * Step 2: churn @len bytes of anonymous memory in 4 KiB pages, each 64 KiB
 * followed by 64 KiB of the big file (@big_fd at *@big_off, wrapping at
 * @big_len); keep the first page of each 64 KiB in @kept, with a pattern.
 */
static int anon_churn(unsigned long len, int big_fd, unsigned long *big_off,
		      unsigned long big_len, struct kept *kept)
{
	static char buf[PIECE];
	unsigned long off, p;
	char *a;

	len = len / PIECE * PIECE;
	a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED || madvise(a, len, MADV_NOHUGEPAGE))
		return -1;
	for (off = 0; off < len; off += PIECE) {
		uint64_t *keep = (uint64_t *)(a + off);

		for (p = 0; p < PIECE; p += PG)
			a[off + p] = 1;
		for (p = 0; p < PG / 8; p += 8)
			keep[p] = pattern((unsigned long)keep / PG, p);
		if (kept->nr < kept->max)
			kept->page[kept->nr++] = keep;
		if (pread(big_fd, buf, PIECE, *big_off) != (ssize_t)PIECE)
			return -1;
		*big_off = (*big_off + PIECE) % big_len;
	}
	/*
	 * Free all but the kept page of each 64 KiB. MADV_DONTNEED rather
	 * than munmap(): a VMA per kept page would reach vm.max_map_count
	 * (65530) in the seventh round.
	 */
	for (off = 0; off < len; off += PIECE)
		if (madvise(a + off + PG, PIECE - PG, MADV_DONTNEED))
			return -1;
	return 0;
}

static unsigned long check_kept(const struct kept *kept)
{
	unsigned long i, p, bad = 0;

	for (i = 0; i < kept->nr; i++)
		for (p = 0; p < PG / 8; p += 8)
			bad += kept->page[i][p] != pattern((unsigned long)kept->page[i] / PG, p);
	return bad;
}

/* Step 3: fault @chunks THPs 2 MiB at a time; the success %, or -1. */
static double thp_burst(unsigned long chunks)
{
	long alloc = vmstat("thp_fault_alloc"), fb = vmstat("thp_fault_fallback");
	char *p = mmap(NULL, (chunks + 1) * HPAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *q;
	unsigned long off;

	if (p == MAP_FAILED)
		return -1;
	q = (char *)(((unsigned long)p + HPAGE - 1) & ~(HPAGE - 1));
	if (madvise(q, chunks * HPAGE, MADV_HUGEPAGE))
		return -1;
	for (off = 0; off < chunks * HPAGE; off += PG)
		q[off] = 1;
	munmap(p, (chunks + 1) * HPAGE);
	alloc = vmstat("thp_fault_alloc") - alloc;
	fb = vmstat("thp_fault_fallback") - fb;
	return alloc + fb ? 100.0 * alloc / (alloc + fb) : 0;
}

/* Pageblocks holding both a movable and an unmovable page, or -1. */
static long mixed_blocks(void)
{
	static uint64_t buf[64 << HUGE_ORDER];
	const unsigned long block = 1UL << HUGE_ORDER;
	unsigned long i, j, n, off = 0;
	long mixed = 0;
	int fd = open("/proc/kpageflags", O_RDONLY);
	ssize_t got;

	if (fd < 0)
		return -1;
	while ((got = pread(fd, buf, sizeof(buf), off)) > 0) {
		n = got / sizeof(buf[0]);
		off += got;
		for (i = 0; i + block <= n; i += block) {
			int movable = 0, unmovable = 0;

			for (j = i; j < i + block; j++) {
				enum kpf_kind k = page_kind(buf[j]);

				movable |= k == KIND_MOVABLE;
				unmovable |= k == KIND_UNMOVABLE;
			}
			mixed += movable && unmovable;
		}
	}
	close(fd);
	return got < 0 ? -1 : mixed;
}

/* Empty the trace buffer: only an open with O_TRUNC clears it. */
static int clear_trace(void)
{
	int fd = open(TRACING "trace", O_WRONLY | O_TRUNC);

	if (fd < 0)
		return -1;
	return close(fd);
}

/* Only the polluting fallbacks reach the trace buffer. */
static int extfrag_trace_on(void)
{
	char filter[128];

	snprintf(filter, sizeof(filter),
		 "fallback_order < %d && fallback_migratetype == %d && alloc_migratetype != %d",
		 HUGE_ORDER, MT_MOVABLE, MT_MOVABLE);
	write_file(TRACING "buffer_size_kb", "4096");
	if (write_file(EXTFRAG "filter", filter) || write_file(EXTFRAG "enable", "1"))
		return -1;
	return clear_trace();
}

/*
 * Count the events since the last call into @r and clear the buffer.
 * Says so when the buffer overran, so that a count is never silently low.
 */
static void extfrag_count(struct round *r)
{
	const char *hdr = "entries-in-buffer/entries-written:";
	char line[512];
	long in, written;
	FILE *f = fopen(TRACING "trace", "r");

	r->v[POLLUTING] = r->v[CHANGED_TYPE] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		if (line[0] == '#') {
			if (strstr(line, hdr) &&
			    sscanf(strstr(line, hdr) + strlen(hdr), " %ld/%ld", &in, &written) == 2 &&
			    in != written)
				printf("uptime: the trace buffer lost %ld extfrag events\n",
				       written - in);
			continue;
		}
		if (!strstr(line, "mm_page_alloc_extfrag"))
			continue;
		r->v[POLLUTING]++;
		r->v[CHANGED_TYPE] += strstr(line, "change_ownership=1") != NULL;
	}
	if (f)
		fclose(f);
	clear_trace();
}

/* The mean of @fig over the last LAST of @n rounds. */
static double last_mean(const struct round *rs, int n, enum figure fig)
{
	double sum = 0;
	int i;

	for (i = n - LAST; i < n; i++)
		sum += rs[i].v[fig];
	return sum / LAST;
}

/* Round 1, the mean of the last LAST rounds, and the series of @fig. */
static void print_figure(const struct round *rs, int n, enum figure fig)
{
	int i;

	printf("BENCH uptime.r1_%s=%.2f\n", figure_names[fig], rs[0].v[fig]);
	printf("BENCH uptime.last5_%s=%.2f\n", figure_names[fig], last_mean(rs, n, fig));
	printf("SERIES uptime.%s", figure_names[fig]);
	for (i = 0; i < n; i++)
		printf(" %d:%.2f", i + 1, rs[i].v[fig]);
	printf("\n");
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 && !strcmp(argv[1], "--quick") ? 6 : 20, r, fig;
	unsigned long total = meminfo_kb("MemTotal") * 1024, bad = 0, i;
	struct round rs[20] = { 0 }, sum = { 0 };
	long files[20] = { 0 }, ret;
	unsigned long big_off = 0;
	struct kept kept = { 0 };
	int big_fd;
	/*
	 * 8% of memory, at most 160 MiB: half of it stays on the 4 GiB root
	 * each round, 1.6 GiB after 20 rounds in any guest size.
	 */
	unsigned long big_len = total / 2 / BIG_CHUNK * BIG_CHUNK;
	unsigned long tree_budget = total * 8 / 100 < (160UL << 20) ? total * 8 / 100 : 160UL << 20;

	if (write_file(THP "enabled", "always") || write_file(THP "defrag", "madvise")) {
		fprintf(stderr, "no THP controls in " THP "\n");
		return 1;
	}
	write_file(THP "khugepaged/defrag", "0");
	write_file(THP "khugepaged/scan_sleep_millisecs", "3600000");
	/* 40% of memory a round, a page per 64 KiB, 20 rounds at most. */
	kept.max = total / PIECE * 8;
	kept.page = calloc(kept.max, sizeof(*kept.page));
	if (!kept.page || mkdir(TREE, 0700) || extfrag_trace_on() || write_big(big_len) ||
	    write_file("/proc/sys/vm/drop_caches", "3")) {
		perror("setup");
		return 1;
	}
	big_fd = open(BIG, O_RDONLY);
	if (big_fd < 0) {
		perror(BIG);
		return 1;
	}
	for (r = 0; r < rounds; r++) {
		double *v = rs[r].v;
		long st0 = vmstat("compact_stall"), su0 = vmstat("compact_success");
		long fa0 = vmstat("compact_fail"), sw0 = vmstat("pswpout");

		files[r] = grow_tree(r, tree_budget);
		if (files[r] < 0 ||
		    anon_churn(meminfo_kb("MemAvailable") * 1024 * 4 / 10, big_fd, &big_off,
			       big_len, &kept)) {
			perror("round");
			return 1;
		}
		v[THP_PCT] = thp_burst(total / 4 / HPAGE);
		v[FREE_BLOCKS] = free_huge_blocks();
		v[SCORE] = frag_score();
		v[MIXED] = mixed_blocks();
		if (v[THP_PCT] < 0 || v[SCORE] < 0 || v[MIXED] < 0) {
			fprintf(stderr, "round %d: a measurement failed (THP %.0f, score %.0f, mixed %.0f)\n",
				r + 1, v[THP_PCT], v[SCORE], v[MIXED]);
			return 1;
		}
		v[STALL] = vmstat("compact_stall") - st0;
		v[SUCCESS] = vmstat("compact_success") - su0;
		v[FAIL] = vmstat("compact_fail") - fa0;
		v[PSWPOUT] = vmstat("pswpout") - sw0;
		extfrag_count(&rs[r]);
		for (fig = 0; fig < NR_FIGURES; fig++)
			sum.v[fig] += v[fig];
		printf("uptime round %d: %ld files, %lu kept pages, THP %.1f%%, free blocks %.0f, score %.0f, mixed %.0f, stall %.0f success %.0f fail %.0f, polluting %.0f (%.0f changed type), pswpout %.0f\n",
		       r + 1, files[r], kept.nr, v[THP_PCT], v[FREE_BLOCKS], v[SCORE], v[MIXED],
		       v[STALL], v[SUCCESS], v[FAIL], v[POLLUTING], v[CHANGED_TYPE],
		       v[PSWPOUT]);
		fflush(stdout);
	}
	for (fig = 0; fig < NR_FIGURES; fig++)
		print_figure(rs, rounds, fig);
	/* Points of THP success lost from round 1 to the last rounds. */
	printf("BENCH uptime.thp_decay_pct=%.2f\n",
	       rs[0].v[THP_PCT] - last_mean(rs, rounds, THP_PCT));
	printf("BENCH uptime.polluting_total=%.0f\n", sum.v[POLLUTING]);
	printf("BENCH uptime.pswpout_total=%.0f\n", sum.v[PSWPOUT]);
	if (sum.v[STALL])
		printf("BENCH uptime.direct_success_pct=%.2f\n",
		       100.0 * sum.v[SUCCESS] / sum.v[STALL]);

	for (i = 0; i < (unsigned long)files[0]; i += 2)
		bad += check_tree_file(0, i);
	for (i = 0; i < (unsigned long)files[rounds - 1]; i += 2)
		bad += check_tree_file(rounds - 1, i);
	bad += check_kept(&kept);
	ret = read_big(big_len, 1);
	bad += ret < 0 ? big_len / 8 : (unsigned long)ret;
	printf("BENCH uptime.bad_words=%lu\n", bad);
	return bad ? 1 : 0;
}
