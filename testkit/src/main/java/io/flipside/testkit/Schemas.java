package io.flipside.testkit;

import io.flipside.core.sql.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** What tests ask of a database's tables and a table's columns, read from information_schema. */
public final class Schemas {
    private Schemas() {}

    /** The tables of {@code database}, by name. */
    public static List<String> tables(Connection c, String database) throws SQLException {
        return names(c, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME",
                database);
    }

    /** The columns of {@code database.table}, in their order. */
    public static List<String> columns(Connection c, String database, String table) throws SQLException {
        return names(c, "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?"
                + " ORDER BY ORDINAL_POSITION", database, table);
    }

    /** The partitions of {@code database.table}, in their order (none for a table not partitioned). */
    public static List<String> partitions(Connection c, String database, String table) throws SQLException {
        return names(c, "SELECT PARTITION_NAME FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = ?"
                + " AND TABLE_NAME = ? AND PARTITION_NAME IS NOT NULL ORDER BY PARTITION_ORDINAL_POSITION", database,
                table);
    }

    /** The indexes of {@code database.table}, by name (in the column's collation: {@code by_name} before PRIMARY). */
    public static List<String> indexes(Connection c, String database, String table) throws SQLException {
        return names(c, "SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ?"
                + " AND TABLE_NAME = ? ORDER BY INDEX_NAME", database, table);
    }

    /** The optimizer histograms of {@code database.table}: the number of buckets asked for, by column name. */
    public static java.util.Map<String, Integer> histograms(Connection c, String database, String table)
            throws SQLException {
        java.util.Map<String, Integer> out = new java.util.TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT COLUMN_NAME,"
                + " HISTOGRAM->>'$.\"number-of-buckets-specified\"' FROM information_schema.COLUMN_STATISTICS"
                + " WHERE SCHEMA_NAME = ? AND TABLE_NAME = ?")) {
            ps.setString(1, database);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getInt(2));
                }
            }
        }
        return out;
    }

    /**
     * Each table of {@code database}, in name order, as its definition ({@code SHOW CREATE TABLE}) and then its name with
     * MySQL's checksum of its rows ({@code CHECKSUM TABLE}): equal before and after means no table was created, dropped,
     * altered or written to.
     */
    public static List<String> fingerprint(Connection c, String database) throws SQLException {
        List<String> out = new ArrayList<>();
        try (java.sql.Statement s = c.createStatement()) {
            for (String t : tables(c, database)) {
                String table = Sql.qualified(database, t);
                try (ResultSet rs = s.executeQuery("SHOW CREATE TABLE " + table)) {
                    rs.next();
                    out.add(rs.getString(2));
                }
                try (ResultSet rs = s.executeQuery("CHECKSUM TABLE " + table)) {
                    rs.next();
                    out.add(t + " " + rs.getLong(2));
                }
            }
        }
        return out;
    }

    private static List<String> names(Connection c, String query, String... params) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(query)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }
}
