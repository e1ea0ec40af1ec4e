/*-------------------------------------------------------------------------
 *
 * test_tps_model.c
 *		Unit tests of the TPS capacity fit (src/tps_model.c): the closed
 *		form on an exact line, the quantiles of the load range, robustness
 *		to outliers, and every verdict that sends the caller back to the
 *		playbook's constant.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>

#include "tps_model.h"
#include "unit_test.h"

#define MAXN 200

static double tps[MAXN];
static double cpu[MAXN];

static void
fit(int n, double vcpus, CapTpsFit *f)
{
	double	   *work = malloc(sizeof(double) * cap_tps_fit_work_size(n));

	cap_tps_fit(tps, cpu, n, vcpus, work, f);
	free(work);
}

/*
 * 2 vCPUs; PostgreSQL uses 0.1 vCPU + 0.0009 vCPU per tx/s at 100, 130, ...
 * 1870 tx/s: saturation (2 - 0.1) / 0.0009 = 2111.1, 45 % per 1000 tx/s,
 * 5 % fixed.
 */
static void
test_exact_line(void)
{
	CapTpsFit	f;
	int			i;

	current_test = "exact line";
	for (i = 0; i < 60; i++)
	{
		tps[i] = 100 + 30 * i;
		cpu[i] = 0.1 + 0.0009 * tps[i];
	}
	fit(60, 2.0, &f);
	CHECK(f.verdict == CAP_TPS_FIT_OK);
	CHECK(f.n == 60);
	CHECK_NEAR(f.per_tps, 0.0009, 1e-12);
	CHECK_NEAR(f.fixed, 0.1, 1e-9);
	CHECK_NEAR(f.r_squared, 1.0, 1e-12);
	CHECK_NEAR(f.saturation_tps, 1.9 / 0.0009, 1e-6);
	CHECK_NEAR(f.cpu_pct_per_1000_tps, 45.0, 1e-9);
	CHECK_NEAR(f.fixed_cpu_pct, 5.0, 1e-7);
	/* quantiles interpolated between order statistics: 0.1 x 59 = 5.9 */
	CHECK_NEAR(f.tps_low, 100 + 30 * 5.9, 1e-9);
	CHECK_NEAR(f.tps_high, 100 + 30 * 53.1, 1e-9);
	CHECK_NEAR(f.tps_min, 100, 0);
	CHECK_NEAR(f.tps_max, 1870, 0);
	CHECK_NEAR(f.cpu_pct_high, (0.1 + 0.0009 * (100 + 30 * 53.1)) / 2 * 100, 1e-9);
	CHECK_NEAR(cap_tps_fit_vcpus_for(&f, 3000), 0.1 + 2.7, 1e-9);

	/* the order of the points does not matter */
	for (i = 0; i < 30; i++)
	{
		double		t = tps[i],
					c = cpu[i];

		tps[i] = tps[59 - i];
		cpu[i] = cpu[59 - i];
		tps[59 - i] = t;
		cpu[59 - i] = c;
	}
	fit(60, 2.0, &f);
	CHECK_NEAR(f.saturation_tps, 1.9 / 0.0009, 1e-6);
}

/* Points with NaN, infinite or negative values are skipped, not counted. */
static void
test_skipped_points(void)
{
	CapTpsFit	f;
	int			i;

	current_test = "skipped points";
	for (i = 0; i < 40; i++)
	{
		tps[i] = 50 + 25 * i;
		cpu[i] = 0.05 + 0.0004 * tps[i];
	}
	tps[3] = NAN;
	cpu[7] = NAN;
	tps[11] = INFINITY;
	cpu[13] = -1;
	tps[17] = -5;
	fit(40, 1.0, &f);
	CHECK(f.n == 35);
	CHECK(f.verdict == CAP_TPS_FIT_OK);
	CHECK_NEAR(f.saturation_tps, 0.95 / 0.0004, 1e-6);
}

/*
 * A tenth of the points far off the line (a checkpoint, a connection
 * storm): Theil-Sen keeps the slope within 2 %.
 */
static void
test_outliers(void)
{
	CapTpsFit	f;
	int			i;

	current_test = "outliers";
	for (i = 0; i < 100; i++)
	{
		tps[i] = 200 + 10 * i;
		cpu[i] = 0.05 + 0.0003 * tps[i] + ((i % 10 == 3) ? 0.3 : 0);
	}
	fit(100, 1.0, &f);
	CHECK(f.verdict == CAP_TPS_FIT_OK);
	CHECK(fabs(f.per_tps / 0.0003 - 1) < 0.02);
	CHECK(fabs(f.saturation_tps / (0.95 / 0.0003) - 1) < 0.03);
}

static void
test_verdicts(void)
{
	CapTpsFit	f;
	int			i;

	current_test = "verdicts";

	/* no points, then one fewer than needed */
	fit(0, 2.0, &f);
	CHECK(f.verdict == CAP_TPS_FIT_TOO_FEW && f.n == 0);
	CHECK(isnan(f.saturation_tps) && isnan(f.tps_low));
	for (i = 0; i < CAP_TPS_FIT_MIN_POINTS; i++)
	{
		tps[i] = 100 + 30 * i;
		cpu[i] = 0.1 + 0.0009 * tps[i];
	}
	fit(CAP_TPS_FIT_MIN_POINTS - 1, 2.0, &f);
	CHECK(f.verdict == CAP_TPS_FIT_TOO_FEW && f.n == CAP_TPS_FIT_MIN_POINTS - 1);
	fit(CAP_TPS_FIT_MIN_POINTS, 2.0, &f);
	CHECK(f.verdict == CAP_TPS_FIT_OK);

	/* narrow: the 90th percentile 1.4 times the 10th */
	for (i = 0; i < 60; i++)
	{
		tps[i] = 1000 + 400.0 / 0.8 * (i / 59.0 - 0.1) * 1.0;
		cpu[i] = 0.1 + 0.0009 * tps[i];
	}
	fit(60, 2.0, &f);
	CHECK_NEAR(f.tps_high / f.tps_low, 1400.0 / 1000.0, 1e-9);
	CHECK(f.verdict == CAP_TPS_FIT_NARROW);
	/* every point at one tps */
	for (i = 0; i < 60; i++)
		tps[i] = 500;
	fit(60, 2.0, &f);
	CHECK(f.verdict == CAP_TPS_FIT_NARROW);

	/* not rising */
	for (i = 0; i < 60; i++)
	{
		tps[i] = 100 + 30 * i;
		cpu[i] = 1.8 - 0.0004 * tps[i];
	}
	fit(60, 2.0, &f);
	CHECK(f.verdict == CAP_TPS_FIT_NOT_RISING);
	CHECK(f.per_tps < 0);

	/* loose: +-0.3 vCPU alternately around a shallow line; r^2 < 0.5 */
	for (i = 0; i < 60; i++)
	{
		tps[i] = 100 + 30 * i;
		cpu[i] = 0.5 + 0.0002 * tps[i] + ((i % 2) ? 0.3 : -0.3);
	}
	fit(60, 2.0, &f);
	CHECK(f.verdict == CAP_TPS_FIT_LOOSE);
	CHECK(f.r_squared < CAP_TPS_FIT_MIN_R2);

	/* light: 7.6 % of the vCPU at the 90th percentile (63.1 tx/s) */
	for (i = 0; i < 60; i++)
	{
		tps[i] = 10 + i;
		cpu[i] = 0.0012 * tps[i];
	}
	fit(60, 1.0, &f);
	CHECK(f.cpu_pct_high < CAP_TPS_FIT_MIN_CPU_PCT);
	CHECK(f.verdict == CAP_TPS_FIT_LIGHT);

	/* no headroom: 2.5 vCPUs of fixed load on 2 */
	for (i = 0; i < 60; i++)
	{
		tps[i] = 100 + 30 * i;
		cpu[i] = 2.5 + 0.0001 * tps[i];
	}
	fit(60, 2.0, &f);
	CHECK(f.verdict == CAP_TPS_FIT_NO_HEADROOM);
	CHECK(isnan(f.saturation_tps));

	/* no vCPU count: nothing to saturate */
	for (i = 0; i < 60; i++)
		cpu[i] = 0.1 + 0.0009 * tps[i];
	fit(60, NAN, &f);
	CHECK(f.verdict != CAP_TPS_FIT_OK);
}

int
main(void)
{
	test_exact_line();
	test_skipped_points();
	test_outliers();
	test_verdicts();
	return unit_test_summary();
}
