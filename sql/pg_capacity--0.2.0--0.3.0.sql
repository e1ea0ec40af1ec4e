/* pg_capacity--0.2.0--0.3.0.sql: growth forecasts and the capacity plan */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION pg_capacity UPDATE TO '0.3.0'" to load this file. \quit

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
