-- A DECIMAL changed into JSON, and BIT(64)s into a DOUBLE and into a DATE, as MySQL's own ALTER writes them. JSON reads
-- a number's text with a parser of its own (12345678901234.123456 is 12345678901234.125 there, where arithmetic gives
-- .123); arithmetic reads a BIT(64) with all bits set as -1, where the DOUBLE holds 1.8446744073709552e19; the ALTER
-- reads a BIT's 10000000000 as the date 2001-00-00, where its text reads as 2010-00-00. The freeze-point checksums
-- hash each table its own way, and must match. Rows 401 and 402 are beyond the workload's reach.
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, price DECIMAL(20,6) NULL, flags BIT(64) NULL, day BIT(64) NULL);
INSERT INTO t (id, price, flags, day) WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 400) SELECT i, IF(i % 50 = 0, NULL, 12345678901234.123456 + i), i * 1000003, 20300101 + i % 28 FROM seq;
INSERT INTO t (id, price, flags, day) VALUES (401, 0.1, 0xFFFFFFFFFFFFFFFF, 10000000000), (402, -1.25, 0x8000000000000000, 20301231);
