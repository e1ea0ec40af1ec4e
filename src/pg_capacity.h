/*-------------------------------------------------------------------------
 *
 * pg_capacity.h
 *		Declarations shared by the server-side parts of pg_capacity: the
 *		settings, the shared-memory state and the entry points of the
 *		sampler and of the history file.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_H
#define PG_CAPACITY_H

#include "postgres.h"

#include "storage/lwlock.h"
#include "datatype/timestamp.h"
#include "utils/timestamp.h"

#include "history.h"

#define CAP_HISTORY_FILE		"pg_stat_tmp/pg_capacity.history"
#define CAP_WORKER_TYPE			"pg_capacity sampler"

/* Settings (pg_capacity.*), defined in pg_capacity.c */
extern bool cap_enabled;
extern int	cap_sample_interval;	/* s */
extern int	cap_persist_interval;	/* s */
extern int	cap_size_interval;		/* s */
extern int	cap_sample_timeout;		/* ms */
extern char *cap_database;	/* ignored: the sampler connects to no database */
extern int	cap_raw_retention;		/* s */
extern int	cap_minute_retention;	/* min */
extern int	cap_hour_retention;		/* min */
extern int	cap_day_retention;		/* min */
extern int	cap_vcpus;
extern int	cap_memory_mb;
extern int	cap_disk_iops_limit;
extern char *cap_os_root;

/* State in shared memory; hist must be last (its arrays follow it). */
typedef struct CapShared
{
	LWLock	   *lock;			/* protects everything below */
	int			worker_pid;		/* 0 when no sampler runs */
	bool		is_standby;		/* role at the last sample */
	bool		loaded;			/* history file read into this memory */
	int			connect_failures;	/* consecutive failed starts of the worker */
	uint64		reset_generation;	/* bumped by reset_history() */
	TimestampTz last_sample_at;
	TimestampTz last_persist_at;
	uint64		changes;		/* bumped by every change of hist */
	Size		total_size;		/* bytes of this struct with hist */
	CapHistory	hist;
} CapShared;

extern CapShared *cap_shared;

/* Ring capacities derived from the retention settings. */
extern void cap_ring_capacities(int32 capacity[CAP_NUM_LEVELS]);

/* Shared by the SQL functions (sql_functions.c) */
extern void cap_require_sampler(void);

/* One point of a metric's history (sql_functions.c) */
typedef struct CapHistoryPoint
{
	TimestampTz ts;
	bool		isnull;
	double		value;			/* the sample, or the bucket's mean */
	double		max;			/* the sample, or the bucket's largest */
} CapHistoryPoint;

extern int	cap_metric_lookup_or_error(const char *name);
extern double cap_metric_capacity(int metric, const char **basis);
extern int32 cap_history_points(int metric, int64 since_us, int *level,
								CapHistoryPoint **points);
/* the longest interval an argument is read as: a century */
#define CAP_MAX_INTERVAL_SECONDS (100.0 * 366 * SECS_PER_DAY)
extern double cap_interval_raw_seconds(const Interval *iv);
extern double cap_interval_seconds(const Interval *iv, const char *argname);

/* import_history()'s points not yet committed (import.c) */
extern void cap_import_discard_pending(void);

/* History file (persist.c) */
extern bool cap_persist_history(void);
extern void cap_load_history(void);

/*
 * How far the history may lie ahead of the wall clock: further, and the
 * entries stamped after the clock are dropped (persist.c, with the lock
 * held exclusively; returns how many).
 */
#define CAP_CLOCK_LEAD_MAX		(INT64CONST(3600) * USECS_PER_SEC)
extern int32 cap_clamp_history_to_clock(TimestampTz now);

/* The sampler's entry point (sampler.c) */
extern PGDLLEXPORT void pg_capacity_worker_main(Datum main_arg);

#endif							/* PG_CAPACITY_H */
