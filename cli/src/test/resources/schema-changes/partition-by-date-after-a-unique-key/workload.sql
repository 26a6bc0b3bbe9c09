INSERT INTO t (id, created, note) VALUES (10000 + ?, DATE '2024-01-01' + INTERVAL (? % 900) DAY, 'new')
UPDATE t SET note = CONCAT('u', ?) WHERE id = 1 + ? % 600
UPDATE t SET created = created + INTERVAL 300 DAY WHERE id = 1 + (? * 11) % 600
DELETE FROM t WHERE id = 2 + (? * 7) % 600
