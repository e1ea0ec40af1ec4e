/*-------------------------------------------------------------------------
 *
 * metrics.c
 *		The metric catalogue: names, units and descriptions (see metrics.h).
 *
 * These names are the contract between the sampler and every SQL function
 * and later feature; capacity.metrics() lists them.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "metrics.h"

const CapMetricInfo cap_metric_info[CAP_NUM_METRICS] = {
	[CM_TPS] = {"tps", "tx/s",
	"transactions (commits and rollbacks) per second, all databases, the sampler's own excluded"},
	[CM_READ_TPS] = {"read_tps", "tx/s",
	"transactions per second that were not assigned a transaction id (tps - write_tps)"},
	[CM_WRITE_TPS] = {"write_tps", "tx/s",
	"transaction ids assigned per second; 0 on a standby"},
	[CM_CONNECTIONS] = {"connections", "connections",
	"client backends"},
	[CM_ACTIVE_CONNECTIONS] = {"active_connections", "connections",
	"client backends running a statement (NULL with track_activities off)"},
	[CM_IDLE_IN_TRANSACTION] = {"idle_in_transaction", "connections",
	"client backends idle in a transaction, aborted ones included (NULL with track_activities off)"},
	[CM_MAX_CONNECTIONS] = {"max_connections", "connections",
	"max_connections less the reserved superuser slots"},
	[CM_CACHE_HIT_RATIO] = {"cache_hit_ratio", "ratio",
	"blks_hit / (blks_hit + blks_read) over the interval, 0..1; NULL when no block was read"},
	[CM_WAL_BYTES_PER_SEC] = {"wal_bytes_per_sec", "bytes/s",
	"WAL inserted per second (on a standby: WAL replayed per second)"},
	[CM_CHECKPOINT_INTERVAL_SEC] = {"checkpoint_interval_sec", "s",
	"mean seconds between the checkpoints (restartpoints on a standby) of the last hour; with fewer than two, seconds since the last"},
	[CM_REQUESTED_CHECKPOINTS] = {"requested_checkpoints", "checkpoints",
	"requested (not timed) checkpoints during the interval"},
	[CM_REPLICATION_LAG_SEC] = {"replication_lag_sec", "s",
	"primary: replay lag of the worst streaming standby; standby: its own replay lag"},
	[CM_REPLICATION_LAG_BYTES] = {"replication_lag_bytes", "bytes",
	"primary: WAL not yet replayed by the worst standby; standby: WAL received but not replayed"},
	[CM_STANDBYS] = {"standbys", "standbys",
	"WAL senders streaming to a standby (or catching up)"},
	[CM_DATABASE_SIZE_BYTES] = {"database_size_bytes", "bytes",
	"sum of pg_database_size() over all databases (refreshed every pg_capacity.size_interval)"},
	[CM_DISK_TOTAL_BYTES] = {"disk_total_bytes", "bytes",
	"size of the filesystem holding the data directory"},
	[CM_DISK_FREE_BYTES] = {"disk_free_bytes", "bytes",
	"space available to PostgreSQL on the filesystem holding the data directory"},
	[CM_WAL_DIR_BYTES] = {"wal_dir_bytes", "bytes",
	"size of the files in pg_wal (refreshed every pg_capacity.size_interval)"},
	[CM_VCPUS] = {"vcpus", "vCPUs",
	"CPUs available to the node: pg_capacity.vcpus, else the cgroup CPU quota, else the online CPUs"},
	[CM_CPU_PCT] = {"cpu_pct", "%",
	"CPU busy, as a percentage of vcpus (cgroup usage where available, else /proc/stat)"},
	[CM_MEMORY_TOTAL_BYTES] = {"memory_total_bytes", "bytes",
	"memory available to the node: pg_capacity.memory, else the cgroup limit, else MemTotal"},
	[CM_MEMORY_USED_PCT] = {"memory_used_pct", "%",
	"memory in use, page cache that can be reclaimed excluded, as a percentage of memory_total_bytes"},
	[CM_SWAP_IO_PER_SEC] = {"swap_io_per_sec", "pages/s",
	"pages swapped in plus swapped out per second (/proc/vmstat)"},
	[CM_OOM_KILLS] = {"oom_kills", "kills",
	"processes killed by the OOM killer during the interval (cgroup memory.events, else /proc/vmstat)"},
	[CM_DISK_READ_IOPS] = {"disk_read_iops", "IO/s",
	"reads completed per second on the block device under the data directory"},
	[CM_DISK_WRITE_IOPS] = {"disk_write_iops", "IO/s",
	"writes completed per second on the block device under the data directory"},
	[CM_DISK_UTIL_PCT] = {"disk_util_pct", "%",
	"share of the interval the device was busy (io_ticks, as iostat %util)"},
	[CM_DEADLOCKS_PER_SEC] = {"deadlocks_per_sec", "deadlocks/s",
	"deadlocks detected per second, all databases"},
	[CM_TEMP_BYTES_PER_SEC] = {"temp_bytes_per_sec", "bytes/s",
	"bytes written to temporary files per second, all databases"},
	[CM_POSTGRES_CPU_PCT] = {"postgres_cpu_pct", "%",
	"CPU used by PostgreSQL's own processes, as a percentage of vcpus: the cgroup's usage where the cgroup holds only PostgreSQL, else the postmaster and its children from /proc"},
};

int
cap_metric_lookup(const char *name)
{
	int			i;

	for (i = 0; i < CAP_NUM_METRICS; i++)
		if (strcmp(cap_metric_info[i].name, name) == 0)
			return i;
	return -1;
}
