#!/usr/bin/env bash
# deps.sh: install what pg_capacity's build, tests and demo need on Debian 12.
# Idempotent: when every package is already installed it does not touch apt.
# Run as root (it is a no-op for anyone when nothing is missing).
set -euo pipefail

# postgresql-15 includes contrib on Debian 12 (it Provides postgresql-contrib-15);
# pgbench is in postgresql-15, psql in postgresql-client-15.
PACKAGES=(
	postgresql-15
	postgresql-client-15
	postgresql-server-dev-15
	libipc-run-perl
	perl
	make
	gcc
	libc6-dev
	rsync
	procps
	util-linux
	strace
	valgrind	# test/fault/faults.sh (long mode): the pg_regress suite under memcheck
	curl python3	# the monitoring stage and the Patroni suite ask HTTP APIs
	# test/monitoring/monitoring.sh: the exporter files, rules and dashboard with Debian's own
	# (on a machine with systemd their services start on their default ports; the stage uses others)
	prometheus
	prometheus-postgres-exporter
	prometheus-sql-exporter
)

missing=()
for p in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$status" in
		ii*) ;;
		*) missing+=("$p") ;;
	esac
done

if [ "${#missing[@]}" -eq 0 ]; then
	echo "deps: all packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]}; run this script as root" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q </dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
echo "deps: done"
