/*-------------------------------------------------------------------------
 *
 * forecast_model.h
 *		The arithmetic of growth forecasts, as pure functions: linear trend
 *		fits (ordinary least squares, numerically stable for epoch-second
 *		abscissae, and the robust Theil-Sen estimator), prediction intervals
 *		with Student's t quantile (student_t.h), the threshold crossing of a
 *		trend and its band, and the playbook's read replica rule.
 *
 * No server dependencies and no allocation (callers pass work buffers), so
 * test/unit/test_forecast.c checks every function against references
 * computed outside the extension.  src/forecast_sql.c feeds these
 * functions from the metric history.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_FORECAST_MODEL_H
#define PG_CAPACITY_FORECAST_MODEL_H

#include <stdbool.h>
#include <limits.h>
#include <stddef.h>

/*
 * A fitted line y = intercept + slope * (x - x_mean).  Points with a NaN or
 * infinite x or y are skipped and not counted in n.
 */
typedef struct CapFit
{
	bool		valid;			/* false: figures are NaN, reason says why */
	const char *reason;			/* static string; NULL when valid */
	int			n;				/* points used */
	double		x_mean;			/* mean of x (same unit as given) */
	double		y_mean;
	double		slope;			/* per unit of x */
	double		intercept;		/* fitted value at x = x_mean (NOT at x = 0) */
	double		sxx;			/* sum (x - x_mean)^2 */
	double		s;				/* residual standard error, sqrt(SSE / (n -
								 * 2)); Theil-Sen: 1.4826 * MAD of the
								 * residuals */
	double		r_squared;		/* 1 - SSE/SST, also for Theil-Sen (from its
								 * residuals); NaN if SST = 0 */
} CapFit;

/*
 * Ordinary least squares: two passes (means, then sums of centred
 * products), compensated (Neumaier) sums; the SSE is summed from the
 * residuals themselves.  Needs 3 finite points with two distinct x; else
 * valid = false with reason "fewer than 3 points" or "all points at one
 * instant".
 */
extern void cap_fit_ols(const double *x, const double *y, int n, CapFit *fit);

/*
 * Doubles of work cap_fit_theil_sen() needs: max_pairs pairwise slopes, then
 * n doubles (indexes of the finite points, later the residuals).
 */
#define CAP_THEIL_SEN_WORK_SIZE(n, max_pairs) \
	((size_t) (max_pairs) + (size_t) (n))
extern size_t cap_theil_sen_work_size(int n, int max_pairs);

/*
 * Theil-Sen: slope = median of the pairwise slopes (y_j - y_i) / (x_j - x_i)
 * over the pairs with x_i != x_j; intercept (at x_mean) = median of
 * y_i - slope * (x_i - x_mean).  When there are more than max_pairs pairs,
 * the slope is the median over max_pairs pairs drawn (with replacement) by
 * splitmix64 from a constant seed: the same input gives the same output.
 * Medians by selection (Hoare's FIND), the mean of the two middle values for
 * an even count.  work: cap_theil_sen_work_size(n, max_pairs) doubles.
 */
extern void cap_fit_theil_sen(const double *x, const double *y, int n,
							  double *work, int max_pairs, CapFit *fit);

/* intercept + slope * (x - x_mean); NaN when the fit is invalid */
extern double cap_fit_predict(const CapFit *f, double x);

/*
 * Prediction interval for a new observation at x:
 * predict(x) +- t_{n-2, (1+level)/2} * s * sqrt(1 + 1/n + (x - x_mean)^2 / sxx).
 * level in (0, 1), such as 0.95.  NaN bounds when the fit is invalid, n < 3
 * or level is out of range.
 */
extern void cap_fit_prediction_interval(const CapFit *f, double x, double level,
										double *lo, double *hi);

/* Half-width of that interval (NaN in the same cases). */
extern double cap_fit_prediction_half_width(const CapFit *f, double x, double level);

/* When a trend reaches a threshold */
typedef enum CapCross
{
	CAP_CROSS_YES,				/* crosses within [x_from, x_to] */
	CAP_CROSS_ALREADY,			/* at or above the threshold at x_from */
	CAP_CROSS_NEVER,			/* flat, or moving away from the threshold */
	CAP_CROSS_BEYOND,			/* crosses, but only after x_to */
	CAP_CROSS_INVALID			/* invalid fit or arguments */
} CapCross;

/*
 * When does the trend reach threshold, searching x in [x_from, x_to]?  The
 * threshold is a ceiling (a capacity limit):
 *
 *	fitted value at x_from >= threshold, slope >= 0 (or exactly at it):
 *		CAP_CROSS_ALREADY, *x_cross = x_from;
 *	below it and rising: the upward crossing (YES, or BEYOND after x_to);
 *	above it and falling: the downward crossing (YES or BEYOND);
 *	below it and flat or falling: CAP_CROSS_NEVER.
 *
 * *x_cross: the line's crossing (closed form), NaN unless YES or ALREADY.
 * *x_early, *x_late: the first x in [x_from, x_to] where the prediction
 * band (level) reaches the threshold: going up, the upper bound (early) and
 * the lower bound (late); going down, the lower bound (early) and the upper
 * bound (late).  Found by bisection (the band bounds are convex / concave,
 * not linear); NaN where a bound does not reach the threshold in the range,
 * or when the band is undefined.  Outputs are always set.
 */
extern CapCross cap_fit_crossing(const CapFit *f, double threshold, double level,
								 double x_from, double x_to,
								 double *x_cross, double *x_early, double *x_late);

/*
 * The playbook's replica rule: forecast > 0.8 * capacity gives
 * int((forecast - capacity) / per_replica) + 1 read replicas, else 0, with
 * int() truncating toward zero as Python's does: 1 for a forecast between
 * 80 % and 100 % of capacity less than per_replica below it, and 0 or less
 * when it is further below (the playbook's rule, reproduced as it is).
 * CAP_REPLICAS_INVALID when an input is NaN or infinite or per_replica <= 0;
 * results beyond the range of int are clamped.
 */
#define CAP_REPLICAS_INVALID	INT_MIN
extern int	cap_replicas_needed(double forecast, double capacity, double per_replica);

#endif							/* PG_CAPACITY_FORECAST_MODEL_H */
