INSERT INTO t (id, body, n) VALUES (1000 + ?, CONCAT('fresh words ', ?), ?)
UPDATE t SET body = CONCAT('changed ', ?), n = n + 1 WHERE id = 1 + ? % 400
DELETE FROM t WHERE id = 2 + (? * 7) % 398
