INSERT INTO t (id, note) VALUES (10000 + ?, 'new')
UPDATE t SET note = CONCAT('u', ?) WHERE id = 1 + ? % 600
DELETE FROM t WHERE id = 2 + (? * 7) % 600
