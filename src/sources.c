/*-------------------------------------------------------------------------
 *
 * sources.c
 *		One sample of this node: what the sampler reads, from where, and
 *		the baselines its rates are computed from.
 *
 * What a sample reads, and from where:
 *	- transactions, blocks, deadlocks, temp bytes: the cumulative statistics
 *	  of every database (deltas per database, so databases that come and go
 *	  do not make jumps); write transactions: the transaction id counter;
 *	- connections: the backend status array;
 *	- WAL, checkpoints, replication: xlog positions, the control file and
 *	  the WAL sender slots, as pg_stat_replication reads them;
 *	- sizes: base/ and the tablespaces, pg_wal (on a slower cadence);
 *	- CPU, memory, disk: os_metrics.c.
 * Each source that fails leaves its metrics NULL and is logged once (and
 * once more when it recovers); the worker goes on.  The server-side sources
 * run inside one short transaction, each in a subtransaction, under a
 * statement and a lock timeout, so a sample never waits on clients for
 * long.  The sampler's own transactions are not counted: it never reports
 * its statistics.
 *
 * The worker connects to no database: everything it reads is shared (the
 * pg_database catalog, the cumulative statistics, shared memory, files),
 * so it never holds a database that a DBA wants to drop, rename or copy.
 *
 * Time: the cadence (when to sample, when to write the file) and every rate
 * run on the monotonic clock, so a step of the wall clock (NTP, a resumed
 * VM) neither stops sampling nor makes a rate negative or huge.  Samples
 * are stamped with the wall clock, but never earlier than the previous
 * stamp plus the monotonic time since it: while the wall clock is behind
 * (it stepped back), stamps follow the monotonic clock and rejoin the wall
 * clock when it catches up, so the history stays in time order with true
 * spacing.  A wall clock more than CAP_CLOCK_LEAD_MAX behind the history
 * (stepped back by more than that, or a history from a clock that was
 * ahead) drops the entries stamped after it instead: see
 * cap_store_add_sample().
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/transam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "access/xlog_internal.h"
#include "catalog/pg_control.h"
#include "catalog/pg_database.h"
#include "common/controldata_utils.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "portability/instr_time.h"
#include "replication/walreceiver.h"
#include "replication/walsender.h"
#include "replication/walsender_private.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/spin.h"
#include "utils/backend_status.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"

#include "compat.h"
#include CAP_XLOGRECOVERY_H
#include "os_metrics.h"
#include "rates.h"
#include "sampler.h"
#include "settings.h"
#include "store.h"

/* Server-side sources, as bits of SamplerState.failed */
#define SRC_STATS		(1 << 0)
#define SRC_CONTROL		(1 << 1)
#define SRC_SIZES		(1 << 2)
#define SRC_PG_CPU		(1 << 3)


typedef enum PgCpuSource
{
	PG_CPU_UNDECIDED = 0,
	PG_CPU_CGROUP,				/* the cgroup holds only PostgreSQL */
	PG_CPU_PROCESSES			/* the postmaster and its children, /proc */
} PgCpuSource;

#define CKPT_KEEP		64		/* checkpoint times remembered */

typedef struct DbCounters
{
	Oid			dbid;
	int64		xacts;
	int64		fetched;
	int64		hit;
	int64		deadlocks;
	int64		temp_bytes;
} DbCounters;

struct SamplerState
{
	bool		prev_standby;

	/* this sample's monotonic time (mono_us), for rates */
	int64		mono;

	/* the previous sample's stamp and monotonic time */
	bool		have_stamp;
	TimestampTz stamp;
	int64		stamp_mono;

	/* per-database statistics at the previous successful read */
	bool		have_db;
	int64		db_mono;
	DbCounters *db;
	int			ndb;
	int			db_alloc;
	/* this sample's read */
	DbCounters *db_new;
	int			ndb_new;
	int			db_new_alloc;

	bool		have_xid;
	uint64		xid;
	double		xid_carry;		/* ids not yet matched by counted transactions */

	/* transactions counted in this sample's interval (source_stats) */
	bool		have_xacts;
	double		xacts;
	double		xacts_elapsed;

	bool		have_wal;
	XLogRecPtr	wal;
	int64		wal_mono;

	bool		have_req_ckpt;
	int64		req_ckpt;

	/* completed checkpoints, ascending */
	pg_time_t	ckpt[CKPT_KEEP];
	int			nckpt;

	/* sizes, refreshed every size_interval and carried between refreshes */
	int64		sizes_mono;
	bool		have_sizes;
	double		db_size;
	double		wal_size;

	bool		have_os;
	OsSnapshot	os_prev;
	int64		os_mono;

	/* PostgreSQL's own CPU time: how it is read, and the last reading */
	int64	   *pg_pids;		/* scratch: ProcGlobal->allProcCount pids */
	PgCpuSource pg_cpu_source;
	int64		pg_cpu_decided_mono;
	bool		have_pg_cpu;
	PgCpuSource pg_cpu_prev_source;
	uint64		pg_cpu_usec;
	int64		pg_cpu_mono;

	uint32		failed;			/* SRC_* bits that failed last time */
	uint32		os_failed;		/* OS_SRC_* bits that failed last time */
};

typedef void (*SourceFunction) (SamplerState *st, CapSample *s, TimestampTz now);

static void sample_postgres_cpu(SamplerState *st, CapSample *s, double vcpus);

/* Microseconds on the monotonic clock: for the cadence and for rates. */
int64
cap_mono_us(void)
{
	instr_time	t;

	INSTR_TIME_SET_CURRENT(t);
	return (int64) INSTR_TIME_GET_MICROSEC(t);
}

static inline void
set_value(CapSample *s, CapMetric m, double v)
{
	s->v[m] = v;
	s->nulls &= ~(UINT64_C(1) << m);
}

/* seconds from a to b, either timestamps or cap_mono_us() values */
static inline double
seconds_between(int64 a, int64 b)
{
	return (double) (b - a) / 1000000.0;
}

/* Log a failing source once, and once more when it works again. */
static void
note_source(uint32 *failed, uint32 bit, const char *what, const char *why)
{
	if (why != NULL)
	{
		if ((*failed & bit) == 0)
			ereport(LOG,
					(errmsg("pg_capacity: could not read %s: %s", what, why),
					 errdetail("The metrics from this source are NULL until it can be read; this is logged once.")));
		*failed |= bit;
	}
	else if (*failed & bit)
	{
		ereport(LOG,
				(errmsg("pg_capacity: %s can be read again", what)));
		*failed &= ~bit;
	}
}

/*
 * Run one server-side source in a subtransaction, so that an error (a lock
 * or statement timeout, a missing file) only costs that source's metrics.
 */
static bool
run_source(SamplerState *st, uint32 bit, const char *what, SourceFunction fn,
		   CapSample *s, TimestampTz now)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile bool ok = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		fn(st, s, now);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		note_source(&st->failed, bit, what, edata->message);
		FreeErrorData(edata);
		ok = false;
	}
	PG_END_TRY();

	if (ok)
		note_source(&st->failed, bit, what, NULL);
	return ok;
}

static int
dbcounters_cmp(const void *a, const void *b)
{
	Oid			x = ((const DbCounters *) a)->dbid;
	Oid			y = ((const DbCounters *) b)->dbid;

	return (x > y) - (x < y);
}

static void
add_db(SamplerState *st, Oid dbid)
{
	PgStat_StatDBEntry *e;
	DbCounters *c;

	if (st->ndb_new >= st->db_new_alloc)
	{
		int			n = Max(16, st->db_new_alloc * 2);

		st->db_new = repalloc(st->db_new, n * sizeof(DbCounters));
		st->db_new_alloc = n;
	}
	c = &st->db_new[st->ndb_new++];
	memset(c, 0, sizeof(*c));
	c->dbid = dbid;
	e = pgstat_fetch_stat_dbentry(dbid);
	if (e == NULL)
		return;
	c->xacts = CAP_DB_XACT_COMMIT(e) + CAP_DB_XACT_ROLLBACK(e);
	c->fetched = CAP_DB_BLOCKS_FETCHED(e);
	c->hit = CAP_DB_BLOCKS_HIT(e);
	c->deadlocks = CAP_DB_DEADLOCKS(e);
	c->temp_bytes = CAP_DB_TEMP_BYTES(e);
}

/*
 * Cumulative statistics: transactions and blocks of every database,
 * client backends by state, requested checkpoints.
 */
static void
source_stats(SamplerState *st, CapSample *s, TimestampTz now pg_attribute_unused())
{
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	int			nbackends;
	int			i;
	int			conns = 0;
	int			active = 0;
	int			idle_xact = 0;
	bool		states_known = true;
	int64		req;

	/* databases: the shared "database" 0 first, then pg_database */
	st->ndb_new = 0;
	add_db(st, InvalidOid);
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
		add_db(st, ((Form_pg_database) GETSTRUCT(tup))->oid);
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	qsort(st->db_new, st->ndb_new, sizeof(DbCounters), dbcounters_cmp);

	if (st->have_db && st->mono > st->db_mono)
	{
		double		elapsed = seconds_between(st->db_mono, st->mono);
		int64		dx = 0,
					dfetch = 0,
					dhit = 0,
					ddead = 0,
					dtemp = 0;
		int			a = 0,
					b = 0;

		/* deltas over the databases present in both reads */
		while (a < st->ndb && b < st->ndb_new)
		{
			DbCounters *p = &st->db[a];
			DbCounters *c = &st->db_new[b];

			if (p->dbid < c->dbid)
				a++;
			else if (p->dbid > c->dbid)
				b++;
			else
			{
				/* a reset of one database's counters counts as no activity */
				if (c->xacts >= p->xacts && c->fetched >= p->fetched &&
					c->hit >= p->hit)
				{
					dx += c->xacts - p->xacts;
					dfetch += c->fetched - p->fetched;
					dhit += c->hit - p->hit;
					ddead += Max(c->deadlocks - p->deadlocks, 0);
					dtemp += Max(c->temp_bytes - p->temp_bytes, 0);
				}
				a++;
				b++;
			}
		}
		set_value(s, CM_TPS, dx / elapsed);
		st->have_xacts = true;
		st->xacts = (double) dx;
		st->xacts_elapsed = elapsed;
		if (dfetch > 0)
			set_value(s, CM_CACHE_HIT_RATIO,
					  Min(1.0, Max(0.0, (double) dhit / (double) dfetch)));
		set_value(s, CM_DEADLOCKS_PER_SEC, ddead / elapsed);
		set_value(s, CM_TEMP_BYTES_PER_SEC, dtemp / elapsed);
	}

	/* client backends by state */
	nbackends = pgstat_fetch_stat_numbackends();
	for (i = 1; i <= nbackends; i++)
	{
		LocalPgBackendStatus *l = cap_local_beentry(i);
		PgBackendStatus *be;

		if (l == NULL)
			continue;
		be = &l->backendStatus;
		if (be->st_backendType != B_BACKEND)
			continue;
		conns++;
		switch (be->st_state)
		{
			case STATE_RUNNING:
			case STATE_FASTPATH:
				active++;
				break;
			case STATE_IDLEINTRANSACTION:
			case STATE_IDLEINTRANSACTION_ABORTED:
				idle_xact++;
				break;
			case STATE_DISABLED:
				states_known = false;
				break;
			default:
				break;
		}
	}
	set_value(s, CM_CONNECTIONS, conns);
	if (states_known)
	{
		set_value(s, CM_ACTIVE_CONNECTIONS, active);
		set_value(s, CM_IDLE_IN_TRANSACTION, idle_xact);
	}

	req = CAP_REQUESTED_CHECKPOINTS();
	if (st->have_req_ckpt && req >= st->req_ckpt)
		set_value(s, CM_REQUESTED_CHECKPOINTS, req - st->req_ckpt);
	st->req_ckpt = req;
	st->have_req_ckpt = true;

	/* keep this read as the baseline of the next sample */
	{
		DbCounters *tmp = st->db;
		int			tmpalloc = st->db_alloc;

		st->db = st->db_new;
		st->ndb = st->ndb_new;
		st->db_alloc = st->db_new_alloc;
		st->db_new = tmp;
		st->db_new_alloc = tmpalloc;
		st->ndb_new = 0;
		st->have_db = true;
		st->db_mono = st->mono;
	}
}

/*
 * The control file: time of the last checkpoint (restartpoint on a
 * standby).  checkpoint_interval_sec is the mean interval between the
 * checkpoints completed in the last hour; with none, the time since the
 * last one once that exceeds an hour, else NULL (one checkpoint tells no
 * interval, and a small lower bound would look like checkpoint pressure).
 */
static void
source_control(SamplerState *st, CapSample *s, TimestampTz now)
{
	ControlFileData *cf;
	bool		crc_ok;
	pg_time_t	t;
	pg_time_t	now_t = timestamptz_to_time_t(now);
	double		sum = 0;
	int			n = 0;
	int			i;

	LWLockAcquire(ControlFileLock, LW_SHARED);
	cf = get_controlfile(DataDir, &crc_ok);
	LWLockRelease(ControlFileLock);
	if (!crc_ok)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("calculated CRC checksum does not match value stored in the control file")));
	t = cf->checkPointCopy.time;
	pfree(cf);

	if (st->nckpt == 0 || t > st->ckpt[st->nckpt - 1])
	{
		if (st->nckpt == CKPT_KEEP)
		{
			memmove(st->ckpt, st->ckpt + 1, (CKPT_KEEP - 1) * sizeof(pg_time_t));
			st->nckpt--;
		}
		st->ckpt[st->nckpt++] = t;
	}

	for (i = 1; i < st->nckpt; i++)
	{
		if (st->ckpt[i] >= now_t - 3600)
		{
			sum += st->ckpt[i] - st->ckpt[i - 1];
			n++;
		}
	}
	if (n > 0)
		set_value(s, CM_CHECKPOINT_INTERVAL_SEC, sum / n);
	else if (st->nckpt > 0 && now_t - st->ckpt[st->nckpt - 1] >= 3600)
		set_value(s, CM_CHECKPOINT_INTERVAL_SEC, now_t - st->ckpt[st->nckpt - 1]);
}

/*
 * Replication, read from the WAL sender slots as pg_stat_replication does.
 * On a primary: the worst streaming standby and the count of standbys.
 * On a standby: its own replay lag (received but not replayed WAL; time
 * since the last replayed commit while there is such WAL), and the count
 * of its cascading standbys.
 */
static void
sample_replication(CapSample *s, bool standby, TimestampTz now)
{
	int			i;
	int			standbys = 0;
	bool		have_lag = false;
	double		lag_sec = 0;
	double		lag_bytes = 0;
	XLogRecPtr	current = standby ? InvalidXLogRecPtr : GetXLogWriteRecPtr();

	for (i = 0; WalSndCtl != NULL && i < max_wal_senders; i++)
	{
		WalSnd	   *w = &WalSndCtl->walsnds[i];
		pid_t		pid;
		WalSndState wstate;
		XLogRecPtr	apply;
		TimeOffset	apply_lag;

		SpinLockAcquire(&w->mutex);
		pid = w->pid;
		wstate = w->state;
		apply = w->apply;
		apply_lag = w->applyLag;
		SpinLockRelease(&w->mutex);

		if (pid == 0 ||
			(wstate != WALSNDSTATE_STREAMING && wstate != WALSNDSTATE_CATCHUP))
			continue;
		standbys++;
		if (standby)
			continue;
		have_lag = true;
		/* a caught-up, idle standby reports no lag time (NULL): that is 0 */
		if (apply_lag > 0)
			lag_sec = Max(lag_sec, apply_lag / 1000000.0);
		if (apply != InvalidXLogRecPtr && current > apply)
			lag_bytes = Max(lag_bytes, (double) (current - apply));
	}
	set_value(s, CM_STANDBYS, standbys);

	if (!standby)
	{
		if (have_lag)
		{
			set_value(s, CM_REPLICATION_LAG_SEC, lag_sec);
			set_value(s, CM_REPLICATION_LAG_BYTES, lag_bytes);
		}
		return;
	}
	else
	{
		XLogRecPtr	received = GetWalRcvFlushRecPtr(NULL, NULL);
		XLogRecPtr	replayed = GetXLogReplayRecPtr(NULL);
		TimestampTz last_xact = GetLatestXTime();

		if (received == InvalidXLogRecPtr)
			return;				/* not streaming (yet): no lag to speak of */
		set_value(s, CM_REPLICATION_LAG_BYTES,
				  received > replayed ? (double) (received - replayed) : 0.0);
		if (received <= replayed)
			set_value(s, CM_REPLICATION_LAG_SEC, 0.0);
		else if (last_xact != 0)
			set_value(s, CM_REPLICATION_LAG_SEC,
					  Max(0.0, seconds_between(last_xact, now)));
	}
}

/*
 * Sum the sizes of the regular files in a directory (not recursing), as
 * pg_database_size() and pg_ls_waldir() count them.  A directory that
 * vanished counts as empty.  Returns an error message, or NULL.  The
 * directories are opened with AllocateDir(), so that an error or a cancel
 * while walking (interrupts are absorbed at every entry) closes them.
 */
static const char *
dir_size(const char *path, bool numeric_subdirs, int64 deadline,
		 double *total)
{
	DIR		   *dir;
	struct dirent *de;
	int			dfd;
	int			n = 0;
	const char *err = NULL;

	dir = AllocateDir(path);
	if (dir == NULL)
		return errno == ENOENT ? NULL : psprintf("open directory \"%s\": %m", path);
	dfd = dirfd(dir);
	while ((de = readdir(dir)) != NULL)
	{
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (numeric_subdirs)
		{
			char		sub[MAXPGPATH];

			/* database directories are named by OID */
			if (strspn(de->d_name, "0123456789") != strlen(de->d_name))
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			err = dir_size(sub, false, deadline, total);
			if (err)
				break;
			continue;
		}
		if (fstatat(dfd, de->d_name, &st, 0) != 0)
		{
			if (errno == ENOENT)
				continue;		/* dropped while we looked */
			err = psprintf("stat \"%s/%s\": %m", path, de->d_name);
			break;
		}
		if (S_ISREG(st.st_mode))
			*total += st.st_size;
		/* absorb barriers (DROP DATABASE waits for them) and cancels */
		CHECK_FOR_INTERRUPTS();
		if (++n % 100 == 0 && cap_mono_us() > deadline)
		{
			err = psprintf("walking \"%s\" took longer than pg_capacity.sample_timeout", path);
			break;
		}
	}
	FreeDir(dir);
	return err;
}

/* Database sizes (base/ and every tablespace) and pg_wal: directory walks. */
static const char *
measure_sizes(SamplerState *st)
{
	int64		deadline = st->mono + (int64) cap_sample_timeout * 1000;
	double		dbs = 0;
	double		wal = 0;
	const char *err;
	DIR		   *tblspc;
	struct dirent *de;

	err = dir_size("base", true, deadline, &dbs);
	if (err)
		return err;
	tblspc = AllocateDir("pg_tblspc");
	if (tblspc != NULL)
	{
		while ((de = readdir(tblspc)) != NULL && err == NULL)
		{
			char		path[MAXPGPATH];

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "pg_tblspc/%s/%s", de->d_name,
					 TABLESPACE_VERSION_DIRECTORY);
			err = dir_size(path, true, deadline, &dbs);
		}
		FreeDir(tblspc);
		if (err)
			return err;
	}
	err = dir_size(XLOGDIR, false, deadline, &wal);
	if (err)
		return err;
	st->db_size = dbs;
	st->wal_size = wal;
	return NULL;
}

void
cap_take_sample(SamplerState *st)
{
	CapSample	s;
	TimestampTz now = GetCurrentTimestamp();
	bool		standby = RecoveryInProgress();
	OsSnapshot	os;
	OsMetrics	om;
	int			m;
	int32		dropped = 0;
	TimestampTz wall = now;

	st->mono = cap_mono_us();

	/*
	 * The stamp: the wall clock, or the previous stamp plus the monotonic
	 * time since it when the wall clock is behind that (it stepped back).
	 */
	if (st->have_stamp)
		now = Max(now, st->stamp + (st->mono - st->stamp_mono));
	/* ... unless that is more than CAP_CLOCK_LEAD_MAX ahead: then cut */
	if (now - wall > CAP_CLOCK_LEAD_MAX)
		now = wall;

	memset(&s, 0, sizeof(s));
	s.ts = now;
	s.nulls = ~UINT64_C(0);
	st->have_xacts = false;

	/* a promotion changes what the xid and WAL positions mean */
	if (standby != st->prev_standby)
	{
		st->have_xid = false;
		st->have_wal = false;
		st->prev_standby = standby;
	}

	set_value(&s, CM_MAX_CONNECTIONS, MaxConnections - CAP_RESERVED_CONNECTIONS);

	/* server-side sources, in one short transaction */
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	enable_timeout_after(STATEMENT_TIMEOUT, cap_sample_timeout);
	if (!run_source(st, SRC_STATS, "the cumulative statistics", source_stats, &s, wall))
		st->have_db = false;
	run_source(st, SRC_CONTROL, "the control file", source_control, &s, wall);
	disable_timeout(STATEMENT_TIMEOUT, false);
	CommitTransactionCommand();

	/*
	 * Write transactions: transaction ids assigned, primary only.  The ids
	 * are matched against the transactions counted in the same interval;
	 * see cap_split_writes() for why some are carried to the next one.
	 */
	if (standby)
	{
		set_value(&s, CM_WRITE_TPS, 0.0);
		if (st->have_xacts)
			set_value(&s, CM_READ_TPS, s.v[CM_TPS]);
	}
	else
	{
		uint64		xid = U64FromFullTransactionId(ReadNextFullTransactionId());

		if (st->have_xid && st->have_xacts && xid >= st->xid)
		{
			double		writes = cap_split_writes(st->xacts, (double) (xid - st->xid),
												  &st->xid_carry);

			set_value(&s, CM_WRITE_TPS, writes / st->xacts_elapsed);
			set_value(&s, CM_READ_TPS, (st->xacts - writes) / st->xacts_elapsed);
		}
		else
			st->xid_carry = 0;
		st->xid = xid;
		st->have_xid = true;
	}

	/* WAL inserted (primary) or replayed (standby) */
	{
		XLogRecPtr	wal = standby ? GetXLogReplayRecPtr(NULL) : GetXLogInsertRecPtr();

		if (st->have_wal && st->mono > st->wal_mono && wal >= st->wal)
			set_value(&s, CM_WAL_BYTES_PER_SEC,
					  (double) (wal - st->wal) / seconds_between(st->wal_mono, st->mono));
		st->wal = wal;
		st->wal_mono = st->mono;
		st->have_wal = true;
	}

	sample_replication(&s, standby, wall);

	/* sizes on their own, slower cadence; carried forward in between */
	if (!st->have_sizes ||
		st->mono - st->sizes_mono >= (int64) cap_size_interval * 1000000)
	{
		const char *err = measure_sizes(st);

		note_source(&st->failed, SRC_SIZES, "the database and WAL directory sizes", err);
		st->have_sizes = (err == NULL);
		st->sizes_mono = st->mono;
	}
	if (st->have_sizes)
	{
		set_value(&s, CM_DATABASE_SIZE_BYTES, st->db_size);
		set_value(&s, CM_WAL_DIR_BYTES, st->wal_size);
	}

	/* the operating system */
	os_read_snapshot(cap_os_root, DataDir, &os);
	os_compute(st->have_os ? &st->os_prev : NULL, &os,
			   st->have_os ? seconds_between(st->os_mono, st->mono) : 0.0,
			   (double) cap_vcpus, (double) cap_memory_mb * 1024.0 * 1024.0, &om);
	for (m = 0; m < OS_NUM_SOURCES; m++)
	{
		static const char *const names[OS_NUM_SOURCES] = {
			"the CPU limit", "the CPU usage", "the memory usage", "/proc/vmstat",
			"the cgroup OOM events", "the data directory's filesystem",
			"/proc/diskstats for the data directory's device"
		};

		note_source(&st->os_failed, 1 << m, names[m],
					(os.failed & (1 << m)) ? os.message[m] : NULL);
	}
	st->os_prev = os;
	st->os_mono = st->mono;
	st->have_os = true;

	if (om.has_vcpus)
	{
		set_value(&s, CM_VCPUS, om.vcpus);
		sample_postgres_cpu(st, &s, om.vcpus);
	}
	if (om.has_cpu_pct)
		set_value(&s, CM_CPU_PCT, om.cpu_pct);
	if (om.has_memory)
	{
		set_value(&s, CM_MEMORY_TOTAL_BYTES, om.memory_total_bytes);
		set_value(&s, CM_MEMORY_USED_PCT, om.memory_used_pct);
	}
	if (om.has_swap)
		set_value(&s, CM_SWAP_IO_PER_SEC, om.swap_io_per_sec);
	if (om.has_oom)
		set_value(&s, CM_OOM_KILLS, om.oom_kills);
	if (om.has_fs)
	{
		set_value(&s, CM_DISK_TOTAL_BYTES, om.disk_total_bytes);
		set_value(&s, CM_DISK_FREE_BYTES, om.disk_free_bytes);
	}
	if (om.has_disk)
	{
		set_value(&s, CM_DISK_READ_IOPS, om.disk_read_iops);
		set_value(&s, CM_DISK_WRITE_IOPS, om.disk_write_iops);
		set_value(&s, CM_DISK_UTIL_PCT, om.disk_util_pct);
	}

	dropped = cap_store_add_sample(&s, standby, wall);

	st->have_stamp = true;
	st->stamp = s.ts;
	st->stamp_mono = st->mono;
	if (dropped > 0)
		ereport(LOG,
				(errmsg("pg_capacity: the clock is more than %d s behind the history; dropped the %d history entries stamped after %s",
						(int) (CAP_CLOCK_LEAD_MAX / USECS_PER_SEC), dropped,
						timestamptz_to_str(wall)),
				 errdetail("The wall clock stepped back, or the history was written while the clock was ahead.")));
}

/*
 * The server's processes: the postmaster's children with a PGPROC (every
 * backend, auxiliary process and background worker).  A slot's pid is
 * read without its lock: a process starting or exiting at this instant is
 * counted now or at the next sample, and the postmaster's cutime takes the
 * time of those that have exited.
 */
static int
postgres_pids(SamplerState *st)
{
	uint32		nprocs = ProcGlobal->allProcCount;
	uint32		i;
	int			n = 0;

	if (st->pg_pids == NULL)
		st->pg_pids = MemoryContextAllocZero(TopMemoryContext,
											 sizeof(int64) * Max(nprocs, 1));
	for (i = 0; i < nprocs; i++)
	{
		int			pid = ProcGlobal->allProcs[i].pid;

		if (pid != 0)
			st->pg_pids[n++] = pid;
	}
	return n;
}

/*
 * postgres_cpu_pct: PostgreSQL's own CPU time over the interval, as a share
 * of vcpus.  Read from our cgroup when it holds only PostgreSQL's processes
 * (decided again every pg_capacity.size_interval, and logged when it
 * changes), else summed
 * over the processes (os_metrics.c).  A change of source, a counter going
 * back (a process that exited between two reads) or a first reading gives
 * no value for this sample.
 */
static void
sample_postgres_cpu(SamplerState *st, CapSample *s, double vcpus)
{
	char		err[160];
	bool		decide = st->pg_cpu_source == PG_CPU_UNDECIDED ||
		st->mono - st->pg_cpu_decided_mono >= (int64) cap_size_interval * 1000000;
	int			npids = 0;
	uint64		usec = 0;
	bool		ok;

	/* the server's processes: for the decision, and to sum them */
	if (decide || st->pg_cpu_source == PG_CPU_PROCESSES)
		npids = postgres_pids(st);

	if (decide)
	{
		int64		foreign = 0;
		int			own;
		PgCpuSource src;

		own = os_cgroup_is_postgres_only(cap_os_root, (int64) PostmasterPid,
										 st->pg_pids, npids, &foreign,
										 err, sizeof(err));
		src = (own == 1) ? PG_CPU_CGROUP : PG_CPU_PROCESSES;
		if (src != st->pg_cpu_source)
		{
			if (src == PG_CPU_CGROUP)
				ereport(LOG,
						(errmsg("pg_capacity: PostgreSQL's CPU time is read from its cgroup, which holds only PostgreSQL's processes")));
			else if (own == 0)
				ereport(LOG,
						(errmsg("pg_capacity: PostgreSQL's CPU time is summed over its processes from /proc"),
						 errdetail("Its cgroup also holds process %lld, which is not PostgreSQL's.",
								   (long long) foreign)));
			else
				ereport(LOG,
						(errmsg("pg_capacity: PostgreSQL's CPU time is summed over its processes from /proc"),
						 errdetail("%s", err)));
		}
		st->pg_cpu_source = src;
		st->pg_cpu_decided_mono = st->mono;
	}

	if (st->pg_cpu_source == PG_CPU_CGROUP)
		ok = os_read_cgroup_cpu(cap_os_root, &usec, err, sizeof(err));
	else
		ok = os_read_process_cpu(cap_os_root, (int64) PostmasterPid,
								 st->pg_pids, npids, &usec, err, sizeof(err));
	note_source(&st->failed, SRC_PG_CPU, "PostgreSQL's own CPU time", ok ? NULL : err);
	if (!ok)
	{
		st->have_pg_cpu = false;
		return;
	}
	if (st->have_pg_cpu && st->pg_cpu_prev_source == st->pg_cpu_source &&
		usec >= st->pg_cpu_usec && st->mono > st->pg_cpu_mono && vcpus > 0)
	{
		double		pct = (double) (usec - st->pg_cpu_usec) /
			((double) (st->mono - st->pg_cpu_mono) * vcpus) * 100.0;

		set_value(s, CM_POSTGRES_CPU_PCT, Min(pct, 100.0));
	}
	st->have_pg_cpu = true;
	st->pg_cpu_prev_source = st->pg_cpu_source;
	st->pg_cpu_usec = usec;
	st->pg_cpu_mono = st->mono;
}

/* The state of a sampler that has taken no sample yet. */
SamplerState *
cap_sources_init(void)
{
	SamplerState *st = MemoryContextAllocZero(TopMemoryContext, sizeof(SamplerState));

	st->db = MemoryContextAllocZero(TopMemoryContext, 16 * sizeof(DbCounters));
	st->db_alloc = 16;
	st->db_new = MemoryContextAllocZero(TopMemoryContext, 16 * sizeof(DbCounters));
	st->db_new_alloc = 16;
	st->prev_standby = RecoveryInProgress();
	return st;
}

/* Forget every baseline: the next sample has no rates (after a pause). */
void
cap_forget_baselines(SamplerState *st)
{
	st->have_db = false;
	st->have_xid = false;
	st->have_wal = false;
	st->have_req_ckpt = false;
	st->have_os = false;
	st->have_pg_cpu = false;
}

