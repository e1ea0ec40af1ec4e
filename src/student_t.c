/*-------------------------------------------------------------------------
 *
 * student_t.c
 *		Student's t quantile, the standard normal quantile and the
 *		regularized incomplete beta function they rest on (see
 *		student_t.h): the special functions behind the forecasts'
 *		prediction intervals.
 *
 * Pure arithmetic with no server dependencies, checked by
 * test/unit/test_forecast.c against references computed outside the
 * extension.  Kept apart from forecast_model.c, which fits the lines and
 * reads intervals and crossings from them: nothing here knows of a fit,
 * only of p, df, x, a and b.
 *
 * Numerical notes:
 *
 *	Student's t distribution function is written with the regularized
 *	incomplete beta function, P(T > t) = I_{df/(df+t^2)}(df/2, 1/2) / 2,
 *	evaluated by its continued fraction (modified Lentz); log B(a, b) uses
 *	the Stirling series difference for a large argument, where lgamma()
 *	differences would cancel.
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdbool.h>

#include "student_t.h"

/* Stirling series remainder: lgamma(z) - ((z - 1/2) ln z - z + ln(2 pi) / 2) */
static double
stirling_corr(double z)
{
	double		w = 1 / (z * z);

	return (1.0 / 12 + w * (-1.0 / 360 + w * (1.0 / 1260 + w * (-1.0 / 1680 +
			w * (1.0 / 1188 + w * (-691.0 / 360360 + w / 156)))))) / z;
}

/* log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b) */
static double
log_beta(double a, double b)
{
	double		big = a > b ? a : b;
	double		small = a > b ? b : a;

	if (big < 10)
		return lgamma(a) + lgamma(b) - lgamma(a + b);

	/*
	 * lgamma(big + small) - lgamma(big) from the Stirling series, where the
	 * large terms cancel analytically.
	 */
	return lgamma(small) -
		((big - 0.5) * log1p(small / big) + small * log(big + small) - small +
		 stirling_corr(big + small) - stirling_corr(big));
}

/* Continued fraction of I_x(a, b) (modified Lentz) */
static double
beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double		qab = a + b,
				qap = a + 1,
				qam = a - 1,
				c = 1,
				d = 1 - qab * x / qap,
				h;
	int			m;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (m = 1; m <= 100000; m++)
	{
		int			m2 = 2 * m;
		double		aa = m * (b - m) * x / ((qam + m2) * (a + m2)),
					del;

		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-16)
			break;
	}
	return h;
}

/*
 * I_x(a, b), given x, y = 1 - x and their logarithms separately (so that
 * neither loses digits to the other).
 */
static double
ibeta(double x, double y, double lx, double ly, double a, double b)
{
	double		front;

	if (x <= 0)
		return 0;
	if (y <= 0)
		return 1;
	front = exp(a * lx + b * ly - log_beta(a, b));
	if (x < (a + 1) / (a + b + 2))
		return front * beta_cf(a, b, x) / a;
	return 1 - front * beta_cf(b, a, y) / b;
}

double
cap_incomplete_beta(double x, double a, double b)
{
	if (isnan(x) || isnan(a) || isnan(b) || !(a > 0) || !(b > 0) ||
		x < 0 || x > 1 || isinf(a) || isinf(b))
		return NAN;
	return ibeta(x, 1 - x, log(x), log1p(-x), a, b);
}

/* log(1 + r^2), also where r^2 overflows */
static double
log1p_sq(double r)
{
	if (r > 1e150)
		return 2 * log(r) + log1p(1 / (r * r));
	return log1p(r * r);
}

/*
 * The incomplete beta arguments of |T| <= t: x = df / (df + t^2) and
 * y = 1 - x = t^2 / (df + t^2), with their logarithms, each computed the way
 * that keeps its digits.
 */
static void
t_beta_args(double t, double df, double *x, double *y, double *lx, double *ly)
{
	double		r = t / sqrt(df);

	*lx = -log1p_sq(r);
	*x = exp(*lx);
	if (r > 1)
	{
		*ly = -log1p(1 / (r * r));
		*y = 1 / (1 + 1 / (r * r));
	}
	else
	{
		*ly = 2 * log(r) + *lx;
		*y = r * r / (1 + r * r);
	}
}

/* P(T > t) for t >= 0 */
static double
t_upper_tail(double t, double df)
{
	double		x,
				y,
				lx,
				ly;

	if (t == 0)
		return 0.5;
	t_beta_args(t, df, &x, &y, &lx, &ly);
	return 0.5 * ibeta(x, y, lx, ly, df / 2, 0.5);
}

/* density of t */
static double
t_density(double t, double df)
{
	return exp(-log_beta(df / 2, 0.5) - 0.5 * log(df) -
			   (df + 1) / 2 * log1p_sq(t / sqrt(df)));
}

double
cap_normal_quantile(double p)
{
	static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
		-2.759285104469687e+02, 1.383577518672690e+02,
	-3.066479806614716e+01, 2.506628277459239e+00};
	static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
		-1.556989798598866e+02, 6.680131188771972e+01,
	-1.328068155288572e+01};
	static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
		-2.400758277161838e+00, -2.549732539343734e+00,
	4.374664141464968e+00, 2.938163982698783e+00};
	static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
	2.445134137142996e+00, 3.754408661907416e+00};
	double		q,
				r,
				z,
				e,
				u;

	if (isnan(p) || p <= 0 || p >= 1)
		return NAN;
	if (p == 0.5)
		return 0;
	if (p < 0.02425)
	{
		q = sqrt(-2 * log(p));
		z = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
			((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	else if (p > 1 - 0.02425)
	{
		q = sqrt(-2 * log1p(-p));
		z = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
			((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	else
	{
		q = p - 0.5;
		r = q * q;
		z = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
			(((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
	}
	/* one Halley step on e = Phi(z) - p, from the tail that keeps digits */
	if (fabs(p - 0.5) < 0.25)
		e = 0.5 * erf(z / sqrt(2.0)) - (p - 0.5);
	else if (z < 0)
		e = 0.5 * erfc(-z / sqrt(2.0)) - p;
	else
		e = (1 - p) - 0.5 * erfc(z / sqrt(2.0));
	u = e * 2.50662827463100050242 /* sqrt(2 pi) */ * exp(z * z / 2);
	z = z - u / (1 + z * u / 2);
	return z;
}

/* P(0 < T < t) for t >= 0, accurate for small t */
static double
t_central(double t, double df)
{
	double		x,
				y,
				lx,
				ly;

	if (t == 0)
		return 0;
	t_beta_args(t, df, &x, &y, &lx, &ly);
	return 0.5 * ibeta(y, x, ly, lx, 0.5, df / 2);
}

double
cap_student_t_quantile(double p, double df)
{
	bool		central;
	double		target,
				lo,
				hi,
				t;
	int			iter;

	if (isnan(p) || isnan(df) || !(p > 0 && p < 1) || !(df > 0))
		return NAN;
	if (p == 0.5)
		return 0;
	if (df > 1e7)
		return cap_normal_quantile(p);
	if (df > 1e5)
	{
		/*
		 * The continued fraction loses digits for such df; the asymptotic
		 * expansion of t in the normal quantile z (Cornish-Fisher, terms to
		 * df^-4) is then exact to double precision.
		 */
		double		z = cap_normal_quantile(p);
		double		z2 = z * z;
		double		g1 = z * (z2 + 1) / 4;
		double		g2 = z * ((5 * z2 + 16) * z2 + 3) / 96;
		double		g3 = z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / 384;
		double		g4 = z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) / 92160;

		return z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df;
	}

	/*
	 * Solve g(t) = 0 for t >= 0, g increasing: near the centre
	 * P(0 < T < t) = |p - 1/2| (exact for p in [1/4, 3/4]), in the tails
	 * P(T > t) = min(p, 1 - p) (1 - p is exact for p >= 1/2), so that
	 * neither side loses digits to a subtraction from 1/2.
	 */
	central = fabs(p - 0.5) < 0.25;
	target = central ? fabs(p - 0.5) : (p < 0.5 ? p : 1 - p);

#define T_G(tt) (central ? t_central((tt), df) - target : target - t_upper_tail((tt), df))

	/* bracket [lo, hi] with g(lo) < 0 <= g(hi) */
	lo = 0;
	hi = 1;
	while (T_G(hi) < 0)
	{
		lo = hi;
		hi *= 2;
		if (isinf(hi))
			return p < 0.5 ? -INFINITY : INFINITY;
	}

	/* start from the normal quantile if it falls in the bracket */
	t = fabs(cap_normal_quantile(p));
	if (!(t > lo && t < hi))
		t = lo + (hi - lo) / 2;

	for (iter = 0; iter < 500; iter++)
	{
		double		g = T_G(t);
		double		next;

		if (g == 0)
			break;
		if (g < 0)
			lo = t;
		else
			hi = t;
		next = t - g / t_density(t, df);
		if (!(next > lo && next < hi))
			next = lo + (hi - lo) / 2;
		if (fabs(next - t) <= 1e-14 * t || next == lo || next == hi)
		{
			t = next;
			break;
		}
		t = next;
	}
#undef T_G
	return p < 0.5 ? -t : t;
}
