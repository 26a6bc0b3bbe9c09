INSERT INTO t (id, y, n) VALUES (1000 + ?, 1901 + ? % 255, ?)
UPDATE t SET y = 1901 + (y + 1) % 255, n = ? WHERE id = 1 + ? % 400
DELETE FROM t WHERE id = 2 + (? * 7) % 400
