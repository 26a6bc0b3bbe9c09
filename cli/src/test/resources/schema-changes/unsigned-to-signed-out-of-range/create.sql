CREATE TABLE t (id INT NOT NULL PRIMARY KEY, n INT UNSIGNED NULL, s SMALLINT UNSIGNED NULL);
-- Every n fits a signed INT but row 237's. MySQL 8.0.15's INSERT ... SELECT copies an unsigned column into a signed
-- one bit for bit (3000000000 would become -1294967296 without an error): the failure must name the row instead.
INSERT INTO t (id, n, s) WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 400) SELECT i, IF(i = 237, 3000000000, i * 1000), i FROM seq;
