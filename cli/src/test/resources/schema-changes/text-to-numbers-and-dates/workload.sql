INSERT INTO t (id, a, b, c) VALUES (1000 + ?, CONCAT(?, '.5'), CONCAT(?), '2031-02-03') ON DUPLICATE KEY UPDATE b = b + 1
UPDATE t SET a = CONCAT(? % 1000, '.25') WHERE id = 1 + ? % 400
DELETE FROM t WHERE id = 2 + (? * 7) % 400
