UPDATE t SET e = 'd' WHERE id = 5;
