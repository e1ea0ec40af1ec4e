/*-------------------------------------------------------------------------
 *
 * sql_functions.c
 *		The SQL-callable functions over the sampled history: metrics(),
 *		latest(), history(), sampler_status() and reset_history().
 *
 * Every function that reads the history copies what it needs under a
 * shared lock and builds its result after releasing it, so a slow client
 * never holds up the sampler.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <unistd.h>

#include "access/xlog.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "pg_capacity.h"

PG_FUNCTION_INFO_V1(pg_capacity_metrics);
PG_FUNCTION_INFO_V1(pg_capacity_latest);
PG_FUNCTION_INFO_V1(pg_capacity_history);
PG_FUNCTION_INFO_V1(pg_capacity_sampler_status);
PG_FUNCTION_INFO_V1(pg_capacity_reset_history);

void
cap_require_sampler(void)
{
	if (cap_shared == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pg_capacity must be loaded via \"shared_preload_libraries\""),
				 errhint("Add pg_capacity to shared_preload_libraries in postgresql.conf and restart the server.")));
}

/*
 * An interval as seconds, months counted as 30 days as interval arithmetic
 * on epochs does; in floating point, so that no interval wraps around.
 */
double
cap_interval_raw_seconds(const Interval *iv)
{
	return iv->time / (double) USECS_PER_SEC +
		((double) iv->month * DAYS_PER_MONTH + iv->day) * SECS_PER_DAY;
}

/*
 * How far back to look: an interval's seconds, saturated at
 * CAP_MAX_INTERVAL_SECONDS (a century, more than any history holds).
 * ERROR (22023) when negative.
 */
double
cap_interval_seconds(const Interval *iv, const char *argname)
{
	double		sec = cap_interval_raw_seconds(iv);

	if (sec < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" must not be negative", argname),
				 errdetail("Give how far back to look as a positive interval, such as '1 hour'.")));
	return Min(sec, CAP_MAX_INTERVAL_SECONDS);
}

/* capacity.metrics(): the metric catalogue; needs no sampler. */
Datum
pg_capacity_metrics(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			i;

	cap_init_materialized_srf(fcinfo);
	for (i = 0; i < CAP_NUM_METRICS; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = CStringGetTextDatum(cap_metric_info[i].name);
		values[1] = CStringGetTextDatum(cap_metric_info[i].unit);
		values[2] = CStringGetTextDatum(cap_metric_info[i].description);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* capacity.latest(): the newest sample, a row per metric. */
Datum
pg_capacity_latest(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CapSample	s;
	bool		found = false;
	int			i;

	cap_require_sampler();
	cap_init_materialized_srf(fcinfo);

	LWLockAcquire(cap_shared->lock, LW_SHARED);
	{
		CapHistory *h = &cap_shared->hist;
		int32		n = h->ring[CAP_RAW].count;

		if (n > 0)
		{
			s = *cap_history_raw(h, n - 1);
			found = true;
		}
	}
	LWLockRelease(cap_shared->lock);

	if (!found)
		return (Datum) 0;

	for (i = 0; i < CAP_NUM_METRICS; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = CStringGetTextDatum(cap_metric_info[i].name);
		if (cap_sample_isnull(&s, i))
			nulls[1] = true;
		else
			values[1] = Float8GetDatum(s.v[i]);
		values[2] = CStringGetTextDatum(cap_metric_info[i].unit);
		values[3] = TimestampTzGetDatum(s.ts);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

static const char *
valid_metric_list(void)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < CAP_NUM_METRICS; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", cap_metric_info[i].name);
	return buf.data;
}

/* Retention of each level, in microseconds. */
static int64
level_retention(CapLevel level)
{
	switch (level)
	{
		case CAP_RAW:
			return (int64) cap_raw_retention * USECS_PER_SEC;
		case CAP_MINUTE:
			return (int64) cap_minute_retention * USECS_PER_MINUTE;
		case CAP_HOUR:
			return (int64) cap_hour_retention * USECS_PER_MINUTE;
		case CAP_DAY:
		default:
			return (int64) cap_day_retention * USECS_PER_MINUTE;
	}
}

/* metric number of a name, or ERROR 22023 listing the valid ones */
int
cap_metric_lookup_or_error(const char *name)
{
	int			metric = cap_metric_lookup(name);

	if (metric < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown pg_capacity metric \"%s\"", name),
				 errdetail("Valid metrics are: %s.", valid_metric_list()),
				 errhint("capacity.metrics() lists them with their units.")));
	return metric;
}

/*
 * The points of one metric over the last since_us microseconds at *level,
 * oldest first (palloc'd).  *level < 0 picks the finest resolution whose
 * retention covers the window, and says which.  Rollup points are buckets
 * that end after the start of the window; the newest is still filling.
 */
int32
cap_history_points(int metric, int64 since_us, int *level, CapHistoryPoint **out)
{
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz cutoff;
	CapHistoryPoint *points;
	int32		npoints = 0;
	int32		i;

	if (*level < 0)
	{
		*level = CAP_DAY;
		for (i = 0; i < CAP_NUM_LEVELS; i++)
			if (level_retention(i) >= since_us)
			{
				*level = i;
				break;
			}
	}
	cutoff = now - since_us;
	if (*level == CAP_RAW)
		cutoff = Max(cutoff, now - level_retention(CAP_RAW));

	LWLockAcquire(cap_shared->lock, LW_SHARED);
	{
		CapHistory *h = &cap_shared->hist;
		int32		n = cap_history_count(h, *level);

		points = palloc(sizeof(CapHistoryPoint) * Max(n, 1));
		for (i = 0; i < n; i++)
		{
			CapHistoryPoint *p = &points[npoints];

			if (*level == CAP_RAW)
			{
				const CapSample *s = cap_history_raw(h, i);

				if (s->ts < cutoff)
					continue;
				p->ts = s->ts;
				p->isnull = cap_sample_isnull(s, metric);
				p->value = p->max = s->v[metric];
			}
			else
			{
				const CapBucket *b = cap_history_bucket(h, *level, i);

				if (b->start + cap_level_width[*level] <= cutoff)
					continue;
				p->ts = b->start;
				p->isnull = (b->n[metric] == 0);
				p->value = p->isnull ? 0 : b->sum[metric] / b->n[metric];
				p->max = b->max[metric];
			}
			npoints++;
		}
	}
	LWLockRelease(cap_shared->lock);
	*out = points;
	return npoints;
}

/*
 * capacity.history(metric, since, resolution): one metric over the last
 * "since", oldest first.  "auto" picks the finest resolution whose
 * retention covers "since".  Rollup rows are buckets that end after the
 * start of the window; the newest is still filling.
 */
Datum
pg_capacity_history(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *metric_name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Interval   *since = PG_GETARG_INTERVAL_P(1);
	char	   *resolution = text_to_cstring(PG_GETARG_TEXT_PP(2));
	int			metric;
	int			level = -1;
	int64		since_us;
	CapHistoryPoint *points;
	int32		npoints = 0;
	int32		i;

	cap_require_sampler();

	metric = cap_metric_lookup_or_error(metric_name);

	if (strcmp(resolution, "auto") != 0)
	{
		for (i = 0; i < CAP_NUM_LEVELS; i++)
			if (strcmp(resolution, cap_level_names[i]) == 0)
				level = i;
		if (level < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown resolution \"%s\"", resolution),
					 errdetail("Valid resolutions are: raw, minute, hour, day, auto.")));
	}

	since_us = (int64) (cap_interval_seconds(since, "since") * USECS_PER_SEC);
	npoints = cap_history_points(metric, since_us, &level, &points);

	cap_init_materialized_srf(fcinfo);

	for (i = 0; i < npoints; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = TimestampTzGetDatum(points[i].ts);
		if (points[i].isnull)
			nulls[1] = nulls[2] = true;
		else
		{
			values[1] = Float8GetDatum(points[i].value);
			values[2] = Float8GetDatum(points[i].max);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* capacity.sampler_status(): one row about the sampler and its history. */
Datum
pg_capacity_sampler_status(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[10];
	bool		nulls[10];
	int			pid;
	bool		standby;
	TimestampTz last_sample;
	TimestampTz last_persist;
	int32		counts[CAP_NUM_LEVELS];
	int64		size;
	int			i;

	cap_require_sampler();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	LWLockAcquire(cap_shared->lock, LW_SHARED);
	pid = cap_shared->worker_pid;
	standby = cap_shared->is_standby;
	last_sample = cap_shared->last_sample_at;
	last_persist = cap_shared->last_persist_at;
	for (i = 0; i < CAP_NUM_LEVELS; i++)
		counts[i] = cap_history_count(&cap_shared->hist, i);
	size = cap_shared->total_size;
	LWLockRelease(cap_shared->lock);

	/* the role of the server now; the sampler's view may be a sample old */
	if (pid == 0 || last_sample == 0)
		standby = RecoveryInProgress();

	memset(nulls, 0, sizeof(nulls));
	if (pid != 0)
		values[0] = Int32GetDatum(pid);
	else
		nulls[0] = true;
	values[1] = CStringGetTextDatum(standby ? "standby" : "primary");
	if (last_sample != 0)
		values[2] = TimestampTzGetDatum(last_sample);
	else
		nulls[2] = true;
	for (i = 0; i < CAP_NUM_LEVELS; i++)
		values[3 + i] = Int32GetDatum(counts[i]);
	values[7] = Int64GetDatum(size);
	if (last_persist != 0)
		values[8] = TimestampTzGetDatum(last_persist);
	else
		nulls[8] = true;
	values[9] = CStringGetTextDatum(psprintf("%s/%s", DataDir, CAP_HISTORY_FILE));

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * capacity.reset_history(): forget every sample, in memory and on disk.
 * Superusers only (EXECUTE is revoked from PUBLIC by the install script).
 */
Datum
pg_capacity_reset_history(PG_FUNCTION_ARGS)
{
	int			save_errno = 0;

	cap_require_sampler();

	/*
	 * Under the lock, so that a write of the file under way (which renames
	 * under the lock, after checking the generation) cannot bring the old
	 * history back.
	 */
	LWLockAcquire(cap_shared->lock, LW_EXCLUSIVE);
	cap_history_reset(&cap_shared->hist);
	cap_shared->changes++;
	cap_shared->reset_generation++;
	if (unlink(CAP_HISTORY_FILE) != 0 && errno != ENOENT)
		save_errno = errno;
	LWLockRelease(cap_shared->lock);
	cap_import_discard_pending();

	if (save_errno != 0)
	{
		errno = save_errno;
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not remove pg_capacity history file \"%s\": %m",
						CAP_HISTORY_FILE)));
	}
	PG_RETURN_VOID();
}
