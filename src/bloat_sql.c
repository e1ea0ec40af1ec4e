/*-------------------------------------------------------------------------
 *
 * bloat_sql.c
 *		The SQL face of the bloat estimates: capacity._bloat_sample(), which
 *		locks one relation, checks what it is and returns what bloat_scan.c
 *		measured of it, and the small SQL helpers of
 *		capacity.bloat_estimate().
 *
 * Heap means the heap table access method: tables, materialized views and
 * TOAST tables of another table AM, indexes other than btree, and btree
 * indexes of tables of another table AM (whose items point into pages that
 * would be read as heap pages) are 'unsupported', their pages never read.
 *
 * Only AccessShareLock is taken, pages are read through a bulk-read ring
 * (shared buffers are not flushed out) and nothing is pruned; hint bits may
 * be set, as any reader sets them.  Works on a hot standby.
 *
 * Locks: for an index, its table is locked first and the index second, the
 * order in which DDL takes them (VACUUM FULL, CLUSTER, ALTER TABLE rewrites,
 * REINDEX, DROP INDEX and DROP TABLE hold the table while they lock its
 * indexes) and in which contrib/amcheck takes them (bt_index_check_internal):
 * an estimate waiting for a table holds nothing that DDL on the table will
 * want, so the two never deadlock.  Both locks are released as soon as the
 * relation is done, so capacity.bloat_estimate() over many relations never
 * holds one relation while it waits for another.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/xlog.h"
#include "catalog/index.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_class_d.h"
#include "fmgr.h"
#include "funcapi.h"
#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "bloat_model.h"
#include "bloat_scan.h"
#include "settings.h"

PG_FUNCTION_INFO_V1(pg_capacity_bloat_sample);
PG_FUNCTION_INFO_V1(pg_capacity_bloat_advice);
PG_FUNCTION_INFO_V1(pg_capacity_bloat_sample_min_bytes);

/* The result of a relation dropped before it could be locked: method only */
static Datum
dropped_result(TupleDesc tupdesc)
{
	Datum		values[8];
	bool		nulls[8];

	memset(nulls, true, sizeof(nulls));
	values[7] = CStringGetTextDatum("dropped");
	nulls[7] = false;
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/*
 * capacity._bloat_sample(rel regclass, exact bool) → size_bytes, waste_bytes,
 * dead_bytes, reclaimable_bytes, waste_error_bytes, reclaim_error_bytes,
 * pages_read, method
 */
Datum
pg_capacity_bloat_sample(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	bool		exact = PG_GETARG_BOOL(1);
	TupleDesc	tupdesc;
	Datum		values[8];
	bool		nulls[8];
	Relation	rel;
	Relation	heaprel = NULL;
	Oid			heapid = InvalidOid;
	char		relkind;
	bool		is_index;
	BloatResult r;
	int64		pages_read;
	const char *method;
	char		kind = 0;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	memset(nulls, true, sizeof(nulls));

	/*
	 * An index: its table first, then the index (see the header comment).
	 * The relkind and the table are looked up without a lock; an index keeps
	 * both for life, and whatever was dropped meanwhile is found so below.
	 */
	relkind = get_rel_relkind(relid);
	if (relkind == RELKIND_INDEX || relkind == RELKIND_PARTITIONED_INDEX)
	{
		heapid = IndexGetRelation(relid, true);
		if (!OidIsValid(heapid))
			PG_RETURN_DATUM(dropped_result(tupdesc));
		heaprel = try_relation_open(heapid, AccessShareLock);
		/* the table was dropped meanwhile, and its indexes with it */
		if (heaprel == NULL)
			PG_RETURN_DATUM(dropped_result(tupdesc));
	}

	rel = try_relation_open(relid, AccessShareLock);
	if (rel == NULL)
	{
		/*
		 * Dropped while bloat_estimate() was listing relations, or while we
		 * waited for its table (DROP INDEX holds the table).
		 */
		if (heaprel != NULL)
			relation_close(heaprel, AccessShareLock);
		PG_RETURN_DATUM(dropped_result(tupdesc));
	}

	/*
	 * Still an index of the table locked above, as it was when we looked?
	 * Not if its OID was dropped and reused meanwhile: what was asked for is
	 * gone.
	 */
	is_index = (rel->rd_rel->relkind == RELKIND_INDEX ||
				rel->rd_rel->relkind == RELKIND_PARTITIONED_INDEX);
	if (is_index != (heaprel != NULL) ||
		(is_index && IndexGetRelation(relid, false) != heapid))
	{
		relation_close(rel, AccessShareLock);
		if (heaprel != NULL)
			relation_close(heaprel, AccessShareLock);
		PG_RETURN_DATUM(dropped_result(tupdesc));
	}

	switch (rel->rd_rel->relkind)
	{
		case RELKIND_RELATION:
		case RELKIND_MATVIEW:
		case RELKIND_TOASTVALUE:
			kind = (rel->rd_rel->relam == HEAP_TABLE_AM_OID) ? 'h' : 0;
			break;
		case RELKIND_INDEX:
			/* the index's items are checked against its table, read as heap */
			kind = (rel->rd_rel->relam == BTREE_AM_OID &&
					heaprel->rd_rel->relam == HEAP_TABLE_AM_OID) ? 'b' : 0;
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("\"%s\" is not a table, materialized view, TOAST table or index",
							RelationGetRelationName(rel)),
					 errhint("Partitioned tables and indexes have no storage of their own: "
							 "estimate their partitions.")));
	}
	if (RELATION_IS_OTHER_TEMP(rel))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot estimate bloat of temporary tables of other sessions")));

	if (kind == 0)
		method = "unsupported";
	else if (!RelationIsPermanent(rel) && RecoveryInProgress())
		method = "unavailable";		/* unlogged: no main fork on a standby */
	else
		method = NULL;

	if (method != NULL)
	{
		values[0] = Int64GetDatum((int64) RelationGetNumberOfBlocks(rel) * BLCKSZ);
		nulls[0] = (strcmp(method, "unavailable") == 0);
		values[7] = CStringGetTextDatum(method);
		nulls[7] = false;
		relation_close(rel, AccessShareLock);
		if (heaprel != NULL)
			relation_close(heaprel, AccessShareLock);
		PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
	}

	pages_read = cap_bloat_measure(rel, heaprel, kind == 'b', exact, &r);

	/* the index, then its table: each lock released as we are done */
	relation_close(rel, AccessShareLock);
	if (heaprel != NULL)
		relation_close(heaprel, AccessShareLock);

	values[0] = Int64GetDatum((int64) r.size);
	values[1] = Int64GetDatum((int64) llround(r.waste));
	values[2] = Int64GetDatum((int64) llround(r.dead));
	values[3] = Int64GetDatum((int64) llround(Max(0.0, Min(r.size, r.size - r.rebuilt_size))));
	values[4] = Float8GetDatum(r.waste_hw);
	values[5] = Float8GetDatum(r.rebuilt_hw);
	values[6] = Int64GetDatum(pages_read);
	values[7] = CStringGetTextDatum(r.exact ? "exact" : "sample");
	memset(nulls, false, sizeof(nulls));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * capacity._bloat_advice(kind text, size_bytes int8, dead_pct float8,
 * reclaimable_bytes int8) → text: the recommendation, by the settings.
 */
Datum
pg_capacity_bloat_advice(PG_FUNCTION_ARGS)
{
	char	   *kind;
	double		size;
	double		dead_pct;
	double		reclaim;
	CapBloatThresholds t;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
	size = (double) PG_GETARG_INT64(1);
	dead_pct = PG_ARGISNULL(2) ? NAN : PG_GETARG_FLOAT8(2);
	reclaim = PG_ARGISNULL(3) ? NAN : (double) PG_GETARG_INT64(3);

	t.vacuum_dead_pct = cap_bloat_vacuum_dead_pct;
	t.rewrite_pct = cap_bloat_rewrite_pct;
	t.reindex_pct = cap_bloat_reindex_pct;
	t.min_bytes = (double) cap_bloat_min_reclaim_kb * 1024.0;

	PG_RETURN_TEXT_P(cstring_to_text(
									 cap_bloat_advice_text(cap_bloat_advice(strcmp(kind, "index") == 0,
																			size, dead_pct, reclaim, &t),
														   strcmp(kind, "toast") == 0)));
}

/* capacity._bloat_sample_min_bytes() → pg_capacity.bloat_sample_min_size in bytes */
Datum
pg_capacity_bloat_sample_min_bytes(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64((int64) cap_bloat_sample_min_size_kb * 1024);
}
