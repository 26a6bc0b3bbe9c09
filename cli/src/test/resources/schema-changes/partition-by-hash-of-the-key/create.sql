-- A table partitioned online by its key: the shadow table takes the partitioning, and a revert serves the table as
-- it was.
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, note VARCHAR(20) NULL, n INT NULL);
INSERT INTO t (id, note, n) WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 600) SELECT i, CONCAT('n', i), i * 3 FROM seq;
