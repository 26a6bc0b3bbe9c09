-- A table partitioned by range of a date: the shadow table has the same partitions, and every row is copied and kept
-- in step across them (rows move between partitions when the date changes).
CREATE TABLE t (id INT NOT NULL, created DATE NOT NULL, note VARCHAR(20) NULL, PRIMARY KEY (id, created)) PARTITION BY RANGE COLUMNS (created) (PARTITION p2024 VALUES LESS THAN ('2025-01-01'), PARTITION p2025 VALUES LESS THAN ('2026-01-01'), PARTITION pmax VALUES LESS THAN (MAXVALUE));
INSERT INTO t (id, created, note) WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 900) SELECT i, DATE '2024-01-01' + INTERVAL i DAY, CONCAT('n', i) FROM seq;
