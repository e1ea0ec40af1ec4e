/*-------------------------------------------------------------------------
 *
 * matrix.h
 *		The playbook's Scaling Decision Matrix as a table, and its
 *		evaluation over series of samples: pure, unit-tested without a
 *		server (test/unit/test_model.c).
 *
 * Each row of the table is one rule: an input series (read TPS, CPU %,
 * cache hit ratio, ...), the direction that is worse, the action, the
 * playbook's "Cost vs Performance Trade-offs" row, and the capacity-report
 * resource whose level raises the rule's priority (every recommendation is
 * critical at the emergency level).  A "sustained" rule fires when more
 * than half of the samples judged are past the input's threshold; an
 * "event" rule when the input's events add up to more than zero.
 * scaling_sql.c builds the inputs from the history and the settings.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_MATRIX_H
#define PG_CAPACITY_MATRIX_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

/* What a rule is judged on; one threshold each. */
typedef enum CapMatrixInput
{
	CAP_IN_READ_TPS = 0,
	CAP_IN_READ_LOAD_PCT,		/* read TPS as a % of the TPS capacity */
	CAP_IN_WRITE_TPS,
	CAP_IN_REPLICATION_LAG_SEC,
	CAP_IN_CONNECTION_SATURATION_PCT,
	CAP_IN_CPU_PCT,
	CAP_IN_MEMORY_USED_PCT,
	CAP_IN_IOPS_SATURATION_PCT,
	CAP_IN_DISK_USAGE_PCT,
	CAP_IN_CACHE_HIT_RATIO,
	CAP_IN_CHECKPOINT_INTERVAL_SEC,
	CAP_IN_OOM_KILLS,			/* processes killed per row */
	CAP_IN_SWAP_IO_PER_SEC,
	CAP_NUM_MATRIX_INPUTS
} CapMatrixInput;

/* The playbook's "Cost vs Performance Trade-offs" rows. */
typedef struct CapTradeOff
{
	const char *cost;
	const char *gain;
	const char *complexity;
} CapTradeOff;

typedef enum CapRuleKind
{
	CAP_RULE_SUSTAINED,			/* more than half of the samples past it */
	CAP_RULE_EVENTS				/* any event in the window */
} CapRuleKind;

typedef struct CapRule
{
	CapMatrixInput input;
	CapRuleKind kind;
	bool		higher_is_worse;
	const char *priority;		/* "critical", "high", "medium" */
	const char *direction;		/* "horizontal", "vertical", "tuning" */
	const char *resource;
	const char *action;
	const CapTradeOff *tradeoff;
	const char *what;			/* the input in words; may hold one %s: the
								 * input's note */
	const char *unit;			/* appended to numbers: "", "%", " s" */
	CapResourceId raise_with;	/* CAP_RES_NONE: never raised */
} CapRule;

extern const CapRule cap_decision_matrix[];
extern const int cap_decision_matrix_length;

/* One input: the samples judged (the last sustained_window), oldest first. */
typedef struct CapMatrixSeries
{
	bool		present;		/* false: its rules do not apply */
	const double *avg;			/* means; NaN where missing */
	const double *max;			/* peaks (NULL: the means) */
	int			n;
	double		threshold;
	const char *note;			/* for the rule's %s, or NULL */
} CapMatrixSeries;

#define CAP_RATIONALE_LEN 1024

typedef struct CapRecommendation
{
	const CapRule *rule;
	const char *priority;		/* the rule's, or "critical" at emergency */
	double		observed;		/* median of the samples judged; events: their sum */
	double		threshold;
	char		rationale[CAP_RATIONALE_LEN];
} CapRecommendation;

/*
 * Evaluate every rule of the table, in its order, over in[] (indexed by
 * CapMatrixInput), with the report's levels (indexed by CapResourceId)
 * for the priority raise; a sustained rule needs at least min_samples
 * counted samples.  The rules that fire are written to out (room for
 * cap_decision_matrix_length); returns how many.  work holds as many
 * doubles as the longest input.
 */
extern int	cap_decision_matrix_evaluate(const CapMatrixSeries in[CAP_NUM_MATRIX_INPUTS],
										 const CapLevelKind levels[CAP_NUM_RESOURCES],
										 int min_samples, double *work,
										 CapRecommendation *out);

/* The threshold of each input, from the settings' figures. */
extern double cap_matrix_threshold(const CapThresholds *t, CapMatrixInput input);

#endif							/* PG_CAPACITY_MATRIX_H */
