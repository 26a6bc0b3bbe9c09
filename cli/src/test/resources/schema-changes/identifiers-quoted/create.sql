CREATE TABLE t (`key` INT NOT NULL, `a``b` VARCHAR(20) NULL, `with space` INT NULL, `ünï` VARCHAR(10) NULL, `select` INT NULL, PRIMARY KEY (`key`), UNIQUE KEY `u"n'i` (`select`)) DEFAULT CHARSET=utf8mb4;
INSERT INTO t WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 400) SELECT i, CONCAT('ab', i), i, CONCAT('ü', i), i FROM seq;
