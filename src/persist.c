/*-------------------------------------------------------------------------
 *
 * persist.c
 *		The history file: written atomically (temporary file, fsync,
 *		durable rename) by the sampler every pg_capacity.persist_interval
 *		and at shutdown, and read back when the sampler starts.
 *
 * The file lives in pg_stat_tmp, whose contents pg_basebackup and pg_rewind
 * skip, so a new standby starts with a history of its own.  It carries a
 * magic number, a format version, the system identifier and a CRC-32C over
 * everything; a file that fails any check is ignored with a WARNING and the
 * node starts with an empty history.  It is a node-local file in native
 * byte order, like pg_stat_statements' dump.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>
#include <unistd.h>

#include "access/xlog.h"
#include "miscadmin.h"
#include "port/pg_crc32c.h"
#include "storage/fd.h"
#include "utils/memutils.h"

#include "pg_capacity.h"

#define CAP_FILE_MAGIC		0x50474350	/* "PGCP" */
#define CAP_FILE_VERSION	1

typedef struct CapFileHeader
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
} CapFileHeader;

static Size
entry_bytes(int level)
{
	return level == CAP_RAW ? sizeof(CapSample) : sizeof(CapBucket);
}

/*
 * Serialize the history into a palloc'd buffer: header, the closed entries
 * of each level oldest first, the open buckets, then the CRC.
 */
static char *
serialize_history(Size *len)
{
	CapHistory *h = &cap_shared->hist;
	CapFileHeader hdr;
	Size		size;
	char	   *buf;
	char	   *p;
	int			l;
	int32		i;
	pg_crc32c	crc;

	LWLockAcquire(cap_shared->lock, LW_SHARED);

	memset(&hdr, 0, sizeof(hdr));
	hdr.magic = CAP_FILE_MAGIC;
	hdr.version = CAP_FILE_VERSION;
	hdr.system_identifier = GetSystemIdentifier();
	hdr.num_metrics = CAP_NUM_METRICS;
	hdr.num_levels = CAP_NUM_LEVELS;
	hdr.written_at = GetCurrentTimestamp();
	hdr.last_sample_at = cap_shared->last_sample_at;

	size = sizeof(hdr);
	for (l = 0; l < CAP_NUM_LEVELS; l++)
	{
		hdr.count[l] = h->ring[l].count;
		hdr.open_valid[l] = (l != CAP_RAW && h->open_valid[l]) ? 1 : 0;
		size += entry_bytes(l) * hdr.count[l];
		if (hdr.open_valid[l])
			size += sizeof(CapBucket);
	}
	size += sizeof(pg_crc32c);

	buf = palloc(size);
	p = buf;
	memcpy(p, &hdr, sizeof(hdr));
	p += sizeof(hdr);
	for (i = 0; i < hdr.count[CAP_RAW]; i++)
	{
		memcpy(p, cap_history_raw(h, i), sizeof(CapSample));
		p += sizeof(CapSample);
	}
	for (l = CAP_MINUTE; l < CAP_NUM_LEVELS; l++)
	{
		for (i = 0; i < hdr.count[l]; i++)
		{
			memcpy(p, cap_history_bucket(h, l, i), sizeof(CapBucket));
			p += sizeof(CapBucket);
		}
		if (hdr.open_valid[l])
		{
			memcpy(p, &h->open[l], sizeof(CapBucket));
			p += sizeof(CapBucket);
		}
	}
	LWLockRelease(cap_shared->lock);

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, buf, p - buf);
	FIN_CRC32C(crc);
	memcpy(p, &crc, sizeof(crc));
	p += sizeof(crc);
	Assert(p - buf == size);

	*len = size;
	return buf;
}

/*
 * Write the history file.  Failures are logged, never thrown: the sampler
 * goes on and tries again at the next persist.
 */
bool
cap_persist_history(void)
{
	char		tmppath[MAXPGPATH];
	char	   *buf;
	Size		len;
	int			fd;

	buf = serialize_history(&len);
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
	/* durable_rename fsyncs the file and its directory */
	if (durable_rename(tmppath, CAP_HISTORY_FILE, LOG) != 0)
	{
		unlink(tmppath);
		return false;
	}

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

/*
 * Read the history file into shared memory, unless this shared memory has
 * already been loaded (a restarted sampler must not go back in time).
 * Rings smaller than the file's keep its newest entries.
 */
void
cap_load_history(void)
{
	struct stat st;
	int			fd;
	char	   *buf;
	CapFileHeader hdr;
	Size		expected;
	pg_crc32c	crc;
	pg_crc32c	stored;
	char	   *p;
	int			l;
	int32		i;
	CapHistory *h = &cap_shared->hist;

	LWLockAcquire(cap_shared->lock, LW_EXCLUSIVE);
	if (cap_shared->loaded)
	{
		LWLockRelease(cap_shared->lock);
		return;
	}
	cap_shared->loaded = true;
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
	if (st.st_size < (off_t) (sizeof(CapFileHeader) + sizeof(pg_crc32c)))
	{
		ignore_file(psprintf("it is truncated (%lld bytes)", (long long) st.st_size));
		return;
	}
	if (st.st_size > (off_t) (MaxAllocSize - 1))
	{
		ignore_file("it is too large");
		return;
	}

	fd = OpenTransientFile(CAP_HISTORY_FILE, O_RDONLY | PG_BINARY);
	if (fd < 0)
	{
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not open pg_capacity history file \"%s\": %m",
						CAP_HISTORY_FILE)));
		return;
	}
	buf = palloc(st.st_size);
	if (read(fd, buf, st.st_size) != st.st_size)
	{
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not read pg_capacity history file \"%s\": %m",
						CAP_HISTORY_FILE)));
		CloseTransientFile(fd);
		pfree(buf);
		return;
	}
	CloseTransientFile(fd);

	memcpy(&hdr, buf, sizeof(hdr));
	if (hdr.magic != CAP_FILE_MAGIC)
	{
		ignore_file("it is not a pg_capacity history file (bad magic number)");
		goto done;
	}
	if (hdr.version != CAP_FILE_VERSION)
	{
		ignore_file(psprintf("its format version is %u, this pg_capacity reads version %u",
							 hdr.version, CAP_FILE_VERSION));
		goto done;
	}
	if (hdr.num_metrics != CAP_NUM_METRICS || hdr.num_levels != CAP_NUM_LEVELS)
	{
		ignore_file("its layout does not match this pg_capacity");
		goto done;
	}
	expected = sizeof(hdr) + sizeof(pg_crc32c);
	for (l = 0; l < CAP_NUM_LEVELS; l++)
	{
		if (hdr.count[l] < 0 || hdr.count[l] > 100000000 ||
			hdr.open_valid[l] < 0 || hdr.open_valid[l] > 1)
		{
			ignore_file("its header is corrupt");
			goto done;
		}
		expected += entry_bytes(l) * hdr.count[l];
		if (hdr.open_valid[l])
			expected += sizeof(CapBucket);
	}
	if ((Size) st.st_size != expected)
	{
		ignore_file(psprintf("it has %lld bytes where its header announces %zu (truncated or corrupt)",
							 (long long) st.st_size, expected));
		goto done;
	}
	INIT_CRC32C(crc);
	COMP_CRC32C(crc, buf, expected - sizeof(pg_crc32c));
	FIN_CRC32C(crc);
	memcpy(&stored, buf + expected - sizeof(pg_crc32c), sizeof(stored));
	if (!EQ_CRC32C(crc, stored))
	{
		ignore_file("checksum mismatch");
		goto done;
	}
	if (hdr.system_identifier != GetSystemIdentifier())
	{
		ignore_file(psprintf("it belongs to another cluster (system identifier " UINT64_FORMAT
							 ", this cluster's is " UINT64_FORMAT ")",
							 hdr.system_identifier, GetSystemIdentifier()));
		goto done;
	}

	LWLockAcquire(cap_shared->lock, LW_EXCLUSIVE);
	cap_history_reset(h);
	p = buf + sizeof(hdr);
	for (i = 0; i < hdr.count[CAP_RAW]; i++)
	{
		CapSample	s;

		memcpy(&s, p, sizeof(s));
		cap_history_push_raw(h, &s);
		p += sizeof(CapSample);
	}
	for (l = CAP_MINUTE; l < CAP_NUM_LEVELS; l++)
	{
		for (i = 0; i < hdr.count[l]; i++)
		{
			CapBucket	b;

			memcpy(&b, p, sizeof(b));
			cap_history_push_bucket(h, l, &b);
			p += sizeof(CapBucket);
		}
		if (hdr.open_valid[l])
		{
			CapBucket	b;

			memcpy(&b, p, sizeof(b));
			cap_history_set_open(h, l, &b);
			p += sizeof(CapBucket);
		}
	}
	cap_shared->last_sample_at = hdr.last_sample_at;
	cap_shared->last_persist_at = hdr.written_at;
	cap_shared->changes++;
	LWLockRelease(cap_shared->lock);

	ereport(LOG,
			(errmsg("pg_capacity: loaded history file \"%s\" (%d raw samples, %d minutes, %d hours, %d days)",
					CAP_HISTORY_FILE, hdr.count[CAP_RAW],
					hdr.count[CAP_MINUTE] + hdr.open_valid[CAP_MINUTE],
					hdr.count[CAP_HOUR] + hdr.open_valid[CAP_HOUR],
					hdr.count[CAP_DAY] + hdr.open_valid[CAP_DAY])));
done:
	pfree(buf);
}
