/*-------------------------------------------------------------------------
 *
 * store.h
 *		The history store: the one owner of pg_capacity's shared memory.
 *
 * Every read and write of the shared history goes through these functions
 * (store.c, and store_file.c for the history file); no other file sees the
 * shared struct or takes its lock.  Readers copy what they need under a
 * shared lock and work on the copy after releasing it, so a slow client
 * never holds up the sampler.
 *
 * The one window reader, cap_store_read_window(), copies a window of
 * history at one resolution into columns (a mean, a largest value and a
 * count per row and requested metric).  Every SQL face reads history
 * through it: the history rows, the capacity report, the scaling rules,
 * the sizing and the forecasts.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_STORE_H
#define PG_CAPACITY_STORE_H

#include "postgres.h"

#include "datatype/timestamp.h"

#include "history.h"

#define CAP_HISTORY_FILE		"pg_stat_tmp/pg_capacity.history"

/*
 * How far the history may lie ahead of the wall clock: further, and the
 * entries stamped after the clock are dropped.
 */
#define CAP_CLOCK_LEAD_MAX		(INT64CONST(3600) * USECS_PER_SEC)

/* ---- shared memory (pg_capacity.c's hooks) ---- */
extern void cap_store_shmem_request(void);
extern void cap_store_shmem_startup(void);

/* ERROR (55000) naming shared_preload_libraries unless the store exists */
extern void cap_require_sampler(void);
extern bool cap_store_exists(void);

/* ---- the sampler ---- */

/* A start of the worker: returns how many starts failed before this one. */
extern int	cap_store_note_start(void);

/* The worker runs (connect failures forgotten) / has exited. */
extern void cap_store_worker_running(int pid);
extern void cap_store_worker_exited(int pid);

/*
 * Add a sample (its ts is set to the stamp the history gives it) on a node
 * in the given role; first drops the entries stamped more than
 * CAP_CLOCK_LEAD_MAX after wall.  Returns how many were dropped.
 */
extern int32 cap_store_add_sample(CapSample *s, bool standby, TimestampTz wall);

/* Bumped by every change of the history: the file is written when it moved. */
extern uint64 cap_store_changes(void);

/* ---- the history file (store_file.c) ---- */
extern bool cap_store_write_file(void);
extern void cap_store_load_file(void);

/* ---- SQL: reads ---- */
typedef struct CapStoreStatus
{
	int			worker_pid;		/* 0 when no sampler runs */
	bool		is_standby;		/* role at the last sample */
	TimestampTz last_sample_at; /* 0: never */
	TimestampTz last_persist_at;	/* 0: never */
	int32		counts[CAP_NUM_LEVELS];
	int64		size;			/* bytes of shared memory */
} CapStoreStatus;

extern void cap_store_status(CapStoreStatus *st);

/* The newest raw sample; false when there is none. */
extern bool cap_store_latest(CapSample *out);

/* A set of metrics, bit m for metric m. */
typedef uint64 CapMetricSet;

#define CAP_METRIC_BIT(m)	(UINT64CONST(1) << (m))
#define CAP_ALL_METRICS		((UINT64CONST(1) << CAP_NUM_METRICS) - 1)

/*
 * A window of history at one resolution, oldest row first.  A row is a raw
 * sample (count 1, or 0 where the metric is NULL) or a rollup bucket that
 * ends after the start of the window (the newest may still be filling).
 * Columns exist only for the metrics asked for; avg and max are NaN where
 * the row has no value.
 */
typedef struct CapWindow
{
	CapLevel	level;
	int			n;
	TimestampTz now;			/* when it was read */
	TimestampTz *ts;			/* the sample's time, or the bucket's start */
	double	   *avg[CAP_NUM_METRICS];
	double	   *max[CAP_NUM_METRICS];
	int32	   *count[CAP_NUM_METRICS];
} CapWindow;

/* Flags of cap_store_read_window() */
#define CAP_WINDOW_COARSER_IF_EMPTY	0x01	/* the finest level from "level" on
											 * with a row in the window (the
											 * coarsest when none has one) */
#define CAP_WINDOW_RAW_RETENTION	0x02	/* raw rows older than
											 * pg_capacity.raw_retention left
											 * out, as history() shows them */

/*
 * The one window reader: the last "seconds" of history at "level" (see the
 * flags), for the metrics asked for.  Columns are palloc'd in the current
 * memory context.
 */
extern void cap_store_read_window(double seconds, CapLevel level, int flags,
								  CapMetricSet metrics, CapWindow *w);

/* The finest level whose retention covers the last "seconds". */
extern CapLevel cap_store_level_covering(double seconds);

/* ---- SQL: writes ---- */

/* reset_history(): forget everything, in memory and on disk. */
extern void cap_store_reset(void);

/*
 * How many times this backend has reset the history: import_history()
 * drops the points its transaction queued before a reset, as a reset would
 * have dropped them had they been applied already.
 */
extern uint64 cap_store_resets_here(void);

/* Bytes of the history (for a copy of it). */
extern Size cap_store_history_bytes(void);

/* Copy the history into dst (cap_store_history_bytes() bytes). */
extern void cap_store_copy_history(CapHistory *dst);

/*
 * Apply a change to the history under the lock, all or nothing: the
 * history is first copied into backup (cap_store_history_bytes() bytes);
 * when fn returns false the copy is put back.  fn must not raise an
 * error.  Returns the change count after the change, 0 when fn failed.
 */
typedef bool (*CapStoreChange) (CapHistory *h, void *arg);
extern uint64 cap_store_apply(CapStoreChange fn, void *arg, CapHistory *backup);

/*
 * Put back a history copied by cap_store_apply(), unless it changed since
 * (its change count is no longer "changes").  Returns whether it did.
 */
extern bool cap_store_undo(const CapHistory *backup, uint64 changes);

#endif							/* PG_CAPACITY_STORE_H */
