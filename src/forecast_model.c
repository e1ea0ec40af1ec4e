/*-------------------------------------------------------------------------
 *
 * forecast_model.c
 *		Pure arithmetic of the growth forecasts (see forecast_model.h): the
 *		least squares and Theil-Sen line fits, the prediction interval, the
 *		threshold crossing of a trend and of its band, and the read replica
 *		rule.  The quantile of Student's t they use is in student_t.c.
 *
 * Numerical notes:
 *
 *	x is typically epoch seconds (~1.7e9) spanning months or years, so no
 *	sum of squares of raw x is ever formed: the means come first (with a
 *	correction pass, the "corrected two-pass" algorithm), then the centred
 *	sums, all compensated (Neumaier).  The SSE is summed from the residuals,
 *	not as Syy - slope * Sxy, which cancels for good fits.
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdint.h>

#include "forecast_model.h"
#include "prng.h"
#include "student_t.h"

#define TS_SEED		UINT64_C(0x5EEDF0CA57CA9AC1)

/* Neumaier's compensated sum */
typedef struct KSum
{
	double		sum;
	double		c;
} KSum;

static inline void
ksum_add(KSum *k, double v)
{
	double		t = k->sum + v;

	if (fabs(k->sum) >= fabs(v))
		k->c += (k->sum - t) + v;
	else
		k->c += (v - t) + k->sum;
	k->sum = t;
}

static inline double
ksum_get(const KSum *k)
{
	return k->sum + k->c;
}

static inline bool
point_ok(double x, double y)
{
	return isfinite(x) && isfinite(y);
}

static void
fit_invalid(CapFit *fit, const char *reason, int n)
{
	fit->valid = false;
	fit->reason = reason;
	fit->n = n;
	fit->x_mean = NAN;
	fit->y_mean = NAN;
	fit->slope = NAN;
	fit->intercept = NAN;
	fit->sxx = NAN;
	fit->s = NAN;
	fit->r_squared = NAN;
}

/*
 * First pass over the finite points: their count, the means (corrected by
 * the mean deviation from them) and whether x takes two distinct values.
 * Returns the reason the points cannot be fitted, or NULL.
 */
static const char *
fit_means(const double *x, const double *y, int n, int *m_out,
		  double *xm_out, double *ym_out)
{
	KSum		sx = {0, 0},
				sy = {0, 0},
				dx = {0, 0},
				dy = {0, 0};
	double		xmin = INFINITY,
				xmax = -INFINITY,
				xm,
				ym;
	int			m = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		if (!point_ok(x[i], y[i]))
			continue;
		m++;
		ksum_add(&sx, x[i]);
		ksum_add(&sy, y[i]);
		if (x[i] < xmin)
			xmin = x[i];
		if (x[i] > xmax)
			xmax = x[i];
	}
	*m_out = m;
	if (m < 3)
		return "fewer than 3 points";
	if (xmin == xmax)
		return "all points at one instant";
	xm = ksum_get(&sx) / m;
	ym = ksum_get(&sy) / m;
	if (!isfinite(xm) || !isfinite(ym))
		return "numeric overflow";
	for (i = 0; i < n; i++)
	{
		if (!point_ok(x[i], y[i]))
			continue;
		ksum_add(&dx, x[i] - xm);
		ksum_add(&dy, y[i] - ym);
	}
	xm += ksum_get(&dx) / m;
	ym += ksum_get(&dy) / m;
	if (!isfinite(xm) || !isfinite(ym))
		return "numeric overflow";
	*xm_out = xm;
	*ym_out = ym;
	return NULL;
}

/*
 * Sxx, SST and SSE around the line through (xm, intercept) with slope, and
 * the fit's figures from them (s from the SSE unless robust_s is given).
 */
static void
fit_finish(const double *x, const double *y, int n, int m, double xm,
		   double ym, double slope, double intercept, double robust_s,
		   CapFit *fit)
{
	KSum		sxx = {0, 0},
				syy = {0, 0},
				sse = {0, 0};
	double		SSE,
				SST;
	int			i;

	for (i = 0; i < n; i++)
	{
		double		dx,
					dy,
					r;

		if (!point_ok(x[i], y[i]))
			continue;
		dx = x[i] - xm;
		dy = y[i] - ym;
		r = (y[i] - intercept) - slope * dx;
		ksum_add(&sxx, dx * dx);
		ksum_add(&syy, dy * dy);
		ksum_add(&sse, r * r);
	}
	SSE = ksum_get(&sse);
	SST = ksum_get(&syy);

	fit->valid = true;
	fit->reason = NULL;
	fit->n = m;
	fit->x_mean = xm;
	fit->y_mean = ym;
	fit->slope = slope;
	fit->intercept = intercept;
	fit->sxx = ksum_get(&sxx);
	fit->s = isnan(robust_s) ? sqrt(SSE / (m - 2)) : robust_s;
	fit->r_squared = SST > 0 ? 1.0 - SSE / SST : NAN;

	if (!isfinite(fit->slope) || !isfinite(fit->intercept) ||
		!isfinite(fit->sxx) || !(fit->sxx > 0) || !isfinite(fit->s))
		fit_invalid(fit, "numeric overflow", m);
}

void
cap_fit_ols(const double *x, const double *y, int n, CapFit *fit)
{
	KSum		sxx = {0, 0},
				sxy = {0, 0};
	const char *reason;
	double		xm = 0,
				ym = 0;
	int			m = 0;
	int			i;

	if (n < 0 || x == NULL || y == NULL)
		n = 0;
	reason = fit_means(x, y, n, &m, &xm, &ym);
	if (reason)
	{
		fit_invalid(fit, reason, m);
		return;
	}
	for (i = 0; i < n; i++)
	{
		double		dx;

		if (!point_ok(x[i], y[i]))
			continue;
		dx = x[i] - xm;
		ksum_add(&sxx, dx * dx);
		ksum_add(&sxy, dx * (y[i] - ym));
	}
	/* the least squares line passes through the means */
	fit_finish(x, y, n, m, xm, ym, ksum_get(&sxy) / ksum_get(&sxx), ym, NAN, fit);
}

/*
 * The k-th smallest of a[0..n-1] (0-based), by Hoare's FIND with a median
 * of three pivot; a is permuted so that a[0..k-1] <= a[k] <= a[k+1..n-1].
 * Equal values stop both scans, so runs of duplicates stay O(n).
 */
static double
select_kth(double *a, int n, int k)
{
	int			l = 0,
				r = n - 1;

	while (l < r)
	{
		double		p0 = a[l],
					p1 = a[l + (r - l) / 2],
					p2 = a[r],
					pivot;
		int			i = l,
					j = r;

		/* median of the three */
		if ((p0 <= p1 && p1 <= p2) || (p2 <= p1 && p1 <= p0))
			pivot = p1;
		else if ((p1 <= p0 && p0 <= p2) || (p2 <= p0 && p0 <= p1))
			pivot = p0;
		else
			pivot = p2;

		do
		{
			while (a[i] < pivot)
				i++;
			while (pivot < a[j])
				j--;
			if (i <= j)
			{
				double		t = a[i];

				a[i] = a[j];
				a[j] = t;
				i++;
				j--;
			}
		} while (i <= j);
		if (j < k)
			l = i;
		if (k < i)
			r = j;
	}
	return a[k];
}

/* Median of a[0..n-1], n >= 1 (a is permuted) */
static double
median_inplace(double *a, int n)
{
	int			k = n / 2;
	double		hi = select_kth(a, n, k);
	double		lo;
	int			i;

	if (n % 2 == 1)
		return hi;
	lo = a[0];
	for (i = 1; i < k; i++)
		if (a[i] > lo)
			lo = a[i];
	/* the correctly rounded (lo + hi) / 2, without overflow */
	return 0.5 * lo + 0.5 * hi;
}

size_t
cap_theil_sen_work_size(int n, int max_pairs)
{
	return CAP_THEIL_SEN_WORK_SIZE(n < 0 ? 0 : n, max_pairs < 0 ? 0 : max_pairs);
}

void
cap_fit_theil_sen(const double *x, const double *y, int n, double *work,
				  int max_pairs, CapFit *fit)
{
	double	   *slopes = work;
	double	   *rest;
	const char *reason;
	double		xm = 0,
				ym = 0,
				slope,
				intercept,
				mad;
	int			m = 0,
				np = 0,
				k,
				i;

	if (n < 0 || x == NULL || y == NULL)
		n = 0;
	reason = fit_means(x, y, n, &m, &xm, &ym);
	if (reason)
	{
		fit_invalid(fit, reason, m);
		return;
	}
	if (work == NULL || max_pairs < 1)
	{
		fit_invalid(fit, "no work space for the pairwise slopes", m);
		return;
	}
	rest = work + max_pairs;

	/* the indexes of the finite points */
	k = 0;
	for (i = 0; i < n; i++)
		if (point_ok(x[i], y[i]))
			rest[k++] = i;

	if ((int64_t) m * (m - 1) / 2 <= max_pairs)
	{
		int			a,
					b;

		for (a = 0; a < m; a++)
			for (b = a + 1; b < m; b++)
			{
				int			ia = (int) rest[a],
							ib = (int) rest[b];
				double		s;

				if (x[ia] == x[ib])
					continue;
				s = (y[ib] - y[ia]) / (x[ib] - x[ia]);
				if (!isnan(s))
					slopes[np++] = s;
			}
	}
	else
	{
		uint64_t	state = TS_SEED;
		int64_t		attempts = 0,
					limit = (int64_t) max_pairs * 64;

		/* pairs drawn with replacement; pairs at one instant are redrawn */
		while (np < max_pairs && attempts++ < limit)
		{
			int			a = (int) (cap_random_next(&state) % (uint64_t) m);
			int			b = (int) (cap_random_next(&state) % (uint64_t) (m - 1));
			int			ia,
						ib;
			double		s;

			if (b >= a)
				b++;
			ia = (int) rest[a];
			ib = (int) rest[b];
			if (x[ia] == x[ib])
				continue;
			s = (y[ib] - y[ia]) / (x[ib] - x[ia]);
			if (!isnan(s))
				slopes[np++] = s;
		}
	}
	if (np == 0)
	{
		fit_invalid(fit, "all points at one instant", m);
		return;
	}
	slope = median_inplace(slopes, np);
	if (!isfinite(slope))
	{
		fit_invalid(fit, "numeric overflow", m);
		return;
	}

	/* intercept at x_mean: the median of y - slope (x - x_mean) */
	k = 0;
	for (i = 0; i < n; i++)
	{
		double		v;

		if (!point_ok(x[i], y[i]))
			continue;
		v = y[i] - slope * (x[i] - xm);
		if (!isfinite(v))
		{
			fit_invalid(fit, "numeric overflow", m);
			return;
		}
		rest[k++] = v;
	}
	intercept = median_inplace(rest, m);

	/* robust scale: 1.4826 * median |residual| (the residuals' median is 0) */
	k = 0;
	for (i = 0; i < n; i++)
	{
		if (!point_ok(x[i], y[i]))
			continue;
		rest[k++] = fabs((y[i] - slope * (x[i] - xm)) - intercept);
	}
	mad = median_inplace(rest, m);

	fit_finish(x, y, n, m, xm, ym, slope, intercept, 1.4826 * mad, fit);
}

double
cap_fit_predict(const CapFit *f, double x)
{
	if (f == NULL || !f->valid)
		return NAN;
	return f->intercept + f->slope * (x - f->x_mean);
}

/* t * s * sqrt(1 + 1/n + (x - x_mean)^2 / sxx) for a given t quantile */
static double
half_width_t(const CapFit *f, double x, double tq)
{
	double		u = (x - f->x_mean) / sqrt(f->sxx);

	return tq * f->s * sqrt(1.0 + 1.0 / f->n + u * u);
}

static double
band_quantile(const CapFit *f, double level)
{
	if (f == NULL || !f->valid || f->n < 3 || !(level > 0 && level < 1))
		return NAN;
	return cap_student_t_quantile((1.0 + level) / 2.0, f->n - 2);
}

double
cap_fit_prediction_half_width(const CapFit *f, double x, double level)
{
	double		tq = band_quantile(f, level);

	if (isnan(tq))
		return NAN;
	return half_width_t(f, x, tq);
}

void
cap_fit_prediction_interval(const CapFit *f, double x, double level,
							double *lo, double *hi)
{
	double		h = cap_fit_prediction_half_width(f, x, level);
	double		p = cap_fit_predict(f, x);

	if (isnan(h) || isnan(p))
	{
		*lo = *hi = NAN;
		return;
	}
	*lo = p - h;
	*hi = p + h;
}

/* ---------------------------------------------------------------------
 * Crossings
 * ---------------------------------------------------------------------
 */

/*
 * g(x) = dir * (predict(x) + bound * c * sqrt(k + v^2) - threshold), with
 * v = (x - x_mean) / sqrt(sxx), k = 1 + 1/n and c = t * s: the signed
 * distance of one band bound past the threshold in the direction of travel.
 * g is convex when bound * dir = +1, concave when -1.
 */
typedef struct Reach
{
	const CapFit *f;
	double		c;
	double		k;
	double		threshold;
	int			dir;
	int			bound;
} Reach;

static double
reach_g(const Reach *r, double x)
{
	double		v = (x - r->f->x_mean) / sqrt(r->f->sxx);

	return r->dir * (cap_fit_predict(r->f, x) +
					 r->bound * r->c * sqrt(r->k + v * v) - r->threshold);
}

/* with g(a) < 0 <= g(b), g increasing on [a, b]: the first x with g >= 0 */
static double
reach_bisect(const Reach *r, double a, double b)
{
	int			i;

	for (i = 0; i < 2000; i++)
	{
		double		m = a + (b - a) / 2;

		if (m <= a || m >= b)
			break;
		if (reach_g(r, m) >= 0)
			b = m;
		else
			a = m;
	}
	return b;
}

/* the first x in [a, b] with g(x) >= 0, or NaN */
static double
reach_first(const Reach *r, double a, double b)
{
	double		xs;

	if (reach_g(r, a) >= 0)
		return a;
	if (r->dir * r->bound > 0)
	{
		/* convex and negative at a: {g < 0} is an interval starting at a */
		if (!(reach_g(r, b) >= 0))
			return NAN;
		return reach_bisect(r, a, b);
	}
	else
	{
		/*
		 * Concave: g = B v - c sqrt(k + v^2) + const with B = dir * slope *
		 * sqrt(sxx), largest at v* = B sqrt(k) / sqrt(c^2 - B^2) when c >
		 * |B|, else monotone.  Bisect up to the maximum.
		 */
		double		rs = sqrt(r->f->sxx);
		double		B = r->dir * r->f->slope * rs;

		if (r->c > fabs(B))
			xs = r->f->x_mean +
				B * sqrt(r->k) / sqrt(r->c * r->c - B * B) * rs;
		else
			xs = B > 0 ? b : a;
		if (isnan(xs))
			return NAN;
		if (xs < a)
			xs = a;
		if (xs > b)
			xs = b;
		if (!(reach_g(r, xs) >= 0))
			return NAN;
		return reach_bisect(r, a, xs);
	}
}

CapCross
cap_fit_crossing(const CapFit *f, double threshold, double level,
				 double x_from, double x_to,
				 double *x_cross, double *x_early, double *x_late)
{
	CapCross	result;
	double		v0,
				tq;
	Reach		r;

	*x_cross = *x_early = *x_late = NAN;
	if (f == NULL || !f->valid || !isfinite(threshold) ||
		!isfinite(x_from) || !isfinite(x_to) || x_to < x_from)
		return CAP_CROSS_INVALID;
	v0 = cap_fit_predict(f, x_from);
	if (!isfinite(v0))
		return CAP_CROSS_INVALID;

	if (v0 == threshold || (v0 > threshold && f->slope >= 0))
	{
		result = CAP_CROSS_ALREADY;
		*x_cross = x_from;
	}
	else if ((v0 < threshold && f->slope > 0) ||
			 (v0 > threshold && f->slope < 0))
	{
		double		xc = f->x_mean + (threshold - f->intercept) / f->slope;

		if (xc < x_from)		/* rounding only */
			xc = x_from;
		if (xc <= x_to)
		{
			result = CAP_CROSS_YES;
			*x_cross = xc;
		}
		else
			result = CAP_CROSS_BEYOND;
	}
	else
		result = CAP_CROSS_NEVER;

	/* the band */
	tq = band_quantile(f, level);
	if (isnan(tq))
		return result;
	r.f = f;
	r.c = tq * f->s;
	r.k = 1.0 + 1.0 / f->n;
	r.threshold = threshold;
	r.dir = (f->slope < 0 && v0 > threshold) ? -1 : 1;
	r.bound = r.dir;
	*x_early = reach_first(&r, x_from, x_to);
	r.bound = -r.dir;
	*x_late = reach_first(&r, x_from, x_to);
	return result;
}

int
cap_replicas_needed(double forecast, double capacity, double per_replica)
{
	double		r;

	if (!isfinite(forecast) || !isfinite(capacity) || !isfinite(per_replica) ||
		!(per_replica > 0))
		return CAP_REPLICAS_INVALID;
	if (!(forecast > 0.8 * capacity))
		return 0;
	r = trunc((forecast - capacity) / per_replica) + 1;
	if (r >= (double) INT_MAX)
		return INT_MAX;
	if (r <= (double) INT_MIN + 1)
		return INT_MIN + 1;
	return (int) r;
}
