REPLACE INTO t (id, n, v) VALUES (1000 + ?, ? % 200, ?)
UPDATE t SET id = id + 100000, v = ? WHERE n = (? * 7) % 200
