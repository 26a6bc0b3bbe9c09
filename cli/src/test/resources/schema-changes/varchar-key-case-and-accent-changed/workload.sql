UPDATE t SET code = UPPER(code) WHERE code = CONCAT('code-', ? % 400)
UPDATE t SET code = REPLACE(LOWER(code), 'e', 'é') WHERE code = CONCAT('code-', (? * 7) % 400)
UPDATE t SET code = CONCAT(code, ' ') WHERE code = CONCAT('code-', (? * 11) % 400)
UPDATE t SET n = n + 100000 WHERE code = CONCAT('code-', (? * 13) % 400)
