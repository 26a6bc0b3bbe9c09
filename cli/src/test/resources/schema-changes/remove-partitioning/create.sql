-- The partitioning removed online: the new table is one partition-less table, and a revert serves the partitions.
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, note VARCHAR(20) NULL) PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (300), PARTITION p1 VALUES LESS THAN MAXVALUE);
INSERT INTO t (id, note) WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 600) SELECT i, CONCAT('n', i) FROM seq;
