-- Partitioned by a date, which MySQL wants in every unique key, without a unique key the two tables would share: the
-- rejection says how to get there (partition-by-date-after-a-unique-key is the way).
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, created DATE NOT NULL, note VARCHAR(20) NULL);
INSERT INTO t (id, created, note) WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 50) SELECT i, DATE '2024-01-01' + INTERVAL i DAY, CONCAT('n', i) FROM seq;
