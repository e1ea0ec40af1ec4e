-- Included by the regression tests that paused the sampler: waits (at most
-- 30 s) until it has taken a sample again, after the caller reset
-- pg_capacity.enabled, reloaded and emptied the history.
DO $$
DECLARE
	i int := 0;
BEGIN
	LOOP
		EXIT WHEN (SELECT raw_samples >= 1 FROM capacity.sampler_status());
		i := i + 1;
		IF i > 300 THEN
			RAISE EXCEPTION 'the pg_capacity sampler did not resume within 30 s';
		END IF;
		PERFORM pg_sleep(0.1);
	END LOOP;
END
$$;
