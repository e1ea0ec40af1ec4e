--
-- 07_reset: reset_history() as superuser empties the history; sampling goes on.
--
SELECT raw_samples >= 3 AS had_samples FROM capacity.sampler_status();
SELECT capacity.reset_history();
-- right after the reset: at most a sample or two taken since
SELECT raw_samples <= 2 AS raw_emptied,
       minute_samples <= 2 AS minute_emptied,
       hour_samples <= 2 AS hour_emptied,
       day_samples <= 2 AS day_emptied,
       role
FROM capacity.sampler_status();
SELECT count(*) <= 2 AS raw_history_emptied FROM capacity.history('tps', '1 hour', 'raw');

-- sampling continues: wait (at most 30 s) for 2 new samples
DO $$
DECLARE
	i int := 0;
BEGIN
	LOOP
		EXIT WHEN (SELECT raw_samples >= 2 FROM capacity.sampler_status());
		i := i + 1;
		IF i > 300 THEN
			RAISE EXCEPTION 'pg_capacity sampler took no samples in 30 s after reset: %',
				(SELECT row_to_json(s) FROM capacity.sampler_status() s);
		END IF;
		PERFORM pg_sleep(0.1);
	END LOOP;
END
$$;
SELECT count(*) AS latest_rows FROM capacity.latest();
SELECT count(*) >= 2 AS history_again FROM capacity.history('tps', '1 hour', 'raw');
