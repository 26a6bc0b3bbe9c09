INSERT INTO t (id, v, w, n) VALUES (1000 + ?, ?, DATE_ADD('2030-01-01', INTERVAL ? DAY), ?)
UPDATE t SET v = v + 1, w = DATE_ADD(w, INTERVAL 1 DAY), n = ? WHERE id = 1 + ? % 400
DELETE FROM t WHERE id = 2 + (? * 7) % 400
