-- A DOUBLE the old FLOAT rounds, without an error even in strict mode.
INSERT INTO t (id, f, n) VALUES (2000000, 0.1, -1);
