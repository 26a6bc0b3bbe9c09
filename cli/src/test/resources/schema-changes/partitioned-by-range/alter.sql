ADD COLUMN extra INT NULL, ADD INDEX by_note (note)
