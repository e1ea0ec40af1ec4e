--
-- 13_forecast: forecast(), time_to_threshold() and capacity_plan() on known
-- series imported with import_history (sampler paused, history emptied).
--
-- Reference values were computed outside the extension, exactly: Python 3.11
-- with fractions.Fraction (the closed-form least squares over the exact
-- rationals of these inputs), cross-checked with statistics.linear_regression:
--   x = 0..999 days, y = 2000 + 3.25 x + ((7919 x) mod 101 - 50) / 4
--   slope = 3.2500443925443925 per day, r^2 = 0.9999396494171213
--
ALTER SYSTEM SET pg_capacity.enabled = off;
ALTER SYSTEM SET pg_capacity.vcpus = 45;	-- 45 x 500 tx/s / 1.5: the playbook's 15,000 TPS
SELECT pg_reload_conf();
\i test/sql/include/pause_sampler.sql
SELECT capacity.reset_history();

-- n daily points at UTC midnights, the last one yesterday (days counted in
-- UTC: the session's time zone has daylight saving time)
CREATE FUNCTION pgc_days(n int) RETURNS timestamptz[] LANGUAGE sql AS $$
	SELECT array(SELECT (date_trunc('day', now() AT TIME ZONE 'UTC')
						 - make_interval(days => n - i + 1)) AT TIME ZONE 'UTC'
				 FROM generate_series(1, n) i ORDER BY i)
$$;

-- exactness: 1,000 days (2.7 years) of epoch-second timestamps
SELECT capacity.import_history('database_size_bytes', pgc_days(1000),
	array(SELECT 2000 + 3.25 * x + ((7919 * x) % 101 - 50) / 4.0 FROM generate_series(0, 999) x ORDER BY x)::float8[]);
SELECT metric, method, resolution, series, samples,
	   abs(slope_per_day / 3.2500443925443925 - 1) < 1e-9 AS slope_exact,
	   abs(r_squared / 0.9999396494171213 - 1) < 1e-9 AS r2_exact,
	   forecast > current AND lower_95 < forecast AND forecast < upper_95 AS interval_ok,
	   reason
  FROM capacity.forecast('database_size_bytes', '6 months', '1000 days');
-- the forecast is the line's value at now + horizon, and the interval widens with it
SELECT abs(f6.forecast - f6.current - 3.2500443925443925
		   * extract(epoch FROM (now() + interval '6 months') - now()) / 86400) < 1e-6 AS six_months_ahead,
	   (f12.upper_95 - f12.lower_95) > (f6.upper_95 - f6.lower_95) AS wider_further
  FROM capacity.forecast('database_size_bytes', '6 months', '1000 days') f6,
	   capacity.forecast('database_size_bytes', '12 months', '1000 days') f12;

-- bursts (bulk loads) near the end: OLS is pulled up, Theil-Sen keeps the trend
SELECT capacity.reset_history();
SELECT capacity.import_history('write_tps', pgc_days(365),
	array(SELECT 1000 + 100 * i + CASE WHEN i >= 330 AND i % 3 = 0 THEN 20000 ELSE 0 END
		  FROM generate_series(0, 364) i ORDER BY i)::float8[]);
SELECT method, abs(slope_per_day / 100 - 1) < 0.05 AS within_5pct_of_trend
  FROM (SELECT * FROM capacity.forecast('write_tps', '6 months', '365 days', 'ols')
		UNION ALL
		SELECT * FROM capacity.forecast('write_tps', '6 months', '365 days', 'theil_sen')) f;

-- too little history: NULL figures and a reason, not an error
SELECT capacity.reset_history();
SELECT capacity.import_history('cpu_pct', pgc_days(2), ARRAY[10, 20]::float8[]);
SELECT samples, current, slope_per_day, forecast, reason FROM capacity.forecast('cpu_pct');
SELECT samples, reason FROM capacity.forecast('tps');
-- ten days of history reach 40 days ahead, not 6 months: the trend, but no forecast
SELECT capacity.reset_history();
SELECT capacity.import_history('memory_used_pct', pgc_days(10),
	array(SELECT 40 + i FROM generate_series(1, 10) i ORDER BY i)::float8[]);
SELECT samples, round(slope_per_day::numeric, 6) AS slope_per_day, forecast, lower_95, reason
  FROM capacity.forecast('memory_used_pct', '6 months');
SELECT samples, round(slope_per_day::numeric, 6) AS slope_per_day, forecast IS NOT NULL AS has_forecast, reason
  FROM capacity.forecast('memory_used_pct', '30 days');
SELECT metric, in_3_months, action_required FROM capacity.capacity_plan() WHERE metric = 'ram_usage';

-- the playbook's Capacity Planning Matrix: TPS from 5,000 to 15,000 over 12
-- months (ending yesterday) against a capacity of 15,000: past 80 % of it,
-- so its replica rule, int((forecast - capacity) / 5000) + 1, on the
-- 6-month forecast (about 20,000: 1 or 2 replicas by the hour of the day)
SELECT capacity.reset_history();
SELECT capacity.import_history('tps', pgc_days(366),
	array(SELECT 5000 + 10000 * i / 365.0 FROM generate_series(0, 365) i ORDER BY i)::float8[]);
-- (the figures are checked against the line itself: they move with the time of day)
CREATE FUNCTION pgc_line(t timestamptz) RETURNS float8 LANGUAGE sql AS $$
	SELECT 5000 + 10000 / 365.0 * extract(epoch FROM t - (date_trunc('day', now() AT TIME ZONE 'UTC')
													 - interval '366 days') AT TIME ZONE 'UTC') / 86400
$$;
SELECT metric, abs(current - pgc_line(clock_timestamp())) < 1 AS current_on_line,
	   abs(in_3_months - pgc_line(clock_timestamp() + interval '3 months')) < 1 AS in_3_months_on_line,
	   abs(in_6_months - pgc_line(clock_timestamp() + interval '6 months')) < 1 AS in_6_months_on_line,
	   abs(in_12_months - pgc_line(clock_timestamp() + interval '12 months')) < 1 AS in_12_months_on_line,
	   capacity, threshold_pct, crosses_at <= clock_timestamp() AS crossed_80pct_already,
	   action_required = format('Add %s read replica%s by %s', n, CASE WHEN n = 1 THEN '' ELSE 's' END,
								 to_char(clock_timestamp(), 'YYYY-MM')) AS playbook_rule,
	   samples
  FROM capacity.capacity_plan(),
	   LATERAL (SELECT trunc((in_6_months - capacity) / 5000)::int + 1 AS n) r
 WHERE metric = 'tps';
DROP FUNCTION pgc_line(timestamptz);
SELECT metric, action_required FROM capacity.capacity_plan() WHERE metric <> 'tps' ORDER BY metric;
-- time_to_threshold: 80 % of 15,000 was crossed; 150 % (22,500) is ahead:
-- 5000 + 10000 t / 365 = 22500 at t = 638.75 days after the first point,
-- 273.75 days after the last one (yesterday midnight), 272 to 273 from now
SELECT metric, capacity, threshold, reason IS NULL AS crosses,
	   round(days_away) BETWEEN 271 AND 274 AS days_away_ok,
	   earliest <= crosses_at AND crosses_at <= latest AS band_brackets
  FROM capacity.time_to_threshold('tps', 150);
SELECT crosses_at <= clock_timestamp() AS already, reason FROM capacity.time_to_threshold('tps');
SELECT metric, capacity, reason FROM capacity.time_to_threshold('deadlocks_per_sec');

-- errors
SELECT * FROM capacity.forecast('no_such_metric');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.forecast('tps', method => 'arima');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.forecast('tps', horizon => '0 days');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.forecast('tps', horizon => '-1 month');
\echo :LAST_ERROR_SQLSTATE
-- horizons out of the calendar's range (sqlsmith's): a message of our own, not 22008
SELECT * FROM capacity.forecast('tps', horizon => '178000000 years');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.forecast('tps', horizon => '-178000000 years');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.forecast('tps', history => '0 days');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.time_to_threshold('tps', 0);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.capacity_plan('-1 day');
\echo :LAST_ERROR_SQLSTATE

-- privileges: pg_monitor, not PUBLIC
CREATE ROLE regress_fc_nobody LOGIN;
GRANT USAGE ON SCHEMA capacity TO regress_fc_nobody;
SET ROLE regress_fc_nobody;
SELECT count(*) FROM capacity.forecast('tps');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.capacity_plan();
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
REVOKE USAGE ON SCHEMA capacity FROM regress_fc_nobody;
DROP ROLE regress_fc_nobody;

-- clean up: empty history, sampler back on
SELECT capacity.reset_history();
DROP FUNCTION pgc_days(int);
ALTER SYSTEM RESET pg_capacity.vcpus;
ALTER SYSTEM RESET pg_capacity.enabled;
SELECT pg_reload_conf();
\i test/sql/include/resume_sampler.sql
