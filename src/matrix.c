/*-------------------------------------------------------------------------
 *
 * matrix.c
 *		The Scaling Decision Matrix: the table and its evaluation.  Pure:
 *		no server headers (see matrix.h).
 *
 * The table follows the playbook's "When to scale horizontally" and "When
 * to scale vertically" lists, then the tuning rows and what the matrix
 * implies about memory (OOM kills, swapping).  Its order is the order of
 * scaling_recommendations()' rows.
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "matrix.h"

static const CapTradeOff T_REPLICA = {"Medium", "High (read-heavy)", "Low"};
static const CapTradeOff T_PGBOUNCER = {"Low", "High (connections)", "Low"};
static const CapTradeOff T_CPU = {"High", "Medium", "Low"};
static const CapTradeOff T_RAM = {"Medium", "High (caching)", "Low"};
static const CapTradeOff T_SHARDING = {"Low (compute)", "Very High", "Very High"};
static const CapTradeOff T_STORAGE = {"Medium", "High (I/O bound)", "Low"};
static const CapTradeOff T_TUNING = {"None (configuration)", "Medium", "Low"};

#define HIGHER	true
#define LOWER	false

const CapRule cap_decision_matrix[] = {
	/* When to scale horizontally */
	{CAP_IN_READ_TPS, CAP_RULE_SUSTAINED, HIGHER, "high", "horizontal",
		"read_tps", "Add a read replica", &T_REPLICA,
	"read TPS", "", CAP_RES_NONE},
	/* "When to add read replicas: read load > 80% of capacity" */
	{CAP_IN_READ_LOAD_PCT, CAP_RULE_SUSTAINED, HIGHER, "high", "horizontal",
		"read_tps", "Add a read replica", &T_REPLICA,
	"read load (read TPS as a share of the %s tx/s TPS capacity)", "%", CAP_RES_NONE},
	{CAP_IN_WRITE_TPS, CAP_RULE_SUSTAINED, HIGHER, "medium", "horizontal",
		"write_tps", "Consider sharding", &T_SHARDING,
	"write TPS", "", CAP_RES_NONE},
	{CAP_IN_REPLICATION_LAG_SEC, CAP_RULE_SUSTAINED, HIGHER, "high", "horizontal",
		"replication_lag", "Add a replica", &T_REPLICA,
	"replication lag", " s", CAP_RES_REPLICATION_LAG},
	{CAP_IN_CONNECTION_SATURATION_PCT, CAP_RULE_SUSTAINED, HIGHER, "high", "horizontal",
		"connections", "Add PgBouncer (connection pooling)", &T_PGBOUNCER,
	"connection saturation", "%", CAP_RES_CONNECTIONS},

	/* When to scale vertically */
	{CAP_IN_CPU_PCT, CAP_RULE_SUSTAINED, HIGHER, "high", "vertical",
		"cpu", "Add vCPUs", &T_CPU,
	"CPU utilization", "%", CAP_RES_CPU},
	{CAP_IN_MEMORY_USED_PCT, CAP_RULE_SUSTAINED, HIGHER, "critical", "vertical",
		"memory", "Add RAM", &T_RAM,
	"memory usage", "%", CAP_RES_MEMORY},
	{CAP_IN_IOPS_SATURATION_PCT, CAP_RULE_SUSTAINED, HIGHER, "high", "vertical",
		"iops", "Upgrade the storage tier (more IOPS)", &T_STORAGE,
	"disk IOPS saturation", "%", CAP_RES_IOPS},
	{CAP_IN_DISK_USAGE_PCT, CAP_RULE_SUSTAINED, HIGHER, "high", "vertical",
		"storage", "Expand the volume (or add a tablespace)", &T_STORAGE,
	"disk usage", "%", CAP_RES_STORAGE},

	/* Tuning before scaling */
	{CAP_IN_CACHE_HIT_RATIO, CAP_RULE_SUSTAINED, LOWER, "medium", "tuning",
		"cache_hit_ratio", "Increase shared_buffers (see sizing_recommendations())", &T_TUNING,
	"cache hit ratio", "", CAP_RES_CACHE_HIT_RATIO},
	{CAP_IN_CHECKPOINT_INTERVAL_SEC, CAP_RULE_SUSTAINED, LOWER, "medium", "tuning",
		"checkpoint_interval", "Increase max_wal_size (see sizing_recommendations())", &T_TUNING,
	"checkpoint interval", " s", CAP_RES_CHECKPOINT_INTERVAL},

	/* What the matrix implies: OOM kills or swapping -> add RAM */
	{CAP_IN_OOM_KILLS, CAP_RULE_EVENTS, HIGHER, "critical", "vertical",
		"memory", "Add RAM (the OOM killer is ending processes)", &T_RAM,
	"OOM killer events", "", CAP_RES_NONE},
	{CAP_IN_SWAP_IO_PER_SEC, CAP_RULE_SUSTAINED, HIGHER, "high", "vertical",
		"memory", "Add RAM (the node is swapping)", &T_RAM,
	"swap I/O", " pages/s", CAP_RES_MEMORY},
};

const int	cap_decision_matrix_length = sizeof(cap_decision_matrix) / sizeof(cap_decision_matrix[0]);

double
cap_matrix_threshold(const CapThresholds *t, CapMatrixInput input)
{
	switch (input)
	{
		case CAP_IN_READ_TPS:
			return t->read_tps;
		case CAP_IN_READ_LOAD_PCT:
			return t->read_load_pct;
		case CAP_IN_WRITE_TPS:
			return t->write_tps;
		case CAP_IN_REPLICATION_LAG_SEC:
			return t->replication_lag_sec;
		case CAP_IN_CONNECTION_SATURATION_PCT:
			return t->connection_saturation_pct;
		case CAP_IN_CPU_PCT:
			return t->cpu_pct;
		case CAP_IN_MEMORY_USED_PCT:
			return t->memory_pct;
		case CAP_IN_IOPS_SATURATION_PCT:
			return t->iops_saturation_pct;
		case CAP_IN_DISK_USAGE_PCT:
			return t->disk_usage_pct;
		case CAP_IN_CACHE_HIT_RATIO:
			return t->cache_hit_ratio;
		case CAP_IN_CHECKPOINT_INTERVAL_SEC:
			return t->checkpoint_interval_sec;
		case CAP_IN_OOM_KILLS:
		case CAP_IN_SWAP_IO_PER_SEC:
		default:
			return 0;			/* any at all */
	}
}

/* A sustained rule over its input; false when it does not fire. */
static bool
eval_sustained(const CapRule *rule, const CapMatrixSeries *in, int min_samples,
			   double *work, CapRecommendation *r)
{
	double		share;
	double		mean,
				worst,
				last;
	int			counted;
	char		what[256];
	char		thr[64],
				obs[64],
				mn[64],
				wst[64];

	if (!cap_sustained(in->avg, in->n, in->threshold, rule->higher_is_worse,
					   min_samples, &share))
		return false;
	counted = cap_series_stats(in->avg, in->max, in->n, rule->higher_is_worse,
							   &mean, &worst, &last);

	/* more than half of the samples past the threshold: so is their median */
	r->observed = cap_median(in->avg, in->n, work);
	r->threshold = in->threshold;
	snprintf(what, sizeof(what), rule->what, in->note ? in->note : "");
	cap_format_number(in->threshold, thr, sizeof(thr));
	cap_format_number(r->observed, obs, sizeof(obs));
	cap_format_number(mean, mn, sizeof(mn));
	cap_format_number(worst, wst, sizeof(wst));
	snprintf(r->rationale, sizeof(r->rationale),
			 "%s was %s %s%s in %.0f%% of the %d samples judged (median %s%s, mean %s%s, %s %s%s); the playbook's rule: %s %s %s%s sustained -> %s.",
			 what, rule->higher_is_worse ? "above" : "below",
			 thr, rule->unit, share * 100.0, counted,
			 obs, rule->unit, mn, rule->unit,
			 rule->higher_is_worse ? "peak" : "lowest", wst, rule->unit,
			 what, rule->higher_is_worse ? ">" : "<", thr, rule->unit,
			 rule->action);
	return true;
}

/* An events rule (the OOM killer's): fires on any event in the window. */
static bool
eval_events(const CapMatrixSeries *in, CapRecommendation *r)
{
	double		events = 0;
	int			i;

	for (i = 0; i < in->n; i++)
		if (!isnan(in->avg[i]))
			events += in->avg[i];
	if (!(events > 0))
		return false;
	r->observed = events;
	r->threshold = 0;
	snprintf(r->rationale, sizeof(r->rationale),
			 "%.0f process%s killed by the OOM killer in the window; the playbook's rule: OOM killer events -> add RAM.",
			 events, events == 1 ? " was" : "es were");
	return true;
}

int
cap_decision_matrix_evaluate(const CapMatrixSeries in[CAP_NUM_MATRIX_INPUTS],
							 const CapLevelKind levels[CAP_NUM_RESOURCES],
							 int min_samples, double *work, CapRecommendation *out)
{
	int			nout = 0;
	int			i;

	for (i = 0; i < cap_decision_matrix_length; i++)
	{
		const CapRule *rule = &cap_decision_matrix[i];
		const CapMatrixSeries *s = &in[rule->input];
		CapRecommendation *r = &out[nout];
		bool		fired;

		if (!s->present)
			continue;
		memset(r, 0, sizeof(*r));
		fired = (rule->kind == CAP_RULE_EVENTS) ? eval_events(s, r) :
			eval_sustained(rule, s, min_samples, work, r);
		if (!fired)
			continue;
		r->rule = rule;
		/* at emergency level every recommendation becomes critical */
		r->priority = (rule->raise_with != CAP_RES_NONE &&
					   levels[rule->raise_with] == CAP_LEVEL_EMERGENCY) ?
			"critical" : rule->priority;
		nout++;
	}
	return nout;
}
