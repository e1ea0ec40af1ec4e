/*-------------------------------------------------------------------------
 *
 * sampler.c
 *		The pg_capacity sampler: a background worker that samples this node
 *		every pg_capacity.sample_interval into the shared-memory history,
 *		on a primary and on a hot standby alike, and writes the history
 *		file every pg_capacity.persist_interval and at shutdown.
 *
 * What a sample reads is in sources.c.
 *
 * The worker connects to no database: everything it reads is shared (the
 * pg_database catalog, the cumulative statistics, shared memory, files),
 * so it never holds a database that a DBA wants to drop, rename or copy.
 *
 * Time: the cadence (when to sample, when to write the file) runs on the
 * monotonic clock, so a step of the wall clock (NTP, a resumed VM) never
 * stops sampling; sources.c says how samples are stamped.
 *
 * Errors: each step of the cycle (a sample, a write of the history file)
 * runs under its own error handler that cleans up as PostgreSQL's own
 * auxiliary processes do (interrupts held, every LWLock released, the
 * transaction aborted, transient files closed, the cycle's memory reset),
 * so an error costs that step only.  A step that keeps failing is logged
 * when its count of consecutive failures reaches a power of two, and backs
 * off: a failing write of the file does not stop the sampling.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <setjmp.h>

#include "access/xact.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/condition_variable.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timeout.h"
#include "utils/wait_event.h"

#include "sampler.h"
#include "settings.h"
#include "store.h"

/* Consecutive failures of one step of the worker's cycle. */
typedef struct StepFailures
{
	const char *what;			/* "taking a sample", ... */
	int			count;
} StepFailures;

static SamplerState *state;
static MemoryContext cycle_cxt;

static void worker_exit(int code, Datum arg);
static void apply_timeouts(void);
static void run_cycle(int64 *next_sample, int64 *next_persist,
					  uint64 *persisted_changes);

static void
apply_timeouts(void)
{
	char		buf[32];

	/* catalog locks wait no longer than a sample may take */
	snprintf(buf, sizeof(buf), "%d", cap_sample_timeout);
	SetConfigOption("lock_timeout", buf, PGC_SUSET, PGC_S_OVERRIDE);
}

static void
worker_exit(int code pg_attribute_unused(), Datum arg pg_attribute_unused())
{
	cap_store_worker_exited(MyProcPid);
}

/* Wait on the latch for up to ms; postmaster death exits. */
static void
wait_ms(long ms)
{
	if (ms <= 0)
		return;
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 ms, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
}

/* Wait, but leave early on shutdown (start-up back-off). */
static void
sleep_ms(long ms)
{
	int64		end = cap_mono_us() + (int64) ms * 1000;

	while (!ShutdownRequestPending)
	{
		int64		left = end - cap_mono_us();

		if (left <= 0)
			break;
		wait_ms((long) ((left + 999) / 1000));
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * After an error, clean up as PostgreSQL's auxiliary processes do
 * (bgwriter.c): nothing the step held survives it.  The caller has held
 * interrupts and reported the error, if it reports it.
 */
static void
recover_from_error(void)
{
	disable_all_timeouts(false);
	QueryCancelPending = false; /* second, to avoid a race */
	LWLockReleaseAll();
	ConditionVariableCancelSleep();
	pgstat_report_wait_end();
	AbortOutOfAnyTransaction();
	/* transient files opened outside a transaction (the history file) */
	AtEOXact_Files(false);
	MemoryContextSwitchTo(TopMemoryContext);
	FlushErrorState();
	MemoryContextReset(cycle_cxt);
}

/* Report an error when the count of consecutive failures is a power of two. */
static bool
failure_is_logged(int count)
{
	return count > 0 && (count & (count - 1)) == 0;
}

static void
note_failure_count(const StepFailures *f)
{
	if (f->count > 1 && failure_is_logged(f->count))
		ereport(LOG,
				(errmsg("pg_capacity: %s has failed %d times in a row", f->what, f->count),
				 errdetail("Further failures are logged when their count reaches %d.",
						   f->count * 2)));
}

static void
note_step_ok(StepFailures *f)
{
	if (f->count > 0)
		ereport(LOG,
				(errmsg("pg_capacity: %s works again after %d failures", f->what, f->count)));
	f->count = 0;
}

/*
 * Run one step of the cycle in the cycle's memory context.  An error costs
 * the step: it is counted, reported when failure_is_logged(), and cleaned
 * up.  Returns whether the step ran to the end.
 */
static bool
run_step(StepFailures *f, void (*fn) (void *), void *arg)
{
	volatile bool ok = true;

	MemoryContextSwitchTo(cycle_cxt);
	PG_TRY();
	{
		fn(arg);
	}
	PG_CATCH();
	{
		HOLD_INTERRUPTS();
		f->count++;
		if (failure_is_logged(f->count))
			EmitErrorReport();
		recover_from_error();
		note_failure_count(f);
		RESUME_INTERRUPTS();
		ok = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(TopMemoryContext);
	MemoryContextReset(cycle_cxt);
	return ok;
}

/* Delay before the next try of a step that failed count times in a row. */
static int64
backoff_us(int64 interval_us, int count, int64 cap_us)
{
	int64		delay = interval_us;
	int			i;

	for (i = 1; i < count && delay < cap_us; i++)
		delay *= 2;
	return Max(interval_us, Min(delay, cap_us));
}

static void
sample_step(void *arg pg_attribute_unused())
{
	if (cap_enabled)
		cap_take_sample(state);
	else
		cap_forget_baselines(state);
}

static void
persist_step(void *arg)
{
	if (!cap_store_write_file())
		*(bool *) arg = false;
}

static StepFailures sample_failures = {"taking a sample", 0};
static StepFailures persist_failures = {"writing the history file", 0};

/*
 * One turn of the worker loop: reload settings, take a sample when one is
 * due, write the history file when that is due.  Deadlines are on the
 * monotonic clock and move on before the work, so a step that fails is not
 * retried at once.
 */
static void
run_cycle(int64 *next_sample, int64 *next_persist, uint64 *persisted_changes)
{
	int64		now;

	if (ConfigReloadPending)
	{
		ConfigReloadPending = false;
		ProcessConfigFile(PGC_SIGHUP);
		apply_timeouts();
		now = cap_mono_us();
		/* a shorter interval or persist interval applies at once */
		*next_sample = Min(*next_sample, now + (int64) cap_sample_interval * USECS_PER_SEC);
		*next_persist = Min(*next_persist, now + (int64) cap_persist_interval * USECS_PER_SEC);
	}

	now = cap_mono_us();
	if (now >= *next_sample)
	{
		int64		interval = (int64) cap_sample_interval * USECS_PER_SEC;

		/* keep a steady cadence; skip what a long stall missed */
		*next_sample += interval;
		if (*next_sample <= now)
			*next_sample = now + interval;
		if (run_step(&sample_failures, sample_step, NULL))
			note_step_ok(&sample_failures);
		else
		{
			cap_forget_baselines(state);
			/* after three failures in a row, back off up to a minute */
			if (sample_failures.count >= 3)
				*next_sample = now + backoff_us(interval, sample_failures.count - 2,
												Max(interval, 60 * USECS_PER_SEC));
		}
	}

	now = cap_mono_us();
	if (now >= *next_persist)
	{
		uint64		changes;
		int64		interval = (int64) cap_persist_interval * USECS_PER_SEC;

		*next_persist = now + interval;
		changes = cap_store_changes();
		if (changes != *persisted_changes)
		{
			bool		written = true;

			if (run_step(&persist_failures, persist_step, &written) && written)
			{
				note_step_ok(&persist_failures);
				*persisted_changes = changes;
			}
			else
			{
				if (!written)
					persist_failures.count++;	/* logged by cap_store_write_file */
				/* back off, doubling, up to ten minutes (or the interval) */
				*next_persist = now + backoff_us(interval, persist_failures.count,
												 Max(interval, 600 * USECS_PER_SEC));
			}
		}
	}
}

void
pg_capacity_worker_main(Datum main_arg pg_attribute_unused())
{
	sigjmp_buf	local_sigjmp_buf;
	int64		next_sample;
	int64		next_persist;
	uint64		persisted_changes;
	int			failures;
	StepFailures loop_failures = {"the sampler's loop", 0};

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	BackgroundWorkerUnblockSignals();

	if (!cap_store_exists())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pg_capacity sampler started without its shared memory")));

	/*
	 * A start that failed before sampling backs off, doubling up to ten
	 * minutes, so that a persistent failure does not become a restart loop.
	 */
	failures = cap_store_note_start();
	if (failures > 0)
	{
		long		delay = 10000L << Min(failures - 1, 6);

		delay = Min(delay, 600000L);
		ereport(LOG,
				(errmsg("pg_capacity sampler could not start last time; waiting %ld s before starting again",
						delay / 1000)));
		sleep_ms(delay);
		if (ShutdownRequestPending)
			proc_exit(0);
	}

	/* no database: the sampler reads only shared catalogs and state */
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);

	cap_store_worker_running(MyProcPid);
	before_shmem_exit(worker_exit, (Datum) 0);

	cap_store_load_file();
	apply_timeouts();

	state = cap_sources_init();

	cycle_cxt = AllocSetContextCreate(TopMemoryContext, "pg_capacity sampler cycle",
									  ALLOCSET_DEFAULT_SIZES);

	persisted_changes = cap_store_changes();

	next_sample = cap_mono_us();
	next_persist = next_sample + (int64) cap_persist_interval * USECS_PER_SEC;

	/*
	 * An error that escapes the steps (a cancel request between them, say)
	 * lands here, as in PostgreSQL's own auxiliary processes: clean up,
	 * report it when failure_is_logged(), wait a second, go on.
	 */
	if (sigsetjmp(local_sigjmp_buf, 1) != 0)
	{
		error_context_stack = NULL;
		HOLD_INTERRUPTS();
		loop_failures.count++;
		if (failure_is_logged(loop_failures.count))
			EmitErrorReport();
		recover_from_error();
		note_failure_count(&loop_failures);
		RESUME_INTERRUPTS();
		cap_forget_baselines(state);
		wait_ms(1000);
	}
	PG_exception_stack = &local_sigjmp_buf;

	while (!ShutdownRequestPending)
	{
		int64		wake;
		int64		now;

		CHECK_FOR_INTERRUPTS();
		run_cycle(&next_sample, &next_persist, &persisted_changes);

		wake = Min(next_sample, next_persist);
		now = cap_mono_us();
		if (wake > now)
			wait_ms((long) Min((wake - now + 999) / 1000, (int64) INT_MAX));
	}

	/* shutdown: keep everything sampled since the last write */
	{
		bool		written = true;

		(void) run_step(&persist_failures, persist_step, &written);
	}

	/* exit code 1 so that the postmaster restarts us unless it is shutting down */
	proc_exit(1);
}
