// SPDX-License-Identifier: GPL-2.0
/*
 * kprof SECONDS COMM: where the threads named COMM (kcompactd0, say) spend
 * their CPU time in the kernel, sampled for SECONDS.
 *
 * A cpu-clock perf event per CPU samples every 100 us of CPU time with
 * the instruction pointer and the kernel call chain; samples of other
 * threads are dropped.  Prints the symbols with the most samples, by
 * their own time ("self") and by time anywhere below them in the chain
 * ("total"), resolved with /proc/kallsyms.  A measuring tool for the
 * guest, which has no perf.  Threads named COMM that start after kprof
 * are not followed: start it once they run.
 */
#define _GNU_SOURCE
#include "fragment.h"

#include <linux/perf_event.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_CPUS	64
#define RING_PAGES	256	/* data pages per CPU, a power of two */
#define MAX_PIDS	16
#define MAX_DEPTH	64

struct sym {
	uint64_t addr;
	char name[64];
	unsigned long self, total;
};

static struct sym *syms;
static size_t nr_syms;
static int pids[MAX_PIDS], nr_pids;
static unsigned long nr_samples;

static int cmp_addr(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int load_kallsyms(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	size_t cap = 0;
	char line[256];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		char type, name[128];

		if (sscanf(line, "%llx %c %127s", &addr, &type, name) != 3)
			continue;
		if (!addr || (type != 't' && type != 'T'))
			continue;
		if (nr_syms == cap) {
			cap = cap ? cap * 2 : 65536;
			syms = realloc(syms, cap * sizeof(*syms));
			if (!syms)
				return -1;
		}
		syms[nr_syms].addr = addr;
		snprintf(syms[nr_syms].name, sizeof(syms[nr_syms].name), "%.63s", name);
		syms[nr_syms].self = syms[nr_syms].total = 0;
		nr_syms++;
	}
	fclose(f);
	qsort(syms, nr_syms, sizeof(*syms), cmp_addr);
	return nr_syms ? 0 : -1;
}

static struct sym *find_sym(uint64_t ip)
{
	size_t lo = 0, hi = nr_syms;

	if (!nr_syms || ip < syms[0].addr)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (syms[mid].addr <= ip)
			lo = mid;
		else
			hi = mid;
	}
	return &syms[lo];
}

static int wanted(int pid)
{
	int i;

	for (i = 0; i < nr_pids; i++)
		if (pids[i] == pid)
			return 1;
	return 0;
}

/* Count one sample: its IP as self, every distinct symbol of the chain as total. */
static void account(const uint64_t *chain, uint64_t nr)
{
	struct sym *seen[MAX_DEPTH];
	uint64_t i;
	int n = 0, j;

	for (i = 0; i < nr && n < MAX_DEPTH; i++) {
		struct sym *s;

		if (chain[i] >= PERF_CONTEXT_MAX)
			continue;
		s = find_sym(chain[i]);
		if (!s)
			continue;
		if (!n)
			s->self++;
		for (j = 0; j < n && seen[j] != s; j++)
			;
		if (j == n) {
			seen[n++] = s;
			s->total++;
		}
	}
	nr_samples++;
}

/* Consume what the kernel wrote into one CPU's ring. */
static void drain_ring(struct perf_event_mmap_page *meta, size_t data_size)
{
	char *data = (char *)meta + meta->data_offset;
	uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = meta->data_tail;
	static char rec[65536];

	while (tail < head) {
		struct perf_event_header hdr;
		size_t off = tail % data_size, i;

		for (i = 0; i < sizeof(hdr); i++)
			((char *)&hdr)[i] = data[(off + i) % data_size];
		if (hdr.size > sizeof(rec) || hdr.size < sizeof(hdr))
			break;
		for (i = 0; i < hdr.size; i++)
			rec[i] = data[(off + i) % data_size];
		if (hdr.type == PERF_RECORD_SAMPLE) {
			/* ip, pid/tid, callchain nr, ips: as sample_type asks */
			uint64_t *p = (uint64_t *)(rec + sizeof(hdr));
			uint32_t pid = (uint32_t)p[1];
			uint64_t nr = p[2];

			if (wanted(pid) && nr <= MAX_DEPTH * 4)
				account(&p[3], nr);
		}
		tail += hdr.size;
	}
	__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
}

static int cmp_self(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return (y->self > x->self) - (y->self < x->self);
}

static int cmp_total(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return (y->total > x->total) - (y->total < x->total);
}

static void report(int (*cmp)(const void *, const void *), const char *what)
{
	size_t i;

	qsort(syms, nr_syms, sizeof(*syms), cmp);
	printf("kprof: top by %s (%lu samples of 100 us)\n", what, nr_samples);
	for (i = 0; i < 30 && i < nr_syms; i++) {
		unsigned long v = cmp == cmp_self ? syms[i].self : syms[i].total;

		if (!v)
			break;
		printf("kprof: %6.2f%% %6lu %s\n", 100.0 * v / nr_samples, v,
		       syms[i].name);
	}
}

int main(int argc, char **argv)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_period = 100000,	/* ns */
		.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID |
			       PERF_SAMPLE_CALLCHAIN,
		.exclude_user = 1,
		.exclude_callchain_user = 1,
	};
	size_t data_size = RING_PAGES * 4096UL;
	struct perf_event_mmap_page *ring[MAX_CPUS];
	struct pollfd pfd[MAX_CPUS];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN), cpu;
	struct timespec t0, t;
	double secs;

	if (argc != 3 || (secs = atof(argv[1])) <= 0) {
		fprintf(stderr, "usage: kprof SECONDS COMM\n");
		return 2;
	}
	nr_pids = pids_by_comm(argv[2], 0, pids, MAX_PIDS);
	if (!nr_pids) {
		fprintf(stderr, "kprof: no thread called %s\n", argv[2]);
		return 1;
	}
	if (load_kallsyms()) {
		fprintf(stderr, "kprof: cannot read /proc/kallsyms\n");
		return 1;
	}
	if (cpus > MAX_CPUS)
		cpus = MAX_CPUS;
	for (cpu = 0; cpu < cpus; cpu++) {
		int fd = syscall(SYS_perf_event_open, &attr, -1, (int)cpu, -1, 0);

		if (fd < 0) {
			perror("kprof: perf_event_open");
			return 1;
		}
		ring[cpu] = mmap(NULL, data_size + 4096, PROT_READ | PROT_WRITE,
				 MAP_SHARED, fd, 0);
		if (ring[cpu] == MAP_FAILED) {
			perror("kprof: mmap");
			return 1;
		}
		pfd[cpu].fd = fd;
		pfd[cpu].events = POLLIN;
		ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		poll(pfd, cpus, 50);
		for (cpu = 0; cpu < cpus; cpu++)
			drain_ring(ring[cpu], data_size);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec + (t.tv_nsec - t0.tv_nsec) / 1e9 < secs);

	report(cmp_self, "self");
	report(cmp_total, "total");
	return 0;
}
