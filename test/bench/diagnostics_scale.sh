#!/usr/bin/env bash
# diagnostics_scale.sh: how long the index and query diagnostics take on a
# database of DIAG_TABLES (10,000) tables and twice as many indexes.
#
#   bash test/bench/diagnostics_scale.sh        (as root, from any directory; ~2 min)
#
# Starts a throwaway PostgreSQL 15 (as the postgres OS user; unix socket in a
# temp dir under /tmp, no TCP listener, port DIAG_PORT), with pg_capacity and
# pg_stat_statements preloaded, and builds one database:
#   - DIAG_TABLES tables t_1 .. t_N (id, a, b, ref int), 10 rows each,
#     two indexes each: a primary key on id and an index on a; in every 10th
#     table no primary key but indexes on (a) and (a, b), a left-prefix
#     duplicate (so N tables, 2N indexes);
#   - a foreign key ref -> t_(i-1).id on every 5th table, without an index
#     (N / 5 of them);
#   - the statistics reset after the indexes were created (so that
#     unused_indexes() has all of them to judge, its worst case), then a few
#     statements for pg_stat_statements.
# Then each diagnostics function (and capacity.bloat_estimate(NULL, 'stats')
# if this build has it) runs twice, each time in a new session: the first
# run with cold caches of the session, the second with the server's caches
# warm.  Prints a table: function, rows returned, seconds (cold, warm).
# The server and its directory are removed on exit, whatever happens.
#
# It builds nothing: pg_capacity must be installed (make && make install).
# The server comes from test/bench/lib.sh.
#
# Environment: DIAG_TABLES (10000), DIAG_PORT (54359), PG_CONFIG.
set -euo pipefail
# shellcheck source=test/bench/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

NTABLES=${DIAG_TABLES:-10000}
case "$NTABLES" in *[!0-9]*|'') die "DIAG_TABLES must be a positive integer" ;; esac
[ "$NTABLES" -ge 10 ] || die "DIAG_TABLES must be at least 10"
[ -f "$("$PG_CONFIG" --pkglibdir)/pg_stat_statements.so" ] ||
	die "pg_stat_statements.so missing: install postgresql-15's contrib"

psql_db() { bench_psql diag "$@"; }

bench_start_server diagscale "${DIAG_PORT:-54359}" "shared_preload_libraries = 'pg_capacity,pg_stat_statements'
fsync = off
synchronous_commit = off
full_page_writes = off
autovacuum = off
shared_buffers = 256MB
max_wal_size = 4GB"
bench_psql postgres -c "CREATE DATABASE diag"
psql_db -c "CREATE EXTENSION pg_capacity" -c "CREATE EXTENSION pg_stat_statements"
psql_db -Atc "SELECT to_regprocedure('capacity.unused_indexes(bigint)') IS NOT NULL" | grep -qx t \
	|| die "the installed pg_capacity has no capacity.unused_indexes(): install a build with the diagnostics"

log "create $NTABLES tables, $((NTABLES * 2)) indexes, $((NTABLES / 5)) foreign keys"
T0=$(date +%s)
# one transaction per 500 tables: a transaction locks every table it creates
psql_db -v n="$NTABLES" <<'SQL'
SELECT format($$
BEGIN;
DO $do$
BEGIN
	FOR i IN %s .. %s LOOP
		IF i %% 10 = 0 THEN
			EXECUTE format('CREATE TABLE t_%%s (id int NOT NULL, a int, b int, ref int)', i);
			EXECUTE format('CREATE INDEX t_%%s_a ON t_%%s (a)', i, i);
			EXECUTE format('CREATE INDEX t_%%s_a_b ON t_%%s (a, b)', i, i);
		ELSE
			EXECUTE format('CREATE TABLE t_%%s (id int PRIMARY KEY, a int, b int, ref int)', i);
			EXECUTE format('CREATE INDEX t_%%s_a ON t_%%s (a)', i, i);
		END IF;
		EXECUTE format('INSERT INTO t_%%s SELECT g, mod(g, 3), g, NULL FROM generate_series(1, 10) g', i);
	END LOOP;
END
$do$;
COMMIT;
$$, lo, least(lo + 499, :n))
FROM generate_series(1, :n, 500) AS lo
\gexec
-- foreign keys: every 5th table references the previous one (never a
-- multiple of 10, so it has a primary key)
SELECT format('ALTER TABLE t_%s ADD FOREIGN KEY (ref) REFERENCES t_%s (id)', i, i - 1)
FROM generate_series(5, :n, 5) AS i
\gexec
SQL
log "created in $(( $(date +%s) - T0 )) s"
psql_db -Atc "SELECT 'tables: ' || count(*) FILTER (WHERE relkind = 'r') || ', indexes: ' || count(*) FILTER (WHERE relkind = 'i')
             || ', foreign keys: ' || (SELECT count(*) FROM pg_constraint WHERE contype = 'f')
              FROM pg_class WHERE relnamespace = 'public'::regnamespace"

log "reset the statistics, then a little traffic"
sleep 1.5
psql_db >/dev/null <<'SQL'
SELECT pg_stat_reset();
SELECT pg_stat_statements_reset();
SELECT count(*) FROM t_1 WHERE b = 3;
SELECT count(*) FROM t_2 WHERE b = 3;
SELECT count(*) FROM t_3 WHERE id = 3;
SELECT pg_stat_force_next_flush();
SQL

HAVE_BLOAT=$(psql_db -Atc "SELECT to_regprocedure('capacity.bloat_estimate(regclass,text)') IS NOT NULL")
CALLS=(
	"capacity.unused_indexes()"
	"capacity.duplicate_indexes()"
	"capacity.invalid_indexes()"
	"capacity.missing_indexes()"
	"capacity.missing_indexes(0, 0, 0)"
	"capacity.top_queries()"
)
if [ "$HAVE_BLOAT" = t ]; then
	CALLS+=("capacity.bloat_estimate(NULL, 'stats')")
else
	log "capacity.bloat_estimate(regclass, text) is not in this build: skipped"
fi

# time_call CALL: "rows seconds" of one call, in a new session
time_call() {
	psql_db -At -F ' ' -v call="$1" <<'SQL'
SET client_min_messages = warning;
SELECT clock_timestamp() AS t0 \gset
SELECT count(*) AS n FROM :call AS f \gset
SELECT :'n', round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)::numeric, 3);
SQL
}

RESULTS=()
for call in "${CALLS[@]}"; do
	log "$call"
	if out1=$(time_call "$call" 2>"$WORK/err") && out2=$(time_call "$call" 2>>"$WORK/err"); then
		read -r rows cold <<<"$out1"
		read -r _ warm <<<"$out2"
	else
		rows=ERROR cold=- warm=-
		grep -m 2 -E 'ERROR|HINT' "$WORK/err" | sed 's/^/    /' >&2 || true
	fi
	RESULTS+=("$(printf '%-42s %8s %10s %10s' "$call" "$rows" "$cold" "$warm")")
done

echo
echo "pg_capacity diagnostics on $NTABLES tables / $((NTABLES * 2)) indexes / $((NTABLES / 5)) foreign keys ($(nproc) vCPUs)"
printf '%-42s %8s %10s %10s\n' "function" "rows" "cold (s)" "warm (s)"
printf '%-42s %8s %10s %10s\n' "------------------------------------------" "--------" "----------" "----------"
for line in "${RESULTS[@]}"; do echo "$line"; done
echo
echo "diagnostics_scale.sh: done in $(( $(date +%s) - T0 )) s"
