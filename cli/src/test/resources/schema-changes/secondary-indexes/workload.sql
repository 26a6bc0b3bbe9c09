INSERT INTO t (k, c, pad, body) VALUES (? % 37, CONCAT('w-', ?), 'pad-w', 'written during the migration')
UPDATE t SET k = k + 1, c = CONCAT('u-', ?) WHERE id = 1 + ? % 600
DELETE FROM t WHERE id = 2 + (? * 7) % 600
