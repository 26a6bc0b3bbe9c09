-- Rows from before the cut-over keep their values of the dropped columns, rows inserted since get their defaults.
SELECT id FROM t WHERE id <= 2000 AND (created <> '2001-02-03 04:05:06' OR seen <> '2001-02-03 04:05:06.123456' OR token <> CONCAT('tok-', id));
SELECT id FROM t WHERE id > 2000 AND (created < NOW() - INTERVAL 1 HOUR OR seen IS NULL OR seen < NOW() - INTERVAL 1 HOUR OR token NOT LIKE '%-%-%-%-%' OR token LIKE 'tok-%');
