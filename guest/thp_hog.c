// SPDX-License-Identifier: GPL-2.0
/*
 * THP faults that need direct compaction, on a CPU shared with a CPU hog.
 * Measures what async compaction does when need_resched() is set under it
 * (issue 23, finding 3): ours used to end an async run there as
 * contended; upstream, and ours since, only call cond_resched().
 *
 *   thp_hog HOG FAULT_MIB
 *
 * Every 2 MiB of 70% of free memory is left half used (fragment()), the
 * free huge blocks left go to hugetlb, then the program, pinned to CPU 0,
 * faults FAULT_MIB of MADV_HUGEPAGE memory (defrag=madvise) 2 MiB at a
 * time; with HOG=1 a busy loop shares CPU 0.  It prints the THP
 * successes and fallbacks, the compaction runs that ended (all, and
 * contended, from the mm_compaction_end tracepoint), compact_stall and
 * the fault latency.  Exit 1 if a kept page lost its contents.  It
 * measures, so no test runs it; to repeat the figures:
 *   VARIANT=ours JOB=thp_hog ARGS="1 256" scripts/guest.sh
 * (2 GiB, 2 vCPUs; 256 MiB of faults fit, 640 MiB ended in an OOM kill).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "fragment.h"

#define HPAGE		(2UL << 20)
#define THP		"/sys/kernel/mm/transparent_hugepage/"
#define TRACING		"/sys/kernel/tracing/"
#define END_EVENT	TRACING "events/compaction/mm_compaction_end/enable"

static void pin_to_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* mm_compaction_end lines in the trace buffer, all and with @status. */
static void count_ends(const char *status, long *all, long *with)
{
	char line[512];
	FILE *f = fopen(TRACING "trace", "r");

	*all = *with = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "mm_compaction_end:"))
			continue;
		(*all)++;
		*with += strstr(line, status) != NULL;
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	int hog = argc > 1 ? atoi(argv[1]) : 1;
	unsigned long mib = argc > 2 ? strtoul(argv[2], NULL, 0) : 256;
	unsigned long chunks = mib / 2, c, off, bad;
	long alloc0, fb0, stall0, ends, contended, huge;
	double *lat, t0;
	pid_t hog_pid = 0;
	struct frag fr;
	char *p;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!chunks || !(lat = calloc(chunks, sizeof(*lat)))) {
		fprintf(stderr, "usage: thp_hog HOG(0|1) FAULT_MIB\n");
		return 2;
	}
	write_file("/proc/sys/vm/compaction_proactiveness", "0");
	write_file("/proc/sys/kernel/numa_balancing", "0");
	if (fragment(&fr, 70, 2)) {
		perror("thp_hog: fragment");
		return 2;
	}
	huge = absorb_free_huge_blocks();
	write_file(THP "enabled", "madvise");
	write_file(THP "defrag", "madvise");
	write_file(THP "khugepaged/defrag", "0");
	p = mmap(NULL, (chunks + 1) * HPAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		perror("thp_hog: mmap");
		return 2;
	}
	p = (char *)(((unsigned long)p + HPAGE - 1) & ~(HPAGE - 1));
	madvise(p, chunks * HPAGE, MADV_HUGEPAGE);

	pin_to_cpu0();
	if (hog) {
		hog_pid = fork();
		if (!hog_pid) {
			/* Do not outlive the faulter (an OOM kill, say). */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			pin_to_cpu0();
			for (;;)
				;
		}
	}
	write_file(TRACING "buffer_size_kb", "16384");
	write_file(TRACING "trace", "");
	write_file(END_EVENT, "1");
	alloc0 = vmstat("thp_fault_alloc");
	fb0 = vmstat("thp_fault_fallback");
	stall0 = vmstat("compact_stall");
	for (c = 0; c < chunks; c++) {
		char *chunk = p + c * HPAGE;

		t0 = now_s();
		chunk[0] = 1;
		lat[c] = (now_s() - t0) * 1e6;
		for (off = PG; off < HPAGE; off += PG)
			chunk[off] = 1;
	}
	write_file(END_EVENT, "0");
	if (hog_pid) {
		kill(hog_pid, SIGKILL);
		waitpid(hog_pid, NULL, 0);
	}
	count_ends("status=contended", &ends, &contended);
	qsort(lat, chunks, sizeof(*lat), cmp_double_asc);
	printf("thp_hog hog=%d: %lu faults, hugetlb took %ld free blocks first\n",
	       hog, chunks, huge);
	printf("thp_hog hog=%d: thp_fault_alloc %ld thp_fault_fallback %ld compact_stall %ld\n",
	       hog, vmstat("thp_fault_alloc") - alloc0,
	       vmstat("thp_fault_fallback") - fb0, vmstat("compact_stall") - stall0);
	printf("thp_hog hog=%d: mm_compaction_end %ld, status=contended %ld\n",
	       hog, ends, contended);
	printf("thp_hog hog=%d: fault latency p50 %.0f us p90 %.0f us max %.0f us\n",
	       hog, percentile(lat, chunks, 50), percentile(lat, chunks, 90),
	       lat[chunks - 1]);
	bad = verify(&fr);
	printf("thp_hog: %lu bad words\n", bad);
	return bad != 0;
}
