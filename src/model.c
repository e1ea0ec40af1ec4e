/*-------------------------------------------------------------------------
 *
 * model.c
 *		The capacity model (see model.h): the scaling playbook's sizing and
 *		resource formulas, the escalation levels, the "sustained" rule, the
 *		trend sparkline, and the formatting and parsing of settings.
 *
 * Pure code: no server calls, no allocation, no logging; everything is a
 * function of the arguments, so test/unit/test_model.c checks it exactly.
 * Invalid numeric input (NaN, infinite, negative) gives NaN results, never
 * a crash; the SQL layer turns those into errors or NULLs.
 *
 * Byte counts are doubles.  Where a result is rounded to a unit (a whole
 * kB or MB), it is first rounded to the nearest whole byte, so that
 * floating-point noise in a product such as 1MB/s * 300 s * 1.9 does not
 * move it to the next unit.
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define CAP_KB		1024.0
#define CAP_MB		(1024.0 * 1024.0)
#define CAP_GB		(1024.0 * 1024.0 * 1024.0)

/* Memory Scaling: shares of total RAM, and the maintenance_work_mem cap */
#define SHARED_BUFFERS_SHARE		0.25
#define EFFECTIVE_CACHE_SHARE		0.75
#define MAINTENANCE_SHARE			0.05
#define MAINTENANCE_MAX				(8.0 * CAP_GB)

/* Capacity Planning §2: shared buffers are this share of the required RAM */
#define REQUIRED_SHARED_BUFFERS_SHARE	0.25

const char *const cap_level_kind_names[] = {
	"unknown", "ok", "warning", "critical", "emergency"
};

/* U+2581..U+2588 in UTF-8, lowest first */
static const char *const spark_blocks[8] = {
	"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
	"\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88"
};

static bool valid_amount(double x);
static bool is_past(double value, double threshold, bool higher_is_worse);
static double ceil_whole(double x);
static double spark_cell_mean(const double *values, int n, int cells, int cell);
static const char *skip_spaces(const char *p);
static const char *parse_number(const char *p, double *value);


/* ----------------------------------------------------------------
 *		Helpers
 * ----------------------------------------------------------------
 */

/* a usable amount: finite and not negative */
static bool
valid_amount(double x)
{
	return isfinite(x) && x >= 0;
}

/* strictly past the threshold in the bad direction; NaN is never past */
static bool
is_past(double value, double threshold, bool higher_is_worse)
{
	return higher_is_worse ? value > threshold : value < threshold;
}

/*
 * ceil(), but a value within 1e-9 (relative) of a whole number is that
 * number: 45.000000000000007 vCPUs need 45, not 46.
 */
static double
ceil_whole(double x)
{
	double		r = nearbyint(x);

	if (fabs(x - r) <= 1e-9 * fmax(1.0, fabs(r)))
		return r;
	return ceil(x);
}


/* ----------------------------------------------------------------
 *		Escalation levels
 * ----------------------------------------------------------------
 */

CapLevelKind
cap_level_worse(CapLevelKind a, CapLevelKind b)
{
	/* CAP_LEVEL_UNKNOWN is 0, below every known level */
	return a > b ? a : b;
}

CapLevelKind
cap_level_for_utilization(double utilization_pct, double warning_pct,
						  double critical_pct, double emergency_pct)
{
	if (isnan(utilization_pct) || isnan(warning_pct) ||
		isnan(critical_pct) || isnan(emergency_pct))
		return CAP_LEVEL_UNKNOWN;
	if (utilization_pct >= emergency_pct)
		return CAP_LEVEL_EMERGENCY;
	if (utilization_pct >= critical_pct)
		return CAP_LEVEL_CRITICAL;
	if (utilization_pct >= warning_pct)
		return CAP_LEVEL_WARNING;
	return CAP_LEVEL_OK;
}

CapLevelKind
cap_level_for_threshold(double current, double worst,
						double threshold, bool higher_is_worse)
{
	if (isnan(current) || isnan(threshold))
		return CAP_LEVEL_UNKNOWN;
	if (is_past(current, threshold, higher_is_worse))
		return CAP_LEVEL_CRITICAL;
	if (is_past(worst, threshold, higher_is_worse))
		return CAP_LEVEL_WARNING;
	return CAP_LEVEL_OK;
}


/* ----------------------------------------------------------------
 *		Sparkline and the "sustained" rule
 * ----------------------------------------------------------------
 */

/*
 * Mean of the finite values of one cell, NaN when there are none.  Cell c
 * of cells covers values [c * n / cells, (c + 1) * n / cells).
 */
static double
spark_cell_mean(const double *values, int n, int cells, int cell)
{
	int64_t		first = (int64_t) cell * n / cells;
	int64_t		end = (int64_t) (cell + 1) * n / cells;
	int64_t		i;
	double		sum = 0;
	int64_t		count = 0;
	double		mean;

	for (i = first; i < end; i++)
	{
		if (isfinite(values[i]))
		{
			sum += values[i];
			count++;
		}
	}
	if (count == 0)
		return NAN;
	mean = sum / (double) count;
	return isfinite(mean) ? mean : NAN;
}

void
cap_sparkline(const double *values, int n, int width, char *out, size_t outlen)
{
	int			cells;
	int			c;
	double		lo = INFINITY;
	double		hi = -INFINITY;
	size_t		used = 0;

	if (out == NULL || outlen == 0)
		return;
	out[0] = '\0';
	if (values == NULL || n <= 0 || width <= 0)
		return;

	cells = n < width ? n : width;

	for (c = 0; c < cells; c++)
	{
		double		m = spark_cell_mean(values, n, cells, c);

		if (isnan(m))
			continue;
		if (m < lo)
			lo = m;
		if (m > hi)
			hi = m;
	}

	for (c = 0; c < cells; c++)
	{
		double		m = spark_cell_mean(values, n, cells, c);
		const char *glyph;
		size_t		len;

		if (isnan(m))
			glyph = " ";
		else
		{
			int			idx = 0;

			/* a spread of rounding noise is a flat line, not a full-height zigzag */
			if (hi - lo > 1e-9 * fmax(fabs(hi), fabs(lo)))
			{
				/* eight equal bands between lo and hi; hi is in the top one */
				double		t = (m - lo) / (hi - lo) * 8.0;

				if (t >= 7.0)
					idx = 7;
				else if (t > 0)
					idx = (int) t;
			}
			glyph = spark_blocks[idx];
		}
		len = strlen(glyph);
		if (used + len >= outlen)
			break;				/* stop at a character boundary */
		memcpy(out + used, glyph, len);
		used += len;
	}
	out[used] = '\0';
}

bool
cap_sustained(const double *values, int n, double threshold,
			  bool higher_is_worse, int min_samples, double *share)
{
	int			counted = 0;
	int			past = 0;
	int			i;

	for (i = 0; values != NULL && i < n; i++)
	{
		if (isnan(values[i]))
			continue;
		counted++;
		if (is_past(values[i], threshold, higher_is_worse))
			past++;
	}
	if (share != NULL)
		*share = counted > 0 ? (double) past / counted : 0.0;
	return counted > 0 && counted >= min_samples && 2 * past > counted;
}


/* ----------------------------------------------------------------
 *		Sizing
 * ----------------------------------------------------------------
 */

void
cap_sizing(double ram_bytes, int vcpus, int max_connections, CapSizing *out)
{
	if (valid_amount(ram_bytes))
	{
		out->shared_buffers = ram_bytes * SHARED_BUFFERS_SHARE;
		out->effective_cache_size = ram_bytes * EFFECTIVE_CACHE_SHARE;
		if (max_connections > 0)
			out->work_mem = (ram_bytes - out->shared_buffers) /
				max_connections / 2;
		else
			out->work_mem = NAN;
		out->maintenance_work_mem = fmin(ram_bytes * MAINTENANCE_SHARE,
										 MAINTENANCE_MAX);
	}
	else
	{
		out->shared_buffers = NAN;
		out->effective_cache_size = NAN;
		out->work_mem = NAN;
		out->maintenance_work_mem = NAN;
	}

	if (vcpus >= 1)
	{
		/*
		 * Never below PostgreSQL's default of 8: background workers (this
		 * extension's sampler, logical replication) need slots beside the
		 * parallel workers.
		 */
		out->max_worker_processes = vcpus > CAP_MIN_WORKER_PROCESSES ? vcpus : CAP_MIN_WORKER_PROCESSES;
		out->max_parallel_workers = vcpus;
		out->max_parallel_workers_per_gather = vcpus / 2 > 1 ? vcpus / 2 : 1;
	}
	else
	{
		out->max_worker_processes = 0;
		out->max_parallel_workers = 0;
		out->max_parallel_workers_per_gather = 0;
	}
}

double
cap_max_wal_size(double wal_bytes_per_sec, double interval_sec,
				 double checkpoint_completion_target, double min_bytes)
{
	double		bytes;
	double		result;

	if (!valid_amount(wal_bytes_per_sec) || !valid_amount(interval_sec) ||
		!valid_amount(checkpoint_completion_target) ||
		!valid_amount(min_bytes))
		return NAN;

	bytes = wal_bytes_per_sec * interval_sec *
		(1.0 + checkpoint_completion_target);
	if (!isfinite(bytes))
		return NAN;
	result = ceil(nearbyint(bytes) / CAP_MB) * CAP_MB;
	return result > min_bytes ? result : min_bytes;
}

double
cap_worst_case_memory(double shared_buffers, int max_connections,
					  double work_mem, int autovacuum_workers,
					  double maintenance_work_mem)
{
	if (!valid_amount(shared_buffers) || !valid_amount(work_mem) ||
		!valid_amount(maintenance_work_mem) ||
		max_connections < 0 || autovacuum_workers < 0)
		return NAN;
	return shared_buffers + (double) max_connections * work_mem +
		(double) autovacuum_workers * maintenance_work_mem;
}


/* ----------------------------------------------------------------
 *		Capacity Planning §2: Resource Utilization Formulas
 * ----------------------------------------------------------------
 */

void
cap_default_constants(CapModelConstants *k)
{
	k->tps_per_vcpu = 500;
	k->cpu_safety_factor = 1.5;
	k->memory_safety_factor = 1.3;
	k->connection_memory = 10 * CAP_MB;
	k->wal_iops_per_write_low = 5;
	k->wal_iops_per_write_high = 10;
	k->read_iops_per_read_low = 2;
	k->read_iops_per_read_high = 5;
	k->backends_per_vcpu = 50;
	k->pooler_multiplier = 10;
	k->measured_fixed_vcpus = NAN;
	k->measured_vcpus_per_tps = NAN;
}

void
cap_required_resources(double target_tps, double read_ratio,
					   double active_data_bytes, int max_connections,
					   const CapModelConstants *k, CapRequired *out)
{
	CapModelConstants defaults;
	double		s;
	double		conn_memory;
	bool		tps_ok;
	bool		ratio_ok;

	if (k == NULL)
	{
		cap_default_constants(&defaults);
		k = &defaults;
	}
	tps_ok = valid_amount(target_tps);
	ratio_ok = isfinite(read_ratio) && read_ratio >= 0 && read_ratio <= 1;

	/* CPU */
	if (!tps_ok || !valid_amount(k->cpu_safety_factor))
		out->vcpus = NAN;
	else if (isfinite(k->measured_fixed_vcpus) && valid_amount(k->measured_vcpus_per_tps) &&
			 k->measured_vcpus_per_tps > 0)
		out->vcpus = (fmax(k->measured_fixed_vcpus, 0.0) +
					  target_tps * k->measured_vcpus_per_tps) * k->cpu_safety_factor;
	else if (valid_amount(k->tps_per_vcpu) && k->tps_per_vcpu > 0)
		out->vcpus = target_tps / k->tps_per_vcpu * k->cpu_safety_factor;
	else
		out->vcpus = NAN;

	/*
	 * Memory: R = S (W + 0.25 R + C m), R on both sides; solved, it is R = S
	 * (W + C m) / (1 - 0.25 S), finite and positive only while 0.25 S < 1.
	 */
	s = k->memory_safety_factor;
	out->working_set_bytes = valid_amount(active_data_bytes) ?
		active_data_bytes * 0.5 : NAN;
	conn_memory = max_connections >= 0 && valid_amount(k->connection_memory) ?
		(double) max_connections * k->connection_memory : NAN;
	out->ram_solvable = valid_amount(s) &&
		REQUIRED_SHARED_BUFFERS_SHARE * s < 1.0;
	if (out->ram_solvable)
		out->ram_bytes = s * (out->working_set_bytes + conn_memory) /
			(1.0 - REQUIRED_SHARED_BUFFERS_SHARE * s);
	else
		out->ram_bytes = NAN;

	/* IOPS, as a low-high range */
	if (tps_ok && ratio_ok &&
		valid_amount(k->wal_iops_per_write_low) &&
		valid_amount(k->wal_iops_per_write_high) &&
		valid_amount(k->read_iops_per_read_low) &&
		valid_amount(k->read_iops_per_read_high))
	{
		double		read_tps = target_tps * read_ratio;
		double		write_tps = target_tps - read_tps;

		out->iops_low = write_tps * k->wal_iops_per_write_low +
			read_tps * k->read_iops_per_read_low;
		out->iops_high = write_tps * k->wal_iops_per_write_high +
			read_tps * k->read_iops_per_read_high;
	}
	else
	{
		out->iops_low = NAN;
		out->iops_high = NAN;
	}

	/* Connections: NaN vcpus stay NaN */
	out->backend_connections = valid_amount(k->backends_per_vcpu) ?
		ceil_whole(out->vcpus) * k->backends_per_vcpu : NAN;
	out->client_connections = valid_amount(k->pooler_multiplier) ?
		out->backend_connections * k->pooler_multiplier : NAN;
}

double
cap_tps_capacity(double vcpus, const CapModelConstants *k)
{
	CapModelConstants defaults;

	if (k == NULL)
	{
		cap_default_constants(&defaults);
		k = &defaults;
	}
	if (!valid_amount(vcpus) || !valid_amount(k->tps_per_vcpu) ||
		!valid_amount(k->cpu_safety_factor) || k->cpu_safety_factor <= 0)
		return NAN;
	return vcpus * k->tps_per_vcpu / k->cpu_safety_factor;
}


/* ----------------------------------------------------------------
 *		Formatting and parsing
 * ----------------------------------------------------------------
 */

void
cap_format_bytes(double bytes, bool round_mb, char *out, size_t outlen)
{
	static const char *const units[] = {"kB", "MB", "GB", "TB"};
	double		v;
	int			unit;

	if (out == NULL || outlen == 0)
		return;
	if (!valid_amount(bytes))
	{
		snprintf(out, outlen, "NaN");
		return;
	}

	v = nearbyint(bytes);
	if (round_mb)
	{
		v = floor(v / CAP_MB);
		unit = 1;
	}
	else
	{
		v = floor(v / CAP_KB);
		unit = 0;
	}
	if (v == 0)
	{
		/* PostgreSQL shows a zero memory setting without a unit */
		snprintf(out, outlen, "0");
		return;
	}
	while (unit < 3 && fmod(v, 1024.0) == 0)
	{
		v /= 1024.0;
		unit++;
	}
	snprintf(out, outlen, "%.0f%s", v, units[unit]);
}

static const char *
skip_spaces(const char *p)
{
	while (*p != '\0' && isspace((unsigned char) *p))
		p++;
	return p;
}

/*
 * An unsigned decimal number (digits, optionally a point and more digits;
 * no sign, no exponent), independent of the locale.  Returns the position
 * after it, or NULL when there is none.
 */
static const char *
parse_number(const char *p, double *value)
{
	double		mantissa = 0;
	int			digits = 0;
	int			decimals = 0;

	while (*p >= '0' && *p <= '9')
	{
		mantissa = mantissa * 10 + (*p - '0');
		digits++;
		p++;
	}
	if (*p == '.')
	{
		p++;
		while (*p >= '0' && *p <= '9')
		{
			mantissa = mantissa * 10 + (*p - '0');
			digits++;
			decimals++;
			p++;
		}
	}
	if (digits == 0)
		return NULL;
	*value = mantissa / pow(10.0, decimals);
	return p;
}

bool
cap_parse_range(const char *text, double *low, double *high)
{
	const char *p;
	double		lo;
	double		hi;

	if (text == NULL)
		return false;
	p = parse_number(skip_spaces(text), &lo);
	if (p == NULL)
		return false;
	p = skip_spaces(p);
	if (*p == '-' || *p == ',')
	{
		p = parse_number(skip_spaces(p + 1), &hi);
		if (p == NULL)
			return false;
		p = skip_spaces(p);
	}
	else
		hi = lo;
	if (*p != '\0')
		return false;
	if (!isfinite(lo) || !isfinite(hi) || !(lo > 0) || !(hi >= lo))
		return false;
	if (low != NULL)
		*low = lo;
	if (high != NULL)
		*high = hi;
	return true;
}

int
cap_series_stats(const double *avg, const double *max, int n, bool higher_is_worse,
				 double *mean, double *worst, double *last)
{
	int			i;
	int			counted = 0;
	double		sum = 0;

	*mean = *worst = *last = NAN;
	for (i = 0; i < n; i++)
	{
		double		v = avg[i];
		double		p = (max == NULL || isnan(max[i])) ? v : max[i];

		if (isnan(v))
			continue;
		/* for "lower is worse" series the worst value is the lowest mean */
		if (!higher_is_worse)
			p = v;
		sum += v;
		counted++;
		*last = v;
		if (isnan(*worst) || (higher_is_worse ? p > *worst : p < *worst))
			*worst = p;
	}
	if (counted > 0)
		*mean = sum / counted;
	return counted;
}

static int
double_cmp(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

double
cap_median(const double *v, int n, double *work)
{
	int			k = 0;
	int			i;

	for (i = 0; i < n; i++)
		if (!isnan(v[i]))
			work[k++] = v[i];
	if (k == 0)
		return NAN;
	qsort(work, k, sizeof(double), double_cmp);
	return (k % 2) ? work[k / 2] : (work[k / 2 - 1] + work[k / 2]) / 2.0;
}

void
cap_format_number(double v, char *out, size_t outlen)
{
	if (isnan(v))
		snprintf(out, outlen, "n/a");
	else if (fabs(v) >= 100)
		snprintf(out, outlen, "%.0f", v);
	else if (fabs(v) >= 1)
		snprintf(out, outlen, "%.1f", v);
	else
		snprintf(out, outlen, "%.3g", v);
}
