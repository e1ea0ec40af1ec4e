/*-------------------------------------------------------------------------
 *
 * tps_model.h
 *		The CPU cost of a transaction, fitted from the node's own history,
 *		and the throughput at which the node's CPU runs out (pure C, no
 *		server headers; tps_model.c).
 *
 * The model: PostgreSQL's CPU (in vCPUs) = fixed + per_tps * tps, fitted
 * by Theil-Sen on (tps, CPU) points; saturation_tps is the tps at which it
 * reaches every vCPU of the node.  The fit is trusted only when the points
 * say enough (see CapTpsFitVerdict); otherwise the caller falls back to
 * the playbook's constant and says why.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_TPS_MODEL_H
#define PG_CAPACITY_TPS_MODEL_H

#include <stdbool.h>
#include <stddef.h>

/* When a fit is trusted (docs/capacity-model.md, "TPS capacity") */
#define CAP_TPS_FIT_MIN_POINTS		30	/* points with both tps and CPU */
#define CAP_TPS_FIT_MIN_RANGE		1.5 /* 90th / 10th percentile of tps */
#define CAP_TPS_FIT_MIN_R2			0.5 /* robust r^2 of the fitted line */
#define CAP_TPS_FIT_MIN_CPU_PCT		10.0	/* fitted CPU at the 90th
											 * percentile, % of vCPUs */
#define CAP_TPS_FIT_MAX_PAIRS		20000	/* Theil-Sen pairs drawn beyond */

typedef enum CapTpsFitVerdict
{
	CAP_TPS_FIT_OK = 0,
	CAP_TPS_FIT_TOO_FEW,		/* fewer than CAP_TPS_FIT_MIN_POINTS points */
	CAP_TPS_FIT_NARROW,			/* tps varied less than CAP_TPS_FIT_MIN_RANGE */
	CAP_TPS_FIT_NOT_RISING,		/* CPU does not grow with tps */
	CAP_TPS_FIT_LOOSE,			/* r^2 below CAP_TPS_FIT_MIN_R2 */
	CAP_TPS_FIT_LIGHT,			/* too light a load to extrapolate from */
	CAP_TPS_FIT_NO_HEADROOM		/* the fixed part alone fills the vCPUs */
} CapTpsFitVerdict;

typedef struct CapTpsFit
{
	CapTpsFitVerdict verdict;
	int			n;				/* points used */
	double		vcpus;			/* the node's vCPUs, as given */
	double		tps_low;		/* 10th percentile of tps */
	double		tps_high;		/* 90th percentile of tps */
	double		tps_min;		/* lowest and highest tps fitted */
	double		tps_max;
	double		per_tps;		/* vCPUs per tx/s (slope) */
	double		fixed;			/* vCPUs at zero tps (intercept) */
	double		r_squared;		/* robust: 1 - (median |residual| / median
								 * |cpu - median cpu|)^2 */
	double		cpu_pct_high;	/* fitted CPU at tps_high, % of vcpus */
	/* from the line, whatever the verdict (NaN when it has no meaning) */
	double		saturation_tps; /* (vcpus - fixed) / per_tps */
	double		cpu_pct_per_1000_tps;	/* per_tps * 1000 / vcpus * 100 */
	double		fixed_cpu_pct;	/* fixed / vcpus * 100 */
} CapTpsFit;

/* Doubles of work cap_tps_fit() needs for n points. */
extern size_t cap_tps_fit_work_size(int n);

/*
 * Fit cpu (vCPUs in use: a row's CPU share times its vCPUs) against tps
 * for a node of vcpus vCPUs.  Points with a NaN, infinite or negative
 * value are skipped.  Deterministic: the same points give the same fit.
 */
extern void cap_tps_fit(const double *tps, const double *cpu, int n,
						double vcpus, double *work, CapTpsFit *fit);

/* vCPUs the fitted cost needs for a throughput: fixed + per_tps * tps. */
extern double cap_tps_fit_vcpus_for(const CapTpsFit *fit, double tps);

#endif							/* PG_CAPACITY_TPS_MODEL_H */
