// SPDX-License-Identifier: GPL-2.0
/*
 * Workload "stressng", in the disk guest: Debian's stress-ng memory
 * stressors, one after the other, each for a fixed time with two workers,
 * while a loop writes compact_memory every 2 s and proactive compaction
 * runs at its default (20). What compaction costs the workload shows as
 * bogo-ops; what it gives, as THP faults that got a huge page.
 *
 * Stressors: vm with MADV_HUGEPAGE and --verify, bigheap, mmaphuge,
 * pagemove, mremap, madvise and fork --fork-vm. THP is enabled=always,
 * defrag=madvise (faults of MADV_HUGEPAGE memory compact directly, the
 * others wake kcompactd).
 *
 * Each stress-ng runs under "ulimit -v" at 30% of memory per process, so
 * that bigheap's realloc() fails instead of waking the OOM killer, whose
 * report would end the run.
 *
 * Per stressor NAME (vm is called vm_hugepage, apart from the vm.* vmstat
 * deltas): NAME_bogo_ops (stress-ng's count over its two workers),
 * NAME_thp_success_pct (thp_fault_alloc and thp_file_alloc against their
 * fallbacks; absent when it faulted no THP at all), and the
 * compact_stall and pgmigrate_success deltas. bad_words counts the "fail:"
 * lines of stress-ng that report bad data (--verify); the run exits 1 on
 * any of them, and on a stressor that exits non-zero or reports no
 * bogo-ops, after the figures. madvise runs as nobody (see stressors[]).
 *
 * Argument "--quick": 4 s per stressor instead of 10 (guest time).
 */
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "fragment.h"

#define THP "/sys/kernel/mm/transparent_hugepage/"
#define YAML "/tmp/stressng.yaml"

struct stressor {
	const char *name;	/* as stress-ng reports it */
	const char *label;	/* in the figures' names */
	const char *args;
	/*
	 * Run as nobody: stress-ng 0.15's madvise stressor, run as root,
	 * also calls MADV_HWPOISON and MADV_SOFT_OFFLINE, which would take
	 * pages out of the guest for good, differently on each kernel.
	 */
	int unprivileged;
};

static const struct stressor stressors[] = {
	{ "vm", "vm_hugepage", "--vm 2 --vm-bytes 20% --vm-madvise hugepage --verify", 0 },
	{ "bigheap", "bigheap", "--bigheap 2", 0 },
	{ "mmaphuge", "mmaphuge", "--mmaphuge 2", 0 },
	{ "pagemove", "pagemove", "--pagemove 2", 0 },
	{ "mremap", "mremap", "--mremap 2", 0 },
	{ "madvise", "madvise", "--madvise 2", 1 },
	{ "fork", "fork", "--fork 2 --fork-vm", 0 },
};

/* Huge pages faulted: anonymous, and shmem (the vm stressor's buffer). */
static long thp_allocs(void)
{
	return vmstat("thp_fault_alloc") + vmstat("thp_file_alloc");
}

static long thp_fallbacks(void)
{
	return vmstat("thp_fault_fallback") + vmstat("thp_file_fallback");
}

/* Write compact_memory every 2 s until killed. */
static pid_t start_compact_loop(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;) {
			sleep(2);
			write_file("/proc/sys/vm/compact_memory", "1");
		}
	}
	return pid;
}

/* bogo-ops of @name from stress-ng's YAML file, or -1. */
static long yaml_bogo_ops(const char *name)
{
	char line[256], cur[64] = "";
	long ops = -1, v;
	FILE *f = fopen(YAML, "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, " - stressor: %63s", cur) == 1)
			continue;
		if (!strcmp(cur, name) && sscanf(line, " bogo-ops: %ld", &v) == 1) {
			ops = v;
			break;
		}
	}
	if (f)
		fclose(f);
	return ops;
}

/* Is this stress-ng "fail:" line a data mismatch that --verify found? */
static int is_verify_failure(const char *line)
{
	return strstr(line, "verif") || strstr(line, "memory error") ||
	       strstr(line, "corrupt");
}

/*
 * Run one stressor for @secs with its output shown, under "ulimit -v
 * @as_kb". Counts its "fail:" lines that report bad data into @bad.
 * Returns stress-ng's exit status, or -1 when it could not be run.
 */
static int run_stressor(const struct stressor *s, int secs, unsigned long as_kb, long *bad)
{
	char cmd[512], line[512];
	int fds[2], status;
	pid_t pid;
	FILE *out;

	unlink(YAML);
	snprintf(cmd, sizeof(cmd),
		 "ulimit -v %lu && exec stress-ng %s --timeout %ds --metrics-brief --yaml " YAML,
		 as_kb, s->args, secs);
	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		if (s->unprivileged && (chdir("/tmp") || setgid(65534) || setuid(65534)))
			_exit(126);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	out = fdopen(fds[0], "r");
	while (out && fgets(line, sizeof(line), out)) {
		fputs(line, stdout);
		*bad += strstr(line, "fail:") && is_verify_failure(line);
	}
	if (out)
		fclose(out);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
	printf("stressng %s: exit status %d\n", s->name, status);
	return status;
}

int main(int argc, char **argv)
{
	int secs = argc > 1 && !strcmp(argv[1], "--quick") ? 4 : 10;
	unsigned long as_kb = meminfo_kb("MemTotal") * 3 / 10;
	struct vmsnap *vm0 = malloc(sizeof(*vm0));
	long bad = 0;
	int failed = 0;
	pid_t loop;
	size_t i;

	if (!vm0)
		return 1;
	/* shmem too follows MADV_HUGEPAGE: the vm stressor maps MAP_SHARED. */
	if (write_file(THP "enabled", "always") || write_file(THP "defrag", "madvise") ||
	    write_file(THP "shmem_enabled", "advise")) {
		fprintf(stderr, "no THP controls in " THP "\n");
		return 1;
	}
	write_file("/proc/sys/vm/compaction_proactiveness", "20");
	vmsnap_take(vm0);
	loop = start_compact_loop();
	if (loop < 0) {
		perror("fork");
		return 1;
	}
	for (i = 0; i < sizeof(stressors) / sizeof(stressors[0]); i++) {
		const struct stressor *s = &stressors[i];
		long alloc = thp_allocs(), fb = thp_fallbacks();
		long stall = vmstat("compact_stall"), mig = vmstat("pgmigrate_success");
		int status = run_stressor(s, secs, as_kb, &bad);
		long ops = yaml_bogo_ops(s->name);

		alloc = thp_allocs() - alloc;
		fb = thp_fallbacks() - fb;
		if (status || ops < 0) {
			fprintf(stderr, "stress-ng %s %s: exit status %d, %s\n", s->name, s->args,
				status, ops < 0 ? "no bogo-ops in its YAML" : "failed");
			failed = 1;
		}
		if (ops >= 0)
			printf("BENCH stressng.%s_bogo_ops=%ld\n", s->label, ops);
		if (alloc + fb)
			printf("BENCH stressng.%s_thp_success_pct=%.2f\n", s->label,
			       100.0 * alloc / (alloc + fb));
		printf("BENCH stressng.%s_compact_stall=%ld\n", s->label,
		       vmstat("compact_stall") - stall);
		printf("BENCH stressng.%s_migrated=%ld\n", s->label,
		       vmstat("pgmigrate_success") - mig);
	}
	kill(loop, SIGKILL);
	waitpid(loop, NULL, 0);
	vmsnap_print_delta("stressng", vm0);
	printf("BENCH stressng.bad_words=%ld\n", bad);
	return bad || failed ? 1 : 0;
}
