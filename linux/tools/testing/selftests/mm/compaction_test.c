// SPDX-License-Identifier: GPL-2.0
/*
 * Memory compaction as user space sees it.
 *
 * The first group of tests checks the control files: the vm.* compaction
 * sysctls must take every value in their range, refuse everything else
 * with EINVAL while keeping the value they had, and the manual triggers
 * (vm.compact_memory and the per-node "compact" file) must behave as
 * documented in Documentation/admin-guide/mm/compaction.rst.
 *
 * The second group breaks anonymous memory into scattered 4 KiB pieces on
 * purpose and then has compaction rebuild huge-page sized free blocks in
 * each of the ways the kernel runs it: a manual full compaction, with
 * mlocked pages on both settings of vm.compact_unevictable_allowed, on
 * behalf of hugetlb pool growth, on a THP fault with defrag=always, and
 * in the background through proactive compaction. One more test locks
 * nearly all of memory, which compaction must then leave where it is.
 * Every resident page carries its own pattern, which must come through
 * unchanged.
 *
 * No test times the kernel: under TCG on a shared host, how long work
 * takes says nothing about the code.  Tests count work instead (pages
 * scanned, moved, runs, wakeups); where one must wait for the kernel to
 * act, it waits up to CT_HANG_S seconds and only calls a longer wait a
 * hang.  Benchmarks (bench/) measure time.
 *
 * Must run as root. Every tunable a test changes is put back by the
 * fixture teardown; should the harness kill a test on timeout, the values
 * seen at start-up are put back once more when the program exits.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/mempolicy.h>

#include "../kselftest_harness.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT		1
#endif

#define VM_DIR		"/proc/sys/vm/"
#define THP_DIR		"/sys/kernel/mm/transparent_hugepage/"
#define NODE_DIR	"/sys/devices/system/node/"

#define COMPACT_MEMORY	VM_DIR "compact_memory"
#define PROACTIVENESS	VM_DIR "compaction_proactiveness"
#define EXTFRAG		VM_DIR "extfrag_threshold"
#define UNEVICTABLE	VM_DIR "compact_unevictable_allowed"
#define NR_HUGEPAGES	VM_DIR "nr_hugepages"
#define THP_ENABLED	THP_DIR "enabled"
#define THP_DEFRAG	THP_DIR "defrag"
#define DEBUGFS_ROOT	"/sys/kernel/debug"	/* made by debugfs itself */
#define DEBUGFS_DIR	DEBUGFS_ROOT "/compaction"
#define DEBUGFS_ZONES	DEBUGFS_DIR "/zones"
#define TRACEFS		"/sys/kernel/tracing/"

/*
 * Seconds to wait for the kernel to do something before calling it hung.
 * Not a performance bound: the work waited for takes a small fraction of
 * this even on a loaded host under TCG.
 */
#define CT_HANG_S	150

/* ------------------------------------------------------------------ */
/* Small file helpers. All return 0 or a negative errno.               */

/* One open(), one write() of the whole string: what "echo val > path" does. */
static int ct_write(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

static int ct_write_long(const char *path, long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", val);
	return ct_write(path, buf);
}

/* Read a small file, dropping trailing whitespace. */
static int ct_read(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		err = -errno;
		n = 0;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return err;
}

static int ct_read_long(const char *path, long *val)
{
	char buf[64], *end;
	int err;

	err = ct_read(path, buf, sizeof(buf));
	if (err)
		return err;
	errno = 0;
	*val = strtol(buf, &end, 10);
	if (errno || end == buf || *end)
		return -EINVAL;
	return 0;
}

/*
 * The current setting of a tunable. For the THP files, which list every
 * choice and bracket the active one ("always [madvise] never"), only the
 * bracketed word is returned, since that is what has to be written back.
 */
static int ct_setting(const char *path, char *out, size_t size)
{
	char buf[256], *open_br, *close_br;
	size_t len;
	int err;

	err = ct_read(path, buf, sizeof(buf));
	if (err)
		return err;
	open_br = strchr(buf, '[');
	close_br = open_br ? strchr(open_br, ']') : NULL;
	if (open_br && close_br) {
		*close_br = '\0';
		memmove(buf, open_br + 1, close_br - open_br);
	}
	len = strlen(buf);
	if (len >= size)
		return -EOVERFLOW;
	memcpy(out, buf, len + 1);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Changing tunables and putting them back.                            */

#define CT_MAX_SAVED	16

struct ct_saved {
	char path[128];
	char value[64];
};

struct ct_knobs {
	int nr;
	struct ct_saved saved[CT_MAX_SAVED];
};

/* Write @val to @path, remembering what it held the first time. */
static int ct_knob_set(struct ct_knobs *ks, const char *path, const char *val)
{
	struct ct_saved *s;
	int i, err;

	for (i = 0; i < ks->nr; i++)
		if (!strcmp(ks->saved[i].path, path))
			break;
	if (i == ks->nr) {
		if (ks->nr == CT_MAX_SAVED)
			return -ENOSPC;
		s = &ks->saved[i];
		err = ct_setting(path, s->value, sizeof(s->value));
		if (err)
			return err;
		snprintf(s->path, sizeof(s->path), "%s", path);
		ks->nr++;
	}
	return ct_write(path, val);
}

static int ct_knob_set_long(struct ct_knobs *ks, const char *path, long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", val);
	return ct_knob_set(ks, path, buf);
}

/* Put everything back, newest change first. Returns the number of failures. */
static int ct_knobs_restore(struct ct_knobs *ks)
{
	int failed = 0;

	while (ks->nr > 0) {
		ks->nr--;
		if (ct_write(ks->saved[ks->nr].path, ks->saved[ks->nr].value))
			failed++;
	}
	return failed;
}

/*
 * Safety net: the harness SIGKILLs a test that runs past its timeout, so
 * its teardown never runs. The top-level process snapshots the tunables
 * before any test starts and puts back whatever differs when it exits.
 * Test processes leave through _exit() and never get here; the pid check
 * covers any that would not.
 */
static const char *const ct_guarded[] = {
	PROACTIVENESS, EXTFRAG, UNEVICTABLE, NR_HUGEPAGES,
	THP_ENABLED, THP_DEFRAG,
};

static struct ct_knobs ct_startup;
static pid_t ct_main_pid;

static void __attribute__((constructor)) ct_snapshot(void)
{
	unsigned int i;

	ct_main_pid = getpid();
	for (i = 0; i < ARRAY_SIZE(ct_guarded); i++) {
		struct ct_saved *s = &ct_startup.saved[ct_startup.nr];

		if (ct_setting(ct_guarded[i], s->value, sizeof(s->value)))
			continue;
		snprintf(s->path, sizeof(s->path), "%s", ct_guarded[i]);
		ct_startup.nr++;
	}
}

static void __attribute__((destructor)) ct_safety_restore(void)
{
	char now[64];
	int i;

	if (getpid() != ct_main_pid)
		return;
	for (i = 0; i < ct_startup.nr; i++) {
		struct ct_saved *s = &ct_startup.saved[i];

		if (ct_setting(s->path, now, sizeof(now)) || !strcmp(now, s->value))
			continue;
		fprintf(stderr, "# %s was left at '%s', restoring '%s'\n",
			s->path, now, s->value);
		ct_write(s->path, s->value);
	}
}

/* ------------------------------------------------------------------ */
/* /proc readers.                                                      */

/* A /proc/meminfo field in kB, or -1. */
static long ct_meminfo_kb(const char *key)
{
	size_t n = strlen(key);
	char line[256];
	long val = -1;
	FILE *f;

	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, n) && line[n] == ':') {
			val = strtol(line + n + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

/* Fold the per-cpu counter deltas so that the next read is exact. */
static void ct_vmstat_refresh(void)
{
	ct_write(VM_DIR "stat_refresh", "1");
}

/* A /proc/vmstat counter, or -1 when the kernel does not have it. */
static long long ct_vmstat(const char *key)
{
	long long val, found = -1;
	char name[80];
	FILE *f;

	f = fopen("/proc/vmstat", "r");
	if (!f)
		return -1;
	while (fscanf(f, "%79s %lld", name, &val) == 2) {
		if (!strcmp(name, key)) {
			found = val;
			break;
		}
	}
	fclose(f);
	return found;
}

/*
 * Free memory in whole blocks of @order pages, counted in units of such
 * blocks, over every node and zone in /proc/buddyinfo: a free block of
 * order @order + k counts 2^k times.
 */
static long ct_free_blocks(int order)
{
	char line[512], zone[32];
	long total = 0;
	int node, pos;
	FILE *f;

	f = fopen("/proc/buddyinfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p, *end;
		int o;

		if (sscanf(line, "Node %d, zone %31s%n", &node, zone, &pos) != 2)
			continue;
		p = line + pos;
		for (o = 0;; o++) {
			unsigned long cnt = strtoul(p, &end, 10);

			if (end == p)
				break;
			if (o >= order)
				total += (long)(cnt << (o - order));
			p = end;
		}
	}
	fclose(f);
	return total;
}

/*
 * The fragmentation score of node @nid as kcompactd computes it, from
 * /proc/buddyinfo and the "present" counts of /proc/zoneinfo.  Per zone:
 * the share of free memory not in free blocks of @order or larger, in
 * percent, weighted by the zone's present pages over the node's present
 * pages + 1; the node score is the sum.  -1 if the files cannot be read.
 */
#define CT_MAX_ZONES	8

struct ct_zone_frag {
	char name[32];
	unsigned long free;	/* free pages */
	unsigned long unusable;	/* free pages in blocks below @order */
	unsigned long present;
};

static int ct_read_buddyinfo(int nid, int order, struct ct_zone_frag *z)
{
	char line[512], name[32];
	int node, pos, n = 0;
	FILE *f;

	f = fopen("/proc/buddyinfo", "r");
	if (!f)
		return -1;
	while (n < CT_MAX_ZONES && fgets(line, sizeof(line), f)) {
		char *p, *end;
		int o;

		if (sscanf(line, "Node %d, zone %31s%n", &node, name, &pos) != 2 ||
		    node != nid)
			continue;
		memset(&z[n], 0, sizeof(z[n]));
		snprintf(z[n].name, sizeof(z[n].name), "%s", name);
		p = line + pos;
		for (o = 0;; o++, p = end) {
			unsigned long pages = strtoul(p, &end, 10) << o;

			if (end == p)
				break;
			z[n].free += pages;
			if (o < order)
				z[n].unusable += pages;
		}
		n++;
	}
	fclose(f);
	return n;
}

static int ct_frag_score(int nid, int order)
{
	struct ct_zone_frag z[CT_MAX_ZONES];
	unsigned long node_present = 0, present;
	char line[256], name[32];
	int node = -1, n, i, cur = -1;
	long score = 0;
	FILE *f;

	n = ct_read_buddyinfo(nid, order, z);
	f = fopen("/proc/zoneinfo", "r");
	if (n < 0 || !f) {
		if (f)
			fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %31s", &node, name) == 2) {
			for (cur = -1, i = 0; node == nid && i < n; i++)
				if (!strcmp(z[i].name, name))
					cur = i;
			continue;
		}
		if (node == nid && sscanf(line, " present %lu", &present) == 1) {
			node_present += present;
			if (cur >= 0)
				z[cur].present = present;
		}
	}
	fclose(f);
	for (i = 0; i < n; i++)
		if (z[i].free)
			score += z[i].unusable * 100 / z[i].free * z[i].present /
				 (node_present + 1);
	return score;
}

/* Kilobytes of AnonHugePages in the mapping of /proc/self/smaps holding @addr. */
static long ct_anon_huge_kb(const void *addr)
{
	unsigned long start, end, a = (unsigned long)addr;
	bool inside = false;
	char line[512];
	long kb = -1;
	FILE *f;

	f = fopen("/proc/self/smaps", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* A mapping's header line: "start-end perms offset dev inode path". */
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			if (inside)
				break;
			inside = a >= start && a < end;
			continue;
		}
		if (inside && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/*
 * CPU time, in clock ticks, used so far by all kcompactd threads, read
 * from /proc/PID/stat (utime and stime, fields 14 and 15). -1 if none.
 */
static long long ct_kcompactd_ticks(void)
{
	char path[64], line[512], *p;
	unsigned long long ut, st;
	long long total = -1;
	struct dirent *de;
	DIR *dir;
	FILE *f;

	dir = opendir("/proc");
	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/stat", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f) && strstr(line, "(kcompactd")) {
			/* After ")": state, then fields 4..13, then utime, stime. */
			static const char fmt[] =
				" %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu";

			p = strrchr(line, ')');
			if (p && sscanf(p + 1, fmt, &ut, &st) == 2)
				total = (total < 0 ? 0 : total) + ut + st;
		}
		fclose(f);
	}
	closedir(dir);
	return total;
}

static double ct_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Bytes of a huge page: the hugetlb default size, else the THP PMD size, else 2 MiB. */
static unsigned long ct_hpage_bytes(void)
{
	long kb = ct_meminfo_kb("Hugepagesize"), val;

	if (kb > 0)
		return kb * 1024UL;
	if (!ct_read_long(THP_DIR "hpage_pmd_size", &val) && val > 0)
		return val;
	return 2UL << 20;
}

/*
 * Settle check for the isolation counters: nothing may be left isolated
 * once compaction has finished. Compaction still running (kcompactd may
 * finish a round) or other activity can hold pages isolated for a while,
 * so this waits for the counts to reach 0; only a leak keeps them up for
 * CT_HANG_S seconds.
 */
static bool ct_nothing_isolated(long long *anon, long long *file)
{
	double t0 = ct_now();

	for (;;) {
		ct_vmstat_refresh();
		*anon = ct_vmstat("nr_isolated_anon");
		*file = ct_vmstat("nr_isolated_file");
		if (*anon == 0 && *file == 0)
			return true;
		if (ct_now() - t0 > CT_HANG_S)
			return false;
		usleep(100 * 1000);
	}
}

/* Compact every node through vm.compact_memory, timing it. 0 or -errno. */
static int ct_compact_all(double *secs)
{
	double t0 = ct_now();
	int err;

	err = ct_write(COMPACT_MEMORY, "1");
	*secs = ct_now() - t0;
	return err;
}

/* ------------------------------------------------------------------ */
/* A deliberately fragmented anonymous region.                         */

struct ct_region {
	char *base;
	size_t len;
	size_t page;		/* base page size */
	size_t npages;
	unsigned int group;	/* one page in each @group stays resident, */
	bool dense;		/* or, if set, one in each @group is dropped */
	uint64_t seed;
};

/* splitmix64's output function: a cheap, well-mixed 64-bit hash. */
static uint64_t ct_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* The chosen page of group @g, at a pseudo-random position in it. */
static size_t ct_chosen(const struct ct_region *r, size_t g)
{
	return g * r->group + ct_mix(r->seed ^ (g * 0x9e3779b97f4a7c15ULL)) % r->group;
}

static size_t ct_nr_resident(const struct ct_region *r)
{
	size_t groups = r->npages / r->group;

	return r->dense ? r->npages - groups : groups;
}

/*
 * The page index of the @i-th resident page, in increasing order: the
 * chosen page of group @i, or in a dense region the @i-th of the pages
 * around the chosen ones.
 */
static size_t ct_resident(const struct ct_region *r, size_t i)
{
	size_t g, k, hole;

	if (!r->dense)
		return ct_chosen(r, i);
	g = i / (r->group - 1);
	k = g * r->group + i % (r->group - 1);
	hole = ct_chosen(r, g);
	return k < hole ? k : k + 1;
}

/*
 * The pattern of page @idx: 64-bit words starting from a hash of the page
 * index, each the previous plus an odd constant, so that every byte of
 * every page depends on both where the page is and where the byte is.
 */
#define CT_STEP	0xd6e8feb86659fd93ULL

static void ct_fill_page(const struct ct_region *r, size_t idx)
{
	uint64_t *p = (uint64_t *)(r->base + idx * r->page);
	uint64_t v = ct_mix(r->seed + idx);
	size_t w;

	for (w = 0; w < r->page / sizeof(*p); w++, v += CT_STEP)
		p[w] = v;
}

/*
 * Count the resident pages whose contents changed; the first bad one is
 * reported through @bad_page and @bad_word.
 */
static size_t ct_verify(const struct ct_region *r, size_t *bad_page, size_t *bad_word)
{
	size_t i, w, bad = 0;

	for (i = 0; i < ct_nr_resident(r); i++) {
		size_t idx = ct_resident(r, i);
		const uint64_t *p = (const uint64_t *)(r->base + idx * r->page);
		uint64_t v = ct_mix(r->seed + idx);

		for (w = 0; w < r->page / sizeof(*p); w++, v += CT_STEP) {
			if (p[w] != v) {
				if (!bad) {
					*bad_page = idx;
					*bad_word = w;
				}
				bad++;
				break;
			}
		}
	}
	return bad;
}

/*
 * Map about @bytes of anonymous memory with 4 KiB pages only, make all of
 * it resident, then drop all but one pseudo-randomly placed page in every
 * @group, or with @dense only that one. The dropped pages leave holes all
 * over the physical memory the region was given, so no huge-page sized
 * block can form there until the resident pages are moved away. Returns
 * 0 or -errno.
 */
static int ct_make_region(struct ct_region *r, size_t bytes, unsigned int group,
			  bool dense, uint64_t seed)
{
	size_t i, hole = 0, idx;

	r->page = sysconf(_SC_PAGESIZE);
	r->group = group;
	r->dense = dense;
	r->seed = seed;
	r->npages = bytes / r->page / group * group;
	if (!r->npages || (dense && group < 2))
		return -EINVAL;
	r->len = r->npages * r->page;
	r->base = mmap(NULL, r->len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r->base == MAP_FAILED) {
		r->base = NULL;
		return -errno;
	}
	/* Fails only on kernels without THP, where it is not needed. */
	madvise(r->base, r->len, MADV_NOHUGEPAGE);
	if (madvise(r->base, r->len, MADV_POPULATE_WRITE)) {
		for (idx = 0; idx < r->npages; idx++)
			r->base[idx * r->page] = 1;
	}
	for (i = 0; i < ct_nr_resident(r); i++) {
		idx = ct_resident(r, i);
		if (idx > hole &&
		    madvise(r->base + hole * r->page, (idx - hole) * r->page,
			    MADV_DONTNEED))
			return -errno;
		ct_fill_page(r, idx);
		hole = idx + 1;
	}
	if (hole < r->npages &&
	    madvise(r->base + hole * r->page, (r->npages - hole) * r->page,
		    MADV_DONTNEED))
		return -errno;
	return 0;
}

static int ct_fragment(struct ct_region *r, size_t bytes, unsigned int group,
		       uint64_t seed)
{
	return ct_make_region(r, bytes, group, false, seed);
}

/* Lock the resident pages of @r without faulting in the holes. */
static int ct_mlock_resident(struct ct_region *r)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };

	if (setrlimit(RLIMIT_MEMLOCK, &unlimited))
		return -errno;
	if (syscall(__NR_mlock2, r->base, r->len, MLOCK_ONFAULT))
		return -errno;
	return 0;
}

static void ct_unmap(struct ct_region *r)
{
	if (r->base)
		munmap(r->base, r->len);
	r->base = NULL;
}

/* Bit 63 of a pagemap entry: present; bits 0-54: the PFN. */
#define CT_PM_PRESENT	0x8000000000000000ULL
#define CT_PM_PFN_MASK	0x007fffffffffffffULL

/*
 * Where the resident pages of @r are: a calloc()ed array with the PFN of
 * each, in order, from /proc/self/pagemap (0 for a page not present).
 * NULL if pagemap cannot be read or hides PFNs (no CAP_SYS_ADMIN).
 */
static uint64_t *ct_resident_pfns(const struct ct_region *r)
{
	size_t i, n = ct_nr_resident(r), seen = 0;
	uint64_t *pfns = calloc(n ? n : 1, sizeof(*pfns));
	int fd = open("/proc/self/pagemap", O_RDONLY);

	for (i = 0; pfns && fd >= 0 && i < n; i++) {
		uintptr_t va = (uintptr_t)r->base + ct_resident(r, i) * r->page;
		uint64_t e;

		if (pread(fd, &e, sizeof(e), va / r->page * sizeof(e)) != sizeof(e))
			break;
		if (e & CT_PM_PRESENT)
			pfns[i] = e & CT_PM_PFN_MASK;
		seen += pfns[i] != 0;
	}
	if (fd >= 0)
		close(fd);
	if (pfns && (i < n || !seen)) {
		free(pfns);
		pfns = NULL;
	}
	return pfns;
}

/* How many of @n pages are no longer where they were. */
static size_t ct_pfns_moved(const uint64_t *before, const uint64_t *after,
			    size_t n)
{
	size_t i, moved = 0;

	for (i = 0; i < n; i++)
		moved += before[i] != after[i];
	return moved;
}

/*
 * A counter's growth for the logs, or "n/a" when /proc/vmstat lacks the
 * counter (kernels built with CONFIG_VM_EVENT_COUNTERS=n).
 */
struct ct_delta {
	char text[32];
};

static struct ct_delta ct_delta(long long before, long long after)
{
	struct ct_delta d;

	if (before < 0 || after < 0)
		snprintf(d.text, sizeof(d.text), "n/a");
	else
		snprintf(d.text, sizeof(d.text), "+%lld", after - before);
	return d;
}

/* ------------------------------------------------------------------ */
/* The range-checked sysctls.                                          */

FIXTURE(knob)
{
	struct ct_knobs knobs;
};

FIXTURE_VARIANT(knob)
{
	const char *path;
	long min;
	long max;
};

FIXTURE_VARIANT_ADD(knob, extfrag_threshold)
{
	.path = EXTFRAG,
	.min = 0,
	.max = 1000,
};

FIXTURE_VARIANT_ADD(knob, compact_unevictable_allowed)
{
	.path = UNEVICTABLE,
	.min = 0,
	.max = 1,
};

FIXTURE_VARIANT_ADD(knob, compaction_proactiveness)
{
	.path = PROACTIVENESS,
	.min = 0,
	.max = 100,
};

FIXTURE_SETUP(knob)
{
	if (geteuid())
		SKIP(return, "must run as root");
	if (access(variant->path, F_OK))
		SKIP(return, "%s missing: kernel without CONFIG_COMPACTION?",
		     variant->path);
}

FIXTURE_TEARDOWN(knob)
{
	EXPECT_EQ(0, ct_knobs_restore(&self->knobs));
}

TEST_F(knob, mode_is_0644)
{
	struct stat st;

	ASSERT_EQ(0, stat(variant->path, &st));
	EXPECT_EQ(0644U, st.st_mode & 07777);
}

TEST_F(knob, accepts_whole_range)
{
	const long vals[] = {
		variant->min, variant->max, (variant->min + variant->max) / 2,
		variant->max, variant->min,
	};
	char buf[32];
	unsigned int i;
	long got;

	for (i = 0; i < ARRAY_SIZE(vals); i++) {
		/* Odd entries with a newline, as echo(1) writes them. */
		snprintf(buf, sizeof(buf), i & 1 ? "%ld\n" : "%ld", vals[i]);
		ASSERT_EQ(0, ct_knob_set(&self->knobs, variant->path, buf))
			TH_LOG("writing %ld to %s was refused", vals[i], variant->path);
		ASSERT_EQ(0, ct_read_long(variant->path, &got));
		EXPECT_EQ(vals[i], got);
	}
}

TEST_F(knob, rejects_invalid_and_keeps_value)
{
	char bad[8][32];
	const long olds[] = { variant->min, variant->max };
	unsigned int i, j;
	long got;
	int err;

	snprintf(bad[0], sizeof(bad[0]), "%ld", variant->max + 1);
	snprintf(bad[1], sizeof(bad[1]), "%ld", variant->max * 10 + 7);
	snprintf(bad[2], sizeof(bad[2]), "-1");
	snprintf(bad[3], sizeof(bad[3]), "-%ld", variant->max + 5);
	snprintf(bad[4], sizeof(bad[4]), "abc");
	snprintf(bad[5], sizeof(bad[5]), "%ldq", variant->max);
	snprintf(bad[6], sizeof(bad[6]), "99999999999");
	/* 2^32 + 1: a parser that truncates to 32 bits would see 1. */
	snprintf(bad[7], sizeof(bad[7]), "4294967297");

	for (j = 0; j < ARRAY_SIZE(olds); j++) {
		ASSERT_EQ(0, ct_knob_set_long(&self->knobs, variant->path, olds[j]));
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			err = ct_write(variant->path, bad[i]);
			EXPECT_EQ(-EINVAL, err)
				TH_LOG("'%s' > %s gave %d (%s), want EINVAL",
				       bad[i], variant->path, err, strerror(-err));
			ASSERT_EQ(0, ct_read_long(variant->path, &got));
			EXPECT_EQ(olds[j], got)
				TH_LOG("'%s' > %s changed the value", bad[i],
				       variant->path);
		}
	}
}

/* ------------------------------------------------------------------ */
/* The manual triggers and the counters.                               */

FIXTURE(trigger)
{
	struct ct_knobs knobs;
	struct ct_region region;
};

FIXTURE_SETUP(trigger)
{
	if (geteuid())
		SKIP(return, "must run as root");
	if (access(COMPACT_MEMORY, F_OK))
		SKIP(return, "%s missing: kernel without CONFIG_COMPACTION",
		     COMPACT_MEMORY);
}

FIXTURE_TEARDOWN(trigger)
{
	ct_unmap(&self->region);
	EXPECT_EQ(0, ct_knobs_restore(&self->knobs));
}

TEST_F(trigger, compact_memory_is_write_only)
{
	struct stat st;
	int fd;

	ASSERT_EQ(0, stat(COMPACT_MEMORY, &st));
	EXPECT_EQ(0200U, st.st_mode & 07777);
	/* sysctl permissions bind root too: there is nothing to read. */
	fd = open(COMPACT_MEMORY, O_RDONLY);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EACCES, errno);
	if (fd >= 0)
		close(fd);
}

/*
 * Fragment an eighth of free memory into @r afresh (on node @nid, or
 * anywhere for -1), write @val to the trigger @path, and check that the
 * write compacted: some of the scattered pages moved, with their data
 * intact, and the migration scanner's counter advanced.  A trigger that
 * only returns success fails here.
 */
static void ct_trigger_compacts(struct __test_metadata *_metadata,
				struct ct_region *r, const char *path,
				const char *val, int nid, uint64_t seed)
{
	size_t bad, bad_page = 0, bad_word = 0, moved, n;
	unsigned long mask = nid >= 0 ? 1UL << nid : 0;
	long long scanned0, scanned;
	uint64_t *pfns0, *pfns;
	long free_kb = ct_meminfo_kb("MemFree");
	/* @val for the log, where a newline would break the TAP output. */
	int len = strcspn(val, "\n");
	const char *nl = val[len] ? "\\n" : "";
	int err;

	ASSERT_LT(0, free_kb);
	if (nid >= 0)
		ASSERT_EQ(0, syscall(__NR_set_mempolicy, MPOL_BIND, &mask,
				     8 * sizeof(mask)));
	err = ct_fragment(r, free_kb * 1024UL / 8, 4, seed);
	if (nid >= 0)
		syscall(__NR_set_mempolicy, MPOL_DEFAULT, NULL, 0);
	ASSERT_EQ(0, err);
	n = ct_nr_resident(r);
	pfns0 = ct_resident_pfns(r);
	ASSERT_NE(NULL, pfns0)
		TH_LOG("/proc/self/pagemap shows no PFNs");
	scanned0 = ct_vmstat("compact_migrate_scanned");

	ASSERT_EQ(0, ct_write(path, val))
		TH_LOG("'%.*s%s' > %s refused", len, val, nl, path);

	scanned = ct_vmstat("compact_migrate_scanned");
	pfns = ct_resident_pfns(r);
	ASSERT_NE(NULL, pfns);
	moved = ct_pfns_moved(pfns0, pfns, n);
	free(pfns);
	free(pfns0);
	TH_LOG("'%.*s%s' > %s: %zu of %zu scattered pages moved, compact_migrate_scanned %s",
	       len, val, nl, path, moved, n, ct_delta(scanned0, scanned).text);
	EXPECT_LT(0UL, moved)
		TH_LOG("'%.*s%s' > %s compacted nothing", len, val, nl, path);
	if (scanned0 >= 0)
		EXPECT_LT(scanned0, scanned);
	bad = ct_verify(r, &bad_page, &bad_word);
	ASSERT_EQ(0UL, bad)
		TH_LOG("%zu pages corrupted, first: page %zu word %zu", bad,
		       bad_page, bad_word);
	ct_unmap(r);
}

/*
 * Both spellings of "1" must compact, not merely be accepted.  Proactive
 * compaction is off meanwhile, so that kcompactd cannot do the moving.
 */
TEST_F_TIMEOUT(trigger, compact_memory_accepts_1, 300)
{
	if (!access(PROACTIVENESS, F_OK))
		ASSERT_EQ(0, ct_knob_set(&self->knobs, PROACTIVENESS, "0"));
	ct_trigger_compacts(_metadata, &self->region, COMPACT_MEMORY, "1", -1,
			    0x5eed0010);
	ct_trigger_compacts(_metadata, &self->region, COMPACT_MEMORY, "1\n", -1,
			    0x5eed0011);
}

/*
 * write(2) of zero bytes: proc_dointvec() then parses nothing and leaves
 * the stored value alone, so upstream compacts again when the last value
 * written was 1; ours keeps that contract.  (A refused value, such as
 * "2", does not replace the 1 on ours: a bad value changes nothing.)
 */
TEST_F_TIMEOUT(trigger, compact_memory_empty_write_repeats_1, 300)
{
	if (!access(PROACTIVENESS, F_OK))
		ASSERT_EQ(0, ct_knob_set(&self->knobs, PROACTIVENESS, "0"));
	ASSERT_EQ(0, ct_write(COMPACT_MEMORY, "1"));
	ct_trigger_compacts(_metadata, &self->region, COMPACT_MEMORY, "", -1,
			    0x5eed0014);
}

TEST_F_TIMEOUT(trigger, compact_memory_rejects_other_values, 120)
{
	const char *const bad[] = {
		"0", "2", "-1", "abc", "99999999999", "4294967297", "1x",
	};
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		err = ct_write(COMPACT_MEMORY, bad[i]);
		EXPECT_EQ(-EINVAL, err)
			TH_LOG("'%s' > compact_memory gave %d (%s), want EINVAL",
			       bad[i], err, strerror(-err));
	}
	/* A refused write must not leave the trigger unusable. */
	EXPECT_EQ(0, ct_write(COMPACT_MEMORY, "1"));
}

/*
 * The written text is never parsed: any write compacts the node, which
 * node 0 must show on memory fragmented there.  The other nodes' files
 * must accept a write too (node_compact_moves_only_that_node checks what
 * they do, on the two-node guest).
 */
TEST_F_TIMEOUT(trigger, node_compact_accepts_any_write, 300)
{
	char path[128];
	int nid, nodes = 0;

	if (access(NODE_DIR "node0/compact", F_OK))
		SKIP(return, "no per-node compact file (needs CONFIG_NUMA and CONFIG_SYSFS)");

	if (!access(PROACTIVENESS, F_OK))
		ASSERT_EQ(0, ct_knob_set(&self->knobs, PROACTIVENESS, "0"));
	ct_trigger_compacts(_metadata, &self->region, NODE_DIR "node0/compact",
			    "1", 0, 0x5eed0012);
	ct_trigger_compacts(_metadata, &self->region, NODE_DIR "node0/compact",
			    "whatever\n", 0, 0x5eed0013);
	for (nid = 1; nid < 64; nid++) {
		snprintf(path, sizeof(path), NODE_DIR "node%d/compact", nid);
		if (access(path, F_OK))
			continue;
		EXPECT_EQ(0, ct_write(path, "1"))
			TH_LOG("write to %s refused", path);
		nodes++;
	}
	TH_LOG("compacted node0 and %d other node(s)", nodes);
}

TEST_F(trigger, vmstat_has_compact_counters)
{
	static const char names[][32] = {
		"compact_migrate_scanned", "compact_free_scanned",
		"compact_isolated", "compact_stall", "compact_fail",
		"compact_success", "compact_daemon_wake",
		"compact_daemon_migrate_scanned", "compact_daemon_free_scanned",
	};
	unsigned int i;

	if (ct_vmstat("pgfault") < 0)
		SKIP(return, "no event counters in /proc/vmstat (CONFIG_VM_EVENT_COUNTERS=n)");
	for (i = 0; i < ARRAY_SIZE(names); i++)
		EXPECT_LE(0, ct_vmstat(names[i]))
			TH_LOG("/proc/vmstat has no %s", names[i]);
}

/* ------------------------------------------------------------------ */
/* Compaction at work on fragmented memory.                            */

FIXTURE(compaction)
{
	struct ct_knobs knobs;
	struct ct_region region;
	struct ct_region other;	/* a second region, on another node */
	char *extra;		/* further mappings a test makes */
	size_t extra_len;
	char *probe;
	size_t probe_len;
	unsigned long hpage;	/* bytes in a huge page */
	int order;		/* its buddy order */
	long memfree_kb;
};

FIXTURE_SETUP(compaction)
{
	long pagesz = sysconf(_SC_PAGESIZE);

	if (geteuid())
		SKIP(return, "must run as root");
	if (access(COMPACT_MEMORY, F_OK))
		SKIP(return, "%s missing: kernel without CONFIG_COMPACTION",
		     COMPACT_MEMORY);
	if (access("/proc/buddyinfo", R_OK))
		SKIP(return, "no /proc/buddyinfo to measure free blocks with");

	self->hpage = ct_hpage_bytes();
	for (self->order = 0; (pagesz << self->order) < (long)self->hpage;)
		self->order++;
	/* Keep kcompactd from compacting behind the test's back. */
	ASSERT_EQ(0, ct_knob_set(&self->knobs, PROACTIVENESS, "0"));
	self->memfree_kb = ct_meminfo_kb("MemFree");
	ASSERT_LT(0, self->memfree_kb);
}

FIXTURE_TEARDOWN(compaction)
{
	ct_unmap(&self->region);
	ct_unmap(&self->other);
	if (self->extra)
		munmap(self->extra, self->extra_len);
	if (self->probe)
		munmap(self->probe, self->probe_len);
	EXPECT_EQ(0, ct_knobs_restore(&self->knobs));
}

/* Percentage of @part in @whole, for the logs. */
static double ct_pct(double part, double whole)
{
	return whole > 0 ? 100.0 * part / whole : 0.0;
}

TEST_F_TIMEOUT(compaction, full_compaction_keeps_data, 300)
{
	long before, after, ideal, region_blocks;
	long long scanned0, isolated0, scanned, isolated, anon, file;
	size_t bad, bad_page = 0, bad_word = 0;
	double secs;

	ASSERT_EQ(0, ct_fragment(&self->region, self->memfree_kb * 1024UL / 10 * 7,
				 4, 0x5eed0001));
	region_blocks = self->region.len / self->hpage;

	ct_vmstat_refresh();
	before = ct_free_blocks(self->order);
	scanned0 = ct_vmstat("compact_migrate_scanned");
	isolated0 = ct_vmstat("compact_isolated");

	ASSERT_EQ(0, ct_compact_all(&secs));

	after = ct_free_blocks(self->order);
	ideal = ct_meminfo_kb("MemFree") * 1024L / (long)self->hpage;
	scanned = ct_vmstat("compact_migrate_scanned");
	isolated = ct_vmstat("compact_isolated");
	TH_LOG("region %zu MiB, %zu resident 4K pages",
	       self->region.len >> 20, ct_nr_resident(&self->region));
	TH_LOG("order-%d free blocks %ld -> %ld, ideal %ld (%.0f%% of ideal) in %.2fs",
	       self->order, before, after, ideal, ct_pct(after, ideal), secs);
	TH_LOG("compact_migrate_scanned %s, compact_isolated %s",
	       ct_delta(scanned0, scanned).text, ct_delta(isolated0, isolated).text);

	ASSERT_GT(after, before);
	/* Three quarters of the region was free in holes: win back a decent share. */
	EXPECT_GE(after - before, region_blocks / 10)
		TH_LOG("only %ld of the region's %ld blocks were rebuilt",
		       after - before, region_blocks);
	if (scanned0 >= 0 && isolated0 >= 0) {
		EXPECT_GT(scanned, scanned0);
		EXPECT_GT(isolated, isolated0);
	}

	bad = ct_verify(&self->region, &bad_page, &bad_word);
	ASSERT_EQ(0UL, bad)
		TH_LOG("%zu pages corrupted, first: page %zu word %zu", bad,
		       bad_page, bad_word);

	EXPECT_TRUE(ct_nothing_isolated(&anon, &file))
		TH_LOG("nr_isolated_anon %lld nr_isolated_file %lld after compaction",
		       anon, file);
}

TEST_F_TIMEOUT(compaction, mlocked_pages, 300)
{
	long mlocked0, mlocked, locked_kb, blocks0, blocks_off, blocks_on;
	size_t bad, bad_page = 0, bad_word = 0, moved, n;
	uint64_t *pfns0, *pfns;
	long long anon, file;
	double secs;

	ct_vmstat_refresh();
	mlocked0 = ct_meminfo_kb("Mlocked");
	ASSERT_EQ(0, ct_fragment(&self->region, self->memfree_kb * 1024UL / 10 * 4,
				 4, 0x5eed0002));
	ASSERT_EQ(0, ct_mlock_resident(&self->region));
	n = ct_nr_resident(&self->region);
	ct_vmstat_refresh();
	mlocked = ct_meminfo_kb("Mlocked");
	locked_kb = ct_nr_resident(&self->region) * (self->region.page / 1024);
	TH_LOG("Mlocked %ld kB -> %ld kB, %ld kB resident in the region",
	       mlocked0, mlocked, locked_kb);
	if (mlocked0 >= 0)
		ASSERT_GE(mlocked - mlocked0, locked_kb / 10 * 9);
	blocks0 = ct_free_blocks(self->order);
	pfns0 = ct_resident_pfns(&self->region);
	ASSERT_NE(NULL, pfns0)
		TH_LOG("/proc/self/pagemap shows no PFNs");

	/* Not allowed to move them: they must stay put and intact. */
	ASSERT_EQ(0, ct_knob_set(&self->knobs, UNEVICTABLE, "0"));
	ASSERT_EQ(0, ct_compact_all(&secs));
	blocks_off = ct_free_blocks(self->order);
	TH_LOG("compact_unevictable_allowed=0: free blocks %ld -> %ld in %.2fs",
	       blocks0, blocks_off, secs);
	bad = ct_verify(&self->region, &bad_page, &bad_word);
	ASSERT_EQ(0UL, bad)
		TH_LOG("%zu mlocked pages corrupted, first: page %zu word %zu",
		       bad, bad_page, bad_word);
	pfns = ct_resident_pfns(&self->region);
	ASSERT_NE(NULL, pfns);
	moved = ct_pfns_moved(pfns0, pfns, n);
	free(pfns);
	EXPECT_EQ(0UL, moved)
		TH_LOG("%zu of %zu mlocked pages moved although not allowed",
		       moved, n);

	/* Allowed to move them: the blocks they pin must come free. */
	ASSERT_EQ(0, ct_knob_set(&self->knobs, UNEVICTABLE, "1"));
	ASSERT_EQ(0, ct_compact_all(&secs));
	blocks_on = ct_free_blocks(self->order);
	TH_LOG("compact_unevictable_allowed=1: free blocks %ld -> %ld in %.2fs",
	       blocks_off, blocks_on, secs);
	bad = ct_verify(&self->region, &bad_page, &bad_word);
	ASSERT_EQ(0UL, bad)
		TH_LOG("%zu mlocked pages corrupted after migration, first: page %zu word %zu",
		       bad, bad_page, bad_word);
	ASSERT_GT(blocks_on, blocks_off);
	pfns = ct_resident_pfns(&self->region);
	ASSERT_NE(NULL, pfns);
	moved = ct_pfns_moved(pfns0, pfns, n);
	free(pfns);
	free(pfns0);
	TH_LOG("%zu of %zu mlocked pages moved", moved, n);
	EXPECT_LT(0UL, moved);

	/* And they must still be locked. */
	ct_vmstat_refresh();
	if (mlocked0 >= 0)
		EXPECT_GE(ct_meminfo_kb("Mlocked") - mlocked0, locked_kb / 10 * 9);

	EXPECT_TRUE(ct_nothing_isolated(&anon, &file))
		TH_LOG("nr_isolated_anon %lld nr_isolated_file %lld", anon, file);
}

/*
 * The check of the original test: with mlocked memory fragmented, asking
 * hugetlb for half of 80% of free memory must yield more than a quarter of
 * that 80%, which is only possible if the locked pages are moved.
 */
TEST_F_TIMEOUT(compaction, hugetlb_yield, 300)
{
	long old_nr, target, got, blocks, hp_kb, usable_kb, index, restored;
	long writes, stalled;
	size_t bad, bad_page = 0, bad_word = 0;
	long long anon, file;
	double t0;

	if (access(NR_HUGEPAGES, F_OK))
		SKIP(return, "no %s: kernel without CONFIG_HUGETLB_PAGE", NR_HUGEPAGES);
	hp_kb = ct_meminfo_kb("Hugepagesize");
	ASSERT_LT(0, hp_kb);
	ASSERT_EQ(0, ct_read_long(NR_HUGEPAGES, &old_nr));

	/* Start from an empty pool so that it does not hide free memory. */
	ASSERT_EQ(0, ct_knob_set(&self->knobs, NR_HUGEPAGES, "0"));
	ASSERT_EQ(0, ct_knob_set(&self->knobs, UNEVICTABLE, "1"));
	usable_kb = ct_meminfo_kb("MemFree") / 10 * 8;
	ASSERT_LT(0, usable_kb);

	ASSERT_EQ(0, ct_fragment(&self->region, usable_kb * 1024UL, 4, 0x5eed0003));
	ASSERT_EQ(0, ct_mlock_resident(&self->region));
	blocks = ct_free_blocks(self->order);

	target = usable_kb / hp_kb / 2;
	t0 = ct_now();
	/*
	 * Earlier cases may leave order-9 compaction deferred in the zone,
	 * and hugetlb stops growing the pool at the first page it cannot
	 * get.  Each refused attempt counts towards the end of the deferral
	 * (at most 64), so ask again, as an admin would, until the pool has
	 * not grown for longer than a deferral lasts.
	 */
	for (got = 0, writes = 0, stalled = 0; got < target && stalled <= 64; writes++) {
		long before = got;

		ASSERT_EQ(0, ct_knob_set_long(&self->knobs, NR_HUGEPAGES, target));
		ASSERT_EQ(0, ct_read_long(NR_HUGEPAGES, &got));
		stalled = got > before ? 0 : stalled + 1;
	}
	TH_LOG("asked for %ld huge pages, got %ld (%.0f%%) in %.2fs and %ld writes",
	       target, got, ct_pct(got, target), ct_now() - t0, writes);
	TH_LOG("%ld free blocks before", blocks);

	ASSERT_LT(0, got)
		TH_LOG("no memory could be had as huge pages");
	index = usable_kb / (got * hp_kb);
	ASSERT_LE(index, 3)
		TH_LOG("less than 1/%ld of memory is available as huge pages", index);
	if (target > blocks)
		EXPECT_GT(got, blocks)
			TH_LOG("no more huge pages than free blocks: nothing was compacted");

	bad = ct_verify(&self->region, &bad_page, &bad_word);
	ASSERT_EQ(0UL, bad)
		TH_LOG("%zu mlocked pages corrupted, first: page %zu word %zu",
		       bad, bad_page, bad_word);

	/* Give the pool back as it was; shrinking it can always be done. */
	ct_unmap(&self->region);
	ASSERT_EQ(0, ct_knob_set_long(&self->knobs, NR_HUGEPAGES, old_nr));
	ASSERT_EQ(0, ct_read_long(NR_HUGEPAGES, &restored));
	if (old_nr <= got)
		EXPECT_EQ(old_nr, restored);

	EXPECT_TRUE(ct_nothing_isolated(&anon, &file))
		TH_LOG("nr_isolated_anon %lld nr_isolated_file %lld", anon, file);
}

/*
 * Reserve @len bytes of address space starting on an @align boundary;
 * the whole mapping, to unmap later, is returned through @raw/@raw_len.
 */
static char *ct_map_aligned(size_t len, size_t align, char **raw, size_t *raw_len)
{
	*raw_len = len + align;
	*raw = mmap(NULL, *raw_len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (*raw == MAP_FAILED) {
		*raw = NULL;
		return NULL;
	}
	return (char *)(((uintptr_t)*raw + align - 1) & ~(uintptr_t)(align - 1));
}

TEST_F_TIMEOUT(compaction, thp_fault_defrag_always, 300)
{
	long long alloc0, stall0, alloc, stall, anon, file;
	long blocks, chunks, i, thp_kb, huge_kb, prev_kb, soaked = 0;
	long hpage_kb = self->hpage / 1024;
	size_t bad, bad_page = 0, bad_word = 0;
	bool exhausted = false;
	int in_a_row = 0, cpu;
	char *soak, *probe;
	cpu_set_t one;

	if (access(THP_ENABLED, F_OK) || access(THP_DEFRAG, F_OK))
		SKIP(return, "no %s: kernel without CONFIG_TRANSPARENT_HUGEPAGE", THP_DIR);
	if (ct_meminfo_kb("AnonHugePages") < 0)
		SKIP(return, "no AnonHugePages in /proc/meminfo");

	/*
	 * THP faults look on the local node first, and without direct
	 * reclaim only there: stay on one CPU so that the fragmented
	 * memory, the used-up blocks and the final faults share a node.
	 */
	cpu = sched_getcpu();
	ASSERT_LE(0, cpu);
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));

	ASSERT_EQ(0, ct_knob_set(&self->knobs, THP_ENABLED, "always"));
	ASSERT_EQ(0, ct_knob_set(&self->knobs, THP_DEFRAG, "never"));
	ASSERT_EQ(0, ct_fragment(&self->region, self->memfree_kb * 1024UL / 10 * 4,
				 4, 0x5eed0004));

	/*
	 * Use up the free huge-page sized blocks that remain by faulting THPs
	 * under defrag=never, which never compacts: each fault either takes
	 * a free block (AnonHugePages grows) or falls back to a small page.
	 * Once several faults in a row fall back, no free block is left and
	 * only compaction can provide the next huge page.
	 */
	blocks = ct_free_blocks(self->order);
	chunks = 2 * blocks + 32;
	soak = ct_map_aligned(chunks * self->hpage, self->hpage,
			      &self->extra, &self->extra_len);
	ASSERT_NE(NULL, soak);
	madvise(soak, chunks * self->hpage, MADV_HUGEPAGE);
	prev_kb = ct_meminfo_kb("AnonHugePages");
	for (i = 0; i < chunks; i++) {
		soak[i * self->hpage] = 1;
		huge_kb = ct_meminfo_kb("AnonHugePages");
		if (huge_kb - prev_kb >= hpage_kb) {
			in_a_row = 0;
			soaked++;
		} else if (++in_a_row >= 3) {
			exhausted = true;
			break;
		}
		prev_kb = huge_kb;
	}
	/* Keep khugepaged's own (compacting) collapses away from the soak. */
	madvise(soak, chunks * self->hpage, MADV_NOHUGEPAGE);
	TH_LOG("%ld free blocks; %ld taken as THPs before faults fell back; %ld left on all nodes",
	       blocks, soaked, ct_free_blocks(self->order));
	ASSERT_TRUE(exhausted)
		TH_LOG("THP faults with defrag=never never fell back: free blocks keep appearing");

	ASSERT_EQ(0, ct_knob_set(&self->knobs, THP_DEFRAG, "always"));
	alloc0 = ct_vmstat("thp_fault_alloc");
	stall0 = ct_vmstat("compact_stall");

	probe = ct_map_aligned(4 * self->hpage, self->hpage,
			       &self->probe, &self->probe_len);
	ASSERT_NE(NULL, probe);
	madvise(probe, 4 * self->hpage, MADV_HUGEPAGE);
	for (i = 0; i < 4; i++)
		probe[i * self->hpage] = 1;

	thp_kb = ct_anon_huge_kb(probe);
	alloc = ct_vmstat("thp_fault_alloc");
	stall = ct_vmstat("compact_stall");
	TH_LOG("defrag=always: 4 faults got %ld kB of THP; thp_fault_alloc %s, compact_stall %s",
	       thp_kb, ct_delta(alloc0, alloc).text, ct_delta(stall0, stall).text);

	/* No free block was left: any THP here was made by compaction. */
	ASSERT_GE(thp_kb, hpage_kb)
		TH_LOG("no THP could be faulted in with defrag=always");
	if (stall0 >= 0 && stall >= 0)
		EXPECT_GT(stall, stall0)
			TH_LOG("THP obtained without entering direct compaction");

	bad = ct_verify(&self->region, &bad_page, &bad_word);
	ASSERT_EQ(0UL, bad)
		TH_LOG("%zu pages corrupted, first: page %zu word %zu", bad,
		       bad_page, bad_word);

	EXPECT_TRUE(ct_nothing_isolated(&anon, &file))
		TH_LOG("nr_isolated_anon %lld nr_isolated_file %lld", anon, file);
}

/*
 * A machine with nearly all of its memory mlocked while
 * compact_unevictable_allowed is 0: 95% of free memory is made resident,
 * one page in ten dropped again and the rest locked, so the pageblocks
 * the region got hold locked pages with small holes between them.  Every
 * kind of compaction must still finish, move none of the locked pages,
 * change no byte and leave nothing isolated; the allocations that ask for
 * it must fail cleanly instead (a THP fault falls back to small pages,
 * hugetlb stops growing its pool), and nothing may be OOM-killed.
 */
TEST_F_TIMEOUT(compaction, nearly_all_memory_mlocked, 300)
{
	long mlocked0, mlocked, locked_kb, blocks0, blocks, thp_kb, target, got = -1;
	long long oom0, oom, stall0, stall, anon, file;
	size_t bad, bad_page = 0, bad_word = 0, moved, n, i;
	const size_t thp_chunks = 8;
	uint64_t *pfns0, *pfns;
	double secs, t0;
	char *thp;

	ASSERT_EQ(0, ct_knob_set(&self->knobs, UNEVICTABLE, "0"));
	ct_vmstat_refresh();
	mlocked0 = ct_meminfo_kb("Mlocked");
	oom0 = ct_vmstat("oom_kill");
	ASSERT_EQ(0, ct_make_region(&self->region,
				    self->memfree_kb * 1024UL / 100 * 95, 10,
				    true, 0x5eed000a));
	ASSERT_EQ(0, ct_mlock_resident(&self->region));
	n = ct_nr_resident(&self->region);
	locked_kb = n * (self->region.page / 1024);
	ct_vmstat_refresh();
	mlocked = ct_meminfo_kb("Mlocked");
	TH_LOG("Mlocked %ld kB -> %ld kB: %ld kB resident in the region, %.0f%% of MemFree %ld kB",
	       mlocked0, mlocked, locked_kb,
	       ct_pct(locked_kb, self->memfree_kb), self->memfree_kb);
	ASSERT_GE(locked_kb, self->memfree_kb / 10 * 8);
	if (mlocked0 >= 0)
		ASSERT_GE(mlocked - mlocked0, locked_kb / 10 * 9);
	pfns0 = ct_resident_pfns(&self->region);
	ASSERT_NE(NULL, pfns0)
		TH_LOG("/proc/self/pagemap shows no PFNs");
	stall0 = ct_vmstat("compact_stall");

	/* Manual compaction of every node. */
	blocks0 = ct_free_blocks(self->order);
	ASSERT_EQ(0, ct_compact_all(&secs));
	blocks = ct_free_blocks(self->order);
	TH_LOG("compact_memory: free blocks %ld -> %ld in %.2fs",
	       blocks0, blocks, secs);

	/*
	 * Direct compaction for hugetlb: the pool grows as far as it can,
	 * and holds on to the free blocks while the THP faults below run.
	 * It asks for half of what is free, more than the free blocks hold
	 * unless locked pages were moved, and never so much that the small
	 * pages the THP faults fall back to could not be had.
	 */
	if (!access(NR_HUGEPAGES, F_OK)) {
		blocks = ct_free_blocks(self->order);
		target = ct_meminfo_kb("MemFree") / 2 / (long)(self->hpage / 1024);
		t0 = ct_now();
		ASSERT_EQ(0, ct_knob_set(&self->knobs, NR_HUGEPAGES, "0"));
		ASSERT_EQ(0, ct_knob_set_long(&self->knobs, NR_HUGEPAGES, target));
		ASSERT_EQ(0, ct_read_long(NR_HUGEPAGES, &got));
		TH_LOG("nr_hugepages: asked for %ld, got %ld in %.2fs (%ld free blocks before)",
		       target, got, ct_now() - t0, blocks);
	}

	/* Direct compaction on THP faults: each may fall back, none may fail. */
	if (!access(THP_ENABLED, F_OK) && !access(THP_DEFRAG, F_OK)) {
		ASSERT_EQ(0, ct_knob_set(&self->knobs, THP_ENABLED, "always"));
		ASSERT_EQ(0, ct_knob_set(&self->knobs, THP_DEFRAG, "always"));
		thp = ct_map_aligned(thp_chunks * self->hpage, self->hpage,
				     &self->probe, &self->probe_len);
		ASSERT_NE(NULL, thp);
		madvise(thp, thp_chunks * self->hpage, MADV_HUGEPAGE);
		t0 = ct_now();
		for (i = 0; i < thp_chunks * self->hpage; i += self->region.page)
			thp[i] = (char)(i / self->region.page);
		secs = ct_now() - t0;
		for (i = 0; i < thp_chunks * self->hpage; i += self->region.page)
			ASSERT_EQ((char)(i / self->region.page), thp[i]);
		thp_kb = ct_anon_huge_kb(thp);
		TH_LOG("THP faults, defrag=always: %zu MiB in %.2fs, %ld kB THP, %ld free blocks",
		       thp_chunks * self->hpage >> 20, secs, thp_kb,
		       ct_free_blocks(self->order));
		munmap(self->probe, self->probe_len);
		self->probe = NULL;
	}

	if (got > 0)
		ASSERT_EQ(0, ct_write(NR_HUGEPAGES, "0"));

	stall = ct_vmstat("compact_stall");
	TH_LOG("compact_stall %s", ct_delta(stall0, stall).text);

	bad = ct_verify(&self->region, &bad_page, &bad_word);
	ASSERT_EQ(0UL, bad)
		TH_LOG("%zu mlocked pages corrupted, first: page %zu word %zu",
		       bad, bad_page, bad_word);
	pfns = ct_resident_pfns(&self->region);
	ASSERT_NE(NULL, pfns);
	moved = ct_pfns_moved(pfns0, pfns, n);
	free(pfns);
	free(pfns0);
	EXPECT_EQ(0UL, moved)
		TH_LOG("%zu of %zu mlocked pages moved although not allowed",
		       moved, n);

	oom = ct_vmstat("oom_kill");
	if (oom0 >= 0)
		EXPECT_EQ(oom0, oom)
			TH_LOG("%lld OOM kills while compaction could not help",
			       oom - oom0);
	ct_vmstat_refresh();
	if (mlocked0 >= 0)
		EXPECT_GE(ct_meminfo_kb("Mlocked") - mlocked0, locked_kb / 10 * 9);
	EXPECT_TRUE(ct_nothing_isolated(&anon, &file))
		TH_LOG("nr_isolated_anon %lld nr_isolated_file %lld", anon, file);
}

/* kcompactd's counters, and kswapd's scanning, at one moment. */
struct ct_daemon {
	long long mig, free, wake, kswapd;
};

static void ct_daemon_read(struct ct_daemon *d)
{
	ct_vmstat_refresh();
	d->mig = ct_vmstat("compact_daemon_migrate_scanned");
	d->free = ct_vmstat("compact_daemon_free_scanned");
	d->wake = ct_vmstat("compact_daemon_wake");
	d->kswapd = ct_vmstat("pgscan_kswapd");
}

/* Windows to wait for one without a reactive run; each is 3 s long. */
#define CT_QUIET_TRIES	6

/*
 * Proactiveness 0 means no proactive work at all: on a fragmented but
 * otherwise idle machine kcompactd's scanners stand still.  Reactive work
 * is still allowed: kswapd may ask kcompactd for an order, and each run
 * that starts counts in compact_daemon_wake.  So the scanners are judged
 * over a window in which kcompactd was not woken and kswapd did not scan,
 * during it or the window before (a run woken just before may book its
 * pages in it).  A machine that gives no such window in CT_QUIET_TRIES
 * keeps waking kcompactd on its own, and that fails too.
 */
TEST_F_TIMEOUT(compaction, proactiveness_zero_does_no_work, 120)
{
	struct ct_daemon before, start, end;
	size_t bad_page = 0, bad_word = 0;
	int tries;

	if (access(PROACTIVENESS, F_OK))
		SKIP(return, "no %s", PROACTIVENESS);
	if (ct_vmstat("compact_daemon_wake") < 0)
		SKIP(return, "no compact_daemon_* counters in /proc/vmstat");

	/* The fixture already set proactiveness 0. */
	ASSERT_EQ(0, ct_fragment(&self->region, self->memfree_kb * 1024UL / 2,
				 8, 0x5eed0006));
	ct_daemon_read(&before);
	/* Six of kcompactd's 500 ms proactive checks per window. */
	sleep(3);
	ct_daemon_read(&start);
	for (tries = 1; tries <= CT_QUIET_TRIES; tries++) {
		sleep(3);
		ct_daemon_read(&end);
		if (end.wake == before.wake && end.kswapd == before.kswapd)
			break;
		before = start;
		start = end;
	}
	ASSERT_LE(tries, CT_QUIET_TRIES)
		TH_LOG("kcompactd woken or kswapd scanning in every window, the last: +%lld, +%lld",
		       end.wake - before.wake, end.kswapd - before.kswapd);
	TH_LOG("quiet window %d: compact_daemon_{migrate,free}_scanned +%lld, +%lld",
	       tries, end.mig - start.mig, end.free - start.free);
	EXPECT_EQ(start.mig, end.mig);
	EXPECT_EQ(start.free, end.free);
	ASSERT_EQ(0UL, ct_verify(&self->region, &bad_page, &bad_word));
}

/*
 * kcompactd checks proactively every 500 ms; after a round that could
 * not lower the score ours waits 64 checks (32 s) before the next.
 */
#define CT_CHECK_MS		500
#define CT_BACKOFF_CHECKS	64

/* Sleep until ct_now() reaches @when. */
static void ct_sleep_until(double when)
{
	double left = when - ct_now();
	struct timespec ts;

	if (left <= 0)
		return;
	ts.tv_sec = (time_t)left;
	ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * Wait, up to CT_HANG_S seconds from @t0, for /proc/vmstat's @key to pass
 * @since.  Returns its last value.
 */
static long long ct_wait_counter(const char *key, long long since, double t0)
{
	long long val = ct_vmstat(key);

	while (val >= 0 && val <= since && ct_now() - t0 < CT_HANG_S) {
		usleep(250 * 1000);
		val = ct_vmstat(key);
	}
	return val;
}

/*
 * With proactiveness 0 kcompactd sleeps without a timer once the timed
 * sleep it was in has run out (at most CT_BACKOFF_CHECKS intervals).  From
 * then on only a wakeup starts it, so raising proactiveness must be that
 * wakeup: pages get isolated, free blocks come back, and the data
 * survives.  Work at all proves the write woke it, as long as kswapd made
 * no request meanwhile (compact_daemon_wake counts those).  How soon the
 * work starts is not judged: no test times the kernel.
 */
TEST_F_TIMEOUT(compaction, raising_proactiveness_wakes_kcompactd, 300)
{
	long long scanned0, iso0, ticks0, wake0, scanned = -1, prev = -1, iso = -1;
	long long ticks, wake, anon, file;
	long blocks0, blocks = 0, min_gain;
	size_t bad, bad_page = 0, bad_word = 0;
	double t0 = ct_now(), started = -1, waited;
	bool worked = false;

	if (access(PROACTIVENESS, F_OK))
		SKIP(return, "no %s", PROACTIVENESS);
	if (ct_vmstat("compact_isolated") < 0)
		SKIP(return, "no compact_isolated in /proc/vmstat");

	/* One page in eight stays: a high fragmentation score. */
	ASSERT_EQ(0, ct_fragment(&self->region, self->memfree_kb * 1024UL / 2,
				 8, 0x5eed0005));
	/* Well above what pages still on per-cpu lists could add by merging. */
	min_gain = self->region.len / self->hpage / 20;
	if (min_gain < 8)
		min_gain = 8;

	/* The fixture set proactiveness 0 just before t0: outwait any timer. */
	ct_sleep_until(t0 + (CT_BACKOFF_CHECKS + 4) * CT_CHECK_MS / 1000.0);
	ct_vmstat_refresh();
	blocks0 = ct_free_blocks(self->order);
	scanned0 = ct_vmstat("compact_daemon_migrate_scanned");
	iso0 = ct_vmstat("compact_isolated");
	wake0 = ct_vmstat("compact_daemon_wake");
	ticks0 = ct_kcompactd_ticks();

	ASSERT_EQ(0, ct_knob_set(&self->knobs, PROACTIVENESS, "100"));
	t0 = ct_now();
	while (ct_now() - t0 < CT_HANG_S) {
		usleep(100 * 1000);
		iso = ct_vmstat("compact_isolated");
		if (started < 0 && iso > iso0)
			started = ct_now() - t0;
		scanned = ct_vmstat("compact_daemon_migrate_scanned");
		blocks = ct_free_blocks(self->order);
		worked = started >= 0 || blocks - blocks0 >= min_gain;
		/* Done once blocks came back, or once kcompactd went quiet again. */
		if (blocks - blocks0 >= min_gain || (worked && scanned == prev))
			break;
		prev = scanned;
	}
	waited = ct_now() - t0;
	ticks = ct_kcompactd_ticks();
	wake = ct_vmstat("compact_daemon_wake");
	TH_LOG("first isolation %.2fs after the write (for the log only)", started);
	TH_LOG("after %.1fs: free blocks %ld -> %ld (need +%ld)",
	       waited, blocks0, blocks, min_gain);
	TH_LOG("compact_isolated %s, compact_daemon_migrate_scanned %s, kcompactd CPU %s ticks",
	       ct_delta(iso0, iso).text, ct_delta(scanned0, scanned).text,
	       ct_delta(ticks0, ticks).text);
	ASSERT_TRUE(worked)
		TH_LOG("kcompactd did no proactive work in %ds: the write did not wake it",
		       CT_HANG_S);
	if (wake0 >= 0)
		EXPECT_EQ(wake0, wake)
			TH_LOG("kswapd woke kcompactd too: the work is not the write's alone");

	/* kcompactd may still be moving pages: the data must not care. */
	bad = ct_verify(&self->region, &bad_page, &bad_word);
	ASSERT_EQ(0UL, bad)
		TH_LOG("%zu pages corrupted, first: page %zu word %zu", bad,
		       bad_page, bad_word);

	ASSERT_EQ(0, ct_knob_set(&self->knobs, PROACTIVENESS, "0"));
	EXPECT_TRUE(ct_nothing_isolated(&anon, &file))
		TH_LOG("nr_isolated_anon %lld nr_isolated_file %lld", anon, file);
}

/*
 * Proactiveness 20: compaction starts above score 90 and stops at 80
 * (low = max(100 - p, 5), high = min(low + 10, 100)).
 */
#define CT_P20_LOW	80
#define CT_P20_HIGH	90

/*
 * Take every free huge-page sized block into the hugetlb pool, so that the
 * free memory left is the fragmented kind and the score gets close to 100.
 * The pool goes back to its old size in the fixture teardown.
 */
static int ct_absorb_free_blocks(struct ct_knobs *knobs, int order)
{
	long old_nr;
	int err;

	err = ct_read_long(NR_HUGEPAGES, &old_nr);
	if (err)
		return err;
	return ct_knob_set_long(knobs, NR_HUGEPAGES,
				old_nr + ct_free_blocks(order));
}

/*
 * The default proactiveness on a fragmented, otherwise idle guest: the
 * node's score must come down below the low watermark, by kcompactd's own
 * scanning, without a reactive wake being counted.  Getting above the
 * high watermark of 90 takes almost all free memory fragmented, so the
 * free blocks that remain go into the hugetlb pool.  How long kcompactd
 * takes is not judged; it has CT_HANG_S seconds before it counts as hung
 * or stuck above the watermark.
 */
TEST_F_TIMEOUT(compaction, proactive_score_reaches_low_watermark, 300)
{
	long long mig0, free0, wake0, kswapd0, mig, free, wake, kswapd;
	long long anon, file;
	size_t bad, bad_page = 0, bad_word = 0;
	int score0, score;
	double t0, waited;

	if (access(PROACTIVENESS, F_OK))
		SKIP(return, "no %s", PROACTIVENESS);
	if (ct_vmstat("compact_daemon_migrate_scanned") < 0)
		SKIP(return, "no compact_daemon_* counters in /proc/vmstat");
	if (access(NR_HUGEPAGES, F_OK))
		SKIP(return, "no %s to hold the unfragmented rest", NR_HUGEPAGES);

	ASSERT_EQ(0, ct_fragment(&self->region, self->memfree_kb * 1024UL / 2,
				 8, 0x5eed0007));
	ASSERT_EQ(0, ct_absorb_free_blocks(&self->knobs, self->order));
	score0 = ct_frag_score(0, self->order);
	ASSERT_LT(CT_P20_HIGH, score0)
		TH_LOG("the recipe left node 0 at score %d, not above %d",
		       score0, CT_P20_HIGH);
	ct_vmstat_refresh();
	mig0 = ct_vmstat("compact_daemon_migrate_scanned");
	free0 = ct_vmstat("compact_daemon_free_scanned");
	wake0 = ct_vmstat("compact_daemon_wake");
	kswapd0 = ct_vmstat("pgscan_kswapd");

	ASSERT_EQ(0, ct_knob_set(&self->knobs, PROACTIVENESS, "20"));
	t0 = ct_now();
	do {
		usleep(250 * 1000);
		score = ct_frag_score(0, self->order);
	} while (score >= CT_P20_LOW && ct_now() - t0 < CT_HANG_S);
	waited = ct_now() - t0;

	/* The scanned counters are booked when a zone's run ends. */
	mig = ct_wait_counter("compact_daemon_migrate_scanned", mig0, t0);
	free = ct_wait_counter("compact_daemon_free_scanned", free0, t0);
	wake = ct_vmstat("compact_daemon_wake");
	kswapd = ct_vmstat("pgscan_kswapd");
	TH_LOG("score %d -> %d after %.1fs, for the log only (low watermark %d)",
	       score0, score, waited, CT_P20_LOW);
	TH_LOG("compact_daemon_{migrate,free}_scanned +%lld, +%lld",
	       mig - mig0, free - free0);
	TH_LOG("compact_daemon_wake +%lld, pgscan_kswapd +%lld",
	       wake - wake0, kswapd - kswapd0);

	EXPECT_LT(score, CT_P20_LOW)
		TH_LOG("still at score %d after %ds", score, CT_HANG_S);
	EXPECT_GT(mig, mig0);
	EXPECT_GT(free, free0);
	/* Only kswapd's requests count as wakes, and it had none to make. */
	if (kswapd != kswapd0)
		TH_LOG("kswapd scanned: compact_daemon_wake not judged");
	if (kswapd == kswapd0)
		EXPECT_EQ(wake0, wake);

	bad = ct_verify(&self->region, &bad_page, &bad_word);
	ASSERT_EQ(0UL, bad)
		TH_LOG("%zu pages corrupted, first: page %zu word %zu", bad,
		       bad_page, bad_word);
	ASSERT_EQ(0, ct_knob_set(&self->knobs, PROACTIVENESS, "0"));
	EXPECT_TRUE(ct_nothing_isolated(&anon, &file))
		TH_LOG("nr_isolated_anon %lld nr_isolated_file %lld", anon, file);
}

/* Present pages of node @nid, from /proc/zoneinfo; -1 if unreadable. */
static long ct_node_present(int nid)
{
	char line[256], name[32];
	long total = -1, present;
	int node = -1;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %31s", &node, name) == 2)
			continue;
		if (node == nid && sscanf(line, " present %ld", &present) == 1)
			total = (total < 0 ? 0 : total) + present;
	}
	fclose(f);
	return total;
}

/*
 * Nothing can move: the fragmenting pages are mlocked and
 * compact_unevictable_allowed is 0.  The score stays high, so kcompactd
 * keeps finding work it cannot do; it must back off instead of spinning,
 * even at the most eager proactiveness of 100 (compaction starts above
 * score 15).  Over 60 seconds it may scan the node at most 4 times: a
 * round that cannot lower the score is followed by 32 s without one, so
 * there are two rounds, each scanning the node once or, with a second
 * pass over dense blocks, twice; without the back-off there would be a
 * round every 500 ms.
 *
 * This counts work in a window of guest time, and bounds it from above
 * only: a slow host runs fewer rounds, never more, so host speed cannot
 * fail it.  kcompactd's CPU time is logged, not judged: under TCG it
 * measures the host.  That it looked at all is awaited with a hang bound,
 * since its counters are booked only when a zone's round ends.
 */
TEST_F_TIMEOUT(compaction, stuck_kcompactd_backs_off, 300)
{
	long long mig0, ticks0, mig, ticks, present = ct_node_present(0);
	size_t bad, bad_page = 0, bad_word = 0;
	int score0, score;
	double t0;

	if (access(PROACTIVENESS, F_OK) || access(UNEVICTABLE, F_OK))
		SKIP(return, "no %s or %s", PROACTIVENESS, UNEVICTABLE);
	if (ct_kcompactd_ticks() < 0)
		SKIP(return, "no kcompactd thread");

	ASSERT_EQ(0, ct_knob_set(&self->knobs, UNEVICTABLE, "0"));
	ASSERT_EQ(0, ct_fragment(&self->region, self->memfree_kb * 1024UL / 10 * 8,
				 4, 0x5eed0008));
	ASSERT_EQ(0, ct_mlock_resident(&self->region));
	score0 = ct_frag_score(0, self->order);
	ASSERT_LT(15, score0)
		TH_LOG("the recipe left node 0 at score %d, not above 15",
		       score0);
	mig0 = ct_vmstat("compact_daemon_migrate_scanned");
	ticks0 = ct_kcompactd_ticks();

	ASSERT_EQ(0, ct_knob_set(&self->knobs, PROACTIVENESS, "100"));
	t0 = ct_now();
	sleep(60);
	mig = ct_vmstat("compact_daemon_migrate_scanned");
	ticks = ct_kcompactd_ticks();
	score = ct_frag_score(0, self->order);
	TH_LOG("score %d -> %d; kcompactd %lld ticks in 60s (for the log only)",
	       score0, score, ticks - ticks0);
	TH_LOG("compact_daemon_migrate_scanned %s", ct_delta(mig0, mig).text);

	if (mig0 >= 0) {
		if (present > 0)
			EXPECT_LE(mig - mig0, 4 * present)
				TH_LOG("%.1f scans of node 0 in 60s",
				       (double)(mig - mig0) / present);
		/* It did look: otherwise this proves nothing about backing off. */
		EXPECT_LT(mig0, ct_wait_counter("compact_daemon_migrate_scanned",
						mig0, t0))
			TH_LOG("kcompactd never scanned in %ds at proactiveness 100",
			       CT_HANG_S);
	}

	bad = ct_verify(&self->region, &bad_page, &bad_word);
	ASSERT_EQ(0UL, bad)
		TH_LOG("%zu mlocked pages corrupted, first: page %zu word %zu",
		       bad, bad_page, bad_word);
	ASSERT_EQ(0, ct_knob_set(&self->knobs, PROACTIVENESS, "0"));
}

/* Does /proc/kallsyms list a symbol named @name? */
static bool ct_kallsyms_has(const char *name)
{
	char line[512], sym[256];
	bool found = false;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %*s %255s", sym) == 1 && !strcmp(sym, name);
	fclose(f);
	return found;
}

/*
 * Is this kernel running our compaction?  Only ours makes DEBUGFS_DIR,
 * and its sysctl handlers have names of their own (upstream's are
 * sysctl_compaction_handler and compaction_proactiveness_sysctl_handler),
 * which /proc/kallsyms lists even when debugfs is not mounted.  On ours
 * the debugfs view is part of what is tested: its absence is a failure,
 * not a reason to skip, unless the kernel has no debugfs at all.
 */
static bool ct_our_compaction(void)
{
	return !access(DEBUGFS_DIR, F_OK) ||
	       ct_kallsyms_has("compact_memory_sysctl") ||
	       ct_kallsyms_has("proactiveness_sysctl");
}

/*
 * Pages the page free path handed straight to direct compactors, summed
 * over the "captured" lines of DEBUGFS_ZONES; -1 where there are none
 * (other kernels, or no debugfs).
 */
static long ct_dbg_captured(void)
{
	char line[256];
	long total = -1, n;
	FILE *f = fopen(DEBUGFS_ZONES, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " captured %ld", &n) == 1)
			total = (total < 0 ? 0 : total) + n;
	fclose(f);
	return total;
}

/*
 * Capture end to end: growing the hugetlb pool one page at a time on
 * fragmented memory makes the writing task compact directly, and some of
 * the huge pages it needs must reach it through capture, the moment the
 * last page of a block is freed in its own context, rather than through a
 * later search of the free lists that another task could beat it to.
 * kcompactd, woken through kswapd, may build some blocks first (kthreads
 * never capture), and an earlier test may have left the zone deferred, so
 * a run of failed grows is waited out rather than taken as the end.
 */
#define CT_GROW_GIVE_UP	40	/* failures in a row: past any deferral */

TEST_F_TIMEOUT(compaction, direct_compaction_captures_pages, 300)
{
	long nr, grown, got = 0, failed = 0, captured0, captured, usable_kb, hp_kb;
	long long stall0, stall;
	size_t bad, bad_page = 0, bad_word = 0;

	if (access(NR_HUGEPAGES, F_OK))
		SKIP(return, "no %s: kernel without CONFIG_HUGETLB_PAGE", NR_HUGEPAGES);
	if (!ct_our_compaction())
		SKIP(return, "not our compaction: no capture counts to read");
	if (access(DEBUGFS_ROOT, F_OK))
		SKIP(return, "kernel without debugfs: no capture counts to read");
	ASSERT_LE(0, ct_dbg_captured())
		TH_LOG("our compaction, but no captured counts in %s", DEBUGFS_ZONES);
	hp_kb = ct_meminfo_kb("Hugepagesize");
	ASSERT_LT(0, hp_kb);
	ASSERT_EQ(0, ct_knob_set(&self->knobs, NR_HUGEPAGES, "0"));
	usable_kb = ct_meminfo_kb("MemFree") / 10 * 7;
	ASSERT_EQ(0, ct_fragment(&self->region, usable_kb * 1024UL, 4, 0x5eed000c));

	/* Empty the free blocks first, so that every later page needs work. */
	ASSERT_EQ(0, ct_absorb_free_blocks(&self->knobs, self->order));
	ASSERT_EQ(0, ct_read_long(NR_HUGEPAGES, &nr));
	captured0 = ct_dbg_captured();
	stall0 = ct_vmstat("compact_stall");
	while (got < usable_kb / hp_kb / 4 && failed < CT_GROW_GIVE_UP) {
		ASSERT_EQ(0, ct_knob_set_long(&self->knobs, NR_HUGEPAGES, nr + 1));
		ASSERT_EQ(0, ct_read_long(NR_HUGEPAGES, &grown));
		if (grown > nr)
			got++;
		failed = grown > nr ? 0 : failed + 1;
		nr = grown;
	}
	captured = ct_dbg_captured();
	stall = ct_vmstat("compact_stall");
	TH_LOG("%ld huge pages grown one by one: %ld captured, compact_stall %s",
	       got, captured - captured0, ct_delta(stall0, stall).text);

	ASSERT_LT(0, got)
		TH_LOG("the pool never grew on fragmented memory");
	if (stall0 >= 0)
		ASSERT_LT(stall0, stall)
			TH_LOG("no direct compaction happened");
	EXPECT_LT(captured0, captured)
		TH_LOG("no page was ever captured for the allocating task");
	bad = ct_verify(&self->region, &bad_page, &bad_word);
	ASSERT_EQ(0UL, bad)
		TH_LOG("%zu pages corrupted, first: page %zu word %zu", bad,
		       bad_page, bad_word);
}

/* Free memory of node @nid in whole blocks of @order; -1 if unreadable. */
static long ct_node_free_blocks(int nid, int order)
{
	struct ct_zone_frag z[CT_MAX_ZONES];
	long blocks = 0;
	int n, i;

	n = ct_read_buddyinfo(nid, order, z);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++)
		blocks += (z[i].free - z[i].unusable) >> order;
	return blocks;
}

/* "Node N MemFree: X kB" of the node's meminfo; -1 if unreadable. */
static long ct_node_memfree_kb(int nid)
{
	char path[128], line[256];
	long kb = -1, v;
	int node;
	FILE *f;

	snprintf(path, sizeof(path), NODE_DIR "node%d/meminfo", nid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Node %d MemFree: %ld kB", &node, &v) == 2)
			kb = v;
	fclose(f);
	return kb;
}

/* Fragment about half of node @nid's free memory into @r, bound there. */
static int ct_fragment_on_node(struct ct_region *r, int nid, uint64_t seed)
{
	unsigned long mask = 1UL << nid;
	long kb = ct_node_memfree_kb(nid);
	int err;

	if (kb <= 0)
		return -ENOENT;
	if (syscall(__NR_set_mempolicy, MPOL_BIND, &mask, 8 * sizeof(mask)))
		return -errno;
	err = ct_fragment(r, kb * 1024UL / 2, 4, seed);
	syscall(__NR_set_mempolicy, MPOL_DEFAULT, NULL, 0);
	return err;
}

/* Resident pages of @r not on node @nid, asked of move_pages(2). */
static long ct_pages_off_node(const struct ct_region *r, int nid)
{
	size_t i, n = ct_nr_resident(r);
	void **pages = calloc(n, sizeof(*pages));
	int *status = calloc(n, sizeof(*status));
	long off = -1;

	if (pages && status) {
		for (i = 0; i < n; i++)
			pages[i] = r->base + ct_resident(r, i) * r->page;
		if (!syscall(__NR_move_pages, 0, n, pages, NULL, status, 0))
			for (off = 0, i = 0; i < n; i++)
				off += status[i] != nid;
	}
	free(pages);
	free(status);
	return off;
}

/*
 * Compact node @nid through its sysfs file, and check that it moved pages
 * of its own (@mine) and none of @theirs, which live on the other node.
 */
static void ct_compact_one_node(struct __test_metadata *_metadata, int nid,
				const struct ct_region *mine,
				const struct ct_region *theirs, int order)
{
	char path[128];
	uint64_t *mine0, *theirs0, *now;
	long blocks0, blocks;
	size_t moved;

	snprintf(path, sizeof(path), NODE_DIR "node%d/compact", nid);
	mine0 = ct_resident_pfns(mine);
	theirs0 = ct_resident_pfns(theirs);
	ASSERT_NE(NULL, mine0);
	ASSERT_NE(NULL, theirs0);
	blocks0 = ct_node_free_blocks(nid, order);
	ASSERT_EQ(0, ct_write(path, "1"));
	blocks = ct_node_free_blocks(nid, order);

	now = ct_resident_pfns(theirs);
	ASSERT_NE(NULL, now);
	moved = ct_pfns_moved(theirs0, now, ct_nr_resident(theirs));
	free(now);
	EXPECT_EQ(0UL, moved)
		TH_LOG("node%d/compact moved %zu pages of the other node", nid, moved);
	now = ct_resident_pfns(mine);
	ASSERT_NE(NULL, now);
	moved = ct_pfns_moved(mine0, now, ct_nr_resident(mine));
	free(now);
	TH_LOG("node%d/compact: %zu of its %zu pages moved, free blocks %ld -> %ld",
	       nid, moved, ct_nr_resident(mine), blocks0, blocks);
	EXPECT_LT(0UL, moved);
	EXPECT_LT(blocks0, blocks);
	EXPECT_EQ(0, ct_pages_off_node(mine, nid));
	free(mine0);
	free(theirs0);
}

/*
 * On a guest with two memory nodes, writing nodeN/compact compacts node N
 * and nothing else: every page of the other node stays at its PFN, and
 * each node's pages stay on it.  Run by the NUMA boot of make test.
 */
TEST_F_TIMEOUT(compaction, node_compact_moves_only_that_node, 300)
{
	size_t bad, bad_page = 0, bad_word = 0;
	long long anon, file;

	if (access(NODE_DIR "node1/compact", F_OK) || ct_node_present(1) <= 0)
		SKIP(return, "needs a second node with memory");
	ASSERT_EQ(0, ct_fragment_on_node(&self->region, 0, 0x5eed000d));
	ASSERT_EQ(0, ct_fragment_on_node(&self->other, 1, 0x5eed000e));
	ASSERT_EQ(0, ct_pages_off_node(&self->region, 0));
	ASSERT_EQ(0, ct_pages_off_node(&self->other, 1));

	ct_compact_one_node(_metadata, 0, &self->region, &self->other, self->order);
	ct_compact_one_node(_metadata, 1, &self->other, &self->region, self->order);

	bad = ct_verify(&self->region, &bad_page, &bad_word);
	EXPECT_EQ(0UL, bad)
		TH_LOG("%zu node 0 pages corrupted, first: page %zu word %zu",
		       bad, bad_page, bad_word);
	bad = ct_verify(&self->other, &bad_page, &bad_word);
	EXPECT_EQ(0UL, bad)
		TH_LOG("%zu node 1 pages corrupted, first: page %zu word %zu",
		       bad, bad_page, bad_word);
	EXPECT_TRUE(ct_nothing_isolated(&anon, &file))
		TH_LOG("nr_isolated_anon %lld nr_isolated_file %lld", anon, file);
}

/* ------------------------------------------------------------------ */
/* The debugfs view of our compaction (absent on other kernels).      */

/* One zone block of DEBUGFS_ZONES, as parsed. */
struct ct_dbg_zone {
	char name[16];
	unsigned long start, end;
	unsigned long mig_async, mig_sync, free_pfn;
	unsigned int considered, defer_shift;
	int order_failed;
	unsigned long skip, blocks;
	unsigned int score, weighted;
	char result[32], mode[16];
	int order;
	unsigned long counts[4];	/* migrate_scanned free_scanned isolated migrated */
	long captured;
	unsigned int keys;		/* one bit per line seen */
};

static const char *const ct_results[] = {
	"not_suitable_zone", "skipped", "deferred", "no_suitable_page",
	"continue", "complete", "partial_skipped", "contended", "success",
};

static bool ct_known(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return true;
	return false;
}

/* Parse one line into the zone being read.  Returns false on a bad line. */
static bool ct_dbg_line(struct ct_dbg_zone *z, const char *l)
{
	unsigned long *c = z->counts;

	if (sscanf(l, " pfn_range %lu-%lu", &z->start, &z->end) == 2)
		z->keys |= 1;
	else if (sscanf(l, " cached_pfn migrate_async %lu migrate_sync %lu free %lu",
			&z->mig_async, &z->mig_sync, &z->free_pfn) == 3)
		z->keys |= 2;
	else if (sscanf(l, " deferral considered %u defer_shift %u order_failed %d",
			&z->considered, &z->defer_shift, &z->order_failed) == 3)
		z->keys |= 4;
	else if (sscanf(l, " skip_blocks %lu of %lu", &z->skip, &z->blocks) == 2)
		z->keys |= 8;
	else if (sscanf(l, " frag_score %u weighted %u", &z->score, &z->weighted) == 2)
		z->keys |= 16;
	else if (sscanf(l, " last_run result %31s order %d mode %15s",
			z->result, &z->order, z->mode) == 3)
		z->keys |= 32;
	else if (!strcmp(l, "  last_run       none\n"))
		z->keys |= 32 | 64;
	/* migrate_scanned, free_scanned, isolated, migrated */
	else if (sscanf(l, " last_counts %*s %lu %*s %lu %*s %lu %*s %lu",
			&c[0], &c[1], &c[2], &c[3]) == 4)
		z->keys |= 64;
	else if (sscanf(l, " captured %ld", &z->captured) == 1)
		z->keys |= 128;
	else
		return false;
	return true;
}

/* Say why in @why and fail. */
static int ct_why(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Read DEBUGFS_ZONES into @z (at most @max zones) and check every figure
 * against what it must be for a real zone.  Returns the number of zones,
 * or -1 with @why filled in.
 */
static int ct_dbg_read(struct ct_dbg_zone *z, int max, char *why, size_t len)
{
	char line[256], name[16];
	int node, n = -1, i;
	FILE *f = fopen(DEBUGFS_ZONES, "r");

	if (!f)
		return ct_why(why, len, "open: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %15s", &node, name) == 2) {
			if (++n == max)
				break;
			memset(&z[n], 0, sizeof(z[n]));
			snprintf(z[n].name, sizeof(z[n].name), "%s", name);
		} else if (n < 0 || !ct_dbg_line(&z[n], line)) {
			fclose(f);
			return ct_why(why, len, "bad line: %s", line);
		}
	}
	fclose(f);
	for (i = 0; i <= n && i < max; i++) {
		struct ct_dbg_zone *p = &z[i];
		bool ran = strcmp(p->result, "") != 0;

		if (p->keys != 255 || p->captured < 0 ||
		    p->start >= p->end ||
		    p->mig_async < p->start || p->mig_async >= p->end ||
		    p->mig_sync < p->start || p->mig_sync >= p->end ||
		    p->free_pfn < p->start || p->free_pfn >= p->end ||
		    p->defer_shift > 6 || p->skip > p->blocks || !p->blocks ||
		    p->score > 100 || p->weighted > p->score ||
		    (ran && !ct_known(ct_results, ARRAY_SIZE(ct_results), p->result)) ||
		    (ran && strcmp(p->mode, "async") && strcmp(p->mode, "sync_light") &&
		     strcmp(p->mode, "sync")) ||
		    (ran && p->order < -1) || p->counts[3] > p->counts[2])
			return ct_why(why, len,
					"zone %s: keys %#x pfns %lu-%lu cached %lu %lu %lu shift %u skip %lu/%lu score %u/%u last %s %s order %d moved %lu of %lu",
					p->name, p->keys, p->start, p->end, p->mig_async,
					p->mig_sync, p->free_pfn, p->defer_shift, p->skip,
					p->blocks, p->score, p->weighted, p->result, p->mode,
					p->order, p->counts[3], p->counts[2]);
	}
	return n + 1;
}

/*
 * /sys/kernel/debug/compaction/zones must read whole and sane while
 * compact_memory runs over and over on fragmented memory, and must then
 * show the manual runs: whole-zone (order -1), sync, complete.
 */
TEST_F_TIMEOUT(compaction, debugfs_zones_consistent_under_compaction, 300)
{
	struct ct_dbg_zone z[CT_MAX_ZONES];
	int reads = 0, n, i, status, err;
	char why[512] = "";
	bool seen_manual = false;
	pid_t child;

	if (!ct_our_compaction())
		SKIP(return, "not our compaction: no %s", DEBUGFS_ZONES);
	if (access(DEBUGFS_ROOT, F_OK))
		SKIP(return, "kernel without debugfs");
	err = access(DEBUGFS_ZONES, R_OK) ? -errno : 0;
	ASSERT_EQ(0, err)
		TH_LOG("our compaction, but %s: %s", DEBUGFS_ZONES, strerror(-err));
	ASSERT_EQ(0, ct_fragment(&self->region, self->memfree_kb * 1024UL / 4,
				 4, 0x5eed0009));

	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		for (i = 0; i < 20; i++)
			if (ct_write(COMPACT_MEMORY, "1"))
				_exit(1);
		_exit(0);
	}
	do {
		n = ct_dbg_read(z, CT_MAX_ZONES, why, sizeof(why));
		ASSERT_LT(0, n) TH_LOG("read %d: %s", reads, why);
		reads++;
	} while (waitpid(child, &status, WNOHANG) == 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	n = ct_dbg_read(z, CT_MAX_ZONES, why, sizeof(why));
	ASSERT_LT(0, n) TH_LOG("%s", why);
	TH_LOG("%d consistent reads during 20 compactions of all zones", reads);
	for (i = 0; i < n; i++) {
		TH_LOG("zone %s: skip %lu of %lu blocks, score %u, last run %s %s order %d",
		       z[i].name, z[i].skip, z[i].blocks, z[i].score, z[i].result,
		       z[i].mode, z[i].order);
		TH_LOG("zone %s: scanned %lu+%lu, isolated %lu, migrated %lu",
		       z[i].name, z[i].counts[0], z[i].counts[1], z[i].counts[2],
		       z[i].counts[3]);
		if (z[i].order == -1 && !strcmp(z[i].mode, "sync") &&
		    !strcmp(z[i].result, "complete"))
			seen_manual = true;
	}
	EXPECT_TRUE(seen_manual);
	EXPECT_LT(1, reads);
}

/* ------------------------------------------------------------------ */
/* Tracepoints: every compaction event fires, with sane fields.        */

#define CT_MAX_SPANS	16

/* Spans of all zones, to check PFNs in events against. */
struct ct_spans {
	int nr;
	unsigned long start[CT_MAX_SPANS], end[CT_MAX_SPANS];
};

static void ct_read_spans(struct ct_spans *sp)
{
	unsigned long start = 0, spanned;
	char line[256];
	FILE *f = fopen("/proc/zoneinfo", "r");

	sp->nr = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && sp->nr < CT_MAX_SPANS) {
		if (sscanf(line, " spanned %lu", &spanned) == 1)
			continue;
		if (sscanf(line, " start_pfn: %lu", &start) == 1 && spanned) {
			sp->start[sp->nr] = start;
			sp->end[sp->nr++] = start + spanned;
		}
	}
	fclose(f);
}

/* Is [@lo, @hi] inside one zone?  @hi may be the zone's end. */
static bool ct_in_zone(const struct ct_spans *sp, unsigned long lo,
		       unsigned long hi)
{
	int i;

	for (i = 0; i < sp->nr; i++)
		if (lo >= sp->start[i] && hi <= sp->end[i])
			return true;
	return false;
}

enum ct_event {
	CT_ISO_MIGRATE, CT_ISO_FREE, CT_FAST_ISO_FREE, CT_MIGRATEPAGES,
	CT_BEGIN, CT_END, CT_TRY, CT_FINISHED, CT_SUITABLE, CT_DEFERRED,
	CT_DEFER, CT_DEFER_RESET, CT_KCD_SLEEP, CT_KCD_WAKEUP, CT_KCD_WAKE,
	CT_NR_EVENTS
};

static const char *const ct_event_names[CT_NR_EVENTS] = {
	"mm_compaction_isolate_migratepages", "mm_compaction_isolate_freepages",
	"mm_compaction_fast_isolate_freepages", "mm_compaction_migratepages",
	"mm_compaction_begin", "mm_compaction_end",
	"mm_compaction_try_to_compact_pages", "mm_compaction_finished",
	"mm_compaction_suitable", "mm_compaction_deferred",
	"mm_compaction_defer_compaction", "mm_compaction_defer_reset",
	"mm_compaction_kcompactd_sleep", "mm_compaction_wakeup_kcompactd",
	"mm_compaction_kcompactd_wake",
};

struct ct_tracer {
	pthread_t thread;
	int fd;				/* trace_pipe */
	struct ct_spans spans;
	long count[CT_NR_EVENTS];
	long bad;
	char first_bad[1024];
	bool done;
};

/* mm_compaction_begin and _end: zone_start, migrate_pfn, free_pfn, zone_end. */
static const char ct_run_fmt[] =
	"%*[a-z_]=0x%lx %*[a-z_]=0x%lx %*[a-z_]=0x%lx %*[a-z_]=0x%lx, mode=%15s status=%31s";

static bool ct_known_result(const char *r)
{
	return ct_known(ct_results, ARRAY_SIZE(ct_results), r);
}

/* Check the fields after "name: " of event @ev. */
static bool ct_event_sane(const struct ct_spans *sp, int ev, const char *f)
{
	unsigned long a, b, c, d, n1, n2;
	char mode[16], res[32], zone[16];
	int order, o2, nid, prio;
	unsigned int cons;

	switch (ev) {
	case CT_ISO_MIGRATE:
	case CT_ISO_FREE:
	case CT_FAST_ISO_FREE:
		if (sscanf(f, "range=(0x%lx ~ 0x%lx) nr_scanned=%lu nr_taken=%lu",
			   &a, &b, &n1, &n2) != 4)
			return false;
		/* The fast search reports its floor and the free scanner. */
		if (ev == CT_FAST_ISO_FREE)
			return ct_in_zone(sp, a, a) && ct_in_zone(sp, b, b);
		return a <= b && ct_in_zone(sp, a, b) && n2 <= n1 + 512;
	case CT_MIGRATEPAGES:
		return sscanf(f, "nr_migrated=%lu nr_failed=%lu", &a, &b) == 2;
	case CT_BEGIN:
	case CT_END:
		if (sscanf(f, ct_run_fmt, &a, &b, &c, &d, mode, res) < 5)
			return false;
		if (ev == CT_END && !ct_known_result(res))
			return false;
		return ct_in_zone(sp, a, d) && b >= a && b <= d && c >= a &&
		       c <= d && (!strcmp(mode, "sync") || !strcmp(mode, "async"));
	case CT_TRY:
		return sscanf(f, "order=%d gfp_mask=%*s priority=%d", &order,
			      &prio) == 2 && order > 0 && prio >= 0 && prio <= 2;
	case CT_FINISHED:
	case CT_SUITABLE:
		return sscanf(f, "node=%d zone=%15s order=%d ret=%31s", &nid, zone,
			      &order, res) == 4 && ct_known_result(res) &&
		       order >= -1;
	case CT_DEFERRED:
	case CT_DEFER:
	case CT_DEFER_RESET:
		return sscanf(f, "node=%d zone=%15s order=%d order_failed=%d consider=%u limit=%lu",
			      &nid, zone, &order, &o2, &cons, &a) == 6 &&
		       a >= 1 && a <= 64 && cons <= a;
	case CT_KCD_SLEEP:
		return sscanf(f, "nid=%d", &nid) == 1 && nid >= 0;
	case CT_KCD_WAKEUP:
	case CT_KCD_WAKE:
		return sscanf(f, "nid=%d order=%d classzone_idx=%15s", &nid, &order,
			      zone) == 3 && order >= -1;
	}
	return false;
}

static void ct_trace_line(struct ct_tracer *t, const char *line)
{
	const char *p = strstr(line, ": mm_compaction_");
	size_t len;
	int ev;

	if (strstr(line, "ct-trace-done"))
		t->done = true;
	if (!p)
		return;
	p += 2;
	for (ev = 0; ev < CT_NR_EVENTS; ev++) {
		len = strlen(ct_event_names[ev]);
		if (!strncmp(p, ct_event_names[ev], len) && p[len] == ':')
			break;
	}
	if (ev == CT_NR_EVENTS)
		return;
	/* The test thread peeks at the counts while we run. */
	__atomic_fetch_add(&t->count[ev], 1, __ATOMIC_RELAXED);
	if (!ct_event_sane(&t->spans, ev, p + len + 2) && !t->bad++)
		snprintf(t->first_bad, sizeof(t->first_bad), "%s", line);
}

/* Consume trace_pipe, so that nothing is lost, until the end marker. */
static void *ct_trace_reader(void *arg)
{
	struct ct_tracer *t = arg;
	static char buf[1 << 16];
	char line[1024];
	size_t used = 0;
	ssize_t n, i;

	while (!t->done && (n = read(t->fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (used < sizeof(line) - 1)
					line[used++] = buf[i];
				continue;
			}
			line[used] = '\0';
			ct_trace_line(t, line);
			used = 0;
		}
	}
	return NULL;
}

/* Did direct compaction both succeed and fail yet? */
static bool ct_direct_events_seen(struct ct_tracer *t)
{
	static const enum ct_event direct[] = {
		CT_TRY, CT_FAST_ISO_FREE, CT_DEFERRED, CT_DEFER, CT_DEFER_RESET,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(direct); i++)
		if (!__atomic_load_n(&t->count[direct[i]], __ATOMIC_RELAXED))
			return false;
	return true;
}

/*
 * Rounds of 32 THP faults in ct_thp_defer_faults(): a count, not a time,
 * so that a slow host gets as many tries as a fast one.  kswapd gives up
 * on reclaim after MAX_RECLAIM_RETRIES (16) failed runs; this is several
 * times that.
 */
#define CT_DEFER_ROUNDS	100

/*
 * THP faults with defrag=defer on memory without a free huge-page block:
 * each fault falls back to small pages at once and wakes kswapd for the
 * huge order.  kswapd cannot reclaim anonymous memory without swap; once
 * it has failed often enough the node counts as hopeless for reclaim, and
 * further wakeups go straight to kcompactd.  Fault until kcompactd was
 * woken (compact_daemon_wake moved), at most CT_DEFER_ROUNDS rounds.
 *
 * Return: 0 or -errno.
 */
static int ct_thp_defer_faults(struct ct_knobs *knobs, unsigned long hpage)
{
	size_t len = 32 * hpage, raw_len, off;
	long long wake0 = ct_vmstat("compact_daemon_wake");
	int round = 0, err;
	char *raw, *p;

	err = ct_knob_set(knobs, THP_ENABLED, "always");
	if (!err)
		err = ct_knob_set(knobs, THP_DEFRAG, "defer");
	if (err)
		return err;
	do {
		p = ct_map_aligned(len, hpage, &raw, &raw_len);
		if (!p)
			return -errno;
		madvise(p, len, MADV_HUGEPAGE);
		for (off = 0; off < len; off += hpage)
			p[off] = 1;
		munmap(raw, raw_len);
		usleep(100 * 1000);
	} while (ct_vmstat("compact_daemon_wake") == wake0 && ++round < CT_DEFER_ROUNDS);
	return 0;
}

/*
 * Run everything compaction does: a manual compaction, kswapd waking
 * kcompactd for a huge order, direct compaction that succeeds and fails
 * (hugetlb pool growth past what memory allows), and a proactive kick.  Each of the
 * events must fire, and every event must carry sane fields: PFNs inside a
 * zone, scanners inside the zone they run in, known result names.
 */
TEST_F_TIMEOUT(compaction, every_event_fires_with_sane_fields, 300)
{
	static struct ct_tracer t;
	long hp_kb, old_nr, got;
	double secs;
	int ev, round, missing = 0;

	if (access(TRACEFS "events/compaction/enable", W_OK))
		SKIP(return, "no compaction events in %s", TRACEFS);
	if (access(NR_HUGEPAGES, F_OK) || ct_read_long(NR_HUGEPAGES, &old_nr))
		SKIP(return, "no %s to drive direct compaction", NR_HUGEPAGES);
	if (access(THP_DEFRAG, W_OK))
		SKIP(return, "no %s to wake kswapd for a huge order", THP_DEFRAG);
	hp_kb = ct_meminfo_kb("Hugepagesize");
	ASSERT_LT(0, hp_kb);

	memset(&t, 0, sizeof(t));
	ct_read_spans(&t.spans);
	ASSERT_LT(0, t.spans.nr);
	/* Not put back: it reads back in a form it does not accept. */
	ASSERT_EQ(0, ct_write(TRACEFS "buffer_size_kb", "4096"));
	ASSERT_EQ(0, ct_knob_set(&self->knobs, TRACEFS "tracing_on", "1"));
	ASSERT_EQ(0, ct_write(TRACEFS "trace", ""));
	t.fd = open(TRACEFS "trace_pipe", O_RDONLY);
	ASSERT_LE(0, t.fd);
	ASSERT_EQ(0, pthread_create(&t.thread, NULL, ct_trace_reader, &t));
	ASSERT_EQ(0, ct_knob_set(&self->knobs, TRACEFS "events/compaction/enable", "1"));

	/* Manual compaction of fragmented memory. */
	ASSERT_EQ(0, ct_fragment(&self->region, self->memfree_kb * 1024UL / 10 * 6,
				 4, 0x5eed000a));
	ASSERT_EQ(0, ct_compact_all(&secs));
	ct_unmap(&self->region);

	/*
	 * Direct compaction until it fails.  Earlier tests may have left the
	 * zone deferred (up to 64 attempts) with every block skip-marked; a
	 * run after the longest deferral starts afresh, so keep growing the
	 * pool (and shrinking it, which frees the blocks it took) until
	 * direct compaction both succeeded (defer_reset) and failed.
	 */
	ASSERT_EQ(0, ct_fragment(&self->region, self->memfree_kb * 1024UL / 10 * 6,
				 4, 0x5eed000b));
	for (round = 0; round < 30 && !ct_direct_events_seen(&t); round++) {
		ASSERT_EQ(0, ct_write_long(NR_HUGEPAGES,
					   old_nr + self->memfree_kb / hp_kb));
		ASSERT_EQ(0, ct_read_long(NR_HUGEPAGES, &got));
		ASSERT_EQ(0, ct_write_long(NR_HUGEPAGES, old_nr));
	}
	ct_unmap(&self->region);
	TH_LOG("%d rounds of hugetlb pool growth, the last to %ld pages",
	       round, got - old_nr);

	/* kswapd hands a huge order to kcompactd. */
	ASSERT_EQ(0, ct_fragment(&self->region, self->memfree_kb * 1024UL / 10 * 6,
				 4, 0x5eed000f));
	ASSERT_EQ(0, ct_absorb_free_blocks(&self->knobs, self->order));
	ASSERT_EQ(0, ct_thp_defer_faults(&self->knobs, self->hpage));

	/* A proactive kick. */
	ASSERT_EQ(0, ct_knob_set(&self->knobs, PROACTIVENESS, "20"));
	usleep(500 * 1000);

	ASSERT_EQ(0, ct_write(TRACEFS "events/compaction/enable", "0"));
	ASSERT_EQ(0, ct_write(TRACEFS "trace_marker", "ct-trace-done"));
	pthread_join(t.thread, NULL);
	close(t.fd);

	for (ev = 0; ev < CT_NR_EVENTS; ev++) {
		TH_LOG("%-38s %ld", ct_event_names[ev], t.count[ev]);
		if (!t.count[ev])
			missing++;
	}
	EXPECT_EQ(0, missing);
	EXPECT_EQ(0, t.bad)
		TH_LOG("%ld events with bad fields, first: %s", t.bad, t.first_bad);
}

TEST_HARNESS_MAIN
