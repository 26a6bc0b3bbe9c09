package io.flipside.core.mapping;

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
}
