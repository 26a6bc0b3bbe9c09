INSERT INTO t (`key`, `a``b`, `ünï`, `select`) VALUES (1000 + ?, 'new', 'ñ', 1000 + ?)
UPDATE t SET `select` = `select` + 100000, `ünï` = 'é', `a``b` = CONCAT('up', ?) WHERE `key` = 1 + ? % 400
DELETE FROM t WHERE `key` = 2 + (? * 7) % 398
