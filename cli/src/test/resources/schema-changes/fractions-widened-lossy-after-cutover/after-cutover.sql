-- A DATETIME(3) value the old DATETIME rounds to the second, without an error even in strict mode.
INSERT INTO t (a, tm, at, d, n) VALUES (9, '01:02:03.5', '2031-01-01 00:00:00.123', 12.25, -1);
