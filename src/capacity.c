/*-------------------------------------------------------------------------
 *
 * capacity.c
 *		The capacity definition and the series helpers (see capacity.h),
 *		and the capacity report's resources as a table.
 *
 * The window: the finest resolution that has data in it (raw samples,
 * else minute, hour or day rollups), so that imported or older history is
 * read at the resolution it is kept in.  A resource's "current" is the
 * mean over the window, "peak" its worst value.
 *
 * Each resource is one row of resource_defs[]: its series, what it is
 * judged against (a capacity, or a threshold for the inverse metrics) and
 * the sentence that explains the verdict, a template whose {names} are
 * filled in by expand_detail().
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"
#include "utils/timestamp.h"

#include "capacity.h"
#include "matrix.h"
#include "settings.h"
#include "sql_common.h"

void
cap_read_window(double seconds, CapLevel first, CapWindow *w)
{
	cap_store_read_window(seconds, first, CAP_WINDOW_COARSER_IF_EMPTY,
						  CAP_REPORT_METRICS, w);
}

static void
series_alloc(CapSeries *s, int n)
{
	s->n = n;
	s->avg = palloc(sizeof(double) * Max(n, 1));
	s->max = palloc(sizeof(double) * Max(n, 1));
}

void
cap_metric_series(const CapWindow *w, int metric, CapSeries *s)
{
	if (w->avg[metric] == NULL)
		elog(ERROR, "pg_capacity: metric \"%s\" was not read into this window",
			 cap_metric_info[metric].name);
	series_alloc(s, w->n);
	if (w->n > 0)
	{
		memcpy(s->avg, w->avg[metric], sizeof(double) * w->n);
		memcpy(s->max, w->max[metric], sizeof(double) * w->n);
	}
}

void
cap_derived_series(const CapWindow *w, int a, int b, char op, CapSeries *s)
{
	CapSeries	sa;
	CapSeries	sb;
	int			i;

	cap_metric_series(w, a, &sa);
	cap_metric_series(w, b, &sb);
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

/* The newest value of a metric in a window (NaN when none). */
static double
window_last(const CapWindow *w, int metric)
{
	double		mean,
				worst,
				last;

	if (w->avg[metric] == NULL)
		elog(ERROR, "pg_capacity: metric \"%s\" was not read into this window",
			 cap_metric_info[metric].name);
	if (w->n == 0)
		return NAN;
	cap_series_stats(w->avg[metric], w->max[metric], w->n, true, &mean, &worst, &last);
	return last;
}

/* The node's vCPUs: pg_capacity.vcpus, else the newest sampled value. */
static double
node_vcpus(const CapWindow *w)
{
	if (cap_vcpus > 0)
		return cap_vcpus;
	return window_last(w, CM_VCPUS);
}

double
cap_window_capacity(const CapWindow *w, int metric, const char **basis)
{
	*basis = NULL;
	switch (metric)
	{
		case CM_TPS:
			{
				CapTpsCapacity tc;

				cap_read_tps_capacity(CAP_TPS_FIT_WINDOW, node_vcpus(w), &tc);
				*basis = tc.measured ?
					"measured: where PostgreSQL's CPU would reach every vCPU (capacity.tps_capacity())" :
					"playbook: vCPUs x pg_capacity.tps_per_vcpu / cpu_safety_factor, a planning heuristic (capacity.tps_capacity() says why)";
				return tc.judged_tps;
			}
		case CM_READ_TPS:
			*basis = "pg_capacity.read_tps_threshold";
			return cap_read_tps_threshold;
		case CM_WRITE_TPS:
			*basis = "pg_capacity.write_tps_threshold";
			return cap_write_tps_threshold;
		case CM_CONNECTIONS:
		case CM_ACTIVE_CONNECTIONS:
			*basis = "max_connections less reserved slots";
			return window_last(w, CM_MAX_CONNECTIONS);
		case CM_CPU_PCT:
		case CM_MEMORY_USED_PCT:
		case CM_DISK_UTIL_PCT:
			*basis = "100 %";
			return 100.0;
		case CM_DATABASE_SIZE_BYTES:
		case CM_WAL_DIR_BYTES:
			*basis = "size of the data directory's filesystem";
			return window_last(w, CM_DISK_TOTAL_BYTES);
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

/* ---------------------------------------------------------------------
 * The TPS capacity: measured, else the playbook's
 * ---------------------------------------------------------------------
 */

#define TPS_FIT_SMOOTH_US	(5 * 1000000.0)	/* raw samples: running medians over 5 s */
#define TPS_FIT_SMOOTH_MAX	16
#define TPS_FIT_METRICS (CAP_METRIC_BIT(CM_TPS) | CAP_METRIC_BIT(CM_POSTGRES_CPU_PCT) | \
						 CAP_METRIC_BIT(CM_VCPUS))

/*
 * Fit one resolution of the window: (tps, vCPUs PostgreSQL used) per row,
 * a row's CPU share taken of that row's vCPUs, so that a resize within the
 * window does not bend the line.
 */
static void
fit_level(double seconds, CapLevel level, double vcpus, CapTpsFit *fit)
{
	CapWindow	w;
	double	   *cpu;
	double	   *work;
	int			i;

	double	   *tps;
	int			k = 1;
	int			n;

	cap_store_read_window(seconds, level,
						  level == CAP_RAW ? CAP_WINDOW_RAW_RETENTION : 0,
						  TPS_FIT_METRICS, &w);
	cpu = palloc(sizeof(double) * Max(w.n, 1));
	for (i = 0; i < w.n; i++)
	{
		double		row_vcpus = isnan(w.avg[CM_VCPUS][i]) ? vcpus : w.avg[CM_VCPUS][i];

		cpu[i] = w.avg[CM_POSTGRES_CPU_PCT][i] / 100.0 * row_vcpus;
	}

	/*
	 * Raw samples closer than TPS_FIT_SMOOTH_US: the running medians of k
	 * consecutive ones spanning about that long.  Backends report their
	 * transactions up to a second late, so a 1 s sample's tps is off by a
	 * second's share of transactions while its CPU is not: noise in x, which
	 * would flatten the fitted slope.  Medians rather than means, so that a
	 * single spike (a burst of new connections, a checkpoint) stays one
	 * wild point instead of spreading over k of them.
	 */
	if (level == CAP_RAW && w.n > 1)
	{
		double		spacing = (double) (w.ts[w.n - 1] - w.ts[0]) / (w.n - 1);

		if (spacing > 0 && spacing < TPS_FIT_SMOOTH_US)
			k = Min((int) (TPS_FIT_SMOOTH_US / spacing + 0.5), Min(w.n, TPS_FIT_SMOOTH_MAX));
	}
	tps = w.avg[CM_TPS];
	n = w.n;
	if (k > 1)
	{
		double	   *st = palloc(sizeof(double) * w.n);
		double	   *sc = palloc(sizeof(double) * w.n);
		double		mwork[TPS_FIT_SMOOTH_MAX];

		n = 0;
		for (i = 0; i + k <= w.n; i++)
		{
			/* a gap (a pause of the sampler) ends a run */
			if ((double) (w.ts[i + k - 1] - w.ts[i]) > 1.5 * TPS_FIT_SMOOTH_US)
				continue;
			st[n] = cap_median(tps + i, k, mwork);
			sc[n] = cap_median(cpu + i, k, mwork);
			if (isnan(st[n]) || isnan(sc[n]))
				continue;
			n++;
		}
		tps = st;
		cpu = sc;
	}
	work = palloc(sizeof(double) * Max(cap_tps_fit_work_size(n), 1));
	cap_tps_fit(tps, cpu, n, vcpus, work, fit);
}

static char *
why_playbook(const CapTpsFit *f, double seconds)
{
	switch (f->verdict)
	{
		case CAP_TPS_FIT_OK:
			return NULL;
		case CAP_TPS_FIT_TOO_FEW:
			if (f->n == 0)
				return psprintf("no sample of the last %s has both tps and postgres_cpu_pct (PostgreSQL's own CPU)",
								cap_fmt_duration(seconds));
			return psprintf("only %d points of the last %s have both tps and postgres_cpu_pct (samples taken faster than every 5 s count as 5 s means); %d are needed",
							f->n, cap_fmt_duration(seconds), CAP_TPS_FIT_MIN_POINTS);
		case CAP_TPS_FIT_NARROW:
			return psprintf("tps varied too little to tell the cost of a transaction from the fixed CPU (10th to 90th percentile %s to %s tx/s; the 90th must be at least %g times the 10th)",
							cap_fmt_num(f->tps_low), cap_fmt_num(f->tps_high), CAP_TPS_FIT_MIN_RANGE);
		case CAP_TPS_FIT_NOT_RISING:
			return psprintf("PostgreSQL's CPU does not rise with tps over the %d samples (fitted %s%% per 1000 tx/s)",
							f->n, cap_fmt_num(f->cpu_pct_per_1000_tps));
		case CAP_TPS_FIT_LOOSE:
			return psprintf("PostgreSQL's CPU follows tps too loosely to extrapolate (r-squared %.2f over %d samples, at least %g needed): much of it is spent on work other than the transactions",
							f->r_squared, f->n, CAP_TPS_FIT_MIN_R2);
		case CAP_TPS_FIT_LIGHT:
			return psprintf("the load is too light to extrapolate from (the fit gives %s%% CPU at the 90th percentile of tps, %s tx/s; at least %g%% is needed)",
							cap_fmt_num(f->cpu_pct_high), cap_fmt_num(f->tps_high), CAP_TPS_FIT_MIN_CPU_PCT);
		case CAP_TPS_FIT_NO_HEADROOM:
			return psprintf("the fitted load-independent CPU (%s%%) fills the vCPUs by itself",
							cap_fmt_num(f->fixed_cpu_pct));
	}
	return NULL;
}

void
cap_read_tps_capacity(double seconds, double vcpus, CapTpsCapacity *out)
{
	static const CapLevel order[] = {CAP_HOUR, CAP_MINUTE, CAP_RAW};
	CapModelConstants k;
	int			i;

	memset(out, 0, sizeof(*out));
	cap_model_constants(&k);
	if (isnan(vcpus))
		vcpus = cap_vcpus > 0 ? cap_vcpus : cap_latest_value(CM_VCPUS);
	out->vcpus = vcpus;

	/*
	 * The coarsest resolution with enough points: it covers the longest
	 * stretch of the window (so the widest range of load) and averages the
	 * noise of single samples away.  With none, the one with the most
	 * points, for the message.
	 */
	out->fit.verdict = CAP_TPS_FIT_TOO_FEW;
	out->fit.n = -1;
	for (i = 0; i < (int) lengthof(order); i++)
	{
		CapTpsFit	f;

		fit_level(seconds, order[i], vcpus, &f);
		if (f.n > out->fit.n)
		{
			out->fit = f;
			out->level = order[i];
		}
		if (f.n >= CAP_TPS_FIT_MIN_POINTS)
		{
			out->fit = f;
			out->level = order[i];
			break;
		}
	}

	out->measured = out->fit.verdict == CAP_TPS_FIT_OK;
	if (out->measured)
	{
		out->saturation_tps = out->fit.saturation_tps;
		out->capacity_tps = out->saturation_tps / k.cpu_safety_factor;
		out->judged_tps = out->saturation_tps;
	}
	else
	{
		out->saturation_tps = (vcpus > 0) ? vcpus * k.tps_per_vcpu : NAN;
		out->capacity_tps = isnan(vcpus) ? NAN : cap_tps_capacity(vcpus, &k);
		out->judged_tps = out->capacity_tps;
		out->why_playbook = why_playbook(&out->fit, seconds);
	}
}

double
cap_metric_capacity(int metric, const char **basis)
{
	CapWindow	w;

	/* only what cap_window_capacity() reads */
	cap_store_read_window(3600, CAP_RAW, CAP_WINDOW_COARSER_IF_EMPTY,
						  CAP_METRIC_BIT(CM_VCPUS) |
						  CAP_METRIC_BIT(CM_MAX_CONNECTIONS) |
						  CAP_METRIC_BIT(CM_DISK_TOTAL_BYTES), &w);
	return cap_window_capacity(&w, metric, basis);
}

double
cap_latest_value(int metric)
{
	CapWindow	w;

	cap_store_read_window(3600, CAP_RAW, CAP_WINDOW_COARSER_IF_EMPTY,
						  CAP_METRIC_BIT(metric), &w);
	return window_last(&w, metric);
}

/* ---------------------------------------------------------------------
 * The capacity report's resources
 * ---------------------------------------------------------------------
 */

/* Which resources apply depends on pg_capacity.disk_iops_limit. */
typedef enum IopsLimitCase
{
	ANY,
	LIMIT_SET,
	LIMIT_UNSET
} IopsLimitCase;

typedef struct ResourceDef
{
	CapResourceId id;
	const char *name;
	const char *unit;
	int			a;				/* the metric, or the first of a op b */
	char		op;				/* 0, '-', '+' */
	int			b;
	int			capacity_of;	/* judged against cap_window_capacity() of it; -1:
								 * by threshold_of */
	CapMatrixInput threshold_of;	/* the decision matrix's threshold */
	bool		higher_is_worse;
	IopsLimitCase when;
	const char *detail;			/* template, see expand_detail() */
} ResourceDef;

#define BY_THRESHOLD -1

static const ResourceDef resource_defs[] = {
	/* the detail is TPS_MEASURED or TPS_PLAYBOOK, by the basis */
	{CAP_RES_TPS, "tps", "tx/s", CM_TPS, 0, 0, CM_TPS, 0, true, ANY, NULL},
	{CAP_RES_READ_TPS, "read_tps", "tx/s", CM_READ_TPS, 0, 0, CM_READ_TPS, 0, true, ANY,
	"{current} read tx/s on average, peak {peak}, is {utilization}% of the {capacity} tx/s at which the playbook adds a read replica: {level}."},
	{CAP_RES_WRITE_TPS, "write_tps", "tx/s", CM_WRITE_TPS, 0, 0, CM_WRITE_TPS, 0, true, ANY,
	"{current} write tx/s on average, peak {peak}, is {utilization}% of the {capacity} tx/s at which the playbook considers sharding: {level}."},
	{CAP_RES_CONNECTIONS, "connections", "connections", CM_CONNECTIONS, 0, 0, CM_CONNECTIONS, 0, true, ANY,
	"{current} client connections on average, peak {peak}, of {capacity} allowed ({utilization}%): {level}."},
	{CAP_RES_CPU, "cpu", "%", CM_CPU_PCT, 0, 0, CM_CPU_PCT, 0, true, ANY,
	"CPU {current}% busy on average, peak {peak}%, of {vcpus} vCPUs: {level}."},
	{CAP_RES_MEMORY, "memory", "%", CM_MEMORY_USED_PCT, 0, 0, CM_MEMORY_USED_PCT, 0, true, ANY,
	"{current}% of {memory_total} in use on average (page cache excluded), peak {peak}%: {level}."},
	/* storage: used bytes of the data directory's filesystem */
	{CAP_RES_STORAGE, "storage", "bytes", CM_DISK_TOTAL_BYTES, '-', CM_DISK_FREE_BYTES,
		CM_DATABASE_SIZE_BYTES, 0, true, ANY,
	"{current_bytes} used of {capacity_bytes} on the data directory's filesystem ({utilization}%): {level}."},
	/* IOPS: against disk_iops_limit where set, else the device's utilization */
	{CAP_RES_IOPS, "iops", "IO/s", CM_DISK_READ_IOPS, '+', CM_DISK_WRITE_IOPS,
		CM_DISK_READ_IOPS, 0, true, LIMIT_SET,
	"{current} IO/s on average, peak {peak}, of the {iops_limit} provisioned (pg_capacity.disk_iops_limit, {utilization}%): {level}."},
	{CAP_RES_IOPS, "iops", "%", CM_DISK_UTIL_PCT, 0, 0, CM_DISK_UTIL_PCT, 0, true, LIMIT_UNSET,
	"The data device was busy {current}% of the time on average, peak {peak}% (set pg_capacity.disk_iops_limit to judge IOPS against the volume's limit): {level}."},
	/* the inverse metrics, judged by their thresholds */
	{CAP_RES_CACHE_HIT_RATIO, "cache_hit_ratio", "ratio", CM_CACHE_HIT_RATIO, 0, 0,
		BY_THRESHOLD, CAP_IN_CACHE_HIT_RATIO, false, ANY,
	"Cache hit ratio {current} on average, lowest {peak}, against a threshold of {threshold}: {level}."},
	{CAP_RES_CHECKPOINT_INTERVAL, "checkpoint_interval", "s", CM_CHECKPOINT_INTERVAL_SEC, 0, 0,
		BY_THRESHOLD, CAP_IN_CHECKPOINT_INTERVAL_SEC, false, ANY,
	"Checkpoints {current} s apart on average, closest {peak} s, against a threshold of {threshold} s: {level}."},
	{CAP_RES_REPLICATION_LAG, "replication_lag", "s", CM_REPLICATION_LAG_SEC, 0, 0,
		BY_THRESHOLD, CAP_IN_REPLICATION_LAG_SEC, true, ANY,
	"Replication lag {current} s on average, peak {peak} s, against a threshold of {threshold} s: {level}."},
};

#define TPS_MEASURED \
	"{current} tx/s on average, peak {peak}, is {utilization}% of the {capacity} tx/s at which PostgreSQL would keep all {vcpus} vCPUs busy (measured on this node: {cost}% CPU per 1000 tx/s plus {fixed}% fixed, r-squared {r2} over {fit_n} {fit_level} from {tps_min} to {tps_max} tx/s); plan for at most {plan} tx/s (/ cpu_safety_factor {cpu_safety_factor}): {level}."
#define TPS_PLAYBOOK \
	"{current} tx/s on average, peak {peak}, is {utilization}% of {capacity} tx/s ({vcpus} vCPUs x {tps_per_vcpu} tx/s per vCPU / safety factor {cpu_safety_factor}): {level}. This capacity is the playbook's planning heuristic, not this node's measured cost: {why}."
#define TPS_CAPPED \
	" The level stops at warning: the node's CPU, {cpu}% busy on average, is below warning, and CPU is what this capacity stands for."

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

static char *
too_few_samples(int n)
{
	if (n == 0)
		return pstrdup("No sample in the window has this metric (its source is unavailable, or it does not apply here, such as lag without a standby).");
	return psprintf("%d sample%s in the window; at least %d are needed to judge.",
					n, n == 1 ? "" : "s", CAP_MIN_SAMPLES);
}

/* Evaluate one resource with a capacity: utilization and level from the mean. */
static void
eval_capacity(CapResource *r, const CapSeries *s, double capacity)
{
	double		last;

	r->samples = cap_series_stats(s->avg, s->max, s->n, true, &r->current, &r->peak, &last);
	r->capacity = capacity;
	r->utilization = (capacity > 0 && !isnan(r->current)) ?
		r->current / capacity * 100.0 : NAN;
	cap_sparkline(s->avg, s->n, CAP_TREND_WIDTH, r->trend, sizeof(r->trend));
	if (r->samples < CAP_MIN_SAMPLES)
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
eval_threshold(CapResource *r, const CapSeries *s, double threshold, bool higher_is_worse)
{
	double		last;

	r->samples = cap_series_stats(s->avg, s->max, s->n, higher_is_worse,
								  &r->current, &r->peak, &last);
	r->capacity = NAN;
	r->utilization = NAN;
	cap_sparkline(s->avg, s->n, CAP_TREND_WIDTH, r->trend, sizeof(r->trend));
	if (r->samples < CAP_MIN_SAMPLES)
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
	r->level = cap_level_for_threshold(cap_median(s->avg, s->n,
												  palloc(sizeof(double) * Max(s->n, 1))),
									   r->current, threshold, higher_is_worse);
}

/* What a detail template's {names} stand for. */
typedef struct DetailContext
{
	const CapResource *r;
	const CapTpsCapacity *tc;
	double		cpu;
	double		vcpus;
	double		threshold;
	double		memory_total;
	CapModelConstants k;
} DetailContext;

static const char *
detail_value(const char *name, size_t len, const DetailContext *c)
{
#define IS(s) (len == strlen(s) && strncmp(name, (s), len) == 0)
	if (IS("current"))
		return cap_fmt_num(c->r->current);
	if (IS("peak"))
		return cap_fmt_num(c->r->peak);
	if (IS("utilization"))
		return cap_fmt_num(c->r->utilization);
	if (IS("capacity"))
		return cap_fmt_num(c->r->capacity);
	if (IS("current_bytes"))
		return cap_fmt_bytes(c->r->current);
	if (IS("capacity_bytes"))
		return cap_fmt_bytes(c->r->capacity);
	if (IS("level"))
		return level_phrase(c->r->level);
	if (IS("vcpus"))
		return cap_fmt_num(c->vcpus);
	if (IS("memory_total"))
		return cap_fmt_bytes(c->memory_total);
	if (IS("threshold"))
		return psprintf("%g", c->threshold);
	if (IS("tps_per_vcpu"))
		return psprintf("%g", c->k.tps_per_vcpu);
	if (IS("cpu_safety_factor"))
		return psprintf("%g", c->k.cpu_safety_factor);
	if (IS("iops_limit"))
		return psprintf("%d", cap_disk_iops_limit);
	if (IS("cost"))
		return cap_fmt_num(c->tc->fit.cpu_pct_per_1000_tps);
	if (IS("fixed"))
		return cap_fmt_num(c->tc->fit.fixed_cpu_pct);
	if (IS("r2"))
		return psprintf("%.2f", c->tc->fit.r_squared);
	if (IS("fit_n"))
		return psprintf("%d", c->tc->fit.n);
	if (IS("fit_level"))
		return c->tc->level == CAP_RAW ? "samples" :
			c->tc->level == CAP_MINUTE ? "minute means" : "hour means";
	if (IS("tps_min"))
		return cap_fmt_num(c->tc->fit.tps_min);
	if (IS("tps_max"))
		return cap_fmt_num(c->tc->fit.tps_max);
	if (IS("plan"))
		return cap_fmt_num(c->tc->capacity_tps);
	if (IS("why"))
		return c->tc->why_playbook ? c->tc->why_playbook : "";
	if (IS("cpu"))
		return cap_fmt_num(c->cpu);
#undef IS
	elog(ERROR, "unknown name \"%.*s\" in a pg_capacity detail template", (int) len, name);
	return NULL;				/* keep the compiler quiet */
}

/* A template with each {name} replaced by its value. */
static char *
expand_detail(const char *tmpl, const DetailContext *c)
{
	StringInfoData buf;
	const char *p = tmpl;

	initStringInfo(&buf);
	while (*p)
	{
		const char *end;

		if (*p != '{' || (end = strchr(p, '}')) == NULL)
		{
			appendStringInfoChar(&buf, *p++);
			continue;
		}
		appendStringInfoString(&buf, detail_value(p + 1, end - p - 1, c));
		p = end + 1;
	}
	return buf.data;
}

void
cap_evaluate_resources(const CapWindow *w, CapResource res[CAP_NUM_RESOURCES])
{
	DetailContext c;
	CapThresholds t;
	CapTpsCapacity tc;
	CapResource *tps = &res[CAP_RES_TPS];
	CapResource *cpu = &res[CAP_RES_CPU];
	int			i;

	cap_check_escalation_order();
	cap_thresholds(&t);
	memset(&c, 0, sizeof(c));
	cap_model_constants(&c.k);
	c.vcpus = node_vcpus(w);
	cap_read_tps_capacity(CAP_TPS_FIT_WINDOW, c.vcpus, &tc);
	c.tc = &tc;
	c.memory_total = window_last(w, CM_MEMORY_TOTAL_BYTES);
	memset(res, 0, sizeof(CapResource) * CAP_NUM_RESOURCES);

	for (i = 0; i < (int) lengthof(resource_defs); i++)
	{
		const ResourceDef *d = &resource_defs[i];
		CapResource *r = &res[d->id];
		CapSeries	s;

		if ((d->when == LIMIT_SET && cap_disk_iops_limit <= 0) ||
			(d->when == LIMIT_UNSET && cap_disk_iops_limit > 0))
			continue;
		r->name = d->name;
		r->unit = d->unit;
		if (d->op != 0)
			cap_derived_series(w, d->a, d->b, d->op, &s);
		else
			cap_metric_series(w, d->a, &s);
		if (d->id == CAP_RES_TPS)
			eval_capacity(r, &s, tc.judged_tps);
		else if (d->capacity_of != BY_THRESHOLD)
		{
			const char *basis;

			eval_capacity(r, &s, cap_window_capacity(w, d->capacity_of, &basis));
		}
		else
		{
			c.threshold = cap_matrix_threshold(&t, d->threshold_of);
			eval_threshold(r, &s, c.threshold, d->higher_is_worse);
		}
		if (r->detail == NULL)
		{
			c.r = r;
			r->detail = expand_detail(d->detail ? d->detail :
									  tc.measured ? TPS_MEASURED : TPS_PLAYBOOK, &c);
		}
	}

	/*
	 * A measured TPS capacity is a CPU capacity: while the CPU row is below
	 * warning, tps is at most warning (the fit extrapolates, the CPU row
	 * measures).
	 */
	if (tc.measured && tps->name != NULL && cpu->name != NULL &&
		cpu->level != CAP_LEVEL_UNKNOWN && cpu->level < CAP_LEVEL_WARNING &&
		tps->level > CAP_LEVEL_WARNING)
	{
		c.r = tps;
		c.cpu = cpu->current;
		tps->level = CAP_LEVEL_WARNING;
		tps->detail = psprintf("%s%s", expand_detail(TPS_MEASURED, &c),
							   expand_detail(TPS_CAPPED, &c));
	}
}
