INSERT INTO t (code, n, d) VALUES (CONCAT('new-', ?), 100000 + ?, '2025-01-01 00:00:00' + INTERVAL ? SECOND)
UPDATE t SET n = 200000 + ?, d = '2026-01-01 00:00:00' + INTERVAL ? SECOND WHERE code = CONCAT('Code-', ? % 400)
DELETE FROM t WHERE code = CONCAT('Code-', (? * 7) % 400)
