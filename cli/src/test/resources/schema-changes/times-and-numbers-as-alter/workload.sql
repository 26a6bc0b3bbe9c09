INSERT INTO t (id, d, n) VALUES (1000 + ?, 20300101 + ? % 28, ? % 100)
UPDATE t SET d = 20300101 + ? % 28, n = ? % 50 WHERE id = 1 + ? % 400
DELETE FROM t WHERE id = 2 + (? * 7) % 400
