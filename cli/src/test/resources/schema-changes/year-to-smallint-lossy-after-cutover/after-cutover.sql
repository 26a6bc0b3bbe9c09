-- 24 in the new SMALLINT; MySQL writes it into the old YEAR as 2024, without an error even in strict mode.
INSERT INTO t (id, y, n) VALUES (100000, 24, -1);
