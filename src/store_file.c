/*-------------------------------------------------------------------------
 *
 * store_file.c
 *		The history store's file: written atomically (temporary file, fsync,
 *		durable rename) by the sampler every pg_capacity.persist_interval
 *		and at shutdown, and read back when the sampler starts.
 *
 * The file lives in pg_stat_tmp, whose contents pg_basebackup and pg_rewind
 * skip, so a new standby starts with a history of its own.  It carries a
 * magic number, a format version, the system identifier, the node that
 * wrote it (host name and the data directory's inode: a copy made by rsync
 * or a file-level clone onto a replica shares the system identifier but
 * not these) and a CRC-32C over everything; a file that fails any check,
 * or whose entries are out of time order or not finite, is ignored with a
 * WARNING and the node starts with an empty history (the next write
 * replaces it).  It is a node-local file in native byte order, like
 * pg_stat_statements' dump.
 *
 * Metrics are only ever appended to CapMetric, so a file written by an
 * older release, with fewer metrics, is read and widened: its entries are
 * prefixes of ours, and the metrics it did not have start NULL.  A file
 * with more metrics than this build knows (a downgrade) is ignored.
 *
 * Writing allocates nothing while holding the history's lock, and never
 * raises the failure of a write, an fsync or a rename above LOG: this file
 * is not worth a PANIC (durable_rename's fsync failures can be).  Nor is it
 * worth WAL's space: it is written only when its filesystem keeps a reserve
 * free after it (enough_free_space).  A
 * reset_history() that comes while a write is under way wins: the write
 * checks the reset generation, under the lock, before its rename.
 *
 * Reading is bounded by the rings: the file is streamed through a small
 * buffer and only the entries the rings can hold are kept, so a file of
 * any size costs at most the history's own size in memory.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "access/xlog.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "port/pg_crc32c.h"
#include "storage/fd.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "store_internal.h"

#define CAP_FILE_MAGIC		0x50474350	/* "PGCP" */
#define CAP_FILE_VERSION	2
#define CAP_HOSTNAME_LEN	64

/* Version 1's header, which version 2's starts with. */
typedef struct CapFileHeaderV1
{
	uint32		magic;
	uint32		version;
	uint64		system_identifier;
	uint32		num_metrics;
	uint32		num_levels;
	int32		count[CAP_NUM_LEVELS];	/* closed entries stored per level */
	int32		open_valid[CAP_NUM_LEVELS];
	TimestampTz written_at;
	TimestampTz last_sample_at;
} CapFileHeaderV1;

typedef struct CapFileHeader
{
	CapFileHeaderV1 v1;
	/* version 2: the node that wrote the file */
	uint64		datadir_ino;
	char		hostname[CAP_HOSTNAME_LEN];
} CapFileHeader;

/*
 * Bytes of a raw sample and of a bucket in a file of m metrics: CapSample
 * and CapBucket as a build with that many metrics lays them out.  Metrics
 * are appended at the end of CapMetric, so an older release's file has
 * fewer, each entry a prefix of ours cut short (a bucket's n[] padded to an
 * even length).
 */
#define SAMPLE_BYTES(m) \
	(offsetof(CapSample, v) + sizeof(double) * (m))
#define BUCKET_BYTES(m) \
	(offsetof(CapBucket, n) + sizeof(int32_t) * ((m) + (m) % 2) + \
	 2 * sizeof(double) * (m))

StaticAssertDecl(SAMPLE_BYTES(CAP_NUM_METRICS) == sizeof(CapSample),
				 "CapSample is its stamp, its mask and a double per metric");
StaticAssertDecl(BUCKET_BYTES(CAP_NUM_METRICS) == sizeof(CapBucket) &&
				 offsetof(CapBucket, sum) == BUCKET_BYTES(CAP_NUM_METRICS) -
				 2 * sizeof(double) * CAP_NUM_METRICS,
				 "CapBucket is its start, n[] of even length, sum[] and max[]");
StaticAssertDecl(CAP_NUM_METRICS <= 64, "a sample's nulls mask has 64 bits");

static Size
entry_bytes(int level, int num_metrics)
{
	return level == CAP_RAW ? SAMPLE_BYTES(num_metrics) : BUCKET_BYTES(num_metrics);
}

/*
 * Widen an entry of a file with num_metrics < CAP_NUM_METRICS metrics, at
 * src, into this build's layout at dest: the metrics the file did not have
 * are NULL (their bits set in a sample's mask; no value in a bucket, as in
 * an empty one).  Bits of the mask past the file's metrics meant nothing
 * to its writer.
 */
static void
widen_entry(int level, int num_metrics, const char *src, void *dest)
{
	if (level == CAP_RAW)
	{
		CapSample  *s = dest;

		memset(s, 0, sizeof(CapSample));
		memcpy(s, src, SAMPLE_BYTES(num_metrics));
		s->nulls |= ~((UINT64_C(1) << num_metrics) - 1);
	}
	else
	{
		CapBucket  *b = dest;
		const char *p = src;

		memset(b, 0, sizeof(CapBucket));
		memcpy(&b->start, p, sizeof(b->start));
		p += offsetof(CapBucket, n);
		memcpy(b->n, p, sizeof(int32_t) * num_metrics);
		p += sizeof(int32_t) * (num_metrics + num_metrics % 2);
		memcpy(b->sum, p, sizeof(double) * num_metrics);
		p += sizeof(double) * num_metrics;
		memcpy(b->max, p, sizeof(double) * num_metrics);
	}
}

/* This node: its host name and its data directory's inode. */
static void
node_identity(uint64 *ino, char *hostname)
{
	struct stat st;

	*ino = (stat(".", &st) == 0) ? (uint64) st.st_ino : 0;
	memset(hostname, 0, CAP_HOSTNAME_LEN);
	if (gethostname(hostname, CAP_HOSTNAME_LEN - 1) != 0)
		hostname[0] = '\0';
}

/* Bytes of the file for the history as it is; lock held. */
static Size
serialized_size(const CapHistory *h)
{
	Size		size = sizeof(CapFileHeader) + sizeof(pg_crc32c);
	int			l;

	for (l = 0; l < CAP_NUM_LEVELS; l++)
	{
		size += entry_bytes(l, CAP_NUM_METRICS) * h->ring[l].count;
		if (l != CAP_RAW && h->open_valid[l])
			size += sizeof(CapBucket);
	}
	return size;
}

/*
 * Serialize the history into buf, which has serialized_size() bytes: header,
 * the closed entries of each level oldest first, the open buckets.  The
 * caller holds the lock and adds the CRC.  Returns the bytes written.
 */
static Size
serialize_history(char *buf)
{
	CapHistory *h = &cap_shared->hist;
	CapFileHeader hdr;
	char	   *p = buf;
	int			l;
	int32		i;

	memset(&hdr, 0, sizeof(hdr));
	hdr.v1.magic = CAP_FILE_MAGIC;
	hdr.v1.version = CAP_FILE_VERSION;
	hdr.v1.system_identifier = GetSystemIdentifier();
	hdr.v1.num_metrics = CAP_NUM_METRICS;
	hdr.v1.num_levels = CAP_NUM_LEVELS;
	hdr.v1.written_at = GetCurrentTimestamp();
	hdr.v1.last_sample_at = cap_shared->last_sample_at;
	for (l = 0; l < CAP_NUM_LEVELS; l++)
	{
		hdr.v1.count[l] = h->ring[l].count;
		hdr.v1.open_valid[l] = (l != CAP_RAW && h->open_valid[l]) ? 1 : 0;
	}
	node_identity(&hdr.datadir_ino, hdr.hostname);

	memcpy(p, &hdr, sizeof(hdr));
	p += sizeof(hdr);
	for (i = 0; i < hdr.v1.count[CAP_RAW]; i++)
	{
		memcpy(p, cap_history_raw(h, i), sizeof(CapSample));
		p += sizeof(CapSample);
	}
	for (l = CAP_MINUTE; l < CAP_NUM_LEVELS; l++)
	{
		for (i = 0; i < hdr.v1.count[l]; i++)
		{
			memcpy(p, cap_history_bucket(h, l, i), sizeof(CapBucket));
			p += sizeof(CapBucket);
		}
		if (hdr.v1.open_valid[l])
		{
			memcpy(p, &h->open[l], sizeof(CapBucket));
			p += sizeof(CapBucket);
		}
	}
	return p - buf;
}

/* fsync a directory; failures are logged (LOG), never raised. */
static bool
fsync_dir_log(const char *path)
{
	int			fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	bool		ok = true;

	if (fd < 0)
		ok = false;
	else
	{
		if (pg_fsync(fd) != 0 && errno != EBADF && errno != EINVAL)
			ok = false;
		CloseTransientFile(fd);
	}
	if (!ok)
		ereport(LOG,
				(errcode_for_file_access(),
				 errmsg("could not fsync directory \"%s\": %m", path)));
	return ok;
}

/*
 * Whether pg_stat_tmp's filesystem has room for a file of len bytes and as
 * much again in reserve (1 % of the filesystem, at most 64 MB, at least the
 * file's size) once it is written.  Logs (LOG) when it has not.  A
 * filesystem that cannot be asked counts as having room.
 */
static bool
enough_free_space(Size len)
{
	struct statvfs vfs;
	uint64		total;
	uint64		avail;
	uint64		reserve;

	if (statvfs(PG_STAT_TMP_DIR, &vfs) != 0)
		return true;
	total = (uint64) vfs.f_blocks * vfs.f_frsize;
	avail = (uint64) vfs.f_bavail * vfs.f_frsize;
	reserve = Max((uint64) len, Min(total / 100, UINT64CONST(64) * 1024 * 1024));
	if (avail >= (uint64) len + reserve)
		return true;
	ereport(LOG,
			(errcode(ERRCODE_DISK_FULL),
			 errmsg("could not write pg_capacity history file \"%s\": not enough free space (" UINT64_FORMAT " bytes free, " UINT64_FORMAT " needed)",
					CAP_HISTORY_FILE, avail, (uint64) len + reserve),
			 errdetail("The file is written only when it leaves " UINT64_FORMAT " bytes free, so that it never takes the space WAL needs; the history stays in memory.",
					   reserve)));
	return false;
}

/*
 * Write the history file.  Failures, out of memory included, are logged,
 * never thrown: the sampler goes on and tries again later.
 */
bool
cap_store_write_file(void)
{
	char		tmppath[MAXPGPATH];
	char	   *buf = NULL;
	Size		alloc = 0;
	Size		len;
	uint64		generation;
	pg_crc32c	crc;
	int			fd;
	bool		reset;

	/* size, allocate outside the lock, then copy if it still fits */
	for (;;)
	{
		Size		need;

		LWLockAcquire(cap_shared->lock, LW_SHARED);
		need = serialized_size(&cap_shared->hist);
		if (buf != NULL && need <= alloc)
		{
			len = serialize_history(buf);
			generation = cap_shared->reset_generation;
			LWLockRelease(cap_shared->lock);
			break;
		}
		LWLockRelease(cap_shared->lock);
		if (buf != NULL)
			pfree(buf);
		/* room for what a few samples add meanwhile */
		alloc = need + 4 * (sizeof(CapSample) + 3 * sizeof(CapBucket));
		buf = palloc_extended(alloc, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
		if (buf == NULL)
		{
			ereport(LOG,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("could not allocate %zu bytes to write the pg_capacity history file", alloc),
					 errdetail("The history stays in memory; the write is tried again later.")));
			return false;
		}
	}

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, buf, len);
	FIN_CRC32C(crc);
	memcpy(buf + len, &crc, sizeof(crc));
	len += sizeof(crc);

	/*
	 * pg_stat_tmp usually shares its filesystem with pg_wal: never take the
	 * last free bytes from WAL, even for the moment a failing write would.
	 */
	if (!enough_free_space(len))
	{
		pfree(buf);
		return false;
	}

	snprintf(tmppath, sizeof(tmppath), "%s.tmp", CAP_HISTORY_FILE);
	fd = OpenTransientFile(tmppath, O_CREAT | O_TRUNC | O_WRONLY | PG_BINARY);
	if (fd < 0)
	{
		ereport(LOG,
				(errcode_for_file_access(),
				 errmsg("could not create pg_capacity history file \"%s\": %m", tmppath)));
		pfree(buf);
		return false;
	}
	errno = 0;
	if (write(fd, buf, len) != (ssize_t) len)
	{
		if (errno == 0)
			errno = ENOSPC;
		ereport(LOG,
				(errcode_for_file_access(),
				 errmsg("could not write pg_capacity history file \"%s\": %m", tmppath)));
		CloseTransientFile(fd);
		unlink(tmppath);
		pfree(buf);
		return false;
	}
	pfree(buf);
	if (pg_fsync(fd) != 0)
	{
		ereport(LOG,
				(errcode_for_file_access(),
				 errmsg("could not fsync pg_capacity history file \"%s\": %m", tmppath)));
		CloseTransientFile(fd);
		unlink(tmppath);
		return false;
	}
	if (CloseTransientFile(fd) != 0)
	{
		ereport(LOG,
				(errcode_for_file_access(),
				 errmsg("could not close pg_capacity history file \"%s\": %m", tmppath)));
		unlink(tmppath);
		return false;
	}

	/*
	 * Rename under the lock, after checking that no reset_history() came
	 * since the copy: a reset takes the lock exclusively and removes the
	 * file, so the old history never comes back.
	 */
	LWLockAcquire(cap_shared->lock, LW_SHARED);
	reset = (cap_shared->reset_generation != generation);
	if (reset)
		unlink(tmppath);
	else if (rename(tmppath, CAP_HISTORY_FILE) != 0)
	{
		LWLockRelease(cap_shared->lock);
		ereport(LOG,
				(errcode_for_file_access(),
				 errmsg("could not rename pg_capacity history file \"%s\" to \"%s\": %m",
						tmppath, CAP_HISTORY_FILE)));
		unlink(tmppath);
		return false;
	}
	LWLockRelease(cap_shared->lock);
	if (reset)
		return true;			/* nothing to keep: the history was reset */
	if (!fsync_dir_log(PG_STAT_TMP_DIR))
		return false;

	LWLockAcquire(cap_shared->lock, LW_EXCLUSIVE);
	cap_shared->last_persist_at = GetCurrentTimestamp();
	LWLockRelease(cap_shared->lock);
	return true;
}

static void
ignore_file(const char *reason)
{
	ereport(WARNING,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("ignoring pg_capacity history file \"%s\": %s",
					CAP_HISTORY_FILE, reason),
			 errdetail("The history starts empty; the file is replaced at the next write.")));
}

/* The file, read through a small buffer with a running CRC. */
typedef struct FileReader
{
	int			fd;
	char		chunk[65536];
	Size		len;			/* bytes in chunk */
	Size		pos;			/* next byte of chunk */
	pg_crc32c	crc;
} FileReader;

/* Read n bytes into dest, or skip them when dest is NULL; false on a short read. */
static bool
reader_get(FileReader *r, void *dest, Size n)
{
	char	   *d = dest;

	while (n > 0)
	{
		Size		take;

		if (r->pos == r->len)
		{
			ssize_t		got = read(r->fd, r->chunk, sizeof(r->chunk));

			if (got <= 0)
				return false;
			r->len = got;
			r->pos = 0;
			CHECK_FOR_INTERRUPTS();
		}
		take = Min(n, r->len - r->pos);
		COMP_CRC32C(r->crc, r->chunk + r->pos, take);
		if (d != NULL)
		{
			memcpy(d, r->chunk + r->pos, take);
			d += take;
		}
		r->pos += take;
		n -= take;
	}
	return true;
}

static bool
finite_time(TimestampTz t)
{
	return !TIMESTAMP_NOT_FINITE(t) && IS_VALID_TIMESTAMP(t);
}

/* A raw sample is sane: a finite stamp, finite values where not NULL. */
static bool
sample_is_sane(const CapSample *s)
{
	int			m;

	if (!finite_time(s->ts))
		return false;
	for (m = 0; m < CAP_NUM_METRICS; m++)
		if (!cap_sample_isnull(s, m) && !isfinite(s->v[m]))
			return false;
	return true;
}

/* A bucket is sane: a finite start on its level's boundary, counts >= 0, finite sums. */
static bool
bucket_is_sane(const CapBucket *b, int level)
{
	int			m;

	if (!finite_time(b->start) || cap_bucket_start(b->start, level) != b->start)
		return false;
	for (m = 0; m < CAP_NUM_METRICS; m++)
	{
		if (b->n[m] < 0)
			return false;
		if (b->n[m] > 0 && (!isfinite(b->sum[m]) || !isfinite(b->max[m])))
			return false;
	}
	return true;
}

/*
 * Read the history file into shared memory, unless this shared memory has
 * already been loaded (a restarted sampler must not go back in time).
 * Rings smaller than the file's keep its newest entries.
 */
void
cap_store_load_file(void)
{
	struct stat st;
	FileReader *r = NULL;
	CapFileHeader hdr;
	Size		hdr_size;
	Size		expected;
	pg_crc32c	stored;
	int32		capacity[CAP_NUM_LEVELS];
	int32		keep[CAP_NUM_LEVELS];
	char	   *stage[CAP_NUM_LEVELS] = {NULL};
	CapBucket	open[CAP_NUM_LEVELS];
	const char *bad = NULL;
	int			nm;				/* the file's number of metrics */
	char		old_entry[Max(sizeof(CapSample), sizeof(CapBucket))];
	int			l;
	int32		i;
	int32		dropped;
	CapHistory *h = &cap_shared->hist;

	LWLockAcquire(cap_shared->lock, LW_EXCLUSIVE);
	if (cap_shared->loaded)
	{
		LWLockRelease(cap_shared->lock);
		return;
	}
	cap_shared->loaded = true;
	for (l = 0; l < CAP_NUM_LEVELS; l++)
		capacity[l] = h->ring[l].capacity;
	LWLockRelease(cap_shared->lock);

	if (stat(CAP_HISTORY_FILE, &st) != 0)
	{
		if (errno != ENOENT)
			ereport(WARNING,
					(errcode_for_file_access(),
					 errmsg("could not stat pg_capacity history file \"%s\": %m",
							CAP_HISTORY_FILE)));
		return;
	}
	if (st.st_size < (off_t) (sizeof(CapFileHeaderV1) + sizeof(pg_crc32c)))
	{
		ignore_file(psprintf("it is truncated (%lld bytes)", (long long) st.st_size));
		return;
	}

	r = palloc0(sizeof(FileReader));
	r->fd = OpenTransientFile(CAP_HISTORY_FILE, O_RDONLY | PG_BINARY);
	if (r->fd < 0)
	{
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not open pg_capacity history file \"%s\": %m",
						CAP_HISTORY_FILE)));
		pfree(r);
		return;
	}
	INIT_CRC32C(r->crc);

	memset(&hdr, 0, sizeof(hdr));
	if (!reader_get(r, &hdr.v1, sizeof(hdr.v1)))
	{
		bad = "it is truncated";
		goto done;
	}
	if (hdr.v1.magic != CAP_FILE_MAGIC)
	{
		bad = "it is not a pg_capacity history file (bad magic number)";
		goto done;
	}
	if (hdr.v1.version != 1 && hdr.v1.version != CAP_FILE_VERSION)
	{
		bad = psprintf("its format version is %u, this pg_capacity reads versions 1 and %u",
					   hdr.v1.version, CAP_FILE_VERSION);
		goto done;
	}
	hdr_size = hdr.v1.version == 1 ? sizeof(CapFileHeaderV1) : sizeof(CapFileHeader);
	if (hdr.v1.version > 1 &&
		!reader_get(r, (char *) &hdr + sizeof(hdr.v1), sizeof(hdr) - sizeof(hdr.v1)))
	{
		bad = "it is truncated";
		goto done;
	}
	if (hdr.v1.num_metrics > CAP_NUM_METRICS)
	{
		bad = psprintf("it was written by a newer pg_capacity with %u metrics (this build knows %d)",
					   hdr.v1.num_metrics, CAP_NUM_METRICS);
		goto done;
	}
	if (hdr.v1.num_metrics < 1 || hdr.v1.num_levels != CAP_NUM_LEVELS)
	{
		bad = "its layout does not match this pg_capacity";
		goto done;
	}
	nm = (int) hdr.v1.num_metrics;
	expected = hdr_size + sizeof(pg_crc32c);
	for (l = 0; l < CAP_NUM_LEVELS; l++)
	{
		if (hdr.v1.count[l] < 0 || hdr.v1.count[l] > 100000000 ||
			hdr.v1.open_valid[l] < 0 || hdr.v1.open_valid[l] > 1 ||
			(l == CAP_RAW && hdr.v1.open_valid[l] != 0))
		{
			bad = "its header is corrupt";
			goto done;
		}
		expected += entry_bytes(l, nm) * hdr.v1.count[l];
		if (hdr.v1.open_valid[l])
			expected += entry_bytes(l, nm);
	}
	if ((Size) st.st_size != expected)
	{
		bad = psprintf("it has %lld bytes where its header announces %zu (truncated or corrupt)",
					   (long long) st.st_size, expected);
		goto done;
	}
	if (hdr.v1.system_identifier != GetSystemIdentifier())
	{
		bad = psprintf("it belongs to another cluster (system identifier " UINT64_FORMAT
					   ", this cluster's is " UINT64_FORMAT ")",
					   hdr.v1.system_identifier, GetSystemIdentifier());
		goto done;
	}
	if (hdr.v1.version > 1)
	{
		uint64		ino;
		char		host[CAP_HOSTNAME_LEN];

		node_identity(&ino, host);
		hdr.hostname[CAP_HOSTNAME_LEN - 1] = '\0';
		if (ino != hdr.datadir_ino || strcmp(host, hdr.hostname) != 0)
		{
			bad = psprintf("it was written by another node (host \"%s\", data directory inode " UINT64_FORMAT
						   "; this node is host \"%s\", inode " UINT64_FORMAT
						   "): a copied history is not this node's",
						   hdr.hostname, hdr.datadir_ino, host, ino);
			goto done;
		}
	}

	/*
	 * Stream the entries, keeping what the rings hold: memory bounded by
	 * them.  A file of fewer metrics is read an entry at a time and widened.
	 */
	for (l = 0; l < CAP_NUM_LEVELS; l++)
	{
		Size		size = entry_bytes(l, CAP_NUM_METRICS);

		keep[l] = Min(hdr.v1.count[l], capacity[l]);
		stage[l] = palloc_extended(Max(size * keep[l], 1),
								   MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
		if (stage[l] == NULL)
		{
			bad = "there is not enough memory to read it";
			goto done;
		}
		if (!reader_get(r, NULL, entry_bytes(l, nm) * (hdr.v1.count[l] - keep[l])))
		{
			bad = "it is truncated";
			goto done;
		}
		for (i = 0; i < keep[l] + hdr.v1.open_valid[l]; i++)
		{
			char	   *dest = (i < keep[l]) ? stage[l] + size * i : (char *) &open[l];

			if (!reader_get(r, nm == CAP_NUM_METRICS ? dest : old_entry,
							entry_bytes(l, nm)))
			{
				bad = "it is truncated";
				goto done;
			}
			if (nm != CAP_NUM_METRICS)
				widen_entry(l, nm, old_entry, dest);
		}
	}
	FIN_CRC32C(r->crc);
	{
		pg_crc32c	crc = r->crc;

		if (!reader_get(r, &stored, sizeof(stored)))
		{
			bad = "it is truncated";
			goto done;
		}
		if (!EQ_CRC32C(crc, stored))
		{
			bad = "checksum mismatch";
			goto done;
		}
	}

	/* the content: finite, and in time order at every level */
	for (l = 0; l < CAP_NUM_LEVELS && bad == NULL; l++)
	{
		TimestampTz prev = 0;

		for (i = 0; i < keep[l] + hdr.v1.open_valid[l]; i++)
		{
			TimestampTz t;

			if (l == CAP_RAW)
			{
				CapSample  *s = (CapSample *) stage[l] + i;

				if (!sample_is_sane(s))
					break;
				/* bits past the last metric mean nothing: NULL */
				s->nulls |= ~((UINT64_C(1) << CAP_NUM_METRICS) - 1);
				t = s->ts;
			}
			else
			{
				const CapBucket *b = (i < keep[l]) ? (CapBucket *) stage[l] + i : &open[l];

				if (!bucket_is_sane(b, l))
					break;
				t = b->start;
			}
			if (i > 0 && t <= prev)
				break;
			prev = t;
		}
		if (i < keep[l] + hdr.v1.open_valid[l])
			bad = psprintf("its %s entries are corrupt (entry %d of %d: not finite, or out of time order)",
						   cap_level_names[l], i + 1, keep[l] + hdr.v1.open_valid[l]);
	}
	if (bad != NULL)
		goto done;

	LWLockAcquire(cap_shared->lock, LW_EXCLUSIVE);
	cap_history_reset(h);
	for (l = 0; l < CAP_NUM_LEVELS; l++)
	{
		for (i = 0; i < keep[l]; i++)
		{
			if (l == CAP_RAW)
				cap_history_push_raw(h, (CapSample *) stage[l] + i);
			else
				cap_history_push_bucket(h, l, (CapBucket *) stage[l] + i);
		}
		if (hdr.v1.open_valid[l])
			cap_history_set_open(h, l, &open[l]);
	}
	cap_shared->last_sample_at = finite_time(hdr.v1.last_sample_at) ? hdr.v1.last_sample_at : 0;
	cap_shared->last_persist_at = finite_time(hdr.v1.written_at) ? hdr.v1.written_at : 0;
	cap_shared->changes++;
	dropped = cap_store_clamp_to_clock(GetCurrentTimestamp());
	LWLockRelease(cap_shared->lock);

	ereport(LOG,
			(errmsg("pg_capacity: loaded history file \"%s\" (%d raw samples, %d minutes, %d hours, %d days)",
					CAP_HISTORY_FILE, keep[CAP_RAW],
					keep[CAP_MINUTE] + hdr.v1.open_valid[CAP_MINUTE],
					keep[CAP_HOUR] + hdr.v1.open_valid[CAP_HOUR],
					keep[CAP_DAY] + hdr.v1.open_valid[CAP_DAY])));
	if (nm < CAP_NUM_METRICS)
		ereport(LOG,
				(errmsg("pg_capacity: history file \"%s\" was written with %d metrics, this pg_capacity has %d: the new ones start empty",
						CAP_HISTORY_FILE, nm, CAP_NUM_METRICS)));
	if (dropped > 0)
		ereport(WARNING,
				(errmsg("pg_capacity: the history file reaches more than %d s past the current time; dropped its %d entries stamped after now",
						(int) (CAP_CLOCK_LEAD_MAX / USECS_PER_SEC), dropped),
				 errdetail("The file was written while the clock was ahead, or the clock stepped back.")));
done:
	if (bad != NULL)
		ignore_file(bad);
	CloseTransientFile(r->fd);
	pfree(r);
	for (l = 0; l < CAP_NUM_LEVELS; l++)
		if (stage[l] != NULL)
			pfree(stage[l]);
}
