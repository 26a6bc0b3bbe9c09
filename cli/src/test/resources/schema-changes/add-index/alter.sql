ADD INDEX by_n (n)
