package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.sql.TableName;
import io.flipside.testkit.EmbeddedStack;
import io.flipside.testkit.Schemas;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link Histograms#carry} on a real MySQL: what it builds, what it leaves, and a column MySQL refuses a histogram
 * (covered by a single-column unique index) named in what it returns, not thrown.
 */
class HistogramsCarryIT {
    static final String DB = "histograms_carry";

    @Test
    void buildsOnTheColumnsOfTheSameNameAndTypeAndReportsWhatMySqlRefuses() throws SQLException {
        TableName from = new TableName(DB, "t");
        TableName to = new TableName(DB, "t_new");
        try (Connection c = EmbeddedStack.shared().mysql().connect(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + DB);
            s.execute("CREATE DATABASE " + DB);
            s.execute("CREATE TABLE " + from.quoted() + " (id INT PRIMARY KEY, k INT, u INT, w INT, n INT)");
            s.execute("INSERT INTO " + from.quoted() + " VALUES (1, 1, 1, 1, 1), (2, 2, 2, 2, 2), (3, 2, 3, 3, NULL)");
            s.execute("ANALYZE TABLE " + from.quoted() + " UPDATE HISTOGRAM ON k, u WITH 8 BUCKETS");
            s.execute("ANALYZE TABLE " + from.quoted() + " UPDATE HISTOGRAM ON w, n WITH 4 BUCKETS");
            // u unique, w retyped, n made NOT NULL in the new table; k as it was, with another histogram already.
            s.execute("CREATE TABLE " + to.quoted() + " (id INT PRIMARY KEY, k INT, u INT UNIQUE, w BIGINT, n INT NOT"
                    + " NULL DEFAULT 0)");
            s.execute("INSERT INTO " + to.quoted() + " SELECT id, k, u, w, COALESCE(n, 0) FROM " + from.quoted());
            s.execute("ANALYZE TABLE " + to.quoted() + " UPDATE HISTOGRAM ON k WITH 2 BUCKETS");

            List<String> done = Histograms.carry(c, s, from, to);

            assertEquals(2, done.size(), done.toString());
            assertTrue(done.contains("Histogram statistics created for column 'k'."), done.toString());
            assertTrue(done.stream().anyMatch(d -> d.startsWith("refused: ") && d.contains("'u'")), done.toString());
            assertEquals(Map.of("k", 8), Schemas.histograms(c, DB, to.table()),
                    "u refused; w and n not of the same type");
            assertEquals(List.of("u"), Histograms.carry(c, s, from, to).stream().filter(d -> d.startsWith("refused: "))
                    .map(d -> d.replaceAll(".*'(\\w+)'.*", "$1")).toList(), "only the refused column is tried again");
        }
    }

    @Test
    void dropsWhatTheTableNoLongerHasOnTheColumnsOfTheSameType() throws SQLException {
        TableName from = new TableName(DB, "d");
        TableName to = new TableName(DB, "d_new");
        try (Connection c = EmbeddedStack.shared().mysql().connect(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS " + DB);
            s.execute("DROP TABLE IF EXISTS " + from.quoted() + ", " + to.quoted());
            s.execute("CREATE TABLE " + from.quoted() + " (id INT PRIMARY KEY, k INT, w INT)");
            // w retyped and x added in the new table: their histograms are not the table's to take away.
            s.execute("CREATE TABLE " + to.quoted() + " (id INT PRIMARY KEY, k INT, w BIGINT, x INT)");
            s.execute("INSERT INTO " + to.quoted() + " VALUES (1, 1, 1, 1), (2, 2, 2, 2)");
            s.execute("ANALYZE TABLE " + to.quoted() + " UPDATE HISTOGRAM ON k, w, x WITH 4 BUCKETS");

            List<String> done = Histograms.carry(c, s, from, to);

            assertEquals(List.of("Histogram statistics removed for column 'k'."), done);
            assertEquals(Map.of("w", 4, "x", 4), Schemas.histograms(c, DB, to.table()));
            assertEquals(List.of(), Histograms.carry(c, s, from, to), "nothing left to do");
        }
    }
}
