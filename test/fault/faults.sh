#!/usr/bin/env bash
# faults.sh: fault injection for pg_capacity, on throwaway PostgreSQL 15
# servers run as the postgres OS user.
#
#   bash test/fault/faults.sh                  (as root, after make install)
#   FAULT_ONLY=disk bash test/fault/faults.sh  one scenario: disk or valgrind
#
# Scenarios (see test/fault/README.md for what each asserts and why):
#   1. disk: a full disk under pg_stat_tmp.  A small tmpfs is mounted over
#      $PGDATA/pg_stat_tmp and filled while the sampler writes its history
#      file there every second: sampling goes on, the existing file is left
#      intact, no temporary file is left behind, the log stays bounded and
#      says there is no room (the sampler refuses to write when the file
#      would leave less than its reserve free: "not enough free space"; a
#      write that runs out of space says "No space left on device"); once
#      space is freed the writes resume
#      within the back-off, and the file written then loads after a restart.
#   2. valgrind: the pg_regress suite (test/sql) against a server run under
#      valgrind memcheck (suppressions: test/fault/valgrind.supp): no error
#      report with a frame in pg_capacity, no crash, no restart.  The
#      regression outputs are not compared (timings differ under valgrind);
#      their pass/fail counts are reported.  A canary (test/fault/canary.c,
#      an out-of-bounds read) must be reported, or the clean result means
#      nothing.
# Every scenario also checks that the server keeps answering SELECT 1.
#
# pg_capacity must be installed (make && make install).  The servers listen
# on 127.0.0.1 at a free port in 5500-5999 (outside the kernel's ephemeral
# range), with their unix socket in a mktemp directory; host logins are
# rejected and the clients use the socket.  On exit, whatever happens, the
# servers are stopped, the tmpfs is unmounted and the directory removed; on
# failure the logs are kept in /tmp/pg_capacity-fault-<date>.tar.gz.
# Prints "PASS: ..." / "FAIL: ..." per check and ends with "N passed, N failed";
# the exit status is non-zero on any failure.
#
# Environment: FAULT_ONLY (disk|valgrind), FAULT_DISK_SECONDS (length of the
# full-disk window, default 20), FAULT_RESUME_LIMIT (seconds allowed for the
# writes to resume once space is freed, default 40), FAULT_VALGRIND_TESTS
# (names of tests in test/sql, or "all", the default), FAULT_VALGRIND_TIMEOUT (seconds for the suite under valgrind, default
# 1200), FAULT_VALGRIND_OPTS (extra valgrind options, e.g.
# --gen-suppressions=all), FAULT_KEEP=1 (keep the logs on success too),
# PG_CONFIG (default /usr/lib/postgresql/15/bin/pg_config).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=test/scripts/lib.sh
. "$SCRIPT_DIR/../scripts/lib.sh"
SRC=$TESTLIB_REPO		# the source tree: test/sql, expected/, src/
ONLY=${FAULT_ONLY:-}
DISK_SECONDS=${FAULT_DISK_SECONDS:-20}
RESUME_LIMIT=${FAULT_RESUME_LIMIT:-40}
VALGRIND_TIMEOUT=${FAULT_VALGRIND_TIMEOUT:-1200}
VALGRIND_OPTS=${FAULT_VALGRIND_OPTS:-}
KEEP=${FAULT_KEEP:-0}
# The whole suite: under 2 minutes under valgrind on 2 cores (README.md)
VALGRIND_TESTS=${FAULT_VALGRIND_TESTS:-all}
VALGRIND_EXIT=99		# --error-exitcode: a process in which valgrind found an error
LOG_BYTES_MAX=65536		# server log growth allowed over a fault window
LOG_LINES_MAX=50		# lines mentioning pg_capacity allowed over a fault window

pg_require_installed "it mounts a tmpfs and runs the servers as postgres"
PKGLIB=$("$PG_CONFIG" --pkglibdir)
PG_REGRESS="$PKGLIB/pgxs/src/test/regress/pg_regress"
[ -x "$PG_REGRESS" ] || die "no pg_regress at $PG_REGRESS (postgresql-server-dev-15)"
case "$ONLY" in ''|disk|valgrind) ;; *) die "FAULT_ONLY must be disk or valgrind" ;; esac
if [ "$ONLY" != disk ]; then
	command -v valgrind >/dev/null 2>&1 || die "valgrind is not installed (apt-get install valgrind)"
fi
pg_clean_env

# a free TCP port on 127.0.0.1 in 5500-5999, below the ephemeral range
PORT=$(free_port 5500 5999) || die "no free port in 5500-5999"

make_work fault
RESULTS="$WORK/results.txt"
: >"$RESULTS"
cd "$WORK"

# as_pg (lib.sh) in the C locale
AS_PG_ENV=(LC_ALL=C)
# sql QUERY: one unaligned, tuples-only query on the running server
sql() { as_pg psql -X -Atq -v ON_ERROR_STOP=1 -h "$WORK" -p "$PORT" -d postgres -c "$1"; }

pass() { echo "PASS: $*" | tee -a "$RESULTS"; }
fail() { echo "FAIL: $*" | tee -a "$RESULTS"; }
# check DESCRIPTION CMD...: PASS when CMD succeeds, FAIL otherwise
check() {
	local what=$1; shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}
# gt A B: A > B, as numbers (epochs with microseconds)
gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }

# Teardown, whatever happened: stop every server under $WORK, unmount what
# is mounted under it, keep the logs on failure, remove it.  Nothing is
# taken from the scenarios' variables: they run in subshells.

# stop_servers [MODE]: every server under $WORK; fast by default, immediate
# when time is short
stop_servers() { pg_stop_all "$WORK" "${1:-fast}"; }
# unmount_all: whatever is mounted under $WORK, innermost first
unmount_all() {
	local m
	while IFS= read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null ||
			echo "faults.sh: could not unmount $m" >&2
	done < <(awk -v w="$WORK/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r)
}
cleanup() {
	local rc=$? keep
	trap - EXIT INT TERM
	cd /
	# interrupted (a timeout, ^C): stop at once, before a KILL follows
	if [ "$rc" -eq 130 ]; then stop_servers immediate; else stop_servers; fi
	unmount_all
	if [ "$rc" -ne 0 ] || [ "$KEEP" != 0 ]; then
		keep=/tmp/pg_capacity-fault-$(date +%Y%m%d-%H%M%S).tar.gz
		if tar -czf "$keep" -C "$WORK" --exclude=./disk-data --exclude=./vg-data . 2>/dev/null; then
			echo "faults.sh: logs kept in $keep"
		fi
	fi
	if awk -v w="$WORK/" 'index($2, w) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
		echo "faults.sh: $WORK left in place: something is still mounted under it" >&2
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# init_server DATADIR [CONFIG LINES...]: initdb (lib.sh), this script's
# settings, then the scenario's
init_server() {
	local data=$1; shift
	pg_init_server "$data" "$PORT" "listen_addresses = '127.0.0.1'" \
		"log_line_prefix = '%m [%p] %b '" "jit = off" "$@"
}

# wait_sampler SECONDS: until the sampler runs and has sampled in the last 5 s
wait_sampler() {
	local i
	for i in $(seq 1 "$1"); do
		if [ -n "$(sql "SELECT 1 FROM capacity.sampler_status() WHERE worker_pid IS NOT NULL
				AND last_sample_at > now() - interval '5 s'" 2>/dev/null)" ]; then
			return 0
		fi
		sleep 1
	done
	return 1
}

# stop_fast DATADIR: a fast shutdown, waited for (60 s)
stop_fast() { as_pg pg_ctl -D "$1" stop -m fast -w -t 60 >/dev/null; }

# wait_ready SECONDS: until the server accepts connections
wait_ready() {
	local i
	for i in $(seq 1 "$1"); do
		as_pg pg_isready -q -h "$WORK" -p "$PORT" && return 0
		sleep 1
	done
	return 1
}

# status: "worker_pid raw_samples last_sample_at last_persist_at" (epochs)
status() {
	sql "SELECT concat_ws(' ', coalesce(worker_pid, 0), raw_samples,
			coalesce(extract(epoch FROM last_sample_at), 0),
			coalesce(extract(epoch FROM last_persist_at), 0))
		FROM capacity.sampler_status()"
}

# log_since FILE OFFSET: what FILE gained after byte OFFSET
log_since() { tail -c +"$(($2 + 1))" "$1"; }
# log_has / log_lacks FILE OFFSET PATTERN: a line after OFFSET matches PATTERN, or none does
# (grep reads to the end: with pipefail, grep -q could leave tail a SIGPIPE)
log_has() { log_since "$1" "$2" | grep -E "$3" >/dev/null; }
log_lacks() { ! log_has "$@"; }
# same_live_pid A B: A = B and the process is alive
same_live_pid() { [ "$1" = "$2" ] && kill -0 "$1" 2>/dev/null; }
size_of() { stat -c %s "$1"; }

# =============================================================================
# 1. A full disk under pg_stat_tmp
# =============================================================================

# fill_tmpfs HISTFILE FILLER: fill HISTFILE's file system with FILLER (as
# postgres), leaving room for half a copy of HISTFILE.  Measured between two
# writes, so that no temporary file takes room meanwhile.  Sets FILL_MSG;
# fails when the room left would still hold a copy.
fill_tmpfs() {
	local hist=$1 filler=$2 dir avail size fill i
	dir=$(dirname "$hist")
	for i in $(seq 1 100); do [ -e "$hist.tmp" ] || break; sleep 0.01; done
	avail=$(( $(stat -f -c '%a * %S' "$dir") ))
	size=$(size_of "$hist")
	fill=$(( (avail - size / 2) / 4096 * 4096 ))
	as_pg fallocate -l "$fill" "$filler" 2>/dev/null ||
		as_pg dd if=/dev/zero of="$filler" bs=4096 count=$((fill / 4096)) status=none
	sleep 0.2
	avail=$(( $(stat -f -c '%a * %S' "$dir") ))
	FILL_MSG="filler of $fill bytes: $avail bytes left for a $size-byte history file"
	[ "$avail" -lt "$size" ]
}

# shutdown_write_failed LOG OFFSET: after OFFSET, a failed write follows the shutdown request
shutdown_write_failed() {
	log_since "$1" "$2" | sed -n '/received fast shutdown request/,$p' |
		grep -E 'could not write pg_capacity history file.*(No space left on device|not enough free space)' >/dev/null
}

# wait_failed_write LOG OFFSET: until LOG has a failed write after OFFSET (15 s)
wait_failed_write() {
	local i
	for i in $(seq 1 15); do
		log_has "$1" "$2" 'could not write pg_capacity history file' && return 0
		sleep 1
	done
	return 1
}

scenario_disk() {
	section "scenario 1: full disk under pg_stat_tmp"
	local data="$WORK/disk-data" slog="$WORK/disk-server.log"
	local stat_tmp hist tmpf filler import_at size mnt_kb t0
	local pid raw ls lp pid0 raw0 ls0 lp0 sum0 n_ok t_fill off_fill off0
	local seen_tmp=0 select_fail=0 t_end grown bytes lines nospace failures
	local t_free t_resumed resumed=0 off_restart

	# 1a. a server with a ~1 MB history: 3500 imported tps points
	init_server "$data" \
		"shared_preload_libraries = 'pg_capacity'" \
		"pg_capacity.sample_interval = 1s" \
		"pg_capacity.persist_interval = 1s" \
		"# the imported hour plus this test's samples fit: raw_samples keeps growing" \
		"pg_capacity.raw_retention = 7200" \
		"shared_buffers = 32MB" \
		"max_connections = 20"
	stat_tmp="$data/pg_stat_tmp"
	hist="$stat_tmp/pg_capacity.history"
	tmpf="$hist.tmp"
	filler="$stat_tmp/filler"
	pg_start "$data" "$slog"
	sql "CREATE EXTENSION pg_capacity" >/dev/null
	wait_sampler 30 || { fail "disk: the sampler did not start"; return 1; }

	log "pausing the sampler, importing 3500 raw tps points"
	sql "ALTER SYSTEM SET pg_capacity.enabled = off" >/dev/null
	sql "SELECT pg_reload_conf()" >/dev/null
	sleep 3
	sql "SELECT capacity.reset_history()" >/dev/null
	# the count imported and the transaction's now(), which stamps the points
	import_at=$(sql "SELECT capacity.import_history('tps',
			array_agg(now() - make_interval(secs => g) ORDER BY g DESC),
			array_agg(g::float8 ORDER BY g DESC)) || ' ' || extract(epoch FROM now())
		FROM generate_series(1, 3500) g")
	[ "${import_at%% *}" = 3500 ] || { fail "disk: import_history returned '$import_at'"; return 1; }
	import_at=${import_at#* }
	sql "ALTER SYSTEM RESET pg_capacity.enabled" >/dev/null
	sql "SELECT pg_reload_conf()" >/dev/null
	# the imported series, as a fingerprint to find again after each restart
	local points="SELECT count(*) || ' ' || sum(value) FROM capacity.history('tps', '3 hours', 'raw')
		WHERE sampled_at <= to_timestamp($import_at)"
	sum0=$(sql "$points")
	check "disk: 3500 points imported (count, sum: $sum0)" [ "$sum0" = "3500 6126750" ]
	for i in $(seq 1 30); do
		read -r pid raw ls lp <<<"$(status)"
		gt "$lp" "$import_at" && break
		sleep 1
	done
	gt "$lp" "$import_at" || { fail "disk: the history was not written after the import"; return 1; }
	stop_fast "$data"
	size=$(size_of "$hist")
	log "history file after a clean stop: $size bytes"

	# 1b. a tmpfs over pg_stat_tmp, with the history file copied in.  Room for
	# the file and its temporary copy, so that the server writes normally
	# until the filler comes.
	mnt_kb=$(( (size * 3 / 1024 + 1023) / 1024 * 1024 ))
	[ "$mnt_kb" -ge 4096 ] || mnt_kb=4096
	cp -a "$stat_tmp" "$WORK/pg_stat_tmp.orig"
	mount -t tmpfs -o "size=${mnt_kb}k,mode=0700,uid=$(id -u postgres),gid=$(id -g postgres)" \
		pgcap-fault "$stat_tmp"
	as_pg cp -p "$WORK/pg_stat_tmp.orig/pg_capacity.history" "$hist"
	log "tmpfs of ${mnt_kb} kB mounted on $stat_tmp"

	off0=$(size_of "$slog")
	pg_start "$data" "$slog"
	wait_sampler 30 || { fail "disk: the sampler did not start on the tmpfs"; return 1; }
	check "disk: the copied history file loads (no 'ignoring' WARNING)" \
		log_lacks "$slog" "$off0" 'ignoring pg_capacity history file'
	check "disk: the load is logged" log_has "$slog" "$off0" 'pg_capacity: loaded history file'
	check "disk: the imported points are intact after the copy" [ "$(sql "$points")" = "$sum0" ]
	read -r pid0 raw0 ls0 lp0 <<<"$(status)"
	for i in $(seq 1 15); do
		read -r pid raw ls lp <<<"$(status)"
		gt "$lp" "$lp0" && break
		sleep 1
	done
	check "disk: the history is written on the tmpfs before the fault" gt "$lp" "$lp0"

	# 1c. the fault: a filler leaves room for half a history file
	off_fill=$(size_of "$slog")
	t_fill=$(date +%s.%N)
	fill_tmpfs "$hist" "$filler" || { fail "disk: $FILL_MSG"; return 1; }
	log "$FILL_MSG"
	# the fault window starts at the first failed write
	wait_failed_write "$slog" "$off_fill" ||
		{ fail "disk: no failed write logged within 15 s of filling the disk"; return 1; }
	off0=$(size_of "$slog")
	read -r pid0 raw0 ls0 lp0 <<<"$(status)"
	sum0=$(sha256sum <"$hist")
	log "writes fail; watching for ${DISK_SECONDS} s (raw_samples $raw0)"
	t_end=$(($(date +%s) + DISK_SECONDS))
	n_ok=0
	while [ "$(date +%s)" -lt "$t_end" ]; do
		if [ "$(sql "SELECT 1" 2>/dev/null)" = 1 ]; then n_ok=$((n_ok + 1)); else select_fail=$((select_fail + 1)); fi
		[ -e "$tmpf" ] && seen_tmp=$((seen_tmp + 1))
		sleep 1
	done
	read -r pid raw ls lp <<<"$(status)"
	bytes=$(( $(size_of "$slog") - off0 ))
	lines=$(log_since "$slog" "$off0" | grep -c 'pg_capacity' || true)
	failures=$(log_since "$slog" "$off_fill" | grep -c 'could not write pg_capacity history file' || true)
	nospace=$(log_since "$slog" "$off_fill" | grep -Ec 'No space left on device|not enough free space' || true)
	log "after ${DISK_SECONDS} s: raw_samples $raw0 -> $raw, $failures failed writes logged, log +$bytes bytes, $lines lines mentioning pg_capacity"
	check "disk: SELECT 1 answered throughout ($n_ok answers, $select_fail failures)" [ "$select_fail" -eq 0 ]
	check "disk: the sampler kept running (worker pid $pid0 -> $pid)" [ "$pid" = "$pid0" ]
	grown=$((raw - raw0))
	check "disk: samples keep coming (raw_samples +$grown in ${DISK_SECONDS} s)" [ "$grown" -ge $((DISK_SECONDS / 2)) ]
	check "disk: last_sample_at advances" gt "$ls" "$ls0"
	check "disk: last_persist_at does not advance" [ "$lp" = "$lp0" ]
	check "disk: the history file is left intact (same bytes)" [ "$(sha256sum <"$hist")" = "$sum0" ]
	if [ -e "$tmpf" ]; then sleep 2; fi	# a write under way
	check "disk: no temporary file left behind (seen in $seen_tmp of $n_ok polls)" [ ! -e "$tmpf" ]
	check "disk: the log says there is no room ('not enough free space' or 'No space left on device', $nospace times)" [ "$nospace" -gt 0 ]
	check "disk: log growth bounded ($bytes bytes < $LOG_BYTES_MAX)" [ "$bytes" -lt "$LOG_BYTES_MAX" ]
	check "disk: lines mentioning pg_capacity bounded ($lines < $LOG_LINES_MAX)" [ "$lines" -lt "$LOG_LINES_MAX" ]
	check "disk: the writes are retried ($failures failed writes logged)" [ "$failures" -ge 2 ]

	# 1d. space comes back: the writes resume within the back-off
	rm -f "$filler"
	t_free=$(date +%s.%N)
	for i in $(seq 1 "$RESUME_LIMIT"); do
		read -r pid raw ls lp <<<"$(status)"
		if gt "$lp" "$lp0"; then resumed=1; break; fi
		sleep 1
	done
	t_resumed=$(date +%s.%N)
	RESUME_SECONDS=$(awk -v a="$t_resumed" -v b="$t_free" 'BEGIN { printf "%.1f", a - b }')
	FAULT_SECONDS=$(awk -v a="$t_free" -v b="$t_fill" 'BEGIN { printf "%.1f", a - b }')
	check "disk: writes resume once space is freed (after ${RESUME_SECONDS} s, limit ${RESUME_LIMIT} s)" [ "$resumed" = 1 ]
	bytes=$(( $(size_of "$slog") - off_fill ))
	lines=$(log_since "$slog" "$off_fill" | grep -c 'pg_capacity' || true)
	failures=$(log_since "$slog" "$off_fill" | grep -c 'could not write pg_capacity history file' || true)
	DISK_FIGURES="disk full for ${FAULT_SECONDS} s: $failures failed writes, log +$bytes bytes, $lines lines mentioning pg_capacity; writes resumed ${RESUME_SECONDS} s after the space came back"
	log "$DISK_FIGURES"
	log "what the server logged about pg_capacity meanwhile:"
	log_since "$slog" "$off_fill" | grep 'pg_capacity' | sed 's/^/    /' | head -n 20 || true
	check "disk: recovery is logged ('works again')" \
		log_has "$slog" "$off_fill" 'pg_capacity: writing the history file works again'
	[ -e "$tmpf" ] && sleep 2
	check "disk: no temporary file after the recovery" [ ! -e "$tmpf" ]

	# 1e. a clean stop writes the file, which loads at the next start
	read -r pid raw0 ls lp <<<"$(status)"
	stop_fast "$data"
	off_restart=$(size_of "$slog")
	pg_start "$data" "$slog"
	wait_sampler 30 || { fail "disk: the sampler did not start after the restart"; return 1; }
	check "disk: the history file loads after the restart (no 'ignoring' WARNING)" \
		log_lacks "$slog" "$off_restart" 'ignoring pg_capacity history file'
	check "disk: the load after the restart is logged" \
		log_has "$slog" "$off_restart" 'pg_capacity: loaded history file'
	read -r pid raw ls lp <<<"$(status)"
	check "disk: no sample lost across the restart (raw_samples $raw0 before, $raw after)" [ "$raw" -ge "$raw0" ]
	check "disk: the imported points are intact after the restart" [ "$(sql "$points")" = "3500 6126750" ]
	check "disk: SELECT 1 answers after the restart" [ "$(sql "SELECT 1")" = 1 ]

	# 1f. a clean stop while the disk is full: the write at shutdown fails,
	# the server stops all the same, and the file written before is kept
	# and loads (the samples taken since are lost: a known price)
	off_fill=$(size_of "$slog")
	fill_tmpfs "$hist" "$filler" || { fail "disk: $FILL_MSG"; return 1; }
	wait_failed_write "$slog" "$off_fill" ||
		{ fail "disk: no failed write logged within 15 s of filling the disk again"; return 1; }
	sum0=$(sha256sum <"$hist")
	read -r pid raw0 ls lp <<<"$(status)"
	off0=$(size_of "$slog")
	t0=$(date +%s.%N)
	check "disk: a fast shutdown with the disk full succeeds" stop_fast "$data"
	STOP_SECONDS=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.1f", a - b }')
	DISK_FIGURES="$DISK_FIGURES; a fast shutdown with the disk full took ${STOP_SECONDS} s"
	check "disk: the write at shutdown fails and is logged (stop took ${STOP_SECONDS} s)" \
		shutdown_write_failed "$slog" "$off0"
	check "disk: the server log has no PANIC, crash or TRAP over the scenario" \
		log_lacks "$slog" 0 'PANIC|TRAP:|terminated by signal|was terminated by exception'
	check "disk: the history file is left intact by the failed shutdown write" [ "$(sha256sum <"$hist")" = "$sum0" ]
	check "disk: no temporary file after the failed shutdown write" [ ! -e "$tmpf" ]
	rm -f "$filler"
	off_restart=$(size_of "$slog")
	pg_start "$data" "$slog"
	wait_sampler 30 || { fail "disk: the sampler did not start after the full-disk shutdown"; return 1; }
	check "disk: the file kept through the full-disk shutdown loads (no 'ignoring' WARNING)" \
		log_lacks "$slog" "$off_restart" 'ignoring pg_capacity history file'
	read -r pid raw ls lp <<<"$(status)"
	log "raw_samples: $raw0 at the full-disk shutdown, $raw after the restart (the unsaved ones are lost)"
	check "disk: the imported points are intact after the full-disk shutdown" [ "$(sql "$points")" = "3500 6126750" ]
	check "disk: SELECT 1 answers after the full-disk shutdown" [ "$(sql "SELECT 1")" = 1 ]
	stop_fast "$data"
	umount "$stat_tmp"
	return 0
}

# =============================================================================
# 2. The pg_regress suite under valgrind memcheck
# =============================================================================
scenario_valgrind() {
	section "scenario 2: pg_regress suite under valgrind memcheck"
	local data="$WORK/vg-data" slog="$WORK/vg-server.log" vgdir="$WORK/valgrind"
	local rdir="$WORK/regress" tests t src_files
	local pm_pid now_pid rc t0 r_ok r_bad crashes vg_exits restarts ours total canary off_canary

	# test/pg_capacity.conf as make installcheck gives it to pg_regress
	init_server "$data" "$(cat "$SRC/test/pg_capacity.conf")" "fsync = off"
	# the tests' layout as the Makefile runs them: --inputdir=test, expected/
	# beside it, include files named test/sql/include/...
	mkdir -p "$vgdir" "$rdir/test"
	cp -r "$SRC/test/sql" "$rdir/test/sql"
	cp -r "$SRC/expected" "$rdir/expected"
	cp "$SCRIPT_DIR/valgrind.supp" "$WORK/valgrind.supp"
	chown -R postgres:postgres "$vgdir" "$rdir" "$WORK/valgrind.supp"

	if [ "$VALGRIND_TESTS" = all ]; then
		tests=" $(find "$rdir/test/sql" -maxdepth 1 -name '*.sql' -printf '%f\n' | sed 's/\.sql$//' | sort | paste -sd' ')"
	else
		tests=""
		for t in $VALGRIND_TESTS; do
			if [ -f "$rdir/test/sql/$t.sql" ]; then tests="$tests $t"; else log "no test $t: skipped"; fi
		done
	fi
	log "tests under valgrind:$tests"

	log "starting postgres under valgrind (port $PORT)"
	# pg_ctl cannot put valgrind in front of postgres: start the postmaster
	# directly, in the background and in a session of its own (as pg_ctl
	# does); pg_ctl stop finds it by postmaster.pid
	# shellcheck disable=SC2086
	as_pg setsid valgrind --quiet --trace-children=yes --track-origins=no --leak-check=no \
		--error-exitcode="$VALGRIND_EXIT" --suppressions="$WORK/valgrind.supp" \
		--log-file="$vgdir/valgrind.%p.log" $VALGRIND_OPTS \
		"$PGBIN/postgres" -D "$data" >"$slog" 2>&1 </dev/null &
	wait_ready 180 || { fail "valgrind: the server did not start under valgrind"; tail -n 20 "$slog"; return 1; }
	pm_pid=$(head -n 1 "$data/postmaster.pid")
	# sampler_status() for the checks, in the postgres database (the tests
	# have their own, contrib_regression)
	sql "CREATE EXTENSION pg_capacity" >/dev/null
	wait_sampler 120 || { fail "valgrind: the sampler did not start under valgrind"; return 1; }

	# pg_regress --use-existing creates no database: do what it does for a
	# temporary instance (and what --load-extension does)
	sql "CREATE DATABASE contrib_regression TEMPLATE template0" >/dev/null
	as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$WORK" -p "$PORT" -d contrib_regression >/dev/null <<'SQL'
ALTER DATABASE contrib_regression SET lc_messages TO 'C';
ALTER DATABASE contrib_regression SET lc_monetary TO 'C';
ALTER DATABASE contrib_regression SET lc_numeric TO 'C';
ALTER DATABASE contrib_regression SET lc_time TO 'C';
ALTER DATABASE contrib_regression SET bytea_output TO 'hex';
ALTER DATABASE contrib_regression SET timezone_abbreviations TO 'Default';
CREATE EXTENSION pg_capacity;
SQL

	log "pg_regress (timeout ${VALGRIND_TIMEOUT} s)"
	t0=$(date +%s)
	# in the background, so that a TERM reaches this script's trap at once
	# shellcheck disable=SC2086
	(set +e; cd "$rdir" || exit; as_pg timeout -k 30 "$VALGRIND_TIMEOUT" "$PG_REGRESS" \
		--inputdir=test --outputdir=. --bindir="$PGBIN" --use-existing \
		--host="$WORK" --port="$PORT" --dbname=contrib_regression $tests </dev/null >"$WORK/pg_regress.log" 2>&1
		echo $? >"$WORK/pg_regress.rc") &
	wait $!
	rc=$(cat "$WORK/pg_regress.rc" 2>/dev/null || echo 2)
	VG_SECONDS=$(($(date +%s) - t0))
	cat "$WORK/pg_regress.log"
	r_ok=$(grep -cE '\.\.\. ok( |$)' "$WORK/pg_regress.log" || true)
	r_bad=$(grep -cE '\.\.\. (FAILED|failed)' "$WORK/pg_regress.log" || true)
	log "pg_regress exit $rc after ${VG_SECONDS} s: $r_ok ok, $r_bad failed (outputs are not required to match under valgrind)"
	if [ -s "$rdir/regression.diffs" ]; then
		log "regression.diffs: $(grep -c '^[-+][^-+]' "$rdir/regression.diffs") changed lines; the first 40 lines:"
		head -n 40 "$rdir/regression.diffs" | sed 's/^/    /'
	fi
	# 0: every output matched, 1: some did not; 2: could not run, 124/137: timeout
	check "valgrind: pg_regress ran to the end within ${VALGRIND_TIMEOUT} s (exit $rc, ${VG_SECONDS} s)" \
		[ "$rc" -le 1 ]
	check "valgrind: SELECT 1 answers after the suite" [ "$(sql "SELECT 1" 2>/dev/null)" = 1 ]
	check "valgrind: the sampler is still sampling after the suite" wait_sampler 30
	now_pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null || echo none)
	check "valgrind: the same postmaster throughout (PID $pm_pid, now $now_pid)" same_live_pid "$pm_pid" "$now_pid"

	# Crashes: a process killed by a signal, an assertion, a PANIC, an exit
	# code other than 0 and 1 (a FATAL) and VALGRIND_EXIT (a process in which
	# valgrind found an error: those are judged by the reports below).  An
	# exit with VALGRIND_EXIT makes the postmaster reinitialise, as a crash
	# does: the reports say whose error it was (PostgreSQL's own false
	# positives belong in test/fault/valgrind.supp).
	grep -E 'terminated by signal|was terminated by exception|TRAP:|PANIC:|exited with exit code [0-9]+' "$slog" |
		grep -vE "exited with exit code (1|$VALGRIND_EXIT)\b" >"$WORK/crashes.txt" || true
	grep -h 'Process terminating with default action' "$vgdir"/valgrind.*.log >>"$WORK/crashes.txt" 2>/dev/null || true
	crashes=$(grep -c . "$WORK/crashes.txt" || true)
	vg_exits=$(grep -c "exited with exit code $VALGRIND_EXIT" "$slog" || true)
	restarts=$(grep -c 'all server processes terminated; reinitializing' "$slog" || true)
	check "valgrind: no crash (signal, PANIC, assertion) in the server or valgrind logs" [ "$crashes" -eq 0 ]
	head -n 20 "$WORK/crashes.txt"
	check "valgrind: no restart of the server ($restarts; $vg_exits processes exited with $VALGRIND_EXIT)" \
		[ "$restarts" -eq 0 ]

	# The positive control, last (its backend exits with VALGRIND_EXIT, and
	# the postmaster reinitialises): a read past a malloc'd block in a
	# function of our own must be reported.
	off_canary=$(size_of "$slog")
	cp "$SCRIPT_DIR/canary.c" "$WORK/canary.c"
	chown postgres:postgres "$WORK/canary.c"
	as_pg gcc -O0 -g -fPIC -shared -I"$("$PG_CONFIG" --includedir-server)" \
		-o "$WORK/canary.so" "$WORK/canary.c"
	sql "CREATE FUNCTION fault_canary() RETURNS int AS '$WORK/canary.so' LANGUAGE C;
		SELECT fault_canary(); DROP FUNCTION fault_canary()" >/dev/null
	for i in $(seq 1 60); do
		log_has "$slog" "$off_canary" "exited with exit code $VALGRIND_EXIT" && break
		sleep 1
	done
	wait_ready 120 || true

	log "stopping the server (valgrind reports what it found as each process exits)"
	as_pg pg_ctl -D "$data" stop -m fast -w -t 300 >/dev/null ||
		{ fail "valgrind: the server did not stop within 300 s"; return 1; }

	# valgrind's reports: by kind, and those with a frame in pg_capacity
	canary=$(VG_OURS='canary\.c:[0-9]+\)' awk -v ours_out=/dev/null -v others_out=/dev/null \
		-f "$SCRIPT_DIR/valgrind-errors.awk" /dev/null "$vgdir"/valgrind.*.log |
		awk -F'\t' '$3 == "Invalid read" { n += $2 } END { print n + 0 }')
	check "valgrind: the canary's invalid read is reported (valgrind watches the backends)" [ "$canary" -ge 1 ]
	src_files=$(find "$SRC/src" -maxdepth 1 -name '*.c' -printf '%f\n' | sed 's/\.c$//' | paste -sd'|')
	: >"$WORK/valgrind-ours.txt"
	: >"$WORK/valgrind-others.txt"
	VG_OURS="pg_capacity\\.so|[( /]($src_files)\\.c:[0-9]+\\)" \
		awk -v ours_out="$WORK/valgrind-ours.txt" -v others_out="$WORK/valgrind-others.txt" \
		-f "$SCRIPT_DIR/valgrind-errors.awk" /dev/null "$vgdir"/valgrind.*.log |
		sort -rn >"$WORK/valgrind-summary.txt"
	total=$(awk -F'\t' '{ n += $1 } END { print n + 0 }' "$WORK/valgrind-summary.txt")
	ours=$(awk -F'\t' '{ n += $2 } END { print n + 0 }' "$WORK/valgrind-summary.txt")
	echo "valgrind: $total error reports (the canary's included) in $(find "$vgdir" -name 'valgrind.*.log' | wc -l) process logs, $ours with a pg_capacity frame"
	awk -F'\t' '{ printf "    %5d  %-55s (%d with a pg_capacity frame)\n", $1, $3, $2 }' "$WORK/valgrind-summary.txt"
	if [ $((total - ours - canary)) -gt 0 ]; then
		echo "reports outside pg_capacity (not failures; the first lines):"
		grep -v '^$' "$WORK/valgrind-others.txt" | head -n 60 | sed 's/^/    /'
	fi
	if [ -s "$WORK/valgrind-ours.txt" ]; then
		echo "reports with a pg_capacity frame, in full:"
		cat "$WORK/valgrind-ours.txt"
	fi
	VG_FIGURES="pg_regress ran${tests} in ${VG_SECONDS} s: $r_ok ok, $r_bad failed; valgrind: $total reports ($canary from the canary), $ours with a pg_capacity frame; $vg_exits exits with $VALGRIND_EXIT and $restarts restarts before the canary"
	check "valgrind: no error report with a pg_capacity frame ($ours of $total)" [ "$ours" -eq 0 ]
	return 0
}

# =============================================================================
# run
# =============================================================================
T0=$(date +%s)
log "work directory $WORK, port $PORT, pg_capacity from $PKGLIB, tests from $SRC"
DISK_FIGURES=
VG_FIGURES=
# Each scenario runs in a subshell with -e: a command that fails aborts the
# scenario (recorded as a FAIL), not the script; teardown needs no state from it.
for scenario in disk valgrind; do
	[ -z "$ONLY" ] || [ "$ONLY" = "$scenario" ] || continue
	set +e
	( set -e; "scenario_$scenario"; declare -p DISK_FIGURES VG_FIGURES >"$WORK/figures.$scenario" )
	rc=$?
	set -e
	if [ "$rc" -ne 0 ]; then
		fail "$scenario: scenario aborted (exit $rc)"
		stop_servers
		unmount_all
		case $scenario in disk) slog="$WORK/disk-server.log" ;; *) slog="$WORK/vg-server.log" ;; esac
		if [ -f "$slog" ]; then
			log "server log (last 30 lines):"
			tail -n 30 "$slog"
		fi
	fi
	# shellcheck disable=SC1090
	[ -f "$WORK/figures.$scenario" ] && . "$WORK/figures.$scenario"
done

section "summary ($(($(date +%s) - T0)) s)"
[ -n "$DISK_FIGURES" ] && echo "  full disk: $DISK_FIGURES"
[ -n "$VG_FIGURES" ] && echo "  valgrind: $VG_FIGURES"
grep '^FAIL:' "$RESULTS" | sed 's/^/  /' || true
n_pass=$(grep -c '^PASS:' "$RESULTS" || true)
n_fail=$(grep -c '^FAIL:' "$RESULTS" || true)
echo "$n_pass passed, $n_fail failed"
[ "$n_fail" -eq 0 ]
