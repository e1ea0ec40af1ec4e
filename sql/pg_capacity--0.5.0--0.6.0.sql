/* pg_capacity--0.5.0--0.6.0.sql: the cluster view */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION pg_capacity UPDATE TO '0.6.0'" to load this file. \quit

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
