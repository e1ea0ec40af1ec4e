/*-------------------------------------------------------------------------
 *
 * index_sql.c
 *		The C part of the index diagnostics; the rest are SQL functions in
 *		the install script.  It is capacity._relation_file_birth(), the
 *		birth time of a relation's data file.
 *
 * PostgreSQL records no creation time for a relation.  The first segment of
 * its main fork is created with each new relfilenode (CREATE INDEX, and also
 * REINDEX, VACUUM FULL, CLUSTER, TRUNCATE), so the file's birth time tells
 * when the relation's current storage was created.  capacity.unused_indexes()
 * compares it with the start of the statistics to leave out indexes younger
 * than their scan counters.
 *
 * The birth time comes from statx(2) with STATX_BTIME (Linux 4.11 and glibc
 * 2.28 or later), and only some filesystems record it (ext4, xfs, btrfs,
 * tmpfs do; others, and network filesystems, may not).  When it is not
 * reported, on other platforms, for a relation without storage, or when the
 * file is gone (the relation was dropped meanwhile), the result is NULL:
 * never an ERROR, so one odd relation cannot abort a report.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/timestamp.h"

#if defined(__linux__) && defined(STATX_BTIME)
#define CAP_HAVE_STATX_BTIME 1
#endif

PG_FUNCTION_INFO_V1(pg_capacity_relation_file_birth);

/*
 * capacity._relation_file_birth(regclass) RETURNS timestamptz
 *
 * The path is the one pg_relation_filepath() reports (relative to the data
 * directory, the backend's working directory), so mapped catalogs,
 * tablespaces and temporary relations are resolved as the server does.
 */
Datum
pg_capacity_relation_file_birth(PG_FUNCTION_ARGS)
{
#ifdef CAP_HAVE_STATX_BTIME
	Oid			relid = PG_GETARG_OID(0);
	LOCAL_FCINFO(pathinfo, 1);
	Datum		pathdatum;
	char	   *path;
	struct statx stx;
	TimestampTz birth;

	/* pg_relation_filepath() returns NULL for a relation without storage */
	InitFunctionCallInfoData(*pathinfo, NULL, 1, InvalidOid, NULL, NULL);
	pathinfo->args[0].value = ObjectIdGetDatum(relid);
	pathinfo->args[0].isnull = false;
	pathdatum = pg_relation_filepath(pathinfo);
	if (pathinfo->isnull)
		PG_RETURN_NULL();
	path = text_to_cstring(DatumGetTextPP(pathdatum));

	if (statx(AT_FDCWD, path, AT_STATX_DONT_SYNC, STATX_BTIME, &stx) != 0)
	{
		/*
		 * Gone (dropped since the catalog was read), or a kernel or sandbox
		 * without statx: no birth time.  Anything else is a real problem
		 * with the data directory.
		 */
		if (errno == ENOENT || errno == ENOSYS || errno == EPERM ||
			errno == EOPNOTSUPP)
			PG_RETURN_NULL();
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not stat file \"%s\": %m", path)));
	}

	/* the filesystem does not record birth times (or reports none) */
	if ((stx.stx_mask & STATX_BTIME) == 0 ||
		(stx.stx_btime.tv_sec == 0 && stx.stx_btime.tv_nsec == 0))
		PG_RETURN_NULL();

	birth = time_t_to_timestamptz((pg_time_t) stx.stx_btime.tv_sec) +
		stx.stx_btime.tv_nsec / 1000;
	PG_RETURN_TIMESTAMPTZ(birth);
#else
	/* no statx(STATX_BTIME) on this platform */
	PG_RETURN_NULL();
#endif
}
