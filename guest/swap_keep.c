// SPDX-License-Identifier: GPL-2.0
/*
 * Swapped, zswapped and memcg-charged anonymous memory through compaction
 * (issue 23).  Needs the disk guest: swap on, zswap in front, cgroup v2.
 *
 *   swap_keep MAX_MIB
 *
 * A child in a new memory cgroup with memory.max = MAX_MIB writes twice
 * that much anonymous memory with a known pattern, so that half of it is
 * pushed to zswap and swap, and reads a part back (swap-cache folios).
 * Then, with the child stopped and still at its limit, memory is compacted
 * by compact_memory from inside the cgroup, by THP faults outside it, and
 * by kcompactd.  Checks, as TAP:
 *   - memory.current and memory.stat's anon and file do not move by more
 *     than 1 MiB + 2% across the compaction (charges follow the pages);
 *   - no OOM kill in the cgroup (memory.events oom_kill);
 *   - every byte of the child's memory, faulted back from swap;
 *   - SwapFree back to where it was, and nothing left isolated.
 */
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "fragment.h"

#define CG	"/sys/fs/cgroup/swap_keep"

static int test_nr, failed;

static void tap(int ok, const char *name)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++test_nr, name);
	if (!ok)
		failed = 1;
}

/* The child: fill, read the first eighth back, report, stop; then verify. */
static int child(unsigned long pages, int report)
{
	unsigned long i, w, bad = 0;
	char *p = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile uint64_t sink;

	if (p == MAP_FAILED)
		return 2;
	madvise(p, pages * PG, MADV_NOHUGEPAGE);
	for (i = 0; i < pages; i++)
		for (w = 0; w < PG / 8; w++)
			((uint64_t *)(p + i * PG))[w] = pattern(i, w);
	for (i = 0; i < pages / 8; i++)
		sink = *(uint64_t *)(p + i * PG);
	(void)sink;
	if (write(report, "f", 1) != 1)
		return 2;
	raise(SIGSTOP);
	for (i = 0; i < pages; i++)
		for (w = 0; w < PG / 8; w++)
			bad += ((uint64_t *)(p + i * PG))[w] != pattern(i, w);
	printf("# child: %lu bad words in %lu pages read back\n", bad, pages);
	return bad != 0;
}

static long cg_long(const char *file, const char *key)
{
	char path[128];

	snprintf(path, sizeof(path), CG "/%s", file);
	return key ? file_stat(path, key) : file_long(path);
}

static int within(long a, long b)
{
	long d = a > b ? a - b : b - a;

	return d <= (1L << 20) + (a > b ? a : b) / 50;
}

int main(int argc, char **argv)
{
	unsigned long max_mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 128;
	long cur0, anon0, file0, cur1, anon1, file1, swapfree0, out0;
	long oom0, thp, daemon, mig0;
	int report[2], status, i;
	char val[32], c;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (max_mib < 16 || max_mib > 1024) {
		fprintf(stderr, "usage: swap_keep MAX_MIB (16..1024)\n");
		return 2;
	}
	if (meminfo_kb("SwapTotal") < max_mib * 1024 * 2) {
		printf("1..0 # SKIP needs %lu MiB of swap (the disk guest)\n", max_mib * 2);
		return 4;
	}
	printf("TAP version 13\n1..5\n");
	write_file("/proc/sys/vm/compaction_proactiveness", "0");
	write_file("/sys/kernel/mm/transparent_hugepage/enabled", "madvise");
	write_file("/sys/kernel/mm/transparent_hugepage/defrag", "madvise");
	rmdir(CG);
	if (mkdir(CG, 0755) && errno != EEXIST) {
		perror(CG);
		return 2;
	}
	snprintf(val, sizeof(val), "%luM", max_mib);
	if (write_file(CG "/memory.max", val) || pipe(report)) {
		perror("swap_keep: memory.max");
		return 2;
	}
	swapfree0 = meminfo_kb("SwapFree");
	out0 = vmstat("pswpout");
	oom0 = cg_long("memory.events", "oom_kill");

	pid = fork();
	if (!pid) {
		snprintf(val, sizeof(val), "%d", getpid());
		if (write_file(CG "/cgroup.procs", val))
			_exit(2);
		close(report[0]);
		_exit(child(max_mib * 2 << 20 >> 12, report[1]));
	}
	close(report[1]);
	if (read(report[0], &c, 1) != 1) {
		printf("# the child did not fill its memory\n");
		return 2;
	}
	waitpid(pid, &status, WUNTRACED);
	printf("# child filled %lu MiB at memory.max %lu MiB: pswpout +%ld, zswap %ld kB, swap used %ld kB\n",
	       max_mib * 2, max_mib, vmstat("pswpout") - out0,
	       cg_long("memory.stat", "zswapped") >> 10,
	       swapfree0 - (long)meminfo_kb("SwapFree"));

	cur0 = cg_long("memory.current", NULL);
	anon0 = cg_long("memory.stat", "anon");
	file0 = cg_long("memory.stat", "file");
	mig0 = vmstat("pgmigrate_success");
	/* compact_memory from inside the cgroup, which is at its limit. */
	snprintf(val, sizeof(val), "%d", getpid());
	write_file(CG "/cgroup.procs", val);
	if (write_file("/proc/sys/vm/compact_memory", "1"))
		failed = 1;
	write_file("/sys/fs/cgroup/cgroup.procs", val);
	thp = thp_faults(meminfo_kb("MemFree") / 1024 / 2);
	write_file("/proc/sys/vm/compaction_proactiveness", "90");
	for (i = 0, daemon = vmstat("compact_daemon_migrate_scanned"); i < 10; i++)
		sleep(1);
	daemon = vmstat("compact_daemon_migrate_scanned") - daemon;
	write_file("/proc/sys/vm/compaction_proactiveness", "0");
	cur1 = cg_long("memory.current", NULL);
	anon1 = cg_long("memory.stat", "anon");
	file1 = cg_long("memory.stat", "file");
	printf("# compact_memory, THP faults (%ld huge pages), kcompactd (%ld scanned): pgmigrate_success +%ld\n",
	       thp, daemon, vmstat("pgmigrate_success") - mig0);
	printf("# memory.current %ld -> %ld, anon %ld -> %ld, file %ld -> %ld\n",
	       cur0, cur1, anon0, anon1, file0, file1);
	tap(within(cur0, cur1) && within(anon0, anon1) && within(file0, file1),
	    "memcg_charges_follow_moved_pages");
	tap(cg_long("memory.events", "oom_kill") == oom0,
	    "no_oom_kill_compacting_at_memory_max");

	kill(pid, SIGCONT);
	waitpid(pid, &status, 0);
	tap(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "swapped_pages_keep_their_bytes");
	/*
	 * Swap slots are freed when the child's memory goes.  A little slack
	 * (4 MiB) for other processes' pages that reclaim swapped meanwhile.
	 */
	for (i = 0; i < 20 && (long)meminfo_kb("SwapFree") < swapfree0; i++)
		usleep(100000);
	printf("# SwapFree %ld kB before, %lu kB after\n", swapfree0,
	       meminfo_kb("SwapFree"));
	tap((long)meminfo_kb("SwapFree") + 4096 >= swapfree0, "swap_free_back");
	tap(vmstat("nr_isolated_anon") == 0 && vmstat("nr_isolated_file") == 0,
	    "nothing_left_isolated");
	rmdir(CG);
	return failed;
}
