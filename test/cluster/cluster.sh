#!/bin/bash
# test/cluster/cluster.sh: a throwaway 3-node Patroni cluster with pg_capacity, on loopback
#
#   bash test/cluster/cluster.sh up       # as root: install what is missing, start everything, wait
#   bash test/cluster/cluster.sh status   # patronictl list and the recorded processes
#   eval "$(bash test/cluster/cluster.sh env)"   # CLUSTER_RW_PORT, PGPASSFILE, ... for test scripts
#   bash test/cluster/cluster.sh down     # stop exactly what was started, remove the run directory
#
# 1 etcd member, 3 Patroni nodes (PostgreSQL 15, synchronous_mode, pg_rewind, slots, pg_capacity and
# pg_stat_statements preloaded on every node), HAProxy (a read-write port checked with
# OPTIONS /primary, a read-only port with OPTIONS /replica) and PgBouncer (transaction pooling) in
# front of the read-write port. Everything listens on 127.0.0.1 only, on a block of free ports found
# from 56000 up outside the kernel's ephemeral port range (61000 up on Debian), as the postgres OS user
# with a clean environment. The run directory (CLUSTER_DIR, default /tmp/pgcap-cluster) holds
# configs, data, logs, pgpass and the recorded PIDs (with their start times, against PID reuse).
# pg_capacity must be installed already (make install).
# See test/cluster/README.md and /work/shared/reference/patroni-lab-notes.md.

set -euo pipefail

CLUSTER_DIR=${CLUSTER_DIR:-/tmp/pgcap-cluster}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
SCOPE=pgcap
NODES=3
UP_TIMEOUT=${CLUSTER_UP_TIMEOUT:-120}      # seconds for the whole cluster to become ready
STOP_TIMEOUT=${CLUSTER_STOP_TIMEOUT:-30}   # seconds for a process to stop before SIGKILL
CLEAN_PATH="$PGBIN:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
MARKER=.pgcap-cluster                      # down removes only directories holding this file

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }

# --- processes -----------------------------------------------------------------------------------

# start time of a process in clock ticks (/proc/PID/stat field 22; the command name may hold spaces)
proc_start() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat    # field 3 (state) is now $1, so field 22 is $20
	echo "${20}"
}

# alive = exists, same start time, and not a zombie (a re-parented zombie still passes kill -0)
proc_alive() {
	local pid=$1 start=$2 stat
	stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	case "$stat" in Z*|X*) return 1 ;; esac
	[ "$(proc_start "$pid")" = "$start" ]
}

# as_pg CMD...: run as the postgres OS user with a clean environment
as_pg() {
	setpriv --reuid postgres --regid postgres --init-groups -- \
		env -i HOME="$CLUSTER_DIR" PATH="$CLEAN_PATH" LANG=C.UTF-8 LC_ALL=C.UTF-8 "$@"
}

# start_daemon NAME LOGFILE CMD...: start in the background as postgres, record PID + start time
start_daemon() {
	local name=$1 logfile=$2 pid start
	shift 2
	# setsid execs in place (a background job of a non-interactive shell leads no process group),
	# so $! is the daemon's own PID; its own session keeps a Ctrl-C of the caller away from it
	setpriv --reuid postgres --regid postgres --init-groups -- \
		env -i HOME="$CLUSTER_DIR" PATH="$CLEAN_PATH" LANG=C.UTF-8 LC_ALL=C.UTF-8 \
		setsid "$@" </dev/null >>"$logfile" 2>&1 &
	pid=$!
	start=""
	for _ in $(seq 50); do
		start=$(proc_start "$pid") && [ -n "$start" ] && break
		sleep 0.1
	done
	[ -n "$start" ] || die "$name exited at once; see $logfile"
	echo "$pid $start" >"$CLUSTER_DIR/pids/$name"
}

# stop_pids SIGNAL "PID START"...: signal the live ones, wait, then SIGKILL what remains
stop_pids() {
	local sig=$1 entry pid start left waited=0
	shift
	for entry in "$@"; do
		read -r pid start <<<"$entry"
		proc_alive "$pid" "$start" && kill "-$sig" "$pid" 2>/dev/null || true
	done
	while :; do
		left=0
		for entry in "$@"; do
			read -r pid start <<<"$entry"
			proc_alive "$pid" "$start" && left=$((left + 1))
		done
		[ "$left" -eq 0 ] && return 0
		if [ "$waited" -ge $((STOP_TIMEOUT * 10)) ]; then
			echo "$(basename "$0"): $left process(es) did not stop in ${STOP_TIMEOUT}s: SIGKILL" >&2
			for entry in "$@"; do
				read -r pid start <<<"$entry"
				proc_alive "$pid" "$start" && kill -KILL "$pid" 2>/dev/null || true
			done
			sleep 1
			return 0
		fi
		sleep 0.1
		waited=$((waited + 1))
	done
}

recorded() { # recorded NAME...: the "PID START" lines of the named recorded processes
	local n
	for n in "$@"; do
		[ -f "$CLUSTER_DIR/pids/$n" ] && cat "$CLUSTER_DIR/pids/$n"
	done
	return 0
}

# "PID START" of the postmaster of data directory $1, if it runs (its cmdline names the directory)
postmaster_of() {
	local data=$1 pid start
	[ -f "$data/postmaster.pid" ] || return 0
	pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null) || return 0
	case "$pid" in ''|*[!0-9]*) return 0 ;; esac
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$data" || return 0
	start=$(proc_start "$pid") || return 0
	proc_alive "$pid" "$start" && echo "$pid $start"
	return 0
}

# --- down ----------------------------------------------------------------------------------------

do_down() {
	local i entries=()
	[ -d "$CLUSTER_DIR" ] || { log "nothing to stop: no $CLUSTER_DIR"; return 0; }
	[ -f "$CLUSTER_DIR/$MARKER" ] || die "$CLUSTER_DIR is not a cluster run directory (no $MARKER): not touching it"
	log "stopping the cluster in $CLUSTER_DIR"
	mapfile -t entries < <(recorded pgbouncer haproxy)
	[ "${#entries[@]}" -eq 0 ] || stop_pids TERM "${entries[@]}"
	# Patroni stops its postgres on SIGTERM; all three at once, so nobody fails over meanwhile
	mapfile -t entries < <(for i in $(seq $NODES); do recorded "patroni$i"; done)
	[ "${#entries[@]}" -eq 0 ] || stop_pids TERM "${entries[@]}"
	# postmasters left behind (a SIGKILLed Patroni): fast shutdown
	entries=()
	for i in $(seq $NODES); do
		mapfile -t -O "${#entries[@]}" entries < <(postmaster_of "$CLUSTER_DIR/node$i/data")
	done
	[ "${#entries[@]}" -eq 0 ] || { log "stopping ${#entries[@]} orphaned postmaster(s)"; stop_pids INT "${entries[@]}"; }
	mapfile -t entries < <(recorded etcd)
	[ "${#entries[@]}" -eq 0 ] || stop_pids TERM "${entries[@]}"
	rm -rf "$CLUSTER_DIR"
	log "stopped; removed $CLUSTER_DIR"
}

# --- up ------------------------------------------------------------------------------------------

install_missing() {
	local missing=() pkg
	for pkg in patroni etcd-server etcd-client haproxy pgbouncer postgresql-15 postgresql-client-15 postgresql-contrib; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
		apt-get update -q >/dev/null
		apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
	}
	# the packages' own services (Debian starts them unless policy-rc.d says no): not ours, but they
	# would hold ports 2379/5432/6432; leave them alone, only warn
	for pkg in etcd haproxy pgbouncer; do
		systemctl is-active --quiet "$pkg" 2>/dev/null && log "note: the system's $pkg service is running (not used here)"
	done
	return 0
}

# a port is free when no socket of any state (listening, connected, TIME-WAIT) uses it locally
port_free() { ! ss -Htan "sport = :$1" | grep -q .; }

# a base port with 20 consecutive free ports, scanning from CLUSTER_PORT_START (56000) in steps of
# 20 and skipping the kernel's ephemeral range (ip_local_port_range, 32768-60999 on Debian): the
# cluster's own outgoing connections (HAProxy checks, Patroni, PgBouncer) take local ports from that
# range, and one landing on a node's port while its postmaster restarts (switchover, rewind) makes
# the restart fail with "Address already in use" -- seen here with a scan inside the range
find_ports() {
	local base p ok lo hi
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range || { lo=32768; hi=60999; }
	for base in $(seq "${CLUSTER_PORT_START:-56000}" 20 65515); do
		[ $((base + 19)) -lt "$lo" ] || [ "$base" -gt "$hi" ] || continue
		ok=1
		for p in $(seq "$base" $((base + 19))); do
			port_free "$p" || { ok=0; break; }
		done
		[ "$ok" = 1 ] && { echo "$base"; return 0; }
	done
	die "no 20 free consecutive ports from ${CLUSTER_PORT_START:-56000} outside the ephemeral range $lo-$hi"
}

randpw() { openssl rand -hex 16; }

write_configs() {
	local base=$1 i
	ETCD_PORT=$base
	ETCD_PEER_PORT=$((base + 1))
	RW_PORT=$((base + 2))
	RO_PORT=$((base + 3))
	BOUNCER_PORT=$((base + 4))
	for i in $(seq $NODES); do
		PG_PORT[$i]=$((base + 4 + i))      # base+5..7
		REST_PORT[$i]=$((base + 7 + i))    # base+8..10
	done
	SU_PW=$(randpw)
	REPL_PW=$(randpw)
	REWIND_PW=$(randpw)
	CAPACITY_PW=$(randpw)

	mkdir -p "$CLUSTER_DIR"/{pids,etcd,haproxy,pgbouncer}
	touch "$CLUSTER_DIR/$MARKER"

	# client pgpass (Patroni keeps its own per node, rewritten from its YAML)
	{
		echo "127.0.0.1:*:*:postgres:$SU_PW"
		echo "127.0.0.1:*:*:replicator:$REPL_PW"
		echo "127.0.0.1:*:*:rewinder:$REWIND_PW"
	} >"$CLUSTER_DIR/pgpass"
	chmod 600 "$CLUSTER_DIR/pgpass"
	# the servers' own password file for the cluster view's member connections
	# (pg_capacity.cluster_conninfo's passfile; pg_monitor only, never a superuser)
	echo "127.0.0.1:*:postgres:pgcap_cluster:$CAPACITY_PW" >"$CLUSTER_DIR/pgpass.cluster"
	chown postgres:postgres "$CLUSTER_DIR/pgpass.cluster"
	chmod 600 "$CLUSTER_DIR/pgpass.cluster"

	cat >"$CLUSTER_DIR/etcd/etcd.yml" <<EOF
name: etcd1
data-dir: $CLUSTER_DIR/etcd/data
listen-client-urls: http://127.0.0.1:$ETCD_PORT
advertise-client-urls: http://127.0.0.1:$ETCD_PORT
listen-peer-urls: http://127.0.0.1:$ETCD_PEER_PORT
initial-advertise-peer-urls: http://127.0.0.1:$ETCD_PEER_PORT
initial-cluster: etcd1=http://127.0.0.1:$ETCD_PEER_PORT
initial-cluster-state: new
initial-cluster-token: pgcap-$base
enable-v2: false
# read from a file, an absent key means off; Patroni's etcd3 client needs the JSON gateway
enable-grpc-gateway: true
EOF

	for i in $(seq $NODES); do
		mkdir -p "$CLUSTER_DIR/node$i/pglog"
		cat >"$CLUSTER_DIR/node$i/patroni.yml" <<EOF
scope: $SCOPE
namespace: /pgcap/
name: node$i
log:
  level: INFO
restapi:
  listen: 127.0.0.1:${REST_PORT[$i]}
  connect_address: 127.0.0.1:${REST_PORT[$i]}
etcd3:
  hosts: 127.0.0.1:$ETCD_PORT
bootstrap:
  dcs:
    ttl: 20
    loop_wait: 2
    retry_timeout: 5
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    primary_start_timeout: 0
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_log_hints: 'on'
  initdb:
    - encoding: UTF8
    - locale: C
postgresql:
  listen: 127.0.0.1:${PG_PORT[$i]}
  connect_address: 127.0.0.1:${PG_PORT[$i]}
  data_dir: $CLUSTER_DIR/node$i/data
  bin_dir: $PGBIN
  pgpass: $CLUSTER_DIR/node$i/pgpass.patroni
  authentication:
    superuser:
      username: postgres
      password: '$SU_PW'
    replication:
      username: replicator
      password: '$REPL_PW'
    rewind:
      username: rewinder
      password: '$REWIND_PW'
  pg_hba:
    - local all all peer
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host all all 127.0.0.1/32 scram-sha-256
  basebackup:
    checkpoint: fast
  parameters:
    shared_preload_libraries: 'pg_capacity,pg_stat_statements'
    pg_capacity.sample_interval: 1s
    # the cluster view: members from this node's Patroni, reached as pgcap_cluster
    pg_capacity.patroni_url: 'http://127.0.0.1:${REST_PORT[$i]}'
    pg_capacity.cluster_conninfo: 'user=pgcap_cluster dbname=postgres passfile=$CLUSTER_DIR/pgpass.cluster sslmode=disable'
    # three nodes share this host: each sizes itself for a 2GB share, not the host's RAM
    pg_capacity.memory: 2GB
    wal_log_hints: 'on'
    password_encryption: scram-sha-256
    unix_socket_directories: '$CLUSTER_DIR/node$i'
    logging_collector: 'on'
    log_directory: '$CLUSTER_DIR/node$i/pglog'
    log_filename: 'postgresql.log'
    log_line_prefix: '%m [%p] %q%u@%d '
    lc_messages: C
EOF
	done

	{
		cat <<EOF
global
    maxconn 400

defaults
    mode tcp
    timeout connect 4s
    timeout client 30m
    timeout server 30m
    timeout check 2s

EOF
		local kind uri port
		for kind in rw ro; do
			if [ "$kind" = rw ]; then uri=/primary; port=$RW_PORT; else uri=/replica; port=$RO_PORT; fi
			cat <<EOF
listen $kind
    bind 127.0.0.1:$port
    option httpchk
    http-check send meth OPTIONS uri $uri
    http-check expect status 200
    default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions
EOF
			for i in $(seq $NODES); do
				echo "    server node$i 127.0.0.1:${PG_PORT[$i]} maxconn 100 check port ${REST_PORT[$i]}"
			done
			echo
		done
	} >"$CLUSTER_DIR/haproxy/haproxy.cfg"

	printf '"postgres" "%s"\n' "$SU_PW" >"$CLUSTER_DIR/pgbouncer/userlist.txt"
	chmod 600 "$CLUSTER_DIR/pgbouncer/userlist.txt"
	cat >"$CLUSTER_DIR/pgbouncer/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=$RW_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir = $CLUSTER_DIR/pgbouncer
auth_type = scram-sha-256
auth_file = $CLUSTER_DIR/pgbouncer/userlist.txt
admin_users = postgres
pool_mode = transaction
max_client_conn = 200
default_pool_size = 20
server_login_retry = 1
server_idle_timeout = 600
ignore_startup_parameters = extra_float_digits
EOF

	local configs="" ports=""
	for i in $(seq $NODES); do
		configs="$configs $CLUSTER_DIR/node$i/patroni.yml"
		ports="$ports ${PG_PORT[$i]}"
	done
	cat >"$CLUSTER_DIR/cluster.env" <<EOF
CLUSTER_DIR='$CLUSTER_DIR'
CLUSTER_SCOPE='$SCOPE'
CLUSTER_HOST='127.0.0.1'
CLUSTER_RW_PORT=$RW_PORT
CLUSTER_RO_PORT=$RO_PORT
CLUSTER_BOUNCER_PORT=$BOUNCER_PORT
CLUSTER_ETCD_PORT=$ETCD_PORT
CLUSTER_NODE_NAMES='$(seq -s ' ' -f 'node%g' 1 $NODES)'
CLUSTER_NODE_PORTS='${ports# }'
CLUSTER_REST_PORTS='$(for i in $(seq $NODES); do printf '%s ' "${REST_PORT[$i]}"; done | sed 's/ $//')'
CLUSTER_PATRONI_CONFIGS='${configs# }'
CLUSTER_PGLOGS='$(for i in $(seq $NODES); do printf '%s ' "$CLUSTER_DIR/node$i/pglog/postgresql.log"; done | sed 's/ $//')'
CLUSTER_PGBIN='$PGBIN'
PGPASSFILE='$CLUSTER_DIR/pgpass'
export PGPASSFILE
EOF
	chown -R postgres:postgres "$CLUSTER_DIR"
	chmod 700 "$CLUSTER_DIR"
}

# q PORT SQL: one value from a server as superuser over TCP (root's client, the run's pgpass)
q() {
	PGPASSFILE="$CLUSTER_DIR/pgpass" PGCONNECT_TIMEOUT=3 \
		"$PGBIN/psql" -X -At -h 127.0.0.1 -p "$1" -U postgres -d postgres -c "$2" 2>/dev/null
}

# the primary's REST view: "leader-name streaming-replicas"
cluster_state() {
	curl -s --max-time 2 "http://127.0.0.1:${REST_PORT[1]}/cluster" | /usr/bin/python3 -c '
import json, sys
c = json.load(sys.stdin)
lead = [m["name"] for m in c["members"] if m["role"] == "leader" and m["state"] == "running"]
print(lead[0] if lead else "-", sum(1 for m in c["members"] if m["role"] != "leader" and m["state"] in ("running", "streaming")))
' 2>/dev/null || echo "- 0"
}

do_up() {
	local t0 base i deadline leader nrep streaming
	[ "$(id -u)" -eq 0 ] || die "run as root (the daemons run as the postgres OS user)"
	if [ -e "$CLUSTER_DIR" ]; then
		[ -f "$CLUSTER_DIR/$MARKER" ] || die "$CLUSTER_DIR exists and is not a cluster run directory"
		for f in "$CLUSTER_DIR"/pids/*; do
			[ -f "$f" ] || continue
			read -r pid start <"$f"
			proc_alive "$pid" "$start" && die "a cluster is already up in $CLUSTER_DIR (run: $0 down)"
		done
		log "removing the stale run directory $CLUSTER_DIR"
		do_down
	fi
	t0=$(date +%s.%N)
	install_missing
	id postgres >/dev/null 2>&1 || die "no postgres OS user"
	[ -f "$PGBIN/postgres" ] || die "no PostgreSQL 15 in $PGBIN"
	[ -f "$("$PGBIN/pg_config" --pkglibdir 2>/dev/null || echo /usr/lib/postgresql/15/lib)/pg_capacity.so" ] ||
		die "pg_capacity is not installed: make && make install"
	t_inst=$(date +%s.%N)

	trap up_exit EXIT
	trap 'exit 130' INT TERM

	base=$(find_ports)
	mkdir -p "$CLUSTER_DIR"
	chmod 700 "$CLUSTER_DIR"
	write_configs "$base"
	log "run directory $CLUSTER_DIR, ports $base-$((base + 10))"

	start_daemon etcd "$CLUSTER_DIR/etcd/etcd.log" etcd --config-file "$CLUSTER_DIR/etcd/etcd.yml"
	deadline=$((SECONDS + 30))
	until curl -s --max-time 1 "http://127.0.0.1:$ETCD_PORT/health" | grep -q '"health":"true"'; do
		[ $SECONDS -lt $deadline ] || die "etcd not healthy in 30 s; see $CLUSTER_DIR/etcd/etcd.log"
		sleep 0.2
	done

	# node1 first so it bootstraps; the others clone from it
	for i in $(seq $NODES); do
		start_daemon "patroni$i" "$CLUSTER_DIR/node$i/patroni.log" patroni "$CLUSTER_DIR/node$i/patroni.yml"
		[ "$i" -eq 1 ] && sleep 1
	done
	start_daemon haproxy "$CLUSTER_DIR/haproxy/haproxy.log" haproxy -db -f "$CLUSTER_DIR/haproxy/haproxy.cfg"
	start_daemon pgbouncer "$CLUSTER_DIR/pgbouncer/pgbouncer.log" pgbouncer "$CLUSTER_DIR/pgbouncer/pgbouncer.ini"

	log "waiting (at most ${UP_TIMEOUT}s) for a leader, 2 streaming replicas, HAProxy and PgBouncer"
	deadline=$((SECONDS + UP_TIMEOUT))
	while :; do
		read -r leader nrep < <(cluster_state)
		streaming=0
		if [ "$leader" != "-" ]; then
			i=${leader#node}
			streaming=$(q "${PG_PORT[$i]}" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" || echo 0)
		fi
		if [ "$nrep" = 2 ] && [ "${streaming:-0}" = 2 ] &&
			[ "$(q "$RW_PORT" 'SELECT pg_is_in_recovery()')" = f ] &&
			[ "$(q "$RO_PORT" 'SELECT pg_is_in_recovery()')" = t ] &&
			[ "$(q "$BOUNCER_PORT" 'SELECT 1')" = 1 ]; then
			break
		fi
		for f in "$CLUSTER_DIR"/pids/*; do
			read -r pid start <"$f"
			proc_alive "$pid" "$start" || die "${f##*/} died during bring-up"
		done
		[ $SECONDS -lt $deadline ] || die "not ready in ${UP_TIMEOUT}s (leader=$leader replicas=$nrep streaming=$streaming)"
		sleep 0.5
	done
	t_ready=$(date +%s.%N)

	PGPASSFILE="$CLUSTER_DIR/pgpass" "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$RW_PORT" \
		-U postgres -d postgres -c 'CREATE EXTENSION IF NOT EXISTS pg_capacity' \
		-c "CREATE ROLE pgcap_cluster LOGIN PASSWORD '$(cut -d: -f5 "$CLUSTER_DIR/pgpass.cluster")' IN ROLE pg_monitor" ||
		die "CREATE EXTENSION pg_capacity (and the cluster view's role) failed"
	trap - EXIT INT TERM
	local t_end
	t_end=$(date +%s.%N)
	echo "up $(awk -v a="$t0" -v b="$t_inst" -v c="$t_ready" -v d="$t_end" \
		'BEGIN { printf "in %.1f s (install check %.1f s, bring-up %.1f s, CREATE EXTENSION %.1f s)", d - a, b - a, c - b, d - c }'); leader $leader"
	echo "bringup_seconds=$(awk -v b="$t_inst" -v c="$t_ready" 'BEGIN { printf "%.1f", c - b }')" >>"$CLUSTER_DIR/timings"
	echo "  rw 127.0.0.1:$RW_PORT  ro 127.0.0.1:$RO_PORT  pgbouncer 127.0.0.1:$BOUNCER_PORT  nodes ${PG_PORT[*]}"
	echo "  eval \"\$(bash $0 env)\"   # then: psql -h 127.0.0.1 -p \$CLUSTER_RW_PORT -U postgres"
}

up_exit() {
	local rc=$?
	trap - EXIT
	[ "$rc" -eq 0 ] || up_failed
	exit "$rc"
}

up_failed() {
	echo "$(basename "$0"): bring-up failed; last log lines:" >&2
	local f
	for f in "$CLUSTER_DIR"/etcd/etcd.log "$CLUSTER_DIR"/node*/patroni.log "$CLUSTER_DIR"/node*/pglog/postgresql.log \
		"$CLUSTER_DIR"/haproxy/haproxy.log "$CLUSTER_DIR"/pgbouncer/pgbouncer.log; do
		[ -f "$f" ] || continue
		echo "---- $f" >&2
		tail -n 8 "$f" >&2 || true
	done
	do_down || true
}

# --- status / env --------------------------------------------------------------------------------

do_status() {
	[ -f "$CLUSTER_DIR/cluster.env" ] || { echo "no cluster in $CLUSTER_DIR"; return 1; }
	local f pid start
	as_pg patronictl -c "$CLUSTER_DIR/node1/patroni.yml" list || true
	for f in "$CLUSTER_DIR"/pids/*; do
		read -r pid start <"$f"
		if proc_alive "$pid" "$start"; then echo "${f##*/}: pid $pid running"; else echo "${f##*/}: pid $pid NOT running"; fi
	done
	cat "$CLUSTER_DIR/timings" 2>/dev/null || true
}

do_env() {
	[ -f "$CLUSTER_DIR/cluster.env" ] || die "no cluster in $CLUSTER_DIR (run: $0 up)"
	cat "$CLUSTER_DIR/cluster.env"
}

declare -a PG_PORT REST_PORT
case "${1:-}" in
up) do_up ;;
down) [ "$(id -u)" -eq 0 ] || die "run as root"; do_down ;;
status) do_status ;;
env) do_env ;;
*) echo "usage: $0 up|down|status|env   (CLUSTER_DIR=$CLUSTER_DIR)" >&2; exit 2 ;;
esac
