package io.flipside.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.mapping.ColumnMapping;
import io.flipside.core.sql.Projection;
import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableName;
import io.flipside.schema.ColumnValue;
import io.flipside.schema.Key;
import io.flipside.testkit.EmbeddedStack;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Keys bound as the applier binds them find their rows in MySQL in the statements' shapes: one key or several in an
 * IN list, a NOT IN list of the keys kept, the copy's next chunk and its bound; read from MySQL and from the
 * changelog alike. Bound as text, as they were, TIME keys were compared as text in these row comparisons (MySQL
 * 8.0.15): negative times sorted wrongly (the next chunk after {@code -838:59:59} was not the rows after it, at
 * TIME(0) too), and a key alone in an IN list missed its row whenever the text's fractional digits were not the
 * column's (a TIME(6) key read back as {@code -222:12:54}; six digits from the changelog for a TIME(0) or TIME(3)
 * column), so that the apply took the row for deleted.
 */
class KeyValuesIT {
    static final String DB = "key_values_it";
    static final List<String> TIMES = List.of("-838:59:59", "-222:12:54", "-222:12:53.75", "-01:00:00.5",
            "-00:00:00.25", "00:00:00", "00:00:01", "12:00:00.125", "838:59:59");

    @ParameterizedTest
    @ValueSource(strings = {"TIME", "TIME(3)", "TIME(6)"})
    void timeKeysFindTheirRowsReadFromMySqlAndFromTheChangelog(String type) throws Exception {
        try (Connection c = EmbeddedStack.shared().mysql().connect(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + Sql.ident(DB));
            s.execute("CREATE DATABASE " + Sql.ident(DB));
            s.execute("USE " + Sql.ident(DB));
            s.execute("CREATE TABLE t (a INT NOT NULL, tm " + type + " NOT NULL, PRIMARY KEY (a, tm))");
            try (PreparedStatement ps = c.prepareStatement("INSERT IGNORE INTO t VALUES (1, ?)")) {
                for (String t : TIMES) {
                    ps.setString(1, t);
                    ps.executeUpdate();
                }
            }
            List<Key> read = new ArrayList<>();
            List<Key> changelog = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT a, tm, TIME_TO_SEC(tm), MICROSECOND(tm) FROM t ORDER BY tm")) {
                while (rs.next()) {
                    read.add(KeyValues.read(rs, List.of("a", "tm")));
                    long micros = Math.abs(rs.getLong(3)) * 1_000_000L + rs.getLong(4);
                    changelog.add(KeyValues.fromChangelog(List.of(new ColumnValue("a", "int32", 1),
                            new ColumnValue("tm", "io.debezium.time.MicroTime",
                                    rs.getString(2).startsWith("-") ? -micros : micros)), List.of("a", "tm")));
                }
            }
            int rows = read.size();
            assertTrue(rows >= TIMES.size() - 2, type + ": at most two times round onto another at TIME(0)");
            for (List<Key> keys : List.of(read, changelog)) {
                String from = keys == read ? "read from MySQL" : "from the changelog";
                assertEquals(rows, count(c, "SELECT COUNT(*) FROM t WHERE (a, tm) IN (" + tuples(rows) + ")", keys),
                        type + " keys " + from + " in one IN list: " + keys);
                for (int i = 0; i < rows; i++) {
                    Key k = keys.get(i);
                    assertEquals(1, count(c, "SELECT COUNT(*) FROM t WHERE (a, tm) IN ((?, ?))", List.of(k)),
                            type + ": a key " + from + " alone in an IN list: " + k);
                    assertEquals(rows - 1 - i, count(c, "SELECT COUNT(*) FROM t WHERE (a, tm) > (?, ?)", List.of(k)),
                            type + ": the rows after a key " + from + ", as the next chunk reads them: " + k);
                }
                assertEquals(rows, count(c, "SELECT COUNT(*) FROM t WHERE (a, tm) <= (?, ?)",
                        List.of(keys.get(rows - 1))), type + ": the last key " + from + " as the copy's bound");
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM t WHERE (a, tm) IN (" + tuples(rows)
                        + ") AND (a, tm) NOT IN (" + tuples(rows) + ")")) {
                    bind(ps, keys, keys);
                    assertEquals(0, ps.executeUpdate(), type + ": every key " + from + " kept, none deleted");
                }
            }
            s.execute("DROP DATABASE " + Sql.ident(DB));
        }
    }

    /**
     * MySQL sends a FLOAT as text with six significant digits: the key {@code 1006.6666870117188} read back as
     * {@code 1006.67} is another value, which finds no row. Among the keys the apply kept, it let the statement that
     * deletes the batch's absent keys delete the row just written (a lost write, SchemaChangesIT's float-double-key
     * under CI), and as a chunk's bound it lets the next chunk skip or repeat rows. Keys read through the projection's
     * statements are exact and are the keys the changelog gives.
     */
    @ParameterizedTest
    @ValueSource(strings = {"FLOAT", "FLOAT(10,4)", "FLOAT UNSIGNED"})
    void floatKeysReadThroughTheProjectionAreTheRowsOwn(String type) throws Exception {
        TableName read = new TableName(DB, "t");
        TableName written = new TableName(DB, "u");
        try (Connection c = EmbeddedStack.shared().mysql().connect(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + Sql.ident(DB));
            s.execute("CREATE DATABASE " + Sql.ident(DB));
            s.execute("USE " + Sql.ident(DB));
            s.execute("CREATE TABLE t (f " + type + " NOT NULL, d DOUBLE NOT NULL, PRIMARY KEY (f, d))");
            List<Float> floats = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
                for (int i = 1; i <= 30; i++) {
                    float f = (float) (1000 + i / 3.0);
                    floats.add(f);
                    ps.setFloat(1, f);
                    ps.setDouble(2, i / 7.0);
                    ps.executeUpdate();
                }
            }
            s.execute("CREATE TABLE u LIKE t");
            s.execute("INSERT INTO u SELECT * FROM t");
            Projection p = new Projection("it", read, written, new ColumnMapping(List.of(
                    new ColumnMapping.Pair("f", "f"), new ColumnMapping.Pair("d", "d"))), List.of("f", "d"),
                    List.of("f", "d"), "PRIMARY").keysFloating(Set.of("f"), Set.of("f"));
            List<Key> keys = new ArrayList<>();
            for (int i = 0; i < floats.size(); i++) {
                try (PreparedStatement ps = c.prepareStatement(p.chunkRowKey(true))) {
                    ps.setInt(1, i);
                    try (ResultSet rs = ps.executeQuery()) {
                        assertTrue(rs.next(), "row " + i);
                        keys.add(KeyValues.read(rs, p.readKey()));
                    }
                }
            }
            int rows = keys.size();
            for (int i = 0; i < rows; i++) {
                Key changelog = KeyValues.fromChangelog(List.of(new ColumnValue("f", "FLOAT32",
                        (double) floats.get(i)), new ColumnValue("d", "FLOAT64", (i + 1) / 7.0)), List.of("f", "d"));
                assertEquals(KeyValues.identity(changelog), KeyValues.identity(keys.get(i)),
                        type + ": the key read as a chunk's row is the changelog's");
                assertEquals(rows - 1 - i, count(c, "SELECT COUNT(*) FROM t WHERE (f, d) > (?, ?)",
                        List.of(keys.get(i))), type + ": the rows after a chunk's bound " + keys.get(i));
            }
            List<Key> kept = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(p.existingKeys(rows))) {
                bind(ps, keys);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        kept.add(KeyValues.read(rs, p.readKey()));
                    }
                }
            }
            assertEquals(rows, kept.size(), type + ": every key found");
            try (PreparedStatement ps = c.prepareStatement(p.deleteAbsent(rows, false, kept.size()))) {
                bind(ps, keys, kept);
                assertEquals(0, ps.executeUpdate(), type + ": every key kept, no row deleted");
            }
            try (PreparedStatement ps = c.prepareStatement(p.lastCopiedKey(true)); ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertEquals(KeyValues.identity(keys.get(rows - 1)), KeyValues.identity(KeyValues.read(rs,
                        p.writeKey())), type + ": the last key written is the last key read");
            }
            s.execute("DROP DATABASE " + Sql.ident(DB));
        }
    }

    private static String tuples(int n) {
        return String.join(", ", Collections.nCopies(n, "(?, ?)"));
    }

    /** Binds the keys of each list in turn, from parameter 1 on, as the applier binds them. */
    @SafeVarargs
    private static void bind(PreparedStatement ps, List<Key>... lists) throws SQLException {
        int i = 1;
        for (List<Key> keys : lists) {
            for (Key k : keys) {
                i = KeyValues.bind(ps, i, k);
            }
        }
    }

    private static int count(Connection c, String sql, List<Key> keys) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, keys);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
