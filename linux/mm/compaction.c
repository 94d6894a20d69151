// SPDX-License-Identifier: GPL-2.0
/*
 * The memory compaction engine
 *
 * Moves movable pages towards the top of a zone so that free memory gathers
 * into physically contiguous high-order blocks.  Page migration
 * (mm/migrate.c) does the actual moving; this file decides what to move
 * and where to.
 */
#include <linux/alloc_tag.h>
#include <linux/cpu.h>
#include <linux/cpuset.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/freezer.h>
#include <linux/hugetlb.h>
#include <linux/kthread.h>
#include <linux/memcontrol.h>
#include <linux/memory_hotplug.h>
#include <linux/migrate.h>
#include <linux/mm_inline.h>
#include <linux/node.h>
#include <linux/page-isolation.h>
#include <linux/pagemap.h>
#include <linux/psi.h>
#include <linux/sched/signal.h>
#include <linux/secretmem.h>
#include <linux/seq_file.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/compaction.h>
#include <linux/sysctl.h>
#include <linux/vmstat.h>
#include "internal.h"

/**
 * DOC: overview
 *
 * Compaction fights external fragmentation: plenty of free memory, but no
 * free block of the size an allocation needs.  It works on one zone at a
 * time with two scanners that move towards each other:
 *
 * - The *migration scanner* starts at the bottom of the zone and walks up
 *   one pageblock at a time.  It isolates pages that can be moved: folios on
 *   the LRU lists and non-LRU pages whose driver provides
 *   &struct movable_operations.  A pageblock it starts is always finished,
 *   so every block it passes is left as empty as migration allows.
 *
 * - The *free scanner* starts at the top of the zone and walks down.  It
 *   takes free buddy pages out of movable (and CMA) pageblocks and keeps
 *   them, still unprepared, on per-order lists in &struct compact_control.
 *   Those pages are the destinations of migration.  It never takes pages
 *   from a pageblock at or below the migration scanner, never from an
 *   isolated pageblock, and never breaks up a free page that is already as
 *   large as what compaction is trying to build.
 *
 * The isolated sources are handed to migrate_pages() with two callbacks:
 * compaction_alloc() gives out one of the collected free pages (splitting
 * a larger one when needed) and compaction_free() takes back a destination
 * that was not used.  Whatever is left over when the run ends goes back to
 * the page allocator.  A zone run ends when the scanners meet, when the
 * requested order can be allocated, or when the run has to back off.
 *
 * **Who runs compaction**
 *
 * - *Direct compaction*: an allocation that failed because of fragmentation
 *   calls try_to_compact_pages().  Priority decides the effort: async
 *   migration that backs off on contention, then sync-light migration, and
 *   finally a whole-zone pass that ignores every hint.  A page freed at the
 *   right order while the task compacts is captured for it directly.
 *
 * - *kcompactd*: one kernel thread per node.  Reclaim wakes it with
 *   wakeup_kcompactd() when high-order allocations struggle.  It also
 *   compacts *proactively* in the background, steered by
 *   vm.compaction_proactiveness: every 500ms it computes a fragmentation
 *   score for the node (external fragmentation at huge page order,
 *   weighted by zone size) and compacts while the score is above a
 *   threshold.
 *
 * - *Manual compaction*: writing 1 to /proc/sys/vm/compact_memory compacts
 *   every zone of every node completely; writing to
 *   /sys/devices/system/node/nodeN/compact does the same for one node.
 *
 * - *Range isolation*: alloc_contig_range() (CMA, gigantic pages) reuses
 *   the isolation code on an exact PFN range through
 *   isolate_migratepages_range() and isolate_freepages_range().
 *
 * **Remembering work**
 *
 * Compaction is expensive, so it avoids repeating itself.  Each zone caches
 * where the scanners stopped, so the next run continues from there.
 * Pageblocks in which nothing could be isolated get a skip bit and are
 * ignored until the bits are flushed (by kswapd going to sleep after a
 * failed direct compaction, or when deferral expires).  When direct
 * compaction fails on a zone, further attempts on it are *deferred*:
 * skipped 1, 2, 4 ... up to 64 times, until an allocation of that order
 * succeeds again.
 */

#if defined(CONFIG_COMPACTION) || defined(CONFIG_CMA)

#define CREATE_TRACE_POINTS
#include <trace/events/compaction.h>

/* === Helpers shared by zone compaction and range isolation === */

/* Account pages taken off the free or LRU lists (COMPACTISOLATED). */
static inline void count_isolated(struct compact_control *cc, unsigned long nr)
{
	cc->total_isolated += nr;
#ifdef CONFIG_COMPACTION
	if (nr)
		count_vm_events(COMPACTISOLATED, nr);
#endif
}

/* First PFN of the pageblock holding @pfn that still belongs to @zone. */
static unsigned long block_first_pfn(const struct zone *zone, unsigned long pfn)
{
	return max(pageblock_start_pfn(pfn), zone->zone_start_pfn);
}

/*
 * Can the pageblock part [@pfn, @end) be walked with pfn_to_page()?  Holes
 * and pages of other zones inside a pageblock make it unusable.
 */
static bool range_block_valid(struct zone *zone, unsigned long pfn,
			      unsigned long end)
{
	return pageblock_pfn_to_page(block_first_pfn(zone, pfn), end,
				     zone) != NULL;
}

/*
 * Number of PFNs from @page to the end of the compound page it belongs to.
 * Read without a reference, so the result is only trusted when it stays
 * inside one MAX_PAGE_ORDER block; anything odd makes us step by one.
 */
static unsigned long compound_span(struct page *page)
{
	struct page *head = compound_head(page);
	unsigned int order = compound_order(head);
	unsigned long offset;

	if (head > page || order > MAX_PAGE_ORDER)
		return 1;
	offset = page - head;
	if (offset >= (1UL << order))
		return 1;
	return (1UL << order) - offset;
}

/* Same for a free buddy page seen without zone->lock. */
static unsigned long buddy_span(struct page *page)
{
	unsigned long order = buddy_order_unsafe(page);

	if (order > MAX_PAGE_ORDER)
		return 1;
	return 1UL << order;
}

/*
 * Called by the scanners every COMPACT_CLUSTER_MAX PFNs with no lock held.
 * A fatal signal stops every mode (-EINTR).  Async compaction is an
 * opportunistic attempt by a task that is about to fall back to other
 * measures, so it stops (-EAGAIN) once it met a contended lock: reclaim
 * or another compactor is at work in the zone.  A pending reschedule only
 * says that another task wants this CPU, so every mode gives it the CPU
 * and goes on: ending the run there only made a THP fault next to a busy
 * task reclaim and compact again, about one fault in ten.
 */
static int compact_should_yield(struct compact_control *cc)
{
	if (fatal_signal_pending(current)) {
		cc->contended = true;
		return -EINTR;
	}
	cond_resched();
	return cc->mode == MIGRATE_ASYNC && cc->contended ? -EAGAIN : 0;
}

/*
 * Take @lock for a scanner.  Async compaction first tries without waiting:
 * if the lock is contended, reclaim or other compactors are busy in the
 * zone, so it records that and finishes only the step at hand before
 * compact_should_yield() ends the run with COMPACT_CONTENDED.  The lock is
 * taken in every case, which keeps each caller's locking balanced.
 */
static void compact_lock(spinlock_t *lock, unsigned long *flags,
			 struct compact_control *cc)
	__acquires(lock)
{
	if (cc->mode == MIGRATE_ASYNC && !cc->contended) {
		if (spin_trylock_irqsave(lock, *flags))
			return;
		cc->contended = true;
	}
	spin_lock_irqsave(lock, *flags);
}

/* === Free page isolation === */

/*
 * Free pages of this order or larger are never broken up by the free
 * scanner: such a page is what compaction is trying to produce (the
 * requested order, capped at a pageblock; a pageblock for whole-zone runs).
 */
static unsigned int target_keep_order(const struct compact_control *cc)
{
	if (cc->order > 0)
		return min_t(unsigned int, cc->order, pageblock_order);
	return pageblock_order;
}

/*
 * Is the free page @page of @order a result, which the free scanner must
 * leave whole?  Only if it is large enough and the allocation we compact
 * for could take it: a CMA pageblock serves only movable allocations that
 * may use CMA (as in cma_page_free()), so for an unmovable or reclaimable
 * request, and for kcompactd's, its free pages below a pageblock are plain
 * destinations; refusing them would leave the free scanner with scraps.
 * Whole free pageblocks stay whole for every request, CMA ones included
 * (movable pages moved into them would only have to leave again for the
 * next cma_alloc()), and whole-zone runs (order -1) build them.
 */
static bool free_page_is_result(const struct compact_control *cc,
				struct page *page, unsigned int order)
{
	if (order < target_keep_order(cc))
		return false;
	if (cc->order < 0 || order >= pageblock_order ||
	    !is_migrate_cma_page(page))
		return true;
	return cc->migratetype == MIGRATE_MOVABLE &&
	       (cc->alloc_flags & ALLOC_CMA);
}

/*
 * May the zone free scanner take the buddy page @page of @order?  Besides
 * the size rule, the pageblock must not be isolated: its migratetype is only
 * changed under zone->lock, which we hold, so this recheck is exact.
 */
static bool free_target_acceptable(struct compact_control *cc,
				   struct page *page, unsigned int order)
{
	lockdep_assert_held(&cc->zone->lock);
	if (free_page_is_result(cc, page, order))
		return false;
	return !is_migrate_isolate(get_pageblock_migratetype(page));
}

/*
 * Move the buddy page @page of @order onto our private lists.
 * __isolate_free_page() checks the watermark (unless the block is isolated)
 * and fixes up the free page accounting.
 *
 * Return: number of pages taken, 0 if the watermark refused.
 */
static unsigned int take_buddy_page(struct compact_control *cc,
				    struct page *page, unsigned int order)
{
	lockdep_assert_held(&cc->zone->lock);
	if (!__isolate_free_page(page, order))
		return 0;
	list_add_tail(&page->lru, &cc->freepages[order]);
	cc->nr_freepages += 1U << order;
	return 1U << order;
}

/* Cursor of one free scanner pass over part of a pageblock. */
struct free_scan {
	unsigned long pfn;		/* next PFN to look at */
	unsigned long nr_scanned;	/* PFNs looked at */
	unsigned long nr_taken;		/* pages isolated */
	bool strict;			/* range isolation: every PFN must be free */
};

/*
 * Without zone->lock, step over PFNs before @end that hold no free page, so
 * that clusters with nothing free never touch the lock.
 *
 * Return: false if a strict pass met a PFN that is not free (fs->pfn stays
 * there), true otherwise.
 */
static bool free_scan_skip_used(struct free_scan *fs, unsigned long end)
{
	while (fs->pfn < end) {
		struct page *page = pfn_to_page(fs->pfn);
		unsigned long span;

		if (PageBuddy(page))
			return true;
		if (fs->strict)
			return false;
		/* Step over compound pages in one go; they hold nothing free. */
		span = PageCompound(page) ? compound_span(page) : 1;
		fs->nr_scanned += span;
		fs->pfn += span;
	}
	return true;
}

/*
 * Handle the PFN at fs->pfn under zone->lock.  In strict mode a failure
 * leaves fs->pfn where it is, which tells the caller the range could not
 * be isolated completely.
 *
 * Return: false to stop the pass.
 */
static bool free_scan_take(struct compact_control *cc, struct free_scan *fs)
{
	struct page *page = pfn_to_page(fs->pfn);
	unsigned long nr;
	unsigned int order;

	lockdep_assert_held(&cc->zone->lock);
	if (!PageBuddy(page)) {
		/* Allocated since we peeked, or never free. */
		if (fs->strict)
			return false;
		fs->nr_scanned++;
		fs->pfn++;
		return true;
	}
	order = buddy_order(page);
	nr = 1UL << order;
	if (!fs->strict && !free_target_acceptable(cc, page, order)) {
		fs->nr_scanned += nr;
		fs->pfn += nr;
		return true;
	}
	if (!take_buddy_page(cc, page, order))
		return false;
	fs->nr_taken += nr;
	fs->nr_scanned += nr;
	fs->pfn += nr;
	/* Stop as soon as the pending migrations have a destination. */
	return fs->strict || cc->nr_freepages < cc->nr_migratepages;
}

/*
 * Scan up to @end, a COMPACT_CLUSTER_MAX boundary, under zone->lock.  The
 * lock is held for one cluster at most, so interrupts get in regularly.
 *
 * Return: false to stop the pass.
 */
static bool free_scan_cluster(struct compact_control *cc, struct free_scan *fs,
			      unsigned long end)
{
	unsigned long flags;
	bool more = true;

	if (!free_scan_skip_used(fs, end))
		return false;
	if (fs->pfn >= end)
		return true;

	compact_lock(&cc->zone->lock, &flags, cc);
	while (more && fs->pfn < end)
		more = free_scan_take(cc, fs);
	spin_unlock_irqrestore(&cc->zone->lock, flags);
	return more;
}

/*
 * Isolate free pages from [@start, @end), which lies inside one pageblock
 * (or starts a buddy page spanning several).  Non-strict passes stop once
 * enough destinations are collected; strict passes stop at the first PFN
 * that is not free.
 *
 * Return: the PFN where the pass stopped.  A strict pass succeeded iff the
 * result is >= @end; it may exceed @end when the last free page does.
 */
static unsigned long isolate_free_run(struct compact_control *cc,
				      unsigned long start, unsigned long end,
				      bool strict)
{
	struct free_scan fs = {
		.pfn = start,
		.strict = strict,
	};

	while (fs.pfn < end) {
		unsigned long cluster_end = ALIGN(fs.pfn + 1, COMPACT_CLUSTER_MAX);

		if (compact_should_yield(cc) ||
		    !free_scan_cluster(cc, &fs, min(cluster_end, end)))
			break;
	}

	trace_mm_compaction_isolate_freepages(start, min(fs.pfn, end),
					      fs.nr_scanned, fs.nr_taken);
	cc->total_free_scanned += fs.nr_scanned;
	count_isolated(cc, fs.nr_taken);
	return strict ? fs.pfn : min(fs.pfn, end);
}

/*
 * Give every page on cc->freepages back to the page allocator.  They are
 * still in "isolated free" state, so run the allocation hooks first to make
 * them look like the allocated pages __free_pages() expects.
 *
 * Return: highest PFN handed back, 0 if the lists were empty.
 */
static unsigned long return_free_targets_noprof(struct compact_control *cc)
{
	unsigned long highest = 0;
	unsigned int order;

	for (order = 0; order < NR_PAGE_ORDERS; order++) {
		struct page *page, *next;

		list_for_each_entry_safe(page, next, &cc->freepages[order], lru) {
			list_del(&page->lru);
			highest = max(highest, page_to_pfn(page));
			post_alloc_hook(page, order, __GFP_MOVABLE);
			set_page_refcounted(page);
			__free_pages(page, order);
		}
	}
	cc->nr_freepages = 0;
	return highest;
}

#define return_free_targets(...) \
	alloc_hooks(return_free_targets_noprof(__VA_ARGS__))

/* === Migration source isolation === */

/*
 * NR_ISOLATED_ANON + NR_ISOLATED_FILE of @pgdat including what the CPUs
 * have not folded in yet.  node_page_state() can be off by stat_threshold
 * pages per CPU, and once hot-remove offlined all of a node's memory
 * nothing folds that node's per-cpu differences any more: vmstat's
 * shepherd only looks at populated zones.  A stale count of a few pages
 * over an LRU that is now empty would throttle us for ever.
 */
static unsigned long node_isolated_exact(pg_data_t *pgdat)
{
	long sum = atomic_long_read(&pgdat->vm_stat[NR_ISOLATED_ANON]) +
		   atomic_long_read(&pgdat->vm_stat[NR_ISOLATED_FILE]);
	int cpu;

	for_each_online_cpu(cpu) {
		struct per_cpu_nodestat *pcp =
			per_cpu_ptr(pgdat->per_cpu_nodestats, cpu);

		sum += READ_ONCE(pcp->vm_node_stat_diff[NR_ISOLATED_ANON]) +
		       READ_ONCE(pcp->vm_node_stat_diff[NR_ISOLATED_FILE]);
	}
	return max(sum, 0L);
}

/*
 * Reclaim and compaction both park pages off the LRU while they work on
 * them.  If that grows unchecked the LRU can look empty and reclaim draws
 * wrong conclusions, so isolation pauses once more than half of the LRU is
 * isolated.  Tasks without __GFP_FS get an eight times higher limit: other
 * compactors that filled the quota may be blocked on filesystem locks held
 * by this very task, and throttling it would deadlock them all.  The cheap
 * count decides when all is well; before saying "wait" it is made exact.
 */
static bool lru_isolation_saturated(struct compact_control *cc)
{
	pg_data_t *pgdat = cc->zone->zone_pgdat;
	unsigned long on_lru = 0, isolated;
	enum lru_list lru;

	for_each_evictable_lru(lru)
		on_lru += node_page_state(pgdat, NR_LRU_BASE + lru);
	isolated = node_page_state(pgdat, NR_ISOLATED_ANON) +
		   node_page_state(pgdat, NR_ISOLATED_FILE);

	if (cc->gfp_mask & __GFP_FS)
		on_lru >>= 3;
	if (isolated > on_lru / 2 &&
	    node_isolated_exact(pgdat) > on_lru / 2)
		return true;
	wake_throttle_isolated(pgdat);
	return false;
}

/*
 * Wait until isolating more pages is allowed.  A caller that still holds
 * isolated pages is told to migrate them first (that lowers the count);
 * async callers never wait.
 *
 * Return: 0, -EAGAIN (come back later) or -EINTR (fatal signal).
 */
static int wait_for_isolation_room(struct compact_control *cc)
{
	while (lru_isolation_saturated(cc)) {
		if (cc->nr_migratepages || cc->mode == MIGRATE_ASYNC)
			return -EAGAIN;
		reclaim_throttle(cc->zone->zone_pgdat, VMSCAN_THROTTLE_ISOLATED);
		if (fatal_signal_pending(current))
			return -EINTR;
	}
	return 0;
}

/*
 * Large folios that zone compaction leaves alone.  Moving a folio that is
 * at least as large as the requested order cannot help: a free block of
 * that size would already have satisfied the request.  Nothing of
 * pageblock size or more is moved either, since compaction never builds
 * blocks larger than that.
 */
static bool folio_order_too_big(const struct compact_control *cc,
				unsigned int order)
{
	if (order >= pageblock_order)
		return true;
	return cc->order > 0 && order >= cc->order;
}

/*
 * Migration fails on pinned folios, so isolating them only disturbs the
 * LRU.  An anonymous folio holding more references than mappings (plus
 * ours) is pinned, by FOLL_PIN or e.g. an in-flight direct I/O.  Only a
 * large folio counts its FOLL_PIN pins exactly; for a small one
 * folio_maybe_dma_pinned() means "1024 references or more", which a page
 * that 1024 processes map (libc's text, a page shared by COW after many
 * forks) has unpinned: trusting it would leave such pages, and CMA or
 * gigantic page allocations around them, stuck for good.  Both tests are
 * racy, which costs at most one useless or one missed isolation.
 */
static bool folio_looks_pinned(struct folio *folio,
			       struct address_space *mapping)
{
	if (folio_test_large(folio) && folio_maybe_dma_pinned(folio))
		return true;
	return !mapping && folio_ref_count(folio) - 1 > folio_mapcount(folio);
}

/*
 * Checks that need a stable ->mapping.  Truncation clears it under the
 * folio lock, so take that lock; wait for it only in full sync mode
 * (@may_block), which waits for folio locks in migrate_pages() anyway.  A
 * dirty folio must belong to a mapping that migrates dirty folios itself
 * (->migrate_folio), whatever the mode: see src_clean_for_migration().
 * Inaccessible mappings (guest memory, secretmem) must never be touched.
 */
static bool folio_mapping_allows_migration(struct folio *folio, bool may_block)
{
	struct address_space *mapping;
	bool ok = true;

	if (may_block)
		folio_lock(folio);
	else if (!folio_trylock(folio))
		return false;
	mapping = folio_mapping(folio);
	if (mapping) {
		if (folio_test_dirty(folio) && !mapping->a_ops->migrate_folio)
			ok = false;
		if (mapping_inaccessible(mapping) || secretmem_mapping(mapping))
			ok = false;
	}
	folio_unlock(folio);
	return ok;
}

/*
 * A dirty folio whose mapping has no ->migrate_folio (eCryptfs, nilfs2,
 * ...) can only be moved by migrate.c's fallback: migrate_pages() unmaps
 * it, the fallback hands it to writeout(), which maps it again, and the
 * move is retried with the folio clean.  In this tree the retry counts page
 * table mappings as expected references (folio_expected_ref_count()), so
 * it moves the page cache to the new folio while the restored mappings
 * still point at the old one: what is written through them afterwards
 * never reaches the file.  Such a folio is therefore never isolated dirty
 * (folio_mapping_allows_migration()).
 *
 * Full sync compaction may wait for I/O, so it writes the folio back
 * first, mapped and on the LRU as the flusher finds folios, and moves it
 * once clean.  WB_SYNC_ALL, because some file systems only queue the
 * write otherwise (nilfs2 redirties the folio).  Writeback may take the
 * file system's locks, hence __GFP_FS and __GFP_IO.  A write error is
 * recorded on the mapping for fsync() to report, as the flusher does.
 */
static void src_clean_for_migration(struct compact_control *cc,
				    struct folio *folio)
{
	const gfp_t fs_io = __GFP_FS | __GFP_IO;
	struct writeback_control wbc = {
		.sync_mode = WB_SYNC_ALL,
		.nr_to_write = folio_nr_pages(folio),
	};
	struct address_space *mapping;
	int err;

	if (cc->mode != MIGRATE_SYNC || (cc->gfp_mask & fs_io) != fs_io ||
	    !folio_test_dirty(folio) || folio_test_anon(folio))
		return;
	folio_lock(folio);
	mapping = folio_mapping(folio);
	if (!mapping || mapping->a_ops->migrate_folio ||
	    !mapping->a_ops->writepage || mapping_inaccessible(mapping))
		goto unlock;
	folio_wait_writeback(folio);
	if (!folio_clear_dirty_for_io(folio))
		goto unlock;
	wbc.range_start = folio_pos(folio);
	wbc.range_end = wbc.range_start + folio_size(folio) - 1;
	err = mapping->a_ops->writepage(&folio->page, &wbc);
	if (err == AOP_WRITEPAGE_ACTIVATE)
		goto unlock;
	/* ->writepage unlocked the folio: relock it to touch the mapping. */
	if (!err) {
		folio_wait_writeback(folio);
		return;
	}
	folio_lock(folio);
	if (folio->mapping == mapping)
		mapping_set_error(mapping, err);
unlock:
	folio_unlock(folio);
}

/*
 * Decide whether an LRU folio we hold a reference on is worth isolating.
 * Cheap tests first.  The folio lock is taken for dirty folios with a
 * mapping (and dirty anonymous ones in non-sync modes) and for
 * unevictable file folios (inaccessible mappings are always unevictable,
 * so that is where we look for them).  In full sync mode a dirty folio
 * that only writeback can make movable is written back here.
 */
static bool folio_is_migration_candidate(struct compact_control *cc,
					 struct folio *folio,
					 isolate_mode_t mode)
{
	struct address_space *mapping = folio_mapping(folio);
	bool async = mode & ISOLATE_ASYNC_MIGRATE;
	bool unevictable;

	if (!cc->alloc_contig && folio_order_too_big(cc, folio_order(folio)))
		return false;
	if (folio_looks_pinned(folio, mapping))
		return false;
	/*
	 * Moving any folio with a mapping (file or swap cache, which may sit
	 * on a filesystem) may take fs locks a !__GFP_FS caller holds.
	 */
	if (!(cc->gfp_mask & __GFP_FS) && mapping)
		return false;
	if (!folio_test_lru(folio))
		return false;
	unevictable = folio_test_unevictable(folio);
	if (unevictable && !(mode & ISOLATE_UNEVICTABLE))
		return false;
	if (async && folio_test_writeback(folio))
		return false;
	src_clean_for_migration(cc, folio);
	if ((folio_test_dirty(folio) && (mapping || async)) ||
	    (mapping && unevictable))
		return folio_mapping_allows_migration(folio, !async);
	return true;
}

/* What the migration scanner made of one PFN. */
enum src_verdict {
	SRC_SKIP,	/* nothing to move here (free page), not a failure */
	SRC_FAIL,	/* a used page we cannot or will not move */
	SRC_TAKEN,	/* isolated onto cc->migratepages */
	SRC_STOP,	/* stop the pass: a hard error (ss->err) */
};

/* Cursor of one migration scanner pass over part of a pageblock. */
struct src_scan {
	unsigned long pfn;		/* PFN being looked at */
	unsigned long end_pfn;		/* end of the pass */
	unsigned long span;		/* PFNs covered by the current step */
	unsigned long chunk_end;	/* end of the current order chunk */
	unsigned long nr_scanned;	/* PFNs looked at */
	unsigned long nr_taken;		/* pages isolated and kept */
	isolate_mode_t mode;		/* ISOLATE_* restrictions */
	int err;			/* error to report to the caller */
	bool chunked;			/* all-or-nothing per order chunk */
};

/*
 * Take @folio, whose PG_lru we cleared, off its LRU list.  With PG_lru
 * clear its memcg cannot change, so the lruvec lookup is stable.  The lock
 * is held for this one folio only: nothing else the scanner does needs it,
 * and the final folio_put() of a page we skip must not run under it,
 * because freeing takes the lru_lock too.  The folio counts as isolated
 * (NR_ISOLATED_*) until migration or putback_movable_pages() undoes that.
 */
static void src_detach_from_lru(struct compact_control *cc,
				struct folio *folio)
{
	struct lruvec *lruvec = folio_lruvec(folio);
	unsigned long flags;

	compact_lock(&lruvec->lru_lock, &flags, cc);
	lruvec_memcg_debug(lruvec, folio);
	lruvec_del_folio(lruvec, folio);
	spin_unlock_irqrestore(&lruvec->lru_lock, flags);
	node_stat_mod_folio(folio, NR_ISOLATED_ANON + folio_is_file_lru(folio),
			    folio_nr_pages(folio));
}

/* Book an isolated folio that is already on cc->migratepages. */
static void src_count(struct compact_control *cc, struct src_scan *ss,
		      struct folio *folio)
{
	unsigned long nr = folio_nr_pages(folio);

	cc->nr_migratepages += nr;
	ss->nr_taken += nr;
}

/*
 * hugetlb folios are only moved for range isolation: zone compaction never
 * builds blocks as large as they are.  For range isolation a free hugetlb
 * folio is dissolved into buddy pages, a used one is isolated.
 */
static enum src_verdict src_take_hugetlb(struct compact_control *cc,
					 struct src_scan *ss, struct page *page)
{
	struct folio *folio;
	int ret;

	ss->span = compound_span(page);
	if (!cc->alloc_contig)
		return SRC_FAIL;
	/* This may allocate a replacement and sleep. */
	ret = isolate_or_dissolve_huge_page(page, &cc->migratepages);
	if (ret == -ENOMEM) {
		ss->err = ret;
		return SRC_STOP;
	}
	if (ret)
		return SRC_FAIL;
	if (!PageHuge(page)) {
		/* Dissolved: the pages are free now. */
		ss->span = PageBuddy(page) ? buddy_span(page) : 1;
		return SRC_SKIP;
	}
	folio = page_folio(page);
	ss->span = folio_pfn(folio) + folio_nr_pages(folio) - ss->pfn;
	src_count(cc, ss, folio);
	return SRC_TAKEN;
}

/*
 * Non-LRU movable pages (zsmalloc, balloon, ...).  __PageMovable() can be
 * a false positive; isolate_movable_page() rechecks under the page lock.
 * It calls into the driver, which takes its own locks, so it must not run
 * under the lru_lock.
 */
static enum src_verdict src_take_movable(struct compact_control *cc,
					 struct src_scan *ss, struct page *page)
{
	struct folio *folio;

	if (!__PageMovable(page) || PageIsolated(page))
		return SRC_FAIL;
	if (!isolate_movable_page(page, ss->mode))
		return SRC_FAIL;
	folio = page_folio(page);
	list_add(&folio->lru, &cc->migratepages);
	src_count(cc, ss, folio);
	return SRC_TAKEN;
}

/*
 * LRU folios.  The order matters: a reference first, so the folio cannot be
 * freed under us; then clear PG_lru, which stabilises the memcg and keeps
 * everybody else from isolating it; only then look up and lock the lruvec.
 */
static enum src_verdict src_take_lru(struct compact_control *cc,
				     struct src_scan *ss, struct page *page)
{
	struct folio *folio = page_folio(page);

	if (!folio_try_get(folio))
		return SRC_FAIL;
	if (unlikely(page_folio(page) != folio)) {
		/* Split or freed and reused between the lookup and the get. */
		folio_put(folio);
		return SRC_FAIL;
	}
	ss->span = folio_pfn(folio) + folio_nr_pages(folio) - ss->pfn;
	if (!folio_is_migration_candidate(cc, folio, ss->mode) ||
	    !folio_test_clear_lru(folio)) {
		folio_put(folio);
		return SRC_FAIL;
	}
	src_detach_from_lru(cc, folio);
	list_add(&folio->lru, &cc->migratepages);
	src_count(cc, ss, folio);
	return SRC_TAKEN;
}

/* Classify the page at ss->pfn and isolate it if it can be moved. */
static enum src_verdict src_examine(struct compact_control *cc,
				    struct src_scan *ss, struct page *page)
{
	if (PageHuge(page))
		return src_take_hugetlb(cc, ss, page);
	if (PageBuddy(page)) {
		ss->span = buddy_span(page);
		return SRC_SKIP;
	}
	/* Racy early exit for big compound pages, rechecked under a ref. */
	if (PageCompound(page) && !cc->alloc_contig) {
		unsigned int order = compound_order(compound_head(page));

		if (order <= MAX_PAGE_ORDER && folio_order_too_big(cc, order)) {
			ss->span = compound_span(page);
			return SRC_FAIL;
		}
	}
	if (PageLRU(page))
		return src_take_lru(cc, ss, page);
	if (src_take_movable(cc, ss, page) == SRC_TAKEN)
		return SRC_TAKEN;
	/* Unmovable compound pages (slab, ...): step over all of it. */
	if (PageCompound(page))
		ss->span = compound_span(page);
	return SRC_FAIL;
}

/*
 * Async direct compaction wants one free block of cc->order quickly.  A
 * chunk of that size holding a page we cannot move will never become that
 * block, so return what we isolated from it and move on to the next chunk.
 */
static void src_abandon_chunk(struct compact_control *cc, struct src_scan *ss)
{
	if (ss->nr_taken) {
		putback_movable_pages(&cc->migratepages);
		cc->nr_migratepages = 0;
		ss->nr_taken = 0;
	}
	ss->pfn = max(ss->pfn, ss->chunk_end);
}

/*
 * Bookkeeping before looking at ss->pfn: chunk boundaries and the periodic
 * lock break that lets interrupts and the scheduler in.
 *
 * Return: false to stop the pass.
 */
static bool src_scan_checkpoint(struct compact_control *cc,
				struct src_scan *ss)
{
	int yield;

	if (ss->chunked && ss->pfn >= ss->chunk_end) {
		/* A complete chunk is isolated: migrate it right away. */
		if (ss->nr_taken)
			return false;
		ss->chunk_end = ALIGN(ss->pfn + 1, 1UL << cc->order);
	}
	if (ss->pfn % COMPACT_CLUSTER_MAX)
		return true;
	yield = compact_should_yield(cc);
	if (yield == -EINTR)
		ss->err = yield;
	return !yield;
}

/* Handle one PFN (or one compound/free page).  Return: true to stop. */
static bool src_scan_step(struct compact_control *cc, struct src_scan *ss)
{
	enum src_verdict verdict;

	ss->span = 1;
	verdict = src_examine(cc, ss, pfn_to_page(ss->pfn));
	ss->nr_scanned += ss->span;
	if (verdict == SRC_STOP)
		return true;
	ss->pfn += ss->span;

	if (verdict == SRC_TAKEN)
		return cc->nr_migratepages >= COMPACT_CLUSTER_MAX;
	if (verdict == SRC_FAIL && ss->chunked)
		src_abandon_chunk(cc, ss);
	return false;
}

/*
 * Isolate movable pages from [@low_pfn, @end_pfn), which lies within one
 * pageblock.  Stops early once COMPACT_CLUSTER_MAX pages are isolated.
 * cc->migrate_pfn tells where to continue.
 *
 * Return: 0, -EAGAIN (too many isolated pages; migrate first), -EINTR
 * (fatal signal) or -ENOMEM (no memory to dissolve a hugetlb folio).
 */
static int harvest_sources(struct compact_control *cc, unsigned long low_pfn,
			   unsigned long end_pfn, isolate_mode_t mode)
{
	struct src_scan ss = {
		.pfn = low_pfn,
		.end_pfn = end_pfn,
		.mode = mode,
		.chunked = cc->direct_compaction && cc->order > 0 &&
			   cc->mode == MIGRATE_ASYNC,
	};
	int err;

	cc->migrate_pfn = low_pfn;
	err = wait_for_isolation_room(cc);
	if (err)
		return err;
	cond_resched();

	while (ss.pfn < ss.end_pfn && !ss.err) {
		if (!src_scan_checkpoint(cc, &ss) || src_scan_step(cc, &ss))
			break;
	}

	ss.pfn = min(ss.pfn, ss.end_pfn);
	trace_mm_compaction_isolate_migratepages(low_pfn, ss.pfn,
						 ss.nr_scanned, ss.nr_taken);
	cc->total_migrate_scanned += ss.nr_scanned;
	cc->block_isolated += ss.nr_taken;
	count_isolated(cc, ss.nr_taken);
	cc->migrate_pfn = ss.pfn;
	return ss.err;
}

/* === Range isolation (alloc_contig_range) === */

/**
 * isolate_freepages_range() - isolate every free page of a PFN range
 * @cc:        compaction control; @cc->zone must contain the range
 * @start_pfn: first PFN; must be the first PFN of a free buddy page
 * @end_pfn:   one past the last PFN
 *
 * Takes all free pages covering [@start_pfn, @end_pfn) off the buddy
 * lists and puts them, unprepared, on @cc->freepages by order.  Used by
 * alloc_contig_range() once the range has been emptied and isolated.
 * Isolation is strict: a page that is not free, a hole, or a PFN of
 * another zone makes the whole call fail and undo its work.
 *
 * Return: one past the last PFN isolated (larger than @end_pfn when the
 * last free page extends beyond it), or 0 on failure, in which case
 * @cc->freepages is empty.
 */
unsigned long isolate_freepages_range(struct compact_control *cc,
				      unsigned long start_pfn,
				      unsigned long end_pfn)
{
	unsigned long pfn = start_pfn;
	unsigned int order;

	for (order = 0; order < NR_PAGE_ORDERS; order++)
		INIT_LIST_HEAD(&cc->freepages[order]);

	while (pfn < end_pfn) {
		unsigned long stop = min(pageblock_end_pfn(pfn), end_pfn);

		if (!range_block_valid(cc->zone, pfn, stop))
			break;
		pfn = isolate_free_run(cc, pfn, stop, true);
		if (pfn < stop)
			break;
	}
	if (pfn >= end_pfn)
		return pfn;

	return_free_targets(cc);
	return 0;
}

/**
 * isolate_migratepages_range() - isolate movable pages of a PFN range
 * @cc:        compaction control; @cc->zone must contain the range
 * @start_pfn: first PFN to look at
 * @end_pfn:   one past the last PFN
 *
 * Isolates LRU folios (unevictable ones included), non-LRU movable pages
 * and, when @cc->alloc_contig is set, hugetlb folios onto
 * @cc->migratepages.  Stops after a batch of COMPACT_CLUSTER_MAX pages;
 * @cc->migrate_pfn then says where to continue.
 *
 * Return: 0 on success, -EAGAIN if too many pages are isolated already
 * (migrate the batch and call again), -EINTR on a fatal signal, -ENOMEM
 * if a hugetlb folio could not be dissolved.
 */
int isolate_migratepages_range(struct compact_control *cc,
			       unsigned long start_pfn, unsigned long end_pfn)
{
	unsigned long pfn = start_pfn;
	int err = 0;

	cc->migrate_pfn = start_pfn;
	while (pfn < end_pfn) {
		unsigned long stop = min(pageblock_end_pfn(pfn), end_pfn);

		if (range_block_valid(cc->zone, pfn, stop)) {
			err = harvest_sources(cc, pfn, stop,
					      ISOLATE_UNEVICTABLE);
			/* Stopped inside the block: batch full or error. */
			if (err || cc->migrate_pfn < stop)
				break;
		}
		pfn = stop;
		cc->migrate_pfn = pfn;
		if (cc->nr_migratepages >= COMPACT_CLUSTER_MAX)
			break;
	}
	return err;
}

#endif /* CONFIG_COMPACTION || CONFIG_CMA */

#ifdef CONFIG_COMPACTION

/* === Constants and tunables === */

/* Period of kcompactd's proactive fragmentation check. */
#define HPAGE_FRAG_CHECK_INTERVAL_MSEC	500

/* Deferral skips at most 1 << 6 = 64 compaction attempts in a row. */
#define COMPACT_MAX_DEFER_SHIFT		6

/* The proactive low watermark never drops below this score. */
#define PROACTIVE_WMARK_FLOOR		5U

/* Distance between the proactive low and high watermarks. */
#define PROACTIVE_WMARK_SPAN		10U

/* Free list entries the fast target search looks at per order. */
#define FAST_SEARCH_BUDGET		COMPACT_CLUSTER_MAX

/* Failed fast searches after which it is not tried again in a run. */
#define FAST_SEARCH_MAX_MISSES		5U

/* Order whose fragmentation the proactive score measures. */
#if defined(CONFIG_TRANSPARENT_HUGEPAGE)
#define COMPACTION_HPAGE_ORDER		HPAGE_PMD_ORDER
#elif defined(CONFIG_HUGETLBFS)
#define COMPACTION_HPAGE_ORDER		HUGETLB_PAGE_ORDER
#else
#define COMPACTION_HPAGE_ORDER		(PMD_SHIFT - PAGE_SHIFT)
#endif

/* vm.compact_unevictable_allowed: zone scanners may move mlocked folios. */
static int sysctl_compact_unevictable_allowed __read_mostly =
	CONFIG_COMPACT_UNEVICTABLE_DEFAULT;

/* vm.compaction_proactiveness: 0 disables background compaction. */
static unsigned int sysctl_compaction_proactiveness __read_mostly = 20;

/* vm.extfrag_threshold: costly orders below this index are not compacted. */
static int sysctl_extfrag_threshold __read_mostly = 500;

/* order == -1: compact the whole zone, there is no allocation to serve. */
static inline bool order_is_whole_zone(int order)
{
	return order == -1;
}

/* === Deferral === */

/*
 * Note a failed compaction of @order: skip the next 1 << shift attempts,
 * doubling the count each time up to COMPACT_MAX_DEFER_SHIFT, and remember
 * the smallest order that failed.
 */
static void defer_compaction(struct zone *zone, int order)
{
	zone->compact_considered = 0;
	zone->compact_defer_shift = min_t(unsigned int, COMPACT_MAX_DEFER_SHIFT,
					  zone->compact_defer_shift + 1);
	zone->compact_order_failed = min(zone->compact_order_failed, order);
	trace_mm_compaction_defer_compaction(zone, order);
}

/*
 * Should this attempt at @order be skipped?  Orders below the smallest
 * failed one are never deferred.  The attempt counter saturates at the
 * limit so it cannot wrap.
 */
static bool compaction_deferred(struct zone *zone, int order)
{
	unsigned int limit = 1U << zone->compact_defer_shift;
	bool hold_back;

	if (order < zone->compact_order_failed)
		return false;
	zone->compact_considered = min(zone->compact_considered + 1, limit);
	hold_back = zone->compact_considered < limit;
	if (hold_back)
		trace_mm_compaction_deferred(zone, order);
	return hold_back;
}

/**
 * compaction_defer_reset - forget past failures after a success
 * @zone:	   zone in which compaction succeeded
 * @order:	   order that compaction made available
 * @alloc_success: the allocation really succeeded, not just expected to
 *
 * Orders up to @order are no longer considered failing.  The back-off is
 * only cleared when an allocation actually succeeded.
 *
 * Return: nothing.
 */
void compaction_defer_reset(struct zone *zone, int order, bool alloc_success)
{
	zone->compact_order_failed = max(zone->compact_order_failed, order + 1);
	if (alloc_success) {
		zone->compact_defer_shift = 0;
		zone->compact_considered = 0;
	}
	trace_mm_compaction_defer_reset(zone, order);
}

/*
 * Deferral ran its full course: the next attempt is the first after the
 * maximum back-off and starts with fresh skip hints.
 */
static bool compaction_restarting(struct zone *zone, int order)
{
	bool backoff_maxed = zone->compact_defer_shift >= COMPACT_MAX_DEFER_SHIFT;

	return backoff_maxed && order >= zone->compact_order_failed &&
	       zone->compact_considered >= (1U << COMPACT_MAX_DEFER_SHIFT);
}

/* === Skip hints and cached scanner positions === */

/* May the scanners look at the pageblock of @page in this run? */
static bool isolation_suitable(const struct compact_control *cc,
			       struct page *page)
{
	return cc->ignore_skip_hint || !get_pageblock_skip(page);
}

/*
 * A pageblock occupied by one huge folio cannot be emptied and contains
 * no free page.  Racy, but a wrong answer only costs one scan.
 */
static bool block_held_by_huge_folio(struct page *page)
{
	if (!PageCompound(page))
		return false;
	return compound_order(compound_head(page)) >= pageblock_order;
}

/*
 * Is the pageblock at @pfn a later pageblock of a free buddy page larger
 * than a pageblock?  Only the buddy's first page is PageBuddy, so a walk
 * of this block would look at every PFN and find nothing to take or move:
 * in make bench's full workload, 154 such walks were 48% of the free
 * scanner's count.  Read without zone->lock: a stale answer costs one
 * block walked for nothing, or one free block passed over.
 */
static bool block_inside_free_buddy(const struct zone *zone, unsigned long pfn)
{
	unsigned int order;

	for (order = pageblock_order + 1; order <= MAX_PAGE_ORDER; order++) {
		unsigned long head = pfn & ~((1UL << order) - 1);
		struct page *page;

		if (head == pfn)
			continue;
		if (head < zone->zone_start_pfn || !pfn_valid(head))
			return false;
		page = pfn_to_page(head);
		if (PageBuddy(page) && buddy_order_unsafe(page) >= order)
			return true;
	}
	return false;
}

/* Let the next runs start at the zone edges again. */
static void reset_cached_positions(struct zone *zone)
{
	unsigned long last = zone_end_pfn(zone) - 1;
	unsigned long *migrate = zone->compact_cached_migrate_pfn;

	zone->compact_cached_free_pfn = pageblock_start_pfn(last);
	migrate[0] = zone->zone_start_pfn;
	migrate[1] = migrate[0];
}

/*
 * Clear the skip bit of every pageblock of @zone (except blocks held by a
 * huge folio, which stay useless) and restart both scanners at the edges.
 */
static void flush_skip_hints(struct zone *zone)
{
	unsigned long end = zone_end_pfn(zone);
	unsigned long pfn, nr_blocks = 0;

	for (pfn = zone->zone_start_pfn; pfn < end;
	     pfn = pageblock_end_pfn(pfn)) {
		struct page *page = pfn_to_online_page(pfn);

		if (!(++nr_blocks % COMPACT_CLUSTER_MAX))
			cond_resched();
		if (!page || page_zone(page) != zone)
			continue;
		if (!block_held_by_huge_folio(page))
			clear_pageblock_skip(page);
	}
	zone->compact_init_migrate_pfn = zone->zone_start_pfn;
	zone->compact_init_free_pfn = pageblock_start_pfn(end - 1);
	reset_cached_positions(zone);
}

/* Flush @zone's skip hints if a finished direct compaction asked for it. */
static void flush_requested_skip_hints(struct zone *zone)
{
	if (!zone->compact_blockskip_flush)
		return;
	zone->compact_blockskip_flush = false;
	flush_skip_hints(zone);
}

/**
 * reset_isolation_suitable - flush stale compaction hints of a node
 * @pgdat: node whose zones to look at
 *
 * Called by kswapd before it goes to sleep.  Zones in which direct
 * compaction scanned everything since the last flush get their pageblock
 * skip bits cleared and their cached scanner positions reset, because the
 * memory reclaim freed may have made skipped blocks useful again.
 *
 * Return: nothing.
 */
void reset_isolation_suitable(pg_data_t *pgdat)
{
	struct zone *zone = pgdat->node_zones;
	struct zone *end = zone + MAX_NR_ZONES;

	for (; zone < end; zone++) {
		if (populated_zone(zone))
			flush_requested_skip_hints(zone);
	}
}

/*
 * The migration scanner finished the pageblock ending at @pfn: the next run
 * of this kind can start after it.  Async runs give up on pages that sync
 * runs would move, so they only advance their own cursor.
 */
static void advance_cached_migrate(struct compact_control *cc,
				   unsigned long pfn)
{
	unsigned long *cached = cc->zone->compact_cached_migrate_pfn;

	if (cc->no_set_skip_hint)
		return;
	cached[0] = max(cached[0], pfn);
	if (cc->mode != MIGRATE_ASYNC)
		cached[1] = max(cached[1], pfn);
}

/*
 * The migration scanner left the pageblock of @page, ending at @end.  A
 * block that gave nothing is marked for skipping so later runs do not
 * rescan it for nothing.
 */
static void finish_source_block(struct compact_control *cc, struct page *page,
				unsigned long end)
{
	if (!cc->block_isolated && !cc->no_set_skip_hint)
		set_pageblock_skip(page);
	advance_cached_migrate(cc, end);
}

/*
 * The free scanner emptied the pageblock of @page, starting at @block.  It
 * is full now: mark it and let the next run's free scanner start below
 * it.  @block lies above the migration scanner, so it is never block 0.
 */
static void finish_target_block(struct compact_control *cc, struct page *page,
				unsigned long block)
{
	struct zone *zone = cc->zone;

	if (cc->no_set_skip_hint)
		return;
	set_pageblock_skip(page);
	block -= pageblock_nr_pages;
	if (block < zone->compact_cached_free_pfn)
		zone->compact_cached_free_pfn = block;
}

/* === Memory hotplug holes === */

#if defined(CONFIG_SPARSEMEM) && defined(CONFIG_MEMORY_HOTPLUG)
/* First PFN at or after @pfn inside an online section; ULONG_MAX if none. */
static unsigned long next_online_pfn(unsigned long pfn)
{
	unsigned long nr;

	for (nr = pfn_to_section_nr(pfn); nr <= __highest_present_section_nr;
	     nr++) {
		if (online_section_nr(nr))
			return max(pfn, section_nr_to_pfn(nr));
	}
	return ULONG_MAX;
}

/* One past the last online PFN at or before @pfn; 0 if there is none. */
static unsigned long prev_online_end(unsigned long pfn)
{
	unsigned long nr = pfn_to_section_nr(pfn) + 1;

	while (nr--) {
		if (online_section_nr(nr))
			return min(pfn + 1,
				   section_nr_to_pfn(nr) + PAGES_PER_SECTION);
	}
	return 0;
}
#else
static unsigned long next_online_pfn(unsigned long pfn)
{
	return pfn;
}

static unsigned long prev_online_end(unsigned long pfn)
{
	return pfn + 1;
}
#endif

/* === Zone scanners === */

/* One past the last PFN of the pageblock holding @pfn inside @zone. */
static unsigned long block_end_in_zone(const struct zone *zone,
				       unsigned long pfn)
{
	return min(pageblock_end_pfn(pfn), zone_end_pfn(zone));
}

/* The free scanner reached the migration scanner's pageblock. */
static bool compact_scanners_met(const struct compact_control *cc)
{
	return pageblock_start_pfn(cc->free_pfn) <=
	       pageblock_start_pfn(cc->migrate_pfn);
}

/* Lowest PFN the free scanner may take pages from: above our block. */
static unsigned long free_scanner_floor(const struct compact_control *cc)
{
	return pageblock_end_pfn(cc->migrate_pfn);
}

/*
 * May the free scanner use the pageblock of @page?  Only movable and CMA
 * blocks, so that unmovable allocations keep their own blocks (which is
 * what anti-fragmentation relies on); SYNC_FULL direct compaction may use
 * any block.  Isolated blocks belong to someone else.  A block starting
 * with a free page of the size we are building is a result, not a source,
 * and a block held by one huge folio (a hugetlb page just allocated, a
 * THP) has no free page at all: walking it would only count 512 PFNs.
 */
static bool target_block_wanted(struct compact_control *cc, struct page *page)
{
	int mt = get_pageblock_migratetype(page);

	if (is_migrate_isolate(mt))
		return false;
	if (PageBuddy(page) &&
	    free_page_is_result(cc, page, buddy_order_unsafe(page)))
		return false;
	if (block_held_by_huge_folio(page) ||
	    block_inside_free_buddy(cc->zone, page_to_pfn(page)))
		return false;
	if (!isolation_suitable(cc, page))
		return false;
	return cc->ignore_block_suitable || is_migrate_movable(mt);
}

/*
 * Take one page of @order from the movable free list, if one sits at or
 * above @floor, looking at no more than @budget entries.
 *
 * Return: pages taken.
 */
static unsigned int fast_take_from_order(struct compact_control *cc,
					 unsigned int order,
					 unsigned long floor,
					 unsigned int budget,
					 unsigned long *scanned)
{
	struct list_head *list;
	struct page *page;
	unsigned long flags;
	unsigned int taken = 0;

	compact_lock(&cc->zone->lock, &flags, cc);
	list = &cc->zone->free_area[order].free_list[MIGRATE_MOVABLE];
	list_for_each_entry(page, list, buddy_list) {
		if (!budget--)
			break;
		(*scanned)++;
		if (page_to_pfn(page) < floor ||
		    !target_block_wanted(cc, page))
			continue;
		taken = take_buddy_page(cc, page, order);
		/*
		 * The linear scanner continues below this block, so that
		 * the migration scanner cannot reach a block we fill.
		 */
		if (taken)
			cc->free_pfn = min(cc->free_pfn,
					   pageblock_start_pfn(page_to_pfn(page)));
		break;
	}
	spin_unlock_irqrestore(&cc->zone->lock, flags);
	return taken;
}

/*
 * Before walking pageblocks, peek at the movable free lists: a free page
 * in the upper quarter of the space between the scanners can be taken
 * right away.  Only orders below the requested one are interesting (a
 * larger free page would already satisfy the request), largest first so
 * that few pages cover the batch.  Each miss halves the next search, so
 * zones whose free pages all sit low cost next to nothing.
 */
static void fast_target_search(struct compact_control *cc)
{
	unsigned long floor = free_scanner_floor(cc);
	unsigned long scanned = 0, taken = 0;
	unsigned int budget;
	int order;

	if (cc->order <= 0 || cc->fast_misses >= FAST_SEARCH_MAX_MISSES ||
	    cc->free_pfn <= floor)
		return;
	budget = FAST_SEARCH_BUDGET >> cc->fast_misses;
	floor = max(floor, cc->free_pfn - ((cc->free_pfn - floor) >> 2));

	for (order = target_keep_order(cc) - 1; order >= 0; order--) {
		if (cc->nr_freepages >= cc->nr_migratepages || cc->contended)
			break;
		if (!READ_ONCE(cc->zone->free_area[order].nr_free))
			continue;
		taken += fast_take_from_order(cc, order, floor, budget,
					      &scanned);
	}
	cc->fast_misses = taken ? 0 : cc->fast_misses + 1;
	trace_mm_compaction_fast_isolate_freepages(floor, cc->free_pfn,
						   scanned, taken);
	cc->total_free_scanned += scanned;
	count_isolated(cc, taken);
}

/* Next pageblock below @block for the free scanner, jumping offline gaps. */
static unsigned long free_scanner_prev_block(unsigned long block)
{
	unsigned long end = prev_online_end(block - 1);

	return end ? pageblock_start_pfn(end - 1) : 0;
}

/*
 * Scan the pageblock starting at @block (clamped to the zone) for free
 * pages, resuming at cc->free_pfn if the scanner stopped inside it before.
 *
 * Return: true if the block is exhausted and the scanner should go on.
 */
static bool harvest_target_block(struct compact_control *cc,
				 unsigned long block)
{
	struct zone *zone = cc->zone;
	unsigned long start = max3(block, cc->free_pfn, zone->zone_start_pfn);
	unsigned long end = block_end_in_zone(zone, block);
	struct page *page;

	/*
	 * The free scanner's side of zone_shrank_under_scanner(): hot-remove
	 * moved the zone's end below what is left of this block to scan (or
	 * its start above it), and the memmap there may be poisoned.  Pass
	 * over it without a look: walking down, the scanner reaches the
	 * blocks still in the zone, which it has not scanned yet.
	 */
	if (unlikely(end <= start))
		return true;
	page = pageblock_pfn_to_page(block_first_pfn(zone, block), end, zone);
	if (!page || !target_block_wanted(cc, page))
		return true;
	start = isolate_free_run(cc, start, end, false);
	if (start < end) {
		cc->free_pfn = start;
		return false;
	}
	finish_target_block(cc, page, block);
	return true;
}

/* Smallest order >= @order that has a page on our lists. */
static unsigned int first_stocked_order(struct compact_control *cc,
					unsigned int order)
{
	while (order < NR_PAGE_ORDERS && list_empty(&cc->freepages[order]))
		order++;
	return order;
}

/*
 * Do our lists lack destinations?  Enough pages in total is not enough
 * when none is large enough for the folio at hand (@order): migrate_pages()
 * would split a large folio that it cannot place.
 */
static bool free_targets_short(struct compact_control *cc, unsigned int order)
{
	return cc->nr_freepages < cc->nr_migratepages ||
	       first_stocked_order(cc, order) == NR_PAGE_ORDERS;
}

/*
 * Collect destinations for the isolated sources, at least one of @order:
 * a quick look at the free lists first, then pageblocks from the free
 * scanner's position downwards, never reaching the migration scanner's
 * pageblock.
 */
static void collect_free_targets(struct compact_control *cc, unsigned int order)
{
	unsigned long floor = free_scanner_floor(cc);
	unsigned long block;
	unsigned int nr_blocks = 0;

	fast_target_search(cc);
	block = pageblock_start_pfn(cc->free_pfn);

	while (block >= floor && free_targets_short(cc, order)) {
		if (!(++nr_blocks % COMPACT_CLUSTER_MAX))
			cond_resched();
		if (!harvest_target_block(cc, block))
			return;
		if (cc->contended)
			return;
		block = free_scanner_prev_block(block);
		cc->free_pfn = block;
	}
}

/*
 * Should the migration scanner harvest the pageblock of @page?  Skipped
 * blocks are left alone unless the run ignores hints, and blocks held by
 * a huge folio can never be emptied.  Async direct compaction wants quick
 * results and only empties blocks of its own migratetype (any movable kind
 * for movable requests): emptying an unmovable block for a movable request
 * would soon be undone.
 */
static bool source_block_wanted(struct compact_control *cc, struct page *page)
{
	int mt;

	if (!isolation_suitable(cc, page) || block_held_by_huge_folio(page) ||
	    block_inside_free_buddy(cc->zone, page_to_pfn(page)))
		return false;
	/* Everybody but async direct compaction takes any block. */
	if (!cc->direct_compaction || cc->mode != MIGRATE_ASYNC)
		return true;
	mt = get_pageblock_migratetype(page);
	if (mt == cc->migratetype)
		return true;
	/* Movable requests may use CMA blocks as well. */
	return cc->migratetype == MIGRATE_MOVABLE && is_migrate_movable(mt);
}

/*
 * Pages in use in the pageblock [@start, @end), read without locks: free
 * buddy pages are stepped over whole, everything else counts one by one.
 * Cheaper than the isolation pass it may save, which looks at every used
 * page anyway.
 */
static unsigned long block_used_pages(unsigned long start, unsigned long end)
{
	unsigned long pfn = start, used = 0;

	while (pfn < end) {
		struct page *page = pfn_to_page(pfn);

		if (PageBuddy(page)) {
			pfn += buddy_span(page);
			continue;
		}
		used++;
		pfn++;
	}
	return used;
}

/*
 * Proactive compaction stops at a score, not at the end of the zone, so
 * which blocks it empties decides what the score costs.  Emptying a block
 * that is more than half in use moves more pages than it frees; in a zone
 * swept from its start, where boot-time page cache and the like sit, such
 * blocks come first (about 160 migrations per block gained against 128
 * further up, in make bench's proactive workload).  So compact_node()
 * makes a first pass over the sparse blocks and, when that was not enough,
 * a second one over the dense blocks only, which the first left alone:
 * each block is still scanned once per round.
 */
static bool source_density_unwanted(const struct compact_control *cc,
				    unsigned long start, unsigned long end)
{
	bool dense;

	if (cc->source_density == SOURCES_ANY)
		return false;
	dense = block_used_pages(start, end) > (end - start) / 2;
	return dense != (cc->source_density == SOURCES_DENSE);
}

/*
 * A run restricted to sparse sources covered the whole zone and got
 * nothing (no page captured for @capc, which may be NULL): the caller
 * follows with a pass over the blocks it passed over.
 */
static bool sparse_pass_fell_short(const struct compact_control *cc,
				   enum compact_result ret,
				   struct capture_control *capc)
{
	return ret == COMPACT_COMPLETE &&
	       cc->source_density == SOURCES_SPARSE &&
	       !(capc && READ_ONCE(capc->page));
}

/* Restrictions for zone scans: the sysctl and the migration mode. */
static isolate_mode_t zone_isolate_mode(const struct compact_control *cc)
{
	isolate_mode_t mode = 0;

	if (READ_ONCE(sysctl_compact_unevictable_allowed))
		mode |= ISOLATE_UNEVICTABLE;
	/* Only full sync migration writes back or waits on writeback. */
	if (cc->mode != MIGRATE_SYNC)
		mode |= ISOLATE_ASYNC_MIGRATE;
	return mode;
}

/* Outcome of one migration scanner round. */
enum harvest_result {
	HARVEST_ABORT,		/* error: put everything back and stop */
	HARVEST_NONE,		/* nothing isolated, check progress again */
	HARVEST_READY,		/* pages are waiting on cc->migratepages */
};

/*
 * Skip a pageblock at the start of the migration scanner's walk: holes
 * jump to the next online PFN, unwanted blocks are passed as a whole.
 */
static void source_block_pass(struct compact_control *cc, unsigned long end,
			      bool hole)
{
	if (hole) {
		cc->migrate_pfn = max(end, min(next_online_pfn(end),
					       cc->free_pfn));
		return;
	}
	cc->migrate_pfn = end;
	advance_cached_migrate(cc, end);
}

/*
 * Memory hot-remove shrinks a zone's span (shrink_zone_span()) without
 * any lock compaction takes, so a running scanner can find itself past
 * the new end of its zone.  Everything below it has been scanned: let the
 * scanners meet, and the finish check ends the run, instead of clamping
 * the walk to an end that lies behind it, which never moves it forward.
 */
static void zone_shrank_under_scanner(struct compact_control *cc)
{
	cc->migrate_pfn = cc->free_pfn;
}

/*
 * Walk the migration scanner up to the first pageblock worth harvesting
 * and isolate a batch from it.
 */
static enum harvest_result collect_migration_sources(struct compact_control *cc)
{
	struct zone *zone = cc->zone;
	isolate_mode_t mode = zone_isolate_mode(cc);
	unsigned int nr_blocks = 0;

	while (!compact_scanners_met(cc)) {
		unsigned long pfn = cc->migrate_pfn;
		unsigned long start = block_first_pfn(zone, pfn);
		unsigned long end = block_end_in_zone(zone, pfn);
		struct page *page;

		if (!(++nr_blocks % COMPACT_CLUSTER_MAX))
			cond_resched();
		if (unlikely(end <= pfn)) {
			zone_shrank_under_scanner(cc);
			break;
		}
		page = pageblock_pfn_to_page(start, end, zone);
		if (!page) {
			source_block_pass(cc, end, true);
			continue;
		}
		if (pfn == start) {
			cc->block_isolated = 0;
			if (!source_block_wanted(cc, page) ||
			    source_density_unwanted(cc, start, end)) {
				source_block_pass(cc, end, false);
				continue;
			}
		}
		if (harvest_sources(cc, pfn, end, mode))
			return HARVEST_ABORT;
		if (cc->migrate_pfn >= end)
			finish_source_block(cc, page, end);
		return cc->nr_migratepages ? HARVEST_READY : HARVEST_NONE;
	}
	return HARVEST_NONE;
}

/* === migrate_pages() callbacks === */

/*
 * @page is a free block of order @have taken off our lists; keep its first
 * 1 << @want pages and put the upper halves back on the lists of their
 * orders, where later allocations find them.
 */
static void split_target(struct compact_control *cc, struct page *page,
			 unsigned int have, unsigned int want)
{
	while (have > want) {
		have--;
		list_add(&page[1UL << have].lru, &cc->freepages[have]);
	}
}

/* Turn an isolated free block into a folio, as the page allocator would. */
static struct folio *prepare_target(struct page *page, unsigned int order)
{
	post_alloc_hook(page, order, __GFP_MOVABLE);
	set_page_refcounted(page);
	if (order)
		prep_compound_page(page, order);
	return page_rmappable_folio(page);
}

/*
 * new_folio_t callback: hand out a destination of @src's size from our
 * lists, running the free scanner if they have nothing suitable.
 */
static struct folio *compaction_alloc_noprof(struct folio *src,
					     unsigned long data)
{
	struct compact_control *cc = (struct compact_control *)data;
	unsigned int order = folio_order(src);
	unsigned int have = first_stocked_order(cc, order);
	struct page *page;

	if (have == NR_PAGE_ORDERS) {
		collect_free_targets(cc, order);
		have = first_stocked_order(cc, order);
	}
	if (have == NR_PAGE_ORDERS) {
		/* Free pages exist, just none large enough for @src. */
		if (order && cc->nr_freepages)
			cc->target_order_miss = true;
		return NULL;
	}

	page = list_first_entry(&cc->freepages[have], struct page, lru);
	list_del(&page->lru);
	split_target(cc, page, have, order);
	cc->nr_freepages -= 1U << order;
	cc->nr_migratepages -= 1U << order;
	return prepare_target(page, order);
}

static struct folio *compaction_alloc(struct folio *src, unsigned long data)
{
	return alloc_hooks(compaction_alloc_noprof(src, data));
}

/*
 * free_folio_t callback: a destination was not used.  Someone else may
 * still hold a speculative reference; then the folio is theirs to free.
 * free_pages_prepare() refuses poisoned or corrupted pages, which must
 * never be handed out again.
 */
static void compaction_free(struct folio *dst, unsigned long data)
{
	struct compact_control *cc = (struct compact_control *)data;
	unsigned int order = folio_order(dst);

	cc->nr_migratepages += 1U << order;
	if (!folio_put_testzero(dst))
		return;
	if (!free_pages_prepare(&dst->page, order))
		return;
	list_add(&dst->lru, &cc->freepages[order]);
	cc->nr_freepages += 1U << order;
}

/* === Finish and suitability checks === */

/* Is kswapd (still) running on @pgdat? */
static bool kswapd_is_running(pg_data_t *pgdat)
{
	struct task_struct *kswapd;
	bool busy = false;

	/* The lock keeps kswapd_stop() from clearing pgdat->kswapd. */
	pgdat_kswapd_lock(pgdat);
	kswapd = pgdat->kswapd;
	if (kswapd)
		busy = task_is_running(kswapd);
	pgdat_kswapd_unlock(pgdat);
	return busy;
}

/* External fragmentation of @zone at huge page order, 0..100. */
static unsigned int zone_frag_score(struct zone *zone)
{
	return extfrag_for_order(zone, COMPACTION_HPAGE_ORDER);
}

/*
 * Scale a zone score by the zone's share of its node, so that small zones
 * (DMA, DMA32) cannot keep proactive compaction busy on their own.
 */
static unsigned int weigh_frag_score(unsigned int score,
				     unsigned long zone_pages,
				     unsigned long node_pages)
{
	return div64_u64((u64)score * zone_pages, node_pages + 1);
}

/* Fragmentation score of a node: sum of the weighted zone scores. */
static unsigned int node_frag_score(pg_data_t *pgdat)
{
	struct zone *zone = pgdat->node_zones;
	struct zone *end = zone + MAX_NR_ZONES;
	unsigned int sum = 0;

	for (; zone < end; zone++) {
		if (populated_zone(zone))
			sum += weigh_frag_score(zone_frag_score(zone),
						zone->present_pages,
						pgdat->node_present_pages);
	}
	return sum;
}

/*
 * Proactive watermarks for a proactiveness of @p: compaction starts above
 * the high mark and stops below the low one.  The low mark is kept at
 * PROACTIVE_WMARK_FLOOR or more, so that p close to 100 cannot make
 * kcompactd chase fragmentation forever.
 */
static void proactive_wmarks(unsigned int p, unsigned int *low,
			     unsigned int *high)
{
	*low = max(100U - min(p, 100U), PROACTIVE_WMARK_FLOOR);
	*high = min(*low + PROACTIVE_WMARK_SPAN, 100U);
}

/* Current proactive low (@low true) or high watermark. */
static unsigned int proactive_wmark(bool low)
{
	unsigned int lo, hi;

	proactive_wmarks(READ_ONCE(sysctl_compaction_proactiveness), &lo, &hi);
	return low ? lo : hi;
}

/* CMA pages count for movable requests that may use CMA. */
static bool cma_page_free(struct free_area *area, int mt,
			  unsigned int alloc_flags)
{
#ifdef CONFIG_CMA
	if (mt == MIGRATE_MOVABLE && (alloc_flags & ALLOC_CMA))
		return !free_area_empty(area, MIGRATE_CMA);
#endif
	return false;
}

/*
 * Could an allocation of @order and @mt get a page from @zone right now?
 * Mirrors the allocator: a page on its own free list, on the CMA list when
 * allowed, or on a list the fallback logic would steal from.  Lockless and
 * racy, which is fine for a stop condition.
 */
static bool order_available(struct zone *zone, int order, int mt,
			    unsigned int alloc_flags)
{
	unsigned int o;
	bool can_steal;

	for (o = order; o < NR_PAGE_ORDERS; o++) {
		struct free_area *area = &zone->free_area[o];

		if (!free_area_empty(area, mt) ||
		    cma_page_free(area, mt, alloc_flags))
			return true;
		if (find_suitable_fallback(area, o, mt, true, &can_steal) != -1)
			return true;
	}
	return false;
}

/* The scanners met: the run is over, and the next one starts afresh. */
static enum compact_result scanners_met_result(struct compact_control *cc)
{
	/*
	 * Only a failing allocation should decide that the skip hints are
	 * stale; kswapd flushes them when it goes to sleep.
	 */
	if (cc->direct_compaction)
		cc->zone->compact_blockskip_flush = true;
	reset_cached_positions(cc->zone);
	return cc->whole_zone ? COMPACT_COMPLETE : COMPACT_PARTIAL_SKIPPED;
}

/* Proactive runs stop once the zone is below the low watermark. */
static enum compact_result proactive_goal_state(struct compact_control *cc)
{
	/* Reclaim is busy on this node; compaction would only get in its way. */
	if (kswapd_is_running(cc->zone->zone_pgdat))
		return COMPACT_PARTIAL_SKIPPED;
	if (zone_frag_score(cc->zone) > proactive_wmark(true))
		return COMPACT_CONTINUE;
	return COMPACT_SUCCESS;
}

/* The migration scanner is not in the middle of a pageblock. */
static bool migrate_scanner_at_block_edge(const struct compact_control *cc)
{
	return pageblock_aligned(cc->migrate_pfn) ||
	       cc->migrate_pfn == cc->zone->zone_start_pfn;
}

/*
 * Where does the run stand?  Returns COMPACT_NO_SUITABLE_PAGE rather than
 * COMPACT_CONTINUE when the wanted order is not there yet, for tracing.
 */
static enum compact_result compact_goal_state(struct compact_control *cc)
{
	if (compact_scanners_met(cc))
		return scanners_met_result(cc);
	if (fatal_signal_pending(current))
		return COMPACT_CONTENDED;
	if (cc->proactive_compaction)
		return proactive_goal_state(cc);
	if (order_is_whole_zone(cc->order))
		return COMPACT_CONTINUE;
	/*
	 * Finish the pageblock we started before looking again: a block
	 * left half empty invites fallback allocations into it.  A run that
	 * must back off cannot finish it, though.
	 */
	if (!cc->contended && !migrate_scanner_at_block_edge(cc))
		return COMPACT_CONTINUE;
	if (order_available(cc->zone, cc->order, cc->migratetype,
			    cc->alloc_flags))
		return COMPACT_SUCCESS;
	return cc->contended ? COMPACT_CONTENDED : COMPACT_NO_SUITABLE_PAGE;
}

/*
 * compact_goal_state() plus tracing; only COMPACT_CONTINUE goes on.  A
 * direct compactor whose @capc caught a page has what it came for, however
 * the zone looks.
 */
static enum compact_result compact_check_done(struct compact_control *cc,
					      struct capture_control *capc)
{
	enum compact_result ret;

	if (capc && READ_ONCE(capc->page))
		ret = COMPACT_SUCCESS;
	else
		ret = compact_goal_state(cc);

	trace_mm_compaction_finished(cc->zone, cc->order, ret);
	return ret == COMPACT_NO_SUITABLE_PAGE ? COMPACT_CONTINUE : ret;
}

/*
 * Order-0 free pages needed before compaction of @order makes sense: the
 * watermark plus room for the isolated destinations.  Costly orders fail
 * more often, so they must leave the low watermark intact; cheaper orders
 * may dig down to the min watermark.
 */
static unsigned long compaction_free_floor(struct zone *zone, int order)
{
	unsigned long mark = order > PAGE_ALLOC_COSTLY_ORDER ?
			     low_wmark_pages(zone) : min_wmark_pages(zone);

	return mark + compact_gap(order);
}

/*
 * Is there enough free memory (@free pages) for compaction of @order?
 * ALLOC_CMA because CMA pageblocks are valid destinations; @highest_zoneidx
 * so that lowmem reserves the allocation could not use are respected.
 */
static bool enough_free_for_compaction(struct zone *zone, int order,
				       int highest_zoneidx,
				       unsigned long free)
{
	return __zone_watermark_ok(zone, 0, compaction_free_floor(zone, order),
				   highest_zoneidx, ALLOC_CMA, free);
}

/*
 * For costly orders, ask the fragmentation index whether a failure comes
 * from fragmentation (towards 1000: compaction helps) or from lack of
 * memory (towards 0: reclaim is needed).  -1000 means the order would be
 * there by watermarks alone.  Cheap orders always qualify: for them the
 * alternative is OOM, not a failed allocation.
 */
static bool fragmentation_explains_failure(struct zone *zone, int order)
{
	int index;

	if (order <= PAGE_ALLOC_COSTLY_ORDER)
		return true;
	index = fragmentation_index(zone, order);
	return index < 0 || index > READ_ONCE(sysctl_extfrag_threshold);
}

/**
 * compaction_suitable - is compacting a zone for an order worthwhile now?
 * @zone:	     the zone
 * @order:	     the order an allocation needs
 * @highest_zoneidx: highest zone index the allocation may use
 *
 * Compaction needs free pages as destinations: the zone must be above its
 * min (low, for costly orders) watermark plus compact_gap(@order).  For
 * costly orders the fragmentation index must also be above
 * vm.extfrag_threshold, otherwise reclaim is the better remedy.
 *
 * Return: true if compaction should be tried.
 */
bool compaction_suitable(struct zone *zone, int order, int highest_zoneidx)
{
	enum compact_result verdict = COMPACT_CONTINUE;
	unsigned long free = zone_page_state(zone, NR_FREE_PAGES);

	if (!enough_free_for_compaction(zone, order, highest_zoneidx, free))
		verdict = COMPACT_SKIPPED;
	else if (!fragmentation_explains_failure(zone, order))
		verdict = COMPACT_NOT_SUITABLE_ZONE;

	trace_mm_compaction_suitable(zone, order, verdict);
	return verdict == COMPACT_CONTINUE;
}

/**
 * compaction_zonelist_suitable - could compaction work after more reclaim?
 * @ac:		 allocation context of the failing allocation
 * @order:	 order of the allocation
 * @alloc_flags: allocation flags (unused, kept for the callers)
 *
 * Like the free page test of compaction_suitable(), but also counting a
 * share of the reclaimable pages: all of them would be too optimistic, as
 * reclaiming everything for one high-order page is not worth it.
 *
 * Return: true if some zone of the zonelist would qualify.
 */
bool compaction_zonelist_suitable(struct alloc_context *ac, int order,
				  int alloc_flags)
{
	struct zoneref *z;
	struct zone *zone;

	for_each_zone_zonelist_nodemask(zone, z, ac->zonelist,
					ac->highest_zoneidx, ac->nodemask) {
		unsigned long free_now, avail;

		free_now = zone_page_state_snapshot(zone, NR_FREE_PAGES);
		avail = free_now + zone_reclaimable_pages(zone) / max(order, 1);
		if (enough_free_for_compaction(zone, order, ac->highest_zoneidx,
					       avail))
			return true;
	}
	return false;
}

/*
 * Should compaction for @order run on @zone?  COMPACT_SUCCESS if the order
 * can be allocated already, COMPACT_SKIPPED if compaction is not suitable,
 * COMPACT_CONTINUE otherwise.
 */
static enum compact_result zone_compaction_verdict(struct zone *zone,
						   int order,
						   int highest_zoneidx,
						   unsigned int alloc_flags)
{
	unsigned long mark = wmark_pages(zone, alloc_flags & ALLOC_WMARK_MASK);
	bool ready = zone_watermark_ok(zone, order, mark, highest_zoneidx,
				       alloc_flags);

	if (ready)
		return COMPACT_SUCCESS;
	return compaction_suitable(zone, order, highest_zoneidx) ?
	       COMPACT_CONTINUE : COMPACT_SKIPPED;
}

/* === Zone compaction driver === */

/* Reset the per-run state of @cc for a new zone run. */
static void prepare_run(struct compact_control *cc)
{
	unsigned int order;

	for (order = 0; order < NR_PAGE_ORDERS; order++)
		INIT_LIST_HEAD(&cc->freepages[order]);
	INIT_LIST_HEAD(&cc->migratepages);
	cc->nr_freepages = 0;
	cc->nr_migratepages = 0;
	cc->total_migrate_scanned = 0;
	cc->total_free_scanned = 0;
	cc->total_isolated = 0;
	cc->total_migrated = 0;
	cc->block_isolated = 0;
	cc->fast_misses = 0;
	cc->contended = false;
	cc->target_order_miss = false;
	cc->migratetype = gfp_migratetype(cc->gfp_mask);
}

/*
 * Place both scanners: at the zone edges for whole-zone runs, otherwise
 * where the previous run of the same kind stopped (after checking that the
 * cached values still lie inside the zone).
 */
static void place_scanners(struct compact_control *cc)
{
	struct zone *zone = cc->zone;
	unsigned long first = zone->zone_start_pfn;
	unsigned long top = pageblock_start_pfn(zone_end_pfn(zone) - 1);
	unsigned long *cached = zone->compact_cached_migrate_pfn;
	unsigned long origin = zone->compact_init_migrate_pfn;
	int sync = cc->mode != MIGRATE_ASYNC;

	if (cc->whole_zone) {
		cc->migrate_pfn = first;
		cc->free_pfn = top;
		return;
	}
	if (!zone_spans_pfn(zone, zone->compact_cached_free_pfn))
		zone->compact_cached_free_pfn = top;
	if (!zone_spans_pfn(zone, cached[sync])) {
		cached[0] = first;
		cached[1] = first;
	}
	cc->free_pfn = zone->compact_cached_free_pfn;
	cc->migrate_pfn = cached[sync];

	if (!zone_spans_pfn(zone, origin))
		origin = first;
	if (cc->migrate_pfn <= origin)
		cc->whole_zone = true;
}

/*
 * Migrate the isolated batch.  -ENOMEM means compaction_alloc() ran dry:
 * if the scanners met, the finish check ends the run; if only a large
 * folio missed a free page of its size, the run goes on; otherwise the
 * zone has no usable free memory left and the run stops.
 */
static enum compact_result migrate_batch(struct compact_control *cc)
{
	unsigned int nr_batch = cc->nr_migratepages;
	unsigned int nr_moved = 0;
	int err;

	cc->target_order_miss = false;
	err = migrate_pages(&cc->migratepages, compaction_alloc,
			    compaction_free, (unsigned long)cc, cc->mode,
			    MR_COMPACTION, &nr_moved);
	trace_mm_compaction_migratepages(nr_batch, nr_moved);
	cc->total_migrated += nr_moved;

	cc->nr_migratepages = 0;
	if (!err)
		return COMPACT_CONTINUE;
	putback_movable_pages(&cc->migratepages);
	if (err == -ENOMEM && !compact_scanners_met(cc) &&
	    !cc->target_order_miss)
		return COMPACT_CONTENDED;
	return COMPACT_CONTINUE;
}

/*
 * Pages freed by migration sit in this CPU's per-cpu lists where they
 * cannot merge.  Once the migration scanner left the cc->order sized
 * chunk it last migrated from, flush them so the finish check sees the
 * merged result.
 */
static void flush_freed_sources(struct compact_control *cc,
				unsigned long *pending)
{
	if (cc->order <= 0 || !*pending)
		return;
	if (round_down(cc->migrate_pfn, 1UL << cc->order) <= *pending)
		return;
	lru_add_drain_cpu_zone(cc->zone);
	*pending = 0;
}

/*
 * One round: isolate a batch of sources, migrate it.  @pending remembers
 * where the last migrated batch came from, for flush_freed_sources().
 */
static enum compact_result compact_step(struct compact_control *cc,
					unsigned long *pending)
{
	enum compact_result ret;

	switch (collect_migration_sources(cc)) {
	case HARVEST_ABORT:
		putback_movable_pages(&cc->migratepages);
		cc->nr_migratepages = 0;
		return COMPACT_CONTENDED;
	case HARVEST_NONE:
		flush_freed_sources(cc, pending);
		return COMPACT_CONTINUE;
	case HARVEST_READY:
		break;
	}

	*pending = max(cc->zone->zone_start_pfn,
		       round_down(cc->migrate_pfn - 1, 1UL << max(cc->order, 0)));
	ret = migrate_batch(cc);
	if (ret == COMPACT_CONTINUE)
		flush_freed_sources(cc, pending);
	return ret;
}

#ifdef CONFIG_DEBUG_FS
/*
 * What the last run in a zone did, for /sys/kernel/debug/compaction/zones.
 * Several compactors may end runs in one zone at the same time; the
 * seqlock keeps each record whole for the reader.
 */
struct zone_run {
	bool valid;
	int order;
	enum migrate_mode mode;
	enum compact_result result;
	unsigned long migrate_scanned;
	unsigned long free_scanned;
	unsigned long isolated;
	unsigned long migrated;
};

struct zone_run_record {
	seqlock_t lock;
	struct zone_run run;
	/* Pages handed straight to direct compactors, ever. */
	atomic_long_t captured;
};

/* nr_node_ids * MAX_NR_ZONES records, allocated with the debugfs files. */
static struct zone_run_record *zone_run_records;

static struct zone_run_record *zone_run_record(struct zone *zone)
{
	/* Pairs with the release in compaction_debugfs_init(): see the locks. */
	struct zone_run_record *recs = smp_load_acquire(&zone_run_records);

	if (!recs)
		return NULL;
	return recs + zone_to_nid(zone) * MAX_NR_ZONES + zone_idx(zone);
}

static void record_zone_run(const struct compact_control *cc,
			    enum compact_result result)
{
	struct zone_run_record *rec = zone_run_record(cc->zone);

	if (!rec)
		return;
	write_seqlock(&rec->lock);
	rec->run = (struct zone_run) {
		.valid = true,
		.order = cc->order,
		.mode = cc->mode,
		.result = result,
		.migrate_scanned = cc->total_migrate_scanned,
		.free_scanned = cc->total_free_scanned,
		.isolated = cc->total_isolated,
		.migrated = cc->total_migrated,
	};
	write_sequnlock(&rec->lock);
}

static void record_capture(struct zone *zone)
{
	struct zone_run_record *rec = zone_run_record(zone);

	if (rec)
		atomic_long_inc(&rec->captured);
}
#else
static inline void record_zone_run(const struct compact_control *cc,
				   enum compact_result result)
{
}

static inline void record_capture(struct zone *zone)
{
}
#endif /* CONFIG_DEBUG_FS */

/* Give back what is left and publish the run's statistics. */
static void finish_run(struct compact_control *cc, enum compact_result ret)
{
	struct zone *zone = cc->zone;
	unsigned long highest = return_free_targets(cc);

	/*
	 * The blocks we gave pages back to deserve another look next time.
	 * Only move the cached position up: the finish check may already
	 * have reset it to the zone end.
	 */
	if (highest) {
		highest = pageblock_start_pfn(highest);
		if (highest > zone->compact_cached_free_pfn)
			zone->compact_cached_free_pfn = highest;
	}
	count_vm_events(COMPACTMIGRATE_SCANNED, cc->total_migrate_scanned);
	count_vm_events(COMPACTFREE_SCANNED, cc->total_free_scanned);
	trace_mm_compaction_end(cc, zone->zone_start_pfn, zone_end_pfn(zone),
				cc->mode != MIGRATE_ASYNC, ret);
	record_zone_run(cc, ret);
	VM_WARN_ON_ONCE(!list_empty(&cc->migratepages));
}

/*
 * Compact cc->zone as cc describes.  @capc, if not NULL, is the direct
 * compactor's capture control: the run ends as soon as a page is captured.
 */
static enum compact_result compact_zone(struct compact_control *cc,
					struct capture_control *capc)
{
	struct zone *zone = cc->zone;
	unsigned long pending = 0;
	enum compact_result ret;

	prepare_run(cc);
	if (!order_is_whole_zone(cc->order)) {
		ret = zone_compaction_verdict(zone, cc->order,
					      cc->highest_zoneidx,
					      cc->alloc_flags);
		if (ret != COMPACT_CONTINUE)
			return ret;
	}
	if (compaction_restarting(zone, cc->order))
		flush_requested_skip_hints(zone);

	place_scanners(cc);
	trace_mm_compaction_begin(cc, zone->zone_start_pfn, zone_end_pfn(zone),
				  cc->mode != MIGRATE_ASYNC);
	/* Folios still in this CPU's LRU add batches cannot be isolated. */
	lru_add_drain();

	while ((ret = compact_check_done(cc, capc)) == COMPACT_CONTINUE) {
		ret = compact_step(cc, &pending);
		if (ret != COMPACT_CONTINUE)
			break;
	}

	finish_run(cc, ret);
	return ret;
}

/* === Direct compaction === */

/*
 * Make @capc visible to the page free path of this task.  An interrupt may
 * free a page and look at it at any time, so it is published only once
 * completely initialised.
 */
static void capture_publish(struct capture_control *capc)
{
	barrier();
	WRITE_ONCE(current->capture_control, capc);
}

/*
 * Hide the capture control again and collect what it caught.  Hiding comes
 * first: otherwise an interrupt could capture a page after we looked, and
 * nobody would ever free it.
 */
static struct page *capture_retract(struct capture_control *capc)
{
	WRITE_ONCE(current->capture_control, NULL);
	barrier();
	return READ_ONCE(capc->page);
}

/*
 * Which source pageblocks a direct compactor takes first.  For a request
 * of a whole pageblock or more, the block it empties costs one migration
 * per page in use, and async compaction is the cheap first try (THP
 * faults outside MADV_HUGEPAGE ranges, __GFP_NORETRY, go no further):
 * it takes blocks at most half in use, and only when such a pass covered
 * the whole zone without success does a second pass take any
 * (compact_zone_for_task()).  Dense blocks passed over get no skip bit.
 * In make bench's thp workload, the zone's first blocks are full, and
 * taking them cost 512 migrations per THP instead of 256.  Sync
 * compaction, the allocator's harder tries, and smaller orders, which
 * rarely need a block emptied, take every block.
 */
static int direct_source_density(int order, enum compact_priority prio)
{
	if (prio == COMPACT_PRIO_ASYNC && order >= pageblock_order)
		return SOURCES_SPARSE;
	return SOURCES_ANY;
}

/*
 * The compact_control of a direct compactor.  Everything the page free
 * path compares in compaction_capture() (zone, order, migratetype) is set
 * here, before a capture control pointing to it can be published.
 */
static struct compact_control direct_cc(struct zone *zone, int order,
					gfp_t gfp_mask,
					enum compact_priority prio,
					unsigned int alloc_flags,
					int highest_zoneidx)
{
	bool full = prio == COMPACT_PRIO_SYNC_FULL;

	return (struct compact_control) {
		.zone = zone,
		.direct_compaction = true,
		.order = order,
		.alloc_flags = alloc_flags,
		.gfp_mask = gfp_mask,
		.migratetype = gfp_migratetype(gfp_mask),
		.highest_zoneidx = highest_zoneidx,
		/* The last resort scans everything and uses every block. */
		.ignore_skip_hint = full,
		.ignore_block_suitable = full,
		.whole_zone = full,
		.mode = prio == COMPACT_PRIO_ASYNC ? MIGRATE_ASYNC :
						     MIGRATE_SYNC_LIGHT,
		.source_density = direct_source_density(order, prio),
	};
}

/*
 * Compact @zone for the current task's allocation and capture a page of
 * the right order the moment migration frees one.
 */
static enum compact_result compact_zone_for_task(struct zone *zone, int order,
						 gfp_t gfp_mask,
						 enum compact_priority prio,
						 unsigned int alloc_flags,
						 int highest_zoneidx,
						 struct page **capture)
{
	struct compact_control cc = direct_cc(zone, order, gfp_mask, prio,
					      alloc_flags, highest_zoneidx);
	struct capture_control capc = { .cc = &cc };
	enum compact_result ret;

	capture_publish(&capc);
	ret = compact_zone(&cc, &capc);
	if (sparse_pass_fell_short(&cc, ret, &capc)) {
		/* No sparse block did it: any block, from the zone start. */
		cc.source_density = SOURCES_ANY;
		ret = compact_zone(&cc, &capc);
	}
	*capture = capture_retract(&capc);
	if (!*capture)
		return ret;

	/* A page captured by luck is still a success for the caller. */
	record_capture(zone);
	return COMPACT_SUCCESS;
}

/* May this allocation use @zone at all (cpuset restrictions)? */
static bool direct_zone_allowed(struct zone *zone, gfp_t gfp_mask,
				unsigned int alloc_flags)
{
	if (!cpusets_enabled() || !(alloc_flags & ALLOC_CPUSET))
		return true;
	return __cpuset_zone_allowed(zone, gfp_mask);
}

/*
 * Record the outcome of a direct compaction run on @zone.  Success resets
 * the failed order but keeps the back-off until an allocation really
 * succeeds (the allocator calls compaction_defer_reset() then).  Failure
 * after a sync run defers the zone; async runs give up too easily to
 * count as evidence.
 */
static void direct_run_settle(struct zone *zone, int order,
			      enum compact_priority prio,
			      enum compact_result status)
{
	if (status == COMPACT_SUCCESS) {
		compaction_defer_reset(zone, order, false);
		return;
	}
	if (prio != COMPACT_PRIO_ASYNC &&
	    (status == COMPACT_COMPLETE || status == COMPACT_PARTIAL_SKIPPED))
		defer_compaction(zone, order);
}

/**
 * try_to_compact_pages - direct compaction for a high-order allocation
 * @gfp_mask:	 GFP mask of the allocation
 * @order:	 order of the allocation
 * @alloc_flags: ALLOC_* flags of the allocation
 * @ac:		 allocation context (zonelist, nodemask, highest zone)
 * @prio:	 how hard to try, see &enum compact_priority
 * @capture:	 receives a page captured for the caller, if any
 *
 * Compacts the zones of the allocation's zonelist in order until one of
 * them can satisfy the allocation.  Deferred zones are skipped unless
 * @prio is COMPACT_PRIO_SYNC_FULL.  Stops early on a fatal signal, and
 * for async compaction when the task should reschedule.
 *
 * Return: the best &enum compact_result over the zones tried;
 * COMPACT_SKIPPED if compaction was not possible at all.
 */
enum compact_result try_to_compact_pages(gfp_t gfp_mask, unsigned int order,
					 unsigned int alloc_flags,
					 const struct alloc_context *ac,
					 enum compact_priority prio,
					 struct page **capture)
{
	enum compact_result overall = COMPACT_SKIPPED;
	bool async = prio == COMPACT_PRIO_ASYNC;
	struct zoneref *z;
	struct zone *zone;

	/* Callers that may not do I/O or enter the fs can't compact. */
	if (!gfp_compaction_allowed(gfp_mask))
		return overall;
	trace_mm_compaction_try_to_compact_pages(order, gfp_mask, prio);

	for_each_zone_zonelist_nodemask(zone, z, ac->zonelist,
					ac->highest_zoneidx, ac->nodemask) {
		enum compact_result status;

		if (!direct_zone_allowed(zone, gfp_mask, alloc_flags))
			continue;
		if (prio > MIN_COMPACT_PRIORITY &&
		    compaction_deferred(zone, order)) {
			overall = max_t(enum compact_result, overall,
					COMPACT_DEFERRED);
			continue;
		}

		status = compact_zone_for_task(zone, order, gfp_mask, prio,
					       alloc_flags, ac->highest_zoneidx,
					       capture);
		overall = max(overall, status);
		direct_run_settle(zone, order, prio, status);
		if (status == COMPACT_SUCCESS)
			break;
		if (fatal_signal_pending(current) || (async && need_resched()))
			break;
	}
	return overall;
}

/* === Whole-node compaction (manual and proactive) === */

/* Account a kcompactd run's scanning in the KCOMPACTD_* counters. */
static void kcompactd_count_scanned(const struct compact_control *cc)
{
	count_vm_events(KCOMPACTD_MIGRATE_SCANNED, cc->total_migrate_scanned);
	count_vm_events(KCOMPACTD_FREE_SCANNED, cc->total_free_scanned);
}

/*
 * Compact every zone of @pgdat completely (manual) or until its score is
 * low enough (proactive).  Per-cpu free lists are drained around each zone
 * so that pages freed by migration can merge into large blocks.
 *
 * Return: 0, or -EINTR if a fatal signal cut the work short.
 */
static int compact_node(pg_data_t *pgdat, bool proactive)
{
	struct compact_control cc = {
		.gfp_mask = GFP_KERNEL,
		.proactive_compaction = proactive,
		.whole_zone = true,
		.ignore_skip_hint = true,
		.order = -1,
		/* Background work must not stall on writeback. */
		.mode = proactive ? MIGRATE_SYNC_LIGHT : MIGRATE_SYNC,
	};
	struct zone *zone = pgdat->node_zones;
	struct zone *end = zone + MAX_NR_ZONES;

	for (; zone < end; zone++) {
		if (fatal_signal_pending(current))
			return -EINTR;
		if (!populated_zone(zone))
			continue;

		cc.zone = zone;
		drain_all_pages(zone);
		cc.source_density = proactive ? SOURCES_SPARSE : SOURCES_ANY;
		if (sparse_pass_fell_short(&cc, compact_zone(&cc, NULL), NULL)) {
			/* Sparse blocks were not enough: the dense ones too. */
			kcompactd_count_scanned(&cc);
			cc.source_density = SOURCES_DENSE;
			compact_zone(&cc, NULL);
		}
		drain_all_pages(zone);
		if (proactive)
			kcompactd_count_scanned(&cc);
	}
	return 0;
}

/*
 * Compact all online nodes (vm.compact_memory).
 *
 * Return: 0, or -EINTR when a fatal signal stopped the work.
 */
static int compact_all_nodes(void)
{
	int nid;

	/* Folios sitting in per-cpu LRU batches cannot be isolated. */
	lru_add_drain_all();
	for_each_online_node(nid)
		if (compact_node(NODE_DATA(nid), false))
			return -EINTR;
	return 0;
}

#if defined(CONFIG_SYSFS) && defined(CONFIG_NUMA)
/*
 * /sys/devices/system/node/nodeN/compact: any write compacts node N fully.
 * The written value is ignored, as it always has been.
 */
static ssize_t compact_store(struct device *dev, struct device_attribute *attr,
			     const char *buf, size_t count)
{
	int nid = dev->id;
	bool usable = nid >= 0 && nid < nr_node_ids && node_online(nid);

	if (usable) {
		/* Folios in per-cpu LRU batches cannot be isolated. */
		lru_add_drain_all();
		compact_node(NODE_DATA(nid), false);
	}
	return count;
}

static DEVICE_ATTR_WO(compact);

/**
 * compaction_register_node - create the "compact" file of a node
 * @node: node device being registered
 *
 * Return: 0 or the error from device_create_file().
 */
int compaction_register_node(struct node *node)
{
	struct device *dev = &node->dev;

	return device_create_file(dev, &dev_attr_compact);
}

/**
 * compaction_unregister_node - remove the "compact" file of a node
 * @node: node device being unregistered
 *
 * Return: nothing.
 */
void compaction_unregister_node(struct node *node)
{
	struct device *dev = &node->dev;

	device_remove_file(dev, &dev_attr_compact);
}
#endif /* CONFIG_SYSFS && CONFIG_NUMA */

/* === kcompactd === */

/* Anything for kcompactd to do: a request, a stop, a proactive kick. */
static bool kcompactd_has_work(pg_data_t *pgdat)
{
	return READ_ONCE(pgdat->kcompactd_max_order) > 0 ||
	       kthread_should_stop() ||
	       READ_ONCE(pgdat->proactive_compact_trigger);
}

/*
 * Would compaction help the request recorded in @pgdat?  Runs in atomic
 * context from wakeup_kcompactd(), so it only reads counters.
 */
static bool kcompactd_node_suitable(pg_data_t *pgdat)
{
	int order = READ_ONCE(pgdat->kcompactd_max_order);
	int top = READ_ONCE(pgdat->kcompactd_highest_zoneidx);
	struct zone *zone = pgdat->node_zones;
	struct zone *last = zone + top;

	for (; zone <= last; zone++) {
		enum compact_result verdict;

		if (!populated_zone(zone))
			continue;
		verdict = zone_compaction_verdict(zone, order, top,
						  ALLOC_WMARK_MIN);
		if (verdict == COMPACT_CONTINUE)
			return true;
	}
	return false;
}

/*
 * Should kcompactd work on @zone (index @zid) for @order?  Deferred zones
 * and zones where the order is already there or compaction cannot work
 * are left alone.
 */
static bool kcompactd_zone_wanted(struct zone *zone, int zid, int order)
{
	if (!populated_zone(zone) || compaction_deferred(zone, order))
		return false;
	return zone_compaction_verdict(zone, order, zid, ALLOC_WMARK_MIN) ==
	       COMPACT_CONTINUE;
}

/* Book the outcome of a kcompactd run, like sync direct compaction. */
static void kcompactd_settle(struct zone *zone, int order,
			     enum compact_result status)
{
	if (status == COMPACT_SUCCESS) {
		compaction_defer_reset(zone, order, false);
		return;
	}
	if (status != COMPACT_PARTIAL_SKIPPED && status != COMPACT_COMPLETE)
		return;
	/*
	 * Pages freed by migration may wait on per-cpu lists where they
	 * cannot merge; the deferral below rate-limits this drain.
	 */
	drain_all_pages(zone);
	defer_compaction(zone, order);
}

/*
 * The request was served (or given up on): clear it, unless a larger order
 * or a lower zone was asked for while we worked.
 */
static void kcompactd_forget_request(pg_data_t *pgdat, int order,
				     int highest_zoneidx)
{
	if (READ_ONCE(pgdat->kcompactd_max_order) <= order)
		WRITE_ONCE(pgdat->kcompactd_max_order, 0);
	if (READ_ONCE(pgdat->kcompactd_highest_zoneidx) >= highest_zoneidx)
		WRITE_ONCE(pgdat->kcompactd_highest_zoneidx, pgdat->nr_zones - 1);
}

/* Serve a wakeup from reclaim: make the recorded order allocatable. */
static void kcompactd_do_work(pg_data_t *pgdat)
{
	struct compact_control cc = {
		.gfp_mask = GFP_KERNEL,
		.mode = MIGRATE_SYNC_LIGHT,
		.highest_zoneidx = READ_ONCE(pgdat->kcompactd_highest_zoneidx),
		.order = READ_ONCE(pgdat->kcompactd_max_order),
	};
	int zid;

	count_vm_event(KCOMPACTD_WAKE);
	trace_mm_compaction_kcompactd_wake(pgdat->node_id, cc.order,
					   cc.highest_zoneidx);

	for (zid = 0; zid <= cc.highest_zoneidx; zid++) {
		struct zone *zone = pgdat->node_zones + zid;
		enum compact_result status;

		if (kthread_should_stop())
			return;
		if (!kcompactd_zone_wanted(zone, zid, cc.order))
			continue;

		cc.zone = zone;
		/* The previous zone's run may have set it. */
		cc.whole_zone = false;
		status = compact_zone(&cc, NULL);
		kcompactd_settle(zone, cc.order, status);
		kcompactd_count_scanned(&cc);
	}
	kcompactd_forget_request(pgdat, cc.order, cc.highest_zoneidx);
}

/* Is the node fragmented enough for proactive compaction right now? */
static bool proactive_compaction_due(pg_data_t *pgdat)
{
	if (!READ_ONCE(sysctl_compaction_proactiveness))
		return false;
	/* Let reclaim finish first; it changes the picture anyway. */
	if (kswapd_is_running(pgdat))
		return false;
	return node_frag_score(pgdat) > proactive_wmark(false);
}

/*
 * One proactive check.  A round that does not lower the score hit memory
 * that cannot be moved; retrying every interval would burn CPU for
 * nothing, so the next check waits 1 << COMPACT_MAX_DEFER_SHIFT intervals.
 *
 * Return: timeout until the next check.
 */
static long kcompactd_proactive_round(pg_data_t *pgdat, long interval)
{
	unsigned int start_score;

	if (!proactive_compaction_due(pgdat))
		return interval;
	start_score = node_frag_score(pgdat);
	compact_node(pgdat, true);
	return node_frag_score(pgdat) < start_score ?
	       interval : interval << COMPACT_MAX_DEFER_SHIFT;
}

/* Keep kcompactd on its node's CPUs when there are any. */
static void kcompactd_bind(pg_data_t *pgdat)
{
	const struct cpumask *mask = cpumask_of_node(pgdat->node_id);

	if (!cpumask_empty(mask))
		set_cpus_allowed_ptr(current, mask);
}

/* Main loop of the per-node compaction thread. */
static int kcompactd(void *arg)
{
	pg_data_t *pgdat = arg;
	long interval = msecs_to_jiffies(HPAGE_FRAG_CHECK_INTERVAL_MSEC);
	long timeout = interval;

	/* Start with no pending request. */
	kcompactd_forget_request(pgdat, INT_MAX, 0);
	kcompactd_bind(pgdat);
	set_freezable();
	current->flags |= PF_KCOMPACTD;

	while (!kthread_should_stop()) {
		unsigned long pflags;
		long woken;

		/* With proactive compaction off, only wakeups matter. */
		if (!READ_ONCE(sysctl_compaction_proactiveness))
			timeout = MAX_SCHEDULE_TIMEOUT;
		trace_mm_compaction_kcompactd_sleep(pgdat->node_id);
		woken = wait_event_freezable_timeout(pgdat->kcompactd_wait,
						     kcompactd_has_work(pgdat),
						     timeout);
		if (woken && !READ_ONCE(pgdat->proactive_compact_trigger)) {
			psi_memstall_enter(&pflags);
			kcompactd_do_work(pgdat);
			psi_memstall_leave(&pflags);
			/* Reactive work this interval: skip the proactive check. */
			timeout = interval;
			continue;
		}
		timeout = kcompactd_proactive_round(pgdat, interval);
		WRITE_ONCE(pgdat->proactive_compact_trigger, false);
	}

	current->flags &= ~PF_KCOMPACTD;
	return 0;
}

/*
 * Merge a request into the pending one: the largest order and the most
 * restrictive (lowest) zone index win.
 */
static void kcompactd_record_request(pg_data_t *pgdat, int order,
				     int highest_zoneidx)
{
	int pending_order = READ_ONCE(pgdat->kcompactd_max_order);
	int pending_zoneidx = READ_ONCE(pgdat->kcompactd_highest_zoneidx);

	WRITE_ONCE(pgdat->kcompactd_max_order, max(pending_order, order));
	WRITE_ONCE(pgdat->kcompactd_highest_zoneidx,
		   min(pending_zoneidx, highest_zoneidx));
}

/**
 * wakeup_kcompactd - ask kcompactd to make an order allocatable
 * @pgdat:	     node to compact
 * @order:	     order that allocations struggle with
 * @highest_zoneidx: highest zone index those allocations may use
 *
 * Records the request (the largest order and the lowest zone index asked
 * for since kcompactd last ran) and wakes the thread if it sleeps and
 * compaction looks useful.  Safe in atomic context: it never sleeps.
 *
 * Return: nothing.
 */
void wakeup_kcompactd(pg_data_t *pgdat, int order, int highest_zoneidx)
{
	if (!order)
		return;
	kcompactd_record_request(pgdat, order, highest_zoneidx);

	/*
	 * A running kcompactd picks the request up when it looks again.  The
	 * barrier in wq_has_sleeper() pairs with the one in the wait, so a
	 * thread about to sleep is not missed.
	 */
	if (wq_has_sleeper(&pgdat->kcompactd_wait) &&
	    kcompactd_node_suitable(pgdat)) {
		trace_mm_compaction_wakeup_kcompactd(pgdat->node_id, order,
						     highest_zoneidx);
		wake_up_interruptible(&pgdat->kcompactd_wait);
	}
}

/**
 * kcompactd_run - start the compaction thread of a node
 * @nid: node id
 *
 * Called at boot for every node with memory and when memory is hot-added
 * to a node.  Does nothing if the thread already runs.
 *
 * Return: nothing; a failure to start the thread is logged.
 */
void __meminit kcompactd_run(int nid)
{
	pg_data_t *pgdat = NODE_DATA(nid);
	struct task_struct *task;

	if (pgdat->kcompactd)
		return;
	task = kthread_run(kcompactd, pgdat, "kcompactd%d", nid);
	if (IS_ERR(task)) {
		pr_err("kcompactd: cannot start thread for node %d: %ld\n",
		       nid, PTR_ERR(task));
		return;
	}
	pgdat->kcompactd = task;
}

/**
 * kcompactd_stop - stop the compaction thread of a node
 * @nid: node id
 *
 * Called by memory hotplug, under mem_hotplug_begin(), once all memory of
 * the node is offline.
 *
 * Return: nothing.
 */
void __meminit kcompactd_stop(int nid)
{
	pg_data_t *pgdat = NODE_DATA(nid);

	if (!pgdat->kcompactd)
		return;
	kthread_stop(pgdat->kcompactd);
	pgdat->kcompactd = NULL;
}

/*
 * CPU hotplug: a CPU came online, so its node has an online CPU again.
 * Move that node's kcompactd back onto the node; it may have been allowed
 * to run anywhere while the node had no online CPU.
 */
static int kcompactd_cpu_online(unsigned int cpu)
{
	int nid = cpu_to_node(cpu);
	struct task_struct *task;

	if (nid == NUMA_NO_NODE || !node_state(nid, N_MEMORY))
		return 0;
	task = NODE_DATA(nid)->kcompactd;
	if (task)
		set_cpus_allowed_ptr(task, cpumask_of_node(nid));
	return 0;
}

/* === sysctl interface === */

/* The last request vm.compact_memory accepted: 0 until the first "1". */
static int compact_memory_request;

/*
 * vm.compact_memory: write-only trigger.  "1" compacts everything; other
 * numbers and garbage are rejected and change nothing.  A write of zero
 * bytes parses nothing, so, as upstream's stored integer does, it repeats
 * the last accepted request: it compacts after a "1" and is refused
 * before any.
 */
static int compact_memory_sysctl(const struct ctl_table *table, int write,
				 void *buffer, size_t *lenp, loff_t *ppos)
{
	struct ctl_table parse = *table;
	int request = READ_ONCE(compact_memory_request);
	int ret;

	if (!write)
		return -EINVAL;
	parse.data = &request;
	parse.maxlen = sizeof(request);
	parse.extra1 = SYSCTL_ONE;
	parse.extra2 = SYSCTL_ONE;
	ret = proc_dointvec_minmax(&parse, write, buffer, lenp, ppos);
	if (ret)
		return ret;
	if (request != 1)
		return -EINVAL;
	WRITE_ONCE(compact_memory_request, request);
	return compact_all_nodes();
}

/* Make @pgdat's kcompactd run a proactive check right away. */
static void kick_node_proactive(pg_data_t *pgdat)
{
	WRITE_ONCE(pgdat->proactive_compact_trigger, true);
	trace_mm_compaction_wakeup_kcompactd(pgdat->node_id, -1,
					     pgdat->nr_zones - 1);
	wake_up_interruptible(&pgdat->kcompactd_wait);
}

/* Kick every node's kcompactd, skipping those with a kick pending. */
static void kick_proactive_compaction(void)
{
	int nid;

	for_each_online_node(nid)
		if (!READ_ONCE(NODE_DATA(nid)->proactive_compact_trigger))
			kick_node_proactive(NODE_DATA(nid));
}

/* vm.compaction_proactiveness: a non-zero write takes effect at once. */
static int proactiveness_sysctl(const struct ctl_table *table, int write,
				void *buffer, size_t *lenp, loff_t *ppos)
{
	int ret = proc_dointvec_minmax(table, write, buffer, lenp, ppos);

	if (ret)
		return ret;
	if (write && READ_ONCE(sysctl_compaction_proactiveness))
		kick_proactive_compaction();
	return 0;
}

/*
 * vm.compact_unevictable_allowed.  On PREEMPT_RT, moving mlocked pages
 * makes their users take minor faults that mlock() was meant to avoid, so
 * a change is worth a line in the log.
 */
static int unevictable_sysctl(const struct ctl_table *table, int write,
			      void *buffer, size_t *lenp, loff_t *ppos)
{
	int before = READ_ONCE(sysctl_compact_unevictable_allowed);
	int ret = proc_dointvec_minmax(table, write, buffer, lenp, ppos);

	if (ret || !write || !IS_ENABLED(CONFIG_PREEMPT_RT))
		return ret;
	if (before != READ_ONCE(sysctl_compact_unevictable_allowed))
		pr_warn_once("compaction: %s changed to %d by %s[%d], expect latency spikes on PREEMPT_RT\n",
			     table->procname,
			     READ_ONCE(sysctl_compact_unevictable_allowed),
			     current->comm, task_pid_nr(current));
	return 0;
}

/* The "vm" sysctls owned by compaction. */
static struct ctl_table compaction_sysctls[] = {
	{
		.procname	= "extfrag_threshold",
		.mode		= 0644,
		.data		= &sysctl_extfrag_threshold,
		.maxlen		= sizeof(sysctl_extfrag_threshold),
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_ONE_THOUSAND,
		.proc_handler	= proc_dointvec_minmax,
	},
	{
		.procname	= "compact_unevictable_allowed",
		.mode		= 0644,
		.data		= &sysctl_compact_unevictable_allowed,
		.maxlen		= sizeof(sysctl_compact_unevictable_allowed),
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_ONE,
		.proc_handler	= unevictable_sysctl,
	},
	{
		.procname	= "compaction_proactiveness",
		.mode		= 0644,
		.data		= &sysctl_compaction_proactiveness,
		.maxlen		= sizeof(sysctl_compaction_proactiveness),
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_ONE_HUNDRED,
		.proc_handler	= proactiveness_sysctl,
	},
	{
		/* Write-only trigger; the handler parses into a local. */
		.procname	= "compact_memory",
		.mode		= 0200,
		.maxlen		= sizeof(int),
		.proc_handler	= compact_memory_sysctl,
	},
};

/* === Movable page API === */

/**
 * PageMovable - does a locked page belong to a non-LRU movable driver?
 * @page: the page, locked by the caller
 *
 * Unlike __PageMovable(), which only looks at the mapping tag, this also
 * requires the driver's &struct movable_operations to still be attached.
 *
 * Return: true if the page can be migrated through its movable_operations.
 */
bool PageMovable(struct page *page)
{
	VM_WARN_ON_ONCE_PAGE(!PageLocked(page), page);
	return __PageMovable(page) && page_movable_ops(page);
}

/**
 * __SetPageMovable - declare a page movable by a driver
 * @page: the page, locked by the caller
 * @mops: migration callbacks of the driver
 *
 * Tags page->mapping with @mops so that compaction can isolate and migrate
 * the page.
 *
 * Return: nothing.
 */
void __SetPageMovable(struct page *page, const struct movable_operations *mops)
{
	unsigned long tagged = (unsigned long)mops | PAGE_MAPPING_MOVABLE;

	VM_WARN_ON_ONCE_PAGE(!PageLocked(page), page);
	/* The low bits of page->mapping are flags, @mops must not use them. */
	if (WARN_ON_ONCE((unsigned long)mops & PAGE_MAPPING_FLAGS))
		return;
	WRITE_ONCE(page->mapping, (struct address_space *)tagged);
}
EXPORT_SYMBOL(__SetPageMovable);

/**
 * __ClearPageMovable - withdraw a page from driver migration
 * @page: the page, locked by the caller
 *
 * The page keeps the movable tag, so it still looks like a movable page
 * to lockless readers, but without callbacks it is never migrated again.
 *
 * Return: nothing.
 */
void __ClearPageMovable(struct page *page)
{
	VM_WARN_ON_ONCE_PAGE(!PageMovable(page), page);
	WRITE_ONCE(page->mapping,
		   (struct address_space *)PAGE_MAPPING_MOVABLE);
}
EXPORT_SYMBOL(__ClearPageMovable);

/* === debugfs: /sys/kernel/debug/compaction/zones === */

#ifdef CONFIG_DEBUG_FS
/* The names mm_compaction_end and mm_compaction_finished print. */
static const char *const compact_result_names[] = {
	[COMPACT_NOT_SUITABLE_ZONE]	= "not_suitable_zone",
	[COMPACT_SKIPPED]		= "skipped",
	[COMPACT_DEFERRED]		= "deferred",
	[COMPACT_NO_SUITABLE_PAGE]	= "no_suitable_page",
	[COMPACT_CONTINUE]		= "continue",
	[COMPACT_COMPLETE]		= "complete",
	[COMPACT_PARTIAL_SKIPPED]	= "partial_skipped",
	[COMPACT_CONTENDED]		= "contended",
	[COMPACT_SUCCESS]		= "success",
};

static const char *const migrate_mode_names[] = {
	[MIGRATE_ASYNC]		= "async",
	[MIGRATE_SYNC_LIGHT]	= "sync_light",
	[MIGRATE_SYNC]		= "sync",
};

/* Pageblocks of @zone, and how many of them carry the skip bit. */
static void count_skip_blocks(struct zone *zone, unsigned long *nr_skip,
			      unsigned long *nr_blocks)
{
	unsigned long end = zone_end_pfn(zone);
	unsigned long pfn;

	*nr_skip = 0;
	*nr_blocks = 0;
	for (pfn = zone->zone_start_pfn; pfn < end;
	     pfn = pageblock_end_pfn(pfn)) {
		struct page *page = pfn_to_online_page(pfn);

		if (!page || page_zone(page) != zone)
			continue;
		if (!(++*nr_blocks % COMPACT_CLUSTER_MAX))
			cond_resched();
		if (get_pageblock_skip(page))
			(*nr_skip)++;
	}
}

static void show_last_run(struct seq_file *m, struct zone *zone)
{
	struct zone_run_record *rec = zone_run_record(zone);
	struct zone_run r;
	unsigned int seq;

	if (!rec) {
		seq_puts(m, "  last_run       unknown\n");
		return;
	}
	do {
		seq = read_seqbegin(&rec->lock);
		r = rec->run;
	} while (read_seqretry(&rec->lock, seq));

	if (!r.valid) {
		seq_puts(m, "  last_run       none\n");
		return;
	}
	seq_printf(m, "  last_run       result %s order %d mode %s\n",
		   compact_result_names[r.result], r.order,
		   migrate_mode_names[r.mode]);
	seq_printf(m, "  last_counts    migrate_scanned %lu free_scanned %lu isolated %lu migrated %lu\n",
		   r.migrate_scanned, r.free_scanned, r.isolated, r.migrated);
}

static void show_captured(struct seq_file *m, struct zone *zone)
{
	struct zone_run_record *rec = zone_run_record(zone);

	if (rec)
		seq_printf(m, "  captured       %ld\n",
			   atomic_long_read(&rec->captured));
}

/*
 * One block per populated zone.  Every figure is read without stopping
 * compaction: each line is a snapshot of its own, and the last-run lines
 * always describe one and the same run.
 */
static int zones_show(struct seq_file *m, void *v)
{
	unsigned long nr_skip, nr_blocks;
	struct zone *zone;

	/* Keep zone spans still while we walk their pageblocks. */
	get_online_mems();
	for_each_populated_zone(zone) {
		pg_data_t *pgdat = zone->zone_pgdat;
		unsigned int score = zone_frag_score(zone);

		count_skip_blocks(zone, &nr_skip, &nr_blocks);
		seq_printf(m, "Node %d, zone %8s\n", pgdat->node_id, zone->name);
		seq_printf(m, "  pfn_range      %lu-%lu\n", zone->zone_start_pfn,
			   zone_end_pfn(zone));
		seq_printf(m, "  cached_pfn     migrate_async %lu migrate_sync %lu free %lu\n",
			   READ_ONCE(zone->compact_cached_migrate_pfn[0]),
			   READ_ONCE(zone->compact_cached_migrate_pfn[1]),
			   READ_ONCE(zone->compact_cached_free_pfn));
		seq_printf(m, "  deferral       considered %u defer_shift %u order_failed %d\n",
			   READ_ONCE(zone->compact_considered),
			   READ_ONCE(zone->compact_defer_shift),
			   READ_ONCE(zone->compact_order_failed));
		seq_printf(m, "  skip_blocks    %lu of %lu\n", nr_skip, nr_blocks);
		seq_printf(m, "  frag_score     %u weighted %u\n", score,
			   weigh_frag_score(score, zone->present_pages,
					    pgdat->node_present_pages));
		show_last_run(m, zone);
		show_captured(m, zone);
	}
	put_online_mems();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(zones);

static void __init compaction_debugfs_init(void)
{
	struct zone_run_record *recs;
	struct dentry *dir;
	unsigned int i, nr = nr_node_ids * MAX_NR_ZONES;

	recs = kcalloc(nr, sizeof(*recs), GFP_KERNEL);
	if (recs) {
		for (i = 0; i < nr; i++)
			seqlock_init(&recs[i].lock);
		/*
		 * Runs may already be ending on other CPUs: publish the
		 * array only after its seqlocks are initialised.
		 */
		smp_store_release(&zone_run_records, recs);
	}
	dir = debugfs_create_dir("compaction", NULL);
	debugfs_create_file("zones", 0400, dir, NULL, &zones_fops);
}
#else
static inline void compaction_debugfs_init(void)
{
}
#endif /* CONFIG_DEBUG_FS */

/* === Initialisation === */

/* Start kcompactd on every node with memory and register the sysctls. */
static int __init kcompactd_init(void)
{
	int nid, err;

	register_sysctl_init("vm", compaction_sysctls);
	compaction_debugfs_init();
	for_each_node_state(nid, N_MEMORY)
		kcompactd_run(nid);

	/* Only CPU affinity depends on this, compaction works without it. */
	err = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN,
					"mm/compaction:online",
					kcompactd_cpu_online, NULL);
	if (err < 0)
		pr_warn("kcompactd: no CPU hotplug callback (%d), node affinity is not restored\n",
			err);
	return 0;
}
subsys_initcall(kcompactd_init)

#endif /* CONFIG_COMPACTION */

#ifdef CONFIG_COMPACTION_KUNIT_TEST
#include "tests/compaction_kunit.c"
#endif
