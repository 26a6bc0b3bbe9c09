-- Every kind of secondary index beside a change that rebuilds the table: the plain ones after the last non-plain
-- one are built after the copy (copy.defer.indexes), the others are in the shadow table from the start; the new
-- table must come out with exactly the definition CREATE TABLE LIKE plus the ALTER gives, in the same index order.
CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT, k INT NOT NULL DEFAULT 0, c VARCHAR(120) NOT NULL DEFAULT '',
  pad CHAR(60) NOT NULL DEFAULT '', body TEXT NULL,
  PRIMARY KEY (id), KEY `k 1` (k), KEY k_invisible (k, id) INVISIBLE, KEY c_prefix_desc (c(10) DESC, k),
  KEY with_comment (pad) COMMENT 'kept in the shadow', UNIQUE KEY u_c_pad (c, pad),
  KEY expr ((k + 1)), FULLTEXT KEY ft_body (body), KEY pad_k (pad(20), k DESC), KEY k_c (k, c));
INSERT INTO t (k, c, pad, body) WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 600) SELECT i % 37, CONCAT('c-', i), CONCAT('pad-', i % 11), IF(i % 5 = 0, NULL, CONCAT('body of row ', i)) FROM seq;
