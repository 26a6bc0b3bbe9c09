INSERT INTO t (code, n) VALUES (CONCAT('new-', ?), ?)
UPDATE t SET n = ? WHERE code = CONCAT('Code-', ? % 400)
DELETE FROM t WHERE code = CONCAT('Code-', (? * 7) % 400)
