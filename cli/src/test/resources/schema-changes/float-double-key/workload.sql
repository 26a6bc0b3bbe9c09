INSERT INTO t (f, d, n) VALUES (1000 + ? / 3, ? / 7, ?)
UPDATE t SET n = ? WHERE f = ((? % 400) - 200) / 4 AND d = ((? % 400) - 200) * 0.1 + 1e-9
DELETE FROM t WHERE f = (((? * 7) % 400) - 200) / 4 AND d = (((? * 7) % 400) - 200) * 0.1 + 1e-9
UPDATE t SET n = n + ? WHERE d IN (1.7976931348623157e308, -2.2250738585072014e-308, 0.1)
