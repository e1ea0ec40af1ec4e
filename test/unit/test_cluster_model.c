/*-------------------------------------------------------------------------
 *
 * test_cluster_model.c
 *		Unit tests of the cluster view's pure parts (src/cluster_model.c):
 *		the member list and URL parsers on good and hostile input, HTTP
 *		responses as Patroni and others send them (lengths, chunks,
 *		truncation), and the N-1 headroom and uneven-replica verdicts
 *		against figures worked by hand.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>

#include "cluster_model.h"
#include "unit_test.h"

static void
test_member_list(void)
{
	CapHostPort hp[CAP_MAX_MEMBERS];
	char		err[300];
	static char big[CAP_MAX_MEMBERS * 20 + 32];
	int			i;

	current_test = "member_list";
	CHECK(cap_parse_member_list("", hp, CAP_MAX_MEMBERS, err, sizeof(err)) == 0);
	CHECK(cap_parse_member_list("  ", hp, CAP_MAX_MEMBERS, err, sizeof(err)) == 0);
	CHECK(cap_parse_member_list("10.0.0.1:5432", hp, CAP_MAX_MEMBERS, err, sizeof(err)) == 1);
	CHECK(strcmp(hp[0].host, "10.0.0.1") == 0 && hp[0].port == 5432);
	CHECK(cap_parse_member_list(" db1:5432 , db2:6432,[::1]:5433", hp, CAP_MAX_MEMBERS, err, sizeof(err)) == 3);
	CHECK(strcmp(hp[0].host, "db1") == 0 && hp[0].port == 5432);
	CHECK(strcmp(hp[1].host, "db2") == 0 && hp[1].port == 6432);
	CHECK(strcmp(hp[2].host, "::1") == 0 && hp[2].port == 5433);
	CHECK(cap_parse_member_list("/var/run/postgresql:5432", hp, CAP_MAX_MEMBERS, err, sizeof(err)) == 1);
	CHECK(strcmp(hp[0].host, "/var/run/postgresql") == 0);

	/* what is refused, and the message says so */
	CHECK(cap_parse_member_list("db1", hp, CAP_MAX_MEMBERS, err, sizeof(err)) == -1);
	CHECK(strstr(err, "has no port") != NULL);
	CHECK(cap_parse_member_list("db1:", hp, CAP_MAX_MEMBERS, err, sizeof(err)) == -1);
	CHECK(cap_parse_member_list("db1:0", hp, CAP_MAX_MEMBERS, err, sizeof(err)) == -1);
	CHECK(cap_parse_member_list("db1:65536", hp, CAP_MAX_MEMBERS, err, sizeof(err)) == -1);
	CHECK(cap_parse_member_list("db1:54x", hp, CAP_MAX_MEMBERS, err, sizeof(err)) == -1);
	CHECK(strstr(err, "1 to 65535") != NULL);
	CHECK(cap_parse_member_list("db1:5432,,db2:5432", hp, CAP_MAX_MEMBERS, err, sizeof(err)) == -1);
	CHECK(strstr(err, "member 2 is empty") != NULL);
	CHECK(cap_parse_member_list("db1:5432,", hp, CAP_MAX_MEMBERS, err, sizeof(err)) == -1);
	CHECK(cap_parse_member_list(":5432", hp, CAP_MAX_MEMBERS, err, sizeof(err)) == -1);
	CHECK(cap_parse_member_list("::1:5432", hp, CAP_MAX_MEMBERS, err, sizeof(err)) == -1);
	CHECK(strstr(err, "brackets") != NULL);
	CHECK(cap_parse_member_list("db 1:5432", hp, CAP_MAX_MEMBERS, err, sizeof(err)) == -1);
	CHECK(cap_parse_member_list("db1:5432 dbname=x", hp, CAP_MAX_MEMBERS, err, sizeof(err)) == -1);
	CHECK(cap_parse_member_list("x'y:5432", hp, CAP_MAX_MEMBERS, err, sizeof(err)) == -1);

	/* the bound */
	big[0] = '\0';
	for (i = 0; i <= CAP_MAX_MEMBERS; i++)
		snprintf(big + strlen(big), sizeof(big) - strlen(big), "%sh%d:5432", i ? "," : "", i);
	CHECK(cap_parse_member_list(big, hp, CAP_MAX_MEMBERS, err, sizeof(err)) == -1);
	CHECK(strstr(err, "more than") != NULL);

	{
		char		buf[300];

		cap_format_member("::1", 5432, buf, sizeof(buf));
		CHECK(strcmp(buf, "[::1]:5432") == 0);
		cap_format_member("db1", 6432, buf, sizeof(buf));
		CHECK(strcmp(buf, "db1:6432") == 0);
	}
}

static void
test_url(void)
{
	char		host[CAP_HOST_LEN];
	char		path[CAP_URL_PATH_LEN];
	char		err[300];
	int			port;

	current_test = "url";
	CHECK(cap_parse_http_url("http://127.0.0.1:8008", host, &port, path, err, sizeof(err)));
	CHECK(strcmp(host, "127.0.0.1") == 0 && port == 8008 && strcmp(path, "/") == 0);
	CHECK(cap_parse_http_url("HTTP://patroni.local/api/", host, &port, path, err, sizeof(err)));
	CHECK(strcmp(host, "patroni.local") == 0 && port == 80 && strcmp(path, "/api/") == 0);
	CHECK(cap_parse_http_url("http://[::1]:8009/x", host, &port, path, err, sizeof(err)));
	CHECK(strcmp(host, "::1") == 0 && port == 8009 && strcmp(path, "/x") == 0);

	CHECK(!cap_parse_http_url("https://127.0.0.1:8008", host, &port, path, err, sizeof(err)));
	CHECK(strstr(err, "https is not supported") != NULL);
	CHECK(!cap_parse_http_url("127.0.0.1:8008", host, &port, path, err, sizeof(err)));
	CHECK(!cap_parse_http_url("http://", host, &port, path, err, sizeof(err)));
	CHECK(!cap_parse_http_url("http://h:0", host, &port, path, err, sizeof(err)));
	CHECK(!cap_parse_http_url("http://h:99999", host, &port, path, err, sizeof(err)));
	CHECK(!cap_parse_http_url("http://user:pw@h:8008", host, &port, path, err, sizeof(err)));
	CHECK(!cap_parse_http_url("http://h:8008/a b", host, &port, path, err, sizeof(err)));
	CHECK(!cap_parse_http_url("http://h:8008/a\r\nX: y", host, &port, path, err, sizeof(err)));
	CHECK(!cap_parse_http_url("http://h:8008/?q", host, &port, path, err, sizeof(err)));
	CHECK(!cap_parse_http_url("http://[::1:8008", host, &port, path, err, sizeof(err)));
	CHECK(!cap_parse_http_url("", host, &port, path, err, sizeof(err)));
}

/* parse a copy of text (the parser writes into its buffer) */
static int
parse(const char *text, bool eof, int *status, char *out, size_t outlen, size_t *bodylen,
	  const char **err)
{
	size_t		len = strlen(text);
	char	   *buf = malloc(len + 1);
	char	   *body = NULL;
	int			r;

	memcpy(buf, text, len + 1);
	r = cap_http_parse_response(buf, len, eof, status, &body, bodylen, err);
	if (r == 1)
		snprintf(out, outlen, "%.*s", (int) *bodylen, body);
	free(buf);
	return r;
}

static void
test_http(void)
{
	char		out[256];
	size_t		bl;
	int			st;
	const char *err;

	current_test = "http";
	/* Content-Length, as Patroni's http.server sends it */
	CHECK(parse("HTTP/1.0 200 OK\r\nServer: BaseHTTP/0.6\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"members\":1}",
				false, &st, out, sizeof(out), &bl, &err) == 1);
	CHECK(st == 200 && bl == 13 && strcmp(out, "{\"members\":1}") == 0);
	/* not all of it yet; then the peer closes early */
	CHECK(parse("HTTP/1.0 200 OK\r\nContent-Length: 13\r\n\r\n{\"mem", false, &st, out, sizeof(out), &bl, &err) == 0);
	CHECK(parse("HTTP/1.0 200 OK\r\nContent-Length: 13\r\n\r\n{\"mem", true, &st, out, sizeof(out), &bl, &err) == -1);
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Le", false, &st, out, sizeof(out), &bl, &err) == 0);
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Le", true, &st, out, sizeof(out), &bl, &err) == -1);
	/* header names in any case */
	CHECK(parse("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 2\r\n\r\n{}", false, &st, out, sizeof(out), &bl, &err) == 1);
	CHECK(st == 503 && strcmp(out, "{}") == 0);
	/* chunked */
	CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n",
				false, &st, out, sizeof(out), &bl, &err) == 1);
	CHECK(strcmp(out, "{\"a\":1}") == 0 && bl == 7);
	CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1",
				false, &st, out, sizeof(out), &bl, &err) == 0);
	CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1",
				true, &st, out, sizeof(out), &bl, &err) == -1);
	CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{\"a\"\r\n0\r\n\r\n",
				false, &st, out, sizeof(out), &bl, &err) == -1);
	CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n",
				false, &st, out, sizeof(out), &bl, &err) == -1);
	/* no length: to the close */
	CHECK(parse("HTTP/1.0 200 OK\r\n\r\n{\"x\":2}", false, &st, out, sizeof(out), &bl, &err) == 0);
	CHECK(parse("HTTP/1.0 200 OK\r\n\r\n{\"x\":2}", true, &st, out, sizeof(out), &bl, &err) == 1);
	CHECK(strcmp(out, "{\"x\":2}") == 0);
	/* not HTTP */
	CHECK(parse("SSH-2.0-OpenSSH_9.2\r\n\r\n", false, &st, out, sizeof(out), &bl, &err) == -1);
	CHECK(err != NULL && strstr(err, "not an HTTP") != NULL);
	CHECK(parse("HTTP/1.1 2x0 OK\r\n\r\n", false, &st, out, sizeof(out), &bl, &err) == -1);
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", false, &st, out, sizeof(out), &bl, &err) == -1);
}

static CapClusterLoad
load(bool primary, double tps, double cap, double conn, double maxconn, double reads)
{
	CapClusterLoad l = {0};

	l.reachable = true;
	l.primary = primary;
	l.tps = tps;
	l.tps_peak = tps * 1.5;
	l.tps_capacity = cap;
	l.connections = conn;
	l.max_connections = maxconn;
	l.read_tps = reads;
	return l;
}

static void
test_headroom(void)
{
	CapClusterLoad m[4];
	CapHeadroom h;

	current_test = "headroom";
	/*
	 * primary 300 tx/s of 1000, standbys 200 of 800 and 100 of 800: the
	 * primary leaves; 600 tx/s on 1600 = 37.5 %; connections 30+20+10 = 60
	 * on 100+100 = 30 %.
	 */
	m[0] = load(true, 300, 1000, 30, 100, 100);
	m[1] = load(false, 200, 800, 20, 100, 200);
	m[2] = load(false, 100, 800, 10, 100, 100);
	cap_failover_headroom(m, 3, &h);
	CHECK(h.members == 3 && h.leaving == 0);
	CHECK_NEAR(h.load_tps, 600, 1e-12);
	CHECK_NEAR(h.load_tps_peak, 900, 1e-12);
	CHECK_NEAR(h.remaining_tps_capacity, 1600, 1e-12);
	CHECK_NEAR(h.tps_pct, 37.5, 1e-12);
	CHECK_NEAR(h.tps_peak_pct, 56.25, 1e-12);
	CHECK_NEAR(h.connections_pct, 30, 1e-12);
	CHECK_NEAR(h.utilization_pct, 37.5, 1e-12);

	/* connections the tighter: 190 of 200 remaining slots */
	m[0].connections = 100;
	m[1].connections = 50;
	m[2].connections = 40;
	cap_failover_headroom(m, 3, &h);
	CHECK_NEAR(h.connections_pct, 95, 1e-12);
	CHECK_NEAR(h.utilization_pct, 95, 1e-12);

	/* a member that did not answer counts for nothing; a standby the busiest */
	m[0] = load(true, 100, 1000, 10, 100, 0);
	m[1] = load(false, 500, 800, 10, 100, 500);
	m[2] = load(false, 100, 800, 10, 100, 100);
	m[2].reachable = false;
	cap_failover_headroom(m, 3, &h);
	CHECK(h.members == 2 && h.leaving == 1);
	CHECK_NEAR(h.tps_pct, 60, 1e-12);

	/* over capacity is above 100 %, no member left is +inf */
	m[1] = load(false, 1500, 800, 10, 100, 500);
	cap_failover_headroom(m, 2, &h);
	CHECK_NEAR(h.tps_pct, 160, 1e-12);
	cap_failover_headroom(m, 1, &h);
	CHECK(h.members == 1 && h.leaving == 0 && isinf(h.tps_pct));

	/* unknown capacity: the known share decides */
	m[0] = load(true, 100, NAN, 10, 100, 0);
	m[1] = load(false, 50, 800, 10, 100, 50);
	cap_failover_headroom(m, 2, &h);
	CHECK(isnan(h.tps_pct));
	CHECK_NEAR(h.utilization_pct, 20, 1e-12);

	/* nobody answered */
	m[0].reachable = m[1].reachable = false;
	cap_failover_headroom(m, 2, &h);
	CHECK(h.leaving == -1 && isnan(h.utilization_pct));
}

static void
test_uneven(void)
{
	CapClusterLoad m[4];
	double		spread;
	int			b,
				i;

	current_test = "uneven";
	m[0] = load(true, 0, 1000, 0, 100, 900);	/* the primary's reads do not count */
	m[1] = load(false, 0, 800, 0, 100, 300);
	m[2] = load(false, 0, 800, 0, 100, 100);
	CHECK(cap_uneven_replicas(m, 3, &spread, &b, &i));
	CHECK(b == 1 && i == 2);
	CHECK_NEAR(spread, 1.0, 1e-12);	/* (300 - 100) / 200 */

	m[2].read_tps = 250;		/* 50 / 275 = 0.18 */
	CHECK(!cap_uneven_replicas(m, 3, &spread, &b, &i));
	CHECK_NEAR(spread, 50.0 / 275.0, 1e-12);

	m[1].read_tps = 9;			/* idle replicas: noise, not advice */
	m[2].read_tps = 1;
	CHECK(!cap_uneven_replicas(m, 3, &spread, &b, &i));

	CHECK(!cap_uneven_replicas(m, 2, &spread, &b, &i));	/* one standby */
}

int
main(void)
{
	test_member_list();
	test_url();
	test_http();
	test_headroom();
	test_uneven();
	return unit_test_summary();
}
