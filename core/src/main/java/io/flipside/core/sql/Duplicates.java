package io.flipside.core.sql;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Values of a table that a new unique index would refuse: before a migration adds one, its duplicates in the source
 * are named, so that the migration is rejected at submit instead of dropping or merging rows.
 */
public final class Duplicates {
    private Duplicates() {}

    /**
     * Up to {@code limit} rows of {@code value, count}: each value of {@code columns} (joined with {@code ", "}) that
     * more than one row of {@code table} holds. Rows with a NULL in any of them are left out, as a unique index leaves
     * them out.
     */
    public static String query(String migrationId, TableName table, List<String> columns, int limit) {
        String cols = Sql.identList(columns);
        String notNull = columns.stream().map(c -> Sql.ident(c) + " IS NOT NULL").collect(Collectors.joining(" AND "));
        return Sql.tag(migrationId, "prepare") + "SELECT CONCAT_WS(', ', " + cols + "), COUNT(*) FROM " + table.quoted()
                + " WHERE " + notNull + " GROUP BY " + cols + " HAVING COUNT(*) > 1 LIMIT " + limit;
    }
}
