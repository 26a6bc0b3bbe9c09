-- From the column itself MySQL's INSERT ... SELECT writes a DATE into a BIGINT as 20300101000000 and refuses a
-- DECIMAL's -1.00 into a BIT(64); MySQL's own ALTER writes 20300101 and the BIT of -1 (all ones), and so must the copy.
-- An INT of hhmmss changed into a TIME (102030 is 10:20:30) is checksummed as the TIME its text becomes.
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, d DATE NULL, n DECIMAL(10,2) NULL, hms INT NULL);
INSERT INTO t (id, d, n, hms) WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 400) SELECT i, DATE '2030-01-01' + INTERVAL i DAY, (i - 200) / 4, (i % 24) * 10000 + (i % 60) * 100 + (i * 7) % 60 FROM seq;
