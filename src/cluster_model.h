/*-------------------------------------------------------------------------
 *
 * cluster_model.h
 *		The cluster view's pure parts: the member list and the Patroni URL
 *		as settings write them, an HTTP/1.1 response as Patroni's REST API
 *		sends it, and the cluster's verdicts (failover headroom, uneven
 *		replicas).  No server headers: unit-tested in
 *		test/unit/test_cluster_model.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_CLUSTER_MODEL_H
#define PG_CAPACITY_CLUSTER_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#define CAP_HOST_LEN		256
#define CAP_URL_PATH_LEN	512
#define CAP_MAX_MEMBERS		64	/* members one call connects to */

/* One member as pg_capacity.cluster_members writes it. */
typedef struct CapHostPort
{
	char		host[CAP_HOST_LEN];
	int			port;
} CapHostPort;

/*
 * "host:port, host:port, [ipv6]:port" into out[] (at most max); returns the
 * count, or -1 with a message in err.  A host starting with '/' is a Unix
 * socket directory (its port is the socket's number).
 */
extern int	cap_parse_member_list(const char *text, CapHostPort *out, int max,
								  char *err, size_t errlen);

/* "host:port" (or "[v6]:port") of a member, into buf. */
extern void cap_format_member(const char *host, int port, char *buf, size_t len);

/*
 * "http://host[:port][/path]" (port 80 by default, path "/" then "cluster"
 * appended by the caller); false with a message in err.  https is refused:
 * the GET is our own, without TLS (docs/cluster.md).
 */
extern bool cap_parse_http_url(const char *url, char *host, int *port,
							   char *path, char *err, size_t errlen);

/*
 * An HTTP/1.x response received so far (buf[0..len), NUL-terminated by the
 * caller).  Returns 1 when complete (status, body and its length set; a
 * chunked body is decoded in place), 0 when more bytes are needed, -1 on a
 * malformed response (*err says what).  eof: the peer closed, so a body
 * without a length ends here.
 */
extern int	cap_http_parse_response(char *buf, size_t len, bool eof,
									int *status, char **body, size_t *bodylen,
									const char **err);

/* What the cluster's verdicts need of one member (from its capacity_report). */
typedef struct CapClusterLoad
{
	bool		reachable;
	bool		primary;
	double		tps;			/* mean tx/s over the window */
	double		tps_peak;
	double		tps_capacity;	/* what its tps row is judged against */
	double		read_tps;
	double		connections;	/* mean client connections */
	double		connections_peak;
	double		max_connections;	/* its connections row's capacity */
} CapClusterLoad;

/*
 * N-1: the members that remain after the busiest one (by tps) leaves carry
 * the load of all of them.  Utilization is the worse of load / remaining
 * TPS capacity and connections / remaining connection slots (NaN where the
 * inputs are unknown; +inf with no member left).
 */
typedef struct CapHeadroom
{
	int			members;		/* reachable members judged */
	int			leaving;		/* index of the busiest, -1 if none */
	double		load_tps;
	double		load_tps_peak;
	double		remaining_tps_capacity;
	double		tps_pct;
	double		tps_peak_pct;
	double		connections;
	double		remaining_connections;
	double		connections_pct;
	double		utilization_pct;	/* max(tps_pct, connections_pct) */
} CapHeadroom;

extern void cap_failover_headroom(const CapClusterLoad *m, int n, CapHeadroom *h);

/*
 * Uneven read load between the reachable standbys: the spread
 * (max - min) / mean of their read tx/s.  True when there are two or more,
 * the mean is at least min_mean tx/s and the spread exceeds max_spread.
 */
#define CAP_UNEVEN_MIN_MEAN_TPS		10.0
#define CAP_UNEVEN_MAX_SPREAD		0.5

extern bool cap_uneven_replicas(const CapClusterLoad *m, int n,
								double *spread, int *busiest, int *idlest);

#endif							/* PG_CAPACITY_CLUSTER_MODEL_H */
