ADD COLUMN extra INT NULL, ADD FULLTEXT KEY ft_body_more (body)
