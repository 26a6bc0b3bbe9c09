ADD UNIQUE KEY by_s (s)
