/*-------------------------------------------------------------------------
 *
 * model_sql.c
 *		SQL functions of the capacity model: capacity_report(),
 *		capacity_level(), scaling_recommendations(), sizing_recommendations(),
 *		required_resources().
 *
 * These gather their inputs (the history window, this node's detected
 * resources, the settings) and hand them to the pure formulas of model.c.
 *
 * The window: the finest resolution that has data in it (raw samples,
 * else minute, hour or day rollups), so that imported or older history is
 * read at the resolution it is kept in.  "current" is the mean over the
 * window, "peak" its worst value.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>
#include <sys/stat.h>

#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "postmaster/autovacuum.h"
#include "postmaster/bgwriter.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "model.h"
#include "pg_capacity.h"
#include "settings.h"

PG_FUNCTION_INFO_V1(pg_capacity_capacity_report);
PG_FUNCTION_INFO_V1(pg_capacity_capacity_level);
PG_FUNCTION_INFO_V1(pg_capacity_scaling_recommendations);
PG_FUNCTION_INFO_V1(pg_capacity_sizing_recommendations);
PG_FUNCTION_INFO_V1(pg_capacity_required_resources);

#define MIN_SAMPLES		3		/* fewer in a window: level unknown */
#define TREND_WIDTH		24		/* sparkline cells */

/* The history of the window, every metric, at one resolution. */
typedef struct Window
{
	CapLevel	level;
	int			n;
	TimestampTz *ts;
	CapBucket  *rows;			/* raw samples as buckets of one */
} Window;

/* One metric (or derived series) over the window; NaN where missing. */
typedef struct Series
{
	int			n;
	double	   *avg;
	double	   *max;
} Series;

/* One evaluated resource of the capacity report. */
typedef struct Resource
{
	const char *name;
	const char *unit;
	int			samples;
	double		current;
	double		peak;
	double		capacity;		/* NaN: judged by a threshold, not a capacity */
	double		utilization;	/* % of capacity; NaN when none */
	CapLevelKind level;
	char		trend[TREND_WIDTH * 3 + 1];
	char	   *detail;
} Resource;

/*
 * Copy the window [now - seconds, now] out of shared memory, at the finest
 * resolution that has data in it.
 */
static void
load_window_from(double seconds, CapLevel first, Window *w)
{
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz cutoff = now - (int64) (seconds * USECS_PER_SEC);
	CapHistory *h = &cap_shared->hist;
	int			l;

	memset(w, 0, sizeof(*w));
	LWLockAcquire(cap_shared->lock, LW_SHARED);
	for (l = first; l < CAP_NUM_LEVELS; l++)
	{
		int32		count = cap_history_count(h, l);
		int32		i;
		int			n = 0;

		w->ts = palloc(sizeof(TimestampTz) * Max(count, 1));
		w->rows = palloc(sizeof(CapBucket) * Max(count, 1));
		for (i = 0; i < count; i++)
		{
			if (l == CAP_RAW)
			{
				const CapSample *s = cap_history_raw(h, i);
				CapBucket  *b = &w->rows[n];
				int			m;

				if (s->ts < cutoff)
					continue;
				memset(b, 0, sizeof(*b));
				b->start = s->ts;
				for (m = 0; m < CAP_NUM_METRICS; m++)
				{
					if (cap_sample_isnull(s, m))
						continue;
					b->n[m] = 1;
					b->sum[m] = b->max[m] = s->v[m];
				}
			}
			else
			{
				const CapBucket *b = cap_history_bucket(h, l, i);

				if (b->start + cap_level_width[l] <= cutoff)
					continue;
				w->rows[n] = *b;
			}
			w->ts[n] = w->rows[n].start;
			n++;
		}
		if (n > 0 || l == CAP_NUM_LEVELS - 1)
		{
			w->level = l;
			w->n = n;
			break;
		}
		pfree(w->ts);
		pfree(w->rows);
	}
	LWLockRelease(cap_shared->lock);
}

static void
load_window(double seconds, Window *w)
{
	load_window_from(seconds, CAP_RAW, w);
}

static void
series_alloc(Series *s, int n)
{
	s->n = n;
	s->avg = palloc(sizeof(double) * Max(n, 1));
	s->max = palloc(sizeof(double) * Max(n, 1));
}

static void
metric_series(const Window *w, int metric, Series *s)
{
	int			i;

	series_alloc(s, w->n);
	for (i = 0; i < w->n; i++)
	{
		const CapBucket *b = &w->rows[i];

		s->avg[i] = b->n[metric] > 0 ? b->sum[metric] / b->n[metric] : NAN;
		s->max[i] = b->n[metric] > 0 ? b->max[metric] : NAN;
	}
}

/* a op b per row, from the rows' means (peaks of a derived series are those of the means) */
static void
derived_series(const Window *w, int a, int b, char op, Series *s)
{
	Series		sa;
	Series		sb;
	int			i;

	metric_series(w, a, &sa);
	metric_series(w, b, &sb);
	series_alloc(s, w->n);
	for (i = 0; i < w->n; i++)
	{
		double		x = sa.avg[i];
		double		y = sb.avg[i];
		double		v;

		switch (op)
		{
			case '-':
				v = x - y;
				break;
			case '+':
				v = x + y;
				break;
			default:			/* '%': x as a percentage of y */
				v = (y > 0) ? x / y * 100.0 : NAN;
				break;
		}
		s->avg[i] = v;
		s->max[i] = (op == '+' && !isnan(sa.max[i]) && !isnan(sb.max[i])) ?
			sa.max[i] + sb.max[i] : v;
	}
}

/* Count, mean, worst and newest of a series. */
static int
series_stats(const Series *s, bool higher_is_worse, double *mean, double *worst,
			 double *last)
{
	int			i;
	int			n = 0;
	double		sum = 0;

	*mean = *worst = *last = NAN;
	for (i = 0; i < s->n; i++)
	{
		double		v = s->avg[i];
		double		p = isnan(s->max[i]) ? v : s->max[i];

		if (isnan(v))
			continue;
		/* for "lower is worse" series the worst value is the lowest mean */
		if (!higher_is_worse)
			p = v;
		sum += v;
		n++;
		*last = v;
		if (isnan(*worst) || (higher_is_worse ? p > *worst : p < *worst))
			*worst = p;
	}
	if (n > 0)
		*mean = sum / n;
	return n;
}

static int
double_cmp(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Median of the non-missing means of a series (NaN when none). */
static double
series_median(const Series *s)
{
	double	   *v = palloc(sizeof(double) * Max(s->n, 1));
	int			n = 0;
	int			i;
	double		m;

	for (i = 0; i < s->n; i++)
		if (!isnan(s->avg[i]))
			v[n++] = s->avg[i];
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(double), double_cmp);
	m = (n % 2) ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
	pfree(v);
	return m;
}

/* The node's vCPUs: the setting, else the newest sampled value. */
static double
node_vcpus(const Window *w)
{
	Series		s;
	double		mean,
				worst,
				last;

	if (cap_vcpus > 0)
		return cap_vcpus;
	metric_series(w, CM_VCPUS, &s);
	if (series_stats(&s, true, &mean, &worst, &last) > 0)
		return last;
	return NAN;
}

static const char *
fmt_num(double v)
{
	if (isnan(v))
		return "n/a";
	if (fabs(v) >= 100)
		return psprintf("%.0f", v);
	if (fabs(v) >= 1)
		return psprintf("%.1f", v);
	return psprintf("%.3g", v);
}

static const char *
fmt_bytes(double v)
{
	if (isnan(v))
		return "n/a";
	if (v >= 1024.0 * 1024 * 1024 * 1024)
		return psprintf("%.1f TB", v / (1024.0 * 1024 * 1024 * 1024));
	if (v >= 1024.0 * 1024 * 1024)
		return psprintf("%.1f GB", v / (1024.0 * 1024 * 1024));
	if (v >= 1024.0 * 1024)
		return psprintf("%.1f MB", v / (1024.0 * 1024));
	return psprintf("%.0f bytes", v);
}

static char *
too_few_samples(int n)
{
	if (n == 0)
		return pstrdup("No sample in the window has this metric (its source is unavailable, or it does not apply here, such as lag without a standby).");
	return psprintf("%d sample%s in the window; at least %d are needed to judge.",
					n, n == 1 ? "" : "s", MIN_SAMPLES);
}

/* Evaluate one resource with a capacity: utilization and level from the mean. */
static void
eval_capacity(Resource *r, const Series *s, double capacity)
{
	double		last;

	r->samples = series_stats(s, true, &r->current, &r->peak, &last);
	r->capacity = capacity;
	r->utilization = (capacity > 0 && !isnan(r->current)) ?
		r->current / capacity * 100.0 : NAN;
	cap_sparkline(s->avg, s->n, TREND_WIDTH, r->trend, sizeof(r->trend));
	if (r->samples < MIN_SAMPLES)
	{
		r->level = CAP_LEVEL_UNKNOWN;
		r->detail = too_few_samples(r->samples);
		return;
	}
	if (isnan(r->utilization))
	{
		r->level = CAP_LEVEL_UNKNOWN;
		r->detail = pstrdup("The capacity of this resource is not known.");
		return;
	}
	r->level = cap_level_for_utilization(r->utilization, cap_warning_pct,
										 cap_critical_pct, cap_emergency_pct);
}

/* Evaluate one resource judged by a threshold (the inverse metrics). */
static void
eval_threshold(Resource *r, const Series *s, double threshold, bool higher_is_worse)
{
	double		last;

	r->samples = series_stats(s, higher_is_worse, &r->current, &r->peak, &last);
	r->capacity = NAN;
	r->utilization = NAN;
	cap_sparkline(s->avg, s->n, TREND_WIDTH, r->trend, sizeof(r->trend));
	if (r->samples < MIN_SAMPLES)
	{
		r->level = CAP_LEVEL_UNKNOWN;
		r->detail = too_few_samples(r->samples);
		return;
	}

	/*
	 * Critical when the median is past the threshold (more than half of the
	 * window: sustained); warning when only the mean is (a few deep
	 * excursions); a single dip that moves neither is ok.
	 */
	r->level = cap_level_for_threshold(series_median(s), r->current, threshold,
									   higher_is_worse);
}

static const char *
level_phrase(CapLevelKind level)
{
	switch (level)
	{
		case CAP_LEVEL_WARNING:
			return "warning: schedule a scaling review";
		case CAP_LEVEL_CRITICAL:
			return "critical: execute the scaling plan";
		case CAP_LEVEL_EMERGENCY:
			return "emergency: immediate action required";
		default:
			return "ok";
	}
}

#define NUM_RESOURCES 11

static double window_capacity(const Window *w, int metric, const char **basis);

/* Evaluate every resource of the report over the window. */
static int
evaluate_resources(const Window *wp, Resource *res)
{
	const Window w = *wp;
	Series		s;
	CapModelConstants k;
	double		vcpus;
	double		tps_capacity;
	int			i = 0;
	double		maxconn_last;
	double		total_last;
	const char *basis;

	cap_check_escalation_order();
	cap_model_constants(&k);
	memset(res, 0, sizeof(Resource) * NUM_RESOURCES);

	/* the capacities are window_capacity()'s, which the forecasts use too */
	vcpus = node_vcpus(&w);
	tps_capacity = window_capacity(&w, CM_TPS, &basis);

	/* tps against vcpus x tps_per_vcpu / cpu_safety_factor */
	res[i].name = "tps";
	res[i].unit = "tx/s";
	metric_series(&w, CM_TPS, &s);
	eval_capacity(&res[i], &s, tps_capacity);
	if (res[i].detail == NULL)
		res[i].detail = psprintf("%s tx/s on average, peak %s, is %s%% of %s tx/s (%s vCPUs x %g tx/s per vCPU / safety factor %g): %s.",
								 fmt_num(res[i].current), fmt_num(res[i].peak),
								 fmt_num(res[i].utilization), fmt_num(tps_capacity),
								 fmt_num(vcpus), k.tps_per_vcpu, k.cpu_safety_factor,
								 level_phrase(res[i].level));
	i++;

	/* read and write tps against the decision matrix's thresholds */
	res[i].name = "read_tps";
	res[i].unit = "tx/s";
	metric_series(&w, CM_READ_TPS, &s);
	eval_capacity(&res[i], &s, window_capacity(&w, CM_READ_TPS, &basis));
	if (res[i].detail == NULL)
		res[i].detail = psprintf("%s read tx/s on average, peak %s, is %s%% of the %s tx/s at which the playbook adds a read replica: %s.",
								 fmt_num(res[i].current), fmt_num(res[i].peak),
								 fmt_num(res[i].utilization), fmt_num(cap_read_tps_threshold),
								 level_phrase(res[i].level));
	i++;

	res[i].name = "write_tps";
	res[i].unit = "tx/s";
	metric_series(&w, CM_WRITE_TPS, &s);
	eval_capacity(&res[i], &s, window_capacity(&w, CM_WRITE_TPS, &basis));
	if (res[i].detail == NULL)
		res[i].detail = psprintf("%s write tx/s on average, peak %s, is %s%% of the %s tx/s at which the playbook considers sharding: %s.",
								 fmt_num(res[i].current), fmt_num(res[i].peak),
								 fmt_num(res[i].utilization), fmt_num(cap_write_tps_threshold),
								 level_phrase(res[i].level));
	i++;

	/* connections against max_connections (less reserved slots) */
	res[i].name = "connections";
	res[i].unit = "connections";
	maxconn_last = window_capacity(&w, CM_CONNECTIONS, &basis);
	metric_series(&w, CM_CONNECTIONS, &s);
	eval_capacity(&res[i], &s, maxconn_last);
	if (res[i].detail == NULL)
		res[i].detail = psprintf("%s client connections on average, peak %s, of %s allowed (%s%%): %s.",
								 fmt_num(res[i].current), fmt_num(res[i].peak),
								 fmt_num(maxconn_last), fmt_num(res[i].utilization),
								 level_phrase(res[i].level));
	i++;

	res[i].name = "cpu";
	res[i].unit = "%";
	metric_series(&w, CM_CPU_PCT, &s);
	eval_capacity(&res[i], &s, window_capacity(&w, CM_CPU_PCT, &basis));
	if (res[i].detail == NULL)
		res[i].detail = psprintf("CPU %s%% busy on average, peak %s%%, of %s vCPUs: %s.",
								 fmt_num(res[i].current), fmt_num(res[i].peak),
								 fmt_num(vcpus), level_phrase(res[i].level));
	i++;

	res[i].name = "memory";
	res[i].unit = "%";
	metric_series(&w, CM_MEMORY_USED_PCT, &s);
	eval_capacity(&res[i], &s, window_capacity(&w, CM_MEMORY_USED_PCT, &basis));
	{
		Series		mt;
		double		a,
					b,
					c;

		metric_series(&w, CM_MEMORY_TOTAL_BYTES, &mt);
		series_stats(&mt, true, &a, &b, &c);
		if (res[i].detail == NULL)
			res[i].detail = psprintf("%s%% of %s in use on average (page cache excluded), peak %s%%: %s.",
									 fmt_num(res[i].current), fmt_bytes(c),
									 fmt_num(res[i].peak), level_phrase(res[i].level));
	}
	i++;

	/* storage: used bytes of the data directory's filesystem */
	res[i].name = "storage";
	res[i].unit = "bytes";
	total_last = window_capacity(&w, CM_DATABASE_SIZE_BYTES, &basis);
	derived_series(&w, CM_DISK_TOTAL_BYTES, CM_DISK_FREE_BYTES, '-', &s);
	eval_capacity(&res[i], &s, total_last);
	if (res[i].detail == NULL)
		res[i].detail = psprintf("%s used of %s on the data directory's filesystem (%s%%): %s.",
								 fmt_bytes(res[i].current), fmt_bytes(total_last),
								 fmt_num(res[i].utilization), level_phrase(res[i].level));
	i++;

	/* IOPS: against disk_iops_limit where set, else the device's utilization */
	res[i].name = "iops";
	if (cap_disk_iops_limit > 0)
	{
		res[i].unit = "IO/s";
		derived_series(&w, CM_DISK_READ_IOPS, CM_DISK_WRITE_IOPS, '+', &s);
		eval_capacity(&res[i], &s, window_capacity(&w, CM_DISK_READ_IOPS, &basis));
		if (res[i].detail == NULL)
			res[i].detail = psprintf("%s IO/s on average, peak %s, of the %d provisioned (pg_capacity.disk_iops_limit, %s%%): %s.",
									 fmt_num(res[i].current), fmt_num(res[i].peak),
									 cap_disk_iops_limit, fmt_num(res[i].utilization),
									 level_phrase(res[i].level));
	}
	else
	{
		res[i].unit = "%";
		metric_series(&w, CM_DISK_UTIL_PCT, &s);
		eval_capacity(&res[i], &s, window_capacity(&w, CM_DISK_UTIL_PCT, &basis));
		if (res[i].detail == NULL)
			res[i].detail = psprintf("The data device was busy %s%% of the time on average, peak %s%% (set pg_capacity.disk_iops_limit to judge IOPS against the volume's limit): %s.",
									 fmt_num(res[i].current), fmt_num(res[i].peak),
									 level_phrase(res[i].level));
	}
	i++;

	/* the inverse metrics, judged by their thresholds */
	res[i].name = "cache_hit_ratio";
	res[i].unit = "ratio";
	metric_series(&w, CM_CACHE_HIT_RATIO, &s);
	eval_threshold(&res[i], &s, cap_cache_hit_threshold, false);
	if (res[i].detail == NULL)
		res[i].detail = psprintf("Cache hit ratio %s on average, lowest %s, against a threshold of %g: %s.",
								 fmt_num(res[i].current), fmt_num(res[i].peak),
								 cap_cache_hit_threshold, level_phrase(res[i].level));
	i++;

	res[i].name = "checkpoint_interval";
	res[i].unit = "s";
	metric_series(&w, CM_CHECKPOINT_INTERVAL_SEC, &s);
	eval_threshold(&res[i], &s, (double) cap_checkpoint_interval_threshold, false);
	if (res[i].detail == NULL)
		res[i].detail = psprintf("Checkpoints %s s apart on average, closest %s s, against a threshold of %d s: %s.",
								 fmt_num(res[i].current), fmt_num(res[i].peak),
								 cap_checkpoint_interval_threshold, level_phrase(res[i].level));
	i++;

	res[i].name = "replication_lag";
	res[i].unit = "s";
	metric_series(&w, CM_REPLICATION_LAG_SEC, &s);
	eval_threshold(&res[i], &s, cap_replication_lag_threshold / 1000.0, true);
	if (res[i].detail == NULL)
		res[i].detail = psprintf("Replication lag %s s on average, peak %s s, against a threshold of %g s: %s.",
								 fmt_num(res[i].current), fmt_num(res[i].peak),
								 cap_replication_lag_threshold / 1000.0, level_phrase(res[i].level));
	i++;

	Assert(i == NUM_RESOURCES);
	return i;
}

/*
 * The capacity a metric is judged against, from a window of history and the
 * settings: the one definition the capacity report and the forecasts share.
 * NaN, with *basis NULL, for a metric without one.
 */
static double
window_capacity(const Window *w, int metric, const char **basis)
{
	Series		s;
	CapModelConstants k;
	double		mean,
				worst,
				last;

	*basis = NULL;
	switch (metric)
	{
		case CM_TPS:
			cap_model_constants(&k);
			*basis = "vCPUs x pg_capacity.tps_per_vcpu / cpu_safety_factor";
			return isnan(node_vcpus(w)) ? NAN : cap_tps_capacity(node_vcpus(w), &k);
		case CM_READ_TPS:
			*basis = "pg_capacity.read_tps_threshold";
			return cap_read_tps_threshold;
		case CM_WRITE_TPS:
			*basis = "pg_capacity.write_tps_threshold";
			return cap_write_tps_threshold;
		case CM_CONNECTIONS:
		case CM_ACTIVE_CONNECTIONS:
			metric_series(w, CM_MAX_CONNECTIONS, &s);
			series_stats(&s, true, &mean, &worst, &last);
			*basis = "max_connections less reserved slots";
			return last;
		case CM_CPU_PCT:
		case CM_MEMORY_USED_PCT:
		case CM_DISK_UTIL_PCT:
			*basis = "100 %";
			return 100.0;
		case CM_DATABASE_SIZE_BYTES:
		case CM_WAL_DIR_BYTES:
			metric_series(w, CM_DISK_TOTAL_BYTES, &s);
			series_stats(&s, true, &mean, &worst, &last);
			*basis = "size of the data directory's filesystem";
			return last;
		case CM_DISK_READ_IOPS:
		case CM_DISK_WRITE_IOPS:
			if (cap_disk_iops_limit <= 0)
				return NAN;
			*basis = "pg_capacity.disk_iops_limit";
			return (double) cap_disk_iops_limit;
		default:
			return NAN;
	}
}

/* window_capacity() over the last hour: for the forecasts (forecast_sql.c) */
double
cap_metric_capacity(int metric, const char **basis)
{
	Window		w;

	load_window(3600, &w);
	return window_capacity(&w, metric, basis);
}

static Datum
float_or_null(double v, bool *isnull)
{
	*isnull = isnan(v);
	return Float8GetDatum(isnan(v) ? 0 : v);
}

/*
 * capacity.capacity_report(since): one row per resource.
 */
Datum
pg_capacity_capacity_report(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Window		w;
	Resource	res[NUM_RESOURCES];
	int			n;
	int			i;

	cap_require_sampler();
	load_window(cap_interval_seconds(PG_GETARG_INTERVAL_P(0), "since"), &w);
	n = evaluate_resources(&w, res);
	cap_init_materialized_srf(fcinfo);

	for (i = 0; i < n; i++)
	{
		Datum		values[9];
		bool		nulls[9] = {0};
		Resource   *r = &res[i];

		values[0] = CStringGetTextDatum(r->name);
		values[1] = float_or_null(r->current, &nulls[1]);
		values[2] = float_or_null(r->peak, &nulls[2]);
		values[3] = float_or_null(r->capacity, &nulls[3]);
		values[4] = CStringGetTextDatum(r->unit);
		values[5] = float_or_null(r->utilization, &nulls[5]);
		values[6] = CStringGetTextDatum(cap_level_kind_names[r->level]);
		values[7] = CStringGetTextDatum(r->trend);
		values[8] = CStringGetTextDatum(r->detail);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * capacity.capacity_level(): the worst level over the resources, judged
 * over pg_capacity.sustained_window, and the resource that set it.
 */
Datum
pg_capacity_capacity_level(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Window		w;
	Resource	res[NUM_RESOURCES];
	int			n;
	int			i;
	int			worst = -1;
	Datum		values[4];
	bool		nulls[4] = {0};

	cap_require_sampler();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	load_window((double) cap_sustained_window, &w);
	n = evaluate_resources(&w, res);
	for (i = 0; i < n; i++)
	{
		if (worst < 0 || cap_level_worse(res[worst].level, res[i].level) != res[worst].level)
			worst = i;
		/* among equal levels, the higher utilization names the resource */
		else if (res[i].level == res[worst].level && !isnan(res[i].utilization) &&
				 (isnan(res[worst].utilization) || res[i].utilization > res[worst].utilization))
			worst = i;
	}
	values[0] = CStringGetTextDatum(cap_level_kind_names[res[worst].level]);
	values[1] = CStringGetTextDatum(res[worst].name);
	values[2] = float_or_null(res[worst].utilization, &nulls[2]);
	values[3] = CStringGetTextDatum(res[worst].detail);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* ---------------------------------------------------------------------
 * Scaling recommendations: the Scaling Decision Matrix, evaluated.
 * ---------------------------------------------------------------------
 */

/* The playbook's "Cost vs Performance Trade-offs" rows. */
typedef struct TradeOff
{
	const char *cost;
	const char *gain;
	const char *complexity;
} TradeOff;

static const TradeOff T_REPLICA = {"Medium", "High (read-heavy)", "Low"};
static const TradeOff T_PGBOUNCER = {"Low", "High (connections)", "Low"};
static const TradeOff T_CPU = {"High", "Medium", "Low"};
static const TradeOff T_RAM = {"Medium", "High (caching)", "Low"};
static const TradeOff T_SHARDING = {"Low (compute)", "Very High", "Very High"};
static const TradeOff T_STORAGE = {"Medium", "High (I/O bound)", "Low"};
static const TradeOff T_TUNING = {"None (configuration)", "Medium", "Low"};

typedef struct Recommendation
{
	const char *priority;
	const char *direction;
	const char *resource;
	double		observed;
	double		threshold;
	const char *action;
	char	   *rationale;
	const TradeOff *t;
} Recommendation;

static const char *
raise_priority(const char *priority, CapLevelKind level)
{
	/* at emergency level every recommendation becomes critical */
	if (level == CAP_LEVEL_EMERGENCY)
		return "critical";
	return priority;
}

/*
 * The last sustained_window of the series (or all of it when shorter): the
 * samples "sustained" is judged on.
 */
static int
tail_start(const Window *w, double window_sec)
{
	TimestampTz from = GetCurrentTimestamp() - (int64) (window_sec * USECS_PER_SEC);
	int			i;

	for (i = 0; i < w->n; i++)
		if (w->ts[i] >= from ||
			(w->level != CAP_RAW && w->ts[i] + cap_level_width[w->level] > from))
			return i;
	return w->n;
}

/* One "sustained" rule; adds a recommendation when it fires. */
static void
rule(List **recs, const Series *s, int from, double threshold,
	 bool higher_is_worse, const char *priority, const char *direction,
	 const char *resource, const char *action, const TradeOff *t,
	 const char *what, const char *unit, CapLevelKind level)
{
	double		share;
	double		mean,
				worst,
				last;
	Series		tail;
	int			counted;
	Recommendation *r;

	tail.n = s->n - from;
	tail.avg = s->avg + from;
	tail.max = s->max + from;
	if (!cap_sustained(tail.avg, tail.n, threshold, higher_is_worse, MIN_SAMPLES, &share))
		return;
	counted = series_stats(&tail, higher_is_worse, &mean, &worst, &last);

	/* more than half of the samples past the threshold: so is their median */
	r = palloc0(sizeof(Recommendation));
	r->priority = raise_priority(priority, level);
	r->direction = direction;
	r->resource = resource;
	r->observed = series_median(&tail);
	r->threshold = threshold;
	r->action = action;
	r->t = t;
	r->rationale = psprintf("%s was %s %s%s in %.0f%% of the %d samples judged (median %s%s, mean %s%s, %s %s%s); the playbook's rule: %s %s %s%s sustained -> %s.",
							what, higher_is_worse ? "above" : "below",
							fmt_num(threshold), unit, share * 100.0,
							counted,
							fmt_num(r->observed), unit, fmt_num(mean), unit,
							higher_is_worse ? "peak" : "lowest", fmt_num(worst), unit,
							what, higher_is_worse ? ">" : "<", fmt_num(threshold), unit,
							action);
	*recs = lappend(*recs, r);
}

Datum
pg_capacity_scaling_recommendations(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	double		seconds;
	Window		w;
	Series		s;
	Resource	res[NUM_RESOURCES];
	List	   *recs = NIL;
	ListCell   *lc;
	int			from;
	int			i;

	cap_require_sampler();
	seconds = cap_interval_seconds(PG_GETARG_INTERVAL_P(0), "since");
	load_window(seconds, &w);
	evaluate_resources(&w, res);
	from = tail_start(&w, Min(seconds, (double) cap_sustained_window));

	/* When to scale horizontally */
	metric_series(&w, CM_READ_TPS, &s);
	rule(&recs, &s, from, cap_read_tps_threshold, true, "high", "horizontal",
		 "read_tps", "Add a read replica", &T_REPLICA, "read TPS", "", CAP_LEVEL_OK);
	/* "When to add read replicas: read load > 80% of capacity" */
	{
		const char *basis;
		double		capacity = window_capacity(&w, CM_TPS, &basis);
		if (!isnan(capacity) && capacity > 0)
		{
			metric_series(&w, CM_READ_TPS, &s);
			for (i = 0; i < s.n; i++)
			{
				s.avg[i] = s.avg[i] / capacity * 100.0;
				s.max[i] = s.max[i] / capacity * 100.0;
			}
			rule(&recs, &s, from, cap_read_load_threshold_pct, true, "high", "horizontal",
				 "read_tps", "Add a read replica", &T_REPLICA,
				 psprintf("read load (read TPS as a share of the %s tx/s TPS capacity)",
						  fmt_num(capacity)), "%", CAP_LEVEL_OK);
		}
	}
	metric_series(&w, CM_WRITE_TPS, &s);
	rule(&recs, &s, from, cap_write_tps_threshold, true, "medium", "horizontal",
		 "write_tps", "Consider sharding", &T_SHARDING, "write TPS", "", CAP_LEVEL_OK);
	metric_series(&w, CM_REPLICATION_LAG_SEC, &s);
	rule(&recs, &s, from, cap_replication_lag_threshold / 1000.0, true, "high",
		 "horizontal", "replication_lag", "Add a replica", &T_REPLICA,
		 "replication lag", " s", res[10].level);
	derived_series(&w, CM_CONNECTIONS, CM_MAX_CONNECTIONS, '%', &s);
	rule(&recs, &s, from, cap_connection_saturation_pct, true, "high", "horizontal",
		 "connections", "Add PgBouncer (connection pooling)", &T_PGBOUNCER,
		 "connection saturation", "%", res[3].level);

	/* When to scale vertically */
	metric_series(&w, CM_CPU_PCT, &s);
	rule(&recs, &s, from, cap_cpu_threshold_pct, true, "high", "vertical",
		 "cpu", "Add vCPUs", &T_CPU, "CPU utilization", "%", res[4].level);
	metric_series(&w, CM_MEMORY_USED_PCT, &s);
	rule(&recs, &s, from, cap_memory_threshold_pct, true, "critical", "vertical",
		 "memory", "Add RAM", &T_RAM, "memory usage", "%", res[5].level);
	if (cap_disk_iops_limit > 0)
	{
		derived_series(&w, CM_DISK_READ_IOPS, CM_DISK_WRITE_IOPS, '+', &s);
		for (i = 0; i < s.n; i++)
		{
			s.avg[i] = s.avg[i] / cap_disk_iops_limit * 100.0;
			s.max[i] = s.max[i] / cap_disk_iops_limit * 100.0;
		}
	}
	else
		metric_series(&w, CM_DISK_UTIL_PCT, &s);
	rule(&recs, &s, from, cap_iops_saturation_pct, true, "high", "vertical",
		 "iops", "Upgrade the storage tier (more IOPS)", &T_STORAGE,
		 "disk IOPS saturation", "%", res[7].level);
	derived_series(&w, CM_DISK_TOTAL_BYTES, CM_DISK_FREE_BYTES, '-', &s);
	{
		Series		total;

		metric_series(&w, CM_DISK_TOTAL_BYTES, &total);
		for (i = 0; i < s.n; i++)
		{
			s.avg[i] = total.avg[i] > 0 ? s.avg[i] / total.avg[i] * 100.0 : NAN;
			s.max[i] = s.avg[i];
		}
	}
	rule(&recs, &s, from, cap_disk_usage_threshold_pct, true, "high", "vertical",
		 "storage", "Expand the volume (or add a tablespace)", &T_STORAGE,
		 "disk usage", "%", res[6].level);
	metric_series(&w, CM_CACHE_HIT_RATIO, &s);
	rule(&recs, &s, from, cap_cache_hit_threshold, false, "medium", "tuning",
		 "cache_hit_ratio", "Increase shared_buffers (see sizing_recommendations())",
		 &T_TUNING, "cache hit ratio", "", res[8].level);
	metric_series(&w, CM_CHECKPOINT_INTERVAL_SEC, &s);
	rule(&recs, &s, from, (double) cap_checkpoint_interval_threshold, false, "medium",
		 "tuning", "checkpoint_interval",
		 "Increase max_wal_size (see sizing_recommendations())", &T_TUNING,
		 "checkpoint interval", " s", res[9].level);

	/* What the matrix implies: OOM kills or swapping -> add RAM */
	{
		Series		oom;
		double		kills = 0;

		metric_series(&w, CM_OOM_KILLS, &oom);
		for (i = from; i < oom.n; i++)
			if (!isnan(oom.avg[i]))
				kills += oom.avg[i] * Max(w.rows[i].n[CM_OOM_KILLS], 1);
		if (kills > 0)
		{
			Recommendation *r = palloc0(sizeof(Recommendation));

			r->priority = "critical";
			r->direction = "vertical";
			r->resource = "memory";
			r->observed = kills;
			r->threshold = 0;
			r->action = "Add RAM (the OOM killer is ending processes)";
			r->t = &T_RAM;
			r->rationale = psprintf("%.0f process%s killed by the OOM killer in the window; the playbook's rule: OOM killer events -> add RAM.",
									kills, kills == 1 ? " was" : "es were");
			recs = lappend(recs, r);
		}
	}
	metric_series(&w, CM_SWAP_IO_PER_SEC, &s);
	rule(&recs, &s, from, 0, true, "high", "vertical", "memory",
		 "Add RAM (the node is swapping)", &T_RAM, "swap I/O", " pages/s", res[5].level);

	cap_init_materialized_srf(fcinfo);
	foreach(lc, recs)
	{
		Recommendation *r = lfirst(lc);
		Datum		values[10];
		bool		nulls[10] = {0};

		values[0] = CStringGetTextDatum(r->priority);
		values[1] = CStringGetTextDatum(r->direction);
		values[2] = CStringGetTextDatum(r->resource);
		values[3] = float_or_null(r->observed, &nulls[3]);
		values[4] = float_or_null(r->threshold, &nulls[4]);
		values[5] = CStringGetTextDatum(r->action);
		values[6] = CStringGetTextDatum(r->rationale);
		values[7] = CStringGetTextDatum(r->t->cost);
		values[8] = CStringGetTextDatum(r->t->gain);
		values[9] = CStringGetTextDatum(r->t->complexity);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * Sizing recommendations: the Memory Scaling formulas and CPU scaling step.
 * ---------------------------------------------------------------------
 */

static bool
patroni_managed(void)
{
	struct stat st;

	if (cap_config_manager == CAP_CONFIG_PATRONI)
		return true;
	if (cap_config_manager == CAP_CONFIG_ALTER_SYSTEM)
		return false;
	return stat("patroni.dynamic.json", &st) == 0;
}

/*
 * Whether a setting already has the recommended value: both read in the
 * setting's own unit (an integer setting's "6026MB" and its raw 771328
 * buffers compare equal).  Only integer settings are recommended.
 */
static bool
setting_matches(const char *param, const char *recommended)
{
	const char *raw = GetConfigOption(param, true, false);
	int			flags = GetConfigOptionFlags(param, true);
	int			want;
	char	   *end;
	long		have;

	if (raw == NULL || recommended == NULL ||
		!parse_int(recommended, &want, flags, NULL))
		return false;
	errno = 0;
	have = strtol(raw, &end, 10);
	return errno == 0 && *end == '\0' && end != raw && have == want;
}

/* cluster_name as one shell word: single-quoted unless plainly safe */
static char *
shell_word(const char *s)
{
	StringInfoData buf;
	const char *p;

	if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == strlen(s))
		return pstrdup(s);
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '\'');
	for (p = s; *p; p++)
	{
		if (*p == '\'')
			appendStringInfoString(&buf, "'\\''");
		else
			appendStringInfoChar(&buf, *p);
	}
	appendStringInfoChar(&buf, '\'');
	return buf.data;
}

/*
 * How to apply a setting: patronictl on a Patroni node (the cluster's
 * dynamic configuration, so every member gets it; cluster_name, which
 * Patroni sets to its scope, names the cluster), ALTER SYSTEM elsewhere.
 */
static char *
apply_text(const char *param, const char *value, bool restart, bool patroni)
{
	if (patroni)
	{
		const char *scope = (cluster_name != NULL && cluster_name[0] != '\0') ?
			shell_word(cluster_name) : "<cluster>";

		/* "--" ends the options: a cluster_name such as "-h" stays a name */
		return psprintf("patronictl edit-config --pg %s=%s --force -- %s\n%s",
						param, value, scope,
						restart ?
						psprintf("patronictl restart --pending --force -- %s  # restart needed: each member where pending, primary included", scope) :
						"# Patroni reloads every member; no restart");
	}
	return psprintf("ALTER SYSTEM SET %s = '%s';\n%s", param, value,
					restart ? "-- then restart PostgreSQL" : "SELECT pg_reload_conf();");
}

static void
sizing_row(ReturnSetInfo *rsinfo, const char *param, const char *recommended,
		   const char *formula, bool restart, bool patroni)
{
	Datum		values[6];
	bool		nulls[6] = {0};
	char	   *current = GetConfigOptionByName(param, NULL, true);

	values[0] = CStringGetTextDatum(param);
	if (current)
		values[1] = CStringGetTextDatum(current);
	else
		nulls[1] = true;
	if (recommended)
		values[2] = CStringGetTextDatum(recommended);
	else
		nulls[2] = true;
	values[3] = CStringGetTextDatum(formula);
	values[4] = BoolGetDatum(restart);
	/* nothing to apply when the setting already has the recommended value */
	if (recommended && !setting_matches(param, recommended))
		values[5] = CStringGetTextDatum(apply_text(param, recommended, restart, patroni));
	else
		nulls[5] = true;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

static char *
bytes_setting(double bytes, bool round_mb, double min_bytes)
{
	char		buf[64];

	if (isnan(bytes) || bytes < 0)
		return NULL;
	/* never below what PostgreSQL accepts for the setting */
	if (bytes < min_bytes)
	{
		bytes = min_bytes;
		round_mb = false;
	}
	cap_format_bytes(bytes, round_mb, buf, sizeof(buf));
	return pstrdup(buf);
}

/* The newest value of a metric in the raw history (or NaN). */
static double
latest_value(int metric)
{
	Window		w;
	Series		s;
	double		mean,
				worst,
				last;

	load_window(3600, &w);
	metric_series(&w, metric, &s);
	if (series_stats(&s, true, &mean, &worst, &last) == 0)
		return NAN;
	return last;
}

Datum
pg_capacity_sizing_recommendations(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	double		ram;
	int			vcpus;
	int			maxconn;
	CapSizing	z;
	bool		patroni;
	double		wal_rate = NAN;
	char	   *formula;

	/* what-if arguments; otherwise this node's detected values */
	if (!PG_ARGISNULL(0))
	{
		ram = (double) PG_GETARG_INT64(0);
		if (ram <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("memory_bytes must be positive")));
	}
	else
	{
		cap_require_sampler();
		ram = cap_memory_mb > 0 ? cap_memory_mb * 1024.0 * 1024.0 :
			latest_value(CM_MEMORY_TOTAL_BYTES);
	}
	if (!PG_ARGISNULL(1))
	{
		vcpus = PG_GETARG_INT32(1);
		if (vcpus <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("vcpus must be positive")));
	}
	else
	{
		double		v;

		cap_require_sampler();
		v = cap_vcpus > 0 ? cap_vcpus : latest_value(CM_VCPUS);
		vcpus = isnan(v) ? 0 : (int) floor(v);
	}
	if (!PG_ARGISNULL(2))
	{
		maxconn = PG_GETARG_INT32(2);
		if (maxconn <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("max_connections must be positive")));
	}
	else
		maxconn = MaxConnections;

	patroni = patroni_managed();
	cap_sizing(ram, vcpus, maxconn, &z);
	cap_init_materialized_srf(fcinfo);

	sizing_row(rsinfo, "shared_buffers", bytes_setting(z.shared_buffers, true, 128 * 1024.0),
			   psprintf("RAM x 0.25 = %s x 0.25", fmt_bytes(ram)), true, patroni);
	sizing_row(rsinfo, "effective_cache_size", bytes_setting(z.effective_cache_size, true, 8 * 1024.0),
			   psprintf("RAM x 0.75 = %s x 0.75", fmt_bytes(ram)), false, patroni);
	sizing_row(rsinfo, "work_mem", bytes_setting(z.work_mem, true, 64 * 1024.0),
			   psprintf("(RAM - shared_buffers) / max_connections / 2 = (%s - %s) / %d / 2",
						fmt_bytes(ram), fmt_bytes(z.shared_buffers), maxconn), false, patroni);
	sizing_row(rsinfo, "maintenance_work_mem", bytes_setting(z.maintenance_work_mem, true, 1024 * 1024.0),
			   psprintf("RAM x 0.05, at most 8GB = min(%s x 0.05, 8GB)", fmt_bytes(ram)),
			   false, patroni);
	if (vcpus > 0)
	{
		sizing_row(rsinfo, "max_worker_processes", psprintf("%d", z.max_worker_processes),
				   psprintf("vCPUs, at least %d = max(%d, %d)", CAP_MIN_WORKER_PROCESSES,
							vcpus, CAP_MIN_WORKER_PROCESSES), true, patroni);
		sizing_row(rsinfo, "max_parallel_workers", psprintf("%d", z.max_parallel_workers),
				   psprintf("vCPUs = %d", vcpus), false, patroni);
		sizing_row(rsinfo, "max_parallel_workers_per_gather",
				   psprintf("%d", z.max_parallel_workers_per_gather),
				   psprintf("vCPUs / 2 = %d / 2", vcpus), false, patroni);
	}

	/*
	 * max_wal_size from the busiest minute of the last day: raw peaks are
	 * single seconds, and a checkpoint interval is minutes long.
	 */
	if (cap_shared != NULL)
	{
		Window		w;
		Series		s;
		int			i;

		load_window_from(86400, CAP_MINUTE, &w);
		metric_series(&w, CM_WAL_BYTES_PER_SEC, &s);
		for (i = 0; i < s.n; i++)
			if (!isnan(s.avg[i]) && (isnan(wal_rate) || s.avg[i] > wal_rate))
				wal_rate = s.avg[i];
	}
	if (isnan(wal_rate))
		formula = pstrdup("WAL rate x checkpoint_interval_threshold x (1 + checkpoint_completion_target), at least 1GB: no WAL rate measured yet");
	else
		formula = psprintf("WAL rate x checkpoint_interval_threshold x (1 + checkpoint_completion_target) = %s/s x %d s x %.2f, at least 1GB",
						   fmt_bytes(wal_rate), cap_checkpoint_interval_threshold,
						   1.0 + CheckPointCompletionTarget);
	sizing_row(rsinfo, "max_wal_size",
			   isnan(wal_rate) ? NULL :
			   bytes_setting(cap_max_wal_size(wal_rate, cap_checkpoint_interval_threshold,
											  CheckPointCompletionTarget,
											  1024.0 * 1024 * 1024), true, 2 * 1024 * 1024.0),
			   formula, false, patroni);

	/* the worst case the recommended settings allow, against RAM */
	{
		Datum		values[6];
		bool		nulls[6] = {0};
		double		now_worst = cap_worst_case_memory((double) NBuffers * BLCKSZ, MaxConnections,
													  (double) work_mem * 1024.0,
													  autovacuum_max_workers,
													  (double) maintenance_work_mem * 1024.0);
		double		rec_worst = cap_worst_case_memory(z.shared_buffers, maxconn, z.work_mem,
													  autovacuum_max_workers,
													  z.maintenance_work_mem);

		values[0] = CStringGetTextDatum("worst_case_memory");
		values[1] = CStringGetTextDatum(fmt_bytes(now_worst));
		values[4] = BoolGetDatum(false);
		if (isnan(ram))
		{
			/* no memory sample yet: nothing to recommend or compare */
			nulls[2] = true;
			values[3] = CStringGetTextDatum("shared_buffers + max_connections x work_mem + autovacuum_max_workers x maintenance_work_mem, against RAM: not measured yet");
			values[5] = CStringGetTextDatum("RAM not measured yet: wait for the sampler's first memory sample, or set pg_capacity.memory");
		}
		else
		{
			values[2] = CStringGetTextDatum(fmt_bytes(rec_worst));
			values[3] = CStringGetTextDatum(psprintf("shared_buffers + max_connections x work_mem + autovacuum_max_workers x maintenance_work_mem, against RAM %s",
													 fmt_bytes(ram)));
			values[5] = CStringGetTextDatum(rec_worst <= ram ?
											psprintf("fits: %.0f%% of RAM", rec_worst / ram * 100.0) :
											psprintf("exceeds RAM by %s: lower work_mem or max_connections",
													 fmt_bytes(rec_worst - ram)));
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * Required resources for a target load (Capacity Planning §2).
 * ---------------------------------------------------------------------
 */
Datum
pg_capacity_required_resources(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	double		target;
	double		read_ratio;
	double		active;
	int			maxconn;
	CapModelConstants k;
	CapRequired r;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
	{
		cap_init_materialized_srf(fcinfo);
		return (Datum) 0;		/* NULL in, nothing out */
	}
	target = PG_GETARG_FLOAT8(0);
	read_ratio = PG_GETARG_FLOAT8(1);
	if (isnan(target) || isinf(target) || target < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("target_tps must be a finite number >= 0, not %g", target)));
	if (isnan(read_ratio) || read_ratio < 0 || read_ratio > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("read_ratio must be between 0 and 1, not %g", read_ratio)));

	if (!PG_ARGISNULL(2))
	{
		active = (double) PG_GETARG_INT64(2);
		if (active < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("active_data_bytes must be >= 0")));
	}
	else
	{
		cap_require_sampler();
		active = latest_value(CM_DATABASE_SIZE_BYTES);
	}
	if (!PG_ARGISNULL(3))
	{
		maxconn = PG_GETARG_INT32(3);
		if (maxconn <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("max_connections must be positive")));
	}
	else
		maxconn = MaxConnections;

	cap_model_constants(&k);
	cap_required_resources(target, read_ratio, active, maxconn, &k, &r);
	cap_init_materialized_srf(fcinfo);

#define REQ_ROW(res, val, unit, formula) \
	do { \
		Datum		v_[4]; \
		bool		n_[4] = {0}; \
		v_[0] = CStringGetTextDatum(res); \
		v_[1] = float_or_null((val), &n_[1]); \
		v_[2] = CStringGetTextDatum(unit); \
		v_[3] = CStringGetTextDatum(formula); \
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v_, n_); \
	} while (0)

	REQ_ROW("vcpus", r.vcpus, "vCPUs",
			psprintf("target TPS / tps_per_vcpu x cpu_safety_factor = %g / %g x %g",
					 target, k.tps_per_vcpu, k.cpu_safety_factor));
	REQ_ROW("ram", r.ram_solvable ? r.ram_bytes : NAN, "bytes",
			psprintf("RAM = S x (working set + 0.25 RAM + max_connections x connection_memory), solved: S x (%s + %d x %s) / (1 - 0.25 S), S = %g; working set = active data %s x 0.5",
					 fmt_bytes(r.working_set_bytes), maxconn, fmt_bytes(k.connection_memory),
					 k.memory_safety_factor, fmt_bytes(active)));
	REQ_ROW("iops_low", r.iops_low, "IO/s",
			psprintf("write TPS x %g + read TPS x %g = %g x %g + %g x %g",
					 k.wal_iops_per_write_low, k.read_iops_per_read_low,
					 target * (1 - read_ratio), k.wal_iops_per_write_low,
					 target * read_ratio, k.read_iops_per_read_low));
	REQ_ROW("iops_high", r.iops_high, "IO/s",
			psprintf("write TPS x %g + read TPS x %g = %g x %g + %g x %g",
					 k.wal_iops_per_write_high, k.read_iops_per_read_high,
					 target * (1 - read_ratio), k.wal_iops_per_write_high,
					 target * read_ratio, k.read_iops_per_read_high));
	REQ_ROW("backend_connections", r.backend_connections, "connections",
			psprintf("vCPUs x backends_per_vcpu = ceil(%g) x %g", r.vcpus, k.backends_per_vcpu));
	REQ_ROW("client_connections", r.client_connections, "connections",
			psprintf("backend connections x pooler_multiplier (PgBouncer) = %g x %g",
					 r.backend_connections, k.pooler_multiplier));
	return (Datum) 0;
}
