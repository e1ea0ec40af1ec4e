/* pg_capacity--0.1.0.sql: install script (schema capacity, fixed by the control file) */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION pg_capacity" to load this file. \quit

-- The schema was created by CREATE EXTENSION from the control file; nobody
-- but pg_monitor (and superusers) may use it.
REVOKE ALL ON SCHEMA @extschema@ FROM PUBLIC;
GRANT USAGE ON SCHEMA @extschema@ TO pg_monitor;

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

-- The capacity model (model_sql.c): the playbook's figures, evaluated.
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
