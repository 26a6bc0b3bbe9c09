INSERT INTO t (id, n) VALUES (100000 + ?, ?)
UPDATE t SET n = n + ? WHERE id = 1 + (? * 13) % 2000
DELETE FROM t WHERE id = 1 + (? * 7) % 2000
UPDATE t SET tags = JSON_ARRAY(?) WHERE id = 100000 + ? - 3
