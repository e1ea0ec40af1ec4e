/* pg_capacity--0.1.0--0.2.0.sql: bloat estimates and index and query diagnostics */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION pg_capacity UPDATE TO '0.2.0'" to load this file. \quit

--
-- Bloat estimates (src/bloat.c, src/bloat_sql.c). Granted like pgstattuple:
-- to pg_stat_scan_tables (a member of pg_monitor), not to PUBLIC.
--
-- @@BLOAT_STATS@@ (capacity._bloat_stats: statistics-only estimates)

-- @@BLOAT@@ (capacity._bloat_sample, capacity.bloat_estimate)

--
-- Index and query diagnostics: catalog and statistics views only.
-- Granted to pg_monitor.
--
-- @@DIAGNOSTICS@@
