REPLACE INTO t (f, n, v) VALUES (1000 + ? / 3, ? % 200, ?)
