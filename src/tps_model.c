/*-------------------------------------------------------------------------
 *
 * tps_model.c
 *		The CPU cost of a transaction fitted from the node's history, and
 *		the node's saturation throughput (see tps_model.h).
 *
 * Why Theil-Sen on the samples, with an intercept:
 *
 *	- The intercept is the load-independent CPU: the background processes,
 *	  the idle floor, and the part of the per-transaction overhead that
 *	  does not grow with load (wake-ups that batching absorbs).
 *	- A sample's CPU is noisy (a checkpoint, an autovacuum run, a report
 *	  query land in one interval): the median of pairwise slopes ignores up
 *	  to 29 % of wild points where least squares follows them.
 *	- CPU per transaction falls as the load grows (fewer wake-ups from
 *	  idle, group commit): the cost curve is concave, so a straight line
 *	  fitted at light load meets 100 % of the vCPUs before the node really
 *	  does.  The prediction errs on the safe side, by less the nearer the
 *	  fitted load is to saturation; docs/measurements.md has the ratios.
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>

#include "forecast_model.h"
#include "tps_model.h"

static bool
usable(double tps, double cpu)
{
	return isfinite(tps) && isfinite(cpu) && tps >= 0.0 && cpu >= 0.0;
}

size_t
cap_tps_fit_work_size(int n)
{
	if (n < 0)
		n = 0;
	/* x, y, a sorted copy of x, then Theil-Sen's own */
	return (size_t) 3 * (size_t) n +
		cap_theil_sen_work_size(n, CAP_TPS_FIT_MAX_PAIRS);
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/* The p-th quantile (0..1) of sorted v[0..n-1], interpolated. */
static double
quantile(const double *v, int n, double p)
{
	double		pos = p * (double) (n - 1);
	int			lo = (int) floor(pos);
	double		frac = pos - (double) lo;

	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + frac * (v[lo + 1] - v[lo]);
}

/*
 * Rousseeuw and Leroy's robust coefficient of determination:
 * 1 - (median |residual| / median |y - median y|)^2.  Like r^2 it is 1 on a
 * line and near 0 when the line explains nothing, but a tenth of wild
 * points (a checkpoint, a burst of new connections) leave it alone, as
 * they leave Theil-Sen's slope alone.  work: m doubles.
 */
static double
robust_r_squared(const double *x, const double *y, int m, double slope,
				 double intercept, double *work)
{
	double		med_y,
				mad_y,
				med_res;
	int			i;

	for (i = 0; i < m; i++)
		work[i] = y[i];
	qsort(work, (size_t) m, sizeof(double), cmp_double);
	med_y = quantile(work, m, 0.5);
	for (i = 0; i < m; i++)
		work[i] = fabs(y[i] - med_y);
	qsort(work, (size_t) m, sizeof(double), cmp_double);
	mad_y = quantile(work, m, 0.5);
	for (i = 0; i < m; i++)
		work[i] = fabs(y[i] - (intercept + slope * x[i]));
	qsort(work, (size_t) m, sizeof(double), cmp_double);
	med_res = quantile(work, m, 0.5);
	if (!(mad_y > 0))
		return NAN;
	return 1.0 - (med_res / mad_y) * (med_res / mad_y);
}

void
cap_tps_fit(const double *tps, const double *cpu, int n, double vcpus,
			double *work, CapTpsFit *fit)
{
	double	   *x = work;
	double	   *y = work + (n > 0 ? n : 0);
	double	   *sorted = y + (n > 0 ? n : 0);
	double	   *ts_work = sorted + (n > 0 ? n : 0);
	CapFit		line;
	int			m = 0;
	int			i;

	fit->verdict = CAP_TPS_FIT_TOO_FEW;
	fit->n = 0;
	fit->vcpus = vcpus;
	fit->tps_low = fit->tps_high = fit->tps_min = fit->tps_max = NAN;
	fit->per_tps = fit->fixed = fit->r_squared = fit->cpu_pct_high = NAN;
	fit->saturation_tps = fit->cpu_pct_per_1000_tps = fit->fixed_cpu_pct = NAN;

	for (i = 0; i < n; i++)
		if (usable(tps[i], cpu[i]))
		{
			x[m] = tps[i];
			y[m] = cpu[i];
			sorted[m] = tps[i];
			m++;
		}
	fit->n = m;
	if (m == 0)
		return;
	qsort(sorted, (size_t) m, sizeof(double), cmp_double);
	fit->tps_min = sorted[0];
	fit->tps_max = sorted[m - 1];
	fit->tps_low = quantile(sorted, m, 0.10);
	fit->tps_high = quantile(sorted, m, 0.90);
	if (m < CAP_TPS_FIT_MIN_POINTS)
		return;

	cap_fit_theil_sen(x, y, m, ts_work, CAP_TPS_FIT_MAX_PAIRS, &line);
	if (!line.valid)
	{
		fit->verdict = CAP_TPS_FIT_NARROW;	/* every point at one tps */
		return;
	}
	fit->per_tps = line.slope;
	fit->fixed = line.intercept - line.slope * line.x_mean;
	fit->r_squared = robust_r_squared(x, y, m, fit->per_tps, fit->fixed, sorted);
	if (vcpus > 0 && isfinite(vcpus))
	{
		fit->cpu_pct_per_1000_tps = fit->per_tps * 1000.0 / vcpus * 100.0;
		fit->fixed_cpu_pct = fit->fixed / vcpus * 100.0;
		fit->cpu_pct_high = cap_tps_fit_vcpus_for(fit, fit->tps_high) / vcpus * 100.0;
		if (fit->per_tps > 0 && fit->fixed < vcpus)
			fit->saturation_tps = (vcpus - fit->fixed) / fit->per_tps;
	}

	/* the checks, in the order a DBA would fix them */
	if (!(fit->tps_high >= CAP_TPS_FIT_MIN_RANGE * fit->tps_low) ||
		fit->tps_high <= 0)
		fit->verdict = CAP_TPS_FIT_NARROW;
	else if (!(fit->per_tps > 0))
		fit->verdict = CAP_TPS_FIT_NOT_RISING;
	else if (!(fit->r_squared >= CAP_TPS_FIT_MIN_R2))
		fit->verdict = CAP_TPS_FIT_LOOSE;
	else if (!(fit->cpu_pct_high >= CAP_TPS_FIT_MIN_CPU_PCT))
		fit->verdict = CAP_TPS_FIT_LIGHT;
	else if (isnan(fit->saturation_tps))
		fit->verdict = CAP_TPS_FIT_NO_HEADROOM;
	else
		fit->verdict = CAP_TPS_FIT_OK;
}

double
cap_tps_fit_vcpus_for(const CapTpsFit *fit, double tps)
{
	if (!isfinite(fit->per_tps) || !isfinite(fit->fixed) || !isfinite(tps))
		return NAN;
	return fit->fixed + fit->per_tps * tps;
}
