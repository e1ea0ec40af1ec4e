/*-------------------------------------------------------------------------
 *
 * bloat_pages.h
 *		What one sampled page of a heap or btree relation shows
 *		(bloat_pages.c): the state of a bloat scan (BloatScan), the slices
 *		of the relation with what their pages held (BloatSlice), and the
 *		functions that read a page, the free space map and the btree's upper
 *		levels into them.  Used by bloat_scan.c, which plans the sample and
 *		makes the estimates.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_BLOAT_PAGES_H
#define PG_CAPACITY_BLOAT_PAGES_H

#include "access/tupdesc.h"
#include "storage/bufmgr.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"

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
	int			tids;			/* its TIDs on the sampled page */
	int			total;			/* the key's TIDs up to there (ends) */
	bool		ends;			/* the key's last run */
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

	/*
	 * A sampled leaf page's first key, when its TIDs may begin on the pages
	 * to the left: counted there once the page is released
	 */
	char	   *first_key;		/* its tuple, TID aside (BLCKSZ bytes) */
	int			first_keysize;	/* 0: none pending */
	int			first_tids;
	double		first_live;
	BlockNumber first_left;		/* the page's left sibling */

	/* heap: the free space map, an auxiliary variable known for every page */
	bool		need_live;		/* sample until live tuples are known as well */
	bool		use_fsm;
	double		fsm_total;		/* sum of the FSM's free space over all pages */

	/*
	 * TOAST tables: a rewrite re-saves the values in the order of the parent
	 * table's rows, which is not the TOAST table's physical order (inserts
	 * fill earlier pages' gaps); chunk_id order stands in for it.
	 */
	bool		is_toast;
	uint64	   *item_keys;		/* (chunk_id << 32 | chunk_seq) per item */

	/*
	 * exact mode's first pass over a btree: waste, dead and TIDs only; the
	 * rebuild is replayed by cap_bloat_replay_leaves() in key order
	 */
	bool		count_only;

	/* sizes of the rebuilt items (MAXALIGNed), slice by slice */
	int		   *items;
	int		   *item_extras;	/* btree: their posting list bytes */

	/*
	 * Deduplicated btrees, sample mode: the page filling is replayed over
	 * whole keys (every key seen to its end, in the order of the build), not
	 * over the slices' shares of them: how a page fills depends on where
	 * each key's last, partial posting list falls.
	 */
	int		   *pack_items;
	int		   *pack_extras;
	int			npack;
	int			maxpack;
	int			nitems;
	int			maxitems;
	int64		pages_read;
} BloatScan;

/* Read slice sl's block into it (and its items into s); checks for interrupts. */
extern void cap_bloat_read_slice(BloatScan *s, BloatSlice *sl);

/* s->fsm_total from the FSM's bottom-level pages; s->use_fsm if there is one. */
extern void cap_bloat_read_fsm_total(BloatScan *s);

/* Internal pages of the index s->rel, counted down from its root. */
extern double cap_bloat_count_internal_pages(BloatScan *s);

/* The rebuilt items of one key's live TIDs (see bloat_pages.c). */
extern void cap_bloat_emit_run(BloatScan *s, BloatSlice *sl, int keysize,
							   double own_live, double total_live, bool ends);

/*
 * Exact mode: the rebuild of the index s->rel replayed into *packer from its
 * leaf pages in key order (left to right), every key's live TIDs gathered
 * across pages into the posting lists the build would form.
 */
struct CapPacker;
extern void cap_bloat_replay_leaves(BloatScan *s, struct CapPacker *packer);

#endif							/* PG_CAPACITY_BLOAT_PAGES_H */
