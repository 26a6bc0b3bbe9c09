INSERT INTO t (code, n) VALUES (CONCAT('new-', ?), 100000 + ?)
UPDATE t SET n = 200000 + ? WHERE code = CONCAT('Code-', ? % 400)
DELETE FROM t WHERE code = CONCAT('Code-', (? * 7) % 400)
