#!/usr/bin/env bash
# run-tests.sh: THE test command of pg_capacity.
#
#   bash test/scripts/run-tests.sh                 (as root, from any directory)
#   ONLY=cluster bash test/scripts/run-tests.sh    the cluster scenarios alone
#   LONG_TESTS=1 bash test/scripts/run-tests.sh    long mode: longer scenarios, sqlsmith
#
# Installs what is missing (deps.sh), copies this source tree into a scratch
# directory owned by the postgres OS user (the caller's checkout is never
# modified), builds there, installs as root, then as postgres runs
#   make unittest             pure-C unit tests
#   make installcheck TAP_TESTS=   pg_regress suite (test/sql, expected/) on a temp instance
#   make installcheck REGRESS=     TAP tests (test/t/*.pl)
# and, as root, test/monitoring/monitoring.sh (monitoring/ with Debian's Prometheus
# and exporters), test/cluster/scenarios.sh (the playbook's load-test scenarios on
# a Patroni cluster on loopback; its report is printed at the end) and, in long
# mode, test/fuzz/sqlsmith.sh and test/fault/faults.sh (a full disk under
# pg_stat_tmp; the pg_regress suite under valgrind).
# On failure it prints regression.diffs and the tails of the TAP logs and keeps
# the scratch directory. The last line is "N passed, N failed" (the docs check +
# regression tests + TAP test files + unit test binaries + the cluster scenarios + sqlsmith
# + the fault scenarios);
# the exit status is non-zero on any failure.
#
# Environment: PG_CFLAGS (extra compiler flags, CI passes -Wall -Wextra -Werror),
# PG_CONFIG (default /usr/lib/postgresql/15/bin/pg_config), PROVE_FLAGS,
# KEEP_SCRATCH=1 keeps the scratch directory even on success,
# TEST_TIMEOUT_{UNIT,REGRESS,TAP,MONITORING,CLUSTER,FUZZ,FAULT} (seconds, per stage), CLUSTER_TESTS=0
# skips the cluster stage, ONLY=cluster runs only it, LONG_TESTS=1 (long mode).
set -uo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=test/scripts/lib.sh
. "$SCRIPT_DIR/lib.sh"
PG_CFLAGS=${PG_CFLAGS:-}
PROVE_FLAGS=${PROVE_FLAGS:---timer}
TEST_TIMEOUT_UNIT=${TEST_TIMEOUT_UNIT:-300}
TEST_TIMEOUT_REGRESS=${TEST_TIMEOUT_REGRESS:-900}
TEST_TIMEOUT_TAP=${TEST_TIMEOUT_TAP:-2400}
ONLY=${ONLY:-}
START=$(date +%s)

passed=0
failed=0
declare -a SUMMARY=()

finish() {
	local rc=$1
	section "summary ($(( $(date +%s) - START ))s)"
	local line
	for line in "${SUMMARY[@]}"; do echo "  $line"; done
	if [ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] && [ "${KEEP_SCRATCH:-0}" != 1 ]; then
		cleanup_scratch
	elif [ -n "${SCRATCH:-}" ]; then
		stop_servers
		echo "  scratch directory kept: $SCRATCH"
	fi
	echo "$passed passed, $failed failed"
	if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ]; then exit 1; fi
	exit 0
}

# Stop any server a test left running under the scratch directory.
stop_servers() {
	[ -n "${SCRATCH:-}" ] || return 0
	pg_stop_all "$SCRATCH" immediate
}

cleanup_scratch() {
	[ -n "${SCRATCH:-}" ] && [ -d "$SCRATCH" ] || return 0
	stop_servers
	rm -rf "$SCRATCH"
}

if [ "$(id -u)" -ne 0 ]; then
	echo "run-tests.sh: run as root (it installs packages and the extension, and runs the tests as postgres)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

section "dependencies"
if ! bash "$SCRIPT_DIR/deps.sh"; then
	SUMMARY+=("deps: FAILED")
	failed=$((failed + 1))
	finish 1
fi
PGBIN=$("$PG_CONFIG" --bindir)
echo "pg_config: $PG_CONFIG ($("$PG_CONFIG" --version))"

pg_clean_env

section "scratch copy"
make_work test 755
SCRATCH=$WORK
BUILD="$SCRATCH/src"
LOGDIR="$SCRATCH/logs"
scratch_copy "$BUILD"
mkdir -p "$LOGDIR"
chown postgres:postgres "$LOGDIR"
echo "copied $TESTLIB_REPO -> $BUILD"

# as_pg (lib.sh) runs in the build directory, in postgres's own home
AS_PG_DIR=$BUILD
AS_PG_HOME=$(getent passwd postgres | cut -d: -f6)

# run_logged NAME CMD...: run, tee output to $LOGDIR/NAME.log, return its status.
run_logged() {
	local name=$1; shift
	"$@" </dev/null 2>&1 | tee "$LOGDIR/$name.log"
	return "${PIPESTATUS[0]}"
}

section "build (PG_CFLAGS='$PG_CFLAGS')"
if ! run_logged build as_pg make -j2 PG_CONFIG="$PG_CONFIG" PG_CFLAGS="$PG_CFLAGS"; then
	SUMMARY+=("build: FAILED")
	failed=$((failed + 1))
	finish 1
fi
SUMMARY+=("build: ok")

section "install (root)"
if ! run_logged install bash -c 'cd "$1" && make install PG_CONFIG="$2" PG_CFLAGS="$3"' _ "$BUILD" "$PG_CONFIG" "$PG_CFLAGS"; then
	SUMMARY+=("install: FAILED")
	failed=$((failed + 1))
	finish 1
fi
SUMMARY+=("install: ok")

# ---- docs ---------------------------------------------------------------------
# README.md under 20 KB, every relative link and anchor of the docs resolving.
stage_docs() {
	section "docs (test/scripts/check-docs.sh)"
	if run_logged docs bash "$BUILD/test/scripts/check-docs.sh"; then
		passed=$((passed + 1))
		SUMMARY+=("docs: ok")
	else
		failed=$((failed + 1))
		SUMMARY+=("docs: FAILED (log: $LOGDIR/docs.log)")
	fi
}

# ---- unit tests -------------------------------------------------------------
stage_unit() {
	section "unit tests (make unittest)"
	run_logged unittest as_pg timeout -k 30 "$TEST_TIMEOUT_UNIT" make unittest PG_CONFIG="$PG_CONFIG" PG_CFLAGS="$PG_CFLAGS"
	rc=$?
	# One result per unit test binary: "make unittest" prints "== BINARY" before
	# each; a binary fails when its closing "N passed, M failed" has M > 0, or it
	# printed none and make failed.
	read -r u_ok u_bad < <(awk -v rc="$rc" '
		function close_section() {
			if (name == "") return
			if (seen) { if (bad > 0) nbad++; else nok++ }
			else if (rc == 0) nok++; else nbad++
		}
		/^== / { close_section(); name = $2; seen = 0; bad = 0; next }
		/^[0-9]+ passed, [0-9]+ failed/ { seen = 1; bad = $3 + 0 }
		END { close_section(); print nok + 0, nbad + 0 }' "$LOGDIR/unittest.log")
	if [ $((u_ok + u_bad)) -eq 0 ]; then
		if [ "$rc" -eq 0 ]; then u_ok=1; else u_bad=1; fi
	fi
	if [ "$rc" -ne 0 ] && [ "$u_bad" -eq 0 ]; then u_bad=1; fi
	passed=$((passed + u_ok))
	failed=$((failed + u_bad))
	if [ "$rc" -eq 0 ]; then
		SUMMARY+=("unit tests: $u_ok binaries passed")
	else
		SUMMARY+=("unit tests: $u_ok binaries passed, $u_bad FAILED (log: $LOGDIR/unittest.log)")
	fi
}

# ---- pg_regress -------------------------------------------------------------
# PGXS's installcheck runs pg_regress (REGRESS) and then prove (TAP_TESTS):
# run them one at a time by emptying the other.
stage_regress() {
	section "regression tests (make installcheck TAP_TESTS=)"
	run_logged installcheck as_pg timeout -k 30 "$TEST_TIMEOUT_REGRESS" make installcheck TAP_TESTS= PG_CONFIG="$PG_CONFIG"
	rc=$?
	r_ok=$(grep -cE '\.\.\. ok( |$)' "$LOGDIR/installcheck.log")
	r_bad=$(grep -cE '\.\.\. (FAILED|failed)' "$LOGDIR/installcheck.log")
	if [ "$rc" -ne 0 ] && [ "$r_bad" -eq 0 ]; then r_bad=1; fi   # failed before any test ran
	passed=$((passed + r_ok))
	failed=$((failed + r_bad))
	if [ "$rc" -eq 0 ]; then
		SUMMARY+=("regression: $r_ok passed")
	else
		SUMMARY+=("regression: $r_ok passed, $r_bad FAILED")
		if [ -f "$BUILD/regression.diffs" ]; then
			section "regression.diffs (first 400 lines)"
			head -n 400 "$BUILD/regression.diffs"
		fi
		# make prove_installcheck removes tmp_check: save the temp instance's log now.
		if [ -d "$BUILD/tmp_check/log" ]; then
			mkdir -p "$LOGDIR/regress_log"
			cp -r "$BUILD/tmp_check/log/." "$LOGDIR/regress_log/" 2>/dev/null || true
			for f in "$BUILD"/tmp_check/log/*; do
				[ -f "$f" ] || continue
				section "tail of $f"
				tail -n 60 "$f"
			done
		fi
	fi
}

# ---- TAP --------------------------------------------------------------------
# A cgroup v1 cpu,cpuacct group of one CPU for 017_tps_capacity.pl, whose
# cgroup.procs the postgres user may write (it moves its server in); named
# in PGCAP_TEST_CGROUP.  Without writable v1 hierarchies (cgroup v2, a
# container) the test skips and says why.
TAP_CGROUP=pg_capacity_test.$$
tap_cgroup_up() {
	local c d
	for c in cpu cpuacct; do
		[ -d "/sys/fs/cgroup/$c" ] && [ -w "/sys/fs/cgroup/$c" ] || {
			echo "017_tps_capacity.pl will skip: /sys/fs/cgroup/$c is not a writable cgroup v1 hierarchy"
			return 0
		}
	done
	for c in cpu cpuacct; do
		d=/sys/fs/cgroup/$c/$TAP_CGROUP
		mkdir -p "$d" && chown postgres "$d/cgroup.procs" "$d/tasks" || return 0
	done
	d=/sys/fs/cgroup/cpu/$TAP_CGROUP
	cat "$d/cpu.cfs_period_us" >"$d/cpu.cfs_quota_us" || return 0
	AS_PG_ENV+=("PGCAP_TEST_CGROUP=$TAP_CGROUP" "LONG_TESTS=${LONG_TESTS:-0}")
}
tap_cgroup_down() {
	local c
	for c in cpu cpuacct; do
		[ -d "/sys/fs/cgroup/$c/$TAP_CGROUP" ] && rmdir "/sys/fs/cgroup/$c/$TAP_CGROUP" 2>/dev/null
	done
	return 0
}

stage_tap() {
	section "TAP tests (make installcheck REGRESS=)"
	tap_cgroup_up
	n_tap=$(find "$BUILD/test/t" -maxdepth 1 -name '*.pl' 2>/dev/null | wc -l)
	if [ "$n_tap" -eq 0 ]; then
		echo "no TAP tests in test/t"
		SUMMARY+=("TAP: no test files")
	else
		run_logged prove as_pg timeout -k 30 "$TEST_TIMEOUT_TAP" make installcheck REGRESS= TAP_TESTS=1 PG_CONFIG="$PG_CONFIG" PROVE_FLAGS="$PROVE_FLAGS"
		rc=$?
		tap_cgroup_down
		# the TPS capacity's prediction ratios (docs/measurements.md)
		grep -h "light load" "$BUILD/tmp_check/log/regress_log_017_tps_capacity" 2>/dev/null | sed 's/^.*# /017: /'

		t_ok=$(grep -cE '\.pl \.+ (ok|skipped)' "$LOGDIR/prove.log")
		t_bad=$((n_tap - t_ok))
		if [ "$rc" -ne 0 ] && [ "$t_bad" -le 0 ]; then t_bad=1; fi
		[ "$t_bad" -lt 0 ] && t_bad=0
		passed=$((passed + t_ok))
		failed=$((failed + t_bad))
		if [ "$rc" -eq 0 ] && [ "$t_bad" -eq 0 ]; then
			SUMMARY+=("TAP: $t_ok files passed")
		else
			SUMMARY+=("TAP: $t_ok files passed, $t_bad FAILED")
			# Logs of the test files that did not pass: regress_log_NAME and NAME_*.log.
			for t in "$BUILD"/test/t/*.pl; do
				tn=$(basename "$t" .pl)
				if grep -qE "$tn\.pl \.+ (ok|skipped)" "$LOGDIR/prove.log"; then continue; fi
				for f in "$BUILD/tmp_check/log/regress_log_$tn" "$BUILD/tmp_check/log/${tn}"_*.log; do
					[ -f "$f" ] || continue
					section "tail of $f"
					tail -n 80 "$f"
				done
			done
		fi
	fi
}

# ---- cluster ------------------------------------------------------------------
# The playbook's load-test scenarios on a 3-node Patroni cluster with etcd,
# HAProxy and PgBouncer on loopback (test/cluster/scenarios.sh, as root: it
# starts every daemon as postgres): TPS and lag as the samplers see them
# against pgbench's logs, a switchover and a SIGKILL failover under load,
# sizing_recommendations applied with patronictl. Its report closes the run.
# CLUSTER_TESTS=0 skips it; LONG_TESTS=1 runs it longer.
stage_cluster() {
	if [ "${CLUSTER_TESTS:-1}" != 0 ]; then
		section "cluster scenarios (test/cluster/scenarios.sh)"
		if run_logged cluster env CLUSTER_DIR="/tmp/pgcap-cluster-test.$$" LONG_TESTS="${LONG_TESTS:-0}" \
			timeout -k 30 "${TEST_TIMEOUT_CLUSTER:-1800}" bash "$BUILD/test/cluster/scenarios.sh"; then
			passed=$((passed + 1))
			SUMMARY+=("cluster: scenarios passed")
		else
			failed=$((failed + 1))
			SUMMARY+=("cluster: scenarios FAILED (log: $LOGDIR/cluster.log)")
		fi
		REPORT_LINES=$(sed -n '/^==== scenario report/,/FAILs:/p' "$LOGDIR/cluster.log")
	fi
}

# ---- long-mode stages ----------------------------------------------------------
# long_stage NAME TITLE TIMEOUT SCRIPT: LONG_TESTS=1 only, as root; one result,
# the script's last line in the summary.
long_stage() {
	local name=$1 title=$2 limit=$3 script=$4
	[ "${LONG_TESTS:-0}" = 1 ] || return 0
	section "$title ($script)"
	if run_logged "$name" timeout -k 30 "$limit" bash "$BUILD/$script"; then
		passed=$((passed + 1))
		SUMMARY+=("$name: passed ($(tail -n 1 "$LOGDIR/$name.log"))")
	else
		failed=$((failed + 1))
		SUMMARY+=("$name: FAILED (log: $LOGDIR/$name.log)")
	fi
}

# sqlsmith against a server with pg_capacity: no crash, no assertion failure,
# the server log checked.
stage_fuzz() {
	long_stage sqlsmith sqlsmith "${TEST_TIMEOUT_FUZZ:-1800}" test/fuzz/sqlsmith.sh
}

# fault injection: a full disk under pg_stat_tmp (a tmpfs, filled while the
# sampler writes its history file) and the pg_regress suite against a server
# under valgrind memcheck.
stage_fault() {
	long_stage faults "fault injection" "${TEST_TIMEOUT_FAULT:-2400}" test/fault/faults.sh
}

# ---- monitoring -------------------------------------------------------------------
# pg_capacity in the Prometheus stack (test/monitoring/monitoring.sh, as root): postgres_exporter
# with monitoring/postgres_exporter/queries.yaml, Prometheus with the shipped rules, the series
# against the SQL functions, an alert pending then firing, promtool check/test rules, every
# Grafana dashboard query, sql_exporter; prints the cost of a scrape.
stage_monitoring() {
	section "monitoring (test/monitoring/monitoring.sh)"
	if run_logged monitoring timeout -k 30 "${TEST_TIMEOUT_MONITORING:-600}" bash "$BUILD/test/monitoring/monitoring.sh"; then
		passed=$((passed + 1))
		SUMMARY+=("monitoring: passed")
	else
		failed=$((failed + 1))
		SUMMARY+=("monitoring: FAILED (log: $LOGDIR/monitoring.log)")
	fi
}

# ---- run ----------------------------------------------------------------------
# ONLY=cluster runs the cluster scenarios alone (after the same set-up and build)
if [ "$ONLY" != cluster ]; then
	stage_docs
	stage_unit
	stage_regress
	stage_tap
	stage_monitoring
fi
stage_cluster
[ "$ONLY" = cluster ] || stage_fuzz
[ "$ONLY" = cluster ] || stage_fault

if [ -n "${REPORT_LINES:-}" ]; then
	section "cluster scenario report"
	echo "$REPORT_LINES"
fi

finish 0
