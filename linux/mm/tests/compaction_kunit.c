// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for memory compaction.
 *
 * This file is #included at the end of mm/compaction.c (see there) so that
 * the tests reach its static helpers, as DAMON's tests do.  The cases run
 * in kthreads at boot, on the live machine: those that touch real zones
 * read them with the snapshot helpers and only assert properties that
 * concurrent activity cannot break.
 */
#include <kunit/test.h>
#include <linux/shmem_fs.h>
#include <linux/pagemap.h>

/* === Fakes === */

/*
 * A zone that lives only in the test: deferral and boundary helpers read
 * nothing but its fields (and tracepoints, off during the test, its node).
 */
static struct zone *fake_zone(struct kunit *test, unsigned long start,
			      unsigned long pages)
{
	pg_data_t *pgdat = kunit_kzalloc(test, sizeof(*pgdat), GFP_KERNEL);
	struct zone *zone;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pgdat);
	zone = &pgdat->node_zones[0];
	zone->zone_pgdat = pgdat;
	zone->zone_start_pfn = start;
	zone->spanned_pages = pages;
	zone->present_pages = pages;
	zone->compact_order_failed = MAX_PAGE_ORDER + 1;
	return zone;
}

/* === Memory from the live machine === */

/*
 * The cases run at boot in guests of 2 GiB or more, with hundreds of free
 * pageblocks and nothing else big running, and the allocator compacts
 * for a costly order before it gives up.  So a block these cases ask for
 * and cannot get is a failure (of the allocator, or of compaction), not a
 * machine too small to test on.  A few attempts cover the moment when the
 * pages that would merge sit on other CPUs' per-cpu lists.
 */
#define BLOCK_ATTEMPTS	4

/* A block of @order, or NULL once the case has been failed. */
static struct page *alloc_block(struct kunit *test, gfp_t gfp,
				unsigned int order)
{
	struct page *page = NULL;
	int i;

	for (i = 0; !page && i < BLOCK_ATTEMPTS; i++) {
		if (i)
			drain_all_pages(NULL);
		page = alloc_pages(gfp | __GFP_NOWARN, order);
	}
	if (!page)
		KUNIT_FAIL(test, "no free order-%u block in %d attempts",
			   order, BLOCK_ATTEMPTS);
	return page;
}

/* === Deferral === */

/* How many attempts compaction_deferred() skips before letting one through. */
static unsigned int count_deferred(struct zone *zone, int order)
{
	unsigned int skipped = 0;

	while (compaction_deferred(zone, order) && skipped < 1000)
		skipped++;
	return skipped;
}

static void defer_shift_saturates(struct kunit *test)
{
	struct zone *zone = fake_zone(test, 0, pageblock_nr_pages);
	int i;

	for (i = 0; i < 2 * COMPACT_MAX_DEFER_SHIFT; i++)
		defer_compaction(zone, 4);
	KUNIT_EXPECT_EQ(test, zone->compact_defer_shift, (unsigned int)COMPACT_MAX_DEFER_SHIFT);
	KUNIT_EXPECT_EQ(test, zone->compact_order_failed, 4);
}

/* After n failures, exactly (1 << n) - 1 attempts are skipped. */
static void defer_skips_exact_count(struct kunit *test)
{
	unsigned int n;

	for (n = 1; n <= COMPACT_MAX_DEFER_SHIFT + 1; n++) {
		struct zone *zone = fake_zone(test, 0, pageblock_nr_pages);
		unsigned int shift = min_t(unsigned int, n, COMPACT_MAX_DEFER_SHIFT);
		unsigned int i;

		for (i = 0; i < n; i++)
			defer_compaction(zone, 3);
		KUNIT_EXPECT_EQ_MSG(test, count_deferred(zone, 3), (1U << shift) - 1,
				    "after %u failures", n);
		/* Lower orders than the failed one are never deferred. */
		KUNIT_EXPECT_FALSE(test, compaction_deferred(zone, 2));
	}
}

static void defer_reset_clears_up_to_order(struct kunit *test)
{
	struct zone *zone = fake_zone(test, 0, pageblock_nr_pages);

	defer_compaction(zone, 2);
	defer_compaction(zone, 2);
	/* A success that was only expected keeps the back-off... */
	compaction_defer_reset(zone, 5, false);
	KUNIT_EXPECT_EQ(test, zone->compact_defer_shift, 2U);
	KUNIT_EXPECT_EQ(test, zone->compact_order_failed, 6);
	KUNIT_EXPECT_FALSE(test, compaction_deferred(zone, 5));
	KUNIT_EXPECT_TRUE(test, compaction_deferred(zone, 6));
	/* ...a real allocation clears it. */
	compaction_defer_reset(zone, 7, true);
	KUNIT_EXPECT_EQ(test, zone->compact_defer_shift, 0U);
	KUNIT_EXPECT_EQ(test, zone->compact_considered, 0U);
	KUNIT_EXPECT_EQ(test, zone->compact_order_failed, 8);
	KUNIT_EXPECT_FALSE(test, compaction_deferred(zone, 7));
}

static void restarting_after_full_backoff(struct kunit *test)
{
	struct zone *zone = fake_zone(test, 0, pageblock_nr_pages);
	int i;

	for (i = 0; i < COMPACT_MAX_DEFER_SHIFT; i++)
		defer_compaction(zone, 9);
	KUNIT_EXPECT_FALSE(test, compaction_restarting(zone, 9));
	count_deferred(zone, 9);
	KUNIT_EXPECT_TRUE(test, compaction_restarting(zone, 9));
	KUNIT_EXPECT_FALSE(test, compaction_restarting(zone, 8));
}

/* === Fragmentation score and proactiveness === */

struct wmark_case {
	unsigned int proactiveness, low, high;
};

static const struct wmark_case wmark_cases[] = {
	{ 0, 100, 100 }, { 20, 80, 90 }, { 50, 50, 60 },
	{ 95, 5, 15 }, { 100, 5, 15 },
};

static void wmark_case_desc(const struct wmark_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "proactiveness %u", c->proactiveness);
}

KUNIT_ARRAY_PARAM(proactive_wmarks, wmark_cases, wmark_case_desc);

static void proactive_wmarks_follow_sysctl(struct kunit *test)
{
	const struct wmark_case *c = test->param_value;
	unsigned int low, high;

	proactive_wmarks(c->proactiveness, &low, &high);
	KUNIT_EXPECT_EQ(test, low, c->low);
	KUNIT_EXPECT_EQ(test, high, c->high);
}

/* A zone's weight grows with its share of the node and never exceeds it. */
static void frag_score_weighting(struct kunit *test)
{
	unsigned long node = 1UL << 20;
	unsigned int prev = 0, share;

	for (share = 0; share <= 8; share++) {
		unsigned int s = weigh_frag_score(80, node / 8 * share, node);

		KUNIT_EXPECT_GE(test, s, prev);
		KUNIT_EXPECT_LE(test, s, 80U);
		prev = s;
	}
	KUNIT_EXPECT_GE(test, prev, 79U);
	KUNIT_EXPECT_EQ(test, weigh_frag_score(0, node, node), 0U);
}

/* Every node score lies in 0..100 on the live machine. */
static void node_frag_score_in_range(struct kunit *test)
{
	int nid;

	for_each_online_node(nid)
		KUNIT_EXPECT_LE(test, node_frag_score(NODE_DATA(nid)), 100U);
}

/* === Suitability === */

static void free_floor_by_order(struct kunit *test)
{
	struct zone *zone = fake_zone(test, 0, 1UL << 18);

	zone->_watermark[WMARK_MIN] = 100;
	zone->_watermark[WMARK_LOW] = 125;
	/* Cheap orders may dig to the min mark, costly ones stop at low. */
	KUNIT_EXPECT_EQ(test, compaction_free_floor(zone, 0), 100UL + 2);
	KUNIT_EXPECT_EQ(test, compaction_free_floor(zone, PAGE_ALLOC_COSTLY_ORDER),
			100UL + (2UL << PAGE_ALLOC_COSTLY_ORDER));
	KUNIT_EXPECT_EQ(test, compaction_free_floor(zone, 9), 125UL + (2UL << 9));
}

/* === vm.extfrag_threshold === */

/*
 * What the sysctl promises (Documentation/admin-guide/sysctl/vm.rst): the
 * fragmentation index of a costly order runs from 0 (a failure would be
 * for lack of memory) to 1000 (for fragmentation), and compaction is not
 * tried where it is at or below the threshold; a free block of the order
 * already there (-1000) never stops it.  The cases below build free lists
 * whose answer follows from that alone, and never compute the index.
 */

/* The threshold, set for one question about @zone and @order. */
static bool explained_at(struct zone *zone, int order, int threshold)
{
	WRITE_ONCE(sysctl_extfrag_threshold, threshold);
	return fragmentation_explains_failure(zone, order);
}

/* Free blocks of a fake zone for a request of some costly order. */
enum free_shape {
	FREE_NONE,	/* no free memory at all */
	FREE_DUST,	/* only single pages */
	FREE_NEAR_MISS,	/* only blocks of half the order, the largest that miss */
	FREE_HAS_ORDER,	/* single pages and one block of the order */
	NR_FREE_SHAPES
};

static const char *const free_shape_names[NR_FREE_SHAPES] = {
	[FREE_NONE] = "no free memory",
	[FREE_DUST] = "single pages",
	[FREE_NEAR_MISS] = "half-order blocks",
	[FREE_HAS_ORDER] = "a block of the order",
};

/*
 * Free blocks each shape has: 64, far from the one or two free blocks
 * where the index leaves its 0..1000 range without the order being free.
 * Dust and near misses hold the same number of free pages.
 */
#define SHAPE_BLOCKS	64UL

/* Give the free lists of the fake @zone @shape for a request of @order. */
static void shape_free_lists(struct zone *zone, enum free_shape shape, int order)
{
	struct free_area *area = zone->free_area;
	int o;

	for (o = 0; o < NR_PAGE_ORDERS; o++)
		area[o].nr_free = 0;
	if (shape == FREE_DUST || shape == FREE_HAS_ORDER)
		area[0].nr_free = SHAPE_BLOCKS << (order - 1);
	if (shape == FREE_NEAR_MISS)
		area[order - 1].nr_free = SHAPE_BLOCKS;
	if (shape == FREE_HAS_ORDER)
		area[order].nr_free = 1;
}

/* Is @order compacted at @threshold in a zone of @shape? */
static bool shape_explained_at(struct zone *zone, enum free_shape shape,
			       int order, int threshold)
{
	shape_free_lists(zone, shape, order);
	return explained_at(zone, order, threshold);
}

#define FIRST_COSTLY_ORDER	(PAGE_ALLOC_COSTLY_ORDER + 1)

/*
 * Orders up to PAGE_ALLOC_COSTLY_ORDER do not ask the index at all: their
 * alternative is the OOM killer, so compaction is always worth a try, even
 * in a zone with nothing free and at the highest threshold.
 */
static void extfrag_cheap_orders_always_compact(struct kunit *test)
{
	struct zone *empty = fake_zone(test, 0, pageblock_nr_pages);
	int saved = READ_ONCE(sysctl_extfrag_threshold);
	int order;

	for (order = 0; order <= PAGE_ALLOC_COSTLY_ORDER; order++) {
		KUNIT_EXPECT_TRUE_MSG(test, explained_at(empty, order, 1000),
				      "order %d", order);
		KUNIT_EXPECT_TRUE_MSG(test, explained_at(empty, order, 0),
				      "order %d", order);
	}
	WRITE_ONCE(sysctl_extfrag_threshold, saved);
}

/*
 * The two ends of the sysctl, and the two kinds of zone that need no
 * index to judge: a free block of the order is never a reason to refuse
 * compaction; no free memory at all is never fragmentation's fault;
 * 1000 puts no failure down to fragmentation; 0 puts every one there.
 */
static void extfrag_threshold_ends(struct kunit *test)
{
	static const struct {
		enum free_shape shape;
		int threshold;
		bool compact;
	} ends[] = {
		{ FREE_HAS_ORDER, 1000, true },	{ FREE_HAS_ORDER, 0, true },
		{ FREE_NONE, 0, false },	{ FREE_DUST, 1000, false },
		{ FREE_NEAR_MISS, 1000, false },	{ FREE_DUST, 0, true },
		{ FREE_NEAR_MISS, 0, true },
	};
	struct zone *zone = fake_zone(test, 0, pageblock_nr_pages);
	int saved = READ_ONCE(sysctl_extfrag_threshold);
	unsigned int i;
	int o;

	for (o = FIRST_COSTLY_ORDER; o <= MAX_PAGE_ORDER; o++) {
		for (i = 0; i < ARRAY_SIZE(ends); i++) {
			bool got = shape_explained_at(zone, ends[i].shape, o,
						      ends[i].threshold);

			KUNIT_EXPECT_EQ_MSG(test, got, ends[i].compact,
					    "order %d, %s, threshold %d", o,
					    free_shape_names[ends[i].shape],
					    ends[i].threshold);
		}
	}
	WRITE_ONCE(sysctl_extfrag_threshold, saved);
}

/*
 * The lowest threshold, from 0 up, at which @order is no longer compacted
 * in a zone of @shape; 1001 if none.  @back receives a higher threshold at
 * which it is compacted again, or -1.
 */
static int first_refusal(struct zone *zone, enum free_shape shape, int order,
			 int *back)
{
	int t, first = 1001;

	shape_free_lists(zone, shape, order);
	*back = -1;
	for (t = 0; t <= 1000; t++) {
		bool yes = explained_at(zone, order, t);

		if (!yes && first > 1000)
			first = t;
		else if (yes && first <= 1000 && *back < 0)
			*back = t;
	}
	return first;
}

/*
 * Raising the threshold only ever takes compaction away, and the same
 * free memory in smaller pieces is the stronger case for it: wherever
 * half-order blocks are compacted, single pages are too, and somewhere
 * between 0 and 1000 the threshold tells the two apart.
 */
static void extfrag_threshold_monotonic(struct kunit *test)
{
	struct zone *zone = fake_zone(test, 0, pageblock_nr_pages);
	int saved = READ_ONCE(sysctl_extfrag_threshold);
	int o, shape, back, first[NR_FREE_SHAPES];

	for (o = FIRST_COSTLY_ORDER; o <= MAX_PAGE_ORDER; o++) {
		for (shape = 0; shape < NR_FREE_SHAPES; shape++) {
			first[shape] = first_refusal(zone, shape, o, &back);
			KUNIT_EXPECT_EQ_MSG(test, back, -1,
					    "order %d, %s: refused at %d, compacted again at %d",
					    o, free_shape_names[shape], first[shape], back);
		}
		KUNIT_EXPECT_LT_MSG(test, first[FREE_NEAR_MISS], first[FREE_DUST],
				    "order %d: half-order blocks compacted below %d, single pages only below %d",
				    o, first[FREE_NEAR_MISS], first[FREE_DUST]);
	}
	WRITE_ONCE(sysctl_extfrag_threshold, saved);
}

/* Free blocks in @zone: all of them, and those of @order or larger. */
static void count_free_blocks(struct zone *zone, int order,
			      unsigned long *all, unsigned long *big)
{
	int o;

	lockdep_assert_held(&zone->lock);
	*all = 0;
	*big = 0;
	for (o = 0; o < NR_PAGE_ORDERS; o++) {
		*all += zone->free_area[o].nr_free;
		if (o >= order)
			*big += zone->free_area[o].nr_free;
	}
}

/*
 * One live zone and costly order, asked at both ends of the sysctl while
 * zone->lock holds its free lists still.  Without a block of the order,
 * every free block is at most half of it, which bounds the index to
 * 0..1000 from two free blocks on and keeps it above 0 from three on;
 * with fewer, mm/vmstat.c's index can go below 0 or land on it, so those
 * counts are not judged.
 */
static void check_live_zone(struct kunit *test, struct zone *zone, int order)
{
	unsigned long all, big;
	bool at_max, at_zero;

	spin_lock_irq(&zone->lock);
	count_free_blocks(zone, order, &all, &big);
	at_max = explained_at(zone, order, 1000);
	at_zero = explained_at(zone, order, 0);
	spin_unlock_irq(&zone->lock);

	if (all != 1)
		KUNIT_EXPECT_EQ_MSG(test, at_max, big > 0,
				    "zone %s order %d, %lu free blocks, %lu of the order: threshold 1000 says %d",
				    zone->name, order, all, big, at_max);
	if (all != 1 && all != 2)
		KUNIT_EXPECT_EQ_MSG(test, at_zero, all > 0,
				    "zone %s order %d, %lu free blocks: threshold 0 says %d",
				    zone->name, order, all, at_zero);
}

/*
 * On the machine's own zones, at threshold 1000 a costly order is
 * compacted exactly when a free block of it exists (compaction then only
 * has the watermarks to satisfy), and at 0 whenever anything is free.
 */
static void extfrag_threshold_on_live_zones(struct kunit *test)
{
	int saved = READ_ONCE(sysctl_extfrag_threshold);
	struct zone *zone;
	int order;

	for_each_populated_zone(zone)
		for (order = FIRST_COSTLY_ORDER; order <= MAX_PAGE_ORDER; order++)
			check_live_zone(test, zone, order);
	WRITE_ONCE(sysctl_extfrag_threshold, saved);
}

/* A zone with free blocks of the order is suitable once the gap fits. */
static void suitable_when_order_is_free(struct kunit *test)
{
	struct zone *zone;
	bool seen = false;

	for_each_populated_zone(zone) {
		unsigned long free = zone_page_state_snapshot(zone, NR_FREE_PAGES);

		if (free < high_wmark_pages(zone) + 4 * pageblock_nr_pages ||
		    fragmentation_index(zone, pageblock_order) >= 0)
			continue;
		seen = true;
		KUNIT_EXPECT_TRUE(test, compaction_suitable(zone, pageblock_order,
							    zone_idx(zone)));
		KUNIT_EXPECT_TRUE(test, compaction_suitable(zone, 0, zone_idx(zone)));
	}
	/* At boot in a 2 GiB guest DMA32 has both (see BLOCK_ATTEMPTS). */
	if (!seen)
		KUNIT_FAIL(test, "no zone with free pageblocks and memory to spare");
}

/* === Pageblock and zone boundaries === */

/* A zone that starts at PFN 1 and ends in the middle of a pageblock. */
static void block_bounds_clamped_to_zone(struct kunit *test)
{
	unsigned long nr = pageblock_nr_pages;
	struct zone *zone = fake_zone(test, 1, 3 * nr + nr / 2 - 1);
	unsigned long end = zone_end_pfn(zone);

	KUNIT_EXPECT_EQ(test, end, 3 * nr + nr / 2);
	KUNIT_EXPECT_EQ(test, block_first_pfn(zone, 5), 1UL);
	KUNIT_EXPECT_EQ(test, block_first_pfn(zone, nr + 5), nr);
	KUNIT_EXPECT_EQ(test, block_end_in_zone(zone, 5), nr);
	KUNIT_EXPECT_EQ(test, block_end_in_zone(zone, 3 * nr + 1), end);
	KUNIT_EXPECT_EQ(test, block_end_in_zone(zone, end - 1), end);
}

/*
 * Hot-remove shrank the zone to two pageblocks while the migration scanner
 * stood in the fourth: the round must end the run by letting the scanners
 * meet, isolate nothing, and never move the scanner back into the zone.
 * (Clamping the walk to the new end used to loop here for ever.)
 */
static void scanner_past_shrunk_zone_ends_run(struct kunit *test)
{
	unsigned long nr = pageblock_nr_pages;
	struct zone *zone = fake_zone(test, 0, 2 * nr);
	struct compact_control cc = {
		.zone = zone,
		.mode = MIGRATE_ASYNC,
		.migrate_pfn = 3 * nr + nr / 2,
		.free_pfn = 6 * nr,
	};
	int order;

	INIT_LIST_HEAD(&cc.migratepages);
	for (order = 0; order < NR_PAGE_ORDERS; order++)
		INIT_LIST_HEAD(&cc.freepages[order]);

	KUNIT_EXPECT_EQ(test, collect_migration_sources(&cc), HARVEST_NONE);
	KUNIT_EXPECT_EQ(test, cc.nr_migratepages, 0U);
	KUNIT_EXPECT_TRUE(test, list_empty(&cc.migratepages));
	KUNIT_EXPECT_TRUE(test, compact_scanners_met(&cc));
	KUNIT_EXPECT_GE(test, cc.migrate_pfn, 3 * nr + nr / 2);
}

/*
 * The free scanner's side: hot-remove cut the zone's top just below the
 * pageblock the free scanner stands in.  That block (a real one, held by
 * the test, so that a wrong read finds a valid memmap) is no longer the
 * zone's: the scanner must pass over it without reading it, taking
 * nothing and setting no skip bit there.  The zone is contiguous, as most
 * are, which makes pageblock_pfn_to_page() trust any PFN it is given.
 */
static void free_scanner_above_shrunk_zone_passes(struct kunit *test)
{
	unsigned long nr = pageblock_nr_pages, pfn;
	struct compact_control cc = {
		.mode = MIGRATE_ASYNC,
		.ignore_block_suitable = true,
		.order = -1,
	};
	struct page *block;
	int order;

	block = alloc_block(test, GFP_KERNEL, pageblock_order);
	if (!block)
		return;
	pfn = page_to_pfn(block);
	clear_pageblock_skip(block);
	cc.zone = fake_zone(test, pfn - 4 * nr, 4 * nr);
	cc.zone->contiguous = true;
	cc.zone->compact_cached_free_pfn = pfn;
	cc.migrate_pfn = pfn - 4 * nr;
	cc.free_pfn = pfn;
	INIT_LIST_HEAD(&cc.migratepages);
	for (order = 0; order < NR_PAGE_ORDERS; order++)
		INIT_LIST_HEAD(&cc.freepages[order]);

	KUNIT_EXPECT_TRUE(test, harvest_target_block(&cc, pfn));
	KUNIT_EXPECT_EQ(test, cc.nr_freepages, 0U);
	/*
	 * finish_target_block() would have set the block's skip bit and
	 * moved the cached position below it; the fake zone's cached
	 * position is the witness that no other task can disturb.
	 */
	KUNIT_EXPECT_EQ_MSG(test, cc.zone->compact_cached_free_pfn, pfn,
			    "the free scanner finished a pageblock outside the zone");
	clear_pageblock_skip(block);
	__free_pages(block, pageblock_order);
}

/*
 * The free scanner passes over a pageblock held by one huge folio (it has
 * nothing free) but still walks one holding a smaller compound page.
 */
static void huge_folio_block_is_no_target(struct kunit *test)
{
	struct compact_control cc = {
		.order = -1,
		.ignore_skip_hint = true,
		.ignore_block_suitable = true,
	};
	struct page *huge, *half;

	huge = alloc_block(test, GFP_KERNEL | __GFP_COMP, pageblock_order);
	if (!huge)
		return;
	half = alloc_block(test, GFP_KERNEL | __GFP_COMP, pageblock_order - 1);
	if (!half) {
		__free_pages(huge, pageblock_order);
		return;
	}
	cc.zone = page_zone(huge);
	KUNIT_EXPECT_FALSE(test, target_block_wanted(&cc, huge));
	cc.zone = page_zone(half);
	KUNIT_EXPECT_TRUE(test, target_block_wanted(&cc, half));
	__free_pages(huge, pageblock_order);
	__free_pages(half, pageblock_order - 1);
}

/*
 * A pageblock that is a later part of a free buddy page larger than a
 * pageblock holds nothing for either scanner, so both pass over it.  The
 * buddy is checked under zone->lock, where nobody can allocate it.
 */
static void block_inside_free_buddy_is_passed(struct kunit *test)
{
	struct compact_control cc = {
		.order = -1,
		.ignore_skip_hint = true,
		.ignore_block_suitable = true,
	};
	struct page *page, *upper;
	unsigned long flags;
	int attempt;

	if (pageblock_order >= MAX_PAGE_ORDER)
		kunit_skip(test, "no buddy page is larger than a pageblock");
	for (attempt = 0; attempt < BLOCK_ATTEMPTS; attempt++) {
		page = alloc_block(test, GFP_KERNEL, MAX_PAGE_ORDER);
		if (!page)
			return;
		upper = page + pageblock_nr_pages;
		cc.zone = page_zone(page);
		/* In use, the upper block is a candidate like any other. */
		KUNIT_EXPECT_FALSE(test, block_inside_free_buddy(cc.zone, page_to_pfn(upper)));
		KUNIT_EXPECT_TRUE(test, source_block_wanted(&cc, upper));
		__free_pages(page, MAX_PAGE_ORDER);

		spin_lock_irqsave(&cc.zone->lock, flags);
		if (PageBuddy(page) && buddy_order(page) == MAX_PAGE_ORDER) {
			KUNIT_EXPECT_TRUE(test, block_inside_free_buddy(cc.zone,
									page_to_pfn(upper)));
			KUNIT_EXPECT_FALSE(test, target_block_wanted(&cc, upper));
			KUNIT_EXPECT_FALSE(test, source_block_wanted(&cc, upper));
			spin_unlock_irqrestore(&cc.zone->lock, flags);
			return;
		}
		spin_unlock_irqrestore(&cc.zone->lock, flags);
	}
	KUNIT_FAIL(test, "the freed order-%d page was taken again %d times",
		   MAX_PAGE_ORDER, BLOCK_ATTEMPTS);
}

/* Free the pages of the split @block whose index is @rest modulo 4. */
static void free_quarter(struct page *block, unsigned long rest)
{
	unsigned long i;

	for (i = rest; i < pageblock_nr_pages; i += 4)
		__free_page(block + i);
	/* Off the per-cpu lists, so that they show as buddy pages. */
	drain_all_pages(page_zone(block));
}

/*
 * Proactive passes split the blocks at half in use: three pages in four
 * is dense, two in four or one in four is sparse.  The sparse pass takes
 * only sparse blocks, the dense pass only dense ones, other runs any.
 */
static void sparse_and_dense_passes_split_blocks(struct kunit *test)
{
	struct page *block = alloc_block(test, GFP_KERNEL, pageblock_order);
	struct compact_control sparse = { .source_density = SOURCES_SPARSE };
	struct compact_control dense = { .source_density = SOURCES_DENSE };
	struct compact_control any = { .source_density = SOURCES_ANY };
	unsigned long start, end;

	if (!block)
		return;
	split_page(block, pageblock_order);
	start = page_to_pfn(block);
	end = start + pageblock_nr_pages;

	free_quarter(block, 3);
	KUNIT_EXPECT_EQ(test, block_used_pages(start, end),
			pageblock_nr_pages / 4 * 3);
	KUNIT_EXPECT_TRUE(test, source_density_unwanted(&sparse, start, end));
	KUNIT_EXPECT_FALSE(test, source_density_unwanted(&dense, start, end));
	KUNIT_EXPECT_FALSE(test, source_density_unwanted(&any, start, end));

	free_quarter(block, 1);
	KUNIT_EXPECT_EQ(test, block_used_pages(start, end),
			pageblock_nr_pages / 2);
	KUNIT_EXPECT_FALSE(test, source_density_unwanted(&sparse, start, end));
	KUNIT_EXPECT_TRUE(test, source_density_unwanted(&dense, start, end));

	free_quarter(block, 2);
	KUNIT_EXPECT_EQ(test, block_used_pages(start, end),
			pageblock_nr_pages / 4);
	KUNIT_EXPECT_FALSE(test, source_density_unwanted(&sparse, start, end));
	KUNIT_EXPECT_TRUE(test, source_density_unwanted(&dense, start, end));
	KUNIT_EXPECT_FALSE(test, source_density_unwanted(&any, start, end));
	free_quarter(block, 0);
}

/*
 * Only a sparse-only run that covered the whole zone without result calls
 * for a second pass: not a partial run, not a success, not a capture.
 */
static void sparse_pass_fell_short_only_when_complete(struct kunit *test)
{
	struct compact_control sparse = { .source_density = SOURCES_SPARSE };
	struct compact_control any = { .source_density = SOURCES_ANY };
	struct capture_control capc = { .cc = &sparse };
	const enum compact_result met = COMPACT_COMPLETE;
	const enum compact_result partial = COMPACT_PARTIAL_SKIPPED;
	const enum compact_result success = COMPACT_SUCCESS;

	KUNIT_EXPECT_TRUE(test, sparse_pass_fell_short(&sparse, met, NULL));
	KUNIT_EXPECT_TRUE(test, sparse_pass_fell_short(&sparse, met, &capc));
	KUNIT_EXPECT_FALSE(test, sparse_pass_fell_short(&any, met, NULL));
	KUNIT_EXPECT_FALSE(test, sparse_pass_fell_short(&sparse, partial, NULL));
	KUNIT_EXPECT_FALSE(test, sparse_pass_fell_short(&sparse, success, NULL));
	capc.page = ZERO_PAGE(0);	/* any page will do */
	KUNIT_EXPECT_FALSE(test, sparse_pass_fell_short(&sparse, met, &capc));
}

/* Cached positions after a reset lie inside every real zone. */
static void cached_positions_inside_zone(struct kunit *test)
{
	struct zone *zone;

	for_each_populated_zone(zone) {
		unsigned long start = zone->zone_start_pfn, end = zone_end_pfn(zone);
		unsigned long free, mig0, mig1;

		spin_lock_irq(&zone->lock);
		reset_cached_positions(zone);
		free = zone->compact_cached_free_pfn;
		mig0 = zone->compact_cached_migrate_pfn[0];
		mig1 = zone->compact_cached_migrate_pfn[1];
		spin_unlock_irq(&zone->lock);
		KUNIT_EXPECT_GE(test, mig0, start);
		KUNIT_EXPECT_LT(test, mig0, end);
		KUNIT_EXPECT_GE(test, mig1, start);
		KUNIT_EXPECT_LT(test, mig1, end);
		KUNIT_EXPECT_GE(test, free, start);
		KUNIT_EXPECT_LT(test, free, end);
	}
}

/*
 * A skip bit stays until kswapd flushes the hints of a zone whose direct
 * compaction asked for it; the flush clears it and resets the scanners.
 */
static void skip_bits_flushed_on_request(struct kunit *test)
{
	struct page *page = alloc_page(GFP_KERNEL);
	struct zone *zone;

	KUNIT_ASSERT_NOT_NULL(test, page);
	zone = page_zone(page);
	set_pageblock_skip(page);
	zone->compact_blockskip_flush = false;
	reset_isolation_suitable(zone->zone_pgdat);
	KUNIT_EXPECT_TRUE(test, get_pageblock_skip(page));

	zone->compact_blockskip_flush = true;
	reset_isolation_suitable(zone->zone_pgdat);
	KUNIT_EXPECT_FALSE(test, get_pageblock_skip(page));
	KUNIT_EXPECT_FALSE(test, zone->compact_blockskip_flush);
	KUNIT_EXPECT_TRUE(test, zone_spans_pfn(zone, zone->compact_cached_free_pfn));
	KUNIT_EXPECT_TRUE(test, zone_spans_pfn(zone, zone->compact_cached_migrate_pfn[0]));
	__free_page(page);
}

/* === Isolation on real folios === */

#define TEST_FOLIOS 16

/* Page-cache folios of a private shmem file: LRU and movable. */
struct lru_fixture {
	struct file *file;
	struct folio *folios[TEST_FOLIOS];
};

static int lru_fixture_init(struct kunit *test, struct lru_fixture *fx)
{
	int i;

	fx->file = shmem_file_setup("compaction_kunit", TEST_FOLIOS * PAGE_SIZE,
				    VM_NORESERVE);
	if (IS_ERR(fx->file))
		return PTR_ERR(fx->file);
	for (i = 0; i < TEST_FOLIOS; i++) {
		struct folio *folio = shmem_read_folio(fx->file->f_mapping, i);

		if (IS_ERR(folio))
			return PTR_ERR(folio);
		memset(folio_address(folio), 0x5a ^ i, PAGE_SIZE);
		folio_mark_dirty(folio);
		fx->folios[i] = folio;
	}
	/* Folios sit in per-cpu batches until drained onto the LRU. */
	lru_add_drain_all();
	return 0;
}

static void lru_fixture_exit(struct lru_fixture *fx)
{
	int i;

	for (i = 0; i < TEST_FOLIOS; i++)
		if (!IS_ERR_OR_NULL(fx->folios[i]))
			folio_put(fx->folios[i]);
	if (!IS_ERR_OR_NULL(fx->file))
		fput(fx->file);
}

/*
 * Set @fx up, or fail the case: TEST_FOLIOS pages of shmem at boot are
 * no limit of the machine, so not getting them is a failure, not a skip.
 */
static bool lru_fixture_ready(struct kunit *test, struct lru_fixture *fx)
{
	int err = lru_fixture_init(test, fx);

	if (!err)
		return true;
	lru_fixture_exit(fx);
	KUNIT_FAIL(test, "cannot create %d shmem folios: %d", TEST_FOLIOS, err);
	return false;
}

/*
 * NR_ISOLATED_* of every node, per-cpu deltas included: the plain readers
 * lag behind by up to the per-cpu threshold, far more than we isolate.
 */
static long isolated_pages(void)
{
	long sum = 0;
	int nid;

	for_each_online_node(nid)
		sum += node_isolated_exact(NODE_DATA(nid));
	return sum;
}

/*
 * The isolation throttle counts exactly before it makes anyone wait: a
 * page booked on a CPU and not folded into the node's counter yet is seen.
 * (The plain node_page_state() misses it until vmstat folds, which for a
 * node whose memory hot-remove offlined never happens.)
 */
static void isolated_count_includes_unfolded(struct kunit *test)
{
	pg_data_t *pgdat = NODE_DATA(first_memory_node);
	unsigned long before, after;

	before = node_isolated_exact(pgdat);
	mod_node_page_state(pgdat, NR_ISOLATED_ANON, 1);
	after = node_isolated_exact(pgdat);
	mod_node_page_state(pgdat, NR_ISOLATED_ANON, -1);
	/* Nothing else isolates pages while the boot-time tests run. */
	KUNIT_EXPECT_EQ(test, after, before + 1);
}

/* A contig-range style control for the zone holding @pfn. */
static void range_cc_init(struct compact_control *cc, unsigned long pfn)
{
	int order;

	memset(cc, 0, sizeof(*cc));
	INIT_LIST_HEAD(&cc->migratepages);
	for (order = 0; order < NR_PAGE_ORDERS; order++)
		INIT_LIST_HEAD(&cc->freepages[order]);
	cc->zone = page_zone(pfn_to_page(pfn));
	cc->mode = MIGRATE_SYNC;
	cc->ignore_skip_hint = true;
	cc->no_set_skip_hint = true;
	cc->alloc_contig = true;
	cc->order = -1;
	*(gfp_t *)&cc->gfp_mask = GFP_KERNEL;
}

/* Isolate the folio at @pfn through the range API; true if it came off. */
static bool isolate_one(struct kunit *test, struct compact_control *cc,
			unsigned long pfn)
{
	int err;

	range_cc_init(cc, pfn);
	err = isolate_migratepages_range(cc, pfn, pfn + 1);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, cc->migrate_pfn, pfn + 1);
	return cc->nr_migratepages > 0;
}

static void isolate_putback_keeps_counts(struct kunit *test)
{
	struct lru_fixture fx = {};
	struct compact_control cc;
	long before;
	int i, taken = 0;

	if (!lru_fixture_ready(test, &fx))
		return;
	before = isolated_pages();
	for (i = 0; i < TEST_FOLIOS; i++) {
		if (!isolate_one(test, &cc, folio_pfn(fx.folios[i])))
			continue;
		taken++;
		KUNIT_EXPECT_FALSE(test, folio_test_lru(fx.folios[i]));
		putback_movable_pages(&cc.migratepages);
		KUNIT_EXPECT_TRUE(test, list_empty(&cc.migratepages));
	}
	KUNIT_EXPECT_GT(test, taken, TEST_FOLIOS / 2);
	/* Nothing else isolates pages while the boot-time tests run. */
	KUNIT_EXPECT_EQ(test, isolated_pages(), before);
	lru_fixture_exit(&fx);
}

static struct folio *kunit_new_folio(struct folio *src, unsigned long private)
{
	return folio_alloc(GFP_HIGHUSER_MOVABLE, folio_order(src));
}

static void migration_preserves_contents(struct kunit *test)
{
	struct lru_fixture fx = {};
	struct compact_control cc;
	unsigned long old_pfn[TEST_FOLIOS];
	unsigned int nr_succeeded = 0;
	int i, moved = 0;
	long before = isolated_pages();

	if (!lru_fixture_ready(test, &fx))
		return;
	for (i = 0; i < TEST_FOLIOS; i++) {
		old_pfn[i] = folio_pfn(fx.folios[i]);
		/* The fixture's own reference would make migration fail. */
		folio_put(fx.folios[i]);
		fx.folios[i] = NULL;
		if (!isolate_one(test, &cc, old_pfn[i]))
			continue;
		migrate_pages(&cc.migratepages, kunit_new_folio, NULL, 0,
			      MIGRATE_SYNC, MR_CONTIG_RANGE, &nr_succeeded);
		putback_movable_pages(&cc.migratepages);
	}
	for (i = 0; i < TEST_FOLIOS; i++) {
		struct folio *folio = shmem_read_folio(fx.file->f_mapping, i);
		u8 *p;
		int b;

		KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
		fx.folios[i] = folio;
		moved += folio_pfn(folio) != old_pfn[i];
		p = folio_address(folio);
		for (b = 0; b < PAGE_SIZE; b++)
			if (p[b] != (0x5a ^ i))
				break;
		KUNIT_EXPECT_EQ_MSG(test, b, (int)PAGE_SIZE, "folio %d corrupted", i);
	}
	KUNIT_EXPECT_GT(test, moved, TEST_FOLIOS / 2);
	KUNIT_EXPECT_EQ(test, isolated_pages(), before);
	lru_fixture_exit(&fx);
}

/*
 * A dirty folio is refused when its mapping cannot migrate dirty folios
 * itself: migrate.c would write it out and map it again before moving the
 * page cache from under that mapping (src_clean_for_migration()).  Clean,
 * or with a ->migrate_folio, it is allowed.  The folio is in no page cache
 * and not on the LRU, so no scanner of the live machine looks at it.
 */
static const struct address_space_operations kunit_nomig_aops = { };
static const struct address_space_operations kunit_mig_aops = {
	.migrate_folio = migrate_folio,
};

static void dirty_folio_needs_migrate_folio(struct kunit *test)
{
	struct address_space *mapping;
	struct folio *folio;
	struct page *page;

	mapping = kunit_kzalloc(test, sizeof(*mapping), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mapping);
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	folio = page_folio(page);
	folio->mapping = mapping;

	mapping->a_ops = &kunit_nomig_aops;
	folio_set_dirty(folio);
	KUNIT_EXPECT_FALSE(test, folio_mapping_allows_migration(folio, false));
	mapping->a_ops = &kunit_mig_aops;
	KUNIT_EXPECT_TRUE(test, folio_mapping_allows_migration(folio, false));
	folio_clear_dirty(folio);
	mapping->a_ops = &kunit_nomig_aops;
	KUNIT_EXPECT_TRUE(test, folio_mapping_allows_migration(folio, false));
	/* The lock must have been dropped each time. */
	KUNIT_EXPECT_FALSE(test, folio_test_locked(folio));

	folio->mapping = NULL;
	__free_page(page);
}

/* === Free page isolation === */

/* Free pages counted on @cc's per-order lists. */
static unsigned long listed_free_pages(struct compact_control *cc)
{
	unsigned long n = 0;
	struct page *page;
	int o;

	for (o = 0; o < NR_PAGE_ORDERS; o++)
		list_for_each_entry(page, &cc->freepages[o], lru)
			n += 1UL << o;
	return n;
}

/*
 * Free a block of the largest order and isolate it again at once, with
 * NR_FREE_PAGES noted in between in @free0.  The freed block goes to the
 * head of its free list, so another CPU's next allocation may take a
 * piece of it first; a fresh block is tried then, and a block refused
 * every time fails the case: isolate_freepages_range() does not work.
 *
 * Return: what isolate_freepages_range() returned, with the block's first
 * PFN in @pfn, or 0 once the case has failed.
 */
static unsigned long isolate_fresh_max_block(struct kunit *test,
					     struct compact_control *cc,
					     unsigned long *pfn,
					     unsigned long *free0)
{
	unsigned long got;
	int i;

	for (i = 0; i < BLOCK_ATTEMPTS; i++) {
		struct page *page = alloc_block(test, GFP_KERNEL, MAX_PAGE_ORDER);
		struct zone *zone;

		if (!page)
			return 0;
		*pfn = page_to_pfn(page);
		zone = page_zone(page);
		__free_pages(page, MAX_PAGE_ORDER);
		drain_all_pages(zone);
		range_cc_init(cc, *pfn);
		*free0 = zone_page_state_snapshot(zone, NR_FREE_PAGES);
		got = isolate_freepages_range(cc, *pfn, *pfn + MAX_ORDER_NR_PAGES);
		if (got)
			return got;
	}
	KUNIT_FAIL(test, "isolate_freepages_range() refused %d freshly freed order-%d blocks",
		   BLOCK_ATTEMPTS, MAX_PAGE_ORDER);
	return 0;
}

/*
 * Isolating a free block of the largest order (which cannot merge any
 * further, so its size is known) yields exactly its pages on our lists,
 * and handing them back restores the zone's free count.  That count is
 * the zone's, which the rest of the booting machine moves too: the
 * initramfs unpacks (thousands of pages) alongside the KUnit cases.  An
 * attempt whose counts moved by more than the slack is therefore tried
 * again; a block that is not given back fails every attempt.
 */
static void isolate_free_block_yields_pages(struct kunit *test)
{
	const unsigned long nr = MAX_ORDER_NR_PAGES, slack = nr / 4;
	struct compact_control cc;
	unsigned long pfn = 0, got, free0 = 0, free1 = 0, free2 = 0;
	int attempt;

	for (attempt = 0; attempt < BLOCK_ATTEMPTS; attempt++) {
		got = isolate_fresh_max_block(test, &cc, &pfn, &free0);
		if (!got)
			return;
		free1 = zone_page_state_snapshot(cc.zone, NR_FREE_PAGES);
		KUNIT_EXPECT_EQ(test, got, pfn + nr);
		KUNIT_EXPECT_EQ(test, listed_free_pages(&cc), nr);
		return_free_targets(&cc);
		KUNIT_EXPECT_EQ(test, listed_free_pages(&cc), 0UL);
		/* Freed blocks may sit on per-cpu lists, which NR_FREE_PAGES omits. */
		drain_all_pages(cc.zone);
		free2 = zone_page_state_snapshot(cc.zone, NR_FREE_PAGES);
		if (free0 + slack >= free1 + nr && free2 + slack >= free0)
			return;
	}
	KUNIT_FAIL(test, "free %lu, isolated %lu, returned %lu: off by > %lu %d times",
		   free0, free1, free2, slack, BLOCK_ATTEMPTS);
}

/* A range that starts inside a used page is refused, and nothing leaks. */
static void isolate_free_range_is_strict(struct kunit *test)
{
	struct compact_control cc;
	struct page *page;
	unsigned long pfn;

	page = alloc_block(test, GFP_KERNEL, 1);
	if (!page)
		return;
	pfn = page_to_pfn(page);
	range_cc_init(&cc, pfn);
	KUNIT_EXPECT_EQ(test, isolate_freepages_range(&cc, pfn, pfn + 2), 0UL);
	KUNIT_EXPECT_EQ(test, listed_free_pages(&cc), 0UL);
	__free_pages(page, 1);
}

/* === CMA blocks as destinations === */

/*
 * The first pageblock of a CMA area that is free as one buddy page, taken
 * whole by alloc_contig_range() as single pages; NULL without one.
 */
static struct page *take_free_cma_block(void)
{
#ifdef CONFIG_CMA
	struct zone *zone;
	unsigned long pfn;

	for_each_populated_zone(zone) {
		if (!zone_cma_pages(zone))
			continue;
		for (pfn = pageblock_start_pfn(zone->zone_start_pfn);
		     pfn + pageblock_nr_pages <= zone_end_pfn(zone);
		     pfn += pageblock_nr_pages) {
			struct page *page = pfn_to_online_page(pfn);

			if (pfn < zone->zone_start_pfn || !page ||
			    !is_migrate_cma_page(page) || !PageBuddy(page) ||
			    buddy_order_unsafe(page) < pageblock_order)
				continue;
			if (!alloc_contig_range(pfn, pfn + pageblock_nr_pages,
						MIGRATE_CMA, GFP_KERNEL))
				return page;
		}
	}
#endif
	return NULL;
}

/*
 * How many free pages an order-3 direct compaction for @gfp stocks when
 * its free scanner starts at @block and may not go below it, with a batch
 * of sources waiting for targets.  They are handed back at once.
 */
static unsigned int cma_targets_stocked(struct page *block, gfp_t gfp,
					unsigned int alloc_flags)
{
	struct zone *zone = page_zone(block);
	unsigned long pfn = page_to_pfn(block);
	struct compact_control cc = direct_cc(zone, 3, gfp,
					      COMPACT_PRIO_SYNC_LIGHT,
					      alloc_flags, zone_idx(zone));
	unsigned int stocked;
	int order;

	INIT_LIST_HEAD(&cc.migratepages);
	for (order = 0; order < NR_PAGE_ORDERS; order++)
		INIT_LIST_HEAD(&cc.freepages[order]);
	/* The zone is live: leave its skip bits and cached positions alone. */
	cc.ignore_skip_hint = true;
	cc.no_set_skip_hint = true;
	cc.migrate_pfn = pfn - pageblock_nr_pages;
	cc.free_pfn = pfn;
	cc.nr_migratepages = COMPACT_CLUSTER_MAX;
	collect_free_targets(&cc, 0);
	stocked = cc.nr_freepages;
	return_free_targets(&cc);
	drain_all_pages(zone);
	return stocked;
}

/*
 * A CMA pageblock holding one free buddy of each order below a pageblock's
 * serves only movable allocations allowed into CMA.  For an unmovable
 * request (GFP_KERNEL) its free pages below a pageblock are destinations:
 * refusing those of the order being built would leave the free scanner
 * with scraps (7 pages here) and migration short of targets at every
 * priority.  A movable request that may use CMA keeps the rule and takes
 * only the 7 pages below order 3.
 */
static void cma_block_feeds_requests_that_cannot_use_cma(struct kunit *test)
{
	struct page *block = take_free_cma_block();
	unsigned int unmovable, movable;
	unsigned long i;

	if (!block)
		kunit_skip(test, "no free CMA pageblock (the boot has no cma=)");
	/* The first page stays ours, so the others merge up to order 8 only. */
	for (i = 1; i < pageblock_nr_pages; i++)
		__free_page(block + i);
	drain_all_pages(page_zone(block));

	unmovable = cma_targets_stocked(block, GFP_KERNEL, ALLOC_WMARK_MIN);
	movable = cma_targets_stocked(block, GFP_HIGHUSER_MOVABLE,
				      ALLOC_WMARK_MIN | ALLOC_CMA);
	KUNIT_EXPECT_GE_MSG(test, unmovable, COMPACT_CLUSTER_MAX,
			    "an unmovable request stocked only scraps of a CMA block");
	KUNIT_EXPECT_LE_MSG(test, movable, (1U << 3) - 1,
			    "a movable request broke up a CMA page it could use");
	__free_page(block);
	/* Off the per-cpu list, so that the block merges whole again. */
	drain_all_pages(page_zone(block));
}

/* === Negative paths === */

/* The largest populated zone: where a whole-zone run has most to do. */
static struct zone *largest_zone(void)
{
	struct zone *zone, *best = NULL;

	for_each_populated_zone(zone)
		if (!best || zone->present_pages > best->present_pages)
			best = zone;
	return best;
}

/*
 * What a SIGKILL leaves on a task, as fatal_signal_pending() sees it.  A
 * real kill cannot be aimed at the KUnit kthread: kthreads ignore
 * signals, and SIGKILL would end the case.
 */
static void pretend_fatal_signal(void)
{
	/* Our own sighand cannot go away under us. */
	struct sighand_struct *sighand = rcu_dereference_raw(current->sighand);

	spin_lock_irq(&sighand->siglock);
	sigaddset(&current->pending.signal, SIGKILL);
	set_tsk_thread_flag(current, TIF_SIGPENDING);
	spin_unlock_irq(&sighand->siglock);
}

/* A killed task's run ends at once, contended, with nothing held. */
static void fatal_signal_stops_run(struct kunit *test)
{
	struct compact_control cc = {
		.zone = largest_zone(),
		.order = -1,
		.mode = MIGRATE_SYNC,
		.whole_zone = true,
		.ignore_skip_hint = true,
		.gfp_mask = GFP_KERNEL,
	};
	enum compact_result ret;

	KUNIT_ASSERT_NOT_NULL(test, cc.zone);
	pretend_fatal_signal();
	KUNIT_ASSERT_TRUE(test, fatal_signal_pending(current));
	ret = compact_zone(&cc, NULL);
	flush_signals(current);

	KUNIT_EXPECT_EQ(test, ret, COMPACT_CONTENDED);
	KUNIT_EXPECT_EQ(test, cc.total_migrate_scanned, 0UL);
	KUNIT_EXPECT_TRUE(test, list_empty(&cc.migratepages));
	KUNIT_EXPECT_EQ(test, cc.nr_freepages, 0U);
}

/*
 * A pending reschedule hands the CPU over; it does not end an async run
 * (issue 23, finding 3: ending it there made faults next to a busy task
 * stall again).  A contended lock still does.
 */
static void async_run_survives_pending_reschedule(struct kunit *test)
{
	struct compact_control cc = { .mode = MIGRATE_ASYNC };

	set_tsk_need_resched(current);
	KUNIT_EXPECT_EQ(test, compact_should_yield(&cc), 0);
	KUNIT_EXPECT_FALSE(test, cc.contended);

	cc.contended = true;
	KUNIT_EXPECT_EQ(test, compact_should_yield(&cc), -EAGAIN);
}

static void free_hoard(struct list_head *hoard)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, hoard, lru) {
		list_del(&page->lru);
		__free_pages(page, pageblock_order);
	}
}

/*
 * Take every pageblock-sized block the DMA zone will hand out, so that it
 * has none an allocation could get and too little free memory to build
 * one (a block may stay free below the watermarks).
 */
static void hoard_dma_blocks(struct list_head *hoard)
{
	const gfp_t gfp = GFP_KERNEL | GFP_DMA | __GFP_NOWARN | __GFP_NORETRY;
	struct page *page;

	while ((page = alloc_pages(gfp, pageblock_order)))
		list_add(&page->lru, hoard);
}

/*
 * Hoard until the DMA zone @zone fails the order's watermark check.  The
 * failed allocations wake kswapd, which may have kcompactd build one more
 * block after the hoarding stopped, so it is repeated a few times; a zone
 * that still has a block it will not hand out is a failure.
 *
 * Return: true once the zone has no block left to give.
 */
static bool dma_zone_drained(struct kunit *test, struct zone *zone,
			     struct list_head *hoard)
{
	int i;

	for (i = 0; i < BLOCK_ATTEMPTS; i++) {
		hoard_dma_blocks(hoard);
		if (!zone_watermark_ok(zone, pageblock_order, min_wmark_pages(zone),
				       ZONE_DMA, ALLOC_WMARK_MIN))
			return true;
	}
	KUNIT_FAIL(test, "the DMA zone passes the order-%u watermark but refuses the allocation",
		   pageblock_order);
	return false;
}

/*
 * A zone where the order cannot be built (too little free memory, and
 * with vm.extfrag_threshold at 1000 fragmentation never explains a
 * failure) is not compacted at all: COMPACT_SKIPPED, nothing scanned.
 */
static void unsuitable_zone_is_skipped(struct kunit *test)
{
	int saved = sysctl_extfrag_threshold;
	struct compact_control cc = {
		.order = pageblock_order,
		.mode = MIGRATE_ASYNC,
		.direct_compaction = true,
		.gfp_mask = GFP_KERNEL | GFP_DMA,
		.alloc_flags = ALLOC_WMARK_MIN,
		.highest_zoneidx = ZONE_DMA,
	};
	struct zone *zone;
	enum compact_result ret;
	bool suitable;
	LIST_HEAD(hoard);

	for_each_populated_zone(zone)
		if (zone_idx(zone) == ZONE_DMA)
			cc.zone = zone;
	/* A kernel without ZONE_DMA, or a machine with no memory below 16M. */
	if (!cc.zone)
		kunit_skip(test, "no DMA zone");

	if (!dma_zone_drained(test, cc.zone, &hoard)) {
		free_hoard(&hoard);
		return;
	}
	sysctl_extfrag_threshold = 1000;
	suitable = compaction_suitable(cc.zone, pageblock_order, ZONE_DMA);
	ret = compact_zone(&cc, NULL);
	sysctl_extfrag_threshold = saved;
	free_hoard(&hoard);

	KUNIT_EXPECT_FALSE(test, suitable);
	KUNIT_EXPECT_EQ(test, ret, COMPACT_SKIPPED);
	KUNIT_EXPECT_EQ(test, cc.total_migrate_scanned, 0UL);
	KUNIT_EXPECT_EQ(test, cc.total_free_scanned, 0UL);
}

/* === Capture === */

/*
 * KUnit cases run in kthreads, and the page free path never captures for
 * a kthread (task_capc() in page_alloc.c), so these check our half of the
 * contract; the kselftest sees real captures in the debugfs zones file.
 */
struct direct_cc_case {
	const char *name;
	gfp_t gfp;
	enum compact_priority prio;
	int migratetype;
	enum migrate_mode mode;
	bool whole_zone;
	int source_density;	/* at order 9; below a pageblock always any */
};

static const struct direct_cc_case direct_cc_cases[] = {
	{ "thp async", GFP_TRANSHUGE_LIGHT, COMPACT_PRIO_ASYNC,
	  MIGRATE_MOVABLE, MIGRATE_ASYNC, false, SOURCES_SPARSE },
	{ "user sync_light", GFP_HIGHUSER_MOVABLE, COMPACT_PRIO_SYNC_LIGHT,
	  MIGRATE_MOVABLE, MIGRATE_SYNC_LIGHT, false, SOURCES_ANY },
	{ "kernel sync_full", GFP_KERNEL, COMPACT_PRIO_SYNC_FULL,
	  MIGRATE_UNMOVABLE, MIGRATE_SYNC_LIGHT, true, SOURCES_ANY },
	{ "reclaimable", GFP_KERNEL | __GFP_RECLAIMABLE, COMPACT_PRIO_SYNC_LIGHT,
	  MIGRATE_RECLAIMABLE, MIGRATE_SYNC_LIGHT, false, SOURCES_ANY },
};

static void direct_cc_case_desc(const struct direct_cc_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->name);
}

KUNIT_ARRAY_PARAM(direct_cc, direct_cc_cases, direct_cc_case_desc);

/*
 * compaction_capture() compares zone, order and migratetype of the freed
 * page with the published control, and may do so from an interrupt before
 * compact_zone() has run a line: all three must be right from the start.
 */
static void direct_cc_ready_for_capture(struct kunit *test)
{
	const struct direct_cc_case *c = test->param_value;
	struct zone *zone = fake_zone(test, 0, pageblock_nr_pages);
	struct compact_control cc = direct_cc(zone, 9, c->gfp, c->prio,
					      ALLOC_WMARK_MIN, 2);
	KUNIT_EXPECT_PTR_EQ(test, cc.zone, zone);
	KUNIT_EXPECT_EQ(test, cc.order, 9);
	KUNIT_EXPECT_EQ(test, cc.migratetype, c->migratetype);
	KUNIT_EXPECT_TRUE(test, cc.direct_compaction);
	KUNIT_EXPECT_FALSE(test, cc.proactive_compaction);
	KUNIT_EXPECT_EQ(test, cc.mode, c->mode);
	KUNIT_EXPECT_EQ(test, cc.whole_zone, c->whole_zone);
	KUNIT_EXPECT_EQ(test, cc.ignore_skip_hint, c->whole_zone);
	KUNIT_EXPECT_EQ(test, cc.highest_zoneidx, 2);
	KUNIT_EXPECT_EQ(test, cc.nr_migratepages, 0U);
	KUNIT_EXPECT_EQ(test, cc.source_density, c->source_density);
	KUNIT_EXPECT_EQ(test, direct_source_density(3, c->prio), SOURCES_ANY);
}

/* Published for exactly as long as compaction runs; retracting collects. */
static void capture_retract_collects_page(struct kunit *test)
{
	struct compact_control cc = { .order = 3 };
	struct capture_control capc = { .cc = &cc };
	struct page *page;

	KUNIT_ASSERT_NULL(test, current->capture_control);
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	capture_publish(&capc);
	KUNIT_EXPECT_PTR_EQ(test, current->capture_control, &capc);
	KUNIT_EXPECT_NULL(test, capture_retract(&capc));
	KUNIT_EXPECT_NULL(test, current->capture_control);

	capture_publish(&capc);
	WRITE_ONCE(capc.page, page);	/* as __free_one_page() would */
	KUNIT_EXPECT_PTR_EQ(test, capture_retract(&capc), page);
	KUNIT_EXPECT_NULL(test, current->capture_control);
	__free_page(page);
}

/*
 * Once a page is captured the task has what it came for: the run ends at
 * the next finish check, successfully, before scanning anything more.  A
 * whole-zone run is used because nothing else would end it early.
 */
static void captured_page_ends_run(struct kunit *test)
{
	struct compact_control cc = {
		.zone = largest_zone(),
		.order = -1,
		.mode = MIGRATE_SYNC_LIGHT,
		.whole_zone = true,
		.gfp_mask = GFP_KERNEL,
	};
	struct capture_control capc = { .cc = &cc };
	enum compact_result ret;

	KUNIT_ASSERT_NOT_NULL(test, cc.zone);
	/* Any page will do: a captured page is only handed on, never used. */
	capc.page = ZERO_PAGE(0);
	ret = compact_zone(&cc, &capc);

	KUNIT_EXPECT_EQ(test, ret, COMPACT_SUCCESS);
	KUNIT_EXPECT_EQ(test, cc.total_migrate_scanned, 0UL);
	KUNIT_EXPECT_EQ(test, cc.total_free_scanned, 0UL);
	KUNIT_EXPECT_TRUE(test, list_empty(&cc.migratepages));
	KUNIT_EXPECT_EQ(test, cc.nr_freepages, 0U);
}

static struct kunit_case compaction_test_cases[] = {
	KUNIT_CASE(defer_shift_saturates),
	KUNIT_CASE(defer_skips_exact_count),
	KUNIT_CASE(defer_reset_clears_up_to_order),
	KUNIT_CASE(restarting_after_full_backoff),
	KUNIT_CASE_PARAM(proactive_wmarks_follow_sysctl, proactive_wmarks_gen_params),
	KUNIT_CASE(frag_score_weighting),
	KUNIT_CASE(node_frag_score_in_range),
	KUNIT_CASE(free_floor_by_order),
	KUNIT_CASE(extfrag_cheap_orders_always_compact),
	KUNIT_CASE(extfrag_threshold_ends),
	KUNIT_CASE(extfrag_threshold_monotonic),
	KUNIT_CASE(extfrag_threshold_on_live_zones),
	KUNIT_CASE(suitable_when_order_is_free),
	KUNIT_CASE(block_bounds_clamped_to_zone),
	KUNIT_CASE(scanner_past_shrunk_zone_ends_run),
	KUNIT_CASE(free_scanner_above_shrunk_zone_passes),
	KUNIT_CASE(huge_folio_block_is_no_target),
	KUNIT_CASE(block_inside_free_buddy_is_passed),
	KUNIT_CASE(sparse_and_dense_passes_split_blocks),
	KUNIT_CASE(sparse_pass_fell_short_only_when_complete),
	KUNIT_CASE(cached_positions_inside_zone),
	KUNIT_CASE(skip_bits_flushed_on_request),
	KUNIT_CASE(isolated_count_includes_unfolded),
	KUNIT_CASE(isolate_putback_keeps_counts),
	KUNIT_CASE(migration_preserves_contents),
	KUNIT_CASE(dirty_folio_needs_migrate_folio),
	KUNIT_CASE(isolate_free_block_yields_pages),
	KUNIT_CASE(isolate_free_range_is_strict),
	KUNIT_CASE(cma_block_feeds_requests_that_cannot_use_cma),
	KUNIT_CASE(fatal_signal_stops_run),
	KUNIT_CASE(async_run_survives_pending_reschedule),
	KUNIT_CASE(unsuitable_zone_is_skipped),
	KUNIT_CASE_PARAM(direct_cc_ready_for_capture, direct_cc_gen_params),
	KUNIT_CASE(capture_retract_collects_page),
	KUNIT_CASE(captured_page_ends_run),
	{}
};

static struct kunit_suite compaction_test_suite = {
	.name = "compaction",
	.test_cases = compaction_test_cases,
};

kunit_test_suite(compaction_test_suite);
