UPDATE t SET note = CONCAT('w', ?) WHERE code = CONCAT('k', 1 + ? % 3) AND ? % 10 = 0
UPDATE t SET note = CONCAT('w', ?) WHERE code = CONCAT('k', 4 + ? % 97)
INSERT INTO t (code, note) VALUES (CONCAT('new', ?), 'new')
