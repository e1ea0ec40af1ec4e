/*-------------------------------------------------------------------------
 *
 * cluster.h
 *		The cluster's members and the one way to reach them (cluster.c):
 *		discovery from pg_capacity.cluster_members or Patroni's REST API,
 *		and a script run on every member at once over libpq, every wait
 *		bounded by pg_capacity.cluster_timeout and interruptible.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_CLUSTER_H
#define PG_CAPACITY_CLUSTER_H

#include "postgres.h"

#include "datatype/timestamp.h"

#include "cluster_model.h"

/* One result set a member returned: rows x cols C strings (NULL: SQL NULL). */
typedef struct CapResultSet
{
	int			nrows;
	int			ncols;
	char	  **values;			/* row-major */
} CapResultSet;

#define CAP_RS_VALUE(rs, r, c) ((rs)->values[(r) * (rs)->ncols + (c)])

typedef struct CapMember
{
	char		member[CAP_HOST_LEN + 8];	/* host:port */
	char		host[CAP_HOST_LEN];
	int			port;
	char	   *name;			/* Patroni's member name, or NULL */
	const char *source;			/* "patroni" or "setting" */

	/* filled by cap_cluster_fetch() */
	bool		reachable;		/* connected and every statement ran */
	bool		in_recovery;	/* pg_is_in_recovery() on the member */
	char	   *error;			/* why not, or NULL */
	double		latency_ms;		/* from the start to the last result */
	int			nresults;
	CapResultSet *results;		/* the script's statements after the first */
} CapMember;

/*
 * The members: pg_capacity.cluster_members when set, else Patroni's
 * GET /cluster at pg_capacity.patroni_url (or its default when Patroni
 * manages this node); ERROR (55000) when neither names any.
 */
extern CapMember *cap_cluster_members(TimestampTz deadline, int *n);

/*
 * Run one script on every member in parallel, within
 * pg_capacity.cluster_timeout in all.  The script's first statement is
 * this module's own (role and version); the caller's statements follow:
 * their results are in member->results.  Never throws for a member's
 * failure (its error says what); throws on cancel, as any statement does,
 * with every connection closed.  latency_ms counts from start; deadline
 * ends every wait.
 */
extern void cap_cluster_fetch(CapMember *m, int n, const char *statements,
							  TimestampTz start, TimestampTz deadline);

/* The schema the extension lives in (that of function fn_oid), quoted. */
extern char *cap_cluster_schema(Oid fn_oid);

#endif							/* PG_CAPACITY_CLUSTER_H */
