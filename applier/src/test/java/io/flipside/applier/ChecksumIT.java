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
}
