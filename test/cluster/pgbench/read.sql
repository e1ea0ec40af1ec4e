-- The playbook's custom-queries.sql, read-heavy half (Load Testing, 1. Benchmarking Tools)
\set id random(1, 100000)
SELECT * FROM pgbench_accounts WHERE aid = :id;
