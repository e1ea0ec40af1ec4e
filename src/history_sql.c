/*-------------------------------------------------------------------------
 *
 * history_sql.c
 *		The history's SQL face: metrics(), latest(), history(),
 *		sampler_status() and reset_history().
 *
 * Reads and writes go through the history store (store.h), which copies
 * what is asked for under its lock; results are built after, so a slow
 * client never holds up the sampler.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "sql_common.h"
#include "store.h"

PG_FUNCTION_INFO_V1(pg_capacity_metrics);
PG_FUNCTION_INFO_V1(pg_capacity_latest);
PG_FUNCTION_INFO_V1(pg_capacity_history);
PG_FUNCTION_INFO_V1(pg_capacity_sampler_status);
PG_FUNCTION_INFO_V1(pg_capacity_reset_history);

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
	bool		found;
	int			i;

	cap_require_sampler();
	cap_init_materialized_srf(fcinfo);

	found = cap_store_latest(&s);
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
	double		seconds;
	CapWindow	w;
	int			i;

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

	seconds = cap_interval_seconds(since, "since");
	if (level < 0)
		level = cap_store_level_covering(seconds);
	cap_store_read_window(seconds, level, CAP_WINDOW_RAW_RETENTION,
						  CAP_METRIC_BIT(metric), &w);

	cap_init_materialized_srf(fcinfo);

	for (i = 0; i < w.n; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = TimestampTzGetDatum(w.ts[i]);
		if (w.count[metric][i] == 0)
			nulls[1] = nulls[2] = true;
		else
		{
			values[1] = Float8GetDatum(w.avg[metric][i]);
			values[2] = Float8GetDatum(w.max[metric][i]);
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
	CapStoreStatus st;
	bool		standby;
	int			i;

	cap_require_sampler();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	cap_store_status(&st);

	/* the role of the server now; the sampler's view may be a sample old */
	standby = st.is_standby;
	if (st.worker_pid == 0 || st.last_sample_at == 0)
		standby = RecoveryInProgress();

	memset(nulls, 0, sizeof(nulls));
	if (st.worker_pid != 0)
		values[0] = Int32GetDatum(st.worker_pid);
	else
		nulls[0] = true;
	values[1] = CStringGetTextDatum(standby ? "standby" : "primary");
	if (st.last_sample_at != 0)
		values[2] = TimestampTzGetDatum(st.last_sample_at);
	else
		nulls[2] = true;
	for (i = 0; i < CAP_NUM_LEVELS; i++)
		values[3 + i] = Int32GetDatum(st.counts[i]);
	values[7] = Int64GetDatum(st.size);
	if (st.last_persist_at != 0)
		values[8] = TimestampTzGetDatum(st.last_persist_at);
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
	cap_require_sampler();
	cap_store_reset();
	PG_RETURN_VOID();
}
