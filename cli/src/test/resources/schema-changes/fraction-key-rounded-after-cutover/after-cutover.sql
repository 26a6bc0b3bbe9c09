-- A key column's TIME(6) value the old TIME(3) rounds: the old table has the row under another key.
INSERT INTO t (a, tm, at, d, n) VALUES (9, '01:02:03.456789', NULL, 12.25, -1);
