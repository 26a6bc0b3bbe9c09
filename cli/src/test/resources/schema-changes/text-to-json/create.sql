-- Text changed into JSON: MySQL stores each document normalised ({"k":1} as {"k": 1}), so the freeze-point checksum
-- must read the old text as JSON to match; the workload writes compact text both before and after the cut-over.
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, doc VARCHAR(200) NULL);
INSERT INTO t (id, doc) WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 400) SELECT i, IF(i % 50 = 0, NULL, CONCAT('{"i":', i, ',"tags":["a","b"],"x":', i / 8, '}')) FROM seq;
