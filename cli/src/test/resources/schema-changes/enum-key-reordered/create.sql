CREATE TABLE t (kind ENUM('a','b','c') NOT NULL, id INT NOT NULL, n INT NULL, PRIMARY KEY (kind, id));
INSERT INTO t WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 400) SELECT ELT(i % 3 + 1, 'a', 'b', 'c'), i, i FROM seq;
