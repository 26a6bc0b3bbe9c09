INSERT INTO t (id, e) VALUES (1000 + ?, 'b')
UPDATE t SET e = 'c' WHERE id = 1 + ? % 400
