// SPDX-License-Identifier: GPL-2.0
/*
 * Workload 5, "mixed": "full" with page cache, kernel memory and pinned
 * pages among the anonymous pages, so that some blocks can never be freed
 * and the ideal is lower and harder to reach.
 *
 *  1. 70% of free memory as 4 KiB anonymous pages (THP off), as in "full",
 *     interleaved: after every 64 anonymous pages, a small file on tmpfs
 *     (two pages of page cache, plus inode and dentry slab) and a message
 *     queued on an AF_UNIX socket (slab).
 *  2. In 40% of the pageblocks the anonymous pages landed in (those whose
 *     number is 0 or 2 modulo 5), one page is spliced into a pipe with
 *     vmsplice(): the pipe holds a reference, so the page cannot move for
 *     as long as it holds it, like a page pinned for I/O.  The page
 *     allocator keeps unmovable kernel allocations in blocks of their own,
 *     so this is how unmovable pages get in among movable ones at places
 *     we choose, every run alike.
 *  3. One anonymous page in four stays, as in "full"; every other file is
 *     deleted.  Then one compact_memory.
 *
 * The ideal, after the run: a pageblock can become a free order-9 block
 * only if it holds no pinned page and no unmovable page by /proc/kpageflags
 * (slab, page table, reserved, hugetlb, a hole, a non-LRU compound kernel
 * page), and only as many as free memory fills: min(clean blocks,
 * free pages / 512).  Pages without any flag (per-cpu free lists, pipe and
 * other kernel pages) cannot be told apart and count as movable; their
 * number is in the log.  Proactive compaction is off (proactiveness 0).
 *
 * Exits 1 if a kept page or file lost its contents (bad_words > 0).
 */
#define _GNU_SOURCE	/* vmsplice, F_SETPIPE_SZ */
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "fragment.h"

#define PROACTIVENESS "/proc/sys/vm/compaction_proactiveness"
#define BLOCK 512UL
#define TMPDIR "/tmp/mixed-cache"
#define FILE_PAGES 2
#define SOCKETS 64
#define MSG_BYTES 600
#define EVERY 64		/* anonymous pages per file and message */
#define PIPE_BYTES (1 << 20)	/* 256 spliced pages per pipe */
#define MAX_PIPES 256
#define MAX_BLOCKS (1UL << 20)

/* Pageblocks that hold a page we pinned. */
static unsigned char pinned[MAX_BLOCKS / 8];

static int is_pinned(unsigned long blk)
{
	return blk < MAX_BLOCKS && pinned[blk / 8] & 1 << blk % 8;
}

/* Two blocks in five get a pinned page: those numbered 0 or 2 modulo 5. */
static int wants_pin(unsigned long blk)
{
	return blk % 5 == 0 || blk % 5 == 2;
}

struct blocks {
	unsigned long total;		/* pageblocks */
	unsigned long clean;		/* without an unmovable page */
	unsigned long free;		/* wholly free */
	unsigned long free_pages;
	unsigned long unmovable_pages;
	unsigned long flagless_pages;
	unsigned long pinned;		/* blocks holding a pinned page */
	/* Blocks not clean, per 64 blocks (128 MiB) of memory. */
	unsigned char dirty_map[128];
};

/* Classify every pageblock from /proc/kpageflags. 0 or -errno. */
static int scan_blocks(struct blocks *b)
{
	static uint64_t buf[64 * BLOCK];
	unsigned long i, n, off = 0;
	int fd = open("/proc/kpageflags", O_RDONLY);
	ssize_t got;

	memset(b, 0, sizeof(*b));
	if (fd < 0)
		return -errno;
	while ((got = pread(fd, buf, sizeof(buf), off)) > 0) {
		n = got / sizeof(buf[0]);
		off += got;
		for (i = 0; i + BLOCK <= n; i += BLOCK) {
			unsigned long j, nfree = 0, unmov = 0;

			for (j = i; j < i + BLOCK; j++) {
				switch (page_kind(buf[j])) {
				case KIND_FREE:
					nfree++;
					break;
				case KIND_UNMOVABLE:
					unmov++;
					break;
				case KIND_FLAGLESS:
					b->flagless_pages++;
					break;
				case KIND_MOVABLE:
					break;
				}
			}
			b->pinned += is_pinned(b->total);
			if (is_pinned(b->total))
				unmov++;
			if (unmov && b->total / 64 < sizeof(b->dirty_map))
				b->dirty_map[b->total / 64]++;
			b->total++;
			b->clean += !unmov;
			b->free += nfree == BLOCK;
			b->free_pages += nfree;
			b->unmovable_pages += unmov;
		}
	}
	close(fd);
	return got < 0 ? -errno : 0;
}

/* Counts, and a map: a digit per 128 MiB, tenths of its blocks not clean. */
static void print_blocks(const char *when, const struct blocks *b)
{
	char map[sizeof(b->dirty_map) + 1];
	unsigned long i;

	for (i = 0; i < sizeof(b->dirty_map) && i * 64 < b->total; i++)
		map[i] = '0' + (b->dirty_map[i] * 10 / 64 > 9 ? 9 : b->dirty_map[i] * 10 / 64);
	map[i] = 0;
	printf("mixed %s: %lu blocks, %lu clean, %lu pinned, %lu free; pages: %lu free, %lu unmovable, %lu flagless; unclean map %s\n",
	       when, b->total, b->clean, b->pinned, b->free, b->free_pages,
	       b->unmovable_pages, b->flagless_pages, map);
}

static int write_small_file(unsigned long idx)
{
	uint64_t buf[FILE_PAGES * PG / 8];
	char path[64];
	unsigned long w;
	int fd;
	ssize_t n;

	for (w = 0; w < FILE_PAGES * PG / 8; w++)
		buf[w] = pattern(idx | 1UL << 40, w);
	snprintf(path, sizeof(path), TMPDIR "/f%lu", idx);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	n = write(fd, buf, sizeof(buf));
	close(fd);
	return n == (ssize_t)sizeof(buf) ? 0 : -1;
}

static unsigned long check_small_file(unsigned long idx)
{
	uint64_t buf[FILE_PAGES * PG / 8];
	char path[64];
	unsigned long w, bad = 0;
	int fd;

	snprintf(path, sizeof(path), TMPDIR "/f%lu", idx);
	fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		bad = FILE_PAGES * PG / 8;
	else
		for (w = 0; w < FILE_PAGES * PG / 8; w++)
			bad += buf[w] != pattern(idx | 1UL << 40, w);
	if (fd >= 0)
		close(fd);
	return bad;
}

/*
 * Splice one page in each wanted block into pipes. The physical frame of
 * each kept page comes from /proc/self/pagemap. Returns the pages pinned.
 */
static long pin_pages(struct frag *fr)
{
	uint64_t *map = malloc(fr->pages * sizeof(*map));
	int fd = open("/proc/self/pagemap", O_RDONLY), p[2] = { -1, -1 };
	long n = 0, in_pipe = PIPE_BYTES / PG, pipes = 0;
	unsigned long i;

	if (!map || fd < 0 ||
	    pread(fd, map, fr->pages * sizeof(*map),
		  (unsigned long)fr->base / PG * sizeof(*map)) !=
	    (ssize_t)(fr->pages * sizeof(*map)))
		return -1;
	close(fd);
	for (i = 0; i < fr->pages; i++) {
		unsigned long blk = (map[i] & ((1ULL << 55) - 1)) / BLOCK;
		struct iovec iov = { fr->base + i * PG, PG };

		if (!frag_kept(fr, i) || !(map[i] >> 63) || blk >= MAX_BLOCKS ||
		    !wants_pin(blk) || is_pinned(blk))
			continue;
		if (in_pipe == PIPE_BYTES / PG) {
			if (pipes++ == MAX_PIPES || pipe(p) ||
			    fcntl(p[1], F_SETPIPE_SZ, PIPE_BYTES) < PIPE_BYTES)
				return -1;
			in_pipe = 0;
		}
		if (vmsplice(p[1], &iov, 1, 0) != PG)
			return -1;
		in_pipe++;
		pinned[blk / 8] |= 1 << blk % 8;
		n++;
	}
	free(map);
	return n;
}

int main(void)
{
	static int sock[SOCKETS][2];
	static char msg[MSG_BYTES];
	unsigned long i, j, files = 0, bad, ideal;
	struct compact_run *run = malloc(sizeof(*run));
	long npinned;
	struct blocks st;
	struct frag fr;

	if (!run)
		return 1;
	write_file(PROACTIVENESS, "0");
	write_file("/sys/kernel/mm/transparent_hugepage/enabled", "never");
	mkdir(TMPDIR, 0700);
	memset(msg, 0x5a, sizeof(msg));
	for (i = 0; i < SOCKETS; i++)
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sock[i])) {
			perror("socketpair");
			return 1;
		}

	/* 1. 70% of free memory as 4 KiB pages, page cache and slab between. */
	fr.pages = meminfo_kb("MemFree") / 4 * 70 / 100;
	fr.keep = 4;
	fr.base = mmap(NULL, fr.pages * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fr.base == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (i = 0; i < fr.pages; i++) {
		uint64_t *p = (uint64_t *)(fr.base + i * PG);

		if (!frag_kept(&fr, i))
			p[0] = 1;
		else
			for (j = 0; j < PG / 8; j++)
				p[j] = pattern(i, j);
		if (i % EVERY == EVERY - 1) {
			if (write_small_file(files++)) {
				perror("write " TMPDIR);
				return 1;
			}
			send(sock[files % SOCKETS][0], msg, sizeof(msg), MSG_DONTWAIT);
		}
	}

	/* 2. Pin a page in 40% of the blocks. */
	npinned = pin_pages(&fr);
	if (npinned < 0) {
		perror("vmsplice");
		return 1;
	}

	/* 3. Keep one page in four and every other file. */
	for (i = 0; i < fr.pages; i++)
		if (!frag_kept(&fr, i) && madvise(fr.base + i * PG, PG, MADV_DONTNEED)) {
			perror("madvise");
			return 1;
		}
	for (i = 1; i < files; i += 2) {
		char path[64];

		snprintf(path, sizeof(path), TMPDIR "/f%lu", i);
		unlink(path);
	}
	if (scan_blocks(&st)) {
		perror("/proc/kpageflags");
		return 1;
	}
	print_blocks("before", &st);
	printf("mixed: %lu files, %lu kept, %lu messages, %ld pages pinned\n",
	       files, (files + 1) / 2, files, npinned);

	if (compact_memory_measured(run))
		return 1;
	scan_blocks(&st);
	print_blocks("after", &st);
	ideal = st.clean < st.free_pages / BLOCK ? st.clean : st.free_pages / BLOCK;

	printf("BENCH mixed.clean_blocks=%lu\n", st.clean);
	printf("BENCH mixed.pinned_blocks=%lu\n", st.pinned);
	printf("BENCH mixed.unmovable_pages=%lu\n", st.unmovable_pages);
	printf("BENCH mixed.ideal=%lu\n", ideal);
	if (ideal)
		printf("BENCH mixed.yield_pct=%.2f\n", 100.0 * run->blocks_after / ideal);
	compact_run_print("mixed", run);
	bad = verify(&fr);
	for (i = 0; i < files; i += 2)
		bad += check_small_file(i);
	printf("BENCH mixed.bad_words=%lu\n", bad);
	/* After the figures, so that the log still shows what was measured. */
	return bad ? 1 : 0;
}
