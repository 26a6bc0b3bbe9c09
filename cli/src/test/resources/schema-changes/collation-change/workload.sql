INSERT INTO t (id, s) VALUES (1000 + ?, 'NAME')
UPDATE t SET s = CONCAT('name ', ?) WHERE id = 1 + ? % 400
