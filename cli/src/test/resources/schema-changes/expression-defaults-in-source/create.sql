-- Columns with expression defaults (MySQL 8.0.13+) and CURRENT_TIMESTAMP defaults in the source table: their values
-- must be copied and replicated as values, never evaluated again. Half the rows are seeded with explicit values.
CREATE TABLE t (
  id INT NOT NULL PRIMARY KEY,
  n INT NULL,
  token CHAR(36) NOT NULL DEFAULT (UUID()),
  tags JSON NOT NULL DEFAULT (JSON_ARRAY('new')),
  r DOUBLE NOT NULL DEFAULT (RAND()),
  due DATE NOT NULL DEFAULT (CURRENT_DATE + INTERVAL 1 YEAR),
  created DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
);
SET SESSION cte_max_recursion_depth = 5000;
INSERT INTO t (id, n) WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 1000) SELECT i, i FROM seq;
INSERT INTO t (id, n, token, tags, r, due, created) WITH RECURSIVE seq (i) AS (SELECT 1001 UNION ALL SELECT i + 1 FROM seq WHERE i < 2000) SELECT i, i, CONCAT('seed-', i), JSON_ARRAY('seed', i), i / 4, '2001-02-03', '2001-02-03 04:05:06.000007' FROM seq;
