// SPDX-License-Identifier: GPL-2.0
/*
 * Long-term pinned and vmspliced pages through compaction (issue 23).
 *
 *   pin_keep PAGES
 *
 * Builds anonymous regions of PAGES pages out of the resident pages of a
 * fragmenting filler that have the lowest PFNs (mremap() moves a page
 * into place without moving its frame), so that they sit at the start of
 * the zone, where every migrate scanner begins, among holes and other
 * movable pages, and gives them known content:
 *   pinned   pinned with FOLL_LONGTERM by gup_test (debugfs), as RDMA or
 *            VFIO would pin a buffer;
 *   spliced  vmspliced into a pipe that is not read yet: the pipe holds
 *            references to the very pages (no SPLICE_F_GIFT, no copy);
 *   control  neither: compaction may move these, and must move some,
 *            or the two checks below would have proved nothing.
 * The three take those pages in turn, so they share pageblocks.
 * Memory is then compacted three ways: by kcompactd (with the filler
 * still there), by compact_memory and by THP faults.  Neither region may
 * move: a moved page would leave the pin or the pipe with the old copy.
 * Checks, as TAP:
 *   1 kcompactd_ran: kcompactd scanned pages (the recipe works);
 *   2 pinned_pages_never_move: every pinned page keeps its PFN;
 *   3 pin_and_mapping_share_every_page: words written through the mapping
 *     after compaction are what gup_test reads through its pins, and the
 *     rest of each page still holds its pattern;
 *   4 spliced_pages_never_move;
 *   5 pipe_and_mapping_share_every_page: likewise through the pipe;
 *   6 control_pages_moved: compaction did move their unpinned neighbours;
 *   7 nothing_left_isolated: nr_isolated_anon and _file are 0 with the
 *     pins dropped and the pipe drained.
 * Exit 1 when a check failed, 2 when the setup failed.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/uio.h>
#include "fragment.h"

/* gup_test's interface, from the tree's mm/gup_test.h. */
struct pin_longterm_test {
	uint64_t addr;
	uint64_t size;
	uint32_t flags;
};
#define PIN_LONGTERM_TEST_START		_IOW('g', 7, struct pin_longterm_test)
#define PIN_LONGTERM_TEST_STOP		_IO('g', 8)
#define PIN_LONGTERM_TEST_READ		_IOW('g', 9, uint64_t)
#define PIN_LONGTERM_TEST_FLAG_USE_WRITE	1
#define GUP_TEST			"/sys/kernel/debug/gup_test"

/* The word each page gets after compaction: not its pattern. */
#define MARK(i)		(~pattern((i), 0))

static int test_nr, failed;

static void tap(int ok, const char *name)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++test_nr, name);
	if (!ok)
		failed = 1;
}

/* Words of @copy, pages of region @salt, that are neither MARK nor pattern. */
static unsigned long bad_after_mark(const char *copy, unsigned long pages,
				    unsigned long salt)
{
	unsigned long i, w, bad = 0;

	for (i = 0; i < pages; i++) {
		const uint64_t *q = (const uint64_t *)(copy + i * PG);

		bad += q[0] != MARK(i + salt);
		for (w = 1; w < PG / 8; w++)
			bad += q[w] != pattern(i + salt, w);
	}
	return bad;
}

static unsigned long moved(const uint64_t *a, const uint64_t *b, unsigned long n)
{
	unsigned long i, m = 0;

	for (i = 0; i < n; i++)
		m += !a[i] || a[i] != b[i];
	return m;
}

static uint64_t pfn_min(const uint64_t *pfn, unsigned long n)
{
	uint64_t m = UINT64_MAX;

	while (n--)
		m = pfn[n] < m ? pfn[n] : m;
	return m;
}

static uint64_t pfn_max(const uint64_t *pfn, unsigned long n)
{
	uint64_t m = 0;

	while (n--)
		m = pfn[n] > m ? pfn[n] : m;
	return m;
}

struct pfn_index {
	uint64_t pfn;
	unsigned long index;
};

static int by_pfn(const void *a, const void *b)
{
	const struct pfn_index *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

/*
 * Move the filler's resident pages with the lowest PFNs into @nr regions
 * of @pages pages each, in turn: page i of region r is the (i * nr + r)th
 * lowest.  Each region must be a reserved, unpopulated mapping.  0 or -1.
 */
static int take_lowest(const struct frag *fr, char **region, int nr,
		       unsigned long pages)
{
	uint64_t *pfn = malloc(fr->pages * 8);
	struct pfn_index *kept = malloc(fr->pages * sizeof(*kept));
	unsigned long i, n = 0;

	if (!pfn || !kept || read_pfns(fr->base, fr->pages, pfn))
		return -1;
	for (i = 0; i < fr->pages; i++)
		if (frag_kept(fr, i) && pfn[i])
			kept[n++] = (struct pfn_index){ pfn[i], i };
	if (n < pages * nr)
		return -1;
	qsort(kept, n, sizeof(*kept), by_pfn);
	for (i = 0; i < pages * nr; i++) {
		char *dst = region[i % nr] + i / nr * PG;

		if (mremap(fr->base + kept[i].index * PG, PG, PG,
			   MREMAP_MAYMOVE | MREMAP_FIXED, dst) != dst)
			return -1;
	}
	free(pfn);
	free(kept);
	return 0;
}

static void mark(char *p, unsigned long pages, unsigned long salt)
{
	unsigned long i;

	for (i = 0; i < pages; i++)
		*(uint64_t *)(p + i * PG) = MARK(i + salt);
}

/* Read @len bytes of the pipe into @buf. */
static int drain(int fd, char *buf, unsigned long len)
{
	unsigned long got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long pages = argc > 1 ? strtoul(argv[1], NULL, 0) : 256;
	uint64_t *pfn_pin0, *pfn_pin1, *pfn_spl0, *pfn_spl1, *pfn_ctl0, *pfn_ctl1;
	unsigned long len, bad_pin, bad_spl, mv_pin, mv_spl, mv_ctl;
	struct pin_longterm_test pin;
	char *pinned, *spliced, *control, *copy;
	long daemon, mig0, thp;
	int gup, pipefd[2];
	struct iovec iov;
	struct frag fr;
	uint64_t dst;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A pipe holds at most 1 MiB by default (fs.pipe-max-size). */
	if (!pages || pages > 256) {
		fprintf(stderr, "usage: pin_keep PAGES (1..256)\n");
		return 2;
	}
	len = pages * PG;
	printf("TAP version 13\n1..7\n");
	gup = open(GUP_TEST, O_RDWR);
	if (gup < 0) {
		perror(GUP_TEST " (CONFIG_GUP_TEST, debugfs)");
		return 2;
	}
	pfn_pin0 = calloc(pages, 8);
	pfn_pin1 = calloc(pages, 8);
	pfn_spl0 = calloc(pages, 8);
	pfn_spl1 = calloc(pages, 8);
	pfn_ctl0 = calloc(pages, 8);
	pfn_ctl1 = calloc(pages, 8);
	copy = malloc(len);
	if (!pfn_pin0 || !pfn_pin1 || !pfn_spl0 || !pfn_spl1 || !pfn_ctl0 ||
	    !pfn_ctl1 || !copy ||
	    pipe(pipefd) || fcntl(pipefd[1], F_SETPIPE_SZ, (int)len) < (int)len) {
		perror("pin_keep: setup");
		return 2;
	}
	write_file("/proc/sys/vm/compaction_proactiveness", "0");

	if (fragment(&fr, 60, 2)) {
		perror("pin_keep: fragment");
		return 2;
	}
	pinned = mmap(NULL, len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	spliced = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	control = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pinned == MAP_FAILED || spliced == MAP_FAILED || control == MAP_FAILED ||
	    take_lowest(&fr, (char *[]){ pinned, spliced, control }, 3, pages)) {
		perror("pin_keep: regions");
		return 2;
	}
	fill_pages(pinned, pages, 0);
	fill_pages(spliced, pages, pages);
	fill_pages(control, pages, 2 * pages);

	pin.addr = (uintptr_t)pinned;
	pin.size = len;
	pin.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE;
	if (ioctl(gup, PIN_LONGTERM_TEST_START, &pin)) {
		perror("pin_keep: PIN_LONGTERM_TEST_START");
		return 2;
	}
	iov.iov_base = spliced;
	iov.iov_len = len;
	if (vmsplice(pipefd[1], &iov, 1, 0) != (ssize_t)len) {
		perror("pin_keep: vmsplice");
		return 2;
	}
	/* After pinning: FOLL_LONGTERM may first move pages out of CMA. */
	if (read_pfns(pinned, pages, pfn_pin0) || read_pfns(spliced, pages, pfn_spl0) ||
	    read_pfns(control, pages, pfn_ctl0)) {
		perror("pin_keep: /proc/self/pagemap");
		return 2;
	}

	printf("# PFNs: pinned %#lx..%#lx, spliced %#lx..%#lx, control %#lx..%#lx\n",
	       (unsigned long)pfn_min(pfn_pin0, pages), (unsigned long)pfn_max(pfn_pin0, pages),
	       (unsigned long)pfn_min(pfn_spl0, pages), (unsigned long)pfn_max(pfn_spl0, pages),
	       (unsigned long)pfn_min(pfn_ctl0, pages), (unsigned long)pfn_max(pfn_ctl0, pages));
	mig0 = vmstat("pgmigrate_success");
	daemon = kcompactd_proactive(30);
	munmap(fr.base, fr.pages * PG);
	if (write_file("/proc/sys/vm/compact_memory", "1"))
		failed = 1;
	write_file("/sys/kernel/mm/transparent_hugepage/enabled", "madvise");
	thp = thp_faults(meminfo_kb("MemFree") / 1024 / 2);
	printf("# kcompactd (%ld pages scanned at proactiveness 90), compact_memory, THP faults (%ld huge pages): pgmigrate_success +%ld\n",
	       daemon, thp, vmstat("pgmigrate_success") - mig0);
	tap(daemon > 0, "kcompactd_ran");

	read_pfns(pinned, pages, pfn_pin1);
	read_pfns(spliced, pages, pfn_spl1);
	read_pfns(control, pages, pfn_ctl1);
	mv_pin = moved(pfn_pin0, pfn_pin1, pages);
	mv_spl = moved(pfn_spl0, pfn_spl1, pages);
	mv_ctl = moved(pfn_ctl0, pfn_ctl1, pages);
	printf("# moved: %lu of %lu pinned, %lu of %lu spliced, %lu of %lu control pages\n",
	       mv_pin, pages, mv_spl, pages, mv_ctl, pages);
	tap(mv_pin == 0, "pinned_pages_never_move");

	/* Written through the mapping, read through the pin. */
	mark(pinned, pages, 0);
	dst = (uintptr_t)copy;
	if (ioctl(gup, PIN_LONGTERM_TEST_READ, &dst)) {
		perror("pin_keep: PIN_LONGTERM_TEST_READ");
		bad_pin = len / 8;
	} else {
		bad_pin = bad_after_mark(copy, pages, 0);
	}
	printf("# through the pins: %lu bad words\n", bad_pin);
	tap(bad_pin == 0, "pin_and_mapping_share_every_page");
	tap(mv_spl == 0, "spliced_pages_never_move");

	/* Written through the mapping, read out of the pipe. */
	mark(spliced, pages, pages);
	bad_spl = drain(pipefd[0], copy, len) ? len / 8 :
		  bad_after_mark(copy, pages, pages);
	printf("# out of the pipe: %lu bad words\n", bad_spl);
	tap(bad_spl == 0, "pipe_and_mapping_share_every_page");

	tap(mv_ctl > 0, "control_pages_moved");

	ioctl(gup, PIN_LONGTERM_TEST_STOP);
	close(gup);
	close(pipefd[0]);
	close(pipefd[1]);
	munmap(pinned, len);
	munmap(spliced, len);
	munmap(control, len);
	printf("# nr_isolated_anon %ld, nr_isolated_file %ld\n",
	       vmstat("nr_isolated_anon"), vmstat("nr_isolated_file"));
	tap(vmstat("nr_isolated_anon") == 0 && vmstat("nr_isolated_file") == 0,
	    "nothing_left_isolated");
	return failed;
}
