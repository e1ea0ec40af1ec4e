/*-------------------------------------------------------------------------
 *
 * sql_common.c
 *		Argument checks and result helpers that every SQL face shares
 *		(see sql_common.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"
#include "utils/timestamp.h"

#include "metrics.h"
#include "model.h"
#include "sql_common.h"

/*
 * An interval as seconds, months counted as 30 days as interval arithmetic
 * on epochs does; in floating point, so that no interval wraps around.
 */
double
cap_interval_raw_seconds(const Interval *iv)
{
	return iv->time / (double) USECS_PER_SEC +
		((double) iv->month * DAYS_PER_MONTH + iv->day) * SECS_PER_DAY;
}

/*
 * How far back to look: an interval's seconds, saturated at
 * CAP_MAX_INTERVAL_SECONDS (a century, more than any history holds).
 * ERROR (22023) when negative.
 */
double
cap_interval_seconds(const Interval *iv, const char *argname)
{
	double		sec = cap_interval_raw_seconds(iv);

	if (sec < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" must not be negative", argname),
				 errdetail("Give how far back to look as a positive interval, such as '1 hour'.")));
	return Min(sec, CAP_MAX_INTERVAL_SECONDS);
}

static const char *
valid_metric_list(void)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < CAP_NUM_METRICS; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", cap_metric_info[i].name);
	return buf.data;
}

int
cap_metric_lookup_or_error(const char *name)
{
	int			metric = cap_metric_lookup(name);

	if (metric < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown pg_capacity metric \"%s\"", name),
				 errdetail("Valid metrics are: %s.", valid_metric_list()),
				 errhint("capacity.metrics() lists them with their units.")));
	return metric;
}

Datum
cap_float_or_null(double v, bool *isnull)
{
	*isnull = isnan(v);
	return Float8GetDatum(isnan(v) ? 0 : v);
}

const char *
cap_fmt_num(double v)
{
	char		buf[64];

	cap_format_number(v, buf, sizeof(buf));
	return pstrdup(buf);
}

/* A window's length as a DBA writes it: "7 days", "2 hours", "90 s". */
const char *
cap_fmt_duration(double seconds)
{
	if (seconds >= 86400 && fmod(seconds, 86400) == 0)
		return psprintf("%g day%s", seconds / 86400, seconds == 86400 ? "" : "s");
	if (seconds >= 3600 && fmod(seconds, 3600) == 0)
		return psprintf("%g hour%s", seconds / 3600, seconds == 3600 ? "" : "s");
	if (seconds >= 60 && fmod(seconds, 60) == 0)
		return psprintf("%g minute%s", seconds / 60, seconds == 60 ? "" : "s");
	return psprintf("%g s", seconds);
}

const char *
cap_fmt_bytes(double v)
{
	if (isnan(v))
		return "n/a";
	if (v >= 1024.0 * 1024 * 1024 * 1024)
		return psprintf("%.1f TB", v / (1024.0 * 1024 * 1024 * 1024));
	if (v >= 1024.0 * 1024 * 1024)
		return psprintf("%.1f GB", v / (1024.0 * 1024 * 1024));
	if (v >= 1024.0 * 1024)
		return psprintf("%.1f MB", v / (1024.0 * 1024));
	return psprintf("%.0f bytes", v);
}
