--
-- 08_guc: the settings, their defaults and ranges; bad values are refused
-- with the valid range.
--
SELECT name, setting, unit, boot_val, context, vartype, min_val, max_val
FROM pg_settings WHERE name LIKE 'pg_capacity.%' ORDER BY name;

-- as set by test/pg_capacity.conf, or the defaults
SHOW pg_capacity.enabled;
SHOW pg_capacity.sample_interval;
SHOW pg_capacity.persist_interval;
SHOW pg_capacity.size_interval;
SHOW pg_capacity.sample_timeout;
SHOW pg_capacity.database;
SHOW pg_capacity.raw_retention;
SHOW pg_capacity.minute_retention;
SHOW pg_capacity.hour_retention;
SHOW pg_capacity.day_retention;
SHOW pg_capacity.vcpus;
SHOW pg_capacity.memory;
SHOW pg_capacity.disk_iops_limit;

-- reloadable settings cannot be SET in a session
SET pg_capacity.sample_interval = '5s';
SET pg_capacity.enabled = off;
-- server-start settings neither
SET pg_capacity.raw_retention = '2h';

-- out of range or malformed values are refused, naming the valid range
ALTER SYSTEM SET pg_capacity.sample_interval = 0;
ALTER SYSTEM SET pg_capacity.sample_interval = -1;
ALTER SYSTEM SET pg_capacity.sample_interval = '500ms';
ALTER SYSTEM SET pg_capacity.persist_interval = 0;
ALTER SYSTEM SET pg_capacity.size_interval = 0;
ALTER SYSTEM SET pg_capacity.sample_timeout = -1;
ALTER SYSTEM SET pg_capacity.raw_retention = -1;
ALTER SYSTEM SET pg_capacity.minute_retention = -1;
ALTER SYSTEM SET pg_capacity.hour_retention = -1;
ALTER SYSTEM SET pg_capacity.day_retention = -1;
ALTER SYSTEM SET pg_capacity.vcpus = -1;
ALTER SYSTEM SET pg_capacity.memory = -1;
ALTER SYSTEM SET pg_capacity.disk_iops_limit = -1;
ALTER SYSTEM SET pg_capacity.enabled = 'maybe';

-- the prefix is reserved: a misspelt setting is an error, not a placeholder
SET pg_capacity.sample_intervall = '5s';

-- nothing above reached postgresql.auto.conf
SELECT count(*) AS auto_conf_entries
FROM pg_file_settings WHERE name LIKE 'pg_capacity.%' AND sourcefile LIKE '%postgresql.auto.conf';
