/*-------------------------------------------------------------------------
 *
 * model.h
 *		The capacity model: the playbook's formulas, escalation levels,
 *		decision rules and the trend sparkline, as pure functions.
 *
 * No server dependencies: everything here is a function of its arguments,
 * so the unit tests (test/unit/test_model.c) check it exactly against hand
 * computed values and the playbook's own examples.  capacity.c and the SQL
 * faces (report_sql.c, scaling_sql.c, sizing_sql.c) gather the inputs from
 * the history and the settings.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_MODEL_H
#define PG_CAPACITY_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Escalation levels, worst last (the playbook's Escalation Path). */
typedef enum CapLevelKind
{
	CAP_LEVEL_UNKNOWN = 0,		/* too few samples or no capacity figure */
	CAP_LEVEL_OK,
	CAP_LEVEL_WARNING,			/* >= warning_pct: schedule scaling review */
	CAP_LEVEL_CRITICAL,			/* >= critical_pct: execute scaling plan */
	CAP_LEVEL_EMERGENCY			/* >= emergency_pct: immediate action */
} CapLevelKind;

extern const char *const cap_level_kind_names[];	/* "unknown", "ok", ... */

/* Worse of two levels; unknown loses to any known level. */
extern CapLevelKind cap_level_worse(CapLevelKind a, CapLevelKind b);

/* Level of a utilization percentage against the three escalation thresholds. */
extern CapLevelKind cap_level_for_utilization(double utilization_pct, double warning_pct,
											  double critical_pct, double emergency_pct);

/*
 * Level of an "inverse" metric judged against a threshold rather than a
 * capacity (cache hit ratio below 0.95, checkpoints closer than 5 min, lag
 * above 5 s): critical when "current" is past the threshold, warning when
 * only "worst" is, else ok; NaN current gives unknown.  capacity_report()
 * passes the window's median as current (past it means more than half of
 * the samples are: sustained) and its mean as worst (a few deep
 * excursions), so a single spike is not an alert.
 */
extern CapLevelKind cap_level_for_threshold(double current, double worst,
											double threshold, bool higher_is_worse);

/*
 * Trend sparkline: n values (NaN = missing) scaled between their min and
 * max into width block characters U+2581..U+2588 (▁▂▃▄▅▆▇█), each cell the
 * mean of the values that fall into it; missing cells are spaces; constant
 * series are drawn at the lowest block.  out gets UTF-8, NUL-terminated
 * (needs 3 * width + 1 bytes).  n == 0 gives an empty string.
 *
 * Precisely: there are min(n, width) cells (a series shorter than width is
 * drawn one cell per value, not stretched); cell c holds values
 * [c * n / cells, (c + 1) * n / cells) and shows the mean of their finite
 * values (non-finite values count as missing; a cell with none is a
 * space).  The cell means are scaled between the smallest and largest
 * cell mean into eight equal bands, so the shape always spans ▁..█.  When
 * outlen is too small the string stops at the last whole character that
 * fits, still NUL-terminated.
 */
extern void cap_sparkline(const double *values, int n, int width, char *out, size_t outlen);

/*
 * "Sustained": of the n samples of the window (NaN = missing, not counted),
 * more than half are past the threshold (> threshold when higher_is_worse,
 * else <), and there are at least min_samples of them.  *share gets the
 * share of counted samples past the threshold (0..1; 0 when none was
 * counted; share may be NULL).  Exactly half is not sustained.
 */
extern bool cap_sustained(const double *values, int n, double threshold,
						  bool higher_is_worse, int min_samples, double *share);

#define CAP_MIN_WORKER_PROCESSES 8	/* PostgreSQL's default */

/* Memory Scaling formulas (bytes). */
typedef struct CapSizing
{
	double		shared_buffers;		/* ram * 0.25 */
	double		effective_cache_size;	/* ram * 0.75 */
	double		work_mem;			/* (ram - shared_buffers) / max_connections / 2 */
	double		maintenance_work_mem;	/* min(ram * 0.05, 8GB) */
	int			max_worker_processes;	/* max(vcpus, 8) */
	int			max_parallel_workers;	/* vcpus */
	int			max_parallel_workers_per_gather;	/* vcpus / 2, at least 1 */
} CapSizing;

/*
 * NaN, infinite or negative ram_bytes gives NaN in the four byte fields;
 * max_connections <= 0 gives NaN work_mem; vcpus < 1 gives 0 in the three
 * worker fields.  The caller handles those.
 */
extern void cap_sizing(double ram_bytes, int vcpus, int max_connections, CapSizing *out);

/*
 * max_wal_size so that checkpoints triggered by WAL volume fall at least
 * interval_sec apart at wal_bytes_per_sec: the checkpointer starts one
 * when max_wal_size / (1 + checkpoint_completion_target) of WAL has been
 * written since the last.  Rounded up to a whole MB; at least min_bytes.
 * So max_wal_size = rate * interval * (1 + target).  NaN, infinite or
 * negative arguments give NaN.
 */
extern double cap_max_wal_size(double wal_bytes_per_sec, double interval_sec,
							   double checkpoint_completion_target, double min_bytes);

/*
 * Worst-case memory the settings allow: shared_buffers + max_connections
 * × work_mem + autovacuum workers × maintenance_work_mem.  NaN or negative
 * arguments give NaN.
 */
extern double cap_worst_case_memory(double shared_buffers, int max_connections,
									double work_mem, int autovacuum_workers,
									double maintenance_work_mem);

/* Capacity Planning §2: Resource Utilization Formulas. */
typedef struct CapModelConstants
{
	double		tps_per_vcpu;		/* 500 */
	double		cpu_safety_factor;	/* 1.5 */
	double		memory_safety_factor;	/* 1.3 */
	double		connection_memory;	/* bytes, 10MB */
	double		wal_iops_per_write_low;	/* 5 */
	double		wal_iops_per_write_high;	/* 10 */
	double		read_iops_per_read_low; /* 2 */
	double		read_iops_per_read_high;	/* 5 */
	double		backends_per_vcpu;	/* 50 */
	double		pooler_multiplier;	/* 10 */
	/* the node's measured CPU cost (tps_model.h); NaN: the playbook's tps_per_vcpu */
	double		measured_fixed_vcpus;	/* NaN */
	double		measured_vcpus_per_tps; /* NaN */
} CapModelConstants;

typedef struct CapRequired
{
	double		vcpus;				/* target / tps_per_vcpu * cpu_safety, or with a measured
									 * cost (fixed + target * per_tps) * cpu_safety; not rounded */
	double		ram_bytes;			/* solved: R = S (W + 0.25 R + C m)  =>  R = S (W + C m) / (1 - 0.25 S) */
	bool		ram_solvable;		/* false when 0.25 * S >= 1 (no finite RAM satisfies it) */
	double		working_set_bytes;	/* active data * 0.5 */
	double		iops_low;			/* write_tps * wal_low + read_tps * read_low */
	double		iops_high;
	double		backend_connections;	/* ceil(vcpus) * backends_per_vcpu */
	double		client_connections; /* backend_connections * pooler_multiplier */
} CapRequired;

/* Fills k with the playbook's values (the defaults in the comments above). */
extern void cap_default_constants(CapModelConstants *k);

/*
 * k == NULL means cap_default_constants().  Each output is NaN when an
 * input it depends on is invalid (NaN, infinite or negative; read_ratio
 * outside 0..1; tps_per_vcpu 0): vcpus and the connections on target_tps,
 * ram_bytes and working_set_bytes on active_data_bytes and max_connections,
 * the IOPS on target_tps and read_ratio.  ram_bytes is NaN when not
 * ram_solvable.  read tps = target * read_ratio, write tps = the rest.
 */
extern void cap_required_resources(double target_tps, double read_ratio,
								   double active_data_bytes, int max_connections,
								   const CapModelConstants *k, CapRequired *out);

/*
 * TPS capacity of a node: vcpus * tps_per_vcpu / cpu_safety_factor.
 * k == NULL means the defaults; invalid arguments give NaN.
 */
extern double cap_tps_capacity(double vcpus, const CapModelConstants *k);

/*
 * Format a byte count as PostgreSQL prints a memory setting: the largest
 * unit of kB, MB, GB, TB in which it is a whole number ("16GB", "256MB",
 * "3276MB"); the value is first rounded down to a whole kB (or to a whole
 * MB when round_mb).  Before that it is rounded to the nearest whole byte,
 * so floating-point noise does not lose a unit.  Zero is "0" (as SHOW
 * prints it); NaN, infinite or negative bytes give "NaN".
 */
extern void cap_format_bytes(double bytes, bool round_mb, char *out, size_t outlen);

/*
 * Parse "low-high" or "low,high" (a number alone means low = high); false on bad input.
 * Numbers are unsigned decimals ("2.5"; no sign, no exponent, locale
 * independent); spaces are allowed around them.  Both must be > 0 and
 * low <= high.  *low and *high are set only on success.
 */
extern bool cap_parse_range(const char *text, double *low, double *high);

/*
 * The resources of the capacity report, in its order.  The decision matrix
 * (matrix.h) names the resource whose level raises a rule's priority.
 */
typedef enum CapResourceId
{
	CAP_RES_TPS = 0,
	CAP_RES_READ_TPS,
	CAP_RES_WRITE_TPS,
	CAP_RES_CONNECTIONS,
	CAP_RES_CPU,
	CAP_RES_MEMORY,
	CAP_RES_STORAGE,
	CAP_RES_IOPS,
	CAP_RES_CACHE_HIT_RATIO,
	CAP_RES_CHECKPOINT_INTERVAL,
	CAP_RES_REPLICATION_LAG,
	CAP_NUM_RESOURCES,
	CAP_RES_NONE = -1
} CapResourceId;

/* The Scaling Decision Matrix's thresholds (the settings, in these units). */
typedef struct CapThresholds
{
	double		read_tps;			/* 10000 tx/s */
	double		read_load_pct;		/* 80 % of the TPS capacity */
	double		write_tps;			/* 5000 tx/s */
	double		replication_lag_sec;	/* 5 s */
	double		connection_saturation_pct;	/* 80 % */
	double		cpu_pct;			/* 70 % */
	double		memory_pct;			/* 85 % */
	double		iops_saturation_pct;	/* 80 % */
	double		disk_usage_pct;		/* 85 % */
	double		cache_hit_ratio;	/* 0.95, lower is worse */
	double		checkpoint_interval_sec;	/* 300 s, lower is worse */
} CapThresholds;

/*
 * Count, mean, worst and newest of a series of n means (avg) and peaks
 * (max; NULL or NaN where a row has none: its mean is its peak), NaN
 * meaning missing.  For a "higher is worse" series the worst value is the
 * largest peak; otherwise the lowest mean.  Returns how many rows had a
 * value; with none, mean, worst and last are NaN.
 */
extern int	cap_series_stats(const double *avg, const double *max, int n,
							 bool higher_is_worse, double *mean, double *worst,
							 double *last);

/*
 * Median of the non-missing values of v[0..n) (NaN when none); work holds
 * n doubles.
 */
extern double cap_median(const double *v, int n, double *work);

/*
 * A number as the report texts print it: "n/a" for NaN, no decimals from
 * 100 on, one from 1 on, else three significant digits.
 */
extern void cap_format_number(double v, char *out, size_t outlen);

#endif							/* PG_CAPACITY_MODEL_H */
