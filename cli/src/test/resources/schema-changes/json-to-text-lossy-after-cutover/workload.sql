INSERT INTO t (id, doc, n) VALUES (1000 + ?, JSON_ARRAY(?), 1) ON DUPLICATE KEY UPDATE n = n + 1
UPDATE t SET n = ?, doc = JSON_OBJECT('u', ?) WHERE id = 1 + ? % 400
DELETE FROM t WHERE id = 2 + (? * 7) % 400
