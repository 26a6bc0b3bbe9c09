UPDATE t SET n = n + 1 WHERE code = CONCAT('c', 1 + ? % 400)
UPDATE t SET tags = 'x,y,z' WHERE code = CONCAT('c', 3 + (? * 11) % 397)
INSERT INTO t (tags, code, n) VALUES ('z', CONCAT('new ', ?), 1)
DELETE FROM t WHERE code = CONCAT('c', 2 + (? * 7) % 398)
