ADD COLUMN extra VARCHAR(32) NULL, ADD INDEX extra_k (extra, k DESC)
