CREATE TABLE t (id INT NOT NULL PRIMARY KEY, n INT NULL, s VARCHAR(20) NULL);
-- Every n is set but row 150's: the failure must name that row's key.
INSERT INTO t (id, n, s) WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 400) SELECT i, IF(i = 150, NULL, i), CONCAT('v', i) FROM seq;
