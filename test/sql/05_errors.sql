--
-- 05_errors: bad arguments give SQLSTATE 22023 and say what is valid.
--
SELECT * FROM capacity.history('no_such_metric');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.history('tps', '1 hour', 'fortnight');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.history('tps', '-1 hour');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.history('tps', '-1 second', 'raw');
\echo :LAST_ERROR_SQLSTATE
-- the error is raised even when the window would be empty
SELECT * FROM capacity.history('no_such_metric', '0 seconds', 'raw');
\echo :LAST_ERROR_SQLSTATE
-- valid names are case-sensitive identifiers: an empty string is not one
SELECT * FROM capacity.history('', '1 hour', 'raw');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.history('tps', '1 hour', '');
\echo :LAST_ERROR_SQLSTATE
