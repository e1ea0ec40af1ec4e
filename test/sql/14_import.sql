--
-- 14_import: import_history() takes only measurements (finite times, none
-- in the future) and is transactional: nothing is imported by a transaction
-- or savepoint that rolls back, or by a statement that fails after it.
--
ALTER SYSTEM SET pg_capacity.enabled = off;
SELECT pg_reload_conf();
\i test/sql/include/pause_sampler.sql
SELECT capacity.reset_history();
CREATE TEMP TABLE pgc_t0 AS SELECT now() - interval '1 minute' AS t0;
CREATE FUNCTION pgc_at(s int) RETURNS timestamptz LANGUAGE sql AS
	$$ SELECT t0 + make_interval(secs => s) FROM pgc_t0 $$;
CREATE FUNCTION pgc_raw(metric text)
RETURNS TABLE (second int, value float8) LANGUAGE sql AS $$
	SELECT extract(epoch FROM sampled_at - (SELECT t0 FROM pgc_t0))::int, value
	FROM capacity.history(metric, '1 day', 'raw') WHERE value IS NOT NULL
	ORDER BY sampled_at
$$;

-- infinities: 22008; the future: 22023; nothing is imported
SELECT capacity.import_history('tps', ARRAY['infinity'::timestamptz], ARRAY[1::float8]);
\echo :LAST_ERROR_SQLSTATE
SELECT capacity.import_history('tps', ARRAY['-infinity'::timestamptz, pgc_at(1)], ARRAY[1, 2]::float8[]);
\echo :LAST_ERROR_SQLSTATE
-- (messages that carry a time are shown by SQLSTATE only)
\set VERBOSITY sqlstate
SELECT capacity.import_history('tps', ARRAY[pgc_at(1), now() + interval '1 day'], ARRAY[1, 2]::float8[]);
\set VERBOSITY default
SELECT count(*) AS raw_samples FROM capacity.history('tps', '1 day', 'raw');

-- ROLLBACK imports nothing; inside the transaction the points wait for COMMIT
BEGIN;
SELECT capacity.import_history('tps', ARRAY[pgc_at(1), pgc_at(2)], ARRAY[1, 2]::float8[]);
SELECT count(*) AS visible_before_commit FROM pgc_raw('tps');
ROLLBACK;
SELECT count(*) AS after_rollback FROM pgc_raw('tps');

-- a statement that fails after importing imports nothing
SELECT capacity.import_history('tps', ARRAY[pgc_at(1)], ARRAY[1::float8]), 1 / 0;
SELECT count(*) AS after_failed_statement FROM pgc_raw('tps');

-- savepoints: a rolled-back one imports nothing, a released one commits
BEGIN;
SELECT capacity.import_history('tps', ARRAY[pgc_at(1), pgc_at(2)], ARRAY[1, 2]::float8[]);
SAVEPOINT a;
SELECT capacity.import_history('cpu_pct', ARRAY[pgc_at(1)], ARRAY[50::float8]);
ROLLBACK TO a;
SAVEPOINT b;
SELECT capacity.import_history('memory_used_pct', ARRAY[pgc_at(2)], ARRAY[60::float8]);
RELEASE b;
-- the second import of the transaction fills in times the first one brings
SELECT capacity.import_history('disk_util_pct', ARRAY[pgc_at(1), pgc_at(3)], ARRAY[70, 80]::float8[]);
COMMIT;
SELECT * FROM pgc_raw('tps');
SELECT count(*) AS cpu_pct_points FROM pgc_raw('cpu_pct');
SELECT * FROM pgc_raw('memory_used_pct');
SELECT * FROM pgc_raw('disk_util_pct');

-- reset_history() takes effect at once, and drops what the transaction had
-- imported before it
BEGIN;
SELECT capacity.import_history('tps', ARRAY[pgc_at(10)], ARRAY[5::float8]);
SELECT capacity.reset_history();
SELECT capacity.import_history('tps', ARRAY[pgc_at(11)], ARRAY[6::float8]);
COMMIT;
SELECT * FROM pgc_raw('tps');

-- a point the history cannot take is refused in the call, not at COMMIT,
-- and the transaction's other imports are untouched by the error's rollback
-- to a savepoint
BEGIN;
SELECT capacity.import_history('tps', ARRAY[pgc_at(12)], ARRAY[7::float8]);
SAVEPOINT c;
\set VERBOSITY sqlstate
SELECT capacity.import_history('tps', ARRAY[pgc_at(5)], ARRAY[8::float8]);
\set VERBOSITY default
ROLLBACK TO c;
COMMIT;
SELECT * FROM pgc_raw('tps');

-- the same time imported again after a reset in the same transaction: the
-- import the reset dropped neither collides with it nor comes back
BEGIN;
SELECT capacity.import_history('tps', ARRAY[pgc_at(13)], ARRAY[9::float8]);
SELECT capacity.reset_history();
SELECT capacity.import_history('tps', ARRAY[pgc_at(13)], ARRAY[10::float8]);
COMMIT;
SELECT * FROM pgc_raw('tps');

DROP FUNCTION pgc_raw(text);
DROP FUNCTION pgc_at(int);
DROP TABLE pgc_t0;
SELECT capacity.reset_history();
ALTER SYSTEM RESET pg_capacity.enabled;
SELECT pg_reload_conf();
