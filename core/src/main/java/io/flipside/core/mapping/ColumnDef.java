package io.flipside.core.mapping;

import io.flipside.core.sql.Sql;
import io.flipside.core.sql.TableDefinitions;
import java.util.List;

/**
 * One column as information_schema.COLUMNS describes it.
 *
 * @param name       column name
 * @param columnType the full type, e.g. {@code varchar(64)}, {@code bigint unsigned}, {@code enum('a','b')}
 * @param nullable   IS_NULLABLE
 * @param generated  a stored or virtual generated column: never written directly
 * @param hasDefault an INSERT that leaves it out succeeds: nullable, or with a default, or auto-increment
 * @param charset    CHARACTER_SET_NAME, or null for non-character types
 * @param collation  COLLATION_NAME, or null
 */
public record ColumnDef(String name, String columnType, boolean nullable, boolean generated, boolean hasDefault,
        String charset, String collation) {

    /** Same type, nullability, character set and collation: every value of one fits the other unchanged. */
    public boolean sameTypeAs(ColumnDef other) {
        return columnType.equalsIgnoreCase(other.columnType) && nullable == other.nullable
                && java.util.Objects.equals(charset, other.charset)
                && java.util.Objects.equals(collation, other.collation);
    }

    /**
     * A FLOAT, FLOAT(M,D) or FLOAT UNSIGNED: MySQL's text protocol gives its values with six significant digits, which
     * are other values (1006.67 for 1006.6666870117188), so that a statement that reads one to find its row again
     * selects it as a DOUBLE, which holds every FLOAT exactly.
     */
    public boolean isFloat() {
        return columnType.toLowerCase(java.util.Locale.ROOT).startsWith("float");
    }

    public String describeType() {
        return columnType + (nullable ? "" : " NOT NULL")
                + (charset == null ? "" : " CHARACTER SET " + charset + " COLLATE " + collation);
    }

    /** Everything this record holds, in one line: two columns are equal exactly when their lines are. */
    public String describe() {
        return Sql.ident(name) + " " + describeType() + (generated ? " GENERATED" : "")
                + (hasDefault && !nullable ? " (has a default)" : "");
    }

    /** A table's columns in order, one {@link #describe} line each: how the sidecar keeps them to compare later. */
    public static String describe(List<ColumnDef> columns) {
        return String.join("\n", columns.stream().map(ColumnDef::describe).toList());
    }

    /**
     * How {@code now} differs from {@code before} (both as {@link #describe(List)} gives them), for an
     * operator: the lines only one of them has, or that the same columns are in another order; empty when equal.
     */
    public static String difference(String before, String now) {
        return TableDefinitions.difference(List.of(before.split("\n", -1)), List.of(now.split("\n", -1)),
                "the same columns in another order");
    }
}
