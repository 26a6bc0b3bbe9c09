UPDATE t SET b = REPEAT(CHAR(65 + ? % 26), 1200000) WHERE id = 1 AND ? % 20 = 0
UPDATE t SET note = CONCAT('w', ?) WHERE id = 4 + ? % 190
INSERT INTO t (id, note, b) VALUES (100000 + ?, 'new', IF(? % 50 = 0, REPEAT('L', 1100000), 'short'))
