-- Text that MySQL's ALTER reads as numbers and dates: '1.5' becomes 1.50, '2030-1-7' becomes 2030-01-07. The
-- checksums must compare the old text as the new type, or every such row shows as a difference.
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a VARCHAR(20) NULL, b VARCHAR(20) CHARACTER SET latin1 NULL, c TEXT NULL);
INSERT INTO t (id, a, b, c) WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 400) SELECT i, CONCAT(i, '.', i % 10), CONCAT(i * 3), CONCAT('2030-', 1 + i % 12, '-', 1 + i % 28) FROM seq;
