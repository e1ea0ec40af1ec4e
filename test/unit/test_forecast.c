/*-------------------------------------------------------------------------
 *
 * test_forecast.c
 *		Unit tests of src/forecast_model.c and src/student_t.c: the least
 *		squares and Theil-Sen fits against references computed outside the
 *		extension, Student's t quantiles against R / scipy, the prediction
 *		interval, the threshold crossings and the read replica rule.
 *
 * The reference literals below come from test/unit/forecast_reference.py
 * (Python 3.11, no numpy): it builds the same integer series as this file,
 * takes the least squares closed forms (slope = Sxy / Sxx, SSE, SST) over
 * exact rationals (fractions.Fraction) and rounds each figure once to a
 * double, cross-checks them with statistics.linear_regression (identical
 * to the last bit on case 2), and takes the Theil-Sen medians over the
 * same correctly rounded pairwise slopes.  The t quantiles are R's qt() /
 * scipy.stats.t.ppf values, which the script confirms to 50 digits with
 * mpmath (all within 5e-16 relative).
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>

#include "forecast_model.h"
#include "student_t.h"
#include "unit_test.h"

#define DAY 86400.0

/* --- literals printed by forecast_reference.py --- */
#define EPOCH_X_MEAN 1586356800.0
#define EPOCH_Y_MEAN 1099955.15
#define EPOCH_SLOPE 0.0011570998598131594
#define EPOCH_SXX 4.97663875584e+18
#define EPOCH_S 569.8961274715182
#define EPOCH_R2 0.9999026206653151
#define EPOCH_TS_SLOPE 0.0011570819008162822
#define HOURLY_SLOPE 0.0005561202794744189
#define HOURLY_Y_MEAN 5718.7125
#define HOURLY_SXX 403107062400000.0
#define HOURLY_S 29.060568086572275
#define HOURLY_R2 0.995159752430981
#define PI_SLOPE 2.9137529137529138e-05
#define PI_PREDICT 106.87062937062937
#define PI_VAR 20.491508142207444
#define BURST_OLS_SLOPE_DAY 107.20018000450011
#define BURST_TS_SLOPE 0.0011574074074074073

/* t(0.975, df): R qt(0.975, df) / scipy.stats.t.ppf(0.975, df) */
#define T975_1		12.706204736174698
#define T975_2		4.302652729749464
#define T975_10		2.2281388519862744
#define T975_30		2.0422724563012373
#define T975_1000	1.9623390808264074

#define BIG_PAIRS	2000000		/* > 2000 * 1999 / 2 */
static double work[CAP_THEIL_SEN_WORK_SIZE(2000, BIG_PAIRS)];

/* relative difference */
static double
REL(double a, double b)
{
	return fabs(a - b) / fabs(b);
}

/* the reference script's noise: an LCG mod 2^31 */
static void
lcg_noise(int n, uint64_t seed, int spread, double *out)
{
	uint64_t	state = seed;
	int			i;

	for (i = 0; i < n; i++)
	{
		state = (UINT64_C(1103515245) * state + 12345) % (UINT64_C(1) << 31);
		out[i] = (double) (int64_t) (state % (uint64_t) (2 * spread + 1)) - spread;
	}
}

static double ex[2000],
			ey[2000];

static void
epoch_series(void)
{
	int			i;

	lcg_noise(2000, 42, 1000, ey);
	for (i = 0; i < 2000; i++)
	{
		ex[i] = 1500000000.0 + DAY * i;
		ey[i] += 1000000.0 + 100.0 * i;
	}
}

static void
test_perfect_line(void)
{
	double		x[10],
				y[10];
	CapFit		f;
	int			i;

	current_test = "perfect line";
	for (i = 0; i < 10; i++)
	{
		x[i] = i;
		y[i] = 5 + 3 * i;
	}
	cap_fit_ols(x, y, 10, &f);
	CHECK(f.valid);
	CHECK(f.reason == NULL);
	CHECK(f.n == 10);
	CHECK_NEAR(f.slope, 3, 0);
	CHECK_NEAR(f.x_mean, 4.5, 0);
	CHECK_NEAR(f.intercept, 18.5, 0);	/* at x_mean */
	CHECK_NEAR(f.sxx, 82.5, 0);
	CHECK_NEAR(f.s, 0, 0);
	CHECK_NEAR(f.r_squared, 1, 0);
	CHECK_NEAR(cap_fit_predict(&f, 0), 5, 0);
	CHECK_NEAR(cap_fit_predict(&f, 100), 305, 0);

	/* Theil-Sen agrees on a perfect line */
	cap_fit_theil_sen(x, y, 10, work, 1000, &f);
	CHECK(f.valid);
	CHECK_NEAR(f.slope, 3, 0);
	CHECK_NEAR(f.intercept, 18.5, 0);
	CHECK_NEAR(f.s, 0, 0);
	CHECK_NEAR(f.r_squared, 1, 0);
}

/* textbook sum x^2 - n xbar^2 over raw x */
static double
naive_sxx(const double *x, int n)
{
	double		sx = 0,
				sxx = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		sx += x[i];
		sxx += x[i] * x[i];
	}
	return sxx - n * (sx / n) * (sx / n);
}

static void
test_epoch_ols(void)
{
	double		x[720],
				y[720];
	CapFit		f;
	int			i;

	current_test = "OLS on epoch seconds";
	epoch_series();
	cap_fit_ols(ex, ey, 2000, &f);
	CHECK(f.valid);
	CHECK(f.n == 2000);
	CHECK(REL(f.x_mean, EPOCH_X_MEAN) < 1e-15);
	CHECK(REL(f.intercept, EPOCH_Y_MEAN) < 1e-9);
	CHECK(REL(f.y_mean, EPOCH_Y_MEAN) < 1e-15);
	CHECK(REL(f.slope, EPOCH_SLOPE) < 1e-9);
	CHECK(REL(f.sxx, EPOCH_SXX) < 1e-9);
	CHECK(REL(f.s, EPOCH_S) < 1e-9);
	CHECK(REL(f.r_squared, EPOCH_R2) < 1e-9);
	/* in fact the figures are all but exact */
	CHECK(REL(f.slope, EPOCH_SLOPE) < 1e-13);
	CHECK(REL(f.s, EPOCH_S) < 1e-13);

	/*
	 * 30 days of hourly points at 1.7e9 s: the textbook sum x^2 - n xbar^2
	 * on raw epoch seconds is off by ~3e-9 (more than the 1e-9 bar), the
	 * centred sums are exact to ~1e-15.
	 */
	lcg_noise(720, 7, 50, y);
	for (i = 0; i < 720; i++)
	{
		x[i] = 1700000000.0 + 3600.0 * i;
		y[i] += 5000.0 + 2.0 * i;
	}
	cap_fit_ols(x, y, 720, &f);
	CHECK(f.valid);
	CHECK(REL(f.slope, HOURLY_SLOPE) < 1e-9);
	CHECK(REL(f.intercept, HOURLY_Y_MEAN) < 1e-9);
	CHECK(REL(f.sxx, HOURLY_SXX) < 1e-9);
	CHECK(REL(f.s, HOURLY_S) < 1e-9);
	CHECK(REL(f.r_squared, HOURLY_R2) < 1e-9);
	CHECK(REL(f.sxx, HOURLY_SXX) < 1e-14);
	CHECK(REL(naive_sxx(x, 720), HOURLY_SXX) > 1e-9);
	CHECK(REL(naive_sxx(x, 720), HOURLY_SXX) > 1000 * REL(f.sxx, HOURLY_SXX));
}

static void
test_prediction_interval(void)
{
	static const double yy[12] = {3, 7, 8, 12, 15, 14, 20, 22, 21, 27, 30, 31};
	double		x[12],
				x0,
				lo,
				hi,
				half;
	CapFit		f;
	int			i;

	current_test = "prediction interval";
	for (i = 0; i < 12; i++)
		x[i] = 1700000000.0 + DAY * i;
	x0 = x[11] + 30 * DAY;
	cap_fit_ols(x, yy, 12, &f);
	CHECK(f.valid);
	CHECK(REL(f.slope, PI_SLOPE) < 1e-12);
	CHECK(REL(cap_fit_predict(&f, x0), PI_PREDICT) < 1e-12);

	/* half-width = t(0.975, 10) * sqrt(s^2 (1 + 1/n + (x0 - xm)^2 / Sxx)) */
	half = T975_10 * sqrt(PI_VAR);
	cap_fit_prediction_interval(&f, x0, 0.95, &lo, &hi);
	CHECK(REL((hi - lo) / 2, half) < 1e-12);
	CHECK(REL((hi + lo) / 2, PI_PREDICT) < 1e-12);
	CHECK(REL(cap_fit_prediction_half_width(&f, x0, 0.95), half) < 1e-12);

	/* narrowest at x_mean, symmetric around it */
	CHECK(cap_fit_prediction_half_width(&f, f.x_mean, 0.95) <
		  cap_fit_prediction_half_width(&f, x[0], 0.95));
	CHECK(REL(cap_fit_prediction_half_width(&f, f.x_mean - 5 * DAY, 0.95),
			  cap_fit_prediction_half_width(&f, f.x_mean + 5 * DAY, 0.95)) < 1e-12);

	/* undefined bands */
	cap_fit_prediction_interval(&f, x0, 1.0, &lo, &hi);
	CHECK(isnan(lo) && isnan(hi));
	cap_fit_prediction_interval(&f, x0, NAN, &lo, &hi);
	CHECK(isnan(lo) && isnan(hi));
	f.valid = false;
	cap_fit_prediction_interval(&f, x0, 0.95, &lo, &hi);
	CHECK(isnan(lo) && isnan(hi));
}

static void
test_theil_sen(void)
{
	double		x[200],
				y[200];
	CapFit		f,
				g,
				full;
	int			i;

	current_test = "Theil-Sen by hand";
	{
		/*
		 * slopes 1, 2, 2, 2, 2.5, 3, 24.5, 32, 46.5, 92: median (2.5 + 3) / 2
		 * = 2.75; y - 2.75 (x - 3) = 7.5, 6.75, 7, 5.25, 94.5: median 7;
		 * |residuals| 0.5, 0.25, 0, 1.75, 87.5: MAD 0.5, s = 0.7413.
		 */
		static const double hx[5] = {1, 2, 3, 4, 5};
		static const double hy[5] = {2, 4, 7, 8, 100};

		cap_fit_theil_sen(hx, hy, 5, work, 1000, &f);
		CHECK(f.valid);
		CHECK_NEAR(f.slope, 2.75, 0);
		CHECK_NEAR(f.x_mean, 3, 0);
		CHECK_NEAR(f.intercept, 7, 0);
		CHECK_NEAR(f.s, 1.4826 * 0.5, 1e-15);
		CHECK_NEAR(cap_fit_predict(&f, 5), 12.5, 0);
	}
	{
		/*
		 * tied x: pairs at one instant are skipped; slopes 1, 2.5, 0, 2, 4:
		 * median 2; x_mean 0.75; y - 2 (x - 0.75) = 1.5, 2.5, 0.5, 2.5:
		 * median 2.
		 */
		static const double hx[4] = {0, 0, 1, 2};
		static const double hy[4] = {0, 1, 1, 5};

		cap_fit_theil_sen(hx, hy, 4, work, 1000, &f);
		CHECK(f.valid);
		CHECK_NEAR(f.slope, 2, 0);
		CHECK_NEAR(f.intercept, 2, 0);
	}
	CHECK(cap_theil_sen_work_size(2000, 50000) == 52000);

	current_test = "Theil-Sen against bursts";
	for (i = 0; i < 200; i++)
	{
		x[i] = 1600000000.0 + DAY * i;
		y[i] = 50000.0 + 100.0 * i + ((i >= 100 && i % 5 == 0) ? 5000.0 : 0);
	}
	cap_fit_ols(x, y, 200, &f);
	CHECK(REL(f.slope * DAY, BURST_OLS_SLOPE_DAY) < 1e-12);
	CHECK(REL(f.slope * DAY, 100) > 0.05);	/* 107.2 per day */
	cap_fit_theil_sen(x, y, 200, work, 200000, &f);
	CHECK(f.valid);
	CHECK(REL(f.slope, BURST_TS_SLOPE) < 1e-12);
	CHECK(REL(f.slope * DAY, 100) < 0.05);
	CHECK(REL(f.slope * DAY, 100) < 1e-12);
	CHECK(f.r_squared < 1 && f.r_squared > 0);

	current_test = "Theil-Sen subsampled";
	epoch_series();
	cap_fit_theil_sen(ex, ey, 2000, work, BIG_PAIRS, &full);
	CHECK(full.valid);
	CHECK(REL(full.slope, EPOCH_TS_SLOPE) < 1e-12);
	cap_fit_theil_sen(ex, ey, 2000, work, 50000, &f);
	cap_fit_theil_sen(ex, ey, 2000, work, 50000, &g);
	CHECK(f.valid && g.valid);
	/* same input, same output */
	CHECK(f.slope == g.slope && f.intercept == g.intercept && f.s == g.s &&
		  f.r_squared == g.r_squared && f.n == g.n);
	CHECK(REL(f.slope, full.slope) < 0.01);
	CHECK(REL(f.intercept, full.intercept) < 0.01);
	CHECK(f.slope != full.slope);	/* it did subsample */
}

static void
test_invalid(void)
{
	double		x[6] = {1, 2, NAN, 3, 4, INFINITY};
	double		y[6] = {10, 12, 13, INFINITY, 18, 20};
	double		c,
				e,
				l;
	CapFit		f;

	current_test = "invalid inputs";
	cap_fit_ols(x, y, 0, &f);
	CHECK(!f.valid);
	CHECK_STR(f.reason, "fewer than 3 points");
	CHECK(isnan(f.slope) && isnan(f.intercept) && isnan(f.s));
	CHECK(isnan(cap_fit_predict(&f, 1)));
	CHECK(cap_fit_crossing(&f, 1, 0.95, 0, 10, &c, &e, &l) == CAP_CROSS_INVALID);
	CHECK(isnan(c) && isnan(e) && isnan(l));
	cap_fit_ols(NULL, NULL, 0, &f);
	CHECK(!f.valid);
	cap_fit_ols(x, y, 2, &f);
	CHECK_STR(f.reason, "fewer than 3 points");
	CHECK(f.n == 2);

	/* NaN / inf points are skipped: 3 finite points remain */
	cap_fit_ols(x, y, 6, &f);
	CHECK(f.valid);
	CHECK(f.n == 3);
	/* (1, 10), (2, 12), (4, 18): Sxy / Sxx = (38/3) / (14/3) = 19/7 */
	CHECK_NEAR(f.slope, 19.0 / 7.0, 1e-15);
	cap_fit_theil_sen(x, y, 6, work, 1000, &f);
	CHECK(f.valid);
	CHECK(f.n == 3);
	CHECK_NEAR(f.slope, 8.0 / 3.0, 0);	/* slopes 2, 8/3, 3 */

	/* all at one instant */
	{
		double		sx[4] = {5, 5, 5, 5};
		double		sy[4] = {1, 2, 3, 4};

		cap_fit_ols(sx, sy, 4, &f);
		CHECK(!f.valid);
		CHECK_STR(f.reason, "all points at one instant");
		cap_fit_theil_sen(sx, sy, 4, work, 1000, &f);
		CHECK_STR(f.reason, "all points at one instant");
	}
	/* only NaN */
	{
		double		nx[4] = {NAN, NAN, NAN, NAN};

		cap_fit_ols(nx, nx, 4, &f);
		CHECK_STR(f.reason, "fewer than 3 points");
		CHECK(f.n == 0);
		cap_fit_theil_sen(nx, nx, 4, work, 1000, &f);
		CHECK_STR(f.reason, "fewer than 3 points");
	}
	/* overflow is an invalid fit, not a crash */
	{
		double		ox[3] = {0, 1, 2};
		double		oy[3] = {-1.7e308, 1.7e308, -1.7e308};

		cap_fit_ols(ox, oy, 3, &f);
		CHECK(!f.valid);
		CHECK(f.reason != NULL);
		cap_fit_theil_sen(ox, oy, 3, work, 1000, &f);
		CHECK(!f.valid);
		CHECK(f.reason != NULL);
	}
	/* no work space */
	cap_fit_theil_sen(x, y, 6, work, 0, &f);
	CHECK(!f.valid);
}

static void
test_t_quantile(void)
{
	current_test = "Student t quantile";
	CHECK(REL(cap_student_t_quantile(0.975, 1), T975_1) < 1e-12);
	CHECK(REL(cap_student_t_quantile(0.975, 2), T975_2) < 1e-12);
	CHECK(REL(cap_student_t_quantile(0.975, 10), T975_10) < 1e-12);
	CHECK(REL(cap_student_t_quantile(0.975, 30), T975_30) < 1e-12);
	CHECK(REL(cap_student_t_quantile(0.975, 1000), T975_1000) < 1e-12);
	CHECK(cap_student_t_quantile(0.5, 1) == 0);
	CHECK(cap_student_t_quantile(0.5, 1e9) == 0);
	/* symmetry, to the rounding of 1 - p */
	CHECK(REL(cap_student_t_quantile(0.025, 10), -T975_10) < 1e-14);
	CHECK(REL(cap_student_t_quantile(0.3, 7), -cap_student_t_quantile(0.7, 7)) < 1e-14);
	CHECK(REL(cap_student_t_quantile(1e-10, 3), -cap_student_t_quantile(1 - 1e-10, 3)) < 1e-6);
	/* closed forms: df = 1 is Cauchy, df = 2 is (2p - 1) / sqrt(2 p (1 - p)) */
	CHECK(REL(cap_student_t_quantile(0.9, 1), tan(M_PI * 0.4)) < 1e-12);
	CHECK(REL(cap_student_t_quantile(0.6, 2), 0.2 / sqrt(2 * 0.6 * 0.4)) < 1e-12);
	/* normal quantile for df > 1e7: 1.959963984540054 (R qnorm(0.975)) */
	CHECK(REL(cap_student_t_quantile(0.975, 1e8), 1.959963984540054) < 1e-14);
	CHECK(REL(cap_normal_quantile(0.975), 1.959963984540054) < 1e-14);
	/* out of range */
	CHECK(isnan(cap_student_t_quantile(0, 10)));
	CHECK(isnan(cap_student_t_quantile(1, 10)));
	CHECK(isnan(cap_student_t_quantile(0.9, 0)));
	CHECK(isnan(cap_student_t_quantile(NAN, 10)));
	CHECK(isnan(cap_student_t_quantile(0.9, NAN)));
	CHECK(cap_student_t_quantile(0.9, INFINITY) == cap_normal_quantile(0.9));
	/* the incomplete beta: I_x(1, 1) = x, I_x(a, b) = 1 - I_{1-x}(b, a) */
	CHECK_NEAR(cap_incomplete_beta(0.3, 1, 1), 0.3, 1e-15);
	CHECK_NEAR(cap_incomplete_beta(0.3, 2.5, 4) + cap_incomplete_beta(0.7, 4, 2.5), 1, 1e-15);
	CHECK(isnan(cap_incomplete_beta(1.5, 1, 1)));
}

static void
test_crossing(void)
{
	double		x[11],
				y[11],
				c,
				e,
				l;
	CapFit		f;
	CapCross	r;
	int			i;

	current_test = "crossing";
	/* y = 10 + 2x exactly */
	for (i = 0; i < 11; i++)
	{
		x[i] = i;
		y[i] = 10 + 2 * i;
	}
	cap_fit_ols(x, y, 11, &f);
	r = cap_fit_crossing(&f, 30, 0.95, 0, 100, &c, &e, &l);
	CHECK(r == CAP_CROSS_YES);
	CHECK_NEAR(c, 10, 0);
	CHECK_NEAR(e, 10, 1e-9);	/* s = 0: the band is the line */
	CHECK_NEAR(l, 10, 1e-9);

	/* already above at x_from */
	r = cap_fit_crossing(&f, 30, 0.95, 15, 100, &c, &e, &l);
	CHECK(r == CAP_CROSS_ALREADY);
	CHECK_NEAR(c, 15, 0);
	CHECK_NEAR(e, 15, 0);
	/* crosses only after x_to */
	r = cap_fit_crossing(&f, 30, 0.95, 0, 5, &c, &e, &l);
	CHECK(r == CAP_CROSS_BEYOND);
	CHECK(isnan(c) && isnan(e) && isnan(l));

	/* a falling trend never reaches a threshold above it */
	for (i = 0; i < 11; i++)
		y[i] = 100 - 3 * i;
	cap_fit_ols(x, y, 11, &f);
	r = cap_fit_crossing(&f, 200, 0.95, 0, 1000, &c, &e, &l);
	CHECK(r == CAP_CROSS_NEVER);
	CHECK(isnan(c) && isnan(e) && isnan(l));
	/* and reaches one below it going down: 100 - 3x = 40 at x = 20 */
	r = cap_fit_crossing(&f, 40, 0.95, 0, 1000, &c, &e, &l);
	CHECK(r == CAP_CROSS_YES);
	CHECK_NEAR(c, 20, 1e-12);

	/* flat */
	for (i = 0; i < 11; i++)
		y[i] = 7;
	cap_fit_ols(x, y, 11, &f);
	r = cap_fit_crossing(&f, 8, 0.95, 0, 1000, &c, &e, &l);
	CHECK(r == CAP_CROSS_NEVER);
	CHECK(isnan(c));

	/* noisy rise: early < cross < late, each where its bound meets 30 */
	{
		static const double ny[11] = {10, 13, 13, 17, 18, 21, 21, 25, 26, 27, 31};
		double		lo,
					hi;

		cap_fit_ols(x, ny, 11, &f);
		r = cap_fit_crossing(&f, 60, 0.95, 0, 1000, &c, &e, &l);
		CHECK(r == CAP_CROSS_YES);
		CHECK(e < c && c < l);
		CHECK_NEAR(cap_fit_predict(&f, c), 60, 1e-9);
		cap_fit_prediction_interval(&f, e, 0.95, &lo, &hi);
		CHECK_NEAR(hi, 60, 1e-9);
		cap_fit_prediction_interval(&f, l, 0.95, &lo, &hi);
		CHECK_NEAR(lo, 60, 1e-9);
		/* the early crossing lies before: the band is below it until then */
		cap_fit_prediction_interval(&f, e - 0.01, 0.95, &lo, &hi);
		CHECK(hi < 60);

		/* going down: lower bound first */
		for (i = 0; i < 11; i++)
			y[i] = 100 - ny[i];
		cap_fit_ols(x, y, 11, &f);
		r = cap_fit_crossing(&f, 40, 0.95, 0, 1000, &c, &e, &l);
		CHECK(r == CAP_CROSS_YES);
		CHECK(e < c && c < l);
		cap_fit_prediction_interval(&f, e, 0.95, &lo, &hi);
		CHECK_NEAR(lo, 40, 1e-9);
		cap_fit_prediction_interval(&f, l, 0.95, &lo, &hi);
		CHECK_NEAR(hi, 40, 1e-9);

		/* a late crossing beyond the range is NaN */
		cap_fit_ols(x, ny, 11, &f);
		r = cap_fit_crossing(&f, 60, 0.95, 0, c + 0.5, &c, &e, &l);
		CHECK(r == CAP_CROSS_YES);
		CHECK(!isnan(e) && isnan(l));
	}

	/* bad arguments */
	r = cap_fit_crossing(&f, NAN, 0.95, 0, 10, &c, &e, &l);
	CHECK(r == CAP_CROSS_INVALID);
	r = cap_fit_crossing(&f, 30, 0.95, 10, 0, &c, &e, &l);
	CHECK(r == CAP_CROSS_INVALID);
	r = cap_fit_crossing(&f, 30, 0.95, 0, INFINITY, &c, &e, &l);
	CHECK(r == CAP_CROSS_INVALID);
	/* an undefined band leaves the line's crossing */
	r = cap_fit_crossing(&f, 30, NAN, 0, 100, &c, &e, &l);
	CHECK(r == CAP_CROSS_YES);
	CHECK(!isnan(c) && isnan(e) && isnan(l));
}

static void
test_replicas(void)
{
	current_test = "replica rule";
	CHECK(cap_replicas_needed(15000, 15000, 5000) == 1);
	CHECK(cap_replicas_needed(20000, 15000, 5000) == 2);
	CHECK(cap_replicas_needed(12500, 15000, 5000) == 1);	/* int(-0.5) + 1 */
	CHECK(cap_replicas_needed(11000, 15000, 5000) == 0);	/* below 80 % */
	CHECK(cap_replicas_needed(12000, 15000, 5000) == 0);	/* exactly 80 % */
	CHECK(cap_replicas_needed(25001, 15000, 5000) == 3);
	CHECK(cap_replicas_needed(25000, 15000, 5000) == 3);
	/* Python: int((81000 - 100000) / 5000) + 1 = int(-3.8) + 1 = -2 */
	CHECK(cap_replicas_needed(81000, 100000, 5000) == -2);
	CHECK(cap_replicas_needed(NAN, 15000, 5000) == CAP_REPLICAS_INVALID);
	CHECK(cap_replicas_needed(15000, INFINITY, 5000) == CAP_REPLICAS_INVALID);
	CHECK(cap_replicas_needed(15000, 15000, 0) == CAP_REPLICAS_INVALID);
	CHECK(cap_replicas_needed(1e300, 1, 1) == INT_MAX);
}

int
main(void)
{
	test_perfect_line();
	test_epoch_ols();
	test_prediction_interval();
	test_theil_sen();
	test_invalid();
	test_t_quantile();
	test_crossing();
	test_replicas();
	return unit_test_summary();
}
