INSERT INTO t (id, s) VALUES (1000 + ?, 'ascii')
UPDATE t SET s = CONCAT('v', ?) WHERE id = 1 + ? % 400
