INSERT INTO t (id, f, n) VALUES (100000 + ?, ? / 4, ?)
UPDATE t SET f = ? / 8, n = ? WHERE id = 1 + ? % 400
UPDATE t SET n = n + 1 WHERE id = 1 + (? * 3) % 400
DELETE FROM t WHERE id = 2 + (? * 7) % 400
