INSERT INTO t (id, uuid, n) VALUES (1000 + ?, UNHEX(MD5(1000 + ?)), ?)
UPDATE t SET n = n + ? WHERE id = 1 + ? % 400
