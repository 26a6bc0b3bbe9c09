-- Partitioned by a date, which MySQL wants in every unique key: the primary key widens to (id, created). The two
-- tables must share a unique key, so the table has one on (id, created) already (added by a migration of its own).
-- The new table accepts two rows with one id, which the old one cannot hold: not revertible.
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, created DATE NOT NULL, note VARCHAR(20) NULL, UNIQUE KEY id_created (id, created));
INSERT INTO t (id, created, note) WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 600) SELECT i, DATE '2024-01-01' + INTERVAL i DAY, CONCAT('n', i) FROM seq;
