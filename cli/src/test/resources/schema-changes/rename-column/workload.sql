INSERT INTO t (id, n) VALUES (1000 + ?, ?) ON DUPLICATE KEY UPDATE n = n + 1
UPDATE t SET n = n + 1 WHERE id = 1 + ? % 400
DELETE FROM t WHERE id = 2 + (? * 7) % 400
