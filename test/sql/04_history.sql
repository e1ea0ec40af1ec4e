--
-- 04_history: history() at each resolution: ordered, inside the window,
-- value <= max_value (raw rows: value = max_value), buckets on UTC boundaries.
--
CREATE FUNCTION pg_temp.check_history(p_metric text, p_since interval, p_res text)
RETURNS TABLE (nonempty bool, ordered bool, in_window bool, value_le_max bool,
               raw_like bool, minute_aligned bool, hour_aligned bool, day_aligned bool)
LANGUAGE sql VOLATILE AS $$
	WITH h AS (
		SELECT sampled_at, value, max_value,
		       lag(sampled_at) OVER (ORDER BY o) AS prev,
		       clock_timestamp() AS now,
		       sampled_at AT TIME ZONE 'UTC' AS utc
		FROM capacity.history(p_metric, p_since, p_res) WITH ORDINALITY AS t(sampled_at, value, max_value, o)
	)
	SELECT count(*) > 0,
	       coalesce(bool_and(prev IS NULL OR sampled_at > prev), true),
	       -- a bucket starts up to one bucket width (a day, at most) before the window
	       coalesce(bool_and(sampled_at > now - p_since - interval '1 day'
	                         AND sampled_at <= now), true),
	       coalesce(bool_and(value IS NULL OR value <= max_value * (1 + 1e-12) + 1e-12), true),
	       -- raw rows: value = max_value, and (>= 3 samples 1 s apart) not all on minute boundaries
	       coalesce(bool_and(value IS NOT DISTINCT FROM max_value), true)
	         AND NOT coalesce(bool_and(date_trunc('minute', utc) = utc), true),
	       coalesce(bool_and(date_trunc('minute', utc) = utc), true),
	       coalesce(bool_and(date_trunc('hour', utc) = utc), true),
	       coalesce(bool_and(date_trunc('day', utc) = utc), true)
	FROM h
$$;

-- explicit resolutions: raw samples, then buckets on UTC minutes, hours, days
SELECT 'raw 1 min' AS call, nonempty, ordered, in_window, value_le_max, raw_like AS aligned
FROM pg_temp.check_history('tps', '1 minute', 'raw')
UNION ALL
SELECT 'minute 1 hour', nonempty, ordered, in_window, value_le_max, minute_aligned
FROM pg_temp.check_history('tps', '1 hour', 'minute')
UNION ALL
SELECT 'hour 1 day', nonempty, ordered, in_window, value_le_max, hour_aligned
FROM pg_temp.check_history('tps', '1 day', 'hour')
UNION ALL
SELECT 'day 30 days', nonempty, ordered, in_window, value_le_max, day_aligned
FROM pg_temp.check_history('tps', '30 days', 'day');

-- the raw window is exact: nothing older than since
SELECT count(*) >= 3 AS at_least_3,
       bool_and(sampled_at >= clock_timestamp() - interval '1 minute') AS inside
FROM capacity.history('tps', '1 minute', 'raw');

-- auto picks the finest resolution that covers since (raw: 1 h, minute: 1 day,
-- hour: 90 days, else day)
SELECT 'auto 30 min' AS call, raw_like FROM pg_temp.check_history('tps', '30 minutes', 'auto')
UNION ALL
SELECT 'auto default (1 hour)', raw_like FROM pg_temp.check_history('tps', '1 hour', 'auto');

CREATE FUNCTION pg_temp.bucket_starts(p_since interval, p_res text) RETURNS timestamptz[]
LANGUAGE sql VOLATILE AS $$
	SELECT array_agg(sampled_at ORDER BY sampled_at) FROM capacity.history('tps', p_since, p_res)
$$;
SELECT 'auto 2 hours = minute' AS call,
       pg_temp.bucket_starts('2 hours', 'auto') = pg_temp.bucket_starts('2 hours', 'minute') AS same
UNION ALL
SELECT 'auto 7 days = hour',
       pg_temp.bucket_starts('7 days', 'auto') = pg_temp.bucket_starts('7 days', 'hour')
UNION ALL
SELECT 'auto 365 days = day',
       pg_temp.bucket_starts('365 days', 'auto') = pg_temp.bucket_starts('365 days', 'day');

-- the defaults: history(metric) = history(metric, '1 hour', 'auto') is raw here
SELECT count(*) >= 3 AS rows, bool_and(value IS NOT DISTINCT FROM max_value) AS raw_like
FROM capacity.history('tps');

-- rollup buckets hold at least one sample; raw rows outnumber minute rows
SELECT (SELECT count(*) FROM capacity.history('tps', '1 hour', 'raw'))
     > (SELECT count(*) FROM capacity.history('tps', '1 hour', 'minute')) AS raw_outnumbers_minute;

-- a rollup keeps the mean and the peak.  Raw samples first, then the minute
-- buckets (which then hold every sample taken so far): each raw value is <= the
-- max of its bucket; buckets closed before the newest raw sample hold exactly
-- these raw samples, so their max and mean match.
CREATE TEMP TABLE r AS
SELECT * FROM capacity.history('cpu_pct', '1 hour', 'raw');
CREATE TEMP TABLE b AS
SELECT * FROM capacity.history('cpu_pct', '1 hour', 'minute');
SELECT coalesce(bool_and(b.max_value >= r.value), true) AS raw_le_bucket_max,
       count(*) FILTER (WHERE b.sampled_at IS NULL) AS raw_without_bucket
FROM r LEFT JOIN b ON b.sampled_at = date_trunc('minute', r.sampled_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
WHERE r.value IS NOT NULL;
SELECT coalesce(bool_and(abs(b.max_value - g.max) < 1e-9 AND abs(b.value - g.avg) < 1e-6), true) AS closed_buckets_match
FROM b JOIN (SELECT date_trunc('minute', sampled_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS bucket,
                    max(value), avg(value)
             FROM r GROUP BY 1) g ON g.bucket = b.sampled_at
WHERE b.sampled_at + interval '1 minute' <= (SELECT max(sampled_at) FROM r)
  AND b.sampled_at > (SELECT min(sampled_at) FROM r);
DROP TABLE r, b;

-- every metric has raw history
SELECT bool_and(n >= 3) AS every_metric_has_raw_rows, count(*) AS metrics
FROM (SELECT metric, (SELECT count(*) FROM capacity.history(metric, '1 minute', 'raw')) AS n
      FROM capacity.metrics()) s;

-- zero window: nothing; a NULL argument: nothing (STRICT)
SELECT count(*) AS zero_window FROM capacity.history('tps', '0 seconds', 'raw');
SELECT count(*) AS null_metric FROM capacity.history(NULL);
SELECT count(*) AS null_since FROM capacity.history('tps', NULL);
-- a huge "since" saturates (the whole history) instead of wrapping around
SELECT count(*) > 0 AS huge_since FROM capacity.history('tps', '1000000 years');
SELECT count(*) > 0 AS huge_since_raw FROM capacity.history('tps', interval '1 month' * 1e8, 'raw');
