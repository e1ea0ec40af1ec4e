# shellcheck shell=bash
# test/bench/lib.sh: a throwaway PostgreSQL server for the benchmark scripts
#
#   . "$(dirname "$(readlink -f "$0")")/lib.sh"
#   bench_start_server NAME PORT 'extra postgresql.conf lines'
#   bench_psql DB -c '...'            (as the postgres OS user)
#
# The server (test/scripts/lib.sh's) runs as the postgres OS user, listens on a
# unix socket in a temporary directory only (no TCP), and is stopped and
# removed on exit, whatever happens (the server log's tail is printed when the
# script fails).  pg_capacity must be installed already (make && make install);
# it is not preloaded unless the extra lines say so.

# shellcheck source=test/scripts/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../scripts/lib.sh"

bench_start_server() {
	local name=$1 port=$2 extra=${3:-}
	pg_require_installed "the server runs as the postgres OS user via runuser"
	case "$port" in *[!0-9]*|'') die "the port must be a positive integer" ;; esac
	pg_clean_env

	make_work "$name"
	BENCH_WORK=$WORK
	BENCH_DATA="$WORK/data"
	BENCH_PORT=$port
	BENCH_STARTED=0
	cd "$WORK" || exit 1
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM

	log "initdb and start (port $port, socket in $WORK)"
	pg_init_server "$BENCH_DATA" "$port" "shared_preload_libraries = ''" "$extra" || exit 1
	pg_start "$BENCH_DATA"
	BENCH_STARTED=1
}

bench_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ "${BENCH_STARTED:-0}" = 1 ]; then pg_stop "$BENCH_DATA"; fi
	[ "$rc" -eq 0 ] || tail_logs 30 "$BENCH_WORK/server.log"
	cd /
	[ -n "${BENCH_WORK:-}" ] && rm -rf "$BENCH_WORK"
	[ "$rc" -eq 0 ] || echo "$(basename "$0"): FAILED (exit $rc)" >&2
	exit "$rc"
}

bench_psql() {
	local db=$1
	shift
	as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$BENCH_WORK" -p "$BENCH_PORT" -d "$db" "$@"
}
