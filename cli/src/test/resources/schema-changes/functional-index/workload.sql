INSERT INTO t (id, n, s) VALUES (1000 + ?, ?, CONCAT('New', ?))
UPDATE t SET n = n + 1, s = CONCAT('Up', ?) WHERE id = 1 + ? % 400
DELETE FROM t WHERE id = 2 + (? * 7) % 398
