#!/usr/bin/env bash
# bloat_bench.sh: the cost of bloat_estimate(mode => 'sample') as a ratio of
# pgstattuple's on the same relations of 100 MB and more, measured side by
# side in one run, with the accuracy of the same calls.
#
#   bash test/bench/bloat_bench.sh        (as root, from any directory; ~4 min)
#
# Starts a throwaway PostgreSQL 15 (test/bench/lib.sh) with shared_buffers =
# 128MB, smaller than the relations, so that both functions read most pages
# from the kernel's page cache through their bulk-read rings, and builds:
#   bench.fresh           BLOAT_ROWS (2,200,000) rows of (int4, 64-char text),
#                         vacuumed: ~220 MB, all-visible
#   bench.fresh_payload   btree on the text column: ~190 MB
#   bench.updated         BLOAT_ROWS * 0.6 rows, then every other row's text
#                         updated and never vacuumed: dead tuples, pages not
#                         all-visible (each index item's heap tuple is looked up)
#   bench.updated_payload its btree on the text column: ~100 MB, half dead
# Then, BLOAT_REPEAT (5) times, alternating which goes first, for each
# relation: pgstattuple(rel) (and pgstatindex(rel) for the btrees) and
# capacity.bloat_estimate(rel, 'sample'), each timed inside the server
# (clock_timestamp around the call) in a session warmed up on a tiny table.
# Prints per relation the median times, their ratio (the target is <= 5 %),
# the pages the sample read, and the waste the two report; and the time of
# bloat_estimate's first call in a new session (a fixed few milliseconds:
# loading the library, compiling its PL/pgSQL).
#
# Environment: BLOAT_ROWS, BLOAT_REPEAT, BLOAT_PORT (54369), PG_CONFIG.
set -euo pipefail
# shellcheck source=test/bench/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

ROWS=${BLOAT_ROWS:-2200000}
REPEAT=${BLOAT_REPEAT:-5}
case "$ROWS$REPEAT" in *[!0-9]*) die "BLOAT_ROWS and BLOAT_REPEAT must be positive integers" ;; esac

bench_start_server bloatbench "${BLOAT_PORT:-54369}" "shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
autovacuum = off
max_wal_size = 4GB
maintenance_work_mem = 256MB"

bench_psql postgres -c "CREATE EXTENSION pg_capacity" -c "CREATE EXTENSION pgstattuple"

log "building the relations ($ROWS rows)"
bench_psql postgres <<SQL
CREATE SCHEMA bench;
CREATE TABLE bench.fresh (id int4, payload text) WITH (autovacuum_enabled = off);
INSERT INTO bench.fresh SELECT i, md5(i::text) || md5((-i)::text) FROM generate_series(1, $ROWS) i;
CREATE INDEX fresh_payload ON bench.fresh (payload);
VACUUM (ANALYZE) bench.fresh;

CREATE TABLE bench.updated (id int4, payload text) WITH (autovacuum_enabled = off);
INSERT INTO bench.updated SELECT i, md5(i::text) || md5((-i)::text) FROM generate_series(1, $ROWS * 6 / 10) i;
CREATE INDEX updated_payload ON bench.updated (payload);
VACUUM (ANALYZE) bench.updated;
UPDATE bench.updated SET payload = md5(payload) || md5(payload || 'x') WHERE id % 2 = 0;
CHECKPOINT;

-- milliseconds one statement takes, measured inside the server
CREATE FUNCTION bench.ms(sql text) RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz;
BEGIN
	t0 := clock_timestamp();
	EXECUTE sql;
	RETURN 1000 * extract(epoch FROM clock_timestamp() - t0);
END \$\$;
SQL

RELS="bench.fresh bench.fresh_payload bench.updated bench.updated_payload"

# one warm-up reading of each (pgstattuple's heap scan prunes pages, as any
# reader's does: the timed runs all see the pruned pages)
for r in $RELS; do
	bench_psql postgres -Atc "SELECT count(*) FROM pgstattuple('$r'), capacity.bloat_estimate('$r', 'sample')" >/dev/null
done

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# One session per relation and round: a warm-up call of each function on a
# small table first (loading the libraries, compiling bloat_estimate's
# PL/pgSQL, filling the catalog caches), then the two timed calls, in
# alternating order.  The cold figure is the first call in a new session.
bench_psql postgres -qc "CREATE TABLE bench.tiny AS SELECT 1 AS i; CREATE INDEX tiny_i ON bench.tiny (i)"

printf '\n%-24s %6s %11s %11s %9s %8s %6s %10s %12s\n' relation MB pgstattuple pgstatindex sample ratio pages 'waste' 'sample waste'
for r in $RELS; do
	: >"$BENCH_WORK/pst" ; : >"$BENCH_WORK/psi" ; : >"$BENCH_WORK/smp"
	isindex=$(bench_psql postgres -Atc "SELECT relkind = 'i' FROM pg_class WHERE oid = '$r'::regclass")
	for i in $(seq 1 "$REPEAT"); do
		q_pst="SELECT bench.ms('SELECT * FROM pgstattuple(''$r'')');"
		q_smp="SELECT bench.ms('SELECT * FROM capacity.bloat_estimate(''$r'', ''sample'')');"
		q_psi=""
		[ "$isindex" = t ] && q_psi="SELECT bench.ms('SELECT * FROM pgstatindex(''$r'')');"
		warm="SELECT count(*) FROM pgstattuple('bench.tiny'), pgstatindex('bench.tiny_i'),
			capacity.bloat_estimate('bench.tiny', 'sample') a, capacity.bloat_estimate('bench.tiny_i', 'sample') b;"
		if [ $((i % 2)) = 1 ]; then
			out=$(bench_psql postgres -At -c "$warm" -c "$q_pst" -c "$q_smp" ${q_psi:+-c "$q_psi"})
			echo "$out" | sed -n 2p >>"$BENCH_WORK/pst"
			echo "$out" | sed -n 3p >>"$BENCH_WORK/smp"
		else
			out=$(bench_psql postgres -At -c "$warm" -c "$q_smp" -c "$q_pst" ${q_psi:+-c "$q_psi"})
			echo "$out" | sed -n 2p >>"$BENCH_WORK/smp"
			echo "$out" | sed -n 3p >>"$BENCH_WORK/pst"
		fi
		[ -n "$q_psi" ] && echo "$out" | sed -n 4p >>"$BENCH_WORK/psi"
	done
	pst=$(median <"$BENCH_WORK/pst")
	smp=$(median <"$BENCH_WORK/smp")
	psi=$( [ -s "$BENCH_WORK/psi" ] && median <"$BENCH_WORK/psi" || echo '-')
	read -r mb exact est pages <<<"$(bench_psql postgres -AtF' ' -c "
		SELECT round(pg_relation_size('$r') / 1048576.0),
			   round(((s.free_space + s.dead_tuple_len) * 100.0 / s.table_len)::numeric, 2),
			   round(b.waste_pct::numeric, 2) || '+-' || round(b.error_pct::numeric, 2), b.pages_read
		  FROM pgstattuple('$r') s, capacity.bloat_estimate('$r', 'sample') b")"
	printf '%-24s %6s %11.1f %11s %9.2f %7.2f%% %6s %10s %12s\n' "$r" "$mb" "$pst" \
		"$( [ "$psi" = - ] && echo - || printf '%.1f' "$psi")" "$smp" \
		"$(awk -v a="$smp" -v b="$pst" 'BEGIN { printf "%.2f", 100 * a / b }')" "$pages" "$exact" "$est"
	# the first call in a new session, for the record
	cold=$(bench_psql postgres -At -c "SELECT bench.ms('SELECT * FROM capacity.bloat_estimate(''$r'', ''sample'')')")
	echo "$cold" >>"$BENCH_WORK/cold_$(echo "$r" | tr . _)"
done
echo
echo "times: median of $REPEAT runs, milliseconds, in a warmed-up session; ratio = sample / pgstattuple (target <= 5 %)"
echo "pages: pages bloat_estimate read; waste: free + dead space, % of the relation (pgstattuple's; the sample's +- its 95% interval)"
printf 'first call in a new session (PL/pgSQL compiled, library loaded, caches filled), ms:'
for r in $RELS; do printf ' %s %.1f;' "$r" "$(cat "$BENCH_WORK/cold_$(echo "$r" | tr . _)")"; done
echo
