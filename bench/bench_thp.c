// SPDX-License-Identifier: GPL-2.0
/*
 * Workload 3, "thp": transparent huge page faults that depend on direct
 * compaction, in the manner of mmtests' thpcompact.
 *
 *  1. Fault 80% of free memory as THPs (MADV_HUGEPAGE), every page written.
 *  2. Punch out the second half of every 2 MiB with MADV_DONTNEED and have
 *     the deferred-split shrinker split them (drop_caches=2), which frees
 *     the halves: each huge block is now half used, half free.
 *  3. Page cache pressure: write 64 KiB files on tmpfs worth 30% of the
 *     original free memory (they land in the freed halves), then delete
 *     every other one. tmpfs is shmem: no swap, so nothing is reclaimed,
 *     but compaction can move the pages like any page cache.
 *  4. The free order-9 blocks left over go into the hugetlb pool, so each
 *     huge page from now on has to be made by compaction.
 *  5. With defrag=always, fault new MADV_HUGEPAGE mappings 2 MiB at a time:
 *     40% of the memory then free from one thread, then as much again split
 *     over four threads. The last faults find little free memory left, so
 *     the success % says how well compaction uses what remains.
 *
 * Per phase ("t1", "t4"): the THP success % (thp_fault_alloc against
 * thp_fault_fallback), the latency of the first touch of each 2 MiB (the
 * fault, with its compaction and zeroing), p50 and p99, and compact_stall
 * per THP obtained. Proactive compaction is off (proactiveness 0) and
 * khugepaged is held back, so that only the faults compact. With 100
 * faults or fewer the p99 is the slowest fault; *_lat_samples says how many
 * there were, so that the host can call it the maximum.
 *
 * Exits 1 if a kept page or file lost its contents (bad_words > 0).
 *
 * Argument "--quick": the same recipe; the host runs it in a smaller guest.
 */
#include <pthread.h>
#include <sys/stat.h>

#include "fragment.h"

#define HPAGE (2UL << 20)
#define FILE_SIZE (64UL << 10)
#define THP "/sys/kernel/mm/transparent_hugepage/"
#define TMPDIR "/tmp/thp-cache"

struct faulter {
	char *base;
	unsigned long chunks;	/* 2 MiB chunks to fault */
	double *lat;		/* us, one per chunk */
	pthread_barrier_t *go;
};

/* Fault each 2 MiB: time the first touch, then write the rest of it. */
static void *fault_chunks(void *arg)
{
	struct faulter *f = arg;
	unsigned long c, off;

	if (f->go)
		pthread_barrier_wait(f->go);
	for (c = 0; c < f->chunks; c++) {
		char *chunk = f->base + c * HPAGE;
		double t0 = now_s();

		chunk[0] = 1;
		f->lat[c] = (now_s() - t0) * 1e6;
		/* A fallback leaves 4 KiB pages; use the memory all the same. */
		for (off = PG; off < HPAGE; off += PG)
			chunk[off] = 1;
	}
	return NULL;
}

/*
 * For the log: the three slowest faults and where in the phase they fell
 * (fault index, per thread in order), since p99 of ~80 faults is one fault.
 */
static void print_slowest(const char *tag, const double *lat, unsigned long n)
{
	unsigned long i, k, top[3];

	printf("thp %s: slowest faults", tag);
	for (k = 0; k < 3 && k < n; k++) {
		top[k] = n;
		for (i = 0; i < n; i++) {
			if ((k > 0 && i == top[0]) || (k > 1 && i == top[1]))
				continue;
			if (top[k] == n || lat[i] > lat[top[k]])
				top[k] = i;
		}
		printf(" #%lu %.0f us", top[k], lat[top[k]]);
	}
	printf("\n");
}

/* Fault @chunks 2 MiB chunks from @threads threads; report as @tag. */
static int fault_phase(const char *tag, int threads, unsigned long chunks)
{
	struct faulter f[4];
	pthread_t tid[4];
	pthread_barrier_t go;
	unsigned long per = chunks / threads, n = 0;
	long alloc0, fb0, stall0, alloc, fb, stall;
	double *lat = calloc(chunks, sizeof(*lat)), t0, t1;
	int i;

	if (!lat || pthread_barrier_init(&go, NULL, threads))
		return -1;
	for (i = 0; i < threads; i++) {
		f[i].chunks = per;
		f[i].base = map_huge_aligned(per * HPAGE, MADV_HUGEPAGE);
		f[i].lat = lat + i * per;
		f[i].go = threads > 1 ? &go : NULL;
		if (!f[i].base)
			return -1;
	}
	alloc0 = vmstat("thp_fault_alloc");
	fb0 = vmstat("thp_fault_fallback");
	stall0 = vmstat("compact_stall");
	t0 = now_s();
	if (threads == 1) {
		fault_chunks(&f[0]);
	} else {
		for (i = 0; i < threads; i++)
			if (pthread_create(&tid[i], NULL, fault_chunks, &f[i]))
				return -1;
		for (i = 0; i < threads; i++)
			pthread_join(tid[i], NULL);
	}
	t1 = now_s();
	alloc = vmstat("thp_fault_alloc") - alloc0;
	fb = vmstat("thp_fault_fallback") - fb0;
	stall = vmstat("compact_stall") - stall0;
	n = per * threads;
	print_slowest(tag, lat, n);
	qsort(lat, n, sizeof(*lat), cmp_double_asc);
	printf("thp %s: %lu faults, %ld THP, %ld fallback, %ld stalls, %.0f ms\n",
	       tag, n, alloc, fb, stall, (t1 - t0) * 1e3);
	printf("BENCH thp.%s_success_pct=%.2f\n", tag,
	       alloc + fb ? 100.0 * alloc / (alloc + fb) : 0.0);
	printf("BENCH thp.%s_lat_p50_us=%.0f\n", tag, percentile(lat, n, 50));
	printf("BENCH thp.%s_lat_p99_us=%.0f\n", tag, percentile(lat, n, 99));
	printf("BENCH thp.%s_lat_samples=%lu\n", tag, n);
	if (alloc)
		printf("BENCH thp.%s_stalls_per_thp=%.3f\n", tag,
		       (double)stall / alloc);
	printf("BENCH thp.%s_time_ms=%.1f\n", tag, (t1 - t0) * 1e3);
	free(lat);
	pthread_barrier_destroy(&go);
	return 0;
}

static int write_cache_file(unsigned long idx, char *buf)
{
	char path[64];
	unsigned long p;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), TMPDIR "/f%lu", idx);
	for (p = 0; p < FILE_SIZE / PG; p++)
		mark_page_lines(buf + p * PG, (idx << 8) | p);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	n = write(fd, buf, FILE_SIZE);
	close(fd);
	return n == (ssize_t)FILE_SIZE ? 0 : -1;
}

static unsigned long check_cache_file(unsigned long idx, char *buf)
{
	char path[64];
	unsigned long p, bad = 0;
	int fd;

	snprintf(path, sizeof(path), TMPDIR "/f%lu", idx);
	fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, buf, FILE_SIZE) != (ssize_t)FILE_SIZE)
		bad = FILE_SIZE / 8;
	else
		for (p = 0; p < FILE_SIZE / PG; p++)
			bad += count_bad_lines(buf + p * PG, (idx << 8) | p);
	if (fd >= 0)
		close(fd);
	return bad;
}

int main(void)
{
	static char buf[FILE_SIZE];
	unsigned long free0, chunks, c, off, files, i, bad = 0, phase;
	long pool;
	struct vmsnap *vm0 = malloc(sizeof(*vm0));
	char *a;

	if (!vm0)
		return 1;
	write_file("/proc/sys/vm/compaction_proactiveness", "0");
	if (write_file(THP "enabled", "madvise") || write_file(THP "defrag", "always")) {
		fprintf(stderr, "no THP controls in " THP "\n");
		return 1;
	}
	write_file(THP "khugepaged/defrag", "0");
	write_file(THP "khugepaged/scan_sleep_millisecs", "3600000");

	/* 1. Fault 80% of free memory as THPs, every page written. */
	free0 = meminfo_kb("MemFree") * 1024;
	chunks = free0 * 8 / 10 / HPAGE;
	a = map_huge_aligned(chunks * HPAGE, MADV_HUGEPAGE);
	if (!a) {
		perror("mmap");
		return 1;
	}
	for (c = 0; c < chunks; c++)
		for (off = 0; off < HPAGE; off += PG)
			mark_page_lines(a + c * HPAGE + off, c * 512 + off / PG);
	printf("thp setup: %lu MiB faulted, AnonHugePages %lu MiB\n",
	       chunks * 2, meminfo_kb("AnonHugePages") / 1024);

	/* 2. Punch the second half of each 2 MiB; split so that it is freed. */
	for (c = 0; c < chunks; c++)
		if (madvise(a + c * HPAGE + HPAGE / 2, HPAGE / 2, MADV_DONTNEED)) {
			perror("madvise");
			return 1;
		}
	write_file("/proc/sys/vm/drop_caches", "2");
	printf("thp setup: halves punched, AnonHugePages %lu MiB, MemFree %lu MiB\n",
	       meminfo_kb("AnonHugePages") / 1024, meminfo_kb("MemFree") / 1024);

	/* 3. Page cache: 64 KiB files worth 30% of free0, every other deleted. */
	mkdir(TMPDIR, 0700);
	files = free0 * 3 / 10 / FILE_SIZE;
	for (i = 0; i < files; i++)
		if (write_cache_file(i, buf)) {
			perror("write " TMPDIR);
			return 1;
		}
	for (i = 1; i < files; i += 2) {
		char path[64];

		snprintf(path, sizeof(path), TMPDIR "/f%lu", i);
		unlink(path);
	}

	/* 4. What is still free in whole huge blocks goes to hugetlb. */
	pool = absorb_free_huge_blocks();
	printf("thp setup: %lu files kept, hugetlb pool %ld, free order-9 %lu, MemFree %lu MiB\n",
	       (files + 1) / 2, pool, free_huge_blocks(), meminfo_kb("MemFree") / 1024);

	/* 5. THP faults under defrag=always: one thread, then four. */
	vmsnap_take(vm0);
	phase = meminfo_kb("MemFree") * 1024 * 4 / 10 / HPAGE / 4 * 4;
	if (fault_phase("t1", 1, phase) || fault_phase("t4", 4, phase)) {
		perror("fault phase");
		return 1;
	}
	vmsnap_print_delta("thp", vm0);

	for (c = 0; c < chunks; c++)
		for (off = 0; off < HPAGE / 2; off += PG)
			bad += count_bad_lines(a + c * HPAGE + off, c * 512 + off / PG);
	for (i = 0; i < files; i += 2)
		bad += check_cache_file(i, buf);
	printf("BENCH thp.bad_words=%lu\n", bad);
	write_file(NR_HUGEPAGES, "0");
	/* After the figures, so that the log still shows what was measured. */
	return bad ? 1 : 0;
}
