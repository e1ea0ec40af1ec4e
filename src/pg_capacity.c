/*-------------------------------------------------------------------------
 *
 * pg_capacity.c
 *		Module entry point: the pg_capacity.* settings, the shared memory
 *		that holds the history, and the registration of the sampler worker.
 *
 * Loaded from shared_preload_libraries, the module reserves shared memory
 * and registers the sampler.  Loaded any other way (a plain CREATE
 * EXTENSION), it only defines the capacity model's settings (settings.c):
 * the functions that need the sampler then say so with an error naming
 * shared_preload_libraries.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "utils/guc.h"

#include "compat.h"
#include "pg_capacity.h"
#include "settings.h"

PG_MODULE_MAGIC;

/* Settings */
bool		cap_enabled = true;
int			cap_sample_interval = 10;
int			cap_persist_interval = 300;
int			cap_size_interval = 60;
int			cap_sample_timeout = 5000;
char	   *cap_database = NULL;
int			cap_raw_retention = 3600;
int			cap_minute_retention = 24 * 60;
int			cap_hour_retention = 90 * 24 * 60;
int			cap_day_retention = 1096 * 24 * 60;
int			cap_vcpus = 0;
int			cap_memory_mb = 0;
int			cap_disk_iops_limit = 0;
char	   *cap_os_root = NULL;

CapShared  *cap_shared = NULL;

#ifdef CAP_HAVE_SHMEM_REQUEST_HOOK
static shmem_request_hook_type prev_shmem_request_hook = NULL;
#endif
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

void		_PG_init(void);
static void cap_shmem_request(void);
static void cap_shmem_startup(void);
static Size cap_shmem_size(void);
static void define_settings(void);
static void register_sampler(void);

/*
 * Raw samples are kept for raw_retention at the shortest interval (1 s),
 * so that changing the interval at run time never shortens the window.
 */
void
cap_ring_capacities(int32 capacity[CAP_NUM_LEVELS])
{
	capacity[CAP_RAW] = cap_raw_retention;
	capacity[CAP_MINUTE] = cap_minute_retention;
	capacity[CAP_HOUR] = cap_hour_retention / 60;
	capacity[CAP_DAY] = cap_day_retention / (24 * 60);
}

static Size
cap_shmem_size(void)
{
	int32		capacity[CAP_NUM_LEVELS];

	cap_ring_capacities(capacity);
	return add_size(offsetof(CapShared, hist), cap_history_size(capacity));
}

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

	define_settings();
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
	RequestAddinShmemSpace(cap_shmem_size());
	RequestNamedLWLockTranche("pg_capacity", 1);
}

/*
 * Runs in the postmaster at start and after every crash reinitialization:
 * the history then starts empty and the sampler reloads the file.
 */
static void
cap_shmem_startup(void)
{
	bool		found;
	Size		size = cap_shmem_size();

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	cap_shared = ShmemInitStruct("pg_capacity", size, &found);
	if (!found)
	{
		int32		capacity[CAP_NUM_LEVELS];

		memset(cap_shared, 0, offsetof(CapShared, hist));
		cap_shared->lock = &(GetNamedLWLockTranche("pg_capacity"))->lock;
		cap_shared->total_size = size;
		cap_ring_capacities(capacity);
		cap_history_init(&cap_shared->hist, capacity);
	}
	LWLockRelease(AddinShmemInitLock);
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

static void
define_settings(void)
{
	DefineCustomBoolVariable("pg_capacity.enabled",
							 "Whether the sampler takes samples.",
							 "Off pauses sampling without unloading; history is kept.",
							 &cap_enabled, true,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_capacity.sample_interval",
							"Time between two samples.",
							NULL,
							&cap_sample_interval, 10, 1, 3600,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_capacity.persist_interval",
							"Time between two writes of the history file.",
							"The file is also written at shutdown.",
							&cap_persist_interval, 300, 1, 86400,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_capacity.size_interval",
							"Time between two measurements of database and WAL directory sizes.",
							"These walk directories, so they run less often than other sources.",
							&cap_size_interval, 60, 1, 86400,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_capacity.sample_timeout",
							"Longest time one sample may take before it is cancelled.",
							"Also the lock timeout of the sampler's catalog reads.",
							&cap_sample_timeout, 5000, 100, 600000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);

	/* kept so that configurations that set it still load */
	DefineCustomStringVariable("pg_capacity.database",
							   "Ignored: the sampler connects to no database.",
							   "The sampler reads only shared state, so it holds no database; the setting is kept so that configurations that set it still load.",
							   &cap_database, "",
							   PGC_POSTMASTER, GUC_NOT_IN_SAMPLE, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_capacity.raw_retention",
							"How long raw samples are kept.",
							"Memory is reserved for one sample per second over this time.",
							&cap_raw_retention, 3600, 60, 86400,
							PGC_POSTMASTER, GUC_UNIT_S, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_capacity.minute_retention",
							"How long per-minute rollups are kept.",
							NULL,
							&cap_minute_retention, 24 * 60, 60, 30 * 24 * 60,
							PGC_POSTMASTER, GUC_UNIT_MIN, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_capacity.hour_retention",
							"How long per-hour rollups are kept.",
							NULL,
							&cap_hour_retention, 90 * 24 * 60, 24 * 60, 3660 * 24 * 60,
							PGC_POSTMASTER, GUC_UNIT_MIN, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_capacity.day_retention",
							"How long per-day rollups are kept.",
							NULL,
							&cap_day_retention, 1096 * 24 * 60, 7 * 24 * 60, 1000000 * 24,
							PGC_POSTMASTER, GUC_UNIT_MIN, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_capacity.vcpus",
							"CPUs available to this node; 0 detects them.",
							"Detection reads the cgroup CPU quota, else counts online CPUs.",
							&cap_vcpus, 0, 0, 4096,
							PGC_SIGHUP, 0, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_capacity.memory",
							"Memory available to this node; 0 detects it.",
							"Detection reads the cgroup memory limit, else MemTotal.",
							&cap_memory_mb, 0, 0, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_MB, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_capacity.disk_iops_limit",
							"IOPS the data volume is provisioned for; 0 means unknown.",
							NULL,
							&cap_disk_iops_limit, 0, 0, INT_MAX,
							PGC_SIGHUP, 0, NULL, NULL, NULL);

	DefineCustomStringVariable("pg_capacity.os_root",
							   "Directory under which /proc and /sys are read.",
							   "Empty reads the real ones; for a host /proc mounted elsewhere, or for tests.",
							   &cap_os_root, "",
							   PGC_POSTMASTER, GUC_NOT_IN_SAMPLE | GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);
}
