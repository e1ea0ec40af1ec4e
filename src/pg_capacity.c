/*-------------------------------------------------------------------------
 *
 * pg_capacity.c
 *		Module entry point: _PG_init, the shared-memory hooks and the
 *		registration of the sampler worker.
 *
 * Loaded from shared_preload_libraries, the module defines every setting
 * (settings.c), reserves the history store's shared memory (store.c) and
 * registers the sampler (sampler.c).  Loaded any other way (a plain CREATE
 * EXTENSION), it only defines the capacity model's settings: the functions
 * that need the sampler then say so with an error naming
 * shared_preload_libraries.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "utils/guc.h"

#include "compat.h"
#include "sampler.h"
#include "settings.h"
#include "store.h"

PG_MODULE_MAGIC;

#ifdef CAP_HAVE_SHMEM_REQUEST_HOOK
static shmem_request_hook_type prev_shmem_request_hook = NULL;
#endif
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

void		_PG_init(void);
static void cap_shmem_request(void);
static void cap_shmem_startup(void);
static void register_sampler(void);

void
_PG_init(void)
{
	/*
	 * Loaded by CREATE EXTENSION or a function call rather than preloaded:
	 * nothing to set up (and PGC_POSTMASTER settings cannot be defined after
	 * start).  The functions that need the sampler say so.
	 */
	cap_define_model_settings();

	if (!process_shared_preload_libraries_in_progress)
	{
		MarkGUCPrefixReserved("pg_capacity");
		return;
	}

	cap_define_sampler_settings();
	MarkGUCPrefixReserved("pg_capacity");

#ifdef CAP_HAVE_SHMEM_REQUEST_HOOK
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = cap_shmem_request;
#else
	cap_shmem_request();
#endif
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = cap_shmem_startup;

	register_sampler();
}

static void
cap_shmem_request(void)
{
#ifdef CAP_HAVE_SHMEM_REQUEST_HOOK
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
#endif
	cap_store_shmem_request();
}

static void
cap_shmem_startup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	cap_store_shmem_startup();
}

static void
register_sampler(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	/* consistent state, not recovery finished: it must run on hot standbys */
	worker.bgw_start_time = BgWorkerStart_ConsistentState;
	worker.bgw_restart_time = 10;
	strlcpy(worker.bgw_library_name, "pg_capacity", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "pg_capacity_worker_main", BGW_MAXLEN);
	strlcpy(worker.bgw_name, CAP_WORKER_TYPE, BGW_MAXLEN);
	strlcpy(worker.bgw_type, CAP_WORKER_TYPE, BGW_MAXLEN);
	worker.bgw_main_arg = (Datum) 0;
	RegisterBackgroundWorker(&worker);
}
