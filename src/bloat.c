/*-------------------------------------------------------------------------
 *
 * bloat.c
 *		Bloat of one heap or btree relation, measured by reading a
 *		position-stratified sample of its pages (or every page):
 *		capacity._bloat_sample(), and the small SQL helpers of
 *		capacity.bloat_estimate().
 *
 * Heap means the heap table access method: tables, materialized views and
 * TOAST tables of another table AM, indexes other than btree, and btree
 * indexes of tables of another table AM (whose items point into pages that
 * would be read as heap pages) are 'unsupported', their pages never read.
 *
 * What is measured is defined as pgstattuple defines it, so the two can be
 * compared exactly: waste = free space (PageGetHeapFreeSpace for heap pages;
 * PageGetFreeSpace of btree leaf pages, a whole page for new, deleted and
 * half-dead btree pages) plus dead tuples (heap tuples not visible to a
 * dirty snapshot; btree items marked LP_DEAD).  What a rewrite would give
 * back is estimated by replaying the rewrite's page filling (bloat_model.c)
 * over the live tuples of the sample: VACUUM FULL's for tables and TOAST
 * tables, with dropped columns stored as NULL; the btree build's, with
 * deduplication, for indexes.  An index item counts as live when the heap
 * tuple it points to (through its HOT chain) is visible to a dirty snapshot
 * or its heap page is all-visible.
 *
 * Sampling: the pages are cut into n equal slices, one random page read from
 * each (bloat clusters by position, and one page per slice follows it where
 * simple random sampling would not).  While the 95% interval of either
 * estimate is wider than pg_capacity.bloat_target_error_pct, n doubles,
 * each slice split in two, up to pg_capacity.bloat_max_sample_pages.  The
 * interval is the successive-difference variance of the slice totals.
 *
 * Only AccessShareLock is taken, pages are read through a bulk-read ring
 * (shared buffers are not flushed out) and nothing is pruned; hint bits may
 * be set, as any reader sets them.  Works on a hot standby.
 *
 * Locks: for an index, its table is locked first and the index second, the
 * order in which DDL takes them (VACUUM FULL, CLUSTER, ALTER TABLE rewrites,
 * REINDEX, DROP INDEX and DROP TABLE hold the table while they lock its
 * indexes) and in which contrib/amcheck takes them (bt_index_check_internal):
 * an estimate waiting for a table holds nothing that DDL on the table will
 * want, so the two never deadlock.  Both locks are released as soon as the
 * relation is done, so capacity.bloat_estimate() over many relations never
 * holds one relation while it waits for another.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/nbtree.h"
#include "access/relation.h"
#include "access/tupdesc.h"
#include "access/visibilitymap.h"
#include "access/xlog.h"
#include "catalog/index.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_class_d.h"
#include "catalog/pg_index.h"
#include "catalog/pg_operator_d.h"
#include "catalog/pg_type_d.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/freespace.h"
#include "storage/fsm_internals.h"
#include "storage/smgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"

#include "bloat_model.h"
#include "compat.h"
#include CAP_TUPLESORT_H
#include "settings.h"

PG_FUNCTION_INFO_V1(pg_capacity_bloat_sample);
PG_FUNCTION_INFO_V1(pg_capacity_bloat_advice);
PG_FUNCTION_INFO_V1(pg_capacity_bloat_sample_min_bytes);

/* Slices of the first round; doubled until the estimates are tight enough. */
#define BLOAT_FIRST_SLICES	32

/* Heap tuples looked up per sampled btree leaf page (sample mode). */
#define BLOAT_TID_CHECKS	8

/* One slice of the relation and what its sampled page showed. */
typedef struct BloatSlice
{
	BlockNumber lo;				/* first block of the slice */
	BlockNumber hi;				/* one past its last block */
	BlockNumber blk;			/* the sampled block */
	bool		done;			/* blk has been read */
	bool		internal;		/* blk is an internal btree page */
	double		waste;			/* free + dead bytes on the page */
	double		dead;			/* dead tuple bytes on the page */
	double		rebuilt;		/* item + line pointer bytes after a rewrite */
	double		fsm;			/* free space the FSM records for blk (heap) */
	double		live;			/* live tuples on the page (heap) */
	double		tids;			/* heap TIDs on the page, dead items aside (btree) */
	int			first_item;		/* its items in BloatScan.items */
	int			nitems;
	int			first_run;		/* its runs in BloatScan.runs (heap share mode) */
	int			nruns;
} BloatSlice;

/* A run of TIDs with one key on a sampled leaf page */
typedef struct BloatRun
{
	int			keysize;
	int			tids;
	bool		continues;
} BloatRun;

typedef struct BloatScan
{
	Relation	rel;
	bool		is_btree;
	BlockNumber first_block;	/* 1 for btrees: the metapage is not sampled */
	BlockNumber nblocks;
	BufferAccessStrategy strategy;
	SnapshotData dirty;
	uint64_t	prng;

	/* heap: replaying heap_form_tuple for tuples that change in a rewrite */
	TupleDesc	tupdesc;
	bool		has_dropped;
	Datum	   *values;
	bool	   *isnull;

	/* btree: the heap it indexes, to tell live items from dead ones */
	Relation	heaprel;
	BlockNumber heap_nblocks;
	Buffer		vmbuf;
	Buffer		hbuf;
	BlockNumber hblk;
	BufferAccessStrategy heap_strategy;
	bool		dedup;			/* the build would deduplicate */
	bool		heap_all_visible;	/* every heap page all-visible: all items live */
	bool		check_all_tids; /* exact mode: look up every item's heap tuple */
	bool		use_heap_share; /* scale by the heap's live share instead */
	BloatRun   *runs;			/* the sampled runs, kept until the share is known */
	int			nruns;
	int			maxruns;
	double		heap_live;		/* live heap tuples, estimated from a heap sample */
	double		share;			/* their share of the index's TIDs */
	double		heap_live_hw;
	double		internal_pages; /* internal pages of the index, from its root */
	double		key_bytes;		/* sum of key sizes of rebuilt items */
	double		keys;

	/* heap: the free space map, an auxiliary variable known for every page */
	bool		use_fsm;
	double		fsm_total;		/* sum of the FSM's free space over all pages */

	/*
	 * TOAST tables: a rewrite re-saves the values in the order of the parent
	 * table's rows, which is not the TOAST table's physical order (inserts
	 * fill earlier pages' gaps); chunk_id order stands in for it.
	 */
	bool		is_toast;
	uint64	   *item_keys;		/* (chunk_id << 32 | chunk_seq) per item */

	/* sizes of the rebuilt items (MAXALIGNed), slice by slice */
	int		   *items;
	int			nitems;
	int			maxitems;
	int64		pages_read;
} BloatScan;

static void
add_keyed_item(BloatScan *s, BloatSlice *sl, int size, uint64 key)
{
	if (s->nitems >= s->maxitems)
	{
		s->maxitems *= 2;
		s->items = repalloc(s->items, sizeof(int) * s->maxitems);
		if (s->item_keys)
			s->item_keys = repalloc(s->item_keys, sizeof(uint64) * s->maxitems);
	}
	if (s->item_keys)
		s->item_keys[s->nitems] = key;
	s->items[s->nitems++] = size;
	sl->nitems++;
	sl->rebuilt += size + sizeof(ItemIdData);
}

static void
add_item(BloatScan *s, BloatSlice *sl, int size)
{
	add_keyed_item(s, sl, size, 0);
}

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

/*
 * Length of a heap tuple after a rewrite re-forms it: dropped columns become
 * NULL, columns added since it was written get their values.
 */
static Size
rewritten_length(BloatScan *s, HeapTuple tup)
{
	TupleDesc	desc = s->tupdesc;
	bool		hasnull = false;
	Size		len;
	int			i;

	heap_deform_tuple(tup, desc, s->values, s->isnull);
	for (i = 0; i < desc->natts; i++)
	{
		if (TupleDescAttr(desc, i)->attisdropped)
			s->isnull[i] = true;
		hasnull |= s->isnull[i];
	}
	len = offsetof(HeapTupleHeaderData, t_bits);
	if (hasnull)
		len += BITMAPLEN(desc->natts);
	len = MAXALIGN(len);
	return len + heap_compute_data_size(desc, s->values, s->isnull);
}

static void
read_heap_page(BloatScan *s, BloatSlice *sl, Buffer buf)
{
	Page		page = BufferGetPage(buf);
	OffsetNumber maxoff;
	OffsetNumber off;
	bool		all_visible;

	sl->waste = PageGetHeapFreeSpace(page);
	if (PageIsNew(page))
		return;
	all_visible = PageIsAllVisible(page);
	maxoff = PageGetMaxOffsetNumber(page);
	for (off = FirstOffsetNumber; off <= maxoff; off = OffsetNumberNext(off))
	{
		ItemId		iid = PageGetItemId(page, off);
		HeapTupleData tup;
		Size		len;

		if (!ItemIdIsNormal(iid))
			continue;
		tup.t_data = (HeapTupleHeader) PageGetItem(page, iid);
		tup.t_len = ItemIdGetLength(iid);
		tup.t_tableOid = RelationGetRelid(s->rel);
		ItemPointerSet(&tup.t_self, sl->blk, off);

		if (!all_visible && !HeapTupleSatisfiesVisibility(&tup, &s->dirty, buf))
		{
			sl->waste += tup.t_len;
			sl->dead += tup.t_len;
			continue;
		}
		sl->live += 1;
		if (s->has_dropped ||
			HeapTupleHeaderGetNatts(tup.t_data) < s->tupdesc->natts)
			len = rewritten_length(s, &tup);
		else
			len = tup.t_len;
		if (s->is_toast && (uint32) tup.t_data->t_hoff + 8 <= tup.t_len)
		{
			char	   *data = (char *) tup.t_data + tup.t_data->t_hoff;
			uint32		chunk_id;
			int32		chunk_seq;

			memcpy(&chunk_id, data, sizeof(chunk_id));
			memcpy(&chunk_seq, data + sizeof(chunk_id), sizeof(chunk_seq));
			add_keyed_item(s, sl, (int) MAXALIGN(len),
						   ((uint64) chunk_id << 32) | (uint32) chunk_seq);
		}
		else
			add_item(s, sl, (int) MAXALIGN(len));
	}
}

/* Would a rebuild of the index keep an entry for this heap TID? */
static bool
heap_tid_is_live(BloatScan *s, ItemPointer tid)
{
	BlockNumber blk = ItemPointerGetBlockNumber(tid);
	ItemPointerData t = *tid;
	HeapTupleData htup;
	bool		all_dead = false;
	bool		found;

	if (s->heap_all_visible || blk >= s->heap_nblocks)
		return true;			/* all visible, or inserted after we looked */
	if (VM_ALL_VISIBLE(s->heaprel, blk, &s->vmbuf))
		return true;
	if (s->hblk != blk)
	{
		if (BufferIsValid(s->hbuf))
			ReleaseBuffer(s->hbuf);
		s->hbuf = ReadBufferExtended(s->heaprel, MAIN_FORKNUM, blk, RBM_NORMAL,
									 s->heap_strategy);
		s->hblk = blk;
	}
	LockBuffer(s->hbuf, BUFFER_LOCK_SHARE);
	found = heap_hot_search_buffer(&t, s->heaprel, s->hbuf, &s->dirty, &htup,
								   &all_dead, true);
	LockBuffer(s->hbuf, BUFFER_LOCK_UNLOCK);
	return found;
}

/*
 * The rebuilt items of a run of live TIDs with one key.  When the run goes
 * on in the right sibling (continues), the rebuilt index holds its TIDs
 * together with the sibling's: a partly filled posting list here is counted
 * in proportion to its TIDs, and the key's last page counts the whole item.
 */
static void
emit_run(BloatScan *s, BloatSlice *sl, int keysize, double expected_live, bool continues)
{
	int			live = (int) floor(expected_live);

	/* an expected count from a subsample: round at random, without bias */
	if (expected_live - live > 0 &&
		cap_random_unit(&s->prng) <
		expected_live - live)
		live++;
	if (live <= 0)
		return;
	if (s->dedup)
	{
		int			max_tids = cap_btree_posting_max_tids(keysize);

		while (live > 0)
		{
			int			n = Min(live, max_tids);

			if (continues && n < max_tids && live == n)
				add_item(s, sl, (int) rint((double) n / max_tids *
										   cap_btree_posting_size(keysize, max_tids)));
			else
				add_item(s, sl, cap_btree_posting_size(keysize, n));
			s->key_bytes += keysize;
			s->keys += 1;
			live -= n;
		}
	}
	else
	{
		for (; live > 0; live--)
		{
			add_item(s, sl, keysize);
			s->key_bytes += keysize;
			s->keys += 1;
		}
	}
}

/* Keep a run for estimate(), which emits it once the live share is known. */
static void
keep_run(BloatScan *s, BloatSlice *sl, int keysize, int tids, bool continues)
{
	if (tids <= 0)
		return;
	if (s->nruns >= s->maxruns)
	{
		s->maxruns = Max(s->maxruns * 2, 1024);
		s->runs = s->runs ? repalloc(s->runs, sizeof(BloatRun) * s->maxruns)
			: palloc(sizeof(BloatRun) * s->maxruns);
	}
	s->runs[s->nruns].keysize = keysize;
	s->runs[s->nruns].tids = tids;
	s->runs[s->nruns].continues = continues;
	s->nruns++;
	sl->nruns++;
}

static void
read_btree_page(BloatScan *s, BloatSlice *sl, Buffer buf)
{
	Page		page = BufferGetPage(buf);
	BTPageOpaque opaque;
	OffsetNumber maxoff;
	OffsetNumber off;
	IndexTuple	run = NULL;
	int			run_keysize = 0;
	double		run_live = 0;
	int			run_tids = 0;
	IndexTuple	hikey = NULL;
	bool		continues = false;
	int			page_tids = 0;
	int			tidno = 0;
	bool		subsample;
	double		step = 0;
	double		next_check = 0;
	int			checked = 0;
	int			checked_live = 0;
	double		live_share = 1;

	if (PageIsNew(page))
	{
		sl->waste = BLCKSZ;
		return;
	}
	opaque = BTPageGetOpaque(page);
	if (P_IGNORE(opaque))
	{
		sl->waste = BLCKSZ;
		return;
	}
	if (!P_ISLEAF(opaque))
	{
		sl->internal = true;	/* rebuilt from the leaves */
		return;
	}

	sl->waste = PageGetFreeSpace(page);
	maxoff = PageGetMaxOffsetNumber(page);

	/*
	 * Which items' heap tuples are looked up: none when the heap is
	 * all-visible; all of them in exact mode; otherwise BLOAT_TID_CHECKS of
	 * the page's TIDs, evenly spaced from a random start, whose live share
	 * then applies to every run of the page (the page's estimate stays
	 * unbiased; the spread this adds is in the slices' variance).
	 */
	for (off = P_FIRSTDATAKEY(opaque); off <= maxoff; off = OffsetNumberNext(off))
	{
		ItemId		iid = PageGetItemId(page, off);

		if (!ItemIdIsDead(iid))
		{
			IndexTuple	itup = (IndexTuple) PageGetItem(page, iid);

			page_tids += BTreeTupleIsPosting(itup) ? BTreeTupleGetNPosting(itup) : 1;
		}
	}
	sl->tids = page_tids;
	if (s->use_heap_share)
	{
		/* every item counts; the heap's live share scales them later */
		subsample = true;
		live_share = 1;
	}
	else
		subsample = !s->heap_all_visible && !s->check_all_tids && page_tids > BLOAT_TID_CHECKS;
	if (subsample && !s->use_heap_share)
	{
		step = (double) page_tids / BLOAT_TID_CHECKS;
		next_check = step * cap_random_unit(&s->prng);
		for (off = P_FIRSTDATAKEY(opaque); off <= maxoff; off = OffsetNumberNext(off))
		{
			ItemId		iid = PageGetItemId(page, off);
			IndexTuple	itup;
			int			n;
			int			i;

			if (ItemIdIsDead(iid))
				continue;
			itup = (IndexTuple) PageGetItem(page, iid);
			n = BTreeTupleIsPosting(itup) ? BTreeTupleGetNPosting(itup) : 1;
			for (i = 0; i < n; i++, tidno++)
			{
				if (tidno < (int) next_check)
					continue;
				next_check += step;
				checked++;
				if (heap_tid_is_live(s, BTreeTupleIsPosting(itup) ?
									 BTreeTupleGetPostingN(itup, i) : &itup->t_tid))
					checked_live++;
			}
		}
		live_share = checked > 0 ? (double) checked_live / checked : 1;
	}

	for (off = P_FIRSTDATAKEY(opaque); off <= maxoff; off = OffsetNumberNext(off))
	{
		ItemId		iid = PageGetItemId(page, off);
		IndexTuple	itup;
		int			keysize;
		int			ntids;
		int			i;

		if (ItemIdIsDead(iid))
		{
			sl->waste += ItemIdGetLength(iid);
			sl->dead += ItemIdGetLength(iid);
			continue;
		}
		itup = (IndexTuple) PageGetItem(page, iid);
		keysize = BTreeTupleIsPosting(itup) ? BTreeTupleGetPostingOffset(itup)
			: IndexTupleSize(itup);

		/* a new key ends the run: compare key bytes after the header */
		if (run == NULL || keysize != run_keysize ||
			(itup->t_info & INDEX_NULL_MASK) != (run->t_info & INDEX_NULL_MASK) ||
			memcmp((char *) itup + sizeof(IndexTupleData),
				   (char *) run + sizeof(IndexTupleData),
				   keysize - sizeof(IndexTupleData)) != 0)
		{
			if (s->use_heap_share)
				keep_run(s, sl, run_keysize, run_tids, false);
			else
				emit_run(s, sl, run_keysize,
						 subsample ? run_tids * live_share : run_live, false);
			run = itup;
			run_keysize = keysize;
			run_live = 0;
			run_tids = 0;
		}

		ntids = BTreeTupleIsPosting(itup) ? BTreeTupleGetNPosting(itup) : 1;
		run_tids += ntids;
		if (subsample)
			continue;
		for (i = 0; i < ntids; i++)
		{
			ItemPointer tid = BTreeTupleIsPosting(itup) ?
				BTreeTupleGetPostingN(itup, i) : &itup->t_tid;

			if (heap_tid_is_live(s, tid))
				run_live++;
		}
	}
	/* does the last key go on in the right sibling? its high key says */
	if (!P_RIGHTMOST(opaque) && run != NULL)
	{
		hikey = (IndexTuple) PageGetItem(page, PageGetItemId(page, P_HIKEY));
		continues = BTreeTupleGetNAtts(hikey, s->rel) ==
			IndexRelationGetNumberOfKeyAttributes(s->rel) &&
			IndexTupleSize(hikey) >= (Size) run_keysize &&
			(hikey->t_info & INDEX_NULL_MASK) == (run->t_info & INDEX_NULL_MASK) &&
			memcmp((char *) hikey + sizeof(IndexTupleData),
				   (char *) run + sizeof(IndexTupleData),
				   run_keysize - sizeof(IndexTupleData)) == 0;
	}
	if (s->use_heap_share)
		keep_run(s, sl, run_keysize, run_tids, continues);
	else
		emit_run(s, sl, run_keysize,
				 subsample ? run_tids * live_share : run_live, continues);
}

static void
read_slice(BloatScan *s, BloatSlice *sl)
{
	Buffer		buf;

	CHECK_FOR_INTERRUPTS();
	sl->waste = sl->dead = sl->rebuilt = 0;
	sl->live = sl->tids = 0;
	sl->internal = false;
	sl->first_item = s->nitems;
	sl->nitems = 0;
	sl->first_run = s->nruns;
	sl->nruns = 0;

	sl->fsm = s->use_fsm ? (double) GetRecordedFreeSpace(s->rel, sl->blk) : 0;
	buf = ReadBufferExtended(s->rel, MAIN_FORKNUM, sl->blk, RBM_NORMAL, s->strategy);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	if (s->is_btree)
		read_btree_page(s, sl, buf);
	else
		read_heap_page(s, sl, buf);
	UnlockReleaseBuffer(buf);
	sl->done = true;
	s->pages_read++;
}

/*
 * The free space map's total over the heap's pages, reading only the FSM's
 * bottom-level pages (one per SlotsPerFSMPage heap pages).
 *
 * The FSM's address arithmetic is private to freespace.c; it is repeated
 * here (unchanged since PostgreSQL 8.4): a tree of FSM_TREE_DEPTH levels of
 * SlotsPerFSMPage-slot pages stored depth-first, each slot one byte of
 * free space in units of BLCKSZ / 256.  The FSM is only an auxiliary
 * variable of the estimator (see estimate()): where it is stale, missing or
 * wrong the estimates stay unbiased and only their interval widens.
 */
#define CAP_FSM_TREE_DEPTH	((SlotsPerFSMPage >= 1626) ? 3 : 4)
#define CAP_FSM_CAT_STEP	(BLCKSZ / 256)

static BlockNumber
fsm_bottom_page(BlockNumber logpageno)
{
	BlockNumber leafno = logpageno;
	BlockNumber pages = 0;
	int			l;

	for (l = 0; l < CAP_FSM_TREE_DEPTH; l++)
	{
		pages += leafno + 1;
		leafno /= SlotsPerFSMPage;
	}
	return pages - 1;
}

static void
read_fsm_total(BloatScan *s)
{
	BlockNumber fsm_nblocks;
	BlockNumber logpage;

	s->use_fsm = false;
	s->fsm_total = 0;
	if (s->is_btree || s->nblocks == 0 ||
		!smgrexists(RelationGetSmgr(s->rel), FSM_FORKNUM))
		return;
	fsm_nblocks = smgrnblocks(RelationGetSmgr(s->rel), FSM_FORKNUM);

	for (logpage = 0; logpage <= (s->nblocks - 1) / SlotsPerFSMPage; logpage++)
	{
		BlockNumber phys = fsm_bottom_page(logpage);
		BlockNumber first = logpage * SlotsPerFSMPage;
		int			nslots = Min(SlotsPerFSMPage, s->nblocks - first);
		Buffer		buf;
		FSMPage		fsmpage;
		int			i;

		CHECK_FOR_INTERRUPTS();
		if (phys >= fsm_nblocks)
			continue;			/* never recorded: zero */
		buf = ReadBufferExtended(s->rel, FSM_FORKNUM, phys, RBM_ZERO_ON_ERROR, s->strategy);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		if (!PageIsNew(BufferGetPage(buf)))
		{
			fsmpage = (FSMPage) PageGetContents(BufferGetPage(buf));
			for (i = 0; i < nslots; i++)
				s->fsm_total += (double) fsmpage->fp_nodes[NonLeafNodesPerPage + i] * CAP_FSM_CAT_STEP;
		}
		UnlockReleaseBuffer(buf);
	}
	s->use_fsm = true;
}

/*
 * How many internal pages the index has, from its root: the root, plus as
 * many pages below it as it has downlinks, and so on down, taking the first
 * page of each level as typical.  Their number makes the btree estimators
 * post-stratified (see estimate()); internal pages are too few for a sample
 * to count them well, and each one sampled would swing the estimates.
 */
static double
count_internal_pages(BloatScan *s)
{
	Buffer		buf;
	BTMetaPageData *meta;
	BlockNumber blk;
	uint32		level;
	double		total = 0;
	double		width = 1;

	buf = ReadBufferExtended(s->rel, MAIN_FORKNUM, BTREE_METAPAGE, RBM_NORMAL, s->strategy);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	meta = BTPageGetMeta(BufferGetPage(buf));
	blk = meta->btm_root;
	level = meta->btm_level;
	UnlockReleaseBuffer(buf);
	s->pages_read++;

	while (level > 0 && blk != P_NONE && blk < s->nblocks)
	{
		Page		page;
		BTPageOpaque opaque;
		OffsetNumber first;
		OffsetNumber maxoff;
		BlockNumber child = P_NONE;

		buf = ReadBufferExtended(s->rel, MAIN_FORKNUM, blk, RBM_NORMAL, s->strategy);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		opaque = BTPageGetOpaque(page);
		s->pages_read++;
		total += width;
		if (P_ISLEAF(opaque) || P_IGNORE(opaque))
		{
			UnlockReleaseBuffer(buf);
			break;
		}
		first = P_FIRSTDATAKEY(opaque);
		maxoff = PageGetMaxOffsetNumber(page);
		if (maxoff >= first)
		{
			IndexTuple	itup = (IndexTuple) PageGetItem(page, PageGetItemId(page, first));

			child = BTreeTupleGetDownLink(itup);
			width *= (maxoff - first + 1);
		}
		UnlockReleaseBuffer(buf);
		level--;
		if (level == 0)
			break;				/* the pages below are leaves */
		blk = child;
	}
	return Min(total, (double) (s->nblocks > 0 ? s->nblocks - 1 : 0));
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

typedef struct BloatResult
{
	double		size;
	double		waste;
	double		dead;
	double		rebuilt_size;
	double		waste_hw;		/* half-width of the 95% interval, bytes */
	double		rebuilt_hw;
	double		rebuilt_sampling_hw;	/* its sampling part (the stopping rule) */
	double		live;			/* heap: live tuples */
	double		live_hw;
	bool		exact;
} BloatResult;

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
		for (j = 0; j < n; j++)
		{
			int			i;

			sl[j].rebuilt = 0;
			sl[j].first_item = s->nitems;
			sl[j].nitems = 0;
			for (i = 0; i < sl[j].nruns; i++)
			{
				BloatRun   *run = &s->runs[sl[j].first_run + i];

				emit_run(s, &sl[j], run->keysize, run->tids * s->share, run->continues);
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
		if (!s->is_toast)
			for (i = 0; i < sl[j].nitems; i++)
				cap_packer_add(&packer, s->items[sl[j].first_item + i]);
	}
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
	 * of the replayed pages' fill).  Both vanish when every page was read.
	 */
	if (r->exact)
		r->rebuilt_hw = 0;
	else
	{
		double		hw_bytes = cap_half_width_95(cap_sd_variance(Y, n, M)) / per_page;
		double		hw_fill = pages * 1.959963984540054 *
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
	if (n == (int) M)
		s->check_all_tids = true;	/* read whole: exact throughout */
	sl = make_slices(s, n);
	for (;;)
	{
		for (j = 0; j < n; j++)
			if (!sl[j].done)
				read_slice(s, &sl[j]);
		estimate(s, sl, n, r);
		if (r->exact)
			break;
		/* more pages narrow the sampling error only, not the replay's own */
		if (r->waste_hw <= target && r->rebuilt_sampling_hw <= target)
			break;
		if (2 * n > cap_bloat_max_sample_pages)
			break;
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
 * read_slice() checks for interrupts before every page, so a cancel or
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
		read_slice(s, &sl);		/* checks for interrupts */
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

	elog(DEBUG1, "pg_capacity bloat: %s: exact, %u pages, replay %.0f pages of %.0f items",
		 RelationGetRelationName(s->rel), s->nblocks - s->first_block,
		 packer.pages, packer.items);
	r->exact = true;			/* and every error 0, but the replay's own */
	finish_rebuilt(s, r, packer.pages);
}

/* The result of a relation dropped before it could be locked: method only */
static Datum
dropped_result(TupleDesc tupdesc)
{
	Datum		values[8];
	bool		nulls[8];

	memset(nulls, true, sizeof(nulls));
	values[7] = CStringGetTextDatum("dropped");
	nulls[7] = false;
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/*
 * capacity._bloat_sample(rel regclass, exact bool) → size_bytes, waste_bytes,
 * dead_bytes, reclaimable_bytes, waste_error_bytes, reclaim_error_bytes,
 * pages_read, method
 */
Datum
pg_capacity_bloat_sample(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	bool		exact = PG_GETARG_BOOL(1);
	TupleDesc	tupdesc;
	Datum		values[8];
	bool		nulls[8];
	Relation	rel;
	Relation	heaprel = NULL;
	Oid			heapid = InvalidOid;
	char		relkind;
	bool		is_index;
	BloatScan	s;
	BloatResult r;
	MemoryContext cxt;
	MemoryContext old;
	const char *method;
	char		kind = 0;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	memset(nulls, true, sizeof(nulls));

	/*
	 * An index: its table first, then the index (see the header comment).
	 * The relkind and the table are looked up without a lock; an index keeps
	 * both for life, and whatever was dropped meanwhile is found so below.
	 */
	relkind = get_rel_relkind(relid);
	if (relkind == RELKIND_INDEX || relkind == RELKIND_PARTITIONED_INDEX)
	{
		heapid = IndexGetRelation(relid, true);
		if (!OidIsValid(heapid))
			PG_RETURN_DATUM(dropped_result(tupdesc));
		heaprel = try_relation_open(heapid, AccessShareLock);
		/* the table was dropped meanwhile, and its indexes with it */
		if (heaprel == NULL)
			PG_RETURN_DATUM(dropped_result(tupdesc));
	}

	rel = try_relation_open(relid, AccessShareLock);
	if (rel == NULL)
	{
		/*
		 * Dropped while bloat_estimate() was listing relations, or while we
		 * waited for its table (DROP INDEX holds the table).
		 */
		if (heaprel != NULL)
			relation_close(heaprel, AccessShareLock);
		PG_RETURN_DATUM(dropped_result(tupdesc));
	}

	/*
	 * Still an index of the table locked above, as it was when we looked?
	 * Not if its OID was dropped and reused meanwhile: what was asked for is
	 * gone.
	 */
	is_index = (rel->rd_rel->relkind == RELKIND_INDEX ||
				rel->rd_rel->relkind == RELKIND_PARTITIONED_INDEX);
	if (is_index != (heaprel != NULL) ||
		(is_index && IndexGetRelation(relid, false) != heapid))
	{
		relation_close(rel, AccessShareLock);
		if (heaprel != NULL)
			relation_close(heaprel, AccessShareLock);
		PG_RETURN_DATUM(dropped_result(tupdesc));
	}

	switch (rel->rd_rel->relkind)
	{
		case RELKIND_RELATION:
		case RELKIND_MATVIEW:
		case RELKIND_TOASTVALUE:
			kind = (rel->rd_rel->relam == HEAP_TABLE_AM_OID) ? 'h' : 0;
			break;
		case RELKIND_INDEX:
			/* the index's items are checked against its table, read as heap */
			kind = (rel->rd_rel->relam == BTREE_AM_OID &&
					heaprel->rd_rel->relam == HEAP_TABLE_AM_OID) ? 'b' : 0;
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("\"%s\" is not a table, materialized view, TOAST table or index",
							RelationGetRelationName(rel)),
					 errhint("Partitioned tables and indexes have no storage of their own: "
							 "estimate their partitions.")));
	}
	if (RELATION_IS_OTHER_TEMP(rel))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot estimate bloat of temporary tables of other sessions")));

	if (kind == 0)
		method = "unsupported";
	else if (!RelationIsPermanent(rel) && RecoveryInProgress())
		method = "unavailable";		/* unlogged: no main fork on a standby */
	else
		method = NULL;

	if (method != NULL)
	{
		values[0] = Int64GetDatum((int64) RelationGetNumberOfBlocks(rel) * BLCKSZ);
		nulls[0] = (strcmp(method, "unavailable") == 0);
		values[7] = CStringGetTextDatum(method);
		nulls[7] = false;
		relation_close(rel, AccessShareLock);
		if (heaprel != NULL)
			relation_close(heaprel, AccessShareLock);
		PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
	}

	cxt = AllocSetContextCreate(CurrentMemoryContext, "pg_capacity bloat sample",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);

	memset(&s, 0, sizeof(s));
	s.rel = rel;
	s.is_btree = (kind == 'b');
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

		s.heaprel = heaprel;	/* locked first, above */
		s.heap_nblocks = RelationGetNumberOfBlocks(s.heaprel);
		s.heap_strategy = GetAccessStrategy(BAS_BULKREAD);
		if (s.nblocks > 0)
		{
			BlockNumber all_visible = 0;
			BlockNumber all_frozen = 0;

			_bt_metaversion(rel, &heapkeyspace, &allequalimage);
			s.dedup = allequalimage && !rel->rd_index->indisunique &&
				BTGetDeduplicateItems(rel);
			s.internal_pages = count_internal_pages(&s);

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
				read_fsm_total(&hs);
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
		scan_exact(&s, &r);
	else
	{
		read_fsm_total(&s);
		sample_relation(&s, &r);
	}

	if (BufferIsValid(s.hbuf))
		ReleaseBuffer(s.hbuf);
	if (BufferIsValid(s.vmbuf))
		ReleaseBuffer(s.vmbuf);
	/* the index, then its table: each lock released as we are done */
	relation_close(rel, AccessShareLock);
	if (heaprel != NULL)
		relation_close(heaprel, AccessShareLock);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);

	values[0] = Int64GetDatum((int64) r.size);
	values[1] = Int64GetDatum((int64) llround(r.waste));
	values[2] = Int64GetDatum((int64) llround(r.dead));
	values[3] = Int64GetDatum((int64) llround(Max(0.0, Min(r.size, r.size - r.rebuilt_size))));
	values[4] = Float8GetDatum(r.waste_hw);
	values[5] = Float8GetDatum(r.rebuilt_hw);
	values[6] = Int64GetDatum(s.pages_read);
	values[7] = CStringGetTextDatum(r.exact ? "exact" : "sample");
	memset(nulls, false, sizeof(nulls));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * capacity._bloat_advice(kind text, size_bytes int8, dead_pct float8,
 * reclaimable_bytes int8) → text: the recommendation, by the settings.
 */
Datum
pg_capacity_bloat_advice(PG_FUNCTION_ARGS)
{
	char	   *kind;
	double		size;
	double		dead_pct;
	double		reclaim;
	CapBloatThresholds t;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
	size = (double) PG_GETARG_INT64(1);
	dead_pct = PG_ARGISNULL(2) ? NAN : PG_GETARG_FLOAT8(2);
	reclaim = PG_ARGISNULL(3) ? NAN : (double) PG_GETARG_INT64(3);

	t.vacuum_dead_pct = cap_bloat_vacuum_dead_pct;
	t.rewrite_pct = cap_bloat_rewrite_pct;
	t.reindex_pct = cap_bloat_reindex_pct;
	t.min_bytes = (double) cap_bloat_min_reclaim_kb * 1024.0;

	PG_RETURN_TEXT_P(cstring_to_text(
									 cap_bloat_advice_text(cap_bloat_advice(strcmp(kind, "index") == 0,
																			size, dead_pct, reclaim, &t),
														   strcmp(kind, "toast") == 0)));
}

/* capacity._bloat_sample_min_bytes() → pg_capacity.bloat_sample_min_size in bytes */
Datum
pg_capacity_bloat_sample_min_bytes(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64((int64) cap_bloat_sample_min_size_kb * 1024);
}
