/*-------------------------------------------------------------------------
 *
 * compat.h
 *		Every difference between PostgreSQL major versions lives here,
 *		nowhere else.
 *
 * pg_capacity is built and tested against PostgreSQL 15 only (Debian 12's
 * server; CI compiles it with -Wall -Wextra -Werror).  The branches below
 * for other major versions record API differences known from their
 * sources, mapped onto one spelling; no test here has compiled them, so
 * they are not a claim that another version builds.  Versions before 15
 * are refused outright (13, for one, lacks utils/backend_status.h).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_COMPAT_H
#define PG_CAPACITY_COMPAT_H

#include "postgres.h"

#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/postmaster.h"
#include "utils/backend_status.h"

#if PG_VERSION_NUM < 150000
#error "pg_capacity is built and tested on PostgreSQL 15; earlier versions are not supported"
#endif

/* Shared memory must be requested from shmem_request_hook since 15. */
#if PG_VERSION_NUM >= 150000
#define CAP_HAVE_SHMEM_REQUEST_HOOK 1
#endif

/* Reserving a GUC prefix: MarkGUCPrefixReserved since 15. */
#if PG_VERSION_NUM < 150000
#define MarkGUCPrefixReserved(prefix) EmitWarningsOnPlaceholders(prefix)
#endif

/* Materialized set-returning functions. */
#if PG_VERSION_NUM >= 150000
#define cap_init_materialized_srf(fcinfo) InitMaterializedSRF((fcinfo), 0)
#else
static inline void
cap_init_materialized_srf(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	tupdesc;
	MemoryContext oldcontext;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	oldcontext = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->setDesc = CreateTupleDescCopy(tupdesc);
	MemoryContextSwitchTo(oldcontext);
}
#endif

/* Connection slots kept back from ordinary users. */
#if PG_VERSION_NUM >= 160000
#define CAP_RESERVED_CONNECTIONS (SuperuserReservedConnections + ReservedConnections)
#else
#define CAP_RESERVED_CONNECTIONS ReservedBackends
#endif

/* Per-database cumulative counters lost their n_ prefix in 16. */
#if PG_VERSION_NUM >= 160000
#define CAP_DB_XACT_COMMIT(e)	((e)->xact_commit)
#define CAP_DB_XACT_ROLLBACK(e) ((e)->xact_rollback)
#define CAP_DB_BLOCKS_FETCHED(e) ((e)->blocks_fetched)
#define CAP_DB_BLOCKS_HIT(e)	((e)->blocks_hit)
#define CAP_DB_DEADLOCKS(e)		((e)->deadlocks)
#define CAP_DB_TEMP_BYTES(e)	((e)->temp_bytes)
#else
#define CAP_DB_XACT_COMMIT(e)	((e)->n_xact_commit)
#define CAP_DB_XACT_ROLLBACK(e) ((e)->n_xact_rollback)
#define CAP_DB_BLOCKS_FETCHED(e) ((e)->n_blocks_fetched)
#define CAP_DB_BLOCKS_HIT(e)	((e)->n_blocks_hit)
#define CAP_DB_DEADLOCKS(e)		((e)->n_deadlocks)
#define CAP_DB_TEMP_BYTES(e)	((e)->n_temp_bytes)
#endif

/* Requested checkpoints: pg_stat_bgwriter until 16, pg_stat_checkpointer in 17. */
#if PG_VERSION_NUM >= 170000
#define CAP_REQUESTED_CHECKPOINTS() (pgstat_fetch_stat_checkpointer()->num_requested)
#elif PG_VERSION_NUM >= 150000
#define CAP_REQUESTED_CHECKPOINTS() (pgstat_fetch_stat_checkpointer()->requested_checkpoints)
#else
#define CAP_REQUESTED_CHECKPOINTS() (pgstat_fetch_global()->requested_checkpoints)
#endif

/* Backend status entries by position (1-based before 17, index-named in 17). */
#if PG_VERSION_NUM >= 170000
#define cap_local_beentry(i) pgstat_get_local_beentry_by_index(i)
#else
#define cap_local_beentry(i) pgstat_fetch_stat_local_beentry(i)
#endif

/* GetXLogReplayRecPtr and GetLatestXTime moved to xlogrecovery.h in 15. */
#if PG_VERSION_NUM >= 150000
#define CAP_XLOGRECOVERY_H "access/xlogrecovery.h"
#else
#define CAP_XLOGRECOVERY_H "access/xlog.h"
#endif

/* tuplesort_begin_heap() is declared in tuplesortvariants.h since 16. */
#if PG_VERSION_NUM >= 160000
#define CAP_TUPLESORT_H "utils/tuplesortvariants.h"
#else
#define CAP_TUPLESORT_H "utils/tuplesort.h"
#endif

/* Tuplesort options: a bit mask since 15, a randomAccess bool before. */
#if PG_VERSION_NUM < 150000
#define TUPLESORT_NONE false
#endif

/* The background worker's shutdown-request handler lives in postmaster/interrupt.h since 13. */

#endif							/* PG_CAPACITY_COMPAT_H */
