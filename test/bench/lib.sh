# test/bench/lib.sh: a throwaway PostgreSQL server for the benchmark scripts
#
#   . "$(dirname "$0")/lib.sh"
#   bench_start_server NAME PORT 'extra postgresql.conf lines'
#   bench_psql DB -c '...'            (as the postgres OS user)
#
# The server runs as the postgres OS user, listens on a unix socket in a
# temporary directory only (no TCP), and is stopped and removed on exit,
# whatever happens (the server log's tail is printed when the script fails).
# pg_capacity must be installed already (make && make install).

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}

bench_die() { echo "$(basename "$0"): $*" >&2; exit 1; }
bench_log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }

bench_start_server() {
	local name=$1 port=$2 extra=${3:-}
	[ "$(id -u)" -eq 0 ] || bench_die "run as root (the server runs as the postgres OS user via runuser)"
	id postgres >/dev/null 2>&1 || bench_die "no postgres OS user: install postgresql-15"
	[ -x "$PG_CONFIG" ] || bench_die "no pg_config at $PG_CONFIG (set PG_CONFIG)"
	case "$port" in *[!0-9]*|'') bench_die "the port must be a positive integer" ;; esac
	PGBIN=$("$PG_CONFIG" --bindir)
	[ -f "$("$PG_CONFIG" --pkglibdir)/pg_capacity.so" ] ||
		bench_die "pg_capacity is not installed: make && make install"
	unset PGDATA PGHOST PGHOSTADDR PGDATABASE PGUSER PGPASSWORD PGSERVICE PGOPTIONS PGPORT || true

	BENCH_WORK=$(mktemp -d "/tmp/pg_capacity-$name.XXXXXX")
	BENCH_DATA="$BENCH_WORK/data"
	BENCH_PORT=$port
	BENCH_STARTED=0
	chown postgres:postgres "$BENCH_WORK"
	chmod 700 "$BENCH_WORK"
	cd "$BENCH_WORK"
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM

	bench_log "initdb and start (port $port, socket in $BENCH_WORK)"
	bench_as_pg initdb -D "$BENCH_DATA" -U postgres --auth=trust --no-sync -E UTF8 --locale=C \
		>"$BENCH_WORK/initdb.log" || { cat "$BENCH_WORK/initdb.log"; exit 1; }
	cat >>"$BENCH_DATA/postgresql.conf" <<CONF
port = $port
listen_addresses = ''
unix_socket_directories = '$BENCH_WORK'
lc_messages = 'C'
$extra
CONF
	bench_as_pg pg_ctl -D "$BENCH_DATA" -l "$BENCH_WORK/server.log" -w -t 60 start >/dev/null
	BENCH_STARTED=1
}

bench_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ "${BENCH_STARTED:-0}" = 1 ]; then
		bench_as_pg pg_ctl -D "$BENCH_DATA" stop -m fast -w -t 60 >/dev/null 2>&1 || true
	fi
	if [ "$rc" -ne 0 ] && [ -f "$BENCH_WORK/server.log" ]; then
		echo "---- server log (last 30 lines)"
		tail -n 30 "$BENCH_WORK/server.log" || true
	fi
	cd /
	[ -n "${BENCH_WORK:-}" ] && rm -rf "$BENCH_WORK"
	[ "$rc" -eq 0 ] || echo "$(basename "$0"): FAILED (exit $rc)" >&2
	exit "$rc"
}

bench_as_pg() { runuser -u postgres -- env HOME="$BENCH_WORK" PATH="$PGBIN:$PATH" "$@"; }

bench_psql() {
	local db=$1
	shift
	bench_as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$BENCH_WORK" -p "$BENCH_PORT" -d "$db" "$@"
}
