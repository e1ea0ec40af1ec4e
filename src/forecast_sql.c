/*-------------------------------------------------------------------------
 *
 * forecast_sql.c
 *		Growth forecasts over the history: capacity.forecast(),
 *		capacity.time_to_threshold() and capacity.capacity_plan(), the
 *		playbook's Capacity Planning section (a linear trend per metric and
 *		its Capacity Planning Matrix) evaluated inside the database.
 *
 * The arithmetic (least squares, Theil-Sen, prediction intervals, Student's
 * t, threshold crossings, the replica rule) is in forecast_model.c, pure and
 * unit-tested; this file reads the history and the capacities and returns
 * rows.
 *
 * Which points: the finest resolution whose retention covers the requested
 * history (as history(resolution => 'auto') picks it), or a coarser one if
 * that has fewer than three points (imported history lands in the rollup
 * its spacing fits).  A rollup bucket that is still filling is left out:
 * its peak so far is not yet the day's (or hour's) peak.  Capacity metrics
 * are fitted on the buckets' peaks (max), because peaks are what exhaust a
 * resource; the inverse metrics (cache hit ratio, checkpoint interval) on
 * their means.  Time is epoch seconds; the fit centres it, so timestamps
 * years apart lose no precision.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "datatype/timestamp.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "capacity.h"
#include "compat.h"
#include "forecast_model.h"
#include "history.h"
#include "metrics.h"
#include "settings.h"
#include "sql_common.h"
#include "store.h"

PG_FUNCTION_INFO_V1(pg_capacity_forecast);
PG_FUNCTION_INFO_V1(pg_capacity_time_to_threshold);
PG_FUNCTION_INFO_V1(pg_capacity_capacity_plan);

#define FORECAST_MAX_PAIRS	200000
#define DAY_SECONDS			86400.0
#define LEVEL				0.95
#define CROSSING_YEARS		10		/* how far time_to_threshold() looks, at most */

/*
 * A trend is extrapolated at most this many times the span of history it
 * was fitted on: 3 months of history reach 12 months ahead, 20 minutes do
 * not reach a day.
 */
#define MAX_AHEAD_FACTOR	4

/* A metric's trend over a window of history */
typedef struct Trend
{
	int			metric;
	bool		theil_sen;
	int			level;			/* resolution used */
	bool		peaks;			/* fitted on bucket peaks, else means */
	int			n;
	TimestampTz first_at;
	TimestampTz last_at;
	double		now;			/* epoch seconds */
	CapFit		fit;
} Trend;

static double
to_epoch(TimestampTz t)
{
	return (double) t / USECS_PER_SEC +
		(double) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * DAY_SECONDS;
}

static TimestampTz
from_epoch(double e)
{
	return (TimestampTz) llround((e - (double) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * DAY_SECONDS) *
								 USECS_PER_SEC);
}

/* Low is what exhausts these: fit their means, not their peaks. */
static bool
metric_uses_peaks(int metric)
{
	return metric != CM_CACHE_HIT_RATIO && metric != CM_CHECKPOINT_INTERVAL_SEC;
}

static void
fit_trend(int metric, double history_seconds, bool theil_sen, Trend *t)
{
	CapLevel	level;
	CapWindow	w;
	double	   *x;
	double	   *y;
	int			n;
	int			i;
	TimestampTz now = GetCurrentTimestamp();

	memset(t, 0, sizeof(*t));
	t->metric = metric;
	t->theil_sen = theil_sen;
	t->peaks = metric_uses_peaks(metric);
	t->now = to_epoch(now);

	/* the finest level covering the window, or coarser ones with data */
	for (level = cap_store_level_covering(history_seconds);; level++)
	{
		int			usable = 0;

		cap_store_read_window(history_seconds, level, CAP_WINDOW_RAW_RETENTION,
							  CAP_METRIC_BIT(metric), &w);
		for (i = 0; i < w.n; i++)
			if (w.count[metric][i] > 0)
				usable++;
		if (usable >= 3 || level >= CAP_DAY)
			break;
	}
	t->level = level;

	x = palloc(sizeof(double) * Max(w.n, 1));
	y = palloc(sizeof(double) * Max(w.n, 1));
	n = 0;
	for (i = 0; i < w.n; i++)
	{
		if (w.count[metric][i] == 0)
			continue;
		/* a bucket still filling has not seen its peak yet */
		if (level != CAP_RAW && w.ts[i] + cap_level_width[level] > now)
			continue;
		x[n] = to_epoch(w.ts[i]);
		y[n] = t->peaks ? w.max[metric][i] : w.avg[metric][i];
		if (n == 0)
			t->first_at = w.ts[i];
		t->last_at = w.ts[i];
		n++;
	}
	t->n = n;

	if (theil_sen)
	{
		double	   *work = palloc(sizeof(double) * cap_theil_sen_work_size(n, FORECAST_MAX_PAIRS));

		cap_fit_theil_sen(x, y, n, work, FORECAST_MAX_PAIRS, &t->fit);
	}
	else
		cap_fit_ols(x, y, n, &t->fit);
}

/* how far ahead of now the trend may be read, in seconds */
static double
max_ahead(const Trend *t)
{
	if (t->n < 2)
		return 0;
	return MAX_AHEAD_FACTOR * (double) (t->last_at - t->first_at) / USECS_PER_SEC;
}

static char *
span_text(const Trend *t)
{
	double		days = (double) (t->last_at - t->first_at) / USECS_PER_SEC / DAY_SECONDS;

	if (days >= 2)
		return psprintf("%.0f days", days);
	if (days * 24 >= 2)
		return psprintf("%.0f hours", days * 24);
	if (days * 24 * 60 >= 2)
		return psprintf("%.0f minutes", days * 24 * 60);
	return psprintf("%.0f seconds", days * DAY_SECONDS);
}

static Datum
float_datum(double v, bool *isnull)
{
	*isnull = !isfinite(v);
	return Float8GetDatum(*isnull ? 0 : v);
}

static Datum
ts_datum(double epoch, bool *isnull)
{
	*isnull = !isfinite(epoch);
	return TimestampTzGetDatum(*isnull ? 0 : from_epoch(epoch));
}

/* seconds from now to now + iv, by the calendar (months are months) */
static double
calendar_seconds_ahead(TimestampTz now, Interval *iv)
{
	TimestampTz then = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
															   TimestampTzGetDatum(now),
															   PointerGetDatum(iv)));

	return (double) (then - now) / USECS_PER_SEC;
}

static bool
parse_method(const char *method)
{
	if (strcmp(method, "ols") == 0)
		return false;
	if (strcmp(method, "theil_sen") == 0)
		return true;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown forecast method \"%s\"", method),
			 errdetail("Valid methods are: ols (ordinary least squares), theil_sen (median of pairwise slopes, robust to bursts).")));
	return false;				/* keep compiler quiet */
}

/*
 * capacity.forecast(metric, horizon, history, method) → one row: the trend
 * over the history and its value at now + horizon, with a 95% prediction
 * interval.
 */
Datum
pg_capacity_forecast(PG_FUNCTION_ARGS)
{
	char	   *metric_name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Interval   *horizon = PG_GETARG_INTERVAL_P(1);
	Interval   *history = PG_GETARG_INTERVAL_P(2);
	char	   *method = text_to_cstring(PG_GETARG_TEXT_PP(3));
	TimestampTz now = GetCurrentTimestamp();
	int			metric;
	bool		theil_sen;
	double		horizon_s;
	double		history_s;
	Trend		t;
	TupleDesc	tupdesc;
	Datum		values[14];
	bool		nulls[14];
	double		lo,
				hi;
	double		at;
	bool		too_far;

	cap_require_sampler();
	metric = cap_metric_lookup_or_error(metric_name);
	theil_sen = parse_method(method);

	/*
	 * A horizon beyond 100 years either way is settled before the calendar
	 * arithmetic, which would fail with a bare "timestamp out of range"
	 * (found by sqlsmith); the trend is read at most 4x its history ahead.
	 */
	horizon_s = cap_interval_raw_seconds(horizon);
	if (horizon_s > CAP_MAX_INTERVAL_SECONDS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("horizon must be at most 100 years"),
				 errdetail("A forecast looks ahead of now, such as '6 months'.")));
	if (horizon_s > -CAP_MAX_INTERVAL_SECONDS)
		horizon_s = calendar_seconds_ahead(now, horizon);
	if (!(horizon_s > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("horizon must be a positive interval"),
				 errdetail("A forecast looks ahead of now, such as '6 months'.")));
	history_s = cap_interval_seconds(history, "history");
	if (!(history_s > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("history must be a positive interval"),
				 errdetail("The trend is fitted on the last \"history\" of samples, such as '90 days'.")));

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	fit_trend(metric, history_s, theil_sen, &t);

	memset(nulls, false, sizeof(nulls));
	values[0] = CStringGetTextDatum(cap_metric_info[metric].name);
	values[1] = CStringGetTextDatum(theil_sen ? "theil_sen" : "ols");
	values[2] = CStringGetTextDatum(cap_level_names[t.level]);
	values[3] = CStringGetTextDatum(t.peaks ? "peak" : "mean");
	values[4] = Int32GetDatum(t.n);
	values[5] = TimestampTzGetDatum(t.first_at);
	nulls[5] = (t.n == 0);
	values[6] = TimestampTzGetDatum(t.last_at);
	nulls[6] = (t.n == 0);
	at = t.now + horizon_s;
	too_far = t.fit.valid && horizon_s > max_ahead(&t);
	values[7] = float_datum(t.fit.valid ? cap_fit_predict(&t.fit, t.now) : NAN, &nulls[7]);
	values[8] = float_datum(t.fit.valid ? t.fit.slope * DAY_SECONDS : NAN, &nulls[8]);
	values[9] = float_datum(t.fit.valid ? t.fit.r_squared : NAN, &nulls[9]);
	values[10] = float_datum(t.fit.valid && !too_far ? cap_fit_predict(&t.fit, at) : NAN, &nulls[10]);
	if (t.fit.valid && !too_far)
		cap_fit_prediction_interval(&t.fit, at, LEVEL, &lo, &hi);
	else
		lo = hi = NAN;
	values[11] = float_datum(lo, &nulls[11]);
	values[12] = float_datum(hi, &nulls[12]);
	if (!t.fit.valid)
		values[13] = CStringGetTextDatum(t.fit.reason);
	else if (too_far)
		values[13] = CStringGetTextDatum(psprintf("the history spans %s: a trend is read at most %d times that far ahead",
												  span_text(&t), MAX_AHEAD_FACTOR));
	nulls[13] = t.fit.valid && !too_far;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

static const char *
crossing_reason(CapCross c)
{
	switch (c)
	{
		case CAP_CROSS_YES:
			return NULL;
		case CAP_CROSS_ALREADY:
			return "the trend is already past the threshold";
		case CAP_CROSS_NEVER:
			return "the trend is flat or moving away from the threshold: it never crosses";
		case CAP_CROSS_BEYOND:
			return "the trend crosses only after 10 years";
		case CAP_CROSS_INVALID:
			break;
	}
	return "no trend";
}

/*
 * capacity.time_to_threshold(metric, threshold_pct) → when the trend (OLS,
 * last 90 days) crosses threshold_pct of the metric's capacity, and when
 * the edges of its 95% prediction band do.
 */
Datum
pg_capacity_time_to_threshold(PG_FUNCTION_ARGS)
{
	char	   *metric_name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	double		pct = PG_GETARG_FLOAT8(1);
	int			metric;
	Trend		t;
	TupleDesc	tupdesc;
	Datum		values[9];
	bool		nulls[9];
	const char *basis;
	double		capacity;
	double		threshold;
	double		x_cross = NAN,
				x_early = NAN,
				x_late = NAN;
	CapCross	c = CAP_CROSS_INVALID;
	const char *reason = NULL;

	cap_require_sampler();
	metric = cap_metric_lookup_or_error(metric_name);
	if (!(pct > 0) || !isfinite(pct))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("threshold_pct must be a positive percentage of capacity, such as 80")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	capacity = cap_metric_capacity(metric, &basis);
	threshold = capacity * pct / 100.0;
	fit_trend(metric, 90 * DAY_SECONDS, false, &t);

	if (isnan(capacity))
		reason = "this metric has no capacity in the capacity model (see capacity_report())";
	else if (!t.fit.valid)
		reason = t.fit.reason;
	else
	{
		double		ahead = Min(CROSSING_YEARS * 365.25 * DAY_SECONDS, max_ahead(&t));

		c = cap_fit_crossing(&t.fit, threshold, LEVEL, t.now, t.now + ahead,
							 &x_cross, &x_early, &x_late);
		reason = crossing_reason(c);
		if (c == CAP_CROSS_BEYOND && ahead < CROSSING_YEARS * 365.25 * DAY_SECONDS)
			reason = psprintf("the trend does not cross within %.0f days: %d times the %s of history it is fitted on, as far as it is read",
							  ahead / DAY_SECONDS, MAX_AHEAD_FACTOR, span_text(&t));
	}

	memset(nulls, false, sizeof(nulls));
	values[0] = CStringGetTextDatum(cap_metric_info[metric].name);
	values[1] = float_datum(capacity, &nulls[1]);
	values[2] = float_datum(threshold, &nulls[2]);
	if (c == CAP_CROSS_YES || c == CAP_CROSS_ALREADY)
	{
		values[3] = ts_datum(x_cross, &nulls[3]);
		values[4] = float_datum((x_cross - t.now) / DAY_SECONDS, &nulls[4]);
		values[5] = ts_datum(x_early, &nulls[5]);
		values[6] = ts_datum(x_late, &nulls[6]);
	}
	else
		nulls[3] = nulls[4] = nulls[5] = nulls[6] = true;
	values[7] = CStringGetTextDatum(basis ? basis : "");
	nulls[7] = (basis == NULL);
	values[8] = CStringGetTextDatum(reason ? reason : "");
	nulls[8] = (reason == NULL);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* One row of the Capacity Planning Matrix */
typedef struct PlanRow
{
	const char *name;
	int			metric;
	double	   *threshold_pct;	/* the decision threshold, a setting */
	const char *action;			/* what the playbook does past it */
} PlanRow;

static double plan_tps_pct = 80.0;	/* the playbook's "80% of capacity" */

/*
 * capacity.capacity_plan(history) → the playbook's Capacity Planning
 * Matrix for this node: per metric the trend's value now and in 3, 6 and 12
 * months, the capacity, when the trend crosses the decision threshold, and
 * the action.
 */
Datum
pg_capacity_capacity_plan(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Interval   *history = PG_GETARG_INTERVAL_P(0);
	TimestampTz now = GetCurrentTimestamp();
	double		history_s;
	const PlanRow rows[] = {
		{"tps", CM_TPS, &plan_tps_pct, "replicas"},
		{"connections", CM_CONNECTIONS, &cap_connection_saturation_pct, "Add PgBouncer"},
		{"data_size", CM_DATABASE_SIZE_BYTES, &cap_disk_usage_threshold_pct, "Expand storage"},
		{"ram_usage", CM_MEMORY_USED_PCT, &cap_memory_threshold_pct, "Vertical scale (RAM)"},
		{"cpu_usage", CM_CPU_PCT, &cap_cpu_threshold_pct, "Vertical scale (vCPUs)"},
	};
	Interval	months[3];
	int			r;

	cap_require_sampler();
	history_s = cap_interval_seconds(history, "history");
	if (!(history_s > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("history must be a positive interval"),
				 errdetail("The trends are fitted on the last \"history\" of samples, such as '365 days'.")));
	memset(months, 0, sizeof(months));
	months[0].month = 3;
	months[1].month = 6;
	months[2].month = 12;

	cap_init_materialized_srf(fcinfo);

	for (r = 0; r < (int) lengthof(rows); r++)
	{
		Datum		values[11];
		bool		nulls[11];
		const char *basis;
		double		capacity = cap_metric_capacity(rows[r].metric, &basis);
		double		threshold = capacity * *rows[r].threshold_pct / 100.0;
		double		f[3];
		double		x_cross = NAN,
					x_early,
					x_late;
		double		end12;
		Trend		t;
		char	   *action;
		CapCross	c = CAP_CROSS_INVALID;
		int			m;

		fit_trend(rows[r].metric, history_s, false, &t);
		end12 = t.now + Min(calendar_seconds_ahead(now, &months[2]), max_ahead(&t));
		for (m = 0; m < 3; m++)
		{
			double		ahead = calendar_seconds_ahead(now, &months[m]);

			f[m] = t.fit.valid && ahead <= max_ahead(&t) ?
				cap_fit_predict(&t.fit, t.now + ahead) : NAN;
		}

		if (!t.fit.valid)
			action = psprintf("no trend: %s", t.fit.reason);
		else if (isnan(capacity))
			action = pstrdup("capacity unknown");
		else if (isnan(f[0]))
			action = psprintf("history too short: it spans %s; 3 months ahead needs %d weeks or more",
							  span_text(&t), 13 / MAX_AHEAD_FACTOR + 1);
		else
		{
			c = cap_fit_crossing(&t.fit, threshold, LEVEL, t.now, end12,
								 &x_cross, &x_early, &x_late);
			if (c == CAP_CROSS_YES || c == CAP_CROSS_ALREADY)
			{
				char	   *by = pstrdup(timestamptz_to_str(from_epoch(x_cross)));

				by[7] = '\0';	/* YYYY-MM */
				if (strcmp(rows[r].action, "replicas") == 0)
				{
					/* the playbook's rule, on its own 6-month forecast */
					int			n = cap_replicas_needed(f[1], capacity, cap_tps_per_replica);

					if (n <= 0)
						n = cap_replicas_needed(f[2], capacity, cap_tps_per_replica);
					/* past the threshold, one at least (int() of a large deficit is negative) */
					n = Max(n, 1);
					action = psprintf("Add %d read replica%s by %s", n, n == 1 ? "" : "s", by);
				}
				else
					action = psprintf("%s by %s", rows[r].action, by);
			}
			else if (isnan(f[2]))
				action = psprintf("OK through %.0f days (the history, %s, reaches no further)",
								  (end12 - t.now) / DAY_SECONDS, span_text(&t));
			else
				action = pstrdup("OK through 12 months");
		}

		memset(nulls, false, sizeof(nulls));
		values[0] = CStringGetTextDatum(rows[r].name);
		values[1] = CStringGetTextDatum(cap_metric_info[rows[r].metric].unit);
		values[2] = float_datum(t.fit.valid ? cap_fit_predict(&t.fit, t.now) : NAN, &nulls[2]);
		values[3] = float_datum(f[0], &nulls[3]);
		values[4] = float_datum(f[1], &nulls[4]);
		values[5] = float_datum(f[2], &nulls[5]);
		values[6] = float_datum(capacity, &nulls[6]);
		values[7] = Float8GetDatum(*rows[r].threshold_pct);
		if (c == CAP_CROSS_YES || c == CAP_CROSS_ALREADY)
			values[8] = ts_datum(x_cross, &nulls[8]);
		else
			nulls[8] = true;
		values[9] = CStringGetTextDatum(action);
		values[10] = Int32GetDatum(t.n);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
