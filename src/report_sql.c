/*-------------------------------------------------------------------------
 *
 * report_sql.c
 *		The capacity report's SQL face: capacity_report(),
 *		capacity_level() and tps_capacity().
 *
 * The first two read a window of history (capacity.c) and evaluate the
 * report's resources over it; capacity_level() judges over
 * pg_capacity.sustained_window and names the worst resource.
 * tps_capacity() shows the basis of the report's TPS capacity: the fit of
 * the node's CPU cost per transaction, or why the playbook's constant
 * stands in for it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/timestamp.h"

#include "capacity.h"
#include "compat.h"
#include "settings.h"
#include "sql_common.h"

PG_FUNCTION_INFO_V1(pg_capacity_capacity_report);
PG_FUNCTION_INFO_V1(pg_capacity_capacity_level);
PG_FUNCTION_INFO_V1(pg_capacity_tps_capacity);

/*
 * capacity.capacity_report(since): one row per resource.
 */
Datum
pg_capacity_capacity_report(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CapWindow	w;
	CapResource res[CAP_NUM_RESOURCES];
	int			i;

	cap_require_sampler();
	cap_read_window(cap_interval_seconds(PG_GETARG_INTERVAL_P(0), "since"), CAP_RAW, &w);
	cap_evaluate_resources(&w, res);
	cap_init_materialized_srf(fcinfo);

	for (i = 0; i < CAP_NUM_RESOURCES; i++)
	{
		Datum		values[9];
		bool		nulls[9] = {0};
		CapResource *r = &res[i];

		values[0] = CStringGetTextDatum(r->name);
		values[1] = cap_float_or_null(r->current, &nulls[1]);
		values[2] = cap_float_or_null(r->peak, &nulls[2]);
		values[3] = cap_float_or_null(r->capacity, &nulls[3]);
		values[4] = CStringGetTextDatum(r->unit);
		values[5] = cap_float_or_null(r->utilization, &nulls[5]);
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
	CapWindow	w;
	CapResource res[CAP_NUM_RESOURCES];
	int			i;
	int			worst = -1;
	Datum		values[4];
	bool		nulls[4] = {0};

	cap_require_sampler();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	cap_read_window((double) cap_sustained_window, CAP_RAW, &w);
	cap_evaluate_resources(&w, res);
	for (i = 0; i < CAP_NUM_RESOURCES; i++)
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
	values[2] = cap_float_or_null(res[worst].utilization, &nulls[2]);
	values[3] = CStringGetTextDatum(res[worst].detail);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* numrange '[low,high]' */
static Datum
tps_range(double low, double high)
{
	char	   *text = psprintf("[%.1f,%.1f]", low, high);

	return OidInputFunctionCall(F_RANGE_IN, text, NUMRANGEOID, -1);
}

/*
 * capacity.tps_capacity(since): the basis of the TPS capacity, one row.
 */
Datum
pg_capacity_tps_capacity(PG_FUNCTION_ARGS)
{
	double		seconds = cap_interval_seconds(PG_GETARG_INTERVAL_P(0), "since");
	TupleDesc	tupdesc;
	CapTpsCapacity tc;
	CapModelConstants k;
	const CapTpsFit *f = &tc.fit;
	Datum		values[9];
	bool		nulls[9] = {0};
	char	   *detail;

	cap_require_sampler();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	cap_model_constants(&k);
	cap_read_tps_capacity(seconds, NAN, &tc);

	values[0] = CStringGetTextDatum(tc.measured ? "measured" : "playbook");
	values[1] = cap_float_or_null(tc.saturation_tps, &nulls[1]);
	values[2] = cap_float_or_null(tc.capacity_tps, &nulls[2]);
	if (tc.measured)
	{
		values[3] = cap_float_or_null(f->cpu_pct_per_1000_tps, &nulls[3]);
		values[4] = cap_float_or_null(f->fixed_cpu_pct, &nulls[4]);
		detail = psprintf("PostgreSQL's CPU = %s%% fixed + %s%% per 1000 tx/s of %s vCPUs (Theil-Sen over %d %s of the last %s, %s to %s tx/s, r-squared %.2f): every vCPU busy at %s tx/s; capacity %s tx/s = saturation / cpu_safety_factor %g. A line fitted at light load errs low, as the CPU a transaction costs falls with load (docs/capacity-model.md).",
						  cap_fmt_num(f->fixed_cpu_pct), cap_fmt_num(f->cpu_pct_per_1000_tps),
						  cap_fmt_num(tc.vcpus), f->n,
						  tc.level == CAP_RAW ? "samples" : tc.level == CAP_MINUTE ? "minute means" : "hour means",
						  cap_fmt_duration(seconds), cap_fmt_num(f->tps_min), cap_fmt_num(f->tps_max),
						  f->r_squared, cap_fmt_num(tc.saturation_tps), cap_fmt_num(tc.capacity_tps),
						  k.cpu_safety_factor);
	}
	else
	{
		/* the constant's own figures: all of the CPU scales with tps */
		values[3] = cap_float_or_null(tc.saturation_tps > 0 ?
									  1000.0 / tc.saturation_tps * 100.0 : NAN, &nulls[3]);
		values[4] = Float8GetDatum(0.0);
		detail = psprintf("The playbook's planning heuristic, not this node's measured cost: vCPUs x pg_capacity.tps_per_vcpu = %s x %g = %s tx/s with every vCPU busy, / cpu_safety_factor %g = %s tx/s. Not measured because %s.",
						  cap_fmt_num(tc.vcpus), k.tps_per_vcpu, cap_fmt_num(tc.saturation_tps),
						  k.cpu_safety_factor, cap_fmt_num(tc.capacity_tps),
						  tc.why_playbook ? tc.why_playbook : "the fit could not be made");
	}
	values[5] = Int32GetDatum(Max(f->n, 0));
	if (f->n > 0 && !isnan(f->tps_min))
		values[6] = tps_range(f->tps_min, f->tps_max);
	else
		nulls[6] = true;
	values[7] = cap_float_or_null(f->r_squared, &nulls[7]);
	values[8] = CStringGetTextDatum(detail);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
