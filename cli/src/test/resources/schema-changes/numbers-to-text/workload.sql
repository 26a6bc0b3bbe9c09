INSERT INTO t (id, f, y, d) VALUES (1000 + ?, ? % 1000, 1901 + ? % 255, CONCAT(? % 1000, '.25')) ON DUPLICATE KEY UPDATE y = 1901
UPDATE t SET f = ? % 1000, d = CONCAT(? % 1000, '.75') WHERE id = 1 + ? % 400
DELETE FROM t WHERE id = 2 + (? * 7) % 400
