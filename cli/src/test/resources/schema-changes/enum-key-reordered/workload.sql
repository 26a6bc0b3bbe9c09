UPDATE t SET n = n + 1 WHERE id = 1 + ? % 400
UPDATE t SET kind = 'c' WHERE kind = 'a' AND id = 3 * (? % 133)
INSERT INTO t (kind, id, n) VALUES (ELT(? % 3 + 1, 'a', 'b', 'c'), 1000 + ?, 1)
DELETE FROM t WHERE id = 2 + (? * 7) % 398
