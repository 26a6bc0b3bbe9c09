ADD COLUMN extra INT NULL, ADD INDEX by_double ((n * 2))
