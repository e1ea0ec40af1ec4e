#!/usr/bin/env bash
# demo.sh: THE main job of pg_capacity, on a fresh Debian 12 machine as root.
#
#   bash test/scripts/demo.sh        (from any directory)
#
# Installs what is missing (deps.sh), builds and installs the extension from a
# scratch copy of this source tree, starts a throwaway PostgreSQL 15 with
# pg_capacity preloaded (1 s sampling), runs a short pgbench load and prints
# what the extension reports.  The server and its directory are removed on
# exit, whatever happens.
#
# Environment: PGPORT (default 54329), PG_CONFIG (default
# /usr/lib/postgresql/15/bin/pg_config), PG_CFLAGS, DEMO_SECONDS (pgbench
# run length, default 20), DEMO_SCALE (pgbench -s, default 10).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=test/scripts/lib.sh
. "$SCRIPT_DIR/lib.sh"
PORT=${PGPORT:-54329}
DEMO_SECONDS=${DEMO_SECONDS:-20}
DEMO_SCALE=${DEMO_SCALE:-10}

if [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh: run as root (it installs packages and the extension, and runs the server as postgres)" >&2
	exit 1
fi

section "dependencies"
bash "$SCRIPT_DIR/deps.sh"
PGBIN=$("$PG_CONFIG" --bindir)
pg_clean_env

make_work demo
DATA="$WORK/data"
SERVER_STARTED=0
cleanup() {
	local rc=$?
	if [ "$SERVER_STARTED" = 1 ]; then
		section "stopping the server"
		pg_stop "$DATA"
	fi
	[ "$rc" -eq 0 ] || tail_logs 40 "$WORK/server.log"
	rm -rf "$WORK"
	if [ "$rc" -eq 0 ]; then echo "demo: done"; else echo "demo: FAILED (exit $rc)"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

section "build and install pg_capacity"
scratch_copy "$WORK/src"
AS_PG_DIR="$WORK/src" as_pg make -s -j2 PG_CONFIG="$PG_CONFIG" PG_CFLAGS="${PG_CFLAGS:-}"
(cd "$WORK/src" && make -s install PG_CONFIG="$PG_CONFIG" PG_CFLAGS="${PG_CFLAGS:-}")
echo "installed into $("$PG_CONFIG" --pkglibdir) and $("$PG_CONFIG" --sharedir)/extension"

AS_PG_DIR=$WORK
PSQL=(as_pg psql -X -v ON_ERROR_STOP=1 -h "$WORK" -p "$PORT" -d postgres)

section "start a throwaway PostgreSQL 15 (port $PORT, socket in $WORK)"
pg_init_server "$DATA" "$PORT" "${FAST_SAMPLER[@]}" "max_connections = 50" "shared_buffers = 128MB"
SERVER_STARTED=1
pg_start "$DATA"
"${PSQL[@]}" -Atc "SELECT version()"

section "CREATE EXTENSION pg_capacity"
"${PSQL[@]}" -c "CREATE EXTENSION pg_capacity" -c "CREATE EXTENSION pg_stat_statements"

section "pgbench -i -s $DEMO_SCALE"
as_pg pgbench -i -q -s "$DEMO_SCALE" -h "$WORK" -p "$PORT" postgres 2>&1 | tail -n 3

# Light load at three rates first: the TPS capacity is fitted from the node's
# own CPU cost per transaction over a range of load (docs/capacity-model.md)
for rate in 150 300 600; do
	section "pgbench -c 4 -j 2 -R $rate -T 8 (tpcb-like, light load)"
	as_pg pgbench -n -c 4 -j 2 -R "$rate" -T 8 -h "$WORK" -p "$PORT" postgres 2>&1 | grep -E '^(tps|latency average)'
done

section "pgbench -c 4 -j 2 -T $DEMO_SECONDS (tpcb-like)"
START_TS=$("${PSQL[@]}" -Atc "SELECT clock_timestamp()")
as_pg pgbench -c 4 -j 2 -T "$DEMO_SECONDS" -h "$WORK" -p "$PORT" postgres 2>&1 \
	| grep -vE '^(pgbench \(|starting vacuum|transaction type|scaling factor|query mode|number of (clients|threads))'
END_TS=$("${PSQL[@]}" -Atc "SELECT clock_timestamp()")
sleep 2   # one more sample after the load

section "capacity.sampler_status()"
"${PSQL[@]}" -x -c "SELECT * FROM capacity.sampler_status()"

section "capacity.latest()"
"${PSQL[@]}" -c "SELECT metric, round(value::numeric, 3) AS value, unit, sampled_at FROM capacity.latest()"

section "capacity.history('tps', '1 minute', 'raw')"
"${PSQL[@]}" -c "SELECT sampled_at, round(value::numeric, 1) AS tps FROM capacity.history('tps', '1 minute', 'raw')"

section "the sampler's view of the pgbench run vs pgbench's own tps (above)"
"${PSQL[@]}" -v start="$START_TS" -v end="$END_TS" <<'SQL'
SELECT h.metric,
       count(*) AS samples,
       round(avg(h.value)::numeric, 1) AS avg,
       round(max(h.max_value)::numeric, 1) AS max
FROM unnest(ARRAY['tps', 'read_tps', 'write_tps', 'active_connections', 'cpu_pct', 'wal_bytes_per_sec']) AS m(metric),
     LATERAL (SELECT m.metric, * FROM capacity.history(m.metric, '5 minutes', 'raw')) h
WHERE h.sampled_at > :'start'::timestamptz + interval '1 s'
  AND h.sampled_at <= :'end'::timestamptz
GROUP BY h.metric
ORDER BY array_position(ARRAY['tps', 'read_tps', 'write_tps', 'active_connections', 'cpu_pct', 'wal_bytes_per_sec'], h.metric);
SQL

section "capacity.capacity_report('30 seconds'): the run, against this node's capacity"
"${PSQL[@]}" -c "SELECT resource, round(current::numeric, 2) AS current, round(peak::numeric, 2) AS peak, round(capacity::numeric, 1) AS capacity, unit, round(utilization_pct::numeric, 1) AS \"util%\", level, trend FROM capacity.capacity_report('30 seconds')"
"${PSQL[@]}" -c "SELECT resource, level, detail FROM capacity.capacity_report('30 seconds') WHERE level <> 'ok' OR resource = 'tps'"

section "capacity.tps_capacity(): what tps is judged against, and why"
"${PSQL[@]}" -x -c "SELECT basis, round(saturation_tps) AS saturation_tps, round(capacity_tps) AS capacity_tps, round(cpu_pct_per_1000_tps::numeric, 2) AS cpu_pct_per_1000_tps, round(fixed_cpu_pct::numeric, 2) AS fixed_cpu_pct, samples, load_range, round(r_squared::numeric, 3) AS r_squared, detail FROM capacity.tps_capacity()"

section "capacity.scaling_recommendations('30 seconds')"
"${PSQL[@]}" -x -c "SELECT * FROM capacity.scaling_recommendations('30 seconds')"

section "capacity.sizing_recommendations(): this node"
"${PSQL[@]}" -c "SELECT parameter, current_setting, recommended_setting, requires_restart, formula FROM capacity.sizing_recommendations()"

section "capacity.required_resources(15000): the playbook's target load"
"${PSQL[@]}" -c "SELECT resource, round(required::numeric, 1) AS required, unit, formula FROM capacity.required_resources(15000)"

# Bloat: pgbench's updates leave dead tuples in pgbench_accounts; an index
# that duplicates the primary key and one on a column nobody filters on give
# the diagnostics something to say.
"${PSQL[@]}" -qc "CREATE INDEX demo_accounts_aid ON pgbench_accounts (aid)" \
	-c "CREATE INDEX demo_history_mtime ON pgbench_history (mtime)"
section "capacity.bloat_estimate(): pgbench's tables and indexes, sampled (mode 'sample')"
"${PSQL[@]}" -c "SELECT relation_name, kind, pg_size_pretty(size_bytes) AS size, round(waste_pct::numeric, 1) AS \"waste%\", round(dead_pct::numeric, 1) AS \"dead%\", round(reclaimable_pct::numeric, 1) AS \"reclaimable%\", round(error_pct::numeric, 2) AS \"+-pp\", method, pages_read, recommendation FROM capacity.bloat_estimate(NULL, 'sample') WHERE schema_name = 'public' ORDER BY size_bytes DESC"
section "the same from statistics only (mode 'stats'), and pgstattuple's exact figures"
"${PSQL[@]}" -c "CREATE EXTENSION IF NOT EXISTS pgstattuple" -c "SELECT b.relation_name, round(b.waste_pct::numeric, 1) AS \"stats waste%\", round(b.reclaimable_pct::numeric, 1) AS \"stats reclaimable%\", b.flags, round((s.free_percent + s.dead_tuple_percent)::numeric, 1) AS \"pgstattuple waste%\" FROM capacity.bloat_estimate(NULL, 'stats') b, LATERAL pgstattuple(format('%I.%I', b.schema_name, b.relation_name)) s WHERE b.schema_name = 'public' AND b.method = 'stats' ORDER BY b.size_bytes DESC"
section "capacity.duplicate_indexes()"
"${PSQL[@]}" -x -c "SELECT table_name, kind, drop_index, keep_index, reason, drop_statement FROM capacity.duplicate_indexes()"
section "capacity.unused_indexes() (right after CREATE INDEX: younger than the statistics, so not listed)"
"${PSQL[@]}" -c "SELECT index_name, idx_scan, safe_to_drop, reason FROM capacity.unused_indexes()"
section "capacity.missing_indexes()"
"${PSQL[@]}" -x -c "SELECT kind, table_name, columns, seq_scan, seq_tup_read, reason, suggestion FROM capacity.missing_indexes(min_seq_tup_read => 1000, min_rows => 1)"
section "capacity.forecast(): a fresh node has minutes of history: the trend, and how far it may be read"
"${PSQL[@]}" -x -c "SELECT metric, method, resolution, series, samples, round(current::numeric) AS current, round(slope_per_day::numeric) AS slope_per_day, round(r_squared::numeric, 3) AS r_squared, round(forecast::numeric) AS in_1_minute, round(lower_95::numeric) AS lower_95, round(upper_95::numeric) AS upper_95, reason FROM capacity.forecast('database_size_bytes', '1 minute', '10 minutes')"
section "capacity.capacity_plan('10 minutes') (a real plan wants months of history: see docs/forecasts.md)"
"${PSQL[@]}" -c "SELECT metric, unit, round(current::numeric, 1) AS current, round(in_3_months::numeric, 1) AS in_3_months, round(in_12_months::numeric, 1) AS in_12_months, round(capacity::numeric, 1) AS capacity, action_required, samples FROM capacity.capacity_plan('10 minutes')"
section "capacity.top_queries(5)"
"${PSQL[@]}" -c "SELECT rank, calls, round(total_exec_time::numeric, 1) AS total_ms, round(mean_exec_time::numeric, 3) AS mean_ms, round(hit_ratio::numeric, 3) AS hit_ratio, left(query, 60) AS query FROM capacity.top_queries(5)"
