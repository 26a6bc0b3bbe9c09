package io.flipside.core.sql;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Zero dates in a key. MySQL under a permissive {@code sql_mode} stores {@code '0000-00-00'} and dates with a zero
 * month or day in DATE, DATETIME and TIMESTAMP columns; the capture (Debezium) reads such a value of a NOT NULL column
 * as 1970-01-01, so a change of a row whose key holds one would be looked for, and applied, under another key. Before
 * a migration starts, the rows whose key holds one are looked for, so that it is rejected instead.
 */
public final class ZeroDates {
    private ZeroDates() {}

    /** Whether a column of MySQL type {@code columnType} ({@code datetime(3)}, say) can hold a zero date. */
    public static boolean canHold(String columnType) {
        String t = columnType.toLowerCase(Locale.ROOT);
        return t.startsWith("date") || t.startsWith("timestamp");
    }

    /**
     * At most one row: the key of a row of {@code table} whose {@code dated} columns (of {@code key}) hold a zero date
     * or a date with a zero month or day, its values joined with {@code |}. A full read of the table, without locks.
     */
    public static String query(String migrationId, TableName table, List<String> key, List<String> dated) {
        return query(migrationId, "prepare", table, key, dated, List.of());
    }

    /**
     * As {@link #query(String, TableName, List, List)}, tagged as {@code stage}'s, among the rows whose {@code equal}
     * columns (of {@code key}) equal parameters, in that order: the rows a key the capture gave with its {@code dated}
     * parts at 1970-01-01 may stand for.
     */
    public static String query(String migrationId, String stage, TableName table, List<String> key,
            List<String> dated, List<String> equal) {
        if (dated.isEmpty()) {
            throw new IllegalArgumentException("no date column");
        }
        String zero = dated.stream().map(Sql::ident).map(c -> "MONTH(" + c + ") = 0 OR DAYOFMONTH(" + c + ") = 0")
                .collect(Collectors.joining(" OR "));
        String same = equal.stream().map(c -> Sql.ident(c) + " = ? AND ").collect(Collectors.joining());
        return Sql.tag(migrationId, stage) + "SELECT CONCAT_WS('|', " + Sql.identList(key) + ") FROM "
                + table.quoted() + " WHERE " + same + "(" + zero + ") LIMIT 1";
    }
}
