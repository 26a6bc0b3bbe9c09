-- From the column itself MySQL's INSERT ... SELECT writes a FLOAT's 0.1 as 0.10000000149011612 and a YEAR's 0000 as 0;
-- MySQL's own ALTER writes 0.1 and 0000, and so must the copy; an INT into a JSON column it refuses, where the ALTER
-- reads its text as JSON. (The workload writes values whose text is the same in both types: after the cut-over, 2.5
-- written as text would read 2.50 in the old DECIMAL.)
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, f FLOAT NULL, y YEAR NULL, d DECIMAL(10,2) NULL, j INT NULL);
INSERT INTO t (id, f, y, d, j) WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 400) SELECT i, i / 10, IF(i = 7, 0, 1901 + i % 255), i / 4, i * 7 FROM seq;
