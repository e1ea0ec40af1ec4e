/*-------------------------------------------------------------------------
 *
 * metrics.h
 *		The metric catalogue of pg_capacity: the fixed list of metrics that
 *		the sampler records, with their units and descriptions.
 *
 * The order of this list is the on-disk and in-memory order of every
 * sample: a metric is only ever appended, never removed or moved.  A history
 * file written with fewer metrics is read with the new ones NULL
 * (store_file.c); no new file format version is needed.
 * This header is free of server dependencies so that pure code can use it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_METRICS_H
#define PG_CAPACITY_METRICS_H

typedef enum CapMetric
{
	CM_TPS = 0,
	CM_READ_TPS,
	CM_WRITE_TPS,
	CM_CONNECTIONS,
	CM_ACTIVE_CONNECTIONS,
	CM_IDLE_IN_TRANSACTION,
	CM_MAX_CONNECTIONS,
	CM_CACHE_HIT_RATIO,
	CM_WAL_BYTES_PER_SEC,
	CM_CHECKPOINT_INTERVAL_SEC,
	CM_REQUESTED_CHECKPOINTS,
	CM_REPLICATION_LAG_SEC,
	CM_REPLICATION_LAG_BYTES,
	CM_STANDBYS,
	CM_DATABASE_SIZE_BYTES,
	CM_DISK_TOTAL_BYTES,
	CM_DISK_FREE_BYTES,
	CM_WAL_DIR_BYTES,
	CM_VCPUS,
	CM_CPU_PCT,
	CM_MEMORY_TOTAL_BYTES,
	CM_MEMORY_USED_PCT,
	CM_SWAP_IO_PER_SEC,
	CM_OOM_KILLS,
	CM_DISK_READ_IOPS,
	CM_DISK_WRITE_IOPS,
	CM_DISK_UTIL_PCT,
	CM_DEADLOCKS_PER_SEC,
	CM_TEMP_BYTES_PER_SEC,
	CM_POSTGRES_CPU_PCT,		/* added in 0.5.0: appended, older files stay readable */
	CAP_NUM_METRICS				/* must be last */
} CapMetric;

typedef struct CapMetricInfo
{
	const char *name;
	const char *unit;
	const char *description;
} CapMetricInfo;

extern const CapMetricInfo cap_metric_info[CAP_NUM_METRICS];

/* Look up a metric by name; returns -1 when there is none. */
extern int	cap_metric_lookup(const char *name);

#endif							/* PG_CAPACITY_METRICS_H */
