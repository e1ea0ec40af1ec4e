#!/bin/bash
# test/cluster/smoke.sh: pg_capacity in a 3-node Patroni cluster, end to end (about 30 s)
#
#   bash test/cluster/smoke.sh        # as root; CLUSTER_DIR as for cluster.sh
#
# Brings the cluster up with cluster.sh, then checks: every node's sampler reports its role, the
# primary counts 2 standbys, a 10 s pgbench through PgBouncer works, a switchover to the sync standby
# brings writes back through HAProxy on the new primary (timed), the new primary's sampler turns
# primary, the old primary rejoins as a replica (its sampler turning standby), no acknowledged
# probe write is lost, and no server log holds "terminated by signal" or an ERROR naming pg_capacity. Prints PASS/FAIL lines and a
# short report; exits non-zero on any FAIL. The cluster is always taken down (trap); on failure the
# logs are kept in /tmp/pgcap-smoke-logs.*.tar.gz first.

set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CLUSTER="$HERE/cluster.sh"
POLL=${SMOKE_POLL_TIMEOUT:-60}     # seconds for each polled condition
FAILS=0
T_START=$(date +%s.%N)
# shellcheck source=test/cluster/lib.sh
. "$HERE/lib.sh"

cleanup() { cluster_stop smoke $?; }

cluster_start

# --- 1. the sampler's role on every node ---
LEADER=$(leader || true)
[ -n "$LEADER" ] || { fail "no leader"; exit 1; }
roles_ok() {
	local n role want
	for n in $CLUSTER_NODE_NAMES; do
		want=standby
		[ "$n" = "$LEADER" ] && want=primary
		role=$(q "$(port_of "$n")" 'SELECT role FROM capacity.sampler_status()')
		[ "$role" = "$want" ] || return 1
	done
}
if poll "$POLL" roles_ok; then
	pass "sampler_status(): role primary on $LEADER, standby on the two replicas"
else
	fail "sampler_status() roles: $(for n in $CLUSTER_NODE_NAMES; do printf '%s=%s ' "$n" "$(q "$(port_of "$n")" 'SELECT role FROM capacity.sampler_status()')"; done)"
fi

# --- 2. the primary counts its standbys ---
standbys_is() { [ "$(q "$(port_of "$LEADER")" "SELECT value FROM capacity.latest() WHERE metric = 'standbys'")" = "$1" ]; }
if poll "$POLL" standbys_is 2; then
	pass "latest() standbys = 2 on the primary"
else
	fail "latest() standbys on the primary: '$(q "$(port_of "$LEADER")" "SELECT value FROM capacity.latest() WHERE metric = 'standbys'")', want 2"
fi

# --- 3. pgbench through PgBouncer ---
TPS=-
log "pgbench -i -s 5 through the rw port, then -c 4 -T 10 through PgBouncer"
if "$CLUSTER_PGBIN/pgbench" -i -q -s 5 -h 127.0.0.1 -p "$CLUSTER_RW_PORT" -U postgres postgres >"$CLUSTER_DIR/pgbench-init.log" 2>&1; then
	if "$CLUSTER_PGBIN/pgbench" -n -c 4 -j 2 -T 10 -h 127.0.0.1 -p "$CLUSTER_BOUNCER_PORT" -U postgres postgres \
		>"$CLUSTER_DIR/pgbench.log" 2>&1; then
		TPS=$(sed -n 's/^tps = \([0-9]*\)\.[0-9]* (without initial connection time)/\1/p' "$CLUSTER_DIR/pgbench.log")
		FAILED_TX=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$CLUSTER_DIR/pgbench.log")
		if [ -n "$TPS" ] && [ "${FAILED_TX:-0}" = 0 ]; then
			pass "pgbench through PgBouncer: $TPS TPS"
		else
			fail "pgbench: no TPS or failed transactions ($(tail -n 3 "$CLUSTER_DIR/pgbench.log" | tr '\n' ' '))"
		fi
	else
		fail "pgbench run: $(tail -n 3 "$CLUSTER_DIR/pgbench.log" | tr '\n' ' ')"
	fi
else
	fail "pgbench -i: $(tail -n 3 "$CLUSTER_DIR/pgbench-init.log" | tr '\n' ' ')"
fi

# --- 4. switchover to the sync standby (synchronous_mode accepts no other candidate) ---
q "$CLUSTER_RW_PORT" 'CREATE TABLE smoke_probe (id bigint PRIMARY KEY, port int, at timestamptz DEFAULT now())' >/dev/null
CANDIDATE=$(sync_standby || true)
OLD=$LEADER
SW_WRITES=-
if [ -z "$CANDIDATE" ]; then
	fail "no sync standby to switch over to"
else
	NEW_PORT=$(port_of "$CANDIDATE")
	log "switchover $OLD -> $CANDIDATE, writing through HAProxy meanwhile"
	: >"$CLUSTER_DIR/acked"
	T_SW=$(now)
	patronictl_pg switchover --leader "$OLD" --candidate "$CANDIDATE" --force \
		>"$CLUSTER_DIR/switchover.log" 2>&1 &
	SW_PID=$!
	id=0 T_BACK="" T_LAST_OLD="$T_SW"
	deadline=$(($(date +%s) + POLL))
	while [ "$(date +%s)" -lt "$deadline" ]; do
		id=$((id + 1))
		port=$(q "$CLUSTER_RW_PORT" "INSERT INTO smoke_probe (id, port) VALUES ($id, inet_server_port()) RETURNING port")
		[ -n "$port" ] && echo "$id" >>"$CLUSTER_DIR/acked"
		[ -n "$port" ] && [ "$port" != "$NEW_PORT" ] && T_LAST_OLD=$(now)
		if [ "$port" = "$NEW_PORT" ]; then T_BACK=$(now); break; fi
		sleep 0.1
	done
	SW_RC=0
	wait "$SW_PID" || SW_RC=$?
	if [ "$SW_RC" -eq 0 ] && grep -qi 'switched over' "$CLUSTER_DIR/switchover.log"; then
		pass "patronictl switchover $OLD -> $CANDIDATE completed"
	else
		fail "patronictl switchover (rc $SW_RC): $(tail -n 3 "$CLUSTER_DIR/switchover.log" | tr '\n' ' ')"
	fi
	if [ -n "$T_BACK" ]; then
		SW_WRITES=$(secs "$T_SW" "$T_BACK")
		OUTAGE=$(secs "$T_LAST_OLD" "$T_BACK")
		pass "writes through HAProxy land on the new primary $CANDIDATE ${SW_WRITES} s after the switchover command (${OUTAGE} s after the last write acknowledged by $OLD)"
	else
		fail "no write reached $CANDIDATE through HAProxy within ${POLL} s"
	fi
	LEADER=$CANDIDATE
	T_ROLE=""
	if poll "$POLL" eval '[ "$(q "$NEW_PORT" "SELECT role FROM capacity.sampler_status()")" = primary ]'; then
		T_ROLE=$(now)
		pass "sampler on $CANDIDATE reports primary (seen $(secs "$T_SW" "$T_ROLE") s after the switchover command)"
	else
		fail "sampler on $CANDIDATE does not report primary within ${POLL} s"
	fi
	rejoined() {
		[ "$(q "$(port_of "$OLD")" 'SELECT pg_is_in_recovery()')" = t ] &&
			[ "$(q "$NEW_PORT" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" = 2 ]
	}
	if poll 120 rejoined; then
		pass "old primary $OLD rejoined as a streaming replica $(secs "$T_SW" "$(now)") s after the switchover command"
	else
		fail "old primary $OLD did not rejoin as a streaming replica in 120 s ($(members | tr '\n' ';'))"
	fi
	if poll "$POLL" eval '[ "$(q "$(port_of "$OLD")" "SELECT role FROM capacity.sampler_status()")" = standby ]'; then
		pass "sampler on the old primary $OLD reports standby"
	else
		fail "sampler on the old primary $OLD does not report standby within ${POLL} s"
	fi
	if poll "$POLL" standbys_is 2; then
		pass "latest() standbys = 2 on the new primary"
	else
		fail "latest() standbys on the new primary is not 2"
	fi
	ACKED=$(wc -l <"$CLUSTER_DIR/acked")
	FOUND=$(q "$NEW_PORT" "SELECT count(*) FROM smoke_probe WHERE id IN ($(paste -sd, "$CLUSTER_DIR/acked"))")
	if [ "$FOUND" = "$ACKED" ]; then
		pass "all $ACKED acknowledged probe writes are on the new primary"
	else
		fail "acknowledged probe writes: $ACKED, found on the new primary: '$FOUND'"
	fi
fi

# --- 5. server logs ---
check_server_logs

echo
echo "report: bring-up ${BRINGUP} s, pgbench ${TPS} TPS (4 clients via PgBouncer, tpcb-like, scale 5)," \
	"switchover-to-writes ${SW_WRITES} s (outage ${OUTAGE:--} s), total $(secs "$T_START" "$(now)") s (before teardown), FAILs: $FAILS"
