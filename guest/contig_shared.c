// SPDX-License-Identifier: GPL-2.0
/*
 * Widely shared pages inside a CMA area must move out of the way of a
 * contiguous allocation, as libc's text on a busy server would.
 *
 *   contig_shared NPROC PAGES
 *
 * Places PAGES pages of a memfd and PAGES COW-shared anonymous pages, as
 * many as it can, inside the first CMA area (debugfs), maps both in NPROC
 * child processes, then allocates the whole area through debugfs, which
 * must migrate every one of them.  Each child then reads a word of every
 * page through its own mappings and the parent checks every byte.
 *
 * Exit status, a bit mask: 1 the CMA allocation failed, 2 a byte changed
 * or a child failed, 4 the setup failed (no CMA area, too few pages
 * inside it, fork), so that nothing could be judged.
 */
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "fragment.h"

#define FAILED_ALLOC	1
#define FAILED_BYTES	2
#define FAILED_SETUP	4

/* Fewer shared pages than this inside the area would prove little. */
#define MIN_INSIDE	32

struct cma_area {
	char dir[300];
	unsigned long base, count;
};

/* The first CMA area by name, as contig.sh's "ls | head -n 1" finds it. */
static int cma_find(struct cma_area *a)
{
	char path[340], first[256] = "";
	struct dirent *e;
	DIR *d = opendir("/sys/kernel/debug/cma");
	long base, count;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && (!first[0] || strcmp(e->d_name, first) < 0))
			snprintf(first, sizeof(first), "%s", e->d_name);
	closedir(d);
	if (!first[0])
		return -1;
	snprintf(a->dir, sizeof(a->dir), "/sys/kernel/debug/cma/%s", first);
	snprintf(path, sizeof(path), "%s/base_pfn", a->dir);
	base = file_long(path);
	snprintf(path, sizeof(path), "%s/count", a->dir);
	count = file_long(path);
	if (base < 0 || count <= 0)
		return -1;
	a->base = base;
	a->count = count;
	return 0;
}

static unsigned long count_inside(const uint64_t *pfn, unsigned long pages,
				  const struct cma_area *a)
{
	unsigned long i, n = 0;

	for (i = 0; i < pages; i++)
		n += pfn[i] >= a->base && pfn[i] < a->base + a->count;
	return n;
}

/* Pages that were inside the area and now sit elsewhere. */
static unsigned long count_moved_out(const uint64_t *before, const uint64_t *after,
				     unsigned long pages, const struct cma_area *a)
{
	unsigned long i, n = 0;

	for (i = 0; i < pages; i++)
		n += before[i] >= a->base && before[i] < a->base + a->count &&
		     after[i] != before[i];
	return n;
}

/* /proc/kpagecount: how many page tables map @pfn. */
static long mapcount_of(uint64_t pfn)
{
	int fd = open("/proc/kpagecount", O_RDONLY);
	uint64_t n = 0;

	if (fd < 0)
		return -1;
	if (pread(fd, &n, 8, pfn * 8) != 8)
		n = (uint64_t)-1;
	close(fd);
	return (long)n;
}

static unsigned long bad_words(const char *p, unsigned long pages,
			       unsigned long salt, unsigned long stride)
{
	unsigned long i, w, bad = 0;

	for (i = 0; i < pages; i++)
		for (w = 0; w < PG / 8; w += stride)
			bad += ((const uint64_t *)(p + i * PG))[w] != pattern(i + salt, w);
	return bad;
}

/* The throwaway filler: 16 MiB anonymous chunks, not necessarily adjacent. */
#define CHUNK		(16UL << 20)
#define MAX_CHUNKS	4096

struct filler {
	char *chunk[MAX_CHUNKS];
	unsigned long n;
};

/*
 * Fill memory with throwaway anonymous pages until the page allocator
 * starts to take movable pages from the CMA area: it does so once the
 * area holds more than half of its zone's free pages, and from then on
 * alternates, so about half of what is allocated next lands inside it.
 * The filler stops once an eighth of the area has gone since it started.
 * That is counted from the start, not from CmaTotal, because earlier
 * work can leave pages inside the area: a CI run began at 77% free and
 * the old "7/8 of CmaTotal" test stopped the filler before its first
 * chunk, so the regions never reached the area.
 */
static void fill_outside(struct filler *f)
{
	unsigned long cma_kb = meminfo_kb("CmaTotal"), i;
	unsigned long cma_free0 = meminfo_kb("CmaFree");
	unsigned long stop_kb = cma_free0 > cma_kb / 8 ? cma_free0 - cma_kb / 8 : 0;
	char *p;

	f->n = 0;
	write_file("/sys/kernel/mm/transparent_hugepage/enabled", "never");
	while (f->n < MAX_CHUNKS && meminfo_kb("CmaFree") > stop_kb &&
	       meminfo_kb("MemFree") > (256UL << 10)) {
		p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			break;
		for (i = 0; i < CHUNK; i += PG)
			p[i] = 1;
		f->chunk[f->n++] = p;
	}
}

static void unfill(struct filler *f)
{
	while (f->n)
		munmap(f->chunk[--f->n], CHUNK);
}

/*
 * A child: map every page of the memfd too (fork does not copy a shared
 * file mapping's page tables), say so, wait until the parent closes @go,
 * then read a word of every page through its own mappings.
 */
static int child(const char *file, const char *anon, unsigned long pages,
		 int ready, int go)
{
	volatile char sink;
	unsigned long i;
	char c;

	for (i = 0; i < pages; i++)
		sink = file[i * PG];
	(void)sink;
	if (write(ready, "r", 1) != 1)
		return 1;
	while (read(go, &c, 1) > 0)
		;
	return bad_words(file, pages, 0, PG / 8) ||
	       bad_words(anon, pages, pages, PG / 8);
}

/* Echo @n into the area's debugfs @what file; -errno on failure. */
static int cma_write(const struct cma_area *a, const char *what, unsigned long n)
{
	char path[340], val[32];

	snprintf(path, sizeof(path), "%s/%s", a->dir, what);
	snprintf(val, sizeof(val), "%lu", n);
	return write_file(path, val);
}

static long cma_used(const struct cma_area *a)
{
	char path[340];

	snprintf(path, sizeof(path), "%s/used", a->dir);
	return file_long(path);
}

int main(int argc, char **argv)
{
	unsigned long nproc = argc > 1 ? strtoul(argv[1], NULL, 0) : 1100;
	unsigned long pages = argc > 2 ? strtoul(argv[2], NULL, 0) : 512;
	uint64_t *pfn_file0, *pfn_anon0, *pfn_file1, *pfn_anon1;
	unsigned long in_file, in_anon, forked = 0, i;
	int ready[2], go[2], rc = 0, status, fd, err;
	static struct filler filler;
	struct cma_area a;
	char *file, *anon, c;
	long used0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!nproc || !pages || nproc > 4096 || pages > 65536) {
		fprintf(stderr, "usage: contig_shared NPROC (1..4096) PAGES (1..65536)\n");
		return FAILED_SETUP;
	}
	if (cma_find(&a)) {
		printf("no CMA area in /sys/kernel/debug/cma (boot with cma=)\n");
		return FAILED_SETUP;
	}
	pfn_file0 = calloc(pages, 8);
	pfn_anon0 = calloc(pages, 8);
	pfn_file1 = calloc(pages, 8);
	pfn_anon1 = calloc(pages, 8);
	fd = syscall(SYS_memfd_create, "contig_shared", 0);
	if (!pfn_file0 || !pfn_anon0 || !pfn_file1 || !pfn_anon1 || fd < 0 ||
	    ftruncate(fd, pages * PG) || pipe(ready) || pipe(go)) {
		perror("contig_shared: setup");
		return FAILED_SETUP;
	}
	file = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	anon = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (file == MAP_FAILED || anon == MAP_FAILED) {
		perror("contig_shared: mmap");
		return FAILED_SETUP;
	}

	/* Both regions are allocated while CMA and other pages alternate. */
	fill_outside(&filler);
	printf("filler %lu MiB, MemFree %lu kB, CmaFree %lu kB\n",
	       filler.n * (CHUNK >> 20), meminfo_kb("MemFree"), meminfo_kb("CmaFree"));
	fill_pages(file, pages, 0);
	fill_pages(anon, pages, pages);
	unfill(&filler);
	if (read_pfns(file, pages, pfn_file0) || read_pfns(anon, pages, pfn_anon0)) {
		perror("contig_shared: /proc/self/pagemap");
		return FAILED_SETUP;
	}
	in_file = count_inside(pfn_file0, pages, &a);
	in_anon = count_inside(pfn_anon0, pages, &a);
	printf("CMA area %s: pfn %#lx, %lu pages; inside it: %lu memfd and %lu anonymous pages of %lu each\n",
	       a.dir, a.base, a.count, in_file, in_anon, pages);

	close(fd);
	for (; forked < nproc; forked++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("contig_shared: fork");
			rc |= FAILED_SETUP;
			break;
		}
		if (!pid) {
			close(ready[0]);
			close(go[1]);
			_exit(child(file, anon, pages, ready[1], go[0]));
		}
	}
	close(ready[1]);
	close(go[0]);
	for (i = 0; i < forked && read(ready[0], &c, 1) == 1; i++)
		;
	printf("%lu processes map both regions; mapcount of the first pages: memfd %ld, anonymous %ld\n",
	       i, mapcount_of(pfn_file0[0]), mapcount_of(pfn_anon0[0]));
	if (in_file < MIN_INSIDE || in_anon < MIN_INSIDE) {
		printf("fewer than %d pages of a region inside the area: nothing to judge\n",
		       MIN_INSIDE);
		rc |= FAILED_SETUP;
	}

	/* The whole area: every shared page inside it must move. */
	used0 = cma_used(&a);
	if (used0) {
		printf("%ld pages of the area are already allocated: it cannot be had whole\n",
		       used0);
		rc |= FAILED_SETUP;
	}
	if (!(rc & FAILED_SETUP)) {
		err = cma_write(&a, "alloc", a.count);
		printf("alloc of all %lu pages: %s (used %ld -> %ld)\n", a.count,
		       err ? strerror(-err) : "done", used0, cma_used(&a));
		if (err)
			rc |= FAILED_ALLOC;
		else
			cma_write(&a, "free", a.count);
	}
	if (read_pfns(file, pages, pfn_file1) || read_pfns(anon, pages, pfn_anon1)) {
		perror("contig_shared: /proc/self/pagemap");
		rc |= FAILED_BYTES;
	}
	printf("moved out of the area: %lu of %lu memfd, %lu of %lu anonymous pages\n",
	       count_moved_out(pfn_file0, pfn_file1, pages, &a), in_file,
	       count_moved_out(pfn_anon0, pfn_anon1, pages, &a), in_anon);

	/* Every byte through the parent's mappings, a word per page in each child. */
	i = bad_words(file, pages, 0, 1) + bad_words(anon, pages, pages, 1);
	printf("parent: %lu bad words\n", i);
	if (i)
		rc |= FAILED_BYTES;
	close(go[1]);
	for (i = 0; wait(&status) > 0;)
		i += !WIFEXITED(status) || WEXITSTATUS(status);
	printf("children: %lu of %lu saw a changed word or failed\n", i, forked);
	if (i)
		rc |= FAILED_BYTES;
	return rc;
}
