-- no INSERT: before the cut-over legacy is required, after it legacy does not exist
UPDATE t SET n = n + ? WHERE id = 1 + (? * 13) % 2000
DELETE FROM t WHERE id = 1 + (? * 7) % 2000
