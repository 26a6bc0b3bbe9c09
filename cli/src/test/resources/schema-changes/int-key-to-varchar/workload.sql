UPDATE t SET n = n + 1 WHERE id = ? % 400 - 200
INSERT INTO t (id, n) VALUES (1000 + ?, 1)
DELETE FROM t WHERE id = (? * 7) % 398 - 198
