-- Only the unsigned INT holds it; MySQL would write it into the old signed INT as -1294967296, without an error.
UPDATE t SET n = 3000000000 WHERE id = 3;
