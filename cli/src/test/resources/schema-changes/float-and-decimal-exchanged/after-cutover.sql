-- Values with two decimals: the FLOATs nearest them are not equal to them as DECIMALs, yet each gives the other back.
UPDATE t SET f = 0.1, d = 0.1 WHERE id <= 50;
INSERT INTO t (id, f, d, n) VALUES (2000000, 2.67, 2.67, -1), (2000001, 999.99, 12345.67, -1);
