// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty page cache of a mapping without ->migrate_folio (issue 23): async
 * and sync-light compaction must leave it alone, MIGRATE_SYNC compaction
 * (compact_memory) must move it.
 *
 *   nomig_keep LOWER UPPER
 *
 * It mounts eCryptfs over LOWER (a directory on ext4) at UPPER, with a
 * passphrase token of its own in the user keyring.  eCryptfs's
 * address_space_operations have a writepage but no migrate_folio, so a
 * dirty folio of it can move only through fallback_migrate_folio(): with
 * MIGRATE_SYNC, writeout() has it encrypted to LOWER (at once: the folio
 * is clean when writepage returns) and the next pass moves the clean
 * folio; any other mode gets -EBUSY, and compaction's async isolation
 * does not even take it.
 *
 * Files are written through MAP_SHARED mappings into the holes of a
 * filler at the low end of the zone (fragment_low()), where every migrate
 * scanner starts, and left dirty (periodic writeback is held off).  Then:
 *   1. kcompactd (sync-light) with the filler in place, then THP faults
 *      (defrag=madvise: async direct compaction), for less than what is
 *      free, so that reclaim does not write the files out.  No page of
 *      ours may both have moved and still be dirty.
 *   2. The filler goes and compact_memory (MIGRATE_SYNC) runs: some of
 *      the pages that were dirty must move, and every page that moved
 *      must be clean (written back on the way).
 * Every byte is checked through the mappings.  Then a second generation
 * of content is written through the mappings and msync()ed: it must be
 * what read() finds after munmap(), fsync() and drop_caches (a mapping
 * left on a page that is no longer the page cache loses it), and again
 * after eCryptfs is unmounted and mounted (decrypted from what LOWER
 * holds).  TAP; exit 1 when a check failed, 2 when the setup failed.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/keyctl.h>
#include "fragment.h"

#define FILE_PAGES	64
#define FILES		16
#define NPAGES		(FILES * FILE_PAGES)

/*
 * The passphrase token eCryptfs looks up by its signature: the layout of
 * struct ecryptfs_auth_tok in 6.12's include/linux/ecryptfs.h (packed;
 * kernel-internal, so it is spelled out here).  Version 0.4, a password
 * token whose session-key encryption key is set: eCryptfs wraps each
 * file's key with it.
 */
#define ECRYPTFS_SIG		"0123456789abcdef"
#define ECRYPTFS_KEY_BYTES	16

struct ecryptfs_password_tok {
	uint32_t password_bytes;
	int32_t hash_algo;
	uint32_t hash_iterations;
	uint32_t session_key_encryption_key_bytes;
	uint32_t flags;			/* 0x02: the key is set */
	uint8_t session_key_encryption_key[64];
	uint8_t signature[17];
	uint8_t salt[8];
} __attribute__((packed));

struct ecryptfs_auth_tok_abi {
	uint16_t version;		/* 0x0004 */
	uint16_t token_type;		/* 0: password */
	uint32_t flags;
	struct {
		uint32_t flags;
		uint32_t encrypted_key_size;
		uint32_t decrypted_key_size;
		uint8_t encrypted_key[512];
		uint8_t decrypted_key[64];
	} __attribute__((packed)) session_key;
	uint8_t reserved[32];
	struct ecryptfs_password_tok password;
} __attribute__((packed));

static int test_nr, failed;
/* Content generation: 0 as written first, 1 after the rewrite. */
static unsigned long generation;
static char *map[FILES];
static int fds[FILES];
static uint64_t pfn0[FILES][FILE_PAGES];
static uint8_t dirty0[FILES][FILE_PAGES];

static void tap(int ok, const char *name)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++test_nr, name);
	if (!ok)
		failed = 1;
}

static int ecryptfs_key_add(void)
{
	struct ecryptfs_auth_tok_abi tok;
	int i;

	memset(&tok, 0, sizeof(tok));
	tok.version = 0x0004;
	tok.password.flags = 0x02;
	tok.password.session_key_encryption_key_bytes = ECRYPTFS_KEY_BYTES;
	for (i = 0; i < ECRYPTFS_KEY_BYTES; i++)
		tok.password.session_key_encryption_key[i] = 0x5a ^ i;
	memcpy(tok.password.signature, ECRYPTFS_SIG, 16);
	return syscall(SYS_add_key, "user", ECRYPTFS_SIG, &tok, sizeof(tok),
		       KEY_SPEC_USER_KEYRING) < 0 ? -1 : 0;
}

static int ecryptfs_mount(const char *lower, const char *upper)
{
	return mount(lower, upper, "ecryptfs", 0,
		     "ecryptfs_sig=" ECRYPTFS_SIG ",ecryptfs_cipher=aes,ecryptfs_key_bytes=16");
}

/*
 * Our mapped pages' PFNs and kpageflags dirty bits; -1 on error.  A page
 * not present has PFN 0.
 */
static int pages_state(uint64_t pfn[FILES][FILE_PAGES], uint8_t dirty[FILES][FILE_PAGES])
{
	int k, i, fd = open("/proc/kpageflags", O_RDONLY);
	uint64_t flags;

	if (fd < 0)
		return -1;
	for (k = 0; k < FILES; k++) {
		if (read_pfns(map[k], FILE_PAGES, pfn[k]))
			goto fail;
		for (i = 0; i < FILE_PAGES; i++) {
			dirty[k][i] = 0;
			if (!pfn[k][i])
				continue;
			if (pread(fd, &flags, 8, pfn[k][i] * 8) != 8)
				goto fail;
			dirty[k][i] = (flags >> 4) & 1;	/* KPF_DIRTY */
		}
	}
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

struct tally {
	long dirty_before;	/* dirty when the phase began */
	long moved;		/* PFN changed during the phase */
	long moved_dirty;	/* moved, and dirty now */
	long moved_was_dirty;	/* moved, and dirty when the phase began */
	long dirty_after;
};

/* What happened to our pages since pfn0/dirty0, which it then updates. */
static int tally_phase(struct tally *t)
{
	static uint64_t pfn[FILES][FILE_PAGES];
	static uint8_t dirty[FILES][FILE_PAGES];
	int k, i;

	if (pages_state(pfn, dirty))
		return -1;
	memset(t, 0, sizeof(*t));
	for (k = 0; k < FILES; k++)
		for (i = 0; i < FILE_PAGES; i++) {
			int moved = pfn[k][i] && pfn[k][i] != pfn0[k][i];

			t->dirty_before += dirty0[k][i];
			t->dirty_after += dirty[k][i];
			t->moved += moved;
			t->moved_dirty += moved && dirty[k][i];
			t->moved_was_dirty += moved && dirty0[k][i];
		}
	memcpy(pfn0, pfn, sizeof(pfn));
	memcpy(dirty0, dirty, sizeof(dirty));
	return 0;
}

static void tally_print(const char *phase, const struct tally *t)
{
	printf("# %s: of our %d pages, %ld dirty before and %ld after; %ld moved (%ld of them dirty before), %ld moved and dirty now\n",
	       phase, NPAGES, t->dirty_before, t->dirty_after, t->moved,
	       t->moved_was_dirty, t->moved_dirty);
}

static unsigned long page_salt(int k, int i)
{
	return generation * NPAGES + k * FILE_PAGES + i;
}

/* Every page of every file, through the mappings, in this generation. */
static void fill_all(void)
{
	int k;

	for (k = 0; k < FILES; k++)
		fill_pages(map[k], FILE_PAGES, page_salt(k, 0));
}

/* Wrong words in page @i of file @k, for this generation. */
static unsigned long page_bad_words(const uint64_t *p, int k, int i)
{
	unsigned long bad = 0, w;

	for (w = 0; w < PG / 8; w++)
		bad += p[w] != pattern(page_salt(k, i), w);
	return bad;
}

static unsigned long bad_words_mapped(void)
{
	unsigned long bad = 0;
	int k, i;

	for (k = 0; k < FILES; k++)
		for (i = 0; i < FILE_PAGES; i++)
			bad += page_bad_words((const uint64_t *)(map[k] + i * PG), k, i);
	return bad;
}

/* Wrong words in the files named nomig-K under @dir, by read(). */
static unsigned long bad_words_read(const char *dir)
{
	static uint64_t buf[PG / 8];
	unsigned long bad = 0;
	char path[256];
	int k, i, fd;

	for (k = 0; k < FILES; k++) {
		snprintf(path, sizeof(path), "%s/nomig-%d", dir, k);
		fd = open(path, O_RDONLY);
		for (i = 0; i < FILE_PAGES; i++) {
			if (fd < 0 || pread(fd, buf, PG, i * PG) != (ssize_t)PG)
				bad += PG / 8;
			else
				bad += page_bad_words(buf, k, i);
		}
		if (fd >= 0)
			close(fd);
	}
	return bad;
}

static int make_files(const char *dir)
{
	char path[256];
	int k;

	for (k = 0; k < FILES; k++) {
		snprintf(path, sizeof(path), "%s/nomig-%d", dir, k);
		fds[k] = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fds[k] < 0 || ftruncate(fds[k], FILE_PAGES * PG))
			return -1;
		map[k] = mmap(NULL, FILE_PAGES * PG, PROT_READ | PROT_WRITE,
			      MAP_SHARED, fds[k], 0);
		if (map[k] == MAP_FAILED)
			return -1;
	}
	fill_all();
	return pages_state(pfn0, dirty0);
}

static void remove_files(const char *dir)
{
	char path[256];
	int k;

	for (k = 0; k < FILES; k++) {
		snprintf(path, sizeof(path), "%s/nomig-%d", dir, k);
		unlink(path);
	}
}

/*
 * nr_isolated_anon and _file back to 0: folded from the per-CPU counters
 * (stat_refresh), given two seconds for any compaction still finishing.
 */
static int isolated_settled(void)
{
	long anon = -1, file = -1;
	int i;

	for (i = 0; i < 20; i++) {
		write_file("/proc/sys/vm/stat_refresh", "1");
		anon = vmstat("nr_isolated_anon");
		file = vmstat("nr_isolated_file");
		if (!anon && !file)
			break;
		usleep(100000);
	}
	printf("# nr_isolated_anon %ld, nr_isolated_file %ld\n", anon, file);
	return !anon && !file;
}

/* A write to compact_memory, with what it scanned, isolated and moved. */
static void compact_memory_counted(void)
{
	static const char *const key[] = {
		"compact_migrate_scanned", "compact_free_scanned",
		"compact_isolated", "pgmigrate_success", "pgmigrate_fail",
	};
	long v[5];
	int i;

	for (i = 0; i < 5; i++)
		v[i] = vmstat(key[i]);
	if (write_file("/proc/sys/vm/compact_memory", "1"))
		failed = 1;
	printf("# compact_memory:");
	for (i = 0; i < 5; i++)
		printf(" %s +%ld", key[i], vmstat(key[i]) - v[i]);
	printf("\n");
}

static unsigned long pfn_extreme(int highest)
{
	unsigned long v = highest ? 0 : ~0UL;
	int k, i;

	for (k = 0; k < FILES; k++)
		for (i = 0; i < FILE_PAGES; i++) {
			if (!pfn0[k][i])
				continue;
			if (highest ? pfn0[k][i] > v : pfn0[k][i] < v)
				v = pfn0[k][i];
		}
	return v;
}

/*
 * THP faults for the free huge blocks and 64 MiB more, so that they must
 * compact, but for no more than half of what is free: beyond that, reclaim
 * would write our dirty pages out and there would be nothing to judge.
 */
static unsigned long thp_fault_mib(void)
{
	unsigned long want = free_huge_blocks() * 2 + 64;
	unsigned long half = meminfo_kb("MemFree") / 2048;

	return want < half ? want : half;
}

int main(int argc, char **argv)
{
	long scanned, migrated, daemon, thp;
	unsigned long lost;
	unsigned long mib;
	struct tally t;
	struct frag fr;
	int k;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3) {
		fprintf(stderr, "usage: nomig_keep LOWER UPPER (LOWER on ext4)\n");
		return 2;
	}
	printf("TAP version 13\n1..6\n");
	if (mkdir(argv[1], 0700) && errno != EEXIST)
		return perror("nomig_keep: mkdir LOWER"), 2;
	if (mkdir(argv[2], 0700) && errno != EEXIST)
		return perror("nomig_keep: mkdir UPPER"), 2;
	if (ecryptfs_key_add() || ecryptfs_mount(argv[1], argv[2]))
		return perror("nomig_keep: eCryptfs key or mount"), 2;
	if (page_cache_fragment_low(&fr) ||
	    make_files(argv[2])) {
		perror("nomig_keep: setup");
		umount(argv[2]);
		return 2;
	}
	printf("# %d files of %lu KiB on eCryptfs written through shared mappings at PFNs %#lx..%#lx; Dirty %lu kB\n",
	       FILES, FILE_PAGES * PG >> 10, pfn_extreme(0), pfn_extreme(1),
	       meminfo_kb("Dirty"));

	/* 1. kcompactd with the filler in place, then async THP faults. */
	write_file("/sys/kernel/mm/transparent_hugepage/enabled", "madvise");
	write_file("/sys/kernel/mm/transparent_hugepage/defrag", "madvise");
	scanned = vmstat("compact_migrate_scanned");
	migrated = vmstat("pgmigrate_success");
	daemon = kcompactd_proactive(30);
	mib = thp_fault_mib();
	thp = thp_faults(mib);
	scanned = vmstat("compact_migrate_scanned") - scanned;
	migrated = vmstat("pgmigrate_success") - migrated;
	printf("# kcompactd scanned %ld; THP faults for %lu MiB got %ld huge pages; compact_migrate_scanned +%ld, pgmigrate_success +%ld\n",
	       daemon, mib, thp, scanned, migrated);
	if (tally_phase(&t))
		return perror("nomig_keep: pagemap"), 2;
	tally_print("async and sync-light", &t);
	/*
	 * It says something only if compaction moved other pages while most
	 * of ours stayed dirty.
	 */
	tap(migrated > 0 && t.dirty_after >= NPAGES / 2 && t.moved_dirty == 0 &&
	    t.moved_was_dirty == 0,
	    "non_sync_compaction_leaves_dirty_pages_alone");

	/*
	 * 2. compact_memory: MIGRATE_SYNC may move dirty pages, once they are
	 * clean.  Every page that moved must be clean, and the mappings must
	 * still be the page cache: a second generation written through them
	 * must reach the files.  (6.12's own compaction hands the dirty pages
	 * to migrate.c's writeout(), which maps them again before the retry
	 * that moves them: the page cache gets the copy, the mappings keep
	 * the old page, and what is written through them afterwards is lost.)
	 */
	munmap(fr.base, fr.pages * PG);
	compact_memory_counted();
	if (tally_phase(&t))
		return perror("nomig_keep: pagemap"), 2;
	tally_print("compact_memory", &t);
	tap(t.moved_was_dirty > 0 && t.moved_dirty == 0,
	    "sync_compaction_moves_dirty_pages_clean");
	tap(bad_words_mapped() == 0, "mapped_pages_keep_their_bytes");

	generation = 1;
	fill_all();
	for (k = 0; k < FILES; k++)
		if (msync(map[k], FILE_PAGES * PG, MS_SYNC))
			failed = 1;
	for (k = 0; k < FILES; k++)
		if (munmap(map[k], FILE_PAGES * PG) || fsync(fds[k]) || close(fds[k]))
			failed = 1;
	write_file("/proc/sys/vm/drop_caches", "3");
	lost = bad_words_read(argv[2]);
	printf("# second generation, written through the mappings: %lu words missing from the files\n",
	       lost);
	tap(lost == 0, "writes_through_mappings_reach_the_files");
	if (umount(argv[2]) || ecryptfs_mount(argv[1], argv[2])) {
		perror("nomig_keep: eCryptfs umount and mount");
		tap(0, "files_keep_their_bytes_after_remount");
	} else {
		tap(bad_words_read(argv[2]) == 0, "files_keep_their_bytes_after_remount");
	}
	remove_files(argv[2]);
	umount(argv[2]);
	tap(isolated_settled(), "nothing_left_isolated");
	return failed;
}
