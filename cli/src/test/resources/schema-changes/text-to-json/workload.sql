INSERT INTO t (id, doc) VALUES (1000 + ?, CONCAT('{"w":', ? % 1000, '}'))
UPDATE t SET doc = CONCAT('[', ? % 100, ',{"u":true}]') WHERE id = 1 + ? % 400
DELETE FROM t WHERE id = 2 + (? * 7) % 400
