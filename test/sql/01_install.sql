--
-- 01_install: the extension, its schema and its objects.
-- (pg_regress --load-extension=pg_capacity has already run CREATE EXTENSION)
--
SELECT e.extname, e.extversion, n.nspname AS schema, e.extrelocatable
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'pg_capacity';

-- every member object of the extension, and where it lives
SELECT pg_describe_object(classid, objid, objsubid) AS member
FROM pg_depend
WHERE refclassid = 'pg_extension'::regclass
  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_capacity')
  AND deptype = 'e'
ORDER BY 1;

-- the functions: signatures, volatility, set-returning, strictness
SELECT p.proname,
       pg_get_function_arguments(p.oid) AS arguments,
       pg_get_function_result(p.oid) AS result,
       p.provolatile, p.proretset, p.proisstrict
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'capacity'
ORDER BY p.proname;

-- EXECUTE: never PUBLIC; pg_monitor for the monitoring functions only
SELECT p.proname,
       EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
               WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE') AS public_execute,
       has_function_privilege('pg_monitor', p.oid, 'EXECUTE') AS pg_monitor_execute
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'capacity'
ORDER BY p.proname;

-- USAGE on the schema: pg_monitor yes, PUBLIC no
SELECT has_schema_privilege('pg_monitor', 'capacity', 'USAGE') AS pg_monitor_usage,
       EXISTS (SELECT 1 FROM pg_namespace n, aclexplode(n.nspacl) a
               WHERE n.nspname = 'capacity' AND a.grantee = 0) AS public_has_any;

-- not relocatable, and only into schema capacity
ALTER EXTENSION pg_capacity SET SCHEMA public;
-- DROP EXTENSION removes every member; the schema that CREATE EXTENSION made
-- from the control file is no member, so PostgreSQL keeps it (empty)
DROP EXTENSION pg_capacity;
SELECT count(*) AS capacity_schemas,
       (SELECT count(*) FROM pg_proc WHERE pronamespace = 'capacity'::regnamespace) AS functions_left
FROM pg_namespace WHERE nspname = 'capacity';
CREATE EXTENSION pg_capacity SCHEMA public;
CREATE EXTENSION pg_capacity;
-- the installed version and the control file's default, spelled out:
-- "extversion = default_version" would hold for any version, since CREATE
-- EXTENSION without VERSION installs the default (that this fresh install has
-- the objects of an updated 0.3.0 is test/t/014_update_path.pl)
SELECT e.extversion, a.default_version
FROM pg_extension e JOIN pg_available_extensions a ON a.name = e.extname
WHERE e.extname = 'pg_capacity';

--
-- metrics(): the 29 metrics of the contract, in order, with units
--
SELECT n, metric, unit, length(description) > 10 AS described
FROM capacity.metrics() WITH ORDINALITY AS m(metric, unit, description, n)
ORDER BY n;

SELECT array_agg(metric ORDER BY n) = ARRAY[
  'tps', 'read_tps', 'write_tps', 'connections', 'active_connections',
  'idle_in_transaction', 'max_connections', 'cache_hit_ratio',
  'wal_bytes_per_sec', 'checkpoint_interval_sec', 'requested_checkpoints',
  'replication_lag_sec', 'replication_lag_bytes', 'standbys',
  'database_size_bytes', 'disk_total_bytes', 'disk_free_bytes',
  'wal_dir_bytes', 'vcpus', 'cpu_pct', 'memory_total_bytes',
  'memory_used_pct', 'swap_io_per_sec', 'oom_kills', 'disk_read_iops',
  'disk_write_iops', 'disk_util_pct', 'deadlocks_per_sec',
  'temp_bytes_per_sec', 'postgres_cpu_pct'] AS contract_order,
  count(*) AS metrics,
  count(DISTINCT metric) AS distinct_metrics,
  bool_and(unit <> '' AND description <> '') AS all_described
FROM capacity.metrics() WITH ORDINALITY AS m(metric, unit, description, n);
