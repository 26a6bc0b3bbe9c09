package io.flipside.cli.bench;

import io.flipside.core.sql.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.SplittableRandom;

/**
 * sysbench's {@code sbtest} table: {@code id INT AUTO_INCREMENT PRIMARY KEY, k INT, c CHAR(120), pad CHAR(60), KEY
 * k_1(k)}, with sysbench's content ({@code k} random in 1..N, {@code c} ten and {@code pad} five groups of eleven
 * random digits joined by dashes).
 *
 * <p>A template is generated once per run, server-side (a recursive CTE, in slices of {@value #SLICE} rows); every
 * measurement then gets its own fresh copy of it. Loading runs with {@code sql_log_bin = 0} when the user may set
 * it: the rows never reach the binlog, so loading a million rows does not send a million events through the capture
 * (which runs throughout, as it would in production) while the next measurement runs. The {@code CREATE TABLE}s are
 * binlogged as usual, so the capture knows every table.
 */
final class SysbenchTable {
    static final int SLICE = 100_000;
    /** The secondary index, on {@code k}. */
    static final String K_INDEX = "k_1";
    static final String CREATE_COLUMNS = "(id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL DEFAULT 0,"
            + " c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', KEY " + K_INDEX + " (k)) ENGINE=InnoDB";

    private static final String DIGITS11 = "LPAD(FLOOR(RAND() * 100000000000), 11, '0')";

    private SysbenchTable() {}

    /** Whether this session could turn binary logging off (false: the load is binlogged). */
    static boolean binlogOff(Connection c) {
        try (Statement s = c.createStatement()) {
            s.execute("SET SESSION sql_log_bin = 0");
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    static void binlogOn(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET SESSION sql_log_bin = 1");
        } catch (SQLException e) {
            // never turned off
        }
    }

    /** Creates {@code db.table} with {@code rows} sysbench rows (ids 1..rows). */
    static void createTemplate(Connection c, String db, String table, long rows) throws SQLException {
        String t = Sql.qualified(db, table);
        try (Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + t);
            s.execute("CREATE TABLE " + t + " " + CREATE_COLUMNS);
        }
        try (PreparedStatement ps = c.prepareStatement("SET SESSION cte_max_recursion_depth = ?")) {
            ps.setLong(1, SLICE + 10);
            ps.execute();
        }
        String c10 = String.join(", ", java.util.Collections.nCopies(10, DIGITS11));
        String p5 = String.join(", ", java.util.Collections.nCopies(5, DIGITS11));
        boolean off = binlogOff(c);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + t + " (id, k, c, pad)"
                + " WITH RECURSIVE seq (n) AS (SELECT ? UNION ALL SELECT n + 1 FROM seq WHERE n < ?)"
                + " SELECT n, 1 + FLOOR(RAND() * ?), CONCAT_WS('-', " + c10 + "), CONCAT_WS('-', " + p5 + ") FROM seq")) {
            for (long from = 1; from <= rows; from += SLICE) {
                ps.setLong(1, from);
                ps.setLong(2, Math.min(rows, from + SLICE - 1));
                ps.setLong(3, rows);
                ps.executeUpdate();
            }
        } finally {
            if (off) {
                binlogOn(c);
            }
        }
    }

    /** A fresh copy of the template, same rows, same AUTO_INCREMENT. */
    static void copy(Connection c, String db, String template, String table, long rows) throws SQLException {
        String t = Sql.qualified(db, table);
        String from = Sql.qualified(db, template);
        try (Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + t);
            s.execute("CREATE TABLE " + t + " LIKE " + from);
        }
        boolean off = binlogOff(c);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + t + " SELECT * FROM " + from
                + " WHERE id BETWEEN ? AND ?")) {
            for (long lo = 1; lo <= rows; lo += SLICE) {
                ps.setLong(1, lo);
                ps.setLong(2, lo + SLICE - 1);
                ps.executeUpdate();
            }
        } finally {
            if (off) {
                binlogOn(c);
            }
        }
    }

    static void drop(Connection c, String db, String table) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + Sql.qualified(db, table));
        }
    }

    /** A value of {@code c} as sysbench writes it: ten groups of eleven digits joined by dashes (119 characters). */
    static String randomC(SplittableRandom random) {
        StringBuilder b = new StringBuilder(120);
        for (int g = 0; g < 10; g++) {
            if (g > 0) {
                b.append('-');
            }
            long v = random.nextLong(100_000_000_000L);
            String digits = Long.toString(v);
            for (int i = digits.length(); i < 11; i++) {
                b.append('0');
            }
            b.append(digits);
        }
        return b.toString();
    }
}
