--
-- 16_cluster: the cluster view on one real server: the settings refuse
-- what they cannot use with a message that says what is valid, a node
-- with no members known says how to name them, and with this server
-- listed as a member (over its Unix socket, a second time as a member
-- that does not exist) every cluster function answers from its own
-- pg_capacity functions.  Two servers, Patroni, timeouts and cancels:
-- test/t/018_cluster.pl and the Patroni suite.
--
\set VERBOSITY default

-- settings: what is refused, and why
SET pg_capacity.cluster_members = 'db1';
SET pg_capacity.cluster_members = 'db1:5432,,db2:5432';
SET pg_capacity.cluster_members = 'db1:99999';
SET pg_capacity.cluster_members = '::1:5432';
SET pg_capacity.cluster_conninfo = 'user=monitor password=secret';
SET pg_capacity.cluster_conninfo = 'host=10.0.0.1 user=monitor';
SET pg_capacity.cluster_conninfo = 'dbname=''host=evil password=x''';
SET pg_capacity.cluster_conninfo = 'user=monitor sslmode';
SET pg_capacity.patroni_url = 'https://127.0.0.1:8008';
SET pg_capacity.patroni_url = '127.0.0.1:8008';
SET pg_capacity.patroni_url = 'http://u:p@127.0.0.1:8008';
SET pg_capacity.cluster_timeout = '10ms';
-- and what is taken
SET pg_capacity.cluster_members = ' db1:5432 , [::1]:6432 ';
SHOW pg_capacity.cluster_members;
SET pg_capacity.patroni_url = 'http://127.0.0.1:8008';
SET pg_capacity.cluster_timeout = '2s';
RESET pg_capacity.cluster_members;
RESET pg_capacity.patroni_url;

-- no members known: not Patroni here, nothing listed
SELECT * FROM capacity.cluster_members();

-- this server as the one member, over its Unix socket
SELECT set_config('pg_capacity.cluster_members',
				  split_part(current_setting('unix_socket_directories'), ',', 1) || ':' ||
				  current_setting('port'), false) IS NOT NULL AS set;
SELECT set_config('pg_capacity.cluster_conninfo',
				  format('dbname=%s user=%s', current_database(), current_user), false) IS NOT NULL AS set;
SELECT name, role, reachable, source, error, latency_ms > 0 AS timed
FROM capacity.cluster_members();

-- its report rows are capacity_report()'s, plus the cluster's
SELECT count(*) FILTER (WHERE member <> 'cluster') =
	   (SELECT count(*) FROM capacity.capacity_report('1 minute')) AS member_rows
FROM capacity.cluster_report('1 minute');
SELECT resource, unit, level IS NOT NULL AS has_level
FROM capacity.cluster_report('1 minute') WHERE member = 'cluster' ORDER BY resource;
SELECT resource, level,
	   regexp_replace(regexp_replace(detail, '/tmp/[^ ]*', 'SOCKET', 'g'), '([0-9.,]+|n/a) tx/s', 'N tx/s', 'g') AS detail
FROM capacity.cluster_report('1 minute')
WHERE member = 'cluster' AND resource IN ('members', 'failover_headroom') ORDER BY resource;
SELECT * FROM capacity.cluster_report('-1 minute');

-- an index nobody scans is listed, with the member's scans; one scanned is not
CREATE TABLE cluster_t (a int, b int);
CREATE INDEX cluster_t_a ON cluster_t (a);
CREATE INDEX cluster_t_b ON cluster_t (b);
INSERT INTO cluster_t SELECT i, i FROM generate_series(1, 1000) i;
ANALYZE cluster_t;
-- unused_indexes() lists only indexes older than the statistics
SELECT pg_sleep(1.2);
SELECT pg_stat_reset();
SET enable_seqscan = off;
SELECT count(*) FROM cluster_t WHERE a = 5;
RESET enable_seqscan;
SELECT pg_stat_force_next_flush();
SELECT index_name, idx_scan, safe_to_drop, drop_statement,
	   (SELECT array_agg(value) FROM jsonb_each(member_scans)) AS member_scans
FROM capacity.cluster_unused_indexes() WHERE table_name = 'cluster_t';
SELECT index_name FROM capacity.unused_indexes() WHERE table_name = 'cluster_t';
SELECT * FROM capacity.cluster_unused_indexes(-1);

-- a second member that does not exist: a row with the error, and no index
-- is safe to drop while its scans are unknown
SELECT set_config('pg_capacity.cluster_members',
				  current_setting('pg_capacity.cluster_members') || ',/nonexistent-socket-dir:5432',
				  false) IS NOT NULL AS set;
SELECT role, reachable, error LIKE 'connection failed:%' AS failed
FROM capacity.cluster_members() ORDER BY reachable;
SELECT index_name, safe_to_drop, drop_statement, reason LIKE '%did not%' AS says_missing,
	   member_scans::text LIKE '%null%' AS unknown_scans
FROM capacity.cluster_unused_indexes() WHERE table_name = 'cluster_t';
SELECT current, capacity, level FROM capacity.cluster_report('1 minute')
WHERE member = 'cluster' AND resource = 'members';
SELECT member ~ '^/nonexistent' AS missing_member, priority, resource, action
FROM capacity.cluster_recommendations('1 minute') WHERE resource = 'members';

-- privileges: pg_monitor, not PUBLIC
CREATE ROLE cluster_nobody;
CREATE ROLE cluster_monitor IN ROLE pg_monitor;
SET ROLE cluster_nobody;
SELECT * FROM capacity.cluster_members();
SET ROLE cluster_monitor;
SELECT count(*) > 0 AS answered FROM capacity.cluster_members();
SET pg_capacity.cluster_members = 'db1:5432';
RESET ROLE;
DROP ROLE cluster_nobody;
DROP ROLE cluster_monitor;
DROP TABLE cluster_t;
RESET pg_capacity.cluster_members;
RESET pg_capacity.cluster_conninfo;
