INSERT INTO t (uuid, n) VALUES (UNHEX(MD5(1000 + ?)), ?)
UPDATE t SET n = n + 1 WHERE uuid = UNHEX(MD5(1 + ? % 400))
DELETE FROM t WHERE uuid = UNHEX(MD5(2 + (? * 7) % 400))
