INSERT INTO t (id, d, tm, at, n) VALUES (1000 + ?, ? * 0.0001, SEC_TO_TIME(? * 0.000001), TIMESTAMPADD(MICROSECOND, ?, '2030-01-01'), ?)
UPDATE t SET d = d + 0.0001, tm = ADDTIME(tm, '00:00:00.000001'), n = ? WHERE id = 1 + ? % 400
DELETE FROM t WHERE id = 2 + (? * 7) % 400
