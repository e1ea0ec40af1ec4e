/*-------------------------------------------------------------------------
 *
 * bloat_model.c
 *		Pure arithmetic of the bloat estimates (see bloat_model.h): page
 *		filling replays of a rewrite, stratified sampling helpers, the
 *		successive-difference variance, and the recommendation rule.
 *
 * The replays follow PostgreSQL's own code paths:
 *
 *	heap (VACUUM FULL, CLUSTER, and heap_insert on a fresh TOAST table):
 *		raw_heap_insert() starts a new page when
 *		MAXALIGN(t_len) + saveFreeSpace > PageGetHeapFreeSpace(page),
 *		saveFreeSpace = BLCKSZ * (100 - fillfactor) / 100, and
 *		PageGetHeapFreeSpace = pd_upper - pd_lower - sizeof(ItemIdData), or 0
 *		once MaxHeapTuplesPerPage line pointers are used.  The first tuple
 *		of a page is always placed.
 *
 *	btree (CREATE INDEX, REINDEX): _bt_buildadd() on a page whose P_HIKEY
 *		line pointer is reserved at creation finishes the page when
 *		PageGetFreeSpace < item + MAXALIGN(sizeof(ItemPointerData)) (leaf),
 *		or when it plus the last item's posting list bytes (truncextra,
 *		which suffix truncation removes from the high key) is below
 *		btps_full = BLCKSZ * (100 - fillfactor) / 100 and the page already
 *		holds two items.  The last item then moves to the new page and its
 *		old slot becomes the (truncated) high key.  Deduplication during the
 *		build (_bt_load, _bt_dedup_save_htid) merges the sorted TIDs of each
 *		key into posting lists of at most maxpostingsize =
 *		MAXALIGN_DOWN(BLCKSZ / 10) - sizeof(ItemIdData) bytes (812), across
 *		whatever pages the TIDs came from: full ones, then one with the
 *		rest.  Upper levels are filled to 70 % (BTREE_NONLEAF_FILLFACTOR).
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stddef.h>

#include "bloat_model.h"

#define HEAP_USABLE		(CAP_BLCKSZ - CAP_PAGE_HEADER)
#define BTREE_USABLE	(CAP_BLCKSZ - CAP_PAGE_HEADER - CAP_BT_SPECIAL - CAP_ITEMID)
#define BTREE_NONLEAF_FILLFACTOR 70
#define BTREE_MAX_POSTING	((CAP_BLCKSZ * 10 / 100) / 8 * 8 - CAP_ITEMID)

static int
clamp_fillfactor(int fillfactor)
{
	if (fillfactor < 10)
		return 10;
	if (fillfactor > 100)
		return 100;
	return fillfactor;
}

void
cap_packer_init_heap(CapPacker *p, int fillfactor)
{
	p->btree = false;
	p->save_free = CAP_BLCKSZ * (100 - clamp_fillfactor(fillfactor)) / 100;
	p->free = 0;
	p->nitems = 0;
	p->last_item = 0;
	p->last_extra = 0;
	p->pages = 0;
	p->done_pages = 0;
	p->done_bytes = 0;
	p->done_bytes_sq = 0;
	p->items = 0;
	p->item_bytes = 0;
}

void
cap_packer_init_btree(CapPacker *p, int fillfactor)
{
	cap_packer_init_heap(p, fillfactor);
	p->btree = true;
}

static int
page_usable(const CapPacker *p)
{
	return p->btree ? BTREE_USABLE : HEAP_USABLE;
}

void
cap_packer_add(CapPacker *p, int item_size)
{
	cap_packer_add_posting(p, item_size, 0);
}

void
cap_packer_add_posting(CapPacker *p, int item_size, int truncextra)
{
	int			usable = page_usable(p);

	if (item_size < 0)
		item_size = 0;
	if (truncextra < 0 || !p->btree)
		truncextra = 0;

	if (p->pages == 0)
	{
		p->pages = 1;
		p->free = usable;
		p->nitems = 0;
	}
	else if (!p->btree)
	{
		int			heapfree = p->free >= CAP_ITEMID ? p->free - CAP_ITEMID : 0;

		if (p->nitems >= CAP_MAX_HEAP_TUPLES)
			heapfree = 0;
		if (item_size + p->save_free > heapfree)
		{
			double		fill = usable - p->free;

			p->done_pages += 1;
			p->done_bytes += fill;
			p->done_bytes_sq += fill * fill;
			p->pages += 1;
			p->free = usable;
			p->nitems = 0;
		}
	}
	else
	{
		int			pgspc = p->free >= CAP_ITEMID ? p->free - CAP_ITEMID : 0;

		if (pgspc < item_size + CAP_MAXALIGN(CAP_TID) ||
			(pgspc + p->last_extra < p->save_free && p->nitems >= 2))
		{
			/* the last item moves to the new page; its slot becomes the high key */
			int			moved = p->last_item + CAP_ITEMID;
			double		fill = usable - p->free - moved;

			p->done_pages += 1;
			p->done_bytes += fill;
			p->done_bytes_sq += fill * fill;
			p->pages += 1;
			p->free = usable - moved;
			p->nitems = 1;
		}
	}

	p->free -= item_size + CAP_ITEMID;
	p->nitems++;
	p->last_item = item_size;
	p->last_extra = truncextra;
	p->items += 1;
	p->item_bytes += item_size + CAP_ITEMID;
}

double
cap_packer_bytes_per_page(const CapPacker *p)
{
	double		nominal;

	if (p->done_pages >= 1)
		return p->done_bytes / p->done_pages;

	/* No page was filled: the target fill, less half an average item. */
	nominal = page_usable(p) - p->save_free;
	if (p->items > 0)
		nominal -= 0.5 * (p->item_bytes / p->items);
	if (nominal < CAP_BLCKSZ / 10.0)
		nominal = CAP_BLCKSZ / 10.0;
	return nominal;
}

double
cap_packer_bytes_per_page_se(const CapPacker *p)
{
	double		n = p->done_pages;
	double		mean;
	double		var;

	if (n < 2)
		return 0.1 * cap_packer_bytes_per_page(p);
	mean = p->done_bytes / n;
	var = (p->done_bytes_sq - n * mean * mean) / (n - 1);
	if (var < 0)
		var = 0;
	return sqrt(var / n);
}

double
cap_btree_upper_pages(double leaf_pages, double pivot_size)
{
	int			item = CAP_MAXALIGN((int) ceil(pivot_size > 8 ? pivot_size : 8));
	int			btps_full = CAP_BLCKSZ * (100 - BTREE_NONLEAF_FILLFACTOR) / 100;
	int			free = BTREE_USABLE;
	int			n = 0;
	double		per_page;
	double		total = 0;
	double		items = ceil(leaf_pages);

	/* items one internal page takes before _bt_buildadd moves on */
	for (;;)
	{
		int			pgspc = free - CAP_ITEMID;

		if (pgspc < item || (pgspc < btps_full && n >= 2))
			break;
		free -= item + CAP_ITEMID;
		n++;
	}
	/* one of them moves to the next page as its first item */
	per_page = n > 2 ? n - 1 : 2;

	while (items > 1)
	{
		double		pages = ceil(items / per_page);

		total += pages;
		items = pages;
	}
	return total;
}

int
cap_btree_posting_size(int keysize, int ntids)
{
	if (ntids <= 1)
		return keysize;
	return CAP_MAXALIGN(keysize + CAP_TID * ntids);
}

int
cap_btree_posting_max_tids(int keysize)
{
	/* MAXALIGN(keysize + 6 n) <= BTREE_MAX_POSTING */
	int			limit = BTREE_MAX_POSTING / 8 * 8;
	int			n = (limit - keysize) / CAP_TID;

	return n >= 1 ? n : 1;
}

int
cap_btree_posting_extra(int keysize, int ntids)
{
	if (ntids <= 1)
		return 0;
	return cap_btree_posting_size(keysize, ntids) - keysize;
}

void
cap_btree_add_key(CapPacker *p, bool dedup, int keysize, int64_t ntids)
{
	int			max_tids = cap_btree_posting_max_tids(keysize);

	if (!dedup)
	{
		for (; ntids > 0; ntids--)
			cap_packer_add(p, keysize);
		return;
	}
	while (ntids > 0)
	{
		int			n = ntids < max_tids ? (int) ntids : max_tids;

		cap_packer_add_posting(p, cap_btree_posting_size(keysize, n),
							   cap_btree_posting_extra(keysize, n));
		ntids -= n;
	}
}

uint64_t
cap_stratum_start(uint64_t M, uint64_t n, uint64_t j)
{
	if (n == 0)
		return 0;
	if (j >= n)
		return M;
	/* floor(M * j / n) without overflow for any realistic M (< 2^32 pages) */
	return (M * j) / n;
}

double
cap_sd_variance(const double *Y, int n, double M)
{
	double		ss = 0;
	double		fpc;
	int			i;

	if (n < 2 || M <= n)
		return 0;
	for (i = 0; i + 1 < n; i++)
	{
		double		d = Y[i + 1] - Y[i];

		ss += d * d;
	}
	fpc = 1.0 - (double) n / M;
	return fpc * (double) n / (2.0 * (n - 1)) * ss;
}

double
cap_half_width_95(double variance)
{
	if (!(variance > 0))
		return 0;
	return 1.959963984540054 * sqrt(variance);
}

CapBloatAdvice
cap_bloat_advice(bool is_index, double size_bytes, double dead_pct,
				 double reclaimable_bytes, const CapBloatThresholds *t)
{
	double		reclaim_pct;

	if (size_bytes > 0 && reclaimable_bytes >= t->min_bytes && reclaimable_bytes > 0)
	{
		reclaim_pct = 100.0 * reclaimable_bytes / size_bytes;
		if (is_index && reclaim_pct >= t->reindex_pct)
			return CAP_BLOAT_REINDEX;
		if (!is_index && reclaim_pct >= t->rewrite_pct)
			return CAP_BLOAT_REWRITE;
	}
	if (!is_index && dead_pct >= t->vacuum_dead_pct)
		return CAP_BLOAT_VACUUM;
	return CAP_BLOAT_NONE;
}

const char *
cap_bloat_advice_text(CapBloatAdvice a, bool is_toast)
{
	switch (a)
	{
		case CAP_BLOAT_VACUUM:
			return "VACUUM";
		case CAP_BLOAT_REWRITE:
			/* a TOAST table is rewritten with its parent */
			return is_toast ? "VACUUM FULL or pg_repack (of the parent table)" : "VACUUM FULL or pg_repack";
		case CAP_BLOAT_REINDEX:
			return "REINDEX CONCURRENTLY";
		case CAP_BLOAT_NONE:
			break;
	}
	return "none";
}
