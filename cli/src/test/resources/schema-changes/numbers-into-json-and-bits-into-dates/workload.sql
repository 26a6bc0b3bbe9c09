INSERT INTO t (id, price, flags, day) VALUES (1000 + ?, CONCAT(? % 100000, '.25'), ? * 7, 20300101 + ? % 28)
UPDATE t SET price = CONCAT(? % 1000, '.5'), flags = ? * 3 WHERE id = 1 + ? % 400
DELETE FROM t WHERE id = 2 + (? * 7) % 400
