/*-------------------------------------------------------------------------
 *
 * store.c
 *		The history store: pg_capacity's shared memory (the history rings
 *		and the sampler's state), its lock, and every read and write of it
 *		but the history file's (store_file.c).  See store.h.
 *
 * Nothing here allocates or can raise an error while holding the lock:
 * cap_store_read_window() counts the window's rows under the lock,
 * allocates its columns for them after releasing it, and copies when it
 * has the lock again (counting anew should the window have grown past them
 * meanwhile).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>
#include <unistd.h>

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "settings.h"
#include "store_internal.h"

CapShared  *cap_shared = NULL;

/* reset_history() calls of this backend (cap_store_resets_here) */
static uint64 resets_here = 0;

/*
 * Ring capacities from the retention settings.  Raw samples are kept for
 * raw_retention at the shortest interval (1 s), so that changing the
 * interval at run time never shortens the window.
 */
static void
ring_capacities(int32 capacity[CAP_NUM_LEVELS])
{
	capacity[CAP_RAW] = cap_raw_retention;
	capacity[CAP_MINUTE] = cap_minute_retention;
	capacity[CAP_HOUR] = cap_hour_retention / 60;
	capacity[CAP_DAY] = cap_day_retention / (24 * 60);
}

static Size
shmem_size(void)
{
	int32		capacity[CAP_NUM_LEVELS];

	ring_capacities(capacity);
	return add_size(offsetof(CapShared, hist), cap_history_size(capacity));
}

void
cap_store_shmem_request(void)
{
	RequestAddinShmemSpace(shmem_size());
	RequestNamedLWLockTranche("pg_capacity", 1);
}

/*
 * Runs in the postmaster at start and after every crash reinitialization:
 * the history then starts empty and the sampler reloads the file.
 */
void
cap_store_shmem_startup(void)
{
	bool		found;
	Size		size = shmem_size();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	cap_shared = ShmemInitStruct("pg_capacity", size, &found);
	if (!found)
	{
		int32		capacity[CAP_NUM_LEVELS];

		memset(cap_shared, 0, offsetof(CapShared, hist));
		cap_shared->lock = &(GetNamedLWLockTranche("pg_capacity"))->lock;
		cap_shared->total_size = size;
		ring_capacities(capacity);
		cap_history_init(&cap_shared->hist, capacity);
	}
	LWLockRelease(AddinShmemInitLock);
}

bool
cap_store_exists(void)
{
	return cap_shared != NULL;
}

void
cap_require_sampler(void)
{
	if (cap_shared == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pg_capacity must be loaded via \"shared_preload_libraries\""),
				 errhint("Add pg_capacity to shared_preload_libraries in postgresql.conf and restart the server.")));
}

/* ---------------------------------------------------------------------
 * The sampler
 * ---------------------------------------------------------------------
 */

int
cap_store_note_start(void)
{
	int			failures;

	LWLockAcquire(cap_shared->lock, LW_EXCLUSIVE);
	failures = cap_shared->connect_failures++;
	LWLockRelease(cap_shared->lock);
	return failures;
}

void
cap_store_worker_running(int pid)
{
	LWLockAcquire(cap_shared->lock, LW_EXCLUSIVE);
	cap_shared->connect_failures = 0;
	cap_shared->worker_pid = pid;
	LWLockRelease(cap_shared->lock);
}

void
cap_store_worker_exited(int pid)
{
	if (cap_shared == NULL)
		return;
	LWLockAcquire(cap_shared->lock, LW_EXCLUSIVE);
	if (cap_shared->worker_pid == pid)
		cap_shared->worker_pid = 0;
	LWLockRelease(cap_shared->lock);
}

/* Lock held exclusively; see store_internal.h. */
int32
cap_store_clamp_to_clock(TimestampTz now)
{
	CapTime		floor;

	if (cap_history_floor(&cap_shared->hist, CAP_RAW, &floor) &&
		floor - now > CAP_CLOCK_LEAD_MAX)
	{
		cap_shared->changes++;
		return cap_history_truncate_after(&cap_shared->hist, now);
	}
	return 0;
}

int32
cap_store_add_sample(CapSample *s, bool standby, TimestampTz wall)
{
	int32		dropped;

	LWLockAcquire(cap_shared->lock, LW_EXCLUSIVE);
	dropped = cap_store_clamp_to_clock(wall);
	s->ts = cap_history_add(&cap_shared->hist, s);
	cap_shared->last_sample_at = s->ts;
	cap_shared->is_standby = standby;
	cap_shared->changes++;
	LWLockRelease(cap_shared->lock);
	return dropped;
}

uint64
cap_store_changes(void)
{
	uint64		changes;

	LWLockAcquire(cap_shared->lock, LW_SHARED);
	changes = cap_shared->changes;
	LWLockRelease(cap_shared->lock);
	return changes;
}

/* ---------------------------------------------------------------------
 * Reads
 * ---------------------------------------------------------------------
 */

void
cap_store_status(CapStoreStatus *st)
{
	int			l;

	LWLockAcquire(cap_shared->lock, LW_SHARED);
	st->worker_pid = cap_shared->worker_pid;
	st->is_standby = cap_shared->is_standby;
	st->last_sample_at = cap_shared->last_sample_at;
	st->last_persist_at = cap_shared->last_persist_at;
	for (l = 0; l < CAP_NUM_LEVELS; l++)
		st->counts[l] = cap_history_count(&cap_shared->hist, l);
	st->size = cap_shared->total_size;
	LWLockRelease(cap_shared->lock);
}

bool
cap_store_latest(CapSample *out)
{
	bool		found = false;

	LWLockAcquire(cap_shared->lock, LW_SHARED);
	{
		const CapHistory *h = &cap_shared->hist;
		int32		n = h->ring[CAP_RAW].count;

		if (n > 0)
		{
			*out = *cap_history_raw(h, n - 1);
			found = true;
		}
	}
	LWLockRelease(cap_shared->lock);
	return found;
}

/* Retention of each level, in microseconds. */
static int64
level_retention(CapLevel level)
{
	switch (level)
	{
		case CAP_RAW:
			return (int64) cap_raw_retention * USECS_PER_SEC;
		case CAP_MINUTE:
			return (int64) cap_minute_retention * USECS_PER_MINUTE;
		case CAP_HOUR:
			return (int64) cap_hour_retention * USECS_PER_MINUTE;
		case CAP_DAY:
		default:
			return (int64) cap_day_retention * USECS_PER_MINUTE;
	}
}

CapLevel
cap_store_level_covering(double seconds)
{
	int64		us = (int64) (seconds * USECS_PER_SEC);
	int			l;

	for (l = 0; l < CAP_NUM_LEVELS; l++)
		if (level_retention(l) >= us)
			return l;
	return CAP_DAY;
}

/* Copy one level's rows in the window into w's columns; lock held. */
static int
copy_level(const CapHistory *h, CapLevel level, TimestampTz cutoff,
		   CapMetricSet metrics, CapWindow *w)
{
	int32		count = cap_history_count(h, level);
	int32		i;
	int			n = 0;
	int			m;

	for (i = 0; i < count; i++)
	{
		if (level == CAP_RAW)
		{
			const CapSample *s = cap_history_raw(h, i);

			if (s->ts < cutoff)
				continue;
			w->ts[n] = s->ts;
			for (m = 0; m < CAP_NUM_METRICS; m++)
			{
				bool		isnull;

				if ((metrics & CAP_METRIC_BIT(m)) == 0)
					continue;
				isnull = cap_sample_isnull(s, m);
				w->count[m][n] = isnull ? 0 : 1;
				w->avg[m][n] = w->max[m][n] = isnull ? NAN : s->v[m];
			}
		}
		else
		{
			const CapBucket *b = cap_history_bucket(h, level, i);

			if (b->start + cap_level_width[level] <= cutoff)
				continue;
			w->ts[n] = b->start;
			for (m = 0; m < CAP_NUM_METRICS; m++)
			{
				if ((metrics & CAP_METRIC_BIT(m)) == 0)
					continue;
				w->count[m][n] = b->n[m];
				w->avg[m][n] = b->n[m] > 0 ? b->sum[m] / b->n[m] : NAN;
				w->max[m][n] = b->n[m] > 0 ? b->max[m] : NAN;
			}
		}
		n++;
	}
	return n;
}

/*
 * Allocate w's columns for "rows" rows of the asked-for metrics: one
 * allocation carved into the columns (doubles first, so that all stay
 * aligned), which keeps a window from spreading over many blocks.
 */
static void
alloc_columns(CapWindow *w, CapMetricSet metrics, int32 rows)
{
	int			nmetrics = 0;
	char	   *p;
	int			m;

	for (m = 0; m < CAP_NUM_METRICS; m++)
		if (metrics & CAP_METRIC_BIT(m))
			nmetrics++;
	p = palloc_extended((Size) rows * (sizeof(TimestampTz) +
									   nmetrics * (2 * sizeof(double) + sizeof(int32))),
						MCXT_ALLOC_HUGE);
	w->ts = (TimestampTz *) p;
	p += sizeof(TimestampTz) * rows;
	for (m = 0; m < CAP_NUM_METRICS; m++)
	{
		if ((metrics & CAP_METRIC_BIT(m)) == 0)
			continue;
		w->avg[m] = (double *) p;
		p += sizeof(double) * rows;
		w->max[m] = (double *) p;
		p += sizeof(double) * rows;
	}
	for (m = 0; m < CAP_NUM_METRICS; m++)
	{
		if ((metrics & CAP_METRIC_BIT(m)) == 0)
			continue;
		w->count[m] = (int32 *) p;
		p += sizeof(int32) * rows;
	}
}

static void
free_columns(CapWindow *w)
{
	pfree(w->ts);
	memset(w->avg, 0, sizeof(w->avg));
	memset(w->max, 0, sizeof(w->max));
	memset(w->count, 0, sizeof(w->count));
}

/* Entries of one level in the window; lock held. */
static int32
rows_in_window(const CapHistory *h, CapLevel level, TimestampTz cutoff)
{
	int32		count = cap_history_count(h, level);
	int32		n = 0;
	int32		i;

	for (i = 0; i < count; i++)
	{
		if (level == CAP_RAW ? cap_history_raw(h, i)->ts >= cutoff :
			cap_history_bucket(h, level, i)->start + cap_level_width[level] > cutoff)
			n++;
	}
	return n;
}

/* The level to read and its rows in the window (see the flags); lock held. */
static CapLevel
pick_level(CapLevel level, int flags, TimestampTz cutoff, int32 *rows)
{
	int			l;

	for (l = level; l < CAP_NUM_LEVELS; l++)
	{
		*rows = rows_in_window(&cap_shared->hist, l, cutoff);
		if (*rows > 0 || !(flags & CAP_WINDOW_COARSER_IF_EMPTY))
			return l;
	}
	return CAP_NUM_LEVELS - 1;
}

void
cap_store_read_window(double seconds, CapLevel level, int flags,
					  CapMetricSet metrics, CapWindow *w)
{
	TimestampTz cutoff;
	int32		rows;
	int32		room;

	memset(w, 0, sizeof(*w));
	w->now = GetCurrentTimestamp();
	cutoff = w->now - (int64) (seconds * USECS_PER_SEC);
	if ((flags & CAP_WINDOW_RAW_RETENTION) && level == CAP_RAW)
		cutoff = Max(cutoff, w->now - level_retention(CAP_RAW));
	metrics &= CAP_ALL_METRICS;

	/*
	 * Count the window's rows under the lock, allocate for them (and a few
	 * samples more) after releasing it, copy when it is held again; should
	 * more rows have come meanwhile, again.
	 */
	LWLockAcquire(cap_shared->lock, LW_SHARED);
	(void) pick_level(level, flags, cutoff, &rows);
	LWLockRelease(cap_shared->lock);
	for (;;)
	{
		room = rows + 16;
		alloc_columns(w, metrics, room);
		LWLockAcquire(cap_shared->lock, LW_SHARED);
		w->level = pick_level(level, flags, cutoff, &rows);
		if (rows <= room)
			break;
		LWLockRelease(cap_shared->lock);
		free_columns(w);
	}
	w->n = copy_level(&cap_shared->hist, w->level, cutoff, metrics, w);
	LWLockRelease(cap_shared->lock);
	Assert(w->n == rows);
}

/* ---------------------------------------------------------------------
 * Writes
 * ---------------------------------------------------------------------
 */

void
cap_store_reset(void)
{
	int			save_errno = 0;

	/*
	 * Under the lock, so that a write of the file under way (which renames
	 * under the lock, after checking the generation) cannot bring the old
	 * history back.
	 */
	resets_here++;
	LWLockAcquire(cap_shared->lock, LW_EXCLUSIVE);
	cap_history_reset(&cap_shared->hist);
	cap_shared->changes++;
	cap_shared->reset_generation++;
	if (unlink(CAP_HISTORY_FILE) != 0 && errno != ENOENT)
		save_errno = errno;
	LWLockRelease(cap_shared->lock);

	if (save_errno != 0)
	{
		errno = save_errno;
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not remove pg_capacity history file \"%s\": %m",
						CAP_HISTORY_FILE)));
	}
}

uint64
cap_store_resets_here(void)
{
	return resets_here;
}

Size
cap_store_history_bytes(void)
{
	return cap_shared->total_size - offsetof(CapShared, hist);
}

void
cap_store_copy_history(CapHistory *dst)
{
	Size		size = cap_store_history_bytes();

	LWLockAcquire(cap_shared->lock, LW_SHARED);
	memcpy(dst, &cap_shared->hist, size);
	LWLockRelease(cap_shared->lock);
}

uint64
cap_store_apply(CapStoreChange fn, void *arg, CapHistory *backup)
{
	Size		size = cap_store_history_bytes();
	uint64		changes = 0;

	LWLockAcquire(cap_shared->lock, LW_EXCLUSIVE);
	memcpy(backup, &cap_shared->hist, size);
	if (fn(&cap_shared->hist, arg))
		changes = ++cap_shared->changes;
	else
		memcpy(&cap_shared->hist, backup, size);
	LWLockRelease(cap_shared->lock);
	return changes;
}

bool
cap_store_undo(const CapHistory *backup, uint64 changes)
{
	bool		undone = false;

	LWLockAcquire(cap_shared->lock, LW_EXCLUSIVE);
	if (cap_shared->changes == changes)
	{
		memcpy(&cap_shared->hist, backup, cap_store_history_bytes());
		cap_shared->changes++;
		undone = true;
	}
	LWLockRelease(cap_shared->lock);
	return undone;
}
