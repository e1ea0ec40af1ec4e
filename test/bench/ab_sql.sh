#!/usr/bin/env bash
# ab_sql.sh: the SQL faces of two builds side by side: same answers? same speed?
#
#   bash test/bench/ab_sql.sh [BASE]      (as root, from any directory; ~3 min)
#
# BASE is a git revision of this repository (default: HEAD~1); the other side
# is this working tree.  For a change that must not change behaviour (a
# refactor), this is the check beyond the tests: both builds answer the same
# queries over the same history, and neither is slower.
#
# Each side gets its own relocated copy of the installed PostgreSQL 15
# (/usr/lib/postgresql/15, /usr/share/postgresql/15 and the headers copied
# under the work directory; PostgreSQL finds its share and lib directories relative to its
# binaries), so nothing is installed on the system and two builds of
# pg_capacity can run at once.  Both servers are set up identically: the
# sampler paused (pg_capacity.enabled = off), pg_capacity.sustained_window =
# 1h, and the same history imported: 20 minutes of 10-second samples of the
# report's metrics ending 30 minutes ago, and a year of daily peaks of tps
# ending yesterday.  Then:
#  1. Same answers: every query below on both servers, output compared
#     (numbers to 6 significant digits, times to the minute: the forecasts
#     extrapolate from the wall clock of the call); a difference is printed
#     and makes the exit status 1.
#  2. Same speed: per query, AB_ROUNDS rounds of `pgbench -n -f Q -T
#     AB_SECONDS -c 1` on both servers at the same moment (so both see the
#     same machine noise); the round's ratio is tps(this tree) / tps(BASE);
#     the median ratio and the spread (max - min) are reported.
#
# Environment: AB_ROUNDS (5), AB_SECONDS (3), PG_CONFIG (PostgreSQL 15's),
# KEEP_WORK=1 keeps the work directory.
set -uo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$SCRIPT_DIR/../scripts/lib.sh"
REPO=$TESTLIB_REPO
BASE=${1:-HEAD~1}
AB_ROUNDS=${AB_ROUNDS:-5}
AB_SECONDS=${AB_SECONDS:-3}

[ "$(id -u)" -eq 0 ] || die "run as root (it builds as postgres and starts two servers)"
SYSBIN=$("$PG_CONFIG" --bindir)
SYSSHARE=$("$PG_CONFIG" --sharedir)
SYSLIB=$(dirname "$SYSBIN")
SYSINC=$("$PG_CONFIG" --includedir)
git -C "$REPO" rev-parse --verify -q "$BASE^{commit}" >/dev/null || die "no revision $BASE in $REPO"
pg_clean_env
make_work ab 755
trap 'pg_stop_all "$WORK" immediate; [ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$WORK"' EXIT

QUERIES=(
	"SELECT * FROM capacity.capacity_report('1 hour')"
	"SELECT * FROM capacity.capacity_level()"
	"SELECT * FROM capacity.scaling_recommendations('1 hour')"
	"SELECT * FROM capacity.sizing_recommendations()"
	"SELECT * FROM capacity.required_resources(20000, 0.7)"
	"SELECT * FROM capacity.history('tps', '1 hour')"
	"SELECT * FROM capacity.history('tps', '400 days')"
	"SELECT * FROM capacity.forecast('tps', '6 months', '365 days')"
	"SELECT * FROM capacity.time_to_threshold('tps', 80)"
	"SELECT * FROM capacity.capacity_plan('365 days')"
)

# history: fixed times (the days first: an import appends after what a level holds), so both servers get the very same points
T0=$(date -u -d "@$(( $(date +%s) / 60 * 60 - 50 * 60 ))" '+%Y-%m-%d %H:%M:%S+00')
DAY0=$(date -u -d "$(date -u +%F) - 366 days" '+%Y-%m-%d 12:00:00+00')
IMPORT=$(cat <<SQL
-- 20 minutes of raw samples: metric, base, amplitude of a slow wave
WITH m(metric, base, amp) AS (VALUES
	('tps', 900, 300), ('read_tps', 700, 250), ('write_tps', 200, 50),
	('connections', 60, 20), ('max_connections', 97, 0), ('vcpus', 2, 0),
	('cpu_pct', 55, 25), ('memory_used_pct', 60, 10),
	('memory_total_bytes', 8589934592, 0), ('cache_hit_ratio', 0.96, 0.03),
	('checkpoint_interval_sec', 280, 60), ('disk_total_bytes', 107374182400, 0),
	('disk_free_bytes', 21474836480, 1073741824), ('database_size_bytes', 53687091200, 0),
	('disk_util_pct', 40, 30), ('wal_bytes_per_sec', 2000000, 1500000),
	('swap_io_per_sec', 0, 0), ('oom_kills', 0, 0))
SELECT metric, capacity.import_history(metric,
	array_agg(ts ORDER BY ts),
	array_agg(base + amp * sin(i / 10.0) ORDER BY ts))
FROM m, LATERAL (SELECT i, '$T0'::timestamptz + i * interval '10 s' AS ts
				 FROM generate_series(0, 119) i) g
GROUP BY metric ORDER BY metric;
SQL
)
IMPORT_DAYS=$(cat <<SQL
SELECT capacity.import_history('tps',
	array_agg('$DAY0'::timestamptz + d * interval '1 day' ORDER BY d),
	array_agg(400 + 2.5 * d + 40 * sin(d / 7.0) ORDER BY d))
FROM generate_series(0, 364) d;
SQL
)

# side NAME SRC: a relocated PostgreSQL, pg_capacity built from SRC and installed in it, a server
side() {
	local name=$1 src=$2 root="$WORK/$1" port
	mkdir -p "$root/pg$SYSLIB" "$root/pg$(dirname "$SYSSHARE")" "$root/pg$SYSINC"
	cp -a "$SYSLIB/." "$root/pg$SYSLIB/"
	cp -a "$SYSSHARE" "$root/pg$(dirname "$SYSSHARE")/"
	cp -a "$SYSINC/." "$root/pg$SYSINC/"
	chown -R postgres:postgres "$root"
	local pgc="$root/pg$SYSBIN/pg_config"
	PGBIN="$root/pg$SYSBIN"
	log "$name: building $(cd "$src" && git describe --always --dirty 2>/dev/null || echo "$src")"
	AS_PG_DIR=$src as_pg make -s -j4 PG_CONFIG="$pgc" >"$root/build.log" 2>&1 ||
		{ cat "$root/build.log"; die "$name: build failed"; }
	(cd "$src" && make -s install PG_CONFIG="$pgc") >>"$root/build.log" 2>&1 ||
		{ cat "$root/build.log"; die "$name: install failed"; }
	port=$(free_port 56000 56999) || die "no free port"
	pg_init_server "$root/data" "$port" "pg_capacity.enabled = off" \
		"pg_capacity.sustained_window = 3600" || die "$name: initdb failed"
	pg_start "$root/data" "$root/server.log" || { tail_logs 30 "$root/server.log"; die "$name: start failed"; }
	echo "$port" >"$root/port"
}

# q NAME SQL: run SQL on side NAME, unaligned; numbers to 6 significant digits and times
# to the minute, since the forecasts extrapolate from the wall clock of the call
q() {
	PGBIN="$WORK/$1/pg$SYSBIN" as_pg psql -X -q -At -h "$WORK" -p "$(cat "$WORK/$1/port")" \
		-d postgres -v ON_ERROR_STOP=1 -c "$2" |
		perl -pe 's/(\d\d:\d\d):\d\d(\.\d+)?/$1/g; s/(?<![\w.])(-?\d+\.\d+(?:e[-+]?\d+)?)/sprintf("%.6g", $1)/ge'
}

section "two builds: $BASE and this tree"
git -C "$REPO" archive --format=tar --prefix=src/ "$BASE" | tar -x -C "$WORK" --one-top-level=base
chown -R postgres:postgres "$WORK/base"
scratch_copy "$WORK/this/src"
side base "$WORK/base/src"
side this "$WORK/this/src"

section "the same history on both"
for s in base this; do
	PGBIN="$WORK/$s/pg$SYSBIN" as_pg psql -X -q -At -h "$WORK" -p "$(cat "$WORK/$s/port")" \
		-d postgres -v ON_ERROR_STOP=1 >/dev/null <<<"CREATE EXTENSION pg_capacity;
$IMPORT_DAYS
$IMPORT" || die "$s: import failed"
done
log "imported: 18 metrics x 120 raw samples from $T0, 365 daily tps values from $DAY0"

section "same answers"
differ=0
for sql in "${QUERIES[@]}"; do
	a=$(q base "$sql" 2>&1)
	b=$(q this "$sql" 2>&1)
	if [ "$a" == "$b" ]; then
		printf '  same  %5d bytes  %s\n' "${#a}" "$sql"
	else
		differ=$((differ + 1))
		printf '  DIFF  %s\n' "$sql"
		diff <(echo "$a") <(echo "$b") | head -20 | sed 's/^/        /'
	fi
done

section "same speed: tps(this) / tps($BASE), $AB_ROUNDS rounds of $AB_SECONDS s, both at once"
printf '  %-62s %8s %8s %7s %7s\n' query base/s this/s median spread
for sql in "${QUERIES[@]}"; do
	echo "$sql;" >"$WORK/q.sql"
	chmod 644 "$WORK/q.sql"
	ratios=()
	tb=0 tt=0
	for ((r = 0; r < AB_ROUNDS; r++)); do
		for s in base this; do
			PGBIN="$WORK/$s/pg$SYSBIN" as_pg pgbench -n -f "$WORK/q.sql" -T "$AB_SECONDS" -c 1 \
				-h "$WORK" -p "$(cat "$WORK/$s/port")" postgres >"$WORK/$s.pgbench" 2>&1 &
		done
		wait
		a=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/base.pgbench")
		b=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/this.pgbench")
		[ -n "$a" ] && [ -n "$b" ] || { cat "$WORK/base.pgbench" "$WORK/this.pgbench"; die "pgbench failed"; }
		ratios+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')")
		tb=$(awk -v x="$tb" -v a="$a" 'BEGIN { print x + a }')
		tt=$(awk -v x="$tt" -v b="$b" 'BEGIN { print x + b }')
	done
	read -r med spread < <(printf '%s\n' "${ratios[@]}" | sort -g |
		awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
			printf "%.3f %.3f\n", m, v[NR] - v[1] }')
	printf '  %-62.62s %8.0f %8.0f %7s %7s\n' "$sql" "$(awk -v x="$tb" -v n="$AB_ROUNDS" 'BEGIN { print x / n }')" \
		"$(awk -v x="$tt" -v n="$AB_ROUNDS" 'BEGIN { print x / n }')" "$med" "$spread"
done

section "summary"
echo "  base $BASE ($(git -C "$REPO" rev-parse --short "$BASE")), this tree $(git -C "$REPO" describe --always --dirty)"
echo "  PostgreSQL $("$PG_CONFIG" --version), $(nproc) CPUs, $(date -u '+%Y-%m-%d %H:%M UTC')"
if [ "$differ" -eq 0 ]; then
	echo "  answers: all ${#QUERIES[@]} queries the same"
else
	echo "  answers: $differ of ${#QUERIES[@]} queries DIFFER"
	exit 1
fi
