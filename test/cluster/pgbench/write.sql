-- The playbook's custom-queries.sql, write-heavy half (Load Testing, 1. Benchmarking Tools)
\set id random(1, 100000)
\set delta random(-5000, 5000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :id;
INSERT INTO pgbench_history (aid, tid, bid, delta, mtime) VALUES (:id, 1, 1, :delta, CURRENT_TIMESTAMP);
END;
