#!/usr/bin/env bash
# bench.sh: what pg_capacity costs (a benchmark, not a timed test).
#
#   bash test/bench/bench.sh                    (as root, from any directory; ~10 min)
#   BENCH_QUICK=1 bash test/bench/bench.sh      (smoke run, ~4 min)
#
# Measures, on two throwaway PostgreSQL 15 servers (ports BENCH_PORT and
# BENCH_PORT + 1, unix sockets in a temp dir under /tmp, servers and pgbench
# run as the postgres OS user):
#  1. Throughput overhead, side by side (the headline figure).  Two data
#     directories A and B set up identically (initdb, same postgresql.conf,
#     pgbench -i -s 10 in each).  In every round both servers are restarted, one
#     with shared_preload_libraries = 'pg_capacity' (sample_interval = 1s), the
#     other without, and one `pgbench -c 2 -j 1 -T BENCH_ROUND_SECONDS` per
#     server is started at the same moment (in the background, both waited
#     for), so both loads see the same machine noise; the round's ratio is
#     tps(with) / tps(without).  The preload alternates between A and B from
#     round to round, so a difference between the two directories cancels.
#     Reports every round's pair and ratio, the median ratio (target >= 0.99)
#     and the spread of the ratios (max - min).  Done for tpcb-like and
#     select-only (-S).
#     A/A control: after every round the same round again with the preload on
#     neither server (same slots); its median should be ~1.00, and its spread is
#     the method's own noise floor (info rows).
#     Why this: on the shared 2-core VM it was written on, throughput swings
#     35-77 % between identical runs (noise from outside the VM), so the older
#     method (one server restarted alternately with and without the preload)
#     cannot see a 1 % effect.  Side by side removes the slow swings; what is
#     left is fast noise that hits one server more than the other within a round.
#     Why -c 2 -j 1 per side: 6-round A/A trials (10 s rounds) gave a spread of
#     the ratios of 0.10 (tpcb) / 0.11 (select) with -c 2 -j 1, against
#     0.12 / 0.25 with -c 1 -j 1 and 0.19 / 0.23 with -c 4 -j 2; pinning each
#     side to its own CPU (BENCH_PIN=1) was worse (0.15-0.29 with -c 1 or 2),
#     as the outside noise hits one vCPU at a time.  Two clients per side fill
#     the 2 cores without oversubscribing them; the scheduler shares the cores.
#     Even so, one round's ratio is only good to a few %, so the median of
#     BENCH_ROUNDS rounds is the figure, and the A/A row says how far to trust it.
#     The alternated single-server runs are still available (BENCH_ALTERNATE=1,
#     info rows: `pgbench -c 4 -j 2 -T BENCH_SECONDS`, ABBA order, restart before
#     every run, median tps with / median tps without, per-pair ratios).
#  2. The sampler worker's own CPU at a 1 s interval, under load (during the
#     side-by-side rounds with the preload, and the alternated WITH runs if on)
#     and idle: CPU time from /proc/PID/schedstat (ns; utime+stime from
#     /proc/PID/stat as a cross-check), as a share of one core (target < 0.1 %)
#     and per sample taken (raw samples in the window, from
#     capacity.history(..., 'raw')); target < 1 ms.
#  3. The CPU of one sample with BENCH_TABLES (10,000) tables in the database,
#     idle, 1 s interval: with pg_capacity.size_interval = 1s (every sample walks
#     the data directory: the worst case) and with the default 1min.
#  4. For scale, pg_wait_sampling's collector measured the same way, if the
#     Debian package postgresql-15-pg-wait-sampling is installed or installable.
# Parts 2-4 (and the alternated runs) use server A alone, B stopped.
# Ends with a summary table (figure, value, target, pass/fail), also written to
# $BENCH_OUT if set.  Exit status 0 unless the benchmark itself failed.
#
# Each workload starts with an unrecorded 5 s warm-up run (both servers).
# It builds nothing: pg_capacity must be installed (make && make install).
# The servers use synchronous_commit = off and autovacuum = off so that runs are
# CPU-bound and comparable; every run starts after a restart (shutdown
# checkpoint), so no checkpoint falls inside a run (checkpoint_timeout = 1h).
#
# Environment:
#   BENCH_ROUNDS (8)       side-by-side rounds per workload (and as many A/A)
#   BENCH_ROUND_SECONDS (10)     length of one side-by-side round
#   BENCH_CLIENTS (2), BENCH_JOBS (1)  pgbench -c / -j per server, side by side
#   BENCH_AA (1)           1: A/A control rounds; 0: skip them
#   BENCH_PIN (0)          1: pin server A and its pgbench to CPU 0, B to CPU 1
#   BENCH_ALTERNATE (0)    1: also the alternated single-server runs (info)
#   BENCH_PAIRS (5)        WITH/WITHOUT pairs per workload, alternated runs
#   BENCH_SECONDS (15)     length of one alternated run
#   BENCH_MODES ("tpcb select")  workloads for part 1/2 (tpcb, select or both)
#   BENCH_IDLE_SECONDS (30)      idle windows (parts 2, 3, 4)
#   BENCH_TABLES (10000)   tables created for part 3
#   BENCH_SCALE (10)       pgbench -i -s
#   BENCH_WAIT_SAMPLING (auto)   auto: measure pg_wait_sampling, apt-get
#                          installing its package if apt has it; installed: only
#                          if already installed; 0: skip
#   BENCH_PORT (54339; 54340 too), BENCH_OUT (summary file), PG_CONFIG
#   BENCH_QUICK=1          3 rounds x 6 s (alternated: 2 pairs x 8 s), 10 s
#                          idle windows
set -euo pipefail
# shellcheck source=test/scripts/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../scripts/lib.sh"

PORT=${BENCH_PORT:-54339}
PORT_A=$PORT
PORT_B=$((PORT + 1))
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	ROUNDS=${BENCH_ROUNDS:-3}
	ROUND_SECONDS=${BENCH_ROUND_SECONDS:-6}
	PAIRS=${BENCH_PAIRS:-2}
	SECONDS_RUN=${BENCH_SECONDS:-8}
	IDLE_SECONDS=${BENCH_IDLE_SECONDS:-10}
else
	ROUNDS=${BENCH_ROUNDS:-8}
	ROUND_SECONDS=${BENCH_ROUND_SECONDS:-10}
	PAIRS=${BENCH_PAIRS:-5}
	SECONDS_RUN=${BENCH_SECONDS:-15}
	IDLE_SECONDS=${BENCH_IDLE_SECONDS:-30}
fi
CLIENTS=${BENCH_CLIENTS:-2}
JOBS=${BENCH_JOBS:-1}
AA=${BENCH_AA:-1}
ALTERNATE=${BENCH_ALTERNATE:-0}
PIN=${BENCH_PIN:-0}
MODES=${BENCH_MODES:-tpcb select}
NTABLES=${BENCH_TABLES:-10000}
SCALE=${BENCH_SCALE:-10}
WAIT_SAMPLING=${BENCH_WAIT_SAMPLING:-auto}
BENCH_OUT=${BENCH_OUT:-}

# ---------------------------------------------------------------- checks
pg_require_installed "the server and pgbench run as the postgres OS user via runuser"
PKGLIB=$("$PG_CONFIG" --pkglibdir)
SHAREDIR=$("$PG_CONFIG" --sharedir)
[ -f "$SHAREDIR/extension/pg_capacity.control" ] ||
	die "pg_capacity is not installed (pg_capacity.control missing): run 'make && make install' in the source tree first"
for b in pgbench psql pg_ctl initdb; do
	[ -x "$PGBIN/$b" ] || die "$PGBIN/$b missing"
done
case "$ROUNDS$ROUND_SECONDS$CLIENTS$JOBS$PAIRS$SECONDS_RUN$IDLE_SECONDS$NTABLES$SCALE$PORT" in
	*[!0-9]*) die "BENCH_ROUNDS/ROUND_SECONDS/CLIENTS/JOBS/PAIRS/SECONDS/IDLE_SECONDS/TABLES/SCALE/PORT must be positive integers" ;;
esac
[ "$ROUNDS" -ge 1 ] && [ "$CLIENTS" -ge 1 ] && [ "$JOBS" -ge 1 ] || die "BENCH_ROUNDS, BENCH_CLIENTS and BENCH_JOBS must be >= 1"
case "$AA$ALTERNATE$PIN" in [01][01][01]) ;; *) die "BENCH_AA, BENCH_ALTERNATE and BENCH_PIN must be 0 or 1" ;; esac
for m in $MODES; do
	case $m in tpcb | select) ;; *) die "BENCH_MODES: unknown workload '$m' (tpcb, select)" ;; esac
done
for p in "$PORT_A" "$PORT_B"; do
	if ss -ltn 2>/dev/null | grep -qE "[:.]$p\b"; then
		die "port $p is in use (ports BENCH_PORT and BENCH_PORT + 1 are used; set BENCH_PORT)"
	fi
done
[ -r /proc/self/schedstat ] || die "/proc/PID/schedstat not available on this kernel"
CLK_TCK=$(getconf CLK_TCK)
NCPU=$(nproc)
if [ "$PIN" = 1 ]; then
	[ "$NCPU" -ge 2 ] && command -v taskset >/dev/null || die "BENCH_PIN=1 needs 2 CPUs and taskset"
fi
pg_clean_env

# ---------------------------------------------------------------- temp dir, servers, cleanup
# Two data directories, A (port BENCH_PORT) and B (BENCH_PORT + 1), set up the
# same way.  Parts 2-4 and the alternated runs use A alone ($DATA), B stopped.
make_work bench
DATA_A="$WORK/data_a"
DATA_B="$WORK/data_b"
DATA=$DATA_A
cd "$WORK"
START_EPOCH=$(date +%s)

dir_of() { if [ "$1" = a ]; then echo "$DATA_A"; else echo "$DATA_B"; fi; }
port_of() { if [ "$1" = a ]; then echo "$PORT_A"; else echo "$PORT_B"; fi; }
other() { if [ "$1" = a ]; then echo b; else echo a; fi; }
server_running() { [ -f "$1/postmaster.pid" ] && as_pg pg_ctl -D "$1" status >/dev/null 2>&1; }	# $1 = data dir
cleanup() {
	local rc=$? side
	trap - EXIT INT TERM
	for side in a b; do
		if [ -d "$(dir_of $side)" ] && server_running "$(dir_of $side)"; then pg_stop "$(dir_of $side)"; fi
	done
	[ "$rc" -eq 0 ] || tail_logs 30 "$WORK/server_a.log" "$WORK/server_b.log"
	cd /
	rm -rf "$WORK"
	[ "$rc" -eq 0 ] || echo "bench.sh: FAILED (exit $rc)" >&2
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# sql() talks to the server on $CUR_PORT: A's, unless a side-by-side round
# points it at the server that has the preload.
CUR_PORT=$PORT_A
sql() { as_pg psql -X -Atq -v ON_ERROR_STOP=1 -h "$WORK" -p "$CUR_PORT" -d postgres -c "$1"; }

# The settings under test live in an include file rewritten before each restart.
write_conf() {	# $1 = side (a|b), $2 = shared_preload_libraries, $3 = pg_capacity.size_interval
	cat >"$(dir_of "$1")/bench.conf" <<CONF
shared_preload_libraries = '$2'
pg_capacity.sample_interval = 1s
pg_capacity.size_interval = ${3:-1min}
CONF
	chown postgres:postgres "$(dir_of "$1")/bench.conf"
}
stop_side() {	# $1 = side
	if server_running "$(dir_of "$1")"; then
		as_pg pg_ctl -D "$(dir_of "$1")" stop -m fast -w -t 120 >/dev/null
	fi
}
# with BENCH_PIN=1, side A (server and its pgbench) runs on CPU 0, B on CPU 1
as_pg_on() {	# $1 = side, then the command
	local cpu=0
	[ "$1" = a ] || cpu=1
	shift
	if [ "$PIN" = 1 ]; then as_pg taskset -c "$cpu" "$@"; else as_pg "$@"; fi
}
start_side() {	# $1 = side
	as_pg_on "$1" pg_ctl -D "$(dir_of "$1")" -l "$WORK/server_$1.log" -w -t 120 start >/dev/null
}
restart() {	# server A alone (B stopped, never pinned): $1 = preload, $2 = size_interval
	local PIN=0
	stop_side b
	stop_side a
	write_conf a "$1" "${2:-1min}"
	start_side a
}
restart_both() {	# $1 = preload of A, $2 = preload of B
	stop_side a; stop_side b
	write_conf a "$1" 1min; write_conf b "$2" 1min
	start_side a; start_side b
}
reload() {	# server A: $1 = preload (unchanged), $2 = size_interval
	write_conf a "$1" "$2"
	sql "SELECT pg_reload_conf()" >/dev/null
}

# pid of the pg_capacity sampler once it has taken a sample (bounded wait)
sampler_pid() {
	local _ pid
	for _ in $(seq 1 60); do
		pid=$(sql "SELECT worker_pid FROM capacity.sampler_status() WHERE last_sample_at IS NOT NULL" || true)
		if [ -n "$pid" ] && [ -r "/proc/$pid/schedstat" ]; then echo "$pid"; return 0; fi
		sleep 0.5
	done
	die "the pg_capacity sampler did not start sampling within 30 s"
}
# pid of pg_wait_sampling's collector (a child of the postmaster)
collector_pid() {
	local _ pid pm
	pm=$(head -n 1 "$DATA/postmaster.pid")
	for _ in $(seq 1 60); do
		pid=$(ps --ppid "$pm" -o pid=,args= | awk '/wait_sampling/ && !/awk/ {print $1; exit}')
		if [ -n "$pid" ] && [ -r "/proc/$pid/schedstat" ]; then echo "$pid"; return 0; fi
		sleep 0.5
	done
	die "pg_wait_sampling's collector process not found"
}

cpu_ns() { awk '{print $1}' "/proc/$1/schedstat"; }
# utime+stime in clock ticks; the fields after the last ')' (comm may hold spaces)
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
now_ns() { date +%s%N; }
server_ts() { sql "SELECT clock_timestamp()"; }
# raw samples the pg_capacity sampler took in (t0, t1]
samples_between() {
	sql "SELECT count(*) FROM capacity.history('vcpus', '1 hour', 'raw')
	     WHERE sampled_at > '$1'::timestamptz AND sampled_at <= '$2'::timestamptz"
}

# Measure one process's CPU while running a command: sets M_CPU (ns), M_TICKS,
# M_WALL (ns), M_SAMPLES (pg_capacity raw samples, if $2 = capacity).
measure() {	# $1 = pid, $2 = capacity|other, then the command
	local pid=$1 kind=$2 c0 k0 w0 t0 c1 k1 w1 t1
	shift 2
	t0=$(server_ts)
	c0=$(cpu_ns "$pid"); k0=$(cpu_ticks "$pid"); w0=$(now_ns)
	"$@"
	c1=$(cpu_ns "$pid"); k1=$(cpu_ticks "$pid"); w1=$(now_ns)
	t1=$(server_ts)
	[ -r "/proc/$pid/schedstat" ] || die "process $pid went away during the measurement"
	M_CPU=$((c1 - c0)); M_TICKS=$((k1 - k0)); M_WALL=$((w1 - w0))
	if [ "$kind" = capacity ]; then M_SAMPLES=$(samples_between "$t0" "$t1"); else M_SAMPLES=0; fi
}

calc() { awk "BEGIN { printf \"%s\", $1 }"; }
pct() { calc "sprintf(\"%.4f\", $1 / $2 * 100)"; }                       # cpu_ns, wall_ns
per_sample_ms() { if [ "$2" -gt 0 ]; then calc "sprintf(\"%.3f\", $1 / $2 / 1e6)"; else echo n/a; fi; }
ticks_pct() { calc "sprintf(\"%.3f\", $1 / $CLK_TCK * 1e9 / $2 * 100)"; }  # ticks, wall_ns
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END { if (NR % 2) printf "%.4f", v[(NR + 1) / 2]; else printf "%.4f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

SUMMARY=()
add() { SUMMARY+=("$1|$2|$3|$4"); }	# figure, value, target, verdict
verdict() { if [ "$(calc "($1) ? 1 : 0")" = 1 ]; then echo pass; else echo FAIL; fi; }
verdict_ms() { if [ "$1" = n/a ]; then echo FAIL; else verdict "$1 < 1"; fi; }	# per-sample ms

pgbench_run() {	# server A alone: $1 = mode, $2 = seconds (BENCH_SECONDS); prints tps
	local opts=() out
	[ "$1" = select ] && opts=(-S)
	out=$(as_pg pgbench -h "$WORK" -p "$PORT_A" -c 4 -j 2 -T "${2:-$SECONDS_RUN}" "${opts[@]}" postgres 2>&1) \
		|| { echo "$out" >&2; die "pgbench failed"; }
	echo "$out" | awk '/^tps = / {print $3; exit}'
}
# Side by side: one pgbench against A and one against B, started together in
# the background and waited for; sets TPS_A and TPS_B (so call it in the
# current shell, not in $(...); measure() does).
pair_run() {	# $1 = mode, $2 = seconds
	local opts=() pa pb rc=0 side
	[ "$1" = select ] && opts=(-S)
	as_pg_on a pgbench -h "$WORK" -p "$PORT_A" -c "$CLIENTS" -j "$JOBS" -T "$2" "${opts[@]}" postgres >"$WORK/pgbench_a.out" 2>&1 &
	pa=$!
	as_pg_on b pgbench -h "$WORK" -p "$PORT_B" -c "$CLIENTS" -j "$JOBS" -T "$2" "${opts[@]}" postgres >"$WORK/pgbench_b.out" 2>&1 &
	pb=$!
	wait "$pa" || rc=1
	wait "$pb" || rc=1
	for side in a b; do
		[ "$rc" = 0 ] || cat "$WORK/pgbench_$side.out" >&2
	done
	[ "$rc" = 0 ] || die "pgbench failed (side by side)"
	TPS_A=$(awk '/^tps = / {print $3; exit}' "$WORK/pgbench_a.out")
	TPS_B=$(awk '/^tps = / {print $3; exit}' "$WORK/pgbench_b.out")
	[ -n "$TPS_A" ] && [ -n "$TPS_B" ] || die "no tps in the pgbench output"
}
tps_of() { if [ "$1" = a ]; then echo "$TPS_A"; else echo "$TPS_B"; fi; }
ratio_of() { calc "sprintf(\"%.4f\", $1 / $2)"; }
spread_of() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {printf "%.4f", v[NR] - v[1]}'; }	# max - min

# ---------------------------------------------------------------- set-up
section "set-up: two PostgreSQL 15 servers, A on port $PORT_A, B on port $PORT_B, data in $WORK"
log "rounds=$ROUNDS x ${ROUND_SECONDS} s, pgbench -c $CLIENTS -j $JOBS per side, A/A control=$AA," \
	"alternated runs=$ALTERNATE (pairs=$PAIRS seconds=$SECONDS_RUN), modes='$MODES' idle=$IDLE_SECONDS tables=$NTABLES scale=$SCALE"
for side in a b; do
	d=$(dir_of $side)
	# the preload and the sampler's settings: bench.conf, written before each start
	pg_init_server "$d" "$(port_of $side)" "max_connections = 50" "shared_buffers = 256MB" \
		"synchronous_commit = off" "autovacuum = off" "checkpoint_timeout = 1h" "max_wal_size = 8GB" \
		"max_locks_per_transaction = 256" "include = 'bench.conf'" || die "initdb failed"
done
# CREATE EXTENSION with the library preloaded: loading it later in a session
# would (at the time of writing) define its PGC_POSTMASTER settings too late.
# The WITHOUT servers never call its functions, so the library stays unloaded.
restart_both pg_capacity pg_capacity
for side in a b; do
	CUR_PORT=$(port_of $side)
	sql "CREATE EXTENSION pg_capacity" >/dev/null
	log "pgbench -i -s $SCALE ($side)"
	as_pg pgbench -i -q -s "$SCALE" -h "$WORK" -p "$CUR_PORT" postgres >"$WORK/init_$side.log" 2>&1 \
		|| { cat "$WORK/init_$side.log"; die "pgbench -i failed"; }
	sql "CHECKPOINT" >/dev/null
done
CUR_PORT=$PORT_A

# ---------------------------------------------------------------- 1 + 2: overhead, CPU under load
for mode in $MODES; do
	SUM_CPU=0; SUM_TICKS=0; SUM_WALL=0; SUM_SAMPLES=0

	section "1. throughput, $mode, side by side: $ROUNDS rounds of ${ROUND_SECONDS} s, pgbench -c $CLIENTS -j $JOBS per side"
	[ "$AA" = 1 ] && echo "each round is followed by an A/A control round (no preload on either side, same slots)"
	printf '%-5s %-5s %-4s %11s %11s %8s %14s %9s %11s\n' round kind with "tps with" "tps w/o" ratio "sampler cpu%" samples "ms/sample"
	# one unrecorded warm-up round (page cache, first run after pgbench -i)
	restart_both "" ""
	pair_run "$mode" 5
	RATIOS=(); AA_RATIOS=()
	for r in $(seq 1 "$ROUNDS"); do
		# the preload alternates between the data directories: A, B, A, ...
		if [ $((r % 2)) = 1 ]; then w=a; else w=b; fi
		o=$(other $w)
		if [ "$w" = a ]; then restart_both pg_capacity ""; else restart_both "" pg_capacity; fi
		CUR_PORT=$(port_of $w)
		pid=$(sampler_pid)
		sleep 2
		measure "$pid" capacity pair_run "$mode" "$ROUND_SECONDS"
		CUR_PORT=$PORT_A
		ratio=$(ratio_of "$(tps_of $w)" "$(tps_of $o)")
		RATIOS+=("$ratio")
		SUM_CPU=$((SUM_CPU + M_CPU)); SUM_TICKS=$((SUM_TICKS + M_TICKS))
		SUM_WALL=$((SUM_WALL + M_WALL)); SUM_SAMPLES=$((SUM_SAMPLES + M_SAMPLES))
		printf '%-5s %-5s %-4s %11s %11s %8s %14s %9s %11s\n' "$r" test "$w" "$(tps_of $w)" "$(tps_of $o)" "$ratio" \
			"$(pct "$M_CPU" "$M_WALL")" "$M_SAMPLES" "$(per_sample_ms "$M_CPU" "$M_SAMPLES")"
		if [ "$AA" = 1 ]; then
			# A/A control: the same round with no preload anywhere; "with" is
			# only the slot (the data directory that had the preload just now)
			restart_both "" ""
			sleep 2
			pair_run "$mode" "$ROUND_SECONDS"
			ratio=$(ratio_of "$(tps_of $w)" "$(tps_of $o)")
			AA_RATIOS+=("$ratio")
			printf '%-5s %-5s %-4s %11s %11s %8s\n' "$r" A/A "($w)" "$(tps_of $w)" "$(tps_of $o)" "$ratio"
		fi
	done
	med=$(median "${RATIOS[@]}"); spr=$(spread_of "${RATIOS[@]}")
	echo "side by side, $mode: ratios ${RATIOS[*]}; median $med, spread (max - min) $spr"
	add "tps ratio with/without, $mode, side by side (median of $ROUNDS rounds)" "$med" ">= 0.99" "$(verdict "$med >= 0.99")"
	add "  spread of the $ROUNDS round ratios (max - min), $mode" "$spr" "-" "info"
	if [ "$AA" = 1 ]; then
		aa_med=$(median "${AA_RATIOS[@]}"); aa_spr=$(spread_of "${AA_RATIOS[@]}")
		echo "A/A control, $mode: ratios ${AA_RATIOS[*]}; median $aa_med, spread (max - min) $aa_spr"
		add "  A/A control (no preload either side), $mode: median ratio" "$aa_med" "~1.00" "info"
		add "  A/A control, spread of the $ROUNDS round ratios, $mode" "$aa_spr" "-" "info"
	fi

	if [ "$ALTERNATE" = 1 ]; then
		section "1b. throughput, $mode, alternated: server A alone, $PAIRS pairs of ${SECONDS_RUN} s runs, ABBA order, pgbench -c 4 -j 2"
		TPS_WITH=(); TPS_WITHOUT=()
		printf '%-4s %-8s %12s %14s %9s %11s\n' run config tps "sampler cpu%" samples "ms/sample"
		restart "" 1min
		pgbench_run "$mode" 5 >/dev/null
		run=0
		for pair in $(seq 1 "$PAIRS"); do
			if [ $((pair % 2)) = 1 ]; then order="with without"; else order="without with"; fi
			for cfg in $order; do
				run=$((run + 1))
				if [ "$cfg" = with ]; then
					restart pg_capacity 1min
					pid=$(sampler_pid)
					sleep 2
					measure "$pid" capacity pgbench_run "$mode" >"$WORK/tps"
					tps=$(cat "$WORK/tps")
					TPS_WITH+=("$tps")
					SUM_CPU=$((SUM_CPU + M_CPU)); SUM_TICKS=$((SUM_TICKS + M_TICKS))
					SUM_WALL=$((SUM_WALL + M_WALL)); SUM_SAMPLES=$((SUM_SAMPLES + M_SAMPLES))
					printf '%-4s %-8s %12s %14s %9s %11s\n' "$run" "$cfg" "$tps" \
						"$(pct "$M_CPU" "$M_WALL")" "$M_SAMPLES" "$(per_sample_ms "$M_CPU" "$M_SAMPLES")"
				else
					restart "" 1min
					sleep 2
					tps=$(pgbench_run "$mode")
					TPS_WITHOUT+=("$tps")
					printf '%-4s %-8s %12s\n' "$run" "$cfg" "$tps"
				fi
			done
		done
		mw=$(median "${TPS_WITH[@]}"); mo=$(median "${TPS_WITHOUT[@]}")
		ratio=$(ratio_of "$mw" "$mo")
		spread=$(printf '%s\n' "${TPS_WITH[@]}" "${TPS_WITHOUT[@]}" | sort -g |
			awk -v m="$mo" '{v[NR] = $1} END {printf "%.1f", (v[NR] - v[1]) / m * 100}')
		PAIR_RATIOS=()
		for i in "${!TPS_WITH[@]}"; do PAIR_RATIOS+=("$(ratio_of "${TPS_WITH[$i]}" "${TPS_WITHOUT[$i]}")"); done
		pair_ratio=$(median "${PAIR_RATIOS[@]}")
		echo "median tps with = $mw, without = $mo, ratio = $ratio; all runs span $spread % of the median without"
		echo "per-pair ratios: ${PAIR_RATIOS[*]} (median $pair_ratio)"
		add "  alternated runs: tps ratio with/without, $mode (medians of $PAIRS)" "$ratio" "-" "info"
		add "  alternated runs: median of per-pair ratios, $mode" "$pair_ratio" "-" "info"
		add "  alternated runs: run-to-run spread, $mode ((max - min) / median)" "$spread %" "-" "info"
	fi

	share=$(pct "$SUM_CPU" "$SUM_WALL"); per=$(per_sample_ms "$SUM_CPU" "$SUM_SAMPLES")
	echo "sampler under $mode load: $share % of one core (/proc/PID/stat: $(ticks_pct "$SUM_TICKS" "$SUM_WALL") %)," \
		"$SUM_SAMPLES samples, $per ms per sample"
	add "sampler CPU, 1 s interval, $mode load" "$share %" "< 0.1 %" "$(verdict "$share < 0.1")"
	add "sampler CPU per sample, $mode load" "$per ms" "< 1 ms" "$(verdict_ms "$per")"
	bound=$(calc "sprintf(\"%.5f\", 1 - $SUM_CPU / ($NCPU * $SUM_WALL))")
	add "  tps ratio bound from sampler CPU, $mode (1 - cpu / ($NCPU cores x wall))" "$bound" "-" "info"
done

# ---------------------------------------------------------------- 2: idle
section "2. sampler CPU at idle, 1 s interval, ${IDLE_SECONDS} s"
restart pg_capacity 1min
pid=$(sampler_pid)
sleep 2
measure "$pid" capacity sleep "$IDLE_SECONDS"
share=$(pct "$M_CPU" "$M_WALL"); per=$(per_sample_ms "$M_CPU" "$M_SAMPLES")
echo "idle: $share % of one core (/proc/PID/stat: $(ticks_pct "$M_TICKS" "$M_WALL") %), $M_SAMPLES samples, $per ms per sample"
add "sampler CPU, 1 s interval, idle" "$share %" "< 0.1 %" "$(verdict "$share < 0.1")"
add "sampler CPU per sample, idle" "$per ms" "< 1 ms" "$(verdict_ms "$per")"

# ---------------------------------------------------------------- 3: many tables
section "3. one sample with $NTABLES tables"
log "creating $NTABLES tables (id int primary key, v text, one row each)"
batch=500
for start in $(seq 1 "$batch" "$NTABLES"); do
	end=$((start + batch - 1)); [ "$end" -le "$NTABLES" ] || end=$NTABLES
	sql "DO \$\$ BEGIN FOR i IN $start..$end LOOP
	       EXECUTE format('CREATE TABLE bench_t%s (id int PRIMARY KEY, v text); INSERT INTO bench_t%s VALUES (1, ''x'')', i, i);
	     END LOOP; END \$\$" >/dev/null
done
log "$(sql "SELECT count(*) FROM pg_class WHERE relname LIKE 'bench\_t%' AND relkind = 'r'") tables," \
	"$(find "$DATA/base" -type f | wc -l) files under base/"
sql "CHECKPOINT" >/dev/null
for si in 1s 1min; do
	restart pg_capacity "$si"
	pid=$(sampler_pid)
	sleep 3
	measure "$pid" capacity sleep "$IDLE_SECONDS"
	per=$(per_sample_ms "$M_CPU" "$M_SAMPLES")
	echo "size_interval = $si: $(pct "$M_CPU" "$M_WALL") % of one core, $M_SAMPLES samples, $per ms per sample" \
		"(/proc/PID/stat: $(ticks_pct "$M_TICKS" "$M_WALL") %)"
	if [ "$si" = 1s ]; then
		add "CPU per sample, $NTABLES tables, size_interval=1s (walk every sample)" "$per ms" "-" "info"
	else
		add "CPU per sample, $NTABLES tables, size_interval=1min (ordinary)" "$per ms" "< 1 ms" "$(verdict_ms "$per")"
	fi
done
# the default size_interval of 1min puts no directory walk in a window that
# starts 3 s after the server starts and lasts less than a minute
[ "$IDLE_SECONDS" -lt 57 ] || echo "note: the 1min window ($IDLE_SECONDS s) may include a directory walk"

# ---------------------------------------------------------------- 4: pg_wait_sampling
section "4. for scale: pg_wait_sampling's collector"
ws_reason=""
if [ "$WAIT_SAMPLING" = 0 ]; then
	ws_reason="skipped (BENCH_WAIT_SAMPLING=0)"
elif [ ! -f "$PKGLIB/pg_wait_sampling.so" ]; then
	cand=$(apt-cache policy postgresql-15-pg-wait-sampling 2>/dev/null | awk '/Candidate:/ {print $2}')
	if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
		ws_reason="not measured: postgresql-15-pg-wait-sampling not available from apt"
	elif [ "$WAIT_SAMPLING" = auto ]; then
		log "installing postgresql-15-pg-wait-sampling $cand with apt-get"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-15-pg-wait-sampling >"$WORK/apt.log" 2>&1 \
			|| { tail -n 5 "$WORK/apt.log"; ws_reason="not measured: apt-get install failed"; }
	else
		ws_reason="not measured: postgresql-15-pg-wait-sampling $cand not installed (BENCH_WAIT_SAMPLING=$WAIT_SAMPLING)"
	fi
fi
if [ -z "$ws_reason" ] && [ -f "$PKGLIB/pg_wait_sampling.so" ]; then
	ws_ver=$(dpkg-query -W -f '${Version}' postgresql-15-pg-wait-sampling 2>/dev/null || echo "?")
	mode=$(set -- $MODES; echo "$1")
	restart pg_wait_sampling 1min
	pid=$(collector_pid)
	sleep 2
	measure "$pid" other pgbench_run "$mode" >"$WORK/tps"
	share=$(pct "$M_CPU" "$M_WALL")
	echo "pg_wait_sampling $ws_ver collector (default periods), $mode load: $share % of one core" \
		"(/proc/PID/stat: $(ticks_pct "$M_TICKS" "$M_WALL") %), tps $(cat "$WORK/tps")"
	add "for scale: pg_wait_sampling collector, $mode load" "$share %" "-" "info"
	measure "$pid" other sleep "$IDLE_SECONDS"
	share=$(pct "$M_CPU" "$M_WALL")
	echo "pg_wait_sampling collector, idle: $share % of one core (/proc/PID/stat: $(ticks_pct "$M_TICKS" "$M_WALL") %)"
	add "for scale: pg_wait_sampling collector, idle" "$share %" "-" "info"
else
	[ -n "$ws_reason" ] || ws_reason="not measured: pg_wait_sampling.so not found"
	echo "$ws_reason"
	add "for scale: pg_wait_sampling collector" "$ws_reason" "-" "info"
fi

# ---------------------------------------------------------------- summary
stop_side a; stop_side b
elapsed=$(($(date +%s) - START_EPOCH))
{
	echo "pg_capacity benchmark summary ($(date -u '+%Y-%m-%d %H:%M UTC'), $NCPU CPUs, $("$PGBIN/postgres" --version))"
	echo "side by side: $ROUNDS rounds x pgbench -c $CLIENTS -j $JOBS -T $ROUND_SECONDS per server, scale $SCALE, A/A control $([ "$AA" = 1 ] && echo on || echo off);" \
		"alternated runs $([ "$ALTERNATE" = 1 ] && echo "$PAIRS pairs x pgbench -c 4 -j 2 -T $SECONDS_RUN" || echo off);" \
		"CPU from /proc/PID/schedstat; run time ${elapsed} s"
	printf '%s\n' "${SUMMARY[@]}" | awk -F'|' '
		{ f[NR] = $1; v[NR] = $2; t[NR] = $3; r[NR] = $4; if (length($1) > w) w = length($1); if (length($2) > vw) vw = length($2) }
		END {
			if (w < 6) w = 6; if (vw < 5) vw = 5
			printf "%-" w "s | %-" vw "s | %-8s | %s\n", "figure", "value", "target", "result"
			s = ""; for (i = 0; i < w + vw + 24; i++) s = s "-"; print s
			for (i = 1; i <= NR; i++) printf "%-" w "s | %-" vw "s | %-8s | %s\n", f[i], v[i], t[i], r[i]
		}'
} >"$WORK/summary.txt"
section "summary"
cat "$WORK/summary.txt"
if [ -n "$BENCH_OUT" ]; then
	cp "$WORK/summary.txt" "$BENCH_OUT"
	echo "summary written to $BENCH_OUT"
fi
