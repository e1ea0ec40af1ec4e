#!/bin/bash
# test/cluster/scenarios.sh: the playbook's load-test scenarios on a 3-node Patroni cluster
#
#   bash test/cluster/scenarios.sh            # as root; about 5 minutes
#   LONG_TESTS=1 bash test/cluster/scenarios.sh   # longer runs (about 17 minutes)
#
# Brings the cluster up with cluster.sh and runs the playbook's Load Testing scenarios, scaled to
# this 2-core machine (clients and TPS 1/10 of the playbook's, durations in seconds; the
# read/write ratios kept), reads through HAProxy's read-only port and writes through PgBouncer
# with the playbook's custom read and write scripts (pgbench/read.sql, pgbench/write.sql):
#   1 normal     70/30    2 peak     80/20, more clients    3 sustained  75/25, the longest run
#   4 failover   70/30 in 5 s pgbench chunks, a patronictl switchover then a SIGKILL of the
#                primary's postmaster, with a probe writing through HAProxy and recording every
#                acknowledged commit
#   5 sizing     sizing_recommendations() applied with the patronictl commands it prints
# Per scenario it reports TPS and p50/p95/p99 latency from pgbench's per-transaction logs and the
# worst replication lag, and asserts what pg_capacity shows meanwhile (see test/cluster/README.md).
# Prints PASS/FAIL lines, then the scenario report; exits non-zero on any FAIL. The cluster is
# always taken down (trap); on failure the logs are first kept in /tmp/pgcap-scenarios-logs.*.

set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CLUSTER="$HERE/cluster.sh"
FAILS=0
T_START=$(date +%s.%N)
# shellcheck source=test/cluster/lib.sh
. "$HERE/lib.sh"

SCALE=${SCENARIO_PGBENCH_SCALE:-10}      # the playbook's -s 100, 1/10
if [ "${LONG_TESTS:-0}" = 1 ]; then
	D_NORMAL=180 D_PEAK=90 D_SUSTAINED=600 D_SETTLE=30
else
	D_NORMAL=30 D_PEAK=20 D_SUSTAINED=60 D_SETTLE=7
fi
REJOIN_TIMEOUT=120
SAMPLE_INTERVAL=1                        # pg_capacity.sample_interval in cluster.sh
REPORT=()

cleanup() {
	local rc=$?
	kill_background
	[ "${#EXPORTER_PIDS[@]}" -eq 0 ] || kill "${EXPORTER_PIDS[@]}" 2>/dev/null || true
	cluster_stop scenarios "$rc" scen
}

# background jobs (poller, probe, pgbench chunks) stop by themselves within seconds once
# $SCEN/stop exists: stop_background waits for them; the exit trap kills what is left
BG_PIDS=()
stop_background() {
	local p
	[ -n "${SCEN:-}" ] && [ -d "$SCEN" ] && touch "$SCEN/stop"
	for p in "${BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	BG_PIDS=()
}
kill_background() {
	local p
	for p in "${BG_PIDS[@]}"; do
		pkill -P "$p" 2>/dev/null || true
		kill "$p" 2>/dev/null || true
	done
	BG_PIDS=()
}

EXPORTER_PIDS=()
cluster_start
mkdir -p "$CLUSTER_DIR/scen"

# --- one postgres_exporter per member with monitoring/postgres_exporter/queries.yaml, as
# Prometheus scrapes them (docs/monitoring.md): on the 3 free ports of the cluster's block after
# the REST ports, as pgcap_cluster (pg_monitor) with the servers' password file
EXPORTER_PORTS=()
if command -v prometheus-postgres-exporter >/dev/null; then
	for i in 1 2 3; do
		EXPORTER_PORTS+=($((NODE_PORTS[0] + 5 + i)))
		setpriv --reuid postgres --regid postgres --init-groups -- env -i HOME="$CLUSTER_DIR" PATH=/usr/bin:/bin \
			DATA_SOURCE_NAME="host=127.0.0.1 port=${NODE_PORTS[$((i - 1))]} user=pgcap_cluster dbname=postgres sslmode=disable" \
			PGPASSFILE="$CLUSTER_DIR/pgpass.cluster" prometheus-postgres-exporter \
			--web.listen-address="127.0.0.1:${EXPORTER_PORTS[$((i - 1))]}" --disable-settings-metrics \
			--extend.query-path="$HERE/../../monitoring/postgres_exporter/queries.yaml" \
			>"$CLUSTER_DIR/exporter$i.log" 2>&1 &
		EXPORTER_PIDS+=($!)
	done
else
	log "prometheus-postgres-exporter is not installed (test/scripts/deps.sh): the exporter checks are skipped"
fi

# exporter_roles LABEL: one scrape of each member's exporter: its pg_capacity_level series carry
# the role patronictl shows (leader: primary), and only the primary's has the cluster series
# (7 resources, failover_headroom among them); retried for 15 s (an exporter reconnects to a
# restarted node at its next scrape)
exporter_roles() {
	local label=$1 n out want got cl bad summary
	[ "${#EXPORTER_PIDS[@]}" -gt 0 ] || return 0
	check() {
		bad="" summary=""
		for n in $(members | awk '{ print $1 }'); do
			want=standby
			[ "$(leader)" = "$n" ] && want=primary
			out=$(curl -s --max-time 10 "http://127.0.0.1:${EXPORTER_PORTS[$((${n#node} - 1))]}/metrics" || true)
			got=$(grep -o '^pg_capacity_level{[^}]*' <<<"$out" | grep -o 'role="[a-z]*"' | sort -u | tr -d '"' | paste -sd, || true)
			cl=$(grep -c '^pg_capacity_cluster_level{' <<<"$out" || true)
			summary="$summary $n:${got:-none}/cluster=$cl"
			[ "$got" = "role=$want" ] || bad="$bad $n role '${got}' not $want;"
			if [ "$want" = primary ]; then
				[ "$cl" = 7 ] && grep -q '^pg_capacity_cluster_level{resource="failover_headroom"' <<<"$out" ||
					bad="$bad $n (primary) has $cl cluster series;"
			else
				[ "$cl" = 0 ] || bad="$bad $n (standby) has $cl cluster series;"
			fi
		done
		[ -z "$bad" ]
	}
	if poll 15 check; then
		pass "$label: each member's postgres_exporter:$summary"
	else
		fail "$label: the exporters:$bad (scraped:$summary)"
	fi
}


# a replica is any running member that is not the leader
replicas() { members | awk '$2 != "leader" && ($3 == "streaming" || $3 == "running") { print $1 }'; }

# csv_history PORT METRIC FILE: the raw samples of the last 30 minutes as "epoch,value"
csv_history() {
	q "$1" "SELECT extract(epoch FROM sampled_at), value FROM capacity.history('$2', '30 minutes', 'raw')" >"$3"
}

# --- the poller: once a second, every replica's role and lag as its sampler reports them, and
# pg_stat_replication's replay_lag for it on the primary, the primary's standby count, and the
# client backends per node. One line per replica and second:
#   epoch,replica,role,sampler_lag_sec,psr_replay_lag_sec,standbys,backends(node1;node2;node3)
poller() {
	local out=$1 lead=$2 t psr n row backends p
	shift 2
	while [ ! -e "$SCEN/stop" ]; do
		t=$(now)
		psr=$(q "$(port_of "$lead")" "SELECT application_name || '=' || coalesce(extract(epoch FROM replay_lag), 0) FROM pg_stat_replication" | tr '\n' ' ')
		standbys=$(q "$(port_of "$lead")" "SELECT value FROM capacity.latest() WHERE metric = 'standbys'")
		backends=""
		for p in "${NODE_PORTS[@]}"; do
			backends="$backends$(q "$p" "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'");"
		done
		for n in "$@"; do
			row=$(q "$(port_of "$n")" "SELECT (SELECT role FROM capacity.sampler_status()), coalesce((SELECT value FROM capacity.latest() WHERE metric = 'replication_lag_sec'), 0)")
			lag=$(echo "$psr" | tr ' ' '\n' | sed -n "s/^$n=//p")
			echo "$t,$n,$row,${lag:-},$standbys,${backends%;}" >>"$out"
		done
		sleep 1
	done
}

# pgbench_run NAME CLIENTS RATE SECONDS PORT SCRIPT: one pgbench client with a per-transaction log
pgbench_run() {
	(cd "$SCEN" && "$PGBENCH" -n -c "$2" -j 1 -R "$3" -T "$4" -h 127.0.0.1 -p "$5" -U postgres \
		-f "$HERE/pgbench/$6" -l --log-prefix="$SCEN/$1" postgres >"$SCEN/$1.out" 2>&1)
}

# lag_check NAME FROM TO: from the poller's lines between FROM and TO (epochs), every replica
# standby, standbys = 2, and each replica's lag as its sampler reported it against
# pg_stat_replication's replay_lag for it on the primary (loadstats.py lag: p50 and p95 agree).
# The first seconds are left out: replay_lag keeps its last value while no WAL flows, the
# pgbench -i's
lag_check() {
	local name=$1 f="$SCEN/poll-window.csv" bad out
	awk -F, -v a="$2" -v b="$3" '$1 >= a && $1 <= b' "$SCEN/poll.csv" >"$f"
	[ -s "$f" ] || { fail "$name: the poller recorded nothing"; return; }
	bad=$(awk -F, '$3 != "standby"' "$f" | head -n 3)
	[ -z "$bad" ] && pass "$name: both replicas' samplers report role standby ($(wc -l <"$f") polls)" ||
		fail "$name: a replica's sampler role is not standby: $bad"
	bad=$(awk -F, '$6 != "2"' "$f" | head -n 3)
	[ -z "$bad" ] && pass "$name: the primary's sampler counts 2 standbys in every poll" ||
		fail "$name: standbys on the primary not 2: $bad"
	if out=$(/usr/bin/python3 "$HERE/loadstats.py" lag "$f" --from "$2" --to "$3"); then
		pass "$name: replication lag, each replica's sampler vs pg_stat_replication on the primary: ${out% ok}"
	else
		fail "$name: replication lag, sampler vs pg_stat_replication (p50 within 0.05 s, p95 within 0.25 s): ${out% FAIL}"
	fi
	WORST_LAG=$(awk -F, '{ if ($5 > m) m = $5; if ($4 > m) m = $4 } END { printf "%.0f", m * 1000 }' "$f")
	MAX_BACKENDS=$(awk -F, '{ n = split($7, b, ";"); for (i = 1; i <= n; i++) if (b[i] > m) m = b[i] } END { print m + 0 }' "$f")
}

# cluster_roles LABEL: every member's cluster_members() (members from its own Patroni's REST API)
# against patronictl: every name, its role (leader: primary), reachable, source patroni
cluster_roles() {
	local label=$1 want got n bad=""
	want=$(members | awk '{ print $1 "=" ($2 == "leader" ? "primary" : "standby") "/t/patroni" }' | sort | paste -sd' ')
	for n in $(members | awk '{ print $1 }'); do
		got=$(q "$(port_of "$n")" "SELECT string_agg(format('%s=%s/%s/%s', name, coalesce(role, '-'), reachable, source), ' ' ORDER BY name) FROM capacity.cluster_members()")
		[ "$got" = "$want" ] || bad="$bad $n: '$got';"
	done
	if [ -z "$bad" ]; then
		pass "$label: cluster_members() on every node, from its Patroni: $want"
	else
		fail "$label: cluster_members() against patronictl ($want):$bad"
	fi
}

# cluster_checks LABEL SINCE LEADER: cluster_report(SINCE seconds) on the leader: the cluster's
# read_tps is the sum of the members' rows and agrees with pgbench's reads within 10 %; the N-1
# failover headroom is reported; the call's latency (median of 20, 3 members).  The members'
# windows end at their newest samples, on average half a sample interval before the call
cluster_checks() {
	local label=$1 since=$2 lead=$3 lport t out cl sum n_rows
	lport=$(port_of "$lead")
	t=$(now)
	out=$(q "$lport" "SELECT member, current FROM capacity.cluster_report(make_interval(secs => $since)) WHERE resource = 'read_tps'")
	printf '%s\n' "$out" >"$SCEN/cluster_read_tps.csv"
	cl=$(awk -F, '$1 == "cluster" { print $2 }' <<<"$out")
	sum=$(awk -F, '$1 != "cluster" { s += $2 } END { printf "%.9f", s }' <<<"$out")
	n_rows=$(awk -F, '$1 != "cluster"' <<<"$out" | wc -l)
	if [ "$n_rows" = 3 ] && awk -v a="$cl" -v b="$sum" 'BEGIN { d = a - b; exit !(a != "" && d * d < 1e-12) }'; then
		pass "$label: cluster_report() on $lead: cluster read_tps $cl = the sum of its 3 members' rows"
	else
		fail "$label: cluster_report() on $lead: cluster read_tps '$cl', members' rows $n_rows summing to $sum"
	fi
	if out=$(/usr/bin/python3 "$HERE/loadstats.py" agree --label "cluster_report() read_tps (cluster row) on $lead" \
		--logs "$SCEN"/read.[0-9]* --report "$(awk -v t="$t" 'BEGIN { printf "%.3f", t - 0.5 }'),$since,${cl:-0}" --tolerance 10); then
		pass "$label: $out"
	else
		fail "$label: $out"
	fi
	q "$lport" "SELECT member, resource, round(current::numeric, 1), round(capacity::numeric, 1), round(utilization_pct::numeric, 1), level, detail FROM capacity.cluster_report('1 minute') WHERE member = 'cluster'" >"$SCEN/cluster_report.csv"
	out=$(awk -F, '$2 == "failover_headroom" { print $5 "|" $6 }' "$SCEN/cluster_report.csv")
	if [[ "$out" =~ ^[0-9.]+\|(ok|warning|critical|emergency)$ ]]; then
		pass "$label: cluster_report() failover_headroom (N-1): ${out%|*} % of the remaining capacity, ${out#*|}"
	else
		fail "$label: cluster_report() failover_headroom: '$out'"
	fi
	CLUSTER_LAT=$(PGCONNECT_TIMEOUT=2 "$PSQL" -X -q -At -h 127.0.0.1 -p "$lport" -U postgres -d postgres -c "
		CREATE TEMP TABLE lat (ms float8);
		DO \$\$ DECLARE t0 timestamptz; BEGIN
			FOR i IN 1..20 LOOP
				t0 := clock_timestamp();
				PERFORM count(*) FROM capacity.cluster_report('15 minutes');
				INSERT INTO lat VALUES (1000 * extract(epoch FROM clock_timestamp() - t0));
			END LOOP; END \$\$;
		SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1) || ' ms (min ' ||
			   round(min(ms)::numeric, 1) || ', max ' || round(max(ms)::numeric, 1) || ')' FROM lat" 2>&1)
	log "$label: cluster_report() latency on $lead with 3 members, 20 calls: median $CLUSTER_LAT"
}

# scenario NAME LABEL SECONDS READ_CLIENTS READ_RATE WRITE_CLIENTS WRITE_RATE PLAYBOOK TARGETS
scenario() {
	local name=$1 label=$2 dur=$3 rc=$4 rr=$5 wc=$6 wr=$7 playbook=$8 targets=$9
	local lead rep t0 t1 rrc=0 wrc=0 lat_r lat_w out
	SCEN="$CLUSTER_DIR/scen/$name"
	mkdir -p "$SCEN"
	lead=$(leader)
	mapfile -t rep < <(replicas)
	log "scenario $label: $rc read clients at $rr TPS (ro port), $wc write clients at $wr TPS (PgBouncer), $dur s; primary $lead"
	poller "$SCEN/poll.csv" "$lead" "${rep[@]}" &
	BG_PIDS+=($!)
	t0=$(now)
	pgbench_run read "$rc" "$rr" "$dur" "$CLUSTER_RO_PORT" read.sql &
	local rp=$!
	pgbench_run write "$wc" "$wr" "$dur" "$CLUSTER_BOUNCER_PORT" write.sql || wrc=$?
	wait "$rp" || rrc=$?
	t1=$(now)
	# the sample closing the run's last second
	poll 10 eval '[ "$(q "$(port_of "$lead")" "SELECT extract(epoch FROM last_sample_at) > $t1 FROM capacity.sampler_status()")" = t ]' || true
	stop_background
	[ "$rrc" -eq 0 ] && [ "$wrc" -eq 0 ] && pass "$label: both pgbench clients finished" ||
		fail "$label: pgbench exit status read $rrc write $wrc: $(tail -n 2 "$SCEN/read.out" "$SCEN/write.out" | tr '\n' ' ')"
	lat_r=$(/usr/bin/python3 "$HERE/loadstats.py" latency "$SCEN"/read.[0-9]*)
	lat_w=$(/usr/bin/python3 "$HERE/loadstats.py" latency "$SCEN"/write.[0-9]*)
	case "$lat_r $lat_w" in
	*"failed=0 "*"failed=0 "*) pass "$label: no failed transactions" ;;
	*) fail "$label: failed transactions: read $lat_r / write $lat_w" ;;
	esac

	# capacity_report(since), its window starting 3 s into the run, read right after a sample:
	# "newest sample's epoch, seconds from the window's start to it, current"
	local since reports=() rw
	since=$(awk -v t="$t0" -v n="$(now)" 'BEGIN { printf "%.3f", n - t - 3 }')
	rw=$(report_row "$(port_of "$lead")" write_tps "$since")
	for n in "${rep[@]}"; do reports+=("$(report_row "$(port_of "$n")" read_tps "$since")"); done
	if out=$(/usr/bin/python3 "$HERE/loadstats.py" agree --label "capacity_report() write_tps on the primary $lead" \
		--logs "$SCEN"/write.[0-9]* --report "$rw" --tolerance 5); then
		pass "$label: $out"
	else
		fail "$label: $out"
	fi
	if out=$(/usr/bin/python3 "$HERE/loadstats.py" agree --label "capacity_report() read_tps summed over ${rep[*]}" \
		--logs "$SCEN"/read.[0-9]* --report "${reports[@]}" --tolerance 10); then
		pass "$label: $out"
	else
		fail "$label: $out"
	fi

	# history()'s raw samples inside the run, time-weighted
	csv_history "$(port_of "$lead")" write_tps "$SCEN/primary-write_tps.csv"
	local n csvs=()
	for n in "${rep[@]}"; do
		csv_history "$(port_of "$n")" read_tps "$SCEN/$n-read_tps.csv"
		csvs+=("$SCEN/$n-read_tps.csv")
	done
	local a0 a1
	a0=$(awk -v t="$t0" 'BEGIN { printf "%.3f", t + 3 }')
	a1=$(awk -v t="$t1" 'BEGIN { printf "%.3f", t - 1 }')
	if out=$(/usr/bin/python3 "$HERE/loadstats.py" agree --label "history() write_tps on the primary $lead" \
		--logs "$SCEN"/write.[0-9]* --sampler "$SCEN/primary-write_tps.csv" --from "$a0" --to "$a1" --tolerance 5); then
		pass "$label: $out"
	else
		fail "$label: $out"
	fi
	if out=$(/usr/bin/python3 "$HERE/loadstats.py" agree --label "history() read_tps summed over ${rep[*]}" \
		--logs "$SCEN"/read.[0-9]* --sampler "${csvs[@]}" --from "$a0" --to "$a1" --tolerance 10); then
		pass "$label: $out"
	else
		fail "$label: $out"
	fi
	lag_check "$label" "$a0" "$a1"
	if [ "$name" = normal ]; then
		cluster_roles "$label"
		exporter_roles "$label"
		cluster_checks "$label" "$since" "$lead"
	fi
	REPORT+=("$(report_lines "$label" "$playbook" "$rc+$wc clients, $rr+$wr TPS, $dur s" "$lat_r" "$lat_w" \
		"worst lag $WORST_LAG ms, at most $MAX_BACKENDS client backends per node" "$targets")")
}

# figure NAME LATENCY_LINE: one figure (tps, p50, ...) of a loadstats.py latency line
figure() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }

# verdict LATENCY_LINE P50 P95 P99: the playbook's latency targets met, or which are not
verdict() {
	local v="" k lim val i=0
	local lims=("$2" "$3" "$4")
	for k in p50 p95 p99; do
		lim=${lims[$i]}
		i=$((i + 1))
		val=$(figure "$k" "$1")
		awk -v a="$val" -v b="$lim" 'BEGIN { exit !(a >= b) }' && v="$v $k $val > $lim"
	done
	echo "${v:- met}"
}

# report_lines LABEL PLAYBOOK HERE LAT_READ LAT_WRITE EXTRA TARGETS("p50 p95 p99 lag" or "")
report_lines() {
	local t
	printf '%-12s playbook: %s; here: %s\n' "$1" "$2" "$3"
	printf '%-12s TPS read %s write %s | latency ms: read p50 %s p95 %s p99 %s, write p50 %s p95 %s p99 %s | %s' "" \
		"$(figure tps "$4")" "$(figure tps "$5")" "$(figure p50 "$4")" "$(figure p95 "$4")" "$(figure p99 "$4")" \
		"$(figure p50 "$5")" "$(figure p95 "$5")" "$(figure p99 "$5")" "$6"
	if [ -n "$7" ]; then
		read -r -a t <<<"$7"
		printf '\n%-12s playbook targets p50 < %s, p95 < %s, p99 < %s ms, lag < %s ms: read%s, write%s, lag %s' "" \
			"${t[0]}" "${t[1]}" "${t[2]}" "${t[3]}" "$(verdict "$4" "${t[0]}" "${t[1]}" "${t[2]}")" \
			"$(verdict "$5" "${t[0]}" "${t[1]}" "${t[2]}")" \
			"$(awk -v a="$WORST_LAG" -v b="${t[3]}" 'BEGIN { print (a < b) ? "met" : a " > " b }')"
	fi
}

# report_row PORT RESOURCE SINCE: capacity_report(SINCE seconds)'s "current" of RESOURCE as
# "T,W,current": T the newest sample's epoch, W the seconds from the window's start to it. Read
# just after a sample (waits for one) and retried if a sample lands during the call, so that the
# window the report averaged is exactly (T - W, T]
report_row() {
	local port=$1 i l0 out l
	for i in 1 2 3 4 5; do
		l0=$(q "$port" 'SELECT last_sample_at FROM capacity.sampler_status()')
		poll 5 eval '[ "$(q "$port" "SELECT last_sample_at FROM capacity.sampler_status()")" != "$l0" ]' || true
		out=$("$PSQL" -X -q -At -F, -h 127.0.0.1 -p "$1" -U postgres -d postgres \
			-c "SELECT extract(epoch FROM last_sample_at) FROM capacity.sampler_status()" \
			-c "SELECT extract(epoch FROM clock_timestamp()) - $3, current FROM capacity.capacity_report(make_interval(secs => $3)) WHERE resource = '$2'" \
			-c "SELECT extract(epoch FROM last_sample_at) FROM capacity.sampler_status()" 2>/dev/null) || continue
		mapfile -t l <<<"$out"
		[ "${#l[@]}" -eq 3 ] && [ "${l[0]}" = "${l[2]}" ] || continue
		awk -v t="${l[2]}" -v r="${l[1]}" 'BEGIN { split(r, a, ","); printf "%.6f,%.6f,%s\n", t, t - a[1], a[2] }'
		return 0
	done
	echo "0,1,0"
}

# worker_mem NODE: "palloc_bytes rss_anon_kB shared_memory_bytes" of the node's sampler: the
# Grand total of its memory contexts (pg_log_backend_memory_contexts(), read from the server log;
# it is logged between cycles, after the per-cycle context's reset), RssAnon from /proc, and its
# shared memory from pg_shmem_allocations
worker_mem() {
	local port logf pid n0 total
	port=$(port_of "$1")
	logf="$CLUSTER_DIR/$1/pglog/postgresql.log"
	pid=$(q "$port" 'SELECT worker_pid FROM capacity.sampler_status()')
	n0=$(grep -c "\[$pid\] .*Grand total" "$logf" || true)
	q "$port" "SELECT pg_log_backend_memory_contexts($pid)" >/dev/null
	poll 10 eval '[ "$(grep -c "\[$pid\] .*Grand total" "$logf")" -gt "$n0" ]' || true
	total=$(grep "\[$pid\] .*Grand total" "$logf" | tail -n 1 | sed -n 's/.*Grand total: \([0-9]*\) bytes.*/\1/p')
	echo "${total:-?} $(awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo '?')" \
		"$(q "$port" "SELECT allocated_size FROM pg_shmem_allocations WHERE name = 'pg_capacity'")"
}

# --- 0. data: pgbench -i through the rw port --------------------------------------------------
log "pgbench -i -s $SCALE through the rw port"
"$PGBENCH" -i -q -s "$SCALE" -h 127.0.0.1 -p "$CLUSTER_RW_PORT" -U postgres postgres >"$CLUSTER_DIR/scen/init.log" 2>&1 ||
	{ fail "pgbench -i: $(tail -n 3 "$CLUSTER_DIR/scen/init.log" | tr '\n' ' ')"; exit 1; }

# --- 1..3 -----------------------------------------------------------------------------------------
scenario normal "1 normal" "$D_NORMAL" 7 350 3 150 "100 clients, 5,000 TPS, 70/30, 30 min" "10 50 100 100"
scenario peak "2 peak" "$D_PEAK" 40 1200 10 300 "500 clients, 15,000 TPS, 80/20, 15 min" "20 100 200 500"

# the sampler's memory: no palloc'd growth (16 kB of slack for the caches), the same shared
# memory, and RssAnon grown by at most the history file's size + 64 kB: malloc keeps the
# high-water mark of the file's write buffer (every pg_capacity.persist_interval), which grows
# with the history until the rings are full (+72 kB over a 600 s run here)
declare -A MEM_BEFORE
for n in $CLUSTER_NODE_NAMES; do MEM_BEFORE[$n]=$(worker_mem "$n"); done
scenario sustained "3 sustained" "$D_SUSTAINED" 22 750 8 250 "300 clients, 10,000 TPS, 75/25, 4 h" ""
for n in $CLUSTER_NODE_NAMES; do
	read -r ctx0 rss0 shm0 <<<"${MEM_BEFORE[$n]}"
	read -r ctx1 rss1 shm1 <<<"$(worker_mem "$n")"
	hf=$(stat -c %s "$(q "$(port_of "$n")" 'SELECT history_file FROM capacity.sampler_status()')" 2>/dev/null || echo 0)
	rss_max=$((rss0 + hf / 1024 + 64))
	if [ "$ctx0" != "?" ] && [ "$ctx1" != "?" ] && [ $((ctx1 - ctx0)) -le 16384 ] && [ -n "$shm0" ] && [ "$shm0" = "$shm1" ] &&
		[ "$rss0" != "?" ] && [ "$rss1" != "?" ] && [ "$rss1" -le "$rss_max" ]; then
		pass "3 sustained: $n sampler memory contexts ${ctx0} -> ${ctx1} bytes, RssAnon ${rss0} -> ${rss1} kB (at most $rss_max), shared memory ${shm0} -> ${shm1} bytes"
	else
		fail "3 sustained: $n sampler memory grew: contexts ${ctx0} -> ${ctx1} bytes (at most +16384), RssAnon ${rss0} -> ${rss1} kB (at most $rss_max), shared ${shm0:-?} -> ${shm1:-?}"
	fi
done
MAXCONN=$(q "$CLUSTER_RW_PORT" 'SHOW max_connections')
if [ "$MAX_BACKENDS" -lt "$MAXCONN" ] &&
	! grep -q -E 'too many clients|remaining connection slots' $CLUSTER_PGLOGS &&
	! grep -q -E 'no more connections allowed|client_login_timeout' "$CLUSTER_DIR/pgbouncer/pgbouncer.log"; then
	pass "3 sustained: no connection exhaustion (at most $MAX_BACKENDS client backends per node of $MAXCONN; none refused by the servers or PgBouncer)"
else
	fail "3 sustained: connections: at most $MAX_BACKENDS of $MAXCONN, or refusals in the server/PgBouncer logs"
fi

# --- 4. failover under load ---------------------------------------------------------------------
SCEN="$CLUSTER_DIR/scen/failover"
mkdir -p "$SCEN"
q "$CLUSTER_RW_PORT" 'CREATE TABLE IF NOT EXISTS failover_probe (id bigint PRIMARY KEY, port int, at timestamptz DEFAULT clock_timestamp())' >/dev/null

# probe: one INSERT per psql call through HAProxy's rw port; "id epoch port" per acknowledged commit
probe() {
	local id=0 port
	while [ ! -e "$SCEN/stop" ]; do
		id=$((id + 1))
		port=$(q "$CLUSTER_RW_PORT" "INSERT INTO failover_probe (id, port) VALUES ($id, inet_server_port()) RETURNING port")
		[ -n "$port" ] && echo "$id $(now) $port" >>"$SCEN/acked"
		sleep 0.05
	done
}
# load_chunks NAME CLIENTS RATE PORT SCRIPT: pgbench in 5 s chunks until stopped (pgbench does not
# reconnect after a failover); one line per chunk: "chunk exit-status"
load_chunks() {
	local c=0 st
	while [ ! -e "$SCEN/stop" ]; do
		c=$((c + 1))
		st=0
		pgbench_run "$1.c$c" "$2" "$3" 5 "$4" "$5" || st=$?
		echo "$c $st" >>"$SCEN/$1.chunks"
		[ "$st" -eq 0 ] || sleep 0.2
	done
}
# watch_promotion PORT FILE: every 0.1 s, "epoch,in_recovery,sampler_role" of a node, until its
# sampler says primary (or 90 s)
watch_promotion() {
	local end=$(($(date +%s) + 90)) row
	while [ "$(date +%s)" -lt "$end" ]; do
		row=$(q "$1" 'SELECT pg_is_in_recovery(), (SELECT role FROM capacity.sampler_status())')
		echo "$(now),$row" >>"$2"
		case "$row" in *,primary) return 0 ;; esac
		sleep 0.1
	done
}

# acked_on PORT EPOCH: when the first probe commit after EPOCH was acknowledged by PORT's server
acked_on() { awk -v t="$2" -v p="$1" '$2 > t && $3 == p { print $2; exit }' "$SCEN/acked"; }
# samples_as_standby PORT EPOCH: the node's sampler says standby and sampled after EPOCH
samples_as_standby() {
	[ "$(q "$1" "SELECT role = 'standby' AND extract(epoch FROM last_sample_at) > $2 FROM capacity.sampler_status()")" = t ]
}

# failover_event KIND: KIND switchover or kill; sets EV_WRITES (seconds until a write through
# HAProxy lands on the new primary) and checks promotion, history and rejoin
failover_event() {
	local kind=$1 old new new_port t_ev hist0 hist1 w t_back t_promo t_role pid
	old=$(leader)
	new=$(sync_standby || true)
	[ -n "$new" ] || { fail "4 failover ($kind): no sync standby"; return; }
	new_port=$(port_of "$new")
	t_ev=$(now)
	hist0=$(q "$new_port" "SELECT count(*) FROM capacity.history('tps', '1 hour', 'raw') WHERE sampled_at < to_timestamp($t_ev)")
	watch_promotion "$new_port" "$SCEN/promotion-$kind.csv" &
	w=$!
	if [ "$kind" = switchover ]; then
		log "4 failover: patronictl switchover $old -> $new under load"
		patronictl_pg switchover --leader "$old" --candidate "$new" --force >"$SCEN/switchover.log" 2>&1 ||
			fail "4 failover: patronictl switchover: $(tail -n 2 "$SCEN/switchover.log" | tr '\n' ' ')"
	else
		pid=$(head -n 1 "$CLUSTER_DIR/node${old#node}/data/postmaster.pid")
		log "4 failover: SIGKILL of $old's postmaster (pid $pid) under load; $new is the sync standby"
		kill -KILL "$pid"
	fi
	t_back=""
	poll 60 eval '[ -n "$(acked_on "$new_port" "$t_ev")" ]' && t_back=$(acked_on "$new_port" "$t_ev")
	wait "$w" || true
	if [ -n "$t_back" ]; then
		EV_WRITES=$(secs "$t_ev" "$t_back")
		pass "4 failover ($kind): writes through HAProxy land on the new primary $new ${EV_WRITES} s after the event"
	else
		EV_WRITES=-
		fail "4 failover ($kind): no write reached $new through HAProxy in 60 s"
	fi
	t_promo=$(awk -F, '$2 == "f" { print $1; exit }' "$SCEN/promotion-$kind.csv")
	t_role=$(awk -F, '$3 == "primary" { print $1; exit }' "$SCEN/promotion-$kind.csv")
	if [ -n "$t_promo" ] && [ -n "$t_role" ] &&
		awk -v a="$t_promo" -v b="$t_role" -v i="$SAMPLE_INTERVAL" 'BEGIN { exit !(b - a <= 2 * i) }'; then
		pass "4 failover ($kind): $new's sampler reports primary $(secs "$t_promo" "$t_role") s after promotion (at most 2 sample intervals)"
	else
		fail "4 failover ($kind): $new's sampler role: promoted at ${t_promo:-never}, primary at ${t_role:-never}"
	fi
	hist1=$(q "$new_port" "SELECT count(*) FROM capacity.history('tps', '1 hour', 'raw') WHERE sampled_at < to_timestamp($t_ev)")
	if [ -n "$hist0" ] && [ "$hist0" -gt 0 ] && [ "$hist1" = "$hist0" ]; then
		pass "4 failover ($kind): $new kept its history ($hist1 raw samples from before the event)"
	else
		fail "4 failover ($kind): $new's raw samples from before the event: $hist0 before, $hist1 after"
	fi
	local t_rejoin
	rejoined() {
		[ "$(q "$(port_of "$old")" 'SELECT pg_is_in_recovery()')" = t ] &&
			[ "$(q "$new_port" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" = 2 ]
	}
	if poll "$REJOIN_TIMEOUT" rejoined; then
		t_rejoin=$(now)
		EV_REJOIN=$(secs "$t_ev" "$t_rejoin")
		pass "4 failover ($kind): $old rejoined as a streaming replica ${EV_REJOIN} s after the event"
		if poll 30 samples_as_standby "$(port_of "$old")" "$t_rejoin"; then
			pass "4 failover ($kind): the sampler on $old reports standby and samples again"
		else
			fail "4 failover ($kind): the sampler on $old: $(q "$(port_of "$old")" 'SELECT role, last_sample_at FROM capacity.sampler_status()')"
		fi
		if poll 30 eval '[ "$(q "$new_port" "SELECT value FROM capacity.latest() WHERE metric = '"'standbys'"'")" = 2 ]'; then
			pass "4 failover ($kind): the sampler on the new primary $new counts 2 standbys"
		else
			fail "4 failover ($kind): standbys on the new primary $new: $(q "$new_port" "SELECT value FROM capacity.latest() WHERE metric = 'standbys'")"
		fi
		cluster_roles "4 failover ($kind)"
		exporter_roles "4 failover ($kind)"
	else
		EV_REJOIN=-
		fail "4 failover ($kind): $old did not rejoin in $REJOIN_TIMEOUT s ($(members | tr '\n' ';'))"
	fi
}

log "scenario 4 failover: 14 read clients at 560 TPS, 6 write clients at 240 TPS in 5 s chunks, probe through HAProxy"
: >"$SCEN/acked"
T4=$(now)
probe &
BG_PIDS+=($!)
load_chunks read 14 560 "$CLUSTER_RO_PORT" read.sql &
BG_PIDS+=($!)
load_chunks write 6 240 "$CLUSTER_BOUNCER_PORT" write.sql &
BG_PIDS+=($!)
sleep "$D_SETTLE"                   # load before the first event
failover_event switchover
SW_WRITES=$EV_WRITES SW_REJOIN=$EV_REJOIN
sleep "$D_SETTLE"
failover_event kill
KILL_WRITES=$EV_WRITES KILL_REJOIN=$EV_REJOIN
sleep "$D_SETTLE"
T4_END=$(now)
stop_background
FINAL=$(leader)
ACKED=$(wc -l <"$SCEN/acked")
FOUND=$(q "$(port_of "$FINAL")" "SELECT count(*) FROM failover_probe WHERE id IN ($(awk '{ print $1 }' "$SCEN/acked" | paste -sd,))")
LOST=$((ACKED - ${FOUND:-0}))
if [ "$ACKED" -gt 0 ] && [ "$FOUND" = "$ACKED" ]; then
	pass "4 failover: all $ACKED acknowledged probe commits are on the final primary $FINAL (0 lost)"
else
	fail "4 failover: acknowledged probe commits $ACKED, found on $FINAL: '${FOUND}'"
fi
CHUNKS=$(cat "$SCEN"/read.chunks "$SCEN"/write.chunks | wc -l)
CHUNKS_BAD=$(awk '$2 != 0' "$SCEN"/read.chunks "$SCEN"/write.chunks | wc -l)
LAT_R=$(/usr/bin/python3 "$HERE/loadstats.py" latency "$SCEN"/read.c*.[0-9]*)
LAT_W=$(/usr/bin/python3 "$HERE/loadstats.py" latency "$SCEN"/write.c*.[0-9]*)
REPORT+=("$(report_lines "4 failover" "200 clients, 8,000 TPS, 70/30, failover at 15 of 30 min" \
	"14+6 clients, 560+240 TPS, $(secs "$T4" "$T4_END") s, switchover then SIGKILL" "$LAT_R" "$LAT_W" \
	"$CHUNKS_BAD of $CHUNKS pgbench chunks cut by the events" "")
             writes back through HAProxy: switchover ${SW_WRITES} s, kill ${KILL_WRITES} s (playbook: < 30 s); old primary streaming again: ${SW_REJOIN} s, ${KILL_REJOIN} s; acknowledged probe commits $ACKED, lost $LOST")

# --- 5. sizing_recommendations applied with patronictl ----------------------------------------
SCEN="$CLUSTER_DIR/scen/sizing"
mkdir -p "$SCEN"
LEAD=$(leader)
LPORT=$(port_of "$LEAD")
SIZING_SQL="SELECT parameter || '|' || replace(apply, E'\n', '|') FROM capacity.sizing_recommendations() WHERE parameter <> 'worst_case_memory' AND apply IS NOT NULL"
q "$LPORT" "$SIZING_SQL" >"$SCEN/before"
SB_BEFORE=$(q "$LPORT" 'SHOW shared_buffers')
if [ -s "$SCEN/before" ] && ! grep -v -q "^[a-z_]*|patronictl edit-config --pg [a-z_]*=[^ ]* --force -- $CLUSTER_SCOPE|" "$SCEN/before"; then
	pass "5 sizing: sizing_recommendations() on $LEAD gives $(wc -l <"$SCEN/before") patronictl edit-config commands ($(cut -d'|' -f1 "$SCEN/before" | paste -sd' '))"
else
	fail "5 sizing: sizing_recommendations() on $LEAD: $(cat "$SCEN/before")"
fi
# the commands as printed: every edit-config, then the restart (once) if any asks for one
{
	cut -d'|' -f2- "$SCEN/before" | tr '|' '\n' | grep '^patronictl edit-config' || true
	cut -d'|' -f2- "$SCEN/before" | tr '|' '\n' | grep '^patronictl restart' | sort -u || true
} >"$SCEN/apply.sh"
log "5 sizing: applying on $LEAD's advice: $(wc -l <"$SCEN/apply.sh") patronictl commands"
chmod 644 "$SCEN/apply.sh"
if setpriv --reuid postgres --regid postgres --init-groups -- env -i HOME="$CLUSTER_DIR" PATH=/usr/bin:/bin \
	LC_ALL=C.UTF-8 PATRONICTL_CONFIG_FILE="${CONFIGS[0]}" bash -e "$SCEN/apply.sh" >"$SCEN/apply.log" 2>&1; then
	pass "5 sizing: the printed patronictl commands ran"
else
	fail "5 sizing: the printed patronictl commands failed: $(tail -n 3 "$SCEN/apply.log" | tr '\n' ' ')"
fi
gone() { [ -z "$(q "$LPORT" "$SIZING_SQL")" ] && [ "$(q "$LPORT" 'SELECT count(*) FROM pg_settings WHERE pending_restart')" = 0 ]; }
if poll 90 gone; then
	pass "5 sizing: after patronictl, sizing_recommendations() on $LEAD has nothing left to apply"
else
	fail "5 sizing: still to apply on $LEAD: $(q "$LPORT" "$SIZING_SQL" | tr '\n' ' ')"
fi
SIZING_ROWS=$(wc -l <"$SCEN/before")
SB_AFTER=$(q "$LPORT" 'SHOW shared_buffers')

# --- server logs, report --------------------------------------------------------------------------
check_server_logs

echo
echo "==== scenario report: pg_capacity on a 3-node Patroni cluster on one 2-core host ===="
echo "(pgbench scale $SCALE, the playbook's 100; clients and TPS 1/10 of the playbook's; latency from pgbench's per-transaction logs)"
for line in "${REPORT[@]}"; do echo "$line"; done
echo "sizing: $SIZING_ROWS recommendations applied with the patronictl commands sizing_recommendations() printed (shared_buffers $SB_BEFORE -> $SB_AFTER)"
echo "cluster view (on the primary during scenario 1): cluster_report() median ${CLUSTER_LAT:-?} over 20 calls with 3 members; its cluster rows:"
sed 's/^/  /' "$CLUSTER_DIR/scen/normal/cluster_report.csv" 2>/dev/null || true
echo "bring-up ${BRINGUP} s; total $(secs "$T_START" "$(now)") s before teardown; FAILs: $FAILS"
