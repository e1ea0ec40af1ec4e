#!/usr/bin/env bash
# bloat_dedup_bench.sh: issue 13's three deduplicated btree indexes, the
# reclaimable space bloat_estimate() gives (modes 'sample' and 'exact')
# against the size change of REINDEX.
#
#   bash test/bench/bloat_dedup_bench.sh    (as root, from any directory; ~3 min)
#
# Starts a throwaway PostgreSQL 15 (test/bench/lib.sh; pg_capacity installed)
# with synchronous_commit = off, as the issue's server had: the first VACUUM
# then leaves the heap's pages not all-visible, so the estimate takes the
# index's live share from a heap sample.  Builds, each then VACUUMed:
#   dedup.i1  smallint, 300 values over 400,000 rows, 40 % deleted in runs of 500
#   dedup.i2  int, 1,000 values over DEDUP_ROWS (8,000,000) rows, 20 % at random
#   dedup.i3  text, 53 values over 1,500,000 rows, a third deleted in runs of 1,000
# and prints per index: pages, estimate +- error (sample, exact), REINDEX's
# reduction, and the sample's error in percentage points.
#
# Environment: DEDUP_ROWS, DEDUP_PORT (54370), PG_CONFIG.
set -euo pipefail
# shellcheck source=test/bench/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

ROWS=${DEDUP_ROWS:-8000000}
case "$ROWS" in *[!0-9]*|'') die "DEDUP_ROWS must be a positive integer" ;; esac

bench_start_server dedupbench "${DEDUP_PORT:-54370}" "shared_buffers = 512MB
fsync = off
synchronous_commit = off
full_page_writes = off
autovacuum = off
max_wal_size = 4GB
maintenance_work_mem = 512MB"

bench_psql postgres -qc "CREATE EXTENSION pg_capacity"
log "building the indexes"
bench_psql postgres -q <<SQL
SET client_min_messages = warning;
CREATE SCHEMA dedup;
SELECT setseed(0.13);
CREATE TABLE dedup.i1 (id int4, k int2) WITH (autovacuum_enabled = off);
INSERT INTO dedup.i1 SELECT i, i % 300 FROM generate_series(1, 400000) i;
CREATE INDEX i1_k ON dedup.i1 (k);
DELETE FROM dedup.i1 WHERE (id / 500) % 5 < 2;
CREATE TABLE dedup.i2 (id int4, k int4) WITH (autovacuum_enabled = off);
INSERT INTO dedup.i2 SELECT i, (random() * 999)::int4 FROM generate_series(1, $ROWS) i;
CREATE INDEX i2_k ON dedup.i2 (k);
DELETE FROM dedup.i2 WHERE random() < 0.2;
CREATE TABLE dedup.i3 (id int4, t text) WITH (autovacuum_enabled = off);
INSERT INTO dedup.i3 SELECT i, 'category ' || (i % 53) FROM generate_series(1, 1500000) i;
CREATE INDEX i3_t ON dedup.i3 (t);
DELETE FROM dedup.i3 WHERE (id / 1000) % 3 = 0;
SQL
for t in i1 i2 i3; do bench_psql postgres -qc "VACUUM ANALYZE dedup.$t"; done

printf '\n%-10s %7s %16s %16s %8s %7s\n' index pages sample exact REINDEX error
for i in dedup.i1_k dedup.i2_k dedup.i3_t; do
	read -r pages s se e ee <<<"$(bench_psql postgres -AtF' ' -c "
		SET pg_capacity.bloat_min_reclaim = 0;
		SELECT pg_relation_size('$i') / 8192, round(s.reclaimable_pct::numeric, 2), round(s.error_pct::numeric, 2),
			   round(e.reclaimable_pct::numeric, 2), round(e.error_pct::numeric, 2)
		  FROM capacity.bloat_estimate('$i', 'sample') s, capacity.bloat_estimate('$i', 'exact') e" | tail -1)"
	bench_psql postgres -qc "REINDEX INDEX $i"
	after=$(bench_psql postgres -Atc "SELECT pg_relation_size('$i') / 8192")
	truth=$(awk -v b="$pages" -v a="$after" 'BEGIN { printf "%.2f", 100 * (b - a) / b }')
	printf '%-10s %7s %16s %16s %8s %+7.2f\n' "$i" "$pages" "$s +- $se" "$e +- $ee" "$truth" \
		"$(awk -v s="$s" -v t="$truth" 'BEGIN { print s - t }')"
done
