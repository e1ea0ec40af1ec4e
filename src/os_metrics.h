/*-------------------------------------------------------------------------
 *
 * os_metrics.h
 *		What the node's operating system says about CPU, memory, swap, OOM
 *		kills, the data directory's filesystem and its block device, read
 *		from /proc, /sys/fs/cgroup (v2, v1 fallback) and statvfs().
 *
 * Plain C with no server dependencies: the parsers are pure functions of
 * the text they are given, so they can be tested exactly, and the reader
 * takes a root directory so that a test can point it at a fixture tree.
 * Nothing here logs or throws: a source that cannot be read clears its
 * valid flag and sets its bit in OsSnapshot.failed, with a message.
 *
 * The header of two files: os_metrics.c reads the sources into a snapshot
 * (os_read_snapshot), os_parse.c holds what does no I/O (the parsers and
 * os_compute).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_OS_METRICS_H
#define PG_CAPACITY_OS_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Sources, as bits of OsSnapshot.failed */
#define OS_SRC_CPU_LIMIT	(1 << 0)	/* cgroup cpu.max / cfs quota, online CPUs */
#define OS_SRC_CPU_USAGE	(1 << 1)	/* cgroup cpu usage, else /proc/stat */
#define OS_SRC_MEMORY		(1 << 2)	/* cgroup memory, else /proc/meminfo */
#define OS_SRC_VMSTAT		(1 << 3)	/* /proc/vmstat: swap, OOM kills */
#define OS_SRC_OOM			(1 << 4)	/* cgroup memory.events oom_kill */
#define OS_SRC_FILESYSTEM	(1 << 5)	/* statvfs(data directory) */
#define OS_SRC_DISKSTATS	(1 << 6)	/* /proc/diskstats for the device */
#define OS_NUM_SOURCES		7

/* Cumulative counters and gauges read at one instant. */
typedef struct OsSnapshot
{
	uint32_t	failed;			/* OS_SRC_* bits of sources that failed */
	char		message[OS_NUM_SOURCES][160];	/* why, per failed source */

	/* CPU: limit and cumulative busy time */
	bool		has_vcpus;
	double		vcpus;			/* cgroup quota/period, else online CPUs */
	bool		has_cpu;
	bool		cpu_from_cgroup;	/* usage is the cgroup's, else /proc/stat */
	uint64_t	cpu_busy_usec;	/* cumulative busy CPU time */
	uint64_t	cpu_total_usec; /* /proc/stat only: busy + idle + iowait */
	double		online_cpus;	/* /proc/stat only: CPUs its totals cover */

	/* memory gauges */
	bool		has_memory;
	bool		memory_from_cgroup;	/* the cgroup's limit and usage */
	uint64_t	memory_total;	/* bytes: cgroup limit (if below MemTotal), else MemTotal */
	uint64_t	memory_used;	/* bytes, reclaimable page cache excluded */

	/* /proc/vmstat counters */
	bool		has_swap;
	uint64_t	swap_pages;		/* pswpin + pswpout */
	bool		has_oom;
	bool		oom_from_cgroup;	/* counter is the cgroup's, else vmstat's */
	uint64_t	oom_kills;		/* cgroup memory.events oom_kill, else vmstat oom_kill */

	/* filesystem of the data directory */
	bool		has_fs;
	uint64_t	fs_total;		/* bytes */
	uint64_t	fs_free;		/* bytes available to unprivileged users */

	/* block device of the data directory (/proc/diskstats) */
	bool		has_disk;
	char		disk_name[64];
	uint64_t	disk_reads;		/* reads completed */
	uint64_t	disk_writes;	/* writes completed */
	uint64_t	disk_io_ticks;	/* ms spent doing I/O */
} OsSnapshot;

/* Rates and gauges computed from two snapshots. */
typedef struct OsMetrics
{
	bool		has_vcpus;
	double		vcpus;
	bool		has_cpu_pct;
	double		cpu_pct;		/* 0..100 of vcpus */
	bool		has_memory;
	double		memory_total_bytes;
	double		memory_used_pct;	/* 0..100 of memory_total_bytes */
	bool		has_swap;
	double		swap_io_per_sec;
	bool		has_oom;
	double		oom_kills;		/* during the interval */
	bool		has_fs;
	double		disk_total_bytes;
	double		disk_free_bytes;
	bool		has_disk;
	double		disk_read_iops;
	double		disk_write_iops;
	double		disk_util_pct;	/* 0..100 */
} OsMetrics;

/*
 * Read every source.  root is prepended to /proc and /sys paths ("" or NULL
 * for the real ones); datadir is the data directory, used for statvfs() and
 * to find its block device (stat().st_dev matched against /proc/diskstats).
 */
extern void os_read_snapshot(const char *root, const char *datadir,
							 OsSnapshot *snap);

/*
 * Compute metrics from two snapshots elapsed_sec apart (prev may be NULL:
 * then only gauges are set).  vcpus_override > 0 and memory_override > 0
 * (bytes) replace the detected values, also as the denominators of
 * cpu_pct and memory_used_pct.
 */
extern void os_compute(const OsSnapshot *prev, const OsSnapshot *cur,
					   double elapsed_sec, double vcpus_override,
					   double memory_override, OsMetrics *out);

/*
 * PostgreSQL's own CPU time, for the cost of a transaction.  pids are the
 * server's processes (PGPROC), postmaster its pid.
 *
 * os_cgroup_is_postgres_only: 1 when every process of our CPU-accounting
 * cgroup (v1 cpuacct, else v2) is the postmaster, one of pids (sorted in
 * place) or a child of one of them; 0 when one is not (*foreign set to
 * it); -1 when there is no such cgroup or it cannot be read (err set).
 *
 * os_read_cgroup_cpu: that cgroup's cumulative CPU time, quota or not.
 *
 * os_read_process_cpu: the cumulative CPU time of the postmaster, of the
 * children it has reaped and of pids, from /proc/<pid>/stat.
 */
extern int	os_cgroup_is_postgres_only(const char *root, int64_t postmaster,
									   int64_t *pids, int npids, int64_t *foreign,
									   char *err, size_t errlen);
extern bool os_read_cgroup_cpu(const char *root, uint64_t *usec, char *err, size_t errlen);
extern bool os_read_process_cpu(const char *root, int64_t postmaster,
								const int64_t *pids, int npids, uint64_t *usec,
								char *err, size_t errlen);

/*
 * Pure parsers (os_parse.c), exported for the unit tests and for
 * os_metrics.c.  Each returns false on bad input.
 */
extern bool os_parse_flat_u64(const char *text, uint64_t *value);	/* one number: memory.current, cpuacct.usage */
extern bool os_parse_flat_u64_prefix(const char *text, const char **next,
									 uint64_t *value);	/* next number of a list, one per line */
extern bool os_parse_cgroup2_cpu_max(const char *text, double *vcpus);	/* "max 100000" -> false */
extern bool os_parse_cgroup1_quota(const char *quota_text, const char *period_text,
								   double *vcpus);	/* quota -1 -> false */
extern bool os_parse_keyed_u64(const char *text, const char *key, uint64_t *value);	/* "key value" lines: cpu.stat, memory.stat, memory.events, vmstat */
extern bool os_parse_meminfo_kb(const char *text, const char *key, uint64_t *kb);	/* "MemTotal:   123 kB" */
extern bool os_parse_proc_stat_cpu(const char *text, uint64_t *busy_ticks,
								   uint64_t *total_ticks);	/* first "cpu " line */
extern bool os_parse_diskstats(const char *text, unsigned int major, unsigned int minor,
							   char *name, size_t namelen, uint64_t *reads,
							   uint64_t *writes, uint64_t *io_ticks);
extern bool os_parse_cgroup_path(const char *proc_self_cgroup, const char *controller,
								 char *path, size_t pathlen);	/* controller "" = v2 "0::" line */
extern int	os_count_proc_stat_cpus(const char *text);	/* "cpuN" lines */
extern bool os_parse_pid_stat(const char *text, int64_t *ppid,
							  uint64_t *self_ticks, uint64_t *children_ticks);	/* /proc/<pid>/stat */

#endif							/* PG_CAPACITY_OS_METRICS_H */
