INSERT INTO t (id, created, note) VALUES (10000 + ?, DATE '2024-01-01' + INTERVAL (? % 1000) DAY, 'new')
UPDATE t SET created = created + INTERVAL 200 DAY, note = CONCAT('moved ', ?) WHERE id = 1 + ? % 900
DELETE FROM t WHERE id = 2 + (? * 7) % 900
