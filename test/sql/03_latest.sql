--
-- 03_latest: latest() has one row per metric of the newest sample, and the
-- values obey the invariants that any sample must (values themselves vary).
--
-- 02_sampler waited for 3 samples already; rates have a baseline.  Wait for
-- a sample taken after this session started, so that it counts this session
-- among the connections.
DO $$
DECLARE
	started timestamptz := clock_timestamp();
BEGIN
	WHILE (SELECT last_sample_at FROM capacity.sampler_status()) <=
	      (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid())
	LOOP
		IF clock_timestamp() - started > interval '30 seconds' THEN
			RAISE EXCEPTION 'no sample after this session started within 30 s';
		END IF;
		PERFORM pg_sleep(0.1);
	END LOOP;
END
$$;
CREATE TEMP TABLE l AS
SELECT metric, value, unit, sampled_at, n
FROM capacity.latest() WITH ORDINALITY AS t(metric, value, unit, sampled_at, n);

SELECT count(*) AS metrics,
       count(DISTINCT sampled_at) AS distinct_sampled_at,
       bool_and(sampled_at BETWEEN clock_timestamp() - interval '10 s'
                               AND clock_timestamp()) AS recent
FROM l;

-- same metrics, same order, same units as metrics()
SELECT bool_and(l.metric = m.metric AND l.unit = m.unit) AS matches_metrics,
       count(*) AS compared
FROM l JOIN capacity.metrics() WITH ORDINALITY AS m(metric, unit, description, n)
  ON m.n = l.n;

CREATE FUNCTION pg_temp.m(text) RETURNS float8
LANGUAGE sql STABLE AS $$ SELECT value FROM l WHERE metric = $1 $$;

-- metrics that every sample on a Linux primary has (not NULL)
SELECT metric, value IS NOT NULL AS has_value
FROM l
WHERE metric IN ('tps', 'read_tps', 'write_tps', 'connections',
                 'active_connections', 'idle_in_transaction', 'max_connections',
                 'wal_bytes_per_sec', 'requested_checkpoints', 'standbys',
                 'database_size_bytes', 'disk_total_bytes', 'disk_free_bytes',
                 'wal_dir_bytes', 'vcpus', 'cpu_pct', 'memory_total_bytes',
                 'memory_used_pct', 'deadlocks_per_sec', 'temp_bytes_per_sec',
                 'postgres_cpu_pct')
ORDER BY n;

-- invariants; a NULL (source unavailable) passes only where marked "or null"
SELECT check_name, coalesce(ok, false) AS ok
FROM (VALUES
  ('tps >= 0',                     pg_temp.m('tps') >= 0),
  ('read_tps >= 0',                pg_temp.m('read_tps') >= 0),
  ('write_tps >= 0',               pg_temp.m('write_tps') >= 0),
  ('read_tps + write_tps = tps',   abs(pg_temp.m('read_tps') + pg_temp.m('write_tps') - pg_temp.m('tps')) < 1e-6),
  ('connections >= 1',             pg_temp.m('connections') >= 1),
  ('active <= connections',        pg_temp.m('active_connections') BETWEEN 0 AND pg_temp.m('connections')),
  ('idle_in_tx <= connections',    pg_temp.m('idle_in_transaction') BETWEEN 0 AND pg_temp.m('connections')),
  ('connections <= max_connections', pg_temp.m('connections') <= pg_temp.m('max_connections')),
  ('max_connections = limit less reserved',
     pg_temp.m('max_connections') = current_setting('max_connections')::int
                                    - current_setting('superuser_reserved_connections')::int),
  ('cache_hit_ratio in [0,1] or null', pg_temp.m('cache_hit_ratio') IS NULL
                                    OR pg_temp.m('cache_hit_ratio') BETWEEN 0 AND 1),
  ('wal_bytes_per_sec >= 0',       pg_temp.m('wal_bytes_per_sec') >= 0),
  ('checkpoint_interval_sec >= 0 or null', pg_temp.m('checkpoint_interval_sec') IS NULL
                                    OR pg_temp.m('checkpoint_interval_sec') >= 0),
  ('requested_checkpoints >= 0',   pg_temp.m('requested_checkpoints') >= 0),
  ('replication_lag_sec >= 0 or null', pg_temp.m('replication_lag_sec') IS NULL
                                    OR pg_temp.m('replication_lag_sec') >= 0),
  ('replication_lag_bytes >= 0 or null', pg_temp.m('replication_lag_bytes') IS NULL
                                    OR pg_temp.m('replication_lag_bytes') >= 0),
  ('standbys = 0',                 pg_temp.m('standbys') = 0),
  ('database_size_bytes > 0',      pg_temp.m('database_size_bytes') > 0),
  ('database_size_bytes >= this database',
     pg_temp.m('database_size_bytes') >= pg_database_size(current_database()) / 2),
  ('disk_total_bytes > 0',         pg_temp.m('disk_total_bytes') > 0),
  ('disk_free_bytes in [0, total]', pg_temp.m('disk_free_bytes') BETWEEN 0 AND pg_temp.m('disk_total_bytes')),
  ('wal_dir_bytes >= 1 segment',   pg_temp.m('wal_dir_bytes') >= pg_size_bytes(current_setting('wal_segment_size'))),
  ('vcpus > 0',                    pg_temp.m('vcpus') > 0),
  ('cpu_pct in [0,100]',           pg_temp.m('cpu_pct') BETWEEN 0 AND 100),
  ('memory_total_bytes > 0',       pg_temp.m('memory_total_bytes') > 0),
  ('memory_used_pct in [0,100]',   pg_temp.m('memory_used_pct') BETWEEN 0 AND 100),
  ('swap_io_per_sec >= 0 or null', pg_temp.m('swap_io_per_sec') IS NULL OR pg_temp.m('swap_io_per_sec') >= 0),
  ('oom_kills >= 0 or null',       pg_temp.m('oom_kills') IS NULL OR pg_temp.m('oom_kills') >= 0),
  ('disk_read_iops >= 0 or null',  pg_temp.m('disk_read_iops') IS NULL OR pg_temp.m('disk_read_iops') >= 0),
  ('disk_write_iops >= 0 or null', pg_temp.m('disk_write_iops') IS NULL OR pg_temp.m('disk_write_iops') >= 0),
  ('disk_util_pct in [0,100] or null', pg_temp.m('disk_util_pct') IS NULL
                                    OR pg_temp.m('disk_util_pct') BETWEEN 0 AND 100),
  ('deadlocks_per_sec >= 0',       pg_temp.m('deadlocks_per_sec') >= 0),
  ('temp_bytes_per_sec >= 0',      pg_temp.m('temp_bytes_per_sec') >= 0),
  ('postgres_cpu_pct in [0,100]',  pg_temp.m('postgres_cpu_pct') BETWEEN 0 AND 100)
) AS v(check_name, ok);

-- counts are whole numbers
SELECT metric, value = trunc(value) AS whole
FROM l
WHERE metric IN ('connections', 'active_connections', 'idle_in_transaction',
                 'max_connections', 'standbys', 'database_size_bytes',
                 'disk_total_bytes', 'disk_free_bytes', 'wal_dir_bytes',
                 'memory_total_bytes')
ORDER BY n;

DROP TABLE l;
