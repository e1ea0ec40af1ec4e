#!/bin/bash
# test/monitoring/monitoring.sh: pg_capacity in the Prometheus stack, all from Debian's packages, on
# 127.0.0.1 (as root; every daemon runs as postgres):
#
#   a throwaway PostgreSQL with pg_capacity (pg_capacity.vcpus = 1, sampling every second),
#   prometheus-postgres-exporter with monitoring/postgres_exporter/queries.yaml, connected as a
#   pg_monitor role, and Prometheus scraping it every 2 s with monitoring/prometheus's rules (a
#   copy whose "for:" durations are 6 s, so that an alert goes pending then firing within the
#   test; the shipped durations are promtool-tested instead).
#
# Asserted (a FAIL line each, exit 1 on any): every per-instance series of docs/monitoring.md is
# in Prometheus with its labels; under pgbench on one configured vCPU the escalation alert goes
# pending, then firing; after the load, the levels and utilizations Prometheus scraped agree
# with capacity_report() read at the same time, and the recommendation series with
# scaling_recommendations(); promtool check rules and promtool test rules pass on the shipped
# files; every query of the Grafana dashboard is accepted by that Prometheus
# (test/monitoring/dashboard_queries.py); prometheus-sql-exporter with
# monitoring/sql_exporter/pg_capacity.yml serves the same levels.  Printed: the cost of one
# scrape (wall time, and the CPU of the exporter's backend), for docs/measurements.md.
#
# pg_capacity must be installed (make install); test/scripts/deps.sh installs prometheus,
# prometheus-postgres-exporter and prometheus-sql-exporter.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=test/scripts/lib.sh
. "$REPO/test/scripts/lib.sh"

pg_require_installed "the monitoring stage starts servers as postgres"
pg_clean_env
for b in prometheus promtool prometheus-postgres-exporter prometheus-sql-exporter; do
	command -v "$b" >/dev/null || die "$b is missing: bash test/scripts/deps.sh installs it"
done
make_work monitoring 755
FAILS=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	pg_stop "$WORK/data" immediate
	if [ "$FAILS" -eq 0 ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT

PGPORT=$(free_port 20000 29999)
EXP_PORT=$(free_port 30000 32767)
SQLEXP_PORT=$(free_port 30000 32767)
PROM_PORT=$(free_port 20000 29999)
PROM="http://127.0.0.1:$PROM_PORT"
prom() { /usr/bin/python3 "$HERE/prom.py" "$PROM" "$@"; }
psql_q() { as_pg "$PGBIN/psql" -X -q -At -h "$WORK" -p "$PGPORT" -d postgres -c "$1"; }

# --- PostgreSQL, the exporter, Prometheus ------------------------------------------
pg_init_server "$WORK/data" "$PGPORT" "${FAST_SAMPLER[@]}" "pg_capacity.vcpus = 1" || die "initdb failed"
pg_start "$WORK/data" || { tail_logs 30 "$WORK/server.log"; die "the server did not start"; }
psql_q "CREATE EXTENSION pg_capacity; CREATE ROLE pgcap_exporter LOGIN IN ROLE pg_monitor" ||
	die "CREATE EXTENSION failed"
as_pg "$PGBIN/pgbench" -i -s 2 -q -h "$WORK" -p "$PGPORT" postgres >/dev/null 2>&1 || die "pgbench -i failed"

cp "$REPO/monitoring/postgres_exporter/queries.yaml" "$WORK/queries.yaml"
as_pg env DATA_SOURCE_NAME="host=$WORK port=$PGPORT user=pgcap_exporter dbname=postgres sslmode=disable" \
	prometheus-postgres-exporter --web.listen-address="127.0.0.1:$EXP_PORT" \
	--extend.query-path="$WORK/queries.yaml" --disable-settings-metrics >"$WORK/exporter.log" 2>&1 &
PIDS+=($!)

sed -E 's/^([[:space:]]*for:)[[:space:]].*/\1 6s/' "$REPO/monitoring/prometheus/pg_capacity.rules.yml" \
	>"$WORK/rules.live.yml"
cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 2s
  evaluation_interval: 2s
rule_files:
  - $WORK/rules.live.yml
scrape_configs:
  - job_name: pgcap
    static_configs:
      - targets: ['127.0.0.1:$EXP_PORT']
EOF
chown -R postgres:postgres "$WORK"
as_pg prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$PROM_PORT" >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
PIDS+=($!)
prom ready || { tail_logs 20 "$WORK/prometheus.log"; die "Prometheus did not start"; }
log "PostgreSQL :$PGPORT, postgres_exporter :$EXP_PORT, Prometheus :$PROM_PORT"

# --- the load, and the alert ----------------------------------------------------------
as_pg "$PGBIN/pgbench" -n -T 30 -c 4 -j 2 -h "$WORK" -p "$PGPORT" postgres >"$WORK/pgbench.log" 2>&1 &
LOAD=$!

# every per-instance series, with its labels
for _ in $(seq 30); do [ -n "$(prom query 'pg_capacity_level')" ] && break; sleep 1; done
check_series() {	# METRIC LABEL... : present, every sample with every LABEL
	local metric=$1 out n bad
	shift
	out=$(prom query "$metric")
	n=$(grep -c . <<<"$out")
	bad=""
	for l in "$@"; do grep -q ",$l=" <<<"$out" || bad="$bad $l"; done
	if [ "$n" -gt 0 ] && [ -z "$bad" ]; then
		pass "series $metric: $n with labels $*"
	else
		fail "series $metric: $n samples, missing labels:$bad ($(head -c 300 <<<"$out"))"
	fi
}
check_series pg_capacity_level resource role server
check_series pg_capacity_utilization_ratio resource role
check_series pg_capacity_overall_level role resource
check_series pg_capacity_days_to_threshold metric threshold_pct
check_series pg_capacity_sample_age_seconds role
check_series pg_capacity_sampler_up
for m in tps read_tps write_tps connections max_connections cpu_ratio memory_used_ratio \
	disk_free_bytes disk_total_bytes database_size_bytes cache_hit_ratio; do
	check_series "pg_capacity_node_$m"
done
n=$(prom query 'count(pg_capacity_level)' | awk '{ print $NF }')
[ "$n" = 11 ] && pass "pg_capacity_level: the 11 resources of capacity_report()" ||
	fail "pg_capacity_level: $n resources, not 11"
n=$(prom query 'count(pg_capacity_days_to_threshold)' | awk '{ print $NF }')
[ "$n" = 15 ] && pass "pg_capacity_days_to_threshold: 5 metrics x 70/85/95 %" ||
	fail "pg_capacity_days_to_threshold: $n series, not 15"
age=$(prom query 'pg_capacity_sample_age_seconds' | awk '{ print $NF }')
awk -v a="$age" 'BEGIN { exit !(a >= 0 && a < 5) }' &&
	pass "pg_capacity_sample_age_seconds $age (sampling every second)" ||
	fail "pg_capacity_sample_age_seconds: '$age'"

# pending, then firing (the live rules wait 6 s)
t0=$(date +%s.%N)
seen_pending="" seen_firing=""
for _ in $(seq 120); do
	st=$(prom alert PgCapacityCritical)
	[ "$st" = pending ] && [ -z "$seen_pending" ] && seen_pending=$(date +%s.%N)
	[ "$st" = firing ] && { seen_firing=$(date +%s.%N); break; }
	sleep 0.5
done
if [ -n "$seen_pending" ] && [ -n "$seen_firing" ]; then
	pass "$(awk -v a="$t0" -v p="$seen_pending" -v f="$seen_firing" 'BEGIN { printf "PgCapacityCritical pending %.1f s into the load check, firing %.1f s later", p - a, f - p }') ($(prom query 'pg_capacity_level >= 2' | cut -d' ' -f1 | sed 's/.*resource=\([^,]*\).*/\1/' | paste -sd' '))"
else
	fail "PgCapacityCritical: pending '${seen_pending:-never}', firing '${seen_firing:-never}'; levels: $(prom query pg_capacity_level | tr '\n' ';')"
fi
wait "$LOAD" || fail "pgbench: $(tail -n 3 "$WORK/pgbench.log")"

# --- Prometheus against the SQL functions, at the same time --------------------------------
agree=""
for _ in 1 2 3 4 5; do
	s0=$(prom query 'timestamp(pg_capacity_sampler_up)' | awk '{ print $NF }')
	for _ in $(seq 20); do	# right after a scrape
		s1=$(prom query 'timestamp(pg_capacity_sampler_up)' | awk '{ print $NF }')
		[ "$s1" != "$s0" ] && break
		sleep 0.2
	done
	sql=$(psql_q "SELECT resource || ' ' || CASE level WHEN 'ok' THEN 0 WHEN 'warning' THEN 1 WHEN 'critical' THEN 2 WHEN 'emergency' THEN 3 ELSE -1 END || ' ' || coalesce(round((utilization_pct / 100)::numeric, 4)::text, 'NaN') FROM capacity.capacity_report ORDER BY 1")
	pl=$(prom query pg_capacity_level | sed 's/.*resource=\([^,]*\),.* \(.*\)/\1 \2/' | sort)
	pu=$(prom query pg_capacity_utilization_ratio | sed 's/.*resource=\([^,]*\),.* \(.*\)/\1 \2/' | sort)
	agree=$(join <(printf '%s\n' "$sql" | sort) <(join <(printf '%s\n' "$pl") <(printf '%s\n' "$pu")) | awk '
		{ n++ }
		$2 != $4 { bad = bad " " $1 " level " $2 "/" $4 }
		$3 == "NaN" && $5 != "NaN" { bad = bad " " $1 " util NaN/" $5 }
		$3 != "NaN" { d = $3 - $5; if (d < 0) d = -d; if (d > 0.02 && d > 0.03 * $3) bad = bad " " $1 " util " $3 "/" $5 }
		END { if (n != 11) bad = bad " rows " n; print (bad == "" ? "ok" : bad) }')
	[ "$agree" = ok ] && break
	sleep 1
done
[ "$agree" = ok ] && pass "pg_capacity_level and _utilization_ratio agree with capacity_report() read right after the scrape (11 resources; utilization within 0.02 or 3 %)" ||
	fail "Prometheus against capacity_report():$agree"
nsql=$(psql_q "SELECT count(*) FROM capacity.scaling_recommendations")
nprom=$(prom query 'count(pg_capacity_recommendation_info) or vector(0)' | awk '{ print $NF }')
[ "$nsql" = "$nprom" ] && pass "pg_capacity_recommendation_info: $nprom series, scaling_recommendations() $nsql rows ($(prom query pg_capacity_recommendation_info | sed 's/.*action=\([^,]*\),.*/\1/' | paste -sd';'))" ||
	fail "pg_capacity_recommendation_info: $nprom series against $nsql rows"

# what a scrape shows (for docs/monitoring.md)
log "the exporter's pg_capacity series, a sample:"
curl -s "http://127.0.0.1:$EXP_PORT/metrics" | grep -E '^pg_capacity_(level|utilization_ratio)\{resource="(cpu|tps|connections)"|^pg_capacity_(overall_level|sample_age_seconds|sampler_up|recommendation_info|node_tps)|^pg_capacity_days_to_threshold\{metric="tps"' | sed 's/^/  /'
log "Prometheus's alerts: $(prom query 'ALERTS{alertstate="firing"}' | sed 's/.*alertname=\([^,]*\),.*resource=\([^,]*\),.*/\1(\2)/' | sort -u | paste -sd' ')"

# --- the shipped rules, the dashboard --------------------------------------------------
if out=$(cd "$REPO/monitoring/prometheus" && promtool check rules pg_capacity.rules.yml 2>&1); then
	pass "promtool check rules: $(grep -o 'SUCCESS: [0-9]* rules found' <<<"$out")"
else
	fail "promtool check rules: $out"
fi
if out=$(cd "$REPO/monitoring/prometheus" && promtool test rules pg_capacity.rules.test.yml 2>&1); then
	pass "promtool test rules: $(tr '\n' ' ' <<<"$out" | sed 's/  */ /g')"
else
	fail "promtool test rules: $out"
fi
if out=$(/usr/bin/python3 "$HERE/dashboard_queries.py" "$REPO/monitoring/grafana/pg_capacity.json" "$PROM" 2>&1); then
	pass "Grafana dashboard: $(tail -n 1 <<<"$out") accepted by Prometheus"
else
	fail "Grafana dashboard: $(grep -v '^ok ' <<<"$out")"
fi

# --- the cost of a scrape --------------------------------------------------------------
# Prometheus stopped first: only these scrapes reach the exporter's backend
kill "$PROM_PID" 2>/dev/null
bpid=$(psql_q "SELECT pid FROM pg_stat_activity WHERE usename = 'pgcap_exporter' LIMIT 1")
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
c0=$(cpu "$bpid")
: >"$WORK/scrape_ms"
for _ in $(seq 20); do
	curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$EXP_PORT/metrics" >>"$WORK/scrape_ms"
done
c1=$(cpu "$bpid")
tck=$(getconf CLK_TCK)
log "$(sort -n "$WORK/scrape_ms" | awk -v c="$((c1 - c0))" -v t="$tck" '{ v[NR] = $1 } END {
	printf "scrape cost: 20 scrapes of postgres_exporter, median %.1f ms (min %.1f, max %.1f); the exporter backend'"'"'s CPU %.1f ms a scrape, %.3f %% of a core at one scrape every 15 s",
		1000 * v[int((NR + 1) / 2)], 1000 * v[1], 1000 * v[NR], 1000 * c / t / NR, 100 * (c / t / NR) / 15 }')"

# --- sql_exporter ------------------------------------------------------------------
sed "s|host=/var/run/postgresql|host=$WORK\&port=$PGPORT|" \
	"$REPO/monitoring/sql_exporter/pg_capacity.yml" >"$WORK/sql_exporter.yml"
chown postgres "$WORK/sql_exporter.yml"
as_pg prometheus-sql-exporter -config.file "$WORK/sql_exporter.yml" \
	-web.listen-address "127.0.0.1:$SQLEXP_PORT" >"$WORK/sql_exporter.log" 2>&1 &
PIDS+=($!)
sqlm=""
for _ in $(seq 30); do
	sqlm=$(curl -s "http://127.0.0.1:$SQLEXP_PORT/metrics" | grep '^sql_pg_capacity_level{' || true)
	[ -n "$sqlm" ] && break
	sleep 0.5
done
n=$(grep -c . <<<"$sqlm")
[ "$n" -ge 11 ] && pass "prometheus-sql-exporter: sql_pg_capacity_level with $n series ($(head -n 1 <<<"$sqlm"))" ||
	fail "prometheus-sql-exporter: '$(head -c 300 <<<"$sqlm")' $(tail -n 3 "$WORK/sql_exporter.log")"

echo "monitoring: $FAILS FAILs"
[ "$FAILS" -eq 0 ]
