INSERT INTO t (k, tag, n) VALUES (CAST(CONCAT('new', ?) AS BINARY), UNHEX(CONCAT(LPAD(HEX(1000 + ?), 6, '0'), '0000')), 1)
UPDATE t SET n = n + 1 WHERE k = CAST(CONCAT('k', 1 + ? % 400) AS BINARY)
UPDATE t SET n = n + 1 WHERE tag = UNHEX(CONCAT(LPAD(HEX(2 + 2 * (? % 199)), 4, '0'), '00'))
DELETE FROM t WHERE k = CAST(CONCAT('k', 3 + (? * 7) % 397) AS BINARY)
