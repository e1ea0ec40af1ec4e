--
-- 11_index_diagnostics: unused_indexes, duplicate_indexes, invalid_indexes,
-- missing_indexes and top_queries on fixtures whose answers are known,
-- traps included, and their privileges.
--
-- It runs in a database of its own, so that its statistics (and their reset)
-- are its own.  Sizes and times vary from run to run: only booleans, names
-- and statements are shown.  VERBOSITY terse: the NOTICE of unused_indexes
-- has a timestamp in its DETAIL.
--
CREATE DATABASE regress_diag;
\c regress_diag
CREATE EXTENSION pg_capacity;
\set VERBOSITY terse
\set SHOW_CONTEXT never
CREATE SCHEMA diag;
SELECT clock_timestamp() - interval '1 second' AS t0 \gset

-- parent: a primary key, and a non-unique index created before a unique one
-- on the same column (identical definitions: the unique one is kept though
-- its OID is higher; it is never proposed as unused although never scanned)
CREATE TABLE diag.parent (id int PRIMARY KEY, code text NOT NULL);
CREATE INDEX parent_code_idx ON diag.parent (code);
CREATE UNIQUE INDEX parent_code_uq ON diag.parent (code);
INSERT INTO diag.parent SELECT g, 'c' || g FROM generate_series(1, 100) g;

-- orders: orders.parent_id is a foreign key without an index
CREATE TABLE diag.orders (
	id int PRIMARY KEY,
	parent_id int REFERENCES diag.parent,
	customer int,
	status text,
	created date,
	note text);
INSERT INTO diag.orders
SELECT g, 1 + g % 100, g % 50, CASE WHEN g % 3 = 0 THEN 'open' ELSE 'closed' END,
	   date '2024-01-01' + g % 365, 'note ' || g
FROM generate_series(1, 1000) g;
-- identical to the primary key's index: drop it, keep orders_pkey
CREATE INDEX orders_id_idx ON diag.orders (id);
-- identical pair: the older (lower OID) is kept
CREATE INDEX orders_status_1 ON diag.orders (status);
CREATE INDEX orders_status_2 ON diag.orders (status);
-- left prefix: (customer) is a leading prefix of (customer, created)
CREATE INDEX orders_customer ON diag.orders (customer);
CREATE INDEX orders_customer_created ON diag.orders (customer, created);
-- trap: same column, different predicates: not duplicates
CREATE INDEX orders_created_open ON diag.orders (created) WHERE status = 'open';
CREATE INDEX orders_created_closed ON diag.orders (created) WHERE status = 'closed';
-- the same predicate written differently: identical
CREATE INDEX orders_created_open2 ON diag.orders (created) WHERE status='open';
-- expression indexes written differently: identical
CREATE INDEX orders_lower_note ON diag.orders (lower(note));
CREATE INDEX orders_lower_note2 ON diag.orders ( lower( note ) );
-- traps: another operator class, a DESC order, another access method, an
-- INCLUDE column: none of them duplicates the plain (note) index
CREATE INDEX orders_note ON diag.orders (note);
CREATE INDEX orders_note_pattern ON diag.orders (note text_pattern_ops);
CREATE INDEX orders_note_desc ON diag.orders (note DESC);
CREATE INDEX orders_note_hash ON diag.orders USING hash (note);
CREATE INDEX orders_note_incl ON diag.orders (note) INCLUDE (status);
-- trap: a unique narrow index is never dropped for a wider non-unique one
CREATE TABLE diag.codes (a int, b int);
CREATE UNIQUE INDEX codes_a_uq ON diag.codes (a);
CREATE INDEX codes_a_b ON diag.codes (a, b);
-- identical but for uniqueness: the unique one is kept, OID or not
CREATE INDEX codes_b ON diag.codes (b);
CREATE UNIQUE INDEX codes_b_uq ON diag.codes (b);

-- lines: a foreign key supported by a composite index whose leading column
-- is the key (not missing; as an unused index, not safe to drop), and a
-- two-column foreign key supported by an index in the other column order
CREATE TABLE diag.lines (
	order_id int REFERENCES diag.orders,
	line int,
	product int,
	qty int,
	parent_id int,
	parent_code text,
	FOREIGN KEY (parent_code) REFERENCES diag.parent (code));
CREATE INDEX lines_order_line ON diag.lines (order_id, line);
CREATE INDEX lines_product ON diag.lines (product);
INSERT INTO diag.lines SELECT 1 + g % 1000, g, g % 10, 1, 1 + g % 100, 'c' || (1 + g % 100)
FROM generate_series(1, 2000) g;
CREATE TABLE diag.pair (x int, y int, PRIMARY KEY (x, y));
CREATE TABLE diag.pair_ref (id int, x int, y int,
	CONSTRAINT pair_ref_fk FOREIGN KEY (x, y) REFERENCES diag.pair);
CREATE INDEX pair_ref_yx ON diag.pair_ref (y, x);
-- a foreign key whose only index is partial: unindexed
CREATE TABLE diag.partial_ref (id int, parent_id int REFERENCES diag.parent);
CREATE INDEX partial_ref_parent ON diag.partial_ref (parent_id) WHERE parent_id > 10;

-- a partitioned table: the partition's index is attached to the partitioned
-- one, and cannot be dropped alone
CREATE TABLE diag.events (at date, kind int) PARTITION BY RANGE (at);
CREATE TABLE diag.events_2024 PARTITION OF diag.events
	FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE INDEX events_kind ON diag.events (kind);

-- hot: 20,000 rows read by sequential scans only
CREATE TABLE diag.hot (id int, v int);
INSERT INTO diag.hot SELECT g, g % 1000 FROM generate_series(1, 20000) g;

-- an invalid index: CREATE UNIQUE INDEX CONCURRENTLY on duplicated values
-- fails and leaves it behind
CREATE TABLE diag.dupvals (v int);
INSERT INTO diag.dupvals VALUES (1), (1), (2);
CREATE UNIQUE INDEX CONCURRENTLY dupvals_v_uq ON diag.dupvals (v);

--
-- _relation_file_birth: the birth of the file, or NULL when the filesystem
-- does not say; NULL for a relation without storage or that does not exist
--
SELECT b IS NULL OR b BETWEEN :'t0' AND clock_timestamp() AS birth_plausible
FROM capacity._relation_file_birth('diag.orders_status_1') AS b;
SELECT capacity._relation_file_birth('diag.events') AS partitioned_table,
	   capacity._relation_file_birth('pg_stat_activity') AS view,
	   capacity._relation_file_birth(0) AS no_relation;

--
-- unused_indexes before any reset of the statistics: they began at the
-- first start of this instance, before every index here, so every index is
-- younger than the statistics: none is listed, and a NOTICE counts them
--
SELECT count(*) AS listed FROM capacity.unused_indexes();

-- reset the statistics, a second after the last index was created (the
-- margin for the filesystem's coarse clock), then create one more index
SELECT pg_sleep(1.2);
SELECT pg_stat_reset();
CREATE INDEX orders_young ON diag.orders (created, customer);

-- use lines_product; hammer hot with sequential scans
ANALYZE diag.hot;
SET enable_seqscan = off;
SELECT count(*) FROM diag.lines WHERE product = 3;
RESET enable_seqscan;
SELECT count(*) FROM diag.hot WHERE v = 7;
SELECT count(*) FROM diag.hot WHERE v = 7;
SELECT count(*) FROM diag.hot WHERE v = 7;
SELECT count(*) FROM diag.hot WHERE v = 7;
SELECT count(*) FROM diag.hot WHERE v = 7;
SELECT pg_stat_force_next_flush();

--
-- unused_indexes: never scanned since the reset and older than it.  Not
-- listed: primary keys, unique indexes (parent_code_uq, codes_a_uq), the
-- scanned lines_product, the young orders_young (the NOTICE), the invalid
-- dupvals_v_uq.  Listed but not safe: the only index of a foreign key
-- (lines_order_line, pair_ref_yx) and the partition's attached index.
--
SELECT schema_name, table_name, index_name, idx_scan, safe_to_drop,
	   index_created IS NOT NULL AS age_known,
	   stats_since IS NOT NULL AS stats_reset_known
FROM capacity.unused_indexes()
ORDER BY table_name, index_name;

SELECT DISTINCT safe_to_drop, reason
FROM capacity.unused_indexes()
ORDER BY safe_to_drop, reason;

SELECT DISTINCT note FROM capacity.unused_indexes();
SELECT drop_statement FROM capacity.unused_indexes() WHERE index_name = 'orders_customer';

-- min_size: every index here is far smaller than 1 GB
SELECT count(*) AS over_1gb FROM capacity.unused_indexes(1073741824);
SELECT count(*) > 0 AS some_over_0 FROM capacity.unused_indexes(0);
SELECT * FROM capacity.unused_indexes(-1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.unused_indexes(NULL);
\echo :LAST_ERROR_SQLSTATE

--
-- duplicate_indexes
--
SELECT table_name, kind, drop_index, keep_index, reason
FROM capacity.duplicate_indexes()
ORDER BY table_name, drop_index;

-- the partial indexes with different predicates are not duplicates
SELECT count(*) AS partial_trap
FROM capacity.duplicate_indexes()
WHERE drop_index IN ('orders_created_open', 'orders_created_closed')
   OR keep_index IN ('orders_created_closed');

SELECT drop_definition, keep_definition, drop_statement,
	   drop_size_bytes > 0 AS drop_sized, keep_size_bytes > 0 AS keep_sized,
	   drop_idx_scan
FROM capacity.duplicate_indexes()
WHERE drop_index = 'orders_customer';

--
-- invalid_indexes
--
SELECT schema_name, table_name, index_name, size_bytes IS NOT NULL AS sized,
	   in_progress, reason, recreate_statements, reindex_statement
FROM capacity.invalid_indexes();

-- the suggested fix works once the duplicate is gone
DELETE FROM diag.dupvals WHERE ctid = (SELECT min(ctid) FROM diag.dupvals WHERE v = 1);
REINDEX INDEX CONCURRENTLY diag.dupvals_v_uq;
SELECT count(*) AS invalid_left FROM capacity.invalid_indexes();

--
-- missing_indexes: hot (5 sequential scans x 20,000 rows, no index) with
-- thresholds below that; the foreign keys without a supporting index
-- (orders.parent_id, partial_ref.parent_id whose index is partial; not
-- lines.order_id nor pair_ref (x, y), which have one)
--
SELECT kind, schema_name, table_name, columns, constraint_name, referenced_table,
	   suggestion
FROM capacity.missing_indexes(min_seq_tup_read => 50000, min_seq_share => 0.5, min_rows => 10000);

SELECT DISTINCT kind, reason
FROM capacity.missing_indexes(50000, 0.5, 10000)
WHERE table_name IN ('hot', 'orders')
ORDER BY kind;

-- the defaults (1,000,000 rows read) leave hot out
SELECT kind, table_name FROM capacity.missing_indexes() ORDER BY 1, 2;
-- the evidence (stable for hot only: the reset zeroed the others' n_live_tup)
SELECT seq_scan, seq_tup_read, idx_scan, n_live_tup, seq_share,
	   size_bytes > 0 AS sized
FROM capacity.missing_indexes(50000, 0.5, 10000)
WHERE table_name = 'hot';
-- and the thresholds apply
SELECT count(*) AS hot_at_share_1 FROM capacity.missing_indexes(0, 1, 0) WHERE table_name = 'hot';
SELECT count(*) AS hot_over_rows FROM capacity.missing_indexes(0, 0, 20001) WHERE table_name = 'hot';

SELECT * FROM capacity.missing_indexes(-1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.missing_indexes(0, 1.5);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.missing_indexes(0, 0.5, -1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.missing_indexes(NULL);
\echo :LAST_ERROR_SQLSTATE

--
-- top_queries: first without pg_stat_statements in this database
--
\set VERBOSITY default
SELECT * FROM capacity.top_queries();
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY terse
-- the arguments are checked before pg_stat_statements is looked for
SELECT * FROM capacity.top_queries(0);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM capacity.top_queries(NULL);
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT * FROM capacity.top_queries(10, 'total_exec_time');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY terse
SELECT * FROM capacity.top_queries(10, NULL);
\echo :LAST_ERROR_SQLSTATE

-- installed in a schema of its own (found through pg_extension)
CREATE SCHEMA pgss;
CREATE EXTENSION pg_stat_statements SCHEMA pgss;
SELECT pgss.pg_stat_statements_reset() IS NOT NULL AS reset;
SELECT count(*) FROM diag.parent WHERE code = 'c42';
SELECT count(*) FROM diag.parent WHERE code = 'c43';
SELECT count(*) FROM diag.parent WHERE code = 'c44';
SELECT count(*) FROM diag.parent WHERE code = 'c45';
SELECT count(*) FROM diag.parent WHERE code = 'c46';
SELECT count(*) FROM diag.hot WHERE v > 990;

SELECT query, calls, rows, database, username = current_user AS me,
	   total_exec_time >= 0 AND mean_exec_time >= 0 AND max_exec_time >= 0
	   AND total_plan_time >= 0 AS times_ok,
	   hit_ratio IS NULL OR hit_ratio BETWEEN 0 AND 1 AS hit_ratio_ok
FROM capacity.top_queries(100, 'calls')
WHERE query LIKE 'SELECT count(*) FROM diag.%';

-- every order_by, each sorted by its own column, ranks 1..n
SELECT o AS order_by,
	   count(*) <= 3 AS at_most_n,
	   bool_and(rank BETWEEN 1 AND 3) AS ranks_ok
FROM unnest(ARRAY['total_time', 'mean_time', 'calls', 'rows', 'io']) AS o,
	 capacity.top_queries(3, o)
GROUP BY o
ORDER BY o;
SELECT bool_and(calls >= next_calls) AS sorted_by_calls
FROM (SELECT calls, lead(calls, 1, 0::int8) OVER (ORDER BY rank) AS next_calls
	  FROM capacity.top_queries(50, 'calls')) s;
SELECT bool_and(rows >= next_rows) AS sorted_by_rows
FROM (SELECT rows, lead(rows, 1, 0::int8) OVER (ORDER BY rank) AS next_rows
	  FROM capacity.top_queries(50, 'rows')) s;
SELECT bool_and(total_exec_time >= next_t) AS sorted_by_total_time
FROM (SELECT total_exec_time, lead(total_exec_time, 1, 0::float8) OVER (ORDER BY rank) AS next_t
	  FROM capacity.top_queries(50)) s;
SELECT bool_and(mean_exec_time >= next_t) AS sorted_by_mean_time
FROM (SELECT mean_exec_time, lead(mean_exec_time, 1, 0::float8) OVER (ORDER BY rank) AS next_t
	  FROM capacity.top_queries(50, 'mean_time')) s;
SELECT bool_and(shared_blks_read >= next_r) AS sorted_by_io
FROM (SELECT shared_blks_read, lead(shared_blks_read, 1, 0::int8) OVER (ORDER BY rank) AS next_r
	  FROM capacity.top_queries(50, 'io')) s;
SELECT * FROM capacity.top_queries(1, 'bogus');
\echo :LAST_ERROR_SQLSTATE

-- search_path does not matter (the functions pin theirs)
SET search_path = diag, pgss;
SELECT count(*) > 0 AS runs_with_odd_search_path FROM capacity.top_queries(5);
SELECT count(*) > 0 AS unused_with_odd_search_path FROM capacity.unused_indexes();
RESET search_path;

--
-- privileges: nothing without pg_monitor (not even with USAGE on the
-- schema); everything with it
--
CREATE ROLE regress_diag_nobody LOGIN;
CREATE ROLE regress_diag_monitor LOGIN IN ROLE pg_monitor;
-- pg_stat_statements lives in schema pgss here: its users need USAGE on it
GRANT USAGE ON SCHEMA pgss TO regress_diag_monitor;
SET ROLE regress_diag_nobody;
SELECT count(*) FROM capacity.unused_indexes();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.duplicate_indexes();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.invalid_indexes();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.missing_indexes();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.top_queries();
\echo :LAST_ERROR_SQLSTATE
SELECT capacity._relation_file_birth(0);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT USAGE ON SCHEMA capacity TO regress_diag_nobody;
SET ROLE regress_diag_nobody;
SELECT count(*) FROM capacity.unused_indexes();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.duplicate_indexes();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.invalid_indexes();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.missing_indexes();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM capacity.top_queries();
\echo :LAST_ERROR_SQLSTATE
SELECT capacity._relation_file_birth(0);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
REVOKE USAGE ON SCHEMA capacity FROM regress_diag_nobody;

SET ROLE regress_diag_monitor;
SELECT count(*) AS unused FROM capacity.unused_indexes();
SELECT count(*) AS duplicates FROM capacity.duplicate_indexes();
SELECT count(*) AS invalid FROM capacity.invalid_indexes();
SELECT count(*) AS missing FROM capacity.missing_indexes(50000, 0.5, 10000);
SELECT count(*) > 0 AS top_queries FROM capacity.top_queries();
RESET ROLE;

REVOKE USAGE ON SCHEMA pgss FROM regress_diag_monitor;
DROP ROLE regress_diag_nobody;
DROP ROLE regress_diag_monitor;
\c contrib_regression
DROP DATABASE regress_diag;
