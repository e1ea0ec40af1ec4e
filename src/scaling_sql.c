/*-------------------------------------------------------------------------
 *
 * scaling_sql.c
 *		scaling_recommendations(): the Scaling Decision Matrix (matrix.c)
 *		over this node's history.
 *
 * This file only gathers the matrix's inputs: each input's series over the
 * last pg_capacity.sustained_window of the window (or all of it when
 * shorter), its threshold from the settings, and the capacity report's
 * levels, which raise a rule's priority at the emergency level.  Which
 * rules fire, and why, is the pure table's business.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "capacity.h"
#include "compat.h"
#include "matrix.h"
#include "settings.h"
#include "sql_common.h"

PG_FUNCTION_INFO_V1(pg_capacity_scaling_recommendations);

/*
 * The last window_sec of the window (or all of it when shorter): the rows
 * "sustained" is judged on.
 */
static int
tail_start(const CapWindow *w, double window_sec)
{
	TimestampTz from = GetCurrentTimestamp() - (int64) (window_sec * USECS_PER_SEC);
	int			i;

	for (i = 0; i < w->n; i++)
		if (w->ts[i] >= from ||
			(w->level != CAP_RAW && w->ts[i] + cap_level_width[w->level] > from))
			return i;
	return w->n;
}

/* in = the series s from row "from" on, judged against threshold */
static void
set_input(CapMatrixSeries *in, const CapSeries *s, int from, double threshold)
{
	in->present = true;
	in->avg = s->avg + from;
	in->max = s->max + from;
	in->n = s->n - from;
	in->threshold = threshold;
}

/* s scaled to a percentage of "of" */
static void
scale_to_pct(CapSeries *s, double of)
{
	int			i;

	for (i = 0; i < s->n; i++)
	{
		s->avg[i] = s->avg[i] / of * 100.0;
		s->max[i] = s->max[i] / of * 100.0;
	}
}

/*
 * The matrix's inputs over the window; tps_capacity is what the report
 * judged tps against (cap_evaluate_resources), for the read-load rule.
 */
static void
gather_inputs(const CapWindow *w, int from, double tps_capacity,
			  CapMatrixSeries in[CAP_NUM_MATRIX_INPUTS])
{
	static const struct
	{
		CapMatrixInput input;
		int			metric;
	}			plain[] =
	{
		{CAP_IN_READ_TPS, CM_READ_TPS},
		{CAP_IN_WRITE_TPS, CM_WRITE_TPS},
		{CAP_IN_REPLICATION_LAG_SEC, CM_REPLICATION_LAG_SEC},
		{CAP_IN_CPU_PCT, CM_CPU_PCT},
		{CAP_IN_MEMORY_USED_PCT, CM_MEMORY_USED_PCT},
		{CAP_IN_CACHE_HIT_RATIO, CM_CACHE_HIT_RATIO},
		{CAP_IN_CHECKPOINT_INTERVAL_SEC, CM_CHECKPOINT_INTERVAL_SEC},
		{CAP_IN_SWAP_IO_PER_SEC, CM_SWAP_IO_PER_SEC},
	};
	CapThresholds t;
	CapSeries	s;
	int			i;

	cap_thresholds(&t);
	memset(in, 0, sizeof(CapMatrixSeries) * CAP_NUM_MATRIX_INPUTS);

	/* the inputs that are one metric as sampled */
	for (i = 0; i < (int) lengthof(plain); i++)
	{
		cap_metric_series(w, plain[i].metric, &s);
		set_input(&in[plain[i].input], &s, from,
				  cap_matrix_threshold(&t, plain[i].input));
	}

	/* read load: read TPS as a share of the report's TPS capacity, when known */
	if (!isnan(tps_capacity) && tps_capacity > 0)
	{
		cap_metric_series(w, CM_READ_TPS, &s);
		scale_to_pct(&s, tps_capacity);
		set_input(&in[CAP_IN_READ_LOAD_PCT], &s, from, t.read_load_pct);
		in[CAP_IN_READ_LOAD_PCT].note = cap_fmt_num(tps_capacity);
	}

	cap_derived_series(w, CM_CONNECTIONS, CM_MAX_CONNECTIONS, '%', &s);
	set_input(&in[CAP_IN_CONNECTION_SATURATION_PCT], &s, from, t.connection_saturation_pct);

	/* IOPS against disk_iops_limit where set, else the device's utilization */
	if (cap_disk_iops_limit > 0)
	{
		cap_derived_series(w, CM_DISK_READ_IOPS, CM_DISK_WRITE_IOPS, '+', &s);
		scale_to_pct(&s, (double) cap_disk_iops_limit);
	}
	else
		cap_metric_series(w, CM_DISK_UTIL_PCT, &s);
	set_input(&in[CAP_IN_IOPS_SATURATION_PCT], &s, from, t.iops_saturation_pct);

	/* disk usage: used bytes as a share of the filesystem */
	{
		CapSeries	total;

		cap_derived_series(w, CM_DISK_TOTAL_BYTES, CM_DISK_FREE_BYTES, '-', &s);
		cap_metric_series(w, CM_DISK_TOTAL_BYTES, &total);
		for (i = 0; i < s.n; i++)
		{
			s.avg[i] = total.avg[i] > 0 ? s.avg[i] / total.avg[i] * 100.0 : NAN;
			s.max[i] = s.avg[i];
		}
		set_input(&in[CAP_IN_DISK_USAGE_PCT], &s, from, t.disk_usage_pct);
	}

	/* OOM kills: the processes killed in each row (its mean times its samples) */
	cap_metric_series(w, CM_OOM_KILLS, &s);
	for (i = 0; i < s.n; i++)
		if (!isnan(s.avg[i]))
			s.avg[i] *= Max(w->count[CM_OOM_KILLS][i], 1);
	set_input(&in[CAP_IN_OOM_KILLS], &s, from, 0);
}

Datum
pg_capacity_scaling_recommendations(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	double		seconds;
	CapWindow	w;
	CapResource res[CAP_NUM_RESOURCES];
	CapLevelKind levels[CAP_NUM_RESOURCES];
	CapMatrixSeries in[CAP_NUM_MATRIX_INPUTS];
	CapRecommendation *recs;
	int			nrecs;
	int			i;

	cap_require_sampler();
	seconds = cap_interval_seconds(PG_GETARG_INTERVAL_P(0), "since");
	cap_read_window(seconds, CAP_RAW, &w);
	cap_evaluate_resources(&w, res);
	for (i = 0; i < CAP_NUM_RESOURCES; i++)
		levels[i] = res[i].level;

	gather_inputs(&w, tail_start(&w, Min(seconds, (double) cap_sustained_window)),
				  res[CAP_RES_TPS].capacity, in);
	recs = palloc(sizeof(CapRecommendation) * cap_decision_matrix_length);
	nrecs = cap_decision_matrix_evaluate(in, levels, CAP_MIN_SAMPLES,
										 palloc(sizeof(double) * Max(w.n, 1)), recs);

	cap_init_materialized_srf(fcinfo);
	for (i = 0; i < nrecs; i++)
	{
		const CapRecommendation *r = &recs[i];
		Datum		values[10];
		bool		nulls[10] = {0};

		values[0] = CStringGetTextDatum(r->priority);
		values[1] = CStringGetTextDatum(r->rule->direction);
		values[2] = CStringGetTextDatum(r->rule->resource);
		values[3] = cap_float_or_null(r->observed, &nulls[3]);
		values[4] = cap_float_or_null(r->threshold, &nulls[4]);
		values[5] = CStringGetTextDatum(r->rule->action);
		values[6] = CStringGetTextDatum(r->rationale);
		values[7] = CStringGetTextDatum(r->rule->tradeoff->cost);
		values[8] = CStringGetTextDatum(r->rule->tradeoff->gain);
		values[9] = CStringGetTextDatum(r->rule->tradeoff->complexity);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
