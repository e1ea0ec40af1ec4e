--
-- 06_privileges: nothing for PUBLIC; the monitoring functions (and the
-- capacity model's) for pg_monitor; reset_history() and import_history() for
-- superusers only.
--
CREATE ROLE regress_cap_nobody LOGIN;
CREATE ROLE regress_cap_monitor LOGIN IN ROLE pg_monitor;

SET ROLE regress_cap_nobody;
SELECT count(*) FROM capacity.latest();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.metrics();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.history('tps');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.sampler_status();
\echo :LAST_ERROR_SQLSTATE
SELECT capacity.reset_history();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.capacity_report();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.capacity_level();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.scaling_recommendations();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.sizing_recommendations(68719476736, 16, 96);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.required_resources(15000, 0.7, 1073741824, 100);
\echo :LAST_ERROR_SQLSTATE
SELECT capacity.import_history('tps', ARRAY[now()], ARRAY[1.0::float8]);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- USAGE on the schema alone does not give EXECUTE: it was revoked from PUBLIC
GRANT USAGE ON SCHEMA capacity TO regress_cap_nobody;
SET ROLE regress_cap_nobody;
SELECT count(*) FROM capacity.latest();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.metrics();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.history('tps');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.sampler_status();
\echo :LAST_ERROR_SQLSTATE
SELECT capacity.reset_history();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.capacity_report();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.capacity_level();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.scaling_recommendations();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.sizing_recommendations(68719476736, 16, 96);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.required_resources(15000, 0.7, 1073741824, 100);
\echo :LAST_ERROR_SQLSTATE
SELECT capacity.import_history('tps', ARRAY[now()], ARRAY[1.0::float8]);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
REVOKE USAGE ON SCHEMA capacity FROM regress_cap_nobody;

SET ROLE regress_cap_monitor;
SELECT count(*) AS metrics FROM capacity.metrics();
SELECT count(*) AS latest FROM capacity.latest();
SELECT count(*) >= 3 AS history FROM capacity.history('tps', '1 hour', 'raw');
SELECT count(*) >= 1 AS history_minute FROM capacity.history('tps', '1 hour', 'minute');
SELECT role, raw_samples >= 3 AS raw_ok FROM capacity.sampler_status();
-- the capacity model's functions (live values: only their shape is checked)
SELECT count(*) AS report_rows FROM capacity.capacity_report();
SELECT level IN ('ok', 'warning', 'critical', 'emergency', 'unknown') AS level_ok
FROM capacity.capacity_level();
SELECT count(*) >= 0 AS recommendations FROM capacity.scaling_recommendations();
SELECT count(*) AS sizing_rows FROM capacity.sizing_recommendations(68719476736, 16, 96);
SELECT count(*) AS required_rows FROM capacity.required_resources(15000, 0.7, 1073741824, 100);
SELECT capacity.reset_history();
\echo :LAST_ERROR_SQLSTATE
SELECT capacity.import_history('tps', ARRAY[now()], ARRAY[1.0::float8]);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- the failed reset left the history alone
SELECT raw_samples >= 3 AS history_kept FROM capacity.sampler_status();

DROP ROLE regress_cap_nobody;
DROP ROLE regress_cap_monitor;
