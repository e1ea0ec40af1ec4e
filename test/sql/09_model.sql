--
-- 09_model: the capacity model's formulas through SQL, exact against hand
-- computed values and the playbook's own examples: sizing_recommendations()
-- (Memory Scaling, CPU scaling step), required_resources() (Capacity
-- Planning §2), the model's settings, and bad input.
--
-- Every argument that would otherwise default to a live value of this node
-- (RAM, vCPUs, max_connections, database size) is passed explicitly.
--
\set GB 1073741824
\set MB 1048576

--
-- sizing_recommendations: the playbook's Memory Scaling example, 64 GB and
-- 96 connections, with the CPU scaling step for 16 vCPUs:
--   shared_buffers       = 64GB x 0.25                = 16GB
--   effective_cache_size = 64GB x 0.75                = 48GB
--   work_mem             = (64GB - 16GB) / 96 / 2     = 256MB
--   maintenance_work_mem = min(64GB x 0.05, 8GB)      = 3276.8MB -> 3276MB
--   max_worker_processes = max_parallel_workers = 16; per_gather = 16 / 2 = 8
--
SELECT parameter, recommended_setting, requires_restart, formula
FROM capacity.sizing_recommendations(64 * :GB::bigint, 16, 96)
WHERE parameter NOT IN ('max_wal_size', 'worst_case_memory');

-- the same figures in bytes, against the formulas computed here
SELECT parameter,
       pg_size_bytes(recommended_setting) AS recommended_bytes,
       CASE parameter
         WHEN 'shared_buffers' THEN 64 * :GB::bigint / 4
         WHEN 'effective_cache_size' THEN 64 * :GB::bigint * 3 / 4
         WHEN 'work_mem' THEN (64 * :GB::bigint - 16 * :GB::bigint) / 96 / 2
         WHEN 'maintenance_work_mem' THEN floor(64 * :GB::numeric * 0.05 / :MB) * :MB
       END AS hand_computed
FROM capacity.sizing_recommendations(64 * :GB::bigint, 16, 96)
WHERE parameter IN ('shared_buffers', 'effective_cache_size', 'work_mem', 'maintenance_work_mem')
ORDER BY parameter;

-- current_setting is this server's setting, as SHOW prints it
SELECT bool_and(current_setting = pg_catalog.current_setting(parameter)) AS current_is_show
FROM capacity.sizing_recommendations(64 * :GB::bigint, 16, 96)
WHERE parameter <> 'worst_case_memory';

-- apply: ALTER SYSTEM, then a restart (shared_buffers, max_worker_processes)
-- or a reload (the others); no patroni.dynamic.json in this data directory
SHOW pg_capacity.config_manager;
SELECT parameter, apply
FROM capacity.sizing_recommendations(64 * :GB::bigint, 16, 96)
WHERE parameter IN ('shared_buffers', 'work_mem', 'max_worker_processes');

-- nothing to apply (NULL) where the setting already has the recommended
-- value, compared in the setting's unit: 512MB of RAM recommends
-- shared_buffers 128MB (this server's 16384 buffers), 8 vCPUs
-- max_worker_processes 8 and max_parallel_workers 8 (the defaults)
SHOW shared_buffers;
SELECT parameter, current_setting, recommended_setting, apply IS NULL AS nothing_to_apply
FROM capacity.sizing_recommendations(512 * :MB::bigint, 8, 96)
WHERE parameter IN ('shared_buffers', 'max_worker_processes', 'max_parallel_workers', 'work_mem')
ORDER BY parameter;

-- max_wal_size comes from the measured WAL rate: at least 1GB, printed as a
-- setting; no restart
SELECT pg_size_bytes(recommended_setting) >= :GB AS at_least_1gb,
       recommended_setting ~ '^[0-9]+(MB|GB|TB)$' AS printed_as_setting,
       requires_restart,
       formula LIKE 'WAL rate x checkpoint_interval_threshold x (1 + checkpoint_completion_target) = % x 300 s x 1.90, at least 1GB' AS formula_ok
FROM capacity.sizing_recommendations(64 * :GB::bigint, 16, 96)
WHERE parameter = 'max_wal_size';

-- worst case of the recommended settings: 16GB + 96 x 256MB + 3 autovacuum
-- workers x 3276.8MB = 50790.4MB = 49.6 GB, 77.5% of 64 GB
SHOW autovacuum_max_workers;
SELECT recommended_setting, formula, requires_restart, apply
FROM capacity.sizing_recommendations(64 * :GB::bigint, 16, 96)
WHERE parameter = 'worst_case_memory';
SELECT round((16 * 1024 + 96 * 256 + 3 * 3276.8) / 1024, 1) AS hand_gb,
       round((16 * 1024 + 96 * 256 + 3 * 3276.8) / (64 * 1024) * 100, 2) AS hand_pct;

-- rows in order, one per parameter
SELECT n, parameter
FROM capacity.sizing_recommendations(64 * :GB::bigint, 16, 96) WITH ORDINALITY AS s(parameter, c, r, f, rr, a, n)
ORDER BY n;

-- 8 GB, 4 vCPUs, 100 connections:
--   work_mem = (8GB - 2GB) / 100 / 2 = 31457280 B = 30.72MB -> 30MB (rounded down to a MB)
--   maintenance_work_mem = 8GB x 0.05 = 409.6MB -> 409MB; per_gather = 4 / 2 = 2
SELECT parameter, recommended_setting, formula
FROM capacity.sizing_recommendations(8 * :GB::bigint, 4, 100)
WHERE parameter NOT IN ('max_wal_size', 'worst_case_memory');

-- 256 GB, 1 vCPU, 500 connections: maintenance_work_mem capped at 8GB
-- (256GB x 0.05 = 12.8GB); per_gather at least 1; work_mem = 192GB / 500 / 2 = 196.6MB -> 196MB
SELECT parameter, recommended_setting
FROM capacity.sizing_recommendations(256 * :GB::bigint, 1, 500)
WHERE parameter NOT IN ('max_wal_size', 'worst_case_memory');
-- 3 vCPUs: per_gather = 3 / 2 = 1
SELECT recommended_setting AS per_gather_3_vcpus
FROM capacity.sizing_recommendations(64 * :GB::bigint, 3, 96)
WHERE parameter = 'max_parallel_workers_per_gather';

-- the recommended settings always fit with 3 autovacuum workers: 0.25 R +
-- C x (0.75 R / C / 2) + 3 x 0.05 R = 0.775 R, whatever the connections:
-- 4 GB -> 1024MB + 1000 x 1.536MB + 3 x 204.8MB = 3174.4MB = 3.1 GB
SELECT recommended_setting, apply
FROM capacity.sizing_recommendations(4 * :GB::bigint, 2, 1000)
WHERE parameter = 'worst_case_memory';

-- defaults: this node's RAM, vCPUs and max_connections; same rows
SELECT count(*) AS rows,
       bool_and(recommended_setting IS NOT NULL) AS all_recommended
FROM capacity.sizing_recommendations();
SELECT formula LIKE '% / ' || current_setting('max_connections') || ' / 2' AS node_max_connections
FROM capacity.sizing_recommendations() WHERE parameter = 'work_mem';

-- bad what-if arguments
SELECT * FROM capacity.sizing_recommendations(0, 16, 96);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.sizing_recommendations(-1, 16, 96);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.sizing_recommendations(64 * :GB::bigint, 0, 96);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.sizing_recommendations(64 * :GB::bigint, 16, 0);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.sizing_recommendations(64 * :GB::bigint, 16, -5);
\echo :LAST_ERROR_SQLSTATE

--
-- required_resources: the playbook's "15,000 TPS -> 45 vCPUs", 70% reads,
-- 100 GB of active data, 200 connections:
--   vcpus    = 15000 / 500 x 1.5 = 45
--   iops     = 4500 writes x 5..10 + 10500 reads x 2..5 = 43500..97500
--   backends = 45 x 50 = 2250; clients through PgBouncer = 2250 x 10 = 22500
--   ram      = 1.3 (W + 0.25 R + C m) solved for R:
--              R = 1.3 (W + C m) / (1 - 0.25 x 1.3), W = 100GB x 0.5, C m = 200 x 10MB
--
SELECT resource, required, unit, formula
FROM capacity.required_resources(15000, 0.7, 100 * :GB::bigint, 200);

-- RAM: equal to the closed form, and it satisfies R = 1.3 (W + 0.25 R + C m)
SELECT round(required) AS ram_bytes,
       round(1.3 * (50 * :GB::float8 + 200 * 10 * :MB::float8) / (1 - 0.25 * 1.3)) AS closed_form,
       abs(required - 1.3 * (50 * :GB::float8 + 200 * 10 * :MB::float8) / (1 - 0.25 * 1.3))
         < 1e-9 * required AS equals_closed_form,
       abs(required - 1.3 * (50 * :GB::float8 + 0.25 * required + 200 * 10 * :MB::float8))
         < 1e-9 * required AS satisfies_equation
FROM capacity.required_resources(15000, 0.7, 100 * :GB::bigint, 200)
WHERE resource = 'ram';

-- other active data / connections: 8 GB and 50 connections
--   R = 1.3 (4GB + 500MB) / 0.675 = 1.3 x 4596MB / 0.675 = 8851.5555...MB
SELECT round(required) AS ram_bytes,
       round(1.3 * (4 * :GB::float8 + 50 * 10 * :MB::float8) / 0.675) AS closed_form,
       round((required / :MB)::numeric, 4) AS ram_mb
FROM capacity.required_resources(1000, 0.7, 8 * :GB::bigint, 50)
WHERE resource = 'ram';

-- vCPUs not whole: 1234 TPS -> 3.702 vCPUs -> 4 x 50 = 200 backends, 2000 clients
SELECT resource, required
FROM capacity.required_resources(1234, 0.5, 0, 10)
ORDER BY resource;
-- read_ratio at its ends: all writes, all reads
SELECT resource, required
FROM capacity.required_resources(15000, 0, 0, 1)
WHERE resource LIKE 'iops%' ORDER BY resource;
SELECT resource, required
FROM capacity.required_resources(15000, 1, 0, 1)
WHERE resource LIKE 'iops%' ORDER BY resource;
-- nothing to do: 0 TPS, no data
SELECT resource, required
FROM capacity.required_resources(0, 0.7, 0, 1)
ORDER BY resource;

-- defaults: read_ratio 0.7, this node's database size and max_connections
SELECT resource, required
FROM capacity.required_resources(15000)
WHERE resource <> 'ram';
SELECT required > 0 AS ram_from_node,
       formula LIKE '%(% + ' || current_setting('max_connections') || ' x 10.0 MB)%' AS node_max_connections
FROM capacity.required_resources(15000) WHERE resource = 'ram';

-- bad input: SQLSTATE 22023 with what is valid
SELECT * FROM capacity.required_resources(-1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.required_resources('NaN');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.required_resources('Infinity');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.required_resources(15000, -0.1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.required_resources(15000, 1.1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.required_resources(15000, 'NaN');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.required_resources(15000, 0.7, -1, 100);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.required_resources(15000, 0.7, 0, 0);
\echo :LAST_ERROR_SQLSTATE

--
-- The model's settings: reloadable (not SET in a session), refused out of
-- range with the range in the message, and they change the figures.
--
SET pg_capacity.tps_per_vcpu = 1000;
ALTER SYSTEM SET pg_capacity.wal_iops_per_write = '10-5';
ALTER SYSTEM SET pg_capacity.wal_iops_per_write = 'abc';
ALTER SYSTEM SET pg_capacity.wal_iops_per_write = '0-5';
ALTER SYSTEM SET pg_capacity.wal_iops_per_write = '-5';
ALTER SYSTEM SET pg_capacity.read_iops_per_read = '2-';
ALTER SYSTEM SET pg_capacity.warning_pct = 101;
ALTER SYSTEM SET pg_capacity.critical_pct = -1;
ALTER SYSTEM SET pg_capacity.tps_per_vcpu = 0;
ALTER SYSTEM SET pg_capacity.cpu_safety_factor = 0.5;
ALTER SYSTEM SET pg_capacity.memory_safety_factor = 4;
ALTER SYSTEM SET pg_capacity.cache_hit_threshold = 1.5;
ALTER SYSTEM SET pg_capacity.connection_memory = '1kB';
ALTER SYSTEM SET pg_capacity.config_manager = 'ansible';
-- none of those reached postgresql.auto.conf
SELECT count(*) AS auto_conf_entries
FROM pg_file_settings WHERE name LIKE 'pg_capacity.%' AND sourcefile LIKE '%postgresql.auto.conf';

-- new constants: 1000 TPS per vCPU, safety 2, 25 backends per vCPU, PgBouncer
-- x 20, WAL IOPS 4..8, read IOPS 3 (low = high), memory safety 2, 20MB per
-- connection
ALTER SYSTEM SET pg_capacity.tps_per_vcpu = 1000;
ALTER SYSTEM SET pg_capacity.cpu_safety_factor = 2;
ALTER SYSTEM SET pg_capacity.backends_per_vcpu = 25;
ALTER SYSTEM SET pg_capacity.pooler_multiplier = 20;
ALTER SYSTEM SET pg_capacity.wal_iops_per_write = ' 4 - 8 ';
ALTER SYSTEM SET pg_capacity.read_iops_per_read = '3';
ALTER SYSTEM SET pg_capacity.memory_safety_factor = 2;
ALTER SYSTEM SET pg_capacity.connection_memory = '20MB';
ALTER SYSTEM SET pg_capacity.config_manager = patroni;
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
SHOW pg_capacity.tps_per_vcpu;
SHOW pg_capacity.config_manager;
--   vcpus = 15000 / 1000 x 2 = 30; backends 30 x 25 = 750; clients x 20 = 15000
--   iops = 4500 x 4..8 + 10500 x 3..3 = 49500..67500
--   ram = 2 (50GB + 200 x 20MB) / (1 - 0.5) = 4 x 54.0234375GB = 216.09375GB
SELECT resource, required, formula
FROM capacity.required_resources(15000, 0.7, 100 * :GB::bigint, 200);
SELECT required = 4 * (50 * :GB::float8 + 200 * 20 * :MB::float8) AS ram_closed_form
FROM capacity.required_resources(15000, 0.7, 100 * :GB::bigint, 200)
WHERE resource = 'ram';

-- Patroni: patronictl edit-config YAML under postgresql.parameters, and
-- whether a patronictl restart is needed
SELECT parameter, apply
FROM capacity.sizing_recommendations(64 * :GB::bigint, 16, 96)
WHERE parameter IN ('shared_buffers', 'work_mem', 'max_worker_processes');

-- the largest memory safety factor (3.9): R = 3.9 (W + C m) / (1 - 0.975) = 156 (W + C m)
ALTER SYSTEM SET pg_capacity.memory_safety_factor = 3.9;
ALTER SYSTEM SET pg_capacity.config_manager = alter_system;
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
SHOW pg_capacity.memory_safety_factor;
SELECT abs(required - 156 * (50 * :GB::float8 + 200 * 20 * :MB::float8)) < 1e-9 * required AS ram_closed_form,
       abs(required - 3.9 * (50 * :GB::float8 + 0.25 * required + 200 * 20 * :MB::float8))
         < 1e-9 * required AS satisfies_equation
FROM capacity.required_resources(15000, 0.7, 100 * :GB::bigint, 200)
WHERE resource = 'ram';
SELECT parameter, apply
FROM capacity.sizing_recommendations(64 * :GB::bigint, 16, 96)
WHERE parameter = 'shared_buffers';

-- escalation levels out of order are accepted one by one, but the report
-- refuses to judge with them
ALTER SYSTEM SET pg_capacity.warning_pct = 90;
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
SHOW pg_capacity.warning_pct;
SELECT count(*) FROM capacity.capacity_report();
\echo :LAST_ERROR_SQLSTATE
SELECT level FROM capacity.capacity_level();
\echo :LAST_ERROR_SQLSTATE

-- back to the defaults
ALTER SYSTEM RESET pg_capacity.tps_per_vcpu;
ALTER SYSTEM RESET pg_capacity.cpu_safety_factor;
ALTER SYSTEM RESET pg_capacity.backends_per_vcpu;
ALTER SYSTEM RESET pg_capacity.pooler_multiplier;
ALTER SYSTEM RESET pg_capacity.wal_iops_per_write;
ALTER SYSTEM RESET pg_capacity.read_iops_per_read;
ALTER SYSTEM RESET pg_capacity.memory_safety_factor;
ALTER SYSTEM RESET pg_capacity.connection_memory;
ALTER SYSTEM RESET pg_capacity.config_manager;
ALTER SYSTEM RESET pg_capacity.warning_pct;
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
SELECT count(*) AS auto_conf_entries
FROM pg_file_settings WHERE name LIKE 'pg_capacity.%' AND sourcefile LIKE '%postgresql.auto.conf';
SELECT name, setting FROM pg_settings
WHERE name IN ('pg_capacity.tps_per_vcpu', 'pg_capacity.config_manager',
               'pg_capacity.warning_pct', 'pg_capacity.wal_iops_per_write')
ORDER BY name;
SELECT resource, required
FROM capacity.required_resources(15000, 0.7, 100 * :GB::bigint, 200)
WHERE resource <> 'ram';

--
-- NULL in: nothing out where nothing sensible remains
--
SELECT count(*) AS report_rows FROM capacity.capacity_report(NULL);
SELECT count(*) AS recommendation_rows FROM capacity.scaling_recommendations(NULL);
SELECT capacity.import_history(NULL, ARRAY[now()], ARRAY[1.0::float8]) AS import_null_metric;
SELECT capacity.import_history('tps', NULL, ARRAY[1.0::float8]) AS import_null_times;
SELECT capacity.import_history('tps', ARRAY[now()], NULL) AS import_null_values;
SELECT count(*) AS required_null_target FROM capacity.required_resources(NULL);
SELECT count(*) AS required_null_ratio FROM capacity.required_resources(15000, NULL);
-- NULL data size or connections: this node's values, as when omitted
SELECT count(*) AS required_null_sizes FROM capacity.required_resources(15000, 0.7, NULL, NULL);
