INSERT INTO t (id, n, s) VALUES (1000 + ?, ?, 'w') ON DUPLICATE KEY UPDATE n = n + 1
UPDATE t SET n = n + 1, s = CONCAT('u', ?) WHERE id = 1 + ? % 400
DELETE FROM t WHERE id = 2 + (? * 7) % 400
