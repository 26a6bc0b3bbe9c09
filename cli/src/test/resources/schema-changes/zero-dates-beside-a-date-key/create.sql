SET SESSION sql_mode = '';
-- 1970-01-01 in the key, as the capture gives a zero date: changes of those rows are looked into and go on.
CREATE TABLE t (d DATE NOT NULL, id INT NOT NULL, at DATETIME NOT NULL, born DATE NULL, PRIMARY KEY (d, id));
INSERT INTO t WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 400) SELECT IF(i % 5 = 0, '1970-01-01', '2021-03-04'), i, IF(i % 3 = 0, '0000-00-00 00:00:00', '2022-05-06 07:08:09'), IF(i % 4 = 0, '0000-00-00', IF(i % 4 = 1, '2020-00-00', '2021-03-04')) FROM seq;
