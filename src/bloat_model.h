/*-------------------------------------------------------------------------
 *
 * bloat_model.h
 *		The arithmetic of bloat estimation, as pure functions: replaying how
 *		a rewrite fills pages (VACUUM FULL's raw_heap_insert, the btree
 *		build's _bt_buildadd and its deduplication), position-stratified
 *		page sampling, the estimators and their variance, and the
 *		recommendation rule.
 *
 * No server dependencies, so test/unit/test_bloat.c checks every function
 * exactly.  src/bloat_pages.c and src/bloat_scan.c read the pages and feed
 * these functions.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_BLOAT_MODEL_H
#define PG_CAPACITY_BLOAT_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "prng.h"

/* Page geometry of the server (8 kB pages, 8-byte MAXALIGN). */
#define CAP_BLCKSZ			8192
#define CAP_PAGE_HEADER		24	/* SizeOfPageHeaderData */
#define CAP_ITEMID			4	/* sizeof(ItemIdData) */
#define CAP_BT_SPECIAL		16	/* MAXALIGN(sizeof(BTPageOpaqueData)) */
#define CAP_MAX_HEAP_TUPLES 291 /* MaxHeapTuplesPerPage */
#define CAP_TID				6	/* sizeof(ItemPointerData) */
#define CAP_MAXALIGN(x)		(((x) + 7) & ~7)

/*
 * A page-filling replay.  Items are added in order; the packer starts a
 * new page where the server would.  Heap: raw_heap_insert's rule (a new page
 * when MAXALIGN(len) + saveFreeSpace > PageGetHeapFreeSpace).  Btree:
 * _bt_buildadd's rule (a new page when the free space is below the
 * fillfactor target and the page holds two items, or the item does not
 * fit; the last item then moves to the new page and its place becomes the
 * high key).
 */
typedef struct CapPacker
{
	bool		btree;
	int			save_free;		/* heap: saveFreeSpace; btree: btps_full */
	int			free;			/* pd_upper - pd_lower of the current page */
	int			nitems;			/* items on the current page */
	int			last_item;		/* size of the last item added */
	int			last_extra;		/* its posting list bytes (btree) */
	double		pages;			/* pages started */
	double		done_pages;		/* pages finished */
	double		done_bytes;		/* item + line pointer bytes on finished pages */
	double		done_bytes_sq;	/* sum of their squares */
	double		items;			/* items added */
	double		item_bytes;		/* item + line pointer bytes added */
} CapPacker;

extern void cap_packer_init_heap(CapPacker *p, int fillfactor);
extern void cap_packer_init_btree(CapPacker *p, int fillfactor);
extern void cap_packer_add(CapPacker *p, int item_size);

/*
 * A btree item with a posting list of truncextra bytes (item_size less its
 * key part; 0 for a plain item).  The build's soft fillfactor limit counts
 * the last item's posting list as free space: suffix truncation removes it
 * when that item becomes the high key.
 */
extern void cap_packer_add_posting(CapPacker *p, int item_size, int truncextra);

/*
 * Bytes (items plus line pointers) one page holds, as the replay filled
 * them: the mean over finished pages, or the nominal figure when no page was
 * finished.
 */
extern double cap_packer_bytes_per_page(const CapPacker *p);

/*
 * Standard error of cap_packer_bytes_per_page(): the spread of the finished
 * pages' fill over their number; a tenth of the figure when fewer than two
 * pages were finished.
 */
extern double cap_packer_bytes_per_page_se(const CapPacker *p);

/* Pages of the upper btree levels above leaf_pages leaves (root included). */
extern double cap_btree_upper_pages(double leaf_pages, double pivot_size);

/* Size of a deduplicated btree item holding ntids heap TIDs. */
extern int	cap_btree_posting_size(int keysize, int ntids);

/*
 * Most TIDs one posting list of the build holds: the build's maxpostingsize,
 * MAXALIGN_DOWN(BLCKSZ / 10) - sizeof(ItemIdData) (not BTMaxItemSize).
 */
extern int	cap_btree_posting_max_tids(int keysize);

/* The posting list bytes of that item: what suffix truncation removes. */
extern int	cap_btree_posting_extra(int keysize, int ntids);

/*
 * What a rebuild stores for ntids TIDs of one key: full posting lists of
 * cap_btree_posting_max_tids() TIDs, then one with the rest (a plain item
 * when one TID is left), as _bt_load forms them.  Without deduplication,
 * ntids plain items.  Each item is passed to the packer.
 */
extern void cap_btree_add_key(CapPacker *p, bool dedup, int keysize, int64_t ntids);

/*
 * Stratified sampling: M units [0, M) in n equal slices; slice j is
 * [cap_stratum_start(M, n, j), cap_stratum_start(M, n, j + 1)).  Doubling n
 * splits every slice in two, so a sample drawn for n slices stays a valid
 * one-per-slice sample for 2n.
 */
extern uint64_t cap_stratum_start(uint64_t M, uint64_t n, uint64_t j);


/*
 * Variance of the estimated total sum(Y[i]) for a one-per-slice sample in
 * position order, Y[i] = slice weight * observed value: the successive
 * difference estimator, (1 - n/M) * n / (2 (n - 1)) * sum (Y[i+1] - Y[i])^2.
 * 0 when n < 2 or when the sample is the whole population.
 */
extern double cap_sd_variance(const double *Y, int n, double M);

/* Half-width of a 95% interval for a variance. */
extern double cap_half_width_95(double variance);

/* What to do about a relation's bloat */
typedef enum CapBloatAdvice
{
	CAP_BLOAT_NONE,
	CAP_BLOAT_VACUUM,
	CAP_BLOAT_REWRITE,			/* VACUUM FULL or pg_repack */
	CAP_BLOAT_REINDEX			/* REINDEX CONCURRENTLY */
} CapBloatAdvice;

typedef struct CapBloatThresholds
{
	double		vacuum_dead_pct;	/* dead tuples share → VACUUM */
	double		rewrite_pct;	/* reclaimable share → rewrite a table */
	double		reindex_pct;	/* reclaimable share → rebuild an index */
	double		min_bytes;		/* less reclaimable than this: not worth it */
} CapBloatThresholds;

/*
 * is_index: btree index (REINDEX) or table / TOAST table (VACUUM, rewrite).
 * NaN inputs (unknown) give CAP_BLOAT_NONE for the part they decide.
 */
extern CapBloatAdvice cap_bloat_advice(bool is_index, double size_bytes,
									   double dead_pct, double reclaimable_bytes,
									   const CapBloatThresholds *t);
extern const char *cap_bloat_advice_text(CapBloatAdvice a, bool is_toast);

#endif							/* PG_CAPACITY_BLOAT_MODEL_H */
