-- Rows whose changes the changelog cannot take even without their values over 3,072 bytes: 180 TEXT columns of
-- 3,000 bytes each (an UPDATE's two images take about 1.08 MB). No primary key: the key both tables share is the
-- unique `code`, whose values the capture keeps when it leaves the others out.
SET SESSION group_concat_max_len = 1000000;
SET @columns = (SELECT GROUP_CONCAT(CONCAT('c', i, ' TEXT NULL') ORDER BY i) FROM (WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 180) SELECT i FROM seq) s);
SET @ddl = CONCAT('CREATE TABLE t (code VARCHAR(20) NOT NULL, note VARCHAR(20) NULL, ', @columns, ', UNIQUE KEY by_code (code))');
PREPARE create_t FROM @ddl;
EXECUTE create_t;
DEALLOCATE PREPARE create_t;
INSERT INTO t (code, note) WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 100) SELECT CONCAT('k', i), CONCAT('n', i) FROM seq;
SET @fill = (SELECT GROUP_CONCAT(CONCAT('c', i, ' = REPEAT(CHAR(97 + ', i % 26, '), 3000)') ORDER BY i) FROM (WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 180) SELECT i FROM seq) s);
SET @dml = CONCAT('UPDATE t SET ', @fill, ' WHERE code IN (''k1'', ''k2'', ''k3'')');
PREPARE fill_t FROM @dml;
EXECUTE fill_t;
DEALLOCATE PREPARE fill_t;
