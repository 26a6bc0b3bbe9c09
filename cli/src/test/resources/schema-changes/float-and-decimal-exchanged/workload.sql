INSERT INTO t (id, f, d, n) VALUES (100000 + ?, (? % 100000) / 100, (? % 100000) / 100, ?)
UPDATE t SET f = (? % 1000) / 10, d = (? % 1000) / 100 WHERE id = 1 + ? % 400
UPDATE t SET n = n + 1 WHERE id = 1 + (? * 3) % 400
DELETE FROM t WHERE id = 2 + (? * 7) % 400
