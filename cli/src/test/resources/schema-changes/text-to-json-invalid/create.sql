CREATE TABLE t (id INT NOT NULL PRIMARY KEY, doc TEXT NULL, n INT NULL);
-- Every doc is JSON but row 237's: MySQL refuses it with its own error (3140), which the failure must name.
INSERT INTO t (id, doc, n) WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 400) SELECT i, IF(i = 237, 'not json', JSON_OBJECT('i', i)), i FROM seq;
