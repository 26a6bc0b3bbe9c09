CREATE TABLE t (tags SET('x','y','z') NOT NULL, code CHAR(10) NOT NULL, n INT NULL, PRIMARY KEY (tags, code));
INSERT INTO t WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 400) SELECT ELT(i % 4 + 1, 'x', 'x,y', 'y,z', ''), CONCAT('c', i), i FROM seq;
