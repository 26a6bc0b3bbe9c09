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
 * The optimizer's histograms (MySQL 8.0's {@code ANALYZE TABLE ... UPDATE HISTOGRAM}) of the table being migrated, on
 * the shadow table. They belong to their table and follow it through a {@code RENAME}: without them, the table swapped
 * in would serve without the histograms the application's query plans were made with. MySQL's own {@code ALTER TABLE}
 * keeps a column's histogram unless the ALTER drops, renames or retypes the column; so here a histogram is carried to
 * the column of the same name and type ({@link ColumnDef#sameTypeAs}: nullability, character set and collation too).
 * Building them reads the table (in a scratch program on MySQL 8.0.15 here, 39-41 s for the indexed {@code k} of a
 * 1M-row sysbench table alone, 1.9-3.3 s for its other columns, or for {@code k} with them), so it is done after the
 * copy, and again before the first cut-over's locks for what changed on the table since (nothing to do is a query or
 * two), never in a swap.
 */
final class Histograms {
    private static final String HISTOGRAMS = "SELECT TABLE_NAME, COLUMN_NAME,"
            + " HISTOGRAM->>'$.\"number-of-buckets-specified\"' FROM information_schema.COLUMN_STATISTICS"
            + " WHERE SCHEMA_NAME = ? AND TABLE_NAME IN (?, ?)";

    private Histograms() {}

    /**
     * Gives {@code to} the histograms {@code from} has, with as many buckets, on each column of the same name and type
     * where {@code to} has none or another, and drops those {@code to} has on such a column where {@code from} has
     * none, running the ANALYZE statements on {@code s} (so that they can be cancelled). Both tables are of one
     * database. One query when neither has any. Returns MySQL's answer for each column, for the log, a refusal (a
     * column covered by a single-column unique index takes no histogram) prefixed "refused: " (such a column is tried
     * again at the next call); empty when there was nothing to do.
     */
    static List<String> carry(Connection c, Statement s, TableName from, TableName to) throws SQLException {
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
        Map<String, Integer> had = buckets.getOrDefault(from.table(), Map.of());
        Map<String, Integer> has = buckets.getOrDefault(to.table(), Map.of());
        if (had.isEmpty() && has.isEmpty()) {
            return List.of();
        }
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
            if (wanted == null && has.containsKey(name)) {
                drop.add(column.name());
            } else if (wanted != null && !wanted.equals(has.get(name))) {
                build.computeIfAbsent(wanted, x -> new ArrayList<>()).add(column.name());
            }
        }
        List<String> done = new ArrayList<>();
        if (!drop.isEmpty()) {
            done.addAll(analyze(s, to, "DROP HISTOGRAM ON " + names(drop)));
        }
        for (Map.Entry<Integer, List<String>> b : build.entrySet()) {
            // A bucket count read from the server: ANALYZE takes no placeholder.
            done.addAll(analyze(s, to, "UPDATE HISTOGRAM ON " + names(b.getValue()) + " WITH " + b.getKey()
                    + " BUCKETS"));
        }
        return done;
    }

    /**
     * {@code ANALYZE TABLE t what}, and MySQL's answer for each column, a refusal (reported in the result, not as an
     * error) prefixed "refused: ".
     */
    private static List<String> analyze(Statement s, TableName t, String what) throws SQLException {
        List<String> said = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("ANALYZE TABLE " + t.quoted() + " " + what)) {
            while (rs.next()) {
                said.add((rs.getString("Msg_type").equalsIgnoreCase("error") ? "refused: " : "")
                        + rs.getString("Msg_text"));
            }
        }
        return said;
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
