/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the memory compaction engine (mm/compaction.c).
 *
 * The event names, fields and output formats are user ABI shared with
 * existing tools; only the way they are declared here is local.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM compaction

#if !defined(_TRACE_COMPACTION_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_COMPACTION_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/tracepoint.h>
#include <trace/events/mmflags.h>

/*
 * Shorthands for events that share a class.  They expand to DEFINE_EVENT()
 * at the point of use, so they follow whatever DEFINE_EVENT() means during
 * each pass of <trace/define_trace.h>.
 */
#define COMPACTION_SCAN_EVENT(name)					\
	DEFINE_EVENT(mm_compaction_isolate_template, name,		\
		TP_PROTO(unsigned long start_pfn, unsigned long end_pfn, \
			 unsigned long nr_scanned, unsigned long nr_taken), \
		TP_ARGS(start_pfn, end_pfn, nr_scanned, nr_taken))

#define COMPACTION_ZONE_EVENT(name)					\
	DEFINE_EVENT(mm_compaction_suitable_template, name,		\
		TP_PROTO(struct zone *zone, int order, int ret),	\
		TP_ARGS(zone, order, ret))

#define COMPACTION_DEFER_EVENT(name)					\
	DEFINE_EVENT(mm_compaction_defer_template, name,		\
		TP_PROTO(struct zone *zone, int order),			\
		TP_ARGS(zone, order))

#define COMPACTION_KCOMPACTD_EVENT(name)				\
	DEFINE_EVENT(kcompactd_wake_template, name,			\
		TP_PROTO(int nid, int order, enum zone_type highest_zoneidx), \
		TP_ARGS(nid, order, highest_zoneidx))

/* One scanner pass over a PFN range: how much was looked at and taken. */
DECLARE_EVENT_CLASS(mm_compaction_isolate_template,
		    TP_PROTO(unsigned long start_pfn, unsigned long end_pfn,
			     unsigned long nr_scanned, unsigned long nr_taken),
		    TP_ARGS(start_pfn, end_pfn, nr_scanned, nr_taken),
		    TP_STRUCT__entry(__field(unsigned long, start_pfn)
				     __field(unsigned long, end_pfn)
				     __field(unsigned long, nr_scanned)
				     __field(unsigned long, nr_taken)),
		    TP_fast_assign(__entry->start_pfn	= start_pfn;
				   __entry->end_pfn	= end_pfn;
				   __entry->nr_scanned	= nr_scanned;
				   __entry->nr_taken	= nr_taken;),
		    TP_printk("range=(0x%lx ~ 0x%lx) nr_scanned=%lu nr_taken=%lu",
			      __entry->start_pfn, __entry->end_pfn,
			      __entry->nr_scanned, __entry->nr_taken)
);

COMPACTION_SCAN_EVENT(mm_compaction_isolate_migratepages);
COMPACTION_SCAN_EVENT(mm_compaction_isolate_freepages);
COMPACTION_SCAN_EVENT(mm_compaction_fast_isolate_freepages);

#ifdef CONFIG_COMPACTION

/* Result of one migrate_pages() batch. */
TRACE_EVENT(mm_compaction_migratepages,
	    TP_PROTO(unsigned int nr_migratepages, unsigned int nr_succeeded),
	    TP_ARGS(nr_migratepages, nr_succeeded),
	    TP_STRUCT__entry(__field(unsigned long, nr_migrated)
			     __field(unsigned long, nr_failed)),
	    TP_fast_assign(__entry->nr_migrated	= nr_succeeded;
			   __entry->nr_failed	= nr_migratepages - nr_succeeded;),
	    TP_printk("nr_migrated=%lu nr_failed=%lu",
		      __entry->nr_migrated, __entry->nr_failed)
);

/* A zone run starts: zone span and where the two scanners begin. */
TRACE_EVENT(mm_compaction_begin,
	    TP_PROTO(struct compact_control *cc, unsigned long zone_start,
		     unsigned long zone_end, bool sync),
	    TP_ARGS(cc, zone_start, zone_end, sync),
	    TP_STRUCT__entry(__field(unsigned long, zone_start)
			     __field(unsigned long, migrate_pfn)
			     __field(unsigned long, free_pfn)
			     __field(unsigned long, zone_end)
			     __field(bool, sync)),
	    TP_fast_assign(__entry->zone_start	= zone_start;
			   __entry->migrate_pfn	= cc->migrate_pfn;
			   __entry->free_pfn	= cc->free_pfn;
			   __entry->zone_end	= zone_end;
			   __entry->sync		= sync;),
	    TP_printk("zone_start=0x%lx migrate_pfn=0x%lx free_pfn=0x%lx zone_end=0x%lx, mode=%s",
		      __entry->zone_start, __entry->migrate_pfn,
		      __entry->free_pfn, __entry->zone_end,
		      __entry->sync ? "sync" : "async")
);

/* A zone run ends: where the scanners stopped and why. */
TRACE_EVENT(mm_compaction_end,
	    TP_PROTO(struct compact_control *cc, unsigned long zone_start,
		     unsigned long zone_end, bool sync, int status),
	    TP_ARGS(cc, zone_start, zone_end, sync, status),
	    TP_STRUCT__entry(__field(unsigned long, zone_start)
			     __field(unsigned long, migrate_pfn)
			     __field(unsigned long, free_pfn)
			     __field(unsigned long, zone_end)
			     __field(bool, sync)
			     __field(int, status)),
	    TP_fast_assign(__entry->zone_start	= zone_start;
			   __entry->migrate_pfn	= cc->migrate_pfn;
			   __entry->free_pfn	= cc->free_pfn;
			   __entry->zone_end	= zone_end;
			   __entry->sync		= sync;
			   __entry->status		= status;),
	    TP_printk("zone_start=0x%lx migrate_pfn=0x%lx free_pfn=0x%lx zone_end=0x%lx, mode=%s status=%s",
		      __entry->zone_start, __entry->migrate_pfn,
		      __entry->free_pfn, __entry->zone_end,
		      __entry->sync ? "sync" : "async",
		      __print_symbolic(__entry->status, COMPACTION_STATUS))
);

/* Direct compaction entry from the page allocator. */
TRACE_EVENT(mm_compaction_try_to_compact_pages,
	    TP_PROTO(int order, gfp_t gfp_mask, int prio),
	    TP_ARGS(order, gfp_mask, prio),
	    TP_STRUCT__entry(__field(int, order)
			     __field(unsigned long, gfp_mask)
			     __field(int, prio)),
	    TP_fast_assign(__entry->order		= order;
			   __entry->gfp_mask	= (__force unsigned long)gfp_mask;
			   __entry->prio		= prio;),
	    TP_printk("order=%d gfp_mask=%s priority=%d",
		      __entry->order, show_gfp_flags(__entry->gfp_mask),
		      __entry->prio)
);

/* A verdict about one zone and order. */
DECLARE_EVENT_CLASS(mm_compaction_suitable_template,
		    TP_PROTO(struct zone *zone, int order, int ret),
		    TP_ARGS(zone, order, ret),
		    TP_STRUCT__entry(__field(int, nid)
				     __field(enum zone_type, idx)
				     __field(int, order)
				     __field(int, ret)),
		    TP_fast_assign(__entry->nid	= zone_to_nid(zone);
				   __entry->idx	= zone_idx(zone);
				   __entry->order	= order;
				   __entry->ret	= ret;),
		    TP_printk("node=%d zone=%-8s order=%d ret=%s",
			      __entry->nid, __print_symbolic(__entry->idx, ZONE_TYPE),
			      __entry->order,
			      __print_symbolic(__entry->ret, COMPACTION_STATUS))
);

COMPACTION_ZONE_EVENT(mm_compaction_finished);
COMPACTION_ZONE_EVENT(mm_compaction_suitable);

/* Snapshot of a zone's deferral state. */
DECLARE_EVENT_CLASS(mm_compaction_defer_template,
		    TP_PROTO(struct zone *zone, int order),
		    TP_ARGS(zone, order),
		    TP_STRUCT__entry(__field(int, nid)
				     __field(enum zone_type, idx)
				     __field(int, order)
				     __field(unsigned int, considered)
				     __field(unsigned int, defer_shift)
				     __field(int, order_failed)),
		    TP_fast_assign(__entry->nid		= zone_to_nid(zone);
				   __entry->idx		= zone_idx(zone);
				   __entry->order		= order;
				   __entry->considered	= zone->compact_considered;
				   __entry->defer_shift	= zone->compact_defer_shift;
				   __entry->order_failed	= zone->compact_order_failed;),
		    TP_printk("node=%d zone=%-8s order=%d order_failed=%d consider=%u limit=%lu",
			      __entry->nid, __print_symbolic(__entry->idx, ZONE_TYPE),
			      __entry->order, __entry->order_failed,
			      __entry->considered, 1UL << __entry->defer_shift)
);

COMPACTION_DEFER_EVENT(mm_compaction_deferred);
COMPACTION_DEFER_EVENT(mm_compaction_defer_compaction);
COMPACTION_DEFER_EVENT(mm_compaction_defer_reset);

/* kcompactd goes to sleep. */
TRACE_EVENT(mm_compaction_kcompactd_sleep,
	    TP_PROTO(int nid),
	    TP_ARGS(nid),
	    TP_STRUCT__entry(__field(int, nid)),
	    TP_fast_assign(__entry->nid = nid;),
	    TP_printk("nid=%d", __entry->nid)
);

/*
 * kcompactd is woken up / starts working.  "classzone_idx" is the historic
 * name of highest_zoneidx and stays for the sake of existing parsers.
 */
DECLARE_EVENT_CLASS(kcompactd_wake_template,
		    TP_PROTO(int nid, int order, enum zone_type highest_zoneidx),
		    TP_ARGS(nid, order, highest_zoneidx),
		    TP_STRUCT__entry(__field(int, nid)
				     __field(int, order)
				     __field(enum zone_type, highest_zoneidx)),
		    TP_fast_assign(__entry->nid		 = nid;
				   __entry->order		 = order;
				   __entry->highest_zoneidx = highest_zoneidx;),
		    TP_printk("nid=%d order=%d classzone_idx=%-8s",
			      __entry->nid, __entry->order,
			      __print_symbolic(__entry->highest_zoneidx, ZONE_TYPE))
);

COMPACTION_KCOMPACTD_EVENT(mm_compaction_wakeup_kcompactd);
COMPACTION_KCOMPACTD_EVENT(mm_compaction_kcompactd_wake);

#endif /* CONFIG_COMPACTION */

#endif /* _TRACE_COMPACTION_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
