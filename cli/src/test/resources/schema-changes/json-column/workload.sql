INSERT INTO t (id, doc) VALUES (1000 + ?, JSON_OBJECT('w', ?))
UPDATE t SET doc = JSON_SET(doc, '$.i', ?) WHERE id = 1 + ? % 400
