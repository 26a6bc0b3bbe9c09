INSERT INTO t (id, s) VALUES (1000 + ?, 'über')
UPDATE t SET s = CONCAT('ø', ?) WHERE id = 1 + ? % 400
