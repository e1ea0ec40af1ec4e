/*-------------------------------------------------------------------------
 *
 * cluster.c
 *		The cluster's members and how a backend reaches them: discovery
 *		(pg_capacity.cluster_members, or Patroni's GET /cluster over a
 *		minimal HTTP/1.1 client of our own), and one script run on every
 *		member at once over libpq.
 *
 * Every wait is bounded and interruptible, the way PostgreSQL 16's
 * libpqsrv_* helpers wait for one connection, but for all members at once:
 * non-blocking connects and queries (PQconnectStartParams, PQsendQuery),
 * one WaitEventSet over every member's socket and this backend's latch,
 * CHECK_FOR_INTERRUPTS after each wake-up, and a single deadline,
 * pg_capacity.cluster_timeout from the start of the SQL call, for the
 * discovery and every member together.  The members also get that
 * timeout as their statement_timeout, in read-only transactions.  Each
 * connection and socket takes an external file descriptor from fd.c
 * (AcquireExternalFD), and everything is closed on the way out, error or
 * not (PG_FINALLY).  Results are copied into palloc'd memory at once, so
 * that no libpq memory outlives the call.
 *
 * Why our own HTTP GET and not libcurl: the one request is a GET of a JSON
 * document from the local Patroni (plain HTTP on 127.0.0.1 in the usual
 * setup), and the wait must be a WaitLatchOrSocket like every other wait
 * of this module (cancel, postmaster death).  libcurl would add a library
 * and its TLS stack to every backend that loads pg_capacity for 150 lines
 * of socket code; HTTPS REST APIs are served by listing the members in
 * pg_capacity.cluster_members instead (docs/cluster.md).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access/xact.h"
#include "common/jsonapi.h"
#include "libpq-fe.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "cluster.h"
#include "settings.h"

#define HTTP_MAX_RESPONSE	(1024 * 1024)	/* Patroni's /cluster is a few kB */
#define PATRONI_DEFAULT_URL "http://127.0.0.1:8008"

/* ---- shared helpers -------------------------------------------------- */

static long
ms_left(TimestampTz deadline)
{
	TimestampTz now = GetCurrentTimestamp();

	if (now >= deadline)
		return 0;
	return TimestampDifferenceMilliseconds(now, deadline);
}

/* libpq's messages end with a newline; ours do not */
static char *
trimmed(const char *msg)
{
	char	   *s = pstrdup(msg ? msg : "unknown error");
	int			len = strlen(s);

	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == ' '))
		s[--len] = '\0';
	return s;
}

char *
cap_cluster_schema(Oid fn_oid)
{
	char	   *nsp = get_namespace_name(get_func_namespace(fn_oid));

	if (nsp == NULL)
		elog(ERROR, "cache lookup failed for the schema of function %u", fn_oid);
	return pstrdup(quote_identifier(nsp));
}

/* ---- HTTP GET over a non-blocking socket ----------------------------- */

/* Wait for io on sock until deadline; false on timeout.  Throws on cancel. */
static bool
wait_socket(pgsocket sock, int io, TimestampTz deadline)
{
	for (;;)
	{
		long		left = ms_left(deadline);
		int			rc;

		if (left <= 0)
			return false;
		rc = WaitLatchOrSocket(MyLatch, WL_LATCH_SET | WL_EXIT_ON_PM_DEATH | WL_TIMEOUT | io,
							   sock, left, PG_WAIT_EXTENSION);
		if (rc & WL_LATCH_SET)
		{
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
		}
		if (rc & io)
			return true;
	}
}

/*
 * GET http://host:port/path; the body (palloc'd) or NULL with *err set.
 * Throws only on cancel (the socket closed first).
 */
static char *
http_get(const char *host, int port, const char *path, TimestampTz deadline,
		 int *status, char **err)
{
	struct addrinfo hints = {0};
	struct addrinfo *ai = NULL;
	char		portstr[8];
	volatile pgsocket sock = PGINVALID_SOCKET;
	volatile bool have_fd = false;
	char	   *volatile result = NULL;
	int			rc;

	*err = NULL;
	snprintf(portstr, sizeof(portstr), "%d", port);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, portstr, &hints, &ai);
	if (rc != 0 || ai == NULL)
	{
		*err = psprintf("could not resolve \"%s\": %s", host, gai_strerror(rc));
		return NULL;
	}

	PG_TRY();
	{
		StringInfoData buf;
		char	   *req;
		size_t		sent = 0;
		int			soerr = 0;
		socklen_t	slen = sizeof(soerr);

		if (!AcquireExternalFD())
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
					 errmsg("could not open a socket to Patroni's REST API"),
					 errdetail("There are too many open files on the local server."),
					 errhint("Raise the server's max_files_per_process and/or \"ulimit -n\" limits.")));
		have_fd = true;
		sock = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (sock == PGINVALID_SOCKET)
		{
			*err = psprintf("could not create a socket: %m");
			goto done;
		}
		if (connect(sock, ai->ai_addr, ai->ai_addrlen) != 0)
		{
			if (errno != EINPROGRESS)
			{
				*err = psprintf("could not connect: %m");
				goto done;
			}
			if (!wait_socket(sock, WL_SOCKET_WRITEABLE, deadline))
			{
				*err = pstrdup("no connection within pg_capacity.cluster_timeout");
				goto done;
			}
			if (getsockopt(sock, SOL_SOCKET, SO_ERROR, &soerr, &slen) != 0 || soerr != 0)
			{
				errno = soerr;
				*err = psprintf("could not connect: %m");
				goto done;
			}
		}

		req = psprintf("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: pg_capacity\r\n"
					   "Accept: application/json\r\nConnection: close\r\n\r\n",
					   path, host, port);
		while (sent < strlen(req))
		{
			ssize_t		w = send(sock, req + sent, strlen(req) - sent, MSG_NOSIGNAL);

			if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			{
				if (!wait_socket(sock, WL_SOCKET_WRITEABLE, deadline))
				{
					*err = pstrdup("could not send the request within pg_capacity.cluster_timeout");
					goto done;
				}
				continue;
			}
			if (w < 0)
			{
				*err = psprintf("could not send the request: %m");
				goto done;
			}
			sent += w;
		}

		initStringInfo(&buf);
		for (;;)
		{
			ssize_t		r;
			char	   *body;
			size_t		bodylen;
			const char *perr;
			int			pr;

			enlargeStringInfo(&buf, 8192);
			r = recv(sock, buf.data + buf.len, buf.maxlen - buf.len - 1, 0);
			if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			{
				if (!wait_socket(sock, WL_SOCKET_READABLE, deadline))
				{
					*err = pstrdup("no complete answer within pg_capacity.cluster_timeout");
					goto done;
				}
				continue;
			}
			if (r < 0)
			{
				*err = psprintf("could not read the answer: %m");
				goto done;
			}
			buf.len += r;
			buf.data[buf.len] = '\0';
			if (buf.len > HTTP_MAX_RESPONSE)
			{
				*err = psprintf("the answer is longer than %d bytes", HTTP_MAX_RESPONSE);
				goto done;
			}
			pr = cap_http_parse_response(buf.data, buf.len, r == 0, status,
										 &body, &bodylen, &perr);
			if (pr < 0)
			{
				*err = pstrdup(perr);
				goto done;
			}
			if (pr > 0)
			{
				result = pnstrdup(body, bodylen);
				goto done;
			}
		}
done:
		;
	}
	PG_FINALLY();
	{
		if (sock != PGINVALID_SOCKET)
			closesocket(sock);
		if (have_fd)
			ReleaseExternalFD();
		freeaddrinfo(ai);
	}
	PG_END_TRY();

	return result;
}

/* ---- discovery --------------------------------------------------------- */

static char *
jsonb_text(JsonbContainer *obj, const char *key)
{
	JsonbValue	v;

	if (getKeyJsonValueFromContainer(obj, key, strlen(key), &v) == NULL)
		return NULL;
	if (v.type == jbvString)
		return pnstrdup(v.val.string.val, v.val.string.len);
	if (v.type == jbvNumeric)
		return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v.val.numeric)));
	return NULL;
}

static void discovery_error(const char *url, const char *what, const char *detail) pg_attribute_noreturn();

static void
discovery_error(const char *url, const char *what, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION),
			 errmsg("could not read the cluster's members from Patroni at %s: %s", url, what),
			 detail ? errdetail_internal("%s", detail) : 0,
			 errhint("Set pg_capacity.patroni_url to this node's Patroni REST API, or list the members in pg_capacity.cluster_members.")));
}

static CapMember *
members_from_patroni(const char *url, TimestampTz deadline, int *n)
{
	char		host[CAP_HOST_LEN];
	char		path[CAP_URL_PATH_LEN];
	char		perr[256];
	int			port;
	int			status = 0;
	char	   *err;
	char	   *body;
	JsonLexContext *lex;
	Jsonb	   *jb;
	JsonbValue	v;
	JsonbContainer *arr;
	CapMember  *m;
	int			i,
				count,
				k = 0;

	if (!cap_parse_http_url(url, host, &port, path, perr, sizeof(perr)))
		discovery_error(url, perr, NULL);	/* the check hook let it pass? */
	strlcat(path, path[strlen(path) - 1] == '/' ? "cluster" : "/cluster", sizeof(path));

	body = http_get(host, port, path, deadline, &status, &err);
	if (body == NULL)
		discovery_error(url, err, NULL);
	if (status != 200)
		discovery_error(url, psprintf("GET %s answered HTTP status %d", path, status),
						pnstrdup(body, 200));

	lex = makeJsonLexContextCstringLen(body, strlen(body), PG_UTF8, true);
	if (pg_parse_json(lex, &nullSemAction) != JSON_SUCCESS)
		discovery_error(url, psprintf("GET %s did not answer valid JSON", path),
						pnstrdup(body, 200));
	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(body)));
	if (!JB_ROOT_IS_OBJECT(jb) ||
		getKeyJsonValueFromContainer(&jb->root, "members", 7, &v) == NULL ||
		v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data))
		discovery_error(url, psprintf("GET %s answered JSON without a \"members\" array", path),
						pnstrdup(body, 200));
	arr = v.val.binary.data;
	count = JsonContainerSize(arr);
	m = palloc0(sizeof(CapMember) * Max(count, 1));
	for (i = 0; i < count && k < CAP_MAX_MEMBERS; i++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(arr, i);
		char	   *mhost;
		char	   *mport;

		if (e == NULL || e->type != jbvBinary || !JsonContainerIsObject(e->val.binary.data))
			continue;
		mhost = jsonb_text(e->val.binary.data, "host");
		mport = jsonb_text(e->val.binary.data, "port");
		m[k].name = jsonb_text(e->val.binary.data, "name");
		m[k].source = "patroni";
		if (mhost == NULL || mport == NULL || strlen(mhost) >= CAP_HOST_LEN ||
			(m[k].port = atoi(mport)) <= 0 || m[k].port > 65535)
		{
			/* listed without an address (its PostgreSQL never started) */
			snprintf(m[k].member, sizeof(m[k].member), "%s", m[k].name ? m[k].name : "?");
			m[k].error = psprintf("Patroni lists member \"%s\" without a host and port",
								  m[k].name ? m[k].name : "?");
			m[k].host[0] = '\0';
			k++;
			continue;
		}
		strlcpy(m[k].host, mhost, sizeof(m[k].host));
		cap_format_member(m[k].host, m[k].port, m[k].member, sizeof(m[k].member));
		k++;
	}
	if (k == 0)
		discovery_error(url, psprintf("GET %s lists no members", path), NULL);
	*n = k;
	return m;
}

CapMember *
cap_cluster_members(TimestampTz deadline, int *n)
{
	CapMember  *m;
	const char *url;
	struct stat st;

	if (cap_cluster_members_list != NULL && cap_cluster_members_list[0] != '\0')
	{
		CapHostPort hp[CAP_MAX_MEMBERS];
		char		err[256];
		int			k = cap_parse_member_list(cap_cluster_members_list, hp, CAP_MAX_MEMBERS,
											  err, sizeof(err));
		int			i;

		if (k <= 0)				/* the check hook refuses this; a guard */
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid pg_capacity.cluster_members: %s", k < 0 ? err : "empty")));
		m = palloc0(sizeof(CapMember) * k);
		for (i = 0; i < k; i++)
		{
			strlcpy(m[i].host, hp[i].host, sizeof(m[i].host));
			m[i].port = hp[i].port;
			m[i].source = "setting";
			cap_format_member(m[i].host, m[i].port, m[i].member, sizeof(m[i].member));
		}
		*n = k;
		return m;
	}

	url = cap_patroni_url;
	if (url == NULL || url[0] == '\0')
	{
		if (stat("patroni.dynamic.json", &st) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("pg_capacity does not know this node's cluster"),
					 errdetail("pg_capacity.cluster_members is empty and Patroni does not manage this node (no patroni.dynamic.json in the data directory)."),
					 errhint("List the members in pg_capacity.cluster_members (host:port, comma-separated), or set pg_capacity.patroni_url.")));
		url = PATRONI_DEFAULT_URL;
	}
	return members_from_patroni(url, deadline, n);
}

/* ---- the parallel fetch ------------------------------------------------ */

typedef enum
{
	MS_DONE = 0,
	MS_CONNECTING,
	MS_SENDING,
	MS_WAITING
} MemberState;

typedef struct MemberConn
{
	PGconn	   *conn;
	bool		have_fd;
	MemberState state;
	int			want;			/* WL_SOCKET_* to wait for */
	int			nresult;		/* results received */
	bool		installed;		/* the first statement found pg_capacity */
} MemberConn;

static void
member_fail(CapMember *m, MemberConn *c, char *msg, TimestampTz start)
{
	if (m->error == NULL)
		m->error = msg;
	c->state = MS_DONE;
	m->latency_ms = (double) (GetCurrentTimestamp() - start) / 1000.0;
}

static void
member_close(MemberConn *c)
{
	if (c->conn != NULL)
		PQfinish(c->conn);
	c->conn = NULL;
	if (c->have_fd)
		ReleaseExternalFD();
	c->have_fd = false;
}

/*
 * libpq's default notice processor writes a member's NOTICEs to this
 * server's stderr, that is into its log as bare lines: drop them.
 */
static void
ignore_notice(void *arg pg_attribute_unused(), const char *message pg_attribute_unused())
{
}

static void
member_start(CapMember *m, MemberConn *c, int timeout_ms, TimestampTz start)
{
	const char *kw[32];
	const char *val[32];
	int			k = 0;
	char		port[8];
	char		ctimeout[16];
	StringInfoData opts;
	PQconninfoOption *parsed = NULL;
	PQconninfoOption *o;
	char	   *perr = NULL;

	if (m->host[0] == '\0')
	{
		c->state = MS_DONE;		/* error already set by discovery */
		return;
	}
	initStringInfo(&opts);
	appendStringInfo(&opts, "-c statement_timeout=%d -c default_transaction_read_only=on "
					 "-c lock_timeout=%d", timeout_ms, timeout_ms);
	if (cap_cluster_conninfo != NULL && cap_cluster_conninfo[0] != '\0')
	{
		parsed = PQconninfoParse(cap_cluster_conninfo, &perr);
		if (parsed == NULL)		/* the check hook refuses this; a guard */
		{
			member_fail(m, c, psprintf("invalid pg_capacity.cluster_conninfo: %s",
									   perr ? trimmed(perr) : "out of memory"), start);
			if (perr)
				PQfreemem(perr);
			return;
		}
		for (o = parsed; o->keyword != NULL && k < 24; o++)
		{
			if (o->val == NULL || o->val[0] == '\0')
				continue;
			if (strcmp(o->keyword, "options") == 0)
			{
				appendStringInfo(&opts, " %s", o->val);
				continue;
			}
			kw[k] = o->keyword;
			val[k] = o->val;
			k++;
		}
	}
	snprintf(port, sizeof(port), "%d", m->port);
	snprintf(ctimeout, sizeof(ctimeout), "%d", Max(1, (timeout_ms + 999) / 1000));
	kw[k] = "host";
	val[k++] = m->host;
	kw[k] = "port";
	val[k++] = port;
	kw[k] = "connect_timeout";
	val[k++] = ctimeout;
	kw[k] = "options";
	val[k++] = opts.data;
	kw[k] = "fallback_application_name";
	val[k++] = "pg_capacity cluster";
	kw[k] = NULL;
	val[k] = NULL;

	if (!AcquireExternalFD())
	{
		if (parsed)
			PQconninfoFree(parsed);
		member_fail(m, c, pstrdup("too many open files on this server to connect (max_files_per_process)"), start);
		return;
	}
	c->have_fd = true;
	/* later keywords win: host, port and options are ours */
	c->conn = PQconnectStartParams(kw, val, false);
	if (parsed)
		PQconninfoFree(parsed);
	if (c->conn == NULL)
	{
		member_fail(m, c, pstrdup("out of memory"), start);
		return;
	}
	if (PQstatus(c->conn) == CONNECTION_BAD)
	{
		member_fail(m, c, psprintf("connection failed: %s", trimmed(PQerrorMessage(c->conn))), start);
		return;
	}
	PQsetNoticeProcessor(c->conn, ignore_notice, NULL);
	c->state = MS_CONNECTING;
	c->want = WL_SOCKET_WRITEABLE;
}

static void
copy_result(CapMember *m, MemberConn *c, PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_FATAL_ERROR)
	{
		const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

		if (m->error == NULL)
			m->error = psprintf("the member answered: %s",
								trimmed(primary ? primary : PQresultErrorMessage(res)));
		return;
	}
	if (st != PGRES_TUPLES_OK)
		return;
	if (c->nresult++ == 0)
	{
		/* pg_is_in_recovery(), extversion */
		if (PQntuples(res) == 1 && PQnfields(res) == 2)
		{
			m->reachable = true;
			m->in_recovery = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
			c->installed = !PQgetisnull(res, 0, 1);
		}
		return;
	}
	{
		CapResultSet *rs;
		int			r,
					f;

		m->results = m->results == NULL ? palloc(sizeof(CapResultSet) * 8)
			: repalloc(m->results, sizeof(CapResultSet) * (m->nresults + 8));
		rs = &m->results[m->nresults++];
		rs->nrows = PQntuples(res);
		rs->ncols = PQnfields(res);
		rs->values = palloc0(sizeof(char *) * Max(1, rs->nrows * rs->ncols));
		for (r = 0; r < rs->nrows; r++)
			for (f = 0; f < rs->ncols; f++)
				if (!PQgetisnull(res, r, f))
					CAP_RS_VALUE(rs, r, f) = pstrdup(PQgetvalue(res, r, f));
	}
}

static void
member_advance(CapMember *m, MemberConn *c, const char *script, PGresult **pending,
			   TimestampTz start)
{
	if (c->state == MS_CONNECTING)
	{
		switch (PQconnectPoll(c->conn))
		{
			case PGRES_POLLING_READING:
				c->want = WL_SOCKET_READABLE;
				return;
			case PGRES_POLLING_WRITING:
				c->want = WL_SOCKET_WRITEABLE;
				return;
			case PGRES_POLLING_FAILED:
				member_fail(m, c, psprintf("connection failed: %s", trimmed(PQerrorMessage(c->conn))), start);
				return;
			default:
				break;
		}
		if (PQsetnonblocking(c->conn, 1) != 0 || !PQsendQuery(c->conn, script))
		{
			member_fail(m, c, psprintf("could not send the query: %s", trimmed(PQerrorMessage(c->conn))), start);
			return;
		}
		c->state = MS_SENDING;
	}
	if (c->state == MS_SENDING)
	{
		int			r = PQflush(c->conn);

		if (r < 0)
		{
			member_fail(m, c, psprintf("could not send the query: %s", trimmed(PQerrorMessage(c->conn))), start);
			return;
		}
		if (r > 0)
		{
			c->want = WL_SOCKET_WRITEABLE | WL_SOCKET_READABLE;
			if (!PQconsumeInput(c->conn))
				member_fail(m, c, psprintf("connection lost: %s", trimmed(PQerrorMessage(c->conn))), start);
			return;
		}
		c->state = MS_WAITING;
		c->want = WL_SOCKET_READABLE;
	}
	if (c->state == MS_WAITING)
	{
		if (!PQconsumeInput(c->conn))
		{
			member_fail(m, c, psprintf("connection lost: %s", trimmed(PQerrorMessage(c->conn))), start);
			return;
		}
		while (!PQisBusy(c->conn))
		{
			*pending = PQgetResult(c->conn);
			if (*pending == NULL)
			{
				c->state = MS_DONE;
				m->latency_ms = (double) (GetCurrentTimestamp() - start) / 1000.0;
				if (m->error == NULL && !m->reachable)
					m->error = pstrdup("the member did not answer the role query");
				else if (m->error == NULL && !c->installed)
					m->error = pstrdup("pg_capacity is not installed in the database connected to (set dbname in pg_capacity.cluster_conninfo)");
				return;
			}
			copy_result(m, c, *pending);
			PQclear(*pending);
			*pending = NULL;
		}
	}
}

void
cap_cluster_fetch(CapMember *m, int n, const char *statements, TimestampTz start,
				  TimestampTz deadline)
{
	MemberConn *c = palloc0(sizeof(MemberConn) * Max(n, 1));
	WaitEvent  *events = palloc(sizeof(WaitEvent) * (n + 2));
	char	   *script;
	WaitEventSet *volatile set = NULL;
	PGresult   *volatile pending = NULL;
	int			timeout_ms = Max(1, (int) ms_left(deadline));
	int			i;

	script = psprintf("SELECT pg_catalog.pg_is_in_recovery(), "
					  "(SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pg_capacity');%s",
					  statements ? statements : "");

	PG_TRY();
	{
		for (i = 0; i < n; i++)
		{
			m[i].reachable = false;
			m[i].nresults = 0;
			m[i].results = NULL;
			member_start(&m[i], &c[i], timeout_ms, start);
		}

		for (;;)
		{
			int			active = 0;
			int			nev;
			long		left;

			for (i = 0; i < n; i++)
				if (c[i].state != MS_DONE)
					active++;
			if (active == 0)
				break;
			left = ms_left(deadline);
			if (left <= 0)
			{
				for (i = 0; i < n; i++)
					if (c[i].state != MS_DONE)
						member_fail(&m[i], &c[i],
									psprintf("no answer within pg_capacity.cluster_timeout (%d ms) while %s",
											 cap_cluster_timeout,
											 c[i].state == MS_CONNECTING ? "connecting" : "waiting for the query"),
									start);
				break;
			}

			set = CreateWaitEventSet(CurrentMemoryContext, active + 2);
			AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
			AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
			for (i = 0; i < n; i++)
				if (c[i].state != MS_DONE)
					AddWaitEventToSet(set, c[i].want, PQsocket(c[i].conn), NULL,
									  (void *) (intptr_t) i);
			nev = WaitEventSetWait(set, left, events, active + 2, PG_WAIT_EXTENSION);
			FreeWaitEventSet(set);
			set = NULL;

			for (i = 0; i < nev; i++)
				if (events[i].events & WL_LATCH_SET)
				{
					ResetLatch(MyLatch);
					CHECK_FOR_INTERRUPTS();
				}
			for (i = 0; i < nev; i++)
			{
				int			k = (int) (intptr_t) events[i].user_data;

				if (!(events[i].events & (WL_SOCKET_READABLE | WL_SOCKET_WRITEABLE)))
					continue;
				if (c[k].state != MS_DONE)
					member_advance(&m[k], &c[k], script, (PGresult **) &pending, start);
				if (c[k].state == MS_DONE)
					member_close(&c[k]);
			}
		}
	}
	PG_FINALLY();
	{
		if (set != NULL)
			FreeWaitEventSet(set);
		if (pending != NULL)
			PQclear(pending);
		for (i = 0; i < n; i++)
			member_close(&c[i]);
	}
	PG_END_TRY();
}
