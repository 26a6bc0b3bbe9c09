INSERT INTO t (id, st) VALUES (1000 + ?, 'x,y')
UPDATE t SET st = 'y' WHERE id = 1 + ? % 400
