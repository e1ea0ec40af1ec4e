/*-------------------------------------------------------------------------
 *
 * bloat_scan.h
 *		The bloat of one heap or btree relation, measured from a sample of
 *		its pages or from every page (bloat_scan.c): what bloat_sql.c
 *		calls once it has locked the relation.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_BLOAT_SCAN_H
#define PG_CAPACITY_BLOAT_SCAN_H

#include "utils/relcache.h"

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

/*
 * Measure rel, locked by the caller (an index: rel is a btree and heaprel
 * its table, both locked, the table first; else heaprel is NULL and rel a
 * heap relation).  Every page if exact, else a sample.  Fills *r and
 * returns the pages read.
 */
extern int64 cap_bloat_measure(Relation rel, Relation heaprel, bool is_btree,
							   bool exact, BloatResult *r);

#endif							/* PG_CAPACITY_BLOAT_SCAN_H */
