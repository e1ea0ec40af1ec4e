#!/usr/bin/env bash
# tps_cost_bench.sh: what a transaction costs in CPU as the load grows, and
# what tps_capacity() predicts from light load.
#
#   bash test/bench/tps_cost_bench.sh    (as root, from any directory; ~5 min)
#
# Starts a throwaway PostgreSQL 15 (test/bench/lib.sh; pg_capacity
# preloaded, 1 s samples, synchronous_commit = off) and moves the postmaster
# and its children into a cgroup v1 cpu,cpuacct group of one CPU
# (cpu.cfs_quota_us = cpu.cfs_period_us); pgbench runs outside it.  For
# select-only (-S) and tpcb-like, pgbench -c 4 -j 2 at each rate of
# TPS_RATES_S / TPS_RATES_B for TPS_SECONDS, then unthrottled, and prints per
# run: pgbench's tps, the group's CPU (cpuacct.usage), and the user and
# system CPU per transaction (cpuacct.stat).  After the light rates (the
# first three, 25 to 45 % CPU or so) it prints tps_capacity() of that
# history, and after the unthrottled run the ratio of its prediction to the
# measured saturation.
#
# Environment: TPS_RATES_S (1000 2000 3000 6000 9000), TPS_RATES_B
# (200 400 600 1000 1400), TPS_SECONDS (15), TPS_PORT (54371), PG_CONFIG.
set -euo pipefail
# shellcheck source=test/bench/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

SECS=${TPS_SECONDS:-15}
case "$SECS" in *[!0-9]*|'') die "TPS_SECONDS must be a positive integer" ;; esac
CG=pg_capacity_bench.$$
for c in cpu cpuacct; do
	[ -w "/sys/fs/cgroup/$c" ] || die "/sys/fs/cgroup/$c is not a writable cgroup v1 hierarchy (run as root, on cgroup v1)"
done

bench_start_server tpscost "${TPS_PORT:-54371}" "shared_preload_libraries = 'pg_capacity'
pg_capacity.sample_interval = 1s
synchronous_commit = off
max_connections = 40"

for c in cpu cpuacct; do mkdir -p "/sys/fs/cgroup/$c/$CG"; done
cat "/sys/fs/cgroup/cpu/$CG/cpu.cfs_period_us" >"/sys/fs/cgroup/cpu/$CG/cpu.cfs_quota_us"
cg_down() {
	local c
	pg_stop "$BENCH_DATA" && BENCH_STARTED=0
	for c in cpu cpuacct; do rmdir "/sys/fs/cgroup/$c/$CG" 2>/dev/null || true; done
}
trap 'cg_down; bench_cleanup' EXIT
pm=$(head -n 1 "$BENCH_DATA/postmaster.pid")
for p in $pm $(ps -o pid= --ppid "$pm"); do
	for c in cpu cpuacct; do echo "$p" >"/sys/fs/cgroup/$c/$CG/cgroup.procs" 2>/dev/null || true; done
done
ACCT=/sys/fs/cgroup/cpuacct/$CG
CLK=$(getconf CLK_TCK)

bench_psql postgres -qc "CREATE EXTENSION pg_capacity"
as_pg pgbench -i -q -s 10 -h "$BENCH_WORK" -p "$BENCH_PORT" postgres >/dev/null 2>&1

# one run: pgbench's tps, CPU %, user and system microseconds per transaction
run() {
	local args=$1 u0 s0 n0 u1 s1 n1 tps
	read -r u0 s0 < <(awk '{print $2}' "$ACCT/cpuacct.stat" | paste -sd' ')
	n0=$(cat "$ACCT/cpuacct.usage")
	tps=$(as_pg pgbench -n -c 4 -j 2 $args -T "$SECS" -h "$BENCH_WORK" -p "$BENCH_PORT" postgres 2>&1 |
		sed -n 's/^tps = \([0-9.]*\) (without.*/\1/p')
	read -r u1 s1 < <(awk '{print $2}' "$ACCT/cpuacct.stat" | paste -sd' ')
	n1=$(cat "$ACCT/cpuacct.usage")
	awk -v a="$args" -v t="$tps" -v du=$((u1 - u0)) -v ds=$((s1 - s0)) -v dn=$((n1 - n0)) \
		-v s="$SECS" -v clk="$CLK" 'BEGIN {
		printf "%-16s %9.0f %6.1f %10.0f %10.0f %10.0f\n", a, t, dn / (s * 1e7),
			du / clk * 1e6 / (t * s), ds / clk * 1e6 / (t * s), dn / 1e3 / (t * s) }'
	LAST_TPS=$tps
}

for mix in select-only tpcb-like; do
	if [ "$mix" = select-only ]; then opt=-S; rates=${TPS_RATES_S:-1000 2000 3000 6000 9000}
	else opt=""; rates=${TPS_RATES_B:-200 400 600 1000 1400}; fi
	log "$mix"
	bench_psql postgres -qAtc "SELECT capacity.reset_history()" >/dev/null
	sleep 2
	printf '%-16s %9s %6s %10s %10s %10s\n' run tps 'cpu%' 'user us/tx' 'sys us/tx' 'cpu us/tx'
	i=0
	for r in $rates; do
		run "$opt -R $r"
		i=$((i + 1))
		if [ "$i" = 3 ]; then
			PRED=$(bench_psql postgres -Atc "SELECT basis || ' ' || round(saturation_tps) || ' (r2 ' || round(r_squared::numeric, 2) || ', ' || samples || ' points ' || load_range || ')' FROM capacity.tps_capacity()")
		fi
	done
	run "$opt"
	awk -v p="$PRED" -v t="$LAST_TPS" 'BEGIN { split(p, f, " ");
		printf "tps_capacity() after the first three rates: %s; measured saturation %.0f: ratio %.2f\n\n", p, t, f[2] / t }'
done
