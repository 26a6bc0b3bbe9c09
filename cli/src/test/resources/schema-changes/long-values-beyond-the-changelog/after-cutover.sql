-- Changes larger than the changelog takes: published without the long values, applied from the table.
UPDATE t SET b = REPEAT('q', 1300000), note = 'after' WHERE id = 2;
INSERT INTO t (id, note, b) VALUES (2000000, 'big', REPEAT('Z', 1500000));
