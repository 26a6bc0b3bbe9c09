-- The second unique index makes inverse replication REPLACE rows and keep the dropped columns from the replaced row;
-- rows it inserts get the dropped columns' defaults: CURRENT_TIMESTAMP and an expression, which DEFAULT() cannot give.
UPDATE t SET n = n + ? WHERE id = 1 + (? * 13) % 2000
INSERT INTO t (id, email, n) VALUES (100000 + ?, CONCAT('w', ?, '@example.com'), ?)
