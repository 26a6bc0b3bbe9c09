-- Only the new TEXT holds it: MySQL refuses it in the old JSON column with an error of its own (3140).
UPDATE t SET doc = 'not json' WHERE id = 3;
