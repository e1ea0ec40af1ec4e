--
-- 12_bloat: bloat_estimate()'s interface: modes, relation kinds, errors,
-- privileges, recommendations.  Accuracy against pgstattuple and VACUUM FULL
-- is test/t/008_bloat_sample.pl's (and 009_bloat_stats.pl's) business; here
-- the exact mode is compared with pgstattuple on small tables, where both
-- are deterministic.
--
CREATE EXTENSION pgstattuple;
CREATE TABLE bloat_t (id int4 PRIMARY KEY, v text) WITH (autovacuum_enabled = off);
INSERT INTO bloat_t SELECT i, repeat('x', 100) FROM generate_series(1, 5000) i;
CREATE INDEX bloat_t_v ON bloat_t (v);
CREATE INDEX bloat_t_hash ON bloat_t USING hash (id);
CREATE VIEW bloat_v AS SELECT * FROM bloat_t;
CREATE TABLE bloat_parted (id int4) PARTITION BY RANGE (id);
CREATE TABLE bloat_part1 PARTITION OF bloat_parted FOR VALUES FROM (0) TO (100);
VACUUM ANALYZE bloat_t;

-- one row per relation asked for; the exact mode is pgstattuple's waste
SELECT relation_name, kind, parent, method, reclaimable_bytes, error_pct < 2 AS error_below_2pp,
	   pages_read = size_bytes / 8192 - (kind = 'index')::int AS read_every_page,
	   waste_bytes = (SELECT free_space + dead_tuple_len FROM pgstattuple('bloat_t')) AS waste_is_pgstattuple
  FROM capacity.bloat_estimate('bloat_t', 'exact');
SELECT relation_name, kind, parent, method, reclaimable_bytes,
	   waste_bytes = (SELECT free_space + dead_tuple_len FROM pgstattuple('bloat_t_pkey')) AS waste_is_pgstattuple
  FROM capacity.bloat_estimate('bloat_t_pkey', 'exact');
-- a relation small enough to be read whole: sample mode reads every page
SELECT method, reclaimable_bytes FROM capacity.bloat_estimate('bloat_t_pkey', 'sample');
-- not a btree: listed, not guessed
SELECT relation_name, kind, method, waste_bytes, reclaimable_bytes, recommendation
  FROM capacity.bloat_estimate('bloat_t_hash', 'sample');
-- a table of another table access method (here one that borrows heap's
-- handler) is not read as heap, nor are its btree indexes
CREATE ACCESS METHOD bloat_heap_alias TYPE TABLE HANDLER heap_tableam_handler;
CREATE TABLE bloat_ta (id int4) USING bloat_heap_alias;
INSERT INTO bloat_ta SELECT generate_series(1, 1000);
CREATE INDEX bloat_ta_idx ON bloat_ta (id);
SELECT relation_name, kind, method, size_bytes > 0 AS has_size, waste_bytes, reclaimable_bytes, recommendation
  FROM capacity.bloat_estimate('bloat_ta', 'exact')
UNION ALL
SELECT relation_name, kind, method, size_bytes > 0, waste_bytes, reclaimable_bytes, recommendation
  FROM capacity.bloat_estimate('bloat_ta_idx', 'exact')
UNION ALL
SELECT relation_name, kind, method, size_bytes > 0, waste_bytes, reclaimable_bytes, recommendation
  FROM capacity.bloat_estimate('bloat_ta_idx', 'sample');
SELECT method, size_bytes > 0 AS has_size, waste_bytes, reclaimable_bytes FROM capacity._bloat_sample('bloat_ta_idx', false);
DROP TABLE bloat_ta;
DROP ACCESS METHOD bloat_heap_alias;
-- the TOAST table names its parent
SELECT kind, parent FROM capacity.bloat_estimate(
	(SELECT reltoastrelid FROM pg_class WHERE oid = 'bloat_t'::regclass)::regclass, 'exact');
-- the whole database: tables, TOAST tables and indexes, each once
SELECT kind, count(*) > 0 AS listed, count(DISTINCT (schema_name, relation_name)) = count(*) AS once
  FROM capacity.bloat_estimate(NULL, 'stats') GROUP BY kind ORDER BY kind;
SELECT count(*) FROM capacity.bloat_estimate(NULL, 'stats') WHERE relation_name IN ('bloat_v', 'bloat_parted');

-- errors
SELECT * FROM capacity.bloat_estimate('bloat_t', 'guess');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.bloat_estimate('bloat_t', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.bloat_estimate('bloat_v');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.bloat_estimate('bloat_parted');
\echo :LAST_ERROR_SQLSTATE
SET pg_capacity.bloat_max_sample_pages = 1;
\echo :LAST_ERROR_SQLSTATE
SET pg_capacity.bloat_target_error_pct = 0;
\echo :LAST_ERROR_SQLSTATE

-- recommendations follow the settings
SET pg_capacity.bloat_min_reclaim = 0;
DELETE FROM bloat_t WHERE id > 500;
SELECT relation_name, recommendation FROM capacity.bloat_estimate('bloat_t', 'exact');
VACUUM bloat_t;
SELECT relation_name, round(reclaimable_pct) AS reclaimable_pct, recommendation
  FROM capacity.bloat_estimate('bloat_t', 'exact');
SELECT relation_name, recommendation FROM capacity.bloat_estimate('bloat_t_v', 'exact');
SET pg_capacity.bloat_rewrite_pct = 95;
SET pg_capacity.bloat_reindex_pct = 95;
SELECT relation_name, recommendation FROM capacity.bloat_estimate('bloat_t', 'exact');
SELECT relation_name, recommendation FROM capacity.bloat_estimate('bloat_t_v', 'exact');
RESET pg_capacity.bloat_rewrite_pct;
RESET pg_capacity.bloat_reindex_pct;
RESET pg_capacity.bloat_min_reclaim;
-- too little to be worth a rewrite by default (8MB)
SELECT relation_name, recommendation FROM capacity.bloat_estimate('bloat_t', 'exact');
-- a fifth of the rows dead, not vacuumed: VACUUM (a rewrite would give back
-- less than pg_capacity.bloat_rewrite_pct)
CREATE TABLE bloat_d (id int4, v text) WITH (autovacuum_enabled = off);
INSERT INTO bloat_d SELECT i, repeat('y', 100) FROM generate_series(1, 5000) i;
DELETE FROM bloat_d WHERE id % 5 = 0;
SELECT relation_name, round(dead_pct) AS dead_pct, round(reclaimable_pct) AS reclaimable_pct, recommendation
  FROM capacity.bloat_estimate('bloat_d', 'exact');

-- privileges: like pgstattuple's, pg_stat_scan_tables (a member of pg_monitor)
CREATE ROLE regress_bloat_nobody LOGIN;
CREATE ROLE regress_bloat_scanner LOGIN IN ROLE pg_stat_scan_tables;
SET ROLE regress_bloat_nobody;
SELECT count(*) FROM capacity.bloat_estimate('bloat_t', 'exact');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE regress_bloat_scanner;
SELECT count(*) FROM capacity.bloat_estimate('bloat_t', 'exact');
SELECT count(*) > 0 FROM capacity.bloat_estimate(NULL, 'stats');
RESET ROLE;
DROP ROLE regress_bloat_nobody;
DROP ROLE regress_bloat_scanner;

-- a temporary table of this session, asked for by name
CREATE TEMP TABLE bloat_tmp AS SELECT i FROM generate_series(1, 1000) i;
SELECT kind, method FROM capacity.bloat_estimate('bloat_tmp', 'exact');

DROP TABLE bloat_t, bloat_d, bloat_parted, bloat_tmp CASCADE;
DROP EXTENSION pgstattuple;
