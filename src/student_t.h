/*-------------------------------------------------------------------------
 *
 * student_t.h
 *		Student's t quantile, the standard normal quantile and the
 *		regularized incomplete beta function, as pure functions
 *		(student_t.c).  forecast_model.c takes its prediction intervals'
 *		t quantile from here; test/unit/test_forecast.c checks them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_STUDENT_T_H
#define PG_CAPACITY_STUDENT_T_H

/*
 * Quantile of Student's t with df > 0 degrees of freedom, p in (0, 1): the
 * root of the distribution function, written with the regularized
 * incomplete beta function (continued fraction, modified Lentz), found by
 * Newton steps kept inside a bisection bracket.  The normal quantile for
 * df > 1e7.  NaN for p or df out of range.
 */
extern double cap_student_t_quantile(double p, double df);

/* Standard normal quantile (Acklam's approximation, one Halley step). */
extern double cap_normal_quantile(double p);

/* Regularized incomplete beta function I_x(a, b), a, b > 0, x in [0, 1]. */
extern double cap_incomplete_beta(double x, double a, double b);

#endif							/* PG_CAPACITY_STUDENT_T_H */
