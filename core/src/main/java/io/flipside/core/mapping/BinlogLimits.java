package io.flipside.core.mapping;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Table shapes whose row changes the capture cannot read, so that a migration never creates or swaps in such a table.
 *
 * <p>A binlog table map carries one signedness bit per numeric column (TINYINT to BIGINT, DECIMAL, FLOAT, DOUBLE);
 * MySQL 8.0.15 does not count YEAR among them. The binlog client under Debezium 3.6.1 (mysql-binlog-connector-java
 * 0.41.0) does, and sizes the field from its own count instead of the field's length. When the YEAR columns push that
 * count over a multiple of eight, it reads past the field: the table map fails to decode, and the capture retries the
 * same position for ever, holding up every migration on the server.
 */
public final class BinlogLimits {
    private static final Set<String> SIGNED_NUMERIC = Set.of("tinyint", "smallint", "mediumint", "int", "bigint",
            "decimal", "float", "double");

    private BinlogLimits() {}

    /** What in {@code table} the capture could not read changes of, or empty when it can read them. */
    public static Optional<String> unreadable(TableDef table) {
        int numeric = 0;
        int years = 0;
        for (ColumnDef c : table.columns()) {
            String base = baseType(c.columnType());
            if (base.equals("year")) {
                years++;
            } else if (SIGNED_NUMERIC.contains(base)) {
                numeric++;
            }
        }
        // Without a numeric column MySQL writes no signedness field, and there is nothing to misread.
        if (years == 0 || numeric == 0 || bytes(numeric + years) == bytes(numeric)) {
            return Optional.empty();
        }
        return Optional.of(years + " YEAR column" + (years == 1 ? "" : "s") + " and " + numeric + " numeric column"
                + (numeric == 1 ? "" : "s") + ": the capture's binlog client (mysql-binlog-connector-java 0.41.0) counts"
                + " YEAR among the numeric columns when it reads a table map's signedness bits, would read past them,"
                + " and would stop the capture for every table of the server; add a numeric column, or hold the years"
                + " in a SMALLINT UNSIGNED");
    }

    private static int bytes(int bits) {
        return (bits + 7) / 8;
    }

    private static String baseType(String columnType) {
        String t = columnType.trim().toLowerCase(Locale.ROOT);
        int end = 0;
        while (end < t.length() && Character.isLetter(t.charAt(end))) {
            end++;
        }
        return t.substring(0, end);
    }
}
