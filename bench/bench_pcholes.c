// SPDX-License-Identifier: GPL-2.0
/*
 * Workload "pcholes", in the disk guest: THP faults where the holes of
 * fragmented anonymous memory were refilled with page cache, the recipe of
 * the community's THP benchmarks (mmtests' thpfioscale).
 *
 *  1. Two files, one on xfs (/mnt/xfs: large folios) and one on the ext4
 *     root (buffer heads), each a quarter of the filler to come, written
 *     with a pattern and fsynced; then the page cache is dropped.
 *  2. The filler: an anonymous mapping of 70% of MemFree in 4 KiB pages
 *     (MADV_NOHUGEPAGE), every page written. The second half of every
 *     2 MiB is unmapped.
 *  3. The free order-9 blocks go into the hugetlb pool, so that the page
 *     cache lands in the holes: both files are mapped and read-faulted a
 *     page at a time, and stay mapped. Every filler block is now half
 *     anonymous, half (mapped, clean) page cache. What is free in whole
 *     blocks after that goes into the pool as well, so every huge page of
 *     the next step is made by reclaim and compaction.
 *  4. THP enabled=always, defrag=madvise: fault a MADV_HUGEPAGE mapping
 *     2 MiB at a time, 8% of memory per phase, from 1, then 2, then 4
 *     threads ("t1", "t2", "t4"). Each phase keeps its mapping, so the
 *     later ones run with less memory left, as on a machine that fills up.
 *
 * Per phase: THP success % (thp_fault_alloc against thp_fault_fallback),
 * the latency of each first touch (the fault with its reclaim, compaction
 * and zeroing) p50, p90 and p99, compact_stall per THP, the direct
 * compaction success rate (compact_success per compact_stall), the scan
 * efficiency (migrate-scanned per free-scanned page), pages migrated per
 * THP, pages swapped out and kcompactd's CPU time. Proactiveness stays at
 * its default (20): kcompactd does what it would on a real machine.
 * khugepaged is held back.
 *
 * The disk makes runs differ a little even with the same seed (virtio I/O
 * completes in host time), so the host repeats this workload more often.
 *
 * Exits 1 if a kept anonymous page or a mapped file page lost its contents
 * (bad_words > 0), read through the mappings at the end.
 *
 * Argument "--quick": the same recipe; the host runs it in a smaller guest.
 */
#include <pthread.h>
#include <sys/stat.h>

#include "fragment.h"

#define HPAGE (2UL << 20)
#define THP "/sys/kernel/mm/transparent_hugepage/"
#define MAX_THREADS 4
#define WRITE_CHUNK (1UL << 20)

struct cache_file {
	const char *path;
	unsigned long salt;	/* keeps the two files' patterns apart */
	unsigned long len;
	char *map;
};

static struct cache_file files[] = {
	{ .path = "/mnt/xfs/pcholes.dat", .salt = 1UL << 40 },
	{ .path = "/pcholes.dat", .salt = 2UL << 40 },
};

#define NR_FILES (sizeof(files) / sizeof(files[0]))

/* Write @f->len bytes of pattern to @f->path and fsync it. */
static int write_cache_file(struct cache_file *f)
{
	static char buf[WRITE_CHUNK];
	unsigned long off, p;
	int fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		return -1;
	for (off = 0; off < f->len; off += WRITE_CHUNK) {
		for (p = 0; p < WRITE_CHUNK / PG; p++)
			mark_page_lines(buf + p * PG, f->salt | (off / PG + p));
		if (write(fd, buf, WRITE_CHUNK) != (ssize_t)WRITE_CHUNK) {
			close(fd);
			return -1;
		}
	}
	if (fsync(fd)) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Map @f and read-fault it a page at a time; the mapping stays. */
static int map_cache_file(struct cache_file *f)
{
	volatile const char *p;
	unsigned long off;
	int fd = open(f->path, O_RDONLY);

	if (fd < 0)
		return -1;
	f->map = mmap(NULL, f->len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (f->map == MAP_FAILED)
		return -1;
	p = f->map;
	for (off = 0; off < f->len; off += PG)
		(void)p[off];
	return 0;
}

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

	pthread_barrier_wait(f->go);
	for (c = 0; c < f->chunks; c++) {
		char *chunk = f->base + c * HPAGE;
		double t0 = now_s();

		chunk[0] = 1;
		f->lat[c] = (now_s() - t0) * 1e6;
		for (off = PG; off < HPAGE; off += PG)
			chunk[off] = 1;
	}
	return NULL;
}

/* The counters a phase reports as deltas. */
static const char *const phase_counters[] = {
	"thp_fault_alloc", "thp_fault_fallback", "compact_stall",
	"compact_success", "compact_migrate_scanned", "compact_free_scanned",
	"pgmigrate_success", "pswpout",
};

enum { ALLOC, FALLBACK, STALL, SUCCESS, MSCANNED, FSCANNED, MIGRATED, PSWPOUT,
       NR_PHASE_COUNTERS };

static void read_counters(long *v)
{
	int i;

	for (i = 0; i < NR_PHASE_COUNTERS; i++)
		v[i] = vmstat(phase_counters[i]);
}

static void print_ratio(const char *tag, const char *name, double num, double den,
			double scale)
{
	if (den > 0)
		printf("BENCH pcholes.%s_%s=%.3f\n", tag, name, scale * num / den);
}

/* Fault @chunks 2 MiB chunks from @threads threads; report as "t<threads>". */
static int fault_phase(int threads, unsigned long chunks)
{
	struct faulter f[MAX_THREADS];
	pthread_t tid[MAX_THREADS];
	pthread_barrier_t go;
	unsigned long per = chunks / threads, n = per * threads;
	long v0[NR_PHASE_COUNTERS], v[NR_PHASE_COUNTERS];
	double *lat = calloc(n, sizeof(*lat)), t0, t1, cpu0;
	char tag[8];
	int i;

	if (!lat || pthread_barrier_init(&go, NULL, threads + 1))
		return -1;
	snprintf(tag, sizeof(tag), "t%d", threads);
	for (i = 0; i < threads; i++) {
		f[i].chunks = per;
		f[i].base = map_huge_aligned(per * HPAGE, MADV_HUGEPAGE);
		f[i].lat = lat + i * per;
		f[i].go = &go;
		if (!f[i].base || pthread_create(&tid[i], NULL, fault_chunks, &f[i]))
			return -1;
	}
	read_counters(v0);
	cpu0 = kcompactd_cpu_ms();
	t0 = now_s();
	pthread_barrier_wait(&go);
	for (i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	t1 = now_s();
	read_counters(v);
	for (i = 0; i < NR_PHASE_COUNTERS; i++)
		v[i] -= v0[i];
	qsort(lat, n, sizeof(*lat), cmp_double_asc);
	printf("pcholes %s: %lu faults, %ld THP, %ld fallback, %ld stalls, %ld successes, %.0f ms\n",
	       tag, n, v[ALLOC], v[FALLBACK], v[STALL], v[SUCCESS], (t1 - t0) * 1e3);
	print_ratio(tag, "success_pct", v[ALLOC], v[ALLOC] + v[FALLBACK], 100);
	printf("BENCH pcholes.%s_lat_p50_us=%.0f\n", tag, percentile(lat, n, 50));
	printf("BENCH pcholes.%s_lat_p90_us=%.0f\n", tag, percentile(lat, n, 90));
	printf("BENCH pcholes.%s_lat_p99_us=%.0f\n", tag, percentile(lat, n, 99));
	printf("BENCH pcholes.%s_lat_samples=%lu\n", tag, n);
	print_ratio(tag, "stalls_per_thp", v[STALL], v[ALLOC], 1);
	print_ratio(tag, "direct_success_pct", v[SUCCESS], v[STALL], 100);
	print_ratio(tag, "scan_efficiency", v[MSCANNED], v[FSCANNED], 1);
	print_ratio(tag, "migrated_per_thp", v[MIGRATED], v[ALLOC], 1);
	printf("BENCH pcholes.%s_pswpout=%ld\n", tag, v[PSWPOUT]);
	printf("BENCH pcholes.%s_kcompactd_ms=%.1f\n", tag, kcompactd_cpu_ms() - cpu0);
	printf("BENCH pcholes.%s_time_ms=%.1f\n", tag, (t1 - t0) * 1e3);
	free(lat);
	pthread_barrier_destroy(&go);
	return 0;
}

static int setup_thp(void)
{
	if (write_file(THP "enabled", "always") || write_file(THP "defrag", "madvise")) {
		fprintf(stderr, "no THP controls in " THP "\n");
		return -1;
	}
	write_file(THP "khugepaged/defrag", "0");
	write_file(THP "khugepaged/scan_sleep_millisecs", "3600000");
	return 0;
}

int main(void)
{
	static const int phase_threads[] = { 1, 2, 4 };
	unsigned long filler_len, chunks, c, off, i, bad = 0, phase;
	struct vmsnap *vm0 = malloc(sizeof(*vm0));
	char *a;
	long pool;

	if (!vm0 || setup_thp())
		return 1;

	/* 1. The files, a quarter of the filler each, then no page cache. */
	write_file("/proc/sys/vm/drop_caches", "3");
	filler_len = meminfo_kb("MemFree") * 1024 * 7 / 10 / HPAGE * HPAGE;
	for (i = 0; i < NR_FILES; i++) {
		files[i].len = filler_len / 4 / WRITE_CHUNK * WRITE_CHUNK;
		if (write_cache_file(&files[i])) {
			perror(files[i].path);
			return 1;
		}
	}
	write_file("/proc/sys/vm/drop_caches", "3");

	/* 2. The filler in 4 KiB pages; the second half of each 2 MiB unmapped. */
	chunks = filler_len / HPAGE;
	a = map_huge_aligned(filler_len, MADV_NOHUGEPAGE);
	if (!a) {
		perror("mmap");
		return 1;
	}
	/* In address order, so that each 2 MiB is (mostly) one pageblock. */
	for (c = 0; c < chunks; c++)
		for (off = 0; off < HPAGE; off += PG)
			if (off < HPAGE / 2)
				mark_page_lines(a + c * HPAGE + off, c * 512 + off / PG);
			else
				a[c * HPAGE + off] = 1;
	for (c = 0; c < chunks; c++)
		if (munmap(a + c * HPAGE + HPAGE / 2, HPAGE / 2)) {
			perror("munmap");
			return 1;
		}

	/* 3. The page cache goes into the holes. */
	absorb_free_huge_blocks();
	for (i = 0; i < NR_FILES; i++)
		if (map_cache_file(&files[i])) {
			perror(files[i].path);
			return 1;
		}
	pool = absorb_free_huge_blocks();
	printf("pcholes setup: filler %lu MiB, files 2 x %lu MiB, hugetlb pool %ld, free order-9 %lu, MemFree %lu MiB, Cached %lu MiB\n",
	       filler_len >> 20, files[0].len >> 20, pool, free_huge_blocks(),
	       meminfo_kb("MemFree") / 1024, meminfo_kb("Cached") / 1024);

	/* 4. THP faults: 8% of memory per phase, 1, 2 and 4 threads. */
	vmsnap_take(vm0);
	phase = meminfo_kb("MemTotal") * 1024 * 8 / 100 / HPAGE / 4 * 4;
	for (i = 0; i < sizeof(phase_threads) / sizeof(phase_threads[0]); i++)
		if (fault_phase(phase_threads[i], phase)) {
			perror("fault phase");
			return 1;
		}
	vmsnap_print_delta("pcholes", vm0);

	for (c = 0; c < chunks; c++)
		for (off = 0; off < HPAGE / 2; off += PG)
			bad += count_bad_lines(a + c * HPAGE + off, c * 512 + off / PG);
	for (i = 0; i < NR_FILES; i++)
		for (off = 0; off < files[i].len; off += PG)
			bad += count_bad_lines(files[i].map + off, files[i].salt | (off / PG));
	printf("BENCH pcholes.bad_words=%lu\n", bad);
	write_file(NR_HUGEPAGES, "0");
	return bad ? 1 : 0;
}
