-- Included by the regression tests that import series: waits until the
-- sampler (pg_capacity.enabled = off, reloaded by the caller) has taken no
-- sample for 3 s, so that nothing but the test adds to the history.
DO $$
DECLARE
	last timestamptz := (SELECT last_sample_at FROM capacity.sampler_status());
	still_since timestamptz := clock_timestamp();
	started timestamptz := clock_timestamp();
	cur timestamptz;
BEGIN
	LOOP
		PERFORM pg_sleep(0.1);
		cur := (SELECT last_sample_at FROM capacity.sampler_status());
		IF cur IS DISTINCT FROM last THEN
			last := cur;
			still_since := clock_timestamp();
		END IF;
		EXIT WHEN clock_timestamp() - still_since > interval '3 seconds';
		IF clock_timestamp() - started > interval '30 seconds' THEN
			RAISE EXCEPTION 'the pg_capacity sampler did not stop sampling within 30 s';
		END IF;
	END LOOP;
END
$$;
