/*-------------------------------------------------------------------------
 *
 * history.h
 *		Bounded history of samples: a ring of raw samples and rings of
 *		per-minute, per-hour and per-day rollups keeping, for every metric,
 *		the number of values, their sum and their maximum, so that neither
 *		the mean nor the peaks are lost when samples are rolled up.
 *
 * Pure C with no server dependencies: the same code runs on shared memory
 * in the server and on plain memory in the unit tests.  Locking is the
 * caller's business.  Times are microseconds since 2000-01-01 00:00 UTC,
 * as in PostgreSQL's TimestampTz, so bucket boundaries fall on UTC minutes,
 * hours and days.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_HISTORY_H
#define PG_CAPACITY_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics.h"

typedef int64_t CapTime;		/* TimestampTz-compatible */

#define CAP_USECS_PER_SEC	INT64_C(1000000)

typedef enum CapLevel
{
	CAP_RAW = 0,
	CAP_MINUTE,
	CAP_HOUR,
	CAP_DAY,
	CAP_NUM_LEVELS
} CapLevel;

/* One sample: a value per metric; bit i of nulls set when metric i is NULL. */
typedef struct CapSample
{
	CapTime		ts;
	uint64_t	nulls;
	double		v[CAP_NUM_METRICS];
} CapSample;

/* One rollup bucket, covering [start, start + width). */
typedef struct CapBucket
{
	CapTime		start;
	int32_t		n[CAP_NUM_METRICS + (CAP_NUM_METRICS % 2)]; /* values seen; even length keeps no padding */
	double		sum[CAP_NUM_METRICS];
	double		max[CAP_NUM_METRICS];
} CapBucket;

/* A ring of fixed capacity; slot "next" is written next. */
typedef struct CapRing
{
	int32_t		capacity;
	int32_t		count;
	int32_t		next;
	int32_t		pad;
} CapRing;

/*
 * The whole history.  The arrays follow the struct in the same allocation
 * and are addressed by offsets, so the block may be copied or mapped at
 * another address.
 */
typedef struct CapHistory
{
	CapRing		ring[CAP_NUM_LEVELS];
	size_t		offset[CAP_NUM_LEVELS]; /* from the start of this struct */
	bool		open_valid[CAP_NUM_LEVELS];
	CapBucket	open[CAP_NUM_LEVELS];	/* the bucket being filled; [CAP_RAW] unused */
} CapHistory;

extern const char *const cap_level_names[CAP_NUM_LEVELS];
extern const CapTime cap_level_width[CAP_NUM_LEVELS];	/* 0 for raw */

static inline bool
cap_sample_isnull(const CapSample *s, int metric)
{
	return (s->nulls & (UINT64_C(1) << metric)) != 0;
}

/* Bytes needed for a history with these ring capacities. */
extern size_t cap_history_size(const int32_t capacity[CAP_NUM_LEVELS]);

/* Lay out and empty a history in mem, which has cap_history_size() bytes. */
extern void cap_history_init(CapHistory *h, const int32_t capacity[CAP_NUM_LEVELS]);

/* Forget every sample and bucket, keeping the layout. */
extern void cap_history_reset(CapHistory *h);

/*
 * Add a sample: append it to the raw ring and fold it into the rollups.
 * Returns the time it was stored at: its own, or, when that is earlier than
 * what the history holds, the floor (cap_history_floor), so that the rings
 * stay in time order whatever the wall clock does.
 */
extern CapTime cap_history_add(CapHistory *h, const CapSample *s);

/*
 * The same from a given level down: with first = CAP_MINUTE, say, the
 * sample is folded into the minute, hour and day rollups but not kept raw
 * (an imported per-minute series).
 */
extern CapTime cap_history_add_from(CapHistory *h, const CapSample *s, CapLevel first);

/*
 * The earliest time a new entry added from level "first" down may carry:
 * just after the newest raw stamp, and no earlier than the newest bucket of
 * each rollup level.  False when those levels are empty.
 */
extern bool cap_history_floor(const CapHistory *h, CapLevel first, CapTime *floor);

/*
 * Drop every entry stamped (raw) or starting (rollups) after t; a rollup
 * level whose open bucket went is left with its newest remaining bucket
 * open again.  Returns the number of entries dropped.
 */
extern int32_t cap_history_truncate_after(CapHistory *h, CapTime t);

/* Start of the bucket of the given level holding ts (floor, also before 2000). */
extern CapTime cap_bucket_start(CapTime ts, CapLevel level);

/* Entries kept at a level: ring contents plus the open bucket. */
extern int32_t cap_history_count(const CapHistory *h, CapLevel level);

/* The i-th oldest raw sample, 0 <= i < ring count. */
extern const CapSample *cap_history_raw(const CapHistory *h, int32_t i);

/*
 * The i-th oldest bucket of a rollup level, 0 <= i < cap_history_count():
 * the last one is the open bucket when there is one.
 */
extern const CapBucket *cap_history_bucket(const CapHistory *h, CapLevel level,
										   int32_t i);

/*
 * Importing: put value v of one metric at time ts into the entry of level
 * "first" that holds ts (the raw sample at exactly ts; the bucket whose
 * span holds ts) and into the coarser rollups' buckets holding ts.
 * Returns 1 when done, 0 when level "first" has no entry for ts (the
 * caller then appends a new one), -1 when the raw sample already has a
 * value for that metric (a rollup bucket simply takes one more value).
 */
extern int	cap_history_fill(CapHistory *h, CapLevel first, CapTime ts, int metric,
							 double v);

/* Loading: append a raw sample or a closed bucket as is, set the open bucket. */
extern void cap_history_push_raw(CapHistory *h, const CapSample *s);
extern void cap_history_push_bucket(CapHistory *h, CapLevel level, const CapBucket *b);
extern void cap_history_set_open(CapHistory *h, CapLevel level, const CapBucket *b);

/* Fold a sample into a bucket (exported for the tests). */
extern void cap_bucket_add(CapBucket *b, const CapSample *s);

#endif							/* PG_CAPACITY_HISTORY_H */
