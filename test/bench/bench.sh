#!/usr/bin/env bash
# bench.sh: what pg_capacity costs (a benchmark, not a timed test).
#
#   bash test/bench/bench.sh                    (as root, from any directory)
#   BENCH_QUICK=1 bash test/bench/bench.sh      (smoke run, ~3 min)
#
# Measures, on a throwaway PostgreSQL 15 (own port, unix socket in a temp dir
# under /tmp, server and pgbench run as the postgres OS user):
#  1. Throughput overhead: one data directory (pgbench -i -s 10), runs of
#     `pgbench -c 4 -j 2 -T BENCH_SECONDS` alternately WITH pg_capacity preloaded
#     (sample_interval = 1s) and WITHOUT it (shared_preload_libraries = ''),
#     in ABBA order, the server restarted before every run.  Reports each run's
#     tps, the medians and ratio = median(with) / median(without); target >= 0.99.
#     Done for tpcb-like and select-only (-S).
#  2. The sampler worker's own CPU at a 1 s interval, under load (during the
#     WITH runs) and idle: CPU time from /proc/PID/schedstat (ns; utime+stime
#     from /proc/PID/stat as a cross-check), as a share of one core (target
#     < 0.1 %) and per sample taken (raw samples in the window, from
#     capacity.history(..., 'raw')); target < 1 ms.
#  3. The CPU of one sample with BENCH_TABLES (10,000) tables in the database,
#     idle, 1 s interval: with pg_capacity.size_interval = 1s (every sample walks
#     the data directory: the worst case) and with the default 1min.
#  4. For scale, pg_wait_sampling's collector measured the same way, if the
#     Debian package postgresql-15-pg-wait-sampling is installed or installable.
# Ends with a summary table (figure, value, target, pass/fail), also written to
# $BENCH_OUT if set.  Exit status 0 unless the benchmark itself failed.
#
# Each workload starts with an unrecorded 5 s warm-up run.
# It builds nothing: pg_capacity must be installed (make && make install).
# The server uses synchronous_commit = off and autovacuum = off so that runs are
# CPU-bound and comparable; every run starts after a restart (shutdown
# checkpoint), so no checkpoint falls inside a run (checkpoint_timeout = 1h).
#
# Environment:
#   BENCH_PAIRS (5)        WITH/WITHOUT pairs per workload
#   BENCH_SECONDS (15)     length of one pgbench run
#   BENCH_MODES ("tpcb select")  workloads for part 1/2 (tpcb, select or both)
#   BENCH_IDLE_SECONDS (30)      idle windows (parts 2, 3, 4)
#   BENCH_TABLES (10000)   tables created for part 3
#   BENCH_SCALE (10)       pgbench -i -s
#   BENCH_WAIT_SAMPLING (auto)   auto: measure pg_wait_sampling, apt-get
#                          installing its package if apt has it; installed: only
#                          if already installed; 0: skip
#   BENCH_PORT (54339), BENCH_OUT (summary file), PG_CONFIG
#   BENCH_QUICK=1          2 pairs x 8 s, 10 s idle windows
set -euo pipefail

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PORT=${BENCH_PORT:-54339}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	PAIRS=${BENCH_PAIRS:-2}
	SECONDS_RUN=${BENCH_SECONDS:-8}
	IDLE_SECONDS=${BENCH_IDLE_SECONDS:-10}
else
	PAIRS=${BENCH_PAIRS:-5}
	SECONDS_RUN=${BENCH_SECONDS:-15}
	IDLE_SECONDS=${BENCH_IDLE_SECONDS:-30}
fi
MODES=${BENCH_MODES:-tpcb select}
NTABLES=${BENCH_TABLES:-10000}
SCALE=${BENCH_SCALE:-10}
WAIT_SAMPLING=${BENCH_WAIT_SAMPLING:-auto}
BENCH_OUT=${BENCH_OUT:-}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
section() { printf '\n======== %s ========\n' "$*"; }
die() { echo "bench.sh: $*" >&2; exit 1; }

# ---------------------------------------------------------------- checks
[ "$(id -u)" -eq 0 ] || die "run as root (the server and pgbench run as the postgres OS user via runuser)"
id postgres >/dev/null 2>&1 || die "no postgres OS user: install postgresql-15"
[ -x "$PG_CONFIG" ] || die "no pg_config at $PG_CONFIG (set PG_CONFIG)"
PGBIN=$("$PG_CONFIG" --bindir)
PKGLIB=$("$PG_CONFIG" --pkglibdir)
SHAREDIR=$("$PG_CONFIG" --sharedir)
for f in "$PKGLIB/pg_capacity.so" "$SHAREDIR/extension/pg_capacity.control"; do
	[ -f "$f" ] || die "pg_capacity is not installed ($f missing): run 'make && make install' in the source tree first"
done
for b in pgbench psql pg_ctl initdb; do
	[ -x "$PGBIN/$b" ] || die "$PGBIN/$b missing"
done
case "$PAIRS$SECONDS_RUN$IDLE_SECONDS$NTABLES$SCALE" in
	*[!0-9]*) die "BENCH_PAIRS/SECONDS/IDLE_SECONDS/TABLES/SCALE must be positive integers" ;;
esac
for m in $MODES; do
	case $m in tpcb | select) ;; *) die "BENCH_MODES: unknown workload '$m' (tpcb, select)" ;; esac
done
if ss -ltn 2>/dev/null | grep -qE "[:.]$PORT\b"; then
	die "port $PORT is in use (set BENCH_PORT)"
fi
[ -r /proc/self/schedstat ] || die "/proc/PID/schedstat not available on this kernel"
CLK_TCK=$(getconf CLK_TCK)
NCPU=$(nproc)
unset PGDATA PGHOST PGHOSTADDR PGDATABASE PGUSER PGPASSWORD PGSERVICE PGOPTIONS PGPORT || true

# ---------------------------------------------------------------- temp dir, server, cleanup
WORK=$(mktemp -d /tmp/pg_capacity-bench.XXXXXX)
DATA="$WORK/data"
chown postgres:postgres "$WORK"
chmod 700 "$WORK"
cd "$WORK"
START_EPOCH=$(date +%s)

server_running() { [ -f "$DATA/postmaster.pid" ] && as_pg pg_ctl -D "$DATA" status >/dev/null 2>&1; }
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -d "$DATA" ] && server_running; then
		as_pg pg_ctl -D "$DATA" stop -m fast -w -t 60 >/dev/null 2>&1 || true
	fi
	if [ "$rc" -ne 0 ] && [ -f "$WORK/server.log" ]; then
		section "server log (last 30 lines)"
		tail -n 30 "$WORK/server.log" || true
	fi
	cd /
	rm -rf "$WORK"
	[ "$rc" -eq 0 ] || echo "bench.sh: FAILED (exit $rc)" >&2
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

as_pg() { runuser -u postgres -- env HOME="$WORK" PATH="$PGBIN:$PATH" "$@"; }
sql() { as_pg psql -X -Atq -v ON_ERROR_STOP=1 -h "$WORK" -p "$PORT" -d postgres -c "$1"; }

# The settings under test live in an include file rewritten before each restart.
write_conf() {	# $1 = shared_preload_libraries, $2 = pg_capacity.size_interval
	cat >"$DATA/bench.conf" <<CONF
shared_preload_libraries = '$1'
pg_capacity.sample_interval = 1s
pg_capacity.size_interval = ${2:-1min}
CONF
	chown postgres:postgres "$DATA/bench.conf"
}
restart() {	# $1 = preload, $2 = size_interval
	write_conf "$1" "${2:-1min}"
	if server_running; then
		as_pg pg_ctl -D "$DATA" stop -m fast -w -t 120 >/dev/null
	fi
	as_pg pg_ctl -D "$DATA" -l "$WORK/server.log" -w -t 120 start >/dev/null
}
reload() {	# $1 = preload (unchanged), $2 = size_interval
	write_conf "$1" "$2"
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

pgbench_run() {	# $1 = mode, $2 = seconds (BENCH_SECONDS); prints tps
	local opts=() out
	[ "$1" = select ] && opts=(-S)
	out=$(as_pg pgbench -h "$WORK" -p "$PORT" -c 4 -j 2 -T "${2:-$SECONDS_RUN}" "${opts[@]}" postgres 2>&1) \
		|| { echo "$out" >&2; die "pgbench failed"; }
	echo "$out" | awk '/^tps = / {print $3; exit}'
}

# ---------------------------------------------------------------- set-up
section "set-up: PostgreSQL 15 on port $PORT, data in $DATA"
log "pairs=$PAIRS seconds=$SECONDS_RUN modes='$MODES' idle=$IDLE_SECONDS tables=$NTABLES scale=$SCALE"
as_pg initdb -D "$DATA" -U postgres --auth=trust --no-sync -E UTF8 --locale=C >"$WORK/initdb.log" \
	|| { cat "$WORK/initdb.log"; die "initdb failed"; }
cat >>"$DATA/postgresql.conf" <<CONF
port = $PORT
listen_addresses = ''
unix_socket_directories = '$WORK'
max_connections = 50
shared_buffers = 256MB
synchronous_commit = off
autovacuum = off
checkpoint_timeout = 1h
max_wal_size = 8GB
max_locks_per_transaction = 256
lc_messages = 'C'
include = 'bench.conf'
CONF
# CREATE EXTENSION with the library preloaded: loading it later in a session
# would (at the time of writing) define its PGC_POSTMASTER settings too late.
# The WITHOUT runs never call its functions, so the library stays unloaded.
restart pg_capacity 1min
sql "CREATE EXTENSION pg_capacity" >/dev/null
log "pgbench -i -s $SCALE"
as_pg pgbench -i -q -s "$SCALE" -h "$WORK" -p "$PORT" postgres >"$WORK/init.log" 2>&1 \
	|| { cat "$WORK/init.log"; die "pgbench -i failed"; }
sql "CHECKPOINT" >/dev/null

# ---------------------------------------------------------------- 1 + 2: overhead, CPU under load
for mode in $MODES; do
	section "1. throughput, $mode: $PAIRS pairs of ${SECONDS_RUN} s runs, ABBA order"
	TPS_WITH=(); TPS_WITHOUT=()
	SUM_CPU=0; SUM_TICKS=0; SUM_WALL=0; SUM_SAMPLES=0
	printf '%-4s %-8s %12s %14s %9s %11s\n' run config tps "sampler cpu%" samples "ms/sample"
	# one unrecorded warm-up run (page cache, first run after pgbench -i)
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
	ratio=$(calc "sprintf(\"%.4f\", $mw / $mo)")
	spread=$(printf '%s\n' "${TPS_WITH[@]}" "${TPS_WITHOUT[@]}" | sort -g |
		awk -v m="$mo" '{v[NR] = $1} END {printf "%.1f", (v[NR] - v[1]) / m * 100}')
	PAIR_RATIOS=()
	for i in "${!TPS_WITH[@]}"; do PAIR_RATIOS+=("$(calc "sprintf(\"%.4f\", ${TPS_WITH[$i]} / ${TPS_WITHOUT[$i]})")"); done
	pair_ratio=$(median "${PAIR_RATIOS[@]}")
	echo "median tps with = $mw, without = $mo, ratio = $ratio; all runs span $spread % of the median without"
	echo "per-pair ratios: ${PAIR_RATIOS[*]} (median $pair_ratio)"
	add "tps ratio with/without, $mode (median of $PAIRS)" "$ratio" ">= 0.99" "$(verdict "$ratio >= 0.99")"
	add "  median of per-pair ratios, $mode" "$pair_ratio" "-" "info"
	add "  run-to-run spread, $mode ((max - min) / median)" "$spread %" "-" "info"

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
as_pg pg_ctl -D "$DATA" stop -m fast -w -t 60 >/dev/null
elapsed=$(($(date +%s) - START_EPOCH))
{
	echo "pg_capacity benchmark summary ($(date -u '+%Y-%m-%d %H:%M UTC'), $NCPU CPUs, $("$PGBIN/postgres" --version))"
	echo "pgbench -c 4 -j 2 -T $SECONDS_RUN, scale $SCALE, $PAIRS pairs per workload; CPU from /proc/PID/schedstat; run time ${elapsed} s"
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
