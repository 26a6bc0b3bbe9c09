CREATE TABLE t (id INT NOT NULL PRIMARY KEY, n INT NULL, s VARCHAR(20) NULL, title VARCHAR(40) NULL);
-- Every s fits VARCHAR(5) but row 237's: the failure must name that row's key.
INSERT INTO t (id, n, s, title) WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 400) SELECT i, i * 3, IF(i = 237, 'a long value', CONCAT('v', i)), IF(i % 7 = 0, NULL, CONCAT('title ', i)) FROM seq;
