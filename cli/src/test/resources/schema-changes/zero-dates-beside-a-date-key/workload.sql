UPDATE t SET at = NOW() WHERE d = '2021-03-04' AND id = 1 + ? % 400
INSERT INTO t (d, id, at) VALUES ('2023-01-02', ?, NOW())
DELETE FROM t WHERE d = '2021-03-04' AND id = 2 + (? * 7) % 398
UPDATE t SET at = NOW() WHERE d = '1970-01-01' AND id = 5 * (1 + ? % 80)
DELETE FROM t WHERE d = '1970-01-01' AND id = 5 * (1 + (? * 7) % 80)
