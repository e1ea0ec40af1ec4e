/* pg_capacity.sql: install script of the current version (schema capacity, fixed by the control file)
 *
 * The one source of truth for a fresh install: make copies it to
 * sql/pg_capacity--$(EXTVERSION).sql (generated, not in git), which
 * CREATE EXTENSION runs.  Installations of an older version reach this one
 * through the checked-in update scripts sql/pg_capacity--A--B.sql; those stay
 * as they were released, and an update must end with exactly the objects,
 * definitions and privileges that this script creates
 * (test/t/014_update_path.pl, docs/packaging.md).
 */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION pg_capacity" to load this file. \quit

-- The schema was created by CREATE EXTENSION from the control file; nobody
-- but pg_monitor, pg_stat_scan_tables (for the bloat functions, without
-- pg_monitor) and superusers may use it.
REVOKE ALL ON SCHEMA @extschema@ FROM PUBLIC;
GRANT USAGE ON SCHEMA @extschema@ TO pg_monitor;
GRANT USAGE ON SCHEMA @extschema@ TO pg_stat_scan_tables;

--
-- The sampler: its metrics, the latest sample, the history, its status.
--
CREATE FUNCTION @extschema@.metrics(
	OUT metric pg_catalog.text,
	OUT unit pg_catalog.text,
	OUT description pg_catalog.text)
RETURNS SETOF pg_catalog.record
AS 'MODULE_PATHNAME', 'pg_capacity_metrics'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.latest(
	OUT metric pg_catalog.text,
	OUT value pg_catalog.float8,
	OUT unit pg_catalog.text,
	OUT sampled_at pg_catalog.timestamptz)
RETURNS SETOF pg_catalog.record
AS 'MODULE_PATHNAME', 'pg_capacity_latest'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

CREATE FUNCTION @extschema@.history(
	metric pg_catalog.text,
	since pg_catalog.interval DEFAULT '1 hour',
	resolution pg_catalog.text DEFAULT 'auto',
	OUT sampled_at pg_catalog.timestamptz,
	OUT value pg_catalog.float8,
	OUT max_value pg_catalog.float8)
RETURNS SETOF pg_catalog.record
AS 'MODULE_PATHNAME', 'pg_capacity_history'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

CREATE FUNCTION @extschema@.sampler_status(
	OUT worker_pid pg_catalog.int4,
	OUT role pg_catalog.text,
	OUT last_sample_at pg_catalog.timestamptz,
	OUT raw_samples pg_catalog.int4,
	OUT minute_samples pg_catalog.int4,
	OUT hour_samples pg_catalog.int4,
	OUT day_samples pg_catalog.int4,
	OUT shared_memory_bytes pg_catalog.int8,
	OUT last_persist_at pg_catalog.timestamptz,
	OUT history_file pg_catalog.text)
RETURNS pg_catalog.record
AS 'MODULE_PATHNAME', 'pg_capacity_sampler_status'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

CREATE FUNCTION @extschema@.reset_history()
RETURNS pg_catalog.void
AS 'MODULE_PATHNAME', 'pg_capacity_reset_history'
LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;

-- Monitoring functions: pg_monitor.  State-changing ones: superusers only.
REVOKE ALL ON FUNCTION @extschema@.metrics() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.latest() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.history(pg_catalog.text, pg_catalog.interval, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.sampler_status() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.reset_history() FROM PUBLIC;

GRANT EXECUTE ON FUNCTION @extschema@.metrics() TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.latest() TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.history(pg_catalog.text, pg_catalog.interval, pg_catalog.text) TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.sampler_status() TO pg_monitor;

--
-- The capacity model (src/report_sql.c, scaling_sql.c, sizing_sql.c over capacity.c,
-- model.c and matrix.c): the playbook's figures, evaluated.
--
CREATE FUNCTION @extschema@.capacity_report(
	since pg_catalog.interval DEFAULT '15 minutes',
	OUT resource pg_catalog.text,
	OUT current pg_catalog.float8,
	OUT peak pg_catalog.float8,
	OUT capacity pg_catalog.float8,
	OUT unit pg_catalog.text,
	OUT utilization_pct pg_catalog.float8,
	OUT level pg_catalog.text,
	OUT trend pg_catalog.text,
	OUT detail pg_catalog.text)
RETURNS SETOF pg_catalog.record
AS 'MODULE_PATHNAME', 'pg_capacity_capacity_report'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

CREATE FUNCTION @extschema@.capacity_level(
	OUT level pg_catalog.text,
	OUT resource pg_catalog.text,
	OUT utilization_pct pg_catalog.float8,
	OUT detail pg_catalog.text)
RETURNS pg_catalog.record
AS 'MODULE_PATHNAME', 'pg_capacity_capacity_level'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

CREATE FUNCTION @extschema@.tps_capacity(
	since pg_catalog.interval DEFAULT '7 days',
	OUT basis pg_catalog.text,
	OUT saturation_tps pg_catalog.float8,
	OUT capacity_tps pg_catalog.float8,
	OUT cpu_pct_per_1000_tps pg_catalog.float8,
	OUT fixed_cpu_pct pg_catalog.float8,
	OUT samples pg_catalog.int4,
	OUT load_range pg_catalog.numrange,
	OUT r_squared pg_catalog.float8,
	OUT detail pg_catalog.text)
RETURNS pg_catalog.record
AS 'MODULE_PATHNAME', 'pg_capacity_tps_capacity'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

CREATE FUNCTION @extschema@.scaling_recommendations(
	since pg_catalog.interval DEFAULT '15 minutes',
	OUT priority pg_catalog.text,
	OUT direction pg_catalog.text,
	OUT resource pg_catalog.text,
	OUT observed pg_catalog.float8,
	OUT threshold pg_catalog.float8,
	OUT action pg_catalog.text,
	OUT rationale pg_catalog.text,
	OUT cost_impact pg_catalog.text,
	OUT performance_gain pg_catalog.text,
	OUT complexity pg_catalog.text)
RETURNS SETOF pg_catalog.record
AS 'MODULE_PATHNAME', 'pg_capacity_scaling_recommendations'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

CREATE FUNCTION @extschema@.sizing_recommendations(
	memory_bytes pg_catalog.int8 DEFAULT NULL,
	vcpus pg_catalog.int4 DEFAULT NULL,
	max_connections pg_catalog.int4 DEFAULT NULL,
	OUT parameter pg_catalog.text,
	OUT current_setting pg_catalog.text,
	OUT recommended_setting pg_catalog.text,
	OUT formula pg_catalog.text,
	OUT requires_restart pg_catalog.bool,
	OUT apply pg_catalog.text)
RETURNS SETOF pg_catalog.record
AS 'MODULE_PATHNAME', 'pg_capacity_sizing_recommendations'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL RESTRICTED;

CREATE FUNCTION @extschema@.required_resources(
	target_tps pg_catalog.float8,
	read_ratio pg_catalog.float8 DEFAULT 0.7,
	active_data_bytes pg_catalog.int8 DEFAULT NULL,
	max_connections pg_catalog.int4 DEFAULT NULL,
	OUT resource pg_catalog.text,
	OUT required pg_catalog.float8,
	OUT unit pg_catalog.text,
	OUT formula pg_catalog.text)
RETURNS SETOF pg_catalog.record
AS 'MODULE_PATHNAME', 'pg_capacity_required_resources'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL RESTRICTED;

CREATE FUNCTION @extschema@.import_history(
	metric pg_catalog.text,
	sampled_at pg_catalog.timestamptz[],
	value pg_catalog.float8[])
RETURNS pg_catalog.int4
AS 'MODULE_PATHNAME', 'pg_capacity_import_history'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

REVOKE ALL ON FUNCTION @extschema@.capacity_report(pg_catalog.interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.capacity_level() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.scaling_recommendations(pg_catalog.interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.sizing_recommendations(pg_catalog.int8, pg_catalog.int4, pg_catalog.int4) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.required_resources(pg_catalog.float8, pg_catalog.float8, pg_catalog.int8, pg_catalog.int4) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.import_history(pg_catalog.text, pg_catalog.timestamptz[], pg_catalog.float8[]) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION @extschema@.capacity_report(pg_catalog.interval) TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.capacity_level() TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.scaling_recommendations(pg_catalog.interval) TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.sizing_recommendations(pg_catalog.int8, pg_catalog.int4, pg_catalog.int4) TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.required_resources(pg_catalog.float8, pg_catalog.float8, pg_catalog.int8, pg_catalog.int4) TO pg_monitor;

REVOKE ALL ON FUNCTION @extschema@.tps_capacity(pg_catalog.interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.tps_capacity(pg_catalog.interval) TO pg_monitor;

--
-- Growth forecasts and the capacity plan.
--
-- A metric's linear trend over the history and its value at now + horizon
-- (src/forecast_sql.c, src/forecast_model.c).
-- (A row type, so that its columns may share the names of the arguments.)
CREATE TYPE @extschema@.forecast_row AS (
	metric pg_catalog.text,
	method pg_catalog.text,
	resolution pg_catalog.text,
	series pg_catalog.text,
	samples pg_catalog.int4,
	first_at pg_catalog.timestamptz,
	last_at pg_catalog.timestamptz,
	current pg_catalog.float8,
	slope_per_day pg_catalog.float8,
	r_squared pg_catalog.float8,
	forecast pg_catalog.float8,
	lower_95 pg_catalog.float8,
	upper_95 pg_catalog.float8,
	reason pg_catalog.text);

CREATE FUNCTION @extschema@.forecast(
	metric pg_catalog.text,
	horizon pg_catalog.interval DEFAULT '6 months',
	history pg_catalog.interval DEFAULT '90 days',
	method pg_catalog.text DEFAULT 'ols')
RETURNS @extschema@.forecast_row
AS 'MODULE_PATHNAME', 'pg_capacity_forecast'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

-- When the trend crosses a share of the metric's capacity.
CREATE TYPE @extschema@.threshold_row AS (
	metric pg_catalog.text,
	capacity pg_catalog.float8,
	threshold pg_catalog.float8,
	crosses_at pg_catalog.timestamptz,
	days_away pg_catalog.float8,
	earliest pg_catalog.timestamptz,
	latest pg_catalog.timestamptz,
	capacity_basis pg_catalog.text,
	reason pg_catalog.text);

CREATE FUNCTION @extschema@.time_to_threshold(
	metric pg_catalog.text,
	threshold_pct pg_catalog.float8 DEFAULT 80)
RETURNS @extschema@.threshold_row
AS 'MODULE_PATHNAME', 'pg_capacity_time_to_threshold'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

-- The playbook's Capacity Planning Matrix for this node.
CREATE FUNCTION @extschema@.capacity_plan(
	history pg_catalog.interval DEFAULT '365 days',
	OUT metric pg_catalog.text,
	OUT unit pg_catalog.text,
	OUT current pg_catalog.float8,
	OUT in_3_months pg_catalog.float8,
	OUT in_6_months pg_catalog.float8,
	OUT in_12_months pg_catalog.float8,
	OUT capacity pg_catalog.float8,
	OUT threshold_pct pg_catalog.float8,
	OUT crosses_at pg_catalog.timestamptz,
	OUT action_required pg_catalog.text,
	OUT samples pg_catalog.int4)
RETURNS SETOF pg_catalog.record
AS 'MODULE_PATHNAME', 'pg_capacity_capacity_plan'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

REVOKE ALL ON FUNCTION @extschema@.forecast(pg_catalog.text, pg_catalog.interval, pg_catalog.interval, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.time_to_threshold(pg_catalog.text, pg_catalog.float8) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.capacity_plan(pg_catalog.interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.forecast(pg_catalog.text, pg_catalog.interval, pg_catalog.interval, pg_catalog.text) TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.time_to_threshold(pg_catalog.text, pg_catalog.float8) TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.capacity_plan(pg_catalog.interval) TO pg_monitor;

--
-- Bloat estimates (src/bloat_sql.c, bloat_scan.c, bloat_pages.c, bloat_model.c). Granted like pgstattuple:
-- to pg_stat_scan_tables (a member of pg_monitor), not to PUBLIC.
--
-- Statistics-only estimates (mode 'stats' of bloat_estimate()): no page is
-- read. Per relation, what pgstattuple() would call free_space +
-- dead_tuple_len (waste) and what a rewrite gives back (reclaimable: main
-- fork size now less the size VACUUM FULL, or REINDEX for an index, would
-- produce), from pg_class (reltuples, reloptions), pg_attribute,
-- pg_statistic and the pg_stat counters, by modelling what the page code does:
--   heap: MAXALIGN(23 [+ null bitmap]) header, each value at its alignment
--     (short varlena values unaligned; text lengths from the values in
--     pg_statistic, since stawidth is a truncated mean), MAXALIGN'ed tuples,
--     4-byte line pointers, and raw_heap_insert()'s fill: a new page when the
--     tuple plus the fillfactor's free space would not fit;
--   TOAST: full chunk tuples (TOAST_MAX_CHUNK_SIZE), four to a page;
--   btree: leaf tuples (8-byte header [+ 4-byte null bitmap], MAXALIGN'ed),
--     _bt_buildadd()'s fill (fillfactor 90 on leaves, 70 above, a high key
--     per page, a "minus infinity" downlink per internal page),
--     deduplication into posting lists at build (_bt_load), the internal
--     levels and the metapage.
-- Figures are NULL where the statistics cannot be trusted; flags say why
-- (docs/bloat.md, "Bloat estimates from statistics"). MAXALIGN is taken to be 8. One query over the
-- catalogs (plpgsql only for RETURN QUERY with a plan made for the argument,
-- and for the per-tuple arithmetic of _bloat_tuple_width()).
--
-- SECURITY DEFINER: pg_statistic is readable by superusers only, and the
-- callers (pg_stat_scan_tables) need the widths of every table's columns;
-- only sizes derived from them are returned, never values.
--
-- Expected length of a tuple's data area, from per-attribute alignment (bytes),
-- mean width (bytes), null fraction and, optionally, the distribution of the
-- width modulo 8, in attribute order: the fold that heap_fill_tuple() does,
-- in expectation over which attributes are NULL (independently, with their
-- null fractions) and over the widths. The data area starts at a MAXALIGN
-- boundary (t_hoff), so only the offset modulo 8 decides padding: it is
-- tracked exactly while no attribute can be NULL or vary in width, and as a
-- distribution over the 8 residues after the first one that can.
-- wdists[i][1..8]: P(width mod 8 = 0..7) of attribute i, or -1 in
-- wdists[i][1] for "always widths[i]". Returns the expected data length, the
-- expected padding up to the next MAXALIGN boundary, and the probability that
-- the tuple has at least one NULL (hence a null bitmap).
CREATE FUNCTION @extschema@._bloat_tuple_width(
	aligns pg_catalog.int4[],
	widths pg_catalog.float8[],
	nullfracs pg_catalog.float8[],
	wdists pg_catalog.float8[],
	OUT data_len pg_catalog.float8,
	OUT end_pad pg_catalog.float8,
	OUT p_null pg_catalog.float8)
RETURNS pg_catalog.record
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
	n int := coalesce(array_length(widths, 1), 0);
	off float8 := 0;
	det boolean := true;		-- offset known exactly so far
	r int := 0;					-- ... its residue modulo 8
	p float8[];					-- else: P(offset mod 8 = j) at p[j + 1]
	np float8[];
	pnn float8 := 1;			-- P(no NULL so far)
	a int; w int; q float8; pad int; pe float8; i int; j int; k int; fixed boolean;
BEGIN
	FOR i IN 1 .. n LOOP
		q := 1 - nullfracs[i];
		pnn := pnn * q;
		CONTINUE WHEN q <= 0;
		a := aligns[i];
		fixed := wdists[i][1] < 0;
		IF fixed THEN
			w := round(widths[i]);
			IF det AND q >= 1 THEN
				pad := (a - r % a) % a;
				off := off + pad + w;
				r := (r + pad + w) % 8;
				CONTINUE;
			END IF;
		END IF;
		IF det THEN
			p := '{0,0,0,0,0,0,0,0}';
			p[r + 1] := 1;
			det := false;
		END IF;
		np := '{0,0,0,0,0,0,0,0}';
		pe := 0;
		FOR j IN 0 .. 7 LOOP
			CONTINUE WHEN p[j + 1] = 0;
			pad := (a - j % a) % a;
			pe := pe + p[j + 1] * pad;
			np[j + 1] := np[j + 1] + (1 - q) * p[j + 1];
			IF fixed THEN
				np[(j + pad + w) % 8 + 1] := np[(j + pad + w) % 8 + 1] + q * p[j + 1];
			ELSE
				FOR k IN 0 .. 7 LOOP
					CONTINUE WHEN wdists[i][k + 1] = 0;
					np[(j + pad + k) % 8 + 1] := np[(j + pad + k) % 8 + 1] + q * p[j + 1] * wdists[i][k + 1];
				END LOOP;
			END IF;
		END LOOP;
		off := off + q * (pe + widths[i]);
		p := np;
	END LOOP;
	data_len := off;
	IF det THEN
		end_pad := (8 - r) % 8;
	ELSE
		end_pad := 0;
		FOR j IN 1 .. 7 LOOP
			end_pad := end_pad + p[j + 1] * (8 - j);
		END LOOP;
	END IF;
	p_null := 1 - pnn;
END
$$;

CREATE FUNCTION @extschema@._bloat_stats(
	relation pg_catalog.regclass DEFAULT NULL,
	OUT relid pg_catalog.oid,
	OUT kind pg_catalog.text,
	OUT size_bytes pg_catalog.int8,
	OUT waste_bytes pg_catalog.int8,
	OUT reclaimable_bytes pg_catalog.int8,
	OUT flags pg_catalog.text[])
RETURNS SETOF pg_catalog.record
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_custom_plan
SET jit = off
AS $$
#variable_conflict use_column
BEGIN
RETURN QUERY
WITH
k AS (
	SELECT current_setting('block_size')::int AS bs, pg_is_in_recovery() AS standby
),
-- Tables, materialized views and TOAST tables: the ones to report and the
-- tables of the indexes to report.
tab AS (
	SELECT c.oid, c.relkind, c.reltuples::float8 AS reltuples, c.relpages::float8 AS relpages,
		   c.relnatts::int AS natts,
		   coalesce((SELECT substr(o, 12)::int FROM unnest(c.reloptions) o
					  WHERE o LIKE 'fillfactor=%'), 100) AS ff,
		   pg_relation_size(c.oid) AS size,
		   pg_stat_get_mod_since_analyze(c.oid) AS n_mod,
		   pg_stat_get_ins_since_vacuum(c.oid) AS n_ins_vac,
		   pg_stat_get_dead_tuples(c.oid) AS n_dead,
		   pg_stat_get_tuples_updated(c.oid) AS n_upd,
		   pg_stat_get_tuples_hot_updated(c.oid) AS n_hot,
		   pg_stat_get_tuples_deleted(c.oid) AS n_del,
		   (relation IS NULL OR c.oid = relation) AS report
	  FROM pg_class c
	 WHERE c.relkind IN ('r', 'm', 't')
	   AND NOT pg_is_other_temp_schema(c.relnamespace)
	   AND (relation IS NULL OR c.oid = relation
			OR c.oid = (SELECT i.indrelid FROM pg_index i WHERE i.indexrelid = relation))
),
ts AS (
	SELECT t.*, k.bs, k.standby,
		   t.reltuples < 0 AS never,
		   (NOT k.standby
			AND CASE WHEN t.relkind = 't' THEN t.n_ins_vac ELSE t.n_mod END
				> 50 + 0.1 * greatest(t.reltuples, 0))
		   OR abs(t.size / k.bs - t.relpages) > 10 + 0.1 * t.relpages AS stale,
		   CASE WHEN k.standby THEN 0 ELSE t.n_dead END AS dead
	  FROM tab t, k
),
-- text, varchar, bpchar columns: the stored lengths (1-byte header) of the
-- values in their statistics, weighted (most common values by their
-- frequency, histogram bounds evenly over the rest of the rows): the mean and
-- P(length mod 8 = 0 .. 7), since lengths that differ around a MAXALIGN
-- boundary change the padding (pg_statistic.stawidth is a truncated mean).
-- Also name columns, stored as cstrings (length + 1) in btree indexes.
twidth AS (
	SELECT s.starelid, s.staattnum,
		   sum(v.w * v.len) / sum(v.w) AS mean,
		   ARRAY[coalesce(sum(v.w) FILTER (WHERE v.len % 8 = 0), 0) / sum(v.w),
				 coalesce(sum(v.w) FILTER (WHERE v.len % 8 = 1), 0) / sum(v.w),
				 coalesce(sum(v.w) FILTER (WHERE v.len % 8 = 2), 0) / sum(v.w),
				 coalesce(sum(v.w) FILTER (WHERE v.len % 8 = 3), 0) / sum(v.w),
				 coalesce(sum(v.w) FILTER (WHERE v.len % 8 = 4), 0) / sum(v.w),
				 coalesce(sum(v.w) FILTER (WHERE v.len % 8 = 5), 0) / sum(v.w),
				 coalesce(sum(v.w) FILTER (WHERE v.len % 8 = 6), 0) / sum(v.w),
				 coalesce(sum(v.w) FILTER (WHERE v.len % 8 = 7), 0) / sum(v.w)] AS dist,
		   -- all of them 1-byte-header values, of lengths that differ modulo 8
		   max(v.len) <= 127 AND min(v.len % 8) <> max(v.len % 8) AS varies,
		   max(v.len) <= 127 AS short
	  FROM pg_statistic s
	  JOIN pg_attribute a ON a.attrelid = s.starelid AND a.attnum = s.staattnum
	  CROSS JOIN LATERAL (
			SELECT (CASE WHEN s.stakind1 = 1 THEN s.stavalues1 WHEN s.stakind2 = 1 THEN s.stavalues2
						 WHEN s.stakind3 = 1 THEN s.stavalues3 END)::text::text[] AS mv,
				   CASE WHEN s.stakind1 = 1 THEN s.stanumbers1 WHEN s.stakind2 = 1 THEN s.stanumbers2
						WHEN s.stakind3 = 1 THEN s.stanumbers3 END AS mf,
				   (CASE WHEN s.stakind1 = 2 THEN s.stavalues1 WHEN s.stakind2 = 2 THEN s.stavalues2
						 WHEN s.stakind3 = 2 THEN s.stavalues3 END)::text::text[] AS hv
			OFFSET 0) c		-- (each array converted once)
	  CROSS JOIN LATERAL (
			SELECT greatest(1 - s.stanullfrac - coalesce((SELECT sum(f) FROM unnest(c.mf) f), 0), 0)
				   / cardinality(c.hv) AS hw
			OFFSET 0) r
	  CROSS JOIN LATERAL (
			SELECT octet_length(u.v) + 1 AS len, u.f::float8 AS w FROM unnest(c.mv, c.mf) u(v, f)
			UNION ALL
			SELECT octet_length(h.v) + 1, r.hw FROM unnest(c.hv) h(v)) v
	 WHERE NOT s.stainherit
	   AND (a.atttypid = 19 OR (a.atttypid IN (25, 1042, 1043) AND a.attlen = -1 AND s.stawidth <= 127))
	   AND (relation IS NULL OR s.starelid = relation OR s.starelid IN (SELECT t.oid FROM tab t))
	 GROUP BY s.starelid, s.staattnum
	HAVING sum(v.w) > 0
),
-- The statistics used, with those lengths (materialized: joined by hash).
colstats AS MATERIALIZED (
	SELECT s.starelid, s.staattnum, s.stawidth, s.stanullfrac::float8 AS nullfrac,
		   s.stadistinct::float8 AS stadistinct,
		   CASE WHEN s.stakind1 = 1 THEN s.stanumbers1 WHEN s.stakind2 = 1 THEN s.stanumbers2
				WHEN s.stakind3 = 1 THEN s.stanumbers3 WHEN s.stakind4 = 1 THEN s.stanumbers4
				WHEN s.stakind5 = 1 THEN s.stanumbers5 END AS mcvf,
		   w.mean, w.dist, w.varies, w.short
	  FROM pg_statistic s
	  LEFT JOIN twidth w ON w.starelid = s.starelid AND w.staattnum = s.staattnum
	 WHERE NOT s.stainherit
	   AND (relation IS NULL OR s.starelid = relation OR s.starelid IN (SELECT t.oid FROM tab t))
),
-- Per table: its attributes in order (dropped ones as NULL: what a rewrite
-- stores), with the alignment each value gets, its width and null fraction.
tcol AS (
	SELECT a.attrelid AS oid,
		   array_agg(CASE WHEN a.attlen = -1 AND a.attstorage <> 'p' AND coalesce(s.stawidth, 0) <= 127 THEN 1
						  WHEN a.attalign = 'c' THEN 1 WHEN a.attalign = 's' THEN 2
						  WHEN a.attalign = 'i' THEN 4 ELSE 8 END ORDER BY a.attnum) AS aligns,
		   array_agg(CASE WHEN a.attisdropped THEN 0 WHEN a.attlen > 0 THEN a.attlen
						  WHEN a.attlen = -1 AND s.short THEN s.mean ELSE coalesce(s.stawidth, 0) END::float8 ORDER BY a.attnum) AS widths,
		   array_agg(CASE WHEN a.attlen = -1 AND NOT a.attisdropped AND s.varies THEN s.dist
						  ELSE '{-1,0,0,0,0,0,0,0}'::float8[] END ORDER BY a.attnum) AS wdists,
		   array_agg(CASE WHEN a.attisdropped THEN 1 WHEN a.attnotnull THEN 0
						  ELSE coalesce(s.nullfrac, 0) END ORDER BY a.attnum) AS nullfracs,
		   bool_or(NOT a.attisdropped AND (a.attlen < 0 OR NOT a.attnotnull) AND s.starelid IS NULL) AS missing,
		   bool_or(a.attisdropped) AS dropped,
		   bool_or(a.atthasmissing AND NOT a.attisdropped) AS fastdef,
		   -- tuples of different lengths: some column sometimes NULL, or of
		   -- lengths that differ modulo 8
		   bool_or(NOT a.attisdropped AND ((NOT a.attnotnull AND s.nullfrac > 0 AND s.nullfrac < 1)
										  OR (a.attlen = -1 AND s.varies)))
			 AS variable
	  FROM ts t
	  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0
	  LEFT JOIN colstats s ON s.starelid = a.attrelid AND s.staattnum = a.attnum
	 WHERE t.relkind IN ('r', 'm') AND t.report
	 GROUP BY a.attrelid
),
heap AS (
	SELECT t.*, coalesce(c.missing, false) AS missing, coalesce(c.dropped, false) AS dropped,
		   coalesce(c.fastdef, false) AS fastdef, coalesce(c.variable, false) AS variable,
		   -- t_hoff, MAXALIGNed, with a null bitmap in the tuples that have a NULL
		   24 + coalesce(w.p_null, 0) * ((23 + (t.natts + 7) / 8 + 7) / 8 * 8 - 24)
			  + coalesce(w.data_len, 0) AS tlen,
		   coalesce(w.end_pad, 0) AS pad,
		   t.bs - 24 - t.bs * (100 - t.ff) / 100 AS avail
	  FROM ts t
	  LEFT JOIN tcol c ON c.oid = t.oid
	  LEFT JOIN LATERAL @extschema@._bloat_tuple_width(c.aligns, c.widths, c.nullfracs, c.wdists) w ON true
	 WHERE t.relkind IN ('r', 'm') AND t.report
),
heap2 AS (
	SELECT h.*,
		   h.tlen + h.pad + 4 AS s,
		   greatest(least((h.bs - 24) / 28,		-- MaxHeapTuplesPerPage
						  CASE WHEN h.variable THEN (h.avail - (h.tlen + h.pad + 4) / 2) / (h.tlen + h.pad + 4)
							   ELSE floor(h.avail / (h.tlen + h.pad + 4)) END), 1) AS tpp,
		   h.never OR (h.missing AND h.reltuples > 0) AS nostats
	  FROM heap h
),
heap_out AS (
	SELECT h.oid, 'table'::text AS kind, h.size,
		   CASE WHEN h.size = 0 THEN 0
				WHEN h.nostats OR h.stale OR h.dropped THEN NULL
				ELSE h.size - floor(h.size / h.bs) * 28 - h.reltuples * h.s - h.dead * (4 + h.pad) END AS waste,
		   CASE WHEN h.size = 0 THEN 0
				WHEN h.nostats OR h.stale THEN NULL
				ELSE h.size - ceil(h.reltuples / h.tpp) * h.bs END AS reclaim,
		   array_remove(ARRAY[
				CASE WHEN h.nostats THEN 'no_stats' END,
				CASE WHEN h.stale THEN 'stale_stats' END,
				CASE WHEN h.dropped THEN 'dropped_columns' END,
				CASE WHEN h.fastdef THEN 'fast_default' END,
				CASE WHEN h.dead > 0 THEN 'n_dead_tup' END,
				CASE WHEN h.standby THEN 'on_standby' END], NULL) AS flags
	  FROM heap2 h
),
-- TOAST tables: chunk tuples of TOAST_MAX_CHUNK_SIZE data, four to a page.
toast_out AS (
	SELECT t.oid, 'toast'::text AS kind, t.size,
		   CASE WHEN t.size = 0 THEN 0
				WHEN t.never OR t.stale THEN NULL
				ELSE t.size - floor(t.size / t.bs) * 28 - t.reltuples * (x.chunk + 4) - t.dead * 4 END AS waste,
		   CASE WHEN t.size = 0 THEN 0
				WHEN t.never OR t.stale THEN NULL
				ELSE t.size - ceil(t.reltuples / floor((t.bs - 24) / (x.chunk + 4))) * t.bs END AS reclaim,
		   array_remove(ARRAY[
				CASE WHEN t.never THEN 'no_stats' END,
				CASE WHEN t.stale THEN 'stale_stats' END,
				CASE WHEN t.size > 0 THEN 'toast_estimate' END,
				CASE WHEN t.dead > 0 THEN 'n_dead_tup' END,
				CASE WHEN t.standby THEN 'on_standby' END], NULL) AS flags
	  FROM ts t,
		   -- EXTERN_TUPLE_MAX_SIZE: the t_len of a full chunk tuple (2032 on 8 kB pages)
		   LATERAL (SELECT (t.bs - 40) / 4 / 8 * 8 AS chunk) x
	 WHERE t.relkind = 't' AND t.report
),
-- Btree indexes (pg_am 403) of those tables.
idx AS (
	SELECT ic.oid, i.indrelid, i.indisunique, i.indnatts, i.indnkeyatts, i.indkey, i.indclass,
		   i.indcollation, t.relkind AS trelkind, t.bs, t.standby,
		   pg_relation_size(ic.oid) AS size, ic.relpages::float8 AS relpages,
		   CASE WHEN ic.reltuples >= 0 THEN ic.reltuples::float8
				WHEN NOT t.never AND i.indpred IS NULL THEN t.reltuples END AS n,
		   coalesce((SELECT substr(o, 12)::int FROM unnest(ic.reloptions) o
					  WHERE o LIKE 'fillfactor=%'), 90) AS ff,
		   NOT i.indisunique AND i.indnatts = i.indnkeyatts
			 AND coalesce((SELECT substr(o, 19)::bool FROM unnest(ic.reloptions) o
							WHERE o LIKE 'deduplicate_items=%'), true) AS dedup_ok,
		   t.stale AS tstale,
		   -- index entries of dead heap tuples (not of HOT updates' ones)
		   t.dead * CASE WHEN t.n_upd + t.n_del > 0
						 THEN (t.n_upd - t.n_hot + t.n_del)::float8 / (t.n_upd + t.n_del) ELSE 1 END AS dead
	  FROM pg_index i
	  JOIN pg_class ic ON ic.oid = i.indexrelid
	  JOIN ts t ON t.oid = i.indrelid
	 WHERE ic.relam = 403 AND ic.relkind = 'i'
	   AND (relation IS NULL OR ic.oid = relation)
),
-- Btree operator classes whose equality is image equality (BTEQUALIMAGE_PROC):
-- always (btequalimage) or with a deterministic collation (btvarstrequalimage).
eqimage AS (
	SELECT oc.oid AS opclass,
		   bool_or(ap.amproc::oid = 'pg_catalog.btequalimage'::regproc::oid) AS always,
		   bool_or(ap.amproc::oid = 'pg_catalog.btvarstrequalimage'::regproc::oid) AS if_deterministic
	  FROM pg_opclass oc
	  JOIN pg_amproc ap ON ap.amprocfamily = oc.opcfamily AND ap.amprocnum = 4
					   AND ap.amproclefttype = oc.opcintype AND ap.amprocrighttype = oc.opcintype
	 WHERE oc.opcmethod = 403
	 GROUP BY oc.oid
),
icol AS (
	SELECT x.oid, x.n, a.attnum, a.attnum <= x.indnkeyatts AS iskey, a.attlen,
		   CASE WHEN a.attlen = -1 AND a.attstorage <> 'p' AND coalesce(s.stawidth, 0) <= 127 THEN 1
				WHEN a.attalign = 'c' THEN 1 WHEN a.attalign = 's' THEN 2
				WHEN a.attalign = 'i' THEN 4 ELSE 8 END AS align,
		   CASE WHEN a.attlen > 0 THEN a.attlen::int
				-- (a name key is stored as a cstring, name_ops: length + 1)
				WHEN s.short THEN s.mean
				ELSE coalesce(s.stawidth, 0) END::float8 AS width,
		   CASE WHEN a.attlen < 0 AND s.varies THEN s.dist
				ELSE '{-1,0,0,0,0,0,0,0}'::float8[] END AS wdist,
		   CASE WHEN c.notnull THEN 0 ELSE coalesce(s.nullfrac, 0) END AS nf,
		   NOT (a.attlen > 0 AND c.notnull) AS needs_stats,
		   s.starelid IS NOT NULL AS has_stats,
		   CASE WHEN s.stadistinct > 0 THEN s.stadistinct
				WHEN s.stadistinct < 0 THEN -s.stadistinct * x.n END AS ndistinct,
		   s.mcvf,
		   coalesce(e.always OR (e.if_deterministic AND coalesce(co.collisdeterministic, true)), false)
			 AS equalimage
	  FROM idx x
	  JOIN pg_attribute a ON a.attrelid = x.oid AND a.attnum > 0
	  LEFT JOIN pg_attribute ta ON ta.attrelid = x.indrelid AND ta.attnum = x.indkey[a.attnum - 1]
	  CROSS JOIN LATERAL (
			SELECT x.trelkind = 't' OR coalesce(ta.attnotnull, false) AS notnull,
				   CASE WHEN x.indkey[a.attnum - 1] <> 0 THEN x.indrelid ELSE x.oid END AS srel,
				   CASE WHEN x.indkey[a.attnum - 1] <> 0 THEN x.indkey[a.attnum - 1] ELSE a.attnum END AS satt) c
	  LEFT JOIN colstats s ON s.starelid = c.srel AND s.staattnum = c.satt
	  LEFT JOIN eqimage e ON e.opclass = x.indclass[a.attnum - 1]
	  LEFT JOIN pg_collation co ON co.oid = x.indcollation[a.attnum - 1]
),
iagg AS (
	SELECT c.oid AS goid,
		   array_agg(c.align ORDER BY c.attnum) AS aligns,
		   array_agg(c.width ORDER BY c.attnum) AS widths,
		   array_agg(c.nf ORDER BY c.attnum) AS nullfracs,
		   array_agg(c.wdist ORDER BY c.attnum) AS wdists,
		   array_agg(c.align ORDER BY c.attnum) FILTER (WHERE c.iskey) AS kaligns,
		   array_agg(c.width ORDER BY c.attnum) FILTER (WHERE c.iskey) AS kwidths,
		   array_agg(c.nf ORDER BY c.attnum) FILTER (WHERE c.iskey) AS knullfracs,
		   array_agg(c.wdist ORDER BY c.attnum) FILTER (WHERE c.iskey) AS kwdists,
		   bool_or(c.needs_stats AND NOT c.has_stats) AS missing,
		   bool_or(c.iskey AND c.nf > 0) AS nullable,
		   bool_or(c.iskey AND NOT c.has_stats) AS kmissing,
		   bool_and(NOT c.iskey OR c.equalimage) AS equalimage,
		   bool_or((c.nf > 0 AND c.nf < 1) OR c.wdist[1] >= 0) AS variable,
		   count(*) FILTER (WHERE c.iskey) AS nkey,
		   max(c.ndistinct) FILTER (WHERE c.iskey) AS dmax,
		   exp(sum(ln(greatest(c.ndistinct, 1))) FILTER (WHERE c.iskey)) AS dprod,
		   bool_or(c.iskey AND c.ndistinct IS NULL) AS dunknown,
		   max(c.nf) FILTER (WHERE c.attnum = 1) AS nf1,
		   max(c.width) FILTER (WHERE c.attnum = 1) AS w1,
		   max(c.mcvf) FILTER (WHERE c.attnum = 1) AS mcvf1
	  FROM icol c
	 GROUP BY c.oid
),
im AS (
	SELECT x.*, g.*,
		   -- leaf tuple and pivot tuple (high key, downlink): MAXALIGNed,
		   -- with the 4-byte null bitmap (header 16) when it has a NULL; a
		   -- pivot of a non-unique index may need a heap TID
		   8 + 8 * w.p_null + w.data_len + w.end_pad AS lt,
		   8 + 8 * kw.p_null + kw.data_len + kw.end_pad
			 + CASE WHEN x.indisunique OR x.n IS NULL OR x.n < 1 OR g.dmax IS NULL THEN 0
					ELSE 8 * greatest(1 - g.dmax / x.n, 0) END AS pv,
		   x.bs - 48 - x.bs * (100 - x.ff) / 100 AS t0,		-- leaf space above fillfactor
		   x.bs - 48 - x.bs * 30 / 100 AS t0int,			-- internal pages: 70 %
		   ((x.bs / 10) / 8 * 8 - 4) / 8 * 8 AS postmax,	-- largest posting tuple at build
		   -- distinct key combinations of a multi-column index: between the
		   -- largest column's distinct count and the product of them all;
		   -- known when they are close, else a figure only when there are
		   -- few duplicates anyway
		   CASE WHEN g.dprod <= 1.1 * g.dmax THEN least(g.dprod, x.n) ELSE g.dmax END AS dcombo,
		   CASE WHEN NOT (x.dedup_ok AND g.equalimage) OR x.n IS NULL THEN 'plain'
				WHEN g.nkey = 1 THEN CASE WHEN g.dunknown THEN 'unknown' ELSE 'single' END
				WHEN g.dunknown OR g.dmax IS NULL THEN 'unknown'
				WHEN x.n / greatest(g.dmax, 1) < 1.05 THEN 'plain'
				WHEN g.dprod <= 1.1 * g.dmax OR x.n / greatest(g.dmax, 1) < 2 THEN 'multi'
				ELSE 'unknown' END AS dmode
	  FROM idx x
	  JOIN iagg g ON g.goid = x.oid
	  CROSS JOIN LATERAL @extschema@._bloat_tuple_width(g.aligns, g.widths, g.nullfracs, g.wdists) w
	  -- the key columns alone, when the index has INCLUDE columns
	  LEFT JOIN LATERAL @extschema@._bloat_tuple_width(g.kaligns, g.kwidths, g.knullfracs, g.kwdists) kw0
			 ON x.indnkeyatts < x.indnatts
	  CROSS JOIN LATERAL (SELECT coalesce(kw0.data_len, w.data_len) AS data_len,
								 coalesce(kw0.end_pad, w.end_pad) AS end_pad,
								 coalesce(kw0.p_null, w.p_null) AS p_null) kw
),
-- Deduplication at build (_bt_load): equal keys become posting tuples of at
-- most postmax bytes. Groups of equal keys: the NULLs, each most common
-- value, and the other distinct values (the rest of the rows spread evenly).
ided AS (
	SELECT m.oid,
		   -- pages of groups with full posting tuples: their remainder tuple
		   -- takes a full one's place (the page is closed by count)
		   sum(CASE WHEN q.post AND q.nfull >= 1
					THEN q.ng * (q.nfull + CASE WHEN q.rem >= 0.5 THEN 1 ELSE 0 END) / q.kf
					ELSE 0 END) AS fpages,
		   sum(q.ng * CASE WHEN q.post AND q.nfull >= 1 THEN 0
						   WHEN q.post THEN 1
						   WHEN q.mx < 2 THEN q.c
						   ELSE least(q.c, 1) END) AS scount,
		   sum(q.ng * CASE WHEN q.post AND q.nfull >= 1 THEN 0
						   WHEN q.post THEN q.remsz + 4
						   WHEN q.mx < 2 OR q.c < 1 THEN q.c * (q.base + 4)
						   ELSE (2 - q.c) * (q.base + 4) + (q.c - 1) * (ceil((q.base + 12) / 8.0) * 8 + 4) END) AS sbytes,
		   sum(q.ng * CASE WHEN q.post THEN q.nfull * (q.sf + 4) + CASE WHEN q.rem >= 0.5 THEN q.remsz + 4 ELSE 0 END
						   WHEN q.mx < 2 OR q.c < 1 THEN q.c * (q.base + 4)
						   ELSE (2 - q.c) * (q.base + 4) + (q.c - 1) * (ceil((q.base + 12) / 8.0) * 8 + 4) END) AS dbytes,
		   bool_or(q.post OR q.c >= 1.05) AS postings,
		   -- whether the tuples not in full posting lists are all of one size
		   min(CASE WHEN q.post AND q.nfull >= 1 THEN NULL
					WHEN q.post THEN q.remsz
					WHEN q.mx < 2 OR q.c < 1.05 THEN q.base END) AS smin,
		   max(CASE WHEN q.post AND q.nfull >= 1 THEN NULL
					WHEN q.post THEN q.remsz
					WHEN q.mx < 2 OR q.c < 1.05 THEN q.base
					ELSE 'infinity' END) AS smax
	  FROM im m
	  CROSS JOIN LATERAL (
			SELECT CASE WHEN m.dmode = 'multi' THEN m.n
						ELSE m.n * (1 - coalesce(m.nf1, 0) - coalesce((SELECT sum(f) FROM unnest(m.mcvf1) f), 0))
						END AS nrest,
				   CASE WHEN m.dmode = 'multi' THEN m.dcombo
						ELSE m.dmax - coalesce(cardinality(m.mcvf1), 0) END AS drest,
				   CASE WHEN m.dmode = 'multi' THEN m.lt
						ELSE 8 + ceil(m.w1 / 8.0) * 8 END AS base_nn) r
	  CROSS JOIN LATERAL (
			SELECT gg.c, gg.ng, gg.base FROM (
				SELECT m.nf1 * m.n AS c, 1::float8 AS ng, 16::float8 AS base
				 WHERE m.dmode = 'single' AND m.nf1 * m.n >= 1
				UNION ALL
				SELECT f * m.n, 1, r.base_nn FROM unnest(m.mcvf1) f WHERE m.dmode = 'single'
				UNION ALL
				SELECT r.nrest / greatest(r.drest, 1), greatest(r.drest, 1), r.base_nn
				 WHERE r.nrest >= 1) gg) g
	  CROSS JOIN LATERAL (
			SELECT floor((m.postmax - g.base) / 6) AS mx) p
	  CROSS JOIN LATERAL (
			SELECT g.c, g.ng, g.base, p.mx,
				   p.mx >= 2 AND g.c >= 2 AS post,
				   floor(g.c / greatest(p.mx, 1)) AS nfull,
				   g.c - floor(g.c / greatest(p.mx, 1)) * p.mx AS rem,
				   ceil((g.base + 6 * p.mx) / 8.0) * 8 AS sf,
				   CASE WHEN g.c - floor(g.c / greatest(p.mx, 1)) * p.mx >= 1.5
						THEN ceil((g.base + 6 * round(g.c - floor(g.c / greatest(p.mx, 1)) * p.mx)) / 8.0) * 8
						ELSE g.base END AS remsz,
				   floor((m.t0 + ceil((g.base + 6 * p.mx) / 8.0) * 8 - g.base)
						 / (ceil((g.base + 6 * p.mx) / 8.0) * 8 + 4)) AS kf) q
	 WHERE m.dmode IN ('single', 'multi') AND m.n >= 1
	 GROUP BY m.oid
),
ileaf AS (
	SELECT m.*, d.postings,
		   CASE WHEN m.n IS NULL THEN NULL
				WHEN m.n < 1 THEN 0
				WHEN m.dmode IN ('single', 'multi') THEN
					 ceil(coalesce(d.fpages, 0)
						  + CASE WHEN coalesce(d.scount, 0) = 0 THEN 0
								 WHEN d.smin = d.smax AND NOT m.variable
								 THEN d.scount / greatest(least(floor(m.t0 / (d.smin + 4)),
																floor((m.bs - 56) / (d.smin + 4)) - 1), 1)
								 ELSE d.scount / greatest((m.t0 - d.sbytes / d.scount / 2) / (d.sbytes / d.scount), 1)
								 END)
				ELSE ceil(m.n / greatest(least(
						 CASE WHEN m.variable THEN (m.t0 - (m.lt + 4) / 2) / (m.lt + 4)
							  ELSE floor(m.t0 / (m.lt + 4)) END,
						 floor((m.bs - 56) / (m.lt + 4)) - 1), 1)) END AS leaves,
		   CASE WHEN m.dmode IN ('single', 'multi') AND m.n >= 1 THEN coalesce(d.dbytes, 0) / m.n
				ELSE m.lt + 4 END AS entry_bytes,
		   -- downlinks per internal page: the first one is "minus infinity" (no key)
		   greatest(floor((m.t0int - 12) / (m.pv + 4)) + 1, 2) AS kint
	  FROM im m
	  LEFT JOIN ided d ON d.oid = m.oid
),
iout AS (
	SELECT l.oid, 'index'::text AS kind, l.size,
		   CASE WHEN l.size = 0 THEN 0
				WHEN l.nostats OR l.stale OR l.dmode = 'unknown' THEN NULL
				ELSE l.lact * (l.bs - 44) - greatest(l.lact - 1, 0) * (l.pv + 4)
					 - (l.n + l.dead) * l.entry_bytes END AS waste,
		   CASE WHEN l.size = 0 THEN 0
				WHEN l.nostats OR l.stale OR l.dmode = 'unknown' THEN NULL
				ELSE l.size - (1 + l.leaves + l.internal) * l.bs END AS reclaim,
		   array_remove(ARRAY[
				CASE WHEN l.nostats THEN 'no_stats' END,
				CASE WHEN l.stale THEN 'stale_stats' END,
				CASE WHEN l.dmode = 'unknown' OR (l.dmode IN ('single', 'multi') AND l.postings)
					 THEN 'deduplicated' END,
				-- VACUUM FULL and CLUSTER rebuild a unique index without the
				-- uniqueness check, hence with its NULLs deduplicated; REINDEX
				-- (modelled) does not
				CASE WHEN l.indisunique AND l.nullable AND l.indnatts = l.indnkeyatts AND l.equalimage
					 THEN 'unique_nulls' END,
				CASE WHEN l.dead >= 1 THEN 'n_dead_tup' END,
				CASE WHEN l.standby THEN 'on_standby' END], NULL) AS flags
	  FROM (
		SELECT l.*,
			   l.n IS NULL OR ((l.missing OR (l.dmode = 'unknown' AND l.kmissing)) AND l.n >= 1) AS nostats,
			   l.tstale OR abs(l.size / l.bs - l.relpages) > 10 + 0.1 * l.relpages AS stale,
			   -- internal pages: ceil(leaves / kint ^ v) summed over the levels
			   -- v above the leaves (explicitly up to 6, then as a geometric
			   -- series); then the leaves the index has now: its pages less
			   -- the metapage and the internal pages above about
			   -- (pages - 1) (kint - 1) / kint leaves
			   CASE WHEN l.leaves / l.kint ^ 0 > 1 THEN ceil(l.leaves / l.kint ^ 1)
					+ CASE WHEN l.leaves / l.kint ^ 1 > 1 THEN ceil(l.leaves / l.kint ^ 2)
					+ CASE WHEN l.leaves / l.kint ^ 2 > 1 THEN ceil(l.leaves / l.kint ^ 3)
					+ CASE WHEN l.leaves / l.kint ^ 3 > 1 THEN ceil(l.leaves / l.kint ^ 4)
					+ CASE WHEN l.leaves / l.kint ^ 4 > 1 THEN ceil(l.leaves / l.kint ^ 5)
					+ CASE WHEN l.leaves / l.kint ^ 5 > 1 THEN ceil(l.leaves / l.kint ^ 6)
					+ CASE WHEN l.leaves / l.kint ^ 6 > 1 THEN l.leaves / l.kint ^ 6 / (l.kint - 1) + ln(l.leaves / l.kint ^ 6) / ln(l.kint) + 1 ELSE 0 END
					ELSE 0 END
					ELSE 0 END
					ELSE 0 END
					ELSE 0 END
					ELSE 0 END
					ELSE 0 END AS internal,
			   greatest(l.pages - 1 - (CASE WHEN l.lguess / l.kint ^ 0 > 1 THEN ceil(l.lguess / l.kint ^ 1)
					+ CASE WHEN l.lguess / l.kint ^ 1 > 1 THEN ceil(l.lguess / l.kint ^ 2)
					+ CASE WHEN l.lguess / l.kint ^ 2 > 1 THEN ceil(l.lguess / l.kint ^ 3)
					+ CASE WHEN l.lguess / l.kint ^ 3 > 1 THEN ceil(l.lguess / l.kint ^ 4)
					+ CASE WHEN l.lguess / l.kint ^ 4 > 1 THEN ceil(l.lguess / l.kint ^ 5)
					+ CASE WHEN l.lguess / l.kint ^ 5 > 1 THEN ceil(l.lguess / l.kint ^ 6)
					+ CASE WHEN l.lguess / l.kint ^ 6 > 1 THEN l.lguess / l.kint ^ 6 / (l.kint - 1) + ln(l.lguess / l.kint ^ 6) / ln(l.kint) + 1 ELSE 0 END
					ELSE 0 END
					ELSE 0 END
					ELSE 0 END
					ELSE 0 END
					ELSE 0 END
					ELSE 0 END), 0) AS lact
		  FROM (SELECT l.*, floor(l.size / l.bs) AS pages,
					   (floor(l.size / l.bs) - 1) * (l.kint - 1) / l.kint AS lguess
				  FROM ileaf l) l) l
)
SELECT o.oid, o.kind, o.size,
	   CASE WHEN o.waste IS NOT NULL THEN greatest(least(o.waste, o.size), 0)::int8 END,
	   CASE WHEN o.reclaim IS NOT NULL THEN greatest(least(o.reclaim, o.size), 0)::int8 END,
	   CASE WHEN o.size = 0 THEN array_remove(ARRAY[CASE WHEN 'on_standby' = ANY (o.flags) THEN 'on_standby' END], NULL)
			ELSE o.flags END
  FROM (SELECT * FROM heap_out UNION ALL SELECT * FROM toast_out UNION ALL SELECT * FROM iout) o;
END
$$;

REVOKE ALL ON FUNCTION @extschema@._bloat_tuple_width(pg_catalog.int4[], pg_catalog.float8[], pg_catalog.float8[], pg_catalog.float8[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@._bloat_stats(pg_catalog.regclass) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._bloat_stats(pg_catalog.regclass) TO pg_stat_scan_tables;

-- Sampled and exact estimates (src/bloat.c) and bloat_estimate() itself.

-- One relation, by reading a stratified sample of its pages (or all of them).
CREATE FUNCTION @extschema@._bloat_sample(
	rel pg_catalog.regclass,
	exact pg_catalog.bool,
	OUT size_bytes pg_catalog.int8,
	OUT waste_bytes pg_catalog.int8,
	OUT dead_bytes pg_catalog.int8,
	OUT reclaimable_bytes pg_catalog.int8,
	OUT waste_error_bytes pg_catalog.float8,
	OUT reclaim_error_bytes pg_catalog.float8,
	OUT pages_read pg_catalog.int8,
	OUT method pg_catalog.text)
RETURNS pg_catalog.record
AS 'MODULE_PATHNAME', 'pg_capacity_bloat_sample'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

-- The recommendation for one relation, by the pg_capacity.bloat_* settings.
CREATE FUNCTION @extschema@._bloat_advice(
	kind pg_catalog.text,
	size_bytes pg_catalog.int8,
	dead_pct pg_catalog.float8,
	reclaimable_bytes pg_catalog.int8)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'pg_capacity_bloat_advice'
LANGUAGE C STABLE PARALLEL SAFE;

-- pg_capacity.bloat_sample_min_size in bytes (and loads the library, so that
-- the settings exist in this session).
CREATE FUNCTION @extschema@._bloat_sample_min_bytes()
RETURNS pg_catalog.int8
AS 'MODULE_PATHNAME', 'pg_capacity_bloat_sample_min_bytes'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.bloat_estimate(
	relation pg_catalog.regclass DEFAULT NULL,
	mode pg_catalog.text DEFAULT 'auto',
	OUT schema_name pg_catalog.text,
	OUT relation_name pg_catalog.text,
	OUT kind pg_catalog.text,
	OUT parent pg_catalog.text,
	OUT size_bytes pg_catalog.int8,
	OUT waste_bytes pg_catalog.int8,
	OUT waste_pct pg_catalog.float8,
	OUT dead_pct pg_catalog.float8,
	OUT reclaimable_bytes pg_catalog.int8,
	OUT reclaimable_pct pg_catalog.float8,
	OUT error_pct pg_catalog.float8,
	OUT method pg_catalog.text,
	OUT pages_read pg_catalog.int8,
	OUT flags pg_catalog.text[],
	OUT recommendation pg_catalog.text)
RETURNS SETOF pg_catalog.record
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	min_bytes pg_catalog.int8;
	r record;
	s record;
BEGIN
	IF mode IS NULL OR mode NOT IN ('auto', 'sample', 'stats', 'exact') THEN
		RAISE EXCEPTION 'invalid bloat_estimate mode "%"', mode
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Valid modes are auto (statistics below pg_capacity.bloat_sample_min_size, '
						 'sampling above), sample, stats and exact.';
	END IF;
	IF relation IS NOT NULL AND NOT EXISTS (
		SELECT FROM pg_catalog.pg_class c
		 WHERE c.oid = relation AND c.relkind IN ('r', 'm', 't', 'i')) THEN
		RAISE EXCEPTION '"%" is not a table, materialized view, TOAST table or index', relation
			USING ERRCODE = 'wrong_object_type',
				  HINT = 'Partitioned tables and indexes have no storage of their own: estimate their partitions.';
	END IF;
	min_bytes := @extschema@._bloat_sample_min_bytes();

	FOR r IN
		SELECT c.oid, n.nspname, c.relname,
			   CASE c.relkind WHEN 'i' THEN 'index' WHEN 't' THEN 'toast' ELSE 'table' END AS kind,
			   CASE WHEN c.relkind = 'i' THEN i.indrelid::pg_catalog.regclass::pg_catalog.text
					WHEN c.relkind = 't' THEN p.oid::pg_catalog.regclass::pg_catalog.text END AS parent,
			   (c.relkind = 'i' AND am.amname IS DISTINCT FROM 'btree') AS unsupported,
			   pg_catalog.pg_relation_size(c.oid) AS size,
			   pg_catalog.pg_stat_get_live_tuples(c.oid) AS live_tup,
			   pg_catalog.pg_stat_get_dead_tuples(c.oid) AS dead_tup,
			   st.relid IS NOT NULL AS has_stats,
			   st.waste_bytes AS st_waste,
			   st.reclaimable_bytes AS st_reclaim,
			   st.flags AS st_flags
		  FROM pg_catalog.pg_class c
		  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		  LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
		  LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
		  LEFT JOIN pg_catalog.pg_class p ON c.relkind = 't' AND p.reltoastrelid = c.oid
		  -- statistics only where they may be used (a one-time filter otherwise)
		  LEFT JOIN (SELECT * FROM @extschema@._bloat_stats(relation)
					  WHERE mode IN ('stats', 'auto')) st ON st.relid = c.oid
		 WHERE c.relkind IN ('r', 'm', 't', 'i')
		   AND (relation IS NULL OR c.oid = relation)
		   AND (relation IS NOT NULL OR c.relpersistence <> 't')
		 ORDER BY n.nspname, c.relname
	LOOP
		schema_name := r.nspname;
		relation_name := r.relname;
		kind := r.kind;
		parent := r.parent;
		size_bytes := r.size;
		error_pct := NULL;
		pages_read := 0;
		flags := NULL;
		dead_pct := NULL;
		IF r.unsupported THEN
			waste_bytes := NULL;
			reclaimable_bytes := NULL;
			method := 'unsupported';
		ELSIF mode = 'stats' OR (mode = 'auto' AND r.size < min_bytes) THEN
			waste_bytes := r.st_waste;
			reclaimable_bytes := r.st_reclaim;
			flags := CASE WHEN r.has_stats THEN r.st_flags ELSE ARRAY['no_stats'] END;
			method := 'stats';
			IF r.kind <> 'index' AND r.live_tup + r.dead_tup > 0 THEN
				dead_pct := 100.0 * r.dead_tup / (r.live_tup + r.dead_tup);
			END IF;
		ELSE
			s := @extschema@._bloat_sample(r.oid, mode = 'exact');
			CONTINUE WHEN s.method = 'dropped';
			size_bytes := coalesce(s.size_bytes, r.size);
			waste_bytes := s.waste_bytes;
			reclaimable_bytes := s.reclaimable_bytes;
			method := s.method;
			pages_read := s.pages_read;
			IF size_bytes > 0 THEN
				dead_pct := 100.0 * s.dead_bytes / size_bytes;
				error_pct := least(100.0, 100.0 * greatest(s.waste_error_bytes, s.reclaim_error_bytes) / size_bytes);
			ELSIF size_bytes = 0 THEN
				dead_pct := 0;
				error_pct := 0;
			END IF;
		END IF;
		waste_pct := CASE WHEN size_bytes > 0 THEN 100.0 * waste_bytes / size_bytes
						  WHEN waste_bytes IS NOT NULL THEN 0 END;
		reclaimable_pct := CASE WHEN size_bytes > 0 THEN 100.0 * reclaimable_bytes / size_bytes
								WHEN reclaimable_bytes IS NOT NULL THEN 0 END;
		recommendation := CASE WHEN method IN ('unsupported', 'unavailable') THEN NULL
							   ELSE @extschema@._bloat_advice(kind, size_bytes, dead_pct, reclaimable_bytes) END;
		RETURN NEXT;
	END LOOP;
END
$$;

REVOKE ALL ON FUNCTION @extschema@._bloat_sample(pg_catalog.regclass, pg_catalog.bool) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@._bloat_advice(pg_catalog.text, pg_catalog.int8, pg_catalog.float8, pg_catalog.int8) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@._bloat_sample_min_bytes() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.bloat_estimate(pg_catalog.regclass, pg_catalog.text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._bloat_sample(pg_catalog.regclass, pg_catalog.bool) TO pg_stat_scan_tables;
GRANT EXECUTE ON FUNCTION @extschema@._bloat_advice(pg_catalog.text, pg_catalog.int8, pg_catalog.float8, pg_catalog.int8) TO pg_stat_scan_tables;
GRANT EXECUTE ON FUNCTION @extschema@._bloat_sample_min_bytes() TO pg_stat_scan_tables;
GRANT EXECUTE ON FUNCTION @extschema@.bloat_estimate(pg_catalog.regclass, pg_catalog.text) TO pg_stat_scan_tables;

--
-- Index and query diagnostics: catalog and statistics views only.
-- Granted to pg_monitor.
--
-- capacity._relation_file_birth(regclass): birth time of the relation's
-- first data file (statx STATX_BTIME, src/diagnostics.c); NULL when the
-- filesystem or the platform does not report one, or the file is gone.
CREATE FUNCTION @extschema@._relation_file_birth(rel pg_catalog.regclass)
RETURNS pg_catalog.timestamptz
AS 'MODULE_PATHNAME', 'pg_capacity_relation_file_birth'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

-- capacity.unused_indexes(): indexes with no scans since the statistics
-- began, that existed during the whole of that window.  Never proposed:
-- indexes that back a primary key, unique or exclusion constraint, unique
-- indexes (they enforce uniqueness whether scanned or not), invalid indexes
-- (capacity.invalid_indexes()), temporary ones, and those of system catalogs
-- and TOAST tables; nor indexes younger than the statistics (created after
-- they began, with a one-second margin for the filesystem's coarse clock):
-- those are counted in a NOTICE.  The start of the statistics is the
-- database's stats_reset or, if it was never reset, the last time the server
-- discarded its statistics (crash, immediate shutdown, restore, standby
-- start, first start after initdb), which pg_stat_bgwriter.stats_reset
-- records.  The age of an index is the birth time of its file (REINDEX,
-- VACUUM FULL, CLUSTER and TRUNCATE make it new) or, when the filesystem
-- does not report one and track_commit_timestamp is on, the commit time of
-- its pg_class row.
CREATE FUNCTION @extschema@.unused_indexes(
	min_size pg_catalog.int8 DEFAULT 0)
RETURNS TABLE (
	schema_name pg_catalog.text,
	table_name pg_catalog.text,
	index_name pg_catalog.text,
	idx_scan pg_catalog.int8,
	size_bytes pg_catalog.int8,
	index_created pg_catalog.timestamptz,
	stats_since pg_catalog.timestamptz,
	safe_to_drop pg_catalog.bool,
	reason pg_catalog.text,
	note pg_catalog.text,
	drop_statement pg_catalog.text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
DECLARE
	r record;
	young pg_catalog.int8 := 0;
	window_start pg_catalog.timestamptz;
	never_reset pg_catalog.bool;
BEGIN
	IF min_size IS NULL OR min_size < 0 THEN
		RAISE EXCEPTION 'invalid min_size: %', coalesce(min_size::pg_catalog.text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'min_size is a size in bytes, 0 or more (0: every size).';
	END IF;

	FOR r IN
		WITH st AS (
			SELECT d.stats_reset AS stats_since,
				   coalesce(d.stats_reset, b.stats_reset) AS window_start,
				   b.stats_reset AS stats_lost_at,
				   pg_is_in_recovery() AS standby,
				   current_setting('track_commit_timestamp')::bool AS commit_ts
			FROM pg_stat_database d, pg_stat_bgwriter b
			WHERE d.datname = current_database()
		),
		cand AS (
			SELECT s.indexrelid, s.relid, s.schemaname, s.relname,
				   s.indexrelname, s.idx_scan,
				   i.indpred IS NULL AND (am.amname = 'btree' OR am.amname = 'hash') AS fk_capable,
				   am.amname,
				   string_to_array(i.indkey::text, ' ')::int2[] AS keys,
				   i.indnkeyatts,
				   coalesce(@extschema@._relation_file_birth(s.indexrelid),
							CASE WHEN st.commit_ts
								THEN pg_xact_commit_timestamp(ic.xmin) END) AS born,
				   pg_relation_size(s.indexrelid) AS size_bytes
			FROM pg_stat_user_indexes s
				 JOIN pg_index i ON i.indexrelid = s.indexrelid
				 JOIN pg_class ic ON ic.oid = s.indexrelid
				 JOIN pg_am am ON am.oid = ic.relam
				 CROSS JOIN st
			WHERE s.idx_scan = 0
			  AND i.indisvalid AND i.indisready AND i.indislive
			  AND NOT (i.indisunique OR i.indisprimary OR i.indisexclusion)
			  AND ic.relpersistence <> 't'
		),
		-- the foreign keys a candidate alone supports: its leading key
		-- columns are the FK's columns (in any order), and no other index's
		-- are; supporting = valid, not partial, btree (or hash for one column)
		fk_only AS (
			SELECT c.indexrelid,
				   min(format('%I on %s', con.conname, con.confrelid::regclass)) AS fk
			FROM cand c
				 JOIN pg_constraint con
				   ON con.conrelid = c.relid AND con.contype = 'f'
			WHERE c.fk_capable
			  AND (c.amname = 'btree' OR cardinality(con.conkey) = 1)
			  AND cardinality(con.conkey) <= c.indnkeyatts
			  AND c.keys[1:cardinality(con.conkey)] @> con.conkey
			  AND c.keys[1:cardinality(con.conkey)] <@ con.conkey
			  AND NOT EXISTS (
				SELECT 1
				FROM pg_index o
					 JOIN pg_class oc ON oc.oid = o.indexrelid
					 JOIN pg_am oam ON oam.oid = oc.relam
				WHERE o.indrelid = c.relid AND o.indexrelid <> c.indexrelid
				  AND o.indisvalid AND o.indpred IS NULL
				  AND (oam.amname = 'btree'
					   OR (oam.amname = 'hash' AND cardinality(con.conkey) = 1))
				  AND cardinality(con.conkey) <= o.indnkeyatts
				  AND (string_to_array(o.indkey::text, ' ')::int2[])[1:cardinality(con.conkey)] @> con.conkey
				  AND (string_to_array(o.indkey::text, ' ')::int2[])[1:cardinality(con.conkey)] <@ con.conkey)
			GROUP BY c.indexrelid
		)
		SELECT c.schemaname::text AS schema_name, c.relname::text AS table_name,
			   c.indexrelname::text AS index_name, c.idx_scan, c.size_bytes,
			   c.born, st.stats_since, st.window_start, st.stats_lost_at,
			   st.standby, st.commit_ts,
			   (c.born IS NOT NULL AND st.window_start IS NOT NULL
				AND c.born > st.window_start - interval '1 second') AS is_young,
			   inh.inhparent::regclass::text AS partitioned_index,
			   f.fk
		FROM cand c
			 CROSS JOIN st
			 LEFT JOIN pg_inherits inh ON inh.inhrelid = c.indexrelid
			 LEFT JOIN fk_only f ON f.indexrelid = c.indexrelid
		WHERE c.size_bytes >= min_size
		ORDER BY c.size_bytes DESC, 1, 2, 3
	LOOP
		IF r.is_young THEN
			young := young + 1;
			window_start := r.window_start;
			never_reset := r.stats_since IS NULL;
			CONTINUE;
		END IF;
		schema_name := r.schema_name;
		table_name := r.table_name;
		index_name := r.index_name;
		idx_scan := r.idx_scan;
		size_bytes := r.size_bytes;
		index_created := r.born;
		stats_since := r.stats_since;
		safe_to_drop := false;
		IF r.partitioned_index IS NOT NULL THEN
			reason := format('attached to partitioned index %s: it cannot be dropped alone, and scans are counted per partition (drop the partitioned index only if the index of every partition is unused)',
							 r.partitioned_index);
		ELSIF r.born IS NULL AND r.window_start IS NULL THEN
			reason := 'neither the age of the index nor the start of the statistics is known: cannot tell for how long it has been unused';
		ELSIF r.born IS NULL THEN
			reason := 'age of the index unknown (the filesystem reports no birth time and track_commit_timestamp is off): it may be younger than the statistics, so its zero scans may cover a short time';
		ELSIF r.window_start IS NULL THEN
			reason := 'start of the statistics unknown: cannot tell for how long it has been unused';
		ELSIF r.fk IS NOT NULL THEN
			reason := format('no scans since the statistics began, but it is the only index for foreign key %s: without it every DELETE or key UPDATE there scans this table',
							 r.fk);
		ELSE
			safe_to_drop := true;
			IF r.stats_since IS NOT NULL THEN
				reason := 'no scans since the statistics were reset (stats_since), and it is older than that (index_created)';
			ELSE
				reason := format('no scans since the statistics began at %s, and it is older than that (index_created): they were never reset, so they cover the life of the cluster since the last crash, restore or start after initdb (pg_stat_bgwriter.stats_reset)',
								 r.stats_lost_at);
			END IF;
		END IF;
		note := CASE WHEN r.standby
			THEN 'this node is a standby: scans on the primary and on the other standbys are not counted here (pg_stat_user_indexes is per node); check every node before dropping on the primary'
			ELSE 'scans on standbys are not counted here (pg_stat_user_indexes is per node): check every standby before dropping'
		END;
		drop_statement := format('DROP INDEX CONCURRENTLY %I.%I;', r.schema_name, r.index_name);
		RETURN NEXT;
	END LOOP;

	IF young > 0 THEN
		RAISE NOTICE '%', CASE WHEN young = 1
			THEN '1 index with no scans is not listed: it was created after the statistics began'
			ELSE young || ' indexes with no scans are not listed: they were created after the statistics began' END
			USING DETAIL = format('The statistics began at %s (%s).', window_start,
								  CASE WHEN never_reset
									  THEN 'never reset: the last crash, restore or start after initdb'
									  ELSE 'pg_stat_database.stats_reset' END),
				  HINT = 'Check them again when they have existed for a full business cycle after a reset of the statistics (pg_stat_reset()).';
	END IF;
END;
$function$;

-- capacity.duplicate_indexes(): pairs (index to drop, index to keep) on the
-- same table.  "identical": same key and INCLUDE columns, expressions,
-- predicate, operator classes, collations, access method and indoption;
-- kept: the one that backs a constraint (or the replica identity), else the
-- unique one, else the older (lower OID).  "left_prefix": btree indexes with
-- the same predicate where the key columns of the one to drop (plain
-- columns, no INCLUDE) are a leading prefix of the other's, with the same
-- operator classes, collations and indoption on that prefix; kept: the wider
-- one.  Never dropped: an index that backs a constraint or is referenced by a
-- foreign key or is the replica identity, an index attached to a partitioned
-- index, or a unique index in favour of a non-unique one (for left_prefix
-- the one dropped is never unique).  Each index to drop is listed once, with
-- the widest, then best-ranked index to keep.
CREATE FUNCTION @extschema@.duplicate_indexes()
RETURNS TABLE (
	schema_name pg_catalog.text,
	table_name pg_catalog.text,
	kind pg_catalog.text,
	drop_index pg_catalog.text,
	drop_size_bytes pg_catalog.int8,
	drop_idx_scan pg_catalog.int8,
	keep_index pg_catalog.text,
	keep_size_bytes pg_catalog.int8,
	reason pg_catalog.text,
	drop_definition pg_catalog.text,
	keep_definition pg_catalog.text,
	drop_statement pg_catalog.text)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $function$
WITH pinned AS (
	SELECT DISTINCT ON (con.conindid) con.conindid AS indexrelid,
		   CASE WHEN con.contype = 'f'
				THEN format('is referenced by foreign key %I', con.conname)
				ELSE format('backs constraint %I', con.conname) END AS why
	FROM pg_constraint con
	WHERE con.conindid <> 0
	ORDER BY con.conindid, con.contype = 'f', con.conname
),
idx AS (
	SELECT i.indexrelid, i.indrelid, c.relam, c.relkind, i.indnkeyatts,
		   i.indnatts, i.indisunique,
		   i.indkey::text AS allkeys,
		   string_to_array(i.indkey::text, ' ')::int2[] AS keys,
		   string_to_array(i.indclass::text, ' ')::oid[] AS opc,
		   string_to_array(i.indcollation::text, ' ')::oid[] AS coll,
		   string_to_array(i.indoption::text, ' ')::int2[] AS opt,
		   regexp_replace(i.indexprs::text, ' :location -?[0-9]+', '', 'g') AS exprs,
		   regexp_replace(i.indpred::text, ' :location -?[0-9]+', '', 'g') AS pred,
		   (p.indexrelid IS NOT NULL OR i.indisreplident) AS pinned,
		   CASE WHEN p.indexrelid IS NOT NULL THEN p.why
				WHEN i.indisreplident THEN 'is the replica identity'
		   END AS pinned_why,
		   EXISTS (SELECT 1 FROM pg_inherits inh WHERE inh.inhrelid = i.indexrelid) AS attached,
		   n.nspname, t.relname
	FROM pg_index i
		 JOIN pg_class c ON c.oid = i.indexrelid
		 JOIN pg_class t ON t.oid = i.indrelid
		 JOIN pg_namespace n ON n.oid = t.relnamespace
		 LEFT JOIN pinned p ON p.indexrelid = i.indexrelid
	WHERE i.indisvalid AND i.indisready AND i.indislive
	  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
	  AND n.nspname !~ '^pg_toast'
	  AND t.relpersistence <> 't'
),
pairs AS (
	SELECT d.indexrelid AS drop_oid, k.indexrelid AS keep_oid, d.nspname, d.relname,
		   d.relkind AS drop_relkind,
		   CASE WHEN d.allkeys = k.allkeys AND d.indnkeyatts = k.indnkeyatts
					 AND d.exprs IS NOT DISTINCT FROM k.exprs
				THEN 'identical' ELSE 'left_prefix' END AS kind,
		   k.indnkeyatts AS keep_width, k.pinned AS keep_pinned,
		   k.indisunique AS keep_unique, k.pinned_why AS keep_pinned_why,
		   d.indisunique AS drop_unique
	FROM idx d
		 JOIN idx k ON k.indrelid = d.indrelid AND k.indexrelid <> d.indexrelid
	WHERE NOT d.pinned AND NOT d.attached
	  AND k.relam = d.relam
	  AND k.pred IS NOT DISTINCT FROM d.pred
	  AND (
		-- identical: the one kept ranks first (pinned, unique, lower OID)
		(k.allkeys = d.allkeys AND k.indnkeyatts = d.indnkeyatts
		 AND k.exprs IS NOT DISTINCT FROM d.exprs
		 AND k.opc = d.opc AND k.coll = d.coll AND k.opt = d.opt
		 AND (k.pinned
			  OR (k.indisunique AND NOT d.indisunique)
			  OR (k.indisunique = d.indisunique AND k.indexrelid < d.indexrelid))
		 AND (NOT d.indisunique
			  OR (SELECT to_jsonb(x) -> 'indnullsnotdistinct' FROM pg_index x
				  WHERE x.indexrelid = d.indexrelid)
				 IS NOT DISTINCT FROM
				 (SELECT to_jsonb(x) -> 'indnullsnotdistinct' FROM pg_index x
				  WHERE x.indexrelid = k.indexrelid)))
		OR
		-- left prefix: plain key columns, no INCLUDE, not unique
		(d.relam = (SELECT a.oid FROM pg_am a WHERE a.amname = 'btree')
		 AND NOT d.indisunique
		 AND d.indnatts = d.indnkeyatts
		 AND d.indnkeyatts < k.indnkeyatts
		 AND d.exprs IS NULL AND NOT (0 = ANY (d.keys))
		 AND d.keys = k.keys[1:d.indnkeyatts]
		 AND d.opc = k.opc[1:d.indnkeyatts]
		 AND d.coll = k.coll[1:d.indnkeyatts]
		 AND d.opt = k.opt[1:d.indnkeyatts])
	  )
),
best AS (
	SELECT DISTINCT ON (p.drop_oid) p.*
	FROM pairs p
	ORDER BY p.drop_oid, p.keep_width DESC, p.keep_pinned DESC, p.keep_unique DESC, p.keep_oid
),
sized AS (
	SELECT b.*,
		   CASE WHEN b.drop_relkind = 'I'
				THEN (SELECT coalesce(sum(pg_relation_size(pt.relid)), 0)::int8
					  FROM pg_partition_tree(b.drop_oid) pt WHERE pt.isleaf)
				ELSE pg_relation_size(b.drop_oid) END AS drop_size,
		   CASE WHEN kc.relkind = 'I'
				THEN (SELECT coalesce(sum(pg_relation_size(pt.relid)), 0)::int8
					  FROM pg_partition_tree(b.keep_oid) pt WHERE pt.isleaf)
				ELSE pg_relation_size(b.keep_oid) END AS keep_size,
		   kc.relname AS keep_relname, dc.relname AS drop_relname
	FROM best b
		 JOIN pg_class kc ON kc.oid = b.keep_oid
		 JOIN pg_class dc ON dc.oid = b.drop_oid
)
SELECT s.nspname::text, s.relname::text, s.kind,
	   s.drop_relname::text, s.drop_size,
	   pg_stat_get_numscans(s.drop_oid),
	   s.keep_relname::text, s.keep_size,
	   CASE s.kind
		 WHEN 'identical' THEN 'same definition as ' || quote_ident(s.keep_relname::text)
		 ELSE 'its key columns are a leading prefix of those of ' || quote_ident(s.keep_relname::text)
			  || ', which serves the same lookups'
	   END
	   || '; kept: ' || quote_ident(s.keep_relname::text) || ', which '
	   || CASE WHEN s.keep_pinned THEN s.keep_pinned_why
			   WHEN s.keep_unique AND NOT s.drop_unique THEN 'is unique'
			   WHEN s.kind = 'left_prefix' THEN 'is wider'
			   ELSE 'is older (lower OID)' END,
	   pg_get_indexdef(s.drop_oid), pg_get_indexdef(s.keep_oid),
	   format(CASE WHEN s.drop_relkind = 'I' THEN 'DROP INDEX %I.%I;'
				   ELSE 'DROP INDEX CONCURRENTLY %I.%I;' END,
			  s.nspname, s.drop_relname)
FROM sized s
ORDER BY s.drop_size DESC, 1, 2, 4;
$function$;

-- capacity.invalid_indexes(): indexes with indisvalid = false, left behind by
-- a failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY (or a
-- partitioned index missing the index of a partition), with the statements
-- that fix them.  in_progress: an index is being built concurrently on the
-- table right now (pg_stat_progress_create_index), so the invalid index may
-- be that build: no statements are suggested then.
CREATE FUNCTION @extschema@.invalid_indexes()
RETURNS TABLE (
	schema_name pg_catalog.text,
	table_name pg_catalog.text,
	index_name pg_catalog.text,
	size_bytes pg_catalog.int8,
	in_progress pg_catalog.bool,
	reason pg_catalog.text,
	recreate_statements pg_catalog.text,
	reindex_statement pg_catalog.text)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $function$
WITH inv AS (
	SELECT i.indexrelid, i.indrelid, i.indisunique, i.indisready, c.relkind,
		   n.nspname, t.relname AS tblname, c.relname AS idxname,
		   own.oid AS toast_owner,
		   c.relname ~ '_cc(new|old)[0-9]*$' AS from_reindex,
		   EXISTS (SELECT 1 FROM pg_stat_progress_create_index p
				   WHERE p.relid = i.indrelid
					 AND p.command IN ('CREATE INDEX CONCURRENTLY',
									   'REINDEX CONCURRENTLY')) AS in_progress
	FROM pg_index i
		 JOIN pg_class c ON c.oid = i.indexrelid
		 JOIN pg_class t ON t.oid = i.indrelid
		 JOIN pg_namespace n ON n.oid = c.relnamespace
		 LEFT JOIN pg_class own ON t.relkind = 't' AND own.reltoastrelid = t.oid
	WHERE NOT i.indisvalid
	  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
)
SELECT v.nspname::text, v.tblname::text, v.idxname::text,
	   CASE WHEN v.relkind = 'I'
			THEN (SELECT coalesce(sum(pg_relation_size(pt.relid)), 0)::int8
				  FROM pg_partition_tree(v.indexrelid) pt WHERE pt.isleaf)
			ELSE pg_relation_size(v.indexrelid) END,
	   v.in_progress,
	   CASE
		 WHEN v.in_progress THEN
		   'an index is being built concurrently on this table now (pg_stat_progress_create_index): this may be it; check again when the build is over'
		 WHEN v.relkind = 'I' THEN
		   'partitioned index without a valid index on every partition: create the missing ones and attach them (ALTER INDEX ... ATTACH PARTITION)'
		 WHEN v.from_reindex THEN
		   'left by a failed REINDEX CONCURRENTLY (the original index is still there): drop it'
		 WHEN v.indisready THEN
		   'invalid: left by a failed CREATE INDEX CONCURRENTLY; queries never use it, but every write still maintains it: rebuild it or drop it'
		   || CASE WHEN v.indisunique
				   THEN '. It is UNIQUE: if the build failed on duplicate keys, remove them first'
				   ELSE '' END
		 ELSE
		   'invalid: left by a failed CREATE INDEX CONCURRENTLY; queries never use it (nor do writes maintain it yet): rebuild it or drop it'
		   || CASE WHEN v.indisunique
				   THEN '. It is UNIQUE: if the build failed on duplicate keys, remove them first'
				   ELSE '' END
	   END
	   || CASE WHEN v.toast_owner IS NOT NULL
			   THEN format(' (TOAST index of table %s)', v.toast_owner::regclass)
			   ELSE '' END,
	   CASE
		 WHEN v.in_progress OR v.relkind = 'I' THEN NULL
		 WHEN v.from_reindex OR v.toast_owner IS NOT NULL THEN
		   format('DROP INDEX CONCURRENTLY %I.%I;', v.nspname, v.idxname)
		 ELSE
		   format('DROP INDEX CONCURRENTLY %I.%I; ', v.nspname, v.idxname)
		   || regexp_replace(pg_get_indexdef(v.indexrelid),
							 '^CREATE (UNIQUE )?INDEX ', 'CREATE \1INDEX CONCURRENTLY ')
		   || ';'
	   END,
	   CASE
		 WHEN v.in_progress OR v.relkind = 'I' OR v.from_reindex THEN NULL
		 ELSE format('REINDEX INDEX CONCURRENTLY %I.%I;', v.nspname, v.idxname)
	   END
FROM inv v
ORDER BY 1, 2, 3;
$function$;

-- capacity.missing_indexes(): two kinds of evidence.
--   seq_scans: tables of at least min_rows live rows whose sequential scans
--     read at least min_seq_tup_read rows and are at least min_seq_share of
--     their scans (seq_scan / (seq_scan + idx_scan)).
--   unindexed_foreign_key: foreign keys (not the clones on partitions) whose
--     columns are not, in any order, the leading key columns of a valid,
--     non-partial btree (or, for one column, hash) index of the referencing
--     table.
CREATE FUNCTION @extschema@.missing_indexes(
	min_seq_tup_read pg_catalog.int8 DEFAULT 1000000,
	min_seq_share pg_catalog.float8 DEFAULT 0.5,
	min_rows pg_catalog.int8 DEFAULT 10000)
RETURNS TABLE (
	kind pg_catalog.text,
	schema_name pg_catalog.text,
	table_name pg_catalog.text,
	columns pg_catalog.text,
	constraint_name pg_catalog.text,
	referenced_table pg_catalog.text,
	seq_scan pg_catalog.int8,
	seq_tup_read pg_catalog.int8,
	idx_scan pg_catalog.int8,
	n_live_tup pg_catalog.int8,
	seq_share pg_catalog.float8,
	size_bytes pg_catalog.int8,
	reason pg_catalog.text,
	suggestion pg_catalog.text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
BEGIN
	IF min_seq_tup_read IS NULL OR min_seq_tup_read < 0 THEN
		RAISE EXCEPTION 'invalid min_seq_tup_read: %', coalesce(min_seq_tup_read::pg_catalog.text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'min_seq_tup_read is a number of rows, 0 or more.';
	END IF;
	IF min_seq_share IS NULL OR NOT (min_seq_share BETWEEN 0 AND 1) THEN
		RAISE EXCEPTION 'invalid min_seq_share: %', coalesce(min_seq_share::pg_catalog.text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'min_seq_share is the share of sequential scans among the scans of a table, from 0 to 1.';
	END IF;
	IF min_rows IS NULL OR min_rows < 0 THEN
		RAISE EXCEPTION 'invalid min_rows: %', coalesce(min_rows::pg_catalog.text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'min_rows is a number of live rows, 0 or more.';
	END IF;

	RETURN QUERY
	WITH tstat AS (
		SELECT s.relid, s.schemaname::text AS nspname, s.relname::text AS relname,
			   s.seq_scan, s.seq_tup_read, s.idx_scan, s.n_live_tup,
			   s.seq_scan::float8 / nullif(s.seq_scan + coalesce(s.idx_scan, 0), 0) AS share
		FROM pg_stat_user_tables s
	),
	seq AS (
		SELECT 'seq_scans'::text AS kind, t.nspname, t.relname,
			   NULL::text AS cols, NULL::text AS conname, NULL::text AS reftable,
			   t.seq_scan, t.seq_tup_read, t.idx_scan, t.n_live_tup, t.share,
			   pg_relation_size(t.relid) AS size_bytes,
			   CASE WHEN t.idx_scan IS NULL
					THEN 'read by sequential scans over many rows, and it has no index'
					ELSE 'read mostly by sequential scans over many rows'
			   END
			   || ': find the columns the frequent queries filter or join on (capacity.top_queries(), EXPLAIN) and index them' AS why,
			   format('CREATE INDEX CONCURRENTLY ON %I.%I (<columns those queries filter on>);',
					  t.nspname, t.relname) AS suggestion
		FROM tstat t
		WHERE t.seq_tup_read >= min_seq_tup_read
		  AND t.seq_scan > 0
		  AND t.share >= min_seq_share
		  AND t.n_live_tup >= min_rows
	),
	fks AS (
		SELECT con.oid, con.conname, con.conrelid, con.confrelid, con.conkey
		FROM pg_constraint con
			 JOIN pg_class t ON t.oid = con.conrelid
			 JOIN pg_namespace n ON n.oid = t.relnamespace
		WHERE con.contype = 'f' AND con.conparentid = 0
		  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		  AND n.nspname !~ '^pg_toast'
		  AND t.relpersistence <> 't'
	),
	unindexed AS (
		SELECT f.*
		FROM fks f
		WHERE NOT EXISTS (
			SELECT 1
			FROM pg_index i
				 JOIN pg_class ic ON ic.oid = i.indexrelid
				 JOIN pg_am a ON a.oid = ic.relam
			WHERE i.indrelid = f.conrelid
			  AND i.indisvalid AND i.indpred IS NULL
			  AND (a.amname = 'btree' OR (a.amname = 'hash' AND cardinality(f.conkey) = 1))
			  AND cardinality(f.conkey) <= i.indnkeyatts
			  AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(f.conkey)] @> f.conkey
			  AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(f.conkey)] <@ f.conkey)
	),
	fk AS (
		SELECT 'unindexed_foreign_key'::text AS kind, n.nspname::text, t.relname::text,
			   cols.list AS cols, u.conname::text, u.confrelid::regclass::text,
			   ts.seq_scan, ts.seq_tup_read, ts.idx_scan, ts.n_live_tup, ts.share,
			   pg_relation_size(u.conrelid) AS size_bytes,
			   format('no index has the columns of foreign key %I as its leading columns: every DELETE, and every UPDATE of the key, of a row of %s scans %I.%I for referencing rows',
					  u.conname, u.confrelid::regclass, n.nspname, t.relname) AS why,
			   format(CASE WHEN t.relkind = 'p' THEN 'CREATE INDEX ON %I.%I (%s);'
						   ELSE 'CREATE INDEX CONCURRENTLY ON %I.%I (%s);' END,
					  n.nspname, t.relname, cols.list) AS suggestion
		FROM unindexed u
			 JOIN pg_class t ON t.oid = u.conrelid
			 JOIN pg_namespace n ON n.oid = t.relnamespace
			 LEFT JOIN tstat ts ON ts.relid = u.conrelid
			 CROSS JOIN LATERAL (
				SELECT string_agg(quote_ident(att.attname::text), ', ' ORDER BY k.ord) AS list
				FROM unnest(u.conkey) WITH ORDINALITY AS k(attnum, ord)
					 JOIN pg_attribute att
					   ON att.attrelid = u.conrelid AND att.attnum = k.attnum) cols
	)
	SELECT * FROM seq
	UNION ALL
	SELECT * FROM fk
	ORDER BY 1, 2, 3, 5;
END;
$function$;

-- capacity.top_queries(): the heaviest statements of pg_stat_statements
-- (every database and user), wherever that extension is installed.  The
-- playbook's total_time is total_exec_time since pg_stat_statements 1.8
-- (PostgreSQL 13), which splits it from total_plan_time (0 unless
-- pg_stat_statements.track_planning is on).  order_by: total_time
-- (total_exec_time), mean_time (mean_exec_time), calls, rows, io
-- (shared_blks_read); ties by queryid.
CREATE FUNCTION @extschema@.top_queries(
	n pg_catalog.int4 DEFAULT 20,
	order_by pg_catalog.text DEFAULT 'total_time')
RETURNS TABLE (
	rank pg_catalog.int4,
	queryid pg_catalog.int8,
	database pg_catalog.text,
	username pg_catalog.text,
	calls pg_catalog.int8,
	total_exec_time pg_catalog.float8,
	mean_exec_time pg_catalog.float8,
	max_exec_time pg_catalog.float8,
	total_plan_time pg_catalog.float8,
	rows pg_catalog.int8,
	shared_blks_hit pg_catalog.int8,
	shared_blks_read pg_catalog.int8,
	hit_ratio pg_catalog.float8,
	query pg_catalog.text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
DECLARE
	pgss_schema pg_catalog.name;
	sort_column pg_catalog.text;
BEGIN
	IF n IS NULL OR n <= 0 THEN
		RAISE EXCEPTION 'invalid n: %', coalesce(n::pg_catalog.text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'n is the number of queries to return, 1 or more.';
	END IF;
	sort_column := CASE order_by
		WHEN 'total_time' THEN 'total_exec_time'
		WHEN 'mean_time' THEN 'mean_exec_time'
		WHEN 'calls' THEN 'calls'
		WHEN 'rows' THEN 'rows'
		WHEN 'io' THEN 'shared_blks_read'
	END;
	IF sort_column IS NULL THEN
		RAISE EXCEPTION 'invalid order_by: %', coalesce(quote_literal(order_by), 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'Valid values: total_time, mean_time, calls, rows, io.';
	END IF;

	SELECT ns.nspname INTO pgss_schema
	FROM pg_extension e JOIN pg_namespace ns ON ns.oid = e.extnamespace
	WHERE e.extname = 'pg_stat_statements';
	IF NOT FOUND THEN
		RAISE EXCEPTION 'pg_stat_statements is not installed in database %', current_database()
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'CREATE EXTENSION pg_stat_statements; it also needs shared_preload_libraries';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_attribute att
				   WHERE att.attrelid = format('%I.pg_stat_statements', pgss_schema)::regclass
					 AND att.attname = 'total_exec_time' AND NOT att.attisdropped) THEN
		RAISE EXCEPTION 'pg_stat_statements in database % is older than version 1.8 (no total_exec_time)',
			current_database()
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'ALTER EXTENSION pg_stat_statements UPDATE;';
	END IF;

	RETURN QUERY EXECUTE format(
		'SELECT (row_number() OVER (ORDER BY s.%1$I DESC NULLS LAST, s.queryid, s.userid, s.dbid))::int4,
				s.queryid, d.datname::text, r.rolname::text, s.calls,
				s.total_exec_time, s.mean_exec_time, s.max_exec_time, s.total_plan_time,
				s.rows, s.shared_blks_hit, s.shared_blks_read,
				s.shared_blks_hit::float8 / nullif(s.shared_blks_hit + s.shared_blks_read, 0),
				s.query
		 FROM %2$I.pg_stat_statements s
			  LEFT JOIN pg_catalog.pg_database d ON d.oid = s.dbid
			  LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.userid
		 ORDER BY s.%1$I DESC NULLS LAST, s.queryid, s.userid, s.dbid
		 LIMIT $1',
		sort_column, pgss_schema)
	USING n;
END;
$function$;

REVOKE ALL ON FUNCTION @extschema@._relation_file_birth(pg_catalog.regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.unused_indexes(pg_catalog.int8) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.duplicate_indexes() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.invalid_indexes() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.missing_indexes(pg_catalog.int8, pg_catalog.float8, pg_catalog.int8) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.top_queries(pg_catalog.int4, pg_catalog.text) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION @extschema@._relation_file_birth(pg_catalog.regclass) TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.unused_indexes(pg_catalog.int8) TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.duplicate_indexes() TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.invalid_indexes() TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.missing_indexes(pg_catalog.int8, pg_catalog.float8, pg_catalog.int8) TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.top_queries(pg_catalog.int4, pg_catalog.text) TO pg_monitor;

--
-- The cluster view (src/cluster_sql.c over cluster.c and cluster_model.c):
-- every member's own figures fetched over libpq at once, within
-- pg_capacity.cluster_timeout, and judged together (docs/cluster.md).
-- The SQL run on the members is fixed in the library; the caller chooses
-- only the window.
--
CREATE FUNCTION @extschema@.cluster_members(
	OUT member pg_catalog.text,
	OUT name pg_catalog.text,
	OUT role pg_catalog.text,
	OUT reachable pg_catalog.bool,
	OUT source pg_catalog.text,
	OUT error pg_catalog.text,
	OUT latency_ms pg_catalog.float8)
RETURNS SETOF pg_catalog.record
AS 'MODULE_PATHNAME', 'pg_capacity_cluster_members'
LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION @extschema@.cluster_report(
	since pg_catalog.interval DEFAULT '15 minutes',
	OUT member pg_catalog.text,
	OUT resource pg_catalog.text,
	OUT current pg_catalog.float8,
	OUT peak pg_catalog.float8,
	OUT capacity pg_catalog.float8,
	OUT unit pg_catalog.text,
	OUT utilization_pct pg_catalog.float8,
	OUT level pg_catalog.text,
	OUT trend pg_catalog.text,
	OUT detail pg_catalog.text)
RETURNS SETOF pg_catalog.record
AS 'MODULE_PATHNAME', 'pg_capacity_cluster_report'
LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION @extschema@.cluster_recommendations(
	since pg_catalog.interval DEFAULT '15 minutes',
	OUT member pg_catalog.text,
	OUT priority pg_catalog.text,
	OUT direction pg_catalog.text,
	OUT resource pg_catalog.text,
	OUT observed pg_catalog.float8,
	OUT threshold pg_catalog.float8,
	OUT action pg_catalog.text,
	OUT rationale pg_catalog.text,
	OUT cost_impact pg_catalog.text,
	OUT performance_gain pg_catalog.text,
	OUT complexity pg_catalog.text)
RETURNS SETOF pg_catalog.record
AS 'MODULE_PATHNAME', 'pg_capacity_cluster_recommendations'
LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION @extschema@.cluster_unused_indexes(
	min_size pg_catalog.int8 DEFAULT 0,
	OUT schema_name pg_catalog.text,
	OUT table_name pg_catalog.text,
	OUT index_name pg_catalog.text,
	OUT idx_scan pg_catalog.int8,
	OUT size_bytes pg_catalog.int8,
	OUT index_created pg_catalog.timestamptz,
	OUT stats_since pg_catalog.timestamptz,
	OUT safe_to_drop pg_catalog.bool,
	OUT reason pg_catalog.text,
	OUT note pg_catalog.text,
	OUT drop_statement pg_catalog.text,
	OUT member_scans pg_catalog.jsonb)
RETURNS SETOF pg_catalog.record
AS 'MODULE_PATHNAME', 'pg_capacity_cluster_unused_indexes'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

REVOKE ALL ON FUNCTION @extschema@.cluster_members() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.cluster_report(pg_catalog.interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.cluster_recommendations(pg_catalog.interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.cluster_unused_indexes(pg_catalog.int8) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.cluster_members() TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.cluster_report(pg_catalog.interval) TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.cluster_recommendations(pg_catalog.interval) TO pg_monitor;
GRANT EXECUTE ON FUNCTION @extschema@.cluster_unused_indexes(pg_catalog.int8) TO pg_monitor;

--
-- Views over the default windows, for psql (\dv capacity.*) and for
-- scrapers (monitoring/): each is its function with its defaults, named
-- after it, as pg_stat_statements is a view over pg_stat_statements().
-- SELECT for pg_monitor, as EXECUTE on the functions; the functions run
-- with the caller's rights, as when called directly.  The cluster views
-- need the cluster's members (docs/cluster.md) and say so when there are
-- none.
--
CREATE VIEW @extschema@.latest AS
	SELECT * FROM @extschema@.latest();
CREATE VIEW @extschema@.sampler_status AS
	SELECT * FROM @extschema@.sampler_status();
CREATE VIEW @extschema@.capacity_report AS
	SELECT * FROM @extschema@.capacity_report();
CREATE VIEW @extschema@.capacity_level AS
	SELECT * FROM @extschema@.capacity_level();
CREATE VIEW @extschema@.tps_capacity AS
	SELECT * FROM @extschema@.tps_capacity();
CREATE VIEW @extschema@.scaling_recommendations AS
	SELECT * FROM @extschema@.scaling_recommendations();
CREATE VIEW @extschema@.sizing_recommendations AS
	SELECT * FROM @extschema@.sizing_recommendations();
CREATE VIEW @extschema@.capacity_plan AS
	SELECT * FROM @extschema@.capacity_plan();
-- days to 70, 85 and 95 % of capacity, per metric with a capacity
CREATE VIEW @extschema@.time_to_threshold AS
	SELECT t.*, p.threshold_pct
	FROM pg_catalog.unnest(ARRAY['tps', 'connections', 'database_size_bytes', 'cpu_pct',
								 'memory_used_pct']) AS m(metric)
		 CROSS JOIN pg_catalog.unnest(ARRAY[70, 85, 95]::pg_catalog.float8[]) AS p(threshold_pct)
		 CROSS JOIN LATERAL @extschema@.time_to_threshold(m.metric, p.threshold_pct) t;
CREATE VIEW @extschema@.cluster_members AS
	SELECT * FROM @extschema@.cluster_members();
CREATE VIEW @extschema@.cluster_report AS
	SELECT * FROM @extschema@.cluster_report();
CREATE VIEW @extschema@.cluster_recommendations AS
	SELECT * FROM @extschema@.cluster_recommendations();

REVOKE ALL ON @extschema@.latest, @extschema@.sampler_status, @extschema@.capacity_report,
	@extschema@.capacity_level, @extschema@.tps_capacity, @extschema@.scaling_recommendations,
	@extschema@.sizing_recommendations, @extschema@.capacity_plan, @extschema@.time_to_threshold,
	@extschema@.cluster_members, @extschema@.cluster_report, @extschema@.cluster_recommendations
	FROM PUBLIC;
GRANT SELECT ON @extschema@.latest, @extschema@.sampler_status, @extschema@.capacity_report,
	@extschema@.capacity_level, @extschema@.tps_capacity, @extschema@.scaling_recommendations,
	@extschema@.sizing_recommendations, @extschema@.capacity_plan, @extschema@.time_to_threshold,
	@extschema@.cluster_members, @extschema@.cluster_report, @extschema@.cluster_recommendations
	TO pg_monitor;
