INSERT INTO t (id, email, n) VALUES (900001, 'new@example.com', 1);
UPDATE t SET email = 'moved@example.com' WHERE id = 5;
UPDATE t SET email = 'u5@example.com' WHERE id = 6;
