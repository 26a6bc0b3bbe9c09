INSERT INTO t (id, n, s) VALUES (1000 + ?, ?, CONCAT('new', ?)) ON DUPLICATE KEY UPDATE n = n + 1
UPDATE t SET n = n + 1 WHERE id = 1 + ? % 400
