#!/bin/bash
# test/cluster/lib.sh: helpers of scenarios.sh, for other cluster scripts too (sourced, not run)
#
# Expects the cluster's environment (eval "$(bash cluster.sh env)") to be loaded before
# cluster_lib_init is called; counts FAILs in $FAILS.

FAILS=${FAILS:-0}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# cluster_start: as root, with nothing of the caller's libpq environment, the caller's cleanup
# function as the exit trap, bring the cluster up ($CLUSTER is cluster.sh) and load its environment
cluster_start() {
	[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
	unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE PGOPTIONS || true
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	bash "$CLUSTER" up
	eval "$(bash "$CLUSTER" env)"
	cluster_lib_init
	BRINGUP=$(sed -n 's/^bringup_seconds=//p' "$CLUSTER_DIR/timings")
}

# cluster_stop NAME RC [EXTRA...]: on failure keep the logs (and EXTRA paths of the run directory)
# in /tmp/pgcap-NAME-logs.*.tar.gz, take the cluster down, say NAME: OK or FAILED, exit
cluster_stop() {
	local name=$1 rc=$2 keep
	shift 2
	trap - EXIT INT TERM
	if { [ "$rc" -ne 0 ] || [ "$FAILS" -ne 0 ]; } && [ -n "${CLUSTER_DIR:-}" ] && [ -d "$CLUSTER_DIR" ]; then
		keep=$(mktemp "/tmp/pgcap-$name-logs.XXXXXX.tar.gz")
		(cd "$CLUSTER_DIR" && tar czf "$keep" --ignore-failed-read etcd/*.log node*/patroni.log node*/pglog \
			haproxy/*.log pgbouncer/*.log ./*.log "$@") 2>/dev/null || true
		echo "logs kept in $keep"
	fi
	bash "$CLUSTER" down || rc=1
	[ "$FAILS" -eq 0 ] || rc=1
	[ "$rc" -eq 0 ] && echo "$name: OK" || echo "$name: FAILED" >&2
	exit "$rc"
}

# after eval "$(cluster.sh env)": arrays of the node ports, REST ports and Patroni configs
cluster_lib_init() {
	read -r -a NODE_PORTS <<<"$CLUSTER_NODE_PORTS"
	read -r -a REST_PORTS <<<"$CLUSTER_REST_PORTS"
	read -r -a CONFIGS <<<"$CLUSTER_PATRONI_CONFIGS"
	PSQL="$CLUSTER_PGBIN/psql"
	PGBENCH="$CLUSTER_PGBIN/pgbench"
}

# q PORT SQL: one result as text, empty on any error (short timeouts: this is a probe)
q() {
	PGCONNECT_TIMEOUT=2 PGOPTIONS='-c statement_timeout=3s' \
		"$PSQL" -X -q -At -F, -h 127.0.0.1 -p "$1" -U postgres -d postgres -c "$2" 2>/dev/null || true
}

# poll SECONDS CMD...: until CMD succeeds; returns 1 on timeout
poll() {
	local deadline
	deadline=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.5
	done
}

# members as "name role state" lines, from whichever Patroni REST API answers
members() {
	local p
	for p in "${REST_PORTS[@]}"; do
		curl -s --max-time 2 "http://127.0.0.1:$p/cluster" | /usr/bin/python3 -c '
import json, sys
for m in json.load(sys.stdin)["members"]:
    print(m["name"], m["role"], m["state"])' 2>/dev/null && return 0
	done
	return 1
}
port_of() { echo "${NODE_PORTS[$((${1#node} - 1))]}"; }
leader() { members | awk '$2 == "leader" { print $1 }'; }
sync_standby() { members | awk '$2 == "sync_standby" { print $1; exit }'; }

# patronictl as postgres with a clean environment (as the daemons run)
patronictl_pg() {
	setpriv --reuid postgres --regid postgres --init-groups -- env -i HOME="$CLUSTER_DIR" \
		PATH=/usr/bin:/bin LC_ALL=C.UTF-8 patronictl -c "${CONFIGS[0]}" "$@"
}

# the server logs hold no crashed process and no ERROR from pg_capacity
check_server_logs() {
	local bad
	bad=$(grep -H 'terminated by signal' $CLUSTER_PGLOGS 2>/dev/null || true)
	[ -z "$bad" ] && pass "no 'terminated by signal' in the server logs" || fail "server logs: $bad"
	bad=$(grep -H -E 'ERROR|PANIC' $CLUSTER_PGLOGS 2>/dev/null | grep -i 'pg_capacity' || true)
	[ -z "$bad" ] && pass "no ERROR or PANIC mentioning pg_capacity in the server logs" || fail "server logs: $bad"
}
