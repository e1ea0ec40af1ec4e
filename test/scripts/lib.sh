# shellcheck shell=bash
# test/scripts/lib.sh: the bring-up shared by the test, demo, fuzz, fault and bench scripts
# (sourced, not run):
#
#   . "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../scripts/lib.sh"
#
#   log MSG / section TITLE / die MSG      a timestamped line / a banner / an error and exit 1
#   scratch_copy DEST                      this source tree without its build products, to DEST
#   pg_require_installed WHY               root, the postgres OS user, pg_config and an installed
#                                          pg_capacity, or die; sets PGBIN
#   pg_clean_env                           unset what would point libpq elsewhere
#   make_work NAME [MODE]                  WORK=/tmp/pg_capacity-NAME.XXXXXX, owned by postgres
#   free_port LO HI                        a free TCP port in LO..HI (random start)
#   as_pg CMD...                           CMD as the postgres OS user
#   pg_init_server DATA PORT [SETTING...]  initdb, then one postgresql.conf for a throwaway server
#   pg_start DATA [LOG] / pg_stop DATA [MODE] / pg_stop_all DIR [MODE]
#   tail_logs N FILE...                    the last N lines of each FILE that exists
#
# Conventions: WORK is the calling script's temp directory (the servers' unix socket is there);
# PGBIN is PostgreSQL's bindir (pg_require_installed sets it); PG_CONFIG defaults to
# PostgreSQL 15's.

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
# the source tree this library belongs to (test/scripts/../..)
TESTLIB_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
section() { printf '\n==== %s ====\n' "$*"; }
die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# scratch_copy DEST: rsync this source tree to DEST (created), without what a build, a test run or
# make dist leaves in it: .git, pg_regress's and the TAP tests' output, objects and libraries, the
# unit test binaries (the Makefile's UNIT_TESTS), the install script generated for the control
# file's default_version and the dist zip.  DEST is then owned by postgres.
scratch_copy() {
	local dest=$1 version t
	local -a excludes=(--exclude=/.git --exclude=/tmp_check --exclude=/results --exclude=/log
		--exclude=/regression.diffs --exclude=/regression.out
		--exclude='*.o' --exclude='*.so' --exclude='*.bc' --exclude='*.a' --exclude='*.zip') units
	read -r -a units < <(awk '/^UNIT_TESTS[ \t]*=/ { f = 1; sub(/^[^=]*=/, "") }
		f { c = sub(/\\$/, ""); printf "%s ", $0; if (!c) exit } END { print "" }' "$TESTLIB_REPO/Makefile")
	for t in "${units[@]}"; do excludes+=("--exclude=/$t"); done
	version=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$TESTLIB_REPO/pg_capacity.control")
	[ -z "$version" ] || excludes+=("--exclude=/sql/pg_capacity--$version.sql")
	mkdir -p "$dest"
	rsync -a "${excludes[@]}" "$TESTLIB_REPO/" "$dest/"
	chown -R postgres:postgres "$dest"
}

# pg_require_installed WHY: die unless run as root (WHY says what for), with the postgres OS user,
# pg_config at $PG_CONFIG and pg_capacity installed; sets PGBIN
pg_require_installed() {
	[ "$(id -u)" -eq 0 ] || die "run as root ($1)"
	id postgres >/dev/null 2>&1 || die "no postgres OS user: install postgresql-15"
	[ -x "$PG_CONFIG" ] || die "no pg_config at $PG_CONFIG (set PG_CONFIG)"
	PGBIN=$("$PG_CONFIG" --bindir)
	[ -f "$("$PG_CONFIG" --pkglibdir)/pg_capacity.so" ] ||
		die "pg_capacity is not installed: make && make install"
}

# pg_clean_env: no libpq (or TAP framework) environment of the caller's
pg_clean_env() {
	unset PGDATA PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGSERVICE PGOPTIONS PGAPPNAME || true
}

# make_work NAME [MODE]: WORK=/tmp/pg_capacity-NAME.XXXXXX, owned by postgres, mode MODE (700)
make_work() {
	WORK=$(mktemp -d "/tmp/pg_capacity-$1.XXXXXX")
	chown postgres:postgres "$WORK"
	chmod "${2:-700}" "$WORK"
}

# free_port LO HI: print a TCP port in LO..HI that nothing uses, starting at a random one
# (scripts running side by side pick different ports); fails when there is none
free_port() {
	local lo=$1 n=$(($2 - $1 + 1)) start i p
	start=$((RANDOM % n))
	for ((i = 0; i < n; i++)); do
		p=$((lo + (start + i) % n))
		if [ -z "$(ss -Htan "sport = :$p" 2>/dev/null)" ]; then echo "$p"; return 0; fi
	done
	return 1
}

# as_pg CMD...: CMD as the postgres OS user, PATH led by $PGBIN, HOME=$AS_PG_HOME (default: $WORK),
# in the directory $AS_PG_DIR (default: this one), with the VAR=value words of the array AS_PG_ENV
as_pg() {
	(cd "${AS_PG_DIR:-.}" && runuser -u postgres -- env HOME="${AS_PG_HOME:-$WORK}" USER=postgres \
		LOGNAME=postgres PATH="$PGBIN:$PATH" ${AS_PG_ENV[@]+"${AS_PG_ENV[@]}"} "$@")
}

# pg_init_server DATA PORT [SETTING...]: initdb DATA as postgres (UTF8, C locale, trust on the
# unix socket, host logins rejected; its output in $WORK/initdb.<basename of DATA>.log, printed
# on failure) and append to its postgresql.conf: PORT, the unix socket in $WORK and no TCP,
# pg_capacity preloaded, untranslated messages, the server log on pg_ctl's -l; then one line a
# SETTING.  The last of two lines that set one parameter wins, so a SETTING overrides these
# (listen_addresses = '127.0.0.1', shared_preload_libraries = '' ...).
pg_init_server() {
	local data=$1 port=$2 ilog
	shift 2
	ilog="$WORK/initdb.$(basename "$data").log"
	as_pg initdb -D "$data" -U postgres --auth-local=trust --auth-host=reject --no-sync \
		-E UTF8 --locale=C >"$ilog" 2>&1 || { cat "$ilog"; return 1; }
	{
		cat <<CONF
# throwaway server of $(basename "$0") (test/scripts/lib.sh)
port = $port
listen_addresses = ''
unix_socket_directories = '$WORK'
shared_preload_libraries = 'pg_capacity'
lc_messages = 'C'
logging_collector = off
CONF
		[ $# -eq 0 ] || printf '%s\n' "$@"
	} >>"$data/postgresql.conf"
}

# shellcheck disable=SC2034  # for the scripts that source this
# the sampler settings of the demo and the fuzzer: every second, with pg_stat_statements
FAST_SAMPLER=("shared_preload_libraries = 'pg_capacity,pg_stat_statements'"
	"pg_capacity.sample_interval = 1s" "pg_capacity.size_interval = 5s"
	"pg_capacity.persist_interval = 10s")

# pg_start DATA [LOG]: start the server, log to LOG (default $WORK/server.log), wait (60 s)
pg_start() {
	as_pg pg_ctl -D "$1" -l "${2:-$WORK/server.log}" -w -t 60 start >/dev/null
}

# pg_stop DATA [MODE]: stop the server, -m MODE (fast), waited for (60 s); -m immediate if
# that fails; never fails
pg_stop() {
	as_pg pg_ctl -D "$1" stop -m "${2:-fast}" -w -t 60 >/dev/null 2>&1 ||
		as_pg pg_ctl -D "$1" stop -m immediate -w -t 60 >/dev/null 2>&1 || true
}

# pg_stop_all DIR [MODE]: pg_stop every server with a postmaster.pid under DIR (a test killed by
# its timeout leaves its postmaster behind)
pg_stop_all() {
	local pidfile
	[ -d "$1" ] || return 0
	while IFS= read -r pidfile; do
		pg_stop "$(dirname "$pidfile")" "${2:-fast}"
	done < <(find "$1" -name postmaster.pid 2>/dev/null)
}

# tail_logs N FILE...: a banner and the last N lines of each FILE that exists
tail_logs() {
	local n=$1 f
	shift
	for f in "$@"; do
		[ -f "$f" ] || continue
		section "$(basename "$f") (last $n lines)"
		tail -n "$n" "$f" || true
	done
}
