-- A DECIMAL the old INT rounds, and a DATETIME the old DATE cuts to its day, without an error even in strict mode.
INSERT INTO t (id, v, w, n) VALUES (100000, 1.25, '2030-01-01 10:00:00', -1);
