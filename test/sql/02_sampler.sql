--
-- 02_sampler: the background worker samples (1 s interval from
-- test/pg_capacity.conf); sampler_status() describes it.
--
-- Wait (at most 30 s) for three samples.
DO $$
DECLARE
	i int := 0;
BEGIN
	LOOP
		EXIT WHEN (SELECT last_sample_at IS NOT NULL AND raw_samples >= 3
		           FROM capacity.sampler_status());
		i := i + 1;
		IF i > 300 THEN
			RAISE EXCEPTION 'pg_capacity sampler took no 3 samples in 30 s: %',
				(SELECT row_to_json(s) FROM capacity.sampler_status() s);
		END IF;
		PERFORM pg_sleep(0.1);
	END LOOP;
END
$$;

-- one worker, visible in pg_stat_activity, connected to no database (it
-- reads only shared state, so it never holds a database a DBA wants to drop)
SELECT backend_type, datname IS NULL AS no_database
FROM pg_stat_activity WHERE backend_type = 'pg_capacity sampler';

SELECT role,
       worker_pid = (SELECT pid FROM pg_stat_activity
                     WHERE backend_type = 'pg_capacity sampler') AS worker_pid_matches,
       last_sample_at BETWEEN clock_timestamp() - interval '10 s'
                          AND clock_timestamp() AS last_sample_recent,
       raw_samples >= 3 AS raw_ok,
       minute_samples BETWEEN 1 AND raw_samples AS minute_ok,
       hour_samples BETWEEN 1 AND minute_samples AS hour_ok,
       day_samples BETWEEN 1 AND hour_samples AS day_ok,
       shared_memory_bytes BETWEEN 1024 * 1024 AND 8 * 1024 * 1024 AS shared_memory_1_to_8_mb,
       history_file LIKE '%pg_stat_tmp/pg_capacity.history' AS history_file_in_pg_stat_tmp
FROM capacity.sampler_status();

-- sampler_status() returns exactly one row
SELECT count(*) FROM capacity.sampler_status();

-- persist_interval is 5 s: wait (at most 30 s) for the first write of the
-- history file, then the file is there and not empty.
DO $$
DECLARE
	i int := 0;
BEGIN
	LOOP
		EXIT WHEN (SELECT last_persist_at IS NOT NULL FROM capacity.sampler_status());
		i := i + 1;
		IF i > 300 THEN
			RAISE EXCEPTION 'pg_capacity wrote no history file in 30 s: %',
				(SELECT row_to_json(s) FROM capacity.sampler_status() s);
		END IF;
		PERFORM pg_sleep(0.1);
	END LOOP;
END
$$;

SELECT last_persist_at <= clock_timestamp() AS persist_in_past,
       (pg_stat_file(history_file)).size > 0 AS history_file_written,
       NOT (pg_stat_file(history_file)).isdir AS is_file
FROM capacity.sampler_status();
