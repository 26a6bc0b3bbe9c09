ADD COLUMN `new col` INT NULL, RENAME COLUMN `with space` TO `with "quote'`, ADD INDEX `i x` (`ünï`)
