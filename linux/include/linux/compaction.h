/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory compaction: interface between the compaction engine
 * (mm/compaction.c) and the page allocator, reclaim, memory hotplug and
 * the node sysfs code.
 */
#ifndef _LINUX_COMPACTION_H
#define _LINUX_COMPACTION_H

/*
 * enum compact_priority - how much effort direct compaction may spend
 *
 * Smaller numbers mean more effort, mirroring reclaim priorities.  The page
 * allocator starts at INIT_COMPACT_PRIORITY and escalates towards
 * MIN_COMPACT_PRIORITY while retrying.
 *
 * COMPACT_PRIO_SYNC_FULL:	sync-light migration over the whole zone,
 *				ignoring skip hints, deferral and block types
 * COMPACT_PRIO_SYNC_LIGHT:	sync-light migration, honouring the hints
 * COMPACT_PRIO_ASYNC:		async migration; back off on contention
 */
enum compact_priority {
	COMPACT_PRIO_SYNC_FULL,
	MIN_COMPACT_PRIORITY = COMPACT_PRIO_SYNC_FULL,
	COMPACT_PRIO_SYNC_LIGHT,
	MIN_COMPACT_COSTLY_PRIORITY = COMPACT_PRIO_SYNC_LIGHT,
	DEF_COMPACT_PRIORITY = COMPACT_PRIO_SYNC_LIGHT,
	COMPACT_PRIO_ASYNC,
	INIT_COMPACT_PRIORITY = COMPACT_PRIO_ASYNC
};

/*
 * enum compact_result - outcome of compacting a zone or a zonelist
 *
 * The values are ordered: callers combine per-zone results with max(), so a
 * later entry means "more progress".  Keep COMPACTION_STATUS in
 * include/trace/events/mmflags.h in sync when adding entries.
 */
enum compact_result {
	/* Trace-only detail: the zone is not worth compacting. */
	COMPACT_NOT_SUITABLE_ZONE,
	/* Not started: too little free memory, reclaim should run first. */
	COMPACT_SKIPPED,
	/* Not started: earlier failures deferred this zone. */
	COMPACT_DEFERRED,
	/* Trace-only detail: no page of the wanted order is free yet. */
	COMPACT_NO_SUITABLE_PAGE,
	/* The run should go on with the next pageblock. */
	COMPACT_CONTINUE,
	/* The whole zone was scanned without making the order available. */
	COMPACT_COMPLETE,
	/* Part of the zone was scanned without making the order available. */
	COMPACT_PARTIAL_SKIPPED,
	/* Stopped early: lock contention, rescheduling or a fatal signal. */
	COMPACT_CONTENDED,
	/* The requested allocation is now expected to succeed. */
	COMPACT_SUCCESS,
};

struct alloc_context; /* in mm/internal.h */

/**
 * compact_gap - free pages compaction wants on top of the watermark
 * @order: order of the allocation compaction works for
 *
 * The free scanner may hold up to 1 << @order isolated pages while it still
 * needs room to split one more page, so twice the allocation size leaves
 * compaction enough migration targets.  Reclaim uses the same figure to know
 * when it freed enough for compaction to be worth trying.
 *
 * Return: number of order-0 pages.
 */
static inline unsigned long compact_gap(unsigned int order)
{
	return 2UL << order;
}

/* True while running in a kcompactd thread (PF_KCOMPACTD). */
static inline int current_is_kcompactd(void)
{
	return current->flags & PF_KCOMPACTD;
}

#ifdef CONFIG_COMPACTION

/* Defined in mm/vmstat.c. */
unsigned int extfrag_for_order(struct zone *zone, unsigned int order);
int fragmentation_index(struct zone *zone, unsigned int order);

enum compact_result try_to_compact_pages(gfp_t gfp_mask, unsigned int order,
					 unsigned int alloc_flags,
					 const struct alloc_context *ac,
					 enum compact_priority prio,
					 struct page **page);
void reset_isolation_suitable(pg_data_t *pgdat);
bool compaction_suitable(struct zone *zone, int order, int highest_zoneidx);
void compaction_defer_reset(struct zone *zone, int order, bool alloc_success);
bool compaction_zonelist_suitable(struct alloc_context *ac, int order,
				  int alloc_flags);

void __meminit kcompactd_run(int nid);
void __meminit kcompactd_stop(int nid);
void wakeup_kcompactd(pg_data_t *pgdat, int order, int highest_zoneidx);

#else /* !CONFIG_COMPACTION */

static inline void reset_isolation_suitable(pg_data_t *pgdat)
{
}

static inline bool compaction_suitable(struct zone *zone, int order,
				       int highest_zoneidx)
{
	return false;
}

static inline void kcompactd_run(int nid)
{
}

static inline void kcompactd_stop(int nid)
{
}

static inline void wakeup_kcompactd(pg_data_t *pgdat, int order,
				    int highest_zoneidx)
{
}

#endif /* CONFIG_COMPACTION */

struct node;
#if defined(CONFIG_COMPACTION) && defined(CONFIG_SYSFS) && defined(CONFIG_NUMA)
int compaction_register_node(struct node *node);
void compaction_unregister_node(struct node *node);
#else
static inline int compaction_register_node(struct node *node)
{
	return 0;
}

static inline void compaction_unregister_node(struct node *node)
{
}
#endif /* CONFIG_COMPACTION && CONFIG_SYSFS && CONFIG_NUMA */

#endif /* _LINUX_COMPACTION_H */
