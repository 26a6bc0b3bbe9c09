package io.flipside.applier;

import io.flipside.core.mapping.ColumnDef;
import io.flipside.core.mapping.TableDef;
import io.flipside.core.mapping.UniqueKey;
import io.flipside.core.sql.TableName;
import io.flipside.schema.DeferredIndex;
import io.flipside.schema.IndexPart;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** Reads table definitions from information_schema. */
final class TableInspector {
    private static final String TABLE_TYPE =
            "SELECT TABLE_TYPE, ENGINE, TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?";
    private static final String COLUMNS =
            "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, EXTRA, COLUMN_DEFAULT, CHARACTER_SET_NAME, COLLATION_NAME"
                    + " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION";
    private static final String UNIQUE_KEYS =
            "SELECT s.INDEX_NAME, s.COLUMN_NAME, s.SUB_PART, c.IS_NULLABLE FROM information_schema.STATISTICS s"
                    + " LEFT JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = s.TABLE_SCHEMA"
                    + " AND c.TABLE_NAME = s.TABLE_NAME"
                    + " AND c.COLUMN_NAME = s.COLUMN_NAME"
                    + " WHERE s.TABLE_SCHEMA = ? AND s.TABLE_NAME = ? AND s.NON_UNIQUE = 0"
                    + " ORDER BY s.INDEX_NAME = 'PRIMARY' DESC, s.INDEX_NAME, s.SEQ_IN_INDEX";
    private static final String AUTO_INCREMENT_COLUMN = "SELECT COLUMN_NAME FROM information_schema.COLUMNS"
            + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND EXTRA LIKE '%auto_increment%'";
    private static final String INDEX_NAMES =
            "SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?";
    private static final String PARTITION_NAMES = "SELECT DISTINCT LOWER(PARTITION_NAME) FROM"
            + " information_schema.PARTITIONS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND PARTITION_NAME IS NOT NULL";
    /*
     * Foreign keys are looked for in REFERENTIAL_CONSTRAINTS, by the referring and by the referenced table each in a
     * query of its own: KEY_COLUMN_USAGE with the two as one condition took 32-36 ms a table with 1,000 foreign keys
     * on the server (4 with none), this 2.7-5.2 ms for both tables, triggers included (bench/CatalogLookups.java).
     */
    private static final String ATTACHED = "SELECT EVENT_OBJECT_TABLE, 'trigger', TRIGGER_NAME"
            + " FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE IN (?, ?)"
            + " UNION ALL SELECT TABLE_NAME, 'foreign key', CONSTRAINT_NAME"
            + " FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME IN (?, ?)"
            + " UNION ALL SELECT REFERENCED_TABLE_NAME, 'foreign key', CONSTRAINT_NAME"
            + " FROM information_schema.REFERENTIAL_CONSTRAINTS"
            + " WHERE UNIQUE_CONSTRAINT_SCHEMA = ? AND REFERENCED_TABLE_NAME IN (?, ?)";

    private TableInspector() {}

    /**
     * What a {@code RENAME TABLE} of two tables of one database carries along with them besides their rows: their
     * triggers, and the foreign keys they have or that refer to them. In one query.
     */
    record Attached(Map<String, Set<String>> triggers, Set<String> foreignKeys) {
        boolean none() {
            return triggers.isEmpty() && foreignKeys.isEmpty();
        }
    }

    static Attached attached(Connection c, TableName a, TableName b) throws SQLException {
        // By table name as the caller spells it, whatever the case information_schema gives it in.
        Map<String, Set<String>> triggers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        Set<String> foreignKeys = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        try (PreparedStatement ps = c.prepareStatement(ATTACHED)) {
            for (int from = 1; from <= 7; from += 3) {
                ps.setString(from, a.database());
                ps.setString(from + 1, a.table());
                ps.setString(from + 2, b.table());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getString(2).equals("trigger")) {
                        triggers.computeIfAbsent(rs.getString(1), x -> new TreeSet<>()).add(rs.getString(3));
                    } else {
                        foreignKeys.add(rs.getString(1));
                    }
                }
            }
        }
        return new Attached(triggers, foreignKeys);
    }

    /** The table's type and engine, or empty when it does not exist. */
    record TableInfo(String type, String engine, long estimatedRows) {}

    static Optional<TableInfo> info(Connection c, TableName t) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(TABLE_TYPE)) {
            ps.setString(1, t.database());
            ps.setString(2, t.table());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new TableInfo(rs.getString(1), rs.getString(2), rs.getLong(3)));
            }
        }
    }

    /** Why {@code t} cannot be migrated as a table (it does not exist, or is a view), or empty when it can. */
    static Optional<String> notABaseTable(Connection c, TableName t) throws SQLException {
        return notABaseTable(t, info(c, t));
    }

    /** As above, from the table's {@link #info} already read. */
    static Optional<String> notABaseTable(TableName t, Optional<TableInfo> info) {
        if (info.isEmpty()) {
            return Optional.of("table " + t + " does not exist");
        }
        if (!"BASE TABLE".equals(info.get().type())) {
            return Optional.of(t + " is a " + info.get().type().toLowerCase(Locale.ROOT) + ", not a table");
        }
        return Optional.empty();
    }

    static boolean exists(Connection c, TableName t) throws SQLException {
        return info(c, t).isPresent();
    }

    private static final String AUTO_INCREMENTS = "SELECT TABLE_NAME, AUTO_INCREMENT FROM information_schema.TABLES"
            + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?, ?) AND AUTO_INCREMENT IS NOT NULL";

    /**
     * The AUTO_INCREMENT counters of two tables of one database as they are now (the next id an insert would take; a
     * BIGINT UNSIGNED's may pass a long's range), by table name, in one query; a table without an AUTO_INCREMENT
     * column has none. Sets the session's {@code information_schema_stats_expiry} to 0: MySQL 8.0 otherwise answers
     * from statistics cached for up to a day.
     */
    static Map<String, BigInteger> autoIncrements(Connection c, TableName a, TableName b) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET SESSION information_schema_stats_expiry = 0");
        }
        Map<String, BigInteger> next = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(AUTO_INCREMENTS)) {
            ps.setString(1, a.database());
            ps.setString(2, a.table());
            ps.setString(3, b.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    next.put(rs.getString(1), new BigInteger(rs.getString(2)));
                }
            }
        }
        return next;
    }

    /** The table's columns in ordinal order. */
    static List<ColumnDef> columns(Connection c, TableName t) throws SQLException {
        List<ColumnDef> columns = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(COLUMNS)) {
            ps.setString(1, t.database());
            ps.setString(2, t.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(column(rs));
                }
            }
        }
        return columns;
    }

    private static ColumnDef column(ResultSet rs) throws SQLException {
        String extra = rs.getString(4) == null ? "" : rs.getString(4).toUpperCase(Locale.ROOT);
        boolean nullable = "YES".equals(rs.getString(3));
        // VIRTUAL GENERATED / STORED GENERATED; not DEFAULT_GENERATED, which only says that the default is
        // an expression (or CURRENT_TIMESTAMP): such a column holds values and must be copied.
        boolean generated = extra.contains("VIRTUAL GENERATED") || extra.contains("STORED GENERATED");
        boolean hasDefault = nullable || rs.getString(5) != null || extra.contains("AUTO_INCREMENT")
                || extra.contains("DEFAULT_GENERATED") || generated;
        return new ColumnDef(rs.getString(1), rs.getString(2), nullable, generated, hasDefault, rs.getString(6),
                rs.getString(7));
    }

    static TableDef read(Connection c, TableName t) throws SQLException {
        List<ColumnDef> columns = columns(c, t);
        Map<String, List<String>> keys = new LinkedHashMap<>();
        Map<String, Boolean> usable = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(UNIQUE_KEYS)) {
            ps.setString(1, t.database());
            ps.setString(2, t.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String index = rs.getString(1);
                    String column = rs.getString(2);
                    List<String> cols = keys.computeIfAbsent(index, k -> new ArrayList<>());
                    // A key part that is an expression (MySQL 8.0.13's functional key parts) has no column: the
                    // index's plain columns alone do not identify a row, so it is no key, only a unique index.
                    if (column != null) {
                        cols.add(column);
                    }
                    boolean ok = column != null && rs.getObject(3) == null && "NO".equals(rs.getString(4));
                    usable.merge(index, ok, Boolean::logicalAnd);
                }
            }
        }
        List<UniqueKey> unique = new ArrayList<>();
        List<UniqueKey> indexes = new ArrayList<>();
        keys.forEach((index, cols) -> {
            if (cols.isEmpty()) {
                return; // over expressions only: nothing to compare by column
            }
            indexes.add(new UniqueKey(index, cols));
            if (usable.get(index)) {
                unique.add(new UniqueKey(index, cols));
            }
        });
        return new TableDef(t.table(), columns, unique, indexes);
    }

    /**
     * The table's plain secondary indexes, in the table's order: not unique, B-tree, visible, over columns (no
     * expression), without a comment, and not the index an AUTO_INCREMENT column needs (MySQL refuses to drop that
     * one).
     */
    static List<DeferredIndex> plainSecondaryIndexes(Connection c, TableName t) throws SQLException {
        Set<String> autoIncrement = strings(c, AUTO_INCREMENT_COLUMN, t);
        // SHOW INDEX, not information_schema.STATISTICS: it lists the indexes in the table's own order (the order
        // SHOW CREATE TABLE gives), which building them again must keep.
        Map<String, List<IndexPart>> parts = new LinkedHashMap<>();
        Map<String, Boolean> plain = new LinkedHashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW INDEX FROM " + t.quoted())) {
            while (rs.next()) {
                String index = rs.getString("Key_name");
                if (index.equals("PRIMARY")) {
                    continue;
                }
                List<IndexPart> cols = parts.computeIfAbsent(index, k -> new ArrayList<>());
                String column = rs.getString("Column_name");
                String comment = rs.getString("Index_comment");
                boolean ok = rs.getInt("Non_unique") == 1 && column != null && rs.getString("Expression") == null
                        && "BTREE".equals(rs.getString("Index_type")) && "YES".equals(rs.getString("Visible"))
                        && (comment == null || comment.isEmpty())
                        && !(cols.isEmpty() && autoIncrement.contains(column));
                plain.merge(index, ok, Boolean::logicalAnd);
                if (ok) {
                    Object prefix = rs.getObject("Sub_part");
                    cols.add(new IndexPart(column, prefix == null ? null : ((Number) prefix).intValue(),
                            "D".equals(rs.getString("Collation"))));
                }
            }
        }
        List<DeferredIndex> out = new ArrayList<>();
        parts.forEach((index, cols) -> {
            if (plain.get(index)) {
                out.add(new DeferredIndex(index, cols));
            }
        });
        return out;
    }

    /** The names of the table's indexes, PRIMARY included. */
    static Set<String> indexNames(Connection c, TableName t) throws SQLException {
        return strings(c, INDEX_NAMES, t);
    }

    /** The names of the table's partitions, in lower case (as {@code PartitionMaintenance} gives them). */
    static Set<String> partitionNames(Connection c, TableName t) throws SQLException {
        return strings(c, PARTITION_NAMES, t);
    }

    /**
     * The partitions and subpartitions of {@code serving} and of {@code other}, a table of the same database, by table
     * name, each as its name, method and bounds (without the partitioning expression, which names columns a migration
     * may rename), in order. One query for both: the cut-over may run it with writes held.
     */
    static Map<String, List<String>> partitionLayouts(Connection c, TableName serving, TableName other)
            throws SQLException {
        Map<String, List<String>> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT TABLE_NAME, PARTITION_NAME, SUBPARTITION_NAME,"
                + " PARTITION_METHOD, SUBPARTITION_METHOD, PARTITION_DESCRIPTION FROM information_schema.PARTITIONS"
                + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?, ?)"
                + " ORDER BY TABLE_NAME, PARTITION_ORDINAL_POSITION, SUBPARTITION_ORDINAL_POSITION")) {
            ps.setString(1, serving.database());
            ps.setString(2, serving.table());
            ps.setString(3, other.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2)
                            + (rs.getString(3) == null ? "" : "/" + rs.getString(3)) + " " + rs.getString(4)
                            + (rs.getString(5) == null ? "" : "/" + rs.getString(5))
                            + (rs.getString(6) == null ? "" : " " + rs.getString(6)));
                }
            }
        }
        return out;
    }

    /** The first column of {@code sql}'s rows, its two parameters bound to the table's schema and name. */
    private static Set<String> strings(Connection c, String sql, TableName t) throws SQLException {
        Set<String> out = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, t.database());
            ps.setString(2, t.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    static boolean hasForeignKeys(Connection c, TableName t) throws SQLException {
        return !attached(c, t, t).foreignKeys().isEmpty();
    }
}
