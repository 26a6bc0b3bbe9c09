INSERT INTO t (a, b, n) VALUES (? % 20, CONCAT('new', ?), ?)
UPDATE t SET n = n + 1 WHERE a = ? % 20 AND b = CONCAT('k', ? % 400)
DELETE FROM t WHERE a = ? % 20 AND b = CONCAT('k', (? * 3) % 400)
