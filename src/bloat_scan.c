/*-------------------------------------------------------------------------
 *
 * bloat_scan.c
 *		Bloat of one heap or btree relation, measured by reading a
 *		position-stratified sample of its pages (or every page): which
 *		pages are read, and the estimates and their intervals made from
 *		what they showed (bloat_pages.c reads each page).
 *
 * What a rewrite would give back is estimated by replaying the rewrite's
 * page filling (bloat_model.c) over the live tuples of the sample: VACUUM
 * FULL's for tables and TOAST tables, the btree build's for indexes.  What
 * counts as waste, dead and live is said in bloat_pages.c.
 *
 * Sampling: the pages are cut into n equal slices, one random page read from
 * each (bloat clusters by position, and one page per slice follows it where
 * simple random sampling would not).  While the 95% interval of either
 * estimate is wider than pg_capacity.bloat_target_error_pct, n doubles,
 * each slice split in two, up to pg_capacity.bloat_max_sample_pages.  The
 * interval is the successive-difference variance of the slice totals.
 *
 * The relation is locked by the caller (bloat_sql.c); everything allocated
 * here lives in a memory context of the measurement, deleted on return.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/nbtree.h"
#include "access/tupdesc.h"
#include "access/visibilitymap.h"
#include "access/xlog.h"
#include "catalog/pg_class_d.h"
#include "catalog/pg_index.h"
#include "catalog/pg_operator_d.h"
#include "catalog/pg_type_d.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"

#include "bloat_model.h"
#include "bloat_pages.h"
#include "bloat_scan.h"
#include "compat.h"
#include CAP_TUPLESORT_H
#include "settings.h"

/* Slices of the first round; doubled until the estimates are tight enough. */
#define BLOAT_FIRST_SLICES	32

typedef struct KeyedItem
{
	uint64		key;
	int			size;
} KeyedItem;

static int
keyed_item_cmp(const void *a, const void *b)
{
	uint64		ka = ((const KeyedItem *) a)->key;
	uint64		kb = ((const KeyedItem *) b)->key;

	return (ka > kb) - (ka < kb);
}

/* n slices over [first_block, nblocks), each with a random block to read */
static BloatSlice *
make_slices(BloatScan *s, int n)
{
	uint64_t	M = s->nblocks - s->first_block;
	BloatSlice *sl = palloc0(sizeof(BloatSlice) * n);
	int			j;

	for (j = 0; j < n; j++)
	{
		sl[j].lo = s->first_block + cap_stratum_start(M, n, j);
		sl[j].hi = s->first_block + cap_stratum_start(M, n, j + 1);
		sl[j].blk = sl[j].lo + cap_random_below(&s->prng, sl[j].hi - sl[j].lo);
	}
	return sl;
}

/* Split every slice in two; the old page stays in the half it lies in. */
static BloatSlice *
split_slices(BloatScan *s, BloatSlice *old, int n)
{
	uint64_t	M = s->nblocks - s->first_block;
	BloatSlice *sl = palloc0(sizeof(BloatSlice) * 2 * n);
	int			j;

	for (j = 0; j < 2 * n; j++)
	{
		BloatSlice *parent = &old[j / 2];
		BlockNumber lo = s->first_block + cap_stratum_start(M, 2 * n, j);
		BlockNumber hi = s->first_block + cap_stratum_start(M, 2 * n, j + 1);

		if (parent->blk >= lo && parent->blk < hi)
			sl[j] = *parent;
		else
			sl[j].blk = lo + cap_random_below(&s->prng, hi - lo);
		sl[j].lo = lo;
		sl[j].hi = hi;
	}
	return sl;
}

/* The replay of the relation's rewrite: VACUUM FULL's, or the btree build's */
static void
init_packer(BloatScan *s, CapPacker *packer)
{
	if (s->is_btree)
		cap_packer_init_btree(packer, BTGetFillFactor(s->rel));
	else
		cap_packer_init_heap(packer, RelationGetFillFactor(s->rel, HEAP_DEFAULT_FILLFACTOR));
}

/*
 * The rebuilt size from the pages the replay filled, and the replay's own
 * error added to r->rebuilt_hw (which holds the sampling error so far).
 */
static void
finish_rebuilt(BloatScan *s, BloatResult *r, double pages)
{
	if (s->is_btree)
	{
		/* metapage, leaves and the levels above them */
		double		pivot = s->keys > 0 ? s->key_bytes / s->keys : 16;

		r->rebuilt_size = (1 + pages + cap_btree_upper_pages(pages, pivot)) * BLCKSZ;
	}
	else
		r->rebuilt_size = pages * BLCKSZ;

	/*
	 * The replay's own error joins the sampling error: the heap replay is
	 * the rewrite's rule exactly, up to the last page; the btree replay
	 * leaves out the high keys' suffix truncation and approximates the
	 * upper levels.
	 */
	{
		double		model = s->is_btree ? BLCKSZ + 0.01 * r->rebuilt_size
			: BLCKSZ + 0.002 * r->rebuilt_size;

		/* every tuple of a table replayed in its own order: the rewrite itself */
		if (r->exact && !s->is_btree && !s->is_toast)
			model = 0;

		/*
		 * A sample of a TOAST table cannot see which values follow which in
		 * the parent, and the order decides how well chunks fill pages:
		 * measured up to 2.5% of the rebuilt size on the test fixture.
		 */
		if (s->is_toast && !r->exact)
			model += 0.02 * r->rebuilt_size;

		r->rebuilt_hw = sqrt(r->rebuilt_hw * r->rebuilt_hw + model * model);
	}
}

static void
estimate(BloatScan *s, BloatSlice *sl, int n, BloatResult *r)
{
	double		M = s->nblocks - s->first_block;
	double	   *W = palloc(sizeof(double) * Max(n, 1));
	double	   *Y = palloc(sizeof(double) * Max(n, 1));
	double	   *L = palloc(sizeof(double) * Max(n, 1));
	double		rebuilt = 0;
	double		pages;
	double		per_page;
	CapPacker	packer;
	int			j;

	init_packer(s, &packer);

	/*
	 * Difference estimators with the FSM as auxiliary variable a (known for
	 * every page): total = sum of a over all pages + sum over slices of
	 * w * (observed - a).  Unbiased whatever the FSM says; where the FSM is
	 * right (a vacuumed table) the differences are small and so is the
	 * interval.  For the rebuilt bytes the auxiliary is the used space,
	 * page - a.  Without an FSM a = 0 and these are the plain stratified
	 * estimators.
	 */
	/*
	 * Heap share mode: the live share is the heap's live tuples over the
	 * index's TIDs (estimated as below: post-stratified on internal pages);
	 * each kept run then holds that share of its TIDs, rounded at random,
	 * and is replayed as the build would store it (a key's lone live TID is
	 * a plain item, not a posting list: the share cannot simply scale bytes).
	 */
	if (s->use_heap_share)
	{
		double		tids = 0;
		int			no = 0;

		for (j = 0; j < n; j++)
			if (!sl[j].internal)
			{
				tids += sl[j].tids;
				no++;
			}
		tids = no > 0 ? tids * Max(M - s->internal_pages, 1) / no : 0;
		s->share = tids > 0 ? Min(1.0, s->heap_live / tids) : 1.0;
		s->key_bytes = s->keys = 0;
		s->npack = 0;
		for (j = 0; j < n; j++)
		{
			int			i;

			sl[j].rebuilt = 0;
			sl[j].first_item = s->nitems;
			sl[j].nitems = 0;
			for (i = 0; i < sl[j].nruns; i++)
			{
				BloatRun   *run = &s->runs[sl[j].first_run + i];

				cap_bloat_emit_run(s, &sl[j], run->keysize, run->tids * s->share,
								   run->total * s->share, run->ends);
			}
		}
	}

	r->size = (double) s->nblocks * BLCKSZ;
	r->waste = s->fsm_total;
	rebuilt = s->use_fsm ? M * (BLCKSZ - SizeOfPageHeaderData) - s->fsm_total : 0;
	r->dead = 0;
	r->live = 0;
	for (j = 0; j < n; j++)
	{
		double		w = sl[j].hi - sl[j].lo;
		double		used = s->use_fsm ? (BLCKSZ - SizeOfPageHeaderData) - sl[j].fsm : 0;
		int			i;

		L[j] = w * (s->is_btree ? sl[j].tids : sl[j].live);
		r->live += L[j];

		W[j] = w * (sl[j].waste - sl[j].fsm);
		Y[j] = w * (sl[j].rebuilt - used);
		r->waste += W[j];
		r->dead += w * sl[j].dead;
		rebuilt += Y[j];
		if (!s->is_toast && s->npack == 0)
			for (i = 0; i < sl[j].nitems; i++)
				cap_packer_add_posting(&packer, s->items[sl[j].first_item + i],
									   s->item_extras ? s->item_extras[sl[j].first_item + i] : 0);
	}
	/* deduplicated btrees: the page filling of whole keys (bloat_pages.c) */
	for (j = 0; j < s->npack; j++)
		cap_packer_add_posting(&packer, s->pack_items[j], s->pack_extras[j]);
	if (s->is_toast)
	{
		/* replay the chunks in chunk_id order, as the parent's rewrite saves them */
		KeyedItem  *k = palloc(sizeof(KeyedItem) * Max(s->nitems, 1));
		int			nk = 0;

		for (j = 0; j < n; j++)
		{
			int			i;

			for (i = 0; i < sl[j].nitems; i++, nk++)
			{
				k[nk].key = s->item_keys[sl[j].first_item + i];
				k[nk].size = s->items[sl[j].first_item + i];
			}
		}
		qsort(k, nk, sizeof(KeyedItem), keyed_item_cmp);
		if (n >= M)
		{
			/* every chunk: the rewrite's own sequence */
			for (j = 0; j < nk; j++)
				cap_packer_add(&packer, k[j].size);
		}
		else
		{
			/*
			 * A sample holds parts of values, and their chunks packed
			 * together would fill pages better than whole values do.  A
			 * value's last chunk (shorter than a full one) says how many full
			 * chunks precede it (its chunk_seq), so each sampled last chunk
			 * stands for its whole value: a random sample of values, in
			 * chunk_id order, replayed whole.
			 */
			int			full = 0;

			for (j = 0; j < nk; j++)
				full = Max(full, k[j].size);
			for (j = 0; j < nk; j++)
			{
				uint32		seq = (uint32) (k[j].key & 0xFFFFFFFF);
				uint32		c;

				if (k[j].size == full)
					continue;
				for (c = 0; c < seq && c < 1000000; c++)
					cap_packer_add(&packer, full);
				cap_packer_add(&packer, k[j].size);
			}
		}
		pfree(k);
	}
	if (rebuilt < 0)
		rebuilt = 0;
	r->exact = (n >= M);
	r->waste_hw = cap_half_width_95(cap_sd_variance(W, n, M));
	r->live_hw = cap_half_width_95(cap_sd_variance(L, n, M));

	/*
	 * Heap: live tuples as a ratio to the used space the FSM records for
	 * every page (after a VACUUM, empty pages and full ones are told apart
	 * without reading them), when that is the tighter estimate.
	 */
	if (s->use_fsm && !s->is_btree && n >= 2 && n < M)
	{
		double		sum_live = 0,
					sum_used = 0;
		double		total_used = M * (BLCKSZ - SizeOfPageHeaderData) - s->fsm_total;

		for (j = 0; j < n; j++)
		{
			double		w = sl[j].hi - sl[j].lo;

			sum_live += w * sl[j].live;
			sum_used += w * ((BLCKSZ - SizeOfPageHeaderData) - sl[j].fsm);
		}
		if (sum_used > 0 && total_used > 0)
		{
			double		beta = sum_live / sum_used;
			double		hw;

			for (j = 0; j < n; j++)
			{
				double		w = sl[j].hi - sl[j].lo;

				L[j] = w * (sl[j].live - beta * ((BLCKSZ - SizeOfPageHeaderData) - sl[j].fsm));
			}
			hw = cap_half_width_95(cap_sd_variance(L, n, M));
			elog(DEBUG2, "pg_capacity bloat: %s: live %.0f +- %.0f, as a ratio to used space %.0f +- %.0f",
				 RelationGetRelationName(s->rel), r->live, r->live_hw, beta * total_used, hw);
			if (hw < r->live_hw)
			{
				r->live = beta * total_used;
				r->live_hw = hw;
			}
		}
	}

	/*
	 * Btrees, sampled: internal pages hold neither waste (as pgstattuple
	 * counts it) nor leaf items, and their number is known from the root.
	 * Post-stratify: the other pages' total is (M - internal) times the mean
	 * of the sampled other pages, with the successive-difference variance of
	 * that mean.
	 */
	if (s->is_btree && !r->exact)
	{
		double		Mo = Max(M - s->internal_pages, 1);
		int			no = 0;
		double		sum_w = 0,
					sum_y = 0,
					sum_l = 0;

		for (j = 0; j < n; j++)
		{
			if (sl[j].internal)
				continue;
			W[no] = sl[j].waste;
			Y[no] = sl[j].rebuilt;
			L[no] = sl[j].tids;
			sum_w += W[no];
			sum_y += Y[no];
			sum_l += L[no];
			no++;
		}
		if (no >= 2)
		{
			double		scale = Mo / no;

			r->waste = sum_w * scale;
			rebuilt = sum_y * scale;
			r->live = sum_l * scale;
			for (j = 0; j < no; j++)
			{
				W[j] *= scale;
				Y[j] *= scale;
				L[j] *= scale;
			}
			r->waste_hw = cap_half_width_95(cap_sd_variance(W, no, Mo));
			r->live_hw = cap_half_width_95(cap_sd_variance(L, no, Mo));
		}
		n = no >= 2 ? no : n;
		M = no >= 2 ? Mo : M;
	}

	per_page = cap_packer_bytes_per_page(&packer);
	elog(DEBUG1, "pg_capacity bloat: %s: %d of %.0f pages, rebuilt bytes %.0f, %.0f bytes per page (+-%.1f), replay %.0f pages of %.0f items",
		 RelationGetRelationName(s->rel), n, M, rebuilt, per_page,
		 cap_packer_bytes_per_page_se(&packer), packer.pages, packer.items);
	if (r->exact)
		pages = packer.pages;
	else
		pages = rebuilt > 0 ? ceil(rebuilt / per_page) : 0;
	/*
	 * Two sources of sampling error in the rebuilt size: the bytes to place
	 * (the slices' variance) and how many of them a page takes (the spread
	 * of the replayed pages' fill).  Both vanish when every page was read;
	 * the heap's live share, from a heap sample, does not.
	 */
	{
		double		hw_bytes = r->exact ? 0 :
			cap_half_width_95(cap_sd_variance(Y, n, M)) / per_page;
		double		hw_fill = r->exact ? 0 : pages * 1.959963984540054 *
			cap_packer_bytes_per_page_se(&packer) / per_page;
		double		hw_share = 0;

		/*
		 * Scaled by the heap's live share: live heap tuples (a heap sample)
		 * over the index's TIDs (this sample).  Their relative errors add.
		 */
		if (s->use_heap_share && r->live > 0 && rebuilt > 0)
		{
			double		rel = sqrt(pow(s->heap_live_hw / Max(s->heap_live, 1), 2) +
								   pow(r->live_hw / r->live, 2));

			elog(DEBUG1, "pg_capacity bloat: %s: heap live %.0f +- %.0f, index TIDs %.0f +- %.0f, share %.4f",
				 RelationGetRelationName(s->rel), s->heap_live, s->heap_live_hw,
				 r->live, r->live_hw, s->share);
			hw_share = pages * rel;
		}
		r->rebuilt_hw = sqrt(hw_bytes * hw_bytes + hw_fill * hw_fill + hw_share * hw_share) * BLCKSZ;
	}
	r->rebuilt_sampling_hw = r->rebuilt_hw;
	finish_rebuilt(s, r, pages);

	pfree(W);
	pfree(Y);
	pfree(L);
}

/*
 * Sample mode: slices doubled until the estimates are tight enough, or up to
 * pg_capacity.bloat_max_sample_pages (a relation with no more pages is read
 * whole, and so is one of at most 2 * BLOAT_FIRST_SLICES pages).  Its arrays
 * grow with the sample, never past that setting.
 */
static void scan_exact(BloatScan *s, BloatResult *r);

static void
sample_relation(BloatScan *s, BloatResult *r)
{
	uint64_t	M = s->nblocks - s->first_block;
	double		target = cap_bloat_target_error_pct / 100.0 * (double) s->nblocks * BLCKSZ;
	int			n;
	BloatSlice *sl;
	int			j;

	if (M == 0)
	{
		BloatSlice	none;

		memset(&none, 0, sizeof(none));
		estimate(s, &none, 0, r);
		r->exact = true;
		return;
	}

	n = (M <= 2 * BLOAT_FIRST_SLICES) ? (int) M : BLOAT_FIRST_SLICES;
	if (n == (int) M && s->is_btree)
	{
		/*
		 * A btree read whole is measured as exact mode measures it: its
		 * rebuild replayed from the leaves in key order (a key's TIDs on
		 * several pages form its posting lists together), not page by page.
		 */
		s->check_all_tids = true;
		scan_exact(s, r);
		return;
	}
	if (n == (int) M)
		s->check_all_tids = true;	/* read whole: exact throughout */
	sl = make_slices(s, n);
	for (;;)
	{
		for (j = 0; j < n; j++)
			if (!sl[j].done)
				cap_bloat_read_slice(s, &sl[j]);
		estimate(s, sl, n, r);
		if (r->exact)
			break;
		/* more pages narrow the sampling error only, not the replay's own */
		if (r->waste_hw <= target && r->rebuilt_sampling_hw <= target &&
			(!s->need_live || r->live_hw <= cap_bloat_target_error_pct / 100.0 * r->live))
			break;
		if (2 * n > cap_bloat_max_sample_pages)
			break;
		if ((uint64_t) 2 * n >= M && s->is_btree)
		{
			/* the whole btree: as exact mode (above); its pages are read again */
			s->check_all_tids = true;
			scan_exact(s, r);
			return;
		}
		if ((uint64_t) 2 * n >= M)
		{
			/* as many slices as pages: read the pages not read yet */
			BloatSlice *all = make_slices(s, (int) M);

			for (j = 0; j < n; j++)
				all[sl[j].blk - s->first_block] = sl[j];
			for (j = 0; j < (int) M; j++)
			{
				all[j].lo = s->first_block + j;
				all[j].hi = all[j].lo + 1;
			}
			sl = all;
			n = (int) M;
			continue;
		}
		sl = split_slices(s, sl, n);
		n *= 2;
	}
}

/*
 * Exact mode: every page, in block order, each page's items replayed as soon
 * as it is read and then forgotten, so that memory does not grow with the
 * relation.  (Sample mode's arrays, a slice of 80 bytes per page and an int
 * per item, would pass MaxAllocSize at 13.4 million pages, 102 GB, and at
 * 268 million tuples.)  A TOAST table's chunks are replayed in chunk_id
 * order, as the parent's rewrite saves them, which needs a sort of them all:
 * a tuplesort, in work_mem, spilling to temporary files beyond it.  The FSM
 * is not read: every page's free space is.
 *
 * Held meanwhile, from the first page to the last: AccessShareLock on the
 * relation (for an index, on its table too), so DDL that needs a stronger
 * lock (VACUUM FULL, CLUSTER, ALTER TABLE, REINDEX, TRUNCATE, DROP) waits
 * for the whole scan; and a pin on the page being read (for an index, also
 * on one heap page and one visibility map page), released page by page.
 * cap_bloat_read_slice() checks for interrupts before every page, so a cancel or
 * statement_timeout ends the scan within one page's work.
 */
static void
scan_exact(BloatScan *s, BloatResult *r)
{
	CapPacker	packer;
	BloatSlice	sl;
	BlockNumber blk;
	Tuplesortstate *sort = NULL;
	TupleDesc	sortdesc = NULL;
	TupleTableSlot *slot = NULL;

	init_packer(s, &packer);
	s->count_only = s->is_btree;
	if (s->is_toast)
	{
		AttrNumber	attnums[2] = {1, 2};
		Oid			sortops[2] = {Int8LessOperator, Int8LessOperator};
		Oid			collations[2] = {InvalidOid, InvalidOid};
		bool		nullsfirst[2] = {false, false};

		/* (chunk_id, chunk_seq, size), sorted on the first two */
		sortdesc = CreateTemplateTupleDesc(3);
		TupleDescInitBuiltinEntry(sortdesc, 1, "chunk_id", INT8OID, -1, 0);
		TupleDescInitBuiltinEntry(sortdesc, 2, "chunk_seq", INT8OID, -1, 0);
		TupleDescInitBuiltinEntry(sortdesc, 3, "size", INT4OID, -1, 0);
		sort = tuplesort_begin_heap(sortdesc, 2, attnums, sortops, collations,
									nullsfirst, work_mem, NULL, TUPLESORT_NONE);
		slot = MakeSingleTupleTableSlot(sortdesc, &TTSOpsVirtual);
	}

	memset(r, 0, sizeof(*r));
	r->size = (double) s->nblocks * BLCKSZ;
	for (blk = s->first_block; blk < s->nblocks; blk++)
	{
		int			i;

		memset(&sl, 0, sizeof(sl));
		sl.lo = blk;
		sl.hi = blk + 1;
		sl.blk = blk;
		s->nitems = 0;			/* the previous page's items are replayed */
		cap_bloat_read_slice(s, &sl);		/* checks for interrupts */
		r->waste += sl.waste;
		r->dead += sl.dead;
		r->live += s->is_btree ? sl.tids : sl.live;
		for (i = 0; i < sl.nitems; i++)
		{
			if (sort == NULL)
			{
				cap_packer_add(&packer, s->items[i]);
				continue;
			}
			ExecClearTuple(slot);
			slot->tts_values[0] = Int64GetDatum((int64) (s->item_keys[i] >> 32));
			slot->tts_values[1] = Int64GetDatum((int64) (s->item_keys[i] & 0xFFFFFFFF));
			slot->tts_values[2] = Int32GetDatum(s->items[i]);
			memset(slot->tts_isnull, false, 3 * sizeof(bool));
			ExecStoreVirtualTuple(slot);
			tuplesort_puttupleslot(sort, slot);
		}
	}

	if (sort != NULL)
	{
		TupleTableSlot *out = MakeSingleTupleTableSlot(sortdesc, &TTSOpsMinimalTuple);
		bool		isnull;

		tuplesort_performsort(sort);
		while (tuplesort_gettupleslot(sort, true, false, out, NULL))
		{
			CHECK_FOR_INTERRUPTS();
			cap_packer_add(&packer, DatumGetInt32(slot_getattr(out, 3, &isnull)));
		}
		ExecDropSingleTupleTableSlot(out);
		ExecDropSingleTupleTableSlot(slot);
		tuplesort_end(sort);
	}

	/*
	 * A btree's rebuild, from its leaves in key order: the pages above gave
	 * the waste; the order of the blocks is not the order of the keys, and
	 * a key's TIDs on several pages make its posting lists together.
	 */
	if (s->is_btree && s->nblocks > 1)
		cap_bloat_replay_leaves(s, &packer);

	elog(DEBUG1, "pg_capacity bloat: %s: exact, %u pages, replay %.0f pages of %.0f items, %.0f bytes, %.0f bytes per page",
		 RelationGetRelationName(s->rel), s->nblocks - s->first_block,
		 packer.pages, packer.items, packer.item_bytes, cap_packer_bytes_per_page(&packer));
	r->exact = true;			/* and every error 0, but the replay's own */
	finish_rebuilt(s, r, packer.pages);
}

/*
 * Measure one relation, locked by the caller (for an index, rel is the
 * index and heaprel its table, locked first): sampled, or every page if
 * exact.  Returns the pages read; *r holds the estimates.  Everything it
 * allocates is freed, and every buffer it pinned released, on return.
 */
int64
cap_bloat_measure(Relation rel, Relation heaprel, bool is_btree, bool exact,
				  BloatResult *r)
{
	Oid			relid = RelationGetRelid(rel);
	BloatScan	s;
	MemoryContext cxt;
	MemoryContext old;
	int64		pages_read;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "pg_capacity bloat sample",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);

	memset(&s, 0, sizeof(s));
	s.rel = rel;
	s.is_btree = is_btree;
	s.first_block = s.is_btree ? 1 : 0;
	s.nblocks = RelationGetNumberOfBlocks(rel);
	if (s.nblocks < s.first_block)
		s.first_block = s.nblocks;
	s.strategy = GetAccessStrategy(BAS_BULKREAD);
	InitDirtySnapshot(s.dirty);
	/* the same sample for the same relation and size: repeatable answers */
	s.prng = ((uint64_t) relid << 32) ^ s.nblocks ^ UINT64_C(0x5DEECE66D);
	s.maxitems = 4096;
	s.items = palloc(sizeof(int) * s.maxitems);
	s.vmbuf = InvalidBuffer;
	s.hbuf = InvalidBuffer;
	s.hblk = InvalidBlockNumber;

	if (s.is_btree)
	{
		bool		heapkeyspace;
		bool		allequalimage;

		s.heaprel = heaprel;	/* locked first, by the caller */
		s.item_extras = palloc(sizeof(int) * s.maxitems);
		s.first_key = palloc(BLCKSZ);
		s.heap_nblocks = RelationGetNumberOfBlocks(s.heaprel);
		s.heap_strategy = GetAccessStrategy(BAS_BULKREAD);
		if (s.nblocks > 0)
		{
			BlockNumber all_visible = 0;
			BlockNumber all_frozen = 0;

			_bt_metaversion(rel, &heapkeyspace, &allequalimage);
			s.dedup = allequalimage && !rel->rd_index->indisunique &&
				BTGetDeduplicateItems(rel);
			s.internal_pages = cap_bloat_count_internal_pages(&s);

			/* a heap all-visible throughout: no item needs a heap visit */
			if (RelationIsPermanent(s.heaprel) || !RecoveryInProgress())
				visibilitymap_count(s.heaprel, &all_visible, &all_frozen);
			s.heap_all_visible = (s.heap_nblocks > 0 && all_visible >= s.heap_nblocks);

			/*
			 * Otherwise, sampled and not partial: a rebuild indexes every
			 * live heap tuple once (a HOT chain once), so the live share of
			 * the index's TIDs is the heap's live tuples over them.  A heap
			 * sample counts those far more cheaply than a heap visit per
			 * sampled item would.
			 */
			if (!s.heap_all_visible && !exact && RelationGetIndexPredicate(rel) == NIL &&
				s.nblocks - 1 > 2 * BLOAT_FIRST_SLICES)
			{
				BloatScan	hs;
				BloatResult hr;
				int			i;

				memset(&hs, 0, sizeof(hs));
				hs.rel = s.heaprel;
				hs.nblocks = s.heap_nblocks;
				hs.strategy = s.heap_strategy;
				InitDirtySnapshot(hs.dirty);
				hs.prng = s.prng ^ UINT64_C(0x9E3779B97F4A7C15);
				hs.maxitems = 4096;
				hs.items = palloc(sizeof(int) * hs.maxitems);
				hs.tupdesc = RelationGetDescr(s.heaprel);
				for (i = 0; i < hs.tupdesc->natts; i++)
					hs.has_dropped |= TupleDescAttr(hs.tupdesc, i)->attisdropped;
				hs.values = palloc(sizeof(Datum) * Max(hs.tupdesc->natts, 1));
				hs.isnull = palloc(sizeof(bool) * Max(hs.tupdesc->natts, 1));
				/* the share scales the whole estimate: as tight as it */
				hs.need_live = true;
				cap_bloat_read_fsm_total(&hs);
				sample_relation(&hs, &hr);
				s.use_heap_share = true;
				s.heap_live = hr.live;
				s.heap_live_hw = hr.live_hw;
				s.pages_read += hs.pages_read;
			}
		}
	}
	else
	{
		int			i;

		s.is_toast = (rel->rd_rel->relkind == RELKIND_TOASTVALUE);
		if (s.is_toast)
			s.item_keys = palloc(sizeof(uint64) * s.maxitems);
		s.tupdesc = RelationGetDescr(rel);
		for (i = 0; i < s.tupdesc->natts; i++)
			s.has_dropped |= TupleDescAttr(s.tupdesc, i)->attisdropped;
		s.values = palloc(sizeof(Datum) * Max(s.tupdesc->natts, 1));
		s.isnull = palloc(sizeof(bool) * Max(s.tupdesc->natts, 1));
	}

	s.check_all_tids = exact;
	if (exact)
		scan_exact(&s, r);
	else
	{
		cap_bloat_read_fsm_total(&s);
		sample_relation(&s, r);
	}

	if (BufferIsValid(s.hbuf))
		ReleaseBuffer(s.hbuf);
	if (BufferIsValid(s.vmbuf))
		ReleaseBuffer(s.vmbuf);
	pages_read = s.pages_read;
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return pages_read;
}
