--
-- 10_recommendations: the Scaling Decision Matrix (scaling_recommendations),
-- the escalation levels (capacity_report, capacity_level) and import_history,
-- on known series.
--
-- The sampler is paused (pg_capacity.enabled = off) and each case starts from
-- an empty history (reset_history) and imports its series with timestamps
-- relative to now(): 60 raw points 1 s apart ending now, unless said
-- otherwise.  Only one metric is past its threshold at a time.  "Sustained"
-- (model.h): of the samples in the window, more than half are past the
-- threshold (strictly: > for "higher is worse", < for the inverse metrics),
-- and there are at least 3 of them.
--

-- pause the sampler, and wait (at most 30 s) until it has stopped: no new
-- sample for 3 s at a 1 s interval
ALTER SYSTEM SET pg_capacity.enabled = off;
SELECT pg_reload_conf();
\i test/sql/include/pause_sampler.sql
SHOW pg_capacity.enabled;

-- helpers
-- n timestamps step seconds apart, the last one t0 (now())
CREATE FUNCTION pgc_times(n int, step float8 DEFAULT 1, t0 timestamptz DEFAULT now())
RETURNS timestamptz[] LANGUAGE sql AS $$
	SELECT array(SELECT t0 - make_interval(secs => step * (n - i))
	             FROM generate_series(1, n) i ORDER BY i)
$$;
-- run a statement; its error as SQLSTATE and message, times masked
CREATE FUNCTION pgc_try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE stmt;
	RETURN 'ok';
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM,
		'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?([+-]\d\d(:\d\d)?)?', '<time>', 'g');
END
$$;
-- na values a, then nb values b
CREATE FUNCTION pgc_series(a float8, na int, b float8 DEFAULT NULL, nb int DEFAULT 0)
RETURNS float8[] LANGUAGE sql AS $$
	SELECT array_fill(a, ARRAY[na]) || array_fill(b, ARRAY[nb])
$$;
-- empty the history, then import one series per metric (rows of vals, all of
-- the same length) over the same times; returns the points imported
CREATE FUNCTION pgc_load(metrics text[], vals float8[], step float8 DEFAULT 1)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	n int := array_length(vals, 2);
	total int := 0;
BEGIN
	PERFORM capacity.reset_history();
	FOR i IN 1 .. array_length(metrics, 1) LOOP
		total := total + capacity.import_history(metrics[i], pgc_times(n, step),
			array(SELECT unnest(vals[i:i][1:n])));
	END LOOP;
	RETURN total;
END
$$;
CREATE FUNCTION pgc_load(metric text, vals float8[], step float8 DEFAULT 1)
RETURNS int LANGUAGE sql AS $$
	SELECT pgc_load(ARRAY[metric], ARRAY[vals], step)
$$;
-- the recommendations, compact
CREATE FUNCTION pgc_recs(since interval DEFAULT '15 minutes')
RETURNS TABLE (priority text, direction text, resource text, observed numeric,
               threshold float8, action text)
LANGUAGE sql AS $$
	SELECT priority, direction, resource, round(observed::numeric, 3), threshold, action
	FROM capacity.scaling_recommendations(since) ORDER BY resource, action
$$;
-- every column, for the cases that fire
\set full 'SELECT priority, direction, resource, round(observed::numeric, 3) AS observed, threshold, action, rationale, cost_impact, performance_gain, complexity FROM capacity.scaling_recommendations() ORDER BY resource, action'
-- one row of the report, rounded
CREATE FUNCTION pgc_report(res text, since interval DEFAULT '15 minutes')
RETURNS TABLE (current numeric, peak numeric, capacity numeric, unit text,
               utilization_pct numeric, level text, trend text, detail text)
LANGUAGE sql AS $$
	SELECT round(current::numeric, 3), round(peak::numeric, 3), round(capacity::numeric, 3),
	       unit, round(utilization_pct::numeric, 2), level, trend, detail
	FROM capacity.capacity_report(since) WHERE resource = res
$$;

-- nothing in the history: no recommendation; every resource unknown
SELECT capacity.reset_history();
SELECT * FROM pgc_recs();
SELECT resource, level, detail FROM capacity.capacity_report();
SELECT * FROM capacity.capacity_level();

--
-- Decision matrix, one row at a time: past the threshold (fires) and just
-- short of it (does not)
--
\x on
-- read TPS > 10,000: add a read replica (high, horizontal).  10,500 is also
-- 105% of the threshold, the read_tps resource's capacity: emergency, and at
-- emergency every recommendation is critical
SELECT pgc_load('read_tps', pgc_series(10500, 60));
:full;
\x off
SELECT pgc_load('read_tps', pgc_series(9500, 60));
SELECT * FROM pgc_recs();

\x on
-- write TPS > 5,000: consider sharding (medium, horizontal; critical at emergency)
SELECT pgc_load('write_tps', pgc_series(5500, 60));
:full;
\x off
SELECT pgc_load('write_tps', pgc_series(4500, 60));
SELECT * FROM pgc_recs();

\x on
-- replication lag > 5 s: add a replica (high, horizontal)
SELECT pgc_load('replication_lag_sec', pgc_series(5.5, 60));
:full;
\x off
SELECT pgc_load('replication_lag_sec', pgc_series(4.5, 60));
SELECT * FROM pgc_recs();
SELECT pgc_load('replication_lag_sec', pgc_series(5, 60));
SELECT * FROM pgc_recs();

\x on
-- connections / max_connections > 80%: PgBouncer (high, horizontal)
SELECT pgc_load(ARRAY['connections', 'max_connections'],
                ARRAY[pgc_series(85, 60), pgc_series(100, 60)]);
:full;
\x off
SELECT pgc_load(ARRAY['connections', 'max_connections'],
                ARRAY[pgc_series(75, 60), pgc_series(100, 60)]);
SELECT * FROM pgc_recs();
-- the same connections against a smaller max_connections
SELECT pgc_load(ARRAY['connections', 'max_connections'],
                ARRAY[pgc_series(75, 60), pgc_series(90, 60)]);
SELECT * FROM pgc_recs();

\x on
-- read load > 80% of the TPS capacity (2 vCPUs x 500 / 1.5 = 666.7 tx/s):
-- add a read replica (high, horizontal); 600 tx/s is 90%, 500 tx/s is 75%
SELECT pgc_load(ARRAY['vcpus', 'read_tps'],
                ARRAY[pgc_series(2, 60), pgc_series(600, 60)]);
:full;
\x off
SELECT pgc_load(ARRAY['vcpus', 'read_tps'],
                ARRAY[pgc_series(2, 60), pgc_series(500, 60)]);
SELECT * FROM pgc_recs();

\x on
-- CPU > 70%: add vCPUs (high, vertical)
SELECT pgc_load('cpu_pct', pgc_series(75, 60));
:full;
\x off
SELECT pgc_load('cpu_pct', pgc_series(65, 60));
SELECT * FROM pgc_recs();
-- exactly at the threshold is not past it
SELECT pgc_load('cpu_pct', pgc_series(70, 60));
SELECT * FROM pgc_recs();

\x on
-- memory > 85%: add RAM (critical, vertical)
SELECT pgc_load('memory_used_pct', pgc_series(86, 60));
:full;
\x off
SELECT pgc_load('memory_used_pct', pgc_series(84, 60));
SELECT * FROM pgc_recs();

\x on
-- disk busy > 80% (no disk_iops_limit): a faster storage tier (high, vertical)
SELECT pgc_load('disk_util_pct', pgc_series(81, 60));
:full;
\x off
SELECT pgc_load('disk_util_pct', pgc_series(79, 60));
SELECT * FROM pgc_recs();

\x on
-- disk usage (total - free) / total > 85%: expand the volume (high, vertical)
SELECT pgc_load(ARRAY['disk_total_bytes', 'disk_free_bytes'],
                ARRAY[pgc_series(1e12, 60), pgc_series(1.4e11, 60)]);
:full;
\x off
SELECT pgc_load(ARRAY['disk_total_bytes', 'disk_free_bytes'],
                ARRAY[pgc_series(1e12, 60), pgc_series(1.6e11, 60)]);
SELECT * FROM pgc_recs();

\x on
-- cache hit ratio < 0.95: increase shared_buffers (medium, tuning)
SELECT pgc_load('cache_hit_ratio', pgc_series(0.94, 60));
:full;
\x off
SELECT pgc_load('cache_hit_ratio', pgc_series(0.96, 60));
SELECT * FROM pgc_recs();

\x on
-- checkpoints < 300 s apart: increase max_wal_size (medium, tuning)
SELECT pgc_load('checkpoint_interval_sec', pgc_series(290, 60));
:full;
\x off
SELECT pgc_load('checkpoint_interval_sec', pgc_series(310, 60));
SELECT * FROM pgc_recs();

\x on
-- any OOM kill in the window: add RAM (critical, vertical); not "sustained":
-- one kill is enough
SELECT pgc_load('oom_kills', pgc_series(0, 30, 1, 1) || pgc_series(0, 29));
:full;
SELECT pgc_load('oom_kills', pgc_series(0, 57, 1, 3));
SELECT priority, resource, observed, action, rationale FROM capacity.scaling_recommendations();
\x off
SELECT pgc_load('oom_kills', pgc_series(0, 60));
SELECT * FROM pgc_recs();

\x on
-- swapping (swap I/O > 0) sustained: add RAM (high, vertical)
SELECT pgc_load('swap_io_per_sec', pgc_series(0.5, 60));
:full;
\x off
SELECT pgc_load('swap_io_per_sec', pgc_series(0, 60));
SELECT * FROM pgc_recs();
-- swapping in 29 of the 60 seconds is not sustained; in 31 it is
SELECT pgc_load('swap_io_per_sec', pgc_series(0, 31, 12, 29));
SELECT * FROM pgc_recs();
SELECT pgc_load('swap_io_per_sec', pgc_series(0, 29, 12, 31));
SELECT * FROM pgc_recs();

--
-- "Sustained": more than half of the window
--
-- a single spike of 20,000 read TPS among 59 seconds at 100: nothing
SELECT pgc_load('read_tps', pgc_series(100, 30, 20000, 1) || pgc_series(100, 29));
SELECT * FROM pgc_recs();
SELECT * FROM pgc_report('read_tps');
-- 31 of 60 past: fires; the mean (5,473) is only "ok", so the priority is the matrix's: high
SELECT pgc_load('read_tps', pgc_series(10500, 31, 100, 29));
SELECT * FROM pgc_recs();
SELECT rationale FROM capacity.scaling_recommendations();
-- exactly 30 of 60: not more than half, nothing
SELECT pgc_load('read_tps', pgc_series(10500, 30, 100, 30));
SELECT * FROM pgc_recs();
-- the order does not matter: 31 of 60, past ones last
SELECT pgc_load('read_tps', pgc_series(100, 29, 10500, 31));
SELECT * FROM pgc_recs();
-- the inverse direction: 31 of 60 cache hit ratios below 0.95
SELECT pgc_load('cache_hit_ratio', pgc_series(0.5, 31, 0.99, 29));
SELECT * FROM pgc_recs();
SELECT pgc_load('cache_hit_ratio', pgc_series(0.5, 30, 0.99, 30));
SELECT * FROM pgc_recs();
-- fewer than 3 samples judge nothing, even all past the threshold
SELECT pgc_load('cpu_pct', pgc_series(99, 2));
SELECT * FROM pgc_recs();
SELECT pgc_load('cpu_pct', pgc_series(99, 3));
SELECT * FROM pgc_recs();
-- a window shorter than the series: the last 20 s are all at 100
SELECT pgc_load('read_tps', pgc_series(10500, 40, 100, 20));
SELECT * FROM pgc_recs('20 seconds');
SELECT * FROM pgc_recs('15 minutes');

--
-- All metrics at once, each short of its threshold: zero rows; then the
-- report of the same series, and the worst level
--
SELECT pgc_load(
	ARRAY['tps', 'read_tps', 'write_tps', 'connections', 'max_connections',
	      'vcpus', 'cpu_pct', 'memory_total_bytes', 'memory_used_pct',
	      'disk_total_bytes', 'disk_free_bytes', 'disk_util_pct',
	      'cache_hit_ratio', 'checkpoint_interval_sec', 'replication_lag_sec',
	      'oom_kills', 'swap_io_per_sec'],
	ARRAY[pgc_series(1000, 60), pgc_series(900, 60), pgc_series(100, 60),
	      pgc_series(60, 60), pgc_series(100, 60),
	      pgc_series(4, 60), pgc_series(50, 60), pgc_series(17179869184, 60),
	      pgc_series(84, 60),
	      pgc_series(1e12, 60), pgc_series(4e11, 60), pgc_series(30, 60),
	      pgc_series(0.99, 60), pgc_series(600, 60), pgc_series(0.5, 60),
	      pgc_series(0, 60), pgc_series(0, 60)]);
SELECT * FROM pgc_recs();
-- tps capacity = 4 vCPUs x 500 / 1.5 = 1333.333: 1000 tx/s is 75% (warning);
-- memory 84% (warning); the rest ok
SELECT resource, round(current::numeric, 3) AS current, round(peak::numeric, 3) AS peak,
       round(capacity::numeric, 3) AS capacity, unit,
       round(utilization_pct::numeric, 2) AS utilization_pct, level, trend
FROM capacity.capacity_report();
SELECT resource, detail FROM capacity.capacity_report();
-- the worst: two resources at warning; the higher utilization names it
SELECT level, resource, round(utilization_pct::numeric, 2) AS utilization_pct, detail
FROM capacity.capacity_level();

--
-- Escalation levels: a constant CPU series at each side of 70 / 85 / 95 %
--
-- (a procedure that commits each import: imported points are visible once
-- their transaction commits)
CREATE TEMP TABLE pgc_levels_out (cpu_pct float8, utilization_pct numeric, level text,
                                  worst_level text, worst_resource text, recommendations bigint);
CREATE PROCEDURE pgc_levels(vals float8[])
LANGUAGE plpgsql AS $$
DECLARE
	v float8;
BEGIN
	FOREACH v IN ARRAY vals LOOP
		PERFORM pgc_load('cpu_pct', pgc_series(v, 60));
		COMMIT;
		INSERT INTO pgc_levels_out
			SELECT v, round(r.utilization_pct::numeric, 2), r.level, l.level, l.resource,
			       (SELECT count(*) FROM capacity.scaling_recommendations())
			FROM capacity.capacity_report() r, capacity.capacity_level() l
			WHERE r.resource = 'cpu';
		COMMIT;
	END LOOP;
END
$$;
CALL pgc_levels(ARRAY[0, 69.9, 70, 84.9, 85, 94.9, 95, 100]);
SELECT * FROM pgc_levels_out;
-- the priority at emergency: CPU at 96% is critical, not the matrix's high
SELECT pgc_load('cpu_pct', pgc_series(96, 60));
SELECT * FROM pgc_recs();

-- the inverse metrics: critical when the median is past the threshold,
-- warning when only the mean is, ok for a single dip
SELECT pgc_load('cache_hit_ratio', pgc_series(0.94, 60));
SELECT level, detail FROM pgc_report('cache_hit_ratio');
SELECT pgc_load('cache_hit_ratio', pgc_series(0.99, 40, 0.5, 20));
SELECT level, detail FROM pgc_report('cache_hit_ratio');
SELECT * FROM pgc_recs();
SELECT pgc_load('cache_hit_ratio', pgc_series(0.99, 59, 0.5, 1));
SELECT level, detail FROM pgc_report('cache_hit_ratio');
SELECT pgc_load('replication_lag_sec', pgc_series(6, 60));
SELECT level, detail FROM pgc_report('replication_lag');
SELECT pgc_load('checkpoint_interval_sec', pgc_series(120, 60));
SELECT level, detail FROM pgc_report('checkpoint_interval');

-- storage, memory and connections levels
SELECT pgc_load(ARRAY['disk_total_bytes', 'disk_free_bytes'],
                ARRAY[pgc_series(1e12, 60), pgc_series(4e10, 60)]);
SELECT * FROM pgc_report('storage');
SELECT pgc_load(ARRAY['connections', 'max_connections'],
                ARRAY[pgc_series(85, 60), pgc_series(100, 60)]);
SELECT * FROM pgc_report('connections');
SELECT level, resource FROM capacity.capacity_level();
-- the worst resource wins over a lesser one
SELECT pgc_load(ARRAY['cpu_pct', 'memory_used_pct', 'connections', 'max_connections'],
                ARRAY[pgc_series(50, 60), pgc_series(96, 60), pgc_series(85, 60), pgc_series(100, 60)]);
SELECT level, resource, round(utilization_pct::numeric, 2) AS utilization_pct FROM capacity.capacity_level();
SELECT * FROM pgc_recs();

-- too few samples: unknown, with how many there are
SELECT pgc_load('cpu_pct', pgc_series(80, 2));
SELECT * FROM pgc_report('cpu');
SELECT level, resource FROM capacity.capacity_level();
SELECT pgc_load('cpu_pct', pgc_series(80, 1));
SELECT level, detail FROM pgc_report('cpu');
SELECT pgc_load('cpu_pct', pgc_series(80, 3));
SELECT level, trend FROM pgc_report('cpu');

-- trend: one cell per value up to 24, then 24 cells, lowest block when flat
SELECT pgc_load('cpu_pct', array(SELECT g::float8 FROM generate_series(1, 24) g));
SELECT trend, char_length(trend) AS cells FROM pgc_report('cpu');
SELECT pgc_load('cpu_pct', array(SELECT g::float8 FROM generate_series(60, 1, -1) g));
SELECT trend, char_length(trend) AS cells FROM pgc_report('cpu');
SELECT pgc_load('cpu_pct', pgc_series(10, 30, 90, 30));
SELECT trend, char_length(trend) AS cells FROM pgc_report('cpu');
SELECT pgc_load('cpu_pct', pgc_series(42, 10));
SELECT trend, char_length(trend) AS cells FROM pgc_report('cpu');

--
-- Settings: thresholds, the sustained window and disk_iops_limit apply
--
ALTER SYSTEM SET pg_capacity.cpu_threshold_pct = 80;
ALTER SYSTEM SET pg_capacity.sustained_window = '30s';
ALTER SYSTEM SET pg_capacity.disk_iops_limit = 1000;
ALTER SYSTEM SET pg_capacity.vcpus = 8;
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
SHOW pg_capacity.cpu_threshold_pct;
SHOW pg_capacity.sustained_window;
SHOW pg_capacity.disk_iops_limit;
SHOW pg_capacity.vcpus;
-- TPS capacity from the vcpus setting (no vcpus metric in the history):
-- 8 x 500 / 1.5 = 2666.667; 2000 tx/s is 75%
SELECT pgc_load('tps', pgc_series(2000, 60));
SELECT capacity, utilization_pct, level, detail FROM pgc_report('tps');
-- CPU 75%: no longer past the threshold
SELECT pgc_load('cpu_pct', pgc_series(75, 60));
SELECT * FROM pgc_recs();
SELECT pgc_load('cpu_pct', pgc_series(81, 60));
SELECT * FROM pgc_recs();
-- 40 of 60 past, but only the last 30 s are judged: 10 of 30
SELECT pgc_load('read_tps', pgc_series(10500, 40, 100, 20));
SELECT * FROM pgc_recs();
-- IOPS against the limit: 500 + 350 = 850 of 1000 = 85%
\x on
SELECT pgc_load(ARRAY['disk_read_iops', 'disk_write_iops'],
                ARRAY[pgc_series(500, 60), pgc_series(350, 60)]);
-- (how many of the 1 s samples fall in the last 30 s depends on the time
-- between the import and the query: masked)
SELECT priority, direction, resource, round(observed::numeric, 3) AS observed, threshold, action,
       regexp_replace(rationale, 'of the \d+ samples', 'of the N samples') AS rationale,
       cost_impact, performance_gain, complexity
FROM capacity.scaling_recommendations();
SELECT * FROM pgc_report('iops');
\x off
SELECT pgc_load(ARRAY['disk_read_iops', 'disk_write_iops'],
                ARRAY[pgc_series(400, 60), pgc_series(350, 60)]);
SELECT * FROM pgc_recs();
ALTER SYSTEM RESET pg_capacity.cpu_threshold_pct;
ALTER SYSTEM RESET pg_capacity.sustained_window;
ALTER SYSTEM RESET pg_capacity.disk_iops_limit;
ALTER SYSTEM RESET pg_capacity.vcpus;
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
SHOW pg_capacity.cpu_threshold_pct;

--
-- import_history: the resolution follows the spacing
--
-- 10 points 60 s apart: minute rollups, no raw samples
SELECT pgc_load('cpu_pct', array(SELECT g * 10::float8 FROM generate_series(1, 9) g) || 95::float8, 60);
SELECT count(*) AS raw FROM capacity.history('cpu_pct', '1 hour', 'raw');
SELECT array_agg(value ORDER BY sampled_at) AS minute_values,
       bool_and(sampled_at = date_trunc('minute', sampled_at)) AS bucket_starts
FROM capacity.history('cpu_pct', '1 hour', 'minute');
SELECT raw_samples, minute_samples FROM capacity.sampler_status();
-- the report and the rules read the minute rollups: mean 54.5, last 9 values
-- below the threshold
SELECT current, peak, level, char_length(trend) AS cells FROM pgc_report('cpu', '1 hour');
SELECT * FROM pgc_recs('1 hour');
SELECT pgc_load('cpu_pct', pgc_series(90, 10), 60);
SELECT * FROM pgc_recs('1 hour');
-- 5 points 3600 s apart: hour rollups
SELECT pgc_load('cpu_pct', ARRAY[10, 20, 30, 40, 50]::float8[], 3600);
SELECT count(*) AS raw FROM capacity.history('cpu_pct', '6 hours', 'raw');
SELECT count(*) AS minute FROM capacity.history('cpu_pct', '6 hours', 'minute');
SELECT array_agg(value ORDER BY sampled_at) AS hour_values,
       bool_and(sampled_at = date_trunc('hour', sampled_at)) AS bucket_starts
FROM capacity.history('cpu_pct', '6 hours', 'hour');
SELECT current, level FROM pgc_report('cpu', '6 hours');
-- 3 points a day apart: day rollups
SELECT pgc_load('cpu_pct', ARRAY[1, 2, 3]::float8[], 86400);
SELECT count(*) AS hour FROM capacity.history('cpu_pct', '4 days', 'hour');
SELECT array_agg(value ORDER BY sampled_at) AS day_values
FROM capacity.history('cpu_pct', '4 days', 'day');
-- raw points are also folded into the rollups, as live samples are
SELECT pgc_load('cpu_pct', pgc_series(30, 5));
SELECT count(*) > 0 AS in_minute_rollup,
       max(max_value) AS minute_max
FROM capacity.history('cpu_pct', '1 hour', 'minute');
-- NULL values are skipped (the count returned includes them)
SELECT capacity.reset_history();
SELECT now() AS t0 \gset
SELECT capacity.import_history('cpu_pct', pgc_times(4, 1, :'t0'), ARRAY[1, NULL, 3, NULL]::float8[]);
SELECT array_agg(value ORDER BY sampled_at) AS raw_values
FROM capacity.history('cpu_pct', '1 hour', 'raw');
-- another metric is filled in at the times the history has (t0 - 3 s,
-- t0 - 1 s) and appended after them (t0)
SELECT capacity.import_history('memory_used_pct',
                               ARRAY[:'t0'::timestamptz - interval '3 seconds',
                                     :'t0'::timestamptz - interval '1 second', :'t0'],
                               ARRAY[5, 7, 8]::float8[]);
SELECT array_agg(round(extract(epoch FROM :'t0'::timestamptz - sampled_at)) ORDER BY sampled_at) AS seconds_before_t0,
       array_agg(value ORDER BY sampled_at) AS memory_values
FROM capacity.history('memory_used_pct', '1 hour', 'raw');
SELECT array_agg(value ORDER BY sampled_at) AS cpu_values
FROM capacity.history('cpu_pct', '1 hour', 'raw');
-- a value the history already has (cpu_pct at t0 - 3 s)
SELECT pgc_try(format('SELECT capacity.import_history(%L, ARRAY[%L::timestamptz], ARRAY[9::float8])',
                      'cpu_pct', :'t0'::timestamptz - interval '3 seconds'));
-- a time older than the newest entry that the history does not have (t0 - 2 s)
SELECT pgc_try(format('SELECT capacity.import_history(%L, ARRAY[%L::timestamptz], ARRAY[9::float8])',
                      'tps', :'t0'::timestamptz - interval '2 seconds'));
-- an import that fails imports nothing: tps at t0 - 3 s would fill in, t0 - 2 s cannot
SELECT pgc_try(format('SELECT capacity.import_history(%L, ARRAY[%L::timestamptz, %L::timestamptz], ARRAY[1, 2]::float8[])',
                      'tps', :'t0'::timestamptz - interval '3 seconds', :'t0'::timestamptz - interval '2 seconds'));
SELECT count(value) AS tps_values FROM capacity.history('tps', '1 hour', 'raw');

-- bad input: SQLSTATE 22023 with what is valid
SELECT capacity.import_history('cpu_pct', pgc_times(3), ARRAY[1, 2]::float8[]);
\echo :LAST_ERROR_SQLSTATE
SELECT capacity.import_history('no_such_metric', pgc_times(1), ARRAY[1]::float8[]);
\echo :LAST_ERROR_SQLSTATE
SELECT capacity.import_history('cpu_pct', pgc_times(2), ARRAY[1, 'NaN']::float8[]);
\echo :LAST_ERROR_SQLSTATE
SELECT capacity.import_history('cpu_pct', pgc_times(2), ARRAY[1, 'Infinity']::float8[]);
\echo :LAST_ERROR_SQLSTATE
SELECT capacity.import_history('cpu_pct', ARRAY[now(), now()], ARRAY[1, 2]::float8[]);
\echo :LAST_ERROR_SQLSTATE
SELECT capacity.import_history('cpu_pct', ARRAY[[now()]], ARRAY[[1]]::float8[]);
\echo :LAST_ERROR_SQLSTATE
-- a NULL time: "null value not allowed"
SELECT capacity.import_history('cpu_pct', ARRAY[NULL, now()], ARRAY[1, 2]::float8[]);
\echo :LAST_ERROR_SQLSTATE
-- an empty import does nothing
SELECT capacity.import_history('tps', '{}', '{}');
-- negative windows
SELECT * FROM capacity.capacity_report('-1 minute');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.scaling_recommendations('-1 minute');
\echo :LAST_ERROR_SQLSTATE

--
-- Done: sampling resumes (wait at most 30 s for a sample)
--
ALTER SYSTEM RESET pg_capacity.enabled;
SELECT pg_reload_conf();
SELECT capacity.reset_history();
\i test/sql/include/resume_sampler.sql
SELECT count(*) AS auto_conf_entries
FROM pg_file_settings WHERE name LIKE 'pg_capacity.%' AND sourcefile LIKE '%postgresql.auto.conf';
DROP PROCEDURE pgc_levels(float8[]);
DROP TABLE pgc_levels_out;
DROP FUNCTION pgc_report(text, interval);
DROP FUNCTION pgc_recs(interval);
DROP FUNCTION pgc_load(text, float8[], float8);
DROP FUNCTION pgc_load(text[], float8[], float8);
DROP FUNCTION pgc_series(float8, int, float8, int);
DROP FUNCTION pgc_times(int, float8, timestamptz);
DROP FUNCTION pgc_try(text);
