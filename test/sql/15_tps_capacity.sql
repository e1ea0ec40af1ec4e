--
-- 15_tps_capacity: the TPS capacity measured from the node's own CPU cost
-- (tps_capacity(), the report's tps row, required_resources(), the read
-- load rule) on known series, exact against the closed form; and each
-- reason the playbook's constant stands in for a fit.
--
-- The sampler is paused; each case empties the history and imports raw
-- points 1 s apart ending now(); the fit takes them as the means of 5
-- consecutive samples (56 means of 60 samples).  The line: on 2 vCPUs PostgreSQL uses
-- 0.1 vCPU plus 0.0009 vCPU per tx/s, so postgres_cpu_pct = 5 + 0.045 tps:
--   cpu_pct_per_1000_tps = 0.9 / 2 x 100           = 45
--   fixed_cpu_pct        = 0.1 / 2 x 100           = 5
--   saturation_tps       = (2 - 0.1) / 0.0009      = 2111.111
--   capacity_tps         = 2111.111 / 1.5          = 1407.407
--
ALTER SYSTEM SET pg_capacity.enabled = off;
SELECT pg_reload_conf();
\i test/sql/include/pause_sampler.sql

-- n timestamps 1 s apart, the last one now()
CREATE FUNCTION pg_temp.times(n int) RETURNS timestamptz[] LANGUAGE sql AS $$
	SELECT array(SELECT now() - make_interval(secs => n - i)
	             FROM generate_series(1, n) i ORDER BY i)
$$;
-- empty the history; import tps, postgres_cpu_pct = f(tps), vcpus = 2 and
-- the node's cpu_pct (NULL: postgres_cpu_pct + 2)
CREATE FUNCTION pg_temp.load(tps float8[], pg_cpu float8[], node_cpu float8 DEFAULT NULL)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	n int := array_length(tps, 1);
	t timestamptz[] := pg_temp.times(n);
BEGIN
	PERFORM capacity.reset_history();
	PERFORM capacity.import_history('tps', t, tps);
	PERFORM capacity.import_history('read_tps', t, array(SELECT v * 0.9 FROM unnest(tps) v));
	PERFORM capacity.import_history('vcpus', t, array_fill(2::float8, ARRAY[n]));
	IF pg_cpu IS NOT NULL THEN
		PERFORM capacity.import_history('postgres_cpu_pct', t, pg_cpu);
	END IF;
	PERFORM capacity.import_history('cpu_pct', t,
		array(SELECT coalesce(node_cpu, c + 2) FROM unnest(coalesce(pg_cpu, tps)) c));
	RETURN n;
END
$$;
-- the line above, at the given tps
CREATE FUNCTION pg_temp.line(tps float8[]) RETURNS float8[] LANGUAGE sql AS $$
	SELECT array(SELECT 5 + 0.045 * v FROM unnest(tps) v)
$$;
CREATE FUNCTION pg_temp.caps()
RETURNS TABLE (basis text, saturation_tps numeric, capacity_tps numeric,
               cpu_pct_per_1000_tps numeric, fixed_cpu_pct numeric, samples int,
               load_range numrange, r_squared numeric)
LANGUAGE sql AS $$
	SELECT basis, round(saturation_tps::numeric, 3), round(capacity_tps::numeric, 3),
	       round(cpu_pct_per_1000_tps::numeric, 6), round(fixed_cpu_pct::numeric, 6),
	       samples, load_range, round(r_squared::numeric, 6)
	FROM capacity.tps_capacity()
$$;

--
-- A trustworthy fit: 60 samples from 100 to 1870 tx/s on the line.
--
SELECT pg_temp.load(a, pg_temp.line(a)) AS loaded
FROM (SELECT array(SELECT 100 + 30 * i FROM generate_series(0, 59) i)::float8[] AS a) s;
SELECT * FROM pg_temp.caps();
SELECT detail FROM capacity.tps_capacity();
-- the report judges tps against the saturation; mean 985 tx/s = 46.66 %
SELECT round(current::numeric, 3) AS current, round(capacity::numeric, 3) AS capacity,
       round(utilization_pct::numeric, 2) AS utilization_pct, level, detail
FROM capacity.capacity_report('1 hour') WHERE resource = 'tps';
-- required vCPUs for 3000 tx/s from the measured cost: (0.1 + 3000 x 0.0009) x 1.5 = 4.2
SELECT resource, round(required::numeric, 6) AS required, formula
FROM capacity.required_resources(3000, 0.5, 1073741824, 100)
WHERE resource IN ('vcpus', 'backend_connections');
-- time_to_threshold's capacity is the same
SELECT round(capacity::numeric, 3) AS capacity, capacity_basis FROM capacity.time_to_threshold('tps');

--
-- Near saturation while the node's CPU is below warning: the measured tps
-- level stops at warning.  The last 15 samples at 2050 tx/s (97.1 % of
-- 2111.111); the node's cpu_pct 30 % (below warning 70 %), then 75 %.
--
SELECT pg_temp.load(a, pg_temp.line(a), 30) AS loaded
FROM (SELECT array(SELECT CASE WHEN i < 45 THEN 100 + 40 * i ELSE 2050 END
                   FROM generate_series(0, 59) i)::float8[] AS a) s;
SELECT basis, round(saturation_tps::numeric, 3) AS saturation_tps FROM capacity.tps_capacity();
SELECT resource, round(current::numeric, 3) AS current, round(utilization_pct::numeric, 2) AS utilization_pct,
       level, detail
FROM capacity.capacity_report('10 seconds') WHERE resource IN ('tps', 'cpu') ORDER BY resource;
-- read load: 0.9 x 2050 read tx/s is 87.4 % of the measured 2111.111
SELECT resource, round(observed::numeric, 3) AS observed, threshold, action,
       rationale LIKE '%read TPS as a share of the 2111 tx/s TPS capacity%' AS measured_capacity
FROM capacity.scaling_recommendations('10 seconds') WHERE resource = 'read_tps';
SELECT pg_temp.load(a, pg_temp.line(a), 75) AS loaded
FROM (SELECT array(SELECT CASE WHEN i < 45 THEN 100 + 40 * i ELSE 2050 END
                   FROM generate_series(0, 59) i)::float8[] AS a) s;
SELECT resource, level FROM capacity.capacity_report('10 seconds')
WHERE resource IN ('tps', 'cpu') ORDER BY resource;

--
-- The playbook's constant, and why: every case says so.
--
-- no postgres_cpu_pct at all
SELECT pg_temp.load(array(SELECT 100 + 30 * i FROM generate_series(0, 59) i)::float8[], NULL) AS loaded;
SELECT * FROM pg_temp.caps();
SELECT detail FROM capacity.tps_capacity();
SELECT capacity, level, detail FROM capacity.capacity_report('1 hour') WHERE resource = 'tps';
SELECT resource, required, formula
FROM capacity.required_resources(3000, 0.5, 1073741824, 100) WHERE resource = 'vcpus';
-- too few: 20 samples, 16 means of 5
SELECT pg_temp.load(a, pg_temp.line(a)) AS loaded
FROM (SELECT array(SELECT 100 + 30 * i FROM generate_series(0, 19) i)::float8[] AS a) s;
SELECT basis, samples, detail FROM capacity.tps_capacity();
-- too narrow a load: 1000 to 1177 tx/s
SELECT pg_temp.load(a, pg_temp.line(a)) AS loaded
FROM (SELECT array(SELECT 1000 + 3 * i FROM generate_series(0, 59) i)::float8[] AS a) s;
SELECT basis, samples, load_range, detail FROM capacity.tps_capacity();
-- CPU does not rise with tps
SELECT pg_temp.load(a, array(SELECT 90 - 0.02 * v FROM unnest(a) v)) AS loaded
FROM (SELECT array(SELECT 100 + 30 * i FROM generate_series(0, 59) i)::float8[] AS a) s;
SELECT basis, detail FROM capacity.tps_capacity();
-- too loose: 40 + 0.01 tps, +-30 % alternately
SELECT pg_temp.load(a, array(SELECT 10 + 0.01 * a[i] + 60 * (i % 2) FROM generate_series(1, 60) i)) AS loaded
FROM (SELECT array(SELECT 100 + 30 * i FROM generate_series(0, 59) i)::float8[] AS a) s;
SELECT basis, round(r_squared::numeric, 3) AS r_squared, detail FROM capacity.tps_capacity();
-- too light: 1 to 60 tx/s, at most 7.7 % CPU
SELECT pg_temp.load(a, pg_temp.line(a)) AS loaded
FROM (SELECT array(SELECT 1 + i FROM generate_series(0, 59) i)::float8[] AS a) s;
SELECT basis, detail FROM capacity.tps_capacity();
-- the window: since '40 seconds' keeps about 40 of the 60 samples, 36 means
-- of 5 (1 s samples are fitted as 5 s means)
SELECT pg_temp.load(a, pg_temp.line(a)) AS loaded
FROM (SELECT array(SELECT 100 + 30 * i FROM generate_series(0, 59) i)::float8[] AS a) s;
SELECT basis, samples BETWEEN 33 AND 37 AS about_36 FROM capacity.tps_capacity('40 seconds');
SELECT basis, samples < 30 AS too_few FROM capacity.tps_capacity('10 seconds');
-- bad input
SELECT * FROM capacity.tps_capacity(NULL);
SELECT * FROM capacity.tps_capacity('-1 day');

--
-- Done: sampling resumes
--
ALTER SYSTEM RESET pg_capacity.enabled;
SELECT pg_reload_conf();
SELECT capacity.reset_history();
\i test/sql/include/resume_sampler.sql
