package io.flipside.applier;

import io.flipside.core.mapping.ColumnDef;
import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The optimizer's histograms (MySQL 8.0's {@code ANALYZE TABLE ... UPDATE HISTOGRAM}) across a swap. They belong to
 * the table and follow it through a {@code RENAME}: without this, the table swapped in serves without the histograms
 * the application's query plans were made with. MySQL's own {@code ALTER TABLE} keeps a column's histogram unless the
 * ALTER drops, renames or retypes the column; so here a histogram is carried to the column of the same name and type
 * ({@link ColumnDef#sameTypeAs}: nullability, character set and collation too).
 */
final class Histograms {
    private static final String HISTOGRAMS = "SELECT TABLE_NAME, COLUMN_NAME,"
            + " HISTOGRAM->>'$.\"number-of-buckets-specified\"' FROM information_schema.COLUMN_STATISTICS"
            + " WHERE SCHEMA_NAME = ? AND TABLE_NAME IN (?, ?)";

    private Histograms() {}

    /**
     * Gives {@code to} the histograms {@code from} has, with as many buckets, on each column of the same name and
     * type, and drops {@code to}'s histogram of such a column where {@code from} has none. Both tables are of one
     * database. One query when neither table has a histogram. Returns what it did, and what MySQL refused (a column
     * covered by a single-column unique index takes no histogram), for the log; empty when there was nothing to do.
     * A histogram is a scan of the table: this runs outside any lock of Flipside's.
     */
    static List<String> carry(Connection c, TableName from, TableName to) throws SQLException {
        Map<String, Map<String, Integer>> buckets = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(HISTOGRAMS)) {
            ps.setString(1, from.database());
            ps.setString(2, from.table());
            ps.setString(3, to.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    buckets.computeIfAbsent(rs.getString(1), x -> new HashMap<>())
                            .put(rs.getString(2).toLowerCase(Locale.ROOT), rs.getInt(3));
                }
            }
        }
        if (buckets.isEmpty()) {
            return List.of();
        }
        Map<String, Integer> had = buckets.getOrDefault(from.table(), Map.of());
        Map<String, Integer> has = buckets.getOrDefault(to.table(), Map.of());
        Map<String, ColumnDef> fromColumns = columns(c, from);
        Map<Integer, List<String>> build = new TreeMap<>();
        List<String> drop = new ArrayList<>();
        for (ColumnDef column : TableInspector.columns(c, to)) {
            String name = column.name().toLowerCase(Locale.ROOT);
            ColumnDef before = fromColumns.get(name);
            if (before == null || !column.sameTypeAs(before)) {
                continue;
            }
            Integer wanted = had.get(name);
            Integer present = has.get(name);
            if (wanted != null && !wanted.equals(present)) {
                build.computeIfAbsent(wanted, x -> new ArrayList<>()).add(column.name());
            } else if (wanted == null && present != null) {
                drop.add(column.name());
            }
        }
        List<String> done = new ArrayList<>();
        for (Map.Entry<Integer, List<String>> b : build.entrySet()) {
            // A bucket count read from the server: ANALYZE takes no placeholder.
            done.addAll(analyze(c, to, "UPDATE HISTOGRAM ON " + names(b.getValue()) + " WITH " + b.getKey()
                    + " BUCKETS", "built on " + String.join(", ", b.getValue()) + " with " + b.getKey() + " buckets"));
        }
        if (!drop.isEmpty()) {
            done.addAll(analyze(c, to, "DROP HISTOGRAM ON " + names(drop), "dropped from " + String.join(", ",
                    drop)));
        }
        return done;
    }

    /** {@code ANALYZE TABLE t what}: MySQL reports a column it refuses in the result, not as an error. */
    private static List<String> analyze(Connection c, TableName t, String what, String done) throws SQLException {
        List<String> refused = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("ANALYZE TABLE " + t.quoted() + " "
                + what)) {
            while (rs.next()) {
                if (rs.getString("Msg_type").equalsIgnoreCase("error")) {
                    refused.add(rs.getString("Msg_text"));
                }
            }
        }
        List<String> out = new ArrayList<>();
        out.add(done);
        refused.forEach(r -> out.add("refused: " + r));
        return out;
    }

    private static String names(List<String> columns) {
        return columns.stream().map(Sql::ident).collect(Collectors.joining(", "));
    }

    /** The table's columns by their names in lower case (MySQL's column names ignore case). */
    private static Map<String, ColumnDef> columns(Connection c, TableName t) throws SQLException {
        Map<String, ColumnDef> columns = new HashMap<>();
        for (ColumnDef column : TableInspector.columns(c, t)) {
            columns.put(column.name().toLowerCase(Locale.ROOT), column);
        }
        return columns;
    }
}
