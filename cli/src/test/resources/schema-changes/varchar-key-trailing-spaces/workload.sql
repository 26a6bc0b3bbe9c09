INSERT INTO t (code, n) VALUES (CONCAT('new', ?, '  '), 1)
UPDATE t SET n = n + 1 WHERE code = CONCAT('c', ? % 200, ' ')
UPDATE t SET n = n - 1 WHERE code = CONCAT('c', ? % 200)
DELETE FROM t WHERE code = CONCAT('c', (? * 7) % 200, IF(? % 2 = 0, ' ', ''))
