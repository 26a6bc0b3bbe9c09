INSERT INTO t (id, pos, n) VALUES (1000 + ?, ST_GeomFromText(CONCAT('POINT(', ?, ' 1.5)')), ?)
UPDATE t SET pos = ST_GeomFromText(CONCAT('POINT(-', ?, ' 2.25)')), n = n + 1 WHERE id = 1 + ? % 400
DELETE FROM t WHERE id = 2 + (? * 7) % 398
