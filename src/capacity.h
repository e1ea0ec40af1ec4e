/*-------------------------------------------------------------------------
 *
 * capacity.h
 *		The capacity definition and the series helpers: the room below the
 *		SQL faces of the report, the scaling rules, the sizing and the
 *		forecasts (capacity.c).
 *
 * A window of history (store.h) is turned into series of means and peaks;
 * cap_window_capacity() says what each metric is judged against (the one
 * definition the report and the forecasts share); cap_evaluate_resources()
 * evaluates the capacity report's resources over a window.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_CAPACITY_H
#define PG_CAPACITY_CAPACITY_H

#include "postgres.h"

#include "model.h"
#include "store.h"
#include "tps_model.h"

#define CAP_MIN_SAMPLES		3	/* fewer in a window: level unknown */
#define CAP_TREND_WIDTH		24	/* sparkline cells */

/* One metric (or derived series) over a window; NaN where missing. */
typedef struct CapSeries
{
	int			n;
	double	   *avg;
	double	   *max;
} CapSeries;

/*
 * The metrics the capacity report, its capacities and the decision matrix
 * read: a window of these is all they need.
 */
#define CAP_REPORT_METRICS ( \
	CAP_METRIC_BIT(CM_TPS) | CAP_METRIC_BIT(CM_READ_TPS) | CAP_METRIC_BIT(CM_WRITE_TPS) | \
	CAP_METRIC_BIT(CM_CONNECTIONS) | CAP_METRIC_BIT(CM_MAX_CONNECTIONS) | \
	CAP_METRIC_BIT(CM_VCPUS) | CAP_METRIC_BIT(CM_CPU_PCT) | \
	CAP_METRIC_BIT(CM_MEMORY_USED_PCT) | CAP_METRIC_BIT(CM_MEMORY_TOTAL_BYTES) | \
	CAP_METRIC_BIT(CM_SWAP_IO_PER_SEC) | CAP_METRIC_BIT(CM_OOM_KILLS) | \
	CAP_METRIC_BIT(CM_DISK_TOTAL_BYTES) | CAP_METRIC_BIT(CM_DISK_FREE_BYTES) | \
	CAP_METRIC_BIT(CM_DISK_READ_IOPS) | CAP_METRIC_BIT(CM_DISK_WRITE_IOPS) | \
	CAP_METRIC_BIT(CM_DISK_UTIL_PCT) | CAP_METRIC_BIT(CM_CACHE_HIT_RATIO) | \
	CAP_METRIC_BIT(CM_CHECKPOINT_INTERVAL_SEC) | CAP_METRIC_BIT(CM_REPLICATION_LAG_SEC))

/* The report's metrics over the last "seconds", at the finest level with data from "first" on. */
extern void cap_read_window(double seconds, CapLevel first, CapWindow *w);

/*
 * A metric's column as a series (a copy, which the caller may change);
 * ERROR if the window was read without it.
 */
extern void cap_metric_series(const CapWindow *w, int metric, CapSeries *s);

/*
 * a op b per row, from the rows' means: '-', '+' (whose peaks are the sum
 * of the peaks) or '%' (a as a percentage of b; NaN where b <= 0).
 */
extern void cap_derived_series(const CapWindow *w, int a, int b, char op, CapSeries *s);

/*
 * The capacity a metric is judged against, from a window of history and
 * the settings.  NaN, with *basis NULL, for a metric without one.
 */
extern double cap_window_capacity(const CapWindow *w, int metric, const char **basis);

/*
 * The TPS capacity and its basis (docs/capacity-model.md, "TPS capacity"):
 * measured from the node's own CPU cost per transaction when the fit over
 * the window is trustworthy, else the playbook's constant, never a mix.
 */
#define CAP_TPS_FIT_WINDOW	(7 * 86400.0)	/* what the report and the rules fit */

typedef struct CapTpsCapacity
{
	bool		measured;		/* basis 'measured', else 'playbook' */
	CapTpsFit	fit;			/* the attempt, trusted or not */
	CapLevel	level;			/* the resolution fitted */
	double		vcpus;			/* the node's vCPUs */
	double		saturation_tps; /* where CPU reaches 100 % of the vCPUs */
	double		capacity_tps;	/* saturation_tps / cpu_safety_factor */
	double		judged_tps;		/* what tps is judged against: measured,
								 * saturation_tps; playbook, capacity_tps */
	char	   *why_playbook;	/* why the fit was not used (playbook) */
} CapTpsCapacity;

/* Fit the last "seconds" of history for a node of vcpus vCPUs (NaN: the newest sampled). */
extern void cap_read_tps_capacity(double seconds, double vcpus, CapTpsCapacity *out);

/* cap_window_capacity() over the last hour (for the forecasts). */
extern double cap_metric_capacity(int metric, const char **basis);

/* The newest value of a metric over the last hour (or NaN). */
extern double cap_latest_value(int metric);

/* One evaluated resource of the capacity report. */
typedef struct CapResource
{
	const char *name;
	const char *unit;
	int			samples;
	double		current;
	double		peak;
	double		capacity;		/* NaN: judged by a threshold, not a capacity */
	double		utilization;	/* % of capacity; NaN when none */
	CapLevelKind level;
	char		trend[CAP_TREND_WIDTH * 3 + 1];
	char	   *detail;
} CapResource;

/* Evaluate every resource of the report (CapResourceId order) over a window. */
extern void cap_evaluate_resources(const CapWindow *w, CapResource res[CAP_NUM_RESOURCES]);

#endif							/* PG_CAPACITY_CAPACITY_H */
