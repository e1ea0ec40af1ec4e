--
-- 17_views: the views over the default windows (\dv capacity.*): each is
-- its function with its defaults, the same rows; SELECT for pg_monitor,
-- not PUBLIC; the cluster views say what they need on a node without
-- members, as the functions do.
--
\dv capacity.*

-- the same rows as the functions (sampler paused: nothing moves between the two reads)
ALTER SYSTEM SET pg_capacity.enabled = off;
SELECT pg_reload_conf();
\i test/sql/include/pause_sampler.sql
SELECT (SELECT count(*) FROM capacity.capacity_report) = (SELECT count(*) FROM capacity.capacity_report()) AS report,
	   (SELECT array_agg(resource || level ORDER BY resource) FROM capacity.capacity_report) =
	   (SELECT array_agg(resource || level ORDER BY resource) FROM capacity.capacity_report()) AS report_levels,
	   (SELECT level FROM capacity.capacity_level) = (SELECT level FROM capacity.capacity_level()) AS level,
	   (SELECT count(*) FROM capacity.latest) = (SELECT count(*) FROM capacity.latest()) AS latest,
	   (SELECT count(*) FROM capacity.scaling_recommendations) = (SELECT count(*) FROM capacity.scaling_recommendations()) AS recs,
	   (SELECT array_agg(parameter ORDER BY parameter) FROM capacity.sizing_recommendations) =
	   (SELECT array_agg(parameter ORDER BY parameter) FROM capacity.sizing_recommendations()) AS sizing,
	   (SELECT array_agg(metric ORDER BY metric) FROM capacity.capacity_plan) =
	   (SELECT array_agg(metric ORDER BY metric) FROM capacity.capacity_plan()) AS plan,
	   (SELECT basis FROM capacity.tps_capacity) = (SELECT basis FROM capacity.tps_capacity()) AS tps,
	   (SELECT role FROM capacity.sampler_status) = (SELECT role FROM capacity.sampler_status()) AS status;
-- time_to_threshold: every metric with a capacity at 70, 85 and 95 %
SELECT metric, array_agg(threshold_pct ORDER BY threshold_pct) AS thresholds,
	   bool_and(threshold IS NOT DISTINCT FROM capacity * threshold_pct / 100) AS threshold_is_share
FROM capacity.time_to_threshold GROUP BY metric ORDER BY metric;
ALTER SYSTEM RESET pg_capacity.enabled;
SELECT pg_reload_conf();
\i test/sql/include/resume_sampler.sql

-- no members: the cluster views say so
SELECT * FROM capacity.cluster_report;

-- privileges: SELECT for pg_monitor, nothing for PUBLIC
SELECT c.relname, has_table_privilege('pg_monitor', c.oid, 'SELECT') AS pg_monitor,
	   has_table_privilege('public', c.oid, 'SELECT') AS public
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'capacity' AND c.relkind = 'v' ORDER BY 1;
CREATE ROLE views_nobody;
CREATE ROLE views_monitor IN ROLE pg_monitor;
SET ROLE views_nobody;
SELECT count(*) FROM capacity.capacity_report;
SET ROLE views_monitor;
SELECT count(*) > 0 AS answered FROM capacity.capacity_report;
RESET ROLE;
DROP ROLE views_nobody;
DROP ROLE views_monitor;
