/*-------------------------------------------------------------------------
 *
 * sql_common.h
 *		Argument checks and result helpers that every SQL face shares.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_SQL_COMMON_H
#define PG_CAPACITY_SQL_COMMON_H

#include "postgres.h"

#include "datatype/timestamp.h"

/* the longest interval an argument is read as: a century */
#define CAP_MAX_INTERVAL_SECONDS (100.0 * 366 * SECS_PER_DAY)

/* An interval as seconds, months as 30 days, in floating point. */
extern double cap_interval_raw_seconds(const Interval *iv);

/* How far back to look: ERROR (22023) when negative; at most a century. */
extern double cap_interval_seconds(const Interval *iv, const char *argname);

/* Metric number of a name, or ERROR (22023) listing the valid ones. */
extern int	cap_metric_lookup_or_error(const char *name);

/* A float8 Datum, NULL for NaN. */
extern Datum cap_float_or_null(double v, bool *isnull);

/* Numbers and byte counts as the report texts print them (palloc'd). */
extern const char *cap_fmt_num(double v);
extern const char *cap_fmt_bytes(double v);
extern const char *cap_fmt_duration(double seconds);

#endif							/* PG_CAPACITY_SQL_COMMON_H */
