/* pg_capacity--0.3.0--0.4.0.sql: nothing to change */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION pg_capacity UPDATE TO '0.4.0'" to load this file. \quit

-- 0.4.0 changes the packaging only: a fresh install runs one full script
-- (sql/pg_capacity.sql, copied to pg_capacity--0.4.0.sql by make) instead of
-- 0.1.0 and the updates to 0.3.0.  Its objects, definitions and privileges
-- are those of 0.3.0, so an installation of 0.3.0 needs no change; this
-- script exists so that ALTER EXTENSION pg_capacity UPDATE has a path to
-- 0.4.0.  test/t/014_update_path.pl checks that an updated 0.3.0 and a fresh
-- 0.4.0 are the same.
