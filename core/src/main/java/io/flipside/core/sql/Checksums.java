package io.flipside.core.sql;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A checksum of chosen columns of a table, computed by MySQL: the row count and two 64-bit XORs of the halves of each
 * row's MD5, over the columns in a fixed order with an explicit NULL mask (CONCAT_WS would otherwise skip NULLs, and
 * {@code ('a', NULL)} would equal {@code (NULL, 'a')}). Two tables whose mapped columns hold the same values row for
 * row have the same checksum, whatever their other columns; a single differing value changes it.
 */
public final class Checksums {
    private Checksums() {}

    /**
     * Up to {@code limit} keys (as text) of rows of {@code a} that {@code b} lacks or holds with other values in the
     * mapped columns ({@code <=>}: NULL equals NULL). Run it both ways to find rows only {@code b} has. The key
     * columns named in {@code aBinaryKey} are given in hex after {@code 0x}: a binary string's bytes, a BIT's number.
     */
    public static String differingKeys(String migrationId, TableName a, List<String> aKey, List<String> aColumns,
            TableName b, List<String> bKey, List<String> bColumns, int limit, java.util.Set<String> aBinaryKey) {
        StringBuilder on = new StringBuilder();
        for (int i = 0; i < aKey.size(); i++) {
            on.append(i == 0 ? "" : " AND ").append("a.").append(Sql.ident(aKey.get(i))).append(" = b.")
                    .append(Sql.ident(bKey.get(i)));
        }
        StringBuilder same = new StringBuilder();
        for (int i = 0; i < aColumns.size(); i++) {
            same.append(i == 0 ? "" : " AND ").append("a.").append(Sql.ident(aColumns.get(i))).append(" <=> b.")
                    .append(Sql.ident(bColumns.get(i)));
        }
        String key = aKey.stream().map(k -> aBinaryKey.contains(k) ? "'0x', HEX(a." + Sql.ident(k) + ")"
                : "a." + Sql.ident(k)).collect(Collectors.joining(", '|', "));
        return Sql.tag(migrationId, "checksum") + "SELECT CONCAT(" + key + ") FROM " + a.quoted() + " AS a LEFT JOIN "
                + b.quoted() + " AS b ON " + on + " WHERE b." + Sql.ident(bKey.get(0)) + " IS NULL OR NOT (" + same
                + ") LIMIT " + limit;
    }

    /** Returns one row: {@code rows, checksum} where checksum is a 32-character hex string. */
    public static String query(String migrationId, TableName table, List<String> columns) {
        return query(migrationId, table, columns, java.util.Set.of());
    }

    /**
     * As {@link #query(String, TableName, List)}, with the character columns named in {@code textColumns} hashed as
     * utf8mb4: MD5 hashes bytes, so the same text in latin1 and in utf8mb4 would otherwise differ, and a migration that
     * changes a column's character set would never match. (Binary columns are hashed as their bytes.)
     */
    public static String query(String migrationId, TableName table, List<String> columns,
            java.util.Set<String> textColumns) {
        String values = columns.stream()
                .map(c -> textColumns.contains(c) ? "CONVERT(" + Sql.ident(c) + " USING utf8mb4)" : Sql.ident(c))
                .collect(Collectors.joining(", "));
        String nullMask = columns.stream().map(c -> "ISNULL(" + Sql.ident(c) + ")").collect(Collectors.joining(", "));
        String rowHash = "MD5(CONCAT_WS('#', " + values + ", CONCAT(" + nullMask + ")))";
        // BIT_XOR is 0 over no rows. No COALESCE(..., 0): it would type the result as a signed BIGINT and clamp every
        // value with the high bit set to 7FFFFFFFFFFFFFFF, so that half of all checksums would compare equal.
        return Sql.tag(migrationId, "checksum") + "SELECT COUNT(*), CONCAT("
                + "LPAD(HEX(BIT_XOR(CAST(CONV(SUBSTRING(h, 1, 16), 16, 10) AS UNSIGNED))), 16, '0'), "
                + "LPAD(HEX(BIT_XOR(CAST(CONV(SUBSTRING(h, 17, 16), 16, 10) AS UNSIGNED))), 16, '0'))"
                + " FROM (SELECT " + rowHash + " AS h FROM " + table.quoted() + ") AS rows_";
    }
}
