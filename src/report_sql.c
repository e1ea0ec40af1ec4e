/*-------------------------------------------------------------------------
 *
 * report_sql.c
 *		The capacity report's SQL face: capacity_report() and
 *		capacity_level().
 *
 * Both read a window of history (capacity.c) and evaluate the report's
 * resources over it; capacity_level() judges over
 * pg_capacity.sustained_window and names the worst resource.
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
#include "settings.h"
#include "sql_common.h"

PG_FUNCTION_INFO_V1(pg_capacity_capacity_report);
PG_FUNCTION_INFO_V1(pg_capacity_capacity_level);

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
