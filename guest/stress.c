// SPDX-License-Identifier: GPL-2.0
/*
 * Stress workers for `make stress` (guest/jobs/stress.sh runs them side by
 * side). One worker per process, chosen by the first argument:
 *
 *   stress verify SECONDS MB         patterned 4 KiB pages, 1 in 4 kept,
 *                                    verified and rewritten until the end
 *   stress thp SECONDS MB            THP faults (MADV_HUGEPAGE), verify,
 *                                    split half of them, unmap
 *   stress killer SECONDS MB [MS]    SIGKILL children while they fault THPs;
 *                                    fails if kill() -> waitpid() > MS (60000:
 *                                    a hang bound, not a speed limit; the
 *                                    kill -> reap times are figures);
 *                                    traces which kills hit compaction
 *   stress hugetlb SECONDS MB        nr_hugepages, global and per node, up
 *                                    and down; restored at the end
 *   stress compact SECONDS           compact_memory, node*\/compact and
 *                                    compaction_proactiveness in a loop
 *   stress cma SECONDS               CMA debugfs alloc/free of ranges
 *   stress failalloc SECONDS         fail_page_alloc on order >= 9 while
 *                                    faulting THPs; settings restored
 *   stress ksm SECONDS MB            KSM-merged pages that are broken by
 *                                    writes and merged again, verified
 *   stress swap SECONDS MB           random reads and rewrites of MB of
 *                                    patterned pages, run inside a memory
 *                                    cgroup smaller than MB so that they
 *                                    swap; every page read is verified
 *   stress zram SECONDS DEV          blocks of a zram device (zsmalloc
 *                                    pages) rewritten and read back with
 *                                    O_DIRECT, verified
 *
 * Every line printed starts with "# " (TAP diagnostics); the last one is
 * "# stress NAME: ops=N ...". Exit code: 0 ok, 1 failure, 2 usage,
 * 4 skipped (the kernel lacks the interface). A worker that did no
 * operation at all fails: it exercised nothing, so it proves nothing.
 */
#define _GNU_SOURCE		/* O_DIRECT */
#include <glob.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "fragment.h"

#define HPAGE (2UL << 20)
#define KEEP 4			/* verify keeps one page in KEEP resident */
#define EXIT_SKIP 4

static double deadline;		/* CLOCK_MONOTONIC seconds */
static double run_seconds;
static uint64_t rng;

/* xorshift64*: cheap, and reproducible from the seed printed at start. */
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static unsigned long rnd_below(unsigned long n)
{
	return n ? rnd() % n : 0;
}

static int time_left(void)
{
	return now_s() < deadline;
}

/*
 * The value of word @w of page @pg at generation @gen. A multiply-xorshift
 * finaliser, so that a page or word moved to the wrong place, a stale
 * generation or a zeroed page all show up as a mismatch.
 */
static uint64_t mix(uint64_t seed, uint64_t pg, uint64_t w, uint64_t gen)
{
	uint64_t x = seed + pg * 0x9e3779b97f4a7c15ULL + gen * 0xc2b2ae3d27d4eb4fULL + w;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * 1 (a failure) when a worker that ran did nothing of what it is for,
 * with a line saying so; 0 otherwise.
 */
static int no_work(const char *name, unsigned long done, const char *what)
{
	if (done)
		return 0;
	printf("# stress %s: no %s in the whole run\n", name, what);
	return 1;
}

/* Numeric argument @i of @argv, or @dflt when absent. */
static long arg_long(int argc, char **argv, int i, long dflt)
{
	return i < argc ? atol(argv[i]) : dflt;
}

/* ---- verify: every resident byte, checked again and again ---- */

struct vpages {
	char *base;
	unsigned long pages;		/* mapped, a multiple of KEEP */
	uint32_t *gen;			/* per kept page */
	uint64_t seed;
	unsigned long passes, rewrites, verified;
};

static uint64_t *vpage(const struct vpages *v, unsigned long pg)
{
	return (uint64_t *)(v->base + pg * PG);
}

static void fill_page(struct vpages *v, unsigned long pg)
{
	uint64_t *p = vpage(v, pg);
	uint32_t gen = v->gen[pg / KEEP];
	unsigned long w;

	for (w = 0; w < PG / 8; w++)
		p[w] = mix(v->seed, pg, w, gen);
}

/* 0 when page @pg holds its pattern; otherwise report the first bad word. */
static int check_page(struct vpages *v, unsigned long pg)
{
	const uint64_t *p = vpage(v, pg);
	uint32_t gen = v->gen[pg / KEEP];
	unsigned long w, first = PG, bad = 0;

	for (w = 0; w < PG / 8; w++)
		if (p[w] != mix(v->seed, pg, w, gen)) {
			bad++;
			if (first == PG)
				first = w;
		}
	if (!bad) {
		v->verified++;
		return 0;
	}
	printf("# stress verify: page %lu word %lu (offset 0x%lx) expected 0x%016" PRIx64
	       " found 0x%016" PRIx64 ", generation %u, %lu bad words in the page\n",
	       pg, first, pg * PG + first * 8, mix(v->seed, pg, first, gen), p[first],
	       gen, bad);
	return 1;
}

/*
 * Fill every page, then punch out 3 of every 4: the kept pages sit between
 * freed ones, so memory is fragmented and compaction has to move them.
 * THP is off for the mapping so that the holes are real 4 KiB holes.
 */
static int verify_setup(struct vpages *v, unsigned long mb)
{
	unsigned long pg, len;

	v->pages = (mb << 8) / KEEP * KEEP;
	len = v->pages * PG;
	v->gen = calloc(v->pages / KEEP + 1, sizeof(*v->gen));
	v->base = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!v->pages || !v->gen || v->base == MAP_FAILED)
		return -1;
	if (madvise(v->base, len, MADV_NOHUGEPAGE))
		return -1;
	for (pg = 0; pg < v->pages; pg++)
		fill_page(v, pg);
	for (pg = 0; pg < v->pages; pg += KEEP)
		if (madvise(vpage(v, pg + 1), (KEEP - 1) * PG, MADV_DONTNEED))
			return -1;
	return 0;
}

/*
 * Rewrite @n kept pages from kept index @first with the next generation.
 * Each page is dropped first, so that the write faults in a fresh page:
 * the worker frees and allocates memory while compaction runs.
 */
static int verify_rewrite(struct vpages *v, unsigned long first, unsigned long n)
{
	unsigned long kept = v->pages / KEEP, i;

	for (i = 0; i < n; i++) {
		unsigned long pg = (first + i) % kept * KEEP;

		if (madvise(vpage(v, pg), PG, MADV_DONTNEED))
			return 1;
		v->gen[pg / KEEP]++;
		fill_page(v, pg);
		if (check_page(v, pg))
			return 1;
		v->rewrites++;
	}
	return 0;
}

/* One pass over every kept page; with @timed it stops at the deadline. */
static int verify_pass(struct vpages *v, int timed)
{
	unsigned long pg;

	for (pg = 0; pg < v->pages; pg += KEEP) {
		if (check_page(v, pg))
			return 1;
		if (timed && !(pg & 0xfff) && !time_left())
			break;
	}
	return 0;
}

static int do_verify(int argc, char **argv)
{
	struct vpages v = { .seed = rnd() };
	unsigned long kept, chunk, next = 0;
	int err = 0;

	if (verify_setup(&v, arg_long(argc, argv, 0, 256))) {
		printf("# stress verify: setup failed: %s\n", strerror(errno));
		return 1;
	}
	kept = v.pages / KEEP;
	chunk = kept / 16 + 1;
	/* The window starts once memory is fragmented; the job waits for this. */
	printf("# stress verify: ready, %lu MiB mapped, %lu MiB resident\n",
	       v.pages >> 8, kept >> 8);
	deadline = now_s() + run_seconds;
	while (!err && time_left()) {
		err = verify_pass(&v, 1) || verify_rewrite(&v, next, chunk);
		next = (next + chunk) % kept;
		v.passes++;
	}
	if (!err)
		err = verify_pass(&v, 0);	/* a last full look */
	err |= no_work("verify", v.rewrites, "page rewritten");
	printf("# stress verify: ops=%lu passes=%lu pages_verified=%lu bytes_verified=%lu resident_mb=%lu seed=0x%" PRIx64 "%s\n",
	       v.rewrites, v.passes, v.verified, v.verified * PG, kept >> 8,
	       v.seed, err ? " FAILED" : "");
	return err;
}

/* ---- THP faults, shared by thp, killer and failalloc ---- */

struct thp_stats {
	unsigned long ops, huge, fallback, verified;
};

/* A @bytes long anonymous mapping starting on a 2 MiB boundary, or NULL. */
static char *map_aligned(unsigned long bytes)
{
	char *p = mmap(NULL, bytes + HPAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long head;

	if (p == MAP_FAILED)
		return NULL;
	head = (HPAGE - ((uintptr_t)p & (HPAGE - 1))) & (HPAGE - 1);
	if (head)
		munmap(p, head);
	munmap(p + head + bytes, HPAGE - head);
	return p + head;
}

/* AnonHugePages of this process in kB; its only huge mappings are ours. */
static unsigned long anon_huge_kb(void)
{
	char line[256];
	unsigned long kb = 0;
	FILE *f = fopen("/proc/self/smaps_rollup", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %lu", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * Check the first word of every page of @p; the upper half of every odd
 * 2 MiB region is skipped once @split has zapped it.
 */
static int thp_check(const char *p, unsigned long bytes, uint64_t seed,
		     int split, struct thp_stats *st)
{
	unsigned long off;

	for (off = 0; off < bytes; off += PG) {
		uint64_t got = *(const uint64_t *)(p + off);

		if (split && (off / HPAGE) % 2 && off % HPAGE >= HPAGE / 2)
			continue;
		if (got != mix(seed, off / PG, 0, st->ops)) {
			printf("# stress thp: offset 0x%lx expected 0x%016" PRIx64
			       " found 0x%016" PRIx64 "%s\n", off,
			       mix(seed, off / PG, 0, st->ops), got,
			       split ? " after the split" : "");
			return 1;
		}
		st->verified += PG;
	}
	return 0;
}

/*
 * One round: fault @bytes of THP-eligible memory, count the huge pages we
 * got, verify, zap the upper half of every other huge page (a partial
 * unmap splits it), verify what is left and unmap.
 */
static int thp_round(unsigned long bytes, uint64_t seed, struct thp_stats *st)
{
	unsigned long off, regions = bytes / HPAGE, huge;
	char *p = map_aligned(bytes);
	int err;

	if (!p) {
		usleep(10000);	/* no address space now: not a failure */
		return 0;
	}
	madvise(p, bytes, MADV_HUGEPAGE);
	for (off = 0; off < bytes; off += PG)
		*(uint64_t *)(p + off) = mix(seed, off / PG, 0, st->ops);
	huge = anon_huge_kb() / 2048;
	huge = huge < regions ? huge : regions;
	st->huge += huge;
	st->fallback += regions - huge;
	err = thp_check(p, bytes, seed, 0, st);
	for (off = HPAGE; !err && off < bytes; off += 2 * HPAGE)
		madvise(p + off + HPAGE / 2, HPAGE / 2, MADV_DONTNEED);
	if (!err)
		err = thp_check(p, bytes, seed, 1, st);
	munmap(p, bytes);
	st->ops++;
	return err;
}

static int do_thp(int argc, char **argv)
{
	unsigned long bytes = (arg_long(argc, argv, 0, 64) << 20) & ~(HPAGE - 1);
	struct thp_stats st = { 0 };
	uint64_t seed = rnd();
	int err = 0;

	if (!bytes)
		bytes = HPAGE;
	while (!err && time_left())
		err = thp_round(bytes, seed, &st);
	err |= no_work("thp", st.ops, "round of THP faults");
	printf("# stress thp: ops=%lu thp=%lu fallback=%lu bytes_verified=%lu%s\n",
	       st.ops, st.huge, st.fallback, st.verified, err ? " FAILED" : "");
	return err;
}

/* ---- killer: SIGKILL tasks in the middle of THP faults ---- */

/*
 * A killed child not reaped after this long is stuck, not slow: the bound
 * is for hangs. How fast kills are reaped is a figure (kill_p50_ms, ...)
 * that make stress compares between kernels; a test does not time it,
 * since a TCG guest on a shared host runs at whatever speed it gets.
 */
#define KILL_HANG_MS	60000

/* Kill times kept for percentiles; a 10-minute run does about 2000. */
#define KILL_SAMPLES 65536

struct kill_stats {
	unsigned long ops, kills, early, over, stalled;
	double max_ms, sum_ms;
	double ms[KILL_SAMPLES];
	/* From the trace: kills that hit a child inside compaction. */
	int traced;
	unsigned long in_compaction, no_end;
	double exit_ms[KILL_SAMPLES];
};

/*
 * Most kills land outside compaction, and kill -> reap is mostly exit work
 * (unmapping, freeing) that says little about compaction.  So the killer
 * also follows its children in a trace instance of its own: the SIGKILL
 * (signal_generate, in the killer's context) and the child's
 * mm_compaction_begin/end.  A kill that arrives between a begin and its
 * end is a kill inside compaction; the time from the signal to that end
 * is how long compaction took to notice and leave.
 *
 * The instance records every task; the parser picks the child's lines.
 * Filtering by PID in the kernel (set_event_pid) would hook the scheduler's
 * tracepoints, and patching __schedule() while three vCPUs run it once
 * oopsed the guest under QEMU TCG (an int3 left for no patch site).
 */
#define KTRACE "/sys/kernel/tracing/instances/stress_killer"

static int ktrace_fd = -1;

static int ktrace_start(void)
{
	if (mkdir(KTRACE, 0755) && errno != EEXIST)
		return -1;
	if (write_file(KTRACE "/trace_clock", "mono") ||
	    write_file(KTRACE "/buffer_size_kb", "4096") ||
	    write_file(KTRACE "/events/signal/signal_generate/filter", "sig == 9") ||
	    write_file(KTRACE "/events/signal/signal_generate/enable", "1") ||
	    write_file(KTRACE "/events/compaction/mm_compaction_begin/enable", "1") ||
	    write_file(KTRACE "/events/compaction/mm_compaction_end/enable", "1"))
		return -1;
	ktrace_fd = open(KTRACE "/trace_pipe", O_RDONLY | O_NONBLOCK);
	return ktrace_fd < 0 ? -1 : 0;
}

static void ktrace_stop(void)
{
	if (ktrace_fd < 0)
		return;
	close(ktrace_fd);
	write_file(KTRACE "/tracing_on", "0");
	write_file(KTRACE "/events/enable", "0");
	rmdir(KTRACE);
}

/* Where one killed child stands in the trace. */
struct kchild {
	int pid;
	int inside;		/* between mm_compaction_begin and _end */
	double kill_ts;		/* signal seen while inside; 0 if not */
};

/*
 * One trace line: "comm-PID [cpu] flags TS: event: fields".  Only events
 * of @c (its own, or the signal sent to it) change its state.
 */
static void ktrace_line(const char *line, struct kchild *c,
			struct kill_stats *ks)
{
	const char *cpu = strstr(line, " [");
	const char *ev, *dash;
	double ts;
	int pid = 0;

	if (!cpu || line[0] == '#')
		return;
	for (dash = cpu; dash > line && dash[-1] != '-'; dash--)
		;
	if (dash > line)
		pid = atoi(dash);
	ev = strstr(cpu, ": ");
	if (!ev)
		return;
	while (ev > cpu && ev[-1] != ' ')
		ev--;
	ts = atof(ev);
	ev = strstr(ev, ": ") + 2;
	if (!strncmp(ev, "signal_generate:", 16)) {
		const char *to = strstr(ev, " pid=");

		if (to && atoi(to + 5) == c->pid && c->inside && !c->kill_ts)
			c->kill_ts = ts;
		return;
	}
	if (pid != c->pid)
		return;
	if (!strncmp(ev, "mm_compaction_begin:", 20)) {
		c->inside = 1;
	} else if (!strncmp(ev, "mm_compaction_end:", 18)) {
		if (c->kill_ts) {
			if (ks->in_compaction < KILL_SAMPLES)
				ks->exit_ms[ks->in_compaction] = (ts - c->kill_ts) * 1000;
			ks->in_compaction++;
			c->kill_ts = 0;
		}
		c->inside = 0;
	}
}

/* Read what the trace holds now (the child @pid is dead) and account it. */
static void ktrace_drain(int pid, struct kill_stats *ks)
{
	static char buf[1 << 16];
	static size_t have;
	struct kchild c = { .pid = pid };
	ssize_t n;

	if (ktrace_fd < 0)
		return;
	for (;;) {
		char *line, *nl;

		n = read(ktrace_fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			break;
		have += n;
		buf[have] = 0;
		for (line = buf; (nl = strchr(line, '\n')); line = nl + 1) {
			*nl = 0;
			ktrace_line(line, &c, ks);
		}
		have = strlen(line);
		memmove(buf, line, have);
		if (have >= sizeof(buf) - 1)
			have = 0;	/* a line longer than the buffer: drop it */
	}
	/* Killed inside compaction, then no end before the child was reaped. */
	if (c.kill_ts)
		ks->no_end++;
}

/*
 * The child: tell the parent through @fd that faulting starts, then fault
 * THPs (defrag=always: direct compaction) until killed. Each pass drops
 * the memory first so that every pass faults again.
 */
static void killer_child(unsigned long bytes, int fd)
{
	char *p = map_aligned(bytes);
	unsigned long off;

	if (!p)
		_exit(3);
	madvise(p, bytes, MADV_HUGEPAGE);
	if (write(fd, "x", 1) != 1)
		_exit(3);
	for (;;) {
		for (off = 0; off < bytes; off += PG)
			p[off] = 1;
		madvise(p, bytes, MADV_DONTNEED);
	}
}

/* Kill the started child @pid after a pseudo-random delay; time the reap. */
static void kill_and_time(pid_t pid, long stall0, long bound_ms,
			  struct kill_stats *ks)
{
	int status;
	double t0, ms;

	usleep(rnd_below(300000));
	if (vmstat("compact_stall") > stall0)
		ks->stalled++;	/* some task stalled in compaction meanwhile */
	t0 = now_s();
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	ms = (now_s() - t0) * 1000;
	ktrace_drain(pid, ks);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
		ks->early++;
		return;
	}
	if (ks->kills < KILL_SAMPLES)
		ks->ms[ks->kills] = ms;
	ks->kills++;
	ks->sum_ms += ms;
	if (ms > ks->max_ms)
		ks->max_ms = ms;
	if (ms > bound_ms) {
		ks->over++;
		printf("# stress killer: kill -> reap took %.0f ms (bound %ld ms)\n",
		       ms, bound_ms);
	}
}

/* Start one child, wait until it faults, kill it. -1 when fork fails. */
static int kill_one(unsigned long bytes, long bound_ms, struct kill_stats *ks)
{
	long stall0 = vmstat("compact_stall");
	int fds[2], status;
	pid_t pid;
	char c;

	if (pipe(fds))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (!pid) {
		close(fds[0]);
		killer_child(bytes, fds[1]);
	}
	close(fds[1]);
	ks->ops++;
	if (read(fds[0], &c, 1) == 1) {
		kill_and_time(pid, stall0, bound_ms, ks);
	} else {
		ks->early++;	/* the child could not map its memory */
		waitpid(pid, &status, 0);
	}
	close(fds[0]);
	return 0;
}

static int do_killer(int argc, char **argv)
{
	unsigned long bytes = (arg_long(argc, argv, 0, 64) << 20) & ~(HPAGE - 1);
	long bound_ms = arg_long(argc, argv, 1, KILL_HANG_MS);
	static struct kill_stats ks;
	unsigned long forkfail = 0, kept;
	double p50, p99;
	int err;

	if (!bytes)
		bytes = HPAGE;
	ks.traced = !ktrace_start();
	if (!ks.traced)
		printf("# stress killer: no trace instance (%s): kills inside compaction not told apart\n",
		       strerror(errno));
	while (time_left())
		if (kill_one(bytes, bound_ms, &ks)) {
			forkfail++;
			usleep(100000);
		}
	ktrace_stop();
	err = no_work("killer", ks.kills, "child killed while faulting") || ks.over;
	kept = ks.kills < KILL_SAMPLES ? ks.kills : KILL_SAMPLES;
	qsort(ks.ms, kept, sizeof(ks.ms[0]), cmp_double_asc);
	p50 = percentile(ks.ms, kept, 50);
	p99 = percentile(ks.ms, kept, 99);
	printf("# stress killer: ops=%lu kills=%lu kill_max_ms=%.1f kill_avg_ms=%.1f kill_p50_ms=%.1f kill_p99_ms=%.1f over_bound=%lu bound_ms=%ld stall_overlap=%lu early=%lu fork_failed=%lu",
	       ks.ops, ks.kills, ks.max_ms, ks.kills ? ks.sum_ms / ks.kills : 0.0,
	       p50, p99, ks.over, bound_ms, ks.stalled, ks.early, forkfail);
	if (ks.traced) {
		kept = ks.in_compaction < KILL_SAMPLES ? ks.in_compaction : KILL_SAMPLES;
		qsort(ks.exit_ms, kept, sizeof(ks.exit_ms[0]), cmp_double_asc);
		printf(" in_compaction=%lu exit_p50_ms=%.2f exit_p99_ms=%.2f exit_max_ms=%.2f no_end=%lu",
		       ks.in_compaction, percentile(ks.exit_ms, kept, 50),
		       percentile(ks.exit_ms, kept, 99),
		       kept ? ks.exit_ms[kept - 1] : 0.0, ks.no_end);
	}
	printf("%s\n", err ? " FAILED" : "");
	return err;
}

/* ---- hugetlb: the pool up and down, globally and per node ---- */

#define NODE_HUGEPAGES "/sys/devices/system/node/node*/hugepages/hugepages-2048kB/nr_hugepages"

struct hugetlb_stats {
	unsigned long ops, shortfall, errors;
	long peak;
};

/*
 * Set a random pool size through the global file or one node's file.  A
 * resize that cannot be met still succeeds (the pool grows as far as it
 * can), so a refused write is an error, not a shortfall, and is no op.
 */
static void hugetlb_step(const glob_t *nodes, long max, struct hugetlb_stats *hs)
{
	const char *path = NR_HUGEPAGES;
	long want = rnd_below(max + 1), got;
	int ret;

	if (nodes->gl_pathc && (rnd() & 1))
		path = nodes->gl_pathv[rnd_below(nodes->gl_pathc)];
	ret = write_long(path, want);
	if (ret) {
		if (!hs->errors++)
			printf("# stress hugetlb: %ld > %s refused: %s\n",
			       want, path, strerror(-ret));
		usleep(rnd_below(100000));
		return;
	}
	got = file_long(path);
	if (got < want)
		hs->shortfall++;	/* compaction could not make them all */
	got = file_long(NR_HUGEPAGES);
	if (got > hs->peak)
		hs->peak = got;
	hs->ops++;
	usleep(rnd_below(100000));
}

/* Put the global and the per-node pools back; 0 when they are. */
static int hugetlb_restore(const glob_t *nodes, long orig, const long *node_orig)
{
	size_t i;
	int err = 0;

	write_long(NR_HUGEPAGES, orig);
	for (i = 0; i < nodes->gl_pathc; i++) {
		if (file_long(nodes->gl_pathv[i]) != node_orig[i])
			write_long(nodes->gl_pathv[i], node_orig[i]);
		if (file_long(nodes->gl_pathv[i]) != node_orig[i])
			err = 1;
	}
	if (file_long(NR_HUGEPAGES) != orig)
		err = 1;
	if (err)
		printf("# stress hugetlb: pool not restored: %ld, was %ld\n",
		       file_long(NR_HUGEPAGES), orig);
	return err;
}

static int do_hugetlb(int argc, char **argv)
{
	long max = arg_long(argc, argv, 0, 256) / 2, orig = file_long(NR_HUGEPAGES);
	struct hugetlb_stats hs = { 0 };
	glob_t nodes = { 0 };
	long *node_orig;
	size_t i;
	int err;

	if (orig < 0) {
		printf("# stress hugetlb: ops=0 SKIP no %s\n", NR_HUGEPAGES);
		return EXIT_SKIP;
	}
	glob(NODE_HUGEPAGES, 0, NULL, &nodes);
	node_orig = calloc(nodes.gl_pathc + 1, sizeof(*node_orig));
	if (!node_orig)
		return 1;
	for (i = 0; i < nodes.gl_pathc; i++)
		node_orig[i] = file_long(nodes.gl_pathv[i]);
	while (time_left())
		hugetlb_step(&nodes, max, &hs);
	err = hugetlb_restore(&nodes, orig, node_orig);
	err |= no_work("hugetlb", hs.ops, "pool resize");
	err |= hs.errors != 0;
	printf("# stress hugetlb: ops=%lu shortfall=%lu errors=%lu peak_pages=%ld max_pages=%ld nodes=%zu%s\n",
	       hs.ops, hs.shortfall, hs.errors, hs.peak, max, nodes.gl_pathc,
	       err ? " FAILED" : "");
	globfree(&nodes);
	free(node_orig);
	return err;
}

/* ---- compact: every way user space can ask for compaction ---- */

#define PROACTIVENESS "/proc/sys/vm/compaction_proactiveness"
#define COMPACT_MEMORY "/proc/sys/vm/compact_memory"

/* One write of "1" to @path, timed; counts an error when it fails. */
static void compact_once(const char *path, double *max_ms, unsigned long *errs)
{
	double t0 = now_s(), ms;
	int ret = write_file(path, "1");

	ms = (now_s() - t0) * 1000;
	if (ms > *max_ms)
		*max_ms = ms;
	if (ret) {
		(*errs)++;
		printf("# stress compact: write 1 > %s: %s\n", path, strerror(-ret));
	}
}

static int do_compact(int argc, char **argv)
{
	static const char *const levels[] = { "0", "20", "60", "100" };
	long orig = file_long(PROACTIVENESS);
	unsigned long ops = 0, node_ops = 0, errs = 0;
	double max_ms = 0;
	glob_t nodes = { 0 };
	size_t i;
	int err;

	(void)argc;
	(void)argv;
	if (access(COMPACT_MEMORY, W_OK)) {
		printf("# stress compact: ops=0 SKIP no %s\n", COMPACT_MEMORY);
		return EXIT_SKIP;
	}
	glob("/sys/devices/system/node/node*/compact", 0, NULL, &nodes);
	while (time_left()) {
		compact_once(COMPACT_MEMORY, &max_ms, &errs);
		for (i = 0; i < nodes.gl_pathc && time_left(); i++, node_ops++)
			compact_once(nodes.gl_pathv[i], &max_ms, &errs);
		/* Each change to a non-zero level also wakes kcompactd. */
		if (orig >= 0 && write_file(PROACTIVENESS, levels[ops % 4]))
			errs++;
		ops++;
	}
	if (orig >= 0 && write_long(PROACTIVENESS, orig))
		errs++;
	err = no_work("compact", ops, "round of compaction requests") || errs;
	printf("# stress compact: ops=%lu node_ops=%lu compact_max_ms=%.0f errors=%lu proactiveness_restored=%ld%s\n",
	       ops, node_ops, max_ms, errs, file_long(PROACTIVENESS), err ? " FAILED" : "");
	globfree(&nodes);
	return err;
}

/* ---- cma: alloc_contig_range through the CMA debugfs files ---- */

#define CMA_STACK 64

struct cma_area {
	char dir[256];
	long count, used0, held;
	long stack[CMA_STACK];	/* our allocations, newest last */
	int depth;
	unsigned long ops, allocs, failed, pages;
};

/* debugfs keeps a list of allocations and frees the newest first. */
static int cma_write(const struct cma_area *a, const char *file, long n)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/%s", a->dir, file);
	return write_long(path, n);
}

static long cma_read(const struct cma_area *a, const char *file)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/%s", a->dir, file);
	return file_long(path);
}

/* The first CMA area with debugfs files; 0 when there is one. */
static int cma_find(struct cma_area *a)
{
	glob_t g = { 0 };
	char *slash;

	if (glob("/sys/kernel/debug/cma/*/alloc", 0, NULL, &g) || !g.gl_pathc) {
		globfree(&g);
		return -1;
	}
	snprintf(a->dir, sizeof(a->dir), "%s", g.gl_pathv[0]);
	globfree(&g);
	slash = strrchr(a->dir, '/');
	*slash = 0;
	a->count = cma_read(a, "count");
	a->used0 = cma_read(a, "used");
	return a->count > 0 ? 0 : -1;
}

/*
 * Allocate a random range (up to 1/8 of the area, at most half of it held)
 * or free our newest allocation, whole, as debugfs keeps it.
 */
static int cma_step(struct cma_area *a)
{
	long n;

	a->ops++;
	if (a->depth < CMA_STACK && (!a->depth || (rnd() & 1)) &&
	    a->held < a->count / 2) {
		n = 1 + rnd_below(a->count / 8);
		if (cma_write(a, "alloc", n)) {
			a->failed++;	/* pinned or busy pages: allowed */
			return 0;
		}
		a->stack[a->depth++] = n;
		a->held += n;
		a->allocs++;
		a->pages += n;
		return 0;
	}
	n = a->stack[--a->depth];
	a->held -= n;
	return cma_write(a, "free", n);
}

static int do_cma(int argc, char **argv)
{
	struct cma_area *a = calloc(1, sizeof(*a));
	long used;
	int err = 0;

	(void)argc;
	(void)argv;
	if (!a || cma_find(a)) {
		printf("# stress cma: ops=0 SKIP no CMA area in debugfs (boot with cma=)\n");
		free(a);
		return EXIT_SKIP;
	}
	while (!err && time_left())
		err = cma_step(a);
	while (!err && a->depth)
		err = cma_write(a, "free", a->stack[--a->depth]);
	/*
	 * A single attempt may fail (a page in the range pinned or busy
	 * meanwhile), but a run without one success never got a range
	 * emptied by migration: alloc_contig_range did not work at all.
	 */
	err |= no_work("cma", a->allocs, "successful allocation");
	used = cma_read(a, "used");
	if (used != a->used0) {
		printf("# stress cma: %s/used is %ld, was %ld at the start\n",
		       a->dir, used, a->used0);
		err = 1;
	}
	printf("# stress cma: ops=%lu allocs=%lu failed=%lu pages=%lu area_pages=%ld%s\n",
	       a->ops, a->allocs, a->failed, a->pages, a->count, err ? " FAILED" : "");
	free(a);
	return err;
}

/* ---- failalloc: fail_page_alloc on huge allocations ---- */

#define FPA "/sys/kernel/debug/fail_page_alloc/"
#define FPA_TIMES 1000000000L	/* counts down: what is used was injected */

/*
 * verbose=0 first: with the default 2 every injected failure dumps a
 * stack, which the host would take for a kernel report. Probability last,
 * so the fault is armed only once it is confined to order >= 9.
 */
static const char *const fpa_keys[] = {
	"verbose", "task-filter", "interval", "space", "times",
	"ignore-gfp-wait", "ignore-gfp-highmem", "min-order", "probability",
};
static const char *const fpa_vals[] = {
	"0", "N", "1", "0", "1000000000", "N", "N", "9", "5",
};
#define FPA_N (sizeof(fpa_keys) / sizeof(fpa_keys[0]))

static int fpa_read(const char *key, char *buf, size_t len)
{
	char path[128];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), FPA "%s", key);
	fd = open(path, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, len - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static int fpa_write(const char *key, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), FPA "%s", key);
	return write_file(path, val);
}

/* Write @vals in order; with @reverse, in reverse order (disarm first). */
static int fpa_apply(char vals[][32], int reverse)
{
	size_t i, k;
	int err = 0;

	for (i = 0; i < FPA_N; i++) {
		k = reverse ? FPA_N - 1 - i : i;
		if (fpa_write(fpa_keys[k], vals[k])) {
			printf("# stress failalloc: cannot set %s to %s\n", fpa_keys[k], vals[k]);
			err = 1;
		}
	}
	return err;
}

/*
 * Failures injected since "times" was set to FPA_TIMES: each injection
 * counts it down (lib/fault-inject.c), whoever's allocation it hit.
 * -1 when it cannot be read.
 */
static long fpa_injected(void)
{
	char times[32];
	char *end;
	long left;

	if (fpa_read("times", times, sizeof(times)))
		return -1;
	left = strtol(times, &end, 10);
	if (end == times || *end || left < 0 || left > FPA_TIMES)
		return -1;
	return FPA_TIMES - left;
}

static int do_failalloc(int argc, char **argv)
{
	char orig[FPA_N][32], test[FPA_N][32];
	struct thp_stats st = { 0 };
	uint64_t seed = rnd();
	long injected;
	size_t i;
	int err = 0, restored;

	(void)argc;
	(void)argv;
	for (i = 0; i < FPA_N; i++) {
		snprintf(test[i], sizeof(test[i]), "%s", fpa_vals[i]);
		if (fpa_read(fpa_keys[i], orig[i], sizeof(orig[i]))) {
			printf("# stress failalloc: ops=0 SKIP no %s%s\n", FPA, fpa_keys[i]);
			return EXIT_SKIP;
		}
	}
	err = fpa_apply(test, 0);
	while (!err && time_left())
		err = thp_round(16UL << 20, seed, &st);
	/* Read while still armed: what it says is what this run injected. */
	injected = fpa_injected();
	restored = !fpa_apply(orig, 1);
	err |= no_work("failalloc", st.ops, "round of THP faults");
	/*
	 * The point of the worker is allocations that fail while compaction
	 * works. Each round makes 8 order-9 THP faults, each failed at 5%,
	 * and the other workers' order-9 allocations count too: a run of
	 * more than a few rounds injects, and none means the settings did
	 * not take (or no order-9 allocation reached the page allocator).
	 */
	if (injected < 0)
		printf("# stress failalloc: cannot read %stimes\n", FPA);
	err |= no_work("failalloc", injected > 0, "injected allocation failure");
	err |= !restored;
	printf("# stress failalloc: ops=%lu injected=%ld thp=%lu fallback=%lu bytes_verified=%lu restored=%s%s\n",
	       st.ops, injected, st.huge, st.fallback, st.verified,
	       restored ? "yes" : "no", err ? " FAILED" : "");
	return err;
}

/* ---- ksm: merged pages, unmerged by writes, merged again ---- */

#define KSM_DIR "/sys/kernel/mm/ksm/"
#define KSM_CLASSES 8		/* distinct contents per generation */

struct ksm_area {
	char *base;
	unsigned long pages, verified, rewrites;
	unsigned char *gen;	/* per page, 0 or 1 */
	uint64_t seed;
};

/*
 * Page @pg holds the content of its class at its generation: pages of a
 * class and generation are identical, so ksmd merges them, and a rewrite
 * to the other generation breaks the merge (COW) until ksmd merges the
 * page into the other generation's KSM page.
 */
static uint64_t ksm_word(const struct ksm_area *k, unsigned long pg, unsigned long w)
{
	return mix(k->seed, pg % KSM_CLASSES, w, k->gen[pg]);
}

static void ksm_fill(struct ksm_area *k, unsigned long pg)
{
	uint64_t *p = (uint64_t *)(k->base + pg * PG);
	unsigned long w;

	for (w = 0; w < PG / 8; w++)
		p[w] = ksm_word(k, pg, w);
}

static int ksm_check(struct ksm_area *k, unsigned long pg)
{
	const uint64_t *p = (const uint64_t *)(k->base + pg * PG);
	unsigned long w;

	for (w = 0; w < PG / 8; w++)
		if (p[w] != ksm_word(k, pg, w)) {
			printf("# stress ksm: page %lu word %lu expected 0x%016" PRIx64
			       " found 0x%016" PRIx64 ", class %lu generation %u\n",
			       pg, w, ksm_word(k, pg, w), p[w], pg % KSM_CLASSES,
			       k->gen[pg]);
			return 1;
		}
	k->verified++;
	return 0;
}

/* ksmd's settings, set for the run and put back after it. */
static const char *const ksm_keys[] = { "run", "pages_to_scan", "sleep_millisecs" };
static const char *const ksm_vals[] = { "1", "1000", "20" };
#define KSM_NKEYS (sizeof(ksm_keys) / sizeof(ksm_keys[0]))

static int ksm_settings(long *saved, int restore)
{
	char path[128];
	size_t i;
	int err = 0;

	for (i = 0; i < KSM_NKEYS; i++) {
		snprintf(path, sizeof(path), KSM_DIR "%s", ksm_keys[i]);
		if (restore) {
			err |= saved[i] >= 0 && write_long(path, saved[i]);
		} else {
			saved[i] = file_long(path);
			err |= write_file(path, ksm_vals[i]) != 0;
		}
	}
	return err;
}

static int do_ksm(int argc, char **argv)
{
	struct ksm_area k = { .seed = rnd() };
	long saved[KSM_NKEYS], sharing, sharing_max = 0;
	unsigned long pg, passes = 0;
	int err = 0;

	if (access(KSM_DIR "run", W_OK)) {
		printf("# stress ksm: ops=0 SKIP no %srun (CONFIG_KSM)\n", KSM_DIR);
		return EXIT_SKIP;
	}
	k.pages = (unsigned long)arg_long(argc, argv, 0, 64) << 8;
	k.gen = calloc(k.pages, 1);
	k.base = mmap(NULL, k.pages * PG, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!k.pages || !k.gen || k.base == MAP_FAILED ||
	    madvise(k.base, k.pages * PG, MADV_NOHUGEPAGE) ||
	    madvise(k.base, k.pages * PG, MADV_MERGEABLE)) {
		printf("# stress ksm: setup failed: %s\n", strerror(errno));
		return 1;
	}
	for (pg = 0; pg < k.pages; pg++)
		ksm_fill(&k, pg);
	if (ksm_settings(saved, 0))
		err = 1, printf("# stress ksm: could not set ksmd's settings\n");
	/* Each pass checks every page, then flips one page in 16. */
	while (!err && time_left()) {
		for (pg = 0; pg < k.pages && !err; pg++)
			err = ksm_check(&k, pg);
		for (pg = rnd_below(16); pg < k.pages && !err; pg += 16) {
			k.gen[pg] ^= 1;
			ksm_fill(&k, pg);
			err = ksm_check(&k, pg);
			k.rewrites++;
		}
		sharing = file_long(KSM_DIR "pages_sharing");
		if (sharing > sharing_max)
			sharing_max = sharing;
		passes++;
		usleep(200000);
	}
	for (pg = 0; pg < k.pages && !err; pg++)
		err = ksm_check(&k, pg);	/* a last full look */
	munmap(k.base, k.pages * PG);
	err |= ksm_settings(saved, 1);
	err |= no_work("ksm", passes, "pass over the merged pages");
	err |= no_work("ksm", sharing_max, "page merged by ksmd");
	printf("# stress ksm: ops=%lu rewrites=%lu pages_verified=%lu bytes_verified=%lu sharing_max=%ld seed=0x%" PRIx64 "%s\n",
	       passes, k.rewrites, k.verified, k.verified * PG, sharing_max, k.seed,
	       err ? " FAILED" : "");
	free(k.gen);
	return err;
}

/* ---- swap: random access over more memory than its cgroup allows ---- */

/*
 * Page @pg at generation @gen: odd pages wholly patterned (zswap cannot
 * compress them and writes them to the swap device), even pages half zero
 * (zswap keeps them compressed).
 */
static void swap_fill(uint64_t *p, uint64_t seed, unsigned long pg, unsigned int gen)
{
	unsigned long w;

	for (w = 0; w < PG / 8; w++)
		p[w] = (pg & 1) || !(w & 1) ? mix(seed, pg, w, gen) : 0;
}

static int swap_check(const uint64_t *p, uint64_t seed, unsigned long pg, unsigned int gen)
{
	unsigned long w;

	for (w = 0; w < PG / 8; w++) {
		uint64_t want = (pg & 1) || !(w & 1) ? mix(seed, pg, w, gen) : 0;

		if (p[w] != want) {
			printf("# stress swap: page %lu word %lu expected 0x%016" PRIx64
			       " found 0x%016" PRIx64 ", generation %u\n",
			       pg, w, want, p[w], gen);
			return 1;
		}
	}
	return 0;
}

/*
 * Random accesses, not sweeps: a sweep over more than the cgroup holds
 * misses on every page and leaves reclaim nothing inactive to take, which
 * tests thrashing, not compaction. One access in four rewrites the page.
 */
static int do_swap(int argc, char **argv)
{
	unsigned long pages = (unsigned long)arg_long(argc, argv, 0, 96) << 8;
	unsigned long pg, ops = 0, rewrites = 0, verified = 0;
	uint64_t seed = rnd();
	unsigned int *gen = calloc(pages + 1, sizeof(*gen));
	char *base = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int err = 0;

	if (!pages || !gen || base == MAP_FAILED ||
	    madvise(base, pages * PG, MADV_NOHUGEPAGE)) {
		printf("# stress swap: setup failed: %s\n", strerror(errno));
		return 1;
	}
	for (pg = 0; pg < pages; pg++)
		swap_fill((uint64_t *)(base + pg * PG), seed, pg, 0);
	while (!err && time_left()) {
		pg = rnd_below(pages);
		err = swap_check((uint64_t *)(base + pg * PG), seed, pg, gen[pg]);
		verified += !err;
		if (!err && !rnd_below(4)) {
			swap_fill((uint64_t *)(base + pg * PG), seed, pg, ++gen[pg]);
			rewrites++;
		}
		ops++;
	}
	for (pg = 0; pg < pages && !err; pg++) {	/* a last full look */
		err = swap_check((uint64_t *)(base + pg * PG), seed, pg, gen[pg]);
		verified += !err;
	}
	err |= no_work("swap", ops, "page access");
	printf("# stress swap: ops=%lu rewrites=%lu bytes_verified=%lu mb=%lu seed=0x%" PRIx64 "%s\n",
	       ops, rewrites, verified * PG, pages >> 8, seed, err ? " FAILED" : "");
	munmap(base, pages * PG);
	free(gen);
	return err;
}

/* ---- zram: zsmalloc pages under compaction, read back with O_DIRECT ---- */

/*
 * Block @blk at generation @gen: half patterned words, half zero, so that
 * zram compresses it into a small zsmalloc object (many per zspage page).
 */
static void zram_block(uint64_t *b, uint64_t seed, unsigned long blk, unsigned int gen)
{
	unsigned long w;

	for (w = 0; w < PG / 8; w++)
		b[w] = w & 1 ? 0 : mix(seed, blk, w, gen);
}

static int zram_io(int fd, void *buf, unsigned long blk, int wr)
{
	ssize_t n = wr ? pwrite(fd, buf, PG, blk * PG) : pread(fd, buf, PG, blk * PG);

	return n == (ssize_t)PG ? 0 : -1;
}

static int do_zram(int argc, char **argv)
{
	const char *dev = argc > 0 ? argv[0] : "/dev/zram0";
	unsigned long blocks, blk, verified = 0, rewrites = 0, passes = 0;
	uint64_t seed = rnd(), *buf, *want;
	unsigned int *gen;
	off_t size;
	int fd, err = 0;

	fd = open(dev, O_RDWR | O_DIRECT);
	if (fd < 0) {
		printf("# stress zram: ops=0 SKIP %s: %s\n", dev, strerror(errno));
		return EXIT_SKIP;
	}
	size = lseek(fd, 0, SEEK_END);
	blocks = size > 0 ? size / PG : 0;
	gen = calloc(blocks + 1, sizeof(*gen));
	if (!blocks || !gen || posix_memalign((void **)&buf, PG, PG) ||
	    posix_memalign((void **)&want, PG, PG)) {
		printf("# stress zram: %s: %ld bytes, nothing to write\n", dev, (long)size);
		return 1;
	}
	for (blk = 0; blk < blocks && !err; blk++) {
		zram_block(buf, seed, blk, 0);
		err = zram_io(fd, buf, blk, 1);
	}
	if (err)
		printf("# stress zram: writing block %lu: %s\n", blk - 1, strerror(errno));
	/* Each pass reads every block back, then rewrites one in 8. */
	while (!err && time_left()) {
		for (blk = 0; blk < blocks && !err; blk++) {
			zram_block(want, seed, blk, gen[blk]);
			err = zram_io(fd, buf, blk, 0);
			if (err)
				printf("# stress zram: reading block %lu: %s\n", blk, strerror(errno));
			else if (memcmp(buf, want, PG)) {
				printf("# stress zram: block %lu differs from generation %u\n",
				       blk, gen[blk]);
				err = 1;
			}
			verified += !err;
		}
		for (blk = rnd_below(8); blk < blocks && !err; blk += 8) {
			zram_block(buf, seed, blk, ++gen[blk]);
			err = zram_io(fd, buf, blk, 1);
			if (err)
				printf("# stress zram: writing block %lu: %s\n", blk, strerror(errno));
			rewrites++;
		}
		passes++;
	}
	close(fd);
	err |= no_work("zram", passes, "pass over the device");
	printf("# stress zram: ops=%lu blocks=%lu rewrites=%lu bytes_verified=%lu seed=0x%" PRIx64 "%s\n",
	       passes, blocks, rewrites, verified * PG, seed, err ? " FAILED" : "");
	return err;
}

/* ---- main ---- */

struct worker {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct worker workers[] = {
	{ "verify", do_verify },   { "thp", do_thp },
	{ "killer", do_killer },   { "hugetlb", do_hugetlb },
	{ "compact", do_compact }, { "cma", do_cma },
	{ "failalloc", do_failalloc }, { "ksm", do_ksm },
	{ "swap", do_swap },       { "zram", do_zram },
};

static int usage(void)
{
	fprintf(stderr, "usage: stress verify|thp|killer|hugetlb|compact|cma|failalloc|ksm|swap|zram SECONDS [MB|DEV] [KILL_MAX_MS]\n");
	return 2;
}

int main(int argc, char **argv)
{
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3 || atof(argv[2]) <= 0)
		return usage();
	rng = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ 0x5bd1e995ULL;
	run_seconds = atof(argv[2]);
	deadline = now_s() + run_seconds;
	for (i = 0; i < sizeof(workers) / sizeof(workers[0]); i++)
		if (!strcmp(argv[1], workers[i].name))
			return workers[i].fn(argc - 3, argv + 3);
	return usage();
}
