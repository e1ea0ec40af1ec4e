#!/usr/bin/env bash
# sqlsmith.sh: fuzz pg_capacity with sqlsmith (Debian package, 1.4) on a
# throwaway PostgreSQL 15 server, and fail on any backend crash, assertion
# failure, PANIC, hang, lost postmaster or sampler, or internal error (XX000)
# raised by pg_capacity's code.
#
#   bash test/fuzz/sqlsmith.sh              (as root, from any directory)
#   SQLSMITH_SEED=7 SQLSMITH_QUERIES=20000 bash test/fuzz/sqlsmith.sh
#
# pg_capacity must be installed already (make && make install).  sqlsmith is
# installed with apt-get when missing.  The server runs as the postgres OS
# user in a mktemp directory (unix socket there, TCP on 127.0.0.1 at a free
# port below 61000, host logins rejected), with pg_capacity and
# pg_stat_statements preloaded and a 1 s sampler; it is stopped and its
# directory removed on exit, whatever happens.  On failure the server log,
# sqlsmith's output and the last queries are kept in
# /tmp/pg_capacity-fuzz-<date>-seed<seed>.tar.gz.
#
# sqlsmith 1.4 never calls set-returning functions (it loads only routines
# that are "not proretset"), and most of pg_capacity's functions are
# set-returning: the script gives it scalar wrappers (schema fuzz, one per
# set-returning function, returning the row count), fuzz.odd_<function>(int,
# ...) wrappers that turn sqlsmith's integer constants into odd arguments,
# views over the argument-less ones, and a table fuzz.args whose columns
# hold odd values of every argument type (NULLs, negative and huge
# intervals, NaN, infinities, int limits, relations of every kind).  About
# 2 minutes with the defaults on 2 cores.  The passes:
#   1. superuser, --exclude-catalog: only the pgbench tables, pg_stat_statements
#      and the fuzz schema as relations, so the queries concentrate on them;
#   2. superuser, catalogs included (sqlsmith's normal mode);
#   3. a role that is only a member of pg_monitor, --exclude-catalog;
#   4. a matrix of direct calls: every pg_capacity function with every
#      combination of the odd values (deterministic, 14644 calls, ~5 s).
# Queries that fail with an ERROR are normal.  Checked afterwards: the same
# postmaster PID; no "terminated by signal", "TRAP:", "server process ... was
# terminated", "was terminated by exception" or PANIC in the server log; no
# statement still active 20 s after it started, past its 1 s (sqlsmith's) or
# 5 s (the roles') statement_timeout (a watchdog polls pg_stat_activity); no ERROR with SQLSTATE XX000 raised in pg_capacity's C
# files or in one of its SQL functions, nor in the sampler; the sampler
# running and sampling (capacity.sampler_status()).
#
# Environment: SQLSMITH_SEED (default 1; the passes use SEED, SEED+1, SEED+2),
# SQLSMITH_QUERIES (queries of passes 1 and 2 each, default 6000),
# SQLSMITH_MONITOR_QUERIES (pass 3, default SQLSMITH_QUERIES/4),
# SQLSMITH_MATRIX (0 skips pass 4, default 1), SQLSMITH_KEEP (1 keeps the
# tarball on success too), PG_CONFIG (default
# /usr/lib/postgresql/15/bin/pg_config).
set -euo pipefail
# shellcheck source=test/scripts/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../scripts/lib.sh"

SEED=${SQLSMITH_SEED:-1}
QUERIES=${SQLSMITH_QUERIES:-6000}
MONITOR_QUERIES=${SQLSMITH_MONITOR_QUERIES:-$((QUERIES / 4))}
MATRIX=${SQLSMITH_MATRIX:-1}
KEEP=${SQLSMITH_KEEP:-0}
STATEMENT_TIMEOUT=5s	# per role; sqlsmith itself sets 1s in its sessions
HANG_SECONDS=20		# a statement active longer than this is a hang
PASS_LIMIT=$((QUERIES / 10 + 300))	# wall-clock bound of one sqlsmith pass, s

for v in SEED QUERIES MONITOR_QUERIES; do
	case "${!v}" in *[!0-9]*|'') die "$v must be a non-negative integer" ;; esac
done
pg_require_installed "it installs sqlsmith and runs the server as postgres"
pg_clean_env

if ! command -v sqlsmith >/dev/null 2>&1; then
	log "installing sqlsmith"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends sqlsmith >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends sqlsmith >/dev/null; } ||
		die "could not install sqlsmith"
fi
SQLSMITH=$(command -v sqlsmith)

# a free TCP port on 127.0.0.1, below 56000 (where the cluster tests live)
PORT=$(free_port 55400 55999) || die "no free port in 55400-55999"

make_work fuzz
DATA="$WORK/data"
STARTED=0
WATCHDOG=
cd "$WORK"

cleanup() {
	local rc=$? keep
	trap - EXIT INT TERM
	if [ -n "$WATCHDOG" ]; then kill "$WATCHDOG" 2>/dev/null || true; fi
	if [ "$STARTED" = 1 ]; then pg_stop "$DATA"; fi
	if [ "$rc" -ne 0 ] || [ "$KEEP" != 0 ]; then
		keep=/tmp/pg_capacity-fuzz-$(date +%Y%m%d-%H%M%S)-seed$SEED.tar.gz
		if tar -czf "$keep" -C "$WORK" --exclude=./data . 2>/dev/null; then
			echo "sqlsmith.sh: server log, sqlsmith output and last queries kept in $keep"
		fi
	fi
	cd /
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

psql_fuzz() { as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$WORK" -p "$PORT" -d fuzz "$@"; }
psql_admin() { as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$WORK" -p "$PORT" -d postgres "$@"; }

# ---------------------------------------------------------------- server
log "initdb and start (port $PORT, socket and data in $WORK)"
# log_line_prefix, log_error_verbosity: the SQLSTATE (%e) and backend type (%b)
# of every message, and where in the C code an error was raised (LOCATION), for
# the XX000 check; track_functions: calls per function, for the coverage line
# of the report
pg_init_server "$DATA" "$PORT" "${FAST_SAMPLER[@]}" "listen_addresses = '127.0.0.1'" \
	"max_connections = 20" "shared_buffers = 64MB" "fsync = off" \
	"log_line_prefix = '%m [%p] %b %e '" "log_error_verbosity = verbose" "track_functions = 'all'"
STARTED=1
pg_start "$DATA"
POSTMASTER_PID=$(head -n 1 "$DATA/postmaster.pid")

# ---------------------------------------------------------------- database
log "database fuzz: pg_capacity, pg_stat_statements, pgbench -s 1 and odd relations"
psql_admin -c "CREATE DATABASE fuzz"
as_pg pgbench -i -q -s 1 -h "$WORK" -p "$PORT" fuzz >"$WORK/pgbench.log" 2>&1 ||
	{ cat "$WORK/pgbench.log"; exit 1; }
psql_fuzz >/dev/null <<SQL
CREATE EXTENSION pg_capacity;
CREATE EXTENSION pg_stat_statements;

-- roles: a superuser and a pg_monitor member, bounded statements
CREATE ROLE fuzz_super LOGIN SUPERUSER;
CREATE ROLE fuzz_monitor LOGIN IN ROLE pg_monitor;
ALTER ROLE fuzz_super SET statement_timeout = '$STATEMENT_TIMEOUT';
ALTER ROLE fuzz_monitor SET statement_timeout = '$STATEMENT_TIMEOUT';

-- relations of every kind, dead tuples, a duplicate and an invalid index
UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid % 5 = 0;
CREATE INDEX fuzz_dup_aid ON pgbench_accounts (aid);
CREATE INDEX fuzz_expr ON pgbench_accounts ((abalance + 1)) WHERE bid = 1;
CREATE TABLE fuzz_part (id int, v text) PARTITION BY RANGE (id);
CREATE TABLE fuzz_part_1 PARTITION OF fuzz_part FOR VALUES FROM (0) TO (1000);
CREATE INDEX fuzz_part_id ON fuzz_part (id);
INSERT INTO fuzz_part SELECT g, md5(g::text) FROM generate_series(0, 999) g;
CREATE UNLOGGED TABLE fuzz_wide AS
	SELECT g AS id, repeat(md5(g::text), g % 200) AS wide, NULL::int AS nothing
	FROM generate_series(1, 2000) g;
CREATE INDEX fuzz_wide_brin ON fuzz_wide USING brin (id);
CREATE INDEX fuzz_wide_hash ON fuzz_wide USING hash (id);
CREATE INDEX fuzz_wide_gin ON fuzz_wide USING gin (to_tsvector('simple', left(wide, 64)));
DELETE FROM fuzz_wide WHERE id % 3 = 0;
CREATE TABLE fuzz_empty (id int PRIMARY KEY, ref int REFERENCES pgbench_branches (bid));
CREATE MATERIALIZED VIEW fuzz_mv AS SELECT bid, count(*) AS n FROM pgbench_accounts GROUP BY bid;
CREATE VIEW fuzz_view AS SELECT * FROM pgbench_branches;
CREATE SEQUENCE fuzz_seq;
CREATE TYPE fuzz_composite AS (a int, b text);
CREATE TABLE fuzz_dups (v int);
INSERT INTO fuzz_dups VALUES (1), (1);
SQL
# CREATE INDEX CONCURRENTLY over duplicates fails and leaves an invalid index
psql_fuzz -c "CREATE UNIQUE INDEX CONCURRENTLY fuzz_dups_invalid ON fuzz_dups (v)" >/dev/null 2>&1 || true

psql_fuzz >/dev/null <<'SQL'
CREATE SCHEMA fuzz;

-- odd values of each argument type, as text; kind names the type, i
-- numbers the values of a kind from 0
CREATE TABLE fuzz.val (kind text, i int, v text);
INSERT INTO fuzz.val
SELECT k, row_number() OVER (PARTITION BY k ORDER BY o) - 1, v
FROM (SELECT k, v, row_number() OVER () AS o FROM (VALUES
	('metric', NULL), ('metric', 'tps'), ('metric', 'database_size_bytes'),
	('metric', 'cpu_pct'), ('metric', 'active_connections'), ('metric', ''),
	('metric', 'no_such_metric'),
	('interval', NULL), ('interval', '0'), ('interval', '-1 hour'),
	('interval', '1 microsecond'), ('interval', '15 minutes'), ('interval', '1 day'),
	('interval', '1 mon -30 days'), ('interval', '178000000 years'),
	('interval', '-178000000 years'), ('interval', '2147483647 days 2562047788 hours'),
	('resolution', NULL), ('resolution', 'auto'), ('resolution', 'raw'),
	('resolution', 'minute'), ('resolution', 'hour'), ('resolution', 'day'),
	('resolution', ''), ('resolution', 'RAW'),
	('method', NULL), ('method', 'ols'), ('method', 'theil_sen'), ('method', ''), ('method', 'holt'),
	('mode', NULL), ('mode', 'auto'), ('mode', 'sample'), ('mode', 'stats'),
	('mode', 'exact'), ('mode', 'AUTO'),
	('order', NULL), ('order', 'total_time'), ('order', 'mean_time'), ('order', 'calls'),
	('order', 'rows'), ('order', 'io'), ('order', 'bogus'),
	('kind', NULL), ('kind', 'table'), ('kind', 'index'), ('kind', 'toast'), ('kind', ''),
	('int4', NULL), ('int4', '0'), ('int4', '-1'), ('int4', '1'), ('int4', '3'),
	('int4', '2147483647'), ('int4', '-2147483648'),
	('int8', NULL), ('int8', '0'), ('int8', '-1'), ('int8', '1'), ('int8', '8192'),
	('int8', '9223372036854775807'), ('int8', '-9223372036854775808'),
	('float8', NULL), ('float8', '0'), ('float8', '-1'), ('float8', '0.5'), ('float8', '1'),
	('float8', '80'), ('float8', '100'), ('float8', '1e308'), ('float8', '-1e308'),
	('float8', '5e-324'), ('float8', 'NaN'), ('float8', 'Infinity'), ('float8', '-Infinity'),
	('bool', NULL), ('bool', 'true'), ('bool', 'false'),
	('regclass', NULL), ('regclass', 'pgbench_accounts'), ('regclass', 'pgbench_accounts_pkey'),
	('regclass', 'fuzz_dup_aid'), ('regclass', 'fuzz_expr'), ('regclass', 'fuzz_part'),
	('regclass', 'fuzz_part_1'), ('regclass', 'fuzz_part_id'), ('regclass', 'fuzz_wide'),
	('regclass', 'fuzz_wide_brin'), ('regclass', 'fuzz_wide_hash'), ('regclass', 'fuzz_wide_gin'),
	('regclass', 'fuzz_empty'), ('regclass', 'fuzz_mv'), ('regclass', 'fuzz_view'),
	('regclass', 'fuzz_seq'), ('regclass', 'fuzz_composite'), ('regclass', 'fuzz_dups_invalid'),
	('regclass', 'pg_class'), ('regclass', 'pg_toast.pg_toast_1255'),
	('regclass', 'pg_stat_activity'), ('regclass', '0'), ('regclass', '4294967295'),
	('timestamptz[]', NULL), ('timestamptz[]', '{}'), ('timestamptz[]', '{NULL}'),
	('timestamptz[]', '{2024-01-01 00:00+00}'),
	('timestamptz[]', '{2024-01-01 00:00+00,2024-01-01 00:00+00,2023-12-31 00:00+00}'),
	('timestamptz[]', '{infinity,-infinity}'), ('timestamptz[]', '{{2024-01-01,2024-01-02}}'),
	('timestamptz[]', '[5:5]={2024-01-01}'), ('timestamptz[]', '{4713-01-01 BC,294276-12-31}'),
	('float8[]', NULL), ('float8[]', '{}'), ('float8[]', '{NULL}'), ('float8[]', '{1}'),
	('float8[]', '{1,2,3}'), ('float8[]', '{NaN,Infinity,-Infinity}'),
	('float8[]', '{{1,2},{3,4}}'), ('float8[]', '[5:5]={1}'), ('float8[]', '{-1e308,1e308}'),
	('int4[]', NULL), ('int4[]', '{}'), ('int4[]', '{NULL}'), ('int4[]', '{1,2,4,8}'),
	('int4[]', '{0}'), ('int4[]', '{-1}'), ('int4[]', '{3,5,7,2147483647}'),
	('int4[]', '{{1,2},{4,8}}'), ('int4[]', '[5:8]={1,2,4,8}')
) AS t0(k, v)) AS t;

-- the same values typed, in columns sqlsmith can pick for arguments
CREATE TABLE fuzz.args AS
WITH k AS (SELECT kind, array_agg(v) AS vs FROM fuzz.val GROUP BY kind)
SELECT (SELECT regclassin(vs[1 + i % cardinality(vs)]::cstring) FROM k WHERE kind = 'regclass') AS rel,
	(SELECT vs[1 + i % cardinality(vs)] FROM k WHERE kind = 'metric') AS metric,
	(SELECT (vs[1 + i % cardinality(vs)])::interval FROM k WHERE kind = 'interval') AS span,
	(SELECT vs[1 + (i * 7) % cardinality(vs)] FROM k WHERE kind = 'resolution') AS resolution,
	(SELECT vs[1 + (i * 5) % cardinality(vs)] FROM k WHERE kind = 'method') AS method,
	(SELECT vs[1 + (i * 3) % cardinality(vs)] FROM k WHERE kind = 'mode') AS mode,
	(SELECT vs[1 + i % cardinality(vs)] FROM k WHERE kind = 'order') AS order_by,
	(SELECT (vs[1 + i % cardinality(vs)])::int4 FROM k WHERE kind = 'int4') AS n4,
	(SELECT (vs[1 + (i * 3) % cardinality(vs)])::int8 FROM k WHERE kind = 'int8') AS n8,
	(SELECT (vs[1 + i % cardinality(vs)])::float8 FROM k WHERE kind = 'float8') AS x,
	(SELECT (vs[1 + i % cardinality(vs)])::bool FROM k WHERE kind = 'bool') AS flag,
	(SELECT (vs[1 + i % cardinality(vs)])::timestamptz[] FROM k WHERE kind = 'timestamptz[]') AS stamps,
	(SELECT (vs[1 + (i * 5) % cardinality(vs)])::float8[] FROM k WHERE kind = 'float8[]') AS vals,
	(SELECT (vs[1 + i % cardinality(vs)])::int4[] FROM k WHERE kind = 'int4[]') AS ints
FROM generate_series(0, 29) i;

-- read-only: the fuzzer's DML fails instead of wearing the values away
CREATE FUNCTION fuzz.read_only() RETURNS trigger LANGUAGE plpgsql
	AS $$BEGIN RAISE EXCEPTION 'fuzz tables are read-only'; END$$;
CREATE TRIGGER read_only BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON fuzz.args
	FOR EACH STATEMENT EXECUTE FUNCTION fuzz.read_only();
CREATE TRIGGER read_only BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON fuzz.val
	FOR EACH STATEMENT EXECUTE FUNCTION fuzz.read_only();

-- scalar wrappers: sqlsmith 1.4 calls no set-returning function itself
CREATE FUNCTION fuzz.metrics() RETURNS bigint LANGUAGE sql
	AS 'SELECT count(f::text) FROM capacity.metrics() f';
CREATE FUNCTION fuzz.latest() RETURNS bigint LANGUAGE sql
	AS 'SELECT count(f::text) FROM capacity.latest() f';
CREATE FUNCTION fuzz.history(text, interval, text) RETURNS bigint LANGUAGE sql
	AS 'SELECT count(f::text) FROM capacity.history($1, $2, $3) f';
CREATE FUNCTION fuzz.capacity_report(interval) RETURNS bigint LANGUAGE sql
	AS 'SELECT count(f::text) FROM capacity.capacity_report($1) f';
CREATE FUNCTION fuzz.scaling_recommendations(interval) RETURNS bigint LANGUAGE sql
	AS 'SELECT count(f::text) FROM capacity.scaling_recommendations($1) f';
CREATE FUNCTION fuzz.sizing_recommendations(int8, int4, int4) RETURNS bigint LANGUAGE sql
	AS 'SELECT count(f::text) FROM capacity.sizing_recommendations($1, $2, $3) f';
CREATE FUNCTION fuzz.required_resources(float8, float8, int8, int4) RETURNS bigint LANGUAGE sql
	AS 'SELECT count(f::text) FROM capacity.required_resources($1, $2, $3, $4) f';
CREATE FUNCTION fuzz.capacity_plan(interval) RETURNS bigint LANGUAGE sql
	AS 'SELECT count(f::text) FROM capacity.capacity_plan($1) f';
CREATE FUNCTION fuzz.bloat_estimate(regclass, text) RETURNS bigint LANGUAGE sql
	AS 'SELECT count(f::text) FROM capacity.bloat_estimate($1, $2) f';
CREATE FUNCTION fuzz.bloat_stats(regclass) RETURNS bigint LANGUAGE sql
	AS 'SELECT count(f::text) FROM capacity._bloat_stats($1) f';
CREATE FUNCTION fuzz.unused_indexes(int8) RETURNS bigint LANGUAGE sql
	AS 'SELECT count(f::text) FROM capacity.unused_indexes($1) f';
CREATE FUNCTION fuzz.duplicate_indexes() RETURNS bigint LANGUAGE sql
	AS 'SELECT count(f::text) FROM capacity.duplicate_indexes() f';
CREATE FUNCTION fuzz.invalid_indexes() RETURNS bigint LANGUAGE sql
	AS 'SELECT count(f::text) FROM capacity.invalid_indexes() f';
CREATE FUNCTION fuzz.missing_indexes(int8, float8, int8) RETURNS bigint LANGUAGE sql
	AS 'SELECT count(f::text) FROM capacity.missing_indexes($1, $2, $3) f';
CREATE FUNCTION fuzz.top_queries(int4, text) RETURNS bigint LANGUAGE sql
	AS 'SELECT count(f::text) FROM capacity.top_queries($1, $2) f';

-- wrappers by index: sqlsmith mostly passes NULLs or small integer
-- constants, and every function but four is STRICT; fuzz.odd_<function>(int,
-- ...) calls the function with the (i mod n)th odd value of each argument
CREATE FUNCTION fuzz.pick(kind text, i int) RETURNS text LANGUAGE sql STABLE
	AS 'SELECT v FROM fuzz.val WHERE kind = $1 AND i = abs($2 % (SELECT count(*) FROM fuzz.val WHERE kind = $1))';
CREATE FUNCTION fuzz.odd_history(int, int, int) RETURNS bigint LANGUAGE sql AS $f$
	SELECT count(f::text) FROM capacity.history(fuzz.pick('metric', $1),
		fuzz.pick('interval', $2)::interval, fuzz.pick('resolution', $3)) f$f$;
CREATE FUNCTION fuzz.odd_capacity_report(int) RETURNS bigint LANGUAGE sql
	AS $f$SELECT count(f::text) FROM capacity.capacity_report(fuzz.pick('interval', $1)::interval) f$f$;
CREATE FUNCTION fuzz.odd_scaling_recommendations(int) RETURNS bigint LANGUAGE sql
	AS $f$SELECT count(f::text) FROM capacity.scaling_recommendations(fuzz.pick('interval', $1)::interval) f$f$;
CREATE FUNCTION fuzz.odd_capacity_plan(int) RETURNS bigint LANGUAGE sql
	AS $f$SELECT count(f::text) FROM capacity.capacity_plan(fuzz.pick('interval', $1)::interval) f$f$;
CREATE FUNCTION fuzz.odd_sizing_recommendations(int, int, int) RETURNS bigint LANGUAGE sql AS $f$
	SELECT count(f::text) FROM capacity.sizing_recommendations(fuzz.pick('int8', $1)::int8,
		fuzz.pick('int4', $2)::int4, fuzz.pick('int4', $3)::int4) f$f$;
CREATE FUNCTION fuzz.odd_required_resources(int, int, int, int) RETURNS bigint LANGUAGE sql AS $f$
	SELECT count(f::text) FROM capacity.required_resources(fuzz.pick('float8', $1)::float8,
		fuzz.pick('float8', $2)::float8, fuzz.pick('int8', $3)::int8, fuzz.pick('int4', $4)::int4) f$f$;
CREATE FUNCTION fuzz.odd_bloat_estimate(int, int) RETURNS bigint LANGUAGE sql AS $f$
	SELECT count(f::text) FROM capacity.bloat_estimate(regclassin(fuzz.pick('regclass', $1)::cstring),
		fuzz.pick('mode', $2)) f$f$;
CREATE FUNCTION fuzz.odd_bloat_sample(int, int) RETURNS text LANGUAGE sql AS $f$
	SELECT capacity._bloat_sample(regclassin(fuzz.pick('regclass', $1)::cstring),
		fuzz.pick('bool', $2)::bool)::text$f$;
CREATE FUNCTION fuzz.odd_relation_file_birth(int) RETURNS timestamptz LANGUAGE sql
	AS $f$SELECT capacity._relation_file_birth(regclassin(fuzz.pick('regclass', $1)::cstring))$f$;
CREATE FUNCTION fuzz.odd_bloat_advice(int, int, int, int) RETURNS text LANGUAGE sql AS $f$
	SELECT capacity._bloat_advice(fuzz.pick('kind', $1), fuzz.pick('int8', $2)::int8,
		fuzz.pick('float8', $3)::float8, fuzz.pick('int8', $4)::int8)$f$;
CREATE FUNCTION fuzz.odd_bloat_tuple_width(int, int, int, int) RETURNS text LANGUAGE sql AS $f$
	SELECT capacity._bloat_tuple_width(fuzz.pick('int4[]', $1)::int4[], fuzz.pick('float8[]', $2)::float8[],
		fuzz.pick('float8[]', $3)::float8[], fuzz.pick('float8[]', $4)::float8[])::text$f$;
CREATE FUNCTION fuzz.odd_unused_indexes(int) RETURNS bigint LANGUAGE sql
	AS $f$SELECT count(f::text) FROM capacity.unused_indexes(fuzz.pick('int8', $1)::int8) f$f$;
CREATE FUNCTION fuzz.odd_missing_indexes(int, int, int) RETURNS bigint LANGUAGE sql AS $f$
	SELECT count(f::text) FROM capacity.missing_indexes(fuzz.pick('int8', $1)::int8,
		fuzz.pick('float8', $2)::float8, fuzz.pick('int8', $3)::int8) f$f$;
CREATE FUNCTION fuzz.odd_top_queries(int, int) RETURNS bigint LANGUAGE sql AS $f$
	SELECT count(f::text) FROM capacity.top_queries(fuzz.pick('int4', $1)::int4, fuzz.pick('order', $2)) f$f$;
CREATE FUNCTION fuzz.odd_forecast(int, int, int, int) RETURNS text LANGUAGE sql AS $f$
	SELECT capacity.forecast(fuzz.pick('metric', $1), fuzz.pick('interval', $2)::interval,
		fuzz.pick('interval', $3)::interval, fuzz.pick('method', $4))::text$f$;
CREATE FUNCTION fuzz.odd_time_to_threshold(int, int) RETURNS text LANGUAGE sql AS $f$
	SELECT capacity.time_to_threshold(fuzz.pick('metric', $1), fuzz.pick('float8', $2)::float8)::text$f$;
CREATE FUNCTION fuzz.odd_import_history(int, int, int) RETURNS int LANGUAGE sql AS $f$
	SELECT capacity.import_history(fuzz.pick('metric', $1), fuzz.pick('timestamptz[]', $2)::timestamptz[],
		fuzz.pick('float8[]', $3)::float8[])$f$;

-- views: the rows of the argument-less ones, to join with the rest
CREATE VIEW fuzz.latest AS SELECT * FROM capacity.latest();
CREATE VIEW fuzz.metrics AS SELECT * FROM capacity.metrics();
CREATE VIEW fuzz.sampler_status AS SELECT * FROM capacity.sampler_status();
CREATE VIEW fuzz.capacity_report AS SELECT * FROM capacity.capacity_report();
CREATE VIEW fuzz.history AS SELECT * FROM capacity.history('tps', '5 minutes', 'raw');
CREATE VIEW fuzz.bloat AS SELECT * FROM capacity.bloat_estimate(NULL, 'stats');
CREATE VIEW fuzz.duplicate_indexes AS SELECT * FROM capacity.duplicate_indexes();
CREATE VIEW fuzz.invalid_indexes AS SELECT * FROM capacity.invalid_indexes();
CREATE VIEW fuzz.unused_indexes AS SELECT * FROM capacity.unused_indexes();

GRANT USAGE ON SCHEMA fuzz TO fuzz_monitor;
GRANT SELECT ON ALL TABLES IN SCHEMA fuzz, public TO fuzz_monitor;
ANALYZE;
SQL

# ---------------------------------------------------------------- checks
# The log lines that mean a crash, an assertion failure or a PANIC.
CRASH_RE='terminated by signal|TRAP:|server process .* was terminated|was terminated by exception|PANIC'

# ERROR ... XX000 entries raised by pg_capacity: LOCATION in one of its C
# files, a CONTEXT in one of its SQL functions, or in the sampler.
our_files=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../src" 2>/dev/null && ls -- *.c 2>/dev/null | paste -sd'|' || true)
[ -n "$our_files" ] || die "no src/*.c beside this script: cannot tell our frames from the server's"
internal_errors() {
	awk -v files="$our_files" '
		function flush() {
			if (entry != "" && ours) print entry "\n"
			entry = ""; ours = 0
		}
		# a new message: a prefixed line with a severity
		/^[0-9]{4}-[0-9]{2}-[0-9]{2} .* [0-9A-Z]{5} (ERROR|FATAL|PANIC|WARNING|LOG|NOTICE|INFO|DEBUG[1-5]?):/ {
			flush()
			if ($0 ~ / XX000 (ERROR|FATAL|PANIC):/) {
				entry = $0
				if ($0 ~ /\] pg_capacity sampler XX000/) ours = 1
			}
			next
		}
		# its DETAIL, HINT, CONTEXT, LOCATION, STATEMENT lines and their continuations
		entry != "" {
			entry = entry "\n" $0
			if ($0 ~ ("LOCATION: .*, (" files "):[0-9]+")) ours = 1
			if ($0 ~ /CONTEXT: .*(function|statement) .*capacity\./) ours = 1
		}
		END { flush() }' "$WORK/server.log"
}

# a statement active for longer than HANG_SECONDS is recorded and cancelled
watchdog() {
	while sleep 5; do
		as_pg psql -X -Atq -h "$WORK" -p "$PORT" -d postgres -c "
			SELECT pid, round(extract(epoch FROM now() - query_start)), pg_terminate_backend(pid),
				left(regexp_replace(query, '\s+', ' ', 'g'), 2000)
			FROM pg_stat_activity
			WHERE state = 'active' AND usename LIKE 'fuzz%' AND pid <> pg_backend_pid()
			  AND now() - query_start > interval '$HANG_SECONDS seconds'" >>"$WORK/hangs.txt" 2>/dev/null || true
	done
}
: >"$WORK/hangs.txt"
watchdog &
WATCHDOG=$!

TOTAL_QUERIES=0
TOTAL_ERRORS=0
TOTAL_TIMEOUTS=0
SESSIONS_LOST=0
T0=$(date +%s)

# run_pass NAME ROLE QUERIES SEED [sqlsmith options]
run_pass() {
	local name=$1 role=$2 n=$3 seed=$4 rc counts q e t c to
	shift 4
	[ "$n" -gt 0 ] || return 0
	log "pass $name: $n queries as $role, seed $seed${*:+, $*}"
	set +e
	as_pg timeout -k 10 "$PASS_LIMIT" "$SQLSMITH" \
		--target="host=$WORK port=$PORT dbname=fuzz user=$role" \
		--seed="$seed" --max-queries="$n" --verbose --dump-all-queries "$@" \
		2>"$WORK/$name.sqlsmith.log" | tail -n 4000 >"$WORK/$name.last-queries.sql"
	rc=${PIPESTATUS[0]}
	set -e
	# progress lines: one character per query: . ok, e error, t timeout,
	# S syntax error, C connection lost (upper or lower case by version)
	counts=$(grep -E '^[.eEsStTcC]+$' "$WORK/$name.sqlsmith.log" | tr -d '\n' |
		awk '{ n = length($0); e = gsub(/[eEsS]/, ""); t = gsub(/[tT]/, ""); c = gsub(/[cC]/, ""); print n, e, t, c }')
	counts=${counts:-0 0 0 0}
	read -r q e t c <<<"$counts"
	# this build prints e for a statement timeout too: take the timeouts
	# from its last (cumulative) error report
	to=$(awk '/^queries: / { n = 0 } /^[0-9]+\t.*statement timeout/ { n += $1 } END { print n + 0 }' \
		"$WORK/$name.sqlsmith.log")
	if [ "$to" -gt "$t" ]; then e=$((e + t - to)); t=$to; fi
	log "pass $name: sqlsmith exit $rc, $q queries, $((e + t)) errors ($t statement timeouts), $c connections lost"
	TOTAL_QUERIES=$((TOTAL_QUERIES + q))
	TOTAL_ERRORS=$((TOTAL_ERRORS + e + t))
	TOTAL_TIMEOUTS=$((TOTAL_TIMEOUTS + t))
	SESSIONS_LOST=$((SESSIONS_LOST + c))
	if [ "$rc" -ne 0 ]; then
		tail -n 20 "$WORK/$name.sqlsmith.log" >&2
		echo "sqlsmith.sh: sqlsmith failed in pass $name (exit $rc; 124: still running after $PASS_LIMIT s)" >&2
		PASS_FAILED=1
	fi
}
PASS_FAILED=0

run_pass superuser-nocatalog fuzz_super "$QUERIES" "$SEED" --exclude-catalog
run_pass superuser-catalog fuzz_super "$QUERIES" "$((SEED + 1))"
run_pass pg_monitor fuzz_monitor "$MONITOR_QUERIES" "$((SEED + 2))" --exclude-catalog

# which of pg_capacity's functions the generated queries reached
COVERAGE=$(psql_fuzz -At -c "
	SELECT count(*) FILTER (WHERE s.calls > 0) || '/' || count(*) || ' functions, '
		|| coalesce(sum(s.calls), 0) || ' calls'
	FROM pg_proc p LEFT JOIN pg_stat_user_functions s ON s.funcid = p.oid
	WHERE p.pronamespace = 'capacity'::regnamespace")
log "sqlsmith reached pg_capacity's functions: $COVERAGE"
psql_fuzz -At -F ' ' -c "
	SELECT s.calls, p.proname FROM pg_proc p LEFT JOIN pg_stat_user_functions s ON s.funcid = p.oid
	WHERE p.pronamespace = 'capacity'::regnamespace ORDER BY 1 DESC NULLS LAST, 2" >"$WORK/coverage.txt" || true

MATRIX_CALLS=0
MATRIX_ERRORS=0
if [ "$MATRIX" != 0 ]; then
	log "pass matrix: every function with every combination of odd arguments"
	# one statement per call, generated from fuzz.val, run by psql -f
	psql_fuzz -At >"$WORK/matrix.sql" <<'SQL'
CREATE FUNCTION pg_temp.v(k text) RETURNS SETOF text LANGUAGE sql
	AS $$SELECT quote_nullable(v) || '::' || k FROM fuzz.val WHERE kind = k$$;
CREATE FUNCTION pg_temp.v(k text, t text) RETURNS SETOF text LANGUAGE sql
	AS $$SELECT quote_nullable(v) || '::' || t FROM fuzz.val WHERE kind = k$$;
SELECT format('SELECT count(*) FROM capacity.history(%s, %s, %s);', a, b, c)
	FROM pg_temp.v('metric', 'text') a, pg_temp.v('interval') b, pg_temp.v('resolution', 'text') c
UNION ALL SELECT format('SELECT count(*) FROM capacity.%s(%s);', f, a)
	FROM unnest(ARRAY['capacity_report', 'scaling_recommendations', 'capacity_plan']) f, pg_temp.v('interval') a
UNION ALL SELECT format('SELECT capacity.forecast(%s, %s, %s, %s);', a, b, c, d)
	FROM pg_temp.v('metric', 'text') a, pg_temp.v('interval') b, pg_temp.v('interval') c, pg_temp.v('method', 'text') d
	WHERE b NOT LIKE '%microsecond%' AND c NOT LIKE '%mon%'
UNION ALL SELECT format('SELECT capacity.time_to_threshold(%s, %s);', a, b)
	FROM pg_temp.v('metric', 'text') a, pg_temp.v('float8') b
UNION ALL SELECT format('SELECT count(*) FROM capacity.sizing_recommendations(%s, %s, %s);', a, b, c)
	FROM pg_temp.v('int8') a, pg_temp.v('int4') b, pg_temp.v('int4') c
UNION ALL SELECT format('SELECT count(*) FROM capacity.required_resources(%s, %s, %s, %s);', a, b, c, d)
	FROM pg_temp.v('float8') a, pg_temp.v('float8') b, pg_temp.v('int8') c, pg_temp.v('int4') d
	WHERE b IN ('NULL::float8', '''0''::float8', '''0.5''::float8', '''1''::float8', '''-1''::float8', '''NaN''::float8', '''Infinity''::float8')
UNION ALL SELECT format('SELECT count(*) FROM capacity.bloat_estimate(%s, %s);', a, b)
	FROM pg_temp.v('regclass') a, pg_temp.v('mode', 'text') b
UNION ALL SELECT format('SELECT count(*) FROM capacity._bloat_stats(%s);', a) FROM pg_temp.v('regclass') a
UNION ALL SELECT format('SELECT capacity._bloat_sample(%s, %s);', a, b) FROM pg_temp.v('regclass') a, pg_temp.v('bool') b
UNION ALL SELECT format('SELECT capacity._relation_file_birth(%s);', a) FROM pg_temp.v('regclass') a
UNION ALL SELECT format('SELECT capacity._bloat_advice(%s, %s, %s, %s);', a, b, c, d)
	FROM pg_temp.v('kind', 'text') a, pg_temp.v('int8') b, pg_temp.v('float8') c, pg_temp.v('int8') d
UNION ALL SELECT format('SELECT capacity._bloat_tuple_width(%s, %s, %s, %s);', a, b, c, d)
	FROM pg_temp.v('int4[]') a, pg_temp.v('float8[]') b, pg_temp.v('float8[]') c, pg_temp.v('float8[]') d
	WHERE c IN ('NULL::float8[]', '''{1}''::float8[]', '''{1,2,3}''::float8[]', '''{NULL}''::float8[]', '''{NaN,Infinity,-Infinity}''::float8[]')
	  AND d IN ('NULL::float8[]', '''{}''::float8[]', '''{1,2,3}''::float8[]', '''{-1e308,1e308}''::float8[]')
UNION ALL SELECT format('SELECT count(*) FROM capacity.unused_indexes(%s);', a) FROM pg_temp.v('int8') a
UNION ALL SELECT format('SELECT count(*) FROM capacity.missing_indexes(%s, %s, %s);', a, b, c)
	FROM pg_temp.v('int8') a, pg_temp.v('float8') b, pg_temp.v('int8') c
UNION ALL SELECT format('SELECT count(*) FROM capacity.top_queries(%s, %s);', a, b)
	FROM pg_temp.v('int4') a, pg_temp.v('order', 'text') b
UNION ALL SELECT format('SELECT count(*) FROM capacity.%s();', f)
	FROM unnest(ARRAY['metrics', 'latest', 'duplicate_indexes', 'invalid_indexes', 'sizing_recommendations']) f
UNION ALL SELECT 'SELECT capacity.sampler_status();'
UNION ALL SELECT 'SELECT capacity.capacity_level();'
UNION ALL SELECT format('SELECT capacity.import_history(%s, %s, %s);', a, b, c)
	FROM pg_temp.v('metric', 'text') a, pg_temp.v('timestamptz[]') b, pg_temp.v('float8[]') c;
SQL
	echo "SELECT capacity.reset_history();" >>"$WORK/matrix.sql"
	MATRIX_CALLS=$(wc -l <"$WORK/matrix.sql")
	set +e
	as_pg timeout -k 10 "$PASS_LIMIT" psql -X -q -h "$WORK" -p "$PORT" -U fuzz_super -d fuzz \
		-f "$WORK/matrix.sql" >/dev/null 2>"$WORK/matrix.errors"
	rc=$?
	set -e
	MATRIX_ERRORS=$(grep -c '^psql:.*ERROR:' "$WORK/matrix.errors" || true)
	log "pass matrix: psql exit $rc, $MATRIX_CALLS calls, $MATRIX_ERRORS errors"
	if [ "$rc" -ne 0 ]; then
		tail -n 20 "$WORK/matrix.errors" >&2
		echo "sqlsmith.sh: the matrix pass failed (psql exit $rc)" >&2
		PASS_FAILED=1
	fi
fi
kill "$WATCHDOG" 2>/dev/null || true
wait "$WATCHDOG" 2>/dev/null || true
WATCHDOG=

# ---------------------------------------------------------------- verdict
FAILED=$PASS_FAILED
NOW_PID=$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null || echo none)
if [ "$NOW_PID" != "$POSTMASTER_PID" ] || ! kill -0 "$POSTMASTER_PID" 2>/dev/null; then
	echo "sqlsmith.sh: the postmaster is gone or was replaced (PID $POSTMASTER_PID, now $NOW_PID)" >&2
	FAILED=1
fi

CRASHES=$(grep -cE "$CRASH_RE" "$WORK/server.log" || true)
if [ "$CRASHES" -gt 0 ]; then
	echo "sqlsmith.sh: $CRASHES crash lines in the server log:" >&2
	grep -E -A 2 "$CRASH_RE" "$WORK/server.log" | head -n 60 >&2
	FAILED=1
fi

internal_errors >"$WORK/internal-errors.log"
INTERNAL=$(grep -c ' XX000 ' "$WORK/internal-errors.log" || true)
if [ "$INTERNAL" -gt 0 ]; then
	echo "sqlsmith.sh: $INTERNAL internal errors (XX000) raised by pg_capacity:" >&2
	head -n 80 "$WORK/internal-errors.log" >&2
	FAILED=1
fi
XX000_OTHER=$(grep -c ' XX000 ERROR:' "$WORK/server.log" || true)
XX000_OTHER=$((XX000_OTHER - INTERNAL))

if [ -s "$WORK/hangs.txt" ]; then
	echo "sqlsmith.sh: statements still running after $HANG_SECONDS s (pid|seconds|terminated|query):" >&2
	cat "$WORK/hangs.txt" >&2
	FAILED=1
fi

# the sampler: running and sampling (it restarts 10 s after a
# pg_terminate_backend() that a generated query may have sent it)
SAMPLER=
for i in $(seq 1 40); do
	SAMPLER=$(psql_fuzz -At -c "SELECT worker_pid FROM capacity.sampler_status()
		WHERE worker_pid IS NOT NULL AND last_sample_at > now() - interval '5 s'" 2>/dev/null || true)
	[ -n "$SAMPLER" ] && break
	sleep 1
done
if [ -z "$SAMPLER" ]; then
	echo "sqlsmith.sh: the sampler is not running:" >&2
	psql_fuzz -x -c "SELECT * FROM capacity.sampler_status()" >&2 || true
	FAILED=1
fi
SAMPLER_EXITS=$(grep -c 'background worker "pg_capacity sampler" (PID [0-9]*) exited' "$WORK/server.log" || true)
SAMPLER_ERRORS=$(grep -cE '\] pg_capacity sampler [0-9A-Z]{5} (ERROR|FATAL):' "$WORK/server.log" || true)

if [ "$FAILED" != 0 ]; then
	for f in "$WORK"/*.last-queries.sql; do
		[ -s "$f" ] || continue
		echo "---- last queries of $(basename "$f" .last-queries.sql) (tail)" >&2
		tail -n 40 "$f" >&2
	done
	echo "---- server log (last 30 lines)" >&2
	tail -n 30 "$WORK/server.log" >&2
fi

DURATION=$(($(date +%s) - T0))
printf 'sqlsmith: seed %s, %d queries (%d errors, %d timeouts, %d sessions lost), %d matrix calls (%d errors), crashes %d, internal errors %d (other XX000 %d), sampler exits %d / errors %d, %d s%s\n' \
	"$SEED" "$TOTAL_QUERIES" "$TOTAL_ERRORS" "$TOTAL_TIMEOUTS" "$SESSIONS_LOST" "$MATRIX_CALLS" "$MATRIX_ERRORS" \
	"$CRASHES" "$INTERNAL" "$XX000_OTHER" "$SAMPLER_EXITS" "$SAMPLER_ERRORS" "$DURATION" \
	"$([ "$FAILED" = 0 ] && echo ', PASS' || echo ', FAIL')"
[ "$FAILED" = 0 ]
