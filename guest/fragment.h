/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest-side helpers shared by the demo and the full-compaction test:
 * fragment memory with scattered resident pages, read buddyinfo and vmstat,
 * trigger compaction and check every resident byte afterwards.
 */
#ifndef GUEST_FRAGMENT_H
#define GUEST_FRAGMENT_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PG 4096UL
#define HUGE_ORDER 9

struct frag {
	char *base;		/* the mapping we fragment */
	unsigned long pages;	/* its size in pages */
	unsigned long keep;	/* one page in 'keep' stays resident */
};

static inline unsigned long meminfo_kb(const char *key)
{
	char line[256];
	unsigned long v = 0;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = strtoul(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* Every node, in free_huge_blocks_in(). */
#define ANY_NODE (-1)

/*
 * Free blocks of order >= HUGE_ORDER, counted in order-9 units, from
 * /proc/buddyinfo: the zones of @node (or of every node, ANY_NODE), and
 * ZONE_DMA only if @with_dma.
 */
static inline unsigned long free_huge_blocks_in(int node, int with_dma)
{
	char line[512], zone[32];
	unsigned long total = 0;
	int line_node, pos;
	FILE *f = fopen("/proc/buddyinfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *p, *end;
		int order;

		if (sscanf(line, "Node %d, zone %31s%n", &line_node, zone, &pos) != 2)
			continue;
		if ((node != ANY_NODE && line_node != node) ||
		    (!with_dma && !strcmp(zone, "DMA")))
			continue;
		p = line + pos;
		for (order = 0;; order++, p = end) {
			unsigned long cnt = strtoul(p, &end, 10);

			if (end == p)
				break;
			if (order >= HUGE_ORDER)
				total += cnt << (order - HUGE_ORDER);
		}
	}
	fclose(f);
	return total;
}

/* Free order-9 blocks (in order-9 units) of every zone. */
static inline unsigned long free_huge_blocks(void)
{
	return free_huge_blocks_in(ANY_NODE, 1);
}

/* The value of @key in a "name value" per line file such as /proc/vmstat. */
static inline long file_stat(const char *path, const char *key)
{
	char name[128];
	long v;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%127s %ld", name, &v) == 2)
		if (!strcmp(name, key)) {
			fclose(f);
			return v;
		}
	fclose(f);
	return -1;
}

static inline long vmstat(const char *key)
{
	return file_stat("/proc/vmstat", key);
}

static inline int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

static inline uint64_t pattern(unsigned long page, unsigned long word)
{
	uint64_t x = (page << 20) ^ word ^ 0x9e3779b97f4a7c15ULL;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 29;
	return x;
}

/* 2 MiB aligned anonymous memory with @advice, not yet touched. */
static inline char *map_huge_aligned(unsigned long len, int advice)
{
	char *p = mmap(NULL, len + (PG << HUGE_ORDER), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	p = (char *)(((unsigned long)p + (PG << HUGE_ORDER) - 1) & ~((PG << HUGE_ORDER) - 1));
	if (madvise(p, len, advice))
		return NULL;
	return p;
}

/*
 * Write the pattern of page @id into every 8th word of @page (one per
 * cache line): enough to catch a bad copy, at an eighth of the cost.
 */
static inline void mark_page_lines(char *page, unsigned long id)
{
	uint64_t *w = (uint64_t *)page;
	unsigned long i;

	for (i = 0; i < PG / 8; i += 8)
		w[i] = pattern(id, i);
}

/* The words mark_page_lines() wrote that differ now. */
static inline unsigned long count_bad_lines(const char *page, unsigned long id)
{
	const uint64_t *w = (const uint64_t *)page;
	unsigned long i, bad = 0;

	for (i = 0; i < PG / 8; i += 8)
		bad += w[i] != pattern(id, i);
	return bad;
}

/* Give page i of the @pages pages at @p the pattern of page @salt + i. */
static inline void fill_pages(char *p, unsigned long pages, unsigned long salt)
{
	unsigned long i, w;

	for (i = 0; i < pages; i++)
		for (w = 0; w < PG / 8; w++)
			((uint64_t *)(p + i * PG))[w] = pattern(i + salt, w);
}

/*
 * Whether page @i of @fr stays resident: one page in each group of
 * fr->keep, at a place in the group picked by a hash of the group
 * (splitmix64's finaliser). Scattered rather than every keep-th page,
 * because a periodic pattern aliases with a scanner that samples every
 * Nth page: upstream's free scanner, once its stride has grown to 32 on
 * blocks with nothing free, then sees only the resident pages of every
 * block below and none of the free ones between them.
 */
static inline int frag_kept(const struct frag *fr, unsigned long i)
{
	uint64_t x = i / fr->keep + 0x9e3779b97f4a7c15ULL;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return i % fr->keep == (x ^ (x >> 31)) % fr->keep;
}

/*
 * Touch pct% of free memory as 4 KiB pages, then drop all but one page in
 * 'keep' (frag_kept()), which gets a per-page pattern. Returns 0 or -errno.
 */
/* The filler of fragment() and fragment_low(): pct% of MemFree, all resident. */
static inline int filler_map(struct frag *fr, unsigned int pct, unsigned long keep)
{
	write_file("/sys/kernel/mm/transparent_hugepage/enabled", "never");
	fr->pages = meminfo_kb("MemFree") / 4 * pct / 100;
	fr->keep = keep;
	fr->base = mmap(NULL, fr->pages * PG, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	return fr->base == MAP_FAILED ? -errno : 0;
}

static inline int fragment(struct frag *fr, unsigned int pct, unsigned long keep)
{
	unsigned long i, w;

	if (filler_map(fr, pct, keep))
		return -errno;
	for (i = 0; i < fr->pages; i++) {
		uint64_t *p = (uint64_t *)(fr->base + i * PG);

		if (!frag_kept(fr, i)) {
			if (madvise(p, PG, MADV_DONTNEED))
				return -errno;
			continue;
		}
		for (w = 0; w < PG / 8; w++)
			p[w] = pattern(i, w);
	}
	return 0;
}

/* Number of resident words that no longer hold their pattern. */
static inline unsigned long verify(const struct frag *fr)
{
	unsigned long i, w, bad = 0;

	for (i = 0; i < fr->pages; i++) {
		const uint64_t *p = (const uint64_t *)(fr->base + i * PG);

		if (!frag_kept(fr, i))
			continue;
		for (w = 0; w < PG / 8; w++)
			bad += p[w] != pattern(i, w);
	}
	return bad;
}

/*
 * The PFN of every page of [@addr, @addr + @pages * PG) from
 * /proc/self/pagemap (root only), 0 for a page not present.  0 or -1.
 */
static inline int read_pfns(const void *addr, unsigned long pages, uint64_t *pfn)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	ssize_t n = fd < 0 ? -1 :
		    pread(fd, pfn, pages * 8, (uintptr_t)addr / PG * 8);
	unsigned long i;

	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)(pages * 8))
		return -1;
	for (i = 0; i < pages; i++)
		pfn[i] = pfn[i] >> 63 ? pfn[i] & ((1ULL << 55) - 1) : 0;
	return 0;
}

static inline int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Like fragment(), but with holes only among the filler's pages with the
 * lowest @low_pct% of its PFNs: the start of the zone, where every
 * migrate scanner begins.  The rest of the filler stays resident, so
 * what the caller allocates next, a page at a time, goes into those
 * holes: order-0 requests take cached and order-0 free pages first.
 * The caller must stay on one CPU (sched_setaffinity) from here on: the
 * holes sit on that CPU's per-cpu free lists, and another CPU would
 * split a free block instead (seen: a test's pages landed together, high
 * in the zone, where compaction never went).  Only the kept low pages
 * get a pattern, so verify() does not apply.
 */
static inline int fragment_low(struct frag *fr, unsigned int pct, unsigned long keep,
			       unsigned int low_pct)
{
	uint64_t *pfn, *sorted, limit;
	unsigned long i, w;

	if (filler_map(fr, pct, keep))
		return -errno;
	pfn = malloc(fr->pages * 8);
	sorted = malloc(fr->pages * 8);
	if (!pfn || !sorted)
		return -ENOMEM;
	if (read_pfns(fr->base, fr->pages, pfn))
		return -EIO;
	memcpy(sorted, pfn, fr->pages * 8);
	qsort(sorted, fr->pages, 8, cmp_u64);
	limit = sorted[fr->pages / 100 * low_pct];
	free(sorted);
	for (i = 0; i < fr->pages; i++) {
		uint64_t *p = (uint64_t *)(fr->base + i * PG);

		if (pfn[i] >= limit)
			continue;
		if (!frag_kept(fr, i)) {
			if (madvise(p, PG, MADV_DONTNEED))
				return -errno;
			continue;
		}
		for (w = 0; w < PG / 8; w++)
			p[w] = pattern(i, w);
	}
	free(pfn);
	return 0;
}

#ifdef _GNU_SOURCE
#include <sched.h>
/*
 * The start of the page-cache tests: dirty pages stay dirty until synced
 * (periodic writeback off, high dirty limits), kcompactd waits to be
 * asked, and a fragment_low() filler (80% of free memory, every other
 * page of its lowest quarter freed) whose holes what the caller allocates
 * next will fill.  The caller is pinned to CPU 0 first: the holes sit on
 * that CPU's per-cpu lists.  (Only for callers with _GNU_SOURCE, for
 * sched_setaffinity().)  Returns 0, or non-zero with errno set.
 */
static inline int page_cache_fragment_low(struct frag *fr)
{
	cpu_set_t cpu0;

	write_file("/proc/sys/vm/dirty_writeback_centisecs", "0");
	write_file("/proc/sys/vm/dirty_background_ratio", "90");
	write_file("/proc/sys/vm/dirty_ratio", "95");
	write_file("/proc/sys/vm/compaction_proactiveness", "0");
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0))
		return -1;
	return fragment_low(fr, 80, 2, 25);
}
#endif

/*
 * Fault @mib MiB of fresh MADV_HUGEPAGE memory, a page at a time (direct
 * compaction where THP faults compact), then unmap it.  Returns how many
 * THPs the faults got (thp_fault_alloc), or -1.
 */
static inline long thp_faults(unsigned long mib)
{
	const unsigned long hpage = PG << HUGE_ORDER;
	unsigned long len = mib << 20, off;
	long alloc0 = vmstat("thp_fault_alloc");
	char *p = mmap(NULL, len + hpage, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *q;

	if (p == MAP_FAILED)
		return -1;
	q = (char *)(((unsigned long)p + hpage - 1) & ~(hpage - 1));
	madvise(q, len, MADV_HUGEPAGE);
	for (off = 0; off < len; off += PG)
		q[off] = 1;
	munmap(p, len + hpage);
	return vmstat("thp_fault_alloc") - alloc0;
}

/*
 * Proactive compaction by kcompactd: raise compaction_proactiveness to 90
 * (kcompactd then aims at a fragmentation score of 10 to 20), wait until
 * kcompactd has scanned something and a few seconds have passed, or
 * @secs, then set it back to 0.  kcompactd only acts on a fragmented
 * node, so call this while a filler (fragment()) still holds memory.
 * Returns the pages kcompactd's migrate scanner went over meanwhile.
 */
static inline long kcompactd_proactive(int secs)
{
	long scanned0 = vmstat("compact_daemon_migrate_scanned"), scanned = 0;
	int i;

	write_file("/proc/sys/vm/compaction_proactiveness", "90");
	for (i = 0; i < secs; i++) {
		sleep(1);
		scanned = vmstat("compact_daemon_migrate_scanned") - scanned0;
		if (i >= 5 && scanned > 0)
			break;
	}
	write_file("/proc/sys/vm/compaction_proactiveness", "0");
	return vmstat("compact_daemon_migrate_scanned") - scanned0;
}

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The ideal: every free byte in whole order-9 blocks. MemFree leaves out
 * pages cached on per-cpu lists, so read it after compaction drained them.
 */
static inline unsigned long ideal_huge_blocks(void)
{
	return meminfo_kb("MemFree") / 2048;
}

/*
 * Helpers for the benchmark workloads in bench/.
 */
#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"

/*
 * The PIDs of the tasks whose comm is @comm, or starts with it when
 * @prefix, at most @max of them into @pids. Returns how many there were.
 */
static inline int pids_by_comm(const char *comm, int prefix, int *pids, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while (d && n < max && (e = readdir(d))) {
		char path[300], name[64] = "";
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f))
			name[strcspn(name, "\n")] = 0;
		fclose(f);
		if (prefix ? !strncmp(name, comm, strlen(comm)) : !strcmp(name, comm))
			pids[n++] = atoi(e->d_name);
	}
	if (d)
		closedir(d);
	return n;
}

/* CPU time of task @pid in ms, or -1. */
static inline double task_cpu_ms(int pid)
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
static inline double kcompactd_cpu_ms(void)
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

#define MAX_ZONES 8

/*
 * The fragmentation score of node 0 as kcompactd computes it, from
 * /proc/buddyinfo and /proc/zoneinfo. For each populated zone, the share
 * of its free pages that are not in free blocks of order 9 or more, in
 * percent, scaled by the zone's present pages over the node's present
 * pages plus one; the node's score is the sum. Integer arithmetic in the
 * same order as the kernel's, so the figure matches its decisions.
 */
static inline long frag_score(void)
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

/* /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h). */
#define KPF(bit) (1ULL << (bit))
#define F_LOCKED KPF(0)
#define F_UPTODATE KPF(3)
#define F_DIRTY KPF(4)
#define F_LRU KPF(5)
#define F_SLAB KPF(7)
#define F_BUDDY KPF(10)
#define F_MMAP KPF(11)
#define F_ANON KPF(12)
#define F_SWAPBACKED KPF(14)
#define F_HEAD KPF(15)
#define F_TAIL KPF(16)
#define F_HUGE KPF(17)
#define F_HWPOISON KPF(19)
#define F_NOPAGE KPF(20)
#define F_THP KPF(22)
#define F_OFFLINE KPF(23)
#define F_PGTABLE KPF(26)
#define F_RESERVED KPF(32)

/*
 * What a page is, by its /proc/kpageflags word: free in the buddy, movable
 * (on the LRU, anonymous, mapped or page cache), unmovable (slab, page
 * tables, kernel compound pages, reserved) or no flag at all (a kernel
 * allocation, or a free page on a per-cpu list).
 */
enum kpf_kind { KIND_FREE, KIND_MOVABLE, KIND_UNMOVABLE, KIND_FLAGLESS };

static inline enum kpf_kind page_kind(uint64_t f)
{
	if (f & F_BUDDY)
		return KIND_FREE;
	if (f & (F_NOPAGE | F_SLAB | F_PGTABLE | F_RESERVED | F_HUGE | F_OFFLINE |
		 F_HWPOISON))
		return KIND_UNMOVABLE;
	if (f & (F_LRU | F_ANON | F_MMAP | F_SWAPBACKED | F_THP))
		return KIND_MOVABLE;
	/* Compound but none of the above: a kernel allocation. */
	if (f & (F_HEAD | F_TAIL))
		return KIND_UNMOVABLE;
	/* Page cache on its way to the LRU. */
	if (f & (F_UPTODATE | F_DIRTY | F_LOCKED))
		return KIND_MOVABLE;
	return KIND_FLAGLESS;
}

/* The number in a one-value file such as a sysctl, or -1. */
static inline long file_long(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	return n > 0 ? atol(buf) : -1;
}

static inline int write_long(const char *path, long v)
{
	char val[32];

	snprintf(val, sizeof(val), "%ld", v);
	return write_file(path, val);
}

/*
 * Move every free order-9 block above ZONE_DMA into the hugetlb pool, so
 * that what stays free is the fragmented rest and any huge page a workload
 * gets afterwards had to be made by compaction.  ZONE_DMA is left out: its
 * lowmem reserve keeps most of it from those allocations anyway.  The pool
 * only takes blocks that are free already, so no compaction runs here.
 * Returns the pool size, or -1.
 */
static inline long absorb_free_huge_blocks(void)
{
	long nr = file_long(NR_HUGEPAGES);

	if (nr < 0)
		return -1;
	if (write_long(NR_HUGEPAGES, nr + (long)free_huge_blocks_in(ANY_NODE, 0)))
		return -1;
	return file_long(NR_HUGEPAGES);
}

/*
 * A snapshot of the /proc/vmstat event counters the benchmark reports as
 * deltas: compact_*, pgmigrate_* and thp_*.
 */
#define VMSNAP_MAX 96

struct vmsnap {
	int n;
	char name[VMSNAP_MAX][48];
	long val[VMSNAP_MAX];
};

static inline int vmsnap_wanted(const char *name)
{
	return !strncmp(name, "compact_", 8) || !strncmp(name, "pgmigrate_", 10) ||
	       !strncmp(name, "thp_", 4);
}

static inline void vmsnap_take(struct vmsnap *s)
{
	char name[128];
	long v;
	FILE *f = fopen("/proc/vmstat", "r");

	s->n = 0;
	if (!f)
		return;
	while (s->n < VMSNAP_MAX && fscanf(f, "%127s %ld", name, &v) == 2) {
		if (!vmsnap_wanted(name) || strlen(name) >= sizeof(s->name[0]))
			continue;
		strcpy(s->name[s->n], name);
		s->val[s->n++] = v;
	}
	fclose(f);
}

/* Print "BENCH workload.vm.counter=delta" for every counter since @s0. */
static inline void vmsnap_print_delta(const char *workload, const struct vmsnap *s0)
{
	struct vmsnap *s1 = malloc(sizeof(*s1));
	int i, j;

	if (!s1)
		return;
	vmsnap_take(s1);
	for (i = 0; i < s1->n; i++)
		for (j = 0; j < s0->n; j++)
			if (!strcmp(s1->name[i], s0->name[j])) {
				printf("BENCH %s.vm.%s=%ld\n", workload, s1->name[i],
				       s1->val[i] - s0->val[j]);
				break;
			}
	free(s1);
}

/* One write to compact_memory and what it cost ("full" and "mixed"). */
struct compact_run {
	unsigned long blocks_before, blocks_after;
	long migrated, migrate_scanned, free_scanned;
	double ms;
	struct vmsnap vm0;
};

static inline int compact_memory_measured(struct compact_run *run)
{
	long mig0, ms0, fs0;
	double t0;
	int err;

	run->blocks_before = free_huge_blocks();
	vmsnap_take(&run->vm0);
	mig0 = vmstat("pgmigrate_success");
	ms0 = vmstat("compact_migrate_scanned");
	fs0 = vmstat("compact_free_scanned");
	t0 = now_s();
	err = write_file("/proc/sys/vm/compact_memory", "1");
	run->ms = (now_s() - t0) * 1000;
	run->blocks_after = free_huge_blocks();
	run->migrated = vmstat("pgmigrate_success") - mig0;
	run->migrate_scanned = vmstat("compact_migrate_scanned") - ms0;
	run->free_scanned = vmstat("compact_free_scanned") - fs0;
	return err;
}

/*
 * "BENCH workload.figure=value" for @run: blocks, work, the work per block
 * gained, the time, and the /proc/vmstat deltas since the run began.
 */
static inline void compact_run_print(const char *w, const struct compact_run *run)
{
	long gained = (long)run->blocks_after - (long)run->blocks_before;

	printf("BENCH %s.blocks_before=%lu\n", w, run->blocks_before);
	printf("BENCH %s.blocks_after=%lu\n", w, run->blocks_after);
	printf("BENCH %s.migrated=%ld\n", w, run->migrated);
	printf("BENCH %s.migrate_scanned=%ld\n", w, run->migrate_scanned);
	printf("BENCH %s.free_scanned=%ld\n", w, run->free_scanned);
	if (gained > 0) {
		printf("BENCH %s.migrated_per_block=%.1f\n", w,
		       (double)run->migrated / gained);
		printf("BENCH %s.scanned_per_block=%.1f\n", w,
		       (double)(run->migrate_scanned + run->free_scanned) / gained);
		printf("BENCH %s.free_scanned_per_block=%.1f\n", w,
		       (double)run->free_scanned / gained);
	}
	printf("BENCH %s.time_ms=%.1f\n", w, run->ms);
	vmsnap_print_delta(w, &run->vm0);
}

static inline int cmp_double_asc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The @pct percentile of @n sorted values. */
static inline double percentile(const double *v, long n, int pct)
{
	return n ? v[n * pct / 100 < n ? n * pct / 100 : n - 1] : 0;
}

#endif
