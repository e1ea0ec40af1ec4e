/* pg_capacity--0.6.0--0.7.0.sql: views for psql and for scrapers */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION pg_capacity UPDATE TO '0.7.0'" to load this file. \quit

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
