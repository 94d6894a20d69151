// SPDX-License-Identifier: GPL-2.0
/*
 * Memory hotplug and compaction, guest side (the host side is
 * scripts/hotplug.sh, which talks to the QEMU monitor).
 *
 * The guest boots with a memoryless NUMA node 1 (without CPUs, so it is
 * not even online yet) and memhp_default_state=online_movable. Then:
 *   1. node 1 has no memory and no kcompactd1;
 *   2. we print HOTPLUG-ADD-PLEASE; the host plugs a pc-dimm into node 1,
 *      which comes online as ZONE_MOVABLE and must get a kcompactd1;
 *   3. memory bound to node 1 is fragmented, node1/compact rebuilds huge
 *      blocks there, and every resident byte survives;
 *   4. memory on node 1 is fragmented again and, with it still mapped,
 *      the node is offlined: offlining migrates every page off the node
 *      and stops kcompactd1, and every resident byte survives the move;
 *   5. we print HOTPLUG-REMOVE-PLEASE; the host unplugs the dimm and its
 *      memory blocks must go away;
 *   6. nothing is left isolated, on the offlined node (checked before
 *      the unplug, while its counters can still be folded) or anywhere.
 * The hot-add (step 2) and steps 4 and 5 run while a child process
 * compacts every node in a loop, so that compaction's scanners meet
 * memory blocks coming and going and pageblocks that offlining isolates.
 * Prints TAP.
 */
#include "fragment.h"

#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define NODE1 "/sys/devices/system/node/node1"
#define MPOL_BIND 2

static int tap_nr;

static bool tap(bool ok, const char *name)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++tap_nr, name);
	fflush(stdout);
	return ok;
}

/* A "Node 1 MemTotal:" style value from node1/meminfo, in kB. */
static long node1_meminfo_kb(const char *key)
{
	char line[256], *p;
	long kb = -1;
	FILE *f = fopen(NODE1 "/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, key);
		if (p && p[strlen(key)] == ':') {
			kb = strtol(p + strlen(key) + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

/* Is there a task whose comm is @name? */
static bool thread_exists(const char *name)
{
	int pid;

	return pids_by_comm(name, 0, &pid, 1) > 0;
}

/* Wait up to @secs for thread @name to exist (@want) or not. */
static bool wait_thread(const char *name, bool want, int secs)
{
	int i;

	for (i = 0; i < secs * 10; i++) {
		if (thread_exists(name) == want)
			return true;
		usleep(100 * 1000);
	}
	return false;
}

/* Memory blocks linked under node 1 (none once the node went offline). */
static int node1_blocks(void)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(NODE1);

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "memory", 6) &&
		    de->d_name[6] >= '0' && de->d_name[6] <= '9')
			n++;
	closedir(d);
	return n;
}

/* Offline every memory block of node 1.  Returns the number that failed. */
static int offline_node1(void)
{
	char path[300];
	struct dirent *de;
	int failed = 0, tries;
	DIR *d = opendir(NODE1);

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "memory", 6) || de->d_name[6] < '0' ||
		    de->d_name[6] > '9')
			continue;
		snprintf(path, sizeof(path), NODE1 "/%s/state", de->d_name);
		/* Offlining migrates what is left; give busy pages a chance. */
		for (tries = 0; tries < 5; tries++) {
			if (!write_file(path, "offline"))
				break;
			sleep(1);
		}
		if (tries == 5)
			failed++;
	}
	closedir(d);
	return failed;
}

static volatile sig_atomic_t compactor_stop;

static void compactor_on_term(int sig)
{
	compactor_stop = 1;
}

/* The compactor child's loop; exits with its successful rounds, <= 255. */
static void compactor_loop(void)
{
	char path[64];
	int nid, done = 0;

	while (!compactor_stop) {
		/* A whole-machine compaction that was refused is no round. */
		if (!write_file("/proc/sys/vm/compact_memory", "1") && done < 255)
			done++;
		/* nodeN/compact of a node that is not online fails: fine. */
		for (nid = 0; nid < 2 && !compactor_stop; nid++) {
			snprintf(path, sizeof(path),
				 "/sys/devices/system/node/node%d/compact", nid);
			write_file(path, "1");
		}
		usleep(20 * 1000);
	}
	_exit(done);
}

/*
 * Start a child that compacts all memory, then each node, over and over
 * until it gets SIGTERM.  SIGTERM stays blocked until the child has its
 * handler, so an early stop is not lost, and the parent keeps the default
 * action.  The child dies with the parent.
 */
static pid_t start_compactor(void)
{
	sigset_t term, old;
	pid_t pid;

	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	fflush(stdout);
	pid = fork();
	if (!pid) {
		signal(SIGTERM, compactor_on_term);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		compactor_loop();
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

/* Print the first line of /proc/@pid/@name, as "# compactor PID NAME: ...". */
static void print_proc_line(pid_t pid, const char *name)
{
	char path[64], buf[1024];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f))
		printf("# compactor %d %s: %.*s\n", pid, name,
		       (int)strcspn(buf, "\n"), buf);
	fclose(f);
}

/* Where task @pid waits (wchan), the files it writes, and its state. */
static void print_task_state(pid_t pid)
{
	char path[64], link[128];
	ssize_t n;
	int fd;

	print_proc_line(pid, "wchan");
	for (fd = 3; fd < 6; fd++) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0)
			printf("# compactor %d fd %d: %.*s\n", pid, fd, (int)n, link);
	}
	print_proc_line(pid, "stat");
	/* Backtraces of running CPUs and of blocked tasks to the console. */
	write_file("/proc/sysrq-trigger", "l");
	write_file("/proc/sysrq-trigger", "w");
}

/*
 * Stop the compactor child.  SIGTERM lets a compaction in progress finish
 * (it only stops for fatal signals); one that has not finished within 60 s
 * is stuck, and the child is killed.
 *
 * Return: the successful rounds, or -1 if the child failed or was stuck.
 */
static int stop_compactor(pid_t pid)
{
	int status, i;

	if (pid < 0)
		return -1;
	kill(pid, SIGTERM);
	for (i = 0; i < 600; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		usleep(100 * 1000);
	}
	print_task_state(pid);
	printf("# compactor %d still busy 60 s after SIGTERM: killed\n", pid);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/*
 * Map @pages of anonymous memory bound to node 1, populate all of it, then
 * keep one page in four, each filled with its own pattern.
 */
static char *fragment_node1(unsigned long pages)
{
	unsigned long mask = 1UL << 1, i, w;
	char *base = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (base == MAP_FAILED)
		return NULL;
	madvise(base, pages * PG, MADV_NOHUGEPAGE);
	if (syscall(SYS_mbind, base, pages * PG, MPOL_BIND, &mask,
		    sizeof(mask) * 8, 0)) {
		munmap(base, pages * PG);
		return NULL;
	}
	for (i = 0; i < pages; i++) {
		uint64_t *p = (uint64_t *)(base + i * PG);

		if (i % 4) {
			p[0] = 1;
			continue;
		}
		for (w = 0; w < PG / 8; w++)
			p[w] = pattern(i, w);
	}
	for (i = 0; i < pages; i++)
		if (i % 4)
			madvise(base + i * PG, PG, MADV_DONTNEED);
	return base;
}

static unsigned long verify_node1(const char *base, unsigned long pages)
{
	unsigned long i, w, bad = 0;

	for (i = 0; i < pages; i += 4) {
		const uint64_t *p = (const uint64_t *)(base + i * PG);

		for (w = 0; w < PG / 8; w++)
			if (p[w] != pattern(i, w)) {
				bad++;
				break;
			}
	}
	return bad;
}

int main(void)
{
	unsigned long pages, before, after, bad;
	long total_kb, free_kb, system_kb = meminfo_kb("MemTotal"), anon, file;
	int i, rounds, rc = 0;
	char *base;
	pid_t compactor;

	printf("TAP version 13\n1..10\n");
	/* Offline (no directory) or online without memory. */
	rc |= !tap(node1_meminfo_kb("MemTotal") <= 0 && !thread_exists("kcompactd1"),
		   "node1_starts_without_memory_or_kcompactd");

	compactor = start_compactor();
	printf("HOTPLUG-ADD-PLEASE\n");
	fflush(stdout);
	/* The dimm's blocks come online one by one: wait until all are. */
	for (i = 0, total_kb = 0; i < 1200; i++) {
		long now_kb;

		usleep(100 * 1000);
		now_kb = node1_meminfo_kb("MemTotal");
		if (now_kb > 0 && now_kb == total_kb && i >= 10)
			break;
		total_kb = now_kb;
	}
	printf("# node 1 after hot-add: MemTotal %ld kB in %d blocks\n",
	       total_kb, node1_blocks());
	i = wait_thread("kcompactd1", true, 10);
	rounds = stop_compactor(compactor);
	printf("# %d compactions of all memory ran across the hot-add\n", rounds);
	rc |= !tap(rounds > 0, "compaction_ran_across_hot_add");
	if (!tap(total_kb > 0 && i, "hot_added_node_gets_kcompactd")) {
		printf("# the dimm never showed up or kcompactd1 did not start\n");
		return 1;
	}

	free_kb = node1_meminfo_kb("MemFree");
	pages = free_kb / 4 / 10 * 7;
	base = fragment_node1(pages);
	before = free_huge_blocks_in(1, 1);
	write_file(NODE1 "/compact", "1");
	after = free_huge_blocks_in(1, 1);
	bad = base ? verify_node1(base, pages) : pages;
	printf("# node 1: %lu pages fragmented; free order-9 blocks %lu -> %lu; %lu pages corrupted\n",
	       pages, before, after, bad);
	rc |= !tap(base && after > before + pages / 512 / 4 && !bad,
		   "compaction_on_hot_added_node_keeps_data");
	if (base)
		munmap(base, pages * PG);

	/*
	 * Offline the node with fragmented memory still on it, while the
	 * compactor runs: offlining isolates the node's pageblocks and
	 * migrates every page to node 0, racing with compaction's scanners.
	 */
	base = fragment_node1(pages);
	compactor = start_compactor();
	i = offline_node1();
	bad = base ? verify_node1(base, pages) : pages;
	printf("# offlining node 1 under compaction: %d blocks refused, %lu resident pages corrupted\n",
	       i, bad);
	rc |= !tap(base && i == 0 && !bad, "offline_while_compacting_keeps_data");
	if (base)
		munmap(base, pages * PG);
	rc |= !tap(i == 0 && wait_thread("kcompactd1", false, 10),
		   "offlined_node_loses_kcompactd");
	/*
	 * vmstat folds per-cpu counter deltas only for nodes with populated
	 * zones: what CPUs still hold for node 1 now would be stranded for
	 * good once the node goes away, leaving the global NR_ISOLATED_*
	 * off.  Fold it now, while the node is still online; from here on
	 * node 1's counters have no per-cpu slack.
	 */
	anon = file_stat(NODE1 "/vmstat", "nr_isolated_anon");
	file = file_stat(NODE1 "/vmstat", "nr_isolated_file");
	printf("# offlined node 1, unfolded: nr_isolated_anon %ld nr_isolated_file %ld\n",
	       anon, file);
	write_file("/proc/sys/vm/stat_refresh", "1");
	anon = file_stat(NODE1 "/vmstat", "nr_isolated_anon");
	file = file_stat(NODE1 "/vmstat", "nr_isolated_file");
	printf("# offlined node 1, folded: nr_isolated_anon %ld nr_isolated_file %ld\n",
	       anon, file);
	rc |= !tap(anon == 0 && file == 0, "offlined_node_holds_no_isolated_pages");

	printf("HOTPLUG-REMOVE-PLEASE\n");
	fflush(stdout);
	for (i = 0; i < 600 && node1_blocks() > 0; i++)
		usleep(100 * 1000);
	rounds = stop_compactor(compactor);
	printf("# %d compactions of all memory ran across offline and unplug\n", rounds);
	rc |= !tap(rounds > 0, "compaction_ran_across_offline_and_unplug");
	printf("# MemTotal %ld kB before the dimm, %lu kB after its removal\n",
	       system_kb, meminfo_kb("MemTotal"));
	rc |= !tap(node1_blocks() == 0 &&
		   meminfo_kb("MemTotal") == (unsigned long)system_kb,
		   "unplugged_dimm_memory_is_gone");

	write_file("/proc/sys/vm/stat_refresh", "1");
	anon = vmstat("nr_isolated_anon");
	file = vmstat("nr_isolated_file");
	printf("# nr_isolated_anon %ld nr_isolated_file %ld\n", anon, file);
	rc |= !tap(anon == 0 && file == 0, "nothing_left_isolated");
	return rc;
}
