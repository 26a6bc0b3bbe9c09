INSERT INTO t (a, tm, at, d, n) VALUES (7, SEC_TO_TIME(? * 0.001 - 700000), TIMESTAMPADD(SECOND, ?, '2030-01-01'), ? * 0.01, ?)
UPDATE t SET n = ?, d = d + 0.01 WHERE a = (? % 400) % 2 AND tm = SEC_TO_TIME(((? % 400) - 200) * 3601.125)
DELETE FROM t WHERE tm = SEC_TO_TIME((((? * 7) % 400) - 200) * 3601.125)
