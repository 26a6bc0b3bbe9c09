INSERT INTO t (b, flag, n) VALUES (65535 - ?, ? % 2, ?)
UPDATE t SET n = ? WHERE b = (? % 400) * 163
DELETE FROM t WHERE b = ((? * 7) % 400) * 163
UPDATE t SET n = n + ? WHERE b IN (b'0', b'1111111111111111', b'0000000100000000')
