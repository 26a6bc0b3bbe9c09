package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.sql.Checksums;
import io.flipside.core.sql.TableName;
import io.flipside.schema.ChecksumVerdict;
import io.flipside.testkit.EmbeddedMySql;
import io.flipside.testkit.EmbeddedStack;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The freeze-point checksum can fail: it is exact, it sees one changed value, and it reads the snapshot. */
class ChecksumIT {
    static EmbeddedMySql mysql;
    static final List<String> COLS = List.of("id", "name", "title");
    static final TableName A = new TableName("ck", "a");
    static final TableName B = new TableName("ck", "b");

    @BeforeAll
    static void tables() throws SQLException {
        mysql = EmbeddedStack.shared().mysql();
        exec("DROP DATABASE IF EXISTS ck", "CREATE DATABASE ck",
                "CREATE TABLE ck.a (id BIGINT PRIMARY KEY, name VARCHAR(64), title VARCHAR(64))",
                "SET SESSION cte_max_recursion_depth = 5000",
                "INSERT INTO ck.a WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 2000)"
                        + " SELECT n, CONCAT('user-', n), IF(n % 7 = 0, NULL, CONCAT('t', n)) FROM s");
    }

    static void exec(String... sql) throws SQLException {
        try (Connection c = mysql.connect(); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    static String checksum(TableName t) throws SQLException {
        try (Connection c = mysql.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(Checksums.query("it", t, COLS))) {
            rs.next();
            return rs.getLong(1) + ":" + rs.getString(2);
        }
    }

    void copyAToB() throws SQLException {
        exec("DROP TABLE IF EXISTS ck.b", "CREATE TABLE ck.b LIKE ck.a", "INSERT INTO ck.b SELECT * FROM ck.a");
    }

    @Test
    void theAggregateIsTheXorOfEveryRowHash() throws SQLException {
        // Computed again here, row by row: catches an aggregate that clamps or drops bits.
        BigInteger hi = BigInteger.ZERO;
        BigInteger lo = BigInteger.ZERO;
        long rows = 0;
        try (Connection c = mysql.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT MD5(CONCAT_WS('#', `id`, `name`, `title`,"
                        + " CONCAT(ISNULL(`id`), ISNULL(`name`), ISNULL(`title`)))) FROM ck.a")) {
            while (rs.next()) {
                String h = rs.getString(1);
                hi = hi.xor(new BigInteger(h.substring(0, 16), 16));
                lo = lo.xor(new BigInteger(h.substring(16), 16));
                rows++;
            }
        }
        String expected = rows + ":" + String.format("%016X%016X", hi, lo);
        assertEquals(expected, checksum(A));
    }

    @Test
    void equalTablesHaveEqualChecksumsAndOneChangedValueChangesIt() throws SQLException {
        copyAToB();
        assertEquals(checksum(A), checksum(B));
        String before = checksum(B);
        for (String change : List.of(
                "UPDATE ck.b SET name = 'user-1000 ' WHERE id = 1000",
                "UPDATE ck.b SET title = '' WHERE id = 7",
                "UPDATE ck.b SET title = NULL WHERE id = 8",
                "UPDATE ck.b SET name = title, title = name WHERE id = 9",
                "DELETE FROM ck.b WHERE id = 10")) {
            copyAToB();
            exec(change);
            assertNotEquals(before, checksum(B), change);
        }
    }

    @Test
    void theVerifierReadsTheSnapshotNotLaterWrites() throws SQLException {
        copyAToB();
        Connection snapshot = mysql.connect();
        try (Statement s = snapshot.createStatement()) {
            s.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
        }
        exec("UPDATE ck.b SET name = 'changed after the freeze' WHERE id = 5");
        ChecksumVerdict v = Verifier.verify("it", snapshot, "CUT_OVER", "u:1", B, COLS, A, COLS);
        assertTrue(v.getMatched(), "the snapshot still sees the equal tables: " + v);
        assertEquals(2000, v.getRows());
        assertTrue(snapshot.isClosed());

        Connection now = mysql.connect();
        try (Statement s = now.createStatement()) {
            s.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
        }
        assertFalse(Verifier.verify("it", now, "CUT_OVER", "u:1", B, COLS, A, COLS).getMatched(),
                "a snapshot after the change sees the difference");
    }

    @Test
    void textChangedIntoACharAnEnumOrASetComparesAsTheValueItBecame() throws SQLException {
        // 'x  ' is 'x' in a CHAR, 'Active ' is 'active' and '2' is 'gone' in the ENUM, 'c,A' is 'a,c', 'b,a,b' 'a,b'
        // and '3' is 'a,b' in the SET: the ALTER's values, not differences. (utf8mb4's default collation does not pad:
        // compared as values, 'x  ' and 'x' differ.) A member with a quote and one with a backslash, as
        // information_schema spells them, are found.
        exec("DROP TABLE IF EXISTS ck.o, ck.n",
                "CREATE TABLE ck.o (id INT PRIMARY KEY, s VARCHAR(20), l VARCHAR(20) CHARACTER SET latin1,"
                        + " e VARCHAR(20), m VARBINARY(20))",
                "INSERT INTO ck.o VALUES (1, 'x  ', 'é ', 'Active ', 'c,A'), (2, 'y', 'é', 'gone', '3'),"
                        + " (3, NULL, '', 'IT''S', ''), (4, '', NULL, '2', NULL), (5, 'z', 'z', 'A\\\\B', 'b,a,b')",
                "CREATE TABLE ck.n (id INT PRIMARY KEY, s CHAR(10), l CHAR(10),"
                        + " e ENUM('active', 'gone', 'it''s', 'a\\\\b'), m SET('a', 'b', 'c') CHARACTER SET latin1)",
                "INSERT INTO ck.n SELECT * FROM ck.o");
        List<String> cols = List.of("id", "s", "l", "e", "m");
        assertTrue(verifyCutOver(cols).getMatched(), "the copy stored what the ALTER stores");
        for (String change : List.of("UPDATE ck.n SET e = 'active' WHERE id = 2",
                "UPDATE ck.n SET s = 'Y' WHERE id = 2", "UPDATE ck.n SET l = 'e' WHERE id = 2",
                "UPDATE ck.n SET s = '' WHERE id = 3", "UPDATE ck.n SET e = 'active' WHERE id = 4",
                "UPDATE ck.n SET m = 'a' WHERE id = 1", "UPDATE ck.n SET m = 'c' WHERE id = 3",
                "UPDATE ck.n SET e = 'it''s' WHERE id = 5")) {
            exec("DELETE FROM ck.n", "INSERT INTO ck.n SELECT * FROM ck.o", change);
            ChecksumVerdict v = verifyCutOver(cols);
            assertFalse(v.getMatched(), change);
            String id = change.substring(change.length() - 1);
            assertEquals(List.of("key " + id, "replaced table: key " + id),
                    v.getDifferences().stream().map(Object::toString).toList(), "only the changed row: " + change);
        }
    }

    static ChecksumVerdict verifyCutOver(List<String> cols) throws SQLException {
        Connection snapshot = mysql.connect();
        try (Statement s = snapshot.createStatement()) {
            s.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
        }
        return Verifier.verify("it", snapshot, "CUT_OVER", "u:1", new TableName("ck", "n"), cols, List.of("id"),
                new TableName("ck", "o"), cols, List.of("id"));
    }

    @Test
    void theDifferingKeysAreNamedAndBinaryKeyColumnsInHex() throws SQLException {
        exec("DROP TABLE IF EXISTS ck.p, ck.q",
                "CREATE TABLE ck.p (u BINARY(2) NOT NULL, b BIT(16) NOT NULL, n INT NOT NULL, v INT,"
                        + " PRIMARY KEY (u, b, n))",
                "INSERT INTO ck.p VALUES (0x00ff, b'0000000101111111', 1, 1), (0x0102, 0, 2, 2), (0x0103, 0, 3, 3)",
                "CREATE TABLE ck.q LIKE ck.p", "INSERT INTO ck.q SELECT * FROM ck.p",
                "UPDATE ck.q SET v = 10 WHERE n = 1", "DELETE FROM ck.q WHERE n = 2");
        List<String> key = List.of("u", "b", "n");
        List<String> cols = List.of("u", "b", "n", "v");
        Connection snapshot = mysql.connect();
        try (Statement s = snapshot.createStatement()) {
            s.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
        }
        ChecksumVerdict v = Verifier.verify("it", snapshot, "CUT_OVER", "u:1", new TableName("ck", "q"), cols, key,
                new TableName("ck", "p"), cols, key);
        assertFalse(v.getMatched());
        List<String> named = v.getDifferences().stream().map(Object::toString).sorted().toList();
        assertEquals(List.of("key 0x00FF|0x17F|1", "replaced table: key 0x00FF|0x17F|1",
                "replaced table: key 0x0102|0x0|2"), named, "the binary string's bytes and the BIT's number in hex");
    }

    @Test
    void theDifferingKeysAreNamedWhenTheKeysCollationChanged() throws SQLException {
        exec("DROP TABLE IF EXISTS ck.cp, ck.cq",
                "CREATE TABLE ck.cp (k VARCHAR(10) COLLATE utf8mb4_0900_ai_ci NOT NULL PRIMARY KEY, v INT)",
                "INSERT INTO ck.cp VALUES ('a', 1), ('b', 2), ('c', 3)",
                "CREATE TABLE ck.cq (k VARCHAR(10) COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY, v INT)",
                "INSERT INTO ck.cq SELECT * FROM ck.cp", "UPDATE ck.cq SET v = 10 WHERE k = 'a'",
                "DELETE FROM ck.cq WHERE k = 'b'");
        for (boolean cutOver : new boolean[] {true, false}) {
            Connection snapshot = mysql.connect();
            try (Statement s = snapshot.createStatement()) {
                s.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
            }
            TableName production = new TableName("ck", cutOver ? "cq" : "cp");
            TableName replaced = new TableName("ck", cutOver ? "cp" : "cq");
            ChecksumVerdict v = Verifier.verify("it", snapshot, cutOver ? "CUT_OVER" : "REVERT", "u:1", production,
                    List.of("k", "v"), List.of("k"), replaced, List.of("k", "v"), List.of("k"));
            assertFalse(v.getMatched());
            List<String> named = v.getDifferences().stream().map(Object::toString).sorted().toList();
            assertEquals(cutOver ? List.of("key a", "replaced table: key a", "replaced table: key b")
                    : List.of("key a", "key b", "replaced table: key a"), named,
                    "each table's key found in the other's collation");
        }
    }

    @Test
    void aFloatKeyIsNamedInFullSoThatItFindsItsRow() throws SQLException {
        exec("DROP TABLE IF EXISTS ck.fp, ck.fq",
                "CREATE TABLE ck.fp (f FLOAT NOT NULL PRIMARY KEY, v INT)",
                "INSERT INTO ck.fp VALUES (1000 + 1 / 3, 1), (1000 + 2 / 3, 2)",
                "CREATE TABLE ck.fq LIKE ck.fp", "INSERT INTO ck.fq SELECT * FROM ck.fp",
                "UPDATE ck.fq SET v = 10 WHERE v = 1");
        Connection snapshot = mysql.connect();
        try (Statement s = snapshot.createStatement()) {
            s.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
        }
        ChecksumVerdict v = Verifier.verify("it", snapshot, "CUT_OVER", "u:1", new TableName("ck", "fq"),
                List.of("f", "v"), List.of("f"), new TableName("ck", "fp"), List.of("f", "v"), List.of("f"));
        assertFalse(v.getMatched());
        List<String> named = v.getDifferences().stream().map(Object::toString).sorted().toList();
        assertEquals(List.of("key 1000.3333129882812", "replaced table: key 1000.3333129882812"), named,
                "the FLOAT as the DOUBLE that holds it (MySQL's text for it is 1000.33)");
        try (Connection c = mysql.connect(); Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT v FROM ck.fp WHERE f = 1000.3333129882812")) {
            assertTrue(rs.next(), "the key named finds its row");
        }
    }
}
