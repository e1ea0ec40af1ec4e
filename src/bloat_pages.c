/*-------------------------------------------------------------------------
 *
 * bloat_pages.c
 *		What one page of a heap or btree relation shows, for the bloat
 *		estimates: its free space and dead tuples, its live tuples (heap) or
 *		TIDs (btree), and the items a rewrite would keep; and the two
 *		figures read besides the sampled pages, the free space map's total
 *		(heap) and the number of internal pages (btree).
 *
 * bloat_scan.c decides which pages are read and turns what they showed into
 * estimates; bloat_sql.c locks the relation and answers SQL.  This file
 * touches buffers: each page is read through the scan's bulk-read ring
 * (shared buffers are not flushed out), share-locked while it is read and
 * released at once; nothing is pruned, though hint bits may be set, as any
 * reader sets them.
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
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/nbtree.h"
#include "access/visibilitymap.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/freespace.h"
#include "storage/fsm_internals.h"
#include "storage/smgr.h"
#include "utils/rel.h"

#include "bloat_model.h"
#include "bloat_pages.h"

/* Heap tuples looked up per sampled btree leaf page (sample mode). */
#define BLOAT_TID_CHECKS	8

static void
add_keyed_item(BloatScan *s, BloatSlice *sl, int size, int extra, uint64 key)
{
	if (s->nitems >= s->maxitems)
	{
		s->maxitems *= 2;
		s->items = repalloc(s->items, sizeof(int) * s->maxitems);
		if (s->item_keys)
			s->item_keys = repalloc(s->item_keys, sizeof(uint64) * s->maxitems);
		if (s->item_extras)
			s->item_extras = repalloc(s->item_extras, sizeof(int) * s->maxitems);
	}
	if (s->item_keys)
		s->item_keys[s->nitems] = key;
	if (s->item_extras)
		s->item_extras[s->nitems] = extra;
	s->items[s->nitems++] = size;
	sl->nitems++;
	sl->rebuilt += size + sizeof(ItemIdData);
}

static void
add_item(BloatScan *s, BloatSlice *sl, int size)
{
	add_keyed_item(s, sl, size, 0, 0);
}

/* A btree item of a rebuild: ntids TIDs of one key, a posting list if > 1 */
static void
add_btree_item(BloatScan *s, BloatSlice *sl, int keysize, int ntids)
{
	add_keyed_item(s, sl, cap_btree_posting_size(keysize, ntids),
				   cap_btree_posting_extra(keysize, ntids), 0);
	s->key_bytes += keysize;
	s->keys += 1;
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
			add_keyed_item(s, sl, (int) MAXALIGN(len), 0,
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

/* A posting list of a whole key, for the replay of the page filling */
static void
add_pack_item(BloatScan *s, int keysize, int ntids)
{
	if (s->npack >= s->maxpack)
	{
		s->maxpack = Max(s->maxpack * 2, 1024);
		s->pack_items = s->pack_items ? repalloc(s->pack_items, sizeof(int) * s->maxpack)
			: palloc(sizeof(int) * s->maxpack);
		s->pack_extras = s->pack_extras ? repalloc(s->pack_extras, sizeof(int) * s->maxpack)
			: palloc(sizeof(int) * s->maxpack);
	}
	s->pack_items[s->npack] = cap_btree_posting_size(keysize, ntids);
	s->pack_extras[s->npack] = cap_btree_posting_extra(keysize, ntids);
	s->npack++;
}

/* n, or n rounded at random to an integer, without bias */
static int
round_random(BloatScan *s, double n)
{
	int			i = (int) floor(n);

	if (n - i > 0 && cap_random_unit(&s->prng) < n - i)
		i++;
	return Max(i, 0);
}

/*
 * The rebuilt items of own_live live TIDs of one key seen on a sampled page
 * (an expected count when the TIDs' liveness was subsampled).  Without
 * deduplication, a plain item each.  With it, a rebuild makes the key's
 * posting lists from all its TIDs, across the pages they are on now: full
 * lists of max_tids TIDs, then one list with the rest.  The full lists are
 * shared out in proportion to TIDs: own_live / max_tids of them, rounded at
 * random (a partial stand-in would pack pages differently from the lists the
 * build makes).  The list with the rest goes with the key's last page (ends),
 * which knows the key's total_live from the pages to its left, and takes
 * its TIDs out of that page's share.
 */
void
cap_bloat_emit_run(BloatScan *s, BloatSlice *sl, int keysize, double own_live,
				   double total_live, bool ends)
{
	int			max_tids;
	double		full;
	int			n;

	if (!s->dedup)
	{
		for (n = round_random(s, own_live); n > 0; n--)
			add_btree_item(s, sl, keysize, 1);
		return;
	}
	max_tids = cap_btree_posting_max_tids(keysize);
	full = own_live / max_tids;
	if (ends)
	{
		int			total = round_random(s, Max(total_live, own_live));
		int			rest = total % max_tids;

		if (rest > 0)
			add_btree_item(s, sl, keysize, rest);
		full = (own_live - rest) / max_tids;
		for (n = total; n > 0; n -= Min(n, max_tids))
			add_pack_item(s, keysize, Min(n, max_tids));
	}
	for (n = round_random(s, full); n > 0; n--)
		add_btree_item(s, sl, keysize, max_tids);
}

/*
 * Keep a run for estimate() (bloat_scan.c), which emits it once the live
 * share is known.
 */
static void
keep_run(BloatScan *s, BloatSlice *sl, int keysize, int tids, int total, bool ends)
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
	s->runs[s->nruns].total = total;
	s->runs[s->nruns].ends = ends;
	s->nruns++;
	sl->nruns++;
}

/* Pages to the left a key's TIDs are counted on, at most */
#define BLOAT_LEFT_PAGES	8

/*
 * A run of one key's TIDs on a sampled leaf page ends: its rebuilt items
 * (cap_bloat_emit_run()), or the run kept to be replayed once the heap's
 * live share is known.  With deduplication, the size of a key's last
 * posting list depends on the key's total TIDs: a run that goes on in the
 * right sibling (continues) is not the key's last, and the page's first
 * run may have begun on the pages to the left, whose TIDs of the key are
 * counted once the page is released (finish_first_key()).
 */
static void
finish_run(BloatScan *s, BloatSlice *sl, BTPageOpaque opaque, IndexTuple run,
		   int keysize, int tids, double live, bool first, bool continues)
{
	if (tids <= 0)
		return;
	if (s->dedup && first && !continues && tids >= 2 && !P_LEFTMOST(opaque))
	{
		memcpy(s->first_key, run, Min(keysize, BLCKSZ));
		s->first_keysize = keysize;
		s->first_tids = tids;
		s->first_live = live;
		s->first_left = opaque->btpo_prev;
		return;
	}
	if (s->use_heap_share)
		keep_run(s, sl, keysize, tids, tids, !continues);
	else
		cap_bloat_emit_run(s, sl, keysize, live, live, !continues);
}

/* Does itup hold the key of s->first_key? */
static bool
is_first_key(BloatScan *s, IndexTuple itup)
{
	IndexTuple	key = (IndexTuple) s->first_key;
	int			size = BTreeTupleIsPosting(itup) ? BTreeTupleGetPostingOffset(itup)
		: IndexTupleSize(itup);

	return size == s->first_keysize &&
		(itup->t_info & INDEX_NULL_MASK) == (key->t_info & INDEX_NULL_MASK) &&
		memcmp((char *) itup + sizeof(IndexTupleData), (char *) key + sizeof(IndexTupleData),
			   size - sizeof(IndexTupleData)) == 0;
}

/*
 * The pending first key of a sampled page: its TIDs on the pages to the
 * left (up to BLOAT_LEFT_PAGES of them, each locked alone), counted live in
 * the proportion of the key's TIDs on the sampled page (or scaled later by
 * the heap's live share); then the key's items.
 */
static void
finish_first_key(BloatScan *s, BloatSlice *sl)
{
	BlockNumber blk = s->first_left;
	int			total = s->first_tids;
	int			pages;

	for (pages = 0; pages < BLOAT_LEFT_PAGES && blk != P_NONE; pages++)
	{
		Buffer		buf;
		Page		page;
		BTPageOpaque opaque;
		OffsetNumber off;
		bool		whole = true;

		CHECK_FOR_INTERRUPTS();
		buf = ReadBufferExtended(s->rel, MAIN_FORKNUM, blk, RBM_NORMAL, s->strategy);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		opaque = BTPageGetOpaque(page);
		s->pages_read++;
		if (P_IGNORE(opaque) || !P_ISLEAF(opaque))
			whole = false;
		else
		{
			for (off = PageGetMaxOffsetNumber(page); off >= P_FIRSTDATAKEY(opaque);
				 off = OffsetNumberPrev(off))
			{
				ItemId		iid = PageGetItemId(page, off);
				IndexTuple	itup;

				if (ItemIdIsDead(iid))
					continue;
				itup = (IndexTuple) PageGetItem(page, iid);
				if (!is_first_key(s, itup))
				{
					whole = false;
					break;
				}
				total += BTreeTupleIsPosting(itup) ? BTreeTupleGetNPosting(itup) : 1;
			}
		}
		blk = P_LEFTMOST(opaque) ? P_NONE : opaque->btpo_prev;
		UnlockReleaseBuffer(buf);
		if (!whole)
			break;
	}
	if (s->use_heap_share)
		keep_run(s, sl, s->first_keysize, s->first_tids, total, true);
	else
		cap_bloat_emit_run(s, sl, s->first_keysize, s->first_live,
						   s->first_live * total / s->first_tids, true);
	s->first_keysize = 0;
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
	bool		run_first = false;
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
	if (s->count_only)
	{
		/* the rebuild is replayed from the leaf chain: dead items only */
		for (off = P_FIRSTDATAKEY(opaque); off <= maxoff; off = OffsetNumberNext(off))
		{
			ItemId		iid = PageGetItemId(page, off);

			if (ItemIdIsDead(iid))
			{
				sl->waste += ItemIdGetLength(iid);
				sl->dead += ItemIdGetLength(iid);
			}
		}
		return;
	}
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
			if (run != NULL)
				finish_run(s, sl, opaque, run, run_keysize, run_tids,
						   subsample ? run_tids * live_share : run_live,
						   run_first, false);
			run_first = (run == NULL);
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
	if (run != NULL)
		finish_run(s, sl, opaque, run, run_keysize, run_tids,
				   subsample ? run_tids * live_share : run_live,
				   run_first, continues);
}

/*
 * The leftmost leaf page of the index, down the first downlink of every
 * level from the root (pages being deleted are stepped over to the right,
 * as _bt_get_endpoint does); P_NONE for an empty index.
 */
static BlockNumber
leftmost_leaf(BloatScan *s)
{
	Buffer		buf;
	BTMetaPageData *meta;
	BlockNumber blk;

	buf = ReadBufferExtended(s->rel, MAIN_FORKNUM, BTREE_METAPAGE, RBM_NORMAL, s->strategy);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	meta = BTPageGetMeta(BufferGetPage(buf));
	blk = meta->btm_root;
	UnlockReleaseBuffer(buf);
	s->pages_read++;

	while (blk != P_NONE)
	{
		Page		page;
		BTPageOpaque opaque;
		BlockNumber next;

		CHECK_FOR_INTERRUPTS();
		buf = ReadBufferExtended(s->rel, MAIN_FORKNUM, blk, RBM_NORMAL, s->strategy);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		opaque = BTPageGetOpaque(page);
		s->pages_read++;
		if (P_IGNORE(opaque))
			next = opaque->btpo_next;
		else if (P_ISLEAF(opaque))
			next = P_NONE;
		else if (P_FIRSTDATAKEY(opaque) <= PageGetMaxOffsetNumber(page))
			next = BTreeTupleGetDownLink((IndexTuple)
										 PageGetItem(page, PageGetItemId(page, P_FIRSTDATAKEY(opaque))));
		else
			next = P_NONE;		/* an internal page without downlinks: corrupt */
		if (!P_IGNORE(opaque) && P_ISLEAF(opaque))
		{
			UnlockReleaseBuffer(buf);
			return blk;
		}
		UnlockReleaseBuffer(buf);
		blk = next;
	}
	return P_NONE;
}

void
cap_bloat_replay_leaves(BloatScan *s, CapPacker *packer)
{
	BlockNumber blk = leftmost_leaf(s);
	char	   *key = palloc(BLCKSZ);	/* the open key: its tuple, TID aside */
	int			keysize = 0;
	int64		live = 0;

	while (blk != P_NONE)
	{
		Buffer		buf;
		Page		page;
		BTPageOpaque opaque;
		OffsetNumber off;
		OffsetNumber maxoff;

		CHECK_FOR_INTERRUPTS();
		buf = ReadBufferExtended(s->rel, MAIN_FORKNUM, blk, RBM_NORMAL, s->strategy);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		opaque = BTPageGetOpaque(page);
		s->pages_read++;
		maxoff = P_IGNORE(opaque) ? InvalidOffsetNumber : PageGetMaxOffsetNumber(page);
		for (off = P_FIRSTDATAKEY(opaque); off <= maxoff; off = OffsetNumberNext(off))
		{
			ItemId		iid = PageGetItemId(page, off);
			IndexTuple	itup;
			int			size;
			int			ntids;
			int			i;

			if (ItemIdIsDead(iid))
				continue;
			itup = (IndexTuple) PageGetItem(page, iid);
			size = BTreeTupleIsPosting(itup) ? BTreeTupleGetPostingOffset(itup)
				: IndexTupleSize(itup);

			/* a new key (its bytes after the TID, and its null mask) */
			if (keysize == 0 || size != keysize ||
				(itup->t_info & INDEX_NULL_MASK) !=
				(((IndexTuple) key)->t_info & INDEX_NULL_MASK) ||
				memcmp((char *) itup + sizeof(IndexTupleData), key + sizeof(IndexTupleData),
					   size - sizeof(IndexTupleData)) != 0)
			{
				if (live > 0)
					cap_btree_add_key(packer, s->dedup, keysize, live);
				memcpy(key, itup, Min(size, BLCKSZ));
				keysize = size;
				live = 0;
			}
			ntids = BTreeTupleIsPosting(itup) ? BTreeTupleGetNPosting(itup) : 1;
			for (i = 0; i < ntids; i++)
				if (heap_tid_is_live(s, BTreeTupleIsPosting(itup) ?
									 BTreeTupleGetPostingN(itup, i) : &itup->t_tid))
					live++;
			s->key_bytes += ntids > 0 ? size : 0;
			s->keys += ntids > 0 ? 1 : 0;
		}
		blk = P_RIGHTMOST(opaque) ? P_NONE : opaque->btpo_next;
		UnlockReleaseBuffer(buf);
	}
	if (live > 0)
		cap_btree_add_key(packer, s->dedup, keysize, live);
	pfree(key);
}

void
cap_bloat_read_slice(BloatScan *s, BloatSlice *sl)
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
	if (s->first_keysize > 0)
		finish_first_key(s, sl);
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
 * variable of the estimator (see estimate() in bloat_scan.c): where it is
 * stale, missing or wrong the estimates stay unbiased and only their
 * interval widens.
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

void
cap_bloat_read_fsm_total(BloatScan *s)
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
 * post-stratified (see estimate() in bloat_scan.c); internal pages are too
 * few for a sample to count them well, and each one sampled would swing the
 * estimates.
 */
double
cap_bloat_count_internal_pages(BloatScan *s)
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
