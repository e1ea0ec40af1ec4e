/*-------------------------------------------------------------------------
 *
 * import_sql.c
 *		capacity.import_history(metric, sampled_at[], value[]): a known
 *		series put into the history, transactionally.
 *
 * The history lives in shared memory, outside any transaction, so the
 * import is deferred: the call checks its input and tries the points on a
 * private copy of the history (so that a point the history cannot take is
 * refused at once, with the same message it would get at commit), then
 * keeps them until the transaction commits.  At pre-commit every import of
 * the transaction is applied under the history's lock, all or nothing; an
 * error there aborts the transaction.  A transaction (or a subtransaction)
 * that rolls back imports nothing, and a cancel honoured before pre-commit
 * cancels the whole import.  What is applied is visible after COMMIT, not
 * before.  reset_history() is not deferred: it empties the history at once,
 * and with it the points this transaction had imported so far.
 *
 * The rare failure after pre-commit (a serialization failure in the last
 * steps of commit) puts the history back as it was, unless the sampler has
 * added a sample since, in which case the points stay and a WARNING says so.
 *
 * Input rules: finite timestamps (22008 for infinities), none later than
 * the current time (22023), no time twice, finite values (NULL skips a
 * point).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "sql_common.h"
#include "store.h"

PG_FUNCTION_INFO_V1(pg_capacity_import_history);

typedef struct ImportPoint
{
	TimestampTz ts;				/* first: sorted by int64_cmp */
	double		v;
} ImportPoint;

/* One call's points, waiting for the transaction to commit. */
typedef struct PendingImport
{
	int			metric;
	CapLevel	level;
	int			npoints;		/* non-NULL points, oldest first */
	ImportPoint *pts;
	int			nest_level;		/* (sub)transaction that imported them */
	uint64		resets;			/* cap_store_resets_here() when imported */
} PendingImport;

/* Why a point could not be applied. */
typedef struct ImportFailure
{
	int			metric;
	TimestampTz ts;
	bool		duplicate;		/* the history has a value there */
	CapLevel	level;
	TimestampTz newest;
} ImportFailure;

static List *pending = NIL;		/* in TopTransactionContext */
static bool callbacks_registered = false;

/* after the pre-commit apply, for an abort that follows it */
static CapHistory *applied_backup = NULL;
static uint64 applied_changes = 0;

/*
 * qsort comparator of elements that start with an int64: times, gaps and
 * ImportPoints (ts is their first member).
 */
static int
int64_cmp(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/*
 * Apply one import to a history (shared, under the lock, or a private
 * copy).  A point at a time the history has fills in its metric there;
 * any other point must come after what its resolution holds.  Returns
 * false and says why at the first point that cannot be applied; what was
 * applied before it stays (the caller restores its copy).
 */
static bool
apply_import(CapHistory *h, const PendingImport *imp, bool interruptible,
			 ImportFailure *fail)
{
	int			i;

	for (i = 0; i < imp->npoints; i++)
	{
		const ImportPoint *p = &imp->pts[i];
		CapSample	s;
		CapTime		floor;
		int			done;

		/* on a private copy: a cancel is honoured at once */
		if (interruptible && (i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();

		done = cap_history_fill(h, imp->level, p->ts, imp->metric, p->v);
		if (done > 0)
			continue;
		fail->metric = imp->metric;
		fail->ts = p->ts;
		fail->level = imp->level;
		fail->duplicate = (done < 0);
		if (done < 0)
			return false;

		/* a new entry, which must not go before what the history holds */
		if (cap_history_floor(h, imp->level, &floor) &&
			cap_bucket_start(p->ts, imp->level) < floor)
		{
			int32		n = cap_history_count(h, imp->level);

			fail->newest = (n == 0) ? floor : (imp->level == CAP_RAW) ?
				cap_history_raw(h, n - 1)->ts :
				cap_history_bucket(h, imp->level, n - 1)->start;
			return false;
		}
		memset(&s, 0, sizeof(s));
		s.ts = p->ts;
		s.nulls = ~UINT64_C(0) & ~(UINT64_C(1) << imp->metric);
		s.v[imp->metric] = p->v;
		(void) cap_history_add_from(h, &s, imp->level);
	}
	return true;
}

static void
report_failure(const ImportFailure *fail)
{
	const char *name = cap_metric_info[fail->metric].name;

	if (fail->duplicate)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the history already has a value of \"%s\" at %s",
						name, timestamptz_to_str(fail->ts)),
				 errhint("capacity.reset_history() empties the history first.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("cannot import \"%s\" at %s: the history's %s entries go up to %s and have no entry at that time",
					name, pstrdup(timestamptz_to_str(fail->ts)),
					cap_level_names[fail->level], pstrdup(timestamptz_to_str(fail->newest))),
			 errhint("Points are appended after the newest entry, or fill in times the history already has; capacity.reset_history() empties it, and pg_capacity.enabled = off keeps the sampler from adding to it.")));
}

/* cap_store_apply()'s change: every pending import, or none. */
static bool
apply_all_pending(CapHistory *h, void *arg)
{
	ListCell   *lc;

	foreach(lc, pending)
	{
		if (!apply_import(h, lfirst(lc), false, (ImportFailure *) arg))
			return false;
	}
	return true;
}

/* Apply everything pending to the shared history, all or nothing. */
static void
apply_pending(void)
{
	CapHistory *backup;
	ImportFailure fail;
	uint64		changes;

	/* allocated before the lock: an out-of-memory error holds nothing */
	backup = MemoryContextAllocHuge(TopTransactionContext, cap_store_history_bytes());

	changes = cap_store_apply(apply_all_pending, &fail, backup);
	if (changes == 0)
		report_failure(&fail);
	applied_changes = changes;
	applied_backup = backup;
}

/* An abort after the pre-commit apply: put the history back if we can. */
static void
undo_applied(void)
{
	if (!cap_store_undo(applied_backup, applied_changes))
		ereport(WARNING,
				(errmsg("pg_capacity: the transaction aborted after import_history() applied its points; they stay in the history"),
				 errdetail("The sampler added a sample in between, so the history could not be put back.")));
}

/*
 * reset_history() empties the history at once; what this transaction
 * imported before it goes too, as it would had it been applied already.
 */
static void
drop_reset_pending(void)
{
	uint64		resets = cap_store_resets_here();
	ListCell   *lc;

	foreach(lc, pending)
	{
		PendingImport *imp = lfirst(lc);

		if (imp->resets != resets)
			pending = foreach_delete_current(pending, lc);
	}
}

static void
import_xact_callback(XactEvent event, void *arg pg_attribute_unused())
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
			drop_reset_pending();
			if (pending != NIL)
				apply_pending();
			break;
		case XACT_EVENT_PRE_PREPARE:
			drop_reset_pending();
			if (pending != NIL)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot PREPARE a transaction that has called capacity.import_history()")));
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			if (applied_backup != NULL)
				undo_applied();
			pending = NIL;
			applied_backup = NULL;
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PREPARE:
			pending = NIL;
			applied_backup = NULL;
			break;
	}
}

/* A rolled-back subtransaction imports nothing; a committed one hands its points up. */
static void
import_subxact_callback(SubXactEvent event, SubTransactionId mySubid pg_attribute_unused(),
						SubTransactionId parentSubid pg_attribute_unused(),
						void *arg pg_attribute_unused())
{
	int			level = GetCurrentTransactionNestLevel();
	ListCell   *lc;

	if (pending == NIL)
		return;
	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		foreach(lc, pending)
		{
			PendingImport *imp = lfirst(lc);

			if (imp->nest_level >= level)
				pending = foreach_delete_current(pending, lc);
		}
	}
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		foreach(lc, pending)
		{
			PendingImport *imp = lfirst(lc);

			if (imp->nest_level >= level)
				imp->nest_level = level - 1;
		}
	}
}

/*
 * capacity.import_history(metric, sampled_at[], value[]): see the file
 * header.  The resolution fits the series' median spacing (under a minute:
 * raw samples, folded into the rollups as live samples are; under an
 * hour: minute buckets; under a day: hour buckets; else day buckets).
 * Returns the number of points imported (NULL values are skipped).
 */
Datum
pg_capacity_import_history(PG_FUNCTION_ARGS)
{
	ArrayType  *ts_arr;
	ArrayType  *v_arr;
	Datum	   *ts_d;
	bool	   *ts_n;
	Datum	   *v_d;
	bool	   *v_n;
	int			nts;
	int			nv;
	int			metric;
	int			i;
	int			l;
	TimestampTz now;
	PendingImport *imp;
	MemoryContext oldcxt;
	ListCell   *lc;
	char	   *copy;
	ImportFailure fail;

	cap_require_sampler();
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	metric = cap_metric_lookup_or_error(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	ts_arr = PG_GETARG_ARRAYTYPE_P(1);
	v_arr = PG_GETARG_ARRAYTYPE_P(2);
	if (ARR_NDIM(ts_arr) > 1 || ARR_NDIM(v_arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sampled_at and value must be one-dimensional arrays")));
	deconstruct_array(ts_arr, TIMESTAMPTZOID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &ts_d, &ts_n, &nts);
	deconstruct_array(v_arr, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &v_d, &v_n, &nv);
	if (nts != nv)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sampled_at has %d elements and value has %d", nts, nv),
				 errdetail("Give one value per timestamp.")));
	if (nts == 0)
		PG_RETURN_INT32(0);

	/* kept until commit: in the transaction's memory */
	oldcxt = MemoryContextSwitchTo(TopTransactionContext);
	imp = palloc0(sizeof(PendingImport));
	imp->pts = palloc_extended(sizeof(ImportPoint) * nts, MCXT_ALLOC_HUGE);
	MemoryContextSwitchTo(oldcxt);
	imp->metric = metric;
	imp->nest_level = GetCurrentTransactionNestLevel();
	imp->resets = cap_store_resets_here();

	now = GetCurrentTimestamp();
	for (i = 0; i < nts; i++)
	{
		TimestampTz ts;

		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		if (ts_n[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("sampled_at must not contain NULL")));
		ts = DatumGetTimestampTz(ts_d[i]);
		if (TIMESTAMP_NOT_FINITE(ts))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("sampled_at must be finite, not %s",
							TIMESTAMP_IS_NOBEGIN(ts) ? "-infinity" : "infinity"),
					 errdetail("Give the time each value was measured.")));
		if (ts > now)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("sampled_at %s is in the future", timestamptz_to_str(ts)),
					 errdetail("Points are measurements: each must be at or before the current time.")));
		if (v_n[i])
			continue;
		if (isnan(DatumGetFloat8(v_d[i])) || isinf(DatumGetFloat8(v_d[i])))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("value must be finite (NULL for a missing value)")));
		imp->pts[imp->npoints].ts = ts;
		imp->pts[imp->npoints].v = DatumGetFloat8(v_d[i]);
		imp->npoints++;
	}
	/* every time once, NULL values' times included */
	{
		TimestampTz *all = palloc_extended(sizeof(TimestampTz) * nts, MCXT_ALLOC_HUGE);

		for (i = 0; i < nts; i++)
			all[i] = DatumGetTimestampTz(ts_d[i]);
		qsort(all, nts, sizeof(TimestampTz), int64_cmp);
		for (i = 1; i < nts; i++)
			if (all[i] == all[i - 1])
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("sampled_at holds the same time twice")));
		/* the resolution that fits the median spacing */
		imp->level = CAP_RAW;
		if (nts > 1)
		{
			int64	   *gaps = palloc_extended(sizeof(int64) * (nts - 1), MCXT_ALLOC_HUGE);
			int64		median;

			for (i = 1; i < nts; i++)
				gaps[i - 1] = all[i] - all[i - 1];
			qsort(gaps, nts - 1, sizeof(int64), int64_cmp);
			median = gaps[(nts - 1) / 2];
			for (l = CAP_MINUTE; l < CAP_NUM_LEVELS; l++)
				if (median >= cap_level_width[l])
					imp->level = l;
		}
	}
	qsort(imp->pts, imp->npoints, sizeof(ImportPoint), int64_cmp);
	CHECK_FOR_INTERRUPTS();

	/*
	 * Try this import, after the transaction's earlier ones, on a copy of
	 * the history: a point it cannot take is refused now, not at commit.
	 */
	drop_reset_pending();
	copy = palloc_extended(cap_store_history_bytes(), MCXT_ALLOC_HUGE);
	cap_store_copy_history((CapHistory *) copy);
	foreach(lc, pending)
	{
		if (!apply_import((CapHistory *) copy, lfirst(lc), true, &fail))
			report_failure(&fail);
	}
	if (!apply_import((CapHistory *) copy, imp, true, &fail))
		report_failure(&fail);
	pfree(copy);

	if (!callbacks_registered)
	{
		RegisterXactCallback(import_xact_callback, NULL);
		RegisterSubXactCallback(import_subxact_callback, NULL);
		callbacks_registered = true;
	}
	oldcxt = MemoryContextSwitchTo(TopTransactionContext);
	pending = lappend(pending, imp);
	MemoryContextSwitchTo(oldcxt);

	PG_RETURN_INT32(imp->npoints);
}
