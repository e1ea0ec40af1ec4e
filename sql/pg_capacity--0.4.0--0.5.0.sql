/* pg_capacity--0.4.0--0.5.0.sql: the TPS capacity measured on the node */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION pg_capacity UPDATE TO '0.5.0'" to load this file. \quit

-- capacity.tps_capacity(): the basis of the TPS capacity, measured from the
-- node's own CPU cost per transaction or the playbook's constant
-- (docs/capacity-model.md).  The library samples a new metric,
-- postgres_cpu_pct, which needs no SQL object.

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

REVOKE ALL ON FUNCTION @extschema@.tps_capacity(pg_catalog.interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.tps_capacity(pg_catalog.interval) TO pg_monitor;
