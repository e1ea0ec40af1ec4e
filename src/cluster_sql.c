/*-------------------------------------------------------------------------
 *
 * cluster_sql.c
 *		The cluster view's SQL face: cluster_members(), cluster_report(),
 *		cluster_recommendations() and cluster_unused_indexes().
 *
 * Each call reads the members (cluster.c), runs one fixed script on all of
 * them at once (their own pg_capacity functions: this node's figures come
 * from its own history like every member's), and judges the cluster from
 * what came back with cluster_model.c: summed reads, the primary's writes,
 * the worst lag, N-1 failover headroom, uneven replicas, and indexes
 * unused on every member.  The scripts are fixed here: a pg_monitor user
 * chooses the window, never the SQL run on the members.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "cluster.h"
#include "compat.h"
#include "settings.h"
#include "sql_common.h"

PG_FUNCTION_INFO_V1(pg_capacity_cluster_members);
PG_FUNCTION_INFO_V1(pg_capacity_cluster_report);
PG_FUNCTION_INFO_V1(pg_capacity_cluster_recommendations);
PG_FUNCTION_INFO_V1(pg_capacity_cluster_unused_indexes);

#define REPORT_COLS		9		/* capacity_report()'s columns */
#define RECS_COLS		10		/* scaling_recommendations()'s */
#define UNUSED_COLS		11		/* unused_indexes()'s */

/* ---- the call's members -------------------------------------------------- */

typedef struct ClusterCall
{
	CapMember  *m;
	int			n;
} ClusterCall;

/* Discover the members and run "statements" on all of them. */
static void
cluster_call(const char *statements, ClusterCall *call)
{
	TimestampTz start = GetCurrentTimestamp();
	TimestampTz deadline = TimestampTzPlusMilliseconds(start, cap_cluster_timeout);

	call->m = cap_cluster_members(deadline, &call->n);
	cap_cluster_fetch(call->m, call->n, statements, start, deadline);
}

/* The member answered everything, in the shape this version expects. */
static bool
usable(CapMember *m, int nresults, const int *ncols)
{
	int			i;

	if (!m->reachable || m->error != NULL)
		return false;
	if (m->nresults < nresults)
	{
		m->error = pstrdup("the member returned fewer results than asked");
		return false;
	}
	for (i = 0; i < nresults; i++)
		if (m->results[i].ncols != ncols[i])
		{
			m->error = psprintf("the member's pg_capacity returns %d columns where this node's returns %d: a different version",
								m->results[i].ncols, ncols[i]);
			return false;
		}
	return true;
}

static const char *
role_of(const CapMember *m)
{
	if (!m->reachable)
		return NULL;
	return m->in_recovery ? "standby" : "primary";
}

/* since as a quoted interval literal for the member statements */
static char *
since_literal(FunctionCallInfo fcinfo)
{
	Interval   *iv = PG_GETARG_INTERVAL_P(0);

	(void) cap_interval_seconds(iv, "since");	/* ERROR here, not on each member */
	return quote_literal_cstr(DatumGetCString(DirectFunctionCall1(interval_out,
																  IntervalPGetDatum(iv))));
}

static double
num(const char *s)
{
	return s == NULL ? NAN : strtod(s, NULL);
}

static CapLevelKind
level_of(const char *s)
{
	int			k;

	if (s != NULL)
		for (k = CAP_LEVEL_UNKNOWN; k <= CAP_LEVEL_EMERGENCY; k++)
			if (strcmp(s, cap_level_kind_names[k]) == 0)
				return (CapLevelKind) k;
	return CAP_LEVEL_UNKNOWN;
}

static CapLevelKind
level_for(double pct)
{
	if (isnan(pct))
		return CAP_LEVEL_UNKNOWN;
	return cap_level_for_utilization(pct, cap_warning_pct, cap_critical_pct, cap_emergency_pct);
}

/* the row of a resource in a member's capacity_report result, or -1 */
static int
report_row(const CapResultSet *rs, const char *resource)
{
	int			r;

	for (r = 0; r < rs->nrows; r++)
		if (CAP_RS_VALUE(rs, r, 0) != NULL && strcmp(CAP_RS_VALUE(rs, r, 0), resource) == 0)
			return r;
	return -1;
}

static double
report_value(const CapResultSet *rs, const char *resource, int col)
{
	int			r = report_row(rs, resource);

	return r < 0 ? NAN : num(CAP_RS_VALUE(rs, r, col));
}

/* ---- cluster_members() -------------------------------------------------- */

Datum
pg_capacity_cluster_members(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ClusterCall call;
	int			i;

	cluster_call(NULL, &call);
	cap_init_materialized_srf(fcinfo);
	for (i = 0; i < call.n; i++)
	{
		CapMember  *m = &call.m[i];
		Datum		values[7];
		bool		nulls[7] = {0};
		const char *role = role_of(m);

		values[0] = CStringGetTextDatum(m->member);
		nulls[1] = m->name == NULL;
		values[1] = nulls[1] ? (Datum) 0 : CStringGetTextDatum(m->name);
		nulls[2] = role == NULL;
		values[2] = role ? CStringGetTextDatum(role) : (Datum) 0;
		values[3] = BoolGetDatum(m->reachable);
		values[4] = CStringGetTextDatum(m->source);
		nulls[5] = m->error == NULL;
		values[5] = m->error ? CStringGetTextDatum(m->error) : (Datum) 0;
		nulls[6] = m->host[0] == '\0';
		values[6] = Float8GetDatum(m->latency_ms);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ---- cluster_report() ----------------------------------------------------- */

/* The load figures of every member from its capacity_report rows. */
static CapClusterLoad *
member_loads(ClusterCall *call, const bool *ok)
{
	CapClusterLoad *l = palloc0(sizeof(CapClusterLoad) * Max(call->n, 1));
	int			i;

	for (i = 0; i < call->n; i++)
	{
		const CapResultSet *rs;

		l[i].reachable = ok[i];
		l[i].primary = call->m[i].reachable && !call->m[i].in_recovery;
		if (!ok[i])
			continue;
		rs = &call->m[i].results[0];
		l[i].tps = report_value(rs, "tps", 1);
		l[i].tps_peak = report_value(rs, "tps", 2);
		l[i].tps_capacity = report_value(rs, "tps", 3);
		l[i].read_tps = report_value(rs, "read_tps", 1);
		l[i].connections = report_value(rs, "connections", 1);
		l[i].connections_peak = report_value(rs, "connections", 2);
		l[i].max_connections = report_value(rs, "connections", 3);
	}
	return l;
}

typedef struct RowOut
{
	ReturnSetInfo *rsinfo;
	AttInMetadata *attin;
} RowOut;

/*
 * Run "statements" on every member, start the result set, and say which
 * members answered all nresults results in the expected shapes.
 */
static bool *
cluster_rows(FunctionCallInfo fcinfo, const char *statements, int nresults,
			 const int *ncols, ClusterCall *call, RowOut *out)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool	   *ok;
	int			i;

	cluster_call(statements, call);
	cap_init_materialized_srf(fcinfo);
	out->rsinfo = rsinfo;
	out->attin = TupleDescGetAttInMetadata(rsinfo->setDesc);
	ok = palloc0(sizeof(bool) * Max(call->n, 1));
	for (i = 0; i < call->n; i++)
		ok[i] = usable(&call->m[i], nresults, ncols);
	return ok;
}

/* One cluster row: NaN numbers and NULL texts are SQL NULLs. */
static void
cluster_row(RowOut *out, const char *resource, double current, double peak,
			double capacity, const char *unit, double util, CapLevelKind level,
			const char *detail)
{
	char	   *v[10];
	double		nums[4] = {current, peak, capacity, util};
	char	   *s[4];
	int			k;

	for (k = 0; k < 4; k++)
		s[k] = isnan(nums[k]) || isinf(nums[k]) ? NULL : psprintf("%.17g", nums[k]);
	v[0] = "cluster";
	v[1] = (char *) resource;
	v[2] = s[0];
	v[3] = s[1];
	v[4] = s[2];
	v[5] = (char *) unit;
	v[6] = s[3];
	v[7] = (char *) cap_level_kind_names[level];
	v[8] = NULL;
	v[9] = (char *) detail;
	tuplestore_puttuple(out->rsinfo->setResult, BuildTupleFromCStrings(out->attin, v));
}

static char *
member_label(const CapMember *m)
{
	return m->name ? psprintf("%s (%s)", m->name, m->member) : pstrdup(m->member);
}

static void
emit_cluster_rows(RowOut *out, ClusterCall *call, const bool *ok, CapClusterLoad *l)
{
	StringInfoData d;
	int			i;
	int			nok = 0;
	int			primary = -1;
	double		sum,
				peak,
				cap;
	CapHeadroom h;

	for (i = 0; i < call->n; i++)
	{
		if (ok[i])
			nok++;
		if (ok[i] && l[i].primary && primary < 0)
			primary = i;
	}

	/* members */
	initStringInfo(&d);
	appendStringInfo(&d, "%d of %d members answered", nok, call->n);
	for (i = 0; i < call->n; i++)
		if (!ok[i])
			appendStringInfo(&d, "; %s: %s", member_label(&call->m[i]),
							 call->m[i].error ? call->m[i].error : "no answer");
	appendStringInfoChar(&d, '.');
	cluster_row(out, "members", nok, NAN, call->n, "members", NAN,
				nok == call->n ? CAP_LEVEL_OK : CAP_LEVEL_WARNING, d.data);

	/* tps: summed, against the sum of each member's own capacity */
	sum = peak = cap = 0;
	resetStringInfo(&d);
	for (i = 0; i < call->n; i++)
		if (ok[i])
		{
			sum += l[i].tps;
			peak += l[i].tps_peak;
			cap += l[i].tps_capacity;
			appendStringInfo(&d, "%s%s %s of %s tx/s", d.len ? ", " : "",
							 member_label(&call->m[i]), cap_fmt_num(l[i].tps),
							 cap_fmt_num(l[i].tps_capacity));
		}
	cluster_row(out, "tps", sum, peak, cap, "tx/s", 100.0 * sum / cap,
				level_for(100.0 * sum / cap),
				psprintf("%s tx/s summed over %d members, %.1f%% of their %s tx/s together (each member's own TPS capacity: %s).",
						 cap_fmt_num(sum), nok, 100.0 * sum / cap, cap_fmt_num(cap), d.data));

	/* read_tps: summed over the primary and every standby */
	sum = peak = 0;
	resetStringInfo(&d);
	for (i = 0; i < call->n; i++)
		if (ok[i])
		{
			sum += l[i].read_tps;
			peak += report_value(&call->m[i].results[0], "read_tps", 2);
			appendStringInfo(&d, "%s%s %s", d.len ? ", " : "", member_label(&call->m[i]),
							 cap_fmt_num(l[i].read_tps));
		}
	cluster_row(out, "read_tps", sum, peak, cap_read_tps_threshold, "tx/s",
				100.0 * sum / cap_read_tps_threshold,
				level_for(100.0 * sum / cap_read_tps_threshold),
				psprintf("%s read tx/s summed over the primary and the standbys (%s), %.1f%% of the %s tx/s at which the playbook adds a read replica.",
						 cap_fmt_num(sum), d.data, 100.0 * sum / cap_read_tps_threshold,
						 cap_fmt_num(cap_read_tps_threshold)));

	/* write_tps: the primary's */
	if (primary >= 0)
	{
		const CapResultSet *rs = &call->m[primary].results[0];
		int			r = report_row(rs, "write_tps");

		cluster_row(out, "write_tps", num(CAP_RS_VALUE(rs, r, 1)), num(CAP_RS_VALUE(rs, r, 2)),
					num(CAP_RS_VALUE(rs, r, 3)), "tx/s", num(CAP_RS_VALUE(rs, r, 5)),
					level_of(CAP_RS_VALUE(rs, r, 6)),
					psprintf("The primary's, %s: %s", member_label(&call->m[primary]),
							 CAP_RS_VALUE(rs, r, 8) ? CAP_RS_VALUE(rs, r, 8) : ""));
	}
	else
		cluster_row(out, "write_tps", NAN, NAN, NAN, "tx/s", NAN, CAP_LEVEL_UNKNOWN,
					"No primary answered.");

	/* connections: the total, and the worst member */
	{
		CapLevelKind worst = CAP_LEVEL_UNKNOWN;
		int			worst_i = -1;

		sum = peak = cap = 0;
		resetStringInfo(&d);
		for (i = 0; i < call->n; i++)
			if (ok[i])
			{
				int			r = report_row(&call->m[i].results[0], "connections");
				CapLevelKind lv = r < 0 ? CAP_LEVEL_UNKNOWN : level_of(CAP_RS_VALUE(&call->m[i].results[0], r, 6));

				sum += l[i].connections;
				peak += l[i].connections_peak;
				cap += l[i].max_connections;
				if (worst_i < 0 || cap_level_worse(lv, worst) != worst)
				{
					worst = cap_level_worse(lv, worst);
					worst_i = i;
				}
				appendStringInfo(&d, "%s%s %s of %s", d.len ? ", " : "", member_label(&call->m[i]),
								 cap_fmt_num(l[i].connections), cap_fmt_num(l[i].max_connections));
			}
		cluster_row(out, "connections", sum, peak, cap, "connections", 100.0 * sum / cap,
					cap_level_worse(level_for(100.0 * sum / cap), worst),
					psprintf("%s client connections on average in all, %.1f%% of %s allowed (%s); the level is the worse of the total's and the busiest member's%s.",
							 cap_fmt_num(sum), 100.0 * sum / cap, cap_fmt_num(cap), d.data,
							 worst_i >= 0 ? psprintf(" (%s: %s)", member_label(&call->m[worst_i]), cap_level_kind_names[worst]) : ""));
	}

	/* replication_lag: the worst standby */
	{
		int			worst_i = -1;
		double		worst = NAN;
		double		worst_peak = NAN;
		CapLevelKind lv = CAP_LEVEL_UNKNOWN;

		for (i = 0; i < call->n; i++)
			if (ok[i] && !l[i].primary)
			{
				const CapResultSet *rs = &call->m[i].results[0];
				int			r = report_row(rs, "replication_lag");
				double		cur,
							pk;

				if (r < 0)
					continue;
				cur = num(CAP_RS_VALUE(rs, r, 1));
				pk = num(CAP_RS_VALUE(rs, r, 2));
				if (worst_i < 0 || cur > worst || isnan(worst))
				{
					worst = cur;
					worst_i = i;
				}
				if (!isnan(pk) && (isnan(worst_peak) || pk > worst_peak))
					worst_peak = pk;
				lv = cap_level_worse(lv, level_of(CAP_RS_VALUE(rs, r, 6)));
			}
		cluster_row(out, "replication_lag", worst, worst_peak, NAN, "s", NAN, lv,
					worst_i < 0 ? "No standby answered." :
					psprintf("The worst standby: %s, %s s on average; the level is the worst standby's.",
							 member_label(&call->m[worst_i]), cap_fmt_num(worst)));
	}

	/* failover headroom: N-1 */
	cap_failover_headroom(l, call->n, &h);
	if (h.leaving < 0)
		cluster_row(out, "failover_headroom", NAN, NAN, NAN, "tx/s", NAN, CAP_LEVEL_UNKNOWN,
					"No member answered.");
	else if (h.members < 2)
		cluster_row(out, "failover_headroom", h.load_tps, h.load_tps_peak, 0, "tx/s", NAN,
					CAP_LEVEL_EMERGENCY,
					psprintf("Only %s answered: if it leaves, no member remains to carry the cluster's %s tx/s.",
							 member_label(&call->m[h.leaving]), cap_fmt_num(h.load_tps)));
	else
	{
		CapLevelKind lv = isinf(h.utilization_pct) ? CAP_LEVEL_EMERGENCY : level_for(h.utilization_pct);

		resetStringInfo(&d);
		for (i = 0; i < call->n; i++)
			if (ok[i] && i != h.leaving)
				appendStringInfo(&d, "%s%s", d.len ? ", " : "", member_label(&call->m[i]));
		cluster_row(out, "failover_headroom", h.load_tps, h.load_tps_peak,
					h.remaining_tps_capacity, "tx/s", h.utilization_pct, lv,
					psprintf("If the busiest member, %s at %s tx/s, leaves, %s carry the cluster's %s tx/s with %s tx/s of capacity (%.1f%%, %.1f%% at the peaks) and its %s client connections with %s slots (%.1f%%): %s.%s",
							 member_label(&call->m[h.leaving]), cap_fmt_num(l[h.leaving].tps),
							 d.data, cap_fmt_num(h.load_tps), cap_fmt_num(h.remaining_tps_capacity),
							 h.tps_pct, h.tps_peak_pct, cap_fmt_num(h.connections),
							 cap_fmt_num(h.remaining_connections), h.connections_pct,
							 cap_level_kind_names[lv],
							 nok < call->n ? " Members that did not answer are left out of the load and of the capacity." : ""));
	}
}

Datum
pg_capacity_cluster_report(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *since = since_literal(fcinfo);
	char	   *schema = cap_cluster_schema(fcinfo->flinfo->fn_oid);
	static const int ncols[] = {REPORT_COLS};
	ClusterCall call;
	RowOut		out;
	bool	   *ok;
	int			i,
				r,
				c;

	ok = cluster_rows(fcinfo,
					  psprintf("SELECT * FROM %s.capacity_report(%s::pg_catalog.interval)", schema, since),
					  1, ncols, &call, &out);
	for (i = 0; i < call.n; i++)
	{
		CapResultSet *rs;

		if (!ok[i])
			continue;
		rs = &call.m[i].results[0];
		for (r = 0; r < rs->nrows; r++)
		{
			char	   *v[REPORT_COLS + 1];

			v[0] = call.m[i].member;
			for (c = 0; c < REPORT_COLS; c++)
				v[c + 1] = CAP_RS_VALUE(rs, r, c);
			tuplestore_puttuple(rsinfo->setResult, BuildTupleFromCStrings(out.attin, v));
		}
	}
	emit_cluster_rows(&out, &call, ok, member_loads(&call, ok));
	return (Datum) 0;
}

/* ---- cluster_recommendations() ------------------------------------------ */

static void
rec_row(RowOut *out, const char *member, const char *priority, const char *direction,
		const char *resource, double observed, double threshold, const char *action,
		const char *rationale, const char *cost, const char *gain, const char *complexity)
{
	char	   *v[RECS_COLS + 1];

	v[0] = (char *) member;
	v[1] = (char *) priority;
	v[2] = (char *) direction;
	v[3] = (char *) resource;
	v[4] = isnan(observed) || isinf(observed) ? NULL : psprintf("%.17g", observed);
	v[5] = isnan(threshold) ? NULL : psprintf("%.17g", threshold);
	v[6] = (char *) action;
	v[7] = (char *) rationale;
	v[8] = (char *) cost;
	v[9] = (char *) gain;
	v[10] = (char *) complexity;
	tuplestore_puttuple(out->rsinfo->setResult, BuildTupleFromCStrings(out->attin, v));
}

Datum
pg_capacity_cluster_recommendations(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *since = since_literal(fcinfo);
	char	   *schema = cap_cluster_schema(fcinfo->flinfo->fn_oid);
	static const int ncols[] = {REPORT_COLS, RECS_COLS};
	ClusterCall call;
	RowOut		out;
	CapClusterLoad *l;
	CapHeadroom h;
	bool	   *ok;
	bool		standby_ok = false;
	int			i,
				r,
				c;
	double		reads = 0,
				cap = 0,
				spread;
	int			busiest,
				idlest,
				nok = 0;
	StringInfoData d;

	ok = cluster_rows(fcinfo,
					  psprintf("SELECT * FROM %s.capacity_report(%s::pg_catalog.interval);"
							   "SELECT * FROM %s.scaling_recommendations(%s::pg_catalog.interval)",
							   schema, since, schema, since),
					  2, ncols, &call, &out);
	for (i = 0; i < call.n; i++)
	{
		if (ok[i])
			nok++;
		if (ok[i] && call.m[i].in_recovery)
			standby_ok = true;
	}
	l = member_loads(&call, ok);

	/* each member's own rules, but the read rules, judged below on the sums */
	for (i = 0; i < call.n; i++)
	{
		CapResultSet *rs;

		if (!ok[i])
			continue;
		rs = &call.m[i].results[1];
		for (r = 0; r < rs->nrows; r++)
		{
			const char *resource = CAP_RS_VALUE(rs, r, 2);
			char	   *v[RECS_COLS + 1];

			if (resource != NULL && strcmp(resource, "read_tps") == 0)
				continue;
			/* lag per replica: the standbys' own rows stand for it */
			if (resource != NULL && strcmp(resource, "replication_lag") == 0 &&
				!call.m[i].in_recovery && standby_ok)
				continue;
			v[0] = call.m[i].member;
			for (c = 0; c < RECS_COLS; c++)
				v[c + 1] = CAP_RS_VALUE(rs, r, c);
			tuplestore_puttuple(rsinfo->setResult, BuildTupleFromCStrings(out.attin, v));
		}
	}

	/* reads summed over every member */
	initStringInfo(&d);
	for (i = 0; i < call.n; i++)
		if (ok[i])
		{
			reads += l[i].read_tps;
			cap += l[i].tps_capacity;
			appendStringInfo(&d, "%s%s %s", d.len ? ", " : "", member_label(&call.m[i]),
							 cap_fmt_num(l[i].read_tps));
		}
	if (nok > 0 && reads > cap_read_tps_threshold)
		rec_row(&out, "cluster", "high", "horizontal", "read_tps", reads, cap_read_tps_threshold,
				"Add a read replica",
				psprintf("Reads summed over the primary and the standbys, %s tx/s on average over the window (%s), are above the playbook's %s tx/s.",
						 cap_fmt_num(reads), d.data, cap_fmt_num(cap_read_tps_threshold)),
				"Medium", "High (read-heavy)", "Low");
	if (nok > 0 && cap > 0 && 100.0 * reads / cap > cap_read_load_threshold_pct)
		rec_row(&out, "cluster", "high", "horizontal", "read_tps", 100.0 * reads / cap,
				cap_read_load_threshold_pct, "Add a read replica",
				psprintf("Read load is %.1f%% of the members' TPS capacity together (%s of %s tx/s: %s), above %g%%.",
						 100.0 * reads / cap, cap_fmt_num(reads), cap_fmt_num(cap), d.data,
						 cap_read_load_threshold_pct),
				"Medium", "High (read-heavy)", "Low");

	/* uneven replicas */
	if (cap_uneven_replicas(l, call.n, &spread, &busiest, &idlest))
		rec_row(&out, "cluster", "medium", "tuning", "read_tps", 100.0 * spread,
				100.0 * CAP_UNEVEN_MAX_SPREAD,
				"Balance reads between the replicas (load balancer weights, application routing)",
				psprintf("The standbys' read load is uneven: %s serves %s tx/s and %s %s tx/s, a spread of %.0f%% of their mean (more than %.0f%%); the busiest fills up first.",
						 member_label(&call.m[busiest]), cap_fmt_num(l[busiest].read_tps),
						 member_label(&call.m[idlest]), cap_fmt_num(l[idlest].read_tps),
						 100.0 * spread, 100.0 * CAP_UNEVEN_MAX_SPREAD),
				"None (configuration)", "Medium", "Low");

	/* N-1 */
	cap_failover_headroom(l, call.n, &h);
	if (h.leaving >= 0)
	{
		CapLevelKind lv = h.members < 2 || isinf(h.utilization_pct) ? CAP_LEVEL_EMERGENCY
			: level_for(h.utilization_pct);

		if (lv >= CAP_LEVEL_WARNING)
			rec_row(&out, "cluster",
					lv == CAP_LEVEL_EMERGENCY ? "critical" : lv == CAP_LEVEL_CRITICAL ? "high" : "medium",
					"horizontal", "failover_headroom", h.utilization_pct, cap_warning_pct,
					"Add a replica before a failover needs it",
					h.members < 2 ? psprintf("Only %s answered: a failover leaves nothing to carry the load.",
											 member_label(&call.m[h.leaving]))
					: psprintf("If the busiest member, %s, leaves, the others carry the cluster's load at %.1f%% of their capacity (tx/s %.1f%%, connections %.1f%%): %s.",
							   member_label(&call.m[h.leaving]), h.utilization_pct, h.tps_pct,
							   h.connections_pct, cap_level_kind_names[lv]),
					"Medium", "High (read-heavy)", "Low");
	}

	/* members that did not answer */
	for (i = 0; i < call.n; i++)
		if (!ok[i])
			rec_row(&out, call.m[i].member, "high", "tuning", "members", NAN, NAN,
					"Bring the member back, or remove it from the cluster's members",
					psprintf("%s did not answer: %s. The cluster's figures leave it out.",
							 member_label(&call.m[i]), call.m[i].error ? call.m[i].error : "no answer"),
					"None", "Reliable verdicts", "Low");
	return (Datum) 0;
}

/* ---- cluster_unused_indexes() ------------------------------------------- */

Datum
pg_capacity_cluster_unused_indexes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		min_size;
	char	   *schema;
	static const int ncols[] = {UNUSED_COLS};
	ClusterCall call;
	RowOut		out;
	bool	   *ok;
	int			i,
				j,
				r,
				c,
				base = -1,
				nok = 0;
	StringInfoData missing;

	if (PG_ARGISNULL(0) || PG_GETARG_INT64(0) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid min_size: %s",
						PG_ARGISNULL(0) ? "NULL" : psprintf(INT64_FORMAT, PG_GETARG_INT64(0))),
				 errdetail("min_size is a size in bytes, 0 or more (0: every size).")));
	min_size = PG_GETARG_INT64(0);
	schema = cap_cluster_schema(fcinfo->flinfo->fn_oid);

	ok = cluster_rows(fcinfo,
					  psprintf("SELECT * FROM %s.unused_indexes(" INT64_FORMAT ")", schema, min_size),
					  1, ncols, &call, &out);
	initStringInfo(&missing);
	for (i = 0; i < call.n; i++)
	{
		if (ok[i])
		{
			nok++;
			/* the primary's rows are the base (its catalogue, its sizes) */
			if (base < 0 || (!call.m[i].in_recovery && call.m[base].in_recovery))
				base = i;
		}
		else
			appendStringInfo(&missing, "%s%s (%s)", missing.len ? "; " : "",
							 member_label(&call.m[i]),
							 call.m[i].error ? call.m[i].error : "no answer");
	}
	if (base < 0)
		ereport(ERROR,
				(errcode(ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION),
				 errmsg("no member of the cluster answered"),
				 errdetail_internal("%s", missing.data)));

	/* an index is unused in the cluster when every member lists it */
	for (r = 0; r < call.m[base].results[0].nrows; r++)
	{
		CapResultSet *b = &call.m[base].results[0];
		const char *sch = CAP_RS_VALUE(b, r, 0);
		const char *idx = CAP_RS_VALUE(b, r, 2);
		char	   *v[UNUSED_COLS + 1];
		bool		everywhere = true;
		bool		safe = nok == call.n;
		char	   *stats_since = CAP_RS_VALUE(b, r, 6);
		char	   *why_not = NULL;
		JsonbParseState *ps = NULL;
		JsonbValue *jv;

		pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
		for (i = 0; i < call.n && everywhere; i++)
		{
			CapResultSet *rs;
			int			found = -1;
			JsonbValue	k,
						val;

			k.type = jbvString;
			k.val.string.val = call.m[i].member;
			k.val.string.len = strlen(call.m[i].member);
			pushJsonbValue(&ps, WJB_KEY, &k);
			if (!ok[i])
			{
				val.type = jbvNull;
				pushJsonbValue(&ps, WJB_VALUE, &val);
				continue;
			}
			rs = &call.m[i].results[0];
			for (j = 0; j < rs->nrows; j++)
				if (CAP_RS_VALUE(rs, j, 0) && CAP_RS_VALUE(rs, j, 2) && sch && idx &&
					strcmp(CAP_RS_VALUE(rs, j, 0), sch) == 0 &&
					strcmp(CAP_RS_VALUE(rs, j, 2), idx) == 0)
				{
					found = j;
					break;
				}
			if (found < 0)
			{
				everywhere = false;	/* scanned there (or not a candidate) */
				break;
			}
			val.type = jbvNumeric;
			val.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in,
																  CStringGetDatum(CAP_RS_VALUE(rs, found, 3) ? CAP_RS_VALUE(rs, found, 3) : "0"),
																  ObjectIdGetDatum(InvalidOid),
																  Int32GetDatum(-1)));
			pushJsonbValue(&ps, WJB_VALUE, &val);
			/* the youngest statistics bound how long it has been unused */
			if (CAP_RS_VALUE(rs, found, 6) != NULL &&
				(stats_since == NULL ||
				 DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(CAP_RS_VALUE(rs, found, 6)), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1))) >
				 DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(stats_since), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)))))
				stats_since = CAP_RS_VALUE(rs, found, 6);
			if (CAP_RS_VALUE(rs, found, 7) == NULL || strcmp(CAP_RS_VALUE(rs, found, 7), "t") != 0)
			{
				if (safe && why_not == NULL)
					why_not = psprintf("on %s: %s", member_label(&call.m[i]),
									   CAP_RS_VALUE(rs, found, 8) ? CAP_RS_VALUE(rs, found, 8) : "not safe");
				safe = false;
			}
		}
		if (!everywhere)
			continue;
		jv = pushJsonbValue(&ps, WJB_END_OBJECT, NULL);

		for (c = 0; c < UNUSED_COLS; c++)
			v[c] = CAP_RS_VALUE(b, r, c);
		v[6] = stats_since;
		v[7] = safe ? "t" : "f";
		if (nok < call.n)
			v[8] = psprintf("not scanned on the %d members that answered, but %s did not: while a member's scans are unknown no index is called safe to drop",
							nok, missing.data);
		else if (!safe)
			v[8] = psprintf("not scanned on any of the %d members, but %s", call.n, why_not);
		else
			v[8] = psprintf("not scanned on any of the %d members since their statistics began (the latest start: stats_since); %s",
							call.n, CAP_RS_VALUE(b, r, 8) ? CAP_RS_VALUE(b, r, 8) : "");
		if (!safe)
			v[10] = NULL;
		v[11] = JsonbToCString(NULL, &JsonbValueToJsonb(jv)->root, 0);
		tuplestore_puttuple(rsinfo->setResult, BuildTupleFromCStrings(out.attin, v));
	}
	return (Datum) 0;
}
