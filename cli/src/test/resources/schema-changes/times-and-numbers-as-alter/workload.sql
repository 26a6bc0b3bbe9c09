INSERT INTO t (id, d, n, hms) VALUES (1000 + ?, 20300101 + ? % 28, ? % 100, 100000 + ? % 60)
UPDATE t SET d = 20300101 + ? % 28, n = ? % 50, hms = 230000 + ? % 60 WHERE id = 1 + ? % 400
DELETE FROM t WHERE id = 2 + (? * 7) % 400
