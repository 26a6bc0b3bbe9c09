INSERT INTO t (code, n) VALUES (CONCAT('new', ?), ?)
UPDATE t SET n = n + 1 WHERE code = CONCAT('c', 1 + ? % 400)
DELETE FROM t WHERE code = CONCAT('c', 2 + (? * 7) % 398)
