INSERT INTO t (id, n) VALUES (1000 + ?, ?)
UPDATE t SET n = n + 1 WHERE id = 1 + ? % 400
